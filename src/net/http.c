/*
 * http.c: the HTTP API of sluiced on httpd (httpd.h); see http.h.
 *
 * An ingest request is read whole (httpd enforces max_body_size with 413),
 * decoded into one column batch, prepared against every view of its stream
 * (any error rejects the whole request with 400 and changes nothing), then
 * applied to the views' deltas.  Its answer waits for the flush that
 * commits those deltas (sink.h); if the client goes away meanwhile, the
 * effects stay (they will be committed) and only the answer is dropped.
 */
#include "net/http.h"
#include "net/httpd.h"
#include "net/listen.h"
#include "server/access.h"
#include "ingest/csv.h"
#include "ingest/ndjson.h"
#include "pipeline/pipeline.h"
#include "sink/idem.h"
#include "sink/sink.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

struct sl_http {
    sl_server_t *srv;
    sl_httpd_t *httpd;
    int port;
    sl_arena_t *req_arena;        /* one request at a time: reset after each */
    /* counters for /metrics */
    unsigned long long requests, events_accepted, rejected_400, rejected_503;
    unsigned long long rejected_409;      /* another sluiced holds the lease */
    unsigned long long rejected_memory;   /* 503s for max_memory */
};

typedef struct pending_req {
    sl_http_t *h;
    sl_httpd_req_t *req;          /* NULL once the client went away */
    long accepted;
    long late;                    /* for a stream with event time, else -1 */
    char *dup_key;                /* a retry waiting for its original's flush */
} pending_req_t;

/* ---- replies ---- */

/* A JSON body (with a final newline) and optional extra header lines. */
static void reply_json_h(sl_httpd_req_t *req, int code, const char *json, size_t n,
                         const char *extra_headers)
{
    char small[256];
    if (n + 1 < sizeof(small)) {
        memcpy(small, json, n);
        small[n] = '\n';
        sl_httpd_reply(req, code, NULL, "application/json", extra_headers, small, n + 1);
        return;
    }
    sl_buf_t b = SL_BUF_INIT;
    sl_buf_append(&b, json, n);
    sl_buf_putc(&b, '\n');
    sl_httpd_reply(req, code, NULL, "application/json", extra_headers, b.data, b.len);
    sl_buf_free(&b);
}

static void reply_error_h(sl_httpd_req_t *req, int code, const char *message,
                          const char *extra_headers)
{
    sl_buf_t b = SL_BUF_INIT;
    sl_buf_puts(&b, "{\"error\": ");
    sl_buf_put_json_string(&b, message, strlen(message));
    sl_buf_puts(&b, "}");
    reply_json_h(req, code, b.data, b.len, extra_headers);
    sl_buf_free(&b);
}

static void reply_error(sl_httpd_req_t *req, int code, const char *message)
{
    reply_error_h(req, code, message, NULL);
}

/* late: events late for a windowed view (a stream with event time), or
 * -1 (not said). */
static void reply_accepted(sl_httpd_req_t *req, long n, bool duplicate, long late)
{
    char json[96];
    int len = late >= 0 ? snprintf(json, sizeof(json), "{\"accepted\": %ld, \"late\": %ld}",
                                   n, late)
                        : snprintf(json, sizeof(json),
                                   duplicate ? "{\"accepted\": %ld, \"duplicate\": true}"
                                             : "{\"accepted\": %ld}", n);
    reply_json_h(req, 200, json, (size_t)len, NULL);
}

/* A retry of a request whose key was pending: answered once that flush is
 * over, from the key's state then. */
static void reply_duplicate(sl_http_t *h, pending_req_t *p)
{
    sl_idem_entry_t *e = sl_idem_find(h->srv->idem, p->dup_key);
    if (e && e->state == SL_IDEM_COMMITTED) {
        reply_accepted(p->req, e->accepted, true, -1);
        return;
    }
    reply_error_h(p->req, 503,
                  "the earlier request with this Idempotency-Key was not applied; "
                  "nothing of this one was either: retry it",
                  "Retry-After: 1\r\n");
}

/* ---- durable acknowledgement ---- */

static void on_committed(void *arg, sl_sink_status_t st, const sl_sink_error_t *e);

/* The client left before its answer: the effects stay, the answer is
 * dropped. */
static void on_client_gone(sl_httpd_req_t *req, void *arg)
{
    pending_req_t *p = arg;
    p->req = NULL;
}

/* Answers req once the flush covering what was applied so far commits;
 * dup_key: req repeats the pending request with this key. */
