/* check_array.c: unit tests of util/array.c: PostgreSQL 15's array_in
 * (quoting, backslash escapes, whitespace, NULL, every "malformed array
 * literal" DETAIL) and array_out for each element type, the packed form,
 * comparison, equality and hashing.  The expected texts of the input table
 * are PostgreSQL's own answers to '<input>'::<type>::text (varchar(n)
 * elements fail as a column's input does). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "ck_run.h"
#include "util/array.h"

static const struct {
    const char *type;
    int typmod;
    const char *in;
    const char *want;
} inputs[] = {
    {"_text", -1, "{a,\"b c\",NULL}", "OK {a,\"b c\",NULL}"},
    {"_text", -1, "{}", "OK {}"},
    {"_text", -1, "  { }  ", "OK {}"},
    {"_text", -1, "{\"NULL\",null,NuLl}", "OK {\"NULL\",NULL,NULL}"},
    {"_text", -1, "{\"\"}", "OK {\"\"}"},
    {"_text", -1, "{\"\",\"\"}", "OK {\"\",\"\"}"},
    {"_text", -1, "{ a b , c }", "OK {\"a b\",c}"},
    {"_text", -1, "{a\\ ,\\ b}", "OK {\"a \",\" b\"}"},
    {"_text", -1, "{\"a\\\"b\",\"c\\\\d\"}", "OK {\"a\\\"b\",\"c\\\\d\"}"},
    {"_text", -1, "{\\N\\U\\L\\L}", "OK {\"NULL\"}"},
    {"_text", -1, "{\"{x}\",y\\,z}", "OK {\"{x}\",\"y,z\"}"},
    {"_text", -1, "{\"\x09""\"}", "OK {\"\x09""\"}"},
    {"_text", -1, "{\xc3""\xa9"",\"\xc3""\xbc"" \xc3""\xb6""\"}", "OK {\xc3""\xa9"",\"\xc3""\xbc"" \xc3""\xb6""\"}"},
    {"_text", -1, "{a,b", "ERROR 22P02 malformed array literal: \"{a,b\"|Unexpected end of input."},
    {"_text", -1, "{a,,b}", "ERROR 22P02 malformed array literal: \"{a,,b}\"|Unexpected \",\" character."},
    {"_text", -1, "{a}}", "ERROR 22P02 malformed array literal: \"{a}}\"|Junk after closing right brace."},
    {"_text", -1, "{a} x", "ERROR 22P02 malformed array literal: \"{a} x\"|Junk after closing right brace."},
    {"_text", -1, "a", "ERROR 22P02 malformed array literal: \"a\"|Array value must start with \"{\" or dimension information."},
    {"_text", -1, "", "ERROR 22P02 malformed array literal: \"\"|Array value must start with \"{\" or dimension information."},
    {"_text", -1, "{\"a\"b}", "ERROR 22P02 malformed array literal: \"{\"a\"b}\"|Unexpected array element."},
    {"_text", -1, "{a\"b\"}", "ERROR 22P02 malformed array literal: \"{a\"b\"}\"|Unexpected array element."},
    {"_text", -1, "{a,}", "ERROR 22P02 malformed array literal: \"{a,}\"|Unexpected \"}\" character."},
    {"_text", -1, "{,a}", "ERROR 22P02 malformed array literal: \"{,a}\"|Unexpected \",\" character."},
    {"_text", -1, "{a\\", "ERROR 22P02 malformed array literal: \"{a\\\"|Unexpected end of input."},
    {"_text", -1, "{{a},{b,c}}", "ERROR 22P02 malformed array literal: \"{{a},{b,c}}\"|Multidimensional arrays must have sub-arrays with matching dimensions."},
    {"_text", -1, "{a,{b}}", "ERROR 22P02 malformed array literal: \"{a,{b}}\"|Unexpected \"{\" character."},
    {"_text", -1, "{\"a", "ERROR 22P02 malformed array literal: \"{\"a\"|Unexpected end of input."},
    {"_int4", -1, "{1, 2 ,-3,NULL}", "OK {1,2,-3,NULL}"},
    {"_int4", -1, "{1,x}", "ERROR 22P02 invalid input syntax for type integer: \"x\"|"},
    {"_int4", -1, "{3000000000}", "ERROR 22003 value \"3000000000\" is out of range for type integer|"},
    {"_int4", -1, "{\"1\"}", "OK {1}"},
    {"_int4", -1, "{\"\"}", "ERROR 22P02 invalid input syntax for type integer: \"\"|"},
    {"_int8", -1, "{9223372036854775807,-9223372036854775808}", "OK {9223372036854775807,-9223372036854775808}"},
    {"_int2", -1, "{32768}", "ERROR 22003 value \"32768\" is out of range for type smallint|"},
    {"_bool", -1, "{t,false,YES,off,NULL}", "OK {t,f,t,f,NULL}"},
    {"_bool", -1, "{maybe}", "ERROR 22P02 invalid input syntax for type boolean: \"maybe\"|"},
    {"_float8", -1, "{1.5,-0,NaN,Infinity,-Infinity,1e300,0.1}", "OK {1.5,-0,NaN,Infinity,-Infinity,1e+300,0.1}"},
    {"_float4", -1, "{0.1,3.4e38,-1.5}", "OK {0.1,3.4e+38,-1.5}"},
    {"_float8", -1, "{1e400}", "ERROR 22003 \"1e400\" is out of range for type double precision|"},
    {"_timestamptz", -1, "{\"2026-12-07 01:02:03.5+00\",2026-01-01T00:00:00Z,NULL}", "OK {\"2026-12-07 01:02:03.5+00\",\"2026-01-01 00:00:00+00\",NULL}"},
    {"_timestamp", -1, "{\"2026-12-07 01:02:03\"}", "OK {\"2026-12-07 01:02:03\"}"},
    {"_varchar", 2, "{ab,abc}", "ERROR 22001 value too long for type character varying(2)|"},
    /* numeric (numeric(5,2)[]: typmod 327686), interval, jsonb, date, time, uuid */
    {"_numeric", -1, "{1.50, NaN ,-0.001,NULL,1e3,Infinity}", "OK {1.50,NaN,-0.001,NULL,1000,Infinity}"},
    {"_numeric", -1, "{\"  12.340 \"}", "OK {12.340}"},
    {"_numeric", -1, "{1.2.3}", "ERROR 22P02 invalid input syntax for type numeric: \"1.2.3\"|"},
    {"_numeric", -1, "{,1}", "ERROR 22P02 malformed array literal: \"{,1}\"|Unexpected \",\" character."},
    {"_numeric", 327686, "{1.234,-99.995,NULL}", "OK {1.23,-100.00,NULL}"},
    {"_numeric", 327686, "{999.995}", "ERROR 22003 numeric field overflow|A field with precision 5, scale 2 must round to an absolute value less than 10^3."},
    {"_numeric", 327686, "{NaN}", "OK {NaN}"},
    {"_numeric", -1, "{123456789012345678901234567890.123456789}", "OK {123456789012345678901234567890.123456789}"},
    {"_interval", -1, "{1 day,\"2 mons 3 hours\",-00:00:01,NULL,P1Y2M}", "OK {\"1 day\",\"2 mons 03:00:00\",-00:00:01,NULL,\"1 year 2 mons\"}"},
    {"_interval", -1, "{1 fortnight}", "ERROR 22007 invalid input syntax for type interval: \"1 fortnight\"|"},
    {"_interval", -1, "{\"\"}", "ERROR 22007 invalid input syntax for type interval: \"\"|"},
    {"_jsonb", -1, "{\"{\\\"a\\\": [1, 2]}\",null,\"\\\"x\\\"\",1.50,true,\"null\"}", "OK {\"{\\\"a\\\": [1, 2]}\",NULL,\"\\\"x\\\"\",1.50,true,\"null\"}"},
    {"_jsonb", -1, "{\"{\\\"a\\\": }\"}", "ERROR 22P02 invalid input syntax for type json|Expected JSON value, but found \"}\"."},
    {"_jsonb", -1, "{[1,2]}", "ERROR 22P02 invalid input syntax for type json|The input string ended unexpectedly."},
    {"_date", -1, "{2020-01-01, 0044-03-15 BC ,infinity,-infinity,NULL,20200102}", "OK {2020-01-01,\"0044-03-15 BC\",infinity,-infinity,NULL,2020-01-02}"},
    {"_date", -1, "{2020-02-30}", "ERROR 22008 date/time field value out of range: \"2020-02-30\"|"},
    {"_date", -1, "{today-ish}", "ERROR 22007 invalid input syntax for type date: \"today-ish\"|"},
    {"_time", -1, "{12:00,24:00,\"23:59:59.999999\",00:00:00.5,NULL}", "OK {12:00:00,24:00:00,23:59:59.999999,00:00:00.5,NULL}"},
    {"_time", -1, "{25:00}", "ERROR 22008 date/time field value out of range: \"25:00\"|"},
    {"_uuid", -1, "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,{A0EEBC999C0B4EF8BB6D6BB9BD380A12},NULL}", "ERROR 22P02 malformed array literal: \"{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11,{A0EEBC999C0B4EF8BB6D6BB9BD380A12},NULL}\"|Unexpected \"{\" character."},
    {"_uuid", -1, "{\"{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}\"}", "OK {a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}"},
    {"_uuid", -1, "{a0eebc99}", "ERROR 22P02 invalid input syntax for type uuid: \"a0eebc99\"|"},
    {"_uuid", -1, "{{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}}", "OK {{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}}"},
    /* multidimensional arrays and explicit bounds */
    {"_text", -1, "{{a},{b}}", "OK {{a},{b}}"},
    {"_text", -1, "[1:2]={a,b}", "OK {a,b}"},
    {"_int4", -1, "{{1,2},{3,4}}", "OK {{1,2},{3,4}}"},
    {"_int4", -1, "{{{1,NULL}},{{3,4}}}", "OK {{{1,NULL}},{{3,4}}}"},
    {"_int4", -1, "  [0:1] = {1,2}", "OK [0:1]={1,2}"},
    {"_int4", -1, "[-2:-1][1:2]={{1,2},{3,4}}", "OK [-2:-1][1:2]={{1,2},{3,4}}"},
    {"_int4", -1, "[1:2][3:3]={{1},{2}}", "OK [1:2][3:3]={{1},{2}}"},
    {"_int4", -1, "[3]={1,2,3}", "OK {1,2,3}"},
    {"_int4", -1, "[1:3]={1,2}", "ERROR 22P02 malformed array literal: \"[1:3]={1,2}\"|Specified array dimensions do not match array contents."},
    {"_int4", -1, "[2:1]={1}", "ERROR 2202E upper bound cannot be less than lower bound|"},
    {"_int4", -1, "[1:2]{1,2}", "ERROR 22P02 malformed array literal: \"[1:2]{1,2}\"|Missing \"=\" after array dimensions."},
    {"_int4", -1, "[1:2]=1,2", "ERROR 22P02 malformed array literal: \"[1:2]=1,2\"|Array contents must start with \"{\"."},
    {"_int4", -1, "[a]={1}", "ERROR 22P02 malformed array literal: \"[a]={1}\"|\"[\" must introduce explicitly-specified array dimensions."},
    {"_int4", -1, "[1:]={1}", "ERROR 22P02 malformed array literal: \"[1:]={1}\"|Missing array dimension value."},
    {"_int4", -1, "[1:2={1,2}", "ERROR 22P02 malformed array literal: \"[1:2={1,2}\"|Missing \"]\" after array dimensions."},
    {"_int4", -1, "[1:1]={}", "ERROR 22P02 malformed array literal: \"[1:1]={}\"|Specified array dimensions do not match array contents."},
    {"_int4", -1, "{{}}", "ERROR 22P02 malformed array literal: \"{{}}\"|Unexpected \"}\" character."},
    {"_int4", -1, "{{},{}}", "ERROR 22P02 malformed array literal: \"{{},{}}\"|Unexpected \"}\" character."},
    {"_int4", -1, "{{{{{{{1}}}}}}}", "ERROR 54000 number of array dimensions (7) exceeds the maximum allowed (6)|"},
    {"_int4", -1, "[1][1][1][1][1][1][1]={{{{{{{1}}}}}}}", "ERROR 54000 number of array dimensions (7) exceeds the maximum allowed (6)|"},
    {"_int4", -1, "{{1,2},{3,x}}", "ERROR 22P02 invalid input syntax for type integer: \"x\"|"},
    {"_text", -1, "{{\"a b\",NULL},{\"\",c}}", "OK {{\"a b\",NULL},{\"\",c}}"},
    {"_text", -1, "[0:0]={\"{x}\"}", "OK [0:0]={\"{x}\"}"},
    {"_int4", -1, "[+1:+2]={1,2}", "OK {1,2}"},
    {"_int4", -1, "[1:1] [1:2]={{1,2}}", "OK {{1,2}}"},
    {"_int4", -1, "[1:1]= {1}", "OK {1}"},
};

