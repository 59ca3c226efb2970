/* SPDX-License-Identifier: MIT */
#include <glib.h>

#include "governor.h"
#include "util.h"

#define S USEC_PER_SEC

static void test_writes_spaced(void) {
        Governor g;
        g_assert_cmpint(governor_init(&g, 10, 300 * S, 1 * S), ==, 0);
        uint64_t t = 1000 * S;
        g_assert_cmpuint(governor_next_slot(&g, true, t), ==, t); /* first write goes at once */
        governor_take(&g, true, t);
        g_assert_cmpuint(governor_next_slot(&g, true, t), ==, t + S);
        g_assert_cmpuint(governor_next_slot(&g, true, t + S / 2), ==, t + S);
        g_assert_cmpuint(governor_next_slot(&g, true, t + 2 * S), ==, t + 2 * S);
        /* GETs are not held back by writes. */
        g_assert_cmpuint(governor_next_slot(&g, false, t), ==, t);
        governor_done(&g);
}

static void test_get_budget_window(void) {
        Governor g;
        g_assert_cmpint(governor_init(&g, 3, 10 * S, S), ==, 0);
        uint64_t t = 50 * S;
        governor_take(&g, false, t);
        governor_take(&g, false, t + 1 * S);
        governor_take(&g, false, t + 2 * S);
        /* Budget spent: the next GET waits until the oldest leaves the window. */
        g_assert_cmpuint(governor_next_slot(&g, false, t + 3 * S), ==, t + 10 * S);
        governor_take(&g, false, t + 10 * S);
        g_assert_cmpuint(governor_next_slot(&g, false, t + 10 * S), ==, t + 11 * S);
        /* Writes are not held back by the GET budget. */
        g_assert_cmpuint(governor_next_slot(&g, true, t + 3 * S), ==, t + 3 * S);
        governor_done(&g);
}

static void test_block(void) {
        Governor g;
        g_assert_cmpint(governor_init(&g, 500, 300 * S, S), ==, 0);
        uint64_t t = 7 * S;
        g_assert_false(governor_blocked(&g, t));
        governor_block_until(&g, t + 30 * S);
        g_assert_true(governor_blocked(&g, t));
        g_assert_cmpuint(governor_next_slot(&g, false, t), ==, t + 30 * S);
        g_assert_cmpuint(governor_next_slot(&g, true, t), ==, t + 30 * S);
        /* A shorter block never shortens the one in force. */
        governor_block_until(&g, t + 5 * S);
        g_assert_cmpuint(governor_next_slot(&g, false, t), ==, t + 30 * S);
        governor_block_until(&g, t + 60 * S);
        g_assert_cmpuint(governor_next_slot(&g, true, t), ==, t + 60 * S);
        g_assert_false(governor_blocked(&g, t + 60 * S));
        governor_done(&g);
}

static void test_bad_init(void) {
        Governor g;
        g_assert_cmpint(governor_init(&g, 0, S, S), <, 0);
        g_assert_cmpint(governor_init(&g, 10, 0, S), <, 0);
        g_assert_cmpint(governor_init(&g, GOVERNOR_MAX_BUDGET + 1, S, S), <, 0);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/governor/writes-spaced", test_writes_spaced);
        g_test_add_func("/governor/get-budget-window", test_get_budget_window);
        g_test_add_func("/governor/block", test_block);
        g_test_add_func("/governor/bad-init", test_bad_init);
        return g_test_run();
}
