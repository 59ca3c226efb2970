/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>

#include "db-history.h"
#include "db-library.h"
#include "db-outbox.h"
#include "build-config.h"
#include "log.h"
#include "outbox.h"
#include "outbox-rules.h"
#include "resolve.h"
#include "trakt-client.h"
#include "trakt-body.h"
#include "trakt-parse.h"
#include "trakt-time.h"
#include "util.h"

#define KEEP_DONE_USEC (7 * 24 * 3600 * USEC_PER_SEC) /* sent/dropped rows kept a week for inspection */
#define MATCH_WINDOW_USEC (60 * USEC_PER_SEC)         /* the same play on both sides: ±1 minute */

typedef struct Outbox {
        Context *context;
        sd_event_source *defer;
        sd_event_source *timer;
        TraktCall *call;
        /* the row in flight */
        int64_t row;
        char *kind;
        struct json_object *payload;
        unsigned attempts;
        bool checking; /* the call in flight is the /sync/history look-up before a re-add */
        /* Categories Trakt refuses to take more of for now (420 account limit,
         * 426 VIP only), and the whole account while it is locked (423): their
         * events wait, the others go on. Realtime µs; 0 = not held. */
        OutboxHolds holds;
        /* status */
        bool failed;     /* the last delivery failed for good (red until the next success) */
        bool set_error;  /* LastError holds one of our sentences */
        const char *status_cache;
        unsigned pending_cache;
        bool cache_valid;
} Outbox;

static Outbox *ob(Context *c) {
        return c->outbox;
}

static void outbox_schedule(Outbox *o);

/* ---- rows ---- */

int64_t outbox_add(Context *c, const char *kind, const char *category, const char *session, struct json_object *payload) {
        return db_outbox_add(c->db, now_realtime_usec(), kind, category, session,
                             json_object_to_json_string_ext(payload, JSON_C_TO_STRING_PLAIN));
}

static void row_done(Context *c, int64_t id, DbOutboxState state, const char *error) {
        (void) db_outbox_finish(c->db, id, state, error);
}

static int payload_save(Context *c, int64_t id, struct json_object *payload) {
        return db_outbox_set_payload(c->db, id, json_object_to_json_string_ext(payload, JSON_C_TO_STRING_PLAIN));
}

static void row_retry_later(Context *c, int64_t id, unsigned attempts, uint64_t delay, const char *error) {
        (void) db_outbox_retry(c->db, id, attempts, now_realtime_usec() + delay, error);
}

static int64_t payload_int(struct json_object *p, const char *key) {
        struct json_object *v;
        return json_object_object_get_ex(p, key, &v) ? json_object_get_int64(v) : 0;
}

static double payload_double(struct json_object *p, const char *key) {
        struct json_object *v;
        return json_object_object_get_ex(p, key, &v) ? json_object_get_double(v) : 0;
}

static struct json_object *payload_media(struct json_object *p) {
        struct json_object *v;
        return json_object_object_get_ex(p, "media", &v) ? v : NULL;
}

/* The history row behind a completed watch: already on Trakt (linked by an
 * import or an earlier delivery)? */
static bool history_row_pushed(Context *c, int64_t history_id) {
        DbPushed pushed;
        return history_id > 0 && db_history_pushed(c->db, history_id, &pushed) >= 0 && pushed == DB_PUSHED_YES;
}

static void history_row_mark_pushed(Context *c, int64_t history_id, int64_t trakt_history_id) {
        (void) db_history_mark_sent(c->db, history_id, trakt_history_id);
}

/* Trakt's answer names the item fully (title, year, every id): keep that in
 * the local row, so a watch started from a bare id reads well in GetHistory. */
static void history_row_learn_media(Context *c, int64_t history_id, struct json_object *answer) {
        TraktMedia m = {};
        if (history_id <= 0 || trakt_parse_media(answer, TRAKT_NONE, &m) < 0)
                return;
        struct json_object *w = trakt_media_wrapper(&m);
        if (w) {
                (void) db_history_set_media(c->db, history_id, json_object_to_json_string_ext(w, JSON_C_TO_STRING_PLAIN));
                json_object_put(w);
        }
        trakt_media_done(&m);
}

