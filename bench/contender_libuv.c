/*
 * libuv side of the loop benchmark: one uv_loop_t per run (uv_loop_init ..
 * uv_loop_close), watcher structs owned by the harness (allocated and touched
 * once, outside the timing, as a libuv program embeds them in its objects).
 */
#include "bench.h"

#include <uv.h>

static uv_loop_t loop;
static uv_timer_t *timers;
static size_t timers_cap;
static uv_idle_t *idles;
static size_t idles_cap;

static size_t fired;

static void describe(char *buf, size_t len)
{
    snprintf(buf, len, "libuv %s (epoll)", uv_version_string());
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

static void loop_open(void)
{
    int rc = uv_loop_init(&loop);
    BENCH_CHECK(rc == 0, "uv_loop_init: %s", uv_strerror(rc));
}

static void close_one(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

/* Untimed: every handle must be closed before uv_loop_close succeeds. */
static void loop_close(void)
{
    uv_walk(&loop, close_one, NULL);
    int rc = uv_run(&loop, UV_RUN_DEFAULT);
    BENCH_CHECK(rc == 0, "uv_run after closing returned %d", rc);
    rc = uv_loop_close(&loop);
    BENCH_CHECK(rc == 0, "uv_loop_close: %s", uv_strerror(rc));
}

static void on_timer(uv_timer_t *t)
{
    (void)t;
    fired++;
}

/* noinline: keeps the phases apart in profiles (callgrind --toggle-collect). */
__attribute__((noinline)) static void insert_churn(const bench_params *p)
{
    for (size_t i = 0; i < p->churn_timers; i++) {
        uv_timer_init(&loop, &timers[i]);
        int rc = uv_timer_start(&timers[i], on_timer, p->churn_ms[i], 0);
        BENCH_CHECK(rc == 0, "uv_timer_start: %s", uv_strerror(rc));
    }
}

__attribute__((noinline)) static void cancel_churn(const bench_params *p)
{
    for (size_t i = 0; i < p->churn_timers; i++)
        uv_timer_stop(&timers[i]);
}

static void run_churn(const bench_params *p, bench_result *r)
{
    loop_open();
    fired = 0;
    uint64_t t0 = bench_now_ns();
    insert_churn(p);
    uint64_t t1 = bench_now_ns();
    BENCH_CHECK(loop.active_handles == p->churn_timers, "%u active timers, expected %zu",
                loop.active_handles, p->churn_timers);
    uint64_t t2 = bench_now_ns();
    cancel_churn(p);
    uint64_t t3 = bench_now_ns();
    BENCH_CHECK(loop.active_handles == 0, "%u timers still active", loop.active_handles);
    BENCH_CHECK(fired == 0, "%zu timers fired", fired);
    r->ns = (t1 - t0) + (t3 - t2);
    r->phase_ns[0] = t1 - t0;
    r->phase_ns[2] = t3 - t2;
    loop_close();
    BENCH_CHECK(fired == 0, "%zu timers fired after cancel", fired);
}

static void run_churn_tick(const bench_params *p, bench_result *r)
{
    loop_open();
    fired = 0;
    uint64_t t0 = bench_now_ns();
    insert_churn(p);
    uint64_t tm = bench_now_ns();
    uv_run(&loop, UV_RUN_NOWAIT);
    uint64_t t1 = bench_now_ns();
    BENCH_CHECK(loop.active_handles + fired == p->churn_timers,
                "%u active + %zu fired timers, expected %zu", loop.active_handles, fired,
                p->churn_timers);
    r->fired = fired;
    uint64_t t2 = bench_now_ns();
    cancel_churn(p);
    uint64_t t3 = bench_now_ns();
    BENCH_CHECK(loop.active_handles == 0, "%u timers still active", loop.active_handles);
    r->ns = (t1 - t0) + (t3 - t2);
    r->phase_ns[0] = tm - t0;
    r->phase_ns[1] = t1 - tm;
    r->phase_ns[2] = t3 - t2;
    size_t before = fired;
    loop_close();
    BENCH_CHECK(fired == before, "timers fired after cancel");
}

/* Workloads 1c and 1d: the same timers, created from inside a callback (libuv
 * then uses loop->time, cached at the start of the iteration, as it does from
 * main). The callback is a uv_prepare_t: it runs once per iteration just
 * before the poll, as eddy's defers do; the harness drives the iterations with
 * uv_run(UV_RUN_NOWAIT), one non-blocking iteration per call, and the handle
 * stops itself after its last step. The clock runs without a gap from the
 * start of the insert to the end of the cancel; only the checks are left out.
 *   1c: iteration 1: insert, check, cancel.
 *   1d: iteration k: insert; iteration k+1; iteration k+2: cancel. libuv runs
 *       its due timers at the start of k+1 and again at the start of k+2,
 *       before the prepare callback cancels the rest. */
static uv_prepare_t step_handle;
static struct {
    const bench_params *p;
    int step, last; /* callbacks run so far; the step that cancels */
    uint64_t t[6];  /* insert start/end, between start/end, cancel start/end */
} cc;

static void on_churn_step(uv_prepare_t *h)
{
    const bench_params *p = cc.p;
    int step = cc.step++;
    if (step == 0) {
        cc.t[0] = bench_now_ns();
        insert_churn(p);
        cc.t[1] = bench_now_ns();
    }
    if (step == cc.last) {
        cc.t[3] = bench_now_ns();
        /* the timers still started, plus this handle */
        BENCH_CHECK(loop.active_handles - 1 + fired == p->churn_timers,
                    "%u active timers + %zu fired, expected %zu", loop.active_handles - 1, fired,
                    p->churn_timers);
        cc.t[4] = bench_now_ns();
        cancel_churn(p);
        cc.t[5] = bench_now_ns();
        uv_prepare_stop(h);
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
    uv_prepare_init(&loop, &step_handle);
    uv_prepare_start(&step_handle, on_churn_step);
    for (int i = 0; i <= last; i++) {
        uv_run(&loop, UV_RUN_NOWAIT);
        BENCH_CHECK(cc.step == i + 1, "%d steps after %d iterations", cc.step, i + 1);
    }
    BENCH_CHECK(loop.active_handles == 0, "%u handles still active", loop.active_handles);
    r->fired = fired;
    r->phase_ns[0] = cc.t[1] - cc.t[0];
    r->phase_ns[1] = last ? cc.t[3] - cc.t[2] : 0;
    r->phase_ns[2] = cc.t[5] - cc.t[4];
    r->ns = r->phase_ns[0] + r->phase_ns[1] + r->phase_ns[2];
    size_t before = fired;
    loop_close();
    BENCH_CHECK(fired == before, "timers fired after cancel");
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
        uv_timer_init(&loop, &timers[i]);
        int rc = uv_timer_start(&timers[i], on_timer, p->fire_ms[i], 0);
        BENCH_CHECK(rc == 0, "uv_timer_start: %s", uv_strerror(rc));
    }
    int rc = uv_run(&loop, UV_RUN_DEFAULT);
    uint64_t t1 = bench_now_ns();
    BENCH_CHECK(rc == 0, "uv_run returned %d", rc);
    BENCH_CHECK(fired == p->fire_timers, "%zu timers fired, expected %zu", fired,
                p->fire_timers);
    r->ns = t1 - t0;
    loop_close();
}

/* Defers: libuv's idiomatic "run this on the next iteration" is an idle
 * handle (Node's setImmediate keeps one idle handle active so that the poll
 * does not block, and drains its own queue from a check handle).
 * Workload 3: the handle is one-shot like an eddy defer: the callback stops
 * it and, to re-schedule itself, starts it again (uv_idle_stop+uv_idle_start:
 * two O(1) queue operations; it runs in the next iteration, not this one).
 * Workload 3b, for reference: each of the 1,000 logical callbacks is one
 * uv_idle_t that stays started: leaving it active is how it re-schedules
 * itself for the next iteration, and it stops itself once the 10M callbacks
 * have all been scheduled. The cheapest form libuv offers (no per-callback
 * work at all), but a persistent callback, not a one-shot. */
static size_t d_ran, d_scheduled, d_target;

static void on_idle(uv_idle_t *h)
{
    d_ran++;
    if (d_scheduled < d_target)
        d_scheduled++;
    else
        uv_idle_stop(h);
}

static void on_idle_rearm(uv_idle_t *h)
{
    d_ran++;
    uv_idle_stop(h);
    if (d_scheduled < d_target) {
        d_scheduled++;
        uv_idle_start(h, on_idle_rearm);
    }
}

static void run_defer_with(const bench_params *p, bench_result *r, uv_idle_cb cb)
{
    loop_open();
    d_ran = 0;
    d_target = p->defer_total;
    d_scheduled = p->defer_width < d_target ? p->defer_width : d_target;
    uint64_t t0 = bench_now_ns();
    for (size_t i = 0; i < d_scheduled; i++) {
        uv_idle_init(&loop, &idles[i]);
        uv_idle_start(&idles[i], cb);
    }
    int rc = uv_run(&loop, UV_RUN_DEFAULT);
    uint64_t t1 = bench_now_ns();
    BENCH_CHECK(rc == 0, "uv_run returned %d", rc);
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

/* Ping-pong: uv_poll_t on each end (not uv_stream_t, which would read ahead
 * into its own buffers); the callbacks do the same read/write as everyone's. */
typedef struct pingpong {
    int fd[2];
    uv_poll_t w[2];
    size_t trips, target;
} pingpong;

static pingpong pp;

static void on_b(uv_poll_t *w, int status, int events)
{
    (void)w;
    BENCH_CHECK(status == 0 && (events & UV_READABLE), "poll status %d", status);
    bench_read1(pp.fd[1]);
    bench_write1(pp.fd[1]);
}

static void on_a(uv_poll_t *w, int status, int events)
{
    (void)w;
    BENCH_CHECK(status == 0 && (events & UV_READABLE), "poll status %d", status);
    bench_read1(pp.fd[0]);
    if (++pp.trips < pp.target) {
        bench_write1(pp.fd[0]);
    } else {
        uv_poll_stop(&pp.w[0]);
        uv_poll_stop(&pp.w[1]);
    }
}

static void run_pingpong(const bench_params *p, bench_result *r)
{
    loop_open();
    bench_socketpair(pp.fd);
    pp.trips = 0;
    pp.target = p->trips;
    int rc = uv_poll_init(&loop, &pp.w[0], pp.fd[0]);
    BENCH_CHECK(rc == 0, "uv_poll_init: %s", uv_strerror(rc));
    rc = uv_poll_init(&loop, &pp.w[1], pp.fd[1]);
    BENCH_CHECK(rc == 0, "uv_poll_init: %s", uv_strerror(rc));
    uint64_t t0 = bench_now_ns();
    uv_poll_start(&pp.w[0], UV_READABLE, on_a);
    uv_poll_start(&pp.w[1], UV_READABLE, on_b);
    bench_write1(pp.fd[0]);
    rc = uv_run(&loop, UV_RUN_DEFAULT);
    uint64_t t1 = bench_now_ns();
    BENCH_CHECK(rc == 0, "uv_run returned %d", rc);
    BENCH_CHECK(pp.trips == p->trips, "%zu round trips, expected %zu", pp.trips, p->trips);
    r->ns = t1 - t0;
    loop_close();
    bench_close_pair(pp.fd);
}

const bench_contender bench_libuv = {
    .name = "libuv",
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
