/*
 * numeric.c: PostgreSQL 15's numeric on GMP integers; see numeric.h.
 *
 * A finite value is an mpz v and a display scale d (value = v / 10^d):
 * PostgreSQL's base-10000 digits are a storage detail except in division,
 * whose result scale (select_div_scale) looks at the weight and leading
 * base-10000 digit of each operand; div_scale derives them from the
 * decimal digits.  Every rounding is half away from zero, as round_var's.
 * In datums a numeric is its output text; the text compares and hashes
 * without conversion.
 */
#include "util/numeric.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/types.h"

#define QMAX 200
#define MAX_RESULT_SCALE 2000   /* round(x, n) / trunc(x, n): n is clamped here */

void sl_num_init(sl_num_t *x)
{
    x->kind = SL_NUM_FINITE;
    x->dscale = 0;
    mpz_init(x->v);
}

void sl_num_clear(sl_num_t *x)
{
    mpz_clear(x->v);
}

void sl_num_set(sl_num_t *r, const sl_num_t *x)
{
    r->kind = x->kind;
    r->dscale = x->dscale;
    mpz_set(r->v, x->v);
}

void sl_num_set_int(sl_num_t *r, int64_t v)
{
    r->kind = SL_NUM_FINITE;
    r->dscale = 0;
    mpz_set_si(r->v, (long)v);   /* long is 64 bits on the targets */
}

void sl_num_set_kind(sl_num_t *r, sl_num_kind_t k)
{
    r->kind = k;
    r->dscale = 0;
    mpz_set_ui(r->v, 0);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static int overflow(sl_error_t *err)
{
    return sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0, "value overflows numeric format");
}

/* v *= 10^k (k >= 0). */
static void mul_pow10(mpz_t v, unsigned long k)
{
    if (k == 0 || mpz_sgn(v) == 0)
        return;
    if (k <= 19) {
        static const unsigned long p10[20] = {
            1UL, 10UL, 100UL, 1000UL, 10000UL, 100000UL, 1000000UL, 10000000UL,
            100000000UL, 1000000000UL, 10000000000UL, 100000000000UL, 1000000000000UL,
            10000000000000UL, 100000000000000UL, 1000000000000000UL, 10000000000000000UL,
            100000000000000000UL, 1000000000000000000UL, 10000000000000000000UL};
        mpz_mul_ui(v, v, p10[k]);
        return;
    }
    mpz_t p;
    mpz_init(p);
    mpz_ui_pow_ui(p, 10, k);
    mpz_mul(v, v, p);
    mpz_clear(p);
}

/* Number of decimal digits of |v| (0 for 0). */
static size_t ndigits(const mpz_t v)
{
    if (mpz_sgn(v) == 0)
        return 0;
    size_t n = mpz_sizeinbase(v, 10);   /* exact or one too many */
    if (n <= 1)
        return n;
    mpz_t p;
    mpz_init(p);
    mpz_ui_pow_ui(p, 10, n - 1);
    int c = mpz_cmpabs(v, p);
    mpz_clear(p);
    return c < 0 ? n - 1 : n;
}

/* 22003 when x has more than 131072 digits before the point. */
static int check_range(const sl_num_t *x, sl_error_t *err)
{
    if (x->kind != SL_NUM_FINITE || mpz_sgn(x->v) == 0)
        return SL_OK;
    size_t est = mpz_sizeinbase(x->v, 10);
    if (est <= (size_t)x->dscale + SL_NUM_MAX_INT_DIGITS)
        return SL_OK;
    if (ndigits(x->v) > (size_t)x->dscale + SL_NUM_MAX_INT_DIGITS)
        return overflow(err);
    return SL_OK;
}

enum { R_ROUND, R_TRUNC, R_CEIL, R_FLOOR };

/* Sets x's scale to s (s may be negative: digits left of the point are
 * zeroed, the display scale becoming 0), rounding as mode says. */
static void rescale(sl_num_t *x, int s, int mode)
{
    if (x->kind != SL_NUM_FINITE)
        return;
    if (s >= x->dscale) {
        mul_pow10(x->v, (unsigned long)(s - x->dscale));
        x->dscale = s;
        return;
    }
    unsigned long k = (unsigned long)(x->dscale - s);
    mpz_t p, q, r;
    mpz_inits(p, q, r, NULL);
    mpz_ui_pow_ui(p, 10, k);
    switch (mode) {
    case R_ROUND:
        mpz_tdiv_qr(q, r, x->v, p);
        mpz_mul_2exp(r, r, 1);
        if (mpz_cmpabs(r, p) >= 0) {
            if (mpz_sgn(x->v) < 0)
                mpz_sub_ui(q, q, 1);
            else
                mpz_add_ui(q, q, 1);
        }
        break;
    case R_TRUNC: mpz_tdiv_q(q, x->v, p); break;
    case R_CEIL: mpz_cdiv_q(q, x->v, p); break;
    default: mpz_fdiv_q(q, x->v, p); break;
    }
    if (s < 0) {
        mul_pow10(q, (unsigned long)-s);
        s = 0;
    }
    mpz_swap(x->v, q);
    x->dscale = s;
    mpz_clears(p, q, r, NULL);
}

/* ---- input and output ---- */

static int syntax(const char *s, uint32_t n, sl_error_t *err)
{
    return sl_error_set(err, SL_ERRCODE_INVALID_TEXT_REP, 0,
                        "invalid input syntax for type numeric: \"%.*s\"",
                        (int)(n > QMAX ? QMAX : n), s);
}

static bool word_at(const char *p, const char *e, const char *w, const char **end)
{
    size_t l = strlen(w);
    if ((size_t)(e - p) < l || strncasecmp(p, w, l) != 0)
        return false;
    *end = p + l;
    return true;
}

