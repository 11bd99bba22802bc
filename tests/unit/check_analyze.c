/*
 * check_analyze.c: the analyzer (sql/analyze*.c): CREATE STREAM checks,
 * view plans (group keys, aggregates, WHERE typing and coercion), output
 * names and the SQL of output columns and HAVING, and every error with its
 * SQLSTATE and position; INSERT INTO stream VALUES (sl_analyze_insert).
 */
#include <check.h>
#include "ck_run.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sql/sql.h"

static sl_catalog_t cat;
static sl_arena_t *arena;
static sl_error_t err;
static sl_view_t *view;

/* Analyzes a CREATE STREAM; returns its rc and adds the stream on success. */
static int add_stream(const char *q)
{
    sl_stmt_t *st;
    int n;
    bool exists;
    sl_error_clear(&err);
    ck_assert_int_eq(sl_sql_split(q, strlen(q), arena, &st, &n, &err), SL_OK);
    sl_stream_t *s = sl_stream_new(st->name);
    int rc = sl_analyze_stream(st, &cat, s, &exists, &err);
    if (rc == SL_OK && !exists)
        sl_catalog_add_stream(&cat, s);
    else
        sl_catalog_drop_stream(&cat, s);   /* not in the catalog: just frees */
    return rc;
}

static void setup(void)
{
    arena = sl_arena_new(NULL, "test");
    sl_catalog_init(&cat);
    view = NULL;
    ck_assert_int_eq(add_stream("create stream clicks (user_id bigint, url text, "
                                "v integer, s smallint, f real, d double precision, "
                                "ok boolean, ts timestamptz, lt timestamp, "
                                "name varchar(10))"), SL_OK);
}

static void teardown(void)
{
    if (view)
        sl_arena_free(view->arena);
    sl_catalog_destroy(&cat);
    sl_arena_free(arena);
}

/* Analyzes "CREATE CONTINUOUS VIEW v AS <sel>"; returns rc. */
static int analyze(const char *sel)
{
    const char *q = sl_sprintf(arena, "CREATE CONTINUOUS VIEW v AS %s", sel);
    sl_stmt_t *st;
    int n;
    bool exists;
    sl_error_clear(&err);
    ck_assert_msg(sl_sql_split(q, strlen(q), arena, &st, &n, &err) == SL_OK, "%.200s: %s",
                  q, err.message);
    if (view)
        sl_arena_free(view->arena);
    view = sl_view_new(st->name);
    return sl_analyze_view(st, &cat, view, &exists, &err);
}

static const sl_view_plan_t *plan_of(const char *sel)
{
    int rc = analyze(sel);
    ck_assert_msg(rc == SL_OK, "%s: %s %s", sel, err.sqlstate, err.message);
    return view->plan;
}

/* Position is relative to the SELECT (the prefix is 28 characters). */
static void ck_err(const char *sel, const char *code, const char *msg, int selpos)
{
    ck_assert_msg(analyze(sel) == SL_ERR, "no error for %s", sel);
    ck_assert_str_eq(err.sqlstate, code);
    ck_assert_str_eq(err.message, msg);
    ck_assert_int_eq(err.position, selpos ? selpos + 28 : 0);
}

START_TEST(test_stream)
{
    sl_stream_t *s = sl_catalog_stream(&cat, "clicks");
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->ncols, 10);
    ck_assert_str_eq(s->cols[0].name, "user_id");
    ck_assert_int_eq(s->cols[0].type, SL_T_INT8);
    ck_assert_int_eq(s->cols[5].type, SL_T_FLOAT8);
    ck_assert_int_eq(s->cols[9].type, SL_T_TEXT);
    ck_assert_int_eq(s->cols[9].typmod, 10);
    ck_assert_int_eq(s->cols[8].type, SL_T_TIMESTAMP);

    ck_assert_int_eq(add_stream("create stream t (a int, b foo)"), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "42704");
    ck_assert_str_eq(err.message, "type \"foo\" does not exist");
    ck_assert_int_eq(err.position, 27);
    ck_assert_int_eq(add_stream("create stream t (a int, A text)"), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "42701");
    ck_assert_str_eq(err.message, "column \"a\" specified more than once");
    ck_assert_int_eq(add_stream("create stream t (a numeric(1001, 2))"), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "22023");
    ck_assert_str_eq(err.message, "NUMERIC precision 1001 must be between 1 and 1000");
    ck_assert_int_eq(add_stream("create stream t (a varchar(3, 2))"), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "22023");
    ck_assert_int_eq(add_stream("create stream t (a text(3))"), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "42601");
    ck_assert_int_eq(add_stream("create stream clicks (a int)"), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "42P07");
    ck_assert_str_eq(err.message, "relation \"clicks\" already exists");
    ck_assert_int_eq(err.position, 15);
    ck_assert_int_eq(add_stream("create stream if not exists clicks (a int)"), SL_OK);
    ck_assert_int_eq(cat.nstreams, 1);
}
END_TEST

START_TEST(test_basic_view)
{
    const sl_view_plan_t *p = plan_of(
        "SELECT url, count(*) AS hits, sum(v), avg(v), min(url), max(d), avg(f) AS af, "
        "sum(user_id) AS s8 FROM clicks WHERE v > 0 GROUP BY url");
    ck_assert_str_eq(p->name, "v");
    ck_assert_str_eq(p->schema, "public");
    ck_assert_ptr_eq(p->stream, sl_catalog_stream(&cat, "clicks"));
    ck_assert_ptr_eq(view->stream, p->stream);
    ck_assert_int_eq(p->ngroup, 1);
    ck_assert_str_eq(p->group[0].colname, "url");
    ck_assert_int_eq(p->group[0].type, SL_T_TEXT);
    ck_assert_int_eq(p->group[0].expr->kind, SL_E_COLUMN);
    ck_assert_int_eq(p->group[0].expr->colno, 1);
    ck_assert_int_eq(p->naggs, 7);
    ck_assert_int_eq(p->aggs[0].kind, SL_AGG_COUNT_STAR);
    ck_assert_ptr_null(p->aggs[0].arg);
    ck_assert_int_eq(p->aggs[1].kind, SL_AGG_SUM);
    ck_assert_int_eq(p->aggs[1].result_type, SL_T_INT8);
    ck_assert_int_eq(p->aggs[1].arg->kind, SL_E_COLUMN);
    ck_assert_int_eq(p->aggs[2].nstate, 2);
    ck_assert_int_eq(p->aggs[6].result_type, SL_T_NUMERIC);
    ck_assert_int_eq(p->nout, 8);
    const char *names[] = {"url", "hits", "sum", "avg", "min", "max", "af", "s8"};
    const char *sql[] = {"\"url\"", "\"_a1\"", "\"_a2\"",
                         "(\"_a3_sum\"::numeric / NULLIF(\"_a3_count\", 0))",
                         "\"_a4\"", "\"_a5\"", "(\"_a6_sum\" / NULLIF(\"_a6_count\", 0))",
                         "\"_a7\""};
    sl_type_t types[] = {SL_T_TEXT, SL_T_INT8, SL_T_INT8, SL_T_NUMERIC, SL_T_TEXT,
                         SL_T_FLOAT8, SL_T_FLOAT8, SL_T_NUMERIC};
    for (int i = 0; i < 8; i++) {
        ck_assert_str_eq(p->out[i].name, names[i]);
        ck_assert_str_eq(p->out[i].sql, sql[i]);
        ck_assert_int_eq(p->out[i].type, types[i]);
    }
    ck_assert_ptr_null(p->having_sql);
    /* WHERE v > 0: int4 = int4, no cast. */
    ck_assert_int_eq(p->where->kind, SL_E_OP);
    ck_assert_int_eq(p->where->op, SL_OP_GT);
    ck_assert_int_eq(p->where->type, SL_T_BOOL);
    ck_assert_int_eq(p->where->args[1]->kind, SL_E_CONST);
    ck_assert_int_eq(p->where->args[1]->type, SL_T_INT4);
}
END_TEST

