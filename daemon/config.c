/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

#define GROUP "Trakt"

void config_init_defaults(Config *c) {
        *c = (Config) {
                .api_url = g_strdup("https://api.trakt.tv"),
                .auth_url = NULL, /* settled by config_apply_env() */
                .connect_timeout_sec = 10,
                .low_speed_timeout_sec = 30,
                .total_timeout_sec = 120,
                /* The largest answer the daemon can rightly get is a page of 250
                 * collected shows with every episode's metadata (~170 bytes an
                 * episode, docs/trakt-api.md §5.6): 32 MiB holds 250 shows of
                 * 750 episodes each. A history page of 250 plays is about
                 * 150 KiB; nothing else is unpaged. Larger is garbage or a
                 * server ignoring paging. */
                .max_response_size = 32 * 1024 * 1024,
                .get_budget = 500,
                .get_period_sec = 300,
                .write_interval_msec = 1000,
                .sync_interval_sec = 300,
                .max_retries = 5,
                .live_window_sec = 5,
        };
}

void config_done(Config *c) {
        g_free(c->api_url);
        g_free(c->auth_url);
        g_free(c->auth_fallback_url);
        c->api_url = c->auth_url = c->auth_fallback_url = NULL;
}

/* The file split into lines, each with its leading and trailing whitespace
 * removed (what GKeyFile ignores too). Line i of the file is lines[i - 1]. */
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

/* The group name of a "[name]" line, or NULL. */
static char *line_group(const char *l) {
        size_t n = strlen(l);
        if (n < 2 || l[0] != '[' || l[n - 1] != ']')
                return NULL;
        return g_strndup(l + 1, n - 2);
}

/* The key of a "key = value" line, or NULL. */
static char *line_key(const char *l) {
        const char *eq = strchr(l, '=');
        if (!eq || eq == l)
                return NULL;
        char *k = g_strndup(l, (size_t) (eq - l));
        return g_strchomp(k);
}

/* GKeyFile's rule for key names: no '=', '[' or ']' except one trailing
 * "[locale]", no leading or trailing space. */
static bool key_name_valid(const char *k) {
        size_t n = strcspn(k, "=[]");
        if (n == 0 || k[0] == ' ' || k[n - 1] == ' ')
                return false;
        if (k[n] == 0)
                return true;
        if (k[n] != '[')
                return false;
        const char *p = k + n + 1;
        while (g_ascii_isalnum(*p) || (unsigned char) *p >= 0x80 || (*p && strchr("-_.@", *p)))
                p++;
        return p[0] == ']' && p[1] == 0;
}

/* The line on which key is set in group (GKeyFile does not tell). A key set
 * twice takes its last value, so the last line is the one that counts.
 * key == NULL: the line of the group's first header. 0 when not found. */
static unsigned find_line(char **lines, const char *group, const char *key) {
        bool in_group = false;
        unsigned found = 0;

        for (unsigned i = 0; lines[i]; i++) {
                const char *l = lines[i];
                if (line_is_comment(l))
                        continue;
                g_autofree char *g = line_group(l);
                if (g) {
                        in_group = streq(g, group);
                        if (!key && in_group)
                                return i + 1;
                        continue;
                }
                if (!in_group || !key)
                        continue;
                g_autofree char *k = line_key(l);
                if (k && streq(k, key))
                        found = i + 1;
        }
        return found;
}

/* The line GKeyFile refused: the first one that is neither blank, a comment,
 * a group header nor "key = value" under a group (the same rules GKeyFile
 * applies; kept independent of its translated messages). Falls back to the
 * line GKeyFile quotes in its message. 0 when not found. */
static unsigned find_syntax_error_line(char **lines, const char *message) {
        bool have_group = false;

        for (unsigned i = 0; lines[i]; i++) {
                const char *l = lines[i];
                if (line_is_comment(l))
                        continue;
                if (l[0] == '[') {
                        g_autofree char *g = line_group(l);
                        if (!g || isempty(g) || strpbrk(g, "[]"))
                                return i + 1;
                        have_group = true;
                        continue;
                }
                g_autofree char *k = line_key(l);
                if (!k || !key_name_valid(k) || !have_group)
                        return i + 1;
        }

        /* GKeyFile writes “the line” in its message (C and UTF-8 locales). */
        const char *q = message ? strstr(message, "\xe2\x80\x9c") : NULL;
        const char *qe = q ? strstr(q + 3, "\xe2\x80\x9d") : NULL;
        if (!qe)
                return 0;
        g_autofree char *bad = g_strndup(q + 3, (size_t) (qe - q - 3));
        g_strstrip(bad);
        for (unsigned i = 0; lines[i]; i++)
                if (streq(lines[i], bad))
                        return i + 1;
        return 0;
}

