/* check_types.c: unit tests of util/types.c (PostgreSQL input/output rules,
 * comparison, hashing). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/types.h"

static sl_arena_t *arena;

static void setup(void) { arena = sl_arena_new(NULL, "test"); }
static void teardown(void) { sl_arena_free(arena); }

/* Parses s as t (typmod -1); asserts success and returns the datum. */
static sl_datum_t in_ok(sl_type_t t, const char *s)
{
    sl_datum_t d;
    sl_error_t err;
    sl_error_clear(&err);
    int rc = sl_type_input(t, -1, s, (uint32_t)strlen(s), arena, &d, &err);
    ck_assert_msg(rc == SL_OK, "input of \"%s\" failed: %s", s, err.message);
    return d;
}

/* Parses s as t; asserts failure with sqlstate and message. */
static void in_err(sl_type_t t, int typmod, const char *s, const char *state,
                   const char *msg)
{
    sl_datum_t d;
    sl_error_t err;
    sl_error_clear(&err);
    int rc = sl_type_input(t, typmod, s, (uint32_t)strlen(s), arena, &d, &err);
    ck_assert_msg(rc == SL_ERR, "input of \"%s\" succeeded", s);
    ck_assert_str_eq(err.sqlstate, state);
    ck_assert_str_eq(err.message, msg);
}

/* Output of d as t, in a static buffer. */
static const char *out(sl_type_t t, sl_datum_t d)
{
    static char res[128];
    sl_buf_t b = SL_BUF_INIT;
    sl_type_output(t, &d, &b);
    snprintf(res, sizeof(res), "%s", sl_buf_cstr(&b));
    sl_buf_free(&b);
    return res;
}

/* Input then output. */
static const char *io(sl_type_t t, const char *s) { return out(t, in_ok(t, s)); }

START_TEST(test_integers)
{
    ck_assert_int_eq(in_ok(SL_T_INT4, "42").v.i, 42);
    ck_assert_int_eq(in_ok(SL_T_INT4, "  -17  ").v.i, -17);
    ck_assert_int_eq(in_ok(SL_T_INT4, "+5").v.i, 5);
    ck_assert_int_eq(in_ok(SL_T_INT4, "2147483647").v.i, 2147483647);
    ck_assert_int_eq(in_ok(SL_T_INT4, "-2147483648").v.i, -2147483648LL);
    ck_assert_int_eq(in_ok(SL_T_INT2, "-32768").v.i, -32768);
    ck_assert(in_ok(SL_T_INT8, "-9223372036854775808").v.i == INT64_MIN);
    ck_assert(in_ok(SL_T_INT8, "9223372036854775807").v.i == INT64_MAX);
    ck_assert_int_eq(in_ok(SL_T_INT8, "007").v.i, 7);
    in_err(SL_T_INT4, -1, "abc", "22P02", "invalid input syntax for type integer: \"abc\"");
    in_err(SL_T_INT4, -1, "", "22P02", "invalid input syntax for type integer: \"\"");
    in_err(SL_T_INT4, -1, "1.5", "22P02", "invalid input syntax for type integer: \"1.5\"");
    in_err(SL_T_INT4, -1, "12 3", "22P02", "invalid input syntax for type integer: \"12 3\"");
    in_err(SL_T_INT4, -1, "-", "22P02", "invalid input syntax for type integer: \"-\"");
    in_err(SL_T_INT4, -1, "99999999999", "22003",
           "value \"99999999999\" is out of range for type integer");
    in_err(SL_T_INT4, -1, "2147483648", "22003",
           "value \"2147483648\" is out of range for type integer");
    in_err(SL_T_INT2, -1, "32768", "22003", "value \"32768\" is out of range for type smallint");
    in_err(SL_T_INT2, -1, "x", "22P02", "invalid input syntax for type smallint: \"x\"");
    in_err(SL_T_INT8, -1, "9223372036854775808", "22003",
           "value \"9223372036854775808\" is out of range for type bigint");
    in_err(SL_T_INT8, -1, "1e3", "22P02", "invalid input syntax for type bigint: \"1e3\"");
    ck_assert_str_eq(io(SL_T_INT8, "-9223372036854775808"), "-9223372036854775808");
    ck_assert_str_eq(io(SL_T_INT2, " 12 "), "12");
}
END_TEST

