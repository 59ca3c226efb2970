/* SPDX-License-Identifier: MIT */
/* The bridge's state machine: MPRIS events in, Start/Pause/Stop out. The
 * sequences are the ones mpris-observations.md measured on mpv, VLC and
 * Celluloid. Time is in seconds here (S()), µs inside. */
#include <glib.h>
#include <math.h>

#include "playback.h"

#define S(x) ((gint64) ((x) * 1000000.0))

typedef struct Act {
        PlaybackAction action;
        char *key;
        double progress;
} Act;

typedef struct Fixture {
        Playback *pb;
        GArray *acts;
        guint64 gen;
} Fixture;

static void record(void *userdata, PlaybackAction action, PlaybackItem *item, double progress) {
        Fixture *f = userdata;
        Act a = { action, g_strdup(item->key), progress };
        g_array_append_val(f->acts, a);
}

static void act_clear(gpointer p) {
        g_free(((Act *) p)->key);
}

static void setup(Fixture *f, gconstpointer data) {
        f->acts = g_array_new(FALSE, TRUE, sizeof(Act));
        g_array_set_clear_func(f->acts, act_clear);
        f->pb = playback_new(record, f);
}

static void teardown(Fixture *f, gconstpointer data) {
        playback_free(f->pb);
        g_array_unref(f->acts);
}

/* An item of `seconds` length (≤ 0: unknown) that is worth scrobbling. */
static void item(Fixture *f, const char *key, double seconds, double at) {
        PlaybackItem *it = playback_item_new(key, seconds > 0 ? S(seconds) : -1, seconds > 0, key, NULL, NULL);
        playback_set_item(f->pb, it, S(at));
        playback_item_unref(it);
}

static void status(Fixture *f, PlayerStatus st, double at) {
        playback_set_status(f->pb, st, S(at));
}

static void sample(Fixture *f, double pos, double at) {
        playback_position(f->pb, S(pos), playback_generation(f->pb), S(at));
}

/* What the glue does: commit whenever the deadline has come, up to `at`. */
static void run_until(Fixture *f, double at) {
        for (int guard = 0; guard < 100; guard++) {
                gint64 d = playback_deadline(f->pb);
                if (d == 0 || d > S(at))
                        return;
                playback_commit(f->pb, d);
        }
        g_assert_not_reached();
}

static const Act *act(Fixture *f, guint i) {
        g_assert_cmpuint(i, <, f->acts->len);
        return &g_array_index(f->acts, Act, i);
}

static void assert_act(Fixture *f, guint i, PlaybackAction a, const char *key, double progress, double tolerance) {
        const Act *x = act(f, i);
        if (x->action != a || g_strcmp0(x->key, key) != 0 || fabs(x->progress - progress) > tolerance)
                g_error("action %u: %s %s at %.3f; expected %s %s at %.3f ± %.3f", i, playback_action_name(x->action),
                        x->key, x->progress, playback_action_name(a), key, progress, tolerance);
}

/* ---- */

static void test_start_after_debounce(Fixture *f, gconstpointer data) {
        item(f, "a", 100, 0);
        status(f, PLAYER_PLAYING, 0);
        sample(f, 0, 0.01);
        playback_commit(f->pb, S(0.5));
        g_assert_cmpuint(f->acts->len, ==, 0); /* not before the debounce */
        run_until(f, 2);
        g_assert_cmpuint(f->acts->len, ==, 1);
        assert_act(f, 0, PLAYBACK_START, "a", 1.0, 0.05); /* 1 s of 100 */
        g_assert_true(playback_wants_polling(f->pb));
        g_assert_cmpint(playback_deadline(f->pb), ==, 0);
}

static void test_celluloid_start_storm(Fixture *f, gconstpointer data) {
        /* Stopped/Playing/Paused/Stopped/Paused/Playing within 0.5 s: one start. */
        item(f, "a", 100, 0);
        PlayerStatus storm[] = { PLAYER_STOPPED, PLAYER_PLAYING, PLAYER_PAUSED, PLAYER_STOPPED, PLAYER_PAUSED,
                                 PLAYER_PLAYING };
        for (guint i = 0; i < G_N_ELEMENTS(storm); i++) {
                status(f, storm[i], 0.1 * i);
                run_until(f, 0.1 * i);
        }
        run_until(f, 3);
        g_assert_cmpuint(f->acts->len, ==, 1);
        g_assert_cmpint(act(f, 0)->action, ==, PLAYBACK_START);
}

