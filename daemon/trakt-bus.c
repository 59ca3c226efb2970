/* SPDX-License-Identifier: MIT */
/* org.kino.Trakt on /org/kino/Trakt (trakt-bus.h). Longer than our other
 * files for a plain reason: one interface of 26 methods, 14 properties and
 * 5 signals, whose vtable alone is 150 lines; every handler is the same few
 * lines (unpack and validate, bus_authorize(), one module call, the reply),
 * and the a{sv} media marshalling lives in media-bus.c, the session objects
 * in session-bus.c. */
#include <ctype.h>
#include <errno.h>

#include "activity.h"
#include "connect.h"
#include "errors.h"
#include "eye.h"
#include "library.h"
#include "log.h"
#include "media-bus.h"
#include "outbox.h"
#include "polkit.h"
#include "resolve.h"
#include "session-bus.h"
#include "sync.h"
#include "trakt-bus.h"
#include "trakt-parse.h"
#include "util.h"
#include "watchers.h"

#define CREDENTIAL_MAX 1024
#define APPLICATION_MAX 256

/* ---- what the modules report (context.h's ContextNotify) ---- */

static void emit_properties_changed(Context *c, char **names) {
        if (!c->bus)
                return;
        int r = sd_bus_emit_properties_changed_strv(c->bus, KT_OBJECT_PATH, KT_INTERFACE, names);
        if (r < 0)
                log_debug_errno(r, "Failed to emit PropertiesChanged: %m");
}

static void emit_connect_finished(Context *c, bool success, const char *error) {
        if (!c->bus)
                return;
        int r = sd_bus_emit_signal(c->bus, KT_OBJECT_PATH, KT_INTERFACE, "ConnectFinished", "bs", success, error);
        if (r < 0)
                log_debug_errno(r, "Failed to emit ConnectFinished: %m");
}

static void emit_sync_finished(Context *c, const char *kind, bool success, const char *error) {
        if (!c->bus)
                return;
        int r = sd_bus_emit_signal(c->bus, KT_OBJECT_PATH, KT_INTERFACE, "SyncFinished", "sbs", kind, success, error);
        if (r < 0)
                log_debug_errno(r, "Failed to emit SyncFinished: %m");
}

static const ContextNotify bus_notify = {
        .properties_changed = emit_properties_changed,
        .connect_finished = emit_connect_finished,
        .sync_finished = emit_sync_finished,
        .session_changed = session_bus_changed,
        .session_removed = session_bus_removed,
        .incognito_changed = watchers_incognito_changed,
};

/* ---- properties ---- */

static int property_get_state(sd_bus *bus, const char *path, const char *interface, const char *property,
                              sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        return sd_bus_message_append(reply, "s", conn_state_to_string(c->state));
}

static int property_get_setting_string(Context *c, const char *key, sd_bus_message *reply) {
        _cleanup_free_ char *v = NULL;
        int r = db_get_setting(c->db, key, &v);
        if (r < 0 && r != -ENOENT)
                return r;
        return sd_bus_message_append(reply, "s", v ?: "");
}

static int property_get_setting_u64(Context *c, const char *key, sd_bus_message *reply) {
        uint64_t v = 0;
        int r = db_get_setting_u64(c->db, key, &v);
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
        return sd_bus_message_append(reply, "s", outbox_status(userdata));
}

static int property_get_pending_events(sd_bus *bus, const char *path, const char *interface, const char *property,
                                       sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "u", (uint32_t) outbox_pending(userdata));
}

static int property_get_threshold(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        /* Trakt's server-side threshold (docs/trakt-api.md §4.2): fixed at 80 %, no
         * per-account setting exists in /users/settings. */
        return sd_bus_message_append(reply, "d", KT_WATCHED_THRESHOLD);
}

static int property_get_sync_enabled(sd_bus *bus, const char *path, const char *interface, const char *property,
                                     sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        int r = sd_bus_message_open_container(reply, 'a', "{sb}");
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(kt_categories); i++) {
                bool on = true;
                r = db_get_toggle(c->db, kt_categories[i], &on);
                if (r < 0)
                        return r;
                r = sd_bus_message_append(reply, "{sb}", kt_categories[i], on);
                if (r < 0)
                        return r;
        }
        return sd_bus_message_close_container(reply);
}

