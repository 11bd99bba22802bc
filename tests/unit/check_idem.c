/* check_idem.c: the idempotency key table (src/sink/idem.c). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sink/idem.h"

START_TEST(test_lifecycle)
{
    sl_idem_t *t = sl_idem_new();
    ck_assert_ptr_null(sl_idem_find(t, "a"));
    sl_idem_add_pending(t, "a", "s", 3);
    sl_idem_add_pending(t, "b\"q", "s", 4);
    sl_idem_entry_t *e = sl_idem_find(t, "a");
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->state, SL_IDEM_PENDING);
    ck_assert(sl_idem_busy(t));

    /* a flush takes both; it fails transiently: they wait again */
    ck_assert_int_eq(sl_idem_take_waiting(t), 2);
    sl_buf_t k = SL_BUF_INIT, s = SL_BUF_INIT, n = SL_BUF_INIT;
    sl_idem_inflight_arrays(t, &k, &s, &n);
    ck_assert(strstr(sl_buf_cstr(&k), "\"b\\\"q\"") != NULL);
    ck_assert(strstr(sl_buf_cstr(&n), "3") && strstr(sl_buf_cstr(&n), "4"));
    sl_buf_free(&k);
    sl_buf_free(&s);
    sl_buf_free(&n);
    sl_idem_restore(t);
    /* a new key joins; the next flush takes all three and commits */
    sl_idem_add_pending(t, "c", "s", 1);
    ck_assert_int_eq(sl_idem_take_waiting(t), 3);
    sl_idem_committed(t);
    ck_assert(!sl_idem_busy(t));
    ck_assert_int_eq(sl_idem_find(t, "c")->state, SL_IDEM_COMMITTED);
    ck_assert_int_eq(sl_idem_find(t, "b\"q")->accepted, 4);

    /* a rejected flush forgets its keys; dropped waiting requests too */
    sl_idem_add_pending(t, "d", "s", 1);
    ck_assert_int_eq(sl_idem_take_waiting(t), 1);
    sl_idem_forget_inflight(t);
    ck_assert_ptr_null(sl_idem_find(t, "d"));
    sl_idem_add_pending(t, "e", "s", 1);
    sl_idem_forget_waiting(t);
    ck_assert_ptr_null(sl_idem_find(t, "e"));
    ck_assert_int_eq(sl_idem_count(t), 3);
    sl_idem_free(t);
}
END_TEST

START_TEST(test_expiry_and_growth)
{
    sl_idem_t *t = sl_idem_new();
    time_t now = time(NULL);
    /* loaded oldest first: an expired key is not found and is dropped */
    sl_idem_add_committed(t, "old", "s", 1, now - SL_IDEM_TTL_SECONDS - 10);
    sl_idem_add_committed(t, "young", "s", 2, now - 10);
    ck_assert_ptr_null(sl_idem_find(t, "old"));
    ck_assert_ptr_nonnull(sl_idem_find(t, "young"));
    ck_assert_int_eq(sl_idem_count(t), 1);
    /* many keys: the table grows and finds them all */
    char key[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(key, sizeof(key), "k%d", i);
        sl_idem_add_committed(t, key, "s", i, now);
    }
    for (int i = 0; i < 20000; i += 997) {
        snprintf(key, sizeof(key), "k%d", i);
        ck_assert_int_eq(sl_idem_find(t, key)->accepted, i);
    }
    ck_assert_int_eq(sl_idem_count(t), 20001);
    sl_idem_free(t);
}
END_TEST

START_TEST(test_key_valid)
{
    sl_error_t err;
    sl_error_clear(&err);
    ck_assert(sl_idem_key_valid("order-42/retry", &err));
    ck_assert(!sl_idem_key_valid("", &err));
    sl_error_clear(&err);
    ck_assert(!sl_idem_key_valid("tab\there", &err));
    ck_assert_str_eq(err.message, "Idempotency-Key must be printable ASCII");
    char big[300];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    sl_error_clear(&err);
    ck_assert(!sl_idem_key_valid(big, &err));
}
END_TEST

static Suite *idem_suite(void)
{
    Suite *s = suite_create("idem");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_lifecycle);
    tcase_add_test(tc, test_expiry_and_growth);
    tcase_add_test(tc, test_key_valid);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(idem_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
