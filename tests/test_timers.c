/* Delay and repeat timers: behaviour.md §1.5, §1.6, §1.7, §7.1, §7.6, §8.2-8.5. */
#include "support.h"

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

/* ---- delay --------------------------------------------------------------- */

static ed_id once_id;
static int once_runs;

static int once_cb(ed_id id, void *data)
{
    ed_watcher_info wi;
    ck_assert_uint_eq(id, once_id);
    ck_assert_ptr_eq(data, &once_runs);
    ck_assert_int_eq(ed_watcher_get(id, &wi), -ENOENT);
    ck_assert_int_eq(ed_enable(id), -ENOENT);
    once_runs++;
    return 0;
}

/* §1.5, §1.1: a delay fires once; its id is invalid from inside its callback on. */
START_TEST(test_delay_fires_once_then_id_invalid)
{
    once_id = ed_delay(0.01, once_cb, &once_runs);
    ck_assert_uint_ne(once_id, 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(once_runs, 1);
    ck_assert_int_eq(ed_enable(once_id), -ENOENT);
    ck_assert_int_eq(ed_reference(once_id), -ENOENT);
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_DELAY], 0);
    ck_assert_uint_eq(info.disabled[ED_WATCHER_DELAY], 0);
    ED_TEST_END();
}
END_TEST

enum { Z_DEFER = 1, Z_DELAY = 2, Z_PRE_DELAY = 3, Z_PRE_DEFER = 4 };
static int zero_delay_tick;
static int zero_defer_tick;

static int zero_log_cb(ed_id id, void *data)
{
    (void)id;
    int what = (int)(intptr_t)data;
    log_add(what);
    if (what == Z_DELAY)
        zero_delay_tick = g_tick;
    if (what == Z_DEFER)
        zero_defer_tick = g_tick;
    return 0;
}

static int zero_make_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    /* The delay is created before the defer: the defer still runs first. */
    ck_assert_uint_ne(ed_delay(0, zero_log_cb, (void *)(intptr_t)Z_DELAY), 0);
    ck_assert_uint_ne(ed_defer(zero_log_cb, (void *)(intptr_t)Z_DEFER), 0);
    return 0;
}

/* §1.5: delay(0) waits for the next tick and runs after that tick's defers. */
START_TEST(test_delay_zero_next_tick_after_defers)
{
    ck_assert_uint_ne(ed_delay(0, zero_log_cb, (void *)(intptr_t)Z_PRE_DELAY), 0);
    ticks_start(1000, false);
    ck_assert_uint_ne(ed_defer(zero_log_cb, (void *)(intptr_t)Z_PRE_DEFER), 0);
    ck_assert_uint_ne(ed_defer(zero_make_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(g_nlog, 4);
    ck_assert_int_eq(g_log[0], Z_PRE_DEFER);
    ck_assert_int_eq(g_log[1], Z_PRE_DELAY);
    ck_assert_int_eq(g_log[2], Z_DEFER);
    ck_assert_int_eq(g_log[3], Z_DELAY);
    ck_assert_int_eq(zero_defer_tick, 2);
    ck_assert_int_eq(zero_delay_tick, 2);
    ED_TEST_END();
}
END_TEST

/* ---- equal deadlines ----------------------------------------------------- */

#define TIES 1000
static ed_id tie_ids[TIES];
static double tie_deadline_first;
static bool tie_checked;

static int tie_cb(ed_id id, void *data)
{
    (void)id;
    log_add((int)(intptr_t)data);
    return 0;
}

static int tie_probe_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    /* All were created in one tick with the same delay: the same deadline. */
    ed_watcher_info wi;
    ck_assert_int_eq(ed_watcher_get(tie_ids[0], &wi), 0);
    tie_deadline_first = wi.deadline;
    ck_assert_double_ge(tie_deadline_first, 0);
    for (int i = 1; i < TIES; i++) {
        CHECK(ed_watcher_get(tie_ids[i], &wi) == 0);
        CHECK(wi.deadline == tie_deadline_first);
    }
    tie_checked = true;
    return 0;
}

static int tie_make_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    ck_assert_uint_ne(ed_delay(0, tie_probe_cb, NULL), 0);
    for (int i = 0; i < TIES; i++) {
        tie_ids[i] = ed_delay(0.02, tie_cb, (void *)(intptr_t)i);
        ck_assert_uint_ne(tie_ids[i], 0);
    }
    /* Interleaved: A(.03) B(.01) C(.03) D(.01) fire B D A C. */
    ck_assert_uint_ne(ed_delay(0.03, tie_cb, (void *)(intptr_t)(TIES + 2)), 0);
    ck_assert_uint_ne(ed_delay(0.01, tie_cb, (void *)(intptr_t)(-2)), 0);
    ck_assert_uint_ne(ed_delay(0.03, tie_cb, (void *)(intptr_t)(TIES + 3)), 0);
    ck_assert_uint_ne(ed_delay(0.01, tie_cb, (void *)(intptr_t)(-1)), 0);
    return 0;
}

