/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdio.h>

#include "media-bus.h"
#include "media.h"
#include "trakt-parse.h"
#include "util.h"

/* ---- writing: a stored item as the contract's entries ---- */

static int append_ids(sd_bus_message *reply, const TraktIds *ids, const char *prefix) {
        char k[32];
        int r = 0;
        if (ids->trakt && r >= 0) {
                snprintf(k, sizeof k, "%strakt", prefix);
                r = sd_bus_message_append(reply, "{sv}", k, "u", (uint32_t) ids->trakt);
        }
        if (ids->tmdb && r >= 0) {
                snprintf(k, sizeof k, "%stmdb", prefix);
                r = sd_bus_message_append(reply, "{sv}", k, "u", (uint32_t) ids->tmdb);
        }
        if (ids->tvdb && r >= 0) {
                snprintf(k, sizeof k, "%stvdb", prefix);
                r = sd_bus_message_append(reply, "{sv}", k, "u", (uint32_t) ids->tvdb);
        }
        if (ids->imdb && r >= 0) {
                snprintf(k, sizeof k, "%simdb", prefix);
                r = sd_bus_message_append(reply, "{sv}", k, "s", ids->imdb);
        }
        if (ids->slug && r >= 0 && !*prefix)
                r = sd_bus_message_append(reply, "{sv}", "slug", "s", ids->slug);
        return r;
}

int bus_append_media_json(sd_bus_message *reply, const char *json) {
        struct json_object *o = json_tokener_parse(json);
        TraktMedia m = {};
        int r = o ? trakt_parse_media(o, TRAKT_NONE, &m) : -EBADMSG;
        json_object_put(o);
        if (r < 0)
                return sd_bus_message_append(reply, "{sv}", "type", "s", "movie");
        r = sd_bus_message_append(reply, "{sv}", "type", "s", trakt_media_type_to_string(m.type));
        if (r >= 0)
                r = append_ids(reply, &m.ids, "");
        if (r >= 0 && m.type == TRAKT_EPISODE) {
                if (m.show_title)
                        r = sd_bus_message_append(reply, "{sv}", "show_title", "s", m.show_title);
                if (r >= 0 && m.show_year)
                        r = sd_bus_message_append(reply, "{sv}", "show_year", "u", (uint32_t) m.show_year);
                if (r >= 0)
                        r = append_ids(reply, &m.show_ids, "show_");
                if (r >= 0 && m.season)
                        r = sd_bus_message_append(reply, "{sv}", "season", "u", (uint32_t) m.season);
                if (r >= 0 && m.number)
                        r = sd_bus_message_append(reply, "{sv}", "episode", "u", (uint32_t) m.number);
        } else if (r >= 0) {
                if (m.title)
                        r = sd_bus_message_append(reply, "{sv}", "title", "s", m.title);
                if (r >= 0 && m.year)
                        r = sd_bus_message_append(reply, "{sv}", "year", "u", (uint32_t) m.year);
        }
        trakt_media_done(&m);
        return r;
}

/* ---- reading: a caller's dictionary, checked by media.c ---- */

#define MEDIA_FIELDS_MAX 48

/* Unpack an a{sv} media dictionary into fields (media.c checks them).
 * Entries of other variant types are kept as their type so media.c can name
 * them; booleans are read too (the collection's "3d"). */
static int read_media_fields(sd_bus_message *m, MediaField *fields, size_t *ret_n, sd_bus_error *error) {
        size_t n = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "{sv}");
        if (r < 0)
                return r;
        while ((r = sd_bus_message_enter_container(m, 'e', "sv")) > 0) {
                const char *key, *contents;
                char type;
                if (n >= MEDIA_FIELDS_MAX)
                        return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "The media dictionary has too many keys.");
                r = sd_bus_message_read(m, "s", &key);
                if (r < 0)
                        return r;
                r = sd_bus_message_peek_type(m, &type, &contents);
                if (r < 0)
                        return r;
                MediaField *f = &fields[n++];
                *f = (MediaField) { .key = key, .type = contents[0] };
                if (streq(contents, "s"))
                        r = sd_bus_message_read(m, "v", "s", &f->s);
                else if (streq(contents, "u"))
                        r = sd_bus_message_read(m, "v", "u", &f->u);
                else if (streq(contents, "b")) {
                        int b = 0;
                        r = sd_bus_message_read(m, "v", "b", &b);
                        f->u = b;
                } else
                        r = sd_bus_message_skip(m, "v");
                if (r < 0)
                        return r;
                r = sd_bus_message_exit_container(m);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        *ret_n = n;
        return sd_bus_message_exit_container(m);
}

int bus_read_media(sd_bus_message *m, TraktMedia *ret, sd_bus_error *error) {
        MediaField fields[MEDIA_FIELDS_MAX];
        size_t n = 0;
        int r = read_media_fields(m, fields, &n, error);
        if (r < 0 || sd_bus_error_is_set(error))
                return r;

        _cleanup_free_ char *why = NULL;
        r = media_from_fields(fields, n, NULL, ret, &why);
        if (r == -EINVAL)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, why ?: "Invalid media dictionary.");
        return r;
}

