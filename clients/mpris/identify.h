/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>

#include "metadata.h"

/* What a player holds, as the daemon should hear it: a media dictionary
 * (a{sv}, the contract's keys) or a reason to leave it alone.
 *
 * In order of trust:
 *  1. ids the metadata carries (Matroska IMDB/TMDB/TVDB tags passed through
 *     by Celluloid) or the path names ("{imdb-tt0133093}", "[tmdbid-603]",
 *     the folder conventions of Plex, Jellyfin, Radarr and Sonarr), sent
 *     alongside the title;
 *  2. the decoded xesam:url: file name and parent folders through the
 *     release-name parser ("Show Name/Season 01/02 - Title.mkv");
 *  3. Celluloid's raw show / season_number / episode_sort tags;
 *  4. xesam:title only as a hint for the parser: it may be an episode's own
 *     title ("Midnight"), VLC's trimmed guess, or the file name again.
 * Audio files (by extension, or music tags on a file that is not a known
 * video container) are left alone. */

typedef struct Identification {
        GVariant *media; /* a{sv} (not floating), NULL when left alone */
        char *label;     /* for people: "Primer (2004)", "The Expanse S01E02" */
        const char *why; /* when media is NULL: one short reason */
} Identification;

void identify(const MprisMetadata *m, Identification *ret);
void identification_clear(Identification *id);

/* Whether a path's extension names an audio-only file (.flac, .mp3, .mka, ...). */
gboolean identify_is_audio_path(const char *path);
/* Whether it names a video container (.mkv, .mp4, .avi, ...). */
gboolean identify_is_video_path(const char *path);
