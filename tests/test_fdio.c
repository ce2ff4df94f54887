/* Awaitable fd I/O: ed_read, ed_write, ed_wait_readable, ed_wait_writable.
 * Over socketpairs and pipes with tiny buffers (partial reads and writes),
 * end of file, broken pipes without SIGPIPE, timeouts, cancellation (no
 * watcher left behind), calls from main and from raw callbacks, and bad
 * arguments. */
#include "support.h"

#include <math.h>
#include <signal.h>
#include <stdint.h>

/* ---- helpers ------------------------------------------------------------ */

/* Watchers of the kinds an I/O wait makes: none may outlive the call. */
static size_t io_watchers(void)
{
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    size_t n = 0;
    int types[] = {ED_WATCHER_READABLE, ED_WATCHER_WRITABLE, ED_WATCHER_DELAY};
    for (int i = 0; i < 3; i++)
        n += info.enabled[types[i]] + info.disabled[types[i]];
    return n;
}

/* The smallest socket buffers the kernel grants, so that a large write
 * takes many partial writes and waits. */
static void small_buffers(int sv[2])
{
    int size = 1024;
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(setsockopt(sv[i], SOL_SOCKET, SO_SNDBUF, &size, sizeof size), 0);
        ck_assert_int_eq(setsockopt(sv[i], SOL_SOCKET, SO_RCVBUF, &size, sizeof size), 0);
    }
}

/* Fills a non-blocking fd until the kernel refuses more. */
static void fill(int fd)
{
    char junk[4096] = {0};
    while (write(fd, junk, sizeof junk) > 0) {
    }
    ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
}

static unsigned char pattern(size_t i)
{
    return (unsigned char)(i * 7 + i / 251);
}

/* A SIGPIPE would end the test process: make sure its default action is in
 * force, so that surviving proves eddy kept it away. */
static void default_sigpipe(void)
{
    signal(SIGPIPE, SIG_DFL);
    sigset_t none;
    sigemptyset(&none);
    pthread_sigmask(SIG_SETMASK, &none, NULL);
}

static bool sigpipe_pending(void)
{
    sigset_t pending;
    sigpending(&pending);
    return sigismember(&pending, SIGPIPE);
}

struct io_op {
    int fd;
    char *buf;
    size_t n;
    double timeout;
    ssize_t rc;
};

static int read_task(void *arg, void **result)
{
    (void)result;
    struct io_op *op = arg;
    op->rc = ed_read(op->fd, op->buf, op->n, op->timeout);
    return 0;
}

static int write_task(void *arg, void **result)
{
    (void)result;
    struct io_op *op = arg;
    op->rc = ed_write(op->fd, op->buf, op->n, op->timeout);
    return 0;
}

static int wait_readable_task(void *arg, void **result)
{
    (void)result;
    struct io_op *op = arg;
    op->rc = ed_wait_readable(op->fd, op->timeout);
    return 0;
}

static int wait_writable_task(void *arg, void **result)
{
    (void)result;
    struct io_op *op = arg;
    op->rc = ed_wait_writable(op->fd, op->timeout);
    return 0;
}

static void await_ok(ed_future *f)
{
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ed_future_release(f);
}

/* ---- reading and writing ------------------------------------------------ */

/* Data already there is read without a trip through the loop: the task has
 * finished when ed_async returns, and no watcher was ever made. */
START_TEST(test_read_ready_does_not_suspend)
{
    int sv[2];
    make_socketpair(sv);
    ck_assert_int_eq(write(sv[1], "hello", 5), 5);
    char buf[16];
    struct io_op op = {sv[0], buf, sizeof buf, -1, 0};
    ed_future *f = ed_async(read_task, &op);
    ck_assert_ptr_ne(f, NULL);
    ck_assert(ed_future_done(f));
    ck_assert_int_eq(op.rc, 5);
    ck_assert_int_eq(memcmp(buf, "hello", 5), 0);
    ck_assert_uint_eq(io_watchers(), 0);
    await_ok(f);

    /* Writing into room is as direct. */
    op = (struct io_op){sv[1], "world", 5, -1, 0};
    f = ed_async(write_task, &op);
    ck_assert(ed_future_done(f));
    ck_assert_int_eq(op.rc, 5);
    await_ok(f);
    ck_assert_uint_eq(io_watchers(), 0);
    close_pair(sv);
    ED_TEST_END();
}
END_TEST

