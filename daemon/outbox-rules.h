/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "categories.h"

/* The outbox's delivery rules (docs/trakt-api.md §3.2, §4, §5.2): what
 * Trakt's answer to a row means, how long a row waits, which categories
 * Trakt refuses for now, and the status dot. Pure: no loop, no database, no
 * context; outbox.c reads the answer, asks these rules and does what the
 * verdict says. tests/unit/test-outbox-rules.c holds every verdict. */

#define OUTBOX_BACKOFF_BASE_USEC (5 * 1000000ULL)
#define OUTBOX_BACKOFF_MAX_USEC (300 * 1000000ULL)
#define OUTBOX_HOLD_USEC (3600 * 1000000ULL) /* a refused category (420/426) or a locked account (423) is tried again hourly */

typedef enum OutboxVerdictKind {
        OUTBOX_READ_ANSWER,   /* 2xx, or 409 on a stop: the answer's content decides (outbox_rule_answer()) */
        OUTBOX_DELIVERED,     /* done: the row is sent */
        OUTBOX_RETRY,         /* kept: sent again after delay (a transient failure, an unreadable answer) */
        OUTBOX_BY_NUMBERS,    /* an episode Trakt did not find by id: sent again now by show and numbers */
        OUTBOX_TO_HISTORY,    /* a completed stop Trakt kept as a pause: becomes a history add, sent at once */
        OUTBOX_HOLD,          /* 420 / 426: the category waits; 423: every write waits (kept, tried hourly) */
        OUTBOX_UNAUTHORIZED,  /* 401, or 403 while not connected: kept until the account is back */
        OUTBOX_APP_REFUSED,   /* 403 while connected: the client id is refused; kept */
        OUTBOX_DROP,          /* 422 on a start or pause: Trakt's own rules, not a failure */
        OUTBOX_FAIL,          /* failed for good (404, other 4xx): kept as 'failed', said in LastError */
        _OUTBOX_VERDICT_MAX,
} OutboxVerdictKind;

typedef struct OutboxVerdict {
        OutboxVerdictKind kind;
        uint64_t delay;          /* RETRY, UNAUTHORIZED, APP_REFUSED, TO_HISTORY: µs until the next attempt */
        unsigned attempts;       /* the attempts count the row keeps (RETRY, BY_NUMBERS, TO_HISTORY, HOLD, UNAUTHORIZED, APP_REFUSED) */
        bool unreadable;         /* RETRY: the 2xx answer could not be read (it counts as no answer) */
        bool unmatched;          /* Trakt did not know (some of) the media: kept in the unmatched list */
        bool mark_pushed;        /* the local history row is on Trakt now (or never goes: FAIL) */
        int64_t trakt_history_id; /* with mark_pushed: Trakt's history id when it said it, else 0 */
        bool learn_media;        /* DELIVERED: Trakt's answer names the item fully, keep it in the history row */
        bool lock_account;       /* HOLD: the whole account (423), not one category */
        bool red;                /* HOLD: ScrobbleStatus turns failed (else LastError only) */
} OutboxVerdict;

/* What is known about the row and the answer's status line and headers. */
typedef struct OutboxFacts {
        const char *kind;            /* start, pause, stop, history_add, rating_set, … */
        long status;                 /* HTTP status; 0 = no answer */
        int64_t retry_after_sec;     /* Retry-After, -1 when absent */
        unsigned attempts;           /* this one included */
        bool connected;              /* State is connected */
        bool completed;              /* a stop that carries a completed watch (history_id > 0) */
        bool by_numbers_possible;    /* outbox_payload_by_numbers_possible() */
} OutboxFacts;

/* What a 2xx answer said, once parsed. */
typedef struct OutboxAnswer {
        bool parsed;                 /* the answer is what that endpoint returns */
        const char *action;          /* scrobbles: Trakt's action (start, pause, scrobble) */
        int64_t id;                  /* scrobbles: Trakt's id of the play */
        int64_t added;               /* sync writes: items added */
        size_t not_found;            /* sync writes: items Trakt did not know */
} OutboxAnswer;

bool outbox_kind_is_scrobble(const char *kind);
/* The category a kind belongs to: scrobble, history, ratings or collection. */
const char *outbox_kind_category(const char *kind);

/* The wait before attempt number attempts + 1: 5 s doubling, at most 300 s. */
uint64_t outbox_backoff(unsigned attempts);

/* The verdict on the answer's status (and headers). */
OutboxVerdict outbox_rule_status(const OutboxFacts *f);
/* The verdict on a READ_ANSWER's content: DELIVERED, RETRY (unreadable),
 * BY_NUMBERS or TO_HISTORY. */
OutboxVerdict outbox_rule_answer(const OutboxFacts *f, const OutboxAnswer *a);

const char *outbox_verdict_to_string(OutboxVerdictKind k);

/* The row's body flags (trakt-body.h) from its payload. */
unsigned outbox_payload_flags(struct json_object *payload);
/* Does the row's media include an episode that Trakt could find by its show
 * and numbers, where it was sent (and not found) by its id? */
bool outbox_payload_by_numbers_possible(struct json_object *payload);

/* ---- holds: what Trakt refuses for now ---- */

typedef struct OutboxHolds {
        uint64_t held_until[_KT_CATEGORY_MAX]; /* realtime µs; 0 = not held */
        uint64_t locked_until;                 /* the whole account (423) */
} OutboxHolds;

/* A HOLD verdict for category at now: until when. */
void outbox_holds_add(OutboxHolds *h, const OutboxVerdict *v, const char *category, uint64_t now);
/* Whether the rows of category wait; *ret_until (if not NULL) gets when to look again. */
bool outbox_holds_held(const OutboxHolds *h, const char *category, uint64_t now, uint64_t *ret_until);

/* LastError's sentence for a hold (420 with X-Account-Limit, 423, 426 with
 * X-Upgrade-URL when it is a plausible https address). */
void outbox_hold_sentence(char *buf, size_t n, long status, const char *category, const char *account_limit,
                          const char *upgrade_url, unsigned pending);

/* ScrobbleStatus: failed, idle, rate-limited or active. */
const char *outbox_status_name(bool expired, bool failed, unsigned pending, unsigned sessions, bool rate_limited);