static int property_get_syncing(sd_bus *bus, const char *path, const char *interface, const char *property,
                                sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "s", sync_kind(userdata));
}

static int property_get_sync_progress(sd_bus *bus, const char *path, const char *interface, const char *property,
                                      sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        uint32_t done, total;
        sync_progress(userdata, &done, &total);
        return sd_bus_message_append(reply, "(uu)", done, total);
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
        Context *c = userdata;
        int r = sd_bus_message_open_container(reply, 'a', "{su}");
        if (r < 0)
                return r;
        /* Filled once Trakt approved the device, until the choice is made. */
        if (c->state == CONN_AUTHORIZED)
                for (size_t i = 0; connect_preview_keys[i]; i++) {
                        r = sd_bus_message_append(reply, "{su}", connect_preview_keys[i],
                                                  connect_preview_value(c, connect_preview_keys[i]));
                        if (r < 0)
                                return r;
                }
        return sd_bus_message_close_container(reply);
}

static int property_get_unmatched(sd_bus *bus, const char *path, const char *interface, const char *property,
                                  sd_bus_message *reply, void *userdata, sd_bus_error *error) {
        return sd_bus_message_append(reply, "u", library_unmatched_count(userdata));
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
        r = bus_authorize(c, m, NULL, error);
        if (r != 0)
                return r;
        r = connect_configure(c, id, secret, error);
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, NULL);
}

static int method_set_sync_enabled(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        const char *category;
        int enabled, r;

        r = sd_bus_message_read(m, "sb", &category, &enabled);
        if (r < 0)
                return r;
        if (!kt_category_valid(category))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Unknown sync category '%.64s'; use one of " KT_CATEGORIES_TEXT ".",
                                         category);
        r = bus_authorize(c, m, NULL, error);
        if (r != 0)
                return r;

        r = db_set_toggle(c->db, category, enabled);
        if (r < 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED,
                                        "Could not store the setting in the state database; check the disk and the daemon's log.");
        log_info("Sync category %s %s.", category, enabled ? "enabled" : "disabled");
        context_notify_changed(c, "SyncEnabled", NULL);
        outbox_kick(c); /* queued events of a category turned back on go now */
        return sd_bus_reply_method_return(m, NULL);
}

/* ---- connection ---- */

/* Connect's answer, once Trakt sent the device code (connect.h). */
static void connect_answer(Context *c, const TraktDeviceCode *code, const sd_bus_error *e, void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = userdata;
        int r = 0;
        if (code)
                r = sd_bus_reply_method_return(m, "ssu", code->user_code, code->verification_url,
                                               (uint32_t) (code->expires_in > 0 ? code->expires_in : 0));
        else if (e)
                r = sd_bus_reply_method_error(m, e);
        if (r < 0)
                log_debug_errno(r, "Failed to reply to Connect: %m");
}

static int method_connect(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        int r = bus_authorize(c, m, NULL, error);
        if (r != 0)
                return r;
        /* connect_answer() answers it later and lets go; nothing is answered when it does not start. */
        r = connect_start(c, connect_answer, sd_bus_message_ref(m), error);
        if (r <= 0 || sd_bus_error_is_set(error))
                sd_bus_message_unref(m);
        return r; /* > 0: the reply follows when Trakt answers */
}

static int method_finish_connect(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        int import, r;

        r = sd_bus_message_read(m, "b", &import);
        if (r < 0)
                return r;
        r = bus_authorize(c, m, NULL, error);
        if (r != 0)
                return r;

        r = connect_finish(c, import, error);
        if (r < 0 || sd_bus_error_is_set(error))
                return r;
        return sd_bus_reply_method_return(m, NULL);
}

