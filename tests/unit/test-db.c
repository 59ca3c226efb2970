/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

#include "db-outbox.h"
#include "db-private.h"
#include "util.h"

static char *tmpdir(void) {
        g_autoptr(GError) e = NULL;
        char *d = g_dir_make_tmp("kt-db-XXXXXX", &e);
        g_assert_no_error(e);
        return d;
}

static void rm_rf(const char *dir) {
        g_autofree char *cmd = g_strdup_printf("rm -rf '%s'", dir);
        g_assert_cmpint(system(cmd), ==, 0);
}

static unsigned file_mode(const char *path) {
        struct stat st;
        g_assert_cmpint(stat(path, &st), ==, 0);
        return st.st_mode & 07777;
}

/* The first column of the first row of sql, as text (NULL if no row). */
static char *query_text(sqlite3 *db, const char *sql) {
        sqlite3_stmt *q = NULL;
        char *r = NULL;
        g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &q, NULL), ==, SQLITE_OK);
        if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
                r = g_strdup((const char *) sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
        return r;
}

static int64_t query_int(sqlite3 *db, const char *sql) {
        sqlite3_stmt *q = NULL;
        int64_t r = -1;
        g_assert_cmpint(sqlite3_prepare_v2(db, sql, -1, &q, NULL), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_step(q), ==, SQLITE_ROW);
        r = sqlite3_column_int64(q, 0);
        sqlite3_finalize(q);
        return r;
}

static int sql(Db *s, const char *text) {
        return sqlite3_exec(db_sqlite(s), text, NULL, NULL, NULL);
}

/* Builds a database file from the checked-in version-1 dump. */
static void load_v1_fixture(const char *db) {
        const char *dir = g_getenv("KT_FIXTURES");
        g_assert_nonnull(dir); /* set by tests/unit/meson.build */
        g_autofree char *fixture = g_build_filename(dir, "state-v1.sql", NULL);
        g_autofree char *text = NULL;
        g_autoptr(GError) e = NULL;
        sqlite3 *raw = NULL;

        g_assert_true(g_file_get_contents(fixture, &text, NULL, &e));
        g_assert_no_error(e);
        g_assert_cmpint(sqlite3_open(db, &raw), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_exec(raw, text, NULL, NULL, NULL), ==, SQLITE_OK);
        g_assert_cmpint(query_int(raw, "PRAGMA user_version"), ==, 1);
        sqlite3_close(raw);
}

static void test_open_files_and_pragmas(void) {
        g_autofree char *d = tmpdir();
        g_autofree char *state = g_build_filename(d, "state", NULL);
        g_autofree char *db = g_build_filename(state, "state.db", NULL);
        g_autofree char *wal = g_strconcat(db, "-wal", NULL);
        g_autofree char *shm = g_strconcat(db, "-shm", NULL);
        Db *s = NULL;

        /* Private files whatever the umask says. */
        mode_t old = umask(0);
        g_assert_cmpint(db_open(&s, state), ==, 0);
        umask(old);
        g_assert_nonnull(s);
        g_assert_cmpuint(file_mode(state), ==, 0700);
        g_assert_cmpuint(file_mode(db), ==, 0600);
        g_assert_cmpint(db_schema_version(s), ==, DB_SCHEMA_VERSION);
        g_assert_cmpint(db_set_setting(s, "k", "v"), ==, 0);
        g_assert_cmpuint(file_mode(wal), ==, 0600);
        g_assert_cmpuint(file_mode(shm), ==, 0600);

        sqlite3 *h = db_sqlite(s);
        g_autofree char *mode = query_text(h, "PRAGMA journal_mode");
        g_assert_cmpstr(mode, ==, "wal");
        g_assert_cmpint(query_int(h, "PRAGMA synchronous"), ==, 2); /* FULL */
        g_assert_cmpint(query_int(h, "PRAGMA foreign_keys"), ==, 1);
        g_assert_cmpint(query_int(h, "PRAGMA busy_timeout"), >, 0);
        g_assert_cmpint(query_int(h, "PRAGMA user_version"), ==, DB_SCHEMA_VERSION);
        s = db_free(s);

        /* Loosened modes are tightened again on open: the database and the
         * WAL files another connection keeps alive. */
        sqlite3 *keep = NULL;
        g_assert_cmpint(sqlite3_open(db, &keep), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_exec(keep, "INSERT INTO settings VALUES ('x', 'y')", NULL, NULL, NULL), ==, SQLITE_OK);
        g_assert_cmpint(chmod(db, 0644), ==, 0);
        g_assert_cmpint(chmod(wal, 0644), ==, 0);
        g_assert_cmpint(chmod(shm, 0666), ==, 0);
        g_assert_cmpint(db_open(&s, state), ==, 0);
        g_assert_cmpuint(file_mode(db), ==, 0600);
        g_assert_cmpuint(file_mode(wal), ==, 0600);
        g_assert_cmpuint(file_mode(shm), ==, 0600);
        s = db_free(s);
        sqlite3_close(keep);
        rm_rf(d);
}

