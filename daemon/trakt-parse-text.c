/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "trakt-parse-text.h"
#include "trakt-time.h"

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
        trakt_ids_done(ids);
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
        trakt_ids_done(&m->ids);
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
                trakt_ids_drop_slug(&m.ids);
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
        if (!trakt_media_usable(&m)) {
                trakt_media_done(&m);
                return -EBADMSG;
        }
        *ret = m;
        return 0;
}

/* One element of the page. Returns 1 for a play added to out, 0 for an
 * element skipped (counted in *skipped unless it is a person or a list). */
static int read_history_row(Reader *r, TraktItemArray *out, size_t *skipped) {
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
                TraktItem *it = trakt_item_array_add(out);
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
        TraktItemArray out = {};
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
