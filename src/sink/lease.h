/*
 * lease.h: the ingest lease of a stream whose views emit on window close.
 *
 * Such a view writes a window's row once, final, when the flush's
 * watermark passes the window's end.  Several sluiced on one database would
 * each judge lateness by their own watermark, so an event reaching one whose
 * watermark is behind could write a second row for a window another one
 * closed already.  So such a stream is ingested by one sluiced at a time,
 * enforced by PostgreSQL:
 *
 *   - before it applies an event of the stream, a sluiced holds the
 *     stream's lease: a session-level advisory lock (LEASE_CLASS,
 *     hashtext(stream name)) on a connection of its own, which lives as
 *     long as the sluiced (or until that connection is lost);
 *   - taking it, the sluiced first waits for the flushes the previous
 *     holder may still be committing (each such flush holds a shared
 *     transaction-level advisory lock (FLUSH_CLASS, same key) while it checks
 *     that its sluiced still holds the lease: sluice.lease_check), then
 *     reads the stream's stored largest event time from sluice.watermarks,
 *     so its watermark continues from the holder's;
 *   - a sluiced that cannot take it refuses the request as a whole (55P03).
 *
 * Two streams whose names hash alike share a lease: never a duplicate,
 * at worst one sluiced ingests both.
 *
 * The lease connection also holds a lock named by the sluiced's instance
 * (sink.h's fencing): a restarted sluiced ends the lease connection its
 * hung predecessor left open before it takes any lease.
 *
 * The lease connection never blocks the event loop: it is opened with
 * PQconnectStartParams and asked with PQsendQueryParams, its answers read
 * on events of its socket, each within pg_timeout (else it is dropped, and
 * its leases with it).  It is asked only when the lease is not held yet
 * (once per takeover; for a stream another sluiced holds, at most once per
 * 200 ms: the requests in between get the same answer without asking); a
 * request arriving while an attempt runs waits for it (sl_lease_ready).
 */
#ifndef SL_LEASE_H
#define SL_LEASE_H

#include <stdbool.h>

#include "server/server.h"
#include "util/error.h"

typedef struct sl_lease sl_lease_t;

/* The lease state of srv's sluiced (no connection until one is needed);
 * freed with sl_lease_free, which ends its connection (and so its leases). */
sl_lease_t *sl_lease_new(sl_server_t *srv);
void sl_lease_free(sl_lease_t *l);

/* Whether events of s need its lease: one of its views emits on window
 * close (not a broken or deactivated one, which is fed nothing). */
bool sl_lease_needed(const sl_stream_t *s);

typedef void (*sl_lease_cb_t)(void *arg);

/*
 * Whether a request for s can go on now: this sluiced holds s's lease, or
 * an attempt to take it answered (a refusal, kept 200 ms, which
 * sl_lease_take then gives).  Else false: an attempt to take it runs (one
 * per stream, shared by every request waiting) and cb(arg) is called once
 * it answered, on a later turn of the loop; the request then asks again.
 */
bool sl_lease_ready(sl_lease_t *l, const sl_stream_t *s, sl_lease_cb_t cb, void *arg);

/* The waits of arg end without their callback (its request is gone). */
void sl_lease_cancel(sl_lease_t *l, void *arg);

/*
 * Makes sure this sluiced holds s's lease, without waiting.  SL_OK when it held it or took
 * it now (then s->max_event and s->max_event_stored are raised to the
 * stored value of sluice.watermarks).  SL_ERR with err: 55P03 when another
 * sluiced holds it, 57P03 when PostgreSQL could not be asked (connection,
 * or the previous holder's flush still running after pg_timeout), or when
 * no attempt answered yet (one is started: callers wait with
 * sl_lease_ready first).
 */
int sl_lease_take(sl_lease_t *l, sl_stream_t *s, sl_error_t *err);

/* At each flush: starts taking again the leases lost with the lease connection
 * (PostgreSQL restarted, ...), unless another sluiced took them meanwhile
 * (then the flush fails its check until its events are given up). */
void sl_lease_retake(sl_lease_t *l, sl_catalog_t *cat);

/* Whether such a retake runs still (the flush waits for it). */
bool sl_lease_retaking(const sl_lease_t *l);

/* Whether this sluiced holds the lease of the stream named so. */
bool sl_lease_held(const sl_lease_t *l, const char *stream);

/* The backend pid of the lease connection (what sluice.lease_check looks
 * for in pg_locks), 0 when there is none. */
int sl_lease_pid(const sl_lease_t *l);

#endif
