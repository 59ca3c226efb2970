/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

/* Release names: what a played file is, told from what a desktop player says
 * about it over MPRIS (the decoded file path, and a few hints). The MPRIS
 * bridge (kino-trakt-mpris) calls this on every track change and passes the
 * answer to the daemon as a media dictionary named by title (docs/dbus-api.md,
 * "Naming media by title"); `kino-trakt-mpris --identify` prints it.
 *
 * A pure module: no I/O (but release_info_write_json), no allocation, no
 * global state, no locale (ASCII case folding only), any input. It is outside
 * input: it is fuzzed (tests/fuzz/fuzz-release-name.c) and measured on a
 * corpus of real release names (tests/fixtures/release-names/).
 *
 * Input
 *   path: a decoded path (the caller turns xesam:url into one with
 *   g_filename_from_uri) or a bare name, e.g.
 *     /media/tv/The Expanse/Season 01/02 - CQB.mkv
 *     The.Expanse.S01E02.1080p.mkv
 *   Only the file name and its last three folders are read, each up to
 *   RELEASE_COMPONENT_MAX bytes (longer ones are cut). A known video,
 *   subtitle or container extension is removed from the file name. Bytes are
 *   bytes: invalid UTF-8 is tolerated (and replaced by U+FFFD in the title),
 *   control characters are separators. A leftover "%20"-style escape in a
 *   name without spaces is decoded (the caller should have done it).
 *   hints: NULL, or what the player said besides the path (see ReleaseHints).
 *
 * Output (ReleaseInfo): a movie or an episode (or unknown), its title (for an
 * episode the show's title), year, season and episode; absent fields are ""
 * or 0 or RELEASE_ABSENT. In a little more detail:
 *   - Episodes: S01E02, s1e2, S01.E02, S01 - E02, 1x02, 01x02, S06xE01,
 *     "Season 1 Episode 2" (and Saison/Temporada/Stagione/Staffel; Episodio,
 *     Ep, Cap.102), 1of4, "14 of 21", a packed 102 / 0102 (season 1,
 *     episode 2), a bare episode number after the show ("Show.Name.07",
 *     anime "[Group] Show - 05 [1080p]": season absent), a number that
 *     opens a file in a season folder ("Show/Season 01/02 - Title.mkv").
 *     Multi-episode files (S01E01E02, S01E01-E03, 1x01x02, S01E01-03) report
 *     the first episode in `episode` and the last in `episode_last`
 *     (RELEASE_ABSENT for one episode).
 *   - The year of an episode is the show's year: a year before the episode
 *     marker ("Doctor.Who.2005.S01E01", "Show (2015) - 1x01") or in the show's
 *     folder; a year after the marker is the episode's (air) year and is
 *     left out.
 *   - Daily shows ("Show.2015.07.22", "Show - 2015-07-22", 03-29-2012,
 *     20150722): an episode with the air date in `aired`, season and episode
 *     absent. docs/dbus-api.md can only name an episode by season and number, so
 *     such a file is not nameable (release_info_nameable says no).
 *   - Movies: a title with a year ("Primer (2004)", "Primer.2004.1080p"), or a
 *     title alone. A year inside a title is kept in it when another year
 *     follows ("Blade Runner 2049 (2017)", "1917.2019.1080p",
 *     "2001.A.Space.Odyssey.1968"); years from 1890 to 2039 count.
 *   - Release tags end a title: resolution, source, codec, audio, HDR,
 *     edition, language, scene words (PROPER, REPACK, …), a bracketed group,
 *     "aka". A leading [Group] or www.site.tld is skipped.
 *   - Folders: a season folder ("Season 01", "S01", "Specials" = season 0)
 *     gives the season; the show's folder ("The Expanse (2015)") the show's
 *     title and year when the file name lacks them; a release folder
 *     ("Movie.2019.1080p.BluRay-GRP/grp-m1080.mkv", hashed or reversed file
 *     names) names what is in it. Generic folders ("Movies", "TV Shows",
 *     "Downloads", …) are never a title.
 *   - Samples, trailers and bonus material ("…-sample.mkv", "sample.mkv",
 *     "Movie (2010)-trailer.mkv", "…Extras…", a folder "Sample", "Extras",
 *     "Featurettes", "Behind The Scenes", "Trailers", …) keep what they are
 *     about but set `extra`: they are not a watch.
 *   - Titles: dots and underscores become spaces (not inside acronyms:
 *     "S.H.I.E.L.D."), the original case and non-ASCII letters are kept,
 *     "Simpsons, The" becomes "The Simpsons", a trailing country code (US,
 *     UK, AU, NZ, CA) is dropped. At most RELEASE_TITLE_MAX - 1 bytes.
 *   - Hints (a player's words) come second to the path: Celluloid's show
 *     tags name an episode; xesam:title is used only when the path says
 *     little (no marker, no year, no release tag: "tagged_movie_file.mkv"),
 *     and never as a show's title for an episode (it may be the episode's
 *     own title); a title equal to the file name (mpv) is ignored. The year
 *     from xesam:contentCreated is used only for a movie named by the hint or
 *     by the same title.
 *   Anything it cannot tell is left absent; nothing is ever guessed from
 *   outside knowledge. */

