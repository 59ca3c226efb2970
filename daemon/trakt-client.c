/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>

#include "list.h"
#include "log.h"
#include "trakt-body.h"
#include "trakt-client.h"
#include "trakt-parse.h"
#include "util.h"

struct TraktCall {
        Context *context;
        HttpMethod method;
        char *url;
        char *body;
        unsigned flags;
        HttpCallback cb;
        void *userdata;
        HttpRequest *request;   /* in flight, or NULL while waiting for a refresh */
        bool retried_after_401;
        LIST_FIELDS(TraktCall, calls);
};

struct TraktOAuth {
        Context *context;
        char *path, *body;
        unsigned flags;
        HttpCallback cb;
        void *userdata;
        char *base;             /* the host the request in flight went to */
        bool tried_other;       /* the other OAuth host was tried too */
        HttpRequest *request;
        LIST_FIELDS(TraktOAuth, oauths);
};

struct TraktClient {
        bool closing;           /* trakt_client_done() runs: no new calls */
        TraktCall *calls;       /* every live call */
        TraktOAuth *oauths;     /* every live OAuth request */
        TraktOAuth *refresh;    /* the one refresh in flight */
        char *oauth_confirmed;  /* the OAuth host that answered as one, this run */
        sd_event_source *refresh_timer;
};

static struct TraktClient *client(Context *c) {
        if (!c->trakt_client)
                c->trakt_client = calloc(1, sizeof(struct TraktClient));
        return c->trakt_client;
}

int64_t trakt_refresh_margin(int64_t lifetime_sec) {
        int64_t tenth = lifetime_sec / 10, floor_ = lifetime_sec / 4 < 60 ? lifetime_sec / 4 : 60;
        return tenth > floor_ ? tenth : floor_;
}

static void call_free(TraktCall *call) {
        struct TraktClient *tc = call->context->trakt_client;
        LIST_REMOVE(calls, tc->calls, call);
        free(call->url);
        free(call->body);
        free(call);
}

void trakt_call_cancel(TraktCall *call) {
        if (!call)
                return;
        if (call->request)
                http_request_cancel(call->request);
        call_free(call);
}

static void call_deliver(TraktCall *call, Http *h, const HttpResponse *r) {
        HttpCallback cb = call->cb;
        void *userdata = call->userdata;
        call_free(call);
        cb(h, r, userdata);
}

static void call_fail(TraktCall *call, long status, const char *error) {
        HttpResponse r = {
                .status = status,
                .error = error,
                .body = "",
                .retry_after_sec = -1,
                .page = -1, .limit = -1, .page_count = -1, .item_count = -1,
        };
        call_deliver(call, call->context->http, &r);
}

static void on_call_done(Http *h, const HttpResponse *r, void *userdata);
static int refresh_start(Context *c);

static int call_send(TraktCall *call) {
        Context *c = call->context;
        _cleanup_free_ char *access = NULL;
        int r;

        r = db_get_tokens(c->db, &access, NULL, NULL, NULL);
        if (r < 0 || isempty(access))
                return -ENOTCONN;
        return http_request(c->http, call->method, call->url, access, call->body, call->flags, on_call_done, call,
                            &call->request);
}

/* Whether the stored token is close enough to its end to refresh first. */
static bool token_due(Context *c) {
        int64_t created = 0, expires = 0;
        if (db_get_tokens(c->db, NULL, NULL, &created, &expires) < 0 || expires <= 0)
                return false;
        int64_t now = (int64_t) (now_realtime_usec() / USEC_PER_SEC);
        return now >= expires - trakt_refresh_margin(expires - created);
}

static void on_call_done(Http *h, const HttpResponse *r, void *userdata) {
        TraktCall *call = userdata;
        Context *c = call->context;

        call->request = NULL;
        if (r->status == 401 && !r->private_user && !call->retried_after_401) {
                /* Trakt no longer takes the token: refresh once, then send again. (A 401
                 * with X-Private-User is about someone else's private data: the token is fine.) */
                call->retried_after_401 = true;
                log_info("Trakt answered 401; refreshing the token and retrying once.");
                if (refresh_start(c) >= 0)
                        return; /* waits for the refresh */
        }
        call_deliver(call, h, r);
}

