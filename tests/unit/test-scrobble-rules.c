/* SPDX-License-Identifier: MIT */
/* What a player's Pause or Stop at a progress becomes against the watched
 * threshold, when a Start is a new playback, and the progress Trakt is sent
 * for each (docs/trakt-api.md §4.2). */
#include <glib.h>
#include <math.h>

#include "scrobble-rules.h"
#include "trakt-body.h"

#define PAUSE SCROBBLE_END_PAUSE
#define STOP SCROBBLE_END_STOP

static void assert_verdict(ScrobbleEnd what, double progress, bool completed, ScrobbleVerdict want) {
        ScrobbleVerdict got = scrobble_rule_end(what, progress, completed);
        if (got != want)
                g_error("%s at %g %%%s: %s, not %s", what == PAUSE ? "pause" : "stop", progress, completed ? " (counted)" : "",
                        scrobble_verdict_to_string(got), scrobble_verdict_to_string(want));
}

static void test_threshold(void) {
        g_assert_cmpfloat(KT_WATCHED_THRESHOLD, ==, 80.0);
        g_assert_cmpfloat(KT_SCROBBLE_MIN_PROGRESS, ==, 1.0);
}

/* A stop: nothing below 1 %, a resume point up to the threshold, a
 * completed watch from it on. */
static void test_stop(void) {
        assert_verdict(STOP, 0, false, SCROBBLE_NOTHING);
        assert_verdict(STOP, 0.5, false, SCROBBLE_NOTHING);
        assert_verdict(STOP, 0.999, false, SCROBBLE_NOTHING);
        assert_verdict(STOP, 1.0, false, SCROBBLE_RESUME_POINT);
        assert_verdict(STOP, 42, false, SCROBBLE_RESUME_POINT);
        assert_verdict(STOP, 79.996, false, SCROBBLE_RESUME_POINT); /* sent as 79.99, never rounded up */
        assert_verdict(STOP, KT_WATCHED_THRESHOLD, false, SCROBBLE_COMPLETED);
        assert_verdict(STOP, 80.01, false, SCROBBLE_COMPLETED);
        assert_verdict(STOP, 100, false, SCROBBLE_COMPLETED);
}

/* A pause: never dropped for being small (a resume point near the start
 * counts); at or above the threshold it is the completed watch, sent as a
 * stop (Trakt answers such a pause with 422). */
static void test_pause(void) {
        assert_verdict(PAUSE, 0, false, SCROBBLE_RESUME_POINT);
        assert_verdict(PAUSE, 0.5, false, SCROBBLE_RESUME_POINT);
        assert_verdict(PAUSE, 1.0, false, SCROBBLE_RESUME_POINT);
        assert_verdict(PAUSE, 79.996, false, SCROBBLE_RESUME_POINT);
        assert_verdict(PAUSE, KT_WATCHED_THRESHOLD, false, SCROBBLE_COMPLETED);
        assert_verdict(PAUSE, 80.01, false, SCROBBLE_COMPLETED);
        assert_verdict(PAUSE, 100, false, SCROBBLE_COMPLETED);
}

/* One playback counts one watch: once counted, more pauses or stops above
 * the threshold are nothing; below it they are resume points again. */
static void test_counted_once(void) {
        assert_verdict(STOP, 80, true, SCROBBLE_NOTHING);
        assert_verdict(STOP, 95, true, SCROBBLE_NOTHING);
        assert_verdict(PAUSE, 85, true, SCROBBLE_NOTHING);
        assert_verdict(PAUSE, 40, true, SCROBBLE_RESUME_POINT);
        assert_verdict(STOP, 40, true, SCROBBLE_RESUME_POINT);
        assert_verdict(STOP, 0.5, true, SCROBBLE_NOTHING);
}

/* The bus refuses a progress outside 0–100 and NaN before the rules see it;
 * should one come through, it is never a completed watch. */
static void test_not_a_number(void) {
        assert_verdict(STOP, NAN, false, SCROBBLE_RESUME_POINT);
        assert_verdict(PAUSE, NAN, false, SCROBBLE_RESUME_POINT);
        assert_verdict(STOP, -5, false, SCROBBLE_NOTHING);
}

/* A Start begins a new playback for another title, or for the same one
 * watched again from before the threshold; a Start at or above it (a player
 * resuming the credits) is still the playback that counted. */
static void test_new_playback(void) {
        g_assert_true(scrobble_rule_new_playback(false, 0));
        g_assert_true(scrobble_rule_new_playback(false, 95));
        g_assert_true(scrobble_rule_new_playback(true, 0));
        g_assert_true(scrobble_rule_new_playback(true, 79.996));
        g_assert_false(scrobble_rule_new_playback(true, KT_WATCHED_THRESHOLD));
        g_assert_false(scrobble_rule_new_playback(true, 80.01));
        g_assert_false(scrobble_rule_new_playback(true, 100));
}

/* What each verdict sends: a pause goes within 1–79.99 %, a stop as it is
 * (two decimals, never rounded up), clamped to 0–100. */
static void test_progress_sent(void) {
        g_assert_cmpfloat(trakt_scrobble_progress("pause", 0.5), ==, 1.0);
        g_assert_cmpfloat(trakt_scrobble_progress("pause", 1.0), ==, 1.0);
        g_assert_cmpfloat(trakt_scrobble_progress("pause", 79.996), ==, 79.99);
        /* Two decimals already: kept as they are (floor alone made 79.98, 0.28 of them). */
        g_assert_cmpfloat(trakt_scrobble_progress("pause", 79.99), ==, 79.99);
        g_assert_cmpfloat(trakt_scrobble_progress("pause", 1.15), ==, 1.15);
        g_assert_cmpfloat(trakt_scrobble_progress("stop", 0.29), ==, 0.29);
        g_assert_cmpfloat(trakt_scrobble_progress("stop", 57.57), ==, 57.57);
        g_assert_cmpfloat(trakt_scrobble_progress("pause", 80.0), ==, 79.99);
        g_assert_cmpfloat(trakt_scrobble_progress("pause", 80.01), ==, 79.99);
        g_assert_cmpfloat(trakt_scrobble_progress("pause", 150), ==, 79.99);
        g_assert_cmpfloat(trakt_scrobble_progress("pause", NAN), ==, 1.0);
        g_assert_cmpfloat(trakt_scrobble_progress("stop", 80.0), ==, 80.0);
        g_assert_cmpfloat(trakt_scrobble_progress("stop", 80.01), ==, 80.01);
        g_assert_cmpfloat(trakt_scrobble_progress("stop", 79.996), ==, 79.99);
        g_assert_cmpfloat(trakt_scrobble_progress("stop", 100.5), ==, 100);
        g_assert_cmpfloat(trakt_scrobble_progress("stop", INFINITY), ==, 0);
        g_assert_cmpfloat(trakt_scrobble_progress("start", 0.5), ==, 0.5);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/scrobble-rules/threshold", test_threshold);
        g_test_add_func("/scrobble-rules/stop", test_stop);
        g_test_add_func("/scrobble-rules/pause", test_pause);
        g_test_add_func("/scrobble-rules/counted-once", test_counted_once);
        g_test_add_func("/scrobble-rules/not-a-number", test_not_a_number);
        g_test_add_func("/scrobble-rules/new-playback", test_new_playback);
        g_test_add_func("/scrobble-rules/progress-sent", test_progress_sent);
        return g_test_run();
}
