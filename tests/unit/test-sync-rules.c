/* SPDX-License-Identifier: MIT */
/* The sweep's decisions (daemon/sync-rules.c): which categories changed on
 * Trakt, when recommendations are fetched again, the history window and its
 * reads, and every verdict of the count check. */
#include <glib.h>
#include <string.h>

#include "sync-rules.h"

#define S ((int64_t) 1000000)
#define DAY (86400 * S)

#define assert_verdict(j, v)                                                                                           \
        do {                                                                                                            \
                SyncCountVerdict got_ = (j).verdict;                                                                   \
                if (got_ != (v))                                                                                        \
                        g_error("%s:%d: verdict %s, not %s", __FILE__, __LINE__, sync_count_verdict_to_string(got_),     \
                                sync_count_verdict_to_string(v));                                                       \
        } while (0)

/* ---- which categories changed ---- */

static void test_activity_keys(void) {
        size_t n;
        const char *const *k = sync_rule_activity_keys(KT_CATEGORY_HISTORY, &n);
        g_assert_cmpuint(n, ==, 2);
        g_assert_cmpstr(k[0], ==, "movies.watched_at");
        g_assert_cmpstr(k[1], ==, "episodes.watched_at");
        k = sync_rule_activity_keys(KT_CATEGORY_RATINGS, &n);
        g_assert_cmpuint(n, ==, 4);
        k = sync_rule_activity_keys(KT_CATEGORY_WATCHLIST, &n);
        g_assert_cmpuint(n, ==, 5);
        g_assert_cmpstr(k[0], ==, "watchlist.updated_at"); /* a list's own change, not only its items' */
        k = sync_rule_activity_keys(KT_CATEGORY_COLLECTION, &n);
        g_assert_cmpuint(n, ==, 2);
        k = sync_rule_activity_keys(KT_CATEGORY_RESUME, &n);
        g_assert_cmpuint(n, ==, 2);
        g_assert_cmpstr(k[1], ==, "episodes.paused_at");
        /* Neither has fields: scrobbles are not pulled, recommendations go by age. */
        g_assert_null(sync_rule_activity_keys(KT_CATEGORY_SCROBBLE, &n));
        g_assert_cmpuint(n, ==, 0);
        g_assert_null(sync_rule_activity_keys(KT_CATEGORY_RECOMMENDATIONS, &n));
        g_assert_cmpuint(n, ==, 0);
        g_assert_null(sync_rule_activity_keys(_KT_CATEGORY_MAX, &n));
        g_assert_null(sync_rule_activity_keys((KtCategory) -1, &n));
        for (KtCategory c = 0; c < _KT_CATEGORY_MAX; c++) {
                k = sync_rule_activity_keys(c, &n);
                g_assert_cmpuint(n, <=, SYNC_ACTIVITY_KEYS_MAX);
                for (size_t i = 0; i < n; i++)
                        g_assert_nonnull(strchr(k[i], '.'));
        }
}

static void test_category_changed(void) {
        SyncActivityField f[2] = { { .trakt = 5 * S, .have_cursor = true, .cursor = 5 * S },
                                   { .trakt = 0, .have_cursor = true, .cursor = 0 } };
        g_assert_false(sync_rule_category_changed(f, 2)); /* in step: nothing to pull */
        g_assert_false(sync_rule_category_changed(f, 0));
        f[1].trakt = 1;
        g_assert_true(sync_rule_category_changed(f, 2)); /* the last field counts as much as the first */
        f[1].trakt = 0;
        f[0].trakt = 5 * S - 1;
        g_assert_true(sync_rule_category_changed(f, 2)); /* older than the cursor: changed too (a removal) */
        f[0].trakt = 5 * S;
        f[1].have_cursor = false;
        g_assert_true(sync_rule_category_changed(f, 2)); /* never recorded, even where Trakt says 0 */
}

static void test_activity_max(void) {
        int64_t at[] = { 3, 9, 0, 7 };
        g_assert_cmpint(sync_rule_activity_max(at, 4), ==, 9);
        g_assert_cmpint(sync_rule_activity_max(at, 1), ==, 3);
        g_assert_cmpint(sync_rule_activity_max(at, 0), ==, 0);
        int64_t none[] = { 0, 0 };
        g_assert_cmpint(sync_rule_activity_max(none, 2), ==, 0);
        int64_t before_epoch[] = { -5 };
        g_assert_cmpint(sync_rule_activity_max(before_epoch, 1), ==, 0);
}

