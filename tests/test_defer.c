/* Defer watchers: behaviour.md §1.1, §1.2, §1.3, §1.4, §1.10, §7.1-7.3, §8.1. */
#include "support.h"

#include <stdint.h>
#include <string.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

/* Event log: (kind, tag, tick) in the order callbacks ran; unlike support.h's
 * log of plain integers, each entry keeps the tick it happened in. */
enum { EV_DEFER = 1, EV_OTHER = 2 };
typedef struct event {
    int kind;
    int tag;
    int tick;
} event;
#define EVENTS_MAX 4096
static event g_events[EVENTS_MAX];
static int g_nevents;

static void event_add(int kind, int tag)
{
    ck_assert_int_lt(g_nevents, EVENTS_MAX);
    g_events[g_nevents++] = (event){kind, tag, g_tick};
}

static int find_tag(int tag)
{
    for (int i = 0; i < g_nevents; i++)
        if (g_events[i].tag == tag)
            return i;
    return -1;
}

/* ---- defers run in the next tick ---------------------------------------- */

static int chain_ticks[100];
static int chain_runs;
static bool chain_inside;

static int chain_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    ck_assert_msg(!chain_inside, "defer ran inside the callback that scheduled it");
    ck_assert_int_lt(chain_runs, 100);
    chain_ticks[chain_runs++] = g_tick;
    if (chain_runs < 100) {
        chain_inside = true;
        ck_assert_uint_ne(ed_defer(chain_cb, NULL), 0);
        chain_inside = false;
    }
    return 0;
}

/* §1.4, §7.1: a defer scheduled from a defer runs in the next tick, never in the
 * current one (one run per tick: no recursion, no starvation). */
