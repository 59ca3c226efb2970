/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "db-cursors.h"
#include "db-history.h"
#include "db-library.h"
#include "db-push.h"
#include "db-seen.h"
#include "activity.h"
#include "errors.h"
#include "library.h"
#include "log.h"
#include "paging.h"
#include "sync.h"
#include "trakt-client.h"
#include "trakt-body.h"
#include "trakt-parse.h"
#include "trakt-parse-text.h"
#include "trakt-time.h"
#include "util.h"

#define PAGE_LIMIT 250 /* Trakt's maximum (docs/trakt-api.md §6) */
#define PUSH_BATCH 100

/* The first sweep after start-up or connecting: soon, not in start-up's way. */
#define SWEEP_FIRST_DELAY_USEC (5 * USEC_PER_SEC)
/* New plays are read from just after the newest one known, so 1,000 new plays
 * cost ceil(1000/250) pages. A play that reaches Trakt late (an outbox replay,
 * another device back online) keeps the time it happened and falls before
 * that: Trakt's play count then disagrees with ours, and the day before the
 * newest known play is read too; only if the counts still disagree is every
 * play read. */
#define HISTORY_MARGIN_USEC (86400 * USEC_PER_SEC)
/* Trakt's times have millisecond resolution: the window starts one later. */
#define HISTORY_AFTER_USEC 1000
/* A local play linked to Trakt may be dated up to a minute off Trakt's date:
 * near the window's start, the play counts decide instead of the window. */
#define HISTORY_GUARD_USEC (120 * USEC_PER_SEC)
/* Recommendations are fetched again at least this often. */
#define RECOMMENDATIONS_MAX_AGE_USEC (86400 * USEC_PER_SEC)

static inline int64_t max_i64(int64_t a, int64_t b) {
        return a > b ? a : b;
}
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

/* The last_activities fields that say a category changed (docs/trakt-api.md §5.1). */
static const char *const cat_keys[_CAT_MAX][6] = {
        [CAT_HISTORY] = { "movies.watched_at", "episodes.watched_at" },
        [CAT_RATINGS] = { "movies.rated_at", "shows.rated_at", "seasons.rated_at", "episodes.rated_at" },
        [CAT_WATCHLIST] = { "watchlist.updated_at", "movies.watchlisted_at", "shows.watchlisted_at",
                            "seasons.watchlisted_at", "episodes.watchlisted_at" },
        [CAT_COLLECTION] = { "movies.collected_at", "episodes.collected_at" },
        [CAT_RESUME] = { "movies.paused_at", "episodes.paused_at" },
};

typedef struct SyncRun SyncRun;
typedef struct Step Step;
typedef struct Pull Pull;
typedef struct Push Push;

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

bool sync_running(Context *c) {
        return c->sync != NULL;
}

const char *sync_kind(Context *c) {
        return c->sync ? c->sync->kind : "";
}

void sync_progress(Context *c, uint32_t *done, uint32_t *total) {
        *done = c->sync ? c->sync->done : 0;
        *total = c->sync ? c->sync->total : 0;
}

static void history_rows_drop(SyncRun *run);

static void run_free(SyncRun *s) {
        if (!s)
                return;
        if (s->call)
                trakt_call_cancel(s->call);
        sd_event_source_disable_unref(s->defer);
        history_rows_drop(s);
        trakt_activities_free(s->acts, s->n_acts);
        free(s->batch_ids);
        free(s->by_numbers);
        free(s->refused);
        free(s);
}

void sync_free(Context *c) {
        run_free(c->sync);
        c->sync = NULL;
        c->sweep_timer = sd_event_source_disable_unref(c->sweep_timer);
}

static void progress_changed(SyncRun *s) {
        context_notify_changed(s->context, "SyncProgress", NULL);
}

static void arm_sweep(Context *c, uint64_t delay);
static uint64_t sweep_interval(Context *c);

static void finish(SyncRun *s, const char *error) {
        Context *c = s->context;
        /* A category Trakt refused (420/426) while the rest went through: the run
         * did not do everything, and says which part and why. */
        _cleanup_free_ char *refused = !error && s->refused ? strdup(s->refused) : NULL;
        char refused_msg[512];
        if (refused) {
                snprintf(refused_msg, sizeof refused_msg, "%s; %s", refused, s->incremental ? "the next sweep tries again." : "they are sent by the next import.");
                error = refused_msg;
        }
        bool then_import = s->then_import;
        bool incremental = s->incremental, refresh_lists = incremental && !error && s->requested;
        char kind[32];
        snprintf(kind, sizeof kind, "%s", s->kind);

        /* Finished either way: a failed import is re-run by the user, not on every start. */
        if (!s->incremental)
                (void) db_set_setting(c->db, "import_pending", NULL);
        if (!error) {
                _cleanup_free_ char *own = NULL;
                (void) db_set_setting_u64(c->db, "last_sync", now_realtime_usec());
                log_info("Sync (%s) finished: %" PRIu32 " items%s.", kind, s->done,
                         s->not_found ? "; some items were unknown to Trakt" : "");
                if (s->unreadable > 0)
                        log_warning("Sync (%s): %zu item(s) from Trakt could not be read and were left out.", kind, s->unreadable);
                /* A sweep clears only its own failure: a scrobble's stays until the outbox clears it. */
                if (!s->incremental ||
                    (db_get_setting(c->db, "last_sync_error", &own) >= 0 && streq_ptr(own, c->last_error)))
                        context_set_last_error(c, NULL);
                (void) db_set_setting(c->db, "last_sync_error", NULL);
        } else {
                log_warning("Sync (%s) failed: %s", kind, error);
                /* Once the login has expired, why it expired (set then) is what the
                 * user needs to read, not that the sync could not go on. */
                if (c->state != CONN_EXPIRED || isempty(c->last_error)) {
                        context_set_last_error(c, error);
                        (void) db_set_setting(c->db, "last_sync_error", error);
                }
        }
        c->sync = NULL;
        run_free(s);
        /* Followed lists are not in /sync/last_activities: a SyncNow refreshes them,
         * and periodic sweeps do once every twelve intervals (an hour by default). */
        if (!refresh_lists && incremental && !error) {
                uint64_t last = 0;
                (void) db_get_setting_u64(c->db, "lists_refreshed_at", &last);
                refresh_lists = now_realtime_usec() - last >= 12 * sweep_interval(c);
        }
        if (refresh_lists && c->state == CONN_CONNECTED) {
                (void) db_set_setting_u64(c->db, "lists_refreshed_at", now_realtime_usec());
                int rr = library_refresh_followed_lists(c, NULL, NULL);
                if (rr < 0 && rr != -EBUSY)
                        log_warning_errno(rr, "Could not refresh the followed lists: %m");
        }
        context_notify_changed(c, "Syncing", "SyncProgress", "LastSync", NULL);
        context_notify_sync_finished(c, kind, !error, error);
        context_touch(c);
        context_release_memory(c); /* an import's pages are not needed while idle */
        /* Either kind leaves Trakt and us in step: the next sweep is a full interval away. */
        arm_sweep(c, sweep_interval(c));
        if (then_import && c->state == CONN_CONNECTED)
                (void) sync_import_start(c, NULL);
}

void sync_abort(Context *c, const char *why) {
        SyncRun *s = c->sync;
        char kind[32];
        if (!s)
                return;
        snprintf(kind, sizeof kind, "%s", s->kind);
        if (!s->incremental)
                (void) db_set_setting(c->db, "import_pending", NULL);
        log_info("Sync (%s) stopped: %s", kind, why);
        c->sync = NULL;
        run_free(s);
        context_notify_changed(c, "Syncing", "SyncProgress", NULL);
        context_notify_sync_finished(c, kind, false, why);
}

static void next_step(SyncRun *s);

/* The step after this one, from the event loop. */
static void step_done(SyncRun *s) {
        s->step++;
        s->page = 0;
        next_step(s);
}

/* ---- cursors (db-cursors.h) ---- */

/* A last_activities field as Trakt sent it in this run; 0 when absent. */
static int64_t activity(SyncRun *s, const char *key) {
        for (size_t i = 0; i < s->n_acts; i++)
                if (streq(s->acts[i].key, key))
                        return s->acts[i].at;
        return 0;
}

/* The newest of a category's fields: where "before connecting" ends for it. */
static int64_t activity_max(SyncRun *s, Cat cat) {
        int64_t m = 0;
        for (size_t i = 0; i < ELEMENTSOF(cat_keys[cat]) && cat_keys[cat][i]; i++)
                if (activity(s, cat_keys[cat][i]) > m)
                        m = activity(s, cat_keys[cat][i]);
        return m;
}

