/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "db-private.h"
#include "db-seen.h"

int db_seen_reset(Db *db) {
        int r = db_exec(db,
                        "CREATE TEMP TABLE IF NOT EXISTS sync_seen_ids (id INTEGER PRIMARY KEY);"
                        "CREATE TEMP TABLE IF NOT EXISTS sync_seen_keys (key TEXT PRIMARY KEY);",
                        "make the sweep's tables");
        return r < 0 ? r : db_seen_clear(db);
}

int db_seen_clear(Db *db) {
        return db_exec(db, "DELETE FROM " DB_SEEN_IDS "; DELETE FROM " DB_SEEN_KEYS ";", "empty the sweep's tables");
}

/* Per item of every page a sweep reads: kept prepared. */
static const char add_id_sql[] = "INSERT OR IGNORE INTO " DB_SEEN_IDS "(id) VALUES (?)";
static const char add_key_sql[] = "INSERT OR IGNORE INTO " DB_SEEN_KEYS "(key) VALUES (?)";
static const char has_key_sql[] = "SELECT 1 FROM " DB_SEEN_KEYS " WHERE key = ?";

int db_seen_add_id(Db *db, int64_t trakt_history_id) {
        sqlite3_stmt *st = db_cached(db, add_id_sql);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, trakt_history_id);
        return db_step_done(st);
}

int db_seen_add_key(Db *db, const char *media_key) {
        sqlite3_stmt *st = db_cached(db, add_key_sql);
        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, media_key, -1, SQLITE_STATIC);
        int r = db_step_done(st);
        sqlite3_clear_bindings(st); /* the binding points at the caller's string */
        return r;
}

int db_seen_has_key(Db *db, const char *media_key, bool *ret) {
        sqlite3_stmt *st = db_cached(db, has_key_sql);
        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, media_key, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        if (rc != SQLITE_ROW && rc != SQLITE_DONE)
                return -EIO;
        *ret = rc == SQLITE_ROW;
        return 0;
}