#define RELEASE_TITLE_MAX 256     /* bytes of UTF-8, with the terminating NUL */
#define RELEASE_COMPONENT_MAX 512 /* bytes read of one path component */
#define RELEASE_ABSENT (-1)       /* season, episode, episode_last */
#define RELEASE_JSON_MAX 2048     /* release_info_to_json never needs more */

typedef enum ReleaseType {
        RELEASE_UNKNOWN = 0,
        RELEASE_MOVIE,
        RELEASE_EPISODE,
} ReleaseType;

typedef enum ReleaseExtra {
        RELEASE_EXTRA_NONE = 0,
        RELEASE_EXTRA_SAMPLE,  /* a release's sample clip */
        RELEASE_EXTRA_TRAILER, /* a trailer or teaser */
        RELEASE_EXTRA_BONUS,   /* featurettes, deleted scenes, interviews, extras */
} ReleaseExtra;

/* What a player said besides the path; any member may be NULL, and any
 * string may be anything (they are read with the same care as the path). */
typedef struct ReleaseHints {
        const char *title;   /* xesam:title */
        const char *show;    /* Celluloid's raw "show" tag */
        const char *season;  /* Celluloid's raw "season_number" tag, e.g. "4" */
        const char *episode; /* Celluloid's raw "episode_sort" tag, e.g. "10" */
        const char *created; /* xesam:contentCreated, e.g. "1982-01-01T00:00:00" or "2008" */
} ReleaseHints;

typedef struct ReleaseInfo {
        ReleaseType type;
        ReleaseExtra extra;           /* not NONE: not a watch, whatever type says */
        char title[RELEASE_TITLE_MAX]; /* valid UTF-8; "" when unknown */
        int year;                     /* 0 when unknown */
        int season;                   /* 0 = specials; RELEASE_ABSENT when unknown */
        int episode;                  /* the first episode; RELEASE_ABSENT when unknown */
        int episode_last;             /* the last episode of a multi-episode file, else RELEASE_ABSENT */
        int aired_year, aired_month, aired_day; /* a daily show's date, else 0 */
} ReleaseInfo;

/* Fills *ret from path (NULL is taken as "") and hints (may be NULL). Never
 * fails: what it cannot tell is RELEASE_UNKNOWN / absent. */
void release_name_parse(const char *path, const ReleaseHints *hints, ReleaseInfo *ret);

/* Whether the daemon can name it by title (docs/dbus-api.md, version 2): not an
 * extra, and a movie with a title, or an episode with a show title, a season
 * and an episode. */
bool release_info_nameable(const ReleaseInfo *info);

/* The --identify line for info, without a newline: one JSON object with the
 * keys type ("movie" or "episode"), title, year, season, episode, in that
 * order; a key it cannot tell is left out (type too when unknown, and for an
 * extra, which is not a watch). Writes at most n bytes with the NUL; returns
 * the length of the whole object (as snprintf does), so n >= RELEASE_JSON_MAX
 * never truncates. */
size_t release_info_to_json(const ReleaseInfo *info, char *buf, size_t n);

/* The same object and a newline, on f. Returns 0, or -EIO. */
int release_info_write_json(const ReleaseInfo *info, FILE *f);
