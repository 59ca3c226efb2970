/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "listurl.h"

#define EXAMPLE "https://trakt.tv/users/NAME/lists/SLUG"

typedef struct Span {
        const char *p;
        size_t n;
} Span;

static bool ascii_alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool part_char(char c) {
        return ascii_alnum(c) || c == '-' || c == '_' || c == '.';
}

static char ascii_lower(char c) {
        return c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c;
}

static bool span_caseeq(Span s, const char *lit) {
        size_t n = strlen(lit);
        if (s.n != n)
                return false;
        for (size_t i = 0; i < n; i++)
                if (ascii_lower(s.p[i]) != lit[i])
                        return false;
        return true;
}

static bool span_eq(Span s, const char *lit) {
        return s.n == strlen(lit) && memcmp(s.p, lit, s.n) == 0;
}

static bool is_space(char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int hexval(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        c = ascii_lower(c);
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        return -1;
}

static bool only_dots(const char *s) {
        for (; *s; s++)
                if (*s != '.')
                        return false;
        return true;
}

bool listurl_part_valid(const char *s) {
        size_t n = 0;
        if (!s || !*s)
                return false;
        for (; s[n]; n++)
                if (n >= LISTURL_PART_MAX || !part_char(s[n]))
                        return false;
        return !only_dots(s);
}

/* The sentences for the two parts: [0] the user name, [1] the list name. */
static const char *const reason_escape[2] = {
        "The user name in the address has a malformed percent-escape; copy the address again from the browser.",
        "The list name in the address has a malformed percent-escape; copy the address again from the browser.",
};
static const char *const reason_chars[2] = {
        "The user name in the address may only contain letters, digits, '-', '_' and '.'; copy the address again from the browser.",
        "The list name in the address may only contain letters, digits, '-', '_' and '.'; copy the address again from the browser.",
};
static const char *const reason_long[2] = {
        "The user name in the address is longer than 100 characters; copy the address again from the browser.",
        "The list name in the address is longer than 100 characters; copy the address again from the browser.",
};
static const char *const reason_dots[2] = {
        "The user name in the address is only dots; copy the address again from the browser.",
        "The list name in the address is only dots; copy the address again from the browser.",
};

/* Decode percent-escapes of s into out (LISTURL_PART_MAX + 1 bytes), then check it. */
static const char *decode_part(Span s, char *out, int which) {
        size_t n = 0;

        for (size_t i = 0; i < s.n; i++) {
                char c = s.p[i];
                if (c == '%') {
                        if (i + 2 >= s.n)
                                return reason_escape[which];
                        int h = hexval(s.p[i + 1]), l = hexval(s.p[i + 2]);
                        if (h < 0 || l < 0)
                                return reason_escape[which];
                        c = (char) (h * 16 + l);
                        i += 2;
                }
                if (!part_char(c))
                        return reason_chars[which];
                if (n >= LISTURL_PART_MAX)
                        return reason_long[which];
                out[n++] = c;
        }
        out[n] = 0;
        if (only_dots(out))
                return reason_dots[which];
        return NULL;
}

static const char *parse(const char *url, ListUrl *ret) {
        if (!url)
                return "The address is empty; paste a list address like " EXAMPLE ".";

        /* A paste often brings a newline or spaces around the address. */
        const char *p = url, *end = url + strlen(url);
        while (p < end && is_space(*p))
                p++;
        while (end > p && is_space(end[-1]))
                end--;
        if (p == end)
                return "The address is empty; paste a list address like " EXAMPLE ".";
        if ((size_t) (end - p) > LISTURL_MAX)
                return "The address is longer than 2048 characters; copy the list's address again from the browser.";
        for (const char *q = p; q < end; q++)
                if ((unsigned char) *q <= 0x20 || (unsigned char) *q >= 0x7f)
                        return "The address contains a space, a control character or a non-ASCII character; copy it again from the browser's address bar.";

        /* Scheme. */
        Span s = { p, (size_t) (end - p) };
        if (s.n >= 8 && span_caseeq((Span) { p, 8 }, "https://"))
                p += 8;
        else if (s.n >= 7 && span_caseeq((Span) { p, 7 }, "http://"))
                p += 7;
        else
                return "The address must start with https:// (or http://), as in " EXAMPLE ".";

        /* Authority: up to the path, query or fragment. */
        const char *a = p;
        while (p < end && *p != '/' && *p != '?' && *p != '#')
                p++;
        Span host = { a, (size_t) (p - a) };
        if (host.n == 0)
                return "The address has no host after the scheme; it must be on trakt.tv, as in " EXAMPLE ".";
        if (memchr(host.p, '@', host.n))
                return "The address has a user name or password before the host (an '@'); Trakt list addresses have none.";
        if (host.p[0] == '[')
                return "The address is not on trakt.tv; only lists on trakt.tv can be followed.";
        if (memchr(host.p, ':', host.n))
                return "The address names a port after the host; Trakt list addresses have none.";
        if (!span_caseeq(host, "trakt.tv") && !span_caseeq(host, "www.trakt.tv"))
                return "The address is not on trakt.tv; only lists on trakt.tv can be followed.";

        /* Path: up to the query or fragment, which are ignored. */
        const char *path = p;
        while (p < end && *p != '?' && *p != '#')
                p++;
        const char *path_end = p;

        Span seg[5];
        size_t n = 0;
        bool more = false;
        if (path < path_end) {
                const char *q = path + 1; /* after the leading '/' */
                for (;;) {
                        const char *slash = memchr(q, '/', (size_t) (path_end - q));
                        const char *e = slash ?: path_end;
                        if (n < sizeof seg / sizeof seg[0])
                                seg[n++] = (Span) { q, (size_t) (e - q) };
                        else
                                more = true;
                        if (!slash)
                                break;
                        q = slash + 1;
                }
        }
        /* One trailing slash is fine: "/users/a/lists/b/" splits with an empty last segment. */
        if (!more && n > 1 && seg[n - 1].n == 0)
                n--;
        if (n == 0 || (n == 1 && seg[0].n == 0))
                return "The address does not name a list; it should look like " EXAMPLE ".";
        if (!span_eq(seg[0], "users"))
                return "The address is not a user's list; it should look like " EXAMPLE ".";
        if (n == 1)
                return "The address has nothing after /users/; it should look like " EXAMPLE ".";
        if (seg[1].n == 0)
                return "The address has no user name after /users/; it should look like " EXAMPLE ".";
        if (n == 2)
                return "The address names a user but no list; open the list on trakt.tv and copy its address.";
        if (!span_eq(seg[2], "lists"))
                return "The address is not a custom list (…/lists/SLUG); watchlists and other pages cannot be followed.";
        if (n == 3 || seg[3].n == 0)
                return "The address has no list name after /lists/; open the list on trakt.tv and copy its address.";
        if (n > 4 || more)
                return "The address goes on after the list's name; use the list's own address, ending in /lists/SLUG.";

        ListUrl out = {};
        const char *why = decode_part(seg[1], out.user, 0);
        if (!why)
                why = decode_part(seg[3], out.slug, 1);
        if (why)
                return why;
        out.numeric = true;
        for (const char *d = out.slug; *d; d++)
                if (*d < '0' || *d > '9')
                        out.numeric = false;
        *ret = out;
        return NULL;
}

int listurl_parse(const char *url, ListUrl *ret, const char **ret_reason) {
        const char *why = parse(url, ret);
        if (ret_reason)
                *ret_reason = why;
        return why ? -EINVAL : 0;
}

char *listurl_canonical(const char *user, const char *slug, char *buf, size_t n) {
        int k = snprintf(buf, n, "https://trakt.tv/users/%s/lists/%s", user, slug);
        if (k < 0 || (size_t) k >= n)
                return NULL;
        return buf;
}
