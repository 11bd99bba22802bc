/*
 * func.c: evaluators of the built-in scalar functions (plan/func.h), one per
 * sl_func_id_t, with PostgreSQL's results and errors.
 *
 * sl__func_eval (exec_int.h) gets the node and its evaluated arguments
 * (never NULL for a strict function); results are allocated from scratch.
 * Text is UTF-8; positions and lengths count characters, as PostgreSQL's do
 * in a UTF-8 database.  lower / upper / initcap / ILIKE fold ASCII letters
 * only, as PostgreSQL does under the C collation.  NUMERIC values are
 * carried as doubles (util/types.h): the analyzer keeps them out of what
 * Sluice must compute exactly (WHERE, group keys, aggregate arguments).
 */
#include "exec/exec_int.h"
#include "plan/func.h"
#include "util/array.h"

#include <locale.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <string.h>

typedef int (*func_fn)(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *scratch,
                       sl_datum_t *out, sl_error_t *err);

/* ---- helpers ---- */

static int range_error(sl_type_t t, sl_error_t *err)
{
    return sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0, "%s out of range",
                        t == SL_T_INT2 ? "smallint" : t == SL_T_INT4 ? "integer" : "bigint");
}

static int overflow(sl_error_t *err)
{
    return sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0, "value out of range: overflow");
}

static int underflow(sl_error_t *err)
{
    return sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0, "value out of range: underflow");
}

static int64_t int_min(sl_type_t t)
{
    return t == SL_T_INT2 ? INT16_MIN : t == SL_T_INT4 ? INT32_MIN : INT64_MIN;
}

static void set_text(sl_datum_t *out, const char *p, size_t n)
{
    out->v.s.p = p;
    out->v.s.n = (uint32_t)n;
}

/* Bytes of the UTF-8 character starting with byte c. */
static int u8len(unsigned char c)
{
    return c < 0x80 ? 1 : (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 1;
}

static int64_t nchars(const char *p, size_t n)
{
    int64_t c = 0;
    for (size_t i = 0; i < n; i++)
        c += ((unsigned char)p[i] & 0xc0) != 0x80;
    return c;
}

/* Byte offset of character k (0-based) of p[0..n), n when past the end. */
static size_t char_off(const char *p, size_t n, int64_t k)
{
    size_t off = 0;
    while (k-- > 0 && off < n)
        off += (size_t)u8len((unsigned char)p[off]);
    return off < n ? off : n;
}

static char *nulterm(sl_arena_t *a, const sl_datum_t *d)
{
    char *s = sl_alloc(a, d->v.s.n + 1);
    memcpy(s, d->v.s.p, d->v.s.n);
    s[d->v.s.n] = '\0';
    return s;
}

static char asc_lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

static char asc_upper(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 32) : c;
}

/* ---- numeric functions ---- */

static int f_abs(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                 sl_error_t *err)
{
    (void)s;
    if (sl_type_is_integer(e->type)) {
        if (a[0].v.i == int_min(e->type))
            return range_error(e->type, err);
        out->v.i = a[0].v.i < 0 ? -a[0].v.i : a[0].v.i;
    } else {
        out->v.f = fabs(a[0].v.f);
    }
    return SL_OK;
}

static int f_sign(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                  sl_error_t *err)
{
    (void)s; (void)err;
    double x = a[0].v.f;
    out->v.f = x > 0 ? 1.0 : x < 0 ? -1.0 : (e->type == SL_T_NUMERIC && isnan(x)) ? x : 0.0;
    return SL_OK;
}

/* round / trunc with a scale: numeric only (decimal digits). */
static double scaled(double x, int64_t d, double (*fn)(double))
{
    if (!isfinite(x))
        return x;
    if (d > 300)
        return x;
    if (d < -300)
        return 0.0;
    double m = pow(10.0, (double)(d < 0 ? -d : d));
    return d >= 0 ? fn(x * m) / m : fn(x / m) * m;
}

static int f_round(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                   sl_error_t *err)
{
    (void)s; (void)err;
    if (e->nargs == 2)
        out->v.f = scaled(a[0].v.f, a[1].v.i, round);
    else   /* float8 rounds half to even (rint), numeric half away from zero */
        out->v.f = e->type == SL_T_NUMERIC ? round(a[0].v.f) : rint(a[0].v.f);
    return SL_OK;
}

static int f_trunc(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                   sl_error_t *err)
{
    (void)s; (void)err;
    out->v.f = e->nargs == 2 ? scaled(a[0].v.f, a[1].v.i, trunc) : trunc(a[0].v.f);
    return SL_OK;
}

static int f_ceil(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                  sl_error_t *err)
{
    (void)e; (void)s; (void)err;
    out->v.f = ceil(a[0].v.f);
    return SL_OK;
}

static int f_floor(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                   sl_error_t *err)
{
    (void)e; (void)s; (void)err;
    out->v.f = floor(a[0].v.f);
    return SL_OK;
}

static int f_mod(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                 sl_error_t *err)
{
    (void)s;
    if (sl_type_is_integer(e->type)) {
        if (a[1].v.i == 0)
            return sl_error_set(err, SL_ERRCODE_DIVISION_BY_ZERO, 0, "division by zero");
        out->v.i = a[1].v.i == -1 ? 0 : a[0].v.i % a[1].v.i;
    } else {
        if (a[1].v.f == 0.0)
            return sl_error_set(err, SL_ERRCODE_DIVISION_BY_ZERO, 0, "division by zero");
        out->v.f = fmod(a[0].v.f, a[1].v.f);
    }
    return SL_OK;
}

/* dpow / numeric_power. */
static int f_power(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                   sl_error_t *err)
{
    (void)s;
    double x = a[0].v.f, y = a[1].v.f;
    if (isnan(x)) {
        out->v.f = (isnan(y) || y != 0.0) ? x : 1.0;
        return SL_OK;
    }
    if (isnan(y)) {
        out->v.f = x != 1.0 ? y : 1.0;
        return SL_OK;
    }
    if (x == 0.0 && y < 0.0)
        return sl_error_set(err, e->type == SL_T_NUMERIC ? "2201F" : "2201F", 0,
                            "zero raised to a negative power is undefined");
    if (x < 0.0 && floor(y) != y)
        return sl_error_set(err, "2201F", 0,
                            "a negative number raised to a non-integer power yields a complex result");
    double r = pow(x, y);
    if (!isinf(x) && !isinf(y)) {
        if (isinf(r))
            return e->type == SL_T_NUMERIC
                       ? sl_error_set(err, SL_ERRCODE_NUMERIC_OUT_OF_RANGE, 0,
                                      "value overflows numeric format")
                       : overflow(err);
        if (r == 0.0 && x != 0.0 && e->type != SL_T_NUMERIC)
            return underflow(err);
    }
    out->v.f = r;
    return SL_OK;
}

static int f_sqrt(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                  sl_error_t *err)
{
    (void)e; (void)s;
    if (a[0].v.f < 0.0)
        return sl_error_set(err, "2201F", 0, "cannot take square root of a negative number");
    out->v.f = sqrt(a[0].v.f);
    return SL_OK;
}

