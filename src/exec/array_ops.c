/*
 * array_ops.c: evaluation of array expressions (util/array.h) with
 * PostgreSQL's semantics.
 *
 *   sl__eval_anyall   x op ANY / ALL (array): ExecEvalScalarArrayOp's
 *                     rules (an empty array: false for ANY, true for ALL,
 *                     even for a NULL x; a NULL element makes an
 *                     undecided result NULL)
 *   sl__array_cast    arr::T[]: element by element, as values are cast
 *   sl__array_func    arr[i], arr[lo:hi], ARRAY[...], cardinality,
 *                     array_length, array_position, array_to_string,
 *                     @> <@ && (array_contain_compare: NULL elements
 *                     match nothing)
 *
 * Results are built in the scratch arena.
 */
#include "exec/exec_int.h"
#include "plan/func.h"
#include "util/array.h"

#include <string.h>

/* x (type xt) against y (type yt): equal types by sl_datum_cmp, two
 * integer types exactly, an integer or real against a float as doubles
 * (the analyzer allows no other pair). */
static int cross_cmp(sl_type_t xt, const sl_datum_t *x, sl_type_t yt, const sl_datum_t *y)
{
    if (xt == yt)
        return sl_datum_cmp(xt, x, y);
    if (sl_type_is_integer(xt) && sl_type_is_integer(yt))
        return sl_datum_cmp(SL_T_INT8, x, y);
    sl_datum_t a = *x, b = *y;
    if (sl_type_is_integer(xt))
        a.v.f = (double)x->v.i;
    if (sl_type_is_integer(yt))
        b.v.f = (double)y->v.i;
    return sl_datum_cmp(SL_T_FLOAT8, &a, &b);
}

static bool op_holds(sl_op_t op, int c)
{
    switch (op) {
    case SL_OP_EQ: return c == 0;
    case SL_OP_NE: return c != 0;
    case SL_OP_LT: return c < 0;
    case SL_OP_LE: return c <= 0;
    case SL_OP_GT: return c > 0;
    default: return c >= 0;
    }
}

static void set_null(sl_datum_t *out)
{
    memset(out, 0, sizeof(*out));
    out->null = true;
}

int sl__eval_anyall(const sl_expr_t *e, const sl_batch_t *b, int r, sl_arena_t *scratch,
                    sl_datum_t *out, sl_error_t *err)
{
    sl_datum_t x, arr, v;
    if (sl_expr_eval(e->args[0], b, r, scratch, &x, err) != SL_OK ||
        sl_expr_eval(e->args[1], b, r, scratch, &arr, err) != SL_OK)
        return SL_ERR;
    if (arr.null) {
        set_null(out);
        return SL_OK;
    }
    bool any = !e->all;
    memset(out, 0, sizeof(*out));
    out->v.i = !any;
    if (sl_array_count(&arr) == 0)
        return SL_OK;
    if (x.null) {
        set_null(out);
        return SL_OK;
    }
    sl_array_iter_t it;
    sl_array_iter_init(&it, e->args[1]->type, &arr);
    while (sl_array_next(&it, &v)) {
        if (v.null) {
            out->null = true;
            continue;
        }
        bool holds = op_holds(e->op, cross_cmp(e->args[0]->type, &x, it.elem, &v));
        if (holds == any) {
            out->null = false;
            out->v.i = any;
            return SL_OK;
        }
    }
    return SL_OK;
}

int sl__array_cast(const sl_expr_t *e, const sl_datum_t *x, sl_arena_t *scratch,
                   sl_datum_t *out, sl_error_t *err)
{
    sl_expr_t elem = {.kind = SL_E_CONST, .type = sl_type_elem(e->args[0]->type), .typmod = -1};
    sl_expr_t *arg = &elem;
    sl_expr_t cast = {.kind = SL_E_CAST, .type = sl_type_elem(e->type), .typmod = e->typmod,
                      .nargs = 1, .args = &arg};
    sl_array_iter_t it;
    sl_array_builder_t ab;
    sl_datum_t v;
    sl_array_iter_init(&it, e->args[0]->type, x);
    sl_array_build_begin(&ab, cast.type);
    while (sl_array_next(&it, &v)) {
        elem.constval = v;
        if (sl_expr_eval(&cast, NULL, 0, scratch, &v, err) != SL_OK) {
            sl_array_build_abort(&ab);
            return SL_ERR;
        }
        sl_array_build_add(&ab, &v);
    }
    sl_array_build_end(&ab, scratch, out);
    return SL_OK;
}

