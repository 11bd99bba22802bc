/*
 * array_ops.c: evaluation of array expressions (util/array.h) with
 * PostgreSQL's semantics.
 *
 *   sl__eval_anyall   x op ANY / ALL (array): ExecEvalScalarArrayOp's
 *                     rules (an empty array: false for ANY, true for ALL,
 *                     even for a NULL x; a NULL element makes an
 *                     undecided result NULL)
 *   sl__array_cast    arr::T[]: element by element, as values are cast
 *   sl__array_func    arr[i][j]..., arr[lo:hi] (the first dimension),
 *                     ARRAY[...], cardinality, array_length,
 *                     array_lower, array_upper (of any dimension),
 *                     array_position, array_to_string, ||
 *                     (array_cat's rules for arrays of one rank or of
 *                     ranks one apart, lower bounds kept), @> <@ &&
 *                     (array_contain_compare: NULL elements match nothing)
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
    sl_array_shape_t sh;
    sl_array_shape(x, &sh);
    sl_array_iter_init(&it, e->args[0]->type, x);
    sl_array_build_begin(&ab, cast.type);
    sl_array_build_shape(&ab, &sh);
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

/* array_cat: a NULL or empty array gives the other one as it is (both
 * NULL: NULL); arrays of one rank join along their first dimension (the
 * first one's lower bounds), an array of one rank less is a new last
 * row; 2202E otherwise, with PostgreSQL's DETAIL. */
static int array_cat(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *scratch,
                     sl_datum_t *out, sl_error_t *err)
{
    sl_array_shape_t s0, s1, r;
    if (a[0].null || a[1].null) {
        *out = a[0].null ? a[1] : a[0];
        return SL_OK;
    }
    sl_array_shape(&a[0], &s0);
    sl_array_shape(&a[1], &s1);
    if (s0.ndim == 0 || s1.ndim == 0) {
        *out = s0.ndim == 0 ? a[1] : a[0];
        return SL_OK;
    }
    const char *bad = NULL;
    if (s0.ndim == s1.ndim) {
        r = s0;
        for (int k = 1; k < s0.ndim && !bad; k++)
            if (s0.dims[k] != s1.dims[k] || s0.lbs[k] != s1.lbs[k])
                bad = "Arrays with differing element dimensions are not compatible for "
                      "concatenation.";
        r.dims[0] += s1.dims[0];
    } else if (s0.ndim == s1.ndim - 1 || s0.ndim == s1.ndim + 1) {
        /* the smaller one is a row: the bigger one's lower bounds, its
         * first dimension one longer (in front or at the end) */
        const sl_array_shape_t *big = s0.ndim > s1.ndim ? &s0 : &s1,
                               *row = s0.ndim > s1.ndim ? &s1 : &s0;
        r = *big;
        for (int k = 0; k < row->ndim && !bad; k++)
            if (row->dims[k] != big->dims[k + 1] || row->lbs[k] != big->lbs[k + 1])
                bad = "Arrays with differing dimensions are not compatible for concatenation.";
        r.dims[0]++;
    } else {
        sl_error_set(err, "2202E", 0, "cannot concatenate incompatible arrays");
        sl_error_detail(err, "Arrays of %d and %d dimensions are not compatible for "
                             "concatenation.", s0.ndim, s1.ndim);
        return SL_ERR;
    }
    if (bad) {
        sl_error_set(err, "2202E", 0, "cannot concatenate incompatible arrays");
        sl_error_detail(err, "%s", bad);
        return SL_ERR;
    }
    sl_array_builder_t ab;
    sl_array_iter_t it;
    sl_datum_t v;
    sl_array_build_begin(&ab, sl_type_elem(e->type));
    sl_array_build_shape(&ab, &r);
    for (int i = 0; i < 2; i++) {
        sl_array_iter_init(&it, e->type, &a[i]);
        while (sl_array_next(&it, &v))
            sl_array_build_add(&ab, &v);
    }
    sl_array_build_end(&ab, scratch, out);
    return SL_OK;
}

/* array_append and array_prepend: a NULL or empty array gives a new one
 * of one element from 1; a one-dimensional array keeps its lower bound
 * (prepend too: PostgreSQL readjusts it); more dimensions are 22000. */
