/*
 * check_shell_format.c: unit tests of the sluice shell's pure parts:
 * the statement scanner (where ';' ends a statement), meta-command
 * argument splitting, identifier normalization, psql-identical table and
 * error layouts (expected strings taken from psql 15 runs), HTTP response
 * heads and the cutting of ingest bodies at line boundaries.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "sluice.h"

/* Feeds text to a fresh scanner; returns the statements it ends, joined by
 * '|', and leaves the final state in *out. */
static char *split(const char *text, sl_scan_t *out)
{
    static char res[1024];
    sl_scan_t s = SL_SCAN_INIT;
    size_t pos = 0, len = strlen(text), start = 0;
    res[0] = '\0';
    while (pos < len) {
        size_t used;
        sl_scan_result_t r = sl_scan_next(&s, text + pos, len - pos, &used);
        pos += used;
        if (r == SL_SCAN_SEMICOLON) {
            strncat(res, text + start, pos - start);
            strcat(res, "|");
            start = pos;
        } else if (r == SL_SCAN_BACKSLASH) {
            strcat(res, "\\|");
            pos++;
            start = pos;
        }
    }
    if (out)
        *out = s;
    return res;
}

START_TEST(scan_quotes)
{
    sl_scan_t s;
    ck_assert_str_eq(split("select 1; select 2;", NULL), "select 1;| select 2;|");
    ck_assert_str_eq(split("select 'a;b''c;'; x;", NULL), "select 'a;b''c;';| x;|");
    ck_assert_str_eq(split("select E'\\';'; y;", NULL), "select E'\\';';| y;|");
    ck_assert_str_eq(split("select \"a;\"\"b\"; z;", NULL), "select \"a;\"\"b\";| z;|");
    ck_assert_str_eq(split("select $$a;b$$; w;", NULL), "select $$a;b$$;| w;|");
    ck_assert_str_eq(split("select $fn$ $$; $fn$; v;", NULL), "select $fn$ $$; $fn$;| v;|");
    /* $1 is a parameter, a$b$ an identifier: neither opens a quote. */
    ck_assert_str_eq(split("select $1; select a$b$c;", NULL), "select $1;| select a$b$c;|");
    ck_assert_str_eq(split("select /* ; /* ; */ ; */ 1; u;", NULL), "select /* ; /* ; */ ; */ 1;| u;|");
    ck_assert_str_eq(split("select 1 -- ;\n;", NULL), "select 1 -- ;\n;|");
    ck_assert_str_eq(split("create rule r as on insert to t do (a; b); c;", NULL),
                     "create rule r as on insert to t do (a; b);| c;|");
    ck_assert_str_eq(split("select 'x\\' as y; z;", NULL), "select 'x\\' as y;| z;|");
    split("select 'abc", &s);
    ck_assert_int_eq(sl_scan_prompt_char(&s, false), '\'');
    split("select $q$ a", &s);
    ck_assert_int_eq(sl_scan_prompt_char(&s, false), '$');
    split("select (1,", &s);
    ck_assert_int_eq(sl_scan_prompt_char(&s, false), '(');
    split("select /* x", &s);
    ck_assert_int_eq(sl_scan_prompt_char(&s, false), '*');
    split("select \"x", &s);
    ck_assert_int_eq(sl_scan_prompt_char(&s, false), '"');
    split("select 1", &s);
    ck_assert_int_eq(sl_scan_prompt_char(&s, false), '-');
    sl_scan_reset(&s);
    ck_assert_int_eq(sl_scan_prompt_char(&s, true), '=');
}
END_TEST

START_TEST(scan_lines)
{
    /* State carries across separately fed lines. */
    sl_scan_t s = SL_SCAN_INIT;
    size_t used;
    const char *l1 = "select 'a;\n", *l2 = "b'; x\n";
    ck_assert_int_eq(sl_scan_next(&s, l1, strlen(l1), &used), SL_SCAN_MORE);
    ck_assert_uint_eq(used, strlen(l1));
    ck_assert_int_eq(sl_scan_next(&s, l2, strlen(l2), &used), SL_SCAN_SEMICOLON);
    ck_assert_uint_eq(used, 3);
    /* A backslash at the top level starts a meta-command; not in strings. */
    ck_assert_str_eq(split("select 1 \\g", NULL), "\\|");
    sl_scan_reset(&s);
    const char *l3 = "select '\\x' \\g\n";
    ck_assert_int_eq(sl_scan_next(&s, l3, strlen(l3), &used), SL_SCAN_BACKSLASH);
    ck_assert_uint_eq(used, 12);
    ck_assert(sl_scan_blank(" \t\n", 3));
    ck_assert(!sl_scan_blank(" x", 2));
}
END_TEST

