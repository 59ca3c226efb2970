/* SPDX-License-Identifier: MIT */
/* Replays every file under the given directories (or single files) through
 * the target's LLVMFuzzerTestOneInput: the corpus as an ordinary test. A
 * crash or sanitizer report fails the test; an empty corpus fails too, so a
 * missing directory cannot pass silently. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz.h"

static unsigned n_inputs;

static int run_file(const char *path) {
        FILE *f = fopen(path, "rb");
        if (!f) {
                fprintf(stderr, "cannot open %s\n", path);
                return -1;
        }
        fseek(f, 0, SEEK_END);
        long len = ftell(f);
        fseek(f, 0, SEEK_SET);
        uint8_t *buf = malloc(len > 0 ? (size_t) len : 1);
        if (!buf || (len > 0 && fread(buf, 1, (size_t) len, f) != (size_t) len)) {
                fclose(f);
                free(buf);
                return -1;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, (size_t) (len > 0 ? len : 0));
        free(buf);
        n_inputs++;
        return 0;
}

static int run_path(const char *path) {
        struct stat st;
        if (stat(path, &st) < 0) {
                fprintf(stderr, "no such corpus: %s\n", path);
                return -1;
        }
        if (!S_ISDIR(st.st_mode))
                return run_file(path);
        DIR *d = opendir(path);
        if (!d)
                return -1;
        struct dirent *e;
        int r = 0;
        while ((e = readdir(d)) && r >= 0) {
                if (e->d_name[0] == '.')
                        continue;
                char child[4096];
                snprintf(child, sizeof child, "%s/%s", path, e->d_name);
                r = run_path(child);
        }
        closedir(d);
        return r;
}

int main(int argc, char **argv) {
        for (int i = 1; i < argc; i++)
                if (run_path(argv[i]) < 0)
                        return 1;
        printf("%u inputs replayed without a crash\n", n_inputs);
        return n_inputs > 0 ? 0 : 1;
}
