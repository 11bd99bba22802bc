/*
 * httpd.c: a small HTTP/1.1 server core on plain libevent events; see httpd.h.
 *
 * A connection is a socket, one persistent EV_READ event (always added, so
 * the hot path makes no epoll_ctl calls) and an EV_WRITE event added only
 * while a reply waits for the socket.  Both are edge-triggered (EV_ET; on
 * one fd they must agree): epoll then reports a socket once per arrival
 * instead of polling it again on the next wait, so reads go on until a recv
 * comes back short (until EOF once epoll has reported the client's FIN,
 * EV_CLOSED, which may have come with the data), and re-arming a read that
 * was off runs it once.  Input is recv()'d into a
 * per-connection buffer that grows to fit the request and is reused for the
 * next one:
 *
 *   in: [ done | request: head, body | read-ahead | free ]
 *       0      pos                          len       cap
 *
 * The head is parsed in place once its blank line has arrived: NULs are
 * written over delimiters, the path is percent-decoded where it lies and
 * fields are kept as offsets from pos.  A Content-Length body is recv()'d
 * straight after the head (the buffer is sized for it once); a chunked body
 * is decoded in place (chunk data moved down over the framing, or received
 * where it belongs when nothing undecoded is pending).  The byte after the
 * body becomes its NUL (a byte of the next request found there is saved and
 * put back after the reply).  The handler gets pointers into the buffer,
 * which never moves while a reply is pending.
 *
 * Requests are served one at a time per connection, in order: the next one
 * is parsed once the previous reply has left.  A reply is built on the stack
 * and sent with one sendmsg(); only what the socket did not take is copied to
 * the output buffer, and EV_WRITE is added until that is flushed.
 *
 * TLS (sl_httpd_set_tls): every connection speaks TLS from its first byte.
 * The connection gets an SSL object on its socket and the same loop runs
 * over it: tls_read/tls_write stand in for recv/send (one branch on c->ssl
 * per call, the plain path is unchanged), the handshake is driven by the
 * first SSL_read (accept state), a read goes on until SSL_read wants more
 * from the socket (a record's plaintext is smaller than the room given, so a
 * short read says nothing), WANT_WRITE during a read waits for EV_WRITE and
 * WANT_READ during a write for EV_READ.  A handshake counts as the start of
 * a request (request timeout and deadline, then closed).  close_notify is
 * sent before the write side is shut or the socket closed; a peer's EOF
 * without close_notify counts as its FIN (half-close).
 *
 * Lifetime: a connection is never freed inside one of its own callbacks:
 * `busy` counts httpd frames running for it and the last one out frees a
 * closed connection (conn_release).  A connection closed while its reply is
 * pending runs the request's close callback, or, without one, stays
 * allocated (socket closed) until the handler's late reply frees it.  A FIN
 * while a reply is pending only stops reading: the reply is still sent (the
 * client may have half-closed), then the connection is closed.
 */
#include "net/httpd.h"
#include "net/listen.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/error.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

enum {
    HEAD_MAX = 64 * 1024,        /* request line and header fields */
    FIELDS_MAX = 1024,           /* header field lines per request */
    CHUNK_LINE_MAX = 4096,       /* a chunk-size line with its extensions */
    IN_INITIAL = 4096,           /* input buffer of a new connection */
    IN_KEEP = 256 * 1024,        /* larger input buffers are given back between requests */
    IN_MIN_ROOM = 1024,          /* free bytes past a request: read-ahead, EOF detection */
    READAHEAD_MAX = 64 * 1024,   /* pipelined bytes buffered while a reply is pending */
    OUT_KEEP = 64 * 1024,        /* larger output buffers are given back once flushed */
    LINGER_MS = 5000,            /* after a final reply: wait this long for each read */
    LINGER_TOTAL_MS = 30000,     /* ... and this long in all */
};

/* Which timeout the read event is armed with: a common timeout of the base,
 * or (TMO_DEADLINE) what is left of the request's deadline. */
enum { TMO_IDLE, TMO_REQUEST, TMO_LINGER, TMO_COUNT, TMO_DEADLINE = TMO_COUNT };

typedef enum {
    ST_HEAD,      /* reading a request head (idle while nothing is buffered) */
    ST_BODY,      /* reading a Content-Length body */
    ST_CHUNKED,   /* decoding a chunked body */
    ST_HANDLER,   /* with the handler: reply pending */
    ST_SENDING,   /* reply given, part of it still in the output buffer */
    ST_LINGER,    /* final reply sent, write side shut: discarding input until EOF */
    ST_DEAD,      /* closed */
} conn_state_t;

typedef enum { CK_SIZE, CK_DATA, CK_DATA_END, CK_TRAILER } chunk_state_t;

/* A header field: offsets from the request's first byte (in + pos). */
typedef struct field {
    uint32_t name, name_len, value, value_len;
} field_t;

typedef struct conn conn_t;

struct sl_httpd_req {
    conn_t *conn;
    const char *method, *path, *query, *body;   /* into conn->in while pending */
    size_t body_len;
    sl_httpd_close_cb close_cb;
    void *close_arg;
};

struct conn {
    sl_httpd_t *h;              /* NULL once closed */
    conn_t *prev, *next;        /* h->conns */
    evutil_socket_t fd;
    struct event *rev, *wev;
    conn_state_t state;
    int busy;                   /* httpd frames running for this connection */
    bool closed;                /* socket closed; freed by the last frame out */
    bool orphan;                /* closed with a reply owed and no close_cb */
    bool eof;                   /* the client shut its write side */
    bool close_after;           /* close once this reply is written */
    bool rev_on, wev_on;
    bool rdhup;             /* epoll saw the client's FIN (EV_CLOSED) */
    int rev_tmo;
    int64_t head_start_ms;      /* when the request's first byte arrived; 0 = none */
    size_t charge;              /* bytes of h->inflight this request holds */
    int64_t linger_end_ms;

    /* input */
    char *in;
    size_t pos, len, cap;
    size_t scan;                /* where the search for the head's end resumes (from pos) */

    /* the request (offsets from pos) */
    size_t hend;                /* head length = offset of the body */
    size_t target;              /* the path, percent-decoded in place */
    ssize_t query;              /* offset of the raw query, -1 = none */
    bool path_is_slash;         /* absolute-form target without a path */
    int minor;                  /* HTTP/1.<minor> */
    bool keep_alive, is_head, expect_continue, chunked;
    uint64_t clen;
    field_t *fields;
    int nfields, fields_cap;
    /* chunked decoding */
    chunk_state_t ck;
    uint64_t ck_left;
    size_t body_len;            /* decoded so far, at hend */
    size_t rpos;                /* first undecoded byte (from pos) */
    size_t trailer_len;
    /* after dispatch */
    size_t next_req;            /* where the next request starts */
    size_t nul_at;              /* the body's NUL */
    char saved;                 /* the byte the NUL replaced */
    bool has_saved;

    sl_httpd_req_t req;

    /* TLS (NULL = plain) */
    SSL *ssl;
    bool handshaking;           /* TLS handshake not finished */
    bool ssl_broken;            /* a fatal TLS error: no close_notify */
    bool read_wants_write;      /* SSL_read needs EV_WRITE to go on */
    bool write_wants_read;      /* SSL_write needs EV_READ to go on */

    /* output the socket has not taken yet: out[out_off, out_len) */
    char *out;
    size_t out_off, out_len, out_cap;
};