static int f_cbrt(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                  sl_error_t *err)
{
    (void)e; (void)s; (void)err;
    out->v.f = cbrt(a[0].v.f);
    return SL_OK;
}

static int f_exp(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                 sl_error_t *err)
{
    (void)s;
    double x = a[0].v.f, r = exp(x);
    if (e->type != SL_T_NUMERIC && !isinf(x) && !isnan(x)) {
        if (isinf(r))
            return overflow(err);
        if (r == 0.0)
            return underflow(err);
    }
    out->v.f = r;
    return SL_OK;
}

static int log_arg(double x, sl_error_t *err)
{
    if (x == 0.0)
        return sl_error_set(err, "2201E", 0, "cannot take logarithm of zero");
    if (x < 0.0)
        return sl_error_set(err, "2201E", 0, "cannot take logarithm of a negative number");
    return SL_OK;
}

static int f_ln(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                sl_error_t *err)
{
    (void)e; (void)s;
    if (log_arg(a[0].v.f, err) != SL_OK)
        return SL_ERR;
    out->v.f = log(a[0].v.f);
    return SL_OK;
}

static int f_log10(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                   sl_error_t *err)
{
    (void)e; (void)s;
    if (log_arg(a[0].v.f, err) != SL_OK)
        return SL_ERR;
    out->v.f = log10(a[0].v.f);
    return SL_OK;
}

static int f_log(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                 sl_error_t *err)
{
    (void)e; (void)s;
    if (log_arg(a[0].v.f, err) != SL_OK || log_arg(a[1].v.f, err) != SL_OK)
        return SL_ERR;
    double lb = log(a[0].v.f);
    if (lb == 0.0)
        return sl_error_set(err, SL_ERRCODE_DIVISION_BY_ZERO, 0, "division by zero");
    out->v.f = log(a[1].v.f) / lb;
    return SL_OK;
}

/* width_bucket_float8 (numeric's is numeric_ops.c's). */
static int f_width_bucket(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s,
                          sl_datum_t *out, sl_error_t *err)
{
    (void)e; (void)s;
    double x = a[0].v.f, b1 = a[1].v.f, b2 = a[2].v.f;
    int64_t count = a[3].v.i, r;
    if (count <= 0)
        return sl_error_set(err, "2201G", 0, "count must be greater than zero");
    if (isnan(x) || isnan(b1) || isnan(b2))
        return sl_error_set(err, "2201G", 0,
                            "operand, lower bound, and upper bound cannot be NaN");
    if (isinf(b1) || isinf(b2))
        return sl_error_set(err, "2201G", 0, "lower and upper bounds must be finite");
    if (b1 == b2)
        return sl_error_set(err, "2201G", 0, "lower bound cannot equal upper bound");
    bool up = b1 < b2;
    if (up ? x < b1 : x > b1) {
        r = 0;
    } else if (up ? x >= b2 : x <= b2) {
        r = count + 1;
        if (r > INT32_MAX)
            return range_error(SL_T_INT4, err);
    } else {
        double q = up ? (isinf(b2 - b1) ? (x / 2 - b1 / 2) / (b2 / 2 - b1 / 2) : (x - b1) / (b2 - b1))
                      : (isinf(b1 - b2) ? (b1 / 2 - x / 2) / (b1 / 2 - b2 / 2) : (b1 - x) / (b1 - b2));
        r = (int64_t)((double)count * q);
        if (r >= count)
            r = count - 1;
        r++;
    }
    out->v.i = r;
    return SL_OK;
}

/* ---- text functions ---- */

static int f_lower(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                   sl_error_t *err)
{
    (void)err;
    uint32_t n = a[0].v.s.n;
    char *p = sl_alloc(s, n + 1);
    for (uint32_t i = 0; i < n; i++)
        p[i] = e->func == SL_F_LOWER ? asc_lower(a[0].v.s.p[i]) : asc_upper(a[0].v.s.p[i]);
    set_text(out, p, n);
    return SL_OK;
}

