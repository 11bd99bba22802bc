/*
 * agg.c: the aggregate catalog (agg.h): result and state types of count,
 * sum, min, max, avg, bool_and/or, bit_and/or and the statistics
 * (var_*, stddev_*, corr, covar_*, regr_slope/_intercept), their state
 * column names, and the SQL that combines two states (ON CONFLICT DO
 * UPDATE) and computes final values.  Types follow PostgreSQL: sum(int2/
 * int4) is bigint, sum(int8) and sum(numeric) numeric, avg over integers
 * and numeric numeric (int8_avg, numeric_avg: sum / count by numeric's
 * "/"), avg over floats double precision, statistics of integers and
 * numeric numeric and of floats double precision.
 *
 * Statistics of floats keep PostgreSQL's float8_accum state and combine
 * and finish with PostgreSQL's own functions.  Statistics of integers and
 * numeric keep exact sums (n, sum x, sum x*x) and compute
 * numeric_stddev_internal's formula in SQL: (n * sxx - sx * sx) / (n * (n - 1)) (or n * n), 0 when
 * the numerator is not positive, where numeric's "/" picks the same scale
 * (select_div_scale) and rounds as PostgreSQL's aggregate does; stddev is
 * the square root correctly rounded to that scale, as sqrt_var rounds it.
 *
 * count, sum and avg (DISTINCT x) keep the set of distinct values: a text
 * column holding the array of them, sorted, as PostgreSQL writes it.  Two
 * sets combine by their sorted union (array_agg(DISTINCT ...)), so every
 * sluiced, flush and restart adds to the same set, and the final value is
 * PostgreSQL's own count / sum / avg over the set's elements in sorted
 * order, the order PostgreSQL's DISTINCT aggregate adds them in (so even a
 * float sum is the same).  Each flush rewrites the sets of the groups it
 * touches: the cost grows with the number of distinct values per group.
 * string_agg keeps every value the same way (unsorted, in the order they
 * were flushed) and PostgreSQL's string_agg joins them, sorted when the
 * call has ORDER BY its value; jsonb_agg too, with its NULLs, and
 * PostgreSQL's jsonb_agg builds the array.
 */
#include "plan/agg.h"

#include <string.h>

#include "util/array.h"
#include "util/error.h"

#define LAST_KIND SL_AGG_JSONB_AGG

static const char *const agg_names[] = {
    [SL_AGG_COUNT_STAR] = "count", [SL_AGG_COUNT] = "count",
    [SL_AGG_SUM] = "sum",          [SL_AGG_MIN] = "min",
    [SL_AGG_MAX] = "max",          [SL_AGG_AVG] = "avg",
    [SL_AGG_BOOL_AND] = "bool_and", [SL_AGG_BOOL_OR] = "bool_or",
    [SL_AGG_BIT_AND] = "bit_and",  [SL_AGG_BIT_OR] = "bit_or",
    [SL_AGG_VAR_POP] = "var_pop",  [SL_AGG_VAR_SAMP] = "var_samp",
    [SL_AGG_STDDEV_POP] = "stddev_pop", [SL_AGG_STDDEV_SAMP] = "stddev_samp",
    [SL_AGG_CORR] = "corr",        [SL_AGG_COVAR_POP] = "covar_pop",
    [SL_AGG_COVAR_SAMP] = "covar_samp", [SL_AGG_REGR_SLOPE] = "regr_slope",
    [SL_AGG_REGR_INTERCEPT] = "regr_intercept", [SL_AGG_STRING_AGG] = "string_agg",
    [SL_AGG_ARRAY_AGG] = "array_agg",
    [SL_AGG_JSONB_AGG] = "jsonb_agg",
};

/* PostgreSQL's final functions of the float statistics. */
static const char *const float_final[] = {
    [SL_AGG_VAR_POP] = "float8_var_pop",       [SL_AGG_VAR_SAMP] = "float8_var_samp",
    [SL_AGG_STDDEV_POP] = "float8_stddev_pop", [SL_AGG_STDDEV_SAMP] = "float8_stddev_samp",
    [SL_AGG_CORR] = "float8_corr",             [SL_AGG_COVAR_POP] = "float8_covar_pop",
    [SL_AGG_COVAR_SAMP] = "float8_covar_samp", [SL_AGG_REGR_SLOPE] = "float8_regr_slope",
    [SL_AGG_REGR_INTERCEPT] = "float8_regr_intercept",
};

