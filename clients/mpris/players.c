/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "identify.h"
#include "metadata.h"
#include "playback.h"
#include "players.h"

#define MPRIS_PREFIX "org.mpris.MediaPlayer2."
#define MPRIS_NAMESPACE "org.mpris.MediaPlayer2"
#define MPRIS_PATH "/org/mpris/MediaPlayer2"
#define ROOT_IFACE "org.mpris.MediaPlayer2"
#define PLAYER_IFACE "org.mpris.MediaPlayer2.Player"
#define PROPS_IFACE "org.freedesktop.DBus.Properties"
#define GETALL_TIMEOUT_MS 5000
#define POSITION_TIMEOUT_MS 2000
#define MAX_IDENTITY_BYTES 1024

typedef struct Player Player;

struct Players {
        GDBusConnection *bus;
        Sessions *sessions;
        const MprisConfig *config;
        GHashTable *by_unique; /* unique name → Player* (a reference) */
        guint sub_owner_changed;
        guint poll_timer;
        GCancellable *cancel;
        unsigned in_flight;
};

struct Player {
        Players *players;
        int ref;
        char *unique;
        GPtrArray *names; /* its org.mpris.MediaPlayer2.* names */
        char *suffix;     /* of the first name, after the prefix */
        char *identity;
        bool identity_known;
        bool asking_identity;
        bool followed;    /* allowed, subscribed, tracked */
        bool denied;      /* said in the log that it is not followed */
        bool ready;       /* the first GetAll of the Player interface was sent */
        bool gone;
        guint sub_props;
        guint sub_seeked;
        Playback *pb;
        char *last_key; /* of the item last described in the log */
        bool last_scrobble;
        Watch *watch;
        guint commit_timer;
        bool polling;       /* a Position call is in flight */
        bool commit_after;  /* commit when it answers */
        guint64 poll_generation;
};

static gint64 now_us(void) {
        return g_get_monotonic_time();
}

static const char *player_name(const Player *pl) {
        return pl->identity && *pl->identity ? pl->identity : pl->suffix;
}

static Player *player_ref(Player *pl) {
        pl->ref++;
        return pl;
}

static void player_unref(Player *pl) {
        if (--pl->ref > 0)
                return;
        g_assert(!pl->watch);
        playback_free(pl->pb);
        g_ptr_array_free(pl->names, TRUE);
        g_free(pl->unique);
        g_free(pl->suffix);
        g_free(pl->identity);
        g_free(pl->last_key);
        g_free(pl);
}

/* A call to a player: keeps it alive until the answer, counted so that
 * players_free can wait for every callback. */
typedef struct PCall {
        Player *pl;
        guint64 generation;
        gint64 sent_at;
} PCall;

static PCall *pcall_new(Player *pl) {
        PCall *c = g_new0(PCall, 1);
        c->pl = player_ref(pl);
        pl->players->in_flight++;
        return c;
}

static Player *pcall_end(PCall *c) {
        c->pl->players->in_flight--;
        return c->pl->gone ? NULL : c->pl;
}

static void pcall_free(PCall *c) {
        player_unref(c->pl);
        g_free(c);
}

/* Signal subscriptions hold a reference too: GDBus may still deliver one
 * after unsubscribing, until it calls this. */
static gpointer subscription_data(Player *pl) {
        pl->players->in_flight++;
        return player_ref(pl);
}

static void subscription_done(gpointer data) {
        Player *pl = data;
        pl->players->in_flight--;
        player_unref(pl);
}

static void schedule(Player *pl);
static void poll_position(Player *pl, bool then_commit);
static void player_gone(Player *pl);

/* ---- decisions → daemon sessions ---- */

static double watch_progress(void *userdata) {
        Player *pl = userdata;
        return playback_progress(pl->pb, now_us());
}

static void on_decision(void *userdata, PlaybackAction action, PlaybackItem *item, double progress) {
        Player *pl = userdata;
        Players *p = pl->players;

        if (action == PLAYBACK_START || pl->watch)
                g_message("%s: %s “%s” at %.1f %%.", player_name(pl), playback_action_name(action), item->label,
                          progress);
        switch (action) {
        case PLAYBACK_START:
                if (!pl->watch) {
                        pl->watch = sessions_watch(p->sessions, item->data, player_name(pl), item->label);
                        watch_set_progress_fn(pl->watch, watch_progress, pl);
                }
                watch_play(pl->watch, progress);
                break;
        case PLAYBACK_PAUSE:
                if (pl->watch)
                        watch_pause(pl->watch, progress);
                break;
        case PLAYBACK_STOP:
                if (pl->watch)
                        watch_stop(g_steal_pointer(&pl->watch), progress);
                break;
        }
}

