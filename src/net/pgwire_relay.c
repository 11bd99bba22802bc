/*
 * pgwire_relay.c: what happens to each message once a client connection is
 * READY (PgBouncer's protocol callback): read a header, then either relay
 * the message's bytes to the other side untouched or handle it.
 *
 *   client -> backend   Query: split (sl_sql_split); all forwarded/empty ->
 *                       relayed as is; else run as a job (below).
 *                       Parse carrying a Sluice statement, and Bind,
 *                       Describe, Execute, Close naming a Sluice statement
 *                       or portal -> answered by sluiced as a job (below).
 *                       Terminate -> close.  Anything else (extended
 *                       protocol, COPY data, FunctionCall) -> relayed.
 *   backend -> client   relayed in spans, noting ReadyForQuery (transaction
 *                       status, answered sync points) and COPY IN starts;
 *                       while a job's own request is in flight, filtered by
 *                       the job's step.
 *
 * Memory: Query and Parse are read whole (they are parsed), up to
 * max_query_size (54000 and close beyond); any other message over
 * SL_PW_STREAM_MIN is streamed to the other side as its bytes arrive
 * (relay_left, back_left), so a client announcing 1 GiB costs no more than
 * the socket buffers that backpressure allows.
 *
 * A job runs a Simple Query statement by statement (exec_simple_query
 * order): a run of forwarded statements goes to the backend as one Query
 * whose ReadyForQuery is swallowed; a Sluice statement is prepared by the
 * server (sl_command_prepare) and carried out as server.h describes.  The
 * first error stops the rest; one ReadyForQuery ends the query.  A job
 * only sends its own requests once every ReadyForQuery owed for earlier
 * relayed messages has arrived, so the two never interleave.
 *
 * Extended protocol: a Parse of a Sluice statement makes a statement of
 * sluiced's own (sl_pw_xstmt_t; the backend never sees it), a Bind of it a
 * portal (sl_pw_xportal_t); each message naming one is a job that waits
 * like a Query job (relayed extended messages not yet synced are flushed
 * with a Sync of ours first) and then answers in place: ParseComplete,
 * BindComplete, ParameterDescription + RowDescription/NoData, rows up to
 * the limit + PortalSuspended/CommandComplete (a DDL's backend_sql runs on
 * the backend as a Query), CloseComplete.  The client's Sync is relayed,
 * so the backend answers it.  After an error of sluiced's, everything is
 * discarded until Sync, which sluiced answers; inside a transaction block
 * a failing statement (abort_sql) first aborts the block on the backend.
 *
 * Transactions: a DDL's backend_sql runs in whatever transaction the
 * client has open.  Inside a block its done callback waits in c->txn
 * (txn_defer) and is called when the block ends: the backend's
 * CommandComplete "COMMIT" applies the changes, ReadyForQuery 'I' without
 * it throws them away (ROLLBACK, a failed COMMIT), a "ROLLBACK" that leaves
 * the block open (TO SAVEPOINT) makes them uncertain: before the session's
 * next Sluice statement a check query (STEP_CHECK) says which still hold;
 * a COMMIT before that makes the outcome a lookup.  A
 * Query job of several statements with no transaction control of its own
 * runs between a BEGIN and a COMMIT (ROLLBACK after an error) of sluiced's
 * (STEP_BEGIN, STEP_END), whose answers the client never sees, so that the
 * whole string is atomic as in PostgreSQL.
 */
#include "net/pgwire_int.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/uio.h>

#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>

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

/* ---- Sluice DDL of the open transaction block ---- */

/* cmd's backend_sql succeeded inside the client's transaction block: its
 * done waits for the block to end. */
static void txn_defer(sl_pwconn_t *c, sl_command_t *cmd)
{
    sl_txn_ddl_t *t = &c->txn;
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 8;
        t->items = sl_xrealloc(t->items, sizeof(*t->items) * (size_t)t->cap);
    }
    t->items[t->n].done = cmd->done;
    t->items[t->n].arg = cmd->arg;
    t->n++;
    cmd->done = NULL;
}

/* The block ended: each deferred command learns how, oldest first (a
 * CREATE STREAM before the CREATE CONTINUOUS VIEW on it). */
static void txn_end(sl_pwconn_t *c, sl_ddl_outcome_t outcome)
{
    sl_txn_ddl_t t = c->txn;
    if (t.n == 0)
        return;
    if (outcome == SL_DDL_COMMITTED && t.uncertain)
        outcome = SL_DDL_UNKNOWN;
    memset(&c->txn, 0, sizeof(c->txn));
    for (int i = 0; i < t.n; i++)
        t.items[i].done(t.items[i].arg, outcome);
    free(t.items);
}

/* A CommandComplete from the backend while DDL is deferred: COMMIT (also
 * END, COMMIT AND CHAIN) made it durable; ROLLBACK ends the block (status
 * 'I' follows, txn_ready) or rolled back to a savepoint (the block goes on,
 * and which changes survived is looked up at COMMIT).  A COMMIT of an
 * aborted block answers ROLLBACK. */
static void txn_tag(sl_pwconn_t *c, const char *tag)
{
    if (strcmp(tag, "COMMIT") == 0)
        txn_end(c, SL_DDL_COMMITTED);
    else if (strcmp(tag, "ROLLBACK") == 0 && c->txn.n > 0)
        c->txn.uncertain = true;
}

/* Reads the tag of the CommandComplete whose body starts at off in in. */
static void txn_peek_tag(sl_pwconn_t *c, struct evbuffer *in, size_t off, size_t len)
{
    char tag[16];
    size_t n = len < sizeof(tag) - 1 ? len : sizeof(tag) - 1;
    struct evbuffer_ptr ptr;
    evbuffer_ptr_set(in, &ptr, off, EVBUFFER_PTR_SET);
    evbuffer_copyout_from(in, &ptr, tag, n);
    tag[n] = 0;
    txn_tag(c, tag);
}

static char *copy_body(sl_pwconn_t *c, struct evbuffer *in, const sl_pkt_hdr_t *h);

/* A DataRow of one of sluiced's own queries at the head of in: its body
 * (query arena) with r past its column count (returned), or -1. */
static int data_row(sl_pwconn_t *c, struct evbuffer *in, const sl_pkt_hdr_t *h,
                    sl_pkt_reader_t *r)
{
    char *body = copy_body(c, in, h);
    if (body == NULL)
        return -1;
    sl_pkt_reader_init(r, body, h->size - h->body);
    int n = sl_pkt_get_int16(r);
    return r->bad ? -1 : n;
}

/* The row answering sl_command_txn_check_sql: one 't' or 'f' per item. */
static void check_row(sl_pwconn_t *c, struct evbuffer *in, const sl_pkt_hdr_t *h)
{
    sl_pkt_reader_t r;
    int n = data_row(c, in, h, &r);
    if (n < 0 || n != c->txn.n)
        return;
    bool *holds = sl_alloc0(c->qarena, sizeof(bool) * (size_t)(n + 1));
    for (int i = 0; i < n; i++) {
        int32_t len = sl_pkt_get_int32(&r);
        if (r.bad || len != 1 || r.pos >= r.len)
            return;
        holds[i] = r.data[r.pos++] == 't';
    }
    sl_command_txn_checked(&c->txn, holds);
    c->txn.uncertain = false;
}

/* A row of a SHOW's filter_sql: the name of a row the session may see. */
static void filter_row(sl_pwconn_t *c, struct evbuffer *in, const sl_pkt_hdr_t *h)
{
    sl_pw_job_t *j = c->job;
    sl_pkt_reader_t r;
    int n = data_row(c, in, h, &r);
    int32_t len = n >= 1 ? sl_pkt_get_int32(&r) : -1;
    if (n < 1 || r.bad || len < 0 || (size_t)len > r.len - r.pos)
        return;
    if ((j->nvisible & (j->nvisible - 1)) == 0) {
        int cap = j->nvisible ? 2 * j->nvisible : 1;
        j->visible = sl_realloc(c->qarena, j->visible, sizeof(char *) * (size_t)j->nvisible,
                                sizeof(char *) * (size_t)cap);
    }
    j->visible[j->nvisible++] = sl_strndup(c->qarena, r.data + r.pos, (size_t)len);
}

/* The filter's answer is in: keep the rows it named. */
static void filter_apply(sl_pw_job_t *j)
{
    sl_command_t *cmd = j->filtering;
    int kept = 0;
    for (int r = 0; r < cmd->nrows; r++) {
        const char *name = cmd->cells[(size_t)r * (size_t)cmd->ncols];
        bool seen = false;
        for (int i = 0; i < j->nvisible && !seen; i++)
            seen = name != NULL && strcmp(j->visible[i], name) == 0;
        if (!seen)
            continue;
        if (kept != r)
            memmove(cmd->cells + (size_t)kept * (size_t)cmd->ncols,
                    cmd->cells + (size_t)r * (size_t)cmd->ncols,
                    sizeof(char *) * (size_t)cmd->ncols);
        kept++;
    }
    cmd->nrows = kept;
    cmd->filter_sql = NULL;
    j->filtering = NULL;
    j->nvisible = 0;
}

/* Sends cmd's filter_sql (job step FILTER). */
static void filter_start(sl_pw_job_t *j, sl_command_t *cmd, sl_pkt_t *bp)
{
    sl_pkt_query(bp, cmd->filter_sql);
    j->filtering = cmd;
    j->nvisible = 0;
    j->step = SL_PW_STEP_FILTER;
}

