/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>

#include "db-cursors.h"
#include "db-history.h"
#include "db-library.h"
#include "db-outbox.h"
#include "db-push.h"
#include "activity.h"
#include "log.h"
#include "outbox.h"
#include "resolve.h"
#include "trakt-body.h"
#include "trakt-parse.h"
#include "util.h"

#define SAME_PLAY_WINDOW_USEC (60 * USEC_PER_SEC)
#define COLLECTION_BATCH 100

bool activity_linked(Context *c) {
        return c->state == CONN_CONNECTED || c->state == CONN_EXPIRED;
}

static bool toggle(Context *c, const char *category) {
        bool on = true;
        (void) db_get_toggle(c->db, category, &on);
        return on;
}

/* Stored form of an item: its key and the wrapper JSON text. */
typedef struct Stored {
        char *key;
        struct json_object *wrapper;
        const char *json;
} Stored;

static void stored_done(Stored *s) {
        free(s->key);
        json_object_put(s->wrapper);
}

static int stored_init(Stored *s, const TraktMedia *m) {
        *s = (Stored) {};
        s->key = trakt_media_key(m);
        s->wrapper = trakt_media_wrapper(m);
        if (!s->key || !s->wrapper) {
                stored_done(s);
                return -EINVAL;
        }
        s->json = json_object_to_json_string_ext(s->wrapper, JSON_C_TO_STRING_PLAIN);
        return 0;
}

static int begin(Context *c) {
        return db_begin(c->db);
}

static int end(Context *c, int r) {
        if (r < 0) {
                (void) db_rollback(c->db);
                return r;
        }
        r = db_commit(c->db);
        if (r < 0)
                (void) db_rollback(c->db);
        return r;
}

static struct json_object *live_payload(const Stored *s, double progress, uint64_t at) {
        struct json_object *p = json_object_new_object();
        json_object_object_add(p, "media", json_object_get(s->wrapper));
        json_object_object_add(p, "progress", json_object_new_double(progress));
        json_object_object_add(p, "at", json_object_new_int64((int64_t) at));
        return p;
}

static int enqueue(Context *c, const char *kind, const char *category, const char *session, struct json_object *payload) {
        int64_t id = outbox_add(c, kind, category, session, payload);
        json_object_put(payload);
        return id < 0 ? (int) id : 0;
}

/* The status properties are recomputed by the outbox's next turn, after the
 * method has replied: a caller never waits for PropertiesChanged. */
static void after(Context *c, int r) {
        if (r >= 0)
                outbox_kick(c);
}

int activity_live_event(Context *c, const char *kind, const TraktMedia *m, double progress, const char *session) {
        Stored s;
        int r;

        if (!activity_linked(c) || !toggle(c, "scrobble"))
                return 0;
        r = stored_init(&s, m);
        if (r < 0)
                return r;
        r = enqueue(c, kind, "scrobble", session, live_payload(&s, progress, now_realtime_usec()));
        stored_done(&s);
        after(c, r);
        return r;
}

int activity_paused(Context *c, const char *kind, const TraktMedia *m, double progress, bool private_, const char *session, uid_t uid) {
        uint64_t now = now_realtime_usec();
        Stored s;
        int r = stored_init(&s, m);
        if (r < 0)
                return r;
        r = begin(c);
        if (r >= 0 && private_ && uid != ACTIVITY_NO_UID)
                r = db_resume_set_private(c->db, uid, s.key, s.json, progress, (int64_t) now);
        else if (r >= 0)
                r = db_resume_set(c->db, s.key, s.json, progress, (int64_t) now);
        if (r >= 0 && !private_ && activity_linked(c) && toggle(c, "scrobble"))
                r = enqueue(c, kind, "scrobble", session, live_payload(&s, progress, now));
        r = end(c, r);
        stored_done(&s);
        after(c, r);
        return r;
}

typedef struct KeyList {
        char **keys;
        size_t n;
} KeyList;

static int push_key(const char *media_key, void *userdata) {
        KeyList *l = userdata;
        return trakt_strv_push(&l->keys, &l->n, strdup(media_key));
}

char **activity_media_keys(Context *c, const TraktMedia *m) {
        KeyList l = { .keys = trakt_media_keys(m) };
        int r = 0;

        if (!l.keys)
                return NULL;
        while (l.keys[l.n])
                l.n++;
        for (size_t i = 0, given = l.n; i < given && r >= 0; i++)
                r = db_alias_lookup(c->db, l.keys[i], push_key, &l);
        if (r < 0) {
                trakt_strv_free(l.keys);
                return NULL;
        }
        return l.keys;
}