struct sl_httpd {
    struct event_base *base;
    struct evconnlistener *listener;
    sl_accept_pause_t accept_pause;
    size_t max_body;
    size_t max_inflight;        /* body bytes in flight on all connections; 0 = no cap */
    size_t inflight;
    sl_httpd_handler handler;
    void *arg;
    conn_t *conns;
    const struct timeval *tmo[TMO_COUNT];   /* common timeouts of base */
    int request_ms;
    int deadline_ms;            /* a whole request (head + body); 0 = none */
    SSL_CTX *ssl_ctx;           /* TLS on every connection; NULL = plain HTTP */
    char too_large[80];   /* the 413 message */
    sl_httpd_stats_t stats;
};

static void process(conn_t *c);
static void arm_read(conn_t *c);
static void after_flush(conn_t *c);
static void conn_close(conn_t *c);
static bool flush_out(conn_t *c);

/* ---- TLS ---- */

/* Makes sure EV_WRITE is waited for (idle timeout). */
static void want_write(conn_t *c)
{
    if (!c->wev_on) {
        event_add(c->wev, c->h->tmo[TMO_IDLE]);
        c->wev_on = true;
        c->h->stats.write_waits++;
    }
}

/* What an SSL_read/SSL_write that returned r <= 0 means, as recv/send would
 * say it: 0 for EOF (reads), else -1 with errno EAGAIN (try again on the
 * event named by *_wants_*) or EPIPE (the connection is broken).  The
 * thread's OpenSSL error queue is left empty. */
static ssize_t tls_result(conn_t *c, int r, bool reading)
{
    int e = SSL_get_error(c->ssl, r);
    ERR_clear_error();
    switch (e) {
    case SSL_ERROR_WANT_READ:
        if (!reading)
            c->write_wants_read = true;
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_WANT_WRITE:
        if (reading) {
            c->read_wants_write = true;
            want_write(c);
        }
        errno = EAGAIN;
        return -1;
    case SSL_ERROR_ZERO_RETURN:
        if (reading)
            return 0;   /* close_notify: the client's FIN */
        break;
    default:
        break;
    }
    c->ssl_broken = true;
    errno = EPIPE;
    return -1;
}

/* recv() over TLS: plaintext bytes, 0 at EOF, -1 with errno. */
static ssize_t tls_read(conn_t *c, char *buf, size_t n)
{
    int r = SSL_read(c->ssl, buf, n > INT_MAX ? INT_MAX : (int)n);
    if (c->handshaking && SSL_is_init_finished(c->ssl)) {
        c->handshaking = false;
        c->head_start_ms = 0;   /* the request proper starts with its first byte */
    }
    if (r > 0)
        return r;
    return tls_result(c, r, true);
}

/* send() over TLS: bytes taken (partial writes on), or -1 with errno. */
static ssize_t tls_write(conn_t *c, const char *buf, size_t n)
{
    int r = SSL_write(c->ssl, buf, n > INT_MAX ? INT_MAX : (int)n);
    if (r > 0)
        return r;
    return tls_result(c, r, false);
}

/* Sends close_notify once, best effort (the socket is non-blocking). */
static void tls_shutdown(conn_t *c)
{
    if (c->ssl && !c->ssl_broken && !c->handshaking &&
        !(SSL_get_shutdown(c->ssl) & SSL_SENT_SHUTDOWN)) {
        (void)SSL_shutdown(c->ssl);
        ERR_clear_error();
    }
}

/* ---- small helpers ---- */

/* tchar of RFC 9110 (method and field names). */
static const unsigned char tchar[256] = {
    ['!'] = 1, ['#'] = 1, ['$'] = 1, ['%'] = 1, ['&'] = 1, ['\''] = 1, ['*'] = 1, ['+'] = 1,
    ['-'] = 1, ['.'] = 1, ['^'] = 1, ['_'] = 1, ['`'] = 1, ['|'] = 1, ['~'] = 1,
    ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
    ['8'] = 1, ['9'] = 1,
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1,
    ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1, ['h'] = 1,
    ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1, ['p'] = 1,
    ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1, ['x'] = 1,
    ['y'] = 1, ['z'] = 1,
};

static int64_t now_ms(sl_httpd_t *h)
{
    struct timeval tv;
    event_base_gettimeofday_cached(h->base, &tv);
    return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

static bool is_ows(char ch)
{
    return ch == ' ' || ch == '\t';
}

/* Writes v in decimal at p; returns the end. */
static char *put_uint(char *p, uint64_t v)
{
    char tmp[20];
    int n = 0;
    do
        tmp[n++] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    while (n > 0)
        *p++ = tmp[--n];
    return p;
}

static char *put_str(char *p, const char *s, size_t n)
{
    memcpy(p, s, n);
    return p + n;
}

#define PUT_LIT(p, lit) put_str((p), (lit), sizeof(lit) - 1)

/* The next element of a comma-separated list in [*pp, end), without
 * surrounding whitespace; its length, 0 at the end of the list. */
static size_t list_next(const char **pp, const char *end, const char **elem)
{
    const char *p = *pp;
    while (p < end && (is_ows(*p) || *p == ','))
        p++;
    const char *s = p;
    while (p < end && *p != ',')
        p++;
    const char *e = p;
    while (e > s && is_ows(e[-1]))
        e--;
    *pp = p;
    *elem = s;
    return (size_t)(e - s);
}

static bool token_is(const char *s, size_t n, const char *lit)
{
    return strlen(lit) == n && strncasecmp(s, lit, n) == 0;
}

static const char *reason_for(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
    }
}

/* ---- the body budget ---- */

/* Counts n more body bytes for c's request in h->inflight; false (nothing
 * counted) when that would pass max_inflight. */
static bool charge(conn_t *c, size_t n)
{
    sl_httpd_t *h = c->h;
    if (h->max_inflight > 0 && (n > h->max_inflight || h->inflight > h->max_inflight - n)) {
        h->stats.budget_rejected++;
        return false;
    }
    h->inflight += n;
    c->charge += n;
    if (h->inflight > h->stats.inflight_peak)
        h->stats.inflight_peak = h->inflight;
    return true;
}

/* Gives back what c's request held (its reply is written or c closes). */
static void uncharge(conn_t *c)
{
    if (c->h != NULL)
        c->h->inflight -= c->charge;
    c->charge = 0;
}

/* ---- connection life ---- */

/* Closes c's socket and events (idempotent); c itself is freed by
 * conn_release once no frame runs for it.  A pending request's close
 * callback runs here; without one the request becomes an orphan that its
 * late reply frees. */
static void conn_close(conn_t *c)
{
    if (c->closed)
        return;
    sl_httpd_t *h = c->h;
    uncharge(c);
    c->closed = true;
    event_del(c->rev);   /* also when only made active (event_active) */
    event_del(c->wev);
    c->rev_on = c->wev_on = false;
    if (c->ssl) {
        tls_shutdown(c);
        SSL_free(c->ssl);
        c->ssl = NULL;
    }
    evutil_closesocket(c->fd);
    c->fd = -1;
    if (c->prev)
        c->prev->next = c->next;
    else
        h->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
    h->stats.connections--;
    c->h = NULL;
    if (c->state == ST_HANDLER) {
        h->stats.aborted++;
        if (c->req.close_cb != NULL) {
            c->state = ST_DEAD;
            c->busy++;
            c->req.close_cb(&c->req, c->req.close_arg);
            c->busy--;
        } else {
            c->orphan = true;   /* stays ST_HANDLER for the late reply */
        }
    } else {
        c->state = ST_DEAD;
    }
}

/* Frees c if it is closed and nothing holds it; c may be dead after. */
static void conn_release(conn_t *c)
{
    if (!c->closed || c->busy > 0 || c->orphan)
        return;
    event_free(c->rev);
    event_free(c->wev);
    free(c->in);
    free(c->out);
    free(c->fields);
    free(c);
}