int sl_num_parse(sl_num_t *r, const char *s, uint32_t n, sl_error_t *err)
{
    const char *p = s, *e = s + n, *q;
    while (p < e && is_space(*p))
        p++;
    sl_num_kind_t special = SL_NUM_FINITE;
    if (word_at(p, e, "NaN", &q))
        special = SL_NUM_NAN;
    else if (word_at(p, e, "Infinity", &q) || word_at(p, e, "+Infinity", &q) ||
             word_at(p, e, "inf", &q) || word_at(p, e, "+inf", &q))
        special = SL_NUM_PINF;
    else if (word_at(p, e, "-Infinity", &q) || word_at(p, e, "-inf", &q))
        special = SL_NUM_NINF;
    if (special != SL_NUM_FINITE) {
        /* "inf" must not take the prefix of "infinity" with junk after */
        while (q < e && is_space(*q))
            q++;
        if (q != e)
            return syntax(s, n, err);
        sl_num_set_kind(r, special);
        return SL_OK;
    }
    bool neg = false;
    if (p < e && (*p == '+' || *p == '-'))
        neg = *p++ == '-';
    /* digits, at most one point, at least one digit */
    char small[64];
    size_t cap = (size_t)(e - p) + 1;
    char *digits = cap <= sizeof(small) ? small : sl_xmalloc(cap);
    size_t nd = 0;
    long frac = 0;
    bool point = false, any = false;
    for (; p < e; p++) {
        if (isdigit((unsigned char)*p)) {
            any = true;
            if (nd > 0 || *p != '0')
                digits[nd++] = *p;
            if (point)
                frac++;
        } else if (*p == '.' && !point) {
            point = true;
        } else {
            break;
        }
    }
    int rc = SL_OK;
    if (!any) {
        rc = syntax(s, n, err);
        goto done;
    }
    long exp10 = 0;
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (p < e && (*p == '+' || *p == '-'))
            eneg = *p++ == '-';
        if (p == e || !isdigit((unsigned char)*p)) {
            rc = syntax(s, n, err);
            goto done;
        }
        bool big = false;
        for (; p < e && isdigit((unsigned char)*p); p++) {
            if (exp10 < 100000000L)
                exp10 = exp10 * 10 + (*p - '0');
            else
                big = true;
        }
        if (big || exp10 > 2 * SL_NUM_MAX_INT_DIGITS) {
            /* garbage after a huge exponent is still a syntax error */
            while (p < e && is_space(*p))
                p++;
            rc = p != e ? syntax(s, n, err) : overflow(err);
            goto done;
        }
        if (eneg)
            exp10 = -exp10;
    }
    while (p < e && is_space(*p))
        p++;
    if (p != e) {
        rc = syntax(s, n, err);
        goto done;
    }
    digits[nd] = '\0';
    r->kind = SL_NUM_FINITE;
    if (nd == 0)
        mpz_set_ui(r->v, 0);
    else
        mpz_set_str(r->v, digits, 10);
    long ds = frac - exp10;
    if (ds < 0) {
        mul_pow10(r->v, (unsigned long)-ds);
        ds = 0;
    }
    if (ds > SL_NUM_MAX_DSCALE) {
        rc = overflow(err);
        goto done;
    }
    r->dscale = (int)ds;
    if (neg)
        mpz_neg(r->v, r->v);
    rc = check_range(r, err);
done:
    if (digits != small)
        free(digits);
    return rc;
}

void sl_num_format(const sl_num_t *x, sl_buf_t *b)
{
    switch (x->kind) {
    case SL_NUM_NAN: sl_buf_puts(b, "NaN"); return;
    case SL_NUM_PINF: sl_buf_puts(b, "Infinity"); return;
    case SL_NUM_NINF: sl_buf_puts(b, "-Infinity"); return;
    default: break;
    }
    size_t est = mpz_sizeinbase(x->v, 10) + 2;
    char small[80];
    char *t = est <= sizeof(small) ? small : sl_xmalloc(est);
    mpz_get_str(t, 10, x->v);
    const char *dg = t;
    if (*dg == '-') {
        sl_buf_putc(b, '-');
        dg++;
    }
    size_t l = strlen(dg), d = (size_t)x->dscale;
    if (l <= d) {
        sl_buf_putc(b, '0');
        if (d > 0) {
            sl_buf_putc(b, '.');
            for (size_t i = l; i < d; i++)
                sl_buf_putc(b, '0');
            sl_buf_append(b, dg, l);
        }
    } else {
        sl_buf_append(b, dg, l - d);
        if (d > 0) {
            sl_buf_putc(b, '.');
            sl_buf_append(b, dg + l - d, d);
        }
    }
    if (t != small)
        free(t);
}

int sl_num_typmod(int precision, int scale, int *typmod, sl_error_t *err)
{
    if (precision < 1 || precision > SL_NUM_MAX_PRECISION)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                            "NUMERIC precision %d must be between 1 and %d", precision,
                            SL_NUM_MAX_PRECISION);
    if (scale < -1000 || scale > 1000)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                            "NUMERIC scale %d must be between %d and %d", scale, -1000, 1000);
    *typmod = (int)((((unsigned)precision << 16) | ((unsigned)scale & 0x7ff)) + 4);
    return SL_OK;
}

static void typmod_parts(int typmod, int *precision, int *scale)
{
    int t = typmod - 4;
    *precision = (t >> 16) & 0xffff;
    /* scale is 11 bits, sign-extended (PostgreSQL 15 allows -1000..1000) */
    *scale = (((t & 0x7ff) ^ 1024) - 1024);
}

int sl_num_apply_typmod(sl_num_t *x, int typmod, sl_error_t *err)
{
    if (typmod < 4 || x->kind == SL_NUM_NAN)
        return SL_OK;
    int precision, scale;
    typmod_parts(typmod, &precision, &scale);
    if (x->kind != SL_NUM_FINITE) {
        sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0, "numeric field overflow");
        sl_error_detail(err, "A field with precision %d, scale %d cannot hold an infinite value.",
                        precision, scale);
        return SL_ERR;
    }
    rescale(x, scale, R_ROUND);
    if (scale < 0)
        x->dscale = 0;
    int maxdigits = precision - scale;
    /* the rounded value must be below 10^maxdigits: its digits before the
     * point at most maxdigits */
    if (mpz_sgn(x->v) != 0) {
        long intdigits = (long)ndigits(x->v) - x->dscale;
        if (intdigits > maxdigits) {
            sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0, "numeric field overflow");
            sl_error_detail(err, "A field with precision %d, scale %d must round to an absolute "
                                 "value less than %s%d.",
                            precision, scale, maxdigits ? "10^" : "", maxdigits ? maxdigits : 1);
            return SL_ERR;
        }
    }
    return SL_OK;
}

/* ---- arithmetic ---- */

static int sign_of(const sl_num_t *x)
{
    switch (x->kind) {
    case SL_NUM_PINF: return 1;
    case SL_NUM_NINF: return -1;
    case SL_NUM_NAN: return 0;
    default: return mpz_sgn(x->v);
    }
}

static bool is_inf(const sl_num_t *x)
{
    return x->kind == SL_NUM_PINF || x->kind == SL_NUM_NINF;
}

/* r = a + b (negate_b: a - b), both finite: scale max(da, db). */
static void add_finite(sl_num_t *r, const sl_num_t *a, const sl_num_t *b, bool negate_b)
{
    int d = a->dscale > b->dscale ? a->dscale : b->dscale;
    mpz_t t;
    mpz_init_set(t, b->v);
    mul_pow10(t, (unsigned long)(d - b->dscale));
    mpz_set(r->v, a->v);
    mul_pow10(r->v, (unsigned long)(d - a->dscale));
    if (negate_b)
        mpz_sub(r->v, r->v, t);
    else
        mpz_add(r->v, r->v, t);
    mpz_clear(t);
    r->kind = SL_NUM_FINITE;
    r->dscale = d;
}

