/* check_numeric.c: unit tests of util/numeric.c, PostgreSQL 15's numeric on
 * GMP.  The expected values below were printed by PostgreSQL 15 itself
 * (SELECT x::numeric::text, operators, functions, casts): input and output,
 * typmods with their overflow DETAIL, the operators' result scales
 * (select_div_scale), carries, NaN and the infinities, rounding half away
 * from zero, casts; then comparison, hashing and the datum form. */
#include <check.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/numeric.h"
#include "util/types.h"

struct io_case { const char *in, *out, *err; };
struct typmod_case { const char *in; int p, s; const char *out, *err; };
struct op_case { const char *a; char op; const char *b, *out, *err; };
struct fn_case { const char *fn, *a; int n; const char *out; };
struct cast_case { const char *a, *to, *out, *err; };
struct fromfloat_case { const char *a, *from, *out; };

static const struct io_case io_cases[] = {
    {"0", "0", NULL},
    {"-0", "0", NULL},
    {"-0.000", "0.000", NULL},
    {"  1.50  ", "1.50", NULL},
    {"+001.50e1", "15.0", NULL},
    {"1.5e-3", "0.0015", NULL},
    {".5", "0.5", NULL},
    {"5.", "5", NULL},
    {"1e3", "1000", NULL},
    {"1E+3", "1000", NULL},
    {"-12.3400", "-12.3400", NULL},
    {"NaN", "NaN", NULL},
    {"nan", "NaN", NULL},
    {" NaN ", "NaN", NULL},
    {"inf", "Infinity", NULL},
    {"-INFINITY", "-Infinity", NULL},
    {"+Infinity", "Infinity", NULL},
    {"Infinity x", NULL, "22P02: invalid input syntax for type numeric: \"Infinity x\""},
    {"+NaN", NULL, "22P02: invalid input syntax for type numeric: \"+NaN\""},
    {"", NULL, "22P02: invalid input syntax for type numeric: \"\""},
    {" ", NULL, "22P02: invalid input syntax for type numeric: \" \""},
    {"abc", NULL, "22P02: invalid input syntax for type numeric: \"abc\""},
    {"1.2.3", NULL, "22P02: invalid input syntax for type numeric: \"1.2.3\""},
    {"1e", NULL, "22P02: invalid input syntax for type numeric: \"1e\""},
    {"1e+", NULL, "22P02: invalid input syntax for type numeric: \"1e+\""},
    {"- 1", NULL, "22P02: invalid input syntax for type numeric: \"- 1\""},
    {"1_000", NULL, "22P02: invalid input syntax for type numeric: \"1_000\""},
    {"0x1F", NULL, "22P02: invalid input syntax for type numeric: \"0x1F\""},
    {"1.5 e3", NULL, "22P02: invalid input syntax for type numeric: \"1.5 e3\""},
    {"12345678901234567890123456789.123456789", "12345678901234567890123456789.123456789", NULL},
    {"0.000000000000000000000000000001", "0.000000000000000000000000000001", NULL},
    {"1e-16384", NULL, "22003: value overflows numeric format"},
    {"1e131072", NULL, "22003: value overflows numeric format"},
    {"1e2147483648", NULL, "22003: value overflows numeric format"},
    {"-.0e5", "0", NULL},
    {"00012.3400", "12.3400", NULL},
};
static const struct typmod_case typmod_cases[] = {
    {"12.345", 4, 2, "12.35", NULL},
    {"123.345", 4, 2, NULL, "22003: numeric field overflow / A field with precision 4, scale 2 must round to an absolute value less than 10^2."},
    {"99.995", 4, 2, NULL, "22003: numeric field overflow / A field with precision 4, scale 2 must round to an absolute value less than 10^2."},
    {"99.994", 4, 2, "99.99", NULL},
    {"1", 2, 2, NULL, "22003: numeric field overflow / A field with precision 2, scale 2 must round to an absolute value less than 1."},
    {"0.5", 2, 2, "0.50", NULL},
    {"-0.004", 2, 2, "0.00", NULL},
    {"1", 3, 4, NULL, "22003: numeric field overflow / A field with precision 3, scale 4 must round to an absolute value less than 10^-1."},
    {"0.001", 3, 4, "0.0010", NULL},
    {"Infinity", 5, 2, NULL, "22003: numeric field overflow / A field with precision 5, scale 2 cannot hold an infinite value."},
    {"-Infinity", 5, 2, NULL, "22003: numeric field overflow / A field with precision 5, scale 2 cannot hold an infinite value."},
    {"NaN", 5, 2, "NaN", NULL},
    {"12345678901234567890", 5, 0, NULL, "22003: numeric field overflow / A field with precision 5, scale 0 must round to an absolute value less than 10^5."},
    {"-2.5", 1, 0, "-3", NULL},
    {"-9.5", 1, 0, NULL, "22003: numeric field overflow / A field with precision 1, scale 0 must round to an absolute value less than 10^1."},
    {"1.005", 10, 2, "1.01", NULL},
    {"-1.005", 10, 2, "-1.01", NULL},
};
static const struct op_case op_cases[] = {
    {"1.0", '/', "3", "0.33333333333333333333", NULL},
    {"10", '/', "4", "2.5000000000000000", NULL},
    {"1e20", '/', "7", "14285714285714285714", NULL},
    {"0.0001", '/', "7", "0.000014285714285714285714", NULL},
    {"12345678.0", '/', "1.1", "11223343.636363636364", NULL},
    {"99999999", '/', "0.00000001", "9999999900000000.00000000", NULL},
    {"0.5", '/', "10000", "0.000050000000000000000000", NULL},
    {"2", '/', "3", "0.66666666666666666667", NULL},
    {"10000.0", '/', "3", "3333.3333333333333333", NULL},
    {"0", '/', "3", "0.00000000000000000000", NULL},
    {"0.000", '/', "3.0", "0.00000000000000000000", NULL},
    {"1.0", '/', "99999", "0.000010000100001000010000", NULL},
    {"123", '/', "0.001", "123000.000000000000", NULL},
    {"-7.5", '/', "2", "-3.7500000000000000", NULL},
    {"7", '/', "-2.25", "-3.1111111111111111", NULL},
    {"1e-30", '/', "5e30", "0.00000000000000000000000000000000000000000000000000000000000020000000000000000000", NULL},
    {"5e30", '/', "1e-30", "5000000000000000000000000000000000000000000000000000000000000.000000000000000000000000000000", NULL},
    {"1", '/', "0", NULL, "22012: division by zero"},
    {"1", '/', "0.000", NULL, "22012: division by zero"},
    {"Infinity", '/', "0", NULL, "22012: division by zero"},
    {"NaN", '/', "0", "NaN", NULL},
    {"Infinity", '/', "Infinity", "NaN", NULL},
    {"-Infinity", '/', "2", "-Infinity", NULL},
    {"1", '/', "Infinity", "0", NULL},
    {"0.5", '/', "0.5", "1.00000000000000000000", NULL},
    {"9999", '/', "9999.0001", "0.99999998999900000001", NULL},
    {"1", '/', "10000", "0.000100000000000000000000", NULL},
    {"1", '/', "9999", "0.00010001000100010001", NULL},
    {"123456789", '/', "0.5", "246913578.00000000", NULL},
    {"9.99", '+', "0.01", "10.00", NULL},
    {"999999999999999999999", '+', "1", "1000000000000000000000", NULL},
    {"-0.5", '+', "0.5", "0.0", NULL},
    {"1.50", '+', "-1.5", "0.00", NULL},
    {"Infinity", '+', "-Infinity", "NaN", NULL},
    {"Infinity", '-', "Infinity", "NaN", NULL},
    {"NaN", '+', "1", "NaN", NULL},
    {"-Infinity", '-', "Infinity", "-Infinity", NULL},
    {"0.001", '-', "1000", "-999.999", NULL},
    {"1.5", '*', "2.25", "3.375", NULL},
    {"Infinity", '*', "0", "NaN", NULL},
    {"-Infinity", '*', "-2", "Infinity", NULL},
    {"0.000", '*', "-5", "0.000", NULL},
    {"123.456", '*', "-2.25", "-277.77600", NULL},
    {"7.0", '%', "3.00", "1.00", NULL},
    {"-7.5", '%', "2", "-1.5", NULL},
    {"1", '%', "-0.3", "0.1", NULL},
    {"5", '%', "0.0", NULL, "22012: division by zero"},
    {"Infinity", '%', "2", "NaN", NULL},
    {"2", '%', "Infinity", "2", NULL},
    {"Infinity", '%', "0", NULL, "22012: division by zero"},
    {"NaN", '%', "0", "NaN", NULL},
    {"-0.5", '%', "0.3", "-0.2", NULL},
};
static const struct fn_case fn_cases[] = {
    {"round", "2.5", INT32_MIN, "3"},
    {"round", "-2.5", INT32_MIN, "-3"},
    {"round", "-0.5", INT32_MIN, "-1"},
    {"round", "1.2345", 2, "1.23"},
    {"round", "1234.5", -2, "1200"},
    {"round", "0.04", 1, "0.0"},
    {"round", "-0.04", 1, "0.0"},
    {"round", "1.5", 5, "1.50000"},
    {"round", "9.995", 2, "10.00"},
    {"round", "-9.995", 2, "-10.00"},
    {"round", "99.5", -2, "100"},
    {"round", "49.5", -2, "0"},
    {"round", "NaN", 2, "NaN"},
    {"round", "-Infinity", INT32_MIN, "-Infinity"},
    {"trunc", "-1.99", INT32_MIN, "-1"},
    {"trunc", "123.456", -1, "120"},
    {"trunc", "1.5", 5, "1.50000"},
    {"trunc", "-1.99", 1, "-1.9"},
    {"ceil", "-1.5", INT32_MIN, "-1"},
    {"ceil", "1.000", INT32_MIN, "1"},
    {"ceil", "-0.5", INT32_MIN, "0"},
    {"ceil", "0.001", INT32_MIN, "1"},
    {"floor", "-1.5", INT32_MIN, "-2"},
    {"floor", "-0.5", INT32_MIN, "-1"},
    {"floor", "2.999", INT32_MIN, "2"},
    {"floor", "NaN", INT32_MIN, "NaN"},
    {"abs", "-2.50", INT32_MIN, "2.50"},
    {"abs", "-Infinity", INT32_MIN, "Infinity"},
    {"sign", "-2.50", INT32_MIN, "-1"},
    {"sign", "0.00", INT32_MIN, "0"},
    {"sign", "NaN", INT32_MIN, "NaN"},
    {"sign", "-Infinity", INT32_MIN, "-1"},
};
static const struct cast_case cast_cases[] = {
    {"1.5", "int4", "2", NULL},
    {"-1.5", "int4", "-2", NULL},
    {"2.5", "int8", "3", NULL},
    {"32767.5", "int2", NULL, "22003: smallint out of range"},
    {"32767.49", "int2", "32767", NULL},
    {"-32768.5", "int2", NULL, "22003: smallint out of range"},
    {"2147483647.4", "int4", "2147483647", NULL},
    {"9223372036854775807", "int8", "9223372036854775807", NULL},
    {"9223372036854775807.5", "int8", NULL, "22003: bigint out of range"},
    {"-9223372036854775808.4", "int8", "-9223372036854775808", NULL},
    {"NaN", "int4", NULL, "0A000: cannot convert NaN to integer"},
    {"Infinity", "int2", NULL, "0A000: cannot convert infinity to smallint"},
    {"-Infinity", "int8", NULL, "0A000: cannot convert infinity to bigint"},
    {"0.1", "float8", "0.1", NULL},
    {"1e300", "float8", "1e+300", NULL},
    {"1e400", "float8", NULL, "22003: \"1000000000000000000000000000000000000000000000000000"},
    {"1e-400", "float8", NULL, "22003: \"0.00000000000000000000000000000000000000000000000000"},
    {"123456789012345678901234567890", "float8", "1.2345678901234568e+29", NULL},
    {"0.1", "float4", "0.1", NULL},
    {"1e39", "float4", NULL, "22003: \"1000000000000000000000000000000000000000\" is out of "},
    {"NaN", "float8", "NaN", NULL},
    {"-Infinity", "float4", "-Infinity", NULL},
};
static const struct fromfloat_case fromfloat_cases[] = {
    {"0.1", "float8", "0.1"},
    {"123456789012345678", "float8", "123456789012346000"},
    {"1.0e-20", "float8", "0.00000000000000000001"},
    {"nan", "float8", "NaN"},
    {"-infinity", "float8", "-Infinity"},
    {"3.14159274", "float4", "3.14159"},
    {"1.5e-7", "float4", "0.00000015"},
    {"-0", "float8", "0"},
    {"2.5", "float8", "2.5"},
    {"1e16", "float8", "10000000000000000"},
};

