/*
 * listen.h: the TCP listening socket of a front end (pgwire, HTTP).
 */
#ifndef SL_LISTEN_H
#define SL_LISTEN_H

#include <event2/listener.h>

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

#endif
