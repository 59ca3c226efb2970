/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "db-cursors.h"
#include "db-history.h"
#include "db-library.h"
#include "db-seen.h"
#include "errors.h"
#include "library.h"
#include "log.h"
#include "sync.h"
#include "sync-private.h"
#include "sync-rules.h"
#include "trakt-parse.h"
#include "util.h"

/* The engine: a run's life (start, steps from the event loop, the end), the
 * plans as tables, the cursors of last_activities, and the sweep timer. The
 * steps themselves read (sync-pull.c) and send (sync-push.c). */

/* The first sweep after start-up or connecting: soon, not in start-up's way. */
#define SWEEP_FIRST_DELAY_USEC (5 * USEC_PER_SEC)

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

static void run_free(SyncRun *s) {
        if (!s)
                return;
        if (s->call)
                trakt_call_cancel(s->call);
        sd_event_source_disable_unref(s->defer);
        sync_history_rows_drop(s);
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

void sync_progress_changed(SyncRun *s) {
        context_notify_changed(s->context, "SyncProgress", NULL);
}

static void arm_sweep(Context *c, uint64_t delay);
static uint64_t sweep_interval(Context *c);

void sync_finish(SyncRun *s, const char *error) {
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

/* The step after this one, from the event loop. */
void sync_step_done(SyncRun *s) {
        s->step++;
        s->page = 0;
        sync_next_step(s);
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
        size_t n;
        const char *const *keys = sync_rule_activity_keys((KtCategory) cat, &n);
        int64_t at[SYNC_ACTIVITY_KEYS_MAX];
        for (size_t i = 0; i < n && i < ELEMENTSOF(at); i++)
                at[i] = activity(s, keys[i]);
        return sync_rule_activity_max(at, MIN(n, ELEMENTSOF(at)));
}

static bool category_changed(SyncRun *s, Cat cat) {
        size_t n;
        const char *const *keys = sync_rule_activity_keys((KtCategory) cat, &n);
        SyncActivityField f[SYNC_ACTIVITY_KEYS_MAX] = {};
        for (size_t i = 0; i < n && i < ELEMENTSOF(f); i++) {
                f[i].trakt = activity(s, keys[i]);
                f[i].have_cursor = db_cursor_activity_get(s->context->db, keys[i], &f[i].cursor) >= 0;
        }
        return sync_rule_category_changed(f, MIN(n, ELEMENTSOF(f)));
}

/* Store a category's last_activities fields: Trakt's state we are now in step with. */
int sync_store_activity_cursors(SyncRun *s, Cat cat) {
        int r = 0;
        size_t n;
        const char *const *keys = sync_rule_activity_keys((KtCategory) cat, &n);
        if (!s->have_acts)
                return 0;
        for (size_t i = 0; i < n && r >= 0; i++)
                r = db_cursor_activity_set(s->context->db, keys[i], activity(s, keys[i]));
        return r;
}

static bool toggle_on(Context *c, Cat cat) {
        bool on = true;
        (void) db_get_toggle(c->db, kt_categories[cat], &on);
        return on;
}

static const char *again(SyncRun *s) {
        return s->incremental ? "the next sweep tries again." : "try the import again.";
}

void sync_fail(SyncRun *s, const char *what) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s; %s", what, again(s));
        sync_finish(s, msg);
}

/* ---- last activities (docs/trakt-api.md §5.1) ---- */

/* What the sweep pulls (sync_rule_plan_sweep()) and where its history window starts. */
static void plan_sweep(SyncRun *s) {
        Context *c = s->context;
        SyncSweepFacts f = { .now = (int64_t) now_realtime_usec() };

        s->baseline = f.baseline = db_cursor_get(c->db, DB_CURSOR_BASELINE, NULL) >= 0;
        if (!s->baseline)
                for (Cat cat = CAT_HISTORY; cat < CAT_RECOMMENDATIONS; cat++)
                        f.differs[cat] = category_changed(s, cat);
        s->have_history_cursors = db_cursor_get_i64(c->db, DB_CURSOR_HISTORY_NEWEST, &s->history_newest) >= 0 &&
                                  db_cursor_get_i64(c->db, DB_CURSOR_HISTORY_TOTAL, &s->history_total) >= 0;
        s->window_start = sync_rule_window_start(s->history_newest);
        f.have_fetched_at = db_cursor_get_i64(c->db, DB_CURSOR_RECOMMENDATIONS_FETCHED_AT, &f.fetched_at) >= 0;
        sync_rule_plan_sweep(&f, s->changed);
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
                        sync_step_done(s);
                } else if (r->error)
                        sync_finish(s, r->error);
                else
                        sync_fail(s, "Trakt sent malformed last activities");
                return;
        }
        s->have_acts = true;
        if (s->incremental)
                plan_sweep(s);
        sync_step_done(s);
}

