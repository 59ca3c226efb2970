/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>

#include "errors.h"
#include "log.h"
#include "polkit.h"
#include "trakt-bus.h"
#include "util.h"

#define CREDENTIAL_MAX 1024

void trakt_bus_emit_changed(Context *c, const char *first, ...) {
        char *names[32];
        size_t n = 0;
        va_list ap;

        if (!c->bus)
                return;
        va_start(ap, first);
        for (const char *p = first; p && n < ELEMENTSOF(names) - 1; p = va_arg(ap, const char *))
                names[n++] = (char *) p;
        va_end(ap);
        names[n] = NULL;

        int r = sd_bus_emit_properties_changed_strv(c->bus, KT_OBJECT_PATH, KT_INTERFACE, names);
        if (r < 0)
                log_debug_errno(r, "Failed to emit PropertiesChanged: %m");
}

/* ---- properties ---- */

static int property_get_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        return sd_bus_message_append(reply, "s", conn_state_to_string(c->state));
}

static int property_get_setting_string(Context *c, const char *key, sd_bus_message *reply) {
        _cleanup_free_ char *v = NULL;
        int r = store_get_setting(c->store, key, &v);
        if (r < 0 && r != -ENOENT)
                return r;
        return sd_bus_message_append(reply, "s", v ?: "");
}

static int property_get_setting_u64(Context *c, const char *key, sd_bus_message *reply) {
        uint64_t v = 0;
        int r = store_get_setting_u64(c->store, key, &v);
        if (r < 0 && r != -ENOENT)
                return r;
        return sd_bus_message_append(reply, "t", r < 0 ? (uint64_t) 0 : v);
}

static int property_get_username(sd_bus *bus, const char *path, const char *interface, const char *property,
                                 sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        if (c->state != CONN_CONNECTED && c->state != CONN_EXPIRED && c->state != CONN_AUTHORIZED)
                return sd_bus_message_append(reply, "s", "");
        return property_get_setting_string(c, "username", reply);
}

static int property_get_connected_at(sd_bus *bus, const char *path, const char *interface, const char *property,
                                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        if (c->state != CONN_CONNECTED && c->state != CONN_EXPIRED)
                return sd_bus_message_append(reply, "t", (uint64_t) 0);
        return property_get_setting_u64(c, "connected_at", reply);
}

static int property_get_client_id(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return property_get_setting_string(userdata, "client_id", reply);
}

static int property_get_scrobble_status(sd_bus *bus, const char *path, const char *interface, const char *property,
                                        sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        /* Live scrobbling is not built yet: nothing is ever sent, so "idle". */
        return sd_bus_message_append(reply, "s", "idle");
}

static int property_get_pending_events(sd_bus *bus, const char *path, const char *interface, const char *property,
                                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        unsigned n = 0;
        int r = store_outbox_pending(c->store, &n);
        if (r < 0)
                return r;
        return sd_bus_message_append(reply, "u", (uint32_t) n);
}

static int property_get_threshold(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        /* Trakt's server-side threshold (trakt-api.md §4.2): fixed at 80 %, no
         * per-account setting exists in /users/settings. */
        return sd_bus_message_append(reply, "d", 80.0);
}

static int property_get_sync_enabled(sd_bus *bus, const char *path, const char *interface, const char *property,
                                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        int r = sd_bus_message_open_container(reply, 'a', "{sb}");
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(store_categories); i++) {
                bool on = true;
                r = store_get_toggle(c->store, store_categories[i], &on);
                if (r < 0)
                        return r;
                r = sd_bus_message_append(reply, "{sb}", store_categories[i], on);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int property_get_syncing(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", "");
}

static int property_get_sync_progress(sd_bus *bus, const char *path, const char *interface, const char *property,
                                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "(uu)", (uint32_t) 0, (uint32_t) 0);
}

static int property_get_last_sync(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return property_get_setting_u64(userdata, "last_sync", reply);
}

static int property_get_last_error(sd_bus *bus, const char *path, const char *interface, const char *property,
                                   sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        return sd_bus_message_append(reply, "s", c->last_error ?: "");
}

static int property_get_preview(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        int r = sd_bus_message_open_container(reply, 'a', "{su}");
        if (r < 0)
                return r;
        return sd_bus_message_close_container(reply);
}

/* ---- methods ---- */

/* Client ids and secrets are printable ASCII tokens (Trakt issues 64 hex
 * digits); anything else is a paste accident worth telling about. */
