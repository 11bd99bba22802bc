/*
 * window.h: event-time windows of continuous views (issue 9): their
 * parameters as the analyzer fixes them and the arithmetic every layer
 * shares (exec evaluates and expands them, the sink closes them, deparse
 * writes their ends as SQL).
 *
 * Times are PostgreSQL's: int64 microseconds since 2000-01-01 00:00 UTC.
 *
 *   tumble(ts, size [, origin])  the start of the one window holding ts:
 *                                origin + floor((ts - origin) / size) * size
 *                                (origin: the Unix epoch by default)
 *   hop(ts, slide, size)         windows [s, s + size) for every s = origin
 *                                + k * slide with s <= ts < s + size; size is
 *                                a multiple of slide, so there are size /
 *                                slide of them; as a scalar, the latest start
 *   window_end(w)                w's start + size
 *   session(ts, gap)             per group (the view's other group keys):
 *                                events closer than gap form one session
 *                                [first event, last event + gap); the value
 *                                is the session's start; an event bridging
 *                                two sessions merges them (exec/op_window.c)
 *
 * A window [start, end) closes when the stream's watermark reaches end:
 * an event whose (earliest) window has end <= watermark is late.
 */
#ifndef SL_WINDOW_H
#define SL_WINDOW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"
#include "util/interval.h"

/* The Unix epoch in PostgreSQL's microseconds since 2000-01-01. */
#define SL_UNIX_EPOCH_US (-INT64_C(946684800000000))

typedef enum sl_window_kind {
    SL_WIN_TUMBLE,
    SL_WIN_HOP,
    SL_WIN_SESSION      /* size = slide = the gap; count 1 */
} sl_window_kind_t;

typedef struct sl_window {
    sl_window_kind_t kind;
    int64_t size;       /* microseconds, > 0 */
    int64_t slide;      /* hop: microseconds, divides size; tumble: size */
    int64_t origin;     /* windows start at origin + k * slide */
    int count;          /* windows holding one event: size / slide */
} sl_window_t;

/* Most windows one event may fall in (hop's size / slide). */
#define SL_WINDOW_MAX_HOPS 1000

/*
 * A window size or lateness: PostgreSQL's interval input (interval.h, its
 * errors: 22007, 22015), of a fixed length: months and years have none,
 * 22023 "window size must not contain months or years"; a day is 24 hours.
 * sl_window_interval: the same for an interval value.
 */
int sl_window_duration(const char *s, size_t n, int64_t *us, sl_error_t *err);
int sl_window_interval(const sl_interval_t *v, int64_t *us, sl_error_t *err);

/* The latest window start <= ts (tumble's start; hop's latest). */
int64_t sl_window_start(const sl_window_t *w, int64_t ts);
/* End of the window starting at start, saturating at INT64_MAX. */
int64_t sl_window_end(const sl_window_t *w, int64_t start);
/* End of the earliest-ending window holding ts: the one that closes
 * first (tumble: its only window; hop: latest start + slide). */
int64_t sl_window_first_end(const sl_window_t *w, int64_t ts);

#endif