static void wait_for_flush(sl_http_t *h, sl_httpd_req_t *req, long accepted,
                           const char *dup_key)
{
    pending_req_t *p = sl_xcalloc(1, sizeof(*p));
    p->h = h;
    p->req = req;
    p->accepted = accepted;
    p->dup_key = dup_key ? sl_xstrdup(dup_key) : NULL;
    sl_httpd_set_close_cb(req, on_client_gone, p);
    sl_sink_wait(h->srv->sink, on_committed, p, dup_key == NULL);
}

/* The answer for a request whose flush did not commit: always what is
 * known (sink.h), with PostgreSQL's error where there is one. */
static void reply_not_committed(sl_http_t *h, sl_httpd_req_t *req, sl_sink_status_t st,
                                const sl_sink_error_t *e)
{
    sl_buf_t b = SL_BUF_INIT;
    int code = 503;
    const char *headers = "Retry-After: 1\r\n";
    sl_buf_puts(&b, "{\"error\": ");
    char msg[900];
    switch (st) {
    case SL_SINK_REFUSED:
        code = 400;
        headers = NULL;
        snprintf(msg, sizeof(msg), "PostgreSQL refused this request's rows%s%s%s: %s; "
                 "nothing of this request was applied",
                 e->view[0] ? " for continuous view \"" : "", e->view, e->view[0] ? "\"" : "",
                 e->message);
        break;
    case SL_SINK_RETRY:
        snprintf(msg, sizeof(msg), "PostgreSQL refused the flush that held this request "
                 "(%s); nothing of this request was applied: retry it", e ? e->message : "");
        break;
    case SL_SINK_UNKNOWN:
        code = 504;
        headers = NULL;
        snprintf(msg, sizeof(msg), "sluiced stopped before PostgreSQL answered: this request "
                 "may or may not have been applied; retrying it with the same "
                 "Idempotency-Key is safe");
        break;
    default:
        snprintf(msg, sizeof(msg), "%s; nothing of this request was applied: retry it",
                 e && e->message[0] ? e->message : "PostgreSQL is unreachable");
        break;
    }
    sl_buf_put_json_string(&b, msg, strlen(msg));
    if (e && e->sqlstate[0])
        sl_buf_printf(&b, ", \"sqlstate\": \"%s\"", e->sqlstate);
    if (e && e->view[0] && st == SL_SINK_REFUSED) {
        sl_buf_puts(&b, ", \"view\": ");
        sl_buf_put_json_string(&b, e->view, strlen(e->view));
    }
    if (st == SL_SINK_UNKNOWN)
        sl_buf_puts(&b, ", \"outcome\": \"unknown\"");
    sl_buf_puts(&b, "}");
    if (code == 400)
        h->rejected_400++;
    else
        h->rejected_503++;
    reply_json_h(req, code, b.data, b.len, headers);
    sl_buf_free(&b);
}

static void on_committed(void *arg, sl_sink_status_t st, const sl_sink_error_t *e)
{
    pending_req_t *p = arg;
    if (p->req != NULL) {
        sl_httpd_set_close_cb(p->req, NULL, NULL);
        if (p->dup_key) {
            reply_duplicate(p->h, p);
        } else if (st == SL_SINK_COMMITTED) {
            p->h->events_accepted += (unsigned long long)p->accepted;
            reply_accepted(p->req, p->accepted, false, p->late);
        } else {
            reply_not_committed(p->h, p->req, st, e);
        }
    }
    free(p->dup_key);
    free(p);
}

/* ---- ingest ---- */

typedef enum { BODY_NDJSON, BODY_JSON, BODY_CSV, BODY_UNSUPPORTED } body_format_t;

/* Content types read as NDJSON; NULL / empty means NDJSON too, and so
 * does application/x-www-form-urlencoded, which is what `curl --data-binary`
 * sends unless told otherwise (a form body is never valid NDJSON anyway, so
 * nothing is misread: it fails as a bad line), and text/plain, which is
 * what fetch() and XMLHttpRequest send for a string body. */
static body_format_t body_format(const char *ct)
{
    if (ct == NULL || *ct == '\0')
        return BODY_NDJSON;
    size_t n = strcspn(ct, ";");
    while (n > 0 && isspace((unsigned char)ct[n - 1]))
        n--;
    static const struct {
        const char *type;
        body_format_t format;
    } types[] = {
        {"application/x-ndjson", BODY_NDJSON},
        {"application/ndjson", BODY_NDJSON},
        {"application/jsonl", BODY_NDJSON},
        {"application/x-jsonlines", BODY_NDJSON},
        {"application/x-www-form-urlencoded", BODY_NDJSON},
        {"text/plain", BODY_NDJSON},
        {"application/json", BODY_JSON},
        {"text/csv", BODY_CSV},
        {"application/csv", BODY_CSV},
    };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
        if (strlen(types[i].type) == n && strncasecmp(ct, types[i].type, n) == 0)
            return types[i].format;
    return BODY_UNSUPPORTED;
}

