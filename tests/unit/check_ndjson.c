/* check_ndjson.c: unit tests of ingest/ (column batches, NDJSON decoding),
 * plus an untimed-assert throughput print for the hot path. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ingest/ndjson.h"
#include "util/array.h"

static sl_arena_t *arena;
static sl_stream_t stream;
static sl_column_t cols[] = {
    {"k", SL_T_INT8, -1},   {"v", SL_T_INT4, -1},      {"name", SL_T_TEXT, -1},
    {"ok", SL_T_BOOL, -1},  {"ts", SL_T_TIMESTAMPTZ, -1}, {"f", SL_T_FLOAT8, -1},
    {"code", SL_T_TEXT, 3}, {"s", SL_T_INT2, -1},
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

static sl_batch_t *decode_ok(const char *body)
{
    sl_batch_t *b = NULL;
    sl_ingest_error_t ie;
    int rc = sl_ndjson_decode(&stream, body, strlen(body), arena, &b, &ie);
    ck_assert_msg(rc == SL_OK, "decode failed: line %ld column %s: %s", ie.line,
                  ie.column, ie.message);
    return b;
}

static void decode_err(const char *body, size_t len, long line, const char *column,
                       const char *state, const char *msg)
{
    sl_batch_t *b = NULL;
    sl_ingest_error_t ie;
    int rc = sl_ndjson_decode(&stream, body, len ? len : strlen(body), arena, &b, &ie);
    ck_assert_msg(rc == SL_ERR, "decode of %s succeeded", body);
    ck_assert_int_eq(ie.line, line);
    ck_assert_str_eq(ie.column, column);
    ck_assert_str_eq(ie.sqlstate, state);
    ck_assert_str_eq(ie.message, msg);
}

static bool text_is(const sl_datum_t *d, const char *s)
{
    return !d->null && d->v.s.n == strlen(s) && memcmp(d->v.s.p, s, d->v.s.n) == 0;
}

/* A jsonb column takes a value of any JSON type, canonical; JSON null is SQL
 * NULL (as json_populate_record has it); bad jsonb fails with jsonb_in's
 * error. */
START_TEST(test_jsonb_column)
{
    static sl_column_t jcols[] = {{"id", SL_T_INT8, -1}, {"j", SL_T_JSONB, -1}};
    sl_stream_t js = {.name = "sj", .ncols = 2, .cols = jcols};
    const char *body =
        "{\"id\": 1, \"j\": {\"b\": 1, \"a\": [1e2, 1.50, \"x\\u00e9\"], \"b\": 2}}\n"
        "{\"id\": 2, \"j\": [true, null]}\n"
        "{\"id\": 3, \"j\": \"s\\n\"}\n"
        "{\"id\": 4, \"j\": -0.0}\n"
        "{\"id\": 5, \"j\": null}\n"
        "{\"id\": 6, \"j\": false}\n";
    sl_batch_t *b = NULL;
    sl_ingest_error_t ie;
    ck_assert(sl_ndjson_decode(&js, body, strlen(body), arena, &b, &ie) == SL_OK);
    ck_assert_int_eq(b->nrows, 6);
    ck_assert(text_is(&b->cols[1][0], "{\"a\": [100, 1.50, \"x\xc3\xa9\"], \"b\": 2}"));
    ck_assert(text_is(&b->cols[1][1], "[true, null]"));
    ck_assert(text_is(&b->cols[1][2], "\"s\\n\""));
    ck_assert(text_is(&b->cols[1][3], "0.0"));
    ck_assert(b->cols[1][4].null);
    ck_assert(text_is(&b->cols[1][5], "false"));
    const char *bad = "{\"id\": 1, \"j\": {\"a\": \"\\u0000\"}}\n";
    ck_assert(sl_ndjson_decode(&js, bad, strlen(bad), arena, &b, &ie) == SL_ERR);
    ck_assert_str_eq(ie.sqlstate, "22P05");
    bad = "{\"id\": 1, \"j\": [1e999999]}\n";
    ck_assert(sl_ndjson_decode(&js, bad, strlen(bad), arena, &b, &ie) == SL_ERR);
    ck_assert_str_eq(ie.sqlstate, "22003");
    ck_assert_str_eq(ie.column, "j");
}
END_TEST

