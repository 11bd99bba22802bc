/*
 * expr.c: evaluation of analyzed expressions on one row of a batch, with
 * PostgreSQL's semantics (see sl_expr_eval in exec.h).
 *
 * The analyzer guarantees: both arguments of SL_E_OP have one type (it
 * inserts casts), SL_OP_CONCAT's are text, AND/OR/NOT take booleans.
 * Integer arithmetic happens in the argument type and fails with 22003 on
 * overflow; float arithmetic fails on overflow/underflow as float8pl and
 * friends do; / and % by zero fail with 22012.  Strict operators return
 * NULL for a NULL argument; AND/OR are three-valued and stop at the first
 * deciding argument, as PostgreSQL does.
 */
#include "exec/exec_int.h"
#include "plan/func.h"
#include "util/array.h"
#include "util/jsonb.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static int int_range_error(sl_type_t t, sl_error_t *err)
{
    return sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0, "%s out of range",
                        t == SL_T_INT2 ? "smallint" : t == SL_T_INT4 ? "integer" : "bigint");
}

static int div_zero(sl_error_t *err)
{
    return sl_error_set(err, SL_ERRCODE_DIVISION_BY_ZERO, 0, "division by zero");
}

static bool int_fits(sl_type_t t, int64_t v)
{
    if (t == SL_T_INT2)
        return v >= INT16_MIN && v <= INT16_MAX;
    if (t == SL_T_INT4)
        return v >= INT32_MIN && v <= INT32_MAX;
    return true;
}

static int int_arith(sl_op_t op, sl_type_t t, int64_t a, int64_t b, int64_t *r,
                     sl_error_t *err)
{
    bool ovf = false;
    switch (op) {
    case SL_OP_ADD: ovf = __builtin_add_overflow(a, b, r); break;
    case SL_OP_SUB: ovf = __builtin_sub_overflow(a, b, r); break;
    case SL_OP_MUL: ovf = __builtin_mul_overflow(a, b, r); break;
    case SL_OP_DIV:
        if (b == 0)
            return div_zero(err);
        if (b == -1) {
            ovf = __builtin_sub_overflow((int64_t)0, a, r);
            break;
        }
        *r = a / b;
        break;
    case SL_OP_MOD:
        if (b == 0)
            return div_zero(err);
        *r = b == -1 ? 0 : a % b;
        break;
    default:
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0, "unexpected integer operator %d", op);
    }
    if (ovf || !int_fits(t, *r))
        return int_range_error(t, err);
    return SL_OK;
}

static int float_overflow(sl_type_t t, sl_error_t *err)
{
    if (t == SL_T_NUMERIC)
        return sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0, "value overflows numeric format");
    return sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0, "value out of range: overflow");
}

static int float_underflow(sl_error_t *err)
{
    return sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0, "value out of range: underflow");
}

/* float8pl / float8mi / float8mul / float8div (float4 ones for FLOAT4:
 * computed in single precision). */
static int float_arith(sl_op_t op, sl_type_t t, double a, double b, double *r,
                       sl_error_t *err)
{
    double v;
    bool single = t == SL_T_FLOAT4;
    switch (op) {
    case SL_OP_ADD:
        v = single ? (double)((float)a + (float)b) : a + b;
        if (isinf(v) && !isinf(a) && !isinf(b))
            return float_overflow(t, err);
        break;
    case SL_OP_SUB:
        v = single ? (double)((float)a - (float)b) : a - b;
        if (isinf(v) && !isinf(a) && !isinf(b))
            return float_overflow(t, err);
        break;
    case SL_OP_MUL:
        v = single ? (double)((float)a * (float)b) : a * b;
        if (isinf(v) && !isinf(a) && !isinf(b))
            return float_overflow(t, err);
        if (v == 0.0 && a != 0.0 && b != 0.0)
            return float_underflow(err);
        break;
    case SL_OP_DIV:
        if (b == 0.0 && (t == SL_T_NUMERIC || !isnan(a)))
            return div_zero(err);
        v = single ? (double)((float)a / (float)b) : a / b;
        if (isinf(v) && !isinf(a))
            return float_overflow(t, err);
        if (v == 0.0 && a != 0.0 && !isinf(b))
            return float_underflow(err);
        break;
    case SL_OP_MOD:
        if (b == 0.0)
            return div_zero(err);
        v = fmod(a, b);
        break;
    default:
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0, "unexpected float operator %d", op);
    }
    *r = v;
    return SL_OK;
}

