/* SPDX-License-Identifier: MIT */
#pragma once

#include <systemd/sd-bus.h>

#include "context.h"

#include "trakt-parse.h"

/* The Trakt application and the account: Configure, and device-code OAuth
 * (docs/trakt-api.md §2): Connect, the poll, the preview, FinishConnect,
 * CancelConnect and Disconnect. Each entry point runs after
 * authorization and never waits on the network: Connect is answered when
 * Trakt's device code arrives, everything else at once. State, LastError,
 * Preview and ConnectFinished reach the bus through the context's
 * notifications. */

/* Configure (the caller checked both are printable tokens): store the
 * application's credentials; other credentials than before (or the first)
 * end the connection: State disconnected, tokens forgotten. */
int connect_configure(Context *c, const char *client_id, const char *client_secret, sd_bus_error *error);

/* Connect's answer: code (the device code to show) or error (Trakt refused
 * or failed, or the attempt was cancelled; a refused app is NotConfigured, the
 * rest TraktUnavailable). Called once, from the event loop; when the attempt
 * is dropped unanswered (the daemon stops) it is called with neither, so the
 * caller's userdata is let go. */
typedef void (*ConnectAnswer)(Context *c, const TraktDeviceCode *code, const sd_bus_error *error, void *userdata);

/* Start a device authorization. Returns 1 when started: answer follows.
 * Otherwise (not configured, already connected or connecting: error set; a
 * negative errno) answer is never called. */
int connect_start(Context *c, ConnectAnswer answer, void *userdata, sd_bus_error *error);
int connect_cancel(Context *c, sd_bus_error *error);
/* FinishConnect: connected from now; the sync engine starts over for this
 * account (sync_connected) and, with import, the full import starts. */
int connect_finish(Context *c, bool import, sd_bus_error *error);
/* Disconnect: a running sync stops (SyncFinished false), the token is revoked
 * in the background, local history, ratings and collection stay. */
int connect_disconnect(Context *c, sd_bus_error *error);

/* The preview counts (Preview property), NULL-terminated key list. */
extern const char *const connect_preview_keys[];
uint32_t connect_preview_value(Context *c, const char *key);

void connect_flow_free(Context *c);
