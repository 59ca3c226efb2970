/* SPDX-License-Identifier: MIT */
#include <stddef.h>

#include "scrobble-rules.h"
#include "util.h"

ScrobbleVerdict scrobble_rule_end(ScrobbleEnd what, double progress, bool completed) {
        if (what == SCROBBLE_END_STOP && progress < KT_SCROBBLE_MIN_PROGRESS)
                return SCROBBLE_NOTHING; /* Trakt ignores it (422): nothing to send, nothing to keep */
        /* At or above the threshold a completed watch, counted once per
         * playback; below it a resume point (Trakt keeps a stop below 80 % as a pause). */
        if (progress >= KT_WATCHED_THRESHOLD)
                return completed ? SCROBBLE_NOTHING : SCROBBLE_COMPLETED;
        return SCROBBLE_RESUME_POINT;
}

bool scrobble_rule_new_playback(bool same_media, double progress) {
        return !same_media || progress < KT_WATCHED_THRESHOLD;
}

const char *scrobble_verdict_to_string(ScrobbleVerdict v) {
        static const char *const names[] = { "nothing", "resume-point", "completed" };
        return (size_t) v < ELEMENTSOF(names) ? names[v] : "?";
}
