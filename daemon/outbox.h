/* SPDX-License-Identifier: MIT */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "context.h"

/* The durable outbox: every write for Trakt that a method accepted (scrobble
 * start/pause/stop, a completed watch, a rating, a collection change) is a
 * row in the state database before the method replies. One writer delivers
 * the rows in order through the shared rate governor.
 *
 * Kinds and their payloads (JSON):
 *   start, pause, stop   {"media": wrapper, "progress": p, "at": µs, "history_id": row?}   category scrobble
 *   history_add          {"media": wrapper, "watched_at": µs, "history_id": row}          category history
 *   rating_set           {"media": wrapper, "rating": n, "rated_at": µs}                  category ratings
 *   rating_remove        {"media": wrapper}                                               category ratings
 *   collection_add       {"items": [{"media": wrapper, "extra": {collected_at, metadata…}}]} category collection
 *   collection_remove    {"items": [{"media": wrapper}]}                                  category collection
 * (wrapper = trakt_media_wrapper()).
 *
 * Delivery rules (issue #4, docs/trakt-api.md §4):
 *  - rows of a category whose toggle is off wait (kept, not sent); a completed
 *    stop whose scrobble toggle is off goes to /sync/history instead;
 *  - a start or pause superseded by a later event of the same session is
 *    dropped; a start whose session is gone is dropped; a late start of a
 *    live session is sent with the session's current progress;
 *  - a completed stop that could not be sent within the live window (config
 *    live_window, default 5 s) of when it happened becomes POST /sync/history
 *    with its real watched_at; so does a stop Trakt kept as a pause;
 *  - a history add that may have reached Trakt before (attempts > 0) first
 *    looks for the play in GET /sync/history around watched_at;
 *  - 409 on a stop is success; an episode Trakt did not find by id goes once
 *    more by show and numbers; 420/426 hold the category and 423 every write
 *    (kept, tried hourly); 422 on a start or pause is dropped; 404 and other
 *    4xx fail that one row (kept as 'failed', shown in LastError); transient
 *    failures back off and retry;
 *  - nothing is sent unless State is connected; while expired the rows wait.
 * What an answer means (the verdicts), the backoff, the holds and the
 * status dot are outbox-rules.h's pure rules; this file does the I/O. */


int outbox_setup(Context *c);
void outbox_free(Context *c);

/* Append one row (in the caller's transaction if one is open). Returns the row id. */
int64_t outbox_add(Context *c, const char *kind, const char *category, const char *session, struct json_object *payload);

/* State changed: on connected, retry times are reset and the red dot clears. */
void outbox_connection_changed(Context *c);

/* Look for work now (after adding rows, a toggle or State change). */
void outbox_kick(Context *c);

/* Recompute ScrobbleStatus / PendingEvents; what changed goes to the bus
 * (context_notify_changed). Whether a session is alive or playing is asked
 * through context_session_lookup(), never of session.c directly. */
void outbox_update_status(Context *c);
const char *outbox_status(Context *c);
unsigned outbox_pending(Context *c);