/* ---- what the player says ---- */

static bool is_gone_error(const GError *e) {
        if (g_error_matches(e, G_DBUS_ERROR, G_DBUS_ERROR_SERVICE_UNKNOWN) ||
            g_error_matches(e, G_DBUS_ERROR, G_DBUS_ERROR_NAME_HAS_NO_OWNER))
                return true;
        g_autofree char *name = g_dbus_error_is_remote_error(e) ? g_dbus_error_get_remote_error(e) : NULL;
        return name && (strcmp(name, "org.freedesktop.DBus.Error.ServiceUnknown") == 0 ||
                        strcmp(name, "org.freedesktop.DBus.Error.NameHasNoOwner") == 0);
}

static void take_metadata(Player *pl, GVariant *value) {
        Players *p = pl->players;
        MprisMetadata m;
        metadata_parse(value, &m);
        g_autofree char *key = metadata_item_key(&m);
        if (!key) {
                metadata_clear(&m);
                if (playback_set_item(pl->pb, NULL, now_us()))
                        poll_position(pl, false);
                return;
        }

        Identification id;
        identify(&m, &id);
        const char *why = id.why;
        gint64 min_us = (gint64) (p->config->min_minutes * 60.0 * G_USEC_PER_SEC);
        if (id.media && m.length_us > 0 && m.length_us < min_us)
                why = "shorter than min_minutes";
        bool scrobble = id.media && m.length_us > 0 && m.length_us >= min_us;

        /* Said once per item, when the verdict is settled (VLC sends no length at first). */
        bool settled = m.length_us > 0 || !id.media;
        if (settled && (g_strcmp0(pl->last_key, key) != 0 || pl->last_scrobble != scrobble)) {
                if (scrobble)
                        g_message("%s: “%s” is %s.", player_name(pl), m.path ?: m.url ?: key, id.label);
                else
                        g_message("%s: leaving “%s” alone: %s.", player_name(pl), m.path ?: m.title ?: key, why);
                g_free(pl->last_key);
                pl->last_key = g_strdup(key);
                pl->last_scrobble = scrobble;
        }

        PlaybackItem *it = playback_item_new(key, m.length_us, scrobble, id.label ?: key,
                                             id.media ? g_variant_ref(id.media) : NULL,
                                             id.media ? (GDestroyNotify) g_variant_unref : NULL);
        identification_clear(&id);
        metadata_clear(&m);
        bool changed = playback_set_item(pl->pb, it, now_us());
        playback_item_unref(it);
        if (changed)
                poll_position(pl, false);
}

static void take_player_properties(Player *pl, GVariant *dict) {
        GVariant *v;
        bool changed = false;

        if ((v = g_variant_lookup_value(dict, "Metadata", NULL))) {
                take_metadata(pl, v);
                g_variant_unref(v);
        }
        if ((v = g_variant_lookup_value(dict, "Rate", G_VARIANT_TYPE_DOUBLE))) {
                playback_set_rate(pl->pb, g_variant_get_double(v), now_us());
                g_variant_unref(v);
        }
        if ((v = g_variant_lookup_value(dict, "PlaybackStatus", G_VARIANT_TYPE_STRING))) {
                PlayerStatus st;
                if (player_status_from_string(g_variant_get_string(v, NULL), &st))
                        changed = playback_set_status(pl->pb, st, now_us());
                g_variant_unref(v);
        }
        if (changed)
                poll_position(pl, false);
        schedule(pl);
}

static void on_player_getall(GObject *src, GAsyncResult *res, gpointer userdata) {
        PCall *c = userdata;
        g_autoptr(GError) e = NULL;
        g_autoptr(GVariant) r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &e);
        Player *pl = pcall_end(c);
        if (pl && pl->followed) {
                if (r) {
                        g_autoptr(GVariant) dict = g_variant_get_child_value(r, 0);
                        take_player_properties(pl, dict);
                } else if (is_gone_error(e))
                        player_gone(pl);
                else if (!g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                        g_message("%s: no answer to GetAll: %s", player_name(pl), e->message);
        }
        pcall_free(c);
}

