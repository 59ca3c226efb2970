/* SPDX-License-Identifier: MIT */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "config.h"

#define PATH "/etc/kino/trakt.conf"

static gboolean load(const char *text, Config *c, GError **error) {
        config_init_defaults(c);
        return config_load_from_data(c, text, strlen(text), PATH, error);
}

static void unset_env(void) {
        g_unsetenv("KINO_TRAKT_API_URL");
        g_unsetenv("KINO_TRAKT_AUTH_URL");
}

static void assert_defaults(const Config *c) {
        g_assert_cmpstr(c->api_url, ==, "https://api.trakt.tv");
        g_assert_cmpuint(c->connect_timeout_sec, ==, 10);
        g_assert_cmpuint(c->low_speed_timeout_sec, ==, 30);
        g_assert_cmpuint(c->total_timeout_sec, ==, 120);
        g_assert_cmpuint(c->max_response_size, ==, 33554432);
        g_assert_cmpuint(c->get_budget, ==, 500);
        g_assert_cmpuint(c->get_period_sec, ==, 300);
        g_assert_cmpuint(c->write_interval_msec, ==, 1000);
        g_assert_cmpuint(c->sync_interval_sec, ==, 300);
        g_assert_cmpuint(c->max_retries, ==, 5);
}

static void test_defaults(void) {
        Config c;
        g_autoptr(GError) e = NULL;

        unset_env();
        config_init_defaults(&c);
        assert_defaults(&c);
        g_assert_null(c.auth_url); /* until the environment is applied */

        /* A missing file is the defaults, not an error. */
        g_assert_true(config_load(&c, "/nonexistent/kino/trakt.conf", &e));
        g_assert_no_error(e);
        assert_defaults(&c);
        /* Trakt's 2026 contract: OAuth at auth.trakt.tv, the API host as fallback. */
        g_assert_cmpstr(c.auth_url, ==, "https://auth.trakt.tv");
        g_assert_cmpstr(c.auth_fallback_url, ==, "https://api.trakt.tv");
        config_done(&c);
        g_assert_null(c.api_url);
        g_assert_null(c.auth_fallback_url);

        /* So are an empty file and an empty group. */
        g_assert_true(load("", &c, &e));
        assert_defaults(&c);
        config_done(&c);
        g_assert_true(load("# nothing here\n\n[Trakt]\n# still nothing\n", &c, &e));
        g_assert_no_error(e);
        assert_defaults(&c);
        config_done(&c);
}

static void test_full_file(void) {
        Config c;
        g_autoptr(GError) e = NULL;

        g_assert_true(load("# comment\n\n  [Trakt]  \napi_url = https://api.example/\nauth_url=http://auth.example:8080/base//\r\n"
                           "  connect_timeout = 5  \nlow_speed_timeout=7\ntotal_timeout = 60\nmax_response_size = 100000\n"
                           "# get_budget = lots\nget_budget = 400\nget_period = 200\nwrite_interval_ms = 0\nsync_interval = 600\n"
                           "max_retries = 0\n",
                           &c, &e));
        g_assert_no_error(e);
        g_assert_cmpstr(c.api_url, ==, "https://api.example");
        g_assert_cmpstr(c.auth_url, ==, "http://auth.example:8080/base");
        g_assert_cmpuint(c.connect_timeout_sec, ==, 5);
        g_assert_cmpuint(c.low_speed_timeout_sec, ==, 7);
        g_assert_cmpuint(c.total_timeout_sec, ==, 60);
        g_assert_cmpuint(c.max_response_size, ==, 100000);
        g_assert_cmpuint(c.get_budget, ==, 400);
        g_assert_cmpuint(c.get_period_sec, ==, 200);
        g_assert_cmpuint(c.write_interval_msec, ==, 0);
        g_assert_cmpuint(c.sync_interval_sec, ==, 600);
        g_assert_cmpuint(c.max_retries, ==, 0);
        config_done(&c);

        /* The upper bounds are accepted. */
        g_assert_true(load("[Trakt]\nget_budget=100000\nmax_response_size=4294967296\nmax_retries=100\n", &c, &e));
        g_assert_no_error(e);
        g_assert_cmpuint(c.get_budget, ==, 100000);
        g_assert_cmpuint(c.max_response_size, ==, 4294967296u);
        g_assert_cmpuint(c.max_retries, ==, 100);
        config_done(&c);
}

