/* SPDX-License-Identifier: MIT */
/* The HTTP engine (http.h): libcurl's multi interface inside sd-event. A
 * little over 800 lines for a reason: the socket and timer glue, the curl
 * callbacks, one request's send/retry/backoff and the governor's queues are
 * one state machine over the same Http and HttpRequest structs; split, each
 * part would have to export those internals to the others. Each part is a
 * section below. */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <sys/epoll.h>

#include "governor.h"
#include "http.h"
#include "log.h"
#include "util.h"

#define MAX_GETS_IN_FLIGHT 4
#define DEFAULT_RETRY_AFTER_SEC 300
#define MAX_BACKOFF_SEC 60
/* curl's timeouts are in milliseconds; a millisecond of slack is all they need. */
#define CURL_TIMER_ACCURACY_USEC USEC_PER_MSEC

typedef enum QueueKind {
        QUEUE_WRITE,
        QUEUE_GET,
        QUEUE_FREE, /* HTTP_FLAG_UNGOVERNED */
        _QUEUE_MAX,
} QueueKind;

struct HttpRequest {
        Http *http;
        HttpMethod method;
        char *url;
        char *bearer;
        char *body;
        unsigned flags;
        HttpCallback cb;
        void *userdata;

        QueueKind queue;
        bool queued, in_flight, delivering, cancelled;
        uint64_t not_before; /* CLOCK_MONOTONIC µs: retry backoff */
        unsigned attempts;
        uint64_t started;

        CURL *easy;
        struct curl_slist *headers;
        char *buf;
        size_t len, cap;
        bool too_large;
        int64_t retry_after, page, limit, page_count, item_count;
        char *www_authenticate;
        bool private_user;
        char *account_limit, *upgrade_url; /* X-Account-Limit, X-Upgrade-URL (420, 426) */
        bool account_locked;               /* X-Account-Locked or X-Account-Deactivated: true (423) */
        char errbuf[CURL_ERROR_SIZE];
        char message[CURL_ERROR_SIZE + 128];

        HttpRequest *next, *prev; /* queue or in-flight list */
};

typedef struct Queue {
        HttpRequest *head, *tail;
} Queue;

struct Http {
        sd_event *event;
        CURLM *multi;
        sd_event_source *curl_timer;
        sd_event_source *queue_timer;
        Governor governor;

        char *client_id;
        char *user_agent;
        unsigned connect_timeout, low_speed_timeout, total_timeout, max_retries;
        size_t max_response_size;

        Queue queues[_QUEUE_MAX];
        HttpRequest *in_flight;
        unsigned n_in_flight[_QUEUE_MAX];
        unsigned n_pending;

        HttpBlockedCallback blocked_cb;
        void *blocked_userdata;
        bool blocked_announced;
};

static const char *method_name(HttpMethod m) {
        switch (m) {
        case HTTP_POST:
                return "POST";
        case HTTP_PUT:
                return "PUT";
        case HTTP_DELETE:
                return "DELETE";
        default:
                return "GET";
        }
}

bool http_status_is_transient(long status) {
        return status == 0 || status == 408 || status == 429 || status >= 500;
}

/* ---- queues ---- */

static void queue_unlink(Http *h, HttpRequest *r) {
        Queue *q = &h->queues[r->queue];
        if (r->prev)
                r->prev->next = r->next;
        else
                q->head = r->next;
        if (r->next)
                r->next->prev = r->prev;
        else
                q->tail = r->prev;
        r->next = r->prev = NULL;
        r->queued = false;
}

static void queue_push(Http *h, HttpRequest *r, bool front) {
        Queue *q = &h->queues[r->queue];
        r->queued = true;
        if (front) {
                r->prev = NULL;
                r->next = q->head;
                if (q->head)
                        q->head->prev = r;
                else
                        q->tail = r;
                q->head = r;
        } else {
                r->next = NULL;
                r->prev = q->tail;
                if (q->tail)
                        q->tail->next = r;
                else
                        q->head = r;
                q->tail = r;
        }
}