/* Appends the text of element v as PostgreSQL's output function writes
 * it (booleans t / f). */
static void put_text(sl_type_t elem, const sl_datum_t *v, sl_buf_t *b)
{
    if (elem == SL_T_BOOL)
        sl_buf_putc(b, v->v.i ? 't' : 'f');
    else
        sl_type_output(elem, v, b);
}

/* string_to_array(s, sep [, null]): s split at each sep (a NULL sep:
 * every character; an empty one: s whole; an empty s: no element),
 * elements equal to a non-NULL null string NULL (text_to_array). */
static int string_to_array(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *scratch,
                           sl_datum_t *out)
{
    const char *s = a[0].v.s.p, *end = s + a[0].v.s.n;
    bool has_null = e->nargs == 3 && !a[2].null;
    sl_array_builder_t ab;
    sl_array_build_begin(&ab, SL_T_TEXT);
    while (s < end) {
        const char *q;
        if (a[1].null) {
            size_t l = sl_utf8_seqlen(s, (size_t)(end - s));
            q = s + (l ? l : 1);
        } else if (a[1].v.s.n == 0) {
            q = end;
        } else {
            q = s;
            while (q < end && ((size_t)(end - q) < a[1].v.s.n ||
                               memcmp(q, a[1].v.s.p, a[1].v.s.n) != 0))
                q++;
        }
        sl_datum_t v = {.v.s = {s, (uint32_t)(q - s)}};
        v.null = has_null && v.v.s.n == a[2].v.s.n &&
                 (v.v.s.n == 0 || memcmp(s, a[2].v.s.p, v.v.s.n) == 0);
        sl_array_build_add(&ab, &v);
        if (q < end && !a[1].null && a[1].v.s.n > 0 && q + a[1].v.s.n == end) {
            /* a separator at the very end: one more, empty element */
            sl_datum_t last = {.v.s = {end, 0}};
            last.null = has_null && a[2].v.s.n == 0;
            sl_array_build_add(&ab, &last);
        }
        s = q < end && !a[1].null && a[1].v.s.n > 0 ? q + a[1].v.s.n : q;
    }
    sl_array_build_end(&ab, scratch, out);
    return SL_OK;
}

/* array_cat (a NULL array is empty; both NULL: NULL), array_append and
 * array_prepend (a NULL array: a new one; a NULL value: a NULL element). */
static int concat(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *scratch, sl_datum_t *out)
{
    if (e->func == SL_F_ARRAY_CAT && a[0].null && a[1].null) {
        out->null = true;
        return SL_OK;
    }
    sl_array_builder_t ab;
    sl_array_iter_t it;
    sl_datum_t v;
    sl_array_build_begin(&ab, sl_type_elem(e->type));
    for (int i = 0; i < 2; i++) {
        bool arr = e->func == SL_F_ARRAY_CAT || (i == 0) == (e->func == SL_F_ARRAY_APPEND);
        if (!arr) {
            sl_array_build_add(&ab, &a[i]);
            continue;
        }
        if (a[i].null)
            continue;
        sl_array_iter_init(&it, e->type, &a[i]);
        while (sl_array_next(&it, &v))
            sl_array_build_add(&ab, &v);
    }
    sl_array_build_end(&ab, scratch, out);
    return SL_OK;
}

/* Whether every (all) or some (!all) element of x is an element of y, as
 * PostgreSQL's array_contain_compare: a NULL element of x is in no array. */
static bool contain(sl_type_t t, const sl_datum_t *x, const sl_datum_t *y, bool all)
{
    sl_array_iter_t ix, iy;
    sl_datum_t u, v;
    sl_array_iter_init(&ix, t, x);
    while (sl_array_next(&ix, &u)) {
        bool found = false;
        if (!u.null) {
            sl_array_iter_init(&iy, t, y);
            while (!found && sl_array_next(&iy, &v))
                found = !v.null && sl_datum_cmp(ix.elem, &u, &v) == 0;
        }
        if (found != all)
            return found;
    }
    return all;
}

