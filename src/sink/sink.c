/*
 * sink.c: the flush loop: one non-blocking libpq connection in pipeline
 * mode, one implicit transaction per flush, acks after its Sync; see sink.h.
 *
 * States:  DOWN ─retry─► CONNECTING ─► FENCING (◄─► TERMINATING)
 *            ─► (LOADING ─►) (RESOLVING ─►) IDLE ◄─► FLUSHING
 * Any connection loss goes back to DOWN.  FENCING takes the instance's
 * advisory lock (TERMINATING ends a predecessor's backend holding it);
 * LOADING reads the committed idempotency keys once; RESOLVING reads the
 * progress row after a reconnect when the last flush's outcome is unknown.
 */
#include "sink/sink.h"
#include "exec/exec.h"
#include "sink/idem.h"
#include "sink/lease.h"

#include <event2/event.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

typedef enum {
    S_DOWN,
    S_CONNECTING,
    S_FENCING,
    S_TERMINATING,
    S_LOADING,
    S_RESOLVING,
    S_IDLE,
    S_FLUSHING
} sink_state_t;

/* The advisory lock's first key: Sluice's (the second names the instance). */
#define FENCE_CLASS "1397574979"
/* How long a data error keeps the sink isolating requests. */
#define ISOLATE_MS 10000
/* At most one log line per this many ms for repeated flush failures. */
#define FAIL_LOG_MS 10000

typedef struct waiter {
    struct waiter *next;
    sl_sink_cb cb;
    void *arg;
    bool effects;          /* the request that applied the effects */
} waiter_t;

typedef struct flush_item {
    sl_view_t *view;       /* NULL once the view was dropped */
    sl_delta_t *delta;     /* NULL when only the view's counts changed */
    int stmt;              /* its upsert's place in the flush pipeline, -1 */
    unsigned long long seen, matched, late; /* exec's counts at the flush */
    sl_exec_renames_t *renames; /* a session window's merges, or NULL */
} flush_item_t;

/* An event late for a view, waiting for or in a flush (sluice.late_events). */
typedef struct late_row {
    struct late_row *next;
    int64_t at;            /* received, us since 2000-01-01 */
    char *view;
    char *json;
} late_row_t;

/* A stream's largest event time as a flush writes it (sluice.watermarks). */
typedef struct wm_item {
    char *stream;
    int64_t max_event;
} wm_item_t;

typedef struct waitlist {
    waiter_t *head;
    waiter_t **tail;
} waitlist_t;

struct sl_sink {
    sl_server_t *srv;
    sl_lease_t *lease;          /* streams emitting on window close (lease.h) */
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
    int applied_waiting;        /* requests whose effects are in the deltas */
    int applied_inflight;       /* ... in the flush being written */
    bool keys_loaded;           /* idempotency keys read after fencing */
    bool fence_logged;
    struct event *fence_timer;  /* between attempts to take the lock */
    PGresult *ctl_res;          /* a control query's result, until its Sync */
    bool cancel_sent;           /* the flush in flight was cancelled */
    struct timespec fail_since; /* consecutive flush failures; 0 when none */
    struct timespec fail_logged;
    unsigned long fail_count, fail_unlogged;
    struct timespec refuse_until; /* after giving up on failing flushes */
    struct timespec isolate_until; /* one request per flush until then */
    char problem[600];          /* for /healthz */
    unsigned long unknown_outcomes; /* requests answered UNKNOWN */
    flush_item_t *items;
    int nitems;
    late_row_t *late_waiting;   /* late events of the current deltas */
    late_row_t *late_inflight;  /* ... of the flush in flight */
    wm_item_t *wms;             /* the flush's stream watermarks */
    int64_t idle_checked;       /* idle_timeout last applied (monotonic us) */
    int nwms;
    bool outcome_unknown;       /* connection lost before the Sync result */
    bool flush_error;
    int nresults;               /* results of the flush pipeline so far */
    int fail_stmt;              /* the first failed statement, -1 */
    char errstate[6];
    char errmsg[512];
    char errdetail[512];
    int keys_stmt;              /* the idempotency INSERT's place, -1 */
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
static void waitlist_answer(waitlist_t *l, sl_sink_status_t st, const sl_sink_error_t *e)
{
    waiter_t *w = l->head;
    waitlist_init(l);
    while (w) {
        waiter_t *next = w->next;
        w->cb(w->arg, st, e);
        free(w);
        w = next;
    }
}

static int waitlist_effects(const waitlist_t *l)
{
    int n = 0;
    for (const waiter_t *w = l->head; w; w = w->next)
        n += w->effects;
    return n;
}

/* ---- clock ---- */

static void now_mono(struct timespec *t)
{
    clock_gettime(CLOCK_MONOTONIC, t);
}

static double ms_between(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) * 1e3 + (double)(b->tv_nsec - a->tv_nsec) / 1e6;
}

static bool is_set(const struct timespec *t)
{
    return t->tv_sec != 0 || t->tv_nsec != 0;
}

/* Whether t is set and still in the future. */
static bool before(const struct timespec *t)
{
    if (!is_set(t))
        return false;
    struct timespec n;
    now_mono(&n);
    return ms_between(&n, t) > 0;
}

static void in_ms(struct timespec *t, long ms)
{
    now_mono(t);
    t->tv_sec += ms / 1000;
    t->tv_nsec += (ms % 1000) * 1000000L;
    if (t->tv_nsec >= 1000000000L) {
        t->tv_sec++;
        t->tv_nsec -= 1000000000L;
    }
}

/* ---- late events and watermarks of a flush ---- */

static void late_free(late_row_t *l)
{
    while (l) {
        late_row_t *next = l->next;
        free(l->view);
        free(l->json);
        free(l);
        l = next;
    }
}

/* The in-flight late events go back in front of the waiting ones. */
static void late_restore(sl_sink_t *sink)
{
    late_row_t **tail = &sink->late_inflight;
    while (*tail)
        tail = &(*tail)->next;
    *tail = sink->late_waiting;
    sink->late_waiting = sink->late_inflight;
    sink->late_inflight = NULL;
}

static void wms_free(sl_sink_t *sink)
{
    for (int i = 0; i < sink->nwms; i++)
        free(sink->wms[i].stream);
    free(sink->wms);
    sink->wms = NULL;
    sink->nwms = 0;
}

/* The flush committed: each stream's stored watermark is what it wrote. */
static void wms_committed(sl_sink_t *sink)
{
    for (int i = 0; i < sink->nwms; i++) {
        sl_stream_t *s = sl_catalog_stream(&sink->srv->catalog, sink->wms[i].stream);
        if (s && sink->wms[i].max_event > s->max_event_stored)
            s->max_event_stored = sink->wms[i].max_event;
    }
    wms_free(sink);
}