static void flight_unlink(Http *h, HttpRequest *r) {
        if (r->prev)
                r->prev->next = r->next;
        else
                h->in_flight = r->next;
        if (r->next)
                r->next->prev = r->prev;
        r->next = r->prev = NULL;
        r->in_flight = false;
        h->n_in_flight[r->queue]--;
}

/* The headers of a response we keep: gone before the next response is read. */
static void forget_headers(HttpRequest *r) {
        r->retry_after = r->page = r->limit = r->page_count = r->item_count = -1;
        free(r->www_authenticate);
        free(r->account_limit);
        free(r->upgrade_url);
        r->www_authenticate = r->account_limit = r->upgrade_url = NULL;
        r->private_user = r->account_locked = false;
}

static void transfer_reset(HttpRequest *r) {
        if (r->easy) {
                curl_multi_remove_handle(r->http->multi, r->easy);
                curl_easy_cleanup(r->easy);
                r->easy = NULL;
        }
        curl_slist_free_all(r->headers);
        r->headers = NULL;
        free(r->buf);
        r->buf = NULL;
        r->len = r->cap = 0;
        r->too_large = false;
        forget_headers(r);
        r->errbuf[0] = 0;
}

static void request_free(HttpRequest *r) {
        Http *h = r->http;
        if (r->queued)
                queue_unlink(h, r);
        if (r->in_flight)
                flight_unlink(h, r);
        transfer_reset(r);
        h->n_pending--;
        free(r->url);
        free(r->bearer);
        free(r->body);
        free(r);
}

/* ---- curl callbacks ---- */

static size_t on_body(char *data, size_t size, size_t n, void *userdata) {
        HttpRequest *r = userdata;
        size_t len = size * n;

        if (r->len + len > r->http->max_response_size) {
                r->too_large = true;
                return 0; /* aborts the transfer */
        }
        if (r->len + len + 1 > r->cap) {
                size_t cap = r->cap ? r->cap : 16384;
                while (cap < r->len + len + 1)
                        cap *= 2;
                char *b = realloc(r->buf, cap);
                if (!b)
                        return 0;
                r->buf = b;
                r->cap = cap;
        }
        memcpy(r->buf + r->len, data, len);
        r->len += len;
        r->buf[r->len] = 0;
        return len;
}

static int64_t header_int(const char *v) {
        char *end;
        errno = 0;
        long long n = strtoll(v, &end, 10);
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
                end++;
        if (errno || end == v || *end || n < 0)
                return -1;
        return n;
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata) {
        HttpRequest *r = userdata;
        size_t len = size * n;
        char line[1024];

        if (len >= sizeof line)
                return len; /* nothing we read is that long */
        memcpy(line, data, len);
        line[len] = 0;
        line[strcspn(line, "\r\n")] = 0;

        if (strncasecmp(line, "HTTP/", 5) == 0) {
                /* A new response (after a 100 Continue, say): forget the previous headers. */
                forget_headers(r);
                return len;
        }
        char *colon = strchr(line, ':');
        if (!colon)
                return len;
        *colon = 0;
        char *v = colon + 1;
        while (*v == ' ' || *v == '\t')
                v++;

        if (strcasecmp(line, "Retry-After") == 0)
                r->retry_after = header_int(v); /* Trakt sends seconds, never a date */
        else if (strcasecmp(line, "X-Pagination-Page") == 0)
                r->page = header_int(v);
        else if (strcasecmp(line, "X-Pagination-Limit") == 0)
                r->limit = header_int(v);
        else if (strcasecmp(line, "X-Pagination-Page-Count") == 0)
                r->page_count = header_int(v);
        else if (strcasecmp(line, "X-Pagination-Item-Count") == 0)
                r->item_count = header_int(v);
        else if (strcasecmp(line, "X-Private-User") == 0)
                r->private_user = strncasecmp(v, "true", 4) == 0;
        else if (strcasecmp(line, "WWW-Authenticate") == 0) {
                free(r->www_authenticate);
                r->www_authenticate = strdup(v);
        } else if (strcasecmp(line, "X-Account-Limit") == 0) {
                free(r->account_limit);
                r->account_limit = strdup(v);
        } else if (strcasecmp(line, "X-Upgrade-URL") == 0) {
                free(r->upgrade_url);
                r->upgrade_url = strdup(v);
        } else if (strcasecmp(line, "X-Account-Locked") == 0 || strcasecmp(line, "X-Account-Deactivated") == 0)
                r->account_locked = r->account_locked || strncasecmp(v, "true", 4) == 0;
        return len;
}

