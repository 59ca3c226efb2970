/* SPDX-License-Identifier: MIT */
/* common/: what the daemon and kinoctl share must say what the contract says. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "bus-names.h"
#include "categories.h"
#include "errors.h"
#include "util.h"

static void test_categories(void) {
        /* The contract's list, in its order (docs/dbus-api.md, SetSyncEnabled). */
        static const char *const contract[] = { "scrobble", "history", "ratings", "watchlist", "collection", "resume", "recommendations" };
        g_assert_cmpuint(ELEMENTSOF(kt_categories), ==, ELEMENTSOF(contract));
        for (size_t i = 0; i < ELEMENTSOF(contract); i++) {
                g_assert_cmpstr(kt_categories[i], ==, contract[i]);
                g_assert_cmpint(kt_category_from_string(contract[i]), ==, (int) i);
                g_assert_true(kt_category_valid(contract[i]));
        }
        g_assert_cmpint(KT_CATEGORY_SCROBBLE, ==, 0);
        g_assert_cmpstr(kt_categories[KT_CATEGORY_RECOMMENDATIONS], ==, "recommendations");

        static const char *const bad[] = { "bogus", "", "Ratings", "scrobble ", " history", "resume_points", "recommendation" };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                g_assert_cmpint(kt_category_from_string(bad[i]), ==, -1);
                g_assert_false(kt_category_valid(bad[i]));
        }
        g_assert_cmpint(kt_category_from_string(NULL), ==, -1);

        /* The sentence names the same list in the same order. */
        g_autoptr(GString) joined = g_string_new(NULL);
        for (size_t i = 0; i < ELEMENTSOF(kt_categories); i++)
                g_string_append_printf(joined, "%s%s", i > 0 ? ", " : "", kt_categories[i]);
        g_assert_cmpstr(KT_CATEGORIES_TEXT, ==, joined->str);
}

static void test_names(void) {
        g_assert_cmpstr(KT_BUS_NAME, ==, "org.kino.Trakt");
        g_assert_cmpstr(KT_OBJECT_PATH, ==, "/org/kino/Trakt");
        g_assert_cmpstr(KT_INTERFACE, ==, "org.kino.Trakt");
        g_assert_cmpstr(KT_SESSION_INTERFACE, ==, "org.kino.Trakt.Session");
}

/* Each error of the namespace maps to its errno and back, through sd-bus. */
static void test_error_map(void) {
        static const struct {
                const char *name;
                int error;
        } want[] = {
                { KT_ERROR_NOT_CONFIGURED, ENOKEY },
                { KT_ERROR_NOT_CONNECTED, ENOTCONN },
                { KT_ERROR_ALREADY_CONNECTED, EISCONN },
                { KT_ERROR_AUTHORIZATION_PENDING, EINPROGRESS },
                { KT_ERROR_BUSY, EBUSY },
                { KT_ERROR_SYSTEM_LIST, EPERM },
                { KT_ERROR_NOT_FOUND, ENOENT },
                { KT_ERROR_TRAKT_UNAVAILABLE, EHOSTUNREACH },
        };
        g_assert_cmpint(sd_bus_error_add_map(kt_error_map), >=, 0);
        size_t n = 0;
        for (const sd_bus_error_map *m = kt_error_map; m->name; m++)
                n++;
        g_assert_cmpuint(n, ==, ELEMENTSOF(want));
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                g_assert_true(g_str_has_prefix(want[i].name, "org.kino.Trakt.Error."));
                sd_bus_error e = SD_BUS_ERROR_NULL;
                g_assert_cmpint(sd_bus_error_set(&e, want[i].name, "x"), ==, -want[i].error);
                g_assert_cmpint(sd_bus_error_get_errno(&e), ==, want[i].error);
                sd_bus_error_free(&e);
        }
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/common/categories", test_categories);
        g_test_add_func("/common/names", test_names);
        g_test_add_func("/common/error-map", test_error_map);
        return g_test_run();
}
