/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include "log.h"
#include "polkit.h"
#include "util.h"

#define ACTION_CONFIGURE "org.kino.trakt.configure"
#define ACTION_CONNECT "org.kino.trakt.connect"
#define ACTION_USE "org.kino.trakt.use"

/* Every method the daemon exports, and who may call it. A method that is not
 * here is refused: adding a method means deciding its action here. */
static const struct {
        const char *interface;
        const char *member;
        const char *action; /* "" = public */
} auth_table[] = {
        { KT_INTERFACE, "Configure", ACTION_CONFIGURE },
        { KT_INTERFACE, "SetSyncEnabled", ACTION_CONFIGURE },
        { KT_INTERFACE, "Connect", ACTION_CONNECT },
        { KT_INTERFACE, "FinishConnect", ACTION_CONNECT },
        { KT_INTERFACE, "CancelConnect", ACTION_CONNECT },
        { KT_INTERFACE, "Disconnect", ACTION_CONNECT },
        { KT_INTERFACE, "Import", ACTION_CONNECT },
        { KT_INTERFACE, "SyncNow", ACTION_USE },
        { KT_INTERFACE, "CreateSession", ACTION_USE },
        { KT_INTERFACE, "Rate", ACTION_USE },
        { KT_INTERFACE, "GetRating", ACTION_USE },
        { KT_INTERFACE, "MarkWatched", ACTION_USE },
        { KT_INTERFACE, "GetHistory", ACTION_USE },
        { KT_INTERFACE, "GetResumePoint", ACTION_USE },
        { KT_INTERFACE, "UpdateCollection", ACTION_USE },
        { KT_INTERFACE, "GetLists", ACTION_USE },
        { KT_INTERFACE, "GetListItems", ACTION_USE },
        { KT_INTERFACE, "AddList", ACTION_USE },
        { KT_INTERFACE, "RemoveList", ACTION_USE },
        { KT_INTERFACE, "GetRecommendations", ACTION_USE },
        { KT_INTERFACE, "CreateSessionFor", ACTION_USE },
        { KT_INTERFACE, "ListSessions", ACTION_USE },
        { KT_INTERFACE, "SetIncognito", ACTION_USE },
        { KT_INTERFACE, "GetIncognito", ACTION_USE },
        { KT_INTERFACE, "WatchSessions", ACTION_USE },
};

const char *polkit_action_for(const char *interface, const char *member) {
        if (!interface || !member)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(auth_table); i++)
                if (streq(auth_table[i].interface, interface) && streq(auth_table[i].member, member))
                        return auth_table[i].action;
        return NULL;
}

struct PolkitQuery {
        Context *context;
        sd_bus_message *request;
        sd_bus_slot *slot;
        AuthorizedHandler handler;
        AuthorizedUidHandler uid_handler;
        uid_t uid; /* the caller's, once the bus driver said */
        char *action;
        PolkitQuery *next, *prev;
};

static void query_free(PolkitQuery *q) {
        if (!q)
                return;
        Context *c = q->context;
        if (q->prev)
                q->prev->next = q->next;
        else
                c->polkit_queries = q->next;
        if (q->next)
                q->next->prev = q->prev;
        c->n_polkit_queries--;

        sd_bus_slot_unref(q->slot);
        sd_bus_message_unref(q->request);
        free(q->action);
        free(q);
        context_touch(c);
}

void polkit_queries_free(Context *c) {
        while (c->polkit_queries)
                query_free(c->polkit_queries);
}

static void query_reply_error(PolkitQuery *q, const sd_bus_error *e) {
        int r = sd_bus_reply_method_error(q->request, e);
        if (r < 0)
                log_debug_errno(r, "Failed to send error reply: %m");
}

static void query_deny(PolkitQuery *q, const char *why) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        log_info("Denied %s from %s: %s", sd_bus_message_get_member(q->request),
                 sd_bus_message_get_sender(q->request), why);
        sd_bus_error_setf(&e, SD_BUS_ERROR_ACCESS_DENIED,
                          "Permission denied: your account is not allowed to do this (polkit action %s); ask an administrator.",
                          q->action);
        query_reply_error(q, &e);
}

static void query_run(PolkitQuery *q) {
        _cleanup_(sd_bus_error_free) sd_bus_error e = SD_BUS_ERROR_NULL;
        int r;

        r = sd_bus_message_rewind(q->request, true);
        if (r >= 0)
                r = q->uid_handler ? q->uid_handler(q->request, q->context, q->uid, &e)
                                   : q->handler(q->request, q->context, &e);
        if (r < 0 || sd_bus_error_is_set(&e)) {
                if (!sd_bus_error_is_set(&e))
                        sd_bus_error_set_errno(&e, r);
                query_reply_error(q, &e);
        }
}

