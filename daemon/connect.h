/* SPDX-License-Identifier: MIT */
#pragma once

#include <systemd/sd-bus.h>

#include "context.h"

/* Device-code OAuth (docs/trakt-api.md §2): Connect, the poll, the preview,
 * FinishConnect, CancelConnect and Disconnect. Each entry point runs after
 * authorization and never waits on the network: Connect's reply is sent when
 * Trakt's device code arrives, everything else replies at once. */

/* Replies (ssu) user_code, verification_url, expires_in to m later. */
int connect_start(Context *c, sd_bus_message *m, sd_bus_error *error);
int connect_cancel(Context *c, sd_bus_error *error);
int connect_finish(Context *c, bool import, sd_bus_error *error);
int connect_disconnect(Context *c, sd_bus_error *error);

/* The preview counts (Preview property), NULL-terminated key list. */
extern const char *const connect_preview_keys[];
uint32_t connect_preview_value(Context *c, const char *key);

void connect_flow_free(Context *c);
