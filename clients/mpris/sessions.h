/* SPDX-License-Identifier: MIT */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>

/* The daemon side: one org.kino.Trakt session per thing played
 * (CreateSessionFor with application = the player's Identity), driven
 * toward what the player does. Each Watch keeps the state the daemon
 * should be in and the state it has acknowledged; one call at a time per
 * Watch moves the second toward the first, so calls stay in order, nothing
 * blocks, and a daemon that is absent or restarts loses nothing:
 *
 *  - the daemon's name vanishes: every session is forgotten; a watch that
 *    plays is re-created at once (or as soon as the name is back), one that
 *    ended meanwhile is sent as Start + Stop with the progress it really
 *    ended at, then closed; one that the daemon already has paused is
 *    re-created only when it plays again;
 *  - session calls go to the daemon's unique name, so a restarted daemon
 *    never receives calls meant for its predecessor's objects;
 *  - CreateSessionFor may start the daemon (bus activation); when it is
 *    neither running nor activatable the watch waits for the name, without
 *    polling;
 *  - AccessDenied (polkit) or InvalidArgs (a media dictionary the daemon
 *    refuses): said once in the log, the watch is dropped. */

typedef struct Sessions Sessions;
typedef struct Watch Watch;

/* The progress of what plays now, asked for when a session must be
 * re-created while it plays. */
typedef double (*WatchProgressFn)(void *userdata);

Sessions *sessions_new(GDBusConnection *system_bus);
/* Cancels what is in flight and waits (iterating the default main context)
 * until every callback ran, so nothing leaks. */
void sessions_free(Sessions *s);

/* Something started playing. media: a{sv} for the daemon (floating or not;
 * a reference is taken). */
Watch *sessions_watch(Sessions *s, GVariant *media, const char *application, const char *label);
void watch_set_progress_fn(Watch *w, WatchProgressFn fn, void *userdata);
void watch_play(Watch *w, double progress);
void watch_pause(Watch *w, double progress);
/* It ended: Stop(progress), then Close. The caller must forget w. */
void watch_stop(Watch *w, double progress);
/* The caller lets go without an ending (the bridge exits): Close once the
 * daemon has what was asked before. The caller must forget w. */
void watch_release(Watch *w);

/* Watches not yet closed (or dropped). */
unsigned sessions_pending(const Sessions *s);
/* Whether anything still has to reach a daemon that is present. */
bool sessions_busy(const Sessions *s);
/* The daemon's unique name, NULL while it is absent. */
const char *sessions_daemon(const Sessions *s);