START_TEST(scan_args)
{
    char *argv[8];
    size_t used;
    const char *t = " clicks 'my file.ndjson'  \"Odd\"\"Name\" it''s \\x";
    int n = sl_scan_args(t, strlen(t), argv, 8, &used);
    ck_assert_int_eq(n, 4);
    ck_assert_str_eq(argv[0], "clicks");
    ck_assert_str_eq(argv[1], "my file.ndjson");
    ck_assert_str_eq(argv[2], "\"Odd\"\"Name\"");
    ck_assert_str_eq(argv[3], "its");
    ck_assert_int_eq(t[used], '\\');
    for (int i = 0; i < n; i++)
        free(argv[i]);

    char *schema;
    char *id = sl_scan_ident("Clicks", &schema);
    ck_assert_str_eq(id, "clicks");
    ck_assert_ptr_null(schema);
    free(id);
    id = sl_scan_ident("\"My\"\"S\".\"T.x\"", &schema);
    ck_assert_str_eq(schema, "My\"S");
    ck_assert_str_eq(id, "T.x");
    free(id);
    free(schema);
}
END_TEST

/* Prints t with opt into a string (malloc'd). */
static char *render(const sl_table_t *t, const sl_popt_t *opt)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    sl_print_table(f, t, opt);
    fclose(f);
    return buf;
}

static const sl_popt_t defaults = {SL_FMT_ALIGNED, SL_X_OFF, false, "", "|", 0};

START_TEST(print_aligned)
{
    const char *names[] = {"a", "bb", "c", "d", "n"};
    const bool right[] = {true, false, false, false, true};
    const char *cells[] = {"1", "x", NULL, "hello world", "12.5"};
    sl_table_t t = {NULL, 5, 1, names, right, cells, NULL};
    char *s = render(&t, &defaults);
    ck_assert_str_eq(s,
        " a | bb | c |      d      |  n   \n"
        "---+----+---+-------------+------\n"
        " 1 | x  |   | hello world | 12.5\n"
        "(1 row)\n\n");
    free(s);

    /* Multi-line values: '+' marks a continued line. */
    const char *n2[] = {"x", "y", "z"};
    const bool r2[] = {false, false, true};
    const char *c2[] = {"a\nb", "long line here", "5"};
    sl_table_t t2 = {NULL, 3, 1, n2, r2, c2, NULL};
    s = render(&t2, &defaults);
    ck_assert_str_eq(s,
        " x |       y        | z \n"
        "---+----------------+---\n"
        " a+| long line here | 5\n"
        " b |                | \n"
        "(1 row)\n\n");
    free(s);

    const char *n3[] = {"a", "b"};
    const char *c3[] = {"1", "x\nyzw"};
    const bool r3[] = {true, false};
    sl_table_t t3 = {NULL, 2, 1, n3, r3, c3, NULL};
    s = render(&t3, &defaults);
    ck_assert_str_eq(s,
        " a |  b  \n"
        "---+-----\n"
        " 1 | x  +\n"
        "   | yzw\n"
        "(1 row)\n\n");
    free(s);

    /* Zero rows, NULL display, UTF-8 widths. */
    const char *n4[] = {"?column?"};
    sl_table_t t4 = {NULL, 1, 0, n4, NULL, NULL, NULL};
    s = render(&t4, &defaults);
    ck_assert_str_eq(s, " ?column? \n----------\n(0 rows)\n\n");
    free(s);
    const char *n5[] = {"x"};
    const char *c5[] = {NULL};
    sl_popt_t o = defaults;
    o.null_str = "NULL";
    sl_table_t t5 = {NULL, 1, 1, n5, NULL, c5, NULL};
    s = render(&t5, &o);
    ck_assert_str_eq(s, "  x   \n------\n NULL\n(1 row)\n\n");
    free(s);
    ck_assert_int_eq(sl_print_width("\xc3\xa9t\xc3\xa9", 5), 3);
    ck_assert_int_eq(sl_print_width("\xe4\xb8\xad", 3), 2);
    /* A title is centered; a footer replaces "(N rows)". */
    const char *n6[] = {"Column", "Type"};
    const char *c6[] = {"a", "integer"};
    sl_table_t t6 = {"Stream \"s\"", 2, 1, n6, NULL, c6, ""};
    s = render(&t6, &defaults);
    ck_assert_str_eq(s, "    Stream \"s\"\n Column |  Type   \n--------+---------\n a      | integer\n\n");
    free(s);
}
END_TEST

