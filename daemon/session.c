/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "activity.h"
#include "log.h"
#include "outbox.h"
#include "session.h"
#include "trakt-bus.h"
#include "trakt-json.h"
#include "util.h"

#define SESSION_PATH_PREFIX KT_OBJECT_PATH "/session/"
#define SCROBBLE_MIN_PROGRESS 1.0 /* Trakt ignores (422) a stop below 1 % (trakt-api.md §4.2) */

typedef enum PlaybackState {
        PLAYBACK_STOPPED,
        PLAYBACK_PLAYING,
        PLAYBACK_PAUSED,
} PlaybackState;

static const char *const playback_names[] = { "stopped", "playing", "paused" };

typedef struct Session Session;
struct Session {
        Context *context;
        unsigned number;
        char *path;
        char *id; /* the outbox's session id: "<instance>:<number>" */
        char *owner;
        sd_bus_track *track;
        sd_bus_slot *slot;
        sd_event_source *close_later;
        bool incognito;
        PlaybackState state;
        TraktMedia media;
        char *media_key;  /* NULL until Start */
        char *media_json; /* the wrapper, for the Media property */
        double progress;
        bool completed; /* this playback already counted as a watch */
        Session *next, *prev;
};

static Session *sessions(Context *c) {
        return c->sessions;
}

unsigned session_count(Context *c) {
        return c->n_sessions;
}

bool session_lookup(Context *c, const char *id, double *ret_progress, bool *ret_playing) {
        if (!id)
                return false;
        for (Session *s = sessions(c); s; s = s->next)
                if (streq(s->id, id)) {
                        if (ret_progress)
                                *ret_progress = s->progress;
                        if (ret_playing)
                                *ret_playing = s->state == PLAYBACK_PLAYING && !s->incognito;
                        return true;
                }
        return false;
}

static void emit(Session *s, const char *first, ...) __attribute__((sentinel));
static void emit(Session *s, const char *first, ...) {
        char *names[8];
        size_t n = 0;
        va_list ap;
        va_start(ap, first);
        for (const char *p = first; p && n < ELEMENTSOF(names) - 1; p = va_arg(ap, const char *))
                names[n++] = (char *) p;
        va_end(ap);
        names[n] = NULL;
        (void) sd_bus_emit_properties_changed_strv(s->context->bus, s->path, KT_SESSION_INTERFACE, names);
}

static void session_free(Session *s) {
        if (!s)
                return;
        Context *c = s->context;
        if (s->prev)
                s->prev->next = s->next;
        else
                c->sessions = s->next;
        if (s->next)
                s->next->prev = s->prev;
        c->n_sessions--;

        if (c->bus)
                (void) sd_bus_emit_object_removed(c->bus, s->path);
        sd_bus_slot_unref(s->slot);
        sd_bus_track_unref(s->track);
        sd_event_source_disable_unref(s->close_later);
        trakt_media_done(&s->media);
        free(s->media_key);
        free(s->media_json);
        free(s->path);
        free(s->id);
        free(s->owner);
        free(s);
        context_touch(c);
}

void sessions_free(Context *c) {
        while (c->sessions)
                session_free(c->sessions);
}

/* ---- the rules (trakt-api.md §4.2, 2026) ---- */

static int on_completed(Session *s) {
        s->completed = true;
        return activity_completed(s->context, &s->media, s->progress, s->incognito, s->id);
}

/* A pause or a stop: at or above the threshold a completed watch (Trakt
 * answers a pause there with 422 "use stop"); below it, a resume point, sent
 * as what it is (Trakt keeps a stop below 80 % as a pause, §4.2). */
static int paused_or_completed(Session *s, const char *kind, double progress) {
        s->progress = progress;
        if (progress >= KT_WATCHED_THRESHOLD)
                return s->completed ? 0 : on_completed(s);
        return activity_paused(s->context, kind, &s->media, progress, s->incognito, s->id);
}

static int do_pause(Session *s, double progress) {
        return paused_or_completed(s, "pause", progress);
}

static int do_stop(Session *s, double progress) {
        if (progress < SCROBBLE_MIN_PROGRESS) {
                s->progress = progress;
                return 0; /* Trakt ignores it (422): nothing to send, nothing to keep */
        }
        return paused_or_completed(s, "stop", progress);
}

static void session_end(Session *s, const char *why) {
        log_info("Session %u ends (%s).", s->number, why);
        if (s->state == PLAYBACK_PLAYING && s->media_key) {
                /* The player went away mid-play: Trakt keeps the place (never in incognito). */
                int r = do_pause(s, s->progress);
                if (r < 0)
                        log_error_errno(r, "Could not record the final pause of session %u: %m", s->number);
        }
        Context *c = s->context;
        session_free(s);
        outbox_update_status(c);
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

static int reply_stored(sd_bus_message *m, int r, sd_bus_error *error) {
        if (r < 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED,
                                        "Could not record the event in the state database; check the disk and the daemon's log.");
        return sd_bus_reply_method_return(m, NULL);
}

static int method_start(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Session *s = userdata;
        _cleanup_(trakt_media_done) TraktMedia media = {};
        double progress;
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

        _cleanup_free_ char *key = trakt_media_key(&media);
        struct json_object *w = trakt_media_wrapper(&media);
        if (!key || !w) {
                json_object_put(w);
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "The media dictionary names no item.");
        }
        /* Another title, or watching again from before the threshold: a new playback. */
        if (!streq_ptr(key, s->media_key) || progress < KT_WATCHED_THRESHOLD)
                s->completed = false;
        free(s->media_key);
        s->media_key = TAKE_PTR(key);
        free(s->media_json);
        s->media_json = strdup(json_object_to_json_string_ext(w, JSON_C_TO_STRING_PLAIN));
        json_object_put(w);
        trakt_media_done(&s->media);
        s->media = media;
        media = (TraktMedia) {};
        s->progress = progress;
        s->state = PLAYBACK_PLAYING;

        r = s->incognito ? 0 : activity_live_event(s->context, "start", &s->media, progress, s->id);
        /* Durable: answer first, then tell the watchers. */
        r = reply_stored(m, r, error);
        emit(s, "PlaybackState", "Media", "Progress", NULL);
        return r;
}

