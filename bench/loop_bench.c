/*
 * loop_bench: eddy against libuv and libev, in one process, in interleaved
 * rounds. The method and the figures are in docs/performance.md.
 *
 * Each round runs every contender once per workload, workload by workload,
 * the contenders' order rotating from round to round (the ping-pong runs in
 * ten slices, interleaved likewise); the ratio eddy/peer is
 * taken within each round and its median reported, because on this machine
 * absolute speed drifts by up to 2x over minutes while ratios hold. A cheap
 * register-only probe runs before and after every round and flags rounds run
 * in a slow phase. A warm-up pass (not counted) runs first.
 *
 *   loop_bench [--rounds N] [--csv FILE] [--only eddy,libuv,libev]
 *              [--workload churn,churn-tick,churn-cb,churn-cb-tick,fire,defer,
 *                          defer-persistent,pingpong]   (or row numbers: 1,1b,...)
 *              [--scale D] [--no-warmup] [--verbose] [--malloc-default]
 *   loop_bench --syscalls CONTENDER [--trips N]     (for strace -c -f)
 *
 * Environment: EDDY_BENCH_ROUNDS sets the default number of rounds.
 */
#include "bench.h"

#include <malloc.h>
#include <limits.h>
#include <sys/resource.h>
#include <sys/socket.h>

const char bench_prog[] = "loop_bench";
const int bench_check_status = 2;

/* ------------------------------------------------------------------------
 * Shared helpers
 * --------------------------------------------------------------------- */

void bench_socketpair(int fds[2])
{
    int rc = socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds);
    BENCH_CHECK(rc == 0, "socketpair: %s", strerror(errno));
}

void bench_close_pair(int fds[2])
{
    close(fds[0]);
    close(fds[1]);
    fds[0] = fds[1] = -1;
}

#define PINGPONG_SLICES 10

static const bench_contender *const all_contenders[] = {&bench_eddy, &bench_libuv,
                                                        &bench_libev};
#define N_ALL (sizeof all_contenders / sizeof all_contenders[0])

static const char *const workload_id[W_COUNT] = {
    [W_CHURN] = "churn",
    [W_CHURN_TICK] = "churn-tick",
    [W_CHURN_CB] = "churn-cb",
    [W_CHURN_CB_TICK] = "churn-cb-tick",
    [W_FIRE] = "fire",
    [W_DEFER] = "defer",
    [W_DEFER_PERSIST] = "defer-persistent",
    [W_PINGPONG] = "pingpong",
};

static const char *const workload_num[W_COUNT] = {
    [W_CHURN] = "1",  [W_CHURN_TICK] = "1b",   [W_CHURN_CB] = "1c",        [W_CHURN_CB_TICK] = "1d",
    [W_FIRE] = "2",   [W_DEFER] = "3",         [W_DEFER_PERSIST] = "3b",   [W_PINGPONG] = "4",
};

/* Older names still accepted by --workload. "defer" used to be the peers'
 * persistent idle watchers (now 3b, "defer-persistent") and "defer-rearm" the
 * one-shot comparison, which is now row 3, "defer". */
static const struct {
    const char *name;
    int w;
} workload_alias[] = {
    {"defer-rearm", W_DEFER},
    {"defer-oneshot", W_DEFER},
};

static void workload_label(char *buf, size_t len, int w, const bench_params *p)
{
    char a[32];
    switch (w) {
    case W_CHURN:
        bench_fmt_count(a, sizeof a, p->churn_timers);
        snprintf(buf, len, "timers insert+cancel, from main (%s)", a);
        break;
    case W_CHURN_TICK:
        bench_fmt_count(a, sizeof a, p->churn_timers);
        snprintf(buf, len, "timers insert, 1 iteration, cancel, from main (%s)", a);
        break;
    case W_CHURN_CB:
        bench_fmt_count(a, sizeof a, p->churn_timers);
        snprintf(buf, len, "timers insert+cancel, from a callback (%s)", a);
        break;
    case W_CHURN_CB_TICK:
        bench_fmt_count(a, sizeof a, p->churn_timers);
        snprintf(buf, len, "timers insert, 1 iteration, cancel, from a callback (%s)", a);
        break;
    case W_FIRE:
        bench_fmt_count(a, sizeof a, p->fire_timers);
        snprintf(buf, len, "timers fired (%s over 0-50 ms)", a);
        break;
    case W_DEFER:
        bench_fmt_count(a, sizeof a, p->defer_total);
        snprintf(buf, len, "defers (%s one-shot next-tick callbacks)", a);
        break;
    case W_DEFER_PERSIST:
        snprintf(buf, len, "for reference: peers' persistent idle watchers "
                           "(no per-callback scheduling)");
        break;
    default:
        bench_fmt_count(a, sizeof a, p->trips);
        snprintf(buf, len, "readiness round trips (%s)", a);
        break;
    }
}