/* ReadyForQuery: outside a block, nothing deferred can commit any more. */
static void txn_ready(sl_pwconn_t *c, char status)
{
    if (status == 'I')
        txn_end(c, SL_DDL_FAILED);
}

/* ---- small helpers ---- */

/*
 * Sends the first n bytes of from to the socket of to (PgBouncer's way):
 * written straight from from's memory when nothing is queued before them
 * and to is a plain socket, so the common case costs one send and no
 * write event; whatever the socket does not take (or everything, over TLS)
 * is queued on to's output for the bufferevent to write.  A write error
 * leaves the bytes queued: the bufferevent meets it and reports it.
 */
#define SEND_IOVS 8

/* Writes at most n bytes of from to the socket fd, draining what it took:
 * send(), or sendmsg() for bytes in several chains; a socket's own calls,
 * cheaper than writev()'s way through the file layer. */
static ssize_t send_some(int fd, struct evbuffer *from, size_t n)
{
    struct evbuffer_iovec v[SEND_IOVS];
    struct iovec iov[SEND_IOVS];
    int nv = evbuffer_peek(from, (ev_ssize_t)n, NULL, v, SEND_IOVS);
    if (nv > SEND_IOVS)
        nv = SEND_IOVS;
    size_t total = 0;
    int used = 0;
    while (used < nv && total < n) {
        size_t len = v[used].iov_len < n - total ? v[used].iov_len : n - total;
        iov[used].iov_base = v[used].iov_base;
        iov[used++].iov_len = len;
        total += len;
    }
    ssize_t w;
    if (used == 1) {
        w = send(fd, iov[0].iov_base, iov[0].iov_len, MSG_NOSIGNAL | MSG_DONTWAIT);
    } else {
        struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)used};
        w = sendmsg(fd, &m, MSG_NOSIGNAL | MSG_DONTWAIT);
    }
    if (w > 0)
        evbuffer_drain(from, (size_t)w);
    return w;
}

static void send_or_queue(struct bufferevent *to, bool plain, struct evbuffer *from, size_t n)
{
    struct evbuffer *out = bufferevent_get_output(to);
    if (plain && evbuffer_get_length(out) == 0 && n > 0) {
        ssize_t w = send_some(bufferevent_getfd(to), from, n);
        if (w > 0)
            n -= (size_t)w;
    }
    if (n > 0) {
        evbuffer_remove_buffer(from, out, n);
        sl__pw_queued(to);
    }
}

static void stage_free(void *arg)
{
    evbuffer_free(arg);
}

/* ---- reading a plain socket ---- */

#define READ_SIZE 16384    /* one read's most, as a bufferevent's */

/*
 * Once READY, a plain (not TLS) socket is read by an event of the relay's
 * own instead of its bufferevent, which first asks the kernel how much is
 * there (FIONREAD): one recv per readiness into the bufferevent's input,
 * then the bufferevent's own read callback, or its event callback at EOF
 * or on an error, so pgwire.c sees what a bufferevent would report.  The
 * bufferevent's reading stays off; sl__pw_reading starts and stops either.
 */
static bool client_fast_ok(const sl_pwconn_t *c);
static bool backend_fast_ok(const sl_pwconn_t *c);
static size_t client_fast(sl_pwconn_t *c, const unsigned char *b, size_t n);
static size_t backend_fast(sl_pwconn_t *c, const unsigned char *b, size_t n);

static void on_readable(sl_pwconn_t *c, struct bufferevent *bev, struct event *ev)
{
    bufferevent_data_cb readcb, writecb;
    bufferevent_event_cb eventcb;
    void *arg;
    if (c->state != SL_PW_READY) {
        event_del(ev);
        return;
    }
    struct evbuffer *in = bufferevent_get_input(bev);
    bool client = bev == c->client;
    if (evbuffer_get_length(in) == 0 && (client ? client_fast_ok(c) : backend_fast_ok(c))) {
        /* Nothing left over, nothing running: read into the loop's own
         * buffer; the whole messages at its head that need no look inside
         * go straight on from it (client_fast, backend_fast), the rest
         * into the input as a bufferevent would have put them. */
        static unsigned char rbuf[READ_SIZE];   /* one event loop, one thread */
        ssize_t r = recv(bufferevent_getfd(bev), rbuf, sizeof(rbuf), 0);
        if (r > 0) {
            size_t k = client ? client_fast(c, rbuf, (size_t)r) : backend_fast(c, rbuf, (size_t)r);
            if (k == (size_t)r || c->state != SL_PW_READY)
                return;
            evbuffer_unfreeze(in, 0);
            evbuffer_add(in, rbuf + k, (size_t)r - k);
            evbuffer_freeze(in, 0);
            bufferevent_getcb(bev, &readcb, &writecb, &eventcb, &arg);
            readcb(bev, arg);
            return;
        }
        int e = errno;
        if (r < 0 && (e == EAGAIN || e == EWOULDBLOCK || e == EINTR))
            return;
        bufferevent_getcb(bev, &readcb, &writecb, &eventcb, &arg);
        event_del(ev);
        errno = e;
        eventcb(bev, (r == 0 ? BEV_EVENT_EOF : BEV_EVENT_ERROR) | BEV_EVENT_READING, arg);
        return;
    }
    struct evbuffer_iovec v[2];
    struct iovec iov[2];
    evbuffer_unfreeze(in, 0);   /* a bufferevent's input only grows by it */
    int nv = evbuffer_reserve_space(in, READ_SIZE, v, 2);
    for (int i = 0; i < nv; i++) {
        iov[i].iov_base = v[i].iov_base;
        iov[i].iov_len = v[i].iov_len;
    }
    ssize_t n = -1;
    if (nv == 1) {
        n = recv(bufferevent_getfd(bev), iov[0].iov_base, iov[0].iov_len, 0);
    } else if (nv > 1) {
        struct msghdr m = {.msg_iov = iov, .msg_iovlen = (size_t)nv};
        n = recvmsg(bufferevent_getfd(bev), &m, 0);
    }
    int e = errno;
    if (n > 0) {
        size_t left = (size_t)n;
        int used = 0;
        while (left > 0) {
            if (v[used].iov_len > left)
                v[used].iov_len = left;
            left -= v[used++].iov_len;
        }
        evbuffer_commit_space(in, v, used);
    }
    evbuffer_freeze(in, 0);
    if (n < 0 && (e == EAGAIN || e == EWOULDBLOCK || e == EINTR))
        return;
    bufferevent_getcb(bev, &readcb, &writecb, &eventcb, &arg);
    if (n <= 0) {
        event_del(ev);
        errno = e;
        eventcb(bev, (n == 0 ? BEV_EVENT_EOF : BEV_EVENT_ERROR) | BEV_EVENT_READING, arg);
        return;
    }
    readcb(bev, arg);
}

static void on_client_readable(evutil_socket_t fd, short what, void *arg)
{
    sl_pwconn_t *c = arg;
    on_readable(c, c->client, c->client_rev);
}

static void on_backend_readable(evutil_socket_t fd, short what, void *arg)
{
    sl_pwconn_t *c = arg;
    on_readable(c, c->backend, c->backend_rev);
}

static void read_event_free(void *arg)
{
    event_free(arg);
}

/* Moves the reading of a plain bev (c->client or c->backend) to the
 * relay's own event *evp, keeping whether it is on. */
static void own_reads(sl_pwconn_t *c, struct bufferevent *bev, struct event **evp,
                      event_callback_fn cb)
{
    *evp = event_new(c->pw->srv->base, bufferevent_getfd(bev), EV_READ | EV_PERSIST, cb, c);
    sl_arena_on_free(c->arena, read_event_free, *evp);
    if (bufferevent_get_enabled(bev) & EV_READ) {
        bufferevent_disable(bev, EV_READ);
        event_add(*evp, NULL);
    }
}

void sl__pw_reading(sl_pwconn_t *c, struct bufferevent *bev, bool on)
{
    struct event *ev = bev == c->client ? c->client_rev : c->backend_rev;
    if (ev == NULL && on)
        bufferevent_enable(bev, EV_READ);
    else if (ev == NULL)
        bufferevent_disable(bev, EV_READ);
    else if (on)
        event_add(ev, NULL);
    else
        event_del(ev);
}

/* Moves the next n bytes of a message to the backend, or what of them is
 * buffered; the rest follows as it arrives (c->relay_left).  The bytes are
 * staged (c->to_backend) and sent once per batch of client input by
 * sl__pw_flush_backend. */
static void relay_to_backend(sl_pwconn_t *c, struct evbuffer *in, size_t n)
{
    size_t have = evbuffer_get_length(in);
    size_t k = n < have ? n : have;
    if (k > 0) {
        if (c->to_backend == NULL) {
            c->to_backend = evbuffer_new();
            sl_arena_on_free(c->arena, stage_free, c->to_backend);
        }
        evbuffer_remove_buffer(in, c->to_backend, k);
    }
    c->relay_left = n - k;
    c->relay_drop = false;
}

void sl__pw_flush_backend(sl_pwconn_t *c)
{
    size_t n = c->to_backend ? evbuffer_get_length(c->to_backend) : 0;
    if (n > 0 && c->backend && c->state == SL_PW_READY)
        send_or_queue(c->backend, bufferevent_openssl_get_ssl(c->backend) == NULL,
                      c->to_backend, n);
}

