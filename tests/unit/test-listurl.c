/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "listurl.h"

static void good(const char *url, const char *user, const char *slug, bool numeric) {
        ListUrl u;
        const char *why = NULL;
        memset(&u, 0xaa, sizeof u);
        if (listurl_parse(url, &u, &why) < 0)
                g_error("'%s' rejected: %s", url, why);
        g_assert_null(why);
        g_assert_cmpstr(u.user, ==, user);
        g_assert_cmpstr(u.slug, ==, slug);
        g_assert_cmpint(u.numeric, ==, numeric);
}

/* Rejected, with one sentence (ends with a period, no newline) containing needle. */
static void bad(const char *url, const char *needle) {
        ListUrl u = { .user = "untouched" };
        const char *why = NULL;
        g_assert_cmpint(listurl_parse(url, &u, &why), ==, -EINVAL);
        g_assert_nonnull(why);
        if (!strstr(why, needle))
                g_error("'%s': reason '%s' lacks '%s'", url, why, needle);
        g_assert_true(g_str_has_suffix(why, "."));
        g_assert_null(strchr(why, '\n'));
        g_assert_cmpstr(u.user, ==, "untouched");
}

static void test_accepts(void) {
        good("https://trakt.tv/users/sean/lists/star-wars-in-machete-order", "sean", "star-wars-in-machete-order", false);
        good("http://trakt.tv/users/sean/lists/star-wars-in-machete-order", "sean", "star-wars-in-machete-order", false);
        good("https://www.trakt.tv/users/sean/lists/picks", "sean", "picks", false);
        good("https://trakt.tv/users/sean/lists/picks/", "sean", "picks", false);
        good("https://trakt.tv/users/sean/lists/picks?sort=rank,asc", "sean", "picks", false);
        good("https://trakt.tv/users/sean/lists/picks#top", "sean", "picks", false);
        good("https://trakt.tv/users/sean/lists/picks/?page=2#x", "sean", "picks", false);
        good("https://trakt.tv/users/sean/lists/picks?", "sean", "picks", false);
        good("https://trakt.tv/users/sean/lists/picks#", "sean", "picks", false);
        good("https://trakt.tv/users/sean/lists/picks?a=/b/c", "sean", "picks", false);
        /* case-insensitive scheme and host; the parts keep their case */
        good("HTTPS://TRAKT.TV/users/Sean/lists/Picks", "Sean", "Picks", false);
        good("Http://WwW.Trakt.Tv/users/sean/lists/picks", "sean", "picks", false);
        /* numeric list ids (docs/trakt-api.md §7) */
        good("https://trakt.tv/users/sean/lists/55", "sean", "55", true);
        good("https://trakt.tv/users/sean/lists/0123456789", "sean", "0123456789", true);
        good("https://trakt.tv/users/123/lists/abc", "123", "abc", false);
        /* the characters Trakt uses */
        good("https://trakt.tv/users/kino_tester/lists/a.b-c_d", "kino_tester", "a.b-c_d", false);
        good("https://trakt.tv/users/a/lists/b", "a", "b", false);
        good("https://trakt.tv/users/me/lists/b", "me", "b", false);
        good("https://trakt.tv/users/.a./lists/..b", ".a.", "..b", false);
        /* percent-escapes are decoded */
        good("https://trakt.tv/users/sean/lists/star%2Dwars", "sean", "star-wars", false);
        good("https://trakt.tv/users/s%65an/lists/x%5fy", "sean", "x_y", false);
        good("https://trakt.tv/users/%73%65%61%6E/lists/%35%35", "sean", "55", true);
        /* a paste with whitespace around it */
        good("  https://trakt.tv/users/sean/lists/picks\n", "sean", "picks", false);
        good("\thttps://trakt.tv/users/sean/lists/picks \r\n", "sean", "picks", false);
}

