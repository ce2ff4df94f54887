/* Combinators, timeouts, call queues and task options: behaviour.md §3
 * (combinators), §4 (timeouts), §5.9 (call queues) and §8.10, §8.11
 * (eddy's decisions: input order everywhere, nothing cancelled by a
 * combinator, the lowest-index error when all fail, ed_first on an empty
 * list is -EINVAL and the others succeed at once). */
#include "support.h"

#include <errno.h>
#include <string.h>

/* A task that sleeps |n| units of 10 ms (n from its argument), logs n and
 * returns it; negative numbers fail with -EIO after sleeping as long. The
 * unit is wide enough that creating the tasks (slow under sanitizers)
 * never changes the order in which they wake. */
static int sleeper(void *arg, void **result)
{
    int n = N(arg);
    int units = n < 0 ? -n : n;
    int rc = ed_sleep(units * 0.01);
    if (rc < 0)
        return rc;
    log_add(n);
    if (n < 0)
        return ed_fail(-EIO, "sleeper %d fails", n);
    *result = arg;
    return 0;
}

static void start_all(ed_future **fs, const int *ms, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        fs[i] = ed_async(sleeper, P(ms[i]));
        ck_assert_ptr_ne(fs[i], NULL);
    }
}

static void release_all(ed_future **fs, size_t n)
{
    for (size_t i = 0; i < n; i++)
        ed_future_release(fs[i]);
}

/* §8.11: ed_all gives values in input order, whatever the completion order. */
START_TEST(test_all_values_in_input_order)
{
    ed_future *fs[3];
    start_all(fs, (int[]){30, 10, 20}, 3);
    void *v[3] = {0};
    ck_assert_int_eq(ed_all(fs, 3, v), 0);
    ck_assert_int_eq(N(v[0]), 30);
    ck_assert_int_eq(N(v[1]), 10);
    ck_assert_int_eq(N(v[2]), 20);
    log_expect((int[]){10, 20, 30}, 3);
    release_all(fs, 3);
    ED_TEST_END();
}
END_TEST

/* §3: all fails on the first failure by completion time, without waiting
 * for the rest and without cancelling them (§8.11). */
START_TEST(test_all_fails_on_first_error_by_time)
{
    ed_future *fs[3];
    start_all(fs, (int[]){50, -20, -10}, 3);
    ck_assert_int_eq(ed_all(fs, 3, NULL), -EIO);
    /* The -10 failed first; the 50 ms task was not cancelled. */
    log_expect((int[]){-10}, 1);
    ck_assert(!ed_future_done(fs[0]));
    void *v = NULL;
    ck_assert_int_eq(ed_await(fs[0], &v), 0);
    ck_assert_int_eq(N(v), 50);
    release_all(fs, 3);
    ED_TEST_END();
}
END_TEST

/* §8.11: an empty list succeeds at once for all, any and some. */
START_TEST(test_empty_lists)
{
    ck_assert_int_eq(ed_all(NULL, 0, NULL), 0);
    ck_assert_int_eq(ed_any(NULL, 0, NULL, NULL), 0);
    ck_assert_int_eq(ed_some(NULL, 0, NULL, NULL), 0);
    size_t index = 7;
    ck_assert_int_eq(ed_first(NULL, 0, &index, NULL), -EINVAL);
    ck_assert_uint_eq(index, 7);
    ED_TEST_END();
}
END_TEST

/* §3: any never fails; values and errors by input index, each input in
 * exactly one of them. */
START_TEST(test_any_never_fails)
{
    ed_future *fs[3];
    start_all(fs, (int[]){20, -10, -30}, 3);
    void *v[3];
    int errs[3];
    ck_assert_int_eq(ed_any(fs, 3, v, errs), 0);
    ck_assert_int_eq(errs[0], 0);
    ck_assert_int_eq(N(v[0]), 20);
    ck_assert_int_eq(errs[1], -EIO);
    ck_assert_ptr_eq(v[1], NULL);
    ck_assert_int_eq(errs[2], -EIO);
    /* It waited for every input. */
    for (int i = 0; i < 3; i++)
        ck_assert(ed_future_done(fs[i]));
    release_all(fs, 3);
    ED_TEST_END();
}
END_TEST

