/*
 * lease.c: the ingest lease of streams whose views emit on window close;
 * see lease.h.  One connection holds this sluiced's leases (session advisory
 * locks).  It is opened and asked without blocking: PQconnectPoll and
 * PQsendQueryParams driven by events on its socket, one statement at a
 * time, each answered within pg_timeout (else the connection is dropped).
 * Attempts to take a lease queue (one per stream: the requests arriving
 * meanwhile wait for the same one); the persistent read event on the socket
 * also notices the connection's loss, which ends every lease (PostgreSQL
 * released the locks with the session).
 */
#include "sink/lease.h"
#include "sink/sink.h"

#include <event2/event.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The locks' first keys (the second is hashtext(stream name)): the lease,
 * and what a flush of the holder takes shared while it commits.  Next to
 * the sink's fencing class (sink.c) and sql/catalog.sql's lease_check. */
#define LEASE_CLASS "1397574980"
#define FLUSH_CLASS "1397574981"
/* Held by the lease connection of each instance (hashtext(instance)): how a
 * restarted sluiced finds its predecessor's lease connection. */
#define INSTANCE_CLASS "1397574982"

/* What the lease connection is doing. */
typedef enum {
    ST_IDLE,            /* nothing in flight (or no connection) */
    ST_CONNECT,         /* PQconnectPoll */
    ST_SET,             /* SET lock_timeout */
    ST_FENCE_TRY,       /* the instance's lock (fencing a predecessor) */
    ST_FENCE_TERM,      /* ... held: ending the predecessor's backend */
    ST_FENCE_LOCK,      /* ... and waiting for its lock */
    ST_TRY,             /* queue[0]: pg_try_advisory_lock of the lease */
    ST_FLUSHWAIT,       /* ... got: waiting for the previous holder's flush */
    ST_UNLOCK,          /* ... which did not end: giving the lease back */
    ST_WATERMARK        /* ... which ended: reading the stored watermark */
} step_t;

typedef struct waiter {
    char *stream;
    sl_lease_cb_t cb;
    void *arg;
    struct waiter *next;
} waiter_t;

struct sl_lease {
    sl_server_t *srv;
    PGconn *conn;              /* NULL until a lease is needed, or lost */
    struct event *sock_ev;     /* connecting: one-shot on conn's socket */
    struct event *read_ev;     /* connected: persistent on conn's socket */
    struct event *write_ev;    /* a statement not sent whole yet */
    struct event *timer;       /* the statement in flight: pg_timeout */
    struct event *kick;        /* starts the next attempt on its own turn */
    step_t step;
    bool ready;                /* connected, set up and fenced */
    int pid;                   /* conn's backend */
    char **held;               /* names of the streams whose lease it holds */
    int nheld;
    char **lost;               /* ... held when the connection was lost */
    int nlost;
    struct busy {              /* the last answer of an attempt that failed */
        char *stream;
        int64_t until;         /* answered so without asking until (monotonic us) */
        sl_error_t err;        /* 55P03: held by another sluiced; 57P03 */
    } *busy;
    int nbusy;
    struct attempt {           /* streams whose lease is to be taken, in order */
        char *stream;
        bool retake;           /* lost with the connection (sl_lease_retake) */
    } *queue;
    int nqueue;
    sl_error_t answer;         /* of queue[0]'s attempt, when it failed */
    bool answered;
    waiter_t *waiters;
};

/* How long a stream found held by another sluiced (or PostgreSQL found
 * unreachable) is answered so without asking PostgreSQL again (a takeover
 * waits at most that much longer). */
#define BUSY_US 200000

static void on_kick(evutil_socket_t fd, short what, void *arg);
static void on_timeout(evutil_socket_t fd, short what, void *arg);

sl_lease_t *sl_lease_new(sl_server_t *srv)
{
    sl_lease_t *l = sl_xcalloc(1, sizeof(*l));
    l->srv = srv;
    l->timer = evtimer_new(srv->base, on_timeout, l);
    l->kick = evtimer_new(srv->base, on_kick, l);
    return l;
}

static void free_event(struct event **ev)
{
    if (*ev) {
        event_free(*ev);
        *ev = NULL;
    }
}

