/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <glib.h>

#include "db-private.h"
#include "activity.h"
#include "errors.h"
#include "library.h"
#include "list.h"
#include "log.h"
#include "resolve.h"
#include "trakt-client.h"
#include "trakt-json.h"
#include "util.h"

static int exec_sql(Db *s, const char *sql, const char *what) {
        char *err = NULL;
        int r = sqlite3_exec(db_sqlite(s), sql, NULL, NULL, &err);
        if (r != SQLITE_OK) {
                log_error("Failed to %s: %s", what, err ?: sqlite3_errstr(r));
                sqlite3_free(err);
                return -EIO;
        }
        return 0;
}

int library_ensure_watchlist(Db *s) {
        return exec_sql(s,
                        "INSERT OR IGNORE INTO lists(id, name, url, kind, trakt_user, trakt_slug, item_count, updated_at) "
                        "VALUES ('" LIBRARY_WATCHLIST_ID "', 'Trakt watchlist', 'https://trakt.tv/users/me/watchlist', 'watchlist', NULL, NULL, 0, 0)",
                        "create the watchlist system list");
}

int library_remove_watchlist(Db *s) {
        return exec_sql(s,
                        "DELETE FROM list_items WHERE list_id = '" LIBRARY_WATCHLIST_ID "';"
                        "DELETE FROM lists WHERE id = '" LIBRARY_WATCHLIST_ID "'",
                        "remove the watchlist system list");
}

bool library_has_watchlist(Db *s) {
        sqlite3_stmt *st = NULL;
        bool found = false;
        if (sqlite3_prepare_v2(db_sqlite(s), "SELECT 1 FROM lists WHERE id = '" LIBRARY_WATCHLIST_ID "'", -1, &st, NULL) == SQLITE_OK)
                found = sqlite3_step(st) == SQLITE_ROW;
        sqlite3_finalize(st);
        return found;
}

/* ---- followed lists ---- */

#define LIST_PAGE_LIMIT 250      /* Trakt's maximum page size (docs/trakt-api.md §6) */
#define LIST_ITEMS_MAX 20000     /* VIP lists hold 5,000 (§6); far more is an answer gone wrong */
#define PRIVATE_LIST \
        "The Trakt list '%s' by '%s' is private; its owner must make it public or share it with you before it can be followed."
#define MALFORMED \
        "Trakt sent a malformed answer for the list '%s' by '%s'; try again later, and check the daemon's log if it persists."
#define GONE_OFFLINE \
        "Not connected to Trakt any more, so the list '%s' by '%s' could not be read; connect and add it again."
#define NO_MEMORY "Out of memory while reading the list '%s' by '%s'."
#define ADD_LIST_TIMEOUT_USEC (20 * USEC_PER_SEC) /* answer AddList before a D-Bus caller's 25 s default */

typedef struct RefreshRun RefreshRun;
typedef struct ListFetch ListFetch;

typedef struct FetchedItem {
        char *key, *json;
        int64_t listed_at;
} FetchedItem;

struct ListFetch {
        Context *context;
        char user[LISTURL_PART_MAX + 1], slug[LISTURL_PART_MAX + 1]; /* what Trakt is asked for */
        char id_user[LISTURL_PART_MAX + 1], id_slug[LISTURL_PART_MAX + 1]; /* the canonical names, from the summary */
        char *list_id;          /* refresh: the stored id; add: set once the summary is in */
        char *name;
        unsigned page;
        TraktCall *call;
        sd_event_source *timer; /* AddList's deadline */
        FetchedItem *items;
        size_t n, cap;
        AddListAnswer answer;     /* the AddList caller, NULL for a refresh */
        void *answer_userdata;
        RefreshRun *run;          /* the refresh this pull belongs to */
        LIST_FIELDS(ListFetch, fetches);
};

typedef struct FollowedRef {
        char *id;
        char user[LISTURL_PART_MAX + 1], slug[LISTURL_PART_MAX + 1];
} FollowedRef;

struct RefreshRun {
        Context *context;
        FollowedRef *lists; /* what was followed when the refresh started */
        size_t n, i;        /* i: the list being pulled */
        int error;          /* the last failure */
        sd_event_source *defer;
        void (*done)(Context *c, int error, void *userdata);
        void *userdata;
};

struct FollowedLists {
        ListFetch *fetches;
        RefreshRun *refresh;
};

static struct FollowedLists *followed(Context *c) {
        if (!c->followed)
                c->followed = calloc(1, sizeof(struct FollowedLists));
        return c->followed;
}

