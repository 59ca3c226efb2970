/* SPDX-License-Identifier: MIT */
/* The floor of an import's CPU time, measured beside the daemon in
 * bench/import_bench.py: what no import of the same data can avoid.
 *
 *   import-floor BODIES_DIR SOURCE_DB SCRATCH_DB
 *
 * 1. parses every file in BODIES_DIR (the bodies of the pages the daemon
 *    fetched, fetched again by a plain client) with json-c, strictly, as
 *    the daemon does, and frees the trees;
 * 2. opens SCRATCH_DB through the daemon's own store (the same schema and
 *    pragmas: WAL, synchronous=FULL) and inserts the rows an import left in
 *    SOURCE_DB, bound value by value with prepared statements, one
 *    transaction per 250 rows (a page), as the import commits.
 *
 * Reading the files and the source rows is not timed. Prints one JSON line
 * of CPU seconds (CLOCK_PROCESS_CPUTIME_ID) and wall seconds per part. */
#include <dirent.h>
#include <errno.h>
#include <glib.h>
#include <json-c/json.h>
#include <stdio.h>

#include "db-private.h"
#include "util.h"

#define ROWS_PER_TRANSACTION 250

/* What an import writes: (table, the rows Trakt's data put there). */
static const struct {
        const char *table;
        const char *where;
} tables[] = {
        { "history", "origin = 'trakt'" },
        { "ratings", "1" },
        { "lists", "1" },
        { "list_items", "1" },
        { "collection", "1" },
        { "resume_points", "1" },
        { "recommendations", "1" },
        { "media_alias", "1" },
};

typedef struct Rows {
        char *insert_sql;
        int n_cols;
        GPtrArray *values; /* sqlite3_value*, n_cols per row */
} Rows;