/* The entry of a stream answered so (created when create), or NULL. */
static struct busy *busy_entry(sl_lease_t *l, const char *stream, bool create)
{
    for (int i = 0; i < l->nbusy; i++)
        if (strcmp(l->busy[i].stream, stream) == 0)
            return &l->busy[i];
    if (!create)
        return NULL;
    l->busy = sl_xrealloc(l->busy, sizeof(*l->busy) * (size_t)(l->nbusy + 1));
    memset(&l->busy[l->nbusy], 0, sizeof(l->busy[0]));
    l->busy[l->nbusy].stream = sl_xstrdup(stream);
    return &l->busy[l->nbusy++];
}

static void busy_error(const char *stream, sl_error_t *err)
{
    sl_error_set(err, "55P03", 0, "stream \"%s\" is being ingested by another sluiced", stream);
    sl_error_detail(err, "A continuous view over it emits on window close, so one sluiced at a "
                    "time takes its events; nothing of this request was applied.");
    sl_error_hint(err, "Send the stream's events to the sluiced that ingests it, or retry: "
                  "another sluiced takes over when it stops.");
}

/* Answers the waiters of stream (NULL: every waiter), taken off the list
 * first: a waiter's callback may ask again. */
static void answer_waiters(sl_lease_t *l, const char *stream)
{
    waiter_t *mine = NULL, **pp = &l->waiters;
    while (*pp) {
        waiter_t *w = *pp;
        if (stream == NULL || strcmp(w->stream, stream) == 0) {
            *pp = w->next;
            w->next = mine;
            mine = w;
        } else {
            pp = &w->next;
        }
    }
    /* in the order they came */
    waiter_t *rev = NULL;
    while (mine) {
        waiter_t *w = mine;
        mine = w->next;
        w->next = rev;
        rev = w;
    }
    while (rev) {
        waiter_t *w = rev;
        rev = w->next;
        w->cb(w->arg);
        free(w->stream);
        free(w);
    }
}

/* queue[0]'s attempt ended: its answer (failure) is kept for BUSY_US. */
static void attempt_end(sl_lease_t *l)
{
    struct attempt a = l->queue[0];
    memmove(&l->queue[0], &l->queue[1], sizeof(l->queue[0]) * (size_t)(l->nqueue - 1));
    l->nqueue--;
    l->step = ST_IDLE;
    if (l->answered) {
        struct busy *b = busy_entry(l, a.stream, true);
        b->err = l->answer;
        b->until = sl_sink_clock_us() + BUSY_US;
        bool refused = strcmp(l->answer.sqlstate, "55P03") == 0;
        if (a.retake && refused)
            sl_log_warning("stream \"%s\" is ingested by another sluiced now: this one's "
                           "events of it not flushed yet are answered 503", a.stream);
        if (a.retake && !refused) {    /* PostgreSQL unreachable: at a later flush */
            l->lost = sl_xrealloc(l->lost, sizeof(char *) * (size_t)(l->nlost + 1));
            l->lost[l->nlost++] = sl_xstrdup(a.stream);
        }
    }
    l->answered = false;
    if (l->nqueue > 0 && l->kick)
        event_active(l->kick, EV_TIMEOUT, 0);
    answer_waiters(l, a.stream);
    free(a.stream);
}

/* The connection is gone (or never was): so are the leases; every queued
 * attempt is answered why (57P03). */
