/* check_csv.c: unit tests of ingest/csv.c (CSV decoding with COPY csv
 * rules, with and without a header), plus an untimed-assert throughput
 * print for the hot path. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest/csv.h"

static sl_arena_t *arena;
static sl_stream_t stream;
static sl_column_t cols[] = {
    {"k", SL_T_INT8, -1}, {"v", SL_T_INT4, -1}, {"name", SL_T_TEXT, -1},
};
/* One column of every stream type. */
static sl_column_t all_cols[] = {
    {"b", SL_T_BOOL, -1},        {"i2", SL_T_INT2, -1},   {"i4", SL_T_INT4, -1},
    {"i8", SL_T_INT8, -1},       {"r", SL_T_FLOAT4, -1},  {"d", SL_T_FLOAT8, -1},
    {"t", SL_T_TEXT, -1},        {"vc", SL_T_TEXT, 3},    {"tz", SL_T_TIMESTAMPTZ, -1},
    {"ts", SL_T_TIMESTAMP, -1},
};

static void setup(void)
{
    arena = sl_arena_new(NULL, "test");
    memset(&stream, 0, sizeof(stream));
    stream.name = "s";
    stream.ncols = (int)(sizeof(cols) / sizeof(cols[0]));
    stream.cols = cols;
}
static void teardown(void) { sl_arena_free(arena); }

static void use_all_types(void)
{
    stream.ncols = (int)(sizeof(all_cols) / sizeof(all_cols[0]));
    stream.cols = all_cols;
}

static sl_batch_t *decode_ok(const char *body, bool header)
{
    sl_batch_t *b = NULL;
    sl_ingest_error_t ie;
    int rc = sl_csv_decode(&stream, body, strlen(body), header, arena, &b, &ie);
    ck_assert_msg(rc == SL_OK, "decode failed: line %ld column %s: %s", ie.line,
                  ie.column, ie.message);
    return b;
}

static void decode_err(const char *body, size_t len, bool header, long line,
                       const char *column, const char *state, const char *msg)
{
    sl_batch_t *b = NULL;
    sl_ingest_error_t ie;
    int rc = sl_csv_decode(&stream, body, len ? len : strlen(body), header, arena, &b, &ie);
    ck_assert_msg(rc == SL_ERR, "decode of %s succeeded", body);
    ck_assert_str_eq(ie.message, msg);
    ck_assert_int_eq(ie.line, line);
    ck_assert_str_eq(ie.column, column);
    ck_assert_str_eq(ie.sqlstate, state);
}

static bool text_is(const sl_datum_t *d, const char *s)
{
    return !d->null && d->v.s.n == strlen(s) && memcmp(d->v.s.p, s, d->v.s.n) == 0;
}

START_TEST(test_simple)
{
    sl_batch_t *b = decode_ok("1,2,abc\n-3,-4,d e f \n9223372036854775807,0,x", false);
    ck_assert_int_eq(b->nrows, 3);
    ck_assert_int_eq(b->cols[0][0].v.i, 1);
    ck_assert_int_eq(b->cols[1][0].v.i, 2);
    ck_assert(text_is(&b->cols[2][0], "abc"));
    ck_assert_int_eq(b->cols[0][1].v.i, -3);
    ck_assert_int_eq(b->cols[1][1].v.i, -4);
    ck_assert(text_is(&b->cols[2][1], "d e f ")); /* blanks are data */
    ck_assert(b->cols[0][2].v.i == INT64_MAX);
    /* trailing newline optional, empty lines skipped and not counted */
    b = decode_ok("\n1,2,a\n\n\n3,4,b\n\n", false);
    ck_assert_int_eq(b->nrows, 2);
    ck_assert_int_eq(b->cols[0][1].v.i, 3);
    /* integers beyond the fast path go through the input function */
    b = decode_ok("-9223372036854775808, 5 ,x\n+7,-0,y\n", false);
    ck_assert(b->cols[0][0].v.i == INT64_MIN);
    ck_assert_int_eq(b->cols[1][0].v.i, 5);
    ck_assert_int_eq(b->cols[0][1].v.i, 7);
    ck_assert_int_eq(b->cols[1][1].v.i, 0);
}
END_TEST

