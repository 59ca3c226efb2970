/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdio.h>

#include "db-library.h"
#include "db-outbox.h"
#include "db-titles.h"
#include "log.h"
#include "resolve.h"
#include "title.h"
#include "trakt-body.h"
#include "trakt-client.h"
#include "trakt-parse.h"
#include "util.h"

#define HIT_TTL_USEC (30ULL * 24 * 3600 * USEC_PER_SEC) /* Trakt's ids for a title do not change */
#define MISS_TTL_USEC (24ULL * 3600 * USEC_PER_SEC)     /* the contract: not searched again for at least a day */
#define RETRY_MIN_USEC (5 * USEC_PER_SEC)
#define RETRY_MAX_USEC (300 * USEC_PER_SEC)
#define SEARCH_LIMIT 10 /* the exact title comes first among Trakt's results; always ask for an explicit page size */
#define QUEUE_MAX 256   /* look-ups waiting at once; an outbox row asks again on the next pass */

/* One look-up: a cache key and what to ask Trakt for it. */
typedef struct Job Job;
struct Job {
        char *key;
        /* movie, show: the name to search; episode: its show as Trakt has it
         * (ids, title, year) with the episode's season and number. */
        TraktMedia what;
        int64_t *rows; /* outbox rows waiting for it */
        size_t n_rows;
        Job *next;
};

typedef struct Resolver {
        Context *context;
        Job *head;
        Job *current; /* the look-up in flight */
        TraktCall *call;
        sd_event_source *defer;
        sd_event_source *timer;
        unsigned failures;
        bool waiting; /* the retry timer runs */
} Resolver;

static Resolver *rs(Context *c) {
        return c->resolver;
}

static void job_free(Job *j) {
        if (!j)
                return;
        free(j->key);
        trakt_media_done(&j->what);
        free(j->rows);
        free(j);
}

/* ---- names and keys ---- */

bool resolve_is_name(const TraktMedia *m) {
        if (!m || !trakt_ids_empty(&m->ids))
                return false;
        switch (m->type) {
        case TRAKT_MOVIE:
        case TRAKT_SHOW:
                return !isempty(m->title);
        case TRAKT_EPISODE:
                return trakt_ids_empty(&m->show_ids) && !isempty(m->show_title) && m->number > 0;
        default:
                return false;
        }
}

/* "movie:<normalised title>:<year>", "show:…"; NULL for a title that
 * normalises to nothing (punctuation only): no search could match it. */
static char *name_key(TraktMediaType type, const char *title, unsigned year) {
        g_autofree char *norm = title_normalize(title);
        char *k = NULL;
        if (!norm || !*norm)
                return NULL;
        if (asprintf(&k, "%s:%s:%u", type == TRAKT_MOVIE ? "movie" : "show", norm, year) < 0)
                return NULL;
        return k;
}

static char *episode_key(const TraktIds *show, unsigned season, unsigned number) {
        _cleanup_free_ char *ref = trakt_show_ref(show);
        char *k = NULL;
        if (!ref || asprintf(&k, "episode:%s:%u:%u", ref, season, number) < 0)
                return NULL;
        return k;
}

/* ---- the cache (table title_cache) ---- */

static ResolveState cache_get(Context *c, const char *key, TraktMedia *ret, char **ret_closest) {
        _cleanup_free_ char *media = NULL, *closest = NULL;
        ResolveState s = RESOLVE_UNKNOWN;
        if (db_title_get(c->db, key, now_realtime_usec(), &media, ret_closest ? &closest : NULL) <= 0)
                return RESOLVE_UNKNOWN;
        if (!media) {
                s = RESOLVE_NOT_FOUND;
                if (ret_closest)
                        *ret_closest = TAKE_PTR(closest);
        } else {
                struct json_object *o = json_tokener_parse(media);
                TraktMedia m = {};
                if (o && trakt_parse_media(o, TRAKT_NONE, &m) >= 0 && !trakt_ids_empty(&m.ids)) {
                        s = RESOLVE_FOUND;
                        if (ret)
                                *ret = m;
                        else
                                trakt_media_done(&m);
                } else
                        trakt_media_done(&m); /* unreadable: looked up again */
                json_object_put(o);
        }
        return s;
}

