/* The allocator hook and allocation failures: header (ed_set_allocator,
 * ed_realloc_fn), api.md §1, §6 (0 id + errno ENOMEM, -ENOMEM), style-anchors
 * habit 6 and 12 (fault injection at every allocation site). */
#include "support.h"

#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- the counting, failing allocator ------------------------------------- */

typedef struct alloc_state {
    long calls;      /* allocations and resizes asked for */
    long fail_every; /* fail every Nth of them; 0: never */
    long failures;
    long live; /* blocks handed out and not yet freed */
} alloc_state;

static alloc_state g_alloc;

static void *test_realloc(void *ud, void *ptr, size_t size)
{
    alloc_state *st = ud;
    if (size == 0) {
        if (ptr) {
            free(ptr);
            st->live--;
        }
        return NULL;
    }
    st->calls++;
    if (st->fail_every > 0 && st->calls % st->fail_every == 0) {
        st->failures++;
        return NULL;
    }
    void *p = realloc(ptr, size);
    if (p && !ptr)
        st->live++;
    return p;
}

/* ---- the scenario ---------------------------------------------------------- */

static int g_n; /* the current N, for messages */

static void check_id(ed_id id, const char *what)
{
    if (id == 0)
        ck_assert_msg(errno == ENOMEM, "N=%d: %s failed with errno %d, not ENOMEM", g_n, what, errno);
}

static void check_rc(int rc, const char *what)
{
    ck_assert_msg(rc == 0 || rc == -ENOMEM, "N=%d: %s returned %d, not 0 or -ENOMEM", g_n, what, rc);
}

#define NVALS 4
static int vals[NVALS];
static int stored[NVALS];
static int destroyed[NVALS];

static void destroy_val(void *v)
{
    int *p = v;
    ck_assert(p >= vals && p < vals + NVALS);
    destroyed[p - vals]++;
}

static void set_val(const char *key, int i)
{
    errno = 0;
    int rc = ed_state_set(key, &vals[i], destroy_val);
    check_rc(rc, "ed_state_set");
    if (rc == 0)
        stored[i] = 1;
}

static int errors_handled;
static int errors_returned;
static bool safety_fired;
static int io_pipe[2];
static ed_id io_ids[3];
static int sig_raised;

static void handler(int err, const char *message, void *data)
{
    (void)data;
    ck_assert_ptr_ne(message, NULL);
    ck_assert_msg(err == -ENOMEM, "N=%d: handler got %d (%s)", g_n, err, message);
    errors_handled++;
}

static int defer_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    errno = 0;
    check_id(ed_defer(noop_cb, NULL), "ed_defer in a callback");
    errno = 0;
    check_id(ed_delay(0, noop_cb, NULL), "ed_delay in a callback");
    return 0;
}

static int raise_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    raise(SIGUSR1);
    sig_raised++;
    return 0;
}

static int rep_cb(ed_id id, void *data)
{
    int *n = data;
    if (++*n == 2)
        ed_cancel(id);
    return 0;
}

static int rd_cb(ed_id id, int fd, void *data)
{
    (void)data;
    char c;
    ck_assert_int_eq(read(fd, &c, 1), 1);
    ed_cancel(id);
    io_ids[0] = 0;
    return 0;
}

static int wr_cb(ed_id id, int fd, void *data)
{
    (void)fd;
    (void)data;
    ed_cancel(id);
    io_ids[1] = 0;
    return 0;
}

static int sig_cb(ed_id id, int signo, void *data)
{
    (void)id;
    (void)data;
    ck_assert_int_eq(signo, SIGUSR1);
    return 0;
}

static int safety_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    safety_fired = true;
    for (int i = 0; i < 3; i++)
        ed_cancel(io_ids[i]);
    ed_stop();
    return 0;
}

static void noop_signal_handler(int signo)
{
    (void)signo;
}

