/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* One player's state machine: from what an MPRIS player says (PlaybackStatus,
 * Metadata, polled Position, Seeked, the name vanishing) to what the daemon
 * must hear (Start / Pause / Stop with a progress in percent). Pure: no bus,
 * no clock, no timers. The caller passes the time (µs, monotonic) into every
 * call and asks for the next deadline; it polls Position when asked to.
 *
 * What it absorbs (mpris-observations.md):
 *  - flicker: a change is committed only after DEBOUNCE_US without another
 *    (mpv's two Metadata updates per file, VLC's and Celluloid's
 *    Stopped/Paused between tracks, Celluloid's start-up storm), but never
 *    later than MAX_DEFER_US after the first;
 *  - a new item (url) while one is watched: Stop the old one at the progress
 *    it had when the player left it, then Start the new one;
 *  - Paused at the end (mpv --keep-open): a Stop, not a pause;
 *  - mpv's "Stopped while playing": Stopped with Position advancing counts as
 *    playing, and Stopped with Position frozen as stopped;
 *  - a length ≤ 0 (VLC's -1 at first): the item is not scrobbled until a
 *    length is known;
 *  - no Position signal: the position is extrapolated from the last sample
 *    while playing (at the player's Rate), so a player that quits or
 *    vanishes between two polls still gets its real progress. */

#define PLAYBACK_DEBOUNCE_US (1000 * 1000)
#define PLAYBACK_MAX_DEFER_US (5 * 1000 * 1000)
#define PLAYBACK_POLL_US (5 * 1000 * 1000) /* Position while playing */
#define PLAYBACK_END_MARGIN_US (2 * 1000 * 1000)

typedef enum PlayerStatus {
        PLAYER_STOPPED,
        PLAYER_PLAYING,
        PLAYER_PAUSED,
} PlayerStatus;

/* "Playing", "Paused", "Stopped" (MPRIS); anything else is FALSE. */
bool player_status_from_string(const char *s, PlayerStatus *ret);

/* One thing a player holds, as the caller identified it. Reference counted;
 * the machine keeps references, the caller's `data` rides along untouched
 * (the media dictionary for the daemon). */
typedef struct PlaybackItem {
        int ref;
        char *key;        /* tells items apart (metadata_item_key) */
        gint64 length_us; /* ≤ 0: unknown */
        bool scrobble;    /* worth a daemon session (identified, video, long enough, ...) */
        char *label;      /* for the log */
        gpointer data;
        GDestroyNotify data_free;
} PlaybackItem;

PlaybackItem *playback_item_new(const char *key, gint64 length_us, bool scrobble, const char *label, gpointer data,
                                GDestroyNotify data_free);
PlaybackItem *playback_item_ref(PlaybackItem *it);
void playback_item_unref(PlaybackItem *it);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(PlaybackItem, playback_item_unref)

typedef enum PlaybackAction {
        PLAYBACK_START,
        PLAYBACK_PAUSE,
        PLAYBACK_STOP,
} PlaybackAction;

const char *playback_action_name(PlaybackAction a);

/* Called for every decision, in order. progress is 0..100. */
typedef void (*PlaybackEmit)(void *userdata, PlaybackAction action, PlaybackItem *item, double progress);

typedef struct Playback Playback;

Playback *playback_new(PlaybackEmit emit, void *userdata);
void playback_free(Playback *pb);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Playback, playback_free)

/* What the player says. Each returns true when it changed something (the
 * caller then polls Position at once: a sample near every change is what
 * tells "Stopped while playing" from stopped). */
bool playback_set_status(Playback *pb, PlayerStatus status, gint64 now);
/* The item the player holds now (NULL: none). Takes a new reference. The
 * same key with a new length or identification is an update, not a new item. */
bool playback_set_item(Playback *pb, PlaybackItem *item, gint64 now);
void playback_set_rate(Playback *pb, double rate, gint64 now);

/* A Position sample (from a poll or a Seeked signal) in µs. `generation` is
 * playback_generation() when the poll was sent: a sample of an item the
 * player has since left is dropped. */
void playback_position(Playback *pb, gint64 position_us, guint64 generation, gint64 now);
guint64 playback_generation(const Playback *pb);

/* When the pending change is due (0: none; times are the caller's monotonic
 * clock, never 0). The caller then takes a fresh Position sample if it can
 * and calls playback_commit(). */
gint64 playback_deadline(const Playback *pb);
/* Decide: emits what changed since the last commit if the deadline has come. */
void playback_commit(Playback *pb, gint64 now);

/* Whether Position should be polled every PLAYBACK_POLL_US: something worth
 * scrobbling plays (or may be playing: Stopped with a sample pending). Never
 * for things not scrobbled, so an hour of music costs no wakeup. */
bool playback_wants_polling(const Playback *pb);

/* The player left the bus (or is no longer followed): Stop what it watched
 * at the last known progress, at once. */
void playback_vanish(Playback *pb, gint64 now);
/* The bridge is going away with the player still there: Pause what plays
 * (the player may go on; Trakt keeps the place), without forgetting it. */
void playback_suspend(Playback *pb, gint64 now);

/* The item watched (NULL: none) and its progress now. */
PlaybackItem *playback_current(const Playback *pb);
double playback_progress(const Playback *pb, gint64 now);
