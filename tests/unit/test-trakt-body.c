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

static char *sync_text(TraktSyncBody *b) {
        char *t = trakt_sync_body_text(b);
        g_assert_nonnull(t);
        trakt_sync_body_free(b);
        return t;
}

static char *scrobble(struct json_object *wrapper, const char *action, double progress, const char *app_version, unsigned flags) {
        char *t = NULL;
        g_assert_cmpint(trakt_scrobble_body(wrapper, action, progress, app_version, flags, &t), ==, 0);
        return t;
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
        TraktSyncBody *body = trakt_sync_body_new();
        trakt_sync_body_add_watched(body, w, INT64_C(1767384000) * 1000000, 0); /* 2026-01-02T20:00:00Z */
        TraktMedia movie = { .type = TRAKT_MOVIE, .ids = { .trakt = 28 } };
        struct json_object *mw = trakt_media_wrapper(&movie), *extra = json_object_new_object();
        json_object_object_add(extra, "rating", json_object_new_int(9));
        trakt_sync_body_add_extra(body, mw, extra, 0);
        json_object_put(extra);
        trakt_sync_body_add(body, mw, 0);
        trakt_sync_body_add(body, NULL, 0); /* nothing to add: ignored */
        g_autofree char *bs = sync_text(body);
        g_assert_cmpstr(bs, ==, "{\"shows\":[{\"title\":\"Breaking Bad\",\"year\":2008,\"ids\":{\"tvdb\":81189},"
                                 "\"seasons\":[{\"number\":1,\"episodes\":[{\"number\":2,\"watched_at\":\"2026-01-02T20:00:00.000Z\"}]}]}],"
                                 "\"movies\":[{\"ids\":{\"trakt\":28},\"rating\":9},{\"ids\":{\"trakt\":28}}]}");
        /* The wrapper itself is not modified by building bodies. */
        g_autofree char *ws2 = plain(w);
        g_assert_cmpstr(ws, ==, ws2);
        json_object_put(w);
        json_object_put(mw);
}

/* The typed extras: a rating with its time; a collected copy with its
 * metadata, the same mapping whether it goes straight into a body (the
 * import's push) or waits in the outbox as an extra (UpdateCollection). */
