/*
 * task_bench: eddy's coroutines against glibc's ucontext and Go's goroutines,
 * in one invocation, in interleaved rounds. The figures and their reading
 * are in docs/performance.md ("Coroutines").
 *
 *   1   raw switch: two contexts switching back and forth, eddy's
 *       ed__context_switch against glibc swapcontext, in this process;
 *   1b  the same switch inside a function each context calls from a site
 *       of its own, as every suspension is: the function returns into the
 *       other site than the one the CPU's return-stack predictor expects
 *       (the floor under 2a), eddy alone;
 *   2a  hand-off through the scheduler: two eddy tasks passing control to
 *       each other through their suspensions (each resumes the other with
 *       the round's number, then suspends: nothing is allocated), against
 *       two goroutines ping-ponging on unbuffered channels and two calling
 *       runtime.Gosched();
 *   2b  the same through futures: each resolves a fresh deferred the other
 *       awaits, then awaits one the other resolves;
 *   2c  the same with two eddy tasks calling ed_yield() in turns (each turn
 *       is a loop tick, with a non-blocking poll);
 *   2d  2a with both tasks running one function, so that every suspension
 *       returns where the last one did, against Go's Gosched pair, which
 *       has that shape;
 *   3   spawn+finish+join of tasks one at a time, from inside a task:
 *       ed_async + ed_await + ed_future_release, against go f(); wg.Wait();
 *   4   RSS per parked task: 100,000 tasks parked in ed_sleep(3600), against
 *       100,000 goroutines blocked on a channel receive, each contender in a
 *       fresh child process ((RSS after - RSS before) / tasks, /proc/self/statm).
 *
 * Go's figures come from bench/go/tasks.go, built as tasks_go next to this
 * program, run as a subprocess for each measurement (GOMAXPROCS=1); it times
 * its own work and prints the counts its goroutines produced. Every run of
 * every contender checks its counts (round trips, wake-ups, tasks finished,
 * values passed) and the program exits on any mismatch.
 *
 * Each round runs every measurement once, workload by workload, the order of
 * the contenders rotating from round to round; eddy's ratio to each peer is
 * taken within the round and its median (min-max) reported, because speed
 * here drifts by up to 2x over minutes while ratios hold. Times are the CPU
 * time of the process (this one, or Go's) over the timed part, so that time
 * spent descheduled while other work runs on the machine does not count; the
 * wall-clock figures are printed beside them. A register-only probe before
 * and after each round flags rounds run in a slow phase. A warm-up pass at a
 * tenth of the sizes (not counted) runs first.
 *
 *   task_bench [--rounds N] [--csv FILE] [--only eddy,glibc,go]
 *              [--workload switch,switch-call,handoff,future,yield,
 *                          handoff-one,spawn,rss] (or 1,1b,2a,2b,2c,2d,3,4)
 *              [--scale D] [--no-warmup] [--verbose] [--go PATH]
 *   task_bench --rss-child N      (internal: the eddy side of workload 4)
 *
 * Environment: EDDY_BENCH_ROUNDS sets the default number of rounds;
 * EDDY_BENCH_GO the Go program (default: tasks_go next to this program).
 */
#include <eddy.h>

#include "task/context.h"

#include "child.h"
#include "harness.h"

#include <errno.h>
#include <limits.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

extern char **environ;

const char bench_prog[] = "task_bench";
const int bench_check_status = 1;

#define CHECK BENCH_CHECK

/* Every timed part is timed twice: by the wall clock, and by the CPU time of
 * the process (this one, or the Go one). Other work on the machine stretches
 * the first (while we are descheduled) but not the second, so the CPU time is
 * the figure compared; the wall time is reported beside it. */
typedef struct stamp {
    uint64_t wall, cpu;
} stamp;

static stamp stamp_now(void)
{
    stamp t;
    t.cpu = bench_clock_ns(CLOCK_PROCESS_CPUTIME_ID);
    t.wall = bench_now_ns();
    return t;
}

/* One measurement: per operation, CPU-time ns (or KiB for RSS), and wall ns. */
typedef struct figure {
    double v, wall;
} figure;

static figure per_op(stamp t0, stamp t1, double ops)
{
    figure f;
    f.v = (double)(t1.cpu - t0.cpu) / ops;
    f.wall = (double)(t1.wall - t0.wall) / ops;
    return f;
}

/* ------------------------------------------------------------------------
 * Sizes
 * --------------------------------------------------------------------- */

typedef struct sizes {
    size_t switch_eddy; /* round trips (2 switches each) */
    size_t switch_uc;   /* the same for swapcontext: ~1 us per switch here */
    size_t handoff;     /* round trips (2 hand-offs each), eddy and Go channels */
    size_t future;      /* round trips through deferreds */
    size_t yield;       /* yields per task (2 tasks) */
    size_t gosched;     /* Gosched calls per goroutine (2 goroutines) */
    size_t spawn;       /* tasks, one at a time */
    size_t rss;         /* parked tasks */
} sizes;

static sizes make_sizes(double scale)
{
    sizes s;
    s.switch_eddy = bench_scaled(5000000, scale);
    s.switch_uc = bench_scaled(100000, scale);
    s.handoff = bench_scaled(2000000, scale);
    s.future = bench_scaled(1000000, scale);
    s.yield = bench_scaled(100000, scale);
    s.gosched = bench_scaled(1000000, scale);
    s.spawn = bench_scaled(1000000, scale);
    s.rss = bench_scaled(100000, scale);
    return s;
}

/* ------------------------------------------------------------------------
 * 1. Raw switch
 * --------------------------------------------------------------------- */

#define SWITCH_STACK (64 * 1024)

static struct ed__context sw_main, sw_co;
static void *sw_stack;
static size_t sw_count; /* times the other context ran */

static void sw_entry(void *arg)
{
    (void)arg;
    for (;;) {
        sw_count++;
        ed__context_switch(&sw_co, &sw_main, 0);
    }
}

/* 1b: the switch is a function both sides call, each from its own site. */
static struct ed__context call_main, call_co;
static void *call_stack;
static volatile size_t call_count; /* its address never escapes: the switch cannot be seen to touch it */

static __attribute__((noinline)) void switch_call(struct ed__context *from,
                                                  struct ed__context *to)
{
    ed__context_switch(from, to, 0);
    __asm__ volatile(""); /* a real call, not a tail jump */
}

static void call_entry(void *arg)
{
    (void)arg;
    for (;;) {
        call_count++;
        switch_call(&call_co, &call_main);
    }
}

