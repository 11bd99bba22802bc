/* check_encoding.c: unit tests of util/encoding.c: PostgreSQL's encoding
 * names and aliases, conversion to and from UTF-8 (LATIN1, WIN1252, EUC_JP,
 * SJIS), PostgreSQL's errors (22021, 22P05, 0A000), the lossy mode, and
 * switching a session's encoding. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "ck_run.h"
#include "util/encoding.h"

static sl_arena_t *a;

static void setup(void) { a = sl_arena_new(NULL, "test"); }
static void teardown(void) { sl_arena_free(a); }

START_TEST(names)
{
    ck_assert_int_eq(sl_enc_lookup("UTF8"), SL_ENC_UTF8);
    ck_assert_int_eq(sl_enc_lookup("unicode"), SL_ENC_UTF8);
    ck_assert_int_eq(sl_enc_lookup("utf-8"), SL_ENC_UTF8);
    ck_assert_int_eq(sl_enc_lookup("SQL_ASCII"), SL_ENC_SQL_ASCII);
    ck_assert_str_eq(sl_enc_name(sl_enc_lookup("latin1")), "LATIN1");
    ck_assert_str_eq(sl_enc_name(sl_enc_lookup("ISO-8859-1")), "LATIN1");
    ck_assert_str_eq(sl_enc_name(sl_enc_lookup("iso_8859_15")), "LATIN9");
    ck_assert_str_eq(sl_enc_name(sl_enc_lookup("windows-1252")), "WIN1252");
    ck_assert_str_eq(sl_enc_name(sl_enc_lookup("Shift_JIS")), "SJIS");
    ck_assert_str_eq(sl_enc_name(sl_enc_lookup("euc_jp")), "EUC_JP");
    ck_assert_str_eq(sl_enc_name(sl_enc_lookup("ISO_8859_5")), "ISO_8859_5");
    ck_assert_str_eq(sl_enc_name(sl_enc_lookup("koi8")), "KOI8R");
    ck_assert_int_eq(sl_enc_lookup("klingon"), -1);
    ck_assert_int_eq(sl_enc_lookup(""), -1);
    ck_assert_int_eq(sl_enc_lookup(NULL), -1);
}
END_TEST

/* Converts lit from encoding name to UTF-8 and back, expecting utf8. */
static void round_trip(const char *name, const char *lit, const char *utf8)
{
    sl_enc_t e = SL_ENC_INIT;
    sl_error_t err;
    sl_error_clear(&err);
    sl_enc_set(&e, sl_enc_lookup(name));
    const char *out, *back;
    size_t n;
    ck_assert_int_eq(sl_enc_to_utf8(&e, lit, strlen(lit), a, &out, &n, &err), SL_OK);
    ck_assert_str_eq(out, utf8);
    ck_assert_uint_eq(n, strlen(utf8));
    ck_assert_int_eq(sl_enc_from_utf8(&e, out, n, false, a, &back, &n, &err), SL_OK);
    ck_assert_str_eq(back, lit);
    ck_assert_uint_eq(n, strlen(lit));
    sl_enc_close(&e);
}

START_TEST(conversions)
{
    round_trip("LATIN1", "caf\xe9", "caf\xc3\xa9");
    round_trip("WIN1252", "\x80 \x93x\x94", "\xe2\x82\xac \xe2\x80\x9cx\xe2\x80\x9d");
    round_trip("LATIN9", "\xa4", "\xe2\x82\xac");
    round_trip("KOI8R", "\xc1\xc2", "\xd0\xb0\xd0\xb1");
    round_trip("EUC_JP", "\xc6\xfc\xcb\xdc", "\xe6\x97\xa5\xe6\x9c\xac");
    round_trip("SJIS", "\x93\xfa\x96\x7b", "\xe6\x97\xa5\xe6\x9c\xac");
    round_trip("LATIN1", "", "");
    /* a long text: the output buffer grows */
    char big[5001], want[10001];
    for (int i = 0; i < 5000; i++) {
        big[i] = (char)0xe9;
        want[2 * i] = (char)0xc3;
        want[2 * i + 1] = (char)0xa9;
    }
    big[5000] = want[10000] = 0;
    round_trip("LATIN1", big, want);
}
END_TEST

