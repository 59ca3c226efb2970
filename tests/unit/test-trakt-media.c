/* SPDX-License-Identifier: MIT */
/* The media model (daemon/trakt-media.c): objects, keys, wrappers, metadata values. */
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "trakt-media.h"
#include "trakt-parse.h"

static char *body_for(const TraktMedia *m) {
        struct json_object *b = json_object_new_object();
        g_assert_cmpint(trakt_media_add_to(b, m), ==, 0);
        json_object_object_add(b, "progress", json_object_new_double(10));
        char *s = g_strdup(json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN));
        json_object_put(b);
        return s;
}

static void test_bodies(void) {
        TraktMedia movie = { .type = TRAKT_MOVIE, .title = (char *) "Guardians of the Galaxy", .year = 2014,
                             .ids = { .trakt = 28, .imdb = (char *) "tt2015381", .tmdb = 118340, .slug = (char *) "guardians-of-the-galaxy-2014" } };
        g_autofree char *b1 = body_for(&movie);
        g_assert_cmpstr(b1, ==, "{\"movie\":{\"title\":\"Guardians of the Galaxy\",\"year\":2014,\"ids\":{\"trakt\":28,\"slug\":\"guardians-of-the-galaxy-2014\",\"imdb\":\"tt2015381\",\"tmdb\":118340}},\"progress\":10.0}");

        TraktMedia ep = { .type = TRAKT_EPISODE, .ids = { .trakt = 16, .tvdb = 349232 } };
        g_autofree char *b2 = body_for(&ep);
        g_assert_cmpstr(b2, ==, "{\"episode\":{\"ids\":{\"trakt\":16,\"tvdb\":349232}},\"progress\":10.0}");

        TraktMedia byshow = { .type = TRAKT_EPISODE, .show_title = (char *) "Breaking Bad", .show_year = 2008,
                              .show_ids = { .tvdb = 81189 }, .season = 1, .number = 1 };
        g_autofree char *b3 = body_for(&byshow);
        g_assert_cmpstr(b3, ==, "{\"episode\":{\"season\":1,\"number\":1},\"show\":{\"title\":\"Breaking Bad\",\"year\":2008,\"ids\":{\"tvdb\":81189}},\"progress\":10.0}");
        g_autofree char *k3 = trakt_media_key(&byshow);
        g_assert_cmpstr(k3, ==, "episode:show_tvdb=81189:s1e1");

        char **keys = trakt_media_keys(&byshow);
        g_assert_nonnull(keys);
        g_assert_cmpstr(keys[0], ==, "episode:show_tvdb=81189:s1e1");
        g_assert_cmpstr(keys[1], ==, "episode:title=breaking bad:year=2008:s1e1");
        g_assert_null(keys[2]);
        trakt_strv_free(keys);
        keys = trakt_media_keys(&movie);
        g_assert_cmpstr(keys[0], ==, "movie:trakt=28");
        g_assert_cmpstr(keys[1], ==, "movie:imdb=tt2015381");
        g_assert_cmpstr(keys[2], ==, "movie:tmdb=118340");
        g_assert_cmpstr(keys[3], ==, "movie:slug=guardians-of-the-galaxy-2014");
        g_assert_cmpstr(keys[4], ==, "movie:title=guardians of the galaxy:year=2014");
        g_assert_null(keys[5]);
        trakt_strv_free(keys);

        TraktMedia titled = { .type = TRAKT_MOVIE, .title = (char *) "Inception", .year = 2010 };
        g_autofree char *k4 = trakt_media_key(&titled);
        g_assert_cmpstr(k4, ==, "movie:title=inception:year=2010");
        TraktMedia nothing = { .type = TRAKT_MOVIE };
        g_assert_null(trakt_media_key(&nothing));
}

static char *plain(struct json_object *o) {
        return g_strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

/* The stored wrapper, as a json-c tree and as text. */
static void test_wrappers(void) {
        TraktMedia byshow = { .type = TRAKT_EPISODE, .show_title = (char *) "Breaking Bad", .show_year = 2008,
                              .show_ids = { .tvdb = 81189 }, .season = 1, .number = 2 };
        struct json_object *w = trakt_media_wrapper(&byshow);
        g_autofree char *ws = plain(w);
        g_assert_cmpstr(ws, ==, "{\"type\":\"episode\",\"episode\":{\"season\":1,\"number\":2},"
                                 "\"show\":{\"title\":\"Breaking Bad\",\"year\":2008,\"ids\":{\"tvdb\":81189}}}");
        /* The stored wrapper reads back as the same item (same keys). */
        TraktMedia back = {};
        g_assert_cmpint(trakt_parse_media(w, TRAKT_NONE, &back), ==, 0);
        g_autofree char *k1 = trakt_media_key(&byshow), *k2 = trakt_media_key(&back);
        g_assert_cmpstr(k1, ==, k2);
        trakt_media_done(&back);

        json_object_put(w);

        TraktMedia movie = { .type = TRAKT_MOVIE, .ids = { .trakt = 28 } };
        /* The text form written without json-c is the same JSON (and escapes). */
        TraktMedia odd = { .type = TRAKT_MOVIE, .title = (char *) "A \"quoted\" \\ title\n\x01", .year = 1999,
                           .ids = { .trakt = 7, .slug = (char *) "a-b", .imdb = (char *) "tt7", .tmdb = 8, .tvdb = 9 } };
        TraktMedia *cases[] = { &byshow, &movie, &odd };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *text = trakt_media_wrapper_text(cases[i]);
                struct json_object *a = json_tokener_parse(text), *b = trakt_media_wrapper(cases[i]);
                g_assert_nonnull(a);
                if (!json_object_equal(a, b))
                        g_error("text %s differs from %s", text, json_object_to_json_string(b));
                json_object_put(a);
                json_object_put(b);
        }

        TraktMedia none = {};
        g_assert_null(trakt_media_wrapper(&none));
        g_assert_null(trakt_media_wrapper_text(&none));
}

static void test_metadata(void) {
        g_assert_true(trakt_metadata_valid("resolution", "uhd_4k"));
        g_assert_true(trakt_metadata_valid("audio_channels", "7.1.4"));
        g_assert_true(trakt_metadata_valid("audio", "flac"));
        g_assert_false(trakt_metadata_valid("resolution", "4k"));
        g_assert_false(trakt_metadata_valid("resolution", "uhd"));
        g_assert_false(trakt_metadata_valid("resolution", ""));
        g_assert_false(trakt_metadata_valid("colour", "red"));
        g_assert_nonnull(strstr(trakt_metadata_allowed("hdr"), "dolby_vision"));
        g_assert_null(trakt_metadata_allowed("nope"));
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/trakt-media/bodies", test_bodies);
        g_test_add_func("/trakt-media/metadata", test_metadata);
        g_test_add_func("/trakt-media/wrappers", test_wrappers);
        return g_test_run();
}