static const char *const stat_cols[] = {"n", "sx", "sxx", "sy", "syy", "sxy"};

int sl_agg_lookup(const char *name)
{
    static const struct {
        const char *name;
        sl_aggkind_t kind;
    } aliases[] = {
        {"every", SL_AGG_BOOL_AND},
        {"variance", SL_AGG_VAR_SAMP},
        {"stddev", SL_AGG_STDDEV_SAMP},
    };
    for (int k = SL_AGG_COUNT; k <= LAST_KIND; k++)
        if (strcmp(agg_names[k], name) == 0)
            return k;
    for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
        if (strcmp(aliases[i].name, name) == 0)
            return aliases[i].kind;
    return -1;
}

const char *sl_agg_name(sl_aggkind_t kind)
{
    return (kind >= SL_AGG_COUNT_STAR && kind <= LAST_KIND) ? agg_names[kind] : "?";
}

int sl_agg_nargs(sl_aggkind_t kind)
{
    if (kind == SL_AGG_COUNT_STAR)
        return 0;
    return kind >= SL_AGG_CORR && kind <= SL_AGG_STRING_AGG ? 2 : 1;
}

static bool is_stat(sl_aggkind_t kind)
{
    return kind >= SL_AGG_VAR_POP && kind <= SL_AGG_REGR_INTERCEPT;
}

/* Statistics of integers and numeric keep exact sums (numeric states). */
static bool exact_stat(sl_type_t argtype)
{
    return sl_type_is_integer(argtype) || argtype == SL_T_NUMERIC;
}

bool sl_agg_is_float_stat(const sl_aggref_t *ref)
{
    return is_stat(ref->kind) && !exact_stat(ref->argtype);
}

static int no_function(sl_aggkind_t kind, const char *fname, sl_type_t argtype,
                       int location, sl_error_t *err)
{
    const char *t = sl_type_name(argtype);
    /* the two-argument ones: the analyzer cast both to float8 */
    sl_error_set(err, SL_ERRCODE_UNDEFINED_FUNCTION, location,
                 "function %s(%s%s%s) does not exist", fname ? fname : sl_agg_name(kind), t,
                 sl_agg_nargs(kind) == 2 ? ", " : "", sl_agg_nargs(kind) == 2 ? t : "");
    sl_error_hint(err, "No function matches the given name and argument types. "
                       "You might need to add explicit type casts.");
    return SL_ERR;
}

