/* SPDX-License-Identifier: MIT */
#pragma once

/* The names of the org.kino.Trakt contract (docs/dbus-api.md), declared once for
 * the daemon and kinoctl. */
#define KT_BUS_NAME "org.kino.Trakt"
#define KT_OBJECT_PATH "/org/kino/Trakt"
#define KT_INTERFACE "org.kino.Trakt"
#define KT_SESSION_INTERFACE "org.kino.Trakt.Session"
