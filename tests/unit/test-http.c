/* SPDX-License-Identifier: MIT */
/* The HTTP engine against the Trakt stand-in over loopback: real libcurl,
 * real sd-event, faults injected through the stand-in's control API. */
#include <curl/curl.h>
#include <glib.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "http.h"
#include "util.h"

static pid_t standin_pid;
static char base[128];

static size_t sink(char *d, size_t s, size_t n, void *u) {
        g_string_append_len(u, d, (gssize) (s * n));
        return s * n;
}

/* Blocking control call (fine in a test). */
static char *control(const char *path, const char *body) {
        CURL *e = curl_easy_init();
        GString *out = g_string_new(NULL);
        char url[256];
        struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
        snprintf(url, sizeof url, "%s/_control/%s", base, path);
        curl_easy_setopt(e, CURLOPT_URL, url);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, sink);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, out);
        if (body)
                curl_easy_setopt(e, CURLOPT_POSTFIELDS, body);
        g_assert_cmpint(curl_easy_perform(e), ==, CURLE_OK);
        curl_slist_free_all(h);
        curl_easy_cleanup(e);
        return g_string_free(out, FALSE);
}

static void start_standin(void) {
        g_autofree char *dir = g_dir_make_tmp("kt-http-XXXXXX", NULL);
        g_autofree char *pf = g_build_filename(dir, "port", NULL);
        standin_pid = fork();
        g_assert_cmpint(standin_pid, >=, 0);
        if (standin_pid == 0) {
                /* Die with the test, and do not hold meson's output pipe open. */
                prctl(PR_SET_PDEATHSIG, SIGTERM);
                int null = open("/dev/null", O_RDWR);
                dup2(null, STDOUT_FILENO);
                dup2(null, STDERR_FILENO);
                execl("/usr/bin/python3", "python3", g_getenv("KT_STANDIN"), "--port-file", pf, "--quiet", NULL);
                _exit(127);
        }
        g_autofree char *port = NULL;
        for (int i = 0; i < 1000 && !g_file_get_contents(pf, &port, NULL, NULL); i++)
                g_usleep(10000);
        g_assert_nonnull(port);
        snprintf(base, sizeof base, "http://127.0.0.1:%d", atoi(port));
        g_free(control("config", "{\"rate_limit\": false}"));
}

typedef struct Result {
        int calls;
        long status;
        bool had_json, had_error;
        char *error;
        unsigned attempts;
        uint64_t at;
        int64_t page_count;
        bool private_user;
} Result;

static void on_done(Http *h, const HttpResponse *r, void *userdata) {
        Result *res = userdata;
        res->calls++;
        res->status = r->status;
        res->had_json = r->json != NULL;
        res->had_error = r->error != NULL;
        g_free(res->error);
        res->error = g_strdup(r->error);
        res->attempts = r->attempts;
        res->at = now_monotonic_usec();
        res->page_count = r->page_count;
        res->private_user = r->private_user;
}

static int blocked_events, unblocked_events;
static void on_blocked(Http *h, bool blocked, uint64_t until, void *userdata) {
        if (blocked)
                blocked_events++;
        else
                unblocked_events++;
}

static void run_until(sd_event *e, Result *res, int n, int max_seconds) {
        uint64_t deadline = now_monotonic_usec() + (uint64_t) max_seconds * USEC_PER_SEC;
        for (;;) {
                int done = 0;
                for (int i = 0; i < n; i++)
                        done += res[i].calls > 0;
                if (done == n || now_monotonic_usec() > deadline)
                        break;
                g_assert_cmpint(sd_event_run(e, 100 * USEC_PER_MSEC), >=, 0);
        }
}

static Http *make(sd_event **e, size_t max_size, unsigned write_ms) {
        Config c;
        config_init_defaults(&c);
        c.max_retries = 3;
        c.connect_timeout_sec = 5;
        c.total_timeout_sec = 20;
        c.low_speed_timeout_sec = 5;
        c.write_interval_msec = write_ms;
        if (max_size)
                c.max_response_size = max_size;
        g_assert_cmpint(sd_event_new(e), >=, 0);
        Http *h = NULL;
        g_assert_cmpint(http_new(&h, *e, &c), ==, 0);
        http_set_client_id(h, "test-client-id");
        http_set_blocked_callback(h, on_blocked, NULL);
        config_done(&c);
        return h;
}

static char *url(const char *path) {
        return g_strdup_printf("%s%s", base, path);
}

