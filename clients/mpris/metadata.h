/* SPDX-License-Identifier: MIT */
#pragma once

#include <glib.h>
#include <stdbool.h>

/* What an MPRIS player says about the item it holds (its `Metadata`
 * property, a{sv}), read defensively: a key of the wrong type, a string that
 * is not a sane length or not text counts as absent, never as an error.
 * Players differ a lot (see mpris-observations.md): mpv puts the file name in
 * xesam:title, VLC its own guess, Celluloid nothing but its raw tags. */

#define METADATA_MAX_STRING 4096 /* longer strings are ignored: no real url or title is that long */

typedef struct MprisMetadata {
        char *trackid;    /* mpris:trackid (o, or s from sloppy players); NULL when absent */
        char *url;        /* xesam:url as sent (still %-encoded) */
        char *path;       /* the decoded file name of a file:// url, else the url's decoded path; NULL if none */
        bool local;       /* url is file:// */
        char *title;      /* xesam:title */
        gint64 length_us; /* mpris:length in µs; -1 when absent or ≤ 0 (VLC's -1 at start) */
        char *created;    /* xesam:contentCreated ("1982-01-01T00:00:00" or "2008") */
        bool music;       /* music keys: xesam:album, xesam:artist, xesam:albumArtist, xesam:trackNumber */

        /* Raw container tags some players pass through (Celluloid), as text
         * (a number sent as a number is written out): show, season_number,
         * episode_sort; media_type is mp4's "stik" (1 music, 9 movie, 10 TV). */
        char *tag_show;
        char *tag_season;
        char *tag_episode;
        int tag_media_type; /* -1 unknown */

        /* Ids from tags (Matroska's IMDB / TMDB / TVDB, or plain keys of those
         * names): tmdb_kind / tvdb_kind tell what the number names:
         * 'm' a movie, 's' a series, 0 not said. */
        char *imdb; /* "tt0133093" */
        guint32 tmdb;
        char tmdb_kind;
        guint32 tvdb;
        char tvdb_kind;
} MprisMetadata;

/* Read a Metadata value (any GVariant: a{sv} expected; a boxed "v" is
 * unwrapped; anything else gives an empty result). Always fills *ret. */
void metadata_parse(GVariant *value, MprisMetadata *ret);
void metadata_clear(MprisMetadata *m);

/* The key that tells one item from another: the decoded file name of a
 * file:// url, else the url, else the track id and the title. NULL when the
 * metadata names nothing (mpv idle: only "/noplaylist"). Free with g_free. */
char *metadata_item_key(const MprisMetadata *m);
