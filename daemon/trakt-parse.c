/* SPDX-License-Identifier: MIT */
/* Trakt's answers from their json-c tree (trakt-parse.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trakt-parse.h"
#include "trakt-time.h"

/* ---- small accessors: tolerant of null and of numbers sent as strings ---- */

static struct json_object *get(struct json_object *o, const char *key) {
        struct json_object *v = NULL;
        if (!o || !json_object_is_type(o, json_type_object))
                return NULL;
        if (!json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
                return NULL;
        return v;
}

static struct json_object *get_object(struct json_object *o, const char *key) {
        struct json_object *v = get(o, key);
        return v && json_object_is_type(v, json_type_object) ? v : NULL;
}

static const char *get_string(struct json_object *o, const char *key) {
        struct json_object *v = get(o, key);
        return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static char *dup_string(struct json_object *o, const char *key) {
        const char *s = get_string(o, key);
        return s ? strdup(s) : NULL;
}

/* An integer, or a string holding one; false when absent or not a number. */
static bool get_int(struct json_object *o, const char *key, int64_t *ret) {
        struct json_object *v = get(o, key);
        if (!v)
                return false;
        if (json_object_is_type(v, json_type_int)) {
                *ret = json_object_get_int64(v);
                return true;
        }
        if (json_object_is_type(v, json_type_double)) {
                double d = json_object_get_double(v);
                if (d != d || d < -9e18 || d > 9e18)
                        return false;
                *ret = (int64_t) d;
                return true;
        }
        if (json_object_is_type(v, json_type_string)) {
                const char *s = json_object_get_string(v);
                char *end;
                errno = 0;
                long long n = strtoll(s, &end, 10);
                if (errno || end == s || *end)
                        return false;
                *ret = n;
                return true;
        }
        return false;
}

static bool get_double(struct json_object *o, const char *key, double *ret) {
        struct json_object *v = get(o, key);
        if (!v)
                return false;
        if (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)) {
                *ret = json_object_get_double(v);
                return *ret == *ret;
        }
        if (json_object_is_type(v, json_type_string)) {
                char *end;
                const char *s = json_object_get_string(v);
                double d = strtod(s, &end);
                if (end == s || *end || d != d)
                        return false;
                *ret = d;
                return true;
        }
        return false;
}

static bool get_time(struct json_object *o, const char *key, int64_t *ret) {
        const char *s = get_string(o, key);
        return s && trakt_parse_time(s, ret) >= 0;
}

static uint64_t get_id(struct json_object *ids, const char *key) {
        int64_t v;
        return get_int(ids, key, &v) && v > 0 ? (uint64_t) v : 0;
}

/* ---- media ---- */

static void parse_ids(struct json_object *o, TraktIds *ids) {
        struct json_object *i = get_object(o, "ids");
        ids->trakt = get_id(i, "trakt");
        ids->tmdb = get_id(i, "tmdb");
        ids->tvdb = get_id(i, "tvdb");
        ids->imdb = dup_string(i, "imdb");
        ids->slug = dup_string(i, "slug");
        if (ids->imdb && !*ids->imdb) {
                free(ids->imdb);
                ids->imdb = NULL;
        }
}

static unsigned get_small(struct json_object *o, const char *key) {
        int64_t v;
        return get_int(o, key, &v) && v > 0 && v < 100000 ? (unsigned) v : 0;
}

static void parse_title_year(struct json_object *o, char **title, unsigned *year) {
        *title = dup_string(o, "title");
        *year = get_small(o, "year");
}

int trakt_parse_media(struct json_object *o, TraktMediaType hint, TraktMedia *ret) {
        TraktMedia m = {};
        struct json_object *movie, *show, *episode, *season;

        if (!o || !json_object_is_type(o, json_type_object))
                return -EBADMSG;

        if (hint == TRAKT_MOVIE || hint == TRAKT_SHOW) {
                /* A bare object (recommendations). */
                if (!get_object(o, "ids") && !get_string(o, "title")) {
                        movie = get_object(o, hint == TRAKT_MOVIE ? "movie" : "show");
                        if (movie)
                                o = movie;
                }
                m.type = hint;
                parse_ids(o, &m.ids);
                parse_title_year(o, &m.title, &m.year);
                m.runtime = get_small(o, "runtime");
                goto check;
        }

        movie = get_object(o, "movie");
        show = get_object(o, "show");
        episode = get_object(o, "episode");
        season = get_object(o, "season");
        const char *type = get_string(o, "type");
        TraktMediaType t = trakt_media_type_from_string(type);
        if (t == TRAKT_NONE)
                t = episode ? TRAKT_EPISODE : season ? TRAKT_SEASON : movie ? TRAKT_MOVIE : show ? TRAKT_SHOW : TRAKT_NONE;

        m.type = t;
        switch (t) {
        case TRAKT_MOVIE:
                if (!movie)
                        return -EBADMSG;
                parse_ids(movie, &m.ids);
                parse_title_year(movie, &m.title, &m.year);
                m.runtime = get_small(movie, "runtime");
                break;
        case TRAKT_SHOW:
                if (!show)
                        return -EBADMSG;
                parse_ids(show, &m.ids);
                parse_title_year(show, &m.title, &m.year);
                break;
        case TRAKT_EPISODE:
                if (!episode)
                        return -EBADMSG;
                parse_ids(episode, &m.ids);
                trakt_ids_drop_slug(&m.ids);
                m.title = dup_string(episode, "title");
                m.season = get_small(episode, "season");
                m.number = get_small(episode, "number");
                m.runtime = get_small(episode, "runtime");
                if (show) {
                        parse_ids(show, &m.show_ids);
                        parse_title_year(show, &m.show_title, &m.show_year);
                }
                break;
        case TRAKT_SEASON:
                if (!season)
                        return -EBADMSG;
                parse_ids(season, &m.ids);
                trakt_ids_drop_slug(&m.ids);
                m.season = get_small(season, "number");
                if (show) {
                        parse_ids(show, &m.show_ids);
                        parse_title_year(show, &m.show_title, &m.show_year);
                }
                break;
        default:
                return -EBADMSG;
        }

check:
        if (!trakt_media_usable(&m)) {
                trakt_media_done(&m);
                return -EBADMSG;
        }
        *ret = m;
        return 0;
}


/* ---- OAuth ---- */

int trakt_parse_device_code(struct json_object *o, TraktDeviceCode *ret) {
        TraktDeviceCode d = {
                .device_code = dup_string(o, "device_code"),
                .user_code = dup_string(o, "user_code"),
                .verification_url = dup_string(o, "verification_url"),
        };
        if (!d.device_code || !d.user_code || !d.verification_url || !get_int(o, "expires_in", &d.expires_in) ||
            !get_int(o, "interval", &d.interval) || d.expires_in <= 0 || d.interval < 0) {
                trakt_device_code_done(&d);
                return -EBADMSG;
        }
        *ret = d;
        return 0;
}

void trakt_device_code_done(TraktDeviceCode *d) {
        free(d->device_code);
        free(d->user_code);
        free(d->verification_url);
        *d = (TraktDeviceCode) {};
}

int trakt_parse_token(struct json_object *o, TraktToken *ret) {
        TraktToken t = {
                .access_token = dup_string(o, "access_token"),
                .refresh_token = dup_string(o, "refresh_token"),
                .token_type = dup_string(o, "token_type"),
                .scope = dup_string(o, "scope"),
        };
        if (!t.access_token || !*t.access_token || !t.refresh_token || !*t.refresh_token ||
            !get_int(o, "expires_in", &t.expires_in) || t.expires_in <= 0) {
                trakt_token_done(&t);
                return -EBADMSG;
        }
        if (!get_int(o, "created_at", &t.created_at))
                t.created_at = 0;
        *ret = t;
        return 0;
}

void trakt_token_done(TraktToken *t) {
        free(t->access_token);
        free(t->refresh_token);
        free(t->token_type);
        free(t->scope);
        *t = (TraktToken) {};
}

/* ---- users ---- */

int trakt_parse_user_settings(struct json_object *o, TraktUserSettings *ret) {
        struct json_object *user = get_object(o, "user");
        if (!user)
                return -EBADMSG;
        TraktUserSettings s = {
                .username = dup_string(user, "username"),
                .slug = dup_string(get_object(user, "ids"), "slug"),
                .timezone = dup_string(get_object(o, "account"), "timezone"),
        };
        struct json_object *v = get(user, "vip");
        s.vip = v && json_object_get_boolean(v);
        v = get(user, "private");
        s.private_ = v && json_object_get_boolean(v);
        if (!s.username) {
                trakt_user_settings_done(&s);
                return -EBADMSG;
        }
        *ret = s;
        return 0;
}

void trakt_user_settings_done(TraktUserSettings *s) {
        free(s->username);
        free(s->slug);
        free(s->timezone);
        *s = (TraktUserSettings) {};
}

int trakt_parse_list(struct json_object *o, TraktList *ret) {
        if (!o || !json_object_is_type(o, json_type_object))
                return -EBADMSG;
        struct json_object *ids = get_object(o, "ids"), *user = get_object(o, "user");
        TraktList l = {
                .name = dup_string(o, "name"),
                .privacy = dup_string(o, "privacy"),
                .slug = dup_string(ids, "slug"),
                .trakt_id = (int64_t) get_id(ids, "trakt"),
                .user_slug = dup_string(get_object(user, "ids"), "slug"),
                .username = dup_string(user, "username"),
                .item_count = -1,
        };
        (void) get_int(o, "item_count", &l.item_count);
        (void) get_time(o, "updated_at", &l.updated_at);
        if (isempty(l.name)) {
                trakt_list_done(&l);
                return -EBADMSG;
        }
        *ret = l;
        return 0;
}

void trakt_list_done(TraktList *l) {
        free(l->name);
        free(l->privacy);
        free(l->slug);
        free(l->user_slug);
        free(l->username);
        *l = (TraktList) {};
}

int trakt_parse_user_stats(struct json_object *o, TraktUserStats *ret) {
        struct json_object *movies = get_object(o, "movies"), *episodes = get_object(o, "episodes"),
                           *shows = get_object(o, "shows"), *ratings = get_object(o, "ratings");
        TraktUserStats s = {};
        if (!movies || !episodes)
                return -EBADMSG;
        if (!get_int(movies, "watched", &s.movies_watched) || !get_int(episodes, "watched", &s.episodes_watched))
                return -EBADMSG;
        (void) get_int(movies, "plays", &s.movies_plays);
        (void) get_int(episodes, "plays", &s.episodes_plays);
        (void) get_int(shows, "watched", &s.shows_watched);
        if (!get_int(ratings, "total", &s.ratings_total)) {
                /* Older answers: sum the per-kind counts. */
                int64_t v;
                s.ratings_total = 0;
                const char *kinds[] = { "movies", "shows", "seasons", "episodes" };
                for (size_t i = 0; i < 4; i++)
                        if (get_int(get_object(o, kinds[i]), "ratings", &v))
                                s.ratings_total += v;
        }
        if (s.movies_watched < 0 || s.episodes_watched < 0 || s.ratings_total < 0)
                return -EBADMSG;
        *ret = s;
        return 0;
}

/* ---- items ---- */

void trakt_item_done(TraktItem *it) {
        trakt_media_done(&it->media);
        free(it->action);
        free(it->notes);
        trakt_metadata_done(&it->meta);
        *it = (TraktItem) {};
}

void trakt_items_free(TraktItem *items, size_t n) {
        for (size_t i = 0; i < n; i++)
                trakt_item_done(&items[i]);
        free(items);
}

/* Metadata fields are strings; in 2020 Trakt briefly sent integers (§5.6). */
static char *meta_string(struct json_object *m, const char *key) {
        struct json_object *v = get(m, key);
        if (!v)
                return NULL;
        if (json_object_is_type(v, json_type_string))
                return *json_object_get_string(v) ? strdup(json_object_get_string(v)) : NULL;
        if (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))
                return strdup(json_object_get_string(v));
        return NULL;
}

