/* SPDX-License-Identifier: MIT */
/* kinoctl: the command-line client of org.kino.Trakt. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "listurl.h"
#include "util.h"

#define BUS_NAME "org.kino.Trakt"
#define OBJECT_PATH "/org/kino/Trakt"
#define INTERFACE "org.kino.Trakt"

/* Exit codes (kinoctl(1)). */
enum {
        EXIT_OK = 0,
        EXIT_FAIL = 1,
        EXIT_USAGE = 2,
        EXIT_NO_DAEMON = 3,
        EXIT_DENIED = 4,
};

static const char *const categories[] = {
        "scrobble", "history", "ratings", "watchlist", "collection", "resume", "recommendations",
};

static bool arg_session = false;
static bool arg_json = false;

static const char *bus_kind(void) {
        return arg_session ? "session" : "system";
}

/* One clean line for a failed call, and the exit code that goes with it. */
static int report_error(const sd_bus_error *e, int r, const char *what) {
        if (e && sd_bus_error_is_set(e)) {
                if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
                        fprintf(stderr, "kino-traktd is not running (no org.kino.Trakt on the %s bus).\n", bus_kind());
                        return EXIT_NO_DAEMON;
                }
                if (sd_bus_error_has_names(e, SD_BUS_ERROR_ACCESS_DENIED, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED)) {
                        const char *m = e->message ?: "";
                        if (isempty(m) || strncmp(m, "Rejected send message", 21) == 0)
                                /* dbus-daemon's own refusal: its text is a rule dump, not a sentence. */
                                m = "the bus policy does not let you call kino-traktd (is dbus/org.kino.Trakt.conf installed?).";
                        else if (sd_bus_error_has_name(e, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED) &&
                                 strncmp(m, "Permission denied", 17) != 0)
                                m = "this needs authentication and no polkit agent could ask for it.";
                        fprintf(stderr, "%s%s\n", strncmp(m, "Permission denied", 17) == 0 ? "" : "Permission denied: ", m);
                        return EXIT_DENIED;
                }
                if (sd_bus_error_has_name(e, SD_BUS_ERROR_INVALID_ARGS)) {
                        fprintf(stderr, "%s\n", e->message ?: "Invalid arguments.");
                        return EXIT_USAGE;
                }
                fprintf(stderr, "%s\n", e->message ?: e->name);
                return EXIT_FAIL;
        }
        fprintf(stderr, "Failed to %s: %s\n", what, strerror(r < 0 ? -r : r));
        return EXIT_FAIL;
}

/* Each verb validates its arguments first and only then asks for the bus, so
 * "bad arguments" (2) never depends on whether the daemon runs. */
static int acquire_bus(sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r = arg_session ? sd_bus_open_user(&bus) : sd_bus_open_system(&bus);
        if (r < 0) {
                fprintf(stderr, "kino-traktd is not running (cannot reach the %s bus: %s).\n", bus_kind(), strerror(-r));
                return EXIT_NO_DAEMON;
        }
        (void) sd_bus_error_add_map(kt_error_map);
        /* Let polkit ask for a password through the caller's agent. */
        (void) sd_bus_set_allow_interactive_authorization(bus, true);
        *ret = TAKE_PTR(bus);
        return EXIT_OK;
}

/* Start the daemon if needed and make sure it answers, before asking the
 * user for anything. */
static int ping_daemon(sd_bus *bus) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(bus, BUS_NAME, OBJECT_PATH, "org.freedesktop.DBus.Peer", "Ping", &e, NULL, NULL);
        return r < 0 ? report_error(&e, r, "reach kino-traktd") : EXIT_OK;
}

/* Strict whole-number parsing for arguments. */
static bool parse_uint(const char *s, unsigned long max, unsigned long *ret) {
        char *end;
        if (isempty(s) || s[0] < '0' || s[0] > '9')
                return false;
        errno = 0;
        unsigned long v = strtoul(s, &end, 10);
        if (errno || *end || v > max)
                return false;
        *ret = v;
        return true;
}

/* getopt_long for a verb's options, quiet: one line of our own on a bad option. */
static int verb_getopt(int argc, char **argv, const struct option *options) {
        opterr = 0;
        int c = getopt_long(argc, argv, "+:", options, NULL);
        if (c == ':')
                fprintf(stderr, "kinoctl %s: option '%s' needs a value.\n", argv[0], argv[optind - 1]);
        else if (c == '?' && optopt)
                fprintf(stderr, "kinoctl %s: unknown option '-%c'; see kinoctl --help.\n", argv[0], optopt);
        else if (c == '?')
                fprintf(stderr, "kinoctl %s: unknown option '%s'; see kinoctl --help.\n", argv[0], argv[optind - 1]);
        return c;
}

/* ---- status ---- */

static void format_time(uint64_t usec, char *buf, size_t n) {
        if (usec == 0) {
                snprintf(buf, n, "never");
                return;
        }
        time_t t = (time_t) (usec / USEC_PER_SEC);
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(buf, n, "%Y-%m-%d %H:%M:%S %Z", &tm);
}

/* The player's status dot, in words. */
static const char *dot_meaning(const char *s) {
        if (streq(s, "active"))
                return "green: scrobbling active";
        if (streq(s, "rate-limited"))
                return "amber: rate-limited; events are queued and will catch up";
        if (streq(s, "failed"))
                return "red: last scrobble failed — reconnect if the token expired";
        if (streq(s, "idle"))
                return "nothing to send";
        return NULL;
}

/* Read one variant value from reply into a json object (for --json and for printing). */
static int read_variant(sd_bus_message *m, struct json_object **ret) {
        char type;
        const char *contents;
        int r = sd_bus_message_peek_type(m, &type, &contents);
        if (r <= 0)
                return r; /* 0: the end of the container */

        switch (type) {
        case 's': {
                const char *s;
                r = sd_bus_message_read_basic(m, 's', &s);
                *ret = json_object_new_string(s);
                return r;
        }
        case 'b': {
                int b;
                r = sd_bus_message_read_basic(m, 'b', &b);
                *ret = json_object_new_boolean(b);
                return r;
        }
        case 'u': {
                uint32_t u;
                r = sd_bus_message_read_basic(m, 'u', &u);
                *ret = json_object_new_int64(u);
                return r;
        }
        case 't': {
                uint64_t t;
                r = sd_bus_message_read_basic(m, 't', &t);
                *ret = json_object_new_int64((int64_t) t);
                return r;
        }
        case 'd': {
                double d;
                r = sd_bus_message_read_basic(m, 'd', &d);
                *ret = json_object_new_double(d);
                return r;
        }
        case 'y': {
                uint8_t y;
                r = sd_bus_message_read_basic(m, 'y', &y);
                *ret = json_object_new_int(y);
                return r;
        }
        case 'r': {
                struct json_object *a = json_object_new_array();
                r = sd_bus_message_enter_container(m, 'r', contents);
                while (r >= 0) {
                        struct json_object *v = NULL;
                        r = read_variant(m, &v);
                        if (r <= 0)
                                break;
                        json_object_array_add(a, v);
                }
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                *ret = a;
                return r < 0 ? r : 1;
        }
        case 'a': {
                bool dict = contents[0] == '{';
                struct json_object *o = dict ? json_object_new_object() : json_object_new_array();
                r = sd_bus_message_enter_container(m, 'a', contents);
                while (r >= 0) {
                        if (dict) {
                                char inner[64];
                                snprintf(inner, sizeof inner, "%.*s", (int) strlen(contents) - 2, contents + 1);
                                r = sd_bus_message_enter_container(m, 'e', inner);
                                if (r <= 0)
                                        break;
                                const char *k;
                                struct json_object *v = NULL;
                                r = sd_bus_message_read_basic(m, 's', &k);
                                if (r < 0)
                                        break;
                                char *key = strdup(k);
                                r = read_variant(m, &v);
                                if (r >= 0 && key)
                                        json_object_object_add(o, key, v);
                                free(key);
                                if (r >= 0)
                                        r = sd_bus_message_exit_container(m);
                        } else {
                                struct json_object *v = NULL;
                                r = read_variant(m, &v);
                                if (r <= 0)
                                        break;
                                json_object_array_add(o, v);
                        }
                }
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                *ret = o;
                return r < 0 ? r : 1;
        }
        case 'v': {
                r = sd_bus_message_enter_container(m, 'v', contents);
                if (r < 0)
                        return r;
                r = read_variant(m, ret);
                if (r < 0)
                        return r;
                return sd_bus_message_exit_container(m) < 0 ? -EBADMSG : 1;
        }
        default:
                *ret = NULL;
                return sd_bus_message_skip(m, NULL) < 0 ? -EBADMSG : 1;
        }
}

