/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>

#include "log.h"
#include "util.h"
#include "watchers.h"

typedef struct Watcher Watcher;
struct Watcher {
        Context *context;
        char *name;
        uid_t uid;
        sd_bus_track *track;
        Watcher *next, *prev;
};

static void watcher_free(Watcher *w) {
        if (!w)
                return;
        Context *c = w->context;
        if (w->prev)
                w->prev->next = w->next;
        else
                c->watchers = w->next;
        if (w->next)
                w->next->prev = w->prev;
        sd_bus_track_unref(w->track);
        free(w->name);
        free(w);
}

void watchers_free(Context *c) {
        while (c->watchers)
                watcher_free(c->watchers);
}

static int on_watcher_gone(sd_bus_track *t, void *userdata) {
        Watcher *w = userdata;
        log_debug("%s stopped watching sessions (it left the bus).", w->name);
        watcher_free(w);
        return 1; /* the track is gone with it: sd-bus must not queue it again */
}

int watchers_add(Context *c, const char *name, uid_t uid) {
        for (Watcher *w = c->watchers; w; w = w->next)
                if (streq(w->name, name))
                        return 0;

        Watcher *w = calloc(1, sizeof *w);
        if (!w)
                return -ENOMEM;
        w->context = c;
        w->uid = uid;
        w->name = strdup(name);
        w->next = c->watchers;
        if (w->next)
                w->next->prev = w;
        c->watchers = w;
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
        for (Watcher *w = c->watchers; w; w = w->next)
                if (w->uid == owner || w->uid == 0)
                        send_to(c, w->name, removed ? "SessionRemoved" : "SessionChanged", "o", path);
}

void watchers_incognito_changed(Context *c, uid_t uid, bool on) {
        if (!c->bus)
                return;
        for (Watcher *w = c->watchers; w; w = w->next)
                if (w->uid == uid)
                        send_to(c, w->name, "IncognitoChanged", "b", (int) on);
}
