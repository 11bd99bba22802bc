/*
 * pgwire_dml.c: INSERT INTO stream and COPY stream FROM STDIN for a pgwire
 * client, on the one ingest path (pipeline/pipeline.h) that HTTP uses too.
 *
 *   INSERT ... VALUES    analyze (sql/analyze_dml.c), evaluate into a
 *                        batch, ingest
 *   INSERT ... query     the query runs on the client's own backend
 *                        connection, as the client's role (STEP_SELECT);
 *                        its rows (text) go through the columns' input
 *                        functions into a batch, ingest
 *   COPY ... FROM STDIN  CopyInResponse, the client's CopyData kept up to
 *                        max_body_size (STEP_COPY; 54000 beyond), at
 *                        CopyDone decoded (ingest/copytext.c, csv.c),
 *                        ingest; CopyFail: 57014
 *
 * Each statement is all or nothing, and its CommandComplete ("INSERT 0 n",
 * "COPY n") waits for the flush that commits its events (STEP_FLUSH), as
 * an HTTP answer does.
 *
 * Inside a transaction block (the client's, or sluiced's around a Query of
 * several statements) the events are checked against every view at once
 * (a bad event fails the statement), then held in the session until the
 * block ends; a marker row in the session's temporary table
 * sluice_held_events, written in the block with the privilege check, lets
 * PostgreSQL say which statements committed (ROLLBACK, ROLLBACK TO
 * SAVEPOINT and a failed COMMIT remove theirs).  When the backend is idle
 * outside a block again, the job reads and deletes the markers
 * (STEP_HELD), applies the committed events and waits for their flush
 * before the client's ReadyForQuery (pgwire_int.h, sl__pw_held_*).
 *
 * The flush waiter is malloc'd and points at the connection; a connection
 * that ends first detaches it (sl__pw_dml_abort), and the answer is then
 * dropped (the events stay: they are committed with the flush).  A stream
 * is held across waits by name and catalog id, and looked up again.
 */
#include "net/pgwire_int.h"
#include "exec/exec.h"
#include "ingest/copytext.h"
#include "ingest/csv.h"
#include "pipeline/pipeline.h"
#include "sql/ast.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

/* A running INSERT / COPY (query arena). */
typedef struct sl_pw_dml {
    const sl_stmt_t *st;
    const char *stream;          /* key: name and catalog id */
    int64_t stream_id;
    int *colnos;                 /* stream column of each target */
    int ntargets;
    sl_copy_opts_t copy;         /* COPY's options, checked */
    /* STEP_SELECT: the query's rows, row-major, ncells per row. */
    int nfields;                 /* from its RowDescription */
    int nrows, cap;
    char **cells;                /* NULL: SQL NULL */
    size_t bytes;
    bool too_big;
} sl_pw_dml_t;

/* Events of one INSERT / COPY held until its transaction block ends. */
typedef struct sl_pw_held {
    int64_t mark;                /* its marker row's number */
    bool committed;              /* the marker was found at the block's end */
    const char *stream;          /* key: name and catalog id (arena) */
    int64_t stream_id;
    int64_t now;                 /* now() when it was taken */
    sl_arena_t *arena;           /* holds the batch (child of the session's) */
    sl_batch_t *batch;
} sl_pw_held_t;

/* The session's temporary table of markers, and one marker. */
#define HELD_TABLE "pg_temp.sluice_held_events"

/* Waits for the flush of an applied INSERT / COPY (malloc'd). */
typedef struct sl_pw_flushwait {
    sl_pwconn_t *c;              /* NULL once the connection ended */
    bool starting;               /* inside ingest(): answered there */
    bool answered;
    sl_sink_status_t status;
    bool has_error;
    sl_sink_error_t e;
    long n;
    bool copy;
    bool held;                   /* the events of a committed block */
} sl_pw_flushwait_t;

static sl_server_t *srv_of(sl_pwconn_t *c)
{
    return c->pw->srv;
}

/* The stream a waiting statement names, if it is still the same one. */
static sl_stream_t *dml_stream(sl_pwconn_t *c, const sl_pw_dml_t *d, sl_error_t *err)
{
    sl_stream_t *s = sl_catalog_stream(&srv_of(c)->catalog, d->stream);
    if (s == NULL || (d->stream_id != 0 && s->id != d->stream_id)) {
        sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, 0, "relation \"%s\" does not exist",
                     d->stream);
        return NULL;
    }
    return s;
}

/* The answer of a statement whose events were applied (cp). */
static void held_free(sl_pwconn_t *c);

