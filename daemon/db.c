/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "db-private.h"
#include "log.h"
#include "util.h"

/* A statement kept prepared on the connection (db_cached). */
typedef struct CachedStmt {
        const char *sql;
        sqlite3_stmt *st;
} CachedStmt;

struct Db {
        sqlite3 *db;
        char *path;
        CachedStmt *cache;
        size_t n_cache;
};

/* One step per schema version; each runs in its own transaction together
 * with the user_version bump. Never edit a released step: add a new one. */
static const char *const migrations[] = {
        /* 1: the first release: settings and toggles. */
        "CREATE TABLE settings (key TEXT PRIMARY KEY NOT NULL, value TEXT);"
        "CREATE TABLE toggles (category TEXT PRIMARY KEY NOT NULL, enabled INTEGER NOT NULL);",

        /* 2: everything the connection, the outbox and the sync need. */
        "CREATE TABLE outbox ("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  created_at INTEGER NOT NULL,"
        "  kind TEXT NOT NULL,"
        "  category TEXT NOT NULL,"
        "  session TEXT,"
        "  payload TEXT NOT NULL,"
        "  idem_key TEXT UNIQUE,"
        "  attempts INTEGER NOT NULL DEFAULT 0,"
        "  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
        "  state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending','sent','failed','dropped')),"
        "  last_error TEXT);"
        "CREATE INDEX outbox_state ON outbox(state, id);"
        "CREATE TABLE history ("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  media_key TEXT NOT NULL,"
        "  media TEXT NOT NULL,"
        "  watched_at INTEGER NOT NULL,"
        "  origin TEXT NOT NULL CHECK (origin IN ('local','trakt')),"
        "  private INTEGER NOT NULL DEFAULT 0,"
        "  trakt_history_id INTEGER UNIQUE,"
        "  pushed INTEGER NOT NULL DEFAULT 0);"
        "CREATE INDEX history_watched_at ON history(watched_at);"
        "CREATE INDEX history_media ON history(media_key, watched_at);"
        "CREATE TABLE ratings ("
        "  media_key TEXT PRIMARY KEY NOT NULL,"
        "  media TEXT NOT NULL,"
        "  rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 10),"
        "  rated_at INTEGER NOT NULL,"
        "  pushed INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE lists ("
        "  id TEXT PRIMARY KEY NOT NULL,"
        "  name TEXT NOT NULL,"
        "  url TEXT NOT NULL,"
        "  kind TEXT NOT NULL CHECK (kind IN ('watchlist','custom')),"
        "  trakt_user TEXT,"
        "  trakt_slug TEXT,"
        "  item_count INTEGER NOT NULL DEFAULT 0,"
        "  updated_at INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE list_items ("
        "  list_id TEXT NOT NULL REFERENCES lists(id) ON DELETE CASCADE,"
        "  position INTEGER NOT NULL,"
        "  media_key TEXT NOT NULL,"
        "  media TEXT NOT NULL,"
        "  listed_at INTEGER NOT NULL DEFAULT 0,"
        "  PRIMARY KEY (list_id, position));"
        "CREATE TABLE collection ("
        "  media_key TEXT PRIMARY KEY NOT NULL,"
        "  media TEXT NOT NULL,"
        "  collected_at INTEGER NOT NULL,"
        "  media_type TEXT, resolution TEXT, hdr TEXT, audio TEXT, audio_channels TEXT,"
        "  is_3d INTEGER NOT NULL DEFAULT 0,"
        "  origin TEXT NOT NULL DEFAULT 'local',"
        "  pushed INTEGER NOT NULL DEFAULT 0);"
        "CREATE TABLE resume_points ("
        "  media_key TEXT PRIMARY KEY NOT NULL,"
        "  media TEXT NOT NULL,"
        "  progress REAL NOT NULL,"
        "  paused_at INTEGER NOT NULL,"
        "  playback_id INTEGER,"
        "  origin TEXT NOT NULL DEFAULT 'local');"
        "CREATE TABLE recommendations ("
        "  kind TEXT NOT NULL CHECK (kind IN ('movie','show')),"
        "  position INTEGER NOT NULL,"
        "  media_key TEXT NOT NULL,"
        "  media TEXT NOT NULL,"
        "  PRIMARY KEY (kind, position));"
        "CREATE TABLE sync_cursors (name TEXT PRIMARY KEY NOT NULL, value TEXT);"
        "CREATE TABLE not_found ("
        "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
        "  kind TEXT NOT NULL,"
        "  media TEXT NOT NULL,"
        "  reason TEXT,"
        "  seen_at INTEGER NOT NULL);",

        /* 3: the other ids of what Trakt sent (its rows are keyed by Trakt's
         * id), so an item named by a player's imdb or tvdb id is found. */
        "CREATE TABLE media_alias ("
        "  alias TEXT PRIMARY KEY NOT NULL,"
        "  media_key TEXT NOT NULL) WITHOUT ROWID;",

        /* 4: whose session recorded a local play (NULL: older rows, imports
         * from Trakt, MarkWatched), so a private one is shown to that user
         * alone. */
        "ALTER TABLE history ADD COLUMN uid INTEGER;",

        /* 5: what Trakt's search said about media named by title (resolve.c):
         * name "movie:<normalised title>:<year>", "show:…" or
         * "episode:<show>:<season>:<number>"; media is Trakt's item, NULL when
         * it does not know the title (closest: what its search found instead). */
        "CREATE TABLE title_cache ("
        "  name TEXT PRIMARY KEY NOT NULL,"
        "  media TEXT,"
        "  closest TEXT,"
        "  looked_at INTEGER NOT NULL,"
        "  expires_at INTEGER NOT NULL) WITHOUT ROWID;",

        /* 6: one shape for list_items.media, the shape every other table keeps
         * (trakt_media_wrapper_text): {"type": T, T: {…}}, an episode's or a
         * season's with its "show". Followed lists kept Trakt's raw list item
         * (rank, id, listed_at, notes around the same objects; listed_at has
         * its own column): those rows are rewritten to the wrapper. */
        "UPDATE list_items SET media = CASE"
        "  WHEN json_extract(media, '$.type') IN ('episode', 'season') AND json_type(media, '$.show') = 'object'"
        "  THEN json_object('type', json_extract(media, '$.type'), json_extract(media, '$.type'),"
        "                   json(json_extract(media, '$.' || json_extract(media, '$.type'))), 'show', json(json_extract(media, '$.show')))"
        "  ELSE json_object('type', json_extract(media, '$.type'), json_extract(media, '$.type'),"
        "                   json(json_extract(media, '$.' || json_extract(media, '$.type'))))"
        "  END"
        " WHERE json_valid(media) AND json_type(media, '$.type') = 'text'"
        " AND json_type(media, '$.' || json_extract(media, '$.type')) = 'object'"
        " AND EXISTS (SELECT 1 FROM json_each(list_items.media) WHERE key NOT IN ('type', 'movie', 'show', 'season', 'episode'));",

        /* 7: where an incognito session paused, for the user who watched it
         * alone (GetResumePoint asks with the caller's uid): a private pause
         * never leaves the machine, and another user of it does not see it
         * either. resume_points stays the household's, Trakt's account. */
        "CREATE TABLE private_resume_points ("
        "  uid INTEGER NOT NULL,"
        "  media_key TEXT NOT NULL,"
        "  media TEXT NOT NULL,"
        "  progress REAL NOT NULL,"
        "  paused_at INTEGER NOT NULL,"
        "  PRIMARY KEY (uid, media_key)) WITHOUT ROWID;",
};

