/*
 * check_httpd.c: tests of the HTTP/1.1 server core (src/net/httpd.h) over
 * real sockets.  Each server runs its own event loop on a thread; the test
 * talks to it through blocking client sockets (and curl when installed):
 * GET/POST, keep-alive, pipelining in order (with a deferred reply in the
 * middle), deferred replies, chunked bodies (also byte by byte and split at
 * random), 100-continue, 413 by Content-Length and by chunked growth, hostile
 * heads (400/431/501/505), HTTP/1.0, Connection: close, HEAD, close callbacks
 * and late replies to clients that left, timeouts, slow readers, big bodies.
 * A micro benchmark prints requests/s (information only, no assertion).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <event2/event.h>
#include <event2/thread.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "net/httpd.h"
#include "net/listen.h"
#include "util/buf.h"

#define MAX_BODY (4u << 20)

/* ---- log lines (listen.c logs through the server's sl_log) ---- */

static int log_lines;

void sl_log(const char *level, const char *fmt, ...)
{
    (void)level;
    (void)fmt;
    __atomic_add_fetch(&log_lines, 1, __ATOMIC_SEQ_CST);
}

/* ---- the server under test ---- */

typedef struct server {
    struct event_base *base;
    sl_httpd_t *httpd;
    struct event *stop;   /* made active by the test thread: breaks the loop */
    pthread_t thread;
    int port;
} server_t;

/* Set by the server thread, read by the test. */
static int slow_started, closed_calls, orphan_replies;

static int atomic_get(int *p)
{
    return __atomic_load_n(p, __ATOMIC_SEQ_CST);
}

static void atomic_inc(int *p)
{
    __atomic_add_fetch(p, 1, __ATOMIC_SEQ_CST);
}

static uint32_t fnv1a(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h;
}

typedef struct deferred {
    sl_httpd_req_t *req;
    struct event *timer;
    bool orphan;
    char text[128];
} deferred_t;

static void deferred_fire(evutil_socket_t fd, short what, void *arg)
{
    deferred_t *d = arg;
    if (d->orphan)
        atomic_inc(&orphan_replies);
    sl_httpd_reply(d->req, 200, NULL, "text/plain", NULL, d->text, strlen(d->text));
    event_free(d->timer);
    free(d);
}

static void deferred_closed(sl_httpd_req_t *r, void *arg)
{
    deferred_t *d = arg;
    atomic_inc(&closed_calls);
    event_free(d->timer);
    free(d);
}

/* Replies later: after ms, with a close callback unless orphan. */
static void defer_reply(server_t *s, sl_httpd_req_t *r, int ms, bool orphan)
{
    deferred_t *d = calloc(1, sizeof(*d));
    const char *q = sl_httpd_query(r);
    d->req = r;
    d->orphan = orphan;
    snprintf(d->text, sizeof(d->text), "deferred %s", q ? q : "-");
    d->timer = evtimer_new(s->base, deferred_fire, d);
    struct timeval tv = {ms / 1000, ms % 1000 * 1000};
    evtimer_add(d->timer, &tv);
    if (!orphan)
        sl_httpd_set_close_cb(r, deferred_closed, d);
}

static void handler(sl_httpd_req_t *r, void *arg)
{
    server_t *s = arg;
    const char *m = sl_httpd_method(r), *p = sl_httpd_path(r);
    size_t len;
    const char *body = sl_httpd_body(r, &len);
    char small[256];

    if (strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && strcmp(m, "POST") != 0 &&
        strcmp(m, "PUT") != 0 && strcmp(m, "OPTIONS") != 0) {
        sl_httpd_reply(r, 405, NULL, "text/plain", "Allow: GET, HEAD, POST, PUT\r\n", "no\n", 3);
    } else if (strcmp(p, "/bench") == 0) {
        sl_httpd_reply(r, 200, "OK", "application/json", NULL, "{\"accepted\": 10}\n", 17);
    } else if (strcmp(p, "/defer") == 0) {
        defer_reply(s, r, 50, false);
    } else if (strcmp(p, "/slow") == 0) {
        atomic_inc(&slow_started);
        defer_reply(s, r, 3000, false);
    } else if (strcmp(p, "/orphan") == 0) {
        atomic_inc(&slow_started);
        defer_reply(s, r, 300, true);
    } else if (strcmp(p, "/sum") == 0) {
        int n = snprintf(small, sizeof(small), "len=%zu fnv=%08x nul=%d", len,
                         fnv1a(body, len), body[len] == '\0');
        sl_httpd_reply(r, 200, NULL, "text/plain", NULL, small, (size_t)n);
    } else if (strcmp(p, "/q") == 0) {
        int n = snprintf(small, sizeof(small), "ack=%d header=%d",
                         sl_httpd_query_is(r, "ack", "received"),
                         sl_httpd_query_is(r, "header", "true|1|on|yes"));
        sl_httpd_reply(r, 200, NULL, "text/plain", NULL, small, (size_t)n);
    } else if (strcmp(p, "/big") == 0) {
        /* /big?MiB, 1 MiB by default */
        size_t n = (sl_httpd_query(r) ? (size_t)atoi(sl_httpd_query(r)) : 1) << 20;
        char *big = malloc(n);
        for (size_t i = 0; i < n; i++)
            big[i] = (char)('a' + i % 26);
        sl_httpd_reply(r, 200, NULL, "text/plain", NULL, big, n);
        free(big);
    } else if (strcmp(p, "/stop-accepting") == 0) {
        sl_httpd_stop_accepting(s->httpd);
        sl_httpd_reply(r, 200, NULL, "text/plain", NULL, "stopped", 7);
    } else if (strcmp(p, "/empty") == 0) {
        sl_httpd_reply(r, 204, NULL, NULL, NULL, NULL, 0);
    } else if (strcmp(p, "/stats") == 0) {
        sl_httpd_stats_t st;
        sl_httpd_get_stats(s->httpd, &st);
        int n = snprintf(small, sizeof(small),
                         "connections=%llu accepted=%llu requests=%llu rejected=%llu aborted=%llu "
                         "write_waits=%llu",
                         (unsigned long long)st.connections, (unsigned long long)st.accepted,
                         (unsigned long long)st.requests, (unsigned long long)st.rejected,
                         (unsigned long long)st.aborted, (unsigned long long)st.write_waits);
        sl_httpd_reply(r, 200, NULL, "text/plain", NULL, small, (size_t)n);
    } else {
        sl_buf_t b = SL_BUF_INIT;
        const char *q = sl_httpd_query(r), *x = sl_httpd_header(r, "x-test");
        sl_buf_printf(&b, "method=%s path=%s query=%s len=%zu x=%s ka=%d\n", m, p, q ? q : "-",
                      len, x ? x : "-", sl_httpd_keep_alive(r));
        sl_buf_append(&b, body, len);
        sl_httpd_reply(r, 200, NULL, "text/plain", "X-Echo: 1\r\n", b.data, b.len);
        sl_buf_free(&b);
    }
}

static void stop_loop(evutil_socket_t fd, short what, void *arg)
{
    server_t *s = arg;
    event_base_loopbreak(s->base);
}

static void *server_main(void *arg)
{
    server_t *s = arg;
    event_base_loop(s->base, EVLOOP_NO_EXIT_ON_EMPTY);
    return NULL;
}

/* TLS context for the servers started while it is set (tls_test). */
static SSL_CTX *server_tls;

/* A server on 127.0.0.1, any port; idle_ms 0 keeps the default timeouts. */
static server_t *server_start(size_t max_body, int idle_ms, int request_ms)
{
    server_t *s = calloc(1, sizeof(*s));
    sl_error_t err;
    sl_error_clear(&err);
    s->base = event_base_new();
    ck_assert_ptr_nonnull(s->base);
    struct evconnlistener *l = sl_listen_tcp(s->base, "127.0.0.1", 0, NULL, NULL, &s->port, &err);
    ck_assert_msg(l != NULL, "%s", err.message);
    s->httpd = sl_httpd_new(s->base, l, max_body, handler, s);
    if (server_tls)
        sl_httpd_set_tls(s->httpd, server_tls);
    s->stop = event_new(s->base, -1, 0, stop_loop, s);
    if (idle_ms)
        sl_httpd_set_timeouts(s->httpd, idle_ms, request_ms);
    ck_assert_int_eq(pthread_create(&s->thread, NULL, server_main, s), 0);
    return s;
}

static void server_stop(server_t *s)
{
    /* Not event_base_loopbreak from here: lost if the loop has not started. */
    event_active(s->stop, EV_READ, 1);
    pthread_join(s->thread, NULL);
    event_free(s->stop);
    sl_httpd_free(s->httpd);
    event_base_free(s->base);
    free(s);
}

static server_t *S;

static void setup(void)
{
    __atomic_store_n(&slow_started, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&closed_calls, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&orphan_replies, 0, __ATOMIC_SEQ_CST);
    S = server_start(MAX_BODY, 0, 0);
}

static void teardown(void)
{
    server_stop(S);
    S = NULL;
}

/* ---- a blocking test client ---- */

typedef struct client {
    int fd;
    char *buf;
    size_t len, cap;
} client_t;

typedef struct resp {
    int status;
    char *head;   /* status line and fields, NUL-terminated */
    char *body;   /* NUL-terminated */
    size_t body_len;
} resp_t;

