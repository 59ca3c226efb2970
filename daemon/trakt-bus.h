/* SPDX-License-Identifier: MIT */
#pragma once

#include "context.h"
#include "trakt-json.h"

/* The org.kino.Trakt object: vtable and handlers only (unpack, validate,
 * authorize, call a module, reply). */
int trakt_bus_register(Context *c);

/* Emit PropertiesChanged for the given NULL-terminated property names. */
void trakt_bus_emit_changed(Context *c, const char *first, ...) __attribute__((sentinel));

/* Read an a{sv} media dictionary from m and validate it (media.c); a bad one
 * sets InvalidArgs naming the key. */
int bus_read_media(sd_bus_message *m, TraktMedia *ret, sd_bus_error *error);
/* Append the contract's media entries for a stored item wrapper (JSON text)
 * inside an open a{sv}. */
int bus_append_media_json(sd_bus_message *reply, const char *json);