static bool asc_alnum(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static int f_initcap(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                     sl_error_t *err)
{
    (void)e; (void)err;
    uint32_t n = a[0].v.s.n;
    char *p = sl_alloc(s, n + 1);
    bool was = false;
    for (uint32_t i = 0; i < n; i++) {
        char c = a[0].v.s.p[i];
        p[i] = was ? asc_lower(c) : asc_upper(c);
        was = asc_alnum(c);
    }
    set_text(out, p, n);
    return SL_OK;
}

static int f_length(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                    sl_error_t *err)
{
    (void)s; (void)err;
    out->v.i = e->func == SL_F_OCTET_LENGTH ? (int64_t)a[0].v.s.n : nchars(a[0].v.s.p, a[0].v.s.n);
    return SL_OK;
}

/* text_substring: characters [start, start + count) of the string. */
static int f_substr(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                    sl_error_t *err)
{
    (void)s;
    const char *p = a[0].v.s.p;
    size_t n = a[0].v.s.n;
    int64_t start = a[1].v.i, end = INT64_MAX;
    if (e->nargs == 3) {
        if (a[2].v.i < 0)
            return sl_error_set(err, "22011", 0, "negative substring length not allowed");
        end = start + a[2].v.i;   /* both int4: no overflow */
    }
    if (start < 1)
        start = 1;
    if (end <= start) {
        set_text(out, p, 0);
        return SL_OK;
    }
    size_t b = char_off(p, n, start - 1);
    size_t f = end == INT64_MAX ? n : b + char_off(p + b, n - b, end - start);
    set_text(out, p + b, f - b);
    return SL_OK;
}

/* Byte offset of needle in hay, or -1. */
static long find(const char *h, size_t hn, const char *nd, size_t nn, size_t from)
{
    if (nn == 0)
        return (long)from;
    for (size_t i = from; i + nn <= hn; i++)
        if (h[i] == nd[0] && memcmp(h + i, nd, nn) == 0)
            return (long)i;
    return -1;
}

static int f_strpos(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                    sl_error_t *err)
{
    (void)e; (void)s; (void)err;
    long i = find(a[0].v.s.p, a[0].v.s.n, a[1].v.s.p, a[1].v.s.n, 0);
    out->v.i = i < 0 ? 0 : nchars(a[0].v.s.p, (size_t)i) + 1;
    return SL_OK;
}

static int f_starts_with(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s,
                         sl_datum_t *out, sl_error_t *err)
{
    (void)e; (void)s; (void)err;
    out->v.i = a[1].v.s.n <= a[0].v.s.n && memcmp(a[0].v.s.p, a[1].v.s.p, a[1].v.s.n) == 0;
    return SL_OK;
}

static int f_replace(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                     sl_error_t *err)
{
    (void)e; (void)err;
    const char *h = a[0].v.s.p;
    size_t hn = a[0].v.s.n, fn = a[1].v.s.n, from = 0;
    if (fn == 0 || hn == 0) {
        *out = a[0];
        return SL_OK;
    }
    sl_buf_t b = SL_BUF_INIT;
    long i;
    while ((i = find(h, hn, a[1].v.s.p, fn, from)) >= 0) {
        sl_buf_append(&b, h + from, (size_t)i - from);
        sl_buf_append(&b, a[2].v.s.p, a[2].v.s.n);
        from = (size_t)i + fn;
    }
    sl_buf_append(&b, h + from, hn - from);
    char *p = sl_alloc(s, b.len + 1);
    memcpy(p, b.len ? sl_buf_cstr(&b) : "", b.len);
    set_text(out, p, b.len);
    sl_buf_free(&b);
    return SL_OK;
}

/* The i-th character of a set (byte offset and length), by scanning. */
static bool char_in(const char *set, size_t sn, const char *c, int cl, long *index)
{
    long k = 0;
    for (size_t o = 0; o < sn; k++) {
        int l = u8len((unsigned char)set[o]);
        if (l == cl && o + (size_t)l <= sn && memcmp(set + o, c, (size_t)l) == 0) {
            if (index)
                *index = k;
            return true;
        }
        o += (size_t)l;
    }
    return false;
}

static int f_translate(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s,
                       sl_datum_t *out, sl_error_t *err)
{
    (void)e; (void)err;
    const char *p = a[0].v.s.p, *to = a[2].v.s.p;
    size_t n = a[0].v.s.n, tn = a[2].v.s.n;
    char *r = sl_alloc(s, n * 4 + 1), *q = r;
    for (size_t o = 0; o < n;) {
        int l = u8len((unsigned char)p[o]);
        if (o + (size_t)l > n)
            l = (int)(n - o);
        long k;
        if (char_in(a[1].v.s.p, a[1].v.s.n, p + o, l, &k)) {
            size_t t = char_off(to, tn, k);
            if (t < tn) {
                int tl = u8len((unsigned char)to[t]);
                memcpy(q, to + t, (size_t)tl);
                q += tl;
            }
        } else {
            memcpy(q, p + o, (size_t)l);
            q += l;
        }
        o += (size_t)l;
    }
    set_text(out, r, (size_t)(q - r));
    return SL_OK;
}

/* btrim / ltrim / rtrim: characters of the set (default a space). */
static int f_trim(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                  sl_error_t *err)
{
    (void)s; (void)err;
    const char *p = a[0].v.s.p, *set = e->nargs == 2 ? a[1].v.s.p : " ";
    size_t n = a[0].v.s.n, sn = e->nargs == 2 ? a[1].v.s.n : 1, b = 0, f = n;
    if (e->func != SL_F_RTRIM)
        while (b < f) {
            int l = u8len((unsigned char)p[b]);
            if (b + (size_t)l > f || !char_in(set, sn, p + b, l, NULL))
                break;
            b += (size_t)l;
        }
    if (e->func != SL_F_LTRIM)
        while (f > b) {
            size_t c = f - 1;
            while (c > b && ((unsigned char)p[c] & 0xc0) == 0x80)
                c--;
            if (!char_in(set, sn, p + c, (int)(f - c), NULL))
                break;
            f = c;
        }
    set_text(out, p + b, f - b);
    return SL_OK;
}

static int f_pad(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                 sl_error_t *err)
{
    (void)err;
    const char *p = a[0].v.s.p, *fill = e->nargs == 3 ? a[2].v.s.p : " ";
    size_t n = a[0].v.s.n, fn = e->nargs == 3 ? a[2].v.s.n : 1;
    int64_t len = a[1].v.i, have = nchars(p, n);
    if (len <= 0) {
        set_text(out, p, 0);
        return SL_OK;
    }
    if (have >= len || fn == 0) {
        set_text(out, p, char_off(p, n, len));
        return SL_OK;
    }
    int64_t need = len - have;
    if ((uint64_t)need * 4 + n > (1u << 30))
        return sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT, 0, "requested length too large");
    char *r = sl_alloc(s, (size_t)need * 4 + n + 1), *q = r;
    if (e->func == SL_F_RPAD) {
        memcpy(q, p, n);
        q += n;
    }
    for (size_t o = 0; need > 0; need--) {
        int l = u8len((unsigned char)fill[o]);
        memcpy(q, fill + o, (size_t)l);
        q += l;
        o += (size_t)l;
        if (o >= fn)
            o = 0;
    }
    if (e->func == SL_F_LPAD) {
        memcpy(q, p, n);
        q += n;
    }
    set_text(out, r, (size_t)(q - r));
    return SL_OK;
}

static int f_split_part(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s,
                        sl_datum_t *out, sl_error_t *err)
{
    (void)e; (void)s;
    const char *p = a[0].v.s.p, *d = a[1].v.s.p;
    size_t n = a[0].v.s.n, dn = a[1].v.s.n;
    int64_t k = a[2].v.i;
    if (k == 0)
        return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0, "field position must not be zero");
    set_text(out, p, 0);
    if (n == 0)
        return SL_OK;
    if (dn == 0) {
        if (k == 1 || k == -1)
            set_text(out, p, n);
        return SL_OK;
    }
    /* Field boundaries, left to right. */
    int64_t fields = 1;
    for (long i = 0; (i = find(p, n, d, dn, (size_t)i)) >= 0; i += (long)dn)
        fields++;
    if (k < 0)
        k += fields + 1;
    if (k < 1 || k > fields)
        return SL_OK;
    size_t from = 0;
    for (int64_t f = 1; f < k; f++)
        from = (size_t)find(p, n, d, dn, from) + dn;
    long to = find(p, n, d, dn, from);
    set_text(out, p + from, (to < 0 ? n : (size_t)to) - from);
    return SL_OK;
}

static int f_left(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                  sl_error_t *err)
{
    (void)s; (void)err;
    const char *p = a[0].v.s.p;
    size_t n = a[0].v.s.n;
    int64_t k = a[1].v.i, have = nchars(p, n);
    if (e->func == SL_F_LEFT) {
        int64_t keep = k >= 0 ? k : have + k;
        set_text(out, p, keep <= 0 ? 0 : char_off(p, n, keep));
    } else {
        int64_t skip = k >= 0 ? have - k : -k;
        size_t b = skip <= 0 ? 0 : char_off(p, n, skip);
        set_text(out, p + b, n - b);
    }
    return SL_OK;
}

static int f_reverse(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                     sl_error_t *err)
{
    (void)e; (void)err;
    const char *p = a[0].v.s.p;
    size_t n = a[0].v.s.n;
    char *r = sl_alloc(s, n + 1);
    for (size_t o = 0; o < n;) {
        size_t l = (size_t)u8len((unsigned char)p[o]);
        if (o + l > n)
            l = n - o;
        memcpy(r + n - o - l, p + o, l);
        o += l;
    }
    set_text(out, r, n);
    return SL_OK;
}

static int f_repeat(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                    sl_error_t *err)
{
    (void)e;
    int64_t k = a[1].v.i < 0 ? 0 : a[1].v.i;
    uint64_t total = (uint64_t)k * a[0].v.s.n;
    if (total > (1u << 30) - 1)
        return sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT, 0, "requested length too large");
    char *r = sl_alloc(s, (size_t)total + 1);
    for (int64_t i = 0; i < k; i++)
        memcpy(r + (size_t)i * a[0].v.s.n, a[0].v.s.p, a[0].v.s.n);
    set_text(out, r, (size_t)total);
    return SL_OK;
}

