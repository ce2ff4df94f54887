/* Shared by every test suite: Check runs each test in its own forked process,
 * so every test starts with a fresh loop; each test still ends with
 * ed_shutdown() so that LeakSanitizer can prove nothing was left behind. */
#ifndef EDDY_TEST_SUPPORT_H
#define EDDY_TEST_SUPPORT_H

#include <check.h>
#include <eddy.h>
#include <errno.h>
#include <stdlib.h>

/* Defines main() for a suite built by `make_suite`. */
#define ED_TEST_MAIN(make_suite)                                  \
    int main(void)                                                \
    {                                                             \
        SRunner *runner = srunner_create(make_suite());           \
        srunner_run_all(runner, CK_NORMAL);                       \
        int failed = srunner_ntests_failed(runner);               \
        srunner_free(runner);                                     \
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;         \
    }

/* Asserts that the loop has no live watcher and frees it. */
#define ED_TEST_END()                                             \
    do {                                                          \
        ck_assert_int_eq(ed_shutdown(), 0);                       \
    } while (0)

#endif
