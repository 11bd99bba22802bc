/*
 * expire.h: the background deletes of continuous views' old rows (plan.h's
 * sl_view_time_t): the expired steps of sliding windows (sw) and the rows
 * older than their TTL.
 *
 * One connection of sluiced's own (open while some view has sw or ttl);
 * every SL_EXPIRE_ROUND_MS a round goes
 * over the catalog's views with sw or ttl, deleting each one's old rows in
 * batches of at most SL_EXPIRE_BATCH (one statement each, in its own
 * transaction, locking with SKIP LOCKED: a row a flush holds is left for
 * the next round, so ingest never waits for a delete beyond one batch, and
 * several sluiced on one database share the work without conflict).
 */
#ifndef SL_EXPIRE_H
#define SL_EXPIRE_H

#include "server/server.h"
#include "util/buf.h"

#define SL_EXPIRE_ROUND_MS 1000
#define SL_EXPIRE_BATCH 1000

typedef struct sl_expire sl_expire_t;

/* Starts the connection and the rounds on srv's loop. */
sl_expire_t *sl_expire_start(sl_server_t *srv);
/* Closes the connection (a delete under way is abandoned: PostgreSQL
 * rolls it back or commits it, either is fine). */
void sl_expire_free(sl_expire_t *ex);

/* The statement deleting one batch of v's old rows into sql; false when v
 * has neither sliding window nor TTL. */
bool sl_expire_sql(const sl_view_t *v, int limit, sl_buf_t *sql);

#endif
