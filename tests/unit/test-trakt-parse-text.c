/* SPDX-License-Identifier: MIT */
/* History pages read from their text (daemon/trakt-parse-text.c): the same
 * items as the json-c tree gives, and the same refusals. */
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "trakt-parse-text.h"

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
        g_test_add_func("/trakt-parse-text/history-text-same-as-tree", test_history_text_same_as_tree);
        g_test_add_func("/trakt-parse-text/history-text-malformed", test_history_text_malformed);
        return g_test_run();
}