static bool category_changed(SyncRun *s, Cat cat) {
        for (size_t i = 0; i < ELEMENTSOF(cat_keys[cat]) && cat_keys[cat][i]; i++) {
                int64_t v;
                if (db_cursor_activity_get(s->context->db, cat_keys[cat][i], &v) < 0 || v != activity(s, cat_keys[cat][i]))
                        return true;
        }
        return false;
}

/* Store a category's last_activities fields: Trakt's state we are now in step with. */
static int store_activity_cursors(SyncRun *s, Cat cat) {
        int r = 0;
        if (!s->have_acts)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(cat_keys[cat]) && cat_keys[cat][i] && r >= 0; i++)
                r = db_cursor_activity_set(s->context->db, cat_keys[cat][i], activity(s, cat_keys[cat][i]));
        return r;
}

static bool toggle_on(Context *c, Cat cat) {
        bool on = true;
        (void) db_get_toggle(c->db, kt_categories[cat], &on);
        return on;
}

/* ---- storing what Trakt sent ---- */

/* The item as we keep it: Trakt's own wrapper object, so it can be sent back
 * and read again with trakt_parse_media(). */

static char *item_json(const TraktItem *it) {
        /* Written directly from the parsed item: a json-c tree re-serialised per
         * row was a tenth of an import's CPU time. */
        return trakt_media_wrapper_text(&it->media);
}

/* A page's first item, as paging.h compares pages; 0: an empty page. */
static uint64_t page_mark(const TraktItem *items, size_t n) {
        if (n == 0)
                return 0;
        _cleanup_free_ char *key = trakt_media_key(&items[0].media);
        return paging_mark(items[0].id, items[0].at, key);
}

static void history_rows_drop(SyncRun *run) {
        for (size_t i = 0; i < run->n_rows; i++) {
                free((char *) run->rows[i].media_key);
                free((char *) run->rows[i].media);
        }
        run->n_rows = 0;
}

/* Insert the plays that wait (db-history.h inserts a full batch in one
 * statement). Before the page's commit; the waiting plays are gone either
 * way. */
static int history_flush(SyncRun *run) {
        int r = db_history_add_from_trakt(run->context->db, run->rows, run->n_rows);
        history_rows_drop(run);
        return r < 0 ? r : 0;
}

/* Returns 1 when the play is new here (stored or linked to a local play),
 * 0 when it was already known, -EINVAL for an item we cannot name. An
 * import, which needs no play's own outcome and links none, only queues
 * the play for history_flush() and returns 0. */
static int store_history(SyncRun *run, const TraktItem *it) {
        Context *c = run->context;
        _cleanup_free_ char *key = trakt_media_key(&it->media), *json = item_json(it);
        char **keys = run->have_unlinked ? trakt_media_keys(&it->media) : NULL;
        int r;

        if (!key || !json || it->id <= 0 || (run->have_unlinked && !keys)) {
                trakt_strv_free(keys);
                return -EINVAL;
        }
        if (run->have_unlinked) {
                /* A local play of the same item (named by any of its ids) within a minute
                 * is the same play: link it instead of adding a second one. */
                r = db_history_link(c->db, it->id, it->at, keys);
                trakt_strv_free(keys);
                if (r != 0)
                        return r;
        }
        if (!run->incremental && !run->have_unlinked) {
                run->rows[run->n_rows] = (DbTraktPlay) {
                        .media_key = TAKE_PTR(key), .media = TAKE_PTR(json), .watched_at = it->at, .trakt_id = it->id };
                return ++run->n_rows == DB_HISTORY_BATCH ? history_flush(run) : 0;
        }
        return db_history_add_from_trakt(c->db, &(DbTraktPlay) { .media_key = key, .media = json, .watched_at = it->at, .trakt_id = it->id },
                                         1);
}

/* What Trakt has, remembered while a category is pulled, to find what it
 * removed: history ids, or media keys (collection, resume points). */
static int remember_seen(SyncRun *run, const TraktItem *it, bool by_id) {
        Db *db = run->context->db;
        int r = 0;
        if (by_id)
                return it->id > 0 ? db_seen_add_id(db, it->id) : 0;
        /* Every key the item goes by: a local row stored under another of its ids is the same item. */
        char **keys = trakt_media_keys(&it->media);
        for (size_t i = 0; keys && keys[i] && r >= 0; i++)
                r = db_seen_add_key(db, keys[i]);
        trakt_strv_free(keys);
        return r;
}

/* Whether Trakt no longer has the rating of this item: none of the keys it
 * goes by was seen. Unreadable: never delete on a guess. */
static bool rating_gone(const char *media, void *userdata) {
        SyncRun *s = userdata;
        struct json_object *o = json_tokener_parse(media);
        TraktMedia m = {};
        bool found = false, gone = false;
        if (o && trakt_parse_media(o, TRAKT_NONE, &m) >= 0) {
                char **keys = trakt_media_keys(&m);
                for (size_t i = 0; keys && keys[i] && !found; i++)
                        (void) db_seen_has_key(s->context->db, keys[i], &found);
                gone = !found && keys && keys[0];
                trakt_strv_free(keys);
        }
        trakt_media_done(&m);
        json_object_put(o);
        return gone;
}

/* Ratings Trakt had (pushed = 1: pulled from it or delivered to it) and no
 * longer has were removed there: they go here too. A rating not yet on
 * Trakt (pushed 0 or 2) stays. If the outbox delivered a rating while the
 * pages were read, the pages may miss it: judge nothing this time. */
static int forget_removed_ratings(SyncRun *s) {
        Context *c = s->context;
        if (c->ratings_pushed != s->ratings_pushed_at_start)
                return 0;
        int removed = db_ratings_forget_gone(c->db, rating_gone, s);
        if (removed > 0)
                log_info("%d rating(s) removed on Trakt removed here too.", removed);
        return removed < 0 ? removed : 0;
}

/* Trakt names an item by all its ids and we key its row by one: the others
 * lead to that row, so GetRating and GetResumePoint find it by a player's
 * imdb, tmdb or tvdb id (activity_media_keys). */
static int store_aliases(SyncRun *run, const TraktItem *it, const char *key) {
        char **keys = trakt_media_keys(&it->media);
        int r = 0;
        for (size_t i = 0; keys && keys[i] && r >= 0; i++)
                if (!streq(keys[i], key))
                        r = db_alias_set(run->context->db, keys[i], key);
        trakt_strv_free(keys);
        return r;
}

static int store_rating(SyncRun *run, const TraktItem *it) {
        _cleanup_free_ char *key = trakt_media_key(&it->media), *json = item_json(it);
        if (!key || !json)
                return -EINVAL;
        /* The newer rating wins; a Trakt rating equal to ours is already pushed. */
        int r = db_rating_from_trakt(run->context->db, key, json, it->rating, it->at);
        return r < 0 ? r : store_aliases(run, it, key);
}

static int store_list_item(SyncRun *run, const TraktItem *it, uint32_t position) {
        _cleanup_free_ char *key = trakt_media_key(&it->media), *json = item_json(it);
        if (!key || !json)
                return -EINVAL;
        return db_watchlist_item_put(run->context->db, position, key, json, it->at);
}

static int store_collection(SyncRun *run, const TraktItem *it) {
        _cleanup_free_ char *key = trakt_media_key(&it->media), *json = item_json(it);
        if (!key || !json)
                return -EINVAL;
        const DbCollectionMeta meta = {
                .media_type = it->meta.media_type,
                .resolution = it->meta.resolution,
                .hdr = it->meta.hdr,
                .audio = it->meta.audio,
                .audio_channels = it->meta.audio_channels,
                .is_3d = it->meta.is_3d,
        };
        return db_collection_from_trakt(run->context->db, key, json, it->at, &meta);
}

static int store_resume(SyncRun *run, const TraktItem *it) {
        _cleanup_free_ char *key = trakt_media_key(&it->media), *json = item_json(it);
        if (!key || !json)
                return -EINVAL;
        /* Newest pause wins, whether it happened here or elsewhere. */
        int r = db_resume_from_trakt(run->context->db, key, json, it->progress, it->at, it->id);
        return r < 0 ? r : store_aliases(run, it, key);
}

static int store_recommendation(SyncRun *run, const TraktItem *it, const char *kind, uint32_t position) {
        _cleanup_free_ char *key = trakt_media_key(&it->media), *json = item_json(it);
        if (!key || !json)
                return -EINVAL;
        return db_recommendation_put(run->context->db, kind, position, key, json);
}

/* ---- pushing what is local ---- */

/* A play sent by an import whose answer did not arrive (DB_PUSHED_UNCONFIRMED)
 * may be on Trakt, which does not de-duplicate history (docs/trakt-api.md §5.2),
 * so it is looked for there before it is sent again. */