#define N_(a) (sizeof(a) / sizeof((a)[0]))

static sl_error_t err;

static sl_num_t *num(const char *s)
{
    static sl_num_t pool[8];
    static int next, init;
    if (!init) {
        for (int i = 0; i < 8; i++)
            sl_num_init(&pool[i]);
        init = 1;
    }
    sl_num_t *x = &pool[next++ % 8];
    sl_error_clear(&err);
    ck_assert_msg(sl_num_parse(x, s, (uint32_t)strlen(s), &err) == SL_OK, "parse %s: %s", s,
                  err.message);
    return x;
}

/* "code: message" of err. */
static const char *errtext(void)
{
    static char t[700];
    snprintf(t, sizeof(t), "%s: %s", err.sqlstate, err.message);
    return t;
}

static const char *fmt(const sl_num_t *x)
{
    static char t[4096];
    sl_buf_t b = SL_BUF_INIT;
    sl_num_format(x, &b);
    snprintf(t, sizeof(t), "%s", sl_buf_cstr(&b));
    sl_buf_free(&b);
    return t;
}

START_TEST(test_input_output)
{
    sl_num_t x;
    sl_num_init(&x);
    for (size_t i = 0; i < N_(io_cases); i++) {
        const struct io_case *c = &io_cases[i];
        sl_error_clear(&err);
        int rc = sl_num_parse(&x, c->in, (uint32_t)strlen(c->in), &err);
        if (c->out) {
            ck_assert_msg(rc == SL_OK, "\"%s\": %s", c->in, err.message);
            ck_assert_str_eq(fmt(&x), c->out);
        } else {
            ck_assert_msg(rc == SL_ERR, "\"%s\" accepted as %s", c->in, fmt(&x));
            ck_assert_str_eq(errtext(), c->err);
        }
    }
    /* the limits: 131072 digits before the point, 16383 after */
    ck_assert_int_eq(sl_num_parse(&x, "9e131071", 8, &err), SL_OK);
    sl_buf_t b = SL_BUF_INIT;
    sl_num_format(&x, &b);
    ck_assert_int_eq(b.len, 131072);
    sl_buf_free(&b);
    ck_assert_int_eq(sl_num_parse(&x, "1e-16383", 8, &err), SL_OK);
    ck_assert_int_eq(x.dscale, 16383);
    sl_num_clear(&x);
}
END_TEST

