/*
 * bench/view.c (`make bench-view`): a view's own work per event, without
 * HTTP, the event loop or PostgreSQL: the views of bench/run.sh step 7 and
 * bench/windows.sh over 64 KiB NDJSON bodies like sluice-bench's, each
 * body decoded, prepared and applied as the pipeline does (with its
 * per-row watermarks for a stream with event time), and every FLUSH bodies
 * the delta detached and every value of it written as the flush writes it
 * (sl_delta_value).
 *
 *   bench/view plain|jsonb|plain_ts|tumble [BODIES] [FLUSH] [REPS]
 *
 *   plain     SELECT k, count(*), sum(v) FROM s GROUP BY k, events with
 *             a jsonb "payload" (sluice-bench --payload)
 *   jsonb     run.sh's jsonb view over the same events
 *   plain_ts  the plain view over a stream WITH (event_time = 'ts',
 *             max_lateness = '1 minute'), in-order events 100 us apart
 *   tumble    windows.sh's tumble(ts, '1 minute') view over such events
 *
 * prints the best of REPS (3) runs of BODIES (200) bodies in ns per event
 * (FLUSH: 100 bodies, about a flush of `make bench`); under valgrind
 * --tool=callgrind a run with 0 bodies subtracted from one with N gives
 * instructions per event (bench/view.sh).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "exec/exec.h"
#include "ingest/ndjson.h"
#include "sql/sql.h"

/* Under callgrind --collect-atstart=no only the timed parts are counted
 * (the making of bodies is not). */
#if defined(__has_include) && __has_include(<valgrind/callgrind.h>)
#include <valgrind/callgrind.h>
#define COLLECT() CALLGRIND_TOGGLE_COLLECT
#else
#define COLLECT() ((void)0)
#endif

#define NBODIES 16

static sl_catalog_t cat;
static sl_arena_t *arena;

static void die(const char *what, const sl_error_t *err)
{
    fprintf(stderr, "view: %s: %s\n", what, err ? err->message : "");
    exit(1);
}

static sl_stmt_t *split(const char *q)
{
    sl_stmt_t *st;
    int n;
    sl_error_t err;
    sl_error_clear(&err);
    if (sl_sql_split(q, strlen(q), arena, &st, &n, &err) != SL_OK)
        die(q, &err);
    return st;
}

/* sluice-bench's body i: k scattered over 1000 keys, v random, with a
 * payload or an in-order "ts" (100 us an event from 2026-01-01). */
static char *make_body(int payload, int ts, long *line_no, size_t *len, long *events)
{
    static const char *const kinds[] = {"buy", "view", "cart", "search", "view"};
    static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
    char *body = malloc(65536 + 256);
    *len = 0;
    *events = 0;
    for (;;) {
        char line[256];
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        uint64_t r = rng_state * 0x2545F4914F6CDD1DULL;
        int n = snprintf(line, sizeof(line), "{\"k\":%d,\"v\":%d",
                         (int)(((uint64_t)*line_no * 2654435761ULL) % 1000), (int)(r % 1000000));
        if (payload)
            n += snprintf(line + n, sizeof(line) - (size_t)n,
                          ",\"payload\":{\"kind\":\"%s\",\"u\":%d,\"tags\":[\"t%d\",\"x\"]}",
                          kinds[*line_no % 5], (int)((r >> 20) % 50), (int)(*line_no % 7));
        if (ts) {
            long long us = (long long)*line_no * 100;
            time_t t = (time_t)(1767225600LL + us / 1000000);
            struct tm tm;
            gmtime_r(&t, &tm);
            n += snprintf(line + n, sizeof(line) - (size_t)n,
                          ",\"ts\":\"%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ\"}\n",
                          tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                          tm.tm_min, tm.tm_sec, us % 1000000);
        } else {
            n += snprintf(line + n, sizeof(line) - (size_t)n, "}\n");
        }
        if (*len + (size_t)n > 65536)
            break;
        memcpy(body + *len, line, (size_t)n);
        *len += (size_t)n;
        (*events)++;
        (*line_no)++;
    }
    return body;
}