/* Every property of one object as a json object; NULL (and the bus error in e) on failure. */
static struct json_object *get_all_at(sd_bus *bus, const char *path, const char *interface, sd_bus_error *e, int *ret_r) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct json_object *o = NULL;
        int r = sd_bus_call_method(bus, BUS_NAME, path, "org.freedesktop.DBus.Properties", "GetAll", e, &reply, "s", interface);
        if (r >= 0 && (read_variant(reply, &o) < 0 || !o)) {
                json_object_put(o);
                o = NULL;
                r = -EBADMSG;
        }
        if (ret_r)
                *ret_r = r;
        return o;
}

static int get_all_properties(sd_bus *bus, struct json_object **ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = sd_bus_call_method(bus, BUS_NAME, OBJECT_PATH, "org.freedesktop.DBus.Properties", "GetAll", &e, &reply,
                                   "s", INTERFACE);
        if (r < 0)
                return report_error(&e, r, "read the status");
        struct json_object *o = NULL;
        r = read_variant(reply, &o);
        if (r < 0 || !o) {
                json_object_put(o);
                fprintf(stderr, "kino-traktd sent an unreadable status.\n");
                return EXIT_FAIL;
        }
        *ret = o;
        return 0;
}

static const char *jstr(struct json_object *o, const char *k) {
        struct json_object *v;
        return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

static int64_t jint(struct json_object *o, const char *k) {
        struct json_object *v;
        return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

/* "Key: value" with the keys right-aligned, as hostnamectl does. */
#define STATUS_KEY_WIDTH 16
static void field(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void field(const char *key, const char *fmt, ...) {
        va_list ap;
        printf("%*s: ", STATUS_KEY_WIDTH, key);
        va_start(ap, fmt);
        vprintf(fmt, ap);
        va_end(ap);
        putchar('\n');
}

static const char *state_hint(const char *state) {
        if (streq(state, "unconfigured"))
                return "Trakt not configured: run 'kinoctl configure' with your Trakt app's client id and secret";
        if (streq(state, "disconnected"))
                return "run 'kinoctl connect' to connect a Trakt account";
        if (streq(state, "authorizing"))
                return "waiting for the code to be entered on Trakt's site";
        if (streq(state, "authorized"))
                return "approved; waiting for the import choice";
        if (streq(state, "expired"))
                return "Trakt disconnected — run 'kinoctl connect' to reconnect";
        return NULL;
}

static int verb_status(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        struct json_object *p = NULL, *v;
        char when[64];
        int r;

        if (argc > 1) {
                fprintf(stderr, "usage: kinoctl status [--json]\n");
                return EXIT_USAGE;
        }
        r = acquire_bus(&bus);
        if (r != 0)
                return r;
        r = get_all_properties(bus, &p);
        if (r != 0)
                return r;

        if (arg_json) {
                printf("%s\n", json_object_to_json_string_ext(p, JSON_C_TO_STRING_PLAIN));
                json_object_put(p);
                return EXIT_OK;
        }

        const char *state = jstr(p, "State"), *hint = state_hint(state);
        if (hint)
                field("State", "%s (%s)", state, hint);
        else
                field("State", "%s", state);
        if (*jstr(p, "Username"))
                field("User", "%s", jstr(p, "Username"));
        if (jint(p, "ConnectedAt") > 0) {
                format_time((uint64_t) jint(p, "ConnectedAt"), when, sizeof when);
                field("Connected since", "%s", when);
        }
        field("Client id", "%s", *jstr(p, "ClientId") ? jstr(p, "ClientId") : "(none)");

        const char *dot = jstr(p, "ScrobbleStatus"), *meaning = dot_meaning(dot);
        if (meaning)
                field("Scrobbling", "%s (%s)", dot, meaning);
        else
                field("Scrobbling", "%s", dot);
        field("Pending events", "%" PRIi64, jint(p, "PendingEvents"));
        if (json_object_object_get_ex(p, "WatchedThreshold", &v))
                field("Watched at", "%g%% of the runtime", json_object_get_double(v));

        if (json_object_object_get_ex(p, "SyncEnabled", &v) && json_object_is_type(v, json_type_object)) {
                char line[256] = "";
                for (size_t i = 0; i < ELEMENTSOF(categories); i++) {
                        struct json_object *b;
                        bool on = !json_object_object_get_ex(v, categories[i], &b) || json_object_get_boolean(b);
                        size_t n = strlen(line);
                        snprintf(line + n, sizeof line - n, "%s%s %s", i > 0 ? ", " : "", categories[i], on ? "on" : "off");
                }
                field("Sync", "%s", line);
        }

        if (*jstr(p, "Syncing")) {
                struct json_object *prog;
                int64_t done = 0, total = 0;
                if (json_object_object_get_ex(p, "SyncProgress", &prog) && json_object_is_type(prog, json_type_array) &&
                    json_object_array_length(prog) == 2) {
                        done = json_object_get_int64(json_object_array_get_idx(prog, 0));
                        total = json_object_get_int64(json_object_array_get_idx(prog, 1));
                }
                field("Syncing", "%s (%" PRIi64 "/%" PRIi64 ")", jstr(p, "Syncing"), done, total);
        } else
                field("Syncing", "no");
        format_time((uint64_t) jint(p, "LastSync"), when, sizeof when);
        field("Last sync", "%s", when);
        if (jint(p, "UnmatchedItems") > 0)
                field("Unknown to Trakt", "%" PRIi64 " item(s), not sent again", jint(p, "UnmatchedItems"));
        if (*jstr(p, "LastError"))
                field("Last error", "%s", jstr(p, "LastError"));

        if (json_object_object_get_ex(p, "Preview", &v) && json_object_is_type(v, json_type_object) &&
            json_object_object_length(v) > 0)
                field("Preview", "%" PRIi64 " watched movies, %" PRIi64 " watched episodes, %" PRIi64
                      " ratings, %" PRIi64 " on the watchlist",
                      jint(v, "watched_movies"), jint(v, "watched_episodes"), jint(v, "ratings"), jint(v, "watchlist"));
        json_object_put(p);
        return EXIT_OK;
}

/* ---- configure ---- */

static char *read_line(FILE *f) {
        char *line = NULL;
        size_t n = 0;
        ssize_t k = getline(&line, &n, f);
        if (k < 0) {
                free(line);
                return NULL;
        }
        while (k > 0 && (line[k - 1] == '\n' || line[k - 1] == '\r'))
                line[--k] = 0;
        return line;
}

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

static int verb_configure(int argc, char **argv) {
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
        r = acquire_bus(&bus);
        if (r == 0)
                r = ping_daemon(bus);
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

        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        r = sd_bus_call_method(bus, BUS_NAME, OBJECT_PATH, INTERFACE, "Configure", &e, NULL, "ss", id, secret);
        if (r < 0)
                return report_error(&e, r, "configure");
        printf("Trakt application saved. Next: kinoctl connect\n");
        return EXIT_OK;
}

/* ---- sync ---- */

static bool category_valid(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(categories); i++)
                if (streq(categories[i], s))
                        return true;
        return false;
}

static int verb_sync_now(int argc, char **argv);

static int verb_sync(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r;

        if (argc >= 2 && streq(argv[1], "now"))
                return verb_sync_now(argc - 1, argv + 1);
        if (argc != 3 || !(streq(argv[1], "enable") || streq(argv[1], "disable"))) {
                fprintf(stderr, "usage: kinoctl sync now | sync enable|disable CATEGORY\n");
                return EXIT_USAGE;
        }
        if (!category_valid(argv[2])) {
                fprintf(stderr, "Unknown sync category '%s'; use one of scrobble, history, ratings, watchlist, collection, resume, recommendations.\n",
                        argv[2]);
                return EXIT_USAGE;
        }
        r = acquire_bus(&bus);
        if (r != 0)
                return r;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        r = sd_bus_call_method(bus, BUS_NAME, OBJECT_PATH, INTERFACE, "SetSyncEnabled", &e, NULL, "sb", argv[2],
                               (int) streq(argv[1], "enable"));
        if (r < 0)
                return report_error(&e, r, "change the sync setting");
        printf("%s sync %s.\n", argv[2], streq(argv[1], "enable") ? "enabled" : "disabled");
        return EXIT_OK;
}

/* ---- connect, import, disconnect, history ---- */

typedef struct Waiter {
        bool done;
        bool ok;
        char *error;
        const char *kind; /* SyncFinished kind to wait for, NULL for ConnectFinished */
} Waiter;

static int on_connect_finished(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Waiter *w = userdata;
        int ok;
        const char *err;
        if (sd_bus_message_read(m, "bs", &ok, &err) < 0)
                return 0;
        w->done = true;
        w->ok = ok;
        free(w->error);
        w->error = strdup(err);
        return 0;
}

static int on_sync_finished(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Waiter *w = userdata;
        const char *kind, *err;
        int ok;
        if (sd_bus_message_read(m, "sbs", &kind, &ok, &err) < 0 || (w->kind && !streq(kind, w->kind)))
                return 0;
        w->done = true;
        w->ok = ok;
        free(w->error);
        w->error = strdup(err);
        return 0;
}

static volatile sig_atomic_t interrupted = 0;
static void on_sigint(int sig) {
        interrupted = 1;
}

static int wait_for(sd_bus *bus, Waiter *w, void (*tick)(sd_bus *bus)) {
        while (!w->done && !interrupted) {
                int r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return r;
                if (r > 0)
                        continue;
                if (tick)
                        tick(bus);
                r = sd_bus_wait(bus, 500 * USEC_PER_MSEC);
                if (r < 0 && r != -EINTR)
                        return r;
        }
        return 0;
}

static int call_simple(sd_bus *bus, const char *method, const char *what, const char *sig, ...) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r = sd_bus_message_new_method_call(bus, &m, BUS_NAME, OBJECT_PATH, INTERFACE, method);
        if (r >= 0 && sig) {
                va_start(ap, sig);
                r = sd_bus_message_appendv(m, sig, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_call(bus, m, 0, &e, NULL);
        if (r < 0)
                return report_error(&e, r, what);
        return 0;
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
        if (sd_bus_get_property(bus, BUS_NAME, OBJECT_PATH, INTERFACE, "SyncProgress", &e, &reply, "(uu)") < 0 ||
            sd_bus_message_read(reply, "(uu)", &done, &total) < 0)
                return;
        int width = 30, fill = total ? (int) ((uint64_t) done * width / total) : 0;
        if (fill > width)
                fill = width;
        printf("\rImporting [%.*s%*s] %" PRIu32 "/%" PRIu32, fill, "##############################", width - fill, "", done, total);
        fflush(stdout);
}

static int wait_import(sd_bus *bus, Waiter *w) {
        int r = wait_for(bus, w, progress_tick);
        if (isatty(STDOUT_FILENO))
                printf("\n");
        if (r < 0)
                return report_error(NULL, r, "follow the import");
        if (interrupted) {
                fprintf(stderr, "Stopped waiting; the import goes on in the background.\n");
                return EXIT_FAIL;
        }
        if (!w->ok) {
                fprintf(stderr, "%s\n", w->error && *w->error ? w->error : "The import failed.");
                return EXIT_FAIL;
        }
        printf("Import finished.\n");
        return EXIT_OK;
}

static int verb_connect(int argc, char **argv) {
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
        r = acquire_bus(&bus);
        if (r != 0)
                return r;

        Waiter w = {}, ws = { .kind = "import" };
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *s1 = NULL, *s2 = NULL;
        r = sd_bus_match_signal(bus, &s1, BUS_NAME, OBJECT_PATH, INTERFACE, "ConnectFinished", on_connect_finished, &w);
        if (r >= 0)
                r = sd_bus_match_signal(bus, &s2, BUS_NAME, OBJECT_PATH, INTERFACE, "SyncFinished", on_sync_finished, &ws);
        if (r < 0)
                return report_error(NULL, r, "watch the daemon's signals");

        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        r = sd_bus_call_method(bus, BUS_NAME, OBJECT_PATH, INTERFACE, "Connect", &e, &reply, NULL);
        if (r < 0)
                return report_error(&e, r, "connect");
        const char *code, *url;
        uint32_t expires;
        if (sd_bus_message_read(reply, "ssu", &code, &url, &expires) < 0)
                return report_error(NULL, -EBADMSG, "read the device code");
        printf("Open %s and enter the code:\n\n    %s\n\n(valid for %" PRIu32 " minutes; Ctrl-C cancels)\n", url, code,
               (expires + 59) / 60);
        fflush(stdout);

        signal(SIGINT, on_sigint);
        r = wait_for(bus, &w, NULL);
        if (interrupted) {
                (void) call_simple(bus, "CancelConnect", "cancel", NULL);
                fprintf(stderr, "Cancelled.\n");
                return EXIT_FAIL;
        }
        if (r < 0)
                return report_error(NULL, r, "wait for the approval");
        if (!w.ok) {
                fprintf(stderr, "%s\n", w.error && *w.error ? w.error : "Connecting failed.");
                free(w.error);
                return EXIT_FAIL;
        }
        free(w.error);
        print_preview(bus);

        if (choice < 0) {
                if (!isatty(STDIN_FILENO)) {
                        fprintf(stderr, "Choose --import or --no-import when not on a terminal.\n");
                        (void) call_simple(bus, "CancelConnect", "cancel", NULL);
                        return EXIT_USAGE;
                }
                printf("[i] Import and connect   [c] Connect without importing   > ");
                fflush(stdout);
                _cleanup_free_ char *answer = read_line(stdin);
                choice = answer && (answer[0] == 'i' || answer[0] == 'I' || answer[0] == 'y');
        }
        r = call_simple(bus, "FinishConnect", "finish connecting", "b", choice);
        if (r != 0)
                return r;
        if (!choice) {
                printf("Connected without importing.\n");
                return EXIT_OK;
        }
        r = wait_import(bus, &ws);
        free(ws.error);
        return r;
}

/* For verbs that take no arguments. */
static int no_args(int argc, char **argv) {
        if (argc > 1) {
                fprintf(stderr, "kinoctl %s takes no arguments.\n", argv[0]);
                return EXIT_USAGE;
        }
        return EXIT_OK;
}

static int verb_import(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        Waiter ws = { .kind = "import" };
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        int r = no_args(argc, argv);
        if (r == 0)
                r = acquire_bus(&bus);
        if (r != 0)
                return r;
        r = sd_bus_match_signal(bus, &slot, BUS_NAME, OBJECT_PATH, INTERFACE, "SyncFinished", on_sync_finished, &ws);
        if (r < 0)
                return report_error(NULL, r, "watch the daemon's signals");
        r = call_simple(bus, "Import", "start the import", NULL);
        if (r != 0)
                return r;
        signal(SIGINT, on_sigint);
        r = wait_import(bus, &ws);
        free(ws.error);
        return r;
}

/* sync now: SyncNow, then SyncFinished("incremental") (joining a sweep that
 * already runs is fine: its end is ours too). */
static int verb_sync_now(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL;
        Waiter ws = { .kind = "incremental" };
        int r;

        if (argc > 1) {
                fprintf(stderr, "kinoctl sync now takes no arguments.\n");
                return EXIT_USAGE;
        }
        r = acquire_bus(&bus);
        if (r != 0)
                return r;
        /* Listen first: a sweep with nothing to do ends within milliseconds. */
        r = sd_bus_match_signal(bus, &slot, BUS_NAME, OBJECT_PATH, INTERFACE, "SyncFinished", on_sync_finished, &ws);
        if (r < 0)
                return report_error(NULL, r, "watch the daemon's signals");
        r = call_simple(bus, "SyncNow", "start a sweep", NULL);
        if (r != 0)
                return r;
        signal(SIGINT, on_sigint);
        r = wait_for(bus, &ws, NULL);
        if (r < 0)
                r = report_error(NULL, r, "follow the sweep");
        else if (interrupted) {
                fprintf(stderr, "Stopped waiting; the sweep goes on in the background.\n");
                r = EXIT_FAIL;
        } else if (!ws.ok) {
                fprintf(stderr, "%s\n", ws.error && *ws.error ? ws.error : "The sweep failed.");
                r = EXIT_FAIL;
        } else {
                printf("In sync with Trakt.\n");
                r = EXIT_OK;
        }
        free(ws.error);
        return r;
}

static int verb_disconnect(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r = no_args(argc, argv);
        if (r == 0)
                r = acquire_bus(&bus);
        if (r == 0)
                r = call_simple(bus, "Disconnect", "disconnect", NULL);
        if (r != 0)
                return r;
        printf("Disconnected from Trakt. Local history, ratings and collection are kept.\n");
        return EXIT_OK;
}

static const char *dict_str(struct json_object *o, const char *k) {
        return jstr(o, k);
}

/* "Title (Year)", "Show S01E02", or the best id when there is no title. */
static const char *media_label(struct json_object *h, char *buf, size_t n) {
        static const char *const ids[] = { "trakt", "imdb", "tmdb", "tvdb", "slug" };
        char id[128] = "";
        bool episode = streq(jstr(h, "type"), "episode");
        for (size_t i = 0; i < ELEMENTSOF(ids) && !*id; i++) {
                char key[32];
                struct json_object *v;
                snprintf(key, sizeof key, "%s%s", episode ? "show_" : "", ids[i]);
                if (json_object_object_get_ex(h, key, &v) || json_object_object_get_ex(h, ids[i], &v))
                        snprintf(id, sizeof id, "%s %s=%s", episode ? "show" : *jstr(h, "type") ? jstr(h, "type") : "movie",
                                 ids[i], json_object_get_string(v));
        }
        if (episode)
                snprintf(buf, n, "%s S%02" PRIi64 "E%02" PRIi64, *jstr(h, "show_title") ? jstr(h, "show_title") : id,
                         jint(h, "season"), jint(h, "episode"));
        else if (*jstr(h, "title") && jint(h, "year"))
                snprintf(buf, n, "%s (%" PRIi64 ")", jstr(h, "title"), jint(h, "year"));
        else
                snprintf(buf, n, "%s", *jstr(h, "title") ? jstr(h, "title") : *id ? id : "(untitled)");
        return buf;
}

static int verb_history(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        unsigned long limit = 20;
        if (argc > 2 || (argc == 2 && (!parse_uint(argv[1], UINT32_MAX, &limit) || limit == 0))) {
                fprintf(stderr, "usage: kinoctl history [COUNT]  (COUNT: how many watches, 1 or more)\n");
                return EXIT_USAGE;
        }
        int r = acquire_bus(&bus);
        if (r != 0)
                return r;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        r = sd_bus_call_method(bus, BUS_NAME, OBJECT_PATH, INTERFACE, "GetHistory", &e, &reply, "tu", (uint64_t) 0,
                                   (uint32_t) limit);
        if (r < 0)
                return report_error(&e, r, "read the history");
        struct json_object *list = NULL;
        if (read_variant(reply, &list) < 0 || !list)
                return report_error(NULL, -EBADMSG, "read the history");
        if (arg_json) {
                printf("%s\n", json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN));
                json_object_put(list);
                return EXIT_OK;
        }
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                struct json_object *h = json_object_array_get_idx(list, i), *priv;
                char when[64], label[512];
                format_time((uint64_t) jint(h, "watched_at"), when, sizeof when);
                bool is_private = json_object_object_get_ex(h, "private", &priv) && json_object_get_boolean(priv);
                printf("%s  %s  [%s%s]\n", when, media_label(h, label, sizeof label), dict_str(h, "origin"),
                       is_private ? ", private" : "");
        }
        json_object_put(list);
        return EXIT_OK;
}

/* ---- lists, watchlist, recommendations ---- */

static void print_media_line(struct json_object *h) {
        char label[512];
        printf("%s\n", media_label(h, label, sizeof label));
}

static int print_media_list(sd_bus *bus, const char *method, const char *sig, const char *arg) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = sig ? sd_bus_call_method(bus, BUS_NAME, OBJECT_PATH, INTERFACE, method, &e, &reply, sig, arg)
                    : sd_bus_call_method(bus, BUS_NAME, OBJECT_PATH, INTERFACE, method, &e, &reply, NULL);
        if (r < 0)
                return report_error(&e, r, "read the list");
        struct json_object *list = NULL;
        if (read_variant(reply, &list) < 0 || !list)
                return report_error(NULL, -EBADMSG, "read the list");
        if (arg_json)
                printf("%s\n", json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN));
        else
                for (size_t i = 0; i < json_object_array_length(list); i++) {
                        printf("%3zu. ", i + 1);
                        print_media_line(json_object_array_get_idx(list, i));
                }
        json_object_put(list);
        return EXIT_OK;
}

