/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <math.h>

#include "list.h"
#include "log.h"
#include "media-bus.h"
#include "polkit.h"
#include "session-bus.h"
#include "util.h"
#include "watchers.h"

static const sd_bus_vtable session_vtable[];

/* The session's properties in the vtable's order, with their bits. */
static const struct {
        SessionProperty bit;
        const char *name;
} properties[] = {
        { SESSION_INCOGNITO, "Incognito" },
        { SESSION_PLAYBACK_STATE, "PlaybackState" },
        { SESSION_MEDIA, "Media" },
        { SESSION_PROGRESS, "Progress" },
        { SESSION_LAST_ACTIVE, "LastActive" },
        { SESSION_EFFECTIVE_INCOGNITO, "EffectiveIncognito" },
        { SESSION_PROBLEM, "Problem" },
};

/* Append one property's entry ({sv}) with the vtable's own getter. */
static int append_property(Session *s, sd_bus_message *m, const char *name) {
        for (const sd_bus_vtable *v = session_vtable; v->type != _SD_BUS_VTABLE_END; v++) {
                if ((v->type != _SD_BUS_VTABLE_PROPERTY && v->type != _SD_BUS_VTABLE_WRITABLE_PROPERTY) ||
                    !streq(v->x.property.member, name))
                        continue;
                _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
                int r = sd_bus_message_open_container(m, 'e', "sv");
                if (r >= 0)
                        r = sd_bus_message_append(m, "s", name);
                if (r >= 0)
                        r = sd_bus_message_open_container(m, 'v', v->x.property.signature);
                if (r >= 0)
                        r = v->x.property.get(s->context->bus, s->path, KT_SESSION_INTERFACE, name, m, s, &e);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
                return r;
        }
        return -ENOENT;
}

/* PropertiesChanged, with the values, to the owner alone: what a session
 * plays is nobody else's business (never a broadcast another uid could
 * match). The watchers of the owner's uid hear SessionChanged. */
void session_bus_changed(Context *c, Session *s, unsigned changed) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r;

        if (!c->bus)
                return;
        r = sd_bus_message_new_signal(c->bus, &m, s->path, "org.freedesktop.DBus.Properties", "PropertiesChanged");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", KT_SESSION_INTERFACE);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        for (size_t i = 0; i < ELEMENTSOF(properties) && r >= 0; i++)
                if (changed & properties[i].bit)
                        r = append_property(s, m, properties[i].name);
        if (r >= 0)
                r = sd_bus_message_close_container(m);
        if (r >= 0)
                r = sd_bus_message_append(m, "as", 0);
        if (r >= 0)
                r = sd_bus_message_set_destination(m, s->owner);
        if (r >= 0)
                r = sd_bus_send(c->bus, m, NULL);
        if (r < 0)
                log_debug_errno(r, "Could not tell the owner of session %u what changed: %m", s->number);
        watchers_session_changed(c, s->uid, s->path, false);
}

void session_bus_removed(Context *c, Session *s) {
        watchers_session_changed(c, s->uid, s->path, true);
}

void session_bus_announce(Session *s) {
        watchers_session_changed(s->context, s->uid, s->path, false);
}

/* ---- methods ---- */

static int check_owner(Session *s, sd_bus_message *m, sd_bus_error *error) {
        const char *sender = sd_bus_message_get_sender(m);
        if (!sender || !streq(sender, s->owner))
                return sd_bus_error_set(error, SD_BUS_ERROR_ACCESS_DENIED,
                                        "This playback session belongs to another program; create your own with CreateSession.");
        return 0;
}

static int check_progress(double p, sd_bus_error *error) {
        if (!isfinite(p) || p < 0 || p > 100)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Progress is a percentage from 0 to 100, not %g.", p);
        return 0;
}