static void test_lengths(void) {
        char name[LISTURL_PART_MAX + 2], url[4096];

        memset(name, 'a', LISTURL_PART_MAX);
        name[LISTURL_PART_MAX] = 0;
        g_snprintf(url, sizeof url, "https://trakt.tv/users/%s/lists/%s", name, name);
        good(url, name, name, false);

        /* a part of 100 characters written with escapes is 100 characters */
        GString *esc = g_string_new("https://trakt.tv/users/u/lists/");
        for (int i = 0; i < LISTURL_PART_MAX; i++)
                g_string_append(esc, "%61");
        good(esc->str, "u", name, false);
        g_string_append(esc, "%61");
        bad(esc->str, "longer than 100");
        g_string_free(esc, TRUE);

        memset(name, 'a', LISTURL_PART_MAX + 1);
        name[LISTURL_PART_MAX + 1] = 0;
        g_snprintf(url, sizeof url, "https://trakt.tv/users/%s/lists/b", name);
        bad(url, "user name in the address is longer than 100");
        g_snprintf(url, sizeof url, "https://trakt.tv/users/a/lists/%s", name);
        bad(url, "list name in the address is longer than 100");

        /* the whole address: a query makes it long, 2048 is the limit */
        GString *s = g_string_new("https://trakt.tv/users/sean/lists/picks?q=");
        while (s->len < LISTURL_MAX)
                g_string_append_c(s, 'x');
        good(s->str, "sean", "picks", false);
        g_string_append_c(s, 'x');
        bad(s->str, "longer than 2048");
        /* a megabyte of it */
        while (s->len < 1024 * 1024)
                g_string_append(s, "xxxxxxxxxxxxxxxx");
        bad(s->str, "longer than 2048");
        g_string_free(s, TRUE);

        /* many segments never overflow anything */
        GString *deep = g_string_new("https://trakt.tv/users/a/lists/b");
        for (int i = 0; i < 1000; i++)
                g_string_append(deep, "/x");
        bad(deep->str, "goes on after");
        g_string_free(deep, TRUE);
}

static void test_rejects_form(void) {
        bad(NULL, "empty");
        bad("", "empty");
        bad("   \n\t", "empty");
        bad("trakt.tv/users/sean/lists/picks", "must start with https://");
        bad("www.trakt.tv/users/sean/lists/picks", "must start with https://");
        bad("ftp://trakt.tv/users/sean/lists/picks", "must start with https://");
        bad("https:/trakt.tv/users/sean/lists/picks", "must start with https://");
        bad("https//trakt.tv/users/sean/lists/picks", "must start with https://");
        bad("javascript:alert(1)", "must start with https://");
        bad("sean/picks", "must start with https://");
        bad("55", "must start with https://");
        bad("https://", "no host");
        bad("https:///users/sean/lists/picks", "no host");
        bad("https://?x", "no host");
}

static void test_rejects_host(void) {
        bad("https://example.com/users/sean/lists/picks", "not on trakt.tv");
        bad("https://api.trakt.tv/users/sean/lists/picks", "not on trakt.tv");
        bad("https://trakt.tv.evil.com/users/sean/lists/picks", "not on trakt.tv");
        bad("https://eviltrakt.tv/users/sean/lists/picks", "not on trakt.tv");
        bad("https://trakt.tv./users/sean/lists/picks", "not on trakt.tv");
        bad("https://www.www.trakt.tv/users/sean/lists/picks", "not on trakt.tv");
        bad("https://trakt.com/users/sean/lists/picks", "not on trakt.tv");
        bad("https://[::1]/users/sean/lists/picks", "not on trakt.tv");
        bad("https://127.0.0.1/users/sean/lists/picks", "not on trakt.tv");
        bad("https://trakt%2Etv/users/sean/lists/picks", "not on trakt.tv");
        /* userinfo, also the classic trick */
        bad("https://user@trakt.tv/users/sean/lists/picks", "before the host");
        bad("https://user:pw@trakt.tv/users/sean/lists/picks", "before the host");
        bad("https://trakt.tv@evil.com/users/sean/lists/picks", "before the host");
        bad("https://@trakt.tv/users/sean/lists/picks", "before the host");
        /* ports, any of them */
        bad("https://trakt.tv:443/users/sean/lists/picks", "port");
        bad("https://trakt.tv:8080/users/sean/lists/picks", "port");
        bad("https://trakt.tv:/users/sean/lists/picks", "port");
        bad("http://www.trakt.tv:80/users/sean/lists/picks", "port");
}

