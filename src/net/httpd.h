/*
 * httpd.h: a small, fast HTTP/1.1 server core on plain libevent events.
 *
 * Serves the connections of one listening socket and hands every complete
 * request (head and whole body) to one handler, which answers it with
 * sl_httpd_reply(), at once or later from another callback.  Per connection,
 * requests are handled one at a time and in order; pipelined requests wait
 * until the reply before them has been written.
 *
 * What httpd does by itself:
 *   - keep-alive: HTTP/1.1 by default, HTTP/1.0 with "Connection: keep-alive";
 *     "Connection: close" is honoured (closed once the reply is written);
 *   - bodies by Content-Length or "Transfer-Encoding: chunked" (trailers are
 *     ignored), at most max_body bytes: more is 413 and close, found from
 *     Content-Length before the body is read, or as chunks arrive;
 *   - "Expect: 100-continue": "100 Continue" before the body is read (or 413
 *     and close when Content-Length is over max_body);
 *   - malformed request line or fields, bad chunk syntax, an invalid or
 *     doubled Content-Length, Content-Length with chunked, a HTTP/1.1 request
 *     without (or with two) Host: 400 and close; header section over 64 KiB:
 *     431; transfer codings other than chunked: 501; HTTP/2+ versions: 505;
 *   - HEAD: the handler's reply goes out without its body (Content-Length
 *     kept); unknown methods reach the handler (which answers 405);
 *   - timeouts: an idle keep-alive connection is closed after idle_ms
 *     (60 s); a request whose head is not complete within request_ms (30 s)
 *     of its first byte, or whose body stalls that long, or that is not
 *     whole within the deadline (sl_httpd_set_limits), gets 408 and close;
 *   - a budget for request bodies on all connections together: past it 503;
 *   - accept() failing (out of descriptors): accepting pauses (listen.h);
 *     a client that takes no reply bytes for idle_ms is dropped;
 *   - a client that closes (EOF) while its reply is pending is gone: the
 *     request's close callback runs (nginx does the same: a half-closed
 *     client is treated as one that left);
 *   - after a final reply (close), the write side is shut and input is read
 *     and discarded until the client closes (5 s at most between reads, 30 s
 *     in all), so a client still sending a body it was refused reads the
 *     reply instead of a reset.
 *
 * All of it runs on the event_base's thread; no function here may be called
 * from another thread.
 */
#ifndef SL_HTTPD_H
#define SL_HTTPD_H

#include <event2/event.h>
#include <event2/listener.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct sl_httpd sl_httpd_t;
typedef struct sl_httpd_req sl_httpd_req_t;

/* Gets each complete request; must reply to it exactly once, now or later. */
typedef void (*sl_httpd_handler)(sl_httpd_req_t *req, void *arg);
/* Tells that the client of a pending request went away (see set_close_cb). */
typedef void (*sl_httpd_close_cb)(sl_httpd_req_t *req, void *arg);

typedef struct sl_httpd_stats {
    uint64_t connections;   /* open now */
    uint64_t accepted;      /* connections accepted since start */
    uint64_t requests;      /* requests handed to the handler */
    uint64_t rejected;      /* requests answered by httpd itself (400, 408, 413, 431, 501, 503, 505) */
    uint64_t aborted;       /* pending replies dropped because the client went away */
    uint64_t write_waits;   /* replies the socket did not take at once (EV_WRITE needed) */
    uint64_t timed_out;     /* requests answered 408 */
    uint64_t budget_rejected; /* requests answered 503: max_inflight body bytes in use */
    uint64_t inflight_body; /* body bytes held by requests now */
    uint64_t inflight_peak; /* the most ever held at once */
    uint64_t accept_pauses; /* accept() failures (out of descriptors...): paused */
} sl_httpd_stats_t;

/*
 * Serves the connections accepted on l (from sl_listen_tcp, created without
 * a callback): httpd sets l's callbacks and owns l from now on.  Request
 * bodies over max_body bytes are refused with 413.  handler(req, arg) gets
 * every request.  l may be NULL: connections then come only from
 * sl_httpd_adopt.  Never fails (allocation failure aborts).
 */
sl_httpd_t *sl_httpd_new(struct event_base *base, struct evconnlistener *l, size_t max_body,
                         sl_httpd_handler handler, void *arg);
/* Serves fd, a connected non-blocking stream socket, as an accepted
 * connection; httpd owns (and closes) fd from now on.  What a listener
 * does on accept; tests/fuzz/fuzz_http.c drives httpd over a socketpair
 * with it. */
void sl_httpd_adopt(sl_httpd_t *h, evutil_socket_t fd);
/* Changes the idle timeout (default 60000 ms) and the request timeout
 * (default 30000 ms) for what is armed from now on. */
