/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db-private.h"
#include "db-push.h"
#include "util.h"

/* Per table: the rows to push (id, media, then what the table adds), the
 * column they are oldest by, how a row is named, and its table. */
static const struct {
        const char *select;
        const char *oldest;
        const char *id;
        const char *table;
} tables[_DB_PUSH_TABLE_MAX] = {
        [DB_PUSH_HISTORY] = { "SELECT id, media, watched_at FROM history WHERE origin = 'local' AND private = 0 AND pushed = 0"
                              " AND trakt_history_id IS NULL",
                              "watched_at", "id", "history" },
        [DB_PUSH_RATINGS] = { "SELECT rowid, media, rated_at, rating FROM ratings WHERE pushed = 0", "rated_at", "rowid", "ratings" },
        [DB_PUSH_COLLECTION] = { "SELECT rowid, media, collected_at, media_type, resolution, hdr, audio, audio_channels, is_3d"
                                 " FROM collection WHERE origin = 'local' AND pushed = 0",
                                 "collected_at", "rowid", "collection" },
};

static bool table_valid(DbPushTable table) {
        return table >= 0 && table < _DB_PUSH_TABLE_MAX;
}

int db_push_each(Db *db, DbPushTable table, unsigned limit, int (*fn)(const DbPushRow *row, void *userdata), void *userdata) {
        _cleanup_free_ char *sql = NULL;
        sqlite3_stmt *st = NULL;
        int r, rc;

        if (!table_valid(table))
                return -EINVAL;
        if (limit > 0 ? asprintf(&sql, "%s ORDER BY %s LIMIT %u", tables[table].select, tables[table].oldest, limit) < 0
                      : !(sql = strdup(tables[table].select)))
                return -ENOMEM;
        r = db_prepare(db, sql, &st);
        if (r < 0)
                return r;
        while (r >= 0 && (rc = sqlite3_step(st)) == SQLITE_ROW) {
                DbPushRow row = {
                        .id = sqlite3_column_int64(st, 0),
                        .media = (const char *) sqlite3_column_text(st, 1),
                        .at = sqlite3_column_int64(st, 2),
                };
                if (table == DB_PUSH_RATINGS)
                        row.rating = sqlite3_column_int(st, 3);
                else if (table == DB_PUSH_COLLECTION) {
                        row.media_type = (const char *) sqlite3_column_text(st, 3);
                        row.resolution = (const char *) sqlite3_column_text(st, 4);
                        row.hdr = (const char *) sqlite3_column_text(st, 5);
                        row.audio = (const char *) sqlite3_column_text(st, 6);
                        row.audio_channels = (const char *) sqlite3_column_text(st, 7);
                        row.is_3d = sqlite3_column_int(st, 8);
                }
                r = fn(&row, userdata);
        }
        if (r >= 0 && rc != SQLITE_DONE)
                r = -EIO;
        sqlite3_finalize(st);
        return r;
}

typedef struct RowArray {
        DbPushRow *rows;
        size_t n;
} RowArray;

static char *dup_or_null(const char *s, bool *failed) {
        char *d = s ? strdup(s) : NULL;
        if (s && !d)
                *failed = true;
        return d;
}

static int keep_row(const DbPushRow *row, void *userdata) {
        RowArray *a = userdata;
        bool failed = false;
        DbPushRow *v = realloc(a->rows, (a->n + 1) * sizeof *v);
        if (!v)
                return -ENOMEM;
        a->rows = v;
        a->rows[a->n++] = (DbPushRow) {
                .id = row->id,
                .media = dup_or_null(row->media, &failed),
                .at = row->at,
                .rating = row->rating,
                .media_type = dup_or_null(row->media_type, &failed),
                .resolution = dup_or_null(row->resolution, &failed),
                .hdr = dup_or_null(row->hdr, &failed),
                .audio = dup_or_null(row->audio, &failed),
                .audio_channels = dup_or_null(row->audio_channels, &failed),
                .is_3d = row->is_3d,
        };
        return failed ? -ENOMEM : 0;
}

void db_push_rows_free(DbPushRow *rows, size_t n) {
        for (size_t i = 0; i < n; i++) {
                free((char *) rows[i].media);
                free((char *) rows[i].media_type);
                free((char *) rows[i].resolution);
                free((char *) rows[i].hdr);
                free((char *) rows[i].audio);
                free((char *) rows[i].audio_channels);
        }
        free(rows);
}

int db_push_rows(Db *db, DbPushTable table, unsigned limit, DbPushRow **ret, size_t *ret_n) {
        RowArray a = {};
        int r = db_push_each(db, table, limit, keep_row, &a);
        if (r < 0) {
                db_push_rows_free(a.rows, a.n);
                return r;
        }
        *ret = a.rows;
        *ret_n = a.n;
        return 0;
}

int db_push_mark(Db *db, DbPushTable table, const int64_t *ids, size_t n, DbPushed state) {
        char sql[128];
        sqlite3_stmt *st = NULL;
        if (!table_valid(table))
                return -EINVAL;
        snprintf(sql, sizeof sql, "UPDATE %s SET pushed = ?2 WHERE %s = ?1", tables[table].table, tables[table].id);
        int r = db_prepare(db, sql, &st);
        for (size_t i = 0; i < n && r >= 0; i++) {
                if (ids[i] == 0)
                        continue;
                sqlite3_bind_int64(st, 1, ids[i]);
                sqlite3_bind_int64(st, 2, state);
                r = db_step_done(st);
        }
        sqlite3_finalize(st);
        return r;
}

int db_push_media(Db *db, DbPushTable table, int64_t id, char **ret) {
        char sql[128];
        sqlite3_stmt *st = NULL;
        if (!table_valid(table))
                return -EINVAL;
        snprintf(sql, sizeof sql, "SELECT media FROM %s WHERE %s = ?", tables[table].table, tables[table].id);
        int r = db_prepare(db, sql, &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, id);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                r = db_column_strdup(st, 0, ret);
        else
                r = rc == SQLITE_DONE ? -ENOENT : -EIO;
        sqlite3_finalize(st);
        return r;
}