static int on_check_authorization(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        PolkitQuery *q = userdata;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        int authorized = 0, challenge = 0;
        int r;

        if (e) {
                /* polkitd absent or broken: the answer is no. */
                query_deny(q, e->message ?: e->name);
                goto finish;
        }

        r = sd_bus_message_enter_container(reply, 'r', "bba{ss}");
        if (r >= 0)
                r = sd_bus_message_read(reply, "bb", &authorized, &challenge);
        if (r < 0) {
                query_deny(q, "unparsable answer from polkit");
                goto finish;
        }

        if (authorized)
                query_run(q);
        else if (challenge && !sd_bus_message_get_allow_interactive_authorization(q->request)) {
                _cleanup_(sd_bus_error_free) sd_bus_error ie = SD_BUS_ERROR_NULL;
                sd_bus_error_setf(&ie, SD_BUS_ERROR_INTERACTIVE_AUTHORIZATION_REQUIRED,
                                  "Authentication is required for this (polkit action %s); retry allowing interactive authorization.",
                                  q->action);
                query_reply_error(q, &ie);
        } else
                query_deny(q, "polkit said no");

finish:
        query_free(q);
        return 0;
}

static int on_unix_user(sd_bus_message *reply, void *userdata, sd_bus_error *ret_error) {
        PolkitQuery *q = userdata;
        Context *c = q->context;
        const sd_bus_error *e = sd_bus_message_get_error(reply);
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *call = NULL;
        uint32_t uid;
        int r;

        q->slot = sd_bus_slot_unref(q->slot);

        if (e) {
                query_deny(q, e->message ?: e->name);
                goto fail;
        }
        r = sd_bus_message_read(reply, "u", &uid);
        if (r < 0) {
                query_deny(q, "cannot tell the caller's user");
                goto fail;
        }

        q->uid = (uid_t) uid;
        if (uid == 0 || isempty(q->action)) {
                query_run(q);
                goto fail; /* done either way */
        }

        r = sd_bus_message_new_method_call(c->bus, &call, "org.freedesktop.PolicyKit1",
                                           "/org/freedesktop/PolicyKit1/Authority",
                                           "org.freedesktop.PolicyKit1.Authority", "CheckAuthorization");
        if (r >= 0)
                r = sd_bus_message_append(call, "(sa{sv})s", "system-bus-name", 1, "name", "s",
                                          sd_bus_message_get_sender(q->request), q->action);
        if (r >= 0)
                r = sd_bus_message_append(call, "a{ss}us", 0,
                                          (uint32_t) (sd_bus_message_get_allow_interactive_authorization(q->request) ? 1 : 0),
                                          "");
        if (r >= 0)
                /* Interactive checks wait for a person: allow them time. */
                r = sd_bus_call_async(c->bus, &q->slot, call, on_check_authorization, q,
                                      sd_bus_message_get_allow_interactive_authorization(q->request)
                                              ? 5 * 60 * USEC_PER_SEC : 25 * USEC_PER_SEC);
        if (r < 0) {
                query_deny(q, "cannot ask polkit");
                goto fail;
        }
        return 0;

fail:
        query_free(q);
        return 0;
}

static int authorize(Context *c, sd_bus_message *m, AuthorizedHandler handler, AuthorizedUidHandler uid_handler,
                     sd_bus_error *error) {
        const char *action = polkit_action_for(sd_bus_message_get_interface(m), sd_bus_message_get_member(m));
        int r;

        if (!action)
                return sd_bus_error_setf(error, SD_BUS_ERROR_ACCESS_DENIED,
                                         "Permission denied: %s is not open to callers.", sd_bus_message_get_member(m));

        PolkitQuery *q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        q->context = c;
        q->handler = handler;
        q->uid_handler = uid_handler;
        q->request = sd_bus_message_ref(m);
        q->action = strdup(action);
        q->next = c->polkit_queries;
        if (q->next)
                q->next->prev = q;
        c->polkit_queries = q;
        c->n_polkit_queries++;

        if (!q->action) {
                query_free(q);
                return -ENOMEM;
        }

        /* Who is calling? Asked asynchronously so the loop never waits on it. */
        r = sd_bus_call_method_async(c->bus, &q->slot, "org.freedesktop.DBus", "/org/freedesktop/DBus",
                                     "org.freedesktop.DBus", "GetConnectionUnixUser", on_unix_user, q, "s",
                                     sd_bus_message_get_sender(m));
        if (r < 0) {
                query_free(q);
                return r;
        }
        return 1; /* the reply comes later */
}

int bus_authorize(Context *c, sd_bus_message *m, AuthorizedHandler handler, sd_bus_error *error) {
        return authorize(c, m, handler, NULL, error);
}

int bus_authorize_uid(Context *c, sd_bus_message *m, AuthorizedUidHandler handler, sd_bus_error *error) {
        return authorize(c, m, NULL, handler, error);
}

int bus_caller_uid(Context *c, sd_bus_message *m, uid_t *ret) {
        _cleanup_(sd_bus_message_unrefp) sd_bus_message *reply = NULL;
        const char *sender = sd_bus_message_get_sender(m);
        uint32_t uid;
        int r;

        if (!sender)
                return -ENXIO;
        if (streq_ptr(c->caller_cache_name, sender)) {
                *ret = c->caller_cache_uid;
                return 0;
        }
        r = sd_bus_call_method(c->bus, "org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                               "GetConnectionUnixUser", NULL, &reply, "s", sender);
        if (r >= 0)
                r = sd_bus_message_read(reply, "u", &uid);
        if (r < 0)
                return log_debug_errno(r, "Cannot tell the user of %s: %m", sender);
        char *name = strdup(sender);
        if (name) {
                free(c->caller_cache_name);
                c->caller_cache_name = name;
                c->caller_cache_uid = (uid_t) uid;
        }
        *ret = (uid_t) uid;
        return 0;
}
