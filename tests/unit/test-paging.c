/* SPDX-License-Identifier: MIT */
#include <glib.h>

#include "paging.h"

#define LIMIT 250

/* With X-Pagination-Page-Count: walk until the page reaches it. */
static void test_page_count(void) {
        g_assert_true(paging_more(1, 3, LIMIT, LIMIT, 11, 0));
        g_assert_true(paging_more(2, 3, LIMIT, LIMIT, 12, 11));
        g_assert_false(paging_more(3, 3, 17, LIMIT, 13, 12)); /* the last page */
        g_assert_false(paging_more(1, 1, LIMIT, LIMIT, 11, 0)); /* exactly one full page */
        /* The count decides, not the page's size: a short page before the last
         * one (the list shrank meanwhile) does not end the walk. */
        g_assert_true(paging_more(1, 2, 100, LIMIT, 11, 0));
}

/* Without the header, a full page may have a next one. */
static void test_no_header_full_page(void) {
        g_assert_true(paging_more(1, -1, LIMIT, LIMIT, 11, 0));
        g_assert_true(paging_more(2, -1, LIMIT, LIMIT, 12, 11));
}

/* Without the header, a short page is the last. */
static void test_no_header_short_page(void) {
        g_assert_false(paging_more(1, -1, 249, LIMIT, 11, 0));
        g_assert_false(paging_more(3, -1, 1, LIMIT, 13, 12));
}

/* A server that ignores paging: everything at once, the same page again, an
 * empty page, or a page beyond the count. */
static void test_server_ignores_paging(void) {
        g_assert_false(paging_more(1, -1, 600, LIMIT, 11, 0));   /* more than the limit */
        g_assert_false(paging_more(2, -1, LIMIT, LIMIT, 11, 11)); /* page 1 again */
        g_assert_false(paging_more(5, 3, LIMIT, LIMIT, 15, 14)); /* beyond the count */
        g_assert_false(paging_more(2, 3, 0, LIMIT, 0, 11));      /* empty before the count */
        g_assert_false(paging_more(1, -1, 0, LIMIT, 0, 0));
        /* The mark of page 1 is compared with nothing before it. */
        g_assert_true(paging_more(1, -1, LIMIT, LIMIT, 11, 11));
}

static void test_mark(void) {
        uint64_t a = paging_mark(7, 1000, "movie:trakt:1");
        g_assert_cmpuint(a, ==, paging_mark(7, 1000, "movie:trakt:1"));
        g_assert_cmpuint(a, !=, paging_mark(8, 1000, "movie:trakt:1"));
        g_assert_cmpuint(a, !=, paging_mark(7, 1001, "movie:trakt:1"));
        g_assert_cmpuint(a, !=, paging_mark(7, 1000, "movie:trakt:2"));
        g_assert_cmpuint(paging_mark(0, 0, NULL), !=, 0);
        g_assert_cmpuint(paging_mark(0, 0, NULL), ==, paging_mark(0, 0, ""));
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/paging/page-count", test_page_count);
        g_test_add_func("/paging/no-header-full-page", test_no_header_full_page);
        g_test_add_func("/paging/no-header-short-page", test_no_header_short_page);
        g_test_add_func("/paging/server-ignores-paging", test_server_ignores_paging);
        g_test_add_func("/paging/mark", test_mark);
        return g_test_run();
}
