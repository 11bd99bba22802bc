/*
 * numeric.h: PostgreSQL 15's numeric, exact, on GMP.
 *
 * A value is NaN, +Infinity, -Infinity or v * 10^-dscale with v an mpz
 * integer and dscale >= 0 the display scale (the digits shown after the
 * point: 1.50 is v = 150, dscale 2), as PostgreSQL keeps it.  Arithmetic
 * follows numeric.c's rules: + and - give the larger dscale, * the sum of
 * the dscales (rounded at 16383), / the scale select_div_scale picks
 * (computed here from the base-10000 digits PostgreSQL would hold),
 * rounding half away from zero; NaN and the infinities as PostgreSQL 15
 * treats them; 22003 "value overflows numeric format" past 131072 digits
 * before the point.
 *
 * In a datum (types.h) a numeric travels as its text, exactly what
 * numeric_out prints ("-12.50", "NaN", "Infinity"), in .v.s (arena
 * bytes): output is a copy, input of text already in that form points at
 * it, and sl_numeric_get / sl_numeric_put convert for arithmetic.
 * Comparison, hashing and equality of that text ignore trailing fraction
 * zeros, so 1.0 and 1.00 are one group, as in PostgreSQL.
 *
 * Typmods are PostgreSQL's: ((precision << 16) | scale) + 4, -1 for none.
 */
#ifndef SL_NUMERIC_H
#define SL_NUMERIC_H

#include <gmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/error.h"

struct sl_datum;

typedef enum sl_num_kind {
    SL_NUM_FINITE, SL_NUM_NAN, SL_NUM_PINF, SL_NUM_NINF
} sl_num_kind_t;

typedef struct sl_num {
    sl_num_kind_t kind;
    int dscale;             /* digits after the point (finite values) */
    mpz_t v;                /* value * 10^dscale */
} sl_num_t;

#define SL_NUM_MAX_PRECISION 1000
#define SL_NUM_MAX_DSCALE 16383      /* digits after the point stored */
#define SL_NUM_MAX_INT_DIGITS 131072 /* digits before the point */
#define SL_NUM_MAX_DISPLAY_SCALE 1000
#define SL_NUM_MIN_SIG_DIGITS 16

void sl_num_init(sl_num_t *x);      /* 0, dscale 0 */
void sl_num_clear(sl_num_t *x);
void sl_num_set(sl_num_t *r, const sl_num_t *x);
void sl_num_set_int(sl_num_t *r, int64_t v);
void sl_num_set_kind(sl_num_t *r, sl_num_kind_t k);

/* numeric_in: s[0..n) (blanks around, sign, digits with one point, an
 * exponent, NaN, [+-]Infinity, [+-]inf in any case).  22P02 on bad
 * syntax, 22003 past the format's range. */
int sl_num_parse(sl_num_t *r, const char *s, uint32_t n, sl_error_t *err);
/* numeric_out. */
void sl_num_format(const sl_num_t *x, sl_buf_t *b);
/* Rounds x to typmod's scale and checks its precision (apply_typmod and
 * apply_typmod_special): 22003 "numeric field overflow" with PG's DETAIL. */
int sl_num_apply_typmod(sl_num_t *x, int typmod, sl_error_t *err);
/* PostgreSQL's typmod for numeric(precision, scale); validates the pair
 * (22023 "NUMERIC precision 0 must be between 1 and 1000" ...). */
int sl_num_typmod(int precision, int scale, int *typmod, sl_error_t *err);

/* r = a op b; r may alias neither a nor b.  22012 for / and % by zero,
 * 22003 on overflow. */
