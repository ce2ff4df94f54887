/* The thread pool and the whole-file calls: ed_blocking, ed_blocking_with,
 * ed_pool_size, ed_file_get, ed_file_put. Results and errors, many jobs
 * from many tasks, two loops in two threads, cancellation of queued,
 * running and finished jobs (drop called once, nothing leaked), shutdown
 * with jobs in flight (workers joined), atomic replacement, and no fd or
 * thread left behind.
 *
 * Jobs that must stay busy while the test looks block on a "gate": a
 * blocking pipe the test writes to. Jobs say they started through a
 * "signal" pipe the loop side reads with ed_read. No test sleeps to wait
 * for another thread. */
#include "support.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/stat.h>

/* ---- helpers ------------------------------------------------------------ */

static int count_dir(const char *path)
{
    DIR *d = opendir(path);
    ck_assert_ptr_ne(d, NULL);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
            n++;
    closedir(d);
    return n;
}

/* Live pool workers: the threads named so (sanitizers have threads of
 * their own, so all threads would not do). */
static int count_workers(void)
{
    DIR *d = opendir("/proc/self/task");
    ck_assert_ptr_ne(d, NULL);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.')
            continue;
        char path[300], name[32] = "";
        snprintf(path, sizeof path, "/proc/self/task/%s/comm", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue; /* exited meanwhile */
        if (fgets(name, sizeof name, f) && strcmp(name, "eddy-pool\n") == 0)
            n++;
        fclose(f);
    }
    closedir(d);
    return n;
}

static int gate[2];   /* blocking: jobs wait on its read end */
static int signal_[2]; /* non-blocking: jobs say "started" on it */

static void gates_open(void)
{
    ck_assert_int_eq(pipe2(gate, O_CLOEXEC), 0);
    make_pipe(signal_);
}

static void gates_close(void)
{
    close_pair(gate);
    close_pair(signal_);
}

static void gate_release(int n)
{
    for (int i = 0; i < n; i++)
        ck_assert_int_eq(write(gate[1], "g", 1), 1);
}

/* Waits (running the loop) until n jobs said they started. */
static void await_started(int n)
{
    char c[16];
    for (int got = 0; got < n;) {
        ssize_t r = ed_read(signal_[0], c, (size_t)(n - got) < sizeof c ? (size_t)(n - got) : sizeof c, -1);
        ck_assert_int_gt(r, 0);
        got += (int)r;
    }
}

/* Says it started, waits for the gate, returns arg. */
static int gated_job(void *arg, void **result)
{
    CHECK(write(signal_[1], "s", 1) == 1);
    char c;
    CHECK(read(gate[0], &c, 1) == 1);
    *result = arg;
    return 0;
}

static int double_job(void *arg, void **result)
{
    *result = P(N(arg) * 2);
    return 0;
}

static int fail_job(void *arg, void **result)
{
    (void)arg;
    *result = P(123);
    return -EIO;
}

static pthread_t job_thread;

static int which_thread_job(void *arg, void **result)
{
    (void)arg;
    (void)result;
    job_thread = pthread_self();
    return 0;
}

/* What a drop was given, and how often it ran. */
static atomic_int drops;
static void *drop_arg, *drop_result;
static int drop_rc;
static int dropped[2]; /* drop writes a byte here, for the loop to read */

static void record_drop(void *arg, void *result, int rc)
{
    drop_arg = arg;
    drop_result = result;
    drop_rc = rc;
    atomic_fetch_add(&drops, 1);
    if (dropped[1] > 0)
        CHECK(write(dropped[1], "d", 1) == 1);
}

/* For drops that may run on several workers at once. */
static void count_drop(void *arg, void *result, int rc)
{
    (void)arg;
    (void)result;
    (void)rc;
    atomic_fetch_add(&drops, 1);
}

static void await_drop(void)
{
    char c;
    ck_assert_int_eq(ed_read(dropped[0], &c, 1, -1), 1);
}

struct call {
    ed_fn fn;
    void *arg;
    ed_drop_fn drop;
    void *result;
    int rc;
};

static int call_task(void *arg, void **result)
{
    (void)result;
    struct call *c = arg;
    c->rc = c->drop ? ed_blocking_with(c->fn, c->arg, c->drop, &c->result)
                    : ed_blocking(c->fn, c->arg, &c->result);
    return 0;
}