/* CommandComplete of an INSERT / COPY that took n events (cp). */
static void answer(sl_pwconn_t *c, sl_pw_job_t *j, bool copy, long n, sl_pkt_t *cp)
{
    char tag[64];
    snprintf(tag, sizeof(tag), copy ? "COPY %ld" : "INSERT 0 %ld", n);
    sl_pkt_command_complete(cp, tag);
    j->priv_ok = false;     /* the next INSERT / COPY asks again */
    if (j->kind == SL_PW_JOB_EXT) {
        for (sl_pw_xportal_t *pt = c->xportals; pt != NULL; pt = pt->next) {
            if (j->xname && strcmp(pt->name, j->xname) == 0) {
                pt->done = true;
                pt->cmd.tag = sl_strdup(pt->arena, tag);
            }
        }
        j->xdone = true;
    } else {
        j->next++;
    }
}

static void finish(sl_pwconn_t *c, sl_pw_job_t *j, const sl_pw_flushwait_t *w, sl_pkt_t *cp)
{
    j->step = SL_PW_STEP_NONE;
    if (w->held) {
        held_free(c);
        if (w->status == SL_SINK_COMMITTED)
            return;     /* the block's COMMIT was answered already */
    }
    if (w->status != SL_SINK_COMMITTED) {
        sl_error_t err;
        sl_error_clear(&err);
        const char *msg = w->has_error ? w->e.message : "PostgreSQL is unreachable";
        switch (w->status) {
        case SL_SINK_REFUSED:
            sl_error_set(&err, w->e.sqlstate[0] ? w->e.sqlstate : "XX000", 0,
                         "PostgreSQL refused this statement's rows%s%s%s: %s",
                         w->e.view[0] ? " for continuous view \"" : "", w->e.view,
                         w->e.view[0] ? "\"" : "", msg);
            sl_error_detail(&err, "Nothing of this statement was applied.");
            break;
        case SL_SINK_UNKNOWN:
            sl_error_set(&err, "08007", 0, "sluiced stopped before PostgreSQL answered: "
                                           "this statement may or may not have been applied");
            break;
        default:
            sl_error_set(&err, "57P03", 0, "PostgreSQL could not commit this statement's "
                                           "events (%s); nothing of it was applied: retry it",
                         msg);
            break;
        }
        if (w->held) {
            /* The client's COMMIT is done and answered: say what became
             * of its events before its ReadyForQuery. */
            char m[sizeof(err.message)];
            snprintf(m, sizeof(m), "%s", err.message);
            sl_error_clear(&err);
            sl_error_set(&err, w->status == SL_SINK_UNKNOWN ? "08007" : "57P03", 0,
                         "the transaction committed, but its events for streams were not "
                         "applied: %s", m);
        }
        sl_pkt_error(cp, &err);
        j->failed = j->local_failed = !w->held;
        return;
    }
    answer(c, j, w->copy, w->n, cp);
}

static void on_flushed(void *arg, sl_sink_status_t status, const sl_sink_error_t *e)
{
    sl_pw_flushwait_t *w = arg;
    w->answered = true;
    w->status = status;
    if (e != NULL) {
        w->e = *e;
        w->has_error = true;
    }
    if (w->starting)
        return;
    sl_pwconn_t *c = w->c;
    if (c != NULL && c->job != NULL && c->job->step == SL_PW_STEP_FLUSH) {
        c->flushwait = NULL;
        sl_pkt_t cp = SL_PKT_INIT;
        finish(c, c->job, w, &cp);
        sl__pw_send_client(c, &cp);
        sl_pkt_free(&cp);
        free(w);
        sl__pw_job_resume(c);
        return;
    }
    if (c != NULL && c->flushwait == w)
        c->flushwait = NULL;
    free(w);
}

/*
 * Sends batch into stream s through the pipeline: SL_ERR with err (nothing
 * applied), or SL_OK with the answer in cp or j->step FLUSH.
 */
/* Which view refused a batch, and for COPY text (one row per line) where. */
static void refusal_context(const sl_pw_job_t *j, const sl_stream_t *s, bool copy,
                            const sl_pipeline_req_t *r, sl_error_t *err)
{
    const sl_copy_opts_t *dd = j->dml ? &j->dml->copy : NULL;
    if (r->bad_view && copy && dd->format == SL_COPY_TEXT && r->bad_row >= 0)
        snprintf(err->context, sizeof(err->context), "continuous view \"%s\", COPY %s, line %d",
                 r->bad_view, s->name, r->bad_row + 1 + (dd->header ? 1 : 0));
    else if (r->bad_view)
        snprintf(err->context, sizeof(err->context), "continuous view \"%s\"", r->bad_view);
}

