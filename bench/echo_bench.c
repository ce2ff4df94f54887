/*
 * echo_bench: TCP echo servers written with eddy (a task per connection),
 * libuv, libev, Go (a goroutine per connection) and plain epoll (the
 * ceiling), each served by the same load client: this program. The figures
 * and their reading are in docs/performance.md ("Echo server").
 *
 * Each measurement starts one server as a child process pinned to one CPU
 * (bench/echo/server_*.c, bench/go/echo.go; each listens on 127.0.0.1, port
 * 0, and prints the port), and the client, pinned to another CPU, opens N
 * connections to it. Every connection plays closed-loop ping-pong: it sends
 * a 64-byte message, waits for the whole echo, checks every byte of it, and
 * only then sends the next. After a warm-up (0.5 s), the round trips
 * completed in a fixed window (2 s) are counted; then the messages in flight
 * are drained and checked, the connections closed and the server killed.
 * Beside the round trips per second, the server's CPU time over the window
 * (the sum of field 1 of /proc/PID/task/x/schedstat) gives its CPU time per
 * round trip, which still tells servers apart when the client's core, not the
 * server's, is the bottleneck.
 *
 * Each round runs every server once at every connection count, the order of
 * the servers rotating from round to round; eddy's ratio to each peer is
 * taken within the round, and its median (min-max) over the rounds reported.
 * A register-only probe before and after each round flags rounds run in a
 * slow phase, and a measurement in which other work on the machine kept the
 * client or the server waiting for its CPU (schedstat field 2) for more than
 * 5% of the window is run again (--retries).
 *
 *   echo_bench [--rounds N] [--csv FILE] [--only LIST] [--conns LIST]
 *              [--window S] [--warmup S] [--verbose] [--retries N] [--dir PATH]
 *   echo_bench --connect PORT [--conns N] [--window S] [--warmup S]
 *              (the client alone, against a server started by hand: for
 *              strace or perf on that server)
 *
 * Environment: EDDY_BENCH_ROUNDS sets the default number of rounds.
 */
#include "child.h"
#include "driver.h"
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

const char bench_prog[] = "echo_bench";
const int bench_check_status = 1;

#define CHECK BENCH_CHECK

#define MSG 64              /* bytes per message */
#define MAX_CONNS 2000      /* the most --conns accepts */
#define DRAIN_LIMIT_NS 5000000000ull /* the echoes in flight must be back by then */

/* ------------------------------------------------------------------------
 * Contenders
 * --------------------------------------------------------------------- */

enum { C_EDDY, C_UV, C_EV, C_GO, C_EPOLL, C_COUNT };

static const char *const contender_name[C_COUNT] = {"eddy", "libuv", "libev", "go", "epoll"};
static const char *const contender_label[C_COUNT] = {
    "eddy, task per conn", "libuv", "libev", "Go, goroutine per conn", "plain epoll (ceiling)"};
static const char *const server_file[C_COUNT] = {"echo_server_eddy", "echo_server_uv",
                                                 "echo_server_ev", "echo_go",
                                                 "echo_server_epoll"};

/* The targets of eddy's round trips per second against each peer, at 100
 * connections and more (none against libev). */
static const double target[C_COUNT] = {0, 1.0, 0, 1.3, 0.9};

/* ------------------------------------------------------------------------
 * CPUs (child.h): the client, this process, on the first CPU it may use,
 * the servers on the second.
 * --------------------------------------------------------------------- */

static bench_cpus cpus;

/* The soft fd limit, raised to what the connections need. */
static void raise_nofile(size_t conns)
{
    struct rlimit rl;
    CHECK(getrlimit(RLIMIT_NOFILE, &rl) == 0, "getrlimit: %s", strerror(errno));
    rlim_t need = (rlim_t)conns + 64;
    if (rl.rlim_cur >= need)
        return;
    CHECK(rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= need,
          "%zu connections need %lu fds; the hard limit is %lu", conns, (unsigned long)need,
          (unsigned long)rl.rlim_max);
    rl.rlim_cur = need;
    CHECK(setrlimit(RLIMIT_NOFILE, &rl) == 0, "setrlimit: %s", strerror(errno));
}

/* ------------------------------------------------------------------------
 * Servers
 * --------------------------------------------------------------------- */

static char server_dir[PATH_MAX];

typedef struct server {
    pid_t pid;
    int port;
    FILE *err; /* its stderr */
} server;