START_TEST(test_typmod)
{
    for (size_t i = 0; i < N_(typmod_cases); i++) {
        const struct typmod_case *c = &typmod_cases[i];
        int tm;
        sl_error_clear(&err);
        ck_assert_int_eq(sl_num_typmod(c->p, c->s, &tm, &err), SL_OK);
        ck_assert_int_eq(tm, ((c->p << 16) | c->s) + 4);   /* PostgreSQL's encoding */
        sl_num_t *x = num(c->in);
        int rc = sl_num_apply_typmod(x, tm, &err);
        if (c->out) {
            ck_assert_msg(rc == SL_OK, "%s::numeric(%d,%d): %s", c->in, c->p, c->s, err.message);
            ck_assert_str_eq(fmt(x), c->out);
        } else {
            char t[1400];
            ck_assert_int_eq(rc, SL_ERR);
            snprintf(t, sizeof(t), "%s / %s", errtext(), err.detail);
            ck_assert_str_eq(t, c->err);
        }
    }
    int tm;
    sl_error_clear(&err);
    ck_assert_int_eq(sl_num_typmod(0, 0, &tm, &err), SL_ERR);
    ck_assert_str_eq(errtext(), "22023: NUMERIC precision 0 must be between 1 and 1000");
    sl_error_clear(&err);
    ck_assert_int_eq(sl_num_typmod(1001, 2, &tm, &err), SL_ERR);
    ck_assert_str_eq(errtext(), "22023: NUMERIC precision 1001 must be between 1 and 1000");
    /* DDL text of the typmod */
    char buf[64];
    ck_assert_int_eq(sl_num_typmod(10, 2, &tm, &err), SL_OK);
    ck_assert_str_eq(sl_type_sql(SL_T_NUMERIC, tm, buf, sizeof(buf)), "numeric(10,2)");
    ck_assert_str_eq(sl_type_sql(SL_T_NUMERIC, -1, buf, sizeof(buf)), "numeric");
}
END_TEST