static void parse_metadata(struct json_object *o, TraktMetadata *meta) {
        struct json_object *m = get_object(o, "metadata");
        if (!m)
                return;
        meta->media_type = meta_string(m, "media_type");
        meta->resolution = meta_string(m, "resolution");
        meta->hdr = meta_string(m, "hdr");
        meta->audio = meta_string(m, "audio");
        meta->audio_channels = meta_string(m, "audio_channels");
        struct json_object *v = get(m, "3d");
        meta->is_3d = v && json_object_get_boolean(v);
}

TraktItem *trakt_item_array_add(TraktItemArray *a) {
        if (a->n == a->cap) {
                size_t cap = a->cap ? a->cap * 2 : 64;
                TraktItem *v = realloc(a->v, cap * sizeof(TraktItem));
                if (!v)
                        return NULL;
                a->v = v;
                a->cap = cap;
        }
        a->v[a->n] = (TraktItem) {};
        return &a->v[a->n++];
}

/* Shows in /sync/collection and /sync/watched carry their episodes nested. */
static int expand_show(struct json_object *o, TraktItemKind kind, TraktItemArray *out, size_t *skipped) {
        TraktMedia show = {};
        if (trakt_parse_media(o, TRAKT_NONE, &show) < 0 || show.type != TRAKT_SHOW) {
                trakt_media_done(&show); /* a wrapper of another type: read it as a bare show */
                if (trakt_parse_media(o, TRAKT_SHOW, &show) < 0)
                        return -EBADMSG;
        }
        struct json_object *seasons = get(o, "seasons");
        int64_t show_at = 0;
        (void) get_time(o, kind == TRAKT_ITEMS_WATCHED ? "last_watched_at" : "last_collected_at", &show_at);

        if (!seasons || !json_object_is_type(seasons, json_type_array) || json_object_array_length(seasons) == 0) {
                /* noseasons: the show itself */
                TraktItem *it = trakt_item_array_add(out);
                if (!it) {
                        trakt_media_done(&show);
                        return -ENOMEM;
                }
                it->media = show;
                it->at = show_at;
                (void) get_int(o, "plays", &it->plays);
                return 0;
        }
        for (size_t i = 0; i < json_object_array_length(seasons); i++) {
                struct json_object *s = json_object_array_get_idx(seasons, i);
                unsigned sn = get_small(s, "number");
                struct json_object *eps = get(s, "episodes");
                if (!eps || !json_object_is_type(eps, json_type_array))
                        continue;
                for (size_t j = 0; j < json_object_array_length(eps); j++) {
                        struct json_object *e = json_object_array_get_idx(eps, j);
                        unsigned en = get_small(e, "number");
                        if (!json_object_is_type(e, json_type_object) || !en) {
                                (*skipped)++;
                                continue;
                        }
                        TraktItem *it = trakt_item_array_add(out);
                        if (!it) {
                                trakt_media_done(&show);
                                return -ENOMEM;
                        }
                        it->media.type = TRAKT_EPISODE;
                        it->media.season = sn;
                        it->media.number = en;
                        if (trakt_ids_copy(&it->media.show_ids, &show.ids) < 0) {
                                trakt_media_done(&show);
                                return -ENOMEM;
                        }
                        it->media.show_title = show.title ? strdup(show.title) : NULL;
                        it->media.show_year = show.year;
                        parse_ids(e, &it->media.ids);
                        trakt_ids_drop_slug(&it->media.ids);
                        if (!get_time(e, kind == TRAKT_ITEMS_WATCHED ? "last_watched_at" : "collected_at", &it->at))
                                it->at = show_at;
                        (void) get_int(e, "plays", &it->plays);
                        if (kind == TRAKT_ITEMS_COLLECTION)
                                parse_metadata(e, &it->meta);
                }
        }
        trakt_media_done(&show);
        return 0;
}

