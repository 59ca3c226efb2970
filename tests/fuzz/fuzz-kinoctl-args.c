/* SPDX-License-Identifier: MIT */
/* What a person types at kinoctl (clients/kinoctl/kinoctl-args.c): any bytes,
 * as a MEDIA argument, a number, a percentage, a WHEN and a line on watch's
 * stdin, give a value or a refusal with a sentence, never a crash. What is
 * accepted keeps the parsers' promises, and a MEDIA written back as
 * TYPE:KEY=VALUE,... (commas escaped) parses to the same fields. */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "kinoctl-args.h"

static bool all_digits(const char *s) {
        return *s && strspn(s, "0123456789") == strlen(s);
}

/* "k=v" with ',' written "\,"; false when a backslash makes the text
 * ambiguous ("a\" before a comma), which the syntax cannot write back. */
static bool append_escaped(char **p, const char *s) {
        for (; *s; s++) {
                if (*s == '\\')
                        return false;
                if (*s == ',')
                        *(*p)++ = '\\';
                *(*p)++ = *s;
        }
        return true;
}

static void check_round_trip(const char *spec, const MediaArg *a) {
        size_t max = strlen(spec) * 2 + 64 * MEDIA_ARG_MAX;
        char *buf = malloc(max), *p = buf;
        if (!buf)
                return;
        p += sprintf(p, "%s:", a->fields[0].value);
        for (size_t i = 1; i < a->n; i++) {
                if (i > 1)
                        *p++ = ',';
                if (!append_escaped(&p, a->fields[i].key)) {
                        free(buf);
                        return;
                }
                *p++ = '=';
                if (!append_escaped(&p, a->fields[i].value)) {
                        free(buf);
                        return;
                }
        }
        *p = '\0';
        MediaArg again;
        char *why = NULL;
        if (media_arg_parse(buf, &again, &why) != 0 || again.n != a->n) {
                fprintf(stderr, "'%s' parsed, its form '%s' did not (%s)\n", spec, buf, why ? why : "count");
                abort();
        }
        for (size_t i = 0; i < a->n; i++)
                if (strcmp(again.fields[i].key, a->fields[i].key) != 0 || strcmp(again.fields[i].value, a->fields[i].value) != 0 ||
                    again.fields[i].numeric != a->fields[i].numeric || again.fields[i].number != a->fields[i].number)
                        abort();
        media_arg_done(&again);
        free(buf);
}

static void check_media(const char *s) {
        MediaArg a;
        char *why = NULL;
        int r = media_arg_parse(s, &a, &why);
        if (r == 0) {
                if (why || a.n < 2 || a.n > MEDIA_ARG_MAX || strcmp(a.fields[0].key, "type") != 0)
                        abort();
                const char *type = a.fields[0].value;
                if (strcmp(type, "movie") != 0 && strcmp(type, "show") != 0 && strcmp(type, "episode") != 0)
                        abort();
                for (size_t i = 1; i < a.n; i++) {
                        const MediaField *f = &a.fields[i];
                        if (!*f->key || strchr(f->key, '=') || f->numeric != media_key_is_numeric(f->key))
                                abort();
                        if (f->numeric && (!all_digits(f->value) || strtoul(f->value, NULL, 10) != f->number))
                                abort();
                }
                check_round_trip(s, &a);
        } else if (r == -EINVAL) {
                /* One sentence naming the argument. */
                size_t n = why ? strlen(why) : 0;
                if (n == 0 || strncmp(why, "Media '", 7) != 0 || why[n - 1] != '.')
                        abort();
        } else if (r != -ENOMEM)
                abort();
        free(why);
        media_arg_done(&a);
}

static void check_numbers(const char *s) {
        unsigned long u;
        if (args_parse_uint(s, 10, &u) && (u > 10 || !all_digits(s)))
                abort();
        double d;
        if (args_parse_percent(s, &d) && !(d >= 0 && d <= 100))
                abort();
        uint64_t when;
        if (args_parse_when(s, &when) && when % 1000000 != 0)
                abort();
}

static void check_watch_line(const char *s) {
        WatchCommand c;
        watch_command_parse(s, 42, &c);
        if (c.kind > WATCH_UNKNOWN || !(c.progress >= 0 && c.progress <= 100) || memchr(c.arg, '\0', sizeof c.arg) == NULL)
                abort();
        if (c.kind == WATCH_EMPTY && c.progress != 42)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0'; /* an argv string ends at the first NUL */
        check_media(s);
        check_numbers(s);
        check_watch_line(s);
        free(s);
        return 0;
}
