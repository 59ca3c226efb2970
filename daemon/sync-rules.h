/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "categories.h"
#include "util.h"

/* The sweep's decisions (docs/trakt-api.md §5.1, §5.2): which categories
 * changed on Trakt, where the history window starts, which history reads a
 * sweep needs, and what Trakt's play count says about the plays read. Pure:
 * no loop, no database, no context; sync.c and sync-pull.c read the
 * cursors and Trakt's answers, ask these rules, log and do what the verdict
 * says. tests/unit/test-sync-rules.c holds every verdict. */

/* Trakt's times have millisecond resolution: the window starts one later. */
#define SYNC_HISTORY_AFTER_USEC 1000
/* Recommendations are fetched again at least this often. */
#define SYNC_RECOMMENDATIONS_MAX_AGE_USEC (86400 * USEC_PER_SEC)
/* New plays are read from just after the newest one known, so 1,000 new plays
 * cost ceil(1000/250) pages. A play that reaches Trakt late (an outbox replay,
 * another device back online) keeps the time it happened and falls before
 * that: Trakt's play count then disagrees with ours, and the day before the
 * newest known play is read too; only if the counts still disagree is every
 * play read. */
#define SYNC_HISTORY_MARGIN_USEC (86400 * USEC_PER_SEC)

/* ---- which categories changed ---- */

/* At most this many last_activities fields per category. */
#define SYNC_ACTIVITY_KEYS_MAX 6

/* The last_activities fields that say category cat changed (history,
 * ratings, watchlist, collection, resume); *n gets how many. NULL (and 0)
 * for the others. */
const char *const *sync_rule_activity_keys(KtCategory cat, size_t *n);

/* One last_activities field: Trakt's value in this run and the cursor kept. */
typedef struct SyncActivityField {
        int64_t trakt;          /* as Trakt sent it; 0 when absent */
        bool have_cursor;       /* a cursor is stored for the field */
        int64_t cursor;         /* its value */
} SyncActivityField;

/* A category changed when any of its fields has no cursor or differs from it. */
bool sync_rule_category_changed(const SyncActivityField *f, size_t n);
/* The newest of a category's fields (0 when none): where "before connecting" ends. */
int64_t sync_rule_activity_max(const int64_t *at, size_t n);

/* What a sweep knows once last_activities is read. */
typedef struct SyncSweepFacts {
        bool baseline;                    /* first sweep after connecting without an import */
        bool differs[_KT_CATEGORY_MAX];   /* history … resume: sync_rule_category_changed() (not read for a baseline) */
        bool have_fetched_at;             /* recommendations were fetched before */
        int64_t fetched_at;               /* then (realtime µs) */
        int64_t now;                      /* realtime µs */
} SyncSweepFacts;

/* What the sweep pulls: changed[cat] for history … recommendations
 * (scrobble stays false). A baseline compares nothing; recommendations are
 * asked again when ratings, watchlist or collection changed, when never
 * fetched, fetched "in the future" or at least a day ago. */
void sync_rule_plan_sweep(const SyncSweepFacts *f, bool changed[_KT_CATEGORY_MAX]);

/* ---- history ---- */

/* Where a sweep's window of new plays starts: just after the newest known play, or 0. */
int64_t sync_rule_window_start(int64_t history_newest);

/* The history part of a sweep, as it stands when a step is chosen. */
typedef struct SyncHistoryState {
        bool baseline;          /* baseline sweep: only Trakt's count is read */
        bool changed;           /* history changed on Trakt */
        bool have_cursors;      /* the newest play and the count are known */
        bool widened;           /* the counts disagreed once: the margin is read */
        bool need_full;         /* the counts disagree: every play is read */
} SyncHistoryState;

bool sync_rule_want_history_window(const SyncHistoryState *h); /* the plays from the window's start */
bool sync_rule_want_history_count(const SyncHistoryState *h);  /* Trakt's play count */
bool sync_rule_want_history_wider(const SyncHistoryState *h);  /* the day before the window */
bool sync_rule_want_history_full(const SyncHistoryState *h);   /* every play */
bool sync_rule_want_history_done(const SyncHistoryState *h);   /* forget what Trakt removed, keep the cursors */

/* ---- the count check ---- */

typedef enum SyncCountVerdict {
        SYNC_COUNTS_OK,         /* Trakt's count is what the plays read explain */
        SYNC_COUNTS_WIDEN,      /* off for the first time: read the day before the newest known play */
        SYNC_COUNTS_FULL,       /* off again, or unknowable: read every play */
        _SYNC_COUNTS_MAX,
} SyncCountVerdict;

typedef struct SyncCountFacts {
        int64_t history_total;  /* cursor: Trakt's count when history was last in step */
        int64_t new_plays;      /* plays of the window seen for the first time */
        int64_t vanished;       /* linked plays of the window Trakt no longer has; -1 unknown */
        int64_t total_now;      /* Trakt's count now; -1 unknown */
        bool unstable;          /* the list changed while it was paged */
        bool widened;           /* the margin was read already */
        int64_t history_newest; /* cursor: the newest known play (µs), 0 none */
        int64_t window_start;   /* where the plays read reach back to */
} SyncCountFacts;

typedef struct SyncCountJudgement {
        SyncCountVerdict verdict;
        int64_t expected;       /* history_total + new_plays - vanished (for the log) */
        int64_t window_start;   /* WIDEN: the wider read's start … */
        int64_t window_end;     /* … and its end (just before the old window) */
} SyncCountJudgement;

/* Trakt's play count now against the count when history was last in step,
 * plus the plays new in the window, minus the linked plays of the window
 * Trakt no longer has. */
SyncCountJudgement sync_rule_judge_counts(const SyncCountFacts *f);

const char *sync_count_verdict_to_string(SyncCountVerdict v);
