/*
 * idle_touch: how much slower memory is to touch again after it sat idle.
 *
 * Allocates and touches 128 MiB, then, after idle gaps of 0 to 30 s, writes
 * one byte per 4 KiB page again and prints the time and the page faults the
 * process saw. On the benchmark's microVM a page left alone for seconds costs
 * up to ~2 us to touch again without any guest-visible fault, which is why
 * row 1 of loop_bench (the first row after ~35 s of ping-pong) is slower than
 * 1b for every contender; see docs/performance.md. Takes about 70 s.
 *
 *   idle_touch [MiB]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec / 1e6;
}

static void faults(long *minor, long *major)
{
    struct rusage r;
    getrusage(RUSAGE_SELF, &r);
    *minor = r.ru_minflt;
    *major = r.ru_majflt;
}

int main(int argc, char **argv)
{
    size_t mib = argc > 1 ? strtoul(argv[1], NULL, 10) : 128;
    size_t n = (mib ? mib : 128) << 20;
    volatile char *p = malloc(n);
    if (!p) {
        perror("malloc");
        return 1;
    }
    memset((char *)p, 1, n);
    static const unsigned gaps[] = {0, 0, 2, 5, 10, 20, 30, 0};
    for (size_t g = 0; g < sizeof gaps / sizeof gaps[0]; g++) {
        sleep(gaps[g]);
        long mi0, ma0, mi1, ma1;
        faults(&mi0, &ma0);
        double t0 = now_ms();
        for (size_t i = 0; i < n; i += 4096)
            p[i]++;
        double t1 = now_ms();
        faults(&mi1, &ma1);
        printf("after %2us idle: %zu pages touched in %7.2f ms (%.2f us/page; %ld minor, "
               "%ld major faults)\n",
               gaps[g], n / 4096, t1 - t0, (t1 - t0) * 1e3 / (double)(n / 4096), mi1 - mi0,
               ma1 - ma0);
    }
    free((void *)p);
    return 0;
}
