/*
 * sink.c: the flush loop: one non-blocking libpq connection in pipeline
 * mode, one implicit transaction per flush, acks after its Sync; see sink.h.
 *
 * States:  DOWN ─retry─► CONNECTING ─► (RESOLVING ─►) IDLE ◄─► FLUSHING
 * Any connection loss goes back to DOWN.  RESOLVING reads the progress row
 * after a reconnect when the last flush's outcome is unknown.
 */
#include "sink/sink.h"
#include "exec/exec.h"
#include "sink/idem.h"

#include <event2/event.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

typedef enum {
    S_DOWN,
    S_CONNECTING,
    S_RESOLVING,
    S_IDLE,
    S_FLUSHING
} sink_state_t;

typedef struct waiter {
    struct waiter *next;
    sl_sink_cb cb;
    void *arg;
} waiter_t;

typedef struct flush_item {
    sl_view_t *view;       /* NULL once the view was dropped */
    sl_delta_t *delta;     /* NULL when only the view's counts changed */
    int stmt;              /* its upsert's place in the flush pipeline, -1 */
    unsigned long long seen, matched; /* exec's counts at the flush */
} flush_item_t;

typedef struct waitlist {
    waiter_t *head;
    waiter_t **tail;
} waitlist_t;

struct sl_sink {
    sl_server_t *srv;
    PGconn *conn;
    sink_state_t state;
    struct event *conn_ev;      /* one-shot, while connecting */
    struct event *read_ev;      /* persistent, once connected */
    struct event *write_ev;     /* one-shot, while output is queued */
    struct event *tick;         /* flush interval */
    struct event *retry;        /* reconnect */
    struct timeval down_since;  /* tv_sec 0 while up */
    bool timed_out;             /* down longer than pg_timeout */
    waitlist_t waiting;         /* effects in the current deltas */
    waitlist_t inflight;        /* effects in the flush being written */
    flush_item_t *items;
    int nitems;
    bool outcome_unknown;       /* connection lost before the Sync result */
    bool flush_error;
    int nresults;               /* results of the flush pipeline so far */
    int fail_stmt;              /* the first failed statement, -1 */
    char errstate[6];
    char errmsg[512];
    char server_id[40];
    long long flush_seq;        /* last flush sent */
    char last_error[512];       /* last connection error, logged once */
    struct timespec flush_start;
    int flush_groups;           /* group rows in the flush being written */
    double flush_ms[SL_SINK_FLUSH_WINDOW]; /* ring of committed durations */
    unsigned long long nflushes, ngroups;
    double total_ms;
};

static void sink_connect(sl_sink_t *sink);
static void sink_start_flush(sl_sink_t *sink);
static void sink_lost(sl_sink_t *sink, const char *why);

/* ---- waiter lists ---- */

static void waitlist_init(waitlist_t *l)
{
    l->head = NULL;
    l->tail = &l->head;
}

static void waitlist_push(waitlist_t *l, waiter_t *w)
{
    w->next = NULL;
    *l->tail = w;
    l->tail = &w->next;
}

/* Moves every waiter of src in front of dst's. */
static void waitlist_prepend(waitlist_t *dst, waitlist_t *src)
{
    if (src->head == NULL)
        return;
    *src->tail = dst->head;
    if (dst->head == NULL)
        dst->tail = src->tail;
    dst->head = src->head;
    waitlist_init(src);
}

/* Calls and frees every waiter of l (l is empty afterwards; callbacks may
 * register new waiters on other lists). */
static void waitlist_answer(waitlist_t *l, sl_sink_status_t st, const char *msg)
{
    waiter_t *w = l->head;
    waitlist_init(l);
    while (w) {
        waiter_t *next = w->next;
        w->cb(w->arg, st, msg);
        free(w);
        w = next;
    }
}

/* ---- flush items ---- */

static void items_free(sl_sink_t *sink)
{
    for (int i = 0; i < sink->nitems; i++)
        if (sink->items[i].delta)
            sl_delta_free(sink->items[i].delta);
    free(sink->items);
    sink->items = NULL;
    sink->nitems = 0;
}