static int add_sub(sl_num_t *r, const sl_num_t *a, const sl_num_t *b, bool sub, sl_error_t *err)
{
    if (a->kind == SL_NUM_NAN || b->kind == SL_NUM_NAN) {
        sl_num_set_kind(r, SL_NUM_NAN);
        return SL_OK;
    }
    if (is_inf(a) || is_inf(b)) {
        int sa = is_inf(a) ? sign_of(a) : 0, sb = is_inf(b) ? sign_of(b) : 0;
        if (sub)
            sb = -sb;
        if (sa && sb && sa != sb)
            sl_num_set_kind(r, SL_NUM_NAN);
        else
            sl_num_set_kind(r, (sa ? sa : sb) > 0 ? SL_NUM_PINF : SL_NUM_NINF);
        return SL_OK;
    }
    add_finite(r, a, b, sub);
    return check_range(r, err);
}

int sl_num_add(sl_num_t *r, const sl_num_t *a, const sl_num_t *b, sl_error_t *err)
{
    return add_sub(r, a, b, false, err);
}

int sl_num_sub(sl_num_t *r, const sl_num_t *a, const sl_num_t *b, sl_error_t *err)
{
    return add_sub(r, a, b, true, err);
}

int sl_num_mul(sl_num_t *r, const sl_num_t *a, const sl_num_t *b, sl_error_t *err)
{
    if (a->kind == SL_NUM_NAN || b->kind == SL_NUM_NAN) {
        sl_num_set_kind(r, SL_NUM_NAN);
        return SL_OK;
    }
    if (is_inf(a) || is_inf(b)) {
        int s = sign_of(a) * sign_of(b);
        sl_num_set_kind(r, s == 0 ? SL_NUM_NAN : s > 0 ? SL_NUM_PINF : SL_NUM_NINF);
        return SL_OK;
    }
    r->kind = SL_NUM_FINITE;
    mpz_mul(r->v, a->v, b->v);
    r->dscale = a->dscale + b->dscale;
    if (r->dscale > SL_NUM_MAX_DSCALE)
        rescale(r, SL_NUM_MAX_DSCALE, R_ROUND);
    return check_range(r, err);
}

/* Weight (in base-10000 digits) and leading base-10000 digit of finite x,
 * as PostgreSQL's NumericVar holds them; 0 and 0 for zero. */
static void nbase_lead(const sl_num_t *x, long *weight, long *first)
{
    if (mpz_sgn(x->v) == 0) {
        *weight = 0;
        *first = 0;
        return;
    }
    long nd = (long)ndigits(x->v);
    long e = nd - 1 - x->dscale;                 /* exponent of the leading digit */
    long w = e >= 0 ? e / 4 : -((-e + 3) / 4);   /* floor(e / 4) */
    long lead = e - 4 * w + 1;                   /* 1..4 digits in that group */
    mpz_t t, p;
    mpz_inits(t, p, NULL);
    mpz_abs(t, x->v);
    if (nd >= lead) {
        mpz_ui_pow_ui(p, 10, (unsigned long)(nd - lead));
        mpz_tdiv_q(t, t, p);
    } else {   /* 0.5 is 5000 at weight -1 */
        mpz_ui_pow_ui(p, 10, (unsigned long)(lead - nd));
        mpz_mul(t, t, p);
    }
    *weight = w;
    *first = (long)mpz_get_ui(t);
    mpz_clears(t, p, NULL);
}

int sl_num_div_scale(const sl_num_t *a, const sl_num_t *b)
{
    long w1, f1, w2, f2;
    nbase_lead(a, &w1, &f1);
    nbase_lead(b, &w2, &f2);
    long qweight = w1 - w2;
    if (f1 <= f2)
        qweight--;
    long rscale = SL_NUM_MIN_SIG_DIGITS - qweight * 4;
    if (rscale < a->dscale)
        rscale = a->dscale;
    if (rscale < b->dscale)
        rscale = b->dscale;
    if (rscale < 0)
        rscale = 0;
    if (rscale > SL_NUM_MAX_DISPLAY_SCALE)
        rscale = SL_NUM_MAX_DISPLAY_SCALE;
    return (int)rscale;
}

static int div_zero(sl_error_t *err)
{
    return sl_error_set(err, SL_ERRCODE_DIVISION_BY_ZERO, 0, "division by zero");
}

int sl_num_div(sl_num_t *r, const sl_num_t *a, const sl_num_t *b, sl_error_t *err)
{
    if (a->kind == SL_NUM_NAN || b->kind == SL_NUM_NAN) {
        sl_num_set_kind(r, SL_NUM_NAN);
        return SL_OK;
    }
    if (is_inf(a)) {
        if (is_inf(b)) {
            sl_num_set_kind(r, SL_NUM_NAN);
            return SL_OK;
        }
        int s = sign_of(b);
        if (s == 0)
            return div_zero(err);
        sl_num_set_kind(r, s * sign_of(a) > 0 ? SL_NUM_PINF : SL_NUM_NINF);
        return SL_OK;
    }
    if (is_inf(b)) {
        sl_num_set_int(r, 0);
        return SL_OK;
    }
    if (mpz_sgn(b->v) == 0)
        return div_zero(err);
    int rscale = sl_num_div_scale(a, b);
    /* q = a / b * 10^rscale = (va * 10^(rscale + db)) / (vb * 10^da) */
    mpz_t num, den, rem;
    mpz_inits(num, den, rem, NULL);
    mpz_set(num, a->v);
    mul_pow10(num, (unsigned long)(rscale + b->dscale));
    mpz_set(den, b->v);
    mul_pow10(den, (unsigned long)a->dscale);
    mpz_tdiv_qr(r->v, rem, num, den);
    mpz_mul_2exp(rem, rem, 1);
    if (mpz_cmpabs(rem, den) >= 0) {
        if (mpz_sgn(num) * mpz_sgn(den) < 0)
            mpz_sub_ui(r->v, r->v, 1);
        else
            mpz_add_ui(r->v, r->v, 1);
    }
    mpz_clears(num, den, rem, NULL);
    r->kind = SL_NUM_FINITE;
    r->dscale = rscale;
    return check_range(r, err);
}

int sl_num_mod(sl_num_t *r, const sl_num_t *a, const sl_num_t *b, sl_error_t *err)
{
    if (a->kind == SL_NUM_NAN || b->kind == SL_NUM_NAN || is_inf(a)) {
        if (a->kind != SL_NUM_NAN && b->kind == SL_NUM_FINITE && mpz_sgn(b->v) == 0 && is_inf(a))
            return div_zero(err);
        sl_num_set_kind(r, SL_NUM_NAN);
        return SL_OK;
    }
    if (is_inf(b)) {
        sl_num_set(r, a);
        return SL_OK;
    }
    if (mpz_sgn(b->v) == 0)
        return div_zero(err);
    int d = a->dscale > b->dscale ? a->dscale : b->dscale;
    mpz_t x, y;
    mpz_init_set(x, a->v);
    mpz_init_set(y, b->v);
    mul_pow10(x, (unsigned long)(d - a->dscale));
    mul_pow10(y, (unsigned long)(d - b->dscale));
    mpz_tdiv_r(r->v, x, y);
    mpz_clears(x, y, NULL);
    r->kind = SL_NUM_FINITE;
    r->dscale = d;
    return SL_OK;
}

