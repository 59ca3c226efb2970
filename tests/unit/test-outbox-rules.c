/* SPDX-License-Identifier: MIT */
/* The outbox's delivery rules (daemon/outbox-rules.c): every verdict on
 * Trakt's answer to a row, the backoff and its cap, the holds (420, 423,
 * 426) with their sentences, and the status dot. */
#include <glib.h>
#include <string.h>

#include "outbox-rules.h"

#define S 1000000ULL

static OutboxFacts row(const char *kind, long status) {
        return (OutboxFacts) { .kind = kind, .status = status, .retry_after_sec = -1, .attempts = 1, .connected = true };
}

static OutboxVerdict status(const OutboxFacts *f) {
        return outbox_rule_status(f);
}

#define assert_kind(v, k)                                                                                              \
        do {                                                                                                            \
                OutboxVerdictKind got_ = (v).kind;                                                                     \
                if (got_ != (k))                                                                                        \
                        g_error("%s:%d: verdict %s, not %s", __FILE__, __LINE__, outbox_verdict_to_string(got_),         \
                                outbox_verdict_to_string(k));                                                           \
        } while (0)

/* ---- the status line ---- */

static void test_success(void) {
        const char *kinds[] = { "start", "pause", "stop", "history_add", "rating_set", "rating_remove", "collection_add",
                                "collection_remove" };
        for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++)
                for (long s = 200; s < 300; s += 99) {
                        OutboxFacts f = row(kinds[i], s);
                        assert_kind(status(&f), OUTBOX_READ_ANSWER);
                }
}

/* 409 on a stop: Trakt has it already (success); on anything else a refusal. */
static void test_conflict(void) {
        OutboxFacts f = row("stop", 409);
        assert_kind(status(&f), OUTBOX_READ_ANSWER);
        f = row("start", 409);
        assert_kind(status(&f), OUTBOX_FAIL);
        f = row("history_add", 409);
        OutboxVerdict v = status(&f);
        assert_kind(v, OUTBOX_FAIL);
        g_assert_true(v.mark_pushed);
        g_assert_false(v.unmatched);
}

static void test_unauthorized(void) {
        OutboxFacts f = row("stop", 401);
        OutboxVerdict v = status(&f);
        assert_kind(v, OUTBOX_UNAUTHORIZED);
        g_assert_cmpuint(v.delay, ==, 300 * S);
        g_assert_cmpuint(v.attempts, ==, 1);
        f = row("rating_set", 403);
        f.connected = false; /* the refresh failed: the token is the problem */
        assert_kind(status(&f), OUTBOX_UNAUTHORIZED);
        f.connected = true; /* connected and still 403: the application is refused */
        v = status(&f);
        assert_kind(v, OUTBOX_APP_REFUSED);
        g_assert_cmpuint(v.delay, ==, 300 * S);
}

/* 420 and 426 hold the category, 423 the account; the row was not taken,
 * so its attempt does not count (no look-up before the next one). */
static void test_holds(void) {
        OutboxFacts f = row("rating_set", 420);
        f.attempts = 3;
        OutboxVerdict v = status(&f);
        assert_kind(v, OUTBOX_HOLD);
        g_assert_cmpuint(v.attempts, ==, 2);
        g_assert_false(v.lock_account);
        g_assert_false(v.red); /* a held rating is said in LastError only */

        f = row("collection_add", 426);
        v = status(&f);
        assert_kind(v, OUTBOX_HOLD);
        g_assert_cmpuint(v.attempts, ==, 0);
        g_assert_false(v.red);

        f = row("stop", 420);
        g_assert_true(status(&f).red);
        f = row("history_add", 426);
        g_assert_true(status(&f).red);

        f = row("collection_remove", 423);
        f.attempts = 0;
        v = status(&f);
        assert_kind(v, OUTBOX_HOLD);
        g_assert_true(v.lock_account);
        g_assert_true(v.red);
        g_assert_cmpuint(v.attempts, ==, 0);
}