/* Methods without arguments or results: authorized, the action, an empty reply. */
static const struct {
        const char *member;
        int (*action)(Context *c, sd_bus_error *error);
} plain_methods[] = {
        { "CancelConnect", connect_cancel },
        { "Disconnect", connect_disconnect },
        { "Import", sync_import_start },
        { "SyncNow", sync_sweep_now },
};

static int method_plain(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        const char *member = sd_bus_message_get_member(m);
        for (size_t i = 0; i < ELEMENTSOF(plain_methods); i++) {
                if (!streq_ptr(member, plain_methods[i].member))
                        continue;
                int r = bus_authorize(c, m, NULL, error);
                if (r != 0)
                        return r;
                r = plain_methods[i].action(c, error);
                if (r < 0 || sd_bus_error_is_set(error))
                        return r;
                return sd_bus_reply_method_return(m, NULL);
        }
        return -EBADMSG; /* not one of ours: the vtable names only the members above */
}

/* ---- history ---- */

static int append_history_row(const LibraryHistoryRow *row, void *userdata) {
        sd_bus_message *reply = userdata;
        int r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r >= 0)
                r = bus_append_media_json(reply, row->media_json);
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}", "watched_at", "t", row->watched_at);
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}", "origin", "s", row->origin);
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}", "private", "b", (int) row->private_);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static int method_get_history(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Context *c = userdata;
        uint64_t since;
        uint32_t limit;
        uid_t uid;
        int r;

        r = sd_bus_message_read(m, "tu", &since, &limit);
        if (r < 0)
                return r;
        r = bus_authorize(c, m, &uid, error);
        if (r != 0)
                return r;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "a{sv}");
        if (r >= 0)
                r = library_history(c, since, limit, uid, append_history_row, reply);
        if (r == -EIO)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, "Could not read the history; check the daemon's log.");
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        if (r < 0)
                return r;
        return sd_bus_send(NULL, reply, NULL);
}

/* ---- library: ratings, resume points, lists, recommendations ---- */

static int method_get_rating(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(trakt_media_done) TraktMedia media = {};
        Context *c = userdata;
        uint8_t rating;
        int r = bus_read_media(m, &media, error);
        if (r < 0 || sd_bus_error_is_set(error))
                return r;
        r = bus_authorize(c, m, NULL, error);
        if (r != 0)
                return r;
        r = library_rating(c, &media, &rating);
        if (r == -EIO)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, "Could not read the ratings; check the daemon's log.");
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, "y", rating);
}

static int method_get_resume_point(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(trakt_media_done) TraktMedia media = {};
        Context *c = userdata;
        double progress;
        uint64_t paused_at;
        uid_t uid;
        int r = bus_read_media(m, &media, error);
        if (r < 0 || sd_bus_error_is_set(error))
                return r;
        r = bus_authorize(c, m, &uid, error);
        if (r != 0)
                return r;
        r = library_resume_point(c, &media, uid, &progress, &paused_at);
        if (r == -EIO)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, "Could not read the resume points; check the daemon's log.");
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, "dt", progress, paused_at);
}

static int append_list_row(const LibraryListRow *row, void *userdata) {
        return sd_bus_message_append(userdata, "(ssssu)", row->id, row->name, row->url, row->kind, row->n_items);
}

static int method_get_lists(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Context *c = userdata;
        int r = bus_authorize(c, m, NULL, error);
        if (r != 0)
                return r;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "(ssssu)");
        if (r >= 0)
                r = library_lists(c, append_list_row, reply);
        if (r == -EIO)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, "Could not read the lists; check the daemon's log.");
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

/* One media dictionary per item; list items carry listed_at and rank. */
static int append_item_row(const LibraryItemRow *row, void *userdata) {
        sd_bus_message *reply = userdata;
        int r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r >= 0)
                r = bus_append_media_json(reply, row->media_json);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static int append_list_item_row(const LibraryItemRow *row, void *userdata) {
        sd_bus_message *reply = userdata;
        int r = sd_bus_message_open_container(reply, 'a', "{sv}");
        if (r >= 0)
                r = bus_append_media_json(reply, row->media_json);
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}", "listed_at", "t", row->listed_at);
        if (r >= 0)
                r = sd_bus_message_append(reply, "{sv}", "rank", "u", row->rank);
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r;
}