static int method_pause(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Session *s = userdata;
        double progress;
        int r;

        r = read_progress(s, m, &progress, error);
        if (r < 0)
                return r;
        if (!s->media_key || s->state == PLAYBACK_STOPPED)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                        "Nothing is playing in this session; call Start with the media first.");
        r = do_pause(s, progress);
        s->state = PLAYBACK_PAUSED;
        r = reply_stored(m, r, error);
        emit(s, "PlaybackState", "Progress", NULL);
        return r;
}

static int method_stop(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Session *s = userdata;
        double progress;
        int r;

        r = read_progress(s, m, &progress, error);
        if (r < 0)
                return r;
        if (!s->media_key)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                        "Nothing is playing in this session; call Start with the media first.");
        if (s->state == PLAYBACK_STOPPED)
                return sd_bus_reply_method_return(m, NULL); /* a second Stop changes nothing */
        r = do_stop(s, progress);
        s->state = PLAYBACK_STOPPED;
        r = reply_stored(m, r, error);
        emit(s, "PlaybackState", "Progress", NULL);
        return r;
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
        Session *s = userdata;
        int b, r;
        r = check_owner(s, sd_bus_get_current_message(bus), error);
        if (r < 0)
                return r;
        r = sd_bus_message_read(value, "b", &b);
        if (r < 0)
                return r;
        if (s->incognito != !!b) {
                s->incognito = b;
                log_info("Session %u: incognito %s.", s->number, b ? "on" : "off");
                emit(s, "Incognito", NULL);
        }
        return 1;
}

static int property_get_playback_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Session *s = userdata;
        return sd_bus_message_append(reply, "s", playback_names[s->state]);
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

static const sd_bus_vtable session_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_WRITABLE_PROPERTY("Incognito", "b", property_get_incognito, property_set_incognito, 0,
                                 SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE | SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_PROPERTY("PlaybackState", "s", property_get_playback_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Media", "a{sv}", property_get_media, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Progress", "d", property_get_progress, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_METHOD_WITH_ARGS("Start", SD_BUS_ARGS("a{sv}", media, "d", progress), SD_BUS_NO_RESULT, method_start,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Pause", SD_BUS_ARGS("d", progress), SD_BUS_NO_RESULT, method_pause, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Stop", SD_BUS_ARGS("d", progress), SD_BUS_NO_RESULT, method_stop, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Close", NULL, NULL, method_close, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

/* ---- life cycle ---- */

static int on_close_later(sd_event_source *es, void *userdata) {
        session_end(userdata, "its owner left the bus");
        return 0;
}

static int on_owner_gone(sd_bus_track *t, void *userdata) {
        Session *s = userdata;
        /* Not from inside the tracker's own dispatch: end it on the next loop iteration. */
        if (!s->close_later && sd_event_add_defer(s->context->event, &s->close_later, on_close_later, s) < 0)
                log_error("Could not schedule the end of session %u.", s->number);
        return 0;
}

int session_create(Context *c, sd_bus_message *m, sd_bus_error *error) {
        const char *sender = sd_bus_message_get_sender(m);
        Session *s;
        int r;

        if (!sender)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, "Sessions need a caller with a bus name.");
        if (c->instance == 0)
                c->instance = now_realtime_usec();

        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->context = c;
        s->number = ++c->next_session;
        s->owner = strdup(sender);
        if (!s->owner || asprintf(&s->path, SESSION_PATH_PREFIX "%u", s->number) < 0 ||
            asprintf(&s->id, "%" PRIu64 ":%u", c->instance, s->number) < 0) {
                free(s->owner);
                free(s->path);
                free(s);
                return -ENOMEM;
        }
        s->next = c->sessions;
        if (s->next)
                s->next->prev = s;
        c->sessions = s;
        c->n_sessions++;

        r = sd_bus_track_new(c->bus, &s->track, on_owner_gone, s);
        if (r >= 0)
                r = sd_bus_track_add_name(s->track, sender);
        if (r >= 0)
                r = sd_bus_add_object_vtable(c->bus, &s->slot, s->path, KT_SESSION_INTERFACE, session_vtable, s);
        if (r < 0) {
                session_free(s);
                return sd_bus_error_set_errnof(error, r, "Could not create the session: %s", strerror(-r));
        }
        (void) sd_bus_emit_object_added(c->bus, s->path);
        log_info("Session %u created for %s.", s->number, sender);
        outbox_update_status(c);
        return sd_bus_reply_method_return(m, "o", s->path);
}