/* A non-null argument as concat() writes it: the type's output function
 * (a boolean is t / f there, unlike a cast to text). */
static void put_any(sl_buf_t *b, sl_type_t t, const sl_datum_t *d)
{
    if (t == SL_T_BOOL)
        sl_buf_putc(b, d->v.i ? 't' : 'f');
    else
        sl_type_output(t, d, b);
}

static int f_concat(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                    sl_error_t *err)
{
    (void)err;
    bool ws = e->func == SL_F_CONCAT_WS;
    if (ws && a[0].null) {
        out->null = true;
        return SL_OK;
    }
    sl_buf_t b = SL_BUF_INIT;
    bool first = true;
    for (int i = ws; i < e->nargs; i++) {
        if (a[i].null)
            continue;
        if (ws && !first)
            sl_buf_append(&b, a[0].v.s.p, a[0].v.s.n);
        put_any(&b, e->args[i]->type, &a[i]);
        first = false;
    }
    char *p = sl_alloc(s, b.len + 1);
    memcpy(p, b.len ? sl_buf_cstr(&b) : "", b.len);
    set_text(out, p, b.len);
    sl_buf_free(&b);
    return SL_OK;
}

static int f_ascii(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                   sl_error_t *err)
{
    (void)e; (void)s; (void)err;
    const unsigned char *p = (const unsigned char *)a[0].v.s.p;
    size_t n = a[0].v.s.n;
    if (n == 0) {
        out->v.i = 0;
        return SL_OK;
    }
    int l = u8len(p[0]);
    int64_t c = l == 1 ? p[0] : p[0] & (0x7f >> l);
    for (int i = 1; i < l && (size_t)i < n; i++)
        c = (c << 6) | (p[i] & 0x3f);
    out->v.i = c;
    return SL_OK;
}

static int f_chr(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                 sl_error_t *err)
{
    (void)e;
    int64_t c = a[0].v.i;
    if (c == 0)
        return sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT, 0, "null character not permitted");
    if (c < 0)
        return sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT, 0, "character number must be positive");
    if (c > 0x10ffff)
        return sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT, 0,
                            "requested character too large for encoding: %lld", (long long)c);
    if (c >= 0xd800 && c <= 0xdfff)
        return sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT, 0,
                            "requested character not valid for encoding: %lld", (long long)c);
    unsigned char *r = sl_alloc(s, 5);
    int n;
    if (c < 0x80) {
        r[0] = (unsigned char)c;
        n = 1;
    } else if (c < 0x800) {
        r[0] = (unsigned char)(0xc0 | (c >> 6));
        r[1] = (unsigned char)(0x80 | (c & 0x3f));
        n = 2;
    } else if (c < 0x10000) {
        r[0] = (unsigned char)(0xe0 | (c >> 12));
        r[1] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
        r[2] = (unsigned char)(0x80 | (c & 0x3f));
        n = 3;
    } else {
        r[0] = (unsigned char)(0xf0 | (c >> 18));
        r[1] = (unsigned char)(0x80 | ((c >> 12) & 0x3f));
        r[2] = (unsigned char)(0x80 | ((c >> 6) & 0x3f));
        r[3] = (unsigned char)(0x80 | (c & 0x3f));
        n = 4;
    }
    set_text(out, (const char *)r, (size_t)n);
    return SL_OK;
}

/* MD5 (RFC 1321), as lower-case hex. */
static void md5_block(uint32_t h[4], const unsigned char *blk)
{
    static uint32_t k[64];
    static const int r[16] = {7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21};
    if (k[0] == 0)
        for (int i = 0; i < 64; i++)
            k[i] = (uint32_t)(fabs(sin((double)(i + 1))) * 4294967296.0);
    uint32_t w[16];
    for (int i = 0; i < 16; i++)
        w[i] = (uint32_t)blk[4 * i] | (uint32_t)blk[4 * i + 1] << 8 |
               (uint32_t)blk[4 * i + 2] << 16 | (uint32_t)blk[4 * i + 3] << 24;
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3];
    for (int i = 0; i < 64; i++) {
        uint32_t f;
        int g;
        if (i < 16) { f = (b & c) | (~b & d); g = i; }
        else if (i < 32) { f = (d & b) | (~d & c); g = (5 * i + 1) & 15; }
        else if (i < 48) { f = b ^ c ^ d; g = (3 * i + 5) & 15; }
        else { f = c ^ (b | ~d); g = (7 * i) & 15; }
        uint32_t t = d;
        d = c;
        c = b;
        uint32_t x = a + f + k[i] + w[g];
        int sh = r[(i / 16) * 4 + i % 4];
        b = b + ((x << sh) | (x >> (32 - sh)));
        a = t;
    }
    h[0] += a; h[1] += b; h[2] += c; h[3] += d;
}

static int f_md5(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                 sl_error_t *err)
{
    (void)e; (void)err;
    const unsigned char *p = (const unsigned char *)a[0].v.s.p;
    uint64_t n = a[0].v.s.n;
    uint32_t h[4] = {0x67452301, 0xefcdab89, 0x98badcfe, 0x10325476};
    uint64_t i = 0;
    for (; i + 64 <= n; i += 64)
        md5_block(h, p + i);
    unsigned char tail[128] = {0};
    size_t rest = (size_t)(n - i);
    memcpy(tail, p + i, rest);
    tail[rest] = 0x80;
    size_t tl = rest + 1 + 8 <= 64 ? 64 : 128;
    for (int j = 0; j < 8; j++)
        tail[tl - 8 + j] = (unsigned char)((n * 8) >> (8 * j));
    md5_block(h, tail);
    if (tl == 128)
        md5_block(h, tail + 64);
    char *r = sl_alloc(s, 33);
    for (int j = 0; j < 16; j++)
        snprintf(r + 2 * j, 3, "%02x", (h[j / 4] >> (8 * (j % 4))) & 0xff);
    set_text(out, r, 32);
    return SL_OK;
}

/* ---- pattern matching ---- */

enum { LIKE_FALSE, LIKE_TRUE, LIKE_ABORT };

static int next_char(const char *t, size_t tn)
{
    int l = u8len((unsigned char)t[0]);
    return (size_t)l > tn ? (int)tn : l;
}

