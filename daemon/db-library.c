/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db-cursors.h"
#include "db-library.h"
#include "db-private.h"
#include "log.h"
#include "util.h"

/* Run a statement prepared for one use, then finalize it: 0 or -EIO (logged with what). */
static int run_once(Db *db, sqlite3_stmt *st, const char *what) {
        int r = db_step_done(st);
        if (r < 0 && what)
                (void) db_fail(db, what);
        sqlite3_finalize(st);
        return r;
}

/* A kept statement's run: its bindings point at the caller's strings, so
 * they go with the reset. */
static int run_cached(sqlite3_stmt *st) {
        int r = db_step_done(st);
        sqlite3_clear_bindings(st);
        return r;
}

/* "DELETE FROM … WHERE media_key = ?1" and the like: one text argument. */
static int run_key(Db *db, const char *sql, const char *key) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db, sql, &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
        return run_once(db, st, "write the library");
}

/* "?,?,…" for n parameters (n > 0). */
static char *placeholders(size_t n) {
        char *s = malloc(n * 2);
        if (!s)
                return NULL;
        for (size_t i = 0; i < n; i++) {
                s[2 * i] = '?';
                s[2 * i + 1] = ',';
        }
        s[2 * n - 1] = 0;
        return s;
}

/* The newest row (by column newest) of "select_prefix" stored under any of
 * keys: 0 with *ret on it (finalize it), -ENOENT, -ENOMEM or -EIO. */
static int find_by_keys(Db *db, char *const *keys, const char *select_prefix, const char *newest, sqlite3_stmt **ret) {
        _cleanup_free_ char *in = NULL, *sql = NULL;
        size_t n = 0;
        while (keys && keys[n])
                n++;
        if (n == 0)
                return -ENOENT;
        in = placeholders(n);
        if (!in || asprintf(&sql, "%s WHERE media_key IN (%s) ORDER BY %s DESC LIMIT 1", select_prefix, in, newest) < 0)
                return -ENOMEM;
        int r = db_prepare(db, sql, ret);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                sqlite3_bind_text(*ret, (int) i + 1, keys[i], -1, SQLITE_STATIC);
        int rc = sqlite3_step(*ret);
        return rc == SQLITE_ROW ? 0 : rc == SQLITE_DONE ? -ENOENT : -EIO;
}

/* ---- aliases ---- */

static const char alias_set_sql[] = "INSERT OR REPLACE INTO media_alias(alias, media_key) VALUES (?, ?)";
static const char alias_lookup_sql[] = "SELECT DISTINCT media_key FROM media_alias WHERE alias = ?";

int db_alias_set(Db *db, const char *alias, const char *media_key) {
        sqlite3_stmt *st = db_cached(db, alias_set_sql);
        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, alias, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, media_key, -1, SQLITE_STATIC);
        return run_cached(st);
}

int db_aliases_add(Db *db, const char *media_key, char *const *aliases) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db, "INSERT OR IGNORE INTO media_alias(alias, media_key) VALUES (?1, ?2)", &st);
        if (r < 0)
                return r;
        for (size_t i = 0; aliases && aliases[i] && r >= 0; i++) {
                if (streq(aliases[i], media_key))
                        continue;
                sqlite3_bind_text(st, 1, aliases[i], -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 2, media_key, -1, SQLITE_STATIC);
                r = db_step_done(st);
        }
        sqlite3_finalize(st);
        return r;
}

int db_alias_lookup(Db *db, const char *alias, int (*fn)(const char *media_key, void *userdata), void *userdata) {
        /* Asked for every key of an item on GetRating, Rate and each completed watch: kept prepared. */
        sqlite3_stmt *st = db_cached(db, alias_lookup_sql);
        int r = 0, rc;
        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, alias, -1, SQLITE_STATIC);
        while (r >= 0 && (rc = sqlite3_step(st)) == SQLITE_ROW)
                r = fn((const char *) sqlite3_column_text(st, 0), userdata);
        if (r >= 0 && rc != SQLITE_DONE)
                r = -EIO;
        sqlite3_reset(st);
        sqlite3_clear_bindings(st);
        return r;
}