/* In step, recommendations fetched an hour ago. */
static SyncSweepFacts quiet(void) {
        return (SyncSweepFacts) { .have_fetched_at = true, .fetched_at = 1000 * DAY - 3600 * S, .now = 1000 * DAY };
}

static size_t count_changed(const bool changed[_KT_CATEGORY_MAX]) {
        size_t n = 0;
        for (KtCategory c = 0; c < _KT_CATEGORY_MAX; c++)
                n += changed[c];
        return n;
}

/* Nothing changed: the sweep is the one last_activities request. */
static void test_plan_nothing(void) {
        SyncSweepFacts f = quiet();
        bool changed[_KT_CATEGORY_MAX];
        memset(changed, 1, sizeof changed);
        sync_rule_plan_sweep(&f, changed);
        g_assert_cmpuint(count_changed(changed), ==, 0);
}

static void test_plan_changed(void) {
        for (KtCategory c = KT_CATEGORY_HISTORY; c < KT_CATEGORY_RECOMMENDATIONS; c++) {
                SyncSweepFacts f = quiet();
                bool changed[_KT_CATEGORY_MAX];
                f.differs[c] = true;
                sync_rule_plan_sweep(&f, changed);
                g_assert_true(changed[c]);
                /* Rated, watchlisted or collected: Trakt's picks change too; a play or a pause does not. */
                bool recs = c == KT_CATEGORY_RATINGS || c == KT_CATEGORY_WATCHLIST || c == KT_CATEGORY_COLLECTION;
                g_assert_cmpint(changed[KT_CATEGORY_RECOMMENDATIONS], ==, recs);
                g_assert_cmpuint(count_changed(changed), ==, recs ? 2 : 1);
                g_assert_false(changed[KT_CATEGORY_SCROBBLE]);
        }
        /* A scrobble's "difference" is never a pull. */
        SyncSweepFacts f = quiet();
        bool changed[_KT_CATEGORY_MAX];
        f.differs[KT_CATEGORY_SCROBBLE] = true;
        sync_rule_plan_sweep(&f, changed);
        g_assert_cmpuint(count_changed(changed), ==, 0);
}

/* The first sweep after connecting without an import compares nothing:
 * it records where Trakt stands. */
static void test_plan_baseline(void) {
        SyncSweepFacts f = quiet();
        bool changed[_KT_CATEGORY_MAX];
        f.baseline = true;
        for (KtCategory c = 0; c < _KT_CATEGORY_MAX; c++)
                f.differs[c] = true;
        sync_rule_plan_sweep(&f, changed);
        g_assert_cmpuint(count_changed(changed), ==, 0);
        f.have_fetched_at = false; /* never fetched: even a baseline asks for the picks */
        sync_rule_plan_sweep(&f, changed);
        g_assert_true(changed[KT_CATEGORY_RECOMMENDATIONS]);
        g_assert_cmpuint(count_changed(changed), ==, 1);
}

static void test_plan_recommendations_age(void) {
        SyncSweepFacts f = quiet();
        bool changed[_KT_CATEGORY_MAX];
        f.fetched_at = f.now - DAY + 1; /* just under a day: not yet */
        sync_rule_plan_sweep(&f, changed);
        g_assert_false(changed[KT_CATEGORY_RECOMMENDATIONS]);
        f.fetched_at = f.now - DAY; /* a day exactly: again */
        sync_rule_plan_sweep(&f, changed);
        g_assert_true(changed[KT_CATEGORY_RECOMMENDATIONS]);
        f.fetched_at = f.now - 30 * DAY;
        sync_rule_plan_sweep(&f, changed);
        g_assert_true(changed[KT_CATEGORY_RECOMMENDATIONS]);
        f.fetched_at = f.now; /* just now */
        sync_rule_plan_sweep(&f, changed);
        g_assert_false(changed[KT_CATEGORY_RECOMMENDATIONS]);
        f.fetched_at = f.now + 1; /* "in the future": the clock was set back; fetch again */
        sync_rule_plan_sweep(&f, changed);
        g_assert_true(changed[KT_CATEGORY_RECOMMENDATIONS]);
        f = quiet();
        f.have_fetched_at = false;
        sync_rule_plan_sweep(&f, changed);
        g_assert_true(changed[KT_CATEGORY_RECOMMENDATIONS]);
        g_assert_cmpuint(count_changed(changed), ==, 1);
}

/* ---- history ---- */

