/*
 * op_project.c: the projection operator.  push evaluates the group keys and
 * each aggregate's argument on the chunk's selected rows into column arrays
 * (chunk->cols: keys first, then one column per aggregate, NULL for
 * count(*); chunk->args2: second arguments).  An aggregate's FILTER is
 * evaluated first and its arguments only on the rows where it is true, as
 * PostgreSQL does (an argument that would fail on a filtered-out row does
 * not): the other rows get NULL arguments, which every aggregate ignores;
 * count(*) gets the filter's values.  A plain column reference with no selection is passed through
 * without copying; a selected one is gathered.  Text produced by
 * expressions lives in the chunk's scratch arena.
 *
 * Group keys PostgreSQL could not store are refused here: the state
 * table's unique index on the keys takes a btree index row of at most
 * 2704 bytes (BTMaxItemSize of an 8 kB page), else its INSERT fails with
 * 54000.  key_index_row_size computes that row as index_form_tuple lays it
 * out, without the compression PostgreSQL tries on values over 510 bytes
 * (TOAST_INDEX_TARGET): a long but compressible key that PostgreSQL might
 * still store is refused too, since storing it cannot be promised.  Only
 * views with a text key pay for it: O(keys) per row, lengths only.  A
 * transform's table has no index: its select list ("keys") is not checked.
 */
#include "exec/exec_int.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct project {
    sl__op_t op;
    bool check_keys;         /* some group key is text: its length matters */
} project_t;

#define BT_MAX_ITEM_SIZE 2704   /* btree version 4, 8 kB pages */
#define ALIGN_UP(x, a) (((x) + ((a) - 1)) & ~(size_t)((a) - 1))

/*
 * Bytes of the btree index row of row i's group keys, MAXALIGNed as
 * _bt_doinsert checks it: an 8-byte header (16 with a null bitmap when a
 * key is NULL), then each non-null key at its type's alignment; text of at
 * most 126 bytes takes a 1-byte header and no alignment, longer text a
 * 4-byte header aligned to 4.  NUMERIC keys (from a double: at most 17
 * significant digits) are counted at their largest, 24 bytes.  *longest is
 * set to the key column holding the longest text.
 */
static size_t key_index_row_size(const sl_view_plan_t *p, const sl__chunk_t *c, int i,
                                 int *longest)
{
    size_t len = 0, maxtext = 0;
    bool hasnull = false;
    *longest = -1;
    for (int k = 0; k < p->ngroup; k++) {
        const sl_datum_t *d = &c->cols[k][i];
        if (d->null) {
            hasnull = true;
            continue;
        }
        switch (p->group[k].type) {
        case SL_T_BOOL:
            len += 1;
            break;
        case SL_T_INT2:
            len = ALIGN_UP(len, 2) + 2;
            break;
        case SL_T_INT4:
        case SL_T_FLOAT4:
            len = ALIGN_UP(len, 4) + 4;
            break;
        case SL_T_INT8:
        case SL_T_FLOAT8:
        case SL_T_TIMESTAMPTZ:
        case SL_T_TIMESTAMP:
            len = ALIGN_UP(len, 8) + 8;
            break;
        case SL_T_NUMERIC:   /* a header and 2 bytes per 4 digits (an upper bound) */
            len = ALIGN_UP(len, 4) + 8 + (d->v.s.n / 4 + 2) * 2;
            break;
        case SL_T_INTERVAL:
            len = ALIGN_UP(len, 8) + 16;
            break;
        case SL_T_DATE:
            len = ALIGN_UP(len, 4) + 4;
            break;
        case SL_T_TIME:
            len = ALIGN_UP(len, 8) + 8;
            break;
        case SL_T_UUID:
            len += 16;
            break;
        default: /* text */
            if (d->v.s.n <= 126)
                len += 1 + d->v.s.n;
            else
                len = ALIGN_UP(len, 4) + 4 + d->v.s.n;
            if (*longest < 0 || d->v.s.n > maxtext) {
                maxtext = d->v.s.n;
                *longest = k;
            }
            break;
        }
    }
    return ALIGN_UP((hasnull ? 16 : 8) + len, 8);
}

/* Refuses (54000) the first row whose group key PostgreSQL's index of the
 * view's state table could not hold. */
