/*
 * fuzz_ndjson.c: libFuzzer target for the JSON decoders (ingest/ndjson.c):
 * each input is a request body decoded both as application/x-ndjson
 * (sl_ndjson_decode) and as application/json (sl_json_decode) into a
 * stream with a column of every type.  The body sits in a buffer of its
 * length plus the NUL httpd puts after it.  A decoded batch has at most one
 * row per line (NDJSON) or per '{' (JSON) and every value prints; an error
 * has a SQLSTATE, a message and a line inside the body (fuzz_stream.h).
 */
#include <stdint.h>

#include "fuzz_stream.h"
#include "ingest/ndjson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = fuzz_body(data, size);
    sl_arena_t *a = sl_arena_new(NULL, "fuzz");
    sl_batch_t *b = NULL;
    sl_ingest_error_t ie;

    int rc = sl_ndjson_decode(&fuzz_stream, body, size, a, &b, &ie);
    fuzz_check(rc, b, &ie, body, size, fuzz_count(body, size, '\n') + 1);
    sl_arena_reset(a);
    rc = sl_json_decode(&fuzz_stream, body, size, a, &b, &ie);
    fuzz_check(rc, b, &ie, body, size, fuzz_count(body, size, '{'));

    sl_arena_free(a);
    free(body);
    return 0;
}