static bool is_float(sl_type_t t)
{
    return t == SL_T_FLOAT4 || t == SL_T_FLOAT8;
}

static bool is_text(sl_type_t t)
{
    return t == SL_T_TEXT || t == SL_T_UNKNOWN;
}

/* Truncates text to typmod characters (an explicit cast to varchar(n)
 * truncates silently, as PostgreSQL's does). */
static void clip_varchar(sl_datum_t *d, int typmod)
{
    if (typmod < 0)
        return;
    const unsigned char *p = (const unsigned char *)d->v.s.p;
    uint32_t off = 0;
    for (int c = 0; c < typmod && off < d->v.s.n; c++) {
        unsigned char ch = p[off];
        off += ch < 0x80 ? 1 : (ch & 0xe0) == 0xc0 ? 2 : (ch & 0xf0) == 0xe0 ? 3 : 4;
    }
    if (off < d->v.s.n)
        d->v.s.n = off;
}

/* Converts non-null in (type from) to type `to` (typmod) into *out. */
static int cast_datum(sl_type_t from, sl_type_t to, int typmod, const sl_datum_t *in,
                      sl_arena_t *scratch, sl_datum_t *out, sl_error_t *err)
{
    sl_datum_t d = *in;
    d.null = false;
    if (is_text(to)) {
        if (!is_text(from)) {
            sl_buf_t b = SL_BUF_INIT;
            sl_type_output(from, in, &b);
            char *p = sl_alloc(scratch, b.len + 1);
            memcpy(p, sl_buf_cstr(&b), b.len + 1);
            d.v.s.p = p;
            d.v.s.n = (uint32_t)b.len;
            sl_buf_free(&b);
        }
        clip_varchar(&d, to == SL_T_TEXT ? typmod : -1);
        *out = d;
        return SL_OK;
    }
    if (is_text(from))
        return sl_type_input(to, typmod, in->v.s.p, in->v.s.n, scratch, out, err);
    if (from == SL_T_JSONB && to != SL_T_JSONB)
        return sl_jsonb_cast((sl_jb_t){in->v.s.p, in->v.s.n}, to, scratch, out, err);
    if (from == SL_T_NUMERIC || to == SL_T_NUMERIC)
        return sl__numeric_cast(from, to, typmod, in, scratch, out, err);
    if (from == to) {
        *out = d;
        return SL_OK;
    }
    if (sl_type_is_integer(to)) {
        int64_t v;
        if (sl_type_is_integer(from) || from == SL_T_BOOL) {
            v = in->v.i;
        } else if (is_float(from)) {
            /* float -> int rounds half to even (rint); numeric -> int
             * rounds half away from zero (numeric rounding). */
            double f = from == SL_T_NUMERIC ? round(in->v.f) : rint(in->v.f);
            if (isnan(f) || f < -9223372036854775808.0 || f >= 9223372036854775808.0)
                return int_range_error(to, err);
            v = (int64_t)f;
        } else {
            goto unsupported;
        }
        if (!int_fits(to, v))
            return int_range_error(to, err);
        d.v.i = v;
        *out = d;
        return SL_OK;
    }
    if (is_float(to)) {
        double f;
        if (sl_type_is_integer(from))
            f = (double)in->v.i;
        else if (is_float(from))
            f = in->v.f;
        else
            goto unsupported;
        if (to == SL_T_FLOAT4) {
            float g = (float)f;
            if (isinf(g) && !isinf(f))
                return float_overflow(to, err);
            if (g == 0.0f && f != 0.0)
                return float_underflow(err);
            f = g;
        }
        d.v.f = f;
        *out = d;
        return SL_OK;
    }
    if (to == SL_T_BOOL && sl_type_is_integer(from)) {
        d.v.i = in->v.i != 0;
        *out = d;
        return SL_OK;
    }
    if (from == SL_T_DATE || to == SL_T_DATE || to == SL_T_TIME) {
        *out = d;
        return sl__date_cast(from, to, in, out, err);
    }
    if ((to == SL_T_TIMESTAMP || to == SL_T_TIMESTAMPTZ) &&
        (from == SL_T_TIMESTAMP || from == SL_T_TIMESTAMPTZ)) {
        *out = d; /* session TimeZone is UTC: same instant number */
        return SL_OK;
    }
unsupported:
    return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0,
                        "cannot cast type %s to %s", sl_type_name(from), sl_type_name(to));
}

