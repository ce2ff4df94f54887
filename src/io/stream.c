/* Buffered streams. The write side is a loop run by callbacks, not by a
 * task: a write copies its bytes into the output buffer and, if no flush is
 * on its way, queues one as a microtask. Microtasks run in order, so every
 * task resumed before that one (and the writer itself, until it suspends)
 * adds to the same buffer first, and one send carries all of it. When the
 * kernel says EAGAIN a writable watcher takes over until the buffer is
 * empty. Tasks that wait on the output (a flush, or a write held back by a
 * full buffer) wait for a byte count: "written_total >= mark". */
#include "io/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform/alloc.h"

#define IN_FIRST 4096            /* the read buffer's first size: grows for long lines */
#define OUT_HIGH (1024 * 1024)   /* a write waits while more than this is queued */
#define LINE_MAX_DEFAULT (64 * 1024)

/* A task waiting until the stream has written `mark` bytes in all. */
struct out_waiter {
    struct out_waiter *prev, *next;
    struct ed__fiber *fiber;
    uint64_t mark;
};

struct ed_stream {
    int fd;
    bool not_socket; /* learnt at the first write */
    bool closed;
    bool reading;       /* a task is in a read */
    bool flush_queued;  /* a flush microtask is on its way */
    bool want_writable; /* the kernel said EAGAIN: the watcher drives */
    int err;            /* the sticky write error */
    double timeout;
    unsigned users; /* calls in progress, and a queued flush: the memory stays */
    struct ed__sched *S;

    char *in;
    size_t in_head, in_len, in_cap;
    ed_id readable;          /* the reader's watcher, enabled while it waits */
    struct ed__fiber *reader; /* the task waiting for input */
    bool drained; /* the last read took less than it asked: the kernel had no more */

    char *out;
    size_t out_head, out_len, out_cap;
    uint64_t queued_total, written_total;
    ed_id writable;
    struct out_waiter *waiters;

    ed_stream_stats stats;
};

static void stream_free(ed_stream *s)
{
    ed__free(s->in);
    ed__free(s->out);
    ed__free(s);
}

static void enter(ed_stream *s)
{
    s->users++;
}

/* Ends a call (or the flush microtask): the last one out of a closed
 * stream frees it. */
static void leave(ed_stream *s)
{
    if (--s->users == 0 && s->closed)
        stream_free(s);
}

ed_stream *ed_stream_new(int fd)
{
    int flags = fd >= 0 ? fcntl(fd, F_GETFL) : -1;
    if (flags < 0) {
        errno = EBADF;
        return NULL;
    }
    struct ed__sched *S = ed__sched_get();
    if (!S)
        return NULL;
    ed_stream *s = ed__calloc(1, sizeof *s);
    if (!s) {
        errno = ENOMEM;
        return NULL;
    }
    if (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
        int err = errno;
        ed__free(s);
        errno = err;
        return NULL;
    }
    /* The stream's watchers come and go on an fd only it closes: the
     * loop may keep their interest registered between waits. */
    int rc = ed__io_prepare(S->L, fd);
    if (rc < 0) {
        ed__free(s);
        errno = -rc;
        return NULL;
    }
    ed__io_own(S->L, fd, true);
    s->fd = fd;
    s->timeout = -1;
    s->S = S;
    return s;
}

int ed_stream_set_timeout(ed_stream *s, double seconds)
{
    if (!s || seconds != seconds)
        return -EINVAL;
    s->timeout = seconds < 0 ? -1 : seconds;
    return 0;
}

int ed_stream_stats_get(const ed_stream *s, ed_stream_stats *out)
{
    if (!s || !out)
        return -EINVAL;
    *out = s->stats;
    out->buffered_out = s->out_len;
    return 0;
}

/* ---- the write loop ---------------------------------------------------- */

static void wake_waiters(ed_stream *s, int rc)
{
    for (struct out_waiter *w = s->waiters, *next; w; w = next) {
        next = w->next;
        if (rc < 0 || s->written_total >= w->mark)
            ed__wake(s->S, w->fiber, rc);
    }
}

static int on_writable(ed_id id, int fd, void *data);