/* ---- sending ---- */

static void dispatch(Http *h);

static int transfer_start(HttpRequest *r) {
        Http *h = r->http;
        char line[2048];

        transfer_reset(r);
        r->easy = curl_easy_init();
        if (!r->easy)
                return -ENOMEM;

        r->headers = curl_slist_append(r->headers, "Content-Type: application/json");
        r->headers = curl_slist_append(r->headers, "Accept: application/json");
        r->headers = curl_slist_append(r->headers, "trakt-api-version: 2");
        if (h->client_id) {
                snprintf(line, sizeof line, "trakt-api-key: %s", h->client_id);
                r->headers = curl_slist_append(r->headers, line);
        }
        if (r->bearer) {
                snprintf(line, sizeof line, "Authorization: Bearer %s", r->bearer);
                r->headers = curl_slist_append(r->headers, line);
        }
        r->headers = curl_slist_append(r->headers, "Expect:"); /* no 100-continue round trip */
        if (!r->headers)
                return -ENOMEM;

        CURL *e = r->easy;
        curl_easy_setopt(e, CURLOPT_URL, r->url);
        curl_easy_setopt(e, CURLOPT_PRIVATE, r);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->headers);
        curl_easy_setopt(e, CURLOPT_USERAGENT, h->user_agent);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
        curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, (long) h->connect_timeout);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
        curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, (long) h->low_speed_timeout);
        curl_easy_setopt(e, CURLOPT_TIMEOUT, (long) h->total_timeout);
        curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
        /* libcurl silently sends a request again when a reused connection dies
         * before any answer, even a POST the server already acted on. A write
         * that must reach Trakt at most once gets a connection of its own. */
        if (r->flags & HTTP_FLAG_FRESH_CONNECTION) {
                curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
                curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
        }
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
#if LIBCURL_VERSION_NUM >= 0x075500
        curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
        curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long) (CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
        if (h->max_response_size > 0)
                curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) h->max_response_size);

        switch (r->method) {
        case HTTP_POST:
                curl_easy_setopt(e, CURLOPT_POST, 1L);
                curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body ?: "");
                break;
        case HTTP_PUT:
        case HTTP_DELETE:
                curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method_name(r->method));
                if (r->body)
                        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
                break;
        default:
                curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
                break;
        }

        if (curl_multi_add_handle(h->multi, e) != CURLM_OK)
                return -EIO;

        r->attempts++;
        r->started = now_monotonic_usec();
        r->in_flight = true;
        r->next = h->in_flight;
        r->prev = NULL;
        if (h->in_flight)
                h->in_flight->prev = r;
        h->in_flight = r;
        h->n_in_flight[r->queue]++;
        log_debug("HTTP %s %s (attempt %u)", method_name(r->method), r->url, r->attempts);
        return 0;
}

/* JSON by its label, or unlabelled (or labelled text/plain and the like) when
 * it starts like JSON: a server that forgets the header still gets through,
 * while an HTML page from a proxy never does. */
static bool is_json(const char *ct, const char *body, size_t len) {
        if (ct && (strncasecmp(ct, "application/json", 16) == 0 || strstr(ct, "+json")))
                return true;
        if (ct && (strcasestr(ct, "html") || strcasestr(ct, "xml")))
                return false;
        for (size_t i = 0; i < len; i++)
                if (!strchr(" \t\r\n", body[i]))
                        return body[i] == '{' || body[i] == '[';
        return false;
}