static void lease_lost(sl_lease_t *l, const char *why)
{
    if (l->nheld > 0)
        sl_log_warning("the lease connection was lost (%s): this sluiced no longer holds the "
                       "ingest lease of %d stream(s); it takes them again at the next flush "
                       "if no other sluiced has", why, l->nheld);
    l->lost = sl_xrealloc(l->lost, sizeof(char *) * (size_t)(l->nlost + l->nheld + 1));
    for (int i = 0; i < l->nheld; i++)
        l->lost[l->nlost++] = l->held[i];
    free(l->held);
    l->held = NULL;
    l->nheld = 0;
    free_event(&l->sock_ev);
    free_event(&l->read_ev);
    free_event(&l->write_ev);
    if (l->timer)
        evtimer_del(l->timer);
    if (l->conn) {
        PQfinish(l->conn);
        l->conn = NULL;
    }
    l->pid = 0;
    l->ready = false;
    step_t step = l->step;
    l->step = ST_IDLE;
    if (l->nqueue == 0)
        return;
    if (!l->answered) {
        l->answered = true;
        if (step == ST_CONNECT || step == ST_SET || step == ST_FENCE_TRY ||
            step == ST_FENCE_TERM || step == ST_FENCE_LOCK || step == ST_IDLE)
            sl_error_set(&l->answer, "57P03", 0, "sluiced cannot reach PostgreSQL to take "
                         "a stream's ingest lease (%s); nothing of this request was applied: "
                         "retry it", why);
        else
            sl_error_set(&l->answer, "57P03", 0, "sluiced lost its connection to PostgreSQL "
                         "while taking a stream's ingest lease (%s); nothing of this request "
                         "was applied: retry it", why);
    }
    /* every queued attempt gets the same answer (not those its waiters
     * may queue meanwhile: on the next turn) */
    sl_error_t answer = l->answer;
    for (int n = l->nqueue; n > 0 && l->nqueue > 0; n--) {
        l->answer = answer;
        l->answered = true;
        attempt_end(l);
    }
}

/* Drops the connection for the reason libpq gives (one line). */
static void conn_failed(sl_lease_t *l, const char *what)
{
    char why[300];
    snprintf(why, sizeof(why), "%s%s%s", what ? what : "", what ? ": " : "",
             l->conn ? PQerrorMessage(l->conn) : "closed");
    char *nl = strchr(why, '\n');
    if (nl)
        *nl = 0;
    lease_lost(l, why);
}

void sl_lease_free(sl_lease_t *l)
{
    if (l == NULL)
        return;
    for (int i = 0; i < l->nheld; i++)
        free(l->held[i]);
    l->nheld = 0;   /* silent: sluiced is stopping */
    while (l->waiters) {    /* their requests end with the server */
        waiter_t *w = l->waiters;
        l->waiters = w->next;
        free(w->stream);
        free(w);
    }
    for (int i = 0; i < l->nqueue; i++)
        free(l->queue[i].stream);
    l->nqueue = 0;
    free_event(&l->kick);
    lease_lost(l, "stop");
    free_event(&l->timer);
    for (int i = 0; i < l->nlost; i++)
        free(l->lost[i]);
    free(l->lost);
    for (int i = 0; i < l->nbusy; i++)
        free(l->busy[i].stream);
    free(l->busy);
    free(l->queue);
    free(l);
}

/* The statement in flight gets pg_timeout plus a second (lock_timeout,
 * pg_timeout, ends a wait for a lock first, with an answer). */
static void arm_timer(sl_lease_t *l)
{
    int ms = l->srv->cfg.pg_timeout_ms + 1000;
    struct timeval tv = {ms / 1000, (ms % 1000) * 1000};
    evtimer_add(l->timer, &tv);
}

static void on_timeout(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    sl_lease_t *l = arg;
    sl_log_warning("PostgreSQL did not answer the lease connection within pg_timeout: "
                   "dropping it");
    lease_lost(l, "PostgreSQL did not answer within pg_timeout");
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    sl_lease_t *l = arg;
    int rc = PQflush(l->conn);
    if (rc < 0)
        conn_failed(l, NULL);
    else if (rc > 0)
        event_add(l->write_ev, NULL);
}

/* Sends sql (with stream as $1 unless NULL) as step. */
static void send_sql(sl_lease_t *l, step_t step, const char *sql, const char *param)
{
    l->step = step;
    if (!PQsendQueryParams(l->conn, sql, param ? 1 : 0, NULL, param ? &param : NULL, NULL,
                           NULL, 0)) {
        conn_failed(l, NULL);
        return;
    }
    int rc = PQflush(l->conn);
    if (rc < 0) {
        conn_failed(l, NULL);
        return;
    }
    if (rc > 0) {
        if (l->write_ev == NULL)
            l->write_ev = event_new(l->srv->base, PQsocket(l->conn), EV_WRITE, on_write, l);
        event_add(l->write_ev, NULL);
    }
    arm_timer(l);
}

