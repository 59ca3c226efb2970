/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kinoctl-args.h"
#include "util.h"

bool args_parse_uint(const char *s, unsigned long max, unsigned long *ret) {
        char *end;
        if (isempty(s) || s[0] < '0' || s[0] > '9')
                return false;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || *end || v > max)
                return false;
        *ret = v;
        return true;
}

bool args_parse_percent(const char *s, double *ret) {
        char *end;
        if (isempty(s))
                return false;
        errno = 0;
        double v = strtod(s, &end);
        if (errno || *end || !(v >= 0 && v <= 100))
                return false;
        *ret = v;
        return true;
}

bool args_parse_when(const char *s, uint64_t *ret) {
        unsigned long v;
        if (streq(s, "now")) {
                *ret = 0;
                return true;
        }
        if (args_parse_uint(s, ULONG_MAX / USEC_PER_SEC, &v)) {
                *ret = v * USEC_PER_SEC;
                return true;
        }
        struct tm tm = {};
        const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!end || (*end && !streq(end, "Z")))
                return false;
        time_t t = timegm(&tm);
        if (t < 0)
                return false;
        *ret = (uint64_t) t * USEC_PER_SEC;
        return true;
}

static const char *const numeric_keys[] = {
        "trakt", "tmdb", "tvdb", "year", "show_year", "show_trakt", "show_tmdb", "show_tvdb", "season", "episode", "runtime",
};

bool media_key_is_numeric(const char *key) {
        for (size_t i = 0; i < ELEMENTSOF(numeric_keys); i++)
                if (streq(numeric_keys[i], key))
                        return true;
        return false;
}

void media_arg_done(MediaArg *a) {
        free(a->buf);
        *a = (MediaArg) {};
}

/* The sentence for a refusal, "Media 'SPEC': ...". */
static int refuse(char **ret_error, const char *spec, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(char **ret_error, const char *spec, const char *fmt, ...) {
        _cleanup_free_ char *why = NULL;
        va_list ap;
        va_start(ap, fmt);
        int k = vasprintf(&why, fmt, ap);
        va_end(ap);
        if (k < 0)
                return -ENOMEM;
        if (ret_error && asprintf(ret_error, "Media '%s': %s", spec, why) < 0) {
                *ret_error = NULL;
                return -ENOMEM;
        }
        return -EINVAL;
}

static int add_field(MediaArg *a, const char *key, const char *value, const char *spec, char **ret_error) {
        unsigned long v = 0;
        bool numeric = !isempty(key) && media_key_is_numeric(key);
        if (isempty(key) || a->n >= ELEMENTSOF(a->fields))
                return refuse(ret_error, spec, "expected TYPE:KEY=VALUE[,KEY=VALUE...], e.g. movie:imdb=tt0372784.");
        if (numeric && !args_parse_uint(value, UINT32_MAX, &v))
                return refuse(ret_error, spec, "%s must be a whole number.", key);
        a->fields[a->n++] = (MediaField) { .key = key, .value = value, .numeric = numeric, .number = (uint32_t) v };
        return 0;
}

/* TYPE:"TITLE" [YEAR], or TYPE:TITLE [YEAR] without '=' in it; rest is after the colon. */
static int parse_title(MediaArg *a, char *rest, const char *spec, char **ret_error) {
        char *title = rest, *tail;
        if (*rest == '"') {
                title = rest + 1;
                tail = strchr(title, '"');
                if (!tail)
                        return refuse(ret_error, spec, "the title's closing quote is missing.");
                *tail++ = '\0';
        } else {
                /* A last word of digits only is the year. */
                tail = strrchr(rest, ' ');
                if (tail && tail[1] && strspn(tail + 1, "0123456789") == strlen(tail + 1))
                        *tail++ = '\0';
                else
                        tail = NULL;
        }
        while (tail && *tail == ' ')
                tail++;
        if (isempty(title))
                return refuse(ret_error, spec, "give ids (KEY=VALUE) or a title.");
        int r = add_field(a, "title", title, spec, ret_error);
        if (r >= 0 && !isempty(tail))
                r = add_field(a, "year", tail, spec, ret_error);
        return r;
}

/* KEY=VALUE[,KEY=VALUE...], "\," a literal comma; cut in place. */
static int parse_pairs(MediaArg *a, char *rest, const char *spec, char **ret_error) {
        char *w = rest, *start = rest;
        for (char *p = rest;; p++) {
                if (*p == '\\' && p[1] == ',') {
                        *w++ = ',';
                        p++;
                        continue;
                }
                if (*p != ',' && *p != '\0') {
                        *w++ = *p;
                        continue;
                }
                bool last = *p == '\0';
                *w = '\0';
                char *eq = strchr(start, '=');
                if (!eq)
                        return refuse(ret_error, spec, "'%s' is not KEY=VALUE.", start);
                *eq = '\0';
                int r = add_field(a, start, eq + 1, spec, ret_error);
                if (r < 0 || last)
                        return r;
                start = ++w;
        }
}

int media_arg_parse(const char *spec, MediaArg *ret, char **ret_error) {
        *ret = (MediaArg) {};
        if (ret_error)
                *ret_error = NULL;
        ret->buf = strdup(spec);
        if (!ret->buf)
                return -ENOMEM;
        char *colon = strchr(ret->buf, ':');
        if (!colon)
                return refuse(ret_error, spec, "start with movie:, show: or episode:, e.g. movie:imdb=tt0372784.");
        *colon = '\0';
        char *type = ret->buf, *rest = colon + 1;
        if (!streq(type, "movie") && !streq(type, "show") && !streq(type, "episode"))
                return refuse(ret_error, spec, "the type is movie, show or episode, not '%s'.", type);
        ret->fields[ret->n++] = (MediaField) { .key = "type", .value = type };

        if (*rest == '"' || !strchr(rest, '='))
                return parse_title(ret, rest, spec, ret_error);
        return parse_pairs(ret, rest, spec, ret_error);
}

void watch_command_parse(const char *line, double progress, WatchCommand *ret) {
        char cmd[32] = "";
        *ret = (WatchCommand) { .progress = progress };
        int n = sscanf(line, "%31s %63s", cmd, ret->arg);
        if (n <= 0)
                ret->kind = WATCH_EMPTY;
        else if (n == 2 && !streq(cmd, "incognito") && !args_parse_percent(ret->arg, &ret->progress))
                ret->kind = WATCH_BAD_PERCENT;
        else if (streq(cmd, "quit") || streq(cmd, "q"))
                ret->kind = WATCH_QUIT;
        else if (streq(cmd, "play") || streq(cmd, "start") || streq(cmd, "resume"))
                ret->kind = WATCH_PLAY;
        else if (streq(cmd, "pause"))
                ret->kind = WATCH_PAUSE;
        else if (streq(cmd, "stop"))
                ret->kind = WATCH_STOP;
        else if (streq(cmd, "progress") && n == 2)
                ret->kind = WATCH_PROGRESS;
        else if (streq(cmd, "incognito") && n == 2 && (streq(ret->arg, "on") || streq(ret->arg, "off"))) {
                ret->kind = WATCH_INCOGNITO;
                ret->on = streq(ret->arg, "on");
        } else if (streq(cmd, "status"))
                ret->kind = WATCH_STATUS;
        else
                ret->kind = WATCH_UNKNOWN;
}
