/*
 * fuzz_csv.c: libFuzzer target for the CSV decoder (ingest/csv.c) and the
 * COPY text decoder (ingest/copytext.c): each input is a text/csv request
 * body decoded without and with a header record, then COPY data in text
 * format (tab and NULL \N; '|' and NULL "" with a header line, the
 * columns in reverse), into a stream with a column of every type, in a
 * buffer of its length plus httpd's NUL.  A decoded batch has at most one row per line
 * and every value prints; an error has a SQLSTATE, a message and a line
 * inside the body (fuzz_stream.h).
 */
#include <stdint.h>

#include "fuzz_stream.h"
#include "ingest/copytext.h"
#include "ingest/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = fuzz_body(data, size);
    sl_arena_t *a = sl_arena_new(NULL, "fuzz");
    sl_batch_t *b = NULL;
    sl_ingest_error_t ie;

    for (int header = 0; header < 2; header++) {
        int rc = sl_csv_decode(&fuzz_stream, body, size, header, a, &b, &ie);
        fuzz_check(rc, b, &ie, body, size, fuzz_count(body, size, '\n') + 1);
        sl_arena_reset(a);
    }
    int fwd[10], rev[10];
    for (int i = 0; i < 10; i++) {
        fwd[i] = i;
        rev[i] = 9 - i;
    }
    sl_copytext_opts_t text[2] = {
        {.cols = fwd, .ncols = 10, .delimiter = '\t', .null_string = "\\N"},
        {.cols = rev, .ncols = 10, .delimiter = '|', .null_string = "", .header = true},
    };
    for (int k = 0; k < 2; k++) {
        int rc = sl_copytext_decode(&fuzz_stream, &text[k], body, size, a, &b, &ie);
        fuzz_check(rc, b, &ie, body, size, fuzz_count(body, size, '\n') + 1);
        sl_arena_reset(a);
    }

    sl_arena_free(a);
    free(body);
    return 0;
}
