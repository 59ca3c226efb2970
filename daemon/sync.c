/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "errors.h"
#include "library.h"
#include "log.h"
#include "sync.h"
#include "trakt-bus.h"
#include "trakt-client.h"
#include "trakt-json.h"
#include "util.h"

#define PAGE_LIMIT 250 /* Trakt's maximum (trakt-api.md §6) */
#define PUSH_BATCH 100

typedef struct SyncRun SyncRun;
typedef int (*StepFunc)(SyncRun *s);

typedef struct Step {
        const char *name;
        const char *category; /* the toggle it needs */
        StepFunc run;
} Step;

struct SyncRun {
        Context *context;
        const char *kind;
        size_t step;
        unsigned page;
        uint32_t done, total;
        TraktCall *call;
        sd_event_source *defer;
        bool have_unlinked;          /* local plays without a Trakt id exist: try to link */
        sqlite3_stmt *insert_history; /* prepared once per run: 50k rows must be cheap */
        sqlite3_stmt *stmts[8];       /* likewise for the other per-row statements (STMT_*) */
        /* push state */
        int64_t *batch_ids;
        size_t n_batch;
        unsigned not_found;
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

static void run_free(SyncRun *s) {
        if (!s)
                return;
        if (s->call)
                trakt_call_cancel(s->call);
        sd_event_source_disable_unref(s->defer);
        sqlite3_finalize(s->insert_history);
        for (size_t i = 0; i < ELEMENTSOF(s->stmts); i++)
                sqlite3_finalize(s->stmts[i]);
        free(s->batch_ids);
        free(s);
}

void sync_free(Context *c) {
        run_free(c->sync);
        c->sync = NULL;
}

static void progress_changed(SyncRun *s) {
        trakt_bus_emit_changed(s->context, "SyncProgress", NULL);
}

static void finish(SyncRun *s, const char *error) {
        Context *c = s->context;
        char kind[32];
        snprintf(kind, sizeof kind, "%s", s->kind);

        /* Finished either way: a failed import is re-run by the user, not on every start. */
        (void) store_set_setting(c->store, "import_pending", NULL);
        if (!error) {
                (void) store_set_setting_u64(c->store, "last_sync", now_realtime_usec());
                log_info("Sync (%s) finished: %" PRIu32 " items%s.", kind, s->done,
                         s->not_found ? "; some items were unknown to Trakt" : "");
                context_set_last_error(c, NULL);
        } else {
                log_warning("Sync (%s) failed: %s", kind, error);
                context_set_last_error(c, error);
        }
        c->sync = NULL;
        run_free(s);
        trakt_bus_emit_changed(c, "Syncing", "SyncProgress", "LastSync", NULL);
        int r = sd_bus_emit_signal(c->bus, KT_OBJECT_PATH, KT_INTERFACE, "SyncFinished", "sbs", kind, !error, error ?: "");
        if (r < 0)
                log_debug_errno(r, "Failed to emit SyncFinished: %m");
        context_touch(c);
        context_release_memory(c); /* an import's pages are not needed while idle */
}

static void next_step(SyncRun *s);

/* ---- storing what Trakt sent ---- */

enum { STMT_RATING, STMT_LIST_ITEM, STMT_COLLECTION, STMT_RESUME, STMT_RECOMMENDATION };

/* A per-row statement, prepared on first use and reused for the run: parsing
 * an upsert costs more than running it. Returns it reset and unbound. */
static sqlite3_stmt *run_stmt(SyncRun *run, int slot, const char *sql) {
        sqlite3_stmt **st = &run->stmts[slot];
        if (*st) {
                sqlite3_reset(*st);
                sqlite3_clear_bindings(*st);
                return *st;
        }
        if (sqlite3_prepare_v2(store_db(run->context->store), sql, -1, st, NULL) != SQLITE_OK)
                *st = NULL;
        return *st;
}

/* The item as we keep it: Trakt's own wrapper object, so it can be sent back
 * and read again with trakt_parse_media(). */
static char *media_json(const TraktMedia *m);

static char *item_json(const TraktItem *it) {
        /* Re-serialising what Trakt sent is cheaper than rebuilding it. */
        if (it->src)
                return strdup(json_object_to_json_string_ext(it->src, JSON_C_TO_STRING_PLAIN));
        return media_json(&it->media);
}

static char *media_json(const TraktMedia *m) {
        struct json_object *o = json_object_new_object();
        json_object_object_add(o, "type", json_object_new_string(trakt_media_type_to_string(m->type)));
        if (trakt_media_add_to(o, m) < 0) {
                json_object_put(o);
                return NULL;
        }
        /* An episode with its own ids still records its show for display. */
        if (m->type == TRAKT_EPISODE && !trakt_ids_empty(&m->ids) && (!trakt_ids_empty(&m->show_ids) || m->show_title)) {
                TraktMedia show = { .type = TRAKT_SHOW, .ids = m->show_ids, .title = m->show_title, .year = m->show_year };
                json_object_object_add(o, "show", trakt_media_to_json(&show));
                struct json_object *ep;
                if (json_object_object_get_ex(o, "episode", &ep)) {
                        json_object_object_add(ep, "season", json_object_new_int(m->season));
                        json_object_object_add(ep, "number", json_object_new_int(m->number));
                }
        }
        char *s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
        json_object_put(o);
        return s;
}

/* "?,?,…" for n parameters. */
static char *placeholders(size_t n) {
        char *s = malloc(n * 2 + 1);
        if (!s)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                s[2 * i] = '?';
                s[2 * i + 1] = ',';
        }
        s[n ? 2 * n - 1 : 0] = 0;
        return s;
}

