/* Running the loop: behaviour.md §1.3, §1.7, §1.10, §1.12, §7.3-7.5, §8.1, §8.5, §8.6. */
#include "support.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* ---- liveness ------------------------------------------------------------ */

/* §1.3 (A2t testEmptyLoop): an empty loop's ed_run returns 0 at once. */
START_TEST(test_run_empty_loop_returns_zero)
{
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

/* §1.3, §7.3: the loop ends when only disabled or unreferenced watchers
 * remain; unreferenced ones still fire while something referenced runs. */
START_TEST(test_run_ends_with_only_disabled_or_unreferenced)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ed_id d1 = ed_delay(0, never_cb, NULL);
    ed_id d2 = ed_on_readable(p[0], never_io_cb, NULL);
    ed_id d3 = ed_defer(never_cb, NULL);
    ck_assert_uint_ne(d1, 0);
    ck_assert_uint_ne(d2, 0);
    ck_assert_uint_ne(d3, 0);
    ck_assert_int_eq(ed_disable(d1), 0);
    ck_assert_int_eq(ed_disable(d2), 0);
    ck_assert_int_eq(ed_disable(d3), 0);
    ed_id u1 = ed_repeat(0.001, count_cb, (void *)1);
    ed_id u2 = ed_on_writable(p[1], never_io_cb, NULL);
    ck_assert_uint_ne(u1, 0);
    ck_assert_uint_ne(u2, 0);
    ck_assert_int_eq(ed_unreference(u1), 0);
    ck_assert_int_eq(ed_unreference(u2), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(runs[1], 0);
    ed_cancel(u2);

    /* With a referenced delay of 50 ms, the unreferenced repeat runs too. */
    ck_assert_uint_ne(ed_delay(0.05, count_cb, (void *)2), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(runs[2], 1);
    ck_assert_int_ge(runs[1], 1);

    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.referenced, 0);
    ck_assert_uint_eq(info.unreferenced, 1);
    ck_assert_uint_eq(info.disabled[ED_WATCHER_DELAY] + info.disabled[ED_WATCHER_READABLE] +
                          info.disabled[ED_WATCHER_DEFER],
                      3);
    ed_cancel(d1);
    ed_cancel(d2);
    ed_cancel(d3);
    ed_cancel(u1);
    close_pair(p);
    ED_TEST_END();
}
END_TEST

/* ---- ed_stop ------------------------------------------------------------- */

enum { S_A = 0, S_B, S_T, S_LATER, S_LONG };

static int stop_a_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    runs[S_A]++;
    ed_stop();
    ed_stop(); /* repeated stops are harmless */
    ck_assert_uint_ne(ed_defer(count_cb, (void *)S_LATER), 0);
    return 0;
}

/* §1.3, §7.4: ed_stop from a callback ends ed_run at the end of the tick: the
 * other callbacks due in that tick still run, the next tick does not;
 * watchers survive and a second ed_run continues them. */
START_TEST(test_stop_ends_run_at_end_of_tick)
{
    ck_assert_uint_ne(ed_delay(0, count_cb, (void *)S_T), 0);
    ck_assert_uint_ne(ed_delay(0.05, count_cb, (void *)S_LONG), 0);
    ck_assert_uint_ne(ed_defer(stop_a_cb, NULL), 0);
    ck_assert_uint_ne(ed_defer(count_cb, (void *)S_B), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(runs[S_A], 1);
    ck_assert_int_eq(runs[S_B], 1);
    ck_assert_int_eq(runs[S_T], 1);
    ck_assert_int_eq(runs[S_LATER], 0);

    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(runs[S_LATER], 1);
    ck_assert_int_eq(runs[S_LONG], 1);
    ck_assert_int_eq(runs[S_A], 1);
    ED_TEST_END();
}
END_TEST

/* §1.3, §7.4: ed_stop while not running does not affect a later run. */
START_TEST(test_stop_when_not_running_is_harmless)
{
    ed_stop();
    ticks_start(5, true);
    ed_stop();
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(g_tick, 5);
    ED_TEST_END();
}
END_TEST

/* ---- no nesting ---------------------------------------------------------- */

static int nest_checked;

static int nest_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    ck_assert_int_eq(ed_run(), -EBUSY);
    ck_assert_int_eq(ed_run_once(false), -EBUSY);
    ck_assert_int_eq(ed_run_once(true), -EBUSY);
    ck_assert_int_eq(ed_shutdown(), -EBUSY);
    nest_checked++;
    return 0;
}

