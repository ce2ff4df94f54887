/* Every thread has its own loop (api.md: "everything is per thread"), freed
 * when the thread exits; a signal reaches every loop that watches it. Run
 * under ThreadSanitizer by `make test`. */
#include "support.h"

#include <errno.h>

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

#define THREADS 4

struct counter {
    int fired;
    int target;
};

static int count_and_stop(ed_id id, void *data)
{
    struct counter *c = data;
    if (++c->fired == c->target)
        ed_cancel(id);
    return 0;
}

static void *run_timers(void *arg)
{
    (void)arg;
    struct counter *c = calloc(1, sizeof *c);
    c->target = 20;
    struct counter *once = calloc(100, sizeof *once);
    ed_repeat(0.001, count_and_stop, c);
    for (int i = 0; i < 100; i++) {
        once[i].target = 1;
        ed_delay(0.001 * (i % 7), count_and_stop, &once[i]);
    }
    int rc = ed_run();
    int fired = c->fired;
    for (int i = 0; i < 100; i++)
        if (once[i].fired != 1)
            fired = -1000 - i;
    free(once);
    free(c);
    /* No ed_shutdown(): the loop must be freed by the thread's exit. */
    return (void *)(intptr_t)(rc == 0 ? fired : rc);
}

/* Each thread's loop is independent: timers in one never show in another. */
START_TEST(test_loops_are_per_thread)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, run_timers, NULL), 0);
    for (int i = 0; i < THREADS; i++) {
        void *res;
        pthread_join(t[i], &res);
        ck_assert_int_eq((int)(intptr_t)res, 20);
    }
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.referenced + info.unreferenced, 0);
    ED_TEST_END();
}
END_TEST

static atomic_int ready_threads;

static int got_signal(ed_id id, int signo, void *data)
{
    *(int *)data = signo;
    ed_cancel(id);
    return 0;
}

static void *wait_signal(void *arg)
{
    (void)arg;
    int seen = 0;
    ed_id sig = ed_on_signal(SIGUSR2, got_signal, &seen);
    /* The loop runs until the signal arrives; a slow repeat keeps it alive. */
    ed_id alive = ed_repeat(0.01, noop_cb, NULL);
    ed_unreference(alive);
    ck_assert_uint_ne(sig, 0);
    ed_run_once(false); /* activates the signal watcher */
    atomic_fetch_add(&ready_threads, 1);
    int rc = ed_run();
    ed_cancel(alive);
    ed_shutdown();
    return (void *)(intptr_t)(rc == 0 ? seen : rc);
}

/* A signal is delivered to the loop of every thread that watches it. */
START_TEST(test_signal_reaches_every_watching_loop)
{
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, wait_signal, NULL), 0);
    /* Blocked here only (threads inherit the mask at creation), so the
     * kernel delivers it to a worker; eddy's handler then wakes both loops. */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    while (atomic_load(&ready_threads) < 2)
        sched_yield();
    kill(getpid(), SIGUSR2);
    for (int i = 0; i < 2; i++) {
        void *res;
        pthread_join(t[i], &res);
        ck_assert_int_eq((int)(intptr_t)res, SIGUSR2);
    }
    ED_TEST_END();
}
END_TEST

/* A thread's tasks: a few workers handing values to each other through
 * futures and sleeping, all on this thread's own loop and scheduler. */
static int relay(void *arg, void **result)
{
    ed_future *prev = arg;
    void *v = NULL;
    if (prev && ed_await(prev, &v) < 0)
        return -EIO;
    if (ed_sleep(0.001) < 0)
        return -EIO;
    *result = (void *)((intptr_t)v + 1);
    return 0;
}

static void *run_tasks(void *arg)
{
    (void)arg;
    ed_future *chain[20];
    for (int i = 0; i < 20; i++)
        chain[i] = ed_async(relay, i ? chain[i - 1] : NULL);
    void *v = NULL;
    int rc = ed_await(chain[19], &v);
    for (int i = 0; i < 20; i++)
        ed_future_release(chain[i]);
    ed_shutdown();
    return (void *)(intptr_t)(rc == 0 ? (intptr_t)v : rc);
}

/* Tasks are per thread too: several threads each run their own tasks at
 * once (under ThreadSanitizer this checks the fiber annotations). */
START_TEST(test_tasks_per_thread)
{
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, run_tasks, NULL), 0);
    for (int i = 0; i < THREADS; i++) {
        void *res;
        pthread_join(t[i], &res);
        ck_assert_int_eq((int)(intptr_t)res, 20);
    }
    ED_TEST_END();
}
END_TEST

static Suite *threads_suite(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("threads");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_loops_are_per_thread);
    tcase_add_test(tc, test_signal_reaches_every_watching_loop);
    tcase_add_test(tc, test_tasks_per_thread);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(threads_suite)
