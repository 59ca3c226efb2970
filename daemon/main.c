/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "build-config.h"
#include "errors.h"
#include "eye.h"
#include "log.h"
#include "connect.h"
#include "library.h"
#include "outbox.h"
#include "resolve.h"
#include "polkit.h"
#include "session.h"
#include "sync.h"
#include "trakt-client.h"
#include "trakt-bus.h"
#include "util.h"
#include "watchers.h"

#define DEFAULT_IDLE_TIMEOUT_SEC 30

/* ---- the wiring: where control runs against the includes (context.h's ContextHooks) ---- */

static void on_connection_changed(Context *c) {
        /* Connected again: what waited in the outbox goes now; expired: the dot turns red. */
        outbox_connection_changed(c);
        resolve_connection_changed(c);
        /* Sweeps run only while connected. */
        sync_connection_changed(c);
}

static void on_names_resolved(Context *c) {
        outbox_kick(c);
        session_names_resolved(c);
}

static const ContextHooks hooks = {
        .connection_changed = on_connection_changed,
        .names_resolved = on_names_resolved,
        .session_wants_lookup = session_wants_lookup,
        .session_lookup = session_lookup,
        .eye_changed = session_eye_changed,
};

static void context_done(Context *c) {
        polkit_queries_free(c);
        sessions_free(c);
        trakt_bus_unregister(c);
        /* Before the bus closes: closing it would count every holder as gone. */
        watchers_free(c);
        eyes_free(c);
        outbox_free(c);
        resolve_free(c);
        sync_free(c);
        library_followed_free(c);
        connect_flow_free(c);
        trakt_client_done(c);
        c->idle_timer = sd_event_source_disable_unref(c->idle_timer);
        c->filter_slot = sd_bus_slot_unref(c->filter_slot);
        c->http = http_free(c->http);
        if (c->bus) {
                sd_bus_flush(c->bus);
                c->bus = sd_bus_flush_close_unref(c->bus);
        }
        c->db = db_free(c->db);
        c->event = sd_event_unref(c->event);
        config_done(&c->config);
        free(c->state_dir);
        free(c->last_error);
        free(c->caller_cache_name);
        log_forget_secrets();
}

static int on_bus_message(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        context_touch(userdata);
        return 0; /* let the message be dispatched normally */
}

static int on_idle_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        Context *c = userdata;
        uint64_t deadline = c->last_activity_usec + c->idle_timeout_usec;
        int r;

        if (usec >= deadline && context_is_idle(c)) {
                log_info("Idle for %" PRIu64 " s, exiting.", c->idle_timeout_usec / USEC_PER_SEC);
                /* Give the name up first so a caller arriving now activates a new instance
                 * instead of talking to one that is going away. */
                r = sd_bus_release_name(c->bus, KT_BUS_NAME);
                if (r < 0)
                        log_warning_errno(r, "Failed to release %s: %m", KT_BUS_NAME);
                return sd_event_exit(sd_event_source_get_event(s), 0);
        }

        /* Connected (or connecting) it stays by design: no wakeups until State
         * changes, which arms the timer again (context_set_state). */
        if (c->state == CONN_CONNECTED || c->state == CONN_AUTHORIZING || c->state == CONN_AUTHORIZED)
                return sd_event_source_set_enabled(s, SD_EVENT_OFF);
        if (usec >= deadline)
                deadline = usec + c->idle_timeout_usec; /* busy: look again later */
        r = sd_event_source_set_time(s, deadline);
        if (r >= 0)
                r = sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
        return r;
}

static void help(void) {
        printf("kino-traktd " PACKAGE_VERSION " — the Trakt.tv service behind org.kino.Trakt\n\n"
               "  -h --help              Show this help\n"
               "     --version           Show the version\n"
               "     --session           Use the session bus instead of the system bus\n"
               "     --state-dir DIR     Keep state in DIR (default: $STATE_DIRECTORY, else " DEFAULT_STATE_DIR ")\n"
               "     --config FILE       Read FILE instead of " CONFIG_FILE "\n"
               "     --idle-timeout SEC  Exit after SEC idle seconds when not connected (0 = never; default %d)\n"
               "     --sync-interval SEC Seconds between incremental sweeps (1-86400; default: sync_interval in the config)\n"
               "  -v --verbose           Log debug messages\n",
               DEFAULT_IDLE_TIMEOUT_SEC);
}

typedef struct Args {
        bool session_bus;
        const char *state_dir;
        const char *config_file;
        uint64_t idle_timeout_sec;
        uint64_t sync_interval_sec; /* 0: the configuration's */
        bool verbose;
} Args;

