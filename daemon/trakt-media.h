/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* The media model every module shares: what a movie, show, season or
 * episode is (TraktMedia), how it is keyed in the state database, and the
 * item wrapper it is stored as, which is also the shape Trakt's list answers
 * use. Pure functions: no I/O, no logging of content. Reading Trakt's
 * answers is trakt-parse.h; what is sent to Trakt is trakt-body.h. */

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

/* The small ones are inline: the history reader (trakt-parse-text.c) calls
 * them a dozen times per row of an import. */
static inline bool trakt_ids_empty(const TraktIds *ids) {
        return !ids->trakt && !ids->tmdb && !ids->tvdb && !ids->imdb && !ids->slug;
}

static inline void trakt_ids_done(TraktIds *ids) {
        free(ids->imdb);
        free(ids->slug);
        *ids = (TraktIds) {};
}

/* A deep copy: 0, or -ENOMEM (then *dst holds what was copied; free it with trakt_ids_done()). */
int trakt_ids_copy(TraktIds *dst, const TraktIds *src);

/* Trakt names episodes and seasons by their trakt, tvdb, imdb and tmdb ids,
 * never by a slug: one alone would name nothing, and the stored wrapper
 * (like every body sent) leaves it out, so it could not be read back. The
 * parsers drop it from what they read of an episode or a season. */
static inline void trakt_ids_drop_slug(TraktIds *ids) {
        free(ids->slug);
        ids->slug = NULL;
}

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
/* Whether the media can be named to Trakt again: ids, a title, or for an
 * episode its number and a show named by ids or title. The parsers keep no
 * media that is not. */
static inline bool trakt_media_usable(const TraktMedia *m) {
        return !trakt_ids_empty(&m->ids) || m->title ||
               (m->type == TRAKT_EPISODE && m->number && (!trakt_ids_empty(&m->show_ids) || m->show_title));
}

/* Trakt's JSON object for the media, as the wrapper below and a request
 * name it: {title?, year?, ids?} for a movie or a show; for an episode its
 * ids, or without ids {"season":S,"number":N}; for a season its ids or
 * {"number":S}. NULL for TRAKT_NONE. */
struct json_object *trakt_media_to_json(const TraktMedia *m);
/* Add that object to body under its wrapper key ("movie", "show", "episode"
 * or "season"); an episode or season without ids of its own goes with its
 * show, {"show":{…}} (docs/trakt-api.md §4.1). 0, or -EINVAL for TRAKT_NONE. */
int trakt_media_add_to(struct json_object *body, const TraktMedia *m);

/* The item wrapper the state database keeps for local items, the same shape
 * Trakt's list answers use: {"type":"movie","movie":{…}} or
 * {"type":"episode","episode":{season?, number?, ids?},"show":{…}?}. NULL for
 * TRAKT_NONE. Request bodies are built from it (trakt-body.h). */
struct json_object *trakt_media_wrapper(const TraktMedia *m);
/* The same wrapper as JSON text, written directly (no json-c tree): what the
 * import stores for every row, so it must be cheap. Episodes and seasons keep
 * their title too. NULL for TRAKT_NONE or when out of memory. */
char *trakt_media_wrapper_text(const TraktMedia *m);

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

/* ---- collection metadata (docs/trakt-api.md §5.6) ----
 * The quality of a collected copy; NULL = not given. Read from Trakt's
 * collection (trakt-parse.h), sent with a collection add (trakt-body.h). */
typedef struct TraktMetadata {
        char *media_type, *resolution, *hdr, *audio, *audio_channels;
        bool is_3d;
} TraktMetadata;

void trakt_metadata_done(TraktMetadata *m);
/* Whether value is one Trakt accepts for key ("resolution", "hdr", …). */
bool trakt_metadata_valid(const char *key, const char *value);
const char *trakt_metadata_allowed(const char *key); /* "a, b, c" or NULL for an unknown key */

DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_object *, json_object_put);
