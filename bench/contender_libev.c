/*
 * libev side of the loop benchmark: one ev_loop_new() per run (destroyed
 * after it), watcher structs owned by the harness (allocated and touched
 * once, outside the timing).
 */
#include "bench.h"

#include <ev.h>

static struct ev_loop *loop;
static ev_timer *timers;
static size_t timers_cap;
static ev_idle *idles;
static size_t idles_cap;

static size_t fired;

static const char *backend_name(unsigned b)
{
    switch (b) {
    case EVBACKEND_EPOLL: return "epoll";
    case EVBACKEND_POLL: return "poll";
    case EVBACKEND_SELECT: return "select";
#ifdef EVBACKEND_LINUXAIO
    case EVBACKEND_LINUXAIO: return "linuxaio";
#endif
#ifdef EVBACKEND_IOURING
    case EVBACKEND_IOURING: return "io_uring";
#endif
    default: return "?";
    }
}

static void loop_open(void)
{
    loop = ev_loop_new(EVFLAG_AUTO);
    BENCH_CHECK(loop != NULL, "ev_loop_new failed");
}

static void loop_close(void)
{
    ev_loop_destroy(loop);
    loop = NULL;
}

static void describe(char *buf, size_t len)
{
    loop_open();
    snprintf(buf, len, "libev %d.%d (%s)", ev_version_major(), ev_version_minor(),
             backend_name(ev_backend(loop)));
    loop_close();
}

static void prepare(const bench_params *max)
{
    timers_cap = max->churn_timers > max->fire_timers ? max->churn_timers : max->fire_timers;
    idles_cap = max->defer_width;
    if (timers_cap) {
        timers = malloc(timers_cap * sizeof *timers);
        BENCH_CHECK(timers != NULL, "out of memory");
        memset(timers, 0, timers_cap * sizeof *timers);
    }
    if (idles_cap) {
        idles = malloc(idles_cap * sizeof *idles);
        BENCH_CHECK(idles != NULL, "out of memory");
        memset(idles, 0, idles_cap * sizeof *idles);
    }
}

static void release(void)
{
    free(timers);
    free(idles);
    timers = NULL;
    idles = NULL;
}

static void on_timer(struct ev_loop *l, ev_timer *w, int revents)
{
    (void)l;
    (void)w;
    (void)revents;
    fired++;
}

static size_t count_active(size_t n)
{
    size_t active = 0;
    for (size_t i = 0; i < n; i++)
        active += ev_is_active(&timers[i]) ? 1 : 0;
    return active;
}

/* noinline: keeps the phases apart in profiles (callgrind --toggle-collect). */
__attribute__((noinline)) static void insert_churn(const bench_params *p)
{
    for (size_t i = 0; i < p->churn_timers; i++) {
        ev_timer_init(&timers[i], on_timer, p->churn_delay[i], 0.);
        ev_timer_start(loop, &timers[i]);
    }
}

__attribute__((noinline)) static void cancel_churn(const bench_params *p)
{
    for (size_t i = 0; i < p->churn_timers; i++)
        ev_timer_stop(loop, &timers[i]);
}

static void run_churn(const bench_params *p, bench_result *r)
{
    loop_open();
    fired = 0;
    uint64_t t0 = bench_now_ns();
    insert_churn(p);
    uint64_t t1 = bench_now_ns();
    size_t active = count_active(p->churn_timers);
    BENCH_CHECK(active == p->churn_timers, "%zu active timers, expected %zu", active,
                p->churn_timers);
    uint64_t t2 = bench_now_ns();
    cancel_churn(p);
    uint64_t t3 = bench_now_ns();
    active = count_active(p->churn_timers);
    BENCH_CHECK(active == 0, "%zu timers still active", active);
    ev_run(loop, 0); /* must return at once: nothing is active */
    BENCH_CHECK(fired == 0, "%zu timers fired", fired);
    r->ns = (t1 - t0) + (t3 - t2);
    r->phase_ns[0] = t1 - t0;
    r->phase_ns[2] = t3 - t2;
    loop_close();
}

static void run_churn_tick(const bench_params *p, bench_result *r)
{
    loop_open();
    fired = 0;
    uint64_t t0 = bench_now_ns();
    insert_churn(p);
    uint64_t tm = bench_now_ns();
    ev_run(loop, EVRUN_NOWAIT);
    uint64_t t1 = bench_now_ns();
    size_t active = count_active(p->churn_timers);
    BENCH_CHECK(active + fired == p->churn_timers, "%zu active + %zu fired, expected %zu",
                active, fired, p->churn_timers);
    r->fired = fired;
    uint64_t t2 = bench_now_ns();
    cancel_churn(p);
    uint64_t t3 = bench_now_ns();
    active = count_active(p->churn_timers);
    BENCH_CHECK(active == 0, "%zu timers still active", active);
    size_t before = fired;
    ev_run(loop, 0);
    BENCH_CHECK(fired == before, "timers fired after cancel");
    r->ns = (t1 - t0) + (t3 - t2);
    r->phase_ns[0] = tm - t0;
    r->phase_ns[1] = t1 - tm;
    r->phase_ns[2] = t3 - t2;
    loop_close();
}

