/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "store.h"
#include "util.h"

static char *tmpdir(void) {
        g_autoptr(GError) e = NULL;
        char *d = g_dir_make_tmp("kt-store-XXXXXX", &e);
        g_assert_no_error(e);
        return d;
}

static void rm_rf(const char *dir) {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
        g_assert_cmpint(system(cmd), ==, 0);
}

static void test_open_mode_wal(void) {
        g_autofree char *d = tmpdir();
        g_autofree char *state = g_build_filename(d, "state", NULL);
        g_autofree char *db = g_build_filename(state, "state.db", NULL);
        Store *s = NULL;
        struct stat st;

        g_assert_cmpint(store_open(&s, state), ==, 0);
        g_assert_cmpint(stat(db, &st), ==, 0);
        g_assert_cmpint(st.st_mode & 0777, ==, 0600);
        g_assert_cmpint(stat(state, &st), ==, 0);
        g_assert_cmpint(st.st_mode & 0077, ==, 0);
        g_assert_cmpint(store_schema_version(s), ==, STORE_SCHEMA_VERSION);

        sqlite3_stmt *q;
        g_assert_cmpint(sqlite3_prepare_v2(store_db(s), "PRAGMA journal_mode", -1, &q, NULL), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_step(q), ==, SQLITE_ROW);
        g_assert_cmpstr((const char *) sqlite3_column_text(q, 0), ==, "wal");
        sqlite3_finalize(q);
        store_free(s);

        /* A loosened mode is tightened again on open. */
        g_assert_cmpint(chmod(db, 0644), ==, 0);
        g_assert_cmpint(store_open(&s, state), ==, 0);
        g_assert_cmpint(stat(db, &st), ==, 0);
        g_assert_cmpint(st.st_mode & 0777, ==, 0600);
        store_free(s);
        rm_rf(d);
}

static void test_settings_and_credentials(void) {
        g_autofree char *d = tmpdir();
        Store *s = NULL;
        char *v = NULL;
        uint64_t u;

        g_assert_cmpint(store_open(&s, d), ==, 0);
        g_assert_cmpint(store_get_setting(s, "missing", &v), ==, -ENOENT);
        g_assert_cmpint(store_set_setting(s, "k", "v1"), ==, 0);
        g_assert_cmpint(store_set_setting(s, "k", "v2"), ==, 0);
        g_assert_cmpint(store_get_setting(s, "k", &v), ==, 0);
        g_assert_cmpstr(v, ==, "v2");
        g_free(v);
        g_assert_cmpint(store_set_setting(s, "k", NULL), ==, 0);
        g_assert_cmpint(store_get_setting(s, "k", NULL), ==, -ENOENT);
        g_assert_cmpint(store_set_setting_u64(s, "n", UINT64_C(18446744073709551615)), ==, 0);
        g_assert_cmpint(store_get_setting_u64(s, "n", &u), ==, 0);
        g_assert_true(u == UINT64_C(18446744073709551615));

        char *id = NULL, *secret = NULL;
        g_assert_cmpint(store_get_credentials(s, &id, &secret), ==, -ENOENT);
        g_assert_cmpint(store_set_credentials(s, "the-id", "the-secret"), ==, 0);
        g_assert_cmpint(store_get_credentials(s, &id, &secret), ==, 0);
        g_assert_cmpstr(id, ==, "the-id");
        g_assert_cmpstr(secret, ==, "the-secret");
        free(id);
        free(secret);
        store_free(s);
        rm_rf(d);
}

static void test_tokens(void) {
        g_autofree char *d = tmpdir();
        Store *s = NULL;
        char *a = NULL, *r = NULL;
        int64_t c = 0, e = 0;

        g_assert_cmpint(store_open(&s, d), ==, 0);
        g_assert_cmpint(store_get_tokens(s, &a, &r, &c, &e), ==, -ENOENT);
        g_assert_cmpint(store_set_tokens(s, "acc1", "ref1", 1000, 2000), ==, 0);
        g_assert_cmpint(store_set_tokens(s, "acc2", "ref2", 3000, 4000), ==, 0);
        store_free(s);
        /* Durable across reopen. */
        g_assert_cmpint(store_open(&s, d), ==, 0);
        g_assert_cmpint(store_get_tokens(s, &a, &r, &c, &e), ==, 0);
        g_assert_cmpstr(a, ==, "acc2");
        g_assert_cmpstr(r, ==, "ref2");
        g_assert_cmpint(c, ==, 3000);
        g_assert_cmpint(e, ==, 4000);
        free(a);
        free(r);
        g_assert_cmpint(store_clear_tokens(s), ==, 0);
        g_assert_cmpint(store_get_tokens(s, NULL, NULL, NULL, NULL), ==, -ENOENT);
        store_free(s);
        rm_rf(d);
}

