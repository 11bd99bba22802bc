/*
 * exec_int.h: what exec/'s files share: the chunk that flows between
 * operators and the operator interface.
 *
 * A view's pipeline is  filter -> project -> hashagg.  Each operator lives
 * in its own file (op_<name>.c), is created by its init function from the
 * read-only plan and is then driven only through its vtable:
 *   push   consumes a chunk (filter narrows the selection, project fills
 *          the chunk's columns, hashagg folds them into the delta);
 *   flush  hands over what the operator accumulated (hashagg: its delta,
 *          starting a fresh one) or NULL;
 *   end    frees the operator.
 * filter and project run in sl_exec_prepare and may fail; hashagg runs in
 * sl_exec_apply and never fails (its sl__hashagg_check runs in prepare).
 */
#ifndef SL_EXEC_INT_H
#define SL_EXEC_INT_H

#include "exec/exec.h"

/* Rows of one batch on their way through a view's operators.  All arrays
 * are allocated from scratch (or point into the batch). */
typedef struct sl__chunk {
    const sl_batch_t *batch;
    sl_arena_t *scratch;
    int nrows;            /* rows in the chunk */
    const int *sel;       /* batch row of chunk row i; NULL = row i itself */
    int ncols;            /* projected columns: group keys, then one per
                             aggregate (its argument; NULL for count(*)) */
    sl_datum_t **cols;    /* cols[c][i] for chunk row i; an aggregate with
                             FILTER has NULL where the filter is not true
                             (count(*): the filter's value itself) */
    sl_datum_t **args2;   /* per aggregate: its second argument (x of
                             corr(y, x) ...), jsonb_agg's FILTER values,
                             NULL for the others */
    int err_row;          /* batch row that failed in push, -1 = none */
    int nmatched;         /* rows that passed the filter (before a hop's
                             expansion) */
    const int64_t *win;   /* a windowed view: chunk row i's window start
                             (the window key's values), else NULL */
    int *late;            /* batch rows late for the view (op_window.c) */
    int nlate;
    const int64_t *wm;    /* per batch row: the stream's watermark, or NULL */
} sl__chunk_t;

typedef struct sl__sessions sl__sessions_t;
/* Session windows (op_window.c). */
sl__sessions_t *sl__sessions_new(const sl_view_plan_t *p);
void sl__sessions_free(sl__sessions_t *ss);
void sl__session_apply(sl__sessions_t *ss, sl__chunk_t *c);
void sl__sessions_sweep(sl__sessions_t *ss, int64_t wm);
void sl__sessions_add(sl__sessions_t *ss, const sl_datum_t *keys, int64_t start, int64_t end,
                      bool closed);
size_t sl__sessions_count(const sl__sessions_t *ss);
size_t sl__sessions_memory(const sl__sessions_t *ss);
sl_exec_renames_t *sl__sessions_take(sl__sessions_t *ss);
void sl__sessions_restore(sl__sessions_t *ss, sl_exec_renames_t *r);

typedef struct sl__op sl__op_t;

typedef struct sl__op_vt {
    const char *name;
    int (*push)(sl__op_t *op, sl__chunk_t *c, sl_error_t *err);
    sl_delta_t *(*flush)(sl__op_t *op);
    void (*end)(sl__op_t *op);
} sl__op_vt_t;

/* The common head of every operator's state. */
struct sl__op {
    const sl__op_vt_t *vt;
    const sl_view_plan_t *plan;
};

sl__op_t *sl__op_filter_init(const sl_view_plan_t *plan);
sl__op_t *sl__op_project_init(const sl_view_plan_t *plan);
sl__op_t *sl__op_hashagg_init(const sl_view_plan_t *plan);

/* Hash aggregate specifics (op_hashagg.c). */
int sl__hashagg_ngroups(const sl__op_t *op);
size_t sl__hashagg_memory(const sl__op_t *op);
/* Prepare-time check of what push would compute (float sums that
 * overflow); read-only; on error sets c->err_row. */
int sl__hashagg_check(sl__op_t *op, sl__chunk_t *c, sl_error_t *err);
/* Merges d into the operator's current delta and frees d. */
void sl__hashagg_merge(sl__op_t *op, sl_delta_t *d);

/* Evaluates built-in function e->func (func.c) on its evaluated arguments
 * (none NULL when the function is strict) into *out. */
/* Arrays (array_ops.c): x op ANY / ALL (array); the array functions
 * (arguments evaluated, as sl__func_eval's). */
int sl__eval_anyall(const sl_expr_t *e, const sl_batch_t *b, int r, sl_arena_t *scratch,
                    sl_datum_t *out, sl_error_t *err);
/* A non-NULL array x cast to e's array type: each element cast as
 * sl_expr_eval casts a value (an SL_E_CAST of a constant). */
