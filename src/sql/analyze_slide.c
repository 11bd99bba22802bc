/*
 * analyze_slide.c: the time options of CREATE CONTINUOUS VIEW (plan.h's
 * sl_view_time_t): a sliding window on arrival time, WITH (sw = '5
 * minutes' [, step_factor = 5]), and row expiry, WITH (ttl = '1 day',
 * ttl_column = 'c').
 *
 * A sliding window appends the arrival step to the view's group keys (the
 * state table keeps a row per group and step) and refuses aggregates whose
 * states cannot be combined across steps (sl_agg_window_sql); the
 * finalizing view that combines the steps is written by sink/ddl.c.
 */
#include "sql/analyze_int.h"
#include "plan/func.h"
#include "sql/sql.h"
#include "util/interval.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_STEP_FACTOR 5     /* PipelineDB's sliding_window_step_factor */
#define STEP_COL "_step"

/* opt's value as an interval into *iv; 22007 ... (interval input) at the
 * value, or 22023 when it is not positive (or has months and !months_ok). */
static int option_interval(sl_actx_t *ctx, const sl_option_t *opt, bool months_ok,
                           sl_interval_t *iv)
{
    if (sl_interval_input(opt->value, (uint32_t)strlen(opt->value), iv, ctx->err) != SL_OK) {
        ctx->err->position = opt->value_location;
        return SL_ERR;
    }
    bool positive = iv->months > 0 || (iv->months == 0 &&
                    (iv->days > 0 || (iv->days == 0 && iv->us > 0)));
    if (positive && (months_ok || iv->months == 0) && iv->days >= 0 && iv->us >= 0)
        return SL_OK;
    sl_error_set(ctx->err, SL_ERRCODE_INVALID_PARAMETER, opt->value_location,
                 "invalid value for parameter \"%s\": \"%s\"", opt->name, opt->value);
    sl_error_detail(ctx->err, months_ok ? "It must be a positive interval."
                                        : "It must be a positive interval of days, hours, "
                                          "minutes or seconds (no months or years).");
    return SL_ERR;
}

/* '<text>'::interval, the option's text as written (PostgreSQL reads it as
 * sl_interval_input did). */
static char *interval_sql(sl_actx_t *ctx, const char *text)
{
    sl_buf_t b = SL_BUF_INIT;
    sl_buf_put_literal(&b, text, strlen(text));
    sl_buf_puts(&b, "::interval");
    char *s = sl_strdup(ctx->a, sl_buf_cstr(&b));
    sl_buf_free(&b);
    return s;
}

static int option_requires(sl_actx_t *ctx, const sl_option_t *opt, const char *other)
{
    return sl_error_set(ctx->err, SL_ERRCODE_INVALID_PARAMETER, opt->location,
                        "parameter \"%s\" requires parameter \"%s\"", opt->name, other);
}

static int sliding_window(sl_actx_t *ctx, const sl_option_t *sw, const sl_option_t *sf,
                          sl_view_plan_t *p)
{
    sl_view_time_t *t = &p->time;
    sl_interval_t iv;

    if (option_interval(ctx, sw, false, &iv) != SL_OK)
        return SL_ERR;
    t->sw_us = (int64_t)iv.days * 86400 * 1000000 + iv.us;
    t->step_factor = DEFAULT_STEP_FACTOR;
    if (sf) {
        char *end;
        errno = 0;
        long v = strtol(sf->value, &end, 10);
        if (end == sf->value || *end || errno)
            return sl_error_set(ctx->err, SL_ERRCODE_INVALID_PARAMETER, sf->value_location,
                                "invalid value for integer option \"step_factor\": %s",
                                sf->value);
        if (v < 1 || v > 50) {
            sl_error_set(ctx->err, SL_ERRCODE_INVALID_PARAMETER, sf->value_location,
                         "value %s out of bounds for option \"step_factor\"", sf->value);
            sl_error_detail(ctx->err, "Valid values are between \"1\" and \"50\".");
            return SL_ERR;
        }
        t->step_factor = (int)v;
    }
    t->step_us = t->sw_us / 100 * t->step_factor + t->sw_us % 100 * t->step_factor / 100;
    if (t->step_us < 1000)
        return sl_error_set(ctx->err, SL_ERRCODE_INVALID_PARAMETER, sw->value_location,
                            "sliding window step of %lld microseconds is too small",
                            (long long)t->step_us);
    t->sw_sql = interval_sql(ctx, sw->value);
    t->step_sql = sl_sprintf(ctx->a, "'%lld microseconds'::interval", (long long)t->step_us);

    /* Every aggregate's states must combine across steps. */
    sl_buf_t b = SL_BUF_INIT;
    for (int i = 0; i < p->naggs; i++)
        for (int j = 0; j < p->aggs[i].nstate; j++) {
            sl_buf_reset(&b);
            if (!sl_agg_window_sql(&p->aggs[i], i + 1, j, &b)) {
                sl_buf_free(&b);
                return sl_error_set(ctx->err, SL_ERRCODE_FEATURE_NOT_SUPPORTED,
                                    p->aggs[i].location,
                                    "%s is not supported in a sliding window",
                                    p->aggs[i].fname ? p->aggs[i].fname
                                                     : sl_agg_name(p->aggs[i].kind));
            }
        }
    sl_buf_free(&b);

    /* The arrival step: one more group key (a transform: one more column). */
    for (int g = 0; g < p->ngroup; g++)
        if (strcmp(p->group[g].colname, STEP_COL) == 0)
            return sl_error_set(ctx->err, SL_ERRCODE_DUPLICATE_COLUMN, 0,
                                "column \"%s\" specified more than once", STEP_COL);
    if (p->ngroup + 1 + ctx->nstate > SL_SQL_MAX_COLUMNS)
        return sl__too_many_columns(ctx, 0);
    sl_group_key_t *keys = sl_alloc0(ctx->a, sizeof(*keys) * (size_t)(p->ngroup + 1));
    if (p->ngroup)
        memcpy(keys, p->group, sizeof(*keys) * (size_t)p->ngroup);
    sl_expr_t *step = sl__mk(ctx, SL_E_CONST, SL_T_INT8, 0, 0);
    step->constval.v.i = t->step_us;
    sl_expr_t *e = sl__mk(ctx, SL_E_FUNC, SL_T_TIMESTAMPTZ, 0, 1);
    e->func = SL_F_ARRIVAL_STEP;
    e->args[0] = step;
    sl_group_key_t *k = &keys[p->ngroup];
    k->expr = e;
    k->colname = sl_strdup(ctx->a, STEP_COL);
    k->type = SL_T_TIMESTAMPTZ;
    k->typmod = -1;
    p->group = keys;
    p->ngroup++;
    return SL_OK;
}

