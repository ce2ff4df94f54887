/* Shared by every test suite: Check runs each test in its own forked process,
 * so every test starts with a fresh loop; each test still ends with
 * ed_shutdown() so that LeakSanitizer can prove nothing was left behind.
 *
 * Every suite is its own program, so the helpers below are `static`: a suite
 * that does not use one pays nothing for it. Keep here only what two or more
 * suites share; a helper one suite needs stays in that suite. */
#ifndef EDDY_TEST_SUPPORT_H
#define EDDY_TEST_SUPPORT_H

#include <check.h>
#include <dirent.h>
#include <eddy.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/* ---- running a suite ----------------------------------------------------- */

/* Defines main() for a suite built by `make_suite`. */
#define ED_TEST_MAIN(make_suite)                                  \
    int main(void)                                                \
    {                                                             \
        SRunner *runner = srunner_create(make_suite());           \
        srunner_run_all(runner, CK_NORMAL);                       \
        int failed = srunner_ntests_failed(runner);               \
        srunner_free(runner);                                     \
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;         \
    }

/* Asserts that the loop has no live watcher and frees it. */
#define ED_TEST_END()                                             \
    do {                                                          \
        ck_assert_int_eq(ed_shutdown(), 0);                       \
    } while (0)

/* A cheap assertion for hot paths: in fork mode every passing ck_assert
 * reports its location to the parent, which is slow in loops of 100,000. */
#define CHECK(expr)                                                             \
    do {                                                                        \
        if (!(expr))                                                            \
            ck_abort_msg("%s:%d: check failed: %s", __FILE__, __LINE__, #expr); \
    } while (0)

/* Small integers carried through the void * of callbacks and task results. */
#define P(n) ((void *)(uintptr_t)(n))
#define N(p) ((int)(uintptr_t)(p))

/* ---- fds ------------------------------------------------------------------- */

/* The fds this process has open, to prove a test leaked none. */
static inline int open_fd_count(void)
{
    DIR *d = opendir("/proc/self/fd");
    ck_assert_ptr_ne(d, NULL);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* The CPU time this process has used, in seconds: a loop that spins while
 * it should wait shows here, whatever the machine's load. */
static inline double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A TCP listener on 127.0.0.1 whose accept queue is full: nheld sockets
 * (returned in held, the caller closes them) fill its backlog of 1, so it
 * drops further SYNs and connecting to it hangs until the caller's
 * timeout. Returns the listening fd. */
static inline int full_listener(int *held, int nheld)
{
    int lfd = ed_tcp_listen("127.0.0.1", "0", 1);
    ck_assert_int_ge(lfd, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)ed_socket_port(lfd));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int k = 0; k < nheld; k++) {
        held[k] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
        ck_assert_int_ge(held[k], 0);
        connect(held[k], (struct sockaddr *)&a, sizeof a);
    }
    return lfd;
}

/* ---- callbacks ----------------------------------------------------------- */

/* For watchers that only have to exist: the test looks at the loop, not at
 * what the callback does. */
static inline int noop_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    return 0;
}

/* For watchers that must stay quiet (disabled, unreferenced, never due). */
static inline int never_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    ck_abort_msg("this callback must never run");
    return 0;
}

static inline int never_io_cb(ed_id id, int fd, void *data)
{
    (void)id;
    (void)fd;
    (void)data;
    ck_abort_msg("this I/O callback must never run");
    return 0;
}

/* Counts runs per slot: runs[k] counts the callbacks given (void *)k, so one
 * callback serves every watcher of a test. */
static int runs[16];

static inline int count_cb(ed_id id, void *data)
{
    (void)id;
    runs[(intptr_t)data]++;
    return 0;
}

/* ---- the tick counter ---------------------------------------------------- */

/* A defer that re-creates itself every tick. Created before any other defer,
 * it stays first in the FIFO, so every other callback of tick N sees
 * g_tick == N. Referenced, it keeps the loop alive for `limit` ticks;
 * unreferenced, it only counts the ticks something else keeps going.
 * g_tick_hook, when set, runs at the end of every tick's count: tests use it
 * to act at a given tick (write to a pipe, raise a signal, enable a watcher). */
static int g_tick;
static int g_tick_limit;
static bool g_tick_ref;
static ed_id g_tick_id;
static void (*g_tick_hook)(int tick);

static inline int tick_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    g_tick++;
    g_tick_id = 0;
    if (g_tick < g_tick_limit) {
        g_tick_id = ed_defer(tick_cb, NULL);
        CHECK(g_tick_id != 0);
        if (!g_tick_ref)
            CHECK(ed_unreference(g_tick_id) == 0);
    }
    if (g_tick_hook)
        g_tick_hook(g_tick);
    return 0;
}

