/* The harness the benchmark programs share: see harness.h. */
#include "harness.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void bench_check_failed(const char *file, int line, const char *cond, const char *fmt, ...)
{
    fprintf(stderr, "%s: check failed at %s:%d: %s: ", bench_prog, file, line, cond);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(bench_check_status);
}

/* ------------------------------------------------------------------------
 * Statistics
 * --------------------------------------------------------------------- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

bench_summary bench_summarize(const double *v, size_t n)
{
    bench_summary s = {0, 0, 0};
    if (n == 0)
        return s;
    double *tmp = malloc(n * sizeof *tmp);
    BENCH_CHECK(tmp != NULL, "out of memory");
    memcpy(tmp, v, n * sizeof *tmp);
    qsort(tmp, n, sizeof *tmp, cmp_double);
    s.min = tmp[0];
    s.max = tmp[n - 1];
    s.median = n % 2 ? tmp[n / 2] : (tmp[n / 2 - 1] + tmp[n / 2]) / 2;
    free(tmp);
    return s;
}

double bench_median(const double *v, int rounds)
{
    return bench_summarize(v, (size_t)rounds).median;
}

bench_summary bench_ratios(const double *num, const double *den, int rounds)
{
    double *r = malloc((size_t)rounds * sizeof *r);
    BENCH_CHECK(r != NULL, "out of memory");
    for (int i = 0; i < rounds; i++)
        r[i] = num[i] / den[i];
    bench_summary s = bench_summarize(r, (size_t)rounds);
    free(r);
    return s;
}

double *bench_doubles(size_t n)
{
    double *v = calloc(n, sizeof(double));
    BENCH_CHECK(v != NULL, "out of memory");
    return v;
}

/* ------------------------------------------------------------------------
 * The slow-phase probe
 * --------------------------------------------------------------------- */

volatile uint64_t probe_sink;

double bench_probe_ms(void)
{
    uint64_t x = 1;
    uint64_t t0 = bench_now_ns();
    for (unsigned i = 0; i < 4000000u; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        __asm__ __volatile__("" : "+r"(x));
    }
    uint64_t t1 = bench_now_ns();
    probe_sink = x;
    return (double)(t1 - t0) / 1e6;
}

void bench_probes_init(bench_probes *p, int rounds)
{
    p->rounds = rounds;
    p->before = bench_doubles((size_t)rounds);
    p->after = bench_doubles((size_t)rounds);
}

void bench_probes_free(bench_probes *p)
{
    free(p->before);
    free(p->after);
    p->before = p->after = NULL;
}

void bench_probe_before(bench_probes *p, int r)
{
    p->before[r] = bench_probe_ms();
}

void bench_probe_after(bench_probes *p, int r)
{
    p->after[r] = bench_probe_ms();
    printf("round %d/%d done (probe %.2f / %.2f ms)\n", r + 1, p->rounds, p->before[r],
           p->after[r]);
}

void bench_probes_report(const bench_probes *p)
{
    double pmin = p->before[0];
    for (int r = 0; r < p->rounds; r++) {
        if (p->before[r] < pmin)
            pmin = p->before[r];
        if (p->after[r] < pmin)
            pmin = p->after[r];
    }
    int flagged = 0;
    char flags[512] = "";
    for (int r = 0; r < p->rounds; r++) {
        double worst = p->before[r] > p->after[r] ? p->before[r] : p->after[r];
        if (worst > 1.25 * pmin) {
            flagged++;
            size_t len = strlen(flags);
            snprintf(flags + len, sizeof flags - len, " %d (x%.2f)", r + 1, worst / pmin);
        }
    }
    printf("slow-phase probe: fastest %.2f ms; rounds flagged (>25%% slower):%s\n", pmin,
           flagged ? flags : " none");
}

/* ------------------------------------------------------------------------
 * Options
 * --------------------------------------------------------------------- */

int bench_default_rounds(void)
{
    const char *env = getenv("EDDY_BENCH_ROUNDS");
    return env && *env ? (int)bench_parse_long("EDDY_BENCH_ROUNDS", env, 1) : 5;
}

long bench_parse_long(const char *flag, const char *arg, long min)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno || *end || v < min) {
        fprintf(stderr, "%s: bad value for %s: '%s'\n", bench_prog, flag, arg);
        exit(64);
    }
    return v;
}

/* Name alt (0 or 1) of entry i of a list, from what the caller keeps (ctx). */
typedef const char *(*list_name_fn)(const void *ctx, int i, int alt);

static void parse_list(const char *arg, bool *out, int n, list_name_fn name, const void *ctx,
                       int (*alias)(const char *name), const char *what)
{
    for (int i = 0; i < n; i++)
        out[i] = false;
    char *copy = strdup(arg);
    BENCH_CHECK(copy != NULL, "out of memory");
    bool ok = true;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        int found = -1;
        for (int i = 0; i < n && found < 0; i++)
            for (int alt = 0; alt < 2 && found < 0; alt++)
                if (name(ctx, i, alt) && !strcmp(tok, name(ctx, i, alt)))
                    found = i;
        if (found < 0 && alias)
            found = alias(tok);
        if (found < 0) {
            fprintf(stderr, "%s: unknown %s '%s'\n", bench_prog, what, tok);
            ok = false;
        } else {
            out[found] = true;
        }
    }
    free(copy);
    if (!ok)
        exit(64);
}