/* + and - with intervals and timestamp - timestamp (the analyzer typed
 * them: sql/analyze_expr.c time_arith). */
static int time_op(const sl_expr_t *e, const sl_datum_t *x, const sl_datum_t *y,
                   sl_datum_t *out, sl_error_t *err)
{
    sl_type_t lt = e->args[0]->type, rt = e->args[1]->type;
    sl_interval_t neg;
    if (e->op == SL_OP_MUL || e->op == SL_OP_DIV) {
        const sl_interval_t *iv = lt == SL_T_INTERVAL ? &x->v.iv : &y->v.iv;
        double f = lt == SL_T_INTERVAL ? y->v.f : x->v.f;
        if (e->op == SL_OP_DIV)
            return sl_interval_div(iv, f, &out->v.iv, err);
        return sl_interval_mul(iv, f, &out->v.iv, err);
    }
    if (lt == SL_T_INTERVAL && rt == SL_T_INTERVAL) {
        if (e->op == SL_OP_ADD)
            return sl_interval_pl(&x->v.iv, &y->v.iv, &out->v.iv, err);
        return sl_interval_neg(&y->v.iv, &neg, err) != SL_OK
                   ? SL_ERR : sl_interval_pl(&x->v.iv, &neg, &out->v.iv, err);
    }
    if (lt != SL_T_INTERVAL && rt != SL_T_INTERVAL)
        return sl_timestamp_mi(x->v.i, y->v.i, &out->v.iv, err);
    if (lt == SL_T_INTERVAL)   /* interval + time */
        return sl_timestamp_pl_interval(y->v.i, &x->v.iv, &out->v.i, err);
    if (e->op == SL_OP_ADD)
        return sl_timestamp_pl_interval(x->v.i, &y->v.iv, &out->v.i, err);
    return sl_interval_neg(&y->v.iv, &neg, err) != SL_OK
               ? SL_ERR : sl_timestamp_pl_interval(x->v.i, &neg, &out->v.i, err);
}

static __attribute__((noinline)) int eval_op(const sl_expr_t *e, const sl_batch_t *b, int r,
                                             sl_arena_t *scratch, sl_datum_t *out,
                                             sl_error_t *err)
{
    sl_datum_t x, y;
    if (sl_expr_eval(e->args[0], b, r, scratch, &x, err) != SL_OK ||
        sl_expr_eval(e->args[1], b, r, scratch, &y, err) != SL_OK)
        return SL_ERR;
    memset(out, 0, sizeof(*out));
    if (x.null || y.null) {
        out->null = true;
        return SL_OK;
    }
    sl_type_t t = e->args[0]->type;
    switch (e->op) {
    case SL_OP_EQ: case SL_OP_NE: case SL_OP_LT:
    case SL_OP_LE: case SL_OP_GT: case SL_OP_GE: {
        if (is_text(t) && (e->op == SL_OP_EQ || e->op == SL_OP_NE)) {
            /* texteq: equal bytes, whatever the collation (a collated
             * comparison breaks ties by the bytes: sl_datum_cmp) */
            bool eq = x.v.s.n == y.v.s.n &&
                      (x.v.s.n == 0 || memcmp(x.v.s.p, y.v.s.p, x.v.s.n) == 0);
            out->v.i = eq == (e->op == SL_OP_EQ);
            return SL_OK;
        }
        int c = sl_datum_cmp(t, &x, &y);
        bool v = e->op == SL_OP_EQ ? c == 0 : e->op == SL_OP_NE ? c != 0 :
                 e->op == SL_OP_LT ? c < 0 : e->op == SL_OP_LE ? c <= 0 :
                 e->op == SL_OP_GT ? c > 0 : c >= 0;
        out->v.i = v;
        return SL_OK;
    }
    case SL_OP_CONCAT: {
        uint32_t n = x.v.s.n + y.v.s.n;
        char *p = sl_alloc(scratch, n ? n : 1);
        if (x.v.s.n)
            memcpy(p, x.v.s.p, x.v.s.n);
        if (y.v.s.n)
            memcpy(p + x.v.s.n, y.v.s.p, y.v.s.n);
        out->v.s.p = p;
        out->v.s.n = n;
        return SL_OK;
    }
    default:
        if (t == SL_T_DATE || t == SL_T_TIME || e->args[1]->type == SL_T_DATE ||
            e->args[1]->type == SL_T_TIME)
            return sl__date_op(e, &x, &y, out, err);
        if (e->type == SL_T_INTERVAL || e->args[1]->type == SL_T_INTERVAL ||
            t == SL_T_INTERVAL)   /* also interval * float8 */
            return time_op(e, &x, &y, out, err);
        if (sl_type_is_integer(t))
            return int_arith(e->op, t, x.v.i, y.v.i, &out->v.i, err);
        if (is_float(t))
            return float_arith(e->op, t, x.v.f, y.v.f, &out->v.f, err);
        if (t == SL_T_NUMERIC)
            return sl__numeric_arith(e->op, &x, &y, scratch, out, err);
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0,
                            "arithmetic on type %s is not supported", sl_type_name(t));
    }
}

