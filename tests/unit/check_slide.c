/*
 * check_slide.c: the time options of continuous views (sql/analyze_slide.c):
 * a sliding window's plan (the arrival step as the last group key, the
 * step from step_factor), its evaluation (exec/func.c), the SQL that
 * combines states across steps (plan/agg.c), TTL columns, and the options'
 * errors with SQLSTATE and position.
 */
#include <check.h>
#include "ck_run.h"
#include <string.h>

#include "exec/exec.h"
#include "plan/func.h"
#include "sql/sql.h"

static sl_catalog_t cat;
static sl_arena_t *arena;
static sl_error_t err;
static sl_view_t *view;
static const char *query;

static void setup(void)
{
    sl_stmt_t *st;
    int n;
    bool exists;
    arena = sl_arena_new(NULL, "test");
    sl_catalog_init(&cat);
    view = NULL;
    const char *q = "create stream s (k text, x integer, f float8, ts timestamptz, lt timestamp)";
    ck_assert_int_eq(sl_sql_split(q, strlen(q), arena, &st, &n, &err), SL_OK);
    sl_stream_t *s = sl_stream_new(st->name);
    ck_assert_int_eq(sl_analyze_stream(st, &cat, s, &exists, &err), SL_OK);
    sl_catalog_add_stream(&cat, s);
}

static void teardown(void)
{
    if (view)
        sl_arena_free(view->arena);
    sl_catalog_destroy(&cat);
    sl_arena_free(arena);
}

/* Analyzes CREATE CONTINUOUS VIEW v WITH (<opts>) AS <sel>; returns rc. */
static int analyze(const char *opts, const char *sel)
{
    sl_stmt_t *st;
    int n;
    bool exists;
    query = sl_sprintf(arena, "CREATE CONTINUOUS VIEW v WITH (%s) AS %s", opts, sel);
    sl_error_clear(&err);
    ck_assert_msg(sl_sql_split(query, strlen(query), arena, &st, &n, &err) == SL_OK, "%s: %s",
                  query, err.message);
    if (view)
        sl_arena_free(view->arena);
    view = sl_view_new(st->name);
    return sl_analyze_view(st, &cat, view, &exists, &err);
}

static const sl_view_plan_t *plan_of(const char *opts, const char *sel)
{
    int rc = analyze(opts, sel);
    ck_assert_msg(rc == SL_OK, "%s: %s %s", query, err.sqlstate, err.message);
    return view->plan;
}

/* The error's SQLSTATE, and its position at the first occurrence of at. */
static void expect_error(const char *opts, const char *sel, const char *state, const char *at)
{
    ck_assert_int_eq(analyze(opts, sel), SL_ERR);
    ck_assert_msg(strcmp(err.sqlstate, state) == 0, "%s: %s %s", query, err.sqlstate,
                  err.message);
    if (at)
        ck_assert_int_eq(err.position, (int)(strstr(query, at) - query) + 1);
}

START_TEST(test_window_plan)
{
    const sl_view_plan_t *p = plan_of("sw = '1 minute'", "SELECT k, count(*) FROM s GROUP BY k");
    ck_assert_int_eq(p->ngroup, 2);
    ck_assert_str_eq(p->group[0].colname, "k");
    const sl_group_key_t *g = &p->group[1];
    ck_assert_str_eq(g->colname, "_step");
    ck_assert_int_eq(g->type, SL_T_TIMESTAMPTZ);
    ck_assert_int_eq(g->expr->kind, SL_E_FUNC);
    ck_assert_int_eq(g->expr->func, SL_F_ARRIVAL_STEP);
    ck_assert(g->expr->args[0]->constval.v.i == 3000000);   /* 5 % of a minute */
    ck_assert(p->time.sw_us == 60000000);
    ck_assert(p->time.step_us == 3000000);
    ck_assert_int_eq(p->time.step_factor, 5);
    ck_assert_str_eq(p->time.sw_sql, "'1 minute'::interval");
    ck_assert_int_eq(p->nout, 2);   /* no output column for the step */

    /* step_factor 50 of 10 s; a global aggregate gets the step as its key */
    p = plan_of("sw = '10 seconds', step_factor = 50", "SELECT count(*), max(ts) FROM s");
    ck_assert_int_eq(p->ngroup, 1);
    ck_assert(p->time.step_us == 5000000);
    ck_assert_str_eq(p->out[0].sql, "COALESCE(\"_a1\", 0)");   /* 0 over an empty window */

    /* a transform: one more column */
    p = plan_of("sw = '1 hour'", "SELECT k, x FROM s");
    ck_assert(p->transform);
    ck_assert_int_eq(p->ngroup, 3);
    ck_assert_int_eq(p->nout, 2);
    ck_assert_str_eq(p->group[2].colname, "_step");
    ck_assert(p->time.step_us == 180000000);
}
END_TEST

