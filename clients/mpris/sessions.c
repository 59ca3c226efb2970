/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "sessions.h"

#define DAEMON_NAME "org.kino.Trakt"
#define DAEMON_PATH "/org/kino/Trakt"
#define DAEMON_IFACE "org.kino.Trakt"
#define SESSION_IFACE "org.kino.Trakt.Session"
#define MAX_APPLICATION_BYTES 256
#define CREATE_TIMEOUT_MS 25000 /* may include activating the daemon */
#define CALL_TIMEOUT_MS 10000   /* every session method returns before any network traffic */
#define MIN_STOP_PROGRESS 1.0   /* below this a Stop means nothing (Trakt ignores it) */

typedef enum State {
        ST_NONE,    /* no session */
        ST_CREATED, /* a session, nothing started in it */
        ST_PLAYING,
        ST_PAUSED,
        ST_STOPPED,
} State;

static const char *const state_names[] = { "none", "created", "playing", "paused", "stopped" };

struct Watch {
        Sessions *sessions;
        int ref;
        GVariant *media;
        char *application;
        char *label;
        WatchProgressFn progress_fn;
        void *progress_data;

        /* wanted */
        State want; /* PLAYING, PAUSED or STOPPED */
        double progress;
        guint64 want_gen;
        bool ending; /* Close once `want` is reached; then free */

        /* acknowledged by the daemon */
        State known;
        guint64 known_gen;
        char *path;
        char *owner;   /* the daemon's unique name that holds `path` */
        guint epoch;   /* bumps whenever the session is forgotten: late replies are stale */
        bool busy;     /* a call is in flight */
        bool waiting;  /* for the daemon's name to appear */
        bool retried;  /* one immediate retry after a failure, then wait */
        bool dormant;  /* the daemon had it paused, then left: re-create when it plays again */
};

struct Sessions {
        GDBusConnection *bus;
        GCancellable *cancel;
        GPtrArray *watches; /* Watch*, owned */
        guint name_watch;
        char *owner;       /* the daemon's unique name, NULL while absent */
        bool v1;           /* the daemon lacks CreateSessionFor: use CreateSession */
        unsigned in_flight;
};

typedef struct Call {
        Watch *w;
        guint epoch;
        State next;     /* the state the daemon is in when the call succeeds */
        guint64 gen;
        const char *method;
} Call;

static void reconcile(Watch *w);

static Watch *watch_ref(Watch *w) {
        w->ref++;
        return w;
}

static void watch_unref(Watch *w) {
        if (--w->ref > 0)
                return;
        g_variant_unref(w->media);
        g_free(w->application);
        g_free(w->label);
        g_free(w->path);
        g_free(w->owner);
        g_free(w);
}

static void watch_drop(Watch *w) {
        Sessions *s = w->sessions;
        if (g_ptr_array_remove(s->watches, w))
                watch_unref(w);
}

static void forget_session(Watch *w) {
        g_clear_pointer(&w->path, g_free);
        g_clear_pointer(&w->owner, g_free);
        w->known = ST_NONE;
        w->epoch++;
}

/* ---- daemon presence ---- */

static void on_daemon_appeared(GDBusConnection *bus, const char *name, const char *owner, gpointer userdata) {
        Sessions *s = userdata;
        g_free(s->owner);
        s->owner = g_strdup(owner);
        g_debug("The daemon is on the bus as %s.", owner);
        for (guint i = 0; i < s->watches->len; i++) {
                Watch *w = s->watches->pdata[i];
                w->waiting = false;
                reconcile(w);
        }
}

static void on_daemon_vanished(GDBusConnection *bus, const char *name, gpointer userdata) {
        Sessions *s = userdata;
        if (!s->owner)
                return;
        g_message("The daemon left the bus; what plays is kept until it is back.");
        g_clear_pointer(&s->owner, g_free);
        /* Walk a copy: reconcile may drop watches. */
        g_autoptr(GPtrArray) all = g_ptr_array_copy(s->watches, NULL, NULL);
        for (guint i = 0; i < all->len; i++) {
                Watch *w = all->pdata[i];
                if (!w->path)
                        continue;
                /* The daemon had this stop (durably): nothing more to send. */
                if (w->known == ST_STOPPED) {
                        watch_drop(w);
                        continue;
                }
                /* It had this pause: nothing to re-send until it plays again. */
                w->dormant = w->known == ST_PAUSED && w->want == ST_PAUSED && w->known_gen == w->want_gen;
                forget_session(w);
                w->busy = false; /* the reply of a call in flight is stale now */
                w->retried = false;
                reconcile(w);
        }
}