static void test_schema(void) {
        g_autofree char *d = tmpdir();
        Db *s = NULL;
        static const char *const tables[] = {
                "settings", "toggles", "outbox", "history", "ratings", "lists", "list_items", "collection",
                "resume_points", "recommendations", "sync_cursors", "not_found",
        };
        static const char *const indexes[] = { "history_watched_at", "history_media", "outbox_state" };

        g_assert_cmpint(db_open(&s, d), ==, 0);
        for (size_t i = 0; i < ELEMENTSOF(tables); i++) {
                g_autofree char *q = g_strdup_printf("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'", tables[i]);
                if (query_int(db_sqlite(s), q) != 1)
                        g_error("table %s missing", tables[i]);
        }
        for (size_t i = 0; i < ELEMENTSOF(indexes); i++) {
                g_autofree char *q = g_strdup_printf("SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = '%s'", indexes[i]);
                if (query_int(db_sqlite(s), q) != 1)
                        g_error("index %s missing", indexes[i]);
        }
        g_autofree char *ok = query_text(db_sqlite(s), "PRAGMA integrity_check");
        g_assert_cmpstr(ok, ==, "ok");

        /* The constraints later features rely on. */
        g_assert_cmpint(sql(s, "INSERT INTO history(media_key, media, watched_at, origin) VALUES ('m', '{}', 1, 'local')"), ==, SQLITE_OK);
        g_assert_cmpint(sql(s, "INSERT INTO history(media_key, media, watched_at, origin) VALUES ('m', '{}', 2, 'trakt')"), ==, SQLITE_OK);
        g_assert_cmpint(sql(s, "INSERT INTO history(media_key, media, watched_at, origin) VALUES ('m', '{}', 3, 'elsewhere')"), !=, SQLITE_OK);
        g_assert_cmpint(query_int(db_sqlite(s), "SELECT COUNT(*) FROM history WHERE private = 0 AND pushed = 0"), ==, 2);
        g_assert_cmpint(sql(s, "INSERT INTO history(media_key, media, watched_at, origin, trakt_history_id) VALUES ('m', '{}', 4, 'trakt', 77)"), ==, SQLITE_OK);
        g_assert_cmpint(sql(s, "INSERT INTO history(media_key, media, watched_at, origin, trakt_history_id) VALUES ('n', '{}', 5, 'trakt', 77)"), !=, SQLITE_OK);
        g_assert_cmpint(sql(s, "INSERT INTO ratings(media_key, media, rating, rated_at) VALUES ('m', '{}', 10, 1)"), ==, SQLITE_OK);
        g_assert_cmpint(sql(s, "INSERT INTO ratings(media_key, media, rating, rated_at) VALUES ('n', '{}', 11, 1)"), !=, SQLITE_OK);
        g_assert_cmpint(sql(s, "INSERT INTO ratings(media_key, media, rating, rated_at) VALUES ('o', '{}', 0, 1)"), !=, SQLITE_OK);
        g_assert_cmpint(sql(s, "INSERT INTO lists(id, name, url, kind) VALUES ('l', 'L', 'u', 'shared')"), !=, SQLITE_OK);
        g_assert_cmpint(sql(s, "INSERT INTO recommendations(kind, position, media_key, media) VALUES ('episode', 0, 'm', '{}')"), !=, SQLITE_OK);

        /* foreign_keys=ON is in force: orphans refused, items go with their list. */
        g_assert_cmpint(sql(s, "INSERT INTO list_items(list_id, position, media_key, media) VALUES ('nope', 0, 'm', '{}')"), !=, SQLITE_OK);
        g_assert_cmpint(sql(s, "INSERT INTO lists(id, name, url, kind) VALUES ('w', 'Watchlist', 'u', 'watchlist');"
                               "INSERT INTO list_items(list_id, position, media_key, media) VALUES ('w', 0, 'm', '{}');"
                               "INSERT INTO list_items(list_id, position, media_key, media) VALUES ('w', 1, 'n', '{}');"),
                         ==, SQLITE_OK);
        g_assert_cmpint(query_int(db_sqlite(s), "SELECT COUNT(*) FROM list_items"), ==, 2);
        g_assert_cmpint(sql(s, "DELETE FROM lists WHERE id = 'w'"), ==, SQLITE_OK);
        g_assert_cmpint(query_int(db_sqlite(s), "SELECT COUNT(*) FROM list_items"), ==, 0);
        s = db_free(s);
        rm_rf(d);
}

