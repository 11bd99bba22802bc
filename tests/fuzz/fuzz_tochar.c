/*
 * fuzz_tochar.c: libFuzzer target for to_char's number templates
 * (exec/func_time.c, PostgreSQL's NUM_ parser and processor).  The first
 * byte picks the value's type (integer, bigint, double precision, real,
 * numeric), the bytes up to the first NUL are the value (a number's text;
 * numeric input as numeric_in takes it), the rest the template.  A refusal
 * has a SQLSTATE of class 42, 22 or 0A and a message; a result is at most
 * a few characters per template byte (16 for RN, every value's digits
 * when they fit).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"
#include "plan/func.h"
#include "util/numeric.h"

static sl_expr_t *node(sl_arena_t *a, sl_expr_kind_t k, sl_type_t t, int nargs)
{
    sl_expr_t *e = sl_alloc0(a, sizeof(*e));
    e->kind = k;
    e->type = t;
    e->typmod = -1;
    e->nargs = nargs;
    e->args = sl_alloc0(a, sizeof(*e->args) * (size_t)(nargs ? nargs : 1));
    return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const sl_type_t types[] = {SL_T_INT4, SL_T_INT8, SL_T_FLOAT8, SL_T_FLOAT4,
                                      SL_T_NUMERIC};
    if (size < 1 || size > 2048)
        return 0;
    sl_type_t t = types[data[0] % 5];
    const char *s = (const char *)data + 1;
    size_t n = size - 1;
    const char *nul = memchr(s, '\0', n);
    size_t vn = nul ? (size_t)(nul - s) : 0;
    const char *fmt = nul ? nul + 1 : s;
    size_t fn = nul ? n - vn - 1 : n;
    if (fn == 0)
        return 0;
    sl_arena_t *a = sl_arena_new(NULL, "fuzz");
    sl_expr_t *v = node(a, SL_E_CONST, t, 0);
    sl_error_t err;
    sl_error_clear(&err);
    char *vs = sl_alloc(a, vn + 1);
    memcpy(vs, s, vn);
    vs[vn] = '\0';
    if (t == SL_T_NUMERIC) {
        if (sl_numeric_input(vs, (uint32_t)vn, -1, a, &v->constval, &err) != SL_OK) {
            sl_arena_free(a);
            return 0;
        }
    } else if (t == SL_T_FLOAT8 || t == SL_T_FLOAT4) {
        v->constval.v.f = strtod(vs, NULL);
    } else {
        long long x = strtoll(vs, NULL, 10);
        v->constval.v.i = t == SL_T_INT4 ? (int32_t)x : x;
    }
    sl_expr_t *f = node(a, SL_E_CONST, SL_T_TEXT, 0);
    f->constval.v.s.p = fmt;
    f->constval.v.s.n = (uint32_t)fn;
    sl_expr_t *e = node(a, SL_E_FUNC, SL_T_TEXT, 2);
    e->func = SL_F_TO_CHAR_NUM;
    e->args[0] = v;
    e->args[1] = f;
    sl_batch_t batch;
    memset(&batch, 0, sizeof(batch));
    batch.nrows = 1;
    sl_datum_t d;
    sl_error_clear(&err);
    if (sl_expr_eval(e, &batch, 0, a, &d, &err) != SL_OK) {
        if ((strncmp(err.sqlstate, "42", 2) != 0 && strncmp(err.sqlstate, "22", 2) != 0 &&
             strncmp(err.sqlstate, "0A", 2) != 0) || err.message[0] == '\0')
            abort();
    } else if (!d.null && d.v.s.n > 16 * fn + 400) {
        abort();
    }
    sl_arena_free(a);
    return 0;
}
