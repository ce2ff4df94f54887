/*
 * eddy side of the loop benchmark. eddy owns its watchers (the harness keeps
 * only the 64-bit ids, in an array allocated and touched once); each run
 * creates the thread's loop before the clock starts (ed_driver() creates it)
 * and frees it with ed_shutdown() after the clock stops, so every run starts
 * from a fresh loop like the peers' uv_loop_init / ev_loop_new.
 */
#include "bench.h"

#include <eddy.h>

static ed_id *ids;
static size_t ids_cap;
static size_t fired;

static void describe(char *buf, size_t len)
{
    const char *driver = ed_driver();
    snprintf(buf, len, "eddy %s (%s)", EDDY_VERSION_STRING, driver ? driver : "no loop");
    ed_shutdown();
}

static void prepare(const bench_params *max)
{
    ids_cap = max->churn_timers > max->fire_timers ? max->churn_timers : max->fire_timers;
    if (ids_cap) {
        ids = malloc(ids_cap * sizeof *ids);
        BENCH_CHECK(ids != NULL, "out of memory");
        memset(ids, 0, ids_cap * sizeof *ids);
    }
}

static void release(void)
{
    free(ids);
    ids = NULL;
}

static void loop_open(void)
{
    BENCH_CHECK(ed_driver() != NULL, "eddy cannot create its loop");
}

static void loop_close(void)
{
    int rc = ed_shutdown();
    BENCH_CHECK(rc == 0, "ed_shutdown: %s", ed_strerror(rc));
}

static void info(ed_info *out)
{
    int rc = ed_get_info(out);
    BENCH_CHECK(rc == 0, "ed_get_info: %s", ed_strerror(rc));
}

static int on_timer(ed_id id, void *data)
{
    (void)id;
    (void)data;
    fired++;
    return 0;
}

/* noinline: keeps the phases apart in profiles (callgrind --toggle-collect). */
__attribute__((noinline)) static void insert_churn(const bench_params *p)
{
    for (size_t i = 0; i < p->churn_timers; i++) {
        ids[i] = ed_delay(p->churn_delay[i], on_timer, NULL);
        BENCH_CHECK(ids[i] != 0, "ed_delay: %s", strerror(errno));
    }
}

__attribute__((noinline)) static void cancel_churn(const bench_params *p)
{
    for (size_t i = 0; i < p->churn_timers; i++)
        ed_cancel(ids[i]);
}

static void check_no_timers(void)
{
    ed_info in;
    info(&in);
    BENCH_CHECK(in.enabled[ED_WATCHER_DELAY] == 0 && in.disabled[ED_WATCHER_DELAY] == 0,
                "%zu enabled + %zu disabled delays left", in.enabled[ED_WATCHER_DELAY],
                in.disabled[ED_WATCHER_DELAY]);
}

static void run_churn(const bench_params *p, bench_result *r)
{
    loop_open();
    fired = 0;
    uint64_t t0 = bench_now_ns();
    insert_churn(p);
    uint64_t t1 = bench_now_ns();
    ed_info in;
    info(&in);
    BENCH_CHECK(in.enabled[ED_WATCHER_DELAY] == p->churn_timers, "%zu delays, expected %zu",
                in.enabled[ED_WATCHER_DELAY], p->churn_timers);
    uint64_t t2 = bench_now_ns();
    cancel_churn(p);
    uint64_t t3 = bench_now_ns();
    check_no_timers();
    int rc = ed_run(); /* must return at once: nothing is left */
    BENCH_CHECK(rc == 0 && fired == 0, "ed_run %d, %zu timers fired", rc, fired);
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
    int rc = ed_run_once(false);
    uint64_t t1 = bench_now_ns();
    BENCH_CHECK(rc >= 0, "ed_run_once: %s", ed_strerror(rc));
    ed_info in;
    info(&in);
    BENCH_CHECK(in.enabled[ED_WATCHER_DELAY] + fired == p->churn_timers,
                "%zu delays + %zu fired, expected %zu", in.enabled[ED_WATCHER_DELAY], fired,
                p->churn_timers);
    r->fired = fired;
    uint64_t t2 = bench_now_ns();
    cancel_churn(p);
    uint64_t t3 = bench_now_ns();
    check_no_timers();
    size_t before = fired;
    rc = ed_run();
    BENCH_CHECK(rc == 0 && fired == before, "ed_run %d, timers fired after cancel", rc);
    r->ns = (t1 - t0) + (t3 - t2);
    r->phase_ns[0] = tm - t0;
    r->phase_ns[1] = t1 - tm;
    r->phase_ns[2] = t3 - t2;
    loop_close();
}

/* Workloads 1c and 1d: the same timers, created from inside a callback, where
 * eddy uses the tick's cached time (no clock read) and queues each new timer
 * for activation at the start of the next tick. The callback is a one-shot
 * ed_defer; in 1d each step defers the next, so one runs in every tick. The
 * harness drives the ticks with ed_run_once(false), one non-blocking tick per
 * call, and the clock runs without a gap from the start of the insert to the
 * end of the cancel; only the checks are left out of it.
 *   1c: tick 1: insert, check, cancel.
 *   1d: tick k: insert; tick k+1: activates the timers into the heap, fires
 *       those already due; tick k+2: cancel (its defer runs before its timer
 *       phase). */
static struct {
    const bench_params *p;
    int step, last; /* callbacks run so far; the step that cancels */
    uint64_t t[6];  /* insert start/end, between start/end, cancel start/end */
} cc;