START_TEST(test_quoting)
{
    sl_batch_t *b = decode_ok(
        "1,2,\"a,b\"\n"
        "3,4,\"say \"\"hi\"\"\"\n"
        "5,6,\"two\nlines\"\n"
        "\"7\",\"8\",\"\"\"\"\n"
        "9,10,ab\"c,d\"e\n"
        "11,12,\"x\"y\n"
        "13,14,\"\"\"\"\"\"\n"
        "15,16,\",\n,\n\"\n",
        false);
    ck_assert_int_eq(b->nrows, 8);
    ck_assert(text_is(&b->cols[2][0], "a,b"));
    ck_assert(text_is(&b->cols[2][1], "say \"hi\""));
    ck_assert(text_is(&b->cols[2][2], "two\nlines"));
    ck_assert_int_eq(b->cols[0][3].v.i, 7);
    ck_assert_int_eq(b->cols[1][3].v.i, 8);
    ck_assert(text_is(&b->cols[2][3], "\""));
    /* a quoted section may start anywhere in a field, as in COPY */
    ck_assert(text_is(&b->cols[2][4], "abc,de"));
    ck_assert(text_is(&b->cols[2][5], "xy"));
    ck_assert(text_is(&b->cols[2][6], "\"\""));
    ck_assert(text_is(&b->cols[2][7], ",\n,\n"));
    ck_assert_int_eq(b->cols[0][7].v.i, 15);
}
END_TEST

START_TEST(test_text_points_into_body)
{
    const char *body = "1,2,plain\n3,4,\"quoted\"\n5,6,\"a\"\"b\"\n";
    sl_batch_t *b = decode_ok(body, false);
    ck_assert(b->cols[2][0].v.s.p == body + 4);
    ck_assert(b->cols[2][1].v.s.p == body + 15);
    ck_assert(text_is(&b->cols[2][1], "quoted"));
    ck_assert(text_is(&b->cols[2][2], "a\"b"));
    ck_assert(b->cols[2][2].v.s.p < body || b->cols[2][2].v.s.p >= body + strlen(body));
}
END_TEST

START_TEST(test_crlf)
{
    sl_batch_t *b = decode_ok("1,2,a\r\n\r\n3,4,\"b\r\nc\"\r\n5,6,\r\n7,8,d\r", false);
    ck_assert_int_eq(b->nrows, 4);
    ck_assert(text_is(&b->cols[2][0], "a"));
    ck_assert(text_is(&b->cols[2][1], "b\r\nc")); /* quoted CR LF is data */
    ck_assert(b->cols[2][2].null);
    ck_assert(text_is(&b->cols[2][3], "d"));
    /* line numbers count CR LF lines once */
    decode_err("1,2,a\r\n\r\n3,x,b\r\n", 0, false, 3, "v", "22P02",
               "invalid input syntax for type integer: \"x\"");
    /* a carriage return outside quotes must end a line */
    decode_err("1,2,a\r\n3,4,b\rc\n", 0, false, 2, "", "22P04",
               "unquoted carriage return found in data");
    decode_err("\r\r\n", 0, false, 1, "", "22P04",
               "unquoted carriage return found in data");
}
END_TEST

START_TEST(test_null_vs_empty)
{
    sl_batch_t *b = decode_ok("1,,\"\"\n,\"2\",\n,,x\n", false);
    ck_assert_int_eq(b->nrows, 3);
    ck_assert(b->cols[1][0].null);
    ck_assert(text_is(&b->cols[2][0], ""));
    ck_assert(b->cols[0][1].null);
    ck_assert_int_eq(b->cols[1][1].v.i, 2);
    ck_assert(b->cols[2][1].null);
    ck_assert(b->cols[0][2].null && b->cols[1][2].null);
    ck_assert(text_is(&b->cols[2][2], "x"));
    decode_err("1,\"\",x\n", 0, false, 1, "v", "22P02",
               "invalid input syntax for type integer: \"\"");
}
END_TEST