/* Answer the AddList caller once: with the list's id, with an error, or with
 * neither (dropped unanswered, so the caller's data is let go). */
static void fetch_answer(ListFetch *f, const char *list_id, const char *error_name, const char *message) {
        AddListAnswer answer = f->answer;
        if (!answer)
                return;
        f->answer = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        if (error_name)
                (void) sd_bus_error_set(&e, error_name, message);
        answer(f->context, list_id, error_name ? &e : NULL, f->answer_userdata);
}

static void fetch_free(ListFetch *f) {
        if (!f)
                return;
        fetch_answer(f, NULL, NULL, NULL);
        struct FollowedLists *fl = f->context->followed;
        if (fl) /* fetch_new() put it on the list */
                LIST_REMOVE(fetches, fl->fetches, f);
        if (f->call)
                trakt_call_cancel(f->call);
        sd_event_source_disable_unref(f->timer);
        for (size_t i = 0; i < f->n; i++) {
                free(f->items[i].key);
                free(f->items[i].json);
        }
        free(f->items);
        free(f->list_id);
        free(f->name);
        free(f);
}

static void run_free(RefreshRun *run) {
        if (!run)
                return;
        for (size_t i = 0; i < run->n; i++)
                free(run->lists[i].id);
        free(run->lists);
        sd_event_source_disable_unref(run->defer);
        free(run);
}

/* Store what a pull brought, replacing the list's items, in one transaction. */
static int fetch_store(ListFetch *f) {
        Context *c = f->context;
        sqlite3 *db = db_sqlite(c->db);
        sqlite3_stmt *st = NULL;
        char url[LISTURL_CANONICAL_MAX];
        int r;

        if (!listurl_canonical(f->id_user, f->id_slug, url, sizeof url))
                return -EINVAL;
        if (db_begin(c->db) < 0)
                return -EIO;

        if (!f->run) {
                r = sqlite3_prepare_v2(db,
                                       "INSERT INTO lists(id, name, url, kind, trakt_user, trakt_slug, item_count, updated_at)"
                                       " VALUES (?1, ?2, ?3, 'custom', ?4, ?5, ?6, ?7)"
                                       " ON CONFLICT(id) DO UPDATE SET name = excluded.name, url = excluded.url,"
                                       " trakt_user = excluded.trakt_user, trakt_slug = excluded.trakt_slug,"
                                       " item_count = excluded.item_count, updated_at = excluded.updated_at"
                                       " WHERE lists.kind = 'custom'",
                                       -1, &st, NULL);
                if (r == SQLITE_OK) {
                        sqlite3_bind_text(st, 3, url, -1, SQLITE_STATIC);
                        sqlite3_bind_text(st, 4, f->id_user, -1, SQLITE_STATIC);
                        sqlite3_bind_text(st, 5, f->id_slug, -1, SQLITE_STATIC);
                }
        } else
                /* A refresh never brings back a list that was removed meanwhile. */
                r = sqlite3_prepare_v2(db, "UPDATE lists SET name = ?2, item_count = ?6, updated_at = ?7 WHERE id = ?1 AND kind = 'custom'",
                                       -1, &st, NULL);
        if (r != SQLITE_OK)
                goto fail;
        sqlite3_bind_text(st, 1, f->list_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, f->name, -1, SQLITE_STATIC);
        sqlite3_bind_int64(st, 6, (int64_t) f->n);
        sqlite3_bind_int64(st, 7, (int64_t) now_realtime_usec());
        r = sqlite3_step(st);
        sqlite3_finalize(st);
        st = NULL;
        if (r != SQLITE_DONE)
                goto fail;
        if (sqlite3_changes(db) == 0) {
                (void) db_rollback(c->db);
                log_info("List %s was removed while it was pulled; not storing it.", f->list_id);
                return 0;
        }

        if (sqlite3_prepare_v2(db, "DELETE FROM list_items WHERE list_id = ?", -1, &st, NULL) != SQLITE_OK)
                goto fail;
        sqlite3_bind_text(st, 1, f->list_id, -1, SQLITE_STATIC);
        r = sqlite3_step(st);
        sqlite3_finalize(st);
        st = NULL;
        if (r != SQLITE_DONE)
                goto fail;

        if (sqlite3_prepare_v2(db, "INSERT INTO list_items(list_id, position, media_key, media, listed_at) VALUES (?, ?, ?, ?, ?)",
                               -1, &st, NULL) != SQLITE_OK)
                goto fail;
        for (size_t i = 0; i < f->n; i++) {
                sqlite3_bind_text(st, 1, f->list_id, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 2, (int64_t) i);
                sqlite3_bind_text(st, 3, f->items[i].key, -1, SQLITE_STATIC);
                sqlite3_bind_text(st, 4, f->items[i].json, -1, SQLITE_STATIC);
                sqlite3_bind_int64(st, 5, f->items[i].listed_at);
                r = sqlite3_step(st);
                sqlite3_reset(st);
                if (r != SQLITE_DONE)
                        goto fail;
        }
        sqlite3_finalize(st);
        st = NULL;
        if (db_commit(c->db) < 0)
                goto fail;
        return 0;

fail:
        log_error("Failed to store the list %s: %s", f->list_id, sqlite3_errmsg(db));
        sqlite3_finalize(st);
        (void) db_rollback(c->db);
        return -EIO;
}