START_TEST(test_operators)
{
    sl_num_t r;
    sl_num_init(&r);
    for (size_t i = 0; i < N_(op_cases); i++) {
        const struct op_case *c = &op_cases[i];
        sl_num_t *a = num(c->a), *b = num(c->b);
        sl_error_clear(&err);
        int rc;
        switch (c->op) {
        case '+': rc = sl_num_add(&r, a, b, &err); break;
        case '-': rc = sl_num_sub(&r, a, b, &err); break;
        case '*': rc = sl_num_mul(&r, a, b, &err); break;
        case '/': rc = sl_num_div(&r, a, b, &err); break;
        default: rc = sl_num_mod(&r, a, b, &err); break;
        }
        if (c->out) {
            ck_assert_msg(rc == SL_OK, "%s %c %s: %s", c->a, c->op, c->b, err.message);
            ck_assert_msg(strcmp(fmt(&r), c->out) == 0, "%s %c %s = %s, PostgreSQL says %s", c->a,
                          c->op, c->b, fmt(&r), c->out);
        } else {
            ck_assert_msg(rc == SL_ERR, "%s %c %s gave %s", c->a, c->op, c->b, fmt(&r));
            ck_assert_str_eq(errtext(), c->err);
        }
    }
    /* products round at 16383 digits; 131072 digits before the point overflow */
    ck_assert_int_eq(sl_num_mul(&r, num("1e-10000"), num("1e-10000"), &err), SL_OK);
    ck_assert_int_eq(r.dscale, 16383);
    ck_assert_int_eq(mpz_sgn(r.v), 0);
    sl_error_clear(&err);
    ck_assert_int_eq(sl_num_mul(&r, num("9e131071"), num("10"), &err), SL_ERR);
    ck_assert_str_eq(errtext(), "22003: value overflows numeric format");
    sl_num_clear(&r);
}
END_TEST

