/*
 * analyze_int.h: private interface between the analyzer's files.
 *
 *   analyze.c       sl_analyze_stream / sl_analyze_view: clauses, grouping,
 *                   output columns
 *   analyze_expr.c  AST expression -> typed sl_expr_t (names, PostgreSQL
 *                   typing and coercion, aggregate calls)
 *   analyze_func.c  CASE, IN, BETWEEN, LIKE, regular expressions, ...,
 *                   built-in function calls (plan/func.h)
 *   deparse.c       typed expressions -> SQL over the view's state table
 *
 * While a view is analyzed, select-list and HAVING expressions also hold two
 * kinds that never reach a plan: SL__E_AGGREF (colno = index in
 * plan->aggs) and SL__E_GROUPREF (colno = index in plan->group).
 */
#ifndef SL_ANALYZE_INT_H
#define SL_ANALYZE_INT_H

#include <stdint.h>

#include "catalog/catalog.h"
#include "sql/ast.h"
#include "util/buf.h"

#define SL__E_AGGREF ((sl_expr_kind_t)100)
#define SL__E_GROUPREF ((sl_expr_kind_t)101)

/* Where an expression appears: decides whether aggregates are allowed. */
typedef enum sl_exprctx {
    SL_CTX_WHERE,
    SL_CTX_GROUP,
    SL_CTX_AGGARG,
    SL_CTX_FILTER,      /* an aggregate's FILTER (WHERE ...) */
    SL_CTX_TARGET,
    SL_CTX_HAVING
} sl_exprctx_t;

/*
 * An index from 32-bit hashes to small ints (open addressing in the
 * analyzer's arena): finds group keys, aggregate calls, output names and
 * stream columns in O(1) instead of scanning every earlier one, so that
 * analysis time stays linear in the statement's size.
 */
typedef struct sl__hindex {
    int n, cap;            /* cap: a power of two, 0 before the first add */
    uint32_t *hash;
    int *id;               /* -1 = empty slot */
} sl__hindex_t;

void sl__hindex_add(sl_arena_t *a, sl__hindex_t *x, uint32_t h, int id);
/* The next id added under hash h (start with *pos = -1), -1 after the last. */
int sl__hindex_next(const sl__hindex_t *x, uint32_t h, int *pos);
uint32_t sl__hash_mix(uint32_t h, uint32_t x);
uint32_t sl__str_hash(const char *s);
/* Hash of e's own fields (kind, type, operator, column, constant), and of
 * the whole tree: mixing the shallow hash with each argument's, in order.
 * sl__expr_equal trees have equal hashes. */
uint32_t sl__expr_hash_shallow(const sl_expr_t *e);
uint32_t sl__expr_hash(const sl_expr_t *e);

typedef struct sl_actx {
    sl_arena_t *a;               /* the plan's arena */
    sl_error_t *err;
    const sl_stream_t *stream;
    const char *relname;         /* the FROM alias, else the stream name */
    int naggs, aggcap;
    sl_aggref_t *aggs;
    int nstate;                  /* state columns of aggs */
    sl__hindex_t aggidx;         /* aggs by kind and argument */
    sl__hindex_t colidx;         /* stream columns by name (built on first use) */
} sl_actx_t;

/* AST -> typed expression; NULL with *ctx->err set on error. */
sl_expr_t *sl__transform(sl_actx_t *ctx, const sl_ast_node_t *n,
                         sl_exprctx_t where);
/* Converts e to type/typmod (unknown literals are parsed, others cast);
 * NULL on error (22P02 ... for a literal). */
sl_expr_t *sl__coerce(sl_actx_t *ctx, sl_expr_t *e, sl_type_t type,
                      int typmod);
/* Requires a boolean (unknown literals become one): 42804 "argument of
 * <what> must be type boolean, not type integer". */
sl_expr_t *sl__coerce_bool(sl_actx_t *ctx, sl_expr_t *e, const char *what);
/* Type from a type name as written; 42704 for unknown names, 0A000 for
 * PostgreSQL types Sluice lacks; numeric(p, s) becomes PostgreSQL's typmod
 * (22023 for a precision or scale it refuses). */
int sl__resolve_type(sl_actx_t *ctx, const char *name, int typmod,
                     int location, bool in_stream, sl_type_t *type,
                     int *typmod_out);
/* PostgreSQL's internal name of a type as written ("int4", "varchar"). */
const char *sl__type_internal_name(sl_type_t t, const char *written);
bool sl__expr_equal(const sl_expr_t *x, const sl_expr_t *y);

/* analyze_datetime.c: casts among date, time and the timestamps; the
 * common type of a date compared with a timestamp (false when the types
 * are not such); + and - on date and time (1 with *l, *r coerced and
 * *result set, 0 when not such operands, SL_ERR on error). */