START_TEST(test_coercion)
{
    /* int vs numeric literal: both numeric. */
    const sl_view_plan_t *p = plan_of("SELECT count(*) FROM clicks WHERE v > 1.5");
    ck_assert_int_eq(p->where->args[0]->kind, SL_E_CAST);
    ck_assert_int_eq(p->where->args[0]->type, SL_T_NUMERIC);
    ck_assert_int_eq(p->where->args[1]->type, SL_T_NUMERIC);
    ck_assert_int_eq(p->where->args[1]->constval.v.s.n, 3);   /* exact: the text "1.5" */
    ck_assert(memcmp(p->where->args[1]->constval.v.s.p, "1.5", 3) == 0);
    /* int2 + int8 literal -> int8; float4 vs int -> float8; float4 op float4. */
    p = plan_of("SELECT sum(s + 3000000000), sum(f * 2) b, sum(f * f) c FROM clicks");
    ck_assert_int_eq(p->aggs[0].arg->type, SL_T_INT8);
    ck_assert_int_eq(p->aggs[0].argtype, SL_T_INT8);
    ck_assert_int_eq(p->aggs[0].arg->args[0]->kind, SL_E_CAST);
    ck_assert_int_eq(p->aggs[1].arg->type, SL_T_FLOAT8);
    ck_assert_int_eq(p->aggs[2].arg->type, SL_T_FLOAT4);
    ck_assert_int_eq(p->aggs[2].result_type, SL_T_FLOAT4);
    /* A string literal takes the other side's type. */
    p = plan_of("SELECT count(*) FROM clicks WHERE ts >= '2024-01-01 00:00:00+00' "
                "AND ok = 'yes' AND url = 'x' AND 'a' < 'b' AND lt < ts");
    ck_assert_int_eq(p->where->kind, SL_E_AND);
    ck_assert_int_eq(p->where->nargs, 5);
    const sl_expr_t *c = p->where->args[0]->args[1];
    ck_assert_int_eq(c->kind, SL_E_CONST);
    ck_assert_int_eq(c->type, SL_T_TIMESTAMPTZ);
    ck_assert(c->constval.v.i == 757382400LL * 1000000 /* 2024-01-01 since 2000-01-01 */);
    c = p->where->args[1]->args[1];
    ck_assert_int_eq(c->type, SL_T_BOOL);
    ck_assert(c->constval.v.i);
    c = p->where->args[2]->args[1];
    ck_assert_int_eq(c->type, SL_T_TEXT);
    ck_assert_int_eq(c->constval.v.s.n, 1);
    ck_assert_int_eq(p->where->args[3]->args[0]->type, SL_T_TEXT);
    ck_assert_int_eq(p->where->args[4]->args[0]->kind, SL_E_CAST);
    ck_assert_int_eq(p->where->args[4]->args[0]->type, SL_T_TIMESTAMPTZ);
    /* || casts both sides to text; casts keep typmods. */
    p = plan_of("SELECT count(*) FROM clicks WHERE url || v = name::varchar(3) || 'x' "
                "AND v::text IS NOT NULL AND (v / 2)::float8 > 1 AND -v < +v");
    const sl_expr_t *cc = p->where->args[0]->args[0];
    ck_assert_int_eq(cc->op, SL_OP_CONCAT);
    ck_assert_int_eq(cc->args[1]->kind, SL_E_CAST);
    ck_assert_int_eq(cc->args[1]->type, SL_T_TEXT);
    ck_assert_int_eq(p->where->args[0]->args[1]->args[0]->typmod, 3);
    ck_assert_int_eq(p->where->args[1]->kind, SL_E_ISNOTNULL);
    ck_assert_int_eq(p->where->args[3]->args[0]->kind, SL_E_NEG);
    /* Literal folding: -2147483648 is int4, 2147483648 int8. */
    p = plan_of("SELECT count(*) FROM clicks WHERE v > -2147483648 AND user_id < 2147483648");
    ck_assert_int_eq(p->where->args[0]->args[1]->type, SL_T_INT4);
    ck_assert(p->where->args[0]->args[1]->constval.v.i == -2147483648LL);
    ck_assert_int_eq(p->where->args[1]->args[1]->type, SL_T_INT8);
}
END_TEST

START_TEST(test_grouping_exprs)
{
    const sl_view_plan_t *p = plan_of(
        "SELECT c.v + 1 AS next, v / 10 AS bucket, count(*) FROM clicks AS c "
        "GROUP BY v, 2");
    ck_assert_int_eq(p->ngroup, 2);
    ck_assert_str_eq(p->group[0].colname, "v");
    ck_assert_str_eq(p->group[1].colname, "_g2");
    ck_assert_int_eq(p->group[1].type, SL_T_INT4);
    ck_assert_int_eq(p->group[1].expr->kind, SL_E_OP);
    ck_assert_str_eq(p->out[0].sql, "(\"v\" + 1)");
    ck_assert_str_eq(p->out[1].sql, "\"_g2\"");
    ck_assert_str_eq(p->out[2].name, "count");
    /* v + 1 is computed from a key: checked per event; keys and aggregates
     * are not */
    ck_assert_ptr_nonnull(p->out[0].check);
    ck_assert_int_eq(p->out[0].check->kind, SL_E_OP);
    ck_assert_ptr_null(p->out[1].check);
    ck_assert_ptr_null(p->out[2].check);

    p = plan_of("SELECT url AS u, count(*) FROM clicks GROUP BY u, url HAVING count(*) > 2 "
                "AND url <> 'x'");
    ck_assert_int_eq(p->ngroup, 1);   /* u and url are one key */
    ck_assert_str_eq(p->having_sql, "((\"_a1\" > '2'::bigint) AND (\"url\" <> 'x'::text))");

    /* A global aggregate: counts read 0 before the first event. */
    p = plan_of("SELECT count(*), sum(v) * 2 AS twice, 'k' AS k, 1::int, true, "
                "v::text IS NULL AND false AS b FROM clicks GROUP BY v");
    ck_assert_str_eq(p->out[0].sql, "\"_a1\"");
    p = plan_of("SELECT count(*), sum(v) * 2 AS twice, 'k' AS k, 1::int, true, "
                "cast(2.5 as float8), count(v) FILTERX FROM clicks");
    ck_assert_int_eq(p->ngroup, 0);
    ck_assert_str_eq(p->out[0].sql, "COALESCE(\"_a1\", 0)");
    ck_assert_str_eq(p->out[1].sql, "(\"_a2\" * '2'::bigint)");
    ck_assert_int_eq(p->out[1].type, SL_T_INT8);
    ck_assert_str_eq(p->out[2].sql, "'k'::text");
    ck_assert_int_eq(p->out[2].type, SL_T_TEXT);
    ck_assert_str_eq(p->out[3].name, "int4");
    ck_assert_str_eq(p->out[4].name, "bool");
    ck_assert_str_eq(p->out[4].sql, "true");
    ck_assert_str_eq(p->out[5].name, "float8");
    ck_assert_str_eq(p->out[5].sql, "CAST('2.5'::numeric AS double precision)");
    ck_assert_str_eq(p->out[6].name, "filterx");
    ck_assert_str_eq(p->out[6].sql, "COALESCE(\"_a3\", 0)");
    for (int i = 0; i < 7; i++)
        ck_assert_ptr_null(p->out[i].check);

    p = plan_of("SELECT v * 2 + 1, count(*) FROM clicks GROUP BY v * 2");
    ck_assert_str_eq(p->out[0].name, "?column?");
    ck_assert_str_eq(p->out[0].sql, "(\"_g1\" + 1)");
    ck_assert_ptr_nonnull(p->out[0].check);
    p = plan_of("SELECT url FROM clicks GROUP BY 1");
    ck_assert_int_eq(p->naggs, 0);
    ck_assert(!p->transform);

    /* A transform: the select list is its table's columns. */
    p = plan_of("SELECT url, v + 1 AS v1, v * 2 FROM clicks WHERE v > 0");
    ck_assert(p->transform);
    ck_assert_int_eq(p->naggs, 0);
    ck_assert_int_eq(p->ngroup, 3);
    ck_assert_int_eq(p->nout, 3);
    ck_assert_str_eq(p->group[1].colname, "v1");
    ck_assert_int_eq(p->group[1].type, SL_T_INT4);
    ck_assert_str_eq(p->out[2].name, "?column?");
    ck_assert_str_eq(p->out[2].sql, "\"?column?\"");

    /* SELECT *: the stream's columns, in order. */
    p = plan_of("SELECT *, v + 1 AS v1 FROM clicks");
    ck_assert(p->transform);
    ck_assert_int_eq(p->nout, 11);
    ck_assert_str_eq(p->out[0].name, "user_id");
    ck_assert_str_eq(p->out[9].name, "name");
    ck_assert_int_eq(p->group[9].type, SL_T_TEXT);
    ck_assert_int_eq(p->group[9].typmod, 10);
    ck_assert_str_eq(p->out[10].name, "v1");
    p = plan_of("SELECT c.* FROM clicks c WHERE ok");
    ck_assert_int_eq(p->nout, 10);
    p = plan_of("SELECT DISTINCT * FROM clicks");
    ck_assert(!p->transform);
    ck_assert_int_eq(p->ngroup, 10);

    /* SELECT DISTINCT: grouped by its select list. */
    p = plan_of("SELECT DISTINCT url, v + 1 AS v1 FROM clicks");
    ck_assert(!p->transform);
    ck_assert_int_eq(p->ngroup, 2);
    ck_assert_str_eq(p->group[0].colname, "url");
    ck_assert_str_eq(p->out[1].sql, "\"_g2\"");
}
END_TEST