START_TEST(test_batch_growth)
{
    sl_batch_t *b = sl_batch_new(arena, &stream, 1);
    for (int i = 0; i < 1000; i++) {
        int r = sl_batch_add_row(b);
        ck_assert_int_eq(r, i);
        ck_assert(b->cols[0][r].null);
        b->cols[0][r].v.i = i;
        b->cols[0][r].null = false;
    }
    ck_assert_int_eq(b->nrows, 1000);
    for (int i = 0; i < 1000; i++)
        ck_assert_int_eq(b->cols[0][i].v.i, i);
}
END_TEST

START_TEST(test_good)
{
    sl_batch_t *b = decode_ok(
        "{\"k\":123,\"v\":-456,\"name\":\"abc\",\"ok\":true,\"ts\":\"2020-01-01T00:00:00Z\",\"f\":1.5}\n"
        "{\"v\": 7 , \"k\" : 9, \"unknown\": {\"a\": [1, {\"b\": \"}\"}], \"c\": null}, \"ok\": \"off\"}\r\n"
        "\n"
        "   \r\n"
        "{}\n"
        "{\"k\":null,\"name\":null,\"f\":\"NaN\",\"x\":[[[]]],\"y\":\"z\\\"\",\"ok\":false}");
    ck_assert_int_eq(b->nrows, 4);
    ck_assert_int_eq(b->cols[0][0].v.i, 123);
    ck_assert_int_eq(b->cols[1][0].v.i, -456);
    ck_assert(text_is(&b->cols[2][0], "abc"));
    ck_assert_int_eq(b->cols[3][0].v.i, 1);
    ck_assert(b->cols[4][0].v.i == INT64_C(631152000000000) /* 2020-01-01 since 2000-01-01 */);
    ck_assert(b->cols[5][0].v.f == 1.5);
    ck_assert(b->cols[6][0].null);
    /* second line: other field order, unknown nested field, missing fields */
    ck_assert_int_eq(b->cols[0][1].v.i, 9);
    ck_assert_int_eq(b->cols[1][1].v.i, 7);
    ck_assert(b->cols[2][1].null);
    ck_assert(!b->cols[3][1].null && b->cols[3][1].v.i == 0);
    /* empty object: all NULL */
    for (int c = 0; c < stream.ncols; c++)
        ck_assert(b->cols[c][2].null);
    ck_assert(b->cols[0][3].null);
    ck_assert(b->cols[2][3].null);
    ck_assert(b->cols[5][3].v.f != b->cols[5][3].v.f); /* NaN */
    ck_assert(!b->cols[3][3].null && b->cols[3][3].v.i == 0);
}
END_TEST

START_TEST(test_text_points_into_body)
{
    const char *body = "{\"name\":\"plain\"}\n{\"name\":\"a\\\"b\"}";
    sl_batch_t *b = decode_ok(body);
    ck_assert(b->cols[2][0].v.s.p == body + 9);
    ck_assert(text_is(&b->cols[2][1], "a\"b"));
}
END_TEST

START_TEST(test_escapes_unicode)
{
    sl_batch_t *b = decode_ok(
        "{\"name\":\"\\u00e9\\n\\t\\/\\\\\\b\\f\\r\"}\n"
        "{\"name\":\"\\ud83d\\ude00!\"}\n"
        "{\"name\":\"h\xc3\xa9\xe2\x82\xac\"}\n"
        "{\"n\\u0061me\":\"escaped key\"}\n"
        "{\"name\":true}\n"
        "{\"name\":12.50}\n"
        "{\"code\":\"ab   \"}\n"
        "{\"k\\u0041\":1,\"name\":\"after\"}\n");
    ck_assert(text_is(&b->cols[2][0], "\xc3\xa9\n\t/\\\b\f\r"));
    ck_assert(text_is(&b->cols[2][1], "\xf0\x9f\x98\x80!"));
    ck_assert(text_is(&b->cols[2][2], "h\xc3\xa9\xe2\x82\xac"));
    ck_assert(text_is(&b->cols[2][3], "escaped key"));
    ck_assert(text_is(&b->cols[2][4], "true"));
    ck_assert(text_is(&b->cols[2][5], "12.50"));
    ck_assert(text_is(&b->cols[6][6], "ab "));
    ck_assert(text_is(&b->cols[2][7], "after"));
}
END_TEST