START_TEST(test_functions)
{
    for (size_t i = 0; i < N_(fn_cases); i++) {
        const struct fn_case *c = &fn_cases[i];
        sl_num_t *x = num(c->a);
        int n = c->n == INT32_MIN ? 0 : c->n;
        sl_error_clear(&err);
        if (strcmp(c->fn, "round") == 0)
            ck_assert_int_eq(sl_num_round(x, n, &err), SL_OK);
        else if (strcmp(c->fn, "trunc") == 0)
            ck_assert_int_eq(sl_num_trunc(x, n, &err), SL_OK);
        else if (strcmp(c->fn, "ceil") == 0)
            ck_assert_int_eq(sl_num_ceil(x, &err), SL_OK);
        else if (strcmp(c->fn, "floor") == 0)
            ck_assert_int_eq(sl_num_floor(x, &err), SL_OK);
        else if (strcmp(c->fn, "abs") == 0)
            sl_num_abs(x);
        else
            sl_num_sign(x);
        ck_assert_msg(strcmp(fmt(x), c->out) == 0, "%s(%s, %d) = %s, PostgreSQL says %s", c->fn,
                      c->a, n, fmt(x), c->out);
    }
}
END_TEST

START_TEST(test_casts)
{
    for (size_t i = 0; i < N_(cast_cases); i++) {
        const struct cast_case *c = &cast_cases[i];
        sl_num_t *x = num(c->a);
        sl_error_clear(&err);
        int rc;
        int64_t iv = 0;
        double fv = 0;
        bool isint = strncmp(c->to, "int", 3) == 0;
        if (isint)
            rc = sl_num_to_int(x, atoi(c->to + 3) * 8, &iv, &err);
        else
            rc = sl_num_to_double(x, strcmp(c->to, "float4") == 0, &fv, &err);
        if (c->out == NULL) {
            ck_assert_msg(rc == SL_ERR, "%s::%s accepted", c->a, c->to);
            ck_assert_msg(strncmp(errtext(), c->err, strlen(c->err)) == 0, "%s::%s: %s", c->a,
                          c->to, errtext());
        } else if (isint) {
            ck_assert_msg(rc == SL_OK, "%s::%s: %s", c->a, c->to, err.message);
            ck_assert_int_eq(iv, strtoll(c->out, NULL, 10));
        } else {
            ck_assert_int_eq(rc, SL_OK);
            double want = strcmp(c->to, "float4") == 0 ? (double)strtof(c->out, NULL)
                                                       : strtod(c->out, NULL);
            ck_assert_msg(fv == want || (isnan(fv) && isnan(want)), "%s::%s = %.17g", c->a, c->to,
                          fv);
        }
    }
    sl_num_t x;
    sl_num_init(&x);
    for (size_t i = 0; i < N_(fromfloat_cases); i++) {
        const struct fromfloat_case *c = &fromfloat_cases[i];
        bool single = strcmp(c->from, "float4") == 0;
        double v = single ? (double)strtof(c->a, NULL) : strtod(c->a, NULL);
        ck_assert_int_eq(sl_num_from_double(&x, v, single, &err), SL_OK);
        ck_assert_msg(strcmp(fmt(&x), c->out) == 0, "%s::%s::numeric = %s, PostgreSQL says %s",
                      c->a, c->from, fmt(&x), c->out);
    }
    sl_num_clear(&x);
}
END_TEST

