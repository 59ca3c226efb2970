/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Trakt list addresses: the web address of someone's list, as people copy it
 * from a browser, turned into the user and list parts of Trakt's API path
 * (docs/trakt-api.md §7: https://trakt.tv/users/NAME/lists/SLUG maps to
 * GET /users/NAME/lists/SLUG and …/items). A pure module: no I/O, no
 * allocation, no logging, any input (it is outside input: fuzz it).
 *
 * Accepted:
 *   http:// or https:// (scheme case-insensitive), host trakt.tv or
 *   www.trakt.tv (case-insensitive), no userinfo, no port (not even :443),
 *   path exactly /users/NAME/lists/SLUG, optionally with one trailing slash;
 *   a query (?…) and a fragment (#…) are ignored. Surrounding whitespace (a
 *   paste from a terminal) is trimmed; anything else must be printable ASCII
 *   without spaces (browsers copy non-ASCII percent-encoded).
 *   NAME and SLUG: percent-escapes are decoded first (%2D is '-'), then the
 *   decoded text must be 1 to LISTURL_PART_MAX characters of
 *   [A-Za-z0-9._-] and not only dots. So an escape that decodes to anything
 *   else ('/', '%', NUL, UTF-8 bytes of a non-ASCII letter) is rejected, as is
 *   a malformed escape. A SLUG of digits only is Trakt's numeric list id
 *   (docs/trakt-api.md §7: both work).
 *   The literal path words "users" and "lists" are lowercase, as on Trakt.
 *
 * Everything else is rejected with one sentence naming what is wrong. */

#define LISTURL_MAX 2048     /* the whole address, in bytes */
#define LISTURL_PART_MAX 100 /* NAME and SLUG, decoded, in characters */

typedef struct ListUrl {
        char user[LISTURL_PART_MAX + 1];
        char slug[LISTURL_PART_MAX + 1];
        bool numeric; /* SLUG is Trakt's numeric list id */
} ListUrl;

/* 0 and *ret filled, or -EINVAL and *ret_reason (if non-NULL) set to a static
 * sentence saying what is wrong. *ret is untouched on failure. */
int listurl_parse(const char *url, ListUrl *ret, const char **ret_reason);

/* Whether s (NUL-terminated, not decoded) is a usable NAME or SLUG: 1 to
 * LISTURL_PART_MAX characters of [A-Za-z0-9._-], not only dots. For names
 * taken from Trakt's answers before they go into a path. */
bool listurl_part_valid(const char *s);

/* "https://trakt.tv/users/NAME/lists/SLUG" into buf; returns buf, or NULL
 * when n is too small (LISTURL_CANONICAL_MAX always suffices). */
#define LISTURL_CANONICAL_MAX (sizeof("https://trakt.tv/users//lists/") + 2 * LISTURL_PART_MAX)
char *listurl_canonical(const char *user, const char *slug, char *buf, size_t n);