int trakt_api(Context *c, HttpMethod method, const char *path, const char *body, unsigned flags, HttpCallback cb,
              void *userdata, TraktCall **ret) {
        struct TraktClient *tc = client(c);
        int r;

        if (!tc)
                return -ENOMEM;
        if (tc->closing || (c->state != CONN_CONNECTED && c->state != CONN_AUTHORIZED && c->state != CONN_AUTHORIZING))
                return -ENOTCONN;

        TraktCall *call = calloc(1, sizeof(*call));
        if (!call)
                return -ENOMEM;
        call->context = c;
        call->method = method;
        call->flags = flags;
        call->cb = cb;
        call->userdata = userdata;
        if (asprintf(&call->url, "%s%s", c->config.api_url, path) < 0) {
                free(call);
                return -ENOMEM;
        }
        call->body = body ? strdup(body) : NULL;
        LIST_PREPEND(calls, tc->calls, call);

        if (tc->refresh || token_due(c)) {
                r = refresh_start(c);
                if (r < 0) {
                        call_free(call);
                        return r;
                }
        } else {
                r = call_send(call);
                if (r < 0) {
                        call_free(call);
                        return r;
                }
        }
        if (ret)
                *ret = call;
        return 0;
}

/* ---- OAuth, at auth.trakt.tv or the API host (docs/trakt-api.md §1, the contract) ---- */

/* Whether an answer came from a host that serves Trakt's OAuth: anything but
 * no answer at all, a 404/405 (nothing there) or a web page (a proxy's, a
 * parked domain's) below the 5xx range. */
static bool serves_oauth(const HttpResponse *r) {
        if (r->status == 0 || r->status == 404 || r->status == 405)
                return false;
        if (r->status < 500 && r->content_type && strstr(r->content_type, "html"))
                return false;
        return true;
}

static const char *oauth_other(Context *c, const char *base) {
        const char *a = c->config.auth_url, *b = c->config.auth_fallback_url;
        if (!b)
                return NULL;
        return streq(base, a) ? b : a;
}

/* Where the next OAuth request goes first: the host that worked before
 * (remembered in the state database) when it is still one of ours. */
static char *oauth_first(Context *c) {
        _cleanup_free_ char *known = NULL;
        if (c->config.auth_fallback_url && db_get_setting(c->db, "oauth_url", &known) >= 0 && known &&
            (streq(known, c->config.auth_url) || streq(known, c->config.auth_fallback_url)))
                return TAKE_PTR(known);
        return strdup(c->config.auth_url);
}

static void oauth_free(TraktOAuth *q) {
        struct TraktClient *tc = q->context->trakt_client;
        LIST_REMOVE(oauths, tc->oauths, q);
        if (tc->refresh == q)
                tc->refresh = NULL;
        free(q->path);
        free(q->body);
        free(q->base);
        free(q);
}

void trakt_oauth_cancel(TraktOAuth *q) {
        if (!q)
                return;
        if (q->request)
                http_request_cancel(q->request);
        oauth_free(q);
}

static void on_oauth_done(Http *h, const HttpResponse *r, void *userdata);

static int oauth_send(TraktOAuth *q) {
        _cleanup_free_ char *url = NULL;
        if (asprintf(&url, "%s%s", q->base, q->path) < 0)
                return -ENOMEM;
        return http_request(q->context->http, HTTP_POST, url, NULL, q->body, q->flags | HTTP_FLAG_UNGOVERNED, on_oauth_done, q,
                            &q->request);
}

static void on_oauth_done(Http *h, const HttpResponse *r, void *userdata) {
        TraktOAuth *q = userdata;
        Context *c = q->context;
        struct TraktClient *tc = c->trakt_client;
        const char *other = oauth_other(c, q->base);

        q->request = NULL;
        if (serves_oauth(r)) {
                if (!streq_ptr(tc->oauth_confirmed, q->base)) {
                        free(tc->oauth_confirmed);
                        tc->oauth_confirmed = strdup(q->base);
                        if (c->config.auth_fallback_url)
                                (void) db_set_setting(c->db, "oauth_url", q->base);
                }
        } else if (other && !q->tried_other && !streq_ptr(tc->oauth_confirmed, q->base)) {
                /* A host that answered OAuth before in this run does not turn into a
                 * wrong one: its 404 (an unknown device code) is an answer. */
                log_info("%s does not serve Trakt's OAuth (%s); trying %s.", q->base,
                         r->status ? (r->status == 404 || r->status == 405 ? "not found" : "a web page") : "no answer", other);
                char *b = strdup(other);
                if (b) {
                        free(q->base);
                        q->base = b;
                        q->tried_other = true;
                        if (oauth_send(q) >= 0)
                                return;
                }
        }
        HttpCallback cb = q->cb;
        void *ud = q->userdata;
        oauth_free(q);
        cb(h, r, ud);
}