/* Is a later live event of the same session waiting? Then this start or pause is stale. */
static bool superseded(Context *c, int64_t id, const char *session) {
        bool later = false;
        (void) db_outbox_superseded(c->db, id, session, &later);
        return later;
}

/* ---- status ---- */

static const char *status_for(Context *c, unsigned pending) {
        Outbox *o = ob(c);
        return outbox_status_name(c->state == CONN_EXPIRED, o && o->failed, pending, c->n_sessions, c->http && http_blocked(c->http));
}

const char *outbox_status(Context *c) {
        return status_for(c, outbox_pending(c));
}

unsigned outbox_pending(Context *c) {
        unsigned n = 0;
        (void) db_outbox_pending(c->db, &n);
        return n;
}

void outbox_update_status(Context *c) {
        Outbox *o = ob(c);
        if (!o)
                return;
        unsigned pending = outbox_pending(c); /* one count for both properties */
        const char *status = status_for(c, pending);
        bool s_changed = !o->cache_valid || o->status_cache != status;
        bool p_changed = !o->cache_valid || o->pending_cache != pending;
        o->status_cache = status;
        o->pending_cache = pending;
        o->cache_valid = true;
        if (s_changed && p_changed)
                context_notify_changed(c, "ScrobbleStatus", "PendingEvents", NULL);
        else if (s_changed)
                context_notify_changed(c, "ScrobbleStatus", NULL);
        else if (p_changed)
                context_notify_changed(c, "PendingEvents", NULL);
}

static void set_failed(Outbox *o, const char *sentence) {
        o->failed = true;
        o->set_error = true;
        context_set_last_error(o->context, sentence);
}

static void clear_failed(Outbox *o) {
        o->failed = false;
        if (o->set_error) {
                o->set_error = false;
                context_set_last_error(o->context, NULL);
        }
}

/* ---- delivery ---- */

static void flight_clear(Outbox *o) {
        o->call = NULL;
        o->row = 0;
        free(o->kind);
        o->kind = NULL;
        json_object_put(o->payload);
        o->payload = NULL;
        o->checking = false;
}

static const char *describe(struct json_object *payload, char *buf, size_t n) {
        TraktMedia m = {};
        struct json_object *w = payload_media(payload);
        if (w && trakt_parse_media(w, TRAKT_NONE, &m) >= 0) {
                if (m.type == TRAKT_EPISODE && (m.show_title || m.season))
                        snprintf(buf, n, "%s S%02uE%02u", m.show_title ?: "an episode", m.season, m.number);
                else if (m.title)
                        snprintf(buf, n, "%s", m.title);
                else
                        snprintf(buf, n, "a %s", trakt_media_type_to_string(m.type));
        } else
                snprintf(buf, n, "an item");
        trakt_media_done(&m);
        return buf;
}

/* The same without the title, for LastError: everyone on the machine reads it,
 * and what a user plays is nobody else's business (the log keeps the title). */
static const char *describe_public(struct json_object *payload, char *buf, size_t n) {
        TraktMedia m = {};
        struct json_object *w = payload_media(payload);
        if (w && trakt_parse_media(w, TRAKT_NONE, &m) >= 0)
                snprintf(buf, n, "%s %s", m.type == TRAKT_EPISODE ? "an" : "a", trakt_media_type_to_string(m.type));
        else
                snprintf(buf, n, "an item");
        trakt_media_done(&m);
        return buf;
}

static void record_unmatched(Context *c, struct json_object *payload, const char *endpoint) {
        struct json_object *w = payload_media(payload);
        (void) db_unmatched_add(c->db, "scrobble", w ? json_object_to_json_string_ext(w, JSON_C_TO_STRING_PLAIN) : "{}", endpoint,
                                now_realtime_usec());
        context_notify_changed(c, "UnmatchedItems", NULL);
}

static void convert_to_history(Context *c, int64_t id, struct json_object *payload);

