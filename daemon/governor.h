/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stdint.h>

/* The rate governor shared by all HTTP work. Pure logic on explicit
 * timestamps (µs, CLOCK_MONOTONIC) so it can be unit tested:
 *   - writes (POST/PUT/DELETE): at most one per write_interval;
 *   - GETs: at most get_budget in any sliding window of get_period;
 *   - after a 429 everything waits until the Retry-After time has passed. */

#define GOVERNOR_MAX_BUDGET 100000u

typedef struct Governor {
        uint64_t write_interval_usec;
        uint64_t get_period_usec;
        unsigned get_budget;
        uint64_t last_write_usec;   /* 0 = never */
        bool have_write;
        uint64_t *get_times;        /* ring buffer of the last get_budget GET times */
        unsigned get_head, get_count;
        uint64_t blocked_until_usec; /* 0 = not blocked */
} Governor;

int governor_init(Governor *g, unsigned get_budget, uint64_t get_period_usec, uint64_t write_interval_usec);
void governor_done(Governor *g);

/* Earliest time (≥ now) at which a request of this kind may be sent. */
uint64_t governor_next_slot(const Governor *g, bool write, uint64_t now_usec);
/* Record that a request of this kind was sent at now. */
void governor_take(Governor *g, bool write, uint64_t now_usec);
/* A 429 (or other "stop everything") until this time. Never shortens an existing block. */
void governor_block_until(Governor *g, uint64_t until_usec);
bool governor_blocked(const Governor *g, uint64_t now_usec);