/* Merges the in-flight deltas back into their views (flush not applied). */
static void items_restore(sl_sink_t *sink)
{
    for (int i = 0; i < sink->nitems; i++) {
        flush_item_t *it = &sink->items[i];
        if (it->view && it->view->exec && it->delta) {
            sl_exec_restore(it->view->exec, it->delta);
            it->delta = NULL;
        }
    }
    items_free(sink);
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void flush_committed(sl_sink_t *sink)
{
    for (int i = 0; i < sink->nitems; i++) {
        flush_item_t *it = &sink->items[i];
        /* (a baseline moved on by sink_give_up_waiting stays) */
        if (it->view && it->seen > it->view->stats_seen)
            it->view->stats_seen = it->seen;
        if (it->view && it->matched > it->view->stats_matched)
            it->view->stats_matched = it->matched;
    }
    double ms = ms_since(&sink->flush_start);
    sink->flush_ms[sink->nflushes % SL_SINK_FLUSH_WINDOW] = ms;
    sink->total_ms += ms;
    sink->nflushes++;
    sink->ngroups += (unsigned long long)sink->flush_groups;
    items_free(sink);
    sl_idem_committed(sink->srv->idem);
    sink->outcome_unknown = false;
    waitlist_answer(&sink->inflight, SL_SINK_COMMITTED, NULL);
}

static void flush_not_applied(sl_sink_t *sink)
{
    items_restore(sink);
    sl_idem_restore(sink->srv->idem);
    sink->outcome_unknown = false;
    waitlist_prepend(&sink->waiting, &sink->inflight);
}

/* ---- connection ---- */

static void on_write(evutil_socket_t fd, short what, void *arg)
{
    sl_sink_t *sink = arg;
    int r = PQflush(sink->conn);
    if (r < 0) {
        sink_lost(sink, PQerrorMessage(sink->conn));
        return;
    }
    if (r == 1)
        event_add(sink->write_ev, NULL);
}

static void send_flush_out(sl_sink_t *sink)
{
    int r = PQflush(sink->conn);
    if (r < 0)
        sink_lost(sink, PQerrorMessage(sink->conn));
    else if (r == 1)
        event_add(sink->write_ev, NULL);
}

/* Handles one result of a flush pipeline; returns true at its Sync. */
static bool flush_result(sl_sink_t *sink, PGresult *res)
{
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_PIPELINE_SYNC)
        return true;
    int stmt = sink->nresults++;
    if (st == PGRES_FATAL_ERROR && !sink->flush_error) {
        const char *code = PQresultErrorField(res, PG_DIAG_SQLSTATE);
        sink->flush_error = true;
        sink->fail_stmt = stmt;
        snprintf(sink->errstate, sizeof(sink->errstate), "%s", code ? code : "XX000");
        snprintf(sink->errmsg, sizeof(sink->errmsg), "%s",
                 PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                     ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                     : PQerrorMessage(sink->conn));
    }
    return false;
}

/* A failed flush whose SQLSTATE says a retry may succeed. */
static bool error_is_transient(const char *code)
{
    return strncmp(code, "08", 2) == 0 || strncmp(code, "40", 2) == 0 ||
           strncmp(code, "53", 2) == 0 || strncmp(code, "57", 2) == 0 ||
           strcmp(code, "55P03") == 0;
}

/* A flush failed for good on one view's upsert (its state table was
 * dropped or altered behind Sluice's back): that view is marked broken and
 * its delta dropped, so it stops holding back the others.  Returns false
 * when the failure was not a view's. */
static bool isolate_broken_view(sl_sink_t *sink)
{
    for (int i = 0; i < sink->nitems; i++) {
        flush_item_t *it = &sink->items[i];
        if (it->stmt != sink->fail_stmt || it->stmt < 0)
            continue;
        if (it->view) {
            it->view->broken = true;
            sl_log_error("continuous view \"%s\" is broken, PostgreSQL rejected its rows "
                         "(%s): %s; it is no longer fed (DROP CONTINUOUS VIEW %s removes it)",
                         it->view->name, sink->errstate, sink->errmsg, it->view->name);
        }
        sl_delta_free(it->delta);
        it->delta = NULL;
        return true;
    }
    return false;
}