static ucontext_t uc_main, uc_co;
static void *uc_stack;
static size_t uc_count;

static void uc_entry(void)
{
    for (;;) {
        uc_count++;
        swapcontext(&uc_co, &uc_main);
    }
}

static void switch_prepare(void)
{
    sw_stack = aligned_alloc(4096, SWITCH_STACK);
    call_stack = aligned_alloc(4096, SWITCH_STACK);
    uc_stack = aligned_alloc(4096, SWITCH_STACK);
    CHECK(sw_stack && call_stack && uc_stack, "out of memory");
    memset(sw_stack, 0, SWITCH_STACK);
    memset(call_stack, 0, SWITCH_STACK);
    memset(uc_stack, 0, SWITCH_STACK);
    CHECK(ed__context_of_thread(&sw_main) == 0, "ed__context_of_thread");
    CHECK(ed__context_make(&sw_co, sw_stack, SWITCH_STACK, sw_entry, NULL) == 0,
          "ed__context_make");
    ed__context_switch(&sw_main, &sw_co, 0); /* the first entry, outside every timing */
    CHECK(sw_count == 1, "first switch: %zu", sw_count);
    CHECK(ed__context_of_thread(&call_main) == 0, "ed__context_of_thread");
    CHECK(ed__context_make(&call_co, call_stack, SWITCH_STACK, call_entry, NULL) == 0,
          "ed__context_make");
    switch_call(&call_main, &call_co);
    CHECK(call_count == 1, "first switch: %zu", call_count);

    CHECK(getcontext(&uc_co) == 0, "getcontext: %s", strerror(errno));
    uc_co.uc_stack.ss_sp = uc_stack;
    uc_co.uc_stack.ss_size = SWITCH_STACK;
    uc_co.uc_link = NULL;
    makecontext(&uc_co, uc_entry, 0);
    CHECK(swapcontext(&uc_main, &uc_co) == 0, "swapcontext: %s", strerror(errno));
    CHECK(uc_count == 1, "first swapcontext: %zu", uc_count);
}

/* ns per switch */
static figure run_switch_eddy(const sizes *z)
{
    size_t n = z->switch_eddy, c0 = sw_count;
    stamp t0 = stamp_now();
    for (size_t i = 0; i < n; i++)
        ed__context_switch(&sw_main, &sw_co, 0);
    stamp t1 = stamp_now();
    CHECK(sw_count - c0 == n, "%zu resumptions, expected %zu", sw_count - c0, n);
    return per_op(t0, t1, 2.0 * (double)n);
}

static figure run_switch_call_eddy(const sizes *z)
{
    size_t n = z->switch_eddy, c0 = call_count;
    stamp t0 = stamp_now();
    for (size_t i = 0; i < n; i++)
        switch_call(&call_main, &call_co);
    stamp t1 = stamp_now();
    CHECK(call_count - c0 == n, "%zu resumptions, expected %zu", call_count - c0, n);
    return per_op(t0, t1, 2.0 * (double)n);
}

static figure run_switch_uc(const sizes *z)
{
    size_t n = z->switch_uc, c0 = uc_count;
    stamp t0 = stamp_now();
    for (size_t i = 0; i < n; i++)
        swapcontext(&uc_main, &uc_co);
    stamp t1 = stamp_now();
    CHECK(uc_count - c0 == n, "%zu resumptions, expected %zu", uc_count - c0, n);
    return per_op(t0, t1, 2.0 * (double)n);
}

/* ------------------------------------------------------------------------
 * 2a. Hand-off through suspensions
 *
 * B suspends; A resumes B with the round's number and suspends; B checks
 * the number, resumes A with it and suspends again; and so on. One hand-off
 * is one task giving control to the other: a round trip is two. A ends B
 * with a NULL value.
 * --------------------------------------------------------------------- */

typedef struct handoff {
    ed_suspension *a, *b;
    size_t n;
    size_t a_wakes, b_wakes;
    stamp t0, t1;
} handoff;

static int ho_b(void *arg, void **result)
{
    handoff *s = arg;
    (void)result;
    s->b = ed_suspension_get();
    CHECK(s->b != NULL, "ed_suspension_get: %s", strerror(errno));
    for (;;) {
        void *v = NULL;
        int rc = ed_suspend(s->b, &v);
        CHECK(rc == 0, "B's suspend: %s", ed_strerror(rc));
        if (!v)
            return 0;
        s->b_wakes++;
        CHECK((uintptr_t)v == s->b_wakes, "B got %zu in round %zu", (size_t)(uintptr_t)v,
              s->b_wakes);
        CHECK(ed_resume(s->a, v) == 0, "resume A");
    }
}

static int ho_a(void *arg, void **result)
{
    handoff *s = arg;
    (void)result;
    s->a = ed_suspension_get();
    CHECK(s->a != NULL, "ed_suspension_get: %s", strerror(errno));
    s->t0 = stamp_now();
    for (size_t i = 1; i <= s->n; i++) {
        CHECK(ed_resume(s->b, (void *)(uintptr_t)i) == 0, "resume B");
        void *v = NULL;
        int rc = ed_suspend(s->a, &v);
        CHECK(rc == 0, "A's suspend: %s", ed_strerror(rc));
        CHECK((uintptr_t)v == i, "A got %zu in round %zu", (size_t)(uintptr_t)v, i);
        s->a_wakes++;
    }
    s->t1 = stamp_now();
    CHECK(ed_resume(s->b, NULL) == 0, "resume B to end it");
    return 0;
}

static void await_task(ed_future *f, const char *what);

/* ns per hand-off */
static figure run_handoff_eddy(const sizes *z)
{
    handoff s;
    memset(&s, 0, sizeof s);
    s.n = z->handoff;
    ed_future *fb = ed_async(ho_b, &s); /* runs until its first suspension */
    ed_future *fa = ed_async(ho_a, &s);
    await_task(fa, "task A");
    await_task(fb, "task B");
    CHECK(s.a_wakes == s.n && s.b_wakes == s.n, "wake-ups: A %zu, B %zu, expected %zu",
          s.a_wakes, s.b_wakes, s.n);
    return per_op(s.t0, s.t1, 2.0 * (double)s.n);
}

/* ------------------------------------------------------------------------
 * 2d. Hand-off through suspensions, both tasks in one function
 *
 * 2a's protocol, the leader sending the round's number and the follower
 * sending it back, but with one task body: after the follower's first wait,
 * both suspend at the same call, so each suspension returns where the
 * other's was made, as the CPU's return-stack predictor expects.
 * --------------------------------------------------------------------- */

