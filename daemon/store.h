/* SPDX-License-Identifier: MIT */
#pragma once

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

#include "categories.h"

/* The state database: one sqlite file "state.db" in the state folder, WAL,
 * synchronous=FULL (the outbox and the tokens must survive power loss),
 * versioned migrations run one transaction per step, file mode 0600.
 *
 * All functions return 0 or a positive value on success and a negative
 * errno-style code on failure (-ENOENT when a value is absent, -EIO for sqlite
 * errors; the sqlite message is logged). */

typedef struct Store Store;

#define STORE_SCHEMA_VERSION 5

/* Creates state_dir (0700) and state_dir/state.db (0600) when missing and
 * upgrades the schema. A file that is not a usable sqlite database gives
 * -EIO, one written by a newer release (schema version above
 * STORE_SCHEMA_VERSION) -EPROTONOSUPPORT; *ret is left untouched on failure. */
int store_open(Store **ret, const char *state_dir);
/* Open a specific file (tests). */
int store_open_file(Store **ret, const char *path);
Store *store_free(Store *s);
sqlite3 *store_db(Store *s);
int store_schema_version(Store *s);

/* Transactions (BEGIN IMMEDIATE / COMMIT / ROLLBACK). The multi-row writers
 * below (credentials, tokens) may be called inside one: they then use a
 * savepoint and the caller's COMMIT or ROLLBACK decides. */
int store_begin(Store *s);
int store_commit(Store *s);
int store_rollback(Store *s);

/* Key/value settings (connection state, username, last error, cursors...). */
int store_get_setting(Store *s, const char *key, char **ret);
int store_get_setting_u64(Store *s, const char *key, uint64_t *ret);
int store_set_setting(Store *s, const char *key, const char *value); /* NULL deletes */
int store_set_setting_u64(Store *s, const char *key, uint64_t value);

/* Application credentials. */
int store_set_credentials(Store *s, const char *client_id, const char *client_secret);
int store_get_credentials(Store *s, char **client_id, char **client_secret);

/* OAuth tokens; expires_at in seconds since the epoch. Written in one
 * transaction so a rotated pair is never half stored. */
int store_set_tokens(Store *s, const char *access_token, const char *refresh_token, int64_t created_at, int64_t expires_at);
int store_get_tokens(Store *s, char **access_token, char **refresh_token, int64_t *created_at, int64_t *expires_at);
int store_clear_tokens(Store *s);

/* Sync toggles: absent rows mean enabled (the contract's default). A category
 * not in kt_categories gives -EINVAL. */
int store_get_toggle(Store *s, const char *category, bool *ret);
int store_set_toggle(Store *s, const char *category, bool enabled);

/* Outbox (filled by later features): number of undelivered events. */
int store_outbox_pending(Store *s, unsigned *ret);
