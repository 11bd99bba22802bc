/*
 * fuzz_sql.c: libFuzzer target for the SQL front end: the input is a query
 * string as a Query message carries it (cut at its first NUL), split and
 * parsed by sl_sql_split (re2c lexer, Lemon grammar), then every
 * CREATE STREAM analyzed by sl_analyze_stream and every CREATE CONTINUOUS
 * VIEW by sl_analyze_view against a fixed catalog: stream s with a column
 * of every type and stream t (two columns), with view v already there.  A
 * view that analyzes runs over two small batches of events (extreme
 * values, where overflow errors are expected, then ordinary ones) and its
 * groups are read back as text.
 *
 * What must hold besides ASan/UBSan: a syntax error is 42601 (or 54000
 * for a statement nested too deep) with a message and a position inside
 * the query; an analyze error has a
 * five-character SQLSTATE, a message and a position inside the query; an
 * execution error names a row of the batch.
 *
 * INSERT INTO / COPY of s or t are Sluice's here (sl_sql_split_in); every
 * INSERT ... VALUES is analyzed by sl_analyze_insert with three bound
 * parameters ($1 '1', $2 NULL, $3 'x') and its cells evaluated; every
 * COPY's options go through sl_analyze_copy.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/catalog.h"
#include "exec/exec.h"
#include "ingest/ndjson.h"
#include "sql/sql.h"

static sl_catalog_t cat;
static sl_batch_t *events[2];

static void fail(const char *what, const sl_error_t *err)
{
    fprintf(stderr, "fuzz_sql: %s (%s: %s, position %d)\n", what, err->sqlstate, err->message,
            err->position);
    abort();
}

static void check_error(const sl_error_t *err, size_t len)
{
    if (strlen(err->sqlstate) != 5 || err->message[0] == '\0')
        fail("error without SQLSTATE or message", err);
    if (err->position < 0 || (size_t)err->position > len + 1)
        fail("error position outside the query", err);
}

static bool is_stream(void *arg, const char *name)
{
    return sl_catalog_stream(arg, name) != NULL;
}

/* INSERT INTO stream VALUES: analyzed, every cell evaluated. */
static void run_insert(const sl_stmt_t *st, size_t len, sl_arena_t *a)
{
    static const char *const params[] = {"1", NULL, "x"};
    sl_stream_t *s = sl_catalog_stream(&cat, st->name);
    sl_insert_plan_t plan;
    sl_error_t err;
    sl_error_clear(&err);
    if (s == NULL || st->dml == NULL)
        fail("INSERT of no stream", &err);
    if (st->dml->query_start >= 0)
        return;
    if (sl_analyze_insert(st, s, params, 3, a, &plan, &err) != SL_OK) {
        check_error(&err, len);
        return;
    }
    sl_batch_t *b = sl_batch_new(a, s, 1);
    int r = sl_batch_add_row(b);
    for (int i = 0; i < plan.nrows * s->ncols; i++) {
        if (plan.cells[i] == NULL)
            continue;
        sl_datum_t d;
        sl_error_clear(&err);
        if (plan.cells[i]->type != s->cols[i % s->ncols].type)
            fail("VALUES item not coerced to its column's type", &err);
        if (sl_expr_eval(plan.cells[i], b, r, a, &d, &err) != SL_OK)
            check_error(&err, len);
    }
}

