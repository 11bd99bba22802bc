/* check_expr.c: unit tests of exec/expr.c (arithmetic, overflow, division
 * by zero, three-valued logic, comparisons, casts). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec/exec.h"

static sl_arena_t *arena;
static sl_batch_t batch; /* one row; column 0 is a NULL bigint */
static sl_datum_t nullcol[1] = {{.null = true}};
static sl_datum_t *colv[1] = {nullcol};

static void setup(void)
{
    arena = sl_arena_new(NULL, "test");
    memset(&batch, 0, sizeof(batch));
    batch.ncols = 1;
    batch.nrows = 1;
    batch.cols = colv;
}
static void teardown(void) { sl_arena_free(arena); }

static sl_expr_t *node(sl_expr_kind_t k, sl_type_t t)
{
    sl_expr_t *e = sl_alloc0(arena, sizeof(*e));
    e->kind = k;
    e->type = t;
    e->typmod = -1;
    return e;
}
static sl_expr_t *ci(sl_type_t t, int64_t v)
{
    sl_expr_t *e = node(SL_E_CONST, t);
    e->constval.v.i = v;
    return e;
}
static sl_expr_t *cf(sl_type_t t, double v)
{
    sl_expr_t *e = node(SL_E_CONST, t);
    e->constval.v.f = v;
    if (t == SL_T_NUMERIC) {   /* numeric's datum is its text */
        char *s = sl_sprintf(arena, "%.15g", v);
        e->constval.v.s.p = s;
        e->constval.v.s.n = (uint32_t)strlen(s);
    }
    return e;
}
static sl_expr_t *cs(const char *s)
{
    sl_expr_t *e = node(SL_E_CONST, SL_T_TEXT);
    e->constval.v.s.p = s;
    e->constval.v.s.n = (uint32_t)strlen(s);
    return e;
}
static sl_expr_t *cnull(sl_type_t t)
{
    sl_expr_t *e = node(SL_E_CONST, t);
    e->constval.null = true;
    return e;
}
static sl_expr_t *cb(int v) { return v < 0 ? cnull(SL_T_BOOL) : ci(SL_T_BOOL, v); }
static sl_expr_t *nary(sl_expr_kind_t k, sl_type_t t, int n, sl_expr_t *a, sl_expr_t *b)
{
    sl_expr_t *e = node(k, t);
    e->nargs = n;
    e->args = sl_alloc(arena, sizeof(sl_expr_t *) * 2);
    e->args[0] = a;
    e->args[1] = b;
    return e;
}
static sl_expr_t *op(sl_op_t o, sl_expr_t *a, sl_expr_t *b)
{
    sl_type_t t = (o >= SL_OP_EQ && o <= SL_OP_GE) ? SL_T_BOOL : a->type;
    sl_expr_t *e = nary(SL_E_OP, t, 2, a, b);
    e->op = o;
    return e;
}
static sl_expr_t *cast(sl_expr_t *a, sl_type_t t, int typmod)
{
    sl_expr_t *e = nary(SL_E_CAST, t, 1, a, NULL);
    e->typmod = typmod;
    return e;
}

