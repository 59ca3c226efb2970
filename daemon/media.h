/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "trakt-media.h"

/* The contract's media dictionary (docs/dbus-api.md "Media dictionaries"),
 * validated into a TraktMedia. The bus layer unpacks the a{sv} into fields
 * (one per entry: key, D-Bus type, value); this module checks every rule and
 * names the offending key in one sentence a person can act on. */

#define MEDIA_STRING_MAX 1024

typedef struct MediaField {
        const char *key;
        char type;          /* D-Bus type of the variant: 's', 'u', … */
        const char *s;      /* for 's' */
        uint32_t u;         /* for 'u' */
} MediaField;

/* extra: NULL-terminated keys the calling method also accepts (their values
 * are the caller's business), may be NULL. On failure returns -EINVAL and a
 * malloc'ed sentence in *ret_error. */
int media_from_fields(const MediaField *fields, size_t n, const char *const *extra, TraktMedia *ret,
                      char **ret_error);