/* The whole message, so the file, the line and the key are all checked. */
static void expect_error(const char *text, GQuark domain, int code, const char *message) {
        Config c;
        g_autoptr(GError) e = NULL;

        if (load(text, &c, &e))
                g_error("accepted: %s", text);
        g_assert_error(e, domain, code);
        g_assert_cmpstr(e->message, ==, message);
        g_assert_true(g_utf8_validate(e->message, -1, NULL));
        /* A bad file leaves the configuration as it was. */
        assert_defaults(&c);
        g_assert_null(c.auth_url);
        config_done(&c);
}

#define expect_bad(text, message) expect_error(text, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, message)
#define expect_syntax(text, message) expect_error(text, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, message)

static void test_bad_numbers(void) {
        /* The example of config.h, word for word. */
        expect_bad("# Kino's Trakt settings\n[Trakt]\napi_url = https://api.trakt.tv\nget_budget = lots\n",
                   PATH ":4: key 'get_budget': expected a whole number from 1 to 100000, got 'lots'");
        expect_bad("[Trakt]\nget_budget = 0\n",
                   PATH ":2: key 'get_budget': expected a whole number from 1 to 100000, got '0'");
        expect_bad("[Trakt]\nget_budget = 100001\n",
                   PATH ":2: key 'get_budget': expected a whole number from 1 to 100000, got '100001'");
        expect_bad("[Trakt]\n\n\nconnect_timeout = -1\n",
                   PATH ":4: key 'connect_timeout': expected a whole number from 1 to 3600, got '-1'");
        expect_bad("[Trakt]\nlow_speed_timeout = +5\n",
                   PATH ":2: key 'low_speed_timeout': expected a whole number from 1 to 3600, got '+5'");
        expect_bad("[Trakt]\ntotal_timeout = 0x10\n",
                   PATH ":2: key 'total_timeout': expected a whole number from 1 to 86400, got '0x10'");
        expect_bad("[Trakt]\nmax_retries = 99999999999999999999999\n",
                   PATH ":2: key 'max_retries': expected a whole number from 0 to 100, got '99999999999999999999999'");
        expect_bad("[Trakt]\nget_period = 5 # minutes\n",
                   PATH ":2: key 'get_period': expected a whole number from 1 to 86400, got '5 # minutes'");
        expect_bad("[Trakt]\nwrite_interval_ms =\n",
                   PATH ":2: key 'write_interval_ms': expected a whole number from 0 to 600000, got ''");
        expect_bad("[Trakt]\nsync_interval = 29\n",
                   PATH ":2: key 'sync_interval': expected a whole number from 30 to 86400, got '29'");
        expect_bad("[Trakt]\nmax_response_size = 1.5\n",
                   PATH ":2: key 'max_response_size': expected a whole number from 4096 to 4294967296, got '1.5'");
}

static void test_bad_urls(void) {
        expect_bad("[Trakt]\napi_url = ftp://api.example\n",
                   PATH ":2: key 'api_url': expected an http:// or https:// URL, got 'ftp://api.example'");
        expect_bad("[Trakt]\nauth_url = api.trakt.tv\n",
                   PATH ":2: key 'auth_url': expected an http:// or https:// URL, got 'api.trakt.tv'");
        expect_bad("[Trakt]\napi_url = https://\n",
                   PATH ":2: key 'api_url': expected an http:// or https:// URL, got 'https://'");
        expect_bad("[Trakt]\napi_url = https:///\n",
                   PATH ":2: key 'api_url': expected an http:// or https:// URL, got 'https:///'");
        expect_bad("[Trakt]\napi_url = https://api example\n",
                   PATH ":2: key 'api_url': expected an http:// or https:// URL, got 'https://api example'");
        expect_bad("[Trakt]\napi_url =\n", PATH ":2: key 'api_url': expected an http:// or https:// URL, got ''");
        expect_bad("[Trakt]\napi_url = https://a\\qb\n",
                   PATH ":2: key 'api_url': cannot read the value 'https://a\\qb' (a bad escape sequence or not UTF-8)");
        /* Two bad escapes, one at the very end (GKeyFile alone would warn). */
        expect_bad("[Trakt]\nauth_url = https://a\\q\\\n",
                   PATH ":2: key 'auth_url': cannot read the value 'https://a\\q\\' (a bad escape sequence or not UTF-8)");
        expect_bad("[Trakt]\nauth_url = https://a\xff\n",
                   PATH ":2: key 'auth_url': cannot read the value 'https://a\xef\xbf\xbd' (a bad escape sequence or not UTF-8)");
}

