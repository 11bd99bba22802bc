/*
 * ddl.h: the SQL that creates and drops a stream's or a view's objects and
 * catalog rows in the backing PostgreSQL.  The text is run as one simple
 * Query (one implicit transaction) on the issuing client's own backend
 * connection, so DDL never blocks the server's loop.  Identifiers are
 * quoted; the statement texts stored in the catalog are literals that read
 * the same under either standard_conforming_strings (sl_buf_put_literal).
 */
#ifndef SL_DDL_H
#define SL_DDL_H

#include "catalog/catalog.h"
#include "util/buf.h"

/* The stream's relation sluice_stream."name" (an empty view with its
 * columns: owner and privileges of the stream), then its catalog row. */
void sl_ddl_create_stream(const sl_stream_t *s, sl_buf_t *sql);
/* That relation alone (streams of an older catalog get one at start). */
void sl_ddl_stream_relation(const sl_stream_t *s, sl_buf_t *sql);
void sl_ddl_drop_stream(const sl_stream_t *s, sl_buf_t *sql);
/* ALTER STREAM ... ADD COLUMN: s as it becomes (its new column last, its
 * new CREATE text in s->sql): the relation replaced, the row's sql set. */
void sl_ddl_alter_stream(const sl_stream_t *s, sl_buf_t *sql);
/* ACTIVATE / DEACTIVATE CONTINUOUS VIEW: the catalog row's active flag. */
void sl_ddl_activate_view(const sl_view_t *v, bool active, sl_buf_t *sql);
/* State table, finalizing view and catalog row of v (plan analyzed). */
void sl_ddl_create_view(const sl_view_t *v, sl_buf_t *sql);
void sl_ddl_drop_view(const sl_view_t *v, sl_buf_t *sql);
/* TRUNCATE CONTINUOUS VIEW: empties v's table. */
void sl_ddl_truncate_view(const sl_view_t *v, sl_buf_t *sql);
/* The state table's group and state columns of plan p, comma-separated
 * (after `ncol` columns already written), each followed by its type when
 * with_types.  Returns the number of columns written in all. */
int sl_ddl_state_columns(const sl_view_plan_t *p, int ncol, bool with_types, sl_buf_t *sql);

#endif
