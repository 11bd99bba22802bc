/*
 * analyze_datetime.c: typing of date, time and uuid in expressions, as
 * PostgreSQL 15's operators and casts are declared.
 *
 *   sl__datetime_castable   the casts among date, time, uuid, text and the
 *                           timestamps (date <-> timestamp[tz],
 *                           timestamp[tz] -> time)
 *   sl__date_arith          date + integer, integer + date, date - integer
 *                           (date); date - date (integer); date + time,
 *                           time + date (timestamp); date +/- interval
 *                           (timestamp); time +/- interval (time); time -
 *                           time (interval)
 *   sl__datetime_compare    the common type of a comparison of a date with
 *                           a timestamp (timestamp) or timestamptz
 *
 * The executor (exec/func_time.c) looks at the argument types the nodes
 * built here carry.
 */
#include "sql/analyze_int.h"

static bool is_ts(sl_type_t t)
{
    return t == SL_T_TIMESTAMP || t == SL_T_TIMESTAMPTZ;
}

bool sl__datetime_castable(sl_type_t from, sl_type_t to)
{
    if (from == SL_T_DATE && is_ts(to))
        return true;
    if (is_ts(from) && (to == SL_T_DATE || to == SL_T_TIME))
        return true;
    return false;
}

bool sl__datetime_compare(sl_type_t lt, sl_type_t rt, sl_type_t *common)
{
    if (!((lt == SL_T_DATE && is_ts(rt)) || (rt == SL_T_DATE && is_ts(lt))))
        return false;
    *common = (lt == SL_T_TIMESTAMPTZ || rt == SL_T_TIMESTAMPTZ) ? SL_T_TIMESTAMPTZ
                                                                 : SL_T_TIMESTAMP;
    return true;
}

static bool int4ish(sl_type_t t)
{
    return t == SL_T_INT2 || t == SL_T_INT4;
}

static int not_unique(sl_actx_t *ctx, sl_op_t op, sl_type_t lt, sl_type_t rt, int location)
{
    sl_error_set(ctx->err, "42725", location, "operator is not unique: %s %s %s",
                 sl_type_name(lt), op == SL_OP_ADD ? "+" : "-", sl_type_name(rt));
    sl_error_hint(ctx->err, "Could not choose a best candidate operator. "
                            "You might need to add explicit type casts.");
    return SL_ERR;
}

int sl__date_arith(sl_actx_t *ctx, sl_op_t op, sl_expr_t **l, sl_expr_t **r,
                   sl_type_t *result, int location)
{
    sl_type_t lt = (*l)->type, rt = (*r)->type;
    bool lu = lt == SL_T_UNKNOWN, ru = rt == SL_T_UNKNOWN;
    if (op != SL_OP_ADD && op != SL_OP_SUB)
        return 0;
    bool ld = lt == SL_T_DATE, rd = rt == SL_T_DATE, ltm = lt == SL_T_TIME,
         rtm = rt == SL_T_TIME;
    if (!ld && !rd && !ltm && !rtm)
        return 0;
    sl_type_t want_l = lt, want_r = rt;
    if (ld && int4ish(rt)) {
        want_r = SL_T_INT4;
        *result = SL_T_DATE;
    } else if (rd && op == SL_OP_ADD && int4ish(lt)) {
        want_l = SL_T_INT4;
        *result = SL_T_DATE;
    } else if (ld && op == SL_OP_SUB && (rd || ru)) {
        want_r = SL_T_DATE;
        *result = SL_T_INT4;
    } else if (lu && rd && op == SL_OP_SUB) {
        want_l = SL_T_DATE;
        *result = SL_T_INT4;
    } else if (op == SL_OP_ADD && ((ld && rtm) || (ltm && rd))) {
        *result = SL_T_TIMESTAMP;
    } else if (ld && rt == SL_T_INTERVAL) {
        *result = SL_T_TIMESTAMP;
    } else if (rd && lt == SL_T_INTERVAL && op == SL_OP_ADD) {
        *result = SL_T_TIMESTAMP;
    } else if (ltm && rt == SL_T_INTERVAL) {
        *result = SL_T_TIME;
    } else if (rtm && lt == SL_T_INTERVAL && op == SL_OP_ADD) {
        *result = SL_T_TIME;
    } else if (op == SL_OP_SUB && ltm && (rtm || ru)) {
        want_r = SL_T_TIME;
        *result = SL_T_INTERVAL;
    } else if (op == SL_OP_SUB && lu && rtm) {
        want_l = SL_T_TIME;
        *result = SL_T_INTERVAL;
    } else if ((ld || ltm) && ru) {
        return not_unique(ctx, op, lt, rt, location);
    } else if ((rd || rtm) && lu) {
        return not_unique(ctx, op, lt, rt, location);
    } else {
        return 0;
    }
    if ((*l = sl__coerce(ctx, *l, want_l, -1)) == NULL ||
        (*r = sl__coerce(ctx, *r, want_r, -1)) == NULL)
        return SL_ERR;
    return 1;
}