static int parse_args(int argc, char **argv, Args *a) {
        enum { ARG_VERSION = 0x100, ARG_SESSION, ARG_STATE_DIR, ARG_CONFIG, ARG_IDLE_TIMEOUT, ARG_SYNC_INTERVAL };
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, ARG_VERSION },
                { "session", no_argument, NULL, ARG_SESSION },
                { "state-dir", required_argument, NULL, ARG_STATE_DIR },
                { "config", required_argument, NULL, ARG_CONFIG },
                { "idle-timeout", required_argument, NULL, ARG_IDLE_TIMEOUT },
                /* Overrides sync_interval, also below the configuration's minimum of 30 s (tests). */
                { "sync-interval", required_argument, NULL, ARG_SYNC_INTERVAL },
                { "verbose", no_argument, NULL, 'v' },
                {}
        };
        int opt;

        while ((opt = getopt_long(argc, argv, "hv", options, NULL)) >= 0)
                switch (opt) {
                case 'h':
                        help();
                        return 0;
                case ARG_VERSION:
                        printf("kino-traktd " PACKAGE_VERSION "\n");
                        return 0;
                case ARG_SESSION:
                        a->session_bus = true;
                        break;
                case ARG_STATE_DIR:
                        a->state_dir = optarg;
                        break;
                case ARG_CONFIG:
                        a->config_file = optarg;
                        break;
                case ARG_IDLE_TIMEOUT: {
                        char *end;
                        errno = 0;
                        unsigned long long v = strtoull(optarg, &end, 10);
                        if (errno || end == optarg || *end || optarg[0] == '-' || v > 86400ULL * 365) {
                                fprintf(stderr, "--idle-timeout takes a whole number of seconds, not '%s'.\n", optarg);
                                return -EINVAL;
                        }
                        a->idle_timeout_sec = v;
                        break;
                }
                case ARG_SYNC_INTERVAL: {
                        char *end;
                        errno = 0;
                        unsigned long long v = strtoull(optarg, &end, 10);
                        if (errno || end == optarg || *end || optarg[0] == '-' || v < 1 || v > 86400) {
                                fprintf(stderr, "--sync-interval takes a whole number of seconds from 1 to 86400, not '%s'.\n", optarg);
                                return -EINVAL;
                        }
                        a->sync_interval_sec = v;
                        break;
                }
                case 'v':
                        a->verbose = true;
                        break;
                default:
                        return -EINVAL;
                }

        if (optind < argc) {
                fprintf(stderr, "kino-traktd takes no positional arguments.\n");
                return -EINVAL;
        }
        return 1;
}

/* $STATE_DIRECTORY (systemd; may list several, colon-separated: take the
 * first), else --state-dir, else the built-in default — the contract's order. */
static char *pick_state_dir(const char *arg) {
        const char *e = getenv("STATE_DIRECTORY");
        if (!isempty(e)) {
                const char *colon = strchr(e, ':');
                return colon ? strndup(e, (size_t) (colon - e)) : strdup(e);
        }
        return strdup(arg ?: DEFAULT_STATE_DIR);
}

static int load_state(Context *c) {
        _cleanup_free_ char *id = NULL, *secret = NULL, *conn = NULL, *err = NULL;
        int r;

        r = db_get_credentials(c->db, &id, &secret);
        if (r < 0 && r != -ENOENT)
                return r;
        if (r < 0 || isempty(id)) {
                c->state = CONN_UNCONFIGURED;
        } else {
                log_add_secret(secret);
                http_set_client_id(c->http, id);
                (void) db_get_setting(c->db, "connection", &conn);
                ConnState s = conn_state_from_string(conn);
                c->state = (s == CONN_CONNECTED || s == CONN_EXPIRED) ? s : CONN_DISCONNECTED;
        }

        _cleanup_free_ char *access = NULL, *refresh = NULL;
        if (db_get_tokens(c->db, &access, &refresh, NULL, NULL) >= 0) {
                log_add_secret(access);
                log_add_secret(refresh);
        }

        if (db_get_setting(c->db, "last_error", &err) >= 0 && !isempty(err))
                c->last_error = TAKE_PTR(err);
        return 0;
}

