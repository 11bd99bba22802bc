/* check_copytext.c: unit tests of ingest/copytext.c (COPY text format:
 * delimiters, \N and other null strings, backslash escapes, the end
 * marker, header, column maps, field counts, errors with line, column and
 * value). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ingest/copytext.h"

static sl_arena_t *arena;
static sl_column_t cols[] = {
    {"k", SL_T_INT8, -1}, {"v", SL_T_INT4, -1}, {"name", SL_T_TEXT, -1},
};
static sl_stream_t stream = {.name = "s", .ncols = 3, .cols = cols};
static int all[] = {0, 1, 2};

static void setup(void) { arena = sl_arena_new(NULL, "test"); }
static void teardown(void) { sl_arena_free(arena); }

static sl_copytext_opts_t opts(const int *map, int n)
{
    sl_copytext_opts_t o = {.cols = map, .ncols = n, .delimiter = '\t', .null_string = "\\N"};
    return o;
}

static sl_batch_t *ok(const sl_copytext_opts_t *o, const char *body)
{
    sl_batch_t *b = NULL;
    sl_ingest_error_t ie;
    memset(&ie, 0, sizeof(ie));
    int rc = sl_copytext_decode(&stream, o, body, strlen(body), arena, &b, &ie);
    ck_assert_msg(rc == SL_OK, "line %ld column %s: %s", ie.line, ie.column, ie.message);
    return b;
}

static sl_ingest_error_t bad(const sl_copytext_opts_t *o, const char *body)
{
    sl_batch_t *b = NULL;
    sl_ingest_error_t ie;
    memset(&ie, 0, sizeof(ie));
    ck_assert_int_eq(sl_copytext_decode(&stream, o, body, strlen(body), arena, &b, &ie), SL_ERR);
    return ie;
}

static void text_is(const sl_batch_t *b, int c, int r, const char *want)
{
    const sl_datum_t *d = &b->cols[c][r];
    ck_assert(!d->null);
    ck_assert_int_eq(d->v.s.n, strlen(want));
    ck_assert(memcmp(d->v.s.p, want, d->v.s.n) == 0);
}

START_TEST(plain_rows_nulls_and_crlf)
{
    sl_copytext_opts_t o = opts(all, 3);
    sl_batch_t *b = ok(&o, "1\t2\tx\n\\N\t-3\t\\N\r\n4\t5\t");
    ck_assert_int_eq(b->nrows, 3);
    ck_assert_int_eq(b->cols[0][0].v.i, 1);
    ck_assert(b->cols[0][1].null);
    ck_assert_int_eq(b->cols[1][1].v.i, -3);
    ck_assert(b->cols[2][1].null);
    text_is(b, 2, 0, "x");
    text_is(b, 2, 2, "");   /* empty is not NULL in text format */
}
END_TEST

START_TEST(escapes)
{
    sl_copytext_opts_t o = opts(all, 3);
    sl_batch_t *b = ok(&o, "1\t2\ta\\tb\\nc\\\\d\\x41\\101\\q\\\tz\n");
    ck_assert_int_eq(b->nrows, 1);
    text_is(b, 2, 0, "a\tb\nc\\dAAq\tz");
    /* "\N" escaped as data is not NULL: \\N is a backslash and N */
    b = ok(&o, "1\t2\t\\\\N\n");
    text_is(b, 2, 0, "\\N");
}
END_TEST

START_TEST(end_marker_header_and_delimiter)
{
    sl_copytext_opts_t o = opts(all, 3);
    o.header = true;
    o.delimiter = '|';
    o.null_string = "";
    sl_batch_t *b = ok(&o, "k|v|name\n1||x\n\\.\n2|3|y\n");
    ck_assert_int_eq(b->nrows, 1);
    ck_assert(b->cols[1][0].null);
}
END_TEST

START_TEST(column_map)
{
    int map[] = {2, 0};
    sl_copytext_opts_t o = opts(map, 2);
    sl_batch_t *b = ok(&o, "x\t7\n");
    ck_assert_int_eq(b->cols[0][0].v.i, 7);
    ck_assert(b->cols[1][0].null);
    text_is(b, 2, 0, "x");
}
END_TEST

START_TEST(errors)
{
    sl_copytext_opts_t o = opts(all, 3);
    sl_ingest_error_t ie = bad(&o, "1\t2\tx\n1\tnope\ty\n");
    ck_assert_int_eq(ie.line, 2);
    ck_assert_str_eq(ie.column, "v");
    ck_assert_str_eq(ie.value, "nope");
    ck_assert_str_eq(ie.sqlstate, "22P02");
    ck_assert_str_eq(ie.message, "invalid input syntax for type integer: \"nope\"");
    ie = bad(&o, "1\t2\n");
    ck_assert_str_eq(ie.sqlstate, "22P04");
    ck_assert_str_eq(ie.message, "missing data for column \"name\"");
    ck_assert_int_eq(ie.line, 1);
    ie = bad(&o, "\n1\t2\t3\t4\n");
    ck_assert_str_eq(ie.message, "missing data for column \"v\"");   /* the empty line */
    ie = bad(&o, "1\t2\t3\t4\n");
    ck_assert_str_eq(ie.message, "extra data after last expected column");
    ck_assert_str_eq(ie.value, "1\t2\t3\t4");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("copytext");
    TCase *tc = tcase_create("decode");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, plain_rows_nulls_and_crlf);
    tcase_add_test(tc, escapes);
    tcase_add_test(tc, end_marker_header_and_delimiter);
    tcase_add_test(tc, column_map);
    tcase_add_test(tc, errors);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int nf = srunner_ntests_failed(sr);
    srunner_free(sr);
    return nf == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