/* AddList reads the whole list from Trakt before it answers (the daemon gives
 * up after 20 s): wait longer than sd-bus's default 25 s. */
#define ADD_LIST_TIMEOUT_USEC (60 * USEC_PER_SEC)

static int add_list(sd_bus *bus, const char *url) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL, *reply = NULL;
        const char *id;
        int r = sd_bus_message_new_method_call(bus, &m, BUS_NAME, OBJECT_PATH, INTERFACE, "AddList");
        if (r >= 0)
                r = sd_bus_message_append(m, "s", url);
        if (r >= 0)
                r = sd_bus_call(bus, m, ADD_LIST_TIMEOUT_USEC, &e, &reply);
        if (r < 0)
                return report_error(&e, r, "add the list");
        r = sd_bus_message_read(reply, "s", &id);
        if (r < 0)
                return report_error(NULL, r, "add the list");
        printf("%s\n", id);
        return EXIT_OK;
}

static int verb_lists(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        bool show = argc == 3 && streq(argv[1], "show"), remove = argc == 3 && streq(argv[1], "remove"),
             add = argc == 3 && streq(argv[1], "add");
        int r;

        if (argc != 1 && !show && !remove && !add) {
                fprintf(stderr, "usage: kinoctl lists [show ID | remove ID | add URL]\n");
                return EXIT_USAGE;
        }
        if (add) {
                /* The daemon checks it too; checking here keeps "bad arguments" independent of the daemon. */
                ListUrl u;
                const char *why = NULL;
                if (listurl_parse(argv[2], &u, &why) < 0) {
                        fprintf(stderr, "%s\n", why);
                        return EXIT_USAGE;
                }
        }
        r = acquire_bus(&bus);
        if (r != 0)
                return r;
        if (add)
                return add_list(bus, argv[2]);
        if (show)
                return print_media_list(bus, "GetListItems", "s", argv[2]);
        if (remove) {
                r = call_simple(bus, "RemoveList", "remove the list", "s", argv[2]);
                if (r == 0)
                        printf("List %s removed.\n", argv[2]);
                return r;
        }
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        r = sd_bus_call_method(bus, BUS_NAME, OBJECT_PATH, INTERFACE, "GetLists", &e, &reply, NULL);
        if (r < 0)
                return report_error(&e, r, "read the lists");
        r = sd_bus_message_enter_container(reply, 'a', "(ssssu)");
        const char *id, *name, *url, *kind;
        uint32_t count;
        while (r > 0 && (r = sd_bus_message_read(reply, "(ssssu)", &id, &name, &url, &kind, &count)) > 0)
                printf("%-20s %-30s %4" PRIu32 " items  %s%s\n", id, name, count, url, streq(kind, "watchlist") ? "  (system)" : "");
        return r < 0 ? report_error(NULL, r, "read the lists") : EXIT_OK;
}