/* ---- output ---- */

static void out_append(conn_t *c, const char *p, size_t n)
{
    if (c->out_len + n > c->out_cap) {
        size_t cap = c->out_cap ? c->out_cap : 4096;
        while (cap < c->out_len + n)
            cap *= 2;
        c->out = sl_xrealloc(c->out, cap);
        c->out_cap = cap;
    }
    memcpy(c->out + c->out_len, p, n);
    c->out_len += n;
}

/* Sends iov[0..n) after any output still queued; what the socket does not
 * take is queued with EV_WRITE.  Closes c on a socket error. */
static void conn_send(conn_t *c, struct iovec *iov, int n)
{
    if (c->ssl) {
        /* one copy, so that the head and a small body share a record */
        bool idle = c->out_len == 0;
        for (int i = 0; i < n; i++)
            out_append(c, iov[i].iov_base, iov[i].iov_len);
        if (idle && !flush_out(c) && !c->closed)
            want_write(c);
        return;
    }
    if (c->out_len == 0) {
        struct msghdr m;
        memset(&m, 0, sizeof(m));
        m.msg_iov = iov;
        m.msg_iovlen = (size_t)n;
        ssize_t w;
        do
            w = sendmsg(c->fd, &m, MSG_NOSIGNAL);
        while (w < 0 && errno == EINTR);
        if (w < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK) {
                conn_close(c);
                return;
            }
            w = 0;
        }
        size_t sent = (size_t)w;
        for (int i = 0; i < n; i++) {
            if (sent >= iov[i].iov_len) {
                sent -= iov[i].iov_len;
                continue;
            }
            out_append(c, (const char *)iov[i].iov_base + sent, iov[i].iov_len - sent);
            sent = 0;
        }
        if (c->out_len == 0)
            return;
    } else {
        for (int i = 0; i < n; i++)
            out_append(c, iov[i].iov_base, iov[i].iov_len);
    }
    want_write(c);
}

/* Writes queued output; true once all of it has left.  Closes c on error. */
static bool flush_out(conn_t *c)
{
    while (c->out_off < c->out_len) {
        ssize_t w = c->ssl ? tls_write(c, c->out + c->out_off, c->out_len - c->out_off)
                           : send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
                                  MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK)
                conn_close(c);
            return false;
        }
        c->out_off += (size_t)w;
    }
    c->out_off = c->out_len = 0;
    if (c->out_cap > OUT_KEEP) {
        free(c->out);
        c->out = NULL;
        c->out_cap = 0;
    }
    if (c->wev_on && !c->read_wants_write) {
        event_del(c->wev);
        c->wev_on = false;
    }
    return true;
}

/*
 * Formats and sends a response: status line, Content-Type, Content-Length,
 * Connection, extra lines, blank line, then the body unless the request was
 * HEAD or the status never has one.
 */
static void send_response(conn_t *c, int status, const char *reason, const char *ctype,
                          const char *extra, const char *body, size_t len)
{
    assert(status >= 200 && status <= 999);
    if (reason == NULL)
        reason = reason_for(status);
    size_t rlen = strlen(reason), clen = ctype ? strlen(ctype) : 0;
    size_t elen = extra ? strlen(extra) : 0;
    size_t need = 160 + rlen + clen + elen;
    char stack[512];
    char *head = need <= sizeof(stack) ? stack : sl_xmalloc(need);
    bool bodiless = status == 204 || status == 304;

    char *p = PUT_LIT(head, "HTTP/1.1 ");
    p[0] = (char)('0' + status / 100);
    p[1] = (char)('0' + status / 10 % 10);
    p[2] = (char)('0' + status % 10);
    p[3] = ' ';
    p = put_str(p + 4, reason, rlen);
    p = PUT_LIT(p, "\r\n");
    if (ctype != NULL) {
        p = PUT_LIT(p, "Content-Type: ");
        p = put_str(p, ctype, clen);
        p = PUT_LIT(p, "\r\n");
    }
    if (!bodiless) {
        p = PUT_LIT(p, "Content-Length: ");
        p = put_uint(p, len);
        p = PUT_LIT(p, "\r\n");
    }
    if (c->close_after)
        p = PUT_LIT(p, "Connection: close\r\n");
    else if (c->minor == 0)
        p = PUT_LIT(p, "Connection: keep-alive\r\n");
    if (elen)
        p = put_str(p, extra, elen);
    p = PUT_LIT(p, "\r\n");

    struct iovec iov[2];
    int n = 1;
    iov[0].iov_base = head;
    iov[0].iov_len = (size_t)(p - head);
    if (len > 0 && !bodiless && !c->is_head) {
        iov[1].iov_base = (void *)body;
        iov[1].iov_len = len;
        n = 2;
    }
    conn_send(c, iov, n);
    if (head != stack)
        free(head);
}

/* ---- input ---- */

/* Moves the unparsed bytes to the front of the buffer. */
static void compact(conn_t *c)
{
    if (c->pos == 0)
        return;
    memmove(c->in, c->in + c->pos, c->len - c->pos);
    c->len -= c->pos;
    c->pos = 0;
}

/* Grows the input buffer to cap bytes; false when memory is short (sizes
 * chosen by clients must fail cleanly). */
static bool try_grow(conn_t *c, size_t cap)
{
    if (cap <= c->cap)
        return true;
    char *p = realloc(c->in, cap);
    if (p == NULL)
        return false;
    c->in = p;
    c->cap = cap;
    return true;
}

/* Moves undecoded chunked input down to the end of the decoded body. */
static void chunk_collapse(conn_t *c)
{
    size_t dst = c->hend + c->body_len, src = c->rpos;
    if (src > dst) {
        memmove(c->in + c->pos + dst, c->in + c->pos + src, c->len - c->pos - src);
        c->len -= src - dst;
        c->rpos = dst;
    }
}

/* Whether c may read more now: while a reply is pending, read-ahead is
 * bounded (and the buffer never moves). */
static bool may_read(const conn_t *c)
{
    if (c->eof)
        return false;
    switch (c->state) {
    case ST_HANDLER:
        return c->len < c->cap && c->len - (c->pos + c->next_req) < READAHEAD_MAX;
    case ST_SENDING:
        return c->len < c->cap && c->len - c->pos < READAHEAD_MAX;
    case ST_DEAD:
        return false;
    default:
        return true;
    }
}

/* Makes room for a recv(): the number of bytes it may take; 0 = do not read
 * now; -1 = memory is short for the request; -2 = the body budget is. */
static ssize_t make_room(conn_t *c)
{
    switch (c->state) {
    case ST_HEAD:
        if (c->cap - c->len < IN_MIN_ROOM) {
            compact(c);
            if (c->cap - c->len < IN_MIN_ROOM) {
                /* The head is at most HEAD_MAX (431 beyond), so this stays small. */
                c->in = sl_xrealloc(c->in, c->cap * 2);
                c->cap *= 2;
            }
        }
        break;
    case ST_BODY:
        break;   /* sized for the whole body when the head was parsed */
    case ST_CHUNKED:
        if (c->cap - c->len < IN_MIN_ROOM) {
            chunk_collapse(c);
            if (c->cap - c->len < IN_MIN_ROOM) {
                size_t limit = c->pos + c->hend + c->h->max_body + CHUNK_LINE_MAX + HEAD_MAX +
                               2 * IN_MIN_ROOM;
                size_t want = c->cap * 2 < limit ? c->cap * 2 : limit;
                if (want <= c->cap)
                    return -1;
                if (!charge(c, want - c->cap))
                    return -2;
                if (!try_grow(c, want))
                    return -1;
            }
        }
        break;
    case ST_HANDLER:
    case ST_SENDING:
        if (!may_read(c))
            return 0;
        break;
    default:
        return 0;
    }
    return (ssize_t)(c->cap - c->len);
}

