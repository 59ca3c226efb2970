/* SPDX-License-Identifier: MIT */
/* Every request body sent to Trakt (daemon/trakt-body.c). */
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "trakt-body.h"

static char *plain(struct json_object *o) {
        return g_strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
}

/* /sync bodies from stored wrappers: the wrapper is not modified. */
static void test_sync_bodies(void) {
        TraktMedia byshow = { .type = TRAKT_EPISODE, .show_title = (char *) "Breaking Bad", .show_year = 2008,
                              .show_ids = { .tvdb = 81189 }, .season = 1, .number = 2 };
        struct json_object *w = trakt_media_wrapper(&byshow);
        g_autofree char *ws = plain(w);
        g_assert_cmpstr(ws, ==, "{\"type\":\"episode\",\"episode\":{\"season\":1,\"number\":2},"
                                 "\"show\":{\"title\":\"Breaking Bad\",\"year\":2008,\"ids\":{\"tvdb\":81189}}}");

        /* An episode named by its show goes under shows[].seasons[].episodes[] with the extras. */
        struct json_object *body = json_object_new_object(), *extra = json_object_new_object();
        json_object_object_add(extra, "watched_at", json_object_new_string("2026-01-02T20:00:00.000Z"));
        trakt_sync_body_add(body, w, extra);
        TraktMedia movie = { .type = TRAKT_MOVIE, .ids = { .trakt = 28 } };
        struct json_object *mw = trakt_media_wrapper(&movie);
        extra = json_object_new_object();
        json_object_object_add(extra, "rating", json_object_new_int(9));
        trakt_sync_body_add(body, mw, extra);
        trakt_sync_body_add(body, mw, NULL);
        trakt_sync_body_add(body, NULL, NULL); /* nothing to add: ignored */
        g_autofree char *bs = plain(body);
        g_assert_cmpstr(bs, ==, "{\"shows\":[{\"title\":\"Breaking Bad\",\"year\":2008,\"ids\":{\"tvdb\":81189},"
                                 "\"seasons\":[{\"number\":1,\"episodes\":[{\"number\":2,\"watched_at\":\"2026-01-02T20:00:00.000Z\"}]}]}],"
                                 "\"movies\":[{\"ids\":{\"trakt\":28},\"rating\":9},{\"ids\":{\"trakt\":28}}]}");
        /* The wrapper itself is not modified by building bodies. */
        g_autofree char *ws2 = plain(w);
        g_assert_cmpstr(ws, ==, ws2);
        json_object_put(body);
        json_object_put(w);
        json_object_put(mw);
}

static char *request(struct json_object *body) {
        char *t = g_strdup(json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN));
        json_object_put(body);
        return t;
}

/* Trakt's 2026 request schema: an episode by its trakt or tvdb id only, else
 * by show and numbers; a movie's ids without tvdb (#11.4). */