/* A watch ended: the user's own private resume point goes; the household's
 * only when the watch was not private (a private one leaves no trace another
 * user could see, not even a resume point that vanished). */
static int clear_resume(Context *c, const TraktMedia *m, bool private_, uid_t uid) {
        char **keys = activity_media_keys(c, m);
        int r = 0;
        for (size_t i = 0; keys && keys[i] && r >= 0; i++) {
                if (uid != ACTIVITY_NO_UID)
                        r = db_resume_delete_private(c->db, uid, keys[i]);
                if (r >= 0 && !private_)
                        r = db_resume_delete(c->db, keys[i]);
        }
        trakt_strv_free(keys);
        return r;
}

static int insert_play(Context *c, const Stored *s, uint64_t watched_at, bool private_, bool queued, uid_t uid,
                       int64_t *ret_id) {
        int64_t id = db_history_add_local(c->db, s->key, s->json, (int64_t) watched_at, private_, queued ? DB_PUSHED_QUEUED : DB_PUSHED_NO,
                                          uid); /* ACTIVITY_NO_UID is the db layer's "no uid", (uid_t) -1 */
        if (id < 0)
                return (int) id;
        *ret_id = id;
        return 0;
}

int activity_completed(Context *c, const TraktMedia *m, double progress, bool private_, const char *session, uid_t uid) {
        uint64_t now = now_realtime_usec();
        bool queue = !private_ && activity_linked(c);
        int64_t row = 0;
        Stored s;
        int r = stored_init(&s, m);
        if (r < 0)
                return r;

        r = begin(c);
        if (r >= 0)
                r = insert_play(c, &s, now, private_, queue, uid, &row);
        if (r >= 0)
                r = clear_resume(c, m, private_, uid);
        if (r >= 0 && queue) {
                struct json_object *p = live_payload(&s, progress, now);
                json_object_object_add(p, "history_id", json_object_new_int64(row));
                if (toggle(c, "scrobble"))
                        r = enqueue(c, "stop", "scrobble", session, p);
                else {
                        /* Live scrobbling off: the watch still reaches Trakt's history. */
                        json_object_object_add(p, "watched_at", json_object_new_int64((int64_t) now));
                        r = enqueue(c, "history_add", "history", session, p);
                }
        }
        r = end(c, r);
        if (r >= 0)
                log_info("Completed watch recorded (history row %" PRId64 "%s).", row, private_ ? ", private" : "");
        stored_done(&s);
        after(c, r);
        return r;
}

/* A local play of one of the item's keys within a minute of at? */
static int same_play_exists(Context *c, const TraktMedia *m, uint64_t at) {
        char **keys = trakt_media_keys(m);
        bool found = false;
        int r = 0;
        for (size_t i = 0; keys && keys[i] && r >= 0 && !found; i++)
                r = db_history_same_play(c->db, keys[i], (int64_t) (at - SAME_PLAY_WINDOW_USEC), (int64_t) (at + SAME_PLAY_WINDOW_USEC),
                                         &found);
        trakt_strv_free(keys);
        return r < 0 ? r : found;
}

int activity_mark_watched(Context *c, const TraktMedia *m, uint64_t watched_at) {
        bool queue = activity_linked(c);
        int64_t row = 0;
        Stored s;
        int r = stored_init(&s, m);
        if (r < 0)
                return r;
        r = begin(c);
        if (r >= 0) {
                r = same_play_exists(c, m, watched_at);
                if (r > 0) {
                        log_info("MarkWatched: that play is already in the history; not adding it twice.");
                        r = end(c, 0);
                        stored_done(&s);
                        return r;
                }
        }
        if (r >= 0)
                r = insert_play(c, &s, watched_at, false, queue, ACTIVITY_NO_UID, &row);
        if (r >= 0 && queue) {
                struct json_object *p = json_object_new_object();
                json_object_object_add(p, "media", json_object_get(s.wrapper));
                json_object_object_add(p, "watched_at", json_object_new_int64((int64_t) watched_at));
                json_object_object_add(p, "history_id", json_object_new_int64(row));
                r = enqueue(c, "history_add", "history", NULL, p);
        }
        r = end(c, r);
        stored_done(&s);
        after(c, r);
        return r;
}

