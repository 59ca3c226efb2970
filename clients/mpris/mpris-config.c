/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <string.h>

#include "mpris-config.h"

#define DEFAULT_MIN_MINUTES 5.0
#define MAX_MIN_MINUTES (24.0 * 60.0)
#define MAX_NAME_BYTES 256

/* Music players left alone unless `only` names them: their bus-name suffix
 * or Identity. Matched like the user's lists. */
static const char *const music_players[] = {
        "rhythmbox", "spotify", "lollypop", "amarok", "clementine", "strawberry", "audacious", "quodlibet",
        "elisa", "org.gnome.Music", "gnome-music", "deadbeef", "cmus", "mpd", "mpDris2", "Music Player Daemon",
        "ncspot", "tauon", "Tauon Music Box", "cantata", "exaile", "gmusicbrowser", "sayonara", "museeks",
        "amberol", "io.bassi.Amberol", "Shortwave", "de.haeckerfelix.Shortwave", "gnome-podcasts",
        "org.gnome.Podcasts", "Podcasts", "juk", "guayadeque", "pragha", "gnome-music", "Lollypop",
        "spotifyd", "psst", "youtube-music", "feishin", "sublime-music", "Plexamp", "quodlibet",
};

void mpris_config_init(MprisConfig *c) {
        *c = (MprisConfig) {
                .ignore = g_new0(char *, 1),
                .only = g_new0(char *, 1),
                .min_minutes = DEFAULT_MIN_MINUTES,
        };
}

void mpris_config_clear(MprisConfig *c) {
        g_strfreev(c->ignore);
        g_strfreev(c->only);
        *c = (MprisConfig) {};
}

char *mpris_config_default_path(void) {
        return g_build_filename(g_get_user_config_dir(), "kino-trakt", "mpris.conf", NULL);
}

/* ---- where in the file (GKeyFile does not say) ---- */

static char **split_lines(const char *data, size_t len) {
        g_autofree char *text = g_strndup(data, len);
        char **lines = g_strsplit(text, "\n", -1);
        for (size_t i = 0; lines[i]; i++)
                g_strstrip(lines[i]);
        return lines;
}

static bool line_is_comment(const char *l) {
        return l[0] == '#' || l[0] == 0;
}

static char *line_group(const char *l) {
        size_t n = strlen(l);
        if (n < 2 || l[0] != '[' || l[n - 1] != ']')
                return NULL;
        return g_strndup(l + 1, n - 2);
}

static char *line_key(const char *l) {
        const char *eq = strchr(l, '=');
        if (!eq || eq == l)
                return NULL;
        return g_strchomp(g_strndup(l, (size_t) (eq - l)));
}

/* The line of key in group (the last one: it wins), or of the group's
 * header when key is NULL; 0 when not found. */
static unsigned find_line(char **lines, const char *group, const char *key) {
        bool in_group = false;
        unsigned found = 0;
        for (unsigned i = 0; lines[i]; i++) {
                const char *l = lines[i];
                if (line_is_comment(l))
                        continue;
                g_autofree char *g = line_group(l);
                if (g) {
                        in_group = strcmp(g, group) == 0;
                        if (!key && in_group)
                                return i + 1;
                        continue;
                }
                g_autofree char *k = in_group && key ? line_key(l) : NULL;
                if (k && strcmp(k, key) == 0)
                        found = i + 1;
        }
        return found;
}

/* The first line GKeyFile would refuse: not blank, a comment, a group or
 * "key = value" under a group. 0 when none. */
static unsigned find_syntax_error_line(char **lines) {
        bool have_group = false;
        for (unsigned i = 0; lines[i]; i++) {
                const char *l = lines[i];
                if (line_is_comment(l))
                        continue;
                if (l[0] == '[') {
                        g_autofree char *g = line_group(l);
                        if (!g || !*g || strpbrk(g, "[]"))
                                return i + 1;
                        have_group = true;
                        continue;
                }
                g_autofree char *k = line_key(l);
                if (!k || !have_group || strpbrk(k, "[]"))
                        return i + 1;
        }
        return 0;
}

static gboolean fail(GError **error, const char *path, unsigned line, const char *fmt, ...) G_GNUC_PRINTF(4, 5);

static gboolean fail(GError **error, const char *path, unsigned line, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        g_autofree char *what = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        if (line > 0)
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s:%u: %s", path, line, what);
        else
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s: %s", path, what);
        return FALSE;
}