START_TEST(test_duplicates_last_wins)
{
    sl_batch_t *b = decode_ok("{\"k\":1,\"k\":2}\n{\"k\":3,\"k\":null}");
    ck_assert_int_eq(b->cols[0][0].v.i, 2);
    ck_assert(b->cols[0][1].null);
}
END_TEST

START_TEST(test_number_conversion)
{
    sl_batch_t *b = decode_ok(
        "{\"k\":\"42\",\"v\":\" 5 \",\"s\":-32768,\"f\":1e3}\n"
        "{\"k\":-9223372036854775808,\"v\":2147483647,\"f\":\"-Infinity\"}\n"
        "{\"ok\":\"yes\",\"ts\":\"2020-01-01 01:00:00+01\"}");
    ck_assert_int_eq(b->cols[0][0].v.i, 42);
    ck_assert_int_eq(b->cols[1][0].v.i, 5);
    ck_assert_int_eq(b->cols[7][0].v.i, -32768);
    ck_assert(b->cols[5][0].v.f == 1000.0);
    ck_assert(b->cols[0][1].v.i == INT64_MIN);
    ck_assert_int_eq(b->cols[1][1].v.i, 2147483647);
    ck_assert(b->cols[5][1].v.f < -1e308);
    ck_assert_int_eq(b->cols[3][2].v.i, 1);
    ck_assert(b->cols[4][2].v.i == INT64_C(631152000000000) /* 2020-01-01 since 2000-01-01 */);
}
END_TEST

/* Integers of every length 1..19 digits, signs, leading zeros and what may
 * follow them (the 8-digits-at-once path and its tail), as bigint. */
START_TEST(test_integer_lengths)
{
    const char *follow[] = {"}", " }", ",\"v\":1}", "}\r"};
    uint64_t val = 0;
    for (int nd = 1; nd <= 19; nd++) {
        val = val * 10 + (uint64_t)(nd % 10);
        for (int neg = 0; neg < 2; neg++)
            for (size_t f = 0; f < sizeof(follow) / sizeof(follow[0]); f++) {
                char body[96];
                snprintf(body, sizeof(body), "{\"k\":%s%llu%s", neg ? "-" : "",
                         (unsigned long long)val, follow[f]);
                sl_batch_t *b = decode_ok(body);
                int64_t want = neg ? -(int64_t)val : (int64_t)val;
                ck_assert_msg(b->cols[0][0].v.i == want, "%s -> %lld", body,
                              (long long)b->cols[0][0].v.i);
            }
    }
    sl_batch_t *b = decode_ok("{\"k\":00000000000012}\n{\"k\":123456789}\n{\"k\":87654321}");
    ck_assert_int_eq(b->cols[0][0].v.i, 12);
    ck_assert_int_eq(b->cols[0][1].v.i, 123456789);
    ck_assert_int_eq(b->cols[0][2].v.i, 87654321);
    /* digits then a fraction or exponent go through the input function */
    decode_err("{\"k\":12345678.5}", 0, 1, "k", "22P02",
               "invalid input syntax for type bigint: \"12345678.5\"");
    /* 9223372036854775808 overflows bigint */
    decode_err("{\"k\":9223372036854775808}", 0, 1, "k", "22003",
               "value \"9223372036854775808\" is out of range for type bigint");
}
END_TEST

