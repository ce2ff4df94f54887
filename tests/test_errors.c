/* Errors raised by callbacks: behaviour.md §1.11, §7.7, §8.9; api.md §6. */
#include "support.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

static int fail_cb(ed_id id, void *data)
{
    (void)id;
    return (int)(intptr_t)data; /* the error to raise */
}

static void assert_names_id(const char *msg, ed_id id)
{
    char num[32];
    snprintf(num, sizeof num, "%llu", (unsigned long long)id);
    assert_contains(msg, num);
}

/* support.h's record_handler, also checking that every report comes with the
 * data given to ed_set_error_handler and from inside the loop. */
static int h_data_marker;

static void marker_handler(int err, const char *message, void *data)
{
    ck_assert_ptr_eq(data, &h_data_marker);
    record_handler(err, message, data);
    /* The handler runs inside the loop: nesting is refused here too. */
    ck_assert_int_eq(ed_run(), -EBUSY);
}

/* ---- without a handler ---------------------------------------------------- */

static int b_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    runs[1]++;
    ck_assert_uint_ne(ed_defer(count_cb, (void *)2), 0); /* next tick */
    return 0;
}

/* §1.11, §7.7, §8.9: with no handler, a callback returning -EIO ends ed_run with
 * -EIO at the end of that tick: a later defer of the same tick still runs, the
 * next tick does not; the report names the type, the id and the creation site;
 * a second ed_run continues with the remaining watchers. */
START_TEST(test_error_without_handler_ends_run_at_end_of_tick)
{
    ck_assert_str_eq(ed_error_message(), "");
    ed_id a = ed_defer(fail_cb, (void *)(intptr_t)-EIO); const int a_line = __LINE__;
    ck_assert_uint_ne(a, 0);
    ck_assert_uint_ne(ed_defer(b_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), -EIO);
    ck_assert_int_eq(runs[1], 1);
    ck_assert_int_eq(runs[2], 0);
    const char *msg = ed_error_message();
    assert_contains(msg, "defer");
    assert_site(msg, a_line);
    assert_names_id(msg, a);

    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(runs[2], 1);
    ck_assert_int_eq(runs[1], 1);
    ED_TEST_END();
}
END_TEST

static int rep_fail_runs;

static int rep_fail_cb(ed_id id, void *data)
{
    (void)data;
    rep_fail_runs++;
    if (rep_fail_runs == 4)
        ed_cancel(id);
    return rep_fail_runs == 2 ? -EIO : 0;
}

static int a_then_b_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    ck_assert_uint_ne(ed_delay(0, count_cb, (void *)3), 0);
    return -ENOENT;
}

/* §1.3, §1.11, header (ed_run): watchers survive an error return: a second
 * ed_run continues them (a repeat that failed keeps running; a timer created
 * by the failing callback fires in the second run). */
