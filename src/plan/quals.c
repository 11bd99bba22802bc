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
 * can use here costs the same); columns, constants, NOT, IS NULL and the
 * AND/OR inside a conjunct cost nothing of their own.
 */
#include "plan/plan.h"

static int qual_cost(const sl_expr_t *e)
{
    int c = e->kind == SL_E_OP || e->kind == SL_E_NEG;
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

void sl_plan_set_quals(sl_view_plan_t *p, sl_arena_t *a)
{
    p->nquals = 0;
    p->quals = NULL;
    if (p->where == NULL)
        return;
    int n = count_conjuncts(p->where);
    sl_expr_t **q = sl_alloc(a, sizeof(*q) * (size_t)n);
    int *cost = sl_alloc(a, sizeof(int) * (size_t)n);
    int k = 0;
    collect(p->where, q, &k);
    /* Insertion sort: stable, and n is small. */
    for (int i = 0; i < n; i++) {
        sl_expr_t *e = q[i];
        int c = qual_cost(e), j = i;
        while (j > 0 && cost[j - 1] > c) {
            q[j] = q[j - 1];
            cost[j] = cost[j - 1];
            j--;
        }
        q[j] = e;
        cost[j] = c;
    }
    p->quals = q;
    p->nquals = n;
}
