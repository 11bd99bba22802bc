/*
 * numeric_ops.c: the executor's exact numeric (util/numeric.h): the
 * operators, unary minus, casts to and from the other number types, and
 * the functions abs, sign, round, trunc, ceil, floor, mod, sqrt, ln, log,
 * exp and power over numeric, each as PostgreSQL 15 computes it.  Values
 * are read from their text, computed on GMP integers and written back as
 * text into the scratch arena.
 *
 * width_bucket over numerics is exact, as width_bucket_numeric.
 *
 * extract (and power with an infinite argument) still compute in double
 * precision: sl__numeric_func_double converts numeric
 * arguments to doubles and the double result back to a numeric (extract
 * at its PostgreSQL scale; power with 15 significant digits).
 */
#include "exec/exec_int.h"
#include "plan/func.h"
#include "util/numeric.h"

#include <math.h>
#include <string.h>

/* Reads non-null numeric or integer datum d of type t into x. */
static void get(sl_type_t t, const sl_datum_t *d, sl_num_t *x)
{
    if (t == SL_T_NUMERIC)
        sl_numeric_get(d, x);
    else
        sl_num_set_int(x, d->v.i);
}

int sl__numeric_arith(sl_op_t op, const sl_datum_t *a, const sl_datum_t *b,
                      sl_arena_t *scratch, sl_datum_t *out, sl_error_t *err)
{
    sl_num_t x, y, r;
    sl_num_init(&x);
    sl_num_init(&y);
    sl_num_init(&r);
    sl_numeric_get(a, &x);
    sl_numeric_get(b, &y);
    int rc;
    switch (op) {
    case SL_OP_ADD: rc = sl_num_add(&r, &x, &y, err); break;
    case SL_OP_SUB: rc = sl_num_sub(&r, &x, &y, err); break;
    case SL_OP_MUL: rc = sl_num_mul(&r, &x, &y, err); break;
    case SL_OP_DIV: rc = sl_num_div(&r, &x, &y, err); break;
    case SL_OP_MOD: rc = sl_num_mod(&r, &x, &y, err); break;
    default:
        rc = sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0, "unexpected numeric operator %d", op);
        break;
    }
    if (rc == SL_OK)
        sl_numeric_put(&r, scratch, out);
    sl_num_clear(&x);
    sl_num_clear(&y);
    sl_num_clear(&r);
    return rc;
}

void sl__numeric_neg(const sl_datum_t *a, sl_arena_t *scratch, sl_datum_t *out)
{
    sl_num_t x;
    sl_num_init(&x);
    sl_numeric_get(a, &x);
    sl_num_neg(&x);
    sl_numeric_put(&x, scratch, out);
    sl_num_clear(&x);
}

int sl__numeric_cast(sl_type_t from, sl_type_t to, int typmod, const sl_datum_t *in,
                     sl_arena_t *scratch, sl_datum_t *out, sl_error_t *err)
{
    sl_num_t x;
    sl_num_init(&x);
    int rc = SL_OK;
    memset(out, 0, sizeof(*out));
    if (to == SL_T_NUMERIC) {
        if (from == SL_T_FLOAT4 || from == SL_T_FLOAT8)
            rc = sl_num_from_double(&x, in->v.f, from == SL_T_FLOAT4, err);
        else if (sl_type_is_integer(from) || from == SL_T_NUMERIC)
            get(from, in, &x);
        else
            rc = sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0, "cannot cast type %s to %s",
                              sl_type_name(from), sl_type_name(to));
        if (rc == SL_OK)
            rc = sl_num_apply_typmod(&x, typmod, err);
        if (rc == SL_OK) {
            if (from == SL_T_NUMERIC && typmod < 0)
                *out = *in;
            else
                sl_numeric_put(&x, scratch, out);
        }
    } else {
        sl_numeric_get(in, &x);
        if (sl_type_is_integer(to))
            rc = sl_num_to_int(&x, to == SL_T_INT2 ? 16 : to == SL_T_INT4 ? 32 : 64, &out->v.i, err);
        else if (to == SL_T_FLOAT4 || to == SL_T_FLOAT8)
            rc = sl_num_to_double(&x, to == SL_T_FLOAT4, &out->v.f, err);
        else
            rc = sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0, "cannot cast type %s to %s",
                              sl_type_name(from), sl_type_name(to));
    }
    sl_num_clear(&x);
    return rc;
}

/* An int4 scale argument of round/trunc. */
static int scale_arg(const sl_datum_t *d)
{
    int64_t s = d->v.i;
    return s > 100000 ? 100000 : s < -100000 ? -100000 : (int)s;
}