static server server_start(int c)
{
    char path[PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/%s", server_dir, server_file[c]);
    char *argv[] = {path, NULL};
    bench_child ch = bench_spawn(argv, cpus.server, BENCH_CHILD_OUT | BENCH_CHILD_ERR);
    server s = {ch.pid, 0, ch.err};

    /* "port N\n", within 10 s */
    char line[64];
    bench_read_output(ch.out, line, sizeof line, bench_now_ns() + 10000000000ull, true, NULL);
    close(ch.out);
    if (sscanf(line, "port %d", &s.port) != 1 || s.port <= 0) {
        kill(s.pid, SIGKILL);
        waitpid(s.pid, NULL, 0);
        char said[1024];
        bench_said(s.err, said, sizeof said);
        CHECK(false, "%s did not announce its port (it printed '%s'; stderr: %s)", path, line,
              said);
    }
    return s;
}

/* Kills the server, which must still be running. */
static void server_stop(server *s, const char *name)
{
    int status;
    pid_t w = waitpid(s->pid, &status, WNOHANG);
    char said[1024];
    if (w == s->pid) {
        bench_said(s->err, said, sizeof said);
        CHECK(false, "the %s server ended during the run (status %d): %s", name, status, said);
    }
    kill(s->pid, SIGTERM);
    status = bench_wait(s->pid);
    bench_said(s->err, said, sizeof said);
    CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM,
          "the %s server did not end by SIGTERM (status %d): %s", name, status, said);
    if (said[0])
        printf("  (the %s server said on stderr: %s)\n", name, strtok(said, "\n"));
    fclose(s->err);
}

/* What the scheduler says of a process so far, summed over its threads
 * (/proc/.../schedstat): ns on a CPU, and ns runnable but waiting for one
 * (which other work on the machine causes). */
typedef struct sched_ns {
    uint64_t run, wait;
} sched_ns;

static void add_schedstat(const char *path, sched_ns *sum)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return; /* the thread just ended */
    unsigned long long run = 0, wait = 0;
    if (fscanf(f, "%llu %llu", &run, &wait) == 2) {
        sum->run += run;
        sum->wait += wait;
    }
    fclose(f);
}

static sched_ns server_sched(pid_t pid)
{
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%d/task", (int)pid);
    DIR *d = opendir(dir);
    CHECK(d != NULL, "%s: %s", dir, strerror(errno));
    sched_ns sum = {0, 0};
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[sizeof dir + sizeof e->d_name + 16];
        snprintf(path, sizeof path, "%s/%s/schedstat", dir, e->d_name);
        add_schedstat(path, &sum);
    }
    closedir(d);
    return sum;
}

/* The client is this process, one thread. */
static sched_ns client_sched(void)
{
    sched_ns sum = {0, 0};
    add_schedstat("/proc/self/schedstat", &sum);
    return sum;
}

/* ------------------------------------------------------------------------
 * The load client: closed-loop ping-pong on every connection, on epoll.
 * --------------------------------------------------------------------- */

typedef struct conn {
    int fd;
    uint32_t seq;    /* the message in flight */
    uint8_t sent;    /* bytes of it written */
    uint8_t got;     /* bytes of its echo read */
    bool idle;       /* no message in flight (draining) */
    uint64_t trips;  /* round trips completed */
    uint64_t mark;   /* trips at the start of the window */
    unsigned char msg[MSG], echo[MSG];
} conn;

/* The bytes of message seq of connection i: different for every message
 * and connection, so an echo sent to the wrong one, late or twice fails the
 * check. */
static void fill(unsigned char *msg, size_t i, uint32_t seq)
{
    uint64_t x = (uint64_t)(i + 1) * 0x9e3779b97f4a7c15ull ^ (uint64_t)seq * 0xbf58476d1ce4e5b9ull;
    for (int k = 0; k < MSG; k += 8) {
        x ^= x >> 31;
        x *= 0x94d049bb133111ebull;
        x ^= x >> 29;
        memcpy(msg + k, &x, 8);
    }
}

typedef struct client {
    int ep;
    conn *c;
    size_t n;
    bool draining;
    size_t in_flight;
} client;

static void want(client *cl, size_t i, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.u64 = i};
    CHECK(epoll_ctl(cl->ep, EPOLL_CTL_MOD, cl->c[i].fd, &ev) == 0, "epoll_ctl: %s",
          strerror(errno));
}

