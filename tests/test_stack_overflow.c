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

/* EDDY_STACK_GUARDS caps the guarded stacks (src/task/stack.h): these
 * tests need only a handful of tasks to reach unguarded ones. Each runs in
 * a fresh child, where eddy reads it first. */
#define GUARDED 64
#define GUARDED_TEXT "64"

/* The lowest usable address of the pooled stack the caller runs on, from
 * a local near its top: a pooled stack ends at a page boundary, and the
 * frames above such a local are smaller than a page. */
static char *stack_lo(const void *near_top)
{
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t end = ((uintptr_t)near_top + page - 1) / page * page;
    return (char *)(end - ed_stack_size(0));
}

/* What an overflow of the stack at lo reaches once it is through the
 * untouched page under the stack: the top bytes of the stack below, where
 * this stack's canary lies. */
static void overwrite_below(char *lo)
{
    volatile char *gap = (volatile char *)(lo - sysconf(_SC_PAGESIZE));
    for (int i = 1; i <= 64; i++)
        gap[-i] = 0x5a;
}

static volatile uintptr_t unmapped = 8; /* a volatile, so no compiler sees a null write */

enum caught_at { AT_SWITCH, AT_FAULT };

struct dive {
    const char *name;
    enum caught_at at;
};

static int canary_task(void *arg, void **result)
{
    struct dive *d = arg;
    (void)result;
    ed_set_name(d->name);
    char here = 0;
    overwrite_below(stack_lo(&here));
    if (d->at == AT_FAULT)
        *(volatile int *)unmapped = 1; /* a crash before any switch */
    return ed_yield();                 /* the switch checks the canary */
}

static int parked_task(void *arg, void **result)
{
    (void)result;
    return ed_await(arg, NULL);
}

static void overflow_unguarded(void *arg)
{
    if (setenv("EDDY_STACK_GUARDS", GUARDED_TEXT, 1) != 0)
        _exit(125);
    ed_stack_size(16 * 1024);
    ed_deferred *never_settled = ed_deferred_new();
    ed_future *gate = ed_deferred_future(never_settled);
    for (long i = 0; i < GUARDED + 100; i++) /* later stacks are unguarded */
        if (ed_go(parked_task, gate) != 0)
            _exit(123);
    if (ed_go(canary_task, arg) != 0)
        _exit(124);
    ed_run();
}

/* Runs the diver in a child past the guard budget: it must die naming
 * itself, caught by its canary. */
static void expect_caught_by_canary(const char *name, enum caught_at at)
{
    char out[8192];
    struct dive d = {name, at};
    int status = run_child(overflow_unguarded, &d, out, sizeof out);
    expect_abort_naming(status, out, name);
    ck_assert_msg(strstr(out, "canary") != NULL, "not caught by the canary: %s", out);
}

/* Past the guard budget a stack has a canary instead of a guard page,
 * kept in the top bytes of the stack below it; an overflow that reaches
 * it is caught at the next switch and named. */
START_TEST(test_overflow_unguarded_stack_aborts_with_name)
{
    expect_caught_by_canary("canary-diver", AT_SWITCH);
    ED_TEST_END();
}
END_TEST

/* The same overflow ending in a crash before any switch: the SIGSEGV
 * handler finds the broken canary and names the task. */
START_TEST(test_overflow_unguarded_then_fault_aborts_with_name)
{
    expect_caught_by_canary("faulting-diver", AT_FAULT);
    ED_TEST_END();
}
END_TEST

static int sleeper_task(void *arg, void **result)
{
    (void)arg;
    (void)result;
    return ed_sleep(0.05);
}

static int overflowing_callback(ed_id id, void *data)
{
    (void)id;
    (void)data;
    char here = 0;
    char *lo = stack_lo(&here);
    overwrite_below(lo);
    /* The loop's stack may be the first of its slab, whose canary is its
     * own lowest word. */
    memset(lo, 0x5a, 64);
    return 0;
}

static void overflow_loop_stack(void *arg)
{
    (void)arg;
    if (setenv("EDDY_STACK_GUARDS", "0", 1) != 0)
        _exit(125);
    ed_stack_size(16 * 1024);
    if (ed_go(sleeper_task, NULL) != 0 || ed_delay(0, overflowing_callback, NULL) == 0)
        _exit(124);
    ed_run(); /* the loop runs on a stack of its own while main waits */
}

/* A callback overflowing the loop's unguarded stack is caught when the
 * loop next switches to a task. */
START_TEST(test_overflow_unguarded_loop_stack_aborts)
{
    char out[8192];
    int status = run_child(overflow_loop_stack, NULL, out, sizeof out);
    expect_abort_naming(status, out, "event loop callback");
    ck_assert_msg(strstr(out, "canary") != NULL, "not caught by the canary: %s", out);
    ED_TEST_END();
}
END_TEST

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
    tcase_add_test(tc, test_overflow_unguarded_stack_aborts_with_name);
    tcase_add_test(tc, test_overflow_unguarded_then_fault_aborts_with_name);
    tcase_add_test(tc, test_overflow_unguarded_loop_stack_aborts);
#else
    tcase_add_test(tc, test_overflow_skipped_under_asan);
#endif
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(stack_overflow_suite)