void sl_num_neg(sl_num_t *x)
{
    if (x->kind == SL_NUM_PINF)
        x->kind = SL_NUM_NINF;
    else if (x->kind == SL_NUM_NINF)
        x->kind = SL_NUM_PINF;
    else if (x->kind == SL_NUM_FINITE)
        mpz_neg(x->v, x->v);
}

void sl_num_abs(sl_num_t *x)
{
    if (x->kind == SL_NUM_NINF)
        x->kind = SL_NUM_PINF;
    else if (x->kind == SL_NUM_FINITE)
        mpz_abs(x->v, x->v);
}

void sl_num_sign(sl_num_t *x)
{
    if (x->kind == SL_NUM_NAN)
        return;
    sl_num_set_int(x, sign_of(x));
}

/* Rank of the kinds in PostgreSQL's order. */
static int kind_rank(sl_num_kind_t k)
{
    return k == SL_NUM_NINF ? 0 : k == SL_NUM_FINITE ? 1 : k == SL_NUM_PINF ? 2 : 3;
}

int sl_num_cmp(const sl_num_t *a, const sl_num_t *b)
{
    int ra = kind_rank(a->kind), rb = kind_rank(b->kind);
    if (ra != rb || a->kind != SL_NUM_FINITE)
        return ra < rb ? -1 : ra > rb ? 1 : 0;
    if (a->dscale == b->dscale) {
        int c = mpz_cmp(a->v, b->v);
        return c < 0 ? -1 : c > 0;
    }
    sl_num_t t;
    sl_num_init(&t);
    add_finite(&t, a, b, true);
    int c = mpz_sgn(t.v);
    sl_num_clear(&t);
    return c;
}

static int clamp_scale(int s)
{
    return s > MAX_RESULT_SCALE ? MAX_RESULT_SCALE : s < -MAX_RESULT_SCALE ? -MAX_RESULT_SCALE : s;
}

int sl_num_round(sl_num_t *x, int s, sl_error_t *err)
{
    rescale(x, clamp_scale(s), R_ROUND);
    return check_range(x, err);
}

int sl_num_trunc(sl_num_t *x, int s, sl_error_t *err)
{
    rescale(x, clamp_scale(s), R_TRUNC);
    return check_range(x, err);
}

int sl_num_ceil(sl_num_t *x, sl_error_t *err)
{
    rescale(x, 0, R_CEIL);
    return check_range(x, err);
}

int sl_num_floor(sl_num_t *x, sl_error_t *err)
{
    rescale(x, 0, R_FLOOR);
    return check_range(x, err);
}

int sl_num_sqrt(sl_num_t *x, sl_error_t *err)
{
    if (x->kind == SL_NUM_NAN || x->kind == SL_NUM_PINF)
        return SL_OK;
    if (x->kind == SL_NUM_NINF || mpz_sgn(x->v) < 0)
        return sl_error_set(err, "2201F", 0, "cannot take square root of a negative number");
    /* numeric_sqrt's scale: 16 significant digits from the argument's
     * base-10000 weight, at least the argument's scale */
    long w, first;
    nbase_lead(x, &w, &first);
    long rscale = SL_NUM_MIN_SIG_DIGITS - ((w + 1) * 4 / 2 - 1);
    if (rscale < x->dscale)
        rscale = x->dscale;
    if (rscale < 0)
        rscale = 0;
    if (rscale > SL_NUM_MAX_DISPLAY_SCALE)
        rscale = SL_NUM_MAX_DISPLAY_SCALE;
    /* sqrt(v * 10^(2 rscale - d)) correctly rounded, as sqrt_var rounds */
    mpz_t r, rem;
    mpz_inits(r, rem, NULL);
    mul_pow10(x->v, (unsigned long)(2 * rscale - x->dscale));
    mpz_sqrtrem(r, rem, x->v);
    if (mpz_cmp(rem, r) > 0)   /* v >= (r + 1/2)^2 */
        mpz_add_ui(r, r, 1);
    mpz_swap(x->v, r);
    x->dscale = (int)rscale;
    mpz_clears(r, rem, NULL);
    return SL_OK;
}

/* ---- logarithms and exponentials ----
 *
 * Computed in fixed point (an mpz holding value * 10^w) with guard digits
 * and rounded once at PostgreSQL's result scale, which its functions pick
 * from an estimate of the result's decimal weight (estimate_ln_dweight for
 * ln and log, the double value for exp).  PostgreSQL computes 8 or more
 * guard digits and rounds once too: both are the correctly rounded value
 * unless it lies within about 10^-(scale+8) of a rounding boundary. */

#define GUARD 30

/* ln(y) for y = Y / 10^w in [1, 10], into *r (scaled by 10^w): 2^8 square
 * roots bring y near 1, then 2 atanh((y - 1) / (y + 1)). */
static void ln_fixed(mpz_t r, const mpz_t Y, long w)
{
    mpz_t y, one, num, den, z, z2, term, sum, t;
    mpz_inits(y, one, num, den, z, z2, term, sum, t, NULL);
    mpz_ui_pow_ui(one, 10, (unsigned long)w);
    mpz_set(y, Y);
    const int k = 8;
    for (int i = 0; i < k; i++) {   /* y = sqrt(y): sqrt(Y * 10^w) */
        mpz_mul(y, y, one);
        mpz_sqrt(y, y);
    }
    mpz_sub(num, y, one);
    mpz_add(den, y, one);
    mpz_mul(z, num, one);
    mpz_tdiv_q(z, z, den);          /* z = (y - 1) / (y + 1) */
    mpz_mul(z2, z, z);
    mpz_tdiv_q(z2, z2, one);
    mpz_set(term, z);
    mpz_set(sum, z);
    for (unsigned long n = 3; mpz_sgn(term) != 0; n += 2) {
        mpz_mul(term, term, z2);
        mpz_tdiv_q(term, term, one);
        mpz_tdiv_q_ui(t, term, n);
        if (mpz_sgn(t) == 0)
            break;
        mpz_add(sum, sum, t);
    }
    mpz_mul_2exp(r, sum, (unsigned long)k + 1);   /* 2 * 2^k * atanh */
    mpz_clears(y, one, num, den, z, z2, term, sum, t, NULL);
}

