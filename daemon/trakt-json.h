/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* JSON ↔ C for Trakt's API (docs/trakt-api.md), with json-c. Pure functions: no
 * I/O, no logging of content. Parsers are tolerant where Trakt's answers vary
 * (null ids, "rank" as a string, metadata as integers, dates with or without
 * milliseconds) and strict where we need a value (a history item without
 * watched_at is rejected, not guessed). They return 0 or a negative errno
 * (-EBADMSG for a malformed answer) and never crash on any input. */

typedef enum TraktMediaType {
        TRAKT_NONE = 0,
        TRAKT_MOVIE,
        TRAKT_SHOW,
        TRAKT_SEASON,
        TRAKT_EPISODE,
} TraktMediaType;

const char *trakt_media_type_to_string(TraktMediaType t); /* "movie", … or NULL */
TraktMediaType trakt_media_type_from_string(const char *s);

typedef struct TraktIds {
        uint64_t trakt, tmdb, tvdb; /* 0 = absent */
        char *imdb, *slug;          /* NULL = absent */
} TraktIds;

/* A movie, show, season or episode. For an episode (and a season) the show
 * fields name its show; season/number are the episode's numbers. */
typedef struct TraktMedia {
        TraktMediaType type;
        TraktIds ids;
        char *title;
        unsigned year;
        TraktIds show_ids;
        char *show_title;
        unsigned show_year;
        unsigned season, number;
        unsigned runtime; /* minutes, 0 = unknown */
} TraktMedia;

void trakt_media_done(TraktMedia *m);
int trakt_media_copy(TraktMedia *dst, const TraktMedia *src);
bool trakt_ids_empty(const TraktIds *ids);

/* Parse one Trakt item wrapper ({type?, movie | show | season | episode (+show)})
 * or, with hint != TRAKT_NONE, a bare movie/show object. */
int trakt_parse_media(struct json_object *o, TraktMediaType hint, TraktMedia *ret);

/* Trakt's JSON object for the media (for request bodies), with the wrapper
 * key it goes under ("movie", "show", "episode" or "season"). An episode named
 * by show + numbers becomes {"show":{…}, "episode":{"season":S,"number":N}}
 * per docs/trakt-api.md §4.1: then *ret_show is set too. */
struct json_object *trakt_media_to_json(const TraktMedia *m);
int trakt_media_add_to(struct json_object *body, const TraktMedia *m);

/* The item wrapper the state database keeps for local items, the same shape
 * Trakt's list answers use: {"type":"movie","movie":{…}} or
 * {"type":"episode","episode":{season?, number?, ids?},"show":{…}?}. NULL for
 * TRAKT_NONE. Scrobble bodies are this minus "type". */
struct json_object *trakt_media_wrapper(const TraktMedia *m);
/* The same wrapper as JSON text, written directly (no json-c tree): what the
 * import stores for every row, so it must be cheap. Episodes and seasons keep
 * their title too. NULL for TRAKT_NONE. */
char *trakt_media_wrapper_text(const TraktMedia *m);

/* ---- request bodies (what Trakt's 2026 request schema accepts, §4.1, §5) ----
 * Built from an item wrapper (as above, or as Trakt sent it). A movie keeps
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

/* Canonical local key: the best id in Trakt's matching order
 * (trakt → imdb → tmdb → tvdb → slug), else title+year:
 *   movie:trakt=28   movie:imdb=tt0372784   show:tvdb=81189
 *   episode:trakt=73482   episode:show_tvdb=81189:s1e1   movie:title=inception:year=2010
 * Returns NULL when the media has neither ids nor a title. */
char *trakt_media_key(const TraktMedia *m);

/* Every key the item could have been stored under: one per id it carries
 * (and, for an episode, per show id with its numbers), plus title+year. Used
 * to recognise the same item named by different ids on each side.
 * NULL-terminated; free with g_strfreev-style trakt_strv_free(). */
char **trakt_media_keys(const TraktMedia *m);
/* Append s (taken over; freed if already there or on failure) to the
 * NULL-terminated *v of *n entries. 0 or -ENOMEM. */
int trakt_strv_push(char ***v, size_t *n, char *s);
void trakt_strv_free(char **v);

/* Dates: "2014-09-01T09:10:11.000Z", also without milliseconds, and with a
 * numeric offset. µs since the epoch; -EINVAL on garbage. */
int trakt_parse_time(const char *s, int64_t *ret_usec);
/* "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC) into buf (at least 32 bytes). */
char *trakt_format_time(int64_t usec, char *buf, size_t n);

/* ---- OAuth ---- */
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

typedef struct TraktMetadata {
        char *media_type, *resolution, *hdr, *audio, *audio_channels;
        bool is_3d;
} TraktMetadata;

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

/* ---- search: GET /search/{type}?query=… and /search/{id_type}/{id} ----
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
/* The same as trakt_parse_items(json, TRAKT_ITEMS_HISTORY, TRAKT_NONE, …) on
 * the JSON text of a /sync/history page, read in one pass without building a
 * json-c tree (an import reads 50,000 plays: the tree cost half its CPU
 * time). Strict JSON; a malformed text or one that is not an array is
 * -EBADMSG. Items have no src. */
int trakt_parse_history_text(const char *text, size_t len, TraktItem **ret, size_t *ret_n, size_t *ret_skipped);

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

/* ---- scrobble answers ---- */
typedef struct TraktScrobbleResult {
        int64_t id;
        char *action; /* start | pause | scrobble (stop) — kept as sent */
        double progress;
} TraktScrobbleResult;
int trakt_parse_scrobble(struct json_object *o, TraktScrobbleResult *ret);
void trakt_scrobble_done(TraktScrobbleResult *s);

/* ---- collection metadata values (docs/trakt-api.md §5.6) ---- */
bool trakt_metadata_valid(const char *key, const char *value);
const char *trakt_metadata_allowed(const char *key); /* "a, b, c" or NULL for an unknown key */

DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_object *, json_object_put);
