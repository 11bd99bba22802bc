/*
 * pgwire_relay.c: what happens to each message once a client connection is
 * READY (PgBouncer's protocol callback): read a header, then either relay
 * the message's bytes to the other side untouched or handle it.
 *
 *   client -> backend   Query: split (sl_sql_split); all forwarded/empty ->
 *                       relayed as is; else run as a job (below).
 *                       Parse carrying a Sluice statement -> 0A000 and
 *                       discard until Sync.  Terminate -> close.  Anything
 *                       else (extended protocol, COPY data, FunctionCall)
 *                       -> relayed.
 *   backend -> client   relayed in spans, noting ReadyForQuery (transaction
 *                       status, answered sync points) and COPY IN starts;
 *                       while a job's own request is in flight, filtered by
 *                       the job's step.
 *
 * A job runs a Simple Query statement by statement (exec_simple_query
 * order): a run of forwarded statements goes to the backend as one Query
 * whose ReadyForQuery is swallowed; a Sluice statement is prepared by the
 * server (sl_command_prepare) and carried out as server.h describes.  The
 * first error stops the rest; one ReadyForQuery ends the query.  A job
 * only sends its own requests once every ReadyForQuery owed for earlier
 * relayed messages has arrived, so the two never interleave.
 */
#include "net/pgwire_int.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#define ERR_PEEK 512   /* bytes of an ErrorResponse read to find its severity */

/* ---- sync points owed by the backend ---- */

static bool pending_empty(const sl_pwconn_t *c)
{
    return c->pending_head == c->pending_len;
}

static void pending_push(sl_pwconn_t *c, char kind)
{
    if (c->pending_len == c->pending_cap) {
        if (c->pending_head > 0) {
            memmove(c->pending, c->pending + c->pending_head, c->pending_len - c->pending_head);
            c->pending_len -= c->pending_head;
            c->pending_head = 0;
        } else {
            c->pending_cap = c->pending_cap ? c->pending_cap * 2 : 16;
            c->pending = sl_xrealloc(c->pending, c->pending_cap);
        }
    }
    c->pending[c->pending_len++] = kind;
}

static void pending_pop(sl_pwconn_t *c)
{
    if (pending_empty(c))
        return;
    if (++c->pending_head == c->pending_len)
        c->pending_head = c->pending_len = 0;
}

/* ---- small helpers ---- */

static void relay_to_backend(sl_pwconn_t *c, struct evbuffer *in, size_t n)
{
    evbuffer_remove_buffer(in, bufferevent_get_output(c->backend), n);
}

static void relay_to_client(sl_pwconn_t *c, struct evbuffer *in, size_t n)
{
    if (n > 0)
        evbuffer_remove_buffer(in, bufferevent_get_output(c->client), n);
}

/* Copies the body of the message at the head of in (header h) into the
 * query arena, NUL-terminated; NULL if it is too large to hold. */
static char *copy_body(sl_pwconn_t *c, struct evbuffer *in, const sl_pkt_hdr_t *h)
{
    size_t n = h->size - h->body;
    char *body = sl_alloc_bounded(c->qarena, n + 1, (size_t)SL_PKT_MAX_MESSAGE + 1);
    if (body == NULL)
        return NULL;
    struct evbuffer_ptr ptr;
    evbuffer_ptr_set(in, &ptr, h->body, EVBUFFER_PTR_SET);
    evbuffer_copyout_from(in, &ptr, body, n);
    body[n] = 0;
    return body;
}

static void fatal(sl_pwconn_t *c, const char *sqlstate, const char *msg)
{
    sl_error_t err;
    sl_error_clear(&err);
    sl_error_set(&err, sqlstate, 0, "%s", msg);
    sl__pw_fatal(c, &err);
}

/* Notes a FATAL/PANIC ErrorResponse from the backend: the connection ends
 * after it and the client has been told why. */
static void note_severity(sl_pwconn_t *c, const char *body, size_t len)
{
    const char *sev = sl_pkt_error_field(body, len, 'V');
    if (sev == NULL)
        sev = sl_pkt_error_field(body, len, 'S');
    if (sev && (strcmp(sev, "FATAL") == 0 || strcmp(sev, "PANIC") == 0))
        c->fatal_relayed = true;
}