/* ---- ratings ---- */

static const char rating_from_trakt_sql[] =
        /* The newer rating wins; a Trakt rating equal to ours is already pushed. */
        "INSERT INTO ratings(media_key, media, rating, rated_at, pushed) VALUES (?1, ?2, ?3, ?4, 1)"
        " ON CONFLICT(media_key) DO UPDATE SET rating = excluded.rating, rated_at = excluded.rated_at, pushed = 1"
        " WHERE excluded.rated_at >= ratings.rated_at OR ratings.rating = excluded.rating";

int db_rating_from_trakt(Db *db, const char *media_key, const char *media, int rating, int64_t rated_at) {
        sqlite3_stmt *st = db_cached(db, rating_from_trakt_sql);
        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, media_key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, media, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 3, rating);
        sqlite3_bind_int64(st, 4, rated_at);
        return run_cached(st);
}

int db_rating_set(Db *db, const char *media_key, const char *media, int rating, int64_t rated_at, DbPushed pushed) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db,
                           "INSERT INTO ratings(media_key, media, rating, rated_at, pushed) VALUES (?1, ?2, ?3, ?4, ?5)"
                           " ON CONFLICT(media_key) DO UPDATE SET rating = excluded.rating, rated_at = excluded.rated_at,"
                           " pushed = excluded.pushed",
                           &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, media_key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, media, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, rating);
        sqlite3_bind_int64(st, 4, rated_at);
        sqlite3_bind_int64(st, 5, pushed);
        return run_once(db, st, "store a rating");
}

int db_rating_delete(Db *db, const char *media_key) {
        return run_key(db, "DELETE FROM ratings WHERE media_key = ?1", media_key);
}

int db_rating_delivered(Db *db, int64_t rated_at) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db, "UPDATE ratings SET pushed = 1 WHERE rated_at = ?1 AND pushed = 2", &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, rated_at);
        return run_once(db, st, NULL);
}

int db_rating_find(Db *db, char *const *keys, uint8_t *ret) {
        sqlite3_stmt *st = NULL;
        int r = find_by_keys(db, keys, "SELECT rating FROM ratings", "rated_at", &st);
        if (r >= 0)
                *ret = (uint8_t) sqlite3_column_int(st, 0);
        sqlite3_finalize(st);
        return r;
}

static const char rating_delete_row_sql[] = "DELETE FROM ratings WHERE rowid = ?";

int db_ratings_forget_gone(Db *db, bool (*gone)(const char *media, void *userdata), void *userdata) {
        sqlite3_stmt *st = NULL, *del = NULL;
        int removed = 0, r = db_prepare(db, "SELECT rowid, media FROM ratings WHERE pushed = 1", &st);
        if (r < 0)
                return r;
        del = db_cached(db, rating_delete_row_sql);
        if (!del)
                r = -EIO;
        while (r >= 0 && sqlite3_step(st) == SQLITE_ROW) {
                const char *media = (const char *) sqlite3_column_text(st, 1);
                if (!media || !gone(media, userdata))
                        continue;
                sqlite3_bind_int64(del, 1, sqlite3_column_int64(st, 0));
                r = db_step_done(del);
                removed++;
        }
        sqlite3_finalize(st);
        return r < 0 ? r : removed;
}

/* ---- resume points ---- */

static const char resume_from_trakt_sql[] =
        /* Newest pause wins, whether it happened here or elsewhere. */
        "INSERT INTO resume_points(media_key, media, progress, paused_at, playback_id, origin) VALUES (?1, ?2, ?3, ?4, ?5, 'trakt')"
        " ON CONFLICT(media_key) DO UPDATE SET progress = excluded.progress, paused_at = excluded.paused_at,"
        " playback_id = excluded.playback_id, origin = 'trakt' WHERE excluded.paused_at >= resume_points.paused_at";

