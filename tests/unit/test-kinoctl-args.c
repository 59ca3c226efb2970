/* SPDX-License-Identifier: MIT */
/* kinoctl's parsers of what a person types (clients/kinoctl/kinoctl-args.c). */
#include <errno.h>
#include <glib.h>
#include <limits.h>
#include <string.h>

#include "kinoctl-args.h"
#include "util.h"

static void test_uint(void) {
        static const struct {
                const char *s;
                unsigned long max, want;
                bool ok;
        } cases[] = {
                { "0", 10, 0, true },
                { "10", 10, 10, true },
                { "007", 10, 7, true },
                { "11", 10, 0, false },
                { "4294967295", UINT32_MAX, 4294967295UL, true },
                { "4294967296", UINT32_MAX, 0, false },
                { "99999999999999999999999999", ULONG_MAX, 0, false }, /* ERANGE */
                { "", 10, 0, false },
                { "-1", 10, 0, false },
                { "+1", 10, 0, false },
                { " 1", 10, 0, false },
                { "1 ", 10, 0, false },
                { "1x", 10, 0, false },
                { "0x1", 10, 0, false },
                { "abc", 10, 0, false },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                unsigned long v = 12345;
                bool ok = args_parse_uint(cases[i].s, cases[i].max, &v);
                if (ok != cases[i].ok)
                        g_error("args_parse_uint('%s', %lu): %d, want %d", cases[i].s, cases[i].max, ok, cases[i].ok);
                g_assert_cmpuint(v, ==, ok ? cases[i].want : 12345); /* untouched on failure */
        }
        unsigned long v;
        g_assert_false(args_parse_uint(NULL, 10, &v));
}

static void test_percent(void) {
        static const struct {
                const char *s;
                double want;
                bool ok;
        } cases[] = {
                { "0", 0, true },       { "100", 100, true },  { "12.5", 12.5, true }, { "79.99", 79.99, true },
                { "1e2", 100, true },   { "100.01", 0, false }, { "-1", 0, false },    { "nan", 0, false },
                { "inf", 0, false },    { "", 0, false },       { "5%", 0, false },    { "50 ", 0, false },
                { "1e999", 0, false },  { "abc", 0, false },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                double v = -7;
                bool ok = args_parse_percent(cases[i].s, &v);
                if (ok != cases[i].ok)
                        g_error("args_parse_percent('%s'): %d, want %d", cases[i].s, ok, cases[i].ok);
                g_assert_cmpfloat(v, ==, ok ? cases[i].want : -7);
        }
}

static void test_when(void) {
        uint64_t v = 1;
        g_assert_true(args_parse_when("now", &v));
        g_assert_cmpuint(v, ==, 0);
        g_assert_true(args_parse_when("1700000000", &v));
        g_assert_cmpuint(v, ==, 1700000000ULL * USEC_PER_SEC);
        g_assert_true(args_parse_when("0", &v));
        g_assert_cmpuint(v, ==, 0);
        /* 2026-11-24T20:15:00Z = 1795551300 */
        g_assert_true(args_parse_when("2026-11-24T20:15:00Z", &v));
        g_assert_cmpuint(v, ==, 1795551300ULL * USEC_PER_SEC);
        g_assert_true(args_parse_when("2026-11-24T20:15:00", &v)); /* the Z is optional: UTC either way */
        g_assert_cmpuint(v, ==, 1795551300ULL * USEC_PER_SEC);
        g_assert_true(args_parse_when("1970-01-01T00:00:00Z", &v));
        g_assert_cmpuint(v, ==, 0);

        static const char *const bad[] = {
                "", "Now", "yesterday", "-5", "2026-11-24", "2026-11-24 20:15:00", "2026-11-24T20:15:00+01:00",
                "2026-11-24T20:15:00ZZ", "2026-13-01T00:00:00Z", "2026-11-24T25:00:00Z", "1969-12-31T23:59:59Z",
                "18446744073710", /* seconds beyond what µs can hold */
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                v = 42;
                if (args_parse_when(bad[i], &v))
                        g_error("args_parse_when('%s') accepted: %" G_GUINT64_FORMAT, bad[i], v);
                g_assert_cmpuint(v, ==, 42);
        }
}

