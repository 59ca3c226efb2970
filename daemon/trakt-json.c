/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <glib.h>

#include "trakt-json.h"

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

static const char *const type_names[] = {
        [TRAKT_MOVIE] = "movie", [TRAKT_SHOW] = "show", [TRAKT_SEASON] = "season", [TRAKT_EPISODE] = "episode",
};

const char *trakt_media_type_to_string(TraktMediaType t) {
        return t > TRAKT_NONE && t <= TRAKT_EPISODE ? type_names[t] : NULL;
}

TraktMediaType trakt_media_type_from_string(const char *s) {
        for (int t = TRAKT_MOVIE; s && t <= TRAKT_EPISODE; t++)
                if (strcmp(type_names[t], s) == 0)
                        return (TraktMediaType) t;
        return TRAKT_NONE;
}

static void ids_done(TraktIds *ids) {
        free(ids->imdb);
        free(ids->slug);
        *ids = (TraktIds) {};
}

bool trakt_ids_empty(const TraktIds *ids) {
        return !ids->trakt && !ids->tmdb && !ids->tvdb && !ids->imdb && !ids->slug;
}

void trakt_media_done(TraktMedia *m) {
        ids_done(&m->ids);
        ids_done(&m->show_ids);
        free(m->title);
        free(m->show_title);
        *m = (TraktMedia) {};
}

static int ids_copy(TraktIds *d, const TraktIds *s) {
        *d = *s;
        d->imdb = s->imdb ? strdup(s->imdb) : NULL;
        d->slug = s->slug ? strdup(s->slug) : NULL;
        return (s->imdb && !d->imdb) || (s->slug && !d->slug) ? -ENOMEM : 0;
}

int trakt_media_copy(TraktMedia *dst, const TraktMedia *src) {
        *dst = *src;
        dst->ids = (TraktIds) {};
        dst->show_ids = (TraktIds) {};
        dst->title = src->title ? strdup(src->title) : NULL;
        dst->show_title = src->show_title ? strdup(src->show_title) : NULL;
        int r = ids_copy(&dst->ids, &src->ids);
        if (r >= 0)
                r = ids_copy(&dst->show_ids, &src->show_ids);
        if (r < 0 || (src->title && !dst->title) || (src->show_title && !dst->show_title)) {
                trakt_media_done(dst);
                return -ENOMEM;
        }
        return 0;
}

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
        /* Usable means we can name it to Trakt again. */
        if (trakt_ids_empty(&m.ids) && !m.title &&
            !(m.type == TRAKT_EPISODE && m.number && (!trakt_ids_empty(&m.show_ids) || m.show_title))) {
                trakt_media_done(&m);
                return -EBADMSG;
        }
        *ret = m;
        return 0;
}

static struct json_object *ids_to_json(const TraktIds *ids, TraktMediaType t) {
        struct json_object *o = json_object_new_object();
        if (ids->trakt)
                json_object_object_add(o, "trakt", json_object_new_int64((int64_t) ids->trakt));
        if (ids->slug && t != TRAKT_EPISODE && t != TRAKT_SEASON)
                json_object_object_add(o, "slug", json_object_new_string(ids->slug));
        if (ids->imdb)
                json_object_object_add(o, "imdb", json_object_new_string(ids->imdb));
        if (ids->tmdb)
                json_object_object_add(o, "tmdb", json_object_new_int64((int64_t) ids->tmdb));
        if (ids->tvdb)
                json_object_object_add(o, "tvdb", json_object_new_int64((int64_t) ids->tvdb));
        return o;
}

static struct json_object *title_object(const TraktIds *ids, const char *title, unsigned year, TraktMediaType t) {
        struct json_object *o = json_object_new_object();
        if (title)
                json_object_object_add(o, "title", json_object_new_string(title));
        if (year)
                json_object_object_add(o, "year", json_object_new_int(year));
        if (!trakt_ids_empty(ids))
                json_object_object_add(o, "ids", ids_to_json(ids, t));
        return o;
}

