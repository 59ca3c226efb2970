/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "connect.h"
#include "errors.h"
#include "db-library.h"
#include "library.h"
#include "log.h"
#include "sync.h"
#include "trakt-body.h"
#include "trakt-client.h"
#include "trakt-parse.h"
#include "util.h"

const char *const connect_preview_keys[] = { "watched_movies", "watched_episodes", "ratings", "watchlist", NULL };

typedef enum Step {
        STEP_CODE,      /* waiting for /oauth/device/code */
        STEP_POLL,      /* polling /oauth/device/token */
        STEP_SETTINGS,  /* approved: /users/settings */
        STEP_STATS,     /* /users/me/stats */
        STEP_WATCHLIST, /* /sync/watchlist item count */
        STEP_DONE,      /* authorized, waiting for FinishConnect */
} Step;

typedef struct ConnectFlow {
        Context *context;
        Step step;
        ConnState previous;        /* where a failed or cancelled attempt returns to */
        ConnectAnswer answer;      /* Connect's caller, until the code arrives */
        void *answer_userdata;
        char *device_code;
        uint64_t interval_usec;
        uint64_t expires_usec;     /* CLOCK_MONOTONIC */
        sd_event_source *timer;
        TraktOAuth *request;
        TraktCall *call;
        uint32_t preview[4];
} ConnectFlow;

/* Answer Connect's caller once: with the code, with an error, or with
 * neither (dropped unanswered, so the caller's data is let go). */
static void flow_answer(ConnectFlow *f, const TraktDeviceCode *code, const char *error_name, const char *message) {
        ConnectAnswer answer = f->answer;
        if (!answer)
                return;
        f->answer = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        if (error_name)
                sd_bus_error_set(&e, error_name, message);
        answer(f->context, code, error_name ? &e : NULL, f->answer_userdata);
}

static ConnectFlow *flow_free(ConnectFlow *f) {
        if (!f)
                return NULL;
        flow_answer(f, NULL, NULL, NULL);
        sd_event_source_disable_unref(f->timer);
        if (f->request)
                trakt_oauth_cancel(f->request);
        if (f->call)
                trakt_call_cancel(f->call);
        free(f->device_code);
        free(f);
        return NULL;
}

void connect_flow_free(Context *c) {
        c->connect = flow_free(c->connect);
}

uint32_t connect_preview_value(Context *c, const char *key) {
        if (!c->connect || c->connect->step != STEP_DONE)
                return 0;
        for (size_t i = 0; connect_preview_keys[i]; i++)
                if (streq(connect_preview_keys[i], key))
                        return c->connect->preview[i];
        return 0;
}

/* End a failed attempt: back to where we were, with a sentence. */
static void flow_fail(Context *c, const char *sentence) {
        ConnectFlow *f = c->connect;
        ConnState back = f ? f->previous : CONN_DISCONNECTED;

        log_warning("Connecting to Trakt failed: %s", sentence);
        if (f)
                flow_answer(f, NULL, KT_ERROR_TRAKT_UNAVAILABLE, sentence);
        bool had_code = f && f->step != STEP_CODE;
        c->connect = flow_free(f);
        if (had_code)
                (void) db_clear_tokens(c->db);
        context_set_last_error(c, sentence);
        context_set_state(c, back == CONN_EXPIRED ? CONN_EXPIRED : CONN_DISCONNECTED);
        context_notify_changed(c, "Preview", NULL);
        if (had_code)
                context_notify_connect_finished(c, false, sentence);
}

/* One sentence for a failed answer from Trakt, naming the likely fix. */
static const char *describe_failure(const HttpResponse *r) {
        if (r->status == 403 || r->status == 401) {
                if (r->content_type && strstr(r->content_type, "html"))
                        return "Trakt's firewall refused the request (HTTP 403 page); check the network or proxy, then connect again.";
                return "Trakt does not accept this application's client id or secret (the app may have been deleted); register it again at trakt.tv/oauth/applications and run Configure.";
        }
        if (r->status == 423)
                return "Trakt says this account is locked or deactivated; contact Trakt support.";
        if (r->status == 426)
                return "Trakt requires a VIP account for this application; upgrade or use another app.";
        if (r->status == 0)
                return "Trakt could not be reached; check the network connection and connect again.";
        if (r->status >= 500 || r->status == 429)
                return "Trakt is unavailable right now; try connecting again in a few minutes.";
        return "Trakt gave an unexpected answer; connect again, and check the daemon's log if it persists.";
}

