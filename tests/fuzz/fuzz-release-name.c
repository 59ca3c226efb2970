/* SPDX-License-Identifier: MIT */
/* The release-name parser (clients/mpris/release-name.c) on what a player
 * sends: the input is the path, then (split at NUL bytes) xesam:title and
 * Celluloid's show, season_number and episode_sort tags and
 * xesam:contentCreated. Any bytes give an answer, never a crash, and the
 * answer keeps the contract: a valid UTF-8 title that fits, absent fields
 * marked absent, the same answer twice, and an --identify line that is one
 * JSON object with only the contract's keys. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "release-name.h"

static bool utf8_valid(const char *s) {
        const unsigned char *p = (const unsigned char *) s;
        while (*p) {
                size_t n = *p < 0x80 ? 1 : (*p >> 5) == 6 ? 2 : (*p >> 4) == 14 ? 3 : (*p >> 3) == 30 ? 4 : 0;
                if (n == 0)
                        return false;
                for (size_t i = 1; i < n; i++)
                        if ((p[i] >> 6) != 2)
                                return false;
                p += n;
        }
        return true;
}

static void check(const ReleaseInfo *r) {
        if (r->type != RELEASE_UNKNOWN && r->type != RELEASE_MOVIE && r->type != RELEASE_EPISODE)
                abort();
        if (r->extra < RELEASE_EXTRA_NONE || r->extra > RELEASE_EXTRA_BONUS)
                abort();
        size_t n = strnlen(r->title, RELEASE_TITLE_MAX);
        if (n >= RELEASE_TITLE_MAX || !utf8_valid(r->title))
                abort();
        for (size_t i = 0; i < n; i++)
                if ((unsigned char) r->title[i] < 0x20 || r->title[i] == 0x7f)
                        abort(); /* no control character reaches a title */
        if (r->year != 0 && (r->year < 1890 || r->year > 2039))
                abort();
        if (r->season < RELEASE_ABSENT || r->episode < RELEASE_ABSENT || r->episode_last < RELEASE_ABSENT)
                abort();
        if (r->episode_last != RELEASE_ABSENT && r->episode_last <= r->episode)
                abort();
        if (r->type == RELEASE_MOVIE && (r->season != RELEASE_ABSENT || r->episode != RELEASE_ABSENT))
                abort();
        if (r->type == RELEASE_UNKNOWN && r->title[0] && !r->extra)
                abort(); /* a title makes it a movie or an episode */

        char buf[RELEASE_JSON_MAX];
        size_t len = release_info_to_json(r, buf, sizeof buf);
        if (len >= sizeof buf || strlen(buf) != len)
                abort();
        json_object *o = json_tokener_parse(buf);
        if (!o || !json_object_is_type(o, json_type_object))
                abort();
        json_object_object_foreach(o, key, val) {
                if (strcmp(key, "type") == 0) {
                        const char *t = json_object_get_string(val);
                        if (!json_object_is_type(val, json_type_string) || (strcmp(t, "movie") != 0 && strcmp(t, "episode") != 0))
                                abort();
                } else if (strcmp(key, "title") == 0) {
                        if (!json_object_is_type(val, json_type_string) || strcmp(json_object_get_string(val), r->title) != 0)
                                abort(); /* the escaping round-trips */
                } else if (strcmp(key, "year") == 0 || strcmp(key, "season") == 0 || strcmp(key, "episode") == 0) {
                        if (!json_object_is_type(val, json_type_int) || json_object_get_int(val) < 0)
                                abort();
                } else
                        abort();
        }
        json_object_put(o);
}

static bool same(const ReleaseInfo *a, const ReleaseInfo *b) {
        return a->type == b->type && a->extra == b->extra && strcmp(a->title, b->title) == 0 && a->year == b->year &&
               a->season == b->season && a->episode == b->episode && a->episode_last == b->episode_last &&
               a->aired_year == b->aired_year && a->aired_month == b->aired_month && a->aired_day == b->aired_day;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);
        if (!s)
                return 0;
        memcpy(s, data, size);
        s[size] = '\0';
        /* path \0 title \0 show \0 season \0 episode \0 created */
        const char *part[6] = { s, NULL, NULL, NULL, NULL, NULL };
        int k = 1;
        for (size_t i = 0; i < size && k < 6; i++)
                if (s[i] == '\0')
                        part[k++] = s + i + 1;
        ReleaseHints h = { .title = part[1], .show = part[2], .season = part[3], .episode = part[4], .created = part[5] };
        ReleaseInfo a, b;
        release_name_parse(part[0], k > 1 ? &h : NULL, &a);
        check(&a);
        release_name_parse(part[0], k > 1 ? &h : NULL, &b);
        if (!same(&a, &b))
                abort();
        free(s);
        return 0;
}