void sl_httpd_set_timeouts(sl_httpd_t *h, int idle_ms, int request_ms);
/*
 * Limits for what is read from now on: a request whose head and body are not
 * all in within deadline_ms of its first byte gets 408 and close, however
 * steadily it trickles (0 = no deadline beyond the stall timeout); bodies of
 * all connections together may hold at most max_inflight bytes (a
 * Content-Length body counts whole when its head arrives, a chunked one as
 * its buffer grows; given back with the reply): past it a request gets 503
 * with "Retry-After: 1" and close, its body unread (0 = no cap).
 */
void sl_httpd_set_limits(sl_httpd_t *h, int deadline_ms, size_t max_inflight);
/* Speaks TLS on every connection accepted from now on (HTTPS; a plain
 * request is a failed handshake and closes the connection), with ctx, which
 * must outlive h; NULL = plain HTTP.  A handshake is timed like a request
 * head (request timeout, deadline).  OpenSSL writes to the socket with
 * write(): the process must ignore SIGPIPE (sluiced does). */
struct ssl_ctx_st;
void sl_httpd_set_tls(sl_httpd_t *h, struct ssl_ctx_st *ctx);
/* Closes the listening socket; open connections are served on. */
void sl_httpd_stop_accepting(sl_httpd_t *h);
/* Closes the listener and every connection, then frees h.  A pending
 * request's close callback runs; a pending request without one stays
 * allocated until it is replied to (the reply is then dropped).  Not to be
 * called from inside the handler or a close callback. */
void sl_httpd_free(sl_httpd_t *h);
void sl_httpd_get_stats(const sl_httpd_t *h, sl_httpd_stats_t *out);

/*
 * The request.  Strings are NUL-terminated, point into the connection's
 * buffer and stay valid until the reply (or the close callback).
 */
/* The method as sent ("GET", "POST", "BREW", ...); case-sensitive. */
const char *sl_httpd_method(const sl_httpd_req_t *r);
/* The target's path, percent-decoded ("/v1/streams/a b"); "*" for
 * "OPTIONS *".  An absolute-form target ("http://host/p") gives "/p". */
const char *sl_httpd_path(const sl_httpd_req_t *r);
/* The raw query after '?' (not decoded), or NULL without '?'. */
const char *sl_httpd_query(const sl_httpd_req_t *r);
/* Whether the first query parameter called name (compared ignoring case) has
 * one of the '|'-separated values (ignoring case), both sides compared
 * after percent-decoding ('+' is a space): query_is(r, "ack", "received"). */
bool sl_httpd_query_is(const sl_httpd_req_t *r, const char *name, const char *values);
/* The first header field called name (ignoring case), its value without
 * surrounding whitespace, or NULL when absent. */
const char *sl_httpd_header(const sl_httpd_req_t *r, const char *name);
/* The whole body (chunks joined), contiguous and NUL-terminated; "" when
 * there is none.  *len (if len is not NULL) gets its length. */
const char *sl_httpd_body(const sl_httpd_req_t *r, size_t *len);
/* Whether the connection stays open after this reply (HTTP/1.1 without
 * "Connection: close", or HTTP/1.0 with keep-alive). */
bool sl_httpd_keep_alive(const sl_httpd_req_t *r);
/* Closes the connection once r's reply is written (the reply then says
 * "Connection: close"), e.g. while the server shuts down. */
void sl_httpd_close_after(sl_httpd_req_t *r);

/*
 * Sends the reply to r, exactly once per request, from the handler or later
 * from any callback on the loop's thread.  status is 200..999 (1xx are
 * httpd's own); reason NULL picks the standard one ("OK", "Not Found", ...);
 * content_type NULL sends no Content-Type.  Adds Content-Length (not for 204
 * and 304, which never carry a body) and "Connection: close" when the
 * connection closes after it ("Connection: keep-alive" for HTTP/1.0 clients
 * that asked).  extra_headers is NULL or whole "Name: value\r\n" lines.
 * body/len are copied if the socket cannot take them at once, so they need
 * to live only during the call.  r is gone when this returns.
 */
void sl_httpd_reply(sl_httpd_req_t *r, int status, const char *reason, const char *content_type,
                    const char *extra_headers, const char *body, size_t len);

/*
 * Calls cb(r, arg) if the connection breaks (reset, socket error) or httpd
 * is freed while r's reply is pending; r is gone after cb returns and must
 * not be replied to.  A FIN is not that: the client may have only shut its
 * sending side (half-close) and still reads, so the reply is sent and the
 * connection closed after it.  Set cb from the handler when replying later.
 * Without one, a late reply to a client that left is accepted and dropped.
 */
void sl_httpd_set_close_cb(sl_httpd_req_t *r, sl_httpd_close_cb cb, void *arg);

#endif