static void await_ok(ed_future *f)
{
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ed_future_release(f);
}

static void assert_port_idle(void)
{
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_READABLE], 1); /* the port */
    ck_assert_uint_eq(info.referenced, 0);
}

/* ---- ed_blocking --------------------------------------------------------- */

/* fn's code and value come back, to main and to a task; fn ran on another
 * thread; the idle port keeps nothing alive. */
START_TEST(test_blocking_result_and_error)
{
    void *v = NULL;
    ck_assert_int_eq(ed_blocking(double_job, P(21), &v), 0);
    ck_assert_int_eq(N(v), 42);
    v = P(7);
    ck_assert_int_eq(ed_blocking(fail_job, NULL, &v), -EIO);
    ck_assert_int_eq(N(v), 7); /* a failed job sets no result */
    ck_assert_int_eq(ed_blocking(double_job, P(1), NULL), 0);

    ck_assert_int_eq(ed_blocking(which_thread_job, NULL, NULL), 0);
    ck_assert(!pthread_equal(job_thread, pthread_self()));

    struct call c = {double_job, P(50), NULL, NULL, 1};
    await_ok(ed_async(call_task, &c));
    ck_assert_int_eq(c.rc, 0);
    ck_assert_int_eq(N(c.result), 100);

    assert_port_idle();
    ck_assert_int_eq(ed_run(), 0);
    ED_TEST_END();
}
END_TEST

static int open_gate_task(void *arg, void **result)
{
    (void)arg;
    (void)result;
    log_add(2);
    CHECK(ed_sleep(0.01) == 0);
    log_add(3);
    gate_release(1);
    return 0;
}

/* A job blocking on its worker leaves the loop free: a task on the loop
 * is what unblocks it. */
START_TEST(test_blocking_leaves_loop_running)
{
    gates_open();
    g_nlog = 0;
    log_add(1);
    ed_future *opener = ed_async(open_gate_task, NULL);
    void *v = NULL;
    ck_assert_int_eq(ed_blocking(gated_job, P(9), &v), 0);
    log_add(4);
    ck_assert_int_eq(N(v), 9);
    int want[] = {1, 2, 3, 4};
    log_expect(want, 4);
    await_ok(opener);
    gates_close();
    ED_TEST_END();
}
END_TEST

#define TASKS 20
#define JOBS_PER_TASK 10

static atomic_int running, most_running;

static int square_job(void *arg, void **result)
{
    int now = atomic_fetch_add(&running, 1) + 1;
    int most = atomic_load(&most_running);
    while (now > most && !atomic_compare_exchange_weak(&most_running, &most, now)) {
    }
    long x = (long)(intptr_t)arg;
    *result = (void *)(intptr_t)(x * x + 1);
    atomic_fetch_sub(&running, 1);
    return 0;
}

static int many_jobs_task(void *arg, void **result)
{
    (void)result;
    int base = N(arg);
    for (int i = 0; i < JOBS_PER_TASK; i++) {
        void *v;
        long x = base + i;
        int rc = ed_blocking(square_job, (void *)(intptr_t)x, &v);
        if (rc < 0)
            return rc;
        if ((long)(intptr_t)v != x * x + 1)
            return -EIO;
    }
    return 0;
}

/* 200 jobs from 20 tasks, all in flight together: each gets its own
 * result, and no more than the pool's size run at once. */
START_TEST(test_many_jobs)
{
    ck_assert_int_eq(ed_pool_size(4), 4);
    ed_future *fs[TASKS];
    for (int i = 0; i < TASKS; i++)
        fs[i] = ed_async(many_jobs_task, P(i * 1000));
    ck_assert_int_eq(ed_all(fs, TASKS, NULL), 0);
    for (int i = 0; i < TASKS; i++)
        ed_future_release(fs[i]);
    ck_assert_int_le(atomic_load(&most_running), 4);
    ck_assert_int_ge(atomic_load(&most_running), 1);
    assert_port_idle();
    ED_TEST_END();
}
END_TEST

/* ---- two loops ----------------------------------------------------------- */

struct loop_run {
    int base;
    int sum;
    pthread_t self;
    int rc;
};