#define MAX_UNSURE_ROUNDS 3

typedef struct Push {
        DbPushTable table;    /* rows to push (db-push.h) */
        const char *endpoint;
        Cat cat;
        const char *words;    /* what they are, for a person */
} Push;

static const Push pushes[] = {
        { DB_PUSH_HISTORY, "/sync/history", CAT_HISTORY, "plays" },
        { DB_PUSH_RATINGS, "/sync/ratings", CAT_RATINGS, "ratings" },
        { DB_PUSH_COLLECTION, "/sync/collection", CAT_COLLECTION, "collected titles" },
};

static const Push *current_push(SyncRun *s);
static void fail(SyncRun *s, const char *what);
static int store_history(SyncRun *run, const TraktItem *it);

static void record_not_found(Context *c, struct json_object *answer, const char *endpoint);

/* What happens to the history batch's plays, in one transaction. */
typedef enum BatchMark {
        BATCH_UNCONFIRMED,        /* about to leave */
        BATCH_BACK,               /* those still unconfirmed: not sent after all */
        BATCH_BACK_UNLINKED,      /* the same, unless a Trakt play was linked to them meanwhile */
} BatchMark;

static int mark_batch(SyncRun *s, BatchMark how) {
        Context *c = s->context;
        int r = db_begin(c->db);
        if (r < 0)
                return r;
        r = how == BATCH_UNCONFIRMED
                    ? db_push_mark(c->db, DB_PUSH_HISTORY, s->batch_ids, s->n_batch, DB_PUSHED_UNCONFIRMED)
                    : db_history_unconfirmed_reset(c->db, s->batch_ids, s->n_batch, how == BATCH_BACK_UNLINKED);
        if (r < 0 || db_commit(c->db) < 0) {
                (void) db_rollback(c->db);
                return -EIO;
        }
        return 0;
}

static bool wants_numbers(SyncRun *s, int64_t id) {
        for (size_t i = 0; i < s->n_by_numbers; i++)
                if (s->by_numbers[i] == id)
                        return true;
        return false;
}

/* Does Trakt's not_found list name this episode (by its trakt or tvdb id)? */
static bool episode_in_not_found(struct json_object *answer, struct json_object *wrapper) {
        struct json_object *nf, *eps, *ep, *ids;
        if (!json_object_object_get_ex(answer, "not_found", &nf) || !json_object_object_get_ex(nf, "episodes", &eps) ||
            !json_object_is_type(eps, json_type_array) || !json_object_object_get_ex(wrapper, "episode", &ep) ||
            !json_object_object_get_ex(ep, "ids", &ids))
                return false;
        for (size_t i = 0; i < json_object_array_length(eps); i++) {
                struct json_object *their;
                if (!json_object_object_get_ex(json_object_array_get_idx(eps, i), "ids", &their))
                        continue;
                static const char *const keys[] = { "trakt", "tvdb" };
                for (size_t k = 0; k < ELEMENTSOF(keys); k++) {
                        struct json_object *a, *b;
                        if (json_object_object_get_ex(ids, keys[k], &a) && json_object_object_get_ex(their, keys[k], &b) &&
                            json_object_get_int64(a) != 0 && json_object_get_int64(a) == json_object_get_int64(b))
                                return true;
                }
        }
        return false;
}

/* Episodes of the batch Trakt did not find by their id but could find by
 * their show and numbers: they stay unsent, and the next batch names them so
 * (once; the Jellyfin plugin's fallback). Returns how many. */
static size_t retry_not_found_by_numbers(SyncRun *s, const Push *p, struct json_object *answer) {
        Context *c = s->context;
        size_t n = 0;

        for (size_t i = 0; i < s->n_batch; i++) {
                _cleanup_free_ char *media = NULL;
                if (wants_numbers(s, s->batch_ids[i]))
                        continue; /* tried by numbers already */
                if (db_push_media(c->db, p->table, s->batch_ids[i], &media) >= 0 && media) {
                        struct json_object *w = json_tokener_parse(media);
                        if (trakt_wrapper_episode_by_id(w) && trakt_wrapper_episode_by_numbers(w) && episode_in_not_found(answer, w)) {
                                int64_t *nv = realloc(s->by_numbers, (s->n_by_numbers + 1) * sizeof(int64_t));
                                if (nv) {
                                        s->by_numbers = nv;
                                        s->by_numbers[s->n_by_numbers++] = s->batch_ids[i];
                                        /* out of this batch: it is sent again, not marked */
                                        s->batch_ids[i] = 0;
                                        n++;
                                }
                        }
                        json_object_put(w);
                }
        }
        return n;
}

static void on_lookup_page(Http *h, const HttpResponse *r, void *userdata);

/* The history batch's answer was lost (no answer, a 5xx from a proxy, a 429
 * that may have come after the write, an answer that does not read): its
 * plays may be on Trakt now. Read Trakt's history around them (a minute
 * either side, every page); what is there links to the local play. */
static int lookup_step(SyncRun *s) {
        char path[256], from[32], to[32];
        if (s->page == 0)
                s->page = 1;
        snprintf(path, sizeof path, "/sync/history?start_at=%s&end_at=%s&page=%u&limit=%d",
                 trakt_format_time(s->batch_from - (int64_t) 60 * (int64_t) USEC_PER_SEC, from, sizeof from),
                 trakt_format_time(s->batch_to + (int64_t) 60 * (int64_t) USEC_PER_SEC, to, sizeof to), s->page, PAGE_LIMIT);
        return trakt_api(s->context, HTTP_GET, path, NULL, 0, on_lookup_page, s, &s->call);
}

static void on_lookup_page(Http *h, const HttpResponse *r, void *userdata) {
        SyncRun *s = userdata;
        Context *c = s->context;
        TraktItem *items = NULL;
        size_t n = 0, skipped = 0;
        int k = 0;

        s->call = NULL;
        if (r->status < 200 || r->status >= 300 || !r->json ||
            trakt_parse_items(r->json, TRAKT_ITEMS_HISTORY, TRAKT_NONE, &items, &n, &skipped) < 0) {
                fail(s, "Trakt did not confirm adding plays, and looking for them there failed; nothing was sent twice");
                return;
        }
        if (db_begin(c->db) < 0) {
                trakt_items_free(items, n);
                fail(s, "The state database is not writable; check the disk");
                return;
        }
        for (size_t i = 0; i < n && k >= 0; i++) {
                k = store_history(s, &items[i]);
                if (k == -EINVAL)
                        k = 0;
        }
        uint64_t mark = page_mark(items, n);
        trakt_items_free(items, n);
        if (k < 0 || db_commit(c->db) < 0) {
                (void) db_rollback(c->db);
                fail(s, "Writing what Trakt sent to the state database failed; check the disk");
                return;
        }
        bool more = paging_more(s->page, r->page_count, n, PAGE_LIMIT, mark, s->page_mark);
        s->page_mark = mark;
        if (more) {
                s->page++;
                next_step(s);
                return;
        }
        /* What Trakt has is linked now (and marked pushed); the rest never arrived. */
        int64_t found = 0;
        for (size_t i = 0; i < s->n_batch; i++) {
                DbPushed pushed;
                if (db_history_pushed(c->db, s->batch_ids[i], &pushed) >= 0 && pushed == DB_PUSHED_YES)
                        found++;
        }
        (void) mark_batch(s, BATCH_BACK_UNLINKED);
        log_info("Looked for %zu unconfirmed play(s) on Trakt: %" PRIi64 " arrived, the rest is sent again.", s->n_batch, found);
        s->done += (uint32_t) found;
        progress_changed(s);
        s->lookup = false;
        s->page = 0;
        next_step(s); /* the push step again: what did not arrive goes in the next batch */
}

static bool definite_refusal(long status) {
        /* Trakt answered and did not apply the write. */
        return status == 400 || status == 401 || status == 403 || status == 404 || status == 409 || status == 412 ||
               status == 420 || status == 422 || status == 423 || status == 426;
}

