/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>

#include "activity.h"
#include "eye.h"
#include "log.h"
#include "outbox.h"
#include "polkit.h"
#include "resolve.h"
#include "session.h"
#include "trakt-bus.h"
#include "trakt-json.h"
#include "util.h"
#include "watchers.h"

#define SESSION_NODE KT_OBJECT_PATH "/session"
#define SESSION_PATH_PREFIX SESSION_NODE "/"
#define SCROBBLE_MIN_PROGRESS 1.0 /* Trakt ignores (422) a stop below 1 % (docs/trakt-api.md §4.2) */

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
        uid_t uid;          /* the owner's */
        char *application;  /* CreateSessionFor's "application", "" otherwise */
        sd_bus_track *track;
        sd_event_source *close_later;
        bool incognito;     /* the session's own flag; see effective() */
        uint64_t last_active;    /* µs since the epoch of the last Start/Pause/Stop, 0 before */
        uint64_t playback_since; /* µs since the epoch: when the current (or last) playback began */
        PlaybackState state;
        TraktMedia media;
        char *media_key;  /* NULL until Start */
        char *media_json; /* the wrapper, for the Media property */
        double progress;
        bool completed; /* this playback already counted as a watch */
        char *problem;  /* the Problem property: NULL or one sentence about media (a title Trakt does not know) */
        Session *next, *prev;
};

static Session *sessions(Context *c) {
        return c->sessions;
}

unsigned session_count(Context *c) {
        return c->n_sessions;
}

/* The session's own Incognito or its user's eye. */
static bool effective(Session *s) {
        return s->incognito || eye_on(s->context, s->uid);
}

bool session_lookup(Context *c, const char *id, double *ret_progress, bool *ret_playing) {
        if (!id)
                return false;
        for (Session *s = sessions(c); s; s = s->next)
                if (streq(s->id, id)) {
                        if (ret_progress)
                                *ret_progress = s->progress;
                        if (ret_playing)
                                *ret_playing = s->state == PLAYBACK_PLAYING && !effective(s);
                        return true;
                }
        return false;
}

static const sd_bus_vtable session_vtable[];

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
static void emit(Session *s, const char *first, ...) __attribute__((sentinel));
static void emit(Session *s, const char *first, ...) {
        Context *c = s->context;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r;

        if (!c->bus)
                return;
        r = sd_bus_message_new_signal(c->bus, &m, s->path, "org.freedesktop.DBus.Properties", "PropertiesChanged");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", KT_SESSION_INTERFACE);
        if (r >= 0)
                r = sd_bus_message_open_container(m, 'a', "{sv}");
        va_start(ap, first);
        for (const char *p = first; p && r >= 0; p = va_arg(ap, const char *))
                r = append_property(s, m, p);
        va_end(ap);
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

        watchers_session_changed(c, s->uid, s->path, true);
        sd_bus_track_unref(s->track);
        sd_event_source_disable_unref(s->close_later);
        trakt_media_done(&s->media);
        free(s->media_key);
        free(s->media_json);
        free(s->problem);
        free(s->path);
        free(s->id);
        free(s->owner);
        free(s->application);
        free(s);
        context_touch(c);
}

void sessions_free(Context *c) {
        while (c->sessions)
                session_free(c->sessions);
        c->session_enum_slot = sd_bus_slot_unref(c->session_enum_slot);
        c->session_vtable_slot = sd_bus_slot_unref(c->session_vtable_slot);
}

/* ---- the rules (docs/trakt-api.md §4.2, 2026) ---- */

static int on_completed(Session *s) {
        s->completed = true;
        return activity_completed(s->context, &s->media, s->progress, effective(s), s->id, s->uid);
}

/* A pause or a stop: at or above the threshold a completed watch (Trakt
 * answers a pause there with 422 "use stop"); below it, a resume point, sent
 * as what it is (Trakt keeps a stop below 80 % as a pause, §4.2). */