/* Arms the read event for c's state: the timeout that applies, or no
 * reading at all (EOF seen, read-ahead full).  libevent only moves the
 * timer when the event is already added: no system call. */
static void arm_read(conn_t *c)
{
    if (c->closed)
        return;
    int want;
    switch (c->state) {
    case ST_HEAD:
        want = c->pos == c->len && !c->handshaking ? TMO_IDLE : TMO_REQUEST;
        break;
    case ST_BODY:
    case ST_CHUNKED:
        want = TMO_REQUEST;
        break;
    case ST_LINGER:
        want = TMO_LINGER;
        break;
    default:
        want = TMO_IDLE;   /* reply pending: the timeout is ignored */
        break;
    }
    if (c->state != ST_LINGER && !may_read(c))
        want = -1;
    int64_t left = 0;
    if (want == TMO_REQUEST && c->h->deadline_ms > 0 && c->head_start_ms > 0) {
        left = c->head_start_ms + c->h->deadline_ms - now_ms(c->h);
        if (left < c->h->request_ms)
            want = TMO_DEADLINE;
    }
    if (want == TMO_DEADLINE) {
        /* The deadline comes before a stall would: a timer of its own. */
        struct timeval tv = {left > 0 ? left / 1000 : 0, left > 0 ? left % 1000 * 1000 : 0};
        bool was_on = c->rev_on;
        event_add(c->rev, &tv);
        c->rev_on = true;
        c->rev_tmo = want;
        if (!was_on)
            event_active(c->rev, EV_READ, 1);
    } else if (want < 0) {
        if (c->rev_on) {
            event_del(c->rev);
            c->rev_on = false;
        }
    } else if (!c->rev_on || c->rev_tmo != want) {
        bool was_on = c->rev_on;
        event_add(c->rev, c->h->tmo[want]);
        c->rev_on = true;
        c->rev_tmo = want;
        /* Edge-triggered: bytes that came while reading was off raise no
         * new edge, so look once. */
        if (!was_on)
            event_active(c->rev, EV_READ, 1);
    }
}

/* ---- replies of httpd's own ---- */

/* Shuts the write side after the final reply and discards input until the
 * client closes, so that it reads the reply rather than a reset. */
static void start_linger(conn_t *c)
{
    if (c->eof) {
        conn_close(c);
        return;
    }
    tls_shutdown(c);
    shutdown(c->fd, SHUT_WR);
    c->state = ST_LINGER;
    c->pos = c->len = 0;
    c->linger_end_ms = now_ms(c->h) + LINGER_TOTAL_MS;
    arm_read(c);
}

/* Answers the request being read with status and closes the connection
 * (a body not read yet is discarded while lingering).  A 503 says when to
 * come back (Retry-After). */
static void reject(conn_t *c, int status, const char *msg)
{
    char body[300];
    int n = snprintf(body, sizeof(body), "{\"error\": \"%s\"}\n", msg);
    c->h->stats.rejected++;
    if (status == 408)
        c->h->stats.timed_out++;
    uncharge(c);
    c->close_after = true;
    c->is_head = false;
    c->state = ST_SENDING;
    send_response(c, status, NULL, "application/json",
                  status == 503 ? "Retry-After: 1\r\n" : NULL, body, (size_t)n);
    if (!c->closed && c->out_len == 0)
        after_flush(c);
}

/* ---- request head ---- */

/* Percent-decodes s[0..n) in place; the new length, or -1 for a bad escape
 * or an encoded NUL. */
static ssize_t pct_decode(char *s, size_t n)
{
    char *pct = memchr(s, '%', n);
    if (pct == NULL)
        return (ssize_t)n;
    size_t i = (size_t)(pct - s), o = i;
    while (i < n) {
        char ch = s[i];
        if (ch == '%') {
            int hi, lo;
            if (n - i < 3 || (hi = sl_hexval(s[i + 1])) < 0 || (lo = sl_hexval(s[i + 2])) < 0)
                return -1;
            ch = (char)(hi * 16 + lo);
            if (ch == '\0')
                return -1;
            i += 3;
        } else {
            i++;
        }
        s[o++] = ch;
    }
    return (ssize_t)o;
}

/* Parses Content-Length (a list of equal values is allowed, RFC 9112 6.3);
 * SL_OK, or 400.  Values too large to matter become UINT64_MAX (then 413). */
static int parse_clen(conn_t *c, const char *v, size_t n, const char **msg)
{
    const char *p = v, *end = v + n, *e;
    size_t en;
    bool any = false;
    while ((en = list_next(&p, end, &e)) > 0) {
        uint64_t x = 0;
        for (size_t i = 0; i < en; i++) {
            if (e[i] < '0' || e[i] > '9') {
                *msg = "invalid Content-Length";
                return 400;
            }
            x = x > UINT64_MAX / 20 ? UINT64_MAX : x * 10 + (uint64_t)(e[i] - '0');
        }
        if (any && x != c->clen) {
            *msg = "conflicting Content-Length values";
            return 400;
        }
        c->clen = x;
        any = true;
    }
    if (!any) {
        *msg = "invalid Content-Length";
        return 400;
    }
    return SL_OK;
}

/*
 * Parses the request head at in + pos once its blank line has arrived.
 * Returns SL_OK (c describes the request), SL_AGAIN (incomplete), or an
 * HTTP status to reject with (*msg says why).
 */
