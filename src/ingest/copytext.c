/*
 * copytext.c: the COPY text format decoder; see copytext.h.
 *
 * Bounds-checked single pass over the body, line by line: a line's fields
 * are first cut at unescaped delimiters (so a wrong field count is found
 * before any value is converted, as COPY does), then each is compared
 * with the null string as written, unescaped (when it has a backslash)
 * into a copy in the arena, and converted with its column's input
 * function; other text datums point into the body.
 */
#include "ingest/copytext.h"

#include <stdio.h>
#include <string.h>

#define ERRCODE_BAD_COPY_FILE_FORMAT "22P04"

typedef struct span {
    const char *p;
    size_t n;
} span_t;

static int fail(sl_ingest_error_t *ierr, long line, const char *col, const char *sqlstate,
                const char *msg, const char *val, size_t vlen)
{
    ierr->line = line;
    snprintf(ierr->column, sizeof(ierr->column), "%s", col ? col : "");
    snprintf(ierr->message, sizeof(ierr->message), "%s", msg);
    snprintf(ierr->sqlstate, sizeof(ierr->sqlstate), "%s", sqlstate);
    if (val != NULL) {
        size_t n = vlen < sizeof(ierr->value) - 1 ? vlen : sizeof(ierr->value) - 1;
        memcpy(ierr->value, val, n);
        ierr->value[n] = 0;
    }
    return SL_ERR;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Unescapes f into out (at least f.n bytes); returns the length. */
static size_t unescape(span_t f, char *out)
{
    size_t o = 0;
    for (size_t i = 0; i < f.n; i++) {
        char c = f.p[i];
        if (c != '\\' || i + 1 == f.n) {
            out[o++] = c;
            continue;
        }
        c = f.p[++i];
        switch (c) {
        case 'b': out[o++] = '\b'; break;
        case 'f': out[o++] = '\f'; break;
        case 'n': out[o++] = '\n'; break;
        case 'r': out[o++] = '\r'; break;
        case 't': out[o++] = '\t'; break;
        case 'v': out[o++] = '\v'; break;
        case 'x':
            if (i + 1 < f.n && hexval((unsigned char)f.p[i + 1]) >= 0) {
                int v = hexval((unsigned char)f.p[++i]);
                if (i + 1 < f.n && hexval((unsigned char)f.p[i + 1]) >= 0)
                    v = v * 16 + hexval((unsigned char)f.p[++i]);
                out[o++] = (char)v;
            } else {
                out[o++] = 'x';
            }
            break;
        default:
            if (c >= '0' && c <= '7') {
                int v = c - '0';
                for (int k = 0; k < 2 && i + 1 < f.n && f.p[i + 1] >= '0' && f.p[i + 1] <= '7';
                     k++)
                    v = v * 8 + (f.p[++i] - '0');
                out[o++] = (char)v;
            } else {
                out[o++] = c;
            }
            break;
        }
    }
    return o;
}

int sl_copytext_decode(const sl_stream_t *s, const sl_copytext_opts_t *o, const char *body,
                       size_t len, sl_arena_t *a, sl_batch_t **out, sl_ingest_error_t *ierr)
{
    sl_batch_t *b = sl_batch_for_lines(a, s, body, len);
    span_t *f = sl_alloc(a, sizeof(span_t) * (size_t)(o->ncols + 1));
    size_t nulllen = strlen(o->null_string);
    const char *p = body, *end = body + len;
    long line = 0;
    *out = NULL;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl ? nl : end;
        const char *next = nl ? nl + 1 : end;
        line++;
        if (eol > p && eol[-1] == '\r')
            eol--;
        if (eol - p == 2 && p[0] == '\\' && p[1] == '.')
            break;   /* end-of-data marker */
        if (line == 1 && o->header) {
            p = next;
            continue;
        }
        /* Cut the fields at unescaped delimiters. */
        int nf = 0;
        const char *q = p, *start = p;
        bool extra = false;
        for (;;) {
            if (q == eol || *q == o->delimiter) {
                if (nf == o->ncols) {
                    extra = true;
                    break;
                }
                f[nf].p = start;
                f[nf].n = (size_t)(q - start);
                nf++;
                if (q == eol)
                    break;
                start = ++q;
                continue;
            }
            if (*q == '\\' && q + 1 < eol)
                q++;
            q++;
        }
        if (extra || (o->ncols == 0 && eol > p))
            return fail(ierr, line, NULL, ERRCODE_BAD_COPY_FILE_FORMAT,
                        "extra data after last expected column", p, (size_t)(eol - p));
        if (nf < o->ncols) {
            char msg[200];
            snprintf(msg, sizeof(msg), "missing data for column \"%s\"",
                     s->cols[o->cols[nf]].name);
            return fail(ierr, line, NULL, ERRCODE_BAD_COPY_FILE_FORMAT, msg, p,
                        (size_t)(eol - p));
        }
        int r = sl_batch_add_row(b);
        for (int i = 0; i < o->ncols; i++) {
            const sl_column_t *col = &s->cols[o->cols[i]];
            if (f[i].n == nulllen && memcmp(f[i].p, o->null_string, nulllen) == 0)
                continue;   /* NULL */
            const char *v = f[i].p;
            size_t vn = f[i].n;
            if (memchr(v, '\\', vn) != NULL) {
                char *u = sl_alloc(a, vn + 1);   /* text datums may point here */
                vn = unescape(f[i], u);
                u[vn] = 0;
                v = u;
            }
            sl_error_t err;
            sl_error_clear(&err);
            sl_datum_t *d = &b->cols[o->cols[i]][r];
            if (sl_type_input(col->type, col->typmod, v, (uint32_t)vn, a, d, &err) != SL_OK)
                return fail(ierr, line, col->name, err.sqlstate, err.message, v, vn);
        }
        p = next;
    }
    *out = b;
    return SL_OK;
}