static int eval_bool(const sl_expr_t *e, const sl_batch_t *b, int r, sl_arena_t *scratch,
                     sl_datum_t *out, sl_error_t *err)
{
    return sl_expr_eval(e, b, r, scratch, out, err);
}

static void set_bool(sl_datum_t *out, bool v)
{
    memset(out, 0, sizeof(*out));
    out->v.i = v;
}

/* CASE WHEN c THEN v ... ELSE v END (the ELSE is always there: NULL
 * when omitted). */
static __attribute__((noinline)) int eval_case(const sl_expr_t *e, const sl_batch_t *b, int r,
                                               sl_arena_t *scratch, sl_datum_t *out,
                                               sl_error_t *err)
{
    sl_datum_t x;
    for (int i = 0; i + 1 < e->nargs; i += 2) {
        if (eval_bool(e->args[i], b, r, scratch, &x, err) != SL_OK)
            return SL_ERR;
        if (!x.null && x.v.i)
            return sl_expr_eval(e->args[i + 1], b, r, scratch, out, err);
    }
    return sl_expr_eval(e->args[e->nargs - 1], b, r, scratch, out, err);
}

/* CASE, COALESCE, NULLIF, GREATEST / LEAST, = ANY / <> ALL, IS [NOT]
 * DISTINCT FROM, IS [NOT] TRUE ..., and function calls. */
