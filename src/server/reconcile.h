/*
 * reconcile.h: finding out whether a catalog change committed when the
 * connection that ran it was lost before its answer.
 *
 * Opens its own non-blocking libpq connection on the server's loop, reads
 * whether sluice.<table> has a row named `name`, and calls cb(arg, exists)
 * with 1 or 0.  While PostgreSQL cannot be reached it tries again every
 * second, for at most a minute; then cb gets -1 (unknown: the next start
 * reloads the catalog from PostgreSQL anyway).
 */
#ifndef SL_RECONCILE_H
#define SL_RECONCILE_H

#include "server/server.h"

/* table: "streams" or "views". */
void sl_reconcile_lookup(sl_server_t *srv, const char *table, const char *name,
                         void (*cb)(void *arg, int exists), void *arg);

#endif
