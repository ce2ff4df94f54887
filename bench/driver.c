/* The rounds of a driver of measured contenders: see driver.h. */
#include "driver.h"

#include <stdlib.h>
#include <string.h>

static void *result_at(const bench_driver *d, int p, int c, int r)
{
    size_t i = ((size_t)p * (size_t)d->args->contenders + (size_t)c) * (size_t)d->args->rounds +
               (size_t)r;
    return d->results + i * d->result_size;
}

void bench_driver_run(bench_driver *d)
{
    const bench_args *a = d->args;
    BENCH_CHECK(d->points <= BENCH_MAX_POINTS, "%d points", d->points);
    d->n = 0;
    for (int c = 0; c < a->contenders; c++)
        if (a->use[c])
            d->list[d->n++] = c;
    d->results = calloc((size_t)d->points * (size_t)a->contenders * (size_t)a->rounds,
                        d->result_size);
    BENCH_CHECK(d->results != NULL, "out of memory");
    d->reruns = 0;
    d->kept[0] = 0;
    bench_probes_init(&d->probes, a->rounds);
    printf("\n");
    for (int r = 0; r < a->rounds; r++) {
        bench_probe_before(&d->probes, r);
        for (int p = 0; p < d->points; p++) {
            for (int j = 0; j < d->n; j++) {
                int c = d->list[(j + r) % d->n]; /* rotate who goes first */
                void *res = result_at(d, p, c, r);
                for (int attempt = 0;; attempt++) {
                    d->run(d->ctx, p, c, res);
                    bool again = d->disturbed(c, res) && attempt < a->retries;
                    if (a->verbose)
                        d->print(d->ctx, p, c, res, again);
                    if (!again)
                        break;
                    d->reruns++;
                }
                if (d->disturbed(c, res)) {
                    size_t len = strlen(d->kept);
                    snprintf(d->kept + len, sizeof d->kept - len, "%s round %d %s%s%s",
                             len ? "," : "", r + 1, a->name[c], d->point_name ? "/" : "",
                             d->point_name ? d->point_name[p] : "");
                }
            }
        }
        bench_probe_after(&d->probes, r);
    }
}

void bench_driver_free(bench_driver *d)
{
    free(d->results);
    d->results = NULL;
    bench_probes_free(&d->probes);
}

/* The figure (a double at offset figure in each result) over the rounds. */
static double *series(const bench_driver *d, int p, int c, size_t figure)
{
    double *v = bench_doubles((size_t)d->args->rounds);
    for (int r = 0; r < d->args->rounds; r++)
        memcpy(&v[r], (const unsigned char *)result_at(d, p, c, r) + figure, sizeof v[r]);
    return v;
}

bench_summary bench_driver_summary(const bench_driver *d, int p, int c, size_t figure)
{
    double *v = series(d, p, c, figure);
    bench_summary s = bench_summarize(v, (size_t)d->args->rounds);
    free(v);
    return s;
}

double bench_driver_median(const bench_driver *d, int p, int c, size_t figure)
{
    return bench_driver_summary(d, p, c, figure).median;
}

static bench_summary ratios(const bench_driver *d, int p, int num, int den, size_t figure)
{
    double *a = series(d, p, num, figure), *b = series(d, p, den, figure);
    bench_summary s = bench_ratios(a, b, d->args->rounds);
    free(a);
    free(b);
    return s;
}

bench_summary bench_eddy_over(const bench_driver *d, int p, int c, size_t figure)
{
    return ratios(d, p, 0, c, figure);
}

bench_summary bench_over_eddy(const bench_driver *d, int p, int c, size_t figure)
{
    return ratios(d, p, c, 0, figure);
}

bool bench_driver_has_ratios(const bench_driver *d, int c)
{
    return c != 0 && d->args->use[0];
}

bench_rate_text bench_driver_rate(const bench_driver *d, int p, int c, size_t figure)
{
    bench_summary s = bench_driver_summary(d, p, c, figure);
    bench_rate_text t;
    char lo[16], hi[16];
    bench_fmt_rate(t.median, sizeof t.median, s.median);
    bench_fmt_rate(lo, sizeof lo, s.min);
    bench_fmt_rate(hi, sizeof hi, s.max);
    snprintf(t.range, sizeof t.range, "%s-%s", lo, hi);
    return t;
}

void bench_driver_csv_ratios(FILE *f, const bench_driver *d, int p, int c, size_t rate,
                             size_t cost)
{
    if (!bench_driver_has_ratios(d, c)) {
        fprintf(f, ",,,\n");
        return;
    }
    bench_summary q = bench_eddy_over(d, p, c, rate);
    fprintf(f, "%.4f,%.4f,%.4f,%.4f\n", q.median, q.min, q.max,
            bench_over_eddy(d, p, c, cost).median);
}

void bench_driver_report(const bench_driver *d, const char *waiting, const char *span)
{
    bench_probes_report(&d->probes);
    printf("other work on the machine (%s > %.0f%% of the %s): %d measurement(s) re-run; kept "
           "though disturbed:%s\n",
           waiting, 100 * BENCH_DISTURBED_WAIT, span, d->reruns, d->kept[0] ? d->kept : " none");
}