static void fail_attempt(sl_lease_t *l, const char *fmt, const char *stream, const char *why)
{
    l->answered = true;
    sl_error_set(&l->answer, "57P03", 0, fmt, stream, why);
}

/* Starts queue[0]'s attempt when the connection is ready and idle. */
static void next_attempt(sl_lease_t *l)
{
    while (l->ready && l->step == ST_IDLE && l->nqueue > 0) {
        const char *name = l->queue[0].stream;
        sl_stream_t *s = sl_catalog_stream(&l->srv->catalog, name);
        if (s == NULL || !sl_lease_needed(s) || sl_lease_held(l, name)) {
            attempt_end(l);     /* nothing to take (any more) */
            continue;
        }
        send_sql(l, ST_TRY, "SELECT pg_try_advisory_lock(" LEASE_CLASS ", hashtext($1))", name);
    }
}

/* queue[0]'s lease is taken: lateness is judged from the holder's
 * watermark on. */
static void taken(sl_lease_t *l, PGresult *r)
{
    const char *name = l->queue[0].stream;
    int64_t stored = INT64_MIN;
    if (!PQgetisnull(r, 0, 1))
        stored = strtoll(PQgetvalue(r, 0, 1), NULL, 10);
    sl_stream_t *s = sl_catalog_stream(&l->srv->catalog, name);
    if (s != NULL) {
        if (stored > s->max_event) {
            s->max_event = stored;
            s->last_event = sl_sink_clock_us();
        }
        if (stored > s->max_event_stored)
            s->max_event_stored = stored;
    }
    l->held = sl_xrealloc(l->held, sizeof(char *) * (size_t)(l->nheld + 1));
    l->held[l->nheld++] = sl_xstrdup(name);
    sl_log_info("this sluiced now ingests stream \"%s\" (its views emit on window close: "
                "it holds the stream's ingest lease)", name);
}