/* Writes the rest of connection i's message. */
static void put(client *cl, size_t i)
{
    conn *c = &cl->c[i];
    while (c->sent < MSG) {
        ssize_t w = send(c->fd, c->msg + c->sent, MSG - c->sent, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0 && errno == EAGAIN) {
            want(cl, i, EPOLLIN | EPOLLOUT);
            return;
        }
        CHECK(w > 0, "send on connection %zu: %s", i, strerror(errno));
        c->sent = (uint8_t)(c->sent + w);
    }
}

static void next_message(client *cl, size_t i)
{
    conn *c = &cl->c[i];
    c->seq++;
    c->sent = c->got = 0;
    fill(c->msg, i, c->seq);
    put(cl, i);
}

static void on_event(client *cl, size_t i, uint32_t events)
{
    conn *c = &cl->c[i];
    if (events & EPOLLOUT) {
        put(cl, i);
        if (c->sent == MSG)
            want(cl, i, EPOLLIN);
    }
    if (!(events & (EPOLLIN | EPOLLERR | EPOLLHUP)))
        return;
    CHECK(!c->idle, "connection %zu: %s with no message in flight", i,
          events & EPOLLIN ? "bytes arrived" : "closed");
    ssize_t r;
    while ((r = read(c->fd, c->echo + c->got, MSG - c->got)) < 0 && errno == EINTR) {
    }
    if (r < 0 && errno == EAGAIN)
        return;
    CHECK(r > 0, "connection %zu: %s after %u of %d bytes of message %u",
          i, r == 0 ? "the server closed it" : strerror(errno), c->got, MSG, c->seq);
    c->got = (uint8_t)(c->got + r);
    CHECK(c->got <= c->sent, "connection %zu: %u bytes echoed, %u sent", i, c->got, c->sent);
    if (c->got < MSG)
        return;
    CHECK(memcmp(c->echo, c->msg, MSG) == 0, "connection %zu: message %u came back altered", i,
          c->seq);
    c->trips++;
    if (cl->draining) {
        c->idle = true;
        cl->in_flight--;
    } else {
        next_message(cl, i);
    }
}

/* One batch of events; false when epoll_wait timed out. */
static bool client_step(client *cl, int timeout_ms)
{
    struct epoll_event ev[256];
    int n = epoll_wait(cl->ep, ev, 256, timeout_ms);
    if (n < 0 && errno == EINTR)
        return true;
    CHECK(n >= 0, "epoll_wait: %s", strerror(errno));
    for (int k = 0; k < n; k++)
        on_event(cl, (size_t)ev[k].data.u64, ev[k].events);
    return n > 0;
}

static void client_open(client *cl, size_t n, int port)
{
    memset(cl, 0, sizeof *cl);
    cl->n = n;
    cl->c = calloc(n, sizeof *cl->c);
    CHECK(cl->c != NULL, "out of memory");
    cl->ep = epoll_create1(EPOLL_CLOEXEC);
    CHECK(cl->ep >= 0, "epoll_create1: %s", strerror(errno));
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (size_t i = 0; i < n; i++) {
        /* Blocking connects: each completes in the kernel's accept queue,
         * whether or not the server has accepted the ones before. */
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        CHECK(fd >= 0, "socket: %s", strerror(errno));
        int one = 1;
        CHECK(setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) == 0, "TCP_NODELAY: %s",
              strerror(errno));
        int rc;
        while ((rc = connect(fd, (struct sockaddr *)&sa, sizeof sa)) < 0 && errno == EINTR) {
        }
        CHECK(rc == 0, "connection %zu of %zu to port %d: %s", i + 1, n, port, strerror(errno));
        CHECK(fcntl(fd, F_SETFL, O_NONBLOCK) == 0, "O_NONBLOCK: %s", strerror(errno));
        cl->c[i].fd = fd;
        struct epoll_event ev = {.events = EPOLLIN, .data.u64 = i};
        CHECK(epoll_ctl(cl->ep, EPOLL_CTL_ADD, fd, &ev) == 0, "epoll_ctl: %s", strerror(errno));
    }
    for (size_t i = 0; i < n; i++) {
        cl->c[i].seq = 0;
        fill(cl->c[i].msg, i, 0);
        put(cl, i);
    }
    cl->in_flight = n;
}