static void test_toggles(void) {
        g_autofree char *d = tmpdir();
        Store *s = NULL;
        bool on = false;

        g_assert_cmpint(store_open(&s, d), ==, 0);
        for (size_t i = 0; i < ELEMENTSOF(store_categories); i++) {
                g_assert_cmpint(store_get_toggle(s, store_categories[i], &on), ==, 0);
                g_assert_true(on);
        }
        g_assert_cmpint(store_set_toggle(s, "ratings", false), ==, 0);
        g_assert_cmpint(store_set_toggle(s, "bogus", false), ==, -EINVAL);
        g_assert_cmpint(store_get_toggle(s, "bogus", &on), ==, -EINVAL);
        g_assert_false(store_category_valid("Ratings"));
        g_assert_false(store_category_valid(NULL));
        store_free(s);
        g_assert_cmpint(store_open(&s, d), ==, 0);
        g_assert_cmpint(store_get_toggle(s, "ratings", &on), ==, 0);
        g_assert_false(on);
        g_assert_cmpint(store_get_toggle(s, "history", &on), ==, 0);
        g_assert_true(on);
        store_free(s);
        rm_rf(d);
}

static void test_outbox_pending(void) {
        g_autofree char *d = tmpdir();
        Store *s = NULL;
        unsigned n = 99;

        g_assert_cmpint(store_open(&s, d), ==, 0);
        g_assert_cmpint(store_outbox_pending(s, &n), ==, 0);
        g_assert_cmpuint(n, ==, 0);
        g_assert_cmpint(sqlite3_exec(store_db(s),
                                     "INSERT INTO outbox(created_at, kind, category, payload) VALUES (1, 'history_add', 'history', '{}');"
                                     "INSERT INTO outbox(created_at, kind, category, payload) VALUES (2, 'history_add', 'history', '{}');"
                                     "INSERT INTO outbox(created_at, kind, category, payload, state) VALUES (3, 'history_add', 'history', '{}', 'sent');",
                                     NULL, NULL, NULL),
                         ==, SQLITE_OK);
        g_assert_cmpint(store_outbox_pending(s, &n), ==, 0);
        g_assert_cmpuint(n, ==, 2);
        store_free(s);
        rm_rf(d);
}

static void test_migrate_v1_fixture(void) {
        g_autofree char *d = tmpdir();
        g_autofree char *db = g_build_filename(d, "state.db", NULL);
        g_autofree char *fixture = g_build_filename(g_getenv("KT_FIXTURES"), "state-v1.sql", NULL);
        g_autofree char *sql = NULL;
        sqlite3 *raw;
        Store *s = NULL;
        bool on = true;
        char *v = NULL;

        g_assert_true(g_file_get_contents(fixture, &sql, NULL, NULL));
        g_assert_cmpint(sqlite3_open(db, &raw), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_exec(raw, sql, NULL, NULL, NULL), ==, SQLITE_OK);
        sqlite3_close(raw);

        g_assert_cmpint(store_open_file(&s, db), ==, 0);
        g_assert_cmpint(store_schema_version(s), ==, STORE_SCHEMA_VERSION);
        g_assert_cmpint(store_get_setting(s, "client_id", &v), ==, 0);
        g_assert_cmpstr(v, ==, "v1-client-id");
        free(v);
        g_assert_cmpint(store_get_toggle(s, "collection", &on), ==, 0);
        g_assert_false(on);
        /* The new tables exist. */
        g_assert_cmpint(sqlite3_exec(store_db(s), "SELECT COUNT(*) FROM outbox; SELECT COUNT(*) FROM history;", NULL, NULL, NULL), ==, SQLITE_OK);
        store_free(s);
        /* Opening again changes nothing. */
        g_assert_cmpint(store_open_file(&s, db), ==, 0);
        g_assert_cmpint(store_schema_version(s), ==, STORE_SCHEMA_VERSION);
        store_free(s);
        rm_rf(d);
}

static void test_garbage_file(void) {
        g_autofree char *d = tmpdir();
        g_autofree char *db = g_build_filename(d, "state.db", NULL);
        Store *s = NULL;
        g_assert_true(g_file_set_contents(db, "this is not a database, just some text that is long enough to matter....", -1, NULL));
        g_assert_cmpint(store_open_file(&s, db), <, 0);
        g_assert_null(s);

        /* A database from a newer release is left alone. */
        g_assert_cmpint(g_unlink(db), ==, 0);
        sqlite3 *raw;
        g_assert_cmpint(sqlite3_open(db, &raw), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_exec(raw, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
        sqlite3_close(raw);
        g_assert_cmpint(store_open_file(&s, db), <, 0);
        rm_rf(d);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/store/open-mode-wal", test_open_mode_wal);
        g_test_add_func("/store/settings-and-credentials", test_settings_and_credentials);
        g_test_add_func("/store/tokens", test_tokens);
        g_test_add_func("/store/toggles", test_toggles);
        g_test_add_func("/store/outbox-pending", test_outbox_pending);
        g_test_add_func("/store/migrate-v1-fixture", test_migrate_v1_fixture);
        g_test_add_func("/store/garbage-file", test_garbage_file);
        return g_test_run();
}
