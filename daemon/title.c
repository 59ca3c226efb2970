/* SPDX-License-Identifier: MIT */
#include <ctype.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "title.h"

static bool is_apostrophe(gunichar u) {
        return u == '\'' || u == '`' || u == 0x2018 || u == 0x2019 || u == 0x02BC || u == 0x00B4;
}

/* Strip a trailing "(YYYY)" (Trakt writes a few titles so) and a trailing
 * ", The" / ", A" / ", An" (library sort order) from the lower-cased words. */
static void strip_tail(GString *g) {
        size_t n = g->len;
        if (n >= 6 && g->str[n - 1] == ')' && g->str[n - 6] == '(' && isdigit((unsigned char) g->str[n - 5]) &&
            isdigit((unsigned char) g->str[n - 4]) && isdigit((unsigned char) g->str[n - 3]) &&
            isdigit((unsigned char) g->str[n - 2]) && n > 6) {
                g_string_truncate(g, n - 6);
                while (g->len > 0 && g->str[g->len - 1] == ' ')
                        g_string_truncate(g, g->len - 1);
        }
        static const char *const tails[] = { ", the", ", a", ", an" };
        for (size_t i = 0; i < G_N_ELEMENTS(tails); i++)
                if (g_str_has_suffix(g->str, tails[i]) && g->len > strlen(tails[i])) {
                        g_string_truncate(g, g->len - strlen(tails[i]));
                        break;
                }
}

char *title_normalize(const char *title) {
        g_autofree char *valid = g_utf8_make_valid(title ? title : "", -1);
        g_autofree char *lower = g_utf8_strdown(valid, -1);
        GString *tail = g_string_new(lower);
        strip_tail(tail);
        g_autofree char *decomposed = g_utf8_normalize(tail->str, -1, G_NORMALIZE_ALL);
        g_string_free(tail, TRUE);
        if (!decomposed)
                return NULL;

        GString *out = g_string_new(NULL);
        bool space = true; /* at the start: no leading space */
        for (const char *p = decomposed; *p; p = g_utf8_next_char(p)) {
                gunichar u = g_utf8_get_char(p);
                /* Dropped, not spaces: "Schindler's" and "Schindlers", "S.W.A.T." and "SWAT". */
                if (g_unichar_ismark(u) || is_apostrophe(u) || u == '.')
                        continue;
                if (u == '&') {
                        if (!space)
                                g_string_append_c(out, ' ');
                        g_string_append(out, "and ");
                        space = true;
                } else if (g_unichar_isalnum(u)) {
                        g_string_append_unichar(out, g_unichar_tolower(u));
                        space = false;
                } else if (!space) {
                        g_string_append_c(out, ' ');
                        space = true;
                }
        }
        while (out->len > 0 && out->str[out->len - 1] == ' ')
                g_string_truncate(out, out->len - 1);

        static const char *const articles[] = { "the ", "a ", "an " };
        for (size_t i = 0; i < G_N_ELEMENTS(articles); i++)
                if (g_str_has_prefix(out->str, articles[i]) && out->len > strlen(articles[i])) {
                        g_string_erase(out, 0, (gssize) strlen(articles[i]));
                        break;
                }
        return g_string_free(out, FALSE);
}

bool title_equal(const char *a, const char *b) {
        g_autofree char *na = title_normalize(a);
        g_autofree char *nb = title_normalize(b);
        return na && nb && *na && strcmp(na, nb) == 0;
}

int title_pick(const TitleCandidate *c, size_t n, const char *title, unsigned year) {
        g_autofree char *want = title_normalize(title);
        int best[3] = { -1, -1, -1 }; /* by distance from the year asked for: 0, 1, any (no year asked) */

        if (!want || !*want)
                return -1;
        for (size_t i = 0; i < n && i < (size_t) G_MAXINT; i++) {
                g_autofree char *have = title_normalize(c[i].title);
                if (!have || strcmp(have, want) != 0)
                        continue;
                int tier;
                if (year == 0)
                        tier = 2;
                else if (c[i].year == year)
                        tier = 0;
                else if (c[i].year != 0 && (c[i].year + 1 == year || c[i].year == year + 1))
                        tier = 1;
                else
                        continue;
                /* Higher score wins; equal scores keep Trakt's order. */
                if (best[tier] < 0 || c[i].score > c[best[tier]].score)
                        best[tier] = (int) i;
        }
        for (size_t t = 0; t < G_N_ELEMENTS(best); t++)
                if (best[t] >= 0)
                        return best[t];
        return -1;
}
