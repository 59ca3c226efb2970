/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <systemd/sd-id128.h>

#include "eye.h"
#include "list.h"
#include "log.h"
#include "util.h"

/* {"bus": "<the bus's id>", "eyes": {"<uid>": ["<holder>", …], …}}; absent when every eye is off. */
#define EYE_SETTING "user_incognito"

typedef struct Eye Eye;
struct Eye {
        Context *context;
        uid_t uid;
        sd_bus_track *holders;
        LIST_FIELDS(Eye, eyes);
};

static Eye *eye_find(Context *c, uid_t uid) {
        LIST_FOREACH(eyes, e, c->eyes)
                if (e->uid == uid)
                        return e;
        return NULL;
}

bool eye_on(Context *c, uid_t uid) {
        return eye_find(c, uid) != NULL;
}

static void eye_free(Eye *e) {
        if (!e)
                return;
        Context *c = e->context;
        LIST_REMOVE(eyes, c->eyes, e);
        sd_bus_track_unref(e->holders);
        free(e);
}

/* The daemon's shutdown: what is stored stays, so the next start finds the eyes again. */
void eyes_free(Context *c) {
        while (c->eyes)
                eye_free(c->eyes);
}

static int bus_id(Context *c, char ret[static SD_ID128_STRING_MAX]) {
        sd_id128_t id;
        int r = sd_bus_get_bus_id(c->bus, &id);
        if (r < 0)
                return r;
        sd_id128_to_string(id, ret);
        return 0;
}

static void persist(Context *c) {
        char id[SD_ID128_STRING_MAX];
        int r;

        if (!c->eyes) {
                r = db_set_setting(c->db, EYE_SETTING, NULL);
                goto done;
        }
        r = bus_id(c, id);
        if (r < 0)
                goto done;
        struct json_object *root = json_object_new_object(), *eyes = json_object_new_object();
        json_object_object_add(root, "bus", json_object_new_string(id));
        json_object_object_add(root, "eyes", eyes);
        LIST_FOREACH(eyes, e, c->eyes) {
                char key[16];
                struct json_object *names = json_object_new_array();
                for (const char *n = sd_bus_track_first(e->holders); n; n = sd_bus_track_next(e->holders))
                        json_object_array_add(names, json_object_new_string(n));
                snprintf(key, sizeof key, "%u", (unsigned) e->uid);
                json_object_object_add(eyes, key, names);
        }
        r = db_set_setting(c->db, EYE_SETTING, json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
        json_object_put(root);
done:
        if (r < 0)
                log_error_errno(r, "Could not store the user-wide incognito; a restart of the daemon would forget it: %m");
}

static void changed(Context *c, uid_t uid, bool on) {
        log_info("User-wide incognito of uid %u turned %s.", (unsigned) uid, on ? "on" : "off");
        context_eye_changed(c, uid, on);             /* the sessions (session.c) */
        context_notify_incognito_changed(c, uid, on); /* the watchers */
}

static int on_holders_gone(sd_bus_track *t, void *userdata) {
        Eye *e = userdata;
        Context *c = e->context;
        uid_t uid = e->uid;
        eye_free(e);
        persist(c);
        changed(c, uid, false);
        return 1; /* freed with the eye: sd-bus must not queue the track again */
}

static Eye *eye_new(Context *c, uid_t uid) {
        Eye *e = calloc(1, sizeof *e);
        if (!e)
                return NULL;
        e->context = c;
        e->uid = uid;
        if (sd_bus_track_new(c->bus, &e->holders, on_holders_gone, e) < 0) {
                free(e);
                return NULL;
        }
        LIST_PREPEND(eyes, c->eyes, e);
        return e;
}

int eye_set(Context *c, uid_t uid, bool on, const char *holder) {
        Eye *e = eye_find(c, uid);
        int r;

        if (!on) {
                if (!e)
                        return 0;
                eye_free(e);
                persist(c);
                changed(c, uid, false);
                return 1;
        }

        bool was_on = e != NULL;
        if (!e) {
                e = eye_new(c, uid);
                if (!e)
                        return -ENOMEM;
        }
        r = sd_bus_track_add_name(e->holders, holder);
        if (r < 0) {
                if (!was_on)
                        eye_free(e);
                return r;
        }
        /* Stored before any session hears of it. */
        persist(c);
        if (was_on)
                return 0;
        changed(c, uid, true);
        return 1;
}

int eye_restore(Context *c) {
        _cleanup_free_ char *text = NULL;
        char id[SD_ID128_STRING_MAX];
        int r;

        r = db_get_setting(c->db, EYE_SETTING, &text);
        if (r == -ENOENT || (r >= 0 && isempty(text)))
                return 0;
        if (r < 0)
                return r;
        r = bus_id(c, id);
        if (r < 0)
                return r;

        struct json_object *root = json_tokener_parse(text), *bus = NULL, *eyes = NULL;
        if (!root || !json_object_object_get_ex(root, "bus", &bus) || !json_object_object_get_ex(root, "eyes", &eyes) ||
            !json_object_is_type(eyes, json_type_object)) {
                log_warning("The stored user-wide incognito is unreadable; every user's starts off.");
                goto out;
        }
        if (!streq_ptr(json_object_get_string(bus), id)) {
                log_info("The stored user-wide incognito belongs to another bus (a reboot): every user's starts off.");
                goto out;
        }
        json_object_object_foreach(eyes, key, names) {
                char *end;
                unsigned long uid = strtoul(key, &end, 10);
                if (*end || end == key || uid > UINT32_MAX || !json_object_is_type(names, json_type_array))
                        continue;
                Eye *e = eye_find(c, (uid_t) uid) ?: eye_new(c, (uid_t) uid);
                if (!e) {
                        r = -ENOMEM;
                        break;
                }
                for (size_t i = 0; i < json_object_array_length(names); i++) {
                        const char *n = json_object_get_string(json_object_array_get_idx(names, i));
                        /* A holder that left while the daemon was away is gone for good. */
                        if (n && sd_bus_track_add_name(e->holders, n) > 0)
                                log_info("User-wide incognito of uid %lu kept on: its holder %s is still here.", uid, n);
                }
                if (sd_bus_track_count(e->holders) == 0) {
                        log_info("User-wide incognito of uid %lu turned off: its holders left while the daemon was away.", uid);
                        eye_free(e);
                }
        }
out:
        json_object_put(root);
        persist(c);
        return r < 0 ? r : 0;
}
