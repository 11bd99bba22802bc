/* check_buf.c: unit tests of util/buf.c (JSON strings from any bytes, SQL
 * literals safe under either standard_conforming_strings) and
 * util/conninfo.c (secrets of connection strings masked). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ck_run.h"
#include "util/buf.h"
#include "util/conninfo.h"

/* ---- JSON strings ---- */

/* Asserts that the n bytes of in become the JSON string want (quotes
 * included). */
static void json_is(const char *in, size_t n, const char *want)
{
    sl_buf_t b = SL_BUF_INIT;
    sl_buf_put_json_string(&b, in, n);
    ck_assert_msg(strcmp(sl_buf_cstr(&b), want) == 0, "got %s, want %s", sl_buf_cstr(&b),
                  want);
    sl_buf_free(&b);
}
#define JSON_IS(lit, want) json_is(lit, sizeof(lit) - 1, want)

START_TEST(json_ascii_and_controls)
{
    JSON_IS("plain", "\"plain\"");
    JSON_IS("q\"b\\", "\"q\\\"b\\\\\"");
    JSON_IS("\n\r\t", "\"\\n\\r\\t\"");
    JSON_IS("\x01\x1f\x7f", "\"\\u0001\\u001f\x7f\"");
    JSON_IS("a\0b", "\"a\\u0000b\"");
    JSON_IS("", "\"\"");
}
END_TEST

