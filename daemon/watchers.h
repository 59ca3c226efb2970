/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "context.h"

/* WatchSessions: the connections that asked to hear about sessions.
 *
 * A watcher gets, unicast (a signal with its unique name as destination,
 * never a broadcast another uid could match), SessionChanged(o) and
 * SessionRemoved(o) for every session whose owner has the watcher's uid
 * (root: every session) and IncognitoChanged(b) for its own uid's
 * user-wide eye. It stays a watcher until it leaves the bus (sd_bus_track);
 * asking again changes nothing. The watchers' names are kept in the state
 * database with the bus's id, so a daemon that restarts (idle exit, crash,
 * upgrade) keeps telling those still on the same bus. Only the bus layer
 * calls in here: the handlers of WatchSessions/UnwatchSessions, and the
 * notifications of sessions and eyes (session-bus.c, trakt-bus.c). */

/* WatchSessions: name (of uid) becomes a watcher; 1 when new, 0 when it was one. */
int watchers_add(Context *c, const char *name, uid_t uid);
/* UnwatchSessions: name stops being a watcher (0 when it was none). */
int watchers_remove(Context *c, const char *name);

/* At start: the watchers of the previous daemon still on this bus. */
int watchers_restore(Context *c);

/* A session of owner appeared or changed (removed = false), or is gone. */
void watchers_session_changed(Context *c, uid_t owner, const char *path, bool removed);

/* uid's user-wide eye turned on or off. */
void watchers_incognito_changed(Context *c, uid_t uid, bool on);

void watchers_free(Context *c);