static void on_pushed(Http *h, const HttpResponse *r, void *userdata) {
        SyncRun *s = userdata;
        Context *c = s->context;
        const Push *p = current_push(s);
        TraktSyncResult res = {};
        bool history = p->table == DB_PUSH_HISTORY;
        bool parsed = r->status >= 200 && r->status < 300 && r->json && trakt_parse_sync_result(r->json, &res) >= 0;

        s->call = NULL;
        /* Every item is either added or not found: a shortfall means the answer
         * does not describe this batch, so it counts as no answer. */
        if (parsed && history && res.added + (int64_t) res.not_found < (int64_t) s->n_batch) {
                log_warning("Trakt confirmed %" PRIi64 " of %zu play(s) added and %zu unknown; looking for them on Trakt.", res.added,
                            s->n_batch, res.not_found);
                parsed = false;
        }
        if (!parsed && history && !definite_refusal(r->status)) {
                if (++s->unsure_rounds > MAX_UNSURE_ROUNDS) {
                        fail(s, "Trakt did not confirm adding plays several times; none was sent twice");
                        return;
                }
                log_warning("Trakt's answer to %zu play(s) was lost (%s); looking for them on Trakt before sending them again.",
                            s->n_batch, r->error ?: "unreadable answer");
                s->lookup = true;
                s->page = 0;
                next_step(s);
                return;
        }
        if (r->status == 420 || r->status == 426 || r->status == 423) {
                /* Refused, not applied: the rows wait for the next import. A limit or a
                 * VIP feature stops this category only; a locked account everything. */
                char sentence[384];
                if (history)
                        (void) mark_batch(s, BATCH_BACK);
                if (r->status == 423) {
                        finish(s, "Trakt says this account is locked or deactivated (HTTP 423): nothing more was sent; contact Trakt support, then import again.");
                        return;
                }
                if (r->status == 420)
                        snprintf(sentence, sizeof sentence, "Trakt refused more %s: this account's limit%s%s is reached (HTTP 420); the other categories were imported",
                                 p->words, r->account_limit && strlen(r->account_limit) < 32 ? " of " : "",
                                 r->account_limit && strlen(r->account_limit) < 32 ? r->account_limit : "");
                else
                        snprintf(sentence, sizeof sentence, "Trakt takes %s from this app only for VIP accounts (HTTP 426); the other categories were imported",
                                 p->words);
                log_warning("%s.", sentence);
                free(s->refused);
                s->refused = strdup(sentence);
                s->step++;
                s->page = 0;
                next_step(s);
                return;
        }
        if (!parsed) {
                if (history)
                        (void) mark_batch(s, BATCH_BACK);
                finish(s, r->error ?: "Trakt did not confirm the upload; the import will send it again next time.");
                return;
        }
        size_t again = res.not_found > 0 ? retry_not_found_by_numbers(s, p, r->json) : 0;
        if (history && again > 0)
                /* Not added: back to unsent, for the batch that names them by numbers. */
                (void) db_push_mark(c->db, DB_PUSH_HISTORY, s->by_numbers, s->n_by_numbers, DB_PUSHED_NO);
        /* not_found items are recorded (UnmatchedItems shows them) and marked as
         * sent with the rest: retrying them forever cannot help (docs/trakt-api.md §9.9). */
        if (res.not_found > again) {
                s->not_found += (unsigned) (res.not_found - again);
                log_warning("Trakt did not know %zu item(s) sent to %s.", res.not_found - again, p->endpoint);
                record_not_found(c, r->json, p->endpoint);
        }
        (void) db_begin(c->db);
        /* (a 0 id is to be sent again by numbers) */
        (void) db_push_mark(c->db, p->table, s->batch_ids, s->n_batch, DB_PUSHED_YES);
        (void) db_commit(c->db);
        s->done += (uint32_t) (s->n_batch - again);
        progress_changed(s);
        next_step(s); /* the same push step again: the next batch, or done */
}

static void record_not_found(Context *c, struct json_object *answer, const char *endpoint) {
        struct json_object *nf;
        uint64_t now = now_realtime_usec();
        if (!json_object_object_get_ex(answer, "not_found", &nf) || !json_object_is_type(nf, json_type_object))
                return;
        json_object_object_foreach(nf, kind, list) {
                if (!json_object_is_type(list, json_type_array))
                        continue;
                for (size_t i = 0; i < json_object_array_length(list); i++)
                        (void) db_unmatched_add(c->db, kind,
                                                json_object_to_json_string_ext(json_object_array_get_idx(list, i), JSON_C_TO_STRING_PLAIN),
                                                endpoint, now);
        }
        context_notify_changed(c, "UnmatchedItems", NULL);
}

static int push_step(SyncRun *s) {
        Context *c = s->context;
        const Push *p = current_push(s);
        DbPushRow *rows = NULL;
        size_t n_rows = 0;
        bool history = p->table == DB_PUSH_HISTORY;

        if (s->lookup)
                return lookup_step(s);
        if (s->page == 0) {
                /* Media named by title never go out as names: the outbox sends them
                 * once Trakt's ids are known (resolve.h). */
                int q = activity_queue_names(c, p->table);
                if (q < 0)
                        log_warning_errno(q, "Could not set the titles among the local %s aside: %m", p->words);
        }
        if (history && s->page == 0 && s->full_read) {
                /* Plays an earlier import sent without an answer: this import read all
                 * of Trakt's history before this step, so what arrived is linked now,
                 * and what is still unconfirmed never arrived. */
                (void) db_history_unconfirmed_reset_all(c->db);
        }
        s->page = 1;

        _cleanup_(trakt_sync_body_freep) TraktSyncBody *body = trakt_sync_body_new();
        _cleanup_free_ char *text = NULL;
        if (!body)
                return -ENOMEM;
        if (db_push_rows(c->db, p->table, PUSH_BATCH, &rows, &n_rows) < 0)
                return -EIO;
        free(s->batch_ids);
        s->batch_ids = calloc(PUSH_BATCH, sizeof(int64_t));
        s->n_batch = 0;
        s->batch_from = INT64_MAX;
        s->batch_to = 0;
        for (size_t k = 0; s->batch_ids && k < n_rows && s->n_batch < PUSH_BATCH; k++) {
                const DbPushRow *row = &rows[k];
                int64_t id = row->id;
                _cleanup_(json_object_putp) struct json_object *m = json_tokener_parse(row->media);
                unsigned flags = wants_numbers(s, id) ? TRAKT_BODY_BY_NUMBERS : 0;
                if (history) {
                        trakt_sync_body_add_watched(body, m, row->at, flags);
                        s->batch_from = row->at < s->batch_from ? row->at : s->batch_from;
                        s->batch_to = row->at > s->batch_to ? row->at : s->batch_to;
                } else if (p->table == DB_PUSH_RATINGS)
                        trakt_sync_body_add_rating(body, m, row->rating, row->at, flags);
                else
                        trakt_sync_body_add_collected(body, m,
                                                      &(TraktCollected) {
                                                              .collected_at = row->at,
                                                              .media_type = row->media_type,
                                                              .resolution = row->resolution,
                                                              .hdr = row->hdr,
                                                              .audio = row->audio,
                                                              .audio_channels = row->audio_channels,
                                                              .is_3d = row->is_3d,
                                                      },
                                                      flags);
                s->batch_ids[s->n_batch++] = id;
        }
        db_push_rows_free(rows, n_rows);

        if (s->n_batch == 0) {
                s->step++;
                s->page = 0;
                next_step(s);
                return 0;
        }
        s->total += (uint32_t) s->n_batch;
        text = trakt_sync_body_text(body);
        if (!text)
                return -ENOMEM;
        /* Adding plays is not idempotent: on disk as "sent, unconfirmed" before
         * they leave, and never resent by the HTTP engine behind our back (nor
         * on a reused connection that died: libcurl resends those silently). */
        if (history && mark_batch(s, BATCH_UNCONFIRMED) < 0)
                return -EIO;
        return trakt_api(c, HTTP_POST, p->endpoint, text, history ? HTTP_FLAG_NO_RETRY | HTTP_FLAG_FRESH_CONNECTION : 0, on_pushed, s,
                         &s->call);
}

/* ---- pulling, page by page ---- */

enum {
        PULL_PAGED = 1u << 0,     /* page=N&limit=250, every page */
        PULL_WINDOW = 1u << 1,    /* history from window_start (start_at) */
        PULL_COUNT = 1u << 2,     /* only Trakt's item count (X-Pagination-Item-Count) */
        PULL_SEEN_IDS = 1u << 3,  /* sweep: remember the history ids Trakt has */
        PULL_SEEN_KEYS = 1u << 4, /* sweep: remember the items Trakt has */
        PULL_REPLACE = 1u << 5,   /* the answer replaces what is stored */
        PULL_FLOOR = 1u << 6,     /* sweep: items older than the category's floor stay on Trakt */
        PULL_WIDER = 1u << 7,     /* history from window_start to window_end (end_at), then judged */
};

struct Pull {
        const char *path;       /* with a '?' already in it */
        TraktItemKind kind;
        TraktMediaType hint;
        const char *rec_kind;   /* recommendations: "movie" / "show" */
        Cat cat;
        unsigned flags;
};

static const Pull pull_history = {
        "/sync/history?", TRAKT_ITEMS_HISTORY, TRAKT_NONE, NULL, CAT_HISTORY, PULL_PAGED | PULL_SEEN_IDS | PULL_FLOOR };