static void test_settings(void) {
        g_autofree char *d = tmpdir();
        Db *s = NULL;
        char *v = NULL;
        uint64_t u = 7;

        g_assert_cmpint(db_open(&s, d), ==, 0);
        g_assert_cmpint(db_get_setting(s, "missing", &v), ==, -ENOENT);
        g_assert_null(v);
        g_assert_cmpint(db_set_setting(s, "k", "v1"), ==, 0);
        g_assert_cmpint(db_set_setting(s, "k", "v2 – ünïcode"), ==, 0);
        g_assert_cmpint(db_get_setting(s, "k", &v), ==, 0);
        g_assert_cmpstr(v, ==, "v2 – ünïcode");
        free(v);
        g_assert_cmpint(db_get_setting(s, "k", NULL), ==, 0);
        g_assert_cmpint(db_set_setting(s, "empty", ""), ==, 0); /* empty is a value, not absence */
        g_assert_cmpint(db_get_setting(s, "empty", &v), ==, 0);
        g_assert_cmpstr(v, ==, "");
        free(v);
        g_assert_cmpint(db_set_setting(s, "k", NULL), ==, 0);
        g_assert_cmpint(db_get_setting(s, "k", NULL), ==, -ENOENT);
        g_assert_cmpint(db_set_setting(s, "k", NULL), ==, 0); /* deleting twice is fine */

        g_assert_cmpint(db_get_setting_u64(s, "n", &u), ==, -ENOENT);
        g_assert_cmpint(db_set_setting_u64(s, "n", UINT64_MAX), ==, 0);
        g_assert_cmpint(db_get_setting_u64(s, "n", &u), ==, 0);
        g_assert_true(u == UINT64_MAX);
        g_assert_cmpint(db_set_setting_u64(s, "n", 0), ==, 0);
        g_assert_cmpint(db_get_setting_u64(s, "n", &u), ==, 0);
        g_assert_true(u == 0);
        g_assert_cmpint(db_set_setting_u64(s, "last_sync", UINT64_C(1764000000123456)), ==, 0);
        s = db_free(s);

        /* Persisted. */
        g_assert_cmpint(db_open(&s, d), ==, 0);
        g_assert_cmpint(db_get_setting_u64(s, "last_sync", &u), ==, 0);
        g_assert_true(u == UINT64_C(1764000000123456));
        g_assert_cmpint(db_get_setting(s, "empty", NULL), ==, 0);

        /* Not numbers. */
        static const char *const bad[] = { "", "abc", "12x", "-1", " 5", "+5", "18446744073709551616" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                g_assert_cmpint(db_set_setting(s, "n", bad[i]), ==, 0);
                if (db_get_setting_u64(s, "n", &u) != -EINVAL)
                        g_error("'%s' read as a number", bad[i]);
        }
        s = db_free(s);
        rm_rf(d);
}

static void test_credentials(void) {
        g_autofree char *d = tmpdir();
        Db *s = NULL;
        char *id = NULL, *secret = NULL;

        g_assert_cmpint(db_open(&s, d), ==, 0);
        g_assert_cmpint(db_get_credentials(s, &id, &secret), ==, -ENOENT);
        g_assert_cmpint(db_set_credentials(s, "the-id", "the-secret"), ==, 0);
        g_assert_cmpint(db_set_credentials(s, "id-2", "secret-2"), ==, 0);
        s = db_free(s);

        g_assert_cmpint(db_open(&s, d), ==, 0);
        g_assert_cmpint(db_get_credentials(s, &id, &secret), ==, 0);
        g_assert_cmpstr(id, ==, "id-2");
        g_assert_cmpstr(secret, ==, "secret-2");
        free(id);
        free(secret);
        g_assert_cmpint(db_get_credentials(s, NULL, NULL), ==, 0);
        /* They live in settings, as the later features expect. */
        g_assert_cmpint(db_get_setting(s, "client_id", &id), ==, 0);
        g_assert_cmpstr(id, ==, "id-2");
        free(id);
        /* Half a pair is no pair. */
        g_assert_cmpint(db_set_setting(s, "client_secret", NULL), ==, 0);
        g_assert_cmpint(db_get_credentials(s, &id, &secret), ==, -ENOENT);
        s = db_free(s);
        rm_rf(d);
}