static void test_max_defer(Fixture *f, gconstpointer data) {
        /* A player flickering for ever still gets decided within MAX_DEFER. */
        item(f, "a", 100, 0);
        for (int i = 0; i <= 20; i++) {
                status(f, i % 2 ? PLAYER_PAUSED : PLAYER_PLAYING, 0.5 * i);
                run_until(f, 0.5 * i);
        }
        g_assert_cmpuint(f->acts->len, >=, 1);
}

static void test_mpv_double_metadata(Fixture *f, gconstpointer data) {
        /* First the file name and no length, 100 ms later the tags and the length. */
        status(f, PLAYER_PLAYING, 0);
        item(f, "a", -1, 0);
        item(f, "a", 60, 0.1);
        run_until(f, 3);
        g_assert_cmpuint(f->acts->len, ==, 1);
        assert_act(f, 0, PLAYBACK_START, "a", 100.0 * 1.1 / 60, 0.1);
}

static void test_vlc_length_minus_one(Fixture *f, gconstpointer data) {
        /* -1 for a while: nothing until the length is known. */
        status(f, PLAYER_PLAYING, 0);
        item(f, "a", -1, 0);
        run_until(f, 3);
        g_assert_cmpuint(f->acts->len, ==, 0);
        g_assert_false(playback_wants_polling(f->pb));
        item(f, "a", 60, 3);
        run_until(f, 5);
        g_assert_cmpuint(f->acts->len, ==, 1);
        assert_act(f, 0, PLAYBACK_START, "a", 100.0 * 4 / 60, 0.1);
}

static void test_pause_and_resume(Fixture *f, gconstpointer data) {
        item(f, "a", 100, 0);
        status(f, PLAYER_PLAYING, 0);
        run_until(f, 2);
        sample(f, 9.5, 10);
        status(f, PLAYER_PAUSED, 10.2);
        sample(f, 9.7, 10.25); /* the player's own position, frozen */
        run_until(f, 11);
        sample(f, 9.7, 11.2);
        run_until(f, 12);
        g_assert_cmpuint(f->acts->len, ==, 2);
        assert_act(f, 1, PLAYBACK_PAUSE, "a", 9.7, 0.01);
        g_assert_false(playback_wants_polling(f->pb));
        /* A long pause costs nothing; resuming starts again where it was. */
        status(f, PLAYER_PLAYING, 600);
        run_until(f, 602);
        g_assert_cmpuint(f->acts->len, ==, 3);
        assert_act(f, 2, PLAYBACK_START, "a", 10.7, 0.05);
}

static void test_pause_flicker_absorbed(Fixture *f, gconstpointer data) {
        /* VLC: Seeked ~180 ms after Play, Celluloid: Paused→Playing on a seek. */
        item(f, "a", 100, 0);
        status(f, PLAYER_PLAYING, 0);
        run_until(f, 2);
        status(f, PLAYER_PAUSED, 5);
        status(f, PLAYER_PLAYING, 5.3);
        run_until(f, 8);
        g_assert_cmpuint(f->acts->len, ==, 1);
}

static void test_url_change_stops_then_starts(Fixture *f, gconstpointer data) {
        item(f, "a", 100, 0);
        status(f, PLAYER_PLAYING, 0);
        run_until(f, 2);
        sample(f, 90, 90);
        /* mpv: the next file's Metadata, status stays Playing. */
        item(f, "b", 50, 98);
        run_until(f, 100);
        g_assert_cmpuint(f->acts->len, ==, 3);
        assert_act(f, 1, PLAYBACK_STOP, "a", 98, 0.05); /* where the player left it, not at commit */
        assert_act(f, 2, PLAYBACK_START, "b", 2, 0.1);
}

