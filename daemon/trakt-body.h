/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "trakt-media.h"

/* Every request body kino sends to Trakt, in one place: what Trakt's 2026
 * request schema accepts (docs/trakt-api.md §4.1, §5). Callers hand over
 * typed values and get the body's text; they build no JSON themselves.
 * Pure functions: no I/O, no logging of content.
 *
 * Items are given as their item wrapper (trakt-media.h's, as the state
 * database keeps it, or as Trakt sent it). A movie keeps its title, year and
 * ids but tvdb; an episode is matched by Trakt through its own trakt or tvdb
 * id only, so one without either is named by its show and numbers. With
 * TRAKT_BODY_BY_NUMBERS an episode is named by show and numbers even when it
 * has an id: the retry after Trakt did not find it by id. Wrappers are never
 * modified. */
enum {
        TRAKT_BODY_BY_NUMBERS = 1u << 0,
};

/* Whether an episode wrapper has a trakt/tvdb id, and whether it can be named
 * by its show (ids or title) and numbers. false for anything else. */
bool trakt_wrapper_episode_by_id(struct json_object *wrapper);
bool trakt_wrapper_episode_by_numbers(struct json_object *wrapper);

/* ---- POST /scrobble/{start,pause,stop} (§4) ---- */

/* The progress a scrobble sends for action ("start", "pause", "stop"): 0–100
 * with two decimals, never rounded up (79.996 → 79.99); a pause is kept within
 * what Trakt accepts, 1 to 79.99 (it answers 422 otherwise). What is stored
 * locally is not changed. */
double trakt_scrobble_progress(const char *action, double progress);

/* The body of POST /scrobble/{action}: the movie, or the episode (by id, with
 * its show and numbers alongside when known), progress and app_version
 * (omitted when NULL: Trakt refuses null). 0 with the text in *ret, -EBADMSG
 * for a wrapper that is neither a movie nor an episode, -ENOMEM. */
int trakt_scrobble_body(struct json_object *wrapper, const char *action, double progress, const char *app_version, unsigned flags,
                        char **ret);

/* ---- /sync/{history,ratings,collection} and their /remove (§5) ----
 * One body of items under movies, shows, seasons or episodes; an episode
 * named by its show and numbers goes under shows[].seasons[].episodes[].
 * What goes with an item (watched_at, rating, collected_at and metadata)
 * sits in the item's object. A wrapper that names nothing is left out. */
typedef struct TraktSyncBody TraktSyncBody;

TraktSyncBody *trakt_sync_body_new(void); /* NULL when out of memory */
TraktSyncBody *trakt_sync_body_free(TraktSyncBody *b); /* returns NULL */
DEFINE_TRIVIAL_CLEANUP_FUNC(TraktSyncBody *, trakt_sync_body_free);

/* The item alone: a remove. */
void trakt_sync_body_add(TraktSyncBody *b, struct json_object *wrapper, unsigned flags);
/* A play at watched_at (µs): /sync/history. */
void trakt_sync_body_add_watched(TraktSyncBody *b, struct json_object *wrapper, int64_t watched_at, unsigned flags);
/* A rating (1–10) given at rated_at (µs): /sync/ratings. */
void trakt_sync_body_add_rating(TraktSyncBody *b, struct json_object *wrapper, int rating, int64_t rated_at, unsigned flags);

/* A collected copy: when, and its quality (docs/trakt-api.md §5.6; strings
 * trakt_metadata_valid() accepts, NULL = not given). Borrowed. */
typedef struct TraktCollected {
        int64_t collected_at; /* µs */
        const char *media_type, *resolution, *hdr, *audio, *audio_channels;
        bool is_3d;
} TraktCollected;

/* /sync/collection: the item collected as c says. */
void trakt_sync_body_add_collected(TraktSyncBody *b, struct json_object *wrapper, const TraktCollected *c, unsigned flags);
/* What goes with a collected item in a /sync/collection body,
 * {"collected_at":…, "media_type":…, …, "3d":true}: the outbox keeps it in a
 * queued event until it is sent (with trakt_sync_body_add_extra()). */
struct json_object *trakt_collected_extra(const TraktCollected *c);
/* The item with a kept extra (trakt_collected_extra(), borrowed; NULL or not
 * an object = none). */
void trakt_sync_body_add_extra(TraktSyncBody *b, struct json_object *wrapper, struct json_object *extra, unsigned flags);

/* The body's text, to send; NULL when out of memory. */
char *trakt_sync_body_text(const TraktSyncBody *b);

/* ---- OAuth (§2): the device flow, the refresh and the revoke ----
 * The bodies' text, or NULL when out of memory or an argument is NULL. They
 * hold secrets: never log them. */

/* POST /oauth/device/code (§2.1) */
char *trakt_oauth_device_code_body(const char *client_id);
/* POST /oauth/device/token (§2.2): polling with the device code. */
char *trakt_oauth_device_token_body(const char *device_code, const char *client_id, const char *client_secret);
/* POST /oauth/token (§2.4): a new token for the refresh token, with the
 * out-of-band redirect URI the application is registered with. */
char *trakt_oauth_refresh_body(const char *refresh_token, const char *client_id, const char *client_secret);
/* POST /oauth/revoke (§2.5) */
char *trakt_oauth_revoke_body(const char *access_token, const char *client_id, const char *client_secret);

/* ---- look-ups of media named by title (§8): GET paths ----
 * Text to free(); NULL when out of memory or when nothing names the item. */

/* The text for Trakt's search "query" (§8.1): the title with every character
 * its search engine reads as syntax (+ - & | ! ( ) { } [ ] ^ " ~ * ? : / \)
 * preceded by a backslash, as Trakt's documentation asks. Not URL-encoded. */
char *trakt_search_query(const char *title);
/* /search/movie (type TRAKT_MOVIE) or /search/show (any other type) with the
 * title as its query (above, URL-encoded), limit results, and with a year
 * (0 = any) the years from one before to one after it. */
char *trakt_search_path(TraktMediaType type, const char *title, unsigned year, unsigned limit);
/* How Trakt's paths name a show (§8.2): its trakt id, else its slug, else its
 * imdb id (URL-encoded); NULL when it has none of them. */
char *trakt_show_ref(const TraktIds *show);
/* /shows/{ref}/seasons/{season}/episodes/{number}; NULL when the show has no ref. */
char *trakt_episode_path(const TraktIds *show, unsigned season, unsigned number);
