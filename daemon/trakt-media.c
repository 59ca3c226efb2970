/* SPDX-License-Identifier: MIT */
/* The media model (trakt-media.h): types, ids, keys, the stored wrapper (as a
 * json-c tree and as text written directly) and collection metadata values. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trakt-media.h"

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

void trakt_media_done(TraktMedia *m) {
        trakt_ids_done(&m->ids);
        trakt_ids_done(&m->show_ids);
        free(m->title);
        free(m->show_title);
        *m = (TraktMedia) {};
}

int trakt_ids_copy(TraktIds *d, const TraktIds *s) {
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
        int r = trakt_ids_copy(&dst->ids, &src->ids);
        if (r >= 0)
                r = trakt_ids_copy(&dst->show_ids, &src->show_ids);
        if (r < 0 || (src->title && !dst->title) || (src->show_title && !dst->show_title)) {
                trakt_media_done(dst);
                return -ENOMEM;
        }
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

/* ---- keys ---- */

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

/* ---- the stored item wrapper ---- */

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

void trakt_metadata_done(TraktMetadata *m) {
        free(m->media_type);
        free(m->resolution);
        free(m->hdr);
        free(m->audio);
        free(m->audio_channels);
        *m = (TraktMetadata) {};
}