/* The 1-based line of the body holding batch row `row` (the decoder makes
 * one row per line that is not blank).  Computed only for an error
 * message, so the hot path keeps no line numbers. */
static long row_line(const char *body, size_t len, int row)
{
    long line = 1;
    bool blank = true;
    for (size_t i = 0; i < len; i++) {
        if (body[i] == '\n') {
            if (!blank && row-- == 0)
                return line;
            line++;
            blank = true;
        } else if (!isspace((unsigned char)body[i])) {
            blank = false;
        }
    }
    return line;
}

/* Inflates a gzip body into out, at most limit bytes in all.  A body may
 * be several gzip members one after the other (RFC 1952 2.2, what
 * `cat a.gz b.gz` makes): each is inflated in turn.  Zero bytes after the
 * last member are padding and ignored, as gzip(1) does; any other byte
 * there is an error.  Returns 0, 413 when larger than limit, or 400 on
 * corrupt data with *why set to the message. */
static int gunzip_body(const unsigned char *in, size_t n, size_t limit, sl_buf_t *out,
                       const char **why)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    *why = "invalid gzip data";
    if (inflateInit2(&z, 15 + 32) != Z_OK)
        return 400;
    const unsigned char *end = in + n;   /* in: the bytes not yet given to z */
    int code = 400;
    for (;;) {
        if (z.avail_in == 0 && in < end) {
            size_t chunk = (size_t)(end - in) < (1u << 30) ? (size_t)(end - in) : (1u << 30);
            z.next_in = (unsigned char *)in;
            z.avail_in = (uInt)chunk;
            in += chunk;
        }
        sl_buf_reserve(out, 65536);
        z.next_out = (unsigned char *)out->data + out->len;
        z.avail_out = (uInt)(out->cap - out->len - 1);
        size_t before = z.avail_out;
        int rc = inflate(&z, Z_NO_FLUSH);
        out->len += before - z.avail_out;
        out->data[out->len] = '\0';
        if (out->len > limit) {
            code = 413;
            break;
        }
        if (rc == Z_STREAM_END) {
            /* The rest of the body: another member, padding or garbage. */
            const unsigned char *rest = z.next_in;
            size_t nrest = z.avail_in;
            bool zeros = true;
            for (size_t i = 0; i < nrest && zeros; i++)
                zeros = rest[i] == 0;
            for (const unsigned char *q = in; q < end && zeros; q++)
                zeros = *q == 0;
            if (zeros) {
                code = 0;
                break;
            }
            if ((nrest > 0 && rest[0] != 0x1f) || (nrest > 1 && rest[1] != 0x8b)) {
                *why = "invalid gzip data: bytes after a member that start no other member";
                break;
            }
            inflateReset(&z);
            continue;
        }
        if (rc == Z_BUF_ERROR && z.avail_in == 0 && in == end) {
            *why = "invalid gzip data: the body ends inside a member";
            break;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            break;
    }
    inflateEnd(&z);
    return code;
}

/* A request waiting for an attempt to take its stream's ingest lease. */
typedef struct lease_wait {
    sl_http_t *h;
    sl_httpd_req_t *req;
} lease_wait_t;

static void on_request(sl_httpd_req_t *req, void *arg);

static void on_lease_gone(sl_httpd_req_t *req, void *arg)
{
    lease_wait_t *w = arg;
    (void)req;
    if (w->h->srv->sink != NULL)    /* (freed first at the end of sluiced) */
        sl_sink_lease_cancel(w->h->srv->sink, w);
    free(w);
}

/* The attempt answered: the request runs again from its start (its token
 * looked up again, the stream found again), and finds the answer. */
static void on_lease(void *arg)
{
    lease_wait_t *w = arg;
    sl_httpd_set_close_cb(w->req, NULL, NULL);
    w->h->requests--;
    on_request(w->req, w->h);
    free(w);
}

static bool lease_ready(sl_http_t *h, sl_httpd_req_t *req, const sl_stream_t *s)
{
    lease_wait_t *w = sl_xcalloc(1, sizeof(*w));
    w->h = h;
    w->req = req;
    if (sl_sink_lease_ready(h->srv->sink, s, on_lease, w)) {
        free(w);
        return true;
    }
    sl_httpd_set_close_cb(req, on_lease_gone, w);
    return false;
}