/* Inside a transaction block: checks batch against every view and keeps a
 * copy of it for the block's end (its marker row was written with the
 * privilege check); answers at once. */
static int hold(sl_pwconn_t *c, sl_pw_job_t *j, sl_stream_t *s, sl_batch_t *batch, bool copy,
                sl_pkt_t *cp, sl_error_t *err)
{
    sl_server_t *srv = srv_of(c);
    sl_pipeline_req_t r = {
        .source = {.kind = copy ? "copy" : "insert", .role = c->user,
                   .backend_checked = j->priv_ok},
        .stream = s,
        .batch = batch,
    };
    if (sl_pipeline_check(srv, &r, c->qarena, err) != SL_OK) {
        refusal_context(j, s, copy, &r, err);
        return SL_ERR;
    }
    sl_arena_t *a = sl_arena_new(c->arena, "held events");
    size_t bytes;
    sl_batch_t *kept = sl_batch_copy(a, batch, &bytes);
    size_t limit = srv->cfg.max_body_size;
    if (c->held_bytes + bytes > limit) {
        sl_arena_free(a);
        sl_error_set(err, SL_ERRCODE_PROGRAM_LIMIT, 0,
                     "events held in this transaction block exceed max_body_size (%zu bytes)",
                     limit);
        sl_error_hint(err, "Commit the transaction more often, or send the events outside a "
                           "transaction block.");
        return SL_ERR;
    }
    if (c->nheld == c->heldcap) {
        c->heldcap = c->heldcap ? 2 * c->heldcap : 8;
        c->held = sl_xrealloc(c->held, sizeof(*c->held) * (size_t)c->heldcap);
    }
    sl_pw_held_t *h = &c->held[c->nheld++];
    memset(h, 0, sizeof(*h));
    h->mark = j->held_mark;
    h->stream = sl_strdup(a, s->name);
    h->stream_id = s->id;
    h->now = sl_exec_now();
    h->arena = a;
    h->batch = kept;
    c->held_bytes += bytes;
    j->held_mark = 0;
    answer(c, j, copy, batch->nrows, cp);
    return SL_OK;
}

static int ingest(sl_pwconn_t *c, sl_pw_job_t *j, sl_stream_t *s, sl_batch_t *batch, bool copy,
                  sl_pkt_t *cp, sl_error_t *err)
{
    sl_server_t *srv = srv_of(c);
    if (sl_pipeline_admit(srv, err) != SL_PIPE_OK)
        return SL_ERR;
    if (j->held_mark > 0)
        return hold(c, j, s, batch, copy, cp, err);
    sl_pw_flushwait_t *w = sl_xcalloc(1, sizeof(*w));
    w->c = c;
    w->starting = true;
    w->n = batch->nrows;
    w->copy = copy;
    sl_pipeline_req_t r = {
        .source = {.kind = copy ? "copy" : "insert", .role = c->user,
                   .backend_checked = j->priv_ok},
        .stream = s,
        .batch = batch,
        .done = on_flushed,
        .arg = w,
    };
    if (sl_pipeline_ingest(srv, &r, c->qarena, err) != SL_OK) {
        free(w);
        refusal_context(j, s, copy, &r, err);
        return SL_ERR;
    }
    w->starting = false;
    if (w->answered) {
        finish(c, j, w, cp);
        free(w);
        return SL_OK;
    }
    c->flushwait = w;
    j->step = SL_PW_STEP_FLUSH;
    return SL_OK;
}

/* INSERT ... VALUES rows evaluated into a batch (all-constant expressions). */
static int values_batch(const sl_insert_plan_t *p, sl_arena_t *a, sl_batch_t **out,
                        sl_error_t *err)
{
    const sl_stream_t *s = p->stream;
    sl_batch_t *b = sl_batch_new(a, s, p->nrows > 0 ? p->nrows : 1);
    for (int r = 0; r < p->nrows; r++) {
        int row = sl_batch_add_row(b);
        for (int c = 0; c < s->ncols; c++) {
            const sl_expr_t *e = p->cells[(size_t)r * (size_t)s->ncols + (size_t)c];
            if (e != NULL && sl_expr_eval(e, b, row, a, &b->cols[c][row], err) != SL_OK)
                return SL_ERR;
        }
    }
    *out = b;
    return SL_OK;
}

static void on_lease(void *arg)
{
    sl_pwconn_t *c = arg;
    if (c->job == NULL || c->job->step != SL_PW_STEP_LEASE)
        return;
    c->job->step = SL_PW_STEP_NONE;
    sl__pw_job_resume(c);
}