START_TEST(test_second_run_after_error_continues)
{
    ck_assert_uint_ne(ed_delay(0, a_then_b_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), -ENOENT);
    ck_assert_int_eq(runs[3], 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(runs[3], 1);

    ed_id r = ed_repeat(0.001, rep_fail_cb, NULL);
    ck_assert_uint_ne(r, 0);
    ck_assert_int_eq(ed_run(), -EIO);
    ck_assert_int_eq(rep_fail_runs, 2);
    ed_watcher_info wi;
    ck_assert_int_eq(ed_watcher_get(r, &wi), 0);
    ck_assert(wi.enabled);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(rep_fail_runs, 4);
    ED_TEST_END();
}
END_TEST

/* Header (ed_run_once): ed_run_once returns an unhandled error like ed_run. */
START_TEST(test_run_once_returns_unhandled_error)
{
    ed_id a = ed_defer(fail_cb, (void *)(intptr_t)-EPIPE); const int a_line = __LINE__;
    ck_assert_uint_ne(a, 0);
    ck_assert_int_eq(ed_run_once(false), -EPIPE);
    assert_site(ed_error_message(), a_line);
    ck_assert_int_eq(ed_run_once(false), 0);
    ED_TEST_END();
}
END_TEST

/* ---- with a handler ------------------------------------------------------- */

/* §1.11, §7.7, api.md §6: with a handler, it gets (-EIO, report) and the loop
 * goes on to the end; ed_run returns 0 and ed_error_message() stays "". */
START_TEST(test_error_handler_gets_code_and_message_loop_continues)
{
    ed_set_error_handler(marker_handler, &h_data_marker);
    ed_id a = ed_delay(0, fail_cb, (void *)(intptr_t)-EIO); const int a_line = __LINE__;
    ck_assert_uint_ne(a, 0);
    ck_assert_uint_ne(ed_delay(0.02, count_cb, (void *)4), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(runs[4], 1);
    ck_assert_int_eq(h_calls, 1);
    ck_assert_int_eq(h_err[0], -EIO);
    assert_contains(h_msg[0], "delay");
    assert_site(h_msg[0], a_line);
    assert_names_id(h_msg[0], a);
    ck_assert_str_eq(ed_error_message(), "");
    ED_TEST_END();
}
END_TEST

static int f3_line;
static int f4_line;

static int f2_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    ck_assert_uint_ne(ed_delay(0, fail_cb, (void *)(intptr_t)-ETIMEDOUT), 0); f3_line = __LINE__;
    ck_assert_uint_ne(ed_defer(fail_cb, (void *)(intptr_t)-EINVAL), 0); f4_line = __LINE__;
    return -EPERM;
}

/* §1.11, §8.9: errors from several callbacks each reach the handler, in the
 * order the callbacks ran. */
START_TEST(test_errors_reach_handler_in_order)
{
    ed_set_error_handler(marker_handler, &h_data_marker);
    ck_assert_uint_ne(ed_defer(fail_cb, (void *)(intptr_t)-EIO), 0); const int f1_line = __LINE__;
    ck_assert_uint_ne(ed_defer(f2_cb, NULL), 0); const int f2_line = __LINE__;
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(h_calls, 4);
    const int want_err[4] = {-EIO, -EPERM, -EINVAL, -ETIMEDOUT};
    const char *want_type[4] = {"defer", "defer", "defer", "delay"};
    const int want_line[4] = {f1_line, f2_line, f4_line, f3_line};
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(h_err[i], want_err[i]);
        assert_contains(h_msg[i], want_type[i]);
        assert_site(h_msg[i], want_line[i]);
    }
    ED_TEST_END();
}
END_TEST

/* Header (ed_set_error_handler): NULL removes the handler; errors end ed_run
 * again. */
START_TEST(test_error_handler_cleared_with_null)
{
    ed_set_error_handler(marker_handler, &h_data_marker);
    ed_set_error_handler(NULL, NULL);
    ck_assert_uint_ne(ed_defer(fail_cb, (void *)(intptr_t)-EIO), 0);
    ck_assert_int_eq(ed_run(), -EIO);
    ck_assert_int_eq(h_calls, 0);
    ED_TEST_END();
}
END_TEST

/* ---- every watcher type is named ------------------------------------------- */

static int io_fail_cb(ed_id id, int fd, void *data)
{
    (void)id;
    (void)fd;
    return (int)(intptr_t)data;
}

static int sig_fail_cb(ed_id id, int signo, void *data)
{
    (void)id;
    (void)signo;
    return (int)(intptr_t)data;
}

static void expect_report(ed_id id, int line, ed_watcher_type type)
{
    ck_assert_uint_ne(id, 0);
    ck_assert_int_eq(ed_run(), -EIO);
    const char *msg = ed_error_message();
    assert_contains(msg, ed_watcher_type_name(type));
    assert_site(msg, line);
    assert_names_id(msg, id);
    ed_cancel(id);
}

/* §8.9, header (ed_error_handler): the report of an error from a repeat,
 * readable, writable or signal watcher names its type, id and creation site. */