/* "OK <array_out>" or "ERROR <sqlstate> <message>|<detail>" for in. */
static void run_input(sl_arena_t *a, sl_type_t t, int typmod, const char *in, sl_buf_t *got)
{
    sl_datum_t d;
    sl_error_t err;
    sl_error_clear(&err);
    sl_buf_reset(got);
    if (sl_type_input(t, typmod, in, (uint32_t)strlen(in), a, &d, &err) != SL_OK) {
        sl_buf_printf(got, "ERROR %s %s|%s", err.sqlstate, err.message, err.detail);
        return;
    }
    sl_buf_puts(got, "OK ");
    sl_type_output(t, &d, got);
}

START_TEST(input_output_as_postgresql)
{
    sl_arena_t *a = sl_arena_new(NULL, "test");
    sl_buf_t got = SL_BUF_INIT;
    for (size_t i = 0; i < sizeof(inputs) / sizeof(inputs[0]); i++) {
        sl_type_t t = sl_type_from_name(inputs[i].type);
        ck_assert_msg(sl_type_is_array(t), "%s is not an array type", inputs[i].type);
        run_input(a, t, inputs[i].typmod, inputs[i].in, &got);
        ck_assert_msg(strcmp(sl_buf_cstr(&got), inputs[i].want) == 0, "%s '%s': got '%s', want '%s'",
                      inputs[i].type, inputs[i].in, sl_buf_cstr(&got), inputs[i].want);
        /* what array_out writes reads back the same */
        if (strncmp(inputs[i].want, "OK ", 3) == 0) {
            sl_buf_t again = SL_BUF_INIT;
            run_input(a, t, inputs[i].typmod, inputs[i].want + 3, &again);
            ck_assert_str_eq(sl_buf_cstr(&again), inputs[i].want);
            sl_buf_free(&again);
        }
    }
    sl_buf_free(&got);
    sl_arena_free(a);
}
END_TEST