int sl__array_cast(const sl_expr_t *e, const sl_datum_t *x, sl_arena_t *scratch,
                   sl_datum_t *out, sl_error_t *err);
int sl__array_func(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *scratch,
                   sl_datum_t *out, sl_error_t *err);
int sl__func_eval(const sl_expr_t *e, const sl_datum_t *args, sl_arena_t *scratch,
                  sl_datum_t *out, sl_error_t *err);

/* A windowed view's window step (op_window.c), after the filter: wm[r]
 * is the stream's watermark when batch row r is processed (NULL: the
 * stream has no event time, nothing is late). */
int sl__window_push(const sl_view_plan_t *p, sl__chunk_t *c, const int64_t *wm);

/* tumble, hop (the latest window's start) and window_end (op_window.c),
 * from the window the analyzer put in e->aux (plan/window.h). */
int sl__f_window(const sl_expr_t *e, const sl_datum_t *args, sl_arena_t *scratch,
                 sl_datum_t *out, sl_error_t *err);

/* Exact numeric (numeric_ops.c): + - * / % of two non-null numerics,
 * unary minus, casts where from or to is numeric (text aside), and the
 * functions sl__numeric_func_exact says it computes; results are text in
 * scratch. */
int sl__numeric_arith(sl_op_t op, const sl_datum_t *a, const sl_datum_t *b,
                      sl_arena_t *scratch, sl_datum_t *out, sl_error_t *err);
void sl__numeric_neg(const sl_datum_t *a, sl_arena_t *scratch, sl_datum_t *out);
int sl__numeric_cast(sl_type_t from, sl_type_t to, int typmod, const sl_datum_t *in,
                     sl_arena_t *scratch, sl_datum_t *out, sl_error_t *err);
bool sl__numeric_func_exact(int func);
/* eval: func.c's double version, for what numeric does not compute
 * exactly (power with an infinity, or of too many digits). */
int sl__numeric_func(const sl_expr_t *e, const sl_datum_t *args,
                     int (*eval)(const sl_expr_t *, const sl_datum_t *, sl_arena_t *,
                                 sl_datum_t *, sl_error_t *),
                     sl_arena_t *scratch, sl_datum_t *out, sl_error_t *err);
/* The other functions with numeric arguments or result: eval (func.c's
 * double implementation) on the arguments as doubles, the result back to
 * numeric. */
int sl__numeric_func_double(const sl_expr_t *e, const sl_datum_t *args,
                            int (*eval)(const sl_expr_t *, const sl_datum_t *, sl_arena_t *,
                                        sl_datum_t *, sl_error_t *),
                            sl_arena_t *scratch, sl_datum_t *out, sl_error_t *err);

/* Exact sums of numeric values (and of their squares) for sum, avg and
 * the statistics over numeric; allocated from a, released with it. */
typedef struct sl__numacc sl__numacc_t;
sl__numacc_t *sl__numacc_new(sl_arena_t *a);
void sl__numacc_add(sl__numacc_t *acc, const sl_datum_t *v, bool squares);
void sl__numacc_merge(sl__numacc_t *dst, const sl__numacc_t *src);
/* The sum (or the sum of squares) as numeric text, NaN and infinities as
 * PostgreSQL's numeric sum gives them. */
void sl__numacc_output(const sl__numacc_t *acc, bool squares, sl_buf_t *out);
/* func_time.c: the date/time functions from SL_F_EXTRACT_DATE on; + and -
 * on date and time (the analyzer's typing: sql/analyze_datetime.c); casts
 * among date, time and the timestamps. */
int sl__func_time_eval(const sl_expr_t *e, const sl_datum_t *args, sl_arena_t *scratch,
                       sl_datum_t *out, sl_error_t *err);
int sl__date_op(const sl_expr_t *e, const sl_datum_t *x, const sl_datum_t *y, sl_datum_t *out,
                sl_error_t *err);
int sl__date_cast(sl_type_t from, sl_type_t to, const sl_datum_t *in, sl_datum_t *out,
                  sl_error_t *err);

/* jsonb_ops.c: evaluators of the jsonb functions and operators (func.c's
 * table), and jsonb's casts to other types (expr.c). */
#define SL__JSONB_FN(name)                                                              \
    int name(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *scratch, sl_datum_t *out, \
             sl_error_t *err)
SL__JSONB_FN(sl__jsonb_typeof);
SL__JSONB_FN(sl__jsonb_array_length);
SL__JSONB_FN(sl__jsonb_to_jsonb);
SL__JSONB_FN(sl__jsonb_get);
void sl__jsonb_get_key(const sl_expr_t *e, const sl_datum_t *j, sl_arena_t *scratch,
                       sl_datum_t *out);
SL__JSONB_FN(sl__jsonb_path);
SL__JSONB_FN(sl__jsonb_exists);
SL__JSONB_FN(sl__jsonb_exists_list);
SL__JSONB_FN(sl__jsonb_contains);

#endif
