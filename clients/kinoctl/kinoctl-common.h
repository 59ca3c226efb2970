/* SPDX-License-Identifier: MIT */
#pragma once

/* What kinoctl's verbs share: the global options, reaching the daemon, one
 * line and one exit code for every failure, reading replies, and the words
 * and formats the verbs print. */
#include <getopt.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <systemd/sd-bus.h>

#include "bus-names.h"
#include "kinoctl-args.h"
#include "util.h"

/* Exit codes (kinoctl(1)). */
enum {
        EXIT_OK = 0,
        EXIT_FAIL = 1,
        EXIT_USAGE = 2,
        EXIT_NO_DAEMON = 3,
        EXIT_DENIED = 4,
};

/* The global options (kinoctl.c sets them before a verb runs). */
extern bool arg_session; /* --session: the daemon on the session bus */
extern bool arg_json;    /* --json: print JSON where a verb can */

/* ---- reaching the daemon ----
 * Each verb checks its arguments first (EXIT_USAGE, without touching the bus)
 * and only then calls acquire_bus(), so "bad arguments" never depends on
 * whether the daemon runs. */

/* One clean line on stderr for a failed call (e: the bus error, if any; r:
 * the errno-style result; what: "Failed to WHAT" when nothing better is
 * known), and the exit code that goes with it. */
int report_error(const sd_bus_error *e, int r, const char *what);

/* The system bus (the session bus with --session) with our error map and
 * interactive authorization allowed; EXIT_NO_DAEMON and one line when there
 * is no bus. */
int acquire_bus(sd_bus **ret);

/* Start the daemon if needed and make sure it answers. */
int ping_daemon(sd_bus *bus);

/* acquire_bus() for calls whose polkit action may ask for a password: then
 * ping, and let calls wait as long as a person may take to type it. */
int acquire_bus_to_authenticate(sd_bus **ret);

/* A call to the daemon: media (if not NULL) first as an a{sv}, then sig's
 * arguments; a failure is reported with what and its exit code returned.
 * ret_reply may be NULL. */
int call_methodv(sd_bus *bus, const char *path, const char *interface, const char *method, const char *what,
                 const MediaArg *media, sd_bus_message **ret_reply, const char *sig, va_list ap);

/* A method of the main object; ret_reply may be NULL. */
int call_method(sd_bus *bus, const char *method, const char *what, sd_bus_message **ret_reply, const char *sig, ...);

/* A method of the main object that takes a media dictionary first (failures
 * are reported with the method's name). */
int call_with_media(sd_bus *bus, const char *method, const MediaArg *a, sd_bus_message **ret_reply, const char *more, ...);

/* ---- arguments ---- */

/* getopt_long for a verb's options, quiet: one line of our own on a bad option. */
int verb_getopt(int argc, char **argv, const struct option *options);

/* For verbs that take no arguments: EXIT_USAGE and one line if there are some. */
int no_args(int argc, char **argv);

/* MEDIA from the command line, or EXIT_USAGE with the parser's sentence. */
int parse_media_or_usage(const char *spec, MediaArg *ret);

/* One line of f without its line end, or NULL at the end (free() it). */
char *read_line(FILE *f);

/* ---- reading replies ---- */

/* One value of m (any D-Bus type) as JSON; 0 at the end of a container. */
int read_variant(sd_bus_message *m, struct json_object **ret);

/* Every property of an object as a JSON object; NULL (and the bus error in e,
 * the result in *ret_r if not NULL) on failure. */
struct json_object *get_all_at(sd_bus *bus, const char *path, const char *interface, sd_bus_error *e, int *ret_r);

/* Every property of the main object, or the exit code after one line. */
int get_all_properties(sd_bus *bus, struct json_object **ret);

/* A string member ("" when absent or not a string), a number member (0 when absent). */
const char *jstr(struct json_object *o, const char *k);
int64_t jint(struct json_object *o, const char *k);

/* ---- what verbs print ---- */

/* A time in µs since the epoch as local "YYYY-MM-DD HH:MM:SS TZ"; 0 is "never". */
void format_time(uint64_t usec, char *buf, size_t n);

/* The player's status dot (ScrobbleStatus) in words; NULL for an unknown value. */
const char *dot_meaning(const char *s);

/* A media dictionary as "Title (Year)", "Show S01E02", or its best id. */
const char *media_label(struct json_object *h, char *buf, size_t n);

/* ---- waiting for the daemon's signals ---- */

/* Set by on_stop_signal (the handler verbs install for SIGINT and the like)
 * or by a verb's own callbacks: stop waiting. */
extern volatile sig_atomic_t stop_requested;
void on_stop_signal(int sig);

/* The end of a job the daemon reports with ConnectFinished or SyncFinished. */
typedef struct Waiter {
        bool done;
        bool ok;
        char *error;
        const char *kind; /* SyncFinished kind to wait for, NULL for ConnectFinished */
} Waiter;

/* Frees what a Waiter holds (for _cleanup_). */
void waiter_done(Waiter *w);

/* Match callbacks that fill a Waiter (userdata). */
int on_connect_finished(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);
int on_sync_finished(sd_bus_message *m, void *userdata, sd_bus_error *ret_error);

/* Process the bus until w is done or stop_requested, calling tick (if not
 * NULL) at least every half second. */
int wait_for(sd_bus *bus, Waiter *w, void (*tick)(sd_bus *bus));

/* Wait for the end of a job the daemon runs (job: "import", "sweep") and say
 * how it ended: success on stdout, or one line on stderr and EXIT_FAIL (also
 * when the user stops waiting: the job goes on). tick as for wait_for. */
int wait_job(sd_bus *bus, Waiter *w, void (*tick)(sd_bus *bus), const char *job, const char *success);

/* Start a job with method (what: for a failure's line) and wait as wait_job
 * does for its SyncFinished(kind), listening before it starts: a job with
 * nothing to do ends within milliseconds. Ctrl+C stops the waiting. */
int run_job(sd_bus *bus, const char *method, const char *what, const char *kind, void (*tick)(sd_bus *bus), const char *job,
            const char *success);