static int paused_or_completed(Session *s, const char *kind, double progress) {
        s->progress = progress;
        if (progress >= KT_WATCHED_THRESHOLD)
                return s->completed ? 0 : on_completed(s);
        return activity_paused(s->context, kind, &s->media, progress, effective(s), s->id);
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

        /* Named by title: Trakt's item when the look-up is cached already (a
         * local read); else it is looked up in the background, never while the
         * caller waits, and never for an incognito session (a search tells
         * Trakt the title). */
        _cleanup_free_ char *problem = NULL;
        TraktMedia found = {};
        switch (resolve_cached(s->context, &media, &found, &problem)) {
        case RESOLVE_FOUND:
                trakt_media_done(&media);
                media = found;
                break;
        case RESOLVE_UNKNOWN:
                if (!effective(s))
                        resolve_want(s->context, &media, 0);
                break;
        default:
                break;
        }
        bool problem_changed = !streq_ptr(problem, s->problem);
        free(s->problem);
        s->problem = TAKE_PTR(problem);

        _cleanup_free_ char *key = trakt_media_key(&media);
        struct json_object *w = trakt_media_wrapper(&media);
        if (!key || !w) {
                json_object_put(w);
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "The media dictionary names no item.");
        }
        /* Another title, or watching again from before the threshold: a new playback. */
        if (!streq_ptr(key, s->media_key) || progress < KT_WATCHED_THRESHOLD)
                s->completed = false;
        /* What withdrawing on incognito reaches back to: another title, or a Start after a Stop. */
        uint64_t now = now_realtime_usec();
        if (!streq_ptr(key, s->media_key) || s->state == PLAYBACK_STOPPED)
                s->playback_since = now;
        s->last_active = now;
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

        r = effective(s) ? 0 : activity_live_event(s->context, "start", &s->media, progress, s->id);
        /* Durable: answer first, then tell the owner and the watchers. */
        r = reply_stored(m, r, error);
        if (problem_changed)
                emit(s, "PlaybackState", "Media", "Progress", "LastActive", "Problem", NULL);
        else
                emit(s, "PlaybackState", "Media", "Progress", "LastActive", NULL);
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
        s->last_active = now_realtime_usec();
        r = reply_stored(m, r, error);
        emit(s, "PlaybackState", "Progress", "LastActive", NULL);
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
        s->last_active = now_realtime_usec();
        r = reply_stored(m, r, error);
        emit(s, "PlaybackState", "Progress", "LastActive", NULL);
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

/* Became effectively incognito: what this playback still has waiting in the
 * outbox is withdrawn. A user who hides a watch mid-play (or right after it
 * ended) does not want it known, including its start and a completed stop
 * that waited for the network. Earlier titles of the session went out as they
 * were meant to. */
static void withdraw_waiting(Session *s) {
        if (!s->playback_since)
                return;
        int r = activity_withdraw(s->context, s->id, s->playback_since);
        if (r < 0)
                log_error_errno(r, "Session %u: could not withdraw the events waiting for Trakt: %m", s->number);
        else if (r > 0)
                log_info("Session %u turned incognito: %d waiting event%s withdrawn.", s->number, r, r == 1 ? "" : "s");
}

static int property_set_incognito(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *value, void *userdata, sd_bus_error *error) {
        /* The look-up (session_find) let only the owner's uid and root this far. */
        Session *s = userdata;
        int b, r;
        r = sd_bus_message_read(value, "b", &b);
        if (r < 0)
                return r;
        if (s->incognito == !!b)
                return 1;
        bool was = effective(s);
        s->incognito = b;
        log_info("Session %u: incognito %s.", s->number, b ? "on" : "off");
        if (!was && effective(s))
                withdraw_waiting(s);
        if (was != effective(s))
                emit(s, "Incognito", "EffectiveIncognito", NULL);
        else
                emit(s, "Incognito", NULL);
        return 1;
}

void session_eye_changed(Context *c, uid_t uid, bool on) {
        for (Session *s = sessions(c); s; s = s->next) {
                if (s->uid != uid || s->incognito)
                        continue; /* its own flag already hides it */
                if (on)
                        withdraw_waiting(s);
                emit(s, "EffectiveIncognito", NULL);
        }
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
        return sd_bus_message_append(reply, "b", effective(userdata));
}

static int property_get_problem(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Session *s = userdata;
        return sd_bus_message_append(reply, "s", s->problem ?: "");
}

/* ---- media named by title ---- */