/* Pause and Stop: the owner, and a progress in range. */
static int read_progress(Session *s, sd_bus_message *m, double *ret, sd_bus_error *error) {
        int r = check_owner(s, m, error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(m, "d", ret);
        if (r < 0)
                return r;
        return check_progress(*ret, error);
}

/* The answer to Start, Pause or Stop, then the news: durable first, so the
 * caller hears back before the owner and the watchers hear what changed. */
static int reply_then_notify(Session *s, sd_bus_message *m, int r, unsigned changed, sd_bus_error *error) {
        if (sd_bus_error_is_set(error))
                return r; /* refused: nothing changed */
        if (r < 0)
                r = sd_bus_error_set(error, SD_BUS_ERROR_FAILED,
                                     "Could not record the event in the state database; check the disk and the daemon's log.");
        else
                r = sd_bus_reply_method_return(m, NULL);
        if (changed)
                session_bus_changed(s->context, s, changed);
        return r;
}

static int method_start(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Session *s = userdata;
        _cleanup_(trakt_media_done) TraktMedia media = {};
        double progress;
        unsigned changed;
        int r;

        r = check_owner(s, m, error);
        if (r < 0)
                return r;
        r = bus_read_media(m, &media, error);
        if (r < 0 || sd_bus_error_is_set(error))
                return r;
        r = sd_bus_message_read(m, "d", &progress);
        if (r < 0)
                return r;
        r = check_progress(progress, error);
        if (r < 0)
                return r;
        r = session_start(s, &media, progress, &changed, error);
        return reply_then_notify(s, m, r, changed, error);
}

static int method_pause(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Session *s = userdata;
        double progress;
        unsigned changed;
        int r = read_progress(s, m, &progress, error);
        if (r < 0)
                return r;
        r = session_pause(s, progress, &changed, error);
        return reply_then_notify(s, m, r, changed, error);
}

static int method_stop(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Session *s = userdata;
        double progress;
        unsigned changed;
        int r = read_progress(s, m, &progress, error);
        if (r < 0)
                return r;
        r = session_stop(s, progress, &changed, error);
        return reply_then_notify(s, m, r, changed, error);
}

static int method_close(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Session *s = userdata;
        int r = check_owner(s, m, error);
        if (r < 0)
                return r;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *ref = sd_bus_message_ref(m);
        session_end(s, "closed by its owner");
        return sd_bus_reply_method_return(ref, NULL);
}

/* ---- properties ---- */

static int property_get_incognito(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Session *s = userdata;
        return sd_bus_message_append(reply, "b", s->incognito);
}

static int property_set_incognito(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *value, void *userdata, sd_bus_error *error) {
        /* The look-up (session_find) let only the owner's uid and root this far. */
        int b, r;
        r = sd_bus_message_read(value, "b", &b);
        if (r < 0)
                return r;
        session_set_incognito(userdata, b);
        return 1;
}

static int property_get_playback_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Session *s = userdata;
        return sd_bus_message_append(reply, "s", playback_state_to_string(s->state));
}

static int property_get_media(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Session *s = userdata;
        int r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r >= 0 && s->media_json)
                r = bus_append_media_json(reply, s->media_json);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static int property_get_progress(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Session *s = userdata;
        return sd_bus_message_append(reply, "d", s->progress);
}

static int property_get_application(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Session *s = userdata;
        return sd_bus_message_append(reply, "s", s->application ?: "");
}

static int property_get_uid(sd_bus *bus, const char *path, const char *interface, const char *property,
                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Session *s = userdata;
        return sd_bus_message_append(reply, "u", (uint32_t) s->uid);
}

static int property_get_last_active(sd_bus *bus, const char *path, const char *interface, const char *property,
                                    sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Session *s = userdata;
        return sd_bus_message_append(reply, "t", s->last_active);
}

static int property_get_effective_incognito(sd_bus *bus, const char *path, const char *interface, const char *property,
                                            sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "b", session_effective_incognito(userdata));
}

static int property_get_problem(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Session *s = userdata;
        return sd_bus_message_append(reply, "s", s->problem ?: "");
}