static int loop_job(void *arg, void **result)
{
    *result = P(N(arg) + 1);
    return 0;
}

static int loop_task(void *arg, void **result)
{
    struct loop_run *r = arg;
    int sum = 0;
    for (int i = 0; i < 20; i++) {
        void *v;
        int rc = ed_blocking(loop_job, P(r->base + i), &v);
        if (rc < 0)
            return rc;
        if (!pthread_equal(pthread_self(), r->self))
            return -EXDEV; /* completed on another loop's thread */
        sum += N(v);
    }
    *result = P(sum);
    return 0;
}

static int loop_main(void *arg, void **result)
{
    (void)result;
    struct loop_run *r = arg;
    ed_future *fs[5];
    for (int i = 0; i < 5; i++)
        fs[i] = ed_async(loop_task, r);
    void *values[5];
    int rc = ed_all(fs, 5, values);
    for (int i = 0; i < 5; i++) {
        if (rc == 0)
            r->sum += N(values[i]);
        ed_future_release(fs[i]);
    }
    return rc;
}

static void *loop_thread(void *arg)
{
    struct loop_run *r = arg;
    r->self = pthread_self();
    r->rc = ed_main(loop_main, r, NULL);
    /* No ed_shutdown(): the thread's exit frees its loop and its port. */
    return NULL;
}

/* Two loops in two threads share the pool: every job completes on the loop
 * that submitted it; when both threads have exited the workers are gone
 * (the pool's size may be lowered again). */
START_TEST(test_two_loops)
{
    struct loop_run runs2[2] = {{0, 0, 0, 1}, {1000, 0, 0, 1}};
    pthread_t t[2];
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_create(&t[i], NULL, loop_thread, &runs2[i]), 0);
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(pthread_join(t[i], NULL), 0);
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(runs2[i].rc, 0);
        /* 5 tasks, each sum over i < 20 of base + i + 1 */
        ck_assert_int_eq(runs2[i].sum, 5 * (20 * runs2[i].base + 210));
    }
    ck_assert_int_eq(ed_pool_size(1), 1);
    ck_assert_int_eq(count_workers(), 0);
    ED_TEST_END();
}
END_TEST

/* ---- cancellation -------------------------------------------------------- */

/* Cancelling a task whose job runs: -ECANCELED at once, while the job is
 * still blocked; the job finishes later and drop gets its result. */
START_TEST(test_cancel_running_job)
{
    gates_open();
    make_pipe(dropped);
    struct call c = {gated_job, P(5), record_drop, P(77), 1};
    ed_future *f = ed_async(call_task, &c);
    await_started(1);
    ck_assert_int_eq(ed_cancel_future(f), 0);
    await_ok(f);
    ck_assert_int_eq(c.rc, -ECANCELED);
    ck_assert_int_eq(N(c.result), 77); /* untouched */
    ck_assert_int_eq(atomic_load(&drops), 0); /* the job is still at the gate */
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.referenced, 0); /* nobody waits: the loop may end */

    gate_release(1);
    await_drop();
    ck_assert_int_eq(atomic_load(&drops), 1);
    ck_assert_int_eq(drop_rc, 0);
    ck_assert_ptr_eq(drop_arg, P(5));
    ck_assert_ptr_eq(drop_result, P(5));

    /* Without drop, the result is simply dropped. */
    struct call plain = {gated_job, P(6), NULL, NULL, 1};
    f = ed_async(call_task, &plain);
    await_started(1);
    ed_cancel_future(f);
    await_ok(f);
    ck_assert_int_eq(plain.rc, -ECANCELED);
    gate_release(1);
    ED_TEST_END(); /* joins the worker once its job is done */
    gates_close();
    close_pair(dropped);
}
END_TEST

static atomic_int count_runs;

static int count_job(void *arg, void **result)
{
    (void)arg;
    (void)result;
    atomic_fetch_add(&count_runs, 1);
    return 0;
}

/* A job still queued when its caller is cancelled never runs; drop gets
 * -ECANCELED and no result. */
