/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>

/* /etc/kino/trakt.conf (GKeyFile), group [Trakt]:
 *
 *   api_url            = https://api.trakt.tv
 *   auth_url           = (default: api_url)
 *   connect_timeout    = 10      seconds
 *   low_speed_timeout  = 30      seconds below 1 byte/s before giving up
 *   total_timeout      = 120     seconds for one transfer
 *   max_response_size  = 33554432 bytes (32 MiB: a page of 250 collected shows)
 *   get_budget         = 500     GET requests ...
 *   get_period         = 300     ... per this many seconds
 *   write_interval_ms  = 1000    minimum gap between two writes
 *   sync_interval      = 300     seconds between incremental sweeps
 *   max_retries        = 5       retries on 5xx / network errors
 *   live_window        = 5       seconds a completed stop stays "live": sent
 *                                later, it goes to /sync/history with its real time
 *                                (Trakt dates a scrobble when it arrives: a watch keeps its
 *                                time within these seconds, whatever the delay)
 *
 * Environment overrides (the contract): KINO_TRAKT_API_URL, KINO_TRAKT_AUTH_URL.
 * Unknown keys or groups are errors, so typos do not pass silently. */

typedef struct Config {
        char *api_url;
        char *auth_url;          /* where the OAuth requests go first */
        char *auth_fallback_url; /* tried when auth_url does not serve OAuth (NULL: none) */
        bool api_url_set;        /* api_url came from the file or the environment */
        unsigned connect_timeout_sec;
        unsigned low_speed_timeout_sec;
        unsigned total_timeout_sec;
        size_t max_response_size;
        unsigned get_budget;
        unsigned get_period_sec;
        unsigned write_interval_msec;
        unsigned sync_interval_sec;
        unsigned max_retries;
        unsigned live_window_sec;
} Config;

/* Fill c with the built-in defaults. */
void config_init_defaults(Config *c);

/* Load path on top of the defaults (a missing file is not an error), then apply
 * the environment overrides. On a bad file returns FALSE with an error whose
 * message names the file, the line and the key, e.g.
 * "/etc/kino/trakt.conf:4: key 'get_budget': expected a whole number from 1 to 100000, got 'lots'". */
gboolean config_load(Config *c, const char *path, GError **error);

/* Parse from a string (used by config_load and by tests/fuzzers); path is
 * only used in messages. Does not apply the environment. */
gboolean config_load_from_data(Config *c, const char *data, size_t len, const char *path, GError **error);

/* Apply KINO_TRAKT_API_URL / KINO_TRAKT_AUTH_URL, then settle where OAuth
 * goes (the contract): auth_url when set (the API host as its fallback);
 * else, when only api_url was set (tests, a proxy), the API host alone; else
 * Trakt's 2026 auth host https://auth.trakt.tv with the API host as fallback. */
void config_apply_env(Config *c);

void config_done(Config *c);