static void test_window_start(void) {
        g_assert_cmpint(sync_rule_window_start(0), ==, 0); /* no newest play: from the beginning */
        g_assert_cmpint(sync_rule_window_start(-1), ==, 0);
        g_assert_cmpint(sync_rule_window_start(1), ==, 1001);
        /* Trakt's millisecond: the newest known play itself is not read again. */
        g_assert_cmpint(sync_rule_window_start(1700000000 * S), ==, 1700000000 * S + 1000);
}

typedef struct Wants {
        bool window, count, wider, full, done;
} Wants;

static Wants wants(SyncHistoryState h) {
        return (Wants) { sync_rule_want_history_window(&h), sync_rule_want_history_count(&h),
                         sync_rule_want_history_wider(&h), sync_rule_want_history_full(&h),
                         sync_rule_want_history_done(&h) };
}

#define assert_wants(h, w, c, wi, f, d)                                                                                \
        do {                                                                                                            \
                Wants got_ = wants(h);                                                                                  \
                if (got_.window != (w) || got_.count != (c) || got_.wider != (wi) || got_.full != (f) || got_.done != (d)) \
                        g_error("%s:%d: window %d count %d wider %d full %d done %d", __FILE__, __LINE__, got_.window,  \
                                got_.count, got_.wider, got_.full, got_.done);                                          \
        } while (0)

static void test_history_reads(void) {
        /* History did not change: nothing of it is read. */
        assert_wants(((SyncHistoryState) { .have_cursors = true }), false, false, false, false, false);
        /* Changed, cursors known: the window, then the count. */
        assert_wants(((SyncHistoryState) { .changed = true, .have_cursors = true }), true, true, false, false, true);
        /* The counts disagreed once: the day before too. */
        assert_wants(((SyncHistoryState) { .changed = true, .have_cursors = true, .widened = true }), true, true, true,
                     false, true);
        /* They still disagree: every play. */
        assert_wants(((SyncHistoryState) { .changed = true, .have_cursors = true, .widened = true, .need_full = true }),
                     true, true, true, true, true);
        assert_wants(((SyncHistoryState) { .changed = true, .have_cursors = true, .need_full = true }), true, true, false,
                     true, true);
        /* No cursors (never in step): every play, no window, no count. */
        assert_wants(((SyncHistoryState) { .changed = true }), false, false, false, true, true);
        assert_wants(((SyncHistoryState) { .changed = true, .widened = true }), false, false, false, true, true);
        /* A baseline: only Trakt's count, whatever else is set. */
        assert_wants(((SyncHistoryState) { .baseline = true }), false, true, false, false, true);
        assert_wants(((SyncHistoryState) { .baseline = true, .changed = true, .have_cursors = true, .widened = true,
                                           .need_full = true }),
                     false, true, false, false, true);
}

/* ---- the count check ---- */

/* In step: 100 plays on Trakt when last in step, the newest ten days in. */
static SyncCountFacts in_step(void) {
        int64_t newest = 10 * DAY;
        return (SyncCountFacts) { .history_total = 100, .new_plays = 0, .vanished = 0, .total_now = 100,
                                  .history_newest = newest, .window_start = sync_rule_window_start(newest) };
}

static void test_counts_ok(void) {
        SyncCountFacts f = in_step();
        SyncCountJudgement j = sync_rule_judge_counts(&f);
        assert_verdict(j, SYNC_COUNTS_OK);
        g_assert_cmpint(j.expected, ==, 100);
        f.new_plays = 3; /* three new plays, two gone from the window */
        f.vanished = 2;
        f.total_now = 101;
        j = sync_rule_judge_counts(&f);
        assert_verdict(j, SYNC_COUNTS_OK);
        g_assert_cmpint(j.expected, ==, 101);
        f.widened = true; /* the wider read explained it */
        assert_verdict(sync_rule_judge_counts(&f), SYNC_COUNTS_OK);
}

/* Off the first time: the day before the newest play, up to the window. */
static void test_counts_widen(void) {
        SyncCountFacts f = in_step();
        f.total_now = 101; /* a play added late, dated before the window */
        SyncCountJudgement j = sync_rule_judge_counts(&f);
        assert_verdict(j, SYNC_COUNTS_WIDEN);
        g_assert_cmpint(j.expected, ==, 100);
        g_assert_cmpint(j.window_start, ==, 9 * DAY);
        g_assert_cmpint(j.window_end, ==, 10 * DAY + 1000 - 1);
        f.total_now = 99; /* one removed before the window */
        assert_verdict(sync_rule_judge_counts(&f), SYNC_COUNTS_WIDEN);
        /* The newest play less than a day after the epoch: from 0. */
        f.history_newest = DAY;
        f.window_start = sync_rule_window_start(f.history_newest);
        j = sync_rule_judge_counts(&f);
        assert_verdict(j, SYNC_COUNTS_WIDEN);
        g_assert_cmpint(j.window_start, ==, 0);
        g_assert_cmpint(j.window_end, ==, DAY + 999);
        f.history_newest = DAY + 1;
        f.window_start = sync_rule_window_start(f.history_newest);
        j = sync_rule_judge_counts(&f);
        g_assert_cmpint(j.window_start, ==, 1);
}

