/* SPDX-License-Identifier: MIT */
#include <stddef.h>

#include "bus-names.h"
#include "polkit-table.h"
#include "util.h"

static const struct {
        const char *interface;
        const char *member;
        const char *action; /* "" = public */
} auth_table[] = {
        { KT_INTERFACE, "Configure", KT_ACTION_CONFIGURE },
        { KT_INTERFACE, "SetSyncEnabled", KT_ACTION_CONFIGURE },
        { KT_INTERFACE, "Connect", KT_ACTION_CONNECT },
        { KT_INTERFACE, "FinishConnect", KT_ACTION_CONNECT },
        { KT_INTERFACE, "CancelConnect", KT_ACTION_CONNECT },
        { KT_INTERFACE, "Disconnect", KT_ACTION_CONNECT },
        { KT_INTERFACE, "Import", KT_ACTION_CONNECT },
        { KT_INTERFACE, "SyncNow", KT_ACTION_USE },
        { KT_INTERFACE, "CreateSession", KT_ACTION_USE },
        { KT_INTERFACE, "Rate", KT_ACTION_USE },
        { KT_INTERFACE, "GetRating", KT_ACTION_USE },
        { KT_INTERFACE, "MarkWatched", KT_ACTION_USE },
        { KT_INTERFACE, "GetHistory", KT_ACTION_USE },
        { KT_INTERFACE, "GetResumePoint", KT_ACTION_USE },
        { KT_INTERFACE, "UpdateCollection", KT_ACTION_USE },
        { KT_INTERFACE, "GetLists", KT_ACTION_USE },
        { KT_INTERFACE, "GetListItems", KT_ACTION_USE },
        { KT_INTERFACE, "AddList", KT_ACTION_USE },
        { KT_INTERFACE, "RemoveList", KT_ACTION_USE },
        { KT_INTERFACE, "GetRecommendations", KT_ACTION_USE },
        { KT_INTERFACE, "CreateSessionFor", KT_ACTION_USE },
        { KT_INTERFACE, "ListSessions", KT_ACTION_USE },
        { KT_INTERFACE, "SetIncognito", KT_ACTION_USE },
        { KT_INTERFACE, "GetIncognito", KT_ACTION_USE },
        { KT_INTERFACE, "WatchSessions", KT_ACTION_USE },
        { KT_INTERFACE, "UnwatchSessions", "" },
};

const char *polkit_action_for(const char *interface, const char *member) {
        if (!interface || !member)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(auth_table); i++)
                if (streq(auth_table[i].interface, interface) && streq(auth_table[i].member, member))
                        return auth_table[i].action;
        return NULL;
}