static void flush_done(sl_sink_t *sink)
{
    sink->state = S_IDLE;
    if (!sink->flush_error) {
        flush_committed(sink);
    } else if (error_is_transient(sink->errstate)) {
        sl_log_warning("flush failed, retrying: %s", sink->errmsg);
        flush_not_applied(sink);
    } else if (isolate_broken_view(sink)) {
        /* the other views' deltas go again with the next flush */
        flush_not_applied(sink);
    } else {
        sl_log_error("flush rejected by PostgreSQL (%s): %s; the requests it "
                     "covered are answered with an error",
                     sink->errstate, sink->errmsg);
        items_free(sink);
        sl_idem_forget_inflight(sink->srv->idem);
        waitlist_answer(&sink->inflight, SL_SINK_FAILED, sink->errmsg);
    }
    if (sink->srv->shutting_down)
        sink_start_flush(sink);
}

static void resolve_done(sl_sink_t *sink, PGresult *res)
{
    long long seq = -1;
    if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
        seq = atoll(PQgetvalue(res, 0, 0));
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        sink_lost(sink, PQresultErrorMessage(res));
        return;
    }
    if (seq >= sink->flush_seq) {
        sl_log_info("flush %lld had committed before the connection was lost",
                    sink->flush_seq);
        flush_committed(sink);
    } else {
        flush_not_applied(sink);
    }
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
    sl_sink_t *sink = arg;
    if (!PQconsumeInput(sink->conn)) {
        sink_lost(sink, PQerrorMessage(sink->conn));
        return;
    }
    while (sink->state == S_FLUSHING || sink->state == S_RESOLVING) {
        if (PQisBusy(sink->conn))
            break;
        PGresult *res = PQgetResult(sink->conn);
        if (res == NULL)
            continue;   /* end of one query's results in the pipeline */
        if (sink->state == S_RESOLVING) {
            if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
                sink->state = S_IDLE;
            } else if (PQresultStatus(res) == PGRES_TUPLES_OK ||
                       PQresultStatus(res) == PGRES_FATAL_ERROR) {
                resolve_done(sink, res);
                if (sink->state == S_DOWN) {
                    PQclear(res);
                    return;
                }
                sink->state = S_RESOLVING;  /* its Sync follows */
            }
        } else if (flush_result(sink, res)) {
            PQclear(res);
            flush_done(sink);
            continue;
        }
        PQclear(res);
    }
    if (PQstatus(sink->conn) == CONNECTION_BAD)
        sink_lost(sink, PQerrorMessage(sink->conn));
}

static void send_resolve(sl_sink_t *sink)
{
    const char *params[1] = {sink->server_id};
    sink->state = S_RESOLVING;
    if (!PQsendQueryParams(sink->conn,
                           "SELECT flush_seq FROM sluice.progress WHERE server_id = $1 "
                           "UNION ALL SELECT -1 LIMIT 1",
                           1, NULL, params, NULL, NULL, 0) ||
        !PQpipelineSync(sink->conn)) {
        sink_lost(sink, PQerrorMessage(sink->conn));
        return;
    }
    send_flush_out(sink);
}

static void connected(sl_sink_t *sink)
{
    if (PQsetnonblocking(sink->conn, 1) != 0 || !PQenterPipelineMode(sink->conn)) {
        sink_lost(sink, PQerrorMessage(sink->conn));
        return;
    }
    evutil_socket_t fd = PQsocket(sink->conn);
    sink->read_ev = event_new(sink->srv->base, fd, EV_READ | EV_PERSIST, on_read, sink);
    sink->write_ev = event_new(sink->srv->base, fd, EV_WRITE, on_write, sink);
    event_priority_set(sink->read_ev, SL_PRIO_SINK);
    event_priority_set(sink->write_ev, SL_PRIO_SINK);
    event_add(sink->read_ev, NULL);
    if (sink->down_since.tv_sec != 0 || sink->last_error[0])
        sl_log_info("connected to PostgreSQL again");
    sink->down_since.tv_sec = 0;
    sink->timed_out = false;
    sink->last_error[0] = '\0';
    if (sink->outcome_unknown)
        send_resolve(sink);
    else
        sink->state = S_IDLE;
}

