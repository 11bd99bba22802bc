/*
 * pipeline.c: the ingest path every source shares; see pipeline.h.
 *
 * Two phases over the stream's views, so that a batch is all or nothing:
 * sl_exec_prepare evaluates every view (filters, group keys, aggregate
 * arguments; any error stops here and nothing has changed), sl_exec_apply
 * then folds the prepared results into the deltas and cannot fail.  The
 * answer waits in the sink for the flush that commits those deltas.
 */
#include "pipeline/pipeline.h"
#include "server/access.h"
#include "exec/exec.h"
#include "sink/idem.h"

#include <stdio.h>
#include <string.h>

sl_pipeline_refusal_t sl_pipeline_admit(sl_server_t *srv, sl_error_t *err)
{
    if (srv->shutting_down) {
        sl_error_set(err, "57P01", 0, "sluiced is shutting down; nothing of this request "
                                      "was applied: retry it");
        return SL_PIPE_SHUTTING_DOWN;
    }
    if (srv->sink && !sl_sink_accepting(srv->sink)) {
        const char *why = sl_sink_problem(srv->sink);
        sl_error_set(err, "57P03", 0, "PostgreSQL cannot take events (%s); nothing of this "
                     "request was applied: retry it", why ? why : "unreachable");
        return SL_PIPE_UNAVAILABLE;
    }
    if (srv->sink && !sl_sink_admit(srv->sink)) {
        sl_error_set(err, "57P03", 0, "PostgreSQL refused a flush and sluiced is finding the "
                     "request at fault, one request at a time; nothing of this request "
                     "was applied: retry it");
        return SL_PIPE_ISOLATING;
    }
    if (srv->sink && srv->cfg.max_memory > 0 &&
        sl_sink_delta_memory(srv->sink) > srv->cfg.max_memory) {
        sl_error_set(err, "53200", 0, "sluiced holds more unflushed groups than max_memory "
                     "allows; nothing of this request was applied: retry it");
        return SL_PIPE_MEMORY;
    }
    return SL_PIPE_OK;
}

int sl_pipeline_may_insert(sl_server_t *srv, const sl_pipeline_source_t *source,
                           const sl_stream_t *s, sl_error_t *err)
{
    (void)srv;
    if (source->open || source->backend_checked ||
        (source->grantee != NULL && (sl_access_stream(source->grantee, s->name) & SL_PRIV_INSERT)))
        return SL_OK;
    sl_error_set(err, SL_ERRCODE_INSUFFICIENT_PRIVILEGE, 0, "permission denied for stream %s",
                 s->name);
    if (source->grantee != NULL)
        sl_error_detail(err, "Role \"%s\" has no INSERT privilege on it.",
                        sl_access_role(source->grantee));
    sl_error_hint(err, "Its owner can GRANT INSERT ON STREAM %s TO the role.", s->name);
    return SL_ERR;
}

/*
 * Event time: wm[r] is the stream's watermark when row r is processed (the
 * largest event time of the rows before it, and of earlier requests, minus
 * max_lateness); *max the largest event time once the batch is applied.
 * A NULL event time is 23502, an infinite one 22008 (*bad_row: the row).
 */
static int event_watermarks(const sl_stream_t *s, const sl_batch_t *b, sl_arena_t *a,
                            int64_t **wm, int64_t *max, int *bad_row, sl_error_t *err)
{
    const sl_datum_t *col = b->cols[s->event_time];
    const char *name = s->cols[s->event_time].name;
    int64_t *w = sl_alloc(a, sizeof(int64_t) * (size_t)(b->nrows > 0 ? b->nrows : 1));
    int64_t mx = s->max_event;
    for (int r = 0; r < b->nrows; r++) {
        if (col[r].null || col[r].v.i == INT64_MAX || col[r].v.i == INT64_MIN) {
            *bad_row = r;
            if (col[r].null) {
                sl_error_set(err, "23502", 0, "null value in column \"%s\" of stream \"%s\" "
                             "violates not-null constraint", name, s->name);
                sl_error_detail(err, "\"%s\" is the stream's event time; nothing of this "
                                "request was applied.", name);
            } else {
                sl_error_set(err, SL_ERRCODE_DATETIME_OVERFLOW, 0, "event time \"%s\" of stream "
                             "\"%s\" must be finite", name, s->name);
            }
            return SL_ERR;
        }
        w[r] = mx == INT64_MIN ? INT64_MIN
               : mx < INT64_MIN + s->max_lateness ? INT64_MIN : mx - s->max_lateness;
        if (col[r].v.i > mx)
            mx = col[r].v.i;
    }
    *wm = w;
    *max = mx;
    return SL_OK;
}

/* The row as a JSON object of the stream's columns (text forms as
 * PostgreSQL prints them; numbers and booleans bare). */
