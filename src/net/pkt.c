/*
 * pkt.c: building and reading PostgreSQL v3 protocol messages (pkt.h).
 *
 * Integers are big-endian on the wire.  A message's length word counts
 * itself and the body but not the type byte; a startup packet has no type
 * byte.
 */
#include "net/pkt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- builder ---- */

void sl_pkt_begin(sl_pkt_t *p, char type)
{
    static const char zero[4] = {0, 0, 0, 0};
    p->start = p->buf.len;
    p->typed = type != 0;
    if (p->typed)
        sl_buf_putc(&p->buf, type);
    sl_buf_append(&p->buf, zero, 4);
}

void sl_pkt_put_byte(sl_pkt_t *p, char c)
{
    sl_buf_putc(&p->buf, c);
}

void sl_pkt_put_int16(sl_pkt_t *p, int v)
{
    unsigned char b[2] = {(unsigned char)((v >> 8) & 0xff), (unsigned char)(v & 0xff)};
    sl_buf_append(&p->buf, b, 2);
}

void sl_pkt_put_int32(sl_pkt_t *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    unsigned char b[4] = {(unsigned char)(u >> 24), (unsigned char)(u >> 16),
                          (unsigned char)(u >> 8), (unsigned char)u};
    sl_buf_append(&p->buf, b, 4);
}

void sl_pkt_put_string(sl_pkt_t *p, const char *s)
{
    sl_buf_append(&p->buf, s, strlen(s) + 1);
}

void sl_pkt_put_bytes(sl_pkt_t *p, const void *d, size_t n)
{
    sl_buf_append(&p->buf, d, n);
}

void sl_pkt_finish(sl_pkt_t *p)
{
    size_t at = p->start + (p->typed ? 1 : 0);
    uint32_t len = (uint32_t)(p->buf.len - at);
    unsigned char *b = (unsigned char *)p->buf.data + at;
    b[0] = (unsigned char)(len >> 24);
    b[1] = (unsigned char)(len >> 16);
    b[2] = (unsigned char)(len >> 8);
    b[3] = (unsigned char)len;
}

void sl_pkt_reset(sl_pkt_t *p)
{
    sl_buf_reset(&p->buf);
    p->start = 0;
}

void sl_pkt_free(sl_pkt_t *p)
{
    sl_buf_free(&p->buf);
    p->start = 0;
}

/* ---- writers ---- */

static void put_field(sl_pkt_t *p, char code, const char *value)
{
    sl_pkt_put_byte(p, code);
    sl_pkt_put_string(p, value);
}

static void error_like(sl_pkt_t *p, char type, const sl_error_t *err, const char *defsev)
{
    const char *sev = err->severity ? err->severity : defsev;
    sl_pkt_begin(p, type);
    put_field(p, 'S', sev);
    put_field(p, 'V', sev);
    put_field(p, 'C', err->sqlstate[0] ? err->sqlstate : "XX000");
    put_field(p, 'M', err->message);
    if (err->detail[0])
        put_field(p, 'D', err->detail);
    if (err->hint[0])
        put_field(p, 'H', err->hint);
    if (err->position > 0) {
        char pos[16];
        snprintf(pos, sizeof(pos), "%d", err->position);
        put_field(p, 'P', pos);
    }
    if (err->context[0])
        put_field(p, 'W', err->context);
    sl_pkt_put_byte(p, 0);
    sl_pkt_finish(p);
}

void sl_pkt_error(sl_pkt_t *p, const sl_error_t *err)
{
    error_like(p, 'E', err, "ERROR");
}

void sl_pkt_notice(sl_pkt_t *p, const sl_error_t *err)
{
    error_like(p, 'N', err, "NOTICE");
}

void sl_pkt_notice_text(sl_pkt_t *p, const char *message)
{
    sl_pkt_notice_detail(p, message, NULL);
}

void sl_pkt_notice_detail(sl_pkt_t *p, const char *message, const char *detail)
{
    sl_error_t e;
    sl_error_clear(&e);
    strcpy(e.sqlstate, "00000");
    e.severity = "NOTICE";
    snprintf(e.message, sizeof(e.message), "%s", message);
    if (detail)
        snprintf(e.detail, sizeof(e.detail), "%s", detail);
    error_like(p, 'N', &e, "NOTICE");
}