START_TEST(test_header)
{
    /* reordered, an unknown column (its quoted value skipped), v missing */
    sl_batch_t *b = decode_ok(
        "name,zzz,k\n"
        "a,\"1,\n\"\"2\"\"\",10\n"
        "\n"
        "b,,20\r\n",
        true);
    ck_assert_int_eq(b->nrows, 2);
    ck_assert(text_is(&b->cols[2][0], "a"));
    ck_assert_int_eq(b->cols[0][0].v.i, 10);
    ck_assert(b->cols[1][0].null);
    ck_assert(text_is(&b->cols[2][1], "b"));
    ck_assert_int_eq(b->cols[0][1].v.i, 20);
    ck_assert(b->cols[1][1].null);
    /* quoted header names; names are exact (case and blanks matter) */
    b = decode_ok("\n\"v\",\"na\"\"me\",K, k\n1,x,2,3\n", true);
    ck_assert_int_eq(b->nrows, 1);
    ck_assert_int_eq(b->cols[1][0].v.i, 1);
    ck_assert(b->cols[0][0].null);
    ck_assert(b->cols[2][0].null);
    /* a header alone, or an empty body, is no rows */
    b = decode_ok("k,v,name\n", true);
    ck_assert_int_eq(b->nrows, 0);
    b = decode_ok("", true);
    ck_assert_int_eq(b->nrows, 0);
    /* a header naming nothing known: rows of NULLs */
    b = decode_ok("x,y\n1,2\n", true);
    ck_assert_int_eq(b->nrows, 1);
    ck_assert(b->cols[0][0].null && b->cols[1][0].null && b->cols[2][0].null);
    /* without header = true the first line is data */
    decode_err("k,v,name\n", 0, false, 1, "k", "22P02",
               "invalid input syntax for type bigint: \"k\"");
}
END_TEST

START_TEST(test_header_errors)
{
    decode_err("k,v,k\n1,2,3\n", 0, true, 1, "k", "42701",
               "column \"k\" specified more than once");
    decode_err("\r\n\nx,name,x,name\n", 0, true, 3, "x", "42701",
               "column \"x\" specified more than once");
    decode_err("k,\"k\"\n", 0, true, 1, "k", "42701",
               "column \"k\" specified more than once");
    decode_err("k,v\n1\n", 0, true, 2, "v", "22P04", "missing data for column \"v\"");
    decode_err("k,zz\n1,2\n3\n", 0, true, 3, "zz", "22P04",
               "missing data for column \"zz\"");
    decode_err("k,zz\n1,2,3\n", 0, true, 2, "", "22P04",
               "extra data after last expected column");
    decode_err("name,v\nx,y\n", 0, true, 2, "v", "22P02",
               "invalid input syntax for type integer: \"y\"");
    decode_err("k,\"v\n", 0, true, 1, "", "22P04", "unterminated CSV quoted field");
}
END_TEST

START_TEST(test_field_counts)
{
    decode_err("1,2\n", 0, false, 1, "name", "22P04",
               "missing data for column \"name\"");
    decode_err("1,2,a\n\n3\n", 0, false, 3, "v", "22P04",
               "missing data for column \"v\"");
    decode_err("1,2,a,\n", 0, false, 1, "", "22P04",
               "extra data after last expected column");
    decode_err("1,2,a\n1,2,a,b,c,d\n", 0, false, 2, "", "22P04",
               "extra data after last expected column");
    /* as in COPY: extra data is found before bad values, bad values
     * before missing data, an unterminated quote before either */
    decode_err("x,2,a,b\n", 0, false, 1, "", "22P04",
               "extra data after last expected column");
    decode_err("x,2\n", 0, false, 1, "k", "22P02",
               "invalid input syntax for type bigint: \"x\"");
    decode_err("1,2,a,\"b\n", 0, false, 1, "", "22P04", "unterminated CSV quoted field");
    /* a quoted empty line is one field, not an empty line */
    decode_err("\"\"\n", 0, false, 1, "k", "22P02",
               "invalid input syntax for type bigint: \"\"");
}
END_TEST