/* Drops the next n bytes of a client message, later ones as they come. */
static void drop_client(sl_pwconn_t *c, struct evbuffer *in, size_t n)
{
    size_t have = evbuffer_get_length(in);
    size_t k = n < have ? n : have;
    evbuffer_drain(in, k);
    c->relay_left = n - k;
    c->relay_drop = c->relay_left > 0;
}

/* Relays the first n bytes of the backend's input to the client. */
static void relay_to_client(sl_pwconn_t *c, struct evbuffer *in, size_t n)
{
    if (n > 0)
        send_or_queue(c->client, !c->tls, in, n);
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

/* ---- Sluice statements and portals of the extended protocol ---- */

/* Names of Sluice statements and portals are at most this long, so that
 * routing a message can read its names from a small copy of its head. */
#define XNAME_MAX 400
#define XPEEK (2 * XNAME_MAX + 16)

static sl_pw_xstmt_t **xstmt_link(sl_pwconn_t *c, const char *name)
{
    sl_pw_xstmt_t **l = &c->xstmts;
    while (*l != NULL && strcmp((*l)->name, name) != 0)
        l = &(*l)->next;
    return l;
}

static sl_pw_xstmt_t *xstmt_find(sl_pwconn_t *c, const char *name)
{
    return *xstmt_link(c, name);
}

static void xstmt_drop(sl_pwconn_t *c, const char *name)
{
    sl_pw_xstmt_t **l = xstmt_link(c, name);
    sl_pw_xstmt_t *x = *l;
    if (x == NULL)
        return;
    *l = x->next;
    sl_arena_free(x->arena);
}

static sl_pw_xportal_t **xportal_link(sl_pwconn_t *c, const char *name)
{
    sl_pw_xportal_t **l = &c->xportals;
    while (*l != NULL && strcmp((*l)->name, name) != 0)
        l = &(*l)->next;
    return l;
}

static sl_pw_xportal_t *xportal_find(sl_pwconn_t *c, const char *name)
{
    return *xportal_link(c, name);
}

static void xportal_drop(sl_pwconn_t *c, const char *name)
{
    sl_pw_xportal_t **l = xportal_link(c, name);
    sl_pw_xportal_t *x = *l;
    if (x == NULL)
        return;
    *l = x->next;
    sl_arena_free(x->arena);
}

/* ReadyForQuery to the client, from sluiced or relayed: a transaction that
 * ended took its portals with it. */
static void note_ready(sl_pwconn_t *c, char txn_status)
{
    if (txn_status != 'I')
        return;
    while (c->xportals != NULL)
        xportal_drop(c, c->xportals->name);
}

static void ready_local(sl_pwconn_t *c, sl_pkt_t *p)
{
    sl_pkt_ready_for_query(p, c->txn_status);
    note_ready(c, c->txn_status);
}

static bool returns_rows(sl_stmt_kind_t k)
{
    return k == SL_STMT_SHOW_STREAMS || k == SL_STMT_SHOW_VIEWS || k == SL_STMT_SHOW_SETTING ||
           k == SL_STMT_EXPLAIN_VIEW;
}

/* CREATE TOKEN answers one row, but only once its backend_sql committed
 * (sent at Execute, step_done): Describe says so without preparing it. */
static bool token_description(const sl_stmt_t *st, sl_pkt_t *cp)
{
    if (st == NULL || st->kind != SL_STMT_CREATE_TOKEN)
        return false;
    const char *names[1] = {"token"};
    sl_type_t types[1] = {SL_T_TEXT};
    sl_pkt_row_description(cp, 1, names, types);
    return true;
}

/* PostgreSQL refuses every statement but COMMIT/ROLLBACK in a failed
 * transaction block. */
static int check_not_aborted(const sl_pwconn_t *c, sl_error_t *err)
{
    if (c->txn_status != 'E')
        return SL_OK;
    return sl_error_set(err, "25P02", 0, "current transaction is aborted, commands ignored "
                                         "until end of transaction block");
}

/* Whether name is a stream c's session may send events to (Sluice
 * statements run in sluiced's own database only). */
static bool session_stream(void *arg, const char *name)
{
    sl_pwconn_t *c = arg;
    const char *home = c->pw->be.dbname;
    if (home && c->database && strcmp(c->database, home) != 0)
        return false;
    return sl_catalog_stream(&c->pw->srv->catalog, name) != NULL;
}

int sl__pw_split(sl_pwconn_t *c, const char *q, size_t len, sl_arena_t *a, sl_stmt_t **stmts,
                 int *n, sl_error_t *err)
{
    sl_sql_streams_t streams = {session_stream, c};
    return sl_sql_split_in(q, len, &streams, a, stmts, n, err);
}

bool sl__pw_forwarded(sl_pwconn_t *c, const char *q, size_t len)
{
    sl_sql_streams_t streams = {session_stream, c};
    return sl_sql_forwarded_in(q, len, &streams);
}

static bool is_dml(sl_stmt_kind_t k)
{
    return k == SL_STMT_INSERT || k == SL_STMT_COPY;
}

/* The one statement of a prepared statement's text q, split into a.
 * SL_ERR: the syntax error, or 42601 for more than one statement. */
static int one_statement(sl_pwconn_t *c, const char *q, sl_arena_t *a, const sl_stmt_t **out,
                         sl_error_t *err)
{
    sl_stmt_t *stmts = NULL;
    int n = 0;
    if (sl__pw_split(c, q, strlen(q), a, &stmts, &n, err) != SL_OK) {
        if (!sl_error_isset(err))
            sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, 0, "syntax error");
        return SL_ERR;
    }
    const sl_stmt_t *one = NULL;
    for (int i = 0; i < n; i++) {
        if (stmts[i].kind == SL_STMT_EMPTY)
            continue;
        if (one != NULL)
            return sl_error_set(err, SL_ERRCODE_SYNTAX_ERROR, 0,
                                "cannot insert multiple commands into a prepared statement");
        one = &stmts[i];
    }
    if (one == NULL || one->kind == SL_STMT_FORWARD)
        return sl_error_set(err, SL_ERRCODE_INTERNAL_ERROR, 0,
                            "prepared statement is not a Sluice statement");
    *out = one;
    return SL_OK;
}

/* One of sluiced's own errors, in the client's encoding, into p. */
static void local_error(sl_pwconn_t *c, sl_pkt_t *p, sl_error_t *err)
{
    sl__pw_enc_error(c, err);
    sl_pkt_error(p, err);
}

static int bad_message(sl_error_t *err)
{
    return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, 0, "invalid message format");
}

static int name_too_long(const char *name, sl_error_t *err)
{
    if (strlen(name) <= XNAME_MAX)
        return SL_OK;
    return sl_error_set(err, "42622", 0, "name of a Sluice statement or portal is too long");
}

/* The format code of each of cmd's columns per the portal's Bind, into
 * the portal's arena (NULL: all text).  Binary is offered for text
 * columns only, whose binary form is their text. */
static int portal_formats(sl_pw_xportal_t *pt, const sl_command_t *cmd, int16_t **out,
                          sl_error_t *err)
{
    *out = NULL;
    if (pt->nformats == 0)
        return SL_OK;
    if (pt->nformats != 1 && pt->nformats != cmd->ncols)
        return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, 0,
                            "bind message has %d result formats but query has %d columns",
                            pt->nformats, cmd->ncols);
    int16_t *f = sl_alloc0(pt->arena, sizeof(int16_t) * (size_t)(cmd->ncols + 1));
    for (int i = 0; i < cmd->ncols; i++) {
        f[i] = pt->formats[pt->nformats == 1 ? 0 : i];
        if (f[i] == 1 && cmd->coltypes[i] != SL_T_TEXT)
            return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0,
                                "binary format is not supported for column \"%s\" of a "
                                "Sluice statement", cmd->colnames[i]);
    }
    *out = f;
    return SL_OK;
}

/* Prepares a SHOW portal's rows once (portal arena); st was split there. */
static int portal_prepare(sl_pwconn_t *c, sl_pw_xportal_t *pt, const sl_stmt_t *st,
                          sl_error_t *err)
{
    if (pt->prepared)
        return SL_OK;
    if (sl__pw_command_prepare(c, st, pt->arena, &pt->cmd, err) != SL_OK)
        return SL_ERR;
    pt->prepared = true;
    return SL_OK;
}