/* pg_type.typlen of each type: fixed size in bytes, -1 varlena, -2 cstring. */
static int type_len(sl_type_t t)
{
    switch (t) {
    case SL_T_BOOL: return 1;
    case SL_T_INT2: return 2;
    case SL_T_INT4:
    case SL_T_FLOAT4: return 4;
    case SL_T_INT8:
    case SL_T_FLOAT8:
    case SL_T_TIMESTAMPTZ:
    case SL_T_TIMESTAMP: return 8;
    case SL_T_INTERVAL: return 16;
    case SL_T_DATE: return 4;
    case SL_T_TIME: return 8;
    case SL_T_UUID: return 16;
    case SL_T_UNKNOWN: return -2;
    default: return -1;
    }
}

void sl_pkt_row_description(sl_pkt_t *p, int ncols, const char *const *names,
                            const sl_type_t *types)
{
    sl_pkt_row_description_formats(p, ncols, names, types, NULL);
}

void sl_pkt_row_description_formats(sl_pkt_t *p, int ncols, const char *const *names,
                                    const sl_type_t *types, const int16_t *formats)
{
    sl_pkt_begin(p, 'T');
    sl_pkt_put_int16(p, ncols);
    for (int i = 0; i < ncols; i++) {
        sl_pkt_put_string(p, names[i]);
        sl_pkt_put_int32(p, 0);                         /* table OID */
        sl_pkt_put_int16(p, 0);                         /* column number */
        sl_pkt_put_int32(p, (int32_t)sl_type_oid(types[i]));
        sl_pkt_put_int16(p, type_len(types[i]));
        sl_pkt_put_int32(p, -1);                        /* typmod */
        sl_pkt_put_int16(p, formats ? formats[i] : 0);  /* 0 text, 1 binary */
    }
    sl_pkt_finish(p);
}

void sl_pkt_parameter_description(sl_pkt_t *p, int n, const uint32_t *oids)
{
    sl_pkt_begin(p, 't');
    sl_pkt_put_int16(p, n);
    for (int i = 0; i < n; i++)
        sl_pkt_put_int32(p, (int32_t)oids[i]);
    sl_pkt_finish(p);
}

void sl_pkt_empty_message(sl_pkt_t *p, char type)
{
    sl_pkt_begin(p, type);
    sl_pkt_finish(p);
}

void sl_pkt_data_row(sl_pkt_t *p, int ncols, char *const *cells)
{
    sl_pkt_begin(p, 'D');
    sl_pkt_put_int16(p, ncols);
    for (int i = 0; i < ncols; i++) {
        if (cells[i] == NULL) {
            sl_pkt_put_int32(p, -1);
        } else {
            size_t n = strlen(cells[i]);
            sl_pkt_put_int32(p, (int32_t)n);
            sl_pkt_put_bytes(p, cells[i], n);
        }
    }
    sl_pkt_finish(p);
}

void sl_pkt_command_complete(sl_pkt_t *p, const char *tag)
{
    sl_pkt_begin(p, 'C');
    sl_pkt_put_string(p, tag);
    sl_pkt_finish(p);
}

void sl_pkt_ready_for_query(sl_pkt_t *p, char txn_status)
{
    sl_pkt_begin(p, 'Z');
    sl_pkt_put_byte(p, txn_status);
    sl_pkt_finish(p);
}

void sl_pkt_parameter_status(sl_pkt_t *p, const char *name, const char *value)
{
    sl_pkt_begin(p, 'S');
    sl_pkt_put_string(p, name);
    sl_pkt_put_string(p, value);
    sl_pkt_finish(p);
}

void sl_pkt_backend_key_data(sl_pkt_t *p, int32_t pid, int32_t key)
{
    sl_pkt_begin(p, 'K');
    sl_pkt_put_int32(p, pid);
    sl_pkt_put_int32(p, key);
    sl_pkt_finish(p);
}

void sl_pkt_auth_ok(sl_pkt_t *p)
{
    sl_pkt_begin(p, 'R');
    sl_pkt_put_int32(p, 0);
    sl_pkt_finish(p);
}

