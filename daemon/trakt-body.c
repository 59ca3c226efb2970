/* SPDX-License-Identifier: MIT */
/* Every request body sent to Trakt, and the look-up paths (trakt-body.h). */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "trakt-body.h"
#include "trakt-time.h"

/* ---- naming an item (docs/trakt-api.md §4.1, §5; Trakt's 2026 idsRequestSchema) ---- */

/* The ids an object may carry in a request: a movie any but tvdb, a show any,
 * an episode only trakt and tvdb (Trakt matches episodes by nothing else).
 * NULL when none is left. */
static struct json_object *request_ids(struct json_object *obj, const char *type) {
        struct json_object *ids, *out = NULL;
        if (!obj || !json_object_object_get_ex(obj, "ids", &ids) || !json_object_is_type(ids, json_type_object))
                return NULL;
        bool episode = streq(type, "episode");
        json_object_object_foreach(ids, k, v) {
                if (json_object_is_type(v, json_type_null))
                        continue;
                if (episode ? !(streq(k, "trakt") || streq(k, "tvdb")) : (streq(type, "movie") && streq(k, "tvdb")))
                        continue;
                if (!out)
                        out = json_object_new_object();
                json_object_object_add(out, k, json_object_get(v));
        }
        return out;
}

/* A copy of a movie/show/season object for a request: title, year and the
 * ids the request schema takes. */
static struct json_object *request_object(struct json_object *obj, const char *type) {
        struct json_object *out = json_object_new_object(), *v, *ids;
        if (json_object_object_get_ex(obj, "title", &v) && json_object_is_type(v, json_type_string))
                json_object_object_add(out, "title", json_object_get(v));
        if (json_object_object_get_ex(obj, "year", &v) && json_object_is_type(v, json_type_int))
                json_object_object_add(out, "year", json_object_get(v));
        if (json_object_object_get_ex(obj, "number", &v) && streq(type, "season"))
                json_object_object_add(out, "number", json_object_get(v));
        if ((ids = request_ids(obj, type)))
                json_object_object_add(out, "ids", ids);
        return out;
}

static bool episode_numbers(struct json_object *episode, struct json_object **ret_season, struct json_object **ret_number) {
        return json_object_object_get_ex(episode, "season", ret_season) && json_object_is_type(*ret_season, json_type_int) &&
               json_object_object_get_ex(episode, "number", ret_number) && json_object_is_type(*ret_number, json_type_int);
}

/* The parts of an item wrapper: its type and object, and for an episode its show. */
static const char *wrapper_parts(struct json_object *wrapper, struct json_object **ret_obj, struct json_object **ret_show) {
        struct json_object *type;
        *ret_obj = *ret_show = NULL;
        if (!wrapper || !json_object_is_type(wrapper, json_type_object) || !json_object_object_get_ex(wrapper, "type", &type) ||
            !json_object_is_type(type, json_type_string))
                return NULL;
        const char *t = json_object_get_string(type);
        if (!json_object_object_get_ex(wrapper, t, ret_obj) || !json_object_is_type(*ret_obj, json_type_object))
                return NULL;
        if (json_object_object_get_ex(wrapper, "show", ret_show) && !json_object_is_type(*ret_show, json_type_object))
                *ret_show = NULL;
        return t;
}

bool trakt_wrapper_episode_by_id(struct json_object *wrapper) {
        struct json_object *obj, *show;
        const char *t = wrapper_parts(wrapper, &obj, &show);
        struct json_object *ids = t && streq(t, "episode") ? request_ids(obj, "episode") : NULL;
        json_object_put(ids);
        return ids != NULL;
}

bool trakt_wrapper_episode_by_numbers(struct json_object *wrapper) {
        struct json_object *obj, *show, *season, *number;
        const char *t = wrapper_parts(wrapper, &obj, &show);
        if (!t || !streq(t, "episode") || !show || !episode_numbers(obj, &season, &number))
                return false;
        struct json_object *ids = request_ids(show, "show"), *title;
        bool named = ids || (json_object_object_get_ex(show, "title", &title) && json_object_is_type(title, json_type_string));
        json_object_put(ids);
        return named;
}