static int parse_head(conn_t *c, const char **msg)
{
    /* Empty lines before a request line are ignored (RFC 9112 2.2). */
    while (c->pos < c->len) {
        char ch = c->in[c->pos];
        if (ch == '\n')
            c->pos++;
        else if (ch == '\r' && c->pos + 1 < c->len && c->in[c->pos + 1] == '\n')
            c->pos += 2;
        else
            break;
        c->scan = 0;
    }
    char *b = c->in + c->pos;
    size_t n = c->len - c->pos, end = 0;

    /* Find the blank line that ends the head, resuming where the last
     * search stopped. */
    for (size_t i = c->scan;;) {
        char *nl = memchr(b + i, '\n', n - i);
        if (nl == NULL) {
            c->scan = n;
            break;
        }
        size_t k = (size_t)(nl - b);
        if (k + 1 < n && b[k + 1] == '\n') {
            end = k + 2;
            break;
        }
        if (k + 2 < n && b[k + 1] == '\r' && b[k + 2] == '\n') {
            end = k + 3;
            break;
        }
        if (k + 1 >= n || (k + 2 >= n && b[k + 1] == '\r')) {
            c->scan = k;   /* undecided until more arrives */
            break;
        }
        i = k + 1;
    }
    if (end == 0 || end > HEAD_MAX) {
        if (n > HEAD_MAX || end > HEAD_MAX) {
            *msg = "request header section too large";
            return 431;
        }
        return SL_AGAIN;
    }

    /* Request line: method SP request-target SP HTTP/1.x */
    char *nl = memchr(b, '\n', end);
    size_t ll = (size_t)(nl - b);
    if (ll > 0 && b[ll - 1] == '\r')
        ll--;
    size_t m = 0;
    while (m < ll && tchar[(unsigned char)b[m]])
        m++;
    size_t t = m + 1, te = t;
    while (te < ll && (unsigned char)b[te] > ' ' && b[te] != 0x7f)
        te++;
    if (m == 0 || m >= ll || b[m] != ' ' || te == t || te >= ll || b[te] != ' ' ||
        ll - te - 1 != 8 || memcmp(b + te + 1, "HTTP/", 5) != 0 || b[te + 6] < '0' ||
        b[te + 6] > '9' || b[te + 7] != '.' || b[te + 8] < '0' || b[te + 8] > '9') {
        *msg = "invalid request line";
        return 400;
    }
    c->minor = b[te + 8] - '0';
    if (b[te + 6] != '1') {
        c->minor = 1;
        *msg = "HTTP version not supported";
        return 505;
    }
    c->is_head = m == 4 && memcmp(b, "HEAD", 4) == 0;
    b[m] = '\0';
    b[te] = '\0';

    /* Target: origin-form, absolute-form or "*". */
    size_t path = t, path_end;
    c->path_is_slash = false;
    if (b[t] != '/' && !(te - t == 1 && b[t] == '*')) {
        size_t s = 0;
        if (te - t > 7 && strncasecmp(b + t, "http://", 7) == 0)
            s = t + 7;
        else if (te - t > 8 && strncasecmp(b + t, "https://", 8) == 0)
            s = t + 8;
        if (s == 0) {
            *msg = "invalid request target";
            return 400;
        }
        while (s < te && b[s] != '/' && b[s] != '?')
            s++;
        path = s;
        c->path_is_slash = s == te || b[s] == '?';
    }
    char *q = memchr(b + path, '?', te - path);
    path_end = q ? (size_t)(q - b) : te;
    c->query = q ? (ssize_t)(q - b) + 1 : -1;
    ssize_t plen = pct_decode(b + path, path_end - path);
    if (plen < 0) {
        *msg = "invalid percent-encoding in the request target";
        return 400;
    }
    c->target = path;
    b[path + (size_t)plen] = '\0';

    /* Header fields. */
    bool conn_close_tok = false, conn_keep_tok = false, te_seen = false, te_chunked = false,
         te_other = false, has_clen = false;
    int hosts = 0;
    c->nfields = 0;
    c->clen = 0;
    c->expect_continue = false;
    for (size_t i = ll + (b[ll] == '\r') + 1; i < end;) {
        char *line = b + i;
        char *lnl = memchr(line, '\n', end - i);
        size_t L = (size_t)(lnl - line), next = i + L + 1;
        if (L > 0 && line[L - 1] == '\r')
            L--;
        if (L == 0)
            break;
        size_t k = 0;
        while (k < L && tchar[(unsigned char)line[k]])
            k++;
        if (k == 0 || k >= L || line[k] != ':') {
            *msg = is_ows(line[0]) ? "obsolete line folding in a header field"
                                   : "invalid header field";
            return 400;
        }
        size_t vs = k + 1, ve = L;
        while (vs < L && is_ows(line[vs]))
            vs++;
        while (ve > vs && is_ows(line[ve - 1]))
            ve--;
        for (size_t j = vs; j < ve; j++) {
            unsigned char ch = (unsigned char)line[j];
            if ((ch < 0x20 && ch != '\t') || ch == 0x7f) {
                *msg = "invalid character in a header field";
                return 400;
            }
        }
        if (c->nfields == c->fields_cap) {
            if (c->nfields == FIELDS_MAX) {
                *msg = "too many header fields";
                return 431;
            }
            c->fields_cap = c->fields_cap ? c->fields_cap * 2 : 16;
            c->fields = sl_xrealloc(c->fields, sizeof(field_t) * (size_t)c->fields_cap);
        }
        field_t *f = &c->fields[c->nfields++];
        f->name = (uint32_t)i;
        f->name_len = (uint32_t)k;
        f->value = (uint32_t)(i + vs);
        f->value_len = (uint32_t)(ve - vs);

        /* The fields httpd itself obeys. */
        const char *v = line + vs, *vend = line + ve, *e;
        size_t en;
        switch (k) {
        case 4:
            if (strncasecmp(line, "host", 4) == 0)
                hosts++;
            break;
        case 6:
            if (strncasecmp(line, "expect", 6) == 0 && token_is(v, ve - vs, "100-continue"))
                c->expect_continue = true;
            break;
        case 10:
            if (strncasecmp(line, "connection", 10) == 0) {
                while ((en = list_next(&v, vend, &e)) > 0) {
                    if (token_is(e, en, "close"))
                        conn_close_tok = true;
                    else if (token_is(e, en, "keep-alive"))
                        conn_keep_tok = true;
                }
            }
            break;
        case 14:
            if (strncasecmp(line, "content-length", 14) == 0) {
                uint64_t before = c->clen;
                int rc = parse_clen(c, v, ve - vs, msg);
                if (rc != SL_OK)
                    return rc;
                if (has_clen && c->clen != before) {
                    *msg = "conflicting Content-Length values";
                    return 400;
                }
                has_clen = true;
            }
            break;
        case 17:
            if (strncasecmp(line, "transfer-encoding", 17) == 0) {
                te_seen = true;
                while ((en = list_next(&v, vend, &e)) > 0) {
                    if (te_chunked) {
                        *msg = "chunked must be the last transfer coding";
                        return 400;
                    }
                    if (token_is(e, en, "chunked"))
                        te_chunked = true;
                    else
                        te_other = true;
                }
            }
            break;
        }
        line[k] = '\0';
        line[ve] = '\0';
        i = next;
    }

    if (c->minor >= 1 && hosts != 1) {
        *msg = hosts ? "more than one Host header field" : "missing Host header field";
        return 400;
    }
    if (te_seen) {
        if (has_clen) {
            *msg = "both Content-Length and Transfer-Encoding";
            return 400;
        }
        if (c->minor == 0) {
            *msg = "Transfer-Encoding in an HTTP/1.0 request";
            return 400;
        }
        if (te_other) {
            *msg = "unsupported transfer coding";
            return 501;
        }
        if (!te_chunked) {
            *msg = "invalid Transfer-Encoding";
            return 400;
        }
    }
    c->chunked = te_chunked;
    c->keep_alive = !conn_close_tok && (c->minor >= 1 || conn_keep_tok);
    if (c->minor == 0)
        c->expect_continue = false;   /* RFC 9110 10.1.1: ignored for HTTP/1.0 */
    c->hend = end;
    return SL_OK;
}

/* Sends "100 Continue" when the client waits for it before its body. */
static void maybe_continue(conn_t *c)
{
    static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
    if (!c->expect_continue || c->len - c->pos > c->hend)
        return;   /* not asked for, or the body is already coming */
    struct iovec iov = {(void *)cont, sizeof(cont) - 1};
    conn_send(c, &iov, 1);
}

/* After a parsed head: sets up reading the body; SL_OK, or a status to
 * reject with (*msg says why). */
static int start_body(conn_t *c, const char **msg)
{
    sl_httpd_t *h = c->h;
    if (c->chunked) {
        c->state = ST_CHUNKED;
        c->ck = CK_SIZE;
        c->body_len = 0;
        c->rpos = c->hend;
        maybe_continue(c);
        return SL_OK;
    }
    if (c->clen == 0) {
        c->state = ST_BODY;
        return SL_OK;
    }
    if (c->clen > h->max_body) {
        *msg = h->too_large;
        return 413;
    }
    if (!charge(c, (size_t)c->clen)) {
        *msg = "too many request bodies in flight";
        return 503;
    }
    size_t need = c->hend + (size_t)c->clen + 1 + IN_MIN_ROOM;
    if (c->cap - c->pos < need) {
        compact(c);
        if (c->cap < need && !try_grow(c, (need + 4095) & ~(size_t)4095)) {
            *msg = "out of memory for the request body";
            return 503;
        }
    }
    c->state = ST_BODY;
    maybe_continue(c);
    return SL_OK;
}