/* CASE, IN, BETWEEN, LIKE, regular expressions and functions: PostgreSQL's
 * types, errors at CREATE, and the SQL re-emitted for the finalizing view. */
START_TEST(test_expressions)
{
    const sl_view_plan_t *p;
    p = plan_of("SELECT url, count(*) FROM clicks GROUP BY url "
                "HAVING count(*) BETWEEN 1 AND 5 AND url NOT IN ('a', 'b')");
    ck_assert_str_eq(p->having_sql,
                     "((\"_a1\" >= '1'::bigint) AND (\"_a1\" <= '5'::bigint) AND "
                     "(\"url\" <> ALL (ARRAY['a'::text, 'b'::text])))");
    p = plan_of("SELECT CASE WHEN count(*) > 1 THEN 'many' END AS c, "
                "coalesce(max(v), 0) AS m, upper(url) AS u, url ILIKE 'A%' AS l, "
                "url !~* '^x' AS r FROM clicks GROUP BY url");
    ck_assert_str_eq(p->out[0].sql,
                     "(CASE WHEN (\"_a1\" > '1'::bigint) THEN 'many'::text "
                     "ELSE NULL::text END)");
    ck_assert_str_eq(p->out[1].sql, "COALESCE(\"_a2\", 0)");
    ck_assert_str_eq(p->out[2].sql, "upper(\"url\")");
    ck_assert_str_eq(p->out[3].sql, "pg_catalog.texticlike(\"url\", 'A%'::text)");
    ck_assert_str_eq(p->out[4].sql, "pg_catalog.texticregexne(\"url\", '^x'::text)");
    /* types: GREATEST(integer, numeric) is numeric, round(integer) double */
    p = plan_of("SELECT round(v) AS r, length(url) AS n, count(*) FROM clicks GROUP BY 1, 2");
    ck_assert_int_eq(p->out[0].type, SL_T_FLOAT8);
    ck_assert_int_eq(p->out[1].type, SL_T_INT4);
    p = plan_of("SELECT greatest(v, s) AS g, coalesce(s, f) AS c, count(*) FROM clicks "
                "GROUP BY 1, 2");
    ck_assert_int_eq(p->out[0].type, SL_T_INT4);
    ck_assert_int_eq(p->out[1].type, SL_T_FLOAT4);
    /* WHERE: IN with constants is one = ANY conjunct; BETWEEN two */
    p = plan_of("SELECT count(*) FROM clicks WHERE v IN (1, 2, 3) AND v BETWEEN 0 AND 9");
    ck_assert_int_eq(p->nquals, 3);
    ck_assert_int_eq(p->quals[0]->kind, SL_E_OP);
    ck_assert_int_eq(p->quals[2]->kind, SL_E_ANY);

    ck_err("SELECT count(*) FROM clicks WHERE url ~ '('", "2201B",
           "invalid regular expression: Unmatched ( or \\(", 41);
    ck_err("SELECT count(*) FROM clicks WHERE url LIKE 'a' ESCAPE 'xy'", "22025",
           "invalid escape string", 0);
    ck_err("SELECT count(*) FROM clicks WHERE v ~ 'a'", "42883",
           "operator does not exist: integer ~ unknown", 37);
    ck_err("SELECT count(*) FROM clicks WHERE v LIKE 'a'", "42883",
           "operator does not exist: integer ~~ unknown", 37);
    ck_err("SELECT CASE WHEN ok THEN 1 ELSE url END, count(*) FROM clicks GROUP BY 1",
           "42804", "CASE types text and integer cannot be matched", 26);
    ck_err("SELECT coalesce(v, url), count(*) FROM clicks GROUP BY 1", "42804",
           "COALESCE types integer and text cannot be matched", 20);
    ck_err("SELECT count(*) FROM clicks WHERE v IS TRUE", "42804",
           "argument of IS TRUE must be type boolean, not type integer", 35);
    ck_err("SELECT length(v), count(*) FROM clicks GROUP BY 1", "42883",
           "function length(integer) does not exist", 8);
    ck_err("SELECT round(d, 2), count(*) FROM clicks GROUP BY 1", "42883",
           "function round(double precision, integer) does not exist", 8);
    ck_err("SELECT count(*) FROM clicks WHERE url IN (1, 'a')", "42883",
           "operator does not exist: text = integer", 39);
    ck_err("SELECT count(*) FROM clicks WHERE v IN (1, 'a')", "22P02",
           "invalid input syntax for type integer: \"a\"", 44);
    /* now() and CURRENT_TIMESTAMP: the request's time, a timestamptz */
    ck_assert_int_eq(analyze("SELECT count(*) FROM clicks WHERE ts < current_timestamp"), SL_OK);
    ck_assert_int_eq(analyze("SELECT date_trunc('hour', now()) AS h, count(*) FROM clicks "
                             "GROUP BY 1"), SL_OK);
    ck_err("SELECT count(*) FROM clicks WHERE ts < current_date", "0A000",
           "current_date is not supported in continuous views yet", 40);
    ck_err("SELECT count(*) FROM clicks WHERE now(1) > ts", "42883",
           "function now(integer) does not exist", 35);
    /* numeric is exact: arithmetic on it is fine anywhere */
    ck_assert_int_eq(analyze("SELECT count(*) FROM clicks WHERE round(v, 1) > 2"), SL_OK);
}
END_TEST

/* Arrays: typing and PostgreSQL's errors; what Sluice lacks (DISTINCT
 * over arrays) is 0A000. */
START_TEST(test_arrays)
{
    ck_assert_int_eq(add_stream("create stream arr (a bigint[], t text[], i int, "
                                "w varchar(3)[], f float8[])"), SL_OK);
    ck_assert_int_eq(analyze("SELECT t[1] AS t1, cardinality(a) AS c, max(a), count(*) FROM arr "
                             "WHERE i = ANY(a) AND 2.5 < ALL(f) AND i <> ALL('{1,2}') "
                             "GROUP BY t[1], cardinality(a)"), SL_OK);
    /* numeric meets integers as numeric, as in PostgreSQL */
    ck_assert_int_eq(analyze("SELECT 2.5 = ANY(a) AS x, ARRAY[i, 2.5] AS y, a || 2.5 AS z FROM arr"),
                     SL_OK);
    ck_err("SELECT ARRAY[i, t[1]] FROM arr", "42804", "ARRAY types integer and text cannot be matched",
           17);
    ck_err("SELECT '2026-01-01'::date = ANY(a) FROM arr", "42883",
           "operator does not exist: date = bigint", 27);
    ck_err("SELECT i = ANY(i) FROM arr", "42809", "op ANY/ALL (array) requires array on right side", 10);
    ck_err("SELECT i = ANY(t) FROM arr", "42883", "operator does not exist: integer = text", 10);
    ck_err("SELECT i[1] FROM arr", "42804",
           "cannot subscript type integer because it does not support subscripting", 8);
    ck_err("SELECT a[t] FROM arr", "42804", "array subscript must have type integer", 10);
    ck_err("SELECT cardinality('{1}') FROM arr", "42804",
           "could not determine polymorphic type because input has type unknown", 8);
    ck_err("SELECT cardinality(i) FROM arr", "42883", "function cardinality(integer) does not exist", 8);
    /* a slice of the first dimension only; (a[lo:hi])[i] is an element of it */
    ck_assert_ptr_nonnull(plan_of("SELECT (t[1:2])[1] AS x, t[:1] AS y FROM arr"));
    ck_err("SELECT t[1][1:2] FROM arr", "0A000",
           "array slices of more than one dimension are not supported in continuous views", 12);
    ck_err("SELECT ARRAY[] FROM arr", "42P18", "cannot determine type of empty array", 8);
    ck_err("SELECT count(DISTINCT a) FROM arr", "0A000",
           "count(DISTINCT ...) of an array is not supported in continuous views yet", 8);
    ck_err("SELECT array_agg(a) FROM arr", "0A000",
           "array_agg of type bigint[] is not supported in continuous views yet", 8);
    ck_err("SELECT array_agg(i ORDER BY i) FROM arr", "0A000",
           "ORDER BY in the arguments of array_agg is not supported in continuous views", 8);
    ck_err("SELECT a FROM arr WHERE a = '{1,{2}}'", "22P02", "malformed array literal: \"{1,{2}}\"", 29);
    /* multidimensional arrays, subscripted per dimension */
    ck_assert_int_eq(analyze("SELECT a[1][2] AS x, a[1] AS y FROM arr WHERE a = '{{1},{2}}'"), SL_OK);
    ck_err("SELECT a[1][1][1][1][1][1][1] FROM arr", "54000",
           "number of array dimensions (7) exceeds the maximum allowed (6)", 0);
    ck_err("SELECT a[1]['x'] FROM arr", "22P02", "invalid input syntax for type integer: \"x\"", 13);
    ck_err("SELECT a::interval[] FROM arr", "42846", "cannot cast type bigint[] to interval[]", 9);
}
END_TEST