static int verb_watchlist(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r = no_args(argc, argv);
        if (r == 0)
                r = acquire_bus(&bus);
        if (r != 0)
                return r;
        return print_media_list(bus, "GetListItems", "s", "watchlist");
}

static int verb_recommendations(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        if (argc != 2 || (!streq(argv[1], "movie") && !streq(argv[1], "show"))) {
                fprintf(stderr, "usage: kinoctl recommendations movie|show\n");
                return EXIT_USAGE;
        }
        int r = acquire_bus(&bus);
        if (r != 0)
                return r;
        return print_media_list(bus, "GetRecommendations", "s", argv[1]);
}

/* ---- media on the command line ---- */

/* MEDIA (kinoctl(1)): TYPE:KEY=VALUE[,KEY=VALUE...] with the keys of the
 * D-Bus media dictionary, or TYPE:"TITLE" [YEAR]:
 *   movie:imdb=tt0372784   episode:show_tvdb=81189,season=1,episode=1   movie:"Inception" 2010
 * Numeric keys become u, the others s; "\," is a literal comma. */
static const char *const numeric_keys[] = {
        "trakt", "tmdb", "tvdb", "year", "show_year", "show_trakt", "show_tmdb", "show_tvdb", "season", "episode", "runtime",
};

static bool is_numeric_key(const char *k) {
        for (size_t i = 0; i < ELEMENTSOF(numeric_keys); i++)
                if (streq(numeric_keys[i], k))
                        return true;
        return false;
}

