/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-bus.h>

#include "context.h"
#include "listurl.h"
#include "db-history.h"
#include "db-library.h"
#include "trakt-media.h"

/* The local media library kept in the state database: watch history,
 * ratings, resume points, the lists (the watchlist system list and followed
 * custom lists) and the recommendations. Items are stored as (media_key,
 * media JSON); media_key is trakt-media.h's canonical key, the JSON the
 * item's wrapper in Trakt's own shape, {"type": T, T: {…}}
 * (trakt_media_wrapper_text), in every table, so it can be sent back. What the user does is
 * written by activity.c and the imports by sync.c; this module reads it for
 * the bus, and keeps the followed lists. */

/* The watchlist system list (db-library.h: DB_WATCHLIST_ID) exists while
 * connected: connect.c makes and removes it. */

/* ---- followed lists: someone's custom list on Trakt, kept as kind 'custom' ----
 *
 * A followed list's id is "USER/SLUG", the owner's user slug and the list's
 * slug as Trakt's own answer names them (so the numeric and the slug address
 * of one list give the same id; Trakt keeps a list's slug when it is renamed).
 * Its url is the canonical https://trakt.tv/users/USER/lists/SLUG. Pulling a
 * list reads GET /users/USER/lists/SLUG, then every page of
 * /users/USER/lists/SLUG/items (limit 250, docs/trakt-api.md §6), and replaces the
 * stored items in one transaction once all pages are in: a failed pull leaves
 * what was stored before. Items keep Trakt's order (position), their
 * listed_at and the item in the shape every table keeps (db-library.h). */

/* AddList's answer: list_id, or error: NotFound (Trakt has no such list, or
 * it is someone else's private list), TraktUnavailable (network, 5xx, 429
 * after the HTTP engine's retries, or no answer within 20 s), NotConnected,
 * or Failed (a malformed answer, the database). Called once, from the event
 * loop; when the pull is dropped at shutdown it is called with neither, so
 * the caller's userdata is let go. */
typedef void (*AddListAnswer)(Context *c, const char *list_id, const sd_bus_error *error, void *userdata);

/* AddList, after authorization: resolve url asynchronously; answer follows.
 * Adding a list again refreshes it and answers the same id. Returns 0 when
 * started, or sets error / returns a negative errno (then answer is never
 * called). */
int library_add_list(Context *c, const ListUrl *url, AddListAnswer answer, void *userdata, sd_bus_error *error);

/* Pull every followed (custom) list again, one after the other. done is
 * called exactly once, from the event loop (never from inside this call),
 * with 0 when every list was pulled, else the negative errno of the last
 * failure (-ENOENT gone from Trakt, -EACCES private now, -EHOSTUNREACH Trakt
 * unavailable, -ENOTCONN disconnected meanwhile, -EBADMSG malformed answer,
 * -EIO database); a list that fails keeps its stored items and the others are
 * still pulled. A list removed meanwhile is not brought back. Returns 0 when
 * started, -ENOTCONN when not connected, -EBUSY while a refresh runs. */
int library_refresh_followed_lists(Context *c, void (*done)(Context *c, int error, void *userdata), void *userdata);

/* Disconnect: pending AddList calls get NotConnected; a running refresh ends
 * with -ENOTCONN (its done runs from the event loop). Call before
 * trakt_client_done(). */
void library_followed_abort(Context *c);
/* Shutdown: pending pulls are dropped (AddList callers get NoReply from the
 * bus, which sd-bus has closed by then); a refresh's done is not called. */
void library_followed_free(Context *c);

/* ---- reading what is kept (GetHistory, GetRating, GetResumePoint, GetLists,
 * GetListItems, GetRecommendations, UnmatchedItems) ----
 *
 * The iterating readers call fn once per row, in order, with values valid
 * during the call; a negative return from fn stops and is returned. Each
 * returns 0, that, or -EIO when the state database cannot be read. */

typedef DbHistoryRow LibraryHistoryRow; /* media_json, watched_at (µs), origin ("local" or "trakt"), private_ (incognito) */
typedef int (*LibraryHistoryFn)(const LibraryHistoryRow *row, void *userdata);

/* Plays at or after since, newest first, at most limit (0: all). A private
 * play is listed only to the uid that recorded it and to root (uid 0); plays
 * without a uid to everyone. */
int library_history(Context *c, uint64_t since, uint32_t limit, uid_t uid, LibraryHistoryFn fn, void *userdata);

/* The rating (0: none) and the resume point (0, 0: none, or the resume
 * toggle is off) of media under any key it may be stored under. A name whose
 * ids the title cache knows is filled in place (resolve_fill) and found
 * under those and under the name. 0, -ENOMEM or -EIO. */
int library_rating(Context *c, TraktMedia *media, uint8_t *ret);
/* The resume point is the household's, or uid's own private one (a pause in
 * incognito) when that is newer. */
int library_resume_point(Context *c, TraktMedia *media, uid_t uid, double *ret_progress, uint64_t *ret_paused_at);

typedef DbListRow LibraryListRow; /* id, name, url, kind ("watchlist" or "custom"), n_items */
typedef int (*LibraryListFn)(const LibraryListRow *row, void *userdata);

/* Every list, the watchlist first, then by name. */
int library_lists(Context *c, LibraryListFn fn, void *userdata);

typedef DbItemRow LibraryItemRow; /* media_json; list items: listed_at (µs), rank (1, 2, … in Trakt's order) */
typedef int (*LibraryItemFn)(const LibraryItemRow *row, void *userdata);

/* The items of list_id in Trakt's order; -ENOENT when there is no such list. */
int library_list_items(Context *c, const char *list_id, LibraryItemFn fn, void *userdata);

/* RemoveList: -ENOENT no such list, -EPERM the watchlist (a system list). */
int library_remove_list(Context *c, const char *list_id);

/* Trakt's recommendations of kind ("movie" or "show") in its order, without
 * what was watched since Trakt picked them; none while the recommendations
 * toggle is off. */
int library_recommendations(Context *c, const char *kind, LibraryItemFn fn, void *userdata);

/* Items Trakt did not match (the UnmatchedItems property). */
uint32_t library_unmatched_count(Context *c);