/* Elements built one by one are quoted by array_out where array_in would
 * otherwise misread them. */
START_TEST(output_quoting)
{
    static const char *const elems[] = {"plain", "", "NULL", "null", "a b", "a,b", "a\"b",
                                        "a\\b", "{", "}", "\t", "\xc3\xa9"};
    static const char *const want =
        "{plain,\"\",\"NULL\",\"null\",\"a b\",\"a,b\",\"a\\\"b\",\"a\\\\b\",\"{\",\"}\",\"\t\",\xc3\xa9,NULL}";
    sl_arena_t *a = sl_arena_new(NULL, "test");
    sl_array_builder_t ab;
    sl_array_build_begin(&ab, SL_T_TEXT);
    for (size_t i = 0; i < sizeof(elems) / sizeof(elems[0]); i++) {
        sl_datum_t v = {.v.s = {elems[i], (uint32_t)strlen(elems[i])}};
        sl_array_build_add(&ab, &v);
    }
    sl_datum_t null = {.null = true};
    sl_array_build_add(&ab, &null);
    sl_datum_t d;
    sl_array_build_end(&ab, a, &d);
    ck_assert_uint_eq(sl_array_count(&d), 13);
    sl_buf_t b = SL_BUF_INIT;
    sl_type_output(SL_T_TEXT_ARRAY, &d, &b);
    ck_assert_str_eq(sl_buf_cstr(&b), want);
    /* and read back element for element */
    sl_datum_t back;
    sl_error_t err;
    sl_error_clear(&err);
    ck_assert_int_eq(sl_type_input(SL_T_TEXT_ARRAY, -1, b.data, (uint32_t)b.len, a, &back, &err),
                     SL_OK);
    ck_assert(sl_datum_eq(SL_T_TEXT_ARRAY, &d, &back));
    sl_array_iter_t it;
    sl_datum_t v;
    sl_array_iter_init(&it, SL_T_TEXT_ARRAY, &back);
    for (size_t i = 0; i < sizeof(elems) / sizeof(elems[0]); i++) {
        ck_assert(sl_array_next(&it, &v));
        ck_assert(!v.null);
        ck_assert_uint_eq(v.v.s.n, strlen(elems[i]));
        ck_assert(memcmp(v.v.s.p, elems[i], v.v.s.n) == 0);
    }
    ck_assert(sl_array_next(&it, &v) && v.null);
    ck_assert(!sl_array_next(&it, &v));
    sl_buf_free(&b);
    sl_arena_free(a);
}
END_TEST

