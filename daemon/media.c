/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "media.h"

static const struct {
        const char *key;
        char type;
} known[] = {
        { "type", 's' }, { "trakt", 'u' }, { "tmdb", 'u' }, { "tvdb", 'u' }, { "imdb", 's' }, { "slug", 's' },
        { "title", 's' }, { "year", 'u' }, { "show_title", 's' }, { "show_year", 'u' }, { "show_trakt", 'u' },
        { "show_tmdb", 'u' }, { "show_tvdb", 'u' }, { "show_imdb", 's' }, { "season", 'u' }, { "episode", 'u' },
        { "runtime", 'u' },
};

static int fail(char **ret_error, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(char **ret_error, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        if (ret_error && vasprintf(ret_error, fmt, ap) < 0)
                *ret_error = NULL;
        va_end(ap);
        return -EINVAL;
}

static bool is_extra(const char *key, const char *const *extra) {
        for (size_t i = 0; extra && extra[i]; i++)
                if (strcmp(extra[i], key) == 0)
                        return true;
        return false;
}

static int set_string(char **dst, const char *v) {
        free(*dst);
        *dst = strdup(v);
        return *dst ? 0 : -ENOMEM;
}

int media_from_fields(const MediaField *fields, size_t n, const char *const *extra, TraktMedia *ret,
                      char **ret_error) {
        TraktMedia m = {};
        const char *type = NULL;
        int r = 0;

        for (size_t i = 0; i < n; i++) {
                const MediaField *f = &fields[i];
                char want = 0;
                for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
                        if (strcmp(known[k].key, f->key) == 0)
                                want = known[k].type;
                if (!want) {
                        if (is_extra(f->key, extra))
                                continue;
                        trakt_media_done(&m);
                        return fail(ret_error, "Unknown key '%.64s' in the media dictionary; see the media keys in the D-Bus API.",
                                    f->key);
                }
                if (f->type != want) {
                        trakt_media_done(&m);
                        return fail(ret_error, "The media key '%s' must be of type '%c', not '%c'.", f->key, want, f->type);
                }
                if (want == 's' && (!f->s || strlen(f->s) > MEDIA_STRING_MAX)) {
                        trakt_media_done(&m);
                        return fail(ret_error, "The media key '%s' is longer than %d bytes.", f->key, MEDIA_STRING_MAX);
                }
                if (want == 's' && !*f->s) {
                        trakt_media_done(&m);
                        return fail(ret_error, "The media key '%s' is empty.", f->key);
                }

                const char *k = f->key;
                if (strcmp(k, "type") == 0)
                        type = f->s;
                else if (strcmp(k, "trakt") == 0)
                        m.ids.trakt = f->u;
                else if (strcmp(k, "tmdb") == 0)
                        m.ids.tmdb = f->u;
                else if (strcmp(k, "tvdb") == 0)
                        m.ids.tvdb = f->u;
                else if (strcmp(k, "imdb") == 0)
                        r = set_string(&m.ids.imdb, f->s);
                else if (strcmp(k, "slug") == 0)
                        r = set_string(&m.ids.slug, f->s);
                else if (strcmp(k, "title") == 0)
                        r = set_string(&m.title, f->s);
                else if (strcmp(k, "year") == 0)
                        m.year = f->u;
                else if (strcmp(k, "show_title") == 0)
                        r = set_string(&m.show_title, f->s);
                else if (strcmp(k, "show_year") == 0)
                        m.show_year = f->u;
                else if (strcmp(k, "show_trakt") == 0)
                        m.show_ids.trakt = f->u;
                else if (strcmp(k, "show_tmdb") == 0)
                        m.show_ids.tmdb = f->u;
                else if (strcmp(k, "show_tvdb") == 0)
                        m.show_ids.tvdb = f->u;
                else if (strcmp(k, "show_imdb") == 0)
                        r = set_string(&m.show_ids.imdb, f->s);
                else if (strcmp(k, "season") == 0)
                        m.season = f->u;
                else if (strcmp(k, "episode") == 0)
                        m.number = f->u;
                else if (strcmp(k, "runtime") == 0)
                        m.runtime = f->u;
                if (r < 0) {
                        trakt_media_done(&m);
                        return r;
                }
        }

        if (!type) {
                trakt_media_done(&m);
                return fail(ret_error, "The media dictionary needs a 'type': movie, show or episode.");
        }
        m.type = trakt_media_type_from_string(type);
        if (m.type != TRAKT_MOVIE && m.type != TRAKT_SHOW && m.type != TRAKT_EPISODE) {
                trakt_media_done(&m);
                return fail(ret_error, "The media type '%.32s' is not movie, show or episode.", type);
        }
        if (m.ids.imdb && (strncmp(m.ids.imdb, "tt", 2) != 0 || strspn(m.ids.imdb + 2, "0123456789") != strlen(m.ids.imdb + 2) ||
                           strlen(m.ids.imdb) < 3)) {
                trakt_media_done(&m);
                return fail(ret_error, "The 'imdb' id must look like tt0372784.");
        }

        /* Numbers as Trakt has them: years, seasons, episodes and minutes are small
         * (the parsers of Trakt's answers keep 1–99999 only, so a bigger one could
         * never match anything and would not read back the same). */
        const struct {
                const char *key;
                unsigned v;
        } small[] = { { "year", m.year }, { "show_year", m.show_year }, { "season", m.season },
                      { "episode", m.number }, { "runtime", m.runtime } };
        for (size_t i = 0; i < sizeof small / sizeof small[0]; i++)
                if (small[i].v >= 100000) {
                        trakt_media_done(&m);
                        return fail(ret_error, "The media key '%s' is too large (%u); it must be below 100000.", small[i].key,
                                    small[i].v);
                }

        if (m.type == TRAKT_EPISODE && m.ids.slug) {
                /* Trakt's episodes have trakt, tvdb, imdb and tmdb ids, never a slug (docs/trakt-api.md §4.1). */
                trakt_media_done(&m);
                return fail(ret_error, "Episodes have no 'slug' on Trakt; name the episode by its ids or by its show with 'season' and 'episode'.");
        }

        bool has_ids = !trakt_ids_empty(&m.ids);
        if (m.type == TRAKT_EPISODE) {
                bool by_show = (!trakt_ids_empty(&m.show_ids) || m.show_title) && m.number > 0;
                if (!has_ids && !by_show) {
                        trakt_media_done(&m);
                        return fail(ret_error, "Name the episode by its own ids, or by its show (show_* ids or show_title) with 'season' and 'episode'.");
                }
        } else {
                if (m.show_title || !trakt_ids_empty(&m.show_ids) || m.season || m.number) {
                        trakt_media_done(&m);
                        return fail(ret_error, "The keys show_*, season and episode are for episodes, not a %s.", type);
                }
                if (!has_ids && !m.title) {
                        trakt_media_done(&m);
                        return fail(ret_error, "Name the %s by at least one id (trakt, tmdb, tvdb, imdb, slug) or a title.", type);
                }
        }
        *ret = m;
        return 0;
}
