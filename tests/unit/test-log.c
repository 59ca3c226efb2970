/* SPDX-License-Identifier: MIT */
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

static void test_mask(void) {
        log_forget_secrets();
        log_add_secret("s3cr3t-value");
        log_add_secret("abc"); /* too short: ignored */
        _cleanup_free_ char *m = log_mask_secrets("token=s3cr3t-value and s3cr3t-value; abc");
        g_assert_cmpstr(m, ==, "token=*** and ***; abc");
        log_forget_secrets();
        _cleanup_free_ char *u = log_mask_secrets("s3cr3t-value");
        g_assert_cmpstr(u, ==, "s3cr3t-value");
}

/* Run log_* in a child with stderr redirected and read what it wrote. */
static char *capture(int level, const char *secret, const char *msg) {
        int p[2];
        g_assert_cmpint(pipe(p), ==, 0);
        pid_t pid = fork();
        g_assert_cmpint(pid, >=, 0);
        if (pid == 0) {
                dup2(p[1], STDERR_FILENO);
                close(p[0]);
                log_set_max_level(level);
                if (secret)
                        log_add_secret(secret);
                log_info("hello %s\nsecond line", msg);
                log_debug("debug %s", msg);
                int r = log_error_errno(-2, "failed: %m");
                _exit(r == -2 ? 0 : 1);
        }
        close(p[1]);
        GString *s = g_string_new(NULL);
        char buf[512];
        ssize_t n;
        while ((n = read(p[0], buf, sizeof buf)) > 0)
                g_string_append_len(s, buf, n);
        close(p[0]);
        int status;
        waitpid(pid, &status, 0);
        g_assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
        return g_string_free(s, FALSE);
}

static void test_prefix_and_levels(void) {
        g_autofree char *out = capture(LOG_INFO, "Bearer-abcdef", "with Bearer-abcdef inside");
        g_assert_nonnull(strstr(out, "<6>hello with *** inside second line\n"));
        g_assert_null(strstr(out, "abcdef"));
        g_assert_null(strstr(out, "debug"));
        g_assert_nonnull(strstr(out, "<3>failed: No such file or directory\n"));

        g_autofree char *dbg = capture(LOG_DEBUG, NULL, "x");
        g_assert_nonnull(strstr(dbg, "<7>debug x"));
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/log/mask", test_mask);
        g_test_add_func("/log/prefix-and-levels", test_prefix_and_levels);
        return g_test_run();
}
