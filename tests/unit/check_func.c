/* check_func.c: unit tests of exec/func.c and the conditional expressions
 * of exec/expr.c (CASE, COALESCE, NULLIF, GREATEST / LEAST, = ANY / <> ALL,
 * IS DISTINCT FROM, IS TRUE ...): results, NULLs and PostgreSQL's errors.
 * Expected values were checked on PostgreSQL 15. */
#include <check.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec/exec.h"
#include "plan/func.h"
#include "ck_run.h"

static sl_arena_t *arena;
static sl_batch_t batch;

static void setup(void)
{
    arena = sl_arena_new(NULL, "test");
    memset(&batch, 0, sizeof(batch));
    batch.nrows = 1;
}
static void teardown(void) { sl_arena_free(arena); }

static sl_expr_t *node(sl_expr_kind_t k, sl_type_t t, int nargs)
{
    sl_expr_t *e = sl_alloc0(arena, sizeof(*e));
    e->kind = k;
    e->type = t;
    e->typmod = -1;
    e->nargs = nargs;
    e->args = sl_alloc0(arena, sizeof(*e->args) * (size_t)(nargs ? nargs : 1));
    return e;
}
static sl_expr_t *I(sl_type_t t, int64_t v)
{
    sl_expr_t *e = node(SL_E_CONST, t, 0);
    e->constval.v.i = v;
    return e;
}
static sl_expr_t *i4(int64_t v) { return I(SL_T_INT4, v); }
static sl_expr_t *F(double v)
{
    sl_expr_t *e = node(SL_E_CONST, SL_T_FLOAT8, 0);
    e->constval.v.f = v;
    return e;
}
/* A numeric constant: its text (numeric's datum form), from v's 15 digits. */
static sl_expr_t *N(double v)
{
    sl_expr_t *e = node(SL_E_CONST, SL_T_NUMERIC, 0);
    char *t = sl_sprintf(arena, "%.15g", v);
    e->constval.v.s.p = t;
    e->constval.v.s.n = (uint32_t)strlen(t);
    return e;
}
static sl_expr_t *S(const char *s)
{
    sl_expr_t *e = node(SL_E_CONST, SL_T_TEXT, 0);
    e->constval.v.s.p = s;
    e->constval.v.s.n = (uint32_t)strlen(s);
    return e;
}
static sl_expr_t *B(int v)
{
    sl_expr_t *e = I(SL_T_BOOL, v < 0 ? 0 : v);
    e->constval.null = v < 0;
    return e;
}
static sl_expr_t *NUL(sl_type_t t)
{
    sl_expr_t *e = node(SL_E_CONST, t, 0);
    e->constval.null = true;
    return e;
}

/* fn(id, result type, nargs, args...) */
static sl_expr_t *fn(sl_func_id_t id, sl_type_t t, int nargs, ...)
{
    sl_expr_t *e = node(SL_E_FUNC, t, nargs);
    e->func = id;
    va_list ap;
    va_start(ap, nargs);
    for (int i = 0; i < nargs; i++)
        e->args[i] = va_arg(ap, sl_expr_t *);
    va_end(ap);
    return e;
}
static sl_expr_t *kind(sl_expr_kind_t k, sl_type_t t, sl_op_t op, int nargs, ...)
{
    sl_expr_t *e = node(k, t, nargs);
    e->op = op;
    va_list ap;
    va_start(ap, nargs);
    for (int i = 0; i < nargs; i++)
        e->args[i] = va_arg(ap, sl_expr_t *);
    va_end(ap);
    return e;
}

/* The result as PostgreSQL prints it, "NULL", or "ERROR sqlstate: message". */
static const char *run(sl_expr_t *e)
{
    sl_datum_t d;
    sl_error_t err;
    sl_error_clear(&err);
    if (sl_expr_eval(e, &batch, 0, arena, &d, &err) != SL_OK)
        return sl_sprintf(arena, "ERROR %s: %s", err.sqlstate, err.message);
    if (d.null)
        return "NULL";
    sl_buf_t b = SL_BUF_INIT;
    if (e->type == SL_T_BOOL)
        sl_buf_puts(&b, d.v.i ? "t" : "f");
    else
        sl_type_output(e->type, &d, &b);
    const char *s = sl_strdup(arena, b.len ? sl_buf_cstr(&b) : "");
    sl_buf_free(&b);
    return s;
}
#define EQ(expect, e) ck_assert_str_eq(run(e), expect)