/* The widest label of the selected workloads, for the table's column. */
static int label_width(const bool *wl, const bench_params *p)
{
    int width = 8; /* "workload" */
    for (int w = 0; w < W_COUNT; w++) {
        if (!wl[w])
            continue;
        char label[128];
        workload_label(label, sizeof label, w, p);
        int n = (int)strlen(label);
        if (n > width)
            width = n;
    }
    return width;
}

/* splitmix64: the fixed-seed PRNG of the timer-fire workload. */
static uint64_t rng_state = 0x5eedULL;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* The cost of one clock_gettime(CLOCK_MONOTONIC), in ns: the best of five
 * runs of 200k back-to-back reads. eddy reads this clock once per timer
 * created outside a running loop (rows 1 and 1b), not inside one (1c, 1d). */
volatile uint64_t clock_sink;

static double clock_read_ns(void)
{
    enum { READS = 200000 };
    double best = 0;
    for (int run = 0; run < 5; run++) {
        uint64_t acc = 0;
        uint64_t t0 = bench_now_ns();
        for (int i = 0; i < READS; i++)
            acc += bench_now_ns();
        uint64_t t1 = bench_now_ns();
        clock_sink = acc;
        double ns = (double)(t1 - t0) / READS;
        if (run == 0 || ns < best)
            best = ns;
    }
    return best;
}

static long minor_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

/* ------------------------------------------------------------------------
 * Options
 * --------------------------------------------------------------------- */

typedef struct options {
    int rounds;
    const char *csv;
    bool use[N_ALL];
    bool wl[W_COUNT];
    double scale;
    bool warmup;
    bool verbose;
    bool malloc_default;
    const char *syscalls; /* contender name, or NULL */
    long trips;           /* -1: default */
    long timers;
    long defers;
} options;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: loop_bench [--rounds N] [--csv FILE] [--only LIST] [--workload LIST]\n"
            "                  [--scale D] [--no-warmup] [--verbose] [--malloc-default]\n"
            "                  [--timers N] [--defers N] [--trips N]\n"
            "       loop_bench --syscalls eddy|libuv|libev [--trips N]\n"
            "  --rounds N        interleaved rounds (default 5, or $EDDY_BENCH_ROUNDS)\n"
            "  --csv FILE        also write workload,contender,median_ms,min_ms,max_ms,\n"
            "                    ratio_vs_libuv,ratio_vs_libev rows to FILE\n"
            "  --only LIST       contenders, comma-separated: eddy,libuv,libev\n"
            "  --workload LIST   churn,churn-tick,churn-cb,churn-cb-tick,fire,defer,\n"
            "                    defer-persistent,pingpong, or row numbers 1,1b,1c,1d,2,3,3b,4\n"
            "                    (default: all; defer-rearm is an old name of defer)\n"
            "  --scale D         divide every workload's size by D (quick runs, profiling)\n"
            "  --no-warmup       skip the warm-up pass\n"
            "  --verbose         print every round's figures\n"
            "  --malloc-default  keep glibc's default malloc tuning (see performance.md)\n"
            "  --syscalls NAME   run only the ping-pong, once, for NAME (default 100k trips),\n"
            "                    to be run under strace -c -f\n");
}

/* The names --only and --workload take (bench_parse_list). */
static const char *contender_name(int c, int alt)
{
    return alt ? NULL : all_contenders[c]->name;
}

