/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "trakt-json.h"

typedef enum Parser {
        P_HISTORY, P_RATINGS, P_LIST, P_PLAYBACK, P_COLLECTION_MOVIES, P_COLLECTION_SHOWS, P_WATCHED_MOVIES,
        P_WATCHED_SHOWS, P_RECOMMENDED_MOVIES, P_RECOMMENDED_SHOWS, P_SETTINGS, P_STATS, P_LAST_ACTIVITIES,
        P_TOKEN, P_SYNC_RESULT, P_SCROBBLE, P_SEARCH, P_EPISODE,
        P_JSON_ONLY, /* shapes we do not consume (profiles, comments, likes…): must still be valid JSON */
        P_INVALID,   /* kept broken on purpose (see PROVENANCE.md) */
} Parser;

/* Every fixture, matched in order (first match wins). A fixture no pattern
 * covers fails the test: a new fixture must get a parser. */
static const struct {
        const char *pattern;
        Parser parser;
} table[] = {
        { "TraktKit/Checkin/test_checkin_movie.json", P_INVALID },
        { "*/sync/history.json", P_HISTORY },
        { "*/sync/history/*.json", P_HISTORY },
        { "*/users/me/history.json", P_HISTORY },
        { "*test_get_watched_history.json", P_HISTORY },
        { "*test_get_user_watched_history.json", P_HISTORY },
        { "*/sync/ratings*.json", P_RATINGS },
        { "*/users/me/ratings.json", P_RATINGS },
        { "*test_get_ratings.json", P_RATINGS },
        { "*test_get_user_ratings.json", P_RATINGS },
        { "*/sync/watchlist*.json", P_LIST },
        { "*/users/me/watchlist.json", P_LIST },
        { "*test_get_watchlist.json", P_LIST },
        { "*test_get_user_watchlist.json", P_LIST },
        { "*/lists/people/items.json", P_JSON_ONLY },
        { "*/lists/*/items.json", P_LIST },
        { "*test_get_items_on_custom_list.json", P_LIST },
        { "*/sync/playback*.json", P_PLAYBACK },
        { "*test_get_playback_progress.json", P_PLAYBACK },
        { "*/sync/collection/movies.json", P_COLLECTION_MOVIES },
        { "*test_get_collection.json", P_COLLECTION_MOVIES },
        { "*/sync/collection/shows.json", P_COLLECTION_SHOWS },
        { "*test_get_collection_shows.json", P_COLLECTION_SHOWS },
        { "*test_get_user_collection.json", P_COLLECTION_MOVIES },
        { "*/watched/movies.json", P_WATCHED_MOVIES },
        { "*test_get_watched.json", P_WATCHED_MOVIES },
        { "*test_get_user_watched_movies.json", P_WATCHED_MOVIES },
        { "*/watched/shows.json", P_WATCHED_SHOWS },
        { "*test_get_watched_shows*.json", P_WATCHED_SHOWS },
        { "*test_get_user_watched_shows*.json", P_WATCHED_SHOWS },
        { "*/movies/recommended*.json", P_JSON_ONLY }, /* public "recommended" charts: {user_count, movie} */
        { "*/shows/recommended*.json", P_JSON_ONLY },
        { "*test_get_movie_recommendations.json", P_RECOMMENDED_MOVIES },
        { "*test_get_show_recommendations.json", P_RECOMMENDED_SHOWS },
        { "*test_get_settings.json", P_SETTINGS },
        { "*test_get_user_stats.json", P_STATS },
        { "*test_get_last_activity.json", P_LAST_ACTIVITIES },
        { "*Authentication/AuthenticationInfo.json", P_TOKEN },
        { "*test_add_items_to_*.json", P_SYNC_RESULT },
        { "*test_remove_items_from_*.json", P_SYNC_RESULT },
        { "*test_add_new_ratings.json", P_SYNC_RESULT },
        { "*test_remove_ratings.json", P_SYNC_RESULT },
        { "PlexTraktSync/trakt_sync_collection_response.json", P_SYNC_RESULT },
        { "*Scrobble/*.json", P_SCROBBLE },
        { "*/search/*.json", P_SEARCH },
        { "*/shows/*/seasons/*/episodes/*.json", P_EPISODE },
        { "*", P_JSON_ONLY },
};

