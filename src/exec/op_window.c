/*
 * op_window.c: event-time windows in the executor.
 *
 *   sl__f_window      tumble / hop / window_end as scalar functions (a
 *                     hop's value is its latest window's start)
 *   sl__window_push   for a view grouped by a window, between filter and
 *                     project: computes each selected event's window, drops
 *                     the (event, window) pairs whose window has closed
 *                     under the watermark at that event (counting an event
 *                     as late when its first window closed: it cannot be
 *                     counted everywhere it belongs), and expands a hop
 *                     into one chunk row per open window holding the event;
 *                     project then fills the window key from chunk->win.
 */
#include "exec/exec_int.h"
#include "plan/func.h"

int sl__f_window(const sl_expr_t *e, const sl_datum_t *a, sl_arena_t *s, sl_datum_t *out,
                 sl_error_t *err)
{
    (void)s;
    const sl_window_t *w = e->aux;
    if (w == NULL)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0, "window function without a window");
    int64_t ts = a[0].v.i;
    if (e->func == SL_F_WINDOW_END) {
        /* a[0] is the window's start */
        out->v.i = sl_window_end(w, ts);
        return SL_OK;
    }
    if (ts == INT64_MAX || ts == INT64_MIN) {
        out->v.i = ts;
        return SL_OK;
    }
    out->v.i = sl_window_start(w, ts);
    return SL_OK;
}

int sl__window_push(const sl_view_plan_t *p, sl__chunk_t *c, const int64_t *wm)
{
    const sl_window_t *w = p->window;
    const sl_datum_t *tcol = c->batch->cols[p->group[p->window_key].expr->args[0]->colno];
    int n = c->nrows;
    int cap = n * w->count;
    int *sel = sl_alloc(c->scratch, sizeof(int) * (size_t)(cap > 0 ? cap : 1));
    int64_t *win = sl_alloc(c->scratch, sizeof(int64_t) * (size_t)(cap > 0 ? cap : 1));
    int *late = NULL;
    int nlate = 0, m = 0;
    for (int i = 0; i < n; i++) {
        int r = c->sel ? c->sel[i] : i;
        int64_t ts = tcol[r].v.i;    /* never NULL: the pipeline refuses that */
        int64_t latest = sl_window_start(w, ts);
        int64_t mark = wm ? wm[r] : INT64_MIN;
        /* earliest window first: start = latest - (count - 1) * slide */
        for (int j = w->count - 1; j >= 0; j--) {
            int64_t start = latest - (int64_t)j * w->slide;
            if (wm && sl_window_end(w, start) <= mark) {
                if (j == w->count - 1) {
                    if (late == NULL)
                        late = sl_alloc(c->scratch, sizeof(int) * (size_t)n);
                    late[nlate++] = r;
                }
                continue;
            }
            sel[m] = r;
            win[m] = start;
            m++;
        }
    }
    c->sel = sel;
    c->nrows = m;
    c->win = win;
    c->late = late;
    c->nlate = nlate;
    return SL_OK;
}