/* Parse: a Sluice statement becomes a prepared statement of sluiced's. */
static int ext_parse(sl_pwconn_t *c, sl_pw_job_t *j, sl_pkt_t *cp, sl_error_t *err)
{
    sl_pkt_reader_t r;
    sl_pkt_reader_init(&r, j->xbody, j->xlen);
    const char *name = sl_pkt_get_string(&r);
    const char *q = sl_pkt_get_string(&r);
    int np = sl_pkt_get_int16(&r);
    if (r.bad || np < 0)
        return bad_message(err);
    uint32_t *types = sl_alloc0(c->qarena, sizeof(uint32_t) * (size_t)(np + 1));
    for (int i = 0; i < np; i++)
        types[i] = (uint32_t)sl_pkt_get_int32(&r);
    if (r.bad)
        return bad_message(err);
    const sl_stmt_t *st = NULL;
    if (sl__pw_enc_in(c, q, strlen(q), &q, NULL, err) != SL_OK ||
        check_not_aborted(c, err) != SL_OK || name_too_long(name, err) != SL_OK ||
        one_statement(c, q, c->qarena, &st, err) != SL_OK)
        return SL_ERR;
    if (name[0] != 0 && xstmt_find(c, name) != NULL)
        return sl_error_set(err, "42P05", 0, "prepared statement \"%s\" already exists", name);
    xstmt_drop(c, name);
    sl_arena_t *a = sl_arena_new(c->arena, "xstmt");
    sl_pw_xstmt_t *x = sl_alloc0(a, sizeof(*x));
    x->arena = a;
    x->name = sl_strdup(a, name);
    x->query = sl_strdup(a, q);
    x->nparams = np;
    x->paramtypes = sl_alloc0(a, sizeof(uint32_t) * (size_t)(np + 1));
    memcpy(x->paramtypes, types, sizeof(uint32_t) * (size_t)np);
    if (st->kind == SL_STMT_INSERT) {
        /* $n of its VALUES: typed by the column each one fills. */
        int need = sl_dml_nparams(st);
        x->nparams = need > np ? need : np;
        x->paramtypes = sl__pw_dml_param_types(c, st, x->nparams, types, np, a);
    }
    x->next = c->xstmts;
    c->xstmts = x;
    sl_pkt_empty_message(cp, SL_PKT_PARSE_COMPLETE);
    return SL_OK;
}

/* The text of parameter i (0-based) as bound: text format as is, binary
 * for the fixed-size types drivers send that way (bool, integers,
 * floats) and text; others 0A000. */
static int param_text(sl_arena_t *a, uint32_t type, int format, const char *v, uint32_t n,
                      const char **out, int i, sl_error_t *err)
{
    if (format == 0 || type == 25 || type == 1043 || type == 0) {
        *out = sl_strndup(a, v, n);
        return SL_OK;
    }
    const unsigned char *u = (const unsigned char *)v;
    uint64_t x = 0;
    for (uint32_t k = 0; k < n && k < 8; k++)
        x = x << 8 | u[k];
    char buf[64];
    if (type == 16 && n == 1) {
        snprintf(buf, sizeof(buf), "%s", u[0] ? "true" : "false");
    } else if (type == 21 && n == 2) {
        snprintf(buf, sizeof(buf), "%d", (int)(int16_t)x);
    } else if (type == 23 && n == 4) {
        snprintf(buf, sizeof(buf), "%d", (int)(int32_t)x);
    } else if (type == 20 && n == 8) {
        snprintf(buf, sizeof(buf), "%lld", (long long)(int64_t)x);
    } else if (type == 700 && n == 4) {
        uint32_t b32 = (uint32_t)x;
        float f;
        memcpy(&f, &b32, 4);
        snprintf(buf, sizeof(buf), "%.9g", (double)f);
    } else if (type == 701 && n == 8) {
        double d;
        memcpy(&d, &x, 8);
        snprintf(buf, sizeof(buf), "%.17g", d);
    } else {
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0,
                            "binary format is not supported for parameter $%d (type %u) of "
                            "a Sluice statement", i + 1, type);
    }
    *out = sl_strdup(a, buf);
    return SL_OK;
}

/* Bind: a portal of a Sluice statement. */
static int ext_bind(sl_pwconn_t *c, sl_pw_job_t *j, sl_pkt_t *cp, sl_error_t *err)
{
    sl_pkt_reader_t r;
    sl_pkt_reader_init(&r, j->xbody, j->xlen);
    const char *portal = sl_pkt_get_string(&r);
    const char *stmt = sl_pkt_get_string(&r);
    int nf = sl_pkt_get_int16(&r);
    int16_t *pformats = sl_alloc0(c->qarena, sizeof(int16_t) * (size_t)(nf > 0 ? nf + 1 : 1));
    for (int i = 0; i < nf; i++)
        pformats[i] = (int16_t)sl_pkt_get_int16(&r);
    int np = sl_pkt_get_int16(&r);
    const char **pvals = sl_alloc0(c->qarena, sizeof(char *) * (size_t)(np > 0 ? np + 1 : 1));
    uint32_t *plens = sl_alloc0(c->qarena, sizeof(uint32_t) * (size_t)(np > 0 ? np + 1 : 1));
    for (int i = 0; i < np && !r.bad; i++) {
        int32_t len = sl_pkt_get_int32(&r);
        if (len > 0 && (size_t)len > r.len - r.pos) {
            r.bad = true;
        } else if (len >= 0) {
            pvals[i] = (const char *)j->xbody + r.pos;
            plens[i] = (uint32_t)len;
            r.pos += (size_t)len;
        }
    }
    int nr = sl_pkt_get_int16(&r);
    if (r.bad || nf < 0 || np < 0 || nr < 0)
        return bad_message(err);
    int16_t *formats = sl_alloc0(c->qarena, sizeof(int16_t) * (size_t)(nr + 1));
    for (int i = 0; i < nr; i++) {
        formats[i] = (int16_t)sl_pkt_get_int16(&r);
        if (formats[i] != 0 && formats[i] != 1 && !r.bad)
            return sl_error_set(err, SL_ERRCODE_INVALID_PARAMETER, 0,
                                "unsupported format code: %d", formats[i]);
    }
    if (r.bad)
        return bad_message(err);
    if (check_not_aborted(c, err) != SL_OK || name_too_long(portal, err) != SL_OK)
        return SL_ERR;
    sl_pw_xstmt_t *x = xstmt_find(c, stmt);
    if (x == NULL)
        return sl_error_set(err, "26000", 0, "prepared statement \"%s\" does not exist", stmt);
    if (np != x->nparams)
        return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, 0,
                            "bind message supplies %d parameters, but prepared statement "
                            "\"%s\" requires %d", np, stmt, x->nparams);
    if (portal[0] != 0 && xportal_find(c, portal) != NULL)
        return sl_error_set(err, "42P03", 0, "cursor \"%s\" already exists", portal);
    xportal_drop(c, portal);
    sl_arena_t *a = sl_arena_new(c->arena, "xportal");
    sl_pw_xportal_t *pt = sl_alloc0(a, sizeof(*pt));
    pt->arena = a;
    pt->name = sl_strdup(a, portal);
    pt->query = sl_strdup(a, x->query);
    pt->nformats = nr;
    pt->formats = sl_alloc0(a, sizeof(int16_t) * (size_t)(nr + 1));
    memcpy(pt->formats, formats, sizeof(int16_t) * (size_t)nr);
    pt->nparams = np;
    pt->params = sl_alloc0(a, sizeof(char *) * (size_t)(np + 1));
    for (int i = 0; i < np; i++) {
        if (pvals[i] == NULL)
            continue;
        int f = nf == 0 ? 0 : pformats[nf == 1 ? 0 : i];
        if (param_text(a, x->paramtypes[i], f, pvals[i], plens[i], &pt->params[i], i,
                       err) != SL_OK) {
            xportal_drop(c, portal);
            return SL_ERR;
        }
    }
    pt->next = c->xportals;
    c->xportals = pt;
    sl_pkt_empty_message(cp, SL_PKT_BIND_COMPLETE);
    return SL_OK;
}

/* Describe: ParameterDescription (statement only), then RowDescription for
 * a SHOW (run once per portal; for a statement, run and thrown away) or
 * NoData for DDL. */
static int ext_describe(sl_pwconn_t *c, sl_pw_job_t *j, sl_pkt_t *cp, sl_error_t *err)
{
    sl_pkt_reader_t r;
    sl_pkt_reader_init(&r, j->xbody, j->xlen);
    int what = sl_pkt_get_byte(&r);
    const char *name = sl_pkt_get_string(&r);
    if (r.bad)
        return bad_message(err);
    const sl_stmt_t *st = NULL;
    if (what == 'S') {
        sl_pw_xstmt_t *x = xstmt_find(c, name);
        if (x == NULL)
            return sl_error_set(err, "26000", 0, "prepared statement \"%s\" does not exist",
                                name);
        if (one_statement(c, x->query, c->qarena, &st, err) != SL_OK)
            return SL_ERR;
        sl_pkt_parameter_description(cp, x->nparams, x->paramtypes);
        if (token_description(st, cp))
            return SL_OK;
        if (!returns_rows(st->kind)) {
            sl_pkt_empty_message(cp, SL_PKT_NO_DATA);
            return SL_OK;
        }
        sl_command_t cmd;
        if (check_not_aborted(c, err) != SL_OK ||
            sl__pw_command_prepare(c, st, c->qarena, &cmd, err) != SL_OK)
            return SL_ERR;
        sl_pkt_row_description(cp, cmd.ncols, cmd.colnames, cmd.coltypes);
        return SL_OK;
    }
    sl_pw_xportal_t *pt = xportal_find(c, name);
    if (pt == NULL)
        return sl_error_set(err, "34000", 0, "portal \"%s\" does not exist", name);
    if (!pt->prepared && one_statement(c, pt->query, pt->arena, &st, err) != SL_OK)
        return SL_ERR;
    if (!pt->prepared && token_description(st, cp))
        return SL_OK;
    if (!pt->prepared && !returns_rows(st->kind)) {
        sl_pkt_empty_message(cp, SL_PKT_NO_DATA);
        return SL_OK;
    }
    int16_t *formats;
    if (check_not_aborted(c, err) != SL_OK || portal_prepare(c, pt, st, err) != SL_OK ||
        portal_formats(pt, &pt->cmd, &formats, err) != SL_OK)
        return SL_ERR;
    sl_pkt_row_description_formats(cp, pt->cmd.ncols, pt->cmd.colnames, pt->cmd.coltypes,
                                   formats);
    return SL_OK;
}