static void ingest(sl_http_t *h, sl_httpd_req_t *req, const char *stream_name,
                   const sl_grantee_t *g)
{
    sl_server_t *srv = h->srv;
    sl_stream_t *s = sl_catalog_stream(&srv->catalog, stream_name);
    if (s == NULL) {
        char msg[300];
        snprintf(msg, sizeof(msg), "stream \"%s\" does not exist", stream_name);
        reply_error(req, 404, msg);
        return;
    }
    /* Who may insert is decided before the body is read (and again by the
     * pipeline, the one place that decides, with the same answer). */
    sl_pipeline_source_t who = {.kind = "http", .open = g == NULL, .grantee = g};
    sl_error_t perr;
    sl_error_clear(&perr);
    if (sl_pipeline_may_insert(srv, &who, s, &perr) != SL_OK) {
        reply_error(req, 403, perr.message);
        return;
    }
    body_format_t format = body_format(sl_httpd_header(req, "Content-Type"));
    if (format == BODY_UNSUPPORTED) {
        reply_error(req, 415, "unsupported content type; use application/x-ndjson, "
                              "application/json or text/csv");
        return;
    }
    sl_error_t aerr;
    sl_error_clear(&aerr);
    sl_pipeline_refusal_t refusal = sl_pipeline_admit(srv, &aerr);
    if (refusal != SL_PIPE_OK) {
        h->rejected_503++;
        if (refusal == SL_PIPE_MEMORY)
            h->rejected_memory++;
        if (refusal == SL_PIPE_SHUTTING_DOWN)
            sl_httpd_close_after(req);
        reply_error_h(req, 503, aerr.message, "Retry-After: 1\r\n");
        return;
    }
    /* A retry of a request already applied is acknowledged, not applied. */
    const char *idem_key = sl_httpd_header(req, "Idempotency-Key");
    if (idem_key) {
        sl_error_t kerr;
        sl_error_clear(&kerr);
        if (!sl_idem_key_valid(idem_key, &kerr)) {
            h->rejected_400++;
            reply_error(req, 400, kerr.message);
            return;
        }
        if (srv->sink && !sl_sink_keys_ready(srv->sink)) {
            h->rejected_503++;
            reply_error_h(req, 503, "sluiced is starting (waiting for its predecessor's "
                                    "transactions to end before reading the committed "
                                    "Idempotency-Keys); nothing of this request was "
                                    "applied: retry it", "Retry-After: 1\r\n");
            return;
        }
        sl_idem_entry_t *e = sl_idem_find(srv->idem, idem_key);
        if (e && strcmp(e->stream, s->name) != 0) {
            char msg[400];
            snprintf(msg, sizeof(msg), "this Idempotency-Key was used for stream \"%s\"",
                     e->stream);
            reply_error(req, 422, msg);
            return;
        }
        if (e && e->state == SL_IDEM_COMMITTED) {
            reply_accepted(req, e->accepted, true, -1);
            return;
        }
        if (e) {
            wait_for_flush(h, req, e->accepted, idem_key);
            return;
        }
    }

    /* A stream's ingest lease not known to be held (sink/lease.h): the
     * request waits for the attempt to take it, then runs again. */
    if (srv->sink && !lease_ready(h, req, s))
        return;

    size_t len = 0;
    const char *body = sl_httpd_body(req, &len);
    sl_buf_t inflated = SL_BUF_INIT;
    const char *enc = sl_httpd_header(req, "Content-Encoding");
    if (enc && strcasecmp(enc, "identity") != 0) {
        if (strcasecmp(enc, "gzip") != 0) {
            reply_error(req, 415, "unsupported content encoding; use gzip or identity");
            return;
        }
        const char *why = NULL;
        int rc = gunzip_body((const unsigned char *)body, len, srv->cfg.max_body_size,
                             &inflated, &why);
        if (rc != 0) {
            sl_buf_free(&inflated);
            if (rc == 413)
                reply_error(req, 413, "the decompressed body exceeds max_body_size");
            else
                reply_error(req, 400, why);
            return;
        }
        body = sl_buf_cstr(&inflated);
        len = inflated.len;
    }

    sl_arena_t *arena = h->req_arena;
    sl_batch_t *batch = NULL;
    sl_ingest_error_t ierr;
    memset(&ierr, 0, sizeof(ierr));
    int rc;
    if (format == BODY_CSV)
        rc = sl_csv_decode(s, body, len, sl_httpd_query_is(req, "header", "true|1|on|yes"), arena, &batch,
                           &ierr);
    else if (format == BODY_JSON)
        rc = sl_json_decode(s, body, len, arena, &batch, &ierr);
    else
        rc = sl_ndjson_decode(s, body, len, arena, &batch, &ierr);
    if (rc != SL_OK) {
        sl_buf_t b = SL_BUF_INIT;
        sl_buf_puts(&b, "{\"error\": ");
        sl_buf_put_json_string(&b, ierr.message, strlen(ierr.message));
        sl_buf_printf(&b, ", \"line\": %ld", ierr.line);
        if (ierr.column[0]) {
            sl_buf_puts(&b, ", \"column\": ");
            sl_buf_put_json_string(&b, ierr.column, strlen(ierr.column));
        }
        if (ierr.sqlstate[0])
            sl_buf_printf(&b, ", \"sqlstate\": \"%s\"", ierr.sqlstate);
        sl_buf_puts(&b, "}");
        h->rejected_400++;
        reply_json_h(req, 400, b.data, b.len, NULL);
        sl_buf_free(&b);
        goto done;
    }

    pending_req_t *p = sl_xcalloc(1, sizeof(*p));
    p->h = h;
    p->req = req;
    p->accepted = batch->nrows;
    p->late = -1;
    sl_pipeline_req_t pr = {
        .source = who,
        .stream = s,
        .batch = batch,
        .idem_key = idem_key,
        .ack_received = sl_httpd_query_is(req, "ack", "received"),
        .done = on_committed,
        .arg = p,
        .late_out = &p->late,
    };
    sl_httpd_set_close_cb(req, on_client_gone, p);
    sl_error_t err;
    sl_error_clear(&err);
    if (sl_pipeline_ingest(srv, &pr, arena, &err) != SL_OK) {
        sl_httpd_set_close_cb(req, NULL, NULL);
        free(p);
        sl_buf_t b = SL_BUF_INIT;
        sl_buf_puts(&b, "{\"error\": ");
        sl_buf_put_json_string(&b, err.message, strlen(err.message));
        if (pr.bad_row >= 0)
            sl_buf_printf(&b, ", \"line\": %ld", row_line(body, len, pr.bad_row));
        if (pr.bad_view) {
            sl_buf_puts(&b, ", \"view\": ");
            sl_buf_put_json_string(&b, pr.bad_view, strlen(pr.bad_view));
        }
        /* the stream's ingest lease (sink/lease.h): held by another
         * sluiced (409), or PostgreSQL could not be asked (503) */
        bool lease = strcmp(err.sqlstate, "55P03") == 0, down = strcmp(err.sqlstate, "57P03") == 0;
        if (lease || down) {
            sl_buf_puts(&b, ", \"stream\": ");
            sl_buf_put_json_string(&b, s->name, strlen(s->name));
        }
        if (err.hint[0]) {
            sl_buf_puts(&b, ", \"hint\": ");
            sl_buf_put_json_string(&b, err.hint, strlen(err.hint));
        }
        sl_buf_printf(&b, ", \"sqlstate\": \"%s\"}", err.sqlstate);
        h->rejected_400 += !lease && !down;
        h->rejected_409 += lease;
        h->rejected_503 += down;
        reply_json_h(req, lease ? 409 : down ? 503 : strcmp(err.sqlstate, "42501") == 0 ? 403 : 400,
                     b.data, b.len, lease || down ? "Retry-After: 1\r\n" : NULL);
        sl_buf_free(&b);
    }
done:
    sl_arena_reset(arena);
    sl_buf_free(&inflated);
}