static inline void ticks_start(int limit, bool referenced)
{
    ed_cancel(g_tick_id); /* an unreferenced counter left from an earlier run */
    g_tick = 0;
    g_tick_limit = limit;
    g_tick_ref = referenced;
    g_tick_id = ed_defer(tick_cb, NULL);
    ck_assert_uint_ne(g_tick_id, 0);
    if (!referenced)
        ck_assert_int_eq(ed_unreference(g_tick_id), 0);
}

static inline void ticks_stop(void)
{
    ed_cancel(g_tick_id);
    g_tick_id = 0;
    g_tick_limit = 0;
}

/* ---- the event log ------------------------------------------------------- */

/* Small integers in the order things happened, to assert an order. Room for
 * the longest log, timers' 1,000 equal deadlines and a few more. */
#define LOG_MAX 4096
static int g_log[LOG_MAX];
static int g_nlog;

static inline void log_add(int v)
{
    CHECK(g_nlog < LOG_MAX);
    g_log[g_nlog++] = v;
}

static inline void log_expect(const int *want, int n)
{
    ck_assert_int_eq(g_nlog, n);
    for (int i = 0; i < n; i++)
        ck_assert_msg(g_log[i] == want[i], "log[%d] = %d, expected %d", i, g_log[i], want[i]);
}

/* ---- error reports ------------------------------------------------------- */

static inline void assert_contains(const char *hay, const char *needle)
{
    ck_assert_ptr_ne(hay, NULL);
    ck_assert_msg(strstr(hay, needle) != NULL, "\"%s\" does not contain \"%s\"", hay, needle);
}

/* Asserts that msg names a creation site ("test_x.c:line") of the calling
 * suite. A macro, so that __FILE__ is the suite's file, not this one. */
#define assert_site(msg, line) assert_site_in((msg), __FILE__, (line))

static inline void assert_site_in(const char *msg, const char *file, int line)
{
    const char *base = strrchr(file, '/');
    char site[64];
    snprintf(site, sizeof site, "%s:%d", base ? base + 1 : file, line);
    assert_contains(msg, site);
}

/* An error handler recording every call: h_err[i] and h_msg[i] are the i-th
 * report. Suites that check more of each call wrap record_handler in their
 * own handler. */
#define MAX_ERRS 16
static int h_calls;
static int h_err[MAX_ERRS];
static char h_msg[MAX_ERRS][512];

static inline void record_handler(int err, const char *message, void *data)
{
    (void)data;
    CHECK(message != NULL);
    CHECK(h_calls < MAX_ERRS);
    h_err[h_calls] = err;
    snprintf(h_msg[h_calls], sizeof h_msg[0], "%s", message);
    h_calls++;
}

static inline void handler_install(void)
{
    h_calls = 0;
    ed_set_error_handler(record_handler, NULL);
}

/* What a dump function (ed_dump, ed_dump_watchers) writes, as a string the
 * caller frees. buf and len are static: the stream holds their addresses, and
 * with locals GCC 12 at -O2 takes the result for a pointer into this frame
 * once inlined (-Wdangling-pointer). */
static inline char *dump_to_string(void (*dump)(FILE *out))
{
    static char *buf;
    static size_t len;
    buf = NULL;
    len = 0;
    FILE *out = open_memstream(&buf, &len);
    ck_assert_ptr_ne(out, NULL);
    dump(out);
    ck_assert_int_eq(fclose(out), 0);
    ck_assert_ptr_ne(buf, NULL);
    return buf;
}

/* ---- time ---------------------------------------------------------------- */

/* The clock ed_now() reads (§8.5). ed_now() is cached inside a tick, so busy
 * waits inside callbacks read the clock directly. */
static inline double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static inline void busy_wait(double seconds)
{
    double end = mono() + seconds;
    while (mono() < end) {
    }
}

/* ---- file descriptors and signals ---------------------------------------- */

/* Non-blocking, so a callback that drains an fd never hangs the test. */
static inline void make_pipe(int p[2])
{
    ck_assert_int_eq(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
}

static inline void make_socketpair(int sv[2])
{
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
}

static inline void close_pair(int p[2])
{
    close(p[0]);
    close(p[1]);
}

/* Installs a plain handler for signo, as a program would before eddy. */
static inline void install_handler(int signo, void (*handler)(int))
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = handler;
    sigemptyset(&sa.sa_mask);
    ck_assert_int_eq(sigaction(signo, &sa, NULL), 0);
}

/* ThreadSanitizer counts every coroutine as a thread and stops at 8,128 of
 * them alive: tests that keep thousands of tasks alive scale down under it
 * (the point they prove, no per-task growth, holds at any count). */
#if defined(__SANITIZE_THREAD__)
#define ED_TEST_TASKS(n) ((n) < 4000 ? (n) : 4000)
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ED_TEST_TASKS(n) ((n) < 4000 ? (n) : 4000)
#endif
#endif
#ifndef ED_TEST_TASKS
#define ED_TEST_TASKS(n) (n)
#endif

#endif