Sessions *sessions_new(GDBusConnection *system_bus) {
        Sessions *s = g_new0(Sessions, 1);
        s->bus = g_object_ref(system_bus);
        s->cancel = g_cancellable_new();
        s->watches = g_ptr_array_new();
        s->name_watch = g_bus_watch_name_on_connection(system_bus, DAEMON_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
                                                       on_daemon_appeared, on_daemon_vanished, s, NULL);
        return s;
}

void sessions_free(Sessions *s) {
        if (!s)
                return;
        g_bus_unwatch_name(s->name_watch);
        g_cancellable_cancel(s->cancel);
        while (s->in_flight > 0)
                g_main_context_iteration(NULL, TRUE);
        for (guint i = 0; i < s->watches->len; i++)
                watch_unref(s->watches->pdata[i]);
        g_ptr_array_free(s->watches, TRUE);
        g_object_unref(s->cancel);
        g_object_unref(s->bus);
        g_free(s->owner);
        g_free(s);
}

unsigned sessions_pending(const Sessions *s) {
        return s->watches->len;
}

bool sessions_busy(const Sessions *s) {
        if (s->in_flight > 0)
                return true;
        for (guint i = 0; i < s->watches->len; i++) {
                Watch *w = s->watches->pdata[i];
                if (!w->waiting)
                        return true;
        }
        return false;
}

const char *sessions_daemon(const Sessions *s) {
        return s->owner;
}

/* ---- errors ---- */

typedef enum Failure {
        FAIL_GONE,    /* the daemon (or its session) is not there: wait for it */
        FAIL_REFUSED, /* it said no: drop the watch */
        FAIL_CANCELLED,
} Failure;

static Failure classify(const GError *e, char **ret_name) {
        if (g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                return FAIL_CANCELLED;
        g_autofree char *name = g_dbus_error_is_remote_error(e) ? g_dbus_error_get_remote_error(e) : NULL;
        Failure f = FAIL_GONE;
        if (name && (strcmp(name, "org.freedesktop.DBus.Error.AccessDenied") == 0 ||
                     strcmp(name, "org.freedesktop.DBus.Error.InvalidArgs") == 0 ||
                     strcmp(name, "org.freedesktop.DBus.Error.Failed") == 0 ||
                     strcmp(name, "org.freedesktop.DBus.Error.InteractiveAuthorizationRequired") == 0 ||
                     g_str_has_prefix(name, "org.kino.Trakt.Error.")))
                f = FAIL_REFUSED;
        if (ret_name)
                *ret_name = g_steal_pointer(&name);
        return f;
}

static void log_refused(Watch *w, const char *method, const GError *e) {
        g_autoptr(GError) copy = g_error_copy(e);
        g_dbus_error_strip_remote_error(copy);
        g_warning("The daemon refused %s for “%s”: %s", method, w->label, copy->message);
}

/* ---- calls ---- */

static Call *call_new(Watch *w, State next, const char *method) {
        Call *c = g_new0(Call, 1);
        c->w = watch_ref(w);
        c->epoch = w->epoch;
        c->next = next;
        c->gen = w->want_gen;
        c->method = method;
        w->busy = true;
        w->sessions->in_flight++;
        return c;
}

/* Ends a call: returns the watch if the reply still matters. */
static Watch *call_end(Call *c) {
        Watch *w = c->w;
        Sessions *s = w->sessions;
        s->in_flight--;
        bool stale = c->epoch != w->epoch || !g_ptr_array_find(s->watches, w, NULL);
        if (!stale)
                w->busy = false;
        return stale ? NULL : w;
}

static void call_free(Call *c) {
        watch_unref(c->w);
        g_free(c);
}

static void after_failure(Watch *w, const char *method, const GError *e) {
        Sessions *s = w->sessions;
        g_autofree char *name = NULL;
        switch (classify(e, &name)) {
        case FAIL_CANCELLED:
                return;
        case FAIL_REFUSED:
                log_refused(w, method, e);
                if (w->path)
                        g_dbus_connection_call(s->bus, w->owner, w->path, SESSION_IFACE, "Close", NULL, NULL,
                                               G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS, NULL, NULL, NULL);
                watch_drop(w);
                return;
        case FAIL_GONE:
                break;
        }
        g_debug("%s for “%s” failed (%s): waiting for the daemon.", method, w->label, e->message);
        bool same_daemon = s->owner && w->owner && strcmp(s->owner, w->owner) == 0;
        if (w->path && same_daemon && name && strcmp(name, "org.freedesktop.DBus.Error.UnknownObject") != 0 &&
            strcmp(name, "org.freedesktop.DBus.Error.UnknownMethod") != 0) {
                /* The daemon is there and the session too, but the call got lost
                 * (a timeout): close that session, start over with a new one. */
                g_dbus_connection_call(s->bus, w->owner, w->path, SESSION_IFACE, "Close", NULL, NULL,
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS, NULL, NULL, NULL);
        }
        forget_session(w);
        /* A daemon other than the one that failed is there: try it once now.
         * Else wait for the name to appear (no polling). */
        if (s->owner && !same_daemon && !w->retried) {
                w->retried = true;
                reconcile(w);
                return;
        }
        w->waiting = true;
}

static void on_session_reply(GObject *src, GAsyncResult *res, gpointer userdata) {
        Call *c = userdata;
        g_autoptr(GError) e = NULL;
        g_autoptr(GVariant) r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &e);
        Watch *w = call_end(c);
        if (w) {
                if (r) {
                        w->known = c->next;
                        w->known_gen = c->gen;
                        w->waiting = w->retried = false;
                        g_debug("%s “%s”: %s.", c->method, w->label, state_names[w->known]);
                        if (c->next == ST_NONE) { /* Close */
                                watch_drop(w);
                        } else
                                reconcile(w);
                } else {
                        if (c->next == ST_NONE) /* Close failed: nothing left to do either way */
                                watch_drop(w);
                        else
                                after_failure(w, c->method, e);
                }
        }
        call_free(c);
}