/* spec parses to exactly the given KEY=VALUE fields ("#" before a value: numeric). */
static void good(const char *spec, ...) {
        MediaArg a;
        g_autofree char *why = NULL;
        if (media_arg_parse(spec, &a, &why) < 0)
                g_error("'%s' refused: %s", spec, why);
        g_assert_null(why);
        va_list ap;
        va_start(ap, spec);
        size_t i = 0;
        for (const char *f; (f = va_arg(ap, const char *)); i++) {
                g_assert_cmpuint(i, <, a.n);
                const char *eq = strchr(f, '=');
                g_assert_nonnull(eq);
                g_autofree char *key = g_strndup(f, (size_t) (eq - f));
                bool numeric = eq[1] == '#';
                const char *value = eq + 1 + numeric;
                if (!streq(a.fields[i].key, key) || !streq(a.fields[i].value, value) || a.fields[i].numeric != numeric)
                        g_error("'%s' field %zu: %s=%s (numeric %d), want %s", spec, i, a.fields[i].key, a.fields[i].value,
                                a.fields[i].numeric, f);
                if (numeric)
                        g_assert_cmpuint(a.fields[i].number, ==, strtoul(value, NULL, 10));
        }
        va_end(ap);
        g_assert_cmpuint(a.n, ==, i);
        media_arg_done(&a);
        g_assert_null(a.buf);
}

static void test_media_ids(void) {
        good("movie:imdb=tt0372784", "type=movie", "imdb=tt0372784", NULL);
        good("episode:show_tvdb=81189,season=1,episode=1", "type=episode", "show_tvdb=#81189", "season=#1", "episode=#1", NULL);
        good("show:trakt=1390,slug=game-of-thrones", "type=show", "trakt=#1390", "slug=game-of-thrones", NULL);
        good("movie:tmdb=4294967295", "type=movie", "tmdb=#4294967295", NULL);
        good("movie:title=Crouching Tiger\\, Hidden Dragon,year=2000", "type=movie", "title=Crouching Tiger, Hidden Dragon",
             "year=#2000", NULL);
        good("movie:title=a=b", "type=movie", "title=a=b", NULL); /* the first '=' splits */
        good("movie:imdb=", "type=movie", "imdb=", NULL);           /* empty strings: the daemon judges */
        good("movie:title=back\\slash", "type=movie", "title=back\\slash", NULL);
        good("movie:title=end\\", "type=movie", "title=end\\", NULL);
        good("movie:imdb=tt1,imdb=tt2", "type=movie", "imdb=tt1", "imdb=tt2", NULL); /* repeated keys pass through */
        good("episode:show_imdb=tt0944947,season=0,episode=12,runtime=55", "type=episode", "show_imdb=tt0944947", "season=#0",
             "episode=#12", "runtime=#55", NULL);
        good("movie:x:y=z", "type=movie", "x:y=z", NULL);
}

static void test_media_titles(void) {
        good("movie:\"Inception\" 2010", "type=movie", "title=Inception", "year=#2010", NULL);
        good("movie:\"Inception\"", "type=movie", "title=Inception", NULL);
        good("movie:\"Inception\"   2010", "type=movie", "title=Inception", "year=#2010", NULL);
        good("movie:Inception 2010", "type=movie", "title=Inception", "year=#2010", NULL);
        good("movie:The Matrix", "type=movie", "title=The Matrix", NULL);
        good("movie:2012", "type=movie", "title=2012", NULL); /* a title of digits, no year */
        good("movie:Blade Runner 2049 2017", "type=movie", "title=Blade Runner 2049", "year=#2017", NULL);
        good("show:\"a=b, c\" 1999", "type=show", "title=a=b, c", "year=#1999", NULL); /* quoted: '=' and ',' are the title's */
        good("episode:Chernobyl", "type=episode", "title=Chernobyl", NULL);
}

/* Refused with a sentence "Media 'SPEC': ..." containing needle. */
static void bad(const char *spec, const char *needle) {
        MediaArg a;
        g_autofree char *why = NULL;
        g_assert_cmpint(media_arg_parse(spec, &a, &why), ==, -EINVAL);
        g_assert_nonnull(why);
        g_autofree char *prefix = g_strdup_printf("Media '%s': ", spec);
        if (!g_str_has_prefix(why, prefix) || !strstr(why, needle) || !g_str_has_suffix(why, "."))
                g_error("'%s': reason '%s' lacks '%s'", spec, why, needle);
        media_arg_done(&a);
        /* the sentence is optional */
        g_assert_cmpint(media_arg_parse(spec, &a, NULL), ==, -EINVAL);
        media_arg_done(&a);
}

static void test_media_refused(void) {
        bad("imdb=tt0372784", "start with movie:, show: or episode:");
        bad("", "start with movie:");
        bad("film:imdb=tt1", "not 'film'");
        bad("Movie:imdb=tt1", "not 'Movie'");
        bad(":imdb=tt1", "not ''");
        bad("movie:", "give ids (KEY=VALUE) or a title");
        bad("movie:\"\"", "give ids (KEY=VALUE) or a title");
        bad("movie: 2010", "give ids (KEY=VALUE) or a title");
        bad("movie:\"Inception", "closing quote is missing");
        bad("movie:\"Inception\" x", "year must be a whole number");
        bad("movie:\"Inception\"2010x", "year must be a whole number");
        bad("movie:trakt=abc", "trakt must be a whole number");
        bad("movie:tmdb=-1", "tmdb must be a whole number");
        bad("movie:tmdb=4294967296", "tmdb must be a whole number");
        bad("episode:show_tvdb=81189,season=one", "season must be a whole number");
        bad("movie:=tt1", "expected TYPE:KEY=VALUE");
        bad("movie:imdb=tt1,=x", "expected TYPE:KEY=VALUE");
        bad("movie:imdb=tt1,", "'' is not KEY=VALUE");
        bad("movie:imdb=tt1,slug", "'slug' is not KEY=VALUE");
        bad("movie:imdb=tt1,,slug=x", "'' is not KEY=VALUE");
}

