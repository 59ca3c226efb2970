/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "identify.h"
#include "release-name.h"

static const char *const audio_extensions[] = {
        "aac", "ac3", "aif", "aiff", "alac", "ape", "au", "caf", "dff", "dsf", "dts", "flac", "m4a", "m4b", "m4p",
        "mka", "mid", "midi", "mp2", "mp3", "mpc", "oga", "ogg", "opus", "ra", "shn", "spx", "tak", "tta", "wav",
        "weba", "wma", "wv", "xm", "mod", "s3m", "it",
};

static const char *const video_extensions[] = {
        "3g2", "3gp", "asf", "avi", "divx", "dv", "f4v", "flv", "h264", "hevc", "iso", "m2t", "m2ts", "m4v", "mjpeg",
        "mk3d", "mkv", "mov", "mp4", "mpe", "mpeg", "mpg", "mts", "mxf", "nut", "ogm", "ogv", "qt", "rm", "rmvb",
        "ts", "vob", "webm", "wmv", "wtv", "xvid", "y4m",
};

static gboolean has_extension(const char *path, const char *const *list, size_t n) {
        if (!path)
                return FALSE;
        const char *slash = strrchr(path, '/');
        const char *dot = strrchr(slash ? slash : path, '.');
        if (!dot || !dot[1] || strlen(dot + 1) > 8)
                return FALSE;
        for (size_t i = 0; i < n; i++)
                if (g_ascii_strcasecmp(dot + 1, list[i]) == 0)
                        return TRUE;
        return FALSE;
}

gboolean identify_is_audio_path(const char *path) {
        return has_extension(path, audio_extensions, G_N_ELEMENTS(audio_extensions));
}

gboolean identify_is_video_path(const char *path) {
        return has_extension(path, video_extensions, G_N_ELEMENTS(video_extensions));
}

/* ---- ids in folder and file names ---- */

typedef struct Ids {
        char imdb[16];
        guint32 tmdb;
        guint32 tvdb;
} Ids;

/* "{imdb-tt0133093}", "[imdbid-tt0133093]", "{tmdb-603}", "[tmdbid-603]",
 * "{tvdb-81189}", "[tvdbid-81189]" (Plex, Jellyfin, Radarr, Sonarr): the
 * first of each kind in the file name and its last three folders. */
static void ids_from_path(const char *path, Ids *ids) {
        if (!path)
                return;
        /* The file name and its last three folders only, like the parser. */
        const char *start = path + strlen(path);
        for (int slashes = 0; start > path; start--)
                if (start[-1] == '/' && ++slashes == 4)
                        break;
        for (const char *p = start; *p; p++) {
                if (*p != '{' && *p != '[')
                        continue;
                const char *q = p + 1;
                const char *kinds[] = { "imdbid-", "imdb-", "tmdbid-", "tmdb-", "tvdbid-", "tvdb-" };
                for (size_t k = 0; k < G_N_ELEMENTS(kinds); k++) {
                        size_t kl = strlen(kinds[k]);
                        if (g_ascii_strncasecmp(q, kinds[k], kl) != 0)
                                continue;
                        const char *v = q + kl;
                        size_t n = 0;
                        if (kinds[k][1] == 'm' && kinds[k][0] == 'i') { /* imdb */
                                if ((v[0] != 't' && v[0] != 'T') || (v[1] != 't' && v[1] != 'T'))
                                        break;
                                while (g_ascii_isdigit(v[2 + n]))
                                        n++;
                                if (n >= 7 && n <= 10 && (v[2 + n] == '}' || v[2 + n] == ']') && !ids->imdb[0]) {
                                        ids->imdb[0] = 't';
                                        ids->imdb[1] = 't';
                                        memcpy(ids->imdb + 2, v + 2, n);
                                        ids->imdb[2 + n] = 0;
                                }
                                break;
                        }
                        guint64 num = 0;
                        while (g_ascii_isdigit(v[n]) && n < 10)
                                num = num * 10 + (guint64) (v[n++] - '0');
                        if (n == 0 || (v[n] != '}' && v[n] != ']') || num == 0 || num > G_MAXUINT32)
                                break;
                        guint32 *dst = kinds[k][1] == 'm' ? &ids->tmdb : &ids->tvdb;
                        if (!*dst)
                                *dst = (guint32) num;
                        break;
                }
        }
}

/* ---- the media dictionary ---- */

static void add_string(GVariantBuilder *b, const char *key, const char *v) {
        g_variant_builder_add(b, "{sv}", key, g_variant_new_string(v));
}

static void add_uint(GVariantBuilder *b, const char *key, guint32 v) {
        g_variant_builder_add(b, "{sv}", key, g_variant_new_uint32(v));
}