typedef struct MediaArg {
        char *buf;
        char *keys[32], *values[32];
        size_t n;
} MediaArg;

static void media_arg_done(MediaArg *a) {
        free(a->buf);
}

static bool media_arg_add(MediaArg *a, char *key, char *value, const char *spec) {
        unsigned long v;
        if (isempty(key) || a->n >= ELEMENTSOF(a->keys)) {
                fprintf(stderr, "Media '%s': expected TYPE:KEY=VALUE[,KEY=VALUE...], e.g. movie:imdb=tt0372784.\n", spec);
                return false;
        }
        if (is_numeric_key(key) && !parse_uint(value, UINT32_MAX, &v)) {
                fprintf(stderr, "Media '%s': %s must be a whole number.\n", spec, key);
                return false;
        }
        a->keys[a->n] = key;
        a->values[a->n++] = value;
        return true;
}

/* Returns false (and says why) on a malformed spec. */
static bool parse_media_arg(const char *spec, MediaArg *ret) {
        static char type_key[] = "type", title_key[] = "title", year_key[] = "year";
        *ret = (MediaArg) {};
        ret->buf = strdup(spec);
        if (!ret->buf)
                return false;
        char *colon = strchr(ret->buf, ':');
        if (!colon) {
                fprintf(stderr, "Media '%s': start with movie:, show: or episode:, e.g. movie:imdb=tt0372784.\n", spec);
                return false;
        }
        *colon = '\0';
        char *type = ret->buf, *rest = colon + 1;
        if (!streq(type, "movie") && !streq(type, "show") && !streq(type, "episode")) {
                fprintf(stderr, "Media '%s': the type is movie, show or episode, not '%s'.\n", spec, type);
                return false;
        }
        ret->keys[0] = type_key;
        ret->values[0] = type;
        ret->n = 1;

        if (*rest == '"' || !strchr(rest, '=')) {
                /* TYPE:"TITLE" [YEAR] (quotes optional when the title has no '='). */
                char *title = rest, *tail;
                if (*rest == '"') {
                        title = rest + 1;
                        tail = strchr(title, '"');
                        if (!tail) {
                                fprintf(stderr, "Media '%s': the title's closing quote is missing.\n", spec);
                                return false;
                        }
                        *tail++ = '\0';
                } else {
                        tail = strrchr(rest, ' ');
                        if (tail && tail[1] && strspn(tail + 1, "0123456789") == strlen(tail + 1))
                                *tail++ = '\0';
                        else
                                tail = NULL;
                }
                while (tail && *tail == ' ')
                        tail++;
                if (isempty(title)) {
                        fprintf(stderr, "Media '%s': give ids (KEY=VALUE) or a title.\n", spec);
                        return false;
                }
                if (!media_arg_add(ret, title_key, title, spec))
                        return false;
                if (!isempty(tail) && !media_arg_add(ret, year_key, tail, spec))
                        return false;
                return true;
        }

        char *w = rest, *start = rest;
        for (char *p = rest;; p++) {
                if (*p == '\\' && p[1] == ',') {
                        *w++ = ',';
                        p++;
                        continue;
                }
                if (*p == ',' || *p == '\0') {
                        bool last = *p == '\0';
                        *w = '\0';
                        char *eq = strchr(start, '=');
                        if (!eq) {
                                fprintf(stderr, "Media '%s': '%s' is not KEY=VALUE.\n", spec, start);
                                return false;
                        }
                        *eq = '\0';
                        if (!media_arg_add(ret, start, eq + 1, spec))
                                return false;
                        if (last)
                                return true;
                        start = ++w;
                        continue;
                }
                *w++ = *p;
        }
}

static int append_media_arg(sd_bus_message *m, const MediaArg *a) {
        int r = sd_bus_message_open_container(m, 'a', "{sv}");
        for (size_t i = 0; r >= 0 && i < a->n; i++) {
                if (is_numeric_key(a->keys[i]))
                        r = sd_bus_message_append(m, "{sv}", a->keys[i], "u", (uint32_t) strtoul(a->values[i], NULL, 10));
                else
                        r = sd_bus_message_append(m, "{sv}", a->keys[i], "s", a->values[i]);
        }
        return r < 0 ? r : sd_bus_message_close_container(m);
}

static bool parse_percent(const char *s, double *ret) {
        char *end;
        if (isempty(s))
                return false;
        errno = 0;
        double v = strtod(s, &end);
        if (errno || *end || !(v >= 0 && v <= 100))
                return false;
        *ret = v;
        return true;
}