static void run_schedule(RefreshRun *run);

/* End a pull: store it (on success), answer AddList or move the refresh on, free it. */
static void fetch_finish(ListFetch *f, int error, const char *error_name, const char *message) {
        Context *c = f->context;

        if (error == 0) {
                int r = fetch_store(f);
                if (r < 0) {
                        error = r;
                        error_name = SD_BUS_ERROR_FAILED;
                        message = "Could not store the list in the state database; check the disk and the daemon's log.";
                }
        }
        if (error == 0)
                log_info("List %s (\"%s\") pulled: %zu items.", f->list_id, f->name, f->n);
        else
                log_warning("Pulling the Trakt list %s/%s failed: %s", f->user, f->slug, message);

        if (error == 0)
                fetch_answer(f, f->list_id, NULL, NULL);
        else
                fetch_answer(f, NULL, error_name, message);
        RefreshRun *run = f->run;
        if (run) {
                if (error < 0)
                        run->error = error;
                run->i++;
                run_schedule(run);
        }
        fetch_free(f);
        context_touch(c);
}

/* End a pull with an error; the sentence is a format taking the list's slug, then its user. */
static void fetch_failf(ListFetch *f, int error, const char *error_name, const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static void fetch_failf(ListFetch *f, int error, const char *error_name, const char *fmt, ...) {
        char msg[512];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
        fetch_finish(f, error, error_name, msg);
}
#define fetch_fail(f, error, error_name, fmt) fetch_failf((f), (error), (error_name), fmt, (f)->slug, (f)->user)

/* A 403 that says the application itself is refused (deleted or unapproved app). */
static bool trakt_refuses_app(const HttpResponse *r) {
        struct json_object *e;
        if (!r->json || !json_object_object_get_ex(r->json, "error", &e) || !json_object_is_type(e, json_type_string))
                return false;
        const char *s = json_object_get_string(e);
        return streq(s, "invalid_api_key") || streq(s, "invalid_client");
}

/* One error, with a sentence, for a failed answer from Trakt. */
static void fetch_fail_response(ListFetch *f, const HttpResponse *r) {
        bool html = r->content_type && strstr(r->content_type, "html");

        if (r->status != 0)
                log_warning("Trakt answered HTTP %ld for the list %s/%s%s%s", r->status, f->user, f->slug,
                            r->error ? ": " : ".", r->error ?: "");
        if (r->status == 404)
                fetch_fail(f, -ENOENT, KT_ERROR_NOT_FOUND, "Trakt has no list '%s' by '%s'; check the address.");
        else if ((r->status == 401 && r->private_user) || (r->status == 403 && !html && !trakt_refuses_app(r)))
                /* someone else's private list: 401 with X-Private-User (docs/trakt-api.md §3.2), or a 403 not about the app */
                fetch_fail(f, -EACCES, KT_ERROR_NOT_FOUND, PRIVATE_LIST);
        else if (r->status == 401)
                fetch_fail(f, -ENOTCONN, KT_ERROR_NOT_CONNECTED,
                           "Trakt no longer accepts this connection, so the list '%s' by '%s' could not be read; reconnect from Settings and add it again.");
        else if (r->status == 403 && html)
                fetch_fail(f, -EHOSTUNREACH, KT_ERROR_TRAKT_UNAVAILABLE,
                           "Trakt's firewall refused to show the list '%s' by '%s' (an HTML 403 page); check the network or proxy and try again.");
        else if (r->status == 403)
                fetch_fail(f, -ENOKEY, KT_ERROR_NOT_CONFIGURED,
                           "Trakt does not accept this application's client id, so the list '%s' by '%s' could not be read; register the app again at trakt.tv/oauth/applications and run Configure.");
        else if (r->status == 0 || r->status == 429 || r->status >= 500)
                fetch_fail(f, -EHOSTUNREACH, KT_ERROR_TRAKT_UNAVAILABLE,
                           "Trakt is unavailable right now, so the list '%s' by '%s' could not be read; try again in a few minutes.");
        else if (r->status >= 200 && r->status < 300)
                fetch_fail(f, -EBADMSG, SD_BUS_ERROR_FAILED, MALFORMED);
        else
                fetch_fail(f, -EPROTO, SD_BUS_ERROR_FAILED,
                           "Trakt refused to show the list '%s' by '%s'; try again later, and check the daemon's log if it persists.");
}

static int fetch_request(ListFetch *f);

static void on_items(Http *h, const HttpResponse *r, void *userdata) {
        ListFetch *f = userdata;
        TraktItem *items = NULL;
        size_t n = 0, skipped = 0;

        f->call = NULL;
        if (r->status < 200 || r->status >= 300 || r->error || !r->json) {
                fetch_fail_response(f, r);
                return;
        }
        if (trakt_parse_items(r->json, TRAKT_ITEMS_LIST, TRAKT_NONE, &items, &n, &skipped) < 0) {
                log_warning("Trakt's page %u of the list %s/%s is not an array of items.", f->page, f->user, f->slug);
                fetch_fail(f, -EBADMSG, SD_BUS_ERROR_FAILED, MALFORMED);
                return;
        }
        if (skipped > 0)
                log_warning("%zu unusable item(s) of the list %s/%s were skipped.", skipped, f->user, f->slug);

        if (f->n + n > LIST_ITEMS_MAX) {
                trakt_items_free(items, n);
                fetch_fail(f, -E2BIG, SD_BUS_ERROR_FAILED,
                           "The Trakt list '%s' by '%s' has more than 20000 items, more than kino follows; pick a shorter list.");
                return;
        }
        if (f->n + n > f->cap) {
                size_t cap = f->cap ? f->cap * 2 : LIST_PAGE_LIMIT;
                while (cap < f->n + n)
                        cap *= 2;
                FetchedItem *v = realloc(f->items, cap * sizeof *v);
                if (!v) {
                        trakt_items_free(items, n);
                        fetch_fail(f, -ENOMEM, SD_BUS_ERROR_NO_MEMORY, NO_MEMORY);
                        return;
                }
                f->items = v;
                f->cap = cap;
        }
        for (size_t i = 0; i < n; i++) {
                /* The item as every table keeps it, the watchlist too (trakt_media_wrapper_text);
                 * its rank is its position, its listed_at a column of its own. */
                char *key = trakt_media_key(&items[i].media);
                char *json = trakt_media_wrapper_text(&items[i].media);
                if (!key || !json) {
                        free(key); /* an item we cannot name is skipped, as the import does */
                        free(json);
                        continue;
                }
                f->items[f->n++] = (FetchedItem) { .key = key, .json = json, .listed_at = items[i].at };
        }
        trakt_items_free(items, n);

        /* Walk the pages with the page count of our own limit (§6); without
         * the headers, a full page means there may be another. */
        bool more = r->page_count >= 0 ? (int64_t) f->page < r->page_count : n == LIST_PAGE_LIMIT;
        if (more && n > 0) {
                f->page++;
                if (fetch_request(f) < 0)
                        fetch_fail(f, -ENOTCONN, KT_ERROR_NOT_CONNECTED, GONE_OFFLINE);
                return;
        }
        fetch_finish(f, 0, NULL, NULL);
}

/* Whether the list belongs to the connected account. */
static bool list_is_ours(Context *c, const char *owner) {
        _cleanup_free_ char *me = NULL;
        if (strcasecmp(owner, "me") == 0)
                return true;
        if (db_get_setting(c->db, "user_slug", &me) < 0 || isempty(me))
                return false;
        return strcasecmp(owner, me) == 0;
}

static void on_summary(Http *h, const HttpResponse *r, void *userdata) {
        ListFetch *f = userdata;
        _cleanup_(trakt_list_done) TraktList l = {};

        f->call = NULL;
        if (r->status < 200 || r->status >= 300 || r->error || !r->json) {
                fetch_fail_response(f, r);
                return;
        }
        if (trakt_parse_list(r->json, &l) < 0) {
                log_warning("Trakt's summary of the list %s/%s has no name or is not an object.", f->user, f->slug);
                fetch_fail(f, -EBADMSG, SD_BUS_ERROR_FAILED, MALFORMED);
                return;
        }

        /* Trakt showed it, but a list marked private that is not ours is not to be followed. */
        const char *owner = listurl_part_valid(l.user_slug) ? l.user_slug : f->user;
        if (streq_ptr(l.privacy, "private") && !list_is_ours(f->context, owner)) {
                fetch_fail(f, -EACCES, KT_ERROR_NOT_FOUND, PRIVATE_LIST);
                return;
        }

        free(f->name);
        f->name = strdup(l.name);
        if (!f->name) {
                fetch_fail(f, -ENOMEM, SD_BUS_ERROR_NO_MEMORY, NO_MEMORY);
                return;
        }
        if (!f->list_id) {
                /* The canonical names: Trakt's own slugs when they are usable in a path. */
                snprintf(f->id_user, sizeof f->id_user, "%s", owner);
                snprintf(f->id_slug, sizeof f->id_slug, "%s", listurl_part_valid(l.slug) ? l.slug : f->slug);
                if (!listurl_part_valid(l.user_slug))
                        for (char *p = f->id_user; *p; p++)
                                *p = (char) (*p >= 'A' && *p <= 'Z' ? *p - 'A' + 'a' : *p);
                if (asprintf(&f->list_id, "%s/%s", f->id_user, f->id_slug) < 0) {
                        f->list_id = NULL;
                        fetch_fail(f, -ENOMEM, SD_BUS_ERROR_NO_MEMORY, NO_MEMORY);
                        return;
                }
        }

        f->page = 1;
        if (fetch_request(f) < 0)
                fetch_fail(f, -ENOTCONN, KT_ERROR_NOT_CONNECTED, GONE_OFFLINE);
}

/* Page 0 is the summary, then pages 1… of the items. */
static int fetch_request(ListFetch *f) {
        char path[64 + 2 * LISTURL_PART_MAX];
        if (f->page == 0)
                snprintf(path, sizeof path, "/users/%s/lists/%s", f->user, f->slug);
        else
                snprintf(path, sizeof path, "/users/%s/lists/%s/items?page=%u&limit=%d", f->user, f->slug, f->page, LIST_PAGE_LIMIT);
        return trakt_api(f->context, HTTP_GET, path, NULL, 0, f->page == 0 ? on_summary : on_items, f, &f->call);
}

static int on_add_timeout(sd_event_source *s, uint64_t usec, void *userdata) {
        ListFetch *f = userdata;
        fetch_fail(f, -ETIMEDOUT, KT_ERROR_TRAKT_UNAVAILABLE,
                   "Trakt did not answer in time, so the list '%s' by '%s' could not be read; try again in a few minutes.");
        return 0;
}

static ListFetch *fetch_new(Context *c, const char *user, const char *slug) {
        struct FollowedLists *fl = followed(c);
        if (!fl)
                return NULL;
        ListFetch *f = calloc(1, sizeof *f);
        if (!f)
                return NULL;
        f->context = c;
        snprintf(f->user, sizeof f->user, "%s", user);
        snprintf(f->slug, sizeof f->slug, "%s", slug);
        snprintf(f->id_user, sizeof f->id_user, "%s", user);
        snprintf(f->id_slug, sizeof f->id_slug, "%s", slug);
        LIST_PREPEND(fetches, fl->fetches, f);
        return f;
}

int library_add_list(Context *c, const ListUrl *url, AddListAnswer answer, void *userdata, sd_bus_error *error) {
        int r;

        if (c->state != CONN_CONNECTED)
                return sd_bus_error_set(error, KT_ERROR_NOT_CONNECTED, "Not connected to Trakt; connect first, then add the list.");
        ListFetch *f = fetch_new(c, url->user, url->slug);
        if (!f)
                return -ENOMEM;
        r = sd_event_add_time_relative(c->event, &f->timer, CLOCK_MONOTONIC, ADD_LIST_TIMEOUT_USEC, USEC_PER_SEC / 10,
                                       on_add_timeout, f);
        if (r >= 0)
                r = fetch_request(f);
        if (r < 0) {
                fetch_free(f);
                if (r == -ENOTCONN)
                        return sd_bus_error_set(error, KT_ERROR_NOT_CONNECTED, "Not connected to Trakt; connect first, then add the list.");
                return r;
        }
        f->answer = answer;
        f->answer_userdata = userdata;
        log_info("Resolving the Trakt list %s/%s.", f->user, f->slug);
        return 0;
}

/* ---- refreshing every followed list ---- */

static int on_run_step(sd_event_source *s, void *userdata) {
        RefreshRun *run = userdata;
        Context *c = run->context;

        while (run->i < run->n) {
                const FollowedRef *l = &run->lists[run->i];
                ListFetch *f = fetch_new(c, l->user, l->slug);
                if (!f) {
                        run->error = -ENOMEM;
                        break;
                }
                f->list_id = strdup(l->id);
                int r = f->list_id ? fetch_request(f) : -ENOMEM;
                if (r >= 0) {
                        f->run = run;
                        return 0; /* fetch_finish() moves on */
                }
                fetch_free(f);
                log_warning_errno(r, "Could not ask Trakt for the list %s: %m", l->id);
                run->error = r;
                if (r == -ENOTCONN)
                        break;
                run->i++;
        }

        struct FollowedLists *fl = c->followed;
        void (*done)(Context *, int, void *) = run->done;
        void *ud = run->userdata;
        int error = run->error;
        log_info("Followed lists refreshed%s.", error < 0 ? ", some with errors" : "");
        if (fl && fl->refresh == run)
                fl->refresh = NULL;
        run_free(run);
        context_touch(c);
        if (done)
                done(c, error, ud);
        return 0;
}

static void run_schedule(RefreshRun *run) {
        int r = sd_event_source_set_enabled(run->defer, SD_EVENT_ONESHOT);
        if (r < 0)
                log_error_errno(r, "Failed to schedule the followed-list refresh: %m");
}

int library_refresh_followed_lists(Context *c, void (*done)(Context *c, int error, void *userdata), void *userdata) {
        struct FollowedLists *fl = followed(c);
        sqlite3_stmt *st = NULL;
        int r;

        if (!fl)
                return -ENOMEM;
        if (c->state != CONN_CONNECTED)
                return -ENOTCONN;
        if (fl->refresh)
                return -EBUSY;

        RefreshRun *run = calloc(1, sizeof *run);
        if (!run)
                return -ENOMEM;
        run->context = c;
        run->done = done;
        run->userdata = userdata;

        if (sqlite3_prepare_v2(db_sqlite(c->db),
                               "SELECT id, trakt_user, trakt_slug FROM lists WHERE kind = 'custom'"
                               " AND trakt_user IS NOT NULL AND trakt_slug IS NOT NULL ORDER BY id",
                               -1, &st, NULL) != SQLITE_OK) {
                run_free(run);
                return -EIO;
        }
        r = 0;
        while (r >= 0 && sqlite3_step(st) == SQLITE_ROW) {
                const char *id = (const char *) sqlite3_column_text(st, 0), *user = (const char *) sqlite3_column_text(st, 1),
                           *slug = (const char *) sqlite3_column_text(st, 2);
                if (!id || !listurl_part_valid(user) || !listurl_part_valid(slug))
                        continue; /* never put a stored oddity into a path */
                FollowedRef *v = realloc(run->lists, (run->n + 1) * sizeof *v);
                if (!v) {
                        r = -ENOMEM;
                        break;
                }
                run->lists = v;
                FollowedRef *l = &run->lists[run->n++];
                *l = (FollowedRef) { .id = strdup(id) };
                snprintf(l->user, sizeof l->user, "%s", user);
                snprintf(l->slug, sizeof l->slug, "%s", slug);
                if (!l->id)
                        r = -ENOMEM;
        }
        sqlite3_finalize(st);
        if (r >= 0)
                r = sd_event_add_defer(c->event, &run->defer, on_run_step, run);
        if (r < 0) {
                run_free(run);
                return r;
        }
        fl->refresh = run;
        log_info("Refreshing %zu followed list(s).", run->n);
        return 0;
}

static void followed_end(Context *c, bool shutdown) {
        struct FollowedLists *fl = c->followed;
        if (!fl)
                return;
        while (fl->fetches) {
                ListFetch *f = fl->fetches;
                /* At shutdown the bus is closed already (sd-bus closes it when the loop
                 * exits): the caller sees NoReply from the bus. */
                if (!shutdown)
                        fetch_answer(f, NULL, KT_ERROR_NOT_CONNECTED,
                                     "Trakt was disconnected before the list was read; connect again and add it again.");
                fetch_free(f);
        }
        RefreshRun *run = fl->refresh;
        if (run && shutdown) {
                run_free(run);
                fl->refresh = NULL;
        } else if (run) {
                /* Ends from the loop with -ENOTCONN: the caller is not called back from inside Disconnect. */
                run->error = -ENOTCONN;
                run->i = run->n;
                run_schedule(run);
        }
        if (shutdown) {
                free(fl);
                c->followed = NULL;
        }
}

void library_followed_abort(Context *c) {
        followed_end(c, false);
}

void library_followed_free(Context *c) {
        followed_end(c, true);
}

/* ---- reading what is kept, for the bus ---- */

/* A private (incognito) play is its user's business: it is listed for the uid
 * whose session recorded it and for root only. Plays without a uid (recorded
 * before uids were kept, MarkWatched, imports from Trakt) are listed as
 * before. */
int library_history(Context *c, uint64_t since, uint32_t limit, uid_t uid, LibraryHistoryFn fn, void *userdata) {
        sqlite3_stmt *st = NULL;
        int r = 0;

        if (sqlite3_prepare_v2(db_sqlite(c->db),
                               "SELECT media, watched_at, origin, private FROM history WHERE watched_at >= ?1"
                               " AND (private = 0 OR uid IS NULL OR uid = ?3 OR ?3 = 0)"
                               " ORDER BY watched_at DESC, id DESC LIMIT ?2",
                               -1, &st, NULL) != SQLITE_OK)
                return -EIO;
        sqlite3_bind_int64(st, 1, (int64_t) (since > INT64_MAX ? INT64_MAX : since));
        sqlite3_bind_int64(st, 2, limit == 0 ? -1 : (int64_t) limit);
        sqlite3_bind_int64(st, 3, (int64_t) uid);
        while (r >= 0 && sqlite3_step(st) == SQLITE_ROW)
                r = fn(&(LibraryHistoryRow) {
                               .media_json = (const char *) sqlite3_column_text(st, 0),
                               .watched_at = (uint64_t) sqlite3_column_int64(st, 1),
                               .origin = (const char *) sqlite3_column_text(st, 2),
                               .private_ = sqlite3_column_int(st, 3),
                       },
                       userdata);
        sqlite3_finalize(st);
        return r;
}

/* The row of a table keyed by media_key for any key the item may be stored
 * under; when it is stored under several (named by different ids at
 * different times), the newest by column newest wins. */
static int lookup_media(Context *c, const TraktMedia *media, const char *select_prefix, const char *newest,
                        sqlite3_stmt **ret) {
        char **keys = activity_media_keys(c, media);
        _cleanup_free_ char *sql = NULL;
        GString *in = g_string_new(NULL);
        size_t n = 0;
        int r;

        for (; keys && keys[n]; n++)
                g_string_append(in, n ? ",?" : "?");
        if (n == 0) {
                trakt_strv_free(keys);
                g_string_free(in, TRUE);
                return -ENOENT;
        }
        r = asprintf(&sql, "%s WHERE media_key IN (%s) ORDER BY %s DESC LIMIT 1", select_prefix, in->str, newest);
        g_string_free(in, TRUE);
        if (r < 0 || sqlite3_prepare_v2(db_sqlite(c->db), sql, -1, ret, NULL) != SQLITE_OK) {
                trakt_strv_free(keys);
                return -EIO;
        }
        for (size_t i = 0; i < n; i++)
                sqlite3_bind_text(*ret, (int) i + 1, keys[i], -1, SQLITE_TRANSIENT);
        trakt_strv_free(keys);
        return sqlite3_step(*ret) == SQLITE_ROW ? 0 : -ENOENT;
}

int library_rating(Context *c, TraktMedia *media, uint8_t *ret) {
        sqlite3_stmt *st = NULL;
        /* A name Trakt's ids are known for is found under those and under the name. */
        if (resolve_fill(c, media, true) < 0)
                return -ENOMEM;
        int r = lookup_media(c, media, "SELECT rating FROM ratings", "rated_at", &st);
        *ret = r >= 0 ? (uint8_t) sqlite3_column_int(st, 0) : 0;
        sqlite3_finalize(st);
        return r == -ENOENT ? 0 : r;
}

int library_resume_point(Context *c, TraktMedia *media, double *ret_progress, uint64_t *ret_paused_at) {
        sqlite3_stmt *st = NULL;
        bool on = true;
        *ret_progress = 0;
        *ret_paused_at = 0;
        (void) db_get_toggle(c->db, "resume", &on);
        if (resolve_fill(c, media, true) < 0)
                return -ENOMEM;
        int r = on ? lookup_media(c, media, "SELECT progress, paused_at FROM resume_points", "paused_at", &st) : -ENOENT;
        if (r >= 0) {
                *ret_progress = sqlite3_column_double(st, 0);
                *ret_paused_at = (uint64_t) sqlite3_column_int64(st, 1);
        }
        sqlite3_finalize(st);
        return r == -ENOENT ? 0 : r;
}

int library_lists(Context *c, LibraryListFn fn, void *userdata) {
        sqlite3_stmt *st = NULL;
        int r = 0;
        if (sqlite3_prepare_v2(db_sqlite(c->db),
                               "SELECT id, name, url, kind, (SELECT COUNT(*) FROM list_items i WHERE i.list_id = l.id)"
                               " FROM lists l ORDER BY kind = 'watchlist' DESC, name",
                               -1, &st, NULL) != SQLITE_OK)
                return -EIO;
        while (r >= 0 && sqlite3_step(st) == SQLITE_ROW)
                r = fn(&(LibraryListRow) {
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

/* 1 when the list exists (*system: it is the watchlist), 0 when not. */
static int list_exists(Context *c, const char *id, bool *system) {
        sqlite3_stmt *st = NULL;
        int found = 0;
        if (sqlite3_prepare_v2(db_sqlite(c->db), "SELECT kind FROM lists WHERE id = ?", -1, &st, NULL) == SQLITE_OK) {
                sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
                if (sqlite3_step(st) == SQLITE_ROW) {
                        found = 1;
                        if (system)
                                *system = streq((const char *) sqlite3_column_text(st, 0), "watchlist");
                }
        }
        sqlite3_finalize(st);
        return found;
}

int library_list_items(Context *c, const char *list_id, LibraryItemFn fn, void *userdata) {
        sqlite3_stmt *st = NULL;
        int r = 0;
        if (!list_exists(c, list_id, NULL))
                return -ENOENT;
        if (sqlite3_prepare_v2(db_sqlite(c->db),
                               "SELECT media, listed_at, position + 1 FROM list_items WHERE list_id = ? ORDER BY position", -1, &st,
                               NULL) != SQLITE_OK)
                return -EIO;
        sqlite3_bind_text(st, 1, list_id, -1, SQLITE_STATIC);
        while (r >= 0 && sqlite3_step(st) == SQLITE_ROW)
                r = fn(&(LibraryItemRow) {
                               .media_json = (const char *) sqlite3_column_text(st, 0),
                               .listed_at = (uint64_t) sqlite3_column_int64(st, 1),
                               .rank = (uint32_t) sqlite3_column_int64(st, 2),
                       },
                       userdata);
        sqlite3_finalize(st);
        return r;
}

int library_remove_list(Context *c, const char *list_id) {
        bool system = false;
        if (!list_exists(c, list_id, &system))
                return -ENOENT;
        if (system)
                return -EPERM;
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(db_sqlite(c->db), "DELETE FROM lists WHERE id = ? AND kind = 'custom'", -1, &st, NULL) != SQLITE_OK)
                return -EIO;
        sqlite3_bind_text(st, 1, list_id, -1, SQLITE_STATIC);
        int r = sqlite3_step(st);
        sqlite3_finalize(st);
        return r == SQLITE_DONE ? 0 : -EIO;
}

int library_recommendations(Context *c, const char *kind, LibraryItemFn fn, void *userdata) {
        sqlite3_stmt *st = NULL;
        bool on = true;
        int r = 0;
        (void) db_get_toggle(c->db, "recommendations", &on);
        if (sqlite3_prepare_v2(db_sqlite(c->db),
                               "SELECT media FROM recommendations r WHERE kind = ? AND ?"
                               " AND NOT EXISTS (SELECT 1 FROM history h WHERE h.media_key = r.media_key AND h.watched_at >"
                               "  (SELECT CAST(value AS INTEGER) FROM sync_cursors WHERE name = 'recommendations.fetched_at'))"
                               " ORDER BY position", -1, &st, NULL) != SQLITE_OK)
                return -EIO;
        sqlite3_bind_text(st, 1, kind, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, on); /* with the toggle off the cache reads as empty; what was watched since Trakt picked is left out */
        while (r >= 0 && sqlite3_step(st) == SQLITE_ROW)
                r = fn(&(LibraryItemRow) { .media_json = (const char *) sqlite3_column_text(st, 0) }, userdata);
        sqlite3_finalize(st);
        return r;
}

uint32_t library_unmatched_count(Context *c) {
        sqlite3_stmt *st = NULL;
        uint32_t n = 0;
        if (sqlite3_prepare_v2(db_sqlite(c->db), "SELECT COUNT(*) FROM not_found", -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
                n = (uint32_t) sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return n;
}