static const Pull pull_history_window = {
        "/sync/history?start_at=", TRAKT_ITEMS_HISTORY, TRAKT_NONE, NULL, CAT_HISTORY,
        PULL_PAGED | PULL_WINDOW | PULL_SEEN_IDS | PULL_FLOOR };
static const Pull pull_history_wider = {
        "/sync/history?start_at=", TRAKT_ITEMS_HISTORY, TRAKT_NONE, NULL, CAT_HISTORY,
        PULL_PAGED | PULL_WINDOW | PULL_WIDER | PULL_SEEN_IDS | PULL_FLOOR };
static const Pull pull_history_count = {
        "/sync/history?page=1&limit=1", TRAKT_ITEMS_HISTORY, TRAKT_NONE, NULL, CAT_HISTORY, PULL_COUNT };
static const Pull pull_ratings = {
        "/sync/ratings/all?", TRAKT_ITEMS_RATINGS, TRAKT_NONE, NULL, CAT_RATINGS, PULL_PAGED | PULL_SEEN_KEYS | PULL_FLOOR };
static const Pull pull_watchlist = {
        "/sync/watchlist?", TRAKT_ITEMS_LIST, TRAKT_NONE, NULL, CAT_WATCHLIST, PULL_PAGED | PULL_REPLACE | PULL_FLOOR };
static const Pull pull_collection_movies = {
        "/sync/collection/movies?extended=metadata&", TRAKT_ITEMS_COLLECTION, TRAKT_MOVIE, NULL, CAT_COLLECTION,
        PULL_PAGED | PULL_SEEN_KEYS | PULL_FLOOR };
static const Pull pull_collection_shows = {
        "/sync/collection/shows?extended=metadata&", TRAKT_ITEMS_COLLECTION, TRAKT_SHOW, NULL, CAT_COLLECTION,
        PULL_PAGED | PULL_SEEN_KEYS | PULL_FLOOR };
static const Pull pull_playback = {
        "/sync/playback?", TRAKT_ITEMS_PLAYBACK, TRAKT_NONE, NULL, CAT_RESUME, PULL_PAGED | PULL_SEEN_KEYS | PULL_FLOOR };
static const Pull pull_recommendations_movies = {
        "/recommendations/movies?ignore_collected=true&ignore_watchlisted=true&limit=100", TRAKT_ITEMS_RECOMMENDATIONS,
        TRAKT_MOVIE, "movie", CAT_RECOMMENDATIONS, PULL_REPLACE };
static const Pull pull_recommendations_shows = {
        "/recommendations/shows?ignore_collected=true&ignore_watchlisted=true&limit=100", TRAKT_ITEMS_RECOMMENDATIONS,
        TRAKT_SHOW, "show", CAT_RECOMMENDATIONS, PULL_REPLACE };

static const char *again(SyncRun *s) {
        return s->incremental ? "the next sweep tries again." : "try the import again.";
}

static void fail(SyncRun *s, const char *what) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s; %s", what, again(s));
        finish(s, msg);
}

/* Sweep, history: Trakt's play count now against the count when history was
 * last in step, plus the plays new in the window, minus the linked plays of
 * the window Trakt no longer has. A difference means plays were removed
 * before the window or added with an older date: then the day before the
 * newest known play is read as well, and if that does not explain it, every
 * play is read. */
static void judge_counts(SyncRun *s) {
        int64_t vanished = -1;

        if (s->baseline)
                return;
        if (db_history_count_vanished(s->context->db, s->window_start + (int64_t) HISTORY_GUARD_USEC, &vanished) < 0)
                vanished = -1;
        int64_t expected = s->history_total + s->new_plays - vanished;
        if (vanished >= 0 && !s->unstable && s->total_now >= 0 && expected != s->total_now && !s->widened &&
            s->history_newest > 0) {
                log_debug("Trakt has %" PRIi64 " plays where %" PRIi64 " were expected; reading the day before the newest known play.",
                          s->total_now, expected);
                s->widened = true;
                s->window_end = s->window_start - 1;
                s->window_start = s->history_newest > (int64_t) HISTORY_MARGIN_USEC ? s->history_newest - (int64_t) HISTORY_MARGIN_USEC : 0;
        } else if (vanished < 0 || s->unstable || s->total_now < 0 || expected != s->total_now) {
                log_info("Trakt has %" PRIi64 " plays where %" PRIi64 " were expected; reading the whole history again.",
                         s->total_now, expected);
                s->need_full = true;
        } else
                log_debug("History: %" PRIi64 " new plays, %" PRIi64 " gone from the window, %" PRIi64 " on Trakt.",
                          s->new_plays, vanished, s->total_now);
}

/* History pages are read from their text (trakt_parse_history_text): an
 * import's 50,000 plays as json-c trees cost more CPU than everything else. */
static bool pull_reads_text(const Pull *p) {
        return p->kind == TRAKT_ITEMS_HISTORY && (p->flags & PULL_PAGED);
}

static void on_page(Http *h, const HttpResponse *r, void *userdata) {
        SyncRun *s = userdata;
        Context *c = s->context;
        const Pull *p = s->plan[s->step].pull;
        TraktItem *items = NULL;
        size_t n = 0, skipped = 0, unnamed = 0;
        bool last;
        int k = 0;

        s->call = NULL;
        bool text = pull_reads_text(p);
        if (r->status < 200 || r->status >= 300 || r->error || (!r->json && !text)) {
                if (r->error)
                        finish(s, r->error);
                else
                        fail(s, "Trakt gave an unusable answer");
                return;
        }
        if (p->flags & PULL_COUNT) {
                if (!json_object_is_type(r->json, json_type_array)) {
                        fail(s, "Trakt sent a malformed list");
                        return;
                }
                s->total_now = r->item_count;
                judge_counts(s);
                step_done(s);
                return;
        }
        k = text ? trakt_parse_history_text(r->body, r->body_len, &items, &n, &skipped)
                 : trakt_parse_items(r->json, p->kind, p->hint, &items, &n, &skipped);
        if (k < 0) {
                fail(s, k == -ENOMEM ? "Out of memory" : "Trakt sent a malformed list");
                return;
        }
        if (skipped > 0) {
                s->unreadable += skipped;
                log_warning("%zu item(s) of %s could not be read and were skipped.", skipped, p->path);
        }

        if (s->page == 1) {
                s->first_item_count = r->item_count;
                if (p->kind == TRAKT_ITEMS_HISTORY && !(p->flags & PULL_WINDOW))
                        s->total_now = r->item_count;
                s->total += (uint32_t) (r->item_count > 0 ? r->item_count : (int64_t) n);
        } else if (r->item_count != s->first_item_count)
                s->unstable = true; /* added or removed while we paged: items may have moved between pages */
        if (!(p->flags & PULL_PAGED))
                last = true;
        else {
                uint64_t mark = page_mark(items, n);
                last = !paging_more(s->page, r->page_count, n, PAGE_LIMIT, mark, s->page_mark);
                s->page_mark = mark;
        }

        if (db_begin(c->db) < 0) {
                trakt_items_free(items, n);
                fail(s, "The state database is not writable; check the disk");
                return;
        }
        if (p->kind == TRAKT_ITEMS_RECOMMENDATIONS && (p->flags & PULL_REPLACE))
                k = db_recommendations_clear_kind(c->db, p->rec_kind);
        for (size_t i = 0; i < n && k >= 0; i++) {
                const TraktItem *it = &items[i];
                if (s->incremental && (p->flags & (PULL_SEEN_IDS | PULL_SEEN_KEYS))) {
                        k = remember_seen(s, it, p->flags & PULL_SEEN_IDS);
                        if (k < 0)
                                break;
                }
                if ((p->flags & PULL_FLOOR) && s->floor > 0 && it->at > 0 && it->at < s->floor)
                        continue; /* from before connecting without an import: it stays on Trakt */
                switch (p->kind) {
                case TRAKT_ITEMS_HISTORY:
                        k = store_history(s, it);
                        if (k > 0 && (p->flags & PULL_WINDOW))
                                s->new_plays++;
                        if (k >= 0 && it->at > s->newest_seen)
                                s->newest_seen = it->at;
                        break;
                case TRAKT_ITEMS_RATINGS: k = store_rating(s, it); break;
                case TRAKT_ITEMS_LIST: k = store_list_item(s, it, s->position++); break;
                case TRAKT_ITEMS_COLLECTION: k = store_collection(s, it); break;
                case TRAKT_ITEMS_PLAYBACK: k = store_resume(s, it); break;
                case TRAKT_ITEMS_RECOMMENDATIONS: k = store_recommendation(s, it, p->rec_kind, (uint32_t) i); break;
                default: break;
                }
                if (k == -EINVAL) {
                        k = 0; /* an item we cannot name is skipped, not fatal */
                        unnamed++;
                }
        }
        trakt_items_free(items, n);
        /* A page where not one row is understood is not "nothing new": it is a
         * change of Trakt's format (or not Trakt), and the run fails saying so. */
        if (k >= 0 && n + skipped > 0 && unnamed + skipped == n + skipped) {
                char msg[200];
                history_rows_drop(s);
                (void) db_rollback(c->db);
                s->unreadable += unnamed;
                snprintf(msg, sizeof msg, "Trakt sent %zu item(s) this version cannot read (from %.40s…; its format may have changed)",
                         n + skipped, p->path);
                fail(s, msg);
                return;
        }
        s->unreadable += unnamed;
        if (k >= 0 && p->kind == TRAKT_ITEMS_HISTORY)
                k = history_flush(s);
        history_rows_drop(s); /* after a failure: never into the next page's transaction */
        /* A replaced list ends where Trakt's ends: what follows was removed there. */
        if (k >= 0 && last && p->kind == TRAKT_ITEMS_LIST && (p->flags & PULL_REPLACE))
                k = db_watchlist_truncate(c->db, s->position);
        if (k < 0 || db_commit(c->db) < 0) {
                (void) db_rollback(c->db);
                fail(s, "Writing what Trakt sent to the state database failed; check the disk");
                return;
        }
        s->done += (uint32_t) n;
        progress_changed(s);

        if (!last) {
                s->page++;
                next_step(s); /* same step, next page */
                return;
        }
        if (p->kind == TRAKT_ITEMS_HISTORY && !(p->flags & PULL_WINDOW))
                s->full_read = true;
        if (p->flags & PULL_WIDER)
                judge_counts(s); /* with the margin read: in step now, or every play is read */
        step_done(s);
}