int db_resume_from_trakt(Db *db, const char *media_key, const char *media, double progress, int64_t paused_at, int64_t playback_id) {
        sqlite3_stmt *st = db_cached(db, resume_from_trakt_sql);
        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, media_key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, media, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 3, progress);
        sqlite3_bind_int64(st, 4, paused_at);
        if (playback_id > 0)
                sqlite3_bind_int64(st, 5, playback_id);
        else
                sqlite3_bind_null(st, 5);
        return run_cached(st);
}

int db_resume_set(Db *db, const char *media_key, const char *media, double progress, int64_t paused_at) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db,
                           "INSERT INTO resume_points(media_key, media, progress, paused_at, origin) VALUES (?1, ?2, ?3, ?4, 'local')"
                           " ON CONFLICT(media_key) DO UPDATE SET media = excluded.media, progress = excluded.progress,"
                           " paused_at = excluded.paused_at, origin = 'local'",
                           &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, media_key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, media, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 3, progress);
        sqlite3_bind_int64(st, 4, paused_at);
        return run_once(db, st, "store a resume point");
}

int db_resume_delete(Db *db, const char *media_key) {
        return run_key(db, "DELETE FROM resume_points WHERE media_key = ?1", media_key);
}

int db_resume_set_private(Db *db, uid_t uid, const char *media_key, const char *media, double progress, int64_t paused_at) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db,
                           "INSERT INTO private_resume_points(uid, media_key, media, progress, paused_at) VALUES (?1, ?2, ?3, ?4, ?5)"
                           " ON CONFLICT(uid, media_key) DO UPDATE SET media = excluded.media, progress = excluded.progress,"
                           " paused_at = excluded.paused_at",
                           &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, (int64_t) uid);
        sqlite3_bind_text(st, 2, media_key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, media, -1, SQLITE_STATIC);
        sqlite3_bind_double(st, 4, progress);
        sqlite3_bind_int64(st, 5, paused_at);
        return run_once(db, st, "store a private resume point");
}

int db_resume_delete_private(Db *db, uid_t uid, const char *media_key) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db, "DELETE FROM private_resume_points WHERE uid = ?1 AND media_key = ?2", &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, (int64_t) uid);
        sqlite3_bind_text(st, 2, media_key, -1, SQLITE_STATIC);
        return run_once(db, st, "forget a private resume point");
}

int db_resume_find(Db *db, char *const *keys, uid_t uid, double *ret_progress, uint64_t *ret_paused_at) {
        _cleanup_free_ char *in = NULL, *sql = NULL;
        sqlite3_stmt *st = NULL;
        size_t n = 0, len = 0;

        while (keys && keys[n])
                n++;
        if (n == 0)
                return -ENOENT;
        /* ?1…?n are the keys in both halves; ?n+1 the uid. */
        in = malloc(n * 12);
        if (!in)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                len += (size_t) snprintf(in + len, n * 12 - len, "%s?%zu", i ? "," : "", i + 1);
        if (asprintf(&sql,
                     "SELECT progress, paused_at FROM resume_points WHERE media_key IN (%s)"
                     " UNION ALL SELECT progress, paused_at FROM private_resume_points WHERE uid = ?%zu AND media_key IN (%s)"
                     " ORDER BY paused_at DESC LIMIT 1",
                     in, n + 1, in) < 0) {
                sql = NULL;
                return -ENOMEM;
        }
        int r = db_prepare(db, sql, &st);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++)
                sqlite3_bind_text(st, (int) i + 1, keys[i], -1, SQLITE_STATIC);
        if (uid != (uid_t) -1)
                sqlite3_bind_int64(st, (int) n + 1, (int64_t) uid);
        else
                sqlite3_bind_null(st, (int) n + 1); /* uid = NULL: no private row */
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                *ret_progress = sqlite3_column_double(st, 0);
                *ret_paused_at = (uint64_t) sqlite3_column_int64(st, 1);
                r = 0;
        } else
                r = rc == SQLITE_DONE ? -ENOENT : db_fail(db, "read the resume points");
        sqlite3_finalize(st);
        return r;
}