/* ---- catalog and health ---- */

/* The catalog as the token's role may see it (g NULL: everything):
 * streams it owns or may insert into or read, views it may read. */
static void get_streams(sl_http_t *h, sl_httpd_req_t *req, const sl_grantee_t *g)
{
    sl_catalog_t *cat = &h->srv->catalog;
    sl_buf_t b = SL_BUF_INIT;
    char tbuf[64];
    int shown = 0;
    sl_buf_puts(&b, "[");
    for (int i = 0; i < cat->nstreams; i++) {
        sl_stream_t *s = cat->streams[i];
        if (g && sl_access_stream(g, s->name) == 0)
            continue;
        sl_buf_puts(&b, shown++ ? ", {\"name\": " : "{\"name\": ");
        sl_buf_put_json_string(&b, s->name, strlen(s->name));
        sl_buf_puts(&b, ", \"columns\": [");
        for (int c = 0; c < s->ncols; c++) {
            const char *t = sl_type_sql(s->cols[c].type, s->cols[c].typmod, tbuf, sizeof(tbuf));
            sl_buf_puts(&b, c ? ", {\"name\": " : "{\"name\": ");
            sl_buf_put_json_string(&b, s->cols[c].name, strlen(s->cols[c].name));
            sl_buf_puts(&b, ", \"type\": ");
            sl_buf_put_json_string(&b, t, strlen(t));
            sl_buf_puts(&b, "}");
        }
        sl_buf_puts(&b, "], \"views\": [");
        for (int v = 0, nv = 0; v < s->nviews; v++) {
            if (g && !sl_access_view(g, s->views[v]->name))
                continue;
            if (nv++)
                sl_buf_puts(&b, ", ");
            sl_buf_put_json_string(&b, s->views[v]->name, strlen(s->views[v]->name));
        }
        sl_buf_puts(&b, "]}");
    }
    sl_buf_puts(&b, "]");
    reply_json_h(req, 200, b.data, b.len, NULL);
    sl_buf_free(&b);
}

