/*
 * Shared declarations of the loop benchmark (bench/loop_bench.c).
 *
 * Every contender (eddy, libuv, libev) implements the same eight workloads with
 * the same program structure. A workload times only the work it is about (the
 * loop is created before the clock starts and torn down after it stops),
 * checks its result (number of callbacks, active watchers) outside the timed
 * part, and exits the whole program on any mismatch, so no contender can win
 * by doing less. What loop_bench shares with task_bench (checks, clocks,
 * statistics, the probe) is in harness.h.
 */
#ifndef EDDY_BENCH_H
#define EDDY_BENCH_H

#include "harness.h" /* BENCH_CHECK, bench_now_ns, ... */

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

enum bench_workload {
    W_CHURN = 0,     /* 1:  from main: 1M timers inserted, then all cancelled   */
    W_CHURN_TICK,    /* 1b: from main: insert, one NOWAIT iteration, cancel     */
    W_CHURN_CB,      /* 1c: from one callback: insert, then cancel, in it       */
    W_CHURN_CB_TICK, /* 1d: insert in a callback of iteration k, iteration k+1
                      *     runs, cancel in a callback of iteration k+2          */
    W_FIRE,          /* 2:  1M timers over 0-50 ms, run until all fired         */
    W_DEFER,         /* 3:  10M one-shot defers, 1,000 per tick; the peers stop
                      *     and restart their watcher in each callback          */
    W_DEFER_PERSIST, /* 3b: for reference: the peers' idle watchers stay started */
    W_PINGPONG,      /* 4:  1M one-byte round trips over a socketpair           */
    W_COUNT
};

/* Rows 1 to 1d all work on bench_params.churn_*. */
static inline int bench_is_churn(int w)
{
    return w >= W_CHURN && w <= W_CHURN_CB_TICK;
}

/* 1b and 1d run loop iterations while the timers are live: some fire. */
static inline int bench_churn_iterates(int w)
{
    return w == W_CHURN_TICK || w == W_CHURN_CB_TICK;
}

typedef struct bench_params {
    size_t churn_timers;          /* workloads 1, 1b, 1c, 1d */
    const double *churn_delay;    /* seconds, [churn_timers], increasing */
    const uint64_t *churn_ms;     /* the same in whole ms (libuv's unit) */
    size_t fire_timers;           /* workload 2 */
    const double *fire_delay;     /* seconds, [fire_timers], uniform 0-50 ms */
    const uint64_t *fire_ms;      /* the same rounded to whole ms (libuv) */
    size_t defer_total;           /* callbacks to run in total (10M) */
    size_t defer_width;           /* callbacks per tick (1,000) */
    size_t trips;                 /* round trips (1M) */
} bench_params;

typedef struct bench_result {
    uint64_t ns;     /* the timed part */
    size_t fired;    /* 1b, 1d: timers that fired before the cancel */
    /* Workloads 1 to 1d: insert; what runs between the insert and the cancel
     * (1b: the one iteration; 1d: from the end of the insert callback to the
     * start of the cancel callback); cancel. */
    uint64_t phase_ns[3];
} bench_result;

typedef void (*bench_fn)(const bench_params *p, bench_result *r);

typedef struct bench_contender {
    const char *name;
    /* Version and backend, for the report header (may create a loop). */
    void (*describe)(char *buf, size_t len);
    /* Allocates the harness-side storage (ids, watcher structs) for the
     * largest sizes and touches it, once, outside every timing. */
    void (*prepare)(const bench_params *max);
    void (*release)(void);
    bench_fn run[W_COUNT];
} bench_contender;

extern const bench_contender bench_eddy;
extern const bench_contender bench_libuv;
extern const bench_contender bench_libev;

/* The ping-pong's socketpair: AF_UNIX stream, both ends non-blocking. */
void bench_socketpair(int fds[2]);
void bench_close_pair(int fds[2]);

/* One non-blocking 1-byte read or write that must move exactly one byte. */
static inline void bench_read1(int fd)
{
    char c;
    ssize_t n = read(fd, &c, 1);
    BENCH_CHECK(n == 1 && c == '*', "read(%d) = %zd (%s)", fd, n,
                n < 0 ? strerror(errno) : "short or wrong byte");
}

static inline void bench_write1(int fd)
{
    ssize_t n = write(fd, "*", 1);
    BENCH_CHECK(n == 1, "write(%d) = %zd (%s)", fd, n, n < 0 ? strerror(errno) : "short");
}

#endif
