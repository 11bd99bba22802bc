/*
 * fuzz_types.c: libFuzzer target for the input functions of Sluice's types
 * (util/types.c and the modules behind it, interval.c ...).  The input is
 * tried as a value of every type; an accepted value must print, and what
 * it prints must be accepted again as the same value (PostgreSQL's output
 * reads back: its text round-trips); a refusal has a SQLSTATE and a
 * message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/types.h"

static void fail(const char *what, sl_type_t t, const char *in, const char *out)
{
    fprintf(stderr, "fuzz_types: %s: %s: [%s] -> [%s]\n", sl_type_name(t), what, in,
            out ? out : "");
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4096)
        return 0;
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = 0;
    sl_arena_t *a = sl_arena_new(NULL, "fuzz");
    for (int t = SL_T_BOOL; t < SL_T_NTYPES; t++) {
        sl_datum_t d, e;
        sl_error_t err;
        memset(&err, 0, sizeof(err));
        if (sl_type_input((sl_type_t)t, -1, s, (uint32_t)size, a, &d, &err) != SL_OK) {
            if (strlen(err.sqlstate) != 5 || err.message[0] == '\0')
                fail("error without SQLSTATE or message", (sl_type_t)t, s, NULL);
            continue;
        }
        sl_buf_t b = SL_BUF_INIT;
        sl_type_output((sl_type_t)t, &d, &b);
        const char *out = sl_buf_cstr(&b);
        memset(&err, 0, sizeof(err));
        if (sl_type_input((sl_type_t)t, -1, out, (uint32_t)b.len, a, &e, &err) != SL_OK)
            fail(err.message, (sl_type_t)t, s, out);
        if (!sl_datum_eq((sl_type_t)t, &d, &e))
            fail("output does not read back as the same value", (sl_type_t)t, s, out);
        if (t == SL_T_INTERVAL && (d.v.iv.months != e.v.iv.months ||
                                   d.v.iv.days != e.v.iv.days || d.v.iv.us != e.v.iv.us))
            fail("interval fields differ after a round trip", (sl_type_t)t, s, out);
        sl_buf_free(&b);
        sl_arena_reset(a);
    }
    sl_arena_free(a);
    free(s);
    return 0;
}