int db_resume_forget_unseen(Db *db) {
        return db_exec(db, "DELETE FROM resume_points WHERE origin = 'trakt' AND media_key NOT IN (SELECT key FROM " DB_SEEN_KEYS ")",
                       "forget resume points Trakt no longer has");
}

/* ---- the collection ---- */

static void bind_meta(sqlite3_stmt *st, int first, const DbCollectionMeta *m) {
        db_bind_text_or_null(st, first, m->media_type);
        db_bind_text_or_null(st, first + 1, m->resolution);
        db_bind_text_or_null(st, first + 2, m->hdr);
        db_bind_text_or_null(st, first + 3, m->audio);
        db_bind_text_or_null(st, first + 4, m->audio_channels);
        sqlite3_bind_int(st, first + 5, m->is_3d);
}

static const char collection_from_trakt_sql[] =
        "INSERT INTO collection(media_key, media, collected_at, media_type, resolution, hdr, audio, audio_channels, is_3d, origin, pushed)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'trakt', 1)"
        " ON CONFLICT(media_key) DO UPDATE SET pushed = 1 WHERE collection.origin = 'trakt'";

int db_collection_from_trakt(Db *db, const char *media_key, const char *media, int64_t collected_at, const DbCollectionMeta *meta) {
        sqlite3_stmt *st = db_cached(db, collection_from_trakt_sql);
        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, media_key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, media, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, collected_at);
        bind_meta(st, 4, meta);
        return run_cached(st);
}

int db_collection_set(Db *db, const char *media_key, const char *media, int64_t collected_at, const DbCollectionMeta *meta,
                      DbPushed pushed) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db,
                           "INSERT INTO collection(media_key, media, collected_at, media_type, resolution, hdr, audio, audio_channels,"
                           " is_3d, origin, pushed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'local', ?10)"
                           " ON CONFLICT(media_key) DO UPDATE SET media = excluded.media, collected_at = excluded.collected_at,"
                           " media_type = excluded.media_type, resolution = excluded.resolution, hdr = excluded.hdr,"
                           " audio = excluded.audio, audio_channels = excluded.audio_channels, is_3d = excluded.is_3d,"
                           " origin = 'local', pushed = excluded.pushed",
                           &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, media_key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, media, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 3, collected_at);
        bind_meta(st, 4, meta);
        sqlite3_bind_int64(st, 10, pushed);
        return run_once(db, st, "store a collected item");
}

int db_collection_delete(Db *db, const char *media_key) {
        return run_key(db, "DELETE FROM collection WHERE media_key = ?1", media_key);
}

int db_collection_forget_unseen(Db *db) {
        return db_exec(db, "DELETE FROM collection WHERE origin = 'trakt' AND media_key NOT IN (SELECT key FROM " DB_SEEN_KEYS ")",
                       "forget collected items Trakt no longer has");
}

/* ---- lists ---- */

int db_watchlist_ensure(Db *db) {
        return db_exec(db,
                       "INSERT OR IGNORE INTO lists(id, name, url, kind, trakt_user, trakt_slug, item_count, updated_at) "
                       "VALUES ('" DB_WATCHLIST_ID "', 'Trakt watchlist', 'https://trakt.tv/users/me/watchlist', 'watchlist', NULL, NULL, 0, 0)",
                       "create the watchlist system list");
}

int db_watchlist_remove(Db *db) {
        return db_exec(db,
                       "DELETE FROM list_items WHERE list_id = '" DB_WATCHLIST_ID "';"
                       "DELETE FROM lists WHERE id = '" DB_WATCHLIST_ID "'",
                       "remove the watchlist system list");
}

static const char watchlist_item_sql[] =
        "INSERT OR REPLACE INTO list_items(list_id, position, media_key, media, listed_at) VALUES ('" DB_WATCHLIST_ID "', ?, ?, ?, ?)";