typedef struct name_fn_box {
    const char *(*fn)(int i, int alt);
} name_fn_box;

static const char *boxed_name(const void *ctx, int i, int alt)
{
    return ((const name_fn_box *)ctx)->fn(i, alt);
}

void bench_parse_list(const char *arg, bool *out, int n, const char *(*name)(int i, int alt),
                      int (*alias)(const char *name), const char *what)
{
    name_fn_box box = {name};
    parse_list(arg, out, n, boxed_name, &box, alias, what);
}

/* Names from an array, with no second name. */
static const char *array_name(const void *ctx, int i, int alt)
{
    return alt ? NULL : ((const char *const *)ctx)[i];
}

void bench_parse_args(bench_args *a, int argc, char **argv)
{
    BENCH_CHECK(a->contenders <= BENCH_MAX_CONTENDERS, "%d contenders", a->contenders);
    a->rounds = bench_default_rounds();
    a->csv = NULL;
    for (int c = 0; c < BENCH_MAX_CONTENDERS; c++)
        a->use[c] = c < a->contenders;
    a->verbose = false;
    a->retries = 2;
    a->dir = NULL;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        const char *value = i + 1 < argc ? argv[i + 1] : NULL;
        int took = 0;
        if (!strcmp(arg, "--rounds") && value) {
            a->rounds = (int)bench_parse_long(arg, value, 1);
            took = 2;
        } else if (!strcmp(arg, "--csv") && value) {
            a->csv = value;
            took = 2;
        } else if (!strcmp(arg, "--only") && value) {
            parse_list(value, a->use, a->contenders, array_name, a->name, NULL, a->only_what);
            took = 2;
        } else if (!strcmp(arg, "--verbose")) {
            a->verbose = true;
            took = 1;
        } else if (a->retries_dir && !strcmp(arg, "--retries") && value) {
            a->retries = (int)bench_parse_long(arg, value, 0);
            took = 2;
        } else if (a->retries_dir && !strcmp(arg, "--dir") && value) {
            a->dir = value;
            took = 2;
        } else if (!strcmp(arg, "--help") || !strcmp(arg, "-h")) {
            a->usage(stdout);
            exit(0);
        } else {
            took = a->own(a->ctx, arg, value);
        }
        if (took == 0) {
            a->usage(stderr);
            exit(64);
        }
        i += took - 1;
    }
}

void bench_need_eddy(const bench_args *a, const char *what)
{
    if (!a->use[0]) {
        fprintf(stderr, "%s: eddy must be among the %s (ratios are eddy's)\n", bench_prog, what);
        exit(64);
    }
}

size_t bench_scaled(size_t n, double scale)
{
    size_t v = (size_t)((double)n / scale);
    return v ? v : 1;
}

/* ------------------------------------------------------------------------
 * Report
 * --------------------------------------------------------------------- */

const char *bench_fmt_count(char *buf, size_t len, size_t n)
{
    if (n >= 1000000 && n % 1000000 == 0)
        snprintf(buf, len, "%zuM", n / 1000000);
    else if (n >= 1000 && n % 1000 == 0)
        snprintf(buf, len, "%zuk", n / 1000);
    else
        snprintf(buf, len, "%zu", n);
    return buf;
}

void bench_fmt_rate(char *buf, size_t len, double v)
{
    if (v >= 1000)
        snprintf(buf, len, "%.1fk", v / 1000);
    else
        snprintf(buf, len, "%.0f", v);
}

const char *bench_loadavg(char *buf, size_t len)
{
    snprintf(buf, len, "?");
    FILE *f = fopen("/proc/loadavg", "r");
    if (f && fgets(buf, (int)len, f))
        buf[strcspn(buf, "\n")] = 0;
    if (f)
        fclose(f);
    return buf;
}

void bench_print_host(int rounds)
{
    char host[256] = "?";
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    while (f && fgets(line, sizeof line, f)) {
        if (!strncmp(line, "model name", 10)) {
            char *colon = strchr(line, ':');
            if (colon) {
                snprintf(host, sizeof host, "%s", colon + 2);
                host[strcspn(host, "\n")] = 0;
            }
            break;
        }
    }
    if (f)
        fclose(f);
    printf("%s: %d interleaved rounds, %ld CPUs (%s)\n", bench_prog, rounds,
           sysconf(_SC_NPROCESSORS_ONLN), host);
}

FILE *bench_csv_open(const char *path, const char *header)
{
    FILE *f = fopen(path, "w");
    BENCH_CHECK(f != NULL, "cannot write %s: %s", path, strerror(errno));
    fprintf(f, "%s\n", header);
    return f;
}

void bench_csv_close(FILE *f, const char *path)
{
    BENCH_CHECK(fclose(f) == 0, "writing %s: %s", path, strerror(errno));
    printf("csv: %s\n", path);
}