void sl_pkt_empty_query(sl_pkt_t *p)
{
    sl_pkt_begin(p, 'I');
    sl_pkt_finish(p);
}

void sl_pkt_negotiate_protocol(sl_pkt_t *p, int minor, int nopts, const char *const *opts)
{
    sl_pkt_begin(p, 'v');
    sl_pkt_put_int32(p, minor);
    sl_pkt_put_int32(p, nopts);
    for (int i = 0; i < nopts; i++)
        sl_pkt_put_string(p, opts[i]);
    sl_pkt_finish(p);
}

void sl_pkt_query(sl_pkt_t *p, const char *sql)
{
    sl_pkt_begin(p, 'Q');
    sl_pkt_put_string(p, sql);
    sl_pkt_finish(p);
}

void sl_pkt_sync(sl_pkt_t *p)
{
    sl_pkt_begin(p, 'S');
    sl_pkt_finish(p);
}

bool sl_pkt_copy_error(sl_pkt_t *p, char type, const void *body, size_t len, int delta)
{
    const char *b = body;
    /* Validate first so that nothing half-built is left behind. */
    size_t i = 0;
    for (;;) {
        if (i >= len)
            return false;
        if (b[i] == 0)
            break;
        const char *nul = memchr(b + i + 1, 0, len - i - 1);
        if (nul == NULL)
            return false;
        i = (size_t)(nul - b) + 1;
    }
    sl_pkt_begin(p, type);
    for (i = 0; b[i] != 0;) {
        char code = b[i];
        const char *val = b + i + 1;
        size_t n = strlen(val);
        if (code == 'P') {
            if (delta >= 0) {
                char pos[24];
                snprintf(pos, sizeof(pos), "%ld", strtol(val, NULL, 10) + delta);
                put_field(p, 'P', pos);
            }
        } else {
            sl_pkt_put_byte(p, code);
            sl_pkt_put_bytes(p, val, n + 1);
        }
        i += n + 2;
    }
    sl_pkt_put_byte(p, 0);
    sl_pkt_finish(p);
    return true;
}

const char *sl_pkt_error_field(const void *body, size_t len, char code)
{
    const char *b = body;
    size_t i = 0;
    while (i < len && b[i] != 0) {
        const char *nul = memchr(b + i + 1, 0, len - i - 1);
        if (nul == NULL)
            return NULL;
        if (b[i] == code)
            return b + i + 1;
        i = (size_t)(nul - b) + 1;
    }
    return NULL;
}

/* ---- reader ---- */

static uint32_t get_be32(const unsigned char *b)
{
    return (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
}

int sl_pkt_read_header(const void *head, size_t avail, bool startup, size_t limit,
                       sl_pkt_hdr_t *h, sl_error_t *err)
{
    const unsigned char *b = head;
    size_t hlen = startup ? 4 : 5;
    h->type = 0;
    h->size = 0;
    h->body = hlen;
    if (avail < hlen)
        return SL_AGAIN;
    if (!startup)
        h->type = (char)b[0];
    uint32_t len = get_be32(b + hlen - 4);
    if (startup) {
        if (len < 8 || len > limit)
            return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, 0,
                                "invalid length of startup packet");
    } else if (len < 4 || len > limit) {
        return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, 0, "invalid message length");
    }
    h->size = (size_t)len + (startup ? 0 : 1);
    return avail >= h->size ? SL_OK : SL_AGAIN;
}

void sl_pkt_reader_init(sl_pkt_reader_t *r, const void *body, size_t len)
{
    r->data = body;
    r->len = len;
    r->pos = 0;
    r->bad = false;
}

int sl_pkt_get_byte(sl_pkt_reader_t *r)
{
    if (r->pos + 1 > r->len) {
        r->bad = true;
        return 0;
    }
    return (unsigned char)r->data[r->pos++];
}

int sl_pkt_get_int16(sl_pkt_reader_t *r)
{
    if (r->pos + 2 > r->len) {
        r->bad = true;
        return 0;
    }
    const unsigned char *b = (const unsigned char *)r->data + r->pos;
    r->pos += 2;
    return (int16_t)((uint16_t)b[0] << 8 | b[1]);
}