int trakt_oauth(Context *c, const char *path, const char *body, unsigned flags, HttpCallback cb, void *userdata,
                TraktOAuth **ret) {
        struct TraktClient *tc = client(c);
        if (!tc)
                return -ENOMEM;
        TraktOAuth *q = calloc(1, sizeof *q);
        if (!q)
                return -ENOMEM;
        q->context = c;
        q->flags = flags;
        q->cb = cb;
        q->userdata = userdata;
        q->path = strdup(path);
        q->body = body ? strdup(body) : NULL;
        q->base = oauth_first(c);
        LIST_PREPEND(oauths, tc->oauths, q);
        int r = !q->path || (body && !q->body) || !q->base ? -ENOMEM : oauth_send(q);
        if (r < 0) {
                oauth_free(q);
                return r;
        }
        if (ret)
                *ret = q;
        return 0;
}

/* After a refresh ended: send (or fail) every call that waited for it. */
static void flush_waiting(Context *c, const HttpResponse *failure) {
        struct TraktClient *tc = c->trakt_client;
        TraktCall *next;

        for (TraktCall *call = tc->calls; call; call = next) {
                next = call->calls_next;
                if (call->request)
                        continue;
                if (failure) {
                        call_deliver(call, c->http, failure);
                        next = tc->calls; /* the list may have changed under the callback */
                        continue;
                }
                int r = call_send(call);
                if (r < 0) {
                        call_fail(call, 401, "Not connected to Trakt; connect again from Settings.");
                        next = tc->calls;
                }
        }
}

static bool is_error(const HttpResponse *r, const char *error) {
        struct json_object *e;
        return r->json && json_object_is_type(r->json, json_type_object) && json_object_object_get_ex(r->json, "error", &e) &&
               json_object_is_type(e, json_type_string) && streq(json_object_get_string(e), error);
}

static bool is_invalid_grant(const HttpResponse *r) {
        if (r->status != 400 && r->status != 401)
                return false;
        if (is_error(r, "invalid_client"))
                return false; /* the app, not the grant: see on_refresh_done() */
        if (r->www_authenticate && strstr(r->www_authenticate, "invalid_grant"))
                return true;
        if (r->json && json_object_is_type(r->json, json_type_object) && json_object_object_get_ex(r->json, "error", NULL))
                return is_error(r, "invalid_grant");
        /* A 400/401 from the token endpoint without a readable reason still means
         * the grant is not accepted: retrying the same refresh token cannot help. */
        return true;
}

static void on_refresh_done(Http *h, const HttpResponse *r, void *userdata) {
        Context *c = userdata;
        struct TraktClient *tc = c->trakt_client;
        TraktToken tok = {};

        tc->refresh = NULL;

        if (r->status >= 200 && r->status < 300 && r->json && trakt_parse_token(r->json, &tok) >= 0) {
                int64_t created = tok.created_at > 0 ? tok.created_at : (int64_t) (now_realtime_usec() / USEC_PER_SEC);
                log_add_secret(tok.access_token);
                log_add_secret(tok.refresh_token);
                /* Refresh tokens are single-use: the new pair is on disk before anything uses it. */
                int k = db_set_tokens(c->db, tok.access_token, tok.refresh_token, created, created + tok.expires_in);
                trakt_token_done(&tok);
                if (k < 0) {
                        HttpResponse fail = { .status = 0, .error = "Could not store the refreshed Trakt token.", .body = "",
                                              .retry_after_sec = -1, .page = -1, .limit = -1, .page_count = -1, .item_count = -1 };
                        flush_waiting(c, &fail);
                        return;
                }
                log_info("Trakt token refreshed (valid for %" PRIi64 " s).", tok.expires_in);
                trakt_client_schedule_refresh(c);
                flush_waiting(c, NULL);
                return;
        }
        trakt_token_done(&tok);

        if (r->status != 0 && !http_status_is_transient(r->status) && is_invalid_grant(r)) {
                log_warning("Trakt refused the refresh token (status %ld); the connection has expired.", r->status);
                context_set_last_error(c, "Trakt disconnected — click to reconnect: the access token expired and refreshing it failed.");
                context_set_state(c, CONN_EXPIRED);
                HttpResponse fail = { .status = 401, .error = "Trakt disconnected — reconnect from Settings.", .body = "",
                                      .retry_after_sec = -1, .page = -1, .limit = -1, .page_count = -1, .item_count = -1 };
                flush_waiting(c, &fail);
                return;
        }

        if (r->status == 403 || (r->status != 0 && !http_status_is_transient(r->status) && is_error(r, "invalid_client"))) {
                /* docs/trakt-api.md §9.11: the app itself is refused (a revoked or mistyped
                 * client id, or a block in front of Trakt); retrying cannot help. */
                log_warning("Trakt refused this app while refreshing the token (status %ld).", r->status);
                context_set_last_error(c, "Trakt refused this app's client id while renewing the login; check the client id "
                                          "and secret (kinoctl configure), then reconnect.");
                context_set_state(c, CONN_EXPIRED);
                HttpResponse fail = { .status = 401, .error = "Trakt refused this app; check its client id and reconnect.",
                                      .body = "", .retry_after_sec = -1, .page = -1, .limit = -1, .page_count = -1,
                                      .item_count = -1 };
                flush_waiting(c, &fail);
                return;
        }

        if (!serves_oauth(r) && r->status != 0) {
                /* Neither OAuth host serves OAuth (a 404, a web page): retrying the
                 * same request cannot help, and an endless retry hides it. */
                log_warning("Renewing the Trakt token failed: %s answered %s.", c->config.auth_url,
                            r->status == 404 || r->status == 405 ? "not found" : "with a web page");
                context_set_last_error(c, "Trakt disconnected: its sign-in service did not answer the token renewal (not found or "
                                          "a web page); check auth_url in /etc/kino/trakt.conf, then reconnect.");
                context_set_state(c, CONN_EXPIRED);
                HttpResponse fail = { .status = 401, .error = "Trakt disconnected — reconnect from Settings.", .body = "",
                                      .retry_after_sec = -1, .page = -1, .limit = -1, .page_count = -1, .item_count = -1 };
                flush_waiting(c, &fail);
                return;
        }

        /* Network, 5xx, 429, malformed: keep the tokens, let the callers retry later. */
        log_warning("Refreshing the Trakt token failed for now: %s", r->error ?: "unknown error");
        flush_waiting(c, r);
}