START_TEST(test_math)
{
    EQ("5", fn(SL_F_ABS, SL_T_INT4, 1, i4(-5)));
    EQ("ERROR 22003: smallint out of range", fn(SL_F_ABS, SL_T_INT2, 1, I(SL_T_INT2, -32768)));
    EQ("ERROR 22003: integer out of range", fn(SL_F_ABS, SL_T_INT4, 1, i4(INT32_MIN)));
    EQ("NULL", fn(SL_F_ABS, SL_T_INT4, 1, NUL(SL_T_INT4)));
    /* round(float8) is half to even, round(numeric) half away from zero */
    EQ("2", fn(SL_F_ROUND, SL_T_FLOAT8, 1, F(2.5)));
    EQ("-2", fn(SL_F_ROUND, SL_T_FLOAT8, 1, F(-2.5)));
    EQ("4", fn(SL_F_ROUND, SL_T_FLOAT8, 1, F(3.5)));
    EQ("3", fn(SL_F_ROUND, SL_T_NUMERIC, 1, N(2.5)));
    EQ("-3", fn(SL_F_ROUND, SL_T_NUMERIC, 1, N(-2.5)));
    EQ("1.24", fn(SL_F_ROUND, SL_T_NUMERIC, 2, N(1.235), i4(2)));
    EQ("1200", fn(SL_F_ROUND, SL_T_NUMERIC, 2, N(1234), i4(-2)));
    EQ("-2", fn(SL_F_TRUNC, SL_T_FLOAT8, 1, F(-2.7)));
    EQ("-0", fn(SL_F_CEIL, SL_T_FLOAT8, 1, F(-0.5)));
    EQ("-1", fn(SL_F_FLOOR, SL_T_FLOAT8, 1, F(-0.5)));
    EQ("0", fn(SL_F_SIGN, SL_T_FLOAT8, 1, F(-0.0)));
    EQ("0", fn(SL_F_SIGN, SL_T_FLOAT8, 1, F(NAN)));
    EQ("-1", fn(SL_F_SIGN, SL_T_FLOAT8, 1, F(-3)));
    EQ("-1", fn(SL_F_MOD, SL_T_INT4, 2, i4(-7), i4(2)));
    EQ("1", fn(SL_F_MOD, SL_T_INT4, 2, i4(7), i4(-2)));
    EQ("0", fn(SL_F_MOD, SL_T_INT4, 2, i4(INT32_MIN), i4(-1)));
    EQ("ERROR 22012: division by zero", fn(SL_F_MOD, SL_T_INT4, 2, i4(1), i4(0)));
    EQ("8", fn(SL_F_POWER, SL_T_FLOAT8, 2, F(2), F(3)));
    EQ("ERROR 2201F: zero raised to a negative power is undefined",
       fn(SL_F_POWER, SL_T_FLOAT8, 2, F(0), F(-1)));
    EQ("ERROR 2201F: a negative number raised to a non-integer power yields a complex result",
       fn(SL_F_POWER, SL_T_FLOAT8, 2, F(-1), F(0.5)));
    EQ("ERROR 22003: value out of range: overflow", fn(SL_F_POWER, SL_T_FLOAT8, 2, F(10), F(400)));
    EQ("1", fn(SL_F_POWER, SL_T_FLOAT8, 2, F(NAN), F(0)));
    EQ("ERROR 2201F: cannot take square root of a negative number",
       fn(SL_F_SQRT, SL_T_FLOAT8, 1, F(-1)));
    EQ("ERROR 22003: value out of range: overflow", fn(SL_F_EXP, SL_T_FLOAT8, 1, F(1000)));
    EQ("ERROR 22003: value out of range: underflow", fn(SL_F_EXP, SL_T_FLOAT8, 1, F(-1000)));
    EQ("ERROR 2201E: cannot take logarithm of zero", fn(SL_F_LN, SL_T_FLOAT8, 1, F(0)));
    EQ("ERROR 2201E: cannot take logarithm of a negative number",
       fn(SL_F_LOG10, SL_T_FLOAT8, 1, F(-1)));
    EQ("2", fn(SL_F_LOG10, SL_T_FLOAT8, 1, F(100)));
    EQ("3.0000000000000000", fn(SL_F_LOG, SL_T_NUMERIC, 2, N(2), N(8)));   /* exact: numeric.c */
    EQ("ERROR 22012: division by zero", fn(SL_F_LOG, SL_T_NUMERIC, 2, N(1), N(8)));
    EQ("3", fn(SL_F_WIDTH_BUCKET, SL_T_INT4, 4, F(5), F(0), F(10), i4(4)));
    EQ("0", fn(SL_F_WIDTH_BUCKET, SL_T_INT4, 4, F(-1), F(0), F(10), i4(4)));
    EQ("5", fn(SL_F_WIDTH_BUCKET, SL_T_INT4, 4, F(10), F(0), F(10), i4(4)));
    EQ("2", fn(SL_F_WIDTH_BUCKET, SL_T_INT4, 4, F(7), F(10), F(0), i4(4)));
    EQ("ERROR 2201G: count must be greater than zero",
       fn(SL_F_WIDTH_BUCKET, SL_T_INT4, 4, F(5), F(0), F(10), i4(0)));
    EQ("ERROR 2201G: lower bound cannot equal upper bound",
       fn(SL_F_WIDTH_BUCKET, SL_T_INT4, 4, F(5), F(1), F(1), i4(3)));
}
END_TEST