/* Text from the file, safe to print (it may not be UTF-8). */
static char *printable(const char *s) {
        return g_utf8_make_valid(s, -1);
}

static bool escapes_valid(const char *v) {
        for (const char *p = v; *p; p++)
                if (*p == '\\') {
                        p++;
                        if (!*p || !strchr("sntr\\;", *p))
                                return false;
                }
        return true;
}

static gboolean read_names(GKeyFile *kf, const char *key, const char *path, unsigned line, char ***ret,
                           GError **error) {
        g_autofree char *raw = g_key_file_get_value(kf, MPRIS_CONFIG_GROUP, key, NULL);
        g_autoptr(GError) e = NULL;
        g_auto(GStrv) list = raw && escapes_valid(raw) && g_utf8_validate(raw, -1, NULL)
                                     ? g_key_file_get_string_list(kf, MPRIS_CONFIG_GROUP, key, NULL, &e)
                                     : NULL;
        if (!list && raw && !*raw) {
                *ret = g_new0(char *, 1);
                return TRUE;
        }
        if (!list || e) {
                g_autofree char *p = printable(raw ?: "");
                return fail(error, path, line, "key '%s': cannot read the list '%s' (a bad escape sequence or not UTF-8)",
                            key, p);
        }
        GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
        for (size_t i = 0; list[i]; i++) {
                char *n = g_strstrip(list[i]);
                if (!*n)
                        continue;
                if (strlen(n) > MAX_NAME_BYTES) {
                        g_ptr_array_free(out, TRUE);
                        return fail(error, path, line, "key '%s': a player name is at most %d bytes long", key,
                                    MAX_NAME_BYTES);
                }
                if (out->len >= MPRIS_CONFIG_MAX_NAMES) {
                        g_ptr_array_free(out, TRUE);
                        return fail(error, path, line, "key '%s': at most %d player names", key,
                                    MPRIS_CONFIG_MAX_NAMES);
                }
                g_ptr_array_add(out, g_strdup(n));
        }
        g_ptr_array_add(out, NULL);
        *ret = (char **) g_ptr_array_free(out, FALSE);
        return TRUE;
}

static gboolean read_minutes(GKeyFile *kf, const char *path, unsigned line, double *ret, GError **error) {
        g_autofree char *raw = g_key_file_get_value(kf, MPRIS_CONFIG_GROUP, "min_minutes", NULL);
        g_autofree char *v = g_strstrip(g_strdup(raw ?: ""));
        char *end = NULL;
        errno = 0;
        double d = *v && (g_ascii_isdigit(v[0]) || v[0] == '.') ? g_ascii_strtod(v, &end) : NAN;
        if (errno || !end || *end || !isfinite(d) || d < 0 || d > MAX_MIN_MINUTES) {
                g_autofree char *p = printable(v);
                return fail(error, path, line,
                            "key 'min_minutes': expected a number of minutes from 0 to %g (e.g. 5 or 0.5), got '%s'",
                            MAX_MIN_MINUTES, p);
        }
        *ret = d;
        return TRUE;
}

