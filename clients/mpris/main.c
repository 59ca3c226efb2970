/* SPDX-License-Identifier: MIT */
/* kino-trakt-mpris: scrobbles what desktop video players play, through their
 * MPRIS interface on the session bus, to kino-traktd on the system bus.
 * A per-user program with no configuration needed (see players.h,
 * sessions.h, playback.h for how; README "The MPRIS bridge" for use). */
#include <errno.h>
#include <glib-unix.h>
#include <gio/gio.h>
#include <locale.h>
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "mpris-config.h"
#include "players.h"
#include "release-name.h"
#include "sessions.h"

/* One copy per session bus: the autostart entry and the user unit may both start it. */
#define BRIDGE_BUS_NAME "org.kino.Trakt.Mpris"
#define EXIT_CONFIG 78 /* EX_CONFIG: the unit does not restart on it */
#define FLUSH_TIMEOUT_MS 3000

typedef struct Bridge {
        GMainLoop *loop;
        MprisConfig config;
        char *config_path;
        bool replace;
        GDBusConnection *session_bus;
        GDBusConnection *system_bus;
        Sessions *sessions;
        Players *players;
        guint own_id;
        bool owned;
        bool stopping;
        gint64 stop_deadline;
        int exit_code;
        unsigned pending_buses;
} Bridge;

static bool verbose;