int db_watchlist_item_put(Db *db, uint32_t position, const char *media_key, const char *media, int64_t listed_at) {
        sqlite3_stmt *st = db_cached(db, watchlist_item_sql);
        if (!st)
                return -EIO;
        sqlite3_bind_int64(st, 1, position);
        sqlite3_bind_text(st, 2, media_key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 3, media, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 4, listed_at);
        return run_cached(st);
}

int db_watchlist_truncate(Db *db, uint32_t from_position) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db, "DELETE FROM list_items WHERE list_id = '" DB_WATCHLIST_ID "' AND position >= ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, from_position);
        return run_once(db, st, NULL);
}

static int list_store(Db *db, const DbFollowedList *l, bool create, const DbListItem *items, size_t n, uint64_t now) {
        sqlite3_stmt *st = NULL;
        int r;

        if (create) {
                r = db_prepare(db,
                               "INSERT INTO lists(id, name, url, kind, trakt_user, trakt_slug, item_count, updated_at)"
                               " VALUES (?1, ?2, ?3, 'custom', ?4, ?5, ?6, ?7)"
                               " ON CONFLICT(id) DO UPDATE SET name = excluded.name, url = excluded.url,"
                               " trakt_user = excluded.trakt_user, trakt_slug = excluded.trakt_slug,"
                               " item_count = excluded.item_count, updated_at = excluded.updated_at"
                               " WHERE lists.kind = 'custom'",
                               &st);
                if (r >= 0) {
                        sqlite3_bind_text(st, 3, l->url, -1, SQLITE_STATIC);
                        sqlite3_bind_text(st, 4, l->trakt_user, -1, SQLITE_STATIC);
                        sqlite3_bind_text(st, 5, l->trakt_slug, -1, SQLITE_STATIC);
                }
        } else
                /* A refresh never brings back a list that was removed meanwhile. */
                r = db_prepare(db, "UPDATE lists SET name = ?2, item_count = ?6, updated_at = ?7 WHERE id = ?1 AND kind = 'custom'", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, l->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, l->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, (int64_t) n);
        sqlite3_bind_int64(st, 7, (int64_t) now);
        r = db_step_done(st);
        sqlite3_finalize(st);
        if (r < 0)
                return r;
        if (sqlite3_changes(db_sqlite(db)) == 0)
                return 0;

        r = db_prepare(db, "DELETE FROM list_items WHERE list_id = ?", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, l->id, -1, SQLITE_STATIC);
        r = db_step_done(st);
        sqlite3_finalize(st);
        if (r < 0)
                return r;

        r = db_prepare(db, "INSERT INTO list_items(list_id, position, media_key, media, listed_at) VALUES (?, ?, ?, ?, ?)", &st);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n && r >= 0; i++) {
                sqlite3_bind_text(st, 1, l->id, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 2, (int64_t) i);
                sqlite3_bind_text(st, 3, items[i].media_key, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 4, items[i].media, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 5, items[i].listed_at);
                r = db_step_done(st);
        }
        sqlite3_finalize(st);
        return r < 0 ? r : 1;
}

int db_list_store(Db *db, const DbFollowedList *list, bool create, const DbListItem *items, size_t n_items, uint64_t now) {
        if (db_begin(db) < 0)
                return -EIO;
        int r = list_store(db, list, create, items, n_items, now);
        if (r < 0)
                log_error("Failed to store the list %s: %s", list->id, sqlite3_errmsg(db_sqlite(db)));
        if (r <= 0) {
                (void) db_rollback(db);
                return r;
        }
        if (db_commit(db) < 0) {
                (void) db_rollback(db);
                return -EIO;
        }
        return 1;
}

int db_lists_followed(Db *db, int (*fn)(const char *id, const char *user, const char *slug, void *userdata), void *userdata) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db,
                           "SELECT id, trakt_user, trakt_slug FROM lists WHERE kind = 'custom'"
                           " AND trakt_user IS NOT NULL AND trakt_slug IS NOT NULL ORDER BY id",
                           &st);
        while (r >= 0 && sqlite3_step(st) == SQLITE_ROW)
                r = fn((const char *) sqlite3_column_text(st, 0), (const char *) sqlite3_column_text(st, 1),
                       (const char *) sqlite3_column_text(st, 2), userdata);
        sqlite3_finalize(st);
        return r;
}