/* ---- /sync bodies (§5) ---- */

/* Append one item to the json body, with the fields of extra (taken over,
 * may be NULL) merged into it. */
static void body_add(struct json_object *body, struct json_object *wrapper, struct json_object *extra, unsigned flags) {
        struct json_object *obj, *show, *list, *season_n, *number_n;
        const char *t = wrapper_parts(wrapper, &obj, &show);
        if (!t)
                goto out;
        const char *arr = streq(t, "movie") ? "movies" : streq(t, "show") ? "shows" : streq(t, "season") ? "seasons" : "episodes";
        bool by_id = streq(t, "episode") && !(flags & TRAKT_BODY_BY_NUMBERS) && trakt_wrapper_episode_by_id(wrapper);

        if (streq(t, "episode") && !by_id && trakt_wrapper_episode_by_numbers(wrapper) && episode_numbers(obj, &season_n, &number_n)) {
                /* No trakt/tvdb id of its own (or asked to): named by its show and
                 * numbers, shows[{…show, seasons[{number, episodes[{number, extra…}]}]}] (§5.2). */
                struct json_object *s = request_object(show, "show"), *season = json_object_new_object(),
                                   *ep = json_object_new_object(), *seasons = json_object_new_array(),
                                   *eps = json_object_new_array();
                json_object_object_add(season, "number", json_object_get(season_n));
                json_object_object_add(ep, "number", json_object_get(number_n));
                if (extra) {
                        json_object_object_foreach(extra, k, val) json_object_object_add(ep, k, json_object_get(val));
                }
                json_object_array_add(eps, ep);
                json_object_object_add(season, "episodes", eps);
                json_object_array_add(seasons, season);
                json_object_object_add(s, "seasons", seasons);
                arr = "shows";
                obj = s;
        } else {
                struct json_object *copy;
                if (streq(t, "episode")) {
                        /* By its trakt/tvdb id; with neither and no show to name it by,
                         * the ids it has are the best left (Trakt will say not_found). */
                        struct json_object *ids = by_id ? request_ids(obj, "episode") : NULL, *all;
                        copy = json_object_new_object();
                        if (!ids && json_object_object_get_ex(obj, "ids", &all))
                                ids = json_object_get(all);
                        if (ids)
                                json_object_object_add(copy, "ids", ids);
                } else
                        copy = request_object(obj, t);
                if (extra) {
                        json_object_object_foreach(extra, k, val) json_object_object_add(copy, k, json_object_get(val));
                }
                obj = copy;
        }
        if (!json_object_object_get_ex(body, arr, &list)) {
                list = json_object_new_array();
                json_object_object_add(body, arr, list);
        }
        json_object_array_add(list, obj);
out:
        json_object_put(extra);
}

struct TraktSyncBody {
        struct json_object *o;
};

TraktSyncBody *trakt_sync_body_new(void) {
        TraktSyncBody *b = calloc(1, sizeof *b);
        if (b && !(b->o = json_object_new_object())) {
                free(b);
                return NULL;
        }
        return b;
}

TraktSyncBody *trakt_sync_body_free(TraktSyncBody *b) {
        if (b) {
                json_object_put(b->o);
                free(b);
        }
        return NULL;
}

void trakt_sync_body_add(TraktSyncBody *b, struct json_object *wrapper, unsigned flags) {
        body_add(b->o, wrapper, NULL, flags);
}

/* A time in Trakt's format, as a new json string. */
static struct json_object *time_string(int64_t usec) {
        char when[32];
        return json_object_new_string(trakt_format_time(usec, when, sizeof when));
}

void trakt_sync_body_add_watched(TraktSyncBody *b, struct json_object *wrapper, int64_t watched_at, unsigned flags) {
        struct json_object *extra = json_object_new_object();
        json_object_object_add(extra, "watched_at", time_string(watched_at));
        body_add(b->o, wrapper, extra, flags);
}

