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
    unsigned long long seen, matched, late;
    sl__sessions_t *sessions;   /* a session window's index, else NULL */
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
    if (plan->window && plan->window->kind == SL_WIN_SESSION)
        st->sessions = sl__sessions_new(plan);
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
    sl__sessions_free(st->sessions);
    free(st);
}

int sl_exec_prepare(sl_view_exec_t *st, const sl_batch_t *b, const int64_t *wm,
                    sl_arena_t *scratch, sl_exec_pending_t **out, int *err_row,
                    sl_error_t *err)
{
    sl_exec_pending_t *p = sl_alloc0(scratch, sizeof(*p));
    p->chunk.batch = b;
    p->chunk.scratch = scratch;
    p->chunk.nrows = b->nrows;
    p->chunk.sel = NULL;
    p->chunk.err_row = -1;
    p->chunk.wm = wm;
    int rc = st->filter->vt->push(st->filter, &p->chunk, err);
    p->chunk.nmatched = p->chunk.nrows;
    if (rc == SL_OK && st->plan->window && st->sessions == NULL)
        rc = sl__window_push(st->plan, &p->chunk, wm);
    if (rc != SL_OK ||
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
    if (st->sessions)
        sl__session_apply(st->sessions, &p->chunk);   /* late rows left out */
    st->matched += (unsigned long long)p->chunk.nmatched;
    st->late += (unsigned long long)p->chunk.nlate;
    st->agg->vt->push(st->agg, &p->chunk, NULL);
}

int sl_exec_late(const sl_exec_pending_t *p, const int **rows)
{
    *rows = p ? p->chunk.late : NULL;
    return p ? p->chunk.nlate : 0;
}

unsigned long long sl_exec_late_count(const sl_view_exec_t *st)
{
    return st->late;
}

void sl_exec_counts(const sl_view_exec_t *st, unsigned long long *seen,
                    unsigned long long *matched)
{
    *seen = st->seen;
    *matched = st->matched;
}

size_t sl_exec_memory(const sl_view_exec_t *st)
{
    return sl__hashagg_memory(st->agg) + (st->sessions ? sl__sessions_memory(st->sessions) : 0);
}

void sl_exec_truncated(sl_view_exec_t *st)
{
    if (st->sessions == NULL)
        return;
    sl_exec_renames_t *r = sl__sessions_take(st->sessions);
    sl__sessions_free(st->sessions);
    st->sessions = sl__sessions_new(st->plan);
    if (r != NULL)
        sl__sessions_restore(st->sessions, r);
}

int sl_exec_ngroups(const sl_view_exec_t *st)
{
    return sl__hashagg_ngroups(st->agg);
}

void sl_exec_sweep(sl_view_exec_t *st)
{
    if (st->sessions) {
        const sl_stream_t *s = st->plan->stream;
        if (s->max_event != INT64_MIN)
            sl__sessions_sweep(st->sessions, s->max_event < INT64_MIN + s->max_lateness
                                                 ? INT64_MIN : s->max_event - s->max_lateness);
    }
}

sl_delta_t *sl_exec_detach(sl_view_exec_t *st)
{
    sl_exec_sweep(st);
    return st->agg->vt->flush(st->agg);
}

void sl_exec_restore(sl_view_exec_t *st, sl_delta_t *d)
{
    sl__hashagg_merge(st->agg, d);
}

sl_exec_renames_t *sl_exec_take_renames(sl_view_exec_t *st)
{
    return st->sessions ? sl__sessions_take(st->sessions) : NULL;
}

void sl_exec_restore_renames(sl_view_exec_t *st, sl_exec_renames_t *r)
{
    if (r == NULL)
        return;
    if (st->sessions)
        sl__sessions_restore(st->sessions, r);
    else
        sl_exec_renames_free(r);
}

void sl_exec_session_add(sl_view_exec_t *st, const sl_datum_t *keys, int64_t start, int64_t end,
                         bool closed)
{
    if (st->sessions)
        sl__sessions_add(st->sessions, keys, start, end, closed);
}

size_t sl_exec_sessions(const sl_view_exec_t *st)
{
    return st->sessions ? sl__sessions_count(st->sessions) : 0;
}
