/* SPDX-License-Identifier: MIT */
/* The polkit table against the contract (docs/dbus-api.md) and the interface
 * XML (dbus/org.kino.Trakt.xml): every method exported on org.kino.Trakt has
 * the action the contract names, a method added to the XML without an entry
 * here and in the table fails, and anything unknown is denied. */
#include <glib.h>
#include <string.h>

#include "bus-names.h"
#include "polkit-table.h"
#include "util.h"

/* The contract's "who (polkit action)" column; "" = public. */
static const struct {
        const char *member;
        const char *action;
} contract[] = {
        { "Configure", "org.kino.trakt.configure" },
        { "SetSyncEnabled", "org.kino.trakt.configure" },
        { "Connect", "org.kino.trakt.connect" },
        { "FinishConnect", "org.kino.trakt.connect" },
        { "CancelConnect", "org.kino.trakt.connect" },
        { "Disconnect", "org.kino.trakt.connect" },
        { "Import", "org.kino.trakt.connect" },
        { "SyncNow", "org.kino.trakt.use" },
        { "CreateSession", "org.kino.trakt.use" },
        { "Rate", "org.kino.trakt.use" },
        { "GetRating", "org.kino.trakt.use" },
        { "MarkWatched", "org.kino.trakt.use" },
        { "GetHistory", "org.kino.trakt.use" },
        { "GetResumePoint", "org.kino.trakt.use" },
        { "UpdateCollection", "org.kino.trakt.use" },
        { "GetLists", "org.kino.trakt.use" },
        { "GetListItems", "org.kino.trakt.use" },
        { "AddList", "org.kino.trakt.use" },
        { "RemoveList", "org.kino.trakt.use" },
        { "GetRecommendations", "org.kino.trakt.use" },
        { "CreateSessionFor", "org.kino.trakt.use" },
        { "ListSessions", "org.kino.trakt.use" },
        { "SetIncognito", "org.kino.trakt.use" },
        { "GetIncognito", "org.kino.trakt.use" },
        { "WatchSessions", "org.kino.trakt.use" },
        { "UnwatchSessions", "" }, /* it only ends the caller's own subscription */
};

static const char *contract_action(const char *member) {
        for (size_t i = 0; i < G_N_ELEMENTS(contract); i++)
                if (streq(contract[i].member, member))
                        return contract[i].action;
        return NULL;
}

/* ---- the methods of the interface XML, by interface ---- */

typedef struct {
        char *interface;    /* the <interface> we are in */
        GPtrArray *trakt;   /* members of org.kino.Trakt */
        GPtrArray *session; /* members of org.kino.Trakt.Session */
} Xml;

static void xml_start(GMarkupParseContext *ctx, const char *element, const char **names, const char **values, gpointer data,
                      GError **error) {
        Xml *x = data;
        const char *name = NULL;
        for (size_t i = 0; names[i]; i++)
                if (streq(names[i], "name"))
                        name = values[i];
        if (streq(element, "interface")) {
                g_free(x->interface);
                x->interface = g_strdup(name);
        } else if (streq(element, "method") && name && x->interface) {
                if (streq(x->interface, KT_INTERFACE))
                        g_ptr_array_add(x->trakt, g_strdup(name));
                else if (streq(x->interface, KT_SESSION_INTERFACE))
                        g_ptr_array_add(x->session, g_strdup(name));
        }
}

static void xml_end(GMarkupParseContext *ctx, const char *element, gpointer data, GError **error) {
        Xml *x = data;
        if (streq(element, "interface")) {
                g_free(x->interface);
                x->interface = NULL;
        }
}

static void xml_load(Xml *x) {
        const char *root = g_getenv("KT_SOURCE_ROOT");
        g_assert_nonnull(root);
        g_autofree char *path = g_build_filename(root, "dbus", "org.kino.Trakt.xml", NULL);
        g_autofree char *text = NULL;
        gsize n = 0;
        g_autoptr(GError) error = NULL;
        g_assert_true(g_file_get_contents(path, &text, &n, &error));
        g_assert_no_error(error);

        static const GMarkupParser parser = { .start_element = xml_start, .end_element = xml_end };
        *x = (Xml) { .trakt = g_ptr_array_new_with_free_func(g_free), .session = g_ptr_array_new_with_free_func(g_free) };
        GMarkupParseContext *ctx = g_markup_parse_context_new(&parser, 0, x, NULL);
        g_assert_true(g_markup_parse_context_parse(ctx, text, (gssize) n, &error));
        g_assert_true(g_markup_parse_context_end_parse(ctx, &error));
        g_assert_no_error(error);
        g_markup_parse_context_free(ctx);
}

