/* check_exec.c: unit tests of exec/ (view execution: filter, project, hash
 * aggregate, delta states, two-phase apply, detach/restore), with plans
 * built by hand and batches decoded from NDJSON. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec/exec.h"
#include "ingest/ndjson.h"

static sl_arena_t *arena;  /* plan */
static sl_stream_t stream;
static sl_column_t cols[] = {
    {"k", SL_T_INT8, -1}, {"v", SL_T_INT4, -1}, {"name", SL_T_TEXT, -1}, {"f", SL_T_FLOAT8, -1},
    {"r", SL_T_FLOAT4, -1},
};

static void setup(void)
{
    arena = sl_arena_new(NULL, "plan");
    memset(&stream, 0, sizeof(stream));
    stream.name = "s";
    stream.ncols = 5;
    stream.cols = cols;
}
static void teardown(void) { sl_arena_free(arena); }

static sl_expr_t *colref(int c)
{
    sl_expr_t *e = sl_alloc0(arena, sizeof(*e));
    e->kind = SL_E_COLUMN;
    e->colno = c;
    e->type = cols[c].type;
    e->typmod = -1;
    return e;
}

static sl_expr_t *binop(sl_op_t op, sl_type_t t, sl_expr_t *a, sl_expr_t *b)
{
    sl_expr_t *e = sl_alloc0(arena, sizeof(*e));
    e->kind = SL_E_OP;
    e->op = op;
    e->type = t;
    e->typmod = -1;
    e->nargs = 2;
    e->args = sl_alloc(arena, sizeof(sl_expr_t *) * 2);
    e->args[0] = a;
    e->args[1] = b;
    return e;
}

static sl_expr_t *const_int(sl_type_t t, int64_t v)
{
    sl_expr_t *e = sl_alloc0(arena, sizeof(*e));
    e->kind = SL_E_CONST;
    e->type = t;
    e->typmod = -1;
    e->constval.v.i = v;
    return e;
}

static void agg(sl_aggref_t *a, sl_aggkind_t kind, int col)
{
    memset(a, 0, sizeof(*a));
    a->kind = kind;
    a->arg = col >= 0 ? colref(col) : NULL;
    a->argtype = col >= 0 ? cols[col].type : SL_T_UNKNOWN;
    a->argtypmod = -1;
    a->nstate = 1;
    sl_type_t at = a->argtype;
    switch (kind) {
    case SL_AGG_COUNT_STAR:
    case SL_AGG_COUNT:
        a->result_type = a->state_type[0] = SL_T_INT8;
        break;
    case SL_AGG_SUM:
        a->result_type = a->state_type[0] = at == SL_T_INT8 ? SL_T_NUMERIC
                                            : sl_type_is_integer(at) ? SL_T_INT8 : at;
        break;
    case SL_AGG_MIN:
    case SL_AGG_MAX:
        a->result_type = a->state_type[0] = at;
        break;
    case SL_AGG_AVG:
        a->nstate = 2;
        a->state_type[0] = sl_type_is_integer(at) ? SL_T_NUMERIC : SL_T_FLOAT8;
        a->state_type[1] = SL_T_INT8;
        a->result_type = a->state_type[0];
        break;
    default: /* the others: agg_resolved */
        break;
    }
}

/* SELECT <key col> , aggs... FROM s [WHERE where] GROUP BY key (key < 0: none) */
static sl_view_plan_t *make_plan(int key, sl_expr_t *where, int naggs, const int *kinds,
                                 const int *argcols)
{
    sl_view_plan_t *p = sl_alloc0(arena, sizeof(*p));
    p->name = "v";
    p->schema = "public";
    p->stream = &stream;
    p->where = where;
    if (key >= 0) {
        p->ngroup = 1;
        p->group = sl_alloc0(arena, sizeof(sl_group_key_t));
        p->group[0].expr = colref(key);
        p->group[0].colname = cols[key].name;
        p->group[0].type = cols[key].type;
        p->group[0].typmod = -1;
    }
    p->naggs = naggs;
    p->aggs = sl_alloc0(arena, sizeof(sl_aggref_t) * (size_t)(naggs + 1));
    for (int i = 0; i < naggs; i++)
        agg(&p->aggs[i], (sl_aggkind_t)kinds[i], argcols[i]);
    return p;
}

/* Decodes body and runs prepare + apply; returns prepare's result. */
static int feed(sl_view_exec_t *st, sl_arena_t *a, const char *body, sl_error_t *err)
{
    sl_batch_t *b;
    sl_ingest_error_t ie;
    ck_assert_int_eq(sl_ndjson_decode(&stream, body, strlen(body), a, &b, &ie), SL_OK);
    sl_exec_pending_t *p = NULL;
    sl_error_clear(err);
    int rc = sl_exec_prepare(st, b, NULL, a, &p, NULL, err);
    if (rc == SL_OK)
        sl_exec_apply(st, p);
    return rc;
}

static void feed_ok(sl_view_exec_t *st, const char *body)
{
    sl_arena_t *a = sl_arena_new(NULL, "batch");
    sl_error_t err;
    ck_assert_msg(feed(st, a, body, &err) == SL_OK, "%s", err.message);
    sl_arena_free(a);
}

/* Row of delta d as "v1|v2|..." with NULL for nulls. */
static const char *row(const sl_delta_t *d, int g)
{
    static char res[512];
    sl_buf_t b = SL_BUF_INIT, v = SL_BUF_INIT;
    for (int c = 0; c < sl_delta_ncols(d); c++) {
        sl_buf_reset(&v);
        if (c)
            sl_buf_putc(&b, '|');
        sl_buf_puts(&b, sl_delta_value(d, g, c, &v) ? sl_buf_cstr(&v) : "NULL");
    }
    snprintf(res, sizeof(res), "%s", sl_buf_cstr(&b));
    sl_buf_free(&b);
    sl_buf_free(&v);
    return res;
}

/* The row whose first column renders as key ("NULL" for a NULL key). */
static const char *find_row(const sl_delta_t *d, const char *key)
{
    size_t kl = strlen(key);
    for (int g = 0; g < sl_delta_ngroups(d); g++) {
        const char *r = row(d, g);
        if (strncmp(r, key, kl) == 0 && r[kl] == '|')
            return r;
    }
    return "(none)";
}

static const int all_kinds[] = {SL_AGG_COUNT_STAR, SL_AGG_COUNT, SL_AGG_SUM, SL_AGG_MIN,
                                SL_AGG_MAX, SL_AGG_AVG, SL_AGG_SUM, SL_AGG_AVG, SL_AGG_MIN,
                                SL_AGG_SUM};