/* Lets the messages in flight come back (and be checked), then closes every
 * connection with a reset, so no TIME_WAIT is left behind. cl->c stays for
 * the caller to read and free. */
static void client_close(client *cl)
{
    cl->draining = true;
    uint64_t limit = bench_now_ns() + DRAIN_LIMIT_NS;
    while (cl->in_flight > 0) {
        CHECK(bench_now_ns() < limit, "%zu echoes still missing %.1f s after the window",
              cl->in_flight, (double)DRAIN_LIMIT_NS / 1e9);
        client_step(cl, 100);
    }
    for (size_t i = 0; i < cl->n; i++)
        CHECK(cl->c[i].idle && cl->c[i].trips == (uint64_t)cl->c[i].seq + 1,
              "connection %zu: %lu echoes for %lu messages", i, (unsigned long)cl->c[i].trips,
              (unsigned long)cl->c[i].seq + 1);
    struct linger lg = {1, 0};
    for (size_t i = 0; i < cl->n; i++) {
        setsockopt(cl->c[i].fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        close(cl->c[i].fd);
    }
    close(cl->ep);
}

/* ------------------------------------------------------------------------
 * One measurement
 * --------------------------------------------------------------------- */

typedef struct result {
    double rtps;        /* round trips per second over the window */
    double server_ns;   /* server CPU ns per round trip */
    double server_util; /* server CPU time / window */
    double client_util; /* client CPU time / window */
    double server_wait; /* time the server was runnable but not running / window */
    double client_wait; /* the same for the client */
    uint64_t least, most; /* round trips of the slowest and fastest connection */
    uint64_t total;       /* round trips from the first message to the last */
} result;

typedef struct timing {
    double warmup, window; /* seconds */
} timing;

static result measure(const timing *t, size_t n, int port, pid_t server_pid)
{
    client cl;
    client_open(&cl, n, port);
    uint64_t start = bench_now_ns();
    uint64_t warm_end = start + (uint64_t)(t->warmup * 1e9);
    uint64_t end = warm_end + (uint64_t)(t->window * 1e9);
    uint64_t t0 = 0, trips0 = 0, now;
    sched_ns s0 = {0, 0}, c0 = {0, 0};
    bool counting = false;
    uint64_t trips = 0;
    for (;;) {
        if (!client_step(&cl, 1000))
            CHECK(false, "no echo for 1 s (%zu connections, port %d)", n, port);
        now = bench_now_ns();
        if (!counting && now >= warm_end) {
            counting = true;
            t0 = now;
            c0 = client_sched();
            if (server_pid)
                s0 = server_sched(server_pid);
            for (size_t i = 0; i < n; i++) {
                cl.c[i].mark = cl.c[i].trips;
                trips0 += cl.c[i].trips;
            }
        }
        if (counting && now >= end)
            break;
    }
    sched_ns s1 = server_pid ? server_sched(server_pid) : s0;
    sched_ns c1 = client_sched();
    result r;
    memset(&r, 0, sizeof r);
    r.least = UINT64_MAX;
    for (size_t i = 0; i < n; i++) {
        uint64_t d = cl.c[i].trips - cl.c[i].mark;
        trips += cl.c[i].trips;
        if (d < r.least)
            r.least = d;
        if (d > r.most)
            r.most = d;
    }
    trips -= trips0;
    double secs = (double)(now - t0) / 1e9;
    CHECK(trips > 0 && r.least > 0, "a connection made no round trip in the window (%zu conns)",
          n);
    r.rtps = (double)trips / secs;
    r.server_ns = (double)(s1.run - s0.run) / (double)trips;
    r.server_util = (double)(s1.run - s0.run) / 1e9 / secs;
    r.client_util = (double)(c1.run - c0.run) / 1e9 / secs;
    r.server_wait = (double)(s1.wait - s0.wait) / 1e9 / secs;
    r.client_wait = (double)(c1.wait - c0.wait) / 1e9 / secs;
    client_close(&cl);
    for (size_t i = 0; i < n; i++)
        r.total += cl.c[i].trips;
    free(cl.c);
    return r;
}

/* ------------------------------------------------------------------------
 * Options
 * --------------------------------------------------------------------- */

typedef struct options {
    bench_args args; /* --rounds, --csv, --only, --verbose, --retries, --dir */
    size_t conns[BENCH_MAX_POINTS];
    char conns_text[BENCH_MAX_POINTS][24];
    const char *conns_name[BENCH_MAX_POINTS]; /* the same as text: the driver's points */
    int n_conns;
    timing t;
    int connect_port;
} options;

static void usage(FILE *out)
{
    fprintf(out,
            "usage: echo_bench [--rounds N] [--csv FILE] [--only LIST] [--conns LIST]\n"
            "                  [--window S] [--warmup S] [--verbose] [--retries N]\n"
            "                  [--dir PATH]\n"
            "       echo_bench --connect PORT [--conns N] [--window S] [--warmup S]\n"
            "  --rounds N      interleaved rounds (default 5, or $EDDY_BENCH_ROUNDS)\n"
            "  --csv FILE      also write conns,contender,rtps_median,rtps_min,rtps_max,\n"
            "                  server_ns_per_rt_median,server_cpu_share_median,\n"
            "                  client_cpu_share_median,server_wait_share_median,\n"
            "                  client_wait_share_median,eddy_rtps_ratio_median,\n"
            "                  eddy_rtps_ratio_min,eddy_rtps_ratio_max,eddy_cpu_ratio_median\n"
            "  --only LIST     servers, comma-separated: eddy,libuv,libev,go,epoll\n"
            "  --conns LIST    connection counts, comma-separated (default 1,100,1000)\n"
            "  --window S      seconds counted per measurement (default 2)\n"
            "  --warmup S      seconds before the window (default 0.5)\n"
            "  --verbose       print every measurement\n"
            "  --retries N     measure again, up to N times (default 2), when other work\n"
            "                  kept the client or server waiting for its CPU > 5%% of the\n"
            "                  window\n"
            "  --dir PATH      where the servers are (default: next to this program)\n"
            "  --connect PORT  only the client, against a server already listening on\n"
            "                  127.0.0.1:PORT (first --conns count; for strace or perf)\n");
}

static double parse_seconds(const char *flag, const char *arg)
{
    char *end;
    double v = strtod(arg, &end);
    if (*end || !(v > 0 && v < 3600)) {
        fprintf(stderr, "echo_bench: bad value for %s: '%s'\n", flag, arg);
        exit(64);
    }
    return v;
}

static void parse_conns(const char *arg, options *o)
{
    char *copy = strdup(arg);
    CHECK(copy != NULL, "out of memory");
    o->n_conns = 0;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok;
         tok = strtok_r(NULL, ",", &save)) {
        if (o->n_conns == (int)(sizeof o->conns / sizeof o->conns[0])) {
            fprintf(stderr, "echo_bench: too many connection counts\n");
            exit(64);
        }
        long v = bench_parse_long("--conns", tok, 1);
        if (v > MAX_CONNS) {
            fprintf(stderr, "echo_bench: at most %d connections\n", MAX_CONNS);
            exit(64);
        }
        o->conns[o->n_conns++] = (size_t)v;
    }
    free(copy);
    if (o->n_conns == 0) {
        fprintf(stderr, "echo_bench: --conns needs a count\n");
        exit(64);
    }
}

