/*
 * What the two HTTP load clients of bench/http_bench.c share
 * (client_curl.c, client_eddy.c, built as http_client_curl and
 * http_client_eddy): their command line, their clocks, the run they make
 * (warm-up, then the counted GETs) and the result line they print.
 *
 *   http_client_NAME [--requests N] [--inflight K] [--warmup W]
 *                    [--length BYTES] URL
 *   (http_client_curl also takes --mode poll|epoll, or --version alone)
 *
 * Each GETs URL N times (default 10,000) with K transfers in flight
 * (default 100), checking that every transfer succeeded with status 200
 * and a body of exactly BYTES bytes (when --length is given), and exits 1
 * on the first one that did not. Before the N counted GETs, a warm-up of W
 * GETs (default K: one per transfer slot, which opens the K connections and
 * initialises libcurl, its TLS library and, for eddy, the loop) is made the
 * same way and not counted. Then it prints one line:
 *
 *   http_client name=NAME requests=N inflight=K seconds=S rps=R cpu_seconds=C
 *     sys_seconds=K wait_seconds=T warmup=W warmup_seconds=X bytes=B
 *
 * (on one line): S is the wall-clock time of the N GETs, R = N / S, C the
 * process's CPU time (user + system, getrusage) over the same span, K the
 * system (kernel) part of it, T the
 * time it was runnable but waiting for a CPU (/proc/self/schedstat field 2:
 * other work on the machine), X the wall-clock time of the warm-up and B the
 * body bytes received in the counted part.
 */
#ifndef EDDY_BENCH_HTTP_CLIENT_H
#define EDDY_BENCH_HTTP_CLIENT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct client_options {
    size_t requests;  /* counted GETs */
    size_t inflight;  /* transfers at once */
    size_t warmup;    /* GETs before the count */
    long length;      /* expected body length; -1: not checked */
    const char *url;
    const char *mode; /* client_curl: "poll" or "epoll" */
} client_options;

static inline void client_usage(const char *prog, bool modes)
{
    fprintf(stderr,
            "usage: %s [--requests N] [--inflight K] [--warmup W] [--length BYTES]%s URL\n",
            prog, modes ? " [--mode poll|epoll]" : "");
    exit(64);
}

static inline size_t client_count(const char *prog, const char *flag, const char *arg,
                                  size_t min)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(arg, &end, 10);
    if (errno || *end || arg[0] == '-' || v < min) {
        fprintf(stderr, "%s: bad value for %s: '%s'\n", prog, flag, arg);
        exit(64);
    }
    return (size_t)v;
}

static inline client_options client_parse(const char *prog, int argc, char **argv, bool modes)
{
    client_options o = {10000, 100, (size_t)-1, -1, NULL, "poll"};
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool has_arg = i + 1 < argc;
        if (!strcmp(a, "--requests") && has_arg)
            o.requests = client_count(prog, a, argv[++i], 1);
        else if (!strcmp(a, "--inflight") && has_arg)
            o.inflight = client_count(prog, a, argv[++i], 1);
        else if (!strcmp(a, "--warmup") && has_arg)
            o.warmup = client_count(prog, a, argv[++i], 0);
        else if (!strcmp(a, "--length") && has_arg)
            o.length = (long)client_count(prog, a, argv[++i], 0);
        else if (modes && !strcmp(a, "--mode") && has_arg)
            o.mode = argv[++i];
        else if (a[0] != '-' && !o.url)
            o.url = a;
        else
            client_usage(prog, modes);
    }
    if (!o.url)
        client_usage(prog, modes);
    if (o.warmup == (size_t)-1)
        o.warmup = o.inflight;
    return o;
}

static inline double client_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time (user + system) and runqueue wait of this process so far, s. */
typedef struct client_clock {
    double wall, cpu, sys, wait;
} client_clock;

static inline client_clock client_clock_read(void)
{
    client_clock c = {client_now(), 0, 0, 0};
    struct rusage ru;
    if (getrusage(RUSAGE_SELF, &ru) == 0) {
        c.sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
        c.cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + c.sys;
    }
    FILE *f = fopen("/proc/self/schedstat", "r");
    unsigned long long run = 0, wait = 0;
    if (f) {
        if (fscanf(f, "%llu %llu", &run, &wait) == 2)
            c.wait = (double)wait / 1e9;
        fclose(f);
    }
    return c;
}

static inline void client_report(const char *name, const client_options *o, client_clock t0,
                                 client_clock t1, double warmup_seconds, uint64_t bytes)
{
    double secs = t1.wall - t0.wall;
    printf("http_client name=%s requests=%zu inflight=%zu seconds=%.6f rps=%.1f "
           "cpu_seconds=%.6f sys_seconds=%.6f wait_seconds=%.6f warmup=%zu "
           "warmup_seconds=%.6f bytes=%llu\n",
           name, o->requests, o->inflight, secs, (double)o->requests / secs, t1.cpu - t0.cpu,
           t1.sys - t0.sys, t1.wait - t0.wait, o->warmup, warmup_seconds,
           (unsigned long long)bytes);
    fflush(stdout);
}

/* The run: the warm-up (o->warmup GETs, by the wall clock), then the
 * o->requests counted GETs between two client_clock_read, then the result
 * line. get_n(ctx, n) makes n GETs and returns their body bytes. */
static inline void client_run(const char *name, const client_options *o,
                              uint64_t (*get_n)(void *ctx, size_t n), void *ctx)
{
    double w0 = client_now();
    if (o->warmup)
        get_n(ctx, o->warmup);
    double warm = client_now() - w0;

    client_clock t0 = client_clock_read();
    uint64_t bytes = get_n(ctx, o->requests);
    client_clock t1 = client_clock_read();
    client_report(name, o, t0, t1, warm, bytes);
}

#endif