static void describe_status(char *buf, size_t n, long status) {
        const char *what;
        switch (status) {
        case 400: what = "the request was not understood"; break;
        case 401: what = "the login is missing, invalid or expired"; break;
        case 403: what = "the application key was refused"; break;
        case 404: what = "not found"; break;
        case 409: what = "already done"; break;
        case 412: what = "wrong content type"; break;
        case 420: what = "an account limit was reached"; break;
        case 422: what = "the request was refused as invalid"; break;
        case 423: what = "the account is locked"; break;
        case 426: what = "a VIP account is required"; break;
        case 429: what = "rate limited"; break;
        case 502: case 503: case 504: what = "server overloaded"; break;
        case 520: case 521: case 522: case 524: what = "Cloudflare could not reach Trakt"; break;
        default: what = status >= 500 ? "server error" : "unexpected status"; break;
        }
        snprintf(buf, n, "Trakt answered %ld (%s).", status, what);
}

static void deliver(HttpRequest *r, long status, CURLcode result) {
        Http *h = r->http;
        const char *ct = NULL;
        struct json_object *json = NULL;
        const char *error = NULL;

        if (r->easy && result == CURLE_OK)
                curl_easy_getinfo(r->easy, CURLINFO_CONTENT_TYPE, &ct);

        if (result != CURLE_OK) {
                if (r->too_large || result == CURLE_FILESIZE_EXCEEDED)
                        snprintf(r->message, sizeof r->message,
                                 "Trakt's answer was larger than %zu bytes and was dropped.", h->max_response_size);
                else
                        snprintf(r->message, sizeof r->message, "Trakt could not be reached: %s.",
                                 r->errbuf[0] ? r->errbuf : curl_easy_strerror(result));
                error = r->message;
        } else {
                bool ok = status >= 200 && status < 300;
                if (ok && (r->flags & HTTP_FLAG_TEXT_BODY) && r->len > 0 && is_json(ct, r->buf, r->len))
                        ; /* the caller reads the text: no tree */
                else if (r->len > 0 && is_json(ct, r->buf, r->len)) {
                        /* Strict: a truncated or sloppy body is an error, not a guess. */
                        struct json_tokener *tok = json_tokener_new();
                        enum json_tokener_error jerr = json_tokener_error_parse_eof;
                        if (tok) {
                                json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
                                json = json_tokener_parse_ex(tok, r->buf, (int) r->len);
                                jerr = json_tokener_get_error(tok);
                                if (json && (jerr != json_tokener_success || tok->char_offset < (int) r->len)) {
                                        json_object_put(json);
                                        json = NULL;
                                        if (jerr == json_tokener_success)
                                                jerr = json_tokener_error_parse_eof;
                                }
                                json_tokener_free(tok);
                        }
                        if (!json && ok) {
                                snprintf(r->message, sizeof r->message, "Trakt sent a malformed answer (%s).",
                                         json_tokener_error_desc(jerr));
                                error = r->message;
                        }
                } else if (r->len > 0 && ok) {
                        snprintf(r->message, sizeof r->message,
                                 "Trakt answered with %s instead of JSON (a proxy or Cloudflare in the way?).",
                                 ct && strstr(ct, "html") ? "an HTML page" : "something else");
                        error = r->message;
                }
                if (!ok) {
                        describe_status(r->message, sizeof r->message, status);
                        error = r->message;
                }
        }

        log_debug("HTTP %s %s → %ld in %" PRIu64 " ms%s%s", method_name(r->method), r->url, status,
                  (now_monotonic_usec() - r->started) / USEC_PER_MSEC, error ? ": " : "", error ?: "");

        HttpResponse resp = {
                .status = result == CURLE_OK ? status : 0,
                .error = error,
                .body = r->buf ?: "",
                .body_len = r->len,
                .content_type = ct,
                .json = json,
                .retry_after_sec = r->retry_after,
                .page = r->page,
                .limit = r->limit,
                .page_count = r->page_count,
                .item_count = r->item_count,
                .www_authenticate = r->www_authenticate,
                .private_user = r->private_user,
                .account_limit = r->account_limit,
                .upgrade_url = r->upgrade_url,
                .account_locked = r->account_locked,
                .attempts = r->attempts,
        };
        r->delivering = true;
        r->cb(h, &resp, r->userdata);
        json_object_put(json);
        request_free(r);
}

