/* SPDX-License-Identifier: MIT */
/* The release-name parser over the corpus of real release names in
 * the tables (*.tsv) in tests/fixtures/release-names/ (see PROVENANCE.md there). A row is
 * named right when the type, the title, the year, the season and the
 * episode are all what the table says (an "extra" row: when it is flagged
 * as an extra). Titles are compared as Trakt's search would see them: ASCII
 * case folded, apostrophes dropped, other punctuation as spaces. "skip" rows
 * are parsed (they must not crash) but not scored.
 *
 * Prints the figure per source and overall, every miss, and the time per
 * name; fails when fewer than 95 % of the scored rows are named right, or a
 * table is malformed. */
#include <dirent.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "release-name.h"

#define THRESHOLD 95.0

static void fold(const char *s, char *out, size_t n) {
        size_t k = 0;
        gboolean space = TRUE;
        for (; *s && k + 1 < n; s++) {
                unsigned char c = (unsigned char) *s;
                if (c == '\'')
                        continue;
                if (c >= 0x80 || g_ascii_isalnum(c)) {
                        out[k++] = g_ascii_tolower(c);
                        space = FALSE;
                } else if (!space) {
                        out[k++] = ' ';
                        space = TRUE;
                }
        }
        while (k > 0 && out[k - 1] == ' ')
                k--;
        out[k] = 0;
}

static int num(const char *s, int absent) {
        return *s ? atoi(s) : absent;
}

typedef struct Score {
        unsigned scored, right, skipped;
} Score;

static const char *type_name(ReleaseType t) {
        return t == RELEASE_MOVIE ? "movie" : t == RELEASE_EPISODE ? "episode" : "unknown";
}

/* One table; returns FALSE when it is malformed. */
static gboolean run_table(const char *path, Score *s, double *seconds) {
        gchar *text = NULL;
        GError *err = NULL;
        if (!g_file_get_contents(path, &text, NULL, &err)) {
                g_printerr("%s: %s\n", path, err->message);
                g_error_free(err);
                return FALSE;
        }
        gchar **lines = g_strsplit(text, "\n", -1);
        gboolean ok = TRUE;
        for (guint i = 1; lines[i]; i++) {
                if (!*lines[i])
                        continue;
                gchar **col = g_strsplit(lines[i], "\t", -1);
                if (g_strv_length(col) != 7) {
                        g_printerr("%s:%u: %u columns, not 7\n", path, i + 1, g_strv_length(col));
                        ok = FALSE;
                        g_strfreev(col);
                        continue;
                }
                const char *name = col[0], *want = col[1];
                ReleaseInfo r;
                struct timespec a, b;
                clock_gettime(CLOCK_MONOTONIC, &a);
                release_name_parse(name, NULL, &r);
                clock_gettime(CLOCK_MONOTONIC, &b);
                *seconds += (double) (b.tv_sec - a.tv_sec) + (double) (b.tv_nsec - a.tv_nsec) / 1e9;
                g_assert_true(g_utf8_validate(r.title, -1, NULL));
                if (strcmp(want, "skip") == 0) {
                        s->skipped++;
                        g_strfreev(col);
                        continue;
                }
                if (strcmp(want, "movie") != 0 && strcmp(want, "episode") != 0 && strcmp(want, "extra") != 0) {
                        g_printerr("%s:%u: unknown type '%s'\n", path, i + 1, want);
                        ok = FALSE;
                        g_strfreev(col);
                        continue;
                }
                char ft[RELEASE_TITLE_MAX * 2], fw[RELEASE_TITLE_MAX * 2];
                fold(r.title, ft, sizeof ft);
                fold(col[2], fw, sizeof fw);
                gboolean right;
                if (strcmp(want, "extra") == 0)
                        right = r.extra != RELEASE_EXTRA_NONE;
                else
                        right = r.extra == RELEASE_EXTRA_NONE && strcmp(type_name(r.type), want) == 0 && strcmp(ft, fw) == 0 &&
                                r.year == num(col[3], 0) && r.season == num(col[4], RELEASE_ABSENT) &&
                                r.episode == num(col[5], RELEASE_ABSENT);
                s->scored++;
                if (right)
                        s->right++;
                else {
                        char js[RELEASE_JSON_MAX];
                        release_info_to_json(&r, js, sizeof js);
                        g_print("# miss %s\n#   want %s '%s' year %s season %s episode %s; got %s%s\n", name, want, col[2],
                                *col[3] ? col[3] : "-", *col[4] ? col[4] : "-", *col[5] ? col[5] : "-", js,
                                r.extra ? " (extra)" : "");
                }
                g_strfreev(col);
        }
        g_strfreev(lines);
        g_free(text);
        return ok;
}

static int by_name(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static void test_corpus(void) {
        const char *fixtures = g_getenv("KT_FIXTURES");
        g_assert_nonnull(fixtures);
        gchar *dir = g_build_filename(fixtures, "release-names", NULL);
        GDir *d = g_dir_open(dir, 0, NULL);
        g_assert_nonnull(d);
        GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
        const char *e;
        while ((e = g_dir_read_name(d)))
                if (g_str_has_suffix(e, ".tsv"))
                        g_ptr_array_add(files, g_strdup(e));
        g_dir_close(d);
        g_assert_cmpuint(files->len, >, 0);
        qsort(files->pdata, files->len, sizeof(char *), by_name);

        Score all = { 0 };
        double seconds = 0;
        gboolean ok = TRUE;
        GString *report = g_string_new(NULL);
        for (guint i = 0; i < files->len; i++) {
                gchar *path = g_build_filename(dir, files->pdata[i], NULL);
                Score s = { 0 };
                ok &= run_table(path, &s, &seconds);
                g_string_append_printf(report, "# %-14s %4u/%-4u named right = %5.1f %%  (%u skipped)\n", (char *) files->pdata[i],
                                       s.right, s.scored, s.scored ? 100.0 * s.right / s.scored : 0.0, s.skipped);
                all.scored += s.scored, all.right += s.right, all.skipped += s.skipped;
                g_free(path);
        }
        double pct = all.scored ? 100.0 * all.right / all.scored : 0.0;
        unsigned parsed = all.scored + all.skipped;
        g_print("%s# %-14s %4u/%-4u named right = %5.1f %%  (%u skipped)\n", report->str, "all", all.right, all.scored, pct,
                all.skipped);
        g_print("# %u names parsed in %.1f ms: %.2f us a name\n", parsed, seconds * 1e3, parsed ? seconds * 1e6 / parsed : 0.0);
        g_string_free(report, TRUE);
        g_ptr_array_unref(files);
        g_free(dir);
        g_assert_true(ok);
        g_assert_cmpuint(all.scored, >=, 500);
        if (pct < THRESHOLD)
                g_error("%.1f %% of %u real release names named right, below %.0f %%", pct, all.scored, THRESHOLD);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/release-name/corpus", test_corpus);
        return g_test_run();
}
