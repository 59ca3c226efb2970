/* SPDX-License-Identifier: MIT */
#pragma once

#include <systemd/sd-bus.h>

#include "context.h"

/* Both syncs with Trakt. Progress shows in Syncing/SyncProgress; the end is
 * SyncFinished(kind, ok, error), LastSync on success. Never blocks the bus.
 *
 * The full two-way import (FinishConnect(true), Import()): pull every
 * enabled category from Trakt page by page (limit=250), store it, then push
 * what is local and not yet on Trakt in batches of at most 100 through the
 * shared rate governor. It also records the sync cursors (docs/trakt-api.md §5.1),
 * so the first sweep after it is one request.
 *
 * The incremental sweep ("incremental"; every sync_interval seconds while
 * connected, a few seconds after start-up and connecting, and on SyncNow):
 * GET /sync/last_activities, compare each field with its cursor in
 * sync_cursors, re-pull only the enabled categories that changed, and store a
 * category's cursors only once its pull succeeded. Nothing changed: exactly
 * that one request.
 *   history      new plays since the newest known one (start_at, a day's
 *                margin), all pages; Trakt's total play count tells whether
 *                plays outside that window were removed or added late, and
 *                only then is the whole history re-read. Plays Trakt no longer
 *                has leave local history when they came from Trakt (origin
 *                trakt); local ones only lose their link.
 *   ratings      all of them; the newer rated_at wins.
 *   watchlist    all of it, replacing the watchlist system list.
 *   collection,  all of it; items from Trakt that Trakt dropped are dropped.
 *   resume
 *   recommendations  when history, ratings or the watchlist changed, when
 *                Rate cleared the cache, or once a day.
 * After connecting without an import, the first sweep only records where
 * Trakt stands ("baseline"): later sweeps bring what changes from then on. */

int sync_import_start(Context *c, sd_bus_error *error);
/* At start-up: re-run an import that a crash or kill cut short. */
void sync_resume_interrupted(Context *c);

/* SyncNow(): start a sweep; while one runs, join it (returns 0, the caller
 * waits for its SyncFinished). NotConnected when not connected, Busy while an
 * import runs. */
int sync_sweep_now(Context *c, sd_bus_error *error);
/* The connection state changed (also called once at start-up): arm the sweep
 * timer while connected, stop it otherwise. One timer, nothing else wakes. */
void sync_connection_changed(Context *c);
/* FinishConnect succeeded: forget the cursors of another account; without an
 * import, the first sweep records a baseline. */
void sync_connected(Context *c, bool import);
/* Stop the running sync now (Disconnect): SyncFinished(kind, false, why). */
void sync_abort(Context *c, const char *why);

bool sync_running(Context *c);
const char *sync_kind(Context *c);  /* "" when idle */
void sync_progress(Context *c, uint32_t *done, uint32_t *total);
void sync_free(Context *c); /* shutdown: no signal, the timer goes too */