static uint64_t backoff_usec(unsigned attempt) {
        uint64_t s = attempt >= 7 ? MAX_BACKOFF_SEC : (1u << (attempt > 0 ? attempt - 1 : 0));
        if (s > MAX_BACKOFF_SEC)
                s = MAX_BACKOFF_SEC;
        /* up to 25 % jitter so many clients do not retry in step */
        return s * USEC_PER_SEC + (uint64_t) (rand() % 250) * USEC_PER_MSEC * s;
}

static void announce_block(Http *h, bool blocked, uint64_t until) {
        if (h->blocked_announced == blocked)
                return;
        h->blocked_announced = blocked;
        if (blocked)
                log_warning("Trakt rate limit hit: all requests wait %" PRIu64 " s.", (until - now_monotonic_usec()) / USEC_PER_SEC);
        else
                log_info("Trakt rate limit passed; requests resume.");
        if (h->blocked_cb)
                h->blocked_cb(h, blocked, until, h->blocked_userdata);
}

static void on_transfer_done(HttpRequest *r, CURLcode result) {
        Http *h = r->http;
        long status = 0;
        uint64_t now = now_monotonic_usec();

        if (result == CURLE_OK)
                curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
        flight_unlink(h, r);
        /* Space writes from the end of the previous one: Trakt counts arrivals, and
         * a new connection can delay the first request more than the next. */
        if (r->queue == QUEUE_WRITE)
                governor_take(&h->governor, true, now);

        long s = result == CURLE_OK ? status : 0;
        /* An answer too large to accept will be as large next time. */
        bool no_retry = (r->flags & HTTP_FLAG_NO_RETRY) || r->too_large || result == CURLE_FILESIZE_EXCEEDED;

        if (s == 429) {
                int64_t ra = r->retry_after >= 0 ? r->retry_after : DEFAULT_RETRY_AFTER_SEC;
                uint64_t until = now + (uint64_t) ra * USEC_PER_SEC;
                if (!(r->flags & HTTP_FLAG_UNGOVERNED)) {
                        /* Trakt (2026) blocks every call once any limit trips: so do we. */
                        governor_block_until(&h->governor, until);
                        announce_block(h, true, h->governor.blocked_until_usec);
                }
                if (!no_retry && r->attempts <= h->max_retries) {
                        r->not_before = until;
                        transfer_reset(r);
                        queue_push(h, r, true);
                        return;
                }
        } else if (http_status_is_transient(s) && !no_retry && r->attempts <= h->max_retries) {
                uint64_t wait = backoff_usec(r->attempts);
                if (s == 503 && r->retry_after > 0)
                        wait = (uint64_t) r->retry_after * USEC_PER_SEC;
                log_info("HTTP %s %s failed (%s); retry %u of %u in %" PRIu64 " ms.", method_name(r->method), r->url,
                         s ? "server error" : (r->errbuf[0] ? r->errbuf : curl_easy_strerror(result)), r->attempts,
                         h->max_retries, wait / USEC_PER_MSEC);
                r->not_before = now + wait;
                transfer_reset(r);
                queue_push(h, r, true);
                return;
        }
        deliver(r, status, result);
}

static void drain_finished(Http *h) {
        CURLMsg *msg;
        int left;

        while ((msg = curl_multi_info_read(h->multi, &left))) {
                if (msg->msg != CURLMSG_DONE)
                        continue;
                HttpRequest *r = NULL;
                curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &r);
                if (r)
                        on_transfer_done(r, msg->data.result);
        }
        dispatch(h);
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        Http *h = userdata;
        int action = 0, running;

        if (revents & EPOLLIN)
                action |= CURL_CSELECT_IN;
        if (revents & EPOLLOUT)
                action |= CURL_CSELECT_OUT;
        if (revents & (EPOLLERR | EPOLLHUP))
                action |= CURL_CSELECT_ERR;
        if (curl_multi_socket_action(h->multi, fd, action, &running) != CURLM_OK)
                log_warning("curl_multi_socket_action failed.");
        drain_finished(h);
        return 0;
}

static int on_curl_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Http *h = userdata;
        int running;
        if (curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running) != CURLM_OK)
                log_warning("curl_multi_socket_action failed.");
        drain_finished(h);
        return 0;
}