static void test_vlc_track_change(Fixture *f, gconstpointer data) {
        /* Seeked near the end, Stopped ~200 ms, then Metadata + Playing, Seeked. */
        item(f, "a", 100, 0);
        status(f, PLAYER_PLAYING, 0);
        run_until(f, 2);
        sample(f, 99.5, 99.5);
        status(f, PLAYER_STOPPED, 99.9);
        sample(f, 0, 99.95); /* VLC's Position once stopped */
        item(f, "b", 50, 100.1);
        status(f, PLAYER_PLAYING, 100.1);
        sample(f, 0.29, 100.4);
        run_until(f, 103);
        g_assert_cmpuint(f->acts->len, ==, 3);
        assert_act(f, 1, PLAYBACK_STOP, "a", 99.9, 0.05);
        assert_act(f, 2, PLAYBACK_START, "b", 100.0 * 0.99 / 50, 0.05); /* Seeked(0.29) + 0.7 s */
}

static void test_celluloid_track_change(Fixture *f, gconstpointer data) {
        /* Paused, Metadata 0.4–0.6 s later, then Playing. */
        item(f, "a", 100, 0);
        status(f, PLAYER_PLAYING, 0);
        run_until(f, 2);
        sample(f, 99, 99);
        status(f, PLAYER_PAUSED, 99.8);
        item(f, "b", 100, 100.3);
        status(f, PLAYER_PLAYING, 100.35);
        run_until(f, 103);
        g_assert_cmpuint(f->acts->len, ==, 3);
        assert_act(f, 1, PLAYBACK_STOP, "a", 99.8, 0.05);
        g_assert_cmpint(act(f, 2)->action, ==, PLAYBACK_START);
}

static void test_vanish_uses_extrapolated_progress(Fixture *f, gconstpointer data) {
        /* VLC/Celluloid Quit: the name goes without a Stopped. */
        item(f, "a", 100, 0);
        status(f, PLAYER_PLAYING, 0);
        run_until(f, 2);
        sample(f, 40, 40);
        playback_vanish(f->pb, S(43));
        g_assert_cmpuint(f->acts->len, ==, 2);
        assert_act(f, 1, PLAYBACK_STOP, "a", 43, 0.01);
        g_assert_null(playback_current(f->pb));
        g_assert_false(playback_wants_polling(f->pb));
}

static void test_mpv_quit(Fixture *f, gconstpointer data) {
        /* Stopped, then the name vanishes 2 ms later. */
        item(f, "a", 100, 0);
        status(f, PLAYER_PLAYING, 0);
        run_until(f, 2);
        sample(f, 92, 92);
        status(f, PLAYER_STOPPED, 95);
        playback_vanish(f->pb, S(95.002));
        g_assert_cmpuint(f->acts->len, ==, 2);
        assert_act(f, 1, PLAYBACK_STOP, "a", 95, 0.01);
}

static void test_stop_then_vanish_later(Fixture *f, gconstpointer data) {
        /* VLC's Stop(): Stopped, Metadata kept, Position 0; the name stays. */
        item(f, "a", 100, 0);
        status(f, PLAYER_PLAYING, 0);
        run_until(f, 2);
        sample(f, 30, 30);
        status(f, PLAYER_STOPPED, 31);
        sample(f, 0, 31.05);
        run_until(f, 31.5);
        sample(f, 0, 32.05);
        run_until(f, 33);
        g_assert_cmpuint(f->acts->len, ==, 2);
        assert_act(f, 1, PLAYBACK_STOP, "a", 31, 0.01); /* not 0 */
        g_assert_false(playback_wants_polling(f->pb));   /* a stopped VLC costs no wakeups */
        playback_vanish(f->pb, S(100));
        g_assert_cmpuint(f->acts->len, ==, 2);
}

static void test_mpv_stopped_while_playing(Fixture *f, gconstpointer data) {
        /* mpv --idle=yes, OpenUri after Stop: PlaybackStatus stays Stopped while Position advances. */
        status(f, PLAYER_STOPPED, 0);
        item(f, "a", 100, 10);
        g_assert_true(playback_wants_polling(f->pb));
        sample(f, 0.1, 10.05);
        gint64 d = playback_deadline(f->pb);
        sample(f, 1.1, (double) d / 1e6); /* the glue's fresh sample before deciding */
        run_until(f, 12);
        g_assert_cmpuint(f->acts->len, ==, 1);
        assert_act(f, 0, PLAYBACK_START, "a", 1.1, 0.05);
        g_assert_true(playback_wants_polling(f->pb));
        /* It keeps advancing: still playing. */
        sample(f, 6.1, 16.05);
        run_until(f, 18);
        g_assert_cmpuint(f->acts->len, ==, 1);
        /* Frozen: it stopped after all. */
        sample(f, 6.3, 21.05);
        sample(f, 6.3, 22.1);
        run_until(f, 25);
        g_assert_cmpuint(f->acts->len, ==, 2);
        assert_act(f, 1, PLAYBACK_STOP, "a", 6.3, 0.3);
}

