/* Buffered streams: lines, exact reads, concurrent writers combined into
 * few writes, backpressure with tiny socket buffers, errors from a reset
 * peer, close while blocked, timeouts, cancellation, no fd left behind. */
#include "support.h"


static int fds_at_start;

static void fds_setup(void)
{
    fds_at_start = open_fd_count();
}

static void finish(void)
{
    ED_TEST_END();
    ck_assert_int_eq(open_fd_count(), fds_at_start);
}

/* A non-blocking socketpair: sv[0] for the stream, sv[1] for the test. */
static void pair(int sv[2])
{
    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv), 0);
}

static void put_all(int fd, const char *s)
{
    size_t n = strlen(s);
    ck_assert_int_eq(ed_write(fd, s, n, 5), (ssize_t)n);
}

/* ---- reading ---------------------------------------------------------------- */

START_TEST(test_read_lines)
{
    int sv[2];
    pair(sv);
    ed_stream *s = ed_stream_new(sv[0]);
    ck_assert_ptr_ne(s, NULL);
    put_all(sv[1], "hello\nworld\r\n\nlast");
    shutdown(sv[1], SHUT_WR);
    char *line = NULL;
    ck_assert_int_eq(ed_stream_read_line(s, &line, 0), 5);
    ck_assert_str_eq(line, "hello");
    free(line);
    ck_assert_int_eq(ed_stream_read_line(s, &line, 0), 5);
    ck_assert_str_eq(line, "world");
    free(line);
    ck_assert_int_eq(ed_stream_read_line(s, &line, 0), 0);
    ck_assert_str_eq(line, ""); /* an empty line is a line */
    free(line);
    ck_assert_int_eq(ed_stream_read_line(s, &line, 0), 4);
    ck_assert_str_eq(line, "last");
    free(line);
    ck_assert_int_eq(ed_stream_read_line(s, &line, 0), 0);
    ck_assert_ptr_eq(line, NULL); /* the end */
    ed_stream_close(s);
    close(sv[1]);
    finish();
}
END_TEST

typedef struct feeder {
    int fd;
    size_t len;
    char fill;
} feeder;

static int feed_long_line(void *arg, void **result)
{
    feeder *f = arg;
    (void)result;
    char *buf = malloc(f->len + 1);
    CHECK(buf != NULL);
    memset(buf, f->fill, f->len);
    buf[f->len] = '\n';
    CHECK(ed_write(f->fd, buf, f->len + 1, 10) == (ssize_t)f->len + 1);
    free(buf);
    return 0;
}

START_TEST(test_read_long_line)
{
    int sv[2];
    pair(sv);
    ed_stream *s = ed_stream_new(sv[0]);
    feeder f = {sv[1], 100 * 1024, 'x'};
    ed_future *w = ed_async(feed_long_line, &f);
    char *line = NULL;
    ck_assert_int_eq(ed_stream_read_line(s, &line, 200 * 1024), (ssize_t)f.len);
    for (size_t i = 0; i < f.len; i++)
        CHECK(line[i] == 'x');
    ck_assert_int_eq(line[f.len], '\0');
    free(line);
    ck_assert_int_eq(ed_await(w, NULL), 0);
    ed_future_release(w);
    ed_stream_close(s);
    close(sv[1]);
    finish();
}
END_TEST

START_TEST(test_line_too_long_stays_buffered)
{
    int sv[2];
    pair(sv);
    ed_stream *s = ed_stream_new(sv[0]);
    put_all(sv[1], "0123456789abcdef\nok\n");
    char *line = (char *)1;
    ck_assert_int_eq(ed_stream_read_line(s, &line, 8), -EMSGSIZE);
    ck_assert_ptr_eq(line, NULL);
    char buf[17];
    ck_assert_int_eq(ed_stream_read_exact(s, buf, 17), 0);
    ck_assert_int_eq(memcmp(buf, "0123456789abcdef\n", 17), 0);
    ck_assert_int_eq(ed_stream_read_line(s, &line, 8), 2);
    ck_assert_str_eq(line, "ok");
    free(line);
    ed_stream_close(s);
    close(sv[1]);
    finish();
}
END_TEST

