/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <systemd/sd-id128.h>

#include "list.h"
#include "log.h"
#include "util.h"
#include "watchers.h"

/* {"bus": "<the bus's id>", "names": [":1.42", …]}; absent when nobody watches. */
#define WATCHERS_SETTING "session_watchers"

typedef struct Watcher Watcher;
struct Watcher {
        Context *context;
        char *name;
        uid_t uid;
        sd_bus_track *track;
        LIST_FIELDS(Watcher, watchers);
};

static void watcher_free(Watcher *w) {
        if (!w)
                return;
        Context *c = w->context;
        LIST_REMOVE(watchers, c->watchers, w);
        sd_bus_track_unref(w->track);
        free(w->name);
        free(w);
}

void watchers_free(Context *c) {
        while (c->watchers)
                watcher_free(c->watchers);
}

static void persist(Context *c) {
        sd_id128_t id;
        char ids[SD_ID128_STRING_MAX];
        int r;

        if (!c->watchers) {
                r = db_set_setting(c->db, WATCHERS_SETTING, NULL);
                goto done;
        }
        r = sd_bus_get_bus_id(c->bus, &id);
        if (r < 0)
                goto done;
        struct json_object *root = json_object_new_object(), *names = json_object_new_array();
        json_object_object_add(root, "bus", json_object_new_string(sd_id128_to_string(id, ids)));
        json_object_object_add(root, "names", names);
        LIST_FOREACH(watchers, w, c->watchers)
                json_object_array_add(names, json_object_new_string(w->name));
        r = db_set_setting(c->db, WATCHERS_SETTING, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
        json_object_put(root);
done:
        if (r < 0)
                log_warning_errno(r, "Could not store who watches the sessions; a restart would forget them: %m");
}

static int on_watcher_gone(sd_bus_track *t, void *userdata) {
        Watcher *w = userdata;
        Context *c = w->context;
        log_debug("%s stopped watching sessions (it left the bus).", w->name);
        watcher_free(w);
        persist(c);
        return 1; /* the track is gone with it: sd-bus must not queue it again */
}

static int watcher_new(Context *c, const char *name, uid_t uid) {
        LIST_FOREACH(watchers, w, c->watchers)
                if (streq(w->name, name))
                        return 0;

        Watcher *w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        w->context = c;
        w->uid = uid;
        w->name = strdup(name);
        LIST_PREPEND(watchers, c->watchers, w);
        if (!w->name) {
                watcher_free(w);
                return -ENOMEM;
        }
        int r = sd_bus_track_new(c->bus, &w->track, on_watcher_gone, w);
        if (r >= 0)
                r = sd_bus_track_add_name(w->track, name);
        if (r < 0) {
                watcher_free(w);
                return r;
        }
        log_debug("%s (uid %u) watches sessions.", name, (unsigned) uid);
        return 1;
}

int watchers_add(Context *c, const char *name, uid_t uid) {
        int r = watcher_new(c, name, uid);
        if (r > 0)
                persist(c);
        return r;
}

int watchers_remove(Context *c, const char *name) {
        LIST_FOREACH(watchers, w, c->watchers)
                if (streq_ptr(w->name, name)) {
                        log_debug("%s stopped watching sessions.", w->name);
                        watcher_free(w);
                        persist(c);
                        return 1;
                }
        return 0;
}

int watchers_restore(Context *c) {
        _cleanup_free_ char *text = NULL;
        char ids[SD_ID128_STRING_MAX];
        sd_id128_t id;
        int r;

        r = db_get_setting(c->db, WATCHERS_SETTING, &text);
        if (r == -ENOENT || (r >= 0 && isempty(text)))
                return 0;
        if (r < 0)
                return r;
        r = sd_bus_get_bus_id(c->bus, &id);
        if (r < 0)
                return r;
        struct json_object *root = json_tokener_parse(text), *bus = NULL, *names = NULL;
        if (root && json_object_object_get_ex(root, "bus", &bus) && json_object_object_get_ex(root, "names", &names) &&
            json_object_is_type(names, json_type_array) && streq_ptr(json_object_get_string(bus), sd_id128_to_string(id, ids)))
                for (size_t i = 0; i < json_object_array_length(names); i++) {
                        const char *n = json_object_get_string(json_object_array_get_idx(names, i));
                        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
                        uint32_t uid;
                        /* Whose it is now, from the bus: one that left is gone for good. */
                        if (!n || sd_bus_call_method(c->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                                     "GetConnectionUnixUser", NULL, &reply, "s", n) < 0 ||
                            sd_bus_message_read(reply, "u", &uid) < 0)
                                continue;
                        if (watcher_new(c, n, (uid_t) uid) > 0)
                                log_info("%s (uid %u) still watches the sessions.", n, (unsigned) uid);
                }
        json_object_put(root);
        persist(c);
        return 0;
}

static void send_to(Context *c, const char *destination, const char *member, const char *types, ...) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = NULL;
        va_list ap;
        int r = sd_bus_message_new_signal(c->bus, &m, KT_OBJECT_PATH, KT_INTERFACE, member);
        if (r >= 0) {
                va_start(ap, types);
                r = sd_bus_message_appendv(m, types, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = sd_bus_message_set_destination(m, destination);
        if (r >= 0)
                r = sd_bus_send(c->bus, m, NULL);
        if (r < 0)
                log_debug_errno(r, "Could not send %s to %s: %m", member, destination);
}

void watchers_session_changed(Context *c, uid_t owner, const char *path, bool removed) {
        if (!c->bus)
                return;
        LIST_FOREACH(watchers, w, c->watchers)
                if (w->uid == owner || w->uid == 0)
                        send_to(c, w->name, removed ? "SessionRemoved" : "SessionChanged", "o", path);
}

void watchers_incognito_changed(Context *c, uid_t uid, bool on) {
        if (!c->bus)
                return;
        LIST_FOREACH(watchers, w, c->watchers)
                if (w->uid == uid)
                        send_to(c, w->name, "IncognitoChanged", "b", (int) on);
}
