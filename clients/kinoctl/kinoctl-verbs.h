/* SPDX-License-Identifier: MIT */
#pragma once

/* kinoctl's verbs, one file per area; kinoctl.c's table maps names to them.
 * A verb gets its own name as argv[0], checks its arguments (EXIT_USAGE,
 * without touching the bus), then talks to the daemon, and returns the exit
 * code. */

/* kinoctl-status.c */
int verb_status(int argc, char **argv);

/* kinoctl-connect.c: the Trakt app, the account and the full import */
int verb_configure(int argc, char **argv);
int verb_connect(int argc, char **argv);
int verb_import(int argc, char **argv);
int verb_disconnect(int argc, char **argv);

/* kinoctl-sync.c: sweeps and the category toggles */
int verb_sync(int argc, char **argv);

/* kinoctl-library.c: what the daemon keeps */
int verb_history(int argc, char **argv);
int verb_lists(int argc, char **argv);
int verb_watchlist(int argc, char **argv);
int verb_recommendations(int argc, char **argv);
int verb_rate(int argc, char **argv);
int verb_watched(int argc, char **argv);
int verb_resume(int argc, char **argv);

/* kinoctl-watch.c: sessions from the terminal, live */
int verb_watch(int argc, char **argv);
int verb_monitor(int argc, char **argv);
int verb_incognito(int argc, char **argv);