/* PostgreSQL's MatchText: backslash escapes, % and _ (a character). */
static int match_text(const char *t, size_t tn, const char *p, size_t pn, sl_error_t *err)
{
    if (pn == 1 && *p == '%')
        return LIKE_TRUE;
    while (tn > 0 && pn > 0) {
        if (*p == '\\') {
            p++, pn--;
            if (pn == 0) {
                sl_error_set(err, "22025", 0, "LIKE pattern must not end with escape character");
                return -1;
            }
            if (*p != *t)
                return LIKE_FALSE;
        } else if (*p == '%') {
            p++, pn--;
            while (pn > 0) {
                if (*p == '%') {
                    p++, pn--;
                } else if (*p == '_') {
                    if (tn == 0)
                        return LIKE_ABORT;
                    int l = next_char(t, tn);
                    t += l, tn -= (size_t)l;
                    p++, pn--;
                } else {
                    break;
                }
            }
            if (pn == 0)
                return LIKE_TRUE;
            char first;
            if (*p == '\\') {
                if (pn < 2) {
                    sl_error_set(err, "22025", 0, "LIKE pattern must not end with escape character");
                    return -1;
                }
                first = p[1];
            } else {
                first = *p;
            }
            while (tn > 0) {
                if (*t == first) {
                    int m = match_text(t, tn, p, pn, err);
                    if (m != LIKE_FALSE)
                        return m;
                }
                int l = next_char(t, tn);
                t += l, tn -= (size_t)l;
            }
            return LIKE_ABORT;
        } else if (*p == '_') {
            int l = next_char(t, tn);
            t += l, tn -= (size_t)l;
            p++, pn--;
            continue;
        } else if (*p != *t) {
            return LIKE_FALSE;
        }
        t++, tn--;
        p++, pn--;
    }
    if (tn > 0)
        return LIKE_FALSE;
    while (pn > 0 && *p == '%')
        p++, pn--;
    return pn == 0 ? LIKE_TRUE : LIKE_ABORT;
}

/* args: string, pattern (already through like_escape when ESCAPE was
 * given); op SL_OP_NE for NOT LIKE. */
static int f_like(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                  sl_error_t *err)
{
    sl_datum_t t = a[0], p = a[1];
    if (e->func == SL_F_ILIKE) {
        sl_expr_t low = {.func = SL_F_LOWER};
        if (f_lower(&low, &a[0], s, &t, err) != SL_OK || f_lower(&low, &a[1], s, &p, err) != SL_OK)
            return SL_ERR;
    }
    int m = match_text(t.v.s.p, t.v.s.n, p.v.s.p, p.v.s.n, err);
    if (m < 0)
        return SL_ERR;
    out->v.i = (m == LIKE_TRUE) != (e->op == SL_OP_NE);
    return SL_OK;
}

/* args: string, pattern; aux: the pattern compiled at plan time when it is
 * a constant; op SL_OP_NE for !~; typmod 1 for case-insensitive. */
static int f_regex(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                   sl_error_t *err)
{
    regex_t own;
    const regex_t *re = e->aux;
    if (re == NULL) {
        if (sl_func_regex_compile(a[1].v.s.p, a[1].v.s.n, e->typmod == 1, true, &own, err) != SL_OK)
            return SL_ERR;
        re = &own;
    }
    char *str = nulterm(s, &a[0]);
    if (e->typmod == 1)
        sl_func_fold_ascii(str, a[0].v.s.n);
    locale_t loc = sl_func_regex_locale(), old = loc ? uselocale(loc) : (locale_t)0;
    int rc = regexec(re, str, 0, NULL, 0);
    if (loc)
        uselocale(old);
    if (re == &own)
        regfree(&own);
    out->v.i = (rc == 0) != (e->op == SL_OP_NE);
    return SL_OK;
}

/* regexp_replace(source, pattern, replacement [, flags]): \1..\9 and \&
 * in the replacement; flags g (every match) and i. */
static int f_regexp_replace(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s,
                            sl_datum_t *out, sl_error_t *err)
{
    bool global = false, icase = false;
    if (e->nargs == 4)
        for (uint32_t i = 0; i < a[3].v.s.n; i++) {
            char c = a[3].v.s.p[i];
            if (c == 'g')
                global = true;
            else if (c == 'i' || c == 'c')
                icase = c == 'i';   /* the last of them wins */
            else
                return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                                    "invalid regular expression option: \"%c\"", c);
        }
    regex_t own;
    const regex_t *re = e->aux;
    if (re == NULL) {
        if (sl_func_regex_compile(a[1].v.s.p, a[1].v.s.n, icase, false, &own, err) != SL_OK)
            return SL_ERR;
        re = &own;
    }
    const char *src = a[0].v.s.p;   /* matched: its folded copy when icase */
    char *subj = nulterm(s, &a[0]);
    if (icase)
        sl_func_fold_ascii(subj, a[0].v.s.n);
    size_t n = a[0].v.s.n, from = 0;
    const char *rp = a[2].v.s.p;
    size_t rn = a[2].v.s.n;
    sl_buf_t b = SL_BUF_INIT;
    regmatch_t m[10];
    locale_t loc = sl_func_regex_locale(), old = loc ? uselocale(loc) : (locale_t)0;
    while (from <= n &&
           regexec(re, subj + from, 10, m, from > 0 ? REG_NOTBOL : 0) == 0) {
        size_t ms = from + (size_t)m[0].rm_so, me = from + (size_t)m[0].rm_eo;
        sl_buf_append(&b, src + from, ms - from);
        for (size_t i = 0; i < rn; i++) {
            if (rp[i] == '\\' && i + 1 < rn) {
                char c = rp[i + 1];
                int g = c == '&' ? 0 : (c >= '1' && c <= '9') ? c - '0' : -1;
                if (g >= 0) {
                    if (m[g].rm_so >= 0)
                        sl_buf_append(&b, src + from + m[g].rm_so,
                                      (size_t)(m[g].rm_eo - m[g].rm_so));
                    i++;
                    continue;
                }
                if (c == '\\') {
                    sl_buf_putc(&b, '\\');
                    i++;
                    continue;
                }
            }
            sl_buf_putc(&b, rp[i]);
        }
        if (me == ms) {   /* an empty match: copy one character and go on */
            if (ms >= n) {
                from = n + 1;
                break;
            }
            int l = next_char(subj + ms, n - ms);
            sl_buf_append(&b, src + ms, (size_t)l);
            me = ms + (size_t)l;
        }
        from = me;
        if (!global)
            break;
    }
    if (loc)
        uselocale(old);
    if (from <= n)
        sl_buf_append(&b, src + from, n - from);
    if (re == &own)
        regfree(&own);
    char *p = sl_alloc(s, b.len + 1);
    memcpy(p, b.len ? sl_buf_cstr(&b) : "", b.len);
    set_text(out, p, b.len);
    sl_buf_free(&b);
    return SL_OK;
}

static int f_textcat(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                     sl_error_t *err)
{
    (void)e; (void)err;
    uint32_t n = a[0].v.s.n + a[1].v.s.n;
    char *p = sl_alloc(s, n + 1);
    memcpy(p, a[0].v.s.p, a[0].v.s.n);
    memcpy(p + a[0].v.s.n, a[1].v.s.p, a[1].v.s.n);
    set_text(out, p, n);
    return SL_OK;
}

static int f_like_escape(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s,
                         sl_datum_t *out, sl_error_t *err)
{
    (void)e;
    return sl_func_like_escape(a[0].v.s.p, a[0].v.s.n, a[1].v.s.p, a[1].v.s.n, s, out, err);
}

/* ---- date/time (microseconds since 2000-01-01; timestamptz in UTC) ---- */