/*
 * Decodes the chunked body that follows the head, in place; resumable.
 * Returns SL_OK once the last chunk and trailers are in, SL_AGAIN, or a
 * status to reject with (*msg says why).
 */
static int decode_chunks(conn_t *c, const char **msg)
{
    char *b = c->in + c->pos;
    size_t n = c->len - c->pos, r = c->rpos;
    for (;;) {
        switch (c->ck) {
        case CK_SIZE:
        case CK_TRAILER: {
            char *nl = memchr(b + r, '\n', n - r);
            if (nl == NULL) {
                if (c->ck == CK_SIZE ? n - r > CHUNK_LINE_MAX
                                     : c->trailer_len + (n - r) > HEAD_MAX) {
                    *msg = c->ck == CK_SIZE ? "chunk-size line too long" : "trailer section too large";
                    return c->ck == CK_SIZE ? 400 : 431;
                }
                goto again;
            }
            size_t L = (size_t)(nl - (b + r)), next = r + L + 1;
            if (L > 0 && b[r + L - 1] == '\r')
                L--;
            if (c->ck == CK_TRAILER) {
                c->trailer_len += next - r;
                if (c->trailer_len > HEAD_MAX) {
                    *msg = "trailer section too large";
                    return 431;
                }
                r = next;
                if (L == 0) {
                    c->rpos = r;
                    return SL_OK;
                }
                break;   /* trailer fields are ignored */
            }
            uint64_t size = 0;
            size_t k = 0;
            int d;
            while (k < L && (d = sl_hexval(b[r + k])) >= 0) {
                if (size > (UINT64_MAX - 15) / 16)
                    size = UINT64_MAX;
                else
                    size = size * 16 + (uint64_t)d;
                k++;
            }
            size_t j = k;
            while (j < L && is_ows(b[r + j]))
                j++;
            if (k == 0 || (j < L && b[r + j] != ';') || memchr(b + r, '\r', L) != NULL) {
                *msg = "invalid chunk size";
                return 400;
            }
            r = next;
            if (size == 0) {
                c->ck = CK_TRAILER;
                c->trailer_len = 0;
            } else if (size > c->h->max_body - c->body_len) {
                *msg = c->h->too_large;
                return 413;
            } else {
                c->ck = CK_DATA;
                c->ck_left = size;
            }
            break;
        }
        case CK_DATA: {
            size_t avail = n - r;
            if (avail == 0)
                goto again;
            size_t k = avail < c->ck_left ? avail : (size_t)c->ck_left;
            size_t dst = c->hend + c->body_len;
            if (dst != r)
                memmove(b + dst, b + r, k);
            c->body_len += k;
            c->ck_left -= k;
            r += k;
            if (c->ck_left == 0)
                c->ck = CK_DATA_END;
            break;
        }
        case CK_DATA_END:
            if (r >= n)
                goto again;
            if (b[r] == '\r') {
                if (r + 1 >= n)
                    goto again;
                r++;
            }
            if (b[r] != '\n') {
                *msg = "missing CRLF after chunk data";
                return 400;
            }
            r++;
            c->ck = CK_SIZE;
            break;
        }
    }
again:
    if (r == n) {
        /* Nothing undecoded is left: let the next bytes arrive right after
         * the decoded body, where chunk data belongs. */
        r = c->hend + c->body_len;
        c->len = c->pos + r;
    }
    c->rpos = r;
    return SL_AGAIN;
}

/* Hands the complete request to the handler. */
static void dispatch(conn_t *c)
{
    sl_httpd_t *h = c->h;
    /* Keep room after the request for read-ahead and EOF detection; the
     * buffer must not move while the reply is pending. */
    if (c->cap - c->len < IN_MIN_ROOM) {
        if (c->state == ST_BODY && c->clen == 0 && c->pos > 0)
            compact(c);
        if (c->cap - c->len < IN_MIN_ROOM)
            (void)try_grow(c, c->cap + 4 * IN_MIN_ROOM);
    }
    char *b = c->in + c->pos;
    sl_httpd_req_t *r = &c->req;
    c->has_saved = false;
    if (c->state == ST_CHUNKED) {
        /* The NUL goes over consumed framing (at least "0\n\n" follows). */
        c->nul_at = c->hend + c->body_len;
        c->next_req = c->rpos;
        r->body = b + c->hend;
        r->body_len = c->body_len;
        b[c->nul_at] = '\0';
    } else if (c->clen > 0) {
        c->nul_at = c->hend + (size_t)c->clen;
        if (c->len - c->pos > c->nul_at) {
            c->saved = b[c->nul_at];
            c->has_saved = true;
            c->next_req = c->nul_at;
        } else {
            c->len++;   /* a placeholder byte, skipped after the reply */
            c->next_req = c->nul_at + 1;
        }
        b[c->nul_at] = '\0';
        r->body = b + c->hend;
        r->body_len = (size_t)c->clen;
    } else {
        c->next_req = c->hend;
        r->body = "";
        r->body_len = 0;
    }
    r->method = b;
    r->path = c->path_is_slash ? "/" : b + c->target;
    r->query = c->query >= 0 ? b + c->query : NULL;
    r->close_cb = NULL;
    r->close_arg = NULL;
    c->close_after = !c->keep_alive;
    c->state = ST_HANDLER;
    c->head_start_ms = 0;
    h->stats.requests++;
    h->handler(r, h->arg);
}

/* Forgets the request just answered: puts back the byte under the body's
 * NUL and moves to the next request. */
static void req_done(conn_t *c)
{
    if (c->has_saved)
        c->in[c->pos + c->nul_at] = c->saved;
    c->pos += c->next_req;
    c->scan = 0;
    c->nfields = 0;
    uncharge(c);
    c->req.close_cb = NULL;
}

/* The reply has been written: close, or get ready for the next request. */
static void after_flush(conn_t *c)
{
    if (c->close_after) {
        start_linger(c);
        return;
    }
    c->state = ST_HEAD;
    if (c->eof && c->pos == c->len) {
        conn_close(c);   /* answered what came before the client's FIN */
        return;
    }
    if (c->pos == c->len) {
        c->pos = c->len = 0;
        if (c->cap > IN_KEEP) {
            free(c->in);
            c->in = sl_xmalloc(IN_INITIAL);
            c->cap = IN_INITIAL;
        }
    } else if (c->cap > IN_KEEP && c->len - c->pos <= IN_INITIAL / 2) {
        char *in = sl_xmalloc(IN_INITIAL);
        memcpy(in, c->in + c->pos, c->len - c->pos);
        free(c->in);
        c->in = in;
        c->len -= c->pos;
        c->pos = 0;
        c->cap = IN_INITIAL;
    }
    arm_read(c);
}

/* ---- the per-connection loop ---- */

/* Whether the request being read has used up request_timeout. */
static bool past_deadline(conn_t *c)
{
    return c->h->deadline_ms > 0 && c->head_start_ms > 0 &&
           now_ms(c->h) - c->head_start_ms >= c->h->deadline_ms;
}

/* What EOF from the client means in each state. */
static void on_eof(conn_t *c)
{
    if (c->state == ST_SENDING)
        c->close_after = true;   /* finish writing the reply, then close */
    else if (c->state == ST_HANDLER)
        return;   /* a half-close still waits for its answer: after_flush closes */
    else if (c->state != ST_LINGER)
        conn_close(c);   /* idle or mid-request: the client left */
}

/*
 * Parses and dispatches buffered requests until one waits: for more input,
 * for its reply, or for output to drain.  The caller holds c (busy).
 */
