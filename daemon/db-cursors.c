/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db-cursors.h"
#include "db-private.h"
#include "util.h"

/* The stored names: the contract with databases already on disk. */
static const char *const names[_DB_CURSOR_MAX] = {
        [DB_CURSOR_ACCOUNT] = "account",
        [DB_CURSOR_BASELINE] = "baseline",
        [DB_CURSOR_HISTORY_NEWEST] = "history.newest",
        [DB_CURSOR_HISTORY_TOTAL] = "history.total",
        [DB_CURSOR_RECOMMENDATIONS_FETCHED_AT] = "recommendations.fetched_at",
};
#define FLOOR_SUFFIX ".floor"

const char *db_cursor_name(DbCursor cursor) {
        return cursor >= 0 && cursor < _DB_CURSOR_MAX ? names[cursor] : NULL;
}

static int get(Db *db, const char *name, char **ret) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db, "SELECT value FROM sync_cursors WHERE name = ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
                char *v = NULL;
                r = db_column_strdup(st, 0, &v);
                if (r >= 0 && ret)
                        *ret = v;
                else
                        free(v);
        } else
                r = rc == SQLITE_ROW || rc == SQLITE_DONE ? -ENOENT : -EIO;
        sqlite3_finalize(st);
        return r;
}

static int get_i64(Db *db, const char *name, int64_t *ret) {
        _cleanup_free_ char *v = NULL;
        int r = get(db, name, &v);
        if (r < 0)
                return r;
        char *end;
        errno = 0;
        long long x = strtoll(v, &end, 10);
        if (errno || end == v || *end)
                return -EINVAL; /* not ours: treated as absent, so it is written again */
        *ret = x;
        return 0;
}

static int set(Db *db, const char *name, const char *value) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db,
                           value ? "INSERT INTO sync_cursors(name, value) VALUES (?1, ?2) ON CONFLICT(name) DO UPDATE SET value = excluded.value"
                                 : "DELETE FROM sync_cursors WHERE name = ?1",
                           &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        if (value)
                sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
        r = db_step_done(st);
        sqlite3_finalize(st);
        return r;
}

static int set_i64(Db *db, const char *name, int64_t value) {
        char v[32];
        snprintf(v, sizeof v, "%" PRIi64, value);
        return set(db, name, v);
}

int db_cursor_get(Db *db, DbCursor cursor, char **ret) {
        const char *name = db_cursor_name(cursor);
        return name ? get(db, name, ret) : -EINVAL;
}

int db_cursor_get_i64(Db *db, DbCursor cursor, int64_t *ret) {
        const char *name = db_cursor_name(cursor);
        return name ? get_i64(db, name, ret) : -EINVAL;
}

int db_cursor_set(Db *db, DbCursor cursor, const char *value) {
        const char *name = db_cursor_name(cursor);
        return name ? set(db, name, value) : -EINVAL;
}

int db_cursor_set_i64(Db *db, DbCursor cursor, int64_t value) {
        const char *name = db_cursor_name(cursor);
        return name ? set_i64(db, name, value) : -EINVAL;
}

static int floor_name(KtCategory category, char *buf, size_t n) {
        if (category < 0 || category >= _KT_CATEGORY_MAX)
                return -EINVAL;
        int k = snprintf(buf, n, "%s" FLOOR_SUFFIX, kt_categories[category]);
        return k < 0 || (size_t) k >= n ? -ENAMETOOLONG : 0;
}

int db_cursor_floor_get(Db *db, KtCategory category, int64_t *ret) {
        char name[64];
        int r = floor_name(category, name, sizeof name);
        return r < 0 ? r : get_i64(db, name, ret);
}

int db_cursor_floor_set(Db *db, KtCategory category, int64_t value) {
        char name[64];
        int r = floor_name(category, name, sizeof name);
        return r < 0 ? r : set_i64(db, name, value);
}

int db_cursor_floor_clear(Db *db, KtCategory category) {
        char name[64];
        int r = floor_name(category, name, sizeof name);
        return r < 0 ? r : set(db, name, NULL);
}

/* Trakt's field names are "group.what": never one of ours. */
static bool activity_field(const char *field) {
        size_t n = field ? strlen(field) : 0;
        if (!strchr(field ?: "", '.') || (n >= strlen(FLOOR_SUFFIX) && streq(field + n - strlen(FLOOR_SUFFIX), FLOOR_SUFFIX)))
                return false;
        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (streq(field, names[i]))
                        return false;
        return true;
}

int db_cursor_activity_get(Db *db, const char *field, int64_t *ret) {
        return activity_field(field) ? get_i64(db, field, ret) : -EINVAL;
}

int db_cursor_activity_set(Db *db, const char *field, int64_t value) {
        return activity_field(field) ? set_i64(db, field, value) : -EINVAL;
}

int db_cursor_activity_clear(Db *db, const char *field) {
        return activity_field(field) ? set(db, field, NULL) : -EINVAL;
}

int db_cursors_clear(Db *db) {
        return db_exec(db, "DELETE FROM sync_cursors", "clear the sync cursors");
}

int db_cursors_have_positions(Db *db, bool *ret) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db, "SELECT EXISTS (SELECT 1 FROM sync_cursors WHERE name NOT IN (?1, ?2))", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, names[DB_CURSOR_ACCOUNT], -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, names[DB_CURSOR_BASELINE], -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
                *ret = sqlite3_column_int(st, 0);
        else
                r = -EIO;
        sqlite3_finalize(st);
        return r;
}

int db_cursors_forget_recommendations(Db *db) {
        return db_exec(db, "DELETE FROM sync_cursors WHERE name LIKE 'recommendations%'", "forget the recommendations' cursors");
}