_Static_assert(ELEMENTSOF(migrations) == DB_SCHEMA_VERSION, "one migration per schema version");

/* ---- inside the db layer (db-private.h) ---- */

sqlite3 *db_sqlite(Db *db) {
        return db->db;
}

int db_fail(Db *db, const char *what) {
        log_error("State database %s: failed to %s: %s", db->path, what, db->db ? sqlite3_errmsg(db->db) : "not open");
        return -EIO;
}

static int open_fail(Db *db, int rc, const char *what) {
        log_error("State database %s: failed to %s: %s", db->path, what, db->db ? sqlite3_errmsg(db->db) : sqlite3_errstr(rc));
        return -EIO;
}

int db_exec(Db *db, const char *sql, const char *what) {
        char *err = NULL;
        int rc = sqlite3_exec(db->db, sql, NULL, NULL, &err);
        if (rc != SQLITE_OK) {
                log_error("State database %s: failed to %s: %s", db->path, what, err ?: sqlite3_errstr(rc));
                sqlite3_free(err);
                return -EIO;
        }
        return 0;
}

int db_query_int64(Db *db, const char *sql, const char *what, int64_t *ret) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db, sql, &st);
        if (r < 0)
                return r;
        if (sqlite3_step(st) == SQLITE_ROW)
                *ret = sqlite3_column_int64(st, 0);
        else
                r = db_fail(db, what);
        sqlite3_finalize(st);
        return r;
}

