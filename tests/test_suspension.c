/* Suspensions (Revolt's Suspension, behaviour.md §1.13): one per fiber,
 * resumed with a value or an error through a microtask, never synchronously;
 * resuming what is not suspended is refused; main's suspension runs the loop
 * and ends with -EDEADLK when nothing could resume it. */
#include "support.h"

/* ---- one per fiber --------------------------------------------------------- */

typedef struct pair {
    ed_suspension *first, *second;
} pair;

static int get_twice(void *arg, void **result)
{
    pair *p = arg;
    (void)result;
    p->first = ed_suspension_get();
    p->second = ed_suspension_get();
    return 0;
}

START_TEST(test_one_suspension_per_fiber)
{
    pair a = {NULL, NULL}, b = {NULL, NULL};
    ed_future *fa = ed_async(get_twice, &a);
    ed_future *fb = ed_async(get_twice, &b);
    ck_assert_ptr_ne(a.first, NULL);
    ck_assert_ptr_eq(a.first, a.second);
    ck_assert_ptr_ne(b.first, NULL);
    ck_assert_ptr_ne(a.first, b.first);
    ed_suspension *m = ed_suspension_get(); /* main's */
    ck_assert_ptr_ne(m, NULL);
    ck_assert_ptr_eq(m, ed_suspension_get());
    ck_assert_ptr_ne(m, a.first);
    ck_assert_int_eq(ed_await(fa, NULL), 0);
    ck_assert_int_eq(ed_await(fb, NULL), 0);
    ed_future_release(fa);
    ed_future_release(fb);
    ED_TEST_END();
}
END_TEST

/* ---- value, order, and refusals --------------------------------------------- */

typedef struct parked {
    ed_suspension *s;
    int rc;
    void *value;
    int *log, *len;
} parked;

static int park(void *arg, void **result)
{
    parked *p = arg;
    (void)result;
    p->s = ed_suspension_get();
    p->log[(*p->len)++] = 1;
    p->rc = ed_suspend(p->s, &p->value);
    p->log[(*p->len)++] = 3;
    return 0;
}

START_TEST(test_resume_delivers_value_after_the_resumer)
{
    int log[8], len = 0;
    parked p = {NULL, -1, NULL, log, &len};
    ed_future *f = ed_async(park, &p);
    ck_assert_int_eq(len, 1);
    ck_assert(!ed_future_done(f));
    ck_assert_int_eq(ed_resume(p.s, P(42)), 0);
    log[len++] = 2; /* the resumed task has not run inside ed_resume */
    ck_assert_int_eq(ed_resume(p.s, P(43)), -EALREADY); /* already resumed */
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(len, 3);
    ck_assert_int_eq(log[0], 1);
    ck_assert_int_eq(log[1], 2);
    ck_assert_int_eq(log[2], 3);
    ck_assert_int_eq(p.rc, 0);
    ck_assert_int_eq(N(p.value), 42); /* the first resume's value */
    ed_future_release(f);
    ED_TEST_END();
}
END_TEST

START_TEST(test_resume_error)
{
    int log[8], len = 0;
    parked p = {NULL, -1, P(7), log, &len};
    ed_future *f = ed_async(park, &p);
    ck_assert_int_eq(ed_resume_error(p.s, 0), -EINVAL);
    ck_assert_int_eq(ed_resume_error(p.s, 5), -EINVAL);
    ck_assert_int_eq(ed_resume_error(p.s, -ECONNRESET), 0);
    ck_assert_int_eq(ed_resume(p.s, P(1)), -EALREADY);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(p.rc, -ECONNRESET);
    ck_assert_ptr_eq(p.value, P(7)); /* untouched on error */
    ed_future_release(f);
    ED_TEST_END();
}
END_TEST

static int get_and_return(void *arg, void **result)
{
    (void)result;
    *(ed_suspension **)arg = ed_suspension_get();
    return 0;
}