static int pull_step(SyncRun *s) {
        const Pull *p = s->plan[s->step].pull;
        char path[256], when[32];
        if (s->page == 0) {
                s->page = 1;
                s->position = 0;
                s->ratings_pushed_at_start = s->context->ratings_pushed;
                s->first_item_count = -1;
                s->page_mark = 0;
                s->floor = 0;
                if (s->incremental && (p->flags & PULL_FLOOR) && db_cursor_floor_get(s->context->db, (KtCategory) p->cat, &s->floor) < 0)
                        s->floor = 0;
                if (p->kind == TRAKT_ITEMS_HISTORY && !(p->flags & (PULL_WINDOW | PULL_COUNT)))
                        s->unstable = false; /* the whole history is read: what the window saw no longer matters */
                if (p->kind == TRAKT_ITEMS_LIST && db_watchlist_ensure(s->context->db) < 0)
                        return -EIO;
        }
        if (p->flags & PULL_WIDER) {
                char until[32];
                snprintf(path, sizeof path, "%s%s&end_at=%s&page=%u&limit=%d", p->path,
                         trakt_format_time(s->window_start, when, sizeof when),
                         trakt_format_time(s->window_end, until, sizeof until), s->page, PAGE_LIMIT);
        } else if (p->flags & PULL_WINDOW)
                snprintf(path, sizeof path, "%s%s&page=%u&limit=%d", p->path,
                         trakt_format_time(s->window_start, when, sizeof when), s->page, PAGE_LIMIT);
        else if (p->flags & PULL_PAGED)
                snprintf(path, sizeof path, "%spage=%u&limit=%d", p->path, s->page, PAGE_LIMIT);
        else
                snprintf(path, sizeof path, "%s", p->path);
        return trakt_api(s->context, HTTP_GET, path, NULL, pull_reads_text(p) ? HTTP_FLAG_TEXT_BODY : 0, on_page, s,
                         &s->call);
}

/* ---- last activities (docs/trakt-api.md §5.1) ---- */

static void plan_sweep(SyncRun *s) {
        Context *c = s->context;
        int64_t fetched = 0, now = (int64_t) now_realtime_usec();

        s->baseline = db_cursor_get(c->db, DB_CURSOR_BASELINE, NULL) >= 0;
        if (!s->baseline)
                for (Cat cat = CAT_HISTORY; cat < CAT_RECOMMENDATIONS; cat++)
                        s->changed[cat] = category_changed(s, cat);
        s->have_history_cursors = db_cursor_get_i64(c->db, DB_CURSOR_HISTORY_NEWEST, &s->history_newest) >= 0 &&
                                  db_cursor_get_i64(c->db, DB_CURSOR_HISTORY_TOTAL, &s->history_total) >= 0;
        s->window_start = s->history_newest > 0 ? s->history_newest + HISTORY_AFTER_USEC : 0;
        /* Trakt's picks leave out what is collected or watchlisted and follow
         * what was rated (Rate clears the cursor); they are asked again when
         * those change or once a day. What was watched since is left out of
         * GetRecommendations' answer, so a play alone costs no request. */
        s->changed[CAT_RECOMMENDATIONS] = s->changed[CAT_RATINGS] || s->changed[CAT_WATCHLIST] || s->changed[CAT_COLLECTION] ||
                                          db_cursor_get_i64(c->db, DB_CURSOR_RECOMMENDATIONS_FETCHED_AT, &fetched) < 0 ||
                                          fetched > now || now - fetched >= (int64_t) RECOMMENDATIONS_MAX_AGE_USEC;
        log_debug("Sweep: %s%s%s%s%s%s%s.", s->baseline ? "baseline" : "changed:",
                  s->changed[CAT_HISTORY] ? " history" : "", s->changed[CAT_RATINGS] ? " ratings" : "",
                  s->changed[CAT_WATCHLIST] ? " watchlist" : "", s->changed[CAT_COLLECTION] ? " collection" : "",
                  s->changed[CAT_RESUME] ? " resume" : "", s->changed[CAT_RECOMMENDATIONS] ? " recommendations" : "");
}

static void on_activities(Http *h, const HttpResponse *r, void *userdata) {
        SyncRun *s = userdata;
        int k = -EBADMSG;

        s->call = NULL;
        if (r->status >= 200 && r->status < 300 && r->json)
                k = trakt_parse_last_activities(r->json, &s->acts, &s->n_acts);
        if (k < 0) {
                if (!s->incremental) {
                        /* The import does its job without them; the first sweep then compares everything. */
                        log_warning("Trakt's last activities could not be read (%s); the import goes on.",
                                    r->error ?: "a malformed answer");
                        step_done(s);
                } else if (r->error)
                        finish(s, r->error);
                else
                        fail(s, "Trakt sent malformed last activities");
                return;
        }
        s->have_acts = true;
        if (s->incremental)
                plan_sweep(s);
        step_done(s);
}

static int activities_step(SyncRun *s) {
        return trakt_api(s->context, HTTP_GET, "/sync/last_activities", NULL, 0, on_activities, s, &s->call);
}

/* ---- in step with Trakt: cursors, and what Trakt removed ---- */

static int history_done_step(SyncRun *s) {
        Context *c = s->context;
        int64_t removed = 0, unlinked = 0;
        int r = db_begin(c->db);
        if (r < 0)
                return r;
        if (s->baseline) {
                /* Only the count; baseline_step records the rest. */
                if (s->total_now >= 0)
                        r = db_cursor_set_i64(c->db, DB_CURSOR_HISTORY_TOTAL, s->total_now);
        } else if (s->unstable) {
                log_info("Trakt's history changed while it was read; it is read again next time.");
                if (!s->incremental)
                        r = db_cursor_set(c->db, DB_CURSOR_HISTORY_TOTAL, NULL);
        } else {
                if (s->incremental) {
                        /* Plays Trakt no longer has: ours from Trakt go, local ones only lose the link (and stay pushed). */
                        int64_t from = s->full_read ? INT64_MIN : s->window_start + (int64_t) HISTORY_GUARD_USEC;
                        r = db_history_forget_unseen(c->db, from, &removed, &unlinked);
                } else
                        r = db_cursor_floor_clear(c->db, KT_CATEGORY_HISTORY); /* imported: nothing stays behind on Trakt */
                if (r >= 0)
                        r = store_activity_cursors(s, CAT_HISTORY);
                if (r >= 0)
                        /* A play dated ahead of our clock (another device's clock is off)
                         * must not move the window past the plays still to come. */
                        r = db_cursor_set_i64(c->db, DB_CURSOR_HISTORY_NEWEST, MIN(max_i64(s->history_newest, s->newest_seen),
                                                                                   (int64_t) now_realtime_usec()));
                if (r >= 0)
                        r = s->total_now >= 0 ? db_cursor_set_i64(c->db, DB_CURSOR_HISTORY_TOTAL, s->total_now)
                                              : db_cursor_set(c->db, DB_CURSOR_HISTORY_TOTAL, NULL);
        }
        if (r < 0 || db_commit(c->db) < 0) {
                (void) db_rollback(c->db);
                return -EIO;
        }
        if (removed > 0 || unlinked > 0)
                log_info("Trakt no longer has %" PRIi64 " play(s): %" PRIi64 " removed here, %" PRIi64 " local one(s) kept.",
                         removed + unlinked, removed, unlinked);
        s->unstable = false;
        (void) db_seen_clear(c->db);
        step_done(s);
        return 0;
}

