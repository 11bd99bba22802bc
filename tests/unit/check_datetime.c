/* check_datetime.c: unit tests of util/datetime.c and util/tzinfo.c: date,
 * time and uuid input/output, the timestamp fast path beside the full
 * decoder, PostgreSQL's field rules and errors, zone offsets.  (Every
 * input is also compared with PostgreSQL itself by tests/diff/datetime.sh;
 * the values expected here were taken from PostgreSQL 15.) */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/datetime.h"
#include "util/types.h"
#include "util/tzinfo.h"

static const char *io(sl_type_t t, const char *s)
{
    static char res[160];
    sl_datum_t d;
    sl_error_t err;
    sl_error_clear(&err);
    memset(&d, 0, sizeof(d));
    if (sl_type_input(t, -1, s, (uint32_t)strlen(s), NULL, &d, &err) != SL_OK) {
        snprintf(res, sizeof(res), "ERROR %s %s", err.sqlstate, err.message);
        return res;
    }
    sl_buf_t b = SL_BUF_INIT;
    sl_type_output(t, &d, &b);
    snprintf(res, sizeof(res), "%s", sl_buf_cstr(&b));
    sl_buf_free(&b);
    return res;
}

START_TEST(test_date)
{
    ck_assert_str_eq(io(SL_T_DATE, "2024-02-29"), "2024-02-29");
    ck_assert_str_eq(io(SL_T_DATE, "January 8, 1999"), "1999-01-08");
    ck_assert_str_eq(io(SL_T_DATE, "08-Jan-1999"), "1999-01-08");
    ck_assert_str_eq(io(SL_T_DATE, "1/8/1999"), "1999-01-08");
    ck_assert_str_eq(io(SL_T_DATE, "01/02/03"), "2003-01-02");
    ck_assert_str_eq(io(SL_T_DATE, "19990108"), "1999-01-08");
    ck_assert_str_eq(io(SL_T_DATE, "1999.008"), "1999-01-08");
    ck_assert_str_eq(io(SL_T_DATE, "J2451187"), "1999-01-08");
    ck_assert_str_eq(io(SL_T_DATE, "0044-03-15 BC"), "0044-03-15 BC");
    ck_assert_str_eq(io(SL_T_DATE, "4714-11-24 BC"), "4714-11-24 BC");
    ck_assert_str_eq(io(SL_T_DATE, "5874897-12-31"), "5874897-12-31");
    ck_assert_str_eq(io(SL_T_DATE, "infinity"), "infinity");
    ck_assert_str_eq(io(SL_T_DATE, "-infinity"), "-infinity");
    ck_assert_str_eq(io(SL_T_DATE, "epoch"), "1970-01-01");
    ck_assert_str_eq(io(SL_T_DATE, "epoch 04:05"), "1970-01-01");
    ck_assert_str_eq(io(SL_T_DATE, "2001-02-30"),
                     "ERROR 22008 date/time field value out of range: \"2001-02-30\"");
    ck_assert_str_eq(io(SL_T_DATE, "2001-13-01"),
                     "ERROR 22008 date/time field value out of range: \"2001-13-01\"");
    ck_assert_str_eq(io(SL_T_DATE, "4714-11-23 BC"),
                     "ERROR 22008 date out of range: \"4714-11-23 BC\"");
    ck_assert_str_eq(io(SL_T_DATE, "garbage"),
                     "ERROR 22007 invalid input syntax for type date: \"garbage\"");
    ck_assert_str_eq(io(SL_T_DATE, "04:05"),
                     "ERROR 22007 invalid input syntax for type date: \"04:05\"");
}
END_TEST

