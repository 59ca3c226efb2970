/* SPDX-License-Identifier: MIT */
/* MPRIS Metadata as real players send it (mpris-observations.md), and as a
 * hostile one might: wrong types, huge strings, not a dictionary at all. */
#include <glib.h>
#include <string.h>

#include "metadata.h"

static GVariant *dict(const char *text) {
        g_autoptr(GError) e = NULL;
        GVariant *v = g_variant_parse(G_VARIANT_TYPE("a{sv}"), text, NULL, NULL, &e);
        g_assert_no_error(e);
        return v;
}

static void parse(const char *text, MprisMetadata *m) {
        g_autoptr(GVariant) v = dict(text);
        metadata_parse(v, m);
}

static void test_mpv(void) {
        MprisMetadata m;
        parse("{'mpris:trackid': <objectpath '/0'>, 'xesam:url': <'file:///films/Am%C3%A9lie%20(2001)%20%5B1080p%5D.mkv'>,"
              " 'xesam:title': <'Amélie (2001) [1080p].mkv'>, 'mpris:length': <int64 8003000>}",
              &m);
        g_assert_cmpstr(m.trackid, ==, "/0");
        g_assert_cmpstr(m.path, ==, "/films/Amélie (2001) [1080p].mkv");
        g_assert_true(m.local);
        g_assert_cmpstr(m.title, ==, "Amélie (2001) [1080p].mkv");
        g_assert_cmpint(m.length_us, ==, 8003000);
        g_assert_false(m.music);
        g_autofree char *key = metadata_item_key(&m);
        g_assert_cmpstr(key, ==, "file:/films/Amélie (2001) [1080p].mkv");
        metadata_clear(&m);
}

static void test_vlc_escapes_parentheses(void) {
        /* VLC escapes what mpv does not: the decoded key is the same. */
        MprisMetadata a, b;
        parse("{'xesam:url': <'file:///f/Primer%20%282004%29.mkv'>, 'mpris:length': <int64 -1>,"
              " 'vlc:length': <int64 12000>, 'mpris:trackid': <objectpath '/org/videolan/vlc/playlist/7'>}",
              &a);
        parse("{'xesam:url': <'file:///f/Primer%20(2004).mkv'>}", &b);
        g_assert_cmpstr(a.path, ==, "/f/Primer (2004).mkv");
        g_assert_cmpint(a.length_us, ==, -1); /* VLC's -1: unknown */
        g_autofree char *ka = metadata_item_key(&a);
        g_autofree char *kb = metadata_item_key(&b);
        g_assert_cmpstr(ka, ==, kb);
        metadata_clear(&a);
        metadata_clear(&b);
}

static void test_celluloid_raw_tags(void) {
        MprisMetadata m;
        parse("{'xesam:url': <'file:///t/tagged_episode_file.mp4'>, 'xesam:title': <'Midnight'>,"
              " 'show': <'Doctor Who'>, 'season_number': <'4'>, 'episode_sort': <uint32 10>,"
              " 'episode_id': <'S04E10'>, 'media_type': <'10'>, 'date': <'2008'>, 'major_brand': <'isom'>,"
              " 'xesam:contentCreated': <'2008-01-01T00:00:00'>}",
              &m);
        g_assert_cmpstr(m.tag_show, ==, "Doctor Who");
        g_assert_cmpstr(m.tag_season, ==, "4");
        g_assert_cmpstr(m.tag_episode, ==, "10");
        g_assert_cmpint(m.tag_media_type, ==, 10);
        g_assert_cmpstr(m.created, ==, "2008-01-01T00:00:00");
        g_assert_null(m.trackid); /* Celluloid's first Metadata has none */
        metadata_clear(&m);
}