static double cpu_now(void) {
        struct timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static double wall_now(void) {
        return (double) now_monotonic_usec() / 1e6;
}

static int die(const char *what) {
        fprintf(stderr, "import-floor: %s\n", what);
        return 1;
}

static int read_rows(sqlite3 *src, size_t t, Rows *out) {
        g_autofree char *sql = g_strdup_printf("SELECT * FROM %s WHERE %s", tables[t].table, tables[t].where);
        sqlite3_stmt *st = NULL;
        if (sqlite3_prepare_v2(src, sql, -1, &st, NULL) != SQLITE_OK)
                return -EIO;
        out->n_cols = sqlite3_column_count(st);
        GString *ins = g_string_new(NULL);
        g_string_append_printf(ins, "INSERT OR IGNORE INTO %s(", tables[t].table);
        for (int i = 0; i < out->n_cols; i++)
                g_string_append_printf(ins, "%s%s", i ? "," : "", sqlite3_column_name(st, i));
        g_string_append(ins, ") VALUES (");
        for (int i = 0; i < out->n_cols; i++)
                g_string_append(ins, i ? ",?" : "?");
        g_string_append(ins, ")");
        out->insert_sql = g_string_free(ins, FALSE);
        out->values = g_ptr_array_new_with_free_func((GDestroyNotify) sqlite3_value_free);
        while (sqlite3_step(st) == SQLITE_ROW)
                for (int i = 0; i < out->n_cols; i++)
                        g_ptr_array_add(out->values, sqlite3_value_dup(sqlite3_column_value(st, i)));
        sqlite3_finalize(st);
        return 0;
}

int main(int argc, char **argv) {
        if (argc != 4)
                return die("usage: import-floor BODIES_DIR SOURCE_DB SCRATCH_DB");

        /* The bodies, in memory first. */
        GPtrArray *bodies = g_ptr_array_new_with_free_func(g_free);
        GArray *lens = g_array_new(FALSE, FALSE, sizeof(gsize));
        DIR *d = opendir(argv[1]);
        if (!d)
                return die("cannot read the bodies folder");
        size_t bytes = 0;
        for (struct dirent *de; (de = readdir(d));) {
                if (de->d_name[0] == '.')
                        continue;
                g_autofree char *path = g_build_filename(argv[1], de->d_name, NULL);
                char *text = NULL;
                gsize len = 0;
                if (!g_file_get_contents(path, &text, &len, NULL))
                        return die("cannot read a body");
                g_ptr_array_add(bodies, text);
                g_array_append_val(lens, len);
                bytes += len;
        }
        closedir(d);

        /* 1: parse. */
        double c0 = cpu_now(), w0 = wall_now();
        for (guint i = 0; i < bodies->len; i++) {
                struct json_tokener *tok = json_tokener_new();
                json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
                struct json_object *j = json_tokener_parse_ex(tok, bodies->pdata[i], (int) g_array_index(lens, gsize, i));
                if (!j || json_tokener_get_error(tok) != json_tokener_success)
                        return die("a body is not JSON");
                json_object_put(j);
                json_tokener_free(tok);
        }
        double parse_cpu = cpu_now() - c0, parse_wall = wall_now() - w0;

        /* 2: insert the same rows. */
        sqlite3 *src = NULL;
        g_autofree char *uri = g_strdup_printf("file:%s?mode=ro", argv[2]);
        if (sqlite3_open_v2(uri, &src, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) != SQLITE_OK)
                return die("cannot open the source database");
        Rows rows[ELEMENTSOF(tables)] = {};
        size_t n_rows = 0;
        for (size_t t = 0; t < ELEMENTSOF(tables); t++) {
                if (read_rows(src, t, &rows[t]) < 0)
                        return die("cannot read the source rows");
                n_rows += rows[t].values->len / (guint) rows[t].n_cols;
        }
        sqlite3_close(src);
        Db *store = NULL;
        if (db_open_file(&store, argv[3]) < 0)
                return die("cannot create the scratch database");
        sqlite3 *db = db_sqlite(store);

        c0 = cpu_now();
        w0 = wall_now();
        for (size_t t = 0; t < ELEMENTSOF(tables); t++) {
                sqlite3_stmt *st = NULL;
                if (sqlite3_prepare_v2(db, rows[t].insert_sql, -1, &st, NULL) != SQLITE_OK)
                        return die(sqlite3_errmsg(db));
                guint n = rows[t].values->len / (guint) rows[t].n_cols;
                for (guint r = 0; r < n; r++) {
                        if (r % ROWS_PER_TRANSACTION == 0 && db_begin(store) < 0)
                                return die("BEGIN failed");
                        for (int c = 0; c < rows[t].n_cols; c++)
                                sqlite3_bind_value(st, c + 1, rows[t].values->pdata[r * (guint) rows[t].n_cols + (guint) c]);
                        if (sqlite3_step(st) != SQLITE_DONE)
                                return die(sqlite3_errmsg(db));
                        sqlite3_reset(st);
                        if ((r + 1) % ROWS_PER_TRANSACTION == 0 || r + 1 == n)
                                if (db_commit(store) < 0)
                                        return die("COMMIT failed");
                }
                sqlite3_finalize(st);
        }
        double insert_cpu = cpu_now() - c0, insert_wall = wall_now() - w0;

        printf("{\"bodies\": %u, \"bytes\": %zu, \"rows\": %zu, \"parse_cpu_s\": %.3f, \"parse_wall_s\": %.3f,"
               " \"insert_cpu_s\": %.3f, \"insert_wall_s\": %.3f, \"cpu_s\": %.3f}\n",
               bodies->len, bytes, n_rows, parse_cpu, parse_wall, insert_cpu, insert_wall, parse_cpu + insert_cpu);

        for (size_t t = 0; t < ELEMENTSOF(tables); t++) {
                g_free(rows[t].insert_sql);
                g_ptr_array_unref(rows[t].values);
        }
        db_free(store);
        g_ptr_array_unref(bodies);
        g_array_unref(lens);
        return 0;
}