static void test_keep_open_paused_at_end(Fixture *f, gconstpointer data) {
        /* mpv --keep-open: Paused at Position = length (8000725 of 8003000): an end, not a pause. */
        item(f, "a", 8.003, 0);
        status(f, PLAYER_PLAYING, 0);
        run_until(f, 2);
        sample(f, 5, 5);
        status(f, PLAYER_PAUSED, 8.0);
        playback_position(f->pb, 8000725, playback_generation(f->pb), S(8.05));
        run_until(f, 10);
        g_assert_cmpuint(f->acts->len, ==, 2);
        assert_act(f, 1, PLAYBACK_STOP, "a", 99.97, 0.01);
        /* Played again from the start: a new watch. */
        sample(f, 0, 20);
        status(f, PLAYER_PLAYING, 20);
        run_until(f, 22);
        g_assert_cmpuint(f->acts->len, ==, 3);
        g_assert_cmpint(act(f, 2)->action, ==, PLAYBACK_START);
}

static void test_paused_at_start_is_nothing(Fixture *f, gconstpointer data) {
        /* mpv --pause: Paused, Position 0: not a watch until it plays. */
        item(f, "a", 100, 0);
        status(f, PLAYER_PAUSED, 0);
        sample(f, 0, 0.1);
        run_until(f, 5);
        g_assert_cmpuint(f->acts->len, ==, 0);
        g_assert_false(playback_wants_polling(f->pb));
        status(f, PLAYER_PLAYING, 60);
        run_until(f, 62);
        g_assert_cmpuint(f->acts->len, ==, 1);
        assert_act(f, 0, PLAYBACK_START, "a", 1, 0.05);
}

static void test_not_scrobbled_item(Fixture *f, gconstpointer data) {
        /* Music, a short clip, an unknown name: no action, no polling. */
        PlaybackItem *it = playback_item_new("song", S(200), false, "song", NULL, NULL);
        playback_set_item(f->pb, it, 0);
        playback_item_unref(it);
        status(f, PLAYER_PLAYING, 0);
        run_until(f, 100);
        g_assert_cmpuint(f->acts->len, ==, 0);
        g_assert_false(playback_wants_polling(f->pb));
        playback_vanish(f->pb, S(101));
        g_assert_cmpuint(f->acts->len, ==, 0);
}

static void test_item_gone_stops(Fixture *f, gconstpointer data) {
        /* mpv --idle=yes at the end of its playlist: Metadata becomes {"mpris:trackid": "/noplaylist"}. */
        item(f, "a", 100, 0);
        status(f, PLAYER_PLAYING, 0);
        run_until(f, 2);
        sample(f, 50, 50);
        playback_set_item(f->pb, NULL, S(52));
        status(f, PLAYER_STOPPED, 52);
        run_until(f, 55);
        g_assert_cmpuint(f->acts->len, ==, 2);
        assert_act(f, 1, PLAYBACK_STOP, "a", 52, 0.05);
}

static void test_loop_wraps(Fixture *f, gconstpointer data) {
        /* --loop-file=inf: Seeked(0) at the end, still Playing, same url. */
        item(f, "a", 100, 0);
        status(f, PLAYER_PLAYING, 0);
        run_until(f, 2);
        sample(f, 98, 98);
        sample(f, 0, 100.1);
        run_until(f, 103);
        g_assert_cmpuint(f->acts->len, ==, 3);
        assert_act(f, 1, PLAYBACK_STOP, "a", 100, 0.2);
        assert_act(f, 2, PLAYBACK_START, "a", 1, 0.2);
}

