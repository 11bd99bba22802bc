/*
 * plan.h: the read-only plan of one continuous view.
 *
 * Built once by the analyzer/planner from CREATE CONTINUOUS VIEW and never
 * modified while it runs (execution state lives in exec/).  The pipeline for
 * an aggregate view is:  filter(where) -> project(group keys, agg args)
 * -> hash aggregate(aggs) -> flush to the view's table in PostgreSQL.
 *
 * In PostgreSQL a view v consists of
 *   - the state table  sluice_mrel."v"  with one column per group key
 *     (named as the key's output column) and the aggregates' state
 *     columns (agg.h), unique on the group keys (NULLS NOT DISTINCT);
 *     a view with no GROUP BY has one row and a constant key "_one";
 *   - the finalizing view  "v"  (in the schema the view was created in,
 *     "public" by default) that selects out_sql AS out_name from the table.
 *
 * A view with neither aggregate nor GROUP BY (a continuous transform,
 * `transform`) appends one row per event that passes WHERE: its table
 * sluice_mrel."v" is append-only, one column per output column, and the
 * pipeline is filter -> project(select list) -> append (op_hashagg.c's
 * delta with every row its own record).  Its group[] holds the select
 * list (colname = the output name), naggs is 0, and the finalizing view
 * selects the table's columns as they are.
 */
#ifndef SL_PLAN_H
#define SL_PLAN_H

#include "plan/agg.h"
#include "plan/expr.h"

#include <stdint.h>

typedef struct sl_stream sl_stream_t;

typedef struct sl_group_key {
    sl_expr_t *expr;        /* a column reference (or expression) */
    char *colname;          /* column name in the state table */
    sl_type_t type;
    int typmod;
} sl_group_key_t;

typedef struct sl_output_col {
    char *name;             /* output column name, as PostgreSQL names it */
    char *sql;              /* SQL over the state table's columns giving the
                               final value, e.g. "\"url\"" or
                               "(\"_a1_sum\" / NULLIF(\"_a1_count\", 0))" */
    sl_type_t type;
    sl_expr_t *check;       /* for an output column computed from group
                               keys alone (no aggregate), e.g. k + 1000: the
                               same expression over the stream's columns,
                               evaluated per event at ingest so that an
                               error (overflow ...) rejects the request
                               instead of breaking reads of the view; NULL
                               when there is nothing to check */
} sl_output_col_t;

/*
 * WITH (sw = '5 minutes' [, step_factor = 5]): a sliding window on arrival
 * time.  The last group key (colname "_step", timestamptz) is the arrival
 * time of the event's request truncated to the step (SL_F_ARRIVAL_STEP), so
 * the state table keeps one row per group and step; the finalizing view
 * combines the rows of the steps with "_step" > now() - sw (sl_agg_window_sql)
 * and groups them by the other keys (a transform's rows are filtered alone).
 * Expired steps are deleted in the background (server/expire.c).
 *
 * WITH (ttl = '1 day', ttl_column = 'c'): rows whose output column c (a
 * timestamp or timestamptz) is older than now() - ttl are deleted in the
 * background.
 */
typedef struct sl_view_time {
    int64_t sw_us;          /* window in microseconds, 0 = no sliding window */
    int64_t step_us;        /* sw * step_factor / 100 */
    int step_factor;        /* percent of sw, 1..50 */
    char *sw_sql;           /* the window as SQL: '00:05:00'::interval */
    char *step_sql;         /* the step likewise */
    int64_t ttl_us;         /* 0 = no TTL */
    char *ttl_sql;          /* ttl as SQL: '1 day'::interval */
    char *ttl_column;       /* the output column's name */
    char *ttl_expr;         /* SQL over the state table giving its value */
    char *ttl_cutoff;       /* SQL of the oldest value kept: now() - ttl (for
                               a timestamp: in UTC) */
    char *ttl_index;        /* state table column to index, or NULL */
} sl_view_time_t;

typedef struct sl_view_plan {
    char *name;             /* view name (folded / as quoted) */
    char *schema;           /* schema of the finalizing view, "public" */
    const sl_stream_t *stream;
    sl_expr_t *where;       /* NULL = every row */
    sl_expr_t **quals;      /* where as run: its conjuncts, cheapest first */
    int nquals;             /* (sl_plan_set_quals, quals.c) */
    int ngroup;
    sl_group_key_t *group;
    int naggs;
    sl_aggref_t *aggs;
    int nout;
    sl_output_col_t *out;
    char *having_sql;       /* HAVING as SQL over the state table, or NULL */
    bool transform;         /* no aggregate, no GROUP BY: rows appended */
    sl_view_time_t time;    /* sliding window and TTL (WITH options) */
} sl_view_plan_t;

/* Sets p->quals / p->nquals from p->where (allocated from a): the
 * conjuncts of its top-level AND in PostgreSQL's order of evaluation. */
void sl_plan_set_quals(sl_view_plan_t *p, sl_arena_t *a);

#endif
