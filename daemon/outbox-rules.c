/* SPDX-License-Identifier: MIT */
#include <stdio.h>
#include <string.h>

#include "outbox-rules.h"
#include "trakt-body.h"
#include "util.h"

bool outbox_kind_is_scrobble(const char *kind) {
        return kind && (streq(kind, "start") || streq(kind, "pause") || streq(kind, "stop"));
}

const char *outbox_kind_category(const char *kind) {
        if (outbox_kind_is_scrobble(kind))
                return "scrobble";
        if (kind && streq(kind, "history_add"))
                return "history";
        if (kind && startswith(kind, "rating_"))
                return "ratings";
        return "collection";
}

uint64_t outbox_backoff(unsigned attempts) {
        uint64_t d = OUTBOX_BACKOFF_BASE_USEC;
        for (unsigned i = 1; i < attempts && d < OUTBOX_BACKOFF_MAX_USEC; i++)
                d *= 2;
        return d > OUTBOX_BACKOFF_MAX_USEC ? OUTBOX_BACKOFF_MAX_USEC : d;
}

static OutboxVerdict verdict(OutboxVerdictKind kind, unsigned attempts, uint64_t delay) {
        return (OutboxVerdict) { .kind = kind, .attempts = attempts, .delay = delay };
}

/* Not sent: the next attempt needs no look-up for this one. */
static unsigned not_sent(unsigned attempts) {
        return attempts > 0 ? attempts - 1 : 0;
}

OutboxVerdict outbox_rule_status(const OutboxFacts *f) {
        long s = f->status;
        const char *kind = f->kind ?: "";

        if ((s >= 200 && s < 300) || (s == 409 && streq(kind, "stop")))
                return verdict(OUTBOX_READ_ANSWER, f->attempts, 0);
        /* trakt-client refreshed once already; when that failed State is expired. */
        if (s == 401 || (s == 403 && !f->connected))
                return verdict(OUTBOX_UNAUTHORIZED, f->attempts, OUTBOX_BACKOFF_MAX_USEC);
        if (s == 403)
                return verdict(OUTBOX_APP_REFUSED, f->attempts, OUTBOX_BACKOFF_MAX_USEC);
        if (s == 420 || s == 423 || s == 426) {
                OutboxVerdict v = verdict(OUTBOX_HOLD, not_sent(f->attempts), 0);
                const char *category = outbox_kind_category(kind);
                v.lock_account = s == 423;
                /* The dot turns red when scrobbling itself is held; a held rating or
                 * collection change is said in LastError only. */
                v.red = s == 423 || streq(category, "scrobble") || streq(category, "history");
                return v;
        }
        if (s == 0 || s == 408 || s == 429 || s >= 500) {
                uint64_t delay = outbox_backoff(f->attempts);
                if (s == 429 && f->retry_after_sec >= 0)
                        delay = (uint64_t) f->retry_after_sec * USEC_PER_SEC;
                return verdict(OUTBOX_RETRY, f->attempts, delay);
        }
        if (s == 404 && f->by_numbers_possible)
                return verdict(OUTBOX_BY_NUMBERS, not_sent(f->attempts), 0);
        /* A start or pause Trakt refuses by its own rules (§4.2) is not a failure
         * of ours: the next event of the playback says where it is. */
        if (s == 422 && outbox_kind_is_scrobble(kind) && !streq(kind, "stop"))
                return verdict(OUTBOX_DROP, f->attempts, 0);

        OutboxVerdict v = verdict(OUTBOX_FAIL, f->attempts, 0);
        v.unmatched = s == 404;
        /* No import sends a watch that failed for good either. */
        v.mark_pushed = streq(kind, "stop") || streq(kind, "history_add");
        return v;
}

static OutboxVerdict unreadable(const OutboxFacts *f) {
        OutboxVerdict v = verdict(OUTBOX_RETRY, f->attempts, outbox_backoff(f->attempts));
        v.unreadable = true;
        return v;
}

OutboxVerdict outbox_rule_answer(const OutboxFacts *f, const OutboxAnswer *a) {
        const char *kind = f->kind ?: "";

        if (outbox_kind_is_scrobble(kind)) {
                /* 409 on a stop: Trakt has it already; the answer carries no scrobble. */
                bool conflict = f->status == 409;
                bool completed = streq(kind, "stop") && f->completed;
                if (!conflict && !a->parsed)
                        return unreadable(f);
                if (completed && !conflict && a->action && streq(a->action, "pause"))
                        /* Trakt kept it as a pause (it scrobbles only above 80 %): this
                         * machine counted a watch, so it goes to the history with the time
                         * it happened, looked for there first. */
                        return verdict(OUTBOX_TO_HISTORY, f->attempts > 0 ? f->attempts : 1, 0);
                OutboxVerdict v = verdict(OUTBOX_DELIVERED, f->attempts, 0);
                if (completed) {
                        v.mark_pushed = true;
                        v.trakt_history_id = !conflict && a->id > 0 ? a->id : 0;
                        v.learn_media = !conflict;
                }
                return v;
        }

        if (!a->parsed)
                return unreadable(f);
        if (a->not_found > 0 && f->by_numbers_possible)
                return verdict(OUTBOX_BY_NUMBERS, not_sent(f->attempts), 0);
        OutboxVerdict v = verdict(OUTBOX_DELIVERED, f->attempts, 0);
        v.unmatched = a->not_found > 0;
        if (streq(kind, "history_add")) {
                /* Nothing added and nothing unknown: the answer got lost on the
                 * way; the play may be on Trakt, so it is looked for before a re-add. */
                if (a->added <= 0 && a->not_found == 0)
                        return unreadable(f);
                v.mark_pushed = true;
        }
        return v;
}