START_TEST(test_errors)
{
    ck_err("SELECT count(*) FROM nope", "42P01", "relation \"nope\" does not exist", 22);
    ck_err("SELECT count(*) FROM clicks WHERE nope > 1", "42703",
           "column \"nope\" does not exist", 35);
    ck_err("SELECT count(*) FROM clicks c WHERE clicks.v > 1", "42P01",
           "missing FROM-clause entry for table \"clicks\"", 37);
    ck_err("SELECT count(*) FROM clicks c WHERE c.nope > 1", "42703",
           "column c.nope does not exist", 37);
    ck_err("SELECT count(*) FROM clicks WHERE url > 1", "42883",
           "operator does not exist: text > integer", 39);
    ck_assert_str_eq(err.hint, "No operator matches the given name and argument types. "
                               "You might need to add explicit type casts.");
    ck_err("SELECT count(*) FROM clicks WHERE v ~ 1", "42883",
           "operator does not exist: integer ~ integer", 37);
    ck_err("SELECT count(*) FROM clicks WHERE f % 2", "42883",
           "operator does not exist: real % integer", 37);
    ck_err("SELECT count(*) FROM clicks HAVING u > 'x'", "42703",
           "column \"u\" does not exist", 36);
    ck_err("SELECT url AS u, count(*) FROM clicks GROUP BY u HAVING u > 'x'", "42703",
           "column \"u\" does not exist", 57);
    ck_err("SELECT count(*) FROM clicks WHERE v + 1", "42804",
           "argument of WHERE must be type boolean, not type integer", 35);
    ck_err("SELECT count(*) FROM clicks WHERE ok AND v", "42804",
           "argument of AND must be type boolean, not type integer", 42);
    ck_err("SELECT count(*) FROM clicks WHERE v = 'abc'", "22P02",
           "invalid input syntax for type integer: \"abc\"", 39);
    ck_err("SELECT count(*) FROM clicks WHERE count(*) > 1", "42803",
           "aggregate functions are not allowed in WHERE", 35);
    ck_err("SELECT count(*) FROM clicks GROUP BY sum(v)", "42803",
           "aggregate functions are not allowed in GROUP BY", 38);
    ck_err("SELECT sum(v), count(*) FROM clicks GROUP BY 1", "42803",
           "aggregate functions are not allowed in GROUP BY", 8);
    ck_err("SELECT sum(count(*)) FROM clicks", "42803",
           "aggregate function calls cannot be nested", 12);
    ck_err("SELECT sum(v) FILTER (WHERE count(*) > 1) FROM clicks", "42803",
           "aggregate functions are not allowed in FILTER", 29);
    ck_err("SELECT count(*) FROM clicks WHERE count(*) FILTER (WHERE ok) > 1", "42803",
           "aggregate functions are not allowed in WHERE", 35);
    ck_err("SELECT foo(url) FILTER (WHERE ok) FROM clicks", "42809",
           "FILTER specified, but foo is not an aggregate function", 8);
    ck_err("SELECT sum(v) FILTER (WHERE v) FROM clicks", "42804",
           "argument of FILTER must be type boolean, not type integer", 29);
    ck_err("SELECT sum(v) FILTER (WHERE 'x') FROM clicks", "22P02",
           "invalid input syntax for type boolean: \"x\"", 29);
    ck_err("SELECT corr(url, v) FROM clicks", "42883",
           "function corr(text, integer) does not exist", 8);
    ck_err("SELECT corr(v) FROM clicks", "42883", "function corr(integer) does not exist", 8);
    ck_assert_int_eq(analyze("SELECT corr(v * 1.5, v) FROM clicks"), SL_OK);
    ck_err("SELECT every(v) FROM clicks", "42883", "function every(integer) does not exist", 8);
    /* numeric is exact: allowed in FILTER, arguments, select lists, GROUP BY */
    ck_assert_int_eq(analyze("SELECT count(*) FILTER (WHERE v * 0.1 > 0.3) FROM clicks"), SL_OK);
    ck_assert_int_eq(analyze("SELECT bool_and(v * 0.1 > 0.3) FROM clicks"), SL_OK);
    ck_assert_int_eq(analyze("SELECT sum((v * 1.1)::float8) FILTER (WHERE v > 1.5) "
                             "FROM clicks"), SL_OK);
    ck_assert_int_eq(analyze("SELECT count(*) FILTER (WHERE (v * 0.1)::float8 > 1) FROM clicks"),
                     SL_OK);
    ck_assert_int_eq(analyze("SELECT count(DISTINCT v * 0.1) FROM clicks"), SL_OK);
    ck_err("SELECT bit_or(f) FROM clicks", "42883", "function bit_or(real) does not exist", 8);
    ck_err("SELECT stddev(url) FROM clicks", "42883", "function stddev(text) does not exist", 8);
    ck_err("SELECT url, v, count(*) FROM clicks GROUP BY url", "42803",
           "column \"clicks.v\" must appear in the GROUP BY clause or be used in "
           "an aggregate function", 13);
    ck_err("SELECT c.v + 1, count(*) FROM clicks c", "42803",
           "column \"c.v\" must appear in the GROUP BY clause or be used in "
           "an aggregate function", 8);
    ck_assert_int_eq(analyze("SELECT v * 0.5 AS h FROM clicks"), SL_OK);
    ck_err("SELECT v, v FROM clicks", "42701", "column \"v\" specified more than once", 0);
    ck_err("SELECT DISTINCT url, count(*) FROM clicks GROUP BY url", "0A000",
           "SELECT DISTINCT with aggregates or GROUP BY is not supported in continuous views",
           8);
    ck_err("SELECT stddev(DISTINCT v) FROM clicks", "0A000",
           "stddev(DISTINCT ...) is not supported in continuous views yet", 8);
    ck_err("SELECT string_agg(v, ',') FROM clicks", "42883",
           "function string_agg(integer, unknown) does not exist", 8);
    ck_err("SELECT string_agg(url, url) FROM clicks", "0A000",
           "string_agg with a delimiter that is not a constant is not supported in "
           "continuous views", 24);
    ck_err("SELECT string_agg(url, ',' ORDER BY v) FROM clicks", "0A000",
           "string_agg is supported in continuous views only ordered by its value", 37);
    ck_err("SELECT string_agg(url, ',' ORDER BY url, v) FROM clicks", "0A000",
           "string_agg is supported in continuous views only ordered by its value", 37);
    ck_err("SELECT sum(v ORDER BY v) FROM clicks", "0A000",
           "ORDER BY in the arguments of sum is not supported in continuous views", 8);
    ck_err("SELECT lower(url ORDER BY url) FROM clicks", "42809",
           "ORDER BY specified, but lower is not an aggregate function", 8);
    ck_err("SELECT array_append(v) FROM clicks", "0A000",
           "function array_append(integer) is not supported in continuous views yet", 8);
    ck_err("SELECT abs(DISTINCT v) FROM clicks", "42809",
           "DISTINCT specified, but abs is not an aggregate function", 8);
    ck_err("SELECT foo(v) FROM clicks", "42883", "function foo(integer) does not exist", 8);
    ck_err("SELECT to_char(v) FROM clicks", "42883",
           "function to_char(integer) does not exist", 8);
    ck_err("SELECT to_date(url, 'YYYY') FROM clicks", "0A000",
           "function to_date(text, unknown) is not supported in "
           "continuous views yet", 8);
    ck_err("SELECT sum(url) FROM clicks", "42883", "function sum(text) does not exist", 8);
    ck_err("SELECT min(ok) FROM clicks", "42883", "function min(boolean) does not exist", 8);
    ck_err("SELECT count(v, v) FROM clicks", "42883",
           "function count(integer, integer) does not exist", 8);
    ck_assert_int_eq(analyze("SELECT sum(v * 1.5) FROM clicks"), SL_OK);
    ck_assert_int_eq(analyze("SELECT v * 0.1 AS tenth, count(*) FROM clicks GROUP BY v * 0.1"),
                     SL_OK);
    ck_assert_int_eq(analyze("SELECT count(*) FROM clicks WHERE v * 0.1 = 0.3"), SL_OK);
    /* comparing with a decimal constant is exact enough: allowed */
    ck_assert_ptr_nonnull(plan_of("SELECT count(*) FROM clicks WHERE v > 1.5 AND d < 2.25"));
    ck_err("SELECT count(*), count(v) AS count FROM clicks", "42701",
           "column \"count\" specified more than once", 0);
    ck_err("SELECT count(*) FROM clicks ORDER BY 1", "0A000",
           "ORDER BY is not supported in continuous views", 29);
    ck_assert_ptr_nonnull(strstr(err.hint, "when reading the view"));
    ck_err("SELECT count(*) FROM clicks c JOIN t ON true", "0A000",
           "JOIN is not supported in continuous views", 31);
    ck_assert_ptr_nonnull(strstr(err.hint, "join its table with others when reading it"));
    ck_err("SELECT url FROM clicks LIMIT 3", "0A000",
           "LIMIT or OFFSET is not supported in continuous views", 24);
    ck_assert_ptr_nonnull(strstr(err.hint, "LIMIT n"));
    ck_err("SELECT *, count(*) FROM clicks", "42803",
           "column \"clicks.user_id\" must appear in the GROUP BY clause or be used in "
           "an aggregate function", 8);
    ck_err("SELECT x.* FROM clicks c", "42P01",
           "missing FROM-clause entry for table \"x\"", 8);
    ck_err("SELECT count(*) FROM clicks WHERE v = (SELECT 1)", "0A000",
           "subqueries are not supported in continuous views", 39);
    ck_err("SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY v) FROM clicks", "0A000",
           "ordered-set aggregates (WITHIN GROUP) are not supported in continuous views", 29);
    ck_err("SELECT v, row_number() OVER () FROM clicks", "0A000",
           "window functions (OVER) are not supported in continuous views", 24);
    ck_err("SELECT v, sum(v) OVER (PARTITION BY v ORDER BY ts DESC) FROM clicks", "0A000",
           "window functions (OVER) are not supported in continuous views", 18);
    ck_err("SELECT v, sum(v) OVER w FROM clicks", "0A000",
           "window functions (OVER) are not supported in continuous views", 18);
    ck_assert_str_eq(err.hint, "Compute it when reading: a window function in a SELECT over "
                               "the view.");
    /* a function PostgreSQL has (of any name in pg_proc) is 0A000, a
     * set-returning one with a hint; one nobody has is 42883 */
    ck_err("SELECT count(*) FROM clicks WHERE txid_current() > 0", "0A000",
           "function txid_current() is not supported in continuous views yet", 35);
    ck_err("SELECT unnest(ARRAY[url]) FROM clicks", "0A000",
           "set-returning functions are not supported in continuous views", 8);
    ck_assert_ptr_nonnull(strstr(err.hint, "send one event per element"));
    ck_err("SELECT url, count(*) FROM clicks GROUP BY url, generate_series(1, 2)", "0A000",
           "set-returning functions are not supported in continuous views", 48);
    ck_err("SELECT no_such_function(url) FROM clicks", "42883",
           "function no_such_function(text) does not exist", 8);
    ck_err("SELECT count(*) FROM clicks WHERE v::foo > 1", "42704",
           "type \"foo\" does not exist", 38);
    ck_err("SELECT count(*) FROM clicks WHERE ok::timestamptz > ts", "42846",
           "cannot cast type boolean to timestamp with time zone", 37);
    ck_err("SELECT count(*) FROM clicks WHERE ts > 'yesterday-ish'", "22007",
           "invalid input syntax for type timestamp with time zone: \"yesterday-ish\"", 40);
    ck_err("SELECT count(*) FROM clicks GROUP BY 3", "42P10",
           "GROUP BY position 3 is not in select list", 38);
    ck_err("SELECT count(*) FROM clicks WHERE '1' + '2' > 0", "42725",
           "operator is not unique: unknown + unknown", 39);
}
END_TEST