static const char *workload_name(int w, int alt)
{
    return alt ? workload_num[w] : workload_id[w];
}

static int workload_old_name(const char *name)
{
    for (size_t i = 0; i < sizeof workload_alias / sizeof workload_alias[0]; i++)
        if (!strcmp(name, workload_alias[i].name))
            return workload_alias[i].w;
    return -1;
}

static void parse_options(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->rounds = bench_default_rounds();
    for (size_t i = 0; i < N_ALL; i++)
        o->use[i] = true;
    for (int w = 0; w < W_COUNT; w++)
        o->wl[w] = true;
    o->scale = 1;
    o->warmup = true;
    o->trips = o->timers = o->defers = -1;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *next = i + 1 < argc ? argv[i + 1] : NULL;
#define NEED_ARG()                                                             \
    do {                                                                       \
        if (!next) {                                                           \
            fprintf(stderr, "loop_bench: %s needs an argument\n", a);         \
            exit(64);                                                          \
        }                                                                      \
        i++;                                                                   \
    } while (0)
        if (!strcmp(a, "--rounds")) {
            NEED_ARG();
            o->rounds = (int)bench_parse_long(a, next, 1);
        } else if (!strcmp(a, "--csv")) {
            NEED_ARG();
            o->csv = next;
        } else if (!strcmp(a, "--only")) {
            NEED_ARG();
            bench_parse_list(next, o->use, (int)N_ALL, contender_name, NULL, "name");
        } else if (!strcmp(a, "--workload")) {
            NEED_ARG();
            bench_parse_list(next, o->wl, W_COUNT, workload_name, workload_old_name, "workload");
        } else if (!strcmp(a, "--scale")) {
            NEED_ARG();
            o->scale = (double)bench_parse_long(a, next, 1);
        } else if (!strcmp(a, "--trips")) {
            NEED_ARG();
            o->trips = bench_parse_long(a, next, 1);
        } else if (!strcmp(a, "--timers")) {
            NEED_ARG();
            o->timers = bench_parse_long(a, next, 1);
        } else if (!strcmp(a, "--defers")) {
            NEED_ARG();
            o->defers = bench_parse_long(a, next, 1);
        } else if (!strcmp(a, "--syscalls")) {
            NEED_ARG();
            o->syscalls = next;
        } else if (!strcmp(a, "--no-warmup")) {
            o->warmup = false;
        } else if (!strcmp(a, "--verbose")) {
            o->verbose = true;
        } else if (!strcmp(a, "--malloc-default")) {
            o->malloc_default = true;
        } else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            exit(0);
        } else {
            fprintf(stderr, "loop_bench: unknown option '%s'\n", a);
            usage(stderr);
            exit(64);
        }
#undef NEED_ARG
    }
}

/* ------------------------------------------------------------------------
 * Workload data
 * --------------------------------------------------------------------- */

static void make_params(const options *o, bench_params *p)
{
    memset(p, 0, sizeof *p);
    size_t timers = o->timers > 0 ? (size_t)o->timers : bench_scaled(1000000, o->scale);
    p->churn_timers = timers;
    p->fire_timers = timers;
    p->defer_total = o->defers > 0 ? (size_t)o->defers : bench_scaled(10000000, o->scale);
    p->defer_width = 1000 < p->defer_total ? 1000 : p->defer_total;
    p->trips = o->trips > 0 ? (size_t)o->trips : bench_scaled(1000000, o->scale);

    double *cd = malloc(timers * sizeof *cd);
    uint64_t *cm = malloc(timers * sizeof *cm);
    double *fd = malloc(timers * sizeof *fd);
    uint64_t *fm = malloc(timers * sizeof *fm);
    BENCH_CHECK(cd && cm && fd && fm, "out of memory");
    for (size_t i = 0; i < timers; i++) {
        /* Workload 1: deadlines 1..1000 ms, increasing with creation order
         * (libuv counts in whole milliseconds: rounded). */
        double ms = 1.0 + 999.0 * (double)i / (double)timers;
        cd[i] = ms / 1e3;
        cm[i] = (uint64_t)(ms + 0.5);
        /* Workload 2: uniform over [0, 50) ms, fixed seed; libuv counts in
         * whole milliseconds, so it gets the deadline rounded to one. */
        double d = (double)(rng_next() >> 11) * 0x1p-53 * 0.050;
        fd[i] = d;
        fm[i] = (uint64_t)(d * 1e3 + 0.5);
    }
    p->churn_delay = cd;
    p->churn_ms = cm;
    p->fire_delay = fd;
    p->fire_ms = fm;
}

