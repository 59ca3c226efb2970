/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

/* The local media library kept in the state database: watch history, the
 * lists (the watchlist system list and followed custom lists). Items are
 * stored as (media_key, media JSON); media_key is trakt-json.h's canonical
 * key, the JSON is Trakt's own object for the item so it can be sent back. */

#define LIBRARY_WATCHLIST_ID "watchlist"

/* The watchlist system list exists while connected. */
int library_ensure_watchlist(Store *s);
int library_remove_watchlist(Store *s);
bool library_has_watchlist(Store *s);