static void get_player_properties(Player *pl) {
        Players *p = pl->players;
        pl->ready = true;
        g_dbus_connection_call(p->bus, pl->unique, MPRIS_PATH, PROPS_IFACE, "GetAll", g_variant_new("(s)", PLAYER_IFACE),
                               G_VARIANT_TYPE("(a{sv})"), G_DBUS_CALL_FLAGS_NO_AUTO_START, GETALL_TIMEOUT_MS, p->cancel,
                               on_player_getall, pcall_new(pl));
}

static void on_properties_changed(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                                  const char *signal, GVariant *params, gpointer userdata) {
        Player *pl = userdata;
        if (!pl->ready || pl->gone || !g_variant_is_of_type(params, G_VARIANT_TYPE("(sa{sv}as)")))
                return;
        const char *which;
        g_autoptr(GVariant) changed = NULL;
        g_autofree const char **invalidated = NULL;
        g_variant_get(params, "(&s@a{sv}^a&s)", &which, &changed, &invalidated);
        if (strcmp(which, PLAYER_IFACE) != 0)
                return;
        take_player_properties(pl, changed);
        /* Properties announced without their value: read them all again. */
        for (size_t i = 0; invalidated && invalidated[i]; i++)
                if (strcmp(invalidated[i], "Metadata") == 0 || strcmp(invalidated[i], "PlaybackStatus") == 0) {
                        get_player_properties(pl);
                        break;
                }
}

static void on_seeked(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                      const char *signal, GVariant *params, gpointer userdata) {
        Player *pl = userdata;
        if (!pl->ready || pl->gone || !g_variant_is_of_type(params, G_VARIANT_TYPE("(x)")))
                return;
        gint64 pos;
        g_variant_get(params, "(x)", &pos);
        playback_position(pl->pb, pos, playback_generation(pl->pb), now_us());
        schedule(pl);
}

/* ---- Position: polled, never signalled ---- */

static void on_position(GObject *src, GAsyncResult *res, gpointer userdata) {
        PCall *c = userdata;
        g_autoptr(GError) e = NULL;
        g_autoptr(GVariant) r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &e);
        Player *pl = pcall_end(c);
        if (pl) {
                pl->polling = false;
                if (r) {
                        g_autoptr(GVariant) v = NULL;
                        g_variant_get(r, "(v)", &v);
                        gint64 pos = -1;
                        if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT64))
                                pos = g_variant_get_int64(v);
                        else if (g_variant_is_of_type(v, G_VARIANT_TYPE_UINT64) && g_variant_get_uint64(v) <= G_MAXINT64)
                                pos = (gint64) g_variant_get_uint64(v);
                        else if (g_variant_is_of_type(v, G_VARIANT_TYPE_INT32))
                                pos = g_variant_get_int32(v);
                        /* The player read its position somewhere between the call and
                         * the answer: the middle is the best guess. */
                        if (pos >= 0)
                                playback_position(pl->pb, pos, c->generation, c->sent_at + (now_us() - c->sent_at) / 2);
                } else if (is_gone_error(e)) {
                        player_gone(pl);
                        pcall_free(c);
                        return;
                }
                if (pl->commit_after) {
                        pl->commit_after = false;
                        playback_commit(pl->pb, now_us());
                }
                schedule(pl);
        }
        pcall_free(c);
}

static void poll_position(Player *pl, bool then_commit) {
        Players *p = pl->players;
        if (then_commit)
                pl->commit_after = true;
        if (pl->polling || pl->gone)
                return;
        pl->polling = true;
        PCall *c = pcall_new(pl);
        c->generation = playback_generation(pl->pb);
        c->sent_at = now_us();
        g_dbus_connection_call(p->bus, pl->unique, MPRIS_PATH, PROPS_IFACE, "Get",
                               g_variant_new("(ss)", PLAYER_IFACE, "Position"), G_VARIANT_TYPE("(v)"),
                               G_DBUS_CALL_FLAGS_NO_AUTO_START, POSITION_TIMEOUT_MS, p->cancel, on_position, c);
}

