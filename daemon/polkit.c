/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include "list.h"
#include "log.h"
#include "polkit.h"
#include "polkit-table.h"
#include "util.h"

/* One authorization check, kept in c->polkit_queries keyed by the message
 * it is for until the handler, dispatched again, takes the verdict. */
struct PolkitQuery {
        Context *context;
        sd_bus_message *request;
        sd_bus_slot *slot;
        uid_t uid;      /* the caller's, once the bus driver said */
        bool allowed;   /* decided "yes": request is dispatched again */
        sd_event_source *forget; /* drops a verdict nobody took (idle priority) */
        char *action;
        LIST_FIELDS(PolkitQuery, queries);
};

static void query_free(PolkitQuery *q) {
        if (!q)
                return;
        Context *c = q->context;
        LIST_REMOVE(queries, c->polkit_queries, q);
        c->n_polkit_queries--;

        sd_bus_slot_unref(q->slot);
        sd_event_source_disable_unref(q->forget);
        sd_bus_message_unref(q->request);
        free(q->action);
        free(q);
        context_touch(c);
}

void polkit_queries_free(Context *c) {
        while (c->polkit_queries)
                query_free(c->polkit_queries);
}

static PolkitQuery *query_find(Context *c, sd_bus_message *m) {
        LIST_FOREACH(queries, q, c->polkit_queries)
                if (q->request == m)
                        return q;
        return NULL;
}

static void query_reply_error(PolkitQuery *q, const sd_bus_error *e) {
        int r = sd_bus_reply_method_error(q->request, e);
        if (r < 0)
                log_debug_errno(r, "Failed to send error reply: %m");
}

/* A refusal: the caller may not do this. Logged at info level, as the
 * everyday outcome of a policy doing its job. dismissed: the person closed
 * the authentication dialog, and is told so rather than "not allowed". */
static void query_deny(PolkitQuery *q, const char *why, bool dismissed) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        log_info("Denied %s from %s: %s", sd_bus_message_get_member(q->request),
                 sd_bus_message_get_sender(q->request), why);
        if (dismissed)
                sd_bus_error_setf(&e, SD_BUS_ERROR_ACCESS_DENIED,
                                  "Permission denied: the authentication was cancelled (polkit action %s).", q->action);
        else
                sd_bus_error_setf(&e, SD_BUS_ERROR_ACCESS_DENIED,
                                  "Permission denied: your account is not allowed to do this (polkit action %s); ask an administrator.",
                                  q->action);
        query_reply_error(q, &e);
}

/* polkitd answered CheckAuthorization with an error (not running, timed out,
 * or refusing to answer us at all). The caller is still refused, but the fault
 * is this system's, not the caller's: a warning with polkit's own words, so a
 * packager sees it. */
static void query_polkit_failed(PolkitQuery *q, const sd_bus_error *error) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        log_warning("polkit could not check %s for %s from %s: %s (%s)", q->action,
                    sd_bus_message_get_member(q->request), sd_bus_message_get_sender(q->request),
                    error->message ?: "no message", error->name);
        sd_bus_error_setf(&e, SD_BUS_ERROR_ACCESS_DENIED,
                          "Permission denied: polkit could not check whether your account may do this (polkit action %s); "
                          "an administrator finds why in 'journalctl -u kino-traktd'.",
                          q->action);
        query_reply_error(q, &e);
}

/* polkit would allow it after authentication, but nobody authenticated:
 * either the caller did not allow interaction, or it did and polkitd found no
 * agent to ask (it then answers "not authorized, challenge"). Both are
 * InteractiveAuthorizationRequired, as systemd's services answer; the message
 * says which. */
static void query_needs_authentication(PolkitQuery *q) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        bool interactive = sd_bus_message_get_allow_interactive_authorization(q->request);

        log_info("Denied %s from %s: polkit wants authentication for %s, %s", sd_bus_message_get_member(q->request),
                 sd_bus_message_get_sender(q->request), q->action,
                 interactive ? "and no polkit agent could ask for it" : "and the caller did not allow interaction");
        if (interactive)
                sd_bus_error_setf(&e, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                  "Authentication is required for this (polkit action %s) and no polkit agent could ask for it.",
                                  q->action);
        else
                sd_bus_error_setf(&e, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                  "Authentication is required for this (polkit action %s); retry allowing interactive authorization.",
                                  q->action);
        query_reply_error(q, &e);
}

/* The handler dispatched again should have taken the verdict by the time
 * the loop is idle; one it did not take (it failed before asking again) goes
 * here, so it cannot keep the daemon busy. */
static int on_forget(sd_event_source *s, void *userdata) {
        PolkitQuery *q = userdata;
        log_debug("Nobody took the verdict on %s from %s; dropped.", sd_bus_message_get_member(q->request),
                  sd_bus_message_get_sender(q->request));
        query_free(q);
        return 0;
}

/* "Yes": the original call goes through the bus's dispatch again, from the
 * start, and this time its handler finds the verdict (bus_authorize). Returns
 * whether the query lives on for that; on failure the caller is answered here. */
static bool query_allow(PolkitQuery *q) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        Context *c = q->context;
        int r;

        q->allowed = true;
        r = sd_event_add_defer(c->event, &q->forget, on_forget, q);
        if (r >= 0)
                r = sd_event_source_set_priority(q->forget, SD_EVENT_PRIORITY_IDLE);
        if (r >= 0)
                r = sd_bus_message_rewind(q->request, true);
        if (r >= 0)
                r = sd_bus_enqueue_for_read(c->bus, q->request);
        if (r >= 0)
                return true;
        log_warning_errno(r, "Could not dispatch %s from %s again: %m", sd_bus_message_get_member(q->request),
                          sd_bus_message_get_sender(q->request));
        sd_bus_error_set_errno(&e, r);
        query_reply_error(q, &e);
        return false;
}

