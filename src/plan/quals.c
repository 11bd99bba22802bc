/*
 * quals.c: a view's WHERE as PostgreSQL runs it.  PostgreSQL does not
 * evaluate a WHERE as one boolean expression: the planner splits it into the
 * conjuncts of its top-level AND (nested ANDs flattened), orders them
 * cheapest first (order_qual_clauses: by the cost of their operators, equal
 * costs keeping their written order), and the executor stops at the first
 * one that is not true, NULL included.  Which conjuncts run decides which
 * rows can raise an error (an overflow in `i * 2 > 0` after `k = 8`), so
 * the filter follows the same order and the same stop.  The cost of a
 * conjunct is its number of operators (every built-in operator PostgreSQL
 * can use here costs the same), function calls, NULLIF, IS DISTINCT FROM
 * and GREATEST / LEAST count as one, `= ANY (list)` as half an operator
 * per item (PostgreSQL's cost_qual_eval); columns, constants, NOT, IS NULL,
 * CASE, COALESCE and the AND/OR inside a conjunct cost nothing of their
 * own.
 */
#include "plan/plan.h"

#include <stdlib.h>

/* In half operators: `= ANY (list)` costs half an operator per item. */
static int qual_cost(const sl_expr_t *e)
{
    int c = 2 * (e->kind == SL_E_OP || e->kind == SL_E_NEG || e->kind == SL_E_FUNC ||
                 e->kind == SL_E_NULLIF || e->kind == SL_E_DISTINCT ||
                 e->kind == SL_E_MINMAX ||
                 /* jsonb_int4 and friends: a function, unlike I/O casts */
                 (e->kind == SL_E_CAST && e->args[0]->type == SL_T_JSONB &&
                  e->type != SL_T_TEXT));
    if (e->kind == SL_E_ANY)
        c = e->nargs - 1;
    for (int i = 0; i < e->nargs; i++)
        c += qual_cost(e->args[i]);
    return c;
}

static int count_conjuncts(const sl_expr_t *e)
{
    if (e->kind != SL_E_AND)
        return 1;
    int n = 0;
    for (int i = 0; i < e->nargs; i++)
        n += count_conjuncts(e->args[i]);
    return n;
}

static void collect(sl_expr_t *e, sl_expr_t **out, int *n)
{
    if (e->kind != SL_E_AND) {
        out[(*n)++] = e;
        return;
    }
    for (int i = 0; i < e->nargs; i++)
        collect(e->args[i], out, n);
}

typedef struct qual_rank {
    int cost, index;
    sl_expr_t *e;
} qual_rank_t;

static int rank_cmp(const void *x, const void *y)
{
    const qual_rank_t *a = x, *b = y;
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    return a->index < b->index ? -1 : a->index > b->index;
}

void sl_plan_set_quals(sl_view_plan_t *p, sl_arena_t *a)
{
    p->nquals = 0;
    p->quals = NULL;
    if (p->where == NULL)
        return;
    int n = count_conjuncts(p->where);
    sl_expr_t **q = sl_alloc(a, sizeof(*q) * (size_t)n);
    int k = 0;
    collect(p->where, q, &k);
    /* Stable sort by cost (a WHERE may hold many thousands of conjuncts). */
    qual_rank_t *r = sl_alloc(a, sizeof(*r) * (size_t)n);
    for (int i = 0; i < n; i++)
        r[i] = (qual_rank_t){.cost = qual_cost(q[i]), .index = i, .e = q[i]};
    qsort(r, (size_t)n, sizeof(*r), rank_cmp);
    for (int i = 0; i < n; i++)
        q[i] = r[i].e;
    p->quals = q;
    p->nquals = n;
}
