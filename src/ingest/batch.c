/*
 * batch.c: column batches of stream events; see batch.h.
 *
 * Every array comes from the batch's arena; growth doubles the capacity
 * (sl_realloc copies, the old arrays stay in the arena until it is reset),
 * so a batch of n rows costs O(n) memory and O(log n) reallocations.
 */
#include "ingest/batch.h"

#include <string.h>

sl_batch_t *sl_batch_new(sl_arena_t *a, const sl_stream_t *s, int cap)
{
    sl_batch_t *b = sl_alloc0(a, sizeof(*b));
    if (cap < 16)
        cap = 16;
    b->stream = s;
    b->ncols = s->ncols;
    b->nrows = 0;
    b->cap = cap;
    b->arena = a;
    b->cols = sl_alloc0(a, sizeof(sl_datum_t *) * (size_t)(b->ncols > 0 ? b->ncols : 1));
    for (int c = 0; c < b->ncols; c++)
        b->cols[c] = sl_alloc(a, sizeof(sl_datum_t) * (size_t)cap);
    return b;
}

sl_batch_t *sl_batch_for_lines(sl_arena_t *a, const sl_stream_t *s, const char *body,
                               size_t len)
{
    const char *end = body + len;
    size_t lines = 1;
    for (const char *q = body; q < end; q++) {
        q = memchr(q, '\n', (size_t)(end - q));
        if (q == NULL)
            break;
        lines++;
    }
    return sl_batch_new(a, s, lines > (1u << 30) ? 1 << 30 : (int)lines);
}

int sl_batch_add_row(sl_batch_t *b)
{
    if (b->nrows == b->cap) {
        int ncap = b->cap * 2;
        for (int c = 0; c < b->ncols; c++)
            b->cols[c] = sl_realloc(b->arena, b->cols[c],
                                    sizeof(sl_datum_t) * (size_t)b->cap,
                                    sizeof(sl_datum_t) * (size_t)ncap);
        b->cap = ncap;
    }
    int r = b->nrows++;
    for (int c = 0; c < b->ncols; c++) {
        sl_datum_t *d = &b->cols[c][r];
        d->v.i = 0;
        d->v.s.n = 0;
        d->null = true;
    }
    return r;
}

sl_batch_t *sl_batch_copy(sl_arena_t *a, const sl_batch_t *b, size_t *bytes)
{
    sl_batch_t *c = sl_batch_new(a, b->stream, b->nrows > 0 ? b->nrows : 1);
    size_t n = sizeof(sl_datum_t) * (size_t)b->ncols * (size_t)(b->nrows > 0 ? b->nrows : 1);
    c->nrows = b->nrows;
    for (int k = 0; k < b->ncols; k++) {
        bool ref = sl_type_by_ref(b->stream->cols[k].type);
        for (int r = 0; r < b->nrows; r++) {
            sl_datum_t d = b->cols[k][r];
            if (ref && !d.null && d.v.s.n > 0) {
                char *p = sl_alloc(a, d.v.s.n);
                memcpy(p, d.v.s.p, d.v.s.n);
                d.v.s.p = p;
                n += d.v.s.n;
            }
            c->cols[k][r] = d;
        }
    }
    *bytes = n;
    return c;
}