START_TEST(print_expanded)
{
    sl_popt_t o = defaults;
    o.expanded = SL_X_ON;
    const char *names[] = {"a", "bbbbbbbbbbbbbbbbbbb"};
    const char *cells[] = {"1", "xxxxx", "2", "xxxxxxxxxx"};
    sl_table_t t = {NULL, 2, 2, names, NULL, cells, NULL};
    char *s = render(&t, &o);
    ck_assert_str_eq(s,
        "-[ RECORD 1 ]-------+-----------\n"
        "a                   | 1\n"
        "bbbbbbbbbbbbbbbbbbb | xxxxx\n"
        "-[ RECORD 2 ]-------+-----------\n"
        "a                   | 2\n"
        "bbbbbbbbbbbbbbbbbbb | xxxxxxxxxx\n\n");
    free(s);
    /* The label widens the data column (visible through the '+' and the
     * '-' after a one-digit label when the count has two digits), as psql
     * 15.20 prints it (15.18 alone did not widen). */
    const char *n2[] = {"a", "bbb", "c"};
    const char *c2[] = {"1", "x\nyz", NULL};
    sl_table_t t2 = {NULL, 3, 1, n2, NULL, c2, NULL};
    s = render(&t2, &o);
    ck_assert_str_eq(s, "-[ RECORD 1 ]\na   | 1\nbbb | x     +\n    | yz\nc   | \n\n");
    free(s);
    const char *c10[10];
    for (int i = 0; i < 10; i++)
        c10[i] = "1";
    sl_table_t t10 = {NULL, 1, 10, n2, NULL, c10, NULL};
    s = render(&t10, &o);
    ck_assert(strncmp(s, "-[ RECORD 1 ]-\na | 1\n-[ RECORD 2 ]-\n", 34) == 0);
    ck_assert(strstr(s, "\n-[ RECORD 10 ]\na | 1\n\n") != NULL);
    free(s);
    /* A header with newlines: '+' after each header line but the last,
     * lines side by side, a line without a value ends at the '|'. */
    const char *n7[] = {"multi\nline header", "b", "p\nq\nr"};
    const char *c7[] = {"a\nb\nc", "2", "x"};
    sl_table_t t7 = {NULL, 3, 1, n7, NULL, c7, NULL};
    s = render(&t7, &o);
    ck_assert_str_eq(s, "-[ RECORD 1 ]--\n"
                        "multi      +| a+\n"
                        "line header | b+\n"
                        "            | c\n"
                        "b           | 2\n"
                        "p          +| x\n"
                        "q          +|\n"
                        "r           |\n\n");
    free(s);
    const char *n3[] = {"a", "bbbbbbbbb"};
    const char *c3[] = {"abcd", "1"};
    sl_table_t t3 = {NULL, 2, 1, n3, NULL, c3, NULL};
    s = render(&t3, &o);
    ck_assert_str_eq(s, "-[ RECORD 1 ]---\na         | abcd\nbbbbbbbbb | 1\n\n");
    free(s);
    sl_table_t t4 = {NULL, 1, 0, n3, NULL, NULL, NULL};
    s = render(&t4, &o);
    ck_assert_str_eq(s, "(0 rows)\n\n");
    free(s);
    o.tuples_only = true;
    const char *n5[] = {"a", "b"};
    const char *c5[] = {"1", "x", "1", "x"};
    sl_table_t t5 = {NULL, 2, 2, n5, NULL, c5, NULL};
    s = render(&t5, &o);
    ck_assert_str_eq(s, "a | 1\nb | x\n--+--\na | 1\nb | x\n\n");
    free(s);
}
END_TEST

START_TEST(print_unaligned)
{
    sl_popt_t o = defaults;
    o.format = SL_FMT_UNALIGNED;
    const char *names[] = {"a", "b"};
    const char *cells[] = {"1", NULL, "2", "x"};
    sl_table_t t = {NULL, 2, 2, names, NULL, cells, NULL};
    char *s = render(&t, &o);
    ck_assert_str_eq(s, "a|b\n1|\n2|x\n(2 rows)\n");
    free(s);
    o.tuples_only = true;
    o.fieldsep = ",";
    s = render(&t, &o);
    ck_assert_str_eq(s, "1,\n2,x\n");
    free(s);
}
END_TEST

static char *diag(const char *query, int pos)
{
    sl_buf_t b = SL_BUF_INIT;
    sl_diag_t d = {"ERROR", "msg", NULL, NULL, NULL, query, pos};
    sl_print_diag(&b, &d, NULL);
    char *r = strdup(sl_buf_cstr(&b));
    sl_buf_free(&b);
    return r;
}