/* §3 (MadelineProto's some: n = 1): fails only if every input fails, then
 * with the lowest-index input's error (§6 clarifications). */
START_TEST(test_some_fails_only_if_all_fail)
{
    ed_future *fs[2];
    start_all(fs, (int[]){-20, 10}, 2);
    int errs[2];
    ck_assert_int_eq(ed_some(fs, 2, NULL, errs), 0);
    ck_assert_int_eq(errs[0], -EIO);
    ck_assert_int_eq(errs[1], 0);
    release_all(fs, 2);

    ed_deferred *d[2] = {ed_deferred_new(), ed_deferred_new()};
    ed_future *g[2] = {ed_deferred_future(d[0]), ed_deferred_future(d[1])};
    ck_assert_int_eq(ed_reject(d[0], -ENOENT, NULL), 0);
    ck_assert_int_eq(ed_reject(d[1], -EIO, NULL), 0);
    ck_assert_int_eq(ed_some(g, 2, NULL, NULL), -ENOENT);
    release_all(g, 2);
    ed_deferred_free(d[0]);
    ed_deferred_free(d[1]);
    ED_TEST_END();
}
END_TEST

/* §3: first gives the first success by time and its index; failures that
 * come earlier are skipped. */
START_TEST(test_first_success_skips_earlier_failures)
{
    ed_future *fs[3];
    start_all(fs, (int[]){40, -10, 20}, 3);
    size_t index = 9;
    void *v = NULL;
    ck_assert_int_eq(ed_first(fs, 3, &index, &v), 0);
    ck_assert_uint_eq(index, 2);
    ck_assert_int_eq(N(v), 20);
    /* The loser goes on (nothing is cancelled) and still settles. */
    ck_assert_int_eq(ed_await(fs[0], NULL), 0);
    release_all(fs, 3);
    ED_TEST_END();
}
END_TEST

/* §6 clarifications: when every input fails, first returns the error of
 * the lowest-index input, not the first by time. */
START_TEST(test_first_all_fail_lowest_index)
{
    ed_deferred *d[3] = {ed_deferred_new(), ed_deferred_new(), ed_deferred_new()};
    ed_future *g[3];
    for (int i = 0; i < 3; i++)
        g[i] = ed_deferred_future(d[i]);
    ck_assert_int_eq(ed_reject(d[2], -EPIPE, NULL), 0);
    ck_assert_int_eq(ed_reject(d[0], -ENOENT, NULL), 0);
    ck_assert_int_eq(ed_reject(d[1], -EIO, NULL), 0);
    ck_assert_int_eq(ed_first(g, 3, NULL, NULL), -ENOENT);
    release_all(g, 3);
    for (int i = 0; i < 3; i++)
        ed_deferred_free(d[i]);
    ED_TEST_END();
}
END_TEST

/* Already settled inputs are taken as they are, without suspending. */
START_TEST(test_settled_inputs)
{
    ed_deferred *d[2] = {ed_deferred_new(), ed_deferred_new()};
    ed_future *g[2] = {ed_deferred_future(d[0]), ed_deferred_future(d[1])};
    ck_assert_int_eq(ed_resolve(d[0], P(1)), 0);
    ck_assert_int_eq(ed_resolve(d[1], P(2)), 0);
    void *v[2];
    ck_assert_int_eq(ed_all(g, 2, v), 0);
    ck_assert_int_eq(N(v[0]) + N(v[1]), 3);
    size_t index;
    ck_assert_int_eq(ed_first(g, 2, &index, NULL), 0);
    ck_assert_uint_eq(index, 0);
    release_all(g, 2);
    ed_deferred_free(d[0]);
    ed_deferred_free(d[1]);
    ED_TEST_END();
}
END_TEST