struct json_object *trakt_media_to_json(const TraktMedia *m) {
        switch (m->type) {
        case TRAKT_MOVIE:
        case TRAKT_SHOW:
                return title_object(&m->ids, m->title, m->year, m->type);
        case TRAKT_EPISODE: {
                struct json_object *o = json_object_new_object();
                if (!trakt_ids_empty(&m->ids))
                        json_object_object_add(o, "ids", ids_to_json(&m->ids, TRAKT_EPISODE));
                else {
                        json_object_object_add(o, "season", json_object_new_int(m->season));
                        json_object_object_add(o, "number", json_object_new_int(m->number));
                }
                return o;
        }
        case TRAKT_SEASON: {
                struct json_object *o = json_object_new_object();
                if (!trakt_ids_empty(&m->ids))
                        json_object_object_add(o, "ids", ids_to_json(&m->ids, TRAKT_SEASON));
                else
                        json_object_object_add(o, "number", json_object_new_int(m->season));
                return o;
        }
        default:
                return NULL;
        }
}

int trakt_media_add_to(struct json_object *body, const TraktMedia *m) {
        const char *key = trakt_media_type_to_string(m->type);
        struct json_object *o = trakt_media_to_json(m);
        if (!key || !o)
                return -EINVAL;
        json_object_object_add(body, key, o);
        /* An episode without its own ids is named by its show (§4.1). */
        if ((m->type == TRAKT_EPISODE || m->type == TRAKT_SEASON) && trakt_ids_empty(&m->ids))
                json_object_object_add(body, "show", title_object(&m->show_ids, m->show_title, m->show_year, TRAKT_SHOW));
        return 0;
}

static char *ids_key(const TraktIds *ids, const char *prefix) {
        char *s = NULL;
        int r = -1;
        if (ids->trakt)
                r = asprintf(&s, "%strakt=%" PRIu64, prefix, ids->trakt);
        else if (ids->imdb)
                r = asprintf(&s, "%simdb=%s", prefix, ids->imdb);
        else if (ids->tmdb)
                r = asprintf(&s, "%stmdb=%" PRIu64, prefix, ids->tmdb);
        else if (ids->tvdb)
                r = asprintf(&s, "%stvdb=%" PRIu64, prefix, ids->tvdb);
        else if (ids->slug)
                r = asprintf(&s, "%sslug=%s", prefix, ids->slug);
        return r < 0 ? NULL : s;
}

static char *title_key(const char *prefix, const char *title, unsigned year) {
        char *s = NULL;
        if (!title)
                return NULL;
        char *lower = strdup(title);
        if (!lower)
                return NULL;
        for (char *p = lower; *p; p++)
                *p = (char) tolower((unsigned char) *p);
        int r = year ? asprintf(&s, "%stitle=%s:year=%u", prefix, lower, year) : asprintf(&s, "%stitle=%s", prefix, lower);
        free(lower);
        return r < 0 ? NULL : s;
}

char *trakt_media_key(const TraktMedia *m) {
        const char *type = trakt_media_type_to_string(m->type);
        char prefix[32], *k, *s = NULL;

        if (!type)
                return NULL;
        snprintf(prefix, sizeof prefix, "%s:", type);
        if ((k = ids_key(&m->ids, prefix)))
                return k;
        if (m->type == TRAKT_EPISODE || m->type == TRAKT_SEASON) {
                char sp[48];
                snprintf(sp, sizeof sp, "%s:show_", type);
                char *show = ids_key(&m->show_ids, sp);
                if (!show)
                        show = title_key(prefix, m->show_title, m->show_year);
                if (!show)
                        return NULL;
                int r = m->type == TRAKT_EPISODE ? asprintf(&s, "%s:s%ue%u", show, m->season, m->number)
                                                 : asprintf(&s, "%s:s%u", show, m->season);
                free(show);
                return r < 0 ? NULL : s;
        }
        return title_key(prefix, m->title, m->year);
}

