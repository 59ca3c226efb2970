/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "db.h"

/* The library kept in the state database, besides the plays (db-history.h):
 * ratings, resume points, the collection, the lists (the watchlist system
 * list and followed custom lists) with their items, Trakt's
 * recommendations, the items Trakt did not match, and the aliases that lead
 * from any of an item's ids to the key its row is stored under.
 *
 * Every item is a (media_key, media) pair: media_key the canonical key
 * (trakt-media.h), media the item's wrapper in Trakt's shape,
 * {"type": T, T: {…}} with an episode's or season's "show"
 * (trakt_media_wrapper_text) — one shape in every table, list items
 * included (schema 6). Times are µs since the epoch. A row's origin is
 * 'local' (done on this machine) or 'trakt' (pulled); pushed is a DbPushed
 * (db.h).
 *
 * The writers that an import runs per row (the *_from_trakt calls,
 * db_alias_set, db_watchlist_item_put, db_recommendation_put) keep their
 * statements prepared until db_release_memory(). Every call returns 0 (or
 * what it says) or a negative errno: -ENOENT when nothing is found, -EIO. */

/* ---- aliases: an item's other ids lead to the key its row is stored under ---- */

/* From Trakt (it names the item by all its ids): alias now leads to key. */
int db_alias_set(Db *db, const char *alias, const char *media_key);
/* From a look-up (resolve.h): each alias leads to key unless it leads
 * somewhere already. aliases is NULL-terminated; key itself is skipped. */
int db_aliases_add(Db *db, const char *media_key, char *const *aliases);
/* fn gets every key alias leads to (distinct); fn must not use db. A
 * negative return from fn stops and is returned. */
int db_alias_lookup(Db *db, const char *alias, int (*fn)(const char *media_key, void *userdata), void *userdata);

/* ---- ratings (1–10) ---- */

/* Trakt's rating (pushed): the newer rating wins; one equal to ours marks
 * ours as on Trakt. */
int db_rating_from_trakt(Db *db, const char *media_key, const char *media, int rating, int64_t rated_at);
/* This machine's rating (Rate), with its pushed state. */
int db_rating_set(Db *db, const char *media_key, const char *media, int rating, int64_t rated_at, DbPushed pushed);
int db_rating_delete(Db *db, const char *media_key);
/* The outbox delivered the rating made at rated_at: on Trakt now. */
int db_rating_delivered(Db *db, int64_t rated_at);
/* The rating stored under any of keys (NULL-terminated), the newest when
 * several: 0 and *ret, or -ENOENT. */
int db_rating_find(Db *db, char *const *keys, uint8_t *ret);
/* A sweep read every rating Trakt has: those that were on Trakt (pushed 1)
 * and for which gone(media) says Trakt no longer has them are deleted; a
 * rating not yet on Trakt stays. gone may read db-seen.h. Returns how many
 * went. */
int db_ratings_forget_gone(Db *db, bool (*gone)(const char *media, void *userdata), void *userdata);

/* ---- resume points ---- */

/* Trakt's pause: the newest pause wins, whether it happened here or there. */
int db_resume_from_trakt(Db *db, const char *media_key, const char *media, double progress, int64_t paused_at, int64_t playback_id);
/* A pause here. */
int db_resume_set(Db *db, const char *media_key, const char *media, double progress, int64_t paused_at);
int db_resume_delete(Db *db, const char *media_key);
/* A pause in incognito: uid's own, never sent, never shown to another uid. */
int db_resume_set_private(Db *db, uid_t uid, const char *media_key, const char *media, double progress, int64_t paused_at);
int db_resume_delete_private(Db *db, uid_t uid, const char *media_key);
/* The newest resume point stored under any of keys, the household's or uid's
 * own private one ((uid_t) -1: the household's alone): 0, or -ENOENT. */
int db_resume_find(Db *db, char *const *keys, uid_t uid, double *ret_progress, uint64_t *ret_paused_at);
/* A sweep read every pause Trakt has: those from Trakt it no longer has go. */
int db_resume_forget_unseen(Db *db);

/* ---- the collection ---- */

typedef struct DbCollectionMeta {
        const char *media_type, *resolution, *hdr, *audio, *audio_channels; /* NULL: unset */
        bool is_3d;
} DbCollectionMeta;