static void test_ids_from_tags(void) {
        MprisMetadata m;
        parse("{'xesam:url': <'file:///m.mkv'>, 'IMDB': <'tt0133093'>, 'TMDB': <'movie/603'>, 'TVDB': <'series/81189'>}",
              &m);
        g_assert_cmpstr(m.imdb, ==, "tt0133093");
        g_assert_cmpuint(m.tmdb, ==, 603);
        g_assert_cmpint(m.tmdb_kind, ==, 'm');
        g_assert_cmpuint(m.tvdb, ==, 81189);
        g_assert_cmpint(m.tvdb_kind, ==, 's');
        metadata_clear(&m);
        parse("{'tmdb': <int64 1399>, 'imdb': <'https://www.imdb.com/title/tt0944947/'>, 'tvdb': <'tv/x'>}", &m);
        g_assert_cmpuint(m.tmdb, ==, 1399);
        g_assert_cmpint(m.tmdb_kind, ==, 0);
        g_assert_cmpstr(m.imdb, ==, "tt0944947");
        g_assert_cmpuint(m.tvdb, ==, 0);
        metadata_clear(&m);
}

static void test_music_keys(void) {
        MprisMetadata m;
        parse("{'xesam:url': <'file:///a.ogg'>, 'xesam:artist': <['Someone']>, 'xesam:album': <'Album'>}", &m);
        g_assert_true(m.music);
        metadata_clear(&m);
        /* An empty artist list (some video players send one) is not music. */
        parse("{'xesam:url': <'file:///a.mkv'>, 'xesam:artist': <@as []>}", &m);
        g_assert_false(m.music);
        metadata_clear(&m);
}

static void test_length_types(void) {
        const char *cases[] = {
                "{'mpris:length': <uint64 30003000>}", "{'mpris:length': <int32 30003000>}",
                "{'mpris:length': <uint32 30003000>}", "{'mpris:length': <30003000.0>}",
                "{'mpris:length': <'30003000'>}",
        };
        for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
                MprisMetadata m;
                parse(cases[i], &m);
                g_assert_cmpint(m.length_us, ==, 30003000);
                metadata_clear(&m);
        }
        const char *bad[] = {
                "{'mpris:length': <int64 0>}", "{'mpris:length': <int64 -5>}", "{'mpris:length': <'forever'>}",
                "{'mpris:length': <uint64 18446744073709551615>}", "{'mpris:length': <1e300>}",
                "{'mpris:length': <true>}", "{'mpris:length': <['1']>}",
        };
        for (size_t i = 0; i < G_N_ELEMENTS(bad); i++) {
                MprisMetadata m;
                parse(bad[i], &m);
                g_assert_cmpint(m.length_us, ==, -1);
                metadata_clear(&m);
        }
}

static void test_wrong_types_are_absent(void) {
        MprisMetadata m;
        parse("{'xesam:url': <int32 42>, 'xesam:title': <['a']>, 'mpris:trackid': <uint32 1>,"
              " 'xesam:contentCreated': <[int64 1]>, 'show': <{'x': <1>}>, 'season_number': <3.5>,"
              " 'IMDB': <int32 7>, 'TMDB': <'movie/99999999999999999999'>}",
              &m);
        g_assert_null(m.url);
        g_assert_null(m.path);
        g_assert_null(m.title);
        g_assert_null(m.trackid);
        g_assert_null(m.created);
        g_assert_null(m.tag_show);
        g_assert_null(m.tag_season);
        g_assert_null(m.imdb);
        g_assert_cmpuint(m.tmdb, ==, 0);
        g_assert_null(metadata_item_key(&m));
        metadata_clear(&m);
}

static void test_huge_strings_ignored(void) {
        g_autofree char *huge = g_strnfill(1024 * 1024, 'A');
        GVariantBuilder b;
        g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
        g_variant_builder_add(&b, "{sv}", "xesam:title", g_variant_new_string(huge));
        g_autofree char *url = g_strconcat("file:///", huge, ".mkv", NULL);
        g_variant_builder_add(&b, "{sv}", "xesam:url", g_variant_new_string(url));
        g_variant_builder_add(&b, "{sv}", huge, g_variant_new_string("a huge key"));
        g_variant_builder_add(&b, "{sv}", "xesam:title", g_variant_new_string("second title"));
        g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_builder_end(&b));
        MprisMetadata m;
        metadata_parse(v, &m);
        g_assert_null(m.url);
        g_assert_cmpstr(m.title, ==, "second title");
        metadata_clear(&m);
}