static int nest_io_cb(ed_id id, int fd, void *data)
{
    (void)fd;
    nest_cb(id, data);
    ed_cancel(id);
    return 0;
}

/* §8.6: ed_run / ed_run_once from a callback (defer, timer, I/O) return -EBUSY;
 * the outer run is unaffected. */
START_TEST(test_nested_run_returns_ebusy)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ck_assert_uint_ne(ed_defer(nest_cb, NULL), 0);
    ck_assert_uint_ne(ed_delay(0.001, nest_cb, NULL), 0);
    ck_assert_uint_ne(ed_on_writable(p[1], nest_io_cb, NULL), 0);
    ck_assert_uint_ne(ed_delay(0.01, count_cb, (void *)0), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(nest_checked, 3);
    ck_assert_int_eq(runs[0], 1);
    close_pair(p);
    ED_TEST_END();
}
END_TEST

/* ---- the clock ----------------------------------------------------------- */

/* ed_now() as the tick counter saw it, per tick. */
static double g_tick_now[64];

static void note_now(int tick)
{
    if (tick < 64)
        g_tick_now[tick] = ed_now();
}

static double now_defer[2];
static double now_timer[2];
static double now_late;

static int now_defer_cb(ed_id id, void *data)
{
    (void)id;
    int k = (int)(intptr_t)data;
    now_defer[k] = ed_now();
    if (k == 0) /* let the clock move on, then read again in the next defer */
        busy_wait(0.002);
    return 0;
}

static int now_timer_cb(ed_id id, void *data)
{
    (void)id;
    int k = (int)(intptr_t)data;
    now_timer[k] = ed_now();
    if (k == 0)
        busy_wait(0.002);
    return 0;
}

static int now_late_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    now_late = ed_now();
    return 0;
}

/* §8.5, §1.7: ed_now() is constant within a tick (two defers of one tick, two
 * timers of one tick), never goes back, and advances between ticks; outside
 * ed_run it reads the clock. */
START_TEST(test_now_constant_within_tick_advances_between)
{
    ticks_start(20, true);
    g_tick_hook = note_now;
    ck_assert_uint_ne(ed_defer(now_defer_cb, (void *)0), 0);
    ck_assert_uint_ne(ed_defer(now_defer_cb, (void *)1), 0);
    ck_assert_uint_ne(ed_delay(0, now_timer_cb, (void *)0), 0);
    ck_assert_uint_ne(ed_delay(0, now_timer_cb, (void *)1), 0);
    double created = ed_now();
    ck_assert_uint_ne(ed_delay(0.01, now_late_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);

    ck_assert_double_eq(now_defer[0], now_defer[1]);
    ck_assert_double_eq(now_timer[0], now_timer[1]);
    ck_assert_double_ge(now_timer[0], now_defer[0]);
    for (int t = 2; t <= 20; t++)
        ck_assert_double_ge(g_tick_now[t], g_tick_now[t - 1]);
    /* Tick 1 spent >= 4 ms in busy callbacks: tick 2 starts later. */
    ck_assert_double_ge(g_tick_now[2], g_tick_now[1] + 0.004);
    ck_assert_double_ge(now_late, created + 0.01 - 1e-9);
    ck_assert_double_gt(now_late, g_tick_now[1]);

    double a = ed_now();
    busy_wait(0.002);
    double b = ed_now();
    ck_assert_double_ge(b, a + 0.002);
    ED_TEST_END();
}
END_TEST

/* ---- enable / disable / cancel / reference / unreference ------------------ */

static bool info_all_zero(void)
{
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    for (int t = 0; t < ED_WATCHER_TYPES; t++)
        if (info.enabled[t] || info.disabled[t])
            return false;
    return info.referenced == 0 && info.unreferenced == 0;
}

/* §1.10, §8.1, api.md §6: enable/reference of an unknown, cancelled or fired
 * id return -ENOENT and change nothing. */
START_TEST(test_enable_reference_unknown_id_enoent)
{
    ck_assert_int_eq(ed_enable(0), -ENOENT);
    ck_assert_int_eq(ed_reference(0), -ENOENT);
    ck_assert_int_eq(ed_enable(123456789), -ENOENT);
    ck_assert_int_eq(ed_reference(123456789), -ENOENT);
    ck_assert_int_eq(ed_enable(UINT64_MAX), -ENOENT);

    ed_id c = ed_delay(0, never_cb, NULL);
    ck_assert_uint_ne(c, 0);
    ed_cancel(c);
    ck_assert_int_eq(ed_enable(c), -ENOENT);
    ck_assert_int_eq(ed_reference(c), -ENOENT);
    ck_assert(info_all_zero());
    ck_assert_int_eq(ed_run(), 0);

    ed_id f = ed_defer(count_cb, (void *)0);
    ck_assert_uint_ne(f, 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(runs[0], 1);
    ck_assert_int_eq(ed_enable(f), -ENOENT);
    ck_assert_int_eq(ed_reference(f), -ENOENT);
    ck_assert(info_all_zero());
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(runs[0], 1);
    ED_TEST_END();
}
END_TEST

/* §1.10, §8.1: disable/cancel/unreference of an unknown id return 0 and do
 * nothing; a live watcher is not affected. */
START_TEST(test_disable_cancel_unreference_unknown_id_noop)
{
    ed_id live = ed_delay(0.001, count_cb, (void *)0);
    ck_assert_uint_ne(live, 0);
    ck_assert_int_eq(ed_disable(0), 0);
    ck_assert_int_eq(ed_unreference(0), 0);
    ed_cancel(0);
    ck_assert_int_eq(ed_disable(live + 1000), 0);
    ck_assert_int_eq(ed_unreference(live + 1000), 0);
    ed_cancel(live + 1000);
    ck_assert_int_eq(ed_disable(UINT64_MAX), 0);
    ed_cancel(UINT64_MAX);
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_DELAY], 1);
    ck_assert_uint_eq(info.referenced, 1);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(runs[0], 1);
    ED_TEST_END();
}
END_TEST