START_TEST(test_floats)
{
    ck_assert(in_ok(SL_T_FLOAT8, "1.5").v.f == 1.5);
    ck_assert(in_ok(SL_T_FLOAT8, " -2e3 ").v.f == -2000);
    ck_assert(isnan(in_ok(SL_T_FLOAT8, "NaN").v.f));
    ck_assert(isnan(in_ok(SL_T_FLOAT8, "nan").v.f));
    ck_assert(isinf(in_ok(SL_T_FLOAT8, "Infinity").v.f));
    ck_assert(in_ok(SL_T_FLOAT8, "-Infinity").v.f < 0);
    ck_assert(in_ok(SL_T_FLOAT8, "-inf").v.f < 0);
    ck_assert(isinf(in_ok(SL_T_FLOAT8, "INF").v.f));
    ck_assert(in_ok(SL_T_FLOAT8, "4.9e-324").v.f > 0); /* denormal accepted */
    in_err(SL_T_FLOAT8, -1, "1e400", "22003", "\"1e400\" is out of range for type double precision");
    in_err(SL_T_FLOAT8, -1, "1e-400", "22003", "\"1e-400\" is out of range for type double precision");
    in_err(SL_T_FLOAT8, -1, "abc", "22P02", "invalid input syntax for type double precision: \"abc\"");
    in_err(SL_T_FLOAT8, -1, "1.5x", "22P02", "invalid input syntax for type double precision: \"1.5x\"");
    in_err(SL_T_FLOAT8, -1, "", "22P02", "invalid input syntax for type double precision: \"\"");
    in_err(SL_T_FLOAT4, -1, "1e39", "22003", "\"1e39\" is out of range for type real");
    in_err(SL_T_FLOAT4, -1, "z", "22P02", "invalid input syntax for type real: \"z\"");
    in_err(SL_T_NUMERIC, -1, "1.2.3", "22P02", "invalid input syntax for type numeric: \"1.2.3\"");
    /* shortest round-trip output */
    ck_assert_str_eq(io(SL_T_FLOAT8, "0.1"), "0.1");
    ck_assert_str_eq(io(SL_T_FLOAT8, "100000"), "100000");
    ck_assert_str_eq(io(SL_T_FLOAT8, "NaN"), "NaN");
    ck_assert_str_eq(io(SL_T_FLOAT8, "-inf"), "-Infinity");
    ck_assert_str_eq(io(SL_T_FLOAT8, "inf"), "Infinity");
    ck_assert_str_eq(io(SL_T_FLOAT4, "0.1"), "0.1");
    ck_assert_str_eq(io(SL_T_NUMERIC, "12.50"), "12.50");   /* exact: check_numeric.c */
    sl_datum_t d = {.v.f = 0.1 + 0.2};
    ck_assert_str_eq(out(SL_T_FLOAT8, d), "0.30000000000000004");
    /* round trip of awkward values */
    double vals[] = {1.0 / 3, 1e300, 5e-324, -123456789.123456789, 2.5e-8, 1e22};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++) {
        sl_datum_t v = {.v.f = vals[i]};
        ck_assert(in_ok(SL_T_FLOAT8, out(SL_T_FLOAT8, v)).v.f == vals[i]);
    }
    sl_datum_t f4 = {.v.f = (float)(1.0 / 3)};
    ck_assert(in_ok(SL_T_FLOAT4, out(SL_T_FLOAT4, f4)).v.f == f4.v.f);
}
END_TEST

START_TEST(test_bool)
{
    const char *t[] = {"t", "true", "TRUE", "tr", "yes", "y", "on", "1", " True ", "ON"};
    const char *f[] = {"f", "false", "FALSE", "fa", "no", "n", "off", "of", "0", " off\n"};
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
        ck_assert_msg(in_ok(SL_T_BOOL, t[i]).v.i == 1, "%s", t[i]);
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        ck_assert_msg(in_ok(SL_T_BOOL, f[i]).v.i == 0, "%s", f[i]);
    in_err(SL_T_BOOL, -1, "o", "22P02", "invalid input syntax for type boolean: \"o\"");
    in_err(SL_T_BOOL, -1, "truex", "22P02", "invalid input syntax for type boolean: \"truex\"");
    in_err(SL_T_BOOL, -1, "2", "22P02", "invalid input syntax for type boolean: \"2\"");
    in_err(SL_T_BOOL, -1, "", "22P02", "invalid input syntax for type boolean: \"\"");
    in_err(SL_T_BOOL, -1, "onn", "22P02", "invalid input syntax for type boolean: \"onn\"");
    ck_assert_str_eq(io(SL_T_BOOL, "yes"), "true");
    ck_assert_str_eq(io(SL_T_BOOL, "0"), "false");
}
END_TEST