static int curl_socket_cb(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
        Http *h = userp;
        sd_event_source *io = socketp;
        uint32_t events = 0;

        if (what == CURL_POLL_REMOVE) {
                if (io) {
                        sd_event_source_disable_unref(io);
                        curl_multi_assign(h->multi, fd, NULL);
                }
                return 0;
        }
        if (what == CURL_POLL_IN || what == CURL_POLL_INOUT)
                events |= EPOLLIN;
        if (what == CURL_POLL_OUT || what == CURL_POLL_INOUT)
                events |= EPOLLOUT;

        if (io) {
                if (sd_event_source_set_io_events(io, events) < 0 || sd_event_source_set_enabled(io, SD_EVENT_ON) < 0)
                        return -1;
                return 0;
        }
        if (sd_event_add_io(h->event, &io, fd, events, on_io, h) < 0)
                return -1;
        (void) sd_event_source_set_description(io, "curl-io");
        if (curl_multi_assign(h->multi, fd, io) != CURLM_OK) {
                sd_event_source_disable_unref(io);
                return -1;
        }
        return 0;
}

static int curl_timer_cb(CURLM *multi, long timeout_ms, void *userp) {
        Http *h = userp;

        if (timeout_ms < 0) {
                if (h->curl_timer)
                        (void) sd_event_source_set_enabled(h->curl_timer, SD_EVENT_OFF);
                return 0;
        }
        uint64_t at = now_monotonic_usec() + (uint64_t) timeout_ms * USEC_PER_MSEC;
        if (h->curl_timer) {
                if (sd_event_source_set_time(h->curl_timer, at) < 0 ||
                    sd_event_source_set_enabled(h->curl_timer, SD_EVENT_ONESHOT) < 0)
                        return -1;
                return 0;
        }
        /* Accuracy 0 would mean sd-event's default slack of 250 ms, and curl asks
         * for "now" before every transfer: a quarter second of idle per request. */
        if (sd_event_add_time(h->event, &h->curl_timer, CLOCK_MONOTONIC, at, CURL_TIMER_ACCURACY_USEC, on_curl_timer, h) < 0)
                return -1;
        (void) sd_event_source_set_description(h->curl_timer, "curl-timer");
        return 0;
}

/* ---- the governor's queues ---- */

static int on_queue_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        dispatch(userdata);
        return 0;
}

static void dispatch(Http *h) {
        uint64_t now = now_monotonic_usec(), next = UINT64_MAX;

        if (h->blocked_announced && !governor_blocked(&h->governor, now))
                announce_block(h, false, 0);

        for (QueueKind k = 0; k < _QUEUE_MAX; k++) {
                HttpRequest *r;
                while ((r = h->queues[k].head)) {
                        /* Writes go one at a time so they reach Trakt in order. */
                        if (k == QUEUE_WRITE && h->n_in_flight[k] > 0)
                                break;
                        if (k == QUEUE_GET && h->n_in_flight[k] >= MAX_GETS_IN_FLIGHT)
                                break;
                        uint64_t slot = r->not_before > now ? r->not_before : now;
                        if (k != QUEUE_FREE) {
                                uint64_t g = governor_next_slot(&h->governor, k == QUEUE_WRITE, now);
                                if (g > slot)
                                        slot = g;
                        }
                        if (slot > now) {
                                if (slot < next)
                                        next = slot;
                                break;
                        }
                        queue_unlink(h, r);
                        if (k != QUEUE_FREE)
                                governor_take(&h->governor, k == QUEUE_WRITE, now);
                        if (transfer_start(r) < 0) {
                                /* Out of memory or curl refused the handle: try again shortly. */
                                if (r->in_flight)
                                        flight_unlink(h, r);
                                transfer_reset(r);
                                r->not_before = now + USEC_PER_SEC;
                                queue_push(h, r, true);
                                if (r->not_before < next)
                                        next = r->not_before;
                                break;
                        }
                }
        }

        if (next == UINT64_MAX) {
                if (h->queue_timer)
                        (void) sd_event_source_set_enabled(h->queue_timer, SD_EVENT_OFF);
                return;
        }
        if (h->queue_timer) {
                (void) sd_event_source_set_time(h->queue_timer, next);
                (void) sd_event_source_set_enabled(h->queue_timer, SD_EVENT_ONESHOT);
        } else if (sd_event_add_time(h->event, &h->queue_timer, CLOCK_MONOTONIC, next, USEC_PER_MSEC, on_queue_timer, h) >= 0)
                (void) sd_event_source_set_description(h->queue_timer, "http-queue");
}

