/* SPDX-License-Identifier: MIT */
#include <math.h>
#include <string.h>

#include "playback.h"

#define STOPPED_SAMPLE_GAP_US (700 * 1000) /* two samples this far apart tell advancing from frozen */

typedef enum Verdict {
        VERDICT_UNKNOWN,
        VERDICT_FROZEN,
        VERDICT_ADVANCING,
} Verdict;

struct Playback {
        PlaybackEmit emit;
        void *userdata;

        /* what the player says */
        PlayerStatus status;
        PlaybackItem *item;
        guint64 generation; /* bumps when the item's key changes */
        double rate;

        /* where the observed item is: anchor_pos at anchor_at, advancing at
         * `rate` from there while `running` */
        gint64 anchor_pos;
        gint64 anchor_at;
        bool have_sample; /* anchor_pos came from the player, not a guess */
        bool running;     /* Position advances: Playing, or Stopped with evidence */

        /* samples taken while the player says Stopped: only to tell whether it
         * really stopped (VLC's Position drops to 0 then; mpv sometimes goes on) */
        gint64 st_pos;
        gint64 st_at;
        bool have_st;
        Verdict verdict;

        /* pending change */
        bool pending;
        gint64 changed_at;
        gint64 first_change; /* of the pending batch */
        bool restart;        /* the player wrapped around (loop): Stop and Start the same item */
        double restart_progress;

        /* what the daemon has been told */
        PlaybackItem *cur;
        PlayerStatus cur_state; /* PLAYING or PAUSED while cur */
        bool cur_left;          /* the player moved on from cur; cur_final is where it left it */
        double cur_final;
};

bool player_status_from_string(const char *s, PlayerStatus *ret) {
        if (!s)
                return false;
        if (strcmp(s, "Playing") == 0)
                *ret = PLAYER_PLAYING;
        else if (strcmp(s, "Paused") == 0)
                *ret = PLAYER_PAUSED;
        else if (strcmp(s, "Stopped") == 0)
                *ret = PLAYER_STOPPED;
        else
                return false;
        return true;
}

const char *playback_action_name(PlaybackAction a) {
        switch (a) {
        case PLAYBACK_START:
                return "start";
        case PLAYBACK_PAUSE:
                return "pause";
        case PLAYBACK_STOP:
                return "stop";
        }
        return "?";
}

PlaybackItem *playback_item_new(const char *key, gint64 length_us, bool scrobble, const char *label, gpointer data,
                                GDestroyNotify data_free) {
        PlaybackItem *it = g_new0(PlaybackItem, 1);
        it->ref = 1;
        it->key = g_strdup(key);
        it->length_us = length_us;
        it->scrobble = scrobble;
        it->label = g_strdup(label ?: key);
        it->data = data;
        it->data_free = data_free;
        return it;
}

PlaybackItem *playback_item_ref(PlaybackItem *it) {
        if (it)
                it->ref++;
        return it;
}

void playback_item_unref(PlaybackItem *it) {
        if (!it || --it->ref > 0)
                return;
        if (it->data_free)
                it->data_free(it->data);
        g_free(it->key);
        g_free(it->label);
        g_free(it);
}

Playback *playback_new(PlaybackEmit emit, void *userdata) {
        Playback *pb = g_new0(Playback, 1);
        pb->emit = emit;
        pb->userdata = userdata;
        pb->status = PLAYER_STOPPED;
        pb->rate = 1.0;
        pb->generation = 1;
        return pb;
}

void playback_free(Playback *pb) {
        if (!pb)
                return;
        playback_item_unref(pb->item);
        playback_item_unref(pb->cur);
        g_free(pb);
}

static bool same_key(const PlaybackItem *a, const PlaybackItem *b) {
        return a && b && strcmp(a->key, b->key) == 0;
}

/* Position of the observed item now, clamped to its length. */
static gint64 estimate(const Playback *pb, gint64 now) {
        double p = (double) pb->anchor_pos;
        if (pb->running && now > pb->anchor_at)
                p += (double) (now - pb->anchor_at) * pb->rate;
        if (p < 0)
                p = 0;
        if (pb->item && pb->item->length_us > 0 && p > (double) pb->item->length_us)
                p = (double) pb->item->length_us;
        return (gint64) p;
}

static double percent(gint64 pos, gint64 length) {
        if (length <= 0)
                return 0;
        double p = 100.0 * (double) pos / (double) length;
        return p < 0 ? 0 : p > 100 ? 100 : p;
}

/* Re-anchor at the estimate, then let it run or stand. */
static void set_running(Playback *pb, bool running, gint64 now) {
        if (pb->running == running)
                return;
        pb->anchor_pos = estimate(pb, now);
        pb->anchor_at = now;
        pb->running = running;
}

static void changed(Playback *pb, gint64 now) {
        if (!pb->pending)
                pb->first_change = now;
        pb->pending = true;
        pb->changed_at = now;
}

