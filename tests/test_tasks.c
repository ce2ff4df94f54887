/* Tasks (coroutines): behaviour.md §2.2, §4, §5.6, §7, §8.6-8.10; api.md §2
 * and §6. Starting (ed_async, ed_go, ed_go_defer, ed_main), suspending
 * (ed_sleep, ed_yield, ed_await) from tasks, from main and from raw
 * callbacks, errors of forgotten tasks, cancellation, introspection, and
 * teardown with tasks still suspended. */
#include "support.h"

#include <fenv.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <xmmintrin.h>
#endif

/* ---- helpers ------------------------------------------------------------ */

/* support.h's record_handler, after trying to suspend inside the handler:
 * h_suspend_rc[i] is what ed_yield returned there for the i-th report. */
static int h_suspend_rc[MAX_ERRS];

static void yield_handler(int err, const char *message, void *data)
{
    CHECK(h_calls < MAX_ERRS);
    h_suspend_rc[h_calls] = ed_yield();
    record_handler(err, message, data);
}

static int flag_cb(ed_id id, void *data)
{
    (void)id;
    *(int *)data += 1;
    return 0;
}

/* Simple bodies. */
static int return_arg_task(void *arg, void **result)
{
    *result = arg;
    return 0;
}

static int sleep_arg_task(void *arg, void **result)
{
    (void)result;
    double *seconds = arg;
    return ed_sleep(*seconds);
}

/* ---- ed_async ----------------------------------------------------------- */

static int first_suspension_task(void *arg, void **result)
{
    (void)arg;
    log_add(1);
    CHECK(ed_yield() == 0);
    log_add(3);
    *result = P(77);
    return 0;
}

/* §2.2, api.md §2: ed_async runs the body until its first suspension before
 * it returns; the rest runs when the loop resumes it. */