START_TEST(test_conversion_errors)
{
    decode_err("{\"k\":1}\n{\"k\":\"x\"}", 0, 2, "k", "22P02",
               "invalid input syntax for type bigint: \"x\"");
    decode_err("{\"v\":1.5}", 0, 1, "v", "22P02",
               "invalid input syntax for type integer: \"1.5\"");
    decode_err("\n\n{\"v\":99999999999}", 0, 3, "v", "22003",
               "value \"99999999999\" is out of range for type integer");
    decode_err("{\"s\":40000}", 0, 1, "s", "22003",
               "value \"40000\" is out of range for type smallint");
    decode_err("{\"k\":99999999999999999999}", 0, 1, "k", "22003",
               "value \"99999999999999999999\" is out of range for type bigint");
    decode_err("{\"k\":true}", 0, 1, "k", "22P02",
               "invalid input syntax for type bigint: \"true\"");
    decode_err("{\"ok\":\"maybe\"}", 0, 1, "ok", "22P02",
               "invalid input syntax for type boolean: \"maybe\"");
    decode_err("{\"ts\":\"2020-02-30\"}", 0, 1, "ts", "22008",
               "date/time field value out of range: \"2020-02-30\"");
    decode_err("{\"ts\":\"soon\"}", 0, 1, "ts", "22007",
               "invalid input syntax for type timestamp with time zone: \"soon\"");
    decode_err("{\"code\":\"abcd\"}", 0, 1, "code", "22001",
               "value too long for type character varying(3)");
    decode_err("{\"name\":\"a\xff\"}", 0, 1, "name", "22021",
               "invalid byte sequence for encoding \"UTF8\": 0xff");
    decode_err("{\"k\":{\"a\":1}}", 0, 1, "k", "22023", "cannot cast jsonb object to type bigint");
    decode_err("{\"name\":[1]}", 0, 1, "name", "22023", "cannot cast jsonb array to type text");
    decode_err("{\"f\":1e999}", 0, 1, "f", "22003",
               "\"1e999\" is out of range for type double precision");
}
END_TEST

START_TEST(test_json_errors)
{
    decode_err("{\"k\" 1}", 0, 1, "", "22P02", "invalid JSON: expected ':' at byte 6");
    decode_err("{\"k\":1}\n[1,2]", 0, 2, "", "22P02",
               "invalid JSON: expected '{' (each line must be a JSON object) at byte 1");
    decode_err("42", 0, 1, "", "22P02",
               "invalid JSON: expected '{' (each line must be a JSON object) at byte 1");
    decode_err("{\"k\":1 \"v\":2}", 0, 1, "", "22P02", "invalid JSON: expected ',' or '}' at byte 8");
    decode_err("{\"k\":1}x", 0, 1, "", "22P02", "invalid JSON: expected end of line at byte 8");
    decode_err("{\"k\":1", 0, 1, "", "22P02", "invalid JSON: expected ',' or '}' at byte 7");
    decode_err("{\"k\":1,}", 0, 1, "", "22P02", "invalid JSON: expected string at byte 8");
    decode_err("{k:1}", 0, 1, "", "22P02", "invalid JSON: expected string at byte 2");
    decode_err("{\"name\":\"abc}", 0, 1, "", "22P02", "invalid JSON: unterminated string at byte 14");
    decode_err("{\"name\":\"ab\nc\"}", 0, 1, "", "22P02", "invalid JSON: unterminated string at byte 12");
    decode_err("{\"name\":\"a\tb\"}", 0, 1, "", "22P02",
               "invalid JSON: unescaped control character 0x09 at byte 11");
    decode_err("{\"name\":\"a\\qb\"}", 0, 1, "", "22P02", "invalid JSON: invalid escape sequence at byte 11");
    decode_err("{\"name\":\"\\u12g4\"}", 0, 1, "", "22P02", "invalid JSON: invalid Unicode escape at byte 10");
    decode_err("{\"name\":\"\\ud83d\"}", 0, 1, "", "22P02",
               "invalid JSON: invalid Unicode surrogate pair at byte 10");
    decode_err("{\"name\":\"\\ude00\"}", 0, 1, "", "22P02",
               "invalid JSON: invalid Unicode surrogate pair at byte 10");
    decode_err("{\"name\":\"a\\u0000\"}", 0, 1, "", "22P05",
               "unsupported Unicode escape sequence: \\u0000 cannot be converted to text (byte 11)");
    decode_err("{\"k\":tru}", 0, 1, "", "22P02", "invalid JSON: expected a value at byte 6");
    decode_err("{\"k\":}", 0, 1, "", "22P02", "invalid JSON: expected a value at byte 6");
    /* errors inside skipped (unknown) values */
    decode_err("{\"z\":{\"a\":[1,2}}", 0, 1, "", "22P02", "invalid JSON: expected ',' or ']' at byte 15");
    decode_err("{\"z\":{\"a\" 1}}", 0, 1, "", "22P02", "invalid JSON: expected ':' at byte 11");
    decode_err("{\"z\":\"\\x\"}", 0, 1, "", "22P02", "invalid JSON: invalid escape sequence at byte 7");
    decode_err("{\"z\":nul}", 0, 1, "", "22P02", "invalid JSON: expected a value at byte 6");
    decode_err("{\"k\":1}\r\n\r\n{\"k\":2,\n", 0, 3, "", "22P02", "invalid JSON: expected string at byte 8");
    /* a multi-line object is not NDJSON */
    decode_err("{\"k\":1,\n\"v\":2}", 0, 1, "", "22P02", "invalid JSON: expected string at byte 8");
    /* deep nesting in an unknown field is bounded */
    char deep[2000];
    strcpy(deep, "{\"z\":");
    for (int i = 0; i < 600; i++)
        strcat(deep, "[");
    decode_err(deep, 0, 1, "", "22P02", "invalid JSON: nesting too deep at byte 262");
    /* not NUL-terminated: the decoder stops at len */
    decode_err("{\"k\":12}", 6, 1, "", "22P02", "invalid JSON: expected ',' or '}' at byte 7");
}
END_TEST