static void test_hold_times(void) {
        OutboxHolds h = {};
        uint64_t now = 1000 * S, until = 0;
        OutboxFacts f = row("rating_set", 420);
        OutboxVerdict v = status(&f);

        g_assert_false(outbox_holds_held(&h, "ratings", now, &until));
        g_assert_cmpuint(until, ==, 0);
        outbox_holds_add(&h, &v, "ratings", now);
        g_assert_true(outbox_holds_held(&h, "ratings", now, &until));
        g_assert_cmpuint(until, ==, now + 3600 * S); /* tried again hourly */
        g_assert_true(outbox_holds_held(&h, "ratings", now + 3600 * S - 1, NULL));
        g_assert_false(outbox_holds_held(&h, "ratings", now + 3600 * S, NULL));
        /* The others go on. */
        g_assert_false(outbox_holds_held(&h, "scrobble", now, NULL));
        g_assert_false(outbox_holds_held(&h, "collection", now, NULL));

        /* 423 holds every category, until the later of the two. */
        f = row("stop", 423);
        v = status(&f);
        outbox_holds_add(&h, &v, "scrobble", now + 10 * S);
        g_assert_true(outbox_holds_held(&h, "collection", now + 10 * S, &until));
        g_assert_cmpuint(until, ==, now + 3610 * S);
        g_assert_true(outbox_holds_held(&h, "ratings", now + 10 * S, &until));
        g_assert_cmpuint(until, ==, now + 3610 * S);
        g_assert_true(outbox_holds_held(&h, "nonsense", now + 10 * S, NULL));
}

static void test_hold_sentences(void) {
        char b[512];

        outbox_hold_sentence(b, sizeof b, 420, "ratings", "1000", "https://trakt.tv/vip", 3);
        g_assert_cmpstr(b, ==, "Trakt refused more ratings: this account's limit of 1000 is reached (HTTP 420). They are kept and "
                               "sent once there is room; remove some on trakt.tv or upgrade to VIP (https://trakt.tv/vip).");
        outbox_hold_sentence(b, sizeof b, 420, "collection", NULL, NULL, 3);
        g_assert_cmpstr(b, ==, "Trakt refused more collected titles: this account's limit is reached (HTTP 420). They are kept and "
                               "sent once there is room; remove some on trakt.tv or upgrade to VIP.");
        /* A limit or an address that does not look like one is left out. */
        char long_limit[80];
        memset(long_limit, '9', sizeof long_limit - 1);
        long_limit[sizeof long_limit - 1] = 0;
        outbox_hold_sentence(b, sizeof b, 420, "history", long_limit, "http://trakt.tv/vip", 0);
        g_assert_cmpstr(b, ==, "Trakt refused more plays: this account's limit is reached (HTTP 420). They are kept and "
                               "sent once there is room; remove some on trakt.tv or upgrade to VIP.");
        outbox_hold_sentence(b, sizeof b, 426, "scrobble", NULL, "https://trakt.tv/vip", 0);
        g_assert_cmpstr(b, ==, "Trakt takes plays from this app only for VIP accounts (HTTP 426); they are kept. Upgrade to VIP "
                               "(https://trakt.tv/vip) or turn scrobble sync off.");
        outbox_hold_sentence(b, sizeof b, 423, "ratings", "5", "https://trakt.tv/vip", 7);
        g_assert_cmpstr(b, ==, "Trakt says this account is locked or deactivated (HTTP 423): nothing is sent until it is "
                               "unlocked; contact Trakt support. 7 event(s) are kept.");
}