START_TEST(test_text)
{
    sl_datum_t d = in_ok(SL_T_TEXT, "h\xc3\xa9llo \xf0\x9f\x98\x80");
    ck_assert_int_eq(d.v.s.n, 11);
    ck_assert_str_eq(out(SL_T_TEXT, d), "h\xc3\xa9llo \xf0\x9f\x98\x80");
    in_err(SL_T_TEXT, -1, "a\xc3(", "22021", "invalid byte sequence for encoding \"UTF8\": 0xc3 0x28");
    in_err(SL_T_TEXT, -1, "\xff", "22021", "invalid byte sequence for encoding \"UTF8\": 0xff");
    in_err(SL_T_TEXT, -1, "ab\xe2\x82", "22021", "invalid byte sequence for encoding \"UTF8\": 0xe2 0x82");
    in_err(SL_T_TEXT, -1, "\xed\xa0\x80", "22021",
           "invalid byte sequence for encoding \"UTF8\": 0xed 0xa0 0x80"); /* surrogate */
    in_err(SL_T_TEXT, -1, "\xc0\x80", "22021", "invalid byte sequence for encoding \"UTF8\": 0xc0 0x80");
    /* NUL inside the bytes */
    sl_error_t err;
    sl_error_clear(&err);
    ck_assert_int_eq(sl_type_input(SL_T_TEXT, -1, "a\0b", 3, arena, &d, &err), SL_ERR);
    ck_assert_str_eq(err.message, "invalid byte sequence for encoding \"UTF8\": 0x00");
    /* varchar(n) */
    sl_error_clear(&err);
    ck_assert_int_eq(sl_type_input(SL_T_TEXT, 3, "abc", 3, arena, &d, &err), SL_OK);
    ck_assert_int_eq(sl_type_input(SL_T_TEXT, 3, "\xc3\xa9\xc3\xa9\xc3\xa9", 6, arena, &d, &err), SL_OK);
    ck_assert_int_eq(d.v.s.n, 6);
    ck_assert_int_eq(sl_type_input(SL_T_TEXT, 3, "abc   ", 6, arena, &d, &err), SL_OK);
    ck_assert_int_eq(d.v.s.n, 3); /* excess spaces truncated */
    in_err(SL_T_TEXT, 3, "abcd", "22001", "value too long for type character varying(3)");
    in_err(SL_T_TEXT, 3, "abc d", "22001", "value too long for type character varying(3)");
}
END_TEST