/* §8.2: timers with equal deadlines fire in creation order. */
START_TEST(test_timer_equal_deadlines_fire_in_creation_order)
{
    ck_assert_uint_ne(ed_defer(tie_make_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert(tie_checked);
    ck_assert_int_eq(g_nlog, TIES + 4);
    ck_assert_int_eq(g_log[0], -2);
    ck_assert_int_eq(g_log[1], -1);
    for (int i = 0; i < TIES; i++)
        ck_assert_int_eq(g_log[2 + i], i);
    ck_assert_int_eq(g_log[TIES + 2], TIES + 2);
    ck_assert_int_eq(g_log[TIES + 3], TIES + 3);
    ED_TEST_END();
}
END_TEST

/* §8.2: created outside the loop (deadlines counted from each creation) with
 * the same delay, they also fire in creation order. */
START_TEST(test_timer_same_delay_outside_loop_creation_order)
{
    for (int i = 0; i < TIES; i++)
        ck_assert_uint_ne(ed_delay(0.01, tie_cb, (void *)(intptr_t)i), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(g_nlog, TIES);
    for (int i = 0; i < TIES; i++)
        ck_assert_int_eq(g_log[i], i);
    ED_TEST_END();
}
END_TEST

/* ---- argument checks ----------------------------------------------------- */

/* §1.5, §1.6, §8.4, api.md §6: negative or NaN durations and NULL callbacks
 * give a 0 id with errno EINVAL. */
START_TEST(test_timer_invalid_arguments_einval)
{
    const double bad[] = {-1.0, -1e-9, -INFINITY, NAN};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        errno = 0;
        ck_assert_uint_eq(ed_delay(bad[i], never_cb, NULL), 0);
        ck_assert_int_eq(errno, EINVAL);
        errno = 0;
        ck_assert_uint_eq(ed_repeat(bad[i], never_cb, NULL), 0);
        ck_assert_int_eq(errno, EINVAL);
    }
    errno = 0;
    ck_assert_uint_eq(ed_delay(1.0, NULL, NULL), 0);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_uint_eq(ed_repeat(1.0, NULL, NULL), 0);
    ck_assert_int_eq(errno, EINVAL);
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_DELAY], 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_REPEAT], 0);
    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

static int huge_fired;

static int huge_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    huge_fired++;
    return 0;
}

/* §8.4, header (ed_delay): only negative or NaN durations are invalid: huge
 * and infinite ones are accepted, never fire, and do not disturb other
 * timers. */
