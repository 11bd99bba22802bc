/*
 * agg.h: the aggregate catalog: what each aggregate returns, which state
 * columns it keeps in the view's table, how two states combine in SQL and
 * how the final value is computed from them.
 *
 * One place knows this; the analyzer resolves calls with it, the sink
 * builds DDL and upserts from it and the executor keeps matching states.
 *
 *   aggregate        arg types          state columns             result
 *   count(*)         -                  count bigint              bigint
 *   count(x)         any                count bigint              bigint
 *   sum(x)           int2, int4         sum bigint                bigint
 *   sum(x)           int8               sum numeric               numeric
 *   sum(x)           float4 / float8    sum real/double           real/double
 *   sum(x)           numeric            sum numeric               numeric
 *   min/max(x)       any ordered        value (arg type)          arg type
 *   avg(x)           int2/4/8           sum numeric, count bigint numeric
 *   avg(x)           float4 / float8    sum double, count bigint  double
 *   avg(x)           numeric            sum numeric, count bigint numeric
 *   bool_and/or(x)   boolean            value boolean             boolean
 *   bit_and/or(x)    int2, int4, int8   value (arg type)          arg type
 *   var_*, stddev_*  int2/4/8, numeric  n bigint, sx numeric,     numeric
 *                                       sxx numeric (exact sums)
 *   var_*, stddev_*  float4 / float8    n, sx, sxx double         double
 *                                       (PostgreSQL's float8_accum state)
 *   corr, covar_*,   float8, float8     n, sx, sxx, sy, syy, sxy  double
 *   regr_slope/_intercept (y, x)        double (float8_regr_accum's state)
 *
 *   string_agg(x, d) text, constant d   the values as an array's   text
 *   [ORDER BY x]                        text, in arrival order
 *   array_agg(x)     a scalar type      the values (NULLs too) as  x's array
 *                                       an array's text, arrival   type
 *                                       order
 *   jsonb_agg(x)     any but timestamps, likewise, NULLs included   jsonb
 *                    interval
 *   count/sum/avg    any (count),       the distinct values as an  as without
 *   (DISTINCT x)     as without         array's text, sorted       DISTINCT
 *
 * Every aggregate may carry a FILTER (WHERE ...): rows where it is not
 * true do not reach the aggregate (nor is its argument evaluated for them).
 * Float statistics combine and finish with PostgreSQL's own functions
 * (float8_combine, float8_var_pop, float8_regr_combine, float8_corr...),
 * so a state combined across flushes is PostgreSQL's parallel aggregate.
 */
#ifndef SL_AGG_H
#define SL_AGG_H

#include "plan/expr.h"
#include "util/buf.h"

typedef enum sl_aggkind {
    SL_AGG_COUNT_STAR,
    SL_AGG_COUNT,
    SL_AGG_SUM,
    SL_AGG_MIN,
    SL_AGG_MAX,
    SL_AGG_AVG,
    SL_AGG_BOOL_AND,         /* and every */
    SL_AGG_BOOL_OR,
    SL_AGG_BIT_AND,
    SL_AGG_BIT_OR,
    SL_AGG_VAR_POP,
    SL_AGG_VAR_SAMP,         /* and variance */
    SL_AGG_STDDEV_POP,
    SL_AGG_STDDEV_SAMP,      /* and stddev */
    SL_AGG_CORR,             /* the two-argument (y, x) ones from here */
    SL_AGG_COVAR_POP,
    SL_AGG_COVAR_SAMP,
    SL_AGG_REGR_SLOPE,
    SL_AGG_REGR_INTERCEPT,
    SL_AGG_STRING_AGG,       /* (text, constant delimiter) */
    SL_AGG_ARRAY_AGG,        /* (a scalar with an array type) */
    SL_AGG_JSONB_AGG         /* (any but timestamps, interval): NULLs kept */
} sl_aggkind_t;