static const int all_cols[] = {-1, 1, 1, 1, 1, 1, 3, 3, 2, 0};

START_TEST(test_group_by_states)
{
    sl_view_plan_t *p = make_plan(2, NULL, 10, all_kinds, all_cols);
    sl_view_exec_t *st = sl_exec_new(p);
    feed_ok(st, "{\"k\":1,\"v\":10,\"name\":\"a\",\"f\":0.5}\n"
                "{\"k\":2,\"v\":-3,\"name\":\"a\",\"f\":0.25}\n"
                "{\"k\":3,\"name\":\"a\"}\n"
                "{\"k\":4,\"v\":7}\n"
                "{\"k\":5,\"v\":8,\"name\":null}\n"
                "{\"name\":\"b\"}\n");
    ck_assert_int_eq(sl_exec_ngroups(st), 3);
    sl_delta_t *d = sl_exec_detach(st);
    ck_assert_ptr_nonnull(d);
    ck_assert_int_eq(sl_exec_ngroups(st), 0);
    ck_assert_int_eq(sl_delta_ngroups(d), 3);
    /* key | count(*) | count(v) | sum(v) | min(v) | max(v) | avg sum | avg count
     *     | sum(f) | avg(f) sum | avg(f) count | min(name) | sum(k) */
    ck_assert_int_eq(sl_delta_ncols(d), 13);
    ck_assert_str_eq(find_row(d, "a"), "a|3|2|7|-3|10|7|2|0.75|0.75|2|a|6");
    ck_assert_str_eq(find_row(d, "NULL"), "NULL|2|2|15|7|8|15|2|NULL|NULL|0|NULL|9");
    ck_assert_str_eq(find_row(d, "b"), "b|1|0|NULL|NULL|NULL|NULL|0|NULL|NULL|0|b|NULL");
    int tm;
    ck_assert_int_eq(sl_delta_coltype(d, 0, &tm), SL_T_TEXT);
    ck_assert_int_eq(sl_delta_coltype(d, 3, &tm), SL_T_INT8);   /* sum(int4) */
    ck_assert_int_eq(sl_delta_coltype(d, 6, &tm), SL_T_NUMERIC); /* avg(int4) sum */
    ck_assert_int_eq(sl_delta_coltype(d, 7, &tm), SL_T_INT8);    /* avg count */
    ck_assert_int_eq(sl_delta_coltype(d, 12, &tm), SL_T_NUMERIC); /* sum(int8) */
    sl_delta_free(d);
    ck_assert_ptr_null(sl_exec_detach(st)); /* nothing since */
    sl_exec_free(st);
}
END_TEST

START_TEST(test_int128_sum_and_global)
{
    int kinds[] = {SL_AGG_SUM, SL_AGG_COUNT_STAR, SL_AGG_MAX};
    int acols[] = {0, -1, 0};
    sl_view_plan_t *p = make_plan(-1, NULL, 3, kinds, acols);
    sl_view_exec_t *st = sl_exec_new(p);
    feed_ok(st, "{\"k\":9223372036854775807}\n{\"k\":9223372036854775807}\n{\"k\":2}");
    sl_delta_t *d = sl_exec_detach(st);
    ck_assert_int_eq(sl_delta_ngroups(d), 1);
    ck_assert_str_eq(row(d, 0), "18446744073709551616|3|9223372036854775807");
    sl_delta_free(d);
    feed_ok(st, "{\"k\":-9223372036854775808}\n{\"k\":-9223372036854775808}");
    d = sl_exec_detach(st);
    ck_assert_str_eq(row(d, 0), "-18446744073709551616|2|-9223372036854775808");
    sl_delta_free(d);
    sl_exec_free(st);
}
END_TEST