/* The end of one category's pulls (not history): drop from the collection and
 * the resume points what Trakt dropped (only what came from Trakt), then
 * record the cursors. */
static int commit_step(SyncRun *s) {
        Context *c = s->context;
        Cat cat = s->plan[s->step].cat;
        int r = db_begin(c->db);
        if (r < 0)
                return r;
        if (s->unstable)
                log_info("Trakt's %s changed while it was read; it is read again next time.", kt_categories[cat]);
        else {
                if (s->incremental && cat == CAT_COLLECTION)
                        r = db_collection_forget_unseen(c->db);
                else if (s->incremental && cat == CAT_RATINGS)
                        r = forget_removed_ratings(s);
                else if (s->incremental && cat == CAT_RESUME)
                        r = db_resume_forget_unseen(c->db);
                if (r >= 0 && cat == CAT_RECOMMENDATIONS)
                        r = db_cursor_set_i64(c->db, DB_CURSOR_RECOMMENDATIONS_FETCHED_AT, (int64_t) now_realtime_usec());
                else if (r >= 0)
                        r = store_activity_cursors(s, cat);
                if (r >= 0 && !s->incremental)
                        r = db_cursor_floor_clear(c->db, (KtCategory) cat);
        }
        if (r < 0 || db_commit(c->db) < 0) {
                (void) db_rollback(c->db);
                return -EIO;
        }
        s->unstable = false;
        (void) db_seen_clear(c->db);
        step_done(s);
        return 0;
}

/* First sweep after connecting without an import: where Trakt stands now is
 * where this machine starts; what is older stays on Trakt. */
static int baseline_step(SyncRun *s) {
        Context *c = s->context;
        int r = db_begin(c->db);
        if (r < 0)
                return r;
        for (Cat cat = CAT_HISTORY; cat < CAT_RECOMMENDATIONS && r >= 0; cat++) {
                r = store_activity_cursors(s, cat);
                if (r >= 0)
                        r = db_cursor_floor_set(c->db, (KtCategory) cat, activity_max(s, cat));
        }
        if (r >= 0)
                r = db_cursor_set_i64(c->db, DB_CURSOR_HISTORY_NEWEST, activity_max(s, CAT_HISTORY));
        if (r >= 0)
                r = db_cursor_set(c->db, DB_CURSOR_BASELINE, NULL);
        if (r < 0 || db_commit(c->db) < 0) {
                (void) db_rollback(c->db);
                return -EIO;
        }
        log_info("Connected without an import: what changes on Trakt from now on comes here.");
        step_done(s);
        return 0;
}

/* ---- the plans ---- */

static const Push *current_push(SyncRun *s) {
        return s->plan[s->step].push;
}

static bool want_changed(SyncRun *s) {
        return s->changed[s->plan[s->step].cat];
}

static bool want_history_window(SyncRun *s) {
        return !s->baseline && s->changed[CAT_HISTORY] && s->have_history_cursors;
}

static bool want_history_count(SyncRun *s) {
        return s->baseline || want_history_window(s);
}

static bool want_history_wider(SyncRun *s) {
        return want_history_window(s) && s->widened;
}

static bool want_history_full(SyncRun *s) {
        return !s->baseline && s->changed[CAT_HISTORY] && (!s->have_history_cursors || s->need_full);
}

static bool want_history_done(SyncRun *s) {
        return s->baseline || s->changed[CAT_HISTORY];
}

static bool want_baseline(SyncRun *s) {
        return s->baseline;
}

static const Step import_plan[] = {
        { .name = "read last activities", .cat = CAT_NONE, .run = activities_step },
        { .name = "pull history", .cat = CAT_HISTORY, .run = pull_step, .pull = &pull_history },
        { .name = "history cursors", .cat = CAT_HISTORY, .run = history_done_step },
        { .name = "pull ratings", .cat = CAT_RATINGS, .run = pull_step, .pull = &pull_ratings },
        { .name = "ratings cursors", .cat = CAT_RATINGS, .run = commit_step },
        { .name = "pull watchlist", .cat = CAT_WATCHLIST, .run = pull_step, .pull = &pull_watchlist },
        { .name = "watchlist cursors", .cat = CAT_WATCHLIST, .run = commit_step },
        { .name = "pull collection movies", .cat = CAT_COLLECTION, .run = pull_step, .pull = &pull_collection_movies },
        { .name = "pull collection shows", .cat = CAT_COLLECTION, .run = pull_step, .pull = &pull_collection_shows },
        { .name = "collection cursors", .cat = CAT_COLLECTION, .run = commit_step },
        { .name = "pull resume points", .cat = CAT_RESUME, .run = pull_step, .pull = &pull_playback },
        { .name = "resume cursors", .cat = CAT_RESUME, .run = commit_step },
        { .name = "pull movie recommendations", .cat = CAT_RECOMMENDATIONS, .run = pull_step, .pull = &pull_recommendations_movies },
        { .name = "pull show recommendations", .cat = CAT_RECOMMENDATIONS, .run = pull_step, .pull = &pull_recommendations_shows },
        { .name = "recommendations fetched", .cat = CAT_RECOMMENDATIONS, .run = commit_step },
        { .name = "push history", .cat = CAT_HISTORY, .run = push_step, .push = &pushes[0] },
        { .name = "push ratings", .cat = CAT_RATINGS, .run = push_step, .push = &pushes[1] },
        { .name = "push collection", .cat = CAT_COLLECTION, .run = push_step, .push = &pushes[2] },
};

static const Step sweep_plan[] = {
        { .name = "read last activities", .cat = CAT_NONE, .run = activities_step },
        { .name = "pull new plays", .cat = CAT_HISTORY, .run = pull_step, .pull = &pull_history_window, .want = want_history_window },
        { .name = "count plays", .cat = CAT_HISTORY, .run = pull_step, .pull = &pull_history_count, .want = want_history_count },
        { .name = "pull the day before", .cat = CAT_HISTORY, .run = pull_step, .pull = &pull_history_wider, .want = want_history_wider },
        { .name = "pull every play", .cat = CAT_HISTORY, .run = pull_step, .pull = &pull_history, .want = want_history_full },
        { .name = "history done", .cat = CAT_HISTORY, .run = history_done_step, .want = want_history_done },
        { .name = "pull ratings", .cat = CAT_RATINGS, .run = pull_step, .pull = &pull_ratings, .want = want_changed },
        { .name = "ratings done", .cat = CAT_RATINGS, .run = commit_step, .want = want_changed },
        { .name = "pull watchlist", .cat = CAT_WATCHLIST, .run = pull_step, .pull = &pull_watchlist, .want = want_changed },
        { .name = "watchlist done", .cat = CAT_WATCHLIST, .run = commit_step, .want = want_changed },
        { .name = "pull collection movies", .cat = CAT_COLLECTION, .run = pull_step, .pull = &pull_collection_movies, .want = want_changed },
        { .name = "pull collection shows", .cat = CAT_COLLECTION, .run = pull_step, .pull = &pull_collection_shows, .want = want_changed },
        { .name = "collection done", .cat = CAT_COLLECTION, .run = commit_step, .want = want_changed },
        { .name = "pull resume points", .cat = CAT_RESUME, .run = pull_step, .pull = &pull_playback, .want = want_changed },
        { .name = "resume done", .cat = CAT_RESUME, .run = commit_step, .want = want_changed },
        { .name = "pull movie recommendations", .cat = CAT_RECOMMENDATIONS, .run = pull_step, .pull = &pull_recommendations_movies, .want = want_changed },
        { .name = "pull show recommendations", .cat = CAT_RECOMMENDATIONS, .run = pull_step, .pull = &pull_recommendations_shows, .want = want_changed },
        { .name = "recommendations done", .cat = CAT_RECOMMENDATIONS, .run = commit_step, .want = want_changed },
        { .name = "baseline", .cat = CAT_NONE, .run = baseline_step, .want = want_baseline },
};