/* §1.10, §8.1: cancel is idempotent, and a stale id never reaches a newer
 * watcher. */
START_TEST(test_double_cancel_and_stale_id)
{
    ed_id a = ed_delay(0, never_cb, NULL);
    ck_assert_uint_ne(a, 0);
    ed_cancel(a);
    ed_cancel(a);
    ed_id b = ed_delay(0, count_cb, (void *)0);
    ck_assert_uint_ne(b, 0);
    ck_assert_uint_ne(a, b);
    ed_cancel(a);
    ck_assert_int_eq(ed_disable(a), 0);
    ck_assert_int_eq(ed_unreference(a), 0);
    ed_watcher_info wi;
    ck_assert_int_eq(ed_watcher_get(b, &wi), 0);
    ck_assert(wi.enabled);
    ck_assert(wi.referenced);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(runs[0], 1);
    ED_TEST_END();
}
END_TEST

static int unref_self_runs;

static int unref_self_cb(ed_id id, void *data)
{
    (void)data;
    if (++unref_self_runs == 2)
        ck_assert_int_eq(ed_unreference(id), 0);
    return 0;
}

/* §1.3, §1.10: ed_unreference / ed_reference toggle whether a watcher keeps
 * ed_run going. */
START_TEST(test_reference_unreference_toggle_liveness)
{
    ed_id t = ed_delay(0.01, count_cb, (void *)0);
    ck_assert_uint_ne(t, 0);
    ck_assert_int_eq(ed_unreference(t), 0);
    ck_assert_int_eq(ed_unreference(t), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(runs[0], 0);
    ed_watcher_info wi;
    ck_assert_int_eq(ed_watcher_get(t, &wi), 0);
    ck_assert(!wi.referenced);
    ck_assert_int_eq(ed_reference(t), 0);
    ck_assert_int_eq(ed_reference(t), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(runs[0], 1);

    ed_id r = ed_repeat(0.001, unref_self_cb, NULL);
    ck_assert_uint_ne(r, 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(unref_self_runs, 2);
    ed_cancel(r);
    ED_TEST_END();
}
END_TEST

/* ---- ids ------------------------------------------------------------------ */

#define ID_CYCLES 1000000
static ed_id all_ids[ID_CYCLES + 100];

static int id_cmp(const void *a, const void *b)
{
    ed_id x = *(const ed_id *)a, y = *(const ed_id *)b;
    return (x > y) - (x < y);
}

/* §8.1, §1.10: ids are never 0, unique, and never reused across 1,000,000
 * create/cancel cycles (with some watchers alive throughout). */
START_TEST(test_ids_unique_never_reused)
{
    size_t n = 0;
    for (int i = 0; i < 100; i++) {
        all_ids[n] = ed_delay(1000.0, never_cb, NULL);
        CHECK(all_ids[n] != 0);
        CHECK(ed_unreference(all_ids[n]) == 0);
        n++;
    }
    for (int i = 0; i < ID_CYCLES; i++) {
        ed_id id;
        switch (i % 3) {
        case 0: id = ed_defer(never_cb, NULL); break;
        case 1: id = ed_delay(1.0, never_cb, NULL); break;
        default: id = ed_repeat(1.0, never_cb, NULL); break;
        }
        CHECK(id != 0);
        all_ids[n++] = id;
        ed_cancel(id);
    }
    qsort(all_ids, n, sizeof all_ids[0], id_cmp);
    for (size_t i = 1; i < n; i++)
        if (all_ids[i] == all_ids[i - 1])
            ck_abort_msg("id %llu given twice", (unsigned long long)all_ids[i]);
    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

/* ---- drivers --------------------------------------------------------------- */

/* §1.12, header: ed_driver() names the driver EDDY_DRIVER selected. */
START_TEST(test_driver_matches_environment)
{
    const char *env = getenv("EDDY_DRIVER");
    const char *name = ed_driver();
    ck_assert_ptr_ne(name, NULL);
    if (env && (strcmp(env, "epoll") == 0 || strcmp(env, "poll") == 0))
        ck_assert_str_eq(name, env);
    else
        ck_assert(strcmp(name, "epoll") == 0 || strcmp(name, "poll") == 0);
    ED_TEST_END();
}
END_TEST

/* Header (ed_use_driver): an unknown name is -ENOENT and changes nothing; a
 * known one selects the driver of the next loop, overriding EDDY_DRIVER. */
START_TEST(test_use_driver_unknown_enoent_known_selects)
{
    ck_assert_int_eq(ed_use_driver("nope"), -ENOENT);
    ck_assert_int_eq(ed_use_driver("poll"), 0);
    ck_assert_str_eq(ed_driver(), "poll");
    ck_assert_int_eq(ed_shutdown(), 0);
    ck_assert_int_eq(ed_use_driver("epoll"), 0);
    ck_assert_str_eq(ed_driver(), "epoll");
    ck_assert_int_eq(ed_shutdown(), 0);
    ck_assert_int_eq(ed_use_driver("nope"), -ENOENT);
    ck_assert_str_eq(ed_driver(), "epoll");
    ED_TEST_END();
}
END_TEST

/* Header (ed_use_driver): once this thread's loop exists it is -EBUSY, and 0
 * again after ed_shutdown. */
START_TEST(test_use_driver_after_loop_exists_ebusy)
{
    ck_assert_uint_ne(ed_defer(count_cb, (void *)0), 0);
    ck_assert_int_eq(ed_use_driver("poll"), -EBUSY);
    ck_assert_int_eq(ed_use_driver(NULL), -EBUSY);
    ck_assert_int_eq(ed_shutdown(), 0);
    ck_assert_int_eq(runs[0], 0);
    ck_assert_int_eq(ed_use_driver("poll"), 0);
    ck_assert_str_eq(ed_driver(), "poll");
    ED_TEST_END();
}
END_TEST

static Suite *run_suite(void)
{
    Suite *s = suite_create("run");
    TCase *tc = tcase_create("run");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_run_empty_loop_returns_zero);
    tcase_add_test(tc, test_run_ends_with_only_disabled_or_unreferenced);
    tcase_add_test(tc, test_stop_ends_run_at_end_of_tick);
    tcase_add_test(tc, test_stop_when_not_running_is_harmless);
    tcase_add_test(tc, test_nested_run_returns_ebusy);
    tcase_add_test(tc, test_now_constant_within_tick_advances_between);
    tcase_add_test(tc, test_enable_reference_unknown_id_enoent);
    tcase_add_test(tc, test_disable_cancel_unreference_unknown_id_noop);
    tcase_add_test(tc, test_double_cancel_and_stale_id);
    tcase_add_test(tc, test_reference_unreference_toggle_liveness);
    tcase_add_test(tc, test_ids_unique_never_reused);
    tcase_add_test(tc, test_driver_matches_environment);
    tcase_add_test(tc, test_use_driver_unknown_enoent_known_selects);
    tcase_add_test(tc, test_use_driver_after_loop_exists_ebusy);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(run_suite)
