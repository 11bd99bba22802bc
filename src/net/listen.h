/*
 * listen.h: the TCP listening socket of a front end (pgwire, HTTP).
 */
#ifndef SL_LISTEN_H
#define SL_LISTEN_H

#include <event2/event.h>
#include <event2/listener.h>
#include <stdint.h>

#include "util/error.h"

/*
 * Binds addr:port (port 0 = any free port) with a deep accept queue (the
 * kernel's somaxconn: thousands of clients may connect at once) and returns
 * the libevent listener, calling cb(arg) per connection (cb may be NULL and
 * set later).  *bound_port is the port actually bound.  NULL with err set
 * (SQLSTATE 08006) when the address does not resolve or cannot be bound.
 */
struct evconnlistener *sl_listen_tcp(struct event_base *base, const char *addr, int port,
                                     evconnlistener_cb cb, void *arg, int *bound_port,
                                     sl_error_t *err);

/*
 * Pausing a listener after accept() failed.  Out of descriptors (EMFILE,
 * ENFILE) or kernel memory (ENOBUFS, ENOMEM) the listening socket stays
 * readable: accepting again at once spins and floods the log.  The front
 * end's error callback calls sl_accept_pause_error, which disables the
 * listener for SL_ACCEPT_PAUSE_MS and logs at most one line per
 * SL_ACCEPT_LOG_MS (with the count of failures since the last line).
 */
#define SL_ACCEPT_PAUSE_MS 250
#define SL_ACCEPT_LOG_MS   5000

typedef struct sl_accept_pause {
    struct evconnlistener *l;     /* not owned */
    struct event *timer;          /* re-enables l */
    const char *who;              /* "pgwire", "http": the log's prefix */
    int64_t last_log_ms;          /* monotonic; 0 = never logged */
    uint64_t failures;            /* since the last log line */
    uint64_t pauses;              /* in all (tests, metrics) */
} sl_accept_pause_t;

void sl_accept_pause_init(sl_accept_pause_t *p, struct event_base *base,
                          struct evconnlistener *l, const char *who);
/* Call from the listener's error callback (errno is accept's). */
void sl_accept_pause_error(sl_accept_pause_t *p);
/* Stops the timer (the listener is about to be freed); p can be freed. */
void sl_accept_pause_stop(sl_accept_pause_t *p);

#endif