/* Send the row again now, naming its episodes by show and numbers (the
 * Jellyfin plugin's fallback): Trakt did not find them by id, so nothing was
 * applied and nothing needs looking up first. */
static void retry_by_numbers(Outbox *o, const OutboxVerdict *v) {
        Context *c = o->context;
        json_object_object_add(o->payload, "by_numbers", json_object_new_boolean(1));
        (void) db_outbox_rewrite(c->db, o->row, json_object_to_json_string_ext(o->payload, JSON_C_TO_STRING_PLAIN), v->attempts);
        log_info("Outbox event %" PRId64 ": Trakt did not find the episode by its id; trying its show and numbers.", o->row);
}

/* Trakt answered 2xx but the answer is not what that endpoint returns: it
 * counts as no answer (a malformed answer is never success). */
static void unreadable_answer(Outbox *o, const OutboxVerdict *v, const char *what) {
        log_warning("Trakt's answer to the %s of %s could not be read; it is sent again later%s.", o->kind, what,
                    streq(o->kind, "history_add") ? ", after looking for it on Trakt" : "");
        row_retry_later(o->context, o->row, v->attempts, v->delay, "unreadable answer");
}

static OutboxFacts facts(Outbox *o, const HttpResponse *r) {
        Context *c = o->context;
        return (OutboxFacts) {
                .kind = o->kind,
                .status = r->status,
                .retry_after_sec = r->retry_after_sec,
                .attempts = o->attempts,
                .connected = c->state == CONN_CONNECTED,
                .completed = streq(o->kind, "stop") && payload_int(o->payload, "history_id") > 0,
                .by_numbers_possible = outbox_payload_by_numbers_possible(o->payload),
        };
}

/* A 2xx (or a 409 on a stop): what the answer says decides. */
static void delivered(Outbox *o, const HttpResponse *r, const OutboxFacts *f) {
        Context *c = o->context;
        const char *kind = o->kind;
        struct json_object *p = o->payload;
        TraktScrobbleResult scrobble = {};
        TraktSyncResult sync = {};
        OutboxAnswer a = {};
        char what[160];

        describe(p, what, sizeof what);
        if (outbox_kind_is_scrobble(kind)) {
                a.parsed = r->status != 409 && trakt_parse_scrobble(r->json, &scrobble) >= 0;
                a.action = scrobble.action;
                a.id = scrobble.id;
        } else {
                a.parsed = trakt_parse_sync_result(r->json, &sync) >= 0;
                a.added = sync.added;
                a.not_found = sync.not_found;
        }
        OutboxVerdict v = outbox_rule_answer(f, &a);

        switch (v.kind) {
        case OUTBOX_RETRY:
                unreadable_answer(o, &v, what);
                break;
        case OUTBOX_TO_HISTORY:
                log_info("Trakt kept the stop of %s at %.2f %% as a pause; adding the watch to its history instead.", what,
                         scrobble.progress);
                convert_to_history(c, o->row, p);
                row_retry_later(c, o->row, v.attempts, v.delay, "kept as a pause by Trakt");
                clear_failed(o);
                break;
        case OUTBOX_BY_NUMBERS:
                retry_by_numbers(o, &v);
                break;
        default:
                if (v.unmatched) {
                        log_warning("Trakt did not know %s (%s).", what, kind);
                        record_unmatched(c, p, kind);
                }
                if (v.mark_pushed)
                        history_row_mark_pushed(c, payload_int(p, "history_id"), v.trakt_history_id);
                if (v.learn_media && r->json)
                        history_row_learn_media(c, payload_int(p, "history_id"), r->json);
                if (streq(kind, "rating_set"))
                        (void) db_rating_delivered(c->db, payload_int(p, "rated_at"));
                if (streq(kind, "rating_set") || streq(kind, "rating_remove"))
                        c->ratings_pushed++;
                row_done(c, o->row, DB_OUTBOX_SENT, NULL);
                clear_failed(o);
        }
        trakt_scrobble_done(&scrobble);
}

static void on_answer(Http *h, const HttpResponse *r, void *userdata);
static int send_row(Outbox *o);