static void test_tokens(void) {
        g_autofree char *d = tmpdir();
        Db *s = NULL;
        char *a = NULL, *r = NULL;
        int64_t c = 0, e = 0;

        g_assert_cmpint(db_open(&s, d), ==, 0);
        g_assert_cmpint(db_set_credentials(s, "id", "secret"), ==, 0);
        g_assert_cmpint(db_get_tokens(s, &a, &r, &c, &e), ==, -ENOENT);
        g_assert_cmpint(db_set_tokens(s, "acc1", "ref1", 1000, 2000), ==, 0);
        g_assert_cmpint(db_set_tokens(s, "acc2", "ref2", INT64_C(1764000000), INT64_C(1764086400)), ==, 0);
        g_assert_cmpint(db_set_tokens(s, NULL, "ref3", 1, 2), ==, -EINVAL);
        s = db_free(s);

        /* Durable across reopen. */
        g_assert_cmpint(db_open(&s, d), ==, 0);
        g_assert_cmpint(db_get_tokens(s, &a, &r, &c, &e), ==, 0);
        g_assert_cmpstr(a, ==, "acc2");
        g_assert_cmpstr(r, ==, "ref2");
        g_assert_cmpint(c, ==, INT64_C(1764000000));
        g_assert_cmpint(e, ==, INT64_C(1764086400));
        free(a);
        free(r);

        /* Atomic: when the last of the four writes fails, none of them lands. */
        g_assert_cmpint(sql(s, "CREATE TEMP TRIGGER fail_ins BEFORE INSERT ON main.settings WHEN NEW.key = 'token_expires_at' "
                               "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;"
                               "CREATE TEMP TRIGGER fail_upd BEFORE UPDATE ON main.settings WHEN NEW.key = 'token_expires_at' "
                               "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END;"),
                         ==, SQLITE_OK);
        g_assert_cmpint(db_set_tokens(s, "acc3", "ref3", 5000, 6000), <, 0);
        g_assert_true(sqlite3_get_autocommit(db_sqlite(s))); /* no transaction left open */
        g_assert_cmpint(db_get_tokens(s, &a, &r, &c, &e), ==, 0);
        g_assert_cmpstr(a, ==, "acc2");
        g_assert_cmpstr(r, ==, "ref2");
        g_assert_cmpint(c, ==, INT64_C(1764000000));
        g_assert_cmpint(e, ==, INT64_C(1764086400));
        free(a);
        free(r);
        g_assert_cmpint(sql(s, "DROP TRIGGER temp.fail_ins; DROP TRIGGER temp.fail_upd;"), ==, SQLITE_OK);

        /* Inside a caller's transaction they follow its fate. */
        g_assert_cmpint(db_begin(s), ==, 0);
        g_assert_cmpint(db_set_tokens(s, "acc4", "ref4", 7000, 8000), ==, 0);
        g_assert_cmpint(db_set_credentials(s, "id4", "secret4"), ==, 0);
        g_assert_cmpint(db_rollback(s), ==, 0);
        g_assert_cmpint(db_get_tokens(s, &a, NULL, NULL, NULL), ==, 0);
        g_assert_cmpstr(a, ==, "acc2");
        free(a);
        g_assert_cmpint(db_begin(s), ==, 0);
        g_assert_cmpint(db_set_tokens(s, "acc5", "ref5", 9000, 9500), ==, 0);
        g_assert_cmpint(db_commit(s), ==, 0);
        g_assert_cmpint(db_get_tokens(s, &a, &r, &c, &e), ==, 0);
        g_assert_cmpstr(a, ==, "acc5");
        g_assert_cmpstr(r, ==, "ref5");
        g_assert_cmpint(c, ==, 9000);
        g_assert_cmpint(e, ==, 9500);
        free(a);
        free(r);

        /* Clearing drops the pair and keeps the credentials. */
        g_assert_cmpint(db_clear_tokens(s), ==, 0);
        g_assert_cmpint(db_get_tokens(s, NULL, NULL, NULL, NULL), ==, -ENOENT);
        g_assert_cmpint(db_get_setting(s, "token_expires_at", NULL), ==, -ENOENT);
        g_assert_cmpint(db_get_credentials(s, NULL, NULL), ==, 0);
        s = db_free(s);
        rm_rf(d);
}

static void test_toggles(void) {
        g_autofree char *d = tmpdir();
        Db *s = NULL;
        bool on = false;

        static const char *const contract[] = { "scrobble", "history", "ratings", "watchlist", "collection", "resume", "recommendations" };
        g_assert_cmpuint(ELEMENTSOF(kt_categories), ==, ELEMENTSOF(contract));
        for (size_t i = 0; i < ELEMENTSOF(contract); i++) {
                g_assert_cmpstr(kt_categories[i], ==, contract[i]);
                g_assert_true(kt_category_valid(contract[i]));
        }
        static const char *const bad[] = { "bogus", "", "Ratings", "scrobble ", "resume_points", "recommendation" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                g_assert_false(kt_category_valid(bad[i]));
        g_assert_false(kt_category_valid(NULL));

        g_assert_cmpint(db_open(&s, d), ==, 0);
        for (size_t i = 0; i < ELEMENTSOF(kt_categories); i++) {
                on = false;
                g_assert_cmpint(db_get_toggle(s, kt_categories[i], &on), ==, 0);
                g_assert_true(on);
        }
        g_assert_cmpint(db_set_toggle(s, "ratings", false), ==, 0);
        g_assert_cmpint(db_set_toggle(s, "resume", false), ==, 0);
        g_assert_cmpint(db_set_toggle(s, "resume", true), ==, 0);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                g_assert_cmpint(db_set_toggle(s, bad[i], false), ==, -EINVAL);
                g_assert_cmpint(db_get_toggle(s, bad[i], &on), ==, -EINVAL);
        }
        g_assert_cmpint(db_set_toggle(s, NULL, false), ==, -EINVAL);
        g_assert_cmpint(query_int(db_sqlite(s), "SELECT COUNT(*) FROM toggles"), ==, 2);
        s = db_free(s);

        g_assert_cmpint(db_open(&s, d), ==, 0);
        for (size_t i = 0; i < ELEMENTSOF(kt_categories); i++) {
                g_assert_cmpint(db_get_toggle(s, kt_categories[i], &on), ==, 0);
                g_assert_true(on == !streq(kt_categories[i], "ratings"));
        }
        s = db_free(s);
        rm_rf(d);
}