/* Every id of the item found (and the name it was asked for by) leads to the
 * key its rows are stored under, as for items from Trakt (sync-pull.c): GetRating
 * and GetResumePoint find it whichever a player names it by. */
static void store_aliases(Context *c, const TraktMedia *found, const TraktMedia *name) {
        _cleanup_free_ char *key = trakt_media_key(found);
        char **keys = trakt_media_keys(found);
        size_t n = 0;
        while (keys && keys[n])
                n++;
        if (name && name->type != TRAKT_EPISODE)
                (void) trakt_strv_push(&keys, &n, trakt_media_key(name));
        if (key && keys)
                (void) db_aliases_add(c->db, key, keys);
        trakt_strv_free(keys);
}

static void cache_put(Context *c, const char *key, const TraktMedia *found, const char *closest) {
        uint64_t now = now_realtime_usec();
        _cleanup_free_ char *json = found ? trakt_media_wrapper_text(found) : NULL;
        if (found && !json)
                return;
        (void) db_title_put(c->db, key, json, closest, now, now + (found ? HIT_TTL_USEC : MISS_TTL_USEC));
}

/* ---- where a name stands ---- */

static char *problem_sentence(const TraktMedia *m, bool show_missing, const char *closest) {
        char *s = NULL, year[16] = "", also[512] = "";
        if (closest && strlen(closest) < 300)
                snprintf(also, sizeof also, " (its search found only other titles, such as \"%s\")", closest);
        if (m->type == TRAKT_EPISODE) {
                if (m->show_year)
                        snprintf(year, sizeof year, " (%u)", m->show_year);
                if (show_missing)
                        return asprintf(&s, "Trakt does not know the show \"%.300s\"%s%s; nothing about this episode (S%02uE%02u) was sent to Trakt.",
                                        m->show_title, year, also, m->season, m->number) < 0 ? NULL : s;
                return asprintf(&s, "Trakt's show \"%.300s\"%s has no episode S%02uE%02u; nothing about it was sent to Trakt.",
                                m->show_title, year, m->season, m->number) < 0 ? NULL : s;
        }
        if (m->year)
                snprintf(year, sizeof year, " (%u)", m->year);
        return asprintf(&s, "Trakt does not know the %s \"%.300s\"%s%s; nothing about it was sent to Trakt.",
                        trakt_media_type_to_string(m->type), m->title, year, also) < 0 ? NULL : s;
}

/* Where the name m stands. RESOLVE_UNKNOWN gives the key to look up next
 * and what to ask for it (both may be NULL). */
