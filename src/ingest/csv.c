/*
 * csv.c: the CSV decoder (request body -> column batch); see csv.h.
 *
 * A hand-written single-pass scanner, bounds-checked (the body need not be
 * NUL-terminated).  Each record is read in two steps, as COPY does: first
 * its fields are located (pointer and length into the body, plus whether
 * they had quotes), then, once the field count is known to be right, the
 * fields of known columns are converted in order.  So an unterminated quote
 * or extra fields are reported before any bad value of the record, and a
 * bad value before missing fields.
 *
 * Unquoted fields, and fields that are one quoted section without "" in it,
 * are converted where they lie in the body (text datums point into it);
 * only the rest are unquoted into a copy in the batch's arena.  Integer
 * columns have a fast path for plain decimal digits; everything else goes
 * through sl_type_input.  The field array is allocated once per body: no
 * allocation per record beyond batch growth and those copies.
 */
#include "ingest/csv.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ERRCODE_BAD_COPY_FILE_FORMAT "22P04"

/* How a field was written. */
enum {
    F_PLAIN,    /* no quotes: the bytes are the value; empty means NULL */
    F_QUOTED,   /* exactly "...", no "" inside: the value is between them */
    F_MIXED     /* anything else with quotes: needs unquoting */
};

typedef struct field {
    const char *p;         /* the field as written, quotes included */
    uint32_t n;
    uint8_t kind;
} field_t;

typedef struct dec {
    const sl_stream_t *s;
    const char *end;
    long line;             /* physical line the scanner is on (1-based) */
    long rec_line;         /* line where the current record starts */
    sl_batch_t *b;
    sl_arena_t *a;
    sl_ingest_error_t *ierr;
    sl_error_t err;        /* conversion errors; first error wins */
    int nmap;              /* fields per record */
    int *map;              /* field -> stream column, -1 = skipped */
    const char **names;    /* field -> name, for "missing data" */
    field_t *f;            /* fields of the current record */
    int fcap;
} dec_t;

/* Bytes that end an unquoted run. */
static const uint8_t special[256] = {
    [','] = 1, ['\n'] = 1, ['\r'] = 1, ['"'] = 1,
};

/* Fills *ierr for a malformed record (starting at rec_line); returns SL_ERR. */
static int format_error(dec_t *d, const char *column, const char *sqlstate,
                        const char *msg)
{
    d->ierr->line = d->rec_line;
    snprintf(d->ierr->column, sizeof(d->ierr->column), "%s", column);
    snprintf(d->ierr->message, sizeof(d->ierr->message), "%.*s",
             (int)sizeof(d->ierr->message) - 1, msg);
    snprintf(d->ierr->sqlstate, sizeof(d->ierr->sqlstate), "%s", sqlstate);
    return SL_ERR;
}

/* Scans the quoted part of a field: *pp is at a '"' and start at the
 * field's first byte.  On return *pp is at the byte that ends the field
 * (',', '\n', '\r' or the end of the body) and *kind says whether the
 * field can be used as it lies.  Counts the newlines inside quotes. */
static int scan_quoted(dec_t *d, const char *start, const char **pp,
                       uint8_t *kind)
{
    const char *p = *pp, *e = d->end;
    bool mixed = p != start;
    for (;;) {
        p++; /* the opening quote */
        for (;;) {
            while (p < e && *p != '"' && *p != '\n')
                p++;
            if (p >= e)
                return format_error(d, "", ERRCODE_BAD_COPY_FILE_FORMAT,
                                    "unterminated CSV quoted field");
            if (*p == '\n') {
                d->line++;
                p++;
                continue;
            }
            if (p + 1 < e && p[1] == '"') {
                mixed = true;
                p += 2;
                continue;
            }
            p++; /* the closing quote */
            break;
        }
        /* Unquoted bytes may follow, and another quoted section after them. */
        const char *q = p;
        while (p < e && !special[(uint8_t)*p])
            p++;
        if (p == q)
            break;
        mixed = true;
        if (p >= e || *p != '"')
            break;
    }
    *pp = p;
    *kind = mixed ? F_MIXED : F_QUOTED;
    return SL_OK;
}

/*
 * Locates the fields of the record at *pp (which is not an empty line) and
 * moves *pp past its line end.  Stores the first max fields in d->f, or all
 * of them when max < 0 (growing d->f); *nfields is the number in the record.
 */