static void test_line_numbers(void) {
        /* A key set twice: the last value counts, so the last line is named. */
        expect_bad("[Trakt]\nget_budget = 10\nmax_retries = 1\nget_budget = many\n",
                   PATH ":4: key 'get_budget': expected a whole number from 1 to 100000, got 'many'");
        /* The group repeated: the key in the second block. */
        expect_bad("[Trakt]\nmax_retries = 1\n\n[Trakt]\n  max_retries   =  lots\n",
                   PATH ":5: key 'max_retries': expected a whole number from 0 to 100, got 'lots'");
        /* A commented-out line with the same key is not the one. */
        expect_bad("[Trakt]\n#get_budget = 7\nget_budget = x\n",
                   PATH ":3: key 'get_budget': expected a whole number from 1 to 100000, got 'x'");
        /* Keys sharing a prefix are told apart. */
        expect_bad("[Trakt]\nget_budget = 5\nget_budget_extra = 1\n", PATH ":3: unknown key 'get_budget_extra' in [Trakt]");
        /* Windows line ends. */
        expect_bad("[Trakt]\r\n\r\nget_budget = x\r\n",
                   PATH ":3: key 'get_budget': expected a whole number from 1 to 100000, got 'x'");
}

static void test_unknown(void) {
        expect_bad("[Trakt]\napi_url = https://x\napi_ur = https://x\n", PATH ":3: unknown key 'api_ur' in [Trakt]");
        expect_bad("[Trakt]\n[Other]\nx=1\n", PATH ":2: unknown group [Other]; the only group is [Trakt]");
        expect_bad("# old name\n[trakt]\napi_url=https://x\n", PATH ":2: unknown group [trakt]; the only group is [Trakt]");
        /* GKeyFile hides localized keys from its key list; they are refused too. */
        expect_bad("[Trakt]\napi_url[de] = https://x\n", PATH ":2: unknown key 'api_url[de]' in [Trakt]");
        /* Not UTF-8: the message still is. */
        expect_bad("[Trakt]\nk\xff = 1\n", PATH ":2: unknown key 'k\xef\xbf\xbd' in [Trakt]");
}

static void test_syntax_error(void) {
        Config c;
        static const struct {
                const char *text;
                const char *prefix;
        } cases[] = {
                { "[Trakt]\nthis is not a key\n", PATH ":2: " },
                { "# comment\n\n[Trakt]\napi_url = https://x\n   get_budget 7   \n", PATH ":5: " },
                { "[Trakt\nget_budget = 7\n", PATH ":1: " },
                { "[Trakt]\n[Tr]akt]\n", PATH ":2: " },
                { "[Trakt]\n= 5\n", PATH ":2: " },
                { "# comment\n\nget_budget = 7\n[Trakt]\n", PATH ":3: " }, /* no group yet */
                { "[Trakt]\nget]budget = 7\n", PATH ":2: " },
        };

        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                g_autoptr(GError) e = NULL;
                g_assert_false(load(cases[i].text, &c, &e));
                g_assert_nonnull(e);
                g_assert_true(e->domain == G_KEY_FILE_ERROR);
                if (!g_str_has_prefix(e->message, cases[i].prefix))
                        g_error("case %zu: '%s' does not start with '%s'", i, e->message, cases[i].prefix);
                g_assert_true(strlen(e->message) > strlen(cases[i].prefix));
                assert_defaults(&c);
                config_done(&c);
        }
}

static void test_load_file(void) {
        g_autoptr(GError) e = NULL;
        g_autofree char *d = g_dir_make_tmp("kt-config-XXXXXX", &e);
        g_assert_no_error(e);
        g_autofree char *path = g_build_filename(d, "trakt.conf", NULL);
        Config c;

        unset_env();
        g_assert_true(g_file_set_contents(path, "[Trakt]\napi_url = http://127.0.0.1:8080/\nget_budget = 12\n", -1, NULL));
        config_init_defaults(&c);
        g_assert_true(config_load(&c, path, &e));
        g_assert_no_error(e);
        g_assert_cmpstr(c.api_url, ==, "http://127.0.0.1:8080");
        g_assert_cmpstr(c.auth_url, ==, "http://127.0.0.1:8080");
        g_assert_cmpuint(c.get_budget, ==, 12);
        config_done(&c);

        g_assert_true(g_file_set_contents(path, "[Trakt]\n\nget_budget = lots\n", -1, NULL));
        config_init_defaults(&c);
        g_assert_false(config_load(&c, path, &e));
        g_autofree char *want = g_strdup_printf("%s:3: key 'get_budget': expected a whole number from 1 to 100000, got 'lots'", path);
        g_assert_cmpstr(e->message, ==, want);
        config_done(&c);
        g_clear_error(&e);

        /* Unreadable (here: a folder) is an error naming the file, unlike missing. */
        config_init_defaults(&c);
        g_assert_false(config_load(&c, d, &e));
        g_assert_true(g_str_has_prefix(e->message, d));
        config_done(&c);

        g_assert_cmpint(g_unlink(path), ==, 0);
        g_assert_cmpint(g_rmdir(d), ==, 0);
}