static ResolveState stage(Context *c, const TraktMedia *m, TraktMedia *ret_found, char **ret_problem, char **ret_key,
                          TraktMedia *ret_what) {
        _cleanup_free_ char *key = NULL, *closest = NULL;
        TraktMedia found = {};
        ResolveState s;

        if (!resolve_is_name(m))
                return RESOLVE_NAMED;
        if (m->type == TRAKT_MOVIE || m->type == TRAKT_SHOW) {
                key = name_key(m->type, m->title, m->year);
                s = key ? cache_get(c, key, &found, &closest) : RESOLVE_NOT_FOUND;
                if (s == RESOLVE_FOUND && found.type != m->type) {
                        trakt_media_done(&found);
                        s = RESOLVE_UNKNOWN;
                }
                if (s == RESOLVE_UNKNOWN && ret_what) {
                        *ret_what = (TraktMedia) { .type = m->type, .year = m->year, .title = strdup(m->title) };
                        if (!ret_what->title)
                                return RESOLVE_NAMED; /* out of memory: as if nothing were to do */
                }
                goto done;
        }

        /* An episode: its show first, then the episode by the show's ids and numbers. */
        key = name_key(TRAKT_SHOW, m->show_title, m->show_year);
        TraktMedia show = {};
        s = key ? cache_get(c, key, &show, &closest) : RESOLVE_NOT_FOUND;
        if (s == RESOLVE_FOUND && show.type != TRAKT_SHOW) {
                trakt_media_done(&show);
                s = RESOLVE_UNKNOWN;
        }
        if (s == RESOLVE_NOT_FOUND) {
                if (ret_problem)
                        *ret_problem = problem_sentence(m, true, closest);
                return s;
        }
        if (s == RESOLVE_UNKNOWN) {
                if (ret_what) {
                        *ret_what = (TraktMedia) { .type = TRAKT_SHOW, .year = m->show_year, .title = strdup(m->show_title) };
                        if (!ret_what->title)
                                return RESOLVE_NAMED;
                }
                if (ret_key)
                        *ret_key = TAKE_PTR(key);
                return s;
        }
        free(key);
        key = episode_key(&show.ids, m->season, m->number);
        free(closest);
        closest = NULL;
        /* (A show Trakt's paths cannot name: no episode can be asked for.) */
        s = key ? cache_get(c, key, &found, NULL) : RESOLVE_NOT_FOUND;
        if (s == RESOLVE_FOUND && (found.type != TRAKT_EPISODE || found.season != m->season || found.number != m->number)) {
                trakt_media_done(&found);
                s = RESOLVE_UNKNOWN;
        }
        if (s == RESOLVE_UNKNOWN && ret_what) {
                /* The show as Trakt has it, with the episode's numbers. */
                *ret_what = (TraktMedia) { .type = TRAKT_EPISODE, .season = m->season, .number = m->number };
                ret_what->show_ids = show.ids;
                ret_what->show_title = show.title;
                ret_what->show_year = show.year;
                show = (TraktMedia) {};
        }
        trakt_media_done(&show);
        if (s == RESOLVE_NOT_FOUND) {
                if (ret_problem)
                        *ret_problem = problem_sentence(m, false, NULL);
                return s;
        }
done:
        if (s == RESOLVE_FOUND) {
                if (ret_found)
                        *ret_found = found;
                else
                        trakt_media_done(&found);
        } else if (s == RESOLVE_NOT_FOUND && ret_problem)
                *ret_problem = problem_sentence(m, false, closest);
        else if (s == RESOLVE_UNKNOWN && ret_key)
                *ret_key = TAKE_PTR(key);
        return s;
}

ResolveState resolve_cached(Context *c, const TraktMedia *m, TraktMedia *ret_found, char **ret_problem) {
        return stage(c, m, ret_found, ret_problem, NULL, NULL);
}

char *resolve_lookup_key(Context *c, const TraktMedia *m) {
        char *key = NULL;
        if (stage(c, m, NULL, NULL, &key, NULL) != RESOLVE_UNKNOWN) {
                free(key);
                return NULL;
        }
        return key;
}

int resolve_fill(Context *c, TraktMedia *m, bool keep_name) {
        TraktMedia found = {};
        if (stage(c, m, &found, NULL, NULL, NULL) != RESOLVE_FOUND)
                return 0;
        if (!keep_name) {
                trakt_media_done(m);
                *m = found;
                return 0;
        }
        /* The ids only: the item is then found under its ids and under the name. */
        TraktIds ids = found.ids, show_ids = found.show_ids;
        found.ids = (TraktIds) {};
        found.show_ids = (TraktIds) {};
        m->ids = ids; /* a name has none to free */
        if (m->type == TRAKT_EPISODE)
                m->show_ids = show_ids;
        else {
                free(show_ids.imdb);
                free(show_ids.slug);
        }
        trakt_media_done(&found);
        return 0;
}

/* ---- moving what is stored under a name ---- */

