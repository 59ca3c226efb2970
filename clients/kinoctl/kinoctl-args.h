/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* kinoctl's parsers of what a person types: command-line arguments and the
 * lines `kinoctl watch` reads on stdin. A pure module: no I/O, no bus, no
 * globals; any input gives a value or a refusal, never a crash (it is outside
 * input: tests/unit/test-kinoctl-args.c, tests/fuzz/fuzz-kinoctl-args.c).
 * Sync categories and list addresses are checked by common/ (categories.h,
 * listurl.h). */

/* A whole number written with digits only (no sign, no spaces), at most max. */
bool args_parse_uint(const char *s, unsigned long max, unsigned long *ret);

/* A percentage from 0 to 100 as strtod reads it, with nothing after it. */
bool args_parse_percent(const char *s, double *ret);

/* WHEN for `watched`: "now" (0), seconds since the epoch, or a UTC date
 * YYYY-MM-DDTHH:MM:SS with an optional Z; in µs since the epoch. */
bool args_parse_when(const char *s, uint64_t *ret);

/* MEDIA (kinoctl(1)): TYPE:KEY=VALUE[,KEY=VALUE...] with the keys of the
 * D-Bus media dictionary, or TYPE:"TITLE" [YEAR] (the quotes may be left
 * out when the title has no '='):
 *   movie:imdb=tt0372784   episode:show_tvdb=81189,season=1,episode=1   movie:"Inception" 2010
 * TYPE is movie, show or episode and becomes the field "type"; "\," in a
 * value is a literal comma. Numeric keys (media_key_is_numeric) must be whole
 * numbers up to 2^32-1 and go on the bus as u, the others as s. The keys are
 * not checked further: the daemon judges the dictionary. */
#define MEDIA_ARG_MAX 32 /* fields, "type" included */

typedef struct MediaField {
        const char *key;   /* points into MediaArg.buf or a static string */
        const char *value;
        bool numeric;
        uint32_t number;   /* value read as a number when numeric */
} MediaField;

typedef struct MediaArg {
        char *buf; /* a copy of the spec, cut into the keys and values */
        MediaField fields[MEDIA_ARG_MAX];
        size_t n;
} MediaArg;

bool media_key_is_numeric(const char *key);

/* 0 and *ret filled (free with media_arg_done), or -EINVAL and *ret_error
 * (if not NULL) a sentence naming spec and what is wrong (free() it), or
 * -ENOMEM. *ret needs media_arg_done in every case. */
int media_arg_parse(const char *spec, MediaArg *ret, char **ret_error);
void media_arg_done(MediaArg *a);

/* One line of `kinoctl watch`'s stdin: a command and an optional argument,
 * "play [P]", "pause [P]", "stop [P]", "progress P", "incognito on|off",
 * "status", "quit". */
typedef enum WatchCommandKind {
        WATCH_EMPTY,       /* a blank line: nothing to do */
        WATCH_BAD_PERCENT, /* an argument that is not a percentage (arg holds it) */
        WATCH_QUIT,
        WATCH_PLAY,
        WATCH_PAUSE,
        WATCH_STOP,
        WATCH_PROGRESS,    /* remember the progress, tell no one */
        WATCH_INCOGNITO,   /* on says which */
        WATCH_STATUS,
        WATCH_UNKNOWN,     /* show the commands */
} WatchCommandKind;

typedef struct WatchCommand {
        WatchCommandKind kind;
        double progress; /* the argument, or the progress passed in when there is none */
        bool on;
        char arg[64];
} WatchCommand;

void watch_command_parse(const char *line, double progress, WatchCommand *ret);
