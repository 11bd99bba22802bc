/*
 * pgwire.h: the PostgreSQL v3 wire protocol listener of sluiced.
 *
 * Each client gets its own connection to the backing PostgreSQL; Sluice
 * statements (sql.h) are executed by the server (server.h sl_command_*),
 * every other statement is relayed to that backend connection and its
 * messages relayed back untouched (PgBouncer style).
 */
#ifndef SL_PGWIRE_H
#define SL_PGWIRE_H

#include "server/server.h"

typedef struct sl_pgwire sl_pgwire_t;

/* Binds and listens on addr:port (0 = any free port) on srv->base;
 * SL_ERR with a clear message if it can't ("could not bind
 * 127.0.0.1:7432: Address already in use"). */
int sl_pgwire_start(sl_server_t *srv, const char *addr, int port,
                    sl_pgwire_t **out, sl_error_t *err);
/* The port actually bound (useful after port 0). */
int sl_pgwire_port(const sl_pgwire_t *pw);
/* Closes the listener and every client connection (each client is sent
 * FATAL 57P01 first) and frees pw, which is dead after the call. */
void sl_pgwire_stop(sl_pgwire_t *pw);
/* Shutdown begins: no new connections; the sessions stay until
 * sl_pgwire_stop, so that an INSERT or COPY waiting for the final flush
 * gets its answer. */
void sl_pgwire_stop_accepting(sl_pgwire_t *pw);

#endif
