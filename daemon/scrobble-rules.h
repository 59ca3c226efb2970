/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

/* What a player's Pause or Stop at a progress becomes, and when a Start
 * begins a new playback (docs/trakt-api.md §4.2, 2026). Pure: session.c
 * keeps the session's state and does what the verdict says. The progress
 * Trakt is sent (two decimals, a pause within 1–79.99 %) is
 * trakt_scrobble_progress() in trakt-body.c. */

/* Percent at which a stop counts as watched: Trakt's server-side 80 (§4.2). */
#define KT_WATCHED_THRESHOLD 80.0
/* Trakt ignores (422) a stop below 1 % (§4.2). */
#define KT_SCROBBLE_MIN_PROGRESS 1.0

typedef enum ScrobbleEnd {
        SCROBBLE_END_PAUSE,
        SCROBBLE_END_STOP,
} ScrobbleEnd;

typedef enum ScrobbleVerdict {
        SCROBBLE_NOTHING,      /* nothing to send or keep: a stop below 1 %, or a watch already counted */
        SCROBBLE_RESUME_POINT, /* below the threshold: a resume point, sent as the pause or stop it is */
        SCROBBLE_COMPLETED,    /* at or above it: a completed watch, sent as a stop (Trakt answers a pause there with 422) */
} ScrobbleVerdict;

/* A Pause or Stop at progress; completed: this playback already counted its watch. */
ScrobbleVerdict scrobble_rule_end(ScrobbleEnd what, double progress, bool completed);

/* A Start: does it begin a new playback (the next completion counts again)?
 * Yes for another title, or the same one watched again from before the threshold. */
bool scrobble_rule_new_playback(bool same_media, double progress);

const char *scrobble_verdict_to_string(ScrobbleVerdict v);