static bool history_item_matches(struct json_object *wrapper, int64_t watched_at, const TraktItem *it) {
        TraktMedia m = {};
        bool match = false;
        if (llabs(it->at - watched_at) > (int64_t) MATCH_WINDOW_USEC)
                return false;
        if (trakt_parse_media(wrapper, TRAKT_NONE, &m) < 0)
                return false;
        char **mine = trakt_media_keys(&m), **theirs = trakt_media_keys(&it->media);
        for (size_t i = 0; mine && mine[i] && !match; i++)
                for (size_t j = 0; theirs && theirs[j] && !match; j++)
                        match = streq(mine[i], theirs[j]);
        trakt_strv_free(mine);
        trakt_strv_free(theirs);
        trakt_media_done(&m);
        return match;
}

static void on_checked(Http *h, const HttpResponse *r, void *userdata) {
        Outbox *o = userdata;
        Context *c = o->context;
        TraktItem *items = NULL;
        size_t n = 0, skipped = 0;

        o->call = NULL;
        o->checking = false;
        if (r->status >= 200 && r->status < 300 && r->json &&
            trakt_parse_items(r->json, TRAKT_ITEMS_HISTORY, TRAKT_NONE, &items, &n, &skipped) >= 0) {
                int64_t at = payload_int(o->payload, "watched_at");
                for (size_t i = 0; i < n; i++)
                        if (history_item_matches(payload_media(o->payload), at, &items[i])) {
                                log_info("Outbox event %" PRId64 ": the play is already on Trakt (history id %" PRId64 "); not adding it again.",
                                         o->row, items[i].id);
                                history_row_mark_pushed(c, payload_int(o->payload, "history_id"), items[i].id);
                                row_done(c, o->row, DB_OUTBOX_SENT, NULL);
                                trakt_items_free(items, n);
                                flight_clear(o);
                                outbox_update_status(c);
                                outbox_kick(c);
                                return;
                        }
                trakt_items_free(items, n);
                if (send_row(o) < 0) {
                        flight_clear(o);
                        outbox_kick(c);
                }
                return;
        }
        /* Could not look: treat like any transient failure of the row. */
        on_answer(h, r, o);
}

/* 420 (an account limit), 426 (VIP only): this category waits, the others go
 * on; 423: the account is locked, everything waits. The event is kept and
 * LastError says why, with Trakt's own limit and upgrade address when it sent
 * them (docs/trakt-api.md §3.2). */
static void hold(Outbox *o, const HttpResponse *r, const OutboxVerdict *v, const char *category) {
        Context *c = o->context;
        char sentence[512];

        outbox_holds_add(&o->holds, v, category, now_realtime_usec());
        outbox_hold_sentence(sentence, sizeof sentence, r->status, category, r->account_limit, r->upgrade_url, outbox_pending(c));
        log_warning("%s", sentence);
        row_retry_later(c, o->row, v->attempts, 0, sentence);
        if (v->red)
                set_failed(o, sentence);
        else {
                o->set_error = true;
                context_set_last_error(c, sentence);
        }
}

