/*
 * pipeline.h: the one ingest path of sluiced, shared by every source of
 * events (HTTP, INSERT and COPY over pgwire, and later Kafka):
 *
 *   source decodes its input into a column batch (ingest/)
 *     -> sl_pipeline_admit       refuse early: shutting down, PostgreSQL
 *                                unreachable, isolating a refused flush,
 *                                max_memory
 *     -> sl_pipeline_ingest      may this role insert (sl_pipeline_may_insert),
 *                                prepare every view of the stream (any error
 *                                refuses the whole batch, nothing changes),
 *                                apply to the views' deltas, then answer
 *                                through done once the flush that carries the
 *                                events has committed (sink.h)
 *
 * A source words the answer for its own protocol (HTTP status and JSON,
 * PostgreSQL ErrorResponse and CommandComplete); what happened is decided
 * here only.
 */
#ifndef SL_PIPELINE_H
#define SL_PIPELINE_H

#include <stdbool.h>

#include "ingest/batch.h"
#include "server/server.h"
#include "sink/sink.h"
#include "util/arena.h"
#include "util/error.h"

/* Why a source must refuse events before reading them. */
typedef enum sl_pipeline_refusal {
    SL_PIPE_OK,
    SL_PIPE_SHUTTING_DOWN,     /* SIGTERM: the final flush is running */
    SL_PIPE_UNAVAILABLE,       /* PostgreSQL unreachable for pg_timeout */
    SL_PIPE_ISOLATING,         /* the sink is finding a refused request */
    SL_PIPE_MEMORY             /* more unflushed groups than max_memory */
} sl_pipeline_refusal_t;

/*
 * Whether events may be taken now.  On a refusal err gets the message
 * (ending "nothing of this request was applied: retry it") and a SQLSTATE
 * for pgwire (57P01 shutting down, 57P03 unavailable or isolating, 53200
 * max_memory); HTTP answers all of them 503 with Retry-After.
 */
sl_pipeline_refusal_t sl_pipeline_admit(sl_server_t *srv, sl_error_t *err);

struct sl_grantee;

/* Who sends a batch: what the privilege check looks at.  A source proves
 * its role's INSERT privilege its own way, asynchronously, before it
 * ingests: HTTP by its bearer token (the role's privileges as the token
 * snapshot holds them, server/access.h), pgwire by asking the session's
 * own backend (has_table_privilege as the session's role, SET ROLE
 * included). */
typedef struct sl_pipeline_source {
    const char *kind;          /* "http", "insert", "copy" */
    const char *role;          /* the pgwire session's role; NULL over HTTP */
    bool open;                 /* HTTP with http_auth = none: anyone may */
    const struct sl_grantee *grantee;  /* HTTP with a token: its role */
    bool backend_checked;      /* pgwire: the session's backend said yes */
} sl_pipeline_source_t;

/*
 * May source insert into stream s?  SL_OK, or SL_ERR with 42501 in err.
 * The one place where that decision is made, for every source; called by
 * sl_pipeline_ingest before anything is applied.
 */
int sl_pipeline_may_insert(sl_server_t *srv, const sl_pipeline_source_t *source,
                           const sl_stream_t *s, sl_error_t *err);

/* One batch on its way into the views. */
typedef struct sl_pipeline_req {
    sl_pipeline_source_t source;
    sl_stream_t *stream;
    sl_batch_t *batch;
    const char *idem_key;      /* an HTTP Idempotency-Key (validated and not
                                  seen before), or NULL */
    bool ack_received;         /* answer once applied, before the flush */
    int64_t now;               /* now() for its views (sl_exec_now's
                                  units); 0: the clock, at ingest */
    /* The answer: called exactly once, possibly before sl_pipeline_ingest
     * returns (COMMITTED at once when nothing needs a flush: no views, no
     * rows, ack_received, or no sink), else by the sink.  Not called when
     * sl_pipeline_ingest fails. */
    sl_sink_cb done;
    void *arg;
    /* Out, when a view refused the batch: the view and the 0-based row of
     * the batch at fault (-1: not one row). */
    const char *bad_view;
    int bad_row;
    /* Out, once applied: events of the batch late for at least one of the
     * stream's windowed views (recorded in sluice.late_events, not applied
     * to those views); also into *late_out when given and the stream has
     * event time, before done is called. */
    int late;
    long *late_out;
} sl_pipeline_req_t;

/*
 * Prepares every view of r->stream over r->batch (scratch from a, which the
 * caller may reset after this returns), then applies it.  Returns SL_OK
 * (applied; done will be called), or SL_ERR with err set and nothing
 * applied: 42501 from sl_pipeline_may_insert, 55P03 / 57P03 when a view of
 * the stream emits on window close and this sluiced cannot hold the
 * stream's ingest lease (sink/lease.h), 23502 / 22008 for an event
 * time that is NULL / infinite (r->bad_row), or a view's error with
 * r->bad_view / r->bad_row.
 *
 * A stream with event time has a watermark: the largest event time applied
 * so far minus max_lateness, advancing row by row in arrival order; each
 * windowed view leaves out the rows whose window it closed (late), which
 * go to sluice.late_events with the flush.
 */
int sl_pipeline_ingest(sl_server_t *srv, sl_pipeline_req_t *r, sl_arena_t *a,
                       sl_error_t *err);

/*
 * sl_pipeline_ingest's checks without applying anything (privilege, then
 * every view prepared over the batch and the result thrown away): what a
 * source that holds events for later (INSERT inside a transaction block,
 * applied at its COMMIT) runs when it takes them, so that a bad event is
 * refused then.  Same results and r->bad_view / bad_row.
 */
int sl_pipeline_check(sl_server_t *srv, sl_pipeline_req_t *r, sl_arena_t *a,
                      sl_error_t *err);

#endif
