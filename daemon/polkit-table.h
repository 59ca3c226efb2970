/* SPDX-License-Identifier: MIT */
#pragma once

/* Who may call what: one table mapping every method the daemon exports on
 * org.kino.Trakt to its polkit action ("" = public). A method that is not in
 * the table is refused (default deny): adding a method means deciding its
 * action here. The methods of org.kino.Trakt.Session are not in it: only the
 * session's owner may call them, which session-bus.c checks. Pure (no bus, no
 * context) so tests/unit/test-polkit-table.c holds it against the interface
 * XML and the contract. */

#define KT_ACTION_CONFIGURE "org.kino.trakt.configure"
#define KT_ACTION_CONNECT "org.kino.trakt.connect"
#define KT_ACTION_USE "org.kino.trakt.use"

/* The polkit action for interface.member, "" for public, NULL if unlisted. */
const char *polkit_action_for(const char *interface, const char *member);