/* WHERE as PostgreSQL runs it: top-level conjuncts (nested ANDs
 * flattened), cheapest first, written order between equals. */
static bool is_stream(void *arg, const char *name)
{
    return sl_catalog_stream(arg, name) != NULL;
}

/* sl_analyze_insert of q (an INSERT INTO clicks) with params; rc. */
static int insert(const char *q, const char *const *params, int np, sl_insert_plan_t *p)
{
    sl_stmt_t *st;
    int n;
    sl_sql_streams_t streams = {is_stream, &cat};
    sl_error_clear(&err);
    ck_assert_msg(sl_sql_split_in(q, strlen(q), &streams, arena, &st, &n, &err) == SL_OK,
                  "%s: %s", q, err.message);
    ck_assert_int_eq(st->kind, SL_STMT_INSERT);
    return sl_analyze_insert(st, sl_catalog_stream(&cat, "clicks"), params, np, arena, p, &err);
}

static void insert_err(const char *q, const char *state, int pos, const char *msg)
{
    sl_insert_plan_t p;
    ck_assert_msg(insert(q, NULL, 0, &p) == SL_ERR, "%s", q);
    ck_assert_str_eq(err.sqlstate, state);
    ck_assert_int_eq(err.position, pos);
    ck_assert_str_eq(err.message, msg);
}

START_TEST(test_insert)
{
    sl_insert_plan_t p;
    static const char *const params[] = {"42", NULL};
    ck_assert_int_eq(insert("INSERT INTO clicks (url, user_id, f) VALUES ('a', $1, 1), "
                            "(DEFAULT, -7, $2), ('x' || 'y', 2 * 3, '1.5'::real)",
                            params, 2, &p), SL_OK);
    ck_assert_int_eq(p.nrows, 3);
    int nc = p.stream->ncols;
    /* columns: user_id 0, url 1, f 4; the others stay NULL */
    ck_assert_ptr_nonnull(p.cells[0]);
    ck_assert_int_eq(p.cells[0]->type, SL_T_INT8);
    ck_assert_int_eq(p.cells[0]->constval.v.i, 42);
    ck_assert_ptr_null(p.cells[2]);
    ck_assert_int_eq(p.cells[4]->type, SL_T_FLOAT4);
    ck_assert_ptr_null(p.cells[nc + 1]);                 /* DEFAULT */
    ck_assert(p.cells[nc + 4]->constval.null);          /* $2 NULL */
    ck_assert_int_eq(p.cells[2 * nc + 1]->type, SL_T_TEXT);
    ck_assert_int_eq(insert("INSERT INTO clicks DEFAULT VALUES", NULL, 0, &p), SL_OK);
    ck_assert_int_eq(p.nrows, 1);

    insert_err("INSERT INTO clicks (user_id, nope) VALUES (1, 2)", "42703", 30,
               "column \"nope\" of relation \"clicks\" does not exist");
    insert_err("INSERT INTO clicks (v, v) VALUES (1, 2)", "42701", 24,
               "column \"v\" specified more than once");
    insert_err("INSERT INTO clicks (v) VALUES (1, 2)", "42601", 35,
               "INSERT has more expressions than target columns");
    insert_err("INSERT INTO clicks (v, s) VALUES (1)", "42601", 24,
               "INSERT has more target columns than expressions");
    insert_err("INSERT INTO clicks (v) VALUES ('x')", "22P02", 32,
               "invalid input syntax for type integer: \"x\"");
    insert_err("INSERT INTO clicks (v) VALUES (true)", "42804", 32,
               "column \"v\" is of type integer but expression is of type boolean");
    insert_err("INSERT INTO clicks (v) VALUES (zz)", "42703", 32, "column \"zz\" does not exist");
    insert_err("INSERT INTO clicks (v) VALUES ($3)", "42P02", 32, "there is no parameter $3");
    insert_err("INSERT INTO clicks (name) VALUES ('abcdefghijkl')", "22001", 35,
               "value too long for type character varying(10)");
}
END_TEST

START_TEST(test_quals)
{
    const sl_view_plan_t *p =
        plan_of("SELECT count(*) FROM clicks WHERE v * 2 > 0 AND (user_id = 8 AND ok) "
                "AND (v > 1 OR v < -1) AND url IS NULL");
    ck_assert_int_eq(p->nquals, 5);
    ck_assert_int_eq(p->quals[0]->kind, SL_E_COLUMN);    /* ok: no operator */
    ck_assert_int_eq(p->quals[1]->kind, SL_E_ISNULL);    /* url IS NULL */
    ck_assert_int_eq(p->quals[2]->kind, SL_E_OP);        /* user_id = 8 */
    ck_assert_int_eq(p->quals[2]->args[0]->kind, SL_E_COLUMN);
    ck_assert_int_eq(p->quals[3]->kind, SL_E_OP);        /* v * 2 > 0: two */
    ck_assert_int_eq(p->quals[3]->args[0]->kind, SL_E_OP);
    ck_assert_int_eq(p->quals[4]->kind, SL_E_OR);        /* two, written later */

    p = plan_of("SELECT count(*) FROM clicks WHERE v > 1 OR ok");
    ck_assert_int_eq(p->nquals, 1);
    ck_assert_ptr_eq(p->quals[0], p->where);
    p = plan_of("SELECT count(*) FROM clicks");
    ck_assert_int_eq(p->nquals, 0);
}
END_TEST