static void on_answer(Http *h, const HttpResponse *r, void *userdata) {
        Outbox *o = userdata;
        Context *c = o->context;
        char what[160], item[32], sentence[512];
        long s = r->status;
        const char *category = outbox_kind_category(o->kind);
        o->call = NULL;
        o->checking = false;
        describe(o->payload, what, sizeof what);
        describe_public(o->payload, item, sizeof item);

        OutboxFacts f = facts(o, r);
        OutboxVerdict v = outbox_rule_status(&f);
        switch (v.kind) {
        case OUTBOX_READ_ANSWER:
                if (s == 409)
                        log_info("Trakt already has the scrobble of %s (409): done.", what);
                delivered(o, r, &f);
                break;
        case OUTBOX_UNAUTHORIZED:
                row_retry_later(c, o->row, v.attempts, v.delay, "not authorized");
                if (c->state == CONN_EXPIRED)
                        snprintf(sentence, sizeof sentence,
                                 "Trakt disconnected: %u event(s) wait until you reconnect the account.", outbox_pending(c));
                else
                        snprintf(sentence, sizeof sentence, "Trakt refused the token while sending %s; reconnect the account.", item);
                set_failed(o, sentence);
                break;
        case OUTBOX_APP_REFUSED:
                row_retry_later(c, o->row, v.attempts, v.delay, "403");
                set_failed(o, "Trakt refused the application (403); check the client id in the configuration, the events wait.");
                break;
        case OUTBOX_HOLD:
                hold(o, r, &v, category);
                break;
        case OUTBOX_RETRY:
                log_warning("Could not send %s for %s (%s); retrying in %" PRIu64 " s.", o->kind, what,
                            r->error ?: "no answer", v.delay / USEC_PER_SEC);
                row_retry_later(c, o->row, v.attempts, v.delay, r->error ?: "transient failure");
                break;
        case OUTBOX_BY_NUMBERS:
                retry_by_numbers(o, &v);
                break;
        case OUTBOX_DROP:
                log_info("Trakt refused the %s of %s by its rules (422): %s", o->kind, what, r->error ?: "no reason given");
                row_done(c, o->row, DB_OUTBOX_DROPPED, "422");
                break;
        default:
                if (s == 404)
                        snprintf(sentence, sizeof sentence,
                                 "Trakt does not know %s a player sent; check the ids the player sends (the event was dropped).", item);
                else
                        snprintf(sentence, sizeof sentence, "Trakt refused the %s of %s (HTTP %ld); the event was dropped.",
                                 o->kind, item, s);
                log_warning("%s (%s)", sentence, what);
                if (v.unmatched)
                        record_unmatched(c, o->payload, o->kind);
                if (v.mark_pushed)
                        history_row_mark_pushed(c, payload_int(o->payload, "history_id"), 0);
                row_done(c, o->row, DB_OUTBOX_FAILED, sentence);
                set_failed(o, sentence);
        }
        flight_clear(o);
        outbox_update_status(c);
        outbox_kick(c);
}

static int sync_body(const char *kind, struct json_object *payload, char **ret) {
        _cleanup_(trakt_sync_body_freep) TraktSyncBody *body = trakt_sync_body_new();
        struct json_object *items;
        unsigned flags = outbox_payload_flags(payload);

        if (!body)
                return -ENOMEM;
        if (streq(kind, "history_add"))
                trakt_sync_body_add_watched(body, payload_media(payload), payload_int(payload, "watched_at"), flags);
        else if (streq(kind, "rating_set"))
                trakt_sync_body_add_rating(body, payload_media(payload), (int) payload_int(payload, "rating"),
                                           payload_int(payload, "rated_at"), flags);
        else if (streq(kind, "rating_remove"))
                trakt_sync_body_add(body, payload_media(payload), flags);
        else if (json_object_object_get_ex(payload, "items", &items) && json_object_is_type(items, json_type_array)) {
                for (size_t i = 0; i < json_object_array_length(items); i++) {
                        struct json_object *it = json_object_array_get_idx(items, i), *extra = NULL;
                        (void) json_object_object_get_ex(it, "extra", &extra);
                        trakt_sync_body_add_extra(body, payload_media(it), extra, flags);
                }
        }
        *ret = trakt_sync_body_text(body);
        return *ret ? 0 : -ENOMEM;
}

static const struct {
        const char *kind;
        const char *path;
} endpoints[] = {
        { "start", "/scrobble/start" },
        { "pause", "/scrobble/pause" },
        { "stop", "/scrobble/stop" },
        { "history_add", "/sync/history" },
        { "rating_set", "/sync/ratings" },
        { "rating_remove", "/sync/ratings/remove" },
        { "collection_add", "/sync/collection" },
        { "collection_remove", "/sync/collection/remove" },
};