static int method_get_list_items(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Context *c = userdata;
        const char *id;
        int r = sd_bus_message_read(m, "s", &id);
        if (r < 0)
                return r;
        r = bus_authorize(c, m, NULL, error);
        if (r != 0)
                return r;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "a{sv}");
        if (r >= 0)
                r = library_list_items(c, id, append_list_item_row, reply);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, KT_ERROR_NOT_FOUND, "There is no list '%.64s'; GetLists names the lists there are.", id);
        if (r == -EIO)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, "Could not read the list; check the daemon's log.");
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

/* AddList: the address is checked before polkit is asked; the list is read
 * from Trakt asynchronously and the reply comes from library.c once it is in. */
static int read_list_url(sd_bus_message *m, ListUrl *ret, sd_bus_error *error) {
        const char *url, *why = NULL;
        int r = sd_bus_message_read(m, "s", &url);
        if (r < 0)
                return r;
        if (listurl_parse(url, ret, &why) < 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, why);
        return 0;
}

/* AddList's answer, once the list is in (library.h). */
static void add_list_answer(Context *c, const char *list_id, const sd_bus_error *e, void *userdata) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *m = userdata;
        int r = 0;
        if (list_id)
                r = sd_bus_reply_method_return(m, "s", list_id);
        else if (e)
                r = sd_bus_reply_method_error(m, e);
        if (r < 0)
                log_debug_errno(r, "Failed to reply to AddList: %m");
}

static int method_add_list(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        ListUrl url;
        int r = read_list_url(m, &url, error);
        if (r < 0)
                return r;
        r = bus_authorize(c, m, NULL, error);
        if (r != 0)
                return r;
        /* add_list_answer() answers it later and lets go; nothing is answered when it does not start. */
        r = library_add_list(c, &url, add_list_answer, sd_bus_message_ref(m), error);
        if (r < 0 || sd_bus_error_is_set(error)) {
                sd_bus_message_unref(m);
                return r;
        }
        return 1;
}

static int method_remove_list(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        const char *id;
        int r = sd_bus_message_read(m, "s", &id);
        if (r < 0)
                return r;
        r = bus_authorize(c, m, NULL, error);
        if (r != 0)
                return r;
        r = library_remove_list(c, id);
        if (r == -ENOENT)
                return sd_bus_error_setf(error, KT_ERROR_NOT_FOUND, "There is no list '%.64s'; GetLists names the lists there are.", id);
        if (r == -EPERM)
                return sd_bus_error_set(error, KT_ERROR_SYSTEM_LIST,
                                        "The Trakt watchlist is a system list: it stays while Trakt is connected and goes with Disconnect.");
        if (r < 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, "Could not remove the list; check the daemon's log.");
        return sd_bus_reply_method_return(m, NULL);
}

static int method_get_recommendations(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        Context *c = userdata;
        const char *kind;
        int r = sd_bus_message_read(m, "s", &kind);
        if (r < 0)
                return r;
        if (!streq(kind, "movie") && !streq(kind, "show"))
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                         "Recommendations are for 'movie' or 'show', not '%.32s'.", kind);
        r = bus_authorize(c, m, NULL, error);
        if (r != 0)
                return r;
        r = sd_bus_message_new_method_return(m, &reply);
        if (r >= 0)
                r = sd_bus_message_open_container(reply, 'a', "a{sv}");
        if (r >= 0)
                r = library_recommendations(c, kind, append_item_row, reply);
        if (r == -EIO)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, "Could not read the recommendations; check the daemon's log.");
        if (r >= 0)
                r = sd_bus_message_close_container(reply);
        return r < 0 ? r : sd_bus_send(NULL, reply, NULL);
}

/* ---- sessions, ratings, watches, collection: local first, then the outbox ---- */