static int ttl(sl_actx_t *ctx, const sl_option_t *ttl, const sl_option_t *col,
               sl_view_plan_t *p)
{
    sl_view_time_t *t = &p->time;
    sl_interval_t iv;

    if (option_interval(ctx, ttl, true, &iv) != SL_OK)
        return SL_ERR;
    t->ttl_us = (int64_t)iv.months * 30 * 86400 * 1000000 + (int64_t)iv.days * 86400 * 1000000 +
                iv.us;
    t->ttl_sql = interval_sql(ctx, ttl->value);
    const sl_output_col_t *o = NULL;
    for (int i = 0; i < p->nout && o == NULL; i++)
        if (strcmp(p->out[i].name, col->value) == 0)
            o = &p->out[i];
    if (o == NULL)
        return sl_error_set(ctx->err, SL_ERRCODE_UNDEFINED_COLUMN, col->value_location,
                            "column \"%s\" does not exist", col->value);
    if (o->type != SL_T_TIMESTAMPTZ && o->type != SL_T_TIMESTAMP) {
        sl_error_set(ctx->err, SL_ERRCODE_INVALID_PARAMETER, col->value_location,
                     "ttl_column \"%s\" must be of type timestamp or timestamp with time zone",
                     col->value);
        sl_error_detail(ctx->err, "Column \"%s\" is of type %s.", o->name,
                        sl_type_name(o->type));
        return SL_ERR;
    }
    t->ttl_column = o->name;
    t->ttl_expr = o->sql;
    /* Sluice's timestamps without time zone are UTC ones (date_trunc ...) */
    t->ttl_cutoff = sl_sprintf(ctx->a, o->type == SL_T_TIMESTAMP
                                           ? "(now() AT TIME ZONE 'UTC') - %s"
                                           : "now() - %s",
                               t->ttl_sql);
    /* A group key (or a transform's column) as it is: indexed, so that the
     * deletes find their rows without reading the table. */
    for (int g = 0; g < p->ngroup; g++) {
        sl_buf_t b = SL_BUF_INIT;
        sl_buf_put_ident(&b, p->group[g].colname);
        if (strcmp(sl_buf_cstr(&b), o->sql) == 0)
            t->ttl_index = p->group[g].colname;
        sl_buf_free(&b);
    }
    return SL_OK;
}

int sl__analyze_view_time(sl_actx_t *ctx, const sl_stmt_t *stmt, sl_view_plan_t *p)
{
    const sl_option_t *sw = sl_stmt_option(stmt, "sw");
    const sl_option_t *sf = sl_stmt_option(stmt, "step_factor");
    const sl_option_t *tt = sl_stmt_option(stmt, "ttl");
    const sl_option_t *tc = sl_stmt_option(stmt, "ttl_column");

    if (sf && !sw)
        return option_requires(ctx, sf, "sw");
    if (tt && !tc)
        return option_requires(ctx, tt, "ttl_column");
    if (tc && !tt)
        return option_requires(ctx, tc, "ttl");
    if (sw && tt) {
        sl_error_set(ctx->err, SL_ERRCODE_INVALID_PARAMETER, tt->location,
                     "parameters \"sw\" and \"ttl\" cannot be used together");
        sl_error_hint(ctx->err, "A sliding window removes its expired rows itself.");
        return SL_ERR;
    }
    /* TTL first: its column is an output column, before the step is added */
    if (tt && ttl(ctx, tt, tc, p) != SL_OK)
        return SL_ERR;
    if (sw && sliding_window(ctx, sw, sf, p) != SL_OK)
        return SL_ERR;
    return SL_OK;
}