bool sl__numeric_func_exact(int func)
{
    return func == SL_F_ABS || func == SL_F_SIGN || func == SL_F_ROUND || func == SL_F_TRUNC ||
           func == SL_F_CEIL || func == SL_F_FLOOR || func == SL_F_MOD || func == SL_F_SQRT ||
           func == SL_F_LN || func == SL_F_LOG10 || func == SL_F_LOG || func == SL_F_EXP ||
           func == SL_F_POWER || func == SL_F_WIDTH_BUCKET;
}

/*
 * width_bucket_numeric(operand, bound1, bound2, count): 0 before bound1,
 * count + 1 from bound2 on, else compute_bucket's value (either direction
 * of the bounds), with PostgreSQL 15's numeric arithmetic; 2201G for a count below 1, a NaN and an infinite bound, equal
 * bounds; 22003 when the result leaves int4.
 */
static int width_bucket(const sl_datum_t *a, sl_datum_t *out, sl_error_t *err)
{
    int64_t count = a[3].v.i;
    if (count <= 0)
        return sl_error_set(err, "2201G", 0, "count must be greater than zero");
    sl_num_t x, b1, b2;
    sl_num_init(&x);
    sl_num_init(&b1);
    sl_num_init(&b2);
    sl_numeric_get(&a[0], &x);
    sl_numeric_get(&a[1], &b1);
    sl_numeric_get(&a[2], &b2);
    int rc = SL_OK;
    int64_t r = 0;
    int dir = sl_num_cmp(&b1, &b2);
    if (x.kind == SL_NUM_NAN || b1.kind == SL_NUM_NAN || b2.kind == SL_NUM_NAN) {
        rc = sl_error_set(err, "2201G", 0, "operand, lower bound, and upper bound cannot be NaN");
    } else if (b1.kind != SL_NUM_FINITE || b2.kind != SL_NUM_FINITE) {
        rc = sl_error_set(err, "2201G", 0, "lower and upper bounds must be finite");
    } else if (dir == 0) {
        rc = sl_error_set(err, "2201G", 0, "lower bound cannot equal upper bound");
    } else if (dir < 0 ? sl_num_cmp(&x, &b1) < 0 : sl_num_cmp(&x, &b1) > 0) {
        r = 0;   /* before bound1 */
    } else if (dir < 0 ? sl_num_cmp(&x, &b2) >= 0 : sl_num_cmp(&x, &b2) <= 0) {
        r = count + 1;
        if (r > INT32_MAX)
            rc = sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0, "integer out of range");
    } else {
        /* compute_bucket: floor((x - b1) * count / (b2 - b1) + 1), the
         * quotient at numeric division's scale, rounded (so a quotient
         * just below count may round up to it and give count + 1, as
         * PostgreSQL 15's does) */
        sl_num_t n, d, q, c;
        sl_num_init(&n);
        sl_num_init(&d);
        sl_num_init(&q);
        sl_num_init(&c);
        sl_num_set_int(&c, count);
        if (dir < 0) {
            rc = sl_num_sub(&q, &x, &b1, err);
            if (rc == SL_OK)
                rc = sl_num_sub(&d, &b2, &b1, err);
        } else {
            rc = sl_num_sub(&q, &b1, &x, err);
            if (rc == SL_OK)
                rc = sl_num_sub(&d, &b1, &b2, err);
        }
        if (rc == SL_OK)
            rc = sl_num_mul(&n, &q, &c, err);
        if (rc == SL_OK)
            rc = sl_num_div(&q, &n, &d, err);
        sl_num_set_int(&c, 1);
        if (rc == SL_OK)
            rc = sl_num_add(&n, &q, &c, err);
        if (rc == SL_OK)
            rc = sl_num_floor(&n, err);
        if (rc == SL_OK)
            rc = sl_num_to_int(&n, 32, &r, err);
        sl_num_clear(&n);
        sl_num_clear(&d);
        sl_num_clear(&q);
        sl_num_clear(&c);
    }
    out->v.i = r;
    sl_num_clear(&x);
    sl_num_clear(&b1);
    sl_num_clear(&b2);
    return rc;
}

