/* SPDX-License-Identifier: MIT */
/* The bridge's configuration: [mpris] ignore / only / min_minutes, errors that
 * name the file, the line and the key, and how player names match. */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "mpris-config.h"

#define PATH "/home/u/.config/kino-trakt/mpris.conf"

static gboolean load(MprisConfig *c, const char *text, GError **error) {
        return mpris_config_load_from_data(c, text, strlen(text), PATH, error);
}

static void test_defaults(void) {
        MprisConfig c;
        mpris_config_init(&c);
        g_assert_cmpfloat(c.min_minutes, ==, 5);
        g_assert_nonnull(c.ignore);
        g_assert_null(c.ignore[0]);
        g_assert_null(c.only[0]);
        g_assert_true(mpris_config_player_allowed(&c, "mpv", "mpv"));
        g_assert_true(mpris_config_player_allowed(&c, "vlc.instance4242", "VLC media player"));
        g_assert_true(mpris_config_player_allowed(&c, "io.github.celluloid_player.Celluloid.instance-1", "Celluloid"));
        mpris_config_clear(&c);
}

static void test_missing_file_is_defaults(void) {
        MprisConfig c;
        g_autoptr(GError) e = NULL;
        mpris_config_init(&c);
        g_assert_true(mpris_config_load(&c, "/nonexistent/kino-trakt/mpris.conf", &e));
        g_assert_no_error(e);
        g_assert_cmpfloat(c.min_minutes, ==, 5);
        mpris_config_clear(&c);
}

static void test_values(void) {
        MprisConfig c;
        g_autoptr(GError) e = NULL;
        mpris_config_init(&c);
        g_assert_true(load(&c,
                           "# mine\n"
                           "[mpris]\n"
                           "ignore = VLC media player ; Celluloid;\n"
                           "only=\n"
                           "min_minutes = 0.5\n",
                           &e));
        g_assert_no_error(e);
        g_assert_cmpfloat(c.min_minutes, ==, 0.5);
        g_assert_cmpuint(g_strv_length(c.ignore), ==, 2);
        g_assert_cmpstr(c.ignore[0], ==, "VLC media player");
        g_assert_cmpstr(c.ignore[1], ==, "Celluloid");
        g_assert_cmpuint(g_strv_length(c.only), ==, 0);
        g_assert_false(mpris_config_player_allowed(&c, "vlc", "VLC media player"));
        g_assert_false(mpris_config_player_allowed(&c, "io.github.celluloid_player.Celluloid.instance-1", "Celluloid"));
        g_assert_true(mpris_config_player_allowed(&c, "mpv", "mpv"));
        mpris_config_clear(&c);
}

static void test_empty_file_and_group(void) {
        MprisConfig c;
        g_autoptr(GError) e = NULL;
        mpris_config_init(&c);
        g_assert_true(load(&c, "", &e));
        g_assert_true(load(&c, "[mpris]\n", &e));
        g_assert_no_error(e);
        g_assert_cmpfloat(c.min_minutes, ==, 5);
        mpris_config_clear(&c);
}

/* The error message for text, which must name the line and contain `what`. */
static void assert_error(const char *text, unsigned line, const char *what) {
        MprisConfig c;
        g_autoptr(GError) e = NULL;
        mpris_config_init(&c);
        c.min_minutes = 7;
        g_assert_false(load(&c, text, &e));
        g_assert_nonnull(e);
        g_autofree char *where = line ? g_strdup_printf(PATH ":%u: ", line) : g_strdup(PATH ": ");
        if (!g_str_has_prefix(e->message, where) || !strstr(e->message, what))
                g_error("for %s\ngot: %s\nwant: %s...%s", text, e->message, where, what);
        /* A bad file changes nothing. */
        g_assert_cmpfloat(c.min_minutes, ==, 7);
        mpris_config_clear(&c);
}

static void test_errors_name_file_line_key(void) {
        assert_error("[mpris]\nmin_minutes = 5\nignored = vlc\n", 3, "unknown key 'ignored'");
        assert_error("[mpris]\n\nmin_minutes = soon\n", 3, "key 'min_minutes'");
        assert_error("[mpris]\nmin_minutes = -1\n", 2, "key 'min_minutes'");
        assert_error("[mpris]\nmin_minutes = 5 minutes\n", 2, "key 'min_minutes'");
        assert_error("[mpris]\nmin_minutes = 99999\n", 2, "from 0 to 1440");
        assert_error("[mpris]\nmin_minutes = nan\n", 2, "key 'min_minutes'");
        assert_error("[mpris]\nmin_minutes = 1e400\n", 2, "key 'min_minutes'");
        assert_error("[mpris]\nonly = mpv\n[Players]\nx = 1\n", 3, "unknown group [Players]");
        assert_error("min_minutes = 5\n", 1, "");
        assert_error("[mpris]\nthis line is wrong\n", 2, "");
        assert_error("[mpris\nonly = mpv\n", 1, "");
        assert_error("[mpris]\nignore[de] = vlc\n", 2, "unknown key 'ignore[de]'");
        assert_error("[mpris]\nignore = a\\qb\n", 2, "key 'ignore'");
        assert_error("[mpris]\nonly = \xff\xfe\n", 2, "key 'only'");
}

static void test_nul_byte(void) {
        MprisConfig c;
        g_autoptr(GError) e = NULL;
        mpris_config_init(&c);
        const char text[] = "[mpris]\nonly = mp\0v\n";
        g_assert_false(mpris_config_load_from_data(&c, text, sizeof text - 1, PATH, &e));
        g_assert_true(strstr(e->message, PATH) != NULL);
        mpris_config_clear(&c);
}

