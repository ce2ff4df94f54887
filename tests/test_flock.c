/* ed_flock_acquire and ed_flock_release: behaviour.md §5.7 and §8.16.
 * Contention comes from a forked child holding the lock until the test
 * tells it to let go, or from a second acquisition in this process. */
#include "support.h"

#include <eddy/util.h>
#include <math.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

/* Every flock(2) call of this program, eddy's included, comes here: the
 * test counts attempts instead of timing them. */
static int flock_calls;

int flock(int fd, int operation)
{
    flock_calls++;
    return (int)syscall(SYS_flock, fd, operation);
}

/* ---- helpers ------------------------------------------------------------ */

static char g_path[64];
static int fds_before;

static void setup(void)
{
    snprintf(g_path, sizeof g_path, "/tmp/eddy-flock-%d", (int)getpid());
    unlink(g_path);
    fds_before = open_fd_count();
    flock_calls = 0;
}

static void teardown(void)
{
    unlink(g_path);
}

/* The end of every test: the loop freed and not one fd left open. */
static void finish(void)
{
    ED_TEST_END();
    ck_assert_int_eq(open_fd_count(), fds_before);
}

/* A child process holding a lock on g_path until told to release it. */
struct holder {
    pid_t pid;
    int tell; /* write a byte here: the child unlocks and exits */
};

static struct holder hold_in_child(int mode)
{
    int ready[2], go[2];
    ck_assert_int_eq(pipe2(ready, O_CLOEXEC), 0);
    ck_assert_int_eq(pipe2(go, O_CLOEXEC), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        int fd = open(g_path, O_RDWR | O_CREAT, 0666);
        char c = 'r';
        if (fd < 0 || syscall(SYS_flock, fd, mode) < 0 || write(ready[1], &c, 1) != 1)
            _exit(1);
        (void)!read(go[0], &c, 1);
        _exit(0); /* the lock ends with the process */
    }
    close(ready[1]);
    close(go[0]);
    char c;
    ck_assert_int_eq(read(ready[0], &c, 1), 1); /* it holds the lock now */
    close(ready[0]);
    return (struct holder){pid, go[1]};
}

static void let_go(struct holder *h)
{
    if (h->tell < 0)
        return;
    char c = 'g';
    ck_assert_int_eq(write(h->tell, &c, 1), 1);
    close(h->tell);
    h->tell = -1;
}

