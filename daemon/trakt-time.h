/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Trakt's dates (docs/trakt-api.md §1.3): ISO 8601 in UTC, µs since the epoch
 * here. Pure functions. */

/* "2014-09-01T09:10:11.000Z", also without milliseconds, and with a numeric
 * offset ("+02:00"). µs since the epoch; -EINVAL on garbage, on a year
 * before 1970 and on NULL. It runs for every row of an import: no sscanf(),
 * no timegm(). */
int trakt_parse_time(const char *s, int64_t *ret_usec);
/* "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC, milliseconds) into buf (at least 32
 * bytes), which it returns; a negative time is written as the epoch. */
char *trakt_format_time(int64_t usec, char *buf, size_t n);