START_TEST(test_async_runs_until_first_suspension)
{
    g_nlog = 0;
    log_add(0);
    ed_future *f = ed_async(first_suspension_task, NULL);
    ck_assert_ptr_ne(f, NULL);
    log_add(2);
    ck_assert(!ed_future_done(f));
    void *v = NULL;
    ck_assert_int_eq(ed_await(f, &v), 0);
    ck_assert_int_eq(N(v), 77);
    int want[] = {0, 1, 2, 3};
    log_expect(want, 4);
    ed_future_release(f);

    /* A body that never suspends has finished when ed_async returns. */
    f = ed_async(return_arg_task, P(5));
    ck_assert_ptr_ne(f, NULL);
    ck_assert(ed_future_done(f));
    ck_assert_int_eq(ed_future_error(f), 0);
    v = NULL;
    ck_assert_int_eq(ed_await(f, &v), 0);
    ck_assert_int_eq(N(v), 5);
    ed_future_release(f);
    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

static int fail_text_task(void *arg, void **result)
{
    (void)result;
    if (arg)
        return ed_fail(-EIO, "reading %s failed after %d bytes", "x.bin", 12);
    return -ENOSPC;
}

/* api.md §2: ed_fail's text becomes the task's failure message; without it
 * the message is ed_strerror's. */
START_TEST(test_task_failure_message)
{
    ed_future *f = ed_async(fail_text_task, P(1));
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(ed_future_error(f), -EIO);
    ck_assert_str_eq(ed_future_message(f), "reading x.bin failed after 12 bytes");
    ed_future_release(f);

    f = ed_async(fail_text_task, NULL);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(ed_await(f, NULL), -ENOSPC);
    ck_assert_str_eq(ed_future_message(f), ed_strerror(-ENOSPC));
    ed_future_release(f);
    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

static int fail_then_succeed_task(void *arg, void **result)
{
    (void)arg;
    (void)ed_fail(-EIO, "a note that is not used");
    CHECK(ed_yield() == 0);
    *result = P(1);
    return 0;
}

/* A task that called ed_fail but then succeeded has no error text. */
START_TEST(test_task_fail_text_then_success)
{
    ed_future *f = ed_async(fail_then_succeed_task, NULL);
    ck_assert_ptr_ne(f, NULL);
    void *v = NULL;
    ck_assert_int_eq(ed_await(f, &v), 0);
    ck_assert_int_eq(N(v), 1);
    ck_assert_ptr_eq(ed_future_message(f), NULL);
    ed_future_release(f);
    ED_TEST_END();
}
END_TEST

/* ---- ed_main ------------------------------------------------------------ */

static int main_ok_task(void *arg, void **result)
{
    CHECK(ed_sleep(0.001) == 0);
    *result = arg;
    return 0;
}

static int main_fail_task(void *arg, void **result)
{
    (void)arg;
    (void)result;
    CHECK(ed_yield() == 0);
    return ed_fail(-EPROTO, "bad greeting");
}

/* §5.1, api.md §2: ed_main runs fn and the loop until fn is done and gives
 * back fn's code and result. A failure it returns has been observed. */
START_TEST(test_main_returns_code_and_result)
{
    handler_install();
    int x = 0;
    void *r = NULL;
    ck_assert_int_eq(ed_main(main_ok_task, &x, &r), 0);
    ck_assert_ptr_eq(r, &x);
    ck_assert_int_eq(ed_main(main_ok_task, &x, NULL), 0);

    r = P(3);
    ck_assert_int_eq(ed_main(main_fail_task, NULL, &r), -EPROTO);
    ck_assert_ptr_eq(r, P(3)); /* untouched on failure */
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(h_calls, 0);
    ED_TEST_END();
}
END_TEST

/* ---- main as a coroutine ------------------------------------------------ */

static int b_count;
static ed_deferred *b_d;

static int busy_repeat_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    if (++b_count == 3)
        CHECK(ed_resolve(b_d, P(b_count)) == 0);
    return 0;
}

static int await_deferred_task(void *arg, void **result)
{
    ed_future *f = ed_deferred_future(arg);
    int rc = ed_await(f, result);
    ed_future_release(f);
    return rc;
}

/* §8.7: a suspending call from main runs the loop until its result is
 * there; the loop's other work goes on meanwhile. */
START_TEST(test_main_await_with_busy_loop)
{
    b_count = 0;
    b_d = ed_deferred_new();
    ed_future *t = ed_async(await_deferred_task, b_d);
    ck_assert_ptr_ne(t, NULL);
    ed_id rep = ed_repeat(0.001, busy_repeat_cb, NULL);
    ck_assert_uint_ne(rep, 0);
    void *v = NULL;
    ck_assert_int_eq(ed_await(t, &v), 0);
    ck_assert_int_eq(N(v), 3);
    ck_assert_int_ge(b_count, 3);
    ed_future_release(t);

    /* ed_sleep from main: the repeat keeps firing meanwhile. */
    int before = b_count;
    ck_assert_int_eq(ed_sleep(0.02), 0);
    ck_assert_int_gt(b_count, before);

    ed_cancel(rep);
    ed_deferred_free(b_d);
    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

static int d_count;

static int count_repeat_cb(ed_id id, void *data)
{
    (void)id;
    ed_deferred *d = data;
    if (++d_count == 3 && d)
        CHECK(ed_resolve(d, P(9)) == 0);
    return 0;
}

/* §8.7, §7.3: main awaiting something nothing left can settle gets
 * -EDEADLK; unreferenced watchers do not count; a referenced one does. */
START_TEST(test_main_await_deadlock)
{
    ed_deferred *d = ed_deferred_new();
    ed_future *f = ed_deferred_future(d);

    /* Nothing at all. */
    ck_assert_int_eq(ed_await(f, NULL), -EDEADLK);

    /* An unreferenced repeat does not keep the loop alive. */
    d_count = 0;
    ed_id rep = ed_repeat(0.001, count_repeat_cb, NULL);
    ck_assert_uint_ne(rep, 0);
    ck_assert_int_eq(ed_unreference(rep), 0);
    ck_assert_int_eq(ed_await(f, NULL), -EDEADLK);
    ed_watcher_info info;
    ck_assert_int_eq(ed_watcher_get(rep, &info), 0); /* untouched */
    ck_assert(info.enabled);
    ed_cancel(rep);

    /* Through a task that waits on it: the same. */
    ed_future *t = ed_async(await_deferred_task, d);
    ck_assert_ptr_ne(t, NULL);
    ck_assert_int_eq(ed_await(t, NULL), -EDEADLK);
    ck_assert(!ed_future_done(t));

    /* A referenced repeat that settles it on its third run: no deadlock. */
    d_count = 0;
    rep = ed_repeat(0.001, count_repeat_cb, d);
    ck_assert_uint_ne(rep, 0);
    void *v = NULL;
    ck_assert_int_eq(ed_await(f, &v), 0);
    ck_assert_int_eq(N(v), 9);
    ck_assert_int_eq(d_count, 3);
    ed_cancel(rep);

    /* The task waiting on it was woken first and has finished. */
    ck_assert(ed_future_done(t));
    v = NULL;
    ck_assert_int_eq(ed_await(t, &v), 0);
    ck_assert_int_eq(N(v), 9);
    ed_future_release(t);
    ed_future_release(f);
    ed_deferred_free(d);
    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

static int fail_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    return ed_fail(-EIO, "callback gave up");
}

/* api.md §2 (ed_await): from main, an error that reached the loop's error
 * path with no handler ends the wait with that error; the future is not
 * affected and can be awaited again. */
START_TEST(test_main_await_returns_loop_error)
{
    ed_deferred *d = ed_deferred_new();
    ed_future *f = ed_deferred_future(d);
    ck_assert_uint_ne(ed_defer(fail_cb, NULL), 0);
    ed_id keep = ed_delay(30, flag_cb, &(int){0});
    ck_assert_uint_ne(keep, 0);
    ck_assert_int_eq(ed_await(f, NULL), -EIO);
    assert_contains(ed_error_message(), "callback gave up");
    ck_assert(!ed_future_done(f));
    ck_assert_int_eq(ed_resolve(d, P(1)), 0);
    void *v = NULL;
    ck_assert_int_eq(ed_await(f, &v), 0);
    ck_assert_int_eq(N(v), 1);
    ed_cancel(keep);
    ed_future_release(f);
    ed_deferred_free(d);
    ED_TEST_END();
}
END_TEST

/* ---- suspending in a raw callback --------------------------------------- */

static ed_future *c_pending, *c_settled;
static int c_runs;

static int suspend_in_callback_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    c_runs++;
    CHECK(ed_sleep(0.01) == -EPERM);
    CHECK(ed_sleep(0) == -EPERM);
    CHECK(ed_yield() == -EPERM);
    CHECK(ed_await(c_pending, NULL) == -EPERM);
    void *v = NULL;
    CHECK(ed_await(c_settled, &v) == 0); /* needs no suspension */
    CHECK(N(v) == 4);
    CHECK(ed_self() == NULL);
    CHECK(ed_run() == -EBUSY);
    return 0;
}

static int suspend_in_io_cb(ed_id id, int fd, void *data)
{
    (void)fd;
    ed_cancel(id);
    return suspend_in_callback_cb(id, data);
}

/* §8.7: suspending inside a raw loop callback (defer, delay, repeat, I/O)
 * returns -EPERM at once and changes nothing. */
START_TEST(test_suspend_in_callback_eperm)
{
    c_runs = 0;
    ed_deferred *dp = ed_deferred_new(), *ds = ed_deferred_new();
    c_pending = ed_deferred_future(dp);
    c_settled = ed_deferred_future(ds);
    ck_assert_int_eq(ed_resolve(ds, P(4)), 0);
    ck_assert_uint_ne(ed_defer(suspend_in_callback_cb, NULL), 0);
    ck_assert_uint_ne(ed_delay(0.001, suspend_in_callback_cb, NULL), 0);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    ck_assert_uint_ne(ed_on_writable(fds[1], suspend_in_io_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(c_runs, 3);
    ck_assert(!ed_future_done(c_pending));
    /* The refused await left no waiter behind. */
    ck_assert_int_eq(ed_resolve(dp, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    close_pair(fds);
    ed_future_release(c_pending);
    ed_future_release(c_settled);
    ed_deferred_free(dp);
    ed_deferred_free(ds);
    ED_TEST_END();
}
END_TEST

/* ---- ed_sleep and ed_yield ---------------------------------------------- */

static int sleep_log_task(void *arg, void **result)
{
    (void)result;
    int tag = N(arg);
    double seconds = tag == 1 ? 0.1 : 0.01; /* a wide margin for slow starts */
    CHECK(ed_sleep(seconds) == 0);
    log_add(tag);
    return 0;
}

/* §8.4, §1.7: sleeps end by deadline: the shorter one, started later,
 * finishes first. */
START_TEST(test_sleep_order)
{
    g_nlog = 0;
    ck_assert_int_eq(ed_go(sleep_log_task, P(1)), 0); /* 0.1 s */
    ck_assert_int_eq(ed_go(sleep_log_task, P(2)), 0); /* 0.01 s */
    ck_assert_int_eq(g_nlog, 0);
    ck_assert_int_eq(ed_run(), 0);
    int want[] = {2, 1};
    log_expect(want, 2);
    ED_TEST_END();
}
END_TEST

static int bad_sleep_task(void *arg, void **result)
{
    (void)arg;
    (void)result;
    CHECK(ed_sleep(-1) == -EINVAL);
    CHECK(ed_sleep(NAN) == -EINVAL);
    CHECK(ed_sleep(0) == 0);
    return 0;
}

/* api.md §2: bad durations are refused in tasks and in main; 0 is fine. */
START_TEST(test_sleep_invalid)
{
    ck_assert_int_eq(ed_sleep(-0.5), -EINVAL);
    ck_assert_int_eq(ed_sleep(NAN), -EINVAL);
    ck_assert_int_eq(ed_sleep(0), 0);
    ed_future *f = ed_async(bad_sleep_task, NULL);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ed_future_release(f);
    ED_TEST_END();
}
END_TEST

static int yield_task(void *arg, void **result)
{
    (void)result;
    for (int i = 0; i < 3; i++) {
        log_add(N(arg));
        CHECK(ed_yield() == 0);
    }
    return 0;
}

/* api.md §2: ed_yield lets every other ready task run: two tasks yielding
 * in turn interleave. */
START_TEST(test_yield_interleaves)
{
    g_nlog = 0;
    ck_assert_int_eq(ed_go(yield_task, P(1)), 0);
    ck_assert_int_eq(ed_go(yield_task, P(2)), 0);
    ck_assert_int_eq(ed_run(), 0);
    int want[] = {1, 2, 1, 2, 1, 2};
    log_expect(want, 6);
    ED_TEST_END();
}
END_TEST

/* From main, ed_yield runs the loop for a tick: what was ready has run. */
START_TEST(test_yield_from_main)
{
    g_nlog = 0;
    int ran = 0;
    ck_assert_int_eq(ed_go(yield_task, P(1)), 0);
    ck_assert_uint_ne(ed_defer(flag_cb, &ran), 0);
    ck_assert_int_eq(g_nlog, 1);
    ck_assert_int_eq(ed_yield(), 0);
    ck_assert_int_eq(ran, 1);
    ck_assert_int_ge(g_nlog, 2); /* the task ran again */
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(g_nlog, 3);
    ED_TEST_END();
}
END_TEST

/* ---- ed_go and ed_go_defer ---------------------------------------------- */

static int go_fail_task(void *arg, void **result)
{
    (void)result;
    ed_set_name("worker-7");
    if (arg)
        CHECK(ed_sleep(0.001) == 0);
    return ed_fail(-EIO, "disk %d gone", 3);
}

/* §5.6, §8.9, api.md §6: a forgotten task's failure reaches the error
 * handler with its name and creation site, whether it fails before or after
 * its first suspension. The handler cannot suspend. */
START_TEST(test_go_error_to_handler)
{
    h_calls = 0;
    ed_set_error_handler(yield_handler, NULL); /* it tries to suspend */
    int line = __LINE__; ck_assert_int_eq(ed_go(go_fail_task, P(1)), 0);
    ck_assert_int_eq(h_calls, 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(h_calls, 1);
    ck_assert_int_eq(h_err[0], -EIO);
    assert_contains(h_msg[0], "worker-7");
    assert_site(h_msg[0], line);
    assert_contains(h_msg[0], "disk 3 gone");
    ck_assert_int_eq(h_suspend_rc[0], -EPERM);

    /* Failing before any suspension. */
    line = __LINE__; ck_assert_int_eq(ed_go(go_fail_task, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(h_calls, 2);
    ck_assert_int_eq(h_err[1], -EIO);
    assert_contains(h_msg[1], "worker-7");
    assert_site(h_msg[1], line);
    ck_assert_int_eq(h_suspend_rc[1], -EPERM);

    /* A task that succeeds reports nothing. */
    ck_assert_int_eq(ed_go(return_arg_task, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(h_calls, 2);

    ck_assert_int_eq(ed_go(NULL, NULL), -EINVAL);
    ck_assert_int_eq(ed_go_defer(NULL, NULL), -EINVAL);
    ED_TEST_END();
}
END_TEST

/* §8.9: with no handler, ed_run stops and returns the forgotten task's
 * error, and the report names it. */
START_TEST(test_go_error_ends_run)
{
    int late = 0;
    ed_id keep = ed_delay(30, flag_cb, &late);
    ck_assert_uint_ne(keep, 0);
    int line = __LINE__; ck_assert_int_eq(ed_go(go_fail_task, P(1)), 0);
    ck_assert_int_eq(ed_run(), -EIO);
    assert_contains(ed_error_message(), "worker-7");
    assert_site(ed_error_message(), line);
    assert_contains(ed_error_message(), "disk 3 gone");
    ck_assert_int_eq(late, 0);

    /* Failing inside ed_go itself, outside the loop: the next ed_run. */
    line = __LINE__; ck_assert_int_eq(ed_go(go_fail_task, NULL), 0);
    ck_assert_int_eq(ed_run(), -EIO);
    assert_site(ed_error_message(), line);
    ed_cancel(keep);
    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

static int gd_started_tick;
static bool gd_in_cb;

static int go_defer_task(void *arg, void **result)
{
    (void)result;
    CHECK(!gd_in_cb);
    gd_started_tick = g_tick;
    CHECK(ed_yield() == 0);
    if (arg)
        return ed_fail(-ENOEXEC, "deferred failure");
    return 0;
}

static int go_defer_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    CHECK(g_tick == 1);
    gd_in_cb = true;
    CHECK(ed_go_defer(go_defer_task, NULL) == 0);
    CHECK(gd_started_tick == 0);
    gd_in_cb = false;
    return 0;
}

/* §5.6, api.md §2: ed_go_defer starts the task in the next tick, never
 * inside the call or the callback that made it. */
START_TEST(test_go_defer_next_tick)
{
    ticks_start(100, false);
    gd_started_tick = 0;
    ck_assert_uint_ne(ed_defer(go_defer_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(gd_started_tick, 2);

    /* From main: not started before the loop runs. */
    ticks_start(100, false);
    gd_started_tick = -1;
    ck_assert_int_eq(ed_go_defer(go_defer_task, NULL), 0);
    ck_assert_int_eq(gd_started_tick, -1);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(gd_started_tick, 1);
    ticks_stop();
    ED_TEST_END();
}
END_TEST

/* Its failure goes to the error path with its creation site, like ed_go's. */
START_TEST(test_go_defer_error)
{
    handler_install();
    int line = __LINE__; ck_assert_int_eq(ed_go_defer(go_defer_task, P(1)), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(h_calls, 1);
    ck_assert_int_eq(h_err[0], -ENOEXEC);
    assert_site(h_msg[0], line);
    assert_contains(h_msg[0], "deferred failure");
    ED_TEST_END();
}
END_TEST

static int named_fail_task(void *arg, void **result)
{
    (void)arg;
    (void)result;
    ed_set_name("forgotten");
    CHECK(ed_sleep(0.001) == 0);
    return -EIO;
}

/* §8.9: the future of a failed ed_async task released without being awaited
 * is reported, with the task's name and site. */
START_TEST(test_async_failure_released_unobserved)
{
    handler_install();
    int line = __LINE__; ed_future *f = ed_async(named_fail_task, NULL);
    ck_assert_ptr_ne(f, NULL);
    ed_future_release(f); /* before it fails */
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(h_calls, 1);
    ck_assert_int_eq(h_err[0], -EIO);
    assert_contains(h_msg[0], "forgotten");
    assert_site(h_msg[0], line);

    /* Released after it failed: reported once released, not before. */
    line = __LINE__; f = ed_async(named_fail_task, NULL);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert(ed_future_done(f));
    ck_assert_int_eq(h_calls, 1);
    ed_future_release(f);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(h_calls, 2);
    assert_site(h_msg[1], line);
    ED_TEST_END();
}
END_TEST

/* ---- cancellation ------------------------------------------------------- */

static int k_rc[6];
static ed_future *k_pending;

static int cancel_sleep_task(void *arg, void **result)
{
    (void)arg;
    (void)result;
    k_rc[0] = ed_sleep(60);
    k_rc[1] = ed_sleep(0);
    k_rc[2] = ed_yield();
    k_rc[3] = ed_await(k_pending, NULL);
    k_rc[4] = ed_sleep(0.001);
    return k_rc[0];
}

static int cancel_cb(ed_id id, void *data)
{
    (void)id;
    CHECK(ed_cancel_future(data) == 0);
    return 0;
}

/* §8.10, §4: a sleeping task is cancelled at once: its sleep and every
 * later suspension return -ECANCELED and its timer is gone, so ed_run
 * returns instead of waiting 60 s. */
START_TEST(test_cancel_while_sleeping)
{
    ed_deferred *d = ed_deferred_new();
    k_pending = ed_deferred_future(d);
    for (int i = 0; i < 6; i++)
        k_rc[i] = 1;
    ed_future *f = ed_async(cancel_sleep_task, NULL);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_uint_ne(ed_delay(0.01, cancel_cb, f), 0);
    ck_assert_int_eq(ed_run(), 0); /* would take 60 s if the sleep went on */
    for (int i = 0; i < 5; i++)
        ck_assert_msg(k_rc[i] == -ECANCELED, "suspension %d returned %d", i, k_rc[i]);
    ck_assert(ed_future_done(f));
    ck_assert_int_eq(ed_future_error(f), -ECANCELED);
    ck_assert_int_eq(ed_cancel_future(f), -EALREADY);
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.referenced, 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_DELAY], 0);
    ck_assert(!ed_future_done(k_pending)); /* nothing happened to it */
    ed_future_release(f);

    /* Cancelled from main right after it started: the same. */
    f = ed_async(cancel_sleep_task, NULL);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(ed_cancel_future(f), 0);
    ck_assert_int_eq(ed_cancel_future(f), 0); /* again: still running */
    ck_assert_int_eq(ed_await(f, NULL), -ECANCELED);
    ck_assert_int_eq(k_rc[0], -ECANCELED);
    ck_assert_int_eq(k_rc[4], -ECANCELED);
    ed_future_release(f);

    ed_future_release(k_pending);
    ed_deferred_free(d);
    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

static int cancel_await_task(void *arg, void **result)
{
    (void)result;
    int rc = ed_await(arg, NULL);
    k_rc[0] = rc;
    return rc;
}

/* §8.10, §4 (A3: cancellation aborts the wait, not the operation): a task
 * awaiting a future is woken with -ECANCELED; the future is not affected. */
START_TEST(test_cancel_while_awaiting)
{
    ed_deferred *d = ed_deferred_new();
    ed_future *df = ed_deferred_future(d);
    k_rc[0] = 1;
    ed_future *f = ed_async(cancel_await_task, df);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_uint_ne(ed_defer(cancel_cb, f), 0);
    ck_assert_int_eq(ed_await(f, NULL), -ECANCELED);
    ck_assert_int_eq(k_rc[0], -ECANCELED);
    ck_assert(!ed_future_done(df));
    ck_assert_int_eq(ed_resolve(d, NULL), 0); /* nobody waits any more */
    ck_assert_int_eq(ed_run(), 0);
    ed_future_release(f);

    /* Awaiting another task: only the awaiting one is cancelled. */
    double long_sleep = 60;
    ed_future *inner = ed_async(sleep_arg_task, &long_sleep);
    ck_assert_ptr_ne(inner, NULL);
    f = ed_async(cancel_await_task, inner);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(ed_cancel_future(f), 0);
    ck_assert_int_eq(ed_await(f, NULL), -ECANCELED);
    ck_assert(!ed_future_done(inner));
    ck_assert_int_eq(ed_cancel_future(inner), 0);
    ck_assert_int_eq(ed_await(inner, NULL), -ECANCELED);
    ed_future_release(inner);
    ed_future_release(f);

    ed_future_release(df);
    ed_deferred_free(d);
    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

static int cancel_recover_task(void *arg, void **result)
{
    (void)arg;
    int rc = ed_sleep(60);
    CHECK(rc == -ECANCELED);
    CHECK(ed_yield() == -ECANCELED); /* still cancelled */
    *result = P(123);               /* but it decides how to end */
    return 0;
}

/* §8.10: cancellation is advisory: the task's code decides its outcome. */
START_TEST(test_cancel_task_decides_outcome)
{
    ed_future *f = ed_async(cancel_recover_task, NULL);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(ed_cancel_future(f), 0);
    void *v = NULL;
    ck_assert_int_eq(ed_await(f, &v), 0);
    ck_assert_int_eq(N(v), 123);
    ed_future_release(f);
    ED_TEST_END();
}
END_TEST

static int cancel_self_task(void *arg, void **result)
{
    (void)arg;
    (void)result;
    CHECK(ed_cancel_future(ed_self()) == 0);
    k_rc[0] = ed_yield();
    k_rc[1] = ed_sleep(0.001);
    return 0;
}

/* A task may cancel itself: its next suspension returns -ECANCELED. */
START_TEST(test_cancel_self)
{
    k_rc[0] = k_rc[1] = 1;
    ed_future *f = ed_async(cancel_self_task, NULL);
    ck_assert_ptr_ne(f, NULL);
    ck_assert(ed_future_done(f));
    ck_assert_int_eq(k_rc[0], -ECANCELED);
    ck_assert_int_eq(k_rc[1], -ECANCELED);
    ck_assert_int_eq(ed_future_error(f), 0);
    ed_future_release(f);
    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

/* api.md §2: cancelling a finished task is -EALREADY; a deferred's future
 * is not a task: -EINVAL. */
START_TEST(test_cancel_finished_and_non_task)
{
    ed_future *f = ed_async(return_arg_task, NULL);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(ed_cancel_future(f), -EALREADY);
    ck_assert_int_eq(ed_future_error(f), 0); /* unchanged */
    ed_future_release(f);

    double s = 0.001;
    f = ed_async(sleep_arg_task, &s);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(ed_cancel_future(f), -EALREADY);
    ed_future_release(f);

    ed_deferred *d = ed_deferred_new();
    ed_future *df = ed_deferred_future(d);
    ck_assert_int_eq(ed_cancel_future(df), -EINVAL);
    ck_assert(!ed_future_done(df));
    ck_assert_int_eq(ed_resolve(d, NULL), 0);
    ck_assert_int_eq(ed_cancel_future(df), -EINVAL);
    ck_assert_int_eq(ed_cancel_future(NULL), -EINVAL);
    ed_future_release(df);
    ed_deferred_free(d);
    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

/* ---- ed_self, ed_run from a task ---------------------------------------- */

static ed_future *self_seen[4];

static int self_inner_task(void *arg, void **result)
{
    (void)arg;
    (void)result;
    self_seen[2] = ed_self();
    CHECK(ed_yield() == 0);
    CHECK(ed_self() == self_seen[2]);
    return 0;
}

static int self_outer_task(void *arg, void **result)
{
    (void)arg;
    self_seen[0] = ed_self();
    ed_future *inner = ed_async(self_inner_task, NULL);
    CHECK(inner != NULL);
    self_seen[3] = inner;
    self_seen[1] = ed_self(); /* back in outer */
    CHECK(ed_await(inner, NULL) == 0);
    CHECK(ed_self() == self_seen[0]);
    ed_future_release(inner);
    *result = ed_self();
    return 0;
}

static int self_cb(ed_id id, void *data)
{
    (void)id;
    *(ed_future **)data = ed_self();
    return 0;
}

/* api.md §6: ed_self is the pointer ed_async returned, in nested tasks too;
 * NULL in main and in raw callbacks. */
START_TEST(test_self)
{
    ck_assert_ptr_eq(ed_self(), NULL);
    ed_future *f = ed_async(self_outer_task, NULL);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_ptr_eq(ed_self(), NULL);
    ck_assert_ptr_eq(self_seen[0], f);
    ck_assert_ptr_eq(self_seen[1], f);
    ck_assert_ptr_eq(self_seen[2], self_seen[3]);
    ck_assert_ptr_ne(self_seen[2], f);
    void *v = NULL;
    ck_assert_int_eq(ed_await(f, &v), 0);
    ck_assert_ptr_eq(v, f);
    ck_assert_ptr_eq(ed_self(), NULL);
    ed_future_release(f);

    ed_future *in_cb = (ed_future *)&in_cb;
    ck_assert_uint_ne(ed_defer(self_cb, &in_cb), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_ptr_eq(in_cb, NULL);
    ED_TEST_END();
}
END_TEST

static int busy_rc[8];

static int run_in_task(void *arg, void **result)
{
    (void)arg;
    (void)result;
    busy_rc[0] = ed_run();
    busy_rc[1] = ed_run_once(false);
    busy_rc[2] = ed_shutdown();
    CHECK(ed_yield() == 0); /* now resumed from the loop */
    busy_rc[3] = ed_run();
    busy_rc[4] = ed_run_once(true);
    busy_rc[5] = ed_shutdown();
    return 0;
}

/* §8.6: ed_run (and ed_run_once, ed_shutdown) from a task is -EBUSY. */
START_TEST(test_run_from_task_ebusy)
{
    for (int i = 0; i < 8; i++)
        busy_rc[i] = 1;
    ed_future *f = ed_async(run_in_task, NULL);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    for (int i = 0; i < 6; i++)
        ck_assert_msg(busy_rc[i] == -EBUSY, "call %d returned %d", i, busy_rc[i]);
    ed_future_release(f);
    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

static int r_step;

static int stepping_task(void *arg, void **result)
{
    (void)arg;
    (void)result;
    for (r_step = 1; r_step < 4; r_step++)
        CHECK(ed_yield() == 0);
    return 0;
}

/* §8.7, api.md §1: once tasks exist, main still drives the loop with
 * ed_run_once (one tick each) and ed_run (until the tasks are done). */
START_TEST(test_run_once_and_run_from_main)
{
    ed_future *f = ed_async(stepping_task, NULL);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(r_step, 1);
    ck_assert_int_eq(ed_run_once(false), 1);
    ck_assert_int_eq(r_step, 2);
    ck_assert_int_eq(ed_run_once(false), 1);
    ck_assert_int_eq(r_step, 3);
    ck_assert_int_eq(ed_run_once(false), 0); /* the task returned */
    ck_assert_int_eq(r_step, 4);
    ck_assert(ed_future_done(f));
    ck_assert_int_eq(ed_run_once(false), 0);
    ed_future_release(f);

    /* ed_run_once(true) waits for the timer of a sleeping task. */
    double s = 0.005;
    f = ed_async(sleep_arg_task, &s);
    ck_assert_ptr_ne(f, NULL);
    int rc, n = 0;
    while ((rc = ed_run_once(true)) == 1)
        ck_assert_int_lt(++n, 10000);
    ck_assert_int_eq(rc, 0);
    ck_assert(ed_future_done(f));
    ed_future_release(f);

    /* ed_run returns when the tasks are done. */
    double s1 = 0.01, s2 = 0.02;
    ed_future *a = ed_async(sleep_arg_task, &s1);
    ed_future *b = ed_async(sleep_arg_task, &s2);
    ck_assert_ptr_ne(a, NULL);
    ck_assert_ptr_ne(b, NULL);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert(ed_future_done(a));
    ck_assert(ed_future_done(b));
    ck_assert_int_eq(ed_future_error(a), 0);
    ck_assert_int_eq(ed_future_error(b), 0);
    ed_future_release(a);
    ed_future_release(b);
    ED_TEST_END();
}
END_TEST

/* ---- many tasks --------------------------------------------------------- */

#define MANY_TASKS ED_TEST_TASKS(50000)
static int mt_alive, mt_done, mt_peak;

static int many_sleep_task(void *arg, void **result)
{
    (void)arg;
    (void)result;
    mt_alive++;
    if (mt_alive > mt_peak)
        mt_peak = mt_alive;
    CHECK(ed_sleep(0.01) == 0);
    mt_done++;
    mt_alive--;
    return 0;
}

/* 50,000 tasks suspended at once, then all finishing (this crosses the
 * guarded-stack budget; eddy says so once on stderr). */
START_TEST(test_many_tasks_sleeping)
{
    mt_alive = mt_done = mt_peak = 0;
    for (int i = 0; i < MANY_TASKS; i++)
        CHECK(ed_go(many_sleep_task, NULL) == 0);
    ck_assert_int_eq(mt_alive, MANY_TASKS);
    ck_assert_int_eq(mt_done, 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(mt_done, MANY_TASKS);
    ck_assert_int_eq(mt_alive, 0);
    ck_assert_int_eq(mt_peak, MANY_TASKS);
    ED_TEST_END();
}
END_TEST

static int gated_task(void *arg, void **result)
{
    (void)result;
    int rc = ed_await(arg, NULL);
    if (rc == 0)
        mt_done++;
    return rc;
}

static int trivial_task(void *arg, void **result)
{
    (void)arg;
    (void)result;
    return 0;
}

/* Past the guard budget a stack's canary lies in the top bytes of the stack
 * below it. n unguarded tasks start; every other one finishes, giving its
 * stack back while both its neighbours still run; `between` runs; then the
 * rest switch, which checks their canaries: the pool must not have wiped
 * them with the pages it gave back. Each test runs in a process of its
 * own (check's fork mode), so EDDY_STACK_GUARDS is read here first. */
static void check_canaries_survive(long n, void (*between)(void))
{
    ck_assert_int_eq(setenv("EDDY_STACK_GUARDS", "0", 1), 0);
    size_t old_size = ed_stack_size(16 * 1024);
    ed_deferred *odd = ed_deferred_new(), *even = ed_deferred_new();
    ed_future *odd_gate = ed_deferred_future(odd), *even_gate = ed_deferred_future(even);
    mt_done = 0;
    for (long i = 0; i < n; i++)
        CHECK(ed_go(gated_task, i % 2 ? odd_gate : even_gate) == 0);
    ck_assert_int_eq(ed_resolve(odd, NULL), 0);
    ck_assert_int_eq(ed_await(odd_gate, NULL), 0);
    for (int turns = 0; mt_done < n / 2 && turns < 100; turns++)
        CHECK(ed_yield() == 0); /* the odd tasks finish */
    ck_assert_int_eq(mt_done, n / 2);
    between();
    ck_assert_int_eq(ed_resolve(even, NULL), 0);
    ck_assert_int_eq(ed_run(), 0); /* the even ones switch: canaries checked */
    ck_assert_int_eq(mt_done, n);
    ed_future_release(odd_gate);
    ed_future_release(even_gate);
    ed_deferred_free(odd);
    ed_deferred_free(even);
    ed_stack_size(old_size);
}

static void nothing(void)
{
}

/* Enough stacks come back for the pool to trim the idle ones. */
START_TEST(test_unguarded_canaries_survive_trims)
{
    check_canaries_survive(ED_TEST_TASKS(5000), nothing);
    ED_TEST_END();
}
END_TEST

static void change_default_size(void)
{
    /* The next task drops the pool's idle 16 KiB stacks for good. */
    ed_stack_size(20 * 1024);
    ed_future *f = ed_async(trivial_task, NULL);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ed_future_release(f);
}

/* A new default stack size makes the pool drop its idle stacks. */
START_TEST(test_unguarded_canaries_survive_size_change)
{
    check_canaries_survive(600, change_default_size);
    ED_TEST_END();
}
END_TEST

/* ---- introspection ------------------------------------------------------ */

static ed_future *g_wait_on; /* main's reference: tasks never take their own */

static int named_wait_task(void *arg, void **result)
{
    if (arg)
        ed_set_name(arg);
    return ed_await(g_wait_on, result);
}

/* api.md §2: ed_dump lists every live task with its name and creation site,
 * and the loop's watchers; a finished task is gone from it. */
START_TEST(test_dump_lists_suspended_task)
{
    ed_deferred *d = ed_deferred_new();
    g_wait_on = ed_deferred_future(d);
    int line = __LINE__; ed_future *f = ed_async(named_wait_task, "dump-me-42");
    ck_assert_ptr_ne(f, NULL);
    int wline = __LINE__; ed_id w = ed_delay(30, flag_cb, &(int){0});
    ck_assert_uint_ne(w, 0);

    char *text = dump_to_string(ed_dump);
    assert_contains(text, "dump-me-42");
    assert_site(text, line);
    assert_site(text, wline); /* the watcher too */
    free(text);

    ed_cancel(w);
    ck_assert_int_eq(ed_resolve(d, NULL), 0);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ed_future_release(f);
    text = dump_to_string(ed_dump);
    ck_assert_msg(strstr(text, "dump-me-42") == NULL, "finished task still dumped: %s", text);
    free(text);

    ed_future_release(g_wait_on);
    g_wait_on = NULL; /* lets LeakSanitizer see a leaked future */
    ed_deferred_free(d);
    ED_TEST_END();
}
END_TEST

static int long_name_task(void *arg, void **result)
{
    (void)arg;
    (void)result;
    char name[100];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = 0;
    memcpy(name, "long-", 5);
    ed_set_name(name);
    ed_set_name(NULL); /* ignored */
    return ed_await(g_wait_on, NULL);
}

/* api.md §2: a name is copied and cut at 63 bytes; outside a task
 * ed_set_name does nothing. */
START_TEST(test_set_name_copied_and_cut)
{
    ed_set_name("main is not a task");
    ed_deferred *d = ed_deferred_new();
    g_wait_on = ed_deferred_future(d);
    ed_future *f = ed_async(long_name_task, NULL);
    ck_assert_ptr_ne(f, NULL);
    char want[64];
    memset(want, 'n', 63);
    want[63] = 0;
    memcpy(want, "long-", 5);
    char *text = dump_to_string(ed_dump);
    assert_contains(text, want);
    char *at = strstr(text, want);
    ck_assert(at[63] != 'n'); /* not longer */
    ck_assert_msg(strstr(text, "main is not a task") == NULL, "%s", text);
    free(text);
    ck_assert_int_eq(ed_resolve(d, NULL), 0);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ed_future_release(f);
    ed_future_release(g_wait_on);
    g_wait_on = NULL; /* lets LeakSanitizer see a leaked future */
    ed_deferred_free(d);
    ED_TEST_END();
}
END_TEST

static int await_self_task(void *arg, void **result)
{
    (void)arg;
    (void)result;
    return ed_await(ed_self(), NULL);
}

/* api.md conventions (-EDEADLK: nothing could ever resume it): a task
 * awaiting its own future can never be woken. */
START_TEST(test_await_self_edeadlk)
{
    ed_future *f = ed_async(await_self_task, NULL);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(ed_await(f, NULL), -EDEADLK);
    ed_future_release(f);
    ED_TEST_END();
}
END_TEST

/* api.md §2: the default stack is 256 KiB; sizes are rounded up to pages,
 * at least 16 KiB; 0 only reads it. Tasks run on the size in force. */
START_TEST(test_stack_size)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    ck_assert_uint_eq(ed_stack_size(0), 256 * 1024);
    ck_assert_uint_eq(ed_stack_size(1), 16 * 1024);
    ck_assert_uint_eq(ed_stack_size(0), 16 * 1024);
    size_t want = (100000 + page - 1) / page * page;
    ck_assert_uint_eq(ed_stack_size(100000), want);
    ck_assert_uint_eq(ed_stack_size(64 * 1024), 64 * 1024);
    double s = 0.001;
    ed_future *f = ed_async(sleep_arg_task, &s);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ed_future_release(f);
    ck_assert_uint_eq(ed_stack_size(256 * 1024), 256 * 1024);
    f = ed_async(sleep_arg_task, &s);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ed_future_release(f);
    ED_TEST_END();
}
END_TEST

/* ---- teardown ----------------------------------------------------------- */

static int yield_forever_task(void *arg, void **result)
{
    (void)arg;
    (void)result;
    for (;;)
        if (ed_yield() < 0)
            return -ECANCELED;
}

/* api.md §1 (ed_shutdown), task.h: ed_shutdown frees tasks that are still
 * suspended (sleeping, ready to run after a yield, one never awaited by
 * anyone); a future the caller still holds reports settled with
 * -ECANCELED, and nothing leaks (LeakSanitizer). */
START_TEST(test_shutdown_frees_suspended_tasks)
{
    handler_install();
    double long_sleep = 60;
    ed_future *sleeper = ed_async(sleep_arg_task, &long_sleep);
    ed_future *yielder = ed_async(yield_forever_task, NULL);
    ck_assert_ptr_ne(sleeper, NULL);
    ck_assert_ptr_ne(yielder, NULL);
    ck_assert_int_eq(ed_go(sleep_arg_task, &long_sleep), 0);
    ck_assert_int_eq(ed_run_once(false), 1);
    ck_assert_int_eq(ed_run_once(false), 1);

    ck_assert_int_eq(ed_shutdown(), 0);
    ck_assert(ed_future_done(sleeper));
    ck_assert(ed_future_done(yielder));
    ck_assert_int_eq(ed_future_error(sleeper), -ECANCELED);
    ck_assert_int_eq(ed_future_error(yielder), -ECANCELED);
    ck_assert_str_eq(ed_future_message(sleeper), ed_strerror(-ECANCELED));
    ed_future_release(sleeper);
    ed_future_release(yielder);
    ck_assert_int_eq(h_calls, 0);

    /* A fresh loop works as usual. */
    void *v = NULL;
    ck_assert_int_eq(ed_main(return_arg_task, P(8), &v), 0);
    ck_assert_int_eq(N(v), 8);
    ED_TEST_END();
}
END_TEST

/* The same for tasks suspended in ed_await on a deferred's future that main
 * holds: they are freed, main's reference stays valid, the deferred still
 * works, and once main lets go of it nothing is left (LeakSanitizer). */
START_TEST(test_shutdown_frees_task_awaiting_deferred)
{
    ed_deferred *d = ed_deferred_new();
    g_wait_on = ed_deferred_future(d);
    ed_future *waiter = ed_async(named_wait_task, "waiter");
    ck_assert_ptr_ne(waiter, NULL);
    ck_assert(!ed_future_done(waiter));
    ck_assert_int_eq(ed_shutdown(), 0);
    ck_assert_int_eq(ed_future_error(waiter), -ECANCELED);
    ed_future_release(waiter);
    ck_assert(!ed_future_done(g_wait_on));
    ck_assert_int_eq(ed_resolve(d, NULL), 0);
    ck_assert(ed_future_done(g_wait_on));
    ed_future_release(g_wait_on);
    g_wait_on = NULL; /* lets LeakSanitizer see a leaked future */
    ed_deferred_free(d);
    ED_TEST_END();
}
END_TEST

/* api.md §2 (ed_cancel_future: -EALREADY when already finished): a task
 * freed by ed_shutdown has finished, its future settled. */
START_TEST(test_shutdown_then_cancel_ealready)
{
    double long_sleep = 60;
    ed_future *sleeper = ed_async(sleep_arg_task, &long_sleep);
    ck_assert_ptr_ne(sleeper, NULL);
    ck_assert_int_eq(ed_shutdown(), 0);
    ck_assert(ed_future_done(sleeper));
    ck_assert_int_eq(ed_cancel_future(sleeper), -EALREADY);
    ed_future_release(sleeper);
    ED_TEST_END();
}
END_TEST

static int outer_awaits_inner_task(void *arg, void **result)
{
    (void)result;
    return ed_await(arg, NULL);
}

/* The same with a task suspended in an await on another task's future that
 * main holds: both are freed, and main's references stay valid. */
START_TEST(test_shutdown_frees_nested_await)
{
    double long_sleep = 60;
    ed_future *inner = ed_async(sleep_arg_task, &long_sleep);
    ck_assert_ptr_ne(inner, NULL);
    ed_future *outer = ed_async(outer_awaits_inner_task, inner);
    ck_assert_ptr_ne(outer, NULL);
    ck_assert_int_eq(ed_shutdown(), 0);
    ck_assert_int_eq(ed_future_error(inner), -ECANCELED);
    ck_assert_int_eq(ed_future_error(outer), -ECANCELED);
    ed_future_release(outer);
    ed_future_release(inner);
    ED_TEST_END();
}
END_TEST

/* ---- the floating-point control state is each task's own ------------------ */

/* The rounding mode as SSE sees it (MXCSR), which fegetround may not read
 * (glibc reads the x87 control word on x86-64). */
static int sse_rounding(void)
{
#if defined(__x86_64__)
    switch (_mm_getcsr() & 0x6000) {
    case 0x0000:
        return FE_TONEAREST;
    case 0x2000:
        return FE_DOWNWARD;
    case 0x4000:
        return FE_UPWARD;
    default:
        return FE_TOWARDZERO;
    }
#else
    return fegetround();
#endif
}

typedef struct rounder {
    int mode;
    int seen_at_start, seen_after;
    int sse_at_start, sse_after;
} rounder;

static int round_and_yield(void *arg, void **result)
{
    rounder *r = arg;
    (void)result;
    r->seen_at_start = fegetround();
    r->sse_at_start = sse_rounding();
    CHECK(fesetround(r->mode) == 0);
    for (int i = 0; i < 3; i++)
        CHECK(ed_yield() == 0); /* the other task runs with its own mode */
    r->seen_after = fegetround();
    r->sse_after = sse_rounding();
    return 0;
}

START_TEST(test_fp_control_state_per_task)
{
    ck_assert_int_eq(fesetround(FE_TONEAREST), 0);
    rounder up = {FE_UPWARD, -1, -1, -1, -1}, down = {FE_DOWNWARD, -1, -1, -1, -1};
    ed_future *a = ed_async(round_and_yield, &up);
    ed_future *b = ed_async(round_and_yield, &down);
    ck_assert_int_eq(fegetround(), FE_TONEAREST); /* main's own */
    ck_assert_int_eq(ed_await(a, NULL), 0);
    ck_assert_int_eq(ed_await(b, NULL), 0);
    ck_assert_int_eq(up.seen_at_start, FE_TONEAREST); /* tasks start with the defaults */
    ck_assert_int_eq(down.seen_at_start, FE_TONEAREST);
    ck_assert_int_eq(up.sse_at_start, FE_TONEAREST);
    ck_assert_int_eq(up.seen_after, FE_UPWARD);
    ck_assert_int_eq(up.sse_after, FE_UPWARD);
    ck_assert_int_eq(down.seen_after, FE_DOWNWARD);
    ck_assert_int_eq(down.sse_after, FE_DOWNWARD);
    ck_assert_int_eq(fegetround(), FE_TONEAREST);
    ck_assert_int_eq(sse_rounding(), FE_TONEAREST);
    ed_future_release(a);
    ed_future_release(b);
    ED_TEST_END();
}
END_TEST

/* ---- suite -------------------------------------------------------------- */

static Suite *tasks_suite(void)
{
    Suite *s = suite_create("tasks");
    TCase *tc = tcase_create("tasks");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_async_runs_until_first_suspension);
    tcase_add_test(tc, test_task_failure_message);
    tcase_add_test(tc, test_task_fail_text_then_success);
    tcase_add_test(tc, test_main_returns_code_and_result);
    tcase_add_test(tc, test_main_await_with_busy_loop);
    tcase_add_test(tc, test_main_await_deadlock);
    tcase_add_test(tc, test_main_await_returns_loop_error);
    tcase_add_test(tc, test_suspend_in_callback_eperm);
    tcase_add_test(tc, test_sleep_order);
    tcase_add_test(tc, test_sleep_invalid);
    tcase_add_test(tc, test_yield_interleaves);
    tcase_add_test(tc, test_yield_from_main);
    tcase_add_test(tc, test_go_error_to_handler);
    tcase_add_test(tc, test_go_error_ends_run);
    tcase_add_test(tc, test_go_defer_next_tick);
    tcase_add_test(tc, test_go_defer_error);
    tcase_add_test(tc, test_async_failure_released_unobserved);
    tcase_add_test(tc, test_cancel_while_sleeping);
    tcase_add_test(tc, test_cancel_while_awaiting);
    tcase_add_test(tc, test_cancel_task_decides_outcome);
    tcase_add_test(tc, test_cancel_self);
    tcase_add_test(tc, test_cancel_finished_and_non_task);
    tcase_add_test(tc, test_self);
    tcase_add_test(tc, test_run_from_task_ebusy);
    tcase_add_test(tc, test_run_once_and_run_from_main);
    tcase_add_test(tc, test_many_tasks_sleeping);
    tcase_add_test(tc, test_unguarded_canaries_survive_trims);
    tcase_add_test(tc, test_unguarded_canaries_survive_size_change);
    tcase_add_test(tc, test_dump_lists_suspended_task);
    tcase_add_test(tc, test_set_name_copied_and_cut);
    tcase_add_test(tc, test_await_self_edeadlk);
    tcase_add_test(tc, test_stack_size);
    tcase_add_test(tc, test_shutdown_frees_suspended_tasks);
    tcase_add_test(tc, test_shutdown_frees_task_awaiting_deferred);
    tcase_add_test(tc, test_shutdown_then_cancel_ealready);
    tcase_add_test(tc, test_shutdown_frees_nested_await);
    tcase_add_test(tc, test_fp_control_state_per_task);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(tasks_suite)
