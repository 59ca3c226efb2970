/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <systemd/sd-bus.h>

#include "context.h"

/* Playback sessions: /org/kino/Trakt/session/N, interface org.kino.Trakt.Session.
 * A session belongs to the unique bus name that created it (sd_bus_track):
 * other callers get AccessDenied; when the owner leaves the bus or calls
 * Close the object goes, after queuing a pause at the last known progress if
 * it was playing (never in incognito). */

/* CreateSession for the sender of m; replies with the object path. */
int session_create(Context *c, sd_bus_message *m, sd_bus_error *error);
unsigned session_count(Context *c);
/* Whether the outbox's session id names a live session of this process, and its state. */
bool session_lookup(Context *c, const char *id, double *ret_progress, bool *ret_playing);
void sessions_free(Context *c);
