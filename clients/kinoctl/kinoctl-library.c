/* SPDX-License-Identifier: MIT */
/* kinoctl history, lists, watchlist, recommendations, rate, watched, resume:
 * what the daemon keeps, read and changed. */
#include <errno.h>
#include <inttypes.h>

#include "kinoctl-common.h"
#include "kinoctl-verbs.h"
#include "listurl.h"

/* AddList reads the whole list from Trakt before it answers (the daemon gives
 * up after 20 s): wait longer than sd-bus's default 25 s. */
#define ADD_LIST_TIMEOUT_USEC (60 * USEC_PER_SEC)

/* A method of the main object that answers with an array of dictionaries,
 * read as JSON; the exit code after one line on failure. */
static int call_for_list(sd_bus *bus, const char *method, const char *what, struct json_object **ret, const char *sig, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        va_list ap;
        va_start(ap, sig);
        int r = call_methodv(bus, KT_OBJECT_PATH, KT_INTERFACE, method, what, NULL, &reply, sig, ap);
        va_end(ap);
        if (r != 0)
                return r;
        *ret = NULL;
        if (read_variant(reply, ret) < 0 || !*ret) {
                json_object_put(*ret);
                return report_error(NULL, -EBADMSG, what);
        }
        return EXIT_OK;
}

/* With --json the list as it came; else one line per item. */
static void print_list(struct json_object *list, void (*print_item)(size_t i, struct json_object *item)) {
        if (arg_json)
                printf("%s\n", json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN));
        else
                for (size_t i = 0; i < json_object_array_length(list); i++)
                        print_item(i, json_object_array_get_idx(list, i));
}

/* "2026-11-24 20:15:00 CET  Title (Year)  [local, private]" */
static void print_watch(size_t i, struct json_object *h) {
        struct json_object *priv;
        char when[64], label[512];
        format_time((uint64_t) jint(h, "watched_at"), when, sizeof when);
        bool is_private = json_object_object_get_ex(h, "private", &priv) && json_object_get_boolean(priv);
        printf("%s  %s  [%s%s]\n", when, media_label(h, label, sizeof label), jstr(h, "origin"), is_private ? ", private" : "");
}

/* "  1. Title (Year)" */
static void print_numbered(size_t i, struct json_object *h) {
        char label[512];
        printf("%3zu. %s\n", i + 1, media_label(h, label, sizeof label));
}

int verb_history(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        struct json_object *list;
        unsigned long limit = 20;
        if (argc > 2 || (argc == 2 && (!args_parse_uint(argv[1], UINT32_MAX, &limit) || limit == 0))) {
                fprintf(stderr, "usage: kinoctl history [COUNT]  (COUNT: how many watches, 1 or more)\n");
                return EXIT_USAGE;
        }
        int r = acquire_bus(&bus);
        if (r == 0)
                r = call_for_list(bus, "GetHistory", "read the history", &list, "tu", (uint64_t) 0, (uint32_t) limit);
        if (r != 0)
                return r;
        print_list(list, print_watch);
        json_object_put(list);
        return EXIT_OK;
}

static int print_media_list(sd_bus *bus, const char *method, const char *arg) {
        struct json_object *list;
        int r = call_for_list(bus, method, "read the list", &list, "s", arg);
        if (r != 0)
                return r;
        print_list(list, print_numbered);
        json_object_put(list);
        return EXIT_OK;
}

static int add_list(sd_bus *bus, const char *url) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *id;
        (void) sd_bus_set_method_call_timeout(bus, ADD_LIST_TIMEOUT_USEC);
        int r = call_method(bus, "AddList", "add the list", &reply, "s", url);
        if (r != 0)
                return r;
        r = sd_bus_message_read(reply, "s", &id);
        if (r < 0)
                return report_error(NULL, r, "add the list");
        printf("%s\n", id);
        return EXIT_OK;
}

static int print_lists(sd_bus *bus) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *id, *name, *url, *kind;
        uint32_t count;
        int r = call_method(bus, "GetLists", "read the lists", &reply, NULL);
        if (r != 0)
                return r;
        r = sd_bus_message_enter_container(reply, 'a', "(ssssu)");
        while (r > 0 && (r = sd_bus_message_read(reply, "(ssssu)", &id, &name, &url, &kind, &count)) > 0)
                printf("%-20s %-30s %4" PRIu32 " items  %s%s\n", id, name, count, url, streq(kind, "watchlist") ? "  (system)" : "");
        return r < 0 ? report_error(NULL, r, "read the lists") : EXIT_OK;
}

int verb_lists(int argc, char **argv) {
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
                return print_media_list(bus, "GetListItems", argv[2]);
        if (remove) {
                r = call_method(bus, "RemoveList", "remove the list", NULL, "s", argv[2]);
                if (r == 0)
                        printf("List %s removed.\n", argv[2]);
                return r;
        }
        return print_lists(bus);
}

int verb_watchlist(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        int r = no_args(argc, argv);
        if (r == 0)
                r = acquire_bus(&bus);
        if (r != 0)
                return r;
        return print_media_list(bus, "GetListItems", "watchlist");
}

int verb_recommendations(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        if (argc != 2 || (!streq(argv[1], "movie") && !streq(argv[1], "show"))) {
                fprintf(stderr, "usage: kinoctl recommendations movie|show\n");
                return EXIT_USAGE;
        }
        int r = acquire_bus(&bus);
        if (r != 0)
                return r;
        return print_media_list(bus, "GetRecommendations", argv[1]);
}

int verb_rate(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(media_arg_done) MediaArg a = {};
        unsigned long rating;
        if (argc != 3 || !args_parse_uint(argv[2], 10, &rating)) {
                fprintf(stderr, "usage: kinoctl rate MEDIA 0-10   (0 removes the rating)\n");
                return EXIT_USAGE;
        }
        int r = parse_media_or_usage(argv[1], &a);
        if (r == 0)
                r = acquire_bus(&bus);
        if (r == 0)
                r = call_with_media(bus, "Rate", &a, NULL, "y", (uint8_t) rating);
        if (r == 0)
                printf(rating ? "Rated %lu/10.\n" : "Rating removed.\n", rating);
        return r;
}

int verb_watched(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(media_arg_done) MediaArg a = {};
        uint64_t when = 0;
        if (argc < 2 || argc > 3 || (argc == 3 && !args_parse_when(argv[2], &when))) {
                fprintf(stderr, "usage: kinoctl watched MEDIA [now|EPOCH-SECONDS|YYYY-MM-DDTHH:MM:SSZ]\n");
                return EXIT_USAGE;
        }
        int r = parse_media_or_usage(argv[1], &a);
        if (r == 0)
                r = acquire_bus(&bus);
        if (r == 0)
                r = call_with_media(bus, "MarkWatched", &a, NULL, "t", when);
        if (r == 0)
                printf("Marked as watched.\n");
        return r;
}

int verb_resume(int argc, char **argv) {
        _cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        _cleanup_(media_arg_done) MediaArg a = {};
        if (argc != 2) {
                fprintf(stderr, "usage: kinoctl resume MEDIA\n");
                return EXIT_USAGE;
        }
        int r = parse_media_or_usage(argv[1], &a);
        if (r == 0)
                r = acquire_bus(&bus);
        if (r == 0)
                r = call_with_media(bus, "GetResumePoint", &a, &reply, NULL);
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
