/*
 * copytext.h: decoder of PostgreSQL's COPY text format (what COPY ... FROM
 * STDIN and psql's \copy send by default) into one column batch.
 *
 * One row per line (\n or \r\n); fields separated by the delimiter (tab
 * by default); a field equal to the null string as written (\N by
 * default) is NULL; backslash escapes \b \f \n \r \t \v, \ooo (octal), \xhh
 * (hex) and \c (the character c itself); a line "\." ends the data.
 * Fields map to the given stream columns in order; a wrong count fails as
 * COPY does (22P04 "missing data for column" / "extra data after last
 * expected column"); values convert with sl_type_input.  The whole body is
 * one unit: the first bad line returns only the error, with its 1-based
 * line (and column and value when about one field).
 */
#ifndef SL_COPYTEXT_H
#define SL_COPYTEXT_H

#include <stdbool.h>
#include <stddef.h>

#include "ingest/batch.h"
#include "ingest/ndjson.h"   /* sl_ingest_error_t */

typedef struct sl_copytext_opts {
    const int *cols;          /* stream column of each field */
    int ncols;
    char delimiter;
    const char *null_string;
    bool header;              /* skip the first line */
} sl_copytext_opts_t;

/* Decodes body[0..len) for stream s into a new batch from a (values are
 * copied into a).  SL_OK with *out, or SL_ERR with *ierr. */
int sl_copytext_decode(const sl_stream_t *s, const sl_copytext_opts_t *o, const char *body,
                       size_t len, sl_arena_t *a, sl_batch_t **out, sl_ingest_error_t *ierr);

#endif