void trakt_sync_body_add_rating(TraktSyncBody *b, struct json_object *wrapper, int rating, int64_t rated_at, unsigned flags) {
        struct json_object *extra = json_object_new_object();
        json_object_object_add(extra, "rating", json_object_new_int(rating));
        json_object_object_add(extra, "rated_at", time_string(rated_at));
        body_add(b->o, wrapper, extra, flags);
}

struct json_object *trakt_collected_extra(const TraktCollected *c) {
        struct json_object *x = json_object_new_object();
        json_object_object_add(x, "collected_at", time_string(c->collected_at));
        const char *const keys[] = { "media_type", "resolution", "hdr", "audio", "audio_channels" };
        const char *const values[] = { c->media_type, c->resolution, c->hdr, c->audio, c->audio_channels };
        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                if (values[i])
                        json_object_object_add(x, keys[i], json_object_new_string(values[i]));
        if (c->is_3d)
                json_object_object_add(x, "3d", json_object_new_boolean(1));
        return x;
}

void trakt_sync_body_add_collected(TraktSyncBody *b, struct json_object *wrapper, const TraktCollected *c, unsigned flags) {
        body_add(b->o, wrapper, trakt_collected_extra(c), flags);
}

void trakt_sync_body_add_extra(TraktSyncBody *b, struct json_object *wrapper, struct json_object *extra, unsigned flags) {
        body_add(b->o, wrapper, json_object_is_type(extra, json_type_object) ? json_object_get(extra) : NULL, flags);
}

char *trakt_sync_body_text(const TraktSyncBody *b) {
        return strdup(json_object_to_json_string_ext(b->o, JSON_C_TO_STRING_PLAIN));
}

/* ---- scrobbles (§4) ---- */

double trakt_scrobble_progress(const char *action, double progress) {
        if (!isfinite(progress) || progress < 0)
                progress = 0;
        if (progress > 100)
                progress = 100;
        /* Two decimals, never rounded up: 79.996 must not become 80.00. The
         * nudge keeps a value that already has two decimals (79.99 is
         * 7998.999… once multiplied) from losing one. */
        progress = floor(progress * 100 + 1e-9) / 100;
        /* A pause Trakt accepts is 1 % to under 80 % (§4.2: 422 otherwise). */
        if (streq(action, "pause")) {
                if (progress < 1)
                        progress = 1;
                if (progress >= 80)
                        progress = 79.99;
        }
        return progress;
}

static struct json_object *scrobble_body(struct json_object *wrapper, const char *action, double progress, const char *app_version,
                                         unsigned flags) {
        struct json_object *obj, *show, *season_n, *number_n;
        const char *t = wrapper_parts(wrapper, &obj, &show);
        char num[32];

        if (!t || (!streq(t, "movie") && !streq(t, "episode")))
                return NULL;
        struct json_object *body = json_object_new_object();
        if (streq(t, "movie"))
                json_object_object_add(body, "movie", request_object(obj, "movie"));
        else {
                bool by_id = !(flags & TRAKT_BODY_BY_NUMBERS) && trakt_wrapper_episode_by_id(wrapper);
                bool numbers = trakt_wrapper_episode_by_numbers(wrapper) && episode_numbers(obj, &season_n, &number_n);
                struct json_object *ep = json_object_new_object(), *all;
                if (by_id)
                        json_object_object_add(ep, "ids", request_ids(obj, "episode"));
                else if (!numbers && json_object_object_get_ex(obj, "ids", &all))
                        json_object_object_add(ep, "ids", json_object_get(all));
                /* The show and the numbers go along (§4.1's third form): by them
                 * Trakt finds the episode when the ids do not name it. */
                if (numbers) {
                        json_object_object_add(ep, "season", json_object_get(season_n));
                        json_object_object_add(ep, "number", json_object_get(number_n));
                }
                json_object_object_add(body, "episode", ep);
                if (numbers)
                        json_object_object_add(body, "show", request_object(show, "show"));
        }
        snprintf(num, sizeof num, "%.2f", trakt_scrobble_progress(action, progress));
        json_object_object_add(body, "progress", json_object_new_double_s(strtod(num, NULL), num));
        if (app_version)
                json_object_object_add(body, "app_version", json_object_new_string(app_version));
        return body;
}