/* Datum of numeric text s (through sl_type_input). */
static sl_datum_t datum(sl_arena_t *a, const char *s, int typmod)
{
    sl_datum_t d;
    sl_error_clear(&err);
    ck_assert_int_eq(sl_type_input(SL_T_NUMERIC, typmod, s, (uint32_t)strlen(s), a, &d, &err),
                     SL_OK);
    return d;
}

START_TEST(test_datums)
{
    sl_arena_t *a = sl_arena_new(NULL, "test");
    /* text already in output form is not copied */
    const char *s = "-12.50";
    sl_datum_t d = datum(a, s, -1);
    ck_assert_ptr_eq(d.v.s.p, s);
    ck_assert_int_eq(d.v.s.n, 6);
    /* any other spelling is rewritten */
    d = datum(a, " +012.5e0 ", -1);
    ck_assert_int_eq(d.v.s.n, 4);
    ck_assert(memcmp(d.v.s.p, "12.5", 4) == 0);
    int tm;
    ck_assert_int_eq(sl_num_typmod(6, 3, &tm, &err), SL_OK);
    d = datum(a, "1.0005", tm);
    ck_assert(d.v.s.n == 5 && memcmp(d.v.s.p, "1.001", 5) == 0);
    /* 1, 1.0 and 1.00 are equal, hash alike, and compare as numbers */
    sl_datum_t one = datum(a, "1", -1), one0 = datum(a, "1.0", -1), one00 = datum(a, "1.00", -1);
    ck_assert(sl_datum_eq(SL_T_NUMERIC, &one, &one00));
    ck_assert(sl_datum_eq(SL_T_NUMERIC, &one0, &one00));
    ck_assert_int_eq(sl_datum_hash(SL_T_NUMERIC, &one), sl_datum_hash(SL_T_NUMERIC, &one00));
    ck_assert_int_eq(sl_datum_hash(SL_T_NUMERIC, &one0), sl_datum_hash(SL_T_NUMERIC, &one00));
    sl_datum_t z = datum(a, "0", -1), z3 = datum(a, "-0.000", -1), ten = datum(a, "10", -1),
               t0 = datum(a, "10.0", -1);
    ck_assert(sl_datum_eq(SL_T_NUMERIC, &z, &z3));
    ck_assert_int_eq(sl_datum_hash(SL_T_NUMERIC, &z), sl_datum_hash(SL_T_NUMERIC, &z3));
    ck_assert(!sl_datum_eq(SL_T_NUMERIC, &one, &ten));   /* trailing zeros of the integer */
    ck_assert_int_eq(sl_datum_hash(SL_T_NUMERIC, &ten), sl_datum_hash(SL_T_NUMERIC, &t0));
    /* order: -Infinity < negatives < 0 < positives < Infinity < NaN */
    const char *ordered[] = {"-Infinity", "-100", "-99.5", "-1.05", "-1", "-0.001", "0", "0.0001",
                             "0.5", "1", "1.0001", "9.99", "10", "100.25", "1e30", "Infinity",
                             "NaN"};
    for (size_t i = 0; i < N_(ordered); i++)
        for (size_t j = 0; j < N_(ordered); j++) {
            sl_datum_t x = datum(a, ordered[i], -1), y = datum(a, ordered[j], -1);
            int c = sl_datum_cmp(SL_T_NUMERIC, &x, &y);
            int want = i < j ? -1 : i > j ? 1 : 0;
            ck_assert_msg(c == want, "cmp(%s, %s) = %d", ordered[i], ordered[j], c);
            /* the same order from the values */
            ck_assert_int_eq(sl_num_cmp(num(ordered[i]), num(ordered[j])), want);
        }
    sl_datum_t nan1 = datum(a, "NaN", -1), nan2 = datum(a, " nan ", -1);
    ck_assert(sl_datum_eq(SL_T_NUMERIC, &nan1, &nan2));
    /* get / put round trip */
    sl_num_t x;
    sl_num_init(&x);
    const char *vals[] = {"0", "0.000", "-0.5", "12345678901234567890.0001", "NaN", "-Infinity"};
    for (size_t i = 0; i < N_(vals); i++) {
        sl_datum_t v = datum(a, vals[i], -1), w;
        sl_numeric_get(&v, &x);
        sl_numeric_put(&x, a, &w);
        ck_assert_int_eq(w.v.s.n, strlen(vals[i]));
        ck_assert(memcmp(w.v.s.p, vals[i], w.v.s.n) == 0);
    }
    sl_num_clear(&x);
    sl_arena_free(a);
}
END_TEST

