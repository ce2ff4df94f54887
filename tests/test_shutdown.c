/* ed_cancel_on_signals: SIGINT or SIGTERM cancels a task, which unwinds
 * and lets the program end normally; a second signal gets the previous
 * handling back. Tests that send signals run in a forked child, which
 * reports through its exit status. */
#include "support.h"

#include <eddy/util.h>
#include <sys/wait.h>

/* ---- helpers ------------------------------------------------------------ */

/* In a forked child Check's assertions cannot report: a failed check ends
 * the child with the line number as its exit status. */
#define CHILD_CHECK(expr)                                                        \
    do {                                                                         \
        if (!(expr)) {                                                           \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #expr); \
            _exit(__LINE__ % 250 + 2);                                           \
        }                                                                        \
    } while (0)

/* Check's runner handles SIGINT and SIGTERM, and the process running a
 * test inherits that: each test starts from the defaults a program has. */
static void default_dispositions(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}

/* Runs fn in a child; returns its wait status. `ready` is the read end of a
 * pipe the child may write to before fn's signal is due (-1: unused). */
static int run_child(void (*fn)(int ready_fd), int *ready)
{
    int p[2];
    ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
    fflush(NULL);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(p[0]);
        default_dispositions();
        fn(p[1]);
        exit(0); /* exit, not _exit: LeakSanitizer checks the child at exit */
    }
    close(p[1]);
    if (ready) {
        *ready = p[0];
        return pid;
    }
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    close(p[0]);
    return status;
}

