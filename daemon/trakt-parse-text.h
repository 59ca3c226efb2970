/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>

#include "trakt-parse.h"

/* A /sync/history page read straight from its JSON text, in one pass and
 * without building a json-c tree: an import reads 50,000 plays, and the tree
 * cost half its CPU time. The result is the same as
 * trakt_parse_items(json, TRAKT_ITEMS_HISTORY, TRAKT_NONE, …) on the tree of
 * the same text (the unit tests and the fuzz target compare the two), except
 * that items have no src. Strict JSON (RFC 8259); a malformed text, or one
 * that is not an array, is -EBADMSG. */
int trakt_parse_history_text(const char *text, size_t len, TraktItem **ret, size_t *ret_n, size_t *ret_skipped);
