/* SPDX-License-Identifier: MIT */
#pragma once

#include <systemd/sd-bus.h>

#include "activity.h"
#include "trakt-media.h"

/* The contract's a{sv} media dictionary (docs/dbus-api.md) on the bus, for
 * trakt-bus.c and session-bus.c: reading one from a call, with media.c's
 * checks, and writing one for a stored item. */

/* Read an a{sv} media dictionary from m and validate it (media.c); a bad one
 * sets InvalidArgs naming the key. */
int bus_read_media(sd_bus_message *m, TraktMedia *ret, sd_bus_error *error);

/* UpdateCollection's arguments: the items added or updated, each with
 * Trakt's quality metadata (media_type, resolution, hdr, audio,
 * audio_channels as strings Trakt allows, pointing into m; 3d a boolean),
 * and the items removed; at most 10,000 each, every one checked. Free both
 * with bus_collection_free(). */
int bus_read_collection(sd_bus_message *m, CollectionEntry **ret_added, size_t *ret_n_added, TraktMedia **ret_removed,
                        size_t *ret_n_removed, sd_bus_error *error);
void bus_collection_free(CollectionEntry *added, size_t n_added, TraktMedia *removed, size_t n_removed);

/* Append the contract's media entries for a stored item wrapper (JSON text)
 * inside an open a{sv}; what does not read is a bare {"type": "movie"}. */
int bus_append_media_json(sd_bus_message *reply, const char *json);