static int delayed_write_cb(ed_id id, void *data)
{
    (void)id;
    log_add(2);
    CHECK(write(*(int *)data, "ping", 4) == 4);
    return 0;
}

/* A reader waits; the data arrives later; the reader resumes with it. */
START_TEST(test_read_waits_for_data)
{
    int sv[2];
    make_socketpair(sv);
    g_nlog = 0;
    char buf[16];
    struct io_op op = {sv[0], buf, sizeof buf, -1, 0};
    log_add(1);
    ed_future *f = ed_async(read_task, &op);
    ck_assert(!ed_future_done(f));
    ck_assert_uint_ne(ed_delay(0.01, delayed_write_cb, &sv[1]), 0);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    log_add(3);
    ck_assert_int_eq(op.rc, 4);
    ck_assert_int_eq(memcmp(buf, "ping", 4), 0);
    int want[] = {1, 2, 3};
    log_expect(want, 3);
    ed_future_release(f);
    ck_assert_uint_eq(io_watchers(), 0);
    ck_assert_int_eq(ed_run(), 0);
    close_pair(sv);
    ED_TEST_END();
}
END_TEST

/* End of file is 0, for a socket whose peer closed and a pipe whose writer
 * closed, also when it comes while the reader waits. */
START_TEST(test_read_eof)
{
    int sv[2], p[2];
    make_socketpair(sv);
    make_pipe(p);
    char buf[8];
    close(sv[1]);
    close(p[1]);
    ck_assert_int_eq(ed_read(sv[0], buf, sizeof buf, -1), 0);
    ck_assert_int_eq(ed_read(p[0], buf, sizeof buf, -1), 0);
    close(sv[0]);
    close(p[0]);

    make_socketpair(sv);
    struct io_op op = {sv[0], buf, sizeof buf, -1, 99};
    ed_future *f = ed_async(read_task, &op);
    ck_assert(!ed_future_done(f));
    close(sv[1]);
    await_ok(f);
    ck_assert_int_eq(op.rc, 0);
    close(sv[0]);
    ck_assert_uint_eq(io_watchers(), 0);
    ED_TEST_END();
}
END_TEST

#define BIG (1024 * 1024)

struct stream {
    int fd;
    size_t chunk;
    size_t got;
    ssize_t rc;
    bool ok;
    int reads;
};

static int stream_reader(void *arg, void **result)
{
    (void)result;
    struct stream *s = arg;
    char *buf = malloc(s->chunk);
    s->ok = buf != NULL;
    for (;;) {
        ssize_t n = ed_read(s->fd, buf, s->chunk, -1);
        if (n <= 0) {
            s->rc = n;
            break;
        }
        s->reads++;
        for (ssize_t i = 0; i < n; i++)
            if ((unsigned char)buf[i] != pattern(s->got + (size_t)i))
                s->ok = false;
        s->got += (size_t)n;
    }
    free(buf);
    return 0;
}

static int stream_writer(void *arg, void **result)
{
    (void)result;
    struct io_op *op = arg;
    op->rc = ed_write(op->fd, op->buf, op->n, -1);
    close(op->fd); /* the reader's end of file */
    return 0;
}

/* One task writes 1 MiB through a tiny buffer while another reads it in
 * small pieces: every byte arrives once, in order, in many partial
 * transfers, with only two fds and no busy loop. */
