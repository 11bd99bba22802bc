/*
 * fuzz_datetime.c: libFuzzer target for the date/time input functions
 * (util/datetime.c).  Each input is read as date, time, uuid, timestamp
 * and timestamptz; the timestamp fast path (sl_ts_input_fast) and the full
 * decoder (sl_ts_input_full) must agree wherever the fast path accepts:
 * same value, and the full decoder never refuses what the fast path took.
 * A refusal has a SQLSTATE of class 22 and a message; an accepted value
 * prints and reads back as itself.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/datetime.h"
#include "util/types.h"

static void check_error(const sl_error_t *err)
{
    if (strncmp(err->sqlstate, "22", 2) != 0 || err->message[0] == '\0')
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    const char *s = (const char *)data;
    uint32_t n = (uint32_t)size;
    for (int tz = 0; tz < 2; tz++) {
        int64_t fast = 0, full = 0;
        sl_error_t err;
        sl_error_clear(&err);
        int took = sl_ts_input_fast(tz, s, n, &fast);
        int rc = sl_ts_input_full(tz, s, n, &full, &err);
        if (took && (rc != SL_OK || fast != full))
            abort();
        if (rc != SL_OK)
            check_error(&err);
    }
    static const sl_type_t types[] = {SL_T_DATE, SL_T_TIME, SL_T_UUID, SL_T_TIMESTAMP,
                                      SL_T_TIMESTAMPTZ};
    for (size_t k = 0; k < sizeof(types) / sizeof(types[0]); k++) {
        sl_datum_t d, back;
        sl_error_t err;
        sl_error_clear(&err);
        memset(&d, 0, sizeof(d));
        if (sl_type_input(types[k], -1, s, n, NULL, &d, &err) != SL_OK) {
            check_error(&err);
            continue;
        }
        sl_buf_t b = SL_BUF_INIT;
        sl_type_output(types[k], &d, &b);
        sl_error_clear(&err);
        memset(&back, 0, sizeof(back));
        if (sl_type_input(types[k], -1, b.data, (uint32_t)b.len, NULL, &back, &err) != SL_OK ||
            sl_datum_cmp(types[k], &d, &back) != 0)
            abort();
        sl_buf_free(&b);
    }
    return 0;
}
