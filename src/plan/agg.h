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
 *   min/max(x)       any ordered        value (arg type)          arg type
 *   avg(x)           int2/4/8           sum numeric, count bigint numeric
 *   avg(x)           float4 / float8    sum double, count bigint  double
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
    SL_AGG_AVG
} sl_aggkind_t;

#define SL_AGG_MAX_STATE_COLS 2

typedef struct sl_aggref {
    sl_aggkind_t kind;
    sl_expr_t *arg;          /* NULL for count(*) */
    sl_type_t argtype;
    int argtypmod;
    sl_type_t result_type;
    int nstate;              /* state columns in the view's table */
    sl_type_t state_type[SL_AGG_MAX_STATE_COLS];
    int location;
} sl_aggref_t;

/* Function name -> kind; returns -1 when name is not an aggregate. */
int sl_agg_lookup(const char *name);
/* Fills ref's types and state columns for kind over argtype; returns SL_ERR
 * with 42883 "function sum(text) does not exist" when the pair is not
 * supported. */
int sl_agg_resolve(sl_aggref_t *ref, sl_aggkind_t kind, sl_type_t argtype,
                   int argtypmod, int location, sl_error_t *err);
const char *sl_agg_name(sl_aggkind_t kind);

/* Name of state column j of aggregate number i in the view's table:
 * "_a<i>" or "_a<i>_sum" / "_a<i>_count" for avg. */
void sl_agg_state_colname(const sl_aggref_t *ref, int i, int j, sl_buf_t *b);
/* SQL combining the table's state column (qualified by `tbl`) with the
 * incoming one (qualified by `in`: EXCLUDED, or the delta's rows), e.g.
 * "coalesce(t._a1 + EXCLUDED._a1, t._a1, EXCLUDED._a1)". */
void sl_agg_combine_sql(const sl_aggref_t *ref, int i, int j, const char *tbl,
                        const char *in, sl_buf_t *b);
/* SQL of the final value from the state columns of aggregate i, columns
 * qualified by `tbl` (may be NULL), e.g. "(t._a1_sum / t._a1_count)". */
void sl_agg_final_sql(const sl_aggref_t *ref, int i, const char *tbl,
                      sl_buf_t *b);
/* Final value with no input rows at all (for a global aggregate over an
 * empty stream): "0" for counts, NULL otherwise. */
const char *sl_agg_empty_sql(const sl_aggref_t *ref);

#endif
