/*
 * csv.h: CSV decoder: a request body -> one column batch.
 *
 * PostgreSQL's COPY ... (FORMAT csv) rules (RFC 4180): one record per line,
 * \n or \r\n line ends, the last one optional; completely empty lines are
 * skipped.  Fields are separated by ','; a double quote starts a quoted
 * section anywhere in a field, "" inside one is a literal quote, and quoted
 * sections may hold commas, \r and newlines.  A carriage return outside
 * quotes that does not end a line is an error.  An unquoted empty field is
 * NULL; a quoted empty one ("") is the empty string, which the column type's
 * input function then accepts or rejects (text: ''; integer: invalid input
 * syntax).  Values convert with sl_type_input for the column's type and
 * typmod, as NDJSON values do.
 *
 * Without a header, fields map to the stream's columns in order and every
 * record has exactly one field per column.  With one, the first non-empty
 * record names the columns: exact names map to stream columns, unknown
 * names are skipped, columns the header does not name are NULL, a name
 * given twice is an error; every later record has one field per header
 * name.  Wrong field counts fail as COPY does (22P04 "missing data for
 * column" / "extra data after last expected column").
 *
 * Error lines are 1-based physical lines of the body: a record whose quoted
 * fields span lines is reported at the line where it starts.  The whole
 * body is one unit: on the first bad record nothing is returned but the
 * error.
 */
#ifndef SL_CSV_H
#define SL_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "ingest/batch.h"
#include "ingest/ndjson.h"   /* sl_ingest_error_t */

/*
 * Decodes body[0..len) for stream s into a new batch from arena a; header
 * says whether the first non-empty record names the columns.  Text datums
 * may point into body (the caller keeps it alive as long as the batch);
 * values that had quotes to remove are copied into a.  Returns SL_OK with
 * *out set, or SL_ERR with *ierr filled (line, column when about one,
 * PostgreSQL-style message and SQLSTATE).
 */
int sl_csv_decode(const sl_stream_t *s, const char *body, size_t len, bool header,
                  sl_arena_t *a, sl_batch_t **out, sl_ingest_error_t *ierr);

#endif
