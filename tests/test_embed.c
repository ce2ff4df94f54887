/* Embedding: ed_run_once, ed_backend_fd, ed_backend_timeout (api.md §1;
 * behaviour.md §1.2 dispatch/blocking rules, §1.3 liveness, §8.6). */
#include "support.h"

#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

static int chain_runs;

static int chain_cb(ed_id id, void *data)
{
    (void)id;
    int left = (int)(intptr_t)data;
    chain_runs++;
    if (left > 1)
        ck_assert_uint_ne(ed_defer(chain_cb, (void *)(intptr_t)(left - 1)), 0);
    return 0;
}

/* Header (ed_run_once), §1.2: ed_run_once(false) runs exactly one tick: one
 * link of a defer chain per call; it returns 1 while enabled referenced
 * watchers remain and 0 when none do. */
START_TEST(test_run_once_runs_exactly_one_tick)
{
    ck_assert_uint_ne(ed_defer(chain_cb, (void *)(intptr_t)5), 0);
    for (int i = 1; i <= 4; i++) {
        ck_assert_int_eq(ed_run_once(false), 1);
        ck_assert_int_eq(chain_runs, i);
    }
    ck_assert_int_eq(ed_run_once(false), 0);
    ck_assert_int_eq(chain_runs, 5);
    ck_assert_int_eq(ed_run_once(false), 0);
    ck_assert_int_eq(chain_runs, 5);
    ED_TEST_END();
}
END_TEST

/* §1.3: ed_run_once returns 0 with an empty loop and with only unreferenced or
 * disabled watchers, and 1 with a referenced one. */
START_TEST(test_run_once_reports_remaining_work)
{
    ck_assert_int_eq(ed_run_once(false), 0);
    ck_assert_int_eq(ed_run_once(true), 0);
    ed_id u = ed_delay(10.0, count_cb, NULL);
    ck_assert_uint_ne(u, 0);
    ck_assert_int_eq(ed_unreference(u), 0);
    ed_id d = ed_repeat(10.0, count_cb, NULL);
    ck_assert_uint_ne(d, 0);
    ck_assert_int_eq(ed_disable(d), 0);
    ck_assert_int_eq(ed_run_once(false), 0);
    ck_assert_int_eq(ed_reference(u), 0);
    ck_assert_int_eq(ed_run_once(false), 1);
    ck_assert_int_eq(runs[0], 0);
    ed_cancel(u);
    ed_cancel(d);
    ck_assert_int_eq(ed_run_once(false), 0);
    ED_TEST_END();
}
END_TEST

/* Header (ed_backend_timeout): 0 while a defer is pending. */
START_TEST(test_backend_timeout_zero_with_pending_defer)
{
    ck_assert_uint_ne(ed_delay(10.0, count_cb, NULL), 0);
    ck_assert_int_eq(ed_run_once(false), 1);
    ed_id d = ed_defer(count_cb, NULL);
    ck_assert_uint_ne(d, 0);
    ck_assert_double_eq(ed_backend_timeout(), 0);
    ck_assert_int_eq(ed_run_once(false), 1);
    ck_assert_int_eq(runs[0], 1);
    ck_assert_double_gt(ed_backend_timeout(), 0);
    ED_TEST_END();
}
END_TEST

/* Header (ed_backend_timeout): with only a delay, the time to it: between 0
 * and the delay (strictly positive once it is active and not yet due). */
START_TEST(test_backend_timeout_with_only_a_delay)
{
    ck_assert_uint_ne(ed_delay(0.5, count_cb, NULL), 0);
    double t = ed_backend_timeout();
    ck_assert_double_ge(t, 0);
    ck_assert_double_le(t, 0.5 + 1e-9);
    ck_assert_int_eq(ed_run_once(false), 1);
    ck_assert_int_eq(runs[0], 0);
    t = ed_backend_timeout();
    ck_assert_double_gt(t, 0);
    ck_assert_double_le(t, 0.5 + 1e-9);
    ED_TEST_END();
}
END_TEST

/* Header (ed_backend_timeout): negative when only fd events could wake the
 * loop. */