START_TEST(utf8_checked)
{
    sl_enc_t e = SL_ENC_INIT;
    sl_error_t err;
    const char *out;
    const char *ok = "caf\xc3\xa9";
    sl_error_clear(&err);
    ck_assert_int_eq(sl_enc_to_utf8(&e, ok, strlen(ok), a, &out, NULL, &err), SL_OK);
    ck_assert_ptr_eq(out, ok);                  /* no copy */
    const char *bad = "select \xe9;";
    ck_assert_int_eq(sl_enc_to_utf8(&e, bad, strlen(bad), a, &out, NULL, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "22021");
    ck_assert_str_eq(err.message, "invalid byte sequence for encoding \"UTF8\": 0xe9 0x3b");
    sl_error_clear(&err);
    const char *cut = "x\xe3\x81";
    ck_assert_int_eq(sl_enc_to_utf8(&e, cut, strlen(cut), a, &out, NULL, &err), SL_ERR);
    ck_assert_str_eq(err.message, "invalid byte sequence for encoding \"UTF8\": 0xe3 0x81");
    /* SQL_ASCII: checked as UTF-8 the same way, answers copied */
    sl_enc_set(&e, SL_ENC_SQL_ASCII);
    sl_error_clear(&err);
    ck_assert_int_eq(sl_enc_to_utf8(&e, bad, strlen(bad), a, &out, NULL, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "22021");
    ck_assert_int_eq(sl_enc_from_utf8(&e, ok, strlen(ok), false, a, &out, NULL, &err), SL_OK);
    ck_assert_ptr_eq(out, ok);
}
END_TEST

START_TEST(errors)
{
    sl_enc_t e = SL_ENC_INIT;
    sl_error_t err;
    const char *out;
    size_t n;
    /* a byte WIN1252 leaves unmapped: no equivalent, as PostgreSQL says */
    sl_enc_set(&e, sl_enc_lookup("WIN1252"));
    sl_error_clear(&err);
    ck_assert_int_eq(sl_enc_to_utf8(&e, "'\x81'", 3, a, &out, NULL, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "22P05");
    ck_assert_str_eq(err.message, "character with byte sequence 0x81 in encoding \"WIN1252\" "
                                  "has no equivalent in encoding \"UTF8\"");
    /* a malformed EUC_JP sequence */
    sl_enc_set(&e, sl_enc_lookup("EUC_JP"));
    sl_error_clear(&err);
    ck_assert_int_eq(sl_enc_to_utf8(&e, "x\xe9\x41", 3, a, &out, NULL, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "22021");
    ck_assert_str_eq(err.message, "invalid byte sequence for encoding \"EUC_JP\": 0xe9 0x41");
    /* an answer with a character LATIN1 lacks */
    sl_enc_set(&e, sl_enc_lookup("LATIN1"));
    const char *jp = "a\xe6\x97\xa5" "b";
    sl_error_clear(&err);
    ck_assert_int_eq(sl_enc_from_utf8(&e, jp, strlen(jp), false, a, &out, NULL, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "22P05");
    ck_assert_str_eq(err.message, "character with byte sequence 0xe6 0x97 0xa5 in encoding "
                                  "\"UTF8\" has no equivalent in encoding \"LATIN1\"");
    /* lossy: '?' in its place */
    sl_error_clear(&err);
    const char *mixed = "\xc3\xa9\xe6\x97\xa5\xe6\x97\xa5x";
    ck_assert_int_eq(sl_enc_from_utf8(&e, mixed, strlen(mixed), true, a, &out, &n, &err),
                     SL_OK);
    ck_assert_str_eq(out, "\xe9??x");
    ck_assert_uint_eq(n, 4);
    /* no converter: 0A000, or ASCII and '?' when lossy */
    sl_enc_set(&e, sl_enc_lookup("MULE_INTERNAL"));
    sl_error_clear(&err);
    ck_assert_int_eq(sl_enc_to_utf8(&e, "x", 1, a, &out, NULL, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "0A000");
    ck_assert_str_eq(err.message, "conversion between MULE_INTERNAL and UTF8 is not supported");
    sl_error_clear(&err);
    ck_assert_int_eq(sl_enc_from_utf8(&e, mixed, strlen(mixed), true, a, &out, &n, &err),
                     SL_OK);
    ck_assert_str_eq(out, "???x");
    sl_enc_close(&e);
}
END_TEST

START_TEST(switching)
{
    sl_enc_t e = SL_ENC_INIT;
    sl_error_t err;
    sl_error_clear(&err);
    const char *out;
    sl_enc_set(&e, sl_enc_lookup("LATIN1"));
    ck_assert_int_eq(sl_enc_to_utf8(&e, "\xa4", 1, a, &out, NULL, &err), SL_OK);
    ck_assert_str_eq(out, "\xc2\xa4");                  /* currency sign */
    sl_enc_set(&e, sl_enc_lookup("LATIN9"));
    ck_assert_int_eq(sl_enc_to_utf8(&e, "\xa4", 1, a, &out, NULL, &err), SL_OK);
    ck_assert_str_eq(out, "\xe2\x82\xac");              /* euro sign */
    sl_enc_set(&e, -1);             /* a name sluiced does not know */
    ck_assert(!sl_enc_is_utf8(&e));
    ck_assert_int_eq(sl_enc_to_utf8(&e, "x", 1, a, &out, NULL, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "0A000");
    ck_assert_str_eq(err.message, "conversion between UNKNOWN and UTF8 is not supported");
    sl_enc_set(&e, SL_ENC_UTF8);
    ck_assert(sl_enc_is_utf8(&e));
    sl_enc_close(&e);
}
END_TEST

/* Whether s (n bytes) is valid UTF-8 without NUL. */
static bool valid_utf8(const char *s, size_t n)
{
    sl_enc_t u = SL_ENC_INIT;
    sl_error_t err;
    sl_error_clear(&err);
    const char *out;
    return sl_enc_to_utf8(&u, s, n, a, &out, NULL, &err) == SL_OK;
}

/* Random bytes in every encoding: valid UTF-8 out or one of PostgreSQL's
 * errors, and what came out goes back (lossy never fails). */
START_TEST(random_bytes)
{
    static const char *const names[] = {
        "UTF8", "SQL_ASCII", "EUC_JP", "EUC_CN", "EUC_KR", "EUC_TW", "EUC_JIS_2004",
        "MULE_INTERNAL", "LATIN1", "LATIN5", "LATIN10", "WIN1256", "WIN1258", "WIN866",
        "WIN874", "KOI8R", "WIN1251", "WIN1252", "ISO_8859_5", "ISO_8859_8", "WIN1250",
        "KOI8U", "SJIS", "BIG5", "GBK", "UHC", "GB18030", "JOHAB", "SHIFT_JIS_2004",
    };
    unsigned seed = 7;
    for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
        sl_enc_t e = SL_ENC_INIT;
        int id = sl_enc_lookup(names[k]);
        ck_assert_msg(id >= 0, "%s unknown", names[k]);
        ck_assert_str_eq(sl_enc_name(id), names[k]);
        sl_enc_set(&e, id);
        for (int i = 0; i < 300; i++) {
            char in[24];
            size_t n = (size_t)(rand_r(&seed) % (int)sizeof(in));
            for (size_t j = 0; j < n; j++) {
                int r = rand_r(&seed);
                in[j] = (char)(r % 3 == 0 ? 'a' + r % 26 : 1 + r % 255);
            }
            sl_error_t err;
            sl_error_clear(&err);
            const char *out, *back;
            size_t len;
            if (sl_enc_to_utf8(&e, in, n, a, &out, &len, &err) != SL_OK) {
                ck_assert_msg(strcmp(err.sqlstate, "22021") == 0 ||
                              strcmp(err.sqlstate, "22P05") == 0 ||
                              strcmp(err.sqlstate, "0A000") == 0, "%s: %s", names[k],
                              err.message);
                continue;
            }
            ck_assert_msg(valid_utf8(out, len), "%s: output not UTF-8", names[k]);
            sl_error_clear(&err);
            ck_assert_int_eq(sl_enc_from_utf8(&e, out, len, true, a, &back, NULL, &err),
                             SL_OK);
        }
        sl_enc_close(&e);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("encoding");
    TCase *tc = tcase_create("encoding");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, names);
    tcase_add_test(tc, conversions);
    tcase_add_test(tc, utf8_checked);
    tcase_add_test(tc, errors);
    tcase_add_test(tc, switching);
    tcase_add_test(tc, random_bytes);
    tcase_set_timeout(tc, 30);
    suite_add_tcase(s, tc);
    return sl_ck_run(s);
}