/* ln(x) for finite x > 0, scaled by 10^w. */
static void ln_scaled(mpz_t r, const sl_num_t *x, long w)
{
    /* x = f * 10^e with f in [1, 10): ln f + e ln 10 */
    long nd = (long)ndigits(x->v);
    long e = nd - 1 - x->dscale;
    long ww = w + 10;   /* e * ln 10 multiplies its error by |e| < 10^6 */
    mpz_t f, ten, l10;
    mpz_inits(f, ten, l10, NULL);
    mpz_set(f, x->v);   /* f = v * 10^(ww - (nd - 1)) */
    if (ww - (nd - 1) >= 0)
        mul_pow10(f, (unsigned long)(ww - (nd - 1)));
    else {
        mpz_ui_pow_ui(ten, 10, (unsigned long)(nd - 1 - ww));
        mpz_tdiv_q(f, f, ten);
    }
    ln_fixed(r, f, ww);
    if (e != 0) {
        mpz_ui_pow_ui(ten, 10, (unsigned long)ww + 1);
        ln_fixed(l10, ten, ww);
        mpz_mul_si(l10, l10, e);
        mpz_add(r, r, l10);
    }
    mpz_ui_pow_ui(ten, 10, 10);
    mpz_tdiv_q(r, r, ten);
    mpz_clears(f, ten, l10, NULL);
}

/* estimate_ln_dweight: the decimal weight of ln(x), estimated as
 * PostgreSQL does (x - 1 near 1, else from x's leading base-10000
 * digits in double precision). */
static long ln_dweight(const sl_num_t *x)
{
    sl_num_t lo, hi, d;
    sl_num_init(&lo);
    sl_num_init(&hi);
    sl_num_init(&d);
    mpz_set_ui(lo.v, 9);
    lo.dscale = 1;
    mpz_set_ui(hi.v, 11);
    hi.dscale = 1;
    long dw = 0;
    if (sl_num_cmp(x, &lo) >= 0 && sl_num_cmp(x, &hi) <= 0) {
        sl_num_t one;
        sl_num_init(&one);
        sl_num_set_int(&one, 1);
        add_finite(&d, x, &one, true);
        sl_num_clear(&one);
        if (mpz_sgn(d.v) != 0) {
            long w, first;
            nbase_lead(&d, &w, &first);
            dw = w * 4 + (long)log10((double)first);
        }
    } else if (mpz_sgn(x->v) != 0) {
        /* the two leading base-10000 digits: digits * 10^dweight */
        long w, first;
        nbase_lead(x, &w, &first);
        long nd = (long)ndigits(x->v), e = nd - 1 - x->dscale;
        long lead = e - 4 * w + 1;   /* decimal digits in the first group */
        mpz_t t, p;
        mpz_inits(t, p, NULL);
        mpz_abs(t, x->v);
        long take = lead + 4;        /* the first two groups */
        if (nd >= take) {
            mpz_ui_pow_ui(p, 10, (unsigned long)(nd - take));
            mpz_tdiv_q(t, t, p);
        } else {
            mpz_ui_pow_ui(p, 10, (unsigned long)(take - nd));
            mpz_mul(t, t, p);
        }
        double digits = mpz_get_d(t);
        long dweight = w * 4 - 4;
        /* PostgreSQL takes one group when no nonzero digit follows it (its
         * digits are stripped of trailing zero groups) */
        bool one_group = true;
        if (nd > lead) {
            mpz_abs(t, x->v);
            mpz_ui_pow_ui(p, 10, (unsigned long)(nd - lead));
            mpz_tdiv_r(t, t, p);
            one_group = mpz_sgn(t) == 0;
        }
        if (one_group) {
            digits = (double)first;
            dweight = w * 4;
        }
        double lv = log(digits) + (double)dweight * 2.302585092994046;
        dw = (long)log10(fabs(lv));
        mpz_clears(t, p, NULL);
    }
    sl_num_clear(&lo);
    sl_num_clear(&hi);
    sl_num_clear(&d);
    return dw;
}

static long clamp_rscale(long rscale, long dscale)
{
    if (rscale < dscale)
        rscale = dscale;
    if (rscale < 0)
        rscale = 0;
    return rscale > SL_NUM_MAX_DISPLAY_SCALE ? SL_NUM_MAX_DISPLAY_SCALE : rscale;
}

/* x = R / 10^w rounded half away from zero at scale rscale. */
static void from_fixed(sl_num_t *x, const mpz_t R, long w, long rscale)
{
    x->kind = SL_NUM_FINITE;
    mpz_set(x->v, R);
    x->dscale = (int)w;
    rescale(x, (int)rscale, R_ROUND);
}

static int ln_arg(const sl_num_t *x, sl_error_t *err)
{
    if (x->kind == SL_NUM_NINF || (x->kind == SL_NUM_FINITE && mpz_sgn(x->v) < 0))
        return sl_error_set(err, "2201E", 0, "cannot take logarithm of a negative number");
    if (x->kind == SL_NUM_FINITE && mpz_sgn(x->v) == 0)
        return sl_error_set(err, "2201E", 0, "cannot take logarithm of zero");
    return SL_OK;
}

int sl_num_ln(sl_num_t *x, sl_error_t *err)
{
    if (ln_arg(x, err) != SL_OK)
        return SL_ERR;
    if (x->kind != SL_NUM_FINITE)
        return SL_OK;   /* NaN, +Infinity */
    long rscale = clamp_rscale(SL_NUM_MIN_SIG_DIGITS - ln_dweight(x), x->dscale);
    long w = rscale + GUARD;
    mpz_t r;
    mpz_init(r);
    ln_scaled(r, x, w);
    from_fixed(x, r, w, rscale);
    mpz_clear(r);
    return SL_OK;
}

int sl_num_log(sl_num_t *r, const sl_num_t *base, const sl_num_t *x, sl_error_t *err)
{
    if (base->kind == SL_NUM_NAN || x->kind == SL_NUM_NAN) {
        sl_num_set_kind(r, SL_NUM_NAN);
        return SL_OK;
    }
    if (ln_arg(base, err) != SL_OK || ln_arg(x, err) != SL_OK)
        return SL_ERR;
    if (base->kind != SL_NUM_FINITE || x->kind != SL_NUM_FINITE) {
        /* log(Inf, Inf) is NaN, log(Inf, x) 0, log(b, Inf) +/-Inf
         * (PostgreSQL 15's numeric_log); base 1 divides by zero */
        if (base->kind != SL_NUM_FINITE && x->kind != SL_NUM_FINITE)
            sl_num_set_kind(r, SL_NUM_NAN);
        else if (base->kind != SL_NUM_FINITE)
            sl_num_set_int(r, 0);
        else {
            sl_num_t one;
            sl_num_init(&one);
            sl_num_set_int(&one, 1);
            int c = sl_num_cmp(base, &one);
            sl_num_clear(&one);
            if (c == 0)
                return div_zero(err);
            sl_num_set_kind(r, c > 0 ? SL_NUM_PINF : SL_NUM_NINF);
        }
        return SL_OK;
    }
    long rscale = SL_NUM_MIN_SIG_DIGITS - (ln_dweight(x) - ln_dweight(base));
    if (rscale < base->dscale)
        rscale = base->dscale;
    rscale = clamp_rscale(rscale, x->dscale);
    long w = rscale + GUARD + 10;
    mpz_t lb, lx;
    mpz_inits(lb, lx, NULL);
    ln_scaled(lb, base, w);
    ln_scaled(lx, x, w);
    int rc = SL_OK;
    if (mpz_sgn(lb) == 0) {
        rc = div_zero(err);
    } else {
        /* lx / lb, both scaled by 10^w: the quotient scaled by 10^w */
        mul_pow10(lx, (unsigned long)w);
        mpz_tdiv_q(lx, lx, lb);
        from_fixed(r, lx, w, rscale);
    }
    mpz_clears(lb, lx, NULL);
    return rc;
}