static void test_outbox_pending(void) {
        g_autofree char *d = tmpdir();
        Db *s = NULL;
        unsigned n = 99;

        g_assert_cmpint(db_open(&s, d), ==, 0);
        g_assert_cmpint(db_outbox_pending(s, &n), ==, 0);
        g_assert_cmpuint(n, ==, 0);
        g_assert_cmpint(sql(s, "INSERT INTO outbox(created_at, kind, category, payload, idem_key) VALUES (1, 'scrobble_start', 'scrobble', '{}', 'a');"
                               "INSERT INTO outbox(created_at, kind, category, payload, idem_key) VALUES (2, 'history_add', 'history', '{}', 'b');"
                               "INSERT INTO outbox(created_at, kind, category, payload, state) VALUES (3, 'history_add', 'history', '{}', 'sent');"
                               "INSERT INTO outbox(created_at, kind, category, payload, state) VALUES (4, 'rating_set', 'ratings', '{}', 'failed');"
                               "INSERT INTO outbox(created_at, kind, category, payload, state) VALUES (5, 'scrobble_pause', 'scrobble', '{}', 'dropped');"),
                         ==, SQLITE_OK);
        g_assert_cmpint(db_outbox_pending(s, &n), ==, 0);
        g_assert_cmpuint(n, ==, 2);
        /* Defaults and constraints the outbox relies on. */
        g_assert_cmpint(query_int(db_sqlite(s), "SELECT attempts + next_attempt_at FROM outbox WHERE idem_key = 'a'"), ==, 0);
        g_assert_cmpint(sql(s, "INSERT INTO outbox(created_at, kind, category, payload, idem_key) VALUES (6, 'history_add', 'history', '{}', 'a')"), !=, SQLITE_OK);
        g_assert_cmpint(sql(s, "INSERT INTO outbox(created_at, kind, category, payload, state) VALUES (6, 'history_add', 'history', '{}', 'lost')"), !=, SQLITE_OK);
        /* Ids are never reused, so the delivery order stays the insertion order. */
        g_assert_cmpint(sql(s, "DELETE FROM outbox WHERE id = 5; INSERT INTO outbox(created_at, kind, category, payload) VALUES (7, 'history_add', 'history', '{}')"), ==, SQLITE_OK);
        g_assert_cmpint(query_int(db_sqlite(s), "SELECT MAX(id) FROM outbox"), ==, 6);
        g_assert_cmpint(db_outbox_pending(s, &n), ==, 0);
        g_assert_cmpuint(n, ==, 3);
        s = db_free(s);

        /* Counted again after a restart. */
        g_assert_cmpint(db_open(&s, d), ==, 0);
        g_assert_cmpint(db_outbox_pending(s, &n), ==, 0);
        g_assert_cmpuint(n, ==, 3);
        s = db_free(s);
        rm_rf(d);
}

static void test_migrate_v1_fixture(void) {
        g_autofree char *d = tmpdir();
        g_autofree char *db = g_build_filename(d, "state.db", NULL);
        Db *s = NULL;
        bool on = true;
        char *v = NULL, *id = NULL, *secret = NULL;

        load_v1_fixture(db);
        g_assert_cmpint(chmod(db, 0644), ==, 0);

        g_assert_cmpint(db_open_file(&s, db), ==, 0);
        g_assert_cmpint(db_schema_version(s), ==, DB_SCHEMA_VERSION);
        g_assert_cmpuint(file_mode(db), ==, 0600);
        g_assert_cmpint(db_get_credentials(s, &id, &secret), ==, 0);
        g_assert_cmpstr(id, ==, "v1-client-id");
        g_assert_cmpstr(secret, ==, "v1-client-secret-0123");
        free(id);
        free(secret);
        g_assert_cmpint(db_get_setting(s, "connection", &v), ==, 0);
        g_assert_cmpstr(v, ==, "disconnected");
        free(v);
        for (size_t i = 0; i < ELEMENTSOF(kt_categories); i++) {
                g_assert_cmpint(db_get_toggle(s, kt_categories[i], &on), ==, 0);
                g_assert_true(on == !streq(kt_categories[i], "collection"));
        }
        /* The new tables exist and work. */
        unsigned n = 9;
        g_assert_cmpint(db_outbox_pending(s, &n), ==, 0);
        g_assert_cmpuint(n, ==, 0);
        g_assert_cmpint(db_set_tokens(s, "a", "r", 1, 2), ==, 0);
        g_assert_cmpint(sql(s, "SELECT COUNT(*) FROM history; SELECT COUNT(*) FROM not_found; SELECT COUNT(*) FROM sync_cursors;"), ==, SQLITE_OK);
        /* Schema 4: whose session recorded a play; 5: what Trakt's search said about titles; 6 rewrote list items. */
        g_assert_cmpint(sql(s, "SELECT uid FROM history; SELECT name, media, closest, looked_at, expires_at FROM title_cache;"), ==,
                        SQLITE_OK);
        g_autofree char *mode = query_text(db_sqlite(s), "PRAGMA journal_mode");
        g_assert_cmpstr(mode, ==, "wal");
        s = db_free(s);

        /* Opening again changes nothing. */
        g_assert_cmpint(db_open_file(&s, db), ==, 0);
        g_assert_cmpint(db_schema_version(s), ==, DB_SCHEMA_VERSION);
        g_assert_cmpint(db_get_credentials(s, &id, NULL), ==, 0);
        g_assert_cmpstr(id, ==, "v1-client-id");
        free(id);
        g_assert_cmpint(db_get_tokens(s, NULL, NULL, NULL, NULL), ==, 0);
        s = db_free(s);
        rm_rf(d);
}

