/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "db.h"

/* The outbox's rows (table outbox; outbox.h says what they mean): one per
 * write for Trakt that a method accepted, delivered in id order. A row has a
 * kind ("start", "history_add", …), the category whose toggle holds it, the
 * session that queued it (NULL for none), its payload (JSON text), a state,
 * how often it was attempted, when it may be tried next and the last error.
 * Times are µs since the epoch. Ids are never reused. */

typedef enum DbOutboxState {
        DB_OUTBOX_PENDING,
        DB_OUTBOX_SENT,
        DB_OUTBOX_FAILED,  /* refused for good; kept for inspection */
        DB_OUTBOX_DROPPED, /* stale, withdrawn or not Trakt's business */
        _DB_OUTBOX_STATE_MAX,
} DbOutboxState;

/* Queue a row (pending, no attempt yet) in the caller's transaction if one
 * is open. Returns its id (> 0) or a negative errno. The statement is kept
 * prepared: every accepted event passes here before its method replies. */
int64_t db_outbox_add(Db *db, uint64_t created_at, const char *kind, const char *category, const char *session, const char *payload);

/* The pending rows in delivery order, one at a time (the queue may be long
 * and delivery looks only as far as the first row it can send). A row's
 * strings are valid until the next call; the others may be written while a
 * cursor is open. */
typedef struct DbOutboxRow {
        int64_t id;
        const char *kind, *category, *session, *payload; /* session may be NULL */
        unsigned attempts;
        uint64_t next_attempt_at;
        uint64_t created_at;
} DbOutboxRow;
typedef struct DbOutboxCursor DbOutboxCursor;
int db_outbox_pending_open(Db *db, DbOutboxCursor **ret);
/* 1 and *ret filled, 0 at the end, or -EIO. */
int db_outbox_pending_next(DbOutboxCursor *cursor, DbOutboxRow *ret);
DbOutboxCursor *db_outbox_pending_close(DbOutboxCursor *cursor);

/* Number of pending rows. */
int db_outbox_pending(Db *db, unsigned *ret);
/* Whether row id is pending. */
int db_outbox_is_pending(Db *db, int64_t id, bool *ret);
/* Whether a later start, pause or stop of session waits behind row id. */
int db_outbox_superseded(Db *db, int64_t id, const char *session, bool *ret);

/* The row's end: sent, failed or dropped, with why (NULL: none). */
int db_outbox_finish(Db *db, int64_t id, DbOutboxState state, const char *error);
/* Not now: attempts so far, when to try again, why (NULL: none). */
int db_outbox_retry(Db *db, int64_t id, unsigned attempts, uint64_t next_attempt_at, const char *error);
/* The attempt about to leave, on disk before it does. */
int db_outbox_set_attempts(Db *db, int64_t id, unsigned attempts);
int db_outbox_set_payload(Db *db, int64_t id, const char *payload);
/* A new payload to be sent at once, with attempts so far. */
int db_outbox_rewrite(Db *db, int64_t id, const char *payload, unsigned attempts);
/* The row becomes another kind of write (a late stop: a history add). */
int db_outbox_convert(Db *db, int64_t id, const char *kind, const char *category, const char *payload);
/* Connected again: every pending row may be tried now. */
int db_outbox_retry_all_now(Db *db);
/* Forget sent and dropped rows created before before. */
int db_outbox_prune(Db *db, uint64_t before);

/* An incognito turn mid-play: the pending rows of session queued at or
 * after since that are about watching (categories scrobble and history) are
 * dropped ("withdrawn: incognito"), and the local plays they carried
 * (payload's history_id) become private and, when they waited for the
 * outbox, unpushed. Returns how many rows were dropped. Run it in a
 * transaction: both or neither. */
int db_outbox_withdraw(Db *db, const char *session, uint64_t since);
