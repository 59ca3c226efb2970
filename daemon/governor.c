/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>

#include "governor.h"

int governor_init(Governor *g, unsigned get_budget, uint64_t get_period_usec, uint64_t write_interval_usec) {
        if (get_budget == 0 || get_budget > GOVERNOR_MAX_BUDGET || get_period_usec == 0)
                return -EINVAL;
        *g = (Governor) {
                .write_interval_usec = write_interval_usec,
                .get_period_usec = get_period_usec,
                .get_budget = get_budget,
        };
        g->get_times = calloc(get_budget, sizeof(uint64_t));
        return g->get_times ? 0 : -ENOMEM;
}

void governor_done(Governor *g) {
        free(g->get_times);
        g->get_times = NULL;
}

static uint64_t max_u64(uint64_t a, uint64_t b) {
        return a > b ? a : b;
}

uint64_t governor_next_slot(const Governor *g, bool write, uint64_t now_usec) {
        uint64_t t = max_u64(now_usec, g->blocked_until_usec);

        if (write) {
                if (g->have_write)
                        t = max_u64(t, g->last_write_usec + g->write_interval_usec);
                return t;
        }
        if (g->get_count < g->get_budget)
                return t;
        /* The window is full: the oldest of the last get_budget GETs must leave it. */
        uint64_t oldest = g->get_times[g->get_head];
        return max_u64(t, oldest + g->get_period_usec);
}

void governor_take(Governor *g, bool write, uint64_t now_usec) {
        if (write) {
                g->last_write_usec = now_usec;
                g->have_write = true;
                return;
        }
        if (g->get_count < g->get_budget) {
                g->get_times[(g->get_head + g->get_count) % g->get_budget] = now_usec;
                g->get_count++;
        } else {
                g->get_times[g->get_head] = now_usec;
                g->get_head = (g->get_head + 1) % g->get_budget;
        }
}

void governor_block_until(Governor *g, uint64_t until_usec) {
        if (until_usec > g->blocked_until_usec)
                g->blocked_until_usec = until_usec;
}

bool governor_blocked(const Governor *g, uint64_t now_usec) {
        return now_usec < g->blocked_until_usec;
}
