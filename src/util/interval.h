/*
 * interval.h: PostgreSQL's interval type (months, days and microseconds,
 * kept apart as PostgreSQL keeps them) and its arithmetic with timestamps.
 *
 * Input follows interval_in (IntervalStyle postgres input: '1 year 2 mons
 * 3 days 04:05:06.5', '@ 1 minute ago', '1-2', '3 4:05:06', unit
 * abbreviations, fractional fields spilling down, and ISO 8601
 * 'P1Y2M3DT4H5M6S'); output is IntervalStyle postgres.  Comparison,
 * hashing and equality treat a month as 30 days and a day as 24 hours, as
 * PostgreSQL's interval_cmp does ('1 mon' = '30 days').  Time zone
 * arithmetic is UTC's: Sluice's sessions run with TimeZone UTC.
 */
#ifndef SL_INTERVAL_H
#define SL_INTERVAL_H

#include <stdint.h>

#include "util/buf.h"
#include "util/error.h"

typedef struct sl_interval {
    int64_t us;       /* time of day part, microseconds */
    int32_t days;
    int32_t months;
} sl_interval_t;

/* Parses s[0..n); 22007 bad syntax, 22015 a field out of range. */
int sl_interval_input(const char *s, uint32_t n, sl_interval_t *out, sl_error_t *err);
void sl_interval_output(const sl_interval_t *v, sl_buf_t *b);

/* The span in microseconds, a month being 30 days: what orders intervals. */
__int128 sl_interval_span(const sl_interval_t *v);
int sl_interval_cmp(const sl_interval_t *a, const sl_interval_t *b);

/* a + b and -a, field by field; 22008 "interval out of range". */
int sl_interval_pl(const sl_interval_t *a, const sl_interval_t *b, sl_interval_t *out,
                   sl_error_t *err);
int sl_interval_neg(const sl_interval_t *a, sl_interval_t *out, sl_error_t *err);
/* a * f and a / f as PostgreSQL's interval_mul / interval_div: months and
 * days multiplied and truncated, their fractions cascaded down (a month
 * of 30 days, a day of 24 hours) to microseconds, never up; 22008
 * "interval out of range", 22012 for / 0. */
int sl_interval_mul(const sl_interval_t *a, double f, sl_interval_t *out, sl_error_t *err);
int sl_interval_div(const sl_interval_t *a, double f, sl_interval_t *out, sl_error_t *err);

/*
 * ts + v for a timestamp or timestamptz ts (microseconds since 2000-01-01,
 * as in util/types.h): months by the calendar (the day clamped to the
 * month's end), then days, then the time; infinite ts stay as they are;
 * 22008 "timestamp out of range".
 */
int sl_timestamp_pl_interval(int64_t ts, const sl_interval_t *v, int64_t *out,
                             sl_error_t *err);
/* a - b as PostgreSQL's timestamp_mi: whole days into .days (justified as
 * justify_hours does); 22008 for infinite timestamps. */
int sl_timestamp_mi(int64_t a, int64_t b, sl_interval_t *out, sl_error_t *err);

#endif
