/* SPDX-License-Identifier: MIT */
/* kinoctl: the command-line client of org.kino.Trakt. This file holds main,
 * the global options and the command table; each area's verbs live in
 * kinoctl-AREA.c (kinoctl-verbs.h), their shared helpers in kinoctl-common.c
 * and the parsers of what a person types in kinoctl-args.c. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "categories.h"
#include "kinoctl-common.h"
#include "kinoctl-verbs.h"

bool arg_session = false;
bool arg_json = false;

/* The command table. A verb checks its own arguments (EXIT_USAGE, without
 * touching the bus), then calls acquire_bus() and talks to the daemon. New
 * commands (watch, monitor, rate, watched, resume, sync now, ...) are one
 * function and one line here. */
typedef struct Verb {
        const char *name;
        int (*run)(int argc, char **argv);
        const char *usage;
        const char *summary;
} Verb;

static const Verb verbs[] = {
        { "status", verb_status, "status [--json]", "Show the connection, the status dot and the toggles (the default)" },
        { "configure", verb_configure, "configure [--client-id ID] [--client-secret-file FILE]",
          "Save the Trakt app's credentials (the secret is read without echo)" },
        { "sync", verb_sync, "sync now | sync enable|disable CATEGORY",
          "Sync with Trakt now (only what changed there), or turn a sync category on or off" },
        { "connect", verb_connect, "connect [--import|--no-import]", "Connect a Trakt account with a device code" },
        { "import", verb_import, "import", "Re-run the full two-way import (progress bar on a terminal)" },
        { "disconnect", verb_disconnect, "disconnect", "Revoke the token and disconnect (local data stays)" },
        { "history", verb_history, "history [COUNT]", "The latest watches (local and from Trakt)" },
        { "lists", verb_lists, "lists [show ID | remove ID | add URL]",
          "The lists: the Trakt watchlist and followed lists; add follows a list by its trakt.tv address and prints its id" },
        { "watchlist", verb_watchlist, "watchlist", "The Trakt watchlist" },
        { "recommendations", verb_recommendations, "recommendations movie|show", "Trakt's picks for you" },
        { "watch", verb_watch, "watch MEDIA [--incognito] [--progress P]",
          "Play a session from the terminal: commands on stdin (play/pause/stop P, incognito on|off, quit)" },
        { "monitor", verb_monitor, "monitor",
          "Print status changes, your sessions (root: everyone's) with their player, and sync events as they happen" },
        { "incognito", verb_incognito, "incognito on|off|status",
          "Incognito for all your sessions: on lasts while the command runs (Ctrl+C ends it)" },
        { "rate", verb_rate, "rate MEDIA 0-10", "Rate a title (0 removes the rating)" },
        { "watched", verb_watched, "watched MEDIA [WHEN]", "Add a watch to the history (now, epoch seconds or an ISO date)" },
        { "resume", verb_resume, "resume MEDIA", "Where to resume a title" },
};

static void help(void) {
        printf("kinoctl " VERSION " — control kino's Trakt service (org.kino.Trakt)\n\n"
               "usage: kinoctl [--session] [--json] [COMMAND [ARGS...]]\n\n"
               "Options:\n"
               "  -h --help       Show this help\n"
               "     --version    Show the version\n"
               "     --session    Talk to the daemon on the session bus instead of the system bus\n"
               "     --json       Print status, history and lists as JSON\n\n"
               "Commands:\n");
        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                printf("  %s\n      %s\n", verbs[i].usage, verbs[i].summary);
        printf("\nMEDIA: TYPE:KEY=VALUE,... with the keys of the D-Bus media dictionary, or TYPE:\"TITLE\" [YEAR], e.g.\n"
               "  movie:imdb=tt0372784   episode:show_tvdb=81189,season=1,episode=1   movie:\"Inception\" 2010\n"
               "\nCategories:");
        for (size_t i = 0; i < ELEMENTSOF(kt_categories); i++)
                printf(" %s", kt_categories[i]);
        printf("\nExit codes: 0 ok, 1 failure, 2 bad arguments, 3 daemon not running, 4 permission denied\n"
               "See kinoctl(1).\n");
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                {}
        };
        static char *default_argv[] = { (char *) "status", NULL };
        int c;

        /* --json and --session may come before or after the command. */
        for (int i = 1; i < argc; i++) {
                if (streq(argv[i], "--"))
                        break;
                if (streq(argv[i], "--json"))
                        arg_json = true;
                else if (streq(argv[i], "--session"))
                        arg_session = true;
                else
                        continue;
                memmove(argv + i, argv + i + 1, (size_t) (argc - i) * sizeof(char *));
                argc--;
                i--;
        }

        opterr = 0;
        while ((c = getopt_long(argc, argv, "+h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return EXIT_OK;
                case 'V':
                        printf("kinoctl " VERSION "\n");
                        return EXIT_OK;
                default:
                        if (optopt)
                                fprintf(stderr, "Unknown option '-%c'; see kinoctl --help.\n", optopt);
                        else
                                fprintf(stderr, "Unknown option '%s'; see kinoctl --help.\n", argv[optind - 1]);
                        return EXIT_USAGE;
                }

        /* Like hostnamectl: no command means status. */
        if (optind >= argc)
                return verb_status(1, default_argv);

        for (size_t i = 0; i < ELEMENTSOF(verbs); i++)
                if (streq(verbs[i].name, argv[optind])) {
                        int first = optind; /* verbs reset optind for their own getopt */
                        return verbs[i].run(argc - first, argv + first);
                }

        fprintf(stderr, "Unknown command '%s'; see kinoctl --help.\n", argv[optind]);
        return EXIT_USAGE;
}
