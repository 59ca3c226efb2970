/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "config.h"

/* The HTTP engine: libcurl's multi interface driven by sd-event io and timer
 * sources (curl_multi_socket_action), never a blocking call. Every request
 * passes the shared rate governor (governor.h); two FIFO queues (GETs and
 * writes) keep order within each kind. Retries with exponential backoff on
 * network errors, 5xx and 520-524; a 429 blocks *all* traffic until its
 * Retry-After (default 300 s when absent) and the request is retried after it.
 * Responses are capped at max_response_size; a body whose Content-Type is not
 * JSON is never handed to the JSON parser.
 *
 * Every request carries: Content-Type: application/json, trakt-api-version: 2,
 * trakt-api-key: <client id>, User-Agent: kino-trakt/VERSION, and
 * Authorization: Bearer <token> when a bearer is given. */

typedef struct Http Http;
typedef struct HttpRequest HttpRequest;

typedef enum HttpMethod {
        HTTP_GET,
        HTTP_POST,
        HTTP_PUT,
        HTTP_DELETE,
} HttpMethod;

enum {
        /* Deliver the first answer whatever it is: no retries, and a 429 does
         * not block the governor beyond its Retry-After (the caller decides).
         * Used by the device-code poll, where 400 and 429 are protocol. */
        HTTP_FLAG_NO_RETRY = 1u << 0,
        /* Do not wait for the governor (OAuth endpoints are not rate-limited
         * like the API, and a revoke on disconnect must not queue behind a 5-minute block). */
        HTTP_FLAG_UNGOVERNED = 1u << 1,
        /* Send it on a new connection, never a reused one: libcurl repeats a
         * request whose reused connection died before the answer, which for a
         * non-idempotent POST (adding a play) would add it twice. */
        HTTP_FLAG_FRESH_CONNECTION = 1u << 2,
        /* A 2xx JSON answer is left as text (json stays NULL): the caller reads
         * body with a parser of its own and refuses it if malformed. For large
         * pages, where a json-c tree costs more than the rest of the work. */
        HTTP_FLAG_TEXT_BODY = 1u << 3,
};

typedef struct HttpResponse {
        long status;               /* HTTP status; 0 when no answer arrived (network error, timeout, too large) */
        const char *error;         /* NULL for a usable 2xx answer; else one sentence describing the failure */
        const char *body;          /* NUL-terminated, may be "" */
        size_t body_len;
        const char *content_type;  /* may be NULL */
        struct json_object *json;  /* the parsed body when it is JSON (any status; not a 2xx one with HTTP_FLAG_TEXT_BODY); NULL otherwise. Owned by the engine. */
        int64_t retry_after_sec;   /* Retry-After in seconds, -1 when absent */
        int64_t page, limit, page_count, item_count; /* X-Pagination-*, -1 when absent */
        const char *www_authenticate; /* may be NULL */
        bool private_user;         /* X-Private-User: true (a 401 for a private user's data, not a bad token; docs/trakt-api.md §3.2) */
        const char *account_limit; /* X-Account-Limit (420), may be NULL */
        const char *upgrade_url;   /* X-Upgrade-URL (420, 426), may be NULL */
        bool account_locked;       /* X-Account-Locked / X-Account-Deactivated: true (423) */
        unsigned attempts;         /* how many times it was sent */
} HttpResponse;

/* Called exactly once per request unless it is cancelled. r and everything
 * it points to are valid only during the call. */
typedef void (*HttpCallback)(Http *h, const HttpResponse *r, void *userdata);

/* Called when a 429 blocks all traffic (blocked=true, until in CLOCK_MONOTONIC µs)
 * and when the block has passed and traffic resumes (blocked=false). */
typedef void (*HttpBlockedCallback)(Http *h, bool blocked, uint64_t until_usec, void *userdata);

int http_new(Http **ret, sd_event *e, const Config *cfg);
Http *http_free(Http *h); /* cancels everything; no callbacks are called */

void http_set_client_id(Http *h, const char *client_id);
void http_set_blocked_callback(Http *h, HttpBlockedCallback cb, void *userdata);

/* Queue a request. url is absolute. body_json may be NULL (no body). bearer may
 * be NULL. Returns 0 and, if ret is non-NULL, a handle usable with
 * http_request_cancel() until the callback has run. */
int http_request(Http *h, HttpMethod method, const char *url, const char *bearer, const char *body_json,
                 unsigned flags, HttpCallback cb, void *userdata, HttpRequest **ret);
void http_request_cancel(HttpRequest *r);

/* Requests queued or in flight. */
unsigned http_pending(Http *h);
bool http_blocked(Http *h);

/* Helpers for callers. */
bool http_status_is_transient(long status); /* 0 (network), 408, 429, 5xx */