/* Call method on the main object with a media dictionary and more arguments (sig after a{sv}). */
static int call_with_media(sd_bus *bus, const char *method, const MediaArg *a, const char *more, sd_bus_message **ret_reply, ...) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r = sd_bus_message_new_method_call(bus, &m, BUS_NAME, OBJECT_PATH, INTERFACE, method);
        if (r >= 0)
                r = append_media_arg(m, a);
        if (r >= 0 && more) {
                va_start(ap, ret_reply);
                r = sd_bus_message_appendv(m, more, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_call(bus, m, 0, &e, ret_reply);
        return r < 0 ? report_error(&e, r, method) : EXIT_OK;
}

static int verb_rate(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(media_arg_done) MediaArg a = {};
        unsigned long rating;
        if (argc != 3 || !parse_uint(argv[2], 10, &rating)) {
                fprintf(stderr, "usage: kinoctl rate MEDIA 0-10   (0 removes the rating)\n");
                return EXIT_USAGE;
        }
        if (!parse_media_arg(argv[1], &a))
                return EXIT_USAGE;
        int r = acquire_bus(&bus);
        if (r == 0)
                r = call_with_media(bus, "Rate", &a, "y", NULL, (uint8_t) rating);
        if (r == 0)
                printf(rating ? "Rated %lu/10.\n" : "Rating removed.\n", rating);
        return r;
}

/* WHEN: "now", seconds since the epoch, or an ISO date "2026-11-24T20:15:00Z". */
static bool parse_when(const char *s, uint64_t *ret) {
        unsigned long v;
        if (streq(s, "now")) {
                *ret = 0;
                return true;
        }
        if (parse_uint(s, ULONG_MAX / USEC_PER_SEC, &v)) {
                *ret = v * USEC_PER_SEC;
                return true;
        }
        struct tm tm = {};
        const char *end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
        if (!end || (*end && !streq(end, "Z")))
                return false;
        time_t t = timegm(&tm);
        if (t < 0)
                return false;
        *ret = (uint64_t) t * USEC_PER_SEC;
        return true;
}

static int verb_watched(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(media_arg_done) MediaArg a = {};
        uint64_t when = 0;
        if (argc < 2 || argc > 3 || (argc == 3 && !parse_when(argv[2], &when))) {
                fprintf(stderr, "usage: kinoctl watched MEDIA [now|EPOCH-SECONDS|YYYY-MM-DDTHH:MM:SSZ]\n");
                return EXIT_USAGE;
        }
        if (!parse_media_arg(argv[1], &a))
                return EXIT_USAGE;
        int r = acquire_bus(&bus);
        if (r == 0)
                r = call_with_media(bus, "MarkWatched", &a, "t", NULL, when);
        if (r == 0)
                printf("Marked as watched.\n");
        return r;
}

static int verb_resume(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(media_arg_done) MediaArg a = {};
        if (argc != 2) {
                fprintf(stderr, "usage: kinoctl resume MEDIA\n");
                return EXIT_USAGE;
        }
        if (!parse_media_arg(argv[1], &a))
                return EXIT_USAGE;
        int r = acquire_bus(&bus);
        if (r == 0)
                r = call_with_media(bus, "GetResumePoint", &a, NULL, &reply);
        if (r != 0)
                return r;
        double progress;
        uint64_t at;
        if (sd_bus_message_read(reply, "dt", &progress, &at) < 0)
                return report_error(NULL, -EBADMSG, "read the resume point");
        char when[64];
        format_time(at, when, sizeof when);
        if (arg_json)
                printf("{\"progress\":%g,\"paused_at\":%" PRIu64 "}\n", progress, at);
        else if (at == 0)
                printf("No resume point.\n");
        else
                printf("Resume at %.1f%% (paused %s).\n", progress, when);
        return EXIT_OK;
}

/* ---- watch: a playback session from the terminal ---- */

static int session_call(sd_bus *bus, const char *path, const char *method, const char *sig, ...) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r = sd_bus_message_new_method_call(bus, &m, BUS_NAME, path, "org.kino.Trakt.Session", method);
        if (r >= 0 && sig) {
                va_start(ap, sig);
                r = sd_bus_message_appendv(m, sig, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_call(bus, m, 0, &e, NULL);
        return r < 0 ? report_error(&e, r, method) : EXIT_OK;
}

static int session_start(sd_bus *bus, const char *path, const MediaArg *a, double progress) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r = sd_bus_message_new_method_call(bus, &m, BUS_NAME, path, "org.kino.Trakt.Session", "Start");
        if (r >= 0)
                r = append_media_arg(m, a);
        if (r >= 0)
                r = sd_bus_message_append(m, "d", progress);
        if (r >= 0)
                r = sd_bus_call(bus, m, 0, &e, NULL);
        return r < 0 ? report_error(&e, r, "Start") : EXIT_OK;
}

static void watch_help(void) {
        printf("Commands (one per line): play [P] · pause [P] · stop [P] · progress P · incognito on|off · status · quit\n"
               "P is the progress in percent. End of input closes the session (a pause is sent if it was playing).\n");
}

static int verb_watch(int argc, char **argv) {
        static const struct option options[] = {
                { "incognito", no_argument, NULL, 'i' },
                { "progress", required_argument, NULL, 'p' },
                {}
        };
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(media_arg_done) MediaArg a = {};
        bool incognito = false;
        double progress = 0;
        int c, r;

        optind = 0;
        opterr = 0;
        /* Options may come before or after MEDIA (no "+": getopt permutes). */
        while ((c = getopt_long(argc, argv, ":", options, NULL)) >= 0)
                switch (c) {
                case 'i':
                        incognito = true;
                        break;
                case 'p':
                        if (!parse_percent(optarg, &progress)) {
                                fprintf(stderr, "kinoctl watch: --progress takes a percentage from 0 to 100.\n");
                                return EXIT_USAGE;
                        }
                        break;
                case ':':
                        fprintf(stderr, "kinoctl watch: option '%s' needs a value.\n", argv[optind - 1]);
                        return EXIT_USAGE;
                default:
                        fprintf(stderr, "kinoctl watch: unknown option '%s'; see kinoctl --help.\n", argv[optind - 1]);
                        return EXIT_USAGE;
                }
        if (optind != argc - 1) {
                fprintf(stderr, "usage: kinoctl watch MEDIA [--incognito] [--progress P]\n");
                return EXIT_USAGE;
        }
        if (!parse_media_arg(argv[optind], &a))
                return EXIT_USAGE;
        r = acquire_bus(&bus);
        if (r != 0)
                return r;

        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *p;
        /* Named, so kinoctl monitor (and a user's other tools) can tell this session apart. */
        r = sd_bus_call_method(bus, BUS_NAME, OBJECT_PATH, INTERFACE, "CreateSessionFor", &e, &reply, "a{sv}", 2,
                               "application", "s", "kinoctl watch", "incognito", "b", incognito);
        if (r < 0)
                return report_error(&e, r, "create a session");
        r = sd_bus_message_read(reply, "o", &p);
        if (r < 0)
                return report_error(NULL, r, "create a session");
        _cleanup_free_ char *path = strdup(p);
        if (!path)
                return report_error(NULL, -ENOMEM, "create a session");
        r = session_start(bus, path, &a, progress);
        if (r != 0)
                return r;
        printf("Session %s: playing at %.1f%%%s.\n", path, progress, incognito ? " (incognito: nothing leaves this machine)" : "");
        if (isatty(STDIN_FILENO))
                watch_help();
        fflush(stdout);

        char line[256];
        while (fgets(line, sizeof line, stdin)) {
                char cmd[32] = "", arg[64] = "";
                int n = sscanf(line, "%31s %63s", cmd, arg);
                double v = progress;
                if (n <= 0)
                        continue;
                if (n == 2 && !streq(cmd, "incognito") && !parse_percent(arg, &v)) {
                        fprintf(stderr, "'%s' is not a percentage from 0 to 100.\n", arg);
                        continue;
                }
                if (streq(cmd, "quit") || streq(cmd, "q"))
                        break;
                if (streq(cmd, "play") || streq(cmd, "start") || streq(cmd, "resume"))
                        r = session_start(bus, path, &a, v);
                else if (streq(cmd, "pause"))
                        r = session_call(bus, path, "Pause", "d", v);
                else if (streq(cmd, "stop"))
                        r = session_call(bus, path, "Stop", "d", v);
                else if (streq(cmd, "progress") && n == 2)
                        r = EXIT_OK; /* only remembered: the next command uses it */
                else if (streq(cmd, "incognito") && n == 2 && (streq(arg, "on") || streq(arg, "off"))) {
                        sd_bus_error_free(&e);
                        r = sd_bus_set_property(bus, BUS_NAME, path, "org.kino.Trakt.Session", "Incognito", &e, "b",
                                                streq(arg, "on"));
                        r = r < 0 ? report_error(&e, r, "set incognito") : EXIT_OK;
                } else if (streq(cmd, "status")) {
                        r = EXIT_OK;
                } else {
                        watch_help();
                        continue;
                }
                if (r != 0)
                        continue; /* the error is printed; the session goes on */
                progress = v;
                _cleanup_free_ char *state = NULL;
                sd_bus_error_free(&e);
                (void) sd_bus_get_property_string(bus, BUS_NAME, path, "org.kino.Trakt.Session", "PlaybackState", &e, &state);
                printf("%s at %.1f%%\n", state ?: "?", progress);
                fflush(stdout);
        }
        r = session_call(bus, path, "Close", NULL);
        if (r == 0)
                printf("Session closed.\n");
        return r;
}

/* ---- monitor: status changes and events, live ---- */

static volatile sig_atomic_t monitor_stop = 0;

static void on_monitor_signal(int sig) {
        monitor_stop = 1;
}

static void stamp(void) {
        char buf[32];
        time_t t = time(NULL);
        struct tm tm;
        localtime_r(&t, &tm);
        strftime(buf, sizeof buf, "%H:%M:%S", &tm);
        printf("%s ", buf);
}

static int on_props_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        const char *iface;
        struct json_object *changed = NULL;
        if (sd_bus_message_read(m, "s", &iface) < 0 || read_variant(m, &changed) < 0 || !changed)
                return 0;
        const char *path = sd_bus_message_get_path(m);
        json_object_object_foreach(changed, k, v) {
                stamp();
                if (streq(k, "ScrobbleStatus"))
                        printf("%s: %s — %s\n", k, json_object_get_string(v), dot_meaning(json_object_get_string(v)));
                else if (streq(path, OBJECT_PATH))
                        printf("%s: %s\n", k, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
                else
                        printf("%s %s: %s\n", path, k, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
        }
        json_object_put(changed);
        fflush(stdout);
        return 0;
}

static int on_event_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        const char *member = sd_bus_message_get_member(m);
        stamp();
        if (streq(member, "SyncFinished")) {
                const char *kind, *err;
                int ok;
                if (sd_bus_message_read(m, "sbs", &kind, &ok, &err) >= 0)
                        printf("SyncFinished: %s %s%s%s\n", kind, ok ? "succeeded" : "failed", *err ? ": " : "", err);
        } else if (streq(member, "ConnectFinished")) {
                const char *err;
                int ok;
                if (sd_bus_message_read(m, "bs", &ok, &err) >= 0)
                        printf("ConnectFinished: %s%s%s\n", ok ? "approved" : "not connected", *err ? ": " : "", err);
        }
        fflush(stdout);
        return 0;
}

/* The sessions monitor was told about (ListSessions, SessionChanged), with
 * the line last printed for each: a change prints only when it shows. */
typedef struct SeenSession {
        char *path;
        char *application;
        char *line;
} SeenSession;

static SeenSession *seen_sessions;
static size_t n_seen_sessions;

static SeenSession *seen_find(const char *path) {
        for (size_t i = 0; i < n_seen_sessions; i++)
                if (streq(seen_sessions[i].path, path))
                        return &seen_sessions[i];
        return NULL;
}

static void seen_forget(SeenSession *s) {
        free(s->path);
        free(s->application);
        free(s->line);
        *s = seen_sessions[--n_seen_sessions];
}

static void seen_free_all(void) {
        while (n_seen_sessions > 0)
                seen_forget(&seen_sessions[0]);
        free(seen_sessions);
        seen_sessions = NULL;
}

/* "mpv · uid 1000 · playing Title (Year) at 12.5% · incognito". */
static char *session_line(struct json_object *p) {
        char label[512], what[640], *line = NULL;
        struct json_object *media = NULL, *v;
        bool incognito = json_object_object_get_ex(p, "EffectiveIncognito", &v) && json_object_get_boolean(v);
        const char *state = jstr(p, "PlaybackState");
        double progress = json_object_object_get_ex(p, "Progress", &v) ? json_object_get_double(v) : 0;
        if (json_object_object_get_ex(p, "Media", &media) && json_object_object_length(media) > 0)
                snprintf(what, sizeof what, "%s %s at %.1f%%", *state ? state : "?", media_label(media, label, sizeof label),
                         progress);
        else
                snprintf(what, sizeof what, "nothing played yet");
        if (asprintf(&line, "%s · uid %" PRIi64 " · %s%s%s%s", *jstr(p, "Application") ? jstr(p, "Application") : "unnamed player",
                     jint(p, "Uid"), what, incognito ? " · incognito" : "", *jstr(p, "Problem") ? " · " : "",
                     jstr(p, "Problem")) < 0)
                return NULL;
        return line;
}

/* A session appeared or changed (first = from ListSessions at the start). */
static void session_seen(sd_bus *bus, const char *path, bool first) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        struct json_object *p = get_all_at(bus, path, "org.kino.Trakt.Session", &e, NULL);
        if (!p)
                return; /* gone again already: SessionRemoved follows */
        char *line = session_line(p);
        SeenSession *s = seen_find(path);
        if (!line) {
                json_object_put(p);
                return;
        }
        if (s && streq(s->line, line)) {
                free(line);
                json_object_put(p);
                return;
        }
        stamp();
        printf("%s %s (%s)\n", s ? "Session" : first ? "Session open:" : "Session opened:", path, line);
        fflush(stdout);
        if (!s) {
                SeenSession *n = realloc(seen_sessions, (n_seen_sessions + 1) * sizeof *n);
                if (!n) {
                        free(line);
                        json_object_put(p);
                        return;
                }
                seen_sessions = n;
                s = &seen_sessions[n_seen_sessions++];
                *s = (SeenSession) { .path = strdup(path), .application = strdup(jstr(p, "Application")) };
        }
        free(s->line);
        s->line = line;
        json_object_put(p);
}

