/* SPDX-License-Identifier: MIT */
#pragma once

#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "context.h"
#include "session.h"

/* org.kino.Trakt.Session on /org/kino/Trakt/session/N: the vtable and its
 * handlers (unpack, check the owner, call session.c, reply), and who may see
 * a session.
 *
 * Only the unique name that created a session may call its methods.
 * Privacy between local users (docs/dbus-api.md, version 2): a session is visible
 * only to callers with its owner's uid and to root. The objects hang off one
 * fallback vtable whose look-up consults the caller's uid, so for anyone else
 * every session path answers the same AccessDenied whether a session lives
 * there or not, and the node enumerator (introspection, GetManagedObjects)
 * lists only the caller's sessions. Nothing about a session is broadcast:
 * PropertiesChanged goes to the owner alone, and the watchers of its uid get
 * SessionChanged / SessionRemoved (watchers.c). */

/* Register the fallback vtable and the node enumerator. */
int session_bus_register(Context *c);
void session_bus_unregister(Context *c);

/* ContextNotify's session entries: PropertiesChanged with the values of the
 * properties named by bits (SessionProperty) to the owner, SessionChanged to
 * the watchers; SessionRemoved to the watchers. */
void session_bus_changed(Context *c, Session *s, unsigned properties);
void session_bus_removed(Context *c, Session *s);

/* A session was just created and its path sent: its watchers hear of it. */
void session_bus_announce(Session *s);

/* ListSessions: the paths of uid's sessions (root: all), newest first. */
int session_bus_reply_list(Context *c, sd_bus_message *m, uid_t uid);