static void process(conn_t *c)
{
    const char *msg = NULL;
    while (!c->closed) {
        int rc;
        if (c->state == ST_HEAD) {
            if (c->pos == c->len) {
                c->pos = c->len = 0;
                c->scan = 0;
                if (!c->handshaking)
                    c->head_start_ms = 0;
                break;
            }
            if (c->head_start_ms == 0)
                c->head_start_ms = now_ms(c->h);
            rc = parse_head(c, &msg);
            if (rc == SL_AGAIN) {
                if (c->pos == c->len) {
                    c->head_start_ms = 0;
                    continue;   /* only empty lines */
                }
                int64_t now = now_ms(c->h);
                if (now - c->head_start_ms > c->h->request_ms)
                    reject(c, 408, "request head not received in time");
                else if (past_deadline(c))
                    reject(c, 408, "request not received in time");
                break;
            }
            if (rc == SL_OK)
                rc = start_body(c, &msg);
            if (rc != SL_OK)
                reject(c, rc, msg);
        } else if (c->state == ST_BODY) {
            if (c->len - c->pos < c->hend + c->clen) {
                if (past_deadline(c))
                    reject(c, 408, "request not received in time");
                break;
            }
            dispatch(c);
        } else if (c->state == ST_CHUNKED) {
            rc = decode_chunks(c, &msg);
            if (rc == SL_AGAIN) {
                if (past_deadline(c))
                    reject(c, 408, "request not received in time");
                break;
            }
            if (rc != SL_OK)
                reject(c, rc, msg);
            else
                dispatch(c);
        } else {
            break;   /* reply pending, output draining, lingering */
        }
    }
    if (!c->closed && c->eof)
        on_eof(c);
    arm_read(c);
}

/* What one read_input() got. */
enum { READ_NONE, READ_SHORT, READ_FULL };

/* One recv(): READ_FULL when it filled the room it was given (the socket
 * may hold more), READ_SHORT when it got less, READ_NONE for EOF, EAGAIN,
 * no room or a closed connection.  The read event is edge-triggered: after a
 * full read nothing would say that more is waiting, and after a short one
 * nothing says that a FIN came with the data (unless c->rdhup). */
static int read_input(conn_t *c)
{
    if (c->state == ST_LINGER) {
        ssize_t n = c->ssl ? tls_read(c, c->in, c->cap) : recv(c->fd, c->in, c->cap, 0);
        if (c->ssl && n > 0)
            return READ_FULL;   /* more may wait inside the TLS layer */
        if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) ||
            now_ms(c->h) > c->linger_end_ms) {
            conn_close(c);
            return READ_NONE;
        }
        return n == (ssize_t)c->cap || (n < 0 && errno == EINTR) ? READ_FULL
               : n > 0                                            ? READ_SHORT
                                                                  : READ_NONE;
    }
    ssize_t room = make_room(c);
    if (room == -2) {
        reject(c, 503, "too many request bodies in flight");
        return READ_NONE;
    }
    if (room < 0) {
        reject(c, c->state == ST_CHUNKED ? 413 : 503, "out of memory for the request body");
        return READ_NONE;
    }
    if (room == 0)
        return READ_NONE;   /* read-ahead is full: arm_read stops reading */
    ssize_t n;
    do
        n = c->ssl ? tls_read(c, c->in + c->len, (size_t)room)
                   : recv(c->fd, c->in + c->len, (size_t)room, 0);
    while (n < 0 && errno == EINTR);
    if (n > 0)
        c->len += (size_t)n;
    else if (n == 0)
        c->eof = true;
    else if (errno != EAGAIN && errno != EWOULDBLOCK)
        conn_close(c);   /* reset: the client is gone */
    /* Over TLS a read returns one record at most: only WANT_READ (-1,
     * EAGAIN) says the socket is drained. */
    return n == room || (c->ssl && n > 0) ? READ_FULL : n > 0 ? READ_SHORT : READ_NONE;
}

static void on_timeout(conn_t *c)
{
    if ((c->state == ST_BODY || c->state == ST_CHUNKED ||
         (c->state == ST_HEAD && c->pos < c->len)) && past_deadline(c)) {
        reject(c, 408, "request not received in time");
        return;
    }
    switch (c->state) {
    case ST_HEAD:
        if (c->pos == c->len)
            conn_close(c);   /* idle keep-alive connection */
        else
            reject(c, 408, "request head not received in time");
        break;
    case ST_BODY:
    case ST_CHUNKED:
        reject(c, 408, "request body stalled");
        break;
    case ST_LINGER:
        conn_close(c);
        break;
    default:
        break;   /* waiting for the handler; writes have their own timeout */
    }
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
    conn_t *c = arg;
    c->busy++;
    if ((what & EV_READ) && c->write_wants_read) {
        c->write_wants_read = false;
        if (flush_out(c) && c->state == ST_SENDING)
            after_flush(c);
    }
    if (c->closed) {
        /* the flush failed */
    } else if (what & (EV_READ | EV_CLOSED)) {
        if (what & EV_CLOSED)
            c->rdhup = true;
        int got;
        do {
            got = read_input(c);
            if (!c->closed)
                process(c);
        } while (!c->closed && (got == READ_FULL || (got == READ_SHORT && c->rdhup)));
    } else if (what & EV_TIMEOUT) {
        on_timeout(c);
        if (!c->closed)
            process(c);
    }
    c->busy--;
    conn_release(c);
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
    conn_t *c = arg;
    c->busy++;
    if ((what & EV_WRITE) && c->read_wants_write) {
        /* the TLS layer could not write during a read: read on */
        c->read_wants_write = false;
        event_active(c->rev, EV_READ, 1);
        if (c->out_len == 0) {
            if (c->wev_on) {
                event_del(c->wev);
                c->wev_on = false;
            }
            c->busy--;
            conn_release(c);
            return;
        }
    }
    if (!(what & EV_WRITE))
        conn_close(c);   /* the client took no bytes for idle_ms */
    else if (flush_out(c) && c->state == ST_SENDING) {
        after_flush(c);
        if (!c->closed)
            process(c);
    }
    c->busy--;
    conn_release(c);
}

/* ---- the request API ---- */

const char *sl_httpd_method(const sl_httpd_req_t *r)
{
    return r->method;
}

const char *sl_httpd_path(const sl_httpd_req_t *r)
{
    return r->path;
}

const char *sl_httpd_query(const sl_httpd_req_t *r)
{
    return r->query;
}

const char *sl_httpd_body(const sl_httpd_req_t *r, size_t *len)
{
    if (len)
        *len = r->body_len;
    return r->body;
}

bool sl_httpd_keep_alive(const sl_httpd_req_t *r)
{
    return !r->conn->close_after;
}

void sl_httpd_close_after(sl_httpd_req_t *r)
{
    r->conn->close_after = true;
}

const char *sl_httpd_header(const sl_httpd_req_t *r, const char *name)
{
    const conn_t *c = r->conn;
    const char *b = c->in + c->pos;
    size_t n = strlen(name);
    for (int i = 0; i < c->nfields; i++) {
        const field_t *f = &c->fields[i];
        if (f->name_len == n && strncasecmp(b + f->name, name, n) == 0)
            return b + f->value;
    }
    return NULL;
}

/* Whether raw[0..n), percent-decoded with '+' as space (bad escapes kept
 * as they are), equals want[0..wn) ignoring ASCII case. */
