/* ed_read and ed_write: the syscall first, a wait for readiness only when
 * the fd says EAGAIN. */
#include "io/io.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

ssize_t ed_read(int fd, void *buf, size_t n, double timeout)
{
    if (fd < 0)
        return -EBADF;
    if (!buf || n == 0 || !ed__timeout_valid(timeout))
        return -EINVAL; /* n 0 would return 0, which means end of file */
    int rc;
    struct ed__sched *S = ed__io_enter(&rc);
    if (!S)
        return rc;
    if (n > SSIZE_MAX)
        n = SSIZE_MAX;
    struct ed__fdwait w;
    ed__fdwait_init(&w, S, fd, false, timeout);
    /* The last read of this fd came back short, so the kernel had nothing
     * more then: a read now would most likely say EAGAIN. Wait first (a
     * level-triggered wait returns at once if data came meanwhile). A
     * stale hint, after the fd was closed and its number reused, costs one
     * wait that returns at once. */
    struct ed__loop *L = S->L;
    if (timeout != 0 && (size_t)fd < L->fd_cap && L->fds[fd].drained) {
        L->fds[fd].drained = false;
        if ((rc = ed__fdwait(&w)) < 0) {
            ed__fdwait_end(&w);
            return rc;
        }
    }
    ssize_t got;
    for (;;) {
        got = read(fd, buf, n);
        if (got >= 0) {
            if ((size_t)fd < L->fd_cap)
                L->fds[fd].drained = (size_t)got < n && got > 0;
            break;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            got = -errno;
            break;
        }
        if (timeout == 0) {
            got = -ETIMEDOUT;
            break;
        }
        if ((rc = ed__fdwait(&w)) < 0) {
            got = rc;
            break;
        }
    }
    ed__fdwait_end(&w);
    return got;
}

/* write(2) on a pipe whose reader is gone raises SIGPIPE, which kills the
 * process by default and cannot be turned off per call as MSG_NOSIGNAL does
 * for sockets. So SIGPIPE is blocked in this thread for the call, and the
 * one the call raised, if any, is taken back before unblocking. A SIGPIPE
 * the thread already blocked is left alone: it was the program's choice. */
static ssize_t write_nosigpipe(int fd, const void *buf, size_t n)
{
    sigset_t pipe_only, old;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &old);
    ssize_t put = write(fd, buf, n);
    int err = errno;
    if (put < 0 && err == EPIPE && !sigismember(&old, SIGPIPE)) {
        const struct timespec now = {0, 0};
        while (sigtimedwait(&pipe_only, NULL, &now) < 0 && errno == EINTR) {
        }
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    errno = err;
    return put;
}

/* send(MSG_DONTWAIT) also keeps a socket that was left blocking from
 * stalling the loop; ENOTSOCK is learned once per call. */
ssize_t ed__put_some(int fd, const void *buf, size_t n, bool *not_socket)
{
    if (!*not_socket) {
        ssize_t put = send(fd, buf, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (put >= 0 || errno != ENOTSOCK)
            return put;
        *not_socket = true;
    }
    return write_nosigpipe(fd, buf, n);
}

ssize_t ed_write(int fd, const void *buf, size_t n, double timeout)
{
    if (fd < 0)
        return -EBADF;
    if ((!buf && n > 0) || !ed__timeout_valid(timeout))
        return -EINVAL;
    if (n > SSIZE_MAX)
        return -EINVAL; /* the count could not be returned */
    int rc;
    struct ed__sched *S = ed__io_enter(&rc);
    if (!S)
        return rc;
    struct ed__fdwait w;
    ed__fdwait_init(&w, S, fd, true, timeout);
    const char *p = buf;
    size_t done = 0;
    bool not_socket = false;
    ssize_t result = (ssize_t)n;
    while (done < n) {
        ssize_t put = ed__put_some(fd, p + done, n - done, &not_socket);
        if (put >= 0) {
            done += (size_t)put;
            continue;
        }
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK) {
            result = -errno;
            break;
        }
        if (timeout == 0) {
            result = -ETIMEDOUT;
            break;
        }
        if ((rc = ed__fdwait(&w)) < 0) {
            result = rc;
            break;
        }
    }
    ed__fdwait_end(&w);
    return result;
}