static void session_call(Watch *w, const char *method, GVariant *args, State next) {
        Sessions *s = w->sessions;
        Call *c = call_new(w, next, method);
        g_dbus_connection_call(s->bus, w->owner, w->path, SESSION_IFACE, method, args, NULL,
                               G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS, s->cancel, on_session_reply, c);
}

static void create_session(Watch *w);

static bool is_unknown_method(const GError *e) {
        g_autofree char *name = g_dbus_error_get_remote_error(e);
        return name && strcmp(name, "org.freedesktop.DBus.Error.UnknownMethod") == 0;
}

static void on_create_reply(GObject *src, GAsyncResult *res, gpointer userdata) {
        Call *c = userdata;
        g_autoptr(GError) e = NULL;
        g_autoptr(GDBusMessage) reply =
                g_dbus_connection_send_message_with_reply_finish(G_DBUS_CONNECTION(src), res, &e);
        if (reply && g_dbus_message_to_gerror(reply, &e))
                g_clear_object(&reply);
        Watch *w = call_end(c);
        if (w) {
                Sessions *s = w->sessions;
                GVariant *body = reply ? g_dbus_message_get_body(reply) : NULL;
                const char *sender = reply ? g_dbus_message_get_sender(reply) : NULL;
                if (body && sender && g_variant_is_of_type(body, G_VARIANT_TYPE("(o)"))) {
                        const char *path;
                        g_variant_get(body, "(&o)", &path);
                        w->path = g_strdup(path);
                        w->owner = g_strdup(sender);
                        w->known = ST_CREATED;
                        w->waiting = w->retried = false;
                        g_info("Session %s for “%s” (%s).", path, w->label, w->application);
                        reconcile(w);
                } else if (e && !s->v1 && g_dbus_error_is_remote_error(e) && is_unknown_method(e)) {
                        g_message("The daemon predates CreateSessionFor; using CreateSession.");
                        s->v1 = true;
                        create_session(w);
                } else if (e)
                        after_failure(w, s->v1 ? "CreateSession" : "CreateSessionFor", e);
                else {
                        g_autoptr(GError) bad = g_error_new(G_IO_ERROR, G_IO_ERROR_FAILED, "an unexpected answer");
                        after_failure(w, "CreateSessionFor", bad);
                }
        }
        call_free(c);
}

