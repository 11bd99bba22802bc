/*
 * batch.h: a column batch of stream events.
 *
 * Column-major: cols[c][r] is the value of stream column c in row r.  All
 * memory (the arrays and text bytes that had to be copied, e.g. unescaped
 * JSON strings) belongs to the arena given at creation; text datums may
 * also point into the request body, which outlives the batch.
 */
#ifndef SL_BATCH_H
#define SL_BATCH_H

#include "catalog/catalog.h"
#include "util/arena.h"
#include "util/types.h"

typedef struct sl_batch {
    const sl_stream_t *stream;
    int ncols;
    int nrows;
    int cap;
    sl_datum_t **cols;
    sl_arena_t *arena;
} sl_batch_t;

/* New empty batch for s with room for cap rows, allocated from a. */
sl_batch_t *sl_batch_new(sl_arena_t *a, const sl_stream_t *s, int cap);
/* New empty batch with room for one row per line of body[0..len) (so a
 * line-per-event decoder never grows it). */
sl_batch_t *sl_batch_for_lines(sl_arena_t *a, const sl_stream_t *s, const char *body,
                               size_t len);
/* Makes room for one more row (all columns NULL) and returns its index. */
int sl_batch_add_row(sl_batch_t *b);
/* A copy of b owning all its memory in a (values held by reference, such as
 * text, copied too); *bytes: about the memory it takes. */
sl_batch_t *sl_batch_copy(sl_arena_t *a, const sl_batch_t *b, size_t *bytes);

#endif