/* Combinators count as observing their inputs' errors (behaviour.md §2.3):
 * releasing a failed input afterwards reports nothing. */
START_TEST(test_combinator_observes_errors)
{
    handler_install();
    ed_future *fs[2];
    start_all(fs, (int[]){-10, 20}, 2);
    ck_assert_int_eq(ed_any(fs, 2, NULL, NULL), 0);
    release_all(fs, 2);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(h_calls, 0);
    ED_TEST_END();
}
END_TEST

/* §4: timeout gives -ETIMEDOUT when the input is slower; the input goes on
 * and its later result is still there. */
START_TEST(test_timeout_fires_input_goes_on)
{
    ed_future *f = ed_async(sleeper, P(100));
    void *v = NULL;
    ck_assert_int_eq(ed_timeout(f, 0.01, &v), -ETIMEDOUT);
    ck_assert(!ed_future_done(f));
    ck_assert_int_eq(ed_await(f, &v), 0);
    ck_assert_int_eq(N(v), 100);
    ed_future_release(f);
    ED_TEST_END();
}
END_TEST

/* §4: when the input settles first, timeout adopts its success or failure
 * and cancels its timer (the loop does not wait for it: ed_run returns). */
START_TEST(test_timeout_input_wins)
{
    ed_future *f = ed_async(sleeper, P(10));
    void *v = NULL;
    ck_assert_int_eq(ed_timeout(f, 60, &v), 0);
    ck_assert_int_eq(N(v), 10);
    ed_future_release(f);
    ed_future *g = ed_async(sleeper, P(-10));
    ck_assert_int_eq(ed_timeout(g, 60, NULL), -EIO);
    ed_future_release(g);
    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

/* §7.9: a timeout does not keep the loop alive: main timing out on a
 * future nothing can settle gets -EDEADLK, not -ETIMEDOUT after a minute. */
START_TEST(test_timeout_does_not_keep_loop_alive)
{
    ed_deferred *d = ed_deferred_new();
    ed_future *f = ed_deferred_future(d);
    ck_assert_int_eq(ed_timeout(f, 60, NULL), -EDEADLK);
    ed_future_release(f);
    ed_deferred_free(d);
    ED_TEST_END();
}
END_TEST

static int combo_waiter(void *arg, void **result)
{
    (void)result;
    ed_future **fs = arg;
    return ed_all(fs, 2, NULL);
}

/* §8.10: cancelling a task waiting in a combinator ends the wait with
 * -ECANCELED; the inputs are not cancelled. */
START_TEST(test_cancel_in_combinator)
{
    ed_future *fs[2];
    start_all(fs, (int[]){30, 40}, 2);
    ed_future *w = ed_async(combo_waiter, fs);
    ck_assert_int_eq(ed_cancel_future(w), 0);
    ck_assert_int_eq(ed_await(w, NULL), -ECANCELED);
    ck_assert(!ed_future_done(fs[0]));
    ck_assert_int_eq(ed_all(fs, 2, NULL), 0);
    ed_future_release(w);
    release_all(fs, 2);
    ED_TEST_END();
}
END_TEST

/* Bad arguments: a NULL list with a count, a NULL input. */
START_TEST(test_combinator_bad_arguments)
{
    ck_assert_int_eq(ed_all(NULL, 2, NULL), -EINVAL);
    ed_future *fs[2] = {NULL, NULL};
    ck_assert_int_eq(ed_any(fs, 2, NULL, NULL), -EINVAL);
    ck_assert_int_eq(ed_timeout(NULL, 1, NULL), -EINVAL);
    ed_deferred *d = ed_deferred_new();
    ed_future *f = ed_deferred_future(d);
    ck_assert_int_eq(ed_timeout(f, -1, NULL), -EINVAL);
    ed_future_release(f);
    ed_deferred_free(d);
    ED_TEST_END();
}
END_TEST

/* §5.9: a queue runs its tasks one at a time in submission order, each
 * starting when the previous one has settled, whatever its outcome; later
 * submissions are not slowed by an earlier failure. */
START_TEST(test_queue_serialises_in_order)
{
    ed_queue *q = ed_queue_new();
    ck_assert_ptr_ne(q, NULL);
    /* Without the queue, 30 would finish last; with it, order is kept. */
    int ms[4] = {30, -10, 20, 5};
    ed_future *fs[4];
    for (int i = 0; i < 4; i++) {
        fs[i] = ed_queue_submit(q, sleeper, P(ms[i]));
        ck_assert_ptr_ne(fs[i], NULL);
    }
    int errs[4];
    ck_assert_int_eq(ed_any(fs, 4, NULL, errs), 0);
    log_expect(ms, 4);
    ck_assert_int_eq(errs[1], -EIO);
    ck_assert_int_eq(errs[3], 0);
    release_all(fs, 4);
    ed_queue_free(q);
    ED_TEST_END();
}
END_TEST

/* Freeing a queue lets what was submitted run on, in order. */
START_TEST(test_queue_free_keeps_tasks)
{
    ed_queue *q = ed_queue_new();
    ed_future *a = ed_queue_submit(q, sleeper, P(20));
    ed_future *b = ed_queue_submit(q, sleeper, P(10));
    ed_queue_free(q);
    ck_assert_int_eq(ed_await(b, NULL), 0);
    log_expect((int[]){20, 10}, 2);
    ed_future_release(a);
    ed_future_release(b);
    ck_assert_ptr_eq(ed_queue_submit(NULL, sleeper, NULL), NULL);
    ck_assert_int_eq(errno, EINVAL);
    ED_TEST_END();
}
END_TEST

static int report_name(void *arg, void **result)
{
    (void)arg;
    (void)result;
    return ed_fail(-EIO, "named");
}

static int deep(void *arg, void **result)
{
    (void)result;
    /* 96 KiB of locals: too much for a 64 KiB stack, fine in 192 KiB. */
    volatile char big[96 * 1024];
    memset((char *)big, 1, sizeof big);
    *(int *)arg = big[sizeof big - 1];
    return ed_yield();
}

/* ed_async_with: a task's own stack size and name. */
START_TEST(test_task_options)
{
    int out = 0;
    ed_task_options big = {.stack_size = 192 * 1024, .name = NULL};
    ed_future *f = ed_async_with(deep, &out, &big);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(out, 1);
    ed_future_release(f);

    handler_install();
    ed_task_options named = {.stack_size = 0, .name = "fetcher"};
    ed_future *g = ed_async_with(report_name, NULL, &named);
    ed_future_release(g); /* failed, unobserved: reported with its name */
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(h_calls, 1);
    assert_contains(h_msg[0], "'fetcher'");
    ED_TEST_END();
}
END_TEST

static Suite *combinators_suite(void)
{
    Suite *s = suite_create("combinators");
    TCase *tc = tcase_create("combinators");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_all_values_in_input_order);
    tcase_add_test(tc, test_all_fails_on_first_error_by_time);
    tcase_add_test(tc, test_empty_lists);
    tcase_add_test(tc, test_any_never_fails);
    tcase_add_test(tc, test_some_fails_only_if_all_fail);
    tcase_add_test(tc, test_first_success_skips_earlier_failures);
    tcase_add_test(tc, test_first_all_fail_lowest_index);
    tcase_add_test(tc, test_settled_inputs);
    tcase_add_test(tc, test_combinator_observes_errors);
    tcase_add_test(tc, test_timeout_fires_input_goes_on);
    tcase_add_test(tc, test_timeout_input_wins);
    tcase_add_test(tc, test_timeout_does_not_keep_loop_alive);
    tcase_add_test(tc, test_cancel_in_combinator);
    tcase_add_test(tc, test_combinator_bad_arguments);
    tcase_add_test(tc, test_queue_serialises_in_order);
    tcase_add_test(tc, test_queue_free_keeps_tasks);
    tcase_add_test(tc, test_task_options);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(combinators_suite)