/* CreateSession(For): the path first, then the watchers hear of it. */
static int create_session(sd_bus_message *m, Context *c, uid_t uid, const SessionOptions *options, sd_bus_error *error) {
        const char *sender = sd_bus_message_get_sender(m);
        Session *s;
        if (!sender)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED, "Sessions need a caller with a bus name.");
        int r = session_create(c, sender, uid, options, &s, error);
        if (r < 0)
                return r;
        r = sd_bus_reply_method_return(m, "o", s->path);
        session_bus_announce(s);
        return r;
}

static int method_create_session(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        uid_t uid;
        int r = bus_authorize(c, m, &uid, error);
        if (r != 0)
                return r;
        return create_session(m, c, uid, NULL, error);
}

/* A player's name as a person reads it: no control characters (it is shown
 * in lists and logs, one per line). */
static bool application_valid(const char *s) {
        for (const unsigned char *p = (const unsigned char *) s; *p; p++)
                if (*p < 0x20 || *p == 0x7f)
                        return false;
        return true;
}

/* CreateSessionFor's options, validated; strings point into m. */
static int read_session_options(sd_bus_message *m, SessionOptions *ret, sd_bus_error *error) {
        SessionOptions o = { .application = "" };
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *contents;
                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                r = sd_bus_message_peek_type(m, NULL, &contents);
                if (r < 0)
                        return r;
                if (streq(key, "application")) {
                        if (!streq(contents, "s"))
                                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                         "Option 'application' must be a string (s), not '%.16s'.", contents);
                        r = sd_bus_message_read(m, "v", "s", &o.application);
                        if (r < 0)
                                return r;
                        if (strlen(o.application) > APPLICATION_MAX)
                                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                         "Option 'application' is a player's name of at most %d bytes, not %zu.",
                                                         APPLICATION_MAX, strlen(o.application));
                        if (!application_valid(o.application))
                                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                                        "Option 'application' is a player's name on one line, without control characters.");
                } else if (streq(key, "incognito")) {
                        int b;
                        if (!streq(contents, "b"))
                                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                         "Option 'incognito' must be a boolean (b), not '%.16s'.", contents);
                        r = sd_bus_message_read(m, "v", "b", &b);
                        if (r < 0)
                                return r;
                        o.incognito = b;
                } else
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS,
                                                 "Unknown option '%.64s'; CreateSessionFor takes application (s) and incognito (b).",
                                                 key);
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        r = sd_bus_message_exit_container(m);
        if (r < 0)
                return r;
        *ret = o;
        return 0;
}

static int method_create_session_for(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        SessionOptions o;
        uid_t uid;
        int r = read_session_options(m, &o, error);
        if (r < 0 || sd_bus_error_is_set(error))
                return r;
        r = bus_authorize(c, m, &uid, error);
        if (r != 0)
                return r;
        return create_session(m, c, uid, &o, error);
}

static int method_list_sessions(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        uid_t uid;
        int r = bus_authorize(c, m, &uid, error);
        if (r != 0)
                return r;
        return session_bus_reply_list(c, m, uid);
}

static int method_set_incognito(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        uid_t uid;
        int on;
        int r = sd_bus_message_read(m, "b", &on);
        if (r < 0)
                return r;
        r = bus_authorize(c, m, &uid, error);
        if (r != 0)
                return r;
        r = eye_set(c, uid, on, sd_bus_message_get_sender(m));
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Could not change the incognito of your sessions: %s", strerror(-r));
        return sd_bus_reply_method_return(m, NULL);
}

static int method_get_incognito(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        uid_t uid;
        int r = bus_authorize(c, m, &uid, error);
        if (r != 0)
                return r;
        return sd_bus_reply_method_return(m, "b", eye_on(c, uid));
}

static int method_watch_sessions(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        uid_t uid;
        int r = bus_authorize(c, m, &uid, error);
        if (r != 0)
                return r;
        r = watchers_add(c, sd_bus_message_get_sender(m), uid);
        if (r < 0)
                return sd_bus_error_set_errnof(error, r, "Could not watch the sessions: %s", strerror(-r));
        return sd_bus_reply_method_return(m, NULL);
}