static void scenario(void)
{
    int rep_runs = 0;
    errno = 0;

    /* State: store, replace, store and delete. */
    set_val("k1", 0);
    set_val("k1", 1);
    set_val("k2", 2);
    check_rc(ed_state_set("k2", NULL, NULL), "ed_state_set(NULL)");
    set_val("k3", 3);

    /* Unreferenced: it does not keep the loop alive, but ends a hung run. */
    errno = 0;
    ed_id safety = ed_delay(0.5, safety_cb, NULL);
    check_id(safety, "ed_delay(safety)");
    if (safety)
        ck_assert_int_eq(ed_unreference(safety), 0);

    errno = 0;
    check_id(ed_defer(defer_cb, NULL), "ed_defer");
    errno = 0;
    ed_id d2 = ed_defer(noop_cb, NULL);
    check_id(d2, "ed_defer");
    if (d2) {
        ck_assert_int_eq(ed_disable(d2), 0);
        check_rc(ed_enable(d2), "ed_enable(defer)");
    }
    errno = 0;
    check_id(ed_delay(0, noop_cb, NULL), "ed_delay(0)");
    errno = 0;
    ed_id dl = ed_delay(0.001, noop_cb, NULL);
    check_id(dl, "ed_delay");
    if (dl) {
        ck_assert_int_eq(ed_disable(dl), 0);
        check_rc(ed_enable(dl), "ed_enable(delay)");
    }
    errno = 0;
    ed_id rp = ed_repeat(0.0005, rep_cb, &rep_runs);
    check_id(rp, "ed_repeat");

    io_ids[0] = io_ids[1] = io_ids[2] = 0;
    if (safety) { /* only with the safety net: a lost I/O watcher must not hang */
        ck_assert_int_eq(write(io_pipe[1], "x", 1), 1);
        errno = 0;
        io_ids[0] = ed_on_readable(io_pipe[0], rd_cb, NULL);
        check_id(io_ids[0], "ed_on_readable");
        errno = 0;
        io_ids[1] = ed_on_writable(io_pipe[1], wr_cb, NULL);
        check_id(io_ids[1], "ed_on_writable");
        if (io_ids[1]) {
            ck_assert_int_eq(ed_disable(io_ids[1]), 0);
            check_rc(ed_enable(io_ids[1]), "ed_enable(writable)");
        }
        errno = 0;
        io_ids[2] = ed_on_signal(SIGUSR1, sig_cb, NULL);
        check_id(io_ids[2], "ed_on_signal");
        if (io_ids[2]) {
            ck_assert_int_eq(ed_unreference(io_ids[2]), 0);
            errno = 0;
            check_id(ed_defer(raise_cb, NULL), "ed_defer(raise)");
        }
    }

    int rc = ed_run();
    check_rc(rc, "ed_run");
    if (rc < 0)
        errors_returned++;
    if (safety_fired)
        ck_assert_msg(errors_handled + errors_returned > 0,
                      "N=%d: an I/O watcher never fired and no error was reported", g_n);

    /* Drain whatever the readable watcher left, for the next round. */
    char c;
    while (read(io_pipe[0], &c, 1) == 1) {
    }
}

/* Header (ed_set_allocator), api.md §6: with every Nth allocation failing
 * (N = 1..200), each call succeeds or fails with ENOMEM, ed_run returns 0 or
 * -ENOMEM, nothing crashes, state values are destroyed exactly when stored,
 * and after ed_shutdown no block is left. */