static int store_history(SyncRun *run, const TraktItem *it) {
        Context *c = run->context;
        _cleanup_free_ char *key = trakt_media_key(&it->media), *json = item_json(it), *in = NULL, *sql = NULL;
        char **keys = run->have_unlinked ? trakt_media_keys(&it->media) : NULL;
        sqlite3 *db = store_db(c->store);
        sqlite3_stmt *st = NULL;
        size_t n = 0;
        int r;

        if (!key || !json || it->id <= 0 || (run->have_unlinked && !keys)) {
                trakt_strv_free(keys);
                return -EINVAL;
        }
        if (!run->have_unlinked)
                goto insert;
        while (keys[n])
                n++;
        /* A local play of the same item (named by any of its ids) within a minute
         * is the same play: link it instead of adding a second one. */
        in = placeholders(n);
        if (!in || asprintf(&sql,
                            "UPDATE history SET trakt_history_id = ?1, pushed = 1 WHERE id = ("
                            " SELECT id FROM history WHERE trakt_history_id IS NULL AND ABS(watched_at - ?2) <= 60000000"
                            " AND media_key IN (%s) ORDER BY ABS(watched_at - ?2) LIMIT 1)"
                            " AND NOT EXISTS (SELECT 1 FROM history WHERE trakt_history_id = ?1)", in) < 0) {
                trakt_strv_free(keys);
                return -ENOMEM;
        }
        r = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
        if (r != SQLITE_OK) {
                trakt_strv_free(keys);
                return -EIO;
        }
        sqlite3_bind_int64(st, 1, it->id);
        sqlite3_bind_int64(st, 2, it->at);
        for (size_t i = 0; i < n; i++)
                sqlite3_bind_text(st, 3 + (int) i, keys[i], -1, SQLITE_TRANSIENT);
        trakt_strv_free(keys);
        r = sqlite3_step(st);
        sqlite3_finalize(st);
        if (r != SQLITE_DONE)
                return -EIO;
        if (sqlite3_changes(db) > 0)
                return 0;

insert:
        if (!run->insert_history &&
            sqlite3_prepare_v2(db,
                               "INSERT OR IGNORE INTO history(media_key, media, watched_at, origin, private, trakt_history_id, pushed)"
                               " VALUES (?, ?, ?, 'trakt', 0, ?, 1)",
                               -1, &run->insert_history, NULL) != SQLITE_OK)
                return -EIO;
        st = run->insert_history;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, json, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, it->at);
        sqlite3_bind_int64(st, 4, it->id);
        r = sqlite3_step(st);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return r == SQLITE_DONE ? 0 : -EIO;
}

