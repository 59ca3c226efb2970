/* SPDX-License-Identifier: MIT */
/* kinoctl watch, monitor, incognito: playback sessions from the terminal, and
 * the daemon's status, events and sessions as they happen. */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kinoctl-common.h"
#include "kinoctl-verbs.h"

/* ---- watch: a playback session from the terminal ---- */

/* A method of the session at path, media (if not NULL) first; failures are
 * reported with the method's name. */
static int session_call(sd_bus *bus, const char *path, const char *method, const MediaArg *media, const char *sig, ...) {
        va_list ap;
        va_start(ap, sig);
        int r = call_methodv(bus, path, KT_SESSION_INTERFACE, method, method, media, NULL, sig, ap);
        va_end(ap);
        return r;
}

static void watch_help(void) {
        printf("Commands (one per line): play [P] · pause [P] · stop [P] · progress P · incognito on|off · status · quit\n"
               "P is the progress in percent. End of input closes the session (a pause is sent if it was playing).\n");
}

int verb_watch(int argc, char **argv) {
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
                        if (!args_parse_percent(optarg, &progress)) {
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
        r = parse_media_or_usage(argv[optind], &a);
        if (r == 0)
                r = acquire_bus(&bus);
        if (r != 0)
                return r;

        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *p;
        /* Named, so kinoctl monitor (and a user's other tools) can tell this session apart. */
        r = call_method(bus, "CreateSessionFor", "create a session", &reply, "a{sv}", 2, "application", "s", "kinoctl watch",
                        "incognito", "b", incognito);
        if (r != 0)
                return r;
        r = sd_bus_message_read(reply, "o", &p);
        if (r < 0)
                return report_error(NULL, r, "create a session");
        _cleanup_free_ char *path = strdup(p);
        if (!path)
                return report_error(NULL, -ENOMEM, "create a session");
        r = session_call(bus, path, "Start", &a, "d", progress);
        if (r != 0)
                return r;
        printf("Session %s: playing at %.1f%%%s.\n", path, progress, incognito ? " (incognito: nothing leaves this machine)" : "");
        if (isatty(STDIN_FILENO))
                watch_help();
        fflush(stdout);

        char line[256];
        while (fgets(line, sizeof line, stdin)) {
                WatchCommand cmd;
                watch_command_parse(line, progress, &cmd);
                switch (cmd.kind) {
                case WATCH_EMPTY:
                        continue;
                case WATCH_BAD_PERCENT:
                        fprintf(stderr, "'%s' is not a percentage from 0 to 100.\n", cmd.arg);
                        continue;
                case WATCH_UNKNOWN:
                        watch_help();
                        continue;
                case WATCH_QUIT:
                        break;
                case WATCH_PLAY:
                        r = session_call(bus, path, "Start", &a, "d", cmd.progress);
                        break;
                case WATCH_PAUSE:
                        r = session_call(bus, path, "Pause", NULL, "d", cmd.progress);
                        break;
                case WATCH_STOP:
                        r = session_call(bus, path, "Stop", NULL, "d", cmd.progress);
                        break;
                case WATCH_PROGRESS: /* only remembered: the next command uses it */
                case WATCH_STATUS:
                        r = EXIT_OK;
                        break;
                case WATCH_INCOGNITO:
                        sd_bus_error_free(&e);
                        r = sd_bus_set_property(bus, KT_BUS_NAME, path, KT_SESSION_INTERFACE, "Incognito", &e, "b", cmd.on);
                        r = r < 0 ? report_error(&e, r, "set incognito") : EXIT_OK;
                        break;
                }
                if (cmd.kind == WATCH_QUIT)
                        break;
                if (r != 0)
                        continue; /* the error is printed; the session goes on */
                progress = cmd.progress;
                _cleanup_free_ char *state = NULL;
                sd_bus_error_free(&e);
                (void) sd_bus_get_property_string(bus, KT_BUS_NAME, path, KT_SESSION_INTERFACE, "PlaybackState", &e, &state);
                printf("%s at %.1f%%\n", state ?: "?", progress);
                fflush(stdout);
        }
        r = session_call(bus, path, "Close", NULL, NULL);
        if (r == 0)
                printf("Session closed.\n");
        return r;
}

/* ---- monitor: status changes and events, live ---- */

/* Dispatch the bus's messages until stop_requested (a signal, or a callback
 * that ends the command); the exit code. */
static int run_until_stopped(sd_bus *bus) {
        while (!stop_requested) {
                int r = sd_bus_process(bus, NULL);
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
                else if (streq(path, KT_OBJECT_PATH))
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
        struct json_object *p = get_all_at(bus, path, KT_SESSION_INTERFACE, &e, NULL);
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
        int r = sd_bus_call_method(bus, KT_BUS_NAME, KT_OBJECT_PATH, KT_INTERFACE, "WatchSessions", &e, NULL, NULL);
        if (r >= 0)
                r = sd_bus_call_method(bus, KT_BUS_NAME, KT_OBJECT_PATH, KT_INTERFACE, "ListSessions", &e, &reply, NULL);
        if (r < 0) {
                printf("Sessions are not shown: %s\n", e.message ?: strerror(-r));
                return;
        }
        const char *path;
        r = sd_bus_message_enter_container(reply, 'a', "o");
        while (r >= 0 && (r = sd_bus_message_read(reply, "o", &path)) > 0)
                session_seen(bus, path, true);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *eye = NULL;
        if (sd_bus_call_method(bus, KT_BUS_NAME, KT_OBJECT_PATH, KT_INTERFACE, "GetIncognito", NULL, &eye, NULL) >= 0 &&
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
        "member='NameOwnerChanged',arg0='" KT_BUS_NAME "'"

int verb_monitor(int argc, char **argv) {
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
                { KT_INTERFACE, "SyncFinished", on_event_signal },
                { KT_INTERFACE, "ConnectFinished", on_event_signal },
                /* Sent to this connection alone once it called WatchSessions. */
                { KT_INTERFACE, "SessionChanged", on_session_signal },
                { KT_INTERFACE, "SessionRemoved", on_session_signal },
                { KT_INTERFACE, "IncognitoChanged", on_session_signal },
        };
        for (size_t i = 0; i < ELEMENTSOF(matches); i++) {
                r = sd_bus_match_signal(bus, NULL, KT_BUS_NAME, NULL, matches[i].interface, matches[i].member, matches[i].cb, NULL);
                if (r < 0)
                        return report_error(NULL, r, "watch the daemon's signals");
        }
        r = sd_bus_add_match(bus, NULL, DAEMON_OWNER_MATCH, on_daemon_owner_changed, NULL);
        if (r < 0)
                return report_error(NULL, r, "watch the daemon's signals");
        struct sigaction sa = { .sa_handler = on_stop_signal };
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
        r = run_until_stopped(bus);
        seen_free_all();
        return r;
}

/* ---- incognito: the user-wide eye ---- */

static int on_incognito_changed(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        int on;
        if (sd_bus_message_read(m, "b", &on) >= 0 && !on) {
                printf("Incognito was turned off (kinoctl incognito off, or another program of yours).\n");
                fflush(stdout);
                stop_requested = 1;
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
        if (call_method(bus, "SetIncognito", "turn incognito on again", NULL, "b", 1) != 0)
                stop_requested = 1;
        else
                (void) sd_bus_call_method(bus, KT_BUS_NAME, KT_OBJECT_PATH, KT_INTERFACE, "WatchSessions", NULL, NULL, NULL);
        return 0;
}

int verb_incognito(int argc, char **argv) {
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
                r = sd_bus_call_method(bus, KT_BUS_NAME, KT_OBJECT_PATH, KT_INTERFACE, "GetIncognito", &e, &reply, NULL);
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
                r = call_method(bus, "SetIncognito", "turn incognito off", NULL, "b", 0);
                if (r == 0)
                        printf("Incognito off: your sessions scrobble again (those with their own incognito stay private).\n");
                return r;
        }

        /* on: the daemon keeps it while this connection stays on the bus. */
        struct sigaction sa = { .sa_handler = on_stop_signal };
        sigaction(SIGINT, &sa, NULL);
        sigaction(SIGTERM, &sa, NULL);
        sigaction(SIGHUP, &sa, NULL);
        r = sd_bus_match_signal(bus, NULL, KT_BUS_NAME, KT_OBJECT_PATH, KT_INTERFACE, "IncognitoChanged", on_incognito_changed, NULL);
        if (r >= 0)
                r = sd_bus_add_match(bus, NULL, DAEMON_OWNER_MATCH, on_daemon_back, NULL);
        if (r < 0)
                return report_error(NULL, r, "watch the daemon's signals");
        r = call_method(bus, "SetIncognito", "turn incognito on", NULL, "b", 1);
        if (r != 0)
                return r;
        (void) sd_bus_call_method(bus, KT_BUS_NAME, KT_OBJECT_PATH, KT_INTERFACE, "WatchSessions", NULL, NULL, NULL);
        printf("Incognito on for all your sessions: nothing you watch leaves this machine.\n"
               "It lasts while this command runs; Ctrl+C or 'kinoctl incognito off' ends it.\n");
        fflush(stdout);
        return run_until_stopped(bus);
}