static void on_connect_io(evutil_socket_t fd, short what, void *arg)
{
    sl_sink_t *sink = arg;
    event_free(sink->conn_ev);
    sink->conn_ev = NULL;
    PostgresPollingStatusType st = PQconnectPoll(sink->conn);
    if (st == PGRES_POLLING_OK) {
        connected(sink);
    } else if (st == PGRES_POLLING_FAILED) {
        sink_lost(sink, PQerrorMessage(sink->conn));
    } else {
        short ev = st == PGRES_POLLING_READING ? EV_READ : EV_WRITE;
        sink->conn_ev = event_new(sink->srv->base, PQsocket(sink->conn), ev,
                                  on_connect_io, sink);
        event_add(sink->conn_ev, NULL);
    }
}

static void sink_connect(sl_sink_t *sink)
{
    sink->state = S_CONNECTING;
    sink->conn = PQconnectStart(sink->srv->pg_conninfo);
    if (sink->conn == NULL || PQstatus(sink->conn) == CONNECTION_BAD) {
        sink_lost(sink, sink->conn ? PQerrorMessage(sink->conn) : "out of memory");
        return;
    }
    sink->conn_ev = event_new(sink->srv->base, PQsocket(sink->conn), EV_WRITE,
                              on_connect_io, sink);
    event_add(sink->conn_ev, NULL);
}

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
    sink_connect(arg);
}

/* The connection is gone (or never came): drop it, remember an in-flight
 * flush's outcome is unknown, and retry in a second. */
static void sink_lost(sl_sink_t *sink, const char *why)
{
    char msg[512];
    snprintf(msg, sizeof(msg), "%s", why ? why : "");
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    if (strcmp(msg, sink->last_error) != 0) {
        sl_log_warning("PostgreSQL connection for flushing lost: %s", msg);
        snprintf(sink->last_error, sizeof(sink->last_error), "%s", msg);
    }
    if (sink->state == S_FLUSHING || (sink->state == S_RESOLVING && sink->nitems > 0))
        sink->outcome_unknown = true;
    if (sink->conn_ev) { event_free(sink->conn_ev); sink->conn_ev = NULL; }
    if (sink->read_ev) { event_free(sink->read_ev); sink->read_ev = NULL; }
    if (sink->write_ev) { event_free(sink->write_ev); sink->write_ev = NULL; }
    if (sink->conn) { PQfinish(sink->conn); sink->conn = NULL; }
    sink->state = S_DOWN;
    if (sink->down_since.tv_sec == 0)
        gettimeofday(&sink->down_since, NULL);
    struct timeval tv = {1, 0};
    if (sink->srv->shutting_down)
        tv.tv_sec = 0, tv.tv_usec = 200000;
    event_add(sink->retry, &tv);
}

/* ---- flushing ---- */

/* Queues the statement recording the in-flight idempotency keys. */
static bool send_keys(sl_sink_t *sink)
{
    sl_buf_t k = SL_BUF_INIT, s = SL_BUF_INIT, n = SL_BUF_INIT;
    sl_idem_inflight_arrays(sink->srv->idem, &k, &s, &n);
    const char *values[3] = {sl_buf_cstr(&k), sl_buf_cstr(&s), sl_buf_cstr(&n)};
    int ok = PQsendQueryParams(sink->conn,
                               "INSERT INTO sluice.idempotency (key, stream, accepted) "
                               "SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[]) "
                               "ON CONFLICT (key) DO NOTHING",
                               3, NULL, values, NULL, NULL, 0);
    sl_buf_free(&k);
    sl_buf_free(&s);
    sl_buf_free(&n);
    return ok != 0;
}

/* Queues the statement adding this flush's counts to sluice.view_stats
 * (one row per view, in the flush's transaction). */