static int store_rating(SyncRun *run, const TraktItem *it) {
        _cleanup_free_ char *key = trakt_media_key(&it->media), *json = item_json(it);
        sqlite3_stmt *st = NULL;
        if (!key || !json)
                return -EINVAL;
        /* The newer rating wins; a Trakt rating equal to ours is already pushed. */
        st = run_stmt(run, STMT_RATING,
                               "INSERT INTO ratings(media_key, media, rating, rated_at, pushed) VALUES (?1, ?2, ?3, ?4, 1)"
                               " ON CONFLICT(media_key) DO UPDATE SET rating = excluded.rating, rated_at = excluded.rated_at, pushed = 1"
                               " WHERE excluded.rated_at >= ratings.rated_at OR ratings.rating = excluded.rating");
        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, json, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, it->rating);
        sqlite3_bind_int64(st, 4, it->at);
        int r = sqlite3_step(st);
        sqlite3_reset(st); /* bindings point at this function's strings */
        sqlite3_clear_bindings(st);
        return r == SQLITE_DONE ? 0 : -EIO;
}

static int store_list_item(SyncRun *run, const TraktItem *it, uint32_t position) {
        _cleanup_free_ char *key = trakt_media_key(&it->media), *json = item_json(it);
        sqlite3_stmt *st = NULL;
        if (!key || !json)
                return -EINVAL;
        st = run_stmt(run, STMT_LIST_ITEM,
                               "INSERT OR REPLACE INTO list_items(list_id, position, media_key, media, listed_at) VALUES (?, ?, ?, ?, ?)");
        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, LIBRARY_WATCHLIST_ID, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, position);
        sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, json, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 5, it->at);
        int r = sqlite3_step(st);
        sqlite3_reset(st); /* bindings point at this function's strings */
        sqlite3_clear_bindings(st);
        return r == SQLITE_DONE ? 0 : -EIO;
}

static int store_collection(SyncRun *run, const TraktItem *it) {
        _cleanup_free_ char *key = trakt_media_key(&it->media), *json = item_json(it);
        sqlite3_stmt *st = NULL;
        if (!key || !json)
                return -EINVAL;
        st = run_stmt(run, STMT_COLLECTION,
                               "INSERT INTO collection(media_key, media, collected_at, media_type, resolution, hdr, audio, audio_channels, is_3d, origin, pushed)"
                               " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'trakt', 1)"
                               " ON CONFLICT(media_key) DO UPDATE SET pushed = 1 WHERE collection.origin = 'trakt'");
        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, json, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, it->at);
        sqlite3_bind_text(st, 4, it->meta.media_type, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 5, it->meta.resolution, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, it->meta.hdr, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 7, it->meta.audio, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 8, it->meta.audio_channels, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 9, it->meta.is_3d);
        int r = sqlite3_step(st);
        sqlite3_reset(st); /* bindings point at this function's strings */
        sqlite3_clear_bindings(st);
        return r == SQLITE_DONE ? 0 : -EIO;
}

static int store_resume(SyncRun *run, const TraktItem *it) {
        _cleanup_free_ char *key = trakt_media_key(&it->media), *json = item_json(it);
        sqlite3_stmt *st = NULL;
        if (!key || !json)
                return -EINVAL;
        /* Newest pause wins, whether it happened here or elsewhere. */
        st = run_stmt(run, STMT_RESUME,
                               "INSERT INTO resume_points(media_key, media, progress, paused_at, playback_id, origin) VALUES (?1, ?2, ?3, ?4, ?5, 'trakt')"
                               " ON CONFLICT(media_key) DO UPDATE SET progress = excluded.progress, paused_at = excluded.paused_at,"
                               " playback_id = excluded.playback_id, origin = 'trakt' WHERE excluded.paused_at >= resume_points.paused_at");
        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, json, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 3, it->progress);
        sqlite3_bind_int64(st, 4, it->at);
        if (it->id > 0)
                sqlite3_bind_int64(st, 5, it->id);
        else
                sqlite3_bind_null(st, 5);
        int r = sqlite3_step(st);
        sqlite3_reset(st); /* bindings point at this function's strings */
        sqlite3_clear_bindings(st);
        return r == SQLITE_DONE ? 0 : -EIO;
}

