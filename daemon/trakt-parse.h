/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trakt-media.h"

/* Trakt's answers → C, from the json-c tree the HTTP engine parsed
 * (docs/trakt-api.md). Pure functions: no I/O, no logging of content.
 * Parsers are tolerant where Trakt's answers vary (null ids, "rank" as a
 * string, metadata as integers, dates with or without milliseconds) and
 * strict where we need a value (a history item without watched_at is
 * rejected, not guessed). They return 0 or a negative errno (-EBADMSG for a
 * malformed answer) and never crash on any input. History pages are also
 * read straight from their text: trakt-parse-text.h. */

/* Parse one Trakt item wrapper ({type?, movie | show | season | episode (+show)})
 * or, with hint TRAKT_MOVIE or TRAKT_SHOW, a bare movie/show object. Only
 * usable media (trakt_media_usable()) are accepted. */
int trakt_parse_media(struct json_object *o, TraktMediaType hint, TraktMedia *ret);

/* ---- OAuth (§2) ---- */
typedef struct TraktDeviceCode {
        char *device_code, *user_code, *verification_url;
        int64_t expires_in, interval;
} TraktDeviceCode;
int trakt_parse_device_code(struct json_object *o, TraktDeviceCode *ret);
void trakt_device_code_done(TraktDeviceCode *d);

typedef struct TraktToken {
        char *access_token, *refresh_token, *token_type, *scope;
        int64_t expires_in, created_at;
} TraktToken;
int trakt_parse_token(struct json_object *o, TraktToken *ret);
void trakt_token_done(TraktToken *t);

/* ---- users ---- */
typedef struct TraktUserSettings {
        char *username, *slug, *timezone;
        bool vip, private_;
} TraktUserSettings;
int trakt_parse_user_settings(struct json_object *o, TraktUserSettings *ret);
void trakt_user_settings_done(TraktUserSettings *s);

typedef struct TraktUserStats {
        int64_t movies_watched, movies_plays, episodes_watched, episodes_plays, shows_watched, ratings_total;
} TraktUserStats;
int trakt_parse_user_stats(struct json_object *o, TraktUserStats *ret);

/* ---- a user's custom list: GET /users/{id}/lists/{list_id} (docs/trakt-api.md §7) ---- */
typedef struct TraktList {
        char *name;                /* required (non-empty) */
        char *privacy;             /* "public", "private", "friends", "link"…; NULL when absent */
        char *slug;                /* ids.slug; NULL when absent */
        int64_t trakt_id;          /* ids.trakt; 0 when absent */
        char *user_slug, *username; /* the owner; NULL when absent */
        int64_t item_count;        /* -1 when absent */
        int64_t updated_at;        /* µs; 0 when absent */
} TraktList;
int trakt_parse_list(struct json_object *o, TraktList *ret);
void trakt_list_done(TraktList *l);

/* ---- items of lists Trakt returns ---- */
typedef enum TraktItemKind {
        TRAKT_ITEMS_HISTORY,        /* /sync/history: id, watched_at, action */
        TRAKT_ITEMS_RATINGS,        /* /sync/ratings: rated_at, rating */
        TRAKT_ITEMS_LIST,           /* /sync/watchlist, list items: rank, id, listed_at */
        TRAKT_ITEMS_PLAYBACK,       /* /sync/playback: progress, paused_at, id */
        TRAKT_ITEMS_COLLECTION,     /* /sync/collection/{movies,shows}: collected_at, metadata; shows expand to episodes */
        TRAKT_ITEMS_WATCHED,        /* /sync/watched/{movies,shows}: plays, last_watched_at; shows expand to episodes */
        TRAKT_ITEMS_RECOMMENDATIONS, /* bare movie or show objects (type from the hint) */
} TraktItemKind;

typedef struct TraktItem {
        TraktMedia media;
        int64_t id;       /* history id, list item id, playback id; 0 = absent */
        int64_t at;       /* watched_at / rated_at / listed_at / paused_at / collected_at, µs; 0 = absent */
        int rating;       /* 1–10 */
        double progress;  /* 0–100 */
        int64_t rank;
        int64_t plays;
        char *action;
        char *notes;
        TraktMetadata meta;
        /* The item's own JSON wrapper ({type, movie|episode+show, …}) as Trakt
         * sent it, borrowed from the parsed answer (valid while it lives); NULL
         * for items expanded from a show or for bare objects. */
        struct json_object *src;
} TraktItem;

void trakt_item_done(TraktItem *it);
void trakt_items_free(TraktItem *items, size_t n);

/* Parse an array answer. Items that are unusable are skipped and counted in
 * *ret_skipped; an answer that is not an array is -EBADMSG. hint gives the
 * media type for bare objects (recommendations, collection/watched per path). */
int trakt_parse_items(struct json_object *array, TraktItemKind kind, TraktMediaType hint, TraktItem **ret,
                      size_t *ret_n, size_t *ret_skipped);

/* The array a parser of item lists fills (this one and trakt-parse-text.c):
 * add returns a zeroed item at its end, or NULL when out of memory. */
typedef struct TraktItemArray {
        TraktItem *v;
        size_t n, cap;
} TraktItemArray;
TraktItem *trakt_item_array_add(TraktItemArray *a);

/* ---- search: GET /search/{type}?query=… and /search/{id_type}/{id} (§8) ----
 * An array of {type, score, movie | show | episode (+ show) | person | list}.
 * Results that name no movie, show or episode (people, lists, null objects)
 * are skipped; score is 0 when absent or null (the id look-up sends null).
 * An answer that is not an array is -EBADMSG. */
typedef struct TraktSearchResult {
        TraktMedia media;
        double score;
} TraktSearchResult;
int trakt_parse_search(struct json_object *array, TraktSearchResult **ret, size_t *ret_n);
void trakt_search_results_free(TraktSearchResult *r, size_t n);

/* GET /shows/{id}/seasons/{s}/episodes/{e}: a bare episode object, read as
 * an episode of show (whose title, year and ids it takes). -EBADMSG unless
 * it has the season, number and an id. */
int trakt_parse_episode(struct json_object *o, const TraktMedia *show, TraktMedia *ret);

/* ---- /sync/last_activities: flattened "movies.watched_at" → µs ---- */
typedef struct TraktActivity {
        char *key;
        int64_t at;
} TraktActivity;
int trakt_parse_last_activities(struct json_object *o, TraktActivity **ret, size_t *ret_n);
void trakt_activities_free(TraktActivity *a, size_t n);

/* ---- write answers: {added|updated|existing|deleted: {movies, shows, seasons, episodes}, not_found: {...}} ---- */
typedef struct TraktSyncResult {
        int64_t added, updated, existing, deleted; /* summed over kinds */
        size_t not_found;                          /* items Trakt did not know */
} TraktSyncResult;
int trakt_parse_sync_result(struct json_object *o, TraktSyncResult *ret);

/* ---- scrobble answers (§4.3) ---- */
typedef struct TraktScrobbleResult {
        int64_t id;
        char *action; /* start | pause | scrobble (stop) — kept as sent */
        double progress;
} TraktScrobbleResult;
int trakt_parse_scrobble(struct json_object *o, TraktScrobbleResult *ret);
void trakt_scrobble_done(TraktScrobbleResult *s);
