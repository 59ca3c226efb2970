/* SPDX-License-Identifier: MIT */
#include <errno.h>

#include "library.h"
#include "log.h"
#include "util.h"

static int exec_sql(Store *s, const char *sql, const char *what) {
        char *err = NULL;
        int r = sqlite3_exec(store_db(s), sql, NULL, NULL, &err);
        if (r != SQLITE_OK) {
                log_error("Failed to %s: %s", what, err ?: sqlite3_errstr(r));
                sqlite3_free(err);
                return -EIO;
        }
        return 0;
}

int library_ensure_watchlist(Store *s) {
        return exec_sql(s,
                        "INSERT OR IGNORE INTO lists(id, name, url, kind, trakt_user, trakt_slug, item_count, updated_at) "
                        "VALUES ('" LIBRARY_WATCHLIST_ID "', 'Trakt watchlist', 'https://trakt.tv/users/me/watchlist', 'watchlist', NULL, NULL, 0, 0)",
                        "create the watchlist system list");
}

int library_remove_watchlist(Store *s) {
        return exec_sql(s,
                        "DELETE FROM list_items WHERE list_id = '" LIBRARY_WATCHLIST_ID "';"
                        "DELETE FROM lists WHERE id = '" LIBRARY_WATCHLIST_ID "'",
                        "remove the watchlist system list");
}

bool library_has_watchlist(Store *s) {
        sqlite3_stmt *st = NULL;
        bool found = false;
        if (sqlite3_prepare_v2(store_db(s), "SELECT 1 FROM lists WHERE id = '" LIBRARY_WATCHLIST_ID "'", -1, &st, NULL) == SQLITE_OK)
                found = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
        return found;
}
