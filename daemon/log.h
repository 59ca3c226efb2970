/* SPDX-License-Identifier: MIT */
#pragma once

#include <stdbool.h>
#include <syslog.h>

/* Logging for the journal: every line goes to stderr with a "<N>" priority
 * prefix (sd-daemon(3)). Registered secrets (client secret, tokens) are
 * replaced by "***" in every line, whatever the caller formats into it. */

void log_set_max_level(int level);
int log_get_max_level(void);

/* Register a secret to be masked in all further log lines. Strings shorter
 * than 4 bytes are ignored (they would mask ordinary words). The string is
 * copied. log_forget_secrets() drops all of them. */
void log_add_secret(const char *secret);
void log_forget_secrets(void);

/* Returns -abs(error) (or -EIO when error is 0) so callers can write
 * "return log_error_errno(r, ...)". */
int log_internal(int level, int error, const char *file, int line, const char *func,
                 const char *format, ...) __attribute__((format(printf, 6, 7)));

/* Masks secrets in a copy of s (for tests and for text that leaves the daemon). */
char *log_mask_secrets(const char *s);

#define log_full_errno(level, error, ...) \
        log_internal((level), (error), __FILE__, __LINE__, __func__, __VA_ARGS__)
#define log_debug(...) log_full_errno(LOG_DEBUG, 0, __VA_ARGS__)
#define log_info(...) log_full_errno(LOG_INFO, 0, __VA_ARGS__)
#define log_notice(...) log_full_errno(LOG_NOTICE, 0, __VA_ARGS__)
#define log_warning(...) log_full_errno(LOG_WARNING, 0, __VA_ARGS__)
#define log_error(...) log_full_errno(LOG_ERR, 0, __VA_ARGS__)
#define log_warning_errno(e, ...) log_full_errno(LOG_WARNING, (e), __VA_ARGS__)
#define log_error_errno(e, ...) log_full_errno(LOG_ERR, (e), __VA_ARGS__)
#define log_debug_errno(e, ...) log_full_errno(LOG_DEBUG, (e), __VA_ARGS__)
