/*
 * fuzz_http.c: libFuzzer target for the HTTP/1.1 server core (httpd.c).
 *
 * The input is what one client sends on one connection.  It goes through
 * httpd's own connection code, not a copy of its parser: a socketpair's end
 * is given to sl_httpd_adopt and the input is written to the other end in
 * pieces, with a turn of the event loop after each, then the client's FIN;
 * the loop runs until httpd has closed the connection.  So request heads,
 * Content-Length and chunked bodies, pipelining, 100-continue, the limits
 * and the rejections all run as in sluiced, resumed at arbitrary byte
 * boundaries.
 *
 * The first input byte picks the piece size (1 to 255 bytes, but at most
 * 16 pieces, so that a run stays cheap; 0 = all at once) and the second how the handler answers (at once, or on the next
 * turn of the loop, with or without a close callback).  The handler checks
 * what httpd promises about a request: NUL-terminated strings, a body with
 * its NUL after body_len bytes, a Content-Length body of exactly that
 * length.
 *
 * Findings besides ASan/UBSan reports: a connection that is not closed
 * after the client's FIN and a few hundred loop turns (a hang), a reply
 * that does not start with a status line, a broken promise (abort()).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#include "net/httpd.h"

/* listen.c (accept back-off) logs through the server's sl_log: quiet here. */
void sl_log(const char *level, const char *fmt, ...);
void sl_log(const char *level, const char *fmt, ...)
{
    (void)level;
    (void)fmt;
}


enum { MAX_BODY = 2000, MAX_TURNS = 400, MAX_PIECES = 16 };

static struct event_base *base;
static sl_httpd_t *httpd;
static sl_httpd_req_t *pending;      /* a deferred reply owed (one at a time per connection) */
static int reply_mode;               /* 0 at once, 1 deferred, 2 deferred with a close callback */

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_http: %s\n", what);
    abort();
}

static void on_gone(sl_httpd_req_t *req, void *arg)
{
    if (req != pending)
        fail("close callback for a request that is not pending");
    pending = NULL;
}

static void answer(sl_httpd_req_t *req)
{
    size_t len;
    const char *body = sl_httpd_body(req, &len);
    sl_httpd_reply(req, 200, NULL, "text/plain", "X-Fuzz: 1\r\n", body, len);
}

static void on_request(sl_httpd_req_t *req, void *arg)
{
    const char *method = sl_httpd_method(req), *path = sl_httpd_path(req);
    const char *query = sl_httpd_query(req);
    size_t len;
    const char *body = sl_httpd_body(req, &len);
    volatile size_t touch = strlen(method) + strlen(path) + (query ? strlen(query) : 0);
    (void)touch;
    if (method[0] == '\0' || path[0] == '\0')
        fail("empty method or path");
    if (body[len] != '\0')
        fail("body not NUL-terminated after body_len bytes");
    if (len > MAX_BODY)
        fail("body over the limit");
    const char *clen = sl_httpd_header(req, "content-length");
    if (clen != NULL && sl_httpd_header(req, "Transfer-Encoding") == NULL) {
        char *end;
        unsigned long long v = strtoull(clen, &end, 10);
        if (*end == '\0' && v != len)
            fail("body length differs from Content-Length");
    }
    const char *names[] = {"Host", "Content-Type", "Idempotency-Key", "Connection", "x"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        const char *v = sl_httpd_header(req, names[i]);
        if (v != NULL) {
            touch = strlen(v);
            if (v[0] == ' ' || v[0] == '\t')
                fail("header value with leading whitespace");
        }
    }
    (void)sl_httpd_query_is(req, "ack", "received|committed");
    (void)sl_httpd_keep_alive(req);
    if (reply_mode == 0) {
        answer(req);
        return;
    }
    if (pending != NULL)
        fail("a second request before the reply to the first");
    pending = req;
    if (reply_mode == 2)
        sl_httpd_set_close_cb(req, on_gone, NULL);
}

/* Reads what httpd wrote to the client; the first reply must start with a
 * status line. */
static void drain(int fd, size_t *got)
{
    char buf[8192];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0)
            return;
        if (*got == 0 && (n < 9 || memcmp(buf, "HTTP/1.1 ", 9) != 0))
            fail("a reply that does not start with a status line");
        *got += (size_t)n;
    }
}

static void turn(int client, size_t *got)
{
    event_base_loop(base, EVLOOP_NONBLOCK);
    drain(client, got);
    if (pending != NULL) {
        sl_httpd_req_t *r = pending;
        pending = NULL;
        answer(r);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (base == NULL) {
        base = event_base_new();
        httpd = sl_httpd_new(base, NULL, MAX_BODY, on_request, NULL);
    }
    if (size < 2)
        return 0;
    size_t piece = data[0];
    reply_mode = data[1] % 3;
    data += 2;
    size -= 2;
    if (piece == 0 || piece < size / MAX_PIECES)
        piece = piece ? size / MAX_PIECES + 1 : size + 1;

    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) != 0)
        fail("socketpair");
    int client = sv[0];
    sl_httpd_adopt(httpd, sv[1]);
    size_t got = 0;
    for (size_t off = 0; off < size; off += piece) {
        size_t n = size - off < piece ? size - off : piece;
        ssize_t w = send(client, data + off, n, MSG_NOSIGNAL);
        if (w < 0 && errno != EPIPE && errno != ECONNRESET)
            fail("send");
        if (w < 0)
            break;   /* httpd closed the connection (after a rejection) */
        turn(client, &got);
    }
    shutdown(client, SHUT_WR);
    sl_httpd_stats_t st;
    int turns = 0;
    do {
        turn(client, &got);
        sl_httpd_get_stats(httpd, &st);
        if (++turns > MAX_TURNS)
            fail("connection still open after the client's FIN");
    } while (st.connections > 0 || pending != NULL);
    close(client);
    return 0;
}