static GLogWriterOutput log_writer(GLogLevelFlags level, const GLogField *fields, gsize n, gpointer userdata) {
        if ((level & G_LOG_LEVEL_DEBUG) && !verbose)
                return G_LOG_WRITER_HANDLED;
        if (g_log_writer_is_journald(fileno(stderr)) &&
            g_log_writer_journald(level, fields, n, userdata) == G_LOG_WRITER_HANDLED)
                return G_LOG_WRITER_HANDLED;
        const char *message = "";
        for (gsize i = 0; i < n; i++)
                if (strcmp(fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
                        message = fields[i].value;
        const char *prefix = (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL)) ? "error: "
                             : (level & G_LOG_LEVEL_WARNING)                        ? "warning: "
                                                                                    : "";
        fprintf(stderr, "kino-trakt-mpris: %s%s\n", prefix, message);
        return G_LOG_WRITER_HANDLED;
}

/* ---- --identify ---- */

static int run_identify(void) {
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        int r = 0;

        while ((len = getline(&line, &cap, stdin)) >= 0) {
                while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
                        line[--len] = 0;
                /* A pasted file:// url is decoded first, as the bridge does. */
                g_autofree char *path = g_str_has_prefix(line, "file://") ? g_filename_from_uri(line, NULL, NULL) : NULL;
                ReleaseInfo info;
                release_name_parse(path ?: line, NULL, &info);
                if (release_info_write_json(&info, stdout) < 0 || fflush(stdout) != 0) {
                        r = 1;
                        break;
                }
        }
        free(line);
        if (ferror(stdin)) {
                fprintf(stderr, "kino-trakt-mpris: cannot read standard input: %s\n", strerror(errno));
                return 1;
        }
        return r;
}

/* ---- life cycle ---- */

static gboolean on_flush_tick(gpointer userdata) {
        Bridge *b = userdata;
        if (b->sessions && sessions_busy(b->sessions) && g_get_monotonic_time() < b->stop_deadline)
                return G_SOURCE_CONTINUE;
        if (b->sessions && sessions_busy(b->sessions))
                g_warning("Exiting before the daemon had everything: %u session(s) left.", sessions_pending(b->sessions));
        g_main_loop_quit(b->loop);
        return G_SOURCE_REMOVE;
}

/* players_gone: the players went with the session bus (Stop what they
 * played); else they may go on without us (Pause it). */
static void begin_exit(Bridge *b, bool players_gone, int code) {
        if (b->stopping)
                return;
        b->stopping = true;
        b->exit_code = code;
        if (b->players) {
                if (players_gone)
                        players_vanish_all(b->players);
                else
                        players_suspend_all(b->players);
        }
        b->stop_deadline = g_get_monotonic_time() + FLUSH_TIMEOUT_MS * 1000;
        if (on_flush_tick(b) == G_SOURCE_CONTINUE)
                g_timeout_add(50, on_flush_tick, b);
}

static gboolean on_sigterm(gpointer userdata) {
        Bridge *b = userdata;
        g_message("Exiting on a signal.");
        begin_exit(b, false, 0);
        return G_SOURCE_CONTINUE;
}

static gboolean on_sighup(gpointer userdata) {
        Bridge *b = userdata;
        g_autoptr(GError) e = NULL;
        /* From the defaults: a line taken out of the file is back to its default. */
        MprisConfig fresh;
        mpris_config_init(&fresh);
        if (!mpris_config_load(&fresh, b->config_path, &e)) {
                g_warning("%s (the previous configuration stays)", e->message);
                mpris_config_clear(&fresh);
                return G_SOURCE_CONTINUE;
        }
        mpris_config_clear(&b->config);
        b->config = fresh; /* in place: the players read it through a pointer */
        g_message("Configuration read again from %s.", b->config_path);
        if (b->players)
                players_config_changed(b->players);
        return G_SOURCE_CONTINUE;
}

static void on_session_bus_closed(GDBusConnection *c, gboolean remote, GError *error, gpointer userdata) {
        Bridge *b = userdata;
        g_message("The session bus is gone; exiting.");
        begin_exit(b, true, 0);
}

static void on_system_bus_closed(GDBusConnection *c, gboolean remote, GError *error, gpointer userdata) {
        Bridge *b = userdata;
        g_warning("The system bus connection is gone%s%s; exiting.", error ? ": " : "", error ? error->message : "");
        /* Nothing can reach the daemon any more: do not wait for it. */
        b->stopping = true;
        b->exit_code = 1;
        g_main_loop_quit(b->loop);
}

static void on_name_acquired(GDBusConnection *c, const char *name, gpointer userdata) {
        Bridge *b = userdata;
        if (b->owned || b->stopping)
                return;
        b->owned = true;
        g_message("Watching MPRIS players (configuration: %s).", b->config_path);
        b->sessions = sessions_new(b->system_bus);
        b->players = players_new(b->session_bus, b->sessions, &b->config);
}

static void on_name_lost(GDBusConnection *c, const char *name, gpointer userdata) {
        Bridge *b = userdata;
        if (b->stopping)
                return;
        if (!c || g_dbus_connection_is_closed(c))
                return; /* on_session_bus_closed says it */
        if (!b->owned) {
                g_message("Another kino-trakt-mpris already runs on this session bus; nothing to do.");
                b->stopping = true;
                g_main_loop_quit(b->loop);
                return;
        }
        g_message("Another kino-trakt-mpris took over (--replace); exiting.");
        begin_exit(b, false, 0);
}

static void start(Bridge *b) {
        g_dbus_connection_set_exit_on_close(b->session_bus, FALSE);
        g_dbus_connection_set_exit_on_close(b->system_bus, FALSE);
        g_signal_connect(b->session_bus, "closed", G_CALLBACK(on_session_bus_closed), b);
        g_signal_connect(b->system_bus, "closed", G_CALLBACK(on_system_bus_closed), b);
        GBusNameOwnerFlags flags = G_BUS_NAME_OWNER_FLAGS_ALLOW_REPLACEMENT | G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE;
        if (b->replace)
                flags |= G_BUS_NAME_OWNER_FLAGS_REPLACE;
        b->own_id = g_bus_own_name_on_connection(b->session_bus, BRIDGE_BUS_NAME, flags, on_name_acquired,
                                                 on_name_lost, b, NULL);
}

typedef struct BusReady {
        Bridge *b;
        GDBusConnection **slot;
        const char *what;
} BusReady;

static void on_bus(GObject *src, GAsyncResult *res, gpointer userdata) {
        BusReady *r = userdata;
        Bridge *b = r->b;
        g_autoptr(GError) e = NULL;
        b->pending_buses--;
        *r->slot = g_bus_get_finish(res, &e);
        if (!*r->slot) {
                g_printerr("kino-trakt-mpris: cannot connect to the %s: %s\n", r->what, e->message);
                if (!b->stopping) {
                        b->stopping = true;
                        b->exit_code = 1;
                        g_main_loop_quit(b->loop);
                }
        } else if (b->session_bus && b->system_bus && !b->stopping)
                start(b);
        g_free(r);
}

static void get_bus(Bridge *b, GBusType type, GDBusConnection **slot, const char *what) {
        BusReady *r = g_new0(BusReady, 1);
        r->b = b;
        r->slot = slot;
        r->what = what;
        b->pending_buses++;
        g_bus_get(type, NULL, on_bus, r);
}

int main(int argc, char **argv) {
        gboolean identify = FALSE, replace = FALSE, version = FALSE;
        g_autofree char *config_path = NULL;
        GOptionEntry entries[] = {
                { "identify", 0, 0, G_OPTION_ARG_NONE, &identify,
                  "Read one file path or name per line on standard input; print one JSON line each "
                  "(type, title, year, season, episode)", NULL },
                { "config", 'c', 0, G_OPTION_ARG_FILENAME, &config_path,
                  "Read FILE instead of $XDG_CONFIG_HOME/kino-trakt/mpris.conf", "FILE" },
                { "replace", 0, 0, G_OPTION_ARG_NONE, &replace, "Take over from a copy already running", NULL },
                { "verbose", 'v', 0, G_OPTION_ARG_NONE, &verbose, "Log debugging detail", NULL },
                { "version", 0, 0, G_OPTION_ARG_NONE, &version, "Print the version", NULL },
                {},
        };

        setlocale(LC_ALL, "");
#ifdef M_MMAP_THRESHOLD
        /* Any program on the session bus may send megabytes of metadata. A
         * fixed threshold keeps such buffers mmapped and gives them back when
         * freed; glibc's default raises it after the first one, and the heap
         * then keeps what a hostile player made us read. */
        mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
        g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
        g_option_context_set_summary(ctx,
                                     "Scrobbles what desktop video players (mpv, VLC, Celluloid, ...) play to "
                                     "Trakt through kino-traktd, using their MPRIS interface.");
        g_option_context_add_main_entries(ctx, entries, NULL);
        g_autoptr(GError) e = NULL;
        if (!g_option_context_parse(ctx, &argc, &argv, &e) || argc > 1) {
                g_printerr("kino-trakt-mpris: %s (see --help)\n", e ? e->message : "unexpected arguments");
                return 2;
        }
        if (version) {
                printf("kino-trakt-mpris %s\n", VERSION);
                return 0;
        }
        if (identify)
                return run_identify();

        g_log_set_writer_func(log_writer, NULL, NULL);

        Bridge b = { .replace = replace };
        mpris_config_init(&b.config);
        b.config_path = config_path ? g_strdup(config_path) : mpris_config_default_path();
        if (!mpris_config_load(&b.config, b.config_path, &e)) {
                g_printerr("kino-trakt-mpris: %s\n", e->message);
                mpris_config_clear(&b.config);
                g_free(b.config_path);
                return EXIT_CONFIG;
        }

        b.loop = g_main_loop_new(NULL, FALSE);
        guint sig_term = g_unix_signal_add(SIGTERM, on_sigterm, &b);
        guint sig_int = g_unix_signal_add(SIGINT, on_sigterm, &b);
        guint sig_hup = g_unix_signal_add(SIGHUP, on_sighup, &b);
        get_bus(&b, G_BUS_TYPE_SESSION, &b.session_bus, "session bus");
        get_bus(&b, G_BUS_TYPE_SYSTEM, &b.system_bus, "system bus");

        g_main_loop_run(b.loop);

        if (b.own_id)
                g_bus_unown_name(b.own_id);
        players_free(b.players);
        sessions_free(b.sessions);
        g_source_remove(sig_term);
        g_source_remove(sig_int);
        g_source_remove(sig_hup);
        /* Connections still being set up finish first (their callbacks use b). */
        while (b.pending_buses > 0)
                g_main_context_iteration(NULL, TRUE);
        if (b.session_bus)
                g_signal_handlers_disconnect_by_data(b.session_bus, &b);
        if (b.system_bus)
                g_signal_handlers_disconnect_by_data(b.system_bus, &b);
        g_clear_object(&b.session_bus);
        g_clear_object(&b.system_bus);
        g_main_loop_unref(b.loop);
        mpris_config_clear(&b.config);
        g_free(b.config_path);
        return b.exit_code;
}