/* Reads polkit's details dictionary for "polkit.dismissed" = "true": the
 * person closed the authentication dialog. */
static int read_dismissed(sd_bus_message *reply, bool *ret) {
        const char *k, *v;
        int r;

        *ret = false;
        r = sd_bus_message_enter_container(reply, 'a', "{ss}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_read(reply, "{ss}", &k, &v)) > 0)
                if (streq(k, "polkit.dismissed") && streq(v, "true"))
                        *ret = true;
        if (r < 0)
                return r;
        return sd_bus_message_exit_container(reply);
}

static int on_check_authorization(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        PolkitQuery *q = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int authorized = 0, challenge = 0;
        bool dismissed = false;
        int r;

        q->slot = sd_bus_slot_unref(q->slot);

        if (e) {
                /* polkitd absent or broken: the answer is no. */
                query_polkit_failed(q, e);
                goto finish;
        }

        r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
        if (r >= 0)
                r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
        if (r >= 0)
                r = read_dismissed(reply, &dismissed);
        if (r < 0) {
                _cleanup_(sd_bus_error_free) sd_bus_error pe = SD_BUS_ERROR_NULL;
                sd_bus_error_setf(&pe, SD_BUS_ERROR_INVALID_SIGNATURE, "unreadable answer from polkit (signature %s)",
                                  sd_bus_message_get_signature(reply, true) ?: "?");
                query_polkit_failed(q, &pe);
                goto finish;
        }

        if (authorized) {
                if (query_allow(q))
                        return 0;
        } else if (challenge)
                query_needs_authentication(q);
        else
                query_deny(q, dismissed ? "the authentication was dismissed" : "polkit said no", dismissed);

finish:
        query_free(q);
        return 0;
}

static int on_unix_user(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        PolkitQuery *q = userdata;
        Context *c = q->context;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        uint32_t uid;
        int r;

        q->slot = sd_bus_slot_unref(q->slot);

        if (e) {
                query_deny(q, e->message ?: e->name, false);
                goto fail;
        }
        r = sd_bus_message_read(reply, "u", &uid);
        if (r < 0) {
                query_deny(q, "cannot tell the caller's user", false);
                goto fail;
        }

        q->uid = (uid_t) uid;
        if (uid == 0 || isempty(q->action)) {
                if (query_allow(q))
                        return 0;
                goto fail;
        }

        r = sd_bus_message_new_method_call(c->bus, &call, "org.freedesktop.PolicyKit1",
                                           "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
        if (r >= 0)
                r = sd_bus_message_append(call, "(sa{sv})s", "system-bus-name", 1, "name", "s",
                                          sd_bus_message_get_sender(q->request), q->action);
        if (r >= 0)
                r = sd_bus_message_append(call, "a{ss}us", 0,
                                          (uint32_t) (sd_bus_message_get_allow_interactive_authorization(q->request) ? 1 : 0),
                                          "");
        if (r >= 0)
                /* Interactive checks wait for a person: allow them time. */
                r = sd_bus_call_async(c->bus, &q->slot, call, on_check_authorization, q,
                                      sd_bus_message_get_allow_interactive_authorization(q->request)
                                              ? 5 * 60 * USEC_PER_SEC : 25 * USEC_PER_SEC);
        if (r < 0) {
                query_deny(q, "cannot ask polkit", false);
                goto fail;
        }
        return 0;

fail:
        query_free(q);
        return 0;
}

int bus_authorize(Context *c, sd_bus_message *m, uid_t *ret_uid, sd_bus_error *error) {
        int r;

        /* Dispatched again after a "yes": the verdict is here. */
        PolkitQuery *q = query_find(c, m);
        if (q) {
                if (!q->allowed)
                        return 1; /* still asking (the same call cannot arrive twice; be safe) */
                if (ret_uid)
                        *ret_uid = q->uid;
                query_free(q);
                return 0;
        }

        const char *action = polkit_action_for(sd_bus_message_get_interface(m), sd_bus_message_get_member(m));
        if (!action)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Permission denied: %s is not open to callers.", sd_bus_message_get_member(m));

        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        q->context = c;
        q->request = sd_bus_message_ref(m);
        q->action = strdup(action);
        LIST_PREPEND(queries, c->polkit_queries, q);
        c->n_polkit_queries++;

        if (!q->action) {
                query_free(q);
                return -ENOMEM;
        }

        /* Who is calling? Asked asynchronously so the loop never waits on it. */
        r = sd_bus_call_method_async(c->bus, &q->slot, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "GetConnectionUnixUser", on_unix_user, q, "s",
                                     sd_bus_message_get_sender(m));
        if (r < 0) {
                query_free(q);
                return r;
        }
        return 1; /* decided later: answered with a refusal here, or dispatched again */
}

int bus_caller_uid(Context *c, sd_bus_message *m, uid_t *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *sender = sd_bus_message_get_sender(m);
        uint32_t uid;
        int r;

        if (!sender)
                return -ENXIO;
        if (streq_ptr(c->caller_cache_name, sender)) {
                *ret = c->caller_cache_uid;
                return 0;
        }
        r = sd_bus_call_method(c->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "GetConnectionUnixUser", NULL, &reply, "s", sender);
        if (r >= 0)
                r = sd_bus_message_read(reply, "u", &uid);
        if (r < 0)
                return log_debug_errno(r, "Cannot tell the user of %s: %m", sender);
        char *name = strdup(sender);
        if (name) {
                free(c->caller_cache_name);
                c->caller_cache_name = name;
                c->caller_cache_uid = (uid_t) uid;
        }
        *ret = (uid_t) uid;
        return 0;
}