static gboolean on_poll_timer(gpointer userdata) {
        Players *p = userdata;
        GHashTableIter it;
        gpointer v;
        bool any = false;
        g_hash_table_iter_init(&it, p->by_unique);
        while (g_hash_table_iter_next(&it, NULL, &v)) {
                Player *pl = v;
                if (pl->followed && playback_wants_polling(pl->pb)) {
                        poll_position(pl, false);
                        any = true;
                }
        }
        if (!any)
                p->poll_timer = 0;
        return any ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* ---- timers ---- */

static gboolean on_commit_timer(gpointer userdata) {
        Player *pl = userdata;
        pl->commit_timer = 0;
        /* Decide on a fresh sample: a pause's real position, whether a
         * Stopped player is in fact still playing. */
        poll_position(pl, true);
        return G_SOURCE_REMOVE;
}

static void schedule(Player *pl) {
        Players *p = pl->players;
        if (pl->gone)
                return;
        if (pl->commit_timer) {
                g_source_remove(pl->commit_timer);
                pl->commit_timer = 0;
        }
        gint64 deadline = playback_deadline(pl->pb);
        if (deadline > 0 && !pl->commit_after) {
                gint64 ms = (deadline - now_us() + 999) / 1000;
                pl->commit_timer = g_timeout_add((guint) CLAMP(ms, 0, G_MAXINT32), on_commit_timer, pl);
        }
        if (!p->poll_timer && pl->followed && playback_wants_polling(pl->pb))
                p->poll_timer = g_timeout_add_seconds(PLAYBACK_POLL_US / G_USEC_PER_SEC, on_poll_timer, p);
}

/* ---- following a player ---- */

static void unfollow(Player *pl) {
        Players *p = pl->players;
        if (pl->sub_props)
                g_dbus_connection_signal_unsubscribe(p->bus, pl->sub_props);
        if (pl->sub_seeked)
                g_dbus_connection_signal_unsubscribe(p->bus, pl->sub_seeked);
        pl->sub_props = pl->sub_seeked = 0;
        if (pl->commit_timer) {
                g_source_remove(pl->commit_timer);
                pl->commit_timer = 0;
        }
        playback_vanish(pl->pb, now_us());
        g_assert(!pl->watch);
        /* Start afresh if followed again. */
        playback_free(pl->pb);
        pl->pb = playback_new(on_decision, pl);
        g_clear_pointer(&pl->last_key, g_free);
        pl->followed = pl->ready = false;
}

static void decide_following(Player *pl);

static void on_root_getall(GObject *src, GAsyncResult *res, gpointer userdata) {
        PCall *c = userdata;
        g_autoptr(GError) e = NULL;
        g_autoptr(GVariant) r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &e);
        Player *pl = pcall_end(c);
        if (pl) {
                if (r) {
                        g_autoptr(GVariant) dict = g_variant_get_child_value(r, 0);
                        const char *identity = NULL;
                        if (g_variant_lookup(dict, "Identity", "&s", &identity) && strlen(identity) <= MAX_IDENTITY_BYTES) {
                                g_free(pl->identity);
                                pl->identity = g_strdup(identity);
                        }
                } else if (is_gone_error(e)) {
                        player_gone(pl);
                        pcall_free(c);
                        return;
                } else if (!g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                        g_message("%s: no answer about its identity (%s); matching it by its bus name.", pl->suffix,
                                  e->message);
                if (!g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
                        pl->identity_known = true;
                        decide_following(pl);
                }
        }
        pcall_free(c);
}

static void follow(Player *pl) {
        Players *p = pl->players;
        if (pl->followed)
                return;
        pl->followed = true;
        pl->sub_props = g_dbus_connection_signal_subscribe(p->bus, pl->unique, PROPS_IFACE, "PropertiesChanged",
                                                           MPRIS_PATH, PLAYER_IFACE, G_DBUS_SIGNAL_FLAGS_NONE,
                                                           on_properties_changed, subscription_data(pl),
                                                           subscription_done);
        pl->sub_seeked = g_dbus_connection_signal_subscribe(p->bus, pl->unique, PLAYER_IFACE, "Seeked", MPRIS_PATH,
                                                            NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_seeked,
                                                            subscription_data(pl), subscription_done);
        get_player_properties(pl);
}

/* Allowed so far (by bus name; by Identity once known)? Follow it, or not. */
static void decide_following(Player *pl) {
        Players *p = pl->players;
        bool allowed = mpris_config_player_allowed(p->config, pl->suffix, pl->identity);
        if (!allowed) {
                if (!pl->denied)
                        g_message("%s (%s): not followed, as the configuration says.", player_name(pl), pl->suffix);
                pl->denied = true;
                if (pl->followed)
                        unfollow(pl);
                return;
        }
        pl->denied = false;
        if (!pl->identity_known) {
                if (!pl->asking_identity) {
                        /* Identity first: a player denied by it is never tracked. */
                        pl->asking_identity = true;
                        g_dbus_connection_call(p->bus, pl->unique, MPRIS_PATH, PROPS_IFACE, "GetAll",
                                               g_variant_new("(s)", ROOT_IFACE), G_VARIANT_TYPE("(a{sv})"),
                                               G_DBUS_CALL_FLAGS_NO_AUTO_START, GETALL_TIMEOUT_MS, p->cancel,
                                               on_root_getall, pcall_new(pl));
                }
                return;
        }
        if (!pl->followed) {
                g_message("Following %s (%s).", player_name(pl), pl->suffix);
                follow(pl);
        }
}

static void player_gone(Player *pl) {
        Players *p = pl->players;
        if (pl->gone)
                return;
        if (pl->followed) {
                g_message("%s left the bus.", player_name(pl));
                unfollow(pl);
        }
        pl->gone = true;
        g_hash_table_remove(p->by_unique, pl->unique);
}

static void player_add(Players *p, const char *unique, const char *name) {
        Player *pl = g_hash_table_lookup(p->by_unique, unique);
        if (pl) {
                for (guint i = 0; i < pl->names->len; i++)
                        if (strcmp(pl->names->pdata[i], name) == 0)
                                return;
                g_ptr_array_add(pl->names, g_strdup(name));
                return;
        }
        pl = g_new0(Player, 1);
        pl->players = p;
        pl->ref = 1;
        pl->unique = g_strdup(unique);
        pl->names = g_ptr_array_new_with_free_func(g_free);
        g_ptr_array_add(pl->names, g_strdup(name));
        pl->suffix = g_strdup(name + strlen(MPRIS_PREFIX));
        pl->pb = playback_new(on_decision, pl);
        g_hash_table_insert(p->by_unique, pl->unique, pl);
        g_debug("Player %s appeared as %s.", name, unique);
        decide_following(pl);
}

static void player_name_lost(Players *p, const char *unique, const char *name) {
        Player *pl = g_hash_table_lookup(p->by_unique, unique);
        if (!pl)
                return;
        for (guint i = 0; i < pl->names->len; i++)
                if (strcmp(pl->names->pdata[i], name) == 0) {
                        g_ptr_array_remove_index(pl->names, i);
                        break;
                }
        if (pl->names->len == 0)
                player_gone(pl);
}

static bool is_mpris_name(const char *name) {
        return g_str_has_prefix(name, MPRIS_PREFIX) && name[strlen(MPRIS_PREFIX)] != 0;
}

static void on_name_owner_changed(GDBusConnection *bus, const char *sender, const char *path, const char *iface,
                                  const char *signal, GVariant *params, gpointer userdata) {
        Players *p = userdata;
        const char *name, *old_owner, *new_owner;
        if (g_cancellable_is_cancelled(p->cancel) || !g_variant_is_of_type(params, G_VARIANT_TYPE("(sss)")))
                return;
        g_variant_get(params, "(&s&s&s)", &name, &old_owner, &new_owner);
        if (!is_mpris_name(name))
                return;
        if (*old_owner)
                player_name_lost(p, old_owner, name);
        if (*new_owner)
                player_add(p, new_owner, name);
}

typedef struct OwnerCall {
        Players *players;
        char *name;
} OwnerCall;

static void on_get_name_owner(GObject *src, GAsyncResult *res, gpointer userdata) {
        OwnerCall *c = userdata;
        Players *p = c->players;
        g_autoptr(GError) e = NULL;
        g_autoptr(GVariant) r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &e);
        p->in_flight--;
        if (r && !g_cancellable_is_cancelled(p->cancel)) {
                const char *owner;
                g_variant_get(r, "(&s)", &owner);
                player_add(p, owner, c->name);
        }
        g_free(c->name);
        g_free(c);
}