/* application/json: one object or an array of objects, pretty-printed. */
static sl_batch_t *json_ok(const char *body)
{
    sl_batch_t *b = NULL;
    sl_ingest_error_t ie;
    int rc = sl_json_decode(&stream, body, strlen(body), arena, &b, &ie);
    ck_assert_msg(rc == SL_OK, "json decode failed: line %ld column %s: %s", ie.line,
                  ie.column, ie.message);
    return b;
}

static void json_err(const char *body, long line, const char *column, const char *msg)
{
    sl_batch_t *b = NULL;
    sl_ingest_error_t ie;
    ck_assert_int_eq(sl_json_decode(&stream, body, strlen(body), arena, &b, &ie), SL_ERR);
    ck_assert_int_eq(ie.line, line);
    ck_assert_str_eq(ie.column, column);
    ck_assert_str_eq(ie.message, msg);
}

START_TEST(test_json_body)
{
    sl_batch_t *b = json_ok("{\"k\": 1, \"name\": \"one\"}");
    ck_assert_int_eq(b->nrows, 1);
    ck_assert_int_eq(b->cols[0][0].v.i, 1);
    b = json_ok("[\n  {\n    \"k\": 2,\n    \"v\": 3\n  },\r\n  {\"k\": 4}, {}\n]\n");
    ck_assert_int_eq(b->nrows, 3);
    ck_assert_int_eq(b->cols[0][0].v.i, 2);
    ck_assert_int_eq(b->cols[1][0].v.i, 3);
    ck_assert_int_eq(b->cols[0][1].v.i, 4);
    ck_assert(b->cols[1][1].null);
    ck_assert(b->cols[0][2].null);
    ck_assert_int_eq(json_ok("")->nrows, 0);
    ck_assert_int_eq(json_ok(" [ ] ")->nrows, 0);
    /* many rows grow the batch */
    char big[40000];
    size_t n = 0;
    big[n++] = '[';
    for (int i = 0; i < 2000; i++)
        n += (size_t)snprintf(big + n, sizeof(big) - n, "%s{\"k\": %d}", i ? ",\n" : "", i);
    big[n++] = ']';
    big[n] = '\0';
    b = json_ok(big);
    ck_assert_int_eq(b->nrows, 2000);
    ck_assert_int_eq(b->cols[0][1999].v.i, 1999);
    /* errors name the physical line */
    json_err("[\n {\"k\": 1},\n {\"k\":\n  \"x\"}\n]", 4, "k",
             "invalid input syntax for type bigint: \"x\"");
    json_err("[{\"k\": 1}\n {\"k\": 2}]", 2, "", "invalid JSON: expected ',' or ']' at byte 2");
    json_err("[1]", 1, "", "invalid JSON: expected '{' (each array element must be a JSON object) at byte 2");
    json_err("{\"k\": 1} {\"k\": 2}", 1, "", "invalid JSON: expected end of input at byte 10");
    json_err("\n\n\"k\"", 3, "", "invalid JSON: expected a JSON object or an array of objects at byte 1");
}
END_TEST

