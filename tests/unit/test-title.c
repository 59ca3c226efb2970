/* SPDX-License-Identifier: MIT */
/* Titles named by players against Trakt's search answers (daemon/title.c),
 * and the search answers themselves (trakt-parse.c), on real answers captured
 * from Trakt (tests/fixtures/trakt-real/trakt.py/search/…). */
#include <glib.h>
#include <string.h>

#include "title.h"
#include "trakt-parse.h"

static void test_normalize(void) {
        static const struct {
                const char *in, *out;
        } cases[] = {
                { "The Expanse", "expanse" },
                { "Expanse, The", "expanse" },
                { "  THE   expanse ", "expanse" },
                { "Schindler's List", "schindlers list" },
                { "Schindler’s List", "schindlers list" },
                { "Law & Order", "law and order" },
                { "Law and Order", "law and order" },
                { "Mission: Impossible - Fallout", "mission impossible fallout" },
                { "Amélie", "amelie" },
                { "Pokémon Detective Pikachu", "pokemon detective pikachu" },
                { "Blade Runner 2049", "blade runner 2049" },
                { "1917", "1917" },
                { "Doctor Who (2005)", "doctor who" },
                { "A Quiet Place", "quiet place" },
                { "An American Werewolf in London", "american werewolf in london" },
                { "The", "the" },           /* an article alone is the title */
                { "A", "a" },
                { "Theodore Rex", "theodore rex" }, /* "the" only as a word */
                { "S.W.A.T.", "swat" },
                { "Mr. Robot", "mr robot" },
                { "WALL·E", "wall e" },
                { "", "" },
                { "!!!", "" },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autofree char *n = title_normalize(cases[i].in);
                g_assert_nonnull(n);
                if (strcmp(n, cases[i].out) != 0)
                        g_error("title_normalize(\"%s\") = \"%s\", expected \"%s\"", cases[i].in, n, cases[i].out);
        }
        /* Invalid UTF-8 (Trakt's answers are not checked by anyone before us) never crashes. */
        g_autofree char *bad = title_normalize("Caf\xc3\x28 \xff\xfe");
        g_assert_nonnull(bad);
        g_autofree char *null = title_normalize(NULL);
        g_assert_cmpstr(null, ==, "");

        g_assert_true(title_equal("The Lord of the Rings: The Return of the King", "Lord of the Rings - The Return of the King"));
        g_assert_true(title_equal("Marvel's The Avengers", "Marvels The Avengers"));
        g_assert_false(title_equal("Primer", "Primeval"));
        g_assert_false(title_equal("The Avengers", "Avengers: Age of Ultron"));
        g_assert_false(title_equal("", ""));   /* nothing is no title */
        g_assert_false(title_equal("!!", "??"));
}

static void test_pick(void) {
        const TitleCandidate avengers[] = {
                { "The Avengers", 2012, 3553.1 },
                { "Avengers: Age of Ultron", 2015, 61.4 },
                { "The Avengers", 1998, 58.2 },
        };
        g_assert_cmpint(title_pick(avengers, 3, "The Avengers", 2012), ==, 0);
        g_assert_cmpint(title_pick(avengers, 3, "The Avengers", 1998), ==, 2);
        g_assert_cmpint(title_pick(avengers, 3, "Avengers", 1998), ==, 2);       /* articles do not matter */
        g_assert_cmpint(title_pick(avengers, 3, "The Avengers", 1999), ==, 2);   /* a year off */
        g_assert_cmpint(title_pick(avengers, 3, "The Avengers", 2011), ==, 0);
        g_assert_cmpint(title_pick(avengers, 3, "The Avengers", 2005), ==, -1);  /* no such year: not a guess */
        g_assert_cmpint(title_pick(avengers, 3, "The Avengers", 0), ==, 0);      /* no year: the best score */
        g_assert_cmpint(title_pick(avengers, 3, "Age of Ultron", 2015), ==, -1); /* fuzzy results are not taken */
        g_assert_cmpint(title_pick(avengers, 0, "The Avengers", 2012), ==, -1);
        g_assert_cmpint(title_pick(avengers, 3, "", 2012), ==, -1);

        /* The exact year beats one a year off, whatever the scores. */
        const TitleCandidate near[] = {
                { "Dune", 2020, 900 },
                { "Dune", 2021, 10 },
        };
        g_assert_cmpint(title_pick(near, 2, "Dune", 2021), ==, 1);
        g_assert_cmpint(title_pick(near, 2, "Dune", 2022), ==, 1);
        /* Same title, same year: the higher score; equal scores: Trakt's order. */
        const TitleCandidate twins[] = {
                { "Hamlet", 1990, 5 },
                { "Hamlet", 1990, 7 },
                { "Hamlet", 1990, 7 },
                { "Hamlet", 0, 100 }, /* a result without a year matches no year asked for */
        };
        g_assert_cmpint(title_pick(twins, 4, "Hamlet", 1990), ==, 1);
        g_assert_cmpint(title_pick(twins, 4, "Hamlet", 0), ==, 3);
        /* A result whose year Trakt does not know is not "a year off". */
        const TitleCandidate unknown[] = { { "Primer", 0, 1 } };
        g_assert_cmpint(title_pick(unknown, 1, "Primer", 1), ==, -1);
}