static void exp_at(sl_num_t *x, long rscale, double val);

int sl_num_exp(sl_num_t *x, sl_error_t *err)
{
    if (x->kind == SL_NUM_NAN || x->kind == SL_NUM_PINF)
        return SL_OK;
    if (x->kind == SL_NUM_NINF) {
        sl_num_set_int(x, 0);
        return SL_OK;
    }
    double xv, val;
    sl_error_t ignored;
    sl_error_clear(&ignored);
    if (sl_num_to_double(x, false, &xv, &ignored) != SL_OK)   /* beyond a double */
        xv = mpz_sgn(x->v) > 0 ? HUGE_VAL : -HUGE_VAL;
    val = xv * 0.434294481903252;   /* about the decimal weight of the result */
    if (val > MAX_RESULT_SCALE)
        val = MAX_RESULT_SCALE;
    if (val < -MAX_RESULT_SCALE)
        val = -MAX_RESULT_SCALE;
    long rscale = clamp_rscale(SL_NUM_MIN_SIG_DIGITS - (long)val, x->dscale);
    if (fabs(xv) >= 3 * MAX_RESULT_SCALE) {   /* as exp_var: overflow, or 0 */
        if (xv > 0)
            return overflow(err);
        sl_num_set_int(x, 0);
        x->dscale = (int)rscale;
        return SL_OK;
    }
    exp_at(x, rscale, val);
    return check_range(x, err);
}

/* x = exp(x) rounded at rscale, val about the decimal weight of the
 * result (|x| below 6000). */
static void exp_at(sl_num_t *x, long rscale, double val)
{
    /* fixed point with room for the result's own digits: squarings
     * multiply the error by the value */
    long big = val > 0 ? (long)val + 2 : 0;
    long w = rscale + big + GUARD;
    mpz_t one, y, term, sum;
    mpz_inits(one, y, term, sum, NULL);
    mpz_ui_pow_ui(one, 10, (unsigned long)w);
    /* y = x / 2^k with |y| < 0.01 */
    mpz_set(y, x->v);
    if (w >= x->dscale) {
        mul_pow10(y, (unsigned long)(w - x->dscale));
    } else {
        mpz_ui_pow_ui(term, 10, (unsigned long)(x->dscale - w));
        mpz_tdiv_q(y, y, term);
    }
    unsigned long k = 0;
    mpz_t lim;
    mpz_init(lim);
    mpz_tdiv_q_ui(lim, one, 100);
    while (mpz_cmpabs(y, lim) > 0) {
        mpz_tdiv_q_2exp(y, y, 1);
        k++;
    }
    /* exp(y) by its series */
    mpz_set(sum, one);
    mpz_set(term, one);
    for (unsigned long n = 1;; n++) {
        mpz_mul(term, term, y);
        mpz_tdiv_q(term, term, one);
        mpz_tdiv_q_ui(term, term, n);
        if (mpz_sgn(term) == 0)
            break;
        mpz_add(sum, sum, term);
    }
    for (unsigned long i = 0; i < k; i++) {
        mpz_mul(sum, sum, sum);
        mpz_tdiv_q(sum, sum, one);
    }
    from_fixed(x, sum, w, rscale);
    mpz_clears(one, y, term, sum, lim, NULL);
}

/* r = exp(y ln x) for x > 0 at rscale, val about its decimal weight: y ln x
 * with enough digits for exp's result at rscale. */
static void exp_ln(sl_num_t *r, const sl_num_t *x, const sl_num_t *y, long rscale, double val)
{
    long big = val > 0 ? (long)val + 2 : 0;
    long ydig = (long)ndigits(y->v) - y->dscale;
    long w = rscale + big + (ydig > 0 ? ydig : 0) + GUARD;
    mpz_t L;
    mpz_init(L);
    ln_scaled(L, x, w);
    r->kind = SL_NUM_FINITE;
    mpz_mul(r->v, L, y->v);
    r->dscale = (int)(w + y->dscale);
    rescale(r, (int)w, R_ROUND);
    exp_at(r, rscale, val);
    mpz_clear(L);
}

/* Whether finite x is an integer (3.00 is). */
static bool is_integral(const sl_num_t *x)
{
    if (x->dscale == 0)
        return true;
    mpz_t p, r;
    mpz_inits(p, r, NULL);
    mpz_ui_pow_ui(p, 10, (unsigned long)x->dscale);
    mpz_tdiv_r(r, x->v, p);
    bool z = mpz_sgn(r) == 0;
    mpz_clears(p, r, NULL);
    return z;
}

/* log10(|x|) of finite nonzero x, in double precision. */
static double log10_abs(const sl_num_t *x)
{
    long e;
    double m = mpz_get_d_2exp(&e, x->v);
    return log10(fabs(m)) + (double)e * 0.30102999566398120 - x->dscale;
}