int sl_num_add(sl_num_t *r, const sl_num_t *a, const sl_num_t *b, sl_error_t *err);
int sl_num_sub(sl_num_t *r, const sl_num_t *a, const sl_num_t *b, sl_error_t *err);
int sl_num_mul(sl_num_t *r, const sl_num_t *a, const sl_num_t *b, sl_error_t *err);
int sl_num_div(sl_num_t *r, const sl_num_t *a, const sl_num_t *b, sl_error_t *err);
int sl_num_mod(sl_num_t *r, const sl_num_t *a, const sl_num_t *b, sl_error_t *err);
/* select_div_scale(a, b) for finite a, b. */
int sl_num_div_scale(const sl_num_t *a, const sl_num_t *b);
void sl_num_neg(sl_num_t *x);
void sl_num_abs(sl_num_t *x);
/* sign(x): -1, 0, 1 (NaN stays NaN), dscale 0. */
void sl_num_sign(sl_num_t *x);
/* PostgreSQL's order: NaN above +Infinity above every finite value. */
int sl_num_cmp(const sl_num_t *a, const sl_num_t *b);
/* round(x, s) / trunc(x, s) (s may be negative; result dscale max(s, 0),
 * s limited to 2000 as NUMERIC_MAX_RESULT_SCALE), ceil(x), floor(x). */
int sl_num_round(sl_num_t *x, int s, sl_error_t *err);
int sl_num_trunc(sl_num_t *x, int s, sl_error_t *err);
int sl_num_ceil(sl_num_t *x, sl_error_t *err);
int sl_num_floor(sl_num_t *x, sl_error_t *err);
/* sqrt(x) at numeric_sqrt's scale, correctly rounded; 2201F for x < 0. */
int sl_num_sqrt(sl_num_t *x, sl_error_t *err);
/* ln(x), log(base, x), exp(x) at the scales PostgreSQL 15 picks (from its
 * estimates of the result's weight), computed with guard digits and
 * rounded once; 2201E for a logarithm of zero or a negative number. */
int sl_num_ln(sl_num_t *x, sl_error_t *err);
int sl_num_log(sl_num_t *r, const sl_num_t *base, const sl_num_t *x, sl_error_t *err);
int sl_num_exp(sl_num_t *x, sl_error_t *err);
/* power(x, y) as PostgreSQL 15's numeric_power: an integer y (3.00 is
 * one) at scale max(16, x's), exactly rounded; another y by exp(y ln x) at
 * the scale of its estimated weight; 2201F for 0 ^ negative and negative ^
 * non-integer.  *inexact is set (nothing computed) for the infinities and
 * for exact powers of more than 400000 digits: the caller computes those
 * another way. */
int sl_num_power(sl_num_t *r, const sl_num_t *x, const sl_num_t *y, bool *inexact,
                 sl_error_t *err);

/* numeric -> smallint/integer/bigint (bits 16, 32, 64): rounds half away
 * from zero; 22003 "integer out of range", 0A000 for NaN and infinity. */
int sl_num_to_int(const sl_num_t *x, int bits, int64_t *out, sl_error_t *err);
/* numeric -> float8 / float4 through the text, as numeric_float8 does
 * (22003 when out of the type's range). */
int sl_num_to_double(const sl_num_t *x, bool single, double *out, sl_error_t *err);
/* float8 / float4 -> numeric: the value printed with 15 / 6 significant
 * digits, as float8_numeric does. */
int sl_num_from_double(sl_num_t *r, double v, bool single, sl_error_t *err);

/* ---- numerics in datums (text in .v.s) ---- */

/* Reads the numeric held by a non-null datum. */
void sl_numeric_get(const struct sl_datum *d, sl_num_t *x);
/* Stores x as text allocated from a. */
void sl_numeric_put(const sl_num_t *x, sl_arena_t *a, struct sl_datum *d);
/* numeric_in plus the typmod: text already in output form (and no typmod)
 * points into s, anything else is rewritten into a. */
int sl_numeric_input(const char *s, uint32_t n, int typmod, sl_arena_t *a,
                     struct sl_datum *out, sl_error_t *err);
/* Order of two non-null numeric datums (no conversion needed). */
int sl_numeric_cmp(const struct sl_datum *a, const struct sl_datum *b);
/* Length of the datum's text without trailing fraction zeros (and a
 * point left bare): equal numerics have equal such prefixes. */
uint32_t sl_numeric_norm_len(const struct sl_datum *d);

#endif