static Parser parser_for(const char *rel) {
        for (size_t i = 0; i < G_N_ELEMENTS(table); i++)
                if (g_pattern_match_simple(table[i].pattern, rel))
                        return table[i].parser;
        return P_JSON_ONLY;
}

static unsigned n_checked, n_items;

static void check_items(struct json_object *o, TraktItemKind kind, TraktMediaType hint, const char *rel) {
        TraktItem *items = NULL;
        size_t n = 0, skipped = 0;
        int r = trakt_parse_items(o, kind, hint, &items, &n, &skipped);
        if (r < 0)
                g_error("%s: not accepted (%s)", rel, g_strerror(-r));
        if (skipped > 0)
                g_error("%s: %zu item(s) rejected", rel, skipped);
        for (size_t i = 0; i < n; i++) {
                g_autofree char *key = trakt_media_key(&items[i].media);
                if (!key)
                        g_error("%s: item %zu has no key", rel, i);
        }
        n_items += n;
        trakt_items_free(items, n);
}

static void check_fixture(const char *root, const char *rel) {
        g_autofree char *path = g_build_filename(root, rel, NULL);
        g_autofree char *text = NULL;
        gsize len;
        g_assert_true(g_file_get_contents(path, &text, &len, NULL));

        Parser p = parser_for(rel);
        /* Strict, as the daemon parses Trakt's answers (no trailing commas). */
        struct json_tokener *tok = json_tokener_new();
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        struct json_object *o = json_tokener_parse_ex(tok, text, (int) len);
        if (o && json_tokener_get_error(tok) != json_tokener_success) {
                json_object_put(o);
                o = NULL;
        }
        json_tokener_free(tok);
        if (p == P_INVALID) {
                if (o)
                        g_error("%s: expected to be invalid JSON", rel);
                n_checked++;
                return;
        }
        if (!o)
                g_error("%s: not valid JSON", rel);

        switch (p) {
        case P_HISTORY: check_items(o, TRAKT_ITEMS_HISTORY, TRAKT_NONE, rel); break;
        case P_RATINGS: check_items(o, TRAKT_ITEMS_RATINGS, TRAKT_NONE, rel); break;
        case P_LIST: check_items(o, TRAKT_ITEMS_LIST, TRAKT_NONE, rel); break;
        case P_PLAYBACK: check_items(o, TRAKT_ITEMS_PLAYBACK, TRAKT_NONE, rel); break;
        case P_COLLECTION_MOVIES: check_items(o, TRAKT_ITEMS_COLLECTION, TRAKT_MOVIE, rel); break;
        case P_COLLECTION_SHOWS: check_items(o, TRAKT_ITEMS_COLLECTION, TRAKT_SHOW, rel); break;
        case P_WATCHED_MOVIES: check_items(o, TRAKT_ITEMS_WATCHED, TRAKT_MOVIE, rel); break;
        case P_WATCHED_SHOWS: check_items(o, TRAKT_ITEMS_WATCHED, TRAKT_SHOW, rel); break;
        case P_RECOMMENDED_MOVIES: check_items(o, TRAKT_ITEMS_RECOMMENDATIONS, TRAKT_MOVIE, rel); break;
        case P_RECOMMENDED_SHOWS: check_items(o, TRAKT_ITEMS_RECOMMENDATIONS, TRAKT_SHOW, rel); break;
        case P_SETTINGS: {
                TraktUserSettings s = {};
                g_assert_cmpint(trakt_parse_user_settings(o, &s), ==, 0);
                g_assert_nonnull(s.username);
                trakt_user_settings_done(&s);
                break;
        }
        case P_STATS: {
                TraktUserStats s = {};
                g_assert_cmpint(trakt_parse_user_stats(o, &s), ==, 0);
                break;
        }
        case P_LAST_ACTIVITIES: {
                TraktActivity *a = NULL;
                size_t n = 0;
                g_assert_cmpint(trakt_parse_last_activities(o, &a, &n), ==, 0);
                g_assert_cmpuint(n, >, 10);
                trakt_activities_free(a, n);
                break;
        }
        case P_TOKEN: {
                TraktToken t = {};
                g_assert_cmpint(trakt_parse_token(o, &t), ==, 0);
                trakt_token_done(&t);
                break;
        }
        case P_SYNC_RESULT: {
                TraktSyncResult s = {};
                if (trakt_parse_sync_result(o, &s) < 0)
                        g_error("%s: sync result not accepted", rel);
                break;
        }
        case P_SCROBBLE: {
                TraktScrobbleResult s = {};
                if (trakt_parse_scrobble(o, &s) < 0)
                        g_error("%s: scrobble answer not accepted", rel);
                trakt_scrobble_done(&s);
                break;
        }
        case P_SEARCH: {
                TraktSearchResult *res = NULL;
                size_t n = 0;
                if (trakt_parse_search(o, &res, &n) < 0 || n == 0 || n != json_object_array_length(o))
                        g_error("%s: search answer not accepted (%zu of %zu results)", rel, n, json_object_array_length(o));
                n_items += n;
                trakt_search_results_free(res, n);
                break;
        }
        case P_EPISODE: {
                TraktMedia show = { .type = TRAKT_SHOW, .ids.trakt = 1390, .title = (char *) "Game of Thrones" }, e = {};
                if (trakt_parse_episode(o, &show, &e) < 0)
                        g_error("%s: episode not accepted", rel);
                trakt_media_done(&e);
                break;
        }
        default:
                break;
        }
        json_object_put(o);
        n_checked++;
}