/* The answer r of the statement of l->step (which r does not outlive). */
static void advance(sl_lease_t *l, PGresult *r)
{
    const char *inst = l->srv->instance;
    const char *name = l->nqueue > 0 ? l->queue[0].stream : NULL;
    bool ok = r != NULL && PQresultStatus(r) == PGRES_TUPLES_OK;
    bool t = ok && PQntuples(r) > 0 && PQgetvalue(r, 0, 0)[0] == 't';
    const char *why = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (why == NULL)
        why = "no answer";
    switch (l->step) {
    case ST_SET:
        if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
            conn_failed(l, "cannot set up the lease connection");
            return;
        }
        /* Fencing, as the sink's (sink.h): a predecessor of this sluiced (the
         * same instance) whose lease connection PostgreSQL still keeps (a hung
         * process, a machine cut off) would hold its leases for as long; its
         * backend is ended and waited for (up to lock_timeout). */
        send_sql(l, ST_FENCE_TRY, "SELECT pg_try_advisory_lock(" INSTANCE_CLASS ", hashtext($1))",
                 inst);
        return;
    case ST_FENCE_TRY:
        if (ok && !t) {
            sl_log_info("a lease connection of a predecessor of sluiced \"%s\" is still open: "
                        "ending it", inst);
            send_sql(l, ST_FENCE_TERM, "SELECT count(pg_terminate_backend(pid)) FROM pg_locks "
                     "WHERE locktype = 'advisory' AND classid = " INSTANCE_CLASS "::oid "
                     "AND objid = hashtext($1)::oid AND objsubid = 2 AND granted "
                     "AND pid <> pg_backend_pid()", inst);
            return;
        }
        break;
    case ST_FENCE_TERM:
        send_sql(l, ST_FENCE_LOCK, "SELECT pg_advisory_lock(" INSTANCE_CLASS ", hashtext($1))",
                 inst);
        return;
    case ST_FENCE_LOCK:
        break;
    case ST_TRY:
        if (!t) {
            l->answered = true;
            busy_error(name, &l->answer);
            attempt_end(l);
            next_attempt(l);
            return;
        }
        /* The previous holder's flushes still committing: wait for them (up
         * to lock_timeout), then read what they stored, in a later statement
         * (a statement's snapshot is taken before its locks). */
        send_sql(l, ST_FLUSHWAIT, "SELECT pg_advisory_lock(" FLUSH_CLASS ", hashtext($1))", name);
        return;
    case ST_FLUSHWAIT:
        if (!ok) {
            fail_attempt(l, "the previous holder of the ingest lease of stream \"%s\" is still "
                         "flushing (%s); nothing of this request was applied: retry it",
                         name, why);
            send_sql(l, ST_UNLOCK, "SELECT pg_advisory_unlock(" LEASE_CLASS ", hashtext($1))",
                     name);
            return;
        }
        send_sql(l, ST_WATERMARK, "SELECT pg_advisory_unlock(" FLUSH_CLASS ", hashtext($1)), "
                 "(SELECT max_event FROM sluice.watermarks WHERE stream = $1)", name);
        return;
    case ST_UNLOCK:
        attempt_end(l);
        next_attempt(l);
        return;
    case ST_WATERMARK:
        if (!ok) {
            fail_attempt(l, "sluiced could not read the watermark of stream \"%s\" (%s); "
                         "nothing of this request was applied: retry it", name, why);
            lease_lost(l, "its watermark could not be read");
            return;
        }
        taken(l, r);
        attempt_end(l);
        next_attempt(l);
        return;
    default:
        return;
    }
    /* the end of the fencing */
    if (!ok) {
        char msg[300];
        snprintf(msg, sizeof(msg), "sluiced could not fence its predecessor's lease "
                 "connection (%s)", why);
        lease_lost(l, msg);
        return;
    }
    l->step = ST_IDLE;
    l->ready = true;
    l->pid = PQbackendPID(l->conn);
    next_attempt(l);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    sl_lease_t *l = arg;
    if (!PQconsumeInput(l->conn) || PQstatus(l->conn) != CONNECTION_OK) {
        conn_failed(l, NULL);
        return;
    }
    PGnotify *n;
    while ((n = PQnotifies(l->conn)) != NULL)
        PQfreemem(n);
    if (l->step == ST_IDLE || PQisBusy(l->conn))
        return;
    evtimer_del(l->timer);
    PGresult *last = NULL, *r;
    while ((r = PQgetResult(l->conn)) != NULL) {
        PQclear(last);
        last = r;
    }
    advance(l, last);
    PQclear(last);
}

static void on_connect(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    sl_lease_t *l = arg;
    PostgresPollingStatusType st = PQconnectPoll(l->conn);
    free_event(&l->sock_ev);
    if (st == PGRES_POLLING_FAILED) {
        conn_failed(l, NULL);
        return;
    }
    if (st != PGRES_POLLING_OK) {
        l->sock_ev = event_new(l->srv->base, PQsocket(l->conn),
                               st == PGRES_POLLING_READING ? EV_READ : EV_WRITE, on_connect, l);
        event_add(l->sock_ev, NULL);
        return;
    }
    if (PQsetnonblocking(l->conn, 1) != 0) {
        conn_failed(l, NULL);
        return;
    }
    l->read_ev = event_new(l->srv->base, PQsocket(l->conn), EV_READ | EV_PERSIST, on_read, l);
    event_add(l->read_ev, NULL);
    char sql[96];
    snprintf(sql, sizeof(sql), "SET lock_timeout = %d", l->srv->cfg.pg_timeout_ms);
    send_sql(l, ST_SET, sql, NULL);
}

/* Opens the lease connection without blocking. */
static void lease_connect(sl_lease_t *l)
{
    const char *keys[] = {"dbname", "connect_timeout", "application_name", NULL};
    const char *vals[] = {l->srv->pg_conninfo, "10", "sluiced lease", NULL};
    l->conn = PQconnectStartParams(keys, vals, 1);
    l->step = ST_CONNECT;
    if (l->conn == NULL || PQstatus(l->conn) == CONNECTION_BAD) {
        conn_failed(l, l->conn ? NULL : "out of memory");
        return;
    }
    l->sock_ev = event_new(l->srv->base, PQsocket(l->conn), EV_WRITE, on_connect, l);
    event_add(l->sock_ev, NULL);
    arm_timer(l);
}

