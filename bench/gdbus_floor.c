/* SPDX-License-Identifier: MIT */
/* The floor for bench/mpris_bench.py: the smallest GDBus client there is
 * (connect to the session bus, sit in a main loop). Its memory is what any
 * GLib program on the bus costs; the bridge's figures are read against it. */
#include <gio/gio.h>

int main(void) {
        g_autoptr(GError) e = NULL;
        g_autoptr(GDBusConnection) c = g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &e);
        if (!c) {
                g_printerr("%s\n", e->message);
                return 1;
        }
        g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
        g_main_loop_run(loop);
        return 0;
}