static int store_recommendation(SyncRun *run, const TraktItem *it, const char *kind, uint32_t position) {
        _cleanup_free_ char *key = trakt_media_key(&it->media), *json = item_json(it);
        sqlite3_stmt *st = NULL;
        if (!key || !json)
                return -EINVAL;
        st = run_stmt(run, STMT_RECOMMENDATION,
                               "INSERT OR REPLACE INTO recommendations(kind, position, media_key, media) VALUES (?, ?, ?, ?)");
        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, position);
        sqlite3_bind_text(st, 3, key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, json, -1, SQLITE_STATIC);
        int r = sqlite3_step(st);
        sqlite3_reset(st); /* bindings point at this function's strings */
        sqlite3_clear_bindings(st);
        return r == SQLITE_DONE ? 0 : -EIO;
}

/* ---- pulling, page by page ---- */

typedef struct Pull {
        const char *path;       /* with a '?' already in it */
        TraktItemKind kind;
        TraktMediaType hint;
        const char *rec_kind;   /* recommendations: "movie" / "show" */
        bool paged;
} Pull;

static const Pull pulls[] = {
        { "/sync/history?", TRAKT_ITEMS_HISTORY, TRAKT_NONE, NULL, true },
        { "/sync/ratings?", TRAKT_ITEMS_RATINGS, TRAKT_NONE, NULL, true },
        { "/sync/watchlist?", TRAKT_ITEMS_LIST, TRAKT_NONE, NULL, true },
        { "/sync/collection/movies?extended=metadata&", TRAKT_ITEMS_COLLECTION, TRAKT_MOVIE, NULL, true },
        { "/sync/collection/shows?extended=metadata&", TRAKT_ITEMS_COLLECTION, TRAKT_SHOW, NULL, true },
        { "/sync/playback?", TRAKT_ITEMS_PLAYBACK, TRAKT_NONE, NULL, true },
        { "/recommendations/movies?ignore_collected=true&ignore_watchlisted=true&limit=100", TRAKT_ITEMS_RECOMMENDATIONS, TRAKT_MOVIE, "movie", false },
        { "/recommendations/shows?ignore_collected=true&ignore_watchlisted=true&limit=100", TRAKT_ITEMS_RECOMMENDATIONS, TRAKT_SHOW, "show", false },
};

static const Pull *current_pull(SyncRun *s);

static void on_page(Http *h, const HttpResponse *r, void *userdata) {
        SyncRun *s = userdata;
        Context *c = s->context;
        const Pull *p = current_pull(s);
        TraktItem *items = NULL;
        size_t n = 0, skipped = 0;
        int k = 0;

        s->call = NULL;
        if (r->status < 200 || r->status >= 300 || !r->json) {
                finish(s, r->error ?: "Trakt gave an unusable answer; try the import again.");
                return;
        }
        if (trakt_parse_items(r->json, p->kind, p->hint, &items, &n, &skipped) < 0) {
                finish(s, "Trakt sent a malformed list; try the import again later.");
                return;
        }
        if (skipped > 0)
                log_warning("%zu unusable item(s) in %s were skipped.", skipped, p->path);

        if (s->page == 1 && r->item_count > 0)
                s->total += (uint32_t) r->item_count;
        else if (s->page == 1 && r->item_count < 0)
                s->total += (uint32_t) n;

        if (store_begin(c->store) < 0) {
                trakt_items_free(items, n);
                finish(s, "The state database is not writable; check the disk.");
                return;
        }
        for (size_t i = 0; i < n && k >= 0; i++) {
                uint32_t position = (s->page - 1) * PAGE_LIMIT + (uint32_t) i;
                switch (p->kind) {
                case TRAKT_ITEMS_HISTORY: k = store_history(s, &items[i]); break;
                case TRAKT_ITEMS_RATINGS: k = store_rating(s, &items[i]); break;
                case TRAKT_ITEMS_LIST: k = store_list_item(s, &items[i], position); break;
                case TRAKT_ITEMS_COLLECTION: k = store_collection(s, &items[i]); break;
                case TRAKT_ITEMS_PLAYBACK: k = store_resume(s, &items[i]); break;
                case TRAKT_ITEMS_RECOMMENDATIONS: k = store_recommendation(s, &items[i], p->rec_kind, (uint32_t) i); break;
                default: break;
                }
                if (k == -EINVAL)
                        k = 0; /* an item we cannot name is skipped, not fatal */
        }
        trakt_items_free(items, n);
        if (k < 0 || store_commit(c->store) < 0) {
                (void) store_rollback(c->store);
                finish(s, "Writing the import to the state database failed; check the disk.");
                return;
        }
        s->done += (uint32_t) n;
        progress_changed(s);

        if (p->paged && r->page_count > 0 && (int64_t) s->page < r->page_count) {
                s->page++;
                next_step(s); /* same step, next page */
                return;
        }
        s->step++;
        s->page = 0;
        next_step(s);
}

