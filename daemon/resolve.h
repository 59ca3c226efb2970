/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "context.h"
#include "trakt-media.h"

/* Media named by title (docs/dbus-api.md, version 2, "Naming media by title").
 *
 * A movie or show named by its title (and year), or an episode named by its
 * show's title (and year) and numbers, with no ids at all, is a *name*.
 * Trakt's ids for a name are looked up here, asynchronously, one request at
 * a time through the shared rate governor (GET budget), and only while the
 * account is connected:
 *   movie, show   GET /search/{movie|show}?query=Q&limit=10[&years=Y-1-Y+1],
 *                 the result chosen by title_pick() (title.h);
 *   episode       its show as above, then GET /shows/{trakt}/seasons/{s}/episodes/{e}.
 * Every answer is kept in the state database (table title_cache): what
 * Trakt found for 30 days, a miss (no result of that title, an episode the
 * show does not have) for a day, so a title Trakt does not know is not
 * searched again sooner. A failure of the network or of Trakt is not an
 * answer: the look-up is tried again (5 s, doubling to 5 minutes).
 *
 * Nothing here is asked on the bus path: callers read the cache
 * (resolve_cached, resolve_fill) and ask for a look-up (resolve_want); an
 * answer is announced with context_names_resolved(), which main.c wires to
 * the outbox (events about a name wait there until it is resolved, then go
 * with the ids, or are dropped when Trakt does not know it) and to the
 * sessions (Media, Problem). A look-up is made only while something still
 * wants it: a waiting outbox row, or a session playing the name that is not
 * incognito (context_session_wants_lookup()). A search tells Trakt the
 * title, so nothing about an incognito session is ever searched. */

typedef enum ResolveState {
        RESOLVE_NAMED,     /* the media names itself by ids: nothing to look up */
        RESOLVE_FOUND,     /* Trakt's item is known */
        RESOLVE_NOT_FOUND, /* Trakt does not know it (a miss younger than a day) */
        RESOLVE_UNKNOWN,   /* not looked up yet, or too long ago */
} ResolveState;

/* Whether m is a name (no ids of its own, nor of its show for an episode). */
bool resolve_is_name(const TraktMedia *m);

/* What the cache says about m. RESOLVE_FOUND fills *ret_found (may be NULL)
 * with Trakt's item: its ids and canonical title (for an episode: the
 * episode's ids and numbers, its show's title, year and ids);
 * RESOLVE_NOT_FOUND fills *ret_problem (may be NULL) with one sentence
 * saying which title Trakt does not know. */
ResolveState resolve_cached(Context *c, const TraktMedia *m, TraktMedia *ret_found, char **ret_problem);

/* A name found in the cache becomes Trakt's item: with keep_name, only the
 * ids are added and the title stays as given (for look-ups of what was
 * stored under either). Anything else is left as it is. 0 or -ENOMEM. */
int resolve_fill(Context *c, TraktMedia *m, bool keep_name);

/* Ask for m to be looked up (nothing when it is no name or the cache
 * answers). row: the outbox row that waits for it, 0 for a session. */
void resolve_want(Context *c, const TraktMedia *m, int64_t row);

/* The outbox row's payload ({"media": wrapper} or {"items": [{"media"}…]})
 * with its names resolved from the cache:
 *   PAYLOAD_READY  nothing to resolve, or every name found: the payload now
 *                  carries Trakt's items (*ret_changed set when it was
 *                  rewritten; what was stored locally under the name is
 *                  moved to the item's key);
 *   PAYLOAD_WAIT   a name is not known yet: a look-up is asked for (row);
 *   PAYLOAD_DROP   Trakt does not know it (every item of a batch): nothing
 *                  to send. Items of a batch Trakt does not know are taken
 *                  out and the rest is READY. */
typedef enum PayloadState {
        PAYLOAD_READY,
        PAYLOAD_WAIT,
        PAYLOAD_DROP,
} PayloadState;
PayloadState resolve_payload(Context *c, int64_t row, struct json_object *payload, bool *ret_changed);

/* What was stored locally under the name (history, resume points, ratings,
 * collection) moves to the key of Trakt's item, which it now is. */
void resolve_rekey(Context *c, const TraktMedia *name, const TraktMedia *found);

/* The cache key of the look-up m needs next, NULL when none (no name, or
 * the cache answers). For sessions deciding whether they want a look-up. */
char *resolve_lookup_key(Context *c, const TraktMedia *m);

/* State changed: connected again, look-ups go on. */
void resolve_connection_changed(Context *c);

int resolve_setup(Context *c);
void resolve_free(Context *c);