START_TEST(test_cancel_queued_job)
{
    ck_assert_int_eq(ed_pool_size(1), 1);
    gates_open();
    make_pipe(dropped);
    struct call a = {gated_job, P(1), NULL, NULL, 1};
    ed_future *fa = ed_async(call_task, &a);
    await_started(1); /* the only worker is taken */
    struct call b = {count_job, P(2), record_drop, NULL, 1};
    ed_future *fb = ed_async(call_task, &b);
    ed_cancel_future(fb);
    await_ok(fb);
    ck_assert_int_eq(b.rc, -ECANCELED);
    gate_release(1);
    await_drop();
    await_ok(fa);
    ck_assert_int_eq(a.rc, 0);
    ck_assert_int_eq(atomic_load(&count_runs), 0);
    ck_assert_int_eq(atomic_load(&drops), 1);
    ck_assert_int_eq(drop_rc, -ECANCELED);
    ck_assert_ptr_eq(drop_arg, P(2));
    ck_assert_ptr_eq(drop_result, NULL);
    ED_TEST_END();
    gates_close();
    close_pair(dropped);
}
END_TEST

static int plain_signal[2]; /* blocking: main waits on it without the loop */

static int second_job(void *arg, void **result)
{
    (void)arg;
    (void)result;
    CHECK(write(plain_signal[1], "2", 1) == 1);
    return 0;
}

/* Cancelled after its job finished but before the loop delivered it: the
 * call still says -ECANCELED and drop gets the result, at once. With one
 * worker, the second job starting proves the first is done; main waits
 * for that outside the loop, so nothing is delivered meanwhile. */
START_TEST(test_cancel_finished_job)
{
    ck_assert_int_eq(ed_pool_size(1), 1);
    ck_assert_int_eq(pipe2(plain_signal, O_CLOEXEC), 0);
    dropped[1] = -1;
    struct call a = {double_job, P(4), record_drop, NULL, 1};
    struct call b = {second_job, NULL, NULL, NULL, 1};
    ed_future *fa = ed_async(call_task, &a);
    ed_future *fb = ed_async(call_task, &b);
    char c;
    ck_assert_int_eq(read(plain_signal[0], &c, 1), 1);
    ed_cancel_future(fa);
    await_ok(fa);
    ck_assert_int_eq(a.rc, -ECANCELED);
    ck_assert_int_eq(atomic_load(&drops), 1);
    ck_assert_int_eq(drop_rc, 0);
    ck_assert_ptr_eq(drop_result, P(8));
    await_ok(fb);
    ck_assert_int_eq(b.rc, 0);
    close_pair(plain_signal);
    ED_TEST_END();
}
END_TEST

static int slow_job(void *arg, void **result)
{
    (void)arg;
    struct timespec ts = {0, 20 * 1000 * 1000}; /* work, not synchronisation */
    nanosleep(&ts, NULL);
    *result = P(3);
    return 0;
}

/* ed_shutdown with tasks waiting on jobs: the tasks are freed, every drop
 * has run once by the time it returns, and the workers are joined. */
START_TEST(test_shutdown_with_jobs_in_flight)
{
    struct call c[3];
    ed_future *fs[3];
    for (int i = 0; i < 3; i++) {
        c[i] = (struct call){slow_job, P(i), count_drop, NULL, 1};
        fs[i] = ed_async(call_task, &c[i]);
    }
    ck_assert_int_eq(ed_shutdown(), 0);
    ck_assert_int_eq(atomic_load(&drops), 3);
    ck_assert_int_eq(count_workers(), 0);
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(ed_future_error(fs[i]), -ECANCELED);
        ed_future_release(fs[i]);
    }
    ED_TEST_END();
}
END_TEST

static int blocking_in_callback(ed_id id, void *data)
{
    (void)id;
    (void)data;
    log_add(ed_blocking(double_job, P(1), NULL));
    log_add(ed_blocking_with(double_job, P(2), record_drop, NULL));
    log_add(drop_rc);
    char *buf = NULL;
    log_add(ed_file_get("/dev/null", &buf, NULL));
    log_add(ed_file_put("/nonexistent-dir/x", "x", 1));
    return 0;
}

/* A raw callback cannot wait: -EPERM, and drop still gets its arg. fn NULL
 * is -EINVAL, also handing arg to drop. */