/* Workloads 1c and 1d: the same timers, created from inside a callback (libev
 * uses ev_now(), cached by the loop, as it does from main). The callback is an
 * ev_prepare: it runs first in each iteration, before the poll and the timer
 * phase, as eddy's defers do. (An ev_idle would be the other candidate, but
 * libev queues idle watchers only when nothing else of their priority is
 * pending, so in 1d, where due timers are pending in every iteration, it would
 * not run.) The harness drives the iterations with ev_run(EVRUN_NOWAIT), one
 * non-blocking iteration per call, and the watcher stops itself after its
 * last step. The clock runs without a gap from the start of the insert to the
 * end of the cancel; only the checks are left out.
 *   1c: iteration 1: insert, check, cancel.
 *   1d: iteration k: insert; iteration k+1; iteration k+2: cancel. libev runs
 *       its due timers at the end of k (after its poll) and of k+1. */
static ev_prepare step_watcher;
static struct {
    const bench_params *p;
    int step, last; /* callbacks run so far; the step that cancels */
    uint64_t t[6];  /* insert start/end, between start/end, cancel start/end */
} cc;

static void on_churn_step(struct ev_loop *l, ev_prepare *w, int revents)
{
    (void)revents;
    const bench_params *p = cc.p;
    int step = cc.step++;
    if (step == 0) {
        cc.t[0] = bench_now_ns();
        insert_churn(p);
        cc.t[1] = bench_now_ns();
    }
    if (step == cc.last) {
        cc.t[3] = bench_now_ns();
        size_t active = count_active(p->churn_timers);
        BENCH_CHECK(active + fired == p->churn_timers, "%zu active + %zu fired, expected %zu",
                    active, fired, p->churn_timers);
        cc.t[4] = bench_now_ns();
        cancel_churn(p);
        cc.t[5] = bench_now_ns();
        ev_prepare_stop(l, w);
        return;
    }
    if (step == 0)
        cc.t[2] = bench_now_ns();
}

static void run_churn_cb_with(const bench_params *p, bench_result *r, int last)
{
    loop_open();
    fired = 0;
    memset(&cc, 0, sizeof cc);
    cc.p = p;
    cc.last = last;
    ev_prepare_init(&step_watcher, on_churn_step);
    ev_prepare_start(loop, &step_watcher);
    for (int i = 0; i <= last; i++) {
        ev_run(loop, EVRUN_NOWAIT);
        BENCH_CHECK(cc.step == i + 1, "%d steps after %d iterations", cc.step, i + 1);
    }
    size_t active = count_active(p->churn_timers);
    BENCH_CHECK(active == 0 && !ev_is_active(&step_watcher), "%zu timers still active", active);
    r->fired = fired;
    size_t before = fired;
    ev_run(loop, 0); /* must return at once: nothing is active */
    BENCH_CHECK(fired == before, "timers fired after cancel");
    r->phase_ns[0] = cc.t[1] - cc.t[0];
    r->phase_ns[1] = last ? cc.t[3] - cc.t[2] : 0;
    r->phase_ns[2] = cc.t[5] - cc.t[4];
    r->ns = r->phase_ns[0] + r->phase_ns[1] + r->phase_ns[2];
    loop_close();
}

static void run_churn_cb(const bench_params *p, bench_result *r)
{
    run_churn_cb_with(p, r, 0);
    BENCH_CHECK(r->fired == 0, "%zu timers fired", r->fired);
}

static void run_churn_cb_tick(const bench_params *p, bench_result *r)
{
    run_churn_cb_with(p, r, 2);
}

static void run_fire(const bench_params *p, bench_result *r)
{
    loop_open();
    fired = 0;
    uint64_t t0 = bench_now_ns();
    for (size_t i = 0; i < p->fire_timers; i++) {
        ev_timer_init(&timers[i], on_timer, p->fire_delay[i], 0.);
        ev_timer_start(loop, &timers[i]);
    }
    ev_run(loop, 0);
    uint64_t t1 = bench_now_ns();
    BENCH_CHECK(fired == p->fire_timers, "%zu timers fired, expected %zu", fired,
                p->fire_timers);
    r->ns = t1 - t0;
    loop_close();
}