/* Send the row in flight (o->row, o->kind, o->payload). */
static int send_row(Outbox *o) {
        Context *c = o->context;
        _cleanup_free_ char *body = NULL;
        const char *path = NULL;
        unsigned flags = 0;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(endpoints); i++)
                if (streq(endpoints[i].kind, o->kind))
                        path = endpoints[i].path;
        if (!path)
                return -EINVAL;

        if (streq(o->kind, "start") || streq(o->kind, "pause") || streq(o->kind, "stop"))
                r = trakt_scrobble_body(payload_media(o->payload), o->kind, payload_double(o->payload, "progress"), PACKAGE_VERSION,
                                        outbox_payload_flags(o->payload), &body);
        else
                r = sync_body(o->kind, o->payload, &body);
        if (r < 0)
                return r;

        /* Adding a play is not idempotent on Trakt (§5.2): the engine must not
         * repeat it behind our back, and the attempt is on disk before it leaves,
         * so after a crash we know to look before adding again. */
        if (streq(o->kind, "history_add") || streq(o->kind, "stop")) {
                /* A stop is not resent by the engine either: the outbox decides, and
                 * one that can no longer arrive on time becomes a history add. */
                flags |= HTTP_FLAG_NO_RETRY;
                if (streq(o->kind, "history_add"))
                        flags |= HTTP_FLAG_FRESH_CONNECTION;
                if (db_outbox_set_attempts(c->db, o->row, o->attempts) < 0)
                        return -EIO;
        }
        log_debug("Outbox event %" PRId64 ": %s %s.", o->row, o->kind, path);
        return trakt_api(c, HTTP_POST, path, body, flags, on_answer, o, &o->call);
}

static int check_history(Outbox *o) {
        Context *c = o->context;
        struct json_object *w = payload_media(o->payload), *type;
        char from[32], to[32], path[256];
        int64_t at = payload_int(o->payload, "watched_at");

        if (!w || !json_object_object_get_ex(w, "type", &type))
                return -EBADMSG;
        const char *t = json_object_get_string(type);
        snprintf(path, sizeof path, "/sync/history/%s?start_at=%s&end_at=%s&limit=100",
                 streq(t, "episode") ? "episodes" : streq(t, "show") ? "shows" : "movies",
                 trakt_format_time(at - (int64_t) MATCH_WINDOW_USEC, from, sizeof from),
                 trakt_format_time(at + (int64_t) MATCH_WINDOW_USEC, to, sizeof to));
        o->checking = true;
        return trakt_api(c, HTTP_GET, path, NULL, 0, on_checked, o, &o->call);
}

/* Turn a completed stop into a history add (late, or the scrobble toggle is off). */
static void convert_to_history(Context *c, int64_t id, struct json_object *payload) {
        struct json_object *p = json_object_new_object();
        json_object_object_add(p, "media", json_object_get(payload_media(payload)));
        json_object_object_add(p, "watched_at", json_object_new_int64(payload_int(payload, "at")));
        json_object_object_add(p, "history_id", json_object_new_int64(payload_int(payload, "history_id")));
        (void) db_outbox_convert(c->db, id, "history_add", "history", json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN));
        json_object_put(p);
}

static bool toggle_on(const bool on[_KT_CATEGORY_MAX], const char *category) {
        int i = kt_category_from_string(category);
        return i >= 0 && on[i];
}

/* Pick the next row and send it. Returns > 0 when a call is in flight,
 * 0 when there is nothing to do now. */
