/*
 * sl_typein: reads one input per line on stdin and prints, per line, what
 * Sluice's input function for TYPE makes of it: the value's text form, or
 * "ERROR: <SQLSTATE> <message>".  tests/diff/datetime.sh compares this with
 * PostgreSQL's '...'::TYPE over the same lines.
 *
 *   sl_typein date|time|timestamp|timestamptz|uuid [--full]
 *
 * --full skips the timestamp fast path (the full decoder alone).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/datetime.h"
#include "util/types.h"

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: sl_typein TYPE [--full]\n");
        return 2;
    }
    sl_type_t t = sl_type_from_name(argv[1]);
    bool full = argc > 2 && strcmp(argv[2], "--full") == 0;
    if (t == SL_T_UNKNOWN) {
        fprintf(stderr, "sl_typein: unknown type %s\n", argv[1]);
        return 2;
    }
    sl_arena_t *a = sl_arena_new(NULL, "typein");
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    sl_buf_t b = SL_BUF_INIT;
    while ((n = getline(&line, &cap, stdin)) >= 0) {
        if (n > 0 && line[n - 1] == '\n')
            line[--n] = '\0';
        sl_error_t err;
        sl_error_clear(&err);
        sl_datum_t d;
        memset(&d, 0, sizeof(d));
        int rc;
        if (full && (t == SL_T_TIMESTAMPTZ || t == SL_T_TIMESTAMP))
            rc = sl_ts_input_full(t == SL_T_TIMESTAMPTZ, line, (uint32_t)n, &d.v.i, &err);
        else
            rc = sl_type_input(t, -1, line, (uint32_t)n, a, &d, &err);
        sl_buf_reset(&b);
        if (rc == SL_OK)
            sl_type_output(t, &d, &b);
        else
            sl_buf_printf(&b, "ERROR: %s %s", err.sqlstate, err.message);
        fwrite(b.data, 1, b.len, stdout);
        putchar('\n');
    }
    free(line);
    sl_buf_free(&b);
    sl_arena_free(a);
    return 0;
}