void resolve_rekey(Context *c, const TraktMedia *name, const TraktMedia *found) {
        _cleanup_free_ char *old = trakt_media_key(name), *new = trakt_media_key(found);
        _cleanup_free_ char *json = trakt_media_wrapper_text(found);

        if (!old || !new || !json || streq(old, new))
                return;
        if (db_library_rekey(c->db, old, new, json) < 0)
                log_warning("Could not move what was stored under a title to Trakt's ids.");
}

/* ---- the queue of look-ups ---- */

static void resolver_schedule(Resolver *r) {
        if (r && !r->waiting)
                (void) sd_event_source_set_enabled(r->defer, SD_EVENT_ONESHOT);
}

static Job *job_find(Resolver *r, const char *key) {
        if (r->current && streq(r->current->key, key))
                return r->current;
        for (Job *j = r->head; j; j = j->next)
                if (streq(j->key, key))
                        return j;
        return NULL;
}

static void job_add_row(Job *j, int64_t row) {
        if (row <= 0)
                return;
        for (size_t i = 0; i < j->n_rows; i++)
                if (j->rows[i] == row)
                        return;
        int64_t *n = realloc(j->rows, (j->n_rows + 1) * sizeof *n);
        if (!n)
                return;
        j->rows = n;
        j->rows[j->n_rows++] = row;
}

void resolve_want(Context *c, const TraktMedia *m, int64_t row) {
        Resolver *r = rs(c);
        char *key = NULL;
        TraktMedia what = {};

        if (!r || stage(c, m, NULL, NULL, &key, &what) != RESOLVE_UNKNOWN || !key) {
                free(key);
                trakt_media_done(&what);
                return;
        }
        Job *j = job_find(r, key);
        if (j) {
                free(key);
                trakt_media_done(&what);
                job_add_row(j, row);
                return;
        }
        size_t queued = 0;
        for (Job *q = r->head; q; q = q->next)
                queued++;
        j = queued < QUEUE_MAX ? calloc(1, sizeof *j) : NULL;
        if (!j) {
                free(key);
                trakt_media_done(&what);
                return;
        }
        j->key = key;
        j->what = what;
        job_add_row(j, row);
        Job **tail = &r->head;
        while (*tail)
                tail = &(*tail)->next;
        *tail = j;
        log_debug("Looking up %s on Trakt (asked for by %s).", key, row > 0 ? "an outbox event" : "a session");
        resolver_schedule(r);
}

/* Is the look-up still wanted: an outbox row still waits for it, or a
 * session that is not incognito plays the name? */
static bool wanted(Resolver *r, Job *j) {
        Context *c = r->context;
        bool yes = false;
        for (size_t i = 0; i < j->n_rows && !yes; i++)
                if (db_outbox_is_pending(c->db, j->rows[i], &yes) < 0)
                        break;
        return yes || context_session_wants_lookup(c, j->key);
}

static void notify(Context *c) {
        context_names_resolved(c); /* the outbox and the sessions */
}

static void on_answer(Http *h, const HttpResponse *resp, void *userdata);

static int job_send(Resolver *r, Job *j) {
        Context *c = r->context;
        _cleanup_free_ char *path = NULL;

        if (j->what.type == TRAKT_EPISODE) {
                path = trakt_episode_path(&j->what.show_ids, j->what.season, j->what.number);
                if (!path) /* a show named by none of the ids a path takes is no look-up */
                        return j->what.show_ids.trakt || j->what.show_ids.slug || j->what.show_ids.imdb ? -ENOMEM : -EINVAL;
        } else {
                /* The year asked for, or one off (title_pick prefers the exact one). */
                path = trakt_search_path(j->what.type, j->what.title, j->what.year, SEARCH_LIMIT);
                if (!path)
                        return -ENOMEM;
        }
        log_debug("Title look-up %s: GET %s", j->key, path);
        return trakt_api(c, HTTP_GET, path, NULL, 0, on_answer, r, &r->call);
}