static void test_migration_step_is_atomic(void) {
        g_autofree char *d = tmpdir();
        g_autofree char *db = g_build_filename(d, "state.db", NULL);
        Db *s = NULL;
        sqlite3 *raw = NULL;

        /* A version-1 database that makes step 2 fail half-way (a table
         * created late in the step already exists). */
        load_v1_fixture(db);
        g_assert_cmpint(sqlite3_open(db, &raw), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_exec(raw, "CREATE TABLE not_found (x)", NULL, NULL, NULL), ==, SQLITE_OK);
        sqlite3_close(raw);

        g_assert_cmpint(db_open_file(&s, db), <, 0);
        g_assert_null(s);

        /* Nothing of the step stayed; the version-1 data is untouched. */
        g_assert_cmpint(sqlite3_open(db, &raw), ==, SQLITE_OK);
        g_assert_cmpint(query_int(raw, "PRAGMA user_version"), ==, 1);
        g_assert_cmpint(query_int(raw, "SELECT COUNT(*) FROM sqlite_master WHERE name IN ('outbox', 'history', 'ratings')"), ==, 0);
        g_assert_cmpint(query_int(raw, "SELECT COUNT(*) FROM settings"), ==, 3);
        g_assert_cmpint(sqlite3_exec(raw, "DROP TABLE not_found", NULL, NULL, NULL), ==, SQLITE_OK);
        sqlite3_close(raw);

        /* Once the obstacle is gone the upgrade goes through. */
        g_assert_cmpint(db_open_file(&s, db), ==, 0);
        g_assert_cmpint(db_schema_version(s), ==, DB_SCHEMA_VERSION);
        g_assert_cmpint(db_get_credentials(s, NULL, NULL), ==, 0);
        s = db_free(s);
        rm_rf(d);
}

static void test_reopen(void) {
        g_autofree char *d = tmpdir();
        Db *s = NULL, *t = NULL;
        char *v = NULL;

        g_assert_cmpint(db_open(&s, d), ==, 0);
        g_assert_cmpint(db_set_setting(s, "k", "v"), ==, 0);
        s = db_free(s);
        for (int i = 0; i < 3; i++) {
                g_assert_cmpint(db_open(&s, d), ==, 0);
                g_assert_cmpint(db_schema_version(s), ==, DB_SCHEMA_VERSION);
                g_assert_cmpint(db_get_setting(s, "k", &v), ==, 0);
                g_assert_cmpstr(v, ==, "v");
                free(v);
                s = db_free(s);
        }

        /* Two handles on one file at once: the second neither migrates again
         * nor misses what the first commits. */
        g_assert_cmpint(db_open(&s, d), ==, 0);
        g_assert_cmpint(db_open(&t, d), ==, 0);
        g_assert_cmpint(db_set_tokens(s, "acc", "ref", 1, 2), ==, 0);
        g_assert_cmpint(db_get_tokens(t, &v, NULL, NULL, NULL), ==, 0);
        g_assert_cmpstr(v, ==, "acc");
        free(v);
        t = db_free(t);
        s = db_free(s);
        g_assert_null(db_free(NULL));

        /* An empty file (as store_open creates it) is a fresh database. */
        g_autofree char *empty = g_build_filename(d, "empty.db", NULL);
        g_assert_true(g_file_set_contents(empty, "", 0, NULL));
        g_assert_cmpint(db_open_file(&s, empty), ==, 0);
        g_assert_cmpint(db_schema_version(s), ==, DB_SCHEMA_VERSION);
        s = db_free(s);
        rm_rf(d);
}

static void test_bad_files(void) {
        g_autofree char *d = tmpdir();
        g_autofree char *db = g_build_filename(d, "state.db", NULL);
        Db *s = NULL;
        sqlite3 *raw = NULL;

        /* Not a database: a clean error, no crash, no store. */
        g_assert_true(g_file_set_contents(db, "this is not a database, just some text that is long enough to matter....", -1, NULL));
        g_assert_cmpint(db_open_file(&s, db), <, 0);
        g_assert_null(s);
        g_assert_cmpint(db_open(&s, d), <, 0);
        g_assert_null(s);

        /* A corrupted database: a valid header, garbage pages. */
        g_assert_cmpint(g_unlink(db), ==, 0);
        g_assert_cmpint(db_open_file(&s, db), ==, 0);
        s = db_free(s);
        g_autofree char *bytes = NULL;
        gsize len = 0;
        g_assert_true(g_file_get_contents(db, &bytes, &len, NULL));
        g_assert_cmpuint(len, >, 4096);
        memset(bytes + 100, 0xa5, len - 100);
        g_assert_true(g_file_set_contents(db, bytes, (gssize) len, NULL));
        g_assert_cmpint(db_open_file(&s, db), <, 0);
        g_assert_null(s);

        /* A database from a newer release is left alone. */
        g_assert_cmpint(g_unlink(db), ==, 0);
        g_assert_cmpint(sqlite3_open(db, &raw), ==, SQLITE_OK);
        g_assert_cmpint(sqlite3_exec(raw, "PRAGMA user_version = 99", NULL, NULL, NULL), ==, SQLITE_OK);
        sqlite3_close(raw);
        g_assert_cmpint(db_open_file(&s, db), ==, -EPROTONOSUPPORT);
        g_assert_null(s);
        g_assert_cmpint(sqlite3_open(db, &raw), ==, SQLITE_OK);
        g_assert_cmpint(query_int(raw, "PRAGMA user_version"), ==, 99);
        g_assert_cmpint(query_int(raw, "SELECT COUNT(*) FROM sqlite_master"), ==, 0);
        sqlite3_close(raw);

        /* Paths that cannot work. */
        g_autofree char *nodir = g_build_filename(d, "missing", "state.db", NULL);
        g_assert_cmpint(db_open_file(&s, nodir), ==, -ENOENT);
        g_assert_cmpint(db_open_file(&s, d), <, 0); /* a folder */
        g_autofree char *file = g_build_filename(d, "plain", NULL);
        g_assert_true(g_file_set_contents(file, "x", -1, NULL));
        g_assert_cmpint(db_open(&s, file), <, 0); /* state "folder" is a file */
        g_assert_null(s);
        rm_rf(d);
}