static sl_datum_t ev(sl_expr_t *e)
{
    sl_datum_t d;
    sl_error_t err;
    sl_error_clear(&err);
    int rc = sl_expr_eval(e, &batch, 0, arena, &d, &err);
    ck_assert_msg(rc == SL_OK, "eval failed: %s", err.message);
    return d;
}
static void ev_err(sl_expr_t *e, const char *state, const char *msg)
{
    sl_datum_t d;
    sl_error_t err;
    sl_error_clear(&err);
    ck_assert_int_eq(sl_expr_eval(e, &batch, 0, arena, &d, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, state);
    ck_assert_str_eq(err.message, msg);
}
/* Evaluates a boolean: 1, 0 or -1 for NULL. */
static int evb(sl_expr_t *e)
{
    sl_datum_t d = ev(e);
    return d.null ? -1 : (int)d.v.i;
}

START_TEST(test_int_arith)
{
    ck_assert_int_eq(ev(op(SL_OP_ADD, ci(SL_T_INT4, 2), ci(SL_T_INT4, 3))).v.i, 5);
    ck_assert_int_eq(ev(op(SL_OP_SUB, ci(SL_T_INT4, 2), ci(SL_T_INT4, 3))).v.i, -1);
    ck_assert_int_eq(ev(op(SL_OP_MUL, ci(SL_T_INT8, -4), ci(SL_T_INT8, 3))).v.i, -12);
    ck_assert_int_eq(ev(op(SL_OP_DIV, ci(SL_T_INT4, 7), ci(SL_T_INT4, 2))).v.i, 3);
    ck_assert_int_eq(ev(op(SL_OP_DIV, ci(SL_T_INT4, -7), ci(SL_T_INT4, 2))).v.i, -3);
    ck_assert_int_eq(ev(op(SL_OP_MOD, ci(SL_T_INT4, -7), ci(SL_T_INT4, 3))).v.i, -1);
    ck_assert_int_eq(ev(op(SL_OP_MOD, ci(SL_T_INT4, INT32_MIN), ci(SL_T_INT4, -1))).v.i, 0);
    ev_err(op(SL_OP_ADD, ci(SL_T_INT4, INT32_MAX), ci(SL_T_INT4, 1)), "22003", "integer out of range");
    ev_err(op(SL_OP_MUL, ci(SL_T_INT2, 200), ci(SL_T_INT2, 200)), "22003", "smallint out of range");
    ev_err(op(SL_OP_SUB, ci(SL_T_INT8, INT64_MIN), ci(SL_T_INT8, 1)), "22003", "bigint out of range");
    ev_err(op(SL_OP_MUL, ci(SL_T_INT8, INT64_MAX), ci(SL_T_INT8, 2)), "22003", "bigint out of range");
    ev_err(op(SL_OP_DIV, ci(SL_T_INT4, INT32_MIN), ci(SL_T_INT4, -1)), "22003", "integer out of range");
    ev_err(op(SL_OP_DIV, ci(SL_T_INT8, INT64_MIN), ci(SL_T_INT8, -1)), "22003", "bigint out of range");
    ev_err(op(SL_OP_DIV, ci(SL_T_INT4, 1), ci(SL_T_INT4, 0)), "22012", "division by zero");
    ev_err(op(SL_OP_MOD, ci(SL_T_INT8, 1), ci(SL_T_INT8, 0)), "22012", "division by zero");
    sl_expr_t *neg = nary(SL_E_NEG, SL_T_INT4, 1, ci(SL_T_INT4, INT32_MIN), NULL);
    ev_err(neg, "22003", "integer out of range");
    ck_assert_int_eq(ev(nary(SL_E_NEG, SL_T_INT2, 1, ci(SL_T_INT2, 5), NULL)).v.i, -5);
    /* NULL propagation, also for a NULL column */
    ck_assert(ev(op(SL_OP_ADD, ci(SL_T_INT4, 1), cnull(SL_T_INT4))).null);
    sl_expr_t *col = node(SL_E_COLUMN, SL_T_INT8);
    col->colno = 0;
    ck_assert(ev(op(SL_OP_DIV, ci(SL_T_INT8, 1), col)).null); /* NULL, not division by zero */
}
END_TEST

START_TEST(test_float_arith)
{
    ck_assert(ev(op(SL_OP_ADD, cf(SL_T_FLOAT8, 0.1), cf(SL_T_FLOAT8, 0.2))).v.f == 0.1 + 0.2);
    ck_assert(ev(op(SL_OP_DIV, cf(SL_T_FLOAT8, 1), cf(SL_T_FLOAT8, 4))).v.f == 0.25);
    ev_err(op(SL_OP_MUL, cf(SL_T_FLOAT8, 1e300), cf(SL_T_FLOAT8, 1e300)), "22003",
           "value out of range: overflow");
    ev_err(op(SL_OP_MUL, cf(SL_T_FLOAT8, 1e-300), cf(SL_T_FLOAT8, 1e-300)), "22003",
           "value out of range: underflow");
    ev_err(op(SL_OP_MUL, cf(SL_T_FLOAT4, 1e30), cf(SL_T_FLOAT4, 1e30)), "22003",
           "value out of range: overflow");
    ev_err(op(SL_OP_DIV, cf(SL_T_FLOAT8, 1), cf(SL_T_FLOAT8, 0)), "22012", "division by zero");
    ev_err(op(SL_OP_DIV, cf(SL_T_NUMERIC, 1), cf(SL_T_NUMERIC, 0)), "22012", "division by zero");
    /* infinity in, infinity out: no error */
    ck_assert(isinf(ev(op(SL_OP_ADD, cf(SL_T_FLOAT8, INFINITY), cf(SL_T_FLOAT8, 1))).v.f));
    ck_assert(isnan(ev(op(SL_OP_DIV, cf(SL_T_FLOAT8, NAN), cf(SL_T_FLOAT8, 0))).v.f));
    ck_assert(ev(nary(SL_E_NEG, SL_T_FLOAT8, 1, cf(SL_T_FLOAT8, 2.5), NULL)).v.f == -2.5);
}
END_TEST

START_TEST(test_logic)
{
    /* AND truth table: 1 true, 0 false, -1 NULL */
    int vals[3] = {1, 0, -1};
    int and_t[3][3] = {{1, 0, -1}, {0, 0, 0}, {-1, 0, -1}};
    int or_t[3][3] = {{1, 1, 1}, {1, 0, -1}, {1, -1, -1}};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            ck_assert_int_eq(evb(nary(SL_E_AND, SL_T_BOOL, 2, cb(vals[i]), cb(vals[j]))), and_t[i][j]);
            ck_assert_int_eq(evb(nary(SL_E_OR, SL_T_BOOL, 2, cb(vals[i]), cb(vals[j]))), or_t[i][j]);
        }
    ck_assert_int_eq(evb(nary(SL_E_NOT, SL_T_BOOL, 1, cb(-1), NULL)), -1);
    ck_assert_int_eq(evb(nary(SL_E_NOT, SL_T_BOOL, 1, cb(0), NULL)), 1);
    ck_assert_int_eq(evb(nary(SL_E_ISNULL, SL_T_BOOL, 1, cnull(SL_T_TEXT), NULL)), 1);
    ck_assert_int_eq(evb(nary(SL_E_ISNOTNULL, SL_T_BOOL, 1, cnull(SL_T_TEXT), NULL)), 0);
    ck_assert_int_eq(evb(nary(SL_E_ISNULL, SL_T_BOOL, 1, ci(SL_T_INT4, 0), NULL)), 0);
    /* false AND <error> short-circuits, as PostgreSQL does */
    sl_expr_t *boom = op(SL_OP_EQ, op(SL_OP_DIV, ci(SL_T_INT4, 1), ci(SL_T_INT4, 0)), ci(SL_T_INT4, 1));
    ck_assert_int_eq(evb(nary(SL_E_AND, SL_T_BOOL, 2, cb(0), boom)), 0);
    ck_assert_int_eq(evb(nary(SL_E_OR, SL_T_BOOL, 2, cb(1), boom)), 1);
    ev_err(nary(SL_E_AND, SL_T_BOOL, 2, cb(1), boom), "22012", "division by zero");
}
END_TEST