static bool all_forwarded(const sl_stmt_t *stmts, int n)
{
    for (int i = 0; i < n; i++)
        if (stmts[i].kind != SL_STMT_FORWARD && stmts[i].kind != SL_STMT_EMPTY)
            return false;
    return true;
}

/* ---- jobs ---- */

/* NOTICE, rows and CommandComplete of a finished Sluice command. */
static void command_results(sl_pkt_t *p, const sl_command_t *cmd)
{
    if (cmd->notice)
        sl_pkt_notice_text(p, cmd->notice);
    if (cmd->ncols > 0) {
        sl_pkt_row_description(p, cmd->ncols, cmd->colnames, cmd->coltypes);
        for (int r = 0; r < cmd->nrows; r++)
            sl_pkt_data_row(p, cmd->ncols, cmd->cells + (size_t)r * (size_t)cmd->ncols);
    }
    sl_pkt_command_complete(p, cmd->tag ? cmd->tag : "");
}

/* Ends the job (it lives on in the query arena until the next reset). */
static void job_end(sl_pwconn_t *c, sl_pkt_t *to_client, bool ready)
{
    if (ready)
        sl_pkt_ready_for_query(to_client, c->txn_status);
    c->job = NULL;
}

/*
 * Runs the job's statements until one needs the backend (its request is
 * sent and the job waits in a step) or the job ends (c->job is NULL then;
 * the caller resumes reading the client's messages).  c stays alive.
 */
static void job_run(sl_pwconn_t *c)
{
    sl_pw_job_t *j = c->job;
    sl_pkt_t cp = SL_PKT_INIT, bp = SL_PKT_INIT;
    sl_error_t err;

    while (c->job == j && j->step == SL_PW_STEP_NONE && c->state == SL_PW_READY) {
        if (!pending_empty(c))
            break;      /* the backend still answers earlier messages */
        sl_error_clear(&err);
        if (c->unsynced > 0) {
            /* Earlier extended-protocol messages are answered only at a
             * Sync: send one (a Query would end their implicit transaction
             * too) and relay their answers before ours. */
            sl_pkt_sync(&bp);
            c->unsynced = 0;
            j->step = SL_PW_STEP_SYNC;
            break;
        }
        if (j->kind == SL_PW_JOB_REJECT || j->sync_failed) {
            /* An earlier extended message failed: PostgreSQL would now
             * discard everything until Sync, this message included, and
             * that first error stands. */
            sl_error_set(&err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0,
                         "Sluice statements must use the simple query protocol");
            if (!j->sync_failed)
                sl_pkt_error(&cp, &err);
            c->discard_until_sync = true;
            job_end(c, &cp, false);
            break;
        }
        if (j->failed || j->next >= j->nstmts) {
            if (!j->failed && j->split_failed)
                sl_pkt_error(&cp, &j->split_err);
            job_end(c, &cp, true);
            break;
        }
        const sl_stmt_t *st = &j->stmts[j->next];
        if (st->kind == SL_STMT_EMPTY) {
            j->next++;
            continue;
        }
        if (st->kind == SL_STMT_FORWARD) {
            int last = j->next;
            for (int k = j->next + 1; k < j->nstmts; k++) {
                if (j->stmts[k].kind == SL_STMT_FORWARD)
                    last = k;
                else if (j->stmts[k].kind != SL_STMT_EMPTY)
                    break;
            }
            size_t from = (size_t)st->start, to = (size_t)j->stmts[last].end;
            sl_pkt_query(&bp, sl_strndup(c->qarena, j->query + from, to - from));
            j->pos_delta = sl_pkt_utf8_chars(j->query, from);
            j->next = last + 1;
            j->step = SL_PW_STEP_FORWARD;
            break;
        }
        sl_command_t *cmd = &j->cmd;
        if (sl_command_prepare(c->pw->srv, st, c->qarena, cmd, &err) != SL_OK) {
            if (!sl_error_isset(&err))
                sl_error_set(&err, SL_ERRCODE_INTERNAL_ERROR, 0, "could not run statement");
            sl_pkt_error(&cp, &err);
            j->failed = true;
            continue;
        }
        if (cmd->in_txn_forbidden && (c->txn_status == 'T' || c->txn_status == 'E')) {
            if (cmd->done)
                cmd->done(cmd->arg, SL_DDL_FAILED);
            cmd->done = NULL;
            sl_error_set(&err, "25001", 0, "%s cannot run inside a transaction block",
                         cmd->tag ? cmd->tag : "this statement");
            sl_pkt_error(&cp, &err);
            j->failed = true;
            continue;
        }
        if (cmd->backend_sql) {
            sl_pkt_query(&bp, cmd->backend_sql);
            j->step = SL_PW_STEP_COMMAND;
            break;
        }
        command_results(&cp, cmd);
        j->next++;
    }
    sl__pw_send_client(c, &cp);
    sl__pw_send_backend(c, &bp);
    sl_pkt_free(&cp);
    sl_pkt_free(&bp);
}

