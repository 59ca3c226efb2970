/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

/* What an import pushes to Trakt: the local rows of three tables that are
 * not on Trakt yet (pushed DB_PUSHED_NO): plays (history: origin local, not
 * private, not linked), ratings, and collected titles (origin local). */

typedef enum DbPushTable {
        DB_PUSH_HISTORY,
        DB_PUSH_RATINGS,
        DB_PUSH_COLLECTION,
        _DB_PUSH_TABLE_MAX,
} DbPushTable;

typedef struct DbPushRow {
        int64_t id;         /* history: the play's id; the others: the row's rowid */
        const char *media;  /* the wrapper (db-library.h) */
        int64_t at;         /* watched_at, rated_at or collected_at (µs) */
        int rating;         /* ratings */
        const char *media_type, *resolution, *hdr, *audio, *audio_channels; /* collection; NULL: unset */
        bool is_3d;         /* collection */
} DbPushRow;

/* fn gets each row to push (valid during the call; fn may write other
 * rows): limit > 0, the oldest first and at most limit; 0, every one. A
 * negative return from fn stops and is returned. */
int db_push_each(Db *db, DbPushTable table, unsigned limit, int (*fn)(const DbPushRow *row, void *userdata), void *userdata);
/* The same into an array the caller frees with db_push_rows_free(). */
int db_push_rows(Db *db, DbPushTable table, unsigned limit, DbPushRow **ret, size_t *ret_n);
void db_push_rows_free(DbPushRow *rows, size_t n);

/* Set the pushed state of rows (ids of the table; 0 ids are skipped). */
int db_push_mark(Db *db, DbPushTable table, const int64_t *ids, size_t n, DbPushed state);
/* A row's media, whatever its state: -ENOENT when there is no such row. */
int db_push_media(Db *db, DbPushTable table, int64_t id, char **ret);
