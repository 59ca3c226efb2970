/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "metadata.h"

#define MAX_KEYS_SCANNED 512 /* a hostile dictionary may be huge; real ones have a few dozen keys */

/* A string value (s or o) of sane length, or NULL. */
static const char *get_string(GVariant *v) {
        if (!v)
                return NULL;
        if (!g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) && !g_variant_is_of_type(v, G_VARIANT_TYPE_OBJECT_PATH))
                return NULL;
        gsize n;
        const char *s = g_variant_get_string(v, &n);
        if (n == 0 || n > METADATA_MAX_STRING)
                return NULL;
        return s;
}

/* Whole numbers come in every integer type (and sometimes as text or a
 * double) from players that do not follow the spec's "x". */
static bool get_int64(GVariant *v, gint64 *ret) {
        if (!v)
                return false;
        if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT64))
                *ret = g_variant_get_int64(v);
        else if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64)) {
                guint64 u = g_variant_get_uint64(v);
                if (u > G_MAXINT64)
                        return false;
                *ret = (gint64) u;
        } else if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT32))
                *ret = g_variant_get_int32(v);
        else if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32))
                *ret = g_variant_get_uint32(v);
        else if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT16))
                *ret = g_variant_get_int16(v);
        else if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT16))
                *ret = g_variant_get_uint16(v);
        else if (g_variant_is_of_type(v, G_VARIANT_TYPE_BYTE))
                *ret = g_variant_get_byte(v);
        else if (g_variant_is_of_type(v, G_VARIANT_TYPE_DOUBLE)) {
                double d = g_variant_get_double(v);
                if (!(d > -9.2e18 && d < 9.2e18)) /* also false for NaN */
                        return false;
                *ret = (gint64) d;
        } else {
                const char *s = get_string(v);
                char *end;
                if (!s || !g_ascii_isdigit(s[0]) || strlen(s) > 18)
                        return false;
                *ret = g_ascii_strtoll(s, &end, 10);
                if (*end)
                        return false;
        }
        return true;
}

/* A small non-negative number (media type), or -1. */
static int get_small(GVariant *v) {
        gint64 n;
        if (!get_int64(v, &n) || n < 0 || n > 100000)
                return -1;
        return (int) n;
}

/* A tag's text: a string as it is, a number written out. */
static char *get_text(GVariant *v) {
        const char *s = get_string(v);
        if (s)
                return g_strdup(s);
        gint64 n;
        if (v && !g_variant_is_of_type(v, G_VARIANT_TYPE_DOUBLE) && get_int64(v, &n))
                return g_strdup_printf("%" G_GINT64_FORMAT, n);
        return NULL;
}

/* "tt0133093" inside s, or NULL. */
static char *find_imdb(const char *s) {
        for (const char *p = s; p && (p = strstr(p, "tt")); p++) {
                size_t n = 0;
                while (g_ascii_isdigit(p[2 + n]))
                        n++;
                if (n >= 7 && n <= 10 && (p == s || !g_ascii_isalnum(p[-1])))
                        return g_strndup(p, 2 + n);
        }
        return NULL;
}

/* Matroska's TMDB/TVDB tags: "movie/603", "tv/1399", "series/81189", or a bare number. */
static bool parse_db_id(GVariant *v, guint32 *ret, char *kind) {
        gint64 n;
        if (get_int64(v, &n)) {
                if (n <= 0 || n > G_MAXUINT32)
                        return false;
                *ret = (guint32) n;
                *kind = 0;
                return true;
        }
        const char *s = get_string(v);
        if (!s)
                return false;
        char k = 0;
        const char *slash = strchr(s, '/');
        if (slash) {
                if (g_str_has_prefix(s, "movie/"))
                        k = 'm';
                else if (g_str_has_prefix(s, "tv/") || g_str_has_prefix(s, "series/"))
                        k = 's';
                else
                        return false;
                s = slash + 1;
        }
        char *end;
        if (!g_ascii_isdigit(s[0]) || strlen(s) > 10)
                return false;
        guint64 u = g_ascii_strtoull(s, &end, 10);
        if (*end || u == 0 || u > G_MAXUINT32)
                return false;
        *ret = (guint32) u;
        *kind = k;
        return true;
}

static char *decode_path(const char *url, bool *local) {
        *local = false;
        if (g_ascii_strncasecmp(url, "file:", 5) == 0) {
                g_autofree char *f = g_filename_from_uri(url, NULL, NULL);
                if (!f)
                        return NULL;
                *local = true;
                /* File names need not be UTF-8; what we show and send must be. */
                return g_utf8_make_valid(f, -1);
        }
        g_autoptr(GUri) u = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
        if (!u)
                return NULL;
        const char *p = g_uri_get_path(u);
        if (!p || !*p)
                return NULL;
        return g_utf8_make_valid(p, -1);
}

