/* SPDX-License-Identifier: MIT */
#pragma once

#include <sqlite3.h>

#include "db.h"

/* Inside the db layer only: db.c and the db-*.c modules, their unit tests,
 * and the import's floor benchmark (bench/import-floor.c), which measures
 * sqlite through this very connection. No other daemon source includes it
 * (system-daemon-sql-in-db-layer). */

sqlite3 *db_sqlite(Db *db);

/* Log sqlite's last message for the connection ("State database PATH:
 * failed to WHAT: …") and return -EIO. */
int db_fail(Db *db, const char *what);

/* Run sql (one or more statements without parameters); -EIO, logged. */
int db_exec(Db *db, const char *sql, const char *what);

/* The one integer a query without parameters answers (COUNT, EXISTS): 0 and
 * *ret, or -EIO, logged with what. */
int db_query_int64(Db *db, const char *sql, const char *what, int64_t *ret);

/* A statement for one use (finalize it); -EIO, logged. */
int db_prepare(Db *db, const char *sql, sqlite3_stmt **ret);

/* A statement prepared once and kept on the connection until
 * db_release_memory() (the end of an import or sweep) or db_free(): what runs
 * per row of an import, and per accepted event, must not be parsed each
 * time. sql must be a string of static storage: it is the key (compared by
 * address). Returned reset and unbound; reset it after its last step (a
 * statement left running holds a read transaction). NULL when it cannot be
 * prepared (logged). */
sqlite3_stmt *db_cached(Db *db, const char *sql);

/* Step a statement that returns no rows, then reset it: 0 or -EIO. */
int db_step_done(sqlite3_stmt *st);

/* Bind text or NULL. */
void db_bind_text_or_null(sqlite3_stmt *st, int i, const char *s);

/* A column's text copied (NULL for NULL); *ret untouched when out of memory:
 * returns -ENOMEM then. */
int db_column_strdup(sqlite3_stmt *st, int i, char **ret);


/* The tables of db-seen.h (temporary: this connection only). */
#define DB_SEEN_IDS "temp.sync_seen_ids"
#define DB_SEEN_KEYS "temp.sync_seen_keys"