static int on_churn_step(ed_id id, void *data)
{
    (void)id;
    const bench_params *p = cc.p;
    int step = cc.step++;
    if (step == 0) {
        cc.t[0] = bench_now_ns();
        insert_churn(p);
        cc.t[1] = bench_now_ns();
    }
    if (step == cc.last) {
        cc.t[3] = bench_now_ns();
        ed_info in;
        info(&in);
        BENCH_CHECK(in.enabled[ED_WATCHER_DELAY] + fired == p->churn_timers,
                    "%zu delays + %zu fired, expected %zu", in.enabled[ED_WATCHER_DELAY], fired,
                    p->churn_timers);
        cc.t[4] = bench_now_ns();
        cancel_churn(p);
        cc.t[5] = bench_now_ns();
        return 0;
    }
    BENCH_CHECK(ed_defer(on_churn_step, data) != 0, "ed_defer: %s", strerror(errno));
    if (step == 0)
        cc.t[2] = bench_now_ns();
    return 0;
}

static void run_churn_cb_with(const bench_params *p, bench_result *r, int last)
{
    loop_open();
    fired = 0;
    memset(&cc, 0, sizeof cc);
    cc.p = p;
    cc.last = last;
    BENCH_CHECK(ed_defer(on_churn_step, NULL) != 0, "ed_defer: %s", strerror(errno));
    for (int i = 0; i <= last; i++) {
        int rc = ed_run_once(false);
        BENCH_CHECK(rc >= 0 && cc.step == i + 1, "ed_run_once %d, %d steps after %d ticks", rc,
                    cc.step, i + 1);
    }
    check_no_timers();
    size_t before = fired;
    int rc = ed_run(); /* must return at once: nothing is left */
    BENCH_CHECK(rc == 0 && fired == before, "ed_run %d, timers fired after cancel", rc);
    r->fired = fired;
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
        ed_id id = ed_delay(p->fire_delay[i], on_timer, NULL);
        BENCH_CHECK(id != 0, "ed_delay: %s", strerror(errno));
    }
    int rc = ed_run();
    uint64_t t1 = bench_now_ns();
    BENCH_CHECK(rc == 0, "ed_run: %s (%s)", ed_strerror(rc), ed_error_message());
    BENCH_CHECK(fired == p->fire_timers, "%zu timers fired, expected %zu", fired,
                p->fire_timers);
    r->ns = t1 - t0;
    loop_close();
}

/* Defers: a one-shot ed_defer that schedules its successor from inside the
 * callback, which is what eddy code does (there is no persistent defer). */
static size_t d_ran, d_scheduled, d_target;

static int on_defer(ed_id id, void *data)
{
    (void)id;
    d_ran++;
    if (d_scheduled < d_target) {
        d_scheduled++;
        if (ed_defer(on_defer, data) == 0)
            return -errno;
    }
    return 0;
}

static void run_defer(const bench_params *p, bench_result *r)
{
    loop_open();
    d_ran = 0;
    d_target = p->defer_total;
    d_scheduled = p->defer_width < d_target ? p->defer_width : d_target;
    uint64_t t0 = bench_now_ns();
    for (size_t i = 0; i < d_scheduled; i++)
        BENCH_CHECK(ed_defer(on_defer, NULL) != 0, "ed_defer: %s", strerror(errno));
    int rc = ed_run();
    uint64_t t1 = bench_now_ns();
    BENCH_CHECK(rc == 0, "ed_run: %s (%s)", ed_strerror(rc), ed_error_message());
    BENCH_CHECK(d_ran == p->defer_total, "%zu callbacks ran, expected %zu", d_ran,
                p->defer_total);
    r->ns = t1 - t0;
    loop_close();
}

typedef struct pingpong {
    int fd[2];
    ed_id w[2];
    size_t trips, target;
} pingpong;

static pingpong pp;

static int on_b(ed_id id, int fd, void *data)
{
    (void)id;
    (void)data;
    bench_read1(fd);
    bench_write1(fd);
    return 0;
}

static int on_a(ed_id id, int fd, void *data)
{
    (void)id;
    (void)data;
    bench_read1(fd);
    if (++pp.trips < pp.target) {
        bench_write1(fd);
    } else {
        ed_cancel(pp.w[0]);
        ed_cancel(pp.w[1]);
    }
    return 0;
}

static void run_pingpong(const bench_params *p, bench_result *r)
{
    loop_open();
    bench_socketpair(pp.fd);
    pp.trips = 0;
    pp.target = p->trips;
    uint64_t t0 = bench_now_ns();
    pp.w[0] = ed_on_readable(pp.fd[0], on_a, NULL);
    pp.w[1] = ed_on_readable(pp.fd[1], on_b, NULL);
    BENCH_CHECK(pp.w[0] != 0 && pp.w[1] != 0, "ed_on_readable: %s", strerror(errno));
    bench_write1(pp.fd[0]);
    int rc = ed_run();
    uint64_t t1 = bench_now_ns();
    BENCH_CHECK(rc == 0, "ed_run: %s (%s)", ed_strerror(rc), ed_error_message());
    BENCH_CHECK(pp.trips == p->trips, "%zu round trips, expected %zu", pp.trips, p->trips);
    r->ns = t1 - t0;
    loop_close();
    bench_close_pair(pp.fd);
}

const bench_contender bench_eddy = {
    .name = "eddy",
    .describe = describe,
    .prepare = prepare,
    .release = release,
    .run = {
        [W_CHURN] = run_churn,
        [W_CHURN_TICK] = run_churn_tick,
        [W_CHURN_CB] = run_churn_cb,
        [W_CHURN_CB_TICK] = run_churn_cb_tick,
        [W_FIRE] = run_fire,
        [W_DEFER] = run_defer,
        [W_DEFER_PERSIST] = run_defer, /* eddy has one kind of defer: the same code */
        [W_PINGPONG] = run_pingpong,
    },
};
