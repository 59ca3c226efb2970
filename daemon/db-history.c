/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db-history.h"
#include "db-private.h"
#include "util.h"

/* ---- plays from Trakt ---- */

#define INSERT_HISTORY \
        "INSERT OR IGNORE INTO history(media_key, media, watched_at, origin, private, trakt_history_id, pushed) VALUES "
#define HISTORY_ROW "(?, ?, ?, 'trakt', 0, ?, 1)"
#define HISTORY_ROW_2 HISTORY_ROW "," HISTORY_ROW

static const char insert_one_sql[] = INSERT_HISTORY HISTORY_ROW;
static const char insert_batch_sql[] = INSERT_HISTORY HISTORY_ROW_2 "," HISTORY_ROW_2 "," HISTORY_ROW_2 "," HISTORY_ROW_2 "," HISTORY_ROW_2;
_Static_assert(DB_HISTORY_BATCH == 10, "insert_batch_sql has ten rows");

int db_history_add_from_trakt(Db *db, const DbTraktPlay *plays, size_t n) {
        int added = 0, r = 0;
        for (size_t i = 0; i < n && r >= 0;) {
                bool batch = n - i >= DB_HISTORY_BATCH;
                size_t k = batch ? DB_HISTORY_BATCH : 1;
                sqlite3_stmt *st = db_cached(db, batch ? insert_batch_sql : insert_one_sql);
                if (!st)
                        return -EIO;
                for (size_t j = 0; j < k; j++) {
                        sqlite3_bind_text(st, 4 * (int) j + 1, plays[i + j].media_key, -1, SQLITE_STATIC);
                        sqlite3_bind_text(st, 4 * (int) j + 2, plays[i + j].media, -1, SQLITE_STATIC);
                        sqlite3_bind_int64(st, 4 * (int) j + 3, plays[i + j].watched_at);
                        sqlite3_bind_int64(st, 4 * (int) j + 4, plays[i + j].trakt_id);
                }
                r = db_step_done(st);
                sqlite3_clear_bindings(st); /* they point at the caller's strings */
                if (r >= 0)
                        added += sqlite3_changes(db_sqlite(db));
                i += k;
        }
        return r < 0 ? r : added;
}

/* "?,?,…" for n parameters (n > 0). */
static char *placeholders(size_t n) {
        char *s = malloc(n * 2);
        if (!s)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                s[2 * i] = '?';
                s[2 * i + 1] = ',';
        }
        s[2 * n - 1] = 0;
        return s;
}

int db_history_link(Db *db, int64_t trakt_id, int64_t watched_at, char *const *keys) {
        _cleanup_free_ char *in = NULL, *sql = NULL;
        sqlite3_stmt *st = NULL;
        size_t n = 0;

        while (keys && keys[n])
                n++;
        if (n == 0)
                return 0;
        in = placeholders(n);
        if (!in || asprintf(&sql,
                            "UPDATE history SET trakt_history_id = ?1, pushed = 1 WHERE id = ("
                            " SELECT id FROM history WHERE trakt_history_id IS NULL AND ABS(watched_at - ?2) <= 60000000"
                            " AND media_key IN (%s) ORDER BY ABS(watched_at - ?2) LIMIT 1)"
                            " AND NOT EXISTS (SELECT 1 FROM history WHERE trakt_history_id = ?1)", in) < 0)
                return -ENOMEM;
        int r = db_prepare(db, sql, &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, trakt_id);
        sqlite3_bind_int64(st, 2, watched_at);
        for (size_t i = 0; i < n; i++)
                sqlite3_bind_text(st, 3 + (int) i, keys[i], -1, SQLITE_STATIC);
        r = db_step_done(st);
        sqlite3_finalize(st);
        return r < 0 ? r : sqlite3_changes(db_sqlite(db)) > 0;
}

/* The first column of a one-row statement about id (?1) as an integer:
 * 0 and *ret, -ENOENT without a row, -EIO. */
static int int_of(Db *db, const char *sql, int64_t id, int64_t *ret) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db, sql, &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, id);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                *ret = sqlite3_column_int64(st, 0);
        else
                r = rc == SQLITE_DONE ? -ENOENT : -EIO;
        sqlite3_finalize(st);
        return r;
}

int db_history_has_unlinked(Db *db, bool *ret) {
        int64_t v = 0;
        int r = db_query_int64(db, "SELECT EXISTS (SELECT 1 FROM history WHERE trakt_history_id IS NULL)", "look for unlinked plays", &v);
        if (r >= 0)
                *ret = v != 0;
        return r;
}

/* ---- plays here ---- */

int64_t db_history_add_local(Db *db, const char *media_key, const char *media, int64_t watched_at, bool private_, DbPushed pushed,
                             uid_t uid) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db,
                           "INSERT INTO history(media_key, media, watched_at, origin, private, pushed, uid)"
                           " VALUES (?1, ?2, ?3, 'local', ?4, ?5, ?6)",
                           &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, media_key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, media, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, watched_at);
        sqlite3_bind_int64(st, 4, private_);
        sqlite3_bind_int64(st, 5, pushed);
        if (uid != (uid_t) -1)
                sqlite3_bind_int64(st, 6, (int64_t) uid);
        else
                sqlite3_bind_null(st, 6);
        r = db_step_done(st);
        if (r < 0)
                (void) db_fail(db, "record a play");
        sqlite3_finalize(st);
        return r < 0 ? r : sqlite3_last_insert_rowid(db_sqlite(db));
}

