/* SPDX-License-Identifier: MIT */
/* The bridge's mpris.conf (clients/mpris/mpris-config.c): any bytes give a
 * configuration or an error naming the file; never a crash. */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "mpris-config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        MprisConfig c;
        GError *error = NULL;
        mpris_config_init(&c);
        if (!mpris_config_load_from_data(&c, (const char *) data, size, "fuzz.conf", &error)) {
                if (!error || !g_str_has_prefix(error->message, "fuzz.conf"))
                        abort();
                g_error_free(error);
        } else if (!(c.min_minutes >= 0 && c.min_minutes <= 1440) || !c.ignore || !c.only)
                abort();
        (void) mpris_config_player_allowed(&c, "mpv.instance12", "mpv");
        mpris_config_clear(&c);
        return 0;
}