static void row_json(const sl_batch_t *b, int r, sl_buf_t *out)
{
    const sl_stream_t *s = b->stream;
    sl_buf_t v = SL_BUF_INIT;
    sl_buf_putc(out, '{');
    for (int c = 0; c < s->ncols && c < b->ncols; c++) {
        if (c)
            sl_buf_puts(out, ", ");
        sl_buf_put_json_string(out, s->cols[c].name, strlen(s->cols[c].name));
        sl_buf_puts(out, ": ");
        const sl_datum_t *d = &b->cols[c][r];
        if (d->null) {
            sl_buf_puts(out, "null");
            continue;
        }
        sl_buf_reset(&v);
        sl_type_output(s->cols[c].type, d, &v);
        sl_type_t t = s->cols[c].type;
        bool bare = t == SL_T_BOOL || sl_type_is_integer(t) ||
                    ((t == SL_T_FLOAT4 || t == SL_T_FLOAT8 || t == SL_T_NUMERIC) &&
                     v.len > 0 && (v.data[v.len - 1] >= '0' && v.data[v.len - 1] <= '9'));
        if (bare && t == SL_T_BOOL)
            sl_buf_puts(out, v.data[0] == 't' ? "true" : "false");
        else if (bare)
            sl_buf_append(out, v.data, v.len);
        else
            sl_buf_put_json_string(out, v.data, v.len);
    }
    sl_buf_putc(out, '}');
    sl_buf_free(&v);
}

/* Phase 1: evaluate every view; any error refuses the whole batch.  For a
 * stream with event time, *max_event: its largest event time once the
 * batch is applied. */
static int prepare_all(sl_server_t *srv, sl_pipeline_req_t *r, sl_arena_t *a,
                       sl_exec_pending_t ***out, int64_t *max_event, sl_error_t *err)
{
    sl_stream_t *s = r->stream;
    r->bad_view = NULL;
    r->bad_row = -1;
    r->late = 0;
    if (sl_pipeline_may_insert(srv, &r->source, s, err) != SL_OK)
        return SL_ERR;
    /* a stream whose views emit on window close: one sluiced at a time */
    if (srv->sink && sl_sink_lease_take(srv->sink, s, err) != SL_OK)
        return SL_ERR;
    if (r->now != 0)
        sl_exec_set_now_to(r->now);
    else
        sl_exec_set_now();      /* now() in the views: this request's time */
    int64_t *wm = NULL;
    *max_event = INT64_MIN;
    if (s->event_time >= 0 &&
        event_watermarks(s, r->batch, a, &wm, max_event, &r->bad_row, err) != SL_OK)
        return SL_ERR;
    sl_exec_pending_t **prepared = sl_alloc0(a, sizeof(void *) * (size_t)(s->nviews + 1));
    for (int i = 0; i < s->nviews; i++) {
        if (s->views[i]->broken || s->views[i]->inactive)
            continue;   /* prepared[i] stays NULL: not fed */
        int row = -1;
        if (sl_exec_prepare(s->views[i]->exec, r->batch, wm, a, &prepared[i], &row, err) !=
            SL_OK) {
            r->bad_view = s->views[i]->name;
            r->bad_row = row;
            return SL_ERR;
        }
    }
    *out = prepared;
    return SL_OK;
}

int sl_pipeline_check(sl_server_t *srv, sl_pipeline_req_t *r, sl_arena_t *a,
                      sl_error_t *err)
{
    sl_exec_pending_t **prepared;
    int64_t max_event;
    return prepare_all(srv, r, a, &prepared, &max_event, err);
}

int sl_pipeline_ingest(sl_server_t *srv, sl_pipeline_req_t *r, sl_arena_t *a,
                       sl_error_t *err)
{
    sl_stream_t *s = r->stream;
    sl_batch_t *batch = r->batch;
    sl_exec_pending_t **prepared;
    int64_t max_event;
    if (prepare_all(srv, r, a, &prepared, &max_event, err) != SL_OK)
        return SL_ERR;
    /* Phase 2: fold into the deltas; cannot fail. */
    for (int i = 0; i < s->nviews; i++)
        sl_exec_apply(s->views[i]->exec, prepared[i]);
    if (s->event_time >= 0) {
        if (batch->nrows > 0) {
            s->max_event = max_event;
            s->last_event = sl_sink_clock_us();
        }
        /* late rows: recorded per view, counted once per event */
        bool *late = NULL;
        sl_buf_t json = SL_BUF_INIT;
        for (int i = 0; i < s->nviews; i++) {
            const int *rows;
            int n = sl_exec_late(prepared[i], &rows);
            if (n > 0 && late == NULL)
                late = sl_alloc0(a, (size_t)batch->nrows);
            for (int k = 0; k < n; k++) {
                r->late += !late[rows[k]];
                late[rows[k]] = true;
                sl_buf_reset(&json);
                row_json(batch, rows[k], &json);
                if (srv->sink)
                    sl_sink_late_event(srv->sink, s->views[i]->name, sl_exec_now(),
                                       sl_buf_cstr(&json));
            }
        }
        sl_buf_free(&json);
        if (r->late_out)
            *r->late_out = r->late;
    }
    if (r->idem_key && srv->sink)
        sl_idem_add_pending(srv->idem, r->idem_key, s->name, batch->nrows);

    bool applied = srv->sink && s->nviews > 0 && batch->nrows > 0;
    if (((s->nviews == 0 || batch->nrows == 0) && !r->idem_key) || r->ack_received ||
        srv->sink == NULL)
        r->done(r->arg, SL_SINK_COMMITTED, NULL);
    else
        sl_sink_wait(srv->sink, r->done, r->arg, true);
    /* After the waiter is registered: while isolating, this flushes at
     * once, and the flush must carry both the effects and their waiter. */
    if (applied)
        sl_sink_applied(srv->sink);
    return SL_OK;
}
