/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

#include "context.h"

/* The user-wide eye (SetIncognito / GetIncognito): per uid, "treat every
 * session of this user as incognito".
 *
 * SetIncognito(true) from any connection of the uid turns it on and makes
 * that connection a holder (sd_bus_track); SetIncognito(false) from any
 * connection of the uid turns it off, whoever set it; it also turns off when
 * its last holder leaves the bus (the desktop session ended).
 *
 * It is kept in the state database with the bus's id and the holders' unique
 * names, so a daemon that restarts (idle exit, crash, upgrade) while a holder
 * is still on the same bus finds it on again: a restart must never let a
 * watch out that the user hid. On another bus instance (after a reboot, where
 * unique names are handed out anew) it starts off. */

/* Whether uid's eye is on. */
bool eye_on(Context *c, uid_t uid);

/* Turn uid's eye on (holder: the caller's unique name) or off. Returns 1 when
 * it changed, 0 when it was already so, a negative errno on failure. A change
 * reaches the sessions of uid (context_eye_changed) and then the watchers
 * (context_notify_incognito_changed). */
int eye_set(Context *c, uid_t uid, bool on, const char *holder);

/* At start: bring back the eyes whose holders are still on this bus. */
int eye_restore(Context *c);

void eyes_free(Context *c);