static void walk(const char *root, const char *rel) {
        g_autofree char *dir = g_build_filename(root, rel, NULL);
        GDir *d = g_dir_open(dir, 0, NULL);
        const char *name;
        g_assert_nonnull(d);
        while ((name = g_dir_read_name(d))) {
                g_autofree char *child = *rel ? g_build_filename(rel, name, NULL) : g_strdup(name);
                g_autofree char *full = g_build_filename(root, child, NULL);
                if (g_file_test(full, G_FILE_TEST_IS_DIR))
                        walk(root, child);
                else if (g_str_has_suffix(name, ".json"))
                        check_fixture(root, child);
        }
        g_dir_close(d);
}

static void test_every_fixture(void) {
        g_autofree char *root = g_build_filename(g_getenv("KT_FIXTURES"), "trakt-real", NULL);
        walk(root, "");
        g_test_message("%u fixtures, %u items", n_checked, n_items);
        g_assert_cmpuint(n_checked, >=, 100);
        g_assert_cmpuint(n_items, >, 100);
}

static struct json_object *load(const char *rel) {
        g_autofree char *path = g_build_filename(g_getenv("KT_FIXTURES"), "trakt-real", rel, NULL);
        struct json_object *o = json_object_from_file(path);
        g_assert_nonnull(o);
        return o;
}

