/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <glib.h>

#include "db-outbox.h"
#include "db-private.h"
#include "util.h"

static Db *memory_db(void) {
        Db *db = NULL;
        g_assert_cmpint(db_open_file(&db, ":memory:"), ==, 0);
        return db;
}

static char *query_text(Db *db, const char *sql) {
        sqlite3_stmt *st = NULL;
        char *r = NULL;
        g_assert_cmpint(sqlite3_prepare_v2(db_sqlite(db), sql, -1, &st, NULL), ==, SQLITE_OK);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
                r = g_strdup((const char *) sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        return r;
}

static int exec(Db *db, const char *sql) {
        return sqlite3_exec(db_sqlite(db), sql, NULL, NULL, NULL);
}

/* The pending rows in id order, as "id:kind:attempts:next" separated by spaces. */
static char *pending(Db *db) {
        GString *s = g_string_new(NULL);
        DbOutboxCursor *c = NULL;
        DbOutboxRow row;
        int r;
        g_assert_cmpint(db_outbox_pending_open(db, &c), ==, 0);
        while ((r = db_outbox_pending_next(c, &row)) > 0)
                g_string_append_printf(s, "%s%" G_GINT64_FORMAT ":%s:%u:%" G_GUINT64_FORMAT, s->len ? " " : "", row.id, row.kind,
                                       row.attempts, row.next_attempt_at);
        g_assert_cmpint(r, ==, 0);
        db_outbox_pending_close(c);
        return g_string_free(s, FALSE);
}

static void test_rows_and_states(void) {
        Db *db = memory_db();
        unsigned n = 99;
        bool yes = true;

        g_assert_cmpint(db_outbox_pending(db, &n), ==, 0);
        g_assert_cmpuint(n, ==, 0);
        int64_t a = db_outbox_add(db, 1000, "start", "scrobble", "s1", "{\"a\":1}");
        int64_t b = db_outbox_add(db, 2000, "rating_set", "ratings", NULL, "{\"b\":2}");
        int64_t c = db_outbox_add(db, 3000, "stop", "scrobble", "s1", "{\"c\":3}");
        g_assert_cmpint(a, >, 0);
        g_assert_cmpint(b, ==, a + 1);
        g_assert_cmpint(c, ==, b + 1);
        g_assert_cmpint(db_outbox_pending(db, &n), ==, 0);
        g_assert_cmpuint(n, ==, 3);

        /* What the cursor gives: every column, in order. */
        DbOutboxCursor *cur = NULL;
        DbOutboxRow row;
        g_assert_cmpint(db_outbox_pending_open(db, &cur), ==, 0);
        g_assert_cmpint(db_outbox_pending_next(cur, &row), ==, 1);
        g_assert_cmpint(row.id, ==, a);
        g_assert_cmpstr(row.kind, ==, "start");
        g_assert_cmpstr(row.category, ==, "scrobble");
        g_assert_cmpstr(row.session, ==, "s1");
        g_assert_cmpstr(row.payload, ==, "{\"a\":1}");
        g_assert_cmpuint(row.attempts, ==, 0);
        g_assert_cmpuint(row.next_attempt_at, ==, 0);
        g_assert_cmpuint(row.created_at, ==, 1000);
        g_assert_cmpint(db_outbox_pending_next(cur, &row), ==, 1);
        g_assert_null(row.session);
        /* Writing while the cursor is open (delivery drops stale rows as it goes). */
        g_assert_cmpint(db_outbox_finish(db, a, DB_OUTBOX_DROPPED, "superseded"), ==, 0);
        g_assert_cmpint(db_outbox_pending_next(cur, &row), ==, 1);
        g_assert_cmpint(row.id, ==, c);
        g_assert_cmpint(db_outbox_pending_next(cur, &row), ==, 0);
        db_outbox_pending_close(cur);
        g_assert_null(db_outbox_pending_close(NULL));

        /* Superseded: a later live event of the same session waits. */
        int64_t d = db_outbox_add(db, 4000, "pause", "scrobble", "s2", "{}");
        g_assert_cmpint(db_outbox_superseded(db, c, "s1", &yes), ==, 0);
        g_assert_false(yes);
        int64_t e = db_outbox_add(db, 5000, "pause", "scrobble", "s1", "{}");
        g_assert_cmpint(db_outbox_superseded(db, c, "s1", &yes), ==, 0);
        g_assert_true(yes);
        g_assert_cmpint(db_outbox_superseded(db, e, "s1", &yes), ==, 0);
        g_assert_false(yes);
        g_assert_cmpint(db_outbox_superseded(db, c, NULL, &yes), ==, 0);
        g_assert_false(yes);
        g_assert_cmpint(db_outbox_finish(db, e, DB_OUTBOX_SENT, NULL), ==, 0);
        g_assert_cmpint(db_outbox_superseded(db, c, "s1", &yes), ==, 0);
        g_assert_false(yes); /* sent: no longer waiting */

        /* Ends and their reasons. */
        g_assert_cmpint(db_outbox_finish(db, d, DB_OUTBOX_FAILED, "HTTP 404"), ==, 0);
        g_autofree char *err = query_text(db, "SELECT state || '/' || last_error FROM outbox WHERE id = 4");
        g_assert_cmpstr(err, ==, "failed/HTTP 404");
        g_assert_cmpint(db_outbox_finish(db, d, DB_OUTBOX_PENDING, NULL), ==, -EINVAL);
        g_assert_cmpint(db_outbox_finish(db, d, _DB_OUTBOX_STATE_MAX, NULL), ==, -EINVAL);
        g_assert_cmpint(db_outbox_is_pending(db, d, &yes), ==, 0);
        g_assert_false(yes);
        g_assert_cmpint(db_outbox_is_pending(db, c, &yes), ==, 0);
        g_assert_true(yes);
        g_assert_cmpint(db_outbox_is_pending(db, 999, &yes), ==, 0);
        g_assert_false(yes);
        g_assert_cmpint(db_outbox_pending(db, &n), ==, 0);
        g_assert_cmpuint(n, ==, 2); /* b and c */
        db_free(db);
}

static void test_attempts_and_rewrites(void) {
        Db *db = memory_db();
        int64_t a = db_outbox_add(db, 1, "stop", "scrobble", "s", "{\"at\":1}");
        int64_t b = db_outbox_add(db, 2, "rating_set", "ratings", NULL, "{}");

        g_assert_cmpint(db_outbox_set_attempts(db, a, 1), ==, 0);
        g_assert_cmpint(db_outbox_retry(db, b, 3, 5000, "no answer"), ==, 0);
        g_autofree char *p1 = pending(db);
        g_assert_cmpstr(p1, ==, "1:stop:1:0 2:rating_set:3:5000");
        g_autofree char *e1 = query_text(db, "SELECT last_error FROM outbox WHERE id = 2");
        g_assert_cmpstr(e1, ==, "no answer");
        g_assert_cmpint(db_outbox_retry(db, b, 4, 6000, NULL), ==, 0); /* no reason: none kept */
        g_autofree char *e2 = query_text(db, "SELECT last_error FROM outbox WHERE id = 2");
        g_assert_null(e2);

        /* A late stop becomes a history add with a new payload. */
        g_assert_cmpint(db_outbox_convert(db, a, "history_add", "history", "{\"watched_at\":1}"), ==, 0);
        g_autofree char *conv = query_text(db, "SELECT kind || ' ' || category || ' ' || payload || ' ' || attempts FROM outbox WHERE id = 1");
        g_assert_cmpstr(conv, ==, "history_add history {\"watched_at\":1} 1");
        g_assert_cmpint(db_outbox_set_payload(db, a, "{\"x\":2}"), ==, 0);
        g_autofree char *pay = query_text(db, "SELECT payload FROM outbox WHERE id = 1");
        g_assert_cmpstr(pay, ==, "{\"x\":2}");

        /* Sent again at once, by numbers. */
        g_assert_cmpint(db_outbox_rewrite(db, b, "{\"by_numbers\":true}", 3), ==, 0);
        g_autofree char *p2 = pending(db);
        g_assert_cmpstr(p2, ==, "1:history_add:1:0 2:rating_set:3:0");

        /* Connected again: every pending row may go now. */
        g_assert_cmpint(db_outbox_retry(db, a, 2, 7000, NULL), ==, 0);
        g_assert_cmpint(db_outbox_retry(db, b, 2, 8000, NULL), ==, 0);
        g_assert_cmpint(db_outbox_retry_all_now(db), ==, 0);
        g_autofree char *p3 = pending(db);
        g_assert_cmpstr(p3, ==, "1:history_add:2:0 2:rating_set:2:0");
        db_free(db);
}

static void test_prune(void) {
        Db *db = memory_db();
        unsigned n;
        int64_t ids[5];
        for (int i = 0; i < 5; i++)
                ids[i] = db_outbox_add(db, 100 * (uint64_t) (i + 1), "history_add", "history", NULL, "{}");
        g_assert_cmpint(db_outbox_finish(db, ids[0], DB_OUTBOX_SENT, NULL), ==, 0);
        g_assert_cmpint(db_outbox_finish(db, ids[1], DB_OUTBOX_DROPPED, NULL), ==, 0);
        g_assert_cmpint(db_outbox_finish(db, ids[2], DB_OUTBOX_FAILED, "x"), ==, 0);
        g_assert_cmpint(db_outbox_finish(db, ids[4], DB_OUTBOX_SENT, NULL), ==, 0);
        /* Sent and dropped rows older than the mark go; failed and pending ones stay. */
        g_assert_cmpint(db_outbox_prune(db, 450), ==, 0);
        g_autofree char *left = query_text(db, "SELECT group_concat(id || state, ',') FROM (SELECT id, state FROM outbox ORDER BY id)");
        g_assert_cmpstr(left, ==, "3failed,4pending,5sent");
        g_assert_cmpint(db_outbox_pending(db, &n), ==, 0);
        g_assert_cmpuint(n, ==, 1);
        /* Ids are never reused: delivery order stays insertion order. */
        g_assert_cmpint(db_outbox_add(db, 600, "start", "scrobble", NULL, "{}"), ==, 6);
        db_free(db);
}

static void test_withdraw(void) {
        Db *db = memory_db();
        g_assert_cmpint(exec(db, "INSERT INTO history(id, media_key, media, watched_at, origin, pushed) VALUES"
                                 " (1, 'm', '{}', 1, 'local', 2), (2, 'm', '{}', 2, 'local', 1), (3, 'm', '{}', 3, 'local', 2),"
                                 " (4, 'm', '{}', 4, 'trakt', 2)"),
                        ==, SQLITE_OK);
        db_outbox_add(db, 10, "start", "scrobble", "s", "{}");                      /* 1: before the playback */
        db_outbox_add(db, 20, "stop", "scrobble", "s", "{\"history_id\":1}");      /* 2 */
        db_outbox_add(db, 21, "history_add", "history", "s", "{\"history_id\":2}"); /* 3 */
        db_outbox_add(db, 22, "rating_set", "ratings", "s", "{}");                 /* 4: not about watching */
        db_outbox_add(db, 23, "stop", "scrobble", "other", "{\"history_id\":3}");  /* 5: another session */
        db_outbox_add(db, 24, "stop", "scrobble", "s", "{\"history_id\":4}");      /* 6: a play from Trakt */
        g_assert_cmpint(db_outbox_finish(db, 6, DB_OUTBOX_SENT, NULL), ==, 0);      /* already gone */

        g_assert_cmpint(db_begin(db), ==, 0);
        g_assert_cmpint(db_outbox_withdraw(db, "s", 20), ==, 2);
        g_assert_cmpint(db_commit(db), ==, 0);
        g_autofree char *rows = query_text(db, "SELECT group_concat(id || state, ',') FROM (SELECT id, state FROM outbox ORDER BY id)");
        g_assert_cmpstr(rows, ==, "1pending,2dropped,3dropped,4pending,5pending,6sent");
        g_autofree char *why = query_text(db, "SELECT last_error FROM outbox WHERE id = 2");
        g_assert_cmpstr(why, ==, "withdrawn: incognito");
        /* Their local plays: private; one that waited for the outbox is unpushed, one on Trakt stays pushed. */
        g_autofree char *plays = query_text(db, "SELECT group_concat(id || ':' || private || pushed, ',') FROM (SELECT * FROM history ORDER BY id)");
        g_assert_cmpstr(plays, ==, "1:10,2:11,3:02,4:02");
        g_assert_cmpint(db_outbox_withdraw(db, "s", 20), ==, 0); /* nothing left to withdraw */
        db_free(db);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/db-outbox/rows-and-states", test_rows_and_states);
        g_test_add_func("/db-outbox/attempts-and-rewrites", test_attempts_and_rewrites);
        g_test_add_func("/db-outbox/prune", test_prune);
        g_test_add_func("/db-outbox/withdraw", test_withdraw);
        return g_test_run();
}
