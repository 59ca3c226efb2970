/* SPDX-License-Identifier: MIT */
/* /etc/kino/trakt.conf (daemon/config.c): any bytes give a config or an
 * error that names the file, the line and the key; never a crash. */
#include <stdint.h>
#include <stdlib.h>

#include "config.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        Config c;
        GError *error = NULL;
        config_init_defaults(&c);
        if (!config_load_from_data(&c, (const char *) data, size, "fuzz.conf", &error)) {
                if (!error || !error->message || !*error->message)
                        abort(); /* a refusal always says why */
                g_error_free(error);
        }
        config_done(&c);
        return 0;
}
