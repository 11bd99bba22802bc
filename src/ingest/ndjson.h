/*
 * ndjson.h: NDJSON decoder: a request body -> one column batch.
 *
 * One JSON object per line (blank lines skipped, \r\n accepted).  Fields map
 * to stream columns by exact name; missing fields and JSON null are NULL;
 * unknown fields are ignored (whatever their value, nested or not).  Values
 * convert with PostgreSQL's input rules for the column type
 * (sl_type_input): a JSON string goes through the type's input function; a
 * JSON number is taken as its literal text (so 1.5 into an integer column is
 * rejected as PostgreSQL would reject '1.5'); true/false into boolean (and
 * into text as "true"/"false").  An object or array value for a known column
 * is an error.
 *
 * The whole body is one unit: on the first bad line nothing is returned but
 * the error.
 */
#ifndef SL_NDJSON_H
#define SL_NDJSON_H

#include <stddef.h>

#include "ingest/batch.h"

typedef struct sl_ingest_error {
    long line;            /* 1-based line of the body */
    char column[64];      /* column name, "" when not about one column */
    char message[256];    /* PostgreSQL-style reason */
    char sqlstate[6];
    char value[64];       /* COPY text: the field's text (cut), "" if none */
} sl_ingest_error_t;

/*
 * Decodes body[0..len) for stream s into a new batch from arena a.  Text
 * datums may point into body (the caller keeps it alive as long as the
 * batch).  Returns SL_OK with *out set, or SL_ERR with *ierr filled.
 */
int sl_ndjson_decode(const sl_stream_t *s, const char *body, size_t len,
                     sl_arena_t *a, sl_batch_t **out, sl_ingest_error_t *ierr);

/*
 * application/json: one JSON object, or an array of objects, with newlines
 * anywhere whitespace may be (pretty-printed).  The same field and value
 * rules; errors name the physical line of the body.  An empty body (or
 * []) gives no rows.
 */
int sl_json_decode(const sl_stream_t *s, const char *body, size_t len,
                   sl_arena_t *a, sl_batch_t **out, sl_ingest_error_t *ierr);

#endif