int sl__pw_dml_start(sl_pwconn_t *c, sl_pw_job_t *j, const char *q, const sl_stmt_t *st,
                     const char *const *params, int nparams, sl_pkt_t *cp, sl_pkt_t *bp,
                     sl_error_t *err)
{
    sl_server_t *srv = srv_of(c);
    const sl_dml_t *dd = st->dml;
    bool copy = st->kind == SL_STMT_COPY;
    if (copy && dd->copy_to) {
        sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, st->name_location,
                     "COPY from stream \"%s\" is not supported", st->name);
        sl_error_hint(err, "A stream keeps no rows: select from a continuous view on it "
                           "instead (COPY (SELECT ...) TO ...).");
        return SL_ERR;
    }
    sl_stream_t *s = sl_catalog_stream(&srv->catalog, st->name);
    if (s == NULL)
        return sl_error_set(err, SL_ERRCODE_UNDEFINED_TABLE, st->name_location,
                            "relation \"%s\" does not exist", st->name);
    if (sl_pipeline_admit(srv, err) != SL_PIPE_OK)
        return SL_ERR;
    sl_pw_dml_t *d = sl_alloc0(c->qarena, sizeof(*d));
    d->st = st;
    d->stream = sl_strdup(c->qarena, s->name);
    d->stream_id = s->id;
    if (sl_analyze_dml_targets(st, s, c->qarena, &d->colnos, &d->ntargets, err) != SL_OK ||
        (copy && sl_analyze_copy(st, &d->copy, err) != SL_OK))
        return SL_ERR;
    j->dml = d;

    /* PostgreSQL checks privileges once the statement is analyzed: so
     * here, after the targets (and a VALUES list) are. */
    sl_insert_plan_t plan;
    bool values = !copy && dd->query_start < 0;
    if (values && sl_analyze_insert(st, s, params, nparams, c->qarena, &plan, err) != SL_OK)
        return SL_ERR;
    if (!j->priv_ok) {
        const char *sql = sl_command_insert_check_sql(s->name, c->qarena);
        j->held_mark = 0;
        if (c->txn_status != 'I' || j->wrapped) {
            /* In a block: the statement's marker row goes in with it. */
            j->held_mark = ++c->held_seq;
            sql = sl_sprintf(c->qarena,
                             "%sCREATE TEMPORARY TABLE IF NOT EXISTS sluice_held_events "
                             "(n bigint);\nINSERT INTO " HELD_TABLE " VALUES (%lld)",
                             sql, (long long)j->held_mark);
        }
        sl_pkt_query(bp, sl__pw_enc_out(c, sql));
        j->step = SL_PW_STEP_PRIV;
        return SL_OK;
    }

    /* A stream's ingest lease not known to be held (sink/lease.h): the
     * statement waits for the attempt to take it, then runs again (and
     * finds the lease held, or its refusal). */
    if (srv->sink && !sl_sink_lease_ready(srv->sink, s, on_lease, c)) {
        j->step = SL_PW_STEP_LEASE;
        return SL_OK;
    }

    if (copy) {
        sl_pkt_begin(cp, 'G');
        sl_pkt_put_byte(cp, 0);
        sl_pkt_put_int16(cp, d->ntargets);
        for (int i = 0; i < d->ntargets; i++)
            sl_pkt_put_int16(cp, 0);
        sl_pkt_finish(cp);
        sl_buf_free(&c->copy_data);
        j->step = SL_PW_STEP_COPY;
        return SL_OK;
    }
    if (dd->query_start >= 0) {
        sl_pkt_query(bp, sl_strndup(c->qarena, q + dd->query_start,
                                    (size_t)(st->end - dd->query_start)));
        j->pos_delta = sl_pkt_utf8_chars(q, (size_t)dd->query_start);
        j->step = SL_PW_STEP_SELECT;
        return SL_OK;
    }
    sl_batch_t *batch = NULL;
    if (values_batch(&plan, c->qarena, &batch, err) != SL_OK)
        return SL_ERR;
    return ingest(c, j, s, batch, false, cp, err);
}

/* ---- INSERT ... query ---- */