static void test_values(void) {
        TraktItem *items;
        size_t n, skipped;

        /* History: ids and times as Trakt sent them. */
        struct json_object *o = load("TraktKit/Sync/test_get_watched_history.json");
        g_assert_cmpint(trakt_parse_items(o, TRAKT_ITEMS_HISTORY, TRAKT_NONE, &items, &n, &skipped), ==, 0);
        g_assert_cmpint(items[0].id, ==, 1982346);
        char buf[32];
        g_assert_cmpstr(trakt_format_time(items[0].at, buf, sizeof buf), ==, "2014-03-31T09:28:53.000Z");
        g_assert_cmpint(items[0].media.type, ==, TRAKT_MOVIE);
        g_assert_cmpuint(items[0].media.ids.trakt, ==, 4);
        g_assert_cmpstr(items[0].media.ids.imdb, ==, "tt0468569");
        g_autofree char *key = trakt_media_key(&items[0].media);
        g_assert_cmpstr(key, ==, "movie:trakt=4");
        trakt_items_free(items, n);
        json_object_put(o);

        /* Ratings. */
        o = load("trakt.py/sync/ratings.json");
        g_assert_cmpint(trakt_parse_items(o, TRAKT_ITEMS_RATINGS, TRAKT_NONE, &items, &n, &skipped), ==, 0);
        g_assert_cmpint(items[0].rating, ==, 10);
        g_assert_cmpstr(items[0].media.title, ==, "TRON: Legacy");
        trakt_items_free(items, n);
        json_object_put(o);

        /* Collection metadata: strings, nulls, and the integers Trakt sent in 2020 (docs/trakt-api.md §5.6). */
        o = json_tokener_parse("[{\"collected_at\":\"2014-09-01T09:10:11.000Z\",\"movie\":{\"title\":\"X\",\"ids\":{\"trakt\":9}},"
                               "\"metadata\":{\"media_type\":\"bluray\",\"resolution\":\"uhd_4k\",\"hdr\":null,"
                               "\"audio\":\"dts_x\",\"audio_channels\":7.1,\"3d\":true}}]");
        g_assert_cmpint(trakt_parse_items(o, TRAKT_ITEMS_COLLECTION, TRAKT_MOVIE, &items, &n, &skipped), ==, 0);
        g_assert_cmpuint(n, ==, 1);
        g_assert_cmpstr(items[0].meta.resolution, ==, "uhd_4k");
        g_assert_cmpstr(items[0].meta.media_type, ==, "bluray");
        g_assert_null(items[0].meta.hdr);
        g_assert_cmpstr(items[0].meta.audio_channels, ==, "7.1");
        g_assert_true(items[0].meta.is_3d);
        g_assert_true(trakt_metadata_valid("resolution", items[0].meta.resolution));
        trakt_items_free(items, n);
        json_object_put(o);

        /* Collection shows expand to episodes named by show + numbers. */
        o = load("TraktKit/Sync/test_get_collection_shows.json");
        g_assert_cmpint(trakt_parse_items(o, TRAKT_ITEMS_COLLECTION, TRAKT_SHOW, &items, &n, &skipped), ==, 0);
        g_assert_cmpuint(n, >, 0);
        g_assert_cmpint(items[0].media.type, ==, TRAKT_EPISODE);
        g_assert_cmpuint(items[0].media.number, >, 0);
        g_assert_false(trakt_ids_empty(&items[0].media.show_ids));
        trakt_items_free(items, n);
        json_object_put(o);

        /* Stats for the preview. */
        o = load("TraktKit/Users/test_get_user_stats.json");
        TraktUserStats st;
        g_assert_cmpint(trakt_parse_user_stats(o, &st), ==, 0);
        g_assert_cmpint(st.movies_watched, >, 0);
        g_assert_cmpint(st.ratings_total, >, 0);
        json_object_put(o);
}

static void test_time(void) {
        int64_t t, t2;
        char buf[32];
        g_assert_cmpint(trakt_parse_time("2014-09-01T09:10:11.000Z", &t), ==, 0);
        g_assert_cmpint(t, ==, INT64_C(1409562611000000));
        g_assert_cmpint(trakt_parse_time("2014-09-01T09:10:11Z", &t2), ==, 0);
        g_assert_cmpint(t, ==, t2);
        g_assert_cmpint(trakt_parse_time("2014-09-01T11:10:11.5+02:00", &t2), ==, 0);
        g_assert_cmpint(t2, ==, t + 500000);
        g_assert_cmpstr(trakt_format_time(t + 123456, buf, sizeof buf), ==, "2014-09-01T09:10:11.123Z");
        const char *bad[] = { "", "yesterday", "2014-13-01T00:00:00Z", "2014-09-01 09:10:11", "2014-09-01T09:10:11.Z",
                              "2014-09-01T09:10:11.000Zjunk", "2014-09-01T09:10:11+2", NULL };
        for (size_t i = 0; bad[i]; i++)
                g_assert_cmpint(trakt_parse_time(bad[i], &t), ==, -EINVAL);
        g_assert_cmpint(trakt_parse_time(NULL, &t), ==, -EINVAL);
}

