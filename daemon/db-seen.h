/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "db.h"

/* What a sweep saw on Trakt while it pulled a category, to find what Trakt
 * removed (sync.h): history ids, or every key an item goes by (ratings,
 * collection, resume points). Kept in temporary tables of this connection
 * only, never on disk; the *_forget_unseen() calls of db-history.h and
 * db-library.h compare against them. */

/* Make the tables (once per connection) and empty them. */
int db_seen_reset(Db *db);
/* Empty them (a category is done). */
int db_seen_clear(Db *db);

int db_seen_add_id(Db *db, int64_t trakt_history_id);
int db_seen_add_key(Db *db, const char *media_key);
int db_seen_has_key(Db *db, const char *media_key, bool *ret);
