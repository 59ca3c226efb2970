/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdint.h>

#include "db.h"

/* The title cache (table title_cache): what Trakt's search said about media
 * named by title (resolve.h). An entry's name is resolve.c's look-up key
 * ("movie:<normalised title>:<year>", "show:…",
 * "episode:<show>:<season>:<number>"); its media the item Trakt has (the
 * wrapper's text), or none when Trakt does not know the title, with closest
 * then naming what its search found instead. Times are µs since the epoch;
 * an entry lives until its expires_at. */

/* The live entry for name at time now: 1 with *ret_media (NULL: a miss) and
 * *ret_closest (NULL when none, or ret_closest NULL), 0 when there is none
 * (never looked up, or expired), -ENOMEM or -EIO. */
int db_title_get(Db *db, const char *name, uint64_t now, char **ret_media, char **ret_closest);

/* Keep an answer (replacing the entry of that name): media NULL for a miss. */
int db_title_put(Db *db, const char *name, const char *media, const char *closest, uint64_t looked_at, uint64_t expires_at);

/* Forget the entries expired at now (they would be asked again anyway). */
int db_titles_prune(Db *db, uint64_t now);