START_TEST(test_backend_timeout_negative_with_only_io)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ed_id r = ed_on_readable(p[0], never_io_cb, NULL);
    ck_assert_uint_ne(r, 0);
    ck_assert_int_eq(ed_run_once(false), 1);
    ck_assert_double_lt(ed_backend_timeout(), 0);
    ed_cancel(r);
    close_pair(p);
    ED_TEST_END();
}
END_TEST

static int bfd_calls;

static int bfd_read_cb(ed_id id, int fd, void *data)
{
    (void)data;
    char c = 0;
    ck_assert_int_eq(read(fd, &c, 1), 1);
    ck_assert_int_eq(c, 'q');
    bfd_calls++;
    ed_cancel(id);
    return 0;
}

/* Header (ed_backend_fd): with epoll, an fd that poll(2) reports readable when
 * a watched pipe has data, after which ed_run_once(false) runs the callback;
 * with the poll driver, -ENOTSUP. */
START_TEST(test_backend_fd_signals_pending_io)
{
    const char *driver = ed_driver();
    ck_assert_ptr_ne(driver, NULL);
    int bfd = ed_backend_fd();
    if (strcmp(driver, "poll") == 0) {
        ck_assert_int_eq(bfd, -ENOTSUP);
        ED_TEST_END();
        return;
    }
    ck_assert_str_eq(driver, "epoll");
    ck_assert_int_ge(bfd, 0);
    ck_assert_int_ne(fcntl(bfd, F_GETFD), -1);
    ck_assert_int_eq(ed_backend_fd(), bfd);

    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_uint_ne(ed_on_readable(p[0], bfd_read_cb, NULL), 0);
    ck_assert_int_eq(ed_run_once(false), 1); /* registered, nothing to read */
    ck_assert_int_eq(bfd_calls, 0);

    struct pollfd pfd = {.fd = bfd, .events = POLLIN};
    ck_assert_int_eq(poll(&pfd, 1, 0), 0);
    ck_assert_int_eq(write(p[1], "q", 1), 1);
    pfd.revents = 0;
    ck_assert_int_eq(poll(&pfd, 1, 10000), 1);
    ck_assert(pfd.revents & POLLIN);
    ck_assert_int_eq(ed_run_once(false), 0);
    ck_assert_int_eq(bfd_calls, 1);
    close_pair(p);
    ED_TEST_END();
}
END_TEST

/* Header (ed_run_once): with block true it waits for the next timer, and the
 * tick runs it. */
START_TEST(test_run_once_block_waits_for_timer)
{
    ck_assert_uint_ne(ed_delay(0.02, count_cb, NULL), 0);
    int r = 1, calls = 0;
    while (r == 1 && calls < 1000) {
        r = ed_run_once(true);
        calls++;
    }
    ck_assert_int_eq(r, 0);
    ck_assert_int_eq(runs[0], 1);
    ED_TEST_END();
}
END_TEST

/* Header (ed_run_once), §1.2: with block true it does not wait when work is
 * already due: the defer scheduled for the next tick makes this tick's poll
 * non-blocking, so the call returns before the 5 s delay fires. */
START_TEST(test_run_once_block_does_not_wait_when_work_due)
{
    ed_id late = ed_delay(5.0, count_cb, NULL);
    ck_assert_uint_ne(late, 0);
    ck_assert_uint_ne(ed_defer(chain_cb, (void *)(intptr_t)2), 0);
    ck_assert_int_eq(ed_run_once(true), 1);
    ck_assert_int_eq(chain_runs, 1);
    ck_assert_int_eq(runs[0], 0);
    ed_cancel(late);
    ED_TEST_END();
}
END_TEST

static Suite *embed_suite(void)
{
    Suite *s = suite_create("embed");
    TCase *tc = tcase_create("embed");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_run_once_runs_exactly_one_tick);
    tcase_add_test(tc, test_run_once_reports_remaining_work);
    tcase_add_test(tc, test_backend_timeout_zero_with_pending_defer);
    tcase_add_test(tc, test_backend_timeout_with_only_a_delay);
    tcase_add_test(tc, test_backend_timeout_negative_with_only_io);
    tcase_add_test(tc, test_backend_fd_signals_pending_io);
    tcase_add_test(tc, test_run_once_block_waits_for_timer);
    tcase_add_test(tc, test_run_once_block_does_not_wait_when_work_due);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(embed_suite)