int sl__numeric_func(const sl_expr_t *e, const sl_datum_t *a,
                     int (*eval)(const sl_expr_t *, const sl_datum_t *, sl_arena_t *,
                                 sl_datum_t *, sl_error_t *),
                     sl_arena_t *scratch, sl_datum_t *out, sl_error_t *err)
{
    if (e->func == SL_F_WIDTH_BUCKET)   /* int4 result */
        return width_bucket(a, out, err);
    sl_num_t x, y, r;
    sl_num_init(&x);
    sl_num_init(&y);
    sl_num_init(&r);
    sl_numeric_get(&a[0], &x);
    int rc = SL_OK;
    sl_num_t *res = &x;
    switch (e->func) {
    case SL_F_ABS: sl_num_abs(&x); break;
    case SL_F_SIGN: sl_num_sign(&x); break;
    case SL_F_ROUND: rc = sl_num_round(&x, e->nargs == 2 ? scale_arg(&a[1]) : 0, err); break;
    case SL_F_TRUNC: rc = sl_num_trunc(&x, e->nargs == 2 ? scale_arg(&a[1]) : 0, err); break;
    case SL_F_CEIL: rc = sl_num_ceil(&x, err); break;
    case SL_F_FLOOR: rc = sl_num_floor(&x, err); break;
    case SL_F_SQRT: rc = sl_num_sqrt(&x, err); break;
    case SL_F_LN: rc = sl_num_ln(&x, err); break;
    case SL_F_EXP: rc = sl_num_exp(&x, err); break;
    case SL_F_LOG10:   /* log(x) is log(10, x) */
        sl_num_set_int(&y, 10);
        rc = sl_num_log(&r, &y, &x, err);
        res = &r;
        break;
    case SL_F_POWER: {
        bool inexact = false;
        sl_numeric_get(&a[1], &y);
        rc = sl_num_power(&r, &x, &y, &inexact, err);
        res = &r;
        if (rc == SL_OK && inexact) {
            sl_num_clear(&x);
            sl_num_clear(&y);
            sl_num_clear(&r);
            return sl__numeric_func_double(e, a, eval, scratch, out, err);
        }
        break;
    }
    case SL_F_LOG:     /* log(base, x) */
        sl_numeric_get(&a[1], &y);
        rc = sl_num_log(&r, &x, &y, err);
        res = &r;
        break;
    case SL_F_MOD:
        sl_numeric_get(&a[1], &y);
        rc = sl_num_mod(&r, &x, &y, err);
        res = &r;
        break;
    default:
        rc = sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0, "unexpected numeric function %d",
                          e->func);
        break;
    }
    if (rc == SL_OK)
        sl_numeric_put(res, scratch, out);
    sl_num_clear(&x);
    sl_num_clear(&y);
    sl_num_clear(&r);
    return rc;
}

/* Scale of extract(unit from ...)'s numeric result in PostgreSQL 15:
 * seconds and epoch 6, milliseconds 3, the others 0. */
static int extract_scale(const sl_datum_t *unit)
{
    char u[16];
    uint32_t n = unit->v.s.n < sizeof(u) - 1 ? unit->v.s.n : sizeof(u) - 1;
    for (uint32_t i = 0; i < n; i++)
        u[i] = (char)(unit->v.s.p[i] >= 'A' && unit->v.s.p[i] <= 'Z' ? unit->v.s.p[i] + 32
                                                                   : unit->v.s.p[i]);
    u[n] = '\0';
    if (strcmp(u, "second") == 0 || strcmp(u, "seconds") == 0 || strcmp(u, "sec") == 0 ||
        strcmp(u, "secs") == 0 || strcmp(u, "s") == 0 || strcmp(u, "epoch") == 0)
        return 6;
    if (strncmp(u, "millisec", 8) == 0 || strcmp(u, "ms") == 0 || strcmp(u, "msec") == 0 ||
        strcmp(u, "msecs") == 0 || strcmp(u, "milliseconds") == 0)
        return 3;
    return 0;
}