bool sl__pw_dml_select_message(sl_pwconn_t *c, char type, const char *body, size_t len)
{
    sl_pw_dml_t *d = c->job->dml;
    sl_pkt_reader_t r;
    sl_pkt_reader_init(&r, body, len);
    if (type == 'T') {
        d->nfields = sl_pkt_get_int16(&r);
        return true;
    }
    if (type == 'C' || type == 'I')
        return true;
    if (type != 'D')
        return false;
    if (d->too_big)
        return true;
    d->bytes += len;
    if (d->bytes > srv_of(c)->cfg.max_body_size) {
        d->too_big = true;
        return true;
    }
    int n = sl_pkt_get_int16(&r);
    if (n != d->nfields || r.bad)
        return true;    /* cannot happen: the backend is well-formed */
    if (d->nrows == d->cap) {
        int ncap = d->cap ? 2 * d->cap : 64;
        size_t w = (size_t)(n > 0 ? n : 1);
        d->cells = sl_realloc(c->qarena, d->cells, sizeof(char *) * w * (size_t)d->cap,
                              sizeof(char *) * w * (size_t)ncap);
        d->cap = ncap;
    }
    char **row = d->cells + (size_t)d->nrows * (size_t)(n > 0 ? n : 1);
    for (int i = 0; i < n; i++) {
        int32_t l = sl_pkt_get_int32(&r);
        if (l < 0 || r.bad || (size_t)l > r.len - r.pos) {
            row[i] = NULL;
            continue;
        }
        row[i] = sl_strndup(c->qarena, (const char *)body + r.pos, (size_t)l);
        r.pos += (size_t)l;
    }
    d->nrows++;
    return true;
}

void sl__pw_dml_select_done(sl_pwconn_t *c, sl_pkt_t *cp)
{
    sl_pw_job_t *j = c->job;
    sl_pw_dml_t *d = j->dml;
    if (j->failed)
        return;             /* the backend's error was relayed */
    sl_error_t err;
    sl_error_clear(&err);
    const sl_dml_t *dd = d->st->dml;
    sl_stream_t *s = dml_stream(c, d, &err);
    if (s == NULL)
        goto fail;
    if (d->too_big) {
        sl_error_set(&err, SL_ERRCODE_PROGRAM_LIMIT, 0,
                     "the query's rows exceed max_body_size (%zu bytes)",
                     srv_of(c)->cfg.max_body_size);
        goto fail;
    }
    if (d->nfields > d->ntargets) {
        sl_error_set(&err, SL_ERRCODE_SYNTAX_ERROR, 0,
                     "INSERT has more expressions than target columns");
        goto fail;
    }
    if (d->nfields < d->ntargets && dd->ncols > 0) {
        sl_error_set(&err, SL_ERRCODE_SYNTAX_ERROR, dd->col_locations[d->nfields],
                     "INSERT has more target columns than expressions");
        goto fail;
    }
    sl_batch_t *b = sl_batch_new(c->qarena, s, d->nrows > 0 ? d->nrows : 1);
    size_t w = (size_t)(d->nfields > 0 ? d->nfields : 1);
    for (int r = 0; r < d->nrows; r++) {
        int row = sl_batch_add_row(b);
        for (int i = 0; i < d->nfields; i++) {
            const char *v = d->cells[(size_t)r * w + (size_t)i];
            const sl_column_t *col = &s->cols[d->colnos[i]];
            if (v != NULL && sl_type_input(col->type, col->typmod, v, (uint32_t)strlen(v),
                                           c->qarena, &b->cols[d->colnos[i]][row],
                                           &err) != SL_OK)
                goto fail;
        }
    }
    if (ingest(c, j, s, b, false, cp, &err) == SL_OK)
        return;
fail:
    sl_pkt_error(cp, &err);
    j->failed = j->local_failed = true;
}

/* ---- COPY ... FROM STDIN ---- */

/* COPY's CONTEXT line for a decoding error, as PostgreSQL writes it. */
static void copy_context(sl_error_t *err, const char *stream, const sl_ingest_error_t *ie)
{
    if (ie->column[0])
        snprintf(err->context, sizeof(err->context), "COPY %s, line %ld, column %s: \"%s\"",
                 stream, ie->line, ie->column, ie->value);
    else if (ie->value[0])
        snprintf(err->context, sizeof(err->context), "COPY %s, line %ld: \"%s\"", stream,
                 ie->line, ie->value);
    else
        snprintf(err->context, sizeof(err->context), "COPY %s, line %ld", stream, ie->line);
}

/* The stream's column names of the targets as a CSV header line (for
 * csv.c, which maps a header's names to columns). */
static void csv_header(const sl_stream_t *s, const sl_pw_dml_t *d, sl_buf_t *b)
{
    for (int i = 0; i < d->ntargets; i++) {
        const char *n = s->cols[d->colnos[i]].name;
        sl_buf_puts(b, i ? ",\"" : "\"");
        for (; *n; n++) {
            if (*n == '"')
                sl_buf_putc(b, '"');
            sl_buf_putc(b, *n);
        }
        sl_buf_putc(b, '"');
    }
    sl_buf_putc(b, '\n');
}

