/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <glib.h>

#include "db-titles.h"
#include "util.h"

static Db *memory_db(void) {
        Db *db = NULL;
        g_assert_cmpint(db_open_file(&db, ":memory:"), ==, 0);
        return db;
}

static void test_hit_miss_and_expiry(void) {
        Db *db = memory_db();
        char *media = (char *) "untouched", *closest = (char *) "untouched";

        g_assert_cmpint(db_title_get(db, "movie:primer:2004", 100, &media, &closest), ==, 0);
        g_assert_cmpstr(media, ==, "untouched"); /* nothing is written without an entry */

        /* A hit: Trakt's item, no closest. */
        g_assert_cmpint(db_title_put(db, "movie:primer:2004", "{\"type\":\"movie\"}", NULL, 100, 200), ==, 0);
        g_assert_cmpint(db_title_get(db, "movie:primer:2004", 150, &media, &closest), ==, 1);
        g_assert_cmpstr(media, ==, "{\"type\":\"movie\"}");
        g_assert_null(closest);
        g_free(media);

        /* Alive until expires_at, not at it. */
        g_assert_cmpint(db_title_get(db, "movie:primer:2004", 199, &media, NULL), ==, 1);
        g_free(media);
        g_assert_cmpint(db_title_get(db, "movie:primer:2004", 200, &media, NULL), ==, 0);

        /* A miss: no media, and what the search found instead. */
        g_assert_cmpint(db_title_put(db, "show:nothing:0", NULL, "Something Else", 100, 300), ==, 0);
        g_assert_cmpint(db_title_get(db, "show:nothing:0", 150, &media, &closest), ==, 1);
        g_assert_null(media);
        g_assert_cmpstr(closest, ==, "Something Else");
        g_free(closest);

        /* A new answer replaces the old one. */
        g_assert_cmpint(db_title_put(db, "show:nothing:0", "{\"type\":\"show\"}", NULL, 400, 500), ==, 0);
        g_assert_cmpint(db_title_get(db, "show:nothing:0", 450, &media, &closest), ==, 1);
        g_assert_cmpstr(media, ==, "{\"type\":\"show\"}");
        g_assert_null(closest);
        g_free(media);

        /* Pruning forgets what expired, nothing else. */
        g_assert_cmpint(db_titles_prune(db, 450), ==, 0);
        g_assert_cmpint(db_title_get(db, "movie:primer:2004", 0, &media, NULL), ==, 0);
        g_assert_cmpint(db_title_get(db, "show:nothing:0", 450, &media, NULL), ==, 1);
        g_free(media);
        db_free(db);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/db-titles/hit-miss-and-expiry", test_hit_miss_and_expiry);
        return g_test_run();
}