/* Anyone may stop its own subscription: it says nothing about anybody. */
static int method_unwatch_sessions(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        int r = watchers_remove(userdata, sd_bus_message_get_sender(m));
        if (r < 0)
                return r;
        return sd_bus_reply_method_return(m, NULL);
}

static int stored_reply(sd_bus_message *m, int r, sd_bus_error *error) {
        if (r == -EINVAL)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "The media dictionary names no item.");
        if (r < 0)
                return sd_bus_error_set(error, SD_BUS_ERROR_FAILED,
                                        "Could not record it in the state database; check the disk and the daemon's log.");
        return sd_bus_reply_method_return(m, NULL);
}

static int method_rate(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(trakt_media_done) TraktMedia media = {};
        Context *c = userdata;
        uint8_t rating;
        int r = bus_read_media(m, &media, error);
        if (r < 0 || sd_bus_error_is_set(error))
                return r;
        r = sd_bus_message_read(m, "y", &rating);
        if (r < 0)
                return r;
        if (rating > 10)
                return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "A rating is 1 to 10 (0 removes it), not %u.", rating);
        r = bus_authorize(c, m, NULL, error);
        if (r != 0)
                return r;
        /* Named by title: stored as Trakt's item when its ids are known already;
         * else the outbox waits for the look-up (resolve.h). */
        if (resolve_fill(c, &media, false) < 0)
                return -ENOMEM;
        r = activity_rate(c, &media, rating);
        if (r >= 0)
                log_info("Rating %u stored%s.", rating, activity_linked(c) ? " and queued for Trakt" : "");
        return stored_reply(m, r, error);
}

/* 0 = now; a watch more than a day in the future is a clock or unit mistake. */
static int check_watched_at(uint64_t *at, sd_bus_error *error) {
        uint64_t now = now_realtime_usec();
        if (*at == 0)
                *at = now;
        if (*at > now + 24 * 3600 * USEC_PER_SEC)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS,
                                        "watched_at lies in the future; pass microseconds since the epoch, or 0 for now.");
        return 0;
}

static int method_mark_watched(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        _cleanup_(trakt_media_done) TraktMedia media = {};
        Context *c = userdata;
        uint64_t at;
        int r = bus_read_media(m, &media, error);
        if (r < 0 || sd_bus_error_is_set(error))
                return r;
        r = sd_bus_message_read(m, "t", &at);
        if (r < 0)
                return r;
        r = check_watched_at(&at, error);
        if (r < 0)
                return r;
        r = bus_authorize(c, m, NULL, error);
        if (r != 0)
                return r;
        if (resolve_fill(c, &media, false) < 0)
                return -ENOMEM;
        return stored_reply(m, activity_mark_watched(c, &media, at), error);
}

