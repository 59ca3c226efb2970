/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "db-history.h"
#include "db-library.h"
#include "db-push.h"
#include "activity.h"
#include "log.h"
#include "paging.h"
#include "sync-private.h"
#include "trakt-body.h"
#include "trakt-time.h"
#include "util.h"

/* The pushes: what is local and not yet on Trakt, sent in batches by the
 * import; plays whose answer was lost are looked for on Trakt first. */

#define PUSH_BATCH 100

/* ---- pushing what is local ---- */

/* A play sent by an import whose answer did not arrive (DB_PUSHED_UNCONFIRMED)
 * may be on Trakt, which does not de-duplicate history (docs/trakt-api.md §5.2),
 * so it is looked for there before it is sent again. */
#define MAX_UNSURE_ROUNDS 3

struct Push {
        DbPushTable table;    /* rows to push (db-push.h) */
        const char *endpoint;
        Cat cat;
        const char *words;    /* what they are, for a person */
};

const Push sync_push_history = { DB_PUSH_HISTORY, "/sync/history", CAT_HISTORY, "plays" };
const Push sync_push_ratings = { DB_PUSH_RATINGS, "/sync/ratings", CAT_RATINGS, "ratings" };
const Push sync_push_collection = { DB_PUSH_COLLECTION, "/sync/collection", CAT_COLLECTION, "collected titles" };

static const Push *current_push(SyncRun *s) {
        return s->plan[s->step].push;
}

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
                 trakt_format_time(s->batch_to + (int64_t) 60 * (int64_t) USEC_PER_SEC, to, sizeof to), s->page, SYNC_PAGE_LIMIT);
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
                sync_fail(s, "Trakt did not confirm adding plays, and looking for them there failed; nothing was sent twice");
                return;
        }
        if (db_begin(c->db) < 0) {
                trakt_items_free(items, n);
                sync_fail(s, "The state database is not writable; check the disk");
                return;
        }
        for (size_t i = 0; i < n && k >= 0; i++) {
                k = sync_store_history(s, &items[i]);
                if (k == -EINVAL)
                        k = 0;
        }
        uint64_t mark = sync_page_mark(items, n);
        trakt_items_free(items, n);
        if (k < 0 || db_commit(c->db) < 0) {
                (void) db_rollback(c->db);
                sync_fail(s, "Writing what Trakt sent to the state database failed; check the disk");
                return;
        }
        bool more = paging_more(s->page, r->page_count, n, SYNC_PAGE_LIMIT, mark, s->page_mark);
        s->page_mark = mark;
        if (more) {
                s->page++;
                sync_next_step(s);
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
        sync_progress_changed(s);
        s->lookup = false;
        s->page = 0;
        sync_next_step(s); /* the push step again: what did not arrive goes in the next batch */
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
                        sync_fail(s, "Trakt did not confirm adding plays several times; none was sent twice");
                        return;
                }
                log_warning("Trakt's answer to %zu play(s) was lost (%s); looking for them on Trakt before sending them again.",
                            s->n_batch, r->error ?: "unreadable answer");
                s->lookup = true;
                s->page = 0;
                sync_next_step(s);
                return;
        }
        if (r->status == 420 || r->status == 426 || r->status == 423) {
                /* Refused, not applied: the rows wait for the next import. A limit or a
                 * VIP feature stops this category only; a locked account everything. */
                char sentence[384];
                if (history)
                        (void) mark_batch(s, BATCH_BACK);
                if (r->status == 423) {
                        sync_finish(s, "Trakt says this account is locked or deactivated (HTTP 423): nothing more was sent; contact Trakt support, then import again.");
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
                sync_next_step(s);
                return;
        }
        if (!parsed) {
                if (history)
                        (void) mark_batch(s, BATCH_BACK);
                sync_finish(s, r->error ?: "Trakt did not confirm the upload; the import will send it again next time.");
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
        sync_progress_changed(s);
        sync_next_step(s); /* the same push step again: the next batch, or done */
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

int sync_push_step(SyncRun *s) {
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
                sync_next_step(s);
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
