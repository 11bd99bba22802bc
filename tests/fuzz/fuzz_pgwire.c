/*
 * fuzz_pgwire.c: libFuzzer target for the PostgreSQL wire protocol reader
 * (pkt.c) as pgwire.c and pgwire_relay.c use it.
 *
 * The input is what a client sends on one connection: startup-style
 * packets (SSLRequest and GSSENCRequest are answered 'N' and followed by
 * another, as in pgwire.c) until a StartupMessage or CancelRequest, then
 * typed messages.  Each packet goes through sl_pkt_read_header with the
 * limits sluiced uses, its body is copied into a buffer of exactly its
 * length (so ASan sees any read past it), and:
 *   - startup: sl_pkt_parse_startup, then the parameters sluiced looks up;
 *   - 'Q': sl_pkt_query_text, and the query through sl_sql_split (what
 *     decides between relaying it and running it as Sluice's);
 *   - 'P': sl_pkt_parse_text and sl_sql_split the same way;
 *   - 'E' and 'N' (the backend's ErrorResponse/NoticeResponse, which
 *     sluiced reads and rewrites): sl_pkt_error_field and
 *     sl_pkt_copy_error with a position shift, whose output must read back;
 *   - any other type: walked field by field with the sl_pkt_reader calls.
 * Header errors and startup errors must carry SQLSTATE 08P01 or 0A000.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/pkt.h"
#include "sql/sql.h"
#include "util/arena.h"

static void fail(const char *what)
{
    fprintf(stderr, "fuzz_pgwire: %s\n", what);
    abort();
}

static void check_err(const sl_error_t *err)
{
    if (strcmp(err->sqlstate, "08P01") != 0 && strcmp(err->sqlstate, "0A000") != 0)
        fail("protocol error without 08P01 or 0A000");
    if (err->message[0] == '\0')
        fail("protocol error without a message");
}

/* A copy of n bytes in a buffer of exactly n bytes. */
static char *copy(const uint8_t *p, size_t n)
{
    char *b = malloc(n ? n : 1);
    memcpy(b, p, n);
    return b;
}

static void split(const char *q, sl_arena_t *a)
{
    sl_stmt_t *stmts;
    int n;
    sl_error_t err;
    sl_error_clear(&err);
    size_t len = strlen(q);
    if (sl_sql_split(q, len, a, &stmts, &n, &err) != SL_OK &&
        (err.position < 0 || (size_t)err.position > len + 1))
        fail("syntax error position outside the query");
}

static void error_message(char type, const char *body, size_t len, int delta)
{
    const char *fields = "SVCMDHP";
    for (const char *f = fields; *f; f++) {
        const char *v = sl_pkt_error_field(body, len, *f);
        if (v != NULL && (v < body || v >= body + len || memchr(v, 0, len - (size_t)(v - body)) == NULL))
            fail("error field outside the body");
    }
    sl_pkt_t p = SL_PKT_INIT;
    if (sl_pkt_copy_error(&p, type, body, len, delta)) {
        sl_pkt_hdr_t h;
        sl_error_t err;
        sl_error_clear(&err);
        if (sl_pkt_read_header(p.buf.data, p.buf.len, false, SL_PKT_MAX_MESSAGE, &h, &err) != SL_OK ||
            h.size != p.buf.len || h.type != type)
            fail("copied error message does not read back");
        char *copied = copy((const uint8_t *)p.buf.data + h.body, h.size - h.body);
        const char *m1 = sl_pkt_error_field(body, len, 'M');
        const char *m2 = sl_pkt_error_field(copied, h.size - h.body, 'M');
        if ((m1 == NULL) != (m2 == NULL) || (m1 && strcmp(m1, m2) != 0))
            fail("copied error message lost its M field");
        free(copied);
    }
    sl_pkt_free(&p);
}

static void walk(const char *body, size_t len, uint8_t how)
{
    sl_pkt_reader_t r;
    sl_pkt_reader_init(&r, body, len);
    for (int i = 0; !r.bad && i < 64; i++) {
        const char *s;
        switch ((how >> (i % 4 * 2)) & 3) {
        case 0: (void)sl_pkt_get_byte(&r); break;
        case 1: (void)sl_pkt_get_int16(&r); break;
        case 2: (void)sl_pkt_get_int32(&r); break;
        default:
            s = sl_pkt_get_string(&r);
            if (s != NULL)
                (void)strlen(s);
            break;
        }
        if (r.pos > r.len)
            fail("reader past the end");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    sl_arena_t *a = sl_arena_new(NULL, "fuzz");
    size_t off = 0;
    bool started = false;
    while (off < size) {
        sl_pkt_hdr_t h;
        sl_error_t err;
        sl_error_clear(&err);
        size_t avail = size - off;
        int rc = started ? sl_pkt_read_header(data + off, avail, false, SL_PKT_MAX_MESSAGE, &h, &err)
                         : sl_pkt_read_header(data + off, avail, true, SL_PKT_MAX_STARTUP, &h, &err);
        if (rc == SL_AGAIN)
            break;
        if (rc != SL_OK) {
            check_err(&err);
            break;
        }
        if (h.size > avail || h.body > h.size)
            fail("header says whole but the message is not buffered");
        size_t blen = h.size - h.body;
        char *body = copy(data + off + h.body, blen);
        off += h.size;
        if (!started) {
            sl_pkt_startup_t su;
            if (sl_pkt_parse_startup(body, blen, a, &su, &err) != SL_OK) {
                check_err(&err);
                free(body);
                break;
            }
            for (int i = 0; i < su.nparams; i++)
                if (strlen(su.names[i]) + strlen(su.values[i]) >= blen)
                    fail("startup parameter longer than the packet");
            (void)sl_pkt_startup_param(&su, "user");
            (void)sl_pkt_startup_param(&su, "replication");
            free(body);
            if (su.code == SL_PKT_CANCEL_REQUEST)
                break;
            started = su.code != SL_PKT_SSL_REQUEST && su.code != SL_PKT_GSSENC_REQUEST;
            continue;
        }
        const char *q;
        switch (h.type) {
        case 'Q':
            if ((q = sl_pkt_query_text(body, blen)) != NULL)
                split(q, a);
            break;
        case 'P':
            if ((q = sl_pkt_parse_text(body, blen)) != NULL)
                split(q, a);
            break;
        case 'E':
        case 'N':
            error_message(h.type, body, blen, blen > 0 ? (int)(uint8_t)body[0] - 64 : -1);
            break;
        default:
            walk(body, blen, blen > 0 ? (uint8_t)body[0] : 0);
            break;
        }
        free(body);
        sl_arena_reset(a);
    }
    sl_arena_free(a);
    return 0;
}
