/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "db-cursors.h"
#include "db-history.h"
#include "db-library.h"
#include "db-seen.h"
#include "log.h"
#include "paging.h"
#include "sync-private.h"
#include "sync-rules.h"
#include "trakt-parse-text.h"
#include "trakt-time.h"
#include "util.h"

/* The pulls: each category read from Trakt page by page into the store, and,
 * once a category is read, what Trakt no longer has forgotten here and its
 * cursors recorded (sync.h tells what each category does). */

/* How much history a sweep reads is in sync-rules.h. A local play linked to
 * Trakt may be dated up to a minute off Trakt's date: near the window's
 * start, the play counts decide instead of the window. */
#define HISTORY_GUARD_USEC (120 * USEC_PER_SEC)

static inline int64_t max_i64(int64_t a, int64_t b) {
        return a > b ? a : b;
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
uint64_t sync_page_mark(const TraktItem *items, size_t n) {
        if (n == 0)
                return 0;
        _cleanup_free_ char *key = trakt_media_key(&items[0].media);
        return paging_mark(items[0].id, items[0].at, key);
}

void sync_history_rows_drop(SyncRun *run) {
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
        sync_history_rows_drop(run);
        return r < 0 ? r : 0;
}

/* Returns 1 when the play is new here (stored or linked to a local play),
 * 0 when it was already known, -EINVAL for an item we cannot name. An
 * import, which needs no play's own outcome and links none, only queues
 * the play for history_flush() and returns 0. */
int sync_store_history(SyncRun *run, const TraktItem *it) {
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

const Pull sync_pull_history = {
        "/sync/history?", TRAKT_ITEMS_HISTORY, TRAKT_NONE, NULL, CAT_HISTORY, PULL_PAGED | PULL_SEEN_IDS | PULL_FLOOR };
const Pull sync_pull_history_window = {
        "/sync/history?start_at=", TRAKT_ITEMS_HISTORY, TRAKT_NONE, NULL, CAT_HISTORY,
        PULL_PAGED | PULL_WINDOW | PULL_SEEN_IDS | PULL_FLOOR };
const Pull sync_pull_history_wider = {
        "/sync/history?start_at=", TRAKT_ITEMS_HISTORY, TRAKT_NONE, NULL, CAT_HISTORY,
        PULL_PAGED | PULL_WINDOW | PULL_WIDER | PULL_SEEN_IDS | PULL_FLOOR };
const Pull sync_pull_history_count = {
        "/sync/history?page=1&limit=1", TRAKT_ITEMS_HISTORY, TRAKT_NONE, NULL, CAT_HISTORY, PULL_COUNT };
const Pull sync_pull_ratings = {
        "/sync/ratings/all?", TRAKT_ITEMS_RATINGS, TRAKT_NONE, NULL, CAT_RATINGS, PULL_PAGED | PULL_SEEN_KEYS | PULL_FLOOR };
const Pull sync_pull_watchlist = {
        "/sync/watchlist?", TRAKT_ITEMS_LIST, TRAKT_NONE, NULL, CAT_WATCHLIST, PULL_PAGED | PULL_REPLACE | PULL_FLOOR };
const Pull sync_pull_collection_movies = {
        "/sync/collection/movies?extended=metadata&", TRAKT_ITEMS_COLLECTION, TRAKT_MOVIE, NULL, CAT_COLLECTION,
        PULL_PAGED | PULL_SEEN_KEYS | PULL_FLOOR };
const Pull sync_pull_collection_shows = {
        "/sync/collection/shows?extended=metadata&", TRAKT_ITEMS_COLLECTION, TRAKT_SHOW, NULL, CAT_COLLECTION,
        PULL_PAGED | PULL_SEEN_KEYS | PULL_FLOOR };
const Pull sync_pull_playback = {
        "/sync/playback?", TRAKT_ITEMS_PLAYBACK, TRAKT_NONE, NULL, CAT_RESUME, PULL_PAGED | PULL_SEEN_KEYS | PULL_FLOOR };
const Pull sync_pull_recommendations_movies = {
        "/recommendations/movies?ignore_collected=true&ignore_watchlisted=true&limit=100", TRAKT_ITEMS_RECOMMENDATIONS,
        TRAKT_MOVIE, "movie", CAT_RECOMMENDATIONS, PULL_REPLACE };
const Pull sync_pull_recommendations_shows = {
        "/recommendations/shows?ignore_collected=true&ignore_watchlisted=true&limit=100", TRAKT_ITEMS_RECOMMENDATIONS,
        TRAKT_SHOW, "show", CAT_RECOMMENDATIONS, PULL_REPLACE };

/* Sweep, history: the count check (sync_rule_judge_counts()) on what the
 * window's read left, and what its verdict says: the day before the newest
 * known play, or every play, is read next. */
static void judge_counts(SyncRun *s) {
        int64_t vanished = -1;

        if (s->baseline)
                return;
        if (db_history_count_vanished(s->context->db, s->window_start + (int64_t) HISTORY_GUARD_USEC, &vanished) < 0)
                vanished = -1;
        SyncCountJudgement j = sync_rule_judge_counts(&(SyncCountFacts) {
                .history_total = s->history_total, .new_plays = s->new_plays, .vanished = vanished,
                .total_now = s->total_now, .unstable = s->unstable, .widened = s->widened,
                .history_newest = s->history_newest, .window_start = s->window_start });
        switch (j.verdict) {
        case SYNC_COUNTS_WIDEN:
                log_debug("Trakt has %" PRIi64 " plays where %" PRIi64 " were expected; reading the day before the newest known play.",
                          s->total_now, j.expected);
                s->widened = true;
                s->window_end = j.window_end;
                s->window_start = j.window_start;
                break;
        case SYNC_COUNTS_FULL:
                log_info("Trakt has %" PRIi64 " plays where %" PRIi64 " were expected; reading the whole history again.",
                         s->total_now, j.expected);
                s->need_full = true;
                break;
        default:
                log_debug("History: %" PRIi64 " new plays, %" PRIi64 " gone from the window, %" PRIi64 " on Trakt.",
                          s->new_plays, vanished, s->total_now);
                break;
        }
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
                        sync_finish(s, r->error);
                else
                        sync_fail(s, "Trakt gave an unusable answer");
                return;
        }
        if (p->flags & PULL_COUNT) {
                if (!json_object_is_type(r->json, json_type_array)) {
                        sync_fail(s, "Trakt sent a malformed list");
                        return;
                }
                s->total_now = r->item_count;
                judge_counts(s);
                sync_step_done(s);
                return;
        }
        k = text ? trakt_parse_history_text(r->body, r->body_len, &items, &n, &skipped)
                 : trakt_parse_items(r->json, p->kind, p->hint, &items, &n, &skipped);
        if (k < 0) {
                sync_fail(s, k == -ENOMEM ? "Out of memory" : "Trakt sent a malformed list");
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
                uint64_t mark = sync_page_mark(items, n);
                last = !paging_more(s->page, r->page_count, n, SYNC_PAGE_LIMIT, mark, s->page_mark);
                s->page_mark = mark;
        }

        if (db_begin(c->db) < 0) {
                trakt_items_free(items, n);
                sync_fail(s, "The state database is not writable; check the disk");
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
                        k = sync_store_history(s, it);
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
                sync_history_rows_drop(s);
                (void) db_rollback(c->db);
                s->unreadable += unnamed;
                snprintf(msg, sizeof msg, "Trakt sent %zu item(s) this version cannot read (from %.40s…; its format may have changed)",
                         n + skipped, p->path);
                sync_fail(s, msg);
                return;
        }
        s->unreadable += unnamed;
        if (k >= 0 && p->kind == TRAKT_ITEMS_HISTORY)
                k = history_flush(s);
        sync_history_rows_drop(s); /* after a failure: never into the next page's transaction */
        /* A replaced list ends where Trakt's ends: what follows was removed there. */
        if (k >= 0 && last && p->kind == TRAKT_ITEMS_LIST && (p->flags & PULL_REPLACE))
                k = db_watchlist_truncate(c->db, s->position);
        if (k < 0 || db_commit(c->db) < 0) {
                (void) db_rollback(c->db);
                sync_fail(s, "Writing what Trakt sent to the state database failed; check the disk");
                return;
        }
        s->done += (uint32_t) n;
        sync_progress_changed(s);

        if (!last) {
                s->page++;
                sync_next_step(s); /* same step, next page */
                return;
        }
        if (p->kind == TRAKT_ITEMS_HISTORY && !(p->flags & PULL_WINDOW))
                s->full_read = true;
        if (p->flags & PULL_WIDER)
                judge_counts(s); /* with the margin read: in step now, or every play is read */
        sync_step_done(s);
}

int sync_pull_step(SyncRun *s) {
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
                         trakt_format_time(s->window_end, until, sizeof until), s->page, SYNC_PAGE_LIMIT);
        } else if (p->flags & PULL_WINDOW)
                snprintf(path, sizeof path, "%s%s&page=%u&limit=%d", p->path,
                         trakt_format_time(s->window_start, when, sizeof when), s->page, SYNC_PAGE_LIMIT);
        else if (p->flags & PULL_PAGED)
                snprintf(path, sizeof path, "%spage=%u&limit=%d", p->path, s->page, SYNC_PAGE_LIMIT);
        else
                snprintf(path, sizeof path, "%s", p->path);
        return trakt_api(s->context, HTTP_GET, path, NULL, pull_reads_text(p) ? HTTP_FLAG_TEXT_BODY : 0, on_page, s,
                         &s->call);
}

/* ---- in step with Trakt: cursors, and what Trakt removed ---- */

int sync_history_done_step(SyncRun *s) {
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
                        r = sync_store_activity_cursors(s, CAT_HISTORY);
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
        sync_step_done(s);
        return 0;
}

/* The end of one category's pulls (not history): drop from the collection and
 * the resume points what Trakt dropped (only what came from Trakt), then
 * record the cursors. */
int sync_commit_step(SyncRun *s) {
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
                        r = sync_store_activity_cursors(s, cat);
                if (r >= 0 && !s->incremental)
                        r = db_cursor_floor_clear(c->db, (KtCategory) cat);
        }
        if (r < 0 || db_commit(c->db) < 0) {
                (void) db_rollback(c->db);
                return -EIO;
        }
        s->unstable = false;
        (void) db_seen_clear(c->db);
        sync_step_done(s);
        return 0;
}