START_TEST(test_filter_and_prepare_failure)
{
    /* WHERE 100 / v > 10: division by zero when v = 0 */
    sl_expr_t *where = binop(SL_OP_GT, SL_T_BOOL,
                             binop(SL_OP_DIV, SL_T_INT4, const_int(SL_T_INT4, 100), colref(1)),
                             const_int(SL_T_INT4, 10));
    int kinds[] = {SL_AGG_COUNT_STAR, SL_AGG_SUM};
    int acols[] = {-1, 1};
    sl_view_plan_t *p = make_plan(0, where, 2, kinds, acols);
    sl_view_exec_t *st = sl_exec_new(p);
    /* v = 5 -> 20 > 10 kept; v = 20 -> 5 dropped; v NULL -> NULL dropped */
    feed_ok(st, "{\"k\":1,\"v\":5}\n{\"k\":1,\"v\":20}\n{\"k\":2}\n{\"k\":1,\"v\":2}");
    ck_assert_int_eq(sl_exec_ngroups(st), 1);

    sl_arena_t *a = sl_arena_new(NULL, "batch");
    sl_error_t err;
    ck_assert_int_eq(feed(st, a, "{\"k\":1,\"v\":1}\n{\"k\":7,\"v\":1}\n{\"k\":1,\"v\":0}", &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "22012");
    ck_assert_str_eq(err.message, "division by zero");
    sl_arena_free(a);
    /* the failed request changed nothing */
    ck_assert_int_eq(sl_exec_ngroups(st), 1);
    sl_delta_t *d = sl_exec_detach(st);
    ck_assert_str_eq(row(d, 0), "1|2|7");
    sl_delta_free(d);

    /* a project-time failure (key expression overflow) also changes nothing */
    sl_view_plan_t *p2 = make_plan(0, NULL, 2, kinds, acols);
    p2->group[0].expr = binop(SL_OP_MUL, SL_T_INT8, colref(0), const_int(SL_T_INT8, 2));
    sl_view_exec_t *st2 = sl_exec_new(p2);
    feed_ok(st2, "{\"k\":1,\"v\":1}");
    a = sl_arena_new(NULL, "batch");
    ck_assert_int_eq(feed(st2, a, "{\"k\":2,\"v\":1}\n{\"k\":9223372036854775807}", &err), SL_ERR);
    ck_assert_str_eq(err.message, "bigint out of range");
    sl_arena_free(a);
    d = sl_exec_detach(st2);
    ck_assert_int_eq(sl_delta_ngroups(d), 1);
    ck_assert_str_eq(row(d, 0), "2|1|1");
    sl_delta_free(d);
    sl_exec_free(st2);
    sl_exec_free(st);
}
END_TEST

START_TEST(test_output_check_and_error_row)
{
    /* SELECT k * 1000000000000 AS km, count(*) ... GROUP BY k: the output
     * column's expression is evaluated at prepare; it fails on the row whose
     * key overflows, and prepare names that row. */
    int kinds[] = {SL_AGG_COUNT_STAR};
    int acols[] = {-1};
    sl_view_plan_t *p = make_plan(0, NULL, 1, kinds, acols);
    p->nout = 1;
    p->out = sl_alloc0(arena, sizeof(sl_output_col_t));
    p->out[0].name = "km";
    p->out[0].check = binop(SL_OP_MUL, SL_T_INT8, colref(0), const_int(SL_T_INT8, 1000000000000LL));
    sl_view_exec_t *st = sl_exec_new(p);
    feed_ok(st, "{\"k\":1}\n{\"k\":-9000000}");
    ck_assert_int_eq(sl_exec_ngroups(st), 2);

    sl_arena_t *a = sl_arena_new(NULL, "batch");
    const char *body = "{\"k\":3}\n{\"k\":4}\n{\"k\":10000000}\n{\"k\":5}";
    sl_batch_t *b;
    sl_ingest_error_t ie;
    ck_assert_int_eq(sl_ndjson_decode(&stream, body, strlen(body), a, &b, &ie), SL_OK);
    sl_exec_pending_t *pend = NULL;
    sl_error_t err;
    sl_error_clear(&err);
    int bad = -7;
    ck_assert_int_eq(sl_exec_prepare(st, b, NULL, a, &pend, &bad, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "22003");
    ck_assert_str_eq(err.message, "bigint out of range");
    ck_assert_int_eq(bad, 2);
    sl_arena_free(a);
    ck_assert_int_eq(sl_exec_ngroups(st), 2);
    sl_exec_free(st);
}
END_TEST

/* Runs prepare (and apply when it succeeds) on body; returns prepare's
 * result and sets *bad to the failing row. */
static int feed_row(sl_view_exec_t *st, const char *body, int *bad, sl_error_t *err)
{
    sl_arena_t *a = sl_arena_new(NULL, "batch");
    sl_batch_t *b;
    sl_ingest_error_t ie;
    ck_assert_int_eq(sl_ndjson_decode(&stream, body, strlen(body), a, &b, &ie), SL_OK);
    sl_exec_pending_t *pend = NULL;
    sl_error_clear(err);
    *bad = -7;
    int rc = sl_exec_prepare(st, b, NULL, a, &pend, bad, err);
    if (rc == SL_OK)
        sl_exec_apply(st, pend);
    sl_arena_free(a);
    return rc;
}

static void expect_overflow(sl_view_exec_t *st, const char *body, int row)
{
    sl_error_t err;
    int bad;
    ck_assert_msg(feed_row(st, body, &bad, &err) == SL_ERR, "accepted: %s", body);
    ck_assert_str_eq(err.sqlstate, "22003");
    ck_assert_str_eq(err.message, "value out of range: overflow");
    ck_assert_int_eq(bad, row);
}

/* PostgreSQL's float8pl / float4pl (sum, and avg's sum over floats): the
 * sum of two finite values that is infinite raises 22003; Infinity inputs
 * do not.  The request that makes a group's delta overflow is refused at
 * prepare, changing nothing; other groups and other requests go on. */
START_TEST(test_float_sum_overflow)
{
    /* SELECT name, sum(f), avg(f) FROM s GROUP BY name */
    int kinds[] = {SL_AGG_SUM, SL_AGG_AVG};
    int acols[] = {3, 3};
    sl_view_plan_t *p = make_plan(2, NULL, 2, kinds, acols);
    sl_view_exec_t *st = sl_exec_new(p);
    feed_ok(st, "{\"name\":\"a\",\"f\":1e308}");
    /* the second request pushes group a over: refused, a unchanged */
    expect_overflow(st, "{\"name\":\"b\",\"f\":1}\n{\"name\":\"a\",\"f\":1e308}", 1);
    /* within one request, on a group the delta does not hold yet */
    expect_overflow(st, "{\"name\":\"c\",\"f\":-1e308}\n{\"name\":\"d\",\"f\":1}\n"
                        "{\"name\":\"c\",\"f\":-1e308}", 2);
    /* the same values in different groups are fine */
    feed_ok(st, "{\"name\":\"b\",\"f\":1e308}\n{\"name\":\"c\",\"f\":1e308}\n"
                "{\"name\":\"a\",\"f\":-1e308}\n{\"name\":\"a\",\"f\":1e308}");
    /* Infinity in, Infinity out, no error; NULLs skipped */
    feed_ok(st, "{\"name\":\"i\",\"f\":\"Infinity\"}\n{\"name\":\"i\",\"f\":1e308}\n"
                "{\"name\":\"i\"}\n{\"name\":\"i\",\"f\":1e308}");
    /* a NaN sum stays NaN; a request of small values only needs no
     * lookup (no sum can come near the limit) */
    feed_ok(st, "{\"name\":\"a\",\"f\":-1}\n{\"name\":\"b\",\"f\":2.5}\n"
                "{\"name\":\"n\",\"f\":\"NaN\"}\n{\"name\":\"n\",\"f\":1e308}\n"
                "{\"name\":\"n\",\"f\":1e308}");
    expect_overflow(st, "{\"name\":\"z\",\"f\":1e308}\n{\"name\":\"z\",\"f\":1e308}", 1);
    ck_assert_int_eq(sl_exec_ngroups(st), 5);
    sl_delta_t *d = sl_exec_detach(st);
    ck_assert_str_eq(find_row(d, "a"), "a|1e+308|1e+308|4");
    ck_assert_str_eq(find_row(d, "b"), "b|1e+308|1e+308|2");
    ck_assert_str_eq(find_row(d, "n"), "n|NaN|NaN|3");
    ck_assert_str_eq(find_row(d, "c"), "c|1e+308|1e+308|1");
    ck_assert_str_eq(find_row(d, "i"), "i|Infinity|Infinity|3");
    sl_delta_free(d);
    /* a fresh delta starts from zero (the stored sum is PostgreSQL's) */
    feed_ok(st, "{\"name\":\"a\",\"f\":1e308}");
    feed_ok(st, "{\"name\":\"q\",\"f\":1}\n{\"name\":\"q\",\"f\":2}");

    /* a global aggregate, and a WHERE: the failing row is the batch's */
    sl_expr_t *where = binop(SL_OP_GT, SL_T_BOOL, colref(1), const_int(SL_T_INT4, 0));
    sl_view_plan_t *g = make_plan(-1, where, 1, kinds, acols);
    sl_view_exec_t *gst = sl_exec_new(g);
    expect_overflow(gst, "{\"v\":1,\"f\":1.5e308}\n{\"v\":0,\"f\":1e308}\n"
                         "{\"v\":1,\"f\":1e307}\n{\"v\":1,\"f\":1e308}", 3);
    ck_assert_int_eq(sl_exec_ngroups(gst), 0);
    feed_ok(gst, "{\"v\":1,\"f\":1.5e308}\n{\"v\":0,\"f\":1e308}");
    expect_overflow(gst, "{\"v\":1,\"f\":1e308}", 0);
    d = sl_exec_detach(gst);
    ck_assert_str_eq(row(d, 0), "1.5e+308");
    sl_delta_free(d);
    sl_exec_free(gst);
    sl_exec_free(st);
}
END_TEST

/* sum(real) adds in single precision (float4pl): 3e38 + 3e38 overflows
 * and 16777216 + 1 stays 16777216; avg(real) sums in double precision
 * (float4_accum), where 3e38 + 3e38 is fine. */
START_TEST(test_float4_sum)
{
    int kinds[] = {SL_AGG_SUM, SL_AGG_AVG};
    int acols[] = {4, 4};
    sl_view_plan_t *p = make_plan(-1, NULL, 1, kinds, acols);
    sl_view_exec_t *st = sl_exec_new(p);
    feed_ok(st, "{\"r\":3e38}");
    expect_overflow(st, "{\"r\":3e38}", 0);
    sl_exec_free(st);

    p = make_plan(-1, NULL, 1, kinds + 1, acols + 1);
    st = sl_exec_new(p);
    feed_ok(st, "{\"r\":3e38}\n{\"r\":3e38}");
    sl_exec_free(st);

    p = make_plan(-1, NULL, 1, kinds, acols);
    st = sl_exec_new(p);
    feed_ok(st, "{\"r\":16777216}\n{\"r\":1}");
    sl_delta_t *d = sl_exec_detach(st);
    ck_assert_str_eq(row(d, 0), "16777216");
    sl_delta_free(d);
    sl_exec_free(st);
}
END_TEST

/* A request whose group key would not fit the state table's unique index
 * (2704-byte btree rows) is refused with 54000 at prepare; the sizes are
 * those PostgreSQL reports for incompressible text. */
START_TEST(test_group_key_too_long)
{
    int kinds[] = {SL_AGG_COUNT_STAR};
    int acols[] = {-1};
    sl_view_plan_t *p = make_plan(2, NULL, 1, kinds, acols);
    sl_view_exec_t *st = sl_exec_new(p);
    size_t big = 4000;
    size_t bsz = 2 * big + 100;
    char *body = malloc(bsz), *val = malloc(big + 1);
    for (size_t i = 0; i < big; i++)
        val[i] = (char)('a' + (i * 7 + i / 26) % 26);
    /* 8-byte header + 4-byte varlena header + 2692 = 2704: the largest */
    snprintf(body, bsz, "{\"name\":\"%.*s\"}", 2692, val);
    feed_ok(st, body);
    snprintf(body, bsz, "{\"name\":\"x\"}\n{\"name\":\"%.*s\"}", 2693, val);
    sl_error_t err;
    int bad;
    ck_assert_int_eq(feed_row(st, body, &bad, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "54000");
    ck_assert_str_eq(err.message, "group key too long for continuous view \"v\": column \"name\" "
                                  "holds 2693 bytes, which makes an index row of 2712 bytes in "
                                  "the view's state table, at most 2704 bytes");
    ck_assert_int_eq(bad, 1);
    ck_assert_int_eq(sl_exec_ngroups(st), 1);
    sl_exec_free(st);

    /* GROUP BY name, k: text, then int8 aligned to 8; a NULL adds a bitmap */
    p = make_plan(2, NULL, 1, kinds, acols);
    p->ngroup = 2;
    p->group = sl_alloc0(arena, sizeof(sl_group_key_t) * 2);
    p->group[0] = (sl_group_key_t){colref(2), "name", SL_T_TEXT, -1};
    p->group[1] = (sl_group_key_t){colref(0), "k", SL_T_INT8, -1};
    st = sl_exec_new(p);
    snprintf(body, bsz, "{\"name\":\"%.*s\",\"k\":1}\n{\"name\":\"%.*s\"}", 2684, val,
             2684, val);
    feed_ok(st, body);
    snprintf(body, bsz, "{\"name\":\"%.*s\",\"k\":1}", 2685, val);
    ck_assert_int_eq(feed_row(st, body, &bad, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "54000");
    snprintf(body, bsz, "{\"name\":\"%.*s\"}", 2685, val);
    ck_assert_int_eq(feed_row(st, body, &bad, &err), SL_ERR);
    ck_assert_int_eq(bad, 0);
    ck_assert_int_eq(sl_exec_ngroups(st), 2);
    sl_exec_free(st);

    /* GROUP BY name, name: two long texts, the second aligned to 4 */
    p = make_plan(2, NULL, 1, kinds, acols);
    p->ngroup = 2;
    p->group = sl_alloc0(arena, sizeof(sl_group_key_t) * 2);
    p->group[0] = (sl_group_key_t){colref(2), "name", SL_T_TEXT, -1};
    p->group[1] = (sl_group_key_t){colref(2), "name2", SL_T_TEXT, -1};
    st = sl_exec_new(p);
    snprintf(body, bsz, "{\"name\":\"%.*s\"}", 1344, val);
    feed_ok(st, body);
    snprintf(body, bsz, "{\"name\":\"%.*s\"}", 1345, val);
    ck_assert_int_eq(feed_row(st, body, &bad, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "54000");
    sl_exec_free(st);
    free(body);
    free(val);
}
END_TEST

START_TEST(test_detach_restore)
{
    int kinds[] = {SL_AGG_COUNT_STAR, SL_AGG_SUM, SL_AGG_MIN, SL_AGG_MAX, SL_AGG_AVG, SL_AGG_MIN};
    int acols[] = {-1, 1, 1, 2, 3, 3};
    sl_view_plan_t *p = make_plan(2, NULL, 6, kinds, acols);
    sl_view_exec_t *st = sl_exec_new(p);
    feed_ok(st, "{\"name\":\"x\",\"v\":5,\"f\":1}\n{\"name\":\"y\",\"v\":1}\n{\"v\":3}");
    sl_delta_t *d1 = sl_exec_detach(st);
    feed_ok(st, "{\"name\":\"x\",\"v\":-2,\"f\":2}\n{\"name\":\"z\",\"v\":4,\"f\":-1}\n{\"v\":1}");
    /* the flush of d1 failed: merge it back */
    sl_exec_restore(st, d1);
    ck_assert_int_eq(sl_exec_ngroups(st), 4);
    sl_delta_t *d = sl_exec_detach(st);
    ck_assert_str_eq(find_row(d, "x"), "x|2|3|-2|x|3|2|1");
    ck_assert_str_eq(find_row(d, "y"), "y|1|1|1|y|NULL|0|NULL");
    ck_assert_str_eq(find_row(d, "z"), "z|1|4|4|z|-1|1|-1");
    ck_assert_str_eq(find_row(d, "NULL"), "NULL|2|4|1|NULL|NULL|0|NULL");
    /* restoring into an empty state works too */
    sl_exec_restore(st, d);
    d = sl_exec_detach(st);
    ck_assert_int_eq(sl_delta_ngroups(d), 4);
    ck_assert_str_eq(find_row(d, "x"), "x|2|3|-2|x|3|2|1");
    sl_delta_free(d);
    sl_exec_restore(st, NULL);
    sl_exec_free(st);
}
END_TEST

/* Aggregate kind over arg [, arg2] [FILTER (WHERE filter)], typed by the
 * catalog (plan/agg.c). */
static void agg_resolved(sl_aggref_t *a, sl_aggkind_t kind, sl_expr_t *arg, sl_expr_t *arg2,
                         sl_expr_t *filter)
{
    sl_error_t err;
    memset(a, 0, sizeof(*a));
    ck_assert_int_eq(sl_agg_resolve(a, kind, arg ? arg->type : SL_T_UNKNOWN, -1, 1, &err),
                     SL_OK);
    a->arg = arg;
    a->arg2 = arg2;
    a->filter = filter;
}

/* name, count(*) FILTER (WHERE v > 0), sum(v) FILTER (WHERE v > 0),
 * bool_and(v > 0), bool_or(v > 0), bit_and(v), bit_or(k), var_pop(f),
 * var_samp(v), corr(f, f), sum(100 / v) FILTER (WHERE v <> 0) GROUP BY name */
static sl_view_plan_t *new_aggs_plan(void)
{
    sl_view_plan_t *p = make_plan(2, NULL, 0, NULL, NULL);
    sl_expr_t *pos = binop(SL_OP_GT, SL_T_BOOL, colref(1), const_int(SL_T_INT4, 0));
    sl_expr_t *nz = binop(SL_OP_NE, SL_T_BOOL, colref(1), const_int(SL_T_INT4, 0));
    p->naggs = 10;
    p->aggs = sl_alloc0(arena, sizeof(sl_aggref_t) * 10);
    agg_resolved(&p->aggs[0], SL_AGG_COUNT_STAR, NULL, NULL, pos);
    agg_resolved(&p->aggs[1], SL_AGG_SUM, colref(1), NULL, pos);
    agg_resolved(&p->aggs[2], SL_AGG_BOOL_AND, pos, NULL, NULL);
    agg_resolved(&p->aggs[3], SL_AGG_BOOL_OR, pos, NULL, NULL);
    agg_resolved(&p->aggs[4], SL_AGG_BIT_AND, colref(1), NULL, NULL);
    agg_resolved(&p->aggs[5], SL_AGG_BIT_OR, colref(0), NULL, NULL);
    agg_resolved(&p->aggs[6], SL_AGG_VAR_POP, colref(3), NULL, NULL);
    agg_resolved(&p->aggs[7], SL_AGG_VAR_SAMP, colref(1), NULL, NULL);
    agg_resolved(&p->aggs[8], SL_AGG_CORR, colref(3), colref(3), NULL);
    agg_resolved(&p->aggs[9], SL_AGG_SUM,
                 binop(SL_OP_DIV, SL_T_INT4, const_int(SL_T_INT4, 100), colref(1)), NULL, nz);
    return p;
}

START_TEST(test_filter_bool_bit_stat_states)
{
    sl_view_exec_t *st = sl_exec_new(new_aggs_plan());
    /* v = 0 would divide by zero in sum(100 / v): its FILTER keeps it out */
    feed_ok(st, "{\"name\":\"a\",\"v\":3,\"f\":1,\"k\":1}\n"
                "{\"name\":\"a\",\"v\":-1,\"f\":2,\"k\":2}\n"
                "{\"name\":\"a\",\"v\":0,\"f\":4,\"k\":4}\n"
                "{\"name\":\"a\"}\n"
                "{\"name\":\"b\"}\n");
    sl_delta_t *d = sl_exec_detach(st);
    /* name | count* | sum | bool_and | bool_or | bit_and | bit_or | var_pop: N Sx Sxx
     * | var_samp: n sx sxx | corr: N Sx Sxx Sy Syy Sxy | sum(100 / v) */
    ck_assert_int_eq(sl_delta_ncols(d), 1 + 6 + 3 + 3 + 6 + 1);
    ck_assert_str_eq(find_row(d, "a"), "a|1|3|false|true|0|7|3|7|4.666666666666667|3|2|10"
                                       "|3|7|4.666666666666666|7|4.666666666666666"
                                       "|4.666666666666666|-67");
    ck_assert_str_eq(find_row(d, "b"), "b|0|NULL|NULL|NULL|NULL|NULL|0|0|0|0|0|0"
                                       "|0|0|0|0|0|0|NULL");
    int tm;
    ck_assert_int_eq(sl_delta_coltype(d, 7, &tm), SL_T_FLOAT8);   /* var_pop(f) N */
    ck_assert_int_eq(sl_delta_coltype(d, 10, &tm), SL_T_INT8);    /* var_samp(v) n */
    ck_assert_int_eq(sl_delta_coltype(d, 11, &tm), SL_T_NUMERIC); /* ... sx */
    ck_assert_int_eq(sl_delta_coltype(d, 3, &tm), SL_T_BOOL);

    /* a failed flush merged back: states combine as PostgreSQL's combine
     * functions do */
    feed_ok(st, "{\"name\":\"a\",\"v\":5,\"f\":8,\"k\":8}\n"
                "{\"name\":\"b\",\"v\":-4,\"f\":-1,\"k\":-2}\n");
    sl_exec_restore(st, d);
    d = sl_exec_detach(st);
    /* f of a: 1 2 4 | 8: N 4, Sx 15, Sxx 4.666... + 3 * 1 * (7/3 - 8)^2 / 4 */
    ck_assert_str_eq(find_row(d, "a"), "a|2|8|false|true|0|15|4|15|28.75|4|7|35"
                                       "|4|15|28.75|15|28.75|28.75|-47");
    ck_assert_str_eq(find_row(d, "b"), "b|0|NULL|false|false|-4|-2|1|-1|0|1|-4|16"
                                       "|1|-1|0|-1|0|0|-25");
    sl_delta_free(d);
    sl_exec_free(st);
}
END_TEST

START_TEST(test_int_stat_wide_sums)
{
    /* var_pop(k): five times -2^63: the sum of squares is 5 * 2^126, past
     * 2^128 */
    sl_view_plan_t *p = make_plan(-1, NULL, 0, NULL, NULL);
    p->naggs = 1;
    p->aggs = sl_alloc0(arena, sizeof(sl_aggref_t));
    agg_resolved(&p->aggs[0], SL_AGG_VAR_POP, colref(0), NULL, NULL);
    sl_view_exec_t *st = sl_exec_new(p);
    feed_ok(st, "{\"k\":-9223372036854775808}\n{\"k\":-9223372036854775808}\n"
                "{\"k\":-9223372036854775808}\n{\"k\":-9223372036854775808}\n");
    sl_delta_t *d1 = sl_exec_detach(st);
    feed_ok(st, "{\"k\":-9223372036854775808}\n{\"k\":null}\n");
    sl_exec_restore(st, d1);
    sl_delta_t *d = sl_exec_detach(st);
    ck_assert_str_eq(row(d, 0), "5|-46116860184273879040|425352958651173079329218259289710264320");
    sl_delta_free(d);
    feed_ok(st, "{\"k\":9223372036854775807}\n{\"k\":0}\n{\"k\":-7}");
    d = sl_exec_detach(st);
    ck_assert_str_eq(row(d, 0), "3|9223372036854775800|85070591730234615847396907784232501298");
    sl_delta_free(d);
    sl_exec_free(st);
}
END_TEST

/* PostgreSQL's float8_accum / float8_regr_accum raise 22003 where finite
 * values make Sx, Sxx (or Sy, Syy, Sxy) infinite: refused at prepare, the
 * delta unchanged; Infinity inputs give NaN without error. */
START_TEST(test_float_stat_overflow)
{
    /* SELECT name, var_pop(f), corr(f, f) FROM s GROUP BY name */
    sl_view_plan_t *p = make_plan(2, NULL, 0, NULL, NULL);
    p->naggs = 2;
    p->aggs = sl_alloc0(arena, sizeof(sl_aggref_t) * 2);
    agg_resolved(&p->aggs[0], SL_AGG_VAR_POP, colref(3), NULL, NULL);
    agg_resolved(&p->aggs[1], SL_AGG_CORR, colref(3), colref(3), NULL);
    sl_view_exec_t *st = sl_exec_new(p);
    feed_ok(st, "{\"name\":\"a\",\"f\":1e200}\n{\"name\":\"b\",\"f\":1}\n");
    /* (-1e200 * 2 - 0)^2: Sxx overflows on the second value of group a */
    expect_overflow(st, "{\"name\":\"b\",\"f\":2}\n{\"name\":\"a\",\"f\":-1e200}\n", 1);
    /* within one request, from a new group */
    expect_overflow(st, "{\"name\":\"c\",\"f\":-1e300}\n{\"name\":\"c\",\"f\":1e300}\n", 1);
    /* infinite inputs are not an overflow */
    feed_ok(st, "{\"name\":\"d\",\"f\":\"Infinity\"}\n{\"name\":\"d\",\"f\":5}\n");
    sl_delta_t *d = sl_exec_detach(st);
    ck_assert_int_eq(sl_delta_ngroups(d), 3);   /* a, b, d: nothing of the refused */
    ck_assert_str_eq(find_row(d, "a"), "a|1|1e+200|0|1|1e+200|0|1e+200|0|0");
    ck_assert_str_eq(find_row(d, "b"), "b|1|1|0|1|1|0|1|0|0");
    ck_assert_str_eq(find_row(d, "d"), "d|2|Infinity|NaN|2|Infinity|NaN|Infinity|NaN|NaN");
    sl_delta_free(d);
    sl_exec_free(st);
}
END_TEST

START_TEST(test_distinct_sets)
{
    /* count(DISTINCT name), sum(DISTINCT v) GROUP BY k */
    sl_view_plan_t *p = make_plan(0, NULL, 0, NULL, NULL);
    p->naggs = 2;
    p->aggs = sl_alloc0(arena, sizeof(sl_aggref_t) * 2);
    p->aggs[0].distinct = p->aggs[1].distinct = true;
    sl_error_t err;
    ck_assert_int_eq(sl_agg_resolve(&p->aggs[0], SL_AGG_COUNT, SL_T_TEXT, -1, 1, &err), SL_OK);
    ck_assert_int_eq(sl_agg_resolve(&p->aggs[1], SL_AGG_SUM, SL_T_INT4, -1, 1, &err), SL_OK);
    p->aggs[0].arg = colref(2);
    p->aggs[1].arg = colref(1);
    sl_view_exec_t *st = sl_exec_new(p);
    sl_buf_t many = SL_BUF_INIT;
    for (int i = 0; i < 40; i++)   /* the set grows past its first capacity */
        sl_buf_printf(&many, "{\"k\":2,\"v\":%d,\"name\":\"n%d\"}\n", i % 20, i % 25);
    feed_ok(st, sl_buf_cstr(&many));
    sl_buf_free(&many);
    feed_ok(st, "{\"k\":1,\"v\":5,\"name\":\"a\\\"b,c\"}\n"
                "{\"k\":1,\"v\":5,\"name\":\"a\\\"b,c\"}\n{\"k\":1}\n{\"k\":3}\n");
    sl_delta_t *d1 = sl_exec_detach(st);
    ck_assert_str_eq(find_row(d1, "1"), "1|{\"a\\\"b,c\"}|{\"5\"}");
    ck_assert_str_eq(find_row(d1, "3"), "3|NULL|NULL");
    const char *r2 = find_row(d1, "2");
    int nq = 0;
    for (const char *c = r2; *c; c++)
        nq += *c == '"';
    ck_assert_int_eq(nq, 2 * (25 + 20));   /* 25 names, 20 values, each once */
    feed_ok(st, "{\"k\":1,\"v\":6,\"name\":\"a\\\"b,c\"}\n");
    sl_exec_restore(st, d1);
    sl_delta_t *d = sl_exec_detach(st);
    const char *r1 = find_row(d, "1");
    ck_assert(strcmp(r1, "1|{\"a\\\"b,c\"}|{\"6\",\"5\"}") == 0 ||
              strcmp(r1, "1|{\"a\\\"b,c\"}|{\"5\",\"6\"}") == 0);
    ck_assert_int_eq(sl_delta_coltype(d, 1, NULL), SL_T_TEXT);
    sl_delta_free(d);
    sl_exec_free(st);
}
END_TEST

START_TEST(test_string_agg_list)
{
    /* string_agg(name, ',') GROUP BY k: every value, in arrival order */
    sl_view_plan_t *p = make_plan(0, NULL, 0, NULL, NULL);
    p->naggs = 1;
    p->aggs = sl_alloc0(arena, sizeof(sl_aggref_t));
    sl_error_t err;
    ck_assert_int_eq(sl_agg_resolve(&p->aggs[0], SL_AGG_STRING_AGG, SL_T_TEXT, -1, 1, &err),
                     SL_OK);
    p->aggs[0].arg = colref(2);
    sl_view_exec_t *st = sl_exec_new(p);
    feed_ok(st, "{\"k\":1,\"name\":\"b\"}\n{\"k\":1,\"name\":\"a\"}\n{\"k\":1}\n"
                "{\"k\":1,\"name\":\"b\"}\n{\"k\":2}\n");
    sl_delta_t *d1 = sl_exec_detach(st);
    ck_assert_str_eq(find_row(d1, "1"), "1|{\"b\",\"a\",\"b\"}");
    ck_assert_str_eq(find_row(d1, "2"), "2|NULL");
    sl_buf_t many = SL_BUF_INIT;
    for (int i = 0; i < 20; i++)
        sl_buf_printf(&many, "{\"k\":1,\"name\":\"%c\"}\n", 'c' + i);
    feed_ok(st, sl_buf_cstr(&many));
    sl_buf_free(&many);
    sl_exec_restore(st, d1);   /* a failed flush: its values go first */
    sl_delta_t *d = sl_exec_detach(st);
    ck_assert_str_eq(find_row(d, "1"), "1|{\"b\",\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\","
                                       "\"h\",\"i\",\"j\",\"k\",\"l\",\"m\",\"n\",\"o\",\"p\","
                                       "\"q\",\"r\",\"s\",\"t\",\"u\",\"v\"}");
    sl_delta_free(d);
    sl_exec_free(st);
}
END_TEST

START_TEST(test_text_keys_survive_batch)
{
    int kinds[] = {SL_AGG_COUNT_STAR, SL_AGG_MAX};
    int acols[] = {-1, 2};
    sl_view_plan_t *p = make_plan(2, NULL, 2, kinds, acols);
    sl_view_exec_t *st = sl_exec_new(p);
    for (int round = 0; round < 3; round++) {
        sl_arena_t *a = sl_arena_new(NULL, "batch");
        char *body = sl_strdup(a, "{\"name\":\"hello\"}\n{\"name\":\"w\\u00f6rld\"}\n{\"name\":\"hello\"}");
        sl_error_t err;
        ck_assert_int_eq(feed(st, a, body, &err), SL_OK);
        memset(body, 'X', strlen(body)); /* the body and unescaped copies die */
        sl_arena_free(a);
    }
    sl_delta_t *d = sl_exec_detach(st);
    ck_assert_int_eq(sl_delta_ngroups(d), 2);
    ck_assert_str_eq(find_row(d, "hello"), "hello|6|hello");
    ck_assert_str_eq(find_row(d, "w\xc3\xb6rld"), "w\xc3\xb6rld|3|w\xc3\xb6rld");
    sl_delta_free(d);
    sl_exec_free(st);
}
END_TEST

/* A transform (SELECT name, v + 1 FROM s WHERE v > 0): a delta row per
 * passing event, in order, duplicates kept, text that outlives the batch,
 * long text not refused (no index), restore appends; a failed prepare
 * appends nothing. */
START_TEST(test_transform_rows)
{
    sl_view_plan_t *p = make_plan(-1, binop(SL_OP_GT, SL_T_BOOL, colref(1), const_int(SL_T_INT4, 0)),
                                  0, NULL, NULL);
    p->transform = true;
    p->ngroup = 2;
    p->group = sl_alloc0(arena, sizeof(sl_group_key_t) * 2);
    p->group[0] = (sl_group_key_t){colref(2), "name", SL_T_TEXT, -1};
    p->group[1] = (sl_group_key_t){binop(SL_OP_ADD, SL_T_INT4, colref(1), const_int(SL_T_INT4, 1)),
                                   "v1", SL_T_INT4, -1};
    sl_view_exec_t *st = sl_exec_new(p);
    sl_arena_t *a = sl_arena_new(NULL, "batch");
    char *body = sl_strdup(a, "{\"name\":\"x\",\"v\":5}\n{\"name\":\"y\",\"v\":0}\n"
                              "{\"v\":3}\n{\"name\":\"x\",\"v\":5}");
    sl_error_t err;
    ck_assert_int_eq(feed(st, a, body, &err), SL_OK);
    memset(body, 'X', strlen(body));
    sl_arena_free(a);
    ck_assert_int_eq(sl_exec_ngroups(st), 3);
    sl_delta_t *d1 = sl_exec_detach(st);
    ck_assert_int_eq(sl_delta_ncols(d1), 2);
    ck_assert_str_eq(row(d1, 0), "x|6");
    ck_assert_str_eq(row(d1, 1), "NULL|4");
    ck_assert_str_eq(row(d1, 2), "x|6");
    /* a long text value: stored as is (a transform's table has no index) */
    char big[3001];
    memset(big, 'a', 3000);
    big[3000] = '\0';
    char *lbody = sl_sprintf(arena, "{\"name\":\"%s\",\"v\":1}", big);
    feed_ok(st, lbody);
    /* overflow in the select list: the request fails, nothing appended */
    a = sl_arena_new(NULL, "batch");
    ck_assert_int_eq(feed(st, a, "{\"v\":1}\n{\"v\":2147483647}", &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "22003");
    sl_arena_free(a);
    ck_assert_int_eq(sl_exec_ngroups(st), 1);
    /* the flush of d1 failed: its rows go back */
    sl_exec_restore(st, d1);
    sl_delta_t *d = sl_exec_detach(st);
    ck_assert_int_eq(sl_delta_ngroups(d), 4);
    sl_buf_t v = SL_BUF_INIT;
    ck_assert(sl_delta_value(d, 0, 0, &v));
    ck_assert_int_eq(v.len, 3000);
    sl_buf_free(&v);
    ck_assert_str_eq(row(d, 1), "x|6");
    ck_assert_str_eq(row(d, 3), "x|6");
    ck_assert(sl_delta_memory(d) > 3000);
    sl_delta_free(d);
    sl_exec_free(st);
}
END_TEST

START_TEST(test_many_groups)
{
    int kinds[] = {SL_AGG_COUNT_STAR, SL_AGG_SUM};
    int acols[] = {-1, 1};
    sl_view_plan_t *p = make_plan(0, NULL, 2, kinds, acols);
    sl_view_exec_t *st = sl_exec_new(p);
    sl_buf_t body = SL_BUF_INIT;
    for (int i = 0; i < 20000; i++)
        sl_buf_printf(&body, "{\"k\":%d,\"v\":%d}\n", i % 5000, i);
    feed_ok(st, sl_buf_cstr(&body));
    ck_assert_int_eq(sl_exec_ngroups(st), 5000);
    sl_delta_t *d = sl_exec_detach(st);
    long long total = 0;
    for (int g = 0; g < sl_delta_ngroups(d); g++) {
        sl_buf_t v = SL_BUF_INIT;
        ck_assert(sl_delta_value(d, g, 1, &v));
        ck_assert_str_eq(sl_buf_cstr(&v), "4");
        sl_buf_reset(&v);
        sl_delta_value(d, g, 2, &v);
        total += atoll(sl_buf_cstr(&v));
        sl_buf_free(&v);
    }
    ck_assert_int_eq(total, 20000LL * 19999 / 2);
    ck_assert_str_eq(find_row(d, "17"), "17|4|30068"); /* 17+5017+10017+15017 */
    sl_delta_free(d);
    sl_buf_free(&body);
    sl_exec_free(st);
}
END_TEST

/* Prints events/s of prepare + apply for the benchmark's view
 * (SELECT k, count(*), sum(v) ... GROUP BY k, 1000 groups); asserts only
 * the result. */
START_TEST(test_throughput)
{
    sl_column_t kv[] = {{"k", SL_T_INT8, -1}, {"v", SL_T_INT8, -1}};
    stream.cols = kv;
    stream.ncols = 2;
    sl_column_t *save = cols;
    (void)save;
    int kinds[] = {SL_AGG_COUNT_STAR, SL_AGG_SUM};
    sl_view_plan_t *p = sl_alloc0(arena, sizeof(*p));
    p->stream = &stream;
    p->ngroup = 1;
    p->group = sl_alloc0(arena, sizeof(sl_group_key_t));
    sl_expr_t *k = sl_alloc0(arena, sizeof(*k)), *v = sl_alloc0(arena, sizeof(*v));
    k->kind = v->kind = SL_E_COLUMN;
    k->type = v->type = SL_T_INT8;
    v->colno = 1;
    p->group[0].expr = k;
    p->group[0].type = SL_T_INT8;
    p->naggs = 2;
    p->aggs = sl_alloc0(arena, sizeof(sl_aggref_t) * 2);
    p->aggs[0].kind = kinds[0];
    p->aggs[0].nstate = 1;
    p->aggs[0].state_type[0] = SL_T_INT8;
    p->aggs[1].kind = kinds[1];
    p->aggs[1].arg = v;
    p->aggs[1].argtype = SL_T_INT8;
    p->aggs[1].nstate = 1;
    p->aggs[1].state_type[0] = SL_T_NUMERIC;
    sl_view_exec_t *st = sl_exec_new(p);
    sl_buf_t body = SL_BUF_INIT;
    int n = 0;
    while (body.len < 64 * 1024 - 32) {
        sl_buf_printf(&body, "{\"k\":%d,\"v\":%d}\n", (n * 7919) % 1000, 456789);
        n++;
    }
    sl_arena_t *a = sl_arena_new(NULL, "batch");
    sl_batch_t *b;
    sl_ingest_error_t ie;
    ck_assert_int_eq(sl_ndjson_decode(&stream, body.data, body.len, a, &b, &ie), SL_OK);
    struct timespec t0, t1;
    int reps = 300;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < reps; i++) {
        sl_arena_t *s = sl_arena_new(NULL, "scratch");
        sl_exec_pending_t *pend;
        sl_error_t err;
        sl_error_clear(&err);
        ck_assert_int_eq(sl_exec_prepare(st, b, NULL, s, &pend, NULL, &err), SL_OK);
        sl_exec_apply(st, pend);
        sl_arena_free(s);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("exec prepare+apply: %.1f M events/s\n", (double)n * reps / secs / 1e6);
    ck_assert_int_eq(sl_exec_ngroups(st), 1000);
    sl_delta_t *d = sl_exec_detach(st);
    long long cnt = 0;
    for (int g = 0; g < sl_delta_ngroups(d); g++) {
        sl_buf_t val = SL_BUF_INIT;
        sl_delta_value(d, g, 1, &val);
        cnt += atoll(sl_buf_cstr(&val));
        sl_buf_free(&val);
    }
    ck_assert_int_eq(cnt, (long long)n * reps);
    sl_delta_free(d);
    sl_arena_free(a);
    sl_buf_free(&body);
    sl_exec_free(st);
}
END_TEST

static Suite *exec_suite(void)
{
    Suite *s = suite_create("exec");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_group_by_states);
    tcase_add_test(tc, test_int128_sum_and_global);
    tcase_add_test(tc, test_filter_and_prepare_failure);
    tcase_add_test(tc, test_output_check_and_error_row);
    tcase_add_test(tc, test_float_sum_overflow);
    tcase_add_test(tc, test_float4_sum);
    tcase_add_test(tc, test_group_key_too_long);
    tcase_add_test(tc, test_detach_restore);
    tcase_add_test(tc, test_filter_bool_bit_stat_states);
    tcase_add_test(tc, test_int_stat_wide_sums);
    tcase_add_test(tc, test_distinct_sets);
    tcase_add_test(tc, test_float_stat_overflow);
    tcase_add_test(tc, test_string_agg_list);
    tcase_add_test(tc, test_text_keys_survive_batch);
    tcase_add_test(tc, test_transform_rows);
    tcase_add_test(tc, test_many_groups);
    tcase_add_test(tc, test_throughput);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(exec_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