static void on_list_names(GObject *src, GAsyncResult *res, gpointer userdata) {
        Players *p = userdata;
        g_autoptr(GError) e = NULL;
        g_autoptr(GVariant) r = g_dbus_connection_call_finish(G_DBUS_CONNECTION(src), res, &e);
        p->in_flight--;
        if (!r) {
                if (!g_error_matches(e, G_IO_ERROR, G_IO_ERROR_CANCELLED))
                        g_warning("Could not list the players on the session bus: %s", e->message);
                return;
        }
        g_autofree const char **names = NULL;
        g_variant_get(r, "(^a&s)", &names);
        for (size_t i = 0; names && names[i]; i++) {
                if (!is_mpris_name(names[i]))
                        continue;
                OwnerCall *c = g_new0(OwnerCall, 1);
                c->players = p;
                c->name = g_strdup(names[i]);
                p->in_flight++;
                g_dbus_connection_call(p->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                                       "GetNameOwner", g_variant_new("(s)", names[i]), G_VARIANT_TYPE("(s)"),
                                       G_DBUS_CALL_FLAGS_NO_AUTO_START, GETALL_TIMEOUT_MS, p->cancel,
                                       on_get_name_owner, c);
        }
}

static void owner_subscription_done(gpointer data) {
        Players *p = data;
        p->in_flight--;
}