START_TEST(test_timer_huge_durations_accepted)
{
    ed_id a = ed_delay(INFINITY, huge_cb, NULL);
    ed_id b = ed_repeat(1e300, huge_cb, NULL);
    ed_id c = ed_delay(DBL_MAX, huge_cb, NULL);
    ck_assert_uint_ne(a, 0);
    ck_assert_uint_ne(b, 0);
    ck_assert_uint_ne(c, 0);
    ck_assert_int_eq(ed_unreference(a), 0);
    ck_assert_int_eq(ed_unreference(b), 0);
    ck_assert_int_eq(ed_unreference(c), 0);
    ck_assert_uint_ne(ed_delay(0.01, tie_cb, (void *)(intptr_t)7), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(g_nlog, 1);
    ck_assert_int_eq(huge_fired, 0);
    ed_watcher_info wi;
    ck_assert_int_eq(ed_watcher_get(a, &wi), 0);
    ck_assert_double_gt(wi.deadline, ed_now() + 1e6);
    ED_TEST_END();
}
END_TEST

/* ---- repeat -------------------------------------------------------------- */

static int rep_runs;

static int rep_cancel_after_three_cb(ed_id id, void *data)
{
    (void)data;
    rep_runs++;
    if (rep_runs == 3)
        ed_cancel(id);
    return 0;
}

/* §1.6 (the seed's example): a repeat fires until it cancels itself after its
 * third run; then the loop ends and the id is invalid. */
START_TEST(test_repeat_cancel_self_after_three_runs)
{
    ed_id r = ed_repeat(0.01, rep_cancel_after_three_cb, NULL);
    ck_assert_uint_ne(r, 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(rep_runs, 3);
    ed_watcher_info wi;
    ck_assert_int_eq(ed_watcher_get(r, &wi), -ENOENT);
    ED_TEST_END();
}
END_TEST

#define ZERO_TICKS 60
static int zero_rep_ticks[ZERO_TICKS * 4];
static int zero_rep_runs;
static ed_id zero_rep_id;

static int zero_rep_cb(ed_id id, void *data)
{
    (void)data;
    ck_assert_uint_eq(id, zero_rep_id);
    ck_assert_int_lt(zero_rep_runs, ZERO_TICKS * 4);
    zero_rep_ticks[zero_rep_runs++] = g_tick;
    if (g_tick >= ZERO_TICKS)
        ed_cancel(id);
    return 0;
}

/* §1.6, §7.6, §8.3: a repeat with interval 0 fires at most once per tick. */
START_TEST(test_repeat_zero_interval_once_per_tick)
{
    ticks_start(1000000, false);
    zero_rep_id = ed_repeat(0, zero_rep_cb, NULL);
    ck_assert_uint_ne(zero_rep_id, 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_ge(zero_rep_runs, 10);
    for (int i = 1; i < zero_rep_runs; i++)
        ck_assert_msg(zero_rep_ticks[i] > zero_rep_ticks[i - 1],
                      "repeat(0) ran twice in tick %d", zero_rep_ticks[i]);
    ED_TEST_END();
}
END_TEST

/* ---- no drift ------------------------------------------------------------ */

#define DRIFT_I 0.05
#define DRIFT_RUNS 6
static ed_id drift_id;
static int drift_runs;
static double drift_now[DRIFT_RUNS + 1];  /* ed_now() in run k (1-based) */
static double drift_next[DRIFT_RUNS + 1]; /* deadline of run k+1, seen after run k */

static int drift_probe_cb(ed_id id, void *data)
{
    (void)id;
    int k = (int)(intptr_t)data;
    ed_watcher_info wi;
    ck_assert_int_eq(ed_watcher_get(drift_id, &wi), 0);
    ck_assert(wi.enabled);
    ck_assert_double_eq(wi.interval, DRIFT_I);
    drift_next[k] = wi.deadline;
    return 0;
}

static int drift_cb(ed_id id, void *data)
{
    (void)data;
    int k = ++drift_runs;
    drift_now[k] = ed_now();
    if (k == DRIFT_RUNS) {
        ed_cancel(id);
        return 0;
    }
    /* Deadline 0 < the repeat's next deadline: this probe runs first, after
     * the repeat has been re-armed. */
    ck_assert_uint_ne(ed_delay(0, drift_probe_cb, (void *)(intptr_t)k), 0);
    return 0;
}

/* §1.6, §8.3: the next deadline is the previous deadline plus the interval
 * (late runs do not push it back); only a missed period resets it to
 * now + interval. */
START_TEST(test_repeat_does_not_drift)
{
    drift_id = ed_repeat(DRIFT_I, drift_cb, NULL);
    ck_assert_uint_ne(drift_id, 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(drift_runs, DRIFT_RUNS);

    const double eps = 1e-7;
    int on_grid = 0;
    for (int k = 1; k < DRIFT_RUNS; k++) {
        /* Run k+1 happened at or after the deadline seen after run k. */
        ck_assert_double_ge(drift_now[k + 1] + eps, drift_next[k]);
        ck_assert_double_gt(drift_next[k], drift_now[k]);
        if (k + 1 < DRIFT_RUNS) {
            double expect = drift_next[k] + DRIFT_I;
            if (expect > drift_now[k + 1] + eps) {
                ck_assert_msg(fabs(drift_next[k + 1] - expect) < eps,
                              "run %d: next deadline %.9f, expected previous %.9f + %g "
                              "(drift %.9f s)",
                              k + 1, drift_next[k + 1], drift_next[k], DRIFT_I,
                              drift_next[k + 1] - expect);
                on_grid++;
            } else {
                /* The period was missed: skipped, next = now + interval. */
                ck_assert_double_gt(drift_next[k + 1], drift_now[k + 1]);
                ck_assert_double_le(drift_next[k + 1], drift_now[k + 1] + DRIFT_I + eps);
            }
        }
    }
    ck_assert_msg(on_grid >= 1, "every period was missed: the machine is too loaded");
    /* Without a missed period, after k more runs the deadline is exactly the
     * first one plus k intervals (no accumulated error). */
    if (on_grid == DRIFT_RUNS - 2)
        for (int k = 2; k < DRIFT_RUNS; k++)
            ck_assert_msg(fabs(drift_next[k] - (drift_next[1] + (k - 1) * DRIFT_I)) < 1e-6,
                          "deadline after run %d is %.9f, first + %d intervals is %.9f", k,
                          drift_next[k], k - 1, drift_next[1] + (k - 1) * DRIFT_I);
    ED_TEST_END();
}
END_TEST

#define SKIP_I 0.02
#define SKIP_BUSY 0.3
static int skip_runs;
static int skip_runs_after_busy;
static bool skip_stopped;

static int skip_stop_cb(ed_id id, void *data)
{
    (void)id;
    ed_cancel((ed_id)(uintptr_t)data);
    skip_stopped = true;
    return 0;
}

static int skip_cb(ed_id id, void *data)
{
    (void)data;
    ck_assert(!skip_stopped);
    skip_runs++;
    if (skip_runs == 1) {
        /* Block the loop for 15 periods. */
        busy_wait(SKIP_BUSY);
        return 0;
    }
    skip_runs_after_busy++;
    if (skip_runs == 2) /* the late run, right after the block */
        ck_assert_uint_ne(ed_delay(3.5 * SKIP_I, skip_stop_cb, (void *)(uintptr_t)id), 0);
    return 0;
}

/* §1.6, §8.3: periods missed while the loop was blocked are skipped, never
 * bursted. */
START_TEST(test_repeat_skips_missed_periods_no_burst)
{
    ck_assert_uint_ne(ed_repeat(SKIP_I, skip_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert(skip_stopped);
    /* The late run + about 3 on-time runs; a burst would give 15 or more. */
    ck_assert_int_ge(skip_runs_after_busy, 1);
    ck_assert_msg(skip_runs_after_busy <= 7, "%d runs in ~%g s after the block: missed periods bursted",
                  skip_runs_after_busy, 3.5 * SKIP_I);
    ED_TEST_END();
}
END_TEST

/* ---- enable restarts; time before ed_run counts --------------------------- */

#define RESTART_D 0.05
static ed_id restart_target;
static double restart_enable_now;
static double restart_probe_deadline;
static double restart_fire_now;
static int restart_fires;

static int restart_probe_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    ed_watcher_info wi;
    ck_assert_int_eq(ed_watcher_get(restart_target, &wi), 0);
    ck_assert(wi.enabled);
    restart_probe_deadline = wi.deadline;
    return 0;
}

static int restart_target_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    restart_fires++;
    restart_fire_now = ed_now();
    return 0;
}

static int restart_enable_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    restart_enable_now = ed_now();
    ck_assert_int_eq(ed_enable(restart_target), 0);
    ed_watcher_info wi;
    ck_assert_int_eq(ed_watcher_get(restart_target, &wi), 0);
    ck_assert(wi.enabled);
    /* Restarted from now: the deadline is known at once. */
    ck_assert_double_ge(wi.deadline, restart_enable_now + RESTART_D - 1e-9);
    ck_assert_uint_ne(ed_delay(0, restart_probe_cb, NULL), 0);
    return 0;
}

static int restart_disable_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    ck_assert_int_eq(ed_disable(restart_target), 0);
    return 0;
}

/* §1.5, §7.6: disabling then enabling a delay restarts it from the enable: its
 * deadline is >= enable time + delay, although the original deadline passed. */
START_TEST(test_delay_disable_enable_restarts_countdown)
{
    restart_target = ed_delay(RESTART_D, restart_target_cb, NULL);
    ck_assert_uint_ne(restart_target, 0);
    ck_assert_uint_ne(ed_defer(restart_disable_cb, NULL), 0);
    /* Enabled again after two periods: the original deadline is long past. */
    ck_assert_uint_ne(ed_delay(2 * RESTART_D, restart_enable_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(restart_fires, 1);
    ck_assert_double_ge(restart_probe_deadline, restart_enable_now + RESTART_D - 1e-9);
    ck_assert_double_ge(restart_fire_now, restart_enable_now + RESTART_D - 1e-9);
    ck_assert_double_ge(restart_fire_now, restart_probe_deadline - 1e-9);
    ED_TEST_END();
}
END_TEST

static int before_run_tick;
static int before_run_rep_tick;

static int before_run_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    before_run_tick = g_tick;
    if (before_run_rep_tick)
        ticks_stop();
    return 0;
}

static int before_run_rep_cb(ed_id id, void *data)
{
    (void)data;
    before_run_rep_tick = g_tick;
    ed_cancel(id);
    if (before_run_tick)
        ticks_stop();
    return 0;
}

/* §1.5, §1.6, §7.6: the deadline is fixed at creation, so time spent before
 * ed_run counts: after blocking for longer than the delay, the delay and the
 * repeat's first run are due in the first tick. */
START_TEST(test_timer_time_before_run_counts)
{
    ck_assert_uint_ne(ed_delay(0.05, before_run_cb, NULL), 0);
    ck_assert_uint_ne(ed_repeat(0.05, before_run_rep_cb, NULL), 0);
    double t0 = ed_now();
    while (ed_now() < t0 + 0.1) {
    }
    ticks_start(1000000, true);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(before_run_tick, 1);
    ck_assert_int_eq(before_run_rep_tick, 1);
    ED_TEST_END();
}
END_TEST

/* ---- timers created or cancelled inside a tick ---------------------------- */

static int made_delay_tick;
static int made_repeat_tick;
static int maker_tick;

static int made_delay_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    made_delay_tick = g_tick;
    return 0;
}

static int made_repeat_cb(ed_id id, void *data)
{
    (void)data;
    made_repeat_tick = g_tick;
    ed_cancel(id);
    return 0;
}

static int maker_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    maker_tick = g_tick;
    ck_assert_uint_ne(ed_delay(0, made_delay_cb, NULL), 0);
    ck_assert_uint_ne(ed_repeat(0, made_repeat_cb, NULL), 0);
    return 0;
}

/* §7.1, §1.1: timers created by a timer callback never fire in that tick, even
 * when already due (delay 0, repeat 0) while other due timers are still being
 * dispatched. */
START_TEST(test_timer_created_in_tick_not_fired_same_tick)
{
    ticks_start(1000000, false);
    ck_assert_uint_ne(ed_delay(0, maker_cb, NULL), 0);
    for (int i = 0; i < 100; i++) /* more due timers after the maker */
        ck_assert_uint_ne(ed_delay(0, tie_cb, (void *)(intptr_t)i), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_ge(maker_tick, 1);
    ck_assert_int_gt(made_delay_tick, maker_tick);
    ck_assert_int_gt(made_repeat_tick, maker_tick);
    ck_assert_int_eq(g_nlog, 100);
    ED_TEST_END();
}
END_TEST

static ed_id victim_cancel;
static ed_id victim_disable;
static int victim_runs;
static int killer_runs;

static int victim_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    victim_runs++;
    return 0;
}

static int killer_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    killer_runs++;
    ed_cancel(victim_cancel);
    ck_assert_int_eq(ed_disable(victim_disable), 0);
    return 0;
}