#define US_PER_SEC INT64_C(1000000)
#define US_PER_DAY (INT64_C(86400) * US_PER_SEC)
#define DAYS_1970_2000 10957

enum { U_US, U_MS, U_SECOND, U_MINUTE, U_HOUR, U_DAY, U_WEEK, U_MONTH, U_QUARTER, U_YEAR,
       U_DECADE, U_CENTURY, U_MILLENNIUM, U_EPOCH, U_DOW, U_ISODOW, U_DOY, U_ISOYEAR,
       U_JULIAN, U_TZ, U_NONE };

/* PostgreSQL's unit names (DecodeUnits), lower case. */
static int unit_of(const char *p, size_t n)
{
    static const struct { const char *name; int u; } units[] = {
        {"microsecond", U_US}, {"microseconds", U_US}, {"us", U_US}, {"usec", U_US},
        {"usecs", U_US}, {"useconds", U_US}, {"millisecond", U_MS}, {"milliseconds", U_MS},
        {"ms", U_MS}, {"msec", U_MS}, {"msecs", U_MS}, {"mseconds", U_MS},
        {"second", U_SECOND}, {"seconds", U_SECOND}, {"sec", U_SECOND}, {"secs", U_SECOND},
        {"s", U_SECOND}, {"minute", U_MINUTE}, {"minutes", U_MINUTE}, {"min", U_MINUTE},
        {"mins", U_MINUTE}, {"m", U_MINUTE}, {"hour", U_HOUR}, {"hours", U_HOUR},
        {"hr", U_HOUR}, {"hrs", U_HOUR}, {"h", U_HOUR}, {"day", U_DAY}, {"days", U_DAY},
        {"d", U_DAY}, {"week", U_WEEK}, {"weeks", U_WEEK}, {"w", U_WEEK},
        {"month", U_MONTH}, {"months", U_MONTH}, {"mon", U_MONTH}, {"mons", U_MONTH},
        {"quarter", U_QUARTER}, {"qtr", U_QUARTER}, {"year", U_YEAR}, {"years", U_YEAR},
        {"yr", U_YEAR}, {"yrs", U_YEAR}, {"y", U_YEAR}, {"decade", U_DECADE},
        {"decades", U_DECADE}, {"dec", U_DECADE}, {"decs", U_DECADE},
        {"century", U_CENTURY}, {"centuries", U_CENTURY}, {"cent", U_CENTURY},
        {"c", U_CENTURY}, {"millennium", U_MILLENNIUM}, {"millennia", U_MILLENNIUM},
        {"mil", U_MILLENNIUM}, {"mils", U_MILLENNIUM}, {"epoch", U_EPOCH}, {"dow", U_DOW},
        {"isodow", U_ISODOW}, {"doy", U_DOY}, {"isoyear", U_ISOYEAR}, {"julian", U_JULIAN},
        {"j", U_JULIAN}, {"timezone", U_TZ}, {"timezone_h", U_TZ}, {"timezone_m", U_TZ},
    };
    char low[32];
    if (n >= sizeof(low))
        return -1;
    for (size_t i = 0; i < n; i++)
        low[i] = asc_lower(p[i]);
    low[n] = '\0';
    for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
        if (strcmp(units[i].name, low) == 0)
            return units[i].u;
    return -1;
}

static int unit_error(const sl_datum_t *f, sl_type_t t, bool known, sl_error_t *err)
{
    char low[64];
    size_t n = f->v.s.n < sizeof(low) - 1 ? f->v.s.n : sizeof(low) - 1;
    for (size_t i = 0; i < n; i++)
        low[i] = asc_lower(f->v.s.p[i]);
    low[n] = '\0';
    return sl_error_set(err, known ? SL_ERRCODE_FEATURE_NOT_SUPPORTED : SL_ERRCODE_INVALID_PARAMETER,
                        0, "unit \"%s\" %s for type %s", low,
                        known ? "not supported" : "not recognized", sl_type_name(t));
}