int main(int argc, char **argv)
{
    const char *mode = argc > 1 ? argv[1] : "plain";
    int bodies = argc > 2 ? atoi(argv[2]) : 200, flush = argc > 3 ? atoi(argv[3]) : 100;
    int reps = argc > 4 ? atoi(argv[4]) : 3;
    int payload = strcmp(mode, "plain") == 0 || strcmp(mode, "jsonb") == 0;
    const char *stream, *view;
    if (payload) {
        stream = "CREATE STREAM s (k bigint, v bigint, payload jsonb)";
        view = strcmp(mode, "jsonb") == 0
                   ? "CREATE CONTINUOUS VIEW v AS SELECT k, count(*), sum(v), "
                     "count(DISTINCT payload->>'u') AS users, "
                     "sum(CASE WHEN payload->>'kind' = 'buy' THEN v ELSE 0 END) AS bought "
                     "FROM s GROUP BY k"
                   : "CREATE CONTINUOUS VIEW v AS SELECT k, count(*), sum(v) FROM s GROUP BY k";
    } else if (strcmp(mode, "plain_ts") == 0 || strcmp(mode, "tumble") == 0) {
        stream = "CREATE STREAM s (k bigint, v bigint, ts timestamptz) "
                 "WITH (event_time = 'ts', max_lateness = '1 minute')";
        view = strcmp(mode, "tumble") == 0
                   ? "CREATE CONTINUOUS VIEW v AS SELECT k, tumble(ts, '1 minute') AS w, "
                     "count(*), sum(v) FROM s GROUP BY k, w"
                   : "CREATE CONTINUOUS VIEW v AS SELECT k, count(*), sum(v) FROM s GROUP BY k";
    } else {
        fprintf(stderr, "usage: bench/view plain|jsonb|plain_ts|tumble [BODIES] [FLUSH] [REPS]\n");
        return 2;
    }
    arena = sl_arena_new(NULL, "bench");
    sl_catalog_init(&cat);
    bool exists;
    sl_error_t err;
    sl_error_clear(&err);
    sl_stmt_t *st = split(stream);
    sl_stream_t *s = sl_stream_new(st->name);
    if (sl_analyze_stream(st, &cat, s, &exists, &err) != SL_OK)
        die("stream", &err);
    sl_catalog_add_stream(&cat, s);
    st = split(view);
    sl_view_t *v = sl_view_new(st->name);
    if (sl_analyze_view(st, &cat, v, &exists, &err) != SL_OK)
        die("view", &err);
    v->exec = sl_exec_new(v->plan);

    /* With event time the bodies are made as they are sent (their times
     * move on); without, NBODIES of them are reused in turn. */
    int ts = s->event_time >= 0;
    long line_no = 0, total = 0;
    char *pre[NBODIES];
    size_t prelen[NBODIES];
    long preev[NBODIES];
    for (int i = 0; i < NBODIES && !ts; i++)
        pre[i] = make_body(payload, 0, &line_no, &prelen[i], &preev[i]);
    sl_arena_t *a = sl_arena_new(NULL, "request");
    sl_buf_t out = SL_BUF_INIT;
    double best = 0;
    for (int rep = 0; rep < reps; rep++) {
        double ns = 0;
        long events = 0;
        for (int i = 0; i < bodies; i++) {
            size_t len;
            long ev;
            char *body = ts ? make_body(0, 1, &line_no, &len, &ev) : pre[i % NBODIES];
            if (!ts) {
                len = prelen[i % NBODIES];
                ev = preev[i % NBODIES];
            }
            struct timespec t0, t1;
            clock_gettime(CLOCK_MONOTONIC, &t0);
            COLLECT();
            sl_batch_t *b = NULL;
            sl_ingest_error_t ie;
            if (sl_ndjson_decode(s, body, len, a, &b, &ie) != SL_OK)
                die("the body was refused", NULL);
            int64_t *wm = NULL;
            if (ts) {   /* pipeline.c's event_watermarks */
                const sl_datum_t *col = b->cols[s->event_time];
                wm = sl_alloc(a, sizeof(int64_t) * (size_t)b->nrows);
                for (int r = 0; r < b->nrows; r++) {
                    wm[r] = s->max_event == INT64_MIN ? INT64_MIN : s->max_event - s->max_lateness;
                    if (col[r].v.i > s->max_event)
                        s->max_event = col[r].v.i;
                }
            }
            sl_exec_pending_t *p;
            if (sl_exec_prepare(v->exec, b, wm, a, &p, NULL, &err) != SL_OK)
                die("prepare", &err);
            sl_exec_apply(v->exec, p);
            if ((i + 1) % flush == 0 || i + 1 == bodies) {
                sl_delta_t *d = sl_exec_ngroups(v->exec) > 0 ? sl_exec_detach(v->exec) : NULL;
                for (int g = 0; d && g < sl_delta_ngroups(d); g++)
                    for (int c = 0; c < sl_delta_ncols(d); c++) {
                        sl_buf_reset(&out);
                        sl_delta_value(d, g, c, &out);
                    }
                sl_delta_free(d);
            }
            sl_arena_reset(a);
            COLLECT();
            clock_gettime(CLOCK_MONOTONIC, &t1);
            ns += (double)(t1.tv_sec - t0.tv_sec) * 1e9 + (double)(t1.tv_nsec - t0.tv_nsec);
            events += ev;
            if (ts)
                free(body);
        }
        total = events;
        if (events > 0 && (best == 0 || ns / (double)events < best))
            best = ns / (double)events;
    }
    printf("RESULT view mode=%s ns_per_event=%.1f events=%ld\n", mode, best, total);
    return 0;
}