/* Defers: ev_idle watchers, libev's "call me on every iteration while nothing
 * else is pending" (the loop polls with a zero timeout while one is active).
 * Workload 3: one-shot like an eddy defer, the callback stops its watcher and
 * starts it again (ev_idle_stop+ev_idle_start). Workload 3b, for reference:
 * as for libuv, each of the 1,000 logical callbacks is one watcher that stays
 * started (that is its re-scheduling) and stops once all 10M are scheduled.
 * ev_feed_event on a prepare/check watcher was the alternative; ev_idle is
 * both the documented idiom and the cheaper of the two. */
static size_t d_ran, d_scheduled, d_target;

static void on_idle(struct ev_loop *l, ev_idle *w, int revents)
{
    (void)revents;
    d_ran++;
    if (d_scheduled < d_target)
        d_scheduled++;
    else
        ev_idle_stop(l, w);
}

static void on_idle_rearm(struct ev_loop *l, ev_idle *w, int revents)
{
    (void)revents;
    d_ran++;
    ev_idle_stop(l, w);
    if (d_scheduled < d_target) {
        d_scheduled++;
        ev_idle_start(l, w);
    }
}

typedef void (*idle_cb)(struct ev_loop *, ev_idle *, int);

static void run_defer_with(const bench_params *p, bench_result *r, idle_cb cb)
{
    loop_open();
    d_ran = 0;
    d_target = p->defer_total;
    d_scheduled = p->defer_width < d_target ? p->defer_width : d_target;
    uint64_t t0 = bench_now_ns();
    for (size_t i = 0; i < d_scheduled; i++) {
        ev_idle_init(&idles[i], cb);
        ev_idle_start(loop, &idles[i]);
    }
    ev_run(loop, 0);
    uint64_t t1 = bench_now_ns();
    BENCH_CHECK(d_ran == p->defer_total, "%zu callbacks ran, expected %zu", d_ran,
                p->defer_total);
    r->ns = t1 - t0;
    loop_close();
}

static void run_defer_persistent(const bench_params *p, bench_result *r)
{
    run_defer_with(p, r, on_idle);
}

static void run_defer_oneshot(const bench_params *p, bench_result *r)
{
    run_defer_with(p, r, on_idle_rearm);
}

typedef struct pingpong {
    int fd[2];
    ev_io w[2];
    size_t trips, target;
} pingpong;

static pingpong pp;

static void on_b(struct ev_loop *l, ev_io *w, int revents)
{
    (void)l;
    BENCH_CHECK(revents & EV_READ, "revents %#x", (unsigned)revents);
    bench_read1(w->fd);
    bench_write1(w->fd);
}

static void on_a(struct ev_loop *l, ev_io *w, int revents)
{
    BENCH_CHECK(revents & EV_READ, "revents %#x", (unsigned)revents);
    bench_read1(w->fd);
    if (++pp.trips < pp.target) {
        bench_write1(w->fd);
    } else {
        ev_io_stop(l, &pp.w[0]);
        ev_io_stop(l, &pp.w[1]);
    }
}

static void run_pingpong(const bench_params *p, bench_result *r)
{
    loop_open();
    bench_socketpair(pp.fd);
    pp.trips = 0;
    pp.target = p->trips;
    ev_io_init(&pp.w[0], on_a, pp.fd[0], EV_READ);
    ev_io_init(&pp.w[1], on_b, pp.fd[1], EV_READ);
    uint64_t t0 = bench_now_ns();
    ev_io_start(loop, &pp.w[0]);
    ev_io_start(loop, &pp.w[1]);
    bench_write1(pp.fd[0]);
    ev_run(loop, 0);
    uint64_t t1 = bench_now_ns();
    BENCH_CHECK(pp.trips == p->trips, "%zu round trips, expected %zu", pp.trips, p->trips);
    r->ns = t1 - t0;
    loop_close();
    bench_close_pair(pp.fd);
}

const bench_contender bench_libev = {
    .name = "libev",
    .describe = describe,
    .prepare = prepare,
    .release = release,
    .run = {
        [W_CHURN] = run_churn,
        [W_CHURN_TICK] = run_churn_tick,
        [W_CHURN_CB] = run_churn_cb,
        [W_CHURN_CB_TICK] = run_churn_cb_tick,
        [W_FIRE] = run_fire,
        [W_DEFER] = run_defer_oneshot,
        [W_DEFER_PERSIST] = run_defer_persistent,
        [W_PINGPONG] = run_pingpong,
    },
};