static int parse_one(struct json_object *o, TraktItemKind kind, TraktMediaType hint, TraktItem *it) {
        TraktMediaType media_hint = kind == TRAKT_ITEMS_RECOMMENDATIONS ? hint : TRAKT_NONE;
        if (trakt_parse_media(o, media_hint, &it->media) < 0)
                return -EBADMSG;
        switch (kind) {
        case TRAKT_ITEMS_HISTORY:
                if (!get_time(o, "watched_at", &it->at))
                        return -EBADMSG;
                (void) get_int(o, "id", &it->id);
                it->action = dup_string(o, "action");
                break;
        case TRAKT_ITEMS_RATINGS: {
                int64_t r;
                if (!get_int(o, "rating", &r) || r < 1 || r > 10)
                        return -EBADMSG;
                it->rating = (int) r;
                (void) get_time(o, "rated_at", &it->at);
                break;
        }
        case TRAKT_ITEMS_LIST:
                (void) get_int(o, "id", &it->id);
                (void) get_int(o, "rank", &it->rank);
                (void) get_time(o, "listed_at", &it->at);
                it->notes = dup_string(o, "notes");
                break;
        case TRAKT_ITEMS_PLAYBACK:
                if (!get_double(o, "progress", &it->progress) || it->progress < 0 || it->progress > 100)
                        return -EBADMSG;
                (void) get_time(o, "paused_at", &it->at);
                (void) get_int(o, "id", &it->id);
                break;
        case TRAKT_ITEMS_COLLECTION:
                (void) get_time(o, "collected_at", &it->at);
                parse_metadata(o, &it->meta);
                break;
        case TRAKT_ITEMS_WATCHED:
                (void) get_time(o, "last_watched_at", &it->at);
                (void) get_int(o, "plays", &it->plays);
                break;
        case TRAKT_ITEMS_RECOMMENDATIONS:
                break;
        }
        return 0;
}