static sl_datum_t parse(sl_arena_t *a, sl_type_t t, const char *s)
{
    sl_datum_t d;
    sl_error_t err;
    sl_error_clear(&err);
    ck_assert_msg(sl_type_input(t, -1, s, (uint32_t)strlen(s), a, &d, &err) == SL_OK, "%s: %s", s,
                  err.message);
    return d;
}

/* btarraycmp's order: element by element, NULL after every value and
 * equal to NULL, then the shorter first; equality and hashing agree. */
START_TEST(compare_equal_hash)
{
    static const char *const sorted[] = {"{}", "{-1}", "{1}", "{1,2}", "{1,2,3}", "{1,NULL}",
                                         "{2}", "{NULL}", "{NULL,1}"};
    sl_arena_t *a = sl_arena_new(NULL, "test");
    size_t n = sizeof(sorted) / sizeof(sorted[0]);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            sl_datum_t x = parse(a, SL_T_INT8_ARRAY, sorted[i]);
            sl_datum_t y = parse(a, SL_T_INT8_ARRAY, sorted[j]);
            int c = sl_datum_cmp(SL_T_INT8_ARRAY, &x, &y);
            int want = i < j ? -1 : i > j ? 1 : 0;
            ck_assert_msg((c > 0) - (c < 0) == want, "%s vs %s: %d", sorted[i], sorted[j], c);
            ck_assert(sl_datum_eq(SL_T_INT8_ARRAY, &x, &y) == (i == j));
        }
    sl_datum_t x = parse(a, SL_T_TEXT_ARRAY, "{a,NULL,\"b c\"}");
    sl_datum_t y = parse(a, SL_T_TEXT_ARRAY, " { \"a\" , null , b\\ c } ");
    ck_assert(sl_datum_eq(SL_T_TEXT_ARRAY, &x, &y));
    ck_assert(sl_datum_hash(SL_T_TEXT_ARRAY, &x) == sl_datum_hash(SL_T_TEXT_ARRAY, &y));
    /* -0 equals 0 and NaN equals NaN in a float array, as in PostgreSQL */
    x = parse(a, SL_T_FLOAT8_ARRAY, "{-0,NaN}");
    y = parse(a, SL_T_FLOAT8_ARRAY, "{0,NaN}");
    ck_assert(sl_datum_eq(SL_T_FLOAT8_ARRAY, &x, &y));
    ck_assert(sl_datum_hash(SL_T_FLOAT8_ARRAY, &x) == sl_datum_hash(SL_T_FLOAT8_ARRAY, &y));
    ck_assert_int_eq(sl_datum_cmp(SL_T_FLOAT8_ARRAY, &x, &y), 0);
    /* numeric 1.0 = 1.00 and interval '1 mon' = '30 days', as in PostgreSQL:
     * equal arrays, one hash; numeric order by value, not by text */
    static const struct {
        sl_type_t t;
        const char *x, *y;
        int cmp;
    } pairs[] = {
        {SL_T_NUMERIC_ARRAY, "{1.0,NULL,-2}", "{1.00,NULL,-2.000}", 0},
        {SL_T_NUMERIC_ARRAY, "{9.5}", "{10}", -1},
        {SL_T_NUMERIC_ARRAY, "{NaN}", "{Infinity}", 1},
        {SL_T_INTERVAL_ARRAY, "{1 mon}", "{30 days}", 0},
        {SL_T_INTERVAL_ARRAY, "{1 day}", "{23:00:00}", 1},
        {SL_T_UUID_ARRAY, "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
         "{A0EEBC999C0B4EF8BB6D6BB9BD380A11}", 0},
        {SL_T_DATE_ARRAY, "{2020-01-01,infinity}", "{2020-01-02}", -1},
        {SL_T_TIME_ARRAY, "{24:00}", "{23:59:59.999999}", 1},
        {SL_T_JSONB_ARRAY, "{\"{\\\"a\\\": 1.0}\"}", "{\"{\\\"a\\\":1.00}\"}", 0},
        /* equal elements: fewer dimensions, then lengths, then lower bounds
         * first (PostgreSQL: '{1,2}' < '{{1,2}}', '[0:1]={1,2}' < '{1,2}') */
        {SL_T_INT4_ARRAY, "{1,2}", "{{1,2}}", -1},
        {SL_T_INT4_ARRAY, "[0:1]={1,2}", "{1,2}", -1},
        {SL_T_INT4_ARRAY, "{{1,2},{3,4}}", "{{1,2,3,4}}", 1},
        {SL_T_INT4_ARRAY, "{{1},{2}}", "{{1,2}}", 1},
        {SL_T_INT4_ARRAY, "{{1,2}}", "{1,3}", -1},
        {SL_T_INT4_ARRAY, "[0:1][5:5]={{1},{2}}", "[1:2][0:0]={{1},{2}}", -1},
    };
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        x = parse(a, pairs[i].t, pairs[i].x);
        y = parse(a, pairs[i].t, pairs[i].y);
        int c = sl_datum_cmp(pairs[i].t, &x, &y);
        ck_assert_msg((c > 0) - (c < 0) == pairs[i].cmp, "%s vs %s: %d", pairs[i].x, pairs[i].y, c);
        ck_assert(sl_datum_eq(pairs[i].t, &x, &y) == (pairs[i].cmp == 0));
        if (pairs[i].cmp == 0)
            ck_assert(sl_datum_hash(pairs[i].t, &x) == sl_datum_hash(pairs[i].t, &y));
    }
    sl_arena_free(a);
}
END_TEST

