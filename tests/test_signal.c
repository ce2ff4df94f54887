/* Signal watchers: behaviour.md §1.9, §1.3, §1.10, §8.13. */
#include "support.h"

#include <signal.h>
#include <stdint.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------ */

/* Raises a signal from a tick after the first one: by then every watcher
 * created before ed_run is active, whenever the driver installs its handling. */
static int g_raise_signo;
static int g_raise_tick = 2;
static int g_raise_count = 1;
static volatile bool g_raised;

static void raise_hook(int tick)
{
    if (tick == g_raise_tick) {
        for (int i = 0; i < g_raise_count; i++)
            ck_assert_int_eq(raise(g_raise_signo), 0);
        g_raised = true;
    }
}

/* A safety net so a lost signal fails the test instead of hanging it. */
static bool g_safety_fired;
static ed_id g_safety;

static int safety_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    g_safety_fired = true;
    ed_stop();
    return 0;
}

static void safety_start(void)
{
    g_safety = ed_delay(10.0, safety_cb, NULL);
    ck_assert_uint_ne(g_safety, 0);
}

static volatile sig_atomic_t my_handler_calls;

static void my_handler(int signo)
{
    (void)signo;
    my_handler_calls++;
}

static void assert_my_handler_installed(int signo)
{
    struct sigaction old;
    ck_assert_int_eq(sigaction(signo, NULL, &old), 0);
    ck_assert_msg(!(old.sa_flags & SA_SIGINFO) && old.sa_handler == my_handler,
                  "the previous disposition of signal %d was not restored", signo);
}

/* ---- delivery ------------------------------------------------------------ */

static ed_id sig_id;
static int sig_calls;
static int sig_marker;

static int sig_cb(ed_id id, int signo, void *data)
{
    ck_assert_msg(g_raised, "signal callback ran inside raise(), not from the loop");
    ck_assert_uint_eq(id, sig_id);
    ck_assert_int_eq(signo, SIGUSR1);
    ck_assert_ptr_eq(data, &sig_marker);
    sig_calls++;
    ed_cancel(id);
    ed_cancel(g_safety);
    return 0;
}

/* §1.9, §8.13: raise() from a defer: the watcher's callback runs later from the
 * loop (not in signal context) with the signal number and its data. */
START_TEST(test_signal_delivered_from_loop_with_signo)
{
    ticks_start(2, true);
    g_tick_hook = raise_hook;
    g_raise_signo = SIGUSR1;
    sig_id = ed_on_signal(SIGUSR1, sig_cb, &sig_marker);
    ck_assert_uint_ne(sig_id, 0);
    safety_start();
    ck_assert_int_eq(ed_run(), 0);
    ck_assert(!g_safety_fired);
    ck_assert_int_eq(sig_calls, 1);
    ED_TEST_END();
}
END_TEST

static int both_calls[2];
static ed_id both_ids[2];

static int both_cb(ed_id id, int signo, void *data)
{
    int k = (int)(intptr_t)data;
    ck_assert_int_eq(signo, SIGUSR2);
    ck_assert_uint_eq(id, both_ids[k]);
    both_calls[k]++;
    ed_cancel(id);
    if (both_calls[0] && both_calls[1])
        ed_cancel(g_safety);
    return 0;
}

/* §1.9: two watchers of one signal both run. */
START_TEST(test_signal_two_watchers_both_run)
{
    ticks_start(2, true);
    g_tick_hook = raise_hook;
    g_raise_signo = SIGUSR2;
    both_ids[0] = ed_on_signal(SIGUSR2, both_cb, (void *)0);
    both_ids[1] = ed_on_signal(SIGUSR2, both_cb, (void *)1);
    ck_assert_uint_ne(both_ids[0], 0);
    ck_assert_uint_ne(both_ids[1], 0);
    safety_start();
    ck_assert_int_eq(ed_run(), 0);
    ck_assert(!g_safety_fired);
    ck_assert_int_eq(both_calls[0], 1);
    ck_assert_int_eq(both_calls[1], 1);
    ED_TEST_END();
}
END_TEST

static int count_calls;