static int deliver_next(Outbox *o) {
        Context *c = o->context;
        bool on[_KT_CATEGORY_MAX];
        DbOutboxCursor *rows = NULL;
        DbOutboxRow row;
        uint64_t now = now_realtime_usec();
        uint64_t live_window = (uint64_t) c->config.live_window_sec * USEC_PER_SEC;
        uint64_t wake = 0; /* realtime µs at which to look again, 0 = not needed */
        int r = 0;

        if (o->call || c->state != CONN_CONNECTED)
                return 0;
        if (http_blocked(c->http)) {
                /* The engine announces the end of a block only when it has work:
                 * look again in a second rather than wait for that. */
                (void) sd_event_source_set_time_relative(o->timer, USEC_PER_SEC);
                (void) sd_event_source_set_enabled(o->timer, SD_EVENT_ONESHOT);
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(on); i++) {
                on[i] = true;
                (void) db_get_toggle(c->db, kt_categories[i], &on[i]);
        }

        if (db_outbox_pending_open(c->db, &rows) < 0)
                return -EIO;

        while (db_outbox_pending_next(rows, &row) > 0) {
                int64_t id = row.id;
                const char *kind = row.kind;
                const char *category = row.category;
                const char *session = row.session;
                unsigned attempts = row.attempts;
                uint64_t next_at = row.next_attempt_at;
                struct json_object *payload = row.payload ? json_tokener_parse(row.payload) : NULL;

                if (!payload || !kind || !category) {
                        row_done(c, id, DB_OUTBOX_FAILED, "unreadable payload");
                        json_object_put(payload);
                        continue;
                }
                bool completed_stop = streq(kind, "stop") && payload_int(payload, "history_id") > 0;
                int64_t at = payload_int(payload, "at");
                if (!toggle_on(on, category)) {
                        /* Off: kept, not sent. A completed watch still belongs in Trakt's history. */
                        if (completed_stop && toggle_on(on, "history")) {
                                convert_to_history(c, id, payload);
                                json_object_put(payload);
                                r = -EAGAIN;
                                break;
                        }
                        json_object_put(payload);
                        continue;
                }
                uint64_t until;
                if (outbox_holds_held(&o->holds, category, now, &until)) {
                        /* Trakt refuses this category (or the account) for now: the
                         * others go on; look again when the hold ends. */
                        if (!wake || until < wake)
                                wake = until;
                        json_object_put(payload);
                        continue;
                }
                if (next_at > now) {
                        /* In order: the head waits for its retry time and so does what follows it. */
                        json_object_put(payload);
                        if (!wake || next_at < wake)
                                wake = next_at;
                        break;
                }

                if (streq(kind, "start") || streq(kind, "pause")) {
                        double progress = 0;
                        bool playing = false, alive = context_session_lookup(c, session, &progress, &playing);
                        if (superseded(c, id, session) || (streq(kind, "start") && (!alive || !playing))) {
                                log_debug("Outbox event %" PRId64 " (%s) is stale: dropped.", id, kind);
                                row_done(c, id, DB_OUTBOX_DROPPED, "superseded");
                                json_object_put(payload);
                                continue;
                        }
                        if (streq(kind, "start") && now - (uint64_t) at > live_window)
                                json_object_object_add(payload, "progress", json_object_new_double(progress));
                } else if (completed_stop) {
                        if (history_row_pushed(c, payload_int(payload, "history_id"))) {
                                row_done(c, id, DB_OUTBOX_SENT, "already on Trakt");
                                json_object_put(payload);
                                continue;
                        }
                        if (now - (uint64_t) at > live_window) {
                                /* Too late to be live: Trakt would date it now. */
                                log_info("Outbox event %" PRId64 ": the stop is %" PRIu64 " s old; adding it to the history with its real time instead.",
                                         id, (now - (uint64_t) at) / USEC_PER_SEC);
                                convert_to_history(c, id, payload);
                                json_object_put(payload);
                                r = -EAGAIN;
                                break;
                        }
                } else if (streq(kind, "history_add") && history_row_pushed(c, payload_int(payload, "history_id"))) {
                        row_done(c, id, DB_OUTBOX_SENT, "already on Trakt");
                        json_object_put(payload);
                        continue;
                }

                /* Media named by title: sent once Trakt's ids are known, never before;
                 * a title Trakt does not know is not sent at all. Waiting for a look-up
                 * holds this row only: other titles go on. */
                bool rewritten = false;
                PayloadState ps = resolve_payload(c, id, payload, &rewritten);
                if (ps == PAYLOAD_WAIT) {
                        json_object_put(payload);
                        continue;
                }
                if (ps == PAYLOAD_DROP) {
                        log_info("Outbox event %" PRId64 " (%s) names a title Trakt does not know: not sent.", id, kind);
                        if (streq(kind, "stop") || streq(kind, "history_add"))
                                history_row_mark_pushed(c, payload_int(payload, "history_id"), 0); /* no import sends it either */
                        row_done(c, id, DB_OUTBOX_DROPPED, "not on Trakt");
                        json_object_put(payload);
                        continue;
                }
                if (rewritten && payload_save(c, id, payload) < 0) {
                        json_object_put(payload);
                        r = -EIO;
                        break;
                }

                o->row = id;
                o->kind = strdup(kind);
                o->payload = payload;
                o->attempts = attempts + 1;
                if (!o->kind) {
                        r = -ENOMEM;
                        break;
                }
                r = streq(kind, "history_add") && attempts > 0 ? check_history(o) : send_row(o);
                if (r < 0) {
                        log_error_errno(r, "Outbox event %" PRId64 " could not be sent: %m", id);
                        row_done(c, id, DB_OUTBOX_FAILED, "could not build the request");
                        flight_clear(o);
                        r = -EAGAIN;
                        break;
                }
                r = 1;
                break;
        }
        db_outbox_pending_close(rows);
        if (r == 0 && wake > now) {
                (void) sd_event_source_set_time_relative(o->timer, wake - now);
                (void) sd_event_source_set_enabled(o->timer, SD_EVENT_ONESHOT);
        }
        return r;
}