START_TEST(test_empty_body)
{
    sl_batch_t *b = decode_ok("");
    ck_assert_int_eq(b->nrows, 0);
    b = decode_ok("\n\r\n  \n");
    ck_assert_int_eq(b->nrows, 0);
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
    while (body.len < 64 * 1024 - 32) {
        sl_buf_printf(&body, "{\"k\":%d,\"v\":%d}\n", n % 1000, 456789 + n);
        n++;
    }
    struct timespec t0, t1;
    int reps = 200;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < reps; i++) {
        sl_arena_t *a = sl_arena_new(NULL, "bench");
        sl_batch_t *b;
        sl_ingest_error_t ie;
        ck_assert_int_eq(sl_ndjson_decode(&stream, body.data, body.len, a, &b, &ie), SL_OK);
        ck_assert_int_eq(b->nrows, n);
        ck_assert_int_eq(b->cols[1][n - 1].v.i, 456789 + n - 1);
        sl_arena_free(a);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    printf("ndjson decode: %.1f M events/s (%.0f MB/s)\n", (double)n * reps / s / 1e6,
           (double)body.len * reps / s / 1e6);
    sl_buf_free(&body);
}
END_TEST

/* JSON arrays into arrays of numeric (each number by its own text: exact),
 * numeric(5,2), jsonb (any JSON value an element), uuid, date, interval:
 * the texts PostgreSQL's json_populate_record gives for the same line. */
START_TEST(test_array_elements)
{
    static sl_column_t acols[] = {
        {"nu", SL_T_NUMERIC_ARRAY, -1}, {"jb", SL_T_JSONB_ARRAY, -1}, {"u", SL_T_UUID_ARRAY, -1},
        {"d", SL_T_DATE_ARRAY, -1},     {"iv", SL_T_INTERVAL_ARRAY, -1},
        {"n52", SL_T_NUMERIC_ARRAY, 327686},   /* numeric(5,2)[] */
    };
    static const char *const want[] = {
        "{1.50,123456789012345678901234567890.123456789,NULL,NaN,1000}",
        "{\"{\\\"a\\\": [1, \\\"x\\\"], \\\"b\\\": 1}\",\"\\\"s\\\"\",NULL,1.50,\"{\\\"c\\\": [true]}\"}",
        "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
        "{2026-12-01,\"0044-03-15 BC\"}",
        "{\"1 day\",\"1 year 2 mons\"}",
        "{1.23}",
    };
    sl_stream_t as = {.name = "sa", .ncols = 6, .cols = acols};
    const char *body =
        "{\"nu\": [1.50, 123456789012345678901234567890.123456789, null, \"NaN\", 1e3], "
        "\"jb\": [{\"b\":1,\"a\":[1,\"x\"]}, \"s\", null, 1.50, {\"c\": [true]}], "
        "\"u\": [\"{A0EEBC999C0B4EF8BB6D6BB9BD380A11}\"], \"d\": [\"2026-12-01\", \"0044-03-15 BC\"], "
        "\"iv\": [\"1 day\", \"P1Y2M\"], \"n52\": [1.234]}\n";
    sl_batch_t *b = NULL;
    sl_ingest_error_t ie;
    ck_assert(sl_ndjson_decode(&as, body, strlen(body), arena, &b, &ie) == SL_OK);
    sl_buf_t out = SL_BUF_INIT;
    for (int c = 0; c < 6; c++) {
        sl_buf_reset(&out);
        sl_type_output(acols[c].type, &b->cols[c][0], &out);
        ck_assert_str_eq(sl_buf_cstr(&out), want[c]);
    }
    sl_buf_free(&out);
    const char *bad = "{\"n52\": [1, 1000]}\n";
    ck_assert(sl_ndjson_decode(&as, bad, strlen(bad), arena, &b, &ie) == SL_ERR);
    ck_assert_str_eq(ie.sqlstate, "22003");
    ck_assert_str_eq(ie.message, "numeric field overflow");
    bad = "{\"u\": [[1]]}\n";
    ck_assert(sl_ndjson_decode(&as, bad, strlen(bad), arena, &b, &ie) == SL_ERR);
    ck_assert_str_eq(ie.sqlstate, "22P02");
    bad = "{\"jb\": [{\"a\": }]}\n";
    ck_assert(sl_ndjson_decode(&as, bad, strlen(bad), arena, &b, &ie) == SL_ERR);
}
END_TEST

