/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "context.h"
#include "db-push.h"
#include "trakt-media.h"

/* What the user did, recorded locally first and, when it should reach Trakt,
 * queued in the outbox in the same transaction: one durable commit before
 * the D-Bus method replies. Nothing here touches the network.
 *
 * Events are queued only while an account is linked (State connected or
 * expired); otherwise the local rows stay unpushed and a later import sends
 * them. Each function returns 0 or a negative errno (-EIO: the state
 * database failed; the caller answers with a sentence). */

/* Every key the item may be stored under: those its ids name, and those of
 * rows from Trakt that carry one of its ids (media_alias). NULL-terminated,
 * free with trakt_strv_free(); NULL when the item names nothing or on error. */
char **activity_media_keys(Context *c, const TraktMedia *m);

/* Whether events for Trakt are queued now. */
bool activity_linked(Context *c);

/* A start or a pause (below the threshold) of a non-incognito session. */
int activity_live_event(Context *c, const char *kind, const TraktMedia *m, double progress, const char *session);

/* No user to record with a play (MarkWatched). */
#define ACTIVITY_NO_UID ((uid_t) -1)

/* A pause or a stop below the threshold: the local resume point, plus,
 * unless private, a queued event of kind ("pause" or "stop": Trakt keeps a
 * stop below 80 % as a pause). A private pause is kept as uid's own resume
 * point: it never leaves the machine, and another user does not see it. */
int activity_paused(Context *c, const char *kind, const TraktMedia *m, double progress, bool private_, const char *session, uid_t uid);

/* A completed watch: a history row (origin local, flagged private in
 * incognito, never pushed then, and recorded with uid, the user whose session
 * played it: GetHistory shows a private play to that user and root alone),
 * the item's resume point cleared (private: only uid's own), and unless private a queued scrobble stop
 * (scrobble on) or history add (scrobble off). */
int activity_completed(Context *c, const TraktMedia *m, double progress, bool private_, const char *session, uid_t uid);

/* MarkWatched: a local play at watched_at (µs); a play of the same item within
 * a minute of it is the same play and is not added twice (returns 0). */
int activity_mark_watched(Context *c, const TraktMedia *m, uint64_t watched_at);

/* Rate: 1–10 sets, 0 removes; clears the recommendations cache. */
int activity_rate(Context *c, const TraktMedia *m, unsigned rating);

/* UpdateCollection: one item and its quality metadata (NULL = unset). */
typedef struct CollectionEntry {
        TraktMedia media;
        const char *media_type, *resolution, *hdr, *audio, *audio_channels;
        bool is_3d;
} CollectionEntry;
int activity_collection(Context *c, const CollectionEntry *added, size_t n_added, const TraktMedia *removed, size_t n_removed);

/* Before an import pushes what is local (a table of db-push.h): rows of
 * media named by title (resolve.h) are not sent as
 * names. Those whose ids are known move to Trakt's item (the push sends
 * them); the others are queued in the outbox instead (history add, rating,
 * collection add), which sends them once the look-up found them, or never
 * when Trakt does not know them. Returns how many were queued. */
int activity_queue_names(Context *c, DbPushTable table);

/* A session became incognito (its own flag or its user's eye) while events of
 * its playback still wait: withdraw them. Every waiting scrobble or history
 * row of the session queued at or after since (µs, when the playback began)
 * is dropped, and the local watches they carried become private, so no
 * later import pushes them either. An event already on its way to Trakt
 * cannot be called back. Returns the number of rows withdrawn. */
int activity_withdraw(Context *c, const char *session, uint64_t since);