static int scan_record(dec_t *d, const char **pp, int max, int *nfields)
{
    const char *p = *pp, *e = d->end;
    int nf = 0;
    for (;;) {
        const char *start = p;
        uint8_t kind = F_PLAIN;
        while (p < e && !special[(uint8_t)*p])
            p++;
        if (p < e && *p == '"' && scan_quoted(d, start, &p, &kind) != SL_OK)
            return SL_ERR;
        if (max < 0 && nf == d->fcap) {
            d->f = sl_realloc(d->a, d->f, sizeof(field_t) * (size_t)d->fcap,
                              sizeof(field_t) * (size_t)d->fcap * 2);
            d->fcap *= 2;
        }
        if (max < 0 || nf < max) {
            field_t *f = &d->f[nf];
            f->p = start;
            f->n = (uint32_t)(p - start);
            f->kind = kind;
        }
        nf++;
        if (p >= e)
            break;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p == '\r') {
            if (p + 1 < e && p[1] != '\n')
                return format_error(d, "", ERRCODE_BAD_COPY_FILE_FORMAT,
                                    "unquoted carriage return found in data");
            p++;
            if (p >= e)
                break;
        }
        p++; /* '\n' */
        d->line++;
        break;
    }
    *pp = p;
    *nfields = nf;
    return SL_OK;
}

/* The value of a field: a pointer into the body, or an unquoted copy in the
 * arena.  Returns false for NULL (an unquoted empty field). */
static bool field_value(dec_t *d, const field_t *f, const char **s, uint32_t *n)
{
    switch (f->kind) {
    case F_PLAIN:
        *s = f->p;
        *n = f->n;
        return f->n > 0;
    case F_QUOTED:
        *s = f->p + 1;
        *n = f->n - 2;
        return true;
    default:
        break;
    }
    char *o = sl_alloc(d->a, f->n), *start = o;
    const char *p = f->p, *e = f->p + f->n;
    bool inq = false;
    while (p < e) {
        char c = *p++;
        if (c != '"') {
            *o++ = c;
        } else if (inq && p < e && *p == '"') {
            *o++ = '"';
            p++;
        } else {
            inq = !inq;
        }
    }
    *s = start;
    *n = (uint32_t)(o - start);
    return true;
}

/* Plain decimal integers (optional '-', at most 18 digits) in range of t;
 * false when the text needs the full input function. */
static bool int_fast(sl_type_t t, const char *s, uint32_t n, int64_t *out)
{
    const char *p = s, *e = s + n;
    bool neg = p < e && *p == '-';
    p += neg;
    if (p == e || e - p > 18)
        return false;
    uint64_t u = 0;
    for (; p < e; p++) {
        unsigned dg = (unsigned)(*p - '0');
        if (dg > 9)
            return false;
        u = u * 10 + dg;
    }
    int64_t v = neg ? -(int64_t)u : (int64_t)u;
    if ((t == SL_T_INT4 && (v < INT32_MIN || v > INT32_MAX)) ||
        (t == SL_T_INT2 && (v < INT16_MIN || v > INT16_MAX)))
        return false;
    *out = v;
    return true;
}

/* Converts field f into column col of row r. */
static int convert(dec_t *d, const field_t *f, int col, int r)
{
    const char *s;
    uint32_t n;
    if (!field_value(d, f, &s, &n))
        return SL_OK; /* rows start all NULL */
    const sl_column_t *c = &d->s->cols[col];
    sl_datum_t *out = &d->b->cols[col][r];
    if ((c->type == SL_T_INT8 || c->type == SL_T_INT4 || c->type == SL_T_INT2) &&
        int_fast(c->type, s, n, &out->v.i)) {
        out->null = false;
        return SL_OK;
    }
    if (sl_type_input(c->type, c->typmod, s, n, d->a, out, &d->err) != SL_OK)
        return format_error(d, c->name, d->err.sqlstate, d->err.message);
    out->null = false;
    return SL_OK;
}

typedef struct name_ref {
    const char *p;
    uint32_t n;
    int k;
} name_ref_t;

static int name_cmp(const void *x, const void *y)
{
    const name_ref_t *a = x, *b = y;
    uint32_t m = a->n < b->n ? a->n : b->n;
    int c = memcmp(a->p, b->p, m);
    if (c != 0)
        return c;
    if (a->n != b->n)
        return a->n < b->n ? -1 : 1;
    return a->k - b->k;
}

/*
 * Reads the header record at *pp: sets d->nmap, d->map and d->names.  A
 * name given twice fails (the first field whose name came earlier).
 */