static int activities_step(SyncRun *s) {
        return trakt_api(s->context, HTTP_GET, "/sync/last_activities", NULL, 0, on_activities, s, &s->call);
}

/* First sweep after connecting without an import: where Trakt stands now is
 * where this machine starts; what is older stays on Trakt. */
static int baseline_step(SyncRun *s) {
        Context *c = s->context;
        int r = db_begin(c->db);
        if (r < 0)
                return r;
        for (Cat cat = CAT_HISTORY; cat < CAT_RECOMMENDATIONS && r >= 0; cat++) {
                r = sync_store_activity_cursors(s, cat);
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
        sync_step_done(s);
        return 0;
}

/* ---- the plans ---- */

static bool want_changed(SyncRun *s) {
        return s->changed[s->plan[s->step].cat];
}

static SyncHistoryState history_state(SyncRun *s) {
        return (SyncHistoryState) { .baseline = s->baseline, .changed = s->changed[CAT_HISTORY],
                                    .have_cursors = s->have_history_cursors, .widened = s->widened,
                                    .need_full = s->need_full };
}

static bool want_history_window(SyncRun *s) {
        SyncHistoryState h = history_state(s);
        return sync_rule_want_history_window(&h);
}

static bool want_history_count(SyncRun *s) {
        SyncHistoryState h = history_state(s);
        return sync_rule_want_history_count(&h);
}

static bool want_history_wider(SyncRun *s) {
        SyncHistoryState h = history_state(s);
        return sync_rule_want_history_wider(&h);
}

static bool want_history_full(SyncRun *s) {
        SyncHistoryState h = history_state(s);
        return sync_rule_want_history_full(&h);
}

static bool want_history_done(SyncRun *s) {
        SyncHistoryState h = history_state(s);
        return sync_rule_want_history_done(&h);
}

static bool want_baseline(SyncRun *s) {
        return s->baseline;
}

static const Step import_plan[] = {
        { .name = "read last activities", .cat = CAT_NONE, .run = activities_step },
        { .name = "pull history", .cat = CAT_HISTORY, .run = sync_pull_step, .pull = &sync_pull_history },
        { .name = "history cursors", .cat = CAT_HISTORY, .run = sync_history_done_step },
        { .name = "pull ratings", .cat = CAT_RATINGS, .run = sync_pull_step, .pull = &sync_pull_ratings },
        { .name = "ratings cursors", .cat = CAT_RATINGS, .run = sync_commit_step },
        { .name = "pull watchlist", .cat = CAT_WATCHLIST, .run = sync_pull_step, .pull = &sync_pull_watchlist },
        { .name = "watchlist cursors", .cat = CAT_WATCHLIST, .run = sync_commit_step },
        { .name = "pull collection movies", .cat = CAT_COLLECTION, .run = sync_pull_step, .pull = &sync_pull_collection_movies },
        { .name = "pull collection shows", .cat = CAT_COLLECTION, .run = sync_pull_step, .pull = &sync_pull_collection_shows },
        { .name = "collection cursors", .cat = CAT_COLLECTION, .run = sync_commit_step },
        { .name = "pull resume points", .cat = CAT_RESUME, .run = sync_pull_step, .pull = &sync_pull_playback },
        { .name = "resume cursors", .cat = CAT_RESUME, .run = sync_commit_step },
        { .name = "pull movie recommendations", .cat = CAT_RECOMMENDATIONS, .run = sync_pull_step, .pull = &sync_pull_recommendations_movies },
        { .name = "pull show recommendations", .cat = CAT_RECOMMENDATIONS, .run = sync_pull_step, .pull = &sync_pull_recommendations_shows },
        { .name = "recommendations fetched", .cat = CAT_RECOMMENDATIONS, .run = sync_commit_step },
        { .name = "push history", .cat = CAT_HISTORY, .run = sync_push_step, .push = &sync_push_history },
        { .name = "push ratings", .cat = CAT_RATINGS, .run = sync_push_step, .push = &sync_push_ratings },
        { .name = "push collection", .cat = CAT_COLLECTION, .run = sync_push_step, .push = &sync_push_collection },
};

static const Step sweep_plan[] = {
        { .name = "read last activities", .cat = CAT_NONE, .run = activities_step },
        { .name = "pull new plays", .cat = CAT_HISTORY, .run = sync_pull_step, .pull = &sync_pull_history_window, .want = want_history_window },
        { .name = "count plays", .cat = CAT_HISTORY, .run = sync_pull_step, .pull = &sync_pull_history_count, .want = want_history_count },
        { .name = "pull the day before", .cat = CAT_HISTORY, .run = sync_pull_step, .pull = &sync_pull_history_wider, .want = want_history_wider },
        { .name = "pull every play", .cat = CAT_HISTORY, .run = sync_pull_step, .pull = &sync_pull_history, .want = want_history_full },
        { .name = "history done", .cat = CAT_HISTORY, .run = sync_history_done_step, .want = want_history_done },
        { .name = "pull ratings", .cat = CAT_RATINGS, .run = sync_pull_step, .pull = &sync_pull_ratings, .want = want_changed },
        { .name = "ratings done", .cat = CAT_RATINGS, .run = sync_commit_step, .want = want_changed },
        { .name = "pull watchlist", .cat = CAT_WATCHLIST, .run = sync_pull_step, .pull = &sync_pull_watchlist, .want = want_changed },
        { .name = "watchlist done", .cat = CAT_WATCHLIST, .run = sync_commit_step, .want = want_changed },
        { .name = "pull collection movies", .cat = CAT_COLLECTION, .run = sync_pull_step, .pull = &sync_pull_collection_movies, .want = want_changed },
        { .name = "pull collection shows", .cat = CAT_COLLECTION, .run = sync_pull_step, .pull = &sync_pull_collection_shows, .want = want_changed },
        { .name = "collection done", .cat = CAT_COLLECTION, .run = sync_commit_step, .want = want_changed },
        { .name = "pull resume points", .cat = CAT_RESUME, .run = sync_pull_step, .pull = &sync_pull_playback, .want = want_changed },
        { .name = "resume done", .cat = CAT_RESUME, .run = sync_commit_step, .want = want_changed },
        { .name = "pull movie recommendations", .cat = CAT_RECOMMENDATIONS, .run = sync_pull_step, .pull = &sync_pull_recommendations_movies, .want = want_changed },
        { .name = "pull show recommendations", .cat = CAT_RECOMMENDATIONS, .run = sync_pull_step, .pull = &sync_pull_recommendations_shows, .want = want_changed },
        { .name = "recommendations done", .cat = CAT_RECOMMENDATIONS, .run = sync_commit_step, .want = want_changed },
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
                sync_finish(s, NULL);
                return 0;
        }
        log_debug("Sync (%s): %s (page %u).", s->kind, s->plan[s->step].name, s->page);
        int r = s->plan[s->step].run(s);
        if (r == -ENOTCONN)
                sync_finish(s, s->incremental ? "Not connected to Trakt any more; the sweep stopped."
                                         : "Not connected to Trakt any more; reconnect and import again.");
        else if (r < 0)
                sync_finish(s, s->incremental ? "The sweep could not continue; check the daemon's log."
                                         : "The import could not continue; check the daemon's log.");
        return 0;
}

/* Each step starts from the event loop, never from inside the previous callback. */
void sync_next_step(SyncRun *s) {
        int r = s->defer ? sd_event_source_set_enabled(s->defer, SD_EVENT_ONESHOT)
                         : sd_event_add_defer(s->context->event, &s->defer, on_defer, s);
        if (r >= 0 && s->defer)
                r = sd_event_source_set_enabled(s->defer, SD_EVENT_ONESHOT);
        if (r < 0)
                sync_finish(s, "The sync could not be scheduled; check the daemon's log.");
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
        sync_next_step(s);
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
        size_t n;
        const char *const *keys = sync_rule_activity_keys(KT_CATEGORY_WATCHLIST, &n);
        for (size_t i = 0; i < n; i++)
                (void) db_cursor_activity_clear(c->db, keys[i]);
        if (import)
                return;
        /* Cursors of this account from an earlier connection: catch up from there. */
        (void) db_cursors_have_positions(c->db, &have);
        if (!have)
                (void) db_cursor_set(c->db, DB_CURSOR_BASELINE, "1");
}