START_TEST(test_blocking_eperm_einval)
{
    dropped[1] = -1;
    g_nlog = 0;
    ck_assert_uint_ne(ed_defer(blocking_in_callback, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    int want[] = {-EPERM, -EPERM, -EPERM, -EPERM, -EPERM};
    log_expect(want, 5);
    ck_assert_int_eq(atomic_load(&drops), 1);
    ck_assert_ptr_eq(drop_arg, P(2));

    ck_assert_int_eq(ed_blocking(NULL, NULL, NULL), -EINVAL);
    ck_assert_int_eq(ed_blocking_with(NULL, P(3), record_drop, NULL), -EINVAL);
    ck_assert_int_eq(atomic_load(&drops), 2);
    ck_assert_ptr_eq(drop_arg, P(3));
    ck_assert_int_eq(drop_rc, -EINVAL);

    /* A failing fn hands its arg and result to drop too. */
    ck_assert_int_eq(ed_blocking_with(fail_job, P(4), record_drop, NULL), -EIO);
    ck_assert_int_eq(atomic_load(&drops), 3);
    ck_assert_ptr_eq(drop_result, P(123));
    ck_assert_int_eq(drop_rc, -EIO);
    ED_TEST_END();
}
END_TEST

/* Lowered only while no more threads run; raised at any time. */
START_TEST(test_pool_size)
{
    ck_assert_int_ge(ed_pool_size(0), 4);
    ck_assert_int_eq(ed_pool_size(1025), -EINVAL);
    ck_assert_int_eq(ed_pool_size(2), 2);
    ck_assert_int_eq(ed_pool_size(0), 2);
    gates_open();
    struct call c[2];
    ed_future *fs[2];
    for (int i = 0; i < 2; i++) {
        c[i] = (struct call){gated_job, P(i), NULL, NULL, 1};
        fs[i] = ed_async(call_task, &c[i]);
    }
    await_started(2); /* two workers run */
    ck_assert_int_eq(ed_pool_size(1), -EBUSY);
    ck_assert_int_eq(ed_pool_size(3), 3);
    gate_release(2);
    for (int i = 0; i < 2; i++)
        await_ok(fs[i]);
    ck_assert_int_eq(ed_shutdown(), 0); /* the last loop: workers joined */
    ck_assert_int_eq(ed_pool_size(1), 1);
    gates_close();
    ED_TEST_END();
}
END_TEST

/* ---- files --------------------------------------------------------------- */

static char dir[64];

static void dir_make(void)
{
    snprintf(dir, sizeof dir, "/tmp/eddy-test-XXXXXX");
    ck_assert_ptr_ne(mkdtemp(dir), NULL);
}

static void dir_remove(void)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_ne(d, NULL);
    char path[sizeof dir + 256 + 2];
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (unlink(path) < 0)
            rmdir(path);
    }
    closedir(d);
    ck_assert_int_eq(rmdir(dir), 0);
}

static char *in_dir(const char *name)
{
    static char path[4][256];
    static int next;
    char *p = path[next++ % 4];
    snprintf(p, sizeof path[0], "%s/%s", dir, name);
    return p;
}

struct file_op {
    const char *path;
    const char *data;
    size_t len;
    char *got;
    size_t got_len;
    int put_rc, get_rc;
};

static int roundtrip_task(void *arg, void **result)
{
    (void)result;
    struct file_op *op = arg;
    op->put_rc = ed_file_put(op->path, op->data, op->len);
    op->get_rc = ed_file_get(op->path, &op->got, &op->got_len);
    return 0;
}

/* What ed_file_put wrote, ed_file_get reads back: binary, empty, large;
 * from main and from a task. */
