/* SPDX-License-Identifier: MIT */
#include <inttypes.h>
#include <stdio.h>

#include "paging.h"

bool paging_more(unsigned page, int64_t page_count, size_t n, size_t limit, uint64_t mark, uint64_t previous_mark) {
        if (n == 0)
                return false;
        if (page_count >= 0)
                return (int64_t) page < page_count;
        return n == limit && !(page > 1 && mark == previous_mark);
}

/* FNV-1a. */
static uint64_t fnv1a(uint64_t h, const char *s) {
        for (; *s; s++)
                h = (h ^ (unsigned char) *s) * 1099511628211ULL;
        return h;
}

uint64_t paging_mark(int64_t id, int64_t at, const char *key) {
        char buf[64];
        snprintf(buf, sizeof buf, "%" PRIi64 "@%" PRIi64 "/", id, at);
        return fnv1a(fnv1a(1469598103934665603ULL, buf), key ? key : "") | 1;
}