static void test_headers_and_json(void) {
        sd_event *e;
        Http *h = make(&e, 0, 1000);
        Result r = {};
        g_autofree char *u = url("/users/kino_tester/stats");
        g_free(control("requests/clear", "{}"));
        g_assert_cmpint(http_request(h, HTTP_GET, u, "tok-123", NULL, 0, on_done, &r, NULL), ==, 0);
        run_until(e, &r, 1, 30);
        g_assert_cmpint(r.calls, ==, 1);
        g_assert_cmpint(r.status, ==, 200);
        g_assert_true(r.had_json);
        g_assert_false(r.had_error);
        g_autofree char *log = control("requests", NULL);
        g_assert_nonnull(strstr(log, "\"user-agent\": \"kino-trakt/"));
        g_assert_nonnull(strstr(log, "\"trakt-api-version\": \"2\""));
        g_assert_nonnull(strstr(log, "\"trakt-api-key\": \"test-client-id\""));
        g_assert_nonnull(strstr(log, "\"content-type\": \"application/json\""));
        g_assert_nonnull(strstr(log, "\"authorization\": \"Bearer tok-123\""));
        g_assert_cmpuint(http_pending(h), ==, 0);
        http_free(h);
        sd_event_unref(e);
        g_free(r.error);
}

/* X-Private-User: a 401 about someone's private data, told apart from a bad token (docs/trakt-api.md §3.2). */
static void test_private_user(void) {
        sd_event *e;
        Http *h = make(&e, 0, 1000);
        Result r[2] = {};
        g_autofree char *secret = url("/users/sean/lists/secret"), *history = url("/sync/history");
        g_free(control("lists", "{\"user\": \"sean\", \"slug\": \"secret\", \"private\": true, \"items\": []}"));
        g_assert_cmpint(http_request(h, HTTP_GET, secret, NULL, NULL, 0, on_done, &r[0], NULL), ==, 0);
        g_assert_cmpint(http_request(h, HTTP_GET, history, "not-a-token", NULL, 0, on_done, &r[1], NULL), ==, 0);
        run_until(e, r, 2, 30);
        g_assert_cmpint(r[0].status, ==, 401);
        g_assert_true(r[0].private_user);
        g_assert_cmpuint(r[0].attempts, ==, 1);
        g_assert_cmpint(r[1].status, ==, 401);
        g_assert_false(r[1].private_user);
        http_free(h);
        sd_event_unref(e);
        g_free(r[0].error);
        g_free(r[1].error);
}

static void test_retry_then_ok(void) {
        sd_event *e;
        Http *h = make(&e, 0, 1000);
        Result r = {};
        g_autofree char *u = url("/users/kino_tester/stats");
        g_free(control("fault", "{\"match\": \"/stats$\", \"status\": 500, \"count\": 1}"));
        g_free(control("fault", "{\"match\": \"/stats$\", \"action\": \"reset\", \"count\": 1}"));
        g_assert_cmpint(http_request(h, HTTP_GET, u, NULL, NULL, 0, on_done, &r, NULL), ==, 0);
        run_until(e, &r, 1, 30);
        g_assert_cmpint(r.status, ==, 200);
        g_assert_cmpuint(r.attempts, >=, 2); /* curl itself may retry a reset on a reused connection */
        g_assert_true(r.had_json);
        http_free(h);
        sd_event_unref(e);
        g_free(r.error);
}

static void test_no_retry(void) {
        sd_event *e;
        Http *h = make(&e, 0, 1000);
        Result r = {};
        g_autofree char *u = url("/users/kino_tester/stats");
        g_free(control("fault", "{\"match\": \"/stats$\", \"status\": 503, \"count\": 1}"));
        g_assert_cmpint(http_request(h, HTTP_GET, u, NULL, NULL, HTTP_FLAG_NO_RETRY, on_done, &r, NULL), ==, 0);
        run_until(e, &r, 1, 30);
        g_assert_cmpint(r.status, ==, 503);
        g_assert_cmpuint(r.attempts, ==, 1);
        g_assert_true(r.had_error);
        g_assert_nonnull(strstr(r.error, "503"));
        http_free(h);
        sd_event_unref(e);
        g_free(r.error);
}

