/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "categories.h"

/* The state database: one sqlite file "state.db" in the state folder, WAL,
 * synchronous=FULL (the outbox and the tokens must survive power loss),
 * versioned migrations run one transaction per step, file mode 0600.
 *
 * The db layer (db.c and the typed db-*.c modules) is the only code that
 * speaks SQL: every other module calls its typed operations and never sees
 * sqlite (the system-daemon-sql-in-db-layer check keeps it so). This file
 * holds the connection itself, its transactions, and the small key/value
 * tables: settings (connection state, account, credentials, tokens…) and
 * the sync toggles. The rest of the schema has one header each: db-history.h
 * (plays), db-push.h (what an import pushes), db-outbox.h, db-cursors.h,
 * db-library.h (ratings, resume points, collection, lists, recommendations,
 * unmatched items, aliases), db-seen.h (what a sweep saw on Trakt),
 * db-titles.h (the title cache).
 *
 * All functions return 0 or a positive value on success and a negative
 * errno-style code on failure (-ENOENT when a value is absent, -EIO for sqlite
 * errors; the sqlite message is logged where the caller cannot say more). */

typedef struct Db Db;

/* Whether a local row (a play, a rating, a collected title) is on Trakt:
 * the pushed column of history, ratings and collection. */
typedef enum DbPushed {
        DB_PUSHED_NO = 0,          /* not on Trakt: the next import pushes it */
        DB_PUSHED_YES = 1,         /* on Trakt (pulled from it, or delivered) */
        DB_PUSHED_QUEUED = 2,      /* queued in the outbox, which delivers it */
        DB_PUSHED_UNCONFIRMED = 3, /* plays: sent by an import whose answer was lost; looked for on Trakt before they go again */
} DbPushed;

#define DB_SCHEMA_VERSION 7

/* Creates state_dir (0700) and state_dir/state.db (0600) when missing and
 * upgrades the schema. A file that is not a usable sqlite database gives
 * -EIO, one written by a newer release (schema version above
 * DB_SCHEMA_VERSION) -EPROTONOSUPPORT; *ret is left untouched on failure. */
int db_open(Db **ret, const char *state_dir);
/* Open a specific file; ":memory:" gives a private database in memory, with
 * the same schema (unit tests). */
int db_open_file(Db **ret, const char *path);
Db *db_free(Db *db);
int db_schema_version(Db *db);

/* Transactions (BEGIN IMMEDIATE / COMMIT / ROLLBACK). The multi-row writers
 * below (credentials, tokens) may be called inside one: they then use a
 * savepoint and the caller's COMMIT or ROLLBACK decides. */
int db_begin(Db *db);
int db_commit(Db *db);
int db_rollback(Db *db);
/* Whether a transaction is open on the connection. */
bool db_in_transaction(Db *db);

/* Give back what a big job (an import) left behind: the statements kept
 * prepared for it and sqlite's page cache. */
void db_release_memory(Db *db);

/* Key/value settings (connection state, username, last error...). */
int db_get_setting(Db *db, const char *key, char **ret);
int db_get_setting_u64(Db *db, const char *key, uint64_t *ret);
int db_set_setting(Db *db, const char *key, const char *value); /* NULL deletes */
int db_set_setting_u64(Db *db, const char *key, uint64_t value);

/* Application credentials. */
int db_set_credentials(Db *db, const char *client_id, const char *client_secret);
int db_get_credentials(Db *db, char **client_id, char **client_secret);

/* OAuth tokens; expires_at in seconds since the epoch. Written in one
 * transaction so a rotated pair is never half stored. */
int db_set_tokens(Db *db, const char *access_token, const char *refresh_token, int64_t created_at, int64_t expires_at);
int db_get_tokens(Db *db, char **access_token, char **refresh_token, int64_t *created_at, int64_t *expires_at);
int db_clear_tokens(Db *db);

/* Sync toggles: absent rows mean enabled (the contract's default). A category
 * not in kt_categories gives -EINVAL. */
int db_get_toggle(Db *db, const char *category, bool *ret);
int db_set_toggle(Db *db, const char *category, bool enabled);
