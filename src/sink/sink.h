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
 * When PostgreSQL is unreachable nothing is acknowledged; after pg_timeout
 * the waiting requests (whose effects exist only in memory) are dropped
 * with their deltas and answered 503, and new requests are refused until
 * the connection is back.  A flush whose outcome is unknown (connection lost
 * before the Sync result) is resolved after reconnecting by reading the
 * progress row, so it is neither lost nor applied twice.
 */
#ifndef SL_SINK_H
#define SL_SINK_H

#include <stdbool.h>

#include "server/server.h"

typedef struct sl_sink sl_sink_t;

typedef enum sl_sink_status {
    SL_SINK_COMMITTED,     /* effects durable in PostgreSQL */
    SL_SINK_UNAVAILABLE,   /* PostgreSQL unreachable: nothing applied */
    SL_SINK_FAILED         /* PostgreSQL rejected the flush: nothing applied */
} sl_sink_status_t;

/* Called once per waiter; message is set for SL_SINK_FAILED. */
typedef void (*sl_sink_cb)(void *arg, sl_sink_status_t status,
                           const char *message);

/* Creates the sink and starts connecting (non-blocking). */
sl_sink_t *sl_sink_start(sl_server_t *srv);
/* True while new requests may be accepted (PostgreSQL reachable, or
 * unreachable for less than pg_timeout). */
bool sl_sink_accepting(const sl_sink_t *sink);
/* Registers cb to run when the effects applied so far are committed. */
void sl_sink_wait(sl_sink_t *sink, sl_sink_cb cb, void *arg);
/* Starts a flush now if none is running (used at shutdown). */
void sl_sink_flush_now(sl_sink_t *sink);
/* True when nothing is waiting, in flight or left in any delta. */
bool sl_sink_idle(const sl_sink_t *sink);
/* A view is being dropped: forget its in-flight delta. */
void sl_sink_forget_view(sl_sink_t *sink, sl_view_t *v);
/* "up" / "down" for health checks. */
bool sl_sink_connected(const sl_sink_t *sink);
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
/* Frees the sink; waiters still pending are answered UNAVAILABLE. */
void sl_sink_free(sl_sink_t *sink);

/* upsert.c: the statement combining a view's delta into its state table,
 * with one array parameter per delta column (text form).  sql and the
 * parameter values are appended/allocated: params[i] malloc'd. */
void sl_upsert_sql(const sl_view_t *v, sl_buf_t *sql);
void sl_upsert_params(const void *delta, sl_buf_t *params, int nparams);

#endif
