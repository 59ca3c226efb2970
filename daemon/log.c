/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "util.h"

/* Module state: the log level and the secrets to mask. These are the only
 * process-wide variables in the daemon; like the journal's own client they are
 * needed by every line logged, from any module, without threading a context
 * through code that merely logs. */
static int max_level = LOG_INFO;
static char **secrets;
static size_t n_secrets;

void log_set_max_level(int level) {
        max_level = level;
}

int log_get_max_level(void) {
        return max_level;
}

void log_add_secret(const char *secret) {
        if (!secret || strlen(secret) < 4)
                return;
        for (size_t i = 0; i < n_secrets; i++)
                if (streq(secrets[i], secret))
                        return;
        char **n = realloc(secrets, (n_secrets + 1) * sizeof(char *));
        if (!n)
                return;
        secrets = n;
        secrets[n_secrets] = strdup(secret);
        if (secrets[n_secrets])
                n_secrets++;
}

void log_forget_secrets(void) {
        for (size_t i = 0; i < n_secrets; i++)
                free(secrets[i]);
        free(secrets);
        secrets = NULL;
        n_secrets = 0;
}

char *log_mask_secrets(const char *s) {
        if (!s)
                return NULL;

        char *out = strdup(s);
        if (!out)
                return NULL;

        for (size_t i = 0; i < n_secrets; i++) {
                const char *secret = secrets[i];
                size_t sl = strlen(secret);
                char *p;

                while ((p = strstr(out, secret))) {
                        size_t prefix = (size_t) (p - out);
                        size_t rest = strlen(p + sl);
                        char *n = malloc(prefix + 3 + rest + 1);
                        if (!n)
                                return out;
                        memcpy(n, out, prefix);
                        memcpy(n + prefix, "***", 3);
                        memcpy(n + prefix + 3, p + sl, rest + 1);
                        free(out);
                        out = n;
                }
        }
        return out;
}

int log_internal(int level, int error, const char *file, int line, const char *func, const char *format, ...) {
        int saved_errno = errno;
        int r = error == 0 ? -EIO : -abs(error);

        if (LOG_PRI(level) > max_level) {
                errno = saved_errno;
                return r;
        }

        char buf[4096];
        va_list ap;
        va_start(ap, format);
        errno = abs(error); /* so %m works */
        vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);

        /* One line per message: the journal and our tests read line by line. */
        for (char *p = buf; *p; p++)
                if (*p == '\n')
                        *p = ' ';

        _cleanup_free_ char *masked = log_mask_secrets(buf);
        if (max_level >= LOG_DEBUG)
                fprintf(stderr, "<%d>%s (%s:%d %s)\n", LOG_PRI(level), masked ?: "", file, line, func);
        else
                fprintf(stderr, "<%d>%s\n", LOG_PRI(level), masked ?: "");
        fflush(stderr);

        errno = saved_errno;
        return r;
}
