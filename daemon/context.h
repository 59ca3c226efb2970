/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-bus.h>
#include <systemd/sd-event.h>

#include "bus-names.h"
#include "config.h"
#include "http.h"
#include "store.h"

/* Percent at which a stop counts as watched: Trakt's server-side 80 (docs/trakt-api.md §4.2). */
#define KT_WATCHED_THRESHOLD 80.0

typedef struct PolkitQuery PolkitQuery;
struct TraktClient;
struct ConnectFlow;
struct SyncRun;
struct Outbox;
struct Session;
struct Eye;
struct Watcher;
struct FollowedLists;
struct Resolver;

/* The connection's life cycle, as the State property shows it. */
typedef enum ConnState {
        CONN_UNCONFIGURED,
        CONN_DISCONNECTED,
        CONN_AUTHORIZING,
        CONN_AUTHORIZED,
        CONN_CONNECTED,
        CONN_EXPIRED,
} ConnState;

const char *conn_state_to_string(ConnState s);
ConnState conn_state_from_string(const char *s); /* unknown → CONN_DISCONNECTED */

/* One context owns everything; created in main() and torn down there. */
typedef struct Context {
        sd_event *event;
        sd_bus *bus;
        Config config;
        Store *store;
        Http *http;
        struct TraktClient *trakt_client; /* trakt-client.c: tokens, refresh */
        struct ConnectFlow *connect;      /* connect.c: a device authorization in progress */
        struct SyncRun *sync;             /* sync.c: the import or sweep that runs */
        sd_event_source *sweep_timer;     /* sync.c: the next incremental sweep (off while not connected) */
        struct Outbox *outbox;            /* outbox.c: the durable queue of writes for Trakt */
        struct FollowedLists *followed;   /* library.c: AddList resolutions and followed-list refreshes */
        struct Resolver *resolver;        /* resolve.c: Trakt's ids for media named by title */

        /* Playback sessions (session.c). */
        struct Session *sessions;
        unsigned n_sessions;
        unsigned next_session;
        uint64_t instance; /* this process's start, µs: part of the outbox's session ids */
        sd_bus_slot *session_vtable_slot;   /* the fallback vtable under /org/kino/Trakt/session */
        sd_bus_slot *session_enum_slot;     /* its node enumerator (only the caller's sessions) */
        struct Eye *eyes;                   /* eye.c: the user-wide incognito, per uid that has it on */
        struct Watcher *watchers;           /* watchers.c: WatchSessions subscribers */
        unsigned ratings_pushed; /* ratings delivered to Trakt so far (a sweep's removal check compares it) */

        char *state_dir;
        bool session_bus;

        /* Idle exit. */
        uint64_t idle_timeout_usec; /* 0 = never */
        uint64_t last_activity_usec; /* CLOCK_MONOTONIC */
        sd_event_source *idle_timer;
        sd_bus_slot *filter_slot;

        /* The uid of the last caller asked synchronously (polkit.c: bus_caller_uid). */
        char *caller_cache_name;
        uid_t caller_cache_uid;

        /* Authorization checks in flight. */
        PolkitQuery *polkit_queries;
        unsigned n_polkit_queries;

        /* Cached copies of what the properties show. */
        ConnState state;
        char *last_error;
} Context;

/* Give back what a big job (an import) left behind: sqlite's page cache and
 * the free heap at the top of malloc's arenas. */
void context_release_memory(Context *c);

/* Mark the daemon as busy now (resets the idle countdown). */
void context_touch(Context *c);

/* Whether the daemon may exit for idleness right now. */
bool context_is_idle(Context *c);

/* Set State and emit PropertiesChanged. */
void context_set_state(Context *c, ConnState s);
/* Set LastError ("" or NULL clears it), stored durably, PropertiesChanged. */
void context_set_last_error(Context *c, const char *error);