START_TEST(test_line_numbers)
{
    /* records spanning lines are reported at their first line */
    decode_err("1,2,\"a\nb\nc\"\nx,2,3\n", 0, false, 4, "k", "22P02",
               "invalid input syntax for type bigint: \"x\"");
    decode_err("1,2,ok\n3,x,\"multi\nline\"\n", 0, false, 2, "v", "22P02",
               "invalid input syntax for type integer: \"x\"");
    decode_err("1,2,\"a\n\nb\"\n3,4\n", 0, false, 4, "name", "22P04",
               "missing data for column \"name\"");
    decode_err("1,2,a\n3,4,\"ab\ncd\n", 0, false, 2, "", "22P04",
               "unterminated CSV quoted field");
    decode_err("1,2,\"abc", 0, false, 1, "", "22P04", "unterminated CSV quoted field");
    decode_err("1,2,\"", 0, false, 1, "", "22P04", "unterminated CSV quoted field");
    decode_err("1,2,\"a\"\"", 0, false, 1, "", "22P04", "unterminated CSV quoted field");
    decode_err("1,2,a\"b", 0, false, 1, "", "22P04", "unterminated CSV quoted field");
    /* not NUL-terminated: the decoder stops at len */
    decode_err("1,2,\"ab\"", 7, false, 1, "", "22P04", "unterminated CSV quoted field");
    decode_err("1,2,a\n3,4", 7, false, 2, "v", "22P04", "missing data for column \"v\"");
}
END_TEST

START_TEST(test_empty_body)
{
    sl_batch_t *b = decode_ok("", false);
    ck_assert_int_eq(b->nrows, 0);
    b = decode_ok("\n\r\n\n\r", false);
    ck_assert_int_eq(b->nrows, 0);
    b = decode_ok("\n\r\n", true);
    ck_assert_int_eq(b->nrows, 0);
}
END_TEST

START_TEST(test_all_types)
{
    use_all_types();
    sl_batch_t *b = decode_ok(
        "b,i2,i4,i8,r,d,t,vc,tz,ts\n"
        "true,-32768,2147483647,-42,1.5,-2.25e10,\"h\xc3\xa9llo\",ab ,"
        "2020-01-01T00:00:00Z,2020-01-01 00:00:00\n"
        "off,\"7\", 8 ,\"9\",NaN,-Infinity,\"\",\"\xc3\xa9\xc3\xa9\xc3\xa9\","
        "\"2020-01-01 01:00:00+01\",\"2020-01-01T00:00:01.5\"\n"
        ",,,,,,,,,\n",
        true);
    ck_assert_int_eq(b->nrows, 3);
    ck_assert_int_eq(b->cols[0][0].v.i, 1);
    ck_assert_int_eq(b->cols[1][0].v.i, -32768);
    ck_assert_int_eq(b->cols[2][0].v.i, 2147483647);
    ck_assert_int_eq(b->cols[3][0].v.i, -42);
    ck_assert(b->cols[4][0].v.f == 1.5);
    ck_assert(b->cols[5][0].v.f == -2.25e10);
    ck_assert(text_is(&b->cols[6][0], "h\xc3\xa9llo"));
    ck_assert(text_is(&b->cols[7][0], "ab "));
    ck_assert(b->cols[8][0].v.i == INT64_C(631152000000000) /* 2020-01-01 since 2000-01-01 */);
    ck_assert(b->cols[9][0].v.i == INT64_C(631152000000000) /* 2020-01-01 since 2000-01-01 */);
    ck_assert(!b->cols[0][1].null && b->cols[0][1].v.i == 0);
    ck_assert_int_eq(b->cols[1][1].v.i, 7);
    ck_assert_int_eq(b->cols[2][1].v.i, 8);
    ck_assert_int_eq(b->cols[3][1].v.i, 9);
    ck_assert(b->cols[4][1].v.f != b->cols[4][1].v.f); /* NaN */
    ck_assert(b->cols[5][1].v.f < -1e308);
    ck_assert(text_is(&b->cols[6][1], ""));
    ck_assert(text_is(&b->cols[7][1], "\xc3\xa9\xc3\xa9\xc3\xa9"));
    ck_assert(b->cols[8][1].v.i == INT64_C(631152000000000) /* 2020-01-01 since 2000-01-01 */);
    ck_assert(b->cols[9][1].v.i == INT64_C(631152001500000));
    for (int c = 0; c < stream.ncols; c++)
        ck_assert(b->cols[c][2].null);
}
END_TEST

