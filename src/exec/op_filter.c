/*
 * op_filter.c: the WHERE operator.  push runs the view's WHERE on every
 * selected row of the chunk as PostgreSQL does (plan/quals.c): its
 * conjuncts in order, stopping at the first that is not true, and narrows
 * the chunk's selection vector to the rows where all are true (NULL and
 * false drop the row).  Holds no state between chunks; flush has nothing
 * to hand over.
 */
#include "exec/exec_int.h"

#include <stdlib.h>

static int filter_push(sl__op_t *op, sl__chunk_t *c, sl_error_t *err)
{
    const sl_view_plan_t *p = op->plan;
    /* (a plan built by hand, without sl_plan_set_quals: where as one) */
    sl_expr_t *const *quals = p->nquals > 0 ? p->quals : &p->where;
    int nquals = p->nquals > 0 ? p->nquals : p->where != NULL;
    if (nquals == 0)
        return SL_OK;
    int *sel = sl_alloc(c->scratch, sizeof(int) * (size_t)(c->nrows > 0 ? c->nrows : 1));
    int n = 0;
    for (int i = 0; i < c->nrows; i++) {
        int r = c->sel ? c->sel[i] : i;
        bool pass = true;
        for (int q = 0; q < nquals && pass; q++) {
            sl_datum_t v;
            if (sl_expr_eval(quals[q], c->batch, r, c->scratch, &v, err) != SL_OK) {
                c->err_row = r;
                return SL_ERR;
            }
            pass = !v.null && v.v.i;
        }
        if (pass)
            sel[n++] = r;
    }
    c->sel = sel;
    c->nrows = n;
    return SL_OK;
}

static sl_delta_t *filter_flush(sl__op_t *op)
{
    return NULL;
}

static void filter_end(sl__op_t *op)
{
    free(op);
}

static const sl__op_vt_t filter_vt = {"filter", filter_push, filter_flush, filter_end};

/* New filter operator over plan->quals; freed by its end. */
sl__op_t *sl__op_filter_init(const sl_view_plan_t *plan)
{
    sl__op_t *op = sl_xcalloc(1, sizeof(*op));
    op->vt = &filter_vt;
    op->plan = plan;
    return op;
}