static int refresh_start(Context *c) {
        struct TraktClient *tc = client(c);
        _cleanup_free_ char *refresh = NULL, *id = NULL, *secret = NULL;
        int r;

        if (!tc)
                return -ENOMEM;
        if (tc->refresh)
                return 0; /* single-flight: join the one in progress */

        r = db_get_tokens(c->db, NULL, &refresh, NULL, NULL);
        if (r < 0 || isempty(refresh))
                return -ENOTCONN;
        r = db_get_credentials(c->db, &id, &secret);
        if (r < 0)
                return -ENOKEY;

        _cleanup_free_ char *body = trakt_oauth_refresh_body(refresh, id, secret);
        if (!body)
                return -ENOMEM;
        r = trakt_oauth(c, "/oauth/token", body, 0, on_refresh_done, c, &tc->refresh);
        if (r < 0)
                return r;
        log_debug("Refreshing the Trakt token.");
        return 0;
}

static int on_refresh_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Context *c = userdata;
        if (c->state == CONN_CONNECTED)
                (void) refresh_start(c);
        return 0;
}

void trakt_client_schedule_refresh(Context *c) {
        struct TraktClient *tc = client(c);
        int64_t created = 0, expires = 0;

        if (!tc || db_get_tokens(c->db, NULL, NULL, &created, &expires) < 0 || expires <= 0)
                return;
        uint64_t at = (uint64_t) (expires - trakt_refresh_margin(expires - created)) * USEC_PER_SEC;

        if (tc->refresh_timer) {
                (void) sd_event_source_set_time(tc->refresh_timer, at);
                (void) sd_event_source_set_enabled(tc->refresh_timer, SD_EVENT_ONESHOT);
                return;
        }
        /* Realtime: the token's end is a wall-clock time, and suspend must count. */
        (void) sd_event_add_time(c->event, &tc->refresh_timer, CLOCK_REALTIME, at, USEC_PER_SEC,
                                 on_refresh_timer, c);
}

void trakt_client_done(Context *c) {
        struct TraktClient *tc = c->trakt_client;
        if (!tc)
                return;
        /* A call still alive belongs to a module that holds a pointer to it (the
         * outbox's delivery, say, when Disconnect comes while it is in flight):
         * it gets its final answer now, "no connection", and forgets the call.
         * Freeing it silently left that pointer dangling. */
        tc->closing = true;
        while (tc->calls)
                call_fail(tc->calls, 0, "Disconnected from Trakt.");
        /* OAuth requests (a refresh, a revoke) are ours alone. */
        while (tc->oauths)
                trakt_oauth_cancel(tc->oauths);
        sd_event_source_disable_unref(tc->refresh_timer);
        free(tc->oauth_confirmed);
        free(tc);
        c->trakt_client = NULL;
}