/* Text from the file, safe to put into a message (the file may not be UTF-8). */
static char *printable(const char *s) {
        return g_utf8_make_valid(s, -1);
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

static bool parse_uint(const char *s, unsigned long long min, unsigned long long max, unsigned long long *ret) {
        char *end;
        if (!s || !g_ascii_isdigit(s[0]))
                return false;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || *end || v < min || v > max)
                return false;
        *ret = v;
        return true;
}

static char *strip_slashes(const char *s) {
        char *r = g_strdup(s);
        size_t n = strlen(r);
        while (n > 0 && r[n - 1] == '/')
                r[--n] = 0;
        return r;
}

/* An http:// or https:// URL with a host, no whitespace or control characters.
 * Checked after the trailing slashes are gone, so "https:///" is refused. */
static bool url_valid(const char *s) {
        const char *rest;
        if (g_str_has_prefix(s, "http://"))
                rest = s + strlen("http://");
        else if (g_str_has_prefix(s, "https://"))
                rest = s + strlen("https://");
        else
                return false;
        if (rest[0] == 0 || rest[0] == '/')
                return false;
        for (const char *p = s; *p; p++)
                if ((unsigned char) *p <= ' ' || *p == 0x7f)
                        return false;
        return true;
}

/* The escapes GKeyFile knows in a string value: \s \n \t \r \\. */
static bool escapes_valid(const char *v) {
        for (const char *p = v; *p; p++)
                if (*p == '\\') {
                        p++;
                        if (!*p || !strchr("sntr\\", *p))
                                return false;
                }
        return true;
}

static const struct {
        const char *key;
        size_t offset;
        unsigned long long min, max;
        bool is_size;
} number_keys[] = {
        { "connect_timeout", offsetof(Config, connect_timeout_sec), 1, 3600, false },
        { "low_speed_timeout", offsetof(Config, low_speed_timeout_sec), 1, 3600, false },
        { "total_timeout", offsetof(Config, total_timeout_sec), 1, 86400, false },
        { "max_response_size", offsetof(Config, max_response_size), 4096,
          SIZE_MAX < (1ULL << 32) ? SIZE_MAX : (1ULL << 32), true },
        { "get_budget", offsetof(Config, get_budget), 1, 100000, false },
        { "get_period", offsetof(Config, get_period_sec), 1, 86400, false },
        { "write_interval_ms", offsetof(Config, write_interval_msec), 0, 600000, false },
        { "sync_interval", offsetof(Config, sync_interval_sec), 30, 86400, false },
        { "max_retries", offsetof(Config, max_retries), 0, 100, false },
        { "live_window", offsetof(Config, live_window_sec), 1, 3600, false },
};

/* Applies one key of [Trakt] to c. */
static gboolean apply_key(Config *c, GKeyFile *kf, char **lines, const char *path, const char *k, GError **error) {
        g_autoptr(GError) e = NULL;
        unsigned line = find_line(lines, GROUP, k);
        bool is_url = streq(k, "api_url") || streq(k, "auth_url");
        size_t number = G_N_ELEMENTS(number_keys);

        for (size_t j = 0; !is_url && j < G_N_ELEMENTS(number_keys); j++)
                if (streq(number_keys[j].key, k))
                        number = j;
        if (!is_url && number == G_N_ELEMENTS(number_keys)) {
                g_autofree char *p = printable(k);
                return fail(error, path, line, "unknown key '%s' in [" GROUP "]", p);
        }

        /* Bad escapes are caught here: GKeyFile may return a value and an
         * error for them, and sets its error twice for two of them. */
        g_autofree char *raw = g_key_file_get_value(kf, GROUP, k, NULL);
        g_autofree char *v = raw && escapes_valid(raw) ? g_key_file_get_string(kf, GROUP, k, &e) : NULL;
        if (!v || e) {
                g_autofree char *p = printable(raw ?: "");
                return fail(error, path, line, "key '%s': cannot read the value '%s' (a bad escape sequence or not UTF-8)", k, p);
        }
        g_strstrip(v);

        if (is_url) {
                g_autofree char *u = strip_slashes(v);
                if (!url_valid(u)) {
                        g_autofree char *p = printable(v);
                        return fail(error, path, line, "key '%s': expected an http:// or https:// URL, got '%s'", k, p);
                }
                char **dst = streq(k, "api_url") ? &c->api_url : &c->auth_url;
                g_free(*dst);
                *dst = TAKE_PTR(u);
                if (streq(k, "api_url"))
                        c->api_url_set = true;
                return TRUE;
        }

        unsigned long long n;
        if (!parse_uint(v, number_keys[number].min, number_keys[number].max, &n)) {
                g_autofree char *p = printable(v);
                return fail(error, path, line, "key '%s': expected a whole number from %llu to %llu, got '%s'", k,
                            number_keys[number].min, number_keys[number].max, p);
        }
        if (number_keys[number].is_size)
                *(size_t *) ((char *) c + number_keys[number].offset) = (size_t) n;
        else
                *(unsigned *) ((char *) c + number_keys[number].offset) = (unsigned) n;
        return TRUE;
}

