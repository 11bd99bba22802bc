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

/* Phase 1: evaluate every view; any error refuses the whole batch. */
static int prepare_all(sl_server_t *srv, sl_pipeline_req_t *r, sl_arena_t *a,
                       sl_exec_pending_t ***out, sl_error_t *err)
{
    sl_stream_t *s = r->stream;
    r->bad_view = NULL;
    r->bad_row = -1;
    if (sl_pipeline_may_insert(srv, &r->source, s, err) != SL_OK)
        return SL_ERR;
    if (r->now != 0)
        sl_exec_set_now_to(r->now);
    else
        sl_exec_set_now();      /* now() in the views: this request's time */
    sl_exec_pending_t **prepared = sl_alloc0(a, sizeof(void *) * (size_t)(s->nviews + 1));
    for (int i = 0; i < s->nviews; i++) {
        if (s->views[i]->broken || s->views[i]->inactive)
            continue;   /* prepared[i] stays NULL: not fed */
        int row = -1;
        if (sl_exec_prepare(s->views[i]->exec, r->batch, a, &prepared[i], &row, err) != SL_OK) {
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
    return prepare_all(srv, r, a, &prepared, err);
}

int sl_pipeline_ingest(sl_server_t *srv, sl_pipeline_req_t *r, sl_arena_t *a,
                       sl_error_t *err)
{
    sl_stream_t *s = r->stream;
    sl_batch_t *batch = r->batch;
    sl_exec_pending_t **prepared;
    if (prepare_all(srv, r, a, &prepared, err) != SL_OK)
        return SL_ERR;
    /* Phase 2: fold into the deltas; cannot fail. */
    for (int i = 0; i < s->nviews; i++)
        sl_exec_apply(s->views[i]->exec, prepared[i]);
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