START_TEST(test_sqrt)
{
    /* numeric_sqrt's scale and correctly rounded digits (PostgreSQL 15's) */
    static const struct { const char *in, *out; } cases[] = {
        {"0", "0.000000000000000"}, {"2", "1.414213562373095"},
        {"0.5", "0.70710678118654752"}, {"1e10", "100000.00000000000"},
        {"12345.6789", "111.1111106055556"}, {"1e-30", "0.0000000000000010000000000000000"},
        {"99999999", "9999.9999499999999"}, {"NaN", "NaN"}, {"Infinity", "Infinity"},
    };
    for (size_t i = 0; i < N_(cases); i++) {
        sl_num_t *x = num(cases[i].in);
        ck_assert_int_eq(sl_num_sqrt(x, &err), SL_OK);
        ck_assert_msg(strcmp(fmt(x), cases[i].out) == 0, "sqrt(%s) = %s, PostgreSQL says %s",
                      cases[i].in, fmt(x), cases[i].out);
    }
    sl_error_clear(&err);
    ck_assert_int_eq(sl_num_sqrt(num("-0.1"), &err), SL_ERR);
    ck_assert_str_eq(errtext(), "2201F: cannot take square root of a negative number");
}
END_TEST

START_TEST(test_ln_exp)
{
    /* PostgreSQL 15's ln, log and exp: scales from its weight estimates */
    sl_num_t r;
    sl_num_init(&r);
    sl_num_t *x = num("2");
    ck_assert_int_eq(sl_num_ln(x, &err), SL_OK);
    ck_assert_str_eq(fmt(x), "0.6931471805599453");
    x = num("1.0001");
    ck_assert_int_eq(sl_num_ln(x, &err), SL_OK);
    ck_assert_str_eq(fmt(x), "0.00009999500033330834");
    x = num("12345.6789");
    ck_assert_int_eq(sl_num_ln(x, &err), SL_OK);
    ck_assert_str_eq(fmt(x), "9.4210613941918353");
    x = num("1.0");
    ck_assert_int_eq(sl_num_exp(x, &err), SL_OK);
    ck_assert_str_eq(fmt(x), "2.7182818284590452");
    x = num("-50");
    ck_assert_int_eq(sl_num_exp(x, &err), SL_OK);
    ck_assert_str_eq(fmt(x), "0.0000000000000000000001928749847963918");
    ck_assert_int_eq(sl_num_log(&r, num("2"), num("1024"), &err), SL_OK);
    ck_assert_str_eq(fmt(&r), "10.0000000000000000");
    ck_assert_int_eq(sl_num_log(&r, num("10"), num("0.001"), &err), SL_OK);
    ck_assert_str_eq(fmt(&r), "-3.0000000000000000");
    sl_error_clear(&err);
    ck_assert_int_eq(sl_num_ln(num("0"), &err), SL_ERR);
    ck_assert_str_eq(errtext(), "2201E: cannot take logarithm of zero");
    sl_error_clear(&err);
    ck_assert_int_eq(sl_num_log(&r, num("1"), num("5"), &err), SL_ERR);
    ck_assert_str_eq(errtext(), "22012: division by zero");
    sl_error_clear(&err);
    ck_assert_int_eq(sl_num_exp(num("6000"), &err), SL_ERR);
    ck_assert_str_eq(errtext(), "22003: value overflows numeric format");
    sl_num_clear(&r);
}
END_TEST

