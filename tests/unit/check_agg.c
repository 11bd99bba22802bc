/*
 * check_agg.c: the aggregate catalog (plan/agg.c): lookup, resolution of
 * result and state types with PostgreSQL's rules, errors, state column
 * names and the combine / final / empty SQL.
 */
#include <check.h>
#include "ck_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/agg.h"

static sl_aggref_t resolve_ok(sl_aggkind_t kind, sl_type_t t)
{
    sl_aggref_t ref;
    sl_error_t err;
    memset(&ref, 0, sizeof(ref));
    sl_error_clear(&err);
    ck_assert_int_eq(sl_agg_resolve(&ref, kind, t, -1, 7, &err), SL_OK);
    ck_assert_int_eq(ref.kind, kind);
    ck_assert_int_eq(ref.location, 7);
    return ref;
}

static const char *sql_of(void (*fn)(const sl_aggref_t *, int, int, const char *,
                                     const char *, sl_buf_t *),
                          const sl_aggref_t *ref, int i, int j, const char *tbl)
{
    static char out[512];
    sl_buf_t b = SL_BUF_INIT;
    fn(ref, i, j, tbl, "EXCLUDED", &b);
    snprintf(out, sizeof(out), "%s", sl_buf_cstr(&b));
    sl_buf_free(&b);
    return out;
}

static const char *final_of(const sl_aggref_t *ref, int i, const char *tbl)
{
    static char out[512];
    sl_buf_t b = SL_BUF_INIT;
    sl_agg_final_sql(ref, i, tbl, &b);
    snprintf(out, sizeof(out), "%s", sl_buf_cstr(&b));
    sl_buf_free(&b);
    return out;
}

static const char *colname(const sl_aggref_t *ref, int i, int j)
{
    static char out[64];
    sl_buf_t b = SL_BUF_INIT;
    sl_agg_state_colname(ref, i, j, &b);
    snprintf(out, sizeof(out), "%s", sl_buf_cstr(&b));
    sl_buf_free(&b);
    return out;
}

START_TEST(test_lookup)
{
    ck_assert_int_eq(sl_agg_lookup("count"), SL_AGG_COUNT);
    ck_assert_int_eq(sl_agg_lookup("sum"), SL_AGG_SUM);
    ck_assert_int_eq(sl_agg_lookup("min"), SL_AGG_MIN);
    ck_assert_int_eq(sl_agg_lookup("max"), SL_AGG_MAX);
    ck_assert_int_eq(sl_agg_lookup("avg"), SL_AGG_AVG);
    ck_assert_int_eq(sl_agg_lookup("lower"), -1);
    ck_assert_int_eq(sl_agg_lookup("COUNT"), -1);   /* names arrive folded */
    ck_assert_str_eq(sl_agg_name(SL_AGG_COUNT_STAR), "count");
    ck_assert_str_eq(sl_agg_name(SL_AGG_AVG), "avg");
}
END_TEST

START_TEST(test_types)
{
    static const struct {
        sl_aggkind_t kind;
        sl_type_t arg, result, s0, s1;
        int nstate;
    } cases[] = {
        {SL_AGG_COUNT_STAR, SL_T_UNKNOWN, SL_T_INT8, SL_T_INT8, 0, 1},
        {SL_AGG_COUNT, SL_T_TEXT, SL_T_INT8, SL_T_INT8, 0, 1},
        {SL_AGG_COUNT, SL_T_NUMERIC, SL_T_INT8, SL_T_INT8, 0, 1},
        {SL_AGG_SUM, SL_T_INT2, SL_T_INT8, SL_T_INT8, 0, 1},
        {SL_AGG_SUM, SL_T_INT4, SL_T_INT8, SL_T_INT8, 0, 1},
        {SL_AGG_SUM, SL_T_INT8, SL_T_NUMERIC, SL_T_NUMERIC, 0, 1},
        {SL_AGG_SUM, SL_T_FLOAT4, SL_T_FLOAT4, SL_T_FLOAT4, 0, 1},
        {SL_AGG_SUM, SL_T_FLOAT8, SL_T_FLOAT8, SL_T_FLOAT8, 0, 1},
        {SL_AGG_MIN, SL_T_TEXT, SL_T_TEXT, SL_T_TEXT, 0, 1},
        {SL_AGG_MAX, SL_T_TIMESTAMPTZ, SL_T_TIMESTAMPTZ, SL_T_TIMESTAMPTZ, 0, 1},
        {SL_AGG_MAX, SL_T_INT2, SL_T_INT2, SL_T_INT2, 0, 1},
        {SL_AGG_AVG, SL_T_INT4, SL_T_NUMERIC, SL_T_NUMERIC, SL_T_INT8, 2},
        {SL_AGG_AVG, SL_T_INT8, SL_T_NUMERIC, SL_T_NUMERIC, SL_T_INT8, 2},
        {SL_AGG_AVG, SL_T_FLOAT4, SL_T_FLOAT8, SL_T_FLOAT8, SL_T_INT8, 2},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sl_aggref_t r = resolve_ok(cases[i].kind, cases[i].arg);
        ck_assert_int_eq(r.result_type, cases[i].result);
        ck_assert_int_eq(r.nstate, cases[i].nstate);
        ck_assert_int_eq(r.state_type[0], cases[i].s0);
        if (r.nstate == 2)
            ck_assert_int_eq(r.state_type[1], cases[i].s1);
    }
}
END_TEST

