/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <glib.h>

#include "db-history.h"
#include "db-library.h"
#include "db-private.h"
#include "db-push.h"
#include "db-seen.h"
#include "util.h"

static Db *memory_db(void) {
        Db *db = NULL;
        g_assert_cmpint(db_open_file(&db, ":memory:"), ==, 0);
        return db;
}

static char *q(Db *db, const char *sql) {
        sqlite3_stmt *st = NULL;
        char *r = NULL;
        g_assert_cmpint(sqlite3_prepare_v2(db_sqlite(db), sql, -1, &st, NULL), ==, SQLITE_OK);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
                r = g_strdup((const char *) sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        return r;
}

#define assert_q(db, sql, want)                   \
        do {                                      \
                g_autofree char *_v = q(db, sql); \
                g_assert_cmpstr(_v, ==, want);    \
        } while (0)

/* Every play as "id:key:at:origin:private:trakt_id:pushed:uid", by id. */
#define PLAYS                                                                                                   \
        "SELECT group_concat(x, ' ') FROM (SELECT id || ':' || media_key || ':' || watched_at || ':' || origin || ':' || " \
        "private || ':' || ifnull(trakt_history_id, '-') || ':' || pushed || ':' || ifnull(uid, '-') AS x FROM history ORDER BY id)"

static void test_from_trakt(void) {
        Db *db = memory_db();
        DbTraktPlay plays[23];
        char keys[23][16];
        bool unlinked = true;

        g_assert_cmpint(db_history_has_unlinked(db, &unlinked), ==, 0);
        g_assert_false(unlinked);
        for (int i = 0; i < 23; i++) {
                g_snprintf(keys[i], sizeof keys[i], "m%d", i);
                plays[i] = (DbTraktPlay) { .media_key = keys[i], .media = "{}", .watched_at = 1000 + i, .trakt_id = 500 + i };
        }
        /* Two full batches of ten and three one by one: all new. */
        g_assert_cmpint(db_history_add_from_trakt(db, plays, 23), ==, 23);
        assert_q(db, "SELECT COUNT(*) || '/' || MIN(trakt_history_id) || '/' || MAX(trakt_history_id) FROM history "
                     "WHERE origin = 'trakt' AND pushed = 1 AND private = 0",
                 "23/500/522");
        /* Known Trakt ids are skipped, in a batch too; the count says what was new. */
        plays[3].trakt_id = 900;
        g_assert_cmpint(db_history_add_from_trakt(db, plays, 10), ==, 1);
        g_assert_cmpint(db_history_add_from_trakt(db, plays + 20, 1), ==, 0);
        g_assert_cmpint(db_history_add_from_trakt(db, plays, 0), ==, 0);
        assert_q(db, "SELECT COUNT(*) FROM history", "24");
        g_assert_cmpint(db_history_has_unlinked(db, &unlinked), ==, 0);
        g_assert_false(unlinked);
        db_free(db);
}

static void test_link(void) {
        Db *db = memory_db();
        bool unlinked = false;
        char *k1[] = { (char *) "movie:trakt=1", (char *) "movie:imdb=tt1", NULL }, *none[] = { NULL };

        /* Two local plays of the item (under two of its keys), one of another. */
        g_assert_cmpint(db_history_add_local(db, "movie:imdb=tt1", "A", 100000000, false, DB_PUSHED_NO, (uid_t) -1), ==, 1);
        g_assert_cmpint(db_history_add_local(db, "movie:trakt=1", "A", 130000000, false, DB_PUSHED_QUEUED, 1000), ==, 2);
        g_assert_cmpint(db_history_add_local(db, "movie:trakt=2", "B", 100000000, true, DB_PUSHED_NO, 1001), ==, 3);
        g_assert_cmpint(db_history_has_unlinked(db, &unlinked), ==, 0);
        g_assert_true(unlinked);

        /* The nearest within a minute is linked (and pushed); only once per Trakt id. */
        g_assert_cmpint(db_history_link(db, 77, 125000000, k1), ==, 1);
        g_assert_cmpint(db_history_link(db, 77, 100000000, k1), ==, 0);
        /* Farther than a minute: none. */
        g_assert_cmpint(db_history_link(db, 78, 161000001, k1), ==, 0);
        g_assert_cmpint(db_history_link(db, 78, 40000000, k1), ==, 1);
        g_assert_cmpint(db_history_link(db, 79, 100000000, none), ==, 0);
        g_assert_cmpint(db_history_link(db, 79, 100000000, NULL), ==, 0);
        assert_q(db, PLAYS,
                 "1:movie:imdb=tt1:100000000:local:0:78:1:- 2:movie:trakt=1:130000000:local:0:77:1:1000 "
                 "3:movie:trakt=2:100000000:local:1:-:0:1001");
        db_free(db);
}

static void test_local_plays(void) {
        Db *db = memory_db();
        DbPushed pushed = DB_PUSHED_NO;
        bool same = true;

        int64_t a = db_history_add_local(db, "k", "{\"old\":1}", 1000, false, DB_PUSHED_QUEUED, 0);
        g_assert_cmpint(a, ==, 1);
        g_assert_cmpint(db_history_same_play(db, "k", 900, 1000, &same), ==, 0);
        g_assert_true(same);
        g_assert_cmpint(db_history_same_play(db, "k", 1001, 2000, &same), ==, 0);
        g_assert_false(same);
        g_assert_cmpint(db_history_same_play(db, "other", 0, 2000, &same), ==, 0);
        g_assert_false(same);

        g_assert_cmpint(db_history_pushed(db, a, &pushed), ==, 0);
        g_assert_cmpint(pushed, ==, DB_PUSHED_QUEUED);
        g_assert_cmpint(db_history_pushed(db, 99, &pushed), ==, -ENOENT);

        /* Delivered without an id, then with one; another play already has Trakt's id: pushed, not linked. */
        g_assert_cmpint(db_history_add_local(db, "k", "{}", 2000, false, DB_PUSHED_QUEUED, (uid_t) -1), ==, 2);
        g_assert_cmpint(db_history_add_local(db, "k", "{}", 3000, false, DB_PUSHED_QUEUED, (uid_t) -1), ==, 3);
        g_assert_cmpint(db_history_mark_sent(db, 1, 0), ==, 0);
        g_assert_cmpint(db_history_mark_sent(db, 2, 55), ==, 0);
        g_assert_cmpint(db_history_mark_sent(db, 3, 55), ==, 0);
        g_assert_cmpint(db_history_mark_sent(db, 0, 56), ==, 0);
        assert_q(db, PLAYS, "1:k:1000:local:0:-:1:0 2:k:2000:local:0:55:1:- 3:k:3000:local:0:-:1:-");

        g_assert_cmpint(db_history_set_media(db, 1, "{\"new\":1}"), ==, 0);
        assert_q(db, "SELECT media FROM history WHERE id = 1", "{\"new\":1}");
        db_free(db);
}

static void test_unconfirmed(void) {
        Db *db = memory_db();
        for (int i = 1; i <= 4; i++)
                g_assert_cmpint(db_history_add_local(db, "k", "{}", i, false, DB_PUSHED_NO, (uid_t) -1), ==, i);
        int64_t ids[] = { 1, 2, 0, 3 };
        g_assert_cmpint(db_push_mark(db, DB_PUSH_HISTORY, ids, 4, DB_PUSHED_UNCONFIRMED), ==, 0);
        assert_q(db, "SELECT group_concat(pushed, '') FROM (SELECT pushed FROM history ORDER BY id)", "3330");
        /* Play 2 was found on Trakt meanwhile (linked and pushed); play 3 linked but still unconfirmed. */
        g_assert_cmpint(sqlite3_exec(db_sqlite(db), "UPDATE history SET trakt_history_id = 9, pushed = 1 WHERE id = 2;"
                                                    "UPDATE history SET trakt_history_id = 10 WHERE id = 3",
                                     NULL, NULL, NULL),
                        ==, SQLITE_OK);
        int64_t back[] = { 1, 2, 3 };
        g_assert_cmpint(db_history_unconfirmed_reset(db, back, 3, true), ==, 0);
        assert_q(db, "SELECT group_concat(pushed, '') FROM (SELECT pushed FROM history ORDER BY id)", "0130");
        g_assert_cmpint(db_history_unconfirmed_reset(db, back, 3, false), ==, 0);
        assert_q(db, "SELECT group_concat(pushed, '') FROM (SELECT pushed FROM history ORDER BY id)", "0100");

        g_assert_cmpint(db_push_mark(db, DB_PUSH_HISTORY, back, 3, DB_PUSHED_UNCONFIRMED), ==, 0);
        g_assert_cmpint(db_history_unconfirmed_reset_all(db), ==, 0); /* only what no Trakt play was linked to */
        assert_q(db, "SELECT group_concat(pushed, '') FROM (SELECT pushed FROM history ORDER BY id)", "0330");
        db_free(db);
}

static void test_forget_unseen(void) {
        Db *db = memory_db();
        int64_t n = -1, removed = -1, unlinked = -1;

        g_assert_cmpint(sqlite3_exec(db_sqlite(db),
                                     "INSERT INTO history(id, media_key, media, watched_at, origin, trakt_history_id, pushed) VALUES"
                                     " (1, 'a', '{}', 100, 'trakt', 11, 1), (2, 'b', '{}', 200, 'trakt', 12, 1),"
                                     " (3, 'c', '{}', 300, 'local', 13, 1), (4, 'd', '{}', 400, 'local', NULL, 0),"
                                     " (5, 'e', '{}', 50, 'trakt', 15, 1)",
                                     NULL, NULL, NULL),
                        ==, SQLITE_OK);
        g_assert_cmpint(db_seen_reset(db), ==, 0);
        g_assert_cmpint(db_seen_add_id(db, 12), ==, 0);
        g_assert_cmpint(db_seen_add_id(db, 12), ==, 0); /* twice is once */
        /* Linked plays from 100 on that Trakt did not show: 11 and 13. */
        g_assert_cmpint(db_history_count_vanished(db, 100, &n), ==, 0);
        g_assert_cmpint(n, ==, 2);
        g_assert_cmpint(db_history_forget_unseen(db, 100, &removed, &unlinked), ==, 0);
        g_assert_cmpint(removed, ==, 1);
        g_assert_cmpint(unlinked, ==, 1);
        assert_q(db, PLAYS, "2:b:200:trakt:0:12:1:- 3:c:300:local:0:-:1:- 4:d:400:local:0:-:0:- 5:e:50:trakt:0:15:1:-");
        /* From the beginning of time: the old play goes too. */
        g_assert_cmpint(db_history_forget_unseen(db, INT64_MIN, NULL, NULL), ==, 0);
        assert_q(db, "SELECT group_concat(id) FROM history", "2,3,4");
        /* Emptied: nothing is seen any more. */
        g_assert_cmpint(db_seen_clear(db), ==, 0);
        g_assert_cmpint(db_history_count_vanished(db, 0, &n), ==, 0);
        g_assert_cmpint(n, ==, 1);
        db_free(db);
}

static int row_text(const DbHistoryRow *row, void *userdata) {
        g_string_append_printf(userdata, "%s@%" G_GUINT64_FORMAT "%s%s;", row->media_json, row->watched_at, row->origin,
                               row->private_ ? "!" : "");
        return 0;
}

static void test_each(void) {
        Db *db = memory_db();
        GString *s = g_string_new(NULL);

        g_assert_cmpint(db_history_add_local(db, "k", "A", 100, false, DB_PUSHED_NO, 1000), >, 0);
        g_assert_cmpint(db_history_add_local(db, "k", "B", 200, true, DB_PUSHED_NO, 1000), >, 0);     /* 1000's private play */
        g_assert_cmpint(db_history_add_local(db, "k", "C", 200, true, DB_PUSHED_NO, (uid_t) -1), >, 0); /* private, no uid */
        g_assert_cmpint(db_history_add_local(db, "k", "D", 300, true, DB_PUSHED_NO, 1001), >, 0);     /* 1001's */
        DbTraktPlay t = { "k", "E", 250, 1 };
        g_assert_cmpint(db_history_add_from_trakt(db, &t, 1), ==, 1);

        /* Newest first (ties: the later row first); a private play for its uid and root only. */
        g_assert_cmpint(db_history_each(db, 0, 0, 1000, row_text, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "E@250trakt;C@200local!;B@200local!;A@100local;");
        g_string_truncate(s, 0);
        g_assert_cmpint(db_history_each(db, 0, 0, 0, row_text, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "D@300local!;E@250trakt;C@200local!;B@200local!;A@100local;");
        g_string_truncate(s, 0);
        g_assert_cmpint(db_history_each(db, 0, 0, 1002, row_text, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "E@250trakt;C@200local!;A@100local;");
        /* Since and limit. */
        g_string_truncate(s, 0);
        g_assert_cmpint(db_history_each(db, 200, 2, 0, row_text, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "D@300local!;E@250trakt;");
        g_string_truncate(s, 0);
        g_assert_cmpint(db_history_each(db, UINT64_MAX, 0, 0, row_text, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "");
        g_string_free(s, TRUE);
        db_free(db);
}

static int count_rows(const DbPushRow *row, void *userdata) {
        GString *s = userdata;
        g_string_append_printf(s, "%" G_GINT64_FORMAT ":%s:%" G_GINT64_FORMAT, row->id, row->media, row->at);
        if (row->rating)
                g_string_append_printf(s, ":r%d", row->rating);
        if (row->resolution || row->is_3d)
                g_string_append_printf(s, ":%s:%s:%d", row->resolution ?: "-", row->audio ?: "-", row->is_3d);
        g_string_append_c(s, ';');
        return 0;
}

static void test_push(void) {
        Db *db = memory_db();
        GString *s = g_string_new(NULL);
        const DbCollectionMeta meta = { .resolution = "hd_1080p", .is_3d = true }, none = {};

        /* History: local, not private, not pushed, not linked; oldest first when limited. */
        g_assert_cmpint(db_history_add_local(db, "a", "A", 300, false, DB_PUSHED_NO, (uid_t) -1), ==, 1);
        g_assert_cmpint(db_history_add_local(db, "b", "B", 100, false, DB_PUSHED_NO, (uid_t) -1), ==, 2);
        g_assert_cmpint(db_history_add_local(db, "c", "C", 200, true, DB_PUSHED_NO, (uid_t) -1), ==, 3);
        g_assert_cmpint(db_history_add_local(db, "d", "D", 50, false, DB_PUSHED_QUEUED, (uid_t) -1), ==, 4);
        DbTraktPlay t = { "e", "E", 10, 1 };
        g_assert_cmpint(db_history_add_from_trakt(db, &t, 1), ==, 1);
        g_assert_cmpint(db_push_each(db, DB_PUSH_HISTORY, 100, count_rows, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "2:B:100;1:A:300;");
        g_string_truncate(s, 0);
        g_assert_cmpint(db_push_each(db, DB_PUSH_HISTORY, 1, count_rows, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "2:B:100;");

        /* Ratings not pushed; collection local and not pushed, with its metadata. */
        g_assert_cmpint(db_rating_set(db, "r1", "R1", 7, 20, DB_PUSHED_NO), ==, 0);
        g_assert_cmpint(db_rating_set(db, "r2", "R2", 9, 10, DB_PUSHED_NO), ==, 0);
        g_assert_cmpint(db_rating_set(db, "r3", "R3", 1, 5, DB_PUSHED_QUEUED), ==, 0);
        g_string_truncate(s, 0);
        g_assert_cmpint(db_push_each(db, DB_PUSH_RATINGS, 100, count_rows, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "2:R2:10:r9;1:R1:20:r7;");
        g_assert_cmpint(db_collection_set(db, "c1", "C1", 40, &meta, DB_PUSHED_NO), ==, 0);
        g_assert_cmpint(db_collection_set(db, "c2", "C2", 30, &none, DB_PUSHED_NO), ==, 0);
        g_assert_cmpint(db_collection_from_trakt(db, "c3", "C3", 1, &none), ==, 0);
        g_string_truncate(s, 0);
        g_assert_cmpint(db_push_each(db, DB_PUSH_COLLECTION, 0, count_rows, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "1:C1:40:hd_1080p:-:1;2:C2:30;");

        /* The array form owns its strings. */
        DbPushRow *rows = NULL;
        size_t n = 0;
        g_assert_cmpint(db_push_rows(db, DB_PUSH_COLLECTION, 1, &rows, &n), ==, 0);
        g_assert_cmpuint(n, ==, 1);
        g_assert_cmpstr(rows[0].media, ==, "C2");
        g_assert_null(rows[0].resolution);
        db_push_rows_free(rows, n);
        g_assert_cmpint(db_push_rows(db, DB_PUSH_COLLECTION, 0, &rows, &n), ==, 0);
        g_assert_cmpuint(n, ==, 2);
        g_assert_cmpstr(rows[0].resolution, ==, "hd_1080p");
        db_push_rows_free(rows, n);

        /* Marked: out of the next push; a row's media whatever its state. */
        int64_t h[] = { 2, 0 }, r[] = { 2 }, c[] = { 1, 2 };
        g_assert_cmpint(db_push_mark(db, DB_PUSH_HISTORY, h, 2, DB_PUSHED_YES), ==, 0);
        g_assert_cmpint(db_push_mark(db, DB_PUSH_RATINGS, r, 1, DB_PUSHED_QUEUED), ==, 0);
        g_assert_cmpint(db_push_mark(db, DB_PUSH_COLLECTION, c, 2, DB_PUSHED_YES), ==, 0);
        g_string_truncate(s, 0);
        for (int t2 = 0; t2 < _DB_PUSH_TABLE_MAX; t2++)
                g_assert_cmpint(db_push_each(db, (DbPushTable) t2, 100, count_rows, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "1:A:300;1:R1:20:r7;");
        char *media = NULL;
        g_assert_cmpint(db_push_media(db, DB_PUSH_HISTORY, 2, &media), ==, 0);
        g_assert_cmpstr(media, ==, "B");
        free(media);
        g_assert_cmpint(db_push_media(db, DB_PUSH_COLLECTION, 2, &media), ==, 0);
        g_assert_cmpstr(media, ==, "C2");
        free(media);
        g_assert_cmpint(db_push_media(db, DB_PUSH_RATINGS, 99, &media), ==, -ENOENT);
        g_assert_cmpint(db_push_each(db, _DB_PUSH_TABLE_MAX, 0, count_rows, s), ==, -EINVAL);
        g_assert_cmpint(db_push_mark(db, (DbPushTable) -1, h, 1, DB_PUSHED_NO), ==, -EINVAL);
        g_string_free(s, TRUE);
        db_free(db);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/db-history/from-trakt", test_from_trakt);
        g_test_add_func("/db-history/link", test_link);
        g_test_add_func("/db-history/local-plays", test_local_plays);
        g_test_add_func("/db-history/unconfirmed", test_unconfirmed);
        g_test_add_func("/db-history/forget-unseen", test_forget_unseen);
        g_test_add_func("/db-history/each", test_each);
        g_test_add_func("/db-history/push", test_push);
        return g_test_run();
}