START_TEST(test_text)
{
    EQ("hello wörld", fn(SL_F_LOWER, SL_T_TEXT, 1, S("HeLLo WöRLD")));
    EQ("ABC", fn(SL_F_UPPER, SL_T_TEXT, 1, S("abc")));
    EQ("Hello World-Foo Bar_Baz", fn(SL_F_INITCAP, SL_T_TEXT, 1, S("hELLO wORLD-foo bar_baz")));
    EQ("4", fn(SL_F_LENGTH, SL_T_INT4, 1, S("über")));
    EQ("5", fn(SL_F_OCTET_LENGTH, SL_T_INT4, 1, S("über")));
    EQ("el", fn(SL_F_SUBSTR, SL_T_TEXT, 3, S("hello"), i4(2), i4(2)));
    EQ("h", fn(SL_F_SUBSTR, SL_T_TEXT, 3, S("hello"), i4(-1), i4(3)));
    EQ("ber", fn(SL_F_SUBSTR, SL_T_TEXT, 2, S("über"), i4(2)));
    EQ("", fn(SL_F_SUBSTR, SL_T_TEXT, 3, S("hello"), i4(9), i4(2)));
    EQ("ERROR 22011: negative substring length not allowed",
       fn(SL_F_SUBSTR, SL_T_TEXT, 3, S("hello"), i4(1), i4(-1)));
    EQ("3", fn(SL_F_STRPOS, SL_T_INT4, 2, S("hello"), S("l")));
    EQ("1", fn(SL_F_STRPOS, SL_T_INT4, 2, S("hello"), S("")));
    EQ("0", fn(SL_F_STRPOS, SL_T_INT4, 2, S("hello"), S("z")));
    EQ("2", fn(SL_F_STRPOS, SL_T_INT4, 2, S("übx"), S("b")));
    EQ("aXYcXY", fn(SL_F_REPLACE, SL_T_TEXT, 3, S("abcb"), S("b"), S("XY")));
    EQ("abc", fn(SL_F_REPLACE, SL_T_TEXT, 3, S("abc"), S(""), S("X")));
    EQ("xc", fn(SL_F_TRANSLATE, SL_T_TEXT, 3, S("abc"), S("ab"), S("x")));
    EQ("abc", fn(SL_F_BTRIM, SL_T_TEXT, 1, S("  abc  ")));
    EQ("abcxy", fn(SL_F_LTRIM, SL_T_TEXT, 2, S("xyxabcxy"), S("xy")));
    EQ("xyxabc", fn(SL_F_RTRIM, SL_T_TEXT, 2, S("xyxabcxy"), S("xy")));
    EQ("xyabc", fn(SL_F_LPAD, SL_T_TEXT, 3, S("abc"), i4(5), S("xy")));
    EQ("ab", fn(SL_F_LPAD, SL_T_TEXT, 2, S("abc"), i4(2)));
    EQ("", fn(SL_F_LPAD, SL_T_TEXT, 2, S("abc"), i4(-1)));
    EQ("abc", fn(SL_F_LPAD, SL_T_TEXT, 3, S("abc"), i4(5), S("")));
    EQ("abcxyx", fn(SL_F_RPAD, SL_T_TEXT, 3, S("abc"), i4(6), S("xy")));
    EQ("c", fn(SL_F_SPLIT_PART, SL_T_TEXT, 3, S("a,b,c"), S(","), i4(-1)));
    EQ("b", fn(SL_F_SPLIT_PART, SL_T_TEXT, 3, S("a,b,c"), S(","), i4(2)));
    EQ("", fn(SL_F_SPLIT_PART, SL_T_TEXT, 3, S("a,b,c"), S(","), i4(4)));
    EQ("a,b", fn(SL_F_SPLIT_PART, SL_T_TEXT, 3, S("a,b"), S(""), i4(1)));
    EQ("ERROR 22023: field position must not be zero",
       fn(SL_F_SPLIT_PART, SL_T_TEXT, 3, S("a,b"), S(","), i4(0)));
    EQ("abc", fn(SL_F_LEFT, SL_T_TEXT, 2, S("abcd"), i4(-1)));
    EQ("bcd", fn(SL_F_RIGHT, SL_T_TEXT, 2, S("abcd"), i4(-1)));
    EQ("cd", fn(SL_F_RIGHT, SL_T_TEXT, 2, S("abcd"), i4(2)));
    EQ("ebü", fn(SL_F_REVERSE, SL_T_TEXT, 1, S("übe")));
    EQ("ababab", fn(SL_F_REPEAT, SL_T_TEXT, 2, S("ab"), i4(3)));
    EQ("", fn(SL_F_REPEAT, SL_T_TEXT, 2, S("ab"), i4(-3)));
    EQ("d41d8cd98f00b204e9800998ecf8427e", fn(SL_F_MD5, SL_T_TEXT, 1, S("")));
    EQ("900150983cd24fb0d6963f7d28e17f72", fn(SL_F_MD5, SL_T_TEXT, 1, S("abc")));
    EQ("57edf4a22be3c955ac49da2e2107b67a",
       fn(SL_F_MD5, SL_T_TEXT, 1,
          S("12345678901234567890123456789012345678901234567890123456789012345678901234567890")));
    EQ("t", fn(SL_F_STARTS_WITH, SL_T_BOOL, 2, S("alphabet"), S("alph")));
    EQ("252", fn(SL_F_ASCII, SL_T_INT4, 1, S("über")));
    EQ("ERROR 54000: null character not permitted", fn(SL_F_CHR, SL_T_TEXT, 1, i4(0)));
    EQ("€", fn(SL_F_CHR, SL_T_TEXT, 1, i4(8364)));
    /* concat skips NULLs and prints booleans as t / f; concat_ws's NULL
     * separator gives NULL */
    EQ("a1t", fn(SL_F_CONCAT, SL_T_TEXT, 4, S("a"), i4(1), NUL(SL_T_TEXT), B(1)));
    EQ("a-1", fn(SL_F_CONCAT_WS, SL_T_TEXT, 4, S("-"), S("a"), NUL(SL_T_INT4), i4(1)));
    EQ("NULL", fn(SL_F_CONCAT_WS, SL_T_TEXT, 2, NUL(SL_T_TEXT), S("a")));
    EQ("NULL", fn(SL_F_UPPER, SL_T_TEXT, 1, NUL(SL_T_TEXT)));
}
END_TEST

