/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <glib.h>

#include "db-cursors.h"
#include "db-library.h"
#include "db-private.h"
#include "db-seen.h"
#include "util.h"

static Db *memory_db(void) {
        Db *db = NULL;
        g_assert_cmpint(db_open_file(&db, ":memory:"), ==, 0);
        return db;
}

/* The first column of the first row, as text (NULL: no row or NULL). */
static char *q(Db *db, const char *sql) {
        sqlite3_stmt *st = NULL;
        char *r = NULL;
        g_assert_cmpint(sqlite3_prepare_v2(db_sqlite(db), sql, -1, &st, NULL), ==, SQLITE_OK);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
                r = g_strdup((const char *) sqlite3_column_text(st, 0));
        sqlite3_finalize(st);
        return r;
}

#define assert_q(db, sql, want)                 \
        do {                                    \
                g_autofree char *_v = q(db, sql); \
                g_assert_cmpstr(_v, ==, want);  \
        } while (0)

static int collect(const char *key, void *userdata) {
        g_string_append_printf(userdata, "%s%s", ((GString *) userdata)->len ? "," : "", key);
        return 0;
}

static int stop_at_first(const char *key, void *userdata) {
        ++*(int *) userdata;
        return -ECANCELED;
}

static void test_aliases(void) {
        Db *db = memory_db();
        GString *s = g_string_new(NULL);
        int calls = 0;

        g_assert_cmpint(db_alias_lookup(db, "movie:imdb=tt1", collect, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "");
        /* Trakt says: its word wins. */
        g_assert_cmpint(db_alias_set(db, "movie:imdb=tt1", "movie:trakt=1"), ==, 0);
        g_assert_cmpint(db_alias_set(db, "movie:imdb=tt1", "movie:trakt=2"), ==, 0);
        g_assert_cmpint(db_alias_lookup(db, "movie:imdb=tt1", collect, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "movie:trakt=2");
        /* A look-up adds what is not known, keeps what is, skips the key itself. */
        char *aliases[] = { (char *) "movie:imdb=tt1", (char *) "movie:tmdb=9", (char *) "movie:trakt=3", NULL };
        g_assert_cmpint(db_aliases_add(db, "movie:trakt=3", aliases), ==, 0);
        g_string_truncate(s, 0);
        g_assert_cmpint(db_alias_lookup(db, "movie:imdb=tt1", collect, s), ==, 0);
        g_assert_cmpint(db_alias_lookup(db, "movie:tmdb=9", collect, s), ==, 0);
        g_assert_cmpint(db_alias_lookup(db, "movie:trakt=3", collect, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "movie:trakt=2,movie:trakt=3");
        /* A callback's refusal stops and is returned. */
        g_assert_cmpint(db_alias_lookup(db, "movie:tmdb=9", stop_at_first, &calls), ==, -ECANCELED);
        g_assert_cmpint(calls, ==, 1);
        g_assert_cmpint(db_alias_lookup(db, "movie:tmdb=9", collect, s), ==, 0); /* and the statement is usable again */
        g_string_free(s, TRUE);
        db_free(db);
}

static bool gone_unless_seen(const char *media, void *userdata) {
        bool seen = false;
        /* The tests' media are the keys themselves. */
        g_assert_cmpint(db_seen_has_key(userdata, media, &seen), ==, 0);
        return !seen;
}

static void test_ratings(void) {
        Db *db = memory_db();
        uint8_t rating = 0;
        char *none[] = { NULL }, *k1[] = { (char *) "a", NULL }, *both[] = { (char *) "a", (char *) "b", NULL };

        g_assert_cmpint(db_rating_find(db, k1, &rating), ==, -ENOENT);
        g_assert_cmpint(db_rating_find(db, none, &rating), ==, -ENOENT);
        g_assert_cmpint(db_rating_find(db, NULL, &rating), ==, -ENOENT);

        /* Here: queued for the outbox. */
        g_assert_cmpint(db_rating_set(db, "a", "a", 8, 100, DB_PUSHED_QUEUED), ==, 0);
        g_assert_cmpint(db_rating_find(db, k1, &rating), ==, 0);
        g_assert_cmpuint(rating, ==, 8);
        /* Trakt's older, different rating loses; an equal one marks ours as on Trakt. */
        g_assert_cmpint(db_rating_from_trakt(db, "a", "a", 5, 50), ==, 0);
        assert_q(db, "SELECT rating || '/' || rated_at || '/' || pushed FROM ratings WHERE media_key = 'a'", "8/100/2");
        g_assert_cmpint(db_rating_from_trakt(db, "a", "a", 8, 50), ==, 0);
        assert_q(db, "SELECT rating || '/' || rated_at || '/' || pushed FROM ratings WHERE media_key = 'a'", "8/50/1");
        /* A newer one wins. */
        g_assert_cmpint(db_rating_from_trakt(db, "a", "a", 3, 200), ==, 0);
        assert_q(db, "SELECT rating || '/' || rated_at || '/' || pushed FROM ratings WHERE media_key = 'a'", "3/200/1");

        /* Under two keys: the newest wins. */
        g_assert_cmpint(db_rating_set(db, "b", "b", 10, 300, DB_PUSHED_QUEUED), ==, 0);
        g_assert_cmpint(db_rating_find(db, both, &rating), ==, 0);
        g_assert_cmpuint(rating, ==, 10);
        /* Delivered: the one made at that time is on Trakt now. */
        g_assert_cmpint(db_rating_delivered(db, 299), ==, 0);
        assert_q(db, "SELECT pushed FROM ratings WHERE media_key = 'b'", "2");
        g_assert_cmpint(db_rating_delivered(db, 300), ==, 0);
        assert_q(db, "SELECT pushed FROM ratings WHERE media_key = 'b'", "1");

        /* A sweep: on Trakt and not seen there goes; not yet on Trakt stays. */
        g_assert_cmpint(db_rating_set(db, "c", "c", 4, 400, DB_PUSHED_NO), ==, 0);
        g_assert_cmpint(db_seen_reset(db), ==, 0);
        g_assert_cmpint(db_seen_add_key(db, "b"), ==, 0);
        g_assert_cmpint(db_ratings_forget_gone(db, gone_unless_seen, db), ==, 1);
        assert_q(db, "SELECT group_concat(media_key) FROM (SELECT media_key FROM ratings ORDER BY 1)", "b,c");
        g_assert_cmpint(db_rating_delete(db, "b"), ==, 0);
        g_assert_cmpint(db_rating_delete(db, "b"), ==, 0);
        g_assert_cmpint(db_rating_find(db, both, &rating), ==, -ENOENT);
        db_free(db);
}

static void test_resume_points(void) {
        Db *db = memory_db();
        double p = -1;
        uint64_t at = 1;
        char *k[] = { (char *) "x", (char *) "y", NULL };

        g_assert_cmpint(db_resume_find(db, k, (uid_t) -1, &p, &at), ==, -ENOENT);
        g_assert_cmpint(db_resume_set(db, "x", "X", 12.5, 100), ==, 0);
        g_assert_cmpint(db_resume_find(db, k, (uid_t) -1, &p, &at), ==, 0);
        g_assert_true(p == 12.5);
        g_assert_cmpuint(at, ==, 100);
        /* Trakt's pause: the newest wins. */
        g_assert_cmpint(db_resume_from_trakt(db, "x", "X", 40, 90, 7), ==, 0);
        assert_q(db, "SELECT progress || '/' || paused_at || '/' || origin FROM resume_points WHERE media_key = 'x'", "12.5/100/local");
        g_assert_cmpint(db_resume_from_trakt(db, "x", "X", 40, 110, 7), ==, 0);
        assert_q(db, "SELECT progress || '/' || paused_at || '/' || playback_id || '/' || origin FROM resume_points WHERE media_key = 'x'",
                 "40.0/110/7/trakt");
        g_assert_cmpint(db_resume_from_trakt(db, "y", "Y", 5, 120, 0), ==, 0);
        assert_q(db, "SELECT playback_id IS NULL FROM resume_points WHERE media_key = 'y'", "1");
        g_assert_cmpint(db_resume_find(db, k, (uid_t) -1, &p, &at), ==, 0);
        g_assert_true(p == 5);
        /* A pause here takes the row over. */
        g_assert_cmpint(db_resume_set(db, "y", "Y2", 6, 130), ==, 0);
        assert_q(db, "SELECT media || '/' || origin FROM resume_points WHERE media_key = 'y'", "Y2/local");

        /* A sweep: what came from Trakt and Trakt no longer has goes; what is local stays. */
        g_assert_cmpint(db_resume_from_trakt(db, "z", "Z", 1, 1, 0), ==, 0);
        g_assert_cmpint(db_resume_from_trakt(db, "w", "W", 1, 1, 0), ==, 0);
        g_assert_cmpint(db_seen_reset(db), ==, 0);
        g_assert_cmpint(db_seen_add_key(db, "w"), ==, 0);
        g_assert_cmpint(db_resume_forget_unseen(db), ==, 0);
        assert_q(db, "SELECT group_concat(media_key) FROM (SELECT media_key FROM resume_points ORDER BY 1)", "w,y");
        g_assert_cmpint(db_resume_delete(db, "y"), ==, 0);
        assert_q(db, "SELECT group_concat(media_key) FROM resume_points", "w");
        db_free(db);
}

static void test_resume_points_private(void) {
        Db *db = memory_db();
        double p = -1;
        uint64_t at = 1;
        char *k[] = { (char *) "x", (char *) "y", NULL };

        /* uid 1000 paused x in incognito: its own, nobody else's. */
        g_assert_cmpint(db_resume_set_private(db, 1000, "x", "X", 30, 200), ==, 0);
        assert_q(db, "SELECT count(*) FROM resume_points", "0");
        g_assert_cmpint(db_resume_find(db, k, 1000, &p, &at), ==, 0);
        g_assert_true(p == 30);
        g_assert_cmpuint(at, ==, 200);
        g_assert_cmpint(db_resume_find(db, k, 1001, &p, &at), ==, -ENOENT);
        g_assert_cmpint(db_resume_find(db, k, (uid_t) -1, &p, &at), ==, -ENOENT);
        g_assert_cmpint(db_resume_find(db, k, 0, &p, &at), ==, -ENOENT);

        /* The household's pause: everyone's; the newer of the two wins for 1000. */
        g_assert_cmpint(db_resume_set(db, "y", "Y", 10, 100), ==, 0);
        g_assert_cmpint(db_resume_find(db, k, 1001, &p, &at), ==, 0);
        g_assert_true(p == 10);
        g_assert_cmpint(db_resume_find(db, k, 1000, &p, &at), ==, 0);
        g_assert_true(p == 30);
        g_assert_cmpint(db_resume_set(db, "y", "Y", 11, 300), ==, 0);
        g_assert_cmpint(db_resume_find(db, k, 1000, &p, &at), ==, 0);
        g_assert_true(p == 11);

        /* A second private pause replaces the first; another uid has its own row. */
        g_assert_cmpint(db_resume_set_private(db, 1000, "x", "X", 35, 400), ==, 0);
        g_assert_cmpint(db_resume_set_private(db, 1001, "x", "X", 50, 50), ==, 0);
        assert_q(db, "SELECT group_concat(uid || ':' || progress) FROM (SELECT * FROM private_resume_points ORDER BY uid)",
                 "1000:35.0,1001:50.0");
        g_assert_cmpint(db_resume_delete_private(db, 1000, "x"), ==, 0);
        assert_q(db, "SELECT group_concat(uid) FROM private_resume_points", "1001");
        /* A sweep never touches them. */
        g_assert_cmpint(db_seen_reset(db), ==, 0);
        g_assert_cmpint(db_resume_forget_unseen(db), ==, 0);
        assert_q(db, "SELECT count(*) FROM private_resume_points", "1");
        db_free(db);
}

static void test_collection(void) {
        Db *db = memory_db();
        const DbCollectionMeta meta = { .resolution = "uhd_4k", .hdr = "dolby_vision", .is_3d = true }, none = {};

        g_assert_cmpint(db_collection_set(db, "a", "A", 100, &meta, DB_PUSHED_QUEUED), ==, 0);
        assert_q(db, "SELECT quote(media_type) || resolution || hdr || quote(audio) || is_3d || origin || pushed FROM collection",
                 "NULLuhd_4kdolby_visionNULL1local2");
        /* Trakt's item does not touch a local row of that key... */
        g_assert_cmpint(db_collection_from_trakt(db, "a", "A'", 50, &none), ==, 0);
        assert_q(db, "SELECT media || collected_at || resolution || pushed FROM collection WHERE media_key = 'a'", "A100uhd_4k2");
        /* ...and is stored, pushed, when new. */
        g_assert_cmpint(db_collection_from_trakt(db, "b", "B", 60, &meta), ==, 0);
        assert_q(db, "SELECT origin || pushed || resolution FROM collection WHERE media_key = 'b'", "trakt1uhd_4k");
        /* Collected here again: the row becomes local with the new metadata. */
        g_assert_cmpint(db_collection_set(db, "b", "B2", 70, &none, DB_PUSHED_NO), ==, 0);
        assert_q(db, "SELECT origin || pushed || quote(resolution) || is_3d FROM collection WHERE media_key = 'b'", "local0NULL0");

        g_assert_cmpint(db_collection_from_trakt(db, "c", "C", 80, &none), ==, 0);
        g_assert_cmpint(db_seen_reset(db), ==, 0);
        g_assert_cmpint(db_collection_forget_unseen(db), ==, 0);
        assert_q(db, "SELECT group_concat(media_key) FROM (SELECT media_key FROM collection ORDER BY 1)", "a,b");
        g_assert_cmpint(db_collection_delete(db, "a"), ==, 0);
        assert_q(db, "SELECT group_concat(media_key) FROM collection", "b");
        db_free(db);
}

static int list_row(const DbListRow *row, void *userdata) {
        g_string_append_printf(userdata, "%s:%s:%s:%u;", row->id, row->name, row->kind, row->n_items);
        return 0;
}

static int item_row(const DbItemRow *row, void *userdata) {
        g_string_append_printf(userdata, "%s@%" G_GUINT64_FORMAT "#%u;", row->media_json, row->listed_at, row->rank);
        return 0;
}

static int followed_row(const char *id, const char *user, const char *slug, void *userdata) {
        g_string_append_printf(userdata, "%s=%s/%s;", id, user, slug);
        return 0;
}

static void test_lists(void) {
        Db *db = memory_db();
        GString *s = g_string_new(NULL);
        bool system = false;

        /* The watchlist: made once, filled page by page, cut where Trakt's ends. */
        g_assert_cmpint(db_watchlist_ensure(db), ==, 0);
        g_assert_cmpint(db_watchlist_ensure(db), ==, 0);
        for (uint32_t i = 0; i < 4; i++) {
                char key[8];
                g_snprintf(key, sizeof key, "w%u", i);
                g_assert_cmpint(db_watchlist_item_put(db, i, key, key, 10 * i), ==, 0);
        }
        g_assert_cmpint(db_watchlist_item_put(db, 1, "w9", "w9", 99), ==, 0); /* replaces position 1 */
        g_assert_cmpint(db_watchlist_truncate(db, 3), ==, 0);
        g_assert_cmpint(db_list_items_each(db, DB_WATCHLIST_ID, item_row, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "w0@0#1;w9@99#2;w2@20#3;");
        g_assert_cmpint(db_list_exists(db, DB_WATCHLIST_ID, &system), ==, 1);
        g_assert_true(system);
        g_assert_cmpint(db_list_remove(db, DB_WATCHLIST_ID), ==, 0); /* never the system list */
        g_assert_cmpint(db_list_exists(db, DB_WATCHLIST_ID, NULL), ==, 1);

        /* A followed list: added, then refreshed with other items. */
        DbFollowedList l = { .id = "sean/mo", .name = "Machete Order", .url = "https://trakt.tv/users/sean/lists/mo",
                             .trakt_user = "sean", .trakt_slug = "mo" };
        DbListItem items[] = { { "m1", "M1", 5 }, { "m2", "M2", 6 } };
        g_assert_cmpint(db_list_store(db, &l, true, items, 2, 1000), ==, 1);
        g_assert_cmpint(db_list_exists(db, "sean/mo", &system), ==, 1);
        g_assert_false(system);
        l.name = "Machete Order (new)";
        g_assert_cmpint(db_list_store(db, &l, false, items + 1, 1, 2000), ==, 1);
        g_string_truncate(s, 0);
        g_assert_cmpint(db_list_items_each(db, "sean/mo", item_row, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "M2@6#1;");
        assert_q(db, "SELECT name || '/' || item_count || '/' || updated_at FROM lists WHERE id = 'sean/mo'", "Machete Order (new)/1/2000");

        /* Every list: the watchlist first, then by name, with their item counts. */
        DbFollowedList other = { .id = "ann/a", .name = "A list", .url = "u", .trakt_user = "ann", .trakt_slug = "a" };
        g_assert_cmpint(db_list_store(db, &other, true, NULL, 0, 3000), ==, 1);
        g_string_truncate(s, 0);
        g_assert_cmpint(db_lists_each(db, list_row, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "watchlist:Trakt watchlist:watchlist:3;ann/a:A list:custom:0;sean/mo:Machete Order (new):custom:1;");
        g_string_truncate(s, 0);
        g_assert_cmpint(db_lists_followed(db, followed_row, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "ann/a=ann/a;sean/mo=sean/mo;");

        /* Removed while it was pulled: a refresh does not bring it back, AddList does. */
        g_assert_cmpint(db_list_remove(db, "sean/mo"), ==, 0);
        g_assert_cmpint(db_list_exists(db, "sean/mo", NULL), ==, 0);
        assert_q(db, "SELECT COUNT(*) FROM list_items WHERE list_id = 'sean/mo'", "0");
        g_assert_cmpint(db_list_store(db, &l, false, items, 2, 4000), ==, 0);
        g_assert_cmpint(db_list_exists(db, "sean/mo", NULL), ==, 0);
        g_assert_cmpint(db_list_store(db, &l, true, items, 2, 4000), ==, 1);
        g_assert_cmpint(db_list_exists(db, "sean/mo", NULL), ==, 1);
        /* A list by the watchlist's id is never stored over it. */
        DbFollowedList fake = { .id = DB_WATCHLIST_ID, .name = "x", .url = "u", .trakt_user = "x", .trakt_slug = "x" };
        g_assert_cmpint(db_list_store(db, &fake, true, items, 2, 5000), ==, 0);
        g_string_truncate(s, 0);
        g_assert_cmpint(db_list_items_each(db, DB_WATCHLIST_ID, item_row, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "w0@0#1;w9@99#2;w2@20#3;");
        g_assert_true(!db_in_transaction(db));

        /* Disconnect: the watchlist and its items go, followed lists stay. */
        g_assert_cmpint(db_watchlist_remove(db), ==, 0);
        g_assert_cmpint(db_list_exists(db, DB_WATCHLIST_ID, NULL), ==, 0);
        assert_q(db, "SELECT COUNT(*) FROM list_items WHERE list_id = 'watchlist'", "0");
        g_assert_cmpint(db_list_exists(db, "ann/a", NULL), ==, 1);
        g_string_free(s, TRUE);
        db_free(db);
}

static void test_recommendations(void) {
        Db *db = memory_db();
        GString *s = g_string_new(NULL);

        g_assert_cmpint(db_recommendation_put(db, "movie", 0, "m1", "M1"), ==, 0);
        g_assert_cmpint(db_recommendation_put(db, "movie", 1, "m2", "M2"), ==, 0);
        g_assert_cmpint(db_recommendation_put(db, "show", 0, "s1", "S1"), ==, 0);
        g_assert_cmpint(db_recommendations_each(db, "movie", true, item_row, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "M1@0#0;M2@0#0;");
        /* Off: none. */
        g_string_truncate(s, 0);
        g_assert_cmpint(db_recommendations_each(db, "movie", false, item_row, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "");
        /* What was watched after Trakt picked is left out; before, not. */
        g_assert_cmpint(db_cursor_set_i64(db, DB_CURSOR_RECOMMENDATIONS_FETCHED_AT, 500), ==, 0);
        g_assert_cmpint(sqlite3_exec(db_sqlite(db),
                                     "INSERT INTO history(media_key, media, watched_at, origin) VALUES ('m1', '{}', 400, 'local'),"
                                     " ('m2', '{}', 600, 'local')",
                                     NULL, NULL, NULL),
                        ==, SQLITE_OK);
        g_assert_cmpint(db_recommendations_each(db, "movie", true, item_row, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "M1@0#0;");
        /* A sweep replaces a kind; Rate clears them all. */
        g_assert_cmpint(db_recommendations_clear_kind(db, "movie"), ==, 0);
        g_string_truncate(s, 0);
        g_assert_cmpint(db_recommendations_each(db, "show", true, item_row, s), ==, 0);
        g_assert_cmpint(db_recommendations_each(db, "movie", true, item_row, s), ==, 0);
        g_assert_cmpstr(s->str, ==, "S1@0#0;");
        g_assert_cmpint(db_recommendations_clear(db), ==, 0);
        assert_q(db, "SELECT COUNT(*) FROM recommendations", "0");
        g_string_free(s, TRUE);
        db_free(db);
}

static void test_unmatched(void) {
        Db *db = memory_db();
        uint32_t n = 9;
        g_assert_cmpint(db_unmatched_count(db, &n), ==, 0);
        g_assert_cmpuint(n, ==, 0);
        g_assert_cmpint(db_unmatched_add(db, "movies", "{\"ids\":{\"imdb\":\"tt0\"}}", "/sync/history", 5), ==, 0);
        g_assert_cmpint(db_unmatched_add(db, "scrobble", "{}", NULL, 6), ==, 0);
        g_assert_cmpint(db_unmatched_count(db, &n), ==, 0);
        g_assert_cmpuint(n, ==, 2);
        assert_q(db, "SELECT kind || ' ' || media || ' ' || reason || ' ' || seen_at FROM not_found WHERE id = 1",
                 "movies {\"ids\":{\"imdb\":\"tt0\"}} /sync/history 5");
        db_free(db);
}

static void test_rekey(void) {
        Db *db = memory_db();
        const DbCollectionMeta none = {};

        /* Under the name: two local plays, one from Trakt (never moved), a rating older
         * than Trakt's key's, a resume point newer, a collected item alone. */
        g_assert_cmpint(sqlite3_exec(db_sqlite(db),
                                     "INSERT INTO history(media_key, media, watched_at, origin) VALUES ('name', 'N', 1, 'local'),"
                                     " ('name', 'N', 2, 'local'), ('name', 'N', 3, 'trakt')",
                                     NULL, NULL, NULL),
                        ==, SQLITE_OK);
        g_assert_cmpint(db_rating_set(db, "name", "N", 5, 100, DB_PUSHED_NO), ==, 0);
        g_assert_cmpint(db_rating_set(db, "trakt=1", "T", 9, 200, DB_PUSHED_YES), ==, 0);
        g_assert_cmpint(db_resume_set(db, "name", "N", 50, 300), ==, 0);
        g_assert_cmpint(db_resume_set(db, "trakt=1", "T", 10, 200), ==, 0);
        g_assert_cmpint(db_collection_set(db, "name", "N", 1, &none, DB_PUSHED_NO), ==, 0);
        /* Private pauses: uid 7's under the name is newer, uid 8's older than its own under Trakt's key. */
        g_assert_cmpint(db_resume_set_private(db, 7, "name", "N", 70, 700), ==, 0);
        g_assert_cmpint(db_resume_set_private(db, 7, "trakt=1", "T", 71, 600), ==, 0);
        g_assert_cmpint(db_resume_set_private(db, 8, "name", "N", 80, 100), ==, 0);
        g_assert_cmpint(db_resume_set_private(db, 8, "trakt=1", "T", 81, 800), ==, 0);

        g_assert_cmpint(db_library_rekey(db, "name", "trakt=1", "NEW"), ==, 0);
        g_assert_false(db_in_transaction(db));
        assert_q(db, "SELECT group_concat(media_key || ':' || media || ':' || origin, ' ') FROM (SELECT * FROM history ORDER BY id)",
                 "trakt=1:NEW:local trakt=1:NEW:local name:N:trakt");
        assert_q(db, "SELECT group_concat(media_key || ':' || media || ':' || rating, ' ') FROM ratings", "trakt=1:T:9");
        assert_q(db, "SELECT group_concat(media_key || ':' || media || ':' || progress, ' ') FROM resume_points", "trakt=1:NEW:50.0");
        assert_q(db, "SELECT group_concat(media_key || ':' || media, ' ') FROM collection", "trakt=1:NEW");
        assert_q(db, "SELECT group_concat(uid || ':' || media_key || ':' || media || ':' || progress, ' ')"
                     " FROM (SELECT * FROM private_resume_points ORDER BY uid)",
                 "7:trakt=1:NEW:70.0 8:trakt=1:T:81.0");

        /* Inside a caller's transaction it follows the caller's fate. */
        g_assert_cmpint(db_collection_set(db, "name2", "N2", 1, &none, DB_PUSHED_NO), ==, 0);
        g_assert_cmpint(db_begin(db), ==, 0);
        g_assert_cmpint(db_library_rekey(db, "name2", "trakt=2", "NEW2"), ==, 0);
        g_assert_true(db_in_transaction(db));
        g_assert_cmpint(db_rollback(db), ==, 0);
        assert_q(db, "SELECT group_concat(media_key, ' ') FROM (SELECT media_key FROM collection ORDER BY 1)", "name2 trakt=1");
        db_free(db);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/db-library/aliases", test_aliases);
        g_test_add_func("/db-library/ratings", test_ratings);
        g_test_add_func("/db-library/resume-points", test_resume_points);
        g_test_add_func("/db-library/resume-points-private", test_resume_points_private);
        g_test_add_func("/db-library/collection", test_collection);
        g_test_add_func("/db-library/lists", test_lists);
        g_test_add_func("/db-library/recommendations", test_recommendations);
        g_test_add_func("/db-library/unmatched", test_unmatched);
        g_test_add_func("/db-library/rekey", test_rekey);
        return g_test_run();
}
