/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <glib.h>

#include "db-cursors.h"
#include "db-private.h"
#include "util.h"

static Db *memory_db(void) {
        Db *db = NULL;
        g_assert_cmpint(db_open_file(&db, ":memory:"), ==, 0);
        return db;
}

static int64_t count(Db *db, const char *sql) {
        sqlite3_stmt *st = NULL;
        g_assert_cmpint(sqlite3_prepare_v2(db_sqlite(db), sql, -1, &st, NULL), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_step(st), ==, SQLITE_ROW);
        int64_t n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return n;
}

/* The stored names are a contract with databases already on disk. */
static void test_names(void) {
        static const char *const want[_DB_CURSOR_MAX] = {
                "account", "baseline", "history.newest", "history.total", "recommendations.fetched_at",
        };
        Db *db = memory_db();
        for (int i = 0; i < _DB_CURSOR_MAX; i++)
                g_assert_cmpstr(db_cursor_name((DbCursor) i), ==, want[i]);
        g_assert_null(db_cursor_name(_DB_CURSOR_MAX));
        g_assert_null(db_cursor_name((DbCursor) -1));

        g_assert_cmpint(db_cursor_set_i64(db, DB_CURSOR_HISTORY_NEWEST, 5), ==, 0);
        g_assert_cmpint(db_cursor_floor_set(db, KT_CATEGORY_COLLECTION, 6), ==, 0);
        g_assert_cmpint(db_cursor_activity_set(db, "movies.watched_at", 7), ==, 0);
        g_assert_cmpint(count(db, "SELECT COUNT(*) FROM sync_cursors WHERE (name, value) IN "
                                  "(VALUES ('history.newest', '5'), ('collection.floor', '6'), ('movies.watched_at', '7'))"),
                        ==, 3);
        db_free(db);
}

static void test_fixed(void) {
        Db *db = memory_db();
        char *v = NULL;
        int64_t n = 42;

        g_assert_cmpint(db_cursor_get(db, DB_CURSOR_ACCOUNT, &v), ==, -ENOENT);
        g_assert_cmpint(db_cursor_get_i64(db, DB_CURSOR_HISTORY_TOTAL, &n), ==, -ENOENT);
        g_assert_cmpint(n, ==, 42);
        g_assert_cmpint(db_cursor_set(db, DB_CURSOR_ACCOUNT, "sean"), ==, 0);
        g_assert_cmpint(db_cursor_get(db, DB_CURSOR_ACCOUNT, &v), ==, 0);
        g_assert_cmpstr(v, ==, "sean");
        free(v);
        g_assert_cmpint(db_cursor_get(db, DB_CURSOR_ACCOUNT, NULL), ==, 0);

        g_assert_cmpint(db_cursor_set_i64(db, DB_CURSOR_HISTORY_TOTAL, INT64_MIN), ==, 0);
        g_assert_cmpint(db_cursor_get_i64(db, DB_CURSOR_HISTORY_TOTAL, &n), ==, 0);
        g_assert_true(n == INT64_MIN);
        g_assert_cmpint(db_cursor_set_i64(db, DB_CURSOR_HISTORY_TOTAL, 1234567890123), ==, 0); /* replaces */
        g_assert_cmpint(db_cursor_get_i64(db, DB_CURSOR_HISTORY_TOTAL, &n), ==, 0);
        g_assert_cmpint(n, ==, 1234567890123);

        /* Not a number: as if absent, so it is written again. */
        static const char *const bad[] = { "", "x", "12x", "99999999999999999999" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                g_assert_cmpint(db_cursor_set(db, DB_CURSOR_HISTORY_NEWEST, bad[i]), ==, 0);
                g_assert_cmpint(db_cursor_get_i64(db, DB_CURSOR_HISTORY_NEWEST, &n), ==, -EINVAL);
        }
        g_assert_cmpint(db_cursor_set(db, DB_CURSOR_HISTORY_NEWEST, NULL), ==, 0);
        g_assert_cmpint(db_cursor_get_i64(db, DB_CURSOR_HISTORY_NEWEST, &n), ==, -ENOENT);
        g_assert_cmpint(db_cursor_set(db, DB_CURSOR_HISTORY_NEWEST, NULL), ==, 0); /* twice is fine */

        g_assert_cmpint(db_cursor_set(db, _DB_CURSOR_MAX, "x"), ==, -EINVAL);
        g_assert_cmpint(db_cursor_get_i64(db, (DbCursor) -1, &n), ==, -EINVAL);
        db_free(db);
}

