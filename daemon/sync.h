/* SPDX-License-Identifier: MIT */
#pragma once

#include <systemd/sd-bus.h>

#include "context.h"

/* The full two-way import (FinishConnect(true), Import()): pull every
 * enabled category from Trakt page by page (limit=250), store it, then push
 * what is local and not yet on Trakt in batches of at most 100 through the
 * shared rate governor. Progress shows in Syncing/SyncProgress; the end is
 * SyncFinished("import", ok, error). Never blocks the bus. */

int sync_import_start(Context *c, sd_bus_error *error);
/* At start-up: re-run an import that a crash or kill cut short. */
void sync_resume_interrupted(Context *c);
bool sync_running(Context *c);
const char *sync_kind(Context *c);  /* "" when idle */
void sync_progress(Context *c, uint32_t *done, uint32_t *total);
void sync_free(Context *c);