/* Sends what is queued until the buffer is empty, the kernel is full (the
 * writable watcher then calls again), or an error sticks. Loop code: never
 * suspends. */
static void pump(ed_stream *s)
{
    while (s->out_len > 0 && !s->err) {
        ssize_t put = ed__put_some(s->fd, s->out + s->out_head, s->out_len, &s->not_socket);
        s->stats.write_calls++;
        if (put < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (!s->writable && !(s->writable = ed_on_writable(s->fd, on_writable, s))) {
                    s->err = -errno;
                    break;
                }
                ed_enable(s->writable);
                s->want_writable = true;
                return;
            }
            s->err = -errno;
            break;
        }
        s->out_head += (size_t)put;
        s->out_len -= (size_t)put;
        s->written_total += (uint64_t)put;
        s->stats.bytes_out += (size_t)put;
    }
    s->want_writable = false;
    if (s->writable)
        ed_disable(s->writable);
    if (s->err) {
        s->out_head = s->out_len = 0; /* undeliverable */
        wake_waiters(s, s->err);
        return;
    }
    s->out_head = 0;
    wake_waiters(s, 0);
}

static int on_writable(ed_id id, int fd, void *data)
{
    (void)id;
    (void)fd;
    pump(data);
    return 0;
}

static void flush_microtask(void *data)
{
    ed_stream *s = data;
    s->flush_queued = false;
    if (!s->closed && !s->want_writable)
        pump(s);
    leave(s);
}

/* Makes sure queued bytes will be sent: by a flush microtask, or by the
 * writable watcher already waiting for the kernel. */
static int schedule_flush(ed_stream *s)
{
    if (s->flush_queued || s->want_writable)
        return 0;
    struct ed__loop *L = s->S->L;
    if (ed__microtask_reserve(L) < 0)
        return -ENOMEM;
    ed__microtask_push_reserved(L, flush_microtask, s);
    s->flush_queued = true;
    enter(s);
    return 0;
}

/* Suspends until `mark` bytes have been written in all. */
static int wait_written(ed_stream *s, uint64_t mark, const char *what)
{
    int rc;
    struct ed__sched *S = ed__io_enter(&rc);
    if (!S)
        return rc;
    struct out_waiter w = {NULL, s->waiters, ed__current_fiber(S), mark};
    ed_id timer = 0;
    if (s->timeout >= 0 && !(timer = ed_delay(s->timeout, ed__wake_timed_out, w.fiber)))
        return -errno;
    if (s->waiters)
        s->waiters->prev = &w;
    s->waiters = &w;
    rc = ed__suspend(S, what);
    if (w.prev)
        w.prev->next = w.next;
    else
        s->waiters = w.next;
    if (w.next)
        w.next->prev = w.prev;
    ed_cancel(timer);
    if (s->closed)
        return -EBADF;
    if (rc < 0)
        return rc;
    return s->written_total >= mark ? 0 : s->err;
}

static int out_reserve(ed_stream *s, size_t n)
{
    if (s->out_head > 0 && s->out_cap - s->out_head - s->out_len < n) {
        memmove(s->out, s->out + s->out_head, s->out_len);
        s->out_head = 0;
    }
    size_t need = s->out_head + s->out_len + n;
    if (need < n)
        return -ENOMEM;
    return ed__grow((void **)&s->out, &s->out_cap, need, 1);
}

int ed_stream_write(ed_stream *s, const void *buf, size_t n)
{
    if (!s || (!buf && n > 0))
        return -EINVAL;
    if (s->closed)
        return -EBADF;
    if (s->err)
        return s->err;
    if (n == 0)
        return 0;
    int rc = out_reserve(s, n);
    if (rc < 0)
        return rc;
    memcpy(s->out + s->out_head + s->out_len, buf, n);
    s->out_len += n;
    s->queued_total += n;
    if ((rc = schedule_flush(s)) < 0)
        return rc;
    if (s->out_len <= OUT_HIGH || ed__can_suspend(s->S) < 0)
        return 0; /* loop code cannot wait: the buffer grows instead */
    enter(s);
    rc = wait_written(s, s->queued_total - OUT_HIGH, "room in a stream's buffer");
    leave(s);
    return rc;
}