int trakt_parse_items(struct json_object *array, TraktItemKind kind, TraktMediaType hint, TraktItem **ret,
                      size_t *ret_n, size_t *ret_skipped) {
        TraktItemArray out = {};
        size_t skipped = 0;

        if (!array || !json_object_is_type(array, json_type_array))
                return -EBADMSG;

        for (size_t i = 0; i < json_object_array_length(array); i++) {
                struct json_object *o = json_object_array_get_idx(array, i);
                if (!o || !json_object_is_type(o, json_type_object)) {
                        skipped++;
                        continue;
                }
                bool is_show = get_object(o, "show") && !get_object(o, "episode") && !get_object(o, "movie") &&
                               !get_object(o, "season");
                if ((kind == TRAKT_ITEMS_COLLECTION || kind == TRAKT_ITEMS_WATCHED) && (is_show || hint == TRAKT_SHOW)) {
                        int r = expand_show(o, kind, &out, &skipped);
                        if (r == -ENOMEM) {
                                trakt_items_free(out.v, out.n);
                                return r;
                        }
                        if (r < 0)
                                skipped++;
                        continue;
                }
                /* Lists may hold people; kino tracks films and episodes only. */
                const char *type = get_string(o, "type");
                if (type && (strcmp(type, "person") == 0 || strcmp(type, "list") == 0))
                        continue;
                TraktItem *it = trakt_item_array_add(&out);
                if (!it) {
                        trakt_items_free(out.v, out.n);
                        return -ENOMEM;
                }
                if (parse_one(o, kind, hint, it) < 0) {
                        trakt_item_done(it);
                        out.n--;
                        skipped++;
                } else if (kind != TRAKT_ITEMS_RECOMMENDATIONS)
                        it->src = o;
        }
        *ret = out.v;
        *ret_n = out.n;
        if (ret_skipped)
                *ret_skipped = skipped;
        return 0;
}

