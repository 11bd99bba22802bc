/*
 * sink.h: writing view deltas to the backing PostgreSQL, and durable acks.
 *
 * The sink owns one non-blocking libpq connection (pipeline mode) driven by
 * the server's event loop.  Every flush interval it detaches the delta of
 * every view (ingest goes on into fresh deltas), sends one upsert per view
 * plus a progress row, and a Sync: the whole flush is one implicit
 * transaction.  Only when its Sync result arrives (the COMMIT is durable) are
 * the requests it covered acknowledged.
 *
 *   request applied ─► sl_sink_wait() ─► [waiting] ─flush tick─► [in flight]
 *        ─COMMIT─► waiter callback(SL_OK)          ─failure─► deltas merged
 *                                                   back, waiters wait again
 *
 * Fencing.  Each sluiced has an identity (instance_name; by default host
 * name and HTTP port, the address its clients retry against).  Before its
 * first flush, and after every reconnect, the sink takes a session advisory
 * lock named by that identity; a predecessor's backend still holding it (a
 * killed sluiced whose flush PostgreSQL is still running) is terminated and
 * waited for.  Only then are the committed idempotency keys loaded (and a
 * flush of unknown outcome resolved), so no transaction of the predecessor
 * can commit a key after it was read.  Until then, requests carrying a key
 * are answered 503 (sl_sink_keys_ready).
 *
 * Answers are only ever what is known:
 *   - PostgreSQL unreachable, or every flush failing (disk full, ...) for
 *     pg_timeout: the waiting requests (whose effects exist only in memory)
 *     are dropped with their deltas and answered UNAVAILABLE, and new ones
 *     are refused for a while;
 *   - a flush refused for a data reason (an overflow when PostgreSQL
 *     combines states, a key another sluiced committed): the flush rolled
 *     back, its requests are answered RETRY, and the sink isolates: until
 *     the offender is found, each flush carries one request
 *     (sl_sink_admit), so the offender alone gets REFUSED and the others
 *     commit;
 *   - a flush whose outcome cannot be known (connection lost before the
 *     Sync result) is resolved after reconnecting and fencing, by reading
 *     the progress row; only a shutdown that cannot wait answers UNKNOWN.
 * Lock waits end at lock_timeout = pg_timeout; a long flush is otherwise
 * left to finish (it may just be large), except at shutdown, where one
 * still running after pg_timeout is cancelled.
 */
#ifndef SL_SINK_H
#define SL_SINK_H

#include <stdbool.h>

#include "server/server.h"

typedef struct sl_sink sl_sink_t;

typedef enum sl_sink_status {
    SL_SINK_COMMITTED,     /* effects durable in PostgreSQL */
    SL_SINK_UNAVAILABLE,   /* nothing applied: PostgreSQL unreachable or failing */
    SL_SINK_RETRY,         /* nothing applied: the flush was refused for
                            * another request's rows; retrying is fine */
    SL_SINK_REFUSED,       /* nothing applied: PostgreSQL refused this
                            * request's rows (it was alone in its flush) */
    SL_SINK_UNKNOWN        /* the flush may have committed or not (shutdown
                            * could not wait); a retry with the same
                            * Idempotency-Key is safe */
} sl_sink_status_t;

/* PostgreSQL's error behind RETRY / REFUSED / UNAVAILABLE. */
typedef struct sl_sink_error {
    char sqlstate[6];
    char view[128];        /* the view whose rows were refused, or "" */
    char message[512];
} sl_sink_error_t;

/* Called once per waiter; e is NULL for COMMITTED and UNKNOWN. */
typedef void (*sl_sink_cb)(void *arg, sl_sink_status_t status, const sl_sink_error_t *e);

/* Creates the sink and starts connecting (non-blocking). */
sl_sink_t *sl_sink_start(sl_server_t *srv);
/* True while new requests may be accepted (PostgreSQL reachable, or
 * unreachable for less than pg_timeout). */
bool sl_sink_accepting(const sl_sink_t *sink);
/* Whether the idempotency keys are loaded (after fencing): until then a
 * request carrying a key cannot be decided. */
bool sl_sink_keys_ready(const sl_sink_t *sink);
/* Whether a request may be applied now: false only while isolating a
 * refused request and another request's effects are not yet flushed. */
