/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* When to stop walking a paged Trakt read (docs/trakt-api.md §6): one rule
 * for the sync's pulls and look-ups and a followed list's items. Pure, so it
 * is unit tested.
 *
 * Page `page` (from 1) of a walk with `limit` brought `n` items; `page_count`
 * is its X-Pagination-Page-Count, -1 when absent. Another page is asked for
 * only when this one had items and
 *   - with a page count: `page` is below it (the count of *that* limit);
 *   - without one: the page holds exactly `limit` items (more means the
 *     server ignores paging) and is not the previous page again: `mark` and
 *     `previous_mark` are paging_mark() of this page's and the previous
 *     page's first item (ignored on page 1).
 * A server that ignores paging therefore neither loops nor doubles. */
bool paging_more(unsigned page, int64_t page_count, size_t n, size_t limit, uint64_t mark, uint64_t previous_mark);

/* What names a page: a hash of its first item's Trakt id, time (µs) and media
 * key (NULL: none). Never 0, which stands for an empty page. */
uint64_t paging_mark(int64_t id, int64_t at, const char *key);
