/* SPDX-License-Identifier: MIT */
/* The bridge's state machine (clients/mpris/playback.c) under any sequence
 * of player events: each byte pair is one event at a moving time. Whatever
 * a player does, the decisions make sense: progress within 0..100, a Pause
 * or a Stop only for what was started, never two Starts in a row without a
 * Pause or Stop between, and the deadline never in the past after a commit. */
#include <stdlib.h>

#include "fuzz.h"
#include "playback.h"

typedef struct State {
        bool started;
        bool paused;
} State;

static void on_action(void *userdata, PlaybackAction a, PlaybackItem *it, double progress) {
        State *s = userdata;
        if (!(progress >= 0 && progress <= 100) || !it || !it->scrobble)
                abort();
        switch (a) {
        case PLAYBACK_START:
                if (s->started && !s->paused)
                        abort();
                s->started = true;
                s->paused = false;
                break;
        case PLAYBACK_PAUSE:
                if (!s->started || s->paused)
                        abort();
                s->paused = true;
                break;
        case PLAYBACK_STOP:
                if (!s->started)
                        abort();
                s->started = s->paused = false;
                break;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        State s = {};
        Playback *pb = playback_new(on_action, &s);
        gint64 now = 1000000;
        static const char *const keys[] = { "a", "b", "c" };

        for (size_t i = 0; i + 1 < size; i += 2) {
                uint8_t op = data[i], arg = data[i + 1];
                now += (gint64) (op >> 4) * 250000; /* 0 to 3.75 s later */
                switch (op & 0x0f) {
                case 0:
                case 1:
                case 2:
                        playback_set_status(pb, (PlayerStatus) (op & 0x0f), now);
                        break;
                case 3: {
                        /* an item: key, length (0 = unknown), worth scrobbling or not */
                        gint64 len = (arg & 0x3f) * 5000000LL;
                        PlaybackItem *it = playback_item_new(keys[(arg >> 6) % 3], len > 0 ? len : -1,
                                                             len > 0 && !(arg & 0x80 && arg & 0x40), NULL, NULL, NULL);
                        playback_set_item(pb, it, now);
                        playback_item_unref(it);
                        break;
                }
                case 4:
                        playback_set_item(pb, NULL, now);
                        break;
                case 5:
                case 6:
                        playback_position(pb, (gint64) arg * 1000000, playback_generation(pb), now);
                        break;
                case 7:
                        playback_position(pb, (gint64) arg * 1000000, playback_generation(pb) - 1, now);
                        break;
                case 8:
                        playback_set_rate(pb, arg / 32.0, now);
                        break;
                case 9:
                        playback_vanish(pb, now);
                        if (s.started)
                                abort();
                        break;
                case 10:
                        playback_suspend(pb, now);
                        break;
                default: {
                        gint64 d = playback_deadline(pb);
                        if (d && d <= now)
                                playback_commit(pb, now);
                        d = playback_deadline(pb);
                        if (d && d <= now)
                                abort();
                        break;
                }
                }
                if (!(playback_progress(pb, now) >= 0 && playback_progress(pb, now) <= 100))
                        abort();
                (void) playback_wants_polling(pb);
        }
        playback_vanish(pb, now + 1);
        if (s.started)
                abort();
        playback_free(pb);
        return 0;
}
