/* SPDX-License-Identifier: MIT */
#include <glib.h>
#include <string.h>

#include "config.h"

static gboolean load(const char *text, Config *c, GError **error) {
        config_init_defaults(c);
        return config_load_from_data(c, text, strlen(text), "/etc/kino/trakt.conf", error);
}

static void test_defaults(void) {
        Config c;
        g_autoptr(GError) e = NULL;
        g_unsetenv("KINO_TRAKT_API_URL");
        g_unsetenv("KINO_TRAKT_AUTH_URL");
        config_init_defaults(&c);
        g_assert_true(config_load(&c, "/nonexistent/trakt.conf", &e));
        g_assert_cmpstr(c.api_url, ==, "https://api.trakt.tv");
        g_assert_cmpstr(c.auth_url, ==, "https://api.trakt.tv");
        g_assert_cmpuint(c.get_budget, ==, 500);
        g_assert_cmpuint(c.get_period_sec, ==, 300);
        g_assert_cmpuint(c.write_interval_msec, ==, 1000);
        config_done(&c);
}

static void test_full_file(void) {
        Config c;
        g_autoptr(GError) e = NULL;
        g_assert_true(load("# comment\n[Trakt]\napi_url = https://api.example/\nauth_url=https://auth.example\n"
                           "connect_timeout = 5\nlow_speed_timeout=7\ntotal_timeout = 60\nmax_response_size = 100000\n"
                           "get_budget = 400\nget_period = 200\nwrite_interval_ms = 1500\nsync_interval = 600\nmax_retries = 3\n",
                           &c, &e));
        g_assert_no_error(e);
        g_assert_cmpstr(c.api_url, ==, "https://api.example");
        g_assert_cmpstr(c.auth_url, ==, "https://auth.example");
        g_assert_cmpuint(c.connect_timeout_sec, ==, 5);
        g_assert_cmpuint(c.low_speed_timeout_sec, ==, 7);
        g_assert_cmpuint(c.total_timeout_sec, ==, 60);
        g_assert_cmpuint(c.max_response_size, ==, 100000);
        g_assert_cmpuint(c.get_budget, ==, 400);
        g_assert_cmpuint(c.get_period_sec, ==, 200);
        g_assert_cmpuint(c.write_interval_msec, ==, 1500);
        g_assert_cmpuint(c.sync_interval_sec, ==, 600);
        g_assert_cmpuint(c.max_retries, ==, 3);
        config_done(&c);
}

static void expect_error(const char *text, const char *needle1, const char *needle2) {
        Config c;
        g_autoptr(GError) e = NULL;
        g_assert_false(load(text, &c, &e));
        g_assert_nonnull(e);
        if (!strstr(e->message, needle1) || (needle2 && !strstr(e->message, needle2)))
                g_error("message %s lacks %s / %s", e->message, needle1, needle2 ?: "");
        config_done(&c);
}

static void test_bad_values(void) {
        expect_error("[Trakt]\napi_url = https://x\nget_budget = lots\n", "/etc/kino/trakt.conf:3:", "'get_budget'");
        expect_error("[Trakt]\nget_budget = 0\n", ":2:", "from 1 to 100000");
        expect_error("[Trakt]\n\n\nconnect_timeout = -1\n", ":4:", "'connect_timeout'");
        expect_error("[Trakt]\napi_url = ftp://x\n", ":2:", "'api_url'");
        expect_error("[Trakt]\nmax_retries = 9999999999999999999999\n", ":2:", "'max_retries'");
}

static void test_unknown(void) {
        expect_error("[Trakt]\napi_ur = https://x\n", ":2:", "unknown key 'api_ur'");
        expect_error("[Trakt]\n[Other]\nx=1\n", ":2:", "unknown group [Other]");
}

static void test_syntax_error(void) {
        expect_error("[Trakt]\nthis is not a key\n", "/etc/kino/trakt.conf:2:", NULL);
}

static void test_env(void) {
        Config c;
        g_autoptr(GError) e = NULL;
        g_setenv("KINO_TRAKT_API_URL", "http://127.0.0.1:9/", TRUE);
        g_unsetenv("KINO_TRAKT_AUTH_URL");
        g_assert_true(load("[Trakt]\napi_url = https://from-file\n", &c, &e));
        config_apply_env(&c);
        g_assert_cmpstr(c.api_url, ==, "http://127.0.0.1:9");
        g_assert_cmpstr(c.auth_url, ==, "http://127.0.0.1:9"); /* defaults to the final api_url */
        config_done(&c);

        g_setenv("KINO_TRAKT_AUTH_URL", "http://127.0.0.1:10", TRUE);
        g_assert_true(load("[Trakt]\nauth_url = https://auth-file\n", &c, &e));
        config_apply_env(&c);
        g_assert_cmpstr(c.auth_url, ==, "http://127.0.0.1:10");
        config_done(&c);
        g_unsetenv("KINO_TRAKT_API_URL");
        g_unsetenv("KINO_TRAKT_AUTH_URL");
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/config/defaults", test_defaults);
        g_test_add_func("/config/full-file", test_full_file);
        g_test_add_func("/config/bad-values", test_bad_values);
        g_test_add_func("/config/unknown", test_unknown);
        g_test_add_func("/config/syntax-error", test_syntax_error);
        g_test_add_func("/config/env", test_env);
        return g_test_run();
}