int32_t sl_pkt_get_int32(sl_pkt_reader_t *r)
{
    if (r->pos + 4 > r->len) {
        r->bad = true;
        return 0;
    }
    uint32_t v = get_be32((const unsigned char *)r->data + r->pos);
    r->pos += 4;
    return (int32_t)v;
}

const char *sl_pkt_get_string(sl_pkt_reader_t *r)
{
    if (r->pos >= r->len) {
        r->bad = true;
        return NULL;
    }
    const char *s = r->data + r->pos;
    const char *nul = memchr(s, 0, r->len - r->pos);
    if (nul == NULL) {
        r->bad = true;
        return NULL;
    }
    r->pos += (size_t)(nul - s) + 1;
    return s;
}

const char *sl_pkt_query_text(const void *body, size_t len)
{
    const char *q = body;
    if (len == 0 || memchr(q, 0, len) != q + len - 1)
        return NULL;
    return q;
}

const char *sl_pkt_parse_text(const void *body, size_t len)
{
    sl_pkt_reader_t r;
    sl_pkt_reader_init(&r, body, len);
    sl_pkt_get_string(&r);   /* statement name */
    return sl_pkt_get_string(&r);
}

int sl_pkt_parse_startup(const void *body, size_t len, sl_arena_t *a,
                         sl_pkt_startup_t *out, sl_error_t *err)
{
    sl_pkt_reader_t r;
    memset(out, 0, sizeof(*out));
    sl_pkt_reader_init(&r, body, len);
    out->code = (uint32_t)sl_pkt_get_int32(&r);
    if (r.bad)
        return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, 0,
                            "invalid length of startup packet");
    switch (out->code) {
    case SL_PKT_SSL_REQUEST:
    case SL_PKT_GSSENC_REQUEST:
        return SL_OK;
    case SL_PKT_CANCEL_REQUEST:
        out->cancel_pid = sl_pkt_get_int32(&r);
        out->cancel_key = sl_pkt_get_int32(&r);
        if (r.bad)
            return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, 0,
                                "invalid length of cancel request packet");
        return SL_OK;
    default:
        break;
    }
    if (out->code >> 16 != 3)
        return sl_error_set(err, SL_ERRCODE_FEATURE_NOT_SUPPORTED, 0,
                            "unsupported frontend protocol %u.%u: server supports 3.0 to 3.0",
                            out->code >> 16, out->code & 0xffff);
    /* name\0value\0 ... \0 */
    const char *b = (const char *)body + 4;
    size_t n = len - 4;
    if (n == 0 || b[n - 1] != 0)
        return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, 0,
                            "invalid startup packet layout: expected terminator as last byte");
    int cap = 0;
    for (size_t i = 0; i < n; i++)
        cap += b[i] == 0;
    out->names = sl_alloc(a, sizeof(char *) * (size_t)(cap / 2 + 1));
    out->values = sl_alloc(a, sizeof(char *) * (size_t)(cap / 2 + 1));
    for (;;) {
        const char *name = sl_pkt_get_string(&r);
        if (name != NULL && name[0] == 0)
            break;
        const char *value = name ? sl_pkt_get_string(&r) : NULL;
        if (value == NULL)
            return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, 0,
                                "invalid startup packet layout: expected terminator as last byte");
        out->names[out->nparams] = name;
        out->values[out->nparams] = value;
        out->nparams++;
    }
    if (r.pos != r.len)
        return sl_error_set(err, SL_ERRCODE_PROTOCOL_VIOLATION, 0,
                            "invalid startup packet layout: expected terminator as last byte");
    return SL_OK;
}

const char *sl_pkt_startup_param(const sl_pkt_startup_t *s, const char *name)
{
    for (int i = 0; i < s->nparams; i++)
        if (strcmp(s->names[i], name) == 0)
            return s->values[i];
    return NULL;
}

int sl_pkt_utf8_chars(const char *s, size_t n)
{
    int chars = 0;
    for (size_t i = 0; i < n; i++)
        chars += ((unsigned char)s[i] & 0xc0) != 0x80;
    return chars;
}
