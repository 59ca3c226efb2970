/* SPDX-License-Identifier: MIT */
#pragma once

#include "context.h"

/* The org.kino.Trakt object: vtable and handlers only (unpack, validate,
 * authorize, call a module, reply), and the one place the modules' news
 * reaches the bus: trakt_bus_register() puts the objects on the bus (this
 * one, the object manager, the sessions of session-bus.c) and registers the
 * context's notification table (context.h's ContextNotify): properties
 * changed, ConnectFinished, SyncFinished, the sessions' news, IncognitoChanged
 * to the watchers. */
int trakt_bus_register(Context *c);
/* Shutdown, before the bus closes: the session objects go. */
void trakt_bus_unregister(Context *c);
