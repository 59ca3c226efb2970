/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>

#include "trakt-media.h"

/* ---- request bodies (what Trakt's 2026 request schema accepts, §4.1, §5) ----
 * Built from an item wrapper (trakt-media.h, or as Trakt sent it). A movie keeps
 * its title, year and ids but tvdb; an episode is matched by Trakt through its
 * own trakt or tvdb id only, so one without either is named by its show and
 * numbers. With TRAKT_BODY_BY_NUMBERS an episode is named by show and numbers
 * even when it has an id: the retry after Trakt did not find it by id. */
enum {
        TRAKT_BODY_BY_NUMBERS = 1u << 0,
};

/* Whether an episode wrapper has a trakt/tvdb id, and whether it can be named
 * by its show (ids or title) and numbers. false for anything else. */
bool trakt_wrapper_episode_by_id(struct json_object *wrapper);
bool trakt_wrapper_episode_by_numbers(struct json_object *wrapper);

/* Append one item to a /sync/… body, under movies, shows, seasons or episodes,
 * with the fields of extra (watched_at, rating, collected_at, metadata…)
 * merged in; an episode named by show + numbers goes under
 * shows[].seasons[].episodes[]. Takes ownership of extra (may be NULL); the
 * wrapper is not modified. */
void trakt_sync_body_add(struct json_object *body, struct json_object *wrapper, struct json_object *extra);
void trakt_sync_body_add_flags(struct json_object *body, struct json_object *wrapper, struct json_object *extra, unsigned flags);

/* The progress a scrobble sends for action ("start", "pause", "stop"): 0–100
 * with two decimals, never rounded up (79.996 → 79.99); a pause is kept within
 * what Trakt accepts, 1 to 79.99 (it answers 422 otherwise). What is stored
 * locally is not changed. */
double trakt_scrobble_progress(const char *action, double progress);

/* The body of POST /scrobble/{action}: the movie, or the episode (by id, with
 * its show and numbers alongside when known), progress and app_version
 * (omitted when NULL: Trakt refuses null). NULL for a wrapper that is neither
 * a movie nor an episode. */
struct json_object *trakt_scrobble_body(struct json_object *wrapper, const char *action, double progress, const char *app_version,
                                        unsigned flags);