gboolean mpris_config_load_from_data(MprisConfig *c, const char *data, size_t len, const char *path, GError **error) {
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GError) e = NULL;
        g_auto(GStrv) lines = split_lines(data, len);

        if (memchr(data, 0, len))
                return fail(error, path, 0, "the file contains a NUL byte; it must be text");
        if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &e)) {
                g_autofree char *m = printable(e->message);
                return fail(error, path, find_syntax_error_line(lines), "%s", m);
        }

        g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
        for (size_t i = 0; groups[i]; i++)
                if (strcmp(groups[i], MPRIS_CONFIG_GROUP) != 0) {
                        g_autofree char *p = printable(groups[i]);
                        return fail(error, path, find_line(lines, groups[i], NULL),
                                    "unknown group [%s]; the only group is [" MPRIS_CONFIG_GROUP "]", p);
                }
        /* GKeyFile hides "key[locale]" from its key list: refuse it here. */
        for (unsigned i = 0; lines[i]; i++) {
                if (line_is_comment(lines[i]) || lines[i][0] == '[')
                        continue;
                g_autofree char *k = line_key(lines[i]);
                if (k && strchr(k, '[')) {
                        g_autofree char *p = printable(k);
                        return fail(error, path, i + 1, "unknown key '%s' in [" MPRIS_CONFIG_GROUP "]", p);
                }
        }

        MprisConfig n;
        mpris_config_init(&n);
        n.min_minutes = c->min_minutes;
        g_strfreev(n.ignore);
        g_strfreev(n.only);
        n.ignore = g_strdupv(c->ignore);
        n.only = g_strdupv(c->only);

        g_auto(GStrv) keys = g_key_file_has_group(kf, MPRIS_CONFIG_GROUP)
                                     ? g_key_file_get_keys(kf, MPRIS_CONFIG_GROUP, NULL, NULL)
                                     : NULL;
        for (size_t i = 0; keys && keys[i]; i++) {
                const char *k = keys[i];
                unsigned line = find_line(lines, MPRIS_CONFIG_GROUP, k);
                gboolean ok;
                if (strcmp(k, "ignore") == 0) {
                        g_strfreev(n.ignore);
                        n.ignore = NULL;
                        ok = read_names(kf, k, path, line, &n.ignore, error);
                        if (!n.ignore)
                                n.ignore = g_new0(char *, 1);
                } else if (strcmp(k, "only") == 0) {
                        g_strfreev(n.only);
                        n.only = NULL;
                        ok = read_names(kf, k, path, line, &n.only, error);
                        if (!n.only)
                                n.only = g_new0(char *, 1);
                } else if (strcmp(k, "min_minutes") == 0)
                        ok = read_minutes(kf, path, line, &n.min_minutes, error);
                else {
                        g_autofree char *p = printable(k);
                        ok = fail(error, path, line,
                                  "unknown key '%s' in [" MPRIS_CONFIG_GROUP "]; the keys are ignore, only and min_minutes",
                                  p);
                }
                if (!ok) {
                        mpris_config_clear(&n);
                        return FALSE;
                }
        }
        mpris_config_clear(c);
        *c = n;
        return TRUE;
}

gboolean mpris_config_load(MprisConfig *c, const char *path, GError **error) {
        g_autofree char *data = NULL;
        gsize len = 0;
        g_autoptr(GError) e = NULL;

        if (!g_file_get_contents(path, &data, &len, &e)) {
                if (g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT))
                        return TRUE;
                g_set_error(error, G_FILE_ERROR, e->code, "%s: %s", path, e->message);
                return FALSE;
        }
        return mpris_config_load_from_data(c, data, len, path, error);
}

/* ---- matching ---- */

/* The bus-name suffix without a trailing ".instance123" / ".instance-1". */
static char *suffix_base(const char *suffix) {
        const char *dot = strrchr(suffix, '.');
        if (!dot || !g_str_has_prefix(dot, ".instance"))
                return NULL;
        const char *p = dot + strlen(".instance");
        if (*p == '-')
                p++;
        if (!*p)
                return NULL;
        for (const char *q = p; *q; q++)
                if (!g_ascii_isdigit(*q))
                        return NULL;
        return g_strndup(suffix, (size_t) (dot - suffix));
}

static bool name_matches(const char *name, const char *bus_suffix, const char *identity) {
        if (bus_suffix) {
                if (g_ascii_strcasecmp(name, bus_suffix) == 0)
                        return true;
                g_autofree char *base = suffix_base(bus_suffix);
                if (base && g_ascii_strcasecmp(name, base) == 0)
                        return true;
        }
        /* Identity is text: compare case-folded. */
        if (identity && *identity) {
                g_autofree char *a = g_utf8_casefold(name, -1);
                g_autofree char *b = g_utf8_casefold(identity, -1);
                if (strcmp(a, b) == 0)
                        return true;
        }
        return false;
}

static bool list_matches(char *const *list, const char *bus_suffix, const char *identity) {
        for (size_t i = 0; list && list[i]; i++)
                if (name_matches(list[i], bus_suffix, identity))
                        return true;
        return false;
}

bool mpris_config_is_music_player(const char *bus_suffix, const char *identity) {
        for (size_t i = 0; i < G_N_ELEMENTS(music_players); i++)
                if (name_matches(music_players[i], bus_suffix, identity))
                        return true;
        return false;
}

bool mpris_config_player_allowed(const MprisConfig *c, const char *bus_suffix, const char *identity) {
        if (list_matches(c->ignore, bus_suffix, identity))
                return false;
        if (c->only && c->only[0])
                return list_matches(c->only, bus_suffix, identity);
        return !mpris_config_is_music_player(bus_suffix, identity);
}