static void test_rate(Fixture *f, gconstpointer data) {
        item(f, "a", 100, 0);
        status(f, PLAYER_PLAYING, 0);
        playback_set_rate(f->pb, 2.0, S(0));
        run_until(f, 2);
        sample(f, 10, 10);
        playback_vanish(f->pb, S(15));
        assert_act(f, 1, PLAYBACK_STOP, "a", 20, 0.01);
        /* Nonsense rates are ignored. */
        playback_set_rate(f->pb, NAN, S(16));
        playback_set_rate(f->pb, -1, S(16));
}

static void test_stale_sample_dropped(Fixture *f, gconstpointer data) {
        item(f, "a", 100, 0);
        status(f, PLAYER_PLAYING, 0);
        run_until(f, 2);
        guint64 gen = playback_generation(f->pb);
        item(f, "b", 100, 50);
        /* The answer to a poll sent while "a" played arrives now: not b's position. */
        playback_position(f->pb, S(49.9), gen, S(50.01));
        run_until(f, 52);
        g_assert_cmpuint(f->acts->len, ==, 3);
        assert_act(f, 2, PLAYBACK_START, "b", 1, 0.05);
}

static void test_back_to_same_item_continues(Fixture *f, gconstpointer data) {
        /* A flicker through another item before the change is decided: the watch goes on. */
        item(f, "a", 100, 0);
        status(f, PLAYER_PLAYING, 0);
        run_until(f, 2);
        item(f, "b", 100, 10);
        item(f, "a", 100, 10.2);
        sample(f, 10.3, 10.3);
        run_until(f, 13);
        g_assert_cmpuint(f->acts->len, ==, 1);
}

static void test_suspend_pauses(Fixture *f, gconstpointer data) {
        item(f, "a", 100, 0);
        status(f, PLAYER_PLAYING, 0);
        run_until(f, 2);
        sample(f, 20, 20);
        playback_suspend(f->pb, S(21));
        g_assert_cmpuint(f->acts->len, ==, 2);
        assert_act(f, 1, PLAYBACK_PAUSE, "a", 21, 0.01);
        playback_suspend(f->pb, S(22)); /* once */
        g_assert_cmpuint(f->acts->len, ==, 2);
}

static void test_progress_clamped(Fixture *f, gconstpointer data) {
        item(f, "a", 10, 0);
        status(f, PLAYER_PLAYING, 0);
        run_until(f, 2);
        sample(f, 9, 9);
        playback_vanish(f->pb, S(300)); /* long after: never above 100 */
        assert_act(f, 1, PLAYBACK_STOP, "a", 100, 0);
        g_assert_cmpfloat(playback_progress(f->pb, S(301)), ==, 0);
}

static void test_status_strings(void) {
        PlayerStatus st;
        g_assert_true(player_status_from_string("Playing", &st) && st == PLAYER_PLAYING);
        g_assert_true(player_status_from_string("Paused", &st) && st == PLAYER_PAUSED);
        g_assert_true(player_status_from_string("Stopped", &st) && st == PLAYER_STOPPED);
        g_assert_false(player_status_from_string("playing", &st));
        g_assert_false(player_status_from_string("", &st));
        g_assert_false(player_status_from_string(NULL, &st));
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
#define T(name) g_test_add("/playback/" #name, Fixture, NULL, setup, test_##name, teardown)
        T(start_after_debounce);
        T(celluloid_start_storm);
        T(max_defer);
        T(mpv_double_metadata);
        T(vlc_length_minus_one);
        T(pause_and_resume);
        T(pause_flicker_absorbed);
        T(url_change_stops_then_starts);
        T(vlc_track_change);
        T(celluloid_track_change);
        T(vanish_uses_extrapolated_progress);
        T(mpv_quit);
        T(stop_then_vanish_later);
        T(mpv_stopped_while_playing);
        T(keep_open_paused_at_end);
        T(paused_at_start_is_nothing);
        T(not_scrobbled_item);
        T(item_gone_stops);
        T(loop_wraps);
        T(rate);
        T(stale_sample_dropped);
        T(back_to_same_item_continues);
        T(suspend_pauses);
        T(progress_clamped);
        g_test_add_func("/playback/status_strings", test_status_strings);
        return g_test_run();
}
