/* SPDX-License-Identifier: MIT */
#include "sync-rules.h"

/* The last_activities fields that say a category changed (docs/trakt-api.md §5.1). */
static const char *const activity_keys[_KT_CATEGORY_MAX][SYNC_ACTIVITY_KEYS_MAX] = {
        [KT_CATEGORY_HISTORY] = { "movies.watched_at", "episodes.watched_at" },
        [KT_CATEGORY_RATINGS] = { "movies.rated_at", "shows.rated_at", "seasons.rated_at", "episodes.rated_at" },
        [KT_CATEGORY_WATCHLIST] = { "watchlist.updated_at", "movies.watchlisted_at", "shows.watchlisted_at",
                                    "seasons.watchlisted_at", "episodes.watchlisted_at" },
        [KT_CATEGORY_COLLECTION] = { "movies.collected_at", "episodes.collected_at" },
        [KT_CATEGORY_RESUME] = { "movies.paused_at", "episodes.paused_at" },
};

const char *const *sync_rule_activity_keys(KtCategory cat, size_t *n) {
        size_t k = 0;
        if ((int) cat < 0 || cat >= _KT_CATEGORY_MAX) {
                *n = 0;
                return NULL;
        }
        while (k < ELEMENTSOF(activity_keys[cat]) && activity_keys[cat][k])
                k++;
        *n = k;
        return k > 0 ? activity_keys[cat] : NULL;
}

bool sync_rule_category_changed(const SyncActivityField *f, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!f[i].have_cursor || f[i].cursor != f[i].trakt)
                        return true;
        return false;
}

int64_t sync_rule_activity_max(const int64_t *at, size_t n) {
        int64_t m = 0;
        for (size_t i = 0; i < n; i++)
                if (at[i] > m)
                        m = at[i];
        return m;
}

void sync_rule_plan_sweep(const SyncSweepFacts *f, bool changed[_KT_CATEGORY_MAX]) {
        for (KtCategory cat = 0; cat < _KT_CATEGORY_MAX; cat++)
                changed[cat] = false;
        if (!f->baseline)
                for (KtCategory cat = KT_CATEGORY_HISTORY; cat < KT_CATEGORY_RECOMMENDATIONS; cat++)
                        changed[cat] = f->differs[cat];
        /* Trakt's picks leave out what is collected or watchlisted and follow
         * what was rated (Rate clears the cursor); they are asked again when
         * those change or once a day. What was watched since is left out of
         * GetRecommendations' answer, so a play alone costs no request. */
        changed[KT_CATEGORY_RECOMMENDATIONS] =
                changed[KT_CATEGORY_RATINGS] || changed[KT_CATEGORY_WATCHLIST] || changed[KT_CATEGORY_COLLECTION] ||
                !f->have_fetched_at || f->fetched_at > f->now ||
                f->now - f->fetched_at >= (int64_t) SYNC_RECOMMENDATIONS_MAX_AGE_USEC;
}

int64_t sync_rule_window_start(int64_t history_newest) {
        return history_newest > 0 ? history_newest + SYNC_HISTORY_AFTER_USEC : 0;
}

bool sync_rule_want_history_window(const SyncHistoryState *h) {
        return !h->baseline && h->changed && h->have_cursors;
}

bool sync_rule_want_history_count(const SyncHistoryState *h) {
        return h->baseline || sync_rule_want_history_window(h);
}

bool sync_rule_want_history_wider(const SyncHistoryState *h) {
        return sync_rule_want_history_window(h) && h->widened;
}

bool sync_rule_want_history_full(const SyncHistoryState *h) {
        return !h->baseline && h->changed && (!h->have_cursors || h->need_full);
}

bool sync_rule_want_history_done(const SyncHistoryState *h) {
        return h->baseline || h->changed;
}

/* A difference means plays were removed before the window or added with an
 * older date: then the day before the newest known play is read as well,
 * and if that does not explain it, every play is read. */
SyncCountJudgement sync_rule_judge_counts(const SyncCountFacts *f) {
        SyncCountJudgement j = { .verdict = SYNC_COUNTS_OK };
        j.expected = f->history_total + f->new_plays - f->vanished;
        if (f->vanished >= 0 && !f->unstable && f->total_now >= 0 && j.expected != f->total_now && !f->widened &&
            f->history_newest > 0) {
                j.verdict = SYNC_COUNTS_WIDEN;
                j.window_end = f->window_start - 1;
                j.window_start = f->history_newest > (int64_t) SYNC_HISTORY_MARGIN_USEC
                                         ? f->history_newest - (int64_t) SYNC_HISTORY_MARGIN_USEC
                                         : 0;
        } else if (f->vanished < 0 || f->unstable || f->total_now < 0 || j.expected != f->total_now)
                j.verdict = SYNC_COUNTS_FULL;
        return j;
}

const char *sync_count_verdict_to_string(SyncCountVerdict v) {
        static const char *const names[] = { "ok", "widen", "full" };
        return (size_t) v < ELEMENTSOF(names) ? names[v] : "?";
}