/* ---- last activities ---- */

static int flatten(struct json_object *o, const char *prefix, TraktActivity **v, size_t *n, size_t *cap, int depth) {
        if (depth > 4)
                return 0;
        json_object_object_foreach(o, key, val) {
                char path[256];
                int k = snprintf(path, sizeof path, "%s%s%s", prefix, *prefix ? "." : "", key);
                if (k < 0 || (size_t) k >= sizeof path)
                        continue; /* no key of ours is that long */
                if (val && json_object_is_type(val, json_type_object)) {
                        int r = flatten(val, path, v, n, cap, depth + 1);
                        if (r < 0)
                                return r;
                        continue;
                }
                int64_t at;
                if (!val || !json_object_is_type(val, json_type_string) || trakt_parse_time(json_object_get_string(val), &at) < 0)
                        continue;
                if (*n == *cap) {
                        size_t c = *cap ? *cap * 2 : 32;
                        TraktActivity *nv = realloc(*v, c * sizeof(TraktActivity));
                        if (!nv)
                                return -ENOMEM;
                        *v = nv;
                        *cap = c;
                }
                (*v)[*n].key = strdup(path);
                (*v)[*n].at = at;
                if (!(*v)[*n].key)
                        return -ENOMEM;
                (*n)++;
        }
        return 0;
}

int trakt_parse_last_activities(struct json_object *o, TraktActivity **ret, size_t *ret_n) {
        TraktActivity *v = NULL;
        size_t n = 0, cap = 0;
        if (!o || !json_object_is_type(o, json_type_object) || !get(o, "all"))
                return -EBADMSG;
        int r = flatten(o, "", &v, &n, &cap, 0);
        if (r < 0) {
                trakt_activities_free(v, n);
                return r;
        }
        *ret = v;
        *ret_n = n;
        return 0;
}