static void test_media_limit(void) {
        /* "type" and 31 pairs fit; one more does not. */
        g_autoptr(GString) s = g_string_new("movie:");
        for (int i = 0; i < MEDIA_ARG_MAX - 1; i++)
                g_string_append_printf(s, "%sk%d=v", i ? "," : "", i);
        MediaArg a;
        g_assert_cmpint(media_arg_parse(s->str, &a, NULL), ==, 0);
        g_assert_cmpuint(a.n, ==, MEDIA_ARG_MAX);
        media_arg_done(&a);
        g_string_append(s, ",one=more");
        bad(s->str, "expected TYPE:KEY=VALUE");
}

static void test_numeric_keys(void) {
        static const char *const numeric[] = { "trakt", "tmdb", "tvdb", "year", "show_year", "show_trakt", "show_tmdb",
                                               "show_tvdb", "season", "episode", "runtime" };
        static const char *const text[] = { "imdb", "slug", "title", "show_title", "show_imdb", "show_slug", "type", "", "Year" };
        for (size_t i = 0; i < ELEMENTSOF(numeric); i++)
                g_assert_true(media_key_is_numeric(numeric[i]));
        for (size_t i = 0; i < ELEMENTSOF(text); i++)
                g_assert_false(media_key_is_numeric(text[i]));
}

static void test_watch_commands(void) {
        static const struct {
                const char *line;
                WatchCommandKind kind;
                double progress;
        } cases[] = {
                { "", WATCH_EMPTY, 33 },
                { "   \n", WATCH_EMPTY, 33 },
                { "play\n", WATCH_PLAY, 33 },
                { "play 50\n", WATCH_PLAY, 50 },
                { "start 10", WATCH_PLAY, 10 },
                { "resume", WATCH_PLAY, 33 },
                { "  pause   40.5  \n", WATCH_PAUSE, 40.5 },
                { "stop 97\n", WATCH_STOP, 97 },
                { "stop", WATCH_STOP, 33 },
                { "progress 60", WATCH_PROGRESS, 60 },
                { "progress", WATCH_UNKNOWN, 33 },
                { "status", WATCH_STATUS, 33 },
                { "quit", WATCH_QUIT, 33 },
                { "q", WATCH_QUIT, 33 },
                { "pause 101", WATCH_BAD_PERCENT, 33 },
                { "stop abc", WATCH_BAD_PERCENT, 33 },
                { "quit now", WATCH_BAD_PERCENT, 33 },
                { "incognito on", WATCH_INCOGNITO, 33 },
                { "incognito off\n", WATCH_INCOGNITO, 33 },
                { "incognito maybe", WATCH_UNKNOWN, 33 },
                { "incognito", WATCH_UNKNOWN, 33 },
                { "help", WATCH_UNKNOWN, 33 },
                { "PLAY", WATCH_UNKNOWN, 33 },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                WatchCommand c;
                watch_command_parse(cases[i].line, 33, &c);
                if (c.kind != cases[i].kind || c.progress != cases[i].progress)
                        g_error("'%s': kind %d progress %g, want %d %g", cases[i].line, c.kind, c.progress, cases[i].kind,
                                cases[i].progress);
        }
        WatchCommand c;
        watch_command_parse("incognito on", 0, &c);
        g_assert_true(c.on);
        watch_command_parse("incognito off", 0, &c);
        g_assert_false(c.on);
        watch_command_parse("stop 12%", 0, &c);
        g_assert_cmpint(c.kind, ==, WATCH_BAD_PERCENT);
        g_assert_cmpstr(c.arg, ==, "12%"); /* what the sentence names */
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/kinoctl-args/uint", test_uint);
        g_test_add_func("/kinoctl-args/percent", test_percent);
        g_test_add_func("/kinoctl-args/when", test_when);
        g_test_add_func("/kinoctl-args/media-ids", test_media_ids);
        g_test_add_func("/kinoctl-args/media-titles", test_media_titles);
        g_test_add_func("/kinoctl-args/media-refused", test_media_refused);
        g_test_add_func("/kinoctl-args/media-limit", test_media_limit);
        g_test_add_func("/kinoctl-args/numeric-keys", test_numeric_keys);
        g_test_add_func("/kinoctl-args/watch-commands", test_watch_commands);
        return g_test_run();
}