static void assert_exited_cleanly(int status)
{
    ck_assert_msg(WIFEXITED(status), "the child was killed by signal %d",
                  WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    ck_assert_msg(WEXITSTATUS(status) == 0, "the child failed a check (status %d)",
                  WEXITSTATUS(status));
}

/* A long wait that unwinds on cancellation: records what its wait returned
 * and that its cleanup ran. */
static int g_seen = 1;
static bool g_cleaned;

static int sleeper(void *arg, void **result)
{
    (void)arg;
    (void)result;
    g_seen = ed_sleep(3600);
    g_cleaned = true; /* the cleanup: closing, flushing, saving */
    return g_seen;
}

static int raise_cb(ed_id id, void *data)
{
    (void)id;
    CHILD_CHECK(raise(N(data)) == 0);
    return 0;
}

/* ---- the signal cancels the task ---------------------------------------- */

/* raise(SIGTERM) from a timer: the task sees -ECANCELED, cleans up, and
 * the program ends normally. */
static void sigterm_child(int ready)
{
    (void)ready;
    ed_future *f = ed_async(sleeper, NULL);
    CHILD_CHECK(ed_cancel_on_signals(f) == 0);
    CHILD_CHECK(ed_delay(0.01, raise_cb, P(SIGTERM)) != 0);
    CHILD_CHECK(ed_await(f, NULL) == -ECANCELED);
    CHILD_CHECK(g_seen == -ECANCELED && g_cleaned);
    ed_future_release(f);
    CHILD_CHECK(ed_run() == 0); /* nothing left to keep it going */
    CHILD_CHECK(ed_shutdown() == 0);
}

START_TEST(test_sigterm_cancels_task_and_program_ends_normally)
{
    assert_exited_cleanly(run_child(sigterm_child, NULL));
}
END_TEST

/* SIGINT sent by another process, as Ctrl-C would: the same. The child
 * says it is ready from a callback, once its watchers are active. */
static int say_ready(ed_id id, void *data)
{
    (void)id;
    char c = 'r';
    CHILD_CHECK(write(N(data), &c, 1) == 1);
    return 0;
}

static void sigint_child(int ready)
{
    ed_future *f = ed_async(sleeper, NULL);
    CHILD_CHECK(ed_cancel_on_signals(f) == 0);
    CHILD_CHECK(ed_defer(say_ready, P(ready)) != 0);
    CHILD_CHECK(ed_await(f, NULL) == -ECANCELED);
    CHILD_CHECK(g_cleaned);
    ed_future_release(f);
    CHILD_CHECK(ed_shutdown() == 0);
}

START_TEST(test_sigint_from_another_process)
{
    int ready;
    pid_t pid = run_child(sigint_child, &ready);
    char c;
    ck_assert_int_eq(read(ready, &c, 1), 1);
    close(ready);
    ck_assert_int_eq(kill(pid, SIGINT), 0);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    assert_exited_cleanly(status);
}
END_TEST

/* The seed's loop(fn) with the helper on its own task (ed_self). */
static int main_body(void *arg, void **result)
{
    (void)arg;
    (void)result;
    CHILD_CHECK(ed_cancel_on_signals(ed_self()) == 0);
    CHILD_CHECK(ed_delay(0.01, raise_cb, P(SIGINT)) != 0);
    return ed_sleep(3600);
}

static void ed_main_child(int ready)
{
    (void)ready;
    CHILD_CHECK(ed_main(main_body, NULL, NULL) == -ECANCELED);
    CHILD_CHECK(ed_shutdown() == 0);
}

START_TEST(test_with_ed_main_and_ed_self)
{
    assert_exited_cleanly(run_child(ed_main_child, NULL));
}
END_TEST

/* Both signals at once: one cancellation, no harm. */
static int raise_both(ed_id id, void *data)
{
    (void)id;
    (void)data;
    CHILD_CHECK(raise(SIGINT) == 0);
    CHILD_CHECK(raise(SIGTERM) == 0);
    return 0;
}

static void both_child(int ready)
{
    (void)ready;
    /* Keep the default dispositions from killing the child if a second
     * signal slipped past the helper: this test is about the first. */
    signal(SIGINT, SIG_IGN);
    signal(SIGTERM, SIG_IGN);
    ed_future *f = ed_async(sleeper, NULL);
    CHILD_CHECK(ed_cancel_on_signals(f) == 0);
    CHILD_CHECK(ed_delay(0.01, raise_both, NULL) != 0);
    CHILD_CHECK(ed_await(f, NULL) == -ECANCELED);
    ed_future_release(f);
    ed_info info;
    CHILD_CHECK(ed_get_info(&info) == 0);
    CHILD_CHECK(info.enabled[ED_WATCHER_SIGNAL] == 0); /* the helper is gone */
    CHILD_CHECK(ed_shutdown() == 0);
}

START_TEST(test_both_signals_together)
{
    assert_exited_cleanly(run_child(both_child, NULL));
}
END_TEST

/* ---- the second signal ---------------------------------------------------- */

/* After the first signal the helper is gone and the default is back: a
 * second Ctrl-C kills a program whose cleanup would hang. */
static void second_child(int ready)
{
    ed_future *f = ed_async(sleeper, NULL);
    CHILD_CHECK(ed_cancel_on_signals(f) == 0);
    CHILD_CHECK(ed_delay(0.01, raise_cb, P(SIGINT)) != 0);
    CHILD_CHECK(ed_await(f, NULL) == -ECANCELED);
    ed_future_release(f);
    char c = 'c';
    CHILD_CHECK(write(ready, &c, 1) == 1); /* the first one was graceful */
    raise(SIGINT);
    CHILD_CHECK(!"the second SIGINT did not end the process");
}

START_TEST(test_second_signal_gets_default_back)
{
    int ready;
    pid_t pid = run_child(second_child, &ready);
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    char c;
    ck_assert_int_eq(read(ready, &c, 1), 1);
    close(ready);
    ck_assert_msg(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT,
                  "status %d: not killed by the second SIGINT", status);
}
END_TEST

/* A handler the program had before comes back too. */
static volatile sig_atomic_t own_calls;

static void own_handler(int signo)
{
    (void)signo;
    own_calls++;
}

static void own_handler_child(int ready)
{
    (void)ready;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = own_handler;
    sigemptyset(&sa.sa_mask);
    CHILD_CHECK(sigaction(SIGTERM, &sa, NULL) == 0);
    ed_future *f = ed_async(sleeper, NULL);
    CHILD_CHECK(ed_cancel_on_signals(f) == 0);
    CHILD_CHECK(ed_delay(0.01, raise_cb, P(SIGTERM)) != 0);
    CHILD_CHECK(ed_await(f, NULL) == -ECANCELED);
    CHILD_CHECK(own_calls == 0); /* the first one was the helper's */
    ed_future_release(f);
    struct sigaction now;
    CHILD_CHECK(sigaction(SIGTERM, NULL, &now) == 0);
    CHILD_CHECK(now.sa_handler == own_handler);
    CHILD_CHECK(raise(SIGTERM) == 0);
    CHILD_CHECK(own_calls == 1);
    CHILD_CHECK(ed_shutdown() == 0);
}

START_TEST(test_previous_handler_restored_after_first_signal)
{
    assert_exited_cleanly(run_child(own_handler_child, NULL));
}
END_TEST

/* ---- installing and removing ---------------------------------------------- */

/* The watchers are unreferenced: with only them (and a parked task) left,
 * ed_run() returns at once. */
static int parked(void *arg, void **result)
{
    (void)arg;
    (void)result;
    return ed_suspend(ed_suspension_get(), NULL);
}

START_TEST(test_watchers_do_not_keep_the_loop_alive)
{
    default_dispositions();
    ed_future *f = ed_async(parked, NULL);
    ck_assert_int_eq(ed_cancel_on_signals(f), 0);
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_SIGNAL], 2);
    ck_assert_uint_eq(info.referenced, 0);
    ck_assert_uint_eq(info.unreferenced, 2);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert(!ed_future_done(f));
    ed_cancel_on_signals_stop();
    ck_assert_int_eq(ed_cancel_future(f), 0);
    ck_assert_int_eq(ed_await(f, NULL), -ECANCELED);
    ed_future_release(f);
    ED_TEST_END();
}
END_TEST

