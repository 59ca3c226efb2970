/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include "db-outbox.h"
#include "db-private.h"
#include "util.h"

static const char *const states[_DB_OUTBOX_STATE_MAX] = {
        [DB_OUTBOX_PENDING] = "pending",
        [DB_OUTBOX_SENT] = "sent",
        [DB_OUTBOX_FAILED] = "failed",
        [DB_OUTBOX_DROPPED] = "dropped",
};

static const char insert_sql[] = "INSERT INTO outbox(created_at, kind, category, session, payload) VALUES (?, ?, ?, ?, ?)";

int64_t db_outbox_add(Db *db, uint64_t created_at, const char *kind, const char *category, const char *session, const char *payload) {
        sqlite3_stmt *st = db_cached(db, insert_sql);
        int64_t id = -EIO;
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, (int64_t) created_at);
        sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, category, -1, SQLITE_STATIC);
        db_bind_text_or_null(st, 4, session);
        sqlite3_bind_text(st, 5, payload, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_DONE)
                id = sqlite3_last_insert_rowid(db_sqlite(db));
        else
                (void) db_fail(db, "queue an outbox event");
        sqlite3_reset(st);
        sqlite3_clear_bindings(st); /* they point at the caller's strings */
        return id;
}

struct DbOutboxCursor {
        sqlite3_stmt *st;
};

int db_outbox_pending_open(Db *db, DbOutboxCursor **ret) {
        DbOutboxCursor *c = calloc(1, sizeof *c);
        if (!c)
                return -ENOMEM;
        int r = db_prepare(db,
                           "SELECT id, kind, category, session, payload, attempts, next_attempt_at, created_at"
                           " FROM outbox WHERE state = 'pending' ORDER BY id",
                           &c->st);
        if (r < 0) {
                free(c);
                return r;
        }
        *ret = c;
        return 0;
}

int db_outbox_pending_next(DbOutboxCursor *c, DbOutboxRow *ret) {
        int rc = sqlite3_step(c->st);
        if (rc == SQLITE_DONE)
                return 0;
        if (rc != SQLITE_ROW)
                return -EIO;
        *ret = (DbOutboxRow) {
                .id = sqlite3_column_int64(c->st, 0),
                .kind = (const char *) sqlite3_column_text(c->st, 1),
                .category = (const char *) sqlite3_column_text(c->st, 2),
                .session = (const char *) sqlite3_column_text(c->st, 3),
                .payload = (const char *) sqlite3_column_text(c->st, 4),
                .attempts = (unsigned) sqlite3_column_int(c->st, 5),
                .next_attempt_at = (uint64_t) sqlite3_column_int64(c->st, 6),
                .created_at = (uint64_t) sqlite3_column_int64(c->st, 7),
        };
        return 1;
}

DbOutboxCursor *db_outbox_pending_close(DbOutboxCursor *c) {
        if (c) {
                sqlite3_finalize(c->st);
                free(c);
        }
        return NULL;
}

/* A statement about row id (?1), prepared for one use. */
static int prepare_row(Db *db, const char *sql, int64_t id, sqlite3_stmt **ret) {
        int r = db_prepare(db, sql, ret);
        if (r >= 0)
                sqlite3_bind_int64(*ret, 1, id);
        return r;
}

/* Run it, log a failure with what (NULL: not logged), finalize it. */
static int run_once(Db *db, sqlite3_stmt *st, const char *what) {
        int r = db_step_done(st);
        if (r < 0 && what)
                (void) db_fail(db, what);
        sqlite3_finalize(st);
        return r;
}

int db_outbox_finish(Db *db, int64_t id, DbOutboxState state, const char *error) {
        sqlite3_stmt *st = NULL;
        if (state <= DB_OUTBOX_PENDING || state >= _DB_OUTBOX_STATE_MAX)
                return -EINVAL;
        int r = prepare_row(db, "UPDATE outbox SET state = ?2, last_error = ?3 WHERE id = ?1", id, &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 2, states[state], -1, SQLITE_STATIC);
        db_bind_text_or_null(st, 3, error);
        return run_once(db, st, "mark an outbox event done");
}

int db_outbox_retry(Db *db, int64_t id, unsigned attempts, uint64_t next_attempt_at, const char *error) {
        sqlite3_stmt *st = NULL;
        int r = prepare_row(db, "UPDATE outbox SET attempts = ?2, next_attempt_at = ?3, last_error = ?4 WHERE id = ?1", id, &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 2, attempts);
        sqlite3_bind_int64(st, 3, (int64_t) next_attempt_at);
        db_bind_text_or_null(st, 4, error);
        return run_once(db, st, NULL);
}