START_TEST(test_time)
{
    ck_assert_str_eq(io(SL_T_TIME, "04:05:06.789"), "04:05:06.789");
    ck_assert_str_eq(io(SL_T_TIME, "04:05 PM"), "16:05:00");
    ck_assert_str_eq(io(SL_T_TIME, "12:00 AM"), "00:00:00");
    ck_assert_str_eq(io(SL_T_TIME, "040506"), "04:05:06");
    ck_assert_str_eq(io(SL_T_TIME, "24:00:00"), "24:00:00");
    ck_assert_str_eq(io(SL_T_TIME, "allballs"), "00:00:00");
    ck_assert_str_eq(io(SL_T_TIME, "2003-04-12 04:05:06 America/New_York"), "04:05:06");
    ck_assert_str_eq(io(SL_T_TIME, "04:05:06 America/New_York"),
                     "ERROR 22007 invalid input syntax for type time: \"04:05:06 America/New_York\"");
    ck_assert_str_eq(io(SL_T_TIME, "24:00:01"),
                     "ERROR 22008 date/time field value out of range: \"24:00:01\"");
    ck_assert_str_eq(io(SL_T_TIME, "13:00 PM"),
                     "ERROR 22008 date/time field value out of range: \"13:00 PM\"");
}
END_TEST

START_TEST(test_uuid)
{
    const char *want = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11";
    ck_assert_str_eq(io(SL_T_UUID, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), want);
    ck_assert_str_eq(io(SL_T_UUID, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"), want);
    ck_assert_str_eq(io(SL_T_UUID, "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}"), want);
    ck_assert_str_eq(io(SL_T_UUID, "a0eebc999c0b4ef8bb6d6bb9bd380a11"), want);
    ck_assert_str_eq(io(SL_T_UUID, "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11"), want);
    ck_assert_str_eq(io(SL_T_UUID, " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
                     "ERROR 22P02 invalid input syntax for type uuid: \" a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11\"");
    ck_assert_str_eq(io(SL_T_UUID, "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11"),
                     "ERROR 22P02 invalid input syntax for type uuid: \"a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11\"");
    sl_datum_t a, b;
    sl_error_t err;
    sl_uuid_input("00000000-0000-0000-0000-000000000001", 36, a.v.u, &err);
    sl_uuid_input("10000000-0000-0000-0000-000000000000", 36, b.v.u, &err);
    a.null = b.null = false;
    ck_assert_int_lt(sl_datum_cmp(SL_T_UUID, &a, &b), 0);
    ck_assert(!sl_datum_eq(SL_T_UUID, &a, &b));
    ck_assert(sl_datum_hash(SL_T_UUID, &a) != sl_datum_hash(SL_T_UUID, &b));
}
END_TEST

START_TEST(test_timestamps)
{
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "2026-01-01T00:00:07.5+01"), "2025-12-31 23:00:07.5+00");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "January 8 04:05:06 1999 PST"), "1999-01-08 12:05:06+00");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "1999-07-08 04:05:06 America/New_York"),
                     "1999-07-08 08:05:06+00");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "2040-07-08 04:05:06 America/New_York"),
                     "2040-07-08 08:05:06+00");   /* the zone file's footer rule */
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "2021-03-14 02:30 America/New_York"),
                     "2021-03-14 07:30:00+00");   /* in the gap: the offset before */
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "2021-11-07 01:30 America/New_York"),
                     "2021-11-07 06:30:00+00");   /* ambiguous: the offset after */
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "2013-01-08 04:05:06 MSK"), "2013-01-08 00:05:06+00");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "2020-01-01X10:00"), "2020-01-01 10:00:00+00");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "J2451187.5"), "1999-01-08 12:00:00+00");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "y2001m02d03h04mm05s06"), "2001-02-03 04:05:06+00");
    ck_assert_str_eq(io(SL_T_TIMESTAMP, "2001-02-03 04:05:06 +05"), "2001-02-03 04:05:06");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "2001-02-03 04:05:06 +16"),
                     "ERROR 22009 time zone displacement out of range: \"2001-02-03 04:05:06 +16\"");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "2001-02-03 04:05:06 Nowhere/Zone"),
                     "ERROR 22023 time zone \"nowhere/zone\" not recognized");
    ck_assert_str_eq(io(SL_T_TIMESTAMPTZ, "5874897-12-31"),
                     "ERROR 22008 timestamp out of range: \"5874897-12-31\"");
}
END_TEST

/* The fast path takes the ISO forms and agrees with the full decoder;
 * it leaves everything else to it. */