typedef struct handoff_one handoff_one;
typedef struct ho_side {
    ed_suspension *me;
    struct ho_side *peer;
    handoff_one *s;
    bool leader;
    size_t wakes;
} ho_side;

struct handoff_one {
    ho_side a, b;
    size_t n;
    stamp t0, t1;
};

static int ho_one(void *arg, void **result)
{
    ho_side *me = arg;
    handoff_one *s = me->s;
    (void)result;
    me->me = ed_suspension_get();
    CHECK(me->me != NULL, "ed_suspension_get: %s", strerror(errno));
    void *v = NULL;
    if (me->leader)
        s->t0 = stamp_now();
    else
        CHECK(ed_suspend(me->me, &v) == 0, "the follower's first wait");
    for (size_t i = 1; i <= s->n; i++) {
        if (!me->leader)
            CHECK((uintptr_t)v == i, "the follower got %zu in round %zu", (size_t)(uintptr_t)v,
                  i);
        CHECK(ed_resume(me->peer->me, me->leader ? (void *)(uintptr_t)i : v) == 0, "resume");
        int rc = ed_suspend(me->me, &v);
        CHECK(rc == 0, "suspend: %s", ed_strerror(rc));
        me->wakes++;
        if (me->leader)
            CHECK((uintptr_t)v == i, "the leader got %zu in round %zu", (size_t)(uintptr_t)v, i);
    }
    if (!me->leader) {
        CHECK(v == NULL, "the follower was not ended");
        return 0;
    }
    s->t1 = stamp_now();
    CHECK(ed_resume(me->peer->me, NULL) == 0, "resume the follower to end it");
    return 0;
}

/* ns per hand-off */
static figure run_handoff_one_eddy(const sizes *z)
{
    handoff_one s;
    memset(&s, 0, sizeof s);
    s.n = z->handoff;
    s.a = (ho_side){.peer = &s.b, .s = &s, .leader = true};
    s.b = (ho_side){.peer = &s.a, .s = &s, .leader = false};
    ed_future *fb = ed_async(ho_one, &s.b); /* runs until its first suspension */
    ed_future *fa = ed_async(ho_one, &s.a);
    await_task(fa, "the leader");
    await_task(fb, "the follower");
    CHECK(s.a.wakes == s.n && s.b.wakes == s.n, "wake-ups: %zu and %zu, expected %zu", s.a.wakes,
          s.b.wakes, s.n);
    return per_op(s.t0, s.t1, 2.0 * (double)s.n);
}

/* ------------------------------------------------------------------------
 * 2b. Hand-off through futures
 *
 * B publishes a fresh deferred and awaits it; A publishes one of its own,
 * resolves B's with the round's number and awaits; B wakes, checks the
 * number, publishes its next deferred, resolves A's with the number back and
 * awaits; and so on. One hand-off is one task giving control to the other:
 * a round trip is two. A ends B with a NULL value.
 * --------------------------------------------------------------------- */

typedef struct pingpong {
    ed_deferred *to_a, *to_b;
    size_t n;
    size_t a_wakes, b_wakes;
    stamp t0, t1;
} pingpong;

static int pp_b(void *arg, void **result)
{
    pingpong *s = arg;
    (void)result;
    for (;;) {
        ed_deferred *d = ed_deferred_new();
        CHECK(d != NULL, "ed_deferred_new: %s", strerror(errno));
        ed_future *f = ed_deferred_future(d);
        s->to_b = d;
        if (s->b_wakes)
            CHECK(ed_resolve(s->to_a, (void *)(uintptr_t)s->b_wakes) == 0, "resolve to A");
        void *v = NULL;
        int rc = ed_await(f, &v);
        CHECK(rc == 0, "B's await: %s", ed_strerror(rc));
        ed_future_release(f);
        ed_deferred_free(d);
        if (!v)
            return 0;
        s->b_wakes++;
        CHECK((uintptr_t)v == s->b_wakes, "B got %zu in round %zu", (size_t)(uintptr_t)v,
              s->b_wakes);
    }
}

static int pp_a(void *arg, void **result)
{
    pingpong *s = arg;
    (void)result;
    s->t0 = stamp_now();
    for (size_t i = 1; i <= s->n; i++) {
        ed_deferred *d = ed_deferred_new();
        CHECK(d != NULL, "ed_deferred_new: %s", strerror(errno));
        ed_future *f = ed_deferred_future(d);
        s->to_a = d;
        CHECK(ed_resolve(s->to_b, (void *)(uintptr_t)i) == 0, "resolve to B");
        void *v = NULL;
        int rc = ed_await(f, &v);
        CHECK(rc == 0, "A's await: %s", ed_strerror(rc));
        ed_future_release(f);
        ed_deferred_free(d);
        CHECK((uintptr_t)v == i, "A got %zu in round %zu", (size_t)(uintptr_t)v, i);
        s->a_wakes++;
    }
    s->t1 = stamp_now();
    CHECK(ed_resolve(s->to_b, NULL) == 0, "resolve the end to B");
    return 0;
}

static void await_task(ed_future *f, const char *what)
{
    CHECK(f != NULL, "ed_async (%s): %s", what, strerror(errno));
    int rc = ed_await(f, NULL);
    CHECK(rc == 0, "%s: %s", what, ed_strerror(rc));
    ed_future_release(f);
}

/* ns per hand-off */
static figure run_future_eddy(const sizes *z)
{
    pingpong s;
    memset(&s, 0, sizeof s);
    s.n = z->future;
    ed_future *fb = ed_async(pp_b, &s); /* runs until it awaits its first deferred */
    ed_future *fa = ed_async(pp_a, &s);
    await_task(fa, "task A");
    await_task(fb, "task B");
    CHECK(s.a_wakes == s.n && s.b_wakes == s.n, "wake-ups: A %zu, B %zu, expected %zu",
          s.a_wakes, s.b_wakes, s.n);
    return per_op(s.t0, s.t1, 2.0 * (double)s.n);
}

/* ------------------------------------------------------------------------
 * 2c. Hand-off through ed_yield(): two tasks yielding in turns.
 * --------------------------------------------------------------------- */

typedef struct yielders {
    size_t n;
    size_t count[2];
    size_t maxd; /* how far one got ahead of the other */
} yielders;