int db_outbox_set_attempts(Db *db, int64_t id, unsigned attempts) {
        sqlite3_stmt *st = NULL;
        int r = prepare_row(db, "UPDATE outbox SET attempts = ?2 WHERE id = ?1", id, &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 2, attempts);
        return run_once(db, st, NULL);
}

int db_outbox_set_payload(Db *db, int64_t id, const char *payload) {
        sqlite3_stmt *st = NULL;
        int r = prepare_row(db, "UPDATE outbox SET payload = ?2 WHERE id = ?1", id, &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 2, payload, -1, SQLITE_STATIC);
        return run_once(db, st, NULL);
}

int db_outbox_rewrite(Db *db, int64_t id, const char *payload, unsigned attempts) {
        sqlite3_stmt *st = NULL;
        int r = prepare_row(db, "UPDATE outbox SET payload = ?2, attempts = ?3, next_attempt_at = 0 WHERE id = ?1", id, &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 2, payload, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, attempts);
        return run_once(db, st, NULL);
}

int db_outbox_convert(Db *db, int64_t id, const char *kind, const char *category, const char *payload) {
        sqlite3_stmt *st = NULL;
        int r = prepare_row(db, "UPDATE outbox SET kind = ?2, category = ?3, payload = ?4 WHERE id = ?1", id, &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 2, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, category, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, payload, -1, SQLITE_STATIC);
        return run_once(db, st, NULL);
}

int db_outbox_retry_all_now(Db *db) {
        return db_exec(db, "UPDATE outbox SET next_attempt_at = 0 WHERE state = 'pending'", "retry the outbox now");
}

int db_outbox_prune(Db *db, uint64_t before) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db, "DELETE FROM outbox WHERE state IN ('sent','dropped') AND created_at < ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, (int64_t) before);
        return run_once(db, st, NULL);
}

int db_outbox_pending(Db *db, unsigned *ret) {
        int64_t v = 0;
        int r = db_query_int64(db, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'", "count the outbox", &v);
        if (r >= 0)
                *ret = (unsigned) v;
        return r;
}

static int exists(Db *db, const char *sql, int64_t id, const char *text, bool *ret) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db, sql, &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, id);
        if (text)
                sqlite3_bind_text(st, 2, text, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW || rc == SQLITE_DONE)
                *ret = rc == SQLITE_ROW;
        else
                r = -EIO;
        sqlite3_finalize(st);
        return r;
}

int db_outbox_is_pending(Db *db, int64_t id, bool *ret) {
        return exists(db, "SELECT 1 FROM outbox WHERE id = ?1 AND state = 'pending'", id, NULL, ret);
}

int db_outbox_superseded(Db *db, int64_t id, const char *session, bool *ret) {
        if (!session) {
                *ret = false;
                return 0;
        }
        return exists(db,
                      "SELECT 1 FROM outbox WHERE state = 'pending' AND id > ?1 AND session = ?2"
                      " AND kind IN ('start','pause','stop') LIMIT 1",
                      id, session, ret);
}

/* The rows of one playback that may still be withheld: waiting, about watching. */
#define WITHHELD_ROWS                                                                   \
        "SELECT id FROM outbox WHERE state = 'pending' AND session = ?1 AND created_at >= ?2" \
        " AND category IN ('scrobble', 'history')"

int db_outbox_withdraw(Db *db, const char *session, uint64_t since) {
        static const char *const sql[] = {
                /* The watches they carried stay here, private: no later import pushes them. */
                "UPDATE history SET private = 1, pushed = CASE WHEN pushed = 2 THEN 0 ELSE pushed END"
                " WHERE origin = 'local' AND id IN"
                " (SELECT json_extract(payload, '$.history_id') FROM outbox WHERE id IN (" WITHHELD_ROWS "))",
                "UPDATE outbox SET state = 'dropped', last_error = 'withdrawn: incognito' WHERE id IN (" WITHHELD_ROWS ")",
        };
        int r = 0;
        for (size_t i = 0; i < ELEMENTSOF(sql) && r >= 0; i++) {
                sqlite3_stmt *st = NULL;
                r = db_prepare(db, sql[i], &st);
                if (r < 0)
                        break;
                sqlite3_bind_text(st, 1, session, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 2, (int64_t) since);
                r = db_step_done(st);
                if (r < 0)
                        (void) db_fail(db, "withdraw a session's events");
                sqlite3_finalize(st);
        }
        return r < 0 ? r : sqlite3_changes(db_sqlite(db));
}