static double cur_progress(const Playback *pb, gint64 now) {
        if (!pb->cur)
                return 0;
        if (pb->cur_left)
                return pb->cur_final;
        return percent(estimate(pb, now), pb->cur->length_us);
}

bool playback_set_status(Playback *pb, PlayerStatus status, gint64 now) {
        if (pb->status == status)
                return false;
        pb->status = status;
        pb->have_st = false;
        pb->verdict = VERDICT_UNKNOWN;
        set_running(pb, status == PLAYER_PLAYING, now);
        changed(pb, now);
        return true;
}

bool playback_set_item(Playback *pb, PlaybackItem *item, gint64 now) {
        if (same_key(pb->item, item)) {
                /* The same thing, better known (mpv's second update, VLC's real length). */
                bool differs = pb->item->scrobble != item->scrobble || pb->item->length_us != item->length_us ||
                               g_strcmp0(pb->item->label, item->label) != 0;
                playback_item_ref(item);
                playback_item_unref(pb->item);
                pb->item = item;
                if (differs)
                        changed(pb, now);
                return differs;
        }
        if (!pb->item && !item)
                return false;

        /* Another item: what was watched stays where the player left it. */
        if (pb->cur && same_key(pb->cur, pb->item) && !pb->cur_left) {
                pb->cur_final = percent(estimate(pb, now), pb->cur->length_us);
                pb->cur_left = true;
        }
        playback_item_ref(item);
        playback_item_unref(pb->item);
        pb->item = item;
        pb->generation++;
        /* A new item starts from 0 until a sample says otherwise. */
        pb->anchor_pos = 0;
        pb->anchor_at = now;
        pb->have_sample = false;
        pb->have_st = false;
        pb->verdict = VERDICT_UNKNOWN;
        if (pb->status == PLAYER_STOPPED)
                pb->running = false;
        /* Came back to what was watched before the change was committed
         * (a flicker through another item): it continues. */
        if (pb->cur && same_key(pb->cur, item))
                pb->cur_left = false;
        changed(pb, now);
        return true;
}

void playback_set_rate(Playback *pb, double rate, gint64 now) {
        if (!isfinite(rate) || rate < 0 || rate > 100 || rate == pb->rate)
                return;
        pb->anchor_pos = estimate(pb, now);
        pb->anchor_at = now;
        pb->rate = rate;
}

guint64 playback_generation(const Playback *pb) {
        return pb->generation;
}

void playback_position(Playback *pb, gint64 position_us, guint64 generation, gint64 now) {
        if (generation != pb->generation || position_us < 0 || !pb->item)
                return;

        if (pb->status == PLAYER_STOPPED) {
                /* Only evidence of whether it plays: VLC reports 0 once stopped,
                 * which must not become the progress of what was watched. But a
                 * player that went on playing while "Stopped" (mpv) and then
                 * froze did stop where it says. */
                bool was_advancing = pb->verdict == VERDICT_ADVANCING;
                if (pb->have_st && now - pb->st_at >= STOPPED_SAMPLE_GAP_US) {
                        double expected = (double) (now - pb->st_at) * (pb->rate > 0 ? pb->rate : 1.0);
                        Verdict v = (double) (position_us - pb->st_pos) >= 0.5 * expected ? VERDICT_ADVANCING
                                                                                          : VERDICT_FROZEN;
                        if (v != pb->verdict) {
                                /* A decision pending sees the verdict anyway: no new debounce. */
                                if (!pb->pending && (pb->verdict != VERDICT_UNKNOWN || v == VERDICT_ADVANCING))
                                        changed(pb, now);
                                pb->verdict = v;
                        }
                        pb->st_pos = position_us;
                        pb->st_at = now;
                } else if (!pb->have_st) {
                        pb->st_pos = position_us;
                        pb->st_at = now;
                        pb->have_st = true;
                }
                if (pb->verdict != VERDICT_ADVANCING) {
                        if (was_advancing) {
                                pb->anchor_pos = position_us;
                                pb->anchor_at = now;
                                pb->running = false;
                        } else
                                set_running(pb, false, now);
                        return;
                }
                pb->running = true;
        }

        /* A jump from the end back to the start while playing: a loop
         * (--loop-file) or a rewatch; the watch before it is complete. */
        gint64 length = pb->item->length_us;
        if (pb->running && length > 0 && pb->cur && same_key(pb->cur, pb->item) && !pb->cur_left &&
            pb->cur_state == PLAYER_PLAYING) {
                gint64 before = estimate(pb, now);
                if (before >= length - length / 10 && position_us <= length / 10) {
                        pb->restart = true;
                        pb->restart_progress = percent(before, length);
                        changed(pb, now);
                }
        }

        pb->anchor_pos = position_us;
        pb->anchor_at = now;
        pb->have_sample = true;
}

