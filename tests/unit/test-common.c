/* SPDX-License-Identifier: MIT */
/* common/: what the daemon and kinoctl share must say what the contract says. */
#include <errno.h>
#include <glib.h>
#include <string.h>

#include "bus-names.h"
#include "categories.h"
#include "errors.h"
#include "list.h"
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

/* list.h: the links stay consistent in both directions whatever is removed. */
typedef struct Item Item;
struct Item {
        int n;
        LIST_FIELDS(Item, items);
        LIST_FIELDS(Item, others); /* one item on two lists at once */
};

static void check_list(Item *head, const char *want) {
        GString *got = g_string_new(NULL);
        Item *last = NULL;
        LIST_FOREACH(items, i, head) {
                g_assert_true(i->items_prev == last);
                g_string_append_printf(got, "%d", i->n);
                last = i;
        }
        /* …and back again. */
        GString *back = g_string_new(NULL);
        for (Item *i = last; i; i = i->items_prev)
                g_string_prepend_c(back, (char) ('0' + i->n));
        g_assert_cmpstr(got->str, ==, want);
        g_assert_cmpstr(back->str, ==, want);
        g_string_free(got, TRUE);
        g_string_free(back, TRUE);
}

static void test_list(void) {
        Item it[5];
        LIST_HEAD(Item, head) = NULL;
        LIST_HEAD(Item, others) = NULL;

        check_list(head, "");
        for (int i = 0; i < 5; i++) {
                it[i] = (Item) { .n = i };
                LIST_PREPEND(items, head, &it[i]);
                if (i % 2 == 0)
                        LIST_PREPEND(others, others, &it[i]);
        }
        check_list(head, "43210");

        LIST_REMOVE(items, head, &it[2]); /* the middle */
        g_assert_null(it[2].items_next);
        g_assert_null(it[2].items_prev);
        check_list(head, "4310");
        LIST_REMOVE(items, head, &it[4]); /* the first */
        check_list(head, "310");
        LIST_REMOVE(items, head, &it[0]); /* the last */
        check_list(head, "31");

        /* The other list did not notice. */
        GString *o = g_string_new(NULL);
        LIST_FOREACH(others, i, others)
                g_string_append_printf(o, "%d", i->n);
        g_assert_cmpstr(o->str, ==, "420");
        g_string_free(o, TRUE);

        /* Removing every item while walking. */
        LIST_PREPEND(items, head, &it[4]);
        LIST_FOREACH_SAFE(items, i, n, head)
                LIST_REMOVE(items, head, i);
        g_assert_null(head);
        check_list(head, "");
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/common/categories", test_categories);
        g_test_add_func("/common/names", test_names);
        g_test_add_func("/common/error-map", test_error_map);
        g_test_add_func("/common/list", test_list);
        return g_test_run();
}
