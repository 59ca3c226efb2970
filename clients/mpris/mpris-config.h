/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* The bridge's configuration: $XDG_CONFIG_HOME/kino-trakt/mpris.conf (or
 * --config FILE), a GKeyFile with one group (the contract's "MPRIS bridge's
 * outside surface"):
 *
 *   [mpris]
 *   ignore = vlc;Celluloid      players never followed
 *   only = mpv                  when set, the only players followed
 *   min_minutes = 5             shorter items are not scrobbled (a fraction is allowed)
 *
 * Player names match case-insensitively the player's Identity ("VLC media
 * player") or its bus name after "org.mpris.MediaPlayer2." ("vlc"; a
 * ".instance<N>" / ".instance-<N>" suffix may be left out). Music players
 * (Rhythmbox, Spotify, ...) are left alone unless `only` names them.
 * A missing file is the defaults; a bad one an error naming the file, the
 * line and the key. Unknown groups and keys are errors, so a typo does not
 * pass silently. */

#define MPRIS_CONFIG_GROUP "mpris"
#define MPRIS_CONFIG_MAX_NAMES 256

typedef struct MprisConfig {
        char **ignore; /* NULL-terminated, never NULL */
        char **only;   /* empty: every player */
        double min_minutes;
} MprisConfig;

void mpris_config_init(MprisConfig *c);
void mpris_config_clear(MprisConfig *c);

/* The default path: $XDG_CONFIG_HOME/kino-trakt/mpris.conf (g_get_user_config_dir()). */
char *mpris_config_default_path(void);

/* Load path over the defaults into c. A missing file is fine. On error c is
 * untouched and the message reads "FILE:LINE: key 'min_minutes': ...". */
gboolean mpris_config_load(MprisConfig *c, const char *path, GError **error);
gboolean mpris_config_load_from_data(MprisConfig *c, const char *data, size_t len, const char *path, GError **error);

/* Whether a player is followed. bus_suffix: its well-known name after
 * "org.mpris.MediaPlayer2."; identity: its Identity (NULL or "" unknown yet). */
bool mpris_config_player_allowed(const MprisConfig *c, const char *bus_suffix, const char *identity);

/* Whether name is one of the music players left alone by default. */
bool mpris_config_is_music_player(const char *bus_suffix, const char *identity);