static void player_release(gpointer data) {
        player_unref(data);
}

Players *players_new(GDBusConnection *session_bus, Sessions *sessions, const MprisConfig *config) {
        Players *p = g_new0(Players, 1);
        p->bus = g_object_ref(session_bus);
        p->sessions = sessions;
        p->config = config;
        p->cancel = g_cancellable_new();
        p->by_unique = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, player_release);
        /* Only names in the MPRIS namespace: the bus filters, we are not woken
         * for every other name on the bus. */
        p->in_flight++; /* until GDBus lets go of the subscription */
        p->sub_owner_changed = g_dbus_connection_signal_subscribe(
                session_bus, "org.freedesktop.DBus", "org.freedesktop.DBus", "NameOwnerChanged", "/org/freedesktop/DBus",
                MPRIS_NAMESPACE, G_DBUS_SIGNAL_FLAGS_MATCH_ARG0_NAMESPACE, on_name_owner_changed, p,
                owner_subscription_done);
        p->in_flight++;
        g_dbus_connection_call(session_bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "ListNames", NULL, G_VARIANT_TYPE("(as)"), G_DBUS_CALL_FLAGS_NO_AUTO_START,
                               GETALL_TIMEOUT_MS, p->cancel, on_list_names, p);
        return p;
}

static GPtrArray *all_players(Players *p) {
        GPtrArray *a = g_ptr_array_new_with_free_func(player_release);
        GHashTableIter it;
        gpointer v;
        g_hash_table_iter_init(&it, p->by_unique);
        while (g_hash_table_iter_next(&it, NULL, &v))
                g_ptr_array_add(a, player_ref(v));
        return a;
}

void players_config_changed(Players *p) {
        g_autoptr(GPtrArray) a = all_players(p);
        for (guint i = 0; i < a->len; i++) {
                Player *pl = a->pdata[i];
                if (pl->gone)
                        continue;
                decide_following(pl);
                /* min_minutes may have changed: describe the item again. */
                if (pl->followed && pl->ready)
                        get_player_properties(pl);
        }
}

void players_vanish_all(Players *p) {
        g_autoptr(GPtrArray) a = all_players(p);
        for (guint i = 0; i < a->len; i++)
                player_gone(a->pdata[i]);
}

void players_suspend_all(Players *p) {
        g_autoptr(GPtrArray) a = all_players(p);
        for (guint i = 0; i < a->len; i++) {
                Player *pl = a->pdata[i];
                playback_suspend(pl->pb, now_us());
                if (pl->watch)
                        watch_release(g_steal_pointer(&pl->watch));
        }
}

void players_free(Players *p) {
        if (!p)
                return;
        g_dbus_connection_signal_unsubscribe(p->bus, p->sub_owner_changed);
        g_cancellable_cancel(p->cancel);
        {
                g_autoptr(GPtrArray) a = all_players(p);
                for (guint i = 0; i < a->len; i++) {
                        Player *pl = a->pdata[i];
                        if (pl->watch)
                                watch_release(g_steal_pointer(&pl->watch));
                        if (pl->followed)
                                unfollow(pl);
                        pl->gone = true;
                }
        }
        g_hash_table_remove_all(p->by_unique);
        while (p->in_flight > 0)
                g_main_context_iteration(NULL, TRUE);
        if (p->poll_timer)
                g_source_remove(p->poll_timer);
        g_hash_table_unref(p->by_unique);
        g_object_unref(p->cancel);
        g_object_unref(p->bus);
        g_free(p);
}