static void test_garbage(void) {
        const char *inputs[] = {
                "null", "1", "\"x\"", "{}", "[]", "[null, 1, \"x\", [], {}]",
                "[{\"movie\": null}]", "[{\"movie\": 5, \"watched_at\": 7}]", "[{\"type\":\"episode\",\"episode\":{}}]",
                "[{\"rating\": \"eleven\", \"movie\": {\"ids\": {\"trakt\": 1}}}]",
                "[{\"show\": {\"ids\": {\"trakt\": \"x\"}}, \"seasons\": [null, {\"episodes\": [null, 1, {\"number\": -1}]}]}]",
                "{\"all\": 5}", "{\"user\": []}", "{\"movies\": {\"watched\": \"many\"}, \"episodes\": {}}",
                "[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]", NULL,
        };
        for (size_t i = 0; inputs[i]; i++) {
                struct json_object *o = json_tokener_parse(inputs[i]);
                TraktItem *items = NULL;
                size_t n = 0, skipped = 0;
                for (int k = TRAKT_ITEMS_HISTORY; k <= TRAKT_ITEMS_RECOMMENDATIONS; k++)
                        if (trakt_parse_items(o, (TraktItemKind) k, k == TRAKT_ITEMS_RECOMMENDATIONS ? TRAKT_MOVIE : TRAKT_NONE,
                                              &items, &n, &skipped) >= 0)
                                trakt_items_free(items, n);
                TraktUserSettings us = {};
                if (trakt_parse_user_settings(o, &us) >= 0)
                        trakt_user_settings_done(&us);
                TraktUserStats st;
                (void) trakt_parse_user_stats(o, &st);
                TraktActivity *a;
                if (trakt_parse_last_activities(o, &a, &n) >= 0)
                        trakt_activities_free(a, n);
                TraktToken t = {};
                g_assert_cmpint(trakt_parse_token(o, &t), <, 0);
                TraktDeviceCode dc = {};
                g_assert_cmpint(trakt_parse_device_code(o, &dc), <, 0);
                TraktSyncResult sr;
                (void) trakt_parse_sync_result(o, &sr);
                json_object_put(o);
        }
}

/* GET /users/{id}/lists/{list_id}: a real answer (trakt.py's capture), the
 * stand-in's shape, and what must be refused. */
static void test_list_summary(void) {
        g_autofree char *path = g_build_filename(g_getenv("KT_FIXTURES"), "trakt-real", "trakt.py", "users", "sean", "lists",
                                                 "55.json", NULL);
        struct json_object *o = json_object_from_file(path);
        TraktList l = {};
        g_assert_nonnull(o);
        g_assert_cmpint(trakt_parse_list(o, &l), ==, 0);
        g_assert_cmpstr(l.name, ==, "Star Wars in machete order");
        g_assert_cmpstr(l.privacy, ==, "public");
        g_assert_cmpstr(l.slug, ==, "star-wars-in-machete-order");
        g_assert_cmpint(l.trakt_id, ==, 55);
        g_assert_cmpstr(l.user_slug, ==, "sean");
        g_assert_cmpstr(l.username, ==, "sean");
        g_assert_cmpint(l.item_count, ==, 5);
        g_assert_cmpint(l.updated_at, ==, INT64_C(1413046854) * 1000000);
        trakt_list_done(&l);
        g_assert_null(l.name);
        json_object_put(o);

        o = json_tokener_parse("{\"name\": \"Picks\", \"privacy\": \"private\", \"ids\": {\"trakt\": \"7\", \"slug\": null},"
                               " \"user\": null, \"item_count\": \"3\"}");
        g_assert_cmpint(trakt_parse_list(o, &l), ==, 0);
        g_assert_cmpstr(l.name, ==, "Picks");
        g_assert_cmpstr(l.privacy, ==, "private");
        g_assert_null(l.slug);
        g_assert_null(l.user_slug);
        g_assert_cmpint(l.trakt_id, ==, 7);
        g_assert_cmpint(l.item_count, ==, 3);
        g_assert_cmpint(l.updated_at, ==, 0);
        trakt_list_done(&l);
        json_object_put(o);

        const char *bad[] = { "null", "[]", "\"x\"", "{}", "{\"name\": \"\"}", "{\"name\": 5}", "{\"name\": null}",
                              "{\"name\": [\"x\"]}", "[{\"name\": \"x\"}]", NULL };
        for (size_t i = 0; bad[i]; i++) {
                o = json_tokener_parse(bad[i]);
                l = (TraktList) { .name = (char *) "untouched" };
                g_assert_cmpint(trakt_parse_list(o, &l), ==, -EBADMSG);
                g_assert_cmpstr(l.name, ==, "untouched");
                json_object_put(o);
        }
        g_assert_cmpint(trakt_parse_list(NULL, &l), ==, -EBADMSG);
}

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