START_TEST(test_defer_never_same_tick)
{
    ticks_start(1000, false);
    ck_assert_uint_ne(ed_defer(chain_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(chain_runs, 100);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(chain_ticks[i], i + 1);
    ED_TEST_END();
}
END_TEST

static int fifo_cb(ed_id id, void *data)
{
    (void)id;
    int n = (int)(intptr_t)data;
    event_add(EV_DEFER, n);
    if (n < 100)
        ck_assert_uint_ne(ed_defer(fifo_cb, (void *)(intptr_t)(n + 100)), 0);
    return 0;
}

/* §1.4, §7.2: defers run in creation order, also those created during a tick. */
START_TEST(test_defer_fifo_order)
{
    ticks_start(1000, false);
    for (int i = 0; i < 100; i++)
        ck_assert_uint_ne(ed_defer(fifo_cb, (void *)(intptr_t)i), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(g_nevents, 200);
    for (int i = 0; i < 200; i++) {
        ck_assert_int_eq(g_events[i].tag, i);
        ck_assert_int_eq(g_events[i].tick, i < 100 ? 1 : 2);
    }
    ED_TEST_END();
}
END_TEST

/* ---- defers before every other watcher of their tick -------------------- */

enum { TAG_D = 1, TAG_D2, TAG_T, TAG_T2, TAG_R = 10 };
static int order_pipe[2];
static int order_r_calls;

static int order_defer_cb(ed_id id, void *data)
{
    (void)id;
    event_add(EV_DEFER, (int)(intptr_t)data);
    return 0;
}

static int order_timer_cb(ed_id id, void *data)
{
    (void)id;
    event_add(EV_OTHER, (int)(intptr_t)data);
    return 0;
}

static int order_readable_cb(ed_id id, int fd, void *data)
{
    (void)data;
    ck_assert_int_eq(fd, order_pipe[0]);
    order_r_calls++;
    event_add(EV_OTHER, TAG_R + order_r_calls);
    if (order_r_calls == 1) {
        /* Scheduled from an I/O callback of tick 1: both belong to tick 2. */
        ck_assert_uint_ne(ed_defer(order_defer_cb, (void *)(intptr_t)TAG_D2), 0);
        ck_assert_uint_ne(ed_delay(0, order_timer_cb, (void *)(intptr_t)TAG_T2), 0);
    }
    if (order_r_calls == 3)
        ed_cancel(id); /* never drained: level-triggered, fires every tick */
    return 0;
}

/* §1.2, §1.4, §7.2: in every tick the defers run before any I/O or timer
 * callback of that tick, even when those were created before the defers. */
START_TEST(test_defer_runs_before_timers_and_io)
{
    ck_assert_int_eq(pipe(order_pipe), 0);
    ck_assert_int_eq(write(order_pipe[1], "x", 1), 1);
    ck_assert_uint_ne(ed_on_readable(order_pipe[0], order_readable_cb, NULL), 0);
    ck_assert_uint_ne(ed_delay(0, order_timer_cb, (void *)(intptr_t)TAG_T), 0);
    ticks_start(1000, false);
    ck_assert_uint_ne(ed_defer(order_defer_cb, (void *)(intptr_t)TAG_D), 0);
    ck_assert_int_eq(ed_run(), 0);

    ck_assert_int_eq(order_r_calls, 3);
    /* The first callback of the run is the defer. */
    ck_assert_int_ge(g_nevents, 1);
    ck_assert_int_eq(g_events[0].tag, TAG_D);
    ck_assert_int_eq(g_events[0].tick, 1);
    /* In each tick, no defer after a non-defer callback. */
    for (int i = 1; i < g_nevents; i++)
        if (g_events[i].kind == EV_DEFER && g_events[i - 1].kind == EV_OTHER)
            ck_assert_int_gt(g_events[i].tick, g_events[i - 1].tick);
    /* The defer created in tick 1 by the I/O callback opens tick 2. */
    int d2 = find_tag(TAG_D2);
    ck_assert_int_ge(d2, 1);
    ck_assert_int_eq(g_events[d2].tick, 2);
    ck_assert_int_lt(g_events[d2 - 1].tick, 2);
    int t2 = find_tag(TAG_T2);
    ck_assert_int_gt(t2, d2);
    close_pair(order_pipe);
    ED_TEST_END();
}
END_TEST

/* ---- the id inside its own callback -------------------------------------- */

static ed_id self_id;
static int self_checked;

static int self_cb(ed_id id, void *data)
{
    (void)data;
    ed_watcher_info wi;
    ck_assert_uint_eq(id, self_id);
    ck_assert_int_eq(ed_enable(id), -ENOENT);
    ck_assert_int_eq(ed_reference(id), -ENOENT);
    ck_assert_int_eq(ed_watcher_get(id, &wi), -ENOENT);
    ed_cancel(id); /* no-op */
    ck_assert_int_eq(ed_disable(id), 0);
    ck_assert_int_eq(ed_unreference(id), 0);
    self_checked++;
    return 0;
}

/* §1.4, §8.1: the defer's id is already invalid inside its callback: enable is
 * -ENOENT, cancel a no-op. */
START_TEST(test_defer_id_invalid_inside_own_callback)
{
    self_id = ed_defer(self_cb, NULL);
    ck_assert_uint_ne(self_id, 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(self_checked, 1);
    ck_assert_int_eq(ed_enable(self_id), -ENOENT);
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_DEFER], 0);
    ck_assert_uint_eq(info.disabled[ED_WATCHER_DEFER], 0);
    ED_TEST_END();
}
END_TEST

/* ---- disabled defers ----------------------------------------------------- */

static int count1_runs;
static int count1_tick;

static int count1_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    count1_runs++;
    count1_tick = g_tick;
    return 0;
}

/* §1.4: a disabled defer does not run and stays registered (visible to
 * ed_watcher_get and counted as disabled) until cancelled. */
START_TEST(test_defer_disabled_not_run_but_registered)
{
    ed_id d = ed_defer(count1_cb, NULL);
    ck_assert_uint_ne(d, 0);
    ck_assert_int_eq(ed_disable(d), 0);
    /* Alone, a disabled defer does not keep the loop alive. */
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(count1_runs, 0);
    /* Several ticks pass; it still does not run. */
    ticks_start(5, true);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(g_tick, 5);
    ck_assert_int_eq(count1_runs, 0);

    ed_watcher_info wi;
    ck_assert_int_eq(ed_watcher_get(d, &wi), 0);
    ck_assert_int_eq(wi.type, ED_WATCHER_DEFER);
    ck_assert(!wi.enabled);
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.disabled[ED_WATCHER_DEFER], 1);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_DEFER], 0);
    ck_assert_uint_eq(info.referenced, 0);

    ed_cancel(d);
    ck_assert_int_eq(ed_watcher_get(d, &wi), -ENOENT);
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.disabled[ED_WATCHER_DEFER], 0);
    ck_assert_int_eq(count1_runs, 0);
    ED_TEST_END();
}
END_TEST