START_TEST(test_error_message_names_every_watcher_type)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_int_eq(write(p[1], "x", 1), 1);

    ed_id r = ed_repeat(0.001, fail_cb, (void *)(intptr_t)-EIO); int line = __LINE__;
    expect_report(r, line, ED_WATCHER_REPEAT);
    ed_id rd = ed_on_readable(p[0], io_fail_cb, (void *)(intptr_t)-EIO); line = __LINE__;
    expect_report(rd, line, ED_WATCHER_READABLE);
    ed_id wr = ed_on_writable(p[1], io_fail_cb, (void *)(intptr_t)-EIO); line = __LINE__;
    expect_report(wr, line, ED_WATCHER_WRITABLE);

    ed_id sg = ed_on_signal(SIGUSR1, sig_fail_cb, (void *)(intptr_t)-EIO); line = __LINE__;
    ck_assert_uint_ne(sg, 0);
    ck_assert_int_eq(ed_run_once(false), 1); /* active: the signal is eddy's now */
    ck_assert_int_eq(raise(SIGUSR1), 0);
    expect_report(sg, line, ED_WATCHER_SIGNAL);

    close_pair(p);
    ED_TEST_END();
}
END_TEST

/* ---- ed_strerror / ed_error_message ---------------------------------------- */

/* Header, api.md §1: ed_error_message() is "" before any error. */
START_TEST(test_error_message_empty_before_any_error)
{
    const char *m = ed_error_message();
    ck_assert_ptr_ne(m, NULL);
    ck_assert_str_eq(m, "");
    ck_assert_uint_ne(ed_defer(count_cb, (void *)0), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_str_eq(ed_error_message(), "");
    ED_TEST_END();
}
END_TEST

/* api.md §1, header: ed_strerror names every code with distinct text, and is
 * never NULL, even for 0 or an absurd code. */
START_TEST(test_strerror_distinct_and_never_null)
{
    const int codes[] = {-ETIMEDOUT, -ECANCELED, -EDEADLK, -EPERM, -ENOENT, -ENOMEM, -EINVAL};
    const size_t n = sizeof codes / sizeof codes[0];
    for (size_t i = 0; i < n; i++) {
        const char *a = ed_strerror(codes[i]);
        ck_assert_ptr_ne(a, NULL);
        ck_assert_int_gt((int)strlen(a), 0);
        ck_assert_ptr_ne(ed_strerror(-codes[i]), NULL);
        for (size_t j = 0; j < i; j++)
            ck_assert_msg(strcmp(a, ed_strerror(codes[j])) != 0, "ed_strerror(%d) == ed_strerror(%d): \"%s\"",
                          codes[i], codes[j], a);
    }
    ck_assert_ptr_ne(ed_strerror(0), NULL);
    ck_assert_ptr_ne(ed_strerror(-99999), NULL);
    ck_assert_ptr_ne(ed_strerror(99999), NULL);
    ck_assert_ptr_ne(ed_strerror(-EBUSY), NULL);
    ck_assert_ptr_ne(ed_strerror(-ENOTSUP), NULL);
    ED_TEST_END();
}
END_TEST

/* Header (ed_strerror): "any code ... always a valid static string", also at
 * the edges of int (no overflow when negating INT_MIN: UBSan checks). */
START_TEST(test_strerror_int_extremes)
{
    ck_assert_ptr_ne(ed_strerror(INT32_MIN), NULL);
    ck_assert_ptr_ne(ed_strerror(INT32_MAX), NULL);
    ck_assert_ptr_ne(ed_strerror(INT32_MIN + 1), NULL);
    ED_TEST_END();
}
END_TEST

static Suite *errors_suite(void)
{
    Suite *s = suite_create("errors");
    TCase *tc = tcase_create("errors");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_error_without_handler_ends_run_at_end_of_tick);
    tcase_add_test(tc, test_second_run_after_error_continues);
    tcase_add_test(tc, test_run_once_returns_unhandled_error);
    tcase_add_test(tc, test_error_handler_gets_code_and_message_loop_continues);
    tcase_add_test(tc, test_errors_reach_handler_in_order);
    tcase_add_test(tc, test_error_handler_cleared_with_null);
    tcase_add_test(tc, test_error_message_names_every_watcher_type);
    tcase_add_test(tc, test_error_message_empty_before_any_error);
    tcase_add_test(tc, test_strerror_distinct_and_never_null);
    tcase_add_test(tc, test_strerror_int_extremes);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(errors_suite)