static sl_expr_t *like(const char *s, const char *p, bool ilike, bool neg)
{
    sl_expr_t *e = fn(ilike ? SL_F_ILIKE : SL_F_LIKE, SL_T_BOOL, 2, S(s), S(p));
    e->op = neg ? SL_OP_NE : SL_OP_EQ;
    return e;
}

START_TEST(test_like)
{
    EQ("t", like("abc", "a%", false, false));
    EQ("f", like("abc", "a%", false, true));
    EQ("t", like("abc", "_b_", false, false));
    EQ("t", like("über", "_ber", false, false));
    EQ("f", like("abc", "ab", false, false));
    EQ("t", like("a%c", "a\\%c", false, false));
    EQ("f", like("abc", "a\\%c", false, false));
    EQ("t", like("ABC", "a%c", true, false));
    EQ("t", like("abc", "%%c", false, false));
    EQ("ERROR 22025: LIKE pattern must not end with escape character", like("abc", "a\\", false, false));
    EQ("f", like("xbc", "a\\", false, false));   /* fails before reaching the escape */
    EQ("ERROR 22025: LIKE pattern must not end with escape character", like("abc", "%\\", false, false));
    /* like_escape: # as escape, an empty escape, a bad one */
    sl_datum_t d;
    sl_error_t err;
    sl_error_clear(&err);
    ck_assert_int_eq(sl_func_like_escape("a#_c\\", 5, "#", 1, arena, &d, &err), SL_OK);
    ck_assert_int_eq((int)d.v.s.n, 6);
    ck_assert(memcmp(d.v.s.p, "a\\_c\\\\", 6) == 0);
    ck_assert_int_eq(sl_func_like_escape("a\\b", 3, "", 0, arena, &d, &err), SL_OK);
    ck_assert(d.v.s.n == 4 && memcmp(d.v.s.p, "a\\\\b", 4) == 0);
    ck_assert_int_eq(sl_func_like_escape("a", 1, "xy", 2, arena, &d, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "22025");
    ck_assert_str_eq(err.message, "invalid escape string");
}
END_TEST

START_TEST(test_regex)
{
    sl_expr_t *e = fn(SL_F_REGEX, SL_T_BOOL, 2, S("aaab"), S("^a+b$"));
    EQ("t", e);
    e = fn(SL_F_REGEX, SL_T_BOOL, 2, S("AB"), S("ab"));
    EQ("f", e);
    e->typmod = 1;   /* ~* */
    EQ("t", e);
    e->op = SL_OP_NE;   /* !~* */
    EQ("f", e);
    /* compiled once at plan time */
    regex_t re;
    sl_error_t err;
    sl_error_clear(&err);
    ck_assert_int_eq(sl_func_regex_compile("b+", 2, false, true, &re, &err), SL_OK);
    e = fn(SL_F_REGEX, SL_T_BOOL, 2, S("abbc"), S("ignored"));
    e->aux = &re;
    EQ("t", e);
    regfree(&re);
    ck_assert_int_eq(sl_func_regex_compile("(", 1, false, true, &re, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "2201B");
    /* classes and \d \s \w are ASCII, as PostgreSQL's under the C collation;
     * . is one UTF-8 character */
    EQ("f", fn(SL_F_REGEX, SL_T_BOOL, 2, S("é"), S("[[:alpha:]]")));
    EQ("t", fn(SL_F_REGEX, SL_T_BOOL, 2, S("é"), S("^.$")));
    EQ("t", fn(SL_F_REGEX, SL_T_BOOL, 2, S("a7"), S("^\\w\\d$")));
    EQ("f", fn(SL_F_REGEX, SL_T_BOOL, 2, S("ad"), S("a\\d")));
    EQ("t", fn(SL_F_REGEX, SL_T_BOOL, 2, S("a b"), S("a\\sb")));
    EQ("t", fn(SL_F_REGEX, SL_T_BOOL, 2, S("]"), S("[]x]")));
    e = fn(SL_F_REGEX, SL_T_BOOL, 2, S("abc"), S("^[[:upper:]]+$"));
    e->typmod = 1;   /* ~*: [:upper:] matches either case */
    EQ("t", e);
    e = fn(SL_F_REGEX, SL_T_BOOL, 2, S("É"), S("é"));
    e->typmod = 1;   /* only ASCII letters fold */
    EQ("f", e);
    EQ("a<b>c<d>", fn(SL_F_REGEXP_REPLACE, SL_T_TEXT, 4, S("abcd"), S("[bd]"), S("<\\&>"), S("g")));
    EQ("<b>acd", fn(SL_F_REGEXP_REPLACE, SL_T_TEXT, 3, S("abcd"), S("a(.)"), S("<\\1>a")));
    EQ("-x-y-", fn(SL_F_REGEXP_REPLACE, SL_T_TEXT, 4, S("xy"), S("z*"), S("-"), S("g")));
    EQ("ERROR 22023: invalid regular expression option: \"q\"",
       fn(SL_F_REGEXP_REPLACE, SL_T_TEXT, 4, S("xy"), S("z"), S("-"), S("q")));
}
END_TEST

START_TEST(test_conditional)
{
    /* CASE: the first true WHEN; NULL is not true; later branches not run */
    sl_expr_t *div0 = fn(SL_F_MOD, SL_T_INT4, 2, i4(1), i4(0));
    EQ("2", kind(SL_E_CASE, SL_T_INT4, 0, 5, B(-1), i4(1), B(1), i4(2), div0));
    EQ("ERROR 22012: division by zero", kind(SL_E_CASE, SL_T_INT4, 0, 3, B(0), i4(1), div0));
    EQ("NULL", kind(SL_E_CASE, SL_T_INT4, 0, 3, B(0), i4(1), NUL(SL_T_INT4)));
    EQ("3", kind(SL_E_COALESCE, SL_T_INT4, 0, 3, NUL(SL_T_INT4), i4(3), div0));
    EQ("NULL", kind(SL_E_COALESCE, SL_T_INT4, 0, 2, NUL(SL_T_INT4), NUL(SL_T_INT4)));
    EQ("NULL", kind(SL_E_NULLIF, SL_T_INT4, 0, 2, i4(2), i4(2)));
    EQ("2", kind(SL_E_NULLIF, SL_T_INT4, 0, 2, i4(2), i4(3)));
    EQ("2", kind(SL_E_NULLIF, SL_T_INT4, 0, 2, i4(2), NUL(SL_T_INT4)));
    EQ("9", kind(SL_E_MINMAX, SL_T_INT4, SL_OP_GT, 3, i4(1), NUL(SL_T_INT4), i4(9)));
    EQ("1", kind(SL_E_MINMAX, SL_T_INT4, SL_OP_LT, 3, i4(1), NUL(SL_T_INT4), i4(9)));
    EQ("NULL", kind(SL_E_MINMAX, SL_T_INT4, SL_OP_GT, 1, NUL(SL_T_INT4)));
    /* IN: true if any equal, else NULL if any NULL; NOT IN the converse */
    EQ("t", kind(SL_E_ANY, SL_T_BOOL, SL_OP_EQ, 3, i4(1), NUL(SL_T_INT4), i4(1)));
    EQ("NULL", kind(SL_E_ANY, SL_T_BOOL, SL_OP_EQ, 3, i4(2), NUL(SL_T_INT4), i4(1)));
    EQ("f", kind(SL_E_ANY, SL_T_BOOL, SL_OP_EQ, 3, i4(2), i4(3), i4(1)));
    EQ("NULL", kind(SL_E_ANY, SL_T_BOOL, SL_OP_EQ, 2, NUL(SL_T_INT4), i4(1)));
    EQ("f", kind(SL_E_ANY, SL_T_BOOL, SL_OP_NE, 3, i4(1), NUL(SL_T_INT4), i4(1)));
    EQ("NULL", kind(SL_E_ANY, SL_T_BOOL, SL_OP_NE, 3, i4(2), NUL(SL_T_INT4), i4(1)));
    EQ("t", kind(SL_E_ANY, SL_T_BOOL, SL_OP_NE, 3, i4(2), i4(3), i4(1)));
    /* every list item is evaluated, as PostgreSQL builds the array first */
    EQ("ERROR 22012: division by zero", kind(SL_E_ANY, SL_T_BOOL, SL_OP_EQ, 3, i4(1), i4(1), div0));
    EQ("f", kind(SL_E_DISTINCT, SL_T_BOOL, SL_OP_NE, 2, NUL(SL_T_INT4), NUL(SL_T_INT4)));
    EQ("t", kind(SL_E_DISTINCT, SL_T_BOOL, SL_OP_NE, 2, i4(1), NUL(SL_T_INT4)));
    EQ("f", kind(SL_E_DISTINCT, SL_T_BOOL, SL_OP_EQ, 2, i4(1), NUL(SL_T_INT4)));
    EQ("t", kind(SL_E_DISTINCT, SL_T_BOOL, SL_OP_EQ, 2, i4(1), i4(1)));
    static const char *const want[][3] = {
        /* TRUE, FALSE, NULL */
        [SL_BT_TRUE] = {"t", "f", "f"}, [SL_BT_NOT_TRUE] = {"f", "t", "t"},
        [SL_BT_FALSE] = {"f", "t", "f"}, [SL_BT_NOT_FALSE] = {"t", "f", "t"},
        [SL_BT_UNKNOWN] = {"f", "f", "t"}, [SL_BT_NOT_UNKNOWN] = {"t", "t", "f"},
    };
    for (int t = SL_BT_TRUE; t <= SL_BT_NOT_UNKNOWN; t++)
        for (int v = 0; v < 3; v++) {
            sl_expr_t *e = kind(SL_E_BOOLTEST, SL_T_BOOL, 0, 1, B(v == 0 ? 1 : v == 1 ? 0 : -1));
            e->booltest = (sl_booltest_t)t;
            ck_assert_str_eq(run(e), want[t][v]);
        }
}
END_TEST

static sl_expr_t *TSZ(sl_type_t t, const char *text)
{
    sl_expr_t *e = node(SL_E_CONST, t, 0);
    sl_error_t err;
    sl_error_clear(&err);
    ck_assert_int_eq(sl_type_input(t, -1, text, (uint32_t)strlen(text), arena, &e->constval, &err),
                     SL_OK);
    return e;
}

START_TEST(test_datetime)
{
    sl_type_t tz = SL_T_TIMESTAMPTZ, ts = SL_T_TIMESTAMP;
    /* now(): the request's time, stamped once (sl_exec_set_now) */
    sl_exec_set_now();
    int64_t now = sl_exec_now();
    int64_t unix_us = (int64_t)time(NULL) * 1000000 - INT64_C(946684800) * 1000000;
    ck_assert(now > unix_us - 2000000 && now < unix_us + 2000000);
    sl_datum_t d;
    sl_error_t e;
    sl_error_clear(&e);
    ck_assert_int_eq(sl_expr_eval(fn(SL_F_NOW, tz, 0), NULL, 0, arena, &d, &e), SL_OK);
    ck_assert(!d.null && d.v.i == now);
    const char *v = "2024-02-29 13:45:30.123456+00";
    EQ("2024-02-29 13:00:00+00", fn(SL_F_DATE_TRUNC, tz, 2, S("hour"), TSZ(tz, v)));
    EQ("2024-02-26 00:00:00+00", fn(SL_F_DATE_TRUNC, tz, 2, S("week"), TSZ(tz, v)));
    EQ("2024-01-01 00:00:00+00", fn(SL_F_DATE_TRUNC, tz, 2, S("Quarter"), TSZ(tz, v)));
    EQ("2024-02-29 13:45:30.123+00", fn(SL_F_DATE_TRUNC, tz, 2, S("ms"), TSZ(tz, v)));
    EQ("2001-01-01 00:00:00", fn(SL_F_DATE_TRUNC, ts, 2, S("millennium"), TSZ(ts, "2024-05-01 10:00")));
    EQ("2020-01-01 00:00:00", fn(SL_F_DATE_TRUNC, ts, 2, S("decade"), TSZ(ts, "2024-05-01 10:00")));
    /* BC years as timestamp_trunc rounds them */
    EQ("0051-01-01 00:00:00 BC", fn(SL_F_DATE_TRUNC, ts, 2, S("decade"), TSZ(ts, "0044-03-15 BC")));
    EQ("0100-01-01 00:00:00 BC", fn(SL_F_DATE_TRUNC, ts, 2, S("century"), TSZ(ts, "0044-03-15 BC")));
    EQ("1000-01-01 00:00:00 BC", fn(SL_F_DATE_TRUNC, ts, 2, S("millennium"), TSZ(ts, "0044-03-15 BC")));
    EQ("infinity", fn(SL_F_DATE_TRUNC, tz, 2, S("day"), TSZ(tz, "infinity")));
    EQ("ERROR 22023: unit \"foo\" not recognized for type timestamp with time zone",
       fn(SL_F_DATE_TRUNC, tz, 2, S("Foo"), TSZ(tz, v)));
    EQ("ERROR 22023: unit \"epoch\" not recognized for type timestamp with time zone",
       fn(SL_F_DATE_TRUNC, tz, 2, S("epoch"), TSZ(tz, v)));
    EQ("ERROR 0A000: unit \"dow\" not supported for type timestamp with time zone",
       fn(SL_F_DATE_TRUNC, tz, 2, S("dow"), TSZ(tz, v)));
    EQ("30.123456", fn(SL_F_DATE_PART, SL_T_FLOAT8, 2, S("second"), TSZ(tz, v)));
    EQ("30123.456", fn(SL_F_DATE_PART, SL_T_FLOAT8, 2, S("milliseconds"), TSZ(tz, v)));
    EQ("4", fn(SL_F_DATE_PART, SL_T_FLOAT8, 2, S("dow"), TSZ(tz, v)));
    EQ("60", fn(SL_F_DATE_PART, SL_T_FLOAT8, 2, S("doy"), TSZ(tz, v)));
    EQ("9", fn(SL_F_DATE_PART, SL_T_FLOAT8, 2, S("week"), TSZ(tz, v)));
    EQ("1709214330.123456", fn(SL_F_DATE_PART, SL_T_FLOAT8, 2, S("epoch"), TSZ(tz, v)));
    EQ("2020", fn(SL_F_DATE_PART, SL_T_FLOAT8, 2, S("isoyear"), TSZ(tz, "2021-01-01 00:00+00")));
    EQ("53", fn(SL_F_DATE_PART, SL_T_FLOAT8, 2, S("week"), TSZ(tz, "2021-01-01 00:00+00")));
    EQ("-44", fn(SL_F_DATE_PART, SL_T_FLOAT8, 2, S("year"), TSZ(ts, "0044-03-15 BC")));
    EQ("NULL", fn(SL_F_DATE_PART, SL_T_FLOAT8, 2, S("hour"), TSZ(tz, "infinity")));
    EQ("Infinity", fn(SL_F_DATE_PART, SL_T_FLOAT8, 2, S("epoch"), TSZ(tz, "infinity")));
    EQ("2024-02-01 00:00:00.5+00", fn(SL_F_TO_TIMESTAMP, tz, 1, F(1706745600.5)));
    EQ("ERROR 22008: timestamp cannot be NaN", fn(SL_F_TO_TIMESTAMP, tz, 1, F(NAN)));
    EQ("-infinity", fn(SL_F_TO_TIMESTAMP, tz, 1, F(-INFINITY)));
}
END_TEST

START_TEST(test_catalog)
{
    int n;
    const sl_func_sig_t *f = sl_func_lookup("round", &n);
    ck_assert_int_eq(n, 3);
    ck_assert_str_eq(f[0].name, "round");
    ck_assert(sl_func_lookup("no_such_function", &n) == NULL && n == 0);
    ck_assert(sl_func_lookup("abs", &n) && n == 6);
    ck_assert(sl_func_pg_has("to_char"));
    ck_assert(!sl_func_pg_has("no_such_function"));
    ck_assert_str_eq(sl_func_name(SL_F_SUBSTR), "substr");
}
END_TEST

/* A numeric constant from its text (numeric's datum form, as numeric_out). */
static sl_expr_t *NT(const char *t)
{
    sl_expr_t *e = node(SL_E_CONST, SL_T_NUMERIC, 0);
    e->constval.v.s.p = t;
    e->constval.v.s.n = (uint32_t)strlen(t);
    return e;
}
static sl_expr_t *tc(const char *v, const char *f)
{
    return fn(SL_F_TO_CHAR_NUM, SL_T_TEXT, 2, NT(v), S(f));
}
static sl_expr_t *wb(const char *x, const char *lo, const char *hi, int64_t n)
{
    return fn(SL_F_WIDTH_BUCKET, SL_T_INT4, 4, NT(x), NT(lo), NT(hi), i4(n));
}

/* to_char(numeric, text) and width_bucket(numeric, ...): PostgreSQL 15's
 * results, printed by it. */
START_TEST(test_numfmt)
{
    EQ(" 12345678901234567890.123456789012345", tc("12345678901234567890.123456789012345", "99999999999999999999.999999999999999"));
    EQ("12,345,678,901,234,567,890.123456789012345", tc("12345678901234567890.123456789012345", "FM9,999,999,999,999,999,999,999.9999999999999999999"));
    EQ("-1.235e-19", tc("-0.000000000000000000123456789", "9.999EEEE"));
    EQ(" 10.0e+00", tc("9.99", "9.9EEEE"));
    EQ(" ##########################", tc("99999999999999999999999999.5", "99999999999999999999999999"));
    EQ(" #########################", tc("99999999999999999999999999.5", "9999999999999999999999999"));
    EQ("   -987654321.98765432100", tc("-987654321.987654321", "S999999999999.99999999999"));
    EQ("   <987654321.987654321000>", tc("-987654321.987654321", "999999999999.999999999999PR"));
    EQ(" 123456", tc("123.456", "999V999"));
    EQ("      MMMCMXCIX", tc("3999.49", "RN"));
    EQ("###############", tc("4000.5", "RN"));
    EQ("   .00", tc("-0.001", "99.99"));
    EQ("   NaN", tc("NaN", "99999.99"));
    EQ("-00Infinity", tc("-Infinity", "0000000000"));
    EQ(" #.######", tc("Infinity", "9.99EEEE"));
    EQ("  21st", tc("21", "999th"));
    /* the same processor over integers and floats */
#define TCN(v, f) fn(SL_F_TO_CHAR_NUM, SL_T_TEXT, 2, v, S(f))
    EQ("  NaN", TCN(F(NAN), "9999.99"));
    EQ(" ####", TCN(F(INFINITY), "9999"));
    EQ("   -Infinity", TCN(F(-INFINITY), "99999999999"));
    EQ("  5", TCN(i4(5), "9C9SP"));   /* C and SP: keywords that write nothing */
    EQ("-5Mi", TCN(i4(-5), "9Mi"));   /* keywords are case-sensitive */
    EQ("              V  ", TCN(i4(5), "RN,G"));
    EQ("              V", TCN(i4(5), "RNSGx"));   /* SG writes a NUL: the text ends */
    EQ(" 2e+01", TCN(i4(25), "9EEEE"));
    EQ(" 3e+01", TCN(I(SL_T_INT8, 25), "9EEEE"));   /* bigint through numeric */
    EQ("###############", TCN(F(1e10), "RN"));
    sl_expr_t *f4 = F(1.1);
    f4->type = SL_T_FLOAT4;
    EQ(" 11000000512", TCN(f4, "9V9999999999"));   /* V in real's precision */
    EQ(" 11000000000", TCN(F(1.1), "9V9999999999"));
    EQ("", TCN(i4(5), ""));   /* not NULL, unlike to_char(timestamp, '') */
    EQ("  50", TCN(i4(5), "9V09"));
    EQ(" 5", TCN(i4(5), "9."));
    EQ("ERROR 22003: integer out of range", TCN(i4(INT32_MAX), "9V99"));
    EQ("ERROR 22003: bigint out of range", TCN(I(SL_T_INT8, INT64_MAX), "9V99"));
    EQ("ERROR 42601: cannot use \"PR\" and \"S\"/\"PL\"/\"MI\"/\"SG\" together",
       TCN(i4(5), "S9PR"));
#undef TCN
    EQ("ERROR 0A000: cannot convert NaN to integer", tc("NaN", "RN"));
    EQ("ERROR 22P02: \"Infinity\" is not a number", tc("Infinity", "99999999th"));
    EQ("11", wb("12345678901234567890.123456789012345", "0", "12345678901234567890.1234567890123451", 10));
    EQ("1073741824", wb("1.5", "1.4999999999999999999", "1.5000000000000000001", 2147483646));
    EQ("2", wb("-0.5", "0", "-1", 3));
    EQ("0", wb("-Infinity", "0", "1", 3));
    EQ("0", wb("Infinity", "1", "0", 3));
    EQ("ERROR 2201G: count must be greater than zero", wb("1", "0", "2", 0));
    EQ("ERROR 2201G: operand, lower bound, and upper bound cannot be NaN", wb("NaN", "0", "2", 1));
    EQ("ERROR 2201G: lower and upper bounds must be finite", wb("1", "0", "Infinity", 1));
    EQ("ERROR 2201G: lower bound cannot equal upper bound", wb("1", "2.0", "2.00", 1));
    EQ("ERROR 22003: integer out of range", wb("3", "0", "2", 2147483647));
}
END_TEST

static Suite *func_suite(void)
{
    Suite *s = suite_create("func");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_math);
    tcase_add_test(tc, test_text);
    tcase_add_test(tc, test_like);
    tcase_add_test(tc, test_regex);
    tcase_add_test(tc, test_conditional);
    tcase_add_test(tc, test_datetime);
    tcase_add_test(tc, test_catalog);
    tcase_add_test(tc, test_numfmt);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return sl_ck_run(func_suite());
}
