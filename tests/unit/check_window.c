/*
 * check_window.c: window arithmetic (plan/window.c): durations as
 * PostgreSQL's interval input reads them, tumble and hop starts and ends
 * (negative times, origins, the edges of a window), the first window to
 * close.
 */
#include <check.h>
#include "ck_run.h"
#include <string.h>

#include "plan/window.h"

#define SEC INT64_C(1000000)
#define MIN (60 * SEC)

static int64_t dur(const char *s)
{
    int64_t us = -1;
    sl_error_t err;
    sl_error_clear(&err);
    ck_assert_msg(sl_window_duration(s, strlen(s), &us, &err) == SL_OK, "%s: %s", s, err.message);
    return us;
}

static const char *dur_err(const char *s)
{
    static char state[6];
    int64_t us;
    sl_error_t err;
    sl_error_clear(&err);
    ck_assert_int_eq(sl_window_duration(s, strlen(s), &us, &err), SL_ERR);
    memcpy(state, err.sqlstate, 6);
    return state;
}

START_TEST(test_duration)
{
    ck_assert_int_eq(dur("1 minute"), MIN);
    ck_assert_int_eq(dur("10 seconds"), 10 * SEC);
    ck_assert_int_eq(dur("10"), 10 * SEC);
    ck_assert_int_eq(dur("1 hour 30 minutes"), 90 * MIN);
    ck_assert_int_eq(dur("1.5 hours"), 90 * MIN);
    ck_assert_int_eq(dur("  2 DAYS "), 2 * 86400 * SEC);
    ck_assert_int_eq(dur("1 week"), 7 * 86400 * SEC);
    ck_assert_int_eq(dur("250 ms"), 250000);
    ck_assert_int_eq(dur("00:01:30"), 90 * SEC);
    ck_assert_int_eq(dur("01:02"), 62 * MIN);
    ck_assert_int_eq(dur("0:0:0.5"), 500000);
    ck_assert_int_eq(dur("@ 3 min"), 3 * MIN);
    ck_assert_int_eq(dur("1 min ago"), -MIN);
    ck_assert_int_eq(dur("-5 s"), -5 * SEC);
    ck_assert_str_eq(dur_err("1 month"), "22023");
    ck_assert_str_eq(dur_err("2 years"), "22023");
    ck_assert_str_eq(dur_err(""), "22007");
    ck_assert_str_eq(dur_err("minute"), "22007");
    ck_assert_str_eq(dur_err("1 fortnight"), "22007");
    ck_assert_str_eq(dur_err("99999999999999 hours"), "22015");
}
END_TEST

START_TEST(test_tumble)
{
    sl_window_t w = {SL_WIN_TUMBLE, MIN, MIN, SL_UNIX_EPOCH_US, 1};
    /* 2000-01-01 00:00:00 is a minute boundary of the Unix epoch's grid */
    ck_assert_int_eq(sl_window_start(&w, 0), 0);
    ck_assert_int_eq(sl_window_start(&w, 59 * SEC), 0);
    ck_assert_int_eq(sl_window_start(&w, 60 * SEC), MIN);
    ck_assert_int_eq(sl_window_start(&w, -1), -MIN);
    ck_assert_int_eq(sl_window_end(&w, 0), MIN);
    ck_assert_int_eq(sl_window_first_end(&w, 30 * SEC), MIN);
    /* the epoch itself, before 2000 */
    ck_assert_int_eq(sl_window_start(&w, SL_UNIX_EPOCH_US + 61 * SEC), SL_UNIX_EPOCH_US + MIN);
    /* 7-minute windows from the epoch: 2000-01-01 is not on their grid */
    sl_window_t w7 = {SL_WIN_TUMBLE, 7 * MIN, 7 * MIN, SL_UNIX_EPOCH_US, 1};
    int64_t s = sl_window_start(&w7, 0);
    ck_assert((0 - s) < 7 * MIN && s <= 0);
    ck_assert_int_eq((s - SL_UNIX_EPOCH_US) % (7 * MIN), 0);
    /* an origin */
    sl_window_t wo = {SL_WIN_TUMBLE, 10 * SEC, 10 * SEC, 3 * SEC, 1};
    ck_assert_int_eq(sl_window_start(&wo, 12 * SEC), 3 * SEC);
    ck_assert_int_eq(sl_window_start(&wo, 13 * SEC), 13 * SEC);
    ck_assert_int_eq(sl_window_start(&wo, 2 * SEC), -7 * SEC);
    /* the ends of the range saturate, never wrap */
    ck_assert_int_eq(sl_window_end(&w, INT64_MAX - 5), INT64_MAX);
    ck_assert(sl_window_start(&w, INT64_MIN + 2) <= INT64_MIN + 2 + MIN);
}
END_TEST

START_TEST(test_hop)
{
    sl_window_t w = {SL_WIN_HOP, 10 * SEC, 5 * SEC, SL_UNIX_EPOCH_US, 2};
    /* ts = 12 s: windows [5, 15) and [10, 20) */
    ck_assert_int_eq(sl_window_start(&w, 12 * SEC), 10 * SEC);
    ck_assert_int_eq(sl_window_first_end(&w, 12 * SEC), 15 * SEC);
    ck_assert_int_eq(sl_window_end(&w, 10 * SEC), 20 * SEC);
    /* on a boundary: [0, 10) ends there, so 10 s is in [5, 15), [10, 20) */
    ck_assert_int_eq(sl_window_start(&w, 10 * SEC), 10 * SEC);
    ck_assert_int_eq(sl_window_first_end(&w, 10 * SEC), 15 * SEC);
    ck_assert_int_eq(sl_window_first_end(&w, -1), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("window");
    TCase *tc = tcase_create("window");
    tcase_add_test(tc, test_duration);
    tcase_add_test(tc, test_tumble);
    tcase_add_test(tc, test_hop);
    suite_add_tcase(s, tc);
    return sl_ck_run(s);
}