/* A connection whose receive buffer is rcvbuf bytes (0 = default). */
static client_t *cl_open_rcvbuf(int port, int rcvbuf)
{
    client_t *c = calloc(1, sizeof(*c));
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(c->fd, 0);
    if (rcvbuf)   /* before connect: the window scale is chosen then */
        setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    struct timeval tv = {10, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    c->cap = 65536;
    c->buf = malloc(c->cap + 1);
    return c;
}

static client_t *cl_open(int port)
{
    return cl_open_rcvbuf(port, 0);
}

static void cl_close(client_t *c)
{
    if (c->fd >= 0)
        close(c->fd);
    free(c->buf);
    free(c);
}

static void cl_send(client_t *c, const void *p, size_t n)
{
    const char *s = p;
    while (n > 0) {
        ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        ck_assert_msg(w > 0, "send: %s", strerror(errno));
        s += w;
        n -= (size_t)w;
    }
}

static void cl_sends(client_t *c, const char *s)
{
    cl_send(c, s, strlen(s));
}

/* Reads more; the bytes read, 0 at EOF, -1 on timeout or error. */
static ssize_t cl_fill(client_t *c)
{
    if (c->cap - c->len < 65536) {
        c->cap *= 2;
        c->buf = realloc(c->buf, c->cap + 1);
    }
    ssize_t n;
    do
        n = recv(c->fd, c->buf + c->len, c->cap - c->len, 0);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        c->len += (size_t)n;
    return n;
}

static void resp_free(resp_t *r)
{
    free(r->head);
    free(r->body);
    memset(r, 0, sizeof(*r));
}

/* Value of a response field (static buffer), NULL when absent. */
static const char *resp_field(const resp_t *r, const char *name)
{
    static char v[256];
    size_t n = strlen(name);
    for (const char *l = strstr(r->head, "\r\n"); l && l[2]; l = strstr(l + 2, "\r\n")) {
        if (strncasecmp(l + 2, name, n) == 0 && l[2 + n] == ':') {
            const char *s = l + 3 + n, *e = strstr(s, "\r\n");
            while (*s == ' ')
                s++;
            snprintf(v, sizeof(v), "%.*s", (int)(e - s), s);
            return v;
        }
    }
    return NULL;
}

/* Reads one response (no body after a HEAD request); its status, -1 at
 * EOF or timeout before a whole response. */
static int cl_response(client_t *c, resp_t *r, bool head_req)
{
    memset(r, 0, sizeof(*r));
    char *end;
    for (;;) {
        c->buf[c->len] = '\0';
        end = c->len ? strstr(c->buf, "\r\n\r\n") : NULL;
        if (end)
            break;
        if (cl_fill(c) <= 0)
            return -1;
    }
    size_t hlen = (size_t)(end - c->buf) + 4;
    r->head = strndup(c->buf, hlen - 2);
    ck_assert_msg(strncmp(r->head, "HTTP/1.1 ", 9) == 0, "bad status line: %s", r->head);
    r->status = atoi(r->head + 9);
    const char *cl = resp_field(r, "Content-Length");
    size_t blen = cl && !head_req ? strtoul(cl, NULL, 10) : 0;
    while (c->len < hlen + blen)
        if (cl_fill(c) <= 0) {
            resp_free(r);
            return -1;
        }
    r->body = malloc(blen + 1);
    memcpy(r->body, c->buf + hlen, blen);
    r->body[blen] = '\0';
    r->body_len = blen;
    memmove(c->buf, c->buf + hlen + blen, c->len - hlen - blen);
    c->len -= hlen + blen;
    return r->status;
}

/* Whether the server closed the connection (EOF, nothing else buffered). */
static bool cl_eof(client_t *c)
{
    if (c->len > 0)
        return false;
    ssize_t n = cl_fill(c);
    return n == 0 || (n < 0 && errno == ECONNRESET);
}

/* Reads a response from c: 200 with this body. */
static void expect_200(client_t *c, const char *body)
{
    resp_t r;
    ck_assert_int_eq(cl_response(c, &r, false), 200);
    ck_assert_str_eq(r.body, body);
    resp_free(&r);
}

/* Reads a response from c with this status, then the server's close;
 * closes c. */
static void expect_close(client_t *c, int status)
{
    resp_t r;
    ck_assert_int_eq(cl_response(c, &r, false), status);
    resp_free(&r);
    ck_assert(cl_eof(c));
    cl_close(c);
}

/* One request on a new connection: the response status (r filled). */
static int request(int port, const char *raw, size_t n, resp_t *r)
{
    client_t *c = cl_open(port);
    cl_send(c, raw, n);
    int st = cl_response(c, r, false);
    cl_close(c);
    return st;
}

/* The server's counters, as the /stats route tells them. */
static void server_stats(server_t *s, sl_httpd_stats_t *st)
{
    resp_t r;
    const char *req = "GET /stats HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    ck_assert_int_eq(request(s->port, req, strlen(req), &r), 200);
    unsigned long long a, b, c, d, e, f;
    ck_assert_int_eq(sscanf(r.body, "connections=%llu accepted=%llu requests=%llu rejected=%llu "
                            "aborted=%llu write_waits=%llu", &a, &b, &c, &d, &e, &f), 6);
    st->write_waits = f;
    st->connections = a;
    st->accepted = b;
    st->requests = c;
    st->rejected = d;
    st->aborted = e;
    resp_free(&r);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};
    nanosleep(&ts, NULL);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Waits up to ms for *p to reach want. */
static bool wait_for(int *p, int want, int ms)
{
    for (int i = 0; i < ms / 10; i++) {
        if (atomic_get(p) >= want)
            return true;
        sleep_ms(10);
    }
    return atomic_get(p) >= want;
}

/* ---- the tests ---- */

START_TEST(get_and_post)
{
    client_t *c = cl_open(S->port);
    resp_t r;
    cl_sends(c, "GET /echo?x=1 HTTP/1.1\r\nHost: t\r\nX-Test:  hello  \r\n\r\n");
    ck_assert_int_eq(cl_response(c, &r, false), 200);
    ck_assert_str_eq(r.body, "method=GET path=/echo query=x=1 len=0 x=hello ka=1\n");
    ck_assert_str_eq(resp_field(&r, "Content-Type"), "text/plain");
    ck_assert_str_eq(resp_field(&r, "X-Echo"), "1");
    ck_assert_ptr_null(resp_field(&r, "Connection"));
    ck_assert(strncmp(r.head, "HTTP/1.1 200 OK\r\n", 17) == 0);
    resp_free(&r);

    cl_sends(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 11\r\n\r\nhello world");
    expect_200(c, "method=POST path=/echo query=- len=11 x=- ka=1\nhello world");

    /* LF-only line ends, empty lines before the request line, a list of
     * equal Content-Length values, an absolute-form target. */
    cl_sends(c, "\r\n\nPOST http://example.com:80/echo?y HTTP/1.1\nHost: t\n"
                "Content-Length: 3, 3\n\nabc");
    expect_200(c, "method=POST path=/echo query=y len=3 x=- ka=1\nabc");
    cl_sends(c, "OPTIONS * HTTP/1.1\r\nHost: t\r\n\r\n");
    expect_200(c, "method=OPTIONS path=* query=- len=0 x=- ka=1\n");
    cl_sends(c, "GET http://h?z=1 HTTP/1.1\r\nHost: t\r\n\r\n");
    expect_200(c, "method=GET path=/ query=z=1 len=0 x=- ka=1\n");
    /* 204 has neither Content-Length nor body. */
    cl_sends(c, "GET /empty HTTP/1.1\r\nHost: t\r\n\r\nGET /echo HTTP/1.1\r\nHost: t\r\n\r\n");
    ck_assert_int_eq(cl_response(c, &r, false), 204);
    ck_assert_ptr_null(resp_field(&r, "Content-Length"));
    resp_free(&r);
    ck_assert_int_eq(cl_response(c, &r, false), 200);
    resp_free(&r);
    cl_close(c);
}
END_TEST

START_TEST(keep_alive)
{
    client_t *c = cl_open(S->port);
    for (int i = 0; i < 20; i++) {
        char req[200], want[200];
        resp_t r;
        snprintf(req, sizeof(req), "POST /echo?i=%d HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\n%02d",
                 i, i);
        cl_sends(c, req);
        ck_assert_int_eq(cl_response(c, &r, false), 200);
        snprintf(want, sizeof(want), "method=POST path=/echo query=i=%d len=2 x=- ka=1\n%02d", i, i);
        ck_assert_str_eq(r.body, want);
        resp_free(&r);
    }
    sl_httpd_stats_t st;
    server_stats(S, &st);
    ck_assert_uint_eq(st.accepted, 2);   /* this connection and the stats one */
    ck_assert_uint_eq(st.connections, 2);
    ck_assert_uint_eq(st.requests, 21);
    cl_close(c);
}
END_TEST

START_TEST(pipelined_in_order)
{
    client_t *c = cl_open(S->port);
    /* A deferred reply in the middle holds back the ones after it. */
    cl_sends(c, "GET /echo?1 HTTP/1.1\r\nHost: t\r\n\r\n"
                "GET /defer?2 HTTP/1.1\r\nHost: t\r\n\r\n"
                "POST /echo?3 HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nbody"
                "POST /echo?4 HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                "3\r\nabc\r\n0\r\n\r\n"
                "GET /defer?5 HTTP/1.1\r\nHost: t\r\n\r\n"
                "GET /echo?6 HTTP/1.1\r\nHost: t\r\n\r\n");
    expect_200(c, "method=GET path=/echo query=1 len=0 x=- ka=1\n");
    expect_200(c, "deferred 2");
    expect_200(c, "method=POST path=/echo query=3 len=4 x=- ka=1\nbody");
    expect_200(c, "method=POST path=/echo query=4 len=3 x=- ka=1\nabc");
    expect_200(c, "deferred 5");
    expect_200(c, "method=GET path=/echo query=6 len=0 x=- ka=1\n");

    /* Requests sent before the client shuts its side are still answered. */
    cl_sends(c, "GET /echo?7 HTTP/1.1\r\nHost: t\r\n\r\nGET /echo?8 HTTP/1.1\r\nHost: t\r\n\r\n");
    shutdown(c->fd, SHUT_WR);
    expect_200(c, "method=GET path=/echo query=7 len=0 x=- ka=1\n");
    expect_200(c, "method=GET path=/echo query=8 len=0 x=- ka=1\n");
    ck_assert(cl_eof(c));
    cl_close(c);
}
END_TEST

/* A request and the client's FIN in one go, so that they are often read
 * together: the answer, then the server's close, every time (an
 * edge-triggered read that stops at the short recv would never see the FIN
 * and leave the client waiting). */
START_TEST(request_then_fin)
{
    char req[64], want[96];
    for (int i = 0; i < 200; i++) {
        client_t *c = cl_open(S->port);
        struct timeval tv = {2, 0};
        setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
        snprintf(req, sizeof(req), "GET /echo?%d HTTP/1.1\r\nHost: t\r\n\r\n", i);
        cl_sends(c, req);
        ck_assert_int_eq(shutdown(c->fd, SHUT_WR), 0);
        snprintf(want, sizeof(want), "method=GET path=/echo query=%d len=0 x=- ka=1\n", i);
        expect_200(c, want);
        ck_assert_msg(cl_eof(c), "connection %d not closed after the FIN", i);
        cl_close(c);
    }
}
END_TEST

START_TEST(pipelined_readahead)
{
    /* Far more pipelined bytes than the connection buffers while a reply
     * is pending: reading pauses, then resumes after the reply. */
    client_t *c = cl_open(S->port);
    sl_buf_t b = SL_BUF_INIT;
    char body[2000];
    memset(body, 'p', sizeof(body));
    sl_buf_puts(&b, "GET /defer?first HTTP/1.1\r\nHost: t\r\n\r\n");
    for (int i = 0; i < 100; i++) {
        sl_buf_printf(&b, "POST /sum?%d HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n\r\n", i,
                      sizeof(body));
        sl_buf_append(&b, body, sizeof(body));
        if (i % 10 == 0)
            sl_buf_printf(&b, "GET /defer?%d HTTP/1.1\r\nHost: t\r\n\r\n", i);
    }
    cl_send(c, b.data, b.len);
    sl_buf_free(&b);
    resp_t r;
    char want[100];
    snprintf(want, sizeof(want), "len=%zu fnv=%08x nul=1", sizeof(body), fnv1a(body, sizeof(body)));
    expect_200(c, "deferred first");
    for (int i = 0; i < 100; i++) {
        ck_assert_int_eq(cl_response(c, &r, false), 200);
        ck_assert_str_eq(r.body, want);
        resp_free(&r);
        if (i % 10 == 0) {
            char d[40];
            snprintf(d, sizeof(d), "deferred %d", i);
            ck_assert_int_eq(cl_response(c, &r, false), 200);
            ck_assert_str_eq(r.body, d);
            resp_free(&r);
        }
    }
    cl_close(c);
}
END_TEST

START_TEST(stop_accepting)
{
    client_t *c = cl_open(S->port);
    resp_t r;
    cl_sends(c, "GET /stop-accepting HTTP/1.1\r\nHost: t\r\n\r\n");
    ck_assert_int_eq(cl_response(c, &r, false), 200);
    resp_free(&r);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)S->port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_ne(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    close(fd);
    /* The open connection is still served. */
    cl_sends(c, "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n");
    ck_assert_int_eq(cl_response(c, &r, false), 200);
    resp_free(&r);
    cl_close(c);
}
END_TEST

START_TEST(deferred_reply)
{
    client_t *c = cl_open(S->port);
    resp_t r;
    for (int i = 0; i < 3; i++) {
        double t0 = now_s();
        cl_sends(c, "GET /defer?d HTTP/1.1\r\nHost: t\r\n\r\n");
        ck_assert_int_eq(cl_response(c, &r, false), 200);
        ck_assert_str_eq(r.body, "deferred d");
        ck_assert(now_s() - t0 >= 0.045);
        resp_free(&r);
    }
    /* HEAD of a deferred reply: no body either. */
    cl_sends(c, "HEAD /defer?h HTTP/1.1\r\nHost: t\r\n\r\nGET /echo HTTP/1.1\r\nHost: t\r\n\r\n");
    ck_assert_int_eq(cl_response(c, &r, true), 200);
    ck_assert_str_eq(resp_field(&r, "Content-Length"), "10");
    resp_free(&r);
    expect_200(c, "method=GET path=/echo query=- len=0 x=- ka=1\n");
    cl_close(c);
}
END_TEST

START_TEST(chunked_bodies)
{
    client_t *c = cl_open(S->port);
    resp_t r;
    cl_sends(c, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                "5\r\nhello\r\n6;name=value;x=\"q\"\r\n world\r\nA \r\n0123456789\r\n"
                "0\r\nX-Trailer: yes\r\nOther: 1\r\n\r\n");
    expect_200(c, "method=POST path=/echo query=- len=21 x=- ka=1\nhello world0123456789");
    /* Empty body, lower-case hex, LF-only framing, "Chunked" in any case. */
    cl_sends(c, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: Chunked\r\n\r\n0\r\n\r\n");
    expect_200(c, "method=POST path=/echo query=- len=0 x=- ka=1\n");
    cl_sends(c, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                "b\nhello world\n0\n\n");
    expect_200(c, "method=POST path=/echo query=- len=11 x=- ka=1\nhello world");

    /* Byte by byte: every parser state resumes. */
    const char *req = "POST /echo?slow HTTP/1.1\r\nHost: t\r\nX-Test: a\r\n"
                      "Transfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;e=1\r\npedia\r\n"
                      "0\r\nT: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nxyz";
    for (const char *p = req; *p; p++) {
        cl_send(c, p, 1);
        if ((p - req) % 4 == 0)
            sleep_ms(1);
    }
    expect_200(c, "method=POST path=/echo query=slow len=9 x=a ka=1\nWikipedia");
    expect_200(c, "method=POST path=/echo query=- len=3 x=- ka=1\nxyz");

    /* A large chunked body in 64 KiB chunks. */
    size_t n = 3u << 20;
    char *data = malloc(n);
    for (size_t i = 0; i < n; i++)
        data[i] = (char)(i * 7 + (i >> 9));
    cl_sends(c, "POST /sum HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (size_t off = 0; off < n; off += 65536) {
        char line[32];
        snprintf(line, sizeof(line), "%zx\r\n", (size_t)65536);
        cl_sends(c, line);
        cl_send(c, data + off, 65536);
        cl_sends(c, "\r\n");
    }
    cl_sends(c, "0\r\n\r\n");
    char want[100];
    snprintf(want, sizeof(want), "len=%zu fnv=%08x nul=1", n, fnv1a(data, n));
    ck_assert_int_eq(cl_response(c, &r, false), 200);
    ck_assert_str_eq(r.body, want);
    resp_free(&r);
    free(data);
    cl_close(c);
}
END_TEST

START_TEST(big_bodies)
{
    client_t *c = cl_open(S->port);
    resp_t r;
    size_t sizes[] = {65536, 65537, 1000000, MAX_BODY};
    for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
        size_t n = sizes[k];
        char *data = malloc(n), head[200], want[100];
        for (size_t i = 0; i < n; i++)
            data[i] = (char)(i * 13 + k);
        snprintf(head, sizeof(head), "POST /sum HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n\r\n", n);
        cl_sends(c, head);
        cl_send(c, data, n);
        /* A pipelined request right behind the body. */
        cl_sends(c, "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n");
        snprintf(want, sizeof(want), "len=%zu fnv=%08x nul=1", n, fnv1a(data, n));
        ck_assert_int_eq(cl_response(c, &r, false), 200);
        ck_assert_str_eq(r.body, want);
        resp_free(&r);
        ck_assert_int_eq(cl_response(c, &r, false), 200);
        ck_assert_str_eq(r.body, "method=GET path=/echo query=- len=0 x=- ka=1\n");
        resp_free(&r);
        free(data);
    }
    cl_close(c);
}
END_TEST

START_TEST(random_splits)
{
    /* The same stream of requests cut at random places. */
    const char *stream =
        "POST /echo?a HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"
        "GET /echo?b HTTP/1.1\r\nHost: t\r\nX-Test: b\r\n\r\n"
        "POST /echo?c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        "1\r\nx\r\n2;ext\r\nyz\r\n0\r\nTrailer: 1\r\n\r\n"
        "\r\nPOST /echo?d HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"
        "GET /defer?e HTTP/1.1\r\nHost: t\r\n\r\n"
        "HEAD /echo?f HTTP/1.1\r\nHost: t\r\n\r\n"
        "POST /echo?g HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nend";
    const char *want[] = {
        "method=POST path=/echo query=a len=5 x=- ka=1\nhello",
        "method=GET path=/echo query=b len=0 x=b ka=1\n",
        "method=POST path=/echo query=c len=3 x=- ka=1\nxyz",
        "method=POST path=/echo query=d len=0 x=- ka=1\n",
        "deferred e",
        "",
        "method=POST path=/echo query=g len=3 x=- ka=1\nend",
    };
    unsigned seed = 12345;
    size_t n = strlen(stream);
    for (int round = 0; round < 6; round++) {
        client_t *c = cl_open(S->port);
        for (size_t off = 0; off < n;) {
            size_t k = 1 + rand_r(&seed) % 40;
            if (k > n - off)
                k = n - off;
            cl_send(c, stream + off, k);
            off += k;
            if (rand_r(&seed) % 3 == 0)
                sleep_ms(1);
        }
        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
            resp_t r;
            ck_assert_int_eq(cl_response(c, &r, i == 5), 200);
            ck_assert_str_eq(r.body, want[i]);
            resp_free(&r);
        }
        cl_close(c);
    }
}
END_TEST

START_TEST(expect_continue)
{
    client_t *c = cl_open(S->port);
    resp_t r;
    cl_sends(c, "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    while (c->len < sizeof(cont) - 1)
        ck_assert_int_gt(cl_fill(c), 0);
    ck_assert(memcmp(c->buf, cont, sizeof(cont) - 1) == 0);
    c->len -= sizeof(cont) - 1;
    memmove(c->buf, c->buf + sizeof(cont) - 1, c->len);
    cl_sends(c, "hello");
    expect_200(c, "method=POST path=/echo query=- len=5 x=- ka=1\nhello");

    /* Chunked with 100-continue. */
    cl_sends(c, "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-Continue\r\n"
                "Transfer-Encoding: chunked\r\n\r\n");
    while (c->len < sizeof(cont) - 1)
        ck_assert_int_gt(cl_fill(c), 0);
    ck_assert(memcmp(c->buf, cont, sizeof(cont) - 1) == 0);
    c->len -= sizeof(cont) - 1;
    memmove(c->buf, c->buf + sizeof(cont) - 1, c->len);
    cl_sends(c, "2\r\nok\r\n0\r\n\r\n");
    expect_200(c, "method=POST path=/echo query=- len=2 x=- ka=1\nok");

    /* The body sent along with the head: no 100 needed. */
    cl_sends(c, "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nhi");
    expect_200(c, "method=POST path=/echo query=- len=2 x=- ka=1\nhi");
    /* No body: no 100. */
    cl_sends(c, "GET /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n\r\n");
    ck_assert_int_eq(cl_response(c, &r, false), 200);
    resp_free(&r);
    /* HTTP/1.0 clients never get a 100. */
    cl_sends(c, "POST /echo HTTP/1.0\r\nExpect: 100-continue\r\nConnection: keep-alive\r\n"
                "Content-Length: 2\r\n\r\n");
    sleep_ms(50);
    cl_sends(c, "10");
    expect_200(c, "method=POST path=/echo query=- len=2 x=- ka=1\n10");
    cl_close(c);

    /* Over the limit: 413 right away, no 100, and close. */
    c = cl_open(S->port);
    cl_sends(c, "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 99999999\r\n\r\n");
    ck_assert_int_eq(cl_response(c, &r, false), 413);
    ck_assert_str_eq(resp_field(&r, "Connection"), "close");
    resp_free(&r);
    ck_assert(cl_eof(c));
    cl_close(c);
}
END_TEST

START_TEST(too_large)
{
    resp_t r;
    /* Content-Length over the limit, body already on its way: the client
     * still reads the 413 (lingering close, no reset). */
    client_t *c = cl_open(S->port);
    char head[200];
    snprintf(head, sizeof(head), "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: %u\r\n\r\n",
             MAX_BODY + 1);
    cl_sends(c, head);
    char *junk = calloc(1, 200000);
    cl_send(c, junk, 200000);
    ck_assert_int_eq(cl_response(c, &r, false), 413);
    ck_assert(strstr(r.body, "request body too large") != NULL);
    resp_free(&r);
    c->len = 0;
    while (cl_fill(c) > 0)
        c->len = 0;
    cl_close(c);
    free(junk);

    /* A huge Content-Length is 413 too, not 400. */
    const char *huge = "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 99999999999999999999999\r\n\r\n";
    ck_assert_int_eq(request(S->port, huge, strlen(huge), &r), 413);
    resp_free(&r);

    /* Chunked: a small limit crossed as chunks accumulate. */
    server_t *s = server_start(1000, 0, 0);
    c = cl_open(s->port);
    cl_sends(c, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    char chunk[400 + 16];
    memset(chunk, 'x', sizeof(chunk));
    memcpy(chunk, "190\r\n", 5);   /* 400 bytes */
    memcpy(chunk + 5 + 400, "\r\n", 2);
    cl_send(c, chunk, 5 + 400 + 2);
    cl_send(c, chunk, 5 + 400 + 2);
    cl_send(c, chunk, 5 + 400 + 2);
    expect_close(c, 413);
    /* One chunk over the limit. */
    const char *one = "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                      "fffffffffffffffffffffff\r\n";
    ck_assert_int_eq(request(s->port, one, strlen(one), &r), 413);
    resp_free(&r);
    /* Exactly the limit is fine. */
    c = cl_open(s->port);
    char *body = malloc(1000);
    memset(body, 'y', 1000);
    cl_sends(c, "POST /sum HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n");
    cl_send(c, body, 1000);
    ck_assert_int_eq(cl_response(c, &r, false), 200);
    resp_free(&r);
    cl_sends(c, "POST /sum HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n3e8\r\n");
    cl_send(c, body, 1000);
    cl_sends(c, "\r\n0\r\n\r\n");
    ck_assert_int_eq(cl_response(c, &r, false), 200);
    resp_free(&r);
    free(body);
    cl_close(c);
    server_stop(s);
}
END_TEST

typedef struct bad_case {
    const char *raw;
    size_t len;   /* 0 = strlen */
    int status;
} bad_case_t;

START_TEST(bad_requests)
{
    static const bad_case_t cases[] = {
        {"garbage\r\n\r\n", 0, 400},
        {"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n", 0, 400},
        {"GET / HTTP/1.1\r\nHost: x\r\nX : b\r\n\r\n", 0, 400},
        {"GET / HTTP/1.1\r\nHost: x\r\n: b\r\n\r\n", 0, 400},
        {"GET / HTTP/2.0\r\nHost: x\r\n\r\n", 0, 505},
        {"GET / HTTP/1.1x\r\nHost: x\r\n\r\n", 0, 400},
        {"GET / http/1.1\r\nHost: x\r\n\r\n", 0, 400},
        {"GET /\r\n\r\n", 0, 400},
        {"GET  / HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400},
        {"GET nopath HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400},
        {"G\0T / HTTP/1.1\r\nHost: x\r\n\r\n", 27, 400},
        {"GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400},
        {"GET /a%00b HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400},
        {"GET /a%4 HTTP/1.1\r\nHost: x\r\n\r\n", 0, 400},
        {"GET / HTTP/1.1\r\n\r\n", 0, 400},
        {"GET / HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n", 0, 400},
        {"GET / HTTP/1.1\r\nHost: x\r\nX: a\r\n b\r\n\r\n", 0, 400},
        {"GET / HTTP/1.1\r\nHost: x\r\nX: a\001b\r\n\r\n", 0, 400},
        {"GET / HTTP/1.1\r\nHost: x\r\nX: a\rb\r\n\r\n", 0, 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n", 0, 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 0, 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: \r\n\r\n", 0, 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1 2\r\n\r\n", 0, 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 4\r\n\r\nabcd", 0, 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 0, 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 0, 501},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 0, 501},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 0, 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 0, 400},
        {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 0, 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", 0, 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n", 0, 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n", 0, 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", 0, 400},
        {"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\rx\nhello\r\n0\r\n\r\n", 0, 400},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const bad_case_t *bc = &cases[i];
        client_t *c = cl_open(S->port);
        resp_t r;
        cl_send(c, bc->raw, bc->len ? bc->len : strlen(bc->raw));
        int st = cl_response(c, &r, false);
        ck_assert_msg(st == bc->status, "case %zu: status %d, want %d", i, st, bc->status);
        ck_assert_str_eq(resp_field(&r, "Connection"), "close");
        ck_assert_str_eq(resp_field(&r, "Content-Type"), "application/json");
        ck_assert(strncmp(r.body, "{\"error\": \"", 11) == 0);
        resp_free(&r);
        ck_assert_msg(cl_eof(c), "case %zu: connection not closed", i);
        cl_close(c);
    }

    /* A head over 64 KiB: 431, whether it ends or not. */
    for (int ends = 0; ends < 2; ends++) {
        client_t *c = cl_open(S->port);
        resp_t r;
        cl_sends(c, "GET / HTTP/1.1\r\nHost: x\r\n");
        char line[1000];
        memset(line, 'a', sizeof(line));
        memcpy(line, "X-Pad: ", 7);
        memcpy(line + sizeof(line) - 2, "\r\n", 2);
        for (int i = 0; i < 70; i++)
            cl_send(c, line, sizeof(line));
        if (ends)
            cl_sends(c, "\r\n");
        ck_assert_int_eq(cl_response(c, &r, false), 431);
        resp_free(&r);
        ck_assert(cl_eof(c));
        cl_close(c);
    }
    /* Just under the limit is fine. */
    client_t *c = cl_open(S->port);
    resp_t r;
    cl_sends(c, "GET /echo HTTP/1.1\r\nHost: x\r\n");
    char line[1000];
    memset(line, 'a', sizeof(line));
    memcpy(line, "X-Pad: ", 7);
    memcpy(line + sizeof(line) - 2, "\r\n", 2);
    for (int i = 0; i < 60; i++)
        cl_send(c, line, sizeof(line));
    cl_sends(c, "\r\n");
    ck_assert_int_eq(cl_response(c, &r, false), 200);
    resp_free(&r);
    cl_close(c);

    sl_httpd_stats_t st;
    server_stats(S, &st);
    ck_assert_uint_eq(st.rejected, sizeof(cases) / sizeof(cases[0]) + 2);
    ck_assert_uint_eq(st.requests, 2);
    ck_assert_uint_eq(st.connections, 1);
}
END_TEST

START_TEST(unknown_method)
{
    resp_t r;
    const char *req = "BREW /pot HTTP/1.1\r\nHost: t\r\n\r\n";
    ck_assert_int_eq(request(S->port, req, strlen(req), &r), 405);
    ck_assert_str_eq(resp_field(&r, "Allow"), "GET, HEAD, POST, PUT");
    ck_assert(strncmp(r.head, "HTTP/1.1 405 Method Not Allowed\r\n", 33) == 0);
    resp_free(&r);
}
END_TEST

START_TEST(http10_and_close)
{
    resp_t r;
    client_t *c = cl_open(S->port);
    cl_sends(c, "GET /echo HTTP/1.0\r\n\r\n");
    ck_assert_int_eq(cl_response(c, &r, false), 200);
    ck_assert_str_eq(r.body, "method=GET path=/echo query=- len=0 x=- ka=0\n");
    ck_assert_str_eq(resp_field(&r, "Connection"), "close");
    resp_free(&r);
    ck_assert(cl_eof(c));
    cl_close(c);

    /* HTTP/1.0 keep-alive. */
    c = cl_open(S->port);
    for (int i = 0; i < 2; i++) {
        cl_sends(c, "POST /echo HTTP/1.0\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\nk");
        ck_assert_int_eq(cl_response(c, &r, false), 200);
        ck_assert_str_eq(r.body, "method=POST path=/echo query=- len=1 x=- ka=1\nk");
        ck_assert_str_eq(resp_field(&r, "Connection"), "keep-alive");
        resp_free(&r);
    }
    cl_close(c);

    /* Connection: close, with a pipelined request after it that is dropped. */
    c = cl_open(S->port);
    cl_sends(c, "GET /echo HTTP/1.1\r\nHost: t\r\nConnection: foo, close\r\n\r\n"
                "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n");
    ck_assert_int_eq(cl_response(c, &r, false), 200);
    ck_assert_str_eq(r.body, "method=GET path=/echo query=- len=0 x=- ka=0\n");
    ck_assert_str_eq(resp_field(&r, "Connection"), "close");
    resp_free(&r);
    ck_assert(cl_eof(c));
    cl_close(c);

    /* Connection: close on a deferred reply. */
    c = cl_open(S->port);
    cl_sends(c, "GET /defer?c HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    ck_assert_int_eq(cl_response(c, &r, false), 200);
    ck_assert_str_eq(r.body, "deferred c");
    ck_assert_str_eq(resp_field(&r, "Connection"), "close");
    resp_free(&r);
    ck_assert(cl_eof(c));
    cl_close(c);
}
END_TEST

START_TEST(head_method)
{
    client_t *c = cl_open(S->port);
    resp_t r;
    cl_sends(c, "HEAD /echo HTTP/1.1\r\nHost: t\r\n\r\n");
    ck_assert_int_eq(cl_response(c, &r, true), 200);
    const char *want = "method=HEAD path=/echo query=- len=0 x=- ka=1\n";
    char n[20];
    snprintf(n, sizeof(n), "%zu", strlen(want));
    ck_assert_str_eq(resp_field(&r, "Content-Length"), n);
    resp_free(&r);
    /* No stray body bytes: the next response starts right away. */
    cl_sends(c, "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n");
    expect_200(c, "method=GET path=/echo query=- len=0 x=- ka=1\n");
    cl_close(c);
}
END_TEST

/* A client that sends text, waits ms and closes (FIN). */
static void send_and_leave(const char *text, int ms)
{
    client_t *c = cl_open(S->port);
    cl_sends(c, text);
    sleep_ms(ms);
    cl_close(c);
}

/* Waits (2 s at most) until the server counts n connections; st: its last
 * counters. */
static void wait_connections(uint64_t n, sl_httpd_stats_t *st)
{
    for (int i = 0; i < 100; i++) {
        server_stats(S, st);
        if (st->connections == n)
            break;
        sleep_ms(20);
    }
}

START_TEST(close_cb_on_disconnect)
{
    sl_httpd_stats_t st;

    /* A half-close (FIN after the request) still gets its late answers, in
     * order, then the server closes: no close callback, nothing aborted. */
    client_t *c = cl_open(S->port);
    cl_sends(c, "GET /defer?1 HTTP/1.1\r\nHost: t\r\n\r\n"
                "GET /defer?2 HTTP/1.1\r\nHost: t\r\n\r\n");
    ck_assert_int_eq(shutdown(c->fd, SHUT_WR), 0);
    expect_200(c, "deferred 1");
    expect_200(c, "deferred 2");
    ck_assert(cl_eof(c));
    cl_close(c);
    /* The same with a request cut short by the FIN: answered what was whole. */
    c = cl_open(S->port);
    cl_sends(c, "GET /defer?3 HTTP/1.1\r\nHost: t\r\n\r\nGET /def");
    ck_assert_int_eq(shutdown(c->fd, SHUT_WR), 0);
    expect_200(c, "deferred 3");
    ck_assert(cl_eof(c));
    cl_close(c);
    /* A full close looks the same to the server: the late reply meets a
     * closed socket and the connection is freed. */
    send_and_leave("GET /defer HTTP/1.1\r\nHost: t\r\n\r\n", 10);
    wait_connections(1, &st);
    ck_assert_uint_eq(st.connections, 1);
    ck_assert_uint_eq(st.aborted, 0);
    ck_assert_int_eq(atomic_get(&closed_calls), 0);

    /* A reset while the reply is pending: the close callback runs. */
    c = cl_open(S->port);
    cl_sends(c, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    ck_assert(wait_for(&slow_started, 1, 5000));
    struct linger lg = {1, 0};
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    cl_close(c);
    ck_assert(wait_for(&closed_calls, 1, 5000));

    /* Without a close callback, the late reply is dropped (and the request
     * stays valid until then: valgrind checks). */
    c = cl_open(S->port);
    cl_sends(c, "GET /orphan HTTP/1.1\r\nHost: t\r\n\r\n");
    ck_assert(wait_for(&slow_started, 2, 5000));
    setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
    cl_close(c);
    ck_assert(wait_for(&orphan_replies, 1, 5000));
    server_stats(S, &st);
    ck_assert_uint_eq(st.aborted, 2);
    ck_assert_uint_eq(st.connections, 1);

    /* Client gone in the middle of a body, and in the middle of a head. */
    send_and_leave("POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n0123456789", 20);
    send_and_leave("POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc", 20);
    send_and_leave("GET /echo HTTP/1.1\r\nHo", 20);
    wait_connections(1, &st);
    ck_assert_uint_eq(st.connections, 1);
    /* Clients that reset right after a request: the synchronous reply may
     * meet EPIPE/ECONNRESET; every connection is freed (valgrind). */
    for (int i = 0; i < 50; i++) {
        c = cl_open(S->port);
        cl_sends(c, i % 2 ? "GET /big HTTP/1.1\r\nHost: t\r\n\r\n"
                          : "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n");
        if (i % 3 == 0)
            sleep_ms(1);
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
        cl_close(c);
    }
    wait_connections(1, &st);
    ck_assert_uint_eq(st.connections, 1);
    ck_assert_uint_eq(st.aborted, 2);
    /* A pending request is told when the server is freed (teardown):
     * deferred_closed frees its timer. */
    c = cl_open(S->port);
    cl_sends(c, "GET /slow HTTP/1.1\r\nHost: t\r\n\r\n");
    ck_assert(wait_for(&slow_started, 3, 5000));
    server_stop(S);
    ck_assert_int_eq(atomic_get(&closed_calls), 2);
    S = server_start(MAX_BODY, 0, 0);
    ck_assert(cl_eof(c));
    cl_close(c);
}
END_TEST

START_TEST(path_and_query)
{
    client_t *c = cl_open(S->port);
    resp_t r;
    cl_sends(c, "GET /a%20b/c%2Fd%C3%A9+?x=%41&y=1+2 HTTP/1.1\r\nHost: t\r\n\r\n");
    expect_200(c, "method=GET path=/a b/c/d\xc3\xa9+ query=x=%41&y=1+2 len=0 x=- ka=1\n");
    cl_sends(c, "GET /echo? HTTP/1.1\r\nHost: t\r\n\r\n");
    expect_200(c, "method=GET path=/echo query= len=0 x=- ka=1\n");

    static const struct {
        const char *query, *want;
    } q[] = {
        {"ACK=Received&header=ON", "ack=1 header=1"},
        {"ack=rec%65ived&header=no", "ack=1 header=0"},
        {"ack=RECEIVED%", "ack=0 header=0"},
        {"ack=receivedx&header=yes", "ack=0 header=1"},
        {"ack&header=1", "ack=0 header=1"},
        {"ack=no&ack=received", "ack=0 header=0"},
        {"x=1&%61ck=received&&header=%74rue", "ack=1 header=1"},
        {"header=tru", "ack=0 header=0"},
        {"header=", "ack=0 header=0"},
        {"", "ack=0 header=0"},
    };
    for (size_t i = 0; i < sizeof(q) / sizeof(q[0]); i++) {
        char req[200];
        snprintf(req, sizeof(req), "GET /q?%s HTTP/1.1\r\nHost: t\r\n\r\n", q[i].query);
        cl_sends(c, req);
        ck_assert_int_eq(cl_response(c, &r, false), 200);
        ck_assert_msg(strcmp(r.body, q[i].want) == 0, "query %s: %s", q[i].query, r.body);
        resp_free(&r);
    }
    cl_sends(c, "GET /q HTTP/1.1\r\nHost: t\r\n\r\n");
    expect_200(c, "ack=0 header=0");
    cl_close(c);
}
END_TEST

START_TEST(timeouts)
{
    server_t *s = server_start(MAX_BODY, 300, 300);
    resp_t r;
    /* Idle keep-alive connection: closed without a word. */
    client_t *c = cl_open(s->port);
    double t0 = now_s();
    ck_assert(cl_eof(c));
    ck_assert(now_s() - t0 >= 0.25);
    cl_close(c);
    /* After a request, idle again. */
    c = cl_open(s->port);
    cl_sends(c, "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n");
    expect_close(c, 200);
    /* A head that stops: 408. */
    c = cl_open(s->port);
    cl_sends(c, "GET /echo HTTP/1.1\r\nHo");
    expect_close(c, 408);
    /* A head that trickles in (slowloris): 408 once request_ms have passed. */
    c = cl_open(s->port);
    const char *req = "GET /echo HTTP/1.1\r\nHost: t\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n\r\n";
    t0 = now_s();
    int st = -1;
    for (const char *p = req; *p; p++) {
        if (send(c->fd, p, 1, MSG_NOSIGNAL) != 1)
            break;
        sleep_ms(20);
        if (now_s() - t0 > 0.6)
            break;
    }
    st = cl_response(c, &r, false);
    ck_assert_int_eq(st, 408);
    resp_free(&r);
    cl_close(c);
    /* A body that stalls: 408. */
    c = cl_open(s->port);
    cl_sends(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n12345");
    expect_close(c, 408);
    /* A deferred reply is not cut by the idle timeout. */
    c = cl_open(s->port);
    cl_sends(c, "GET /orphan HTTP/1.1\r\nHost: t\r\n\r\n");
    expect_200(c, "deferred -");
    cl_close(c);
    server_stop(s);
}
END_TEST

/* Fills the whole s_limits stats from the loop's thread via get_stats
 * (safe enough: counters read while the loop is idle). */
static void full_stats(server_t *s, sl_httpd_stats_t *st)
{
    sleep_ms(50);
    sl_httpd_get_stats(s->httpd, st);
}

/* request_timeout: a body trickling in steadily (never stalling for the
 * stall timeout) still gets 408 once the whole request's deadline passed. */
START_TEST(request_deadline)
{
    server_t *s = server_start(MAX_BODY, 5000, 5000);
    sl_httpd_set_limits(s->httpd, 800, 0);
    client_t *c = cl_open(s->port);
    cl_sends(c, "POST /sum HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n");
    double t0 = now_s();
    struct timeval tv = {0, 10000};
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    int got = -1;
    for (int i = 0; i < 40 && got < 0; i++) {
        if (send(c->fd, "x", 1, MSG_NOSIGNAL) != 1)
            break;
        sleep_ms(100);
        if (recv(c->fd, c->buf, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
            got = 1;
    }
    double waited = now_s() - t0;
    tv.tv_sec = 5;
    tv.tv_usec = 0;
    setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ck_assert_msg(got == 1, "no answer to a trickling body after %.1f s", waited);
    ck_assert_msg(waited < 1.5, "408 after %.2f s (deadline 0.8 s)", waited);
    resp_t r;
    ck_assert_int_eq(cl_response(c, &r, false), 408);
    ck_assert_str_eq(resp_field(&r, "Connection"), "close");
    resp_free(&r);
    cl_close(c);
    /* A head trickling in: the same deadline. */
    c = cl_open(s->port);
    t0 = now_s();
    cl_sends(c, "GET /echo HTTP/1.1\r\nHost: t\r\n");
    for (int i = 0; i < 12; i++) {
        cl_sends(c, "X-A: b\r\n");
        sleep_ms(100);
        if (recv(c->fd, c->buf, 1, MSG_PEEK | MSG_DONTWAIT) > 0)
            break;
    }
    ck_assert_int_eq(cl_response(c, &r, false), 408);
    ck_assert(now_s() - t0 < 1.5);
    resp_free(&r);
    cl_close(c);
    sl_httpd_stats_t st;
    full_stats(s, &st);
    ck_assert_uint_eq(st.timed_out, 2);
    /* A request that is whole in time is served. */
    c = cl_open(s->port);
    cl_sends(c, "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n");
    resp_t r2;
    ck_assert_int_eq(cl_response(c, &r2, false), 200);
    resp_free(&r2);
    cl_close(c);
    server_stop(s);
}
END_TEST

/* max_inflight: bodies of all connections together; past it 503 with
 * Retry-After and close, and the budget comes back with the replies. */
START_TEST(body_budget)
{
    server_t *s = server_start(MAX_BODY, 0, 0);
    sl_httpd_set_limits(s->httpd, 0, 1u << 20);
    /* A holds 700 kB of the 1 MB budget while its body is coming. */
    client_t *a = cl_open(s->port);
    cl_sends(a, "POST /sum HTTP/1.1\r\nHost: t\r\nContent-Length: 700000\r\n\r\nabc");
    sleep_ms(100);
    sl_httpd_stats_t st;
    full_stats(s, &st);
    ck_assert_uint_eq(st.inflight_body, 700000);
    /* B's 400 kB do not fit: 503, Retry-After, close, its body unread. */
    client_t *b = cl_open(s->port);
    cl_sends(b, "POST /sum HTTP/1.1\r\nHost: t\r\nContent-Length: 400000\r\n\r\n");
    resp_t r;
    ck_assert_int_eq(cl_response(b, &r, false), 503);
    ck_assert_str_eq(resp_field(&r, "Retry-After"), "1");
    ck_assert_str_eq(resp_field(&r, "Connection"), "close");
    resp_free(&r);
    cl_close(b);
    /* Chunked growth counts too. */
    client_t *ch = cl_open(s->port);
    cl_sends(ch, "POST /sum HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    char *chunk = malloc(600001);
    memset(chunk, 'y', 600000);
    cl_sends(ch, "927C0\r\n");   /* 600000 */
    send(ch->fd, chunk, 600000, MSG_NOSIGNAL);
    ck_assert_int_eq(cl_response(ch, &r, false), 503);
    resp_free(&r);
    cl_close(ch);
    /* A's body ends: answered, the budget is free again. */
    char *rest = malloc(700000);
    memset(rest, 'x', 700000);
    cl_send(a, rest, 700000 - 3);
    ck_assert_int_eq(cl_response(a, &r, false), 200);
    ck_assert(strncmp(r.body, "len=700000", 10) == 0);
    resp_free(&r);
    full_stats(s, &st);
    ck_assert_uint_eq(st.inflight_body, 0);
    ck_assert_uint_eq(st.budget_rejected, 2);
    /* Now B's body fits. */
    b = cl_open(s->port);
    cl_sends(b, "POST /sum HTTP/1.1\r\nHost: t\r\nContent-Length: 400000\r\n\r\n");
    cl_send(b, rest, 400000);
    ck_assert_int_eq(cl_response(b, &r, false), 200);
    resp_free(&r);
    cl_close(b);
    cl_close(a);
    free(rest);
    free(chunk);
    server_stop(s);
}
END_TEST

/* Out of descriptors: accepting pauses (a few log lines, not a flood) and
 * resumes once descriptors are free. */
START_TEST(accept_emfile)
{
    server_t *s = server_start(MAX_BODY, 0, 0);
    struct rlimit old, low;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
    int probe = dup(0);
    ck_assert_int_ge(probe, 0);
    close(probe);
    low = old;
    low.rlim_cur = (rlim_t)probe + 24;
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
    client_t *cs[64];
    int n = 0;
    while (n < 64) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        if (fd < 0)
            break;
        close(fd);
        cs[n++] = cl_open(s->port);
        sleep_ms(5);
    }
    ck_assert_int_lt(n, 64);
    int before = __atomic_load_n(&log_lines, __ATOMIC_SEQ_CST);
    sleep_ms(1500);
    int logged = __atomic_load_n(&log_lines, __ATOMIC_SEQ_CST) - before;
    ck_assert_msg(logged <= 2, "%d log lines in 1.5 s out of descriptors", logged);
    sl_httpd_stats_t st;
    sl_httpd_get_stats(s->httpd, &st);
    ck_assert_uint_gt(st.accept_pauses, 0);
    ck_assert_uint_lt(st.accept_pauses, 20);
    for (int i = 0; i < n; i++)
        cl_close(cs[i]);
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
    sleep_ms(400);
    client_t *c = cl_open(s->port);
    cl_sends(c, "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n");
    resp_t r;
    ck_assert_int_eq(cl_response(c, &r, false), 200);
    resp_free(&r);
    cl_close(c);
    server_stop(s);
}
END_TEST

START_TEST(slow_reader)
{
    client_t *c = cl_open_rcvbuf(S->port, 65536);
    resp_t r;
    /* Two big replies pipelined, the client reading only later: the
     * server must queue and flush with EV_WRITE, in order. */
    cl_sends(c, "GET /big?16 HTTP/1.1\r\nHost: t\r\n\r\nGET /big HTTP/1.1\r\nHost: t\r\n\r\n"
                "GET /echo?after HTTP/1.1\r\nHost: t\r\n\r\n");
    sleep_ms(200);
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(cl_response(c, &r, false), 200);
        ck_assert_uint_eq(r.body_len, (k ? 1u : 16u) << 20);
        for (size_t i = 0; i < r.body_len; i += 4099)
            ck_assert_int_eq(r.body[i], 'a' + (int)(i % 26));
        resp_free(&r);
    }
    expect_200(c, "method=GET path=/echo query=after len=0 x=- ka=1\n");
    cl_close(c);
    sl_httpd_stats_t st;
    server_stats(S, &st);
    ck_assert_uint_gt(st.write_waits, 0);

    /* A client that leaves in the middle of a big reply. */
    c = cl_open_rcvbuf(S->port, 65536);
    cl_sends(c, "GET /big?16 HTTP/1.1\r\nHost: t\r\n\r\n");
    sleep_ms(50);
    cl_close(c);
    wait_connections(1, &st);
    ck_assert_uint_eq(st.connections, 1);
}
END_TEST

START_TEST(many_connections)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    int n = rl.rlim_cur > 1200 ? 500 : (int)rl.rlim_cur / 2 - 50;
    client_t **cs = calloc((size_t)n, sizeof(*cs));
    for (int i = 0; i < n; i++) {
        cs[i] = cl_open(S->port);
        char req[100];
        snprintf(req, sizeof(req), "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\n%04d", i);
        cl_sends(cs[i], req);
    }
    for (int i = 0; i < n; i++) {
        resp_t r;
        char want[100];
        ck_assert_int_eq(cl_response(cs[i], &r, false), 200);
        snprintf(want, sizeof(want), "method=POST path=/echo query=- len=4 x=- ka=1\n%04d", i);
        ck_assert_str_eq(r.body, want);
        resp_free(&r);
    }
    sl_httpd_stats_t st;
    server_stats(S, &st);
    ck_assert_uint_eq(st.connections, (uint64_t)n + 1);
    for (int i = 0; i < n; i++)
        cl_close(cs[i]);
    free(cs);
}
END_TEST

/* ---- curl ---- */

static bool have_curl(void)
{
    if (access("/usr/bin/curl", X_OK) == 0)
        return true;
    printf("check_httpd: /usr/bin/curl not found, curl tests skipped\n");
    return false;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return strdup("");
    sl_buf_t b = SL_BUF_INIT;
    char tmp[4096];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        sl_buf_append(&b, tmp, n);
    fclose(f);
    char *s = strdup(sl_buf_cstr(&b));
    sl_buf_free(&b);
    return s;
}

/* Runs curl with args on url path; stdout and stderr into strings. */
static int run_curl(const char *args, const char *path, char **out, char **err)
{
    char dir[] = "/tmp/check_httpd_XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char cmd[2048], o[64], e[64];
    snprintf(o, sizeof(o), "%s/out", dir);
    snprintf(e, sizeof(e), "%s/err", dir);
    snprintf(cmd, sizeof(cmd), "/usr/bin/curl -sS -v %s -o %s 'http://127.0.0.1:%d%s' 2>%s",
             args, o, S->port, path, e);
    int rc = system(cmd);
    *out = slurp(o);
    *err = slurp(e);
    unlink(o);
    unlink(e);
    rmdir(dir);
    return rc;
}

START_TEST(with_curl)
{
    if (!have_curl())
        return;
    char path[] = "/tmp/check_httpd_body_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    size_t n = 2u << 20;
    char *data = malloc(n);
    unsigned seed = 7;
    for (size_t i = 0; i < n; i++)
        data[i] = (char)rand_r(&seed);
    ck_assert_int_eq(write(fd, data, n), (ssize_t)n);
    close(fd);
    char want[100], args[300], *out, *err;
    snprintf(want, sizeof(want), "len=%zu fnv=%08x nul=1", n, fnv1a(data, n));

    /* 2 MiB: curl sends Expect: 100-continue and must get the 100 (not
     * wait for its timeout). */
    snprintf(args, sizeof(args), "--data-binary @%s", path);
    double t0 = now_s();
    ck_assert_int_eq(run_curl(args, "/sum", &out, &err), 0);
    ck_assert_msg(strcmp(out, want) == 0, "curl body: %s\n%s", out, err);
    ck_assert_msg(strstr(err, "Expect: 100-continue") != NULL, "%s", err);
    ck_assert_msg(strstr(err, "HTTP/1.1 100 Continue") != NULL, "%s", err);
    printf("check_httpd: curl 2 MiB POST with 100-continue: %.3f s\n", now_s() - t0);
    free(out);
    free(err);

    /* Chunked. */
    snprintf(args, sizeof(args), "-H 'Transfer-Encoding: chunked' --data-binary @%s", path);
    ck_assert_int_eq(run_curl(args, "/sum", &out, &err), 0);
    ck_assert_msg(strcmp(out, want) == 0, "curl chunked body: %s\n%s", out, err);
    ck_assert(strstr(err, "Transfer-Encoding: chunked") != NULL);
    free(out);
    free(err);

    /* Two requests on one connection. */
    snprintf(args, sizeof(args), "'http://127.0.0.1:%d/echo?1' -o /dev/null", S->port);
    ck_assert_int_eq(run_curl(args, "/echo?2", &out, &err), 0);
    ck_assert_str_eq(out, "method=GET path=/echo query=2 len=0 x=- ka=1\n");
    ck_assert_msg(strstr(err, "Re-using existing connection") != NULL, "%s", err);
    free(out);
    free(err);

    /* HEAD. */
    ck_assert_int_eq(run_curl("-I", "/echo", &out, &err), 0);
    ck_assert_msg(strstr(out, "Content-Length: 46") != NULL, "%s", out);
    free(out);
    free(err);

    /* Over the limit: 413 before the body is sent. */
    size_t big = MAX_BODY + 1;
    data = realloc(data, big);
    memset(data, 'z', big);
    fd = open(path, O_WRONLY | O_TRUNC);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, data, big), (ssize_t)big);
    close(fd);
    snprintf(args, sizeof(args), "--data-binary @%s", path);
    ck_assert_int_eq(run_curl(args, "/sum", &out, &err), 0);
    ck_assert_msg(strstr(out, "too large") != NULL && strstr(err, "< HTTP/1.1 413") != NULL, "%s\n%s", out, err);
    free(out);
    free(err);

    unlink(path);
    free(data);
}
END_TEST

/* ---- micro benchmark (printed, never asserted) ---- */

/*
 * nconns keep-alive connections, each with one POST of body_len bytes in
 * flight (or depth pipelined), for about seconds; prints requests/s and the
 * server thread's CPU time per request.
 */
static void bench(int nconns, size_t body_len, int depth, double seconds)
{
    char head[200];
    int hl = snprintf(head, sizeof(head),
                      "POST /bench HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-ndjson\r\n"
                      "Content-Length: %zu\r\n\r\n", body_len);
    size_t one = (size_t)hl + body_len, reqlen = one * (size_t)depth;
    char *req = malloc(reqlen);
    for (int d = 0; d < depth; d++) {
        memcpy(req + one * (size_t)d, head, (size_t)hl);
        for (size_t i = 0; i < body_len; i++)
            req[one * (size_t)d + (size_t)hl + i] = i % 64 == 63 ? '\n' : 'x';
    }
    static const char resp[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                               "Content-Length: 17\r\n\r\n{\"accepted\": 10}\n";
    size_t resplen = sizeof(resp) - 1;

    int ep = epoll_create1(0);
    client_t **cs = calloc((size_t)nconns, sizeof(*cs));
    size_t *got = calloc((size_t)nconns, sizeof(*got));
    for (int i = 0; i < nconns; i++) {
        cs[i] = cl_open(S->port);
        struct epoll_event ev = {.events = EPOLLIN, .data.u32 = (uint32_t)i};
        epoll_ctl(ep, EPOLL_CTL_ADD, cs[i]->fd, &ev);
    }
    clockid_t cid;
    pthread_getcpuclockid(S->thread, &cid);
    struct timespec c0, c1;
    clock_gettime(cid, &c0);
    double t0 = now_s(), t;
    long done = 0;
    for (int i = 0; i < nconns; i++)
        cl_send(cs[i], req, reqlen);
    char scratch[65536];
    struct epoll_event evs[256];
    while ((t = now_s()) - t0 < seconds) {
        int k = epoll_wait(ep, evs, 256, 1000);
        for (int e = 0; e < k; e++) {
            int i = (int)evs[e].data.u32;
            ssize_t n = recv(cs[i]->fd, scratch, sizeof(scratch), MSG_DONTWAIT);
            if (n <= 0)
                continue;
            got[i] += (size_t)n;
            int answered = 0;
            while (got[i] >= resplen) {
                got[i] -= resplen;
                answered++;
            }
            done += answered;
            /* Keep depth requests in flight: send as many as were answered. */
            for (int a = 0; a < answered; a++)
                cl_send(cs[i], req, one);
        }
    }
    clock_gettime(cid, &c1);
    double cpu = (double)(c1.tv_sec - c0.tv_sec) + (c1.tv_nsec - c0.tv_nsec) / 1e9;
    printf("check_httpd bench: %4d conns, %6zu-byte POSTs, depth %d: %8.0f requests/s, "
           "server thread %5.2f us CPU/request (= %.0f requests/s per core)\n",
           nconns, body_len, depth, done / (t - t0), done ? cpu * 1e6 / done : 0.0,
           cpu > 0 ? done / cpu : 0.0);
    for (int i = 0; i < nconns; i++)
        cl_close(cs[i]);
    close(ep);
    free(cs);
    free(got);
    free(req);
}

START_TEST(micro_benchmark)
{
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    getrlimit(RLIMIT_NOFILE, &rl);
    int many = rl.rlim_cur >= 4200 ? 2000 : (int)rl.rlim_cur / 2 - 100;
    double secs = getenv("CHECK_HTTPD_BENCH_SECONDS") ? atof(getenv("CHECK_HTTPD_BENCH_SECONDS")) : 1.0;
    bench(50, 1024, 1, secs);
    bench(many, 1024, 1, secs);
    bench(50, 1024, 8, secs);
    bench(20, 65536, 1, secs);
}
END_TEST

/* A server TLS context with a fresh self-signed P-256 certificate. */
static SSL_CTX *tls_server_ctx(void)
{
    EVP_PKEY *key = EVP_EC_gen("P-256");
    ck_assert_ptr_nonnull(key);
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"127.0.0.1", -1,
                               -1, 0);
    X509_set_issuer_name(x, name);
    ck_assert_int_gt(X509_sign(x, key, EVP_sha256()), 0);
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
    ck_assert_int_eq(SSL_CTX_use_certificate(ctx, x), 1);
    ck_assert_int_eq(SSL_CTX_use_PrivateKey(ctx, key), 1);
    X509_free(x);
    EVP_PKEY_free(key);
    return ctx;
}

/* Everything an SSL client reads until the server closes. */
static size_t tls_read_all(SSL *ssl, char **out)
{
    size_t len = 0, cap = 1 << 20;
    char *b = malloc(cap + 1);
    for (;;) {
        if (cap - len < 65536)
            b = realloc(b, (cap *= 2) + 1);
        int n = SSL_read(ssl, b + len, (int)(cap - len));
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    b[len] = '\0';
    *out = b;
    return len;
}

/*
 * HTTPS: a 3 MB body (hundreds of TLS records) to /sum, a pipelined 4 MiB
 * reply (partial SSL_writes, EV_WRITE) and a last request that closes, all
 * over one TLS connection; close_notify at the end.  A plain request to
 * the TLS server is closed unanswered, and the server serves on.
 */
START_TEST(tls_requests)
{
    server_tls = tls_server_ctx();
    server_t *s = server_start(MAX_BODY, 0, 0);
    SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, NULL);

    for (int round = 0; round < 2; round++) {
        client_t *c = cl_open(s->port);
        SSL *ssl = SSL_new(cctx);
        SSL_set_fd(ssl, c->fd);
        ck_assert_int_eq(SSL_connect(ssl), 1);
        size_t n = 3u << 20;
        char *data = malloc(n), head[200], want[100];
        for (size_t i = 0; i < n; i++)
            data[i] = (char)(i * 7 + 3);
        int hl = snprintf(head, sizeof(head),
                          "POST /sum HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n\r\n", n);
        ck_assert_int_eq(SSL_write(ssl, head, hl), hl);
        for (size_t off = 0; off < n;) {
            int w = SSL_write(ssl, data + off, (int)(n - off < 100000 ? n - off : 100000));
            ck_assert_int_gt(w, 0);
            off += (size_t)w;
        }
        const char *rest = "GET /big?4 HTTP/1.1\r\nHost: t\r\n\r\n"
                           "GET /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
        ck_assert_int_eq(SSL_write(ssl, rest, (int)strlen(rest)), (int)strlen(rest));
        char *got;
        size_t len = tls_read_all(ssl, &got);
        snprintf(want, sizeof(want), "len=%zu fnv=%08x nul=1", n, fnv1a(data, n));
        ck_assert_msg(strstr(got, want) != NULL, "no %s in %.300s", want, got);
        ck_assert_msg(len > (4u << 20), "%zu bytes", len);
        const char *tail = "method=GET path=/echo query=- len=0 x=- ka=0\n";
        ck_assert_msg(len > strlen(tail) && strcmp(got + len - strlen(tail), tail) == 0,
                      "ends %.100s", got + len - 100);
        ck_assert_int_eq(SSL_get_shutdown(ssl) & SSL_RECEIVED_SHUTDOWN, SSL_RECEIVED_SHUTDOWN);
        free(got);
        free(data);
        SSL_free(ssl);
        cl_close(c);

        /* plain HTTP: no answer, closed */
        c = cl_open(s->port);
        cl_sends(c, "GET /echo HTTP/1.1\r\nHost: t\r\n\r\n");
        ssize_t r;
        while ((r = cl_fill(c)) > 0)
            ;
        ck_assert_msg(r == 0 || errno == ECONNRESET, "recv: %s", strerror(errno));
        c->buf[c->len] = '\0';
        ck_assert_ptr_null(strstr(c->buf, "HTTP/"));
        cl_close(c);
    }
    SSL_CTX_free(cctx);
    server_stop(s);
    SSL_CTX_free(server_tls);
    server_tls = NULL;
}
END_TEST

/* sl_httpd_new without a listener, a connection given by sl_httpd_adopt
 * (a socketpair, the loop run on this thread): served like an accepted one. */
START_TEST(adopt_socketpair)
{
    struct event_base *base = event_base_new();
    server_t srv = {.base = base};
    sl_httpd_t *h = sl_httpd_new(base, NULL, MAX_BODY, handler, &srv);
    srv.httpd = h;
    int sv[2];
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
    sl_httpd_adopt(h, sv[1]);
    const char *req = "POST /x?y HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabc"
                      "GET /z HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n";
    ck_assert_int_eq(send(sv[0], req, strlen(req), 0), (ssize_t)strlen(req));
    char buf[4096];
    size_t got = 0;
    for (int i = 0; i < 1000; i++) {
        event_base_loop(base, EVLOOP_NONBLOCK);
        ssize_t n = recv(sv[0], buf + got, sizeof(buf) - 1 - got, 0);
        if (n == 0)
            break;   /* write side shut after the second reply */
        if (n > 0)
            got += (size_t)n;
        else
            sleep_ms(1);
    }
    buf[got] = '\0';
    ck_assert_msg(strstr(buf, "method=POST path=/x query=y len=3") != NULL, "%s", buf);
    ck_assert_msg(strstr(buf, "\r\n\r\nmethod=GET path=/z query=- len=0") != NULL, "%s", buf);
    /* After the final reply httpd lingers until the client's FIN. */
    sl_httpd_stats_t st;
    sl_httpd_get_stats(h, &st);
    ck_assert_int_eq((int)st.connections, 1);
    shutdown(sv[0], SHUT_WR);
    for (int i = 0; i < 1000 && st.connections > 0; i++) {
        event_base_loop(base, EVLOOP_NONBLOCK);
        sl_httpd_get_stats(h, &st);
    }
    ck_assert_int_eq((int)st.accepted, 1);
    ck_assert_int_eq((int)st.requests, 2);
    ck_assert_int_eq((int)st.connections, 0);
    close(sv[0]);
    sl_httpd_free(h);
    event_base_free(base);
}
END_TEST

static Suite *httpd_suite(void)
{
    Suite *s = suite_create("httpd");
    TCase *tc = tcase_create("server");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, get_and_post);
    tcase_add_test(tc, request_deadline);
    tcase_add_test(tc, body_budget);
    tcase_add_test(tc, accept_emfile);
    tcase_add_test(tc, keep_alive);
    tcase_add_test(tc, pipelined_in_order);
    tcase_add_test(tc, pipelined_readahead);
    tcase_add_test(tc, request_then_fin);
    tcase_add_test(tc, stop_accepting);
    tcase_add_test(tc, deferred_reply);
    tcase_add_test(tc, chunked_bodies);
    tcase_add_test(tc, big_bodies);
    tcase_add_test(tc, random_splits);
    tcase_add_test(tc, expect_continue);
    tcase_add_test(tc, too_large);
    tcase_add_test(tc, bad_requests);
    tcase_add_test(tc, unknown_method);
    tcase_add_test(tc, http10_and_close);
    tcase_add_test(tc, head_method);
    tcase_add_test(tc, close_cb_on_disconnect);
    tcase_add_test(tc, path_and_query);
    tcase_add_test(tc, timeouts);
    tcase_add_test(tc, slow_reader);
    tcase_add_test(tc, many_connections);
    tcase_add_test(tc, with_curl);
    tcase_add_test(tc, tls_requests);
    tcase_add_test(tc, micro_benchmark);
    suite_add_tcase(s, tc);
    TCase *own = tcase_create("adopt");
    tcase_add_test(own, adopt_socketpair);
    suite_add_tcase(s, own);
    return s;
}

int main(void)
{
    /* The test thread stops each server's loop (event_base_loopbreak). */
    evthread_use_pthreads();
    signal(SIGPIPE, SIG_IGN);   /* OpenSSL writes with write(): as sluiced does (server.c) */
    SRunner *sr = srunner_create(httpd_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