START_TEST(type_names)
{
    ck_assert_int_eq(sl_type_from_name("_int8"), SL_T_INT8_ARRAY);
    ck_assert_int_eq(sl_type_elem(SL_T_TIMESTAMPTZ_ARRAY), SL_T_TIMESTAMPTZ);
    ck_assert_int_eq(sl_type_array_of(SL_T_BOOL), SL_T_BOOL_ARRAY);
    ck_assert_int_eq(sl_type_array_of(SL_T_NUMERIC), SL_T_NUMERIC_ARRAY);
    ck_assert_int_eq(sl_type_array_of(SL_T_UNKNOWN), SL_T_UNKNOWN);
    ck_assert_int_eq(sl_type_array_of(SL_T_INT4_ARRAY), SL_T_UNKNOWN);
    /* every scalar type has its array type, PostgreSQL's name and OID */
    static const struct {
        sl_type_t elem;
        const char *name, *alias;
        uint32_t oid;
    } more[] = {
        {SL_T_NUMERIC, "numeric[]", "_numeric", 1231},
        {SL_T_INTERVAL, "interval[]", "_interval", 1187},
        {SL_T_JSONB, "jsonb[]", "_jsonb", 3807},
        {SL_T_DATE, "date[]", "_date", 1182},
        {SL_T_TIME, "time without time zone[]", "_time", 1183},
        {SL_T_UUID, "uuid[]", "_uuid", 2951},
    };
    for (size_t i = 0; i < sizeof(more) / sizeof(more[0]); i++) {
        sl_type_t at = sl_type_array_of(more[i].elem);
        ck_assert(sl_type_is_array(at));
        ck_assert(sl_type_by_ref(at));
        ck_assert_int_eq(sl_type_elem(at), more[i].elem);
        ck_assert_str_eq(sl_type_name(at), more[i].name);
        ck_assert_int_eq(sl_type_from_name(more[i].alias), at);
        ck_assert_uint_eq(sl_type_oid(at), more[i].oid);
    }
    for (int t = SL_T_BOOL; t < SL_T_NTYPES; t++)
        if (!sl_type_is_array((sl_type_t)t))
            ck_assert_msg(sl_type_array_of((sl_type_t)t) != SL_T_UNKNOWN, "no array of %s",
                          sl_type_name((sl_type_t)t));
    ck_assert(!sl_type_is_array(SL_T_TEXT));
    ck_assert_str_eq(sl_type_name(SL_T_FLOAT8_ARRAY), "double precision[]");
    ck_assert_uint_eq(sl_type_oid(SL_T_TEXT_ARRAY), 1009);
    char buf[64];
    ck_assert_str_eq(sl_type_sql(SL_T_TEXT_ARRAY, 20, buf, sizeof(buf)), "character varying(20)[]");
    ck_assert_str_eq(sl_type_sql(SL_T_INT4_ARRAY, -1, buf, sizeof(buf)), "integer[]");
    ck_assert_str_eq(sl_type_sql(SL_T_NUMERIC_ARRAY, 327686, buf, sizeof(buf)), "numeric(5,2)[]");
    ck_assert_str_eq(sl_type_sql(SL_T_NUMERIC_ARRAY, -1, buf, sizeof(buf)), "numeric[]");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("array");
    TCase *tc = tcase_create("array");
    tcase_add_test(tc, input_output_as_postgresql);
    tcase_add_test(tc, output_quoting);
    tcase_add_test(tc, compare_equal_hash);
    tcase_add_test(tc, type_names);
    suite_add_tcase(s, tc);
    return sl_ck_run(s);
}