static void test_wrappers_and_sync_bodies(void) {
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

/* ---- history pages read from the text (trakt_parse_history_text) ---- */

static bool same_str(const char *a, const char *b) {
        return a == b || (a && b && strcmp(a, b) == 0);
}

static void assert_same_ids(const TraktIds *a, const TraktIds *b) {
        g_assert_cmpuint(a->trakt, ==, b->trakt);
        g_assert_cmpuint(a->tmdb, ==, b->tmdb);
        g_assert_cmpuint(a->tvdb, ==, b->tvdb);
        g_assert_true(same_str(a->imdb, b->imdb));
        g_assert_true(same_str(a->slug, b->slug));
}

/* The text reader and the tree agree on text: both accept it or neither
 * does, with the same items. Returns the number of items. */
static size_t assert_text_as_tree(const char *text, size_t len) {
        struct json_tokener *tok = json_tokener_new();
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        struct json_object *o = json_tokener_parse_ex(tok, text, (int) len);
        if (o && (json_tokener_get_error(tok) != json_tokener_success || (size_t) tok->char_offset < len)) {
                json_object_put(o);
                o = NULL;
        }
        json_tokener_free(tok);

        TraktItem *a = NULL, *b = NULL;
        size_t na = 0, nb = 0, sa = 0, sb = 0;
        int ra = trakt_parse_history_text(text, len, &a, &na, &sa);
        int rb = o ? trakt_parse_items(o, TRAKT_ITEMS_HISTORY, TRAKT_NONE, &b, &nb, &sb) : -EBADMSG;
        if (ra != rb)
                g_error("text reader %d, tree %d on: %.*s", ra, rb, (int) MIN(len, 300), text);
        g_assert_cmpuint(na, ==, nb);
        g_assert_cmpuint(sa, ==, sb);
        for (size_t i = 0; i < na; i++) {
                const TraktMedia *x = &a[i].media, *y = &b[i].media;
                g_assert_cmpint(x->type, ==, y->type);
                assert_same_ids(&x->ids, &y->ids);
                assert_same_ids(&x->show_ids, &y->show_ids);
                g_assert_cmpstr(x->title, ==, y->title);
                g_assert_cmpstr(x->show_title, ==, y->show_title);
                g_assert_cmpuint(x->year, ==, y->year);
                g_assert_cmpuint(x->show_year, ==, y->show_year);
                g_assert_cmpuint(x->season, ==, y->season);
                g_assert_cmpuint(x->number, ==, y->number);
                g_assert_cmpuint(x->runtime, ==, y->runtime);
                g_assert_cmpint(a[i].id, ==, b[i].id);
                g_assert_cmpint(a[i].at, ==, b[i].at);
                g_assert_cmpstr(a[i].action, ==, b[i].action);
                g_assert_null(a[i].src);
        }
        trakt_items_free(a, na);
        trakt_items_free(b, nb);
        json_object_put(o);
        return na;
}

#define ROW_EPISODE                                                                                                \
        "{\"id\":8123456789,\"watched_at\":\"2024-03-31T09:28:53.000Z\",\"action\":\"scrobble\",\"type\":\"episode\"," \
        "\"episode\":{\"season\":2,\"number\":11,\"title\":\"Pawnee Zoo\",\"ids\":{\"trakt\":251,\"tvdb\":797571,"     \
        "\"imdb\":\"tt1234567\",\"tmdb\":397629,\"tvrage\":null}},\"show\":{\"title\":\"Parks and Recreation\","      \
        "\"year\":2009,\"ids\":{\"trakt\":4,\"slug\":\"parks-and-recreation\",\"tvdb\":84912,\"imdb\":\"tt1266020\"," \
        "\"tmdb\":8592,\"tvrage\":21686}}}"

/* Whatever a page holds, the items are the ones the tree gives: real rows,
 * and every odd thing JSON allows in them. */
static void test_history_text_same_as_tree(void) {
        static const char *const pages[] = {
                "[]",
                " [ ] \n",
                "[" ROW_EPISODE "]",
                "[" ROW_EPISODE "," ROW_EPISODE "]",
                /* a film, a season, a show, a person, a list, things that are not objects */
                "[{\"id\":1,\"watched_at\":\"2014-03-31T09:28:53Z\",\"action\":\"watch\",\"type\":\"movie\","
                "\"movie\":{\"title\":\"Tron\",\"year\":2010,\"runtime\":125,\"ids\":{\"trakt\":1,\"slug\":\"tron\"}}},"
                "{\"id\":2,\"watched_at\":\"2014-03-31T09:28:53Z\",\"type\":\"season\",\"season\":{\"number\":3,\"title\":\"x\",\"ids\":{\"tvdb\":5}},"
                "\"show\":{\"title\":\"S\",\"ids\":{\"trakt\":9}}},"
                "{\"id\":3,\"watched_at\":\"2014-03-31T09:28:53Z\",\"type\":\"show\",\"show\":{\"title\":\"S\",\"year\":1999}},"
                "{\"type\":\"person\",\"person\":{\"name\":\"x\"}},{\"type\":\"list\"},"
                "null,1,\"x\",[],true,{}]",
                /* numbers as strings, doubles, out of range; nulls; empty imdb; repeated members (the last counts) */
                "[{\"id\":\"42\",\"watched_at\":\"2014-03-31T11:28:53.5+02:00\",\"movie\":{\"title\":null,\"year\":\"2010\","
                "\"runtime\":1.5e2,\"ids\":{\"trakt\":28.0,\"tmdb\":-5,\"tvdb\":99999999999999999999,\"imdb\":\"\",\"slug\":\"\"}}},"
                "{\"id\":1e30,\"watched_at\":\"2014-03-31T09:28:53Z\",\"movie\":{\"title\":\"A\",\"year\":100000,\"ids\":null}},"
                "{\"id\":-7,\"watched_at\":\"2014-03-31T09:28:53Z\",\"movie\":{\"title\":\"A\",\"title\":5,\"ids\":{\"trakt\":1}}},"
                "{\"id\":7,\"watched_at\":\"2014-03-31T09:28:53Z\",\"watched_at\":3,\"movie\":{\"title\":\"B\"}},"
                "{\"id\":8,\"watched_at\":\"2014-03-31T09:28:53Z\",\"movie\":{\"title\":\"B\"},\"movie\":7,\"show\":{\"title\":\"C\"}},"
                "{\"id\":9,\"watched_at\":\"2014-03-31T09:28:53Z\",\"type\":\"movie\",\"type\":\"episode\","
                "\"episode\":{\"number\":4,\"ids\":{}},\"show\":{\"ids\":{\"slug\":\"s\"},\"ids\":{\"tvdb\":\"12\"}}},"
                "{\"id\":10,\"action\":\"watch\",\"movie\":{\"title\":\"no watched_at\"}},"
                "{\"id\":11,\"watched_at\":\"garbage\",\"movie\":{\"title\":\"bad date\"}},"
                "{\"id\":12,\"watched_at\":\"2014-03-31T09:28:53Z\",\"type\":\"nonsense\",\"movie\":{\"ids\":{\"imdb\":\"tt1\"}}},"
                "{\"id\":13,\"watched_at\":\"2014-03-31T09:28:53Z\",\"type\":7,\"episode\":{\"ids\":{}}}]",
                /* escapes, surrogates, raw UTF-8, unknown members of every kind and depth */
                "[{\"i\\u0064\":14,\"watched_at\":\"2014-03-31T09:28:53Z\",\"movie\":{\"title\":\"\\u00e9\\\"\\\\\\/\\b\\f\\n\\r\\t"
                "\\ud83c\\udfac \\ud800 \\udc00x \\ud800\\u0041 \xc3\xa9\",\"ids\":{\"slug\":\"a\\u0000b\"}},"
                "\"extra\":[1,-0,0.5,-1.5E+3,true,false,null,\"s\",{\"a\":[[[{}]]]}],\"o\":{}}]",
        };
        size_t n = 0;
        for (size_t i = 0; i < G_N_ELEMENTS(pages); i++)
                n += assert_text_as_tree(pages[i], strlen(pages[i]));
        g_assert_cmpuint(n, ==, 13);

        /* Real pages: the history fixtures, and other lists read as one (their
         * rows have no watched_at: every one skipped, on both sides). */
        static const struct {
                const char *file;
                size_t plays;
        } files[] = {
                { "trakt.py/sync/history.json", 3 },
                { "TraktKit/Sync/test_get_watched_history.json", 3 },
                { "trakt.py/sync/ratings.json", 0 },
                { "TraktKit/Sync/test_get_watchlist.json", 0 },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(files); i++) {
                g_autofree char *path = g_build_filename(g_getenv("KT_FIXTURES"), "trakt-real", files[i].file, NULL);
                g_autofree char *text = NULL;
                gsize len;
                g_assert_true(g_file_get_contents(path, &text, &len, NULL));
                g_assert_cmpuint(assert_text_as_tree(text, len), ==, files[i].plays);
        }
}

/* Text that is not a well-formed JSON array is refused, as the HTTP engine
 * refuses it; the nesting limit is json-c's. */
static void test_history_text_malformed(void) {
        static const char *const bad[] = {
                "", " ", "{}", "\"x\"", "1", "[", "[" ROW_EPISODE, "[" ROW_EPISODE ",]", "[1,]", "[1 2]", "[] x", "[]]",
                "[{\"a\":1,}]", "[{\"a\"}]", "[{\"a\":}]", "[{1:2}]", "['a']", "[\"\\x\"]", "[\"\\u12\"]", "[\"abc]",
                "[tru]", "[nul]", "[01]", "[-]", "[+1]", "[.5]", "[1e]", "[0x1]", "[\"a\"\"b\"]", "[/*c*/]",
                "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]",
        };
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                TraktItem *items = NULL;
                size_t n = 0;
                if (trakt_parse_history_text(bad[i], strlen(bad[i]), &items, &n, NULL) != -EBADMSG)
                        g_error("accepted: %s", bad[i]);
                assert_text_as_tree(bad[i], strlen(bad[i])); /* and json-c refuses it too */
        }
        /* A NUL byte inside is the end of json-c's input: refused either way. */
        static const char nul[] = "[\"a\0b\"]", nul_after[] = "[]\0";
        TraktItem *items = NULL;
        size_t n = 0;
        g_assert_cmpint(trakt_parse_history_text(nul, sizeof nul - 1, &items, &n, NULL), ==, -EBADMSG);
        g_assert_cmpint(trakt_parse_history_text(nul_after, sizeof nul_after - 1, &items, &n, NULL), ==, -EBADMSG);
        /* 31 levels are fine, as for json-c. */
        const char *deep = "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]";
        g_assert_cmpint(trakt_parse_history_text(deep, strlen(deep), &items, &n, NULL), ==, 0);
        g_assert_cmpuint(n, ==, 0);
        trakt_items_free(items, n);
        assert_text_as_tree(deep, strlen(deep));
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/trakt-json/every-fixture", test_every_fixture);
        g_test_add_func("/trakt-json/values", test_values);
        g_test_add_func("/trakt-json/time", test_time);
        g_test_add_func("/trakt-json/garbage", test_garbage);
        g_test_add_func("/trakt-json/bodies", test_bodies);
        g_test_add_func("/trakt-json/metadata", test_metadata);
        g_test_add_func("/trakt-json/list-summary", test_list_summary);
        g_test_add_func("/trakt-json/wrappers-and-sync-bodies", test_wrappers_and_sync_bodies);
        g_test_add_func("/trakt-json/request-bodies", test_request_bodies);
        g_test_add_func("/trakt-json/scrobble-progress", test_scrobble_progress);
        g_test_add_func("/trakt-json/history-text-same-as-tree", test_history_text_same_as_tree);
        g_test_add_func("/trakt-json/history-text-malformed", test_history_text_malformed);
        return g_test_run();
}
