/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "context.h"

/* Playback sessions: /org/kino/Trakt/session/N, interface org.kino.Trakt.Session.
 *
 * A session belongs to the unique bus name that created it (sd_bus_track):
 * only that name may call its methods; when it leaves the bus or calls Close
 * the object goes, after queuing a pause at the last known progress if it was
 * playing (never in incognito).
 *
 * Privacy between local users (docs/dbus-api.md, version 2): a session is visible
 * only to callers with its owner's uid and to root. The objects hang off one
 * fallback vtable whose look-up consults the caller's uid, so for anyone else
 * every session path answers the same AccessDenied whether a session lives
 * there or not, and the node enumerator (introspection, GetManagedObjects)
 * lists only the caller's sessions. Nothing about a session is broadcast:
 * PropertiesChanged goes to the owner alone, and the watchers of its uid get
 * SessionChanged / SessionRemoved (watchers.c). */

typedef struct SessionOptions {
        const char *application; /* "" when not given */
        bool incognito;
} SessionOptions;

/* Register the fallback vtable and the node enumerator. */
int session_setup(Context *c);

/* CreateSession / CreateSessionFor for the sender of m (its uid: uid);
 * replies with the object path. */
int session_create(Context *c, sd_bus_message *m, uid_t uid, const SessionOptions *options, sd_bus_error *error);

/* ListSessions: the paths of uid's sessions (root: all), newest first. */
int session_list_reply(Context *c, sd_bus_message *m, uid_t uid);

/* uid's user-wide eye turned on or off: EffectiveIncognito follows; turned on,
 * what the playing sessions of uid still had waiting in the outbox is
 * withdrawn. */
void session_eye_changed(Context *c, uid_t uid, bool on);

/* Title look-ups answered (resolve.c): sessions playing a name found on
 * Trakt now play Trakt's item (Media, with the ids and Trakt's title), and
 * those whose title Trakt does not know say so in Problem. */
void session_names_resolved(Context *c);
/* Whether a session that is not incognito plays a name whose next look-up
 * is key (resolve_lookup_key). */
bool session_wants_lookup(Context *c, const char *key);

unsigned session_count(Context *c);
/* Whether the outbox's session id names a live session of this process, and
 * its state (playing: and not effectively incognito). */
bool session_lookup(Context *c, const char *id, double *ret_progress, bool *ret_playing);
void sessions_free(Context *c);