int db_history_same_play(Db *db, const char *media_key, int64_t from, int64_t to, bool *ret) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db, "SELECT 1 FROM history WHERE media_key = ?1 AND watched_at BETWEEN ?2 AND ?3 LIMIT 1", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, media_key, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, from);
        sqlite3_bind_int64(st, 3, to);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW || rc == SQLITE_DONE)
                *ret = rc == SQLITE_ROW;
        else
                r = db_fail(db, "read the history");
        sqlite3_finalize(st);
        return r;
}

int db_history_pushed(Db *db, int64_t id, DbPushed *ret) {
        int64_t v = 0;
        int r = int_of(db, "SELECT pushed FROM history WHERE id = ?1", id, &v);
        if (r >= 0)
                *ret = (DbPushed) v;
        return r;
}

/* A statement about play id (?1) with a second parameter: an integer, or text when t2 is set. */
static int run_id(Db *db, const char *sql, int64_t id, int64_t i2, const char *t2) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db, sql, &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, id);
        if (t2)
                sqlite3_bind_text(st, 2, t2, -1, SQLITE_STATIC);
        else if (sqlite3_bind_parameter_count(st) >= 2)
                sqlite3_bind_int64(st, 2, i2);
        r = db_step_done(st);
        sqlite3_finalize(st);
        return r;
}

int db_history_mark_sent(Db *db, int64_t id, int64_t trakt_id) {
        int r = 0;
        if (id <= 0)
                return 0;
        /* OR IGNORE: an import may already have linked that Trakt play to another row. */
        if (trakt_id > 0)
                r = run_id(db, "UPDATE OR IGNORE history SET trakt_history_id = ?2, pushed = 1 WHERE id = ?1", id, trakt_id, NULL);
        int k = run_id(db, "UPDATE history SET pushed = 1 WHERE id = ?1", id, 0, NULL);
        return r < 0 ? r : k;
}

int db_history_set_media(Db *db, int64_t id, const char *media) {
        return run_id(db, "UPDATE history SET media = ?2 WHERE id = ?1", id, 0, media);
}

/* ---- unconfirmed pushes ---- */

int db_history_unconfirmed_reset(Db *db, const int64_t *ids, size_t n, bool only_unlinked) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db,
                           only_unlinked ? "UPDATE history SET pushed = 0 WHERE id = ? AND pushed = 3 AND trakt_history_id IS NULL"
                                         : "UPDATE history SET pushed = 0 WHERE id = ? AND pushed = 3",
                           &st);
        for (size_t i = 0; i < n && r >= 0; i++) {
                if (ids[i] == 0)
                        continue;
                sqlite3_bind_int64(st, 1, ids[i]);
                r = db_step_done(st);
        }
        sqlite3_finalize(st);
        return r;
}

int db_history_unconfirmed_reset_all(Db *db) {
        return db_exec(db, "UPDATE history SET pushed = 0 WHERE pushed = 3 AND trakt_history_id IS NULL", "reset unconfirmed plays");
}

/* ---- what Trakt no longer has ---- */

int db_history_count_vanished(Db *db, int64_t since, int64_t *ret) {
        return int_of(db,
                      "SELECT COUNT(*) FROM history WHERE trakt_history_id IS NOT NULL AND watched_at >= ?1"
                      " AND trakt_history_id NOT IN (SELECT id FROM " DB_SEEN_IDS ")",
                      since, ret);
}

int db_history_forget_unseen(Db *db, int64_t since, int64_t *ret_removed, int64_t *ret_unlinked) {
        static const char *const sql[] = {
                "DELETE FROM history WHERE origin = 'trakt' AND trakt_history_id IS NOT NULL AND watched_at >= ?1"
                " AND trakt_history_id NOT IN (SELECT id FROM " DB_SEEN_IDS ")",
                "UPDATE history SET trakt_history_id = NULL, pushed = 1 WHERE origin = 'local'"
                " AND trakt_history_id IS NOT NULL AND watched_at >= ?1"
                " AND trakt_history_id NOT IN (SELECT id FROM " DB_SEEN_IDS ")",
        };
        int64_t *counts[] = { ret_removed, ret_unlinked };
        int r = 0;
        for (size_t i = 0; i < ELEMENTSOF(sql) && r >= 0; i++) {
                sqlite3_stmt *st = NULL;
                r = db_prepare(db, sql[i], &st);
                if (r < 0)
                        break;
                sqlite3_bind_int64(st, 1, since);
                r = db_step_done(st);
                sqlite3_finalize(st);
                if (r >= 0 && counts[i])
                        *counts[i] = sqlite3_changes(db_sqlite(db));
        }
        return r;
}

/* ---- reading ---- */

int db_history_each(Db *db, uint64_t since, uint32_t limit, uid_t uid, int (*fn)(const DbHistoryRow *row, void *userdata),
                    void *userdata) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db,
                           "SELECT media, watched_at, origin, private FROM history WHERE watched_at >= ?1"
                           " AND (private = 0 OR uid IS NULL OR uid = ?3 OR ?3 = 0)"
                           " ORDER BY watched_at DESC, id DESC LIMIT ?2",
                           &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, (int64_t) (since > INT64_MAX ? INT64_MAX : since));
        sqlite3_bind_int64(st, 2, limit == 0 ? -1 : (int64_t) limit);
        sqlite3_bind_int64(st, 3, (int64_t) uid);
        while (r >= 0 && sqlite3_step(st) == SQLITE_ROW)
                r = fn(&(DbHistoryRow) {
                               .media_json = (const char *) sqlite3_column_text(st, 0),
                               .watched_at = (uint64_t) sqlite3_column_int64(st, 1),
                               .origin = (const char *) sqlite3_column_text(st, 2),
                               .private_ = sqlite3_column_int(st, 3),
                       },
                       userdata);
        sqlite3_finalize(st);
        return r;
}