static void on_kick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd, (void)what;
    sl_lease_t *l = arg;
    if (l->nqueue == 0)
        return;
    if (l->conn == NULL)
        lease_connect(l);
    else
        next_attempt(l);
}

/* Queues an attempt to take stream's lease (one per stream). */
static void enqueue(sl_lease_t *l, const char *stream, bool retake)
{
    for (int i = 0; i < l->nqueue; i++)
        if (strcmp(l->queue[i].stream, stream) == 0) {
            l->queue[i].retake |= retake;
            return;
        }
    l->queue = sl_xrealloc(l->queue, sizeof(*l->queue) * (size_t)(l->nqueue + 1));
    l->queue[l->nqueue].stream = sl_xstrdup(stream);
    l->queue[l->nqueue].retake = retake;
    l->nqueue++;
    event_active(l->kick, EV_TIMEOUT, 0);
}

bool sl_lease_needed(const sl_stream_t *s)
{
    for (int i = 0; i < s->nviews; i++) {
        const sl_view_t *v = s->views[i];
        if (!v->broken && !v->inactive && v->plan && v->plan->emit == SL_EMIT_ON_WINDOW_CLOSE)
            return true;
    }
    return false;
}

bool sl_lease_held(const sl_lease_t *l, const char *stream)
{
    for (int i = 0; i < l->nheld; i++)
        if (strcmp(l->held[i], stream) == 0)
            return true;
    return false;
}

int sl_lease_pid(const sl_lease_t *l)
{
    return l->conn && l->ready ? l->pid : 0;
}

/* The answer kept for stream, when there is one still fresh. */
static const sl_error_t *kept_answer(sl_lease_t *l, const char *stream)
{
    struct busy *b = busy_entry(l, stream, false);
    if (b != NULL && sl_sink_clock_us() < b->until)
        return &b->err;
    return NULL;
}

bool sl_lease_ready(sl_lease_t *l, const sl_stream_t *s, sl_lease_cb_t cb, void *arg)
{
    if (sl_lease_held(l, s->name) || kept_answer(l, s->name) != NULL)
        return true;
    enqueue(l, s->name, false);
    waiter_t *w = sl_xcalloc(1, sizeof(*w));
    w->stream = sl_xstrdup(s->name);
    w->cb = cb;
    w->arg = arg;
    w->next = l->waiters;
    l->waiters = w;
    return false;
}

void sl_lease_cancel(sl_lease_t *l, void *arg)
{
    for (waiter_t **pp = &l->waiters; *pp;) {
        waiter_t *w = *pp;
        if (w->arg == arg) {
            *pp = w->next;
            free(w->stream);
            free(w);
        } else {
            pp = &w->next;
        }
    }
}

int sl_lease_take(sl_lease_t *l, sl_stream_t *s, sl_error_t *err)
{
    if (sl_lease_held(l, s->name))
        return SL_OK;
    const sl_error_t *kept = kept_answer(l, s->name);
    if (kept != NULL) {
        *err = *kept;
        return SL_ERR;
    }
    enqueue(l, s->name, false);
    return sl_error_set(err, "57P03", 0, "sluiced is taking the ingest lease of stream \"%s\"; "
                        "nothing of this request was applied: retry it", s->name);
}

void sl_lease_retake(sl_lease_t *l, sl_catalog_t *cat)
{
    int keep = 0;
    for (int i = 0; i < l->nlost; i++) {
        sl_stream_t *s = sl_catalog_stream(cat, l->lost[i]);
        if (s != NULL && kept_answer(l, s->name) != NULL &&
            strcmp(kept_answer(l, s->name)->sqlstate, "57P03") == 0) {
            l->lost[keep++] = l->lost[i];   /* asked just now: at a later flush */
            continue;
        }
        if (s != NULL && sl_lease_needed(s) && !sl_lease_held(l, s->name))
            enqueue(l, s->name, true);
        free(l->lost[i]);
    }
    l->nlost = keep;
}

bool sl_lease_retaking(const sl_lease_t *l)
{
    for (int i = 0; i < l->nqueue; i++)
        if (l->queue[i].retake)
            return true;
    return false;
}