START_TEST(test_read_and_read_exact)
{
    int sv[2];
    pair(sv);
    ed_stream *s = ed_stream_new(sv[0]);
    put_all(sv[1], "abcdefgh");
    char buf[8];
    ck_assert_int_eq(ed_stream_read(s, buf, 3), 3);
    ck_assert_int_eq(memcmp(buf, "abc", 3), 0);
    ck_assert_int_eq(ed_stream_read_exact(s, buf, 5), 0);
    ck_assert_int_eq(memcmp(buf, "defgh", 5), 0);
    put_all(sv[1], "xy");
    shutdown(sv[1], SHUT_WR);
    ck_assert_int_eq(ed_stream_read_exact(s, buf, 4), -ENODATA); /* ends after 2 */
    ck_assert_int_eq(ed_stream_read(s, buf, 4), 0);
    ed_stream_close(s);
    close(sv[1]);
    finish();
}
END_TEST

/* A stream keeps its fd's read interest registered between reads; data
 * that arrives while nobody reads must not make the loop spin: a spinning
 * loop would use as much CPU as the wait takes. */

typedef struct reading {
    ed_stream *s;
    ssize_t rc;
} reading;

static int read_some(void *arg, void **result)
{
    reading *r = arg;
    char buf[4];
    (void)result;
    r->rc = ed_stream_read(r->s, buf, sizeof buf);
    return 0;
}

START_TEST(test_idle_input_does_not_spin)
{
    int sv[2];
    pair(sv);
    ed_stream *s = ed_stream_new(sv[0]);
    reading b = {s, 0};
    ed_future *f = ed_async(read_some, &b); /* waits: the interest is registered */
    ck_assert(!ed_future_done(f));
    put_all(sv[1], "a");
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(b.rc, 1);
    ed_future_release(f);
    char buf[4];
    put_all(sv[1], "b"); /* nobody reads now */
    double cpu0 = cpu_seconds();
    ck_assert_int_eq(ed_sleep(0.2), 0);
    double cpu = cpu_seconds() - cpu0;
    ck_assert_msg(cpu < 0.05, "%.3f s of CPU in a 0.2 s sleep: the loop spun", cpu);
    ck_assert_int_eq(ed_stream_read(s, buf, sizeof buf), 1);
    ck_assert_int_eq(buf[0], 'b');
    ed_stream_close(s);
    close(sv[1]);
    finish();
}
END_TEST

/* ---- writing -------------------------------------------------------------- */

#define WRITERS 100
#define MSG_LEN 100

typedef struct writer {
    ed_stream *s;
    int id;
} writer;

static int write_message(void *arg, void **result)
{
    writer *w = arg;
    (void)result;
    char msg[MSG_LEN];
    memset(msg, 'a' + w->id % 26, sizeof msg);
    snprintf(msg, sizeof msg, "<%03d>", w->id);
    msg[5] = '|';
    return ed_stream_write(w->s, msg, sizeof msg);
}

static int start_writers(ed_id id, void *data)
{
    (void)id;
    writer *ws = data;
    for (int i = 0; i < WRITERS; i++) {
        ed_future *f = ed_async(write_message, &ws[i]);
        CHECK(f != NULL);
        CHECK(ed_future_done(f) && ed_await(f, NULL) == 0);
        ed_future_release(f);
    }
    return 0;
}

