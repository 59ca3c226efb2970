/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include "db-private.h"
#include "db-titles.h"
#include "util.h"

int db_title_get(Db *db, const char *name, uint64_t now, char **ret_media, char **ret_closest) {
        _cleanup_free_ char *media = NULL, *closest = NULL;
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db, "SELECT media, closest FROM title_cache WHERE name = ?1 AND expires_at > ?2", &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 2, (int64_t) now);
        int rc = sqlite3_step(st);
        if (rc == SQLITE_ROW) {
                r = db_column_strdup(st, 0, &media);
                if (r >= 0 && ret_closest)
                        r = db_column_strdup(st, 1, &closest);
                if (r >= 0)
                        r = 1;
        } else
                r = rc == SQLITE_DONE ? 0 : -EIO;
        sqlite3_finalize(st);
        if (r > 0) {
                *ret_media = TAKE_PTR(media);
                if (ret_closest)
                        *ret_closest = TAKE_PTR(closest);
        }
        return r;
}

int db_title_put(Db *db, const char *name, const char *media, const char *closest, uint64_t looked_at, uint64_t expires_at) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db,
                           "INSERT OR REPLACE INTO title_cache(name, media, closest, looked_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                           &st);
        if (r < 0)
                return r;
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        db_bind_text_or_null(st, 2, media);
        db_bind_text_or_null(st, 3, closest);
        sqlite3_bind_int64(st, 4, (int64_t) looked_at);
        sqlite3_bind_int64(st, 5, (int64_t) expires_at);
        r = db_step_done(st);
        if (r < 0)
                (void) db_fail(db, "keep what Trakt said about a title");
        sqlite3_finalize(st);
        return r;
}

int db_titles_prune(Db *db, uint64_t now) {
        sqlite3_stmt *st = NULL;
        int r = db_prepare(db, "DELETE FROM title_cache WHERE expires_at <= ?1", &st);
        if (r < 0)
                return r;
        sqlite3_bind_int64(st, 1, (int64_t) now);
        r = db_step_done(st);
        sqlite3_finalize(st);
        return r;
}