/* Off again after widening: every play. */
static void test_counts_full_after_widen(void) {
        SyncCountFacts f = in_step();
        f.total_now = 101;
        f.widened = true;
        SyncCountJudgement j = sync_rule_judge_counts(&f);
        assert_verdict(j, SYNC_COUNTS_FULL);
        g_assert_cmpint(j.expected, ==, 100);
        g_assert_cmpint(j.window_start, ==, 0); /* no window for a full read */
        g_assert_cmpint(j.window_end, ==, 0);
}

/* What cannot be judged is read in full, even where the counts agree. */
static void test_counts_unknown(void) {
        SyncCountFacts f = in_step();
        f.vanished = -1; /* the store could not say */
        f.total_now = 101; /* = 100 + 0 - (-1): must not pass for agreement */
        SyncCountJudgement j = sync_rule_judge_counts(&f);
        assert_verdict(j, SYNC_COUNTS_FULL);
        g_assert_cmpint(j.expected, ==, 101);
        f.total_now = 100;
        assert_verdict(sync_rule_judge_counts(&f), SYNC_COUNTS_FULL);

        f = in_step();
        f.total_now = -1; /* Trakt sent no count */
        assert_verdict(sync_rule_judge_counts(&f), SYNC_COUNTS_FULL);
        f.history_total = 0; /* … even where the sum happens to be -1 too */
        f.vanished = 1;
        g_assert_cmpint(sync_rule_judge_counts(&f).expected, ==, -1);
        assert_verdict(sync_rule_judge_counts(&f), SYNC_COUNTS_FULL);

        f = in_step();
        f.unstable = true; /* the history moved while it was paged */
        assert_verdict(sync_rule_judge_counts(&f), SYNC_COUNTS_FULL);
        f.total_now = 101;
        assert_verdict(sync_rule_judge_counts(&f), SYNC_COUNTS_FULL);

        f = in_step();
        f.history_newest = 0; /* no newest play: no day before it to read */
        f.window_start = 0;
        f.total_now = 101;
        assert_verdict(sync_rule_judge_counts(&f), SYNC_COUNTS_FULL);
        f.total_now = 100;
        assert_verdict(sync_rule_judge_counts(&f), SYNC_COUNTS_OK);
}

static void test_verdict_names(void) {
        g_assert_cmpstr(sync_count_verdict_to_string(SYNC_COUNTS_OK), ==, "ok");
        g_assert_cmpstr(sync_count_verdict_to_string(SYNC_COUNTS_WIDEN), ==, "widen");
        g_assert_cmpstr(sync_count_verdict_to_string(SYNC_COUNTS_FULL), ==, "full");
        g_assert_cmpstr(sync_count_verdict_to_string(_SYNC_COUNTS_MAX), ==, "?");
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/sync-rules/activity-keys", test_activity_keys);
        g_test_add_func("/sync-rules/category-changed", test_category_changed);
        g_test_add_func("/sync-rules/activity-max", test_activity_max);
        g_test_add_func("/sync-rules/plan-nothing", test_plan_nothing);
        g_test_add_func("/sync-rules/plan-changed", test_plan_changed);
        g_test_add_func("/sync-rules/plan-baseline", test_plan_baseline);
        g_test_add_func("/sync-rules/plan-recommendations-age", test_plan_recommendations_age);
        g_test_add_func("/sync-rules/window-start", test_window_start);
        g_test_add_func("/sync-rules/history-reads", test_history_reads);
        g_test_add_func("/sync-rules/counts-ok", test_counts_ok);
        g_test_add_func("/sync-rules/counts-widen", test_counts_widen);
        g_test_add_func("/sync-rules/counts-full-after-widen", test_counts_full_after_widen);
        g_test_add_func("/sync-rules/counts-unknown", test_counts_unknown);
        g_test_add_func("/sync-rules/verdict-names", test_verdict_names);
        return g_test_run();
}