static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max &&
        rl.rlim_cur < 65536) {
        rl.rlim_cur = rl.rlim_max < 65536 ? rl.rlim_max : 65536;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
}

/* ------------------------------------------------------------------------
 * Syscall-count mode: one ping-pong run, nothing else (for strace -c -f).
 * --------------------------------------------------------------------- */

static int syscalls_mode(const options *o)
{
    const bench_contender *c = NULL;
    for (size_t i = 0; i < N_ALL; i++)
        if (!strcmp(o->syscalls, all_contenders[i]->name))
            c = all_contenders[i];
    if (!c) {
        fprintf(stderr, "loop_bench: unknown contender '%s'\n", o->syscalls);
        return 64;
    }
    bench_params p;
    memset(&p, 0, sizeof p);
    p.trips = o->trips > 0 ? (size_t)o->trips : 100000;
    bench_result r;
    memset(&r, 0, sizeof r);
    c->run[W_PINGPONG](&p, &r);
    printf("%s: %zu round trips in %.1f ms\n", c->name, p.trips, (double)r.ns / 1e6);
    return 0;
}

/* ------------------------------------------------------------------------
 * Rounds
 * --------------------------------------------------------------------- */

typedef struct cell {
    double *ms;       /* [rounds] */
    double *fired;    /* [rounds], workloads 1b and 1d */
    double *phase[3]; /* [rounds], workloads 1 to 1d */
    double *faults;   /* [rounds], minor page faults during the run */
} cell;

static void print_ratio(FILE *out, const double *num, const double *den, int rounds,
                        bool have)
{
    if (!have) {
        fprintf(out, " %17s", "-");
        return;
    }
    bench_summary s = bench_ratios(num, den, rounds);
    char buf[64];
    snprintf(buf, sizeof buf, "%.2f (%.2f-%.2f)", s.median, s.min, s.max);
    fprintf(out, " %17s", buf);
}