START_TEST(test_duplicates)
{
    const char *q = "CREATE CONTINUOUS VIEW clicks AS SELECT count(*) FROM clicks; "
                    "CREATE CONTINUOUS VIEW IF NOT EXISTS clicks AS SELECT count(*) FROM clicks";
    sl_stmt_t *st;
    int n;
    bool exists;
    ck_assert_int_eq(sl_sql_split(q, strlen(q), arena, &st, &n, &err), SL_OK);
    ck_assert_int_eq(n, 2);
    view = sl_view_new(st[0].name);
    ck_assert_int_eq(sl_analyze_view(&st[0], &cat, view, &exists, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "42P07");
    ck_assert_str_eq(err.message, "relation \"clicks\" already exists");
    ck_assert_int_eq(err.position, 24);
    sl_error_clear(&err);
    ck_assert_int_eq(sl_analyze_view(&st[1], &cat, view, &exists, &err), SL_OK);
    ck_assert(exists);
    ck_assert_ptr_null(view->plan);
}
END_TEST

START_TEST(test_filter_and_new_aggregates)
{
    const sl_view_plan_t *p = plan_of(
        "SELECT url, count(*) FILTER (WHERE ok) AS a, count(*) FILTER (WHERE ok) + 1 AS b, "
        "count(*) FILTER (WHERE NOT ok) AS c, count(*), bool_and('t'), every(ok), "
        "bit_and(s), var_pop(v), stddev(d), corr(v, 1.5), regr_slope(f, s) "
        "FROM clicks GROUP BY url");
    /* the same call with the same FILTER shares a state; another FILTER
     * or none does not */
    ck_assert_int_eq(p->naggs, 10);
    ck_assert_ptr_nonnull(p->aggs[0].filter);
    ck_assert_ptr_null(p->aggs[0].arg);
    ck_assert_ptr_nonnull(p->aggs[1].filter);
    ck_assert_ptr_null(p->aggs[2].filter);
    ck_assert_int_eq(p->aggs[3].kind, SL_AGG_BOOL_AND);
    ck_assert_int_eq(p->aggs[3].arg->type, SL_T_BOOL);
    ck_assert_int_eq(p->aggs[4].kind, SL_AGG_BOOL_AND);
    ck_assert_int_eq(p->aggs[5].result_type, SL_T_INT2);
    ck_assert_int_eq(p->aggs[6].result_type, SL_T_NUMERIC);
    ck_assert_int_eq(p->aggs[6].nstate, 3);
    ck_assert_int_eq(p->aggs[7].kind, SL_AGG_STDDEV_SAMP);
    ck_assert_int_eq(p->aggs[7].result_type, SL_T_FLOAT8);
    ck_assert_int_eq(p->aggs[8].kind, SL_AGG_CORR);
    ck_assert_int_eq(p->aggs[8].arg->type, SL_T_FLOAT8);   /* cast v */
    ck_assert_int_eq(p->aggs[8].arg2->type, SL_T_FLOAT8);
    ck_assert_int_eq(p->aggs[8].nstate, 6);
    ck_assert_int_eq(p->aggs[9].kind, SL_AGG_REGR_SLOPE);
    ck_assert_int_eq(p->out[1].type, SL_T_INT8);
    ck_assert_int_eq(p->out[8].type, SL_T_NUMERIC);
    ck_assert_str_eq(p->out[1].sql, "\"_a1\"");
    ck_assert_str_eq(p->out[2].sql, "(\"_a1\" + '1'::bigint)");
    ck_assert(strstr(p->out[9].sql, "float8_stddev_samp") != NULL);

    /* count(DISTINCT v) shares no state with count(v) */
    p = plan_of("SELECT count(DISTINCT v) AS a, count(v) AS b, count(DISTINCT v) + 1 AS c, "
                "sum(DISTINCT s) FILTER (WHERE ok) AS d, max(DISTINCT url) AS e FROM clicks");
    ck_assert_int_eq(p->naggs, 4);
    ck_assert(p->aggs[0].distinct);
    ck_assert(!p->aggs[1].distinct);
    ck_assert(p->aggs[2].distinct);
    ck_assert_int_eq(p->aggs[2].result_type, SL_T_INT8);
    ck_assert_ptr_nonnull(p->aggs[2].filter);
    ck_assert(!p->aggs[3].distinct);

    p = plan_of("SELECT string_agg(url, ', ' ORDER BY url DESC) AS a, string_agg(name, NULL) AS b, "
                "string_agg(url, ', ' ORDER BY url DESC) AS c FROM clicks");
    ck_assert_int_eq(p->naggs, 3);
    ck_assert_int_eq(p->aggs[0].kind, SL_AGG_STRING_AGG);
    ck_assert_int_eq(p->aggs[0].order, -1);
    ck_assert_str_eq(p->aggs[0].delim_sql, "', '::text");
    ck_assert_ptr_null(p->aggs[0].arg2);   /* the delimiter is not evaluated per event */
    ck_assert_int_eq(p->aggs[1].order, 0);
    ck_assert_str_eq(p->aggs[1].delim_sql, "NULL::text");
    ck_assert_int_eq(p->out[0].type, SL_T_TEXT);
}
END_TEST

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Analyzes sel (built in b, which is freed) and returns the seconds taken. */
static double timed(sl_buf_t *b, int want_rc)
{
    const char *sel = sl_strdup(arena, sl_buf_cstr(b));
    sl_buf_free(b);
    ck_assert_int_lt((int)strlen(sel), SL_SQL_MAX_STATEMENT - 100);
    double t0 = now_s();
    int rc = analyze(sel);
    double t = now_s() - t0;
    ck_assert_msg(rc == want_rc, "rc %d: %s %s", rc, err.sqlstate, err.message);
    if (getenv("SL_SHOW_TIMES"))
        fprintf(stderr, "%.3f s: %.60s\n", t, sel);
    return t;
}

/* Statements near the size limit whose lexing and analysis once grew with
 * the square of their length (operator tokens, aggregate, group key and
 * output-name lookups, AND flattening, WHERE ordering): each is split and
 * analyzed in a fraction of a second here (about 0.2 s for the largest
 * on this project's machines; the WHERE took 7 s before). */
START_TEST(test_big_statements)
{
    sl_buf_t b = SL_BUF_INIT;
    double worst = 0, t;

    /* 1500 aggregates, all different, and 1500 repeats of one. */
    sl_buf_puts(&b, "SELECT ");
    for (int i = 0; i < 1500; i++)
        sl_buf_printf(&b, "sum(v + %d + v * v * v * v) AS a%d, ", i, i);
    for (int i = 0; i < 150; i++)
        sl_buf_printf(&b, "sum(v + 7 + v * v * v * v) AS b%d, ", i);
    sl_buf_puts(&b, "count(*) FROM clicks");
    t = timed(&b, SL_OK);
    worst = t > worst ? t : worst;
    ck_assert_int_eq(view->plan->naggs, 1501);

    /* 1000 group keys, each used by an output column and by HAVING. */
    sl_buf_puts(&b, "SELECT ");
    for (int i = 0; i < 1000; i++)
        sl_buf_printf(&b, "(user_id + %d) * v AS g%d, ", i, i);
    sl_buf_puts(&b, "count(*) FROM clicks GROUP BY ");
    for (int i = 0; i < 1000; i++)
        sl_buf_printf(&b, "%s(user_id + %d) * v", i ? ", " : "", i);
    sl_buf_puts(&b, ", g7, g7, 3, 3 HAVING ");
    for (int i = 0; i < 990; i++)
        sl_buf_printf(&b, "%s(user_id + %d) * v > 0", i ? " AND " : "", i);
    t = timed(&b, SL_OK);
    worst = t > worst ? t : worst;
    ck_assert_int_eq(view->plan->ngroup, 1000);

    /* 60000 GROUP BY items naming one output column. */
    sl_buf_puts(&b, "SELECT v AS x, count(*) FROM clicks GROUP BY x");
    for (int i = 0; i < 60000; i++)
        sl_buf_puts(&b, ", x");
    t = timed(&b, SL_OK);
    worst = t > worst ? t : worst;
    ck_assert_int_eq(view->plan->ngroup, 1);

    /* A WHERE of 80000 conjuncts (chains of 500 in parentheses). */
    sl_buf_puts(&b, "SELECT count(*) FROM clicks WHERE ");
    for (int c = 0; c < 160; c++) {
        sl_buf_puts(&b, c ? " AND (" : "(");
        for (int i = 0; i < 500; i++)
            sl_buf_printf(&b, "%sv <> %d", i ? " AND " : "", i);
        sl_buf_puts(&b, ")");
    }
    t = timed(&b, SL_OK);
    worst = t > worst ? t : worst;
    ck_assert_int_eq(view->plan->nquals, 80000);
    ck_assert_int_eq(view->plan->quals[0]->args[1]->constval.v.i, 0);   /* written order */
    ck_assert_int_eq(view->plan->quals[79999]->args[1]->constval.v.i, 499);

    /* The state table's column limit (PostgreSQL's, 54011). */
    sl_buf_puts(&b, "SELECT ");
    for (int i = 0; i < 1600; i++)
        sl_buf_printf(&b, "sum(v + %d), ", i);
    sl_buf_puts(&b, "count(*) FROM clicks");
    t = timed(&b, SL_ERR);
    ck_assert_str_eq(err.sqlstate, "54011");
    ck_assert_str_eq(err.message, "tables can have at most 1600 columns");
    sl_buf_puts(&b, "SELECT count(*) FROM clicks GROUP BY ");
    for (int i = 0; i < 1600; i++)
        sl_buf_printf(&b, "%sv + %d", i ? ", " : "", i);
    t = timed(&b, SL_ERR);
    ck_assert_str_eq(err.sqlstate, "54011");

    ck_assert_msg(worst < 5.0, "analysis took %.3f s", worst);
    if (getenv("SL_SHOW_TIMES"))
        fprintf(stderr, "slowest analysis: %.3f s\n", worst);
}
END_TEST

/* ALTER STREAM ... ADD COLUMN checks (sl_analyze_alter_stream). */
static int alter(const char *q, sl_column_t *col)
{
    sl_stmt_t *st;
    int n;
    sl_error_clear(&err);
    ck_assert_msg(sl_sql_split(q, strlen(q), arena, &st, &n, &err) == SL_OK, "%s: %s", q,
                  err.message);
    ck_assert_int_eq(st->kind, SL_STMT_ALTER_STREAM);
    return sl_analyze_alter_stream(st, sl_catalog_stream(&cat, "clicks"), arena, col, &err);
}

START_TEST(test_alter_stream)
{
    sl_column_t col;
    ck_assert_int_eq(alter("alter stream clicks add column ref varchar(20)", &col), SL_OK);
    ck_assert_str_eq(col.name, "ref");
    ck_assert_int_eq(col.type, SL_T_TEXT);
    ck_assert_int_eq(col.typmod, 20);
    ck_assert_int_eq(alter("alter stream clicks add \"URL\" int8", &col), SL_OK);
    ck_assert_int_eq(col.type, SL_T_INT8);
    ck_assert_int_eq(alter("alter stream clicks add url text", &col), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "42701");
    ck_assert_str_eq(err.message, "column \"url\" of relation \"clicks\" already exists");
    ck_assert_int_eq(err.position, 25);
    ck_assert_int_eq(alter("alter stream clicks add c nosuchtype", &col), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "42704");
    ck_assert_int_eq(err.position, 27);
    /* the column appended in memory: positions of the others unchanged */
    sl_stream_t *s = sl_catalog_stream(&cat, "clicks");
    int64_t id = s->id;
    ck_assert_int_eq(alter("alter stream clicks add column ref varchar(20)", &col), SL_OK);
    sl_catalog_alter_stream(&cat, s, &col, "CREATE STREAM clicks (...)");
    ck_assert_int_eq(s->ncols, 11);
    ck_assert_int_eq(sl_stream_column(s, "ref"), 10);
    ck_assert_int_eq(sl_stream_column(s, "url"), 1);
    ck_assert_str_eq(s->sql, "CREATE STREAM clicks (...)");
    ck_assert(s->id != id);
}
END_TEST

/* EXPLAIN CONTINUOUS VIEW's lines (sl_explain_view). */
START_TEST(test_explain)
{
    plan_of("select url, count(*) as n, avg(v) from clicks where ok group by url "
            "having sum(v) > 2");
    view->schema = "public";
    char **lines;
    int n = sl_explain_view(view, arena, &lines);
    ck_assert_int_eq(n, 15);
    ck_assert_str_eq(lines[0], "Upsert on sluice_mrel.\"v\"");
    ck_assert_str_eq(lines[1], "  Finalizing View: \"public\".\"v\"");
    ck_assert_str_eq(lines[5], "  Having: (\"_a3\" > '2'::bigint)");
    ck_assert_str_eq(lines[6], "  Active: true");
    ck_assert_str_eq(lines[7], "  ->  HashAggregate");
    ck_assert_str_eq(lines[8], "        Group Key: \"url\" AS \"url\" text");
    ck_assert_str_eq(lines[10], "        Aggregate: avg(\"v\")  state: _a2_sum numeric, "
                                "_a2_count bigint");
    ck_assert_str_eq(lines[13], "              Filter: \"ok\"");
    ck_assert_str_eq(lines[14], "              ->  Stream Scan on \"clicks\"");
    view->inactive = true;
    n = sl_explain_view(view, arena, &lines);
    ck_assert_str_eq(lines[6], "  Active: false");
    plan_of("select url, v + 1 as w from clicks");
    n = sl_explain_view(view, arena, &lines);
    ck_assert_int_eq(n, 9);
    ck_assert_str_eq(lines[0], "Append on sluice_mrel.\"v\"  (continuous transform)");
    ck_assert_str_eq(lines[5], "  ->  Project");
    ck_assert_str_eq(lines[7], "                 (\"v\" + 1) AS \"w\" integer");
    ck_assert_str_eq(lines[8], "        ->  Stream Scan on \"clicks\"");
}
END_TEST

/* Analyzes a whole CREATE CONTINUOUS VIEW statement (options and all). */
static int analyze_stmt(const char *q)
{
    sl_stmt_t *st;
    int n;
    bool exists;
    sl_error_clear(&err);
    ck_assert_msg(sl_sql_split(q, strlen(q), arena, &st, &n, &err) == SL_OK, "%.200s: %s",
                  q, err.message);
    if (view)
        sl_arena_free(view->arena);
    view = sl_view_new(st->name);
    return sl_analyze_view(st, &cat, view, &exists, &err);
}

#define STREAM_ERR(q, code) do { \
        ck_assert_int_eq(add_stream(q), SL_ERR); \
        ck_assert_str_eq(err.sqlstate, code); \
    } while (0)