/* The options of echo_bench's own (bench_args: the common ones). */
static int own_option(void *ctx, const char *a, const char *value)
{
    options *o = ctx;
    if (!value)
        return 0;
    if (!strcmp(a, "--conns"))
        parse_conns(value, o);
    else if (!strcmp(a, "--window"))
        o->t.window = parse_seconds(a, value);
    else if (!strcmp(a, "--warmup"))
        o->t.warmup = parse_seconds(a, value);
    else if (!strcmp(a, "--connect"))
        o->connect_port = (int)bench_parse_long(a, value, 1);
    else
        return 0;
    return 2;
}

static void parse_options(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->conns[0] = 1;
    o->conns[1] = 100;
    o->conns[2] = 1000;
    o->n_conns = 3;
    o->t.window = 2;
    o->t.warmup = 0.5;
    o->args = (bench_args){.contenders = C_COUNT,
                           .name = contender_name,
                           .only_what = "server",
                           .retries_dir = true,
                           .usage = usage,
                           .own = own_option,
                           .ctx = o};
    bench_parse_args(&o->args, argc, argv);
    if (!o->connect_port)
        bench_need_eddy(&o->args, "servers");
    for (int k = 0; k < o->n_conns; k++) {
        snprintf(o->conns_text[k], sizeof o->conns_text[k], "%zu", o->conns[k]);
        o->conns_name[k] = o->conns_text[k];
    }
}