int trakt_scrobble_body(struct json_object *wrapper, const char *action, double progress, const char *app_version, unsigned flags,
                        char **ret) {
        struct json_object *body = scrobble_body(wrapper, action, progress, app_version, flags);
        if (!body)
                return -EBADMSG;
        *ret = strdup(json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN));
        json_object_put(body);
        return *ret ? 0 : -ENOMEM;
}

/* ---- OAuth (docs/trakt-api.md §2) ---- */

#define OOB_REDIRECT "urn:ietf:wg:oauth:2.0:oob"

/* {"k1":"v1",…} of n string members, in order; NULL when a value is NULL. */
static char *string_object(size_t n, const char *const keys[], const char *const values[]) {
        struct json_object *o = json_object_new_object();
        char *text = NULL;
        for (size_t i = 0; o && i < n; i++) {
                struct json_object *v = values[i] ? json_object_new_string(values[i]) : NULL;
                if (!v || json_object_object_add(o, keys[i], v) < 0) {
                        json_object_put(v);
                        goto out;
                }
        }
        if (o)
                text = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
out:
        json_object_put(o);
        return text;
}

char *trakt_oauth_device_code_body(const char *client_id) {
        return string_object(1, (const char *const[]) { "client_id" }, (const char *const[]) { client_id });
}

char *trakt_oauth_device_token_body(const char *device_code, const char *client_id, const char *client_secret) {
        return string_object(3, (const char *const[]) { "code", "client_id", "client_secret" },
                             (const char *const[]) { device_code, client_id, client_secret });
}

char *trakt_oauth_refresh_body(const char *refresh_token, const char *client_id, const char *client_secret) {
        return string_object(5, (const char *const[]) { "refresh_token", "client_id", "client_secret", "redirect_uri", "grant_type" },
                             (const char *const[]) { refresh_token, client_id, client_secret, OOB_REDIRECT, "refresh_token" });
}

char *trakt_oauth_revoke_body(const char *access_token, const char *client_id, const char *client_secret) {
        return string_object(3, (const char *const[]) { "token", "client_id", "client_secret" },
                             (const char *const[]) { access_token, client_id, client_secret });
}

/* ---- look-ups (docs/trakt-api.md §8) ---- */

char *trakt_search_query(const char *title) {
        static const char special[] = "+-&|!(){}[]^\"~*?:/\\";
        GString *g = g_string_new(NULL);
        for (const char *p = title ? title : ""; *p; p++) {
                if (strchr(special, *p))
                        g_string_append_c(g, '\\');
                g_string_append_c(g, *p);
        }
        return g_string_free(g, FALSE);
}

char *trakt_search_path(TraktMediaType type, const char *title, unsigned year, unsigned limit) {
        g_autofree char *query = trakt_search_query(title);
        g_autofree char *q = query ? g_uri_escape_string(query, NULL, FALSE) : NULL;
        char years[32] = "", *path = NULL;
        if (!q)
                return NULL;
        if (year)
                snprintf(years, sizeof years, "&years=%u-%u", year - 1, year + 1);
        if (asprintf(&path, "/search/%s?query=%s&limit=%u%s", type == TRAKT_MOVIE ? "movie" : "show", q, limit, years) < 0)
                return NULL;
        return path;
}

char *trakt_show_ref(const TraktIds *show) {
        char *s = NULL;
        if (show->trakt)
                return asprintf(&s, "%" PRIu64, show->trakt) < 0 ? NULL : s;
        if (show->slug || show->imdb) {
                g_autofree char *e = g_uri_escape_string(show->slug ?: show->imdb, NULL, FALSE);
                return e ? strdup(e) : NULL;
        }
        return NULL;
}

char *trakt_episode_path(const TraktIds *show, unsigned season, unsigned number) {
        _cleanup_free_ char *ref = trakt_show_ref(show);
        char *path = NULL;
        if (!ref || asprintf(&path, "/shows/%s/seasons/%u/episodes/%u", ref, season, number) < 0)
                return NULL;
        return path;
}
