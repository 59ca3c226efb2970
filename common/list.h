/* SPDX-License-Identifier: MIT */
#pragma once

/* Intrusive doubly linked lists, in the shape systemd's list.h made familiar
 * (written anew here). A list is a pointer to its first item; an item carries
 * the links of each list it is on, under that list's name:
 *
 *     typedef struct Item Item;
 *     struct Item { …; LIST_FIELDS(Item, items); };   // items_next, items_prev
 *     struct Owner { LIST_HEAD(Item, items); };        // Item *items;
 *
 *     LIST_PREPEND(items, owner->items, item);         // newest first
 *     LIST_FOREACH(items, i, owner->items) …;
 *     LIST_REMOVE(items, owner->items, item);          // item's links cleared
 *
 * Prepending and removing are O(1); an item is on a list at most once, and
 * LIST_REMOVE must only be given an item that is on that list. To remove
 * items while walking, use LIST_FOREACH_SAFE, which reads the next item before
 * the body runs. */

#define LIST_HEAD(type, name) type *name

#define LIST_FIELDS(type, name) \
        type *name##_next;      \
        type *name##_prev

#define LIST_PREPEND(name, head, item)                                  \
        do {                                                            \
                __typeof__(*(item)) *_item = (item);                    \
                _item->name##_prev = NULL;                              \
                _item->name##_next = (head);                            \
                if (_item->name##_next)                                 \
                        _item->name##_next->name##_prev = _item;        \
                (head) = _item;                                         \
        } while (0)

#define LIST_REMOVE(name, head, item)                                           \
        do {                                                                    \
                __typeof__(*(item)) *_item = (item);                            \
                if (_item->name##_next)                                         \
                        _item->name##_next->name##_prev = _item->name##_prev;   \
                if (_item->name##_prev)                                         \
                        _item->name##_prev->name##_next = _item->name##_next;   \
                else                                                            \
                        (head) = _item->name##_next;                            \
                _item->name##_next = _item->name##_prev = NULL;                 \
        } while (0)

#define LIST_FOREACH(name, i, head) for (__typeof__(head) i = (head); i; i = i->name##_next)

/* n: a variable of the item type that holds the next item. */
#define LIST_FOREACH_SAFE(name, i, n, head) \
        for (__typeof__(head) i = (head), n = i ? i->name##_next : NULL; i; i = n, n = i ? i->name##_next : NULL)
