/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "log.h"
#include "store.h"
#include "util.h"

struct Store {
        sqlite3 *db;
        char *path;
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
};

_Static_assert(ELEMENTSOF(migrations) == STORE_SCHEMA_VERSION, "one migration per schema version");

static int sql_fail(Store *s, int rc, const char *what) {
        log_error("State database %s: failed to %s: %s", s->path, what, s->db ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
        return -EIO;
}

static int exec(Store *s, const char *sql, const char *what) {
        char *err = NULL;
        int rc = sqlite3_exec(s->db, sql, NULL, NULL, &err);
        if (rc != SQLITE_OK) {
                log_error("State database %s: failed to %s: %s", s->path, what, err ?: sqlite3_errstr(rc));
                sqlite3_free(err);
                return -EIO;
        }
        return 0;
}

int store_begin(Store *s) {
        return exec(s, "BEGIN IMMEDIATE", "begin a transaction");
}

int store_commit(Store *s) {
        return exec(s, "COMMIT", "commit");
}

int store_rollback(Store *s) {
        return exec(s, "ROLLBACK", "roll back");
}

int store_schema_version(Store *s) {
        sqlite3_stmt *st = NULL;
        int v = -EIO;
        if (sqlite3_prepare_v2(s->db, "PRAGMA user_version", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
                v = sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        return v;
}

/* Nest-safe transaction for the functions below that write several rows at
 * once: BEGIN IMMEDIATE when none is open, else a savepoint inside the
 * caller's transaction (which then decides about the commit). */
static int tx_begin(Store *s, bool *nested) {
        *nested = !sqlite3_get_autocommit(s->db);
        return *nested ? exec(s, "SAVEPOINT store_tx", "begin a savepoint") : store_begin(s);
}

static void tx_rollback(Store *s, bool nested) {
        if (nested)
                (void) exec(s, "ROLLBACK TO store_tx; RELEASE store_tx", "roll back to a savepoint");
        else
                (void) store_rollback(s);
}

static int tx_commit(Store *s, bool nested) {
        if (nested)
                return exec(s, "RELEASE store_tx", "release a savepoint");
        if (store_commit(s) < 0) {
                /* A failed COMMIT may leave the transaction open: end it. */
                if (!sqlite3_get_autocommit(s->db))
                        (void) store_rollback(s);
                return -EIO;
        }
        return 0;
}

static int migrate(Store *s) {
        int from = -1;

        for (;;) {
                char bump[64];

                /* The version is read inside the write transaction, so two
                 * processes opening the same file never run a step twice. */
                if (store_begin(s) < 0)
                        return -EIO;
                int v = store_schema_version(s);
                if (v < 0) {
                        (void) store_rollback(s);
                        return sql_fail(s, SQLITE_ERROR, "read the schema version");
                }
                if (v > STORE_SCHEMA_VERSION) {
                        (void) store_rollback(s);
                        log_error("State database %s has schema version %d, newer than this kino-traktd knows (%d); refusing to touch it.",
                                  s->path, v, STORE_SCHEMA_VERSION);
                        return -EPROTONOSUPPORT;
                }
                if (v == STORE_SCHEMA_VERSION) {
                        if (store_commit(s) < 0)
                                return -EIO;
                        break;
                }
                if (from < 0)
                        from = v;
                snprintf(bump, sizeof bump, "PRAGMA user_version = %d", v + 1);
                if (exec(s, migrations[v], "migrate the schema") < 0 || exec(s, bump, "set the schema version") < 0) {
                        (void) store_rollback(s);
                        log_error("State database %s stays at schema version %d.", s->path, v);
                        return -EIO;
                }
                if (store_commit(s) < 0) {
                        if (!sqlite3_get_autocommit(s->db))
                                (void) store_rollback(s);
                        return -EIO;
                }
                log_debug("State database %s: schema step %d done.", s->path, v + 1);
        }

        if (from == 0)
                log_info("State database %s created (schema version %d).", s->path, STORE_SCHEMA_VERSION);
        else if (from > 0)
                log_info("State database %s upgraded from schema version %d to %d.", s->path, from, STORE_SCHEMA_VERSION);
        return 0;
}

static void chmod_if_exists(const char *path) {
        if (chmod(path, 0600) < 0 && errno != ENOENT)
                log_warning_errno(errno, "Failed to make %s private: %m", path);
}

static bool journal_is_wal(Store *s) {
        sqlite3_stmt *st = NULL;
        bool wal = false;
        if (sqlite3_prepare_v2(s->db, "PRAGMA journal_mode", -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
                wal = streq_ptr((const char *) sqlite3_column_text(st, 0), "wal");
        sqlite3_finalize(st);
        return wal;
}

int store_open_file(Store **ret, const char *path) {
        _cleanup_free_ char *wal = NULL, *shm = NULL;
        static bool configured = false;
        int rc, r;

        /* sqlite's memory statistics take a global mutex on every allocation
         * (an import makes millions: 4 % of its instructions) and nothing here
         * reads them. This works only before sqlite's first use. */
        if (!configured) {
                (void) sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
                configured = true;
        }

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

        Store *s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->path = strdup(path);
        if (!s->path) {
                store_free(s);
                return -ENOMEM;
        }
        /* No SQLITE_OPEN_CREATE: the file exists, with the right mode. */
        rc = sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
        if (rc != SQLITE_OK) {
                r = sql_fail(s, rc, "open");
                store_free(s);
                return r;
        }
        sqlite3_busy_timeout(s->db, 5000);
        sqlite3_extended_result_codes(s->db, 1);

        /* WAL with synchronous=FULL: a committed outbox event or token survives power loss. */
        if (exec(s, "PRAGMA journal_mode = WAL", "enable WAL") < 0 ||
            exec(s, "PRAGMA synchronous = FULL", "set synchronous") < 0 ||
            exec(s, "PRAGMA foreign_keys = ON", "enable foreign keys") < 0) {
                store_free(s);
                return -EIO;
        }
        r = migrate(s);
        if (r < 0) {
                store_free(s);
                return r;
        }
        if (!journal_is_wal(s))
                log_warning("State database %s: WAL is not available here; using a rollback journal (still durable).", path);
        chmod_if_exists(wal);
        chmod_if_exists(shm);
        *ret = s;
        return 0;
}

int store_open(Store **ret, const char *state_dir) {
        _cleanup_free_ char *path = NULL;

        if (mkdir(state_dir, 0700) < 0 && errno != EEXIST)
                return log_error_errno(errno, "Cannot create the state folder %s: %m", state_dir);
        if (asprintf(&path, "%s/state.db", state_dir) < 0)
                return -ENOMEM;
        return store_open_file(ret, path);
}

Store *store_free(Store *s) {
        if (!s)
                return NULL;
        if (s->db)
                sqlite3_close_v2(s->db);
        free(s->path);
        free(s);
        return NULL;
}

sqlite3 *store_db(Store *s) {
        return s->db;
}

int store_get_setting(Store *s, const char *key, char **ret) {
        sqlite3_stmt *st = NULL;
        int r;

        if (sqlite3_prepare_v2(s->db, "SELECT value FROM settings WHERE key = ?", -1, &st, NULL) != SQLITE_OK)
                return sql_fail(s, SQLITE_ERROR, "read a setting");
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
                r = sql_fail(s, rc, "read a setting");
        sqlite3_finalize(st);
        return r;
}

int store_set_setting(Store *s, const char *key, const char *value) {
        sqlite3_stmt *st = NULL;
        const char *sql = value ? "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"
                                : "DELETE FROM settings WHERE key = ?";
        if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
                return sql_fail(s, SQLITE_ERROR, "write a setting");
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        if (value)
                sqlite3_bind_text(st, 2, value, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : sql_fail(s, rc, "write a setting");
}

int store_get_setting_u64(Store *s, const char *key, uint64_t *ret) {
        _cleanup_free_ char *v = NULL;
        int r = store_get_setting(s, key, &v);
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

int store_set_setting_u64(Store *s, const char *key, uint64_t value) {
        char buf[32];
        snprintf(buf, sizeof buf, "%" PRIu64, value);
        return store_set_setting(s, key, buf);
}

int store_set_credentials(Store *s, const char *client_id, const char *client_secret) {
        bool nested;
        if (tx_begin(s, &nested) < 0)
                return -EIO;
        if (store_set_setting(s, "client_id", client_id) < 0 || store_set_setting(s, "client_secret", client_secret) < 0) {
                tx_rollback(s, nested);
                return -EIO;
        }
        return tx_commit(s, nested);
}

int store_get_credentials(Store *s, char **client_id, char **client_secret) {
        _cleanup_free_ char *id = NULL, *secret = NULL;
        int r = store_get_setting(s, "client_id", &id);
        if (r < 0)
                return r;
        r = store_get_setting(s, "client_secret", &secret);
        if (r < 0)
                return r;
        if (client_id)
                *client_id = TAKE_PTR(id);
        if (client_secret)
                *client_secret = TAKE_PTR(secret);
        return 0;
}

int store_set_tokens(Store *s, const char *access_token, const char *refresh_token, int64_t created_at, int64_t expires_at) {
        char c[32], e[32];
        snprintf(c, sizeof c, "%" PRIi64, created_at);
        snprintf(e, sizeof e, "%" PRIi64, expires_at);
        bool nested;
        if (!access_token || !refresh_token)
                return -EINVAL;
        if (tx_begin(s, &nested) < 0)
                return -EIO;
        if (store_set_setting(s, "access_token", access_token) < 0 || store_set_setting(s, "refresh_token", refresh_token) < 0 ||
            store_set_setting(s, "token_created_at", c) < 0 || store_set_setting(s, "token_expires_at", e) < 0) {
                tx_rollback(s, nested);
                return -EIO;
        }
        return tx_commit(s, nested);
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

int store_get_tokens(Store *s, char **access_token, char **refresh_token, int64_t *created_at, int64_t *expires_at) {
        _cleanup_free_ char *a = NULL, *rt = NULL;
        sqlite3_stmt *st = NULL;
        int64_t c = 0, e = 0;
        int rc;

        /* One statement: one consistent snapshot of the pair. */
        if (sqlite3_prepare_v2(s->db,
                               "SELECT key, value FROM settings WHERE key IN "
                               "('access_token','refresh_token','token_created_at','token_expires_at') AND value IS NOT NULL",
                               -1, &st, NULL) != SQLITE_OK)
                return sql_fail(s, SQLITE_ERROR, "read the tokens");
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
                return sql_fail(s, rc, "read the tokens");
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

int store_clear_tokens(Store *s) {
        return exec(s,
                    "DELETE FROM settings WHERE key IN ('access_token','refresh_token','token_created_at','token_expires_at')",
                    "clear the tokens");
}

int store_get_toggle(Store *s, const char *category, bool *ret) {
        sqlite3_stmt *st = NULL;
        if (!kt_category_valid(category))
                return -EINVAL;
        if (sqlite3_prepare_v2(s->db, "SELECT enabled FROM toggles WHERE category = ?", -1, &st, NULL) != SQLITE_OK)
                return sql_fail(s, SQLITE_ERROR, "read a toggle");
        sqlite3_bind_text(st, 1, category, -1, SQLITE_STATIC);
        int rc = sqlite3_step(st);
        *ret = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) != 0 : true;
        sqlite3_finalize(st);
        return rc == SQLITE_ROW || rc == SQLITE_DONE ? 0 : sql_fail(s, rc, "read a toggle");
}

int store_set_toggle(Store *s, const char *category, bool enabled) {
        sqlite3_stmt *st = NULL;
        if (!kt_category_valid(category))
                return -EINVAL;
        if (sqlite3_prepare_v2(s->db,
                               "INSERT INTO toggles(category, enabled) VALUES (?, ?) "
                               "ON CONFLICT(category) DO UPDATE SET enabled = excluded.enabled",
                               -1, &st, NULL) != SQLITE_OK)
                return sql_fail(s, SQLITE_ERROR, "write a toggle");
        sqlite3_bind_text(st, 1, category, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, enabled);
        int rc = sqlite3_step(st);
        sqlite3_finalize(st);
        return rc == SQLITE_DONE ? 0 : sql_fail(s, rc, "write a toggle");
}

int store_outbox_pending(Store *s, unsigned *ret) {
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(s->db, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'", -1, &st, NULL) != SQLITE_OK)
                return sql_fail(s, SQLITE_ERROR, "count the outbox");
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW)
                *ret = (unsigned) sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return rc == SQLITE_ROW ? 0 : sql_fail(s, rc, "count the outbox");
}