int sl__numeric_func_double(const sl_expr_t *e, const sl_datum_t *args,
                            int (*eval)(const sl_expr_t *, const sl_datum_t *, sl_arena_t *,
                                        sl_datum_t *, sl_error_t *),
                            sl_arena_t *scratch, sl_datum_t *out, sl_error_t *err)
{
    sl_datum_t local[8];
    sl_datum_t *v = e->nargs <= 8 ? local : sl_alloc(scratch, sizeof(*v) * (size_t)e->nargs);
    sl_num_t x;
    sl_num_init(&x);
    int rc = SL_OK;
    for (int i = 0; i < e->nargs && rc == SL_OK; i++) {
        v[i] = args[i];
        if (e->args[i]->type == SL_T_NUMERIC && !args[i].null) {
            sl_numeric_get(&args[i], &x);
            rc = sl_num_to_double(&x, false, &v[i].v.f, err);
        }
    }
    if (rc == SL_OK)
        rc = eval(e, v, scratch, out, err);
    if (rc == SL_OK && e->type == SL_T_NUMERIC && !out->null) {
        double f = out->v.f;
        int sc = e->func == SL_F_EXTRACT ? extract_scale(&args[0]) : 0;
        long double scaled = (long double)f * (sc == 6 ? 1e6L : sc == 3 ? 1e3L : 1.0L);
        if (e->func == SL_F_EXTRACT && isfinite(f) && fabsl(scaled) < 9e18L) {
            /* microseconds are whole: rounding at PostgreSQL's scale is exact */
            sl_num_set_int(&x, (int64_t)llroundl(scaled));
            x.dscale = sc;
        } else {
            rc = sl_num_from_double(&x, f, false, err);
        }
        if (rc == SL_OK)
            sl_numeric_put(&x, scratch, out);
    }
    sl_num_clear(&x);
    return rc;
}

/* ---- sums of numerics for the hash aggregate ---- */

/* Exact running sums of numerics (and of their squares, for the
 * statistics): the finite values add up in s (scale ds, the largest input
 * scale, as PostgreSQL's numeric sum keeps it), NaN and the infinities
 * are counted apart as numeric_accum counts them.  The mpz limbs are
 * malloc'd by GMP: a cleanup on the delta's arena releases them. */
struct sl__numacc {
    mpz_t s, s2;
    int ds, ds2;
    int64_t nan, pinf, ninf;
};

static void numacc_free(void *p)
{
    sl__numacc_t *acc = p;
    mpz_clear(acc->s);
    mpz_clear(acc->s2);
}

sl__numacc_t *sl__numacc_new(sl_arena_t *a)
{
    sl__numacc_t *acc = sl_alloc0(a, sizeof(*acc));
    mpz_init(acc->s);
    mpz_init(acc->s2);
    sl_arena_on_free(a, numacc_free, acc);
    return acc;
}

/* s (scale *ds) += v (scale d). */
static void add_scaled(mpz_t s, int *ds, const mpz_t v, int d)
{
    if (d > *ds) {
        mpz_t p;
        mpz_init(p);
        mpz_ui_pow_ui(p, 10, (unsigned long)(d - *ds));
        mpz_mul(s, s, p);
        mpz_clear(p);
        *ds = d;
    }
    if (d == *ds) {
        mpz_add(s, s, v);
        return;
    }
    mpz_t t;
    mpz_init(t);
    mpz_ui_pow_ui(t, 10, (unsigned long)(*ds - d));
    mpz_mul(t, t, v);
    mpz_add(s, s, t);
    mpz_clear(t);
}

void sl__numacc_add(sl__numacc_t *acc, const sl_datum_t *v, bool squares)
{
    sl_num_t x;
    sl_num_init(&x);
    sl_numeric_get(v, &x);
    switch (x.kind) {
    case SL_NUM_NAN: acc->nan++; break;
    case SL_NUM_PINF: acc->pinf++; break;
    case SL_NUM_NINF: acc->ninf++; break;
    default:
        add_scaled(acc->s, &acc->ds, x.v, x.dscale);
        if (squares) {
            mpz_mul(x.v, x.v, x.v);
            add_scaled(acc->s2, &acc->ds2, x.v, 2 * x.dscale);
        }
        break;
    }
    sl_num_clear(&x);
}

void sl__numacc_merge(sl__numacc_t *dst, const sl__numacc_t *src)
{
    add_scaled(dst->s, &dst->ds, src->s, src->ds);
    add_scaled(dst->s2, &dst->ds2, src->s2, src->ds2);
    dst->nan += src->nan;
    dst->pinf += src->pinf;
    dst->ninf += src->ninf;
}

void sl__numacc_output(const sl__numacc_t *acc, bool squares, sl_buf_t *out)
{
    sl_num_t x;
    sl_num_init(&x);
    if (acc->nan > 0 || (!squares && acc->pinf > 0 && acc->ninf > 0)) {
        sl_num_set_kind(&x, SL_NUM_NAN);
    } else if (acc->pinf > 0 || acc->ninf > 0) {
        /* a sum of squares with an infinite value is +Infinity */
        sl_num_set_kind(&x, squares || acc->pinf > 0 ? SL_NUM_PINF : SL_NUM_NINF);
    } else {
        mpz_set(x.v, squares ? acc->s2 : acc->s);
        x.dscale = squares ? acc->ds2 : acc->ds;
    }
    sl_num_format(&x, out);
    sl_num_clear(&x);
}