START_TEST(test_timestamps)
{
    ck_assert(in_ok(SL_T_TIMESTAMPTZ, "1970-01-01").v.i == -INT64_C(946684800000000));
    ck_assert(in_ok(SL_T_TIMESTAMPTZ, "epoch").v.i == -INT64_C(946684800000000));
    ck_assert(in_ok(SL_T_TIMESTAMPTZ, "2000-01-01 00:00:00+00").v.i == 0);
    ck_assert(in_ok(SL_T_TIMESTAMPTZ, "2000-01-01T00:00:00Z").v.i == 0);
    ck_assert(in_ok(SL_T_TIMESTAMPTZ, "2000-01-01T02:00:00+02").v.i == 0);
    ck_assert(in_ok(SL_T_TIMESTAMPTZ, "2000-01-01T02:30:00+0230").v.i == 0);
    ck_assert(in_ok(SL_T_TIMESTAMPTZ, "1999-12-31T21:30:00-02:30").v.i == 0);
    ck_assert(in_ok(SL_T_TIMESTAMPTZ, "2000-01-01 00:00").v.i == 0);
    ck_assert(in_ok(SL_T_TIMESTAMPTZ, "infinity").v.i == INT64_MAX);
    ck_assert(in_ok(SL_T_TIMESTAMPTZ, "-Infinity").v.i == INT64_MIN);
    /* plain timestamp ignores the zone */
    ck_assert(in_ok(SL_T_TIMESTAMP, "2000-01-01T02:00:00+02").v.i == INT64_C(7200000000));
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "2024-02-29T12:34:56.789Z"), "2024-02-29 12:34:56.789+00");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "2024-03-01 00:00:00.000001+01"),
                     "2024-02-29 23:00:00.000001+00");
    ck_assert_str_eq(io(SL_T_TIMESTAMP, "2024-03-01 10:00:00.5"), "2024-03-01 10:00:00.5");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "1969-12-31 23:59:59.5Z"), "1969-12-31 23:59:59.5+00");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "0099-06-01"), "0099-06-01 00:00:00+00");
    /* more than 6 fractional digits round */
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "2020-01-01 00:00:00.1234567"), "2020-01-01 00:00:00.123457+00");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "2020-01-01 23:59:59.9999999"), "2020-01-02 00:00:00+00");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "2020-01-01 24:00:00"), "2020-01-02 00:00:00+00");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "-infinity"), "-infinity");
    ck_assert_str_eq(io(SL_T_TIMESTAMP, "infinity"), "infinity");
    in_err(SL_T_TIMESTAMPTZ, -1, "hello", "22007",
           "invalid input syntax for type timestamp with time zone: \"hello\"");
    /* PostgreSQL reads "x10:00" as a POSIX zone, UTC-10, at midnight */
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "2020-01-01X10:00"), "2020-01-01 10:00:00+00");
    in_err(SL_T_TIMESTAMPTZ, -1, "2020-01-01 10:00 X", "22007",
           "invalid input syntax for type timestamp with time zone: \"2020-01-01 10:00 X\"");
    in_err(SL_T_TIMESTAMP, -1, "2020-01-01 10", "22007",
           "invalid input syntax for type timestamp: \"2020-01-01 10\"");
    in_err(SL_T_TIMESTAMPTZ, -1, "2020-13-01", "22008", "date/time field value out of range: \"2020-13-01\"");
    in_err(SL_T_TIMESTAMPTZ, -1, "2021-02-29", "22008", "date/time field value out of range: \"2021-02-29\"");
    in_err(SL_T_TIMESTAMPTZ, -1, "2020-02-30 10:00", "22008",
           "date/time field value out of range: \"2020-02-30 10:00\"");
    in_err(SL_T_TIMESTAMPTZ, -1, "2020-01-01 25:00", "22008",
           "date/time field value out of range: \"2020-01-01 25:00\"");
    in_err(SL_T_TIMESTAMPTZ, -1, "2020-01-01 10:60", "22008",
           "date/time field value out of range: \"2020-01-01 10:60\"");
    in_err(SL_T_TIMESTAMPTZ, -1, "2020-01-01 10:00+16", "22009",
           "time zone displacement out of range: \"2020-01-01 10:00+16\"");
}
END_TEST

/* An error "MSG: \"S\"" for input S, as PostgreSQL quotes it. */
static void ts_err(sl_type_t t, const char *s, const char *msg)
{
    char m[512];
    snprintf(m, sizeof(m), "%s: \"%s\"", msg, s);
    in_err(t, -1, s, "22008", m);
}

/* PostgreSQL 15's range, checked against its own answers (psql): 4714-11-24
 * 00:00 BC .. 294276-12-31 23:59:59.999999, no overflow on the way. */
