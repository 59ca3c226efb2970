/* SPDX-License-Identifier: MIT */
#pragma once

#include "context.h"

/* The org.kino.Trakt object: vtable and handlers only (unpack, validate,
 * authorize, call a module, reply). */
int trakt_bus_register(Context *c);

/* Emit PropertiesChanged for the given NULL-terminated property names. */
void trakt_bus_emit_changed(Context *c, const char *first, ...) __attribute__((sentinel));
