/* Futures and deferreds: behaviour.md §2 (promises), §7, §8.7-8.9; api.md §2
 * and §6. Settling once, errors and their text, awaiting (nested, many
 * waiters, already settled), the rule that failures are never lost, and
 * the rule that waiters resume through microtasks, never inside resolve. */
#include "support.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- settling a deferred ------------------------------------------------ */

/* §2.1, api.md §2: a deferred resolves once; its future reports it. */
START_TEST(test_deferred_resolve)
{
    int value = 42;
    ed_deferred *d = ed_deferred_new();
    ck_assert_ptr_ne(d, NULL);
    ed_future *f = ed_deferred_future(d);
    ck_assert_ptr_ne(f, NULL);

    ck_assert(!ed_future_done(f));
    ck_assert_int_eq(ed_future_error(f), -EINPROGRESS);
    ck_assert_ptr_eq(ed_future_message(f), NULL);

    ck_assert_int_eq(ed_resolve(d, &value), 0);
    ck_assert(ed_future_done(f));
    ck_assert_int_eq(ed_future_error(f), 0);
    ck_assert_ptr_eq(ed_future_message(f), NULL);

    void *out = NULL;
    ck_assert_int_eq(ed_await(f, &out), 0);
    ck_assert_ptr_eq(out, &value);
    /* Awaiting again gives the same value; NULL result is allowed. */
    out = NULL;
    ck_assert_int_eq(ed_await(f, &out), 0);
    ck_assert_ptr_eq(out, &value);
    ck_assert_int_eq(ed_await(f, NULL), 0);

    /* A second future reference sees the same outcome. */
    ed_future *g = ed_deferred_future(d);
    ck_assert_ptr_eq(g, f);
    ed_future_release(g);
    ck_assert_ptr_eq(ed_future_ref(f), f);
    ed_future_release(f);

    ed_future_release(f);
    ed_deferred_free(d);
    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

/* §2.1 ("settles once"), §2.3: a second settlement is refused and changes
 * nothing. */
START_TEST(test_deferred_settle_twice_ealready)
{
    int a = 1, b = 2;
    ed_deferred *d = ed_deferred_new();
    ck_assert_ptr_ne(d, NULL);
    ed_future *f = ed_deferred_future(d);
    ck_assert_int_eq(ed_resolve(d, &a), 0);
    ck_assert_int_eq(ed_resolve(d, &b), -EALREADY);
    ck_assert_int_eq(ed_reject(d, -EIO, "late"), -EALREADY);
    void *out = NULL;
    ck_assert_int_eq(ed_await(f, &out), 0);
    ck_assert_ptr_eq(out, &a);
    ck_assert_ptr_eq(ed_future_message(f), NULL);
    ed_future_release(f);
    ed_deferred_free(d);

    /* The same after a rejection: the first error stays. */
    d = ed_deferred_new();
    f = ed_deferred_future(d);
    ck_assert_int_eq(ed_reject(d, -EIO, "first"), 0);
    ck_assert_int_eq(ed_reject(d, -ETIMEDOUT, "second"), -EALREADY);
    ck_assert_int_eq(ed_resolve(d, &a), -EALREADY);
    ck_assert_int_eq(ed_future_error(f), -EIO);
    ck_assert_str_eq(ed_future_message(f), "first");
    ed_future_release(f);
    ed_deferred_free(d);
    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

/* api.md §2: ed_reject with a code that is not an error is refused, and the
 * future stays pending. */
START_TEST(test_deferred_reject_nonnegative_einval)
{
    ed_deferred *d = ed_deferred_new();
    ed_future *f = ed_deferred_future(d);
    ck_assert_int_eq(ed_reject(d, 0, "zero"), -EINVAL);
    ck_assert_int_eq(ed_reject(d, EIO, "positive"), -EINVAL);
    ck_assert(!ed_future_done(f));
    ck_assert_int_eq(ed_future_error(f), -EINPROGRESS);
    /* Still usable afterwards. */
    ck_assert_int_eq(ed_resolve(d, NULL), 0);
    ck_assert_int_eq(ed_future_error(f), 0);
    /* And once settled, an invalid code is still -EINVAL, never a change. */
    ck_assert_int_eq(ed_reject(d, 0, NULL), -EINVAL);
    ck_assert_int_eq(ed_future_error(f), 0);
    ed_future_release(f);
    ed_deferred_free(d);
    ED_TEST_END();
}
END_TEST

/* api.md §2: the error and its text come back through the future; the
 * message is copied; NULL gives ed_strerror's text. */
START_TEST(test_deferred_reject_message)
{
    char text[32];
    snprintf(text, sizeof text, "disk on fire");
    ed_deferred *d = ed_deferred_new();
    ed_future *f = ed_deferred_future(d);
    ck_assert_int_eq(ed_reject(d, -EIO, text), 0);
    memset(text, 'x', sizeof text - 1); /* the future has its own copy */
    ck_assert(ed_future_done(f));
    ck_assert_str_eq(ed_future_message(f), "disk on fire");
    void *out = P(7);
    ck_assert_int_eq(ed_await(f, &out), -EIO);
    ck_assert_ptr_eq(out, P(7)); /* not touched on failure */
    ck_assert_int_eq(ed_future_error(f), -EIO);
    ed_future_release(f);
    ed_deferred_free(d);

    /* No text: ed_strerror's. */
    d = ed_deferred_new();
    f = ed_deferred_future(d);
    ck_assert_int_eq(ed_reject(d, -ETIMEDOUT, NULL), 0);
    ck_assert_ptr_ne(ed_future_message(f), NULL);
    ck_assert_str_eq(ed_future_message(f), ed_strerror(-ETIMEDOUT));
    ck_assert_int_eq(ed_await(f, NULL), -ETIMEDOUT);
    ed_future_release(f);
    ed_deferred_free(d);

    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

/* api.md §2: NULL arguments are refused, not crashes. */
START_TEST(test_future_null_arguments)
{
    ck_assert_int_eq(ed_await(NULL, NULL), -EINVAL);
    ck_assert(!ed_future_done(NULL));
    ck_assert_ptr_eq(ed_future_message(NULL), NULL);
    ck_assert_int_eq(ed_resolve(NULL, NULL), -EINVAL);
    ck_assert_int_eq(ed_reject(NULL, -EIO, NULL), -EINVAL);
    ck_assert_int_eq(ed_cancel_future(NULL), -EINVAL);
    ed_future_release(NULL);
    ed_future_ignore(NULL);
    ed_deferred_free(NULL);
    ED_TEST_END();
}
END_TEST

/* ---- nested awaits ------------------------------------------------------ */

static ed_deferred *n_d;

/* inner: awaits the deferred, passes its value (+1) or its error up. */
static int inner_task(void *arg, void **result)
{
    (void)arg;
    ed_future *f = ed_deferred_future(n_d);
    void *v = NULL;
    int rc = ed_await(f, &v);
    if (rc < 0) {
        rc = ed_fail(rc, "inner: %s", ed_future_message(f));
        ed_future_release(f);
        log_add(2);
        return rc;
    }
    ed_future_release(f);
    log_add(2);
    *result = P(N(v) + 1);
    return 0;
}

/* outer: awaits inner, passes its value (+10) or its error up. */
static int outer_task(void *arg, void **result)
{
    (void)arg;
    ed_future *f = ed_async(inner_task, NULL);
    CHECK(f != NULL);
    log_add(1);
    void *v = NULL;
    int rc = ed_await(f, &v);
    if (rc < 0) {
        rc = ed_fail(rc, "outer: %s", ed_future_message(f));
        ed_future_release(f);
        log_add(3);
        return rc;
    }
    ed_future_release(f);
    log_add(3);
    *result = P(N(v) + 10);
    return 0;
}

/* §2.2: a value travels up through nested awaits (task awaits task awaits a
 * deferred), each level resuming after the one below. */
START_TEST(test_nested_await_value)
{
    g_nlog = 0;
    n_d = ed_deferred_new();
    ed_future *f = ed_async(outer_task, NULL);
    ck_assert_ptr_ne(f, NULL);
    ck_assert(!ed_future_done(f));
    log_add(0);
    ck_assert_int_eq(ed_resolve(n_d, P(100)), 0);
    void *v = NULL;
    ck_assert_int_eq(ed_await(f, &v), 0);
    ck_assert_int_eq(N(v), 111);
    int want[] = {1, 0, 2, 3};
    log_expect(want, 4);
    ed_future_release(f);
    ed_deferred_free(n_d);
    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

static int reject_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    CHECK(ed_reject(n_d, -EPROTO, "bad frame") == 0);
    return 0;
}

/* §2.2: an error travels up the same way, with its text, and is settled
 * from a loop callback while main waits. */
START_TEST(test_nested_await_error)
{
    g_nlog = 0;
    handler_install();
    n_d = ed_deferred_new();
    ed_future *f = ed_async(outer_task, NULL);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_uint_ne(ed_defer(reject_cb, NULL), 0);
    void *v = P(5);
    ck_assert_int_eq(ed_await(f, &v), -EPROTO);
    ck_assert_ptr_eq(v, P(5));
    ck_assert_str_eq(ed_future_message(f), "outer: inner: bad frame");
    int want[] = {1, 2, 3};
    log_expect(want, 3);
    ed_future_release(f);
    ed_deferred_free(n_d);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(h_calls, 0); /* every failure was observed */
    ED_TEST_END();
}
END_TEST

/* ---- many waiters ------------------------------------------------------- */

#define MANY 6
static ed_deferred *m_d;
static int m_await_order[MANY], m_nawait;
static int m_resume_order[MANY], m_nresume;
static int m_rc[MANY];
static void *m_val[MANY];

/* Task i yields (MANY-1-i) times first, so the last created awaits first. */
static int many_task(void *arg, void **result)
{
    (void)result;
    int i = N(arg);
    for (int k = 0; k < MANY - 1 - i; k++)
        CHECK(ed_yield() == 0);
    ed_future *f = ed_deferred_future(m_d);
    m_await_order[m_nawait++] = i;
    m_rc[i] = ed_await(f, &m_val[i]);
    m_resume_order[m_nresume++] = i;
    ed_future_release(f);
    return 0;
}

static void many_start(void)
{
    m_nawait = m_nresume = 0;
    m_d = ed_deferred_new();
    ck_assert_ptr_ne(m_d, NULL);
    for (int i = 0; i < MANY; i++) {
        m_rc[i] = 1;
        m_val[i] = NULL;
        ck_assert_int_eq(ed_go(many_task, P(i)), 0);
    }
    /* Runs until every task waits on the deferred (nothing else is left). */
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(m_nawait, MANY);
    ck_assert_int_eq(m_nresume, 0);
    for (int i = 0; i < MANY; i++)
        ck_assert_int_eq(m_await_order[i], MANY - 1 - i);
}

/* §2.1: every waiter of one future resumes, in the order they awaited. */
START_TEST(test_many_waiters_resolve)
{
    int value = 9;
    many_start();
    ck_assert_int_eq(ed_resolve(m_d, &value), 0);
    ck_assert_int_eq(m_nresume, 0); /* not inside ed_resolve */
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(m_nresume, MANY);
    for (int i = 0; i < MANY; i++) {
        ck_assert_int_eq(m_resume_order[i], m_await_order[i]);
        ck_assert_int_eq(m_rc[i], 0);
        ck_assert_ptr_eq(m_val[i], &value);
    }
    ed_deferred_free(m_d);
    ED_TEST_END();
}
END_TEST

/* The same with a rejection: each waiter gets the error; all of them
 * observed it, so nothing is reported. */
START_TEST(test_many_waiters_reject)
{
    handler_install();
    many_start();
    ck_assert_int_eq(ed_reject(m_d, -ECONNRESET, "peer left"), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(m_nresume, MANY);
    for (int i = 0; i < MANY; i++) {
        ck_assert_int_eq(m_resume_order[i], m_await_order[i]);
        ck_assert_int_eq(m_rc[i], -ECONNRESET);
        ck_assert_ptr_eq(m_val[i], NULL);
    }
    ed_deferred_free(m_d);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(h_calls, 0);
    ED_TEST_END();
}
END_TEST

/* ---- awaiting a settled future ------------------------------------------ */

static ed_future *s_f;
static int s_steps;

static int settled_task(void *arg, void **result)
{
    (void)arg;
    void *v = NULL;
    s_steps = 1;
    CHECK(ed_await(s_f, &v) == 0);
    s_steps = 2;
    *result = v;
    return 0;
}

static int flag_cb(ed_id id, void *data)
{
    (void)id;
    *(int *)data = 1;
    return 0;
}

/* §2.2 (trampoline), §8.8: awaiting a settled future returns at once: in a
 * task it does not suspend (ed_async comes back with the task finished),
 * and from main it does not run the loop. */
START_TEST(test_await_settled_returns_at_once)
{
    int value = 3, ran = 0;
    ed_deferred *d = ed_deferred_new();
    s_f = ed_deferred_future(d);
    ck_assert_int_eq(ed_resolve(d, &value), 0);

    ed_future *t = ed_async(settled_task, NULL);
    ck_assert_ptr_ne(t, NULL);
    ck_assert_int_eq(s_steps, 2);
    ck_assert(ed_future_done(t));
    void *v = NULL;
    ck_assert_int_eq(ed_await(t, &v), 0);
    ck_assert_ptr_eq(v, &value);
    ed_future_release(t);

    /* From main: a defer exists, but the loop does not run. */
    ck_assert_uint_ne(ed_defer(flag_cb, &ran), 0);
    v = NULL;
    ck_assert_int_eq(ed_await(s_f, &v), 0);
    ck_assert_ptr_eq(v, &value);
    ck_assert_int_eq(ran, 0);

    /* And a rejected one: at once too, with its error. */
    ed_deferred *e = ed_deferred_new();
    ed_future *ef = ed_deferred_future(e);
    ck_assert_int_eq(ed_reject(e, -EIO, NULL), 0);
    ck_assert_int_eq(ed_await(ef, NULL), -EIO);
    ck_assert_int_eq(ran, 0);
    ed_future_release(ef);
    ed_deferred_free(e);

    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(ran, 1);
    ed_future_release(s_f);
    ed_deferred_free(d);
    ED_TEST_END();
}
END_TEST

/* ---- failures are never lost -------------------------------------------- */

/* §8.9, §2.3: a failed future released unobserved goes to the error handler,
 * naming where it was created. */
START_TEST(test_unobserved_failure_to_handler)
{
    handler_install();
    ed_deferred *d = ed_deferred_new(); int line = __LINE__;
    ed_future *f = ed_deferred_future(d);
    ck_assert_int_eq(ed_reject(d, -EIO, "lost write"), 0);
    ed_deferred_free(d);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(h_calls, 0); /* f still holds a reference */
    ed_future_release(f);
    ck_assert_int_eq(ed_run(), 0); /* the handler took it */
    ck_assert_int_eq(h_calls, 1);
    ck_assert_int_eq(h_err[0], -EIO);
    assert_site(h_msg[0], line);
    assert_contains(h_msg[0], "lost write");
    ED_TEST_END();
}
END_TEST

/* A rejected deferred freed without anyone taking its future: reported too. */
START_TEST(test_unobserved_failure_no_future_taken)
{
    handler_install();
    ed_deferred *d = ed_deferred_new(); int line = __LINE__;
    ck_assert_int_eq(ed_reject(d, -ENOTCONN, NULL), 0);
    ed_deferred_free(d);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(h_calls, 1);
    ck_assert_int_eq(h_err[0], -ENOTCONN);
    assert_site(h_msg[0], line);
    ED_TEST_END();
}
END_TEST

/* §8.9: with no handler, ed_run returns the error and ed_error_message has
 * the report. */
START_TEST(test_unobserved_failure_ends_run)
{
    ed_deferred *d = ed_deferred_new(); int line = __LINE__;
    ed_future *f = ed_deferred_future(d);
    ck_assert_int_eq(ed_reject(d, -EIO, "lost write"), 0);
    ed_deferred_free(d);
    ed_future_release(f);
    ck_assert_int_eq(ed_run(), -EIO);
    assert_site(ed_error_message(), line);
    assert_contains(ed_error_message(), "lost write");
    ck_assert_int_eq(ed_run(), 0); /* reported once */
    ED_TEST_END();
}
END_TEST

static int u_line;

static int lose_one_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    ed_deferred *d = ed_deferred_new(); u_line = __LINE__;
    CHECK(ed_reject(d, -EPIPE, "pipe gone") == 0);
    ed_deferred_free(d);
    return 0;
}

static int late_cb(ed_id id, void *data)
{
    (void)id;
    *(int *)data = 1;
    return 0;
}

/* §8.9: released unobserved inside a running loop, with no handler: ed_run
 * stops at the end of that tick and returns it. */
START_TEST(test_unobserved_failure_in_loop_ends_run)
{
    int late = 0;
    ck_assert_uint_ne(ed_defer(lose_one_cb, NULL), 0);
    ed_id id = ed_delay(30, late_cb, &late);
    ck_assert_uint_ne(id, 0);
    ck_assert_int_eq(ed_run(), -EPIPE);
    assert_site(ed_error_message(), u_line);
    ck_assert_int_eq(late, 0);
    ed_cancel(id);
    ED_TEST_END();
}
END_TEST

/* api.md §6: ed_future_ignore marks a failure deliberately unobserved. */
START_TEST(test_future_ignore_suppresses_report)
{
    handler_install();
    ed_deferred *d = ed_deferred_new();
    ed_future *f = ed_deferred_future(d);
    ck_assert_int_eq(ed_reject(d, -EIO, "ignored"), 0);
    ed_future_ignore(f);
    ed_future_release(f); /* the caller still releases its reference */
    ed_deferred_free(d);
    ck_assert_int_eq(h_calls, 0);

    /* Ignoring while pending works too. */
    d = ed_deferred_new();
    f = ed_deferred_future(d);
    ed_future_ignore(f);
    ed_future_release(f);
    ck_assert_int_eq(ed_reject(d, -EIO, "ignored early"), 0);
    ed_deferred_free(d);
    ck_assert_int_eq(h_calls, 0);

    /* Without a handler, ed_run is not ended by it either. */
    ed_set_error_handler(NULL, NULL);
    d = ed_deferred_new();
    f = ed_deferred_future(d);
    ck_assert_int_eq(ed_reject(d, -EIO, NULL), 0);
    ed_future_ignore(f);
    ed_future_release(f);
    ed_deferred_free(d);
    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

static ed_future *o_f;

static int observe_task(void *arg, void **result)
{
    (void)arg;
    (void)result;
    int rc = ed_await(o_f, NULL);
    CHECK(rc == -EIO);
    return 0;
}

/* §2.3 ("any subscription counts as handled"), api.md §2: awaiting, from main
 * or from a task, observes the failure; so does ed_future_error. */
START_TEST(test_observed_failure_not_reported)
{
    handler_install();
    /* Awaited from main. */
    ed_deferred *d = ed_deferred_new();
    ed_future *f = ed_deferred_future(d);
    ck_assert_int_eq(ed_reject(d, -EIO, NULL), 0);
    ck_assert_int_eq(ed_await(f, NULL), -EIO);
    ed_future_release(f);
    ed_deferred_free(d);

    /* Awaited from a task, while pending. */
    d = ed_deferred_new();
    o_f = ed_deferred_future(d);
    ed_future *t = ed_async(observe_task, NULL);
    ck_assert_ptr_ne(t, NULL);
    ck_assert_int_eq(ed_reject(d, -EIO, NULL), 0);
    ed_deferred_free(d);
    ck_assert_int_eq(ed_await(t, NULL), 0);
    ed_future_release(t);
    ed_future_release(o_f);

    /* Read with ed_future_error. */
    d = ed_deferred_new();
    f = ed_deferred_future(d);
    ck_assert_int_eq(ed_reject(d, -EIO, NULL), 0);
    ck_assert_int_eq(ed_future_error(f), -EIO);
    ed_future_release(f);
    ed_deferred_free(d);

    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(h_calls, 0);
    ED_TEST_END();
}
END_TEST

/* ---- waiters resume through microtasks ---------------------------------- */

static ed_deferred *w_d;
static bool w_task_ran, w_cb1_returned, w_cb2_ran;

static int waiter_task(void *arg, void **result)
{
    (void)arg;
    (void)result;
    ed_future *f = ed_deferred_future(w_d);
    int rc = ed_await(f, NULL);
    ed_future_release(f);
    CHECK(rc == 0);
    CHECK(w_cb1_returned); /* never inside the callback that resolved */
    CHECK(!w_cb2_ran);     /* but before the next callback of the tick */
    w_task_ran = true;
    return 0;
}

static int resolve_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    CHECK(ed_resolve(w_d, NULL) == 0);
    CHECK(!w_task_ran); /* not synchronously inside ed_resolve */
    w_cb1_returned = true;
    return 0;
}

static int after_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    CHECK(w_task_ran);
    w_cb2_ran = true;
    return 0;
}

/* §8.8, §1.13: ed_resolve in a callback does not run the waiter; it runs
 * from the microtask queue right after that callback, before the next one
 * of the same tick. */
START_TEST(test_waiter_resumes_after_callback)
{
    w_d = ed_deferred_new();
    ed_future *t = ed_async(waiter_task, NULL);
    ck_assert_ptr_ne(t, NULL);
    /* Both defers run in tick 1, in this order. */
    ck_assert_uint_ne(ed_defer(resolve_cb, NULL), 0);
    ck_assert_uint_ne(ed_defer(after_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert(w_task_ran);
    ck_assert(w_cb2_ran);
    ck_assert_int_eq(ed_future_error(t), 0);
    ed_future_release(t);
    ed_deferred_free(w_d);
    ED_TEST_END();
}
END_TEST

static bool r_resolver_done, r_waiter_ran;

static int resolver_task(void *arg, void **result)
{
    (void)arg;
    (void)result;
    CHECK(ed_resolve(w_d, NULL) == 0);
    CHECK(!r_waiter_ran); /* not inside ed_resolve */
    CHECK(ed_yield() == 0);
    CHECK(r_waiter_ran); /* it ran while we were suspended */
    r_resolver_done = true;
    return 0;
}

static int waiter2_task(void *arg, void **result)
{
    (void)arg;
    (void)result;
    ed_future *f = ed_deferred_future(w_d);
    CHECK(ed_await(f, NULL) == 0);
    ed_future_release(f);
    CHECK(!r_resolver_done);
    r_waiter_ran = true;
    return 0;
}

/* §8.8: the same from main and from another task. */
START_TEST(test_waiter_not_resumed_inside_resolve)
{
    w_d = ed_deferred_new();
    ck_assert_int_eq(ed_go(waiter2_task, NULL), 0);
    ck_assert_int_eq(ed_go(resolver_task, NULL), 0);
    ck_assert(!r_waiter_ran);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert(r_waiter_ran);
    ck_assert(r_resolver_done);
    ed_deferred_free(w_d);

    /* From main: ed_resolve returns before the waiter runs. */
    r_waiter_ran = false;
    r_resolver_done = false;
    w_d = ed_deferred_new();
    ck_assert_int_eq(ed_go(waiter2_task, NULL), 0);
    ck_assert_int_eq(ed_resolve(w_d, NULL), 0);
    ck_assert(!r_waiter_ran);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert(r_waiter_ran);
    ed_deferred_free(w_d);
    ED_TEST_END();
}
END_TEST

/* ---- long chains do not grow the stack ---------------------------------- */

#define CHAIN ED_TEST_TASKS(100000)
static ed_deferred **c_d;
static int c_done;

/* Task i awaits deferred i, then resolves deferred i+1 with i+1. */
static int chain_task(void *arg, void **result)
{
    (void)result;
    size_t i = (size_t)(uintptr_t)arg;
    ed_future *f = ed_deferred_future(c_d[i]);
    void *v = NULL;
    int rc = ed_await(f, &v);
    ed_future_release(f);
    if (rc < 0)
        return rc;
    CHECK((size_t)(uintptr_t)v == i);
    CHECK((size_t)c_done == i);
    c_done++;
    CHECK(ed_resolve(c_d[i + 1], (void *)(uintptr_t)(i + 1)) == 0);
    return 0;
}

static void chain_alloc(void)
{
    c_done = 0;
    c_d = calloc(CHAIN + 1, sizeof *c_d);
    ck_assert_ptr_ne(c_d, NULL);
    for (size_t i = 0; i <= CHAIN; i++) {
        c_d[i] = ed_deferred_new();
        CHECK(c_d[i] != NULL);
    }
}

static void chain_free(void)
{
    for (size_t i = 0; i <= CHAIN; i++)
        ed_deferred_free(c_d[i]);
    free(c_d);
    c_d = NULL;
}

static int start_chain_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    CHECK(ed_resolve(c_d[0], (void *)(uintptr_t)0) == 0);
    return 0;
}

/* §8.8, §2.2: 25,000 tasks suspended at once, each woken by the one before
 * it, run one after the other from the microtask queue, with the default
 * stack size. (Fewer than the relay below: every new task touches fresh
 * stack pages, which costs tens of microseconds each, more under ASan.) */
#define CHAIN_WAITING ED_TEST_TASKS(25000)
START_TEST(test_chain_all_waiting)
{
    chain_alloc();
    for (size_t i = 0; i < CHAIN_WAITING; i++)
        CHECK(ed_go(chain_task, (void *)(uintptr_t)i) == 0);
    ck_assert_int_eq(c_done, 0);
    ck_assert_uint_ne(ed_defer(start_chain_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(c_done, CHAIN_WAITING);
    ed_future *last = ed_deferred_future(c_d[CHAIN_WAITING]);
    void *v = NULL;
    ck_assert_int_eq(ed_await(last, &v), 0);
    ck_assert_uint_eq((uintptr_t)v, CHAIN_WAITING);
    ed_future_release(last);
    chain_free();
    ED_TEST_END();
}
END_TEST

/* §8.8: a chain of 100,000 tasks: task i starts task i+1 (which suspends
 * on deferred i+1), then resolves it and returns: few tasks alive at once,
 * 100,000 wake-ups in a row, each through the microtask queue. */
static int relay_task(void *arg, void **result)
{
    (void)result;
    size_t i = (size_t)(uintptr_t)arg;
    ed_future *f = ed_deferred_future(c_d[i]);
    void *v = NULL;
    int rc = ed_await(f, &v);
    ed_future_release(f);
    if (rc < 0)
        return rc;
    CHECK((size_t)(uintptr_t)v == i);
    c_done++;
    if (i + 1 < CHAIN)
        CHECK(ed_go(relay_task, (void *)(uintptr_t)(i + 1)) == 0);
    CHECK(ed_resolve(c_d[i + 1], (void *)(uintptr_t)(i + 1)) == 0);
    return 0;
}

START_TEST(test_chain_relay)
{
    chain_alloc();
    ck_assert_int_eq(ed_go(relay_task, P(0)), 0);
    ck_assert_int_eq(ed_resolve(c_d[0], P(0)), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(c_done, CHAIN);
    ed_future *last = ed_deferred_future(c_d[CHAIN]);
    ck_assert(ed_future_done(last));
    ed_future_release(last);
    chain_free();
    ED_TEST_END();
}
END_TEST

static int settled_loop_task(void *arg, void **result)
{
    ed_future *f = arg;
    void *sum = NULL;
    for (int i = 0; i < CHAIN; i++) {
        void *v = NULL;
        if (ed_await(f, &v) != 0)
            return -EIO;
        sum = P(N(sum) + N(v));
    }
    *result = sum;
    return 0;
}

/* §2.2 (trampoline): 100,000 awaits of a settled future in a row, in a task
 * and from main, never suspend and never grow the stack. */
START_TEST(test_chain_settled_awaits)
{
    ed_deferred *d = ed_deferred_new();
    ed_future *f = ed_deferred_future(d);
    ck_assert_int_eq(ed_resolve(d, P(1)), 0);
    ed_future *t = ed_async(settled_loop_task, f);
    ck_assert_ptr_ne(t, NULL);
    ck_assert(ed_future_done(t));
    void *v = NULL;
    ck_assert_int_eq(ed_await(t, &v), 0);
    ck_assert_int_eq(N(v), CHAIN);
    ed_future_release(t);
    for (int i = 0; i < CHAIN; i++)
        CHECK(ed_await(f, NULL) == 0);
    ed_future_release(f);
    ed_deferred_free(d);
    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

/* ---- suite -------------------------------------------------------------- */

static Suite *futures_suite(void)
{
    Suite *s = suite_create("futures");
    TCase *tc = tcase_create("futures");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_deferred_resolve);
    tcase_add_test(tc, test_deferred_settle_twice_ealready);
    tcase_add_test(tc, test_deferred_reject_nonnegative_einval);
    tcase_add_test(tc, test_deferred_reject_message);
    tcase_add_test(tc, test_future_null_arguments);
    tcase_add_test(tc, test_nested_await_value);
    tcase_add_test(tc, test_nested_await_error);
    tcase_add_test(tc, test_many_waiters_resolve);
    tcase_add_test(tc, test_many_waiters_reject);
    tcase_add_test(tc, test_await_settled_returns_at_once);
    tcase_add_test(tc, test_unobserved_failure_to_handler);
    tcase_add_test(tc, test_unobserved_failure_no_future_taken);
    tcase_add_test(tc, test_unobserved_failure_ends_run);
    tcase_add_test(tc, test_unobserved_failure_in_loop_ends_run);
    tcase_add_test(tc, test_future_ignore_suppresses_report);
    tcase_add_test(tc, test_observed_failure_not_reported);
    tcase_add_test(tc, test_waiter_resumes_after_callback);
    tcase_add_test(tc, test_waiter_not_resumed_inside_resolve);
    tcase_add_test(tc, test_chain_all_waiting);
    tcase_add_test(tc, test_chain_relay);
    tcase_add_test(tc, test_chain_settled_awaits);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(futures_suite)
