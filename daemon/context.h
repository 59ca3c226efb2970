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
#include "db.h"

/* The context: one struct that owns everything the daemon has (the loop, the
 * bus, the database, the HTTP engine, each module's state), created in main()
 * and torn down there, and passed to every module. context.c keeps the state
 * every module may touch (State, LastError, the idle countdown) and the two
 * ways a module reaches what lies above it without including it: the
 * notifications the bus layer registers (ContextNotify) and the hooks main.c
 * registers (ContextHooks). Data flows one way: bus layer → modules → Trakt
 * client → HTTP; no module includes a bus file or main.c
 * (system-daemon-include-graph checks it). */

/* KT_WATCHED_THRESHOLD, the percent at which a stop counts as watched. */
#include "scrobble-rules.h"

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

typedef struct Context Context;

/* How a module tells the world that something changed, without knowing the
 * bus: modules call context_notify_*() (below), never a bus file or main.c.
 * The bus layer registers one table at start (trakt_bus_register(), the way
 * systemd's managers emit through one place); until then, and in tests
 * without a bus, nobody hears. */
typedef struct ContextNotify {
        /* org.kino.Trakt's properties named (NULL-terminated) changed. */
        void (*properties_changed)(Context *c, char **names);
        /* The device authorization ended: approved, failed or cancelled. */
        void (*connect_finished)(Context *c, bool success, const char *error);
        /* An import or sweep ended (kind: "import" or "incremental"). */
        void (*sync_finished)(Context *c, const char *kind, bool success, const char *error);
        /* What a playback session shows changed (properties: session.h's
         * SessionProperty bits), or the session is about to go. */
        void (*session_changed)(Context *c, struct Session *s, unsigned properties);
        void (*session_removed)(Context *c, struct Session *s);
        /* uid's user-wide eye turned on or off. */
        void (*incognito_changed)(Context *c, uid_t uid, bool on);
} ContextNotify;

/* How a lower module reaches a higher one that includes it: the few places
 * where the flow of control runs against the flow of includes. main.c, which
 * wires the modules together, registers the table at start. */
typedef struct ContextHooks {
        /* State changed (context_set_state): the outbox, the look-ups and the
         * sweep timer follow it. */
        void (*connection_changed)(Context *c);
        /* Title look-ups were answered (resolve.c): the outbox sends what
         * waited for them, the sessions show Trakt's item. */
        void (*names_resolved)(Context *c);
        /* Whether a session that is not incognito plays the name whose next
         * look-up is key (resolve.c asks before it searches). */
        bool (*session_wants_lookup)(Context *c, const char *key);
        /* Whether the outbox's session id names a live session of this process,
         * its progress, and whether it plays (and is not effectively incognito). */
        bool (*session_lookup)(Context *c, const char *id, double *ret_progress, bool *ret_playing);
        /* uid's user-wide eye turned on or off (eye.c): the sessions follow. */
        void (*eye_changed)(Context *c, uid_t uid, bool on);
} ContextHooks;

/* One context owns everything; created in main() and torn down there. */
struct Context {
        sd_event *event;
        sd_bus *bus;
        Config config;
        Db *db;
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

        const ContextNotify *notify; /* the bus layer's, once registered */
        const ContextHooks *hooks;   /* main.c's */
};

/* context.c: the context's own state, what every module may touch. */

/* Give back what a big job (an import) left behind: the statements it kept, sqlite's page cache and
 * the free heap at the top of malloc's arenas. */
void context_release_memory(Context *c);

/* Mark the daemon as busy now (resets the idle countdown). */
void context_touch(Context *c);

/* Whether the daemon may exit for idleness right now. */
bool context_is_idle(Context *c);

/* Set State (the lasting ones stored durably), tell the bus, and let the
 * modules follow (hooks->connection_changed); a state other than connected
 * arms the idle countdown again. */
void context_set_state(Context *c, ConnState s);
/* Set LastError ("" or NULL clears it), stored durably, and tell the bus. */
void context_set_last_error(Context *c, const char *error);

/* The notifications (ContextNotify), each a no-op while nobody listens. */
void context_notify_changed(Context *c, const char *first, ...) __attribute__((sentinel));
void context_notify_connect_finished(Context *c, bool success, const char *error);
void context_notify_sync_finished(Context *c, const char *kind, bool success, const char *error);
void context_notify_session_changed(Context *c, struct Session *s, unsigned properties);
void context_notify_session_removed(Context *c, struct Session *s);
void context_notify_incognito_changed(Context *c, uid_t uid, bool on);

/* The hooks (ContextHooks); without a table: nothing follows, no session wants
 * anything and none is alive. */
void context_names_resolved(Context *c);
bool context_session_wants_lookup(Context *c, const char *key);
bool context_session_lookup(Context *c, const char *id, double *ret_progress, bool *ret_playing);
void context_eye_changed(Context *c, uid_t uid, bool on);