static void xml_done(Xml *x) {
        g_free(x->interface);
        g_ptr_array_unref(x->trakt);
        g_ptr_array_unref(x->session);
}

/* Every org.kino.Trakt method of the XML has the contract's action in the
 * table: a new method without an entry is denied by default, and fails here. */
static void test_every_method_mapped(void) {
        Xml x;
        xml_load(&x);
        g_assert_cmpuint(x.trakt->len, >=, G_N_ELEMENTS(contract));
        for (guint i = 0; i < x.trakt->len; i++) {
                const char *member = g_ptr_array_index(x.trakt, i);
                const char *want = contract_action(member), *got = polkit_action_for(KT_INTERFACE, member);
                if (!want)
                        g_error("org.kino.Trakt.%s is in the interface XML but not in the contract's table of this test", member);
                if (!got)
                        g_error("org.kino.Trakt.%s has no entry in the polkit table: every caller would be refused", member);
                g_assert_cmpstr(got, ==, want);
        }
        xml_done(&x);
}

/* Nothing in the contract's list has gone from the XML unnoticed. */
static void test_contract_in_xml(void) {
        Xml x;
        xml_load(&x);
        for (size_t i = 0; i < G_N_ELEMENTS(contract); i++) {
                bool found = false;
                for (guint j = 0; j < x.trakt->len && !found; j++)
                        found = streq(g_ptr_array_index(x.trakt, j), contract[i].member);
                if (!found)
                        g_error("org.kino.Trakt.%s is in the contract but not in the interface XML", contract[i].member);
        }
        xml_done(&x);
}

/* The session's methods are its owner's alone (session-bus.c checks the
 * sender): no polkit action lets anyone else in. */
static void test_session_methods_not_in_table(void) {
        Xml x;
        xml_load(&x);
        g_assert_cmpuint(x.session->len, ==, 4); /* Start, Pause, Stop, Close */
        for (guint i = 0; i < x.session->len; i++)
                g_assert_null(polkit_action_for(KT_SESSION_INTERFACE, g_ptr_array_index(x.session, i)));
        xml_done(&x);
}

static void test_the_three_actions(void) {
        g_assert_cmpstr(polkit_action_for(KT_INTERFACE, "Configure"), ==, KT_ACTION_CONFIGURE);
        g_assert_cmpstr(polkit_action_for(KT_INTERFACE, "Connect"), ==, KT_ACTION_CONNECT);
        g_assert_cmpstr(polkit_action_for(KT_INTERFACE, "Rate"), ==, KT_ACTION_USE);
        g_assert_cmpstr(KT_ACTION_CONFIGURE, ==, "org.kino.trakt.configure");
        g_assert_cmpstr(KT_ACTION_CONNECT, ==, "org.kino.trakt.connect");
        g_assert_cmpstr(KT_ACTION_USE, ==, "org.kino.trakt.use");
}

/* Default deny: unknown members and interfaces, the standard interfaces'
 * methods, a case that differs, missing names. */
static void test_unknown_denied(void) {
        g_assert_null(polkit_action_for(KT_INTERFACE, "NoSuchMethod"));
        g_assert_null(polkit_action_for(KT_INTERFACE, "configure"));
        g_assert_null(polkit_action_for(KT_INTERFACE, ""));
        g_assert_null(polkit_action_for("org.kino.Trakt2", "Configure"));
        g_assert_null(polkit_action_for("org.kino.trakt", "Configure"));
        g_assert_null(polkit_action_for("org.freedesktop.DBus.Properties", "Set"));
        g_assert_null(polkit_action_for(KT_SESSION_INTERFACE, "Configure"));
        g_assert_null(polkit_action_for(NULL, "Configure"));
        g_assert_null(polkit_action_for(KT_INTERFACE, NULL));
        g_assert_null(polkit_action_for(NULL, NULL));
}

int main(int argc, char **argv) {
        g_test_init(&argc, &argv, NULL);
        g_test_add_func("/polkit-table/every-method-mapped", test_every_method_mapped);
        g_test_add_func("/polkit-table/contract-in-xml", test_contract_in_xml);
        g_test_add_func("/polkit-table/session-methods-not-in-table", test_session_methods_not_in_table);
        g_test_add_func("/polkit-table/the-three-actions", test_the_three_actions);
        g_test_add_func("/polkit-table/unknown-denied", test_unknown_denied);
        return g_test_run();
}
