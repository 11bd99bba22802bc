/*
 * op_project.c: the projection operator.  push evaluates the group keys and
 * each aggregate's argument on the chunk's selected rows into column arrays
 * (chunk->cols: keys first, then one column per aggregate, NULL for
 * count(*)).  A plain column reference with no selection is passed through
 * without copying; a selected one is gathered.  Text produced by
 * expressions lives in the chunk's scratch arena.
 */
#include "exec/exec_int.h"

#include <stdlib.h>

/* Fills column *dst with e over the chunk's rows. */
static int project_expr(const sl_expr_t *e, sl__chunk_t *c, sl_datum_t **dst,
                        sl_error_t *err)
{
    if (e->kind == SL_E_COLUMN && c->sel == NULL) {
        *dst = c->batch->cols[e->colno];
        return SL_OK;
    }
    sl_datum_t *col = sl_alloc(c->scratch, sizeof(sl_datum_t) * (size_t)(c->nrows > 0 ? c->nrows : 1));
    if (e->kind == SL_E_COLUMN) {
        const sl_datum_t *src = c->batch->cols[e->colno];
        for (int i = 0; i < c->nrows; i++)
            col[i] = src[c->sel[i]];
    } else if (e->kind == SL_E_CONST) {
        for (int i = 0; i < c->nrows; i++)
            col[i] = e->constval;
    } else {
        for (int i = 0; i < c->nrows; i++) {
            int r = c->sel ? c->sel[i] : i;
            if (sl_expr_eval(e, c->batch, r, c->scratch, &col[i], err) != SL_OK) {
                c->err_row = r;
                return SL_ERR;
            }
        }
    }
    *dst = col;
    return SL_OK;
}

static int project_push(sl__op_t *op, sl__chunk_t *c, sl_error_t *err)
{
    const sl_view_plan_t *p = op->plan;
    c->ncols = p->ngroup + p->naggs;
    c->cols = sl_alloc0(c->scratch, sizeof(sl_datum_t *) * (size_t)(c->ncols > 0 ? c->ncols : 1));
    for (int g = 0; g < p->ngroup; g++)
        if (project_expr(p->group[g].expr, c, &c->cols[g], err) != SL_OK)
            return SL_ERR;
    for (int i = 0; i < p->naggs; i++)
        if (p->aggs[i].arg != NULL &&
            project_expr(p->aggs[i].arg, c, &c->cols[p->ngroup + i], err) != SL_OK)
            return SL_ERR;
    /* Output columns computed from group keys: evaluated only for their
     * errors (the view computes the value when read). */
    for (int o = 0; o < p->nout; o++) {
        sl_datum_t *ignored;
        if (p->out[o].check != NULL && project_expr(p->out[o].check, c, &ignored, err) != SL_OK)
            return SL_ERR;
    }
    return SL_OK;
}

static sl_delta_t *project_flush(sl__op_t *op)
{
    return NULL;
}

static void project_end(sl__op_t *op)
{
    free(op);
}

static const sl__op_vt_t project_vt = {"project", project_push, project_flush, project_end};

/* New projection operator for plan's keys and aggregate arguments; freed by
 * its end. */
sl__op_t *sl__op_project_init(const sl_view_plan_t *plan)
{
    sl__op_t *op = sl_xcalloc(1, sizeof(*op));
    op->vt = &project_vt;
    op->plan = plan;
    return op;
}
