/*
 * fuzz_array.c: libFuzzer target for arrays (util/array.c and the array
 * columns of ingest/ndjson.c).  Each input is read by array_in as an array
 * of every element type (the first byte picks a varchar(n) typmod for
 * text[], and numeric(n,2) for numeric[] when n > 2): an error must carry a SQLSTATE and a message; a value must
 * print (array_out), read back to an equal value that prints the same, and
 * compare equal to itself with one hash (multidimensional arrays and
 * explicit bounds included).  The input is then decoded as an NDJSON body
 * into a stream of array columns (nested JSON arrays as dimensions), every
 * value printed.
 */
#include <stdint.h>

#include "fuzz_stream.h"
#include "util/array.h"

static sl_column_t array_cols[] = {
    {"t", SL_T_TEXT_ARRAY, -1}, {"i", SL_T_INT8_ARRAY, -1}, {"f", SL_T_FLOAT8_ARRAY, -1},
    {"b", SL_T_BOOL_ARRAY, -1}, {"ts", SL_T_TIMESTAMPTZ_ARRAY, -1}, {"w", SL_T_TEXT_ARRAY, 3},
    {"n", SL_T_NUMERIC_ARRAY, -1}, {"n52", SL_T_NUMERIC_ARRAY, 327686},   /* numeric(5,2)[] */
    {"iv", SL_T_INTERVAL_ARRAY, -1}, {"jb", SL_T_JSONB_ARRAY, -1}, {"d", SL_T_DATE_ARRAY, -1},
    {"tm", SL_T_TIME_ARRAY, -1}, {"u", SL_T_UUID_ARRAY, -1},
};
static sl_stream_t array_stream = {.name = "a", .ncols = 13, .cols = array_cols};

static const sl_type_t types[] = {
    SL_T_BOOL_ARRAY, SL_T_INT2_ARRAY, SL_T_INT4_ARRAY, SL_T_INT8_ARRAY, SL_T_FLOAT4_ARRAY,
    SL_T_FLOAT8_ARRAY, SL_T_TEXT_ARRAY, SL_T_TIMESTAMPTZ_ARRAY, SL_T_TIMESTAMP_ARRAY,
    SL_T_NUMERIC_ARRAY, SL_T_INTERVAL_ARRAY, SL_T_JSONB_ARRAY, SL_T_DATE_ARRAY, SL_T_TIME_ARRAY,
    SL_T_UUID_ARRAY,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *body = fuzz_body(data, size);
    sl_arena_t *a = sl_arena_new(NULL, "fuzz");
    sl_buf_t out = SL_BUF_INIT, again = SL_BUF_INIT;
    int typmod = size > 0 && data[0] < 8 ? data[0] : -1;

    for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
        sl_type_t t = types[k];
        int tm = t == SL_T_TEXT_ARRAY ? typmod
                 : t == SL_T_NUMERIC_ARRAY && typmod > 2 ? ((typmod << 16) | 2) + 4
                                                        : -1;
        sl_datum_t d, back;
        sl_error_t err;
        sl_error_clear(&err);
        if (sl_type_input(t, tm, body, (uint32_t)size, a, &d, &err) != SL_OK) {
            if (strlen(err.sqlstate) != 5 || err.message[0] == '\0')
                fuzz_fail("array error without SQLSTATE or message");
            continue;
        }
        sl_buf_reset(&out);
        sl_type_output(t, &d, &out);
        sl_error_clear(&err);
        if (sl_type_input(t, tm, out.data, (uint32_t)out.len, a, &back, &err) != SL_OK)
            fuzz_fail("array_out's text does not read back");
        sl_buf_reset(&again);
        sl_type_output(t, &back, &again);
        if (again.len != out.len || memcmp(again.data, out.data, out.len) != 0)
            fuzz_fail("array_out's text reads back to another value");
        if (!sl_datum_eq(t, &d, &back) || sl_datum_cmp(t, &d, &back) != 0 ||
            sl_datum_hash(t, &d) != sl_datum_hash(t, &back))
            fuzz_fail("a value read back is not equal to itself");
    }

    sl_batch_t *b = NULL;
    sl_ingest_error_t ie;
    int rc = sl_ndjson_decode(&array_stream, body, size, a, &b, &ie);
    if (rc != SL_OK && (strlen(ie.sqlstate) != 5 || ie.message[0] == '\0'))
        fuzz_fail("NDJSON error without SQLSTATE or message");
    for (int c = 0; rc == SL_OK && c < b->ncols; c++)
        for (int r = 0; r < b->nrows; r++)
            if (!b->cols[c][r].null) {
                sl_buf_reset(&out);
                sl_type_output(array_cols[c].type, &b->cols[c][r], &out);
            }

    sl_buf_free(&out);
    sl_buf_free(&again);
    sl_arena_free(a);
    free(body);
    return 0;
}