static void schedule_poll(ConnectFlow *f);

static void on_watchlist(Http *h, const HttpResponse *r, void *userdata) {
        Context *c = userdata;
        ConnectFlow *f = c->connect;

        f->call = NULL;
        if (r->status < 200 || r->status >= 300 || !r->json || !json_object_is_type(r->json, json_type_array)) {
                flow_fail(c, r->error && r->status >= 200 && r->status < 300 ? "Trakt sent a malformed watchlist; connect again." : describe_failure(r));
                return;
        }
        f->preview[3] = r->item_count >= 0 ? (uint32_t) r->item_count : (uint32_t) json_object_array_length(r->json);
        f->step = STEP_DONE;
        log_info("Trakt preview: %" PRIu32 " watched movies, %" PRIu32 " watched episodes, %" PRIu32 " ratings, %" PRIu32 " watchlist items.",
                 f->preview[0], f->preview[1], f->preview[2], f->preview[3]);
        context_set_last_error(c, NULL);
        context_set_state(c, CONN_AUTHORIZED);
        context_notify_changed(c, "Preview", NULL);
        context_notify_connect_finished(c, true, "");
}

static void on_stats(Http *h, const HttpResponse *r, void *userdata) {
        Context *c = userdata;
        ConnectFlow *f = c->connect;
        TraktUserStats st = {};

        f->call = NULL;
        if (r->status < 200 || r->status >= 300 || !r->json || trakt_parse_user_stats(r->json, &st) < 0) {
                flow_fail(c, r->status >= 200 && r->status < 300 ? "Trakt sent malformed account statistics; connect again." : describe_failure(r));
                return;
        }
        f->preview[0] = (uint32_t) st.movies_watched;
        f->preview[1] = (uint32_t) st.episodes_watched;
        f->preview[2] = (uint32_t) st.ratings_total;
        f->step = STEP_WATCHLIST;
        if (trakt_api(c, HTTP_GET, "/sync/watchlist?page=1&limit=1", NULL, 0, on_watchlist, c, &f->call) < 0)
                flow_fail(c, "Could not ask Trakt for the watchlist; connect again.");
}

static void on_settings(Http *h, const HttpResponse *r, void *userdata) {
        Context *c = userdata;
        ConnectFlow *f = c->connect;
        _cleanup_(trakt_user_settings_done) TraktUserSettings us = {};

        f->call = NULL;
        if (r->status < 200 || r->status >= 300 || !r->json || trakt_parse_user_settings(r->json, &us) < 0 ||
            isempty(us.username)) {
                flow_fail(c, r->status >= 200 && r->status < 300 ? "Trakt sent malformed account settings; connect again." : describe_failure(r));
                return;
        }
        (void) db_set_setting(c->db, "username", us.username);
        (void) db_set_setting(c->db, "user_slug", us.slug ?: us.username);
        log_info("Trakt account: %s.", us.username);
        f->step = STEP_STATS;
        if (trakt_api(c, HTTP_GET, "/users/me/stats", NULL, 0, on_stats, c, &f->call) < 0)
                flow_fail(c, "Could not ask Trakt for the account statistics; connect again.");
}