int trakt_strv_push(char ***v, size_t *n, char *s) {
        if (!s)
                return -ENOMEM;
        for (size_t i = 0; i < *n; i++)
                if (strcmp((*v)[i], s) == 0) {
                        free(s);
                        return 0;
                }
        char **nv = realloc(*v, (*n + 2) * sizeof(char *));
        if (!nv) {
                free(s);
                return -ENOMEM;
        }
        *v = nv;
        nv[(*n)++] = s;
        nv[*n] = NULL;
        return 0;
}

void trakt_strv_free(char **v) {
        for (size_t i = 0; v && v[i]; i++)
                free(v[i]);
        free(v);
}

/* One key per id: "PREFIXtrakt=…", "PREFIXimdb=…", … followed by suffix. */
static int push_id_keys(char ***v, size_t *n, const TraktIds *ids, const char *prefix, const char *suffix) {
        char *s;
        int r = 0;
        if (ids->trakt && r >= 0)
                r = asprintf(&s, "%strakt=%" PRIu64 "%s", prefix, ids->trakt, suffix) < 0 ? -ENOMEM : trakt_strv_push(v, n, s);
        if (ids->imdb && r >= 0)
                r = asprintf(&s, "%simdb=%s%s", prefix, ids->imdb, suffix) < 0 ? -ENOMEM : trakt_strv_push(v, n, s);
        if (ids->tmdb && r >= 0)
                r = asprintf(&s, "%stmdb=%" PRIu64 "%s", prefix, ids->tmdb, suffix) < 0 ? -ENOMEM : trakt_strv_push(v, n, s);
        if (ids->tvdb && r >= 0)
                r = asprintf(&s, "%stvdb=%" PRIu64 "%s", prefix, ids->tvdb, suffix) < 0 ? -ENOMEM : trakt_strv_push(v, n, s);
        if (ids->slug && r >= 0)
                r = asprintf(&s, "%sslug=%s%s", prefix, ids->slug, suffix) < 0 ? -ENOMEM : trakt_strv_push(v, n, s);
        return r;
}

char **trakt_media_keys(const TraktMedia *m) {
        const char *type = trakt_media_type_to_string(m->type);
        char **v = NULL, prefix[32], suffix[32];
        size_t n = 0;
        int r;

        if (!type)
                return NULL;
        snprintf(prefix, sizeof prefix, "%s:", type);
        r = push_id_keys(&v, &n, &m->ids, prefix, "");
        if (r >= 0 && (m->type == TRAKT_EPISODE || m->type == TRAKT_SEASON)) {
                char sp[48];
                snprintf(sp, sizeof sp, "%s:show_", type);
                if (m->type == TRAKT_EPISODE)
                        snprintf(suffix, sizeof suffix, ":s%ue%u", m->season, m->number);
                else
                        snprintf(suffix, sizeof suffix, ":s%u", m->season);
                r = push_id_keys(&v, &n, &m->show_ids, sp, suffix);
                if (r >= 0 && m->show_title) {
                        char *t = title_key(prefix, m->show_title, m->show_year), *s = NULL;
                        if (t && asprintf(&s, "%s%s", t, suffix) >= 0)
                                r = trakt_strv_push(&v, &n, s);
                        free(t);
                }
        } else if (r >= 0 && m->title)
                r = trakt_strv_push(&v, &n, title_key(prefix, m->title, m->year));
        if (r < 0 || n == 0) {
                trakt_strv_free(v);
                return NULL;
        }
        return v;
}

/* ---- time ---- */

