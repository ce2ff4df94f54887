/* A task that overflows its stack must end the process with a message that
 * names it, never corrupt memory silently (src/task/overflow.c; api.md §2
 * ed_stack_size, ed_set_name). The overflow runs in a child process whose
 * stderr comes back through a pipe.
 *
 * Under AddressSanitizer the suite passes trivially: ASan takes the SIGSEGV
 * and reports the overflow itself. */
#include "support.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ED_TEST_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define ED_TEST_ASAN 1
#endif

#ifndef ED_TEST_ASAN

/* Each frame is well under a page, so one of its writes always lands in the
 * guard page rather than jumping over it. The volatile array and the use of
 * the result after the call keep the compiler from making a loop of it. */
static volatile int never; /* an exit the compiler cannot rule out */

static int recurse(int depth)
{
    volatile char frame[512];
    if (never)
        return 0;
    for (size_t i = 0; i < sizeof frame; i++)
        frame[i] = (char)(depth + (int)i);
    return recurse(depth + 1) + frame[depth % (int)sizeof frame];
}

static int overflow_task(void *arg, void **result)
{
    (void)result;
    ed_set_name(arg);
    if (ed_yield() != 0) /* overflow after a suspension, from the loop */
        return -EIO;
    return recurse(0);
}

/* Runs body(arg) in a child with stderr on a pipe; returns the child's wait
 * status and its stderr in buf. */
static int run_child(void (*body)(void *), void *arg, char *buf, size_t size)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        if (dup2(fds[1], STDERR_FILENO) < 0)
            _exit(120);
        close(fds[1]);
        body(arg);
        _exit(121); /* not reached: the child must die */
    }
    close(fds[1]);
    size_t len = 0;
    for (;;) {
        if (len + 1 >= size)
            break;
        ssize_t n = read(fds[0], buf + len, size - 1 - len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = 0;
    close(fds[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        ck_assert_int_eq(errno, EINTR);
    return status;
}

static void expect_abort_naming(int status, const char *out, const char *name)
{
    ck_assert_msg(WIFSIGNALED(status), "child was not killed by a signal (status %#x): %s",
                  status, out);
    ck_assert_msg(WTERMSIG(status) == SIGABRT, "child died by signal %d, not SIGABRT: %s",
                  WTERMSIG(status), out);
    ck_assert_msg(strstr(out, "stack overflow") != NULL, "no \"stack overflow\" in: %s", out);
    ck_assert_msg(strstr(out, name) != NULL, "task name \"%s\" not in: %s", name, out);
}

static void overflow_in_go(void *arg)
{
    ed_stack_size(64 * 1024);
    if (ed_go(overflow_task, arg) != 0)
        _exit(122);
    ed_run();
}

/* A forgotten task overflowing its 64 KiB stack, resumed from the loop. */
START_TEST(test_overflow_in_task_aborts_with_name)
{
    char out[4096];
    int status = run_child(overflow_in_go, "deep-diver", out, sizeof out);
    expect_abort_naming(status, out, "deep-diver");
    ED_TEST_END();
}
END_TEST

static void overflow_in_main(void *arg)
{
    ed_stack_size(64 * 1024);
    ed_main(overflow_task, arg, NULL);
}

/* The same under ed_main, and with the default stack size. */
START_TEST(test_overflow_in_main_task_aborts_with_name)
{
    char out[4096];
    int status = run_child(overflow_in_main, "main-diver", out, sizeof out);
    expect_abort_naming(status, out, "main-diver");
    ED_TEST_END();
}
END_TEST

static void overflow_default_stack(void *arg)
{
    ed_main(overflow_task, arg, NULL);
}

START_TEST(test_overflow_default_stack_aborts_with_name)
{
    char out[4096];
    int status = run_child(overflow_default_stack, "default-diver", out, sizeof out);
    expect_abort_naming(status, out, "default-diver");
    ED_TEST_END();
}
END_TEST

/* ---- unguarded stacks: past the mapping budget ------------------------ */

/* Under ThreadSanitizer tens of thousands of fibers are too heavy. */
#if !defined(__SANITIZE_THREAD__)

#define SMALL_STACK (16 * 1024)

/* One array from near the top of the task's stack to past its canary,
 * written downwards, as an overflow grows: every word on the way is
 * overwritten (frames of a recursion have padding that is not). Then the
 * task suspends: the switch checks the canary. */
static __attribute__((noinline)) int sweep_then_yield(void)
{
    volatile char sweep[SMALL_STACK + 4096 + 64]; /* the stack, the page under it, more */
    for (size_t i = sizeof sweep; i-- > 0;)
        sweep[i] = 0x5a;
    return ed_yield() + sweep[7];
}

static int canary_task(void *arg, void **result)
{
    (void)result;
    ed_set_name(arg);
    return sweep_then_yield();
}

static int parked_task(void *arg, void **result)
{
    (void)result;
    return ed_await(arg, NULL);
}

static void overflow_unguarded(void *arg)
{
    ed_stack_size(SMALL_STACK);
    ed_deferred *never_settled = ed_deferred_new();
    ed_future *gate = ed_deferred_future(never_settled);
    long parked = guard_budget() + 100; /* spends the budget: later stacks are unguarded */
    for (long i = 0; i < parked; i++)
        if (ed_go(parked_task, gate) != 0)
            _exit(123);
    if (ed_go(canary_task, arg) != 0)
        _exit(124);
    ed_run();
}

/* Past vm.max_map_count's budget a stack has a canary instead of a guard
 * page, kept in the top bytes of the stack below it; an overflow that
 * reaches it is caught at the next switch and named. */
START_TEST(test_overflow_unguarded_stack_aborts_with_name)
{
    if (guard_budget() > 200000) {
        printf("skipped: vm.max_map_count is too large to spend its budget here\n");
        ED_TEST_END();
        return;
    }
    char out[8192];
    int status = run_child(overflow_unguarded, "canary-diver", out, sizeof out);
    expect_abort_naming(status, out, "canary-diver");
    ck_assert_msg(strstr(out, "canary") != NULL, "not caught by the canary: %s", out);
    ED_TEST_END();
}
END_TEST
#endif /* !__SANITIZE_THREAD__ */

#else /* ED_TEST_ASAN */

START_TEST(test_overflow_skipped_under_asan)
{
    ED_TEST_END();
}
END_TEST

#endif

static Suite *stack_overflow_suite(void)
{
    Suite *s = suite_create("stack_overflow");
    TCase *tc = tcase_create("stack_overflow");
    tcase_set_timeout(tc, 60);
#ifndef ED_TEST_ASAN
    tcase_add_test(tc, test_overflow_in_task_aborts_with_name);
    tcase_add_test(tc, test_overflow_in_main_task_aborts_with_name);
    tcase_add_test(tc, test_overflow_default_stack_aborts_with_name);
#if !defined(__SANITIZE_THREAD__)
    tcase_add_test(tc, test_overflow_unguarded_stack_aborts_with_name);
#endif
#else
    tcase_add_test(tc, test_overflow_skipped_under_asan);
#endif
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(stack_overflow_suite)