/* §1.10, §1.2: a timer cancelled or disabled by another timer callback of the
 * same tick, though already due, does not fire. */
START_TEST(test_timer_cancel_other_due_timer_prevents_firing)
{
    ck_assert_uint_ne(ed_delay(0, killer_cb, NULL), 0);
    victim_cancel = ed_delay(0, victim_cb, NULL);
    victim_disable = ed_repeat(0, victim_cb, NULL);
    ck_assert_uint_ne(victim_cancel, 0);
    ck_assert_uint_ne(victim_disable, 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(killer_runs, 1);
    ck_assert_int_eq(victim_runs, 0);
    ed_watcher_info wi;
    ck_assert_int_eq(ed_watcher_get(victim_cancel, &wi), -ENOENT);
    ck_assert_int_eq(ed_watcher_get(victim_disable, &wi), 0);
    ck_assert(!wi.enabled);
    ed_cancel(victim_disable);
    ED_TEST_END();
}
END_TEST

/* ---- many timers --------------------------------------------------------- */

#define MANY 100000
static int many_order[MANY];
static int many_expected[MANY];
static unsigned char many_fired[MANY];
static int many_n;

static double many_delay(int i)
{
    return (double)((i * 7919) % 1000) * 1e-5; /* 0 .. 9.99 ms */
}

static int many_cmp(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    double dx = many_delay(x), dy = many_delay(y);
    if (dx != dy)
        return dx < dy ? -1 : 1;
    return (x > y) - (x < y);
}

static int many_cb(ed_id id, void *data)
{
    (void)id;
    int i = (int)(intptr_t)data;
    CHECK(many_n < MANY);
    CHECK(many_fired[i] == 0);
    many_fired[i] = 1;
    many_order[many_n++] = i;
    return 0;
}

static int many_make_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    /* Created in one tick: deadline = the same now + delay(i). */
    for (int i = 0; i < MANY; i++)
        CHECK(ed_delay(many_delay(i), many_cb, (void *)(intptr_t)i) != 0);
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_DELAY], MANY);
    return 0;
}