static int count_sig_cb(ed_id id, int signo, void *data)
{
    (void)id;
    (void)data;
    ck_assert_int_eq(signo, g_raise_signo);
    count_calls++;
    return 0;
}

/* §1.9, §1.3: an unreferenced signal watcher does not keep the loop alive, but
 * still fires while something else does. */
START_TEST(test_signal_unreferenced_does_not_keep_loop_alive)
{
    g_raise_signo = SIGUSR1;
    ed_id w = ed_on_signal(SIGUSR1, count_sig_cb, NULL);
    ck_assert_uint_ne(w, 0);
    ck_assert_int_eq(ed_unreference(w), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(count_calls, 0);

    ticks_start(20, true);
    g_tick_hook = raise_hook;
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(g_tick, 20);
    ck_assert_int_eq(count_calls, 1);
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_SIGNAL], 1);
    ck_assert_uint_eq(info.unreferenced, 1);
    ck_assert_uint_eq(info.referenced, 0);
    ed_cancel(w);
    ED_TEST_END();
}
END_TEST

/* ---- dispositions --------------------------------------------------------- */

static int restore_cb(ed_id id, int signo, void *data)
{
    (void)data;
    ck_assert_int_eq(signo, SIGUSR2);
    count_calls++;
    ed_cancel(id);
    ed_cancel(g_safety);
    return 0;
}

/* §1.9, §8.13: while watched, the signal goes to eddy, not to the previous
 * handler; after the last watcher is cancelled the previous disposition is
 * restored and the signal reaches the previous handler again. */
START_TEST(test_signal_cancel_restores_previous_disposition)
{
    install_handler(SIGUSR2, my_handler);
    ticks_start(2, true);
    g_tick_hook = raise_hook;
    g_raise_signo = SIGUSR2;
    ck_assert_uint_ne(ed_on_signal(SIGUSR2, restore_cb, NULL), 0);
    safety_start();
    ck_assert_int_eq(ed_run(), 0);
    ck_assert(!g_safety_fired);
    ck_assert_int_eq(count_calls, 1);
    ck_assert_int_eq(my_handler_calls, 0);

    assert_my_handler_installed(SIGUSR2);
    ck_assert_int_eq(raise(SIGUSR2), 0);
    ck_assert_msg(my_handler_calls == 1, "SIGUSR2 did not reach the restored handler (still blocked?)");
    ED_TEST_END();
    assert_my_handler_installed(SIGUSR2);
}
END_TEST

static ed_id redis_w;

static int redis_cb(ed_id id, int signo, void *data)
{
    (void)id;
    (void)data;
    ck_assert_int_eq(signo, SIGUSR1);
    count_calls++;
    ed_cancel(g_safety);
    ed_cancel(redis_w);
    return 0;
}

/* §1.9, header: disabling the last enabled watcher restores the previous
 * disposition too; enabling it again takes the signal back. */
START_TEST(test_signal_disable_restores_and_enable_reinstalls)
{
    install_handler(SIGUSR1, my_handler);
    redis_w = ed_on_signal(SIGUSR1, redis_cb, NULL);
    ck_assert_uint_ne(redis_w, 0);
    ck_assert_int_eq(ed_unreference(redis_w), 0);
    ck_assert_uint_ne(ed_defer(safety_cb, NULL), 0); /* keeps one tick alive */
    ck_assert_int_eq(ed_run(), 0);                   /* the watcher is now active */
    g_safety_fired = false;

    ck_assert_int_eq(ed_disable(redis_w), 0);
    ck_assert_int_eq(ed_run_once(false), 0);
    assert_my_handler_installed(SIGUSR1);
    ck_assert_int_eq(raise(SIGUSR1), 0);
    ck_assert_int_eq(my_handler_calls, 1);

    ck_assert_int_eq(ed_enable(redis_w), 0);
    ck_assert_int_eq(ed_reference(redis_w), 0);
    ck_assert_int_eq(ed_run_once(false), 1); /* active again */
    ck_assert_int_eq(raise(SIGUSR1), 0);
    safety_start();
    ck_assert_int_eq(ed_run(), 0);
    ck_assert(!g_safety_fired);
    ck_assert_int_eq(count_calls, 1);
    ck_assert_int_eq(my_handler_calls, 1);
    assert_my_handler_installed(SIGUSR1);
    ED_TEST_END();
}
END_TEST