/* Trakt's item (pushed): a local row of that key keeps what it says. */
int db_collection_from_trakt(Db *db, const char *media_key, const char *media, int64_t collected_at, const DbCollectionMeta *meta);
/* Collected here (UpdateCollection), with its pushed state. */
int db_collection_set(Db *db, const char *media_key, const char *media, int64_t collected_at, const DbCollectionMeta *meta,
                      DbPushed pushed);
int db_collection_delete(Db *db, const char *media_key);
/* A sweep read the whole collection: items from Trakt it no longer has go. */
int db_collection_forget_unseen(Db *db);

/* ---- lists ---- */

#define DB_WATCHLIST_ID "watchlist"

/* The watchlist system list exists while connected. */
int db_watchlist_ensure(Db *db);
/* Disconnect: the list and its items go. */
int db_watchlist_remove(Db *db);
/* An import or sweep replaces the watchlist page by page: the item at
 * position, then (after the last page) what lies beyond the last position. */
int db_watchlist_item_put(Db *db, uint32_t position, const char *media_key, const char *media, int64_t listed_at);
int db_watchlist_truncate(Db *db, uint32_t from_position);

/* A followed list as Trakt's summary names it (library.h: id "USER/SLUG"). */
typedef struct DbFollowedList {
        const char *id, *name, *url, *trakt_user, *trakt_slug;
} DbFollowedList;
typedef struct DbListItem {
        const char *media_key, *media;
        int64_t listed_at;
} DbListItem;
/* Store a pulled list and its items (in Trakt's order), replacing what was
 * stored, in one transaction. create: AddList (the list is added, or
 * updated when followed already); otherwise a refresh, which never brings
 * back a list removed meanwhile. Returns 1 when stored, 0 when the list was
 * removed meanwhile (or is the watchlist). */
int db_list_store(Db *db, const DbFollowedList *list, bool create, const DbListItem *items, size_t n_items, uint64_t now);
/* The followed lists to refresh, by id: fn(id, trakt_user, trakt_slug). */
int db_lists_followed(Db *db, int (*fn)(const char *id, const char *user, const char *slug, void *userdata), void *userdata);

typedef struct DbListRow {
        const char *id, *name, *url, *kind; /* kind: "watchlist" or "custom" */
        uint32_t n_items;
} DbListRow;
/* Every list, the watchlist first, then by name. */
int db_lists_each(Db *db, int (*fn)(const DbListRow *row, void *userdata), void *userdata);
/* 1 when the list exists (*ret_system: it is the watchlist), 0 when not. */
int db_list_exists(Db *db, const char *list_id, bool *ret_system);
/* RemoveList: a followed list and its items (never the watchlist). */
int db_list_remove(Db *db, const char *list_id);

typedef struct DbItemRow {
        const char *media_json;
        uint64_t listed_at; /* list items */
        uint32_t rank;      /* list items: 1, 2, … in Trakt's order */
} DbItemRow;
/* The items of a list in Trakt's order. */
int db_list_items_each(Db *db, const char *list_id, int (*fn)(const DbItemRow *row, void *userdata), void *userdata);

/* ---- recommendations ("movie" or "show"), in Trakt's order ---- */

int db_recommendations_clear_kind(Db *db, const char *kind);
int db_recommendations_clear(Db *db);
int db_recommendation_put(Db *db, const char *kind, uint32_t position, const char *media_key, const char *media);
/* Those of kind not watched since Trakt picked them (the recommendations'
 * fetch time, db-cursors.h); none when on is false (the toggle is off). */
int db_recommendations_each(Db *db, const char *kind, bool on, int (*fn)(const DbItemRow *row, void *userdata), void *userdata);

/* ---- items Trakt did not match (UnmatchedItems) ---- */

/* kind: Trakt's not_found group ("movies", …) or "scrobble"; media: the
 * item as sent; reason: the endpoint or event kind. */
int db_unmatched_add(Db *db, const char *kind, const char *media, const char *reason, uint64_t seen_at);
int db_unmatched_count(Db *db, uint32_t *ret);

/* ---- an item named by title became Trakt's item ---- */

/* What was stored under old_key moves to new_key with new_media: the local
 * plays, and the resume point, rating and collection row (one per item: of
 * two rows, the newer stays). In the caller's transaction when one is open
 * (then its COMMIT decides), else in one of its own. */
int db_library_rekey(Db *db, const char *old_key, const char *new_key, const char *new_media);