START_TEST(print_errors)
{
    char *s = diag("select 1 +", 11);
    ck_assert_str_eq(s, "ERROR:  msg\nLINE 1: select 1 +\n                  ^\n");
    free(s);
    s = diag("select 1,\n  2,\tzzz", 16);
    ck_assert_str_eq(s, "ERROR:  msg\nLINE 2:   2, zzz\n             ^\n");
    free(s);
    s = diag("select '\xc3\xa9' || zzz", 15);
    ck_assert_str_eq(s, "ERROR:  msg\nLINE 1: select '\xc3\xa9' || zzz\n                      ^\n");
    free(s);
    /* Long lines: a 60-column window, at least 10 columns after the caret
     * (expected output from psql 15). */
    sl_buf_t q = SL_BUF_INIT;
    sl_buf_puts(&q, "select 1 ");
    for (int i = 0; i < 13; i++)
        sl_buf_puts(&q, " + 1");
    sl_buf_puts(&q, ", zzz ");
    for (int i = 0; i < 30; i++)
        sl_buf_puts(&q, " + 1");
    s = diag(q.data, 64);
    ck_assert_str_eq(s, "ERROR:  msg\n"
        "LINE 1: ... + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1, zzz  + 1 +...\n"
        "                                                             ^\n");
    free(s);
    sl_buf_reset(&q);
    sl_buf_puts(&q, "select a");
    for (int i = 0; i < 30; i++)
        sl_buf_puts(&q, " + 1");
    sl_buf_puts(&q, " from nosuch");
    s = diag(q.data, (int)q.len - 5);
    ck_assert_str_eq(s, "ERROR:  msg\n"
        "LINE 1: ... + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 1 from nosuch\n"
        "                                                                 ^\n");
    free(s);
    sl_buf_free(&q);

    sl_buf_t b = SL_BUF_INIT;
    sl_diag_t d = {"ERROR", "boom", "d", "h", "PL/pgSQL function f() line 1 at RAISE", NULL, 0};
    sl_print_diag(&b, &d, "sluice:x.sql:3: ");
    ck_assert_str_eq(sl_buf_cstr(&b), "sluice:x.sql:3: ERROR:  boom\nDETAIL:  d\nHINT:  h\n"
                                      "CONTEXT:  PL/pgSQL function f() line 1 at RAISE\n");
    sl_buf_free(&b);
}
END_TEST

START_TEST(http_heads)
{
    sl_http_head_t h;
    const char *r = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                    "content-length: 16\r\n\r\n{\"accepted\":42}\n";
    ck_assert_int_eq(sl_http_parse_head(r, 20, &h), 0);
    ck_assert_int_eq(sl_http_parse_head(r, strlen(r), &h), 1);
    ck_assert_int_eq(h.status, 200);
    ck_assert_int_eq(h.content_length, 16);
    ck_assert(!h.close);
    ck_assert(!h.chunked);
    ck_assert_str_eq(r + h.head_len, "{\"accepted\":42}\n");
    r = "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n";
    ck_assert_int_eq(sl_http_parse_head(r, strlen(r), &h), 1);
    ck_assert_int_eq(h.status, 400);
    ck_assert(h.close);
    ck_assert(h.chunked);
    ck_assert_int_eq(h.content_length, -1);
    r = "HTTP/1.0 503 x\r\nRetry-After: 1\r\n\r\n";
    ck_assert_int_eq(sl_http_parse_head(r, strlen(r), &h), 1);
    ck_assert(h.close);
    r = "SMTP/1.1 200 OK\r\n\r\n";
    ck_assert_int_eq(sl_http_parse_head(r, strlen(r), &h), -1);
    r = "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n";
    ck_assert_int_eq(sl_http_parse_head(r, strlen(r), &h), -1);
}
END_TEST

START_TEST(ingest_cut)
{
    const char *d = "aaa\nbbb\nccc\n";
    ck_assert_uint_eq(sl_ingest_cut(d, 12, 100), 12);
    ck_assert_uint_eq(sl_ingest_cut(d, 12, 9), 8);
    ck_assert_uint_eq(sl_ingest_cut(d, 12, 8), 8);
    ck_assert_uint_eq(sl_ingest_cut(d, 12, 7), 4);
    /* One line longer than the limit goes whole. */
    ck_assert_uint_eq(sl_ingest_cut(d, 12, 2), 4);
    ck_assert_uint_eq(sl_ingest_cut("abcdef", 6, 2), 6);
}
END_TEST

static Suite *shell_suite(void)
{
    Suite *s = suite_create("shell_format");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, scan_quotes);
    tcase_add_test(tc, scan_lines);
    tcase_add_test(tc, scan_args);
    tcase_add_test(tc, print_aligned);
    tcase_add_test(tc, print_expanded);
    tcase_add_test(tc, print_unaligned);
    tcase_add_test(tc, print_errors);
    tcase_add_test(tc, http_heads);
    tcase_add_test(tc, ingest_cut);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(shell_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
