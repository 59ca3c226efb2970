/* SPDX-License-Identifier: MIT */
/* kinoctl status: the connection, the status dot and the toggles. */
#include <inttypes.h>
#include <stdarg.h>

#include "categories.h"
#include "kinoctl-common.h"
#include "kinoctl-verbs.h"

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

int verb_status(int argc, char **argv) {
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
                for (size_t i = 0; i < ELEMENTSOF(kt_categories); i++) {
                        struct json_object *b;
                        bool on = !json_object_object_get_ex(v, kt_categories[i], &b) || json_object_get_boolean(b);
                        size_t n = strlen(line);
                        snprintf(line + n, sizeof line - n, "%s%s %s", i > 0 ? ", " : "", kt_categories[i], on ? "on" : "off");
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
