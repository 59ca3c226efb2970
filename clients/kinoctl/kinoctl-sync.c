/* SPDX-License-Identifier: MIT */
/* kinoctl sync: a sweep now, or a sync category on or off. */
#include "categories.h"
#include "kinoctl-common.h"
#include "kinoctl-verbs.h"

/* sync now: SyncNow, then SyncFinished("incremental") (joining a sweep that
 * already runs is fine: its end is ours too). */
static int sync_now(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        if (argc > 1) {
                fprintf(stderr, "kinoctl sync now takes no arguments.\n");
                return EXIT_USAGE;
        }
        int r = acquire_bus(&bus);
        if (r != 0)
                return r;
        return run_job(bus, "SyncNow", "start a sweep", "incremental", NULL, "sweep", "In sync with Trakt.");
}

int verb_sync(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (argc >= 2 && streq(argv[1], "now"))
                return sync_now(argc - 1, argv + 1);
        if (argc != 3 || !(streq(argv[1], "enable") || streq(argv[1], "disable"))) {
                fprintf(stderr, "usage: kinoctl sync now | sync enable|disable CATEGORY\n");
                return EXIT_USAGE;
        }
        if (!kt_category_valid(argv[2])) {
                fprintf(stderr, "Unknown sync category '%s'; use one of " KT_CATEGORIES_TEXT ".\n", argv[2]);
                return EXIT_USAGE;
        }
        bool enable = streq(argv[1], "enable");
        r = acquire_bus_to_authenticate(&bus);
        if (r == 0)
                r = call_method(bus, "SetSyncEnabled", "change the sync setting", NULL, "sb", argv[2], (int) enable);
        if (r != 0)
                return r;
        printf("%s sync %s.\n", argv[2], enable ? "enabled" : "disabled");
        return EXIT_OK;
}