/* §1.7, §8.2: 100,000 timers at once all fire, in deadline order (ties in
 * creation order). */
START_TEST(test_timers_100k_fire_in_deadline_order)
{
    for (int i = 0; i < MANY; i++)
        many_expected[i] = i;
    qsort(many_expected, MANY, sizeof many_expected[0], many_cmp);
    ck_assert_uint_ne(ed_defer(many_make_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(many_n, MANY);
    for (int i = 0; i < MANY; i++)
        if (many_order[i] != many_expected[i])
            ck_abort_msg("position %d: timer %d fired, expected %d", i, many_order[i], many_expected[i]);
    ED_TEST_END();
}
END_TEST

static Suite *timers_suite(void)
{
    Suite *s = suite_create("timers");
    TCase *tc = tcase_create("timers");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_delay_fires_once_then_id_invalid);
    tcase_add_test(tc, test_delay_zero_next_tick_after_defers);
    tcase_add_test(tc, test_timer_equal_deadlines_fire_in_creation_order);
    tcase_add_test(tc, test_timer_same_delay_outside_loop_creation_order);
    tcase_add_test(tc, test_timer_invalid_arguments_einval);
    tcase_add_test(tc, test_timer_huge_durations_accepted);
    tcase_add_test(tc, test_repeat_cancel_self_after_three_runs);
    tcase_add_test(tc, test_repeat_zero_interval_once_per_tick);
    tcase_add_test(tc, test_repeat_does_not_drift);
    tcase_add_test(tc, test_repeat_skips_missed_periods_no_burst);
    tcase_add_test(tc, test_delay_disable_enable_restarts_countdown);
    tcase_add_test(tc, test_timer_time_before_run_counts);
    tcase_add_test(tc, test_timer_created_in_tick_not_fired_same_tick);
    tcase_add_test(tc, test_timer_cancel_other_due_timer_prevents_firing);
    tcase_add_test(tc, test_timers_100k_fire_in_deadline_order);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(timers_suite)
