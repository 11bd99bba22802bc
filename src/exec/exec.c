/*
 * exec.c: a continuous view's execution state and the two-phase apply of a
 * batch (see exec.h).
 *
 * The state wires the view's operators in pipeline order:
 *
 *   sl_exec_prepare:  chunk(batch) -> filter.push -> project.push
 *                     -> hashagg check (float sums that would overflow)
 *                     (may fail; touches only scratch memory)
 *   sl_exec_apply:    hashagg.push(prepared chunk)   (cannot fail)
 *   sl_exec_detach:   hashagg.flush -> the delta for the sink
 *   sl_exec_restore:  merges a delta whose flush failed back in
 */
#include "exec/exec_int.h"

#include <stdlib.h>
#include <time.h>

/* now() of the request being processed (exec.h). */
static int64_t request_now;

void sl_exec_set_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    /* 946684800: 2000-01-01 00:00:00 UTC in Unix seconds */
    request_now = ((int64_t)ts.tv_sec - 946684800) * 1000000 + ts.tv_nsec / 1000;
}

void sl_exec_set_now_to(int64_t now)
{
    request_now = now;
}

int64_t sl_exec_now(void)
{
    return request_now;
}

struct sl_view_exec {
    const sl_view_plan_t *plan;
    sl__op_t *filter;
    sl__op_t *project;
    sl__op_t *agg;
    unsigned long long seen, matched;
};

struct sl_exec_pending {
    sl__chunk_t chunk;
};

sl_view_exec_t *sl_exec_new(const sl_view_plan_t *plan)
{
    sl_view_exec_t *st = sl_xcalloc(1, sizeof(*st));
    st->plan = plan;
    st->filter = sl__op_filter_init(plan);
    st->project = sl__op_project_init(plan);
    st->agg = sl__op_hashagg_init(plan);
    return st;
}

void sl_exec_free(void *p)
{
    sl_view_exec_t *st = p;
    if (st == NULL)
        return;
    st->filter->vt->end(st->filter);
    st->project->vt->end(st->project);
    st->agg->vt->end(st->agg);
    free(st);
}

int sl_exec_prepare(sl_view_exec_t *st, const sl_batch_t *b, sl_arena_t *scratch,
                    sl_exec_pending_t **out, int *err_row, sl_error_t *err)
{
    sl_exec_pending_t *p = sl_alloc0(scratch, sizeof(*p));
    p->chunk.batch = b;
    p->chunk.scratch = scratch;
    p->chunk.nrows = b->nrows;
    p->chunk.sel = NULL;
    p->chunk.err_row = -1;
    if (st->filter->vt->push(st->filter, &p->chunk, err) != SL_OK ||
        st->project->vt->push(st->project, &p->chunk, err) != SL_OK ||
        sl__hashagg_check(st->agg, &p->chunk, err) != SL_OK) {
        if (err_row)
            *err_row = p->chunk.err_row;
        return SL_ERR;
    }
    *out = p;
    return SL_OK;
}

void sl_exec_apply(sl_view_exec_t *st, sl_exec_pending_t *p)
{
    if (p == NULL)
        return;
    st->seen += (unsigned long long)p->chunk.batch->nrows;
    st->matched += (unsigned long long)p->chunk.nrows;
    st->agg->vt->push(st->agg, &p->chunk, NULL);
}

void sl_exec_counts(const sl_view_exec_t *st, unsigned long long *seen,
                    unsigned long long *matched)
{
    *seen = st->seen;
    *matched = st->matched;
}

size_t sl_exec_memory(const sl_view_exec_t *st)
{
    return sl__hashagg_memory(st->agg);
}

int sl_exec_ngroups(const sl_view_exec_t *st)
{
    return sl__hashagg_ngroups(st->agg);
}

sl_delta_t *sl_exec_detach(sl_view_exec_t *st)
{
    return st->agg->vt->flush(st->agg);
}

void sl_exec_restore(sl_view_exec_t *st, sl_delta_t *d)
{
    sl__hashagg_merge(st->agg, d);
}
