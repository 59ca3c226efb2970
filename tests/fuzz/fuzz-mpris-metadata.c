/* SPDX-License-Identifier: MIT */
/* What any program on the session bus may send as MPRIS Metadata
 * (clients/mpris/metadata.c, then identify.c): the bytes as a serialized
 * a{sv}, which GVariant reads however malformed. Never a crash, a media
 * dictionary only of the contract's keys and types, strings the daemon
 * takes (≤ 1024 bytes, UTF-8). */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "identify.h"
#include "metadata.h"

static const char *const keys[] = { "type", "title", "year", "imdb", "tmdb", "show_title", "show_year",
                                    "show_imdb", "show_tmdb", "show_tvdb", "season", "episode" };

static void check_media(GVariant *media) {
        GVariantIter it;
        const char *k;
        GVariant *v;
        g_variant_iter_init(&it, media);
        while (g_variant_iter_loop(&it, "{&sv}", &k, &v)) {
                size_t i;
                for (i = 0; i < G_N_ELEMENTS(keys); i++)
                        if (strcmp(k, keys[i]) == 0)
                                break;
                if (i == G_N_ELEMENTS(keys))
                        abort();
                if (g_variant_is_of_type(v, G_VARIANT_TYPE_STRING)) {
                        gsize n;
                        const char *s = g_variant_get_string(v, &n);
                        if (n > 1024 || !g_utf8_validate(s, (gssize) n, NULL))
                                abort();
                } else if (!g_variant_is_of_type(v, G_VARIANT_TYPE_UINT32))
                        abort();
        }
        if (!g_variant_lookup(media, "type", "&s", &k))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        g_autoptr(GBytes) bytes = g_bytes_new(data, size);
        g_autoptr(GVariant) v = g_variant_ref_sink(g_variant_new_from_bytes(G_VARIANT_TYPE("a{sv}"), bytes, FALSE));
        MprisMetadata m;
        metadata_parse(v, &m);
        g_autofree char *key = metadata_item_key(&m);
        if (key && !g_utf8_validate(key, -1, NULL))
                abort(); /* it goes into the log */
        Identification id;
        identify(&m, &id);
        if (id.media)
                check_media(id.media);
        else if (!id.why || !*id.why)
                abort(); /* leaving it alone always says why */
        identification_clear(&id);
        metadata_clear(&m);
        return 0;
}