static void on_token(Http *h, const HttpResponse *r, void *userdata) {
        Context *c = userdata;
        ConnectFlow *f = c->connect;
        _cleanup_(trakt_token_done) TraktToken tok = {};

        f->request = NULL;
        switch (r->status) {
        case 200:
        case 201:
                if (!r->json || trakt_parse_token(r->json, &tok) < 0) {
                        flow_fail(c, "Trakt sent a malformed token; connect again.");
                        return;
                }
                break;
        case 400: /* pending: the user has not acted yet */
                schedule_poll(f);
                return;
        case 429: /* slow down */
                f->interval_usec += USEC_PER_SEC;
                schedule_poll(f);
                return;
        case 404:
                flow_fail(c, "Trakt does not know this device code; connect again.");
                return;
        case 409:
                flow_fail(c, "This code was already used; connect again to get a new one.");
                return;
        case 410:
                flow_fail(c, "The code expired before it was approved; connect again and enter the new code in time.");
                return;
        case 418:
                flow_fail(c, "The connection was denied on trakt.tv; connect again if that was a mistake.");
                return;
        default:
                if (r->status == 0 || r->status >= 500) {
                        /* Transient: keep polling until the code expires. */
                        log_info("Polling Trakt failed for now (%s); trying again.", r->error ?: "no answer");
                        schedule_poll(f);
                        return;
                }
                flow_fail(c, describe_failure(r));
                return;
        }

        int64_t created = tok.created_at > 0 ? tok.created_at : (int64_t) (now_realtime_usec() / USEC_PER_SEC);
        log_add_secret(tok.access_token);
        log_add_secret(tok.refresh_token);
        if (db_set_tokens(c->db, tok.access_token, tok.refresh_token, created, created + tok.expires_in) < 0) {
                flow_fail(c, "Could not store the Trakt token in the state database; check the disk.");
                return;
        }
        log_info("Trakt approved the device (token valid for %" PRIi64 " s).", tok.expires_in);
        f->step = STEP_SETTINGS;
        if (trakt_api(c, HTTP_GET, "/users/settings", NULL, 0, on_settings, c, &f->call) < 0)
                flow_fail(c, "Could not ask Trakt for the account settings; connect again.");
}

static int on_poll_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Context *c = userdata;
        ConnectFlow *f = c->connect;
        _cleanup_free_ char *id = NULL, *secret = NULL;

        if (usec >= f->expires_usec) {
                flow_fail(c, "The code expired before it was approved; connect again and enter the new code in time.");
                return 0;
        }
        if (db_get_credentials(c->db, &id, &secret) < 0) {
                flow_fail(c, "The application credentials are gone; run Configure again.");
                return 0;
        }
        _cleanup_free_ char *body = trakt_oauth_device_token_body(f->device_code, id, secret);
        int r = body ? trakt_oauth(c, "/oauth/device/token", body, HTTP_FLAG_NO_RETRY, on_token, c, &f->request) : -ENOMEM;
        if (r < 0)
                flow_fail(c, "Could not poll Trakt; connect again.");
        return 0;
}

static void schedule_poll(ConnectFlow *f) {
        Context *c = f->context;
        uint64_t at = now_monotonic_usec() + f->interval_usec;

        /* Never poll past expires_in: the last look is at the deadline itself. */
        if (at > f->expires_usec)
                at = f->expires_usec;
        /* A millisecond of slack: accuracy 0 would be sd-event's 250 ms, and the
         * last look at the deadline would then come after the code expired. */
        int r = f->timer ? sd_event_source_set_time(f->timer, at)
                         : sd_event_add_time(c->event, &f->timer, CLOCK_MONOTONIC, at, USEC_PER_MSEC, on_poll_timer, c);
        if (r >= 0)
                r = sd_event_source_set_enabled(f->timer, SD_EVENT_ONESHOT);
        if (r < 0)
                flow_fail(c, "Could not schedule polling Trakt; connect again.");
}

