/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <glib.h>

#include "db-history.h"
#include "db-library.h"
#include "activity.h"
#include "errors.h"
#include "library.h"
#include "list.h"
#include "log.h"
#include "paging.h"
#include "resolve.h"
#include "trakt-client.h"
#include "trakt-parse.h"
#include "util.h"

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
        uint64_t page_mark;     /* paging_mark() of the previous page's first item */
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
        char url[LISTURL_CANONICAL_MAX];
        _cleanup_free_ DbListItem *items = NULL;

        if (!listurl_canonical(f->id_user, f->id_slug, url, sizeof url))
                return -EINVAL;
        if (f->n > 0 && !(items = calloc(f->n, sizeof *items)))
                return -ENOMEM;
        for (size_t i = 0; i < f->n; i++)
                items[i] = (DbListItem) { .media_key = f->items[i].key, .media = f->items[i].json, .listed_at = f->items[i].listed_at };
        const DbFollowedList l = { .id = f->list_id, .name = f->name, .url = url, .trakt_user = f->id_user, .trakt_slug = f->id_slug };
        int r = db_list_store(c->db, &l, !f->run, items, f->n, now_realtime_usec());
        if (r == 0)
                log_info("List %s was removed while it was pulled; not storing it.", f->list_id);
        return r < 0 ? -EIO : 0;
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
        uint64_t mark = 0;
        if (n > 0) {
                _cleanup_free_ char *first = trakt_media_key(&items[0].media);
                mark = paging_mark(items[0].id, items[0].at, first);
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

        /* Walk the pages with the page count of our own limit (§6, paging.h). */
        bool more = paging_more(f->page, r->page_count, n, LIST_PAGE_LIMIT, mark, f->page_mark);
        f->page_mark = mark;
        if (more) {
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

/* One followed list as stored, for the refresh to pull. */
static int followed_add(const char *id, const char *user, const char *slug, void *userdata) {
        RefreshRun *run = userdata;
        if (!id || !listurl_part_valid(user) || !listurl_part_valid(slug))
                return 0; /* never put a stored oddity into a path */
        FollowedRef *v = realloc(run->lists, (run->n + 1) * sizeof *v);
        if (!v)
                return -ENOMEM;
        run->lists = v;
        FollowedRef *l = &run->lists[run->n++];
        *l = (FollowedRef) { .id = strdup(id) };
        snprintf(l->user, sizeof l->user, "%s", user);
        snprintf(l->slug, sizeof l->slug, "%s", slug);
        return l->id ? 0 : -ENOMEM;
}

int library_refresh_followed_lists(Context *c, void (*done)(Context *c, int error, void *userdata), void *userdata) {
        struct FollowedLists *fl = followed(c);
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

        r = db_lists_followed(c->db, followed_add, run);
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
        return db_history_each(c->db, since, limit, uid, fn, userdata);
}

int library_rating(Context *c, TraktMedia *media, uint8_t *ret) {
        *ret = 0;
        /* A name Trakt's ids are known for is found under those and under the name. */
        if (resolve_fill(c, media, true) < 0)
                return -ENOMEM;
        char **keys = activity_media_keys(c, media);
        int r = db_rating_find(c->db, keys, ret);
        trakt_strv_free(keys);
        return r == -ENOENT ? 0 : r;
}

int library_resume_point(Context *c, TraktMedia *media, uid_t uid, double *ret_progress, uint64_t *ret_paused_at) {
        bool on = true;
        *ret_progress = 0;
        *ret_paused_at = 0;
        (void) db_get_toggle(c->db, "resume", &on);
        if (resolve_fill(c, media, true) < 0)
                return -ENOMEM;
        if (!on)
                return 0;
        char **keys = activity_media_keys(c, media);
        int r = db_resume_find(c->db, keys, uid, ret_progress, ret_paused_at);
        trakt_strv_free(keys);
        return r == -ENOENT ? 0 : r;
}

int library_lists(Context *c, LibraryListFn fn, void *userdata) {
        return db_lists_each(c->db, fn, userdata);
}

int library_list_items(Context *c, const char *list_id, LibraryItemFn fn, void *userdata) {
        if (!db_list_exists(c->db, list_id, NULL))
                return -ENOENT;
        return db_list_items_each(c->db, list_id, fn, userdata);
}

int library_remove_list(Context *c, const char *list_id) {
        bool system = false;
        if (!db_list_exists(c->db, list_id, &system))
                return -ENOENT;
        if (system)
                return -EPERM;
        return db_list_remove(c->db, list_id);
}

int library_recommendations(Context *c, const char *kind, LibraryItemFn fn, void *userdata) {
        bool on = true;
        (void) db_get_toggle(c->db, "recommendations", &on);
        return db_recommendations_each(c->db, kind, on, fn, userdata);
}

uint32_t library_unmatched_count(Context *c) {
        uint32_t n = 0;
        (void) db_unmatched_count(c->db, &n);
        return n;
}