static bool send_view_stats(sl_sink_t *sink)
{
    sl_buf_t p[4] = {SL_BUF_INIT, SL_BUF_INIT, SL_BUF_INIT, SL_BUF_INIT};
    for (int c = 0; c < 4; c++)
        sl_buf_putc(&p[c], '{');
    for (int i = 0; i < sink->nitems; i++) {
        flush_item_t *it = &sink->items[i];
        const char *sep = i ? "," : "";
        sl_buf_puts(&p[0], sep);
        sl_buf_put_array_elem(&p[0], it->view->name, strlen(it->view->name));
        sl_buf_printf(&p[1], "%s%llu", sep, it->seen - it->view->stats_seen);
        sl_buf_printf(&p[2], "%s%llu", sep, it->matched - it->view->stats_matched);
        sl_buf_printf(&p[3], "%s%d", sep, it->delta ? sl_delta_ngroups(it->delta) : 0);
    }
    const char *values[4];
    for (int c = 0; c < 4; c++) {
        sl_buf_putc(&p[c], '}');
        values[c] = sl_buf_cstr(&p[c]);
    }
    int ok = PQsendQueryParams(
        sink->conn,
        "INSERT INTO sluice.view_stats AS s (view_name, events, matched, groups_written, "
        "flushes, last_flush) SELECT n, e, m, g, 1, now() FROM unnest($1::text[], "
        "$2::bigint[], $3::bigint[], $4::bigint[]) AS u(n, e, m, g) ORDER BY n "
        "ON CONFLICT (view_name) DO UPDATE SET events = s.events + EXCLUDED.events, "
        "matched = s.matched + EXCLUDED.matched, "
        "groups_written = s.groups_written + EXCLUDED.groups_written, "
        "flushes = s.flushes + 1, last_flush = EXCLUDED.last_flush",
        4, NULL, values, NULL, NULL, 0);
    for (int c = 0; c < 4; c++)
        sl_buf_free(&p[c]);
    return ok != 0;
}

static void sink_start_flush(sl_sink_t *sink)
{
    if (sink->state != S_IDLE)
        return;
    sl_catalog_t *cat = &sink->srv->catalog;
    for (int i = 0; i < cat->nviews; i++) {
        sl_view_t *v = cat->views[i];
        if (v->exec == NULL)
            continue;
        unsigned long long seen, matched;
        if (v->broken)
            continue;
        sl_exec_counts(v->exec, &seen, &matched);
        sl_delta_t *d = sl_exec_ngroups(v->exec) > 0 ? sl_exec_detach(v->exec) : NULL;
        if (d == NULL && seen == v->stats_seen && matched == v->stats_matched)
            continue;
        sink->items = sl_xrealloc(sink->items, sizeof(flush_item_t) * (size_t)(sink->nitems + 1));
        flush_item_t *it = &sink->items[sink->nitems++];
        it->view = v;
        it->delta = d;
        it->seen = seen;
        it->matched = matched;
    }
    waitlist_prepend(&sink->inflight, &sink->waiting);
    int nkeys = sl_idem_take_waiting(sink->srv->idem);
    if (sink->nitems == 0 && nkeys == 0) {
        /* Requests whose rows every filter dropped: nothing to write. */
        waitlist_answer(&sink->inflight, SL_SINK_COMMITTED, NULL);
        return;
    }

    sink->flush_error = false;
    sink->nresults = 0;
    sink->fail_stmt = -1;
    sink->errstate[0] = '\0';
    sink->flush_seq++;
    clock_gettime(CLOCK_MONOTONIC, &sink->flush_start);
    sink->flush_groups = 0;
    for (int i = 0; i < sink->nitems; i++)
        if (sink->items[i].delta)
            sink->flush_groups += sl_delta_ngroups(sink->items[i].delta);
    sl_buf_t sql = SL_BUF_INIT;
    int nstmt = 0;
    for (int i = 0; i < sink->nitems; i++) {
        flush_item_t *it = &sink->items[i];
        it->stmt = -1;
        if (it->delta == NULL)
            continue;
        it->stmt = nstmt++;
        int np = sl_delta_ncols(it->delta);
        sl_buf_t *params = sl_xcalloc((size_t)np, sizeof(sl_buf_t));
        const char **values = sl_xcalloc((size_t)np, sizeof(char *));
        sl_buf_reset(&sql);
        sl_upsert_sql(it->view, &sql);
        sl_upsert_params(it->delta, params, np);
        for (int c = 0; c < np; c++)
            values[c] = sl_buf_cstr(&params[c]);
        int ok = PQsendQueryParams(sink->conn, sl_buf_cstr(&sql), np, NULL,
                                   values, NULL, NULL, 0);
        for (int c = 0; c < np; c++)
            sl_buf_free(&params[c]);
        free(params);
        free(values);
        if (!ok) {
            sl_buf_free(&sql);
            sink->state = S_FLUSHING;
            sink_lost(sink, PQerrorMessage(sink->conn));
            return;
        }
    }
    sl_buf_free(&sql);
    if ((sink->nitems > 0 && !send_view_stats(sink)) || (nkeys > 0 && !send_keys(sink)) ||
        (sink->flush_seq % 600 == 0 &&
         !PQsendQueryParams(sink->conn,
                            "DELETE FROM sluice.idempotency WHERE committed_at < "
                            "now() - interval '1 second' * $1",
                            1, NULL, (const char *[]){SL_IDEM_TTL_TEXT}, NULL, NULL, 0))) {
        sink->state = S_FLUSHING;
        sink_lost(sink, PQerrorMessage(sink->conn));
        return;
    }
    char seq[32];
    snprintf(seq, sizeof(seq), "%lld", sink->flush_seq);
    const char *pv[2] = {sink->server_id, seq};
    sink->state = S_FLUSHING;
    if (!PQsendQueryParams(sink->conn,
                           "INSERT INTO sluice.progress (server_id, flush_seq, updated_at) "
                           "VALUES ($1, $2, now()) ON CONFLICT (server_id) DO UPDATE "
                           "SET flush_seq = EXCLUDED.flush_seq, updated_at = now()",
                           2, NULL, pv, NULL, NULL, 0) ||
        !PQpipelineSync(sink->conn)) {
        sink_lost(sink, PQerrorMessage(sink->conn));
        return;
    }
    send_flush_out(sink);
}