gint64 playback_deadline(const Playback *pb) {
        if (!pb->pending)
                return 0;
        gint64 d = pb->changed_at + PLAYBACK_DEBOUNCE_US;
        gint64 cap = pb->first_change + PLAYBACK_MAX_DEFER_US;
        return d < cap ? d : cap;
}

typedef enum Effective {
        EFF_STOPPED,
        EFF_PLAYING,
        EFF_PAUSED,
        EFF_ENDED,
} Effective;

static Effective effective(const Playback *pb, gint64 now) {
        switch (pb->status) {
        case PLAYER_PLAYING:
                return EFF_PLAYING;
        case PLAYER_PAUSED:
                if (pb->item && pb->item->length_us > 0 &&
                    estimate(pb, now) >= pb->item->length_us - PLAYBACK_END_MARGIN_US)
                        return EFF_ENDED; /* mpv --keep-open: paused on the last frame */
                return EFF_PAUSED;
        case PLAYER_STOPPED:
                return pb->verdict == VERDICT_ADVANCING ? EFF_PLAYING : EFF_STOPPED;
        }
        return EFF_STOPPED;
}

static void emit(Playback *pb, PlaybackAction a, PlaybackItem *it, double progress) {
        pb->emit(pb->userdata, a, it, progress);
}

static void end_current(Playback *pb, double progress) {
        g_autoptr(PlaybackItem) it = g_steal_pointer(&pb->cur);
        pb->cur_left = false;
        emit(pb, PLAYBACK_STOP, it, progress);
}

void playback_commit(Playback *pb, gint64 now) {
        if (!pb->pending || now < playback_deadline(pb))
                return;
        pb->pending = false;

        Effective e = effective(pb, now);
        PlaybackItem *want = pb->item && pb->item->scrobble ? pb->item : NULL;

        /* The player moved on to something else (or nothing). */
        if (pb->cur && !same_key(pb->cur, pb->item))
                end_current(pb, cur_progress(pb, now));

        if (pb->cur && pb->restart) {
                end_current(pb, pb->restart_progress);
                pb->restart = false;
                if (want && e == EFF_PLAYING) {
                        pb->cur = playback_item_ref(want);
                        pb->cur_state = PLAYER_PLAYING;
                        emit(pb, PLAYBACK_START, pb->cur, cur_progress(pb, now));
                }
                return;
        }
        pb->restart = false;

        if (pb->cur) {
                /* Still the same item: keep what we know of it current. */
                if (pb->item->scrobble && pb->item->length_us > 0 && pb->item != pb->cur) {
                        playback_item_unref(pb->cur);
                        pb->cur = playback_item_ref(pb->item);
                }
                double p = cur_progress(pb, now);
                switch (e) {
                case EFF_PLAYING:
                        if (pb->cur_state != PLAYER_PLAYING) {
                                pb->cur_state = PLAYER_PLAYING;
                                emit(pb, PLAYBACK_START, pb->cur, p);
                        }
                        break;
                case EFF_PAUSED:
                        if (pb->cur_state != PLAYER_PAUSED) {
                                pb->cur_state = PLAYER_PAUSED;
                                emit(pb, PLAYBACK_PAUSE, pb->cur, p);
                        }
                        break;
                case EFF_ENDED:
                case EFF_STOPPED:
                        end_current(pb, p);
                        break;
                }
                return;
        }

        if (want && e == EFF_PLAYING) {
                pb->cur = playback_item_ref(want);
                pb->cur_state = PLAYER_PLAYING;
                pb->cur_left = false;
                emit(pb, PLAYBACK_START, pb->cur, cur_progress(pb, now));
        }
}

bool playback_wants_polling(const Playback *pb) {
        bool worth = (pb->item && pb->item->scrobble) || (pb->cur && same_key(pb->cur, pb->item));
        if (!worth)
                return false;
        if (pb->running || pb->status == PLAYER_PLAYING)
                return true;
        /* Stopped with a url: a sample or two to see whether it really stopped. */
        return pb->status == PLAYER_STOPPED && pb->verdict == VERDICT_UNKNOWN;
}

void playback_vanish(Playback *pb, gint64 now) {
        pb->pending = false;
        pb->restart = false;
        if (pb->cur)
                end_current(pb, cur_progress(pb, now));
        /* Nothing of the player remains. */
        set_running(pb, false, now);
        g_clear_pointer(&pb->item, playback_item_unref);
        pb->status = PLAYER_STOPPED;
        pb->generation++;
}

void playback_suspend(Playback *pb, gint64 now) {
        if (pb->cur && pb->cur_state == PLAYER_PLAYING && !pb->cur_left) {
                pb->cur_state = PLAYER_PAUSED;
                emit(pb, PLAYBACK_PAUSE, pb->cur, cur_progress(pb, now));
        }
}

PlaybackItem *playback_current(const Playback *pb) {
        return pb->cur;
}

double playback_progress(const Playback *pb, gint64 now) {
        return cur_progress(pb, now);
}