static int64_t floordiv(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

/* Days since 1970-01-01 <-> proleptic Gregorian date (year 0 = 1 BC). */
static int64_t days_of(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = floordiv(y, 400);
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void date_of(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = floordiv(z, 146097);
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

/* Fields of a timestamp: days since 1970 and microseconds of the day. */
static void split_ts(int64_t v, int64_t *days, int64_t *us)
{
    *days = floordiv(v, US_PER_DAY);
    *us = v - *days * US_PER_DAY;
    *days += DAYS_1970_2000;
}

/* ISO week-numbering year start (Monday of week 1) in days since 1970. */
static int64_t iso_year_start(int64_t y)
{
    int64_t jan4 = days_of(y, 1, 4);
    int64_t dow = ((jan4 + 3) % 7 + 7) % 7;   /* 0 = Monday */
    return jan4 - dow;
}

static int f_date_trunc(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s,
                        sl_datum_t *out, sl_error_t *err)
{
    (void)s;
    int u = unit_of(a[0].v.s.p, a[0].v.s.n);
    if (u < 0 || u > U_MILLENNIUM)   /* epoch is no unit to PostgreSQL */
        return unit_error(&a[0], e->type, u >= 0 && u != U_EPOCH, err);
    int64_t v = a[1].v.i;
    if (v == INT64_MAX || v == INT64_MIN) {
        out->v.i = v;
        return SL_OK;
    }
    int64_t days, us, y;
    int m, d;
    split_ts(v, &days, &us);
    date_of(days, &y, &m, &d);
    switch (u) {
    case U_US: break;
    case U_MS: us -= us % 1000; break;
    case U_SECOND: us -= us % US_PER_SEC; break;
    case U_MINUTE: us -= us % (60 * US_PER_SEC); break;
    case U_HOUR: us -= us % (3600 * US_PER_SEC); break;
    case U_DAY: us = 0; break;
    case U_WEEK:
        us = 0;
        days -= ((days + 3) % 7 + 7) % 7;   /* back to Monday */
        break;
    default: {
        us = 0;
        int64_t ny = y;
        int nm = 1;
        if (u == U_MONTH)
            nm = m;
        else if (u == U_QUARTER)
            nm = (m - 1) / 3 * 3 + 1;
        else if (u == U_DECADE)   /* timestamp_trunc's rules for BC years */
            ny = y > 0 ? y / 10 * 10 : -((8 - (y - 1)) / 10) * 10;
        else if (u == U_CENTURY)
            ny = y > 0 ? (y + 99) / 100 * 100 - 99 : -((99 - (y - 1)) / 100) * 100 + 1;
        else if (u == U_MILLENNIUM)
            ny = y > 0 ? (y + 999) / 1000 * 1000 - 999 : -((999 - (y - 1)) / 1000) * 1000 + 1;
        days = days_of(ny, nm, 1);
        break;
    }
    }
    out->v.i = (days - DAYS_1970_2000) * US_PER_DAY + us;
    return SL_OK;
}

/* date_part (double precision) and extract (numeric, carried as a double). */
static int f_date_part(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s,
                       sl_datum_t *out, sl_error_t *err)
{
    (void)s;
    sl_type_t t = e->args[1]->type;
    sl_datum_t conv[2];
    if (t == SL_T_DATE) {   /* date_part(text, date): over the date as a timestamp */
        conv[0] = a[0];
        conv[1] = a[1];
        if (sl__date_cast(SL_T_DATE, SL_T_TIMESTAMP, &a[1], &conv[1], err) != SL_OK)
            return SL_ERR;
        a = conv;
        t = SL_T_TIMESTAMP;
    }
    int u = unit_of(a[0].v.s.p, a[0].v.s.n);
    if (u < 0 || u == U_NONE || (u == U_TZ && t == SL_T_TIMESTAMP))
        return unit_error(&a[0], t, u >= 0, err);
    int64_t v = a[1].v.i;
    if (v == INT64_MAX || v == INT64_MIN) {
        /* infinite: epoch, year ... are +/-Infinity, the others NULL */
        bool inf_ok = u == U_EPOCH || u == U_YEAR || u == U_DECADE || u == U_CENTURY ||
                      u == U_MILLENNIUM || u == U_ISOYEAR || u == U_JULIAN;
        if (!inf_ok)
            out->null = true;
        else
            out->v.f = v == INT64_MAX ? INFINITY : -INFINITY;
        return SL_OK;
    }
    int64_t days, us, y;
    int m, d;
    split_ts(v, &days, &us);
    date_of(days, &y, &m, &d);
    double r;
    switch (u) {
    case U_US: r = (double)(us % (60 * US_PER_SEC)); break;
    case U_MS: r = (double)(us % (60 * US_PER_SEC)) / 1000.0; break;
    case U_SECOND: r = (double)(us % (60 * US_PER_SEC)) / 1e6; break;
    case U_MINUTE: r = (double)(us / (60 * US_PER_SEC) % 60); break;
    case U_HOUR: r = (double)(us / (3600 * US_PER_SEC)); break;
    case U_DAY: r = d; break;
    case U_MONTH: r = m; break;
    case U_QUARTER: r = (m - 1) / 3 + 1; break;
    case U_YEAR: r = (double)(y > 0 ? y : y - 1); break;
    case U_DECADE: r = (double)(y >= 0 ? y / 10 : -((8 - (y - 1)) / 10)); break;
    case U_CENTURY: r = (double)(y > 0 ? (y + 99) / 100 : -((99 - (y - 1)) / 100)); break;
    case U_MILLENNIUM: r = (double)(y > 0 ? (y + 999) / 1000 : -((999 - (y - 1)) / 1000)); break;
    case U_EPOCH:
        r = (double)(days - 0) * 86400.0 + (double)us / 1e6;
        break;
    case U_DOW: r = (double)(((days + 4) % 7 + 7) % 7); break;
    case U_ISODOW: r = (double)(((days + 3) % 7 + 7) % 7 + 1); break;
    case U_DOY: r = (double)(days - days_of(y, 1, 1) + 1); break;
    case U_WEEK:
    case U_ISOYEAR: {
        int64_t iy = y;
        if (days < iso_year_start(iy))
            iy--;
        else if (days >= iso_year_start(iy + 1))
            iy++;
        r = u == U_WEEK ? (double)((days - iso_year_start(iy)) / 7 + 1)
                        : (double)(iy > 0 ? iy : iy - 1);
        break;
    }
    case U_JULIAN:
        r = (double)(days + 2440588) + (double)us / (double)US_PER_DAY;
        break;
    default:   /* timezone fields of a timestamptz: the session is UTC */
        r = 0;
        break;
    }
    out->v.f = r;
    return SL_OK;
}

/* to_timestamp(double precision): seconds since 1970-01-01 UTC. */
static int f_to_timestamp(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s,
                          sl_datum_t *out, sl_error_t *err)
{
    (void)e; (void)s;
    double x = a[0].v.f;
    if (isnan(x))
        return sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0, "timestamp cannot be NaN");
    if (isinf(x)) {
        out->v.i = x > 0 ? INT64_MAX : INT64_MIN;
        return SL_OK;
    }
    /* 4714-11-24 00:00:00 BC .. 294277-01-01 00:00:00, as seconds since 1970 */
    if (x < -210866803200.0 || x >= 9224318016000.0)
        return sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0, "timestamp out of range: \"%g\"", x);
    out->v.i = (int64_t)rint((x - (double)DAYS_1970_2000 * 86400.0) * 1e6);
    return SL_OK;
}

/* now(): the time the request began (sl_exec_set_now). */
static int f_now(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                 sl_error_t *err)
{
    (void)e; (void)a; (void)s; (void)err;
    out->v.i = sl_exec_now();
    return SL_OK;
}

/* regexp_match(string, pattern [, flags]): the first match's captured
 * substrings (NULL for a group that took no part), or the whole match
 * when the pattern has no group; NULL without a match.  Flags i and c;
 * g is refused as PostgreSQL refuses it. */
static int f_regexp_match(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s,
                          sl_datum_t *out, sl_error_t *err)
{
    bool icase = false;
    for (uint32_t i = 0; e->nargs == 3 && i < a[2].v.s.n; i++) {
        char c = a[2].v.s.p[i];
        if (c == 'g') {
            sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                         "regexp_match() does not support the \"global\" option");
            sl_error_hint(err, "Use the regexp_matches function instead.");
            return SL_ERR;
        }
        if (c == 'i' || c == 'c')
            icase = c == 'i';   /* the last of them wins */
        else
            return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                                "invalid regular expression option: \"%c\"", c);
    }
    regex_t own;
    const regex_t *re = e->aux;
    if (re == NULL) {
        if (sl_func_regex_compile(a[1].v.s.p, a[1].v.s.n, icase, false, &own, err) != SL_OK)
            return SL_ERR;
        re = &own;
    }
    char *subj = nulterm(s, &a[0]);
    if (icase)
        sl_func_fold_ascii(subj, a[0].v.s.n);
    size_t ng = re->re_nsub + 1;
    regmatch_t *m = sl_alloc(s, sizeof(*m) * ng);
    locale_t loc = sl_func_regex_locale(), old = loc ? uselocale(loc) : (locale_t)0;
    int rc = regexec(re, subj, ng, m, 0);
    if (loc)
        uselocale(old);
    if (re == &own)
        regfree(&own);
    if (rc != 0) {
        out->null = true;
        return SL_OK;
    }
    sl_array_builder_t ab;
    sl_array_build_begin(&ab, SL_T_TEXT);
    for (size_t g = ng > 1 ? 1 : 0; g < ng; g++) {
        sl_datum_t v;
        memset(&v, 0, sizeof(v));
        if (m[g].rm_so < 0) {
            v.null = true;
        } else {
            v.v.s.p = a[0].v.s.p + m[g].rm_so;
            v.v.s.n = (uint32_t)(m[g].rm_eo - m[g].rm_so);
        }
        sl_array_build_add(&ab, &v);
    }
    sl_array_build_end(&ab, s, out);
    return SL_OK;
}

/* A sliding window's arrival step (plan.h): now() truncated to the step
 * args[0] (microseconds), steps aligned to 1970-01-01. */
