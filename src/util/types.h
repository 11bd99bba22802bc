/*
 * types.h: Sluice's SQL types and the datum that carries one value.
 *
 * A datum is 16 bytes: integers, booleans and timestamps in .i, floats in
 * .f, text as a (pointer, length) slice in .s whose bytes are owned by some
 * arena (the batch's, the view's ...).  Timestamps are microseconds since
 * 2000-01-01 00:00:00 UTC (timestamptz) or since that local wall-clock
 * instant (timestamp), as in PostgreSQL, so that its whole range
 * (4714-11-24 BC .. 294276-12-31 23:59:59.999999) fits an int64.
 * NUMERIC values (decimal literals only, for now) travel as doubles.
 *
 * Input and output follow PostgreSQL's rules for each type:
 * sl_type_input parses text as the type's input function would (int4in,
 * float8in, boolin, timestamptz_in for ISO 8601 / RFC 3339 ...), with
 * PostgreSQL's SQLSTATE and message on failure;  sl_type_output writes the
 * text form PostgreSQL accepts back (floats round-trip exactly).
 */
#ifndef SL_TYPES_H
#define SL_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/buf.h"
#include "util/error.h"
#include "util/interval.h"

typedef enum sl_type {
    SL_T_UNKNOWN = 0,  /* an untyped string literal, before coercion */
    SL_T_BOOL,
    SL_T_INT2,
    SL_T_INT4,
    SL_T_INT8,
    SL_T_FLOAT4,
    SL_T_FLOAT8,
    SL_T_NUMERIC,
    SL_T_TEXT,         /* text and varchar(n) (typmod n) */
    SL_T_TIMESTAMPTZ,
    SL_T_TIMESTAMP,
    SL_T_INTERVAL,     /* in .iv */
    /* one-dimensional arrays of the scalar types (util/array.h): keep
     * them consecutive, from SL_T_BOOL_ARRAY to SL_T_TIMESTAMP_ARRAY */
    SL_T_BOOL_ARRAY, SL_T_INT2_ARRAY, SL_T_INT4_ARRAY, SL_T_INT8_ARRAY,
    SL_T_FLOAT4_ARRAY, SL_T_FLOAT8_ARRAY, SL_T_TEXT_ARRAY,
    SL_T_TIMESTAMPTZ_ARRAY, SL_T_TIMESTAMP_ARRAY,
    SL_T_JSONB,        /* canonical jsonb text in .s (util/jsonb.h) */
    SL_T_DATE,         /* days since 2000-01-01 in .v.i (util/datetime.h) */
    SL_T_TIME,         /* microseconds since midnight in .v.i */
    SL_T_UUID,         /* 16 bytes in .v.u */
    /* arrays of the later scalar types (util/array.h): keep them
     * consecutive, from SL_T_NUMERIC_ARRAY to SL_T_UUID_ARRAY */
    SL_T_NUMERIC_ARRAY, SL_T_INTERVAL_ARRAY, SL_T_JSONB_ARRAY, SL_T_DATE_ARRAY,
    SL_T_TIME_ARRAY, SL_T_UUID_ARRAY,
    SL_T_NTYPES
} sl_type_t;

typedef struct sl_datum {
    union {
        int64_t i;
        double f;
        uint8_t u[16];
        struct {
            const char *p;
            uint32_t n;
        } s;
        sl_interval_t iv;
    } v;
    bool null;
} sl_datum_t;

/* PostgreSQL's name for t ("bigint", "double precision", ...). */
const char *sl_type_name(sl_type_t t);
/* SQL type text for DDL, with the typmod: "character varying(20)". */
const char *sl_type_sql(sl_type_t t, int typmod, char *buf, int buflen);
/* Type from a (lower-case) name as written in CREATE STREAM: "int", "int4",
 * "integer", "float8", "varchar", "timestamp with time zone", ...;
 * SL_T_UNKNOWN when the name is not a supported type. */
sl_type_t sl_type_from_name(const char *name);
/* The type's PostgreSQL OID (for RowDescription). */
uint32_t sl_type_oid(sl_type_t t);

bool sl_type_is_integer(sl_type_t t);
/* Whether a value of t is a (pointer, length) slice in .v.s whose bytes
 * live elsewhere (text): what copying a datum must copy too. */
bool sl_type_by_ref(sl_type_t t);
bool sl_type_is_numeric(sl_type_t t);   /* integer, float or numeric */

/*
 * Parses text s[0..n) into *out as a value of type t with typmod (-1 = none),
 * following PostgreSQL's input function.  Text results point into s (the
 * caller keeps s alive) unless copying is needed, in which case they are
 * allocated from a.  Returns SL_OK or SL_ERR with a PostgreSQL-style error
 * (22P02 invalid input syntax, 22003 out of range, 22007/22008 datetime,
 * 22001 too long for varchar(n)).
 */
int sl_type_input(sl_type_t t, int typmod, const char *s, uint32_t n,
                  sl_arena_t *a, sl_datum_t *out, sl_error_t *err);

/* Appends the text form of a non-null d of type t to b. */
void sl_type_output(sl_type_t t, const sl_datum_t *d, sl_buf_t *b);

/* Comparison with PostgreSQL semantics for non-null values of one type
 * (text in the collation set by sl_collation_set, bytewise until then):
 * <0, 0, >0. */
int sl_datum_cmp(sl_type_t t, const sl_datum_t *a, const sl_datum_t *b);
/*
 * Text comparisons follow the backing database's collation, as its own
 * SELECT does: name is pg_database.datcollate of a libc-provider database.
 * "C", "POSIX" and C.UTF-8 compare bytewise; any other name is loaded with
 * newlocale() and compared with strcoll_l, ties broken bytewise (as
 * PostgreSQL does for deterministic collations).  Returns SL_ERR (0A000)
 * when the locale is not installed on this machine.  Process-wide: call it
 * once at start-up, before any comparison.
 */
int sl_collation_set(const char *name, sl_error_t *err);
/* The collation in use ("C" when bytewise). */
const char *sl_collation_name(void);

/* Hash and equality for grouping (NULL equals NULL, as GROUP BY does). */
uint64_t sl_datum_hash(sl_type_t t, const sl_datum_t *d);
bool sl_datum_eq(sl_type_t t, const sl_datum_t *a, const sl_datum_t *b);

/* The proleptic Gregorian calendar (astronomical years: 0 is 1 BC), days
 * counted from 1970-01-01; timestamps count from 2000-01-01, that is
 * SL_DAYS_1970_TO_2000 days later. */
#define SL_DAYS_1970_TO_2000 10957
int64_t sl_days_from_civil(int64_t y, int m, int d);
void sl_civil_from_days(int64_t days, int64_t *y, int *m, int *d);
int sl_days_in_month(int64_t y, int m);
/* Whether ts is within PostgreSQL's timestamp range (or an infinity). */
bool sl_timestamp_valid(int64_t ts);

#endif
