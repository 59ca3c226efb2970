/* SPDX-License-Identifier: MIT */
/* Every mapper of Trakt's answers (daemon/trakt-parse.c, trakt-parse-text.c)
 * and what is built from them (trakt-media.c, trakt-body.c) on one input: the
 * bytes are parsed as JSON the way the HTTP engine does (strict), then handed
 * to each parser with each item kind and hint. None may crash, leak or read
 * out of bounds, whatever Trakt (or something pretending to be it) sends. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "trakt-body.h"
#include "trakt-parse.h"
#include "trakt-parse-text.h"
#include "trakt-time.h"

static bool same_str(const char *a, const char *b) {
        return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same_ids(const TraktIds *a, const TraktIds *b) {
        return a->trakt == b->trakt && a->tmdb == b->tmdb && a->tvdb == b->tvdb && same_str(a->imdb, b->imdb) &&
               same_str(a->slug, b->slug);
}

static bool same_item(const TraktItem *a, const TraktItem *b) {
        const TraktMedia *x = &a->media, *y = &b->media;
        return x->type == y->type && same_ids(&x->ids, &y->ids) && same_str(x->title, y->title) && x->year == y->year &&
               same_ids(&x->show_ids, &y->show_ids) && same_str(x->show_title, y->show_title) &&
               x->show_year == y->show_year && x->season == y->season && x->number == y->number &&
               x->runtime == y->runtime && a->id == b->id && a->at == b->at && same_str(a->action, b->action);
}

/* The history page reader that builds no tree must agree with the tree:
 * whatever it accepts, the HTTP engine's strict json-c parse accepts too
 * (the whole input), and trakt_parse_items() finds the same items. It may
 * refuse more (json-c takes NaN, "1." and "-01"; Trakt sends none). */
static void check_history_text(const uint8_t *data, size_t size, struct json_object *whole) {
        TraktItem *a = NULL, *b = NULL;
        size_t na = 0, nb = 0, sa = 0, sb = 0;
        if (trakt_parse_history_text((const char *) data, size, &a, &na, &sa) < 0)
                return;
        if (!whole || trakt_parse_items(whole, TRAKT_ITEMS_HISTORY, TRAKT_NONE, &b, &nb, &sb) < 0 || na != nb || sa != sb)
                abort();
        for (size_t i = 0; i < na; i++)
                if (!same_item(&a[i], &b[i]))
                        abort();
        trakt_items_free(a, na);
        trakt_items_free(b, nb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct json_tokener *tok = json_tokener_new();
        json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
        struct json_object *o = json_tokener_parse_ex(tok, (const char *) data, (int) (size > INT32_MAX ? INT32_MAX : size));
        bool whole = o && json_tokener_get_error(tok) == json_tokener_success && (size_t) tok->char_offset == size;
        json_tokener_free(tok);
        check_history_text(data, size, whole ? o : NULL);
        if (!o)
                return 0;

        for (int kind = TRAKT_ITEMS_HISTORY; kind <= TRAKT_ITEMS_RECOMMENDATIONS; kind++)
                for (int hint = TRAKT_NONE; hint <= TRAKT_EPISODE; hint++) {
                        TraktItem *items = NULL;
                        size_t n = 0, skipped = 0;
                        if (trakt_parse_items(o, (TraktItemKind) kind, (TraktMediaType) hint, &items, &n, &skipped) >= 0) {
                                for (size_t i = 0; i < n; i++) {
                                        char *key = trakt_media_key(&items[i].media);
                                        char **keys = trakt_media_keys(&items[i].media);
                                        /* The text the import stores must read back as the same item. */
                                        char *text = trakt_media_wrapper_text(&items[i].media);
                                        struct json_object *back = text ? json_tokener_parse(text) : NULL;
                                        TraktMedia bm = {};
                                        if (text && (!back || trakt_parse_media(back, TRAKT_NONE, &bm) < 0))
                                                abort();
                                        if (back) {
                                                char *k2 = trakt_media_key(&bm);
                                                if ((key == NULL) != (k2 == NULL) || (key && strcmp(key, k2) != 0))
                                                        abort();
                                                free(k2);
                                                trakt_media_done(&bm);
                                        }
                                        json_object_put(back);
                                        free(text);
                                        struct json_object *w = trakt_media_wrapper(&items[i].media);
                                        struct json_object *body = json_object_new_object();
                                        trakt_sync_body_add(body, w, NULL);
                                        json_object_put(body);
                                        json_object_put(w);
                                        trakt_strv_free(keys);
                                        free(key);
                                }
                                trakt_items_free(items, n);
                        }
                }

        TraktMedia m = {};
        if (trakt_parse_media(o, TRAKT_NONE, &m) >= 0) {
                TraktMedia copy = {};
                if (trakt_media_copy(&copy, &m) >= 0)
                        trakt_media_done(&copy);
                trakt_media_done(&m);
        }
        TraktDeviceCode d = {};
        if (trakt_parse_device_code(o, &d) >= 0)
                trakt_device_code_done(&d);
        TraktToken t = {};
        if (trakt_parse_token(o, &t) >= 0)
                trakt_token_done(&t);
        TraktUserSettings s = {};
        if (trakt_parse_user_settings(o, &s) >= 0)
                trakt_user_settings_done(&s);
        TraktUserStats st;
        (void) trakt_parse_user_stats(o, &st);
        TraktActivity *a = NULL;
        size_t na = 0;
        if (trakt_parse_last_activities(o, &a, &na) >= 0)
                trakt_activities_free(a, na);
        TraktSyncResult sr;
        (void) trakt_parse_sync_result(o, &sr);
        TraktScrobbleResult sc = {};
        if (trakt_parse_scrobble(o, &sc) >= 0)
                trakt_scrobble_done(&sc);
        TraktSearchResult *found = NULL;
        size_t nf = 0;
        if (trakt_parse_search(o, &found, &nf) >= 0) {
                for (size_t i = 0; i < nf; i++) {
                        /* A chosen result is stored as its wrapper: it must read back. */
                        struct json_object *w = trakt_media_wrapper(&found[i].media);
                        TraktMedia back = {};
                        if (w && trakt_parse_media(w, TRAKT_NONE, &back) < 0)
                                abort();
                        trakt_media_done(&back);
                        json_object_put(w);
                }
                trakt_search_results_free(found, nf);
        }
        TraktMedia show = { .type = TRAKT_SHOW, .ids.trakt = 1, .title = (char *) "Show" }, ep = {};
        if (trakt_parse_episode(o, &show, &ep) >= 0)
                trakt_media_done(&ep);
        if (json_object_is_type(o, json_type_string)) {
                int64_t usec;
                char buf[32];
                if (trakt_parse_time(json_object_get_string(o), &usec) >= 0)
                        (void) trakt_format_time(usec, buf, sizeof buf);
        }
        json_object_put(o);
        return 0;
}