static ed_id enable_target;
static int enable_at_tick;

static void enable_hook(int tick)
{
    if (tick == enable_at_tick)
        ck_assert_int_eq(ed_enable(enable_target), 0);
}

static ed_id enable_target2;
static int enable_from_timer_tick;

static int enable_timer_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    enable_from_timer_tick = g_tick;
    ck_assert_int_eq(ed_enable(enable_target2), 0);
    return 0;
}

static int count2_runs;
static int count2_tick;

static int count2_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    count2_runs++;
    count2_tick = g_tick;
    return 0;
}

/* §1.4, §1.1: enabling a disabled defer queues it for the tick after the
 * enable, whether enabled from a defer or from a timer callback. */
START_TEST(test_defer_enable_runs_in_tick_after_enable)
{
    ticks_start(10, true);
    g_tick_hook = enable_hook;
    enable_at_tick = 3;
    enable_target = ed_defer(count1_cb, NULL);
    ck_assert_uint_ne(enable_target, 0);
    ck_assert_int_eq(ed_disable(enable_target), 0);
    enable_target2 = ed_defer(count2_cb, NULL);
    ck_assert_uint_ne(enable_target2, 0);
    ck_assert_int_eq(ed_disable(enable_target2), 0);
    ck_assert_uint_ne(ed_delay(0, enable_timer_cb, NULL), 0);

    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(count1_runs, 1);
    ck_assert_int_eq(count1_tick, 4);
    ck_assert_int_eq(count2_runs, 1);
    ck_assert_int_ge(enable_from_timer_tick, 1);
    ck_assert_int_eq(count2_tick, enable_from_timer_tick + 1);
    /* Both ran, so both ids are gone. */
    ck_assert_int_eq(ed_enable(enable_target), -ENOENT);
    ck_assert_int_eq(ed_enable(enable_target2), -ENOENT);
    ED_TEST_END();
}
END_TEST

static ed_id skip_b;
static ed_id skip_c;
static int skip_a_runs;

static int skip_a_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    skip_a_runs++;
    ck_assert_int_eq(ed_disable(skip_b), 0);
    ed_cancel(skip_c);
    return 0;
}

/* §1.4, §7.2: a defer disabled (or cancelled) by an earlier defer of the same
 * tick is skipped; the disabled one stays registered and runs once enabled. */
START_TEST(test_defer_disabled_by_earlier_defer_skipped)
{
    ck_assert_uint_ne(ed_defer(skip_a_cb, NULL), 0);
    skip_b = ed_defer(count1_cb, NULL);
    skip_c = ed_defer(count2_cb, NULL);
    ck_assert_uint_ne(skip_b, 0);
    ck_assert_uint_ne(skip_c, 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(skip_a_runs, 1);
    ck_assert_int_eq(count1_runs, 0);
    ck_assert_int_eq(count2_runs, 0);

    ed_watcher_info wi;
    ck_assert_int_eq(ed_watcher_get(skip_b, &wi), 0);
    ck_assert(!wi.enabled);
    ck_assert_int_eq(ed_watcher_get(skip_c, &wi), -ENOENT);

    ck_assert_int_eq(ed_enable(skip_b), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(count1_runs, 1);
    ck_assert_int_eq(count2_runs, 0);
    ED_TEST_END();
}
END_TEST

static ed_id toggle_b;
static ed_id toggle_c;

static int toggle_a_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    ck_assert_int_eq(ed_disable(toggle_b), 0);
    ck_assert_int_eq(ed_enable(toggle_b), 0);
    ck_assert_int_eq(ed_enable(toggle_c), 0); /* already enabled: no-op */
    return 0;
}

static int toggle_d_runs;
static int toggle_d_tick;

static int toggle_d_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    toggle_d_runs++;
    toggle_d_tick = g_tick;
    return 0;
}