/* ---- flush items ---- */

static void items_free(sl_sink_t *sink)
{
    late_free(sink->late_inflight);
    sink->late_inflight = NULL;
    wms_free(sink);
    for (int i = 0; i < sink->nitems; i++) {
        if (sink->items[i].delta)
            sl_delta_free(sink->items[i].delta);
        sl_exec_renames_free(sink->items[i].renames);
    }
    free(sink->items);
    sink->items = NULL;
    sink->nitems = 0;
}

/* Merges the in-flight deltas back into their views (flush not applied). */
static void items_restore(sl_sink_t *sink)
{
    late_restore(sink);
    for (int i = 0; i < sink->nitems; i++) {
        flush_item_t *it = &sink->items[i];
        if (it->view && it->view->exec && it->delta) {
            sl_exec_restore(it->view->exec, it->delta);
            it->delta = NULL;
        }
        if (it->view && it->view->exec && it->renames) {
            sl_exec_restore_renames(it->view->exec, it->renames);
            it->renames = NULL;
        }
    }
    items_free(sink);
}

static double ms_since(const struct timespec *t0)
{
    struct timespec t;
    now_mono(&t);
    return ms_between(t0, &t);
}

/* The events counted by the flush in flight are done with (committed, or
 * dropped and so never counted): each view's sluice.view_stats baseline
 * moves past them (a baseline moved on by sink_give_up_waiting stays). */
static void items_baselines(sl_sink_t *sink)
{
    for (int i = 0; i < sink->nitems; i++) {
        flush_item_t *it = &sink->items[i];
        if (it->view && it->seen > it->view->stats_seen)
            it->view->stats_seen = it->seen;
        if (it->view && it->matched > it->view->stats_matched)
            it->view->stats_matched = it->matched;
        if (it->view && it->late > it->view->stats_late)
            it->view->stats_late = it->late;
    }
}

static void flush_committed(sl_sink_t *sink)
{
    items_baselines(sink);
    wms_committed(sink);
    double ms = ms_since(&sink->flush_start);
    sink->flush_ms[sink->nflushes % SL_SINK_FLUSH_WINDOW] = ms;
    sink->total_ms += ms;
    sink->nflushes++;
    sink->ngroups += (unsigned long long)sink->flush_groups;
    items_free(sink);
    sl_idem_committed(sink->srv->idem);
    sink->outcome_unknown = false;
    sink->applied_inflight = 0;
    if (is_set(&sink->fail_since)) {
        sl_log_info("flushing again after %lu failed flushes", sink->fail_count);
        memset(&sink->fail_since, 0, sizeof(sink->fail_since));
        memset(&sink->refuse_until, 0, sizeof(sink->refuse_until));
        sink->fail_count = sink->fail_unlogged = 0;
        sink->problem[0] = '\0';
    }
    waitlist_answer(&sink->inflight, SL_SINK_COMMITTED, NULL);
}

static void flush_not_applied(sl_sink_t *sink)
{
    items_restore(sink);
    sl_idem_restore(sink->srv->idem);
    sink->outcome_unknown = false;
    sink->applied_waiting += sink->applied_inflight;
    sink->applied_inflight = 0;
    waitlist_prepend(&sink->waiting, &sink->inflight);
}

/* The flush in flight rolled back and its requests are answered st (they
 * may retry): its deltas and keys are dropped. */