START_TEST(test_compare)
{
    ck_assert_int_eq(evb(op(SL_OP_LT, ci(SL_T_INT4, 1), ci(SL_T_INT4, 2))), 1);
    ck_assert_int_eq(evb(op(SL_OP_GE, ci(SL_T_INT4, 1), ci(SL_T_INT4, 2))), 0);
    ck_assert_int_eq(evb(op(SL_OP_NE, ci(SL_T_INT8, 1), ci(SL_T_INT8, 2))), 1);
    ck_assert_int_eq(evb(op(SL_OP_EQ, ci(SL_T_INT8, 1), cnull(SL_T_INT8))), -1);
    ck_assert_int_eq(evb(op(SL_OP_EQ, cf(SL_T_FLOAT8, NAN), cf(SL_T_FLOAT8, NAN))), 1);
    ck_assert_int_eq(evb(op(SL_OP_GT, cf(SL_T_FLOAT8, NAN), cf(SL_T_FLOAT8, INFINITY))), 1);
    ck_assert_int_eq(evb(op(SL_OP_EQ, cf(SL_T_FLOAT8, -0.0), cf(SL_T_FLOAT8, 0.0))), 1);
    ck_assert_int_eq(evb(op(SL_OP_LT, cs("B"), cs("a"))), 1);
    ck_assert_int_eq(evb(op(SL_OP_LT, cs("ab"), cs("abc"))), 1);
    ck_assert_int_eq(evb(op(SL_OP_LE, cs("abc"), cs("abc"))), 1);
    sl_datum_t d = ev(op(SL_OP_CONCAT, cs("foo"), cs("bar")));
    ck_assert_int_eq(d.v.s.n, 6);
    ck_assert(memcmp(d.v.s.p, "foobar", 6) == 0);
    ck_assert(ev(op(SL_OP_CONCAT, cs("foo"), cnull(SL_T_TEXT))).null);
}
END_TEST