static void reap(struct holder *h)
{
    let_go(h);
    int status;
    ck_assert_int_eq(waitpid(h->pid, &status, 0), h->pid);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

/* The contended callback: counts its calls; optionally lets the child go
 * a little later, so the waiter has to poll several times. */
static int contended_calls;
static struct holder *g_holder;
static bool g_released;

static int release_later(ed_id id, void *data)
{
    (void)id;
    (void)data;
    g_released = true;
    let_go(g_holder);
    return 0;
}

static void on_contended(const char *path, void *data)
{
    ck_assert_str_eq(path, g_path);
    ck_assert_ptr_eq(data, &contended_calls);
    contended_calls++;
    if (g_holder)
        ck_assert_uint_ne(ed_delay(0.2, release_later, NULL), 0);
}

static ed_flock_options opts(double interval, double timeout)
{
    return (ed_flock_options){interval, timeout, on_contended, &contended_calls};
}

/* ---- contention between processes -------------------------------------- */

/* §5.7: an exclusive lock waits while another process holds one; the
 * contended callback runs once, however many attempts fail; the lock is
 * ours once the child lets go (a generous bound: it must happen, not fast). */
START_TEST(test_exclusive_waits_for_child)
{
    struct holder h = hold_in_child(LOCK_EX);
    g_holder = &h;
    ed_flock_options o = opts(0.02, -1);
    ed_flock *lock = NULL;
    double t0 = mono();
    flock_calls = 0;
    ck_assert_int_eq(ed_flock_acquire(g_path, LOCK_EX, &o, &lock), 0);
    ck_assert_ptr_ne(lock, NULL);
    ck_assert(g_released);
    ck_assert_int_eq(contended_calls, 1);
    ck_assert_int_ge(flock_calls, 3); /* missed, retried while held, got it */
    ck_assert(mono() - t0 < 60);
    ed_flock_release(lock);
    reap(&h);
    finish();
}
END_TEST

/* Shared locks coexist: no wait, no callback. */
START_TEST(test_shared_with_shared_at_once)
{
    struct holder h = hold_in_child(LOCK_SH);
    ed_flock_options o = opts(0, -1);
    ed_flock *lock;
    ck_assert_int_eq(ed_flock_acquire(g_path, LOCK_SH, &o, &lock), 0);
    ck_assert_int_eq(contended_calls, 0);
    ed_flock_release(lock);
    reap(&h);
    finish();
}
END_TEST

/* A timeout bounds the whole wait: -ETIMEDOUT, the file closed again. */
START_TEST(test_timeout)
{
    struct holder h = hold_in_child(LOCK_SH);
    ed_flock_options o = opts(0.02, 0.1);
    ed_flock *lock = (ed_flock *)&o;
    ck_assert_int_eq(ed_flock_acquire(g_path, LOCK_EX, &o, &lock), -ETIMEDOUT);
    ck_assert_ptr_eq(lock, NULL);
    ck_assert_int_eq(contended_calls, 1);
    reap(&h);
    finish();
}
END_TEST

/* LOCK_NB: one attempt, no wait (-EWOULDBLOCK). */
START_TEST(test_nonblocking_one_attempt)
{
    struct holder h = hold_in_child(LOCK_EX);
    ed_flock_options o = opts(0, 0);
    ed_flock *lock;
    flock_calls = 0;
    ck_assert_int_eq(ed_flock_acquire(g_path, LOCK_SH | LOCK_NB, &o, &lock), -EWOULDBLOCK);
    ck_assert_int_eq(flock_calls, 1);
    ck_assert_int_eq(contended_calls, 1);
    reap(&h);
    finish();
}
END_TEST

static int acquire_task(void *arg, void **result)
{
    ed_flock *lock = NULL;
    int rc = ed_flock_acquire(g_path, LOCK_EX, arg, &lock);
    *result = lock;
    return rc;
}

/* A zeroed struct takes the defaults, waiting as long as it takes: a
 * timeout of 0 is no "try once" (that is LOCK_NB). */
START_TEST(test_zeroed_options_wait)
{
    struct holder h = hold_in_child(LOCK_EX);
    ed_flock_options o = {.poll_interval = 0.02};
    ed_flock *lock = NULL;
    flock_calls = 0;
    ed_future *f = ed_async(acquire_task, &o);
    ck_assert_int_eq(ed_sleep(0.1), 0);
    ck_assert(!ed_future_done(f)); /* still trying */
    reap(&h);                      /* the holder lets go */
    ck_assert_int_eq(ed_await(f, (void **)&lock), 0);
    ck_assert_ptr_ne(lock, NULL);
    ck_assert_int_gt(flock_calls, 1);
    ed_flock_release(lock);
    ed_future_release(f);
    finish();
}
END_TEST

/* §8.16: the interval is a double all the way. Over a 0.5 s wait, 0.05 s
 * gives at most about ten attempts and the default (asked for with 0 or a
 * negative interval) at most about five; a truncated interval would poll
 * on every tick, thousands of times. A slow machine makes fewer, never
 * more. */
static int attempts_over(double interval, double timeout)
{
    ed_flock_options o = opts(interval, timeout);
    ed_flock *lock;
    flock_calls = 0;
    ck_assert_int_eq(ed_flock_acquire(g_path, LOCK_EX, &o, &lock), -ETIMEDOUT);
    return flock_calls;
}

START_TEST(test_poll_interval_fraction_and_default)
{
    struct holder h = hold_in_child(LOCK_EX);
    int n = attempts_over(0.05, 0.5);
    ck_assert_int_ge(n, 2);
    ck_assert_int_le(n, 13);
    n = attempts_over(0, 0.5);
    ck_assert_int_ge(n, 2);
    ck_assert_int_le(n, 8);
    n = attempts_over(-1, 0.5);
    ck_assert_int_ge(n, 2);
    ck_assert_int_le(n, 8);
    ck_assert_int_eq(contended_calls, 3);
    reap(&h);
    finish();
}
END_TEST

/* ---- cancellation and the rules of suspending calls --------------------- */

static int acquirer(void *arg, void **result)
{
    (void)result;
    ed_flock_options o = opts(0.01, -1);
    ed_flock *lock = (ed_flock *)arg;
    int rc = ed_flock_acquire(g_path, LOCK_EX, &o, &lock);
    if (lock)
        return -EIO;
    return rc;
}

/* A waiting acquisition cancelled: -ECANCELED, the file closed. */
START_TEST(test_cancelled_while_waiting)
{
    struct holder h = hold_in_child(LOCK_EX);
    ed_future *f = ed_async(acquirer, &h);
    ck_assert(!ed_future_done(f));
    ck_assert_int_eq(contended_calls, 1);
    ck_assert_int_eq(ed_cancel_future(f), 0);
    ck_assert_int_eq(ed_await(f, NULL), -ECANCELED);
    ed_future_release(f);
    reap(&h);
    finish();
}
END_TEST

static int cancelled_first(void *arg, void **result)
{
    (void)arg;
    (void)result;
    ed_cancel_future(ed_self());
    ed_flock *lock;
    return ed_flock_acquire(g_path, LOCK_SH, NULL, &lock);
}

/* A cancelled task gets -ECANCELED even when the lock is free. */
START_TEST(test_cancelled_task_never_locks)
{
    ed_future *f = ed_async(cancelled_first, NULL);
    ck_assert_int_eq(ed_await(f, NULL), -ECANCELED);
    ed_future_release(f);
    ck_assert_int_eq(flock_calls, 0);
    finish();
}
END_TEST

static int in_callback(ed_id id, void *data)
{
    (void)id;
    (void)data;
    ed_flock *lock;
    ck_assert_int_eq(ed_flock_acquire(g_path, LOCK_SH, NULL, &lock), -EPERM);
    ck_assert_ptr_eq(lock, NULL);
    runs[0]++;
    return 0;
}

START_TEST(test_raw_callback_eperm)
{
    ck_assert_uint_ne(ed_defer(in_callback, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(runs[0], 1);
    finish();
}
END_TEST

/* ---- within one process -------------------------------------------------- */

/* Two acquisitions in one process exclude each other (separate opens); the
 * contended callback releases the first lock, and the second gets it. */
static ed_flock *g_first;

static void release_first(const char *path, void *data)
{
    (void)path;
    (void)data;
    contended_calls++;
    ed_flock_release(g_first);
    g_first = NULL;
}

START_TEST(test_two_locks_in_one_process_exclude)
{
    ck_assert_int_eq(ed_flock_acquire(g_path, LOCK_EX, NULL, &g_first), 0);
    ed_flock_options o = {0.01, -1, release_first, NULL};
    ed_flock *second;
    ck_assert_int_eq(ed_flock_acquire(g_path, LOCK_SH, &o, &second), 0);
    ck_assert_int_eq(contended_calls, 1);
    ck_assert_ptr_eq(g_first, NULL);
    ed_flock_release(second);
    finish();
}
END_TEST

/* A missing file is created, 0666 & ~umask, and never truncated. */
START_TEST(test_creates_file_with_umask)
{
    mode_t old = umask(027);
    ed_flock *lock;
    ck_assert_int_eq(ed_flock_acquire(g_path, LOCK_EX, NULL, &lock), 0);
    umask(old);
    struct stat st;
    ck_assert_int_eq(stat(g_path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0640);
    ed_flock_release(lock);

    int fd = open(g_path, O_WRONLY);
    ck_assert_int_eq(write(fd, "data", 4), 4);
    close(fd);
    ck_assert_int_eq(ed_flock_acquire(g_path, LOCK_SH, NULL, &lock), 0);
    ck_assert_int_eq(stat(g_path, &st), 0);
    ck_assert_int_eq(st.st_size, 4);
    ed_flock_release(lock);
    finish();
}
END_TEST

/* ---- bad input ------------------------------------------------------------ */

START_TEST(test_bad_input)
{
    ed_flock *lock = (ed_flock *)&lock;
    ck_assert_int_eq(ed_flock_acquire(NULL, LOCK_EX, NULL, &lock), -EINVAL);
    ck_assert_ptr_eq(lock, NULL);
    ck_assert_int_eq(ed_flock_acquire("", LOCK_EX, NULL, &lock), -EINVAL);
    ck_assert_int_eq(ed_flock_acquire(g_path, LOCK_EX, NULL, NULL), -EINVAL);
    ck_assert_int_eq(ed_flock_acquire(g_path, 0, NULL, &lock), -EINVAL);
    ck_assert_int_eq(ed_flock_acquire(g_path, LOCK_UN, NULL, &lock), -EINVAL);
    ck_assert_int_eq(ed_flock_acquire(g_path, LOCK_SH | LOCK_EX, NULL, &lock), -EINVAL);
    ck_assert_int_eq(ed_flock_acquire(g_path, LOCK_UN | LOCK_NB, NULL, &lock), -EINVAL);
    ck_assert_int_eq(ed_flock_acquire(g_path, LOCK_NB, NULL, &lock), -EINVAL);
    ed_flock_options o = {NAN, -1, NULL, NULL};
    ck_assert_int_eq(ed_flock_acquire(g_path, LOCK_EX, &o, &lock), -EINVAL);
    o = (ed_flock_options){INFINITY, -1, NULL, NULL};
    ck_assert_int_eq(ed_flock_acquire(g_path, LOCK_EX, &o, &lock), -EINVAL);
    o = (ed_flock_options){0.1, NAN, NULL, NULL};
    ck_assert_int_eq(ed_flock_acquire(g_path, LOCK_EX, &o, &lock), -EINVAL);
    ck_assert_int_eq(access(g_path, F_OK), -1); /* nothing was created */
    ck_assert_int_eq(flock_calls, 0);

    ck_assert_int_eq(ed_flock_acquire("/nonexistent-eddy-dir/lock", LOCK_EX, NULL, &lock),
                     -ENOENT);
    ck_assert_int_eq(ed_flock_acquire("/tmp", LOCK_EX, NULL, &lock), -EISDIR);
    ck_assert_ptr_eq(lock, NULL);
    ed_flock_release(NULL); /* a no-op */
    finish();
}
END_TEST

static Suite *flock_suite(void)
{
    Suite *s = suite_create("flock");
    TCase *tc = tcase_create("flock");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_exclusive_waits_for_child);
    tcase_add_test(tc, test_shared_with_shared_at_once);
    tcase_add_test(tc, test_timeout);
    tcase_add_test(tc, test_nonblocking_one_attempt);
    tcase_add_test(tc, test_zeroed_options_wait);
    tcase_add_test(tc, test_poll_interval_fraction_and_default);
    tcase_add_test(tc, test_cancelled_while_waiting);
    tcase_add_test(tc, test_cancelled_task_never_locks);
    tcase_add_test(tc, test_raw_callback_eperm);
    tcase_add_test(tc, test_two_locks_in_one_process_exclude);
    tcase_add_test(tc, test_creates_file_with_umask);
    tcase_add_test(tc, test_bad_input);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(flock_suite)