bool sl_sink_admit(const sl_sink_t *sink);
/* A request's effects were applied to the deltas (one call per request,
 * acknowledged on receipt or not); while isolating, flushes at once. */
void sl_sink_applied(sl_sink_t *sink);
/* Registers cb to run when the effects applied so far are committed;
 * effects: the waiter is the request that applied them (not a retry
 * waiting for its original). */
void sl_sink_wait(sl_sink_t *sink, sl_sink_cb cb, void *arg, bool effects);
/* Starts a flush now if none is running (used at shutdown). */
void sl_sink_flush_now(sl_sink_t *sink);
/* True when nothing is waiting, in flight or left in any delta. */
bool sl_sink_idle(const sl_sink_t *sink);
/* A view is being dropped: forget its in-flight delta. */
void sl_sink_forget_view(sl_sink_t *sink, sl_view_t *v);
/* "up" / "down" for health checks. */
bool sl_sink_connected(const sl_sink_t *sink);
/* Why the sink cannot commit right now ("flushes failing since ...: ..."),
 * or NULL when it can. */
const char *sl_sink_problem(const sl_sink_t *sink);
/* Shutdown could not wait any longer: waiting requests are answered
 * UNAVAILABLE (dropped), those in flight UNKNOWN. */
void sl_sink_abandon(sl_sink_t *sink);
/* Requests answered UNKNOWN (by sl_sink_abandon). */
unsigned long sl_sink_unknown_outcomes(const sl_sink_t *sink);
/* Durations of the last committed flushes (up to SL_SINK_FLUSH_WINDOW of
 * them), for /metrics and the benchmark. */
#define SL_SINK_FLUSH_WINDOW 1024
typedef struct sl_flush_stats {
    unsigned long long flushes;  /* committed flushes since start */
    unsigned long long groups;   /* group rows they wrote */
    double total_ms;             /* their summed durations */
    double p50_ms, p99_ms, max_ms; /* over the window; 0 with no flush */
} sl_flush_stats_t;
void sl_sink_flush_stats(const sl_sink_t *sink, sl_flush_stats_t *out);
/* Bytes of unflushed groups: every view's current delta and the deltas of
 * the flush in flight (what max_memory bounds). */
size_t sl_sink_delta_memory(const sl_sink_t *sink);
/* An event late for view (windows, pipeline.c), received at received_us
 * (microseconds since 2000-01-01 UTC): a row of sluice.late_events written
 * by the flush carrying the request's effects (json copied). */
void sl_sink_late_event(sl_sink_t *sink, const char *view, int64_t received_us,
                        const char *json);
/* The monotonic clock in microseconds (a stream's last event, idle_timeout). */
int64_t sl_sink_clock_us(void);
/* Frees the sink; waiters still pending are answered UNAVAILABLE. */
void sl_sink_free(sl_sink_t *sink);

/* upsert.c: the statement combining a view's delta into its state table,
 * with one array parameter per delta column (text form).  sql and the
 * parameter values are appended/allocated: params[i] malloc'd. */
void sl_upsert_sql(const sl_view_t *v, sl_buf_t *sql);
void sl_upsert_params(const void *delta, sl_buf_t *params, int nparams);
/* A session window's rename (exec.h): the row of the old start (group keys
 * $1..$n, the window's slot the old start) deleted and combined into the
 * row of the new start ($n+1). */
void sl_upsert_rename_sql(const sl_view_t *v, sl_buf_t *sql);

/*
 * Before events of s are applied: when a view of s emits on window close,
 * this sluiced must hold s's ingest lease (lease.h), taken now if no other
 * sluiced holds it.  SL_OK (also for a stream needing none), or SL_ERR with
 * err: 55P03 (another sluiced ingests s) or 57P03 (PostgreSQL could not be
 * asked); nothing was applied.
 */
int sl_sink_lease_take(sl_sink_t *sink, sl_stream_t *s, sl_error_t *err);

/* Whether a request for s may call the pipeline now (sl_sink_lease_take
 * then answers without asking PostgreSQL); else cb(arg) is called, on a
 * later turn of the loop, once the attempt to take s's lease answered, and
 * the request asks again.  sl_sink_lease_cancel(arg): the request is gone. */
bool sl_sink_lease_ready(sl_sink_t *sink, const sl_stream_t *s, void (*cb)(void *arg),
                         void *arg);
void sl_sink_lease_cancel(sl_sink_t *sink, void *arg);

#endif