/* §1.10, §1.4: disable+enable in one tick does not double-fire: the defer runs
 * once, in the tick after the enable; enabling an enabled defer changes nothing;
 * disable+enable before ed_run leaves it for the first tick. */
START_TEST(test_defer_disable_enable_same_tick_no_double_fire)
{
    ticks_start(1000, false);
    ck_assert_uint_ne(ed_defer(toggle_a_cb, NULL), 0);
    toggle_b = ed_defer(count1_cb, NULL);
    toggle_c = ed_defer(count2_cb, NULL);
    ck_assert_uint_ne(toggle_b, 0);
    ck_assert_uint_ne(toggle_c, 0);
    ed_id d = ed_defer(toggle_d_cb, NULL);
    ck_assert_uint_ne(d, 0);
    ck_assert_int_eq(ed_disable(d), 0);
    ck_assert_int_eq(ed_enable(d), 0);

    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(count1_runs, 1);
    ck_assert_int_eq(count1_tick, 2);
    ck_assert_int_eq(count2_runs, 1);
    ck_assert_int_eq(count2_tick, 1);
    ck_assert_int_eq(toggle_d_runs, 1);
    ck_assert_int_eq(toggle_d_tick, 1);
    ED_TEST_END();
}
END_TEST

/* ---- references ---------------------------------------------------------- */

/* §1.3: an unreferenced defer still runs when something else keeps the loop
 * alive. */
START_TEST(test_defer_unreferenced_runs_while_loop_alive)
{
    ed_id u = ed_defer(count1_cb, NULL);
    ck_assert_uint_ne(u, 0);
    ck_assert_int_eq(ed_unreference(u), 0);
    ck_assert_uint_ne(ed_defer(count2_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(count1_runs, 1);
    ck_assert_int_eq(count2_runs, 1);
    ED_TEST_END();
}
END_TEST

static ed_id late_unref;

static int make_unref_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    late_unref = ed_defer(count1_cb, NULL);
    ck_assert_uint_ne(late_unref, 0);
    ck_assert_int_eq(ed_unreference(late_unref), 0);
    return 0;
}

/* §1.3, §7.3: when only an unreferenced defer remains, the loop exits and the
 * defer does not run (and ed_shutdown frees it without calling it). */
START_TEST(test_defer_unreferenced_alone_does_not_run)
{
    ed_id u = ed_defer(count2_cb, NULL);
    ck_assert_uint_ne(u, 0);
    ck_assert_int_eq(ed_unreference(u), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(count2_runs, 0);
    ed_cancel(u);

    ck_assert_uint_ne(ed_delay(0, make_unref_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_uint_ne(late_unref, 0);
    ck_assert_int_eq(count1_runs, 0);
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_DEFER], 1);
    ck_assert_uint_eq(info.unreferenced, 1);
    ck_assert_uint_eq(info.referenced, 0);
    ED_TEST_END();
    ck_assert_int_eq(count1_runs, 0);
    ck_assert_int_eq(count2_runs, 0);
}
END_TEST

/* api.md §6: a NULL callback is EINVAL (0 id, errno set). */
START_TEST(test_defer_null_callback_einval)
{
    errno = 0;
    ck_assert_uint_eq(ed_defer(NULL, NULL), 0);
    ck_assert_int_eq(errno, EINVAL);
    ED_TEST_END();
}
END_TEST

static Suite *defer_suite(void)
{
    Suite *s = suite_create("defer");
    TCase *tc = tcase_create("defer");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_defer_never_same_tick);
    tcase_add_test(tc, test_defer_fifo_order);
    tcase_add_test(tc, test_defer_runs_before_timers_and_io);
    tcase_add_test(tc, test_defer_id_invalid_inside_own_callback);
    tcase_add_test(tc, test_defer_disabled_not_run_but_registered);
    tcase_add_test(tc, test_defer_enable_runs_in_tick_after_enable);
    tcase_add_test(tc, test_defer_disabled_by_earlier_defer_skipped);
    tcase_add_test(tc, test_defer_disable_enable_same_tick_no_double_fire);
    tcase_add_test(tc, test_defer_unreferenced_runs_while_loop_alive);
    tcase_add_test(tc, test_defer_unreferenced_alone_does_not_run);
    tcase_add_test(tc, test_defer_null_callback_einval);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(defer_suite)