/* Nested JSON arrays are dimensions, as json_populate_record reads them:
 * the first element that is not an array fixes the depth (an empty
 * innermost array too); beyond it an array or object is an element. */
START_TEST(test_array_dimensions)
{
    static sl_column_t mcols[] = {{"a", SL_T_INT4_ARRAY, -1}, {"jb", SL_T_JSONB_ARRAY, -1},
                                  {"t", SL_T_TEXT_ARRAY, -1}};
    sl_stream_t ms = {.name = "sm", .ncols = 3, .cols = mcols};
    static const struct {
        const char *body, *want;   /* want: the value, or "ERROR <sqlstate> <message>" */
    } cases[] = {
        {"{\"a\": [[1, 2], [3, null]]}", "{{1,2},{3,NULL}}"},
        {"{\"a\": [[[1]], [[2]]]}", "{{{1}},{{2}}}"},
        {"{\"a\": [[], []]}", "{}"},
        {"{\"a\": [[1], 2]}", "ERROR 22P02 expected JSON array: see the array element [1]"},
        {"{\"a\": [[1, 2], [3]]}", "ERROR 22P02 malformed JSON array: Multidimensional arrays "
                                   "must have sub-arrays with matching dimensions."},
        {"{\"a\": [1, [2]]}", "ERROR 22P02 invalid input syntax for type integer: \"[2]\""},
        {"{\"a\": [[[[[[[1]]]]]]]}",
         "ERROR 54000 number of array dimensions (7) exceeds the maximum allowed (6)"},
        {"{\"jb\": [{\"a\": [1]}, [2]]}", "{\"{\\\"a\\\": [1]}\",[2]}"},
        {"{\"jb\": [[1, 2]]}", "{{1,2}}"},
        {"{\"t\": [\"a\", {\"b\": 1}]}", "{a,\"{\\\"b\\\": 1}\"}"},
    };
    sl_buf_t got = SL_BUF_INIT;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sl_batch_t *b = NULL;
        sl_ingest_error_t ie;
        sl_buf_reset(&got);
        if (sl_ndjson_decode(&ms, cases[i].body, strlen(cases[i].body), arena, &b, &ie) != SL_OK) {
            sl_buf_printf(&got, "ERROR %s %s", ie.sqlstate, ie.message);
        } else {
            for (int c = 0; c < 3; c++)
                if (!b->cols[c][0].null)
                    sl_type_output(mcols[c].type, &b->cols[c][0], &got);
        }
        ck_assert_msg(strcmp(sl_buf_cstr(&got), cases[i].want) == 0, "%s: got %s, want %s",
                      cases[i].body, sl_buf_cstr(&got), cases[i].want);
    }
    sl_buf_free(&got);
}
END_TEST

static Suite *ndjson_suite(void)
{
    Suite *s = suite_create("ndjson");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_batch_growth);
    tcase_add_test(tc, test_good);
    tcase_add_test(tc, test_text_points_into_body);
    tcase_add_test(tc, test_escapes_unicode);
    tcase_add_test(tc, test_duplicates_last_wins);
    tcase_add_test(tc, test_number_conversion);
    tcase_add_test(tc, test_integer_lengths);
    tcase_add_test(tc, test_conversion_errors);
    tcase_add_test(tc, test_json_errors);
    tcase_add_test(tc, test_json_body);
    tcase_add_test(tc, test_empty_body);
    tcase_add_test(tc, test_jsonb_column);
    tcase_add_test(tc, test_array_elements);
    tcase_add_test(tc, test_array_dimensions);
    tcase_add_test(tc, test_throughput);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(ndjson_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
