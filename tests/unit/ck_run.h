/* tests/unit/ck_run.h: runs a Check suite; returns the test program's exit
 * status (failure when a test failed). */
#ifndef SL_CK_RUN_H
#define SL_CK_RUN_H

#include <check.h>
#include <stdlib.h>

static inline int sl_ck_run(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