typedef struct yielder {
    yielders *y;
    int me;
} yielder;

static int yield_body(void *arg, void **result)
{
    yielder *w = arg;
    yielders *y = w->y;
    (void)result;
    for (size_t i = 0; i < y->n; i++) {
        y->count[w->me]++;
        size_t a = y->count[w->me], b = y->count[1 - w->me];
        size_t d = a > b ? a - b : b - a;
        if (d > y->maxd)
            y->maxd = d;
        int rc = ed_yield();
        CHECK(rc == 0, "ed_yield: %s", ed_strerror(rc));
    }
    return 0;
}

static figure run_yield_eddy(const sizes *z)
{
    yielders y;
    memset(&y, 0, sizeof y);
    y.n = z->yield;
    yielder w0 = {&y, 0}, w1 = {&y, 1};
    stamp t0 = stamp_now();
    ed_future *f0 = ed_async(yield_body, &w0);
    ed_future *f1 = ed_async(yield_body, &w1);
    await_task(f0, "yielder 0");
    await_task(f1, "yielder 1");
    stamp t1 = stamp_now();
    CHECK(y.count[0] == y.n && y.count[1] == y.n, "yields: %zu and %zu, expected %zu",
          y.count[0], y.count[1], y.n);
    CHECK(y.maxd <= 1, "the two tasks did not take turns (one got %zu ahead)", y.maxd);
    return per_op(t0, t1, 2.0 * (double)y.n);
}

/* ------------------------------------------------------------------------
 * 3. Spawn + finish + join, one at a time, from inside a task.
 * --------------------------------------------------------------------- */

typedef struct spawner {
    size_t n;
    size_t ran;
    stamp t0, t1;
} spawner;

static int trivial(void *arg, void **result)
{
    spawner *s = arg;
    s->ran++;
    *result = arg;
    return 0;
}

static int spawn_body(void *arg, void **result)
{
    spawner *s = arg;
    (void)result;
    s->t0 = stamp_now();
    for (size_t i = 0; i < s->n; i++) {
        ed_future *f = ed_async(trivial, s);
        CHECK(f != NULL, "ed_async: %s", strerror(errno));
        void *v = NULL;
        int rc = ed_await(f, &v);
        CHECK(rc == 0 && v == s, "task %zu: %s", i, ed_strerror(rc));
        ed_future_release(f);
    }
    s->t1 = stamp_now();
    return 0;
}

static figure run_spawn_eddy(const sizes *z)
{
    spawner s;
    memset(&s, 0, sizeof s);
    s.n = z->spawn;
    int rc = ed_main(spawn_body, &s, NULL);
    CHECK(rc == 0, "ed_main: %s", ed_strerror(rc));
    CHECK(s.ran == s.n, "%zu tasks ran, expected %zu", s.ran, s.n);
    return per_op(s.t0, s.t1, (double)s.n);
}

/* ------------------------------------------------------------------------
 * 4. RSS per parked task. The eddy side runs in a child process
 *    (task_bench --rss-child N) and prints what the Go program prints:
 *    "rss TASKS BEFORE AFTER" (bytes).
 * --------------------------------------------------------------------- */

static long rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    CHECK(f != NULL, "/proc/self/statm: %s", strerror(errno));
    long size = 0, resident = 0;
    CHECK(fscanf(f, "%ld %ld", &size, &resident) == 2, "bad /proc/self/statm");
    fclose(f);
    return resident * sysconf(_SC_PAGESIZE);
}

typedef struct parked {
    size_t cancelled;
} parked;

static int sleeper(void *arg, void **result)
{
    parked *p = arg;
    (void)result;
    int rc = ed_sleep(3600);
    if (rc == -ECANCELED)
        p->cancelled++;
    return rc;
}

static int noop(void *arg, void **result)
{
    (void)arg;
    (void)result;
    return 0;
}

static int rss_child(size_t n)
{
    parked p = {0};
    ed_future **fs = calloc(n, sizeof *fs);
    CHECK(fs != NULL, "out of memory");
    memset(fs, 0xff, n * sizeof *fs); /* touched before the first measure */
    /* The loop, the scheduler and its loop context exist before the first
     * measure: only the tasks are counted. */
    CHECK(ed_main(noop, NULL, NULL) == 0, "ed_main");
    CHECK(ed_sleep(0) == 0, "ed_sleep(0) from main");
    long before = rss_bytes();
    uint64_t t0 = bench_now_ns();
    for (size_t i = 0; i < n; i++) {
        fs[i] = ed_async(sleeper, &p);
        CHECK(fs[i] != NULL, "ed_async of parked task %zu: %s", i, strerror(errno));
    }
    uint64_t t1 = bench_now_ns();
    long after = rss_bytes();
    ed_info info;
    CHECK(ed_get_info(&info) == 0, "ed_get_info");
    CHECK(info.enabled[ED_WATCHER_DELAY] == n, "%zu sleep timers, expected %zu",
          info.enabled[ED_WATCHER_DELAY], n);
    for (size_t i = 0; i < n; i++)
        CHECK(!ed_future_done(fs[i]), "parked task %zu finished early", i);
    uint64_t t2 = bench_now_ns();
    for (size_t i = 0; i < n; i++)
        CHECK(ed_cancel_future(fs[i]) == 0, "ed_cancel_future(%zu)", i);
    for (size_t i = 0; i < n; i++) {
        int rc = ed_await(fs[i], NULL);
        CHECK(rc == -ECANCELED, "parked task %zu ended with %s", i, ed_strerror(rc));
        ed_future_release(fs[i]);
    }
    CHECK(p.cancelled == n, "%zu tasks saw their cancellation, expected %zu", p.cancelled, n);
    CHECK(ed_get_info(&info) == 0 && info.enabled[ED_WATCHER_DELAY] == 0,
          "%zu sleep timers left", info.enabled[ED_WATCHER_DELAY]);
    uint64_t t3 = bench_now_ns();
    CHECK(ed_shutdown() == 0, "ed_shutdown");
    uint64_t t4 = bench_now_ns();
    free(fs);
    /* After the three fields task_bench reads: how long parking, waking
     * (cancel + await + release) and ed_shutdown took, wall ms (--verbose). */
    printf("rss %zu %ld %ld %.1f %.1f %.1f\n", p.cancelled, before, after, (double)(t1 - t0) / 1e6,
           (double)(t3 - t2) / 1e6, (double)(t4 - t3) / 1e6);
    return 0;
}