static void test_env(void) {
        Config c;
        g_autoptr(GError) e = NULL;

        /* The API URL from the environment wins over the file; auth_url follows it. */
        unset_env();
        g_setenv("KINO_TRAKT_API_URL", "http://127.0.0.1:9/", TRUE);
        g_assert_true(load("[Trakt]\napi_url = https://from-file\n", &c, &e));
        config_apply_env(&c);
        g_assert_cmpstr(c.api_url, ==, "http://127.0.0.1:9");
        g_assert_cmpstr(c.auth_url, ==, "http://127.0.0.1:9");
        g_assert_null(c.auth_fallback_url); /* only the API was named: OAuth goes there alone */
        config_done(&c);

        /* ... but an auth_url from the file stays when only the API is overridden,
         * with the API host as its fallback. */
        g_assert_true(load("[Trakt]\nauth_url = https://auth-file/\n", &c, &e));
        config_apply_env(&c);
        g_assert_cmpstr(c.api_url, ==, "http://127.0.0.1:9");
        g_assert_cmpstr(c.auth_url, ==, "https://auth-file");
        g_assert_cmpstr(c.auth_fallback_url, ==, "http://127.0.0.1:9");
        config_done(&c);

        /* Both overridden. */
        g_setenv("KINO_TRAKT_AUTH_URL", "http://127.0.0.1:10//", TRUE);
        g_assert_true(load("[Trakt]\nauth_url = https://auth-file\n", &c, &e));
        config_apply_env(&c);
        g_assert_cmpstr(c.api_url, ==, "http://127.0.0.1:9");
        g_assert_cmpstr(c.auth_url, ==, "http://127.0.0.1:10");
        config_done(&c);

        /* Only the auth URL overridden. */
        g_unsetenv("KINO_TRAKT_API_URL");
        g_assert_true(load("", &c, &e));
        config_apply_env(&c);
        g_assert_cmpstr(c.api_url, ==, "https://api.trakt.tv");
        g_assert_cmpstr(c.auth_url, ==, "http://127.0.0.1:10");
        config_done(&c);

        /* Empty variables are as good as unset. */
        g_setenv("KINO_TRAKT_API_URL", "", TRUE);
        g_setenv("KINO_TRAKT_AUTH_URL", "", TRUE);
        g_assert_true(load("[Trakt]\napi_url = https://file.example/\n", &c, &e));
        config_apply_env(&c);
        g_assert_cmpstr(c.api_url, ==, "https://file.example");
        g_assert_cmpstr(c.auth_url, ==, "https://file.example");
        g_assert_null(c.auth_fallback_url);
        config_done(&c);

        /* config_load() applies the environment itself, even without a file. */
        g_setenv("KINO_TRAKT_API_URL", "http://127.0.0.1:11/", TRUE);
        config_init_defaults(&c);
        g_assert_true(config_load(&c, "/nonexistent/kino/trakt.conf", &e));
        g_assert_cmpstr(c.api_url, ==, "http://127.0.0.1:11");
        g_assert_cmpstr(c.auth_url, ==, "http://127.0.0.1:11");
        config_done(&c);
        unset_env();
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        /* A GLib warning (e.g. an error set twice) fails the test. */
        g_log_set_always_fatal(G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL);
        g_test_add_func("/config/defaults", test_defaults);
        g_test_add_func("/config/full-file", test_full_file);
        g_test_add_func("/config/bad-numbers", test_bad_numbers);
        g_test_add_func("/config/bad-urls", test_bad_urls);
        g_test_add_func("/config/line-numbers", test_line_numbers);
        g_test_add_func("/config/unknown", test_unknown);
        g_test_add_func("/config/syntax-error", test_syntax_error);
        g_test_add_func("/config/load-file", test_load_file);
        g_test_add_func("/config/env", test_env);
        return g_test_run();
}