/* Runs q (NUL-terminated) through split, analyze and exec. */
static void run_sql(const char *q, size_t len, sl_arena_t *a, bool setup)
{
    sl_stmt_t *stmts = NULL;
    int n = 0;
    sl_error_t err;
    sl_error_clear(&err);
    sl_sql_streams_t streams = {is_stream, &cat};
    if (sl_sql_split_in(q, len, setup ? NULL : &streams, a, &stmts, &n, &err) != SL_OK) {
        /* A syntax error, or a statement nested deeper than the parser's
         * stack (54000, as PostgreSQL's "stack depth limit exceeded"). */
        if (setup || (strcmp(err.sqlstate, "42601") != 0 && strcmp(err.sqlstate, "54000") != 0))
            fail("split failed", &err);
        check_error(&err, len);
    }
    for (int i = 0; i < n; i++) {
        bool exists = false;
        sl_error_clear(&err);
        if (stmts[i].kind == SL_STMT_CREATE_STREAM) {
            sl_stream_t *s = sl_stream_new(stmts[i].name);
            int rc = sl_analyze_stream(&stmts[i], &cat, s, &exists, &err);
            if (rc == SL_OK && !exists) {
                if (setup) {
                    sl_catalog_add_stream(&cat, s);
                    continue;
                }
            } else if (rc != SL_OK) {
                if (setup)
                    fail("setup stream", &err);
                check_error(&err, len);
            }
            sl_arena_free(s->arena);
            continue;
        }
        if (stmts[i].kind == SL_STMT_INSERT)
            run_insert(&stmts[i], len, a);
        if (stmts[i].kind == SL_STMT_COPY) {
            sl_copy_opts_t o;
            if (sl_analyze_copy(&stmts[i], &o, &err) != SL_OK)
                check_error(&err, len);
            else if (o.delimiter == 0 || o.null_string == NULL)
                fail("COPY options without a delimiter or null string", &err);
        }
        if (stmts[i].kind != SL_STMT_CREATE_VIEW)
            continue;
        sl_view_t *v = sl_view_new(stmts[i].name);
        int rc = sl_analyze_view(&stmts[i], &cat, v, &exists, &err);
        if (rc != SL_OK || exists) {
            if (setup)
                fail("setup view", &err);
            if (rc != SL_OK)
                check_error(&err, len);
            sl_arena_free(v->arena);
            continue;
        }
        if (setup) {
            sl_catalog_add_view(&cat, v);
            continue;
        }
        if (v->stream == NULL || v->plan == NULL)
            fail("analyzed view without stream or plan", &err);
        if (strcmp(v->stream->name, "s") == 0) {
            sl_view_exec_t *x = sl_exec_new(v->plan);
            for (int e = 0; e < 2; e++) {
                sl_exec_pending_t *p;
                int row = -1;
                sl_error_t eerr;
                sl_error_clear(&eerr);
                if (sl_exec_prepare(x, events[e], NULL, a, &p, &row, &eerr) != SL_OK) {
                    check_error(&eerr, len);
                    if (row < 0 || row >= events[e]->nrows)
                        fail("execution error on a row the batch does not have", &eerr);
                    continue;
                }
                sl_exec_apply(x, p);
                sl_delta_t *d = sl_exec_detach(x);
                if (d != NULL) {
                    sl_buf_t b = SL_BUF_INIT;
                    for (int g = 0; g < sl_delta_ngroups(d); g++)
                        for (int c = 0; c < sl_delta_ncols(d); c++)
                            sl_delta_value(d, g, c, &b);
                    sl_buf_free(&b);
                    sl_delta_free(d);
                }
            }
            sl_exec_free(x);
        }
        sl_arena_free(v->arena);
    }
}

static void setup(void)
{
    sl_catalog_init(&cat);
    sl_arena_t *a = sl_arena_new(NULL, "setup");
    const char *ddl =
        "CREATE STREAM s (k bigint, v integer, s smallint, name text, code varchar(4), "
        "ok boolean, ts timestamptz, lt timestamp, f double precision, r real, "
        "ia bigint[], ta text[], j jsonb);"
        "CREATE STREAM t (a integer, b text);"
        "CREATE CONTINUOUS VIEW v AS SELECT b, count(*) FROM t GROUP BY b";
    run_sql(ddl, strlen(ddl), a, true);
    sl_arena_free(a);

    sl_stream_t *s = sl_catalog_stream(&cat, "s");
    sl_arena_t *ev = sl_arena_new(NULL, "events");   /* lives as long as the process */
    static const char *const bodies[2] = {
        "{\"k\":9223372036854775807,\"v\":2147483647,\"s\":32767,\"f\":1e308,\"r\":3e38,"
        "\"name\":\"z\",\"ok\":true,\"ts\":\"2024-01-01T00:00:00Z\",\"ia\":[1,null,9223372036854775807],"
        "\"ta\":[\"a\",null,\"b c\",\"\"],\"j\":{\"a\":[1,{\"b\":\"c\"}],\"n\":1.50}}\n"
        "{\"k\":-9223372036854775808,\"v\":-2147483648,\"s\":-32768,\"f\":-1e308,"
        "\"name\":\"\",\"ok\":false,\"lt\":\"2024-01-01\"}\n{\"k\":0,\"v\":0,\"f\":\"NaN\"}\n{}\n",
        "{\"k\":3,\"v\":10,\"s\":2,\"f\":1.5,\"r\":2,\"name\":\"a\",\"code\":\"xy\",\"ok\":true,"
        "\"ts\":\"2024-03-01T00:00:00Z\",\"lt\":\"2024-03-01\",\"ia\":[],\"ta\":\"{x,NULL}\"}\n"
        "{\"k\":4,\"v\":-3,\"name\":null,\"code\":\"\xc3\xa9\",\"j\":[\"a\",null]}\n{\"j\":\"s\"}\n{}\n",
    };
    for (int i = 0; i < 2; i++) {
        sl_ingest_error_t ie;
        if (sl_ndjson_decode(s, bodies[i], strlen(bodies[i]), ev, &events[i], &ie) != SL_OK) {
            fprintf(stderr, "fuzz_sql: events: %s\n", ie.message);
            abort();
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (events[0] == NULL)
        setup();
    char *q = malloc(size + 1);
    memcpy(q, data, size);
    q[size] = '\0';
    sl_arena_t *a = sl_arena_new(NULL, "fuzz");
    run_sql(q, strlen(q), a, false);
    sl_arena_free(a);
    free(q);
    return 0;
}
