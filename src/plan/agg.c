/*
 * agg.c: the aggregate catalog (agg.h): result and state types of count,
 * sum, min, max and avg, their state column names, and the SQL that
 * combines two states (ON CONFLICT DO UPDATE) and computes final values.
 * Types follow PostgreSQL: sum(int2/int4) is bigint, sum(int8) numeric,
 * avg over integers numeric (int8_avg), avg over floats double precision.
 */
#include "plan/agg.h"

#include <string.h>

#include "util/error.h"

static const char *const agg_names[] = {
    [SL_AGG_COUNT_STAR] = "count", [SL_AGG_COUNT] = "count",
    [SL_AGG_SUM] = "sum",          [SL_AGG_MIN] = "min",
    [SL_AGG_MAX] = "max",          [SL_AGG_AVG] = "avg",
};

int sl_agg_lookup(const char *name)
{
    for (int k = SL_AGG_COUNT; k <= SL_AGG_AVG; k++)
        if (strcmp(agg_names[k], name) == 0)
            return k;
    return -1;
}

const char *sl_agg_name(sl_aggkind_t kind)
{
    return (kind >= SL_AGG_COUNT_STAR && kind <= SL_AGG_AVG) ? agg_names[kind] : "?";
}

static int no_function(sl_aggkind_t kind, sl_type_t argtype, int location,
                       sl_error_t *err)
{
    sl_error_set(err, SL_ERRCODE_UNDEFINED_FUNCTION, location,
                 "function %s(%s) does not exist", sl_agg_name(kind),
                 sl_type_name(argtype));
    sl_error_hint(err, "No function matches the given name and argument types. "
                       "You might need to add explicit type casts.");
    return SL_ERR;
}

/* Sluice has no exact numeric arithmetic yet: a double would differ from
 * PostgreSQL's result, so numeric arguments are refused with a way out. */
static int numeric_unsupported(sl_aggkind_t kind, int location, sl_error_t *err)
{
    sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, location,
                 "%s(numeric) is not supported in continuous views yet", sl_agg_name(kind));
    sl_error_hint(err, "Cast the argument to double precision, e.g. sum((x * 1.1)::float8), "
                       "or use integers.");
    return SL_ERR;
}

int sl_agg_resolve(sl_aggref_t *ref, sl_aggkind_t kind, sl_type_t argtype,
                   int argtypmod, int location, sl_error_t *err)
{
    sl_type_t result, state1 = SL_T_UNKNOWN;

    switch (kind) {
    case SL_AGG_COUNT_STAR:
        argtype = SL_T_UNKNOWN;
        argtypmod = -1;
        /* fall through */
    case SL_AGG_COUNT:
        result = SL_T_INT8;
        break;
    case SL_AGG_SUM:
    case SL_AGG_AVG:
        if (!sl_type_is_numeric(argtype))
            return no_function(kind, argtype, location, err);
        if (argtype == SL_T_NUMERIC)
            return numeric_unsupported(kind, location, err);
        if (kind == SL_AGG_AVG) {
            result = sl_type_is_integer(argtype) ? SL_T_NUMERIC : SL_T_FLOAT8;
            state1 = SL_T_INT8;
        } else if (argtype == SL_T_INT8) {
            result = SL_T_NUMERIC;
        } else {
            result = sl_type_is_integer(argtype) ? SL_T_INT8 : argtype;
        }
        break;
    case SL_AGG_MIN:
    case SL_AGG_MAX:
        if (argtype == SL_T_BOOL || argtype == SL_T_UNKNOWN)
            return no_function(kind, argtype, location, err);
        if (argtype == SL_T_NUMERIC)
            return numeric_unsupported(kind, location, err);
        result = argtype;
        break;
    default:
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, location,
                            "unknown aggregate kind %d", (int)kind);
    }
    ref->kind = kind;
    ref->argtype = argtype;
    ref->argtypmod = argtypmod;
    ref->result_type = result;
    ref->location = location;
    if (kind == SL_AGG_AVG) {
        ref->nstate = 2;
        ref->state_type[0] = result;   /* numeric for ints, float8 for floats */
        ref->state_type[1] = state1;
    } else {
        ref->nstate = 1;
        ref->state_type[0] = result;
        ref->state_type[1] = SL_T_UNKNOWN;
    }
    return SL_OK;
}

void sl_agg_state_colname(const sl_aggref_t *ref, int i, int j, sl_buf_t *b)
{
    if (ref->kind == SL_AGG_AVG)
        sl_buf_printf(b, "_a%d_%s", i, j == 0 ? "sum" : "count");
    else
        sl_buf_printf(b, "_a%d", i);
}

/* Appends tbl."<state column j of aggregate i>" (tbl may be NULL). */
static void put_col(const sl_aggref_t *ref, int i, int j, const char *tbl, sl_buf_t *b)
{
    sl_buf_t col = SL_BUF_INIT;

    sl_agg_state_colname(ref, i, j, &col);
    if (tbl) {
        sl_buf_puts(b, tbl);
        sl_buf_putc(b, '.');
    }
    sl_buf_put_ident(b, sl_buf_cstr(&col));
    sl_buf_free(&col);
}

void sl_agg_combine_sql(const sl_aggref_t *ref, int i, int j, const char *tbl,
                        const char *in, sl_buf_t *b)
{
    bool is_count = ref->kind == SL_AGG_COUNT_STAR || ref->kind == SL_AGG_COUNT ||
                    (ref->kind == SL_AGG_AVG && j == 1);

    if (is_count) {
        put_col(ref, i, j, tbl, b);
        sl_buf_puts(b, " + ");
        put_col(ref, i, j, in, b);
        return;
    }
    if (ref->kind == SL_AGG_MIN || ref->kind == SL_AGG_MAX) {
        /* LEAST / GREATEST ignore NULLs. */
        sl_buf_puts(b, ref->kind == SL_AGG_MIN ? "LEAST(" : "GREATEST(");
        put_col(ref, i, j, tbl, b);
        sl_buf_puts(b, ", ");
        put_col(ref, i, j, in, b);
        sl_buf_putc(b, ')');
        return;
    }
    /* Sums: NULL (no non-null input yet) on either side keeps the other. */
    sl_buf_puts(b, "coalesce(");
    put_col(ref, i, j, tbl, b);
    sl_buf_puts(b, " + ");
    put_col(ref, i, j, in, b);
    sl_buf_puts(b, ", ");
    put_col(ref, i, j, tbl, b);
    sl_buf_puts(b, ", ");
    put_col(ref, i, j, in, b);
    sl_buf_putc(b, ')');
}

void sl_agg_final_sql(const sl_aggref_t *ref, int i, const char *tbl, sl_buf_t *b)
{
    if (ref->kind != SL_AGG_AVG) {
        put_col(ref, i, 0, tbl, b);
        return;
    }
    sl_buf_putc(b, '(');
    put_col(ref, i, 0, tbl, b);
    if (sl_type_is_integer(ref->argtype))
        sl_buf_puts(b, "::numeric");
    sl_buf_puts(b, " / NULLIF(");
    put_col(ref, i, 1, tbl, b);
    sl_buf_puts(b, ", 0))");
}

const char *sl_agg_empty_sql(const sl_aggref_t *ref)
{
    return (ref->kind == SL_AGG_COUNT_STAR || ref->kind == SL_AGG_COUNT) ? "0" : "NULL";
}