static void retry_later(Resolver *r) {
        uint64_t d = RETRY_MIN_USEC;
        for (unsigned i = 1; i < r->failures && d < RETRY_MAX_USEC; i++)
                d *= 2;
        if (d > RETRY_MAX_USEC)
                d = RETRY_MAX_USEC;
        r->waiting = true;
        (void) sd_event_source_set_time_relative(r->timer, d);
        (void) sd_event_source_set_enabled(r->timer, SD_EVENT_ONESHOT);
}

static void resolver_run(Resolver *r) {
        Context *c = r->context;
        bool changed = false;

        if (!r->call && !r->waiting && r->head && c->state == CONN_CONNECTED && http_blocked(c->http)) {
                /* Trakt said "slow down" (429): nothing is handed to the engine
                 * until that passes, so a look-up that becomes unwanted meanwhile
                 * (the session turned incognito) never leaves. */
                r->waiting = true;
                (void) sd_event_source_set_time_relative(r->timer, USEC_PER_SEC);
                (void) sd_event_source_set_enabled(r->timer, SD_EVENT_ONESHOT);
                return;
        }
        while (!r->call && !r->waiting && r->head && c->state == CONN_CONNECTED) {
                Job *j = r->head;
                if (cache_get(c, j->key, NULL, NULL) != RESOLVE_UNKNOWN || !wanted(r, j)) {
                        /* Answered meanwhile, or nothing wants it any more (an
                         * incognito session's title is never searched). */
                        if (cache_get(c, j->key, NULL, NULL) == RESOLVE_UNKNOWN)
                                log_debug("Title look-up %s: no longer wanted.", j->key);
                        else
                                changed = true;
                        r->head = j->next;
                        job_free(j);
                        continue;
                }
                int k = job_send(r, j);
                if (k < 0) {
                        log_debug_errno(k, "Title look-up %s could not be sent now: %m", j->key);
                        if (k == -EINVAL || k == -ENOMEM) {
                                r->head = j->next;
                                job_free(j);
                                continue;
                        }
                        r->failures++;
                        retry_later(r);
                        break;
                }
                r->head = j->next;
                j->next = NULL;
                r->current = j;
        }
        if (changed)
                notify(c);
}

/* "Title (year)" of the first result of the type asked for, for Problem. */
static char *closest_of(const TraktSearchResult *res, size_t n, TraktMediaType type) {
        char *s = NULL;
        for (size_t i = 0; i < n; i++) {
                if (res[i].media.type != type || isempty(res[i].media.title))
                        continue;
                if (res[i].media.year)
                        return asprintf(&s, "%.200s (%u)", res[i].media.title, res[i].media.year) < 0 ? NULL : s;
                return strndup(res[i].media.title, 200);
        }
        return NULL;
}

/* A 2xx answer: the look-up's result into the cache. false when it does not read. */
static bool take_answer(Resolver *r, Job *j, const HttpResponse *resp) {
        Context *c = r->context;

        if (j->what.type == TRAKT_EPISODE) {
                TraktMedia show = { .type = TRAKT_SHOW, .ids = j->what.show_ids, .title = j->what.show_title, .year = j->what.show_year };
                TraktMedia e = {};
                if (trakt_parse_episode(resp->json, &show, &e) < 0)
                        return false;
                if (e.season != j->what.season || e.number != j->what.number) {
                        trakt_media_done(&e);
                        return false;
                }
                cache_put(c, j->key, &e, NULL);
                store_aliases(c, &e, NULL);
                log_info("Trakt knows %s S%02uE%02u (episode %" PRIu64 ").", j->what.show_title ?: "the show", e.season, e.number,
                         e.ids.trakt);
                trakt_media_done(&e);
                return true;
        }

        TraktSearchResult *res = NULL;
        size_t n = 0;
        if (trakt_parse_search(resp->json, &res, &n) < 0)
                return false;
        TitleCandidate *cand = calloc(n + 1, sizeof *cand);
        if (!cand) {
                trakt_search_results_free(res, n);
                return false;
        }
        for (size_t i = 0; i < n; i++)
                /* Results of another type never match (a year of 0 and no title would not either). */
                cand[i] = res[i].media.type == j->what.type
                                  ? (TitleCandidate) { res[i].media.title, res[i].media.year, res[i].score }
                                  : (TitleCandidate) { "", 0, 0 };
        int k = title_pick(cand, n, j->what.title, j->what.year);
        free(cand);
        if (k >= 0) {
                cache_put(c, j->key, &res[k].media, NULL);
                store_aliases(c, &res[k].media, &j->what);
                log_info("Trakt's search: \"%s\" (%u) is %s %" PRIu64 " \"%s\" (%u).", j->what.title, j->what.year,
                         trakt_media_type_to_string(j->what.type), res[k].media.ids.trakt, res[k].media.title ?: "",
                         res[k].media.year);
        } else {
                _cleanup_free_ char *closest = closest_of(res, n, j->what.type);
                cache_put(c, j->key, NULL, closest);
                log_info("Trakt's search has no %s \"%s\" (%u)%s%s; nothing about it is sent.", trakt_media_type_to_string(j->what.type),
                         j->what.title, j->what.year, closest ? ", only others such as " : "", closest ?: "");
        }
        trakt_search_results_free(res, n);
        return true;
}