void trakt_activities_free(TraktActivity *a, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(a[i].key);
        free(a);
}

/* ---- write answers ---- */

static int64_t sum_counts(struct json_object *o) {
        int64_t total = 0, v;
        const char *kinds[] = { "movies", "shows", "seasons", "episodes", "people" };
        for (size_t i = 0; i < ELEMENTSOF(kinds); i++)
                if (get_int(o, kinds[i], &v) && v > 0)
                        total = v > INT64_MAX - total ? INT64_MAX : total + v; /* absurd counts saturate */
        return total;
}

int trakt_parse_sync_result(struct json_object *o, TraktSyncResult *ret) {
        TraktSyncResult s = {};
        if (!o || !json_object_is_type(o, json_type_object))
                return -EBADMSG;
        struct json_object *added = get_object(o, "added"), *updated = get_object(o, "updated"),
                           *existing = get_object(o, "existing"), *deleted = get_object(o, "deleted"),
                           *nf = get_object(o, "not_found");
        if (!added && !updated && !existing && !deleted && !nf)
                return -EBADMSG;
        s.added = sum_counts(added);
        s.updated = sum_counts(updated);
        s.existing = sum_counts(existing);
        s.deleted = sum_counts(deleted);
        if (nf) {
                json_object_object_foreach(nf, key, val) {
                        (void) key;
                        if (val && json_object_is_type(val, json_type_array))
                                s.not_found += json_object_array_length(val);
                }
        }
        *ret = s;
        return 0;
}

/* ---- search ---- */

void trakt_search_results_free(TraktSearchResult *r, size_t n) {
        for (size_t i = 0; r && i < n; i++)
                trakt_media_done(&r[i].media);
        free(r);
}

int trakt_parse_search(struct json_object *array, TraktSearchResult **ret, size_t *ret_n) {
        TraktSearchResult *out = NULL;
        size_t n = 0;

        if (!array || !json_object_is_type(array, json_type_array))
                return -EBADMSG;
        size_t len = json_object_array_length(array);
        if (len > 0) {
                out = calloc(len, sizeof *out);
                if (!out)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < len; i++) {
                struct json_object *o = json_object_array_get_idx(array, i);
                TraktSearchResult *r = &out[n];
                *r = (TraktSearchResult) {};
                if (trakt_parse_media(o, TRAKT_NONE, &r->media) < 0)
                        continue;
                if (r->media.type == TRAKT_SEASON || trakt_ids_empty(&r->media.ids)) {
                        trakt_media_done(&r->media); /* a result is worth nothing without its ids */
                        continue;
                }
                if (!get_double(o, "score", &r->score) || !isfinite(r->score))
                        r->score = 0;
                n++;
        }
        *ret = out;
        *ret_n = n;
        return 0;
}

int trakt_parse_episode(struct json_object *o, const TraktMedia *show, TraktMedia *ret) {
        TraktMedia m = {};
        if (!o || !json_object_is_type(o, json_type_object) || !show)
                return -EBADMSG;
        m.type = TRAKT_EPISODE;
        parse_ids(o, &m.ids);
        m.title = dup_string(o, "title");
        m.season = get_small(o, "season");
        m.number = get_small(o, "number");
        m.runtime = get_small(o, "runtime");
        if (!get(o, "season") || m.number == 0 || trakt_ids_empty(&m.ids) || trakt_ids_copy(&m.show_ids, &show->ids) < 0 ||
            (show->title && !(m.show_title = strdup(show->title)))) {
                trakt_media_done(&m);
                return -EBADMSG;
        }
        m.show_year = show->year;
        *ret = m;
        return 0;
}

/* ---- scrobble ---- */

int trakt_parse_scrobble(struct json_object *o, TraktScrobbleResult *ret) {
        TraktScrobbleResult s = {};
        if (!o || !json_object_is_type(o, json_type_object))
                return -EBADMSG;
        s.action = dup_string(o, "action");
        if (!s.action || !get_double(o, "progress", &s.progress)) {
                trakt_scrobble_done(&s);
                return -EBADMSG;
        }
        (void) get_int(o, "id", &s.id);
        *ret = s;
        return 0;
}

void trakt_scrobble_done(TraktScrobbleResult *s) {
        free(s->action);
        *s = (TraktScrobbleResult) {};
}