static void get_views(sl_http_t *h, sl_httpd_req_t *req, const sl_grantee_t *g)
{
    sl_catalog_t *cat = &h->srv->catalog;
    sl_buf_t b = SL_BUF_INIT;
    int shown = 0;
    sl_buf_puts(&b, "[");
    for (int i = 0; i < cat->nviews; i++) {
        sl_view_t *v = cat->views[i];
        if (g && !sl_access_view(g, v->name))
            continue;
        sl_buf_puts(&b, shown++ ? ", {\"name\": " : "{\"name\": ");
        sl_buf_put_json_string(&b, v->name, strlen(v->name));
        sl_buf_puts(&b, ", \"stream\": ");
        sl_buf_put_json_string(&b, v->stream->name, strlen(v->stream->name));
        sl_buf_puts(&b, ", \"sql\": ");
        sl_buf_put_json_string(&b, v->sql, strlen(v->sql));
        sl_buf_puts(&b, v->broken ? ", \"broken\": true" : ", \"broken\": false");
        sl_buf_puts(&b, v->inactive ? ", \"active\": false}" : ", \"active\": true}");
    }
    sl_buf_puts(&b, "]");
    reply_json_h(req, 200, b.data, b.len, NULL);
    sl_buf_free(&b);
}

static void get_health(sl_http_t *h, sl_httpd_req_t *req, const sl_grantee_t *g)
{
    (void)g;
    /* 503 once ingest would answer 503 (PostgreSQL unreachable for
     * pg_timeout), so a load balancer stops sending events here. */
    bool up = h->srv->sink && sl_sink_connected(h->srv->sink);
    bool accepting = !h->srv->shutting_down &&
                     (h->srv->sink == NULL || sl_sink_accepting(h->srv->sink));
    const char *problem = h->srv->shutting_down ? "shutting down"
                          : h->srv->sink       ? sl_sink_problem(h->srv->sink)
                                               : NULL;
    sl_buf_t b = SL_BUF_INIT;
    sl_buf_printf(&b, "{\"status\": \"%s\", \"postgresql\": \"%s\"",
                  accepting ? (problem ? "degraded" : "ok") : "unavailable", up ? "up" : "down");
    if (problem) {
        sl_buf_puts(&b, ", \"problem\": ");
        sl_buf_put_json_string(&b, problem, strlen(problem));
    }
    sl_buf_puts(&b, "}");
    reply_json_h(req, accepting ? 200 : 503, b.data, b.len, NULL);
    sl_buf_free(&b);
}

