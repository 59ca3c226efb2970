/* SPDX-License-Identifier: MIT */
#include <malloc.h>
#include <stdarg.h>

#include "context.h"
#include "log.h"
#include "util.h"

static const char *const state_names[] = {
        [CONN_UNCONFIGURED] = "unconfigured",
        [CONN_DISCONNECTED] = "disconnected",
        [CONN_AUTHORIZING] = "authorizing",
        [CONN_AUTHORIZED] = "authorized",
        [CONN_CONNECTED] = "connected",
        [CONN_EXPIRED] = "expired",
};

const char *conn_state_to_string(ConnState s) {
        if ((size_t) s >= ELEMENTSOF(state_names))
                return "disconnected";
        return state_names[s];
}

ConnState conn_state_from_string(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(state_names); i++)
                if (streq_ptr(state_names[i], s))
                        return (ConnState) i;
        return CONN_DISCONNECTED;
}

void context_release_memory(Context *c) {
        if (c->db)
                db_release_memory(c->db);
        (void) malloc_trim(0);
}

void context_touch(Context *c) {
        c->last_activity_usec = now_monotonic_usec();
}

bool context_is_idle(Context *c) {
        if (c->state == CONN_CONNECTED || c->state == CONN_AUTHORIZING || c->state == CONN_AUTHORIZED)
                return false;
        if (c->connect || c->sync || c->n_sessions > 0)
                return false;
        if (c->n_polkit_queries > 0)
                return false;
        if (c->http && http_pending(c->http) > 0)
                return false;
        return true;
}

void context_set_state(Context *c, ConnState s) {
        if (c->state == s)
                return;
        log_info("State %s → %s.", conn_state_to_string(c->state), conn_state_to_string(s));
        c->state = s;
        /* Only the lasting states survive a restart; a pending authorization does not. */
        if (s == CONN_CONNECTED || s == CONN_EXPIRED || s == CONN_DISCONNECTED)
                (void) db_set_setting(c->db, "connection", conn_state_to_string(s));
        context_notify_changed(c, "State", "Username", "ConnectedAt", NULL);
        context_touch(c);
        if (c->hooks && c->hooks->connection_changed)
                c->hooks->connection_changed(c);
        /* The idle countdown sleeps while connected; any other state may end in an idle exit. */
        int enabled = SD_EVENT_OFF;
        if (c->idle_timer && sd_event_source_get_enabled(c->idle_timer, &enabled) >= 0 && enabled == SD_EVENT_OFF &&
            sd_event_source_set_time(c->idle_timer, now_monotonic_usec() + c->idle_timeout_usec) >= 0)
                (void) sd_event_source_set_enabled(c->idle_timer, SD_EVENT_ONESHOT);
}

void context_set_last_error(Context *c, const char *error) {
        if (streq_ptr(c->last_error ?: "", error ?: ""))
                return;
        free(c->last_error);
        c->last_error = isempty(error) ? NULL : strdup(error);
        (void) db_set_setting(c->db, "last_error", c->last_error);
        context_notify_changed(c, "LastError", NULL);
}

/* ---- notifications ---- */

void context_notify_changed(Context *c, const char *first, ...) {
        char *names[32];
        size_t n = 0;
        va_list ap;

        if (!c->notify || !c->notify->properties_changed)
                return;
        va_start(ap, first);
        for (const char *p = first; p && n < ELEMENTSOF(names) - 1; p = va_arg(ap, const char *))
                names[n++] = (char *) p;
        va_end(ap);
        names[n] = NULL;
        c->notify->properties_changed(c, names);
}

void context_notify_connect_finished(Context *c, bool success, const char *error) {
        if (c->notify && c->notify->connect_finished)
                c->notify->connect_finished(c, success, error ?: "");
}

void context_notify_sync_finished(Context *c, const char *kind, bool success, const char *error) {
        if (c->notify && c->notify->sync_finished)
                c->notify->sync_finished(c, kind, success, error ?: "");
}

void context_notify_session_changed(Context *c, struct Session *s, unsigned properties) {
        if (c->notify && c->notify->session_changed)
                c->notify->session_changed(c, s, properties);
}

void context_notify_session_removed(Context *c, struct Session *s) {
        if (c->notify && c->notify->session_removed)
                c->notify->session_removed(c, s);
}

void context_notify_incognito_changed(Context *c, uid_t uid, bool on) {
        if (c->notify && c->notify->incognito_changed)
                c->notify->incognito_changed(c, uid, on);
}

/* ---- hooks ---- */

void context_names_resolved(Context *c) {
        if (c->hooks && c->hooks->names_resolved)
                c->hooks->names_resolved(c);
}

bool context_session_wants_lookup(Context *c, const char *key) {
        return c->hooks && c->hooks->session_wants_lookup && c->hooks->session_wants_lookup(c, key);
}

bool context_session_lookup(Context *c, const char *id, double *ret_progress, bool *ret_playing) {
        return c->hooks && c->hooks->session_lookup && c->hooks->session_lookup(c, id, ret_progress, ret_playing);
}

void context_eye_changed(Context *c, uid_t uid, bool on) {
        if (c->hooks && c->hooks->eye_changed)
                c->hooks->eye_changed(c, uid, on);
}