START_TEST(test_resume_before_suspend_refused)
{
    ed_suspension *s = NULL;
    ed_future *f = ed_async(get_and_return, &s);
    ck_assert_ptr_ne(s, NULL);
    /* The task has finished, but its memory lives while f is held. */
    ck_assert_int_eq(ed_resume(s, P(1)), -EALREADY);
    ck_assert_int_eq(ed_resume_error(s, -EIO), -EALREADY);
    ed_suspension *m = ed_suspension_get();
    ck_assert_int_eq(ed_resume(m, P(1)), -EALREADY); /* main is running, not suspended */
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ed_future_release(f);
    ED_TEST_END();
}
END_TEST

START_TEST(test_null_arguments)
{
    ck_assert_int_eq(ed_suspend(NULL, NULL), -EINVAL);
    ck_assert_int_eq(ed_resume(NULL, P(1)), -EINVAL);
    ck_assert_int_eq(ed_resume_error(NULL, -EIO), -EINVAL);
    ED_TEST_END();
}
END_TEST

static int suspend_other(void *arg, void **result)
{
    (void)result;
    return ed_suspend(arg, NULL); /* main's suspension, not this task's */
}

START_TEST(test_suspend_someone_elses_refused)
{
    ed_suspension *m = ed_suspension_get();
    ed_future *f = ed_async(suspend_other, m);
    ck_assert(ed_future_done(f));
    ck_assert_int_eq(ed_await(f, NULL), -EPERM);
    ed_future_release(f);
    ED_TEST_END();
}
END_TEST

/* ---- raw callbacks ------------------------------------------------------------ */

typedef struct from_callback {
    ed_suspension *got;
    int err;
    int suspend_rc;
    ed_suspension *target;
    int resume_rc;
} from_callback;

static int callback_tries(ed_id id, void *data)
{
    from_callback *c = data;
    (void)id;
    errno = 0;
    c->got = ed_suspension_get();
    c->err = errno;
    c->suspend_rc = ed_suspend(c->target, NULL);
    c->resume_rc = ed_resume(c->target, P(99));
    return 0;
}

START_TEST(test_raw_callback_resumes_but_cannot_suspend)
{
    int log[8], len = 0;
    parked p = {NULL, -1, NULL, log, &len};
    ed_future *f = ed_async(park, &p);
    from_callback c = {NULL, 0, 0, p.s, -1};
    ck_assert(ed_defer(callback_tries, &c) != 0);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_ptr_eq(c.got, NULL);
    ck_assert_int_eq(c.err, EPERM);
    ck_assert_int_eq(c.suspend_rc, -EPERM);
    ck_assert_int_eq(c.resume_rc, 0);
    ck_assert_int_eq(p.rc, 0);
    ck_assert_int_eq(N(p.value), 99);
    ed_future_release(f);
    ED_TEST_END();
}
END_TEST

/* ---- main ------------------------------------------------------------------- */

static int resume_main(ed_id id, void *data)
{
    (void)id;
    ck_assert_int_eq(ed_resume(data, P(5)), 0);
    return 0;
}

START_TEST(test_main_suspend_runs_the_loop)
{
    ed_suspension *m = ed_suspension_get();
    ck_assert(ed_delay(0.001, resume_main, m) != 0);
    void *v = NULL;
    ck_assert_int_eq(ed_suspend(m, &v), 0);
    ck_assert_int_eq(N(v), 5);
    ED_TEST_END();
}
END_TEST

START_TEST(test_main_deadlock)
{
    ed_suspension *m = ed_suspension_get();
    int log[8], len = 0;
    parked p = {NULL, -1, NULL, log, &len};
    ed_future *f = ed_async(park, &p); /* parked, but nothing will resume it */
    ck_assert_int_eq(ed_suspend(m, NULL), -EDEADLK);
    ck_assert_int_eq(ed_resume(m, P(1)), -EALREADY); /* that suspension is over */
    ck_assert_int_eq(ed_suspend(m, NULL), -EDEADLK); /* and a new one fails the same way */
    ck_assert_int_eq(ed_resume(p.s, P(1)), 0);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ed_future_release(f);
    ED_TEST_END();
}
END_TEST