static void transfer(int rfd, int wfd)
{
    char *data = malloc(BIG);
    ck_assert_ptr_ne(data, NULL);
    for (size_t i = 0; i < BIG; i++)
        data[i] = (char)pattern(i);
    struct stream s = {rfd, 1000, 0, -1, false, 0};
    struct io_op w = {wfd, data, BIG, -1, 0};
    ed_future *r = ed_async(stream_reader, &s);
    ed_future *wr = ed_async(stream_writer, &w);
    ck_assert(!ed_future_done(wr)); /* the buffer cannot take 1 MiB at once */
    await_ok(wr);
    await_ok(r);
    ck_assert_int_eq(w.rc, BIG);
    ck_assert_int_eq(s.rc, 0);
    ck_assert_uint_eq(s.got, BIG);
    ck_assert(s.ok);
    ck_assert_int_gt(s.reads, BIG / 1000 - 1);
    ck_assert_uint_eq(io_watchers(), 0);
    free(data);
}

START_TEST(test_transfer_socketpair)
{
    int sv[2];
    make_socketpair(sv);
    small_buffers(sv);
    transfer(sv[0], sv[1]);
    close(sv[0]);
    ED_TEST_END();
}
END_TEST

START_TEST(test_transfer_pipe)
{
    int p[2];
    make_pipe(p);
    fcntl(p[1], F_SETPIPE_SZ, 4096); /* the smallest pipe: one page */
    transfer(p[0], p[1]);
    close(p[0]);
    ED_TEST_END();
}
END_TEST

/* ---- broken pipes -------------------------------------------------------- */

/* Writing to a socket whose peer is gone is -EPIPE, and the process lives
 * on with SIGPIPE at its default (fatal) action. */
START_TEST(test_write_epipe_socket)
{
    default_sigpipe();
    int sv[2];
    make_socketpair(sv);
    close(sv[1]);
    ck_assert_int_eq(ed_write(sv[0], "x", 1, -1), -EPIPE);
    ck_assert(!sigpipe_pending());
    close(sv[0]);
    ED_TEST_END();
}
END_TEST

/* The same for a pipe (write(2), no MSG_NOSIGNAL there): the signal the
 * kernel raises is taken back, not left pending, and the thread's signal
 * mask is as it was. */
START_TEST(test_write_epipe_pipe)
{
    default_sigpipe();
    int p[2];
    make_pipe(p);
    close(p[0]);
    ck_assert_int_eq(ed_write(p[1], "x", 1, -1), -EPIPE);
    ck_assert(!sigpipe_pending());
    sigset_t mask;
    pthread_sigmask(SIG_SETMASK, NULL, &mask);
    ck_assert(!sigismember(&mask, SIGPIPE));
    close(p[1]);
    ED_TEST_END();
}
END_TEST

static int close_fd_cb(ed_id id, void *data)
{
    (void)id;
    close(*(int *)data);
    return 0;
}

/* A writer waiting on a full pipe or socket learns of the reader's close:
 * it wakes and gets -EPIPE. */
START_TEST(test_write_epipe_while_waiting)
{
    default_sigpipe();
    int p[2], sv[2];
    make_pipe(p);
    make_socketpair(sv);
    int fds[2][2] = {{p[0], p[1]}, {sv[0], sv[1]}};
    for (int i = 0; i < 2; i++) {
        fill(fds[i][1]);
        struct io_op op = {fds[i][1], "more", 4, -1, 0};
        ed_future *f = ed_async(write_task, &op);
        ck_assert(!ed_future_done(f));
        ck_assert_uint_ne(ed_delay(0.01, close_fd_cb, &fds[i][0]), 0);
        await_ok(f);
        ck_assert_int_eq(op.rc, -EPIPE);
        ck_assert(!sigpipe_pending());
        close(fds[i][1]);
        ck_assert_uint_eq(io_watchers(), 0);
    }
    ED_TEST_END();
}
END_TEST

/* ---- timeouts ------------------------------------------------------------ */

/* An expired timeout is -ETIMEDOUT, for each call, and leaves no watcher.
 * One pair stays empty (nothing to read), the other full (no room). */