#define VIEW_ERR(q, code) do { \
        ck_assert_msg(analyze_stmt(q) == SL_ERR, "%s: no error", q); \
        ck_assert_msg(strcmp(err.sqlstate, code) == 0, "%s: %s %s", q, err.sqlstate, \
                      err.message); \
    } while (0)

START_TEST(test_windows)
{
    ck_assert_int_eq(add_stream("create stream ev (k int, v int, ts timestamptz, lt timestamp) "
                                "with (event_time = 'ts', max_lateness = '10 s', "
                                "idle_timeout = '1 minute')"), SL_OK);
    const sl_stream_t *ev = sl_catalog_stream(&cat, "ev");
    ck_assert_int_eq(ev->event_time, 2);
    ck_assert(ev->max_lateness == 10000000);
    ck_assert(ev->idle_timeout == 60000000);
    ck_assert(ev->max_event == INT64_MIN);
    ck_assert_int_eq(sl_catalog_stream(&cat, "clicks")->event_time, -1);
    STREAM_ERR("create stream e2 (k int) with (event_time = 'nope')", "42703");
    STREAM_ERR("create stream e2 (k int) with (event_time = 'k')", "42804");
    STREAM_ERR("create stream e2 (k int, ts timestamptz) with (max_lateness = '1 s')", "22023");
    STREAM_ERR("create stream e2 (ts timestamptz) with (event_time = 'ts', "
               "max_lateness = '1 mon')", "22023");
    STREAM_ERR("create stream e2 (ts timestamptz) with (event_time = 'ts', "
               "max_lateness = '-1 s')", "22023");
    STREAM_ERR("create stream e2 (ts timestamptz) with (event_time = 'ts', "
               "idle_timeout = '0')", "22023");
    STREAM_ERR("create stream e2 (ts timestamptz) with (event_time = 'ts', "
               "max_lateness = 'soon')", "22007");
    ck_assert_int_eq(add_stream("create stream e3 (lt timestamp) with (event_time = 'lt')"),
                     SL_OK);

    /* tumble: the window key, its end as SQL over the state table */
    ck_assert_int_eq(analyze_stmt("CREATE CONTINUOUS VIEW v AS SELECT k, tumble(ts, '1 minute') "
                                  "AS w, window_end(tumble(ts, '1 minute')) AS e, count(*) "
                                  "FROM ev GROUP BY k, w"), SL_OK);
    const sl_view_plan_t *p = view->plan;
    ck_assert_ptr_nonnull(p->window);
    ck_assert_int_eq(p->window->kind, SL_WIN_TUMBLE);
    ck_assert(p->window->size == 60000000 && p->window->count == 1);
    ck_assert_int_eq(p->window_key, 1);
    ck_assert_int_eq(p->emit, SL_EMIT_ON_UPDATE);
    ck_assert_int_eq(p->session_agg, -1);
    ck_assert_str_eq(p->out[2].sql, "(\"_g2\" + '60000000 microseconds'::interval)");
    /* an origin, an interval size */
    ck_assert_int_eq(analyze_stmt("CREATE CONTINUOUS VIEW v AS SELECT tumble(ts, interval "
                                  "'10 s', '2026-01-01 00:00:03+00'), count(*) FROM ev "
                                  "GROUP BY 1"), SL_OK);
    ck_assert(view->plan->window->size == 10000000);
    ck_assert(view->plan->window->origin != SL_UNIX_EPOCH_US);
    /* hop, emitted on close */
    ck_assert_int_eq(analyze_stmt("CREATE CONTINUOUS VIEW v WITH (emit = 'on_window_close') AS "
                                  "SELECT hop(ts, '5 s', '15 s') AS w, sum(v) FROM ev "
                                  "GROUP BY w"), SL_OK);
    ck_assert_int_eq(view->plan->window->kind, SL_WIN_HOP);
    ck_assert_int_eq(view->plan->window->count, 3);
    ck_assert_int_eq(view->plan->emit, SL_EMIT_ON_WINDOW_CLOSE);
    /* session: a hidden max(ts) gives the end */
    ck_assert_int_eq(analyze_stmt("CREATE CONTINUOUS VIEW v AS SELECT k, session(ts, '30 s') AS "
                                  "s, window_end(session(ts, '30 s')) AS e, count(*) FROM ev "
                                  "GROUP BY k, s"), SL_OK);
    p = view->plan;
    ck_assert_int_eq(p->window->kind, SL_WIN_SESSION);
    ck_assert_int_eq(p->naggs, 2);
    ck_assert_int_eq(p->session_agg, 1);
    ck_assert_int_eq(p->aggs[1].kind, SL_AGG_MAX);
    ck_assert_int_eq(p->nout, 4);
    ck_assert_ptr_nonnull(strstr(p->out[2].sql, "+ '30000000 microseconds'::interval)"));
    /* timestamp without time zone */
    ck_assert_int_eq(analyze_stmt("CREATE CONTINUOUS VIEW v AS SELECT tumble(lt, '1 h'), "
                                  "count(*) FROM e3 GROUP BY 1"), SL_OK);
    ck_assert_int_eq(view->plan->group[0].type, SL_T_TIMESTAMP);
    /* date_trunc stays a plain key */
    ck_assert_int_eq(analyze_stmt("CREATE CONTINUOUS VIEW v AS SELECT date_trunc('minute', ts), "
                                  "count(*) FROM ev GROUP BY 1"), SL_OK);
    ck_assert_ptr_null(view->plan->window);

    VIEW_ERR("CREATE CONTINUOUS VIEW v AS SELECT tumble(ts, '1 min'), count(*) FROM clicks "
             "GROUP BY 1", "0A000");
    VIEW_ERR("CREATE CONTINUOUS VIEW v AS SELECT tumble(lt, '1 min'), count(*) FROM ev "
             "GROUP BY 1", "0A000");
    VIEW_ERR("CREATE CONTINUOUS VIEW v AS SELECT tumble(ts, '0 s'), count(*) FROM ev "
             "GROUP BY 1", "22023");
    VIEW_ERR("CREATE CONTINUOUS VIEW v AS SELECT tumble(ts, '1 month'), count(*) FROM ev "
             "GROUP BY 1", "22023");
    VIEW_ERR("CREATE CONTINUOUS VIEW v AS SELECT tumble(ts, k::text), count(*) FROM ev "
             "GROUP BY 1", "0A000");
    VIEW_ERR("CREATE CONTINUOUS VIEW v AS SELECT hop(ts, '7 s', '20 s'), count(*) FROM ev "
             "GROUP BY 1", "22023");
    VIEW_ERR("CREATE CONTINUOUS VIEW v AS SELECT count(*) FROM ev WHERE hop(ts, '1 s', '2 s') "
             "> now()", "0A000");
    VIEW_ERR("CREATE CONTINUOUS VIEW v AS SELECT max(session(ts, '1 s')) FROM ev", "0A000");
    VIEW_ERR("CREATE CONTINUOUS VIEW v AS SELECT count(*) FROM ev WHERE "
             "window_end(session(ts, '1 s')) > now()", "0A000");
    VIEW_ERR("CREATE CONTINUOUS VIEW v AS SELECT count(*) FROM ev GROUP BY "
             "window_end(hop(ts, '1 s', '2 s'))", "0A000");
    VIEW_ERR("CREATE CONTINUOUS VIEW v AS SELECT count(*) FROM ev GROUP BY tumble(ts, '1 s'), "
             "hop(ts, '1 s', '2 s')", "0A000");
    VIEW_ERR("CREATE CONTINUOUS VIEW v AS SELECT window_end(ts), count(*) FROM ev GROUP BY 1",
             "0A000");
    VIEW_ERR("CREATE CONTINUOUS VIEW v WITH (emit = 'on_window_close') AS SELECT k, count(*) "
             "FROM ev GROUP BY k", "22023");
    VIEW_ERR("CREATE CONTINUOUS VIEW v WITH (emit = 'sometimes') AS SELECT tumble(ts, '1 s'), "
             "count(*) FROM ev GROUP BY 1", "22023");
    VIEW_ERR("CREATE CONTINUOUS VIEW v WITH (emit = 'on_window_close') AS SELECT * FROM ev",
             "22023");
    /* sw over tumble / hop emitting on update: the arrival step is one more
     * group key after the window's; not with a session or on window close */
    ck_assert_int_eq(analyze_stmt("CREATE CONTINUOUS VIEW v WITH (sw = '1 hour') AS SELECT "
                                  "k, hop(ts, '1 s', '2 s') AS w, count(*) FROM ev GROUP BY k, w"),
                     SL_OK);
    ck_assert_int_eq(view->plan->ngroup, 3);
    ck_assert_int_eq(view->plan->window_key, 1);
    ck_assert_str_eq(view->plan->group[2].colname, "_step");
    VIEW_ERR("CREATE CONTINUOUS VIEW v WITH (sw = '1 hour') AS SELECT k, session(ts, '1 s') AS s, "
             "count(*) FROM ev GROUP BY k, s", "0A000");
    VIEW_ERR("CREATE CONTINUOUS VIEW v WITH (sw = '1 hour', emit = 'on_window_close') AS SELECT "
             "tumble(ts, '1 s'), count(*) FROM ev GROUP BY 1", "0A000");
    /* a TTL of a view emitting on window close deletes closed windows */
    ck_assert_int_eq(analyze_stmt("CREATE CONTINUOUS VIEW v WITH (emit = 'on_window_close', "
                                  "ttl = '1 day', ttl_column = 'w') AS SELECT tumble(ts, "
                                  "'1 s') AS w, count(*) FROM ev GROUP BY 1"), SL_OK);
    ck_assert_str_eq(view->plan->time.ttl_index, "_g1");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("analyze");
    TCase *tc = tcase_create("analyze");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_stream);
    tcase_add_test(tc, test_basic_view);
    tcase_add_test(tc, test_coercion);
    tcase_add_test(tc, test_grouping_exprs);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_arrays);
    tcase_add_test(tc, test_expressions);
    tcase_add_test(tc, test_duplicates);
    tcase_add_test(tc, test_filter_and_new_aggregates);
    tcase_add_test(tc, test_quals);
    tcase_add_test(tc, test_big_statements);
    tcase_add_test(tc, test_insert);
    tcase_add_test(tc, test_alter_stream);
    tcase_add_test(tc, test_explain);
    tcase_add_test(tc, test_windows);
    suite_add_tcase(s, tc);
    return sl_ck_run(s);
}