START_TEST(test_file_roundtrip)
{
    dir_make();
    size_t big = 3 * 1024 * 1024 + 17;
    char *data = malloc(big);
    ck_assert_ptr_ne(data, NULL);
    for (size_t i = 0; i < big; i++)
        data[i] = (char)(i * 31 + i / 4099); /* zeros included */
    ck_assert_int_eq(ed_file_put(in_dir("big"), data, big), 0);
    char *got = NULL;
    size_t len = 0;
    ck_assert_int_eq(ed_file_get(in_dir("big"), &got, &len), 0);
    ck_assert_uint_eq(len, big);
    ck_assert_int_eq(memcmp(got, data, big), 0);
    ck_assert_int_eq(got[len], '\0');
    free(got);

    ck_assert_int_eq(ed_file_put(in_dir("empty"), NULL, 0), 0);
    got = NULL;
    ck_assert_int_eq(ed_file_get(in_dir("empty"), &got, NULL), 0);
    ck_assert_ptr_ne(got, NULL);
    ck_assert_str_eq(got, "");
    free(got);

    struct file_op op = {in_dir("task"), "from a task", 11, NULL, 0, 1, 1};
    await_ok(ed_async(roundtrip_task, &op));
    ck_assert_int_eq(op.put_rc, 0);
    ck_assert_int_eq(op.get_rc, 0);
    ck_assert_uint_eq(op.got_len, 11);
    ck_assert_str_eq(op.got, "from a task");
    free(op.got);

    /* Files whose size stat does not know: read to their end. */
    got = NULL;
    ck_assert_int_eq(ed_file_get("/proc/self/status", &got, &len), 0);
    ck_assert_uint_gt(len, 0);
    ck_assert_uint_eq(strlen(got), len);
    free(got);

    ck_assert_int_eq(count_dir(dir), 3); /* no temporary file left */
    free(data);
    dir_remove();
    ED_TEST_END();
}
END_TEST

/* The target is replaced by a new file (a hard link to the old one keeps
 * the old content: never written in place), keeps its permission bits, and
 * no temporary file is left. A new file gets 0666 & ~umask. */