void metadata_clear(MprisMetadata *m) {
        g_free(m->trackid);
        g_free(m->url);
        g_free(m->path);
        g_free(m->title);
        g_free(m->created);
        g_free(m->tag_show);
        g_free(m->tag_season);
        g_free(m->tag_episode);
        g_free(m->imdb);
        *m = (MprisMetadata) { .length_us = -1, .tag_media_type = -1 };
}

static void take_raw_tag(MprisMetadata *m, const char *key, GVariant *v) {
        if (g_ascii_strcasecmp(key, "show") == 0) {
                const char *s = get_string(v);
                if (s && !m->tag_show)
                        m->tag_show = g_strdup(s);
        } else if (g_ascii_strcasecmp(key, "season_number") == 0) {
                if (!m->tag_season)
                        m->tag_season = get_text(v);
        } else if (g_ascii_strcasecmp(key, "episode_sort") == 0) {
                if (!m->tag_episode)
                        m->tag_episode = get_text(v);
        } else if (g_ascii_strcasecmp(key, "media_type") == 0)
                m->tag_media_type = get_small(v);
        else if (g_ascii_strcasecmp(key, "imdb") == 0 || g_ascii_strcasecmp(key, "imdb_id") == 0) {
                const char *s = get_string(v);
                if (s && !m->imdb)
                        m->imdb = find_imdb(s);
        } else if (g_ascii_strcasecmp(key, "tmdb") == 0 || g_ascii_strcasecmp(key, "tmdb_id") == 0)
                (void) parse_db_id(v, &m->tmdb, &m->tmdb_kind);
        else if (g_ascii_strcasecmp(key, "tvdb") == 0 || g_ascii_strcasecmp(key, "tvdb_id") == 0)
                (void) parse_db_id(v, &m->tvdb, &m->tvdb_kind);
}

void metadata_parse(GVariant *value, MprisMetadata *ret) {
        *ret = (MprisMetadata) { .length_us = -1, .tag_media_type = -1 };
        if (!value)
                return;
        g_autoptr(GVariant) inner = NULL;
        if (g_variant_is_of_type(value, G_VARIANT_TYPE_VARIANT))
                value = inner = g_variant_get_variant(value);
        if (!g_variant_is_of_type(value, G_VARIANT_TYPE("a{sv}")))
                return;

        GVariantIter it;
        const char *key;
        unsigned scanned = 0;
        g_variant_iter_init(&it, value);
        /* g_variant_iter_next, not _loop: leaving a _loop early (the cap on
         * keys) leaks what it returned last. */
        for (GVariant *entry; scanned++ < MAX_KEYS_SCANNED && (entry = g_variant_iter_next_value(&it)); g_variant_unref(entry)) {
                g_autoptr(GVariant) v = NULL;
                const char *s;
                gint64 n;

                g_variant_get(entry, "{&sv}", &key, &v);

                if (strcmp(key, "mpris:trackid") == 0) {
                        if ((s = get_string(v)) && !ret->trackid)
                                ret->trackid = g_strdup(s);
                } else if (strcmp(key, "xesam:url") == 0) {
                        if ((s = get_string(v)) && !ret->url) {
                                ret->url = g_strdup(s);
                                ret->path = decode_path(s, &ret->local);
                        }
                } else if (strcmp(key, "xesam:title") == 0) {
                        if ((s = get_string(v)) && !ret->title)
                                ret->title = g_strdup(s);
                } else if (strcmp(key, "mpris:length") == 0) {
                        ret->length_us = get_int64(v, &n) && n > 0 ? n : -1;
                } else if (strcmp(key, "xesam:contentCreated") == 0) {
                        if ((s = get_string(v)) && !ret->created)
                                ret->created = g_strdup(s);
                } else if (strcmp(key, "xesam:album") == 0 || strcmp(key, "xesam:artist") == 0 ||
                           strcmp(key, "xesam:albumArtist") == 0 || strcmp(key, "xesam:trackNumber") == 0) {
                        /* An empty artist list is what some video players send: not music. */
                        if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING_ARRAY))
                                ret->music |= g_variant_n_children(v) > 0;
                        else if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING))
                                ret->music |= get_string(v) != NULL;
                        else if (get_int64(v, &n))
                                ret->music |= n > 0;
                } else if (!strchr(key, ':'))
                        take_raw_tag(ret, key, v);
        }
}

char *metadata_item_key(const MprisMetadata *m) {
        if (m->local && m->path)
                return g_strconcat("file:", m->path, NULL);
        if (m->url)
                return g_strconcat("url:", m->url, NULL);
        if (m->title)
                return g_strconcat("track:", m->trackid ?: "", "\n", m->title, NULL);
        return NULL;
}