static const sd_bus_vtable session_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_WRITABLE_PROPERTY("Incognito", "b", property_get_incognito, property_set_incognito, 0,
                                 SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_PROPERTY("PlaybackState", "s", property_get_playback_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Media", "a{sv}", property_get_media, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Progress", "d", property_get_progress, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Application", "s", property_get_application, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("Uid", "u", property_get_uid, 0, SD_BUS_VTABLE_PROPERTY_CONST),
        SD_BUS_PROPERTY("LastActive", "t", property_get_last_active, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("EffectiveIncognito", "b", property_get_effective_incognito, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Problem", "s", property_get_problem, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_ARGS("Start", SD_BUS_ARGS("a{sv}", media, "d", progress), SD_BUS_NO_RESULT, method_start,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Pause", SD_BUS_ARGS("d", progress), SD_BUS_NO_RESULT, method_pause, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Stop", SD_BUS_ARGS("d", progress), SD_BUS_NO_RESULT, method_stop, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Close", NULL, NULL, method_close, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

/* ---- the session objects ---- */

int session_bus_reply_list(Context *c, sd_bus_message *m, uid_t uid) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "o");
        LIST_FOREACH(sessions, s, c->sessions)
                if (r >= 0 && (uid == 0 || s->uid == uid))
                        r = sd_bus_message_append(reply, "o", s->path);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r >= 0)
                r = sd_bus_send(NULL, reply, NULL);
        return r;
}

/* ---- who sees a session ---- */

/* N of SESSION_PATH_PREFIX "N", or 0 when path is not a session's. */
static unsigned path_number(const char *path) {
        if (strncmp(path, SESSION_PATH_PREFIX, strlen(SESSION_PATH_PREFIX)) != 0)
                return 0;
        const char *p = path + strlen(SESSION_PATH_PREFIX);
        if (*p < '1' || *p > '9')
                return 0;
        char *end;
        errno = 0;
        unsigned long n = strtoul(p, &end, 10);
        if (errno || *end || n > UINT32_MAX)
                return 0;
        return (unsigned) n;
}

/* The caller of the message being dispatched may see s: its owner, a
 * connection of the owner's uid, root. */
static bool visible(Context *c, Session *s, sd_bus_message *m, bool *ret_known, uid_t *ret_uid) {
        const char *sender = m ? sd_bus_message_get_sender(m) : NULL;
        if (s && sender && streq(sender, s->owner))
                return true; /* no need to ask the bus driver */
        uid_t uid;
        if (!m || bus_caller_uid(c, m, &uid) < 0) {
                *ret_known = false;
                return false;
        }
        *ret_known = true;
        *ret_uid = uid;
        return s && (uid == 0 || uid == s->uid);
}

static int session_find(sd_bus *bus, const char *path, const char *interface, void *userdata, void **ret_found,
                        sd_bus_error *error) {
        Context *c = userdata;
        unsigned n = path_number(path);
        Session *s = NULL;
        bool known = false;
        uid_t uid = 0;

        if (n == 0)
                return 0;
        s = session_by_number(c, n);
        if (visible(c, s, sd_bus_get_current_message(bus), &known, &uid)) {
                *ret_found = s;
                return 1;
        }
        if (known && uid == 0)
                return 0; /* root: simply no such object */
        /* Anyone else: the same answer whether a session of another user lives
         * here or none does, so not even its existence shows. (sd-bus also
         * probes without an error to fill: then plainly "not here".) */
        if (!error)
                return 0;
        return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED, "There is no playback session of yours at %s.", path);
}

static int session_enumerate(sd_bus *bus, const char *prefix, void *userdata, char ***ret_nodes, sd_bus_error *error) {
        Context *c = userdata;
        sd_bus_message *m = sd_bus_get_current_message(bus);
        size_t n = 0;
        char **nodes = calloc(c->n_sessions + 1, sizeof(char *));
        if (!nodes)
                return -ENOMEM;
        LIST_FOREACH(sessions, s, c->sessions) {
                bool known;
                uid_t uid;
                if (!visible(c, s, m, &known, &uid))
                        continue;
                nodes[n] = strdup(s->path);
                if (!nodes[n]) {
                        for (size_t i = 0; i < n; i++)
                                free(nodes[i]);
                        free(nodes);
                        return -ENOMEM;
                }
                n++;
        }
        *ret_nodes = nodes;
        return 0;
}

int session_bus_register(Context *c) {
        int r = sd_bus_add_fallback_vtable(c->bus, &c->session_vtable_slot, SESSION_NODE, KT_SESSION_INTERFACE, session_vtable,
                                           session_find, c);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(c->bus, &c->session_enum_slot, SESSION_NODE, session_enumerate, c);
        return r;
}

void session_bus_unregister(Context *c) {
        c->session_enum_slot = sd_bus_slot_unref(c->session_enum_slot);
        c->session_vtable_slot = sd_bus_slot_unref(c->session_vtable_slot);
}