void session_names_resolved(Context *c) {
        for (Session *s = sessions(c); s; s = s->next) {
                if (!s->media_key || !resolve_is_name(&s->media))
                        continue;
                TraktMedia found = {};
                _cleanup_free_ char *problem = NULL;
                ResolveState st = resolve_cached(c, &s->media, &found, &problem);
                if (st == RESOLVE_FOUND) {
                        _cleanup_free_ char *key = trakt_media_key(&found);
                        struct json_object *w = trakt_media_wrapper(&found);
                        char *json = w ? strdup(json_object_to_json_string_ext(w, JSON_C_TO_STRING_PLAIN)) : NULL;
                        json_object_put(w);
                        if (!key || !json) {
                                free(json);
                                trakt_media_done(&found);
                                continue;
                        }
                        /* What this playback stored under the name (a resume point, the
                         * watch) is Trakt's item now, and so is what it plays. */
                        resolve_rekey(c, &s->media, &found);
                        log_info("Session %u: the title it plays is Trakt's %s %" PRIu64 ".", s->number,
                                 trakt_media_type_to_string(found.type), found.ids.trakt);
                        trakt_media_done(&s->media);
                        s->media = found;
                        free(s->media_key);
                        s->media_key = TAKE_PTR(key);
                        free(s->media_json);
                        s->media_json = json;
                        bool had_problem = s->problem != NULL;
                        free(s->problem);
                        s->problem = NULL;
                        if (had_problem)
                                emit(s, "Media", "Problem", NULL);
                        else
                                emit(s, "Media", NULL);
                } else if (st == RESOLVE_NOT_FOUND && !streq_ptr(problem, s->problem)) {
                        free(s->problem);
                        s->problem = TAKE_PTR(problem);
                        log_info("Session %u: %s", s->number, s->problem);
                        emit(s, "Problem", NULL);
                }
        }
}

bool session_wants_lookup(Context *c, const char *key) {
        for (Session *s = sessions(c); s; s = s->next) {
                if (!s->media_key || effective(s) || !resolve_is_name(&s->media))
                        continue;
                _cleanup_free_ char *k = resolve_lookup_key(c, &s->media);
                if (k && streq(k, key))
                        return true;
        }
        return false;
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

int session_create(Context *c, sd_bus_message *m, uid_t uid, const SessionOptions *options, sd_bus_error *error) {
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
        s->uid = uid;
        s->incognito = options && options->incognito;
        s->owner = strdup(sender);
        s->application = strdup(options && options->application ? options->application : "");
        if (!s->owner || !s->application || asprintf(&s->path, SESSION_PATH_PREFIX "%u", s->number) < 0 ||
            asprintf(&s->id, "%" PRIu64 ":%u", c->instance, s->number) < 0) {
                free(s->owner);
                free(s->application);
                free(s->path);
                free(s);
                return -ENOMEM;
        }
        /* Newest first: ListSessions and the node enumerator walk this list. */
        s->next = c->sessions;
        if (s->next)
                s->next->prev = s;
        c->sessions = s;
        c->n_sessions++;

        r = sd_bus_track_new(c->bus, &s->track, on_owner_gone, s);
        if (r >= 0)
                r = sd_bus_track_add_name(s->track, sender);
        if (r < 0) {
                session_free(s);
                return sd_bus_error_set_errnof(error, r, "Could not create the session: %s", strerror(-r));
        }
        log_info("Session %u created for %s (uid %u%s%s%s).", s->number, sender, (unsigned) uid,
                 *s->application ? ", " : "", s->application, s->incognito ? ", incognito" : "");
        outbox_update_status(c);
        r = sd_bus_reply_method_return(m, "o", s->path);
        watchers_session_changed(c, s->uid, s->path, false);
        return r;
}

int session_list_reply(Context *c, sd_bus_message *m, uid_t uid) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "o");
        for (Session *s = sessions(c); s && r >= 0; s = s->next)
                if (uid == 0 || s->uid == uid)
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
        for (s = sessions(c); s && s->number != n; s = s->next)
                ;
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
        for (Session *s = sessions(c); s; s = s->next) {
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

int session_setup(Context *c) {
        int r = sd_bus_add_fallback_vtable(c->bus, &c->session_vtable_slot, SESSION_NODE, KT_SESSION_INTERFACE, session_vtable,
                                           session_find, c);
        if (r >= 0)
                r = sd_bus_add_node_enumerator(c->bus, &c->session_enum_slot, SESSION_NODE, session_enumerate, c);
        return r;
}