START_TEST(test_power)
{
    /* PostgreSQL 15's numeric_power (its outputs) */
    static const struct { const char *x, *y, *out; } cases[] = {
        {"2.5", "3", "15.6250000000000000"},
        {"2", "100", "1267650600228229401496703205376.0000000000000000"},
        {"7.5", "-1", "0.1333333333333333"},
        {"1.123456789012345678", "2", "1.262155156777930193"},
        {"100", "0.5", "10.000000000000000"},
        {"1e-10", "0.5", "0.000010000000000000000"},
        {"2", "0.5000000000000000000", "1.4142135623730950488"},
        {"1.0000001", "1000000", "1.1051709125497934"},
        {"-2", "3", "-8.0000000000000000"},
        {"0", "0", "1.0000000000000000"},
        {"NaN", "0", "1"},
        {"1", "NaN", "1"},
    };
    sl_num_t r;
    sl_num_init(&r);
    for (size_t i = 0; i < N_(cases); i++) {
        bool inexact;
        sl_error_clear(&err);
        ck_assert_int_eq(sl_num_power(&r, num(cases[i].x), num(cases[i].y), &inexact, &err),
                         SL_OK);
        ck_assert(!inexact);
        ck_assert_msg(strcmp(fmt(&r), cases[i].out) == 0, "power(%s, %s) = %s, PostgreSQL says %s",
                      cases[i].x, cases[i].y, fmt(&r), cases[i].out);
    }
    bool inexact;
    sl_error_clear(&err);
    ck_assert_int_eq(sl_num_power(&r, num("0"), num("-1"), &inexact, &err), SL_ERR);
    ck_assert_str_eq(errtext(), "2201F: zero raised to a negative power is undefined");
    sl_error_clear(&err);
    ck_assert_int_eq(sl_num_power(&r, num("-8"), num("0.333"), &inexact, &err), SL_ERR);
    ck_assert_str_eq(errtext(), "2201F: a negative number raised to a non-integer power yields "
                                "a complex result");
    sl_error_clear(&err);
    ck_assert_int_eq(sl_num_power(&r, num("2"), num("1000000"), &inexact, &err), SL_ERR);
    ck_assert_str_eq(errtext(), "22003: value overflows numeric format");
    sl_num_clear(&r);
}
END_TEST

START_TEST(test_div_scale)
{
    /* select_div_scale: 16 significant digits from the base-10000 weights */
    ck_assert_int_eq(sl_num_div_scale(num("1"), num("3")), 20);
    ck_assert_int_eq(sl_num_div_scale(num("10"), num("4")), 16);
    ck_assert_int_eq(sl_num_div_scale(num("0.5"), num("10000")), 24);
    ck_assert_int_eq(sl_num_div_scale(num("1e20"), num("7")), 0);
    ck_assert_int_eq(sl_num_div_scale(num("1.000000000000000000000000"), num("7")), 24);
}
END_TEST

static Suite *numeric_suite(void)
{
    Suite *s = suite_create("numeric");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_input_output);
    tcase_add_test(tc, test_typmod);
    tcase_add_test(tc, test_operators);
    tcase_add_test(tc, test_functions);
    tcase_add_test(tc, test_casts);
    tcase_add_test(tc, test_datums);
    tcase_add_test(tc, test_div_scale);
    tcase_add_test(tc, test_sqrt);
    tcase_add_test(tc, test_ln_exp);
    tcase_add_test(tc, test_power);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(numeric_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
