/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "media.h"

#define S(k, v) { .key = (k), .type = 's', .s = (v) }
#define U(k, v) { .key = (k), .type = 'u', .u = (v) }

static void ok(const MediaField *f, size_t n, const char *expected_key) {
        TraktMedia m = {};
        char *err = NULL;
        int r = media_from_fields(f, n, NULL, &m, &err);
        if (r < 0)
                g_error("rejected: %s", err);
        g_autofree char *key = trakt_media_key(&m);
        g_assert_cmpstr(key, ==, expected_key);
        trakt_media_done(&m);
}

static void bad(const MediaField *f, size_t n, const char *needle) {
        TraktMedia m = {};
        char *err = NULL;
        g_assert_cmpint(media_from_fields(f, n, NULL, &m, &err), ==, -EINVAL);
        g_assert_nonnull(err);
        if (!strstr(err, needle))
                g_error("message '%s' lacks '%s'", err, needle);
        g_assert_true(g_str_has_suffix(err, "."));
        free(err);
}

static void test_valid(void) {
        MediaField movie[] = { S("type", "movie"), S("imdb", "tt0372784") };
        ok(movie, 2, "movie:imdb=tt0372784");
        MediaField titled[] = { S("type", "movie"), S("title", "Inception"), U("year", 2010), U("runtime", 148) };
        ok(titled, 4, "movie:title=inception:year=2010");
        MediaField ep_ids[] = { S("type", "episode"), U("trakt", 73482) };
        ok(ep_ids, 2, "episode:trakt=73482");
        MediaField ep_show[] = { S("type", "episode"), U("show_tvdb", 81189), U("season", 1), U("episode", 1) };
        ok(ep_show, 4, "episode:show_tvdb=81189:s1e1");
        MediaField ep_title[] = { S("type", "episode"), S("show_title", "Breaking Bad"), U("show_year", 2008), U("season", 2), U("episode", 3) };
        ok(ep_title, 5, "episode:title=breaking bad:year=2008:s2e3");
        MediaField show[] = { S("type", "show"), U("tvdb", 81189) };
        ok(show, 2, "show:tvdb=81189");
}

static void test_invalid(void) {
        MediaField no_type[] = { S("imdb", "tt1") };
        bad(no_type, 1, "'type'");
        MediaField bad_type[] = { S("type", "person"), U("trakt", 1) };
        bad(bad_type, 2, "person");
        MediaField unknown[] = { S("type", "movie"), U("trakt", 1), S("colour", "red") };
        bad(unknown, 3, "'colour'");
        MediaField wrong_type[] = { S("type", "movie"), S("trakt", "28") };
        bad(wrong_type, 2, "'trakt'");
        MediaField nothing[] = { S("type", "movie") };
        bad(nothing, 1, "at least one id");
        MediaField ep_no_numbers[] = { S("type", "episode"), U("show_tvdb", 81189) };
        bad(ep_no_numbers, 2, "'season' and 'episode'");
        MediaField movie_season[] = { S("type", "movie"), U("trakt", 1), U("season", 1) };
        bad(movie_season, 3, "for episodes");
        MediaField bad_imdb[] = { S("type", "movie"), S("imdb", "nm0000123") };
        bad(bad_imdb, 2, "tt0372784");
        MediaField empty[] = { S("type", "movie"), S("title", "") };
        bad(empty, 2, "empty");
        char *longs = g_malloc(2000);
        memset(longs, 'x', 1999);
        longs[1999] = 0;
        MediaField too_long[] = { S("type", "movie"), S("title", longs) };
        bad(too_long, 2, "1024");
        g_free(longs);
        /* Found by fuzzing: an episode "slug" was accepted but Trakt's episodes have
         * none, so the stored item read back under another key. */
        MediaField ep_slug[] = { S("type", "episode"), U("show_tvdb", 81189), S("slug", "x"), U("episode", 1) };
        bad(ep_slug, 4, "slug");
        /* Found by fuzzing: a year of 4294967295 was stored as -1. */
        MediaField huge_year[] = { S("type", "show"), S("title", "Dark"), U("year", 4294967295u) };
        bad(huge_year, 3, "'year'");
}

static void test_extra_keys(void) {
        const char *const extra[] = { "resolution", "3d", NULL };
        MediaField f[] = { S("type", "movie"), U("trakt", 28), S("resolution", "uhd_4k") };
        TraktMedia m = {};
        char *err = NULL;
        g_assert_cmpint(media_from_fields(f, 3, extra, &m, &err), ==, 0);
        trakt_media_done(&m);
        g_assert_cmpint(media_from_fields(f, 3, NULL, &m, &err), ==, -EINVAL);
        free(err);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/media/valid", test_valid);
        g_test_add_func("/media/invalid", test_invalid);
        g_test_add_func("/media/extra-keys", test_extra_keys);
        return g_test_run();
}