/* ------------------------------------------------------------------------
 * Subprocesses: the Go program, and this one in --rss-child mode.
 * --------------------------------------------------------------------- */

static char self_path[PATH_MAX];
static char go_path[PATH_MAX];

/* What a child said on stderr: shown once per distinct text (eddy's RSS
 * child says the same thing every round), or with the failure. */
static char child_said[1024];

/* Runs argv, returns its stdout (at most one small buffer's worth); exits
 * on failure. */
static void run_child(char *const argv[], char *out, size_t len)
{
    int fds[2];
    CHECK(pipe(fds) == 0, "pipe: %s", strerror(errno));
    FILE *err = tmpfile();
    CHECK(err != NULL, "tmpfile: %s", strerror(errno));
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&fa, fileno(err), STDERR_FILENO);
    posix_spawn_file_actions_addclose(&fa, fds[0]);
    posix_spawn_file_actions_addclose(&fa, fds[1]);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    CHECK(rc == 0, "cannot run %s: %s", argv[0], strerror(rc));
    close(fds[1]);
    bench_read_output(fds[0], out, len, UINT64_MAX, false, NULL);
    close(fds[0]);
    int status = bench_wait(pid);
    char said[sizeof child_said];
    bench_said(err, said, sizeof said);
    fclose(err);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s %s %s failed (status %d): %s",
          argv[0], argv[1], argv[2] ? argv[2] : "", status, said);
    if (said[0] && strcmp(said, child_said) != 0) {
        memcpy(child_said, said, sizeof said);
        printf("  (%s %s said on stderr, shown once: %s)\n", strrchr(argv[0], '/') + 1,
               argv[1], strtok(said, "\n"));
    }
}

/* A line of tasks_go: "MODE OPS WALL_NS CPU_NS [SWITCHES]", or
 * "rss TASKS BEFORE AFTER". */
typedef struct go_result {
    unsigned long ops, a, b, c;
    int fields;
} go_result;

static go_result run_go(const char *mode, size_t n)
{
    char nbuf[32], mbuf[16], out[512];
    snprintf(nbuf, sizeof nbuf, "-n=%zu", n);
    snprintf(mbuf, sizeof mbuf, "-mode=%s", mode);
    char *argv[] = {go_path, mbuf, nbuf, NULL};
    run_child(argv, out, sizeof out);
    char word[16];
    go_result r;
    memset(&r, 0, sizeof r);
    r.fields = sscanf(out, "%15s %lu %lu %lu %lu", word, &r.ops, &r.a, &r.b, &r.c);
    CHECK(r.fields >= 3 && !strcmp(word, mode), "unexpected output of tasks_go -mode=%s: '%s'",
          mode, out);
    return r;
}

static figure go_figure(const go_result *r)
{
    CHECK(r->fields >= 4 && r->ops > 0, "tasks_go printed too little");
    figure f;
    f.wall = (double)r->a / (double)r->ops;
    f.v = (double)r->b / (double)r->ops;
    return f;
}

static figure run_chan_go(const sizes *z)
{
    go_result r = run_go("chan", z->future);
    CHECK(r.ops == 2 * z->future, "Go channels: %lu hand-offs, expected %zu", r.ops,
          2 * z->future);
    return go_figure(&r);
}

static figure run_gosched_go(const sizes *z)
{
    go_result r = run_go("gosched", z->gosched);
    CHECK(r.ops == 2 * z->gosched && r.fields == 5 && r.c * 10 >= r.ops * 9,
          "Go Gosched: %lu calls (expected %zu), %lu of them hand-offs", r.ops, 2 * z->gosched,
          r.c);
    return go_figure(&r);
}

static figure run_spawn_go(const sizes *z)
{
    go_result r = run_go("spawn", z->spawn);
    CHECK(r.ops == z->spawn, "Go spawn: %lu goroutines ran, expected %zu", r.ops, z->spawn);
    return go_figure(&r);
}

/* KiB per task, from a "rss TASKS BEFORE AFTER" line (a: before, b: after) */
static figure rss_per_task(const go_result *r, size_t n, const char *who)
{
    CHECK(r->fields == 4 && r->ops == n, "%s: %lu tasks parked and woken, expected %zu", who,
          r->ops, n);
    CHECK(r->b >= r->a, "%s: RSS shrank", who);
    figure f;
    f.v = f.wall = (double)(r->b - r->a) / 1024.0 / (double)n;
    return f;
}

static figure run_rss_go(const sizes *z)
{
    go_result r = run_go("rss", z->rss);
    return rss_per_task(&r, z->rss, "Go");
}

static bool verbose_children;

static figure run_rss_eddy(const sizes *z)
{
    char nbuf[32], out[512];
    snprintf(nbuf, sizeof nbuf, "%zu", z->rss);
    char flag[] = "--rss-child";
    char *argv[] = {self_path, flag, nbuf, NULL};
    run_child(argv, out, sizeof out);
    go_result r;
    memset(&r, 0, sizeof r);
    char word[16];
    r.fields = sscanf(out, "%15s %lu %lu %lu", word, &r.ops, &r.a, &r.b);
    CHECK(r.fields == 4 && !strcmp(word, "rss"), "unexpected output of the RSS child: '%s'",
          out);
    double park_ms, wake_ms, shut_ms;
    if (verbose_children &&
        sscanf(out, "%*s %*s %*s %*s %lf %lf %lf", &park_ms, &wake_ms, &shut_ms) == 3)
        printf("  (eddy RSS child, wall: parking %.0f ms, waking %.0f ms, ed_shutdown %.0f ms)\n",
               park_ms, wake_ms, shut_ms);
    return rss_per_task(&r, z->rss, "eddy");
}

/* ------------------------------------------------------------------------
 * Measurements and workloads
 * --------------------------------------------------------------------- */

enum { C_EDDY, C_GLIBC, C_GO, C_COUNT };
static const char *const contender_name[C_COUNT] = {"eddy", "glibc", "go"};

enum {
    M_SWITCH_EDDY,
    M_SWITCH_CALL_EDDY,
    M_SWITCH_UC,
    M_HANDOFF_EDDY,
    M_HANDOFF_ONE_EDDY,
    M_FUTURE_EDDY,
    M_YIELD_EDDY,
    M_CHAN_GO,
    M_GOSCHED_GO,
    M_SPAWN_EDDY,
    M_SPAWN_GO,
    M_RSS_EDDY,
    M_RSS_GO,
    M_COUNT
};