/* Schema 7: private resume points, per uid. The household's stay as they were. */
static void test_migrate_private_resume_points(void) {
        g_autofree char *d = tmpdir();
        g_autofree char *db = g_build_filename(d, "state.db", NULL);
        Db *s = NULL;

        g_assert_cmpint(db_open_file(&s, db), ==, 0);
        g_assert_cmpint(sql(s, "DROP TABLE private_resume_points;"
                               "INSERT INTO resume_points(media_key, media, progress, paused_at) VALUES ('m', 'M', 42, 5);"
                               "PRAGMA user_version = 6;"),
                        ==, SQLITE_OK);
        s = db_free(s);

        g_assert_cmpint(db_open_file(&s, db), ==, 0);
        g_assert_cmpint(db_schema_version(s), ==, DB_SCHEMA_VERSION);
        g_assert_cmpint(query_int(db_sqlite(s), "SELECT count(*) FROM private_resume_points"), ==, 0);
        g_assert_cmpint(query_int(db_sqlite(s), "SELECT progress FROM resume_points WHERE media_key = 'm'"), ==, 42);
        s = db_free(s);
        rm_rf(d);
}

/* Schema 6: list_items.media has one shape. A followed list stored by an
 * older release kept Trakt's raw list item; the upgrade makes it the
 * wrapper every other table keeps, and leaves wrappers as they are. */
static void test_migrate_list_items_shape(void) {
        g_autofree char *d = tmpdir();
        g_autofree char *db = g_build_filename(d, "state.db", NULL);
        Db *s = NULL;

        g_assert_cmpint(db_open_file(&s, db), ==, 0);
        g_assert_cmpint(sql(s, "INSERT INTO lists(id, name, url, kind) VALUES ('watchlist', 'W', 'u', 'watchlist'), ('sean/l', 'L', 'u', 'custom');"
                               "INSERT INTO list_items(list_id, position, media_key, media, listed_at) VALUES"
                               " ('watchlist', 0, 'movie:trakt=1', '{\"type\":\"movie\",\"movie\":{\"title\":\"A\",\"year\":2001,\"ids\":{\"trakt\":1}}}', 5),"
                               " ('sean/l', 0, 'movie:trakt=2', '{\"rank\":1,\"id\":101,\"listed_at\":\"2024-01-01T00:00:00.000Z\",\"notes\":null,"
                               "\"type\":\"movie\",\"movie\":{\"title\":\"B\",\"year\":2002,\"ids\":{\"trakt\":2,\"imdb\":\"tt2\"}}}', 6),"
                               " ('sean/l', 1, 'episode:trakt=3', '{\"rank\":2,\"id\":102,\"listed_at\":\"2024-01-02T00:00:00.000Z\",\"type\":\"episode\","
                               "\"episode\":{\"season\":1,\"number\":2,\"title\":\"E\",\"ids\":{\"trakt\":3}},"
                               "\"show\":{\"title\":\"S\",\"year\":2010,\"ids\":{\"trakt\":30}}}', 7),"
                               " ('sean/l', 2, 'show:trakt=4', '{\"rank\":3,\"id\":103,\"type\":\"show\",\"show\":{\"title\":\"T\",\"ids\":{\"trakt\":4}}}', 8),"
                               " ('sean/l', 3, 'x', 'not json', 9);"
                               "DROP TABLE private_resume_points;" /* schema 7 */
                               "PRAGMA user_version = 5;"),
                         ==, SQLITE_OK);
        s = db_free(s);

        g_assert_cmpint(db_open_file(&s, db), ==, 0);
        g_assert_cmpint(db_schema_version(s), ==, DB_SCHEMA_VERSION);
        static const char *const want[] = {
                "{\"type\":\"movie\",\"movie\":{\"title\":\"A\",\"year\":2001,\"ids\":{\"trakt\":1}}}",
                "{\"type\":\"movie\",\"movie\":{\"title\":\"B\",\"year\":2002,\"ids\":{\"trakt\":2,\"imdb\":\"tt2\"}}}",
                "{\"type\":\"episode\",\"episode\":{\"season\":1,\"number\":2,\"title\":\"E\",\"ids\":{\"trakt\":3}},"
                "\"show\":{\"title\":\"S\",\"year\":2010,\"ids\":{\"trakt\":30}}}",
                "{\"type\":\"show\",\"show\":{\"title\":\"T\",\"ids\":{\"trakt\":4}}}",
                "not json",
        };
        g_autofree char *all = query_text(db_sqlite(s), "SELECT group_concat(media, '|') FROM (SELECT media FROM list_items ORDER BY listed_at)");
        g_autofree char *expect = g_strjoinv("|", (char **) (const char *const[]) { want[0], want[1], want[2], want[3], want[4], NULL });
        g_assert_cmpstr(all, ==, expect);
        /* The other columns stay. */
        g_assert_cmpint(query_int(db_sqlite(s), "SELECT SUM(position) + SUM(listed_at) FROM list_items WHERE list_id = 'sean/l'"), ==,
                        0 + 1 + 2 + 3 + 6 + 7 + 8 + 9);
        s = db_free(s);
        rm_rf(d);
}