static int clear_for_pull(Context *c, const Pull *p) {
        const char *sql = NULL;
        if (p->kind == TRAKT_ITEMS_LIST)
                sql = "DELETE FROM list_items WHERE list_id = '" LIBRARY_WATCHLIST_ID "'";
        else if (p->kind == TRAKT_ITEMS_RECOMMENDATIONS)
                sql = p->hint == TRAKT_MOVIE ? "DELETE FROM recommendations WHERE kind = 'movie'"
                                             : "DELETE FROM recommendations WHERE kind = 'show'";
        return sql ? (sqlite3_exec(store_db(c->store), sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -EIO) : 0;
}

static int pull_step(SyncRun *s) {
        const Pull *p = current_pull(s);
        char path[256];
        if (s->page == 0) {
                s->page = 1;
                if (clear_for_pull(s->context, p) < 0)
                        return -EIO;
        }
        if (p->paged)
                snprintf(path, sizeof path, "%spage=%u&limit=%d", p->path, s->page, PAGE_LIMIT);
        else
                snprintf(path, sizeof path, "%s", p->path);
        return trakt_api(s->context, HTTP_GET, path, NULL, 0, on_page, s, &s->call);
}

/* ---- pushing what is local ---- */

typedef struct Push {
        const char *select;   /* rows to push: id, media, extra columns */
        const char *endpoint;
        const char *mark;     /* UPDATE … WHERE id = ? */
} Push;

static const Push pushes[] = {
        { "SELECT id, media, watched_at FROM history WHERE origin = 'local' AND private = 0 AND pushed = 0"
          " AND trakt_history_id IS NULL ORDER BY watched_at LIMIT 100",
          "/sync/history", "UPDATE history SET pushed = 1 WHERE id = ?" },
        { "SELECT rowid, media, rating, rated_at FROM ratings WHERE pushed = 0 ORDER BY rated_at LIMIT 100",
          "/sync/ratings", "UPDATE ratings SET pushed = 1 WHERE rowid = ?" },
        { "SELECT rowid, media, collected_at, media_type, resolution, hdr, audio, audio_channels, is_3d FROM collection"
          " WHERE origin = 'local' AND pushed = 0 ORDER BY collected_at LIMIT 100",
          "/sync/collection", "UPDATE collection SET pushed = 1 WHERE rowid = ?" },
};

static const Push *current_push(SyncRun *s);

static void record_not_found(Context *c, struct json_object *answer, const char *endpoint);

static void on_pushed(Http *h, const HttpResponse *r, void *userdata) {
        SyncRun *s = userdata;
        Context *c = s->context;
        const Push *p = current_push(s);
        TraktSyncResult res = {};

        s->call = NULL;
        if (r->status < 200 || r->status >= 300 || !r->json || trakt_parse_sync_result(r->json, &res) < 0) {
                finish(s, r->error ?: "Trakt did not confirm the upload; the import will send it again next time.");
                return;
        }
        /* not_found items are recorded (UnmatchedItems shows them) and marked as
         * sent with the rest: retrying them forever cannot help (trakt-api.md §9.9). */
        if (res.not_found > 0) {
                s->not_found += (unsigned) res.not_found;
                log_warning("Trakt did not know %zu item(s) sent to %s.", res.not_found, p->endpoint);
                record_not_found(c, r->json, p->endpoint);
        }
        sqlite3_stmt *st = NULL;
        (void) store_begin(c->store);
        if (sqlite3_prepare_v2(store_db(c->store), p->mark, -1, &st, NULL) == SQLITE_OK) {
                for (size_t i = 0; i < s->n_batch; i++) {
                        sqlite3_bind_int64(st, 1, s->batch_ids[i]);
                        (void) sqlite3_step(st);
                        sqlite3_reset(st);
                }
        }
        sqlite3_finalize(st);
        (void) store_commit(c->store);
        s->done += (uint32_t) s->n_batch;
        progress_changed(s);
        next_step(s); /* the same push step again: the next batch, or done */
}

static void record_not_found(Context *c, struct json_object *answer, const char *endpoint) {
        struct json_object *nf;
        sqlite3_stmt *st = NULL;
        if (!json_object_object_get_ex(answer, "not_found", &nf) || !json_object_is_type(nf, json_type_object))
                return;
        if (sqlite3_prepare_v2(store_db(c->store),
                               "INSERT INTO not_found(kind, media, reason, seen_at) VALUES (?, ?, ?, ?)", -1, &st, NULL) != SQLITE_OK)
                return;
        json_object_object_foreach(nf, kind, list) {
                if (!json_object_is_type(list, json_type_array))
                        continue;
                for (size_t i = 0; i < json_object_array_length(list); i++) {
                        sqlite3_bind_text(st, 1, kind, -1, SQLITE_TRANSIENT);
                        sqlite3_bind_text(st, 2, json_object_to_json_string_ext(json_object_array_get_idx(list, i), JSON_C_TO_STRING_PLAIN),
                                          -1, SQLITE_TRANSIENT);
                        sqlite3_bind_text(st, 3, endpoint, -1, SQLITE_TRANSIENT);
                        sqlite3_bind_int64(st, 4, (int64_t) now_realtime_usec());
                        (void) sqlite3_step(st);
                        sqlite3_reset(st);
                }
        }
        sqlite3_finalize(st);
        trakt_bus_emit_changed(c, "UnmatchedItems", NULL);
}

static void add_to_body(struct json_object *body, const char *media_json_text, struct json_object *extra) {
        struct json_object *m = json_tokener_parse(media_json_text);
        trakt_sync_body_add(body, m, extra);
        json_object_put(m);
}

static int push_step(SyncRun *s) {
        Context *c = s->context;
        const Push *p = current_push(s);
        sqlite3_stmt *st = NULL;
        char when[32];

        if (sqlite3_prepare_v2(store_db(c->store), p->select, -1, &st, NULL) != SQLITE_OK)
                return -EIO;
        struct json_object *body = json_object_new_object();
        free(s->batch_ids);
        s->batch_ids = calloc(PUSH_BATCH, sizeof(int64_t));
        s->n_batch = 0;
        while (s->batch_ids && sqlite3_step(st) == SQLITE_ROW && s->n_batch < PUSH_BATCH) {
                struct json_object *extra = json_object_new_object();
                if (p == &pushes[0]) {
                        json_object_object_add(extra, "watched_at",
                                               json_object_new_string(trakt_format_time(sqlite3_column_int64(st, 2), when, sizeof when)));
                } else if (p == &pushes[1]) {
                        json_object_object_add(extra, "rating", json_object_new_int(sqlite3_column_int(st, 2)));
                        json_object_object_add(extra, "rated_at",
                                               json_object_new_string(trakt_format_time(sqlite3_column_int64(st, 3), when, sizeof when)));
                } else {
                        static const char *const keys[] = { "media_type", "resolution", "hdr", "audio", "audio_channels" };
                        json_object_object_add(extra, "collected_at",
                                               json_object_new_string(trakt_format_time(sqlite3_column_int64(st, 2), when, sizeof when)));
                        for (int i = 0; i < 5; i++)
                                if (sqlite3_column_type(st, 3 + i) != SQLITE_NULL)
                                        json_object_object_add(extra, keys[i], json_object_new_string((const char *) sqlite3_column_text(st, 3 + i)));
                        if (sqlite3_column_int(st, 8))
                                json_object_object_add(extra, "3d", json_object_new_boolean(1));
                }
                s->batch_ids[s->n_batch++] = sqlite3_column_int64(st, 0);
                add_to_body(body, (const char *) sqlite3_column_text(st, 1), extra);
        }
        sqlite3_finalize(st);

        if (s->n_batch == 0) {
                json_object_put(body);
                s->step++;
                next_step(s);
                return 0;
        }
        s->total += (uint32_t) s->n_batch;
        int r = trakt_api(c, HTTP_POST, p->endpoint, json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN), 0,
                          on_pushed, s, &s->call);
        json_object_put(body);
        return r;
}