static void test_rejects_path(void) {
        bad("https://trakt.tv", "does not name a list");
        bad("https://trakt.tv/", "does not name a list");
        bad("https://trakt.tv?users/sean/lists/picks", "does not name a list");
        bad("https://trakt.tv#/users/sean/lists/picks", "does not name a list");
        bad("https://trakt.tv/lists/123", "not a user's list");
        bad("https://trakt.tv/movies/tron-legacy-2010", "not a user's list");
        bad("https://trakt.tv/Users/sean/lists/picks", "not a user's list");
        bad("https://trakt.tv//users/sean/lists/picks", "not a user's list");
        bad("https://trakt.tv/users", "nothing after /users/");
        bad("https://trakt.tv/users/", "nothing after /users/");
        bad("https://trakt.tv/users//lists/picks", "no user name");
        bad("https://trakt.tv/users/sean", "names a user but no list");
        bad("https://trakt.tv/users/sean/", "names a user but no list");
        bad("https://trakt.tv/users/sean/watchlist", "not a custom list");
        bad("https://trakt.tv/users/sean/Lists/picks", "not a custom list");
        bad("https://trakt.tv/users/sean/history/picks", "not a custom list");
        bad("https://trakt.tv/users/sean/lists", "no list name");
        bad("https://trakt.tv/users/sean/lists/", "no list name");
        bad("https://trakt.tv/users/sean/lists//", "no list name");
        bad("https://trakt.tv/users/sean/lists/?x", "no list name");
        bad("https://trakt.tv/users/sean/lists/picks/items", "goes on after");
        bad("https://trakt.tv/users/sean/lists/picks/comments/all", "goes on after");
        bad("https://trakt.tv/users/sean/lists/picks//", "goes on after");
        bad("https://trakt.tv/users/sean/lists/picks/../../x", "goes on after");
}

static void test_rejects_parts(void) {
        bad("https://trakt.tv/users/se+an/lists/picks", "user name in the address may only contain");
        bad("https://trakt.tv/users/sean/lists/pi~cks", "list name in the address may only contain");
        bad("https://trakt.tv/users/sean/lists/pi!cks", "list name in the address may only contain");
        bad("https://trakt.tv/users/sean/lists/a;b", "may only contain");
        bad("https://trakt.tv/users/sean/lists/a,b", "may only contain");
        bad("https://trakt.tv/users/sean/lists/a'b", "may only contain");
        /* escapes that decode to something outside the set, or are broken */
        bad("https://trakt.tv/users/sean/lists/a%2Fb", "list name in the address may only contain");
        bad("https://trakt.tv/users/sean%2Fx/lists/b", "user name in the address may only contain");
        bad("https://trakt.tv/users/sean/lists/a%00b", "may only contain");
        bad("https://trakt.tv/users/sean/lists/a%20b", "may only contain");
        bad("https://trakt.tv/users/sean/lists/a%25", "may only contain");
        bad("https://trakt.tv/users/sean/lists/%C3%A9t%C3%A9", "may only contain");
        bad("https://trakt.tv/users/sean/lists/a%", "malformed percent-escape");
        bad("https://trakt.tv/users/sean/lists/a%4", "malformed percent-escape");
        bad("https://trakt.tv/users/sean/lists/a%4g", "malformed percent-escape");
        bad("https://trakt.tv/users/s%zzean/lists/a", "user name in the address has a malformed");
        bad("https://trakt.tv/users/sean/lists/%", "malformed percent-escape");
        /* dot segments never reach Trakt's path */
        bad("https://trakt.tv/users/../lists/picks", "only dots");
        bad("https://trakt.tv/users/sean/lists/..", "only dots");
        bad("https://trakt.tv/users/sean/lists/.", "only dots");
        bad("https://trakt.tv/users/sean/lists/%2E%2E", "only dots");
}