static void get_metrics(sl_http_t *h, sl_httpd_req_t *req, const sl_grantee_t *g)
{
    (void)g;
    sl_buf_t b = SL_BUF_INIT;
    sl_buf_printf(&b,
                  "# HELP sluice_http_requests_total HTTP requests received.\n"
                  "# TYPE sluice_http_requests_total counter\n"
                  "sluice_http_requests_total %llu\n"
                  "# HELP sluice_events_accepted_total Events acknowledged to clients.\n"
                  "# TYPE sluice_events_accepted_total counter\n"
                  "sluice_events_accepted_total %llu\n"
                  "# HELP sluice_requests_rejected_total Ingest requests rejected.\n"
                  "# TYPE sluice_requests_rejected_total counter\n"
                  "sluice_requests_rejected_total{code=\"400\"} %llu\n"
                  "sluice_requests_rejected_total{code=\"409\"} %llu\n"
                  "sluice_requests_rejected_total{code=\"503\"} %llu\n"
                  "# HELP sluice_postgresql_up Whether the flush connection is up.\n"
                  "# TYPE sluice_postgresql_up gauge\n"
                  "sluice_postgresql_up %d\n",
                  h->requests, h->events_accepted, h->rejected_400, h->rejected_409,
                  h->rejected_503,
                  h->srv->sink && sl_sink_connected(h->srv->sink) ? 1 : 0);
    if (h->srv->sink) {
        sl_flush_stats_t fs;
        sl_sink_flush_stats(h->srv->sink, &fs);
        sl_buf_printf(&b,
                      "# HELP sluice_flush_duration_seconds Committed flushes, from the first "
                      "statement sent to the commit (last %d flushes).\n"
                      "# TYPE sluice_flush_duration_seconds summary\n"
                      "sluice_flush_duration_seconds{quantile=\"0.5\"} %.6f\n"
                      "sluice_flush_duration_seconds{quantile=\"0.99\"} %.6f\n"
                      "sluice_flush_duration_seconds{quantile=\"1\"} %.6f\n"
                      "sluice_flush_duration_seconds_sum %.6f\n"
                      "sluice_flush_duration_seconds_count %llu\n"
                      "# HELP sluice_flush_groups_total Group rows written by committed flushes.\n"
                      "# TYPE sluice_flush_groups_total counter\n"
                      "sluice_flush_groups_total %llu\n",
                      SL_SINK_FLUSH_WINDOW, fs.p50_ms / 1e3, fs.p99_ms / 1e3, fs.max_ms / 1e3,
                      fs.total_ms / 1e3, fs.flushes, fs.groups);
        sl_buf_printf(&b,
                      "# HELP sluice_unflushed_bytes Memory held by groups not yet flushed.\n"
                      "# TYPE sluice_unflushed_bytes gauge\n"
                      "sluice_unflushed_bytes %zu\n"
                      "# HELP sluice_memory_rejections_total Requests answered 503 for max_memory.\n"
                      "# TYPE sluice_memory_rejections_total counter\n"
                      "sluice_memory_rejections_total %llu\n",
                      sl_sink_delta_memory(h->srv->sink), h->rejected_memory);
    }
    sl_httpd_stats_t hs;
    sl_httpd_get_stats(h->httpd, &hs);
    sl_buf_printf(&b,
                  "# HELP sluice_http_body_inflight_bytes Request body bytes held now "
                  "(max_inflight_body caps them).\n"
                  "# TYPE sluice_http_body_inflight_bytes gauge\n"
                  "sluice_http_body_inflight_bytes %llu\n"
                  "# HELP sluice_http_body_budget_rejections_total Requests answered 503 for "
                  "max_inflight_body.\n"
                  "# TYPE sluice_http_body_budget_rejections_total counter\n"
                  "sluice_http_body_budget_rejections_total %llu\n"
                  "# HELP sluice_http_request_timeouts_total Requests answered 408.\n"
                  "# TYPE sluice_http_request_timeouts_total counter\n"
                  "sluice_http_request_timeouts_total %llu\n"
                  "# HELP sluice_http_accept_pauses_total Times accepting paused after "
                  "accept() failed (out of descriptors).\n"
                  "# TYPE sluice_http_accept_pauses_total counter\n"
                  "sluice_http_accept_pauses_total %llu\n",
                  (unsigned long long)hs.inflight_body, (unsigned long long)hs.budget_rejected,
                  (unsigned long long)hs.timed_out, (unsigned long long)hs.accept_pauses);
    sl_httpd_reply(req, 200, NULL, "text/plain; version=0.0.4", NULL, b.data, b.len);
    sl_buf_free(&b);
}

static void method_not_allowed(sl_httpd_req_t *req, const char *allow)
{
    char hdr[64];
    snprintf(hdr, sizeof(hdr), "Allow: %s\r\n", allow);
    reply_error_h(req, 405, "method not allowed", hdr);
}

/* ---- routing and authentication ---- */

typedef void (*route_fn)(sl_http_t *, sl_httpd_req_t *, const sl_grantee_t *);

static void route_ingest(sl_http_t *h, sl_httpd_req_t *req, const sl_grantee_t *g);

static const struct route {
    const char *path;
    route_fn fn;
    bool open;                  /* served without a token */
} routes[] = {
    {"/v1/streams/", route_ingest, false},   /* POST /v1/streams/NAME */
    {"/v1/streams", get_streams, false},
    {"/v1/views", get_views, false},
    {"/healthz", get_health, true},
    {"/metrics", get_metrics, false},
};

/* POST /v1/streams/NAME, for the token's role g (NULL: http_auth = none);
 * the pipeline decides whether g may insert (403 if not). */
static void route_ingest(sl_http_t *h, sl_httpd_req_t *req, const sl_grantee_t *g)
{
    static const char prefix[] = "/v1/streams/";
    ingest(h, req, sl_httpd_path(req) + sizeof(prefix) - 1, g);
}