/* ---- the plan ---- */

static const Step steps[] = {
        { "pull history", "history", pull_step },
        { "pull ratings", "ratings", pull_step },
        { "pull watchlist", "watchlist", pull_step },
        { "pull collection movies", "collection", pull_step },
        { "pull collection shows", "collection", pull_step },
        { "pull resume points", "resume", pull_step },
        { "pull movie recommendations", "recommendations", pull_step },
        { "pull show recommendations", "recommendations", pull_step },
        { "push history", "history", push_step },
        { "push ratings", "ratings", push_step },
        { "push collection", "collection", push_step },
};

static const Pull *current_pull(SyncRun *s) {
        return &pulls[s->step < ELEMENTSOF(pulls) ? s->step : 0];
}

static const Push *current_push(SyncRun *s) {
        size_t i = s->step - ELEMENTSOF(pulls);
        return &pushes[i < ELEMENTSOF(pushes) ? i : 0];
}

_Static_assert(ELEMENTSOF(steps) == ELEMENTSOF(pulls) + ELEMENTSOF(pushes), "one step per pull and push");

static int on_defer(sd_event_source *es, void *userdata) {
        SyncRun *s = userdata;
        Context *c = s->context;

        /* Skip steps whose category is off (checked at each step: turning one off stops it at once). */
        while (s->step < ELEMENTSOF(steps)) {
                bool on = true;
                (void) store_get_toggle(c->store, steps[s->step].category, &on);
                if (on)
                        break;
                s->step++;
                s->page = 0;
        }
        if (s->step >= ELEMENTSOF(steps)) {
                finish(s, NULL);
                return 0;
        }
        log_debug("Import: %s (page %u).", steps[s->step].name, s->page);
        int r = steps[s->step].run(s);
        if (r == -ENOTCONN)
                finish(s, "Not connected to Trakt any more; reconnect and import again.");
        else if (r < 0)
                finish(s, "The import could not continue; check the daemon's log.");
        return 0;
}