/* How much of CSV data comes before its end-of-data marker: a line that is
 * `\.` alone, outside a quoted value (as PostgreSQL's COPY FROM reads CSV;
 * psql's \copy sends the marker); len when there is none. */
static size_t csv_data_len(const char *data, size_t len, char quote, char escape)
{
    bool quoted = false;
    for (size_t i = 0; i < len; i++) {
        if ((i == 0 || data[i - 1] == '\n') && !quoted && data[i] == '\\' && i + 1 < len &&
            data[i + 1] == '.') {
            size_t k = i + 2;
            if (k < len && data[k] == '\r')
                k++;
            if (k == len || data[k] == '\n')
                return i;
        }
        if (quoted && escape != quote && data[i] == escape && i + 1 < len)
            i++;                /* an escaped character inside quotes */
        else if (data[i] == quote)
            quoted = !quoted;   /* a doubled quote inside flips twice */
    }
    return len;
}

/* CopyDone: decode everything and ingest it. */
static int copy_done(sl_pwconn_t *c, sl_pw_job_t *j, sl_pkt_t *cp, sl_error_t *err)
{
    sl_pw_dml_t *d = j->dml;
    const sl_copy_opts_t *dd = &d->copy;
    sl_stream_t *s = dml_stream(c, d, err);
    if (s == NULL)
        return SL_ERR;
    sl_ingest_error_t ie;
    memset(&ie, 0, sizeof(ie));
    sl_batch_t *b = NULL;
    const char *data = c->copy_data.data ? c->copy_data.data : "";
    size_t len = c->copy_data.len;
    int rc;
    if (dd->format == SL_COPY_TEXT) {
        sl_copytext_opts_t o = {.cols = d->colnos, .ncols = d->ntargets,
                                .delimiter = dd->delimiter, .null_string = dd->null_string,
                                .header = dd->header};
        rc = sl_copytext_decode(s, &o, data, len, c->qarena, &b, &ie);
    } else {
        /* csv.c maps a header's names to columns: the targets become one
         * (after the client's own header line, which COPY skips). */
        long skipped = 0;
        len = csv_data_len(data, len, dd->quote, dd->escape);
        if (dd->header) {
            const char *nl = memchr(data, '\n', len);
            size_t k = nl ? (size_t)(nl - data) + 1 : len;
            data += k;
            len -= k;
            skipped = 1;
        }
        sl_buf_t hb = SL_BUF_INIT;
        csv_header(s, d, &hb);
        size_t hlen = hb.len;
        sl_buf_append(&hb, data, len);
        char *body = sl_alloc(c->qarena, hb.len + 1);
        memcpy(body, hb.data, hb.len);
        body[hb.len] = 0;
        size_t blen = hb.len;
        sl_buf_free(&hb);
        (void)hlen;
        rc = sl_csv_decode(s, body, blen, true, c->qarena, &b, &ie);
        if (rc != SL_OK)
            ie.line = ie.line - 1 + skipped;
    }
    if (rc != SL_OK) {
        sl_error_set(err, ie.sqlstate[0] ? ie.sqlstate : "22P04", 0, "%s", ie.message);
        copy_context(err, s->name, &ie);
        return SL_ERR;
    }
    return ingest(c, j, s, b, true, cp, err);
}

/* Ends STEP_COPY with err (the job then ends with ReadyForQuery; CopyData
 * the client still sends goes to the backend, which ignores it). */
static void copy_fail(sl_pwconn_t *c, sl_pw_job_t *j, const sl_error_t *err)
{
    sl_pkt_t cp = SL_PKT_INIT;
    sl_pkt_error(&cp, err);
    sl__pw_send_client(c, &cp);
    sl_pkt_free(&cp);
    sl_buf_free(&c->copy_data);
    j->failed = j->local_failed = true;
    j->step = SL_PW_STEP_NONE;
}