/* The backend's ReadyForQuery ended the job's request in flight. */
static void step_done(sl_pwconn_t *c)
{
    sl_pw_job_t *j = c->job;
    sl_pw_step_t step = j->step;
    j->step = SL_PW_STEP_NONE;
    if (step == SL_PW_STEP_COMMAND) {
        sl_command_t *cmd = &j->cmd;
        if (cmd->done)
            cmd->done(cmd->arg, j->failed ? SL_DDL_FAILED : SL_DDL_COMMITTED);
        cmd->done = NULL;
        if (!j->failed) {
            sl_pkt_t cp = SL_PKT_INIT;
            command_results(&cp, cmd);
            sl__pw_send_client(c, &cp);
            sl_pkt_free(&cp);
        }
        j->next++;
    }
    job_run(c);
}

void sl__pw_job_abort(sl_pwconn_t *c)
{
    sl_pw_job_t *j = c->job;
    if (j == NULL)
        return;
    if (j->step == SL_PW_STEP_COMMAND && j->cmd.done)
        j->cmd.done(j->cmd.arg, SL_DDL_UNKNOWN);
    j->cmd.done = NULL;
    c->job = NULL;
}

/* Starts a job for the query / Parse text q (already split); the message
 * itself has been consumed. */
static void job_start(sl_pwconn_t *c, sl_pw_job_kind_t kind, const char *q, sl_stmt_t *stmts,
                      int n, int rc, const sl_error_t *serr)
{
    sl_pw_job_t *j = sl_alloc0(c->qarena, sizeof(*j));
    j->kind = kind;
    j->query = q;
    j->stmts = stmts;
    j->nstmts = n;
    j->split_failed = rc != SL_OK;
    j->split_err = *serr;
    if (j->split_failed && !sl_error_isset(&j->split_err))
        sl_error_set(&j->split_err, SL_ERRCODE_SYNTAX_ERROR, 0, "syntax error");
    c->job = j;
    job_run(c);
}

/* ---- client -> backend ---- */

/* Query: relay if nothing in it is Sluice's, else run it as a job. */
static void simple_query(sl_pwconn_t *c, struct evbuffer *in, const sl_pkt_hdr_t *h)
{
    sl_arena_reset(c->qarena);
    char *q = copy_body(c, in, h);
    size_t blen = h->size - h->body;
    if (q == NULL) {
        fatal(c, "53200", "out of memory");
        return;
    }
    if (sl_pkt_query_text(q, blen) == NULL) {
        fatal(c, SL_ERRCODE_PROTOCOL_VIOLATION, "invalid message format");
        return;
    }
    sl_stmt_t *stmts = NULL;
    int n = 0;
    sl_error_t serr;
    sl_error_clear(&serr);
    int rc = sl_sql_split(q, blen - 1, c->qarena, &stmts, &n, &serr);
    if (rc == SL_OK && all_forwarded(stmts, n)) {
        relay_to_backend(c, in, h->size);
        pending_push(c, 'Q');
        c->unsynced = 0;
        return;
    }
    evbuffer_drain(in, h->size);
    job_start(c, SL_PW_JOB_QUERY, q, stmts, n, rc, &serr);
}

