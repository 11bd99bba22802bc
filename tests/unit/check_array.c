/* check_array.c: unit tests of util/array.c: PostgreSQL 15's array_in
 * (quoting, backslash escapes, whitespace, NULL, every "malformed array
 * literal" DETAIL) and array_out for each element type, the packed form,
 * comparison, equality and hashing.  The expected texts of the input table
 * are PostgreSQL's own answers to '<input>'::<type>::text (explicit bounds
 * and multidimensional arrays, which PostgreSQL takes, are refused here
 * with 0A000; varchar(n) elements fail as a column's input does). */
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
    {"_text", -1, "{{a},{b}}", "ERROR 0A000 multidimensional arrays are not supported|"},
    {"_text", -1, "{{a},{b,c}}", "ERROR 22P02 malformed array literal: \"{{a},{b,c}}\"|Multidimensional arrays must have sub-arrays with matching dimensions."},
    {"_text", -1, "{a,{b}}", "ERROR 22P02 malformed array literal: \"{a,{b}}\"|Unexpected \"{\" character."},
    {"_text", -1, "[1:2]={a,b}", "ERROR 0A000 array bounds in array literals are not supported|"},
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
    sl_arena_free(a);
}
END_TEST

START_TEST(type_names)
{
    ck_assert_int_eq(sl_type_from_name("_int8"), SL_T_INT8_ARRAY);
    ck_assert_int_eq(sl_type_elem(SL_T_TIMESTAMPTZ_ARRAY), SL_T_TIMESTAMPTZ);
    ck_assert_int_eq(sl_type_array_of(SL_T_BOOL), SL_T_BOOL_ARRAY);
    ck_assert_int_eq(sl_type_array_of(SL_T_NUMERIC), SL_T_UNKNOWN);
    ck_assert(!sl_type_is_array(SL_T_TEXT));
    ck_assert_str_eq(sl_type_name(SL_T_FLOAT8_ARRAY), "double precision[]");
    ck_assert_uint_eq(sl_type_oid(SL_T_TEXT_ARRAY), 1009);
    char buf[64];
    ck_assert_str_eq(sl_type_sql(SL_T_TEXT_ARRAY, 20, buf, sizeof(buf)), "character varying(20)[]");
    ck_assert_str_eq(sl_type_sql(SL_T_INT4_ARRAY, -1, buf, sizeof(buf)), "integer[]");
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