/* ---- cancellation ------------------------------------------------------------ */

START_TEST(test_cancel_while_suspended)
{
    int log[8], len = 0;
    parked p = {NULL, -1, NULL, log, &len};
    ed_future *f = ed_async(park, &p);
    ck_assert_int_eq(ed_cancel_future(f), 0);
    ck_assert_int_eq(ed_resume(p.s, P(1)), -EALREADY); /* the cancellation woke it */
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(p.rc, -ECANCELED);
    ed_future_release(f);
    ED_TEST_END();
}
END_TEST

static int suspend_when_cancelled(void *arg, void **result)
{
    (void)result;
    int *rc = arg;
    ed_cancel_future(ed_self());
    *rc = ed_suspend(ed_suspension_get(), NULL);
    return 0;
}

START_TEST(test_suspend_in_cancelled_task)
{
    int rc = 0;
    ed_future *f = ed_async(suspend_when_cancelled, &rc);
    ck_assert(ed_future_done(f));
    ck_assert_int_eq(rc, -ECANCELED);
    ed_future_release(f);
    ED_TEST_END();
}
END_TEST

/* ---- ping-pong --------------------------------------------------------------- */

#define ROUNDS 10000

typedef struct pingpong {
    ed_suspension *a, *b;
    int a_seen, b_seen;
} pingpong;

static int pong(void *arg, void **result)
{
    pingpong *s = arg;
    (void)result;
    s->b = ed_suspension_get();
    for (;;) {
        void *v = NULL;
        CHECK(ed_suspend(s->b, &v) == 0);
        if (!v)
            return 0;
        CHECK(N(v) == ++s->b_seen);
        CHECK(ed_resume(s->a, v) == 0);
    }
}

static int ping(void *arg, void **result)
{
    pingpong *s = arg;
    (void)result;
    s->a = ed_suspension_get();
    for (int i = 1; i <= ROUNDS; i++) {
        CHECK(ed_resume(s->b, P(i)) == 0);
        void *v = NULL;
        CHECK(ed_suspend(s->a, &v) == 0);
        CHECK(N(v) == i);
        s->a_seen = i;
    }
    CHECK(ed_resume(s->b, NULL) == 0);
    return 0;
}

START_TEST(test_ping_pong)
{
    pingpong s = {NULL, NULL, 0, 0};
    ed_future *fb = ed_async(pong, &s);
    ed_future *fa = ed_async(ping, &s);
    ck_assert_int_eq(ed_await(fa, NULL), 0);
    ck_assert_int_eq(ed_await(fb, NULL), 0);
    ck_assert_int_eq(s.a_seen, ROUNDS);
    ck_assert_int_eq(s.b_seen, ROUNDS);
    ed_future_release(fa);
    ed_future_release(fb);
    ED_TEST_END();
}
END_TEST

/* ---- suite ------------------------------------------------------------------ */

static Suite *suspension_suite(void)
{
    Suite *s = suite_create("suspension");
    TCase *tc = tcase_create("suspension");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_one_suspension_per_fiber);
    tcase_add_test(tc, test_resume_delivers_value_after_the_resumer);
    tcase_add_test(tc, test_resume_error);
    tcase_add_test(tc, test_resume_before_suspend_refused);
    tcase_add_test(tc, test_null_arguments);
    tcase_add_test(tc, test_suspend_someone_elses_refused);
    tcase_add_test(tc, test_raw_callback_resumes_but_cannot_suspend);
    tcase_add_test(tc, test_main_suspend_runs_the_loop);
    tcase_add_test(tc, test_main_deadlock);
    tcase_add_test(tc, test_cancel_while_suspended);
    tcase_add_test(tc, test_suspend_in_cancelled_task);
    tcase_add_test(tc, test_ping_pong);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(suspension_suite)