void sl__pw_dml_copy_message(sl_pwconn_t *c, struct evbuffer *in, const sl_pkt_hdr_t *h)
{
    sl_pw_job_t *j = c->job;
    size_t blen = h->size - h->body;
    size_t limit = srv_of(c)->cfg.max_body_size;
    sl_error_t err;
    sl_error_clear(&err);
    char t = h->type;
    size_t have = evbuffer_get_length(in);
    if (have < h->size && t != 'd') {
        /* Only CopyData may be that large: drop the rest as it comes. */
        evbuffer_drain(in, have);
        c->relay_left = h->size - have;
        c->relay_drop = true;
        sl_error_set(&err, SL_ERRCODE_PROTOCOL_VIOLATION, 0,
                     "unexpected message type 0x%02X during COPY from stdin", (unsigned char)t);
        copy_fail(c, j, &err);
        sl__pw_job_run(c);
        return;
    }
    if (t == 'd') {
        if (c->copy_data.len + blen > limit) {
            size_t k = h->size < have ? h->size : have;
            evbuffer_drain(in, k);
            c->relay_left = h->size - k;
            c->relay_drop = c->relay_left > 0;
            sl_error_set(&err, SL_ERRCODE_PROGRAM_LIMIT, 0,
                         "COPY data exceed max_body_size (%zu bytes)", limit);
            sl_error_hint(&err, "Send the rows in several COPY statements.");
            copy_fail(c, j, &err);
            sl__pw_job_run(c);
            return;
        }
        evbuffer_drain(in, h->body);
        sl_buf_reserve(&c->copy_data, blen + 1);
        evbuffer_remove(in, c->copy_data.data + c->copy_data.len, blen);
        c->copy_data.len += blen;
        c->copy_data.data[c->copy_data.len] = 0;
        return;
    }
    if (t == 'H' || t == 'S') {
        evbuffer_drain(in, h->size);    /* ignored during COPY IN, as by PostgreSQL */
        return;
    }
    if (t == 'f') {
        char msg[300] = "";
        size_t k = blen < sizeof(msg) - 1 ? blen : sizeof(msg) - 1;
        evbuffer_drain(in, h->body);
        evbuffer_remove(in, msg, k);
        evbuffer_drain(in, blen - k);
        msg[k] = 0;
        sl_error_set(&err, "57014", 0, "COPY from stdin failed: %s", msg);
        copy_fail(c, j, &err);
        sl__pw_job_run(c);
        return;
    }
    if (t != 'c') {
        evbuffer_drain(in, h->size);
        sl_error_set(&err, SL_ERRCODE_PROTOCOL_VIOLATION, 0,
                     "unexpected message type 0x%02X during COPY from stdin", (unsigned char)t);
        copy_fail(c, j, &err);
        sl__pw_job_run(c);
        return;
    }
    evbuffer_drain(in, h->size);
    sl_pkt_t cp = SL_PKT_INIT;
    j->step = SL_PW_STEP_NONE;
    if (copy_done(c, j, &cp, &err) != SL_OK) {
        sl_pkt_error(&cp, &err);
        j->failed = j->local_failed = true;
        j->step = SL_PW_STEP_NONE;
    }
    sl_buf_free(&c->copy_data);
    sl__pw_send_client(c, &cp);
    sl_pkt_free(&cp);
    if (j->step != SL_PW_STEP_FLUSH)
        sl__pw_job_run(c);
}

/* ---- extended protocol ---- */

uint32_t *sl__pw_dml_param_types(sl_pwconn_t *c, const sl_stmt_t *st, int n,
                                 const uint32_t *given, int ngiven, sl_arena_t *a)
{
    uint32_t *t = sl_alloc0(a, sizeof(uint32_t) * (size_t)(n + 1));
    for (int i = 0; i < n; i++)
        t[i] = i < ngiven && given[i] != 0 ? given[i] : 25;
    sl_stream_t *s = sl_catalog_stream(&srv_of(c)->catalog, st->name);
    const sl_dml_t *d = st->dml;
    int *cols = NULL, nt = 0;
    sl_error_t err;
    sl_error_clear(&err);
    if (s == NULL || d->nrows == 0 || sl_analyze_dml_targets(st, s, a, &cols, &nt, &err) != SL_OK)
        return t;
    for (int r = 0; r < d->nrows; r++) {
        const sl_ast_node_t *row = d->rows[r];
        for (int i = 0; i < row->ntargets && i < nt; i++) {
            const sl_ast_node_t *e = row->targets[i];
            int k = e->kind == SL_A_PARAM ? atoi(e->str + 1) : 0;
            if (k >= 1 && k <= n && !(k - 1 < ngiven && given[k - 1] != 0))
                t[k - 1] = sl_type_oid(s->cols[cols[i]].type);
        }
    }
    return t;
}

void sl__pw_dml_abort(sl_pwconn_t *c)
{
    if (srv_of(c)->sink != NULL)
        sl_sink_lease_cancel(srv_of(c)->sink, c);
    if (c->flushwait != NULL) {
        c->flushwait->c = NULL;
        c->flushwait = NULL;
    }
    sl_buf_free(&c->copy_data);
    held_free(c);
}

/* ---- events held for a COMMIT ---- */