static int on_session_signal(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        sd_bus *bus = sd_bus_message_get_bus(m);
        const char *member = sd_bus_message_get_member(m);
        if (streq(member, "IncognitoChanged")) {
                int on;
                if (sd_bus_message_read(m, "b", &on) >= 0) {
                        stamp();
                        printf("Incognito for all your sessions: %s\n", on ? "on" : "off");
                }
        } else {
                const char *path;
                if (sd_bus_message_read(m, "o", &path) < 0)
                        return 0;
                if (streq(member, "SessionChanged"))
                        session_seen(bus, path, false);
                else {
                        SeenSession *s = seen_find(path);
                        stamp();
                        printf("Session closed: %s%s%s%s\n", path, s && *s->application ? " (" : "", s ? s->application : "",
                               s && *s->application ? ")" : "");
                        if (s)
                                seen_forget(s);
                }
        }
        fflush(stdout);
        return 0;
}

/* The sessions this user may see (root: all) and a subscription to their
 * changes. Without the right to (polkit), monitor shows the status alone. */
static void monitor_sessions(sd_bus *bus) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int on = 0;
        int r = sd_bus_call_method(bus, BUS_NAME, OBJECT_PATH, INTERFACE, "WatchSessions", &e, NULL, NULL);
        if (r >= 0)
                r = sd_bus_call_method(bus, BUS_NAME, OBJECT_PATH, INTERFACE, "ListSessions", &e, &reply, NULL);
        if (r < 0) {
                printf("Sessions are not shown: %s\n", e.message ?: strerror(-r));
                return;
        }
        const char *path;
        r = sd_bus_message_enter_container(reply, 'a', "o");
        while (r >= 0 && (r = sd_bus_message_read(reply, "o", &path)) > 0)
                session_seen(bus, path, true);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *eye = NULL;
        if (sd_bus_call_method(bus, BUS_NAME, OBJECT_PATH, INTERFACE, "GetIncognito", NULL, &eye, NULL) >= 0 &&
            sd_bus_message_read(eye, "b", &on) >= 0 && on)
                printf("Incognito for all your sessions: on\n");
}