static void test_too_many_names(void) {
        GString *s = g_string_new("[mpris]\nignore = ");
        for (int i = 0; i <= MPRIS_CONFIG_MAX_NAMES; i++)
                g_string_append_printf(s, "p%d;", i);
        g_string_append(s, "\n");
        assert_error(s->str, 2, "at most");
        g_string_free(s, TRUE);
        g_autofree char *longname = g_strnfill(300, 'x');
        g_autofree char *t = g_strdup_printf("[mpris]\nonly = %s\n", longname);
        assert_error(t, 2, "at most 256 bytes");
}

static void test_file_read(void) {
        g_autofree char *dir = g_dir_make_tmp("kt-mpris-config-XXXXXX", NULL);
        g_autofree char *path = g_build_filename(dir, "mpris.conf", NULL);
        g_assert_true(g_file_set_contents(path, "[mpris]\nmin_minutes = 2\n", -1, NULL));
        MprisConfig c;
        g_autoptr(GError) e = NULL;
        mpris_config_init(&c);
        g_assert_true(mpris_config_load(&c, path, &e));
        g_assert_cmpfloat(c.min_minutes, ==, 2);
        g_assert_true(g_file_set_contents(path, "[mpris]\nmin_minutes = 2\nx = 1\n", -1, NULL));
        g_assert_false(mpris_config_load(&c, path, &e));
        g_autofree char *want = g_strdup_printf("%s:3: ", path);
        g_assert_true(g_str_has_prefix(e->message, want));
        /* A folder where the file should be: an error naming it, not a crash. */
        g_clear_error(&e);
        g_autofree char *sub = g_build_filename(dir, "sub.conf", NULL);
        g_assert_cmpint(g_mkdir(sub, 0700), ==, 0);
        g_assert_false(mpris_config_load(&c, sub, &e));
        g_assert_true(g_str_has_prefix(e->message, sub));
        g_rmdir(sub);
        g_unlink(path);
        g_rmdir(dir);
        mpris_config_clear(&c);
}

static void test_matching(void) {
        MprisConfig c;
        g_autoptr(GError) e = NULL;
        mpris_config_init(&c);
        g_assert_true(load(&c, "[mpris]\nignore = MPV; celluloid\n", &e));
        /* Bus name suffix, any case, with or without the instance suffix. */
        g_assert_false(mpris_config_player_allowed(&c, "mpv", NULL));
        g_assert_false(mpris_config_player_allowed(&c, "mpv.instance26079", NULL));
        g_assert_true(mpris_config_player_allowed(&c, "mpvx", NULL));
        g_assert_true(mpris_config_player_allowed(&c, "mpv.instanceX", NULL));
        /* Identity, case-folded. */
        g_assert_false(mpris_config_player_allowed(&c, "io.github.celluloid_player.Celluloid.instance-1", "Celluloid"));
        g_assert_false(mpris_config_player_allowed(&c, "some.name", "CELLULOID"));
        mpris_config_clear(&c);
}

static void test_music_players(void) {
        MprisConfig c;
        g_autoptr(GError) e = NULL;
        mpris_config_init(&c);
        /* Left alone by default. */
        g_assert_false(mpris_config_player_allowed(&c, "rhythmbox", "Rhythmbox"));
        g_assert_false(mpris_config_player_allowed(&c, "spotify", "Spotify"));
        g_assert_false(mpris_config_player_allowed(&c, "org.gnome.Music", "Music"));
        g_assert_true(mpris_config_is_music_player(NULL, "Lollypop"));
        /* Unless `only` names them. */
        g_assert_true(load(&c, "[mpris]\nonly = spotify; mpv\n", &e));
        g_assert_true(mpris_config_player_allowed(&c, "spotify", "Spotify"));
        g_assert_true(mpris_config_player_allowed(&c, "mpv", "mpv"));
        g_assert_false(mpris_config_player_allowed(&c, "vlc", "VLC media player"));
        /* ignore wins over only. */
        g_assert_true(load(&c, "[mpris]\nonly = spotify; mpv\nignore = mpv\n", &e));
        g_assert_false(mpris_config_player_allowed(&c, "mpv", "mpv"));
        mpris_config_clear(&c);
}

static void test_default_path(void) {
        g_autofree char *p = mpris_config_default_path();
        g_assert_true(g_str_has_suffix(p, "/kino-trakt/mpris.conf"));
        g_assert_true(g_str_has_prefix(p, g_get_user_config_dir()));
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/mpris-config/defaults", test_defaults);
        g_test_add_func("/mpris-config/missing_file_is_defaults", test_missing_file_is_defaults);
        g_test_add_func("/mpris-config/values", test_values);
        g_test_add_func("/mpris-config/empty_file_and_group", test_empty_file_and_group);
        g_test_add_func("/mpris-config/errors_name_file_line_key", test_errors_name_file_line_key);
        g_test_add_func("/mpris-config/nul_byte", test_nul_byte);
        g_test_add_func("/mpris-config/too_many_names", test_too_many_names);
        g_test_add_func("/mpris-config/file_read", test_file_read);
        g_test_add_func("/mpris-config/matching", test_matching);
        g_test_add_func("/mpris-config/music_players", test_music_players);
        g_test_add_func("/mpris-config/default_path", test_default_path);
        return g_test_run();
}
