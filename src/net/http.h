/*
 * http.h: sluiced's HTTP API, served by httpd (httpd.h).
 *
 *   POST /v1/streams/{stream}   ingest NDJSON, JSON or CSV; 200
 *                               {"accepted":N} once committed in
 *                               PostgreSQL (durable ack); Idempotency-Key
 *   GET  /v1/streams, /v1/views the catalog as JSON
 *   GET  /healthz               liveness and PostgreSQL reachability
 *   GET  /metrics               Prometheus text format
 */
#ifndef SL_HTTP_H
#define SL_HTTP_H

#include "server/server.h"

typedef struct sl_http sl_http_t;

/* Binds addr:port (0 = any free port); SL_ERR with a clear message. */
int sl_http_start(sl_server_t *srv, const char *addr, int port,
                  sl_http_t **out, sl_error_t *err);
int sl_http_port(const sl_http_t *h);
/* Stops accepting connections (requests in progress still get answers). */
void sl_http_stop_accepting(sl_http_t *h);
/* Frees the listener and every connection. */
void sl_http_free(sl_http_t *h);

#endif
