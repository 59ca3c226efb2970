/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>

/* The contract's sync categories (SetSyncEnabled, SyncEnabled), in the order
 * it lists them: the one list the daemon's toggles, its sync plans and
 * kinoctl use. */
typedef enum KtCategory {
        KT_CATEGORY_SCROBBLE,
        KT_CATEGORY_HISTORY,
        KT_CATEGORY_RATINGS,
        KT_CATEGORY_WATCHLIST,
        KT_CATEGORY_COLLECTION,
        KT_CATEGORY_RESUME,
        KT_CATEGORY_RECOMMENDATIONS,
        _KT_CATEGORY_MAX,
} KtCategory;

/* kt_categories[KT_CATEGORY_X] is X's name on the bus and in the database. */
extern const char *const kt_categories[_KT_CATEGORY_MAX];

/* The names in a sentence, in the same order (a unit test keeps it in step). */
#define KT_CATEGORIES_TEXT "scrobble, history, ratings, watchlist, collection, resume, recommendations"

/* The category named s (exactly, case-sensitive), or -1 (also for NULL). */
int kt_category_from_string(const char *s);

static inline bool kt_category_valid(const char *s) {
        return kt_category_from_string(s) >= 0;
}