/* ":memory:" is a private database with the whole schema: what the typed
 * modules' unit tests run on. */
static void test_memory(void) {
        Db *s = NULL, *t = NULL;
        char *v = NULL;

        g_assert_cmpint(db_open_file(&s, ":memory:"), ==, 0);
        g_assert_cmpint(db_open_file(&t, ":memory:"), ==, 0);
        g_assert_cmpint(db_schema_version(s), ==, DB_SCHEMA_VERSION);
        g_assert_cmpint(query_int(db_sqlite(s), "PRAGMA foreign_keys"), ==, 1);
        g_assert_cmpint(db_set_setting(s, "k", "v"), ==, 0);
        g_assert_cmpint(db_get_setting(s, "k", &v), ==, 0);
        g_assert_cmpstr(v, ==, "v");
        free(v);
        g_assert_cmpint(db_get_setting(t, "k", NULL), ==, -ENOENT); /* each its own */
        g_assert_false(g_file_test(":memory:", G_FILE_TEST_EXISTS));
        t = db_free(t);
        s = db_free(s);
}

/* Kept statements: one per SQL text, reset and unbound on each use, dropped
 * by db_release_memory() and prepared again after it. */
static void test_cached_statements(void) {
        static const char insert[] = "INSERT INTO settings(key, value) VALUES (?1, ?2)";
        Db *s = NULL;

        g_assert_cmpint(db_open_file(&s, ":memory:"), ==, 0);
        sqlite3_stmt *a = db_cached(s, insert);
        g_assert_nonnull(a);
        sqlite3_bind_text(a, 1, "a", -1, SQLITE_STATIC);
        sqlite3_bind_text(a, 2, "1", -1, SQLITE_STATIC);
        g_assert_cmpint(db_step_done(a), ==, 0);
        sqlite3_stmt *b = db_cached(s, insert);
        g_assert_true(a == b);
        sqlite3_bind_text(b, 1, "b", -1, SQLITE_STATIC); /* 2 unbound: NULL, not "1" */
        g_assert_cmpint(db_step_done(b), ==, 0);
        g_assert_cmpint(query_int(db_sqlite(s), "SELECT COUNT(*) FROM settings WHERE key = 'b' AND value IS NULL"), ==, 1);
        g_assert_cmpint(db_step_done(b), <, 0); /* key 'b' again: the constraint, an error, not a crash */
        g_assert_null(db_cached(s, "SELECT nonsense FROM nowhere"));
        db_release_memory(s);
        sqlite3_stmt *c = db_cached(s, insert);
        g_assert_nonnull(c);
        sqlite3_bind_text(c, 1, "c", -1, SQLITE_STATIC);
        g_assert_cmpint(db_step_done(c), ==, 0);
        g_assert_cmpint(query_int(db_sqlite(s), "SELECT COUNT(*) FROM settings"), ==, 3);
        s = db_free(s); /* finalizes what is kept: ASan and valgrind see no leak */
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/db/open-files-and-pragmas", test_open_files_and_pragmas);
        g_test_add_func("/db/schema", test_schema);
        g_test_add_func("/db/settings", test_settings);
        g_test_add_func("/db/credentials", test_credentials);
        g_test_add_func("/db/tokens", test_tokens);
        g_test_add_func("/db/toggles", test_toggles);
        g_test_add_func("/db/outbox-pending", test_outbox_pending);
        g_test_add_func("/db/migrate-v1-fixture", test_migrate_v1_fixture);
        g_test_add_func("/db/migration-step-is-atomic", test_migration_step_is_atomic);
        g_test_add_func("/db/reopen", test_reopen);
        g_test_add_func("/db/bad-files", test_bad_files);
        g_test_add_func("/db/migrate-list-items-shape", test_migrate_list_items_shape);
        g_test_add_func("/db/migrate-private-resume-points", test_migrate_private_resume_points);
        g_test_add_func("/db/memory", test_memory);
        g_test_add_func("/db/cached-statements", test_cached_statements);
        return g_test_run();
}