/* ------------------------------------------------------------------------
 * The rounds (driver.h)
 * --------------------------------------------------------------------- */

/* Other work on the machine kept the client, or the server, waiting for its
 * CPU for more than 5% of the window. The Go server's wait is not a sign of
 * it: its own threads (sysmon, a thread returning from a syscall) share its
 * CPU and wait for each other. */
static bool disturbed(int c, const void *res)
{
    const result *r = res;
    return r->client_wait > BENCH_DISTURBED_WAIT ||
           (c != C_GO && r->server_wait > BENCH_DISTURBED_WAIT);
}

/* Server c at connection count k. */
static void run_one(void *ctx, int k, int c, void *res)
{
    const options *o = ctx;
    server s = server_start(c);
    *(result *)res = measure(&o->t, o->conns[k], s.port, s.pid);
    server_stop(&s, contender_name[c]);
}

static void print_measurement(void *ctx, int k, int c, const void *res, bool again)
{
    const options *o = ctx;
    const result *r = res;
    printf("  %5zu conns  %-6s %9.0f rt/s  server %6.2f us/rt, CPU %3.0f%% (waiting %2.0f%%)  "
           "client CPU %3.0f%% (waiting %2.0f%%)  per conn %lu-%lu%s\n",
           o->conns[k], contender_name[c], r->rtps, r->server_ns / 1000, 100 * r->server_util,
           100 * r->server_wait, 100 * r->client_util, 100 * r->client_wait,
           (unsigned long)r->least, (unsigned long)r->most, again ? "  disturbed: again" : "");
}

/* ------------------------------------------------------------------------
 * Main, and the report
 * --------------------------------------------------------------------- */

#define FIG(member) offsetof(result, member)