int sl_num_power(sl_num_t *r, const sl_num_t *x, const sl_num_t *y, bool *inexact,
                 sl_error_t *err)
{
    *inexact = false;
    if (x->kind == SL_NUM_NAN || y->kind == SL_NUM_NAN) {
        /* NaN ^ 0 and 1 ^ NaN are 1 */
        sl_num_t one;
        sl_num_init(&one);
        sl_num_set_int(&one, 1);
        bool is_one = (y->kind == SL_NUM_FINITE && mpz_sgn(y->v) == 0) ||
                      (x->kind == SL_NUM_FINITE && sl_num_cmp(x, &one) == 0);
        sl_num_clear(&one);
        if (is_one)
            sl_num_set_int(r, 1);
        else
            sl_num_set_kind(r, SL_NUM_NAN);
        return SL_OK;
    }
    if (x->kind != SL_NUM_FINITE || y->kind != SL_NUM_FINITE) {
        *inexact = true;   /* the infinities: the caller's double path */
        return SL_OK;
    }
    int ys = mpz_sgn(y->v), xs = mpz_sgn(x->v);
    if (xs == 0 && ys < 0)
        return sl_error_set(err, "2201F", 0, "zero raised to a negative power is undefined");
    bool integral = is_integral(y);
    if (xs < 0 && !integral)
        return sl_error_set(err, "2201F", 0,
                            "a negative number raised to a non-integer power yields a complex "
                            "result");
    mpz_t n;
    mpz_init(n);
    if (integral) {
        mpz_set(n, y->v);
        mpz_t p;
        mpz_init(p);
        mpz_ui_pow_ui(p, 10, (unsigned long)y->dscale);
        mpz_tdiv_q(n, n, p);
        mpz_clear(p);
    }
    if (integral && mpz_cmpabs_ui(n, 2147483647) <= 0) {
        /* power_var_int: 16 digits after the point, or the base's scale */
        long e = mpz_get_si(n);
        mpz_clear(n);
        long rscale = clamp_rscale(SL_NUM_MIN_SIG_DIGITS, x->dscale);
        if (xs == 0 || e == 0) {
            sl_num_set_int(r, xs == 0 && e != 0 ? 0 : 1);
            r->dscale = (int)rscale;
            mul_pow10(r->v, (unsigned long)rscale);
            return SL_OK;
        }
        double f = (double)e * log10_abs(x);
        if (f > SL_NUM_MAX_INT_DIGITS)
            return overflow(err);
        if (f + 1 < -(double)rscale) {   /* rounds to zero */
            sl_num_set_int(r, 0);
            r->dscale = (int)rscale;
            return SL_OK;
        }
        unsigned long ae = (unsigned long)(e < 0 ? -e : e);
        if ((double)ndigits(x->v) * (double)ae > 400000.0) {
            /* too many exact digits: exp(e ln |x|), correctly rounded */
            sl_num_t ax;
            sl_num_init(&ax);
            sl_num_set(&ax, x);
            mpz_abs(ax.v, ax.v);
            exp_ln(r, &ax, y, rscale, f);
            sl_num_clear(&ax);
            if (xs < 0 && (ae & 1))
                sl_num_neg(r);
            return check_range(r, err);
        }
        r->kind = SL_NUM_FINITE;
        mpz_pow_ui(r->v, x->v, ae);
        r->dscale = (int)(x->dscale * (long)ae);
        if (e > 0) {
            rescale(r, (int)rscale, R_ROUND);
            return check_range(r, err);
        }
        /* 1 / (v^ae / 10^(d ae)) at rscale, rounded */
        mpz_t num, rem;
        mpz_inits(num, rem, NULL);
        mpz_ui_pow_ui(num, 10, (unsigned long)(r->dscale + rscale));
        mpz_t den;
        mpz_init_set(den, r->v);
        mpz_tdiv_qr(r->v, rem, num, den);
        mpz_mul_2exp(rem, rem, 1);
        if (mpz_cmpabs(rem, den) >= 0)
            mpz_sgn(den) < 0 ? mpz_sub_ui(r->v, r->v, 1) : mpz_add_ui(r->v, r->v, 1);
        r->dscale = (int)rscale;
        mpz_clears(num, rem, den, NULL);
        return check_range(r, err);
    }
    mpz_clear(n);
    if (xs == 0) {   /* 0 ^ positive non-integer */
        sl_num_set_int(r, 0);
        r->dscale = (int)clamp_rscale(SL_NUM_MIN_SIG_DIGITS, x->dscale > y->dscale ? x->dscale
                                                                                  : y->dscale);
        return SL_OK;
    }
    /* power_var: the result's weight from ln(x) * y at low precision,
     * then exp(y ln x) at the scale that weight gives */
    long lnw = ln_dweight(x);
    long lscale = 8 - lnw;
    if (lscale < 0)
        lscale = 0;
    sl_num_t l, t;
    sl_num_init(&l);
    sl_num_init(&t);
    mpz_t L;
    mpz_init(L);
    ln_scaled(L, x, lscale + GUARD);
    from_fixed(&l, L, lscale + GUARD, lscale);
    mpz_mul(t.v, l.v, y->v);
    t.dscale = l.dscale + y->dscale;
    rescale(&t, (int)lscale, R_ROUND);
    double val;
    sl_error_t ignored;
    sl_error_clear(&ignored);
    if (sl_num_to_double(&t, false, &val, &ignored) != SL_OK)
        val = mpz_sgn(t.v) > 0 ? HUGE_VAL : -HUGE_VAL;
    int rc = SL_OK;
    if (fabs(val) > MAX_RESULT_SCALE * 3.01) {
        if (val > 0) {
            rc = overflow(err);
        } else {
            sl_num_set_int(r, 0);
            r->dscale = SL_NUM_MAX_DISPLAY_SCALE;
        }
        goto done;
    }
    val *= 0.434294481903252;
    long rscale = SL_NUM_MIN_SIG_DIGITS - (long)val;
    if (rscale < x->dscale)
        rscale = x->dscale;
    rscale = clamp_rscale(rscale, y->dscale);
    exp_ln(r, x, y, rscale, val);
    rc = check_range(r, err);
done:
    mpz_clear(L);
    sl_num_clear(&l);
    sl_num_clear(&t);
    return rc;
}

/* ---- conversions ---- */

int sl_num_to_int(const sl_num_t *x, int bits, int64_t *out, sl_error_t *err)
{
    const char *tname = bits == 16 ? "smallint" : bits == 32 ? "integer" : "bigint";
    if (x->kind != SL_NUM_FINITE)
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0, "cannot convert %s to %s",
                            x->kind == SL_NUM_NAN ? "NaN" : "infinity", tname);
    sl_num_t t;
    sl_num_init(&t);
    sl_num_set(&t, x);
    rescale(&t, 0, R_ROUND);
    int64_t lo = bits == 16 ? INT16_MIN : bits == 32 ? INT32_MIN : INT64_MIN;
    int64_t hi = bits == 16 ? INT16_MAX : bits == 32 ? INT32_MAX : INT64_MAX;
    bool ok = mpz_fits_slong_p(t.v);
    long v = ok ? mpz_get_si(t.v) : 0;
    sl_num_clear(&t);
    if (!ok || v < lo || v > hi)
        return sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0, "%s out of range", tname);
    *out = v;
    return SL_OK;
}

int sl_num_to_double(const sl_num_t *x, bool single, double *out, sl_error_t *err)
{
    if (x->kind != SL_NUM_FINITE) {
        *out = x->kind == SL_NUM_NAN ? NAN : x->kind == SL_NUM_PINF ? INFINITY : -INFINITY;
        return SL_OK;
    }
    sl_buf_t b = SL_BUF_INIT;
    sl_num_format(x, &b);
    errno = 0;
    double v = single ? (double)strtof(sl_buf_cstr(&b), NULL) : strtod(sl_buf_cstr(&b), NULL);
    int rc = SL_OK;
    if (errno == ERANGE && (v == 0.0 || isinf(v)))
        rc = sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0,
                          "\"%.*s\" is out of range for type %s",
                          (int)(b.len > QMAX ? QMAX : b.len), sl_buf_cstr(&b),
                          single ? "real" : "double precision");
    sl_buf_free(&b);
    *out = v;
    return rc;
}

