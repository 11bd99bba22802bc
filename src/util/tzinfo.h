/*
 * tzinfo.h: time zones of the system zoneinfo (TZif files under
 * /usr/share/zoneinfo, the database Debian's PostgreSQL uses), for
 * datetime.c: zone names in timestamp input, dynamic abbreviations
 * ('MSK' = Europe/Moscow's offset of the day) and make_timestamptz.
 *
 * Zones are loaded once and kept for the life of the process (a handful
 * at most in practice; each is a few KB).
 */
#ifndef SL_TZINFO_H
#define SL_TZINFO_H

#include <stdbool.h>
#include <stdint.h>

typedef struct sl_tz sl_tz_t;

/* The zone of that name, matched case-insensitively as PostgreSQL's
 * pg_tzset does ('europe/paris'); a POSIX TZ string ('EST5EDT', 'UTC+3')
 * when no file has the name; NULL when neither. */
const sl_tz_t *sl_tz_find(const char *name);

/* Whether z has one offset only (no DST, no history). */
bool sl_tz_is_fixed(const sl_tz_t *z);

/*
 * PostgreSQL's DetermineTimeZoneOffset: the offset (seconds west of UTC)
 * of wall-clock time local_secs (seconds since 1970-01-01 as if UTC) in
 * z.  A time skipped by a spring-forward transition takes the offset
 * before it, an ambiguous one the offset after; *t (may be NULL) gets the
 * UTC instant probed.
 */
int sl_tz_local_offset(const sl_tz_t *z, int64_t local_secs, int64_t *t);

/* DetermineTimeZoneAbbrevOffset: the offset (west) abbreviation abbr
 * (lower case) has in z around wall-clock local_secs, or the zone's own
 * offset there when z never used abbr. */
int sl_tz_abbrev_offset(const sl_tz_t *z, const char *abbr, int64_t local_secs);

#endif