static void test_many_keys(void) {
        /* A dictionary with 100,000 keys: read in bounded time; the url after them is not seen. */
        GVariantBuilder b;
        g_variant_builder_init(&b, G_VARIANT_TYPE("a{sv}"));
        for (int i = 0; i < 100000; i++) {
                char k[32];
                g_snprintf(k, sizeof k, "junk:%d", i);
                g_variant_builder_add(&b, "{sv}", k, g_variant_new_int32(i));
        }
        g_variant_builder_add(&b, "{sv}", "xesam:url", g_variant_new_string("file:///late.mkv"));
        g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_builder_end(&b));
        MprisMetadata m;
        metadata_parse(v, &m);
        g_assert_null(m.url);
        metadata_clear(&m);
}

static void test_not_a_dictionary(void) {
        MprisMetadata m;
        g_autoptr(GVariant) s = g_variant_ref_sink(g_variant_new_string("not a dict"));
        metadata_parse(s, &m);
        g_assert_null(m.url);
        metadata_clear(&m);
        metadata_parse(NULL, &m);
        metadata_clear(&m);
        /* Boxed once more (a{sv} in a v): unwrapped. */
        g_autoptr(GVariant) inner = dict("{'xesam:url': <'file:///x.mkv'>}");
        g_autoptr(GVariant) boxed = g_variant_ref_sink(g_variant_new_variant(inner));
        metadata_parse(boxed, &m);
        g_assert_cmpstr(m.path, ==, "/x.mkv");
        metadata_clear(&m);
}

static void test_urls(void) {
        MprisMetadata m;
        /* A bad escape in a file url: no path, but still an item (by its url). */
        parse("{'xesam:url': <'file:///tmp/%00x.mkv'>}", &m);
        g_assert_null(m.path);
        g_autofree char *k1 = metadata_item_key(&m);
        g_assert_cmpstr(k1, ==, "url:file:///tmp/%00x.mkv");
        metadata_clear(&m);
        /* Not a file: the decoded path, not local. */
        parse("{'xesam:url': <'https://media.example/Films/Primer%20(2004).mkv?token=1'>}", &m);
        g_assert_cmpstr(m.path, ==, "/Films/Primer (2004).mkv");
        g_assert_false(m.local);
        metadata_clear(&m);
        /* mpv idle: only "/noplaylist". */
        parse("{'mpris:trackid': <objectpath '/noplaylist'>}", &m);
        g_assert_null(metadata_item_key(&m));
        metadata_clear(&m);
        /* No url: the track and title tell items apart. */
        parse("{'mpris:trackid': <objectpath '/1'>, 'xesam:title': <'A stream'>}", &m);
        g_autofree char *k2 = metadata_item_key(&m);
        g_assert_cmpstr(k2, ==, "track:/1\nA stream");
        metadata_clear(&m);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/metadata/mpv", test_mpv);
        g_test_add_func("/metadata/vlc_escapes_parentheses", test_vlc_escapes_parentheses);
        g_test_add_func("/metadata/celluloid_raw_tags", test_celluloid_raw_tags);
        g_test_add_func("/metadata/ids_from_tags", test_ids_from_tags);
        g_test_add_func("/metadata/music_keys", test_music_keys);
        g_test_add_func("/metadata/length_types", test_length_types);
        g_test_add_func("/metadata/wrong_types_are_absent", test_wrong_types_are_absent);
        g_test_add_func("/metadata/huge_strings_ignored", test_huge_strings_ignored);
        g_test_add_func("/metadata/many_keys", test_many_keys);
        g_test_add_func("/metadata/not_a_dictionary", test_not_a_dictionary);
        g_test_add_func("/metadata/urls", test_urls);
        return g_test_run();
}