static struct json_object *fixture(const char *rel) {
        g_autofree char *path = g_build_filename(g_getenv("KT_FIXTURES"), "trakt-real", "trakt.py", rel, NULL);
        g_autofree char *text = NULL;
        g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
        struct json_object *o = json_tokener_parse(text);
        g_assert_nonnull(o);
        return o;
}

/* The rule on real answers: what Trakt sent for "The Avengers" and "Breaking Bad". */
static int pick_from(TraktSearchResult *r, size_t n, const char *title, unsigned year) {
        TitleCandidate *c = g_new0(TitleCandidate, n + 1);
        for (size_t i = 0; i < n; i++)
                c[i] = (TitleCandidate) { r[i].media.title, r[i].media.year, r[i].score };
        int k = title_pick(c, n, title, year);
        g_free(c);
        return k;
}

static void test_real_answers(void) {
        TraktSearchResult *r = NULL;
        size_t n = 0;
        struct json_object *o = fixture("search/movie/#query/The Avengers.json");
        g_assert_cmpint(trakt_parse_search(o, &r, &n), ==, 0);
        g_assert_cmpuint(n, ==, 10);
        g_assert_cmpint(r[0].media.type, ==, TRAKT_MOVIE);
        g_assert_cmpfloat_with_epsilon(r[0].score, 3553.1072, 1e-3);
        int k = pick_from(r, n, "The Avengers", 1998);
        g_assert_cmpint(k, ==, 2);
        g_assert_cmpuint(r[k].media.ids.trakt, ==, 4618);
        g_assert_cmpint(pick_from(r, n, "Avengers", 2012), ==, 0);
        g_assert_cmpint(pick_from(r, n, "Avengers Grimm", 2015), ==, 9);
        g_assert_cmpint(pick_from(r, n, "Captain America", 2011), ==, -1);
        trakt_search_results_free(r, n);
        json_object_put(o);

        o = fixture("search/show/#query/Breaking Bad.json");
        g_assert_cmpint(trakt_parse_search(o, &r, &n), ==, 0);
        g_assert_cmpuint(n, ==, 10);
        g_assert_cmpint(r[0].media.type, ==, TRAKT_SHOW);
        k = pick_from(r, n, "Breaking Bad", 0);
        g_assert_cmpint(k, ==, 0);
        g_assert_cmpuint(r[k].media.ids.tvdb, ==, 81189);
        g_assert_cmpint(pick_from(r, n, "Breaking", 0), ==, -1);
        trakt_search_results_free(r, n);
        json_object_put(o);

        /* The id look-up: an episode with its show, score null. */
        o = fixture("search/imdb/tt0959621/#extended/full.json");
        g_assert_cmpint(trakt_parse_search(o, &r, &n), ==, 0);
        g_assert_cmpuint(n, ==, 1);
        g_assert_cmpint(r[0].media.type, ==, TRAKT_EPISODE);
        g_assert_cmpuint(r[0].media.ids.trakt, ==, 73482);
        g_assert_cmpuint(r[0].media.show_ids.trakt, ==, 1388);
        g_assert_cmpuint(r[0].media.season, ==, 1);
        g_assert_cmpuint(r[0].media.number, ==, 1);
        g_assert_cmpfloat(r[0].score, ==, 0);
        trakt_search_results_free(r, n);
        json_object_put(o);

        /* An episode by its show and numbers: a bare object, named with the show given. */
        o = fixture("shows/1390/seasons/1/episodes/1.json");
        TraktMedia show = { .type = TRAKT_SHOW, .ids.trakt = 1390, .title = (char *) "Game of Thrones", .year = 2011 }, e = {};
        g_assert_cmpint(trakt_parse_episode(o, &show, &e), ==, 0);
        g_assert_cmpuint(e.ids.trakt, ==, 73640);
        g_assert_cmpuint(e.ids.tvdb, ==, 3254641);
        g_assert_cmpstr(e.title, ==, "Winter Is Coming");
        g_assert_cmpuint(e.show_ids.trakt, ==, 1390);
        g_assert_cmpstr(e.show_title, ==, "Game of Thrones");
        g_assert_cmpuint(e.show_year, ==, 2011);
        g_assert_cmpuint(e.season, ==, 1);
        g_assert_cmpuint(e.number, ==, 1);
        g_autofree char *key = trakt_media_key(&e);
        g_assert_cmpstr(key, ==, "episode:trakt=73640");
        trakt_media_done(&e);
        json_object_put(o);
}

