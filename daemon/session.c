/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "activity.h"
#include "eye.h"
#include "list.h"
#include "log.h"
#include "outbox.h"
#include "resolve.h"
#include "scrobble-rules.h"
#include "session.h"
#include "util.h"

static const char *const playback_names[] = { "stopped", "playing", "paused" };

const char *playback_state_to_string(PlaybackState s) {
        return (size_t) s < ELEMENTSOF(playback_names) ? playback_names[s] : "stopped";
}

bool session_effective_incognito(Session *s) {
        return s->incognito || eye_on(s->context, s->uid);
}

static bool effective(Session *s) {
        return session_effective_incognito(s);
}

bool session_lookup(Context *c, const char *id, double *ret_progress, bool *ret_playing) {
        if (!id)
                return false;
        LIST_FOREACH(sessions, s, c->sessions)
                if (streq(s->id, id)) {
                        if (ret_progress)
                                *ret_progress = s->progress;
                        if (ret_playing)
                                *ret_playing = s->state == PLAYBACK_PLAYING && !effective(s);
                        return true;
                }
        return false;
}

Session *session_by_number(Context *c, unsigned n) {
        LIST_FOREACH(sessions, s, c->sessions)
                if (s->number == n)
                        return s;
        return NULL;
}

static void session_free(Session *s) {
        if (!s)
                return;
        Context *c = s->context;
        LIST_REMOVE(sessions, c->sessions, s);
        c->n_sessions--;

        context_notify_session_removed(c, s);
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
}

/* ---- the rules (docs/trakt-api.md §4.2, 2026) ---- */

static int on_completed(Session *s) {
        s->completed = true;
        return activity_completed(s->context, &s->media, s->progress, effective(s), s->id, s->uid);
}

/* A pause or a stop: what it becomes is scrobble_rule_end()'s verdict. */
static int paused_or_completed(Session *s, ScrobbleEnd what, double progress) {
        s->progress = progress;
        switch (scrobble_rule_end(what, progress, s->completed)) {
        case SCROBBLE_COMPLETED:
                return on_completed(s);
        case SCROBBLE_RESUME_POINT:
                return activity_paused(s->context, what == SCROBBLE_END_STOP ? "stop" : "pause", &s->media, progress, effective(s),
                                       s->id, s->uid);
        default:
                return 0;
        }
}

static int do_pause(Session *s, double progress) {
        return paused_or_completed(s, SCROBBLE_END_PAUSE, progress);
}

static int do_stop(Session *s, double progress) {
        return paused_or_completed(s, SCROBBLE_END_STOP, progress);
}

void session_end(Session *s, const char *why) {
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

/* ---- what a player does ---- */

int session_start(Session *s, TraktMedia *media_in, double progress, unsigned *ret_changed, sd_bus_error *error) {
        _cleanup_(trakt_media_done) TraktMedia media = *media_in;
        *media_in = (TraktMedia) {};
        *ret_changed = 0;

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
        if (scrobble_rule_new_playback(streq_ptr(key, s->media_key), progress))
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

        *ret_changed = SESSION_PLAYBACK_STATE | SESSION_MEDIA | SESSION_PROGRESS | SESSION_LAST_ACTIVE |
                       (problem_changed ? SESSION_PROBLEM : 0);
        return effective(s) ? 0 : activity_live_event(s->context, "start", &s->media, progress, s->id);
}

int session_pause(Session *s, double progress, unsigned *ret_changed, sd_bus_error *error) {
        *ret_changed = 0;
        if (!s->media_key || s->state == PLAYBACK_STOPPED)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                        "Nothing is playing in this session; call Start with the media first.");
        int r = do_pause(s, progress);
        s->state = PLAYBACK_PAUSED;
        s->last_active = now_realtime_usec();
        *ret_changed = SESSION_PLAYBACK_STATE | SESSION_PROGRESS | SESSION_LAST_ACTIVE;
        return r;
}

int session_stop(Session *s, double progress, unsigned *ret_changed, sd_bus_error *error) {
        *ret_changed = 0;
        if (!s->media_key)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                        "Nothing is playing in this session; call Start with the media first.");
        if (s->state == PLAYBACK_STOPPED)
                return 0; /* a second Stop changes nothing */
        int r = do_stop(s, progress);
        s->state = PLAYBACK_STOPPED;
        s->last_active = now_realtime_usec();
        *ret_changed = SESSION_PLAYBACK_STATE | SESSION_PROGRESS | SESSION_LAST_ACTIVE;
        return r;
}

/* ---- incognito ---- */

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

void session_set_incognito(Session *s, bool on) {
        if (s->incognito == on)
                return;
        bool was = effective(s);
        s->incognito = on;
        log_info("Session %u: incognito %s.", s->number, on ? "on" : "off");
        if (!was && effective(s))
                withdraw_waiting(s);
        context_notify_session_changed(s->context, s,
                                       SESSION_INCOGNITO | (was != effective(s) ? SESSION_EFFECTIVE_INCOGNITO : 0));
}

void session_eye_changed(Context *c, uid_t uid, bool on) {
        LIST_FOREACH(sessions, s, c->sessions) {
                if (s->uid != uid || s->incognito)
                        continue; /* its own flag already hides it */
                if (on)
                        withdraw_waiting(s);
                context_notify_session_changed(c, s, SESSION_EFFECTIVE_INCOGNITO);
        }
}

/* ---- media named by title ---- */
void session_names_resolved(Context *c) {
        LIST_FOREACH(sessions, s, c->sessions) {
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
                        context_notify_session_changed(c, s, SESSION_MEDIA | (had_problem ? SESSION_PROBLEM : 0));
                } else if (st == RESOLVE_NOT_FOUND && !streq_ptr(problem, s->problem)) {
                        free(s->problem);
                        s->problem = TAKE_PTR(problem);
                        log_info("Session %u: %s", s->number, s->problem);
                        context_notify_session_changed(c, s, SESSION_PROBLEM);
                }
        }
}

bool session_wants_lookup(Context *c, const char *key) {
        LIST_FOREACH(sessions, s, c->sessions) {
                if (!s->media_key || effective(s) || !resolve_is_name(&s->media))
                        continue;
                _cleanup_free_ char *k = resolve_lookup_key(c, &s->media);
                if (k && streq(k, key))
                        return true;
        }
        return false;
}

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

int session_create(Context *c, const char *owner, uid_t uid, const SessionOptions *options, Session **ret,
                   sd_bus_error *error) {
        Session *s;
        int r;

        if (c->instance == 0)
                c->instance = now_realtime_usec();

        s = calloc(1, sizeof *s);
        if (!s)
                return -ENOMEM;
        s->context = c;
        s->number = ++c->next_session;
        s->uid = uid;
        s->incognito = options && options->incognito;
        s->owner = strdup(owner);
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
        LIST_PREPEND(sessions, c->sessions, s);
        c->n_sessions++;

        r = sd_bus_track_new(c->bus, &s->track, on_owner_gone, s);
        if (r >= 0)
                r = sd_bus_track_add_name(s->track, owner);
        if (r < 0) {
                session_free(s);
                return sd_bus_error_set_errnof(error, r, "Could not create the session: %s", strerror(-r));
        }
        log_info("Session %u created for %s (uid %u%s%s%s).", s->number, owner, (unsigned) uid,
                 *s->application ? ", " : "", s->application, s->incognito ? ", incognito" : "");
        outbox_update_status(c);
        *ret = s;
        return 0;
}