START_TEST(test_timestamp_range)
{
    const char *range = "timestamp out of range", *field = "date/time field value out of range";
    /* the highest values, both types */
    ck_assert(in_ok(SL_T_TIMESTAMPTZ, "294276-12-31 23:59:59.999999Z").v.i ==
              INT64_C(9223371331199999999));
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "294276-12-31 23:59:59.999999Z"),
                     "294276-12-31 23:59:59.999999+00");
    ck_assert_str_eq(io(SL_T_TIMESTAMP, "294276-12-31 23:59:59.999999"),
                     "294276-12-31 23:59:59.999999");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "294250-01-01T00:00:00Z"), "294250-01-01 00:00:00+00");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "294248-06-01T00:00:00Z"), "294248-06-01 00:00:00+00");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "294276-12-31 23:59:59+01"), "294276-12-31 22:59:59+00");
    /* one microsecond over, by every road */
    ts_err(SL_T_TIMESTAMPTZ, "294277-01-01 00:00:00Z", range);
    ts_err(SL_T_TIMESTAMP, "294277-01-01", range);
    ts_err(SL_T_TIMESTAMPTZ, "294276-12-31 24:00:00Z", range);
    ts_err(SL_T_TIMESTAMPTZ, "294276-12-31 23:59:59.9999995Z", range);
    ts_err(SL_T_TIMESTAMPTZ, "294276-12-31 23:59:59.999999-01", range);
    ts_err(SL_T_TIMESTAMPTZ, "294276-12-31 23:00:00-15:59:59", range);
    /* a plain timestamp ignores the zone that would push it over */
    ck_assert_str_eq(io(SL_T_TIMESTAMP, "294276-12-31 23:59:59.999999-01"),
                     "294276-12-31 23:59:59.999999");
    /* the lowest values: 4714-11-24 BC */
    ck_assert(in_ok(SL_T_TIMESTAMPTZ, "4714-11-24 00:00:00Z BC").v.i ==
              INT64_C(-211813488000000000));
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "4714-11-24 00:00:00+00 BC"), "4714-11-24 00:00:00+00 BC");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "4714-11-24 BC"), "4714-11-24 00:00:00+00 BC");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "4714-11-24 00:00:00-01 BC"), "4714-11-24 01:00:00+00 BC");
    ck_assert_str_eq(io(SL_T_TIMESTAMP, "4714-11-24 00:00:00+01 BC"), "4714-11-24 00:00:00 BC");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "2020-01-01BC"), "2020-01-01 00:00:00+00 BC");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "2020-01-01 ad"), "2020-01-01 00:00:00+00");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "0001-01-01 BC"), "0001-01-01 00:00:00+00 BC");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "0001-02-29 BC"), "0001-02-29 00:00:00+00 BC"); /* leap */
    ts_err(SL_T_TIMESTAMPTZ, "4714-11-24 00:00:00+01 BC", range);
    ts_err(SL_T_TIMESTAMPTZ, "4714-11-23 23:59:59.999999Z BC", range);
    ts_err(SL_T_TIMESTAMP, "4714-11-23 23:59:59.999999 BC", range);
    ts_err(SL_T_TIMESTAMPTZ, "4714-11-01 00:00:00Z BC", range);
    ts_err(SL_T_TIMESTAMPTZ, "5000-01-01 BC", range);
    ts_err(SL_T_TIMESTAMPTZ, "294276-12-31 23:59:59.999999 BC", range);
    ts_err(SL_T_TIMESTAMPTZ, "0000-01-01 BC", field);
    ts_err(SL_T_TIMESTAMPTZ, "0002-02-29 BC", field);
    /* huge years: valid Julian dates beyond the range, then over INT_MAX */
    ts_err(SL_T_TIMESTAMPTZ, "5874897-12-31", range);
    ts_err(SL_T_TIMESTAMPTZ, "5874898-06-01", range);
    ts_err(SL_T_TIMESTAMPTZ, "2147483647-01-01", range);
    ts_err(SL_T_TIMESTAMPTZ, "2147483647-01-01 BC", range);
    ts_err(SL_T_TIMESTAMPTZ, "2147483648-01-01", field);
    ts_err(SL_T_TIMESTAMPTZ, "99999999999999999999999999-01-01", field);
    ts_err(SL_T_TIMESTAMPTZ, "2147483647-02-30", field);
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "0000000000002020-01-01"), "2020-01-01 00:00:00+00");
    ts_err(SL_T_TIMESTAMPTZ, "0000-01-01", field);
}
END_TEST