/* Stopping removes the watchers (the default disposition is back) and the
 * helper's reference; stopping again, or with nothing installed, is
 * harmless. */
START_TEST(test_stop_removes_everything)
{
    default_dispositions();
    ed_cancel_on_signals_stop(); /* nothing installed, no loop yet */
    ed_future *f = ed_async(parked, NULL);
    ck_assert_int_eq(ed_cancel_on_signals(f), 0);
    ck_assert_int_ge(ed_run_once(false), 0); /* its watchers are active now */
    struct sigaction sa;
    ck_assert_int_eq(sigaction(SIGINT, NULL, &sa), 0);
    ck_assert_ptr_ne((void *)sa.sa_handler, (void *)SIG_DFL);
    ed_cancel_on_signals_stop();
    ed_cancel_on_signals_stop();
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_SIGNAL], 0);
    ck_assert_uint_eq(info.disabled[ED_WATCHER_SIGNAL], 0);
    ck_assert_int_eq(sigaction(SIGINT, NULL, &sa), 0);
    ck_assert_ptr_eq((void *)sa.sa_handler, (void *)SIG_DFL);
    ck_assert_int_eq(sigaction(SIGTERM, NULL, &sa), 0);
    ck_assert_ptr_eq((void *)sa.sa_handler, (void *)SIG_DFL);
    ck_assert_int_eq(ed_cancel_future(f), 0);
    ck_assert_int_eq(ed_await(f, NULL), -ECANCELED);
    ed_future_release(f);
    ED_TEST_END();
}
END_TEST

/* The loop freed with the helper installed and the task still parked:
 * the helper's reference goes with it (LeakSanitizer would tell). */
START_TEST(test_loop_freed_with_helper_installed)
{
    default_dispositions();
    ed_future *f = ed_async(parked, NULL);
    ck_assert_int_eq(ed_cancel_on_signals(f), 0);
    ED_TEST_END();
    ck_assert(ed_future_done(f));
    ed_future_release(f);
}
END_TEST

/* A second call replaces the first: still two watchers, and a signal
 * cancels only the newer task. */
static void replace_child(int ready)
{
    (void)ready;
    ed_future *old = ed_async(parked, NULL);
    ed_future *f = ed_async(sleeper, NULL);
    CHILD_CHECK(ed_cancel_on_signals(old) == 0);
    CHILD_CHECK(ed_cancel_on_signals(f) == 0);
    ed_info info;
    CHILD_CHECK(ed_get_info(&info) == 0);
    CHILD_CHECK(info.enabled[ED_WATCHER_SIGNAL] == 2);
    CHILD_CHECK(ed_delay(0.01, raise_cb, P(SIGTERM)) != 0);
    CHILD_CHECK(ed_await(f, NULL) == -ECANCELED);
    CHILD_CHECK(!ed_future_done(old));
    CHILD_CHECK(ed_cancel_future(old) == 0);
    CHILD_CHECK(ed_await(old, NULL) == -ECANCELED);
    ed_future_release(old);
    ed_future_release(f);
    CHILD_CHECK(ed_shutdown() == 0);
}

START_TEST(test_second_call_replaces_the_first)
{
    assert_exited_cleanly(run_child(replace_child, NULL));
}
END_TEST

/* Bad input: NULL, a future that is not a task, a finished task. */
static int quick(void *arg, void **result)
{
    (void)arg;
    (void)result;
    return 0;
}

START_TEST(test_bad_input)
{
    default_dispositions();
    ck_assert_int_eq(ed_cancel_on_signals(NULL), -EINVAL);
    ed_deferred *d = ed_deferred_new();
    ed_future *df = ed_deferred_future(d);
    ck_assert_int_eq(ed_cancel_on_signals(df), -EINVAL);
    ed_future_release(df);
    ed_deferred_free(d);
    ed_future *done = ed_async(quick, NULL);
    ck_assert(ed_future_done(done));
    ck_assert_int_eq(ed_cancel_on_signals(done), -EALREADY);
    ed_future_release(done);
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_SIGNAL], 0);
    ED_TEST_END();
}
END_TEST

static Suite *shutdown_suite(void)
{
    Suite *s = suite_create("shutdown");
    TCase *tc = tcase_create("shutdown");
    tcase_add_test(tc, test_sigterm_cancels_task_and_program_ends_normally);
    tcase_add_test(tc, test_sigint_from_another_process);
    tcase_add_test(tc, test_with_ed_main_and_ed_self);
    tcase_add_test(tc, test_both_signals_together);
    tcase_add_test(tc, test_second_signal_gets_default_back);
    tcase_add_test(tc, test_previous_handler_restored_after_first_signal);
    tcase_add_test(tc, test_watchers_do_not_keep_the_loop_alive);
    tcase_add_test(tc, test_stop_removes_everything);
    tcase_add_test(tc, test_loop_freed_with_helper_installed);
    tcase_add_test(tc, test_second_call_replaces_the_first);
    tcase_add_test(tc, test_bad_input);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(shutdown_suite)
