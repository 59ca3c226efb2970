/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "categories.h"
#include "context.h"
#include "db-history.h"
#include "trakt-client.h"
#include "trakt-parse.h"

/* Inside the sync only: what sync.c (the engine: a run's life, its plans,
 * the sweep timer), sync-pull.c (reading Trakt into the store) and
 * sync-push.c (sending what is local) share. Nothing else includes it. */

#define SYNC_PAGE_LIMIT 250 /* Trakt's maximum (docs/trakt-api.md §6) */

#ifndef MIN
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#endif

/* The categories a sweep compares (the shared list without scrobble); their
 * names, kt_categories[cat], are the toggles'; each has its floor (db-cursors.h). */
typedef enum Cat {
        CAT_NONE = -1,
        CAT_HISTORY = KT_CATEGORY_HISTORY,
        CAT_RATINGS = KT_CATEGORY_RATINGS,
        CAT_WATCHLIST = KT_CATEGORY_WATCHLIST,
        CAT_COLLECTION = KT_CATEGORY_COLLECTION,
        CAT_RESUME = KT_CATEGORY_RESUME,
        CAT_RECOMMENDATIONS = KT_CATEGORY_RECOMMENDATIONS,
        _CAT_MAX = _KT_CATEGORY_MAX,
} Cat;

typedef struct SyncRun SyncRun;
typedef struct Step Step;
typedef struct Pull Pull; /* one paged read (sync-pull.c) */
typedef struct Push Push; /* one kind of local rows sent (sync-push.c) */

/* A plan is a table of steps (sync.c); the engine runs each in turn from the
 * event loop. A step's run() returns < 0 when it cannot start (the run then
 * ends); otherwise it, or the answer it waits for, moves the run on with
 * sync_next_step(), sync_step_done(), sync_finish() or sync_fail(). */
struct Step {
        const char *name;
        Cat cat;                                 /* the toggle it needs; CAT_NONE: always runs */
        int (*run)(SyncRun *s);
        const Pull *pull;
        const Push *push;
        bool (*want)(SyncRun *s);                /* NULL: always */
};

struct SyncRun {
        Context *context;
        const char *kind;             /* "import" or "incremental" */
        bool incremental;
        const Step *plan;
        size_t n_plan;
        size_t step;
        unsigned page;
        uint32_t done, total;
        TraktCall *call;
        sd_event_source *defer;
        bool have_unlinked;          /* local plays without a Trakt id exist: try to link */
        bool then_import;            /* Import() arrived during this sweep: start it afterwards */
        bool requested;              /* a SyncNow() started or joined this sweep */
        DbTraktPlay rows[DB_HISTORY_BATCH]; /* plays waiting for history_flush() (their strings owned) */
        size_t n_rows;

        /* last_activities as Trakt sent it at the start of the run */
        TraktActivity *acts;
        size_t n_acts;
        bool have_acts;
        bool baseline;               /* first sweep after connecting without an import */
        bool changed[_CAT_MAX];      /* sweep: what to pull */

        /* the pull that runs */
        int64_t floor;               /* items older than this stay on Trakt (not imported) */
        int64_t first_item_count;    /* X-Pagination-Item-Count of page 1 */
        uint64_t page_mark;          /* paging_mark() of the previous page's first item */
        bool unstable;               /* the list changed while it was paged: judge nothing by it */
        unsigned ratings_pushed_at_start; /* c->ratings_pushed when the ratings pull began */
        uint32_t position;           /* next position in a list being replaced */

        /* history (docs/trakt-api.md §5.2) */
        bool have_history_cursors;
        int64_t history_newest;      /* cursor: the newest play known (µs) */
        int64_t history_total;       /* cursor: Trakt's play count when history was last in step */
        int64_t window_start;        /* the plays read reach back to here */
        int64_t window_end;          /* the wider window's pull stops here (end_at), 0: no end */
        bool widened;                /* the counts disagreed: the margin before the newest play is read too */
        int64_t newest_seen;
        int64_t total_now;           /* Trakt's play count now, -1 unknown */
        int64_t new_plays;           /* plays of the window seen for the first time */
        bool need_full;              /* the counts disagree: re-read every play */
        bool full_read;              /* every play was read in this run */

        /* push state */
        int64_t *batch_ids;
        size_t n_batch;
        int64_t batch_from, batch_to;  /* history batch: its first and last watched_at (µs) */
        unsigned not_found;
        size_t unreadable;            /* rows of Trakt's answers that could not be read, this run */
        int64_t *by_numbers;          /* rows whose episode Trakt did not find by id: next time by show and numbers */
        size_t n_by_numbers;
        bool lookup;                  /* the history batch's answer was lost: look for its plays on Trakt first */
        unsigned unsure_rounds;       /* history batches whose answer was lost, this run */
        char *refused;                /* a category Trakt refused (420/426): said at the end, the rest goes on */
};

/* ---- the engine (sync.c) ---- */

/* Run the current step (s->step, s->page) again from the event loop: the
 * next page or batch, or a step the caller moved to itself. */
void sync_next_step(SyncRun *s);
/* Go on with the next step of the plan, from its first page. */
void sync_step_done(SyncRun *s);
/* End the run: SyncFinished(kind, !error, error), and the next sweep armed.
 * Frees s: do not touch it afterwards. */
void sync_finish(SyncRun *s, const char *error);
/* sync_finish() with "what; <when it is tried again>". */
void sync_fail(SyncRun *s, const char *what);
/* SyncProgress changed (s->done, s->total). */
void sync_progress_changed(SyncRun *s);
/* Store the category's last_activities fields as Trakt sent them at the start
 * of this run: the point Trakt and we are now in step at. Within the
 * caller's transaction. */
int sync_store_activity_cursors(SyncRun *s, Cat cat);

/* ---- pulling (sync-pull.c) ---- */

extern const Pull sync_pull_history;          /* every play */
extern const Pull sync_pull_history_window;   /* the plays from window_start */
extern const Pull sync_pull_history_wider;    /* window_start to window_end, then the counts are judged */
extern const Pull sync_pull_history_count;    /* Trakt's play count only */
extern const Pull sync_pull_ratings;
extern const Pull sync_pull_watchlist;
extern const Pull sync_pull_collection_movies;
extern const Pull sync_pull_collection_shows;
extern const Pull sync_pull_playback;
extern const Pull sync_pull_recommendations_movies;
extern const Pull sync_pull_recommendations_shows;

/* Step: read the step's Pull, every page, into the store. */
int sync_pull_step(SyncRun *s);
/* Step: history is read; forget the plays Trakt no longer has and record
 * the history cursors (or, when the history changed while it was read, judge
 * nothing and leave them). */
int sync_history_done_step(SyncRun *s);
/* Step: one other category is read; forget what Trakt dropped from it and
 * record its cursors. */
int sync_commit_step(SyncRun *s);

/* Store one play Trakt has. 1: new here (stored, or linked to a local play),
 * 0: known already (or queued, during an import), -EINVAL: an item that
 * cannot be named (skip it), other < 0: the store failed. Within the
 * caller's transaction. */
int sync_store_history(SyncRun *s, const TraktItem *it);
/* Drop the plays queued by sync_store_history() and not yet written. */
void sync_history_rows_drop(SyncRun *s);
/* paging_mark() of a page's first item; 0 for an empty page. */
uint64_t sync_page_mark(const TraktItem *items, size_t n);

/* ---- pushing (sync-push.c) ---- */

extern const Push sync_push_history;
extern const Push sync_push_ratings;
extern const Push sync_push_collection;

/* Step: send the step's Push rows in batches until none is left. */
int sync_push_step(SyncRun *s);