static int check_key_sizes(const sl_view_plan_t *p, sl__chunk_t *c, sl_error_t *err)
{
    for (int i = 0; i < c->nrows; i++) {
        int k;
        size_t sz = key_index_row_size(p, c, i, &k);
        if (sz <= BT_MAX_ITEM_SIZE)
            continue;
        c->err_row = c->sel ? c->sel[i] : i;
        sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT, 0,
                     "group key too long for continuous view \"%s\": column \"%s\" holds "
                     "%u bytes, which makes an index row of %zu bytes in the view's "
                     "state table, at most %d bytes",
                     p->name, p->group[k].colname, (unsigned)c->cols[k][i].v.s.n, sz,
                     BT_MAX_ITEM_SIZE);
        sl_error_hint(err, "Group by a shorter value, such as col::varchar(600).");
        return SL_ERR;
    }
    return SL_OK;
}

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

/* Fills column *dst with e over the rows where mask is true (NULL
 * elsewhere); mask NULL = every row. */
static int project_masked(const sl_expr_t *e, const sl_datum_t *mask, sl__chunk_t *c,
                          sl_datum_t **dst, sl_error_t *err)
{
    if (mask == NULL)
        return project_expr(e, c, dst, err);
    sl_datum_t *col = sl_alloc0(c->scratch, sizeof(sl_datum_t) * (size_t)(c->nrows > 0 ? c->nrows : 1));
    for (int i = 0; i < c->nrows; i++) {
        int r = c->sel ? c->sel[i] : i;
        if (mask[i].null || !mask[i].v.i)
            col[i].null = true;
        else if (sl_expr_eval(e, c->batch, r, c->scratch, &col[i], err) != SL_OK) {
            c->err_row = r;
            return SL_ERR;
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
    for (int g = 0; g < p->ngroup; g++) {
        if (c->win && g == p->window_key) {
            /* the window's start, as op_window.c found it per chunk row */
            sl_datum_t *col = sl_alloc0(c->scratch, sizeof(sl_datum_t) *
                                                        (size_t)(c->nrows > 0 ? c->nrows : 1));
            for (int i = 0; i < c->nrows; i++)
                col[i].v.i = c->win[i];
            c->cols[g] = col;
            continue;
        }
        if (project_expr(p->group[g].expr, c, &c->cols[g], err) != SL_OK)
            return SL_ERR;
    }
    c->args2 = sl_alloc0(c->scratch, sizeof(sl_datum_t *) * (size_t)(p->naggs > 0 ? p->naggs : 1));
    for (int i = 0; i < p->naggs; i++) {
        const sl_aggref_t *a = &p->aggs[i];
        sl_datum_t *mask = NULL;
        if (a->filter != NULL && project_expr(a->filter, c, &mask, err) != SL_OK)
            return SL_ERR;
        if (a->arg == NULL)
            c->cols[p->ngroup + i] = mask;   /* count(*) [FILTER] */
        else if (project_masked(a->arg, mask, c, &c->cols[p->ngroup + i], err) != SL_OK)
            return SL_ERR;
        if (a->arg2 != NULL && project_masked(a->arg2, mask, c, &c->args2[i], err) != SL_OK)
            return SL_ERR;
        if (a->kind == SL_AGG_ARRAY_AGG || a->kind == SL_AGG_JSONB_AGG)
            c->args2[i] = mask;   /* they keep NULLs: which rows their FILTER passed */
    }
    /* Output columns computed from group keys: evaluated only for their
     * errors (the view computes the value when read). */
    for (int o = 0; o < p->nout; o++) {
        sl_datum_t *ignored;
        if (p->out[o].check != NULL && project_expr(p->out[o].check, c, &ignored, err) != SL_OK)
            return SL_ERR;
    }
    if (((project_t *)op)->check_keys && check_key_sizes(p, c, err) != SL_OK)
        return SL_ERR;
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
    project_t *pr = sl_xcalloc(1, sizeof(*pr));
    pr->op.vt = &project_vt;
    pr->op.plan = plan;
    for (int g = 0; g < plan->ngroup && !plan->transform; g++)
        if (plan->group[g].type == SL_T_TEXT || plan->group[g].type == SL_T_UNKNOWN ||
            plan->group[g].type == SL_T_NUMERIC || plan->group[g].type == SL_T_JSONB)
            pr->check_keys = true;
    return &pr->op;
}