/* Parse: relay unless its query is (or contains) a Sluice statement. */
static void parse_message(sl_pwconn_t *c, struct evbuffer *in, const sl_pkt_hdr_t *h)
{
    sl_arena_reset(c->qarena);
    char *body = copy_body(c, in, h);
    if (body == NULL) {
        fatal(c, "53200", "out of memory");
        return;
    }
    const char *q = sl_pkt_parse_text(body, h->size - h->body);
    sl_stmt_t *stmts = NULL;
    int n = 0, rc = SL_OK;
    sl_error_t serr;
    sl_error_clear(&serr);
    if (q != NULL)
        rc = sl_sql_split(q, strlen(q), c->qarena, &stmts, &n, &serr);
    if (q == NULL || (rc == SL_OK && all_forwarded(stmts, n))) {
        relay_to_backend(c, in, h->size);       /* malformed: the backend says so */
        c->unsynced++;
        return;
    }
    evbuffer_drain(in, h->size);
    job_start(c, SL_PW_JOB_REJECT, q, stmts, n, rc, &serr);
}

/* Handles one whole client message at the head of in. */
static void client_message(sl_pwconn_t *c, struct evbuffer *in, const sl_pkt_hdr_t *h)
{
    char t = h->type;
    if (t == 'X') {
        if (pending_empty(c) && c->unsynced == 0) {
            evbuffer_drain(in, h->size);
            sl__pw_close(c);
            return;
        }
        /* Answers still due: the backend sends them, then closes. */
        relay_to_backend(c, in, h->size);
        c->terminating = true;
        bufferevent_disable(c->client, EV_READ);
        return;
    }
    if (c->discard_until_sync) {
        evbuffer_drain(in, h->size);
        if (t == 'S') {
            sl_pkt_t p = SL_PKT_INIT;
            c->discard_until_sync = false;
            sl_pkt_ready_for_query(&p, c->txn_status);
            sl__pw_send_client(c, &p);
            sl_pkt_free(&p);
        }
        return;
    }
    if (c->copy_in) {
        if (t == 'd' || t == 'c' || t == 'f' || t == 'H' || t == 'S') {
            /* Flush and Sync are ignored by the backend in COPY IN. */
            relay_to_backend(c, in, h->size);
            if (t == 'c' || t == 'f')
                c->copy_in = false;
            return;
        }
        c->copy_in = false;     /* the backend will complain itself */
        if (c->job)
            return;             /* the job's turn first */
    }
    switch (t) {
    case 'Q':
        simple_query(c, in, h);
        break;
    case 'P':
        parse_message(c, in, h);
        break;
    case 'S':
        relay_to_backend(c, in, h->size);
        pending_push(c, 'S');
        c->unsynced = 0;
        break;
    case 'F':
        relay_to_backend(c, in, h->size);
        pending_push(c, 'F');
        break;
    case 'B': case 'D': case 'E': case 'C':
        relay_to_backend(c, in, h->size);
        c->unsynced++;
        break;
    default:
        /* Flush, stray COPY messages, unknown types: the backend's call. */
        relay_to_backend(c, in, h->size);
        break;
    }
}

void sl__pw_client_input(sl_pwconn_t *c)
{
    struct evbuffer *in = bufferevent_get_input(c->client);
    while (c->state == SL_PW_READY && !c->terminating) {
        if (c->job && !c->copy_in)
            break;              /* later messages wait for the running query */
        unsigned char head[5];
        sl_pkt_hdr_t h;
        sl_error_t err;
        sl_error_clear(&err);
        size_t avail = evbuffer_get_length(in);
        evbuffer_copyout(in, head, sizeof(head));
        int rc = sl_pkt_read_header(head, avail, false, SL_PKT_MAX_MESSAGE, &h, &err);
        if (rc == SL_AGAIN)
            break;
        if (rc != SL_OK) {
            sl__pw_fatal(c, &err);
            return;
        }
        client_message(c, in, &h);
    }
    sl__pw_flow(c);
}

/* ---- backend -> client ---- */

/*
 * Handles one whole backend message at the head of in while the job's own
 * request is in flight.  Sets *kick when the client's messages may be read
 * again (job ended or COPY IN began).
 */