bool sl__datetime_castable(sl_type_t from, sl_type_t to);
bool sl__datetime_compare(sl_type_t lt, sl_type_t rt, sl_type_t *common);
int sl__date_arith(sl_actx_t *ctx, sl_op_t op, sl_expr_t **l, sl_expr_t **r,
                   sl_type_t *result, int location);

/* analyze_func.c: CASE, IN, BETWEEN, LIKE, IS DISTINCT FROM, IS TRUE ...
 * (NULL on error); a call of COALESCE / NULLIF / GREATEST / LEAST or of a
 * built-in function (true with *out, NULL on error; false when the name is
 * an aggregate's); an operator other than the arithmetic and comparison
 * ones (~ and friends; 42883 for the others). */
sl_expr_t *sl__transform_cond(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where);
bool sl__builtin_call(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where,
                      sl_expr_t **out);
/* For an unknown column named as one of SQL's value functions
 * (CURRENT_TIMESTAMP ...): true with 0A000 set. */
bool sl__value_function(sl_actx_t *ctx, const sl_ast_node_t *n);
/* CURRENT_TIMESTAMP (a name no column has): now(); else NULL. */
sl_expr_t *sl__current_timestamp(sl_actx_t *ctx, const sl_ast_node_t *n);
sl_expr_t *sl__other_operator(sl_actx_t *ctx, const sl_ast_node_t *n, sl_expr_t *l,
                              sl_expr_t *r);

/* analyze_jsonb.c: jsonb's operators (-> ->> #> #>> ? ?| ?& @> <@): whether
 * name is one, the typed node (NULL on error), and their SQL for deparse
 * (false when e is none of them). */
bool sl__jsonb_op_name(const char *name);
sl_expr_t *sl__jsonb_operator(sl_actx_t *ctx, const sl_ast_node_t *n, sl_expr_t *l,
                              sl_expr_t *r);
bool sl__deparse_jsonb(const sl_view_plan_t *plan, const sl_expr_t *e, sl_buf_t *b);

/* A new expression node with nargs (zeroed) argument slots, typmod -1. */
sl_expr_t *sl__mk(sl_actx_t *ctx, sl_expr_kind_t kind, sl_type_t type, int location,
                  int nargs);

/* 54011 for a state table of more than SL_SQL_MAX_COLUMNS columns. */
int sl__too_many_columns(sl_actx_t *ctx, int location);

/* analyze_slide.c: WITH (sw, step_factor, ttl, ttl_column) into p->time,
 * after p's output columns are set (a sliding window adds a group key). */
int sl__analyze_view_time(sl_actx_t *ctx, const struct sl_stmt *stmt, sl_view_plan_t *p);

/* SQL text of e over the state table of plan (fully parenthesized,
 * identifiers quoted, constants typed). */
void sl__deparse(const sl_view_plan_t *plan, const sl_expr_t *e, sl_buf_t *b);

/* analyze_window.c: event time and windows. */
int sl__analyze_stream_time(const sl_stmt_t *stmt, sl_stream_t *s, sl_error_t *err);
int sl__analyze_window_call(sl_actx_t *ctx, sl_expr_t *e);
int sl__analyze_view_window(sl_actx_t *ctx, const sl_stmt_t *stmt, sl_view_plan_t *plan);
/* Arrays (analyze_array.c): ANY / ALL, subscripts, slices and ARRAY[...];
 * @> <@ && with an array operand (sl__array_operator: NULL when the
 * operator is not one of them, or after an error); the
 * array functions (true when n names one: *out, or NULL after an error);
 * a type name ending in "[]"; the SQL of array nodes (false for others). */
sl_expr_t *sl__transform_array(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where);
sl_expr_t *sl__array_operator(sl_actx_t *ctx, const sl_ast_node_t *n, sl_expr_t *l,
                              sl_expr_t *r);
bool sl__array_call(sl_actx_t *ctx, const sl_ast_node_t *n, sl_exprctx_t where,
                    sl_expr_t **out);
int sl__array_type(sl_actx_t *ctx, const char *name, int typmod, int location,
                   bool in_stream, sl_type_t *type, int *typmod_out);
bool sl__deparse_array(const sl_view_plan_t *plan, const sl_expr_t *e, sl_buf_t *b);
sl_expr_t *sl__empty_array(sl_actx_t *ctx, sl_type_t t, int location);
/* l || r with an array on either side: array_cat / array_append /
 * array_prepend with PostgreSQL's typing. */
sl_expr_t *sl__array_concat(sl_actx_t *ctx, int location, const char *opname, sl_expr_t *l,
                            sl_expr_t *r);

#endif