int activity_rate(Context *c, const TraktMedia *m, unsigned rating) {
        bool queue = activity_linked(c);
        uint64_t now = now_realtime_usec();
        char **keys = activity_media_keys(c, m);
        Stored s;
        int r = stored_init(&s, m);
        if (r < 0) {
                trakt_strv_free(keys);
                return r;
        }
        r = begin(c);
        /* The item may be stored under another of its ids (from Trakt): one rating per item. */
        for (size_t i = 0; keys && keys[i] && r >= 0; i++)
                if (!streq(keys[i], s.key))
                        r = db_rating_delete(c->db, keys[i]);
        if (r >= 0 && rating > 0)
                r = db_rating_set(c->db, s.key, s.json, (int) rating, (int64_t) now, queue ? DB_PUSHED_QUEUED : DB_PUSHED_NO);
        else if (r >= 0)
                r = db_rating_delete(c->db, s.key);
        /* Trakt's picks depend on ratings: the next sweep fetches them again. */
        if (r >= 0)
                r = db_recommendations_clear(c->db);
        if (r >= 0)
                r = db_cursors_forget_recommendations(c->db);
        if (r >= 0 && queue) {
                struct json_object *p = json_object_new_object();
                json_object_object_add(p, "media", json_object_get(s.wrapper));
                if (rating > 0) {
                        json_object_object_add(p, "rating", json_object_new_int((int) rating));
                        json_object_object_add(p, "rated_at", json_object_new_int64((int64_t) now));
                }
                r = enqueue(c, rating > 0 ? "rating_set" : "rating_remove", "ratings", NULL, p);
        }
        r = end(c, r);
        trakt_strv_free(keys);
        stored_done(&s);
        after(c, r);
        return r;
}

static int flush_batch(Context *c, const char *kind, struct json_object **items) {
        if (!*items || json_object_array_length(*items) == 0)
                return 0;
        struct json_object *p = json_object_new_object();
        json_object_object_add(p, "items", *items);
        *items = NULL;
        return enqueue(c, kind, "collection", NULL, p);
}

int activity_collection(Context *c, const CollectionEntry *added, size_t n_added, const TraktMedia *removed, size_t n_removed) {
        bool queue = activity_linked(c);
        uint64_t now = now_realtime_usec();
        struct json_object *batch = NULL;
        int r = begin(c);

        for (size_t i = 0; i < n_added && r >= 0; i++) {
                const CollectionEntry *e = &added[i];
                Stored s;
                r = stored_init(&s, &e->media);
                if (r < 0)
                        break;
                const DbCollectionMeta meta = {
                        .media_type = e->media_type,
                        .resolution = e->resolution,
                        .hdr = e->hdr,
                        .audio = e->audio,
                        .audio_channels = e->audio_channels,
                        .is_3d = e->is_3d,
                };
                r = db_collection_set(c->db, s.key, s.json, (int64_t) now, &meta, queue ? DB_PUSHED_QUEUED : DB_PUSHED_NO);
                if (r >= 0 && queue) {
                        if (!batch)
                                batch = json_object_new_array();
                        struct json_object *it = json_object_new_object();
                        json_object_object_add(it, "media", json_object_get(s.wrapper));
                        json_object_object_add(it, "extra",
                                               trakt_collected_extra(&(TraktCollected) {
                                                       .collected_at = (int64_t) now,
                                                       .media_type = e->media_type,
                                                       .resolution = e->resolution,
                                                       .hdr = e->hdr,
                                                       .audio = e->audio,
                                                       .audio_channels = e->audio_channels,
                                                       .is_3d = e->is_3d,
                                               }));
                        json_object_array_add(batch, it);
                        if (json_object_array_length(batch) >= COLLECTION_BATCH)
                                r = flush_batch(c, "collection_add", &batch);
                }
                stored_done(&s);
        }
        if (r >= 0)
                r = flush_batch(c, "collection_add", &batch);

        for (size_t i = 0; i < n_removed && r >= 0; i++) {
                char **keys = trakt_media_keys(&removed[i]);
                for (size_t k = 0; keys && keys[k] && r >= 0; k++)
                        r = db_collection_delete(c->db, keys[k]);
                trakt_strv_free(keys);
                if (r >= 0 && queue) {
                        struct json_object *w = trakt_media_wrapper(&removed[i]);
                        if (!w) {
                                r = -EINVAL;
                                break;
                        }
                        if (!batch)
                                batch = json_object_new_array();
                        struct json_object *it = json_object_new_object();
                        json_object_object_add(it, "media", w);
                        json_object_array_add(batch, it);
                        if (json_object_array_length(batch) >= COLLECTION_BATCH)
                                r = flush_batch(c, "collection_remove", &batch);
                }
        }
        if (r >= 0)
                r = flush_batch(c, "collection_remove", &batch);
        json_object_put(batch);
        r = end(c, r);
        after(c, r);
        return r;
}