static int f_arrival_step(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s,
                          sl_datum_t *out, sl_error_t *err)
{
    (void)e; (void)s; (void)err;
    const int64_t epoch = (int64_t)DAYS_1970_2000 * 86400 * 1000000;
    int64_t step = a[0].v.i, t = sl_exec_now() + epoch;
    int64_t q = t / step - (t % step < 0);
    out->v.i = q * step - epoch;
    return SL_OK;
}

static const func_fn evals[SL_F_COUNT_] = {
    [SL_F_ABS] = f_abs, [SL_F_SIGN] = f_sign, [SL_F_ROUND] = f_round,
    [SL_F_TRUNC] = f_trunc, [SL_F_CEIL] = f_ceil, [SL_F_FLOOR] = f_floor,
    [SL_F_MOD] = f_mod, [SL_F_POWER] = f_power, [SL_F_SQRT] = f_sqrt,
    [SL_F_CBRT] = f_cbrt, [SL_F_EXP] = f_exp, [SL_F_LN] = f_ln,
    [SL_F_LOG10] = f_log10, [SL_F_LOG] = f_log, [SL_F_WIDTH_BUCKET] = f_width_bucket,
    [SL_F_LOWER] = f_lower, [SL_F_UPPER] = f_lower, [SL_F_INITCAP] = f_initcap,
    [SL_F_LENGTH] = f_length, [SL_F_OCTET_LENGTH] = f_length, [SL_F_SUBSTR] = f_substr,
    [SL_F_STRPOS] = f_strpos, [SL_F_REPLACE] = f_replace, [SL_F_TRANSLATE] = f_translate,
    [SL_F_BTRIM] = f_trim, [SL_F_LTRIM] = f_trim, [SL_F_RTRIM] = f_trim,
    [SL_F_LPAD] = f_pad, [SL_F_RPAD] = f_pad, [SL_F_SPLIT_PART] = f_split_part,
    [SL_F_LEFT] = f_left, [SL_F_RIGHT] = f_left, [SL_F_REVERSE] = f_reverse,
    [SL_F_REPEAT] = f_repeat, [SL_F_CONCAT] = f_concat, [SL_F_CONCAT_WS] = f_concat,
    [SL_F_MD5] = f_md5, [SL_F_STARTS_WITH] = f_starts_with, [SL_F_ASCII] = f_ascii,
    [SL_F_CHR] = f_chr, [SL_F_LIKE] = f_like, [SL_F_ILIKE] = f_like,
    [SL_F_REGEX] = f_regex, [SL_F_REGEXP_REPLACE] = f_regexp_replace,
    [SL_F_TEXTCAT] = f_textcat, [SL_F_LIKE_ESCAPE] = f_like_escape,
    [SL_F_DATE_TRUNC] = f_date_trunc, [SL_F_DATE_PART] = f_date_part,
    [SL_F_EXTRACT] = f_date_part, [SL_F_TO_TIMESTAMP] = f_to_timestamp,
    [SL_F_NOW] = f_now,
    [SL_F_ARRIVAL_STEP] = f_arrival_step,
    [SL_F_TUMBLE] = sl__f_window, [SL_F_HOP] = sl__f_window,
    [SL_F_WINDOW_END] = sl__f_window, [SL_F_SESSION] = sl__f_window,
    [SL_F_REGEXP_MATCH] = f_regexp_match, [SL_F_CARDINALITY] = sl__array_func,
    [SL_F_ARRAY_LENGTH] = sl__array_func, [SL_F_ARRAY_POSITION] = sl__array_func,
    [SL_F_ARRAY_TO_STRING] = sl__array_func, [SL_F_SUBSCRIPT] = sl__array_func,
    [SL_F_SLICE] = sl__array_func,
    [SL_F_ARRAY_CONTAINS] = sl__array_func, [SL_F_ARRAY_CONTAINED] = sl__array_func,
    [SL_F_ARRAY_OVERLAP] = sl__array_func,
    [SL_F_ARRAY] = sl__array_func, [SL_F_ARRAY_LOWER] = sl__array_func,
    [SL_F_ARRAY_UPPER] = sl__array_func, [SL_F_STRING_TO_ARRAY] = sl__array_func,
    [SL_F_ARRAY_CAT] = sl__array_func, [SL_F_ARRAY_APPEND] = sl__array_func,
    [SL_F_ARRAY_PREPEND] = sl__array_func,
    [SL_F_JSONB_TYPEOF] = sl__jsonb_typeof, [SL_F_JSONB_ARRAY_LENGTH] = sl__jsonb_array_length,
    [SL_F_TO_JSONB] = sl__jsonb_to_jsonb, [SL_F_JSONB_GET] = sl__jsonb_get, [SL_F_JSONB_GET_TEXT] = sl__jsonb_get,
    [SL_F_JSONB_PATH] = sl__jsonb_path, [SL_F_JSONB_PATH_TEXT] = sl__jsonb_path,
    [SL_F_JSONB_EXISTS] = sl__jsonb_exists, [SL_F_JSONB_EXISTS_ANY] = sl__jsonb_exists_list,
    [SL_F_JSONB_EXISTS_ALL] = sl__jsonb_exists_list, [SL_F_JSONB_CONTAINS] = sl__jsonb_contains,
    [SL_F_JSONB_CONTAINED] = sl__jsonb_contains,
};

int sl__func_eval(const sl_expr_t *e, const sl_datum_t *args, sl_arena_t *scratch,
                  sl_datum_t *out, sl_error_t *err)
{
    memset(out, 0, sizeof(*out));
    if (e->func >= SL_F_EXTRACT_DATE && e->func < SL_F_COUNT_)   /* func_time.c */
        return e->type == SL_T_NUMERIC && e->func != SL_F_TIME_PART   /* extract(date) */
                   ? sl__numeric_func_double(e, args, sl__func_time_eval, scratch, out, err)
                   : sl__func_time_eval(e, args, scratch, out, err);
    if (e->func < 0 || e->func >= SL_F_COUNT_ || evals[e->func] == NULL)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0, "unknown function %d", e->func);
    /* numeric[] elements and ARRAY[numeric, ...] stay exact */
    bool numeric = e->type == SL_T_NUMERIC && evals[e->func] != sl__array_func;
    for (int i = 0; i < e->nargs && !numeric && evals[e->func] != sl__array_func; i++)
        numeric = e->args[i]->type == SL_T_NUMERIC;
    if (e->func == SL_F_TO_JSONB)   /* numeric's own digits */
        numeric = false;
    if (numeric) {   /* exact ones in numeric_ops.c, the rest through doubles */
        if ((e->type == SL_T_NUMERIC || e->func == SL_F_WIDTH_BUCKET) &&
            e->args[0]->type == SL_T_NUMERIC && sl__numeric_func_exact(e->func))
            return sl__numeric_func(e, args, evals[e->func], scratch, out, err);
        return sl__numeric_func_double(e, args, evals[e->func], scratch, out, err);
    }
    return evals[e->func](e, args, scratch, out, err);
}