static bool credential_valid(const char *s) {
        size_t n = strlen(s);
        if (n == 0 || n > CREDENTIAL_MAX)
                return false;
        for (const char *p = s; *p; p++)
                if (!isgraph((unsigned char) *p))
                        return false;
        return true;
}

static int configure_authorized(sd_bus_message *m, Context *c, sd_bus_error *error) {
        const char *id, *secret;
        _cleanup_free_ char *old_id = NULL;
        int r;

        r = sd_bus_message_read(m, "ss", &id, &secret);
        if (r < 0)
                return r;

        (void) store_get_setting(c->store, "client_id", &old_id);

        r = store_set_credentials(c->store, id, secret);
        if (r < 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED,
                                        "Could not store the credentials in the state database; check the disk and the daemon's log.");
        log_add_secret(secret);
        http_set_client_id(c->http, id);
        log_info("Trakt application configured (client id %.8s…).", id);

        /* New application credentials invalidate a connection made with other ones. */
        if (c->state == CONN_UNCONFIGURED || !streq_ptr(old_id, id)) {
                if (c->state != CONN_UNCONFIGURED && c->state != CONN_DISCONNECTED)
                        (void) store_clear_tokens(c->store);
                context_set_state(c, CONN_DISCONNECTED);
        }
        trakt_bus_emit_changed(c, "ClientId", NULL);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_configure(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        const char *id, *secret;
        int r;

        r = sd_bus_message_read(m, "ss", &id, &secret);
        if (r < 0)
                return r;
        if (!credential_valid(id))
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                        "The client id must be 1 to 1024 printable characters without spaces; copy it again from trakt.tv/oauth/applications.");
        if (!credential_valid(secret))
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                        "The client secret must be 1 to 1024 printable characters without spaces; copy it again from trakt.tv/oauth/applications.");

        return bus_authorize(c, m, configure_authorized, error);
}

static int set_sync_enabled_authorized(sd_bus_message *m, Context *c, sd_bus_error *error) {
        const char *category;
        int enabled, r;

        r = sd_bus_message_read(m, "sb", &category, &enabled);
        if (r < 0)
                return r;
        r = store_set_toggle(c->store, category, enabled);
        if (r < 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED,
                                        "Could not store the setting in the state database; check the disk and the daemon's log.");
        log_info("Sync category %s %s.", category, enabled ? "enabled" : "disabled");
        trakt_bus_emit_changed(c, "SyncEnabled", NULL);
        return sd_bus_reply_method_return(m, NULL);
}

static int method_set_sync_enabled(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        const char *category;
        int enabled, r;

        r = sd_bus_message_read(m, "sb", &category, &enabled);
        if (r < 0)
                return r;
        if (!store_category_valid(category))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Unknown sync category '%.64s'; use one of scrobble, history, ratings, watchlist, collection, resume, recommendations.",
                                         category);

        return bus_authorize(c, m, set_sync_enabled_authorized, error);
}

static const sd_bus_vtable trakt_vtable[] = {
        SD_BUS_VTABLE_START(0),
        SD_BUS_PROPERTY("State", "s", property_get_state, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Username", "s", property_get_username, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ConnectedAt", "t", property_get_connected_at, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ClientId", "s", property_get_client_id, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("ScrobbleStatus", "s", property_get_scrobble_status, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("PendingEvents", "u", property_get_pending_events, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("WatchedThreshold", "d", property_get_threshold, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SyncEnabled", "a{sb}", property_get_sync_enabled, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Syncing", "s", property_get_syncing, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("SyncProgress", "(uu)", property_get_sync_progress, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastSync", "t", property_get_last_sync, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("LastError", "s", property_get_last_error, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),
        SD_BUS_PROPERTY("Preview", "a{su}", property_get_preview, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),

        SD_BUS_METHOD_WITH_ARGS("Configure",
                                SD_BUS_ARGS("s", client_id, "s", client_secret),
                                SD_BUS_NO_RESULT,
                                method_configure,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetSyncEnabled",
                                SD_BUS_ARGS("s", category, "b", enabled),
                                SD_BUS_NO_RESULT,
                                method_set_sync_enabled,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_VTABLE_END,
};

int trakt_bus_register(Context *c) {
        int r;

        r = sd_bus_add_object_vtable(c->bus, NULL, KT_OBJECT_PATH, KT_INTERFACE, trakt_vtable, c);
        if (r < 0)
                return log_error_errno(r, "Failed to register the %s object: %m", KT_OBJECT_PATH);
        r = sd_bus_add_object_manager(c->bus, NULL, "/org/kino/Trakt");
        if (r < 0)
                return log_error_errno(r, "Failed to add the object manager: %m");
        return 0;
}