START_TEST(test_casts)
{
    ck_assert_int_eq(ev(cast(cf(SL_T_FLOAT8, 2.5), SL_T_INT4, -1)).v.i, 2);   /* half to even */
    ck_assert_int_eq(ev(cast(cf(SL_T_FLOAT8, 3.5), SL_T_INT4, -1)).v.i, 4);
    ck_assert_int_eq(ev(cast(cf(SL_T_FLOAT8, -2.5), SL_T_INT8, -1)).v.i, -2);
    ck_assert_int_eq(ev(cast(cf(SL_T_NUMERIC, 2.5), SL_T_INT4, -1)).v.i, 3);  /* numeric: away */
    ev_err(cast(cf(SL_T_FLOAT8, 3e9), SL_T_INT4, -1), "22003", "integer out of range");
    ev_err(cast(cf(SL_T_FLOAT8, NAN), SL_T_INT8, -1), "22003", "bigint out of range");
    ev_err(cast(ci(SL_T_INT4, 40000), SL_T_INT2, -1), "22003", "smallint out of range");
    ck_assert_int_eq(ev(cast(ci(SL_T_INT8, 40000), SL_T_INT4, -1)).v.i, 40000);
    ck_assert(ev(cast(ci(SL_T_INT4, 7), SL_T_FLOAT8, -1)).v.f == 7.0);
    ev_err(cast(cf(SL_T_FLOAT8, 1e300), SL_T_FLOAT4, -1), "22003", "value out of range: overflow");
    /* -> text */
    sl_datum_t d = ev(cast(ci(SL_T_INT4, -42), SL_T_TEXT, -1));
    ck_assert(d.v.s.n == 3 && memcmp(d.v.s.p, "-42", 3) == 0);
    d = ev(cast(ci(SL_T_BOOL, 1), SL_T_TEXT, -1));
    ck_assert(d.v.s.n == 4 && memcmp(d.v.s.p, "true", 4) == 0);
    d = ev(cast(cf(SL_T_FLOAT8, 0.1), SL_T_TEXT, -1));
    ck_assert(d.v.s.n == 3 && memcmp(d.v.s.p, "0.1", 3) == 0);
    d = ev(cast(cs("abcdef"), SL_T_TEXT, 3)); /* explicit varchar(3) truncates */
    ck_assert(d.v.s.n == 3 && memcmp(d.v.s.p, "abc", 3) == 0);
    d = ev(cast(ci(SL_T_TIMESTAMPTZ, 0), SL_T_TEXT, -1));
    ck_assert(d.v.s.n == 22 && memcmp(d.v.s.p, "2000-01-01 00:00:00+00", 22) == 0);
    /* text -> */
    ck_assert_int_eq(ev(cast(cs(" 12 "), SL_T_INT4, -1)).v.i, 12);
    ck_assert_int_eq(ev(cast(cs("yes"), SL_T_BOOL, -1)).v.i, 1);
    ck_assert(ev(cast(cs("2000-01-01 00:00:01+00"), SL_T_TIMESTAMPTZ, -1)).v.i == 1000000);
    ev_err(cast(cs("x1"), SL_T_INT4, -1), "22P02", "invalid input syntax for type integer: \"x1\"");
    ev_err(cast(cs("abcd"), SL_T_FLOAT8, -1), "22P02",
           "invalid input syntax for type double precision: \"abcd\"");
    /* timestamp <-> timestamptz in UTC */
    ck_assert(ev(cast(ci(SL_T_TIMESTAMP, 123), SL_T_TIMESTAMPTZ, -1)).v.i == 123);
    ck_assert(ev(cast(cnull(SL_T_TEXT), SL_T_INT4, -1)).null);
    ck_assert_int_eq(ev(cast(ci(SL_T_BOOL, 1), SL_T_INT4, -1)).v.i, 1);
}
END_TEST

static Suite *expr_suite(void)
{
    Suite *s = suite_create("expr");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_int_arith);
    tcase_add_test(tc, test_float_arith);
    tcase_add_test(tc, test_logic);
    tcase_add_test(tc, test_compare);
    tcase_add_test(tc, test_casts);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(expr_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