int ed_stream_flush(ed_stream *s)
{
    if (!s)
        return -EINVAL;
    if (s->closed)
        return -EBADF;
    if (s->err)
        return s->err;
    if (s->out_len == 0)
        return 0;
    enter(s);
    int rc = schedule_flush(s);
    if (rc == 0)
        rc = wait_written(s, s->queued_total, "a stream's flush");
    leave(s);
    return rc;
}

/* ---- reading ------------------------------------------------------------- */

static int on_readable(ed_id id, int fd, void *data)
{
    ed_stream *s = data;
    (void)id;
    (void)fd;
    if (s->reader)
        ed__wake(s->S, s->reader, 0);
    return 0;
}

/* Waits until the fd is readable: the stream's own watcher, enabled only
 * for the wait, so that waits after the first cost no syscall. */
static int wait_readable(ed_stream *s, struct ed__sched *S)
{
    if (!s->readable && !(s->readable = ed_on_readable(s->fd, on_readable, s)))
        return -errno;
    else if (ed_enable(s->readable) < 0)
        return -ENOMEM;
    s->reader = ed__current_fiber(S);
    ed_id timer = 0;
    if (s->timeout >= 0 && !(timer = ed_delay(s->timeout, ed__wake_timed_out, s->reader))) {
        s->reader = NULL;
        ed_disable(s->readable);
        return -errno;
    }
    int rc = ed__suspend(S, "a stream's input");
    s->reader = NULL;
    ed_cancel(timer);
    if (s->closed)
        return -EBADF;
    ed_disable(s->readable);
    return rc;
}

/* Reads once more into the input buffer, waiting for the fd if need be.
 * > 0 bytes added, 0 at end of stream, or a negative errno code. */