int activity_withdraw(Context *c, const char *session, uint64_t since) {
        int n = 0;
        int r = begin(c);
        /* The watches they carried stay here, private: no later import pushes them. */
        if (r >= 0)
                r = n = db_outbox_withdraw(c->db, session, since);
        r = end(c, r);
        after(c, r);
        return r < 0 ? r : n;
}

/* ---- local rows named by title, before an import pushes them ---- */

typedef struct NamedRow {
        int64_t id;
        TraktMedia media;
        struct json_object *payload; /* the outbox payload, when it is queued */
} NamedRow;

static const struct {
        const char *words;
        const char *kind, *category;
} named_tables[_DB_PUSH_TABLE_MAX] = {
        [DB_PUSH_HISTORY] = { "history", "history_add", "history" },
        [DB_PUSH_RATINGS] = { "ratings", "rating_set", "ratings" },
        [DB_PUSH_COLLECTION] = { "collection", "collection_add", "collection" },
};

static struct json_object *named_payload(DbPushTable t, const DbPushRow *row, int64_t id) {
        struct json_object *p = json_object_new_object(), *w = json_tokener_parse(row->media);
        if (t == DB_PUSH_HISTORY) {
                json_object_object_add(p, "media", w);
                json_object_object_add(p, "watched_at", json_object_new_int64(row->at));
                json_object_object_add(p, "history_id", json_object_new_int64(id));
        } else if (t == DB_PUSH_RATINGS) {
                json_object_object_add(p, "media", w);
                json_object_object_add(p, "rating", json_object_new_int(row->rating));
                json_object_object_add(p, "rated_at", json_object_new_int64(row->at));
        } else {
                struct json_object *it = json_object_new_object(), *items = json_object_new_array();
                struct json_object *x = trakt_collected_extra(&(TraktCollected) {
                        .collected_at = row->at,
                        .media_type = row->media_type,
                        .resolution = row->resolution,
                        .hdr = row->hdr,
                        .audio = row->audio,
                        .audio_channels = row->audio_channels,
                        .is_3d = row->is_3d,
                });
                json_object_object_add(it, "media", w);
                json_object_object_add(it, "extra", x);
                json_object_array_add(items, it);
                json_object_object_add(p, "items", items);
        }
        return p;
}

typedef struct NamedRows {
        DbPushTable table;
        NamedRow *rows;
        size_t n;
} NamedRows;

/* Keep the rows whose media is a name, with the payload that queues them. */
static int keep_named(const DbPushRow *row, void *userdata) {
        NamedRows *l = userdata;
        struct json_object *w = row->media ? json_tokener_parse(row->media) : NULL;
        TraktMedia m = {};
        bool name = w && trakt_parse_media(w, TRAKT_NONE, &m) >= 0 && resolve_is_name(&m);
        json_object_put(w);
        if (!name) {
                trakt_media_done(&m);
                return 0;
        }
        NamedRow *nr = realloc(l->rows, (l->n + 1) * sizeof *l->rows);
        if (!nr) {
                trakt_media_done(&m);
                return -ENOMEM;
        }
        l->rows = nr;
        l->rows[l->n++] = (NamedRow) { .id = row->id, .media = m, .payload = named_payload(l->table, row, row->id) };
        return 0;
}

int activity_queue_names(Context *c, DbPushTable t) {
        NamedRows l = { .table = t };
        int r = 0, queued = 0;

        if (t < 0 || t >= _DB_PUSH_TABLE_MAX)
                return -EINVAL;
        r = db_push_each(c->db, t, 0, keep_named, &l);
        NamedRow *rows = l.rows;
        size_t n = l.n;

        for (size_t i = 0; i < n && r >= 0; i++) {
                TraktMedia found = {};
                if (resolve_cached(c, &rows[i].media, &found, NULL) == RESOLVE_FOUND) {
                        /* Known: the row becomes Trakt's item, and the push sends it so. */
                        resolve_rekey(c, &rows[i].media, &found);
                        trakt_media_done(&found);
                        continue;
                }
                r = begin(c);
                if (r >= 0)
                        r = enqueue(c, named_tables[t].kind, named_tables[t].category, NULL, json_object_get(rows[i].payload));
                if (r >= 0)
                        r = db_push_mark(c->db, t, &rows[i].id, 1, DB_PUSHED_QUEUED);
                r = end(c, r);
                if (r >= 0)
                        queued++;
        }
        for (size_t i = 0; i < n; i++) {
                trakt_media_done(&rows[i].media);
                json_object_put(rows[i].payload);
        }
        free(rows);
        if (queued > 0)
                log_info("%d local %s item(s) named by title wait for Trakt's ids in the outbox instead of being pushed as names.",
                         queued, named_tables[t].words);
        after(c, r);
        return r < 0 ? r : queued;
}