static void flush_dropped(sl_sink_t *sink, sl_sink_status_t st, const sl_sink_error_t *e)
{
    items_baselines(sink);
    /* session merges stay: the sessions in memory are merged already */
    for (int i = 0; i < sink->nitems; i++) {
        flush_item_t *it = &sink->items[i];
        if (it->view && it->view->exec && it->renames) {
            sl_exec_restore_renames(it->view->exec, it->renames);
            it->renames = NULL;
        }
    }
    items_free(sink);
    sl_idem_forget_inflight(sink->srv->idem);
    sink->outcome_unknown = false;
    sink->applied_inflight = 0;
    waitlist_answer(&sink->inflight, st, e);
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
        const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
        snprintf(sink->errdetail, sizeof(sink->errdetail), "%s", detail ? detail : "");
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

/* The item whose upsert was the failed statement, or NULL. */
static flush_item_t *failed_item(sl_sink_t *sink)
{
    for (int i = 0; i < sink->nitems; i++)
        if (sink->items[i].stmt >= 0 && sink->items[i].stmt == sink->fail_stmt)
            return &sink->items[i];
    return NULL;
}

/* A flush failed for good on one view's upsert because its state table was
 * dropped or altered behind Sluice's back (an error of class 42): that view
 * is marked broken and its delta dropped, so it stops holding back the
 * others.  Returns false when the failure was not such. */
static bool isolate_broken_view(sl_sink_t *sink)
{
    flush_item_t *it = failed_item(sink);
    if (it == NULL || strncmp(sink->errstate, "42", 2) != 0)
        return false;
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

/* The flush failed on the idempotency keys' unique index: another sluiced
 * committed one of them meanwhile.  That key becomes COMMITTED (its retry
 * is acknowledged without being applied again).  Returns false when the
 * failure was not such. */
static bool key_committed_elsewhere(sl_sink_t *sink)
{
    static const char pre[] = "Key (key)=(";
    static const char post[] = ") already exists.";
    if (strcmp(sink->errstate, "23505") != 0 || sink->fail_stmt != sink->keys_stmt ||
        sink->keys_stmt < 0)
        return false;
    size_t n = strlen(sink->errdetail);
    if (strncmp(sink->errdetail, pre, sizeof(pre) - 1) != 0 || n < sizeof(pre) + sizeof(post) - 2 ||
        strcmp(sink->errdetail + n - (sizeof(post) - 1), post) != 0)
        return false;
    char key[512];
    size_t klen = n - (sizeof(pre) - 1) - (sizeof(post) - 1);
    memcpy(key, sink->errdetail + sizeof(pre) - 1, klen);
    key[klen] = '\0';
    if (!sl_idem_committed_elsewhere(sink->srv->idem, key))
        return false;
    sl_log_warning("Idempotency-Key \"%s\" was committed by another sluiced meanwhile: "
                   "that request is not applied again; the %d other requests of the "
                   "flush are answered 503 (retry)",
                   key, waitlist_effects(&sink->inflight) - 1);
    return true;
}

static void fill_error(const sl_sink_t *sink, const flush_item_t *it, sl_sink_error_t *e)
{
    snprintf(e->sqlstate, sizeof(e->sqlstate), "%s", sink->errstate);
    snprintf(e->view, sizeof(e->view), "%s", it && it->view ? it->view->name : "");
    snprintf(e->message, sizeof(e->message), "%s", sink->errmsg);
}

/* A transient failure (connection, lock, disk, cancel): the flush goes
 * again with the next tick; after pg_timeout of failures the waiting
 * requests are dropped and answered UNAVAILABLE.  Logged at most once per
 * FAIL_LOG_MS. */
static void sink_give_up_waiting(sl_sink_t *sink);

static void note_failure(sl_sink_t *sink)
{
    struct timespec now;
    now_mono(&now);
    sink->fail_count++;
    if (!is_set(&sink->fail_since))
        sink->fail_since = now;
    snprintf(sink->problem, sizeof(sink->problem), "flushes failing (%s): %s",
             sink->errstate, sink->errmsg);
    if (!is_set(&sink->fail_logged) || ms_between(&sink->fail_logged, &now) >= FAIL_LOG_MS) {
        if (sink->fail_unlogged > 0)
            sl_log_warning("flush failed, retrying: %s (%s); %lu more failures since the "
                           "last message", sink->errmsg, sink->errstate, sink->fail_unlogged);
        else
            sl_log_warning("flush failed, retrying: %s (%s)", sink->errmsg, sink->errstate);
        sink->fail_logged = now;
        sink->fail_unlogged = 0;
    } else {
        sink->fail_unlogged++;
    }
    if (ms_between(&sink->fail_since, &now) >= sink->srv->cfg.pg_timeout_ms &&
        !before(&sink->refuse_until)) {
        sl_log_warning("flushes failing for %d ms: answering the waiting requests 503 and "
                       "refusing new ones for as long", sink->srv->cfg.pg_timeout_ms);
        sink_give_up_waiting(sink);
        in_ms(&sink->refuse_until, sink->srv->cfg.pg_timeout_ms);
        sink->fail_since = now;
    }
}

static void flush_done(sl_sink_t *sink)
{
    sink->state = S_IDLE;
    sink->cancel_sent = false;
    bool solo = sink->applied_inflight == 1 && waitlist_effects(&sink->inflight) == 1;
    if (!sink->flush_error) {
        flush_committed(sink);
    } else if (error_is_transient(sink->errstate)) {
        flush_not_applied(sink);
        if (sink->srv->shutting_down) {
            sl_log_warning("flush failed while shutting down: %s (%s); the waiting requests "
                           "are answered 503, nothing of them was applied",
                           sink->errmsg, sink->errstate);
            sink_give_up_waiting(sink);
        } else {
            note_failure(sink);
        }
    } else if (isolate_broken_view(sink)) {
        /* the other views' deltas go again with the next flush */
        flush_not_applied(sink);
    } else if (key_committed_elsewhere(sink)) {
        sl_sink_error_t e;
        fill_error(sink, NULL, &e);
        snprintf(e.message, sizeof(e.message), "a request in the same flush was already "
                 "applied by another sluiced");
        flush_dropped(sink, SL_SINK_RETRY, &e);
    } else {
        /* A data error: PostgreSQL refused some request's rows.  Alone in
         * its flush, the request is the offender; otherwise everyone
         * retries, one request per flush until the offender is found. */
        sl_sink_error_t e;
        fill_error(sink, failed_item(sink), &e);
        if (solo) {
            sl_log_warning("PostgreSQL refused a request's rows%s%s%s (%s): %s; the request "
                           "is answered 400", e.view[0] ? " for continuous view \"" : "",
                           e.view, e.view[0] ? "\"" : "", e.sqlstate, e.message);
            flush_dropped(sink, SL_SINK_REFUSED, &e);
            memset(&sink->isolate_until, 0, sizeof(sink->isolate_until));
        } else {
            sl_log_warning("PostgreSQL refused a flush of %d requests (%s): %s; they are "
                           "answered 503 (retry) and flushed one by one for %d s to find the "
                           "request at fault", sink->applied_inflight, e.sqlstate, e.message,
                           ISOLATE_MS / 1000);
            flush_dropped(sink, SL_SINK_RETRY, &e);
            in_ms(&sink->isolate_until, ISOLATE_MS);
        }
    }
    if (sink->srv->shutting_down || (before(&sink->isolate_until) && sink->applied_waiting > 0))
        sink_start_flush(sink);
}

static void resolve_done(sl_sink_t *sink, PGresult *res)
{
    long long seq = -1;
    if (PQntuples(res) == 1)
        seq = atoll(PQgetvalue(res, 0, 0));
    if (seq >= sink->flush_seq) {
        sl_log_info("flush %lld had committed before the connection was lost",
                    sink->flush_seq);
        flush_committed(sink);
    } else {
        flush_not_applied(sink);
    }
}

/* Sends one control query (FENCING, TERMINATING, LOADING, RESOLVING) and
 * its Sync; its result is handled by control_done at the Sync. */
static void send_control(sl_sink_t *sink, sink_state_t st, const char *sql, int n,
                         const char *const *params)
{
    sink->state = st;
    if (!PQsendQueryParams(sink->conn, sql, n, NULL, params, NULL, NULL, 0) ||
        !PQpipelineSync(sink->conn)) {
        sink_lost(sink, PQerrorMessage(sink->conn));
        return;
    }
    send_flush_out(sink);
}

static void send_fence(sl_sink_t *sink)
{
    char lock_timeout[24];
    snprintf(lock_timeout, sizeof(lock_timeout), "%d", sink->srv->cfg.pg_timeout_ms);
    char app[80];
    snprintf(app, sizeof(app), "sluiced %s", sink->srv->instance);
    const char *p[3] = {app, lock_timeout, sink->srv->instance};
    send_control(sink, S_FENCING,
                 "SELECT pg_try_advisory_lock(" FENCE_CLASS ", hashtext($3)), "
                 "set_config('application_name', $1, false), "
                 "set_config('lock_timeout', $2, false)",
                 3, p);
}

static void on_fence_timer(evutil_socket_t fd, short what, void *arg)
{
    sl_sink_t *sink = arg;
    if (sink->state == S_TERMINATING)
        send_fence(sink);
}

static void send_load_keys(sl_sink_t *sink)
{
    char cap[24];
    snprintf(cap, sizeof(cap), "%d", SL_IDEM_MAX_KEYS);
    const char *p[2] = {SL_IDEM_TTL_TEXT, cap};
    send_control(sink, S_LOADING,
                 "SELECT key, stream, accepted, extract(epoch FROM committed_at)::bigint FROM "
                 "(SELECT * FROM sluice.idempotency WHERE committed_at > "
                 "now() - interval '1 second' * $1 ORDER BY committed_at DESC LIMIT $2) k "
                 "ORDER BY committed_at",
                 2, p);
}

static void send_resolve(sl_sink_t *sink)
{
    const char *p[1] = {sink->server_id};
    send_control(sink, S_RESOLVING,
                 "SELECT flush_seq FROM sluice.progress WHERE server_id = $1 "
                 "UNION ALL SELECT -1 LIMIT 1",
                 1, p);
}

/* Ready to flush (after the fence, the keys, the resolution). */
static void become_idle(sl_sink_t *sink)
{
    if (sink->last_error[0])
        sl_log_info("connected to PostgreSQL again, flushing");
    sink->state = S_IDLE;
    sink->timed_out = false;
    sink->down_since.tv_sec = 0;
    sink->last_error[0] = '\0';
    if (!is_set(&sink->fail_since))
        sink->problem[0] = '\0';
}

/* The fence is up: load the keys once, resolve an unknown flush, flush. */
static void after_fence(sl_sink_t *sink)
{
    if (!sink->keys_loaded)
        send_load_keys(sink);
    else if (sink->outcome_unknown)
        send_resolve(sink);
    else
        become_idle(sink);
}

/* A control query's Sync arrived; res is its result (NULL if none). */
static void control_done(sl_sink_t *sink, PGresult *res)
{
    bool ok = res && (PQresultStatus(res) == PGRES_TUPLES_OK ||
                      PQresultStatus(res) == PGRES_COMMAND_OK);
    if (!ok && sink->state == S_TERMINATING && res) {
        /* Not allowed to end the holder (a superuser's backend, another
         * role's): wait for it to end by itself, and say so. */
        char msg[400];
        snprintf(msg, sizeof(msg), "%s", PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                                             ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
                                             : "error");
        if (strcmp(msg, sink->problem) != 0)
            sl_log_warning("cannot end the backend holding sluiced \"%s\"'s lock (%s): "
                           "waiting for it to end", sink->srv->instance, msg);
        snprintf(sink->problem, sizeof(sink->problem), "%s", msg);
        struct timeval tv = {0, 500000};
        event_add(sink->fence_timer, &tv);
        return;
    }
    if (!ok) {
        sink_lost(sink, res ? PQresultErrorMessage(res) : "no result from PostgreSQL");
        return;
    }
    switch (sink->state) {
    case S_FENCING:
        if (PQntuples(res) == 1 && PQgetvalue(res, 0, 0)[0] == 't') {
            if (sink->fence_logged)
                sl_log_info("the previous sluiced \"%s\" has ended: fenced",
                            sink->srv->instance);
            sink->fence_logged = false;
            after_fence(sink);
        } else {
            if (!sink->fence_logged)
                sl_log_info("another backend of sluiced \"%s\" (a predecessor) still holds "
                            "its lock: ending it and waiting for its transactions to end",
                            sink->srv->instance);
            sink->fence_logged = true;
            const char *p[1] = {sink->srv->instance};
            send_control(sink, S_TERMINATING,
                         "SELECT count(pg_terminate_backend(pid)) FROM pg_locks "
                         "WHERE locktype = 'advisory' AND classid = " FENCE_CLASS
                         "::oid AND objid = hashtext($1)::oid AND objsubid = 2 AND granted "
                         "AND pid <> pg_backend_pid()",
                         1, p);
        }
        break;
    case S_TERMINATING: {
        struct timeval tv = {0, 50000};
        event_add(sink->fence_timer, &tv);
        break;
    }
    case S_LOADING:
        for (int r = 0; r < PQntuples(res); r++)
            sl_idem_add_committed(sink->srv->idem, PQgetvalue(res, r, 0),
                                  PQgetvalue(res, r, 1), atol(PQgetvalue(res, r, 2)),
                                  (time_t)atoll(PQgetvalue(res, r, 3)));
        if (PQntuples(res) > 0)
            sl_log_info("%d idempotency keys loaded", PQntuples(res));
        sink->keys_loaded = true;
        after_fence(sink);
        break;
    case S_RESOLVING:
        become_idle(sink);
        resolve_done(sink, res);
        break;
    default:
        break;
    }
}

static bool in_control(const sl_sink_t *sink)
{
    return sink->state == S_FENCING || sink->state == S_TERMINATING ||
           sink->state == S_LOADING || sink->state == S_RESOLVING;
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
    sl_sink_t *sink = arg;
    if (!PQconsumeInput(sink->conn)) {
        sink_lost(sink, PQerrorMessage(sink->conn));
        return;
    }
    while (sink->state == S_FLUSHING || in_control(sink)) {
        if (PQisBusy(sink->conn))
            break;
        PGresult *res = PQgetResult(sink->conn);
        if (res == NULL)
            continue;   /* end of one query's results in the pipeline */
        if (in_control(sink)) {
            if (PQresultStatus(res) == PGRES_PIPELINE_SYNC) {
                PQclear(res);
                PGresult *r = sink->ctl_res;
                sink->ctl_res = NULL;
                sink_state_t was = sink->state;
                control_done(sink, r);
                PQclear(r);
                if (sink->state == S_DOWN)
                    return;
                if (sink->state == was && was == S_TERMINATING)
                    break;   /* waiting for the fence timer */
                continue;
            }
            if (sink->ctl_res == NULL)
                sink->ctl_res = res;
            else
                PQclear(res);
            continue;
        }
        if (flush_result(sink, res)) {
            PQclear(res);
            flush_done(sink);
            continue;
        }
        PQclear(res);
    }
    if (sink->conn && PQstatus(sink->conn) == CONNECTION_BAD)
        sink_lost(sink, PQerrorMessage(sink->conn));
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
    /* Not ready until the fence is up (become_idle): the time since it
     * was last ready counts against pg_timeout. */
    if (sink->down_since.tv_sec == 0)
        gettimeofday(&sink->down_since, NULL);
    send_fence(sink);
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
    /* one line (libpq's messages go on with "\n\tIs the server ..."):
     * it is logged and shown by /healthz */
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\t')
            *p = ' ';
    if (strcmp(msg, sink->last_error) != 0) {
        sl_log_warning("PostgreSQL connection for flushing lost: %s", msg);
        snprintf(sink->last_error, sizeof(sink->last_error), "%s", msg);
    }
    if (sink->state == S_FLUSHING)
        sink->outcome_unknown = true;
    sink->cancel_sent = false;
    if (sink->ctl_res) { PQclear(sink->ctl_res); sink->ctl_res = NULL; }
    if (sink->fence_timer) event_del(sink->fence_timer);
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

/* Queues the statement recording the in-flight idempotency keys (no ON
 * CONFLICT: a key committed by another sluiced fails the flush, 23505,
 * rather than letting its request apply twice). */
static bool send_keys(sl_sink_t *sink)
{
    sl_buf_t k = SL_BUF_INIT, s = SL_BUF_INIT, n = SL_BUF_INIT;
    sl_idem_inflight_arrays(sink->srv->idem, &k, &s, &n);
    const char *values[3] = {sl_buf_cstr(&k), sl_buf_cstr(&s), sl_buf_cstr(&n)};
    int ok = PQsendQueryParams(sink->conn,
                               "INSERT INTO sluice.idempotency (key, stream, accepted) "
                               "SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[])",
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
    sl_buf_t p[5] = {SL_BUF_INIT, SL_BUF_INIT, SL_BUF_INIT, SL_BUF_INIT, SL_BUF_INIT};
    for (int c = 0; c < 5; c++)
        sl_buf_putc(&p[c], '{');
    for (int i = 0; i < sink->nitems; i++) {
        flush_item_t *it = &sink->items[i];
        const char *sep = i ? "," : "";
        sl_buf_puts(&p[0], sep);
        sl_buf_put_array_elem(&p[0], it->view->name, strlen(it->view->name));
        sl_buf_printf(&p[1], "%s%llu", sep, it->seen - it->view->stats_seen);
        sl_buf_printf(&p[2], "%s%llu", sep, it->matched - it->view->stats_matched);
        sl_buf_printf(&p[3], "%s%d", sep, it->delta ? sl_delta_ngroups(it->delta) : 0);
        sl_buf_printf(&p[4], "%s%llu", sep, it->late - it->view->stats_late);
    }
    const char *values[5];
    for (int c = 0; c < 5; c++) {
        sl_buf_putc(&p[c], '}');
        values[c] = sl_buf_cstr(&p[c]);
    }
    int ok = PQsendQueryParams(
        sink->conn,
        "INSERT INTO sluice.view_stats AS s (view_name, events, matched, groups_written, "
        "flushes, last_flush, late) SELECT n, e, m, g, 1, now(), l FROM unnest($1::text[], "
        "$2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[]) AS u(n, e, m, g, l) ORDER BY n "
        "ON CONFLICT (view_name) DO UPDATE SET events = s.events + EXCLUDED.events, "
        "matched = s.matched + EXCLUDED.matched, "
        "groups_written = s.groups_written + EXCLUDED.groups_written, "
        "flushes = s.flushes + 1, last_flush = EXCLUDED.last_flush, "
        "late = s.late + EXCLUDED.late",
        5, NULL, values, NULL, NULL, 0);
    for (int c = 0; c < 5; c++)
        sl_buf_free(&p[c]);
    return ok != 0;
}

/* Queues the in-flight late events' rows of sluice.late_events. */
static bool send_late(sl_sink_t *sink)
{
    sl_buf_t p[3] = {SL_BUF_INIT, SL_BUF_INIT, SL_BUF_INIT};
    for (int c = 0; c < 3; c++)
        sl_buf_putc(&p[c], '{');
    for (const late_row_t *l = sink->late_inflight; l; l = l->next) {
        const char *sep = l == sink->late_inflight ? "" : ",";
        sl_buf_puts(&p[0], sep);
        sl_buf_put_array_elem(&p[0], l->view, strlen(l->view));
        sl_buf_printf(&p[1], "%s%lld", sep, (long long)l->at);
        sl_buf_puts(&p[2], sep);
        sl_buf_put_array_elem(&p[2], l->json, strlen(l->json));
    }
    const char *values[3];
    for (int c = 0; c < 3; c++) {
        sl_buf_putc(&p[c], '}');
        values[c] = sl_buf_cstr(&p[c]);
    }
    int ok = PQsendQueryParams(
        sink->conn,
        "INSERT INTO sluice.late_events (view_name, received_at, event) "
        "SELECT v, timestamptz '2000-01-01 00:00:00+00' + a * interval '1 microsecond', e "
        "FROM unnest($1::text[], $2::bigint[], $3::jsonb[]) AS u(v, a, e)",
        3, NULL, values, NULL, NULL, 0);
    for (int c = 0; c < 3; c++)
        sl_buf_free(&p[c]);
    return ok != 0;
}

/* Queues the flush's stream watermarks (sluice.watermarks: one row per
 * stream, the greatest any sluiced wrote). */
static bool send_watermarks(sl_sink_t *sink)
{
    sl_buf_t p[2] = {SL_BUF_INIT, SL_BUF_INIT};
    for (int c = 0; c < 2; c++)
        sl_buf_putc(&p[c], '{');
    for (int i = 0; i < sink->nwms; i++) {
        const char *sep = i ? "," : "";
        sl_buf_puts(&p[0], sep);
        sl_buf_put_array_elem(&p[0], sink->wms[i].stream, strlen(sink->wms[i].stream));
        sl_buf_printf(&p[1], "%s%lld", sep, (long long)sink->wms[i].max_event);
    }
    const char *values[2];
    for (int c = 0; c < 2; c++) {
        sl_buf_putc(&p[c], '}');
        values[c] = sl_buf_cstr(&p[c]);
    }
    int ok = PQsendQueryParams(
        sink->conn,
        "INSERT INTO sluice.watermarks AS w (stream, max_event, updated_at) "
        "SELECT s, m, now() FROM unnest($1::text[], $2::bigint[]) AS u(s, m) ORDER BY s "
        "ON CONFLICT (stream) DO UPDATE SET max_event = greatest(w.max_event, "
        "EXCLUDED.max_event), updated_at = EXCLUDED.updated_at",
        2, NULL, values, NULL, NULL, 0);
    for (int c = 0; c < 2; c++)
        sl_buf_free(&p[c]);
    return ok != 0;
}

/* The watermark of a flush's stream (its max_event written by the flush
 * minus max_lateness), or INT64_MIN. */
static int64_t flush_watermark(const sl_sink_t *sink, const sl_stream_t *s)
{
    for (int i = 0; i < sink->nwms; i++)
        if (strcmp(sink->wms[i].stream, s->name) == 0)
            return sink->wms[i].max_event - s->max_lateness;
    return s->max_event_stored == INT64_MIN ? INT64_MIN : s->max_event_stored - s->max_lateness;
}

/* Queues, for a view emitting on window close, the move of its windows
 * that the flush's watermark closed from its state table to the
 * append-only sluice_closed."v" (after its upsert, in the same
 * transaction, so a window's row moves with every event it holds). */
static bool send_close(sl_sink_t *sink, const sl_view_t *v)
{
    const sl_view_plan_t *p = v->plan;
    int64_t wm = flush_watermark(sink, v->stream);
    if (wm == INT64_MIN)
        return true;
    sl_type_t t = p->group[p->window_key].type;
    sl_buf_t sql = SL_BUF_INIT, val = SL_BUF_INIT;
    sl_datum_t d = {.v.i = wm};
    sl_type_output(t, &d, &val);
    sl_buf_puts(&sql, "WITH c AS (DELETE FROM \"sluice_mrel\".");
    sl_buf_put_ident(&sql, v->name);
    sl_buf_puts(&sql, " WHERE ");
    if (p->session_agg >= 0)   /* a session ends at its last event + gap */
        sl_agg_final_sql(&p->aggs[p->session_agg], p->session_agg + 1, NULL, &sql);
    else
        sl_buf_put_ident(&sql, p->group[p->window_key].colname);
    sl_buf_printf(&sql, " + '%lld microseconds'::interval <= $1::%s RETURNING *) "
                        "INSERT INTO \"sluice_closed\".", (long long)p->window->size,
                  t == SL_T_TIMESTAMP ? "timestamp" : "timestamptz");
    sl_buf_put_ident(&sql, v->name);
    sl_buf_puts(&sql, " SELECT * FROM c");
    const char *values[1] = {sl_buf_cstr(&val)};
    int ok = PQsendQueryParams(sink->conn, sl_buf_cstr(&sql), 1, NULL, values, NULL, NULL, 0);
    sl_buf_free(&sql);
    sl_buf_free(&val);
    return ok != 0;
}

/* Queues, when the flush writes for streams that need the ingest lease
 * (lease.h), the check that this sluiced still holds it, under a shared
 * lock that a sluiced taking the lease over waits for: a flush of a former
 * holder fails (55P03, retried) rather than write after its successor
 * read the watermark. */
static bool send_lease_check(sl_sink_t *sink)
{
    sl_buf_t names = SL_BUF_INIT;
    int n = 0;
    sl_catalog_t *cat = &sink->srv->catalog;
    for (int i = 0; i < cat->nstreams; i++) {
        const sl_stream_t *s = cat->streams[i];
        if (!sl_lease_needed(s))
            continue;
        bool in = false;
        for (int w = 0; w < sink->nwms && !in; w++)
            in = strcmp(sink->wms[w].stream, s->name) == 0;
        for (int k = 0; k < sink->nitems && !in; k++)
            in = sink->items[k].view && sink->items[k].view->stream == s &&
                 sink->items[k].view->plan->emit == SL_EMIT_ON_WINDOW_CLOSE &&
                 (sink->items[k].delta || sink->items[k].renames);
        if (!in)
            continue;
        sl_buf_puts(&names, n++ ? "," : "{");
        sl_buf_put_array_elem(&names, s->name, strlen(s->name));
    }
    if (n == 0) {
        sl_buf_free(&names);
        return true;
    }
    sl_buf_putc(&names, '}');
    char pid[16];
    snprintf(pid, sizeof(pid), "%d", sl_lease_pid(sink->lease));
    const char *pv[2] = {sl_buf_cstr(&names), pid};
    int ok = PQsendQueryParams(sink->conn, "SELECT sluice.lease_check($1::text[], $2::int)", 2,
                               NULL, pv, NULL, NULL, 0);
    sl_buf_free(&names);
    return ok != 0;
}

/* Queues a session view's renames, in the order they happened (after every
 * upsert of the flush: the rows of both starts are in the table then). */
static bool send_renames(sl_sink_t *sink, const flush_item_t *it)
{
    int n = sl_exec_renames_count(it->renames);
    if (n == 0)
        return true;
    const sl_view_t *v = it->view;
    int np = v->plan->ngroup + 1;
    sl_buf_t sql = SL_BUF_INIT;
    sl_upsert_rename_sql(v, &sql);
    sl_buf_t *vals = sl_xcalloc((size_t)np, sizeof(sl_buf_t));
    const char **pv = sl_xcalloc((size_t)np, sizeof(char *));
    bool ok = true;
    for (int i = 0; ok && i < n; i++) {
        for (int g = 0; g < np; g++) {
            sl_buf_reset(&vals[g]);
            bool notnull = g < np - 1 ? sl_exec_rename_value(it->renames, i, g, false, &vals[g])
                                      : sl_exec_rename_value(it->renames, i,
                                                             v->plan->window_key, true, &vals[g]);
            pv[g] = notnull ? sl_buf_cstr(&vals[g]) : NULL;
        }
        ok = PQsendQueryParams(sink->conn, sl_buf_cstr(&sql), np, NULL, pv, NULL, NULL, 0) != 0;
    }
    for (int g = 0; g < np; g++)
        sl_buf_free(&vals[g]);
    free(vals);
    free(pv);
    sl_buf_free(&sql);
    return ok;
}

/* Whether this sluiced may move s's watermark and close its windows: s
 * needs no lease, or this sluiced holds it (another one ingests it else). */
static bool ours(const sl_sink_t *sink, const sl_stream_t *s)
{
    return !sl_lease_needed(s) || sl_lease_held(sink->lease, s->name);
}

/* idle_timeout: a stream silent for longer has its largest event time
 * moved on with the clock, as if events kept coming, so its last windows
 * close. */
static void idle_advance(sl_sink_t *sink)
{
    int64_t now = sl_sink_clock_us();
    /* at most every 200 ms (each advance is a flush), never while the
     * final flush of a shutdown runs */
    if (sink->srv->shutting_down || now - sink->idle_checked < 200000)
        return;
    sink->idle_checked = now;
    sl_catalog_t *cat = &sink->srv->catalog;
    for (int i = 0; i < cat->nstreams; i++) {
        sl_stream_t *s = cat->streams[i];
        if (s->event_time < 0 || s->idle_timeout <= 0 || s->max_event == INT64_MIN ||
            !ours(sink, s))
            continue;
        int64_t silent = now - s->last_event;
        if (silent <= s->idle_timeout)
            continue;
        int64_t adv = silent - s->idle_timeout;
        s->max_event = s->max_event > INT64_MAX - adv ? INT64_MAX : s->max_event + adv;
        s->last_event += adv;
    }
}

static bool closing(const sl_sink_t *sink, const sl_view_t *v)
{
    return v->plan->emit == SL_EMIT_ON_WINDOW_CLOSE &&
           v->stream->max_event != v->stream->max_event_stored && ours(sink, v->stream);
}

static void sink_start_flush(sl_sink_t *sink)
{
    if (sink->state != S_IDLE)
        return;
    sl_catalog_t *cat = &sink->srv->catalog;
    /* leases lost with their connection: taken again if no other sluiced
     * has (else this flush fails its check, send_lease_check) */
    sl_lease_retake(sink->lease, cat);    /* (the flush connection is up) */
    if (sl_lease_retaking(sink->lease))
        return;     /* flushed once they answered (a later tick) */
    idle_advance(sink);
    for (int i = 0; i < cat->nstreams; i++) {
        sl_stream_t *s = cat->streams[i];
        if (s->event_time < 0 || s->max_event == INT64_MIN || s->max_event == s->max_event_stored)
            continue;
        if (!ours(sink, s))
            continue;   /* another sluiced moves its watermark */
        sink->wms = sl_xrealloc(sink->wms, sizeof(wm_item_t) * (size_t)(sink->nwms + 1));
        sink->wms[sink->nwms].stream = sl_xstrdup(s->name);
        sink->wms[sink->nwms++].max_event = s->max_event;
    }
    for (int i = 0; i < cat->nviews; i++) {
        sl_view_t *v = cat->views[i];
        if (v->exec == NULL)
            continue;
        unsigned long long seen, matched;
        if (v->broken || v->drop_pending > 0)
            continue;
        sl_exec_counts(v->exec, &seen, &matched);
        sl_delta_t *d = sl_exec_ngroups(v->exec) > 0 ? sl_exec_detach(v->exec) : NULL;
        if (d == NULL)
            sl_exec_sweep(v->exec);     /* closed sessions leave memory */
        unsigned long long late = sl_exec_late_count(v->exec);
        sl_exec_renames_t *ren = sl_exec_take_renames(v->exec);
        if (d == NULL && ren == NULL && seen == v->stats_seen && matched == v->stats_matched &&
            late == v->stats_late && !closing(sink, v))
            continue;
        sink->items = sl_xrealloc(sink->items, sizeof(flush_item_t) * (size_t)(sink->nitems + 1));
        flush_item_t *it = &sink->items[sink->nitems++];
        it->view = v;
        it->delta = d;
        it->seen = seen;
        it->matched = matched;
        it->late = late;
        it->renames = ren;
    }
    sink->late_inflight = sink->late_waiting;
    sink->late_waiting = NULL;
    waitlist_prepend(&sink->inflight, &sink->waiting);
    sink->applied_inflight = sink->applied_waiting;
    sink->applied_waiting = 0;
    int nkeys = sl_idem_take_waiting(sink->srv->idem);
    if (sink->nitems == 0 && nkeys == 0 && sink->nwms == 0) {
        /* Requests whose rows every filter dropped: nothing to write. */
        sink->applied_inflight = 0;
        waitlist_answer(&sink->inflight, SL_SINK_COMMITTED, NULL);
        return;
    }

    sink->flush_error = false;
    sink->nresults = 0;
    sink->fail_stmt = -1;
    sink->keys_stmt = -1;
    sink->cancel_sent = false;
    sink->errstate[0] = '\0';
    sink->errdetail[0] = '\0';
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
    if (nkeys > 0)
        sink->keys_stmt = nstmt + (sink->nitems > 0);
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
    /* Event time: late events, watermarks, windows closed (after every
     * upsert above). */
    bool ok = (sink->late_inflight == NULL || send_late(sink)) &&
              (sink->nwms == 0 || send_watermarks(sink));
    for (int i = 0; ok && i < sink->nitems; i++) {
        const sl_view_t *v = sink->items[i].view;
        ok = send_renames(sink, &sink->items[i]);
        if (ok && v->plan->emit == SL_EMIT_ON_WINDOW_CLOSE && ours(sink, v->stream))
            ok = send_close(sink, v);
    }
    if (ok)
        ok = send_lease_check(sink);
    if (ok && sink->flush_seq % 600 == 1) {
        char ret[24];
        snprintf(ret, sizeof(ret), "%d", sink->srv->cfg.late_events_retention_s);
        ok = PQsendQueryParams(sink->conn,
                               "DELETE FROM sluice.late_events WHERE received_at < "
                               "now() - interval '1 second' * $1",
                               1, NULL, (const char *[]){ret}, NULL, NULL, 0);
    }
    if (!ok) {
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
 * PostgreSQL has been unreachable (or every flush failed) for pg_timeout,
 * or the server is shutting down; none of it was acked. */
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
            v->stats_late = sl_exec_late_count(v->exec);
        }
    }
    /* a stream whose lease another sluiced took: its watermark is that
     * one's now (read again when this one takes the lease back) */
    for (int i = 0; i < cat->nstreams; i++)
        if (!ours(sink, cat->streams[i]))
            cat->streams[i]->max_event = cat->streams[i]->max_event_stored;
    sl_idem_forget_waiting(sink->srv->idem);
    late_free(sink->late_waiting);
    sink->late_waiting = NULL;
    sink->applied_waiting = 0;
    sl_sink_error_t e;
    memset(&e, 0, sizeof(e));
    const char *why = sink->srv->shutting_down ? "sluiced shut down before PostgreSQL took it"
                                               : sl_sink_problem(sink);
    snprintf(e.message, sizeof(e.message), "%.500s", why ? why : "PostgreSQL is unreachable");
    waitlist_answer(&sink->waiting, SL_SINK_UNAVAILABLE, &e);
}

static void *cancel_thread(void *arg)
{
    char msg[256];
    PQcancel(arg, msg, sizeof(msg));
    PQfreeCancel(arg);
    return NULL;
}

/* Asks PostgreSQL to cancel the flush in flight, from a thread of its own
 * (PQcancel blocks while it connects): its answer, error or commit, then
 * says what happened. */
static void cancel_flush(sl_sink_t *sink)
{
    PGcancel *c = PQgetCancel(sink->conn);
    pthread_t t;
    sink->cancel_sent = true;
    if (c == NULL)
        return;
    if (pthread_create(&t, NULL, cancel_thread, c) != 0) {
        PQfreeCancel(c);
        return;
    }
    pthread_detach(t);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
    sl_sink_t *sink = arg;
    if (sink->state == S_IDLE) {
        sink_start_flush(sink);
    } else if (sink->state == S_FLUSHING) {
        /* A long flush is not cancelled while sluiced runs: it may simply
         * be large (a million groups), and cancelling it would only make
         * the next one larger; lock waits end at lock_timeout.  Shutting
         * down, a flush still running after pg_timeout is cancelled (its
         * error or commit then arrives; if nothing does, sl_sink_abandon
         * answers its requests as unknown). */
        double ms = ms_since(&sink->flush_start);
        if (sink->srv->shutting_down && ms >= sink->srv->cfg.pg_timeout_ms &&
            !sink->cancel_sent) {
            sl_log_warning("shutting down and a flush has run for %.0f ms: cancelling it", ms);
            cancel_flush(sink);
        }
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
    } else if (in_control(sink)) {
        /* Connected, but not yet able to flush (a predecessor that will
         * not end, a catalog query that does not answer): the waiting
         * requests are answered as if PostgreSQL were down. */
        struct timeval now;
        gettimeofday(&now, NULL);
        long ms = (now.tv_sec - sink->down_since.tv_sec) * 1000 +
                  (now.tv_usec - sink->down_since.tv_usec) / 1000;
        if (ms >= sink->srv->cfg.pg_timeout_ms || sink->srv->shutting_down) {
            if (!sink->timed_out)
                sl_log_warning("not ready to flush after %d ms (%s): answering waiting "
                               "requests with 503", sink->srv->cfg.pg_timeout_ms,
                               sl_sink_problem(sink) ? sl_sink_problem(sink)
                                                     : "reading the catalog");
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
    sink->lease = sl_lease_new(srv);
    waitlist_init(&sink->waiting);
    waitlist_init(&sink->inflight);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    snprintf(sink->server_id, sizeof(sink->server_id), "%lx-%lx-%x",
             (long)ts.tv_sec, (long)ts.tv_nsec, (unsigned)getpid());
    sink->retry = evtimer_new(srv->base, on_retry, sink);
    sink->fence_timer = evtimer_new(srv->base, on_fence_timer, sink);
    event_priority_set(sink->fence_timer, SL_PRIO_SINK);
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
    return !sink->timed_out && !before(&sink->refuse_until);
}

bool sl_sink_keys_ready(const sl_sink_t *sink)
{
    return sink->keys_loaded;
}

bool sl_sink_admit(const sl_sink_t *sink)
{
    if (!before(&sink->isolate_until))
        return true;
    return sink->applied_waiting == 0 && sink->applied_inflight == 0;
}

void sl_sink_applied(sl_sink_t *sink)
{
    sink->applied_waiting++;
    if (before(&sink->isolate_until) && sink->state == S_IDLE)
        sink_start_flush(sink);
}

const char *sl_sink_problem(const sl_sink_t *sink)
{
    if (sink->state == S_DOWN || sink->state == S_CONNECTING)
        return sink->last_error[0] ? sink->last_error : "connecting to PostgreSQL";
    if (sink->state == S_FENCING || sink->state == S_TERMINATING)
        return sink->problem[0] ? "waiting for the previous sluiced of this instance to end "
                                  "(its backend cannot be ended from here)"
                                : "waiting for the previous sluiced of this instance to end";
    if (is_set(&sink->fail_since))
        return sink->problem;
    if (sink->state == S_FLUSHING && ms_since(&sink->flush_start) >= sink->srv->cfg.pg_timeout_ms)
        return "a flush has run for longer than pg_timeout";
    return NULL;
}

void sl_sink_abandon(sl_sink_t *sink)
{
    sink_give_up_waiting(sink);
    if (sink->inflight.head) {
        int n = waitlist_effects(&sink->inflight);
        sl_log_warning("exiting with a flush of %d requests whose outcome is unknown; a retry "
                       "with the same Idempotency-Key is safe", n);
        sink->unknown_outcomes += (unsigned long)n;
        waitlist_answer(&sink->inflight, SL_SINK_UNKNOWN, NULL);
    }
}

unsigned long sl_sink_unknown_outcomes(const sl_sink_t *sink)
{
    return sink->unknown_outcomes;
}

bool sl_sink_connected(const sl_sink_t *sink)
{
    return sink->state != S_DOWN && sink->state != S_CONNECTING;
}

void sl_sink_wait(sl_sink_t *sink, sl_sink_cb cb, void *arg, bool effects)
{
    waiter_t *w = sl_xmalloc(sizeof(*w));
    w->cb = cb;
    w->arg = arg;
    w->effects = effects;
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
        sl_idem_busy(sink->srv->idem) || sink->late_waiting || sink->late_inflight)
        return false;
    const sl_catalog_t *cat = &sink->srv->catalog;
    for (int i = 0; i < cat->nstreams; i++)
        if (cat->streams[i]->event_time >= 0 &&
            cat->streams[i]->max_event != cat->streams[i]->max_event_stored &&
            ours(sink, cat->streams[i]))
            return false;   /* a watermark to store (and windows to close) */
    for (int i = 0; i < cat->nviews; i++)
        if (cat->views[i]->exec && sl_exec_ngroups(cat->views[i]->exec) > 0 &&
            cat->views[i]->drop_pending == 0)
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
    late_free(sink->late_waiting);
    if (sink->conn_ev) event_free(sink->conn_ev);
    if (sink->read_ev) event_free(sink->read_ev);
    if (sink->write_ev) event_free(sink->write_ev);
    if (sink->retry) event_free(sink->retry);
    if (sink->fence_timer) event_free(sink->fence_timer);
    if (sink->ctl_res) PQclear(sink->ctl_res);
    if (sink->tick) event_free(sink->tick);
    if (sink->conn) PQfinish(sink->conn);
    sl_lease_free(sink->lease);
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

void sl_sink_late_event(sl_sink_t *sink, const char *view, int64_t received_us,
                        const char *json)
{
    late_row_t *l = sl_xmalloc(sizeof(*l));
    l->view = sl_xstrdup(view);
    l->json = sl_xstrdup(json);
    l->at = received_us;
    l->next = sink->late_waiting;   /* newest first; order is immaterial */
    sink->late_waiting = l;
}

int64_t sl_sink_clock_us(void)
{
    struct timespec t;
    now_mono(&t);
    return (int64_t)t.tv_sec * 1000000 + t.tv_nsec / 1000;
}

int sl_sink_lease_take(sl_sink_t *sink, sl_stream_t *s, sl_error_t *err)
{
    if (!sl_lease_needed(s))
        return SL_OK;
    /* not while the flush connection is down (its events could not be
     * flushed anyway) */
    if (!sl_lease_held(sink->lease, s->name) && (sink->state == S_DOWN ||
                                                 sink->state == S_CONNECTING))
        return sl_error_set(err, "57P03", 0, "PostgreSQL is unreachable, so sluiced cannot take "
                            "the ingest lease of stream \"%s\"; nothing of this request was "
                            "applied: retry it", s->name);
    return sl_lease_take(sink->lease, s, err);
}

bool sl_sink_lease_ready(sl_sink_t *sink, const sl_stream_t *s, void (*cb)(void *arg),
                         void *arg)
{
    if (!sl_lease_needed(s) || sink->state == S_DOWN || sink->state == S_CONNECTING)
        return true;    /* sl_sink_lease_take answers at once */
    return sl_lease_ready(sink->lease, s, cb, arg);
}

void sl_sink_lease_cancel(sl_sink_t *sink, void *arg)
{
    sl_lease_cancel(sink->lease, arg);
}