int db_lists_each(Db *db, int (*fn)(const DbListRow *row, void *userdata), void *userdata) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db,
                           "SELECT id, name, url, kind, (SELECT COUNT(*) FROM list_items i WHERE i.list_id = l.id)"
                           " FROM lists l ORDER BY kind = 'watchlist' DESC, name",
                           &st);
        while (r >= 0 && sqlite3_step(st) == SQLITE_ROW)
                r = fn(&(DbListRow) {
                               .id = (const char *) sqlite3_column_text(st, 0),
                               .name = (const char *) sqlite3_column_text(st, 1),
                               .url = (const char *) sqlite3_column_text(st, 2),
                               .kind = (const char *) sqlite3_column_text(st, 3),
                               .n_items = (uint32_t) sqlite3_column_int64(st, 4),
                       },
                       userdata);
        sqlite3_finalize(st);
        return r;
}

int db_list_exists(Db *db, const char *list_id, bool *ret_system) {
        sqlite3_stmt *st = NULL;
        int found = 0;
        if (db_prepare(db, "SELECT kind FROM lists WHERE id = ?", &st) < 0)
                return 0;
        sqlite3_bind_text(st, 1, list_id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
                found = 1;
                if (ret_system)
                        *ret_system = streq_ptr((const char *) sqlite3_column_text(st, 0), "watchlist");
        }
        sqlite3_finalize(st);
        return found;
}

int db_list_remove(Db *db, const char *list_id) {
        return run_key(db, "DELETE FROM lists WHERE id = ? AND kind = 'custom'", list_id);
}

int db_list_items_each(Db *db, const char *list_id, int (*fn)(const DbItemRow *row, void *userdata), void *userdata) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db, "SELECT media, listed_at, position + 1 FROM list_items WHERE list_id = ? ORDER BY position", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, list_id, -1, SQLITE_STATIC);
        while (r >= 0 && sqlite3_step(st) == SQLITE_ROW)
                r = fn(&(DbItemRow) {
                               .media_json = (const char *) sqlite3_column_text(st, 0),
                               .listed_at = (uint64_t) sqlite3_column_int64(st, 1),
                               .rank = (uint32_t) sqlite3_column_int64(st, 2),
                       },
                       userdata);
        sqlite3_finalize(st);
        return r;
}

/* ---- recommendations ---- */

int db_recommendations_clear_kind(Db *db, const char *kind) {
        return run_key(db, "DELETE FROM recommendations WHERE kind = ?", kind);
}

int db_recommendations_clear(Db *db) {
        return db_exec(db, "DELETE FROM recommendations", "clear the recommendations");
}

static const char recommendation_put_sql[] =
        "INSERT OR REPLACE INTO recommendations(kind, position, media_key, media) VALUES (?, ?, ?, ?)";

int db_recommendation_put(Db *db, const char *kind, uint32_t position, const char *media_key, const char *media) {
        sqlite3_stmt *st = db_cached(db, recommendation_put_sql);
        if (!st)
                return -EIO;
        sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, position);
        sqlite3_bind_text(st, 3, media_key, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, media, -1, SQLITE_STATIC);
        return run_cached(st);
}

int db_recommendations_each(Db *db, const char *kind, bool on, int (*fn)(const DbItemRow *row, void *userdata), void *userdata) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db,
                           "SELECT media FROM recommendations r WHERE kind = ?1 AND ?2"
                           " AND NOT EXISTS (SELECT 1 FROM history h WHERE h.media_key = r.media_key AND h.watched_at >"
                           "  (SELECT CAST(value AS INTEGER) FROM sync_cursors WHERE name = ?3))"
                           " ORDER BY position",
                           &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, on); /* with the toggle off the cache reads as empty; what was watched since Trakt picked is left out */
        sqlite3_bind_text(st, 3, db_cursor_name(DB_CURSOR_RECOMMENDATIONS_FETCHED_AT), -1, SQLITE_STATIC);
        while (r >= 0 && sqlite3_step(st) == SQLITE_ROW)
                r = fn(&(DbItemRow) { .media_json = (const char *) sqlite3_column_text(st, 0) }, userdata);
        sqlite3_finalize(st);
        return r;
}