START_TEST(test_errors)
{
    sl_aggref_t ref;
    sl_error_t err;
    static const struct {
        sl_aggkind_t kind;
        sl_type_t arg;
        const char *code, *msg;
    } cases[] = {
        {SL_AGG_SUM, SL_T_TEXT, "42883", "function sum(text) does not exist"},
        {SL_AGG_AVG, SL_T_BOOL, "42883", "function avg(boolean) does not exist"},
        {SL_AGG_SUM, SL_T_TIMESTAMPTZ, "42883",
         "function sum(timestamp with time zone) does not exist"},
        {SL_AGG_MIN, SL_T_BOOL, "42883", "function min(boolean) does not exist"},
        {SL_AGG_SUM, SL_T_NUMERIC, "0A000",
         "sum(numeric) is not supported in continuous views yet"},
        {SL_AGG_MAX, SL_T_NUMERIC, "0A000",
         "max(numeric) is not supported in continuous views yet"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sl_error_clear(&err);
        ck_assert_int_eq(sl_agg_resolve(&ref, cases[i].kind, cases[i].arg, -1, 12, &err),
                         SL_ERR);
        ck_assert_str_eq(err.sqlstate, cases[i].code);
        ck_assert_str_eq(err.message, cases[i].msg);
        ck_assert_int_eq(err.position, 12);
    }
}
END_TEST

START_TEST(test_sql)
{
    sl_aggref_t c = resolve_ok(SL_AGG_COUNT_STAR, SL_T_UNKNOWN);
    ck_assert_str_eq(colname(&c, 1, 0), "_a1");
    ck_assert_str_eq(sql_of(sl_agg_combine_sql, &c, 1, 0, "t"),
                     "t.\"_a1\" + EXCLUDED.\"_a1\"");
    ck_assert_str_eq(final_of(&c, 1, "t"), "t.\"_a1\"");
    ck_assert_str_eq(final_of(&c, 1, NULL), "\"_a1\"");
    ck_assert_str_eq(sl_agg_empty_sql(&c), "0");

    sl_aggref_t s = resolve_ok(SL_AGG_SUM, SL_T_INT4);
    ck_assert_str_eq(sql_of(sl_agg_combine_sql, &s, 2, 0, "t"),
                     "coalesce(t.\"_a2\" + EXCLUDED.\"_a2\", t.\"_a2\", EXCLUDED.\"_a2\")");
    ck_assert_str_eq(sl_agg_empty_sql(&s), "NULL");

    sl_aggref_t mn = resolve_ok(SL_AGG_MIN, SL_T_TEXT);
    ck_assert_str_eq(sql_of(sl_agg_combine_sql, &mn, 3, 0, "t"),
                     "LEAST(t.\"_a3\", EXCLUDED.\"_a3\")");
    sl_aggref_t mx = resolve_ok(SL_AGG_MAX, SL_T_FLOAT8);
    ck_assert_str_eq(sql_of(sl_agg_combine_sql, &mx, 4, 0, "t"),
                     "GREATEST(t.\"_a4\", EXCLUDED.\"_a4\")");

    sl_aggref_t ai = resolve_ok(SL_AGG_AVG, SL_T_INT8);
    ck_assert_str_eq(colname(&ai, 5, 0), "_a5_sum");
    ck_assert_str_eq(colname(&ai, 5, 1), "_a5_count");
    ck_assert_str_eq(sql_of(sl_agg_combine_sql, &ai, 5, 0, "t"),
                     "coalesce(t.\"_a5_sum\" + EXCLUDED.\"_a5_sum\", t.\"_a5_sum\", "
                     "EXCLUDED.\"_a5_sum\")");
    ck_assert_str_eq(sql_of(sl_agg_combine_sql, &ai, 5, 1, "t"),
                     "t.\"_a5_count\" + EXCLUDED.\"_a5_count\"");
    ck_assert_str_eq(final_of(&ai, 5, "t"),
                     "(t.\"_a5_sum\"::numeric / NULLIF(t.\"_a5_count\", 0))");
    sl_aggref_t af = resolve_ok(SL_AGG_AVG, SL_T_FLOAT4);
    ck_assert_str_eq(final_of(&af, 6, NULL), "(\"_a6_sum\" / NULLIF(\"_a6_count\", 0))");
    ck_assert_str_eq(sl_agg_empty_sql(&af), "NULL");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("agg");
    TCase *tc = tcase_create("agg");
    tcase_add_test(tc, test_lookup);
    tcase_add_test(tc, test_types);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_sql);
    suite_add_tcase(s, tc);
    return sl_ck_run(s);
}
