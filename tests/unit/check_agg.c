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
    ck_assert_int_eq(sl_agg_lookup("bool_and"), SL_AGG_BOOL_AND);
    ck_assert_int_eq(sl_agg_lookup("every"), SL_AGG_BOOL_AND);
    ck_assert_int_eq(sl_agg_lookup("bool_or"), SL_AGG_BOOL_OR);
    ck_assert_int_eq(sl_agg_lookup("bit_and"), SL_AGG_BIT_AND);
    ck_assert_int_eq(sl_agg_lookup("bit_or"), SL_AGG_BIT_OR);
    ck_assert_int_eq(sl_agg_lookup("variance"), SL_AGG_VAR_SAMP);
    ck_assert_int_eq(sl_agg_lookup("var_samp"), SL_AGG_VAR_SAMP);
    ck_assert_int_eq(sl_agg_lookup("var_pop"), SL_AGG_VAR_POP);
    ck_assert_int_eq(sl_agg_lookup("stddev"), SL_AGG_STDDEV_SAMP);
    ck_assert_int_eq(sl_agg_lookup("stddev_samp"), SL_AGG_STDDEV_SAMP);
    ck_assert_int_eq(sl_agg_lookup("stddev_pop"), SL_AGG_STDDEV_POP);
    ck_assert_int_eq(sl_agg_lookup("corr"), SL_AGG_CORR);
    ck_assert_int_eq(sl_agg_lookup("covar_pop"), SL_AGG_COVAR_POP);
    ck_assert_int_eq(sl_agg_lookup("covar_samp"), SL_AGG_COVAR_SAMP);
    ck_assert_int_eq(sl_agg_lookup("regr_slope"), SL_AGG_REGR_SLOPE);
    ck_assert_int_eq(sl_agg_lookup("regr_intercept"), SL_AGG_REGR_INTERCEPT);
    ck_assert_int_eq(sl_agg_lookup("string_agg"), SL_AGG_STRING_AGG);
    ck_assert_int_eq(sl_agg_lookup("array_agg"), SL_AGG_ARRAY_AGG);
    ck_assert_int_eq(sl_agg_nargs(SL_AGG_ARRAY_AGG), 1);
    ck_assert_int_eq(sl_agg_nargs(SL_AGG_STRING_AGG), 2);
    ck_assert_str_eq(sl_agg_name(SL_AGG_REGR_INTERCEPT), "regr_intercept");
    ck_assert_int_eq(sl_agg_nargs(SL_AGG_COUNT_STAR), 0);
    ck_assert_int_eq(sl_agg_nargs(SL_AGG_STDDEV_POP), 1);
    ck_assert_int_eq(sl_agg_nargs(SL_AGG_CORR), 2);
    ck_assert_int_eq(sl_agg_nargs(SL_AGG_REGR_SLOPE), 2);
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
        {SL_AGG_BOOL_AND, SL_T_BOOL, SL_T_BOOL, SL_T_BOOL, 0, 1},
        {SL_AGG_BOOL_OR, SL_T_BOOL, SL_T_BOOL, SL_T_BOOL, 0, 1},
        {SL_AGG_BIT_AND, SL_T_INT2, SL_T_INT2, SL_T_INT2, 0, 1},
        {SL_AGG_BIT_OR, SL_T_INT8, SL_T_INT8, SL_T_INT8, 0, 1},
        {SL_AGG_VAR_POP, SL_T_INT2, SL_T_NUMERIC, SL_T_INT8, SL_T_NUMERIC, 3},
        {SL_AGG_STDDEV_SAMP, SL_T_INT8, SL_T_NUMERIC, SL_T_INT8, SL_T_NUMERIC, 3},
        /* numeric: exact numeric states */
        {SL_AGG_SUM, SL_T_NUMERIC, SL_T_NUMERIC, SL_T_NUMERIC, 0, 1},
        {SL_AGG_AVG, SL_T_NUMERIC, SL_T_NUMERIC, SL_T_NUMERIC, SL_T_INT8, 2},
        {SL_AGG_MIN, SL_T_NUMERIC, SL_T_NUMERIC, SL_T_NUMERIC, 0, 1},
        {SL_AGG_VAR_POP, SL_T_NUMERIC, SL_T_NUMERIC, SL_T_INT8, SL_T_NUMERIC, 3},
        {SL_AGG_VAR_SAMP, SL_T_FLOAT4, SL_T_FLOAT8, SL_T_FLOAT8, SL_T_FLOAT8, 3},
        {SL_AGG_STDDEV_POP, SL_T_FLOAT8, SL_T_FLOAT8, SL_T_FLOAT8, SL_T_FLOAT8, 3},
        {SL_AGG_CORR, SL_T_FLOAT8, SL_T_FLOAT8, SL_T_FLOAT8, SL_T_FLOAT8, 6},
        {SL_AGG_REGR_INTERCEPT, SL_T_FLOAT8, SL_T_FLOAT8, SL_T_FLOAT8, SL_T_FLOAT8, 6},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sl_aggref_t r = resolve_ok(cases[i].kind, cases[i].arg);
        ck_assert_int_eq(r.result_type, cases[i].result);
        ck_assert_int_eq(r.nstate, cases[i].nstate);
        ck_assert_int_eq(r.state_type[0], cases[i].s0);
        for (int j = 1; j < r.nstate; j++)
            ck_assert_int_eq(r.state_type[j], cases[i].s1);
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
        {SL_AGG_BOOL_AND, SL_T_INT4, "42883", "function bool_and(integer) does not exist"},
        {SL_AGG_BIT_OR, SL_T_BOOL, "42883", "function bit_or(boolean) does not exist"},
        {SL_AGG_BIT_AND, SL_T_FLOAT8, "42883",
         "function bit_and(double precision) does not exist"},
        {SL_AGG_STDDEV_POP, SL_T_TEXT, "42883", "function stddev_pop(text) does not exist"},
        {SL_AGG_CORR, SL_T_TEXT, "42883", "function corr(text, text) does not exist"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sl_error_clear(&err);
        memset(&ref, 0, sizeof(ref));   /* fname and distinct are inputs */
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

    sl_aggref_t ba = resolve_ok(SL_AGG_BOOL_AND, SL_T_BOOL);
    ck_assert_str_eq(sql_of(sl_agg_combine_sql, &ba, 1, 0, "t"),
                     "coalesce(t.\"_a1\" AND EXCLUDED.\"_a1\", t.\"_a1\", EXCLUDED.\"_a1\")");
    ck_assert_str_eq(final_of(&ba, 1, NULL), "\"_a1\"");
    sl_aggref_t bo = resolve_ok(SL_AGG_BIT_OR, SL_T_INT4);
    ck_assert_str_eq(sql_of(sl_agg_combine_sql, &bo, 2, 0, "t"),
                     "coalesce(t.\"_a2\" | EXCLUDED.\"_a2\", t.\"_a2\", EXCLUDED.\"_a2\")");
    ck_assert_str_eq(sl_agg_empty_sql(&bo), "NULL");

    sl_aggref_t vf = resolve_ok(SL_AGG_VAR_POP, SL_T_FLOAT4);
    ck_assert_str_eq(colname(&vf, 3, 0), "_a3_n");
    ck_assert_str_eq(colname(&vf, 3, 2), "_a3_sxx");
    ck_assert_str_eq(sql_of(sl_agg_combine_sql, &vf, 3, 2, "t"),
                     "(pg_catalog.float8_combine(ARRAY[t.\"_a3_n\", t.\"_a3_sx\", "
                     "t.\"_a3_sxx\"], ARRAY[EXCLUDED.\"_a3_n\", EXCLUDED.\"_a3_sx\", "
                     "EXCLUDED.\"_a3_sxx\"]))[3]");
    ck_assert_str_eq(final_of(&vf, 3, NULL),
                     "(CASE WHEN \"_a3_n\" IS NOT NULL THEN pg_catalog.float8_var_pop("
                     "ARRAY[\"_a3_n\", \"_a3_sx\", \"_a3_sxx\"]) END)");
    sl_aggref_t rs = resolve_ok(SL_AGG_REGR_SLOPE, SL_T_FLOAT8);
    ck_assert_str_eq(colname(&rs, 4, 5), "_a4_sxy");
    ck_assert(strstr(sql_of(sl_agg_combine_sql, &rs, 4, 5, "t"),
                     "(pg_catalog.float8_regr_combine(ARRAY[t.\"_a4_n\", ") != NULL);
    ck_assert(strstr(sql_of(sl_agg_combine_sql, &rs, 4, 5, "t"), "]))[6]") != NULL);
    ck_assert(strstr(final_of(&rs, 4, NULL), "pg_catalog.float8_regr_slope(ARRAY[") != NULL);

    /* integers: exact sums, numeric_stddev_internal's formula */
    sl_aggref_t vi = resolve_ok(SL_AGG_VAR_SAMP, SL_T_INT4);
    ck_assert_str_eq(sql_of(sl_agg_combine_sql, &vi, 5, 1, "t"),
                     "coalesce(t.\"_a5_sx\" + EXCLUDED.\"_a5_sx\", t.\"_a5_sx\", "
                     "EXCLUDED.\"_a5_sx\")");
    ck_assert_str_eq(final_of(&vi, 5, NULL),
                     "(CASE WHEN \"_a5_n\" <= 1 THEN NULL WHEN (\"_a5_n\"::numeric * "
                     "\"_a5_sxx\" - \"_a5_sx\" * \"_a5_sx\") <= 0 THEN 0::numeric ELSE "
                     "((\"_a5_n\"::numeric * \"_a5_sxx\" - \"_a5_sx\" * \"_a5_sx\") / "
                     "(\"_a5_n\"::numeric * (\"_a5_n\" - 1))) END)");
    sl_aggref_t sp = resolve_ok(SL_AGG_STDDEV_POP, SL_T_INT8);
    ck_assert(strstr(final_of(&sp, 6, NULL), "WHEN \"_a6_n\" <= 0 THEN NULL") != NULL);
    ck_assert(strstr(final_of(&sp, 6, NULL), "round(sqrt(y.v), y.d)") != NULL);

    /* DISTINCT: the set of values as a sorted array's text */
    sl_aggref_t cd;
    sl_error_t err;
    memset(&cd, 0, sizeof(cd));
    cd.distinct = true;
    ck_assert_int_eq(sl_agg_resolve(&cd, SL_AGG_COUNT, SL_T_TIMESTAMPTZ, -1, 1, &err), SL_OK);
    ck_assert_int_eq(cd.nstate, 1);
    ck_assert_int_eq(cd.state_type[0], SL_T_TEXT);
    ck_assert_int_eq(cd.result_type, SL_T_INT8);
    ck_assert_str_eq(sql_of(sl_agg_combine_sql, &cd, 7, 0, "t"),
                     "(SELECT array_agg(DISTINCT e ORDER BY e)::text FROM unnest("
                     "coalesce(t.\"_a7\", '{}')::bigint[] || "
                     "coalesce(EXCLUDED.\"_a7\", '{}')::bigint[]) AS e)");
    ck_assert_str_eq(final_of(&cd, 7, NULL),
                     "(SELECT count(DISTINCT e) FROM unnest(coalesce(\"_a7\", '{}')::bigint[]) "
                     "AS e)");
    ck_assert_str_eq(sl_agg_empty_sql(&cd), "0");
    memset(&cd, 0, sizeof(cd));
    cd.distinct = true;
    ck_assert_int_eq(sl_agg_resolve(&cd, SL_AGG_AVG, SL_T_INT4, -1, 1, &err), SL_OK);
    ck_assert_int_eq(cd.result_type, SL_T_NUMERIC);
    ck_assert_str_eq(final_of(&cd, 8, "t"),
                     "(SELECT avg(DISTINCT e) FROM unnest(coalesce(t.\"_a8\", '{}')::integer[]) AS e)");
    memset(&cd, 0, sizeof(cd));
    cd.distinct = true;
    ck_assert_int_eq(sl_agg_resolve(&cd, SL_AGG_MAX, SL_T_INT4, -1, 1, &err), SL_OK);
    ck_assert(!cd.distinct);   /* max(DISTINCT x) is max(x) */
    memset(&cd, 0, sizeof(cd));
    cd.distinct = true;
    sl_error_clear(&err);
    ck_assert_int_eq(sl_agg_resolve(&cd, SL_AGG_BOOL_OR, SL_T_BOOL, -1, 1, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "0A000");
    ck_assert_str_eq(err.message, "bool_or(DISTINCT ...) is not supported in continuous views yet");

    /* string_agg: every value, joined by PostgreSQL when read */
    sl_aggref_t sa;
    memset(&sa, 0, sizeof(sa));
    ck_assert_int_eq(sl_agg_resolve(&sa, SL_AGG_STRING_AGG, SL_T_TEXT, -1, 1, &err), SL_OK);
    sa.order = 1;
    sa.delim_sql = "', '::text";
    ck_assert_int_eq(sa.result_type, SL_T_TEXT);
    ck_assert_int_eq(sa.state_type[0], SL_T_TEXT);
    ck_assert_str_eq(sql_of(sl_agg_combine_sql, &sa, 9, 0, "t"),
                     "(coalesce(t.\"_a9\", '{}')::text[] || "
                     "coalesce(EXCLUDED.\"_a9\", '{}')::text[])::text");
    ck_assert_str_eq(final_of(&sa, 9, NULL),
                     "(SELECT string_agg(e, ', '::text ORDER BY e) FROM unnest("
                     "coalesce(\"_a9\", '{}')::text[]) AS e)");
    sa.order = -1;
    ck_assert(strstr(final_of(&sa, 9, NULL), "ORDER BY e DESC)") != NULL);
    sa.order = 0;
    ck_assert(strstr(final_of(&sa, 9, NULL), "string_agg(e, ', '::text) FROM") != NULL);
    sl_error_clear(&err);
    ck_assert_int_eq(sl_agg_resolve(&sa, SL_AGG_STRING_AGG, SL_T_INT4, -1, 1, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "42883");

    /* jsonb_agg of every type: the values' text, cast back to the type by
     * PostgreSQL's jsonb_agg when read (its to_jsonb renders each) */
    static const sl_type_t jt[] = {SL_T_TIMESTAMPTZ, SL_T_TIMESTAMP, SL_T_INTERVAL, SL_T_DATE,
                                   SL_T_TIME, SL_T_UUID, SL_T_NUMERIC, SL_T_INT4_ARRAY,
                                   SL_T_JSONB, SL_T_FLOAT8};
    for (size_t k = 0; k < sizeof(jt) / sizeof(jt[0]); k++) {
        sl_aggref_t ja = resolve_ok(SL_AGG_JSONB_AGG, jt[k]);
        ck_assert_int_eq(ja.result_type, SL_T_JSONB);
        ck_assert_str_eq(sql_of(sl_agg_combine_sql, &ja, 4, 0, "t"),
                         "(coalesce(t.\"_a4\", '{}')::text[] || "
                         "coalesce(EXCLUDED.\"_a4\", '{}')::text[])::text");
    }
    sl_aggref_t jts = resolve_ok(SL_AGG_JSONB_AGG, SL_T_TIMESTAMPTZ);
    ck_assert_str_eq(final_of(&jts, 4, NULL),
                     "(SELECT jsonb_agg(e::timestamp with time zone ORDER BY o) FROM unnest("
                     "coalesce(\"_a4\", '{}')::text[]) WITH ORDINALITY AS u(e, o))");
    sl_aggref_t jar = resolve_ok(SL_AGG_JSONB_AGG, SL_T_INT4_ARRAY);
    ck_assert(strstr(final_of(&jar, 4, NULL), "jsonb_agg(e::integer[] ORDER BY o)") != NULL);
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