int sl__array_func(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *scratch,
                   sl_datum_t *out, sl_error_t *err)
{
    (void)err;
    memset(out, 0, sizeof(*out));
    sl_array_iter_t it;
    sl_datum_t v;
    if (e->func == SL_F_ARRAY) {
        sl_array_builder_t ab;
        sl_array_build_begin(&ab, e->args[0]->type);
        for (int i = 0; i < e->nargs; i++)
            sl_array_build_add(&ab, &a[i]);
        sl_array_build_end(&ab, scratch, out);
        return SL_OK;
    }
    if (e->func == SL_F_ARRAY_CAT || e->func == SL_F_ARRAY_APPEND ||
        e->func == SL_F_ARRAY_PREPEND)
        return concat(e, a, scratch, out);
    if (a[0].null) {   /* the non-strict ones */
        out->null = true;
        return SL_OK;
    }
    if (e->func == SL_F_STRING_TO_ARRAY)
        return string_to_array(e, a, scratch, out);
    uint32_t n = sl_array_count(&a[0]);
    sl_array_iter_init(&it, e->args[0]->type, &a[0]);
    switch (e->func) {
    case SL_F_CARDINALITY:
        out->v.i = n;
        return SL_OK;
    case SL_F_ARRAY_CONTAINS:
        out->v.i = contain(e->args[0]->type, &a[1], &a[0], true);
        return SL_OK;
    case SL_F_ARRAY_CONTAINED:
        out->v.i = contain(e->args[0]->type, &a[0], &a[1], true);
        return SL_OK;
    case SL_F_ARRAY_OVERLAP:
        out->v.i = contain(e->args[0]->type, &a[0], &a[1], false);
        return SL_OK;
    case SL_F_ARRAY_LENGTH:
    case SL_F_ARRAY_UPPER:
        out->v.i = n;
        out->null = n == 0 || a[1].v.i != 1;
        return SL_OK;
    case SL_F_ARRAY_LOWER:
        out->v.i = 1;
        out->null = n == 0 || a[1].v.i != 1;
        return SL_OK;
    case SL_F_SUBSCRIPT:
        out->null = true;
        for (int64_t i = 1; sl_array_next(&it, &v); i++)
            if (i == a[1].v.i) {
                *out = v;
                break;
            }
        return SL_OK;
    case SL_F_SLICE: {
        /* elements lo..hi clamped to 1..n, as a new array from 1; empty
         * when none (PostgreSQL's array_get_slice) */
        sl_array_builder_t ab;
        sl_array_build_begin(&ab, it.elem);
        for (int64_t i = 1; sl_array_next(&it, &v); i++)
            if (i >= a[1].v.i && i <= a[2].v.i)
                sl_array_build_add(&ab, &v);
        sl_array_build_end(&ab, scratch, out);
        return SL_OK;
    }
    case SL_F_ARRAY_POSITION:
        /* IS NOT DISTINCT FROM: a NULL finds the first NULL element */
        for (int64_t i = 1; sl_array_next(&it, &v); i++)
            if (v.null ? a[1].null
                       : !a[1].null && cross_cmp(e->args[1]->type, &a[1], it.elem, &v) == 0) {
                out->v.i = i;
                return SL_OK;
            }
        out->null = true;
        return SL_OK;
    case SL_F_ARRAY_TO_STRING: {
        /* NULL elements skipped, or written as the third argument */
        if (a[1].null) {
            out->null = true;
            return SL_OK;
        }
        bool nullstr = e->nargs == 3 && !a[2].null;
        sl_buf_t b = SL_BUF_INIT;
        for (bool first = true; sl_array_next(&it, &v);) {
            if (v.null && !nullstr)
                continue;
            if (!first)
                sl_buf_append(&b, a[1].v.s.p, a[1].v.s.n);
            first = false;
            if (v.null)
                sl_buf_append(&b, a[2].v.s.p, a[2].v.s.n);
            else
                put_text(it.elem, &v, &b);
        }
        char *p = sl_alloc(scratch, b.len + 1);
        if (b.len)
            memcpy(p, b.data, b.len);
        out->v.s.p = p;
        out->v.s.n = (uint32_t)b.len;
        sl_buf_free(&b);
        return SL_OK;
    }
    default:
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0, "unknown array function %d",
                            e->func);
    }
}