static int on_defer(sd_event_source *s, void *userdata) {
        Outbox *o = userdata;
        int r = deliver_next(o);
        outbox_update_status(o->context);
        if (r == -EAGAIN)
                outbox_schedule(o); /* the queue changed under us: look again */
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        return on_defer(s, userdata);
}

static void outbox_schedule(Outbox *o) {
        (void) sd_event_source_set_enabled(o->defer, SD_EVENT_ONESHOT);
}

void outbox_kick(Context *c) {
        if (ob(c))
                outbox_schedule(ob(c));
}

void outbox_connection_changed(Context *c) {
        Outbox *o = ob(c);
        if (!o)
                return;
        if (c->state == CONN_CONNECTED) {
                /* (Re)connected: whatever waited for the account goes now, not after its backoff. */
                (void) db_outbox_retry_all_now(c->db);
                o->holds = (OutboxHolds) {};
                clear_failed(o);
        }
        outbox_update_status(c);
        outbox_kick(c);
}

static void on_blocked(Http *h, bool blocked, uint64_t until, void *userdata) {
        Context *c = userdata;
        outbox_update_status(c);
        if (!blocked)
                outbox_kick(c);
}

int outbox_setup(Context *c) {
        Outbox *o = calloc(1, sizeof *o);
        int r;
        if (!o)
                return -ENOMEM;
        o->context = c;
        r = sd_event_add_defer(c->event, &o->defer, on_defer, o);
        if (r >= 0)
                r = sd_event_source_set_enabled(o->defer, SD_EVENT_OFF);
        if (r >= 0)
                r = sd_event_add_time_relative(c->event, &o->timer, CLOCK_MONOTONIC, USEC_PER_SEC, USEC_PER_SEC / 4, on_timer, o);
        if (r >= 0)
                r = sd_event_source_set_enabled(o->timer, SD_EVENT_OFF);
        if (r < 0) {
                sd_event_source_disable_unref(o->defer);
                sd_event_source_disable_unref(o->timer);
                free(o);
                return r;
        }
        c->outbox = o;
        http_set_blocked_callback(c->http, on_blocked, c);

        /* Old delivered rows go; what waits stays. */
        (void) db_outbox_prune(c->db, now_realtime_usec() - KEEP_DONE_USEC);
        unsigned pending = outbox_pending(c);
        if (pending > 0)
                log_info("%u event(s) wait in the outbox.", pending);
        outbox_kick(c);
        return 0;
}

void outbox_free(Context *c) {
        Outbox *o = ob(c);
        if (!o)
                return;
        if (o->call)
                trakt_call_cancel(o->call);
        flight_clear(o);
        sd_event_source_disable_unref(o->defer);
        sd_event_source_disable_unref(o->timer);
        if (c->http)
                http_set_blocked_callback(c->http, NULL, NULL);
        free(o);
        c->outbox = NULL;
}
