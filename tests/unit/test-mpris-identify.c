/* SPDX-License-Identifier: MIT */
/* From what a player says to the media dictionary the daemon gets (or a
 * reason to leave it alone). The release-name parser has its own tests;
 * these are about what the bridge adds: audio, ids, the year a movie needs,
 * Celluloid's tags, the title as a hint only, the dictionary's keys. */
#include <glib.h>
#include <string.h>

#include "identify.h"

static void ident(const char *metadata_text, Identification *id) {
        g_autoptr(GError) e = NULL;
        g_autoptr(GVariant) v = g_variant_parse(G_VARIANT_TYPE("a{sv}"), metadata_text, NULL, NULL, &e);
        g_assert_no_error(e);
        MprisMetadata m;
        metadata_parse(v, &m);
        identify(&m, id);
        metadata_clear(&m);
}

static int by_text(gconstpointer a, gconstpointer b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The media dictionary, printed with sorted keys: "{'season': <uint32 1>, ...}". */
static char *media_text(const Identification *id) {
        if (!id->media)
                return g_strdup_printf("(left alone: %s)", id->why);
        GVariantIter it;
        const char *k;
        GVariant *v;
        g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func(g_free);
        g_variant_iter_init(&it, id->media);
        while (g_variant_iter_loop(&it, "{&sv}", &k, &v)) {
                g_autofree char *t = g_variant_print(v, TRUE);
                g_ptr_array_add(parts, g_strdup_printf("'%s': <%s>", k, t));
        }
        g_ptr_array_sort(parts, by_text);
        g_ptr_array_add(parts, NULL);
        g_autofree char *joined = g_strjoinv(", ", (char **) parts->pdata);
        return g_strdup_printf("{%s}", joined);
}

static void assert_media(const char *metadata_text, const char *want, const char *label) {
        Identification id;
        ident(metadata_text, &id);
        g_autofree char *got = media_text(&id);
        if (strcmp(got, want) != 0)
                g_error("for %s\n got: %s\nwant: %s", metadata_text, got, want);
        if (label)
                g_assert_cmpstr(id.label, ==, label);
        identification_clear(&id);
}

static void assert_left_alone(const char *metadata_text, const char *why_part) {
        Identification id;
        ident(metadata_text, &id);
        if (id.media || !id.why || !strstr(id.why, why_part)) {
                g_autofree char *got = media_text(&id);
                g_error("for %s\n got: %s\nwant left alone: ...%s...", metadata_text, got, why_part);
        }
        identification_clear(&id);
}

static void test_movie_from_file_name(void) {
        assert_media("{'xesam:url': <'file:///f/Primer%20(2004).mkv'>, 'xesam:title': <'Primer (2004).mkv'>}",
                     "{'title': <'Primer'>, 'type': <'movie'>, 'year': <uint32 2004>}", "Primer (2004)");
        assert_media("{'xesam:url': <'file:///f/Am%C3%A9lie%20(2001)%20%5B1080p%5D.mkv'>}",
                     "{'title': <'Amélie'>, 'type': <'movie'>, 'year': <uint32 2001>}", "Amélie (2001)");
}

static void test_episode_from_file_name(void) {
        assert_media("{'xesam:url': <'file:///tv/The.Expanse.S01E02.1080p.mkv'>, 'xesam:title': <'The Expanse S01E02'>}",
                     "{'episode': <uint32 2>, 'season': <uint32 1>, 'show_title': <'The Expanse'>, "
                     "'type': <'episode'>}",
                     "The Expanse S01E02");
        /* Folders: show, season; the file names the episode. The show's year from its folder. */
        assert_media("{'xesam:url': <'file:///tv/The%20Expanse%20(2015)/Season%2001/02%20-%20CQB.mkv'>}",
                     "{'episode': <uint32 2>, 'season': <uint32 1>, 'show_title': <'The Expanse'>, "
                     "'show_year': <uint32 2015>, 'type': <'episode'>}",
                     "The Expanse (2015) S01E02");
}

static void test_episode_title_is_only_a_hint(void) {
        /* A tagged episode: xesam:title is the episode's own title, never the show's. */
        assert_media("{'xesam:url': <'file:///tv/Doctor.Who.2005.S04E10.mkv'>, 'xesam:title': <'Midnight'>}",
                     "{'episode': <uint32 10>, 'season': <uint32 4>, 'show_title': <'Doctor Who'>, "
                     "'show_year': <uint32 2005>, 'type': <'episode'>}",
                     NULL);
}

static void test_celluloid_tags(void) {
        /* The file name says nothing; Celluloid's raw tags name the episode. */
        assert_media("{'xesam:url': <'file:///t/tagged_episode_file.mp4'>, 'xesam:title': <'Midnight'>,"
                     " 'show': <'Doctor Who'>, 'season_number': <'4'>, 'episode_sort': <'10'>,"
                     " 'xesam:contentCreated': <'2008'>}",
                     "{'episode': <uint32 10>, 'season': <uint32 4>, 'show_title': <'Doctor Who'>, 'type': <'episode'>}",
                     NULL);
}

static void test_tagged_movie(void) {
        /* mpv: the tag title and date, the file name says little. */
        assert_media("{'xesam:url': <'file:///t/tagged_movie_file.mkv'>, 'xesam:title': <'Blade Runner'>,"
                     " 'xesam:contentCreated': <'1982-01-01T00:00:00'>}",
                     "{'title': <'Blade Runner'>, 'type': <'movie'>, 'year': <uint32 1982>}", NULL);
}

static void test_movie_needs_a_year(void) {
        /* A home video called holiday.mkv must not become a film on Trakt. */
        assert_left_alone("{'xesam:url': <'file:///home/u/Videos/holiday.mkv'>, 'xesam:title': <'holiday.mkv'>}",
                          "without a year");
}

static void test_ids(void) {
        /* Radarr / Jellyfin folder naming: the movie's ids go along. */
        assert_media("{'xesam:url': <'file:///m/The%20Matrix%20(1999)%20%7Bimdb-tt0133093%7D/The.Matrix.1999.mkv'>}",
                     "{'imdb': <'tt0133093'>, 'title': <'The Matrix'>, 'type': <'movie'>, 'year': <uint32 1999>}",
                     NULL);
        assert_media("{'xesam:url': <'file:///m/Inception%20(2010)%20%5Btmdbid-27205%5D.mkv'>}",
                     "{'title': <'Inception'>, 'tmdb': <uint32 27205>, 'type': <'movie'>, 'year': <uint32 2010>}",
                     NULL);
        /* Sonarr's series folder: the show's ids. */
        assert_media("{'xesam:url': <'file:///tv/Breaking%20Bad%20(2008)%20%7Btvdb-81189%7D/Season%2001/"
                     "Breaking.Bad.S01E02.mkv'>}",
                     "{'episode': <uint32 2>, 'season': <uint32 1>, 'show_title': <'Breaking Bad'>, "
                     "'show_tvdb': <uint32 81189>, 'show_year': <uint32 2008>, 'type': <'episode'>}",
                     NULL);
        /* Matroska tags passed through (Celluloid): a movie by id even without a year. */
        assert_media("{'xesam:url': <'file:///m/matrix.mkv'>, 'IMDB': <'tt0133093'>, 'TMDB': <'movie/603'>}",
                     "{'imdb': <'tt0133093'>, 'title': <'matrix'>, 'tmdb': <uint32 603>, 'type': <'movie'>}", NULL);
}

static void test_audio_left_alone(void) {
        assert_left_alone("{'xesam:url': <'file:///m/Inception%20(2010).flac'>}", "audio");
        assert_left_alone("{'xesam:url': <'file:///m/Some%20Song.MP3'>}", "audio");
        assert_left_alone("{'xesam:url': <'file:///m/01.ogg'>, 'xesam:artist': <['A']>}", "audio");
        /* Music tags on something that is not a known video container. */
        assert_left_alone("{'xesam:url': <'https://radio.example/stream'>, 'xesam:artist': <['A']>, "
                          "'xesam:album': <'B'>}",
                          "music");
        /* mp4's media type 1 is music. */
        assert_left_alone("{'xesam:url': <'file:///m/Primer%20(2004).mp4'>, 'media_type': <'1'>}", "music");
        g_assert_true(identify_is_audio_path("/a/b.FLAC"));
        g_assert_false(identify_is_audio_path("/a.flac/b.mkv"));
        g_assert_true(identify_is_video_path("/a/b.MKV"));
        g_assert_false(identify_is_video_path("/a/b"));
        g_assert_false(identify_is_video_path(NULL));
}

static void test_title_alone_is_not_enough(void) {
        /* A browser tab: no file name, only a title. */
        assert_left_alone("{'xesam:title': <'Big Buck Bunny 60fps 4K - Official Blender Foundation Short Film'>}",
                          "title alone");
}

static void test_extras_left_alone(void) {
        assert_left_alone("{'xesam:url': <'file:///m/Primer.2004.1080p-sample.mkv'>}", "sample");
}

static void test_episode_without_season(void) {
        assert_left_alone("{'xesam:url': <'file:///a/%5BGroup%5D%20Some%20Show%20-%2005%20%5B1080p%5D.mkv'>}",
                          "season");
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/identify/movie_from_file_name", test_movie_from_file_name);
        g_test_add_func("/identify/episode_from_file_name", test_episode_from_file_name);
        g_test_add_func("/identify/episode_title_is_only_a_hint", test_episode_title_is_only_a_hint);
        g_test_add_func("/identify/celluloid_tags", test_celluloid_tags);
        g_test_add_func("/identify/tagged_movie", test_tagged_movie);
        g_test_add_func("/identify/movie_needs_a_year", test_movie_needs_a_year);
        g_test_add_func("/identify/ids", test_ids);
        g_test_add_func("/identify/audio_left_alone", test_audio_left_alone);
        g_test_add_func("/identify/title_alone_is_not_enough", test_title_alone_is_not_enough);
        g_test_add_func("/identify/extras_left_alone", test_extras_left_alone);
        g_test_add_func("/identify/episode_without_season", test_episode_without_season);
        return g_test_run();
}
