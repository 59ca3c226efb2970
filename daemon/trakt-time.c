/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "trakt-time.h"

/* n ASCII digits at s, or -1. */
static int digits(const char *s, int n) {
        int v = 0;
        for (int i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        return v;
}

/* Days from 1970-01-01 to Y-M-D (proleptic Gregorian). A day past the end of
 * its month counts on into the next, as timegm() normalises it. */
static int64_t days_from_civil(int y, int m, int d) {
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        int64_t yoe = y - era * 400;
        int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

/* Read digit by digit: this runs for every row of an import, where sscanf()
 * and timegm() cost 4 % of its instructions. */
int trakt_parse_time(const char *s, int64_t *ret_usec) {
        if (!s || strnlen(s, 19) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
                return -EINVAL;
        int Y = digits(s, 4), M = digits(s + 5, 2), D = digits(s + 8, 2), h = digits(s + 11, 2), mi = digits(s + 14, 2),
            sec = digits(s + 17, 2);
        if (Y < 1970 || M < 1 || M > 12 || D < 1 || D > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
                return -EINVAL;
        const char *p = s + 19;
        int64_t usec = 0;
        if (*p == '.') {
                p++;
                int n = 0;
                int64_t frac = 0;
                while (*p >= '0' && *p <= '9') {
                        if (n < 6) {
                                frac = frac * 10 + (*p - '0');
                                n++;
                        }
                        p++;
                }
                if (n == 0)
                        return -EINVAL;
                while (n++ < 6)
                        frac *= 10;
                usec = frac;
        }
        int64_t offset = 0;
        if (*p == 'Z')
                p++;
        else if (*p == '+' || *p == '-') {
                int oh = strnlen(p, 6) >= 6 && p[3] == ':' ? digits(p + 1, 2) : -1, om = oh >= 0 ? digits(p + 4, 2) : -1;
                if (oh < 0 || om < 0 || oh > 23 || om > 59)
                        return -EINVAL;
                offset = (int64_t) (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
                p += 6;
        }
        if (*p != 0)
                return -EINVAL;
        int64_t t = days_from_civil(Y, M, D) * 86400 + h * 3600 + mi * 60 + sec;
        *ret_usec = (t - offset) * 1000000 + usec;
        return 0;
}

char *trakt_format_time(int64_t usec, char *buf, size_t n) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;
        if (usec < 0 || !gmtime_r(&t, &tm)) {
                snprintf(buf, n, "1970-01-01T00:00:00.000Z");
                return buf;
        }
        snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec, (int) ((usec / 1000) % 1000));
        return buf;
}