typedef struct measure {
    const char *label; /* in the table */
    const char *id;    /* in the CSV */
    int contender;
    figure (*run)(const sizes *z);
} measure;

static const measure measures[M_COUNT] = {
    [M_SWITCH_EDDY] = {"eddy ed__context_switch", "eddy-switch", C_EDDY, run_switch_eddy},
    [M_SWITCH_CALL_EDDY] = {"eddy switch in a call", "eddy-switch-call", C_EDDY,
                            run_switch_call_eddy},
    [M_SWITCH_UC] = {"glibc swapcontext", "glibc-swapcontext", C_GLIBC, run_switch_uc},
    [M_HANDOFF_EDDY] = {"eddy resume+suspend", "eddy-handoff", C_EDDY, run_handoff_eddy},
    [M_HANDOFF_ONE_EDDY] = {"eddy resume+suspend", "eddy-handoff-one", C_EDDY,
                            run_handoff_one_eddy},
    [M_FUTURE_EDDY] = {"eddy resolve+await", "eddy-future", C_EDDY, run_future_eddy},
    [M_YIELD_EDDY] = {"eddy ed_yield()", "eddy-yield", C_EDDY, run_yield_eddy},
    [M_CHAN_GO] = {"Go unbuffered channels", "go-chan", C_GO, run_chan_go},
    [M_GOSCHED_GO] = {"Go runtime.Gosched()", "go-gosched", C_GO, run_gosched_go},
    [M_SPAWN_EDDY] = {"eddy ed_async+ed_await", "eddy-spawn", C_EDDY, run_spawn_eddy},
    [M_SPAWN_GO] = {"Go go f(); wg.Wait()", "go-spawn", C_GO, run_spawn_go},
    [M_RSS_EDDY] = {"eddy in ed_sleep(3600)", "eddy-rss", C_EDDY, run_rss_eddy},
    [M_RSS_GO] = {"Go blocked in <-ch", "go-rss", C_GO, run_rss_go},
};

enum {
    W_SWITCH,
    W_SWITCH_CALL,
    W_HANDOFF,
    W_FUTURE,
    W_YIELD,
    W_HANDOFF_ONE,
    W_SPAWN,
    W_RSS,
    W_COUNT
};

typedef struct workload {
    const char *id, *num;
    const char *unit;
    int eddy;       /* its eddy measurement */
    int peers[2];   /* -1: none */
    int group;      /* workloads of a group run together, interleaved */
} workload;

static const workload workloads[W_COUNT] = {
    [W_SWITCH] = {"switch", "1", "ns/switch", M_SWITCH_EDDY, {M_SWITCH_UC, -1}, 0},
    [W_SWITCH_CALL] = {"switch-call", "1b", "ns/switch", M_SWITCH_CALL_EDDY, {-1, -1}, 0},
    [W_HANDOFF] = {"handoff", "2a", "ns/hand-off", M_HANDOFF_EDDY, {M_CHAN_GO, M_GOSCHED_GO}, 1},
    [W_FUTURE] = {"future", "2b", "ns/hand-off", M_FUTURE_EDDY, {M_CHAN_GO, -1}, 1},
    [W_YIELD] = {"yield", "2c", "ns/hand-off", M_YIELD_EDDY, {M_GOSCHED_GO, M_CHAN_GO}, 1},
    [W_HANDOFF_ONE] = {"handoff-one", "2d", "ns/hand-off", M_HANDOFF_ONE_EDDY, {M_GOSCHED_GO, -1},
                       1},
    [W_SPAWN] = {"spawn", "3", "ns/task", M_SPAWN_EDDY, {M_SPAWN_GO, -1}, 2},
    [W_RSS] = {"rss", "4", "KiB/task", M_RSS_EDDY, {M_RSS_GO, -1}, 3},
};
#define N_GROUPS 4

static void workload_label(char *buf, size_t len, int w, const sizes *z)
{
    char a[32], b[32];
    switch (w) {
    case W_SWITCH:
        snprintf(buf, len, "raw context switch (eddy %s, glibc %s)",
                 bench_fmt_count(a, sizeof a, 2 * z->switch_eddy),
                 bench_fmt_count(b, sizeof b, 2 * z->switch_uc));
        break;
    case W_SWITCH_CALL:
        snprintf(buf, len, "raw switch inside a call (eddy %s)",
                 bench_fmt_count(a, sizeof a, 2 * z->switch_eddy));
        break;
    case W_HANDOFF:
        snprintf(buf, len, "hand-off via suspensions (%s)",
                 bench_fmt_count(a, sizeof a, 2 * z->handoff));
        break;
    case W_HANDOFF_ONE:
        snprintf(buf, len, "2a, both tasks in one function (%s)",
                 bench_fmt_count(a, sizeof a, 2 * z->handoff));
        break;
    case W_FUTURE:
        snprintf(buf, len, "hand-off via futures (%s hand-offs)",
                 bench_fmt_count(a, sizeof a, 2 * z->future));
        break;
    case W_YIELD:
        snprintf(buf, len, "hand-off via ed_yield (%s)",
                 bench_fmt_count(a, sizeof a, 2 * z->yield));
        break;
    case W_SPAWN:
        snprintf(buf, len, "spawn+finish+join (%s, 1 at a time)",
                 bench_fmt_count(a, sizeof a, z->spawn));
        break;
    default:
        snprintf(buf, len, "RSS per parked task (%s parked)", bench_fmt_count(a, sizeof a, z->rss));
        break;
    }
}

/* ------------------------------------------------------------------------
 * Options
 * --------------------------------------------------------------------- */

typedef struct options {
    bench_args args; /* --rounds, --csv, --only, --verbose */
    bool wl[W_COUNT];
    double scale;
    bool warmup;
    const char *go;
} options;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: task_bench [--rounds N] [--csv FILE] [--only LIST] [--workload LIST]\n"
            "                  [--scale D] [--no-warmup] [--verbose] [--go PATH]\n"
            "  --rounds N       interleaved rounds (default 5, or $EDDY_BENCH_ROUNDS)\n"
            "  --csv FILE       also write workload,contender,unit,median,min,max,\n"
            "                   eddy_ratio_median,eddy_ratio_min,eddy_ratio_max,wall_median,\n"
            "                   wall_eddy_ratio_median rows to FILE (CPU time unless wall_)\n"
            "  --only LIST      contenders, comma-separated: eddy,glibc,go (eddy alone is\n"
            "                   the mode to profile, e.g. under valgrind --tool=callgrind)\n"
            "  --workload LIST  switch,switch-call,handoff,future,yield,handoff-one,\n"
            "                   spawn,rss, or row numbers 1,1b,2a,2b,2c,2d,3,4\n"
            "  --scale D        divide every workload's size by D (quick runs, profiling)\n"
            "  --no-warmup      skip the warm-up pass\n"
            "  --verbose        print every round's figures\n"
            "  --go PATH        the Go peer, built from bench/go/tasks.go (default:\n"
            "                   $EDDY_BENCH_GO, else tasks_go next to this program)\n");
}