gboolean config_load_from_data(Config *c, const char *data, size_t len, const char *path, GError **error) {
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GError) e = NULL;
        g_auto(GStrv) lines = split_lines(data, len);

        if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &e)) {
                unsigned line = find_syntax_error_line(lines, e->message);
                g_autofree char *m = printable(e->message);
                if (line > 0)
                        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s:%u: %s", path, line, m);
                else
                        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s: %s", path, m);
                return FALSE;
        }

        g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
        for (size_t i = 0; groups[i]; i++)
                if (!streq(groups[i], GROUP)) {
                        g_autofree char *p = printable(groups[i]);
                        return fail(error, path, find_line(lines, groups[i], NULL),
                                    "unknown group [%s]; the only group is [" GROUP "]", p);
                }

        /* GKeyFile hides "key[locale]" lines from g_key_file_get_keys(); a
         * translated setting makes no sense here, so say so instead of
         * ignoring the line. */
        for (unsigned i = 0; lines[i]; i++) {
                if (line_is_comment(lines[i]) || lines[i][0] == '[')
                        continue;
                g_autofree char *k = line_key(lines[i]);
                if (k && strchr(k, '[')) {
                        g_autofree char *p = printable(k);
                        return fail(error, path, i + 1, "unknown key '%s' in [" GROUP "]", p);
                }
        }

        if (!g_key_file_has_group(kf, GROUP))
                return TRUE;

        /* Work on a copy so a bad file leaves c as it was. */
        Config n = *c;
        n.api_url = g_strdup(c->api_url);
        n.auth_url = g_strdup(c->auth_url);
        n.auth_fallback_url = g_strdup(c->auth_fallback_url);

        g_auto(GStrv) keys = g_key_file_get_keys(kf, GROUP, NULL, NULL);
        for (size_t i = 0; keys && keys[i]; i++)
                if (!apply_key(&n, kf, lines, path, keys[i], error)) {
                        config_done(&n);
                        return FALSE;
                }

        config_done(c);
        *c = n;
        return TRUE;
}

#define TRAKT_AUTH_URL "https://auth.trakt.tv" /* Trakt's 2026 API contract: every OAuth request goes here */

void config_apply_env(Config *c) {
        const char *e = getenv("KINO_TRAKT_API_URL");
        if (!isempty(e)) {
                g_free(c->api_url);
                c->api_url = strip_slashes(e);
                c->api_url_set = true;
        }
        e = getenv("KINO_TRAKT_AUTH_URL");
        if (!isempty(e)) {
                g_free(c->auth_url);
                c->auth_url = strip_slashes(e);
        }
        g_free(c->auth_fallback_url);
        c->auth_fallback_url = NULL;
        if (!c->auth_url)
                c->auth_url = g_strdup(c->api_url_set ? c->api_url : TRAKT_AUTH_URL);
        if (!streq(c->auth_url, c->api_url))
                c->auth_fallback_url = g_strdup(c->api_url);
}

gboolean config_load(Config *c, const char *path, GError **error) {
        g_autofree char *data = NULL;
        gsize len = 0;
        g_autoptr(GError) e = NULL;

        if (!g_file_get_contents(path, &data, &len, &e)) {
                if (!g_error_matches(e, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
                        g_set_error(error, G_FILE_ERROR, e->code, "%s: %s", path, e->message);
                        return FALSE;
                }
        } else if (!config_load_from_data(c, data, len, path, error))
                return FALSE;

        config_apply_env(c);
        return TRUE;
}