int db_prepare(Db *db, const char *sql, sqlite3_stmt **ret) {
        if (sqlite3_prepare_v2(db->db, sql, -1, ret, NULL) != SQLITE_OK) {
                *ret = NULL;
                return db_fail(db, "prepare a statement");
        }
        return 0;
}

sqlite3_stmt *db_cached(Db *db, const char *sql) {
        for (size_t i = 0; i < db->n_cache; i++)
                if (db->cache[i].sql == sql) {
                        sqlite3_reset(db->cache[i].st);
                        sqlite3_clear_bindings(db->cache[i].st);
                        return db->cache[i].st;
                }
        CachedStmt *v = realloc(db->cache, (db->n_cache + 1) * sizeof *v);
        if (!v)
                return NULL;
        db->cache = v;
        sqlite3_stmt *st = NULL;
        if (db_prepare(db, sql, &st) < 0)
                return NULL;
        db->cache[db->n_cache++] = (CachedStmt) { .sql = sql, .st = st };
        return st;
}

static void cache_drop(Db *db) {
        for (size_t i = 0; i < db->n_cache; i++)
                sqlite3_finalize(db->cache[i].st);
        free(db->cache);
        db->cache = NULL;
        db->n_cache = 0;
}

int db_step_done(sqlite3_stmt *st) {
        int rc = sqlite3_step(st);
        sqlite3_reset(st);
        return rc == SQLITE_DONE ? 0 : -EIO;
}

void db_bind_text_or_null(sqlite3_stmt *st, int i, const char *s) {
        if (s)
                sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
        else
                sqlite3_bind_null(st, i);
}

int db_column_strdup(sqlite3_stmt *st, int i, char **ret) {
        const char *s = (const char *) sqlite3_column_text(st, i);
        char *d = NULL;
        if (s && !(d = strdup(s)))
                return -ENOMEM;
        *ret = d;
        return 0;
}

/* ---- the connection ---- */

int db_begin(Db *db) {
        return db_exec(db, "BEGIN IMMEDIATE", "begin a transaction");
}

int db_commit(Db *db) {
        return db_exec(db, "COMMIT", "commit");
}

int db_rollback(Db *db) {
        return db_exec(db, "ROLLBACK", "roll back");
}

bool db_in_transaction(Db *db) {
        return !sqlite3_get_autocommit(db->db);
}

void db_release_memory(Db *db) {
        cache_drop(db);
        (void) sqlite3_db_release_memory(db->db);
}