int main(int argc, char **argv)
{
    options o;
    parse_options(argc, argv, &o);
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    setenv("GOMAXPROCS", "1", 1);

    size_t most = 0;
    for (int k = 0; k < o.n_conns; k++)
        if (o.conns[k] > most)
            most = o.conns[k];
    raise_nofile(most);
    cpus = bench_choose_cpus();
    bench_pin_self(cpus.client);

    if (o.connect_port) {
        printf("echo_bench: client only, %zu connections to 127.0.0.1:%d, %.1f s + %.1f s\n",
               o.conns[0], o.connect_port, o.t.warmup, o.t.window);
        result r = measure(&o.t, o.conns[0], o.connect_port, 0);
        printf("%.0f round trips/s; client CPU %.0f%%; per connection %lu-%lu; %lu round "
               "trips in all\n",
               r.rtps, 100 * r.client_util, (unsigned long)r.least, (unsigned long)r.most,
               (unsigned long)r.total);
        return 0;
    }

    bench_program_dir(server_dir, sizeof server_dir, o.args.dir);
    bench_find_programs(server_dir, C_COUNT, o.args.use, server_file, contender_name, "server",
                        "build the echo_bench target (the Go server needs golang-go), give "
                        "--dir PATH, or leave servers out with --only");
    bench_print_host(o.args.rounds);
    if (cpus.pin)
        printf("  client (this process) on CPU %d, each server on CPU %d\n", cpus.client,
               cpus.server);
    else
        printf("  only one CPU: client and servers share it (not pinned)\n");
    printf("  servers in %s, a fresh process per measurement; Go with GOMAXPROCS=1\n",
           server_dir);
    printf("  %d-byte messages, closed loop; %.1f s warm-up, then %.1f s counted\n", MSG,
           o.t.warmup, o.t.window);
    char load[128];
    printf("  the load average at start: %s\n", bench_loadavg(load, sizeof load));

    int rounds = o.args.rounds, nc = o.n_conns;
    bench_driver d = {.args = &o.args,
                      .points = nc,
                      .point_name = o.conns_name,
                      .result_size = sizeof(result),
                      .ctx = &o,
                      .run = run_one,
                      .disturbed = disturbed,
                      .print = print_measurement};
    bench_driver_run(&d);

#define MED(k, c, member) bench_driver_median(&d, k, c, FIG(member))
    printf("\n%-6s %-23s %8s %15s %7s %8s %9s %20s %8s\n", "conns", "server", "rt/s", "min-max",
           "us/rt", "CPU s/c", "wait s/c", "eddy/this rt/s", "this/eddy");
    for (int k = 0; k < nc; k++) {
        for (int j = 0; j < d.n; j++) {
            int c = d.list[j];
            bench_rate_text rate = bench_driver_rate(&d, k, c, FIG(rtps));
            char rr[48] = "-", cr[16] = "-", cn[16] = "", util[16], wait[16];
            snprintf(util, sizeof util, "%.0f/%.0f%%", 100 * MED(k, c, server_util),
                     100 * MED(k, c, client_util));
            snprintf(wait, sizeof wait, "%.0f/%.0f%%", 100 * MED(k, c, server_wait),
                     100 * MED(k, c, client_wait));
            if (bench_driver_has_ratios(&d, c)) {
                bench_summary q = bench_eddy_over(&d, k, c, FIG(rtps));
                snprintf(rr, sizeof rr, "%.2f (%.2f-%.2f)", q.median, q.min, q.max);
                snprintf(cr, sizeof cr, "%.2f", bench_over_eddy(&d, k, c, FIG(server_ns)).median);
            }
            if (j == 0)
                snprintf(cn, sizeof cn, "%zu", o.conns[k]);
            printf("%-6s %-23s %8s %15s %7.2f %8s %9s %20s %8s\n", cn, contender_label[c],
                   rate.median, rate.range, MED(k, c, server_ns) / 1000, util, wait, rr, cr);
        }
    }
    printf("(medians over %d rounds. rt/s: round trips per second, min-max over the rounds;\n"
           " us/rt: the server's CPU time per round trip; CPU s/c: the server's and the\n"
           " client's CPU time over the window; wait s/c: the time each was runnable but\n"
           " waiting for its CPU (other work on the machine), over the window; eddy/this\n"
           " rt/s: eddy's round trips per second over this server's, within each round,\n"
           " median (min-max); this/eddy: this server's CPU per round trip over eddy's,\n"
           " within each round, median. Above 1, eddy is ahead)\n",
           rounds);

    printf("\ntargets (eddy's round trips per second over the peer's, median of the rounds):\n");
    bool any_target = false;
    for (int k = 0; k < nc; k++) {
        if (o.conns[k] < 100)
            continue;
        any_target = true;
        for (int j = 0; j < d.n; j++) {
            int c = d.list[j];
            if (target[c] == 0)
                continue;
            double q = bench_eddy_over(&d, k, c, FIG(rtps)).median;
            double qc = bench_over_eddy(&d, k, c, FIG(server_ns)).median;
            printf("  %4zu conns: eddy >= %.1fx %-6s %.2fx, %s  (by server CPU per round "
                   "trip: %.2fx, %s)\n",
                   o.conns[k], target[c], contender_name[c], q, q >= target[c] ? "met" : "MISSED",
                   qc, qc >= target[c] ? "met" : "MISSED");
        }
    }
    if (!any_target)
        printf("  none: they are set for 100 connections and more\n");
    bench_driver_report(&d, "client or non-Go server waiting", "window");

    if (o.args.csv) {
        FILE *f = bench_csv_open(o.args.csv,
                                 "conns,contender,rtps_median,rtps_min,rtps_max,"
                                 "server_ns_per_rt_median,server_cpu_share_median,"
                                 "client_cpu_share_median,server_wait_share_median,"
                                 "client_wait_share_median,eddy_rtps_ratio_median,"
                                 "eddy_rtps_ratio_min,eddy_rtps_ratio_max,"
                                 "eddy_cpu_ratio_median");
        for (int k = 0; k < nc; k++)
            for (int j = 0; j < d.n; j++) {
                int c = d.list[j];
                bench_summary s = bench_driver_summary(&d, k, c, FIG(rtps));
                fprintf(f, "%zu,%s,%.1f,%.1f,%.1f,%.1f,%.4f,%.4f,%.4f,%.4f,", o.conns[k],
                        contender_name[c], s.median, s.min, s.max, MED(k, c, server_ns),
                        MED(k, c, server_util), MED(k, c, client_util), MED(k, c, server_wait),
                        MED(k, c, client_wait));
                bench_driver_csv_ratios(f, &d, k, c, FIG(rtps), FIG(server_ns));
            }
        bench_csv_close(f, o.args.csv);
    }

    bench_driver_free(&d);
    return 0;
}