/* Execute: a SHOW's rows, up to the row limit (PortalSuspended when some
 * remain); a DDL's backend_sql goes to the backend (j->step COMMAND). */
static int ext_execute(sl_pwconn_t *c, sl_pw_job_t *j, sl_pkt_t *cp, sl_pkt_t *bp,
                       sl_error_t *err)
{
    sl_pkt_reader_t r;
    sl_pkt_reader_init(&r, j->xbody, j->xlen);
    const char *name = sl_pkt_get_string(&r);
    int32_t limit = sl_pkt_get_int32(&r);
    if (r.bad)
        return bad_message(err);
    sl_pw_xportal_t *pt = xportal_find(c, name);
    if (pt == NULL)
        return sl_error_set(err, "34000", 0, "portal \"%s\" does not exist", name);
    if (check_not_aborted(c, err) != SL_OK)
        return SL_ERR;
    if (pt->done) {
        sl_pkt_command_complete(cp, pt->cmd.tag ? pt->cmd.tag : "");
        return SL_OK;
    }
    const sl_stmt_t *st = NULL;
    if (pt->prepared) {
        st = NULL;
    } else if (one_statement(c, pt->query, pt->arena, &st, err) != SL_OK) {
        return SL_ERR;
    }
    if (pt->prepared || returns_rows(st->kind)) {
        int16_t *formats;
        if (portal_prepare(c, pt, st, err) != SL_OK ||
            portal_formats(pt, &pt->cmd, &formats, err) != SL_OK)
            return SL_ERR;
        if (pt->cmd.filter_sql != NULL) {
            filter_start(j, &pt->cmd, bp);    /* Execute runs again after it */
            return SL_OK;
        }
        const sl_command_t *cmd = &pt->cmd;
        if (pt->row == 0 && cmd->notice)
            sl_pkt_notice_detail(cp, cmd->notice, cmd->notice_detail);
        int n = cmd->nrows - pt->row;
        if (limit > 0 && limit < n)
            n = limit;
        /* Text cells are their own binary form: the same bytes either way. */
        for (int i = 0; i < n; i++, pt->row++)
            sl_pkt_data_row(cp, cmd->ncols, cmd->cells + (size_t)pt->row * (size_t)cmd->ncols);
        if (pt->row < cmd->nrows) {
            sl_pkt_empty_message(cp, SL_PKT_PORTAL_SUSPENDED);
            return SL_OK;
        }
        sl_pkt_command_complete(cp, cmd->tag ? cmd->tag : "");
        pt->done = true;
        return SL_OK;
    }
    if (is_dml(st->kind)) {
        j->xname = sl_strdup(c->qarena, name);
        return sl__pw_dml_start(c, j, pt->query, st, pt->params, pt->nparams, cp, bp, err);
    }
    sl_command_t *cmd = &j->cmd;
    if (sl__pw_command_prepare(c, st, c->qarena, cmd, err) != SL_OK)
        return SL_ERR;
    j->xname = sl_strdup(c->qarena, name);
    if (cmd->backend_sql) {
        sl_pkt_query(bp, cmd->backend_sql);
        j->step = SL_PW_STEP_COMMAND;
        return SL_OK;
    }
    if (cmd->notice)
        sl_pkt_notice_detail(cp, cmd->notice, cmd->notice_detail);
    sl_pkt_command_complete(cp, cmd->tag ? cmd->tag : "");
    pt->done = true;
    pt->cmd.tag = sl_strdup(pt->arena, cmd->tag ? cmd->tag : "");
    return SL_OK;
}

/* Close: of a Sluice statement or portal (a portal its transaction already
 * took is no error, as in PostgreSQL). */
static int ext_close(sl_pwconn_t *c, sl_pw_job_t *j, sl_pkt_t *cp, sl_error_t *err)
{
    sl_pkt_reader_t r;
    sl_pkt_reader_init(&r, j->xbody, j->xlen);
    int what = sl_pkt_get_byte(&r);
    const char *name = sl_pkt_get_string(&r);
    if (r.bad)
        return bad_message(err);
    if (what == 'S')
        xstmt_drop(c, name);
    else
        xportal_drop(c, name);
    sl_pkt_empty_message(cp, SL_PKT_CLOSE_COMPLETE);
    return SL_OK;
}

/* Answers the job's extended message into cp, or sends a DDL's
 * backend_sql into bp (j->step COMMAND).  An error goes into cp and sets
 * j->failed. */
static void ext_run(sl_pwconn_t *c, sl_pw_job_t *j, sl_pkt_t *cp, sl_pkt_t *bp)
{
    sl_error_t err;
    sl_error_clear(&err);
    int rc;
    switch (j->xtype) {
    case 'P': rc = ext_parse(c, j, cp, &err); break;
    case 'B': rc = ext_bind(c, j, cp, &err); break;
    case 'D': rc = ext_describe(c, j, cp, &err); break;
    case 'E': rc = ext_execute(c, j, cp, bp, &err); break;
    default:  rc = ext_close(c, j, cp, &err); break;
    }
    if (rc != SL_OK) {
        if (!sl_error_isset(&err))
            sl_error_set(&err, SL_ERRCODE_INTERNAL_ERROR, 0, "could not run statement");
        local_error(c, cp, &err);
        j->failed = j->local_failed = true;
    } else if (j->step == SL_PW_STEP_NONE) {
        j->xdone = true;
    }
}

/* ---- jobs ---- */

/* NOTICE, rows and CommandComplete of a finished Sluice command. */
static void command_results(sl_pkt_t *p, const sl_command_t *cmd)
{
    if (cmd->notice)
        sl_pkt_notice_detail(p, cmd->notice, cmd->notice_detail);
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
        ready_local(c, to_client);
    c->job = NULL;
}

/* Whether st's first word (after blanks and comments) is word. */
static bool starts_with_word(const char *q, const sl_stmt_t *st, const char *word)
{
    const char *p = q + st->start, *end = q + st->end;
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' || *p == '\f'))
            p++;
        if (end - p >= 2 && p[0] == '-' && p[1] == '-') {
            while (p < end && *p != '\n')
                p++;
        } else if (end - p >= 2 && p[0] == '/' && p[1] == '*') {
            const char *e = strstr(p + 2, "*/");
            p = e != NULL && e < end ? e + 2 : end;
        } else {
            break;
        }
    }
    size_t n = strlen(word);
    if ((size_t)(end - p) < n || strncasecmp(p, word, n) != 0)
        return false;
    return p + n == end || !(p[n] == '_' || (p[n] >= 'a' && p[n] <= 'z') ||
                             (p[n] >= 'A' && p[n] <= 'Z') || (p[n] >= '0' && p[n] <= '9'));
}

/* A Query job needs sluiced's own BEGIN/COMMIT around it when it holds
 * several statements and none that controls transactions. */
static bool needs_wrap(const sl_pw_job_t *j)
{
    static const char *const control[] = {
        "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE",
        "PREPARE",
    };
    int n = 0;
    for (int i = 0; i < j->nstmts; i++) {
        const sl_stmt_t *st = &j->stmts[i];
        if (st->kind == SL_STMT_EMPTY)
            continue;
        n++;
        if (st->kind != SL_STMT_FORWARD)
            continue;
        for (size_t k = 0; k < sizeof(control) / sizeof(control[0]); k++)
            if (starts_with_word(j->query, st, control[k]))
                return false;
    }
    return n > 1 || (n == 1 && j->split_failed);
}

/* A statement that fails on the backend, so that a transaction block the
 * client opened there is aborted by sluiced's own error as well (its
 * ErrorResponse and ReadyForQuery are swallowed: STEP_ABORT). */
static const char abort_sql[] =
    "DO $sluice$BEGIN RAISE EXCEPTION USING ERRCODE = '25P02', MESSAGE = "
    "'transaction aborted by an error in sluiced'; END$sluice$";