/* The daemon went away or came back (an idle exit, a restart): its sessions
 * went with it. The new one keeps this watcher; listing again shows what it has. */
static int on_daemon_owner_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        const char *name, *old, *new;
        if (sd_bus_message_read(m, "sss", &name, &old, &new) < 0)
                return 0;
        sd_bus *bus = sd_bus_message_get_bus(m);
        if (*old) {
                stamp();
                printf("kino-traktd stopped; its sessions ended.\n");
                seen_free_all();
        }
        if (*new) {
                stamp();
                printf("kino-traktd started.\n");
                monitor_sessions(bus);
        }
        fflush(stdout);
        return 0;
}

#define DAEMON_OWNER_MATCH \
        "type='signal',sender='org.freedesktop.DBus',path='/org/freedesktop/DBus',interface='org.freedesktop.DBus'," \
        "member='NameOwnerChanged',arg0='" BUS_NAME "'"

static int verb_monitor(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r = no_args(argc, argv);
        if (r == 0)
                r = acquire_bus(&bus);
        if (r != 0)
                return r;
        r = ping_daemon(bus);
        if (r != 0)
                return r;
        struct {
                const char *interface, *member;
                sd_bus_message_handler_t cb;
        } matches[] = {
                { "org.freedesktop.DBus.Properties", "PropertiesChanged", on_props_changed },
                { INTERFACE, "SyncFinished", on_event_signal },
                { INTERFACE, "ConnectFinished", on_event_signal },
                /* Sent to this connection alone once it called WatchSessions. */
                { INTERFACE, "SessionChanged", on_session_signal },
                { INTERFACE, "SessionRemoved", on_session_signal },
                { INTERFACE, "IncognitoChanged", on_session_signal },
        };
        for (size_t i = 0; i < ELEMENTSOF(matches); i++) {
                r = sd_bus_match_signal(bus, NULL, BUS_NAME, NULL, matches[i].interface, matches[i].member, matches[i].cb, NULL);
                if (r < 0)
                        return report_error(NULL, r, "watch the daemon's signals");
        }
        r = sd_bus_add_match(bus, NULL, DAEMON_OWNER_MATCH, on_daemon_owner_changed, NULL);
        if (r < 0)
                return report_error(NULL, r, "watch the daemon's signals");
        struct sigaction sa = { .sa_handler = on_monitor_signal };
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);

        struct json_object *p = NULL;
        if (get_all_properties(bus, &p) == 0) {
                stamp();
                printf("State: %s · ScrobbleStatus: %s — %s · PendingEvents: %" PRIi64 "\n", jstr(p, "State"),
                       jstr(p, "ScrobbleStatus"), dot_meaning(jstr(p, "ScrobbleStatus")), jint(p, "PendingEvents"));
                json_object_put(p);
        }
        monitor_sessions(bus);
        printf("Monitoring org.kino.Trakt; Ctrl+C stops.\n");
        fflush(stdout);
        while (!monitor_stop) {
                r = sd_bus_process(bus, NULL);
                if (r < 0) {
                        seen_free_all();
                        return report_error(NULL, r, "read from the bus");
                }
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR) {
                        seen_free_all();
                        return report_error(NULL, r, "wait on the bus");
                }
        }
        seen_free_all();
        return EXIT_OK;
}

/* ---- incognito: the user-wide eye ---- */

static int on_incognito_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        int on;
        if (sd_bus_message_read(m, "b", &on) >= 0 && !on) {
                printf("Incognito was turned off (kinoctl incognito off, or another program of yours).\n");
                fflush(stdout);
                monitor_stop = 1;
        }
        return 0;
}

/* A restarted daemon brings the eye back by itself while this holder stays;
 * holding it again and asking for IncognitoChanged keeps "off elsewhere ends
 * this command" true across the restart. */
static int on_daemon_back(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        const char *name, *old, *new;
        if (sd_bus_message_read(m, "sss", &name, &old, &new) < 0 || !*new)
                return 0;
        sd_bus *bus = sd_bus_message_get_bus(m);
        if (call_simple(bus, "SetIncognito", "turn incognito on again", "b", 1) != 0)
                monitor_stop = 1;
        else
                (void) sd_bus_call_method(bus, BUS_NAME, OBJECT_PATH, INTERFACE, "WatchSessions", NULL, NULL, NULL);
        return 0;
}

static int verb_incognito(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *what = argc == 2 ? argv[1] : "";
        int r;

        if (argc != 2 || (!streq(what, "on") && !streq(what, "off") && !streq(what, "status"))) {
                fprintf(stderr, "usage: kinoctl incognito on|off|status\n");
                return EXIT_USAGE;
        }
        r = acquire_bus(&bus);
        if (r != 0)
                return r;

        if (streq(what, "status")) {
                int on;
                r = sd_bus_call_method(bus, BUS_NAME, OBJECT_PATH, INTERFACE, "GetIncognito", &e, &reply, NULL);
                if (r >= 0)
                        r = sd_bus_message_read(reply, "b", &on);
                if (r < 0)
                        return report_error(&e, r, "read the incognito of your sessions");
                if (arg_json)
                        printf("{\"incognito\":%s}\n", on ? "true" : "false");
                else
                        printf("Incognito for all your sessions: %s\n", on ? "on" : "off");
                return EXIT_OK;
        }
        if (streq(what, "off")) {
                r = call_simple(bus, "SetIncognito", "turn incognito off", "b", 0);
                if (r == 0)
                        printf("Incognito off: your sessions scrobble again (those with their own incognito stay private).\n");
                return r;
        }

        /* on: the daemon keeps it while this connection stays on the bus. */
        struct sigaction sa = { .sa_handler = on_monitor_signal };
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        r = sd_bus_match_signal(bus, NULL, BUS_NAME, OBJECT_PATH, INTERFACE, "IncognitoChanged", on_incognito_changed, NULL);
        if (r >= 0)
                r = sd_bus_add_match(bus, NULL, DAEMON_OWNER_MATCH, on_daemon_back, NULL);
        if (r < 0)
                return report_error(NULL, r, "watch the daemon's signals");
        r = call_simple(bus, "SetIncognito", "turn incognito on", "b", 1);
        if (r != 0)
                return r;
        (void) sd_bus_call_method(bus, BUS_NAME, OBJECT_PATH, INTERFACE, "WatchSessions", NULL, NULL, NULL);
        printf("Incognito on for all your sessions: nothing you watch leaves this machine.\n"
               "It lasts while this command runs; Ctrl+C or 'kinoctl incognito off' ends it.\n");
        fflush(stdout);
        while (!monitor_stop) {
                r = sd_bus_process(bus, NULL);
                if (r < 0)
                        return report_error(NULL, r, "read from the bus");
                if (r > 0)
                        continue;
                r = sd_bus_wait(bus, UINT64_MAX);
                if (r < 0 && r != -EINTR)
                        return report_error(NULL, r, "wait on the bus");
        }
        return EXIT_OK;
}

/* ---- main ---- */

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
        printf("\nMEDIA: KEY=VALUE,... with the keys of the D-Bus media dictionary, e.g.\n"
               "  type=movie,imdb=tt0372784   type=episode,show_tvdb=81189,season=1,episode=1\n"
               "\nCategories: scrobble history ratings watchlist collection resume recommendations\n"
               "Exit codes: 0 ok, 1 failure, 2 bad arguments, 3 daemon not running, 4 permission denied\n"
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
