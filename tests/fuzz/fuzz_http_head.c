/*
 * fuzz_http_head.c: libFuzzer target for httpd's request parsing without
 * sockets, some hundred times faster than fuzz_http: this file includes
 * src/net/httpd.c itself, so the functions fuzzed are httpd's own static
 * parse_head, start_body, decode_chunks, dispatch and req_done, on a
 * connection struct that has no socket.
 *
 * The first input byte is the size of each arrival (1 to 255 bytes, but at
 * most 32 arrivals, each copied into a buffer grown to fit; 0 = all at
 * once); the rest is what the client sends.  Bytes are appended at the
 * end of the input buffer as read_input's recv() would put them, and after
 * each arrival the parser runs as process() runs it: the head (resuming its
 * search for the blank line), then the Content-Length or chunked body
 * (decoded in place, resumably), then the request goes to a handler and
 * the next pipelined request starts.  The buffer is grown only to what the
 * bytes need, so ASan sees reads past it.
 *
 * What must hold besides ASan/UBSan: a rejection is one of httpd's statuses
 * with a message; a parsed head lies inside the buffer and its fields are
 * NUL-terminated inside the head; a body is at most max_body bytes, NUL-
 * terminated after its length, and a chunked body's decoding never passes
 * the bytes received.
 */
#include "net/httpd.c"

#include <stdio.h>

/* listen.c (accept back-off) logs through the server's sl_log: quiet here. */
void sl_log(const char *level, const char *fmt, ...);
void sl_log(const char *level, const char *fmt, ...)
{
    (void)level;
    (void)fmt;
}


enum { FUZZ_MAX_BODY = 3000, MAX_ARRIVALS = 32 };

static int requests;

static void fuzz_fail(const char *what)
{
    fprintf(stderr, "fuzz_http_head: %s\n", what);
    abort();
}

static void on_request(sl_httpd_req_t *r, void *arg)
{
    if (r->body[r->body_len] != '\0' || r->body_len > FUZZ_MAX_BODY)
        fuzz_fail("body not NUL-terminated or over the limit");
    volatile size_t touch = strlen(r->method) + strlen(r->path) + (r->query ? strlen(r->query) : 0);
    (void)touch;
    (void)sl_httpd_header(r, "Content-Type");
    (void)sl_httpd_query_is(r, "ack", "received|committed");
    requests++;
}

static void check_status(int rc, const char *msg)
{
    if ((rc != 400 && rc != 413 && rc != 431 && rc != 501 && rc != 503 && rc != 505) ||
        msg == NULL || msg[0] == '\0')
        fuzz_fail("rejection with an unexpected status or no message");
}

static void check_head(const conn_t *c)
{
    size_t n = c->len - c->pos;
    const char *b = c->in + c->pos;
    if (c->hend == 0 || c->hend > n || c->hend > HEAD_MAX)
        fuzz_fail("head end outside the bytes received");
    if (c->target >= c->hend || memchr(b + c->target, 0, c->hend - c->target) == NULL)
        fuzz_fail("path not NUL-terminated inside the head");
    for (int i = 0; i < c->nfields; i++) {
        const field_t *f = &c->fields[i];
        if (f->name + f->name_len >= c->hend || f->value + f->value_len >= c->hend ||
            b[f->name + f->name_len] != '\0' || b[f->value + f->value_len] != '\0')
            fuzz_fail("header field not NUL-terminated inside the head");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static sl_httpd_t h;
    if (h.max_body == 0) {
        h.max_body = FUZZ_MAX_BODY;
        h.handler = on_request;
        snprintf(h.too_large, sizeof(h.too_large), "request body too large (limit %d bytes)",
                 FUZZ_MAX_BODY);
    }
    if (size < 1)
        return 0;
    const uint8_t *wire = data + 1;
    size_t n = size - 1, got = 0;
    size_t step = data[0] ? data[0] : n + 1;
    if (step < n / MAX_ARRIVALS)
        step = n / MAX_ARRIVALS + 1;

    conn_t *c = sl_xcalloc(1, sizeof(*c));
    c->h = &h;
    c->fd = -1;
    c->state = ST_HEAD;
    c->req.conn = c;
    c->in = sl_xmalloc(1);
    c->cap = 1;
    requests = 0;
    bool done = false;
    while (got < n && !done) {
        size_t k = n - got < step ? n - got : step;
        if (c->cap - c->len < k) {
            c->in = sl_xrealloc(c->in, c->len + k);
            c->cap = c->len + k;
        }
        memcpy(c->in + c->len, wire + got, k);
        c->len += k;
        got += k;
        /* process(): until this arrival is used up */
        for (;;) {
            const char *msg = NULL;
            int rc;
            if (c->state == ST_HEAD) {
                if (c->pos == c->len) {
                    c->pos = c->len = c->scan = 0;
                    break;
                }
                rc = parse_head(c, &msg);
                if (rc == SL_AGAIN)
                    break;
                if (rc == SL_OK) {
                    check_head(c);
                    c->expect_continue = false;   /* no socket to send 100 on */
                    rc = start_body(c, &msg);
                }
                if (rc != SL_OK) {
                    check_status(rc, msg);
                    done = true;
                    break;
                }
            } else if (c->state == ST_BODY) {
                if (c->len - c->pos < c->hend + c->clen)
                    break;
                dispatch(c);
            } else if (c->state == ST_CHUNKED) {
                rc = decode_chunks(c, &msg);
                if (rc != SL_OK && rc != SL_AGAIN) {
                    check_status(rc, msg);
                    done = true;
                    break;
                }
                if (c->rpos > c->len - c->pos || c->hend + c->body_len > c->rpos)
                    fuzz_fail("chunked decoding past the bytes received");
                if (rc == SL_AGAIN)
                    break;
                dispatch(c);
            } else {
                /* ST_HANDLER: the reply is "sent"; after_flush without its
                 * socket: the next request, or the end after a close. */
                req_done(c);
                if (!c->keep_alive) {
                    done = true;
                    break;
                }
                c->state = ST_HEAD;
            }
        }
    }
    free(c->in);
    free(c->fields);
    free(c);
    return 0;
}