static void test_sync_extras(void) {
        TraktMedia movie = { .type = TRAKT_MOVIE, .title = (char *) "Primer", .year = 2004, .ids = { .trakt = 8, .tvdb = 9 } };
        TraktMedia ep = { .type = TRAKT_EPISODE, .show_title = (char *) "Breaking Bad", .show_ids = { .tvdb = 81189 }, .season = 1,
                          .number = 2 };
        struct json_object *mw = trakt_media_wrapper(&movie), *ew = trakt_media_wrapper(&ep);
        int64_t at = INT64_C(1767384000) * 1000000 + 123000;

        TraktSyncBody *b = trakt_sync_body_new();
        trakt_sync_body_add_rating(b, mw, 9, at, 0);
        trakt_sync_body_add_rating(b, ew, 7, at, 0);
        g_autofree char *rs = sync_text(b);
        g_assert_cmpstr(rs, ==, "{\"movies\":[{\"title\":\"Primer\",\"year\":2004,\"ids\":{\"trakt\":8},\"rating\":9,"
                                 "\"rated_at\":\"2026-01-02T20:00:00.123Z\"}],"
                                 "\"shows\":[{\"title\":\"Breaking Bad\",\"ids\":{\"tvdb\":81189},\"seasons\":[{\"number\":1,"
                                 "\"episodes\":[{\"number\":2,\"rating\":7,\"rated_at\":\"2026-01-02T20:00:00.123Z\"}]}]}]}");

        const TraktCollected full = { .collected_at = at, .media_type = "bluray", .resolution = "uhd_4k", .hdr = "dolby_vision",
                                      .audio = "dts_x", .audio_channels = "7.1", .is_3d = true };
        const TraktCollected bare = { .collected_at = at, .audio = "" };
        b = trakt_sync_body_new();
        trakt_sync_body_add_collected(b, mw, &full, 0);
        trakt_sync_body_add_collected(b, ew, &bare, 0);
        g_autofree char *cs = sync_text(b);
        g_assert_cmpstr(cs, ==, "{\"movies\":[{\"title\":\"Primer\",\"year\":2004,\"ids\":{\"trakt\":8},"
                                 "\"collected_at\":\"2026-01-02T20:00:00.123Z\",\"media_type\":\"bluray\",\"resolution\":\"uhd_4k\","
                                 "\"hdr\":\"dolby_vision\",\"audio\":\"dts_x\",\"audio_channels\":\"7.1\",\"3d\":true}],"
                                 "\"shows\":[{\"title\":\"Breaking Bad\",\"ids\":{\"tvdb\":81189},\"seasons\":[{\"number\":1,"
                                 "\"episodes\":[{\"number\":2,\"collected_at\":\"2026-01-02T20:00:00.123Z\",\"audio\":\"\"}]}]}]}");

        /* Kept as an extra and added later: the same body. */
        struct json_object *x1 = trakt_collected_extra(&full), *x2 = trakt_collected_extra(&bare);
        b = trakt_sync_body_new();
        trakt_sync_body_add_extra(b, mw, x1, 0);
        trakt_sync_body_add_extra(b, ew, x2, 0);
        g_autofree char *ks = sync_text(b);
        g_assert_cmpstr(ks, ==, cs);
        /* An extra that is not an object adds nothing to the item. */
        struct json_object *odd = json_object_new_array();
        b = trakt_sync_body_new();
        trakt_sync_body_add_extra(b, mw, odd, 0);
        trakt_sync_body_add_extra(b, mw, NULL, 0);
        g_autofree char *os = sync_text(b);
        g_assert_cmpstr(os, ==, "{\"movies\":[{\"title\":\"Primer\",\"year\":2004,\"ids\":{\"trakt\":8}},"
                                 "{\"title\":\"Primer\",\"year\":2004,\"ids\":{\"trakt\":8}}]}");
        json_object_put(odd);
        json_object_put(x1);
        json_object_put(x2);
        json_object_put(mw);
        json_object_put(ew);

        /* An empty body is an empty object. */
        b = trakt_sync_body_new();
        g_autofree char *es = sync_text(b);
        g_assert_cmpstr(es, ==, "{}");
        g_assert_null(trakt_sync_body_free(NULL));
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
        TraktSyncBody *b = trakt_sync_body_new();
        trakt_sync_body_add(b, by_imdb, 0);
        trakt_sync_body_add(b, by_id, 0);
        trakt_sync_body_add(b, by_id, TRAKT_BODY_BY_NUMBERS);
        trakt_sync_body_add(b, bare, 0);
        trakt_sync_body_add(b, movie, 0);
        g_autofree char *bs = sync_text(b);
        g_assert_cmpstr(bs, ==,
                        "{\"shows\":[{\"title\":\"Breaking Bad\",\"year\":2008,\"ids\":{\"tvdb\":81189,\"imdb\":\"tt0903747\"},"
                        "\"seasons\":[{\"number\":1,\"episodes\":[{\"number\":2}]}]},"
                        "{\"title\":\"Breaking Bad\",\"ids\":{\"tvdb\":81189},\"seasons\":[{\"number\":1,\"episodes\":[{\"number\":2}]}]}],"
                        "\"episodes\":[{\"ids\":{\"trakt\":73483}},{\"ids\":{\"imdb\":\"tt0959622\"}}],"
                        "\"movies\":[{\"title\":\"Primer\",\"year\":2004,\"ids\":{\"trakt\":8,\"imdb\":\"tt0390384\"}}]}");

        /* scrobble bodies: the show and numbers go along with the id */
        g_autofree char *s1 = scrobble(by_id, "start", 12.345, "1.0", 0);
        g_assert_cmpstr(s1, ==, "{\"episode\":{\"ids\":{\"trakt\":73483},\"season\":1,\"number\":2},"
                                 "\"show\":{\"title\":\"Breaking Bad\",\"ids\":{\"tvdb\":81189}},\"progress\":12.34,\"app_version\":\"1.0\"}");
        g_autofree char *s2 = scrobble(by_id, "stop", 97, NULL, TRAKT_BODY_BY_NUMBERS);
        g_assert_cmpstr(s2, ==, "{\"episode\":{\"season\":1,\"number\":2},"
                                 "\"show\":{\"title\":\"Breaking Bad\",\"ids\":{\"tvdb\":81189}},\"progress\":97.00}");
        g_autofree char *s3 = scrobble(by_imdb, "pause", 79.996, NULL, 0);
        g_assert_cmpstr(s3, ==, "{\"episode\":{\"season\":1,\"number\":2},"
                                 "\"show\":{\"title\":\"Breaking Bad\",\"year\":2008,\"ids\":{\"tvdb\":81189,\"imdb\":\"tt0903747\"}},"
                                 "\"progress\":79.99}");
        g_autofree char *s4 = scrobble(movie, "pause", 0.5, NULL, 0);
        g_assert_cmpstr(s4, ==, "{\"movie\":{\"title\":\"Primer\",\"year\":2004,\"ids\":{\"trakt\":8,\"imdb\":\"tt0390384\"}},\"progress\":1.00}");
        char *none = NULL;
        g_assert_cmpint(trakt_scrobble_body(NULL, "start", 1, NULL, 0, &none), ==, -EBADMSG);
        g_assert_cmpint(trakt_scrobble_body(bare, "start", 1, NULL, 0, &none), ==, 0); /* named by the ids it has */
        g_free(none);
        struct json_object *show = json_tokener_parse("{\"type\":\"show\",\"show\":{\"title\":\"Breaking Bad\"}}");
        g_assert_cmpint(trakt_scrobble_body(show, "start", 1, NULL, 0, &none), ==, -EBADMSG); /* only films and episodes are scrobbled */
        json_object_put(show);

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

/* The OAuth bodies: the members Trakt's device flow, refresh and revoke take,
 * in order, escaped as JSON; nothing for a missing value. */
static void test_oauth_bodies(void) {
        g_autofree char *code = trakt_oauth_device_code_body("client-1");
        g_assert_cmpstr(code, ==, "{\"client_id\":\"client-1\"}");
        g_autofree char *poll = trakt_oauth_device_token_body("dev-1", "client-1", "se\"cr/et\\");
        g_assert_cmpstr(poll, ==, "{\"code\":\"dev-1\",\"client_id\":\"client-1\",\"client_secret\":\"se\\\"cr\\/et\\\\\"}");
        g_autofree char *refresh = trakt_oauth_refresh_body("refresh-1", "client-1", "secret-1");
        g_assert_cmpstr(refresh, ==, "{\"refresh_token\":\"refresh-1\",\"client_id\":\"client-1\",\"client_secret\":\"secret-1\","
                                      "\"redirect_uri\":\"urn:ietf:wg:oauth:2.0:oob\",\"grant_type\":\"refresh_token\"}");
        g_autofree char *revoke = trakt_oauth_revoke_body("access-1", "client-1", "secret-1");
        g_assert_cmpstr(revoke, ==, "{\"token\":\"access-1\",\"client_id\":\"client-1\",\"client_secret\":\"secret-1\"}");
        /* Each reads back as the same strings. */
        struct json_object *o = json_tokener_parse(poll), *v;
        g_assert_true(json_object_object_get_ex(o, "client_secret", &v));
        g_assert_cmpstr(json_object_get_string(v), ==, "se\"cr/et\\");
        json_object_put(o);

        g_assert_null(trakt_oauth_device_code_body(NULL));
        g_assert_null(trakt_oauth_device_token_body("dev-1", NULL, "secret-1"));
        g_assert_null(trakt_oauth_refresh_body("refresh-1", "client-1", NULL));
        g_assert_null(trakt_oauth_revoke_body(NULL, "client-1", "secret-1"));
}

static void test_search_query(void) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "Primer", "Primer" },
                { "Mission: Impossible", "Mission\\: Impossible" },
                { "Spider-Man", "Spider\\-Man" },
                { "Law & Order", "Law \\& Order" },
                { "What If...?", "What If...\\?" },
                { "(500) Days of Summer", "\\(500\\) Days of Summer" },
                { "C:\\dir/\"x\" [y] {z} ^~*!+|", "C\\:\\\\dir\\/\\\"x\\\" \\[y\\] \\{z\\} \\^\\~\\*\\!\\+\\|" },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *q = trakt_search_query(cases[i].in);
                g_assert_cmpstr(q, ==, cases[i].out);
        }
        g_autofree char *none = trakt_search_query(NULL);
        g_assert_cmpstr(none, ==, "");
}