int sl_num_from_double(sl_num_t *r, double v, bool single, sl_error_t *err)
{
    if (isnan(v)) {
        sl_num_set_kind(r, SL_NUM_NAN);
        return SL_OK;
    }
    if (isinf(v)) {
        sl_num_set_kind(r, v > 0 ? SL_NUM_PINF : SL_NUM_NINF);
        return SL_OK;
    }
    char tmp[64];
    snprintf(tmp, sizeof(tmp), "%.*g", single ? 6 : 15, v);
    return sl_num_parse(r, tmp, (uint32_t)strlen(tmp), err);
}

/* ---- numerics in datums ---- */

void sl_numeric_get(const sl_datum_t *d, sl_num_t *x)
{
    const char *p = d->v.s.p, *e = p + d->v.s.n;
    if (d->v.s.n > 0 && (*p == 'N' || *p == 'I' || (p[0] == '-' && d->v.s.n > 1 && p[1] == 'I'))) {
        sl_num_set_kind(x, *p == 'N' ? SL_NUM_NAN : *p == 'I' ? SL_NUM_PINF : SL_NUM_NINF);
        return;
    }
    char small[64];
    char *t = d->v.s.n < sizeof(small) ? small : sl_xmalloc((size_t)d->v.s.n + 1);
    size_t k = 0;
    int ds = 0;
    bool point = false;
    for (; p < e; p++) {
        if (*p == '.') {
            point = true;
            continue;
        }
        t[k++] = *p;
        ds += point;
    }
    t[k] = '\0';
    x->kind = SL_NUM_FINITE;
    x->dscale = ds;
    if (k == 0 || mpz_set_str(x->v, t, 10) != 0)
        mpz_set_ui(x->v, 0);   /* not from sl_numeric_put: cannot happen */
    if (t != small)
        free(t);
}

void sl_numeric_put(const sl_num_t *x, sl_arena_t *a, sl_datum_t *d)
{
    sl_buf_t b = SL_BUF_INIT;
    sl_num_format(x, &b);
    char *p = sl_alloc(a, b.len + 1);
    memcpy(p, sl_buf_cstr(&b), b.len + 1);
    d->v.s.p = p;
    d->v.s.n = (uint32_t)b.len;
    d->null = false;
    sl_buf_free(&b);
}

/* Whether s[0..n) is exactly what numeric_out prints for some finite
 * value: [-]digits[.digits], no leading zero but a lone one, not "-0". */
static bool is_output_form(const char *s, uint32_t n)
{
    uint32_t i = 0;
    if (n == 0)
        return false;
    bool neg = s[0] == '-';
    i += neg;
    if (i >= n || !isdigit((unsigned char)s[i]))
        return false;
    uint32_t int_start = i;
    while (i < n && isdigit((unsigned char)s[i]))
        i++;
    if (i - int_start > 1 && s[int_start] == '0')
        return false;
    bool nonzero = false;
    for (uint32_t j = int_start; j < i; j++)
        nonzero |= s[j] != '0';
    if (i < n) {
        if (s[i] != '.' || i + 1 == n)
            return false;
        for (i++; i < n; i++) {
            if (!isdigit((unsigned char)s[i]))
                return false;
            nonzero |= s[i] != '0';
        }
    }
    if (n - int_start > 20)   /* long ones go through the range checks */
        return false;
    return !neg || nonzero;
}

int sl_numeric_input(const char *s, uint32_t n, int typmod, sl_arena_t *a, sl_datum_t *out,
                     sl_error_t *err)
{
    if (typmod < 0 && is_output_form(s, n)) {
        out->v.s.p = s;
        out->v.s.n = n;
        out->null = false;
        return SL_OK;
    }
    sl_num_t x;
    sl_num_init(&x);
    int rc = sl_num_parse(&x, s, n, err);
    if (rc == SL_OK)
        rc = sl_num_apply_typmod(&x, typmod, err);
    if (rc == SL_OK)
        sl_numeric_put(&x, a, out);
    sl_num_clear(&x);
    return rc;
}

/* Kind of a numeric's text. */
static sl_num_kind_t text_kind(const sl_datum_t *d)
{
    const char *p = d->v.s.p;
    if (d->v.s.n == 0)
        return SL_NUM_FINITE;
    if (p[0] == 'N')
        return SL_NUM_NAN;
    if (p[0] == 'I')
        return SL_NUM_PINF;
    if (p[0] == '-' && d->v.s.n > 1 && p[1] == 'I')
        return SL_NUM_NINF;
    return SL_NUM_FINITE;
}

int sl_numeric_cmp(const sl_datum_t *a, const sl_datum_t *b)
{
    sl_num_kind_t ka = text_kind(a), kb = text_kind(b);
    int ra = kind_rank(ka), rb = kind_rank(kb);
    if (ra != rb || ka != SL_NUM_FINITE)
        return ra < rb ? -1 : ra > rb ? 1 : 0;
    const char *x = a->v.s.p, *y = b->v.s.p;
    uint32_t nx = a->v.s.n, ny = b->v.s.n;
    bool negx = nx && x[0] == '-', negy = ny && y[0] == '-';
    if (negx != negy)
        return negx ? -1 : 1;
    x += negx, nx -= negx;
    y += negy, ny -= negy;
    /* integer parts: longer is larger (no leading zeros) */
    uint32_t ix = 0, iy = 0;
    while (ix < nx && x[ix] != '.')
        ix++;
    while (iy < ny && y[iy] != '.')
        iy++;
    int c = 0;
    if (ix != iy) {
        c = ix < iy ? -1 : 1;
    } else {
        c = memcmp(x, y, ix);
        if (c == 0) {
            /* fractions, the shorter padded with zeros */
            const char *fx = x + ix + (ix < nx), *fy = y + iy + (iy < ny);
            uint32_t lx = nx - ix - (ix < nx), ly = ny - iy - (iy < ny);
            uint32_t m = lx > ly ? lx : ly;
            for (uint32_t i = 0; i < m && c == 0; i++) {
                char cx = i < lx ? fx[i] : '0', cy = i < ly ? fy[i] : '0';
                c = cx - cy;
            }
        }
        c = c < 0 ? -1 : c > 0;
    }
    return negx ? -c : c;
}

uint32_t sl_numeric_norm_len(const sl_datum_t *d)
{
    const char *p = d->v.s.p;
    uint32_t n = d->v.s.n;
    if (memchr(p, '.', n) == NULL)
        return n;
    while (n > 0 && p[n - 1] == '0')
        n--;
    if (n > 0 && p[n - 1] == '.')
        n--;
    return n;
}