static void test_floors_and_activities(void) {
        Db *db = memory_db();
        int64_t n = 0;

        for (int i = 0; i < _KT_CATEGORY_MAX; i++) {
                g_assert_cmpint(db_cursor_floor_get(db, (KtCategory) i, &n), ==, -ENOENT);
                g_assert_cmpint(db_cursor_floor_set(db, (KtCategory) i, 100 + i), ==, 0);
        }
        for (int i = 0; i < _KT_CATEGORY_MAX; i++) {
                g_assert_cmpint(db_cursor_floor_get(db, (KtCategory) i, &n), ==, 0);
                g_assert_cmpint(n, ==, 100 + i);
        }
        g_assert_cmpint(db_cursor_floor_clear(db, KT_CATEGORY_HISTORY), ==, 0);
        g_assert_cmpint(db_cursor_floor_get(db, KT_CATEGORY_HISTORY, &n), ==, -ENOENT);
        g_assert_cmpint(db_cursor_floor_get(db, KT_CATEGORY_RATINGS, &n), ==, 0);
        g_assert_cmpint(db_cursor_floor_set(db, _KT_CATEGORY_MAX, 1), ==, -EINVAL);
        g_assert_cmpint(db_cursor_floor_get(db, (KtCategory) -1, &n), ==, -EINVAL);

        g_assert_cmpint(db_cursor_activity_set(db, "watchlist.updated_at", 9), ==, 0);
        g_assert_cmpint(db_cursor_activity_get(db, "watchlist.updated_at", &n), ==, 0);
        g_assert_cmpint(n, ==, 9);
        g_assert_cmpint(db_cursor_activity_clear(db, "watchlist.updated_at"), ==, 0);
        g_assert_cmpint(db_cursor_activity_get(db, "watchlist.updated_at", &n), ==, -ENOENT);
        /* A field never stands for one of the typed cursors. */
        static const char *const not_fields[] = { "history.newest", "recommendations.fetched_at", "account", "baseline",
                                                  "ratings.floor", "nodot", "" };
        for (size_t i = 0; i < ELEMENTSOF(not_fields); i++) {
                g_assert_cmpint(db_cursor_activity_set(db, not_fields[i], 1), ==, -EINVAL);
                g_assert_cmpint(db_cursor_activity_get(db, not_fields[i], &n), ==, -EINVAL);
                g_assert_cmpint(db_cursor_activity_clear(db, not_fields[i]), ==, -EINVAL);
        }
        g_assert_cmpint(db_cursor_activity_set(db, NULL, 1), ==, -EINVAL);
        g_assert_cmpint(db_cursor_floor_get(db, KT_CATEGORY_RATINGS, &n), ==, 0); /* untouched */
        g_assert_cmpint(n, ==, 102);
        db_free(db);
}

static void test_account_and_positions(void) {
        Db *db = memory_db();
        bool have = true;

        g_assert_cmpint(db_cursors_have_positions(db, &have), ==, 0);
        g_assert_false(have);
        /* The account and the baseline mark are no position. */
        g_assert_cmpint(db_cursor_set(db, DB_CURSOR_ACCOUNT, "sean"), ==, 0);
        g_assert_cmpint(db_cursor_set(db, DB_CURSOR_BASELINE, "1"), ==, 0);
        g_assert_cmpint(db_cursors_have_positions(db, &have), ==, 0);
        g_assert_false(have);
        g_assert_cmpint(db_cursor_activity_set(db, "movies.rated_at", 3), ==, 0);
        g_assert_cmpint(db_cursors_have_positions(db, &have), ==, 0);
        g_assert_true(have);

        /* Rate: only the recommendations' cursors go. */
        g_assert_cmpint(db_cursor_set_i64(db, DB_CURSOR_RECOMMENDATIONS_FETCHED_AT, 77), ==, 0);
        g_assert_cmpint(db_cursor_floor_set(db, KT_CATEGORY_RECOMMENDATIONS, 78), ==, 0);
        g_assert_cmpint(db_cursors_forget_recommendations(db), ==, 0);
        int64_t n;
        g_assert_cmpint(db_cursor_get_i64(db, DB_CURSOR_RECOMMENDATIONS_FETCHED_AT, &n), ==, -ENOENT);
        g_assert_cmpint(db_cursor_floor_get(db, KT_CATEGORY_RECOMMENDATIONS, &n), ==, -ENOENT);
        g_assert_cmpint(count(db, "SELECT COUNT(*) FROM sync_cursors"), ==, 3);

        /* Another account: all of them. */
        g_assert_cmpint(db_cursors_clear(db), ==, 0);
        g_assert_cmpint(count(db, "SELECT COUNT(*) FROM sync_cursors"), ==, 0);
        g_assert_cmpint(db_cursor_get(db, DB_CURSOR_ACCOUNT, NULL), ==, -ENOENT);
        db_free(db);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/db-cursors/names", test_names);
        g_test_add_func("/db-cursors/fixed", test_fixed);
        g_test_add_func("/db-cursors/floors-and-activities", test_floors_and_activities);
        g_test_add_func("/db-cursors/account-and-positions", test_account_and_positions);
        return g_test_run();
}