/* ---- unmatched ---- */

int db_unmatched_add(Db *db, const char *kind, const char *media, const char *reason, uint64_t seen_at) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db, "INSERT INTO not_found(kind, media, reason, seen_at) VALUES (?, ?, ?, ?)", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, media, -1, SQLITE_STATIC);
        db_bind_text_or_null(st, 3, reason);
        sqlite3_bind_int64(st, 4, (int64_t) seen_at);
        return run_once(db, st, NULL);
}

int db_unmatched_count(Db *db, uint32_t *ret) {
        int64_t v = 0;
        int r = db_query_int64(db, "SELECT COUNT(*) FROM not_found", "count the unmatched items", &v);
        if (r >= 0)
                *ret = (uint32_t) v;
        return r;
}

/* ---- rekey ---- */

static int run_keys(Db *db, const char *sql, const char *a, const char *b, const char *json) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db, sql, &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
        if (b)
                sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
        if (json)
                sqlite3_bind_text(st, 3, json, -1, SQLITE_STATIC);
        return run_once(db, st, NULL);
}

int db_library_rekey(Db *db, const char *old_key, const char *new_key, const char *new_media) {
        static const struct {
                const char *table, *at;
        } keyed[] = { { "resume_points", "paused_at" }, { "ratings", "rated_at" }, { "collection", "collected_at" } };
        char sql[512];
        bool nested = db_in_transaction(db);
        int r = nested ? 0 : db_begin(db);

        if (r >= 0)
                r = run_keys(db, "UPDATE history SET media_key = ?2, media = ?3 WHERE media_key = ?1 AND origin = 'local'", old_key,
                             new_key, new_media);
        /* One row per item: the newer of the two stays. */
        for (size_t i = 0; i < ELEMENTSOF(keyed) && r >= 0; i++) {
                snprintf(sql, sizeof sql, "DELETE FROM %s WHERE media_key = ?2 AND %s <= (SELECT %s FROM %s WHERE media_key = ?1)",
                         keyed[i].table, keyed[i].at, keyed[i].at, keyed[i].table);
                r = run_keys(db, sql, old_key, new_key, NULL);
                if (r >= 0) {
                        snprintf(sql, sizeof sql, "UPDATE OR IGNORE %s SET media_key = ?2, media = ?3 WHERE media_key = ?1", keyed[i].table);
                        r = run_keys(db, sql, old_key, new_key, new_media);
                }
                if (r >= 0) {
                        /* Left only when the row under Trakt's key was the newer one. */
                        snprintf(sql, sizeof sql, "DELETE FROM %s WHERE media_key = ?1", keyed[i].table);
                        r = run_keys(db, sql, old_key, NULL, NULL);
                }
        }
        /* The same for each user's private pauses. */
        if (r >= 0)
                r = run_keys(db,
                             "DELETE FROM private_resume_points WHERE media_key = ?2 AND paused_at <= (SELECT o.paused_at"
                             " FROM private_resume_points AS o WHERE o.media_key = ?1 AND o.uid = private_resume_points.uid)",
                             old_key, new_key, NULL);
        if (r >= 0)
                r = run_keys(db, "UPDATE OR IGNORE private_resume_points SET media_key = ?2, media = ?3 WHERE media_key = ?1", old_key,
                             new_key, new_media);
        if (r >= 0)
                r = run_keys(db, "DELETE FROM private_resume_points WHERE media_key = ?1", old_key, NULL, NULL);
        if (!nested && (r < 0 || db_commit(db) < 0)) {
                (void) db_rollback(db);
                r = -EIO;
        }
        return r;
}