static void test_429_blocks_everything(void) {
        sd_event *e;
        Http *h = make(&e, 0, 1000);
        Result r[2] = {};
        g_autofree char *u = url("/users/kino_tester/stats");
        blocked_events = unblocked_events = 0;
        g_free(control("fault", "{\"match\": \"/stats$\", \"status\": 429, \"retry_after\": 1, \"count\": 1}"));
        uint64_t start = now_monotonic_usec();
        g_assert_cmpint(http_request(h, HTTP_GET, u, NULL, NULL, 0, on_done, &r[0], NULL), ==, 0);
        /* Let the 429 arrive, then queue a second request: it must wait for the block too. */
        while (blocked_events == 0 && now_monotonic_usec() - start < 10 * USEC_PER_SEC)
                g_assert_cmpint(sd_event_run(e, 50 * USEC_PER_MSEC), >=, 0);
        g_assert_cmpint(blocked_events, ==, 1);
        g_assert_true(http_blocked(h));
        g_assert_cmpint(http_request(h, HTTP_GET, u, NULL, NULL, 0, on_done, &r[1], NULL), ==, 0);
        run_until(e, r, 2, 30);
        g_assert_cmpint(r[0].status, ==, 200);
        g_assert_cmpint(r[1].status, ==, 200);
        g_assert_cmpuint(r[0].attempts, ==, 2);
        g_assert_cmpuint(r[1].at - start, >=, 1 * USEC_PER_SEC);
        g_assert_cmpint(unblocked_events, ==, 1);
        http_free(h);
        sd_event_unref(e);
        g_free(r[0].error);
        g_free(r[1].error);
}

static void test_bad_bodies(void) {
        sd_event *e;
        Http *h = make(&e, 10000, 1000);
        g_autofree char *u = url("/users/kino_tester/stats");
        struct {
                const char *fault;
                long status;
        } cases[] = {
                { "{\"match\": \"/stats$\", \"action\": \"html\", \"status\": 403}", 403 },
                { "{\"match\": \"/stats$\", \"action\": \"html\", \"status\": 200}", 200 },
                { "{\"match\": \"/stats$\", \"action\": \"garbage\"}", 200 },
                { "{\"match\": \"/stats$\", \"action\": \"truncate\"}", 0 },
                { "{\"match\": \"/stats$\", \"action\": \"huge\", \"size\": 200000}", 0 },
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                Result r = {};
                g_free(control("fault", cases[i].fault));
                g_assert_cmpint(http_request(h, HTTP_GET, u, NULL, NULL, HTTP_FLAG_NO_RETRY, on_done, &r, NULL), ==, 0);
                run_until(e, &r, 1, 30);
                g_assert_cmpint(r.calls, ==, 1);
                g_assert_cmpint(r.status, ==, cases[i].status);
                g_assert_false(r.had_json);
                g_assert_true(r.had_error);
                if (i == 4)
                        g_assert_nonnull(strstr(r.error, "larger than"));
                g_free(r.error);
        }
        /* JSON under another label (a server that forgets application/json) is read. */
        Result ok = {};
        g_free(control("fault", "{\"match\": \"/stats$\", \"status\": 200, \"content_type\": \"text/plain; charset=utf-8\","
                                " \"body\": {\"movies\": {\"watched\": 3}}}"));
        g_assert_cmpint(http_request(h, HTTP_GET, u, NULL, NULL, HTTP_FLAG_NO_RETRY, on_done, &ok, NULL), ==, 0);
        run_until(e, &ok, 1, 30);
        g_assert_cmpint(ok.status, ==, 200);
        g_assert_true(ok.had_json);
        g_assert_false(ok.had_error);
        g_free(ok.error);
        http_free(h);
        sd_event_unref(e);
}

static void test_writes_spaced_and_in_order(void) {
        sd_event *e;
        Http *h = make(&e, 0, 300);
        Result r[3] = {};
        g_autofree char *u = url("/oauth/revoke");
        g_free(control("requests/clear", "{}"));
        for (int i = 0; i < 3; i++)
                g_assert_cmpint(http_request(h, HTTP_POST, u, NULL, "{\"token\":\"x\"}", 0, on_done, &r[i], NULL), ==, 0);
        run_until(e, r, 3, 30);
        for (int i = 0; i < 3; i++)
                g_assert_cmpint(r[i].status, ==, 200);
        g_assert_cmpuint(r[1].at, >, r[0].at);
        g_assert_cmpuint(r[2].at, >, r[1].at);
        /* The stand-in saw them at least write_interval apart (a slow machine only widens the gaps). */
        g_autofree char *log = control("requests", NULL);
        struct json_object *arr = json_tokener_parse(log);
        g_assert_cmpuint(json_object_array_length(arr), ==, 3);
        double prev = 0;
        for (size_t i = 0; i < 3; i++) {
                struct json_object *t;
                g_assert_true(json_object_object_get_ex(json_object_array_get_idx(arr, i), "time", &t));
                double now = json_object_get_double(t);
                if (i > 0)
                        g_assert_cmpfloat(now - prev, >=, 0.29);
                prev = now;
        }
        json_object_put(arr);
        http_free(h);
        sd_event_unref(e);
}

