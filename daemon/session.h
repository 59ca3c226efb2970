/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "context.h"
#include "list.h"
#include "trakt-media.h"

/* Playback sessions: the state machine behind org.kino.Trakt.Session
 * (session-bus.c puts it on the bus).
 *
 * A session belongs to the unique bus name that created it (sd_bus_track):
 * when that name leaves the bus or the session is closed, it goes, after
 * queuing a pause at the last known progress if it was playing (never in
 * incognito). What it plays becomes local records and outbox events
 * (activity.c) by Trakt's 2026 rules (docs/trakt-api.md §4.2): a pause or a stop at
 * or above the threshold is a completed watch, once per playback; below it a
 * resume point; a stop below 1 % is nothing. A session is incognito by its own
 * flag or by its user's eye (eye.c): then nothing about watching is queued,
 * and becoming so withdraws what the playback still has waiting.
 *
 * Every change a client sees goes out through context_notify_session_changed()
 * (the properties as SessionProperty bits), and the end through
 * context_notify_session_removed(); the operations called from a method
 * (start, pause, stop) instead return what changed, so the caller answers
 * first and tells the owner after. */

typedef enum PlaybackState {
        PLAYBACK_STOPPED,
        PLAYBACK_PLAYING,
        PLAYBACK_PAUSED,
} PlaybackState;

const char *playback_state_to_string(PlaybackState s);

/* What a session shows, one bit per property of org.kino.Trakt.Session. */
typedef enum SessionProperty {
        SESSION_INCOGNITO = 1 << 0,
        SESSION_PLAYBACK_STATE = 1 << 1,
        SESSION_MEDIA = 1 << 2,
        SESSION_PROGRESS = 1 << 3,
        SESSION_LAST_ACTIVE = 1 << 4,
        SESSION_EFFECTIVE_INCOGNITO = 1 << 5,
        SESSION_PROBLEM = 1 << 6,
} SessionProperty;

/* Read-only outside session.c. */
typedef struct Session Session;
struct Session {
        Context *context;
        unsigned number;
        char *path;         /* /org/kino/Trakt/session/N */
        char *id;           /* the outbox's session id: "<instance>:<number>" */
        char *owner;        /* the unique bus name that created it */
        uid_t uid;          /* the owner's */
        char *application;  /* CreateSessionFor's "application", "" otherwise */
        sd_bus_track *track;
        sd_event_source *close_later;
        bool incognito;     /* the session's own flag; see session_effective_incognito() */
        uint64_t last_active;    /* µs since the epoch of the last Start/Pause/Stop, 0 before */
        uint64_t playback_since; /* µs since the epoch: when the current (or last) playback began */
        PlaybackState state;
        TraktMedia media;
        char *media_key;  /* NULL until Start */
        char *media_json; /* the wrapper, for the Media property */
        double progress;
        bool completed; /* this playback already counted as a watch */
        char *problem;  /* NULL or one sentence about media (a title Trakt does not know) */
        LIST_FIELDS(Session, sessions); /* c->sessions, newest first */
};

#define SESSION_NODE KT_OBJECT_PATH "/session"
#define SESSION_PATH_PREFIX SESSION_NODE "/"

typedef struct SessionOptions {
        const char *application; /* "" when not given */
        bool incognito;
} SessionOptions;

/* A new session for owner (a unique bus name) of uid, newest first in
 * c->sessions. Fails with error set when the owner cannot be tracked. */
int session_create(Context *c, const char *owner, uid_t uid, const SessionOptions *options, Session **ret,
                   sd_bus_error *error);

/* The session's own Incognito or its user's eye. */
bool session_effective_incognito(Session *s);

/* Start (media taken over, progress 0–100 checked by the caller), Pause and
 * Stop. Each returns 0 or a negative errno and sets *ret_changed to what the
 * session now shows differently. Refused (nothing playing, media naming no
 * item): error is set and nothing changed. When the state database fails the
 * session still moved on (*ret_changed) and a negative errno says the event
 * was not recorded. A second Stop changes nothing and returns 0. */
int session_start(Session *s, TraktMedia *media, double progress, unsigned *ret_changed, sd_bus_error *error);
int session_pause(Session *s, double progress, unsigned *ret_changed, sd_bus_error *error);
int session_stop(Session *s, double progress, unsigned *ret_changed, sd_bus_error *error);

/* Close, or its owner left the bus: a final pause if it was playing, then it
 * is freed (why goes to the log). */
void session_end(Session *s, const char *why);

/* The session's own Incognito; becoming effectively incognito withdraws what
 * the playback still has waiting in the outbox. */
void session_set_incognito(Session *s, bool on);

/* uid's user-wide eye turned on or off: EffectiveIncognito follows; turned on,
 * what the playing sessions of uid still had waiting in the outbox is
 * withdrawn. */
void session_eye_changed(Context *c, uid_t uid, bool on);

/* Title look-ups answered (resolve.c): sessions playing a name found on
 * Trakt now play Trakt's item (Media, with the ids and Trakt's title), and
 * those whose title Trakt does not know say so in Problem. */
void session_names_resolved(Context *c);
/* Whether a session that is not incognito plays a name whose next look-up
 * is key (resolve_lookup_key). */
bool session_wants_lookup(Context *c, const char *key);

/* Whether the outbox's session id names a live session of this process, and
 * its state (playing: and not effectively incognito). */
bool session_lookup(Context *c, const char *id, double *ret_progress, bool *ret_playing);

/* The session numbered n, NULL when there is none. */
Session *session_by_number(Context *c, unsigned n);

void sessions_free(Context *c);