START_TEST(test_fast_path)
{
    static const char *const taken[] = {
        "2026-01-01T00:00:07Z", "2026-01-01t00:00:07z", "2026-01-01 00:00:07",
        "2026-01-01T00:00", "2026-01-01T00:00:07.123456-08:00", "2026-01-01T00:00:07.1+0530",
        "0001-01-01T00:00:00+15:59", "9999-12-31T23:59:59.999999-15", "2024-02-29T12:00:00Z",
    };
    static const char *const left[] = {
        "2026-01-01T24:00:00Z", "2026-01-01T23:59:60Z", "0000-01-01T00:00:00Z",
        "2023-02-29T00:00:00Z", "2026-01-01T00:00:07.1234567Z", "2026-01-01T00:00:07+16",
        "2026-01-01T00:00:07 Z", "2026-01-01T00:00:07.Z", " 2026-01-01T00:00:07Z",
        "2026-1-01T00:00:07Z", "2026-01-01T00:00:07 EST",
    };
    for (size_t i = 0; i < sizeof(taken) / sizeof(taken[0]); i++)
        for (int tz = 0; tz < 2; tz++) {
            int64_t f = 0, g = 0;
            sl_error_t err;
            sl_error_clear(&err);
            ck_assert_msg(sl_ts_input_fast(tz, taken[i], (uint32_t)strlen(taken[i]), &f),
                          "fast path refused %s", taken[i]);
            ck_assert_int_eq(sl_ts_input_full(tz, taken[i], (uint32_t)strlen(taken[i]), &g, &err),
                             SL_OK);
            ck_assert_msg(f == g, "%s: fast %lld, full %lld", taken[i], (long long)f, (long long)g);
        }
    for (size_t i = 0; i < sizeof(left) / sizeof(left[0]); i++) {
        int64_t f;
        ck_assert_msg(!sl_ts_input_fast(true, left[i], (uint32_t)strlen(left[i]), &f),
                      "fast path took %s", left[i]);
    }
}
END_TEST

START_TEST(test_zone_offsets)
{
    sl_error_t err;
    int west = 0;
    int64_t jan = INT64_C(631152000000000);   /* 2020-01-01 00:00 */
    int64_t jul = jan + INT64_C(182) * SL_US_PER_DAY;
    sl_error_clear(&err);
    ck_assert_int_eq(sl_tz_offset_for_local("+05:30", 6, jan, &west, &err), SL_OK);
    ck_assert_int_eq(west, -19800);
    ck_assert_int_eq(sl_tz_offset_for_local("EST", 3, jan, &west, &err), SL_OK);
    ck_assert_int_eq(west, 18000);
    ck_assert_int_eq(sl_tz_offset_for_local("Europe/Paris", 12, jan, &west, &err), SL_OK);
    ck_assert_int_eq(west, -3600);
    ck_assert_int_eq(sl_tz_offset_for_local("europe/paris", 12, jul, &west, &err), SL_OK);
    ck_assert_int_eq(west, -7200);
    ck_assert_int_eq(sl_tz_offset_for_local("5", 1, jan, &west, &err), SL_ERR);
    ck_assert_str_eq(err.sqlstate, "22023");
    sl_error_clear(&err);
    ck_assert_int_eq(sl_tz_offset_for_local("+16", 3, jan, &west, &err), SL_ERR);
    ck_assert_str_eq(err.message, "numeric time zone \"+16\" out of range");
    sl_error_clear(&err);
    ck_assert_int_eq(sl_tz_offset_for_local("Mars/Base", 9, jan, &west, &err), SL_ERR);
    ck_assert_str_eq(err.message, "time zone \"Mars/Base\" not recognized");
    const sl_tz_t *z = sl_tz_find("EST5EDT");
    ck_assert_ptr_nonnull(z);
    ck_assert(!sl_tz_is_fixed(z));
    ck_assert(sl_tz_is_fixed(sl_tz_find("Etc/GMT+3")));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("datetime");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_date);
    tcase_add_test(tc, test_time);
    tcase_add_test(tc, test_uuid);
    tcase_add_test(tc, test_timestamps);
    tcase_add_test(tc, test_fast_path);
    tcase_add_test(tc, test_zone_offsets);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