static int on_defer(sd_event_source *es, void *userdata) {
        SyncRun *s = userdata;

        /* Skip steps whose category is off (checked at each step: turning one
         * off stops it at once) or that this run does not need. */
        while (s->step < s->n_plan) {
                const Step *st = &s->plan[s->step];
                if ((st->cat == CAT_NONE || toggle_on(s->context, st->cat)) && (!st->want || st->want(s)))
                        break;
                s->step++;
                s->page = 0;
        }
        if (s->step >= s->n_plan) {
                finish(s, NULL);
                return 0;
        }
        log_debug("Sync (%s): %s (page %u).", s->kind, s->plan[s->step].name, s->page);
        int r = s->plan[s->step].run(s);
        if (r == -ENOTCONN)
                finish(s, s->incremental ? "Not connected to Trakt any more; the sweep stopped."
                                         : "Not connected to Trakt any more; reconnect and import again.");
        else if (r < 0)
                finish(s, s->incremental ? "The sweep could not continue; check the daemon's log."
                                         : "The import could not continue; check the daemon's log.");
        return 0;
}

/* Each step starts from the event loop, never from inside the previous callback. */
static void next_step(SyncRun *s) {
        int r = s->defer ? sd_event_source_set_enabled(s->defer, SD_EVENT_ONESHOT)
                         : sd_event_add_defer(s->context->event, &s->defer, on_defer, s);
        if (r >= 0 && s->defer)
                r = sd_event_source_set_enabled(s->defer, SD_EVENT_ONESHOT);
        if (r < 0)
                finish(s, "The sync could not be scheduled; check the daemon's log.");
}

static int run_start(Context *c, bool incremental) {
        /* What Trakt has, while a sweep compares (temporary: this connection only). */
        if (db_seen_reset(c->db) < 0)
                return -EIO;

        SyncRun *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->context = c;
        s->incremental = incremental;
        s->kind = incremental ? "incremental" : "import";
        s->plan = incremental ? sweep_plan : import_plan;
        s->n_plan = incremental ? ELEMENTSOF(sweep_plan) : ELEMENTSOF(import_plan);
        s->total_now = -1;
        s->first_item_count = -1;
        if (db_history_has_unlinked(c->db, &s->have_unlinked) < 0)
                s->have_unlinked = true;
        c->sync = s;
        /* Nothing else wakes while it runs; its end arms the next sweep. */
        if (c->sweep_timer)
                (void) sd_event_source_set_enabled(c->sweep_timer, SD_EVENT_OFF);
        next_step(s);
        context_notify_changed(c, "Syncing", "SyncProgress", NULL);
        return 0;
}

/* ---- the import ---- */

void sync_resume_interrupted(Context *c) {
        _cleanup_free_ char *pending = NULL;
        if (c->state != CONN_CONNECTED || db_get_setting(c->db, "import_pending", &pending) < 0)
                return;
        log_info("An import was interrupted; starting it again.");
        (void) sync_import_start(c, NULL);
}

int sync_import_start(Context *c, sd_bus_error *error) {
        if (c->state != CONN_CONNECTED)
                return sd_bus_error_set(error, KT_ERROR_NOT_CONNECTED, "Not connected to Trakt; connect first.");
        if (c->sync && c->sync->incremental && !c->sync->then_import) {
                /* A sweep is short: the import follows it. */
                log_info("Import requested; it starts when the running sweep ends.");
                c->sync->then_import = true;
                (void) db_set_setting(c->db, "import_pending", "1"); /* a crash meanwhile does not lose it */
                return 0;
        }
        if (c->sync)
                return sd_bus_error_setf(error, KT_ERROR_BUSY, "An %s is already %s; wait for it to finish.",
                                         "import", c->sync->incremental ? "waiting for the running sweep" : "running");
        /* Marked durably, so an import cut short by a crash or kill -9 starts
         * again with the daemon; every step is idempotent, so nothing doubles.
         * An import brings everything: no baseline is left to record. */
        (void) db_set_setting(c->db, "import_pending", "1");
        (void) db_cursor_set(c->db, DB_CURSOR_BASELINE, NULL);
        int r = run_start(c, false);
        if (r < 0)
                return r;
        log_info("Import started.");
        return 0;
}

/* ---- the sweep ---- */

static uint64_t sweep_interval(Context *c) {
        return (uint64_t) (c->config.sync_interval_sec ?: 300) * USEC_PER_SEC;
}

static int sweep_start(Context *c) {
        int r = run_start(c, true);
        if (r < 0)
                return r;
        log_debug("Incremental sweep started.");
        return 0;
}

int sync_sweep_now(Context *c, sd_bus_error *error) {
        if (c->state != CONN_CONNECTED)
                return sd_bus_error_set(error, KT_ERROR_NOT_CONNECTED, "Not connected to Trakt; connect first.");
        if (c->sync && !c->sync->incremental)
                return sd_bus_error_set(error, KT_ERROR_BUSY,
                                        "An import is running and brings everything a sweep would; wait for it to finish.");
        if (c->sync) {
                c->sync->requested = true;
                return 0; /* joins the running sweep: its SyncFinished answers this one too */
        }
        int r = sweep_start(c);
        if (r < 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, "The sweep could not start; check the daemon's log.");
        if (c->sync)
                c->sync->requested = true;
        return 0;
}

static int on_sweep_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        Context *c = userdata;
        /* The timer is one-shot: off from here until a sync ends or State changes. */
        if (c->state != CONN_CONNECTED || c->sync)
                return 0;
        int r = sweep_start(c);
        if (r < 0) {
                log_warning_errno(r, "The incremental sweep could not start: %m");
                arm_sweep(c, sweep_interval(c));
        }
        return 0;
}

/* One timer on CLOCK_BOOTTIME (time asleep counts, so a sweep is due soon
 * after a resume), with a tenth of the delay as accuracy (at most 30 s) so
 * the kernel can coalesce it with other wakeups. */
static void arm_sweep(Context *c, uint64_t delay) {
        int r;
        if (!c->event)
                return;
        if (c->state != CONN_CONNECTED) {
                if (c->sweep_timer)
                        (void) sd_event_source_set_enabled(c->sweep_timer, SD_EVENT_OFF);
                return;
        }
        uint64_t accuracy = delay / 10;
        if (accuracy > 30 * USEC_PER_SEC)
                accuracy = 30 * USEC_PER_SEC;
        if (accuracy < USEC_PER_MSEC)
                accuracy = USEC_PER_MSEC;
        if (!c->sweep_timer) {
                r = sd_event_add_time_relative(c->event, &c->sweep_timer, CLOCK_BOOTTIME, delay, accuracy, on_sweep_timer, c);
                if (r >= 0)
                        (void) sd_event_source_set_description(c->sweep_timer, "sweep-timer");
        } else {
                r = sd_event_source_set_time_relative(c->sweep_timer, delay);
                if (r >= 0)
                        r = sd_event_source_set_time_accuracy(c->sweep_timer, accuracy);
                if (r >= 0)
                        r = sd_event_source_set_enabled(c->sweep_timer, SD_EVENT_ONESHOT);
        }
        if (r < 0)
                log_warning_errno(r, "The next incremental sweep could not be scheduled: %m");
}

void sync_connection_changed(Context *c) {
        int enabled = SD_EVENT_OFF;
        if (c->state != CONN_CONNECTED) {
                arm_sweep(c, 0); /* stops it */
                return;
        }
        if (c->sweep_timer)
                (void) sd_event_source_get_enabled(c->sweep_timer, &enabled);
        if (enabled == SD_EVENT_OFF && !c->sync)
                arm_sweep(c, MIN(SWEEP_FIRST_DELAY_USEC, sweep_interval(c)));
}

void sync_connected(Context *c, bool import) {
        _cleanup_free_ char *user = NULL, *account = NULL;
        bool have = false;

        (void) db_get_setting(c->db, "username", &user);
        (void) db_cursor_get(c->db, DB_CURSOR_ACCOUNT, &account);
        if (!streq_ptr(user, account)) {
                /* Another account's cursors say nothing about this one. */
                if (db_cursors_clear(c->db) < 0)
                        log_warning("The sync cursors of the previous account could not be cleared.");
                if (user)
                        (void) db_cursor_set(c->db, DB_CURSOR_ACCOUNT, user);
        }
        /* Disconnect removed the watchlist list: the next sweep fills it again. */
        for (size_t i = 0; i < ELEMENTSOF(cat_keys[CAT_WATCHLIST]) && cat_keys[CAT_WATCHLIST][i]; i++)
                (void) db_cursor_activity_clear(c->db, cat_keys[CAT_WATCHLIST][i]);
        if (import)
                return;
        /* Cursors of this account from an earlier connection: catch up from there. */
        (void) db_cursors_have_positions(c->db, &have);
        if (!have)
                (void) db_cursor_set(c->db, DB_CURSOR_BASELINE, "1");
}