static void on_device_code(Http *h, const HttpResponse *r, void *userdata) {
        Context *c = userdata;
        ConnectFlow *f = c->connect;
        _cleanup_(trakt_device_code_done) TraktDeviceCode dc = {};

        f->request = NULL;
        if (r->status < 200 || r->status >= 300 || !r->json || trakt_parse_device_code(r->json, &dc) < 0) {
                const char *why = r->status >= 200 && r->status < 300 ? "Trakt sent a malformed device code; try again." : describe_failure(r);
                /* A refused app is a configuration problem, not an outage. */
                if (r->status == 401 || r->status == 403)
                        flow_answer(f, NULL, KT_ERROR_NOT_CONFIGURED, why);
                flow_fail(c, why);
                return;
        }

        f->device_code = TAKE_PTR(dc.device_code);
        f->interval_usec = (uint64_t) (dc.interval > 0 ? dc.interval : 5) * USEC_PER_SEC;
        f->expires_usec = now_monotonic_usec() + (uint64_t) (dc.expires_in > 0 ? dc.expires_in : 600) * USEC_PER_SEC;
        f->step = STEP_POLL;

        log_info("Trakt device code issued; waiting for approval at %s (expires in %" PRIi64 " s).",
                 dc.verification_url, dc.expires_in);
        flow_answer(f, &dc, NULL, NULL);
        context_set_state(c, CONN_AUTHORIZING);
        schedule_poll(f);
}

int connect_configure(Context *c, const char *client_id, const char *client_secret, sd_bus_error *error) {
        _cleanup_free_ char *old_id = NULL;

        (void) db_get_setting(c->db, "client_id", &old_id);
        if (db_set_credentials(c->db, client_id, client_secret) < 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED,
                                        "Could not store the credentials in the state database; check the disk and the daemon's log.");
        log_add_secret(client_secret);
        http_set_client_id(c->http, client_id);
        log_info("Trakt application configured (client id %.8s…).", client_id);

        /* New application credentials invalidate a connection made with other ones. */
        if (c->state == CONN_UNCONFIGURED || !streq_ptr(old_id, client_id)) {
                if (c->state != CONN_UNCONFIGURED && c->state != CONN_DISCONNECTED)
                        (void) db_clear_tokens(c->db);
                context_set_state(c, CONN_DISCONNECTED);
        }
        context_notify_changed(c, "ClientId", NULL);
        return 0;
}

int connect_start(Context *c, ConnectAnswer answer, void *userdata, sd_bus_error *error) {
        _cleanup_free_ char *id = NULL, *secret = NULL;
        int r;

        switch (c->state) {
        case CONN_UNCONFIGURED:
                return sd_bus_error_set(error, KT_ERROR_NOT_CONFIGURED,
                                        "Trakt is not configured: save the client id and secret first (Configure).");
        case CONN_CONNECTED:
        case CONN_AUTHORIZED:
                return sd_bus_error_set(error, KT_ERROR_ALREADY_CONNECTED,
                                        "Already connected to Trakt; disconnect first to connect another account.");
        case CONN_AUTHORIZING:
                return sd_bus_error_set(error, KT_ERROR_AUTHORIZATION_PENDING,
                                        "A connection is already waiting for approval; enter the code on Trakt or cancel it first.");
        default:
                break;
        }
        if (c->connect) /* the device code is still being requested */
                return sd_bus_error_set(error, KT_ERROR_AUTHORIZATION_PENDING,
                                        "A connection is already being set up; wait for it or cancel it first.");

        r = db_get_credentials(c->db, &id, &secret);
        if (r < 0)
                return sd_bus_error_set(error, KT_ERROR_NOT_CONFIGURED,
                                        "Trakt is not configured: save the client id and secret first (Configure).");

        ConnectFlow *f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->context = c;
        f->step = STEP_CODE;
        f->previous = c->state;
        c->connect = f;

        _cleanup_free_ char *body = trakt_oauth_device_code_body(id);
        r = body ? trakt_oauth(c, "/oauth/device/code", body, HTTP_FLAG_NO_RETRY, on_device_code, c, &f->request) : -ENOMEM;
        if (r < 0) {
                c->connect = flow_free(f);
                return r;
        }
        f->answer = answer;
        f->answer_userdata = userdata;
        return 1; /* answered when Trakt answers */
}

