/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Titles named by a player (often taken from a file name) against what
 * Trakt's search answers. Pure functions, no I/O.
 *
 * Trakt's search is fuzzy: "Primer" also finds "Primeval", "The Avengers"
 * finds "Avengers: Age of Ultron". A result is taken only when its title is
 * the same as the one asked for once both are normalised
 * (title_normalize); among those (title_pick):
 *   1. with a year asked for, the result of that year; else one a year off
 *      (a file's year and Trakt's release year often differ by one around
 *      New Year or a festival premiere); else none;
 *   2. without a year (file names of shows often have none), any year;
 *   3. among several left, the highest score (Trakt's relevance), the first
 *      of equal scores in Trakt's order.
 * Nothing left means "not found": better to send nothing than a wrong title. */

/* Lower case, accents and other marks removed (NFKD), "&" read as "and",
 * apostrophes and full stops dropped ("Schindler's" = "Schindlers",
 * "S.W.A.T." = "SWAT"), every other character
 * that is not a letter or a digit a space, spaces collapsed; a trailing
 * "(YYYY)" and a trailing ", The" dropped, and a leading English article
 * ("the", "a", "an") when more follows it. NULL only when out of memory. */
char *title_normalize(const char *title);

/* Whether two titles are the same after title_normalize(). */
bool title_equal(const char *a, const char *b);

typedef struct TitleCandidate {
        const char *title;
        unsigned year;  /* 0 = unknown */
        double score;   /* Trakt's relevance; 0 when it sent none */
} TitleCandidate;

/* The rule above. Returns the index of the chosen candidate, or -1. */
int title_pick(const TitleCandidate *c, size_t n, const char *title, unsigned year);