START_TEST(test_alloc_failure_at_every_site_no_leak)
{
    install_handler(SIGUSR1, noop_signal_handler);
    make_pipe(io_pipe);

    int rounds_with_failures = 0;
    for (int n = 1; n <= 200; n++) {
        g_n = n;
        memset(&g_alloc, 0, sizeof g_alloc);
        g_alloc.fail_every = n;
        memset(stored, 0, sizeof stored);
        memset(destroyed, 0, sizeof destroyed);
        errors_handled = errors_returned = 0;
        safety_fired = false;
        ck_assert_msg(ed_set_allocator(test_realloc, &g_alloc) == 0, "N=%d: ed_set_allocator refused", n);
        ed_set_error_handler(n % 2 ? handler : NULL, NULL);

        scenario();

        ck_assert_int_eq(ed_shutdown(), 0);
        ck_assert_msg(g_alloc.live == 0, "N=%d: %ld blocks leaked (%ld allocations, %ld failed)", n,
                      g_alloc.live, g_alloc.calls, g_alloc.failures);
        for (int i = 0; i < NVALS; i++)
            ck_assert_msg(destroyed[i] == stored[i], "N=%d: value %d stored %d times, destroyed %d times", n,
                          i, stored[i], destroyed[i]);
        ck_assert_int_gt(g_alloc.calls, 0);
        if (g_alloc.failures > 0)
            rounds_with_failures++;
    }
    ck_assert_int_ge(rounds_with_failures, 10);
    ck_assert_int_eq(ed_set_allocator(NULL, NULL), 0);
    close_pair(io_pipe);
    ED_TEST_END();
}
END_TEST

/* Header (ed_set_allocator): allocations really go through the hook; while
 * its blocks are live, changing the allocator is -EBUSY; after ed_shutdown
 * every block is back and it is 0 again. */
START_TEST(test_alloc_hook_used_and_busy_while_live)
{
    memset(&g_alloc, 0, sizeof g_alloc);
    ck_assert_int_eq(ed_set_allocator(test_realloc, &g_alloc), 0);
    ck_assert_uint_ne(ed_defer(noop_cb, NULL), 0);
    ck_assert_int_eq(ed_state_set("k", &vals[0], destroy_val), 0);
    ck_assert_int_gt(g_alloc.calls, 0);
    ck_assert_int_gt(g_alloc.live, 0);
    ck_assert_int_eq(ed_set_allocator(NULL, NULL), -EBUSY);
    static alloc_state other;
    ck_assert_int_eq(ed_set_allocator(test_realloc, &other), -EBUSY);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(ed_shutdown(), 0);
    ck_assert_int_eq(g_alloc.live, 0);
    ck_assert_int_eq(destroyed[0], 1);
    ck_assert_int_eq(ed_set_allocator(NULL, NULL), 0);

    /* Back on the C library's allocator, nothing reaches the hook. */
    long before = g_alloc.calls;
    ck_assert_uint_ne(ed_defer(noop_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(g_alloc.calls, before);
    ED_TEST_END();
}
END_TEST

/* Header (ed_set_allocator): a hook installed before first use sees a whole
 * run (watchers of every kind), and nothing is left after ed_shutdown. */
START_TEST(test_alloc_full_scenario_without_failures)
{
    install_handler(SIGUSR1, noop_signal_handler);
    make_pipe(io_pipe);
    memset(&g_alloc, 0, sizeof g_alloc);
    ck_assert_int_eq(ed_set_allocator(test_realloc, &g_alloc), 0);
    scenario();
    ck_assert(!safety_fired);
    ck_assert_int_eq(errors_returned, 0);
    ck_assert_int_eq(io_ids[0], 0); /* the readable and writable watchers fired */
    ck_assert_int_eq(io_ids[1], 0);
    ck_assert_int_eq(sig_raised, 1);
    ck_assert_int_eq(ed_shutdown(), 0);
    ck_assert_int_gt(g_alloc.calls, 5);
    ck_assert_int_eq(g_alloc.live, 0);
    for (int i = 0; i < NVALS; i++)
        ck_assert_int_eq(destroyed[i], stored[i]);
    ck_assert_int_eq(stored[0] + stored[1] + stored[2] + stored[3], 4);
    close_pair(io_pipe);
    ED_TEST_END();
}
END_TEST

static Suite *alloc_suite(void)
{
    Suite *s = suite_create("alloc");
    TCase *tc = tcase_create("alloc");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_alloc_failure_at_every_site_no_leak);
    tcase_add_test(tc, test_alloc_hook_used_and_busy_while_live);
    tcase_add_test(tc, test_alloc_full_scenario_without_failures);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(alloc_suite)
