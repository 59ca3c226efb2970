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

/* Trakt names episodes and seasons by their trakt, tvdb, imdb and tmdb ids,
 * never by a slug: one alone would name nothing, and the stored text (like
 * every body sent) leaves it out, so it could not be read back. */
static void drop_slug(TraktIds *ids) {
        free(ids->slug);
        ids->slug = NULL;
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
                drop_slug(&m.ids);
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
                drop_slug(&m.ids);
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

/* Decimal digits of v at buf (room for 20), without printf; their number. */
static size_t format_u64(char *buf, uint64_t v) {
        char tmp[20];
        size_t i = sizeof tmp;
        do {
                tmp[--i] = (char) ('0' + v % 10);
                v /= 10;
        } while (v);
        memcpy(buf, tmp + i, sizeof tmp - i);
        return sizeof tmp - i;
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
        if (m->ids.trakt) {
                /* The usual key, without printf: this runs for every row of an import. */
                char buf[64];
                size_t n = strlen(type);
                memcpy(buf, type, n);
                memcpy(buf + n, ":trakt=", 7);
                n += 7;
                n += format_u64(buf + n, m->ids.trakt);
                buf[n] = 0;
                return strdup(buf);
        }
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

/* n ASCII digits at s, or -1. */
static int digits(const char *s, int n) {
        int v = 0;
        for (int i = 0; i < n; i++) {
                if (s[i] < '0' || s[i] > '9')
                        return -1;
                v = v * 10 + (s[i] - '0');
        }
        return v;
}

/* Days from 1970-01-01 to Y-M-D (proleptic Gregorian). A day past the end of
 * its month counts on into the next, as timegm() normalises it. */
static int64_t days_from_civil(int y, int m, int d) {
        y -= m <= 2;
        int64_t era = (y >= 0 ? y : y - 399) / 400;
        int64_t yoe = y - era * 400;
        int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
        int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        return era * 146097 + doe - 719468;
}

/* Read digit by digit: this runs for every row of an import, where sscanf()
 * and timegm() cost 4 % of its instructions. */
int trakt_parse_time(const char *s, int64_t *ret_usec) {
        if (!s || strnlen(s, 19) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
                return -EINVAL;
        int Y = digits(s, 4), M = digits(s + 5, 2), D = digits(s + 8, 2), h = digits(s + 11, 2), mi = digits(s + 14, 2),
            sec = digits(s + 17, 2);
        if (Y < 1970 || M < 1 || M > 12 || D < 1 || D > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
                return -EINVAL;
        const char *p = s + 19;
        int64_t usec = 0;
        if (*p == '.') {
                p++;
                int n = 0;
                int64_t frac = 0;
                while (*p >= '0' && *p <= '9') {
                        if (n < 6) {
                                frac = frac * 10 + (*p - '0');
                                n++;
                        }
                        p++;
                }
                if (n == 0)
                        return -EINVAL;
                while (n++ < 6)
                        frac *= 10;
                usec = frac;
        }
        int64_t offset = 0;
        if (*p == 'Z')
                p++;
        else if (*p == '+' || *p == '-') {
                int oh = strnlen(p, 6) >= 6 && p[3] == ':' ? digits(p + 1, 2) : -1, om = oh >= 0 ? digits(p + 4, 2) : -1;
                if (oh < 0 || om < 0 || oh > 23 || om > 59)
                        return -EINVAL;
                offset = (int64_t) (oh * 3600 + om * 60) * (*p == '-' ? -1 : 1);
                p += 6;
        }
        if (*p != 0)
                return -EINVAL;
        int64_t t = days_from_civil(Y, M, D) * 86400 + h * 3600 + mi * 60 + sec;
        *ret_usec = (t - offset) * 1000000 + usec;
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
                        drop_slug(&it->media.ids);
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

/* ---- history pages read straight from the text ----
 *
 * An import reads 50,000 plays in pages of 250. Building a json-c tree of
 * each page (an object, a hash table and a copied key per field) and freeing
 * it cost half of the import's CPU time, more than the rest of it together:
 * so history pages are read here in one pass over the text, keeping only
 * what trakt_parse_items() would take from the tree. The result is the same
 * (tests/unit and the fuzz target compare the two on every input). The
 * reader takes RFC 8259 JSON only, refusing what json-c's strict mode still
 * lets through (NaN, "1.", "-01"), and like json-c it keeps raw control
 * characters in strings and limits the nesting to 31 levels. */

#define TEXT_MAX_DEPTH 31 /* json-c refuses 32 levels */

typedef struct Reader {
        const char *p, *end;
        unsigned depth;
        char *buf; /* the last string or number read, decoded, NUL-terminated */
        size_t len, cap;
} Reader;

typedef enum ValueKind {
        VALUE_NULL,
        VALUE_BOOL,
        VALUE_INT,
        VALUE_DOUBLE,
        VALUE_STRING, /* in r->buf */
        VALUE_OTHER,  /* an object or an array, skipped */
} ValueKind;

typedef struct Value {
        ValueKind kind;
        int64_t i;
        double d;
} Value;

static void read_ws(Reader *r) {
        while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r'))
                r->p++;
}

/* The next character after white space, or 0 at the end. */
static char read_peek(Reader *r) {
        read_ws(r);
        return r->p < r->end ? *r->p : 0;
}

static bool read_take(Reader *r, char c) {
        if (read_peek(r) != c)
                return false;
        r->p++;
        return true;
}

static inline int buf_put(Reader *r, const char *s, size_t n) {
        if (r->len + n + 1 > r->cap) {
                size_t cap = r->cap ? r->cap : 256;
                while (cap < r->len + n + 1)
                        cap *= 2;
                char *b = realloc(r->buf, cap);
                if (!b)
                        return -ENOMEM;
                r->buf = b;
                r->cap = cap;
        }
        memcpy(r->buf + r->len, s, n);
        r->len += n;
        r->buf[r->len] = 0;
        return 0;
}

static int hex4(const char *p) {
        int v = 0;
        for (int i = 0; i < 4; i++) {
                char c = p[i];
                v <<= 4;
                if (c >= '0' && c <= '9')
                        v |= c - '0';
                else if (c >= 'a' && c <= 'f')
                        v |= c - 'a' + 10;
                else if (c >= 'A' && c <= 'F')
                        v |= c - 'A' + 10;
                else
                        return -1;
        }
        return v;
}

static int put_utf8(Reader *r, uint32_t c) {
        char b[4];
        size_t n;
        if (c < 0x80) {
                b[0] = (char) c;
                n = 1;
        } else if (c < 0x800) {
                b[0] = (char) (0xc0 | (c >> 6));
                b[1] = (char) (0x80 | (c & 0x3f));
                n = 2;
        } else if (c < 0x10000) {
                b[0] = (char) (0xe0 | (c >> 12));
                b[1] = (char) (0x80 | ((c >> 6) & 0x3f));
                b[2] = (char) (0x80 | (c & 0x3f));
                n = 3;
        } else {
                b[0] = (char) (0xf0 | (c >> 18));
                b[1] = (char) (0x80 | ((c >> 12) & 0x3f));
                b[2] = (char) (0x80 | ((c >> 6) & 0x3f));
                b[3] = (char) (0x80 | (c & 0x3f));
                n = 4;
        }
        return buf_put(r, b, n);
}

/* Where a string's plain run stops: its end, an escape, or a NUL byte
 * (json-c's end of input). */
static const bool string_stop[256] = { ['"'] = true, ['\\'] = true, [0] = true };

static const char *plain_run(const char *p, const char *end) {
        while (p < end && !string_stop[(unsigned char) *p])
                p++;
        return p;
}

/* A string at r->p (after white space), decoded into r->buf when keep. A
 * lone surrogate becomes U+FFFD and \u0000 a NUL byte (what json-c makes of
 * them: the C string then ends there); raw bytes are kept as they are. */
static int read_string(Reader *r, bool keep) {
        if (!read_take(r, '"'))
                return -EBADMSG;
        r->len = 0;
        const char *end = plain_run(r->p, r->end);
        if (end < r->end && *end == '"') {
                /* No escapes (nearly always): one copy. */
                const char *start = r->p;
                r->p = end + 1;
                return keep ? buf_put(r, start, (size_t) (end - start)) : 0;
        }
        if (keep && buf_put(r, "", 0) < 0)
                return -ENOMEM;
        for (;;) {
                const char *run = r->p;
                r->p = plain_run(r->p, r->end);
                if (r->p >= r->end || *r->p == 0)
                        return -EBADMSG;
                if (keep && r->p > run && buf_put(r, run, (size_t) (r->p - run)) < 0)
                        return -ENOMEM;
                if (*r->p++ == '"')
                        return 0;
                if (r->p >= r->end)
                        return -EBADMSG;
                char e = *r->p++, c;
                switch (e) {
                case '"': case '\\': case '/': c = e; break;
                case 'b': c = '\b'; break;
                case 'f': c = '\f'; break;
                case 'n': c = '\n'; break;
                case 'r': c = '\r'; break;
                case 't': c = '\t'; break;
                case 'u': {
                        int u = r->end - r->p >= 4 ? hex4(r->p) : -1;
                        if (u < 0)
                                return -EBADMSG;
                        r->p += 4;
                        uint32_t cp = (uint32_t) u;
                        if (u >= 0xd800 && u <= 0xdbff) {
                                int lo = r->end - r->p >= 6 && r->p[0] == '\\' && r->p[1] == 'u' ? hex4(r->p + 2) : -1;
                                if (lo >= 0xdc00 && lo <= 0xdfff) {
                                        cp = 0x10000 + (((uint32_t) u - 0xd800) << 10) + ((uint32_t) lo - 0xdc00);
                                        r->p += 6;
                                } else
                                        cp = 0xfffd;
                        } else if (u >= 0xdc00 && u <= 0xdfff)
                                cp = 0xfffd;
                        if (keep) {
                                int k = put_utf8(r, cp);
                                if (k < 0)
                                        return k;
                        }
                        continue;
                }
                default:
                        return -EBADMSG;
                }
                if (keep && buf_put(r, &c, 1) < 0)
                        return -ENOMEM;
        }
}

/* A number by RFC 8259's grammar. Integers out of range saturate, as json-c
 * stores them (json_object_get_int64 of a larger one is INT64_MAX). */
static int read_number(Reader *r, Value *v) {
        const char *s = r->p, *p = s;
        bool integer = true;
        uint64_t acc = 0;
        if (p < r->end && *p == '-')
                p++;
        const char *digits_start = p;
        if (p >= r->end || *p < '0' || *p > '9')
                return -EBADMSG;
        if (*p == '0')
                p++;
        else
                while (p < r->end && *p >= '0' && *p <= '9')
                        acc = acc * 10 + (uint64_t) (*p++ - '0'); /* wraps past 19 digits: then not used */
        if (p < r->end && *p == '.') {
                integer = false;
                p++;
                if (p >= r->end || *p < '0' || *p > '9')
                        return -EBADMSG;
                while (p < r->end && *p >= '0' && *p <= '9')
                        p++;
        }
        if (p < r->end && (*p == 'e' || *p == 'E')) {
                integer = false;
                p++;
                if (p < r->end && (*p == '+' || *p == '-'))
                        p++;
                if (p >= r->end || *p < '0' || *p > '9')
                        return -EBADMSG;
                while (p < r->end && *p >= '0' && *p <= '9')
                        p++;
        }
        r->p = p;
        if (integer && p - digits_start <= 18) {
                /* The usual case, without strtoll(): 18 digits cannot overflow. */
                v->kind = VALUE_INT;
                v->i = *s == '-' ? -(int64_t) acc : (int64_t) acc;
                return 0;
        }
        r->len = 0;
        if (buf_put(r, s, (size_t) (p - s)) < 0)
                return -ENOMEM;
        if (integer) {
                errno = 0;
                long long n = strtoll(r->buf, NULL, 10);
                v->kind = VALUE_INT;
                v->i = errno == ERANGE ? (*s == '-' ? INT64_MIN : INT64_MAX) : n;
        } else {
                v->kind = VALUE_DOUBLE;
                v->d = g_ascii_strtod(r->buf, NULL);
        }
        return 0;
}

static int read_literal(Reader *r, const char *word) {
        size_t n = strlen(word);
        if ((size_t) (r->end - r->p) < n || memcmp(r->p, word, n) != 0)
                return -EBADMSG;
        r->p += n;
        return 0;
}

static int read_skip(Reader *r);

/* Any value; strings are decoded into r->buf, containers skipped. */
static int read_value(Reader *r, Value *v) {
        switch (read_peek(r)) {
        case '"':
                v->kind = VALUE_STRING;
                return read_string(r, true);
        case '{':
        case '[':
                v->kind = VALUE_OTHER;
                return read_skip(r);
        case 't':
                v->kind = VALUE_BOOL;
                return read_literal(r, "true");
        case 'f':
                v->kind = VALUE_BOOL;
                return read_literal(r, "false");
        case 'n':
                v->kind = VALUE_NULL;
                return read_literal(r, "null");
        default:
                return read_number(r, v);
        }
}

/* Open a container ('{' or '['): 1 when members follow, 0 when it is empty
 * (and closed again). */
static int read_begin(Reader *r, char open, char close) {
        if (!read_take(r, open) || ++r->depth > TEXT_MAX_DEPTH)
                return -EBADMSG;
        if (read_peek(r) != close)
                return 1;
        r->p++;
        r->depth--;
        return 0;
}

/* After a member or an element: 1 when another follows, 0 at the close. */
static int read_next(Reader *r, char close) {
        char c = read_peek(r);
        if (c == ',') {
                r->p++;
                return 1;
        }
        if (c == close) {
                r->p++;
                r->depth--;
                return 0;
        }
        return -EBADMSG;
}

/* The member names the reader looks for. */
typedef enum Key {
        KEY_OTHER,
        KEY_ID, KEY_TYPE, KEY_WATCHED_AT, KEY_ACTION,
        KEY_MOVIE, KEY_SHOW, KEY_EPISODE, KEY_SEASON,
        KEY_TITLE, KEY_YEAR, KEY_NUMBER, KEY_RUNTIME, KEY_IDS,
        KEY_TRAKT, KEY_TMDB, KEY_TVDB, KEY_IMDB, KEY_SLUG,
} Key;

static Key key_lookup(const char *s, size_t n) {
#define IS(name) (memcmp(s, name, sizeof(name) - 1) == 0)
        switch (n) {
        case 2: return IS("id") ? KEY_ID : KEY_OTHER;
        case 3: return IS("ids") ? KEY_IDS : KEY_OTHER;
        case 4: return IS("type") ? KEY_TYPE : IS("show") ? KEY_SHOW : IS("year") ? KEY_YEAR : IS("tmdb") ? KEY_TMDB
                     : IS("tvdb") ? KEY_TVDB : IS("imdb") ? KEY_IMDB : IS("slug") ? KEY_SLUG : KEY_OTHER;
        case 5: return IS("movie") ? KEY_MOVIE : IS("title") ? KEY_TITLE : IS("trakt") ? KEY_TRAKT : KEY_OTHER;
        case 6: return IS("action") ? KEY_ACTION : IS("season") ? KEY_SEASON : IS("number") ? KEY_NUMBER : KEY_OTHER;
        case 7: return IS("episode") ? KEY_EPISODE : IS("runtime") ? KEY_RUNTIME : KEY_OTHER;
        case 10: return IS("watched_at") ? KEY_WATCHED_AT : KEY_OTHER;
        default: return KEY_OTHER;
        }
#undef IS
}

/* A member's name, and the ':' after it. Names without escapes (all of
 * Trakt's) are matched where they are, not copied; others are decoded and
 * compared as json-c compares them, as C strings. */
static int read_key(Reader *r, Key *ret) {
        if (read_peek(r) != '"')
                return -EBADMSG;
        const char *start = r->p + 1, *p = plain_run(start, r->end);
        if (p < r->end && *p == '"') {
                *ret = key_lookup(start, (size_t) (p - start));
                r->p = p + 1;
        } else {
                int k = read_string(r, true);
                if (k < 0)
                        return k;
                *ret = key_lookup(r->buf, strlen(r->buf));
        }
        return read_take(r, ':') ? 0 : -EBADMSG;
}

static int read_skip(Reader *r) {
        Value v;
        Key key;
        int k;
        char c = read_peek(r);
        if (c == '{' || c == '[') {
                char close = c == '{' ? '}' : ']';
                for (k = read_begin(r, c, close); k > 0; k = read_next(r, close)) {
                        if ((c == '{' && (k = read_key(r, &key)) < 0) || (k = read_skip(r)) < 0)
                                return k;
                }
                return k;
        }
        if (c == '"')
                return read_string(r, false);
        return read_value(r, &v);
}

/* get_int()'s rules on a value read from text. */
static bool value_int(const Reader *r, const Value *v, int64_t *ret) {
        switch (v->kind) {
        case VALUE_INT:
                *ret = v->i;
                return true;
        case VALUE_DOUBLE:
                if (v->d != v->d || v->d < -9e18 || v->d > 9e18)
                        return false;
                *ret = (int64_t) v->d;
                return true;
        case VALUE_STRING: {
                char *end;
                errno = 0;
                long long n = strtoll(r->buf, &end, 10);
                if (errno || end == r->buf || *end)
                        return false;
                *ret = n;
                return true;
        }
        default:
                return false;
        }
}

static unsigned value_small(const Reader *r, const Value *v) {
        int64_t n;
        return value_int(r, v, &n) && n > 0 && n < 100000 ? (unsigned) n : 0;
}

static uint64_t value_id(const Reader *r, const Value *v) {
        int64_t n;
        return value_int(r, v, &n) && n > 0 ? (uint64_t) n : 0;
}

/* A string value as a new string (dup_string()'s rules), or NULL. */
static int value_dup(const Reader *r, const Value *v, char **ret) {
        free(*ret);
        *ret = NULL;
        if (v->kind != VALUE_STRING)
                return 0;
        *ret = strdup(r->buf);
        return *ret ? 0 : -ENOMEM;
}

/* What parse_ids() takes from {"ids": {...}}. */
static int read_ids(Reader *r, TraktIds *ids) {
        Value v;
        Key key;
        int k;
        ids_done(ids);
        if (read_peek(r) != '{')
                return read_skip(r); /* not an object: no ids */
        for (k = read_begin(r, '{', '}'); k > 0; k = read_next(r, '}')) {
                if ((k = read_key(r, &key)) < 0)
                        return k;
                uint64_t *num = key == KEY_TRAKT ? &ids->trakt : key == KEY_TMDB ? &ids->tmdb
                              : key == KEY_TVDB ? &ids->tvdb : NULL;
                char **str = key == KEY_IMDB ? &ids->imdb : key == KEY_SLUG ? &ids->slug : NULL;
                if (!num && !str) {
                        if ((k = read_skip(r)) < 0)
                                return k;
                        continue;
                }
                if ((k = read_value(r, &v)) < 0)
                        return k;
                if (num)
                        *num = value_id(r, &v);
                else if ((k = value_dup(r, &v, str)) < 0)
                        return k;
        }
        if (k == 0 && ids->imdb && !*ids->imdb) {
                free(ids->imdb);
                ids->imdb = NULL;
        }
        return k;
}

/* One of a wrapper's movie, show, episode or season objects: every field
 * trakt_parse_media() may read from it. */
typedef struct ReadMedia {
        bool present; /* the member is an object */
        char *title;
        unsigned year, season, number, runtime;
        TraktIds ids;
} ReadMedia;

static void read_media_done(ReadMedia *m) {
        free(m->title);
        ids_done(&m->ids);
        *m = (ReadMedia) {};
}

static int read_media(Reader *r, ReadMedia *m) {
        Value v;
        Key key;
        int k;
        read_media_done(m); /* a repeated member replaces the earlier one */
        if (read_peek(r) != '{')
                return read_skip(r);
        m->present = true;
        for (k = read_begin(r, '{', '}'); k > 0; k = read_next(r, '}')) {
                if ((k = read_key(r, &key)) < 0)
                        return k;
                if (key == KEY_IDS) {
                        if ((k = read_ids(r, &m->ids)) < 0)
                                return k;
                        continue;
                }
                unsigned *num = key == KEY_YEAR ? &m->year : key == KEY_SEASON ? &m->season
                              : key == KEY_NUMBER ? &m->number : key == KEY_RUNTIME ? &m->runtime : NULL;
                bool title = key == KEY_TITLE;
                if (!num && !title) {
                        if ((k = read_skip(r)) < 0)
                                return k;
                        continue;
                }
                if ((k = read_value(r, &v)) < 0)
                        return k;
                if (num)
                        *num = value_small(r, &v);
                else if ((k = value_dup(r, &v, &m->title)) < 0)
                        return k;
        }
        return k;
}

/* trakt_parse_media(o, TRAKT_NONE) on what was read: the same rules, taking
 * the strings over from the ReadMedia. */
static int read_media_take(ReadMedia *w, TraktMediaType t, TraktMedia *ret) {
        ReadMedia *movie = &w[TRAKT_MOVIE], *show = &w[TRAKT_SHOW], *episode = &w[TRAKT_EPISODE],
                  *season = &w[TRAKT_SEASON], *own;
        TraktMedia m = {};

        if (t == TRAKT_NONE)
                t = episode->present ? TRAKT_EPISODE : season->present ? TRAKT_SEASON : movie->present ? TRAKT_MOVIE
                  : show->present ? TRAKT_SHOW : TRAKT_NONE;
        if (t == TRAKT_NONE || !w[t].present)
                return -EBADMSG;
        own = &w[t];
        m.type = t;
        m.ids = own->ids;
        own->ids = (TraktIds) {};
        m.title = TAKE_PTR(own->title);
        switch (t) {
        case TRAKT_MOVIE:
                m.year = own->year;
                m.runtime = own->runtime;
                break;
        case TRAKT_SHOW:
                m.year = own->year;
                break;
        case TRAKT_EPISODE:
        case TRAKT_SEASON:
                drop_slug(&m.ids);
                if (t == TRAKT_EPISODE) {
                        m.season = own->season;
                        m.number = own->number;
                        m.runtime = own->runtime;
                } else {
                        /* trakt_parse_media() keeps no title for a season */
                        free(m.title);
                        m.title = NULL;
                        m.season = own->number;
                }
                if (show->present) {
                        m.show_ids = show->ids;
                        show->ids = (TraktIds) {};
                        m.show_title = TAKE_PTR(show->title);
                        m.show_year = show->year;
                }
                break;
        default:
                break;
        }
        if (trakt_ids_empty(&m.ids) && !m.title &&
            !(m.type == TRAKT_EPISODE && m.number && (!trakt_ids_empty(&m.show_ids) || m.show_title))) {
                trakt_media_done(&m);
                return -EBADMSG;
        }
        *ret = m;
        return 0;
}

/* One element of the page. Returns 1 for a play added to out, 0 for an
 * element skipped (counted in *skipped unless it is a person or a list). */
static int read_history_row(Reader *r, Items *out, size_t *skipped) {
        ReadMedia w[TRAKT_EPISODE + 1] = {};
        TraktMediaType type = TRAKT_NONE;
        bool not_media = false, have_at = false, have_id = false;
        int64_t at = 0, id = 0;
        char *action = NULL;
        Value v;
        Key key;
        int k;

        if (read_peek(r) != '{') {
                (*skipped)++; /* not an object */
                return read_skip(r);
        }
        for (k = read_begin(r, '{', '}'); k > 0; k = read_next(r, '}')) {
                if ((k = read_key(r, &key)) < 0)
                        break;
                TraktMediaType media = key == KEY_MOVIE ? TRAKT_MOVIE : key == KEY_SHOW ? TRAKT_SHOW
                                     : key == KEY_EPISODE ? TRAKT_EPISODE : key == KEY_SEASON ? TRAKT_SEASON : TRAKT_NONE;
                if (media != TRAKT_NONE) {
                        if ((k = read_media(r, &w[media])) < 0)
                                break;
                        continue;
                }
                if (key != KEY_TYPE && key != KEY_ID && key != KEY_WATCHED_AT && key != KEY_ACTION) {
                        if ((k = read_skip(r)) < 0)
                                break;
                        continue;
                }
                if ((k = read_value(r, &v)) < 0)
                        break;
                switch (key) {
                case KEY_TYPE:
                        type = v.kind == VALUE_STRING ? trakt_media_type_from_string(r->buf) : TRAKT_NONE;
                        /* Lists may hold people; kino tracks films and episodes only. */
                        not_media = v.kind == VALUE_STRING && (streq(r->buf, "person") || streq(r->buf, "list"));
                        break;
                case KEY_ID:
                        have_id = value_int(r, &v, &id);
                        break;
                case KEY_WATCHED_AT:
                        have_at = v.kind == VALUE_STRING && trakt_parse_time(r->buf, &at) >= 0;
                        break;
                case KEY_ACTION:
                        k = value_dup(r, &v, &action);
                        break;
                default:
                        break;
                }
                if (k < 0)
                        break;
        }
        if (k == 0 && !not_media) {
                TraktItem *it = items_add(out);
                if (!it)
                        k = -ENOMEM;
                else if (read_media_take(w, type, &it->media) < 0 || !have_at) {
                        trakt_item_done(it);
                        out->n--;
                        (*skipped)++;
                } else {
                        it->at = at;
                        it->id = have_id ? id : 0;
                        it->action = TAKE_PTR(action);
                        k = 1;
                }
        }
        free(action);
        for (size_t i = 0; i < ELEMENTSOF(w); i++)
                read_media_done(&w[i]);
        return k;
}

int trakt_parse_history_text(const char *text, size_t len, TraktItem **ret, size_t *ret_n, size_t *ret_skipped) {
        Reader r = { .p = text, .end = text + len };
        Items out = {};
        size_t skipped = 0;
        int k;

        for (k = read_begin(&r, '[', ']'); k > 0; k = read_next(&r, ']'))
                if ((k = read_history_row(&r, &out, &skipped)) < 0)
                        break;
        read_ws(&r);
        if (k == 0 && r.p != r.end)
                k = -EBADMSG; /* something after the array */
        free(r.buf);
        if (k < 0) {
                trakt_items_free(out.v, out.n);
                return k;
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

/* A growing buffer: GString's calls cost more than the copying here, which
 * runs for every row of an import. */
typedef struct TextBuf {
        char *s;
        size_t n, cap;
        bool failed; /* out of memory: the text is dropped */
} TextBuf;

static inline void text_put(TextBuf *t, const char *s, size_t n) {
        if (t->n + n + 1 > t->cap) {
                size_t cap = t->cap ? t->cap * 2 : 512;
                while (cap < t->n + n + 1)
                        cap *= 2;
                char *b = t->failed ? NULL : realloc(t->s, cap);
                if (!b) {
                        t->failed = true;
                        return;
                }
                t->s = b;
                t->cap = cap;
        }
        memcpy(t->s + t->n, s, n);
        t->n += n;
}

#define text_puts(t, literal) text_put(t, literal, sizeof(literal) - 1)

static inline void text_putc(TextBuf *t, char c) {
        text_put(t, &c, 1);
}

/* name (a literal) then a number. */
#define text_uint(t, name, v)                                   \
        do {                                                    \
                char _d[20];                                    \
                text_puts(t, name);                             \
                text_put(t, _d, format_u64(_d, (v)));           \
        } while (0)

static void text_str(TextBuf *t, const char *s) {
        static const char hex[] = "0123456789abcdef";
        text_putc(t, '"');
        for (const unsigned char *p = (const unsigned char *) s; *p; p++) {
                /* Runs that need no escaping go in one piece. */
                const unsigned char *run = p;
                while (*p && *p != '"' && *p != '\\' && *p >= 0x20)
                        p++;
                if (p > run)
                        text_put(t, (const char *) run, (size_t) (p - run));
                if (!*p)
                        break;
                if (*p == '"' || *p == '\\') {
                        char e[2] = { '\\', (char) *p };
                        text_put(t, e, 2);
                } else {
                        char e[6] = { '\\', 'u', '0', '0', hex[*p >> 4], hex[*p & 15] };
                        text_put(t, e, 6);
                }
        }
        text_putc(t, '"');
}

static void text_ids(TextBuf *t, const TraktIds *ids, TraktMediaType type) {
        bool first = true;
        text_puts(t, "\"ids\":{");
#define SEP() (first ? (void) (first = false) : text_putc(t, ','))
        if (ids->trakt) {
                SEP();
                text_uint(t, "\"trakt\":", ids->trakt);
        }
        if (ids->slug && type != TRAKT_EPISODE && type != TRAKT_SEASON) {
                SEP();
                text_puts(t, "\"slug\":");
                text_str(t, ids->slug);
        }
        if (ids->imdb) {
                SEP();
                text_puts(t, "\"imdb\":");
                text_str(t, ids->imdb);
        }
        if (ids->tmdb) {
                SEP();
                text_uint(t, "\"tmdb\":", ids->tmdb);
        }
        if (ids->tvdb) {
                SEP();
                text_uint(t, "\"tvdb\":", ids->tvdb);
        }
#undef SEP
        text_putc(t, '}');
}

/* {"title":…,"year":…,"ids":{…}} with the parts that are known. */
static void text_titled(TextBuf *t, const TraktIds *ids, const char *title, unsigned year, TraktMediaType type) {
        bool any = false;
        text_putc(t, '{');
        if (title) {
                text_puts(t, "\"title\":");
                text_str(t, title);
                any = true;
        }
        if (year) {
                if (any)
                        text_putc(t, ',');
                text_uint(t, "\"year\":", year);
                any = true;
        }
        if (!trakt_ids_empty(ids)) {
                if (any)
                        text_putc(t, ',');
                text_ids(t, ids, type);
        }
        text_putc(t, '}');
}

char *trakt_media_wrapper_text(const TraktMedia *m) {
        const char *type = trakt_media_type_to_string(m->type);
        TextBuf t = {};
        if (!type)
                return NULL;
        text_puts(&t, "{\"type\":\"");
        text_put(&t, type, strlen(type));
        text_puts(&t, "\",\"");
        text_put(&t, type, strlen(type));
        text_puts(&t, "\":");
        if (m->type == TRAKT_EPISODE || m->type == TRAKT_SEASON) {
                bool any = false;
                text_putc(&t, '{');
                if (m->type == TRAKT_EPISODE && (m->season || m->number)) {
                        text_uint(&t, "\"season\":", m->season);
                        text_uint(&t, ",\"number\":", m->number);
                        any = true;
                } else if (m->type == TRAKT_SEASON) {
                        text_uint(&t, "\"number\":", m->season);
                        any = true;
                }
                if (m->title) {
                        if (any)
                                text_putc(&t, ',');
                        text_puts(&t, "\"title\":");
                        text_str(&t, m->title);
                        any = true;
                }
                if (!trakt_ids_empty(&m->ids)) {
                        if (any)
                                text_putc(&t, ',');
                        text_ids(&t, &m->ids, m->type);
                }
                text_putc(&t, '}');
                if (m->show_title || m->show_year || !trakt_ids_empty(&m->show_ids)) {
                        text_puts(&t, ",\"show\":");
                        text_titled(&t, &m->show_ids, m->show_title, m->show_year, TRAKT_SHOW);
                }
        } else
                text_titled(&t, &m->ids, m->title, m->year, m->type);
        text_put(&t, "}", 2); /* with the NUL */
        if (t.failed) {
                free(t.s);
                return NULL;
        }
        return t.s;
}
