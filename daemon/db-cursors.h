/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "categories.h"
#include "db.h"

/* Sync cursors (table sync_cursors): where this machine stands against
 * Trakt, for the sweeps (sync.h, docs/trakt-api.md §5.1). Every cursor has a
 * typed name here; none is spelled as a string outside this module. Three
 * kinds:
 *  - the fixed ones (DbCursor);
 *  - a category's floor: what Trakt had before connecting without an import
 *    stays there (a time in µs);
 *  - Trakt's /sync/last_activities fields as last seen in step
 *    ("movies.watched_at", "watchlist.updated_at"…, in µs), kept under
 *    Trakt's own field name.
 * The cursors belong to one Trakt account (DB_CURSOR_ACCOUNT); another
 * account's are cleared as a whole.
 *
 * Getters return 0, -ENOENT when the cursor is absent, -EINVAL when it does
 * not hold what its kind holds (treated as absent: it is written again), or
 * -EIO. Setting NULL (or the _clear calls) deletes. */

typedef enum DbCursor {
        DB_CURSOR_ACCOUNT,                    /* text: the username the cursors are of */
        DB_CURSOR_BASELINE,                   /* a mark: the next sweep records where Trakt stands */
        DB_CURSOR_HISTORY_NEWEST,             /* µs: the newest play known */
        DB_CURSOR_HISTORY_TOTAL,              /* Trakt's play count when history was last in step */
        DB_CURSOR_RECOMMENDATIONS_FETCHED_AT, /* µs: when Trakt's picks were last fetched */
        _DB_CURSOR_MAX,
} DbCursor;

/* The name a cursor is stored under (the db layer's own statements read it
 * alongside other tables: db-library.c's recommendations). */
const char *db_cursor_name(DbCursor cursor);

/* ret may be NULL (whether it is set). */
int db_cursor_get(Db *db, DbCursor cursor, char **ret);
int db_cursor_get_i64(Db *db, DbCursor cursor, int64_t *ret);
int db_cursor_set(Db *db, DbCursor cursor, const char *value);
int db_cursor_set_i64(Db *db, DbCursor cursor, int64_t value);

/* A category's floor; -EINVAL for a category that is none. */
int db_cursor_floor_get(Db *db, KtCategory category, int64_t *ret);
int db_cursor_floor_set(Db *db, KtCategory category, int64_t value);
int db_cursor_floor_clear(Db *db, KtCategory category);

/* A /sync/last_activities field ("movies.watched_at"); -EINVAL for a name
 * that is not one (no '.', or one of the names above). */
int db_cursor_activity_get(Db *db, const char *field, int64_t *ret);
int db_cursor_activity_set(Db *db, const char *field, int64_t value);
int db_cursor_activity_clear(Db *db, const char *field);

/* Another account: every cursor goes. */
int db_cursors_clear(Db *db);
/* Whether a cursor other than the account and the baseline mark exists
 * (this account was in step with Trakt before). */
int db_cursors_have_positions(Db *db, bool *ret);
/* Rate changed what Trakt picks: the next sweep fetches the picks again. */
int db_cursors_forget_recommendations(Db *db);