START_TEST(json_valid_utf8_kept)
{
    JSON_IS("\xc3\xa9", "\"\xc3\xa9\"");                     /* U+00E9 */
    JSON_IS("\xc2\x80", "\"\xc2\x80\"");                     /* U+0080, smallest 2-byte */
    JSON_IS("\xe0\xa0\x80", "\"\xe0\xa0\x80\"");             /* U+0800 */
    JSON_IS("\xe2\x82\xac", "\"\xe2\x82\xac\"");             /* U+20AC */
    JSON_IS("\xed\x9f\xbf", "\"\xed\x9f\xbf\"");             /* U+D7FF, below surrogates */
    JSON_IS("\xee\x80\x80", "\"\xee\x80\x80\"");             /* U+E000, above them */
    JSON_IS("\xf0\x90\x80\x80", "\"\xf0\x90\x80\x80\"");     /* U+10000 */
    JSON_IS("\xf0\x9f\x98\x80", "\"\xf0\x9f\x98\x80\"");     /* U+1F600 */
    JSON_IS("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"");     /* U+10FFFF */
}
END_TEST

START_TEST(json_invalid_bytes)
{
    JSON_IS("\xff", "\"\\ufffd\"");
    JSON_IS("a\xfe\xff" "b", "\"a\\ufffd\\ufffdb\"");
    JSON_IS("\x80", "\"\\ufffd\"");                          /* stray continuation */
    JSON_IS("\xbf\xc3\xa9", "\"\\ufffd\xc3\xa9\"");
    JSON_IS("\xc1\xbf", "\"\\ufffd\\ufffd\"");               /* C1 lead never valid */
    JSON_IS("\xf5\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    JSON_IS("\xf8\x88\x80\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
}
END_TEST

START_TEST(json_overlong)
{
    JSON_IS("\xc0\xaf", "\"\\ufffd\\ufffd\"");               /* '/' in 2 bytes */
    JSON_IS("\xc0\x80", "\"\\ufffd\\ufffd\"");               /* NUL in 2 bytes */
    JSON_IS("\xe0\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\"");
    JSON_IS("\xe0\x9f\xbf", "\"\\ufffd\\ufffd\\ufffd\"");    /* U+07FF in 3 bytes */
    JSON_IS("\xf0\x80\x80\xaf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
    JSON_IS("\xf0\x8f\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  /* U+FFFF in 4 */
}
END_TEST

START_TEST(json_surrogates_and_beyond)
{
    JSON_IS("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");    /* U+D800 */
    JSON_IS("\xed\xbf\xbf", "\"\\ufffd\\ufffd\\ufffd\"");    /* U+DFFF */
    JSON_IS("\xed\xa0\xbd\xed\xb8\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\\ufffd\"");
    JSON_IS("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");  /* U+110000 */
}
END_TEST

START_TEST(json_truncated)
{
    JSON_IS("\xe2\x82", "\"\\ufffd\\ufffd\"");               /* at the end */
    JSON_IS("\xe2\x82" "A", "\"\\ufffd\\ufffdA\"");          /* before ASCII */
    JSON_IS("\xf0\x9f\x98", "\"\\ufffd\\ufffd\\ufffd\"");
    JSON_IS("\xc3", "\"\\ufffd\"");
    JSON_IS("\xc3\"", "\"\\ufffd\\\"\"");                    /* the quote still escaped */
    /* a string cut inside a character by its length, not by its bytes */
    json_is("\xc3\xa9\xc3\xa9", 3, "\"\xc3\xa9\\ufffd\"");
}
END_TEST

/* Every 1-, 2- and 3-byte input gives a string whose only bytes >= 0x80
 * form sequences sl_utf8_seqlen accepts and that contains no raw control
 * character: checks the escaper keeps nothing it would itself reject. */
START_TEST(json_exhaustive_short)
{
    unsigned char in[3];
    sl_buf_t b = SL_BUF_INIT;
    long bad = -1;
    for (int len = 1; len <= 3; len++) {
        long total = 1L << (8 * len);
        for (long v = 0; v < total; v++) {
            for (int k = 0; k < len; k++)
                in[k] = (unsigned char)(v >> (8 * k));
            sl_buf_reset(&b);
            sl_buf_put_json_string(&b, (const char *)in, (size_t)len);
            /* plain tests: a passing ck_assert costs a write to the runner */
            for (size_t i = 0; i < b.len && bad < 0; i++) {
                size_t l = sl_utf8_seqlen(b.data + i, b.len - i);
                if ((unsigned char)b.data[i] < 0x20 || l == 0)
                    bad = v;
                else
                    i += l - 1;
            }
            if (bad >= 0)
                ck_abort_msg("invalid output for the %d-byte input %06lx: %s", len, bad,
                             sl_buf_cstr(&b));
        }
    }
    sl_buf_free(&b);
}
END_TEST

/* ---- SQL literals ---- */

static void literal_is(const char *in, const char *want)
{
    sl_buf_t b = SL_BUF_INIT;
    sl_buf_put_literal(&b, in, strlen(in));
    ck_assert_msg(strcmp(sl_buf_cstr(&b), want) == 0, "got %s, want %s", sl_buf_cstr(&b),
                  want);
    sl_buf_free(&b);
}

START_TEST(literals)
{
    literal_is("", "''");
    literal_is("plain", "'plain'");
    literal_is("it's", "'it''s'");
    /* a backslash: E'' with it doubled, so that standard_conforming_strings
     * = off cannot make it escape the closing quote */
    literal_is("a\\", "E'a\\\\'");
    literal_is("a\\' OR true --", "E'a\\\\'' OR true --'");
    literal_is("\\\\'", "E'\\\\\\\\'''");
    literal_is("\\n", "E'\\\\n'");
}
END_TEST

/* ---- connection strings ---- */

static void mask_is(const char *in, const char *want)
{
    sl_buf_t b = SL_BUF_INIT;
    sl_conninfo_mask(in, &b);
    ck_assert_msg(strcmp(sl_buf_cstr(&b), want) == 0, "mask(%s) = %s, want %s", in,
                  sl_buf_cstr(&b), want);
    sl_buf_free(&b);
}

START_TEST(mask_keyvalue)
{
    mask_is("", "");
    mask_is("host=h port=5 dbname=d", "host=h port=5 dbname=d");
    mask_is("host=h password=secret user=u", "host=h password=******** user=u");
    mask_is("password=secret", "password=********");
    mask_is("  password =  secret  host=h", "  password =  ********  host=h");
    mask_is("password='a b\\' c' dbname=d", "password=******** dbname=d");
    mask_is("password='it\\\\' dbname=d", "password=******** dbname=d");
    mask_is("password=se\\ cret host=h", "password=******** host=h");
    mask_is("password='' host=h", "password=******** host=h");
    mask_is("sslpassword=k host=h", "sslpassword=******** host=h");
    mask_is("user=password passwordx=1 mypassword=2", "user=password passwordx=1 mypassword=2");
    mask_is("password=a password=b", "password=******** password=********");
    /* libpq refuses these; whatever follows the break may be a secret */
    mask_is("host=h password='abc", "host=h password=********");
    mask_is("host=h password 'abc'", "host=h ********");
    mask_is("password='x'y", "password=********y");
    mask_is("stray password=a", "stray password=********");
    mask_is("stray", "stray");
}
END_TEST

START_TEST(mask_uri)
{
    mask_is("postgresql://h:5/db", "postgresql://h:5/db");
    mask_is("postgresql://u@h/db", "postgresql://u@h/db");
    mask_is("postgresql://u:secret@h:5/db?sslmode=disable",
            "postgresql://u:********@h:5/db?sslmode=disable");
    mask_is("postgres://u:p%40ss@h", "postgres://u:********@h");
    mask_is("postgresql://u:@h", "postgresql://u:********@h");
    mask_is("postgresql://:secret@h", "postgresql://:********@h");
    mask_is("postgresql://u:a?b&c@h/db", "postgresql://u:********@h/db");
    mask_is("postgresql://h/db?password=x&application_name=a",
            "postgresql://h/db?password=********&application_name=a");
    mask_is("postgresql://h/db?application_name=a&pass%77ord=x",
            "postgresql://h/db?application_name=a&pass%77ord=********");
    mask_is("postgresql:///db?host=/tmp&sslpassword=k", "postgresql:///db?host=/tmp&sslpassword=********");
    mask_is("postgresql://u:pw@h/db?password=x", "postgresql://u:********@h/db?password=********");
    /* a host with / before any @: no user information */
    mask_is("postgresql://h/a@b", "postgresql://h/a@b");
}
END_TEST

START_TEST(scrub)
{
    sl_buf_t b = SL_BUF_INIT;
    sl_conninfo_scrub("postgresql://u:p%zz@h", "invalid percent-encoded token: \"p%zz\"", &b);
    ck_assert_str_eq(sl_buf_cstr(&b), "invalid percent-encoded token: \"********\"");
    sl_buf_reset(&b);
    sl_conninfo_scrub("host=h password='top secret'", "x top secret y top", &b);
    ck_assert_str_eq(sl_buf_cstr(&b), "x ******** y top");
    sl_buf_reset(&b);
    sl_conninfo_scrub("host=h", "nothing to hide", &b);
    ck_assert_str_eq(sl_buf_cstr(&b), "nothing to hide");
    sl_buf_reset(&b);
    sl_conninfo_scrub("password=''", "empty password", &b);
    ck_assert_str_eq(sl_buf_cstr(&b), "empty password");
    sl_buf_free(&b);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("json");
    tcase_add_test(tc, json_ascii_and_controls);
    tcase_add_test(tc, json_valid_utf8_kept);
    tcase_add_test(tc, json_invalid_bytes);
    tcase_add_test(tc, json_overlong);
    tcase_add_test(tc, json_surrogates_and_beyond);
    tcase_add_test(tc, json_truncated);
    tcase_add_test(tc, json_exhaustive_short);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    tc = tcase_create("literal");
    tcase_add_test(tc, literals);
    suite_add_tcase(s, tc);
    tc = tcase_create("conninfo");
    tcase_add_test(tc, mask_keyvalue);
    tcase_add_test(tc, mask_uri);
    tcase_add_test(tc, scrub);
    suite_add_tcase(s, tc);
    return sl_ck_run(s);
}