/* No answer, 408, 429, 5xx: back off and retry; Retry-After wins on a 429. */
static void test_transient(void) {
        long transient[] = { 0, 408, 429, 500, 502, 503, 504, 520, 599 };
        for (size_t i = 0; i < G_N_ELEMENTS(transient); i++) {
                OutboxFacts f = row("history_add", transient[i]);
                f.attempts = 2;
                OutboxVerdict v = status(&f);
                assert_kind(v, OUTBOX_RETRY);
                g_assert_cmpuint(v.delay, ==, 10 * S);
                g_assert_cmpuint(v.attempts, ==, 2);
                g_assert_false(v.unreadable);
        }
        OutboxFacts f = row("start", 429);
        f.retry_after_sec = 42;
        g_assert_cmpuint(status(&f).delay, ==, 42 * S);
        f.retry_after_sec = 0;
        g_assert_cmpuint(status(&f).delay, ==, 0);
        f.retry_after_sec = -1; /* absent */
        g_assert_cmpuint(status(&f).delay, ==, 5 * S);
        f = row("start", 503);
        f.retry_after_sec = 42; /* only a 429's Retry-After is taken */
        g_assert_cmpuint(status(&f).delay, ==, 5 * S);
}

static void test_backoff(void) {
        g_assert_cmpuint(outbox_backoff(0), ==, 5 * S);
        g_assert_cmpuint(outbox_backoff(1), ==, 5 * S);
        g_assert_cmpuint(outbox_backoff(2), ==, 10 * S);
        g_assert_cmpuint(outbox_backoff(3), ==, 20 * S);
        g_assert_cmpuint(outbox_backoff(4), ==, 40 * S);
        g_assert_cmpuint(outbox_backoff(5), ==, 80 * S);
        g_assert_cmpuint(outbox_backoff(6), ==, 160 * S);
        g_assert_cmpuint(outbox_backoff(7), ==, 300 * S); /* capped */
        g_assert_cmpuint(outbox_backoff(8), ==, 300 * S);
        g_assert_cmpuint(outbox_backoff(1000), ==, 300 * S);
        g_assert_cmpuint(outbox_backoff(UINT_MAX), ==, 300 * S);
}

/* 404: an episode sent by id that its show and numbers could name goes
 * again that way (once); anything else Trakt does not know fails the row. */
static void test_not_found(void) {
        OutboxFacts f = row("stop", 404);
        f.attempts = 2;
        f.by_numbers_possible = true;
        OutboxVerdict v = status(&f);
        assert_kind(v, OUTBOX_BY_NUMBERS);
        g_assert_cmpuint(v.attempts, ==, 1);

        f.by_numbers_possible = false;
        f.completed = true;
        v = status(&f);
        assert_kind(v, OUTBOX_FAIL);
        g_assert_true(v.unmatched);
        g_assert_true(v.mark_pushed); /* no import sends it either */
        g_assert_cmpint(v.trakt_history_id, ==, 0);

        f = row("rating_set", 404);
        v = status(&f);
        assert_kind(v, OUTBOX_FAIL);
        g_assert_true(v.unmatched);
        g_assert_false(v.mark_pushed);
}

/* 422 on a start or pause: Trakt's own rules, dropped; on a stop or a sync
 * write, a failure. Other 4xx fail. */
static void test_refused(void) {
        OutboxFacts f = row("start", 422);
        assert_kind(status(&f), OUTBOX_DROP);
        f = row("pause", 422);
        assert_kind(status(&f), OUTBOX_DROP);
        f = row("stop", 422);
        OutboxVerdict v = status(&f);
        assert_kind(v, OUTBOX_FAIL);
        g_assert_false(v.unmatched);
        g_assert_true(v.mark_pushed);
        f = row("rating_set", 422);
        assert_kind(status(&f), OUTBOX_FAIL);
        long other[] = { 400, 405, 412, 418 };
        for (size_t i = 0; i < G_N_ELEMENTS(other); i++) {
                f = row("collection_add", other[i]);
                v = status(&f);
                assert_kind(v, OUTBOX_FAIL);
                g_assert_false(v.mark_pushed);
        }
        f = row("collection_add", 404);
        f.by_numbers_possible = true; /* the payload says so; 404 on any kind */
        assert_kind(status(&f), OUTBOX_BY_NUMBERS);
}

/* ---- the answer's content ---- */