static bool decoded_eq(const char *raw, size_t n, const char *want, size_t wn)
{
    size_t i = 0, j = 0;
    while (i < n) {
        unsigned char ch = (unsigned char)raw[i];
        int hi, lo;
        if (ch == '+') {
            ch = ' ';
            i++;
        } else if (ch == '%' && n - i >= 3 && (hi = sl_hexval(raw[i + 1])) >= 0 &&
                   (lo = sl_hexval(raw[i + 2])) >= 0) {
            ch = (unsigned char)(hi * 16 + lo);
            i += 3;
        } else {
            i++;
        }
        if (j >= wn)
            return false;
        unsigned char w = (unsigned char)want[j++];
        if (ch >= 'A' && ch <= 'Z')
            ch = (unsigned char)(ch + 32);
        if (w >= 'A' && w <= 'Z')
            w = (unsigned char)(w + 32);
        if (ch != w)
            return false;
    }
    return j == wn;
}

bool sl_httpd_query_is(const sl_httpd_req_t *r, const char *name, const char *values)
{
    const char *q = r->query;
    if (q == NULL)
        return false;
    size_t nlen = strlen(name);
    while (*q) {
        size_t plen = strcspn(q, "&");
        const char *eq = memchr(q, '=', plen);
        size_t klen = eq ? (size_t)(eq - q) : plen;
        if (plen > 0 && decoded_eq(q, klen, name, nlen)) {
            const char *v = eq ? eq + 1 : q + plen;
            size_t vlen = eq ? plen - klen - 1 : 0;
            for (const char *a = values;;) {
                size_t alen = strcspn(a, "|");
                if (decoded_eq(v, vlen, a, alen))
                    return true;
                if (a[alen] == '\0')
                    return false;
                a += alen + 1;
            }
        }
        q += plen + (q[plen] == '&');
    }
    return false;
}

void sl_httpd_set_close_cb(sl_httpd_req_t *r, sl_httpd_close_cb cb, void *arg)
{
    r->close_cb = cb;
    r->close_arg = arg;
}

void sl_httpd_reply(sl_httpd_req_t *r, int status, const char *reason, const char *content_type,
                    const char *extra_headers, const char *body, size_t len)
{
    conn_t *c = r->conn;
    assert(c->state == ST_HANDLER);
    if (c->closed) {
        /* The client went away and nobody was told: drop the reply. */
        c->orphan = false;
        c->state = ST_DEAD;
        conn_release(c);
        return;
    }
    c->busy++;
    c->state = ST_SENDING;   /* replied: a send error now closes without close_cb */
    send_response(c, status, reason, content_type, extra_headers, body, len);
    if (!c->closed) {
        req_done(c);   /* after sending: body may point into the request */
        if (c->out_len == 0) {
            bool outermost = c->busy == 1;
            after_flush(c);
            /* Called from outside httpd's callbacks with pipelined requests
             * buffered: have the read callback go on with them. */
            if (outermost && !c->closed && c->state == ST_HEAD && c->pos < c->len)
                event_active(c->rev, EV_READ, 1);
        }
    }
    c->busy--;
    conn_release(c);
}

/* ---- accepting ---- */

void sl_httpd_adopt(sl_httpd_t *h, evutil_socket_t fd)
{
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    conn_t *c = sl_xcalloc(1, sizeof(*c));
    c->h = h;
    c->fd = fd;
    c->in = sl_xmalloc(IN_INITIAL);
    c->cap = IN_INITIAL;
    c->rev = event_new(h->base, fd, EV_READ | EV_CLOSED | EV_PERSIST | EV_ET, on_read, c);
    c->wev = event_new(h->base, fd, EV_WRITE | EV_PERSIST | EV_ET, on_write, c);
    if (c->rev == NULL || c->wev == NULL)
        abort();
    c->req.conn = c;
    c->state = ST_HEAD;
    if (h->ssl_ctx) {
        c->ssl = SSL_new(h->ssl_ctx);
        if (c->ssl == NULL || SSL_set_fd(c->ssl, fd) != 1)
            abort();
        SSL_set_accept_state(c->ssl);
        SSL_set_options(c->ssl, SSL_OP_IGNORE_UNEXPECTED_EOF);
        c->handshaking = true;
        c->head_start_ms = now_ms(h);   /* the handshake runs on the request timeouts */
    }
    c->next = h->conns;
    if (h->conns)
        h->conns->prev = c;
    h->conns = c;
    h->stats.connections++;
    h->stats.accepted++;
    arm_read(c);
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
                      int salen, void *arg)
{
    sl_httpd_adopt(arg, fd);
}

/* accept() failed: out of descriptors or memory, pause instead of spinning
 * on a listening socket that stays readable. */
static void on_accept_error(struct evconnlistener *l, void *arg)
{
    sl_httpd_t *h = arg;
    sl_accept_pause_error(&h->accept_pause);
    h->stats.accept_pauses = h->accept_pause.pauses;
}

sl_httpd_t *sl_httpd_new(struct event_base *base, struct evconnlistener *l, size_t max_body,
                         sl_httpd_handler handler, void *arg)
{
    sl_httpd_t *h = sl_xcalloc(1, sizeof(*h));
    h->base = base;
    h->listener = l;
    h->max_body = max_body < SIZE_MAX / 4 ? max_body : SIZE_MAX / 4;   /* sizes never overflow */
    h->handler = handler;
    h->arg = arg;
    snprintf(h->too_large, sizeof(h->too_large), "request body too large (limit %zu bytes)",
             max_body);
    sl_accept_pause_init(&h->accept_pause, base, l, "http");
    sl_httpd_set_timeouts(h, 60000, 30000);
    sl_httpd_set_limits(h, 0, 0);
    if (l != NULL) {
        evconnlistener_set_error_cb(l, on_accept_error);
        evconnlistener_set_cb(l, on_accept, h);
    }
    return h;
}

void sl_httpd_set_timeouts(sl_httpd_t *h, int idle_ms, int request_ms)
{
    /* Common timeouts: thousands of connections share a queue per
     * duration instead of each moving in the timer heap. */
    struct timeval tv[TMO_COUNT] = {
        [TMO_IDLE] = {idle_ms / 1000, idle_ms % 1000 * 1000},
        [TMO_REQUEST] = {request_ms / 1000, request_ms % 1000 * 1000},
        [TMO_LINGER] = {LINGER_MS / 1000, LINGER_MS % 1000 * 1000},
    };
    for (int i = 0; i < TMO_COUNT; i++) {
        h->tmo[i] = event_base_init_common_timeout(h->base, &tv[i]);
        if (h->tmo[i] == NULL)
            abort();
    }
    h->request_ms = request_ms;
    for (conn_t *c = h->conns; c; c = c->next)
        c->rev_tmo = -1;   /* re-armed with the new value on the next change */
}

void sl_httpd_set_tls(sl_httpd_t *h, struct ssl_ctx_st *ctx)
{
    h->ssl_ctx = ctx;
}

void sl_httpd_set_limits(sl_httpd_t *h, int deadline_ms, size_t max_inflight)
{
    h->deadline_ms = deadline_ms > 0 ? deadline_ms : 0;
    h->max_inflight = max_inflight;
    for (conn_t *c = h->conns; c; c = c->next)
        c->rev_tmo = -1;
}

void sl_httpd_stop_accepting(sl_httpd_t *h)
{
    if (h->listener) {
        evconnlistener_free(h->listener);
        h->listener = NULL;
    }
    sl_accept_pause_stop(&h->accept_pause);
}

void sl_httpd_free(sl_httpd_t *h)
{
    if (h == NULL)
        return;
    sl_httpd_stop_accepting(h);
    while (h->conns) {
        conn_t *c = h->conns;
        conn_close(c);
        conn_release(c);
    }
    free(h);
}

void sl_httpd_get_stats(const sl_httpd_t *h, sl_httpd_stats_t *out)
{
    *out = h->stats;
    out->inflight_body = h->inflight;
}