/*
 * Runs the job's statements (or its extended message) until one needs the
 * backend (its request is sent and the job waits in a step) or the job
 * ends (c->job is NULL then; the caller resumes reading the client's
 * messages).  c stays alive.
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
        if (sl__pw_held_due(c)) {
            /* A block that held events ended: apply what it committed
             * before anything else answers. */
            sl__pw_held_collect(c, j, &bp);
            break;
        }
        if (c->unsynced > 0) {
            /* Earlier extended-protocol messages are answered only at a
             * Sync: send one (a Query would end their implicit transaction
             * too) and relay their answers before ours. */
            sl_pkt_sync(&bp);
            c->unsynced = 0;
            j->step = SL_PW_STEP_SYNC;
            break;
        }
        if (j->sync_failed) {
            /* An earlier extended message failed: PostgreSQL would now
             * discard everything until Sync, this message included, and
             * that first error stands. */
            c->discard_until_sync = true;
            job_end(c, &cp, false);
            break;
        }
        if (c->txn.uncertain && c->txn_status == 'T' && !j->checked && !j->failed) {
            /* A savepoint was rolled back to: the session must stop
             * seeing what that undid before its next Sluice statement. */
            const char *sql = sl_command_txn_check_sql(&c->txn, c->qarena);
            j->checked = true;
            if (sql != NULL) {
                sl_pkt_query(&bp, sl__pw_enc_check_sql(c, sql));
                j->step = SL_PW_STEP_CHECK;
                break;
            }
        }
        if (j->kind == SL_PW_JOB_QUERY && !j->wrap_decided) {
            /* A Query of several statements is one transaction, as in
             * PostgreSQL: unless it steers transactions itself, sluiced
             * opens one around its pieces (and swallows BEGIN/COMMIT). */
            j->wrap_decided = true;
            if (c->txn_status == 'I' && needs_wrap(j)) {
                sl_pkt_query(&bp, "BEGIN");
                j->wrapped = true;
                j->step = SL_PW_STEP_BEGIN;
                break;
            }
        }
        if (j->local_failed && c->txn_status == 'T' && !j->wrapped) {
            sl_pkt_query(&bp, abort_sql);
            j->local_failed = false;
            j->step = SL_PW_STEP_ABORT;
            break;
        }
        if (j->kind == SL_PW_JOB_EXT) {
            if (j->failed || j->xdone) {
                /* After an error, the rest until Sync is discarded. */
                c->discard_until_sync = j->failed;
                job_end(c, &cp, false);
                break;
            }
            ext_run(c, j, &cp, &bp);
            continue;
        }
        if (j->failed || j->next >= j->nstmts) {
            if (!j->failed && j->split_failed) {
                local_error(c, &cp, &j->split_err);
                j->failed = j->local_failed = true;
                continue;
            }
            if (j->wrapped) {
                sl_pkt_query(&bp, j->failed ? "ROLLBACK" : "COMMIT");
                j->wrapped = false;
                j->step = SL_PW_STEP_END;
                break;
            }
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
            sl_pkt_query(&bp, sl__pw_enc_out(c, sl_strndup(c->qarena, j->query + from,
                                                           to - from)));
            j->pos_delta = sl_pkt_utf8_chars(j->query, from);
            j->next = last + 1;
            j->step = SL_PW_STEP_FORWARD;
            break;
        }
        if (is_dml(st->kind)) {
            if (check_not_aborted(c, &err) != SL_OK ||
                sl__pw_dml_start(c, j, j->query, st, NULL, 0, &cp, &bp, &err) != SL_OK) {
                sl_pkt_error(&cp, &err);
                j->failed = j->local_failed = true;
            }
            continue;   /* answered (next++), failed, or waiting in a step */
        }
        sl_command_t *cmd = &j->cmd;
        if (check_not_aborted(c, &err) != SL_OK ||
            sl__pw_command_prepare(c, st, c->qarena, cmd, &err) != SL_OK) {
            if (!sl_error_isset(&err))
                sl_error_set(&err, SL_ERRCODE_INTERNAL_ERROR, 0, "could not run statement");
            local_error(c, &cp, &err);
            j->failed = j->local_failed = true;
            continue;
        }
        if (cmd->backend_sql) {
            sl_pkt_query(&bp, cmd->backend_sql);
            j->step = SL_PW_STEP_COMMAND;
            break;
        }
        if (cmd->filter_sql) {
            filter_start(j, cmd, &bp);
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
    if (step == SL_PW_STEP_FILTER && j->filtering != NULL) {
        if (!j->failed)
            filter_apply(j);
        if (!j->failed && j->kind == SL_PW_JOB_QUERY) {
            sl_pkt_t cp = SL_PKT_INIT;
            command_results(&cp, &j->cmd);
            sl__pw_send_client(c, &cp);
            sl_pkt_free(&cp);
            j->next++;
        }
    }
    if (step == SL_PW_STEP_PRIV)
        j->priv_ok = !j->failed;    /* the INSERT / COPY runs again, or failed */
    if (step == SL_PW_STEP_HELD) {
        sl_pkt_t cp = SL_PKT_INIT;
        sl__pw_held_apply(c, j, &cp);
        sl__pw_send_client(c, &cp);
        sl_pkt_free(&cp);
    }
    if (step == SL_PW_STEP_SELECT) {
        sl_pkt_t cp = SL_PKT_INIT;
        sl__pw_dml_select_done(c, &cp);
        sl__pw_send_client(c, &cp);
        sl_pkt_free(&cp);
    }
    if (step == SL_PW_STEP_COMMAND) {
        sl_command_t *cmd = &j->cmd;
        if (cmd->done && !j->failed && c->txn_status == 'T')
            txn_defer(c, cmd);      /* in a block: waits for its end */
        else if (cmd->done)
            cmd->done(cmd->arg, j->failed ? SL_DDL_FAILED : SL_DDL_COMMITTED);
        cmd->done = NULL;
        sl_pkt_t cp = SL_PKT_INIT;
        if (!j->failed && j->kind == SL_PW_JOB_EXT) {
            /* Execute of a DDL portal: no RowDescription; rows only for
             * CREATE TOKEN's token. */
            if (cmd->notice)
                sl_pkt_notice_detail(&cp, cmd->notice, cmd->notice_detail);
            for (int r = 0; r < cmd->nrows; r++)
                sl_pkt_data_row(&cp, cmd->ncols, cmd->cells + (size_t)r * (size_t)cmd->ncols);
            sl_pkt_command_complete(&cp, cmd->tag ? cmd->tag : "");
            sl_pw_xportal_t *pt = xportal_find(c, j->xname);
            if (pt != NULL) {
                pt->done = true;
                pt->cmd.tag = sl_strdup(pt->arena, cmd->tag ? cmd->tag : "");
            }
            j->xdone = true;
        } else if (!j->failed) {
            command_results(&cp, cmd);
        }
        sl__pw_send_client(c, &cp);
        sl_pkt_free(&cp);
        j->next++;
    }
    job_run(c);
}

void sl__pw_job_run(sl_pwconn_t *c)
{
    job_run(c);
}

void sl__pw_job_resume(sl_pwconn_t *c)
{
    job_run(c);
    if (c->job == NULL && c->state == SL_PW_READY)
        sl__pw_client_input(c);
    else
        sl__pw_flow(c);
}

void sl__pw_job_abort(sl_pwconn_t *c)
{
    sl_pw_job_t *j = c->job;
    sl__pw_dml_abort(c);
    bool in_flight = !pending_empty(c) || (j != NULL && j->step != SL_PW_STEP_NONE);
    if (j != NULL) {
        if (j->step == SL_PW_STEP_COMMAND && j->cmd.done)
            j->cmd.done(j->cmd.arg, SL_DDL_UNKNOWN);
        j->cmd.done = NULL;
        c->job = NULL;
    }
    /* Without a COMMIT on its way the backend rolls the block back. */
    txn_end(c, in_flight ? SL_DDL_UNKNOWN : SL_DDL_FAILED);
    free(c->txn.items);
    memset(&c->txn, 0, sizeof(c->txn));
}

/* Starts a job for the query text q (already split); the message itself
 * has been consumed. */
