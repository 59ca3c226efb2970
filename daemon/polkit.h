/* SPDX-License-Identifier: MIT */
#pragma once

#include <sys/types.h>
#include <systemd/sd-bus.h>

#include "context.h"

/* Asynchronous authorization, default deny.
 *
 * bus_authorize() looks the method up in one table mapping every method of
 * the daemon to its polkit action (or "public", polkit-table.h); a method
 * missing from the table is refused. Root (uid 0, asked from the bus daemon asynchronously)
 * is always allowed; anyone else goes through
 * org.freedesktop.PolicyKit1.Authority.CheckAuthorization with a
 * system-bus-name subject, interactive when the caller allowed it. When
 * polkitd is absent or answers with an error, the answer is "no" and a
 * warning with polkit's message is logged; refusals are logged at info.
 *
 * One handler per method: it validates its arguments first, then asks
 *
 *     r = bus_authorize(c, m, &uid, error);
 *     if (r != 0)
 *             return r;
 *     ... change state, reply ...
 *
 * 0 is "yes" (uid, when asked for, is the caller's). The first time the
 * answer is not known: bus_authorize() returns 1, which the handler returns
 * to sd-bus as "handled, answered later". On "yes" the original message is
 * dispatched again (sd_bus_enqueue_for_read()): the handler runs from the
 * start, validates the same way, and this time bus_authorize() returns 0. On
 * "no" the caller is answered from here and the handler does not run again:
 * org.freedesktop.DBus.Error.AccessDenied, or, when polkit would allow it
 * after authentication that nobody could give (the caller did not allow
 * interaction, or polkitd found no agent),
 * org.freedesktop.DBus.Error.InteractiveAuthorizationRequired. A method not
 * in the table: AccessDenied at once (error set, a negative return). A
 * verdict that the handler does not come back for (it failed before asking
 * again) is dropped once the loop is idle. */
int bus_authorize(Context *c, sd_bus_message *m, uid_t *ret_uid, sd_bus_error *error);

/* The uid of the sender of m, asked from the bus driver synchronously (one
 * local round trip, remembered for the last sender: a unique name never
 * changes hands). Only for what cannot wait for an asynchronous answer:
 * object look-ups, where sd-bus needs the answer before it dispatches. */
int bus_caller_uid(Context *c, sd_bus_message *m, uid_t *ret);

void polkit_queries_free(Context *c);
