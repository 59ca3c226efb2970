/* SPDX-License-Identifier: MIT */
/* The helpers kinoctl's verbs share (kinoctl-common.h). */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "kinoctl-common.h"

/* dbus-daemon's answer when an activation takes too long (sd-bus has no name for it). */
#define BUS_ERROR_TIMED_OUT "org.freedesktop.DBus.Error.TimedOut"

/* ---- reaching the daemon ---- */

static const char *bus_kind(void) {
        return arg_session ? "session" : "system";
}

/* Where kino-traktd's own messages are. */
static const char *daemon_log_hint(void) {
        return arg_session ? "see the output of kino-traktd --session" : "see 'journalctl -u kino-traktd'";
}

/* One clean line for a failed call, and the exit code that goes with it. */
int report_error(const sd_bus_error *e, int r, const char *what) {
        if (e && sd_bus_error_is_set(e)) {
                if (sd_bus_error_has_names(e, SD_BUS_ERROR_SERVICE_UNKNOWN, SD_BUS_ERROR_NAME_HAS_NO_OWNER)) {
                        fprintf(stderr, "kino-traktd is not running (no org.kino.Trakt on the %s bus).\n", bus_kind());
                        return EXIT_NO_DAEMON;
                }
                /* sd-bus's own timeout, or the bus's when activation took too long:
                 * the daemon hangs, or cannot start and keeps systemd waiting. */
                if (sd_bus_error_has_names(e, SD_BUS_ERROR_TIMEOUT, BUS_ERROR_TIMED_OUT)) {
                        fprintf(stderr, "kino-traktd did not answer in time; %s for why.\n", daemon_log_hint());
                        return EXIT_NO_DAEMON;
                }
                if (sd_bus_error_has_name(e, SD_BUS_ERROR_NO_REPLY)) {
                        fprintf(stderr, "kino-traktd stopped without answering; %s for why.\n", daemon_log_hint());
                        return EXIT_NO_DAEMON;
                }
                if (sd_bus_error_has_name(e, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED)) {
                        /* polkit would allow it after authentication, and none
                         * happened: kinoctl always allows interaction, so no
                         * agent could ask (no desktop session, no pkttyagent). */
                        fprintf(stderr, "Permission denied: this needs authentication and no polkit agent could ask for it; "
                                        "run it on a terminal or in a desktop session, or as root.\n");
                        return EXIT_DENIED;
                }
                if (sd_bus_error_has_name(e, SD_BUS_ERROR_ACCESS_DENIED)) {
                        const char *m = e->message ?: "";
                        if (isempty(m) || strncmp(m, "Rejected send message", 21) == 0)
                                /* dbus-daemon's own refusal: its text is a rule dump, not a sentence. */
                                m = "the bus policy does not let you call kino-traktd (is dbus/org.kino.Trakt.conf installed?).";
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
        if (r == -ETIMEDOUT) {
                fprintf(stderr, "kino-traktd did not answer in time; %s for why.\n", daemon_log_hint());
                return EXIT_NO_DAEMON;
        }
        fprintf(stderr, "Failed to %s: %s\n", what, strerror(r < 0 ? -r : r));
        return EXIT_FAIL;
}

/* Each verb validates its arguments first and only then asks for the bus, so
 * "bad arguments" (2) never depends on whether the daemon runs. */
int acquire_bus(sd_bus **ret) {
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
int ping_daemon(sd_bus *bus) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r = sd_bus_call_method(bus, KT_BUS_NAME, KT_OBJECT_PATH, "org.freedesktop.DBus.Peer", "Ping", &e, NULL, NULL);
        return r < 0 ? report_error(&e, r, "reach kino-traktd") : EXIT_OK;
}

/* How long a call may wait while polkit asks someone for a password: as long
 * as the daemon waits for polkit's answer. */
#define AUTHENTICATION_TIMEOUT_USEC (5 * 60 * USEC_PER_SEC)

/* Before a call whose polkit action may ask for a password: make sure the
 * daemon answers at all (the usual timeout), then let the calls wait as long
 * as a person may take to type it, so kinoctl does not give up on a call
 * that then succeeds. */
/* ---- a polkit agent on the terminal ---- */

/* How long the agent may take to register before the call goes ahead
 * without it (it then cannot ask: the call fails with a sentence). */
#define AGENT_READY_TIMEOUT_MSEC 5000

static pid_t agent_pid;

static void agent_close(void) {
        if (agent_pid <= 0)
                return;
        (void) kill(agent_pid, SIGTERM);
        (void) waitpid(agent_pid, NULL, 0);
        agent_pid = 0;
}

/* Like systemctl and busctl: when a person sits at a terminal and no desktop
 * agent may be there to ask, start pkttyagent for this process's session
 * (--fallback: a desktop's own agent stays first) and wait until it has
 * registered, so polkit can ask for the password right here. Never for
 * root (polkit is not asked), the session bus (no polkit) or without a
 * terminal; KINOCTL_NO_AGENT=1 turns it off. Best effort: without
 * pkttyagent the call goes on and fails with the sentence above. */
static void agent_open(void) {
        int fds[2];
        const char *off = getenv("KINOCTL_NO_AGENT");

        if (agent_pid > 0 || arg_session || geteuid() == 0 || (off && streq(off, "1")) || !isatty(STDIN_FILENO) ||
            !isatty(STDERR_FILENO))
                return;
        if (pipe2(fds, O_CLOEXEC) < 0)
                return;
        (void) fflush(stdout);
        (void) fflush(stderr);
        pid_t pid = fork();
        if (pid < 0) {
                close(fds[0]);
                close(fds[1]);
                return;
        }
        if (pid == 0) {
                char fd[16];
                /* Gone with kinoctl, even when kinoctl is killed. */
                (void) prctl(PR_SET_PDEATHSIG, SIGTERM);
                /* The write end crosses exec; the agent closes it (or writes) once registered. */
                if (fcntl(fds[1], F_SETFD, 0) < 0)
                        _exit(127);
                snprintf(fd, sizeof fd, "%d", fds[1]);
                execlp("pkttyagent", "pkttyagent", "--notify-fd", fd, "--fallback", (char *) NULL);
                _exit(127);
        }
        close(fds[1]);
        agent_pid = pid;
        (void) atexit(agent_close);
        /* Registered, or gone (EOF): either way the call may go. */
        struct pollfd p = { .fd = fds[0], .events = POLLIN };
        (void) poll(&p, 1, AGENT_READY_TIMEOUT_MSEC);
        close(fds[0]);
}

int acquire_bus_to_authenticate(sd_bus **ret) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        agent_open();
        int r = acquire_bus(&bus);
        if (r == 0)
                r = ping_daemon(bus);
        if (r != 0)
                return r;
        (void) sd_bus_set_method_call_timeout(bus, AUTHENTICATION_TIMEOUT_USEC);
        *ret = TAKE_PTR(bus);
        return EXIT_OK;
}

int call_methodv(sd_bus *bus, const char *path, const char *interface, const char *method, const char *what,
                 const MediaArg *media, sd_bus_message **ret_reply, const char *sig, va_list ap) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        int r = sd_bus_message_new_method_call(bus, &m, KT_BUS_NAME, path, interface, method);
        if (r >= 0 && media) {
                r = sd_bus_message_open_container(m, 'a', "{sv}");
                for (size_t i = 0; r >= 0 && i < media->n; i++) {
                        const MediaField *f = &media->fields[i];
                        r = f->numeric ? sd_bus_message_append(m, "{sv}", f->key, "u", f->number)
                                       : sd_bus_message_append(m, "{sv}", f->key, "s", f->value);
                }
                if (r >= 0)
                        r = sd_bus_message_close_container(m);
        }
        if (r >= 0 && sig)
                r = sd_bus_message_appendv(m, sig, ap);
        if (r >= 0)
                r = sd_bus_call(bus, m, 0, &e, ret_reply);
        return r < 0 ? report_error(&e, r, what) : EXIT_OK;
}