static int concat(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *scratch, sl_datum_t *out,
                  sl_error_t *err)
{
    if (e->func == SL_F_ARRAY_CAT)
        return array_cat(e, a, scratch, out, err);
    int ai = e->func == SL_F_ARRAY_APPEND ? 0 : 1;
    sl_array_shape_t sh;
    memset(&sh, 0, sizeof(sh));
    if (!a[ai].null)
        sl_array_shape(&a[ai], &sh);
    if (sh.ndim > 1) {
        sl_error_set(err, "22000", 0, "argument must be empty or one-dimensional array");
        return SL_ERR;
    }
    if (sh.ndim == 0) {
        sh.ndim = 1;
        sh.dims[0] = 0;
        sh.lbs[0] = 1;
    }
    sh.dims[0]++;
    sl_array_builder_t ab;
    sl_array_iter_t it;
    sl_datum_t v;
    sl_array_build_begin(&ab, sl_type_elem(e->type));
    sl_array_build_shape(&ab, &sh);
    for (int i = 0; i < 2; i++) {
        if (i != ai) {
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

/* ARRAY[arr, ...]: the arrays one more dimension (lower bound 1) over
 * their common shape; NULL and empty arrays are skipped when all are,
 * else 2202E as ExecEvalArrayExpr has it. */
static int sub_arrays(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *scratch,
                      sl_datum_t *out, sl_error_t *err)
{
    sl_array_shape_t sh, first = {0};
    int nonempty = 0;
    bool empty = false;
    for (int i = 0; i < e->nargs; i++) {
        if (a[i].null || sl_array_count(&a[i]) == 0) {
            empty = true;
            continue;
        }
        sl_array_shape(&a[i], &sh);
        if (nonempty++ == 0) {
            first = sh;
            continue;
        }
        bool same = sh.ndim == first.ndim;
        for (int k = 0; same && k < sh.ndim; k++)
            same = sh.dims[k] == first.dims[k] && sh.lbs[k] == first.lbs[k];
        if (!same)
            empty = true, nonempty = e->nargs + 1;   /* a mismatch: the error below */
    }
    if (nonempty > 0 && (empty || first.ndim >= SL_ARRAY_MAXDIM)) {
        if (first.ndim >= SL_ARRAY_MAXDIM && !empty)
            return sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT, 0,
                                "number of array dimensions (%d) exceeds the maximum allowed (%d)",
                                first.ndim + 1, SL_ARRAY_MAXDIM);
        return sl_error_set(err, "2202E", 0, "multidimensional arrays must have array "
                                             "expressions with matching dimensions");
    }
    sl_array_builder_t ab;
    sl_array_iter_t it;
    sl_datum_t v;
    sl_array_build_begin(&ab, sl_type_elem(e->type));
    if (nonempty > 0) {
        memset(&sh, 0, sizeof(sh));
        sh.ndim = first.ndim + 1;
        sh.dims[0] = nonempty;
        sh.lbs[0] = 1;
        for (int k = 0; k < first.ndim; k++) {
            sh.dims[k + 1] = first.dims[k];
            sh.lbs[k + 1] = first.lbs[k];
        }
        sl_array_build_shape(&ab, &sh);
        for (int i = 0; i < e->nargs; i++) {
            sl_array_iter_init(&it, e->type, &a[i]);
            while (sl_array_next(&it, &v))
                sl_array_build_add(&ab, &v);
        }
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
    memset(out, 0, sizeof(*out));
    sl_array_iter_t it;
    sl_datum_t v;
    if (e->func == SL_F_ARRAY && sl_type_is_array(e->args[0]->type))
        return sub_arrays(e, a, scratch, out, err);
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
        return concat(e, a, scratch, out, err);
    if (a[0].null) {   /* the non-strict ones */
        out->null = true;
        return SL_OK;
    }
    if (e->func == SL_F_STRING_TO_ARRAY)
        return string_to_array(e, a, scratch, out);
    uint32_t n = sl_array_count(&a[0]);
    sl_array_shape_t sh;
    sl_array_shape(&a[0], &sh);
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
    case SL_F_ARRAY_LOWER: {
        /* NULL for a dimension the array does not have */
        int64_t d = a[1].v.i - 1;
        out->null = d < 0 || d >= sh.ndim;
        if (!out->null)
            out->v.i = e->func == SL_F_ARRAY_LENGTH  ? sh.dims[d]
                       : e->func == SL_F_ARRAY_LOWER ? sh.lbs[d]
                                                     : (int64_t)sh.lbs[d] + sh.dims[d] - 1;
        return SL_OK;
    }
    case SL_F_SUBSCRIPT: {
        /* as many subscripts as dimensions, each within its bounds, else
         * NULL; the element's place in the flat list */
        int64_t at = 0;
        out->null = true;
        if (e->nargs - 1 != sh.ndim)
            return SL_OK;
        for (int k = 0; k < sh.ndim; k++) {
            if (a[k + 1].null)
                return SL_OK;
            int64_t i = a[k + 1].v.i - sh.lbs[k];
            if (i < 0 || i >= sh.dims[k])
                return SL_OK;
            at = at * sh.dims[k] + i;
        }
        for (int64_t i = 0; sl_array_next(&it, &v); i++)
            if (i == at) {
                *out = v;
                break;
            }
        return SL_OK;
    }
    case SL_F_SLICE: {
        /* a[lo:hi]: the first dimension's subscripts lo..hi clamped to its
         * bounds, the other dimensions whole, as a new array from 1;
         * empty when none (PostgreSQL's array_get_slice) */
        sl_array_builder_t ab;
        sl_array_build_begin(&ab, it.elem);
        if (sh.ndim > 0) {
            int64_t lb = sh.lbs[0], ub = lb + sh.dims[0] - 1;
            int64_t lo = a[1].v.i > lb ? a[1].v.i : lb, hi = a[2].v.i < ub ? a[2].v.i : ub;
            if (lo <= hi) {
                int64_t block = 1;
                for (int k = 1; k < sh.ndim; k++)
                    block *= sh.dims[k];
                for (int64_t i = 0; sl_array_next(&it, &v); i++) {
                    int64_t sub = lb + i / block;
                    if (sub >= lo && sub <= hi)
                        sl_array_build_add(&ab, &v);
                }
                if (sh.ndim > 1) {
                    sl_array_shape_t rs = sh;
                    rs.dims[0] = (int)(hi - lo + 1);
                    for (int k = 0; k < rs.ndim; k++)
                        rs.lbs[k] = 1;
                    sl_array_build_shape(&ab, &rs);
                }
            }
        }
        sl_array_build_end(&ab, scratch, out);
        return SL_OK;
    }
    case SL_F_ARRAY_POSITION:
        if (sh.ndim > 1)
            return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0,
                                "searching for elements in multidimensional arrays is not "
                                "supported");
        /* IS NOT DISTINCT FROM: a NULL finds the first NULL element; the
         * subscript counts from the array's lower bound */
        for (int64_t i = sh.ndim ? sh.lbs[0] : 1; sl_array_next(&it, &v); i++)
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