/* Drops the current deltas of every view and answers their waiters 503:
 * PostgreSQL has been unreachable for pg_timeout, none of it was acked. */
static void sink_give_up_waiting(sl_sink_t *sink)
{
    sl_catalog_t *cat = &sink->srv->catalog;
    for (int i = 0; i < cat->nviews; i++) {
        sl_view_t *v = cat->views[i];
        if (v->exec) {
            sl_delta_t *d = sl_exec_detach(v->exec);
            if (d)
                sl_delta_free(d);
            /* the dropped events are not counted in sluice.view_stats */
            sl_exec_counts(v->exec, &v->stats_seen, &v->stats_matched);
        }
    }
    sl_idem_forget_waiting(sink->srv->idem);
    if (sink->waiting.head)
        sl_log_warning("PostgreSQL unreachable for %d ms: answering waiting "
                       "requests with 503", sink->srv->cfg.pg_timeout_ms);
    waitlist_answer(&sink->waiting, SL_SINK_UNAVAILABLE, NULL);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    sl_sink_t *sink = arg;
    if (sink->state == S_IDLE) {
        sink_start_flush(sink);
    } else if (sink->state == S_DOWN || sink->state == S_CONNECTING) {
        if (sink->down_since.tv_sec == 0)
            return;
        struct timeval now;
        gettimeofday(&now, NULL);
        long ms = (now.tv_sec - sink->down_since.tv_sec) * 1000 +
                  (now.tv_usec - sink->down_since.tv_usec) / 1000;
        if (ms >= sink->srv->cfg.pg_timeout_ms || sink->srv->shutting_down) {
            sink->timed_out = true;
            sink_give_up_waiting(sink);
        }
    }
}

/* ---- interface ---- */

