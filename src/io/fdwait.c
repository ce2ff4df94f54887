/* Waiting for an fd from a fiber: a readable or writable watcher that wakes
 * it, plus a timer for the timeout, both made once per call and cancelled
 * when it returns. The wait state lives in the caller's frame: nothing is
 * allocated but the two watcher slots. */
#include "io/io.h"

#include <errno.h>
#include <poll.h>

struct ed__sched *ed__io_enter(int *rc)
{
    struct ed__sched *S = ed__sched_get();
    *rc = S ? ed__can_suspend(S) : -ENOMEM;
    return *rc < 0 ? NULL : S;
}

static int fd_ready(ed_id id, int fd, void *fiber)
{
    (void)id;
    (void)fd;
    struct ed__sched *S = ed__sched_peek();
    if (S)
        ed__wake(S, fiber, 0);
    return 0;
}

int ed__fdwait(struct ed__fdwait *w)
{
    if (!w->io) {
        struct ed__fiber *self = w->S->current;
        w->io = w->writable ? ed_on_writable(w->fd, fd_ready, self)
                            : ed_on_readable(w->fd, fd_ready, self);
        if (!w->io)
            return -errno;
        if (w->timeout >= 0 && !(w->timer = ed_delay(w->timeout, ed__wake_timed_out, self)))
            return -errno;
    }
    return ed__suspend(w->S, w->writable ? "a writable fd" : "a readable fd");
}

void ed__fdwait_end(struct ed__fdwait *w)
{
    ed_cancel(w->io);
    ed_cancel(w->timer);
}

/* The readiness check costs one poll(2), which also tells a closed fd
 * (POLLNVAL) at once: a watcher on it would only be reported through the
 * error path, leaving the caller waiting. */
static int wait_for(int fd, bool writable, double timeout)
{
    if (fd < 0)
        return -EBADF;
    if (!ed__timeout_valid(timeout))
        return -EINVAL;
    int rc;
    struct ed__sched *S = ed__io_enter(&rc);
    if (!S)
        return rc;
    struct pollfd p = {.fd = fd, .events = writable ? POLLOUT : POLLIN};
    int n;
    while ((n = poll(&p, 1, 0)) < 0 && errno == EINTR) {
    }
    if (n < 0)
        return -errno;
    if (p.revents & POLLNVAL)
        return -EBADF;
    if (n > 0)
        return 0;
    if (timeout == 0)
        return -ETIMEDOUT;
    struct ed__fdwait w;
    ed__fdwait_init(&w, S, fd, writable, timeout);
    rc = ed__fdwait(&w);
    ed__fdwait_end(&w);
    return rc;
}

int ed_wait_readable(int fd, double timeout)
{
    return wait_for(fd, false, timeout);
}

int ed_wait_writable(int fd, double timeout)
{
    return wait_for(fd, true, timeout);
}
