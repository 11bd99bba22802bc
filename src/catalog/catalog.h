/*
 * catalog.h: the in-memory catalog of streams and continuous views.
 *
 * The persistent catalog is schema "sluice" in the backing PostgreSQL
 * (sql/catalog.sql): each stream's and view's CREATE statement text.  At
 * start the server reads it back and re-analyzes each statement in id order,
 * so this in-memory copy is rebuilt from the same code path as a new
 * CREATE.  Each stream and view owns an arena holding its definition and
 * plan; dropping one frees that arena.
 *
 * The catalog is owned by the server (single event loop); it is not
 * thread-safe.
 */
#ifndef SL_CATALOG_H
#define SL_CATALOG_H

#include <stdint.h>

#include "plan/plan.h"
#include "util/arena.h"

typedef struct sl_column {
    char *name;
    sl_type_t type;
    int typmod;            /* varchar(n): n; otherwise -1 */
} sl_column_t;

typedef struct sl_view sl_view_t;

struct sl_stream {
    char *name;
    int ncols;
    sl_column_t *cols;
    char *sql;             /* CREATE STREAM text as stored in the catalog */
    int64_t id;            /* set when added to the catalog, never reused:
                              with the name, the key that holds it across
                              a turn of the event loop */
    int nviews;            /* views reading this stream */
    sl_view_t **views;
    sl_arena_t *arena;     /* owns all of the above */
    /* Event time (CREATE STREAM ... WITH (event_time = 'col',
     * max_lateness = '...', idle_timeout = '...')), in microseconds: */
    int event_time;        /* its column, -1: the stream has none */
    int64_t max_lateness;
    int64_t idle_timeout;  /* 0: none */
    /* The watermark (pipeline.c): max_event - max_lateness.  max_event is
     * the largest event time applied so far (INT64_MIN: none), advanced
     * by the clock after idle_timeout of silence (sink.c); last_event is
     * when an event last arrived (monotonic us); max_event_stored is what
     * the last committed flush wrote to sluice.watermarks. */
    int64_t max_event;
    int64_t last_event;
    int64_t max_event_stored;
};

struct sl_view {
    char *name;
    char *schema;          /* schema of the finalizing view */
    char *sql;             /* CREATE CONTINUOUS VIEW text */
    int64_t id;            /* as sl_stream_t's id */
    sl_stream_t *stream;
    sl_view_plan_t *plan;  /* read-only */
    void *exec;            /* execution state (exec/exec.h), owned by exec */
    int drop_pending;      /* DROPs of it under way or waiting for their
                              transaction's COMMIT (command.c): the sink
                              leaves its rows in memory meanwhile, so that
                              a flush never waits for the DROP's locks */
    bool broken;           /* PostgreSQL rejected its rows for good (its
                              state table dropped or changed behind
                              Sluice's back): no longer fed */
    bool inactive;         /* DEACTIVATE CONTINUOUS VIEW: ingest skips it
                              (sluice.views.active is false) */
    unsigned long long stats_seen;    /* exec's event counts already */
    unsigned long long stats_matched; /* committed to sluice.view_stats */
    unsigned long long stats_late;    /* (late events: exec's count) */
    sl_arena_t *arena;     /* owns name, sql, plan */
};

typedef struct sl_catalog {
    int nstreams;
    sl_stream_t **streams;
    int nviews;
    sl_view_t **views;
    int64_t version;       /* bumped by every change; the last id given */
} sl_catalog_t;

void sl_catalog_init(sl_catalog_t *cat);
void sl_catalog_destroy(sl_catalog_t *cat);

/* Lookup by exact (already case-folded) name; NULL when absent. */
sl_stream_t *sl_catalog_stream(const sl_catalog_t *cat, const char *name);
sl_view_t *sl_catalog_view(const sl_catalog_t *cat, const char *name);
/* Column index of name in s, or -1. */
int sl_stream_column(const sl_stream_t *s, const char *name);

/* New empty stream / view with their own arena (not yet in the catalog). */
sl_stream_t *sl_stream_new(const char *name);
sl_view_t *sl_view_new(const char *name);

/* Adds s / v (v->stream must be set) under a new id; the catalog owns
 * them afterwards. */
void sl_catalog_add_stream(sl_catalog_t *cat, sl_stream_t *s);
void sl_catalog_add_view(sl_catalog_t *cat, sl_view_t *v);
/* ALTER STREAM s ADD COLUMN col: appends col (copied) and sets s->sql.
 * The stream object stays (views and requests under way point at it; the
 * old column array stays valid in its arena), existing columns keep their
 * positions, so plans over them are unchanged; s gets a new id, so a
 * statement holding s by key across a turn of the loop finds it changed. */
void sl_catalog_alter_stream(sl_catalog_t *cat, sl_stream_t *s, const sl_column_t *col,
                             const char *sql);
/* Removes and frees v (calling free_exec(v->exec) first when set); v is
 * dead after the call. */
void sl_catalog_drop_view(sl_catalog_t *cat, sl_view_t *v,
                          void (*free_exec)(void *));
/* Removes and frees s, which must have no views left. */
void sl_catalog_drop_stream(sl_catalog_t *cat, sl_stream_t *s);

/* sql/catalog.sql, compiled in (catalog_sql.c, generated). */
extern const char sl_catalog_sql[];

#endif