START_TEST(test_type_errors)
{
    use_all_types();
    const char *h = "b,i2,i4,i8,r,d,t,vc,tz,ts\n";
    char body[256];
#define ERR(row, col, state, msg)                                   \
    do {                                                            \
        snprintf(body, sizeof(body), "%s,,,,,,,,,\n%s\n", h, row);  \
        decode_err(body, 0, true, 3, col, state, msg);              \
    } while (0)
    ERR("maybe,,,,,,,,,", "b", "22P02", "invalid input syntax for type boolean: \"maybe\"");
    ERR("\"\",,,,,,,,,", "b", "22P02", "invalid input syntax for type boolean: \"\"");
    ERR(",40000,,,,,,,,", "i2", "22003", "value \"40000\" is out of range for type smallint");
    ERR(",,1.5,,,,,,,", "i4", "22P02", "invalid input syntax for type integer: \"1.5\"");
    ERR(",,99999999999,,,,,,,", "i4", "22003",
        "value \"99999999999\" is out of range for type integer");
    ERR(",,\"\",,,,,,,", "i4", "22P02", "invalid input syntax for type integer: \"\"");
    ERR(",,,99999999999999999999,,,,,,", "i8", "22003",
        "value \"99999999999999999999\" is out of range for type bigint");
    ERR(",,,,abc,,,,,", "r", "22P02", "invalid input syntax for type real: \"abc\"");
    ERR(",,,,,1e999,,,,", "d", "22003",
        "\"1e999\" is out of range for type double precision");
    ERR(",,,,,,\"a\xff\",,,", "t", "22021", "invalid byte sequence for encoding \"UTF8\": 0xff");
    ERR(",,,,,,,abcd,,", "vc", "22001", "value too long for type character varying(3)");
    ERR(",,,,,,,,soon,", "tz", "22007",
        "invalid input syntax for type timestamp with time zone: \"soon\"");
    ERR(",,,,,,,,2020-02-30,", "tz", "22008",
        "date/time field value out of range: \"2020-02-30\"");
    ERR(",,,,,,,,,later", "ts", "22007",
        "invalid input syntax for type timestamp: \"later\"");
#undef ERR
}
END_TEST

/* Prints events/s for the benchmark's lines; asserts only correctness. */
START_TEST(test_throughput)
{
    sl_column_t kv[] = {{"k", SL_T_INT8, -1}, {"v", SL_T_INT8, -1}};
    stream.cols = kv;
    stream.ncols = 2;
    sl_buf_t body = SL_BUF_INIT;
    int n = 0;
    sl_buf_puts(&body, "k,v\n");
    while (body.len < 64 * 1024 - 32) {
        sl_buf_printf(&body, "%d,%d\n", n % 1000, 456789 + n);
        n++;
    }
    struct timespec t0, t1;
    int reps = 200;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < reps; i++) {
        sl_arena_t *a = sl_arena_new(NULL, "bench");
        sl_batch_t *b;
        sl_ingest_error_t ie;
        ck_assert_int_eq(sl_csv_decode(&stream, body.data, body.len, true, a, &b, &ie), SL_OK);
        ck_assert_int_eq(b->nrows, n);
        ck_assert_int_eq(b->cols[1][n - 1].v.i, 456789 + n - 1);
        sl_arena_free(a);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("csv decode: %.1f M events/s (%.0f MB/s)\n", (double)n * reps / s / 1e6,
           (double)body.len * reps / s / 1e6);
    sl_buf_free(&body);
}
END_TEST

static Suite *csv_suite(void)
{
    Suite *s = suite_create("csv");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_simple);
    tcase_add_test(tc, test_quoting);
    tcase_add_test(tc, test_text_points_into_body);
    tcase_add_test(tc, test_crlf);
    tcase_add_test(tc, test_null_vs_empty);
    tcase_add_test(tc, test_header);
    tcase_add_test(tc, test_header_errors);
    tcase_add_test(tc, test_field_counts);
    tcase_add_test(tc, test_line_numbers);
    tcase_add_test(tc, test_empty_body);
    tcase_add_test(tc, test_all_types);
    tcase_add_test(tc, test_type_errors);
    tcase_add_test(tc, test_throughput);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(csv_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
