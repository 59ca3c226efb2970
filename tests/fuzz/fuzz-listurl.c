/* SPDX-License-Identifier: MIT */
/* The trakt.tv list address a caller hands AddList (common/listurl.c): any
 * bytes give a parsed address or a reason, never a crash; what is accepted
 * is bounded, of the allowed characters, and parses to the same parts again
 * when written back as the canonical address. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "listurl.h"

static void check_part(const char *p) {
        size_t n = strlen(p);
        if (n == 0 || n > LISTURL_PART_MAX || strspn(p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-") != n)
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0'; /* D-Bus strings carry no NUL: the parser sees up to the first */
        ListUrl u;
        const char *why = NULL;
        if (listurl_parse(s, &u, &why) == 0) {
                check_part(u.user);
                check_part(u.slug);
                char canon[512];
                snprintf(canon, sizeof canon, "https://trakt.tv/users/%s/lists/%s", u.user, u.slug);
                ListUrl again;
                if (listurl_parse(canon, &again, NULL) != 0 || strcmp(again.user, u.user) != 0 || strcmp(again.slug, u.slug) != 0)
                        abort();
        } else if (!why || !*why)
                abort(); /* a refusal always says why */
        free(s);
        return 0;
}