static void on_answer(Http *h, const HttpResponse *resp, void *userdata) {
        Resolver *r = userdata;
        Context *c = r->context;
        Job *j = r->current;
        long s = resp->status;
        bool done = false;

        r->call = NULL;
        r->current = NULL;
        if (!j)
                return;
        if (s >= 200 && s < 300 && resp->json)
                done = take_answer(r, j, resp);
        else if (s == 404 && j->what.type == TRAKT_EPISODE) {
                /* The show has no such episode. */
                cache_put(c, j->key, NULL, NULL);
                log_info("Trakt's %s has no episode S%02uE%02u; nothing about it is sent.", j->what.show_title ?: "show",
                         j->what.season, j->what.number);
                done = true;
        } else if (s >= 400 && s < 500 && s != 401 && s != 403 && s != 408 && s != 429) {
                /* Trakt refuses this look-up itself: asking again will not help
                 * (kept as a miss for a day, like a title it does not know). */
                log_warning("Trakt refused the look-up of %s (HTTP %ld); it is treated as not found for a day.", j->key, s);
                cache_put(c, j->key, NULL, NULL);
                done = true;
        }
        if (done) {
                r->failures = 0;
                job_free(j);
                notify(c);
        } else {
                /* No answer, or not one that reads: try again later, first in line. */
                log_warning("Could not look up %s on Trakt, trying again later: %s", j->key,
                            resp->error ?: (s >= 200 && s < 300 ? "its answer does not read." : "no answer."));
                j->next = r->head;
                r->head = j;
                r->failures++;
                retry_later(r);
        }
        resolver_schedule(r);
}

static int on_defer(sd_event_source *s, void *userdata) {
        resolver_run(userdata);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Resolver *r = userdata;
        r->waiting = false;
        resolver_run(r);
        return 0;
}

void resolve_connection_changed(Context *c) {
        Resolver *r = rs(c);
        if (!r || c->state != CONN_CONNECTED)
                return;
        /* Connected (again): what waited goes now, not after its backoff. */
        r->failures = 0;
        r->waiting = false;
        (void) sd_event_source_set_enabled(r->timer, SD_EVENT_OFF);
        resolver_schedule(r);
}

/* ---- the outbox's rows ---- */

/* One item wrapper of a payload. *ret_new gets the wrapper to use instead
 * (Trakt's item) when the name was found. */
