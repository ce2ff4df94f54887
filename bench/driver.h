/*
 * The rounds of a driver whose contenders are measured one at a time, each
 * measurement run again when other work on the machine disturbed it
 * (echo_bench, http_bench; see docs/performance.md), and the parts of the
 * report that read them.
 *
 * Each round runs every contender in use once at every point (echo_bench:
 * each connection count; http_bench has one), point by point, the order
 * of the contenders rotating from round to round, between the slow-phase
 * probes of harness.h. A measurement is the program's result struct; the
 * driver keeps one per point, contender and round, and reads a figure of
 * it (a double member, named by its offsetof) over the rounds: its median
 * (min-max), and eddy's ratio to a peer taken within each round, median
 * (min-max) over the rounds. Contender 0 is eddy.
 */
#ifndef EDDY_BENCH_DRIVER_H
#define EDDY_BENCH_DRIVER_H

#include "harness.h"

/* A measurement is disturbed when the client or the server waited for its
 * CPU for more than this share of the time measured. */
#define BENCH_DISTURBED_WAIT 0.05

#define BENCH_MAX_POINTS 8

typedef struct bench_driver {
    /* What the program says */
    /* Its options: the contenders (name, use), rounds, retries (runs again
     * of a disturbed measurement, at the most), verbose (print(...) after
     * each measurement). */
    const bench_args *args;
    int points; /* at most BENCH_MAX_POINTS */
    /* [points]: in "kept though disturbed: round 2 go/100"; NULL: one point */
    const char *const *point_name;
    size_t result_size; /* of the program's result struct */
    void *ctx;
    /* Measures contender c at point p into result. */
    void (*run)(void *ctx, int p, int c, void *result);
    /* Whether other work on the machine disturbed it. */
    bool (*disturbed)(int c, const void *result);
    /* Its line under --verbose; again: it is run again. */
    void (*print)(void *ctx, int p, int c, const void *result, bool again);

    /* What the driver keeps */
    int list[BENCH_MAX_CONTENDERS]; /* the contenders in use, in order */
    int n;
    unsigned char *results; /* [points][contenders][rounds], result_size each */
    bench_probes probes;
    int reruns;     /* measurements run again */
    char kept[1024]; /* ", round R NAME[/POINT]" of those kept though disturbed */
} bench_driver;

/* Runs the rounds (after an empty line). */
void bench_driver_run(bench_driver *d);
void bench_driver_free(bench_driver *d);

/* A figure of contender c at point p over the rounds: median, min, max. */
bench_summary bench_driver_summary(const bench_driver *d, int p, int c, size_t figure);
double bench_driver_median(const bench_driver *d, int p, int c, size_t figure);

/* The per-round ratios of a figure: eddy's over c's, and c's over eddy's. */
bench_summary bench_eddy_over(const bench_driver *d, int p, int c, size_t figure);
bench_summary bench_over_eddy(const bench_driver *d, int p, int c, size_t figure);

/* Whether c has ratios to eddy: c is a peer and eddy was measured. */
bool bench_driver_has_ratios(const bench_driver *d, int c);

/* A rate figure for the table (bench_fmt_rate): its median, and
 * "MIN-MAX". */
typedef struct bench_rate_text {
    char median[16], range[40];
} bench_rate_text;

bench_rate_text bench_driver_rate(const bench_driver *d, int p, int c, size_t figure);

/* The last four CSV columns of c's row, and its end of line: the per-round
 * ratios of eddy's rate over c's (median, min, max) and of c's cost over
 * eddy's (median), or nothing in them when c has none. */
void bench_driver_csv_ratios(FILE *f, const bench_driver *d, int p, int c, size_t rate,
                             size_t cost);

/* The end of the report: the slow-phase probe's line, then "other work on
 * the machine (WAITING > 5% of the SPAN): N measurement(s) re-run; kept
 * though disturbed: ...". */
void bench_driver_report(const bench_driver *d, const char *waiting, const char *span);

#endif
