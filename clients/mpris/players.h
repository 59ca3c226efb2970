/* SPDX-License-Identifier: MIT */
#pragma once

#include <gio/gio.h>

#include "mpris-config.h"
#include "sessions.h"

/* Following MPRIS players on the session bus: ListNames and NameOwnerChanged
 * (prefix org.mpris.MediaPlayer2.), one Player per unique name. For each
 * followed player: Identity, PlaybackStatus, Metadata and Rate (GetAll and
 * PropertiesChanged, subscribed for that sender only), Seeked, and Position
 * polled every few seconds only while something worth scrobbling plays. Every
 * call is asynchronous with a timeout: a player that answers slowly or never
 * holds up nobody. What each player does goes through its Playback state
 * machine; its decisions become daemon sessions (sessions.h). */

typedef struct Players Players;

/* config must outlive players (main reloads it in place, then calls players_config_changed). */
Players *players_new(GDBusConnection *session_bus, Sessions *sessions, const MprisConfig *config);
/* Cancels what is in flight and waits for every callback. */
void players_free(Players *p);

/* Re-check every player against the configuration (after SIGHUP). */
void players_config_changed(Players *p);
/* The session bus is gone: every player is gone with it (Stop at the last
 * known progress). */
void players_vanish_all(Players *p);
/* The bridge exits while players may go on: Pause what plays, release every
 * session. */
void players_suspend_all(Players *p);
