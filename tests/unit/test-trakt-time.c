/* SPDX-License-Identifier: MIT */
/* Trakt's dates (daemon/trakt-time.c). */
#include <errno.h>
#include <glib.h>
#include <math.h>
#include <string.h>

#include "trakt-time.h"

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

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/trakt-time/time", test_time);
        return g_test_run();
}
