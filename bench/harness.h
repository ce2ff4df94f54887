/*
 * The harness the benchmark programs share (bench/loop_bench.c,
 * task_bench.c, echo_bench.c and http_bench.c; see docs/performance.md):
 * checks, clocks, the statistics over rounds, the slow-phase probe, option
 * and list parsing (and the options every driver but loop_bench takes),
 * and the header, probe and CSV lines of the report.
 *
 * Each program defines bench_prog (its name, which starts every message)
 * and bench_check_status (the exit status of a failed check).
 */
#ifndef EDDY_BENCH_HARNESS_H
#define EDDY_BENCH_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

extern const char bench_prog[];
extern const int bench_check_status;

/* ------------------------------------------------------------------------
 * Checks: a failed one prints "PROG: check failed at FILE:LINE: COND: ..."
 * and exits with bench_check_status.
 * --------------------------------------------------------------------- */

__attribute__((noreturn, format(printf, 4, 5))) void
bench_check_failed(const char *file, int line, const char *cond, const char *fmt, ...);

#define BENCH_CHECK(cond, ...)                                                 \
    do {                                                                       \
        if (!(cond))                                                           \
            bench_check_failed(__FILE__, __LINE__, #cond, __VA_ARGS__);        \
    } while (0)

/* ------------------------------------------------------------------------
 * Clocks, in ns
 * --------------------------------------------------------------------- */

static inline uint64_t bench_clock_ns(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t bench_now_ns(void)
{
    return bench_clock_ns(CLOCK_MONOTONIC);
}

/* ------------------------------------------------------------------------
 * Statistics over rounds
 * --------------------------------------------------------------------- */

typedef struct bench_summary {
    double median, min, max;
} bench_summary;

/* Median, min and max of v[0..n) (all zero when n is 0). */
bench_summary bench_summarize(const double *v, size_t n);

/* Its median alone, of v[0..rounds). */
double bench_median(const double *v, int rounds);

/* The same of the per-round ratios num[i] / den[i], i < rounds. */
bench_summary bench_ratios(const double *num, const double *den, int rounds);

/* n zeroed doubles (exits when out of memory). */
double *bench_doubles(size_t n);

/* ------------------------------------------------------------------------
 * The slow-phase probe: a register-only chain of dependent multiply-adds,
 * run before and after every round; its time tells whether the machine is
 * in a slow phase. A round whose probe (before or after) is 25% above the
 * fastest probe of the run is flagged.
 * --------------------------------------------------------------------- */

/* One probe, in ms. */
double bench_probe_ms(void);

typedef struct bench_probes {
    int rounds;
    double *before, *after; /* [rounds], ms */
} bench_probes;

void bench_probes_init(bench_probes *p, int rounds);
void bench_probes_free(bench_probes *p);
/* Probes before round r (from 0). */
void bench_probe_before(bench_probes *p, int r);
/* Probes after round r, then prints "round R/N done (probe B / A ms)". */
void bench_probe_after(bench_probes *p, int r);
/* Prints "slow-phase probe: fastest ... ms; rounds flagged ...". */
void bench_probes_report(const bench_probes *p);

/* ------------------------------------------------------------------------
 * Options
 * --------------------------------------------------------------------- */

/* --rounds' default: $EDDY_BENCH_ROUNDS, else 5. */
int bench_default_rounds(void);

/* A whole number >= min, or "PROG: bad value for FLAG: 'ARG'" and exit 64. */
long bench_parse_long(const char *flag, const char *arg, long min);

/* A comma-separated LIST into out[0..n): a name selects entry i when it is
 * name(i, 0) or name(i, 1) (either may be NULL), else alias(name) when that
 * is given and returns i >= 0. Every unknown name is reported
 * ("PROG: unknown WHAT 'NAME'"), then the program exits 64. */
void bench_parse_list(const char *arg, bool *out, int n, const char *(*name)(int i, int alt),
                      int (*alias)(const char *name), const char *what);

/* n divided by scale, at least 1. */
size_t bench_scaled(size_t n, double scale);

/* The options echo_bench, http_bench and task_bench share:
 *
 *   --rounds N    rounds (default bench_default_rounds())
 *   --csv FILE
 *   --only LIST   the contenders in use, by name (default: all)
 *   --verbose
 *   --retries N   (default 2) and --dir PATH, where the program takes them
 *   --help, -h    usage(stdout), then exit 0
 *
 * Every other argument goes to the program's own(ctx, arg, value), value
 * being the argument after it (NULL after the last), which returns how many
 * it took (1, or 2 with the value), or 0 when it does not know it (nor a
 * common option missing its value): then usage(stderr) and exit 64. */
#define BENCH_MAX_CONTENDERS 8

typedef struct bench_args {
    /* What the program says */
    int contenders;          /* at most BENCH_MAX_CONTENDERS */
    const char *const *name; /* [contenders]: what --only takes */
    const char *only_what;   /* "server": "PROG: unknown server 'x'" */
    bool retries_dir;        /* --retries and --dir are taken */
    void (*usage)(FILE *out);
    int (*own)(void *ctx, const char *arg, const char *value);
    void *ctx;
    /* What was given */
    int rounds;
    const char *csv;
    bool use[BENCH_MAX_CONTENDERS];
    bool verbose;
    int retries;
    const char *dir;
} bench_args;

void bench_parse_args(bench_args *a, int argc, char **argv);

/* Unless contender 0 (eddy) is in use: "PROG: eddy must be among the WHAT
 * (ratios are eddy's)", exit 64. */
void bench_need_eddy(const bench_args *a, const char *what);

/* ------------------------------------------------------------------------
 * Report
 * --------------------------------------------------------------------- */

/* 10M, 200k, 2500; returns buf. */
const char *bench_fmt_count(char *buf, size_t len, size_t n);

/* A rate: 12.3k from 1000 up, else 950. */
void bench_fmt_rate(char *buf, size_t len, double v);

/* The first line of /proc/loadavg, or "?"; returns buf. */
const char *bench_loadavg(char *buf, size_t len);

/* "PROG: N interleaved rounds, C CPUs (CPU MODEL)" */
void bench_print_host(int rounds);

/* The CSV file at path, with its header line written (exits on failure). */
FILE *bench_csv_open(const char *path, const char *header);
/* Closes it (exits on a write error) and prints "csv: PATH". */
void bench_csv_close(FILE *f, const char *path);

#endif