int connect_cancel(Context *c, sd_bus_error *error) {
        if (!c->connect)
                return sd_bus_error_set(error, KT_ERROR_NOT_CONNECTED, "No connection is waiting for approval; nothing to cancel.");

        ConnState back = c->connect->previous == CONN_EXPIRED ? CONN_EXPIRED : CONN_DISCONNECTED;
        bool had_token = c->connect->step >= STEP_SETTINGS;
        flow_answer(c->connect, NULL, KT_ERROR_TRAKT_UNAVAILABLE, "The connection was cancelled.");
        c->connect = flow_free(c->connect);
        if (had_token)
                (void) db_clear_tokens(c->db);
        log_info("Connecting to Trakt was cancelled.");
        context_set_state(c, back);
        context_notify_changed(c, "Preview", NULL);
        context_notify_connect_finished(c, false, "The connection was cancelled.");
        return 0;
}

int connect_finish(Context *c, bool import, sd_bus_error *error) {
        if (c->state == CONN_CONNECTED)
                return sd_bus_error_set(error, KT_ERROR_ALREADY_CONNECTED, "Already connected to Trakt.");
        if (c->state != CONN_AUTHORIZED || !c->connect || c->connect->step != STEP_DONE)
                return sd_bus_error_set(error, KT_ERROR_AUTHORIZATION_PENDING,
                                        "Trakt has not approved this device yet; enter the code on Trakt first (Connect).");

        uint64_t now = now_realtime_usec();
        if (db_set_setting_u64(c->db, "connected_at", now) < 0 || db_watchlist_ensure(c->db) < 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED,
                                        "Could not store the connection in the state database; check the disk.");
        /* Later incremental pulls start from this moment ("Connect without importing"). */
        (void) db_set_setting_u64(c->db, "connected_from", now);
        c->connect = flow_free(c->connect);
        context_set_last_error(c, NULL);
        context_set_state(c, CONN_CONNECTED);
        context_notify_changed(c, "Preview", NULL);
        trakt_client_schedule_refresh(c);
        log_info("Connected to Trakt%s.", import ? "; importing" : " without importing");
        sync_connected(c, import);
        return import ? sync_import_start(c, error) : 0;
}

static void on_revoked(Http *h, const HttpResponse *r, void *userdata) {
        Context *c = userdata;
        if (r->status >= 200 && r->status < 300) {
                log_info("Trakt token revoked.");
                return;
        }
        log_warning("Revoking the Trakt token failed: %s", r->error ?: "no answer");
        context_set_last_error(c, "Disconnected locally, but Trakt could not be told to revoke the token; revoke kino at trakt.tv/oauth/authorized_applications.");
}

int connect_disconnect(Context *c, sd_bus_error *error) {
        _cleanup_free_ char *access = NULL, *id = NULL, *secret = NULL;

        sync_abort(c, "Disconnected from Trakt; the sync stopped.");

        if (c->state != CONN_CONNECTED && c->state != CONN_EXPIRED && c->state != CONN_AUTHORIZED)
                return sd_bus_error_set(error, KT_ERROR_NOT_CONNECTED, "Not connected to Trakt; nothing to disconnect.");

        c->connect = flow_free(c->connect);
        library_followed_abort(c); /* AddList calls in flight get NotConnected */
        trakt_client_done(c); /* abandon calls that would use the token */

        /* Revoke in the background: the local disconnect does not wait for Trakt. */
        if (db_get_tokens(c->db, &access, NULL, NULL, NULL) >= 0 && !isempty(access) &&
            db_get_credentials(c->db, &id, &secret) >= 0) {
                _cleanup_free_ char *body = trakt_oauth_revoke_body(access, id, secret);
                if (!body || trakt_oauth(c, "/oauth/revoke", body, 0, on_revoked, c, NULL) < 0)
                        context_set_last_error(c, "Disconnected locally, but the token could not be revoked on Trakt; revoke kino at trakt.tv/oauth/authorized_applications.");
        }

        (void) db_clear_tokens(c->db);
        (void) db_watchlist_remove(c->db);
        (void) db_set_setting(c->db, "connected_at", NULL);
        (void) db_set_setting(c->db, "username", NULL);
        (void) db_set_setting(c->db, "user_slug", NULL);
        log_info("Disconnected from Trakt; local history, ratings and collection are kept.");
        context_set_state(c, CONN_DISCONNECTED);
        context_notify_changed(c, "Preview", NULL);
        return 0;
}