/* The look-up paths: the query escaped for Trakt's search syntax, then for
 * the URL; the years around the one asked for; a show by trakt id, slug or
 * imdb id, in that order. */
static void test_lookup_paths(void) {
        g_autofree char *p1 = trakt_search_path(TRAKT_MOVIE, "Mission: Impossible & Co/Ltd", 1996, 10);
        g_assert_cmpstr(p1, ==, "/search/movie?query=Mission%5C%3A%20Impossible%20%5C%26%20Co%5C%2FLtd&limit=10&years=1995-1997");
        g_autofree char *p2 = trakt_search_path(TRAKT_SHOW, "Dark", 0, 10);
        g_assert_cmpstr(p2, ==, "/search/show?query=Dark&limit=10");
        g_autofree char *p3 = trakt_search_path(TRAKT_EPISODE, "Élite", 2018, 5); /* not a movie: a show */
        g_assert_cmpstr(p3, ==, "/search/show?query=%C3%89lite&limit=5&years=2017-2019");

        TraktIds all = { .trakt = 1390, .slug = (char *) "game-of-thrones", .imdb = (char *) "tt0944947", .tvdb = 121361 };
        TraktIds slug = { .slug = (char *) "a b/c", .imdb = (char *) "tt0944947" };
        TraktIds imdb = { .imdb = (char *) "tt0944947", .tmdb = 1399 };
        TraktIds other = { .tmdb = 1399, .tvdb = 121361 };
        g_autofree char *e1 = trakt_episode_path(&all, 1, 2);
        g_assert_cmpstr(e1, ==, "/shows/1390/seasons/1/episodes/2");
        g_autofree char *e2 = trakt_episode_path(&slug, 0, 1);
        g_assert_cmpstr(e2, ==, "/shows/a%20b%2Fc/seasons/0/episodes/1");
        g_autofree char *e3 = trakt_episode_path(&imdb, 3, 4);
        g_assert_cmpstr(e3, ==, "/shows/tt0944947/seasons/3/episodes/4");
        g_assert_null(trakt_episode_path(&other, 1, 1));
        g_autofree char *r = trakt_show_ref(&all);
        g_assert_cmpstr(r, ==, "1390");
        g_assert_null(trakt_show_ref(&other));
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/trakt-body/sync-bodies", test_sync_bodies);
        g_test_add_func("/trakt-body/sync-extras", test_sync_extras);
        g_test_add_func("/trakt-body/request-bodies", test_request_bodies);
        g_test_add_func("/trakt-body/scrobble-progress", test_scrobble_progress);
        g_test_add_func("/trakt-body/oauth-bodies", test_oauth_bodies);
        g_test_add_func("/trakt-body/search-query", test_search_query);
        g_test_add_func("/trakt-body/lookup-paths", test_lookup_paths);
        return g_test_run();
}