static void test_scrobble_answers(void) {
        OutboxFacts f = row("start", 201);
        OutboxAnswer a = { .parsed = true, .action = "start", .id = 0 };
        OutboxVerdict v = outbox_rule_answer(&f, &a);
        assert_kind(v, OUTBOX_DELIVERED);
        g_assert_false(v.mark_pushed);

        /* A completed watch: Trakt scrobbled it; its history row is on Trakt. */
        f = row("stop", 201);
        f.completed = true;
        a = (OutboxAnswer) { .parsed = true, .action = "scrobble", .id = 9876 };
        v = outbox_rule_answer(&f, &a);
        assert_kind(v, OUTBOX_DELIVERED);
        g_assert_true(v.mark_pushed);
        g_assert_cmpint(v.trakt_history_id, ==, 9876);
        g_assert_true(v.learn_media);

        /* A stop below the threshold (a resume point) that Trakt keeps as a pause: done. */
        f.completed = false;
        a.action = "pause";
        v = outbox_rule_answer(&f, &a);
        assert_kind(v, OUTBOX_DELIVERED);
        g_assert_false(v.mark_pushed);
}

/* A 2xx with a pause action for a completed watch: Trakt did not count it,
 * so it goes to the history with its real time. */
static void test_completed_kept_as_pause(void) {
        OutboxFacts f = row("stop", 201);
        f.completed = true;
        OutboxAnswer a = { .parsed = true, .action = "pause", .id = 5 };
        OutboxVerdict v = outbox_rule_answer(&f, &a);
        assert_kind(v, OUTBOX_TO_HISTORY);
        g_assert_cmpuint(v.delay, ==, 0);
        g_assert_cmpuint(v.attempts, ==, 1); /* counted: the history add looks before it adds */
        f.attempts = 3;
        g_assert_cmpuint(outbox_rule_answer(&f, &a).attempts, ==, 3);
        f.attempts = 0;
        g_assert_cmpuint(outbox_rule_answer(&f, &a).attempts, ==, 1);
}

/* 409 on a completed stop: Trakt has it; no answer to read, no id to keep. */
static void test_conflict_answer(void) {
        OutboxFacts f = row("stop", 409);
        f.completed = true;
        OutboxAnswer a = { .parsed = false };
        OutboxVerdict v = outbox_rule_answer(&f, &a);
        assert_kind(v, OUTBOX_DELIVERED);
        g_assert_true(v.mark_pushed);
        g_assert_cmpint(v.trakt_history_id, ==, 0);
        g_assert_false(v.learn_media);
        /* Even with a pause in it. */
        a = (OutboxAnswer) { .parsed = true, .action = "pause", .id = 5 };
        v = outbox_rule_answer(&f, &a);
        assert_kind(v, OUTBOX_DELIVERED);
        g_assert_cmpint(v.trakt_history_id, ==, 0);
}

/* A 2xx that is not what the endpoint returns counts as no answer. */
static void test_unreadable(void) {
        const char *kinds[] = { "start", "pause", "stop", "history_add", "rating_set", "collection_add" };
        for (size_t i = 0; i < G_N_ELEMENTS(kinds); i++) {
                OutboxFacts f = row(kinds[i], 200);
                f.attempts = 3;
                OutboxAnswer a = { .parsed = false };
                OutboxVerdict v = outbox_rule_answer(&f, &a);
                assert_kind(v, OUTBOX_RETRY);
                g_assert_true(v.unreadable);
                g_assert_cmpuint(v.delay, ==, 20 * S);
                g_assert_cmpuint(v.attempts, ==, 3);
        }
}

/* A history add whose answer says nothing was added and nothing was
 * unknown: the answer got lost; looked for before it is added again. */
