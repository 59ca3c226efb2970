/* SPDX-License-Identifier: MIT */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* libFuzzer's entry point. Built with -fsanitize=fuzzer (scripts/fuzz.sh) it
 * is driven by libFuzzer; in the ordinary build replay.c calls it once per
 * file of the target's corpus, so every committed input runs in CI. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