static void test_request_bodies(void) {
        struct json_object *by_imdb = json_tokener_parse(
                "{\"type\":\"episode\",\"episode\":{\"season\":1,\"number\":2,\"ids\":{\"imdb\":\"tt0959622\",\"tmdb\":62086}},"
                "\"show\":{\"title\":\"Breaking Bad\",\"year\":2008,\"ids\":{\"tvdb\":81189,\"imdb\":\"tt0903747\"}}}");
        struct json_object *by_id = json_tokener_parse(
                "{\"type\":\"episode\",\"episode\":{\"season\":1,\"number\":2,\"ids\":{\"trakt\":73483,\"imdb\":\"tt0959622\"}},"
                "\"show\":{\"title\":\"Breaking Bad\",\"ids\":{\"tvdb\":81189}}}");
        struct json_object *bare = json_tokener_parse("{\"type\":\"episode\",\"episode\":{\"ids\":{\"imdb\":\"tt0959622\"}}}");
        struct json_object *movie = json_tokener_parse(
                "{\"type\":\"movie\",\"movie\":{\"title\":\"Primer\",\"year\":2004,\"ids\":{\"trakt\":8,\"tvdb\":9,\"imdb\":\"tt0390384\"}}}");

        g_assert_false(trakt_wrapper_episode_by_id(by_imdb));
        g_assert_true(trakt_wrapper_episode_by_numbers(by_imdb));
        g_assert_true(trakt_wrapper_episode_by_id(by_id));
        g_assert_false(trakt_wrapper_episode_by_numbers(bare));
        g_assert_false(trakt_wrapper_episode_by_id(movie));
        g_assert_false(trakt_wrapper_episode_by_id(NULL));

        /* /sync bodies */
        struct json_object *b = json_object_new_object();
        trakt_sync_body_add(b, by_imdb, NULL);
        trakt_sync_body_add(b, by_id, NULL);
        trakt_sync_body_add_flags(b, by_id, NULL, TRAKT_BODY_BY_NUMBERS);
        trakt_sync_body_add(b, bare, NULL);
        trakt_sync_body_add(b, movie, NULL);
        g_autofree char *bs = request(b);
        g_assert_cmpstr(bs, ==,
                        "{\"shows\":[{\"title\":\"Breaking Bad\",\"year\":2008,\"ids\":{\"tvdb\":81189,\"imdb\":\"tt0903747\"},"
                        "\"seasons\":[{\"number\":1,\"episodes\":[{\"number\":2}]}]},"
                        "{\"title\":\"Breaking Bad\",\"ids\":{\"tvdb\":81189},\"seasons\":[{\"number\":1,\"episodes\":[{\"number\":2}]}]}],"
                        "\"episodes\":[{\"ids\":{\"trakt\":73483}},{\"ids\":{\"imdb\":\"tt0959622\"}}],"
                        "\"movies\":[{\"title\":\"Primer\",\"year\":2004,\"ids\":{\"trakt\":8,\"imdb\":\"tt0390384\"}}]}");

        /* scrobble bodies: the show and numbers go along with the id */
        g_autofree char *s1 = request(trakt_scrobble_body(by_id, "start", 12.345, "1.0", 0));
        g_assert_cmpstr(s1, ==, "{\"episode\":{\"ids\":{\"trakt\":73483},\"season\":1,\"number\":2},"
                                 "\"show\":{\"title\":\"Breaking Bad\",\"ids\":{\"tvdb\":81189}},\"progress\":12.34,\"app_version\":\"1.0\"}");
        g_autofree char *s2 = request(trakt_scrobble_body(by_id, "stop", 97, NULL, TRAKT_BODY_BY_NUMBERS));
        g_assert_cmpstr(s2, ==, "{\"episode\":{\"season\":1,\"number\":2},"
                                 "\"show\":{\"title\":\"Breaking Bad\",\"ids\":{\"tvdb\":81189}},\"progress\":97.00}");
        g_autofree char *s3 = request(trakt_scrobble_body(by_imdb, "pause", 79.996, NULL, 0));
        g_assert_cmpstr(s3, ==, "{\"episode\":{\"season\":1,\"number\":2},"
                                 "\"show\":{\"title\":\"Breaking Bad\",\"year\":2008,\"ids\":{\"tvdb\":81189,\"imdb\":\"tt0903747\"}},"
                                 "\"progress\":79.99}");
        g_autofree char *s4 = request(trakt_scrobble_body(movie, "pause", 0.5, NULL, 0));
        g_assert_cmpstr(s4, ==, "{\"movie\":{\"title\":\"Primer\",\"year\":2004,\"ids\":{\"trakt\":8,\"imdb\":\"tt0390384\"}},\"progress\":1.00}");
        g_assert_null(trakt_scrobble_body(NULL, "start", 1, NULL, 0));

        json_object_put(by_imdb);
        json_object_put(by_id);
        json_object_put(bare);
        json_object_put(movie);
}

/* What a scrobble sends: two decimals, never rounded up; a pause within 1–79.99 (#11.5). */
static void test_scrobble_progress(void) {
        g_assert_cmpfloat(trakt_scrobble_progress("pause", 79.996), ==, 79.99);
        g_assert_cmpfloat(trakt_scrobble_progress("pause", 80.0), ==, 79.99);
        g_assert_cmpfloat(trakt_scrobble_progress("pause", 0.5), ==, 1.0);
        g_assert_cmpfloat(trakt_scrobble_progress("pause", 0), ==, 1.0);
        g_assert_cmpfloat(trakt_scrobble_progress("stop", 79.996), ==, 79.99);
        g_assert_cmpfloat(trakt_scrobble_progress("stop", 99.999), ==, 99.99);
        g_assert_cmpfloat(trakt_scrobble_progress("start", 0.5), ==, 0.5);
        g_assert_cmpfloat(trakt_scrobble_progress("start", -3), ==, 0);
        g_assert_cmpfloat(trakt_scrobble_progress("start", 250), ==, 100);
        g_assert_cmpfloat(trakt_scrobble_progress("start", NAN), ==, 0);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/trakt-body/sync-bodies", test_sync_bodies);
        g_test_add_func("/trakt-body/request-bodies", test_request_bodies);
        g_test_add_func("/trakt-body/scrobble-progress", test_scrobble_progress);
        return g_test_run();
}