/* A request goes out at once: curl's "now" must not wait for sd-event's
 * default timer slack of 250 ms. Requests queued one after another, as an
 * import's pages are, each reach the stand-in within a few milliseconds;
 * the median must stay far under the quarter second (a loose bound: this
 * catches the idle wait, the benchmark measures the speed). */
static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

static void test_no_idle_before_request(void) {
        enum { N = 9 };
        sd_event *e;
        Http *h = make(&e, 0, 1000);
        uint64_t queued[N], waited[N];
        g_autofree char *u = url("/users/kino_tester/stats");
        g_free(control("requests/clear", "{}"));
        for (int i = 0; i < N; i++) {
                Result r = {};
                queued[i] = now_realtime_usec(); /* the stand-in logs arrivals on the same clock */
                g_assert_cmpint(http_request(h, HTTP_GET, u, NULL, NULL, 0, on_done, &r, NULL), ==, 0);
                /* Not run_until(): its 100 ms wakeups would cut the wait short. */
                for (int k = 0; k < 30 && r.calls == 0; k++)
                        g_assert_cmpint(sd_event_run(e, USEC_PER_SEC), >=, 0);
                g_assert_cmpint(r.status, ==, 200);
                g_free(r.error);
        }
        g_autofree char *log = control("requests", NULL);
        struct json_object *arr = json_tokener_parse(log);
        g_assert_cmpuint(json_object_array_length(arr), ==, N);
        for (size_t i = 0; i < N; i++) {
                struct json_object *t;
                g_assert_true(json_object_object_get_ex(json_object_array_get_idx(arr, i), "time", &t));
                uint64_t arrived = (uint64_t) (json_object_get_double(t) * 1e6);
                waited[i] = arrived > queued[i] ? arrived - queued[i] : 0;
        }
        json_object_put(arr);
        qsort(waited, N, sizeof waited[0], cmp_u64);
        g_test_message("queued -> at the stand-in: median %" PRIu64 " us, max %" PRIu64 " us", waited[N / 2], waited[N - 1]);
        g_assert_cmpuint(waited[N / 2], <, 100 * USEC_PER_MSEC);
        http_free(h);
        sd_event_unref(e);
}

static void test_cancel_and_many(void) {
        sd_event *e;
        Http *h = make(&e, 0, 1000);
        Result never = {}, r[20] = {};
        HttpRequest *req = NULL;
        g_autofree char *u = url("/users/kino_tester/stats");
        g_assert_cmpint(http_request(h, HTTP_GET, u, NULL, NULL, 0, on_done, &never, &req), ==, 0);
        http_request_cancel(req);
        for (int i = 0; i < 20; i++)
                g_assert_cmpint(http_request(h, HTTP_GET, u, NULL, NULL, 0, on_done, &r[i], NULL), ==, 0);
        run_until(e, r, 20, 60);
        for (int i = 0; i < 20; i++)
                g_assert_cmpint(r[i].status, ==, 200);
        g_assert_cmpint(never.calls, ==, 0);
        g_assert_cmpuint(http_pending(h), ==, 0);
        /* Freed with work queued: no callback, no leak. */
        g_assert_cmpint(http_request(h, HTTP_GET, u, NULL, NULL, 0, on_done, &never, NULL), ==, 0);
        http_free(h);
        g_assert_cmpint(never.calls, ==, 0);
        sd_event_unref(e);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        signal(SIGPIPE, SIG_IGN);
        curl_global_init(CURL_GLOBAL_DEFAULT);
        start_standin();
        g_test_add_func("/http/headers-and-json", test_headers_and_json);
        g_test_add_func("/http/private-user", test_private_user);
        g_test_add_func("/http/retry-then-ok", test_retry_then_ok);
        g_test_add_func("/http/no-retry", test_no_retry);
        g_test_add_func("/http/429-blocks-everything", test_429_blocks_everything);
        g_test_add_func("/http/bad-bodies", test_bad_bodies);
        g_test_add_func("/http/writes-spaced-and-in-order", test_writes_spaced_and_in_order);
        g_test_add_func("/http/cancel-and-many", test_cancel_and_many);
        g_test_add_func("/http/no-idle-before-request", test_no_idle_before_request);
        int r = g_test_run();
        kill(standin_pid, SIGTERM);
        waitpid(standin_pid, NULL, 0);
        curl_global_cleanup();
        return r;
}