static int run(int argc, char **argv) {
        _cleanup_(context_done) Context c = {};
        Args a = { .idle_timeout_sec = DEFAULT_IDLE_TIMEOUT_SEC };
        int r;

        c.hooks = &hooks;

        r = parse_args(argc, argv, &a);
        if (r <= 0)
                return r < 0 ? 2 : 0;

        log_set_max_level(a.verbose ? LOG_DEBUG : LOG_INFO);
        umask(0077);

        config_init_defaults(&c.config);
        g_autoptr(GError) gerr = NULL;
        if (!config_load(&c.config, a.config_file ?: CONFIG_FILE, &gerr)) {
                log_error("Bad configuration: %s", gerr->message);
                return 1;
        }
        if (a.sync_interval_sec > 0)
                c.config.sync_interval_sec = (unsigned) a.sync_interval_sec;

        c.state_dir = pick_state_dir(a.state_dir);
        if (!c.state_dir)
                return log_error("Out of memory."), 1;
        r = db_open(&c.db, c.state_dir);
        if (r < 0) {
                log_error_errno(r, "Cannot open the state database in %s: %m", c.state_dir);
                return 1;
        }

        r = sd_event_default(&c.event);
        if (r < 0)
                return log_error_errno(r, "Failed to allocate the event loop: %m"), 1;

        sigset_t mask;
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        if (sd_event_add_signal(c.event, NULL, SIGTERM, NULL, NULL) < 0 ||
            sd_event_add_signal(c.event, NULL, SIGINT, NULL, NULL) < 0)
                return log_error("Failed to install signal handlers."), 1;
        signal(SIGPIPE, SIG_IGN);

        r = http_new(&c.http, c.event, &c.config);
        if (r < 0)
                return log_error_errno(r, "Failed to set up HTTP: %m"), 1;

        r = load_state(&c);
        if (r < 0)
                return log_error_errno(r, "Failed to read the stored state: %m"), 1;

        c.session_bus = a.session_bus;
        r = a.session_bus ? sd_bus_open_user(&c.bus) : sd_bus_open_system(&c.bus);
        if (r < 0)
                return log_error_errno(r, "Failed to connect to the %s bus: %m", a.session_bus ? "session" : "system"), 1;
        (void) sd_bus_set_description(c.bus, "kino-traktd");
        /* The bus gone (dbus-daemon stopped, a test rig torn down): nobody can
         * reach us any more, so end the loop and exit cleanly; state is on disk. */
        r = sd_bus_set_exit_on_disconnect(c.bus, true);
        if (r < 0)
                return log_error_errno(r, "Failed to set up exiting with the bus: %m"), 1;
        r = sd_bus_attach_event(c.bus, c.event, SD_EVENT_PRIORITY_NORMAL);
        if (r < 0)
                return log_error_errno(r, "Failed to attach the bus to the event loop: %m"), 1;
        r = sd_bus_add_filter(c.bus, &c.filter_slot, on_bus_message, &c);
        if (r < 0)
                return log_error_errno(r, "Failed to add the bus filter: %m"), 1;

        r = trakt_bus_register(&c);
        if (r < 0)
                return 1;

        c.instance = now_realtime_usec();
        r = outbox_setup(&c);
        if (r < 0)
                return log_error_errno(r, "Failed to set up the outbox: %m"), 1;
        r = resolve_setup(&c);
        if (r < 0)
                return log_error_errno(r, "Failed to set up title look-ups: %m"), 1;

        r = eye_restore(&c);
        if (r < 0)
                log_warning_errno(r, "Could not bring back the user-wide incognito: %m");
        r = watchers_restore(&c);
        if (r < 0)
                log_warning_errno(r, "Could not bring back who watches the sessions: %m");

        r = sd_bus_request_name(c.bus, KT_BUS_NAME, 0);
        if (r < 0)
                return log_error_errno(r, "Failed to own %s on the %s bus: %m", KT_BUS_NAME,
                                       a.session_bus ? "session" : "system"), 1;

        context_touch(&c);
        c.idle_timeout_usec = a.idle_timeout_sec * USEC_PER_SEC;
        if (c.idle_timeout_usec > 0) {
                r = sd_event_add_time(c.event, &c.idle_timer, CLOCK_MONOTONIC,
                                      c.last_activity_usec + c.idle_timeout_usec, USEC_PER_SEC / 10,
                                      on_idle_timer, &c);
                if (r < 0)
                        return log_error_errno(r, "Failed to set up the idle timer: %m"), 1;
        }

        if (c.state == CONN_CONNECTED) {
                trakt_client_schedule_refresh(&c);
                sync_connection_changed(&c);
                sync_resume_interrupted(&c);
        }

        log_info("kino-traktd " PACKAGE_VERSION " ready on the %s bus (state %s, state folder %s, Trakt %s).",
                 a.session_bus ? "session" : "system", conn_state_to_string(c.state), c.state_dir,
                 c.config.api_url);
        (void) sd_notify(false, "READY=1\nSTATUS=Ready.");

        r = sd_event_loop(c.event);
        (void) sd_notify(false, "STOPPING=1");
        if (r < 0)
                return log_error_errno(r, "Event loop failed: %m"), 1;
        log_info("Exiting.");
        return 0;
}

int main(int argc, char **argv) {
        return run(argc, argv);
}