START_TEST(test_timeouts)
{
    int empty[2], full[2];
    make_socketpair(empty);
    make_socketpair(full);
    small_buffers(full);
    fill(full[1]);
    char buf[8];
    ck_assert_int_eq(ed_read(empty[0], buf, sizeof buf, 0.02), -ETIMEDOUT);
    ck_assert_int_eq(ed_wait_readable(empty[0], 0.02), -ETIMEDOUT);
    ck_assert_int_eq(ed_write(full[1], "x", 1, 0.02), -ETIMEDOUT);
    ck_assert_int_eq(ed_wait_writable(full[1], 0.02), -ETIMEDOUT);
    ck_assert_uint_eq(io_watchers(), 0);

    /* From tasks, several at once: each times out on its own. */
    struct io_op ops[4] = {
        {empty[0], buf, sizeof buf, 0.01, 0},
        {empty[0], NULL, 0, 0.02, 0},
        {full[1], "x", 1, 0.03, 0},
        {full[1], NULL, 0, 0.04, 0},
    };
    ed_fn bodies[4] = {read_task, wait_readable_task, write_task, wait_writable_task};
    ed_future *fs[4];
    for (int i = 0; i < 4; i++)
        fs[i] = ed_async(bodies[i], &ops[i]);
    ck_assert_int_eq(ed_all(fs, 4, NULL), 0);
    for (int i = 0; i < 4; i++) {
        ck_assert_int_eq(ops[i].rc, -ETIMEDOUT);
        ed_future_release(fs[i]);
    }
    ck_assert_uint_eq(io_watchers(), 0);
    close_pair(empty);
    close_pair(full);
    ED_TEST_END();
}
END_TEST

/* Timeout 0: only what is possible now, never a suspension. */
START_TEST(test_timeout_zero)
{
    int sv[2];
    make_socketpair(sv);
    char buf[8];
    struct io_op op = {sv[0], buf, sizeof buf, 0, 0};
    ed_future *f = ed_async(read_task, &op);
    ck_assert(ed_future_done(f));
    ck_assert_int_eq(op.rc, -ETIMEDOUT);
    await_ok(f);
    op = (struct io_op){sv[0], NULL, 0, 0, 0};
    f = ed_async(wait_readable_task, &op);
    ck_assert(ed_future_done(f));
    ck_assert_int_eq(op.rc, -ETIMEDOUT);
    await_ok(f);

    ck_assert_int_eq(ed_wait_writable(sv[1], 0), 0);
    ck_assert_int_eq(ed_write(sv[1], "abc", 3, 0), 3);
    ck_assert_int_eq(ed_wait_readable(sv[0], 0), 0);
    ck_assert_int_eq(ed_read(sv[0], buf, sizeof buf, 0), 3);

    small_buffers(sv);
    fill(sv[1]);
    ck_assert_int_eq(ed_write(sv[1], "x", 1, 0), -ETIMEDOUT);
    ck_assert_int_eq(ed_wait_writable(sv[1], 0), -ETIMEDOUT);
    ck_assert_uint_eq(io_watchers(), 0);
    close_pair(sv);
    ED_TEST_END();
}
END_TEST

/* A timeout bounds the whole call: a write that makes progress now and
 * then still ends when the time is up. A reader drains 512 bytes per
 * 10 ms, far too slowly for 1 MiB within 0.1 s. */
static int trickle_cb(ed_id id, void *data)
{
    (void)id;
    char c[512];
    CHECK(read(*(int *)data, c, sizeof c) > 0 || errno == EAGAIN);
    return 0;
}

START_TEST(test_write_timeout_bounds_the_call)
{
    int sv[2];
    make_socketpair(sv);
    small_buffers(sv);
    char *data = calloc(1, BIG);
    ck_assert_ptr_ne(data, NULL);
    ed_id trickle = ed_repeat(0.01, trickle_cb, &sv[0]);
    ck_assert_int_eq(ed_write(sv[1], data, BIG, 0.1), -ETIMEDOUT);
    ed_cancel(trickle);
    ck_assert_uint_eq(io_watchers(), 0);
    free(data);
    close_pair(sv);
    ED_TEST_END();
}
END_TEST

