/* SPDX-License-Identifier: MIT */
/* Every mapper of Trakt's answers (daemon/trakt-parse.c, trakt-parse-text.c)
 * and what is built from them (trakt-media.c, trakt-body.c) on one input: the
 * bytes are parsed as JSON the way the HTTP engine does (strict), then handed
 * to each parser with each item kind and hint. None may crash, leak or read
 * out of bounds, whatever Trakt (or something pretending to be it) sends. */
#include <errno.h>
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

static bool same_key(const TraktMedia *a, const TraktMedia *b) {
        char *x = trakt_media_key(a), *y = trakt_media_key(b);
        bool same = x && y && strcmp(x, y) == 0;
        free(x);
        free(y);
        return same;
}

/* How a request names m (trakt-body.h): a movie without its tvdb id; an
 * episode by its own trakt and tvdb ids, else by its show and numbers, else
 * by the ids it has. Returns false when that names nothing: an episode with
 * neither ids nor a show (Trakt's answers always carry them; the media
 * dictionary refuses such an episode), or one named by show and number 0
 * (Trakt numbers episodes from 1). */
static bool named_as(const TraktMedia *m, TraktMedia *ret) {
        if (trakt_media_copy(ret, m) < 0)
                abort();
        if (m->type == TRAKT_MOVIE)
                ret->ids.tvdb = 0;
        if (m->type != TRAKT_EPISODE)
                return true;
        if (m->ids.trakt || m->ids.tvdb) {
                TraktIds own = { .trakt = m->ids.trakt, .tvdb = m->ids.tvdb };
                trakt_ids_done(&ret->ids);
                ret->ids = own;
        } else if ((m->season || m->number) && (m->show_title || !trakt_ids_empty(&m->show_ids))) {
                trakt_ids_done(&ret->ids);
                if (m->number == 0) {
                        trakt_media_done(ret);
                        return false;
                }
        }
        char *key = trakt_media_key(ret);
        free(key);
        return key != NULL;
}

/* What a /sync body built from the media's wrapper names, read back. */
static int read_sync_body(struct json_object *body, TraktMediaType type, TraktMedia *ret) {
        struct json_object *list, *o;
        if (json_object_object_length(body) != 1)
                return -EBADMSG;
        json_object_object_foreach(body, key, val) {
                if (!json_object_is_type(val, json_type_array) || json_object_array_length(val) != 1)
                        return -EBADMSG;
                o = json_object_array_get_idx(val, 0);
                if (strcmp(key, "movies") == 0)
                        return trakt_parse_media(o, TRAKT_MOVIE, ret);
                if (strcmp(key, "shows") == 0 && type == TRAKT_SHOW)
                        return trakt_parse_media(o, TRAKT_SHOW, ret);
                if (strcmp(key, "shows") == 0) {
                        /* shows[].seasons[].episodes[]: the shape of Trakt's collection */
                        TraktItem *items = NULL;
                        size_t n = 0;
                        int r = trakt_parse_items(val, TRAKT_ITEMS_COLLECTION, TRAKT_SHOW, &items, &n, NULL);
                        if (r >= 0 && n == 1)
                                r = trakt_media_copy(ret, &items[0].media);
                        else if (r >= 0)
                                r = -EBADMSG;
                        trakt_items_free(items, n);
                        return r;
                }
                /* episodes[] or seasons[]: their objects, under a wrapper */
                list = json_object_new_object();
                const char *t = strcmp(key, "episodes") == 0 ? "episode" : "season";
                json_object_object_add(list, "type", json_object_new_string(t));
                json_object_object_add(list, t, json_object_get(o));
                int r = trakt_parse_media(list, TRAKT_NONE, ret);
                json_object_put(list);
                return r;
        }
        return -EBADMSG;
}

/* The bodies built from an item Trakt sent name that item again: read back,
 * a /sync body and a scrobble give its key under the ids the request schema
 * keeps. */
static void check_bodies(const TraktMedia *m) {
        struct json_object *w = trakt_media_wrapper(m);
        TraktMedia want = {}, back = {};
        bool named = named_as(m, &want);

        TraktSyncBody *b = trakt_sync_body_new();
        trakt_sync_body_add(b, w, 0);
        char *text = trakt_sync_body_text(b);
        struct json_object *body = text ? json_tokener_parse(text) : NULL;
        if (!body)
                abort();
        if (named && (read_sync_body(body, m->type, &back) < 0 || !same_key(&want, &back)))
                abort();
        trakt_media_done(&back);
        json_object_put(body);
        free(text);
        trakt_sync_body_free(b);

        if (trakt_scrobble_body(w, "pause", 50, "1.0", 0, &text) >= 0) {
                if (m->type != TRAKT_MOVIE && m->type != TRAKT_EPISODE)
                        abort();
                body = json_tokener_parse(text);
                if (!body || (named && (trakt_parse_media(body, TRAKT_NONE, &back) < 0 || !same_key(&want, &back))))
                        abort();
                trakt_media_done(&back);
                json_object_put(body);
                free(text);
        } else if (m->type == TRAKT_MOVIE || m->type == TRAKT_EPISODE)
                abort();
        trakt_media_done(&want);
        json_object_put(w);
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
                                        check_bodies(&items[i].media);
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