static void job_start(sl_pwconn_t *c, const char *q, sl_stmt_t *stmts, int n, int rc,
                      const sl_error_t *serr)
{
    sl_pw_job_t *j = sl_alloc0(c->qarena, sizeof(*j));
    j->kind = SL_PW_JOB_QUERY;
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

/* A job of no statements of the client's: applies the events of a block
 * that just ended (job_run), then answers ReadyForQuery. */
static void held_job_start(sl_pwconn_t *c)
{
    sl_arena_reset(c->qarena);
    sl_pw_job_t *j = sl_alloc0(c->qarena, sizeof(*j));
    j->kind = SL_PW_JOB_QUERY;
    j->query = "";
    j->wrap_decided = true;
    c->job = j;
    job_run(c);
}

/* Starts a job for the extended message of type t whose body (len bytes,
 * in the query arena) is about a Sluice statement; consumed already. */
static void ext_start(sl_pwconn_t *c, char t, const char *body, size_t len)
{
    sl_pw_job_t *j = sl_alloc0(c->qarena, sizeof(*j));
    j->kind = SL_PW_JOB_EXT;
    j->xtype = t;
    j->xbody = body;
    j->xlen = len;
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
    int rc = SL_OK;
    if (!sl__pw_forwarded(c, q, blen - 1))
        rc = sl__pw_split(c, q, blen - 1, c->qarena, &stmts, &n, &serr);
    if (rc == SL_OK && all_forwarded(stmts, n)) {
        relay_to_backend(c, in, h->size);
        pending_push(c, 'Q');
        c->unsynced = 0;
        return;
    }
    evbuffer_drain(in, h->size);
    /* Sluice's: read in UTF-8, as the backend reads a query in its own
     * encoding (the split above only chose the path: keywords are ASCII) */
    const char *u;
    size_t ulen;
    sl_error_t eerr;
    sl_error_clear(&eerr);
    if (sl__pw_enc_in(c, q, blen - 1, &u, &ulen, &eerr) != SL_OK) {
        job_start(c, q, NULL, 0, SL_ERR, &eerr);
        return;
    }
    if (u != q) {
        stmts = NULL;
        n = 0;
        sl_error_clear(&serr);
        rc = sl__pw_split(c, u, ulen, c->qarena, &stmts, &n, &serr);
    }
    job_start(c, u, stmts, n, rc, &serr);
}

/* Parse: relay unless its query is (or contains) a Sluice statement,
 * which sluiced prepares itself (ext_parse). */
static void parse_message(sl_pwconn_t *c, struct evbuffer *in, const sl_pkt_hdr_t *h)
{
    sl_arena_reset(c->qarena);
    char *body = copy_body(c, in, h);
    if (body == NULL) {
        fatal(c, "53200", "out of memory");
        return;
    }
    sl_pkt_reader_t r;
    sl_pkt_reader_init(&r, body, h->size - h->body);
    const char *name = sl_pkt_get_string(&r);
    const char *q = sl_pkt_get_string(&r);
    sl_stmt_t *stmts = NULL;
    int n = 0, rc = SL_OK;
    sl_error_t serr;
    sl_error_clear(&serr);
    if (q != NULL && !sl__pw_forwarded(c, q, strlen(q)))
        rc = sl__pw_split(c, q, strlen(q), c->qarena, &stmts, &n, &serr);
    if (q == NULL || (rc == SL_OK && all_forwarded(stmts, n))) {
        relay_to_backend(c, in, h->size);       /* malformed: the backend says so */
        c->unsynced++;
        if (name != NULL)
            xstmt_drop(c, name);                /* the name is the backend's now */
        return;
    }
    evbuffer_drain(in, h->size);
    ext_start(c, 'P', body, h->size - h->body);
}

/*
 * Whether a whole Bind, Describe, Execute or Close message (body of len
 * bytes, at most XPEEK of them given) names a Sluice statement or portal.
 * A relayed Bind of a Sluice portal's name drops that portal: the name is
 * the backend's now.  A malformed message is relayed (the backend says so).
 */
static bool ext_is_local(sl_pwconn_t *c, char t, const char *head, size_t n)
{
    sl_pkt_reader_t r;
    sl_pkt_reader_init(&r, head, n);
    if (t == 'B') {
        const char *portal = sl_pkt_get_string(&r);
        const char *stmt = sl_pkt_get_string(&r);
        if (r.bad)
            return false;
        if (xstmt_find(c, stmt) != NULL)
            return true;
        xportal_drop(c, portal);
        return false;
    }
    if (t == 'E') {
        const char *portal = sl_pkt_get_string(&r);
        return !r.bad && xportal_find(c, portal) != NULL;
    }
    int what = sl_pkt_get_byte(&r);
    const char *name = sl_pkt_get_string(&r);
    if (r.bad)
        return false;
    if (what == 'S')
        return xstmt_find(c, name) != NULL;
    return what == 'P' && xportal_find(c, name) != NULL;
}

/* Bind, Describe, Execute, Close: answered by sluiced if they name a
 * Sluice statement or portal, else relayed.  True if handled here. */
static bool ext_message(sl_pwconn_t *c, struct evbuffer *in, const sl_pkt_hdr_t *h)
{
    if ((c->xstmts == NULL && c->xportals == NULL) || h->size > SL_PW_STREAM_MIN ||
        evbuffer_get_length(in) < h->size)
        return false;   /* a large message binds parameters: not ours */
    char head[XPEEK];
    size_t n = h->size - h->body < sizeof(head) ? h->size - h->body : sizeof(head);
    struct evbuffer_ptr ptr;
    evbuffer_ptr_set(in, &ptr, h->body, EVBUFFER_PTR_SET);
    evbuffer_copyout_from(in, &ptr, head, n);
    if (!ext_is_local(c, h->type, head, n))
        return false;
    sl_arena_reset(c->qarena);
    char *body = copy_body(c, in, h);
    evbuffer_drain(in, h->size);
    if (body == NULL) {
        fatal(c, "53200", "out of memory");
        return true;
    }
    ext_start(c, h->type, body, h->size - h->body);
    return true;
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
        sl__pw_reading(c, c->client, false);
        return;
    }
    if (c->discard_until_sync) {
        drop_client(c, in, h->size);
        if (t == 'S') {
            sl_pkt_t p = SL_PKT_INIT;
            c->discard_until_sync = false;
            ready_local(c, &p);
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
        if (ext_message(c, in, h))
            break;
        relay_to_backend(c, in, h->size);
        c->unsynced++;
        break;
    default:
        /* Flush, stray COPY messages, unknown types: the backend's call. */
        relay_to_backend(c, in, h->size);
        break;
    }
}

/*
 * A whole client message of type t that client_message would only relay,
 * with nothing else going on (no job, COPY, discarding, or statements and
 * portals of sluiced's own that Bind, Describe, Execute or Close might
 * name): its bookkeeping is done here and its bytes join the span of
 * input moved to the backend in one piece (sl__pw_client_input), so a
 * pipeline of Bind/Execute/Sync costs one move, not one per message.
 */
static bool plain_message(sl_pwconn_t *c, char t)
{
    if (c->job || c->copy_in || c->discard_until_sync || c->terminating)
        return false;
    switch (t) {
    case 'B': case 'D': case 'E': case 'C':
        if (c->xstmts != NULL || c->xportals != NULL)
            return false;
        c->unsynced++;
        return true;
    case 'S':
        pending_push(c, 'S');
        c->unsynced = 0;
        return true;
    case 'H':
        return true;
    default:
        return false;
    }
}

/*
 * The relay's fast paths, for a read that left nothing over (on_readable)
 * while no Sluice query runs and nothing is queued for the other socket:
 * the whole messages at the head of b that the ordinary path would relay
 * untouched go on from b as they are (what the socket does not take is
 * queued); the ordinary path gets the rest.  Untouched are, from the
 * client, extended-protocol messages when no Sluice statement or portal
 * exists (plain_message) and a Query of one statement that is none of
 * Sluice's (forwarded_query); from the backend, all but CopyIn/CopyBoth,
 * ParameterStatus and ErrorResponse, its ReadyForQuery noted as there.
 */
static bool client_fast_ok(const sl_pwconn_t *c)
{
    return !c->job && !c->relay_left && !c->copy_in && !c->discard_until_sync &&
           !c->terminating && !c->xstmts && !c->xportals && c->backend_rev != NULL &&
           (c->to_backend == NULL || evbuffer_get_length(c->to_backend) == 0) &&
           evbuffer_get_length(bufferevent_get_output(c->backend)) == 0;
}

static bool backend_fast_ok(const sl_pwconn_t *c)
{
    return !c->job && !c->back_left && !c->tls && !c->copy_in && c->txn.n == 0 &&
           !c->xportals && c->nheld == 0 &&
           evbuffer_get_length(bufferevent_get_output(c->client)) == 0;
}

/* The bytes of the whole messages at the head of b whose type is not in
 * refused (and, if allowed is not NULL, is in it). */
static size_t whole_messages(const unsigned char *b, size_t n, const char *allowed,
                             const char *refused)
{
    size_t at = 0;
    while (n - at >= 5) {
        uint32_t len = (uint32_t)b[at + 1] << 24 | (uint32_t)b[at + 2] << 16 |
                       (uint32_t)b[at + 3] << 8 | b[at + 4];
        char t = (char)b[at];
        if (len < 4 || len > n - at - 1 || t == 0 || strchr(refused, t) != NULL ||
            (allowed && strchr(allowed, t) == NULL) || (t == 'Z' && len != 5))
            break;
        at += 1 + (size_t)len;
    }
    return at;
}

static size_t message_size(const unsigned char *b)
{
    return 1 + ((size_t)b[1] << 24 | (size_t)b[2] << 16 | (size_t)b[3] << 8 | b[4]);
}

/* Sends b to bev's socket (nothing is queued there), queuing what the
 * socket does not take. */
static void send_on(sl_pwconn_t *c, struct bufferevent *bev, const unsigned char *b, size_t n)
{
    sl__pw_write(bev, b, n);
    if (evbuffer_get_length(bufferevent_get_output(bev)) > 0)
        sl__pw_flow(c);
}

static size_t query_limit(const sl_pwconn_t *c);

/* Whether b (n bytes) starts with a whole Query message that simple_query
 * would relay untouched: well formed, within max_query_size, one statement
 * that is none of Sluice's (the lexer's first words only). */
static bool forwarded_query(sl_pwconn_t *c, const unsigned char *b, size_t n)
{
    if (n < 5 || b[0] != 'Q')
        return false;
    size_t size = message_size(b);
    if (size > n || size < 6 || size - 5 > query_limit(c))
        return false;
    const char *q = (const char *)b + 5;
    return sl_pkt_query_text(q, size - 5) != NULL && sl__pw_forwarded(c, q, size - 6);
}

static size_t client_fast(sl_pwconn_t *c, const unsigned char *b, size_t n)
{
    size_t at = 0;
    for (;;) {
        size_t k = whole_messages(b + at, n - at, "BDECSH", "");
        for (size_t end = at + k; at < end; at += message_size(b + at))
            (void)plain_message(c, (char)b[at]);
        if (!forwarded_query(c, b + at, n - at))
            break;
        pending_push(c, 'Q');   /* as simple_query relays it */
        c->unsynced = 0;
        at += message_size(b + at);
    }
    if (at > 0)
        send_on(c, c->backend, b, at);
    return at;
}

static size_t backend_fast(sl_pwconn_t *c, const unsigned char *b, size_t n)
{
    size_t k = whole_messages(b, n, NULL, "GWSE");
    if (k == 0)
        return 0;
    for (size_t at = 0; at < k; at += message_size(b + at)) {
        if (b[at] != 'Z')
            continue;
        c->txn_status = (char)b[at + 5];
        txn_ready(c, c->txn_status);
        note_ready(c, c->txn_status);
        pending_pop(c);
    }
    send_on(c, c->client, b, k);
    return k;
}

/* The largest Query or Parse message read whole (max_query_size). */
static size_t query_limit(const sl_pwconn_t *c)
{
    size_t n = c->pw->srv->cfg.max_query_size;
    return n > 0 && n < SL_PKT_MAX_MESSAGE ? n : SL_PKT_MAX_MESSAGE;
}

void sl__pw_client_input(sl_pwconn_t *c)
{
    struct evbuffer *in = bufferevent_get_input(c->client);
    if (c->client_rev == NULL && !c->tls && c->state == SL_PW_READY)
        own_reads(c, c->client, &c->client_rev, on_client_readable);
    sl_error_t err;             /* set only on the way out of the loop */
    sl_error_clear(&err);
    size_t span = 0;            /* whole plain messages at the head of in,
                                   moved to the backend at once */
    while (c->state == SL_PW_READY) {
        if (c->relay_left > 0) {
            /* The rest of a message being streamed (or dropped). */
            if (c->relay_drop)
                drop_client(c, in, c->relay_left);
            else
                relay_to_backend(c, in, c->relay_left);
            if (c->relay_left > 0)
                break;
            continue;
        }
        if (c->terminating)
            break;
        bool copying = c->job && c->job->step == SL_PW_STEP_COPY;
        if (c->job && !c->copy_in && !copying)
            break;              /* later messages wait for the running query */
        unsigned char head[5];
        sl_pkt_hdr_t h;
        size_t avail = evbuffer_get_length(in) - span;
        struct evbuffer_ptr at;
        evbuffer_ptr_set(in, &at, span, EVBUFFER_PTR_SET);
        evbuffer_copyout_from(in, &at, head, sizeof(head));
        int rc = sl_pkt_read_header(head, avail, false, SL_PKT_MAX_MESSAGE, &h, &err);
        if (rc == SL_ERR) {
            sl__pw_fatal(c, &err);
            return;
        }
        if (h.size == 0)
            break;              /* not even a whole header yet */
        if (rc == SL_OK && plain_message(c, h.type)) {
            span += h.size;     /* the extended protocol's hot path */
            continue;
        }
        if (span > 0) {
            relay_to_backend(c, in, span);  /* in order, before this one */
            span = 0;
        }
        bool whole = h.type == 'Q' || h.type == 'P';
        if (whole && h.size - h.body > query_limit(c)) {
            /* PostgreSQL would take up to 1 GiB; sluiced parses these
             * messages and will not hold that much for one client. */
            sl_error_set(&err, SL_ERRCODE_PROGRAM_LIMIT, 0,
                         "message too long: %zu bytes", h.size - h.body);
            sl_error_detail(&err, "sluiced reads Query and Parse messages of at most "
                                  "%zu bytes (max_query_size).", query_limit(c));
            sl__pw_fatal(c, &err);
            return;
        }
        if (copying) {
            /* COPY into a stream: CopyData kept whole, up to max_body_size
             * in all (a larger one is refused and dropped as it comes). */
            if (rc == SL_AGAIN && c->copy_data.len + (h.size - h.body) <=
                                      c->pw->srv->cfg.max_body_size)
                break;
            sl__pw_dml_copy_message(c, in, &h);
            continue;
        }
        if (rc == SL_AGAIN && (whole || h.size <= SL_PW_STREAM_MIN))
            break;              /* small or parsed: wait for all of it */
        client_message(c, in, &h);
    }
    if (span > 0 && c->state == SL_PW_READY)
        relay_to_backend(c, in, span);
    sl__pw_flush_backend(c);
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
    if (t == 'S')
        sl__pw_enc_param_peek(c, in, h->body, h->size - h->body);
    if (t == 'Z') {
        c->txn_status = (char)head[5];
        txn_ready(c, c->txn_status);
        evbuffer_drain(in, h->size);
        step_done(c);
        if (c->job == NULL)
            *kick = true;
        return;
    }
    if (j->step == SL_PW_STEP_CHECK && t == 'D') {
        check_row(c, in, h);
        evbuffer_drain(in, h->size);
        return;
    }
    if (j->step == SL_PW_STEP_FILTER && t == 'D') {
        filter_row(c, in, h);
        evbuffer_drain(in, h->size);
        return;
    }
    if (j->step == SL_PW_STEP_HELD) {
        char *body = t == 'D' ? copy_body(c, in, h) : NULL;
        if (body != NULL)
            sl__pw_held_row(c, body, h->size - h->body);
        evbuffer_drain(in, h->size);    /* sluiced's own query: nothing relayed */
        return;
    }
    if (j->step == SL_PW_STEP_ABORT ||
        ((j->step == SL_PW_STEP_BEGIN || j->step == SL_PW_STEP_CHECK ||
          j->step == SL_PW_STEP_FILTER || j->step == SL_PW_STEP_PRIV) && t != 'E')) {
        evbuffer_drain(in, h->size);    /* its error is sluiced's, sent already */
        return;
    }
    if (j->step == SL_PW_STEP_SELECT && (t == 'T' || t == 'D' || t == 'C' || t == 'I')) {
        char *body = copy_body(c, in, h);
        evbuffer_drain(in, h->size);
        if (body != NULL)
            sl__pw_dml_select_message(c, t, body, h->size - h->body);
        return;
    }
    bool own = j->step == SL_PW_STEP_COMMAND;   /* the DDL's own tags */
    if (t == 'C' && (j->step == SL_PW_STEP_END || (c->txn.n > 0 && !own)))
        txn_peek_tag(c, in, h->body, h->size - h->body);
    if (t == 'C' && j->step == SL_PW_STEP_END) {
        evbuffer_drain(in, h->size);    /* the client never sent it */
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
        if (j->step == SL_PW_STEP_COMMAND && sl__pw_enc_wrapped(j->cmd.backend_sql))
            blen = sl__pw_enc_cut_context(body, blen);
        /* Positions: relative to the whole query for a forwarded run;
         * meaningless for a command's generated SQL. */
        int delta = j->step == SL_PW_STEP_FORWARD || j->step == SL_PW_STEP_SELECT
                        ? j->pos_delta : -1;
        sl_pkt_t p = SL_PKT_INIT;
        if (sl_pkt_copy_error(&p, 'E', body, blen, delta))
            sl__pw_send_client(c, &p);
        sl_pkt_free(&p);
        return;
    }
    if (t == 'E')
        j->sync_failed = true;  /* SYNC step: the client's own error */
    if (j->step == SL_PW_STEP_COMMAND && t != 'S' && t != 'A' &&
        !(t == 'N' && j->cmd.backend_notices)) {
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
    if (c->backend_rev == NULL && bufferevent_openssl_get_ssl(c->backend) == NULL &&
        c->state == SL_PW_READY)
        own_reads(c, c->backend, &c->backend_rev, on_backend_readable);
    size_t span = 0;            /* bytes at the head of in to relay as is */
    bool kick = false;
    sl_error_t err;             /* set only on the way out of the loop */
    sl_error_clear(&err);

    if (c->back_left > 0 && c->state == SL_PW_READY) {
        /* The rest of a large message being streamed to the client. */
        size_t have = evbuffer_get_length(in);
        size_t k = c->back_left < have ? c->back_left : have;
        relay_to_client(c, in, k);
        c->back_left -= k;
        if (c->back_left > 0) {
            sl__pw_flow(c);
            return;
        }
    }
    while (c->state == SL_PW_READY) {
        size_t avail = evbuffer_get_length(in) - span;
        unsigned char head[6];
        struct evbuffer_ptr ptr;
        sl_pkt_hdr_t h;
        if (avail < 5)
            break;
        evbuffer_ptr_set(in, &ptr, span, EVBUFFER_PTR_SET);
        evbuffer_copyout_from(in, &ptr, head, avail >= 6 ? 6 : 5);
        int rc = sl_pkt_read_header(head, avail, false, SL_PKT_MAX_MESSAGE, &h, &err);
        bool job_step = c->job && c->job->step != SL_PW_STEP_NONE && pending_empty(c);
        if (rc == SL_AGAIN && h.size > SL_PW_STREAM_MIN && !job_step && h.type != 'E') {
            /* A large row (or COPY data): streamed, not held whole. */
            relay_to_client(c, in, span + avail);
            span = 0;
            c->back_left = h.size - avail;
            break;
        }
        if (rc == SL_AGAIN)
            break;
        if (rc != SL_OK) {
            relay_to_client(c, in, span);
            span = 0;
            fatal(c, SL_ERRCODE_PROTOCOL_VIOLATION,
                  "invalid message from the backing PostgreSQL");
            return;
        }
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
            txn_ready(c, c->txn_status);
            note_ready(c, c->txn_status);
            pending_pop(c);
            if (c->job == NULL && pending_empty(c) && sl__pw_held_due(c)) {
                /* The client's block ended with events held: its
                 * ReadyForQuery waits until they are applied. */
                relay_to_client(c, in, span);
                span = 0;
                evbuffer_drain(in, h.size);
                held_job_start(c);
                if (c->job == NULL)
                    kick = true;
                continue;
            }
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
        case 'C':
            if (c->txn.n > 0)
                txn_peek_tag(c, in, span + h.body, h.size - h.body);
            break;
        case 'S':
            sl__pw_enc_param_peek(c, in, span + h.body, h.size - h.body);
            sl__pw_param_peek(c, in, span + h.body, h.size - h.body);
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