/* ---- cancellation -------------------------------------------------------- */

/* A task blocked in any of the four calls and cancelled gets -ECANCELED,
 * and leaves neither an fd watcher nor a timer behind. */
START_TEST(test_cancel_each_call)
{
    int empty[2], full[2];
    make_socketpair(empty);
    make_socketpair(full);
    small_buffers(full);
    fill(full[1]);
    char buf[8];
    ed_fn bodies[4] = {read_task, wait_readable_task, write_task, wait_writable_task};
    for (int i = 0; i < 4; i++) {
        for (int with_timeout = 0; with_timeout < 2; with_timeout++) {
            struct io_op op = {i < 2 ? empty[0] : full[1], i == 0 ? buf : "x",
                               i == 0 ? sizeof buf : 1, with_timeout ? 60 : -1, 0};
            ed_future *f = ed_async(bodies[i], &op);
            ck_assert(!ed_future_done(f));
            ck_assert_uint_gt(io_watchers(), 0);
            ck_assert_int_eq(ed_cancel_future(f), 0);
            await_ok(f);
            ck_assert_int_eq(op.rc, -ECANCELED);
            ck_assert_uint_eq(io_watchers(), 0);
        }
    }
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.referenced, 0);
    ck_assert_int_eq(ed_run(), 0);
    close_pair(empty);
    close_pair(full);
    ED_TEST_END();
}
END_TEST

static int cancel_self_then_read(void *arg, void **result)
{
    (void)result;
    struct io_op *op = arg;
    ed_cancel_future(ed_self());
    op->rc = ed_read(op->fd, op->buf, op->n, -1);
    return 0;
}

/* A cancelled task gets -ECANCELED even where data is waiting, so a read
 * loop over a fast stream still ends. */
START_TEST(test_cancelled_task_reads_nothing)
{
    int sv[2];
    make_socketpair(sv);
    ck_assert_int_eq(write(sv[1], "data", 4), 4);
    char buf[8];
    struct io_op op = {sv[0], buf, sizeof buf, -1, 0};
    await_ok(ed_async(cancel_self_then_read, &op));
    ck_assert_int_eq(op.rc, -ECANCELED);
    ck_assert_int_eq(ed_read(sv[0], buf, sizeof buf, -1), 4); /* still there */
    close_pair(sv);
    ED_TEST_END();
}
END_TEST

/* A task freed by ed_shutdown while it waits leaves nothing behind. */
START_TEST(test_shutdown_while_waiting)
{
    int sv[2];
    make_socketpair(sv);
    char buf[8];
    struct io_op op = {sv[0], buf, sizeof buf, 30, 0};
    ed_future *f = ed_async(read_task, &op);
    ck_assert(!ed_future_done(f));
    ck_assert_int_eq(ed_shutdown(), 0);
    ck_assert_int_eq(ed_future_error(f), -ECANCELED);
    ed_future_release(f);
    close_pair(sv);
    ED_TEST_END();
}
END_TEST

/* ---- where they may be called --------------------------------------------- */

/* From main, a wait runs the loop: other tasks and callbacks go on. */
START_TEST(test_from_main)
{
    int sv[2];
    make_socketpair(sv);
    g_nlog = 0;
    ck_assert_uint_ne(ed_delay(0.01, delayed_write_cb, &sv[1]), 0);
    log_add(1);
    ck_assert_int_eq(ed_wait_readable(sv[0], -1), 0);
    log_add(3);
    char buf[8];
    ck_assert_int_eq(ed_read(sv[0], buf, sizeof buf, -1), 4);
    int want[] = {1, 2, 3};
    log_expect(want, 3);

    /* A blocked main write completes once a task drains the socket. */
    small_buffers(sv);
    fill(sv[1]);
    struct stream s = {sv[0], 4096, 0, -1, true, 0};
    ed_future *r = ed_async(stream_reader, &s);
    ck_assert_int_eq(ed_write(sv[1], "tail", 4, -1), 4);
    close(sv[1]);
    await_ok(r);
    ck_assert_int_eq(s.rc, 0);
    ck_assert_uint_gt(s.got, 4);
    close(sv[0]);
    ck_assert_uint_eq(io_watchers(), 0);
    ED_TEST_END();
}
END_TEST