/* A request waiting for its token to be looked up (access.h). */
typedef struct auth_wait {
    sl_http_t *h;
    sl_httpd_req_t *req;
    const struct route *route;
} auth_wait_t;

static void on_auth_gone(sl_httpd_req_t *req, void *arg)
{
    auth_wait_t *w = arg;
    (void)req;
    sl_access_cancel(w->h->srv->access, w);
    free(w);
}

static void on_token(void *arg, const sl_grantee_t *g, const char *why)
{
    auth_wait_t *w = arg;
    sl_httpd_req_t *req = w->req;
    sl_httpd_set_close_cb(req, NULL, NULL);
    if (g != NULL)
        w->route->fn(w->h, req, g);
    else if (why != NULL)
        reply_error_h(req, 503, "the token cannot be checked: PostgreSQL is unavailable",
                      "Retry-After: 1\r\n");
    else
        reply_error_h(req, 401, "invalid token",
                      "WWW-Authenticate: Bearer realm=\"sluice\", error=\"invalid_token\"\r\n");
    free(w);
}

/* With http_auth = token: the route runs once the request's bearer token
 * is known, for its role (401 without a valid one). */
static void authenticate(sl_http_t *h, sl_httpd_req_t *req, const struct route *r)
{
    const char *auth = sl_httpd_header(req, "Authorization");
    if (auth == NULL || strncasecmp(auth, "Bearer ", 7) != 0) {
        reply_error_h(req, 401, "authentication required: send \"Authorization: Bearer TOKEN\" "
                                "(CREATE TOKEN FOR ROLE name makes one)",
                      "WWW-Authenticate: Bearer realm=\"sluice\"\r\n");
        return;
    }
    const char *tok = auth + 7;
    while (*tok == ' ')
        tok++;
    auth_wait_t *w = sl_xcalloc(1, sizeof(*w));
    w->h = h;
    w->req = req;
    w->route = r;
    sl_httpd_set_close_cb(req, on_auth_gone, w);
    sl_access_lookup(h->srv->access, tok, strlen(tok), on_token, w);
}

static void on_request(sl_httpd_req_t *req, void *arg)
{
    sl_http_t *h = arg;
    h->requests++;
    const char *path = sl_httpd_path(req);
    const char *method = sl_httpd_method(req);
    bool is_get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
    const struct route *r = NULL;

    static const char prefix[] = "/v1/streams/";
    if (strncmp(path, prefix, sizeof(prefix) - 1) == 0 && path[sizeof(prefix) - 1] != '\0') {
        const char *name = path + sizeof(prefix) - 1;
        if (strcmp(method, "POST") != 0) {
            method_not_allowed(req, "POST");
            return;
        }
        if (strchr(name, '/') != NULL) {
            reply_error(req, 404, "no such resource");
            return;
        }
        r = &routes[0];
    } else {
        for (size_t i = 1; i < sizeof(routes) / sizeof(routes[0]); i++)
            if (strcmp(path, routes[i].path) == 0)
                r = &routes[i];
        if (r == NULL) {
            reply_error(req, 404, "no such resource");
            return;
        }
        if (!is_get) {
            method_not_allowed(req, "GET, HEAD");
            return;
        }
    }
    if (!r->open && h->srv->access != NULL)
        authenticate(h, req, r);
    else
        r->fn(h, req, NULL);
}

int sl_http_start(sl_server_t *srv, const char *addr, int port, sl_http_t **out,
                  sl_error_t *err)
{
    sl_http_t *h = sl_xcalloc(1, sizeof(*h));
    h->srv = srv;
    struct evconnlistener *l = sl_listen_tcp(srv->base, addr, port, NULL, NULL, &h->port, err);
    if (l == NULL) {
        free(h);
        return SL_ERR;
    }
    h->req_arena = sl_arena_new(NULL, "request");
    h->httpd = sl_httpd_new(srv->base, l, srv->cfg.max_body_size, on_request, h);
    sl_httpd_set_limits(h->httpd, srv->cfg.request_timeout_ms, srv->cfg.max_inflight_body);
    sl_httpd_set_tls(h->httpd, srv->ssl_ctx);
    *out = h;
    return SL_OK;
}

int sl_http_port(const sl_http_t *h)
{
    return h->port;
}

void sl_http_stop_accepting(sl_http_t *h)
{
    sl_httpd_stop_accepting(h->httpd);
}

void sl_http_free(sl_http_t *h)
{
    if (h == NULL)
        return;
    sl_httpd_free(h->httpd);
    sl_arena_free(h->req_arena);
    free(h);
}