static ssize_t fill(ed_stream *s, struct ed__sched *S)
{
    if (s->in_head > 0 && s->in_head + s->in_len == s->in_cap) {
        memmove(s->in, s->in + s->in_head, s->in_len);
        s->in_head = 0;
    }
    /* A read that came back short emptied the kernel's buffer: most likely
     * the next would say EAGAIN, so wait first (readiness is level-
     * triggered: data that came meanwhile wakes the wait at once). */
    if (s->drained && s->timeout != 0) {
        int rc = wait_readable(s, S);
        if (rc < 0)
            return rc;
    }
    for (;;) {
        size_t room = s->in_cap - s->in_head - s->in_len;
        ssize_t got = read(s->fd, s->in + s->in_head + s->in_len, room);
        s->stats.read_calls++;
        if (got >= 0) {
            s->in_len += (size_t)got;
            s->stats.bytes_in += (size_t)got;
            s->drained = (size_t)got < room;
            return got;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -errno;
        int rc = wait_readable(s, S);
        if (rc < 0)
            return rc;
    }
}

/* Starts a read: 0 and the scheduler in *S, or why it cannot. */
static int read_begin(ed_stream *s, struct ed__sched **S)
{
    if (s->closed)
        return -EBADF;
    if (s->reading)
        return -EBUSY;
    int rc;
    if (!(*S = ed__io_enter(&rc)))
        return rc;
    if (!s->in) {
        if (!(s->in = ed__alloc(IN_FIRST)))
            return -ENOMEM;
        s->in_cap = IN_FIRST;
    }
    s->reading = true;
    enter(s);
    return 0;
}

static void read_end(ed_stream *s)
{
    s->reading = false;
    leave(s);
}

static size_t take(ed_stream *s, void *buf, size_t n)
{
    if (n > s->in_len)
        n = s->in_len;
    memcpy(buf, s->in + s->in_head, n);
    s->in_head += n;
    s->in_len -= n;
    if (s->in_len == 0)
        s->in_head = 0;
    return n;
}

ssize_t ed_stream_read(ed_stream *s, void *buf, size_t n)
{
    if (!s || !buf || n == 0)
        return -EINVAL;
    struct ed__sched *S;
    int rc = read_begin(s, &S);
    if (rc < 0)
        return rc;
    ssize_t got = s->in_len ? 0 : fill(s, S);
    if (got >= 0 && s->in_len)
        got = (ssize_t)take(s, buf, n);
    read_end(s);
    return got;
}

int ed_stream_read_exact(ed_stream *s, void *buf, size_t n)
{
    if (!s || (!buf && n > 0))
        return -EINVAL;
    struct ed__sched *S;
    int rc = read_begin(s, &S);
    if (rc < 0)
        return rc;
    size_t done = 0;
    while (done < n) {
        if (s->in_len == 0) {
            ssize_t got = fill(s, S);
            if (got <= 0) {
                rc = got == 0 ? -ENODATA : (int)got;
                break;
            }
        }
        done += take(s, (char *)buf + done, n - done);
    }
    read_end(s);
    return rc;
}

/* The line at the start of the buffer, `len` bytes, then `skip` more (its
 * end of line) consumed. */
static ssize_t cut_line(ed_stream *s, size_t len, size_t skip, char **line)
{
    size_t keep = len;
    if (skip && keep > 0 && s->in[s->in_head + keep - 1] == '\r')
        keep--;
    char *copy = malloc(keep + 1);
    if (!copy)
        return -ENOMEM;
    memcpy(copy, s->in + s->in_head, keep);
    copy[keep] = '\0';
    s->in_head += len + skip;
    s->in_len -= len + skip;
    if (s->in_len == 0)
        s->in_head = 0;
    *line = copy;
    return (ssize_t)keep;
}

ssize_t ed_stream_read_line(ed_stream *s, char **line, size_t max)
{
    if (line)
        *line = NULL;
    if (!s || !line)
        return -EINVAL;
    if (max == 0)
        max = LINE_MAX_DEFAULT;
    if (max > SIZE_MAX - 2)
        max = SIZE_MAX - 2;
    struct ed__sched *S;
    int rc = read_begin(s, &S);
    if (rc < 0)
        return rc;
    size_t scanned = 0;
    ssize_t out;
    for (;;) {
        char *start = s->in + s->in_head;
        char *nl = memchr(start + scanned, '\n', s->in_len - scanned);
        if (nl) {
            size_t len = (size_t)(nl - start);
            size_t content = len > 0 && start[len - 1] == '\r' ? len - 1 : len;
            out = content > max ? -EMSGSIZE : cut_line(s, len, 1, line);
            break;
        }
        scanned = s->in_len;
        if (s->in_len > max + 1) { /* room for max bytes and a "\r" */
            out = -EMSGSIZE;
            break;
        }
        /* Room for the longest line there may be, and its "\r\n". */
        if (s->in_head + s->in_len == s->in_cap) {
            if (s->in_head > 0) {
                memmove(s->in, start, s->in_len);
                s->in_head = 0;
            } else {
                size_t want = s->in_cap < (max + 2) / 2 ? s->in_cap * 2 : max + 2;
                if ((rc = ed__grow((void **)&s->in, &s->in_cap, want, 1)) < 0) {
                    out = rc;
                    break;
                }
            }
        }
        ssize_t got = fill(s, S);
        if (got < 0) {
            out = got;
            break;
        }
        if (got == 0) { /* end of stream: a last line without "\n", or nothing */
            out = s->in_len ? (s->in_len > max ? -EMSGSIZE : cut_line(s, s->in_len, 0, line)) : 0;
            break;
        }
    }
    read_end(s);
    return out;
}

/* ---- closing --------------------------------------------------------------- */

void ed_stream_close(ed_stream *s)
{
    if (!s || s->closed)
        return;
    s->closed = true;
    if (ed__sched_peek() != s->S) {
        /* The loop was freed (ed_shutdown) with the stream open: its
         * watchers went with it, and so did every task that was inside. */
        close(s->fd);
        stream_free(s);
        return;
    }
    /* Nothing may watch the fd once it is closed: cut the waits short. */
    if (s->reader)
        ed__wake(s->S, s->reader, -EBADF);
    ed_cancel(s->readable);
    ed_cancel(s->writable);
    s->readable = s->writable = 0;
    ed__io_own(s->S->L, s->fd, false);
    for (struct out_waiter *w = s->waiters; w; w = w->next)
        ed__wake(s->S, w->fiber, -EBADF);
    close(s->fd);
    s->fd = -1;
    if (s->users == 0)
        stream_free(s);
}
