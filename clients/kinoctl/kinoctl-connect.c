/* SPDX-License-Identifier: MIT */
/* kinoctl configure, connect, import, disconnect: the Trakt app, the account
 * and the full import. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "kinoctl-common.h"
#include "kinoctl-verbs.h"

/* Overwrite a secret before freeing it. */
static void erase_freep(char **p) {
        if (*p) {
                explicit_bzero(*p, strlen(*p));
                free(*p);
        }
}

/* The terminal state to put back if Ctrl-C arrives while echo is off. */
static struct termios saved_termios;
static void restore_terminal_and_exit(int sig) {
        (void) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
        ssize_t k = write(STDERR_FILENO, "\n", 1);
        (void) k;
        _exit(128 + sig);
}

/* The secret without echo from a terminal, else one line of standard input. */
static char *ask_secret(void) {
        struct termios quiet;
        bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved_termios) == 0;

        if (tty) {
                fprintf(stderr, "Client secret (not shown): ");
                signal(SIGINT, restore_terminal_and_exit);
                signal(SIGTERM, restore_terminal_and_exit);
                quiet = saved_termios;
                quiet.c_lflag &= ~(tcflag_t) ECHO;
                quiet.c_lflag |= ECHONL;
                (void) tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
        }
        char *s = read_line(stdin);
        if (tty) {
                (void) tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_termios);
                signal(SIGINT, SIG_DFL);
                signal(SIGTERM, SIG_DFL);
        }
        return s;
}