int db_schema_version(Db *db) {
        sqlite3_stmt *st = NULL;
        int v = -EIO;
        if (sqlite3_prepare_v2(db->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        return v;
}

/* Nest-safe transaction for the functions below that write several rows at
 * once: BEGIN IMMEDIATE when none is open, else a savepoint inside the
 * caller's transaction (which then decides about the commit). */
static int tx_begin(Db *db, bool *nested) {
        *nested = db_in_transaction(db);
        return *nested ? db_exec(db, "SAVEPOINT store_tx", "begin a savepoint") : db_begin(db);
}

static void tx_rollback(Db *db, bool nested) {
        if (nested)
                (void) db_exec(db, "ROLLBACK TO store_tx; RELEASE store_tx", "roll back to a savepoint");
        else
                (void) db_rollback(db);
}

static int tx_commit(Db *db, bool nested) {
        if (nested)
                return db_exec(db, "RELEASE store_tx", "release a savepoint");
        if (db_commit(db) < 0) {
                /* A failed COMMIT may leave the transaction open: end it. */
                if (db_in_transaction(db))
                        (void) db_rollback(db);
                return -EIO;
        }
        return 0;
}

static int migrate(Db *db) {
        int from = -1;

        for (;;) {
                char bump[64];

                /* The version is read inside the write transaction, so two
                 * processes opening the same file never run a step twice. */
                if (db_begin(db) < 0)
                        return -EIO;
                int v = db_schema_version(db);
                if (v < 0) {
                        (void) db_rollback(db);
                        return open_fail(db, SQLITE_ERROR, "read the schema version");
                }
                if (v > DB_SCHEMA_VERSION) {
                        (void) db_rollback(db);
                        log_error("State database %s has schema version %d, newer than this kino-traktd knows (%d); refusing to touch it.",
                                  db->path, v, DB_SCHEMA_VERSION);
                        return -EPROTONOSUPPORT;
                }
                if (v == DB_SCHEMA_VERSION) {
                        if (db_commit(db) < 0)
                                return -EIO;
                        break;
                }
                if (from < 0)
                        from = v;
                snprintf(bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
                if (db_exec(db, migrations[v], "migrate the schema") < 0 || db_exec(db, bump, "set the schema version") < 0) {
                        (void) db_rollback(db);
                        log_error("State database %s stays at schema version %d.", db->path, v);
                        return -EIO;
                }
                if (db_commit(db) < 0) {
                        if (db_in_transaction(db))
                                (void) db_rollback(db);
                        return -EIO;
                }
                log_debug("State database %s: schema step %d done.", db->path, v + 1);
        }

        if (from == 0)
                log_info("State database %s created (schema version %d).", db->path, DB_SCHEMA_VERSION);
        else if (from > 0)
                log_info("State database %s upgraded from schema version %d to %d.", db->path, from, DB_SCHEMA_VERSION);
        return 0;
}

static void chmod_if_exists(const char *path) {
        if (chmod(path, 0600) < 0 && errno != ENOENT)
                log_warning_errno(errno, "Failed to make %s private: %m", path);
}

static bool journal_is_wal(Db *db) {
        sqlite3_stmt *st = NULL;
        bool wal = false;
        if (sqlite3_prepare_v2(db->db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
                wal = streq_ptr((const char *) sqlite3_column_text(st, 0), "wal");
        sqlite3_finalize(st);
        return wal;
}

int db_open_file(Db **ret, const char *path) {
        _cleanup_free_ char *wal = NULL, *shm = NULL;
        static bool configured = false;
        bool memory = streq(path, ":memory:");
        int rc, r;

        /* sqlite's memory statistics take a global mutex on every allocation
         * (an import makes millions: 4 % of its instructions) and nothing here
         * reads them. This works only before sqlite's first use. */
        if (!configured) {
                (void) sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
                configured = true;
        }

        if (!memory) {
                /* Create it private before sqlite opens it: the secrets never sit in a readable file. */
                int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
                if (fd < 0)
                        return log_error_errno(errno, "Cannot open %s: %m", path);
                if (fchmod(fd, 0600) < 0) {
                        r = -errno;
                        close(fd);
                        return log_error_errno(r, "Cannot make %s private: %m", path);
                }
                close(fd);
                if (asprintf(&wal, "%s-wal", path) < 0 || asprintf(&shm, "%s-shm", path) < 0)
                        return -ENOMEM;
                chmod_if_exists(wal);
                chmod_if_exists(shm);
        }

        Db *db = calloc(1, sizeof(*db));
        if (!db)
                return -ENOMEM;
        db->path = strdup(path);
        if (!db->path) {
                db_free(db);
                return -ENOMEM;
        }
        /* No SQLITE_OPEN_CREATE for a file: it exists, with the right mode. */
        rc = sqlite3_open_v2(path, &db->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | (memory ? SQLITE_OPEN_CREATE : 0), NULL);
        if (rc != SQLITE_OK) {
                r = open_fail(db, rc, "open");
                db_free(db);
                return r;
        }
        sqlite3_busy_timeout(db->db, 5000);
        sqlite3_extended_result_codes(db->db, 1);

        /* WAL with synchronous=FULL: a committed outbox event or token survives power loss. */
        if (db_exec(db, "PRAGMA journal_mode = WAL", "enable WAL") < 0 ||
            db_exec(db, "PRAGMA synchronous = FULL", "set synchronous") < 0 ||
            db_exec(db, "PRAGMA foreign_keys = ON", "enable foreign keys") < 0) {
                db_free(db);
                return -EIO;
        }
        r = migrate(db);
        if (r < 0) {
                db_free(db);
                return r;
        }
        if (!memory && !journal_is_wal(db))
                log_warning("State database %s: WAL is not available here; using a rollback journal (still durable).", path);
        if (!memory) {
                chmod_if_exists(wal);
                chmod_if_exists(shm);
        }
        *ret = db;
        return 0;
}

int db_open(Db **ret, const char *state_dir) {
        _cleanup_free_ char *path = NULL;

        if (mkdir(state_dir, 0700) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Cannot create the state folder %s: %m", state_dir);
        if (asprintf(&path, "%s/state.db", state_dir) < 0)
                return -ENOMEM;
        return db_open_file(ret, path);
}

Db *db_free(Db *db) {
        if (!db)
                return NULL;
        cache_drop(db);
        if (db->db)
                sqlite3_close_v2(db->db);
        free(db->path);
        free(db);
        return NULL;
}

/* ---- settings, credentials, tokens, toggles ---- */

int db_get_setting(Db *db, const char *key, char **ret) {
        sqlite3_stmt *st = NULL;
        int r;

        if (sqlite3_prepare_v2(db->db, "SELECT value FROM settings WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
                return db_fail(db, "read a setting");
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
                char *v = strdup((const char *) sqlite3_column_text(st, 0));
                r = v ? 0 : -ENOMEM;
                if (ret)
                        *ret = v;
                else
                        free(v);
        } else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
                r = -ENOENT;
        else
                r = db_fail(db, "read a setting");
        sqlite3_finalize(st);
        return r;
}

int db_set_setting(Db *db, const char *key, const char *value) {
        sqlite3_stmt *st = NULL;
        const char *sql = value ? "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"
                                : "DELETE FROM settings WHERE key = ?";
        if (sqlite3_prepare_v2(db->db, sql, -1, &st, NULL) != SQLITE_OK)
                return db_fail(db, "write a setting");
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        if (value)
                sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : db_fail(db, "write a setting");
}

int db_get_setting_u64(Db *db, const char *key, uint64_t *ret) {
        _cleanup_free_ char *v = NULL;
        int r = db_get_setting(db, key, &v);
        if (r < 0)
                return r;
        char *end;
        if (!(v[0] >= '0' && v[0] <= '9'))
                return -EINVAL;
        errno = 0;
        unsigned long long n = strtoull(v, &end, 10);
        if (errno || *end)
                return -EINVAL;
        *ret = n;
        return 0;
}

int db_set_setting_u64(Db *db, const char *key, uint64_t value) {
        char buf[32];
        snprintf(buf, sizeof buf, "%" PRIu64, value);
        return db_set_setting(db, key, buf);
}

int db_set_credentials(Db *db, const char *client_id, const char *client_secret) {
        bool nested;
        if (tx_begin(db, &nested) < 0)
                return -EIO;
        if (db_set_setting(db, "client_id", client_id) < 0 || db_set_setting(db, "client_secret", client_secret) < 0) {
                tx_rollback(db, nested);
                return -EIO;
        }
        return tx_commit(db, nested);
}

int db_get_credentials(Db *db, char **client_id, char **client_secret) {
        _cleanup_free_ char *id = NULL, *secret = NULL;
        int r = db_get_setting(db, "client_id", &id);
        if (r < 0)
                return r;
        r = db_get_setting(db, "client_secret", &secret);
        if (r < 0)
                return r;
        if (client_id)
                *client_id = TAKE_PTR(id);
        if (client_secret)
                *client_secret = TAKE_PTR(secret);
        return 0;
}

int db_set_tokens(Db *db, const char *access_token, const char *refresh_token, int64_t created_at, int64_t expires_at) {
        char c[32], e[32];
        snprintf(c, sizeof c, "%" PRIi64, created_at);
        snprintf(e, sizeof e, "%" PRIi64, expires_at);
        bool nested;
        if (!access_token || !refresh_token)
                return -EINVAL;
        if (tx_begin(db, &nested) < 0)
                return -EIO;
        if (db_set_setting(db, "access_token", access_token) < 0 || db_set_setting(db, "refresh_token", refresh_token) < 0 ||
            db_set_setting(db, "token_created_at", c) < 0 || db_set_setting(db, "token_expires_at", e) < 0) {
                tx_rollback(db, nested);
                return -EIO;
        }
        return tx_commit(db, nested);
}

static int parse_i64(const char *v, int64_t *ret) {
        char *end;
        if (isempty(v))
                return -EINVAL;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        if (errno || *end)
                return -EINVAL;
        *ret = n;
        return 0;
}

int db_get_tokens(Db *db, char **access_token, char **refresh_token, int64_t *created_at, int64_t *expires_at) {
        _cleanup_free_ char *a = NULL, *rt = NULL;
        sqlite3_stmt *st = NULL;
        int64_t c = 0, e = 0;
        int rc;

        /* One statement: one consistent snapshot of the pair. */
        if (sqlite3_prepare_v2(db->db,
                               "SELECT key, value FROM settings WHERE key IN "
                               "('access_token','refresh_token','token_created_at','token_expires_at') AND value IS NOT NULL",
                               -1, &st, NULL) != SQLITE_OK)
                return db_fail(db, "read the tokens");
        while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
                const char *k = (const char *) sqlite3_column_text(st, 0);
                const char *v = (const char *) sqlite3_column_text(st, 1);
                if (!k || !v)
                        continue;
                if (streq(k, "access_token") && !a && !(a = strdup(v)))
                        rc = SQLITE_NOMEM;
                else if (streq(k, "refresh_token") && !rt && !(rt = strdup(v)))
                        rc = SQLITE_NOMEM;
                else if (streq(k, "token_created_at"))
                        (void) parse_i64(v, &c);
                else if (streq(k, "token_expires_at"))
                        (void) parse_i64(v, &e);
                if (rc == SQLITE_NOMEM)
                        break;
        }
        sqlite3_finalize(st);
        if (rc == SQLITE_NOMEM)
                return -ENOMEM;
        if (rc != SQLITE_DONE)
                return db_fail(db, "read the tokens");
        if (!a || !rt)
                return -ENOENT;

        if (access_token)
                *access_token = TAKE_PTR(a);
        if (refresh_token)
                *refresh_token = TAKE_PTR(rt);
        if (created_at)
                *created_at = c;
        if (expires_at)
                *expires_at = e;
        return 0;
}

int db_clear_tokens(Db *db) {
        return db_exec(db,
                    "DELETE FROM settings WHERE key IN ('access_token','refresh_token','token_created_at','token_expires_at')",
                    "clear the tokens");
}

int db_get_toggle(Db *db, const char *category, bool *ret) {
        sqlite3_stmt *st = NULL;
        if (!kt_category_valid(category))
                return -EINVAL;
        if (sqlite3_prepare_v2(db->db, "SELECT enabled FROM toggles WHERE category = ?", -1, &st, NULL) != SQLITE_OK)
                return db_fail(db, "read a toggle");
        sqlite3_bind_text(st, 1, category, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        *ret = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) != 0 : true;
        sqlite3_finalize(st);
        return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : db_fail(db, "read a toggle");
}

int db_set_toggle(Db *db, const char *category, bool enabled) {
        sqlite3_stmt *st = NULL;
        if (!kt_category_valid(category))
                return -EINVAL;
        if (sqlite3_prepare_v2(db->db,
                               "INSERT INTO toggles(category, enabled) VALUES (?, ?) "
                               "ON CONFLICT(category) DO UPDATE SET enabled = excluded.enabled",
                               -1, &st, NULL) != SQLITE_OK)
                return db_fail(db, "write a toggle");
        sqlite3_bind_text(st, 1, category, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, enabled);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : db_fail(db, "write a toggle");
}