START_TEST(test_window_eval)
{
    const sl_view_plan_t *p = plan_of("sw = '4 seconds', step_factor = 25",
                                      "SELECT count(*) FROM s");
    sl_exec_set_now();
    sl_datum_t d;
    ck_assert_int_eq(sl_expr_eval(p->group[0].expr, NULL, 0, arena, &d, &err), SL_OK);
    int64_t now = sl_exec_now();
    ck_assert(!d.null);
    ck_assert(d.v.i <= now && now < d.v.i + 1000000);
    ck_assert(d.v.i % 1000000 == 0);   /* whole seconds (2000 and 1970 agree) */
    /* steps of 7 s are aligned to 1970-01-01 */
    p = plan_of("sw = '14 seconds', step_factor = 50", "SELECT count(*) FROM s");
    ck_assert_int_eq(sl_expr_eval(p->group[0].expr, NULL, 0, arena, &d, &err), SL_OK);
    ck_assert((d.v.i + 946684800LL * 1000000) % 7000000 == 0);
    ck_assert(d.v.i <= now && now < d.v.i + 7000000);
}
END_TEST

/* The SQL combining each state column across steps (plan/agg.c). */
START_TEST(test_window_combine)
{
    const sl_view_plan_t *p = plan_of(
        "sw = '1 minute'",
        "SELECT count(*) a, sum(x) b, sum(x::bigint) c, avg(x) d, min(k) e, bool_and(x > 0) f, "
        "count(DISTINCT x) g, string_agg(k, ',') h, var_pop(f) i, var_pop(x) j, corr(f, f) k, "
        "sum(f) l, bit_or(x) m FROM s");
    static const char *const want[] = {
        "sum(\"_a1\")::bigint", "sum(\"_a2\")::bigint", "sum(\"_a3\")",
        "sum(\"_a4_sum\")", "min(\"_a5\")", "bool_and(\"_a6\")",
        "sluice.array_cat_agg(coalesce(\"_a7\", '{}')::integer[])",
        "sluice.array_cat_agg(coalesce(\"_a8\", '{}')::text[] ORDER BY \"_step\")",
        "(sluice.float8_combine_agg(ARRAY[\"_a9_n\", \"_a9_sx\", \"_a9_sxx\"]))[1]",
        "sum(\"_a10_n\")::bigint",
        "(sluice.float8_regr_combine_agg(ARRAY[\"_a11_n\", \"_a11_sx\", \"_a11_sxx\", "
        "\"_a11_sy\", \"_a11_syy\", \"_a11_sxy\"]))[1]",
        "sum(\"_a12\")", "bit_or(\"_a13\")",
    };
    ck_assert_int_eq(p->naggs, 13);
    for (int i = 0; i < p->naggs; i++) {
        sl_buf_t b = SL_BUF_INIT;
        ck_assert(sl_agg_window_sql(&p->aggs[i], i + 1, 0, &b));
        ck_assert_str_eq(sl_buf_cstr(&b), want[i]);
        sl_buf_free(&b);
    }
    sl_buf_t b = SL_BUF_INIT;
    ck_assert(sl_agg_window_sql(&p->aggs[3], 4, 1, &b));
    ck_assert_str_eq(sl_buf_cstr(&b), "sum(\"_a4_count\")::bigint");
    sl_buf_free(&b);
    /* an aggregate kind without a combination: none (the check's path) */
    sl_aggref_t bogus = p->aggs[0];
    bogus.kind = (sl_aggkind_t)(SL_AGG_JSONB_AGG + 1);   /* past the last kind */
    ck_assert(!sl_agg_window_sql(&bogus, 1, 0, &b));
    ck_assert_int_eq((int)b.len, 0);
    sl_buf_free(&b);
}
END_TEST

START_TEST(test_ttl_plan)
{
    const sl_view_plan_t *p = plan_of("ttl = '1 day', ttl_column = 'minute'",
                                      "SELECT date_trunc('minute', ts) AS minute, count(*) "
                                      "FROM s GROUP BY minute");
    ck_assert_str_eq(p->time.ttl_column, "minute");
    ck_assert_str_eq(p->time.ttl_expr, "\"_g1\"");
    ck_assert_str_eq(p->time.ttl_index, "_g1");
    ck_assert_str_eq(p->time.ttl_cutoff, "now() - '1 day'::interval");
    ck_assert(p->time.sw_us == 0);
    ck_assert_int_eq(p->ngroup, 1);

    /* an aggregate's output: no index; a timestamp: compared in UTC */
    p = plan_of("ttl = '2 hours', ttl_column = 'seen'",
                "SELECT k, max(lt) AS seen FROM s GROUP BY k");
    ck_assert_str_eq(p->time.ttl_expr, "\"_a1\"");
    ck_assert_ptr_null(p->time.ttl_index);
    ck_assert_str_eq(p->time.ttl_cutoff, "(now() AT TIME ZONE 'UTC') - '2 hours'::interval");

    /* months are fine for a TTL */
    p = plan_of("ttl = '1 month', ttl_column = 'ts'", "SELECT ts, k FROM s");
    ck_assert_str_eq(p->time.ttl_index, "ts");
}
END_TEST