/* Cut at a character boundary. */
static char *truncate_utf8(const char *s, size_t max) {
        if (strlen(s) <= max)
                return g_strdup(s);
        const char *end = s + max;
        while (end > s && (((unsigned char) *end) & 0xC0) == 0x80)
                end--;
        return g_strndup(s, (size_t) (end - s));
}

static void create_session(Watch *w) {
        Sessions *s = w->sessions;
        g_autoptr(GDBusMessage) m = NULL;
        if (s->v1)
                m = g_dbus_message_new_method_call(DAEMON_NAME, DAEMON_PATH, DAEMON_IFACE, "CreateSession");
        else {
                m = g_dbus_message_new_method_call(DAEMON_NAME, DAEMON_PATH, DAEMON_IFACE, "CreateSessionFor");
                GVariantBuilder b;
                g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
                g_variant_builder_add(&b, "{sv}", "application", g_variant_new_string(w->application));
                g_dbus_message_set_body(m, g_variant_new("(a{sv})", &b));
        }
        Call *c = call_new(w, ST_CREATED, "CreateSessionFor");
        g_dbus_connection_send_message_with_reply(s->bus, m, G_DBUS_SEND_MESSAGE_FLAGS_NONE, CREATE_TIMEOUT_MS, NULL,
                                                  s->cancel, on_create_reply, c);
}

static double current_progress(Watch *w) {
        if (w->want == ST_PLAYING && w->progress_fn)
                return w->progress_fn(w->progress_data);
        return w->progress;
}

/* One step from what the daemon has toward what it should have. */
static void reconcile(Watch *w) {
        if (w->busy)
                return;
        double p = current_progress(w);

        if (w->known == ST_NONE) {
                /* Nothing to tell a new session: drop. */
                if ((w->want == ST_STOPPED && w->progress < MIN_STOP_PROGRESS) || (w->ending && w->want != ST_STOPPED)) {
                        watch_drop(w);
                        return;
                }
                if (w->waiting || (w->dormant && w->want == ST_PAUSED))
                        return;
                create_session(w);
                return;
        }

        switch (w->known) {
        case ST_CREATED:
                session_call(w, "Start", g_variant_new("(@a{sv}d)", w->media, p), ST_PLAYING);
                return;
        case ST_PLAYING:
        case ST_PAUSED:
                if (w->want == ST_STOPPED) {
                        session_call(w, "Stop", g_variant_new("(d)", w->progress), ST_STOPPED);
                        return;
                }
                if (w->want == ST_PAUSED && (w->known != ST_PAUSED || w->known_gen != w->want_gen)) {
                        session_call(w, "Pause", g_variant_new("(d)", w->progress), ST_PAUSED);
                        return;
                }
                if (w->want == ST_PLAYING && w->known == ST_PAUSED) {
                        session_call(w, "Start", g_variant_new("(@a{sv}d)", w->media, p), ST_PLAYING);
                        return;
                }
                break;
        default:
                break;
        }
        if (w->ending && (w->known == w->want || w->known == ST_STOPPED))
                session_call(w, "Close", NULL, ST_NONE);
}

/* ---- the watch API ---- */

Watch *sessions_watch(Sessions *s, GVariant *media, const char *application, const char *label) {
        Watch *w = g_new0(Watch, 1);
        w->sessions = s;
        w->ref = 1;
        w->media = g_variant_ref_sink(media);
        w->application = truncate_utf8(application && *application ? application : "MPRIS player",
                                       MAX_APPLICATION_BYTES);
        w->label = g_strdup(label ?: "");
        w->want = ST_PLAYING;
        g_ptr_array_add(s->watches, w);
        return w;
}

void watch_set_progress_fn(Watch *w, WatchProgressFn fn, void *userdata) {
        w->progress_fn = fn;
        w->progress_data = userdata;
}

static void want(Watch *w, State st, double progress) {
        w->dormant = false;
        w->want = st;
        w->progress = progress;
        w->want_gen++;
        reconcile(w);
}

void watch_play(Watch *w, double progress) {
        want(w, ST_PLAYING, progress);
}

void watch_pause(Watch *w, double progress) {
        want(w, ST_PAUSED, progress);
}

void watch_stop(Watch *w, double progress) {
        w->progress_fn = NULL;
        w->ending = true;
        want(w, ST_STOPPED, progress);
}

void watch_release(Watch *w) {
        w->progress_fn = NULL;
        w->ending = true;
        reconcile(w);
}