START_TEST(test_compare_hash)
{
    sl_datum_t nan = {.v.f = NAN}, inf = {.v.f = INFINITY}, z = {.v.f = 0.0}, nz = {.v.f = -0.0};
    ck_assert_int_gt(sl_datum_cmp(SL_T_FLOAT8, &nan, &inf), 0);
    ck_assert_int_lt(sl_datum_cmp(SL_T_FLOAT8, &inf, &nan), 0);
    ck_assert_int_eq(sl_datum_cmp(SL_T_FLOAT8, &nan, &nan), 0);
    ck_assert(sl_datum_eq(SL_T_FLOAT8, &nan, &nan));
    ck_assert(sl_datum_eq(SL_T_FLOAT8, &z, &nz));
    ck_assert(sl_datum_hash(SL_T_FLOAT8, &z) == sl_datum_hash(SL_T_FLOAT8, &nz));
    sl_datum_t a = {.v.s = {"abc", 3}}, b = {.v.s = {"abd", 3}}, ab = {.v.s = {"ab", 2}};
    sl_datum_t a2 = {.v.s = {"xabc" + 1, 3}};
    ck_assert_int_lt(sl_datum_cmp(SL_T_TEXT, &a, &b), 0);
    ck_assert_int_gt(sl_datum_cmp(SL_T_TEXT, &a, &ab), 0);
    ck_assert(sl_datum_eq(SL_T_TEXT, &a, &a2));
    ck_assert(!sl_datum_eq(SL_T_TEXT, &a, &ab));
    ck_assert(sl_datum_hash(SL_T_TEXT, &a) == sl_datum_hash(SL_T_TEXT, &a2));
    ck_assert(sl_datum_hash(SL_T_TEXT, &a) != sl_datum_hash(SL_T_TEXT, &ab));
    /* C collation: bytewise, so 'B' < 'a' */
    sl_datum_t B = {.v.s = {"B", 1}}, la = {.v.s = {"a", 1}};
    ck_assert_int_lt(sl_datum_cmp(SL_T_TEXT, &B, &la), 0);
    sl_datum_t n1 = {.null = true}, n2 = {.null = true}, one = {.v.i = 1};
    ck_assert(sl_datum_eq(SL_T_INT8, &n1, &n2));
    ck_assert(!sl_datum_eq(SL_T_INT8, &n1, &one));
    ck_assert(sl_datum_hash(SL_T_INT8, &n1) == sl_datum_hash(SL_T_INT8, &n2));
    sl_datum_t m1 = {.v.i = -1};
    ck_assert_int_lt(sl_datum_cmp(SL_T_INT8, &m1, &one), 0);
}
END_TEST

/* Text comparison follows the collation set (the backing database's). */
START_TEST(test_collation)
{
    sl_error_t err;
    sl_error_clear(&err);
    ck_assert_int_eq(sl_collation_set("xx_NOPE.UTF-8", &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "0A000");
    ck_assert_str_eq(sl_collation_name(), "C");
    sl_datum_t lb = in_ok(SL_T_TEXT, "b"), ub = in_ok(SL_T_TEXT, "B"),
               e = in_ok(SL_T_TEXT, "\xc3\xa9"), z = in_ok(SL_T_TEXT, "z");
    /* bytewise: 'B' < 'b' < 'z' < 'é' */
    ck_assert_int_lt(sl_datum_cmp(SL_T_TEXT, &ub, &lb), 0);
    ck_assert_int_gt(sl_datum_cmp(SL_T_TEXT, &e, &z), 0);
    sl_error_clear(&err);
    if (sl_collation_set("en_US.UTF-8", &err) != SL_OK) {
        printf("test_collation: en_US.UTF-8 is not installed, its half of the test "
               "did not run: %s\n", err.message);
        return;
    }
    ck_assert_str_eq(sl_collation_name(), "en_US.UTF-8");
    /* en_US: 'b' < 'B' < 'é' < 'z'; equal strings stay equal */
    ck_assert_int_lt(sl_datum_cmp(SL_T_TEXT, &lb, &ub), 0);
    ck_assert_int_lt(sl_datum_cmp(SL_T_TEXT, &ub, &e), 0);
    ck_assert_int_lt(sl_datum_cmp(SL_T_TEXT, &e, &z), 0);
    sl_datum_t lb2 = in_ok(SL_T_TEXT, "b");
    ck_assert_int_eq(sl_datum_cmp(SL_T_TEXT, &lb, &lb2), 0);
    /* long values (over the stack buffers) compare the same way */
    char a[600], b[600];
    memset(a, 'x', sizeof(a) - 1);
    a[sizeof(a) - 1] = '\0';
    memcpy(b, a, sizeof(b));
    a[598] = 'b';
    b[598] = 'B';
    sl_datum_t la = in_ok(SL_T_TEXT, a), lB = in_ok(SL_T_TEXT, b);
    ck_assert_int_lt(sl_datum_cmp(SL_T_TEXT, &la, &lB), 0);
    ck_assert_int_eq(sl_collation_set("C", &err), SL_OK);
    ck_assert_int_gt(sl_datum_cmp(SL_T_TEXT, &la, &lB), 0);
}
END_TEST

static Suite *types_suite(void)
{
    Suite *s = suite_create("types");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_integers);
    tcase_add_test(tc, test_floats);
    tcase_add_test(tc, test_bool);
    tcase_add_test(tc, test_text);
    tcase_add_test(tc, test_timestamps);
    tcase_add_test(tc, test_timestamp_range);
    tcase_add_test(tc, test_compare_hash);
    tcase_add_test(tc, test_collation);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(types_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