START_TEST(test_file_put_replaces_atomically)
{
    dir_make();
    umask(022);
    const char *target = in_dir("target");
    int fd = open(target, O_WRONLY | O_CREAT | O_EXCL, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, "old content", 11), 11);
    close(fd);
    ck_assert_int_eq(link(target, in_dir("old-link")), 0);

    ck_assert_int_eq(ed_file_put(target, "new", 3), 0);
    char *got = NULL;
    ck_assert_int_eq(ed_file_get(target, &got, NULL), 0);
    ck_assert_str_eq(got, "new");
    free(got);
    ck_assert_int_eq(ed_file_get(in_dir("old-link"), &got, NULL), 0);
    ck_assert_str_eq(got, "old content");
    free(got);
    struct stat st;
    ck_assert_int_eq(stat(target, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    ck_assert_int_eq(count_dir(dir), 2);

    ck_assert_int_eq(ed_file_put(in_dir("fresh"), "x", 1), 0);
    ck_assert_int_eq(stat(in_dir("fresh"), &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0644);
    ck_assert_int_eq(count_dir(dir), 3);
    dir_remove();
    ED_TEST_END();
}
END_TEST

START_TEST(test_file_errors)
{
    dir_make();
    char *got = (char *)"untouched";
    size_t len = 99;
    ck_assert_int_eq(ed_file_get(in_dir("missing"), &got, &len), -ENOENT);
    ck_assert_str_eq(got, "untouched");
    ck_assert_uint_eq(len, 99);
    ck_assert_int_eq(ed_file_get(dir, &got, &len), -EISDIR);

    ck_assert_int_eq(ed_file_put(in_dir("no-such-dir/file"), "x", 1), -ENOENT);
    ck_assert_int_eq(mkdir(in_dir("sub"), 0700), 0);
    ck_assert_int_eq(ed_file_put(in_dir("sub"), "x", 1), -EISDIR);
    ck_assert_int_eq(ed_file_put(in_dir("plain"), "x", 1), 0);
    ck_assert_int_eq(ed_file_put(in_dir("plain/file"), "x", 1), -ENOTDIR);

    /* A directory we may not write to: root may write anywhere on a normal
     * filesystem, so it gets one of the kernel's own. */
    if (geteuid() != 0) {
        ck_assert_int_eq(mkdir(in_dir("locked"), 0500), 0);
        ck_assert_int_eq(ed_file_put(in_dir("locked/file"), "x", 1), -EACCES);
        ck_assert_int_eq(count_dir(in_dir("locked")), 0);
        chmod(in_dir("locked"), 0700);
    } else {
        int rc = ed_file_put("/sys/eddy-test-file", "x", 1);
        ck_assert_msg(rc == -EACCES || rc == -EROFS || rc == -EPERM, "rc = %d", rc);
    }
    ck_assert_int_eq(count_dir(in_dir("sub")), 0);
    ck_assert_int_eq(count_dir(dir), 2 + (geteuid() != 0)); /* sub, plain: no temporaries */

    ck_assert_int_eq(ed_file_get(NULL, &got, &len), -EINVAL);
    ck_assert_int_eq(ed_file_get("", &got, &len), -EINVAL);
    ck_assert_int_eq(ed_file_get(in_dir("plain"), NULL, &len), -EINVAL);
    ck_assert_int_eq(ed_file_put(NULL, "x", 1), -EINVAL);
    ck_assert_int_eq(ed_file_put("", "x", 1), -EINVAL);
    ck_assert_int_eq(ed_file_put(in_dir("plain"), NULL, 1), -EINVAL);
    dir_remove();
    ED_TEST_END();
}
END_TEST

/* Cancelled file calls leave no temporary file, no leak, and the target
 * either untouched or wholly replaced (a job already running completes). */
START_TEST(test_file_cancel)
{
    dir_make();
    size_t big = 8 * 1024 * 1024;
    char *data = calloc(1, big);
    ck_assert_ptr_ne(data, NULL);
    ck_assert_int_eq(ed_file_put(in_dir("src"), "source", 6), 0);
    struct file_op put = {in_dir("target"), data, big, NULL, 0, 1, 1};
    ed_future *f = ed_async(roundtrip_task, &put);
    ck_assert(!ed_future_done(f));
    ed_cancel_future(f);
    await_ok(f);
    ck_assert_int_eq(put.put_rc, -ECANCELED);
    ck_assert_int_eq(put.get_rc, -ECANCELED);
    ck_assert_ptr_eq(put.got, NULL);
    ck_assert_int_eq(ed_shutdown(), 0); /* waits for the running job */
    struct stat st;
    if (stat(in_dir("target"), &st) == 0)
        ck_assert_int_eq(st.st_size, (off_t)big);
    ck_assert_int_le(count_dir(dir), 2);
    free(data);
    dir_remove();
    ED_TEST_END();
}
END_TEST

/* Everything above, once more, and then nothing is left open or running. */
START_TEST(test_no_fd_or_thread_left)
{
    int fds_before = open_fd_count();
    dir_make();
    for (int i = 0; i < 20; i++) {
        char *got = NULL;
        ck_assert_int_eq(ed_file_put(in_dir("f"), "abc", 3), 0);
        ck_assert_int_eq(ed_file_get(in_dir("f"), &got, NULL), 0);
        free(got);
        ck_assert_int_eq(ed_file_get(in_dir("missing"), &got, NULL), -ENOENT);
        ck_assert_int_eq(ed_file_put(in_dir("missing/x"), "abc", 3), -ENOENT);
        ck_assert_int_eq(ed_blocking(double_job, P(i), NULL), 0);
    }
    ck_assert_int_gt(count_workers(), 0);
    dir_remove();
    ck_assert_int_eq(ed_shutdown(), 0);
    ck_assert_int_eq(open_fd_count(), fds_before);
    ck_assert_int_eq(count_workers(), 0);
    ED_TEST_END();
}
END_TEST

/* ---- suite -------------------------------------------------------------- */

static Suite *pool_suite(void)
{
    Suite *s = suite_create("pool");
    TCase *tc = tcase_create("pool");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_blocking_result_and_error);
    tcase_add_test(tc, test_blocking_leaves_loop_running);
    tcase_add_test(tc, test_many_jobs);
    tcase_add_test(tc, test_two_loops);
    tcase_add_test(tc, test_cancel_running_job);
    tcase_add_test(tc, test_cancel_queued_job);
    tcase_add_test(tc, test_cancel_finished_job);
    tcase_add_test(tc, test_shutdown_with_jobs_in_flight);
    tcase_add_test(tc, test_blocking_eperm_einval);
    tcase_add_test(tc, test_pool_size);
    tcase_add_test(tc, test_file_roundtrip);
    tcase_add_test(tc, test_file_put_replaces_atomically);
    tcase_add_test(tc, test_file_errors);
    tcase_add_test(tc, test_file_cancel);
    tcase_add_test(tc, test_no_fd_or_thread_left);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(pool_suite)