static int eperm_cb(ed_id id, void *data)
{
    (void)id;
    int *fds = data;
    char buf[4];
    log_add((int)ed_read(fds[0], buf, sizeof buf, -1));
    log_add((int)ed_write(fds[1], "x", 1, -1));
    log_add(ed_wait_readable(fds[0], -1));
    log_add(ed_wait_writable(fds[1], -1));
    log_add((int)ed_read(fds[0], buf, sizeof buf, 0));
    return 0;
}

/* A raw callback cannot suspend: every call is -EPERM, even one that
 * could have completed at once, and nothing is read or written. */
START_TEST(test_from_callback_eperm)
{
    int sv[2];
    make_socketpair(sv);
    ck_assert_int_eq(write(sv[1], "abc", 3), 3);
    g_nlog = 0;
    ck_assert_uint_ne(ed_defer(eperm_cb, sv), 0);
    ck_assert_int_eq(ed_run(), 0);
    int want[] = {-EPERM, -EPERM, -EPERM, -EPERM, -EPERM};
    log_expect(want, 5);
    char buf[8];
    ck_assert_int_eq(read(sv[0], buf, sizeof buf), 3);
    ck_assert_int_eq(read(sv[1], buf, sizeof buf), -1);
    close_pair(sv);
    ED_TEST_END();
}
END_TEST

/* ---- bad arguments ------------------------------------------------------- */

START_TEST(test_bad_arguments)
{
    int sv[2];
    make_socketpair(sv);
    char buf[8];
    ck_assert_int_eq(ed_read(-1, buf, sizeof buf, -1), -EBADF);
    ck_assert_int_eq(ed_write(-1, "x", 1, -1), -EBADF);
    ck_assert_int_eq(ed_wait_readable(-1, -1), -EBADF);
    ck_assert_int_eq(ed_wait_writable(-1, -1), -EBADF);
    ck_assert_int_eq(ed_read(sv[0], NULL, 8, -1), -EINVAL);
    ck_assert_int_eq(ed_read(sv[0], buf, 0, -1), -EINVAL);
    ck_assert_int_eq(ed_write(sv[1], NULL, 1, -1), -EINVAL);
    ck_assert_int_eq(ed_read(sv[0], buf, sizeof buf, NAN), -EINVAL);
    ck_assert_int_eq(ed_write(sv[1], "x", 1, NAN), -EINVAL);
    ck_assert_int_eq(ed_wait_readable(sv[0], NAN), -EINVAL);
    ck_assert_int_eq(ed_wait_writable(sv[1], NAN), -EINVAL);
    ck_assert_int_eq(ed_write(sv[1], NULL, 0, -1), 0);
    ck_assert_int_eq(ed_write(sv[1], "x", SIZE_MAX, -1), -EINVAL);

    /* A closed fd: the syscall or the readiness check says so at once,
     * instead of a watcher that would never fire. */
    int closed = sv[0];
    close(sv[0]);
    ck_assert_int_eq(ed_read(closed, buf, sizeof buf, -1), -EBADF);
    ck_assert_int_eq(ed_write(closed, "x", 1, -1), -EBADF);
    ck_assert_int_eq(ed_wait_readable(closed, -1), -EBADF);
    ck_assert_int_eq(ed_wait_writable(closed, -1), -EBADF);

    /* Wrong direction: reading a pipe's write end. */
    int p[2];
    make_pipe(p);
    ck_assert_int_eq(ed_read(p[1], buf, sizeof buf, -1), -EBADF);
    ck_assert_int_eq(ed_write(p[0], "x", 1, -1), -EBADF);
    close_pair(p);
    close(sv[1]);
    ck_assert_uint_eq(io_watchers(), 0);
    ED_TEST_END();
}
END_TEST