START_TEST(test_concurrent_writers_combined_in_order)
{
    int sv[2];
    pair(sv);
    ed_stream *s = ed_stream_new(sv[0]);
    writer ws[WRITERS];
    for (int i = 0; i < WRITERS; i++)
        ws[i] = (writer){s, i};
    /* From one callback, as a server answering many requests in one tick. */
    ck_assert(ed_defer(start_writers, ws) != 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(ed_stream_flush(s), 0);
    char buf[WRITERS * MSG_LEN];
    size_t got = 0;
    while (got < sizeof buf) {
        ssize_t n = ed_read(sv[1], buf + got, sizeof buf - got, 5);
        ck_assert_int_gt(n, 0);
        got += (size_t)n;
    }
    for (int i = 0; i < WRITERS; i++) {
        char want[8];
        snprintf(want, sizeof want, "<%03d>|", i);
        ck_assert_int_eq(memcmp(buf + i * MSG_LEN, want, 6), 0);
        for (int k = 6; k < MSG_LEN - 1; k++)
            CHECK(buf[i * MSG_LEN + k] == 'a' + i % 26);
    }
    ed_stream_stats st;
    ck_assert_int_eq(ed_stream_stats_get(s, &st), 0);
    ck_assert_uint_eq(st.bytes_out, sizeof buf);
    ck_assert_msg(st.write_calls < WRITERS, "%zu writes for %d messages", st.write_calls,
                  WRITERS);
    ck_assert_uint_eq(st.buffered_out, 0);
    ed_stream_close(s);
    close(sv[1]);
    finish();
}
END_TEST

typedef struct bulk {
    ed_stream *s;
    int fd;
    size_t total;
    int rc;
} bulk;

static int bulk_writer(void *arg, void **result)
{
    bulk *b = arg;
    (void)result;
    unsigned char chunk[64 * 1024];
    for (size_t off = 0; off < b->total; off += sizeof chunk) {
        for (size_t i = 0; i < sizeof chunk; i++)
            chunk[i] = (unsigned char)((off + i) % 251);
        int rc = ed_stream_write(b->s, chunk, sizeof chunk);
        if (rc < 0)
            return b->rc = rc;
    }
    return b->rc = ed_stream_flush(b->s);
}

static int slow_reader(void *arg, void **result)
{
    bulk *b = arg;
    (void)result;
    unsigned char buf[1000];
    size_t got = 0;
    while (got < b->total) {
        ssize_t n = ed_read(b->fd, buf, sizeof buf, 30);
        CHECK(n > 0);
        for (ssize_t i = 0; i < n; i++)
            CHECK(buf[i] == (unsigned char)((got + (size_t)i) % 251));
        got += (size_t)n;
    }
    return 0;
}

START_TEST(test_backpressure_tiny_buffers)
{
    int sv[2];
    pair(sv);
    int small = 4096;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    ed_stream *s = ed_stream_new(sv[0]);
    bulk b = {s, sv[1], 4 * 1024 * 1024, 1};
    ed_future *w = ed_async(bulk_writer, &b);
    ed_stream_stats st;
    ed_stream_stats_get(s, &st);
    ck_assert_uint_le(st.buffered_out, 1024 * 1024 + 64 * 1024); /* held back */
    ed_future *r = ed_async(slow_reader, &b);
    ck_assert_int_eq(ed_await(w, NULL), 0);
    ck_assert_int_eq(ed_await(r, NULL), 0);
    ck_assert_int_eq(b.rc, 0);
    ed_future_release(w);
    ed_future_release(r);
    ed_stream_stats_get(s, &st);
    ck_assert_uint_eq(st.bytes_out, b.total);
    ed_stream_close(s);
    close(sv[1]);
    finish();
}
END_TEST

START_TEST(test_peer_reset_mid_write)
{
    int sv[2];
    pair(sv);
    int small = 4096;
    setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    ed_stream *s = ed_stream_new(sv[0]);
    bulk b = {s, sv[1], 4 * 1024 * 1024, 1};
    ed_future *w = ed_async(bulk_writer, &b); /* blocks: nobody reads */
    ck_assert(!ed_future_done(w));
    close(sv[1]); /* the peer goes away */
    ck_assert_int_eq(ed_await(w, NULL), -EPIPE);
    ck_assert_int_eq(ed_stream_write(s, "x", 1), -EPIPE); /* sticky */
    ck_assert_int_eq(ed_stream_flush(s), -EPIPE);
    ed_future_release(w);
    ed_stream_close(s);
    finish();
}
END_TEST

START_TEST(test_pipe_stream)
{
    int p[2];
    ck_assert_int_eq(pipe2(p, O_NONBLOCK), 0);
    ed_stream *s = ed_stream_new(p[1]);
    ck_assert_int_eq(ed_stream_write(s, "through a pipe\n", 15), 0);
    ck_assert_int_eq(ed_stream_flush(s), 0);
    char buf[32];
    ck_assert_int_eq(ed_read(p[0], buf, sizeof buf, 5), 15);
    close(p[0]); /* no reader: EPIPE, and SIGPIPE does not kill us */
    ck_assert_int_eq(ed_stream_write(s, "lost", 4), 0);
    ck_assert_int_eq(ed_stream_flush(s), -EPIPE);
    ed_stream_close(s);
    finish();
}
END_TEST

/* ---- close, timeouts, cancellation ------------------------------------------ */

typedef struct blocked {
    ed_stream *s;
    ssize_t rc;
} blocked;

static int read_line_blocked(void *arg, void **result)
{
    blocked *b = arg;
    (void)result;
    char *line = NULL;
    b->rc = ed_stream_read_line(b->s, &line, 0);
    free(line);
    return 0;
}

static int flush_blocked(void *arg, void **result)
{
    blocked *b = arg;
    (void)result;
    static char big[256 * 1024];
    b->rc = ed_stream_write(b->s, big, sizeof big);
    if (b->rc == 0)
        b->rc = ed_stream_flush(b->s);
    return 0;
}

START_TEST(test_close_wakes_blocked_tasks)
{
    int sv[2], tv[2];
    pair(sv);
    pair(tv);
    int small = 4096;
    setsockopt(tv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    ed_stream *in = ed_stream_new(sv[0]);
    ed_stream *out = ed_stream_new(tv[0]);
    blocked r = {in, 1}, w = {out, 1};
    ed_future *fr = ed_async(read_line_blocked, &r);
    ed_future *fw = ed_async(flush_blocked, &w);
    ck_assert(!ed_future_done(fr));
    ck_assert(!ed_future_done(fw));
    ed_stream_close(in);
    ed_stream_close(out);
    ck_assert_int_eq(ed_await(fr, NULL), 0);
    ck_assert_int_eq(ed_await(fw, NULL), 0);
    ck_assert_int_eq(r.rc, -EBADF);
    ck_assert_int_eq(w.rc, -EBADF);
    ed_future_release(fr);
    ed_future_release(fw);
    close(sv[1]);
    close(tv[1]);
    finish();
}
END_TEST

START_TEST(test_timeout_and_cancel)
{
    int sv[2];
    pair(sv);
    ed_stream *s = ed_stream_new(sv[0]);
    ck_assert_int_eq(ed_stream_set_timeout(s, 0.05), 0);
    char buf[4];
    ck_assert_int_eq(ed_stream_read(s, buf, 4), -ETIMEDOUT);
    ck_assert_int_eq(ed_stream_set_timeout(s, -1), 0);

    blocked b = {s, 1};
    ed_future *f = ed_async(read_line_blocked, &b);
    ck_assert(!ed_future_done(f));
    ck_assert_int_eq(ed_stream_read(s, buf, 4), -EBUSY); /* one reader at a time */
    ck_assert_int_eq(ed_cancel_future(f), 0);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(b.rc, -ECANCELED);
    ed_future_release(f);

    put_all(sv[1], "still works\n"); /* the stream is fine after both */
    char *line = NULL;
    ck_assert_int_eq(ed_stream_read_line(s, &line, 0), 11);
    ck_assert_str_eq(line, "still works");
    free(line);
    ed_stream_close(s);
    close(sv[1]);
    finish();
}
END_TEST

static int reads_in_callback;

static int read_from_callback(ed_id id, void *data)
{
    (void)id;
    char buf[4], *line;
    reads_in_callback = ed_stream_read(data, buf, 4) == -EPERM &&
                        ed_stream_read_line(data, &line, 0) == -EPERM &&
                        ed_stream_write(data, "ok", 2) == 0; /* writes never need to wait */
    return 0;
}

START_TEST(test_raw_callback)
{
    int sv[2];
    pair(sv);
    ed_stream *s = ed_stream_new(sv[0]);
    ck_assert(ed_defer(read_from_callback, s) != 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert(reads_in_callback);
    char buf[4];
    ck_assert_int_eq(ed_read(sv[1], buf, sizeof buf, 5), 2); /* sent by the flush */
    ed_stream_close(s);
    close(sv[1]);
    finish();
}
END_TEST

START_TEST(test_bad_arguments)
{
    errno = 0;
    ck_assert_ptr_eq(ed_stream_new(-1), NULL);
    ck_assert_int_eq(errno, EBADF);
    int sv[2];
    pair(sv);
    ed_stream *s = ed_stream_new(sv[0]);
    char buf[4], *line = (char *)1;
    ck_assert_int_eq(ed_stream_read(NULL, buf, 4), -EINVAL);
    ck_assert_int_eq(ed_stream_read(s, NULL, 4), -EINVAL);
    ck_assert_int_eq(ed_stream_read(s, buf, 0), -EINVAL);
    ck_assert_int_eq(ed_stream_read_exact(NULL, buf, 4), -EINVAL);
    ck_assert_int_eq(ed_stream_read_line(s, NULL, 0), -EINVAL);
    ck_assert_int_eq(ed_stream_read_line(NULL, &line, 0), -EINVAL);
    ck_assert_ptr_eq(line, NULL);
    ck_assert_int_eq(ed_stream_write(NULL, "x", 1), -EINVAL);
    ck_assert_int_eq(ed_stream_write(s, NULL, 1), -EINVAL);
    ck_assert_int_eq(ed_stream_write(s, NULL, 0), 0);
    ck_assert_int_eq(ed_stream_flush(NULL), -EINVAL);
    ck_assert_int_eq(ed_stream_flush(s), 0); /* nothing queued */
    ck_assert_int_eq(ed_stream_set_timeout(s, 0.0 / 0.0), -EINVAL);
    ck_assert_int_eq(ed_stream_stats_get(s, NULL), -EINVAL);
    ed_stream_close(NULL);
    ed_stream_close(s);
    close(sv[1]);
    finish();
}
END_TEST

/* A stream outliving its loop: ed_shutdown() frees the task blocked in it
 * and the loop's watchers; closing the stream afterwards only closes and
 * frees it (LeakSanitizer and AddressSanitizer check the rest). */
START_TEST(test_close_after_shutdown)
{
    int sv[2];
    pair(sv);
    ed_stream *s = ed_stream_new(sv[0]);
    reading r = {s, 1};
    ed_future *f = ed_async(read_some, &r);
    ck_assert(!ed_future_done(f));
    ck_assert_int_eq(ed_stream_write(s, "queued", 6), 0); /* a flush is queued */
    ed_future_release(f);
    ck_assert_int_eq(ed_shutdown(), 0);
    ed_stream_close(s);
    close(sv[1]);
    ck_assert_int_eq(open_fd_count(), fds_at_start);
}
END_TEST

/* ---- suite -------------------------------------------------------------------- */

static Suite *stream_suite(void)
{
    Suite *s = suite_create("stream");
    TCase *tc = tcase_create("stream");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, fds_setup, NULL);
    tcase_add_test(tc, test_read_lines);
    tcase_add_test(tc, test_read_long_line);
    tcase_add_test(tc, test_line_too_long_stays_buffered);
    tcase_add_test(tc, test_read_and_read_exact);
    tcase_add_test(tc, test_idle_input_does_not_spin);
    tcase_add_test(tc, test_concurrent_writers_combined_in_order);
    tcase_add_test(tc, test_backpressure_tiny_buffers);
    tcase_add_test(tc, test_peer_reset_mid_write);
    tcase_add_test(tc, test_pipe_stream);
    tcase_add_test(tc, test_close_wakes_blocked_tasks);
    tcase_add_test(tc, test_timeout_and_cancel);
    tcase_add_test(tc, test_raw_callback);
    tcase_add_test(tc, test_bad_arguments);
    tcase_add_test(tc, test_close_after_shutdown);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(stream_suite)