static void test_lost_history_add(void) {
        OutboxFacts f = row("history_add", 201);
        OutboxAnswer a = { .parsed = true, .added = 0, .not_found = 0 };
        OutboxVerdict v = outbox_rule_answer(&f, &a);
        assert_kind(v, OUTBOX_RETRY);
        g_assert_true(v.unreadable);
        g_assert_cmpuint(v.attempts, ==, 1); /* > 0: the next attempt looks first */

        a.added = 1;
        v = outbox_rule_answer(&f, &a);
        assert_kind(v, OUTBOX_DELIVERED);
        g_assert_true(v.mark_pushed);
        g_assert_cmpint(v.trakt_history_id, ==, 0);

        /* Unknown to Trakt: done, kept among the unmatched. */
        a = (OutboxAnswer) { .parsed = true, .added = 0, .not_found = 1 };
        v = outbox_rule_answer(&f, &a);
        assert_kind(v, OUTBOX_DELIVERED);
        g_assert_true(v.unmatched);
        g_assert_true(v.mark_pushed);

        /* A rating or collection write with nothing added is done. */
        f = row("rating_set", 201);
        a = (OutboxAnswer) { .parsed = true };
        v = outbox_rule_answer(&f, &a);
        assert_kind(v, OUTBOX_DELIVERED);
        g_assert_false(v.mark_pushed);
        g_assert_false(v.unmatched);
}

static void test_not_found_in_answer(void) {
        OutboxFacts f = row("collection_add", 201);
        f.attempts = 1;
        f.by_numbers_possible = true;
        OutboxAnswer a = { .parsed = true, .added = 2, .not_found = 1 };
        OutboxVerdict v = outbox_rule_answer(&f, &a);
        assert_kind(v, OUTBOX_BY_NUMBERS);
        g_assert_cmpuint(v.attempts, ==, 0);
        f.by_numbers_possible = false;
        v = outbox_rule_answer(&f, &a);
        assert_kind(v, OUTBOX_DELIVERED);
        g_assert_true(v.unmatched);
}

/* ---- payloads ---- */

static struct json_object *parse(const char *text) {
        struct json_object *o = json_tokener_parse(text);
        g_assert_nonnull(o);
        return o;
}

#define EP_BY_ID_AND_NUMBERS                                                                                          \
        "{\"type\":\"episode\",\"episode\":{\"season\":1,\"number\":2,\"ids\":{\"trakt\":73640}},"                    \
        "\"show\":{\"title\":\"Show\",\"ids\":{\"trakt\":1390}}}"

static void test_by_numbers_possible(void) {
        struct json_object *p = parse("{\"media\":" EP_BY_ID_AND_NUMBERS ",\"progress\":90}");
        g_assert_true(outbox_payload_by_numbers_possible(p));
        g_assert_cmpuint(outbox_payload_flags(p), ==, 0);
        json_object_put(p);

        /* Once only: already sent by numbers. */
        p = parse("{\"media\":" EP_BY_ID_AND_NUMBERS ",\"by_numbers\":true}");
        g_assert_false(outbox_payload_by_numbers_possible(p));
        g_assert_cmpuint(outbox_payload_flags(p), !=, 0);
        json_object_put(p);

        /* No show: nothing else names it. */
        p = parse("{\"media\":{\"type\":\"episode\",\"episode\":{\"season\":1,\"number\":2,\"ids\":{\"trakt\":73640}}}}");
        g_assert_false(outbox_payload_by_numbers_possible(p));
        json_object_put(p);

        /* No episode id: it went by numbers already. */
        p = parse("{\"media\":{\"type\":\"episode\",\"episode\":{\"season\":1,\"number\":2},"
                  "\"show\":{\"title\":\"Show\",\"ids\":{\"trakt\":1390}}}}");
        g_assert_false(outbox_payload_by_numbers_possible(p));
        json_object_put(p);

        /* A movie never. */
        p = parse("{\"media\":{\"type\":\"movie\",\"movie\":{\"title\":\"M\",\"ids\":{\"trakt\":1}}}}");
        g_assert_false(outbox_payload_by_numbers_possible(p));
        json_object_put(p);

        /* A collection batch: one episode that can is enough. */
        p = parse("{\"items\":[{\"media\":{\"type\":\"movie\",\"movie\":{\"ids\":{\"trakt\":1}}}},{\"media\":" EP_BY_ID_AND_NUMBERS
                  "}]}");
        g_assert_true(outbox_payload_by_numbers_possible(p));
        json_object_put(p);
        p = parse("{\"items\":[{\"media\":{\"type\":\"movie\",\"movie\":{\"ids\":{\"trakt\":1}}}}]}");
        g_assert_false(outbox_payload_by_numbers_possible(p));
        json_object_put(p);
        p = parse("{\"items\":{}}");
        g_assert_false(outbox_payload_by_numbers_possible(p));
        json_object_put(p);
}