/* Each step starts from the event loop, never from inside the previous callback. */
static void next_step(SyncRun *s) {
        int r = s->defer ? sd_event_source_set_enabled(s->defer, SD_EVENT_ONESHOT)
                         : sd_event_add_defer(s->context->event, &s->defer, on_defer, s);
        if (r >= 0 && s->defer)
                r = sd_event_source_set_enabled(s->defer, SD_EVENT_ONESHOT);
        if (r < 0)
                finish(s, "The import could not be scheduled.");
}

void sync_resume_interrupted(Context *c) {
        _cleanup_free_ char *pending = NULL;
        if (c->state != CONN_CONNECTED || store_get_setting(c->store, "import_pending", &pending) < 0)
                return;
        log_info("An import was interrupted; starting it again.");
        (void) sync_import_start(c, NULL);
}

int sync_import_start(Context *c, sd_bus_error *error) {
        if (c->state != CONN_CONNECTED)
                return sd_bus_error_set(error, KT_ERROR_NOT_CONNECTED, "Not connected to Trakt; connect first.");
        if (c->sync)
                return sd_bus_error_setf(error, KT_ERROR_BUSY, "An %s sync is already running; wait for it to finish.",
                                         c->sync->kind);
        SyncRun *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->context = c;
        s->kind = "import";
        c->sync = s;
        /* Marked durably, so an import cut short by a crash or kill -9 starts
         * again with the daemon; every step is idempotent, so nothing doubles. */
        (void) store_set_setting(c->store, "import_pending", "1");
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(store_db(c->store), "SELECT EXISTS (SELECT 1 FROM history WHERE trakt_history_id IS NULL)",
                               -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
                s->have_unlinked = sqlite3_column_int(st, 0);
        else
                s->have_unlinked = true;
        sqlite3_finalize(st);
        log_info("Import started.");
        next_step(s);
        trakt_bus_emit_changed(c, "Syncing", "SyncProgress", NULL);
        return 0;
}