static void held_free(sl_pwconn_t *c)
{
    for (int i = 0; i < c->nheld; i++)
        sl_arena_free(c->held[i].arena);
    free(c->held);
    c->held = NULL;
    c->nheld = c->heldcap = 0;
    c->held_bytes = 0;
}

bool sl__pw_held_due(const sl_pwconn_t *c)
{
    return c->nheld > 0 && c->txn_status == 'I';
}

void sl__pw_held_collect(sl_pwconn_t *c, sl_pw_job_t *j, sl_pkt_t *bp)
{
    for (int i = 0; i < c->nheld; i++)
        c->held[i].committed = false;
    /* Outside a block: PostgreSQL's autocommit.  The table may be gone
     * with a rolled back block that created it: an error, no rows. */
    sl_pkt_query(bp, "DELETE FROM " HELD_TABLE " RETURNING n");
    j->step = SL_PW_STEP_HELD;
}

void sl__pw_held_row(sl_pwconn_t *c, const char *body, size_t len)
{
    sl_pkt_reader_t r;
    sl_pkt_reader_init(&r, body, len);
    int n = sl_pkt_get_int16(&r);
    int32_t l = sl_pkt_get_int32(&r);
    if (n != 1 || r.bad || l <= 0 || l > 20 || (size_t)l > r.len - r.pos)
        return;
    char num[24];
    memcpy(num, r.data + r.pos, (size_t)l);
    num[l] = 0;
    long long mark = strtoll(num, NULL, 10);
    for (int i = 0; i < c->nheld; i++)
        if (c->held[i].mark == mark)
            c->held[i].committed = true;
}

static void held_done_nothing(void *arg, sl_sink_status_t status, const sl_sink_error_t *e)
{
    (void)arg;
    (void)status;
    (void)e;
}

void sl__pw_held_apply(sl_pwconn_t *c, sl_pw_job_t *j, sl_pkt_t *cp)
{
    sl_server_t *srv = srv_of(c);
    sl_error_t err;
    sl_error_clear(&err);
    int last = -1;
    long total = 0;
    /* All of the block's events or none: every batch checked first. */
    for (int i = 0; i < c->nheld; i++) {
        sl_pw_held_t *h = &c->held[i];
        if (!h->committed)
            continue;
        sl_stream_t *s = sl_catalog_stream(&srv->catalog, h->stream);
        if (s == NULL || s->id != h->stream_id) {
            sl_error_set(&err, SL_ERRCODE_UNDEFINED_TABLE, 0, "stream \"%s\" was dropped",
                         h->stream);
            goto fail;
        }
        sl_pipeline_req_t r = {
            .source = {.kind = "insert", .role = c->user, .backend_checked = true},
            .stream = s, .batch = h->batch, .now = h->now,
        };
        if (sl_pipeline_admit(srv, &err) != SL_PIPE_OK ||
            sl_pipeline_check(srv, &r, c->qarena, &err) != SL_OK)
            goto fail;
        last = i;
        total += h->batch->nrows;
    }
    if (last < 0) {
        held_free(c);   /* rolled back, or nothing in it */
        return;
    }
    sl_pw_flushwait_t *w = sl_xcalloc(1, sizeof(*w));
    w->c = c;
    w->starting = true;
    w->n = total;
    w->held = true;
    for (int i = 0; i <= last; i++) {
        sl_pw_held_t *h = &c->held[i];
        if (!h->committed)
            continue;
        sl_pipeline_req_t r = {
            .source = {.kind = "insert", .role = c->user, .backend_checked = true},
            .stream = sl_catalog_stream(&srv->catalog, h->stream),
            .batch = h->batch, .now = h->now,
            .done = i == last ? on_flushed : held_done_nothing,
            .arg = i == last ? (void *)w : NULL,
        };
        if (sl_pipeline_ingest(srv, &r, c->qarena, &err) != SL_OK) {
            /* Checked just now on this loop turn: cannot happen. */
            if (i == last)
                free(w);
            goto fail;
        }
    }
    w->starting = false;
    if (w->answered) {
        finish(c, j, w, cp);
        free(w);
        return;
    }
    c->flushwait = w;
    j->step = SL_PW_STEP_FLUSH;
    return;
fail:;
    char m[sizeof(err.message)];
    snprintf(m, sizeof(m), "%s", err.message);
    char state[6];
    memcpy(state, err.sqlstate, sizeof(state));
    sl_error_clear(&err);
    sl_error_set(&err, state[0] ? state : "XX000", 0,
                 "the transaction committed, but its events for streams were refused: %s", m);
    sl_error_detail(&err, "None of the transaction's events was applied.");
    sl_pkt_error(cp, &err);
    held_free(c);
}