void identification_clear(Identification *id) {
        if (id->media)
                g_variant_unref(id->media);
        g_free(id->label);
        *id = (Identification) {};
}

void identify(const MprisMetadata *m, Identification *ret) {
        *ret = (Identification) {};
        const char *path = m->path;

        if (path && identify_is_audio_path(path)) {
                ret->why = "an audio file";
                return;
        }
        if (m->tag_media_type == 1 || (m->music && !(path && identify_is_video_path(path)))) {
                ret->why = "music (album or artist tags)";
                return;
        }
        if (!path && !m->tag_show) {
                /* A title alone (a browser tab, a stream) is too weak: it may be
                 * anything, and a wrong match would put a wrong watch on Trakt. */
                ret->why = "no file name to tell what it is (a title alone is not enough)";
                return;
        }

        ReleaseHints hints = {
                .title = m->title,
                .show = m->tag_show,
                .season = m->tag_season,
                .episode = m->tag_episode,
                .created = m->created,
        };
        ReleaseInfo info;
        release_name_parse(path ?: "", &hints, &info);

        Ids ids = {};
        if (m->local)
                ids_from_path(path, &ids);
        bool movie_by_id = info.type != RELEASE_EPISODE &&
                           ((m->imdb && m->tmdb_kind != 's' && m->tvdb_kind != 's') || (m->tmdb && m->tmdb_kind == 'm') ||
                            (info.type == RELEASE_MOVIE && (ids.imdb[0] || ids.tmdb)));

        if (info.extra != RELEASE_EXTRA_NONE) {
                ret->why = "a sample, trailer or extra, not a watch";
                return;
        }

        GVariantBuilder b;
        g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));

        if (info.type == RELEASE_EPISODE && release_info_nameable(&info)) {
                add_string(&b, "type", "episode");
                add_string(&b, "show_title", info.title);
                if (info.year > 0)
                        add_uint(&b, "show_year", (guint32) info.year);
                add_uint(&b, "season", (guint32) info.season);
                add_uint(&b, "episode", (guint32) info.episode);
                /* Ids in a path or a "tv/" tag name the show (Sonarr's series folder). */
                if (ids.imdb[0])
                        add_string(&b, "show_imdb", ids.imdb);
                if (ids.tmdb || (m->tmdb && m->tmdb_kind == 's'))
                        add_uint(&b, "show_tmdb", ids.tmdb ?: m->tmdb);
                if (ids.tvdb || (m->tvdb && m->tvdb_kind == 's'))
                        add_uint(&b, "show_tvdb", ids.tvdb ?: m->tvdb);
                ret->label = info.year > 0
                                     ? g_strdup_printf("%s (%d) S%02dE%02d", info.title, info.year, info.season, info.episode)
                                     : g_strdup_printf("%s S%02dE%02d", info.title, info.season, info.episode);
        } else if (info.type == RELEASE_EPISODE) {
                g_variant_builder_clear(&b);
                ret->why = info.season == RELEASE_ABSENT ? "an episode without a season number"
                                                         : "an episode the daemon cannot name (no show title or number)";
                return;
        } else if ((info.type == RELEASE_MOVIE && info.title[0] && info.year > 0) || movie_by_id) {
                add_string(&b, "type", "movie");
                if (info.type == RELEASE_MOVIE && info.title[0])
                        add_string(&b, "title", info.title);
                if (info.type == RELEASE_MOVIE && info.year > 0)
                        add_uint(&b, "year", (guint32) info.year);
                const char *imdb = ids.imdb[0] ? ids.imdb : m->imdb;
                if (imdb)
                        add_string(&b, "imdb", imdb);
                if (ids.tmdb || (m->tmdb && m->tmdb_kind != 's'))
                        add_uint(&b, "tmdb", ids.tmdb ?: m->tmdb);
                if (info.type == RELEASE_MOVIE && info.title[0])
                        ret->label = info.year > 0 ? g_strdup_printf("%s (%d)", info.title, info.year)
                                                   : g_strdup(info.title);
                else if (imdb)
                        ret->label = g_strdup_printf("the movie %s", imdb);
                else
                        ret->label = g_strdup_printf("the movie tmdb:%u", ids.tmdb ?: m->tmdb);
        } else {
                g_variant_builder_clear(&b);
                /* A title without a year may be anything (a home video called
                 * "holiday.mkv"): a wrong match would put a wrong watch on Trakt. */
                ret->why = info.type == RELEASE_MOVIE ? "a movie name without a year (name it “Title (Year)”)"
                                                      : "not a movie or episode name";
                return;
        }
        ret->media = g_variant_ref_sink(g_variant_builder_end(&b));
}