int sl_agg_resolve(sl_aggref_t *ref, sl_aggkind_t kind, sl_type_t argtype,
                   int argtypmod, int location, sl_error_t *err)
{
    sl_type_t result, state1 = SL_T_UNKNOWN;
    int nstate = 1;

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
        if (argtype == SL_T_INTERVAL) {   /* interval_pl; avg: the sum / count */
            result = argtype;
            state1 = SL_T_INT8;
            break;
        }
        if (!sl_type_is_numeric(argtype))
            return no_function(kind, ref->fname, argtype, location, err);
        if (kind == SL_AGG_AVG) {
            result = sl_type_is_integer(argtype) || argtype == SL_T_NUMERIC ? SL_T_NUMERIC
                                                                           : SL_T_FLOAT8;
            state1 = SL_T_INT8;
        } else if (argtype == SL_T_INT8) {
            result = SL_T_NUMERIC;
        } else {
            result = sl_type_is_integer(argtype) ? SL_T_INT8 : argtype;
        }
        break;
    case SL_AGG_MIN:
    case SL_AGG_MAX:
        if (argtype == SL_T_BOOL || argtype == SL_T_UNKNOWN || argtype == SL_T_JSONB ||
            argtype == SL_T_UUID)
            return no_function(kind, ref->fname, argtype, location, err);
        result = argtype;
        break;
    case SL_AGG_BOOL_AND:
    case SL_AGG_BOOL_OR:
        if (argtype != SL_T_BOOL)
            return no_function(kind, ref->fname, argtype, location, err);
        result = argtype;
        break;
    case SL_AGG_BIT_AND:
    case SL_AGG_BIT_OR:
        if (!sl_type_is_integer(argtype))
            return no_function(kind, ref->fname, argtype, location, err);
        result = argtype;
        break;
    case SL_AGG_VAR_POP:
    case SL_AGG_VAR_SAMP:
    case SL_AGG_STDDEV_POP:
    case SL_AGG_STDDEV_SAMP:
        if (!sl_type_is_numeric(argtype))
            return no_function(kind, ref->fname, argtype, location, err);
        result = exact_stat(argtype) ? SL_T_NUMERIC : SL_T_FLOAT8;
        nstate = 3;
        break;
    case SL_AGG_CORR:
    case SL_AGG_COVAR_POP:
    case SL_AGG_COVAR_SAMP:
    case SL_AGG_REGR_SLOPE:
    case SL_AGG_REGR_INTERCEPT:
        if (argtype != SL_T_FLOAT8)
            return no_function(kind, ref->fname, argtype, location, err);
        result = SL_T_FLOAT8;
        nstate = 6;
        break;
    case SL_AGG_STRING_AGG:
        if (argtype != SL_T_TEXT)
            return no_function(kind, ref->fname, argtype, location, err);
        result = SL_T_TEXT;
        break;
    case SL_AGG_ARRAY_AGG:
        result = sl_type_array_of(argtype);
        if (result == SL_T_UNKNOWN)
            return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, location,
                                "array_agg of type %s is not supported in continuous views yet",
                                sl_type_name(argtype));
        break;
    case SL_AGG_JSONB_AGG:
        if (argtype == SL_T_UNKNOWN)
            return sl_error_set(err, SL_ERRCODE_DATATYPE_MISMATCH, location,
                                "could not determine polymorphic type because input has type "
                                "unknown");
        result = SL_T_JSONB;   /* of every type: see sl_agg_final_sql */
        break;
    default:
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, location,
                            "unknown aggregate kind %d", (int)kind);
    }
    if (ref->distinct && (kind == SL_AGG_MIN || kind == SL_AGG_MAX))
        ref->distinct = false;   /* the same value either way */
    if (ref->distinct && kind != SL_AGG_COUNT && kind != SL_AGG_SUM && kind != SL_AGG_AVG)
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, location,
                            "%s(DISTINCT ...) is not supported in continuous views yet",
                            ref->fname ? ref->fname : sl_agg_name(kind));
    if (ref->distinct && sl_type_is_array(argtype))   /* the set is an array's text */
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, location,
                            "%s(DISTINCT ...) of an array is not supported in continuous views yet",
                            ref->fname ? ref->fname : sl_agg_name(kind));
    ref->kind = kind;
    ref->argtype = argtype;
    ref->argtypmod = argtypmod;
    ref->result_type = result;
    ref->location = location;
    for (int j = 0; j < SL_AGG_MAX_STATE_COLS; j++)
        ref->state_type[j] = SL_T_UNKNOWN;
    if (ref->distinct || kind == SL_AGG_STRING_AGG || kind == SL_AGG_ARRAY_AGG ||
        kind == SL_AGG_JSONB_AGG) {
        ref->nstate = 1;
        ref->state_type[0] = SL_T_TEXT;
    } else if (kind == SL_AGG_AVG) {
        ref->nstate = 2;
        ref->state_type[0] = result;   /* numeric for ints, float8 for floats */
        ref->state_type[1] = state1;
    } else if (is_stat(kind)) {
        /* n, sx, sxx[, sy, syy, sxy]: float8 as PostgreSQL's float8_accum
         * keeps them, or bigint and exact numeric sums for integers */
        ref->nstate = nstate;
        bool integer = exact_stat(argtype);
        for (int j = 0; j < nstate; j++)
            ref->state_type[j] = !integer ? SL_T_FLOAT8 : j == 0 ? SL_T_INT8 : SL_T_NUMERIC;
    } else {
        ref->nstate = 1;
        ref->state_type[0] = result;
    }
    return SL_OK;
}