sl_sink_t *sl_sink_start(sl_server_t *srv)
{
    sl_sink_t *sink = sl_xcalloc(1, sizeof(*sink));
    sink->srv = srv;
    waitlist_init(&sink->waiting);
    waitlist_init(&sink->inflight);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(sink->server_id, sizeof(sink->server_id), "%lx-%lx-%x",
             (long)ts.tv_sec, (long)ts.tv_nsec, (unsigned)getpid());
    sink->retry = evtimer_new(srv->base, on_retry, sink);
    sink->tick = event_new(srv->base, -1, EV_PERSIST, on_tick, sink);
    event_priority_set(sink->tick, SL_PRIO_SINK);
    struct timeval tv = {srv->cfg.flush_interval_ms / 1000,
                         (srv->cfg.flush_interval_ms % 1000) * 1000};
    event_add(sink->tick, &tv);
    sink_connect(sink);
    return sink;
}

bool sl_sink_accepting(const sl_sink_t *sink)
{
    return !sink->timed_out;
}

bool sl_sink_connected(const sl_sink_t *sink)
{
    return sink->state == S_IDLE || sink->state == S_FLUSHING ||
           sink->state == S_RESOLVING;
}

void sl_sink_wait(sl_sink_t *sink, sl_sink_cb cb, void *arg)
{
    waiter_t *w = sl_xmalloc(sizeof(*w));
    w->cb = cb;
    w->arg = arg;
    waitlist_push(&sink->waiting, w);
}

void sl_sink_flush_now(sl_sink_t *sink)
{
    if (sink->state == S_IDLE)
        sink_start_flush(sink);
    else
        on_tick(-1, 0, sink);
}

bool sl_sink_idle(const sl_sink_t *sink)
{
    if (sink->waiting.head || sink->inflight.head || sink->nitems > 0 ||
        sl_idem_busy(sink->srv->idem))
        return false;
    const sl_catalog_t *cat = &sink->srv->catalog;
    for (int i = 0; i < cat->nviews; i++)
        if (cat->views[i]->exec && sl_exec_ngroups(cat->views[i]->exec) > 0)
            return false;
    return true;
}

void sl_sink_forget_view(sl_sink_t *sink, sl_view_t *v)
{
    for (int i = 0; i < sink->nitems; i++)
        if (sink->items[i].view == v)
            sink->items[i].view = NULL;
}

void sl_sink_free(sl_sink_t *sink)
{
    if (sink == NULL)
        return;
    waitlist_answer(&sink->waiting, SL_SINK_UNAVAILABLE, NULL);
    waitlist_answer(&sink->inflight, SL_SINK_UNAVAILABLE, NULL);
    items_free(sink);
    if (sink->conn_ev) event_free(sink->conn_ev);
    if (sink->read_ev) event_free(sink->read_ev);
    if (sink->write_ev) event_free(sink->write_ev);
    if (sink->retry) event_free(sink->retry);
    if (sink->tick) event_free(sink->tick);
    if (sink->conn) PQfinish(sink->conn);
    free(sink);
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

void sl_sink_flush_stats(const sl_sink_t *sink, sl_flush_stats_t *out)
{
    memset(out, 0, sizeof(*out));
    out->flushes = sink->nflushes;
    out->groups = sink->ngroups;
    out->total_ms = sink->total_ms;
    int n = sink->nflushes < SL_SINK_FLUSH_WINDOW ? (int)sink->nflushes : SL_SINK_FLUSH_WINDOW;
    if (n == 0)
        return;
    double sorted[SL_SINK_FLUSH_WINDOW];
    memcpy(sorted, sink->flush_ms, sizeof(double) * (size_t)n);
    qsort(sorted, (size_t)n, sizeof(double), cmp_double);
    /* nearest rank */
    out->p50_ms = sorted[(n * 50 + 99) / 100 - 1];
    out->p99_ms = sorted[(n * 99 + 99) / 100 - 1];
    out->max_ms = sorted[n - 1];
}

size_t sl_sink_delta_memory(const sl_sink_t *sink)
{
    size_t n = 0;
    const sl_catalog_t *cat = &sink->srv->catalog;
    for (int i = 0; i < cat->nviews; i++)
        if (cat->views[i]->exec)
            n += sl_exec_memory(cat->views[i]->exec);
    for (int i = 0; i < sink->nitems; i++)
        if (sink->items[i].delta)
            n += sl_delta_memory(sink->items[i].delta);
    return n;
}