static void test_kinds(void) {
        g_assert_cmpstr(outbox_kind_category("start"), ==, "scrobble");
        g_assert_cmpstr(outbox_kind_category("pause"), ==, "scrobble");
        g_assert_cmpstr(outbox_kind_category("stop"), ==, "scrobble");
        g_assert_cmpstr(outbox_kind_category("history_add"), ==, "history");
        g_assert_cmpstr(outbox_kind_category("rating_set"), ==, "ratings");
        g_assert_cmpstr(outbox_kind_category("rating_remove"), ==, "ratings");
        g_assert_cmpstr(outbox_kind_category("collection_add"), ==, "collection");
        g_assert_cmpstr(outbox_kind_category("collection_remove"), ==, "collection");
        g_assert_true(outbox_kind_is_scrobble("stop"));
        g_assert_false(outbox_kind_is_scrobble("history_add"));
        g_assert_false(outbox_kind_is_scrobble(NULL));
}

/* ScrobbleStatus: failed wins, then idle, then rate-limited, else active. */
static void test_status_name(void) {
        g_assert_cmpstr(outbox_status_name(false, false, 0, 0, false), ==, "idle");
        g_assert_cmpstr(outbox_status_name(false, false, 0, 0, true), ==, "idle");
        g_assert_cmpstr(outbox_status_name(false, false, 1, 0, false), ==, "active");
        g_assert_cmpstr(outbox_status_name(false, false, 0, 1, false), ==, "active");
        g_assert_cmpstr(outbox_status_name(false, false, 0, 1, true), ==, "rate-limited");
        g_assert_cmpstr(outbox_status_name(false, true, 0, 0, false), ==, "failed");
        g_assert_cmpstr(outbox_status_name(true, false, 2, 0, true), ==, "failed");
        g_assert_cmpstr(outbox_status_name(true, false, 0, 0, false), ==, "idle"); /* expired with nothing waiting */
        g_assert_cmpstr(outbox_status_name(true, false, 0, 1, false), ==, "active");
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/outbox-rules/success", test_success);
        g_test_add_func("/outbox-rules/conflict", test_conflict);
        g_test_add_func("/outbox-rules/unauthorized", test_unauthorized);
        g_test_add_func("/outbox-rules/holds", test_holds);
        g_test_add_func("/outbox-rules/hold-times", test_hold_times);
        g_test_add_func("/outbox-rules/hold-sentences", test_hold_sentences);
        g_test_add_func("/outbox-rules/transient", test_transient);
        g_test_add_func("/outbox-rules/backoff", test_backoff);
        g_test_add_func("/outbox-rules/not-found", test_not_found);
        g_test_add_func("/outbox-rules/refused", test_refused);
        g_test_add_func("/outbox-rules/scrobble-answers", test_scrobble_answers);
        g_test_add_func("/outbox-rules/completed-kept-as-pause", test_completed_kept_as_pause);
        g_test_add_func("/outbox-rules/conflict-answer", test_conflict_answer);
        g_test_add_func("/outbox-rules/unreadable", test_unreadable);
        g_test_add_func("/outbox-rules/lost-history-add", test_lost_history_add);
        g_test_add_func("/outbox-rules/not-found-in-answer", test_not_found_in_answer);
        g_test_add_func("/outbox-rules/by-numbers-possible", test_by_numbers_possible);
        g_test_add_func("/outbox-rules/kinds", test_kinds);
        g_test_add_func("/outbox-rules/status-name", test_status_name);
        return g_test_run();
}