static int eval_cond(const sl_expr_t *e, const sl_batch_t *b, int r, sl_arena_t *scratch,
                     sl_datum_t *out, sl_error_t *err)
{
    sl_datum_t x, y;
    switch (e->kind) {
    case SL_E_CASE:
        return eval_case(e, b, r, scratch, out, err);
    case SL_E_COALESCE:
        for (int i = 0; i < e->nargs; i++) {
            if (sl_expr_eval(e->args[i], b, r, scratch, out, err) != SL_OK)
                return SL_ERR;
            if (!out->null)
                return SL_OK;
        }
        return SL_OK;
    case SL_E_NULLIF:
        if (sl_expr_eval(e->args[0], b, r, scratch, &x, err) != SL_OK ||
            sl_expr_eval(e->args[1], b, r, scratch, &y, err) != SL_OK)
            return SL_ERR;
        *out = x;
        /* (real, double precision) compares in double precision */
        if (!x.null && !y.null &&
            sl_datum_cmp(e->args[1]->type == SL_T_FLOAT8 ? SL_T_FLOAT8 : e->args[0]->type,
                         &x, &y) == 0)
            out->null = true;
        return SL_OK;
    case SL_E_MINMAX:
        memset(out, 0, sizeof(*out));
        out->null = true;
        for (int i = 0; i < e->nargs; i++) {
            if (sl_expr_eval(e->args[i], b, r, scratch, &x, err) != SL_OK)
                return SL_ERR;
            if (x.null)
                continue;
            if (out->null) {
                *out = x;
                continue;
            }
            int c = sl_datum_cmp(e->type, &x, out);
            if (e->op == SL_OP_GT ? c > 0 : c < 0)
                *out = x;
        }
        return SL_OK;
    case SL_E_ANY: {
        /* The list is built first (every element evaluated), then compared
         * in order: = ANY stops at the first equal, <> ALL at the first
         * equal too (false); NULLs make an undecided result NULL. */
        int n = e->nargs;
        sl_datum_t *v = sl_alloc(scratch, sizeof(*v) * (size_t)n);
        for (int i = 0; i < n; i++)
            if (sl_expr_eval(e->args[i], b, r, scratch, &v[i], err) != SL_OK)
                return SL_ERR;
        bool any = e->op == SL_OP_EQ;
        if (v[0].null) {
            memset(out, 0, sizeof(*out));
            out->null = true;
            return SL_OK;
        }
        bool saw_null = false;
        for (int i = 1; i < n; i++) {
            if (v[i].null) {
                saw_null = true;
                continue;
            }
            if (sl_datum_cmp(e->args[0]->type, &v[0], &v[i]) == 0) {
                set_bool(out, any);
                return SL_OK;
            }
        }
        set_bool(out, !any);
        out->null = saw_null;
        return SL_OK;
    }
    case SL_E_DISTINCT: {
        if (sl_expr_eval(e->args[0], b, r, scratch, &x, err) != SL_OK ||
            sl_expr_eval(e->args[1], b, r, scratch, &y, err) != SL_OK)
            return SL_ERR;
        bool same = (x.null && y.null) ||
                    (!x.null && !y.null && sl_datum_cmp(e->args[0]->type, &x, &y) == 0);
        set_bool(out, same == (e->op == SL_OP_EQ));
        return SL_OK;
    }
    case SL_E_BOOLTEST: {
        if (sl_expr_eval(e->args[0], b, r, scratch, &x, err) != SL_OK)
            return SL_ERR;
        bool v;
        switch (e->booltest) {
        case SL_BT_TRUE: v = !x.null && x.v.i; break;
        case SL_BT_NOT_TRUE: v = x.null || !x.v.i; break;
        case SL_BT_FALSE: v = !x.null && !x.v.i; break;
        case SL_BT_NOT_FALSE: v = x.null || x.v.i; break;
        case SL_BT_UNKNOWN: v = x.null; break;
        default: v = !x.null; break;
        }
        set_bool(out, v);
        return SL_OK;
    }
    case SL_E_FUNC: {
        sl_datum_t local[8];
        sl_datum_t *v = e->nargs <= 8 ? local : sl_alloc(scratch, sizeof(*v) * (size_t)e->nargs);
        bool strict = !(e->func == SL_F_CONCAT || e->func == SL_F_CONCAT_WS ||
                        e->func == SL_F_ARRAY || e->func == SL_F_ARRAY_POSITION ||
                        e->func == SL_F_ARRAY_TO_STRING || e->func == SL_F_STRING_TO_ARRAY ||
                        e->func == SL_F_ARRAY_CAT || e->func == SL_F_ARRAY_APPEND ||
                        e->func == SL_F_ARRAY_PREPEND);
        for (int i = 0; i < e->nargs; i++)
            if (sl_expr_eval(e->args[i], b, r, scratch, &v[i], err) != SL_OK)
                return SL_ERR;
        if (strict)
            for (int i = 0; i < e->nargs; i++)
                if (v[i].null) {
                    memset(out, 0, sizeof(*out));
                    out->null = true;
                    return SL_OK;
                }
        return sl__func_eval(e, v, scratch, out, err);
    }
    case SL_E_ANYALL:
        return sl__eval_anyall(e, b, r, scratch, out, err);
    default:
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0, "unknown expression kind %d",
                            e->kind);
    }
}

/* Every kind but the leaves sl_expr_eval handles itself; kept out of line
 * so that a constant or a column costs no more than a small call. */