static int dis_calls;
static int live_calls;

static int dis_cb(ed_id id, int signo, void *data)
{
    (void)id;
    (void)signo;
    (void)data;
    dis_calls++;
    return 0;
}

static int live_cb(ed_id id, int signo, void *data)
{
    (void)data;
    ck_assert_int_eq(signo, SIGUSR1);
    live_calls++;
    ed_cancel(id);
    return 0;
}

/* §1.9, §1.10: a disabled signal watcher does not fire while another watcher of
 * the same signal does; it stays registered. */
START_TEST(test_signal_disabled_watcher_does_not_fire)
{
    ticks_start(10, true);
    g_tick_hook = raise_hook;
    g_raise_signo = SIGUSR1;
    ed_id off = ed_on_signal(SIGUSR1, dis_cb, NULL);
    ck_assert_uint_ne(off, 0);
    ck_assert_int_eq(ed_disable(off), 0);
    ck_assert_uint_ne(ed_on_signal(SIGUSR1, live_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(g_tick, 10);
    ck_assert_int_eq(live_calls, 1);
    ck_assert_int_eq(dis_calls, 0);
    ed_watcher_info wi;
    ck_assert_int_eq(ed_watcher_get(off, &wi), 0);
    ck_assert(!wi.enabled);
    ck_assert_int_eq(wi.fd, SIGUSR1);
    ed_cancel(off);
    ED_TEST_END();
}
END_TEST

static ed_id coal_w;

static void coal_hook(int tick)
{
    raise_hook(tick);
    if (tick == 10)
        ed_cancel(coal_w);
}

/* Header (ed_on_signal): signals that arrive together are delivered once. */
START_TEST(test_signal_arriving_together_delivered_once)
{
    ticks_start(10, true);
    g_tick_hook = coal_hook;
    g_raise_signo = SIGUSR2;
    g_raise_count = 3;
    coal_w = ed_on_signal(SIGUSR2, count_sig_cb, NULL);
    ck_assert_uint_ne(coal_w, 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(g_tick, 10);
    ck_assert_int_eq(count_calls, 1);
    ED_TEST_END();
}
END_TEST

static int never_sig_cb(ed_id id, int signo, void *data)
{
    (void)id;
    (void)signo;
    (void)data;
    ck_abort_msg("this signal callback must never run");
    return 0;
}

/* Header, §8.1: signo outside 1..64, SIGKILL, SIGSTOP or a NULL callback give a
 * 0 id and errno EINVAL; 64 is valid. */
START_TEST(test_signal_invalid_signo_einval)
{
    const int bad[] = {0, -1, 65, 1000, SIGKILL, SIGSTOP};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errno = 0;
        ck_assert_msg(ed_on_signal(bad[i], never_sig_cb, NULL) == 0, "signal %d accepted", bad[i]);
        ck_assert_int_eq(errno, EINVAL);
    }
    errno = 0;
    ck_assert_uint_eq(ed_on_signal(SIGUSR1, NULL, NULL), 0);
    ck_assert_int_eq(errno, EINVAL);
    ed_id ok = ed_on_signal(64, never_sig_cb, NULL);
    ck_assert_uint_ne(ok, 0);
    ed_cancel(ok);
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_SIGNAL] + info.disabled[ED_WATCHER_SIGNAL], 0);
    ED_TEST_END();
}
END_TEST

static Suite *signal_suite(void)
{
    Suite *s = suite_create("signal");
    TCase *tc = tcase_create("signal");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_signal_delivered_from_loop_with_signo);
    tcase_add_test(tc, test_signal_two_watchers_both_run);
    tcase_add_test(tc, test_signal_unreferenced_does_not_keep_loop_alive);
    tcase_add_test(tc, test_signal_cancel_restores_previous_disposition);
    tcase_add_test(tc, test_signal_disable_restores_and_enable_reinstalls);
    tcase_add_test(tc, test_signal_disabled_watcher_does_not_fire);
    tcase_add_test(tc, test_signal_arriving_together_delivered_once);
    tcase_add_test(tc, test_signal_invalid_signo_einval);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(signal_suite)