START_TEST(test_errors)
{
    const char *sel = "SELECT k, count(*) AS n, max(ts) AS m FROM s GROUP BY k";
    expect_error("sw = '1 month'", sel, "22023", "'1 month'");
    expect_error("sw = '0 seconds'", sel, "22023", "'0 seconds'");
    expect_error("sw = '1 day -1 hour'", sel, "22023", "'1 day");
    expect_error("sw = 'later'", sel, "22007", "'later'");
    expect_error("sw = '1 minute', step_factor = 0", sel, "22023", "0)");
    expect_error("sw = '1 minute', step_factor = 51", sel, "22023", "51");
    ck_assert_str_eq(err.message, "value 51 out of bounds for option \"step_factor\"");
    ck_assert_str_eq(err.detail, "Valid values are between \"1\" and \"50\".");
    expect_error("sw = '1 minute', step_factor = 'x'", sel, "22023", "'x'");
    expect_error("sw = '1 minute', step_factor = 2.5", sel, "22023", "2.5");
    expect_error("step_factor = 5", sel, "22023", "step_factor");
    expect_error("sw = '1 millisecond'", sel, "22023", "'1 millisecond'");
    expect_error("sw = '1 minute', ttl = '1 day', ttl_column = 'm'", sel, "22023", "ttl =");
    expect_error("ttl = '1 day'", sel, "22023", "ttl");
    expect_error("ttl_column = 'm'", sel, "22023", "ttl_column");
    expect_error("ttl = '1 day', ttl_column = 'nope'", sel, "42703", "'nope'");
    ck_assert_str_eq(err.message, "column \"nope\" does not exist");
    expect_error("ttl = '1 day', ttl_column = 'n'", sel, "22023", "'n'");
    expect_error("ttl = '-1 day', ttl_column = 'm'", sel, "22023", "'-1 day'");
    expect_error("ttl = 'x', ttl_column = 'm'", sel, "22007", "'x'");
    /* a stream column called _step cannot be grouped with a window */
    sl_stmt_t *st;
    int n;
    bool exists;
    const char *q = "create stream t (_step integer)";
    ck_assert_int_eq(sl_sql_split(q, strlen(q), arena, &st, &n, &err), SL_OK);
    sl_stream_t *s = sl_stream_new(st->name);
    ck_assert_int_eq(sl_analyze_stream(st, &cat, s, &exists, &err), SL_OK);
    sl_catalog_add_stream(&cat, s);
    expect_error("sw = '1 minute'", "SELECT _step, count(*) FROM t GROUP BY _step", "42701", NULL);
}
END_TEST

START_TEST(test_explain)
{
    plan_of("sw = '90 seconds', step_factor = 10", "SELECT k, count(*) FROM s GROUP BY k");
    char **lines;
    int n = sl_explain_view(view, arena, &lines);
    bool seen = false;
    for (int i = 0; i < n; i++) {
        if (strstr(lines[i], "Sliding Window:")) {
            ck_assert_str_eq(lines[i], "  Sliding Window: '90 seconds' of arrival time, step "
                                       "00:00:09 (step_factor 10) in \"_step\" timestamptz");
            seen = true;
        }
        ck_assert_msg(strstr(lines[i], "_step\" AS") == NULL, "step shown as a key: %s",
                      lines[i]);
    }
    ck_assert(seen);
    plan_of("ttl = '1 day', ttl_column = 'm'", "SELECT k, max(ts) AS m FROM s GROUP BY k");
    n = sl_explain_view(view, arena, &lines);
    seen = false;
    for (int i = 0; i < n; i++)
        if (strcmp(lines[i], "  TTL: '1 day' on \"m\"") == 0)
            seen = true;
    ck_assert(seen);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("slide");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_window_plan);
    tcase_add_test(tc, test_window_eval);
    tcase_add_test(tc, test_window_combine);
    tcase_add_test(tc, test_ttl_plan);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_explain);
    suite_add_tcase(s, tc);
    return sl_ck_run(s);
}