static __attribute__((noinline)) int eval_node(const sl_expr_t *e, const sl_batch_t *b, int r,
                                               sl_arena_t *scratch, sl_datum_t *out,
                                               sl_error_t *err)
{
    switch (e->kind) {
    case SL_E_OP:
        return eval_op(e, b, r, scratch, out, err);
    case SL_E_NEG: {
        sl_datum_t x;
        if (sl_expr_eval(e->args[0], b, r, scratch, &x, err) != SL_OK)
            return SL_ERR;
        *out = x;
        if (x.null)
            return SL_OK;
        sl_type_t t = e->args[0]->type;
        if (sl_type_is_integer(t)) {
            if (x.v.i == INT64_MIN || !int_fits(t, -x.v.i))
                return int_range_error(t, err);
            out->v.i = -x.v.i;
        } else if (is_float(t)) {
            out->v.f = -x.v.f;
        } else if (t == SL_T_NUMERIC) {
            sl__numeric_neg(&x, scratch, out);
        } else if (t == SL_T_INTERVAL) {
            return sl_interval_neg(&x.v.iv, &out->v.iv, err);
        } else {
            return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0,
                                "unary minus on type %s is not supported", sl_type_name(t));
        }
        return SL_OK;
    }
    case SL_E_AND:
    case SL_E_OR: {
        /* AND: false wins, then NULL; OR: true wins, then NULL. */
        bool decisive = e->kind == SL_E_OR;
        bool any_null = false;
        for (int i = 0; i < e->nargs; i++) {
            sl_datum_t x;
            if (sl_expr_eval(e->args[i], b, r, scratch, &x, err) != SL_OK)
                return SL_ERR;
            if (x.null) {
                any_null = true;
            } else if ((x.v.i != 0) == decisive) {
                memset(out, 0, sizeof(*out));
                out->v.i = decisive;
                return SL_OK;
            }
        }
        memset(out, 0, sizeof(*out));
        out->null = any_null;
        out->v.i = !decisive;
        return SL_OK;
    }
    case SL_E_NOT: {
        sl_datum_t x;
        if (sl_expr_eval(e->args[0], b, r, scratch, &x, err) != SL_OK)
            return SL_ERR;
        memset(out, 0, sizeof(*out));
        out->null = x.null;
        out->v.i = x.null ? 0 : !x.v.i;
        return SL_OK;
    }
    case SL_E_ISNULL:
    case SL_E_ISNOTNULL: {
        sl_datum_t x;
        if (sl_expr_eval(e->args[0], b, r, scratch, &x, err) != SL_OK)
            return SL_ERR;
        memset(out, 0, sizeof(*out));
        out->v.i = x.null == (e->kind == SL_E_ISNULL);
        return SL_OK;
    }
    case SL_E_CAST: {
        sl_datum_t x;
        if (sl_expr_eval(e->args[0], b, r, scratch, &x, err) != SL_OK)
            return SL_ERR;
        if (x.null) {
            *out = x;
            return SL_OK;
        }
        if (sl_type_is_array(e->type) && sl_type_is_array(e->args[0]->type))
            return sl__array_cast(e, &x, scratch, out, err);
        return cast_datum(e->args[0]->type, e->type, e->typmod, &x, scratch, out, err);
    }
    default:
        return eval_cond(e, b, r, scratch, out, err);
    }
    return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0, "unknown expression kind %d", e->kind);
}

int sl_expr_eval(const sl_expr_t *e, const sl_batch_t *b, int r, sl_arena_t *scratch,
                 sl_datum_t *out, sl_error_t *err)
{
    switch (e->kind) {
    case SL_E_CONST:
        *out = e->constval;
        return SL_OK;
    case SL_E_COLUMN:
        *out = b->cols[e->colno][r];
        return SL_OK;
    case SL_E_FUNC:
        /* a jsonb column's field by a constant key (payload->>'kind'): looked
         * up at once, as sl__jsonb_get would after evaluating both arguments */
        if ((e->func == SL_F_JSONB_GET_TEXT || e->func == SL_F_JSONB_GET) &&
            e->args[0]->kind == SL_E_COLUMN && e->args[1]->kind == SL_E_CONST &&
            e->args[1]->type == SL_T_TEXT && !e->args[1]->constval.null) {
            sl__jsonb_get_key(e, &b->cols[e->args[0]->colno][r], scratch, out);
            return SL_OK;
        }
        return eval_node(e, b, r, scratch, out, err);
    case SL_E_OP:
        return eval_op(e, b, r, scratch, out, err);
    case SL_E_CASE:
        return eval_case(e, b, r, scratch, out, err);
    default:
        return eval_node(e, b, r, scratch, out, err);
    }
}