static void job_message(sl_pwconn_t *c, struct evbuffer *in, const sl_pkt_hdr_t *h,
                        const unsigned char *head, bool *kick)
{
    sl_pw_job_t *j = c->job;
    char t = h->type;
    if (t == 'Z') {
        c->txn_status = (char)head[5];
        evbuffer_drain(in, h->size);
        step_done(c);
        if (c->job == NULL)
            *kick = true;
        return;
    }
    if (t == 'E' && j->step != SL_PW_STEP_SYNC) {
        size_t blen = h->size - h->body;
        char *body = copy_body(c, in, h);
        evbuffer_drain(in, h->size);
        j->failed = true;
        if (body == NULL)
            return;
        note_severity(c, body, blen);
        /* Positions: relative to the whole query for a forwarded run;
         * meaningless for a command's generated SQL. */
        int delta = j->step == SL_PW_STEP_FORWARD ? j->pos_delta : -1;
        sl_pkt_t p = SL_PKT_INIT;
        if (sl_pkt_copy_error(&p, 'E', body, blen, delta))
            sl__pw_send_client(c, &p);
        sl_pkt_free(&p);
        return;
    }
    if (t == 'E')
        j->sync_failed = true;  /* SYNC step: the client's own error */
    if (j->step == SL_PW_STEP_COMMAND && t != 'S' && t != 'A') {
        evbuffer_drain(in, h->size);   /* the command answers for itself */
        return;
    }
    if (t == 'G' || t == 'W') {
        c->copy_in = true;
        *kick = true;
    }
    relay_to_client(c, in, h->size);
}

void sl__pw_backend_input(sl_pwconn_t *c)
{
    struct evbuffer *in = bufferevent_get_input(c->backend);
    size_t span = 0;            /* bytes at the head of in to relay as is */
    bool kick = false;

    while (c->state == SL_PW_READY) {
        size_t avail = evbuffer_get_length(in) - span;
        unsigned char head[6];
        struct evbuffer_ptr ptr;
        sl_pkt_hdr_t h;
        sl_error_t err;
        sl_error_clear(&err);
        if (avail < 5)
            break;
        evbuffer_ptr_set(in, &ptr, span, EVBUFFER_PTR_SET);
        evbuffer_copyout_from(in, &ptr, head, avail >= 6 ? 6 : 5);
        int rc = sl_pkt_read_header(head, avail, false, SL_PKT_MAX_MESSAGE, &h, &err);
        if (rc == SL_AGAIN)
            break;
        if (rc != SL_OK) {
            relay_to_client(c, in, span);
            span = 0;
            fatal(c, SL_ERRCODE_PROTOCOL_VIOLATION,
                  "invalid message from the backing PostgreSQL");
            return;
        }
        bool job_step = c->job && c->job->step != SL_PW_STEP_NONE && pending_empty(c);
        if (job_step) {
            relay_to_client(c, in, span);
            span = 0;
            job_message(c, in, &h, head, &kick);
            continue;
        }
        /* Relayed as is; only a few types need a look. */
        switch (h.type) {
        case 'Z':
            c->txn_status = (char)head[5];
            pending_pop(c);
            span += h.size;
            if (c->job && pending_empty(c)) {
                relay_to_client(c, in, span);
                span = 0;
                job_run(c);
                if (c->job == NULL)
                    kick = true;
            }
            continue;
        case 'G':
        case 'W':
            /* COPY IN from an Execute: the Sync sent after it is ignored
             * by the backend until the copy ends. */
            c->copy_in = true;
            if (!pending_empty(c) && c->pending[c->pending_head] == 'S')
                pending_pop(c);
            kick = true;
            break;
        case 'E': {
            char peek[ERR_PEEK];
            size_t n = h.size - h.body < sizeof(peek) ? h.size - h.body : sizeof(peek);
            evbuffer_ptr_set(in, &ptr, span + h.body, EVBUFFER_PTR_SET);
            evbuffer_copyout_from(in, &ptr, peek, n);
            note_severity(c, peek, n);
            break;
        }
        default:
            break;
        }
        span += h.size;
    }
    relay_to_client(c, in, span);
    if (kick && c->state == SL_PW_READY)
        sl__pw_client_input(c);
    sl__pw_flow(c);
}