int call_method(sd_bus *bus, const char *method, const char *what, sd_bus_message **ret_reply, const char *sig, ...) {
        va_list ap;
        va_start(ap, sig);
        int r = call_methodv(bus, KT_OBJECT_PATH, KT_INTERFACE, method, what, NULL, ret_reply, sig, ap);
        va_end(ap);
        return r;
}

int call_with_media(sd_bus *bus, const char *method, const MediaArg *a, sd_bus_message **ret_reply, const char *more, ...) {
        va_list ap;
        va_start(ap, more);
        int r = call_methodv(bus, KT_OBJECT_PATH, KT_INTERFACE, method, method, a, ret_reply, more, ap);
        va_end(ap);
        return r;
}

/* ---- arguments ---- */

/* getopt_long for a verb's options, quiet: one line of our own on a bad option. */
int verb_getopt(int argc, char **argv, const struct option *options) {
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

/* For verbs that take no arguments. */
int no_args(int argc, char **argv) {
        if (argc > 1) {
                fprintf(stderr, "kinoctl %s takes no arguments.\n", argv[0]);
                return EXIT_USAGE;
        }
        return EXIT_OK;
}

int parse_media_or_usage(const char *spec, MediaArg *ret) {
        _cleanup_free_ char *why = NULL;
        int r = media_arg_parse(spec, ret, &why);
        if (r == -ENOMEM)
                fprintf(stderr, "Out of memory.\n");
        else if (r < 0)
                fprintf(stderr, "%s\n", why);
        return r < 0 ? EXIT_USAGE : EXIT_OK;
}

char *read_line(FILE *f) {
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

/* ---- reading replies ---- */

/* The values up to the end of the container m is in, appended to array. */
static int read_items(sd_bus_message *m, struct json_object *array) {
        for (;;) {
                struct json_object *v;
                int r = read_variant(m, &v);
                if (r <= 0)
                        return r;
                json_object_array_add(array, v);
        }
}

/* The entries up to the end of the dictionary m is in (contents: its
 * signature, "{sv}"), as members of o. */
static int read_entries(sd_bus_message *m, const char *contents, struct json_object *o) {
        char entry[64];
        snprintf(entry, sizeof entry, "%.*s", (int) strlen(contents) - 2, contents + 1);
        for (;;) {
                const char *k;
                struct json_object *v;
                int r = sd_bus_message_enter_container(m, 'e', entry);
                if (r <= 0)
                        return r;
                r = sd_bus_message_read_basic(m, 's', &k);
                if (r < 0)
                        return r;
                _cleanup_free_ char *key = strdup(k);
                r = read_variant(m, &v);
                if (r < 0)
                        return r;
                if (key)
                        json_object_object_add(o, key, v);
                else
                        json_object_put(v);
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
}

int read_variant(sd_bus_message *m, struct json_object **ret) {
        char type;
        const char *contents;
        *ret = NULL;
        int r = sd_bus_message_peek_type(m, &type, &contents);
        if (r <= 0)
                return r; /* 0: the end of the container */

        switch (type) {
        case 's':
        case 'b':
        case 'u':
        case 't':
        case 'd':
        case 'y': {
                union {
                        const char *s;
                        int b;
                        uint32_t u;
                        uint64_t t;
                        double d;
                        uint8_t y;
                } v = {};
                r = sd_bus_message_read_basic(m, type, &v);
                if (r < 0)
                        return r;
                *ret = type == 's'   ? json_object_new_string(v.s)
                       : type == 'b' ? json_object_new_boolean(v.b)
                       : type == 'u' ? json_object_new_int64(v.u)
                       : type == 't' ? json_object_new_int64((int64_t) v.t)
                       : type == 'd' ? json_object_new_double(v.d)
                                     : json_object_new_int(v.y);
                return 1;
        }
        case 'r':
        case 'a':
        case 'v': {
                bool dict = type == 'a' && contents[0] == '{';
                struct json_object *o = type == 'v' ? NULL : dict ? json_object_new_object() : json_object_new_array();
                r = sd_bus_message_enter_container(m, type, contents);
                if (r >= 0)
                        r = type == 'v' ? read_variant(m, &o) : dict ? read_entries(m, contents, o) : read_items(m, o);
                if (r >= 0)
                        r = sd_bus_message_exit_container(m);
                if (r < 0) {
                        json_object_put(o);
                        return r;
                }
                *ret = o;
                return 1;
        }
        default: /* no other type in the contract's answers */
                return sd_bus_message_skip(m, NULL) < 0 ? -EBADMSG : 1;
        }
}

/* Every property of one object as a json object; NULL (and the bus error in e) on failure. */
struct json_object *get_all_at(sd_bus *bus, const char *path, const char *interface, sd_bus_error *e, int *ret_r) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        struct json_object *o = NULL;
        int r = sd_bus_call_method(bus, KT_BUS_NAME, path, "org.freedesktop.DBus.Properties", "GetAll", e, &reply, "s", interface);
        if (r >= 0 && (read_variant(reply, &o) < 0 || !o)) {
                json_object_put(o);
                o = NULL;
                r = -EBADMSG;
        }
        if (ret_r)
                *ret_r = r;
        return o;
}

int get_all_properties(sd_bus *bus, struct json_object **ret) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        int r = sd_bus_call_method(bus, KT_BUS_NAME, KT_OBJECT_PATH, "org.freedesktop.DBus.Properties", "GetAll", &e, &reply,
                                   "s", KT_INTERFACE);
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

const char *jstr(struct json_object *o, const char *k) {
        struct json_object *v;
        return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
}

int64_t jint(struct json_object *o, const char *k) {
        struct json_object *v;
        return json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

/* ---- what verbs print ---- */

void format_time(uint64_t usec, char *buf, size_t n) {
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
const char *dot_meaning(const char *s) {
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

/* "Title (Year)", "Show S01E02", or the best id when there is no title. */
const char *media_label(struct json_object *h, char *buf, size_t n) {
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

/* ---- waiting for the daemon's signals ---- */

volatile sig_atomic_t stop_requested = 0;

void on_stop_signal(int sig) {
        stop_requested = 1;
}

void waiter_done(Waiter *w) {
        free(w->error);
        w->error = NULL;
}

static void waiter_finish(Waiter *w, int ok, const char *error) {
        w->done = true;
        w->ok = ok;
        free(w->error);
        w->error = strdup(error);
}

int on_connect_finished(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        int ok;
        const char *err;
        if (sd_bus_message_read(m, "bs", &ok, &err) >= 0)
                waiter_finish(userdata, ok, err);
        return 0;
}

int on_sync_finished(sd_bus_message *m, void *userdata, sd_bus_error *ret_error) {
        Waiter *w = userdata;
        const char *kind, *err;
        int ok;
        if (sd_bus_message_read(m, "sbs", &kind, &ok, &err) >= 0 && (!w->kind || streq(kind, w->kind)))
                waiter_finish(w, ok, err);
        return 0;
}

int wait_for(sd_bus *bus, Waiter *w, void (*tick)(sd_bus *bus)) {
        while (!w->done && !stop_requested) {
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

int wait_job(sd_bus *bus, Waiter *w, void (*tick)(sd_bus *bus), const char *job, const char *success) {
        char what[64];
        int r = wait_for(bus, w, tick);
        if (tick && isatty(STDOUT_FILENO))
                printf("\n"); /* after the progress bar */
        if (r < 0) {
                snprintf(what, sizeof what, "follow the %s", job);
                return report_error(NULL, r, what);
        }
        if (stop_requested) {
                fprintf(stderr, "Stopped waiting; the %s goes on in the background.\n", job);
                return EXIT_FAIL;
        }
        if (!w->ok) {
                if (!isempty(w->error))
                        fprintf(stderr, "%s\n", w->error);
                else
                        fprintf(stderr, "The %s failed.\n", job);
                return EXIT_FAIL;
        }
        printf("%s\n", success);
        return EXIT_OK;
}

int run_job(sd_bus *bus, const char *method, const char *what, const char *kind, void (*tick)(sd_bus *bus), const char *job,
            const char *success) {
        _cleanup_(waiter_done) Waiter w = { .kind = kind };
        _cleanup_(sd_bus_slot_unrefp) sd_bus_slot *slot = NULL; /* unref'd before w goes */
        int r = sd_bus_match_signal(bus, &slot, KT_BUS_NAME, KT_OBJECT_PATH, KT_INTERFACE, "SyncFinished", on_sync_finished, &w);
        if (r < 0)
                return report_error(NULL, r, "watch the daemon's signals");
        r = call_method(bus, method, what, NULL, NULL);
        if (r != 0)
                return r;
        signal(SIGINT, on_stop_signal);
        return wait_job(bus, &w, tick, job, success);
}
