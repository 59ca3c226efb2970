/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "categories.h"

const char *const kt_categories[_KT_CATEGORY_MAX] = {
        [KT_CATEGORY_SCROBBLE] = "scrobble",
        [KT_CATEGORY_HISTORY] = "history",
        [KT_CATEGORY_RATINGS] = "ratings",
        [KT_CATEGORY_WATCHLIST] = "watchlist",
        [KT_CATEGORY_COLLECTION] = "collection",
        [KT_CATEGORY_RESUME] = "resume",
        [KT_CATEGORY_RECOMMENDATIONS] = "recommendations",
};

int kt_category_from_string(const char *s) {
        if (!s)
                return -1;
        for (int i = 0; i < _KT_CATEGORY_MAX; i++)
                if (strcmp(kt_categories[i], s) == 0)
                        return i;
        return -1;
}
