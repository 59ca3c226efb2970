/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"

#define GROUP "Trakt"

void config_init_defaults(Config *c) {
        *c = (Config) {
                .api_url = g_strdup("https://api.trakt.tv"),
                .auth_url = NULL, /* = api_url */
                .connect_timeout_sec = 10,
                .low_speed_timeout_sec = 30,
                .total_timeout_sec = 120,
                .max_response_size = 64 * 1024 * 1024,
                .get_budget = 500,
                .get_period_sec = 300,
                .write_interval_msec = 1000,
                .sync_interval_sec = 300,
                .max_retries = 5,
        };
}

void config_done(Config *c) {
        g_free(c->api_url);
        g_free(c->auth_url);
        c->api_url = c->auth_url = NULL;
}

/* The line on which key is set in group (GKeyFile does not tell). */
static unsigned find_line(const char *data, size_t len, const char *group, const char *key) {
        g_autofree char *text = g_strndup(data, len);
        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
        bool in_group = false;

        for (unsigned i = 0; lines[i]; i++) {
                char *l = g_strstrip(lines[i]);
                if (l[0] == '[') {
                        size_t n = strlen(l);
                        in_group = n >= 2 && l[n - 1] == ']' && strncmp(l + 1, group, n - 2) == 0 && strlen(group) == n - 2;
                        if (!key && in_group)
                                return i + 1;
                        continue;
                }
                if (!in_group || !key || l[0] == '#')
                        continue;
                size_t kl = strlen(key);
                if (strncmp(l, key, kl) == 0 && (l[kl] == '=' || l[kl] == ' ' || l[kl] == '\t'))
                        return i + 1;
        }
        return 0;
}

static gboolean fail(GError **error, const char *path, const char *data, size_t len, const char *group,
                     const char *key, const char *fmt, ...) G_GNUC_PRINTF(7, 8);

static gboolean fail(GError **error, const char *path, const char *data, size_t len, const char *group,
                     const char *key, const char *fmt, ...) {
        va_list ap;
        va_start(ap, fmt);
        g_autofree char *what = g_strdup_vprintf(fmt, ap);
        va_end(ap);
        unsigned line = find_line(data, len, group, key);
        if (line > 0)
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s:%u: %s", path, line, what);
        else
                g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s: %s", path, what);
        return FALSE;
}

static bool parse_uint(const char *s, unsigned long long min, unsigned long long max, unsigned long long *ret) {
        char *end;
        if (!s || !*s || s[0] == '-' || s[0] == '+')
                return false;
        errno = 0;
        unsigned long long v = strtoull(s, &end, 10);
        if (errno || *end || v < min || v > max)
                return false;
        *ret = v;
        return true;
}

static bool url_valid(const char *s) {
        return (g_str_has_prefix(s, "http://") && strlen(s) > 7) || (g_str_has_prefix(s, "https://") && strlen(s) > 8);
}

static char *strip_slashes(const char *s) {
        char *r = g_strdup(s);
        size_t n = strlen(r);
        while (n > 0 && r[n - 1] == '/')
                r[--n] = 0;
        return r;
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
        { "max_response_size", offsetof(Config, max_response_size), 4096, 1ULL << 32, true },
        { "get_budget", offsetof(Config, get_budget), 1, 100000, false },
        { "get_period", offsetof(Config, get_period_sec), 1, 86400, false },
        { "write_interval_ms", offsetof(Config, write_interval_msec), 0, 600000, false },
        { "sync_interval", offsetof(Config, sync_interval_sec), 30, 86400, false },
        { "max_retries", offsetof(Config, max_retries), 0, 100, false },
};

gboolean config_load_from_data(Config *c, const char *data, size_t len, const char *path, GError **error) {
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autoptr(GError) e = NULL;

        if (!g_key_file_load_from_data(kf, data, len, G_KEY_FILE_NONE, &e)) {
                /* GKeyFile quotes the offending line; find its number. */
                unsigned line = 0;
                const char *q = strstr(e->message, "“");
                if (q) {
                        q += strlen("“");
                        const char *qe = strstr(q, "”");
                        g_autofree char *bad = qe ? g_strndup(q, (size_t) (qe - q)) : NULL;
                        g_autofree char *text = g_strndup(data, len);
                        g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
                        for (unsigned i = 0; bad && lines[i]; i++)
                                if (strstr(lines[i], bad)) {
                                        line = i + 1;
                                        break;
                                }
                }
                if (line > 0)
                        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s:%u: %s", path, line, e->message);
                else
                        g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s: %s", path, e->message);
                return FALSE;
        }

        g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
        for (size_t i = 0; groups[i]; i++)
                if (!streq(groups[i], GROUP))
                        return fail(error, path, data, len, groups[i], NULL,
                                    "unknown group [%s]; the only group is [" GROUP "]", groups[i]);

        if (!g_key_file_has_group(kf, GROUP))
                return TRUE;

        g_auto(GStrv) keys = g_key_file_get_keys(kf, GROUP, NULL, NULL);
        for (size_t i = 0; keys && keys[i]; i++) {
                const char *k = keys[i];
                g_autofree char *v = g_key_file_get_string(kf, GROUP, k, NULL);
                if (!v)
                        v = g_key_file_get_value(kf, GROUP, k, NULL);
                if (!v)
                        v = g_strdup("");
                g_strstrip(v);

                if (streq(k, "api_url") || streq(k, "auth_url")) {
                        if (!url_valid(v))
                                return fail(error, path, data, len, GROUP, k,
                                            "key '%s': expected an http:// or https:// URL, got '%s'", k, v);
                        char **dst = streq(k, "api_url") ? &c->api_url : &c->auth_url;
                        g_free(*dst);
                        *dst = strip_slashes(v);
                        continue;
                }

                bool known = false;
                for (size_t j = 0; j < G_N_ELEMENTS(number_keys); j++) {
                        if (!streq(number_keys[j].key, k))
                                continue;
                        known = true;
                        unsigned long long n;
                        if (!parse_uint(v, number_keys[j].min, number_keys[j].max, &n))
                                return fail(error, path, data, len, GROUP, k,
                                            "key '%s': expected a whole number from %llu to %llu, got '%s'", k,
                                            number_keys[j].min, number_keys[j].max, v);
                        if (number_keys[j].is_size)
                                *(size_t *) ((char *) c + number_keys[j].offset) = (size_t) n;
                        else
                                *(unsigned *) ((char *) c + number_keys[j].offset) = (unsigned) n;
                }
                if (!known)
                        return fail(error, path, data, len, GROUP, k, "unknown key '%s' in [" GROUP "]", k);
        }
        return TRUE;
}

void config_apply_env(Config *c) {
        const char *e = getenv("KINO_TRAKT_API_URL");
        if (!isempty(e)) {
                g_free(c->api_url);
                c->api_url = strip_slashes(e);
        }
        e = getenv("KINO_TRAKT_AUTH_URL");
        if (!isempty(e)) {
                g_free(c->auth_url);
                c->auth_url = strip_slashes(e);
        }
        if (!c->auth_url)
                c->auth_url = g_strdup(c->api_url);
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