int verb_configure(int argc, char **argv) {
        static const struct option options[] = {
                { "client-id", required_argument, NULL, 'i' },
                { "client-secret-file", required_argument, NULL, 'f' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_free_ char *id = NULL;
        _cleanup_(erase_freep) char *secret = NULL;
        const char *id_arg = NULL, *secret_file = NULL;
        int c, r;

        optind = 0;
        while ((c = verb_getopt(argc, argv, options)) >= 0)
                switch (c) {
                case 'i':
                        id_arg = optarg;
                        break;
                case 'f':
                        secret_file = optarg;
                        break;
                default:
                        return EXIT_USAGE;
                }
        if (optind < argc) {
                fprintf(stderr, "configure takes no positional arguments; use --client-id and --client-secret-file.\n");
                return EXIT_USAGE;
        }
        if (id_arg && isempty(id_arg)) {
                fprintf(stderr, "--client-id needs the Client ID of your app at trakt.tv/oauth/applications.\n");
                return EXIT_USAGE;
        }

        /* The secret file is read before anything is asked, so a wrong path is a usage error at once. */
        if (secret_file) {
                FILE *f = fopen(secret_file, "re");
                if (!f) {
                        fprintf(stderr, "Cannot read the client secret from %s: %s.\n", secret_file, strerror(errno));
                        return EXIT_USAGE;
                }
                secret = read_line(f);
                fclose(f);
                if (isempty(secret)) {
                        fprintf(stderr, "%s is empty; it should hold the Client Secret of your Trakt app.\n", secret_file);
                        return EXIT_USAGE;
                }
        }

        /* Make sure someone will listen before the user types a secret. */
        r = acquire_bus_to_authenticate(&bus);
        if (r != 0)
                return r;

        if (id_arg)
                id = strdup(id_arg);
        else {
                if (isatty(STDIN_FILENO))
                        fprintf(stderr, "Client id: ");
                id = read_line(stdin);
        }
        if (!secret)
                secret = ask_secret();

        if (isempty(id) || isempty(secret)) {
                fprintf(stderr, "Both the client id and the client secret are needed (from trakt.tv/oauth/applications).\n");
                return EXIT_USAGE;
        }

        r = call_method(bus, "Configure", "configure", NULL, "ss", id, secret);
        if (r != 0)
                return r;
        printf("Trakt application saved. Next: kinoctl connect\n");
        return EXIT_OK;
}

static void print_preview(sd_bus *bus) {
        struct json_object *p = NULL, *pv;
        if (get_all_properties(bus, &p) != 0)
                return;
        printf("Connected to Trakt as %s. What would import:\n", jstr(p, "Username"));
        if (json_object_object_get_ex(p, "Preview", &pv)) {
                printf("  • %" PRIi64 " watched movies\n", jint(pv, "watched_movies"));
                printf("  • %" PRIi64 " watched episodes\n", jint(pv, "watched_episodes"));
                printf("  • %" PRIi64 " ratings\n", jint(pv, "ratings"));
                printf("  • %" PRIi64 " items on your watchlist\n", jint(pv, "watchlist"));
        }
        json_object_put(p);
}

static void progress_tick(sd_bus *bus) {
        if (!isatty(STDOUT_FILENO))
                return;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        uint32_t done = 0, total = 0;
        if (sd_bus_get_property(bus, KT_BUS_NAME, KT_OBJECT_PATH, KT_INTERFACE, "SyncProgress", &e, &reply, "(uu)") < 0 ||
            sd_bus_message_read(reply, "(uu)", &done, &total) < 0)
                return;
        int width = 30, fill = total ? (int) ((uint64_t) done * width / total) : 0;
        if (fill > width)
                fill = width;
        printf("\rImporting [%.*s%*s] %" PRIu32 "/%" PRIu32, fill, "##############################", width - fill, "", done, total);
        fflush(stdout);
}

#define IMPORT_FINISHED "Import finished."

int verb_connect(int argc, char **argv) {
        static const struct option options[] = {
                { "import", no_argument, NULL, 'i' },
                { "no-import", no_argument, NULL, 'n' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int choice = -1, c, r;
        optind = 0;
        while ((c = verb_getopt(argc, argv, options)) >= 0)
                switch (c) {
                case 'i':
                        choice = 1;
                        break;
                case 'n':
                        choice = 0;
                        break;
                default:
                        return EXIT_USAGE;
                }
        if (optind < argc) {
                fprintf(stderr, "usage: kinoctl connect [--import|--no-import]\n");
                return EXIT_USAGE;
        }
        r = acquire_bus_to_authenticate(&bus);
        if (r != 0)
                return r;

        _cleanup_(waiter_done) Waiter w = {}, ws = { .kind = "import" };
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *s1 = NULL, *s2 = NULL;
        r = sd_bus_match_signal(bus, &s1, KT_BUS_NAME, KT_OBJECT_PATH, KT_INTERFACE, "ConnectFinished", on_connect_finished, &w);
        if (r >= 0)
                r = sd_bus_match_signal(bus, &s2, KT_BUS_NAME, KT_OBJECT_PATH, KT_INTERFACE, "SyncFinished", on_sync_finished, &ws);
        if (r < 0)
                return report_error(NULL, r, "watch the daemon's signals");

        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        r = call_method(bus, "Connect", "connect", &reply, NULL);
        if (r != 0)
                return r;
        const char *code, *url;
        uint32_t expires;
        if (sd_bus_message_read(reply, "ssu", &code, &url, &expires) < 0)
                return report_error(NULL, -EBADMSG, "read the device code");
        printf("Open %s and enter the code:\n\n    %s\n\n(valid for %" PRIu32 " minutes; Ctrl-C cancels)\n", url, code,
               (expires + 59) / 60);
        fflush(stdout);

        signal(SIGINT, on_stop_signal);
        r = wait_for(bus, &w, NULL);
        if (stop_requested) {
                (void) call_method(bus, "CancelConnect", "cancel", NULL, NULL);
                fprintf(stderr, "Cancelled.\n");
                return EXIT_FAIL;
        }
        if (r < 0)
                return report_error(NULL, r, "wait for the approval");
        if (!w.ok) {
                fprintf(stderr, "%s\n", w.error && *w.error ? w.error : "Connecting failed.");
                return EXIT_FAIL;
        }
        print_preview(bus);

        if (choice < 0) {
                if (!isatty(STDIN_FILENO)) {
                        fprintf(stderr, "Choose --import or --no-import when not on a terminal.\n");
                        (void) call_method(bus, "CancelConnect", "cancel", NULL, NULL);
                        return EXIT_USAGE;
                }
                printf("[i] Import and connect   [c] Connect without importing   > ");
                fflush(stdout);
                _cleanup_free_ char *answer = read_line(stdin);
                choice = answer && (answer[0] == 'i' || answer[0] == 'I' || answer[0] == 'y');
        }
        r = call_method(bus, "FinishConnect", "finish connecting", NULL, "b", choice);
        if (r != 0)
                return r;
        if (!choice) {
                printf("Connected without importing.\n");
                return EXIT_OK;
        }
        return wait_job(bus, &ws, progress_tick, "import", IMPORT_FINISHED);
}

int verb_import(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r = no_args(argc, argv);
        if (r == 0)
                r = acquire_bus_to_authenticate(&bus);
        if (r != 0)
                return r;
        return run_job(bus, "Import", "start the import", "import", progress_tick, "import", IMPORT_FINISHED);
}

int verb_disconnect(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r = no_args(argc, argv);
        if (r == 0)
                r = acquire_bus_to_authenticate(&bus);
        if (r == 0)
                r = call_method(bus, "Disconnect", "disconnect", NULL, NULL);
        if (r != 0)
                return r;
        printf("Disconnected from Trakt. Local history, ratings and collection are kept.\n");
        return EXIT_OK;
}