/* ---- public ---- */

int http_new(Http **ret, sd_event *e, const Config *cfg) {
        static bool curl_ready = false;
        int r;

        if (!curl_ready) {
                if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
                        return -EIO;
                curl_ready = true;
        }

        Http *h = calloc(1, sizeof(*h));
        if (!h)
                return -ENOMEM;
        h->event = sd_event_ref(e);
        h->connect_timeout = cfg->connect_timeout_sec;
        h->low_speed_timeout = cfg->low_speed_timeout_sec;
        h->total_timeout = cfg->total_timeout_sec;
        h->max_retries = cfg->max_retries;
        h->max_response_size = cfg->max_response_size;
        h->user_agent = strdup("kino-trakt/" VERSION);
        r = governor_init(&h->governor, cfg->get_budget, (uint64_t) cfg->get_period_sec * USEC_PER_SEC,
                          (uint64_t) cfg->write_interval_msec * USEC_PER_MSEC);
        h->multi = curl_multi_init();
        if (r < 0 || !h->multi || !h->user_agent) {
                http_free(h);
                return r < 0 ? r : -ENOMEM;
        }
        curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, curl_socket_cb);
        curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
        curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, curl_timer_cb);
        curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
        curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long) MAX_GETS_IN_FLIGHT + 2);
        *ret = h;
        return 0;
}

Http *http_free(Http *h) {
        if (!h)
                return NULL;
        for (QueueKind k = 0; k < _QUEUE_MAX; k++)
                while (h->queues[k].head)
                        request_free(h->queues[k].head);
        while (h->in_flight)
                request_free(h->in_flight);
        if (h->multi)
                curl_multi_cleanup(h->multi);
        sd_event_source_disable_unref(h->curl_timer);
        sd_event_source_disable_unref(h->queue_timer);
        sd_event_unref(h->event);
        governor_done(&h->governor);
        free(h->client_id);
        free(h->user_agent);
        free(h);
        return NULL;
}

void http_set_client_id(Http *h, const char *client_id) {
        free(h->client_id);
        h->client_id = client_id ? strdup(client_id) : NULL;
}

void http_set_blocked_callback(Http *h, HttpBlockedCallback cb, void *userdata) {
        h->blocked_cb = cb;
        h->blocked_userdata = userdata;
}

int http_request(Http *h, HttpMethod method, const char *url, const char *bearer, const char *body, unsigned flags,
                 HttpCallback cb, void *userdata, HttpRequest **ret) {
        HttpRequest *r = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->http = h;
        r->method = method;
        r->flags = flags;
        r->cb = cb;
        r->userdata = userdata;
        r->retry_after = r->page = r->limit = r->page_count = r->item_count = -1;
        r->url = strdup(url);
        r->bearer = bearer ? strdup(bearer) : NULL;
        r->body = body ? strdup(body) : NULL;
        r->queue = (flags & HTTP_FLAG_UNGOVERNED) ? QUEUE_FREE : method == HTTP_GET ? QUEUE_GET : QUEUE_WRITE;
        h->n_pending++;
        if (!r->url || (bearer && !r->bearer) || (body && !r->body)) {
                request_free(r);
                return -ENOMEM;
        }
        queue_push(h, r, false);
        if (ret)
                *ret = r;
        dispatch(h);
        return 0;
}

void http_request_cancel(HttpRequest *r) {
        if (!r || r->delivering)
                return;
        request_free(r);
}

unsigned http_pending(Http *h) {
        return h->n_pending;
}

bool http_blocked(Http *h) {
        return governor_blocked(&h->governor, now_monotonic_usec());
}