int main(int argc, char **argv)
{
    options o;
    parse_options(argc, argv, &o);
    setvbuf(stdout, NULL, _IOLBF, 0);
    raise_nofile();

    if (o.syscalls)
        return syscalls_mode(&o);

    if (!o.malloc_default) {
        /* Freed memory stays in the process and is reused warm by the next
         * round, for every contender alike: no mmap per large block (a 1M
         * watcher array is well above glibc's 32 MiB mmap ceiling, and a
         * fresh page costs 10-16 us here), no trimming of the heap top. */
        mallopt(M_MMAP_MAX, 0);
        mallopt(M_TRIM_THRESHOLD, INT_MAX);
    }

    const bench_contender *cs[N_ALL];
    size_t nc = 0;
    int idx_uv = -1, idx_ev = -1;
    for (size_t i = 0; i < N_ALL; i++) {
        if (!o.use[i])
            continue;
        if (all_contenders[i] == &bench_libuv)
            idx_uv = (int)nc;
        if (all_contenders[i] == &bench_libev)
            idx_ev = (int)nc;
        cs[nc++] = all_contenders[i];
    }
    if (nc == 0) {
        fprintf(stderr, "loop_bench: no contender selected\n");
        return 64;
    }

    bench_params p;
    make_params(&o, &p);

    bench_print_host(o.rounds);
    for (size_t c = 0; c < nc; c++) {
        char d[128];
        cs[c]->describe(d, sizeof d);
        printf("  %-6s %s\n", cs[c]->name, d);
        cs[c]->prepare(&p);
    }
    printf("  clock_gettime(CLOCK_MONOTONIC): %.1f ns per read\n", clock_read_ns());
    printf("  malloc: %s\n", o.malloc_default
                                 ? "glibc defaults"
                                 : "no mmap, no trim (freed memory is reused warm by every contender)");

    cell cells[W_COUNT][N_ALL];
    for (int w = 0; w < W_COUNT; w++)
        for (size_t c = 0; c < nc; c++) {
            cells[w][c].ms = bench_doubles((size_t)o.rounds);
            cells[w][c].fired = bench_doubles((size_t)o.rounds);
            cells[w][c].faults = bench_doubles((size_t)o.rounds);
            for (int ph = 0; ph < 3; ph++)
                cells[w][c].phase[ph] = bench_doubles((size_t)o.rounds);
        }

    if (o.warmup) {
        /* Full-size timer workloads (they are what touches memory), the defer
         * and ping-pong workloads at a tenth. Not counted in any figure; the
         * times are printed as the cold, first-touch figures. */
        bench_params wp = p;
        wp.defer_total = p.defer_total / 10 ? p.defer_total / 10 : 1;
        wp.trips = p.trips / 10 ? p.trips / 10 : 1;
        printf("\nwarm-up pass (not counted; first runs, so cold: page faults, heap growth):\n");
        int lw = label_width(o.wl, &wp);
        for (int w = 0; w < W_COUNT; w++) {
            if (!o.wl[w])
                continue;
            char label[128];
            workload_label(label, sizeof label, w, &wp);
            printf("  %-3s %-*s", workload_num[w], lw, label);
            for (size_t c = 0; c < nc; c++) {
                bench_result r;
                memset(&r, 0, sizeof r);
                cs[c]->run[w](&wp, &r);
                printf("  %s %8.1f ms", cs[c]->name, (double)r.ns / 1e6);
            }
            printf("\n");
        }
    }

    bench_probes probes;
    bench_probes_init(&probes, o.rounds);
    printf("\n");
    for (int r = 0; r < o.rounds; r++) {
        bench_probe_before(&probes, r);
        for (int w = 0; w < W_COUNT; w++) {
            if (!o.wl[w])
                continue;
            /* The ping-pong is syscall-bound and takes seconds per contender:
             * it runs in slices, interleaved across contenders, so that a
             * change of machine phase hits every contender alike. */
            int slices = w == W_PINGPONG && p.trips >= PINGPONG_SLICES * 1000 ? PINGPONG_SLICES : 1;
            for (size_t c = 0; c < nc; c++) {
                cells[w][c].ms[r] = cells[w][c].faults[r] = 0;
            }
            for (int sl = 0; sl < slices; sl++) {
                bench_params sp = p;
                if (slices > 1)
                    sp.trips = p.trips / (size_t)slices +
                               (sl == slices - 1 ? p.trips % (size_t)slices : 0);
                for (size_t k = 0; k < nc; k++) {
                    size_t c = (k + (size_t)r + (size_t)sl) % nc; /* rotate who goes first */
                    bench_result res;
                    memset(&res, 0, sizeof res);
                    long f0 = minor_faults();
                    cs[c]->run[w](&sp, &res);
                    cells[w][c].faults[r] += (double)(minor_faults() - f0);
                    cells[w][c].ms[r] += (double)res.ns / 1e6;
                    cells[w][c].fired[r] = (double)res.fired;
                    for (int ph = 0; ph < 3; ph++)
                        cells[w][c].phase[ph][r] = (double)res.phase_ns[ph] / 1e6;
                }
            }
        }
        bench_probe_after(&probes, r);
        if (o.verbose) {
            for (int w = 0; w < W_COUNT; w++) {
                if (!o.wl[w])
                    continue;
                printf("  %-3s", workload_num[w]);
                for (size_t c = 0; c < nc; c++)
                    printf("  %s %9.2f ms %7.0f faults", cs[c]->name, cells[w][c].ms[r],
                           cells[w][c].faults[r]);
                printf("\n");
            }
        }
    }

    int lw = label_width(o.wl, &p);
    printf("\n%-3s %-*s %-6s %10s %21s %17s %17s\n", "#", lw, "workload", "who", "median ms",
           "min-max ms", "/libuv per round", "/libev per round");
    for (int w = 0; w < W_COUNT; w++) {
        if (!o.wl[w])
            continue;
        char label[128];
        workload_label(label, sizeof label, w, &p);
        for (size_t c = 0; c < nc; c++) {
            bench_summary s = bench_summarize(cells[w][c].ms, (size_t)o.rounds);
            char mm[48];
            snprintf(mm, sizeof mm, "%.2f-%.2f", s.min, s.max);
            printf("%-3s %-*s %-6s %10.2f %21s", c == 0 ? workload_num[w] : "", lw,
                   c == 0 ? label : "", cs[c]->name, s.median, mm);
            print_ratio(stdout, cells[w][c].ms, idx_uv >= 0 ? cells[w][idx_uv].ms : NULL,
                        o.rounds, idx_uv >= 0);
            print_ratio(stdout, cells[w][c].ms, idx_ev >= 0 ? cells[w][idx_ev].ms : NULL,
                        o.rounds, idx_ev >= 0);
            printf("\n");
        }
    }
    printf("(ratios: this contender's time / the peer's, taken within each round; "
           "median (min-max) over rounds; <= 1.00 means at least as fast)\n");
    for (int w = 0; w < W_COUNT; w++) {
        if (!o.wl[w] || !bench_is_churn(w))
            continue;
        printf("%-2s phases, median ms:", workload_num[w]);
        for (size_t c = 0; c < nc; c++) {
            printf("%s %s insert %.1f", c ? ";" : "", cs[c]->name,
                   bench_median(cells[w][c].phase[0], o.rounds));
            if (bench_churn_iterates(w))
                printf(" + %s %.1f", w == W_CHURN_TICK ? "iteration" : "between",
                       bench_median(cells[w][c].phase[1], o.rounds));
            printf(" + cancel %.1f", bench_median(cells[w][c].phase[2], o.rounds));
        }
        printf("\n");
    }
    if (o.wl[W_CHURN_CB_TICK])
        printf("(1d 'between': from the end of the insert callback to the start of the "
               "cancel callback: the rest of iteration k, iteration k+1, the start of k+2)\n");
    for (int w = 0; w < W_COUNT; w++) {
        if (!o.wl[w] || !bench_churn_iterates(w))
            continue;
        printf("%s: timers already due before the cancel, which fired instead of being "
               "cancelled (median):", workload_num[w]);
        for (size_t c = 0; c < nc; c++)
            printf(" %s %.0f", cs[c]->name, bench_median(cells[w][c].fired, o.rounds));
        printf("\n");
    }
    bench_probes_report(&probes);

    if (o.csv) {
        FILE *f = bench_csv_open(
            o.csv, "workload,contender,median_ms,min_ms,max_ms,ratio_vs_libuv,ratio_vs_libev");
        for (int w = 0; w < W_COUNT; w++) {
            if (!o.wl[w])
                continue;
            for (size_t c = 0; c < nc; c++) {
                bench_summary s = bench_summarize(cells[w][c].ms, (size_t)o.rounds);
                fprintf(f, "%s,%s,%.3f,%.3f,%.3f,", workload_id[w], cs[c]->name, s.median,
                        s.min, s.max);
                if (idx_uv >= 0)
                    fprintf(f, "%.4f",
                            bench_ratios(cells[w][c].ms, cells[w][idx_uv].ms, o.rounds).median);
                fputc(',', f);
                if (idx_ev >= 0)
                    fprintf(f, "%.4f",
                            bench_ratios(cells[w][c].ms, cells[w][idx_ev].ms, o.rounds).median);
                fputc('\n', f);
            }
        }
        bench_csv_close(f, o.csv);
    }

    for (size_t c = 0; c < nc; c++)
        cs[c]->release();
    for (int w = 0; w < W_COUNT; w++)
        for (size_t c = 0; c < nc; c++) {
            free(cells[w][c].ms);
            free(cells[w][c].fired);
            free(cells[w][c].faults);
            for (int ph = 0; ph < 3; ph++)
                free(cells[w][c].phase[ph]);
        }
    bench_probes_free(&probes);
    free((void *)p.churn_delay);
    free((void *)p.churn_ms);
    free((void *)p.fire_delay);
    free((void *)p.fire_ms);
    return 0;
}
