/*
 * fuzz_csv.c: libFuzzer target for the CSV decoder (ingest/csv.c): each
 * input is a text/csv request body decoded without and with a header
 * record into a stream with a column of every type, in a buffer of its
 * length plus httpd's NUL.  A decoded batch has at most one row per line
 * and every value prints; an error has a SQLSTATE, a message and a line
 * inside the body (fuzz_stream.h).
 */
#include <stdint.h>

#include "fuzz_stream.h"
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

    sl_arena_free(a);
    free(body);
    return 0;
}