#define SL_AGG_MAX_STATE_COLS 6

typedef struct sl_aggref {
    sl_aggkind_t kind;
    sl_expr_t *arg;          /* NULL for count(*); y of corr(y, x) ... */
    sl_expr_t *arg2;         /* x of the two-argument aggregates, or NULL */
    sl_expr_t *filter;       /* FILTER (WHERE filter), boolean, or NULL */
    const char *fname;       /* the name as written (stddev, every, ...) */
    bool distinct;           /* count/sum/avg(DISTINCT x): set before
                                sl_agg_resolve; min/max ignore it */
    int order;               /* string_agg(x, d ORDER BY x): 1, DESC: -1 */
    const char *delim_sql;   /* string_agg's delimiter as SQL ('a'::text) */
    sl_type_t argtype;
    int argtypmod;
    sl_type_t result_type;
    int nstate;              /* state columns in the view's table */
    sl_type_t state_type[SL_AGG_MAX_STATE_COLS];
    int location;
} sl_aggref_t;

/* Function name -> kind; returns -1 when name is not an aggregate. */
int sl_agg_lookup(const char *name);
/* Number of arguments the aggregate of this kind takes (0 for count(*)). */
int sl_agg_nargs(sl_aggkind_t kind);
/* Whether the statistics aggregate keeps PostgreSQL's float8 state
 * {N, Sx, Sxx[, Sy, Syy, Sxy]} (else exact integer sums). */
bool sl_agg_is_float_stat(const sl_aggref_t *ref);
/* Fills ref's types and state columns for kind over argtype; returns SL_ERR
 * with 42883 "function sum(text) does not exist" when the pair is not
 * supported, 0A000 for DISTINCT on other aggregates than count, sum, avg,
 * min and max. */
int sl_agg_resolve(sl_aggref_t *ref, sl_aggkind_t kind, sl_type_t argtype,
                   int argtypmod, int location, sl_error_t *err);
const char *sl_agg_name(sl_aggkind_t kind);

/* Name of state column j of aggregate number i in the view's table:
 * "_a<i>" or "_a<i>_sum" / "_a<i>_count" for avg, "_a<i>_n", "_a<i>_sx",
 * ... for the statistics. */
void sl_agg_state_colname(const sl_aggref_t *ref, int i, int j, sl_buf_t *b);
/* SQL combining the table's state column (qualified by `tbl`) with the
 * incoming one (qualified by `in`: EXCLUDED, or the delta's rows), e.g.
 * "coalesce(t._a1 + EXCLUDED._a1, t._a1, EXCLUDED._a1)". */
void sl_agg_combine_sql(const sl_aggref_t *ref, int i, int j, const char *tbl,
                        const char *in, sl_buf_t *b);
/* SQL combining state column j of aggregate i over many rows of the state
 * table, as an aggregate call over its unqualified columns (a sliding
 * window's steps, plan.h), giving the column's state: "sum(\"_a1\")::bigint",
 * "min(\"_a2\")", DISTINCT sets and string_agg's values concatenated
 * (sluice.array_cat_agg, sql/catalog.sql; the set keeps its duplicates,
 * which the final DISTINCT drops), float statistics by PostgreSQL's
 * float8_combine (sluice.float8_combine_agg).  Returns false (nothing
 * written) for an aggregate whose states do not combine so. */
bool sl_agg_window_sql(const sl_aggref_t *ref, int i, int j, sl_buf_t *b);
/* SQL of the final value from the state columns of aggregate i, columns
 * qualified by `tbl` (may be NULL), e.g. "(t._a1_sum / t._a1_count)". */
void sl_agg_final_sql(const sl_aggref_t *ref, int i, const char *tbl,
                      sl_buf_t *b);
/* Final value with no input rows at all (for a global aggregate over an
 * empty stream): "0" for counts, NULL otherwise. */
const char *sl_agg_empty_sql(const sl_aggref_t *ref);

#endif
