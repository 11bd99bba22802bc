/*
 * datetime.h: PostgreSQL 15's date/time input rules (date_in, time_in,
 * timestamp_in, timestamptz_in), date/time output in DateStyle ISO, uuid
 * input/output, and the calendar arithmetic shared by exec/.
 *
 * Representations (as PostgreSQL's):
 *   date         days since 2000-01-01 in .v.i, INT32_MIN / INT32_MAX for
 *                -infinity / infinity; range 4714-11-24 BC .. 5874897-12-31
 *   time         microseconds since midnight in .v.i, 0 .. 24:00:00
 *   timestamp[tz] microseconds since 2000-01-01 (see types.h)
 *   uuid         16 bytes in .v.u
 * The session TimeZone is UTC and DateStyle is "ISO, MDY".
 *
 * Timestamp input has a fast path for ISO 8601 / RFC 3339 text
 * (sl_ts_input_fast: fixed positions, no allocation) and falls back to the
 * full decoder (sl_ts_input_full: PostgreSQL's field-by-field rules, month
 * names, 'epoch', 'infinity', 'allballs', time zone abbreviations of
 * PostgreSQL's Default set, zone names from the system zoneinfo, BC years,
 * Julian days 'J2451187', ...).  Both give the same result wherever the
 * fast path accepts; the fast path never reports errors.
 */
#ifndef SL_DATETIME_H
#define SL_DATETIME_H

#include <stdbool.h>
#include <stdint.h>

#include "util/buf.h"
#include "util/error.h"
#include "util/types.h"

#define SL_DATE_NOBEGIN INT64_C(-2147483648)
#define SL_DATE_NOEND INT64_C(2147483647)
#define SL_US_PER_DAY INT64_C(86400000000)
/* Days from 1970-01-01 to 2000-01-01. */
#define SL_DAYS_1970_2000 10957
/* Date values: days since 2000-01-01 of 4714-11-24 BC, and the first day
 * past the range (5874898-01-01). */
#define SL_DATE_MIN INT64_C(-2451545)
#define SL_DATE_END INT64_C(2145031949)
/* timestamp range: [SL_TS_MIN, SL_TS_END) microseconds since 2000-01-01. */
#define SL_TS_MIN INT64_C(-211813488000000000)
#define SL_TS_END INT64_C(9223371331200000000)

/* Input functions: SL_OK, or SL_ERR with PostgreSQL's SQLSTATE (22007,
 * 22008, 22009, 22023) and message quoting s. */
int sl_date_input(const char *s, uint32_t n, int64_t *out, sl_error_t *err);
int sl_time_input(const char *s, uint32_t n, int64_t *out, sl_error_t *err);
int sl_uuid_input(const char *s, uint32_t n, uint8_t out[16], sl_error_t *err);
/* timestamptz (tz) or timestamp: the fast path, then the full decoder. */
int sl_ts_input(bool tz, const char *s, uint32_t n, int64_t *out, sl_error_t *err);
/* 1 and *out set when s is an ISO 8601 form it decodes; 0 otherwise. */
int sl_ts_input_fast(bool tz, const char *s, uint32_t n, int64_t *out);
int sl_ts_input_full(bool tz, const char *s, uint32_t n, int64_t *out, sl_error_t *err);

void sl_date_output(int64_t d, sl_buf_t *b);
void sl_time_output(int64_t t, sl_buf_t *b);
void sl_uuid_output(const uint8_t u[16], sl_buf_t *b);

/* The calendar: sl_days_from_civil, sl_civil_from_days and
 * sl_days_in_month are declared in types.h (defined here). */
bool sl_is_leap(int64_t y);

/*
 * A time zone as make_timestamptz / parse_sane_timezone takes it: a numeric
 * offset ('+05:30', '-8'), an abbreviation of PostgreSQL's Default set
 * ('EST', 'CEST'), or a zone name of the system zoneinfo ('Europe/Paris').
 * local is the wall-clock time (microseconds since 2000-01-01) the offset
 * is wanted for.  Sets *west to the offset in seconds west of UTC
 * (PostgreSQL's sign: UTC = local + west).  22023 errors as PostgreSQL's.
 */
int sl_tz_offset_for_local(const char *name, uint32_t n, int64_t local, int *west,
                           sl_error_t *err);

#endif