void sl_agg_state_colname(const sl_aggref_t *ref, int i, int j, sl_buf_t *b)
{
    if (ref->kind == SL_AGG_AVG && !ref->distinct)
        sl_buf_printf(b, "_a%d_%s", i, j == 0 ? "sum" : "count");
    else if (is_stat(ref->kind))
        sl_buf_printf(b, "_a%d_%s", i, stat_cols[j]);
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

/* ARRAY[tbl."_a<i>_n", tbl."_a<i>_sx", ...]: PostgreSQL's state array. */
static void put_state_array(const sl_aggref_t *ref, int i, const char *tbl, sl_buf_t *b)
{
    sl_buf_puts(b, "ARRAY[");
    for (int j = 0; j < ref->nstate; j++) {
        if (j > 0)
            sl_buf_puts(b, ", ");
        put_col(ref, i, j, tbl, b);
    }
    sl_buf_putc(b, ']');
}

/* coalesce(tbl."_a<i>", '{}')::T[]: a DISTINCT aggregate's set, typed.
 * Timestamps (only counted) are kept as bigint microseconds, so that no
 * session's DateStyle or TimeZone enters the stored text. */
static void put_set(const sl_aggref_t *ref, int i, const char *tbl, sl_buf_t *b)
{
    char tbuf[64];
    sl_type_t t = ref->argtype == SL_T_UNKNOWN ? SL_T_TEXT : ref->argtype;
    if (t == SL_T_TIMESTAMPTZ || t == SL_T_TIMESTAMP)
        t = SL_T_INT8;
    if (ref->kind == SL_AGG_JSONB_AGG)   /* the values' text: cast in sl_agg_final_sql */
        t = SL_T_TEXT;
    sl_buf_puts(b, "coalesce(");
    put_col(ref, i, 0, tbl, b);
    sl_buf_printf(b, ", '{}')::%s[]", sl_type_sql(t, -1, tbuf, sizeof(tbuf)));
}

/* coalesce(tbl."_a<i>", '{}')::T[]: array_agg's values, typed (in text
 * form, timestamps with their offset, so no session setting enters). */
static void put_array(const sl_aggref_t *ref, int i, const char *tbl, sl_buf_t *b)
{
    char tbuf[64];
    sl_buf_puts(b, "coalesce(");
    put_col(ref, i, 0, tbl, b);
    sl_buf_printf(b, ", '{}')::%s", sl_type_sql(ref->result_type, -1, tbuf, sizeof(tbuf)));
}

/* The variance of integers from exact sums, as numeric_stddev_internal
 * computes it: NULL for n <= 0 (pop) or n <= 1 (samp), 0 when
 * n * sxx - sx * sx <= 0 (it is not negative for exact sums), else that
 * numerator divided by n * n or n * (n - 1) at numeric division's scale.
 * For stddev, the square root rounded to the scale of the variance
 * (sqrt_var at the division's rscale). */
static void put_int_stat_final(const sl_aggref_t *ref, int i, const char *tbl, sl_buf_t *b)
{
    bool samp = ref->kind == SL_AGG_VAR_SAMP || ref->kind == SL_AGG_STDDEV_SAMP;
    bool sd = ref->kind == SL_AGG_STDDEV_POP || ref->kind == SL_AGG_STDDEV_SAMP;
    sl_buf_t n = SL_BUF_INIT, num = SL_BUF_INIT, var = SL_BUF_INIT;

    put_col(ref, i, 0, tbl, &n);
    sl_buf_printf(&num, "(%s::numeric * ", sl_buf_cstr(&n));
    put_col(ref, i, 2, tbl, &num);
    sl_buf_puts(&num, " - ");
    put_col(ref, i, 1, tbl, &num);
    sl_buf_puts(&num, " * ");
    put_col(ref, i, 1, tbl, &num);
    sl_buf_putc(&num, ')');
    if (samp)
        sl_buf_printf(&var, "(%s / (%s::numeric * (%s - 1)))", sl_buf_cstr(&num),
                      sl_buf_cstr(&n), sl_buf_cstr(&n));
    else
        sl_buf_printf(&var, "(%s / (%s::numeric * %s))", sl_buf_cstr(&num),
                      sl_buf_cstr(&n), sl_buf_cstr(&n));
    sl_buf_printf(b, "(CASE WHEN %s <= %d THEN NULL ", sl_buf_cstr(&n), samp ? 1 : 0);
    if (ref->argtype == SL_T_NUMERIC)   /* NaN or infinite inputs: NaN */
        sl_buf_printf(b, "WHEN %s = 'NaN'::numeric THEN 'NaN'::numeric ", sl_buf_cstr(&num));
    sl_buf_printf(b, "WHEN %s <= 0 THEN 0::numeric ELSE ", sl_buf_cstr(&num));
    if (sd)
        /* sqrt_var rounds the root correctly at the variance's scale d;
         * round(sqrt(v), d) rounds twice (sqrt(v) has at least d digits),
         * so it may be one unit u = 10^-d off: corrected by comparing the
         * squares of c -/+ u/2 with v exactly (numeric products are). */
        sl_buf_printf(b, "(SELECT CASE WHEN z.c > 0 AND (z.c - z.h) * (z.c - z.h) > z.v "
                         "THEN round(z.c - z.h - z.h, z.d) "
                         "WHEN (z.c + z.h) * (z.c + z.h) <= z.v THEN round(z.c + z.h + z.h, z.d) "
                         "ELSE z.c END FROM (SELECT y.v, y.d, round(sqrt(y.v), y.d) AS c, "
                         "('5e-' || (y.d + 1))::numeric AS h FROM (SELECT %s AS v) AS x, "
                         "LATERAL (SELECT x.v, scale(x.v) AS d) AS y) AS z)",
                      sl_buf_cstr(&var));
    else
        sl_buf_puts(b, sl_buf_cstr(&var));
    sl_buf_puts(b, " END)");
    sl_buf_free(&n);
    sl_buf_free(&num);
    sl_buf_free(&var);
}

void sl_agg_combine_sql(const sl_aggref_t *ref, int i, int j, const char *tbl,
                        const char *in, sl_buf_t *b)
{
    bool is_count = !ref->distinct &&
                    (ref->kind == SL_AGG_COUNT_STAR || ref->kind == SL_AGG_COUNT ||
                     (ref->kind == SL_AGG_AVG && j == 1));

    if (is_count) {
        put_col(ref, i, j, tbl, b);
        sl_buf_puts(b, " + ");
        put_col(ref, i, j, in, b);
        return;
    }
    if (ref->kind == SL_AGG_ARRAY_AGG) {
        /* (coalesce(t.a, '{}')::T[] || coalesce(in.a, '{}')::T[])::text:
         * PostgreSQL's combine of array_agg states is concatenation */
        sl_buf_putc(b, '(');
        put_array(ref, i, tbl, b);
        sl_buf_puts(b, " || ");
        put_array(ref, i, in, b);
        sl_buf_puts(b, ")::text");
        return;
    }
    if (ref->kind == SL_AGG_STRING_AGG || ref->kind == SL_AGG_JSONB_AGG) {
        /* (coalesce(t.a, '{}')::text[] || coalesce(in.a, '{}')::text[])::text:
         * the table's values, then the incoming ones */
        sl_buf_putc(b, '(');
        put_set(ref, i, tbl, b);
        sl_buf_puts(b, " || ");
        put_set(ref, i, in, b);
        sl_buf_puts(b, ")::text");
        return;
    }
    if (ref->distinct) {
        /* (SELECT array_agg(DISTINCT e ORDER BY e)::text FROM
         *  unnest(coalesce(t.a, '{}')::T[] || coalesce(in.a, '{}')::T[]) AS e) */
        sl_buf_puts(b, "(SELECT array_agg(DISTINCT e ORDER BY e)::text FROM unnest(");
        put_set(ref, i, tbl, b);
        sl_buf_puts(b, " || ");
        put_set(ref, i, in, b);
        sl_buf_puts(b, ") AS e)");
        return;
    }
    if (sl_agg_is_float_stat(ref)) {
        /* (float8_combine(ARRAY[t.n, t.sx, t.sxx], ARRAY[in.n, ...]))[j + 1] */
        sl_buf_puts(b, ref->nstate == 3 ? "(pg_catalog.float8_combine("
                                        : "(pg_catalog.float8_regr_combine(");
        put_state_array(ref, i, tbl, b);
        sl_buf_puts(b, ", ");
        put_state_array(ref, i, in, b);
        sl_buf_printf(b, "))[%d]", j + 1);
        return;
    }
    if ((ref->kind == SL_AGG_MIN || ref->kind == SL_AGG_MAX) && ref->argtype == SL_T_NUMERIC) {
        /* 1.0 and 1.00 tie: PostgreSQL's numeric_smaller / _larger keep
         * the later value (the incoming one), LEAST would keep the first:
         * CASE WHEN t.a < in.a THEN t.a ELSE coalesce(in.a, t.a) END */
        sl_buf_puts(b, "(CASE WHEN ");
        put_col(ref, i, j, tbl, b);
        sl_buf_puts(b, ref->kind == SL_AGG_MIN ? " < " : " > ");
        put_col(ref, i, j, in, b);
        sl_buf_puts(b, " THEN ");
        put_col(ref, i, j, tbl, b);
        sl_buf_puts(b, " ELSE coalesce(");
        put_col(ref, i, j, in, b);
        sl_buf_puts(b, ", ");
        put_col(ref, i, j, tbl, b);
        sl_buf_puts(b, ") END)");
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
    /* Sums, and/or: NULL (no non-null input yet) on either side keeps the
     * other. */
    static const char *const ops[] = {
        [SL_AGG_BOOL_AND] = " AND ", [SL_AGG_BOOL_OR] = " OR ",
        [SL_AGG_BIT_AND] = " & ",    [SL_AGG_BIT_OR] = " | ",
    };
    sl_buf_puts(b, "coalesce(");
    put_col(ref, i, j, tbl, b);
    sl_buf_puts(b, ref->kind >= SL_AGG_BOOL_AND && ref->kind <= SL_AGG_BIT_OR ? ops[ref->kind]
                                                                           : " + ");
    put_col(ref, i, j, in, b);
    sl_buf_puts(b, ", ");
    put_col(ref, i, j, tbl, b);
    sl_buf_puts(b, ", ");
    put_col(ref, i, j, in, b);
    sl_buf_putc(b, ')');
}

bool sl_agg_window_sql(const sl_aggref_t *ref, int i, int j, sl_buf_t *b)
{
    bool is_count = !ref->distinct &&
                    (ref->kind == SL_AGG_COUNT_STAR || ref->kind == SL_AGG_COUNT ||
                     (ref->kind == SL_AGG_AVG && j == 1) ||
                     (is_stat(ref->kind) && j == 0 && !sl_agg_is_float_stat(ref)));

    if (is_count || (ref->kind == SL_AGG_SUM && !ref->distinct &&
                     ref->state_type[0] == SL_T_INT8)) {
        /* sum(bigint) is numeric: back to the state's bigint */
        sl_buf_puts(b, "sum(");
        put_col(ref, i, j, NULL, b);
        sl_buf_puts(b, ")::bigint");
        return true;
    }
    if (ref->kind == SL_AGG_ARRAY_AGG) {
        /* array_agg's values in the order they were flushed (T[]: the
         * final NULLIF(..., '{}')::T[] takes it as it takes the text) */
        sl_buf_puts(b, "sluice.array_cat_agg(");
        put_array(ref, i, NULL, b);
        sl_buf_puts(b, " ORDER BY \"_step\")");
        return true;
    }
    if (ref->distinct || ref->kind == SL_AGG_STRING_AGG || ref->kind == SL_AGG_JSONB_AGG) {
        sl_buf_puts(b, "sluice.array_cat_agg(");
        put_set(ref, i, NULL, b);
        /* string_agg's and jsonb_agg's values in the order they were flushed */
        sl_buf_puts(b, ref->distinct ? ")" : " ORDER BY \"_step\")");
        return true;
    }
    if (sl_agg_is_float_stat(ref)) {
        sl_buf_puts(b, ref->nstate == 3 ? "(sluice.float8_combine_agg("
                                        : "(sluice.float8_regr_combine_agg(");
        put_state_array(ref, i, NULL, b);
        sl_buf_printf(b, "))[%d]", j + 1);
        return true;
    }
    static const char *const fn[] = {
        [SL_AGG_SUM] = "sum",           [SL_AGG_AVG] = "sum",
        [SL_AGG_MIN] = "min",           [SL_AGG_MAX] = "max",
        [SL_AGG_BOOL_AND] = "bool_and", [SL_AGG_BOOL_OR] = "bool_or",
        [SL_AGG_BIT_AND] = "bit_and",   [SL_AGG_BIT_OR] = "bit_or",
        [SL_AGG_VAR_POP] = "sum",       [SL_AGG_VAR_SAMP] = "sum",
        [SL_AGG_STDDEV_POP] = "sum",    [SL_AGG_STDDEV_SAMP] = "sum",
    };
    if ((size_t)ref->kind >= sizeof(fn) / sizeof(fn[0]) || fn[ref->kind] == NULL)
        return false;
    /* sums of numeric, real and double precision keep their type */
    sl_buf_printf(b, "%s(", fn[ref->kind]);
    put_col(ref, i, j, NULL, b);
    sl_buf_putc(b, ')');
    return true;
}

void sl_agg_final_sql(const sl_aggref_t *ref, int i, const char *tbl, sl_buf_t *b)
{
    if (ref->kind == SL_AGG_ARRAY_AGG) {
        /* NULLIF(t.a, '{}')::T[]: no value (all filtered out) is NULL */
        char tbuf[64];
        sl_buf_puts(b, "NULLIF(");
        put_col(ref, i, 0, tbl, b);
        sl_buf_printf(b, ", '{}')::%s", sl_type_sql(ref->result_type, -1, tbuf, sizeof(tbuf)));
        return;
    }
    if (ref->kind == SL_AGG_JSONB_AGG) {
        /* PostgreSQL's jsonb_agg over the values in their order, each
         * value's text cast back to its type: PostgreSQL's to_jsonb of
         * every type (timestamps as ISO 8601 in the reader's TimeZone,
         * numeric as a number, arrays by their element type's), NULL as
         * null, NULL for no value.  The one place a type meets its JSON. */
        char tbuf[64];
        sl_type_t t = ref->argtype == SL_T_UNKNOWN ? SL_T_TEXT : ref->argtype;
        sl_buf_printf(b, "(SELECT jsonb_agg(e::%s ORDER BY o) FROM unnest(",
                      sl_type_sql(t, -1, tbuf, sizeof(tbuf)));
        put_set(ref, i, tbl, b);
        sl_buf_puts(b, ") WITH ORDINALITY AS u(e, o))");
        return;
    }
    if (ref->kind == SL_AGG_STRING_AGG) {
        sl_buf_printf(b, "(SELECT string_agg(e, %s%s) FROM unnest(",
                      ref->delim_sql ? ref->delim_sql : "NULL::text",
                      ref->order > 0 ? " ORDER BY e" : ref->order < 0 ? " ORDER BY e DESC" : "");
        put_set(ref, i, tbl, b);
        sl_buf_puts(b, ") AS e)");
        return;
    }
    if (ref->distinct) {
        /* PostgreSQL's own count / sum / avg (DISTINCT) over the set: its
         * equality decides (a set inserted as sluiced built it may hold
         * values that only PostgreSQL finds equal) */
        sl_buf_printf(b, "(SELECT %s(DISTINCT e) FROM unnest(",
                      ref->kind == SL_AGG_COUNT ? "count" : ref->kind == SL_AGG_SUM ? "sum" : "avg");
        put_set(ref, i, tbl, b);
        sl_buf_puts(b, ") AS e)");
        return;
    }
    if (sl_agg_is_float_stat(ref)) {
        /* A global view's missing row gives NULL states: no array then. */
        sl_buf_puts(b, "(CASE WHEN ");
        put_col(ref, i, 0, tbl, b);
        sl_buf_printf(b, " IS NOT NULL THEN pg_catalog.%s(", float_final[ref->kind]);
        put_state_array(ref, i, tbl, b);
        sl_buf_puts(b, ") END)");
        return;
    }
    if (is_stat(ref->kind)) {
        put_int_stat_final(ref, i, tbl, b);
        return;
    }
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