static PayloadState resolve_wrapper(Context *c, int64_t row, struct json_object *w, struct json_object **ret_new) {
        TraktMedia m = {}, found = {};
        *ret_new = NULL;
        if (!w || trakt_parse_media(w, TRAKT_NONE, &m) < 0)
                return PAYLOAD_READY; /* not ours to judge: sent as it is */
        PayloadState p = PAYLOAD_READY;
        switch (resolve_cached(c, &m, &found, NULL)) {
        case RESOLVE_FOUND:
                *ret_new = trakt_media_wrapper(&found);
                resolve_rekey(c, &m, &found);
                break;
        case RESOLVE_NOT_FOUND:
                p = PAYLOAD_DROP;
                break;
        case RESOLVE_UNKNOWN:
                resolve_want(c, &m, row);
                p = PAYLOAD_WAIT;
                break;
        default:
                break;
        }
        trakt_media_done(&m);
        trakt_media_done(&found);
        return p;
}

PayloadState resolve_payload(Context *c, int64_t row, struct json_object *payload, bool *ret_changed) {
        struct json_object *items, *w, *nw;
        *ret_changed = false;

        if (!json_object_object_get_ex(payload, "items", &items)) {
                if (!json_object_object_get_ex(payload, "media", &w))
                        return PAYLOAD_READY;
                PayloadState p = resolve_wrapper(c, row, w, &nw);
                if (nw) {
                        json_object_object_add(payload, "media", nw);
                        *ret_changed = true;
                }
                return p;
        }
        if (!json_object_is_type(items, json_type_array))
                return PAYLOAD_READY;
        /* A batch (collection): it waits for every name in it; the items
         * Trakt does not know are taken out. */
        bool wait = false;
        struct json_object *kept = json_object_new_array();
        size_t n = json_object_array_length(items);
        for (size_t i = 0; i < n; i++) {
                struct json_object *it = json_object_array_get_idx(items, i);
                w = json_object_object_get_ex(it, "media", &w) ? w : NULL;
                PayloadState p = resolve_wrapper(c, row, w, &nw);
                if (nw) {
                        json_object_object_add(it, "media", nw);
                        *ret_changed = true;
                }
                if (p == PAYLOAD_WAIT)
                        wait = true;
                if (p == PAYLOAD_DROP)
                        *ret_changed = true;
                else
                        json_object_array_add(kept, json_object_get(it));
        }
        if (wait) {
                /* Not rewritten until every name is known: the whole batch waits. */
                json_object_put(kept);
                return PAYLOAD_WAIT;
        }
        if (json_object_array_length(kept) == 0) {
                json_object_put(kept);
                return n > 0 ? PAYLOAD_DROP : PAYLOAD_READY;
        }
        if (json_object_array_length(kept) != n)
                json_object_object_add(payload, "items", kept);
        else
                json_object_put(kept);
        return PAYLOAD_READY;
}

/* ---- life cycle ---- */

int resolve_setup(Context *c) {
        Resolver *r = calloc(1, sizeof *r);
        int k;
        if (!r)
                return -ENOMEM;
        r->context = c;
        k = sd_event_add_defer(c->event, &r->defer, on_defer, r);
        if (k >= 0)
                k = sd_event_source_set_enabled(r->defer, SD_EVENT_OFF);
        if (k >= 0)
                k = sd_event_add_time_relative(c->event, &r->timer, CLOCK_MONOTONIC, RETRY_MIN_USEC, USEC_PER_SEC / 4, on_timer, r);
        if (k >= 0)
                k = sd_event_source_set_enabled(r->timer, SD_EVENT_OFF);
        if (k < 0) {
                sd_event_source_disable_unref(r->defer);
                sd_event_source_disable_unref(r->timer);
                free(r);
                return k;
        }
        c->resolver = r;

        /* What expired is asked again anyway: it need not be kept. */
        (void) db_titles_prune(c->db, now_realtime_usec());
        return 0;
}

void resolve_free(Context *c) {
        Resolver *r = rs(c);
        if (!r)
                return;
        if (r->call)
                trakt_call_cancel(r->call);
        job_free(r->current);
        while (r->head) {
                Job *j = r->head;
                r->head = j->next;
                job_free(j);
        }
        sd_event_source_disable_unref(r->defer);
        sd_event_source_disable_unref(r->timer);
        free(r);
        c->resolver = NULL;
}
