/*
 * exec.h: execution of continuous view plans over column batches.
 *
 * A view's execution state (separate from its read-only plan) runs the
 * plan's operators, one per file (op_filter.c, op_project.c,
 * op_hashagg.c), and accumulates per-group delta states in memory, with no
 * per-event heap allocation.
 *
 * Applying a request is two-phase, so one request is one unit across every
 * view of its stream:
 *   sl_exec_prepare  evaluates filter, group keys and aggregate arguments of
 *                    the batch into scratch memory; may fail (overflow,
 *                    division by zero ...) and then changes nothing;
 *   sl_exec_apply    folds the prepared rows into the view's delta; cannot
 *                    fail.
 *
 * The flush detaches the current delta (a fresh one starts at once, so
 * ingest goes on while the flush runs), renders its rows as text for the
 * upsert, and frees it after COMMIT, or merges it back with sl_exec_restore
 * when the transaction failed, so nothing is lost.
 *
 * Delta columns, in order: the plan's group keys (plan->group), then for
 * each aggregate its state columns (plan->aggs[i].nstate), as agg.h lists.
 */
#ifndef SL_EXEC_H
#define SL_EXEC_H

#include <stdbool.h>

#include "ingest/batch.h"
#include "plan/plan.h"
#include "util/buf.h"

typedef struct sl_view_exec sl_view_exec_t;
typedef struct sl_exec_pending sl_exec_pending_t;
typedef struct sl_delta sl_delta_t;

sl_view_exec_t *sl_exec_new(const sl_view_plan_t *plan);
/* Frees the state and its deltas; takes void* to serve as a destructor. */
void sl_exec_free(void *st);

/* now() / current_timestamp in views: the time the request being
 * processed began, in microseconds since 2000-01-01 UTC (one value for
 * every view and row of the request, as PostgreSQL's now() is one value
 * per transaction).  sl_exec_set_now stamps it from the clock. */
void sl_exec_set_now(void);
/* The same with a time kept from earlier (events held until a COMMIT). */
void sl_exec_set_now_to(int64_t now);
int64_t sl_exec_now(void);

/* wm: for a stream with event time, wm[r] is its watermark when batch
 * row r is processed (a windowed view drops the windows of row r that end
 * at or before it: the row is late, sl_exec_late); NULL otherwise.
 * On error, *err_row (when err_row is not NULL) is the batch row that
 * failed, or -1. */
int sl_exec_prepare(sl_view_exec_t *st, const sl_batch_t *b, const int64_t *wm,
                    sl_arena_t *scratch, sl_exec_pending_t **out,
                    int *err_row, sl_error_t *err);
/* The batch rows a prepared request holds late for its view (*rows, in
 * batch order; valid while the scratch arena lives); how many. */
int sl_exec_late(const sl_exec_pending_t *p, const int **rows);
/* Late events of the stream for the view since it started. */
unsigned long long sl_exec_late_count(const sl_view_exec_t *st);
void sl_exec_apply(sl_view_exec_t *st, sl_exec_pending_t *p);

/* Events of the stream applied to the view since it started, and those of
 * them that passed its WHERE. */
void sl_exec_counts(const sl_view_exec_t *st, unsigned long long *seen,
                    unsigned long long *matched);

/* Groups in the current (not yet detached) delta. */
int sl_exec_ngroups(const sl_view_exec_t *st);
/* Takes the current delta (NULL when it has no group); st continues with an
 * empty one. */
sl_delta_t *sl_exec_detach(sl_view_exec_t *st);
/* Merges d back into st's current delta, combining states; frees d. */
void sl_exec_restore(sl_view_exec_t *st, sl_delta_t *d);
void sl_delta_free(sl_delta_t *d);

int sl_delta_ngroups(const sl_delta_t *d);
/* Bytes held by the current delta of st / by d (records, table, text);
 * for st also a session window's index of sessions and its merges not yet
 * flushed (what max_memory counts). */
size_t sl_exec_memory(const sl_view_exec_t *st);
size_t sl_delta_memory(const sl_delta_t *d);
int sl_delta_ncols(const sl_delta_t *d);
/* Appends the text of column c of group g to out (PostgreSQL input syntax
 * of the column's type: agg.h state types, group key types); returns false,
 * appending nothing, when the value is NULL. */
bool sl_delta_value(const sl_delta_t *d, int g, int c, sl_buf_t *out);
/* PostgreSQL type of delta column c (for the upsert's casts). */
sl_type_t sl_delta_coltype(const sl_delta_t *d, int c, int *typmod);

/*
 * Session windows (plan/window.h): an event that bridges sessions merges
 * them; the state table's rows of the merged-away starts must be combined
 * into the new start's row by the flush, in order, after the upsert:
 * renames.  take: the renames since the last take (NULL: none); restore:
 * puts a flush's renames back in front (its transaction failed); value:
 * the text of group key g of rename i (the window's key: its start before
 * the merge, or after with to), false for NULL.
 */
typedef struct sl_exec_renames sl_exec_renames_t;
sl_exec_renames_t *sl_exec_take_renames(sl_view_exec_t *st);
void sl_exec_restore_renames(sl_view_exec_t *st, sl_exec_renames_t *r);
void sl_exec_renames_free(sl_exec_renames_t *r);
int sl_exec_renames_count(const sl_exec_renames_t *r);
bool sl_exec_rename_value(const sl_exec_renames_t *r, int i, int g, bool to, sl_buf_t *out);
/* A session read back from the view's tables at start (keys: one per group
 * key, the window's slot ignored; closed: only its end matters, an event
 * before it is late), and the sessions held in memory. */
void sl_exec_session_add(sl_view_exec_t *st, const sl_datum_t *keys, int64_t start,
                         int64_t end, bool closed);
size_t sl_exec_sessions(const sl_view_exec_t *st);
/* Drops from memory the sessions closed a gap before the stream's
 * watermark (also done by sl_exec_detach): at every flush, so that they
 * leave memory when no event comes (idle_timeout). */
void sl_exec_sweep(sl_view_exec_t *st);
/* TRUNCATE CONTINUOUS VIEW committed: st forgets the in-memory state of
 * its windows (a session window's sessions and the frontier of those it
 * swept out), so that later events meet it as a view just created over the
 * stream; merges not yet flushed are kept (they only ever touch rows still
 * in memory or in the table). */
void sl_exec_truncated(sl_view_exec_t *st);

/* Evaluates e on row r of b (exec/expr.c).  Text results may be allocated
 * from scratch.  PostgreSQL semantics: NULL propagation, three-valued
 * AND/OR, 22003 on integer overflow, 22012 on division by zero. */
int sl_expr_eval(const sl_expr_t *e, const sl_batch_t *b, int r,
                 sl_arena_t *scratch, sl_datum_t *out, sl_error_t *err);

#endif