static int method_update_collection(sd_bus_message *m, void *userdata, sd_bus_error *error) {
        Context *c = userdata;
        CollectionEntry *added = NULL;
        TraktMedia *removed = NULL;
        size_t na = 0, nr = 0;
        int r = bus_read_collection(m, &added, &na, &removed, &nr, error);
        if (r < 0 || sd_bus_error_is_set(error))
                return sd_bus_error_is_set(error) ? -EINVAL : r;
        r = bus_authorize(c, m, NULL, error);
        if (r == 0) {
                for (size_t i = 0; i < na && r >= 0; i++)
                        r = resolve_fill(c, &added[i].media, false);
                for (size_t i = 0; i < nr && r >= 0; i++)
                        r = resolve_fill(c, &removed[i], false);
                if (r >= 0)
                        r = activity_collection(c, added, na, removed, nr);
                if (r >= 0)
                        log_info("Collection: %zu added or updated, %zu removed.", na, nr);
                r = stored_reply(m, r, error);
        }
        bus_collection_free(added, na, removed, nr);
        return r;
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
        SD_BUS_PROPERTY("UnmatchedItems", "u", property_get_unmatched, 0, SD_BUS_VTABLE_PROPERTY_EMITS_CHANGE),

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
        SD_BUS_METHOD_WITH_ARGS("Connect",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("s", user_code, "s", verification_url, "u", expires_in),
                                method_connect,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("FinishConnect",
                                SD_BUS_ARGS("b", import),
                                SD_BUS_NO_RESULT,
                                method_finish_connect,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("CancelConnect", NULL, NULL, method_plain, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Disconnect", NULL, NULL, method_plain, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("Import", NULL, NULL, method_plain, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("SyncNow", NULL, NULL, method_plain, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetHistory",
                                SD_BUS_ARGS("t", since, "u", limit),
                                SD_BUS_RESULT("aa{sv}", history),
                                method_get_history,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetRating",
                                SD_BUS_ARGS("a{sv}", media),
                                SD_BUS_RESULT("y", rating),
                                method_get_rating,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetResumePoint",
                                SD_BUS_ARGS("a{sv}", media),
                                SD_BUS_RESULT("d", progress, "t", paused_at),
                                method_get_resume_point,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetLists",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("a(ssssu)", lists),
                                method_get_lists,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetListItems",
                                SD_BUS_ARGS("s", list_id),
                                SD_BUS_RESULT("aa{sv}", items),
                                method_get_list_items,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("AddList",
                                SD_BUS_ARGS("s", url),
                                SD_BUS_RESULT("s", list_id),
                                method_add_list,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("RemoveList",
                                SD_BUS_ARGS("s", list_id),
                                SD_BUS_NO_RESULT,
                                method_remove_list,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetRecommendations",
                                SD_BUS_ARGS("s", kind),
                                SD_BUS_RESULT("aa{sv}", items),
                                method_get_recommendations,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CreateSession",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("o", session),
                                method_create_session,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("Rate",
                                SD_BUS_ARGS("a{sv}", media, "y", rating),
                                SD_BUS_NO_RESULT,
                                method_rate,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("MarkWatched",
                                SD_BUS_ARGS("a{sv}", media, "t", watched_at),
                                SD_BUS_NO_RESULT,
                                method_mark_watched,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("UpdateCollection",
                                SD_BUS_ARGS("aa{sv}", added, "aa{sv}", removed),
                                SD_BUS_NO_RESULT,
                                method_update_collection,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("CreateSessionFor",
                                SD_BUS_ARGS("a{sv}", options),
                                SD_BUS_RESULT("o", session),
                                method_create_session_for,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("ListSessions",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("ao", sessions),
                                method_list_sessions,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("SetIncognito",
                                SD_BUS_ARGS("b", on),
                                SD_BUS_NO_RESULT,
                                method_set_incognito,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD_WITH_ARGS("GetIncognito",
                                SD_BUS_NO_ARGS,
                                SD_BUS_RESULT("b", on),
                                method_get_incognito,
                                SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("WatchSessions", NULL, NULL, method_watch_sessions, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_METHOD("UnwatchSessions", NULL, NULL, method_unwatch_sessions, SD_BUS_VTABLE_UNPRIVILEGED),
        SD_BUS_SIGNAL_WITH_ARGS("ConnectFinished", SD_BUS_ARGS("b", success, "s", error), 0),
        SD_BUS_SIGNAL_WITH_ARGS("SyncFinished", SD_BUS_ARGS("s", kind, "b", success, "s", error), 0),
        /* Unicast to the watchers of the session's uid (watchers.c), never broadcast. */
        SD_BUS_SIGNAL_WITH_ARGS("SessionChanged", SD_BUS_ARGS("o", session), 0),
        SD_BUS_SIGNAL_WITH_ARGS("SessionRemoved", SD_BUS_ARGS("o", session), 0),
        SD_BUS_SIGNAL_WITH_ARGS("IncognitoChanged", SD_BUS_ARGS("b", on), 0),
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
        r = session_bus_register(c);
        if (r < 0)
                return log_error_errno(r, "Failed to register the session objects: %m");
        c->notify = &bus_notify;
        return 0;
}

void trakt_bus_unregister(Context *c) {
        session_bus_unregister(c);
}
