/* SPDX-License-Identifier: MIT */
/* The media dictionary a caller sends over D-Bus (daemon/media.c). The input
 * is one entry per line, "KEY<TAB>TYPE<TAB>VALUE" with TYPE s, u or b (any
 * other letter is a variant of another type), so the fuzzer can build any
 * dictionary the bus could carry: unknown keys, wrong types, huge strings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "media.h"
#include "trakt-parse.h"

#define MAX_FIELDS 48

static const char *const collection_extra[] = { "media_type", "resolution", "hdr", "audio", "audio_channels", "3d", NULL };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        MediaField fields[MAX_FIELDS];
        size_t n = 0;
        char *buf = malloc(size + 1);
        if (!buf)
                return 0;
        memcpy(buf, data, size);
        buf[size] = '\0';

        for (char *line = buf, *next; line && n < MAX_FIELDS; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                char *t1 = strchr(line, '\t');
                if (!t1)
                        continue;
                *t1 = '\0';
                char *t2 = strchr(t1 + 1, '\t');
                if (!t2)
                        continue;
                *t2 = '\0';
                MediaField *f = &fields[n++];
                *f = (MediaField) { .key = line, .type = t1[1] ? t1[1] : 's' };
                if (f->type == 's')
                        f->s = t2 + 1;
                else
                        f->u = (uint32_t) strtoul(t2 + 1, NULL, 10);
        }

        for (int pass = 0; pass < 2; pass++) {
                TraktMedia m = {};
                char *why = NULL;
                if (media_from_fields(fields, n, pass ? collection_extra : NULL, &m, &why) >= 0) {
                        char *key = trakt_media_key(&m);
                        char **keys = trakt_media_keys(&m);
                        struct json_object *w = trakt_media_wrapper(&m);
                        if (w) {
                                /* What the daemon stores must read back as the same item. */
                                TraktMedia back = {};
                                if (trakt_parse_media(w, TRAKT_NONE, &back) >= 0) {
                                        char *k2 = trakt_media_key(&back);
                                        if (key && k2 && strcmp(key, k2) != 0)
                                                abort();
                                        free(k2);
                                        trakt_media_done(&back);
                                }
                                json_object_put(w);
                        }
                        trakt_strv_free(keys);
                        free(key);
                        trakt_media_done(&m);
                }
                free(why);
        }
        free(buf);
        return 0;
}