const char *outbox_verdict_to_string(OutboxVerdictKind k) {
        static const char *const names[] = { "read-answer", "delivered", "retry", "by-numbers", "to-history",
                                             "hold", "unauthorized", "app-refused", "drop", "fail" };
        return (size_t) k < ELEMENTSOF(names) ? names[k] : "?";
}

static struct json_object *payload_media(struct json_object *p) {
        struct json_object *v;
        return json_object_object_get_ex(p, "media", &v) ? v : NULL;
}

unsigned outbox_payload_flags(struct json_object *payload) {
        struct json_object *v;
        return json_object_object_get_ex(payload, "by_numbers", &v) && json_object_get_boolean(v) ? TRAKT_BODY_BY_NUMBERS : 0;
}

bool outbox_payload_by_numbers_possible(struct json_object *payload) {
        struct json_object *items;
        if (outbox_payload_flags(payload) & TRAKT_BODY_BY_NUMBERS)
                return false; /* once only */
        if (!json_object_object_get_ex(payload, "items", &items)) {
                struct json_object *w = payload_media(payload);
                return trakt_wrapper_episode_by_id(w) && trakt_wrapper_episode_by_numbers(w);
        }
        for (size_t i = 0; json_object_is_type(items, json_type_array) && i < json_object_array_length(items); i++) {
                struct json_object *w = payload_media(json_object_array_get_idx(items, i));
                if (trakt_wrapper_episode_by_id(w) && trakt_wrapper_episode_by_numbers(w))
                        return true;
        }
        return false;
}

/* ---- holds ---- */

void outbox_holds_add(OutboxHolds *h, const OutboxVerdict *v, const char *category, uint64_t now) {
        uint64_t until = now + OUTBOX_HOLD_USEC;
        int i = kt_category_from_string(category);
        if (v->lock_account)
                h->locked_until = until;
        else if (i >= 0)
                h->held_until[i] = until;
}

bool outbox_holds_held(const OutboxHolds *h, const char *category, uint64_t now, uint64_t *ret_until) {
        int i = kt_category_from_string(category);
        uint64_t until = h->locked_until;
        if (i >= 0 && h->held_until[i] > until)
                until = h->held_until[i];
        if (ret_until)
                *ret_until = until;
        return until > now;
}

static const char *category_words(const char *category) {
        if (streq(category, "scrobble") || streq(category, "history"))
                return "plays";
        if (streq(category, "ratings"))
                return "ratings";
        return "collected titles";
}

void outbox_hold_sentence(char *buf, size_t n, long status, const char *category, const char *account_limit,
                          const char *upgrade_url, unsigned pending) {
        char upgrade[256] = "";

        if (upgrade_url && strlen(upgrade_url) < 200 && startswith(upgrade_url, "https://"))
                snprintf(upgrade, sizeof upgrade, " (%s)", upgrade_url);
        if (status == 423)
                snprintf(buf, n,
                         "Trakt says this account is locked or deactivated (HTTP 423): nothing is sent until it is unlocked; "
                         "contact Trakt support. %u event(s) are kept.", pending);
        else if (status == 420 && account_limit && strlen(account_limit) < 64)
                snprintf(buf, n,
                         "Trakt refused more %s: this account's limit of %s is reached (HTTP 420). They are kept and "
                         "sent once there is room; remove some on trakt.tv or upgrade to VIP%s.",
                         category_words(category), account_limit, upgrade);
        else if (status == 420)
                snprintf(buf, n,
                         "Trakt refused more %s: this account's limit is reached (HTTP 420). They are kept and sent "
                         "once there is room; remove some on trakt.tv or upgrade to VIP%s.",
                         category_words(category), upgrade);
        else
                snprintf(buf, n,
                         "Trakt takes %s from this app only for VIP accounts (HTTP 426); they are kept. Upgrade to VIP%s "
                         "or turn %s sync off.",
                         category_words(category), upgrade, category);
}

const char *outbox_status_name(bool expired, bool failed, unsigned pending, unsigned sessions, bool rate_limited) {
        if (expired && pending > 0)
                return "failed";
        if (failed)
                return "failed";
        if (pending == 0 && sessions == 0)
                return "idle";
        if (rate_limited)
                return "rate-limited";
        return "active";
}