static void test_rejects_characters(void) {
        bad("https://trakt.tv/users/sean/lists/pi cks", "a space");
        bad("https://trakt.tv/users/sean /lists/picks", "a space");
        bad("https://trakt.tv/users/sean/lists/picks\n/x", "control character");
        bad("https://trakt.tv/users/sean/lists/pi\x7f" "cks", "control character");
        bad("https://trakt.tv/users/sean/lists/pi\tcks", "control character");
        /* unicode, raw: in the list name, the host, the user name */
        bad("https://trakt.tv/users/sean/lists/été", "non-ASCII");
        bad("https://trakt.tv/users/séan/lists/picks", "non-ASCII");
        bad("https://trakt.tv/users/sean/lists/\xe2\x80\x8bpicks", "non-ASCII"); /* zero-width space */
        bad("https://trаkt.tv/users/sean/lists/picks", "non-ASCII");                /* Cyrillic а */
        bad("https://trakt.tv/users/sean/lists/picks\xff", "non-ASCII");          /* not UTF-8 at all */
        bad("https://trakt.tv\xef\xbc\x8f" "users/sean/lists/picks", "non-ASCII"); /* fullwidth solidus */
}

static void test_part_valid_and_canonical(void) {
        char buf[LISTURL_CANONICAL_MAX], name[LISTURL_PART_MAX + 2];

        g_assert_true(listurl_part_valid("sean"));
        g_assert_true(listurl_part_valid("a.b-c_d9"));
        g_assert_false(listurl_part_valid(NULL));
        g_assert_false(listurl_part_valid(""));
        g_assert_false(listurl_part_valid(".."));
        g_assert_false(listurl_part_valid("a/b"));
        g_assert_false(listurl_part_valid("a%2Db"));
        g_assert_false(listurl_part_valid("été"));
        memset(name, 'a', LISTURL_PART_MAX);
        name[LISTURL_PART_MAX] = 0;
        g_assert_true(listurl_part_valid(name));
        name[LISTURL_PART_MAX] = 'a';
        name[LISTURL_PART_MAX + 1] = 0;
        g_assert_false(listurl_part_valid(name));

        g_assert_cmpstr(listurl_canonical("sean", "picks", buf, sizeof buf), ==, "https://trakt.tv/users/sean/lists/picks");
        g_assert_null(listurl_canonical("sean", "picks", buf, 10));
        name[LISTURL_PART_MAX] = 0;
        g_assert_nonnull(listurl_canonical(name, name, buf, sizeof buf));

        /* what the parser accepts, canonicalised, parses to the same parts */
        ListUrl u, v;
        g_assert_cmpint(listurl_parse(" HTTP://WWW.trakt.tv/users/s%65an/lists/55/?x#y ", &u, NULL), ==, 0);
        g_assert_nonnull(listurl_canonical(u.user, u.slug, buf, sizeof buf));
        g_assert_cmpstr(buf, ==, "https://trakt.tv/users/sean/lists/55");
        g_assert_cmpint(listurl_parse(buf, &v, NULL), ==, 0);
        g_assert_cmpstr(u.user, ==, v.user);
        g_assert_cmpstr(u.slug, ==, v.slug);
        g_assert_true(v.numeric);
        /* the reason is optional */
        g_assert_cmpint(listurl_parse("nope", &u, NULL), ==, -EINVAL);
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/listurl/accepts", test_accepts);
        g_test_add_func("/listurl/lengths", test_lengths);
        g_test_add_func("/listurl/rejects-form", test_rejects_form);
        g_test_add_func("/listurl/rejects-host", test_rejects_host);
        g_test_add_func("/listurl/rejects-path", test_rejects_path);
        g_test_add_func("/listurl/rejects-parts", test_rejects_parts);
        g_test_add_func("/listurl/rejects-characters", test_rejects_characters);
        g_test_add_func("/listurl/part-valid-and-canonical", test_part_valid_and_canonical);
        return g_test_run();
}