int trakt_parse_time(const char *s, int64_t *ret_usec) {
        int Y, M, D, h, mi, sec, n = 0;
        struct tm tm = {};

        if (!s || sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &Y, &M, &D, &h, &mi, &sec, &n) != 6 || n != 19)
                return -EINVAL;
        if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || mi > 59 || sec > 60 || Y < 1970 || Y > 9999)
                return -EINVAL;
        const char *p = s + n;
        int64_t usec = 0;
        if (*p == '.') {
                p++;
                int digits = 0;
                int64_t frac = 0;
                while (isdigit((unsigned char) *p)) {
                        if (digits < 6) {
                                frac = frac * 10 + (*p - '0');
                                digits++;
                        }
                        p++;
                }
                if (digits == 0)
                        return -EINVAL;
                while (digits++ < 6)
                        frac *= 10;
                usec = frac;
        }
        int64_t offset = 0;
        if (*p == 'Z')
                p++;
        else if (*p == '+' || *p == '-') {
                int oh, om, k = 0;
                if (sscanf(p + 1, "%2d:%2d%n", &oh, &om, &k) != 2 || k != 5 || oh > 23 || om > 59)
                        return -EINVAL;
                offset = (int64_t) (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
                p += 1 + k;
        } else if (*p != 0)
                return -EINVAL;
        if (*p != 0)
                return -EINVAL;

        tm.tm_year = Y - 1900;
        tm.tm_mon = M - 1;
        tm.tm_mday = D;
        tm.tm_hour = h;
        tm.tm_min = mi;
        tm.tm_sec = sec;
        time_t t = timegm(&tm);
        if (t == (time_t) -1)
                return -EINVAL;
        *ret_usec = ((int64_t) t - offset) * 1000000 + usec;
        return 0;
}

char *trakt_format_time(int64_t usec, char *buf, size_t n) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;
        if (usec < 0 || !gmtime_r(&t, &tm)) {
                snprintf(buf, n, "1970-01-01T00:00:00.000Z");
                return buf;
        }
        snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec, (int) ((usec / 1000) % 1000));
        return buf;
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

static void metadata_done(TraktMetadata *m) {
        free(m->media_type);
        free(m->resolution);
        free(m->hdr);
        free(m->audio);
        free(m->audio_channels);
        *m = (TraktMetadata) {};
}