/* A collection item: the media plus Trakt's quality metadata (docs/trakt-api.md §5.6). */
static const char *const collection_keys[] = { "media_type", "resolution", "hdr", "audio", "audio_channels", "3d", NULL };

static int bus_read_collection_item(sd_bus_message *m, CollectionEntry *ret, sd_bus_error *error) {
        MediaField fields[MEDIA_FIELDS_MAX];
        size_t n = 0;
        int r = read_media_fields(m, fields, &n, error);
        if (r < 0 || sd_bus_error_is_set(error))
                return r;

        _cleanup_free_ char *why = NULL;
        *ret = (CollectionEntry) {};
        r = media_from_fields(fields, n, collection_keys, &ret->media, &why);
        if (r == -EINVAL)
                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, why ?: "Invalid media dictionary.");
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                const MediaField *f = &fields[i];
                if (streq(f->key, "3d")) {
                        if (f->type != 'b')
                                return sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Key '3d' must be a boolean (b).");
                        ret->is_3d = f->u;
                        continue;
                }
                const char **slot = streq(f->key, "media_type") ? &ret->media_type :
                                    streq(f->key, "resolution") ? &ret->resolution :
                                    streq(f->key, "hdr") ? &ret->hdr :
                                    streq(f->key, "audio") ? &ret->audio :
                                    streq(f->key, "audio_channels") ? &ret->audio_channels : NULL;
                if (!slot)
                        continue;
                if (f->type != 's')
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Key '%s' must be a string (s).", f->key);
                if (!trakt_metadata_valid(f->key, f->s))
                        return sd_bus_error_setf(error, SD_BUS_ERROR_INVALID_ARGS, "Key '%s' cannot be '%.64s'; Trakt allows: %s.",
                                                 f->key, f->s, trakt_metadata_allowed(f->key));
                *slot = f->s; /* points into m: valid while the message lives */
        }
        return 0;
}

/* ---- UpdateCollection's two arrays ---- */

#define COLLECTION_MAX 10000

static void collection_entries_free(CollectionEntry *e, size_t n) {
        for (size_t i = 0; i < n; i++)
                trakt_media_done(&e[i].media);
        free(e);
}

void bus_collection_free(CollectionEntry *added, size_t na, TraktMedia *removed, size_t nr) {
        collection_entries_free(added, na);
        for (size_t i = 0; i < nr; i++)
                trakt_media_done(&removed[i]);
        free(removed);
}

int bus_read_collection(sd_bus_message *m, CollectionEntry **ret_added, size_t *ret_n_added, TraktMedia **ret_removed,
                        size_t *ret_n_removed, sd_bus_error *error) {
        CollectionEntry *added = NULL;
        TraktMedia *removed = NULL;
        size_t na = 0, nr = 0;
        int r;

        r = sd_bus_message_enter_container(m, 'a', "a{sv}");
        while (r >= 0 && (r = sd_bus_message_at_end(m, false)) == 0) {
                if (na >= COLLECTION_MAX) {
                        r = sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Send at most 10000 items per UpdateCollection call.");
                        break;
                }
                CollectionEntry *n = realloc(added, (na + 1) * sizeof *added);
                if (!n) {
                        r = -ENOMEM;
                        break;
                }
                added = n;
                r = bus_read_collection_item(m, &added[na], error);
                if (r < 0 || sd_bus_error_is_set(error)) {
                        trakt_media_done(&added[na].media);
                        r = r < 0 ? r : -EINVAL;
                        break;
                }
                na++;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r >= 0)
                r = sd_bus_message_enter_container(m, 'a', "a{sv}");
        while (r >= 0 && (r = sd_bus_message_at_end(m, false)) == 0) {
                if (nr >= COLLECTION_MAX) {
                        r = sd_bus_error_set(error, SD_BUS_ERROR_INVALID_ARGS, "Send at most 10000 items per UpdateCollection call.");
                        break;
                }
                TraktMedia *n = realloc(removed, (nr + 1) * sizeof *removed);
                if (!n) {
                        r = -ENOMEM;
                        break;
                }
                removed = n;
                removed[nr] = (TraktMedia) {};
                r = bus_read_media(m, &removed[nr], error);
                if (r < 0 || sd_bus_error_is_set(error)) {
                        trakt_media_done(&removed[nr]);
                        r = r < 0 ? r : -EINVAL;
                        break;
                }
                nr++;
        }
        if (r >= 0)
                r = sd_bus_message_exit_container(m);
        if (r < 0) {
                bus_collection_free(added, na, removed, nr);
                return r;
        }
        *ret_added = added;
        *ret_n_added = na;
        *ret_removed = removed;
        *ret_n_removed = nr;
        return 0;
}