static void test_odd_answers(void) {
        static const char *const odd[] = {
                "[]",
                "[null, 1, \"x\", {}, {\"type\": \"person\", \"score\": 3, \"person\": {\"name\": \"X\", \"ids\": {\"trakt\": 1}}}]",
                "[{\"type\": \"list\", \"score\": 1, \"list\": {\"name\": \"L\", \"ids\": {\"trakt\": 2}}}]",
                "[{\"type\": \"movie\", \"score\": 1, \"movie\": null}]",
                "[{\"type\": \"movie\", \"score\": 1, \"movie\": {\"title\": \"No ids\", \"year\": 2000}}]",
                "[{\"type\": \"movie\", \"score\": \"high\", \"movie\": {\"title\": \"T\", \"ids\": {\"trakt\": 5}}}]",
        };
        const size_t want[] = { 0, 0, 0, 0, 0, 1 };
        for (size_t i = 0; i < G_N_ELEMENTS(odd); i++) {
                struct json_object *o = json_tokener_parse(odd[i]);
                TraktSearchResult *r = NULL;
                size_t n = 99;
                g_assert_cmpint(trakt_parse_search(o, &r, &n), ==, 0);
                g_assert_cmpuint(n, ==, want[i]);
                if (n)
                        g_assert_cmpfloat(r[0].score, ==, 0);
                trakt_search_results_free(r, n);
                json_object_put(o);
        }
        struct json_object *o = json_tokener_parse("{\"type\": \"movie\"}");
        TraktSearchResult *r = NULL;
        size_t n = 0;
        g_assert_cmpint(trakt_parse_search(o, &r, &n), ==, -EBADMSG);
        json_object_put(o);
        g_assert_cmpint(trakt_parse_search(NULL, &r, &n), ==, -EBADMSG);

        TraktMedia show = { .type = TRAKT_SHOW, .ids.trakt = 1 }, e = {};
        static const char *const episodes[] = {
                "{}", "[]", "{\"season\": 1, \"number\": 2}", "{\"number\": 2, \"ids\": {\"trakt\": 3}}",
                "{\"season\": 1, \"ids\": {\"trakt\": 3}}",
        };
        for (size_t i = 0; i < G_N_ELEMENTS(episodes); i++) {
                o = json_tokener_parse(episodes[i]);
                g_assert_cmpint(trakt_parse_episode(o, &show, &e), ==, -EBADMSG);
                json_object_put(o);
        }
        /* Season 0 (specials) is a season. */
        o = json_tokener_parse("{\"season\": 0, \"number\": 2, \"ids\": {\"tvdb\": 3}}");
        g_assert_cmpint(trakt_parse_episode(o, &show, &e), ==, 0);
        g_assert_cmpuint(e.season, ==, 0);
        trakt_media_done(&e);
        json_object_put(o);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/title/normalize", test_normalize);
        g_test_add_func("/title/pick", test_pick);
        g_test_add_func("/title/real-answers", test_real_answers);
        g_test_add_func("/title/odd-answers", test_odd_answers);
        return g_test_run();
}