void trakt_item_done(TraktItem *it) {
        trakt_media_done(&it->media);
        free(it->action);
        free(it->notes);
        metadata_done(&it->meta);
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

typedef struct Items {
        TraktItem *v;
        size_t n, cap;
} Items;

static TraktItem *items_add(Items *it) {
        if (it->n == it->cap) {
                size_t cap = it->cap ? it->cap * 2 : 64;
                TraktItem *v = realloc(it->v, cap * sizeof(TraktItem));
                if (!v)
                        return NULL;
                it->v = v;
                it->cap = cap;
        }
        it->v[it->n] = (TraktItem) {};
        return &it->v[it->n++];
}

/* Shows in /sync/collection and /sync/watched carry their episodes nested. */
static int expand_show(struct json_object *o, TraktItemKind kind, Items *out, size_t *skipped) {
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
                TraktItem *it = items_add(out);
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
                        TraktItem *it = items_add(out);
                        if (!it) {
                                trakt_media_done(&show);
                                return -ENOMEM;
                        }
                        it->media.type = TRAKT_EPISODE;
                        it->media.season = sn;
                        it->media.number = en;
                        if (ids_copy(&it->media.show_ids, &show.ids) < 0) {
                                trakt_media_done(&show);
                                return -ENOMEM;
                        }
                        it->media.show_title = show.title ? strdup(show.title) : NULL;
                        it->media.show_year = show.year;
                        parse_ids(e, &it->media.ids);
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
        Items out = {};
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
                TraktItem *it = items_add(&out);
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
                        total += v;
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
        if (!get(o, "season") || m.number == 0 || trakt_ids_empty(&m.ids) || ids_copy(&m.show_ids, &show->ids) < 0 ||
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

/* ---- collection metadata (§5.6) ---- */

static const struct {
        const char *key;
        const char *values;
} metadata_values[] = {
        { "media_type", "digital, bluray, hddvd, dvd, vcd, vhs, betamax, laserdisc" },
        { "resolution", "uhd_4k, hd_1080p, hd_1080i, hd_720p, sd_480p, sd_480i, sd_576p, sd_576i" },
        { "hdr", "dolby_vision, hdr10, hdr10_plus, hlg" },
        { "audio", "dolby_digital, dolby_digital_plus, dolby_digital_plus_atmos, dolby_truehd, dolby_atmos, "
                   "dolby_prologic, dts, dts_ma, dts_hr, dts_x, auro_3d, mp3, mp2, aac, lpcm, ogg, ogg_opus, wma, flac" },
        { "audio_channels", "1.0, 2.0, 2.1, 3.0, 3.1, 4.0, 4.1, 5.0, 5.1, 5.1.2, 5.1.4, 6.1, 7.1, 7.1.2, 7.1.4, 9.1, 10.1" },
};

const char *trakt_metadata_allowed(const char *key) {
        for (size_t i = 0; key && i < ELEMENTSOF(metadata_values); i++)
                if (strcmp(metadata_values[i].key, key) == 0)
                        return metadata_values[i].values;
        return NULL;
}

bool trakt_metadata_valid(const char *key, const char *value) {
        const char *list = trakt_metadata_allowed(key);
        size_t n = value ? strlen(value) : 0;
        if (!list || n == 0)
                return false;
        for (const char *p = list; *p;) {
                size_t len = strcspn(p, ",");
                if (len == n && strncmp(p, value, n) == 0)
                        return true;
                p += len;
                while (*p == ',' || *p == ' ')
                        p++;
        }
        return false;
}

struct json_object *trakt_media_wrapper(const TraktMedia *m) {
        const char *type = trakt_media_type_to_string(m->type);
        if (!type)
                return NULL;
        struct json_object *w = json_object_new_object();
        json_object_object_add(w, "type", json_object_new_string(type));
        if (m->type == TRAKT_EPISODE) {
                struct json_object *e = json_object_new_object();
                if (m->season || m->number) {
                        json_object_object_add(e, "season", json_object_new_int((int) m->season));
                        json_object_object_add(e, "number", json_object_new_int((int) m->number));
                }
                if (!trakt_ids_empty(&m->ids))
                        json_object_object_add(e, "ids", ids_to_json(&m->ids, TRAKT_EPISODE));
                json_object_object_add(w, "episode", e);
                if (m->show_title || m->show_year || !trakt_ids_empty(&m->show_ids))
                        json_object_object_add(w, "show", title_object(&m->show_ids, m->show_title, m->show_year, TRAKT_SHOW));
        } else {
                struct json_object *o = trakt_media_to_json(m);
                if (!o) {
                        json_object_put(w);
                        return NULL;
                }
                json_object_object_add(w, type, o);
        }
        return w;
}

/* ---- request bodies (docs/trakt-api.md §4.1, §5; Trakt's 2026 idsRequestSchema) ---- */

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

void trakt_sync_body_add_flags(struct json_object *body, struct json_object *wrapper, struct json_object *extra, unsigned flags) {
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

void trakt_sync_body_add(struct json_object *body, struct json_object *wrapper, struct json_object *extra) {
        trakt_sync_body_add_flags(body, wrapper, extra, 0);
}

double trakt_scrobble_progress(const char *action, double progress) {
        if (!isfinite(progress) || progress < 0)
                progress = 0;
        if (progress > 100)
                progress = 100;
        /* Two decimals, never rounded up: 79.996 must not become 80.00. */
        progress = floor(progress * 100) / 100;
        /* A pause Trakt accepts is 1 % to under 80 % (§4.2: 422 otherwise). */
        if (streq(action, "pause")) {
                if (progress < 1)
                        progress = 1;
                if (progress >= 80)
                        progress = 79.99;
        }
        return progress;
}

struct json_object *trakt_scrobble_body(struct json_object *wrapper, const char *action, double progress, const char *app_version,
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

/* ---- the stored item as text, without building a json-c tree ---- */

static void text_str(GString *g, const char *s) {
        static const char hex[] = "0123456789abcdef";
        g_string_append_c(g, '"');
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                if (*p == '"' || *p == '\\') {
                        g_string_append_c(g, '\\');
                        g_string_append_c(g, (char) *p);
                } else if (*p < 0x20) {
                        g_string_append(g, "\\u00");
                        g_string_append_c(g, hex[*p >> 4]);
                        g_string_append_c(g, hex[*p & 15]);
                } else
                        g_string_append_c(g, (char) *p);
        }
        g_string_append_c(g, '"');
}

static void text_ids(GString *g, const TraktIds *ids, TraktMediaType t) {
        bool first = true;
        g_string_append(g, "\"ids\":{");
#define SEP() (first ? (void) (first = false) : (void) g_string_append_c(g, ','))
        if (ids->trakt) {
                SEP();
                g_string_append_printf(g, "\"trakt\":%" PRIu64, ids->trakt);
        }
        if (ids->slug && t != TRAKT_EPISODE && t != TRAKT_SEASON) {
                SEP();
                g_string_append(g, "\"slug\":");
                text_str(g, ids->slug);
        }
        if (ids->imdb) {
                SEP();
                g_string_append(g, "\"imdb\":");
                text_str(g, ids->imdb);
        }
        if (ids->tmdb) {
                SEP();
                g_string_append_printf(g, "\"tmdb\":%" PRIu64, ids->tmdb);
        }
        if (ids->tvdb) {
                SEP();
                g_string_append_printf(g, "\"tvdb\":%" PRIu64, ids->tvdb);
        }
#undef SEP
        g_string_append_c(g, '}');
}

/* {"title":…,"year":…,"ids":{…}} with the parts that are known. */
static void text_titled(GString *g, const TraktIds *ids, const char *title, unsigned year, TraktMediaType t) {
        bool any = false;
        g_string_append_c(g, '{');
        if (title) {
                g_string_append(g, "\"title\":");
                text_str(g, title);
                any = true;
        }
        if (year) {
                g_string_append_printf(g, "%s\"year\":%u", any ? "," : "", year);
                any = true;
        }
        if (!trakt_ids_empty(ids)) {
                if (any)
                        g_string_append_c(g, ',');
                text_ids(g, ids, t);
        }
        g_string_append_c(g, '}');
}

char *trakt_media_wrapper_text(const TraktMedia *m) {
        const char *type = trakt_media_type_to_string(m->type);
        if (!type)
                return NULL;
        GString *g = g_string_sized_new(192);
        g_string_append_printf(g, "{\"type\":\"%s\",\"%s\":", type, type);
        if (m->type == TRAKT_EPISODE || m->type == TRAKT_SEASON) {
                bool any = false;
                g_string_append_c(g, '{');
                if (m->type == TRAKT_EPISODE && (m->season || m->number)) {
                        g_string_append_printf(g, "\"season\":%u,\"number\":%u", m->season, m->number);
                        any = true;
                } else if (m->type == TRAKT_SEASON) {
                        g_string_append_printf(g, "\"number\":%u", m->season);
                        any = true;
                }
                if (m->title) {
                        g_string_append(g, any ? ",\"title\":" : "\"title\":");
                        text_str(g, m->title);
                        any = true;
                }
                if (!trakt_ids_empty(&m->ids)) {
                        if (any)
                                g_string_append_c(g, ',');
                        text_ids(g, &m->ids, m->type);
                }
                g_string_append_c(g, '}');
                if (m->show_title || m->show_year || !trakt_ids_empty(&m->show_ids)) {
                        g_string_append(g, ",\"show\":");
                        text_titled(g, &m->show_ids, m->show_title, m->show_year, TRAKT_SHOW);
                }
        } else
                text_titled(g, &m->ids, m->title, m->year, m->type);
        g_string_append_c(g, '}');
        return g_string_free(g, FALSE);
}