/* The names --workload takes (bench_parse_list). */
static const char *workload_names(int i, int alt)
{
    return alt ? workloads[i].num : workloads[i].id;
}

/* The options of task_bench's own (bench_args: the common ones). */
static int own_option(void *ctx, const char *a, const char *value)
{
    options *o = ctx;
    if (!strcmp(a, "--no-warmup")) {
        o->warmup = false;
        return 1;
    }
    if (!value)
        return 0;
    if (!strcmp(a, "--workload")) {
        bench_parse_list(value, o->wl, W_COUNT, workload_names, NULL, "name");
    } else if (!strcmp(a, "--scale")) {
        o->scale = atof(value);
        if (!(o->scale >= 1)) {
            fprintf(stderr, "task_bench: --scale must be at least 1\n");
            exit(64);
        }
    } else if (!strcmp(a, "--go")) {
        o->go = value;
    } else {
        return 0;
    }
    return 2;
}

static void parse_options(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    for (int w = 0; w < W_COUNT; w++)
        o->wl[w] = true;
    o->scale = 1;
    o->warmup = true;
    o->go = getenv("EDDY_BENCH_GO");
    o->args = (bench_args){.contenders = C_COUNT,
                           .name = contender_name,
                           .only_what = "name",
                           .usage = usage,
                           .own = own_option,
                           .ctx = o};
    bench_parse_args(&o->args, argc, argv);
    bench_need_eddy(&o->args, "contenders");
}

/* ------------------------------------------------------------------------
 * Main
 * --------------------------------------------------------------------- */

