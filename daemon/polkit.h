/* SPDX-License-Identifier: MIT */
#pragma once

#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "context.h"

/* Asynchronous authorization, default deny.
 *
 * bus_authorize() looks the method up in one table mapping every method of
 * the daemon to its polkit action (or "public"); a method missing from the
 * table is refused. Root (uid 0, asked from the bus daemon asynchronously)
 * is always allowed; anyone else goes through
 * org.freedesktop.PolicyKit1.Authority.CheckAuthorization with a
 * system-bus-name subject, interactive when the caller allowed it. When
 * polkitd is absent or fails, the answer is "no".
 *
 * Callers validate their arguments first, then return bus_authorize(...)
 * from the method handler. Once the verdict is "yes", handler runs with the
 * original message (rewound) and must reply to it (or return a negative
 * errno / set the error, and an error reply is sent). On "no", the caller
 * gets org.freedesktop.DBus.Error.AccessDenied. */

typedef int (*AuthorizedHandler)(sd_bus_message *m, Context *c, sd_bus_error *error);

int bus_authorize(Context *c, sd_bus_message *m, AuthorizedHandler handler, sd_bus_error *error);

/* The same, for methods that act for the caller's user (sessions, the
 * user-wide incognito): handler also gets the caller's uid, the one the
 * authorization was decided for. */
typedef int (*AuthorizedUidHandler)(sd_bus_message *m, Context *c, uid_t uid, sd_bus_error *error);

int bus_authorize_uid(Context *c, sd_bus_message *m, AuthorizedUidHandler handler, sd_bus_error *error);

/* The uid of the sender of m, asked from the bus driver synchronously (one
 * local round trip, remembered for the last sender: a unique name never
 * changes hands). Only for what cannot wait for an asynchronous answer:
 * object look-ups, where sd-bus needs the answer before it dispatches. */
int bus_caller_uid(Context *c, sd_bus_message *m, uid_t *ret);

/* The polkit action for interface.member, "" for public, NULL if unlisted. */
const char *polkit_action_for(const char *interface, const char *member);

void polkit_queries_free(Context *c);
