/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "db.h"

/* The plays (table history). A play is a media_key, the item's wrapper
 * (media, as in db-library.h), when it was watched (µs since the epoch), its
 * origin ('local': watched here; 'trakt': pulled from Trakt), whether it is
 * private (watched incognito: never sent), Trakt's history id once linked
 * (unique: one Trakt play is one row), its DbPushed state and, for a local
 * play of a session, the uid of the user who watched it. */

/* ---- plays from Trakt (imports and sweeps) ---- */

typedef struct DbTraktPlay {
        const char *media_key, *media;
        int64_t watched_at, trakt_id;
} DbTraktPlay;

/* An import inserts this many plays per statement (a multi-row INSERT costs
 * a quarter less CPU than a statement per row); its caller gathers them. */
#define DB_HISTORY_BATCH 10

/* Store plays from Trakt (pushed), skipping those whose Trakt id is known:
 * DB_HISTORY_BATCH at a time in one statement, the rest one by one; the
 * statements stay prepared until db_release_memory(). Returns how many were
 * new. */
int db_history_add_from_trakt(Db *db, const DbTraktPlay *plays, size_t n);
/* A local play not linked to Trakt yet, of one of keys (the item by any of
 * its ids), within a minute of watched_at, is that Trakt play: the nearest
 * is linked (and marked pushed). 1 when one was linked, 0 when none (or the
 * Trakt id is linked already). */
int db_history_link(Db *db, int64_t trakt_id, int64_t watched_at, char *const *keys);
/* Whether any play is not linked to Trakt (else nothing can be linked). */
int db_history_has_unlinked(Db *db, bool *ret);

/* ---- plays here ---- */

/* A local play; uid (uid_t) -1 for none. Returns its id (> 0). */
int64_t db_history_add_local(Db *db, const char *media_key, const char *media, int64_t watched_at, bool private_, DbPushed pushed,
                             uid_t uid);
/* Whether a play of media_key was watched between from and to (inclusive). */
int db_history_same_play(Db *db, const char *media_key, int64_t from, int64_t to, bool *ret);
/* A play's pushed state; -ENOENT when there is no such play. */
int db_history_pushed(Db *db, int64_t id, DbPushed *ret);
/* The outbox delivered the play: pushed, and linked to trakt_id when that is
 * known (> 0) and no other play has it. */
int db_history_mark_sent(Db *db, int64_t id, int64_t trakt_id);
/* Trakt named the item fully in its answer: keep that. */
int db_history_set_media(Db *db, int64_t id, const char *media);

/* ---- an import's pushes whose answer was lost (DB_PUSHED_UNCONFIRMED) ---- */

/* Those of ids still unconfirmed are not pushed again (only_unlinked: and
 * not linked to a Trakt play meanwhile). 0 ids are skipped. */
int db_history_unconfirmed_reset(Db *db, const int64_t *ids, size_t n, bool only_unlinked);
/* All of them that no Trakt play was linked to (every play of Trakt was read). */
int db_history_unconfirmed_reset_all(Db *db);

/* ---- what Trakt no longer has (a sweep; db-seen.h) ---- */

/* Plays linked to Trakt, watched at or after since, whose Trakt id the sweep
 * did not see. */
int db_history_count_vanished(Db *db, int64_t since, int64_t *ret);
/* Of those, plays from Trakt go; local ones only lose the link (and stay
 * pushed). */
int db_history_forget_unseen(Db *db, int64_t since, int64_t *ret_removed, int64_t *ret_unlinked);

/* ---- reading (GetHistory) ---- */

typedef struct DbHistoryRow {
        const char *media_json;
        uint64_t watched_at;
        const char *origin; /* "local" or "trakt" */
        bool private_;
} DbHistoryRow;
/* Plays at or after since, newest first, at most limit (0: all). A private
 * play is listed only to the uid that recorded it and to root (uid 0); plays
 * without a uid to everyone. A negative return from fn stops and is returned. */
int db_history_each(Db *db, uint64_t since, uint32_t limit, uid_t uid, int (*fn)(const DbHistoryRow *row, void *userdata),
                    void *userdata);