static void find_programs(const options *o, bool need_go)
{
    bench_self_path(self_path, sizeof self_path);
    if (o->go && *o->go) {
        snprintf(go_path, sizeof go_path, "%s", o->go);
    } else {
        char dir[PATH_MAX];
        bench_program_dir(dir, sizeof dir, NULL);
        int n = snprintf(go_path, sizeof go_path, "%s/tasks_go", dir);
        CHECK(n > 0 && (size_t)n < sizeof go_path, "path too long: %s", self_path);
    }
    if (need_go && access(go_path, X_OK) != 0) {
        fprintf(stderr,
                "task_bench: the Go peer %s is missing (%s); build it with the task_bench\n"
                "target (needs golang-go), give --go PATH, or leave Go out with --only "
                "eddy,glibc\n",
                go_path, strerror(errno));
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc == 3 && !strcmp(argv[1], "--rss-child"))
        return rss_child((size_t)bench_parse_long(argv[1], argv[2], 1));

    options o;
    parse_options(argc, argv, &o);
    setvbuf(stdout, NULL, _IOLBF, 0);
    setenv("GOMAXPROCS", "1", 1);
    verbose_children = o.args.verbose;

    bool active[M_COUNT] = {false};
    for (int w = 0; w < W_COUNT; w++) {
        if (!o.wl[w])
            continue;
        active[workloads[w].eddy] = true;
        for (int k = 0; k < 2; k++) {
            int m = workloads[w].peers[k];
            if (m >= 0 && o.args.use[measures[m].contender])
                active[m] = true;
        }
    }
    bool need_go = false;
    for (int m = 0; m < M_COUNT; m++)
        need_go |= active[m] && measures[m].contender == C_GO;
    find_programs(&o, need_go);

    sizes z = make_sizes(o.scale);
    bench_print_host(o.args.rounds);
    printf("  eddy   %s, ed__context_switch (%s), default task stack %zu KiB\n",
           EDDY_VERSION_STRING,
#ifdef EDDY_CONTEXT_UCONTEXT
           "ucontext backend",
#else
           "assembly backend",
#endif
           ed_stack_size(0) / 1024);
    if (need_go)
        printf("  go     %s, a subprocess per measurement, GOMAXPROCS=1\n", go_path);
    char load[128];
    printf("  the load average at start: %s (other work on the machine shows up as slow-phase "
           "rounds)\n",
           bench_loadavg(load, sizeof load));

    if (active[M_SWITCH_EDDY] || active[M_SWITCH_CALL_EDDY] || active[M_SWITCH_UC])
        switch_prepare();

    int rounds = o.args.rounds;
    double *val[M_COUNT], *wall[M_COUNT]; /* [rounds]: CPU time (or KiB), wall time */
    for (int m = 0; m < M_COUNT; m++) {
        val[m] = bench_doubles((size_t)rounds);
        wall[m] = bench_doubles((size_t)rounds);
    }

    if (o.warmup) {
        sizes wz = make_sizes(o.scale * 10);
        printf("\nwarm-up pass (not counted; first runs at a tenth of the sizes, so cold: "
               "first touches of stacks and heap; RSS is not run, it is cold anyway):\n");
        for (int m = 0; m < M_COUNT; m++) {
            if (!active[m] || m == M_RSS_EDDY || m == M_RSS_GO)
                continue;
            figure f = measures[m].run(&wz);
            printf("  %-24s %10.1f ns CPU, %10.1f ns wall\n", measures[m].label, f.v, f.wall);
        }
    }

    bench_probes probes;
    bench_probes_init(&probes, rounds);
    printf("\n");
    for (int r = 0; r < rounds; r++) {
        bench_probe_before(&probes, r);
        for (int g = 0; g < N_GROUPS; g++) {
            int list[M_COUNT], n = 0;
            bool seen[M_COUNT] = {false};
            for (int w = 0; w < W_COUNT; w++) {
                if (!o.wl[w] || workloads[w].group != g)
                    continue;
                int ms[3] = {workloads[w].eddy, workloads[w].peers[0], workloads[w].peers[1]};
                for (int k = 0; k < 3; k++)
                    if (ms[k] >= 0 && active[ms[k]] && !seen[ms[k]]) {
                        seen[ms[k]] = true;
                        list[n++] = ms[k];
                    }
            }
            for (int k = 0; k < n; k++) {
                int m = list[(k + r) % n]; /* rotate who goes first */
                figure f = measures[m].run(&z);
                val[m][r] = f.v;
                wall[m][r] = f.wall;
            }
        }
        bench_probe_after(&probes, r);
        if (o.args.verbose) {
            for (int m = 0; m < M_COUNT; m++)
                if (active[m])
                    printf("  %-24s %10.2f (wall %.2f)\n", measures[m].label, val[m][r],
                           wall[m][r]);
        }
    }

    printf("\n%-3s %-42s %-24s %-11s %9s %15s %21s %9s %7s\n", "#", "workload", "who", "unit",
           "median", "min-max", "eddy/this per round", "wall med", "ratio");
    for (int w = 0; w < W_COUNT; w++) {
        if (!o.wl[w])
            continue;
        char label[128];
        workload_label(label, sizeof label, w, &z);
        const workload *wk = &workloads[w];
        int ms[3] = {wk->eddy, wk->peers[0], wk->peers[1]};
        bool first = true;
        for (int k = 0; k < 3; k++) {
            int m = ms[k];
            if (m < 0 || !active[m])
                continue;
            bench_summary s = bench_summarize(val[m], (size_t)rounds);
            bench_summary sw = bench_summarize(wall[m], (size_t)rounds);
            char mm[48], rt[48] = "-", wr[16] = "-";
            snprintf(mm, sizeof mm, "%.*f-%.*f", s.max < 100 ? 2 : 0, s.min, s.max < 100 ? 2 : 0,
                     s.max);
            if (k > 0) {
                bench_summary q = bench_ratios(val[wk->eddy], val[m], rounds);
                snprintf(rt, sizeof rt, "%.3f (%.3f-%.3f)", q.median, q.min, q.max);
                snprintf(wr, sizeof wr, "%.3f",
                         bench_ratios(wall[wk->eddy], wall[m], rounds).median);
            }
            printf("%-3s %-42s %-24s %-11s %9.*f %15s %21s %9.*f %7s\n", first ? wk->num : "",
                   first ? label : "", measures[m].label, wk->unit, s.median < 100 ? 2 : 0,
                   s.median, mm, rt, sw.median < 100 ? 2 : 0, sw.median, wr);
            first = false;
        }
    }
    printf("(medians over %d rounds of the CPU time of the process per operation (RSS: KiB per "
           "task);\n eddy/this: eddy's figure divided by this contender's, taken within each "
           "round, median (min-max);\n < 1 means eddy is faster or smaller; the last two "
           "columns: the same by the wall clock)\n",
           rounds);

    /* The targets. */
    printf("\ntargets:\n");
#define MED(m) bench_median(val[m], rounds)
#define RATIO(a, b) bench_ratios(val[a], val[b], rounds).median
    if (o.wl[W_SWITCH])
        printf("  1   eddy switch < 10 ns: %.2f ns, %s\n", MED(M_SWITCH_EDDY),
               MED(M_SWITCH_EDDY) < 10 ? "met" : "MISSED");
    if (o.wl[W_HANDOFF]) {
        double e = MED(M_HANDOFF_EDDY);
        printf("  2a  eddy hand-off < 15 ns: %.2f ns, %s", e, e < 15 ? "met" : "MISSED");
        if (active[M_CHAN_GO]) {
            double q = RATIO(M_HANDOFF_EDDY, M_CHAN_GO);
            printf("; >= 5x faster than Go channels: %.1fx, %s", 1 / q,
                   q <= 0.2 ? "met" : "MISSED");
        }
        printf("\n");
        if (o.wl[W_SWITCH_CALL])
            printf("      its floor, the bare switch inside a call (1b): %.2f ns\n",
                   MED(M_SWITCH_CALL_EDDY));
        if (o.wl[W_HANDOFF_ONE])
            printf("      the same hand-off with both tasks in one function (2d): %.2f ns\n",
                   MED(M_HANDOFF_ONE_EDDY));
    }
    if (o.wl[W_SPAWN]) {
        double e = MED(M_SPAWN_EDDY);
        printf("  3   eddy spawn+join < 40 ns: %.2f ns, %s", e, e < 40 ? "met" : "MISSED");
        if (active[M_SPAWN_GO]) {
            double q = RATIO(M_SPAWN_EDDY, M_SPAWN_GO);
            printf("; >= 3x faster than Go: %.1fx, %s", 1 / q, q <= 1.0 / 3 ? "met" : "MISSED");
        }
        printf("\n");
    }
    if (o.wl[W_RSS]) {
        double e = MED(M_RSS_EDDY);
        printf("  4   eddy RSS per parked task < 8 KiB (aim 5): %.2f KiB, %s\n", e,
               e < 8 ? (e <= 5 ? "met, and the aim" : "met, not the aim of 5") : "MISSED");
    }
    bench_probes_report(&probes);

    if (o.args.csv) {
        FILE *f = bench_csv_open(o.args.csv,
                                 "workload,contender,unit,median,min,max,"
                                 "eddy_ratio_median,eddy_ratio_min,eddy_ratio_max,"
                                 "wall_median,wall_eddy_ratio_median");
        for (int w = 0; w < W_COUNT; w++) {
            if (!o.wl[w])
                continue;
            const workload *wk = &workloads[w];
            int ms[3] = {wk->eddy, wk->peers[0], wk->peers[1]};
            for (int k = 0; k < 3; k++) {
                int m = ms[k];
                if (m < 0 || !active[m])
                    continue;
                bench_summary s = bench_summarize(val[m], (size_t)rounds);
                fprintf(f, "%s,%s,%s,%.4f,%.4f,%.4f,", wk->id, measures[m].id, wk->unit,
                        s.median, s.min, s.max);
                if (k > 0) {
                    bench_summary q = bench_ratios(val[wk->eddy], val[m], rounds);
                    fprintf(f, "%.5f,%.5f,%.5f,", q.median, q.min, q.max);
                } else {
                    fprintf(f, ",,,");
                }
                fprintf(f, "%.4f,", bench_median(wall[m], rounds));
                if (k > 0)
                    fprintf(f, "%.5f", bench_ratios(wall[wk->eddy], wall[m], rounds).median);
                fputc('\n', f);
            }
        }
        bench_csv_close(f, o.args.csv);
    }

    CHECK(ed_shutdown() == 0, "ed_shutdown");
    for (int m = 0; m < M_COUNT; m++) {
        free(val[m]);
        free(wall[m]);
    }
    bench_probes_free(&probes);
    return 0;
}