/* ---- many at once -------------------------------------------------------- */

#define PAIRS 32

struct echo {
    int fd;
    int rounds;
    int done;
};

static int echo_server(void *arg, void **result)
{
    (void)result;
    struct echo *e = arg;
    char buf[64];
    ssize_t n;
    while ((n = ed_read(e->fd, buf, sizeof buf, -1)) > 0)
        if (ed_write(e->fd, buf, (size_t)n, -1) != n)
            return -EIO;
    return (int)n;
}

static int echo_client(void *arg, void **result)
{
    (void)result;
    struct echo *e = arg;
    for (int i = 0; i < e->rounds; i++) {
        char msg[32], back[32];
        int len = snprintf(msg, sizeof msg, "%d:%d", e->fd, i);
        if (ed_write(e->fd, msg, (size_t)len, -1) != len)
            return -EIO;
        size_t got = 0;
        while (got < (size_t)len) {
            ssize_t n = ed_read(e->fd, back + got, sizeof back - got, -1);
            if (n <= 0)
                return -EIO;
            got += (size_t)n;
        }
        if (got != (size_t)len || memcmp(msg, back, got) != 0)
            return -EIO;
        e->done++;
    }
    close(e->fd);
    return 0;
}

/* Many tasks on many fds, each waiting in turn: every exchange completes. */
START_TEST(test_many_echoes)
{
    struct echo server[PAIRS], client[PAIRS];
    ed_future *fs[2 * PAIRS];
    for (int i = 0; i < PAIRS; i++) {
        int sv[2];
        make_socketpair(sv);
        server[i] = (struct echo){sv[0], 0, 0};
        client[i] = (struct echo){sv[1], 50, 0};
        fs[2 * i] = ed_async(echo_server, &server[i]);
        fs[2 * i + 1] = ed_async(echo_client, &client[i]);
    }
    ck_assert_int_eq(ed_all(fs, 2 * PAIRS, NULL), 0);
    for (int i = 0; i < PAIRS; i++) {
        ck_assert_int_eq(client[i].done, 50);
        close(server[i].fd);
    }
    for (int i = 0; i < 2 * PAIRS; i++)
        ed_future_release(fs[i]);
    ck_assert_uint_eq(io_watchers(), 0);
    ED_TEST_END();
}
END_TEST

/* ---- suite -------------------------------------------------------------- */

static Suite *fdio_suite(void)
{
    Suite *s = suite_create("fdio");
    TCase *tc = tcase_create("fdio");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_read_ready_does_not_suspend);
    tcase_add_test(tc, test_read_waits_for_data);
    tcase_add_test(tc, test_read_eof);
    tcase_add_test(tc, test_transfer_socketpair);
    tcase_add_test(tc, test_transfer_pipe);
    tcase_add_test(tc, test_write_epipe_socket);
    tcase_add_test(tc, test_write_epipe_pipe);
    tcase_add_test(tc, test_write_epipe_while_waiting);
    tcase_add_test(tc, test_timeouts);
    tcase_add_test(tc, test_timeout_zero);
    tcase_add_test(tc, test_write_timeout_bounds_the_call);
    tcase_add_test(tc, test_cancel_each_call);
    tcase_add_test(tc, test_cancelled_task_reads_nothing);
    tcase_add_test(tc, test_shutdown_while_waiting);
    tcase_add_test(tc, test_from_main);
    tcase_add_test(tc, test_from_callback_eperm);
    tcase_add_test(tc, test_bad_arguments);
    tcase_add_test(tc, test_many_echoes);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(fdio_suite)