static int read_header(dec_t *d, const char **pp)
{
    int nf;
    if (scan_record(d, pp, -1, &nf) != SL_OK)
        return SL_ERR;
    d->nmap = nf;
    d->map = sl_alloc(d->a, sizeof(int) * (size_t)nf);
    d->names = sl_alloc(d->a, sizeof(char *) * (size_t)nf);
    name_ref_t *refs = sl_alloc(d->a, sizeof(name_ref_t) * (size_t)nf);
    for (int k = 0; k < nf; k++) {
        const char *s = "";
        uint32_t n = 0;
        field_value(d, &d->f[k], &s, &n);
        d->names[k] = sl_strndup(d->a, s, n);
        d->map[k] = -1;
        for (int c = 0; c < d->s->ncols; c++) {
            const char *cn = d->s->cols[c].name;
            if (strlen(cn) == n && memcmp(cn, s, n) == 0) {
                d->map[k] = c;
                break;
            }
        }
        refs[k] = (name_ref_t){s, n, k};
    }
    qsort(refs, (size_t)nf, sizeof(refs[0]), name_cmp);
    int dup = -1;
    for (int i = 1; i < nf; i++)
        if (refs[i].n == refs[i - 1].n && memcmp(refs[i].p, refs[i - 1].p, refs[i].n) == 0 &&
            (dup < 0 || refs[i].k < dup))
            dup = refs[i].k;
    if (dup >= 0) {
        char msg[sizeof(d->ierr->message)];
        snprintf(msg, sizeof(msg), "column \"%s\" specified more than once", d->names[dup]);
        return format_error(d, d->names[dup], SL_ERRCODE_DUPLICATE_COLUMN, msg);
    }
    if (d->fcap < nf + 1) {
        d->f = sl_realloc(d->a, d->f, sizeof(field_t) * (size_t)d->fcap,
                          sizeof(field_t) * (size_t)(nf + 1));
        d->fcap = nf + 1;
    }
    return SL_OK;
}

/* Reads one data record at *pp into a new row. */
static int read_record(dec_t *d, const char **pp)
{
    int nf;
    if (scan_record(d, pp, d->nmap, &nf) != SL_OK)
        return SL_ERR;
    if (nf > d->nmap)
        return format_error(d, "", ERRCODE_BAD_COPY_FILE_FORMAT,
                            "extra data after last expected column");
    int r = sl_batch_add_row(d->b);
    for (int k = 0; k < nf; k++)
        if (d->map[k] >= 0 && convert(d, &d->f[k], d->map[k], r) != SL_OK)
            return SL_ERR;
    if (nf < d->nmap) {
        char msg[sizeof(d->ierr->message)];
        snprintf(msg, sizeof(msg), "missing data for column \"%s\"", d->names[nf]);
        return format_error(d, d->names[nf], ERRCODE_BAD_COPY_FILE_FORMAT, msg);
    }
    return SL_OK;
}

int sl_csv_decode(const sl_stream_t *s, const char *body, size_t len, bool header,
                  sl_arena_t *a, sl_batch_t **out, sl_ingest_error_t *ierr)
{
    dec_t d;
    memset(&d, 0, sizeof(d));
    memset(ierr, 0, sizeof(*ierr));
    d.s = s;
    d.end = body + len;
    d.line = 1;
    d.a = a;
    d.ierr = ierr;
    if (len >= UINT32_MAX)
        return format_error(&d, "", SL_ERRCODE_PROGRAM_LIMIT, "CSV body too large");

    /* Without a header, field k is column k. */
    d.nmap = s->ncols;
    d.map = sl_alloc(a, sizeof(int) * (size_t)(s->ncols + 1));
    d.names = sl_alloc(a, sizeof(char *) * (size_t)(s->ncols + 1));
    for (int c = 0; c < s->ncols; c++) {
        d.map[c] = c;
        d.names[c] = s->cols[c].name;
    }
    d.fcap = s->ncols + 1 > 16 ? s->ncols + 1 : 16;
    d.f = sl_alloc(a, sizeof(field_t) * (size_t)d.fcap);

    d.b = sl_batch_for_lines(a, s, body, len);

    const char *p = body, *e = d.end;
    bool need_header = header;
    while (p < e) {
        if (*p == '\r' && (p + 1 == e || p[1] == '\n'))
            p++;
        if (p < e && *p == '\n') {
            p++;
            d.line++;
            continue;
        }
        if (p >= e)
            break;
        d.rec_line = d.line;
        if (need_header) {
            need_header = false;
            if (read_header(&d, &p) != SL_OK)
                return SL_ERR;
        } else if (read_record(&d, &p) != SL_OK) {
            return SL_ERR;
        }
    }
    *out = d.b;
    return SL_OK;
}
