/* ed_flock_acquire: the seed's flock, polling flock(LOCK_NB) with
 * ed_sleep between attempts. flock(2) has no way to wait without blocking
 * the thread, so polling it is; the interval stays a double all the way to
 * the timer, since one seed release truncated 0.1 s to 0 and busy-polled.
 * flock(2), not fcntl locks: fcntl locks belong to the process, so tasks
 * of one process could not exclude each other, and closing any fd of the
 * file drops them. */
#include "io/io.h"
#include <eddy/util.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sys/file.h>
#include <unistd.h>

#include "platform/alloc.h"
#include "platform/fd.h"

#define DEFAULT_INTERVAL 0.1

struct ed_flock {
    int fd;
};

static int try_lock(int fd, int mode)
{
    int rc;
    while ((rc = flock(fd, mode | LOCK_NB)) < 0 && errno == EINTR) {
    }
    return rc < 0 ? -errno : 0;
}

/* Tries until the lock is ours: 0, -ETIMEDOUT, or why a sleep ended. */
static int poll_lock(int fd, const char *path, int mode, const ed_flock_options *o,
                     double interval)
{
    int rc = try_lock(fd, mode & ~LOCK_NB);
    if (rc != -EWOULDBLOCK)
        return rc;
    if (o->contended)
        o->contended(path, o->data);
    if (mode & LOCK_NB)
        return rc; /* one attempt, as flock(2) itself */
    double deadline = o->timeout > 0 ? ed_now() + o->timeout : INFINITY;
    for (;;) {
        double left = deadline - ed_now();
        if (left <= 0)
            return -ETIMEDOUT;
        if ((rc = ed_sleep(left < interval ? left : interval)) < 0)
            return rc;
        if ((rc = try_lock(fd, mode & ~LOCK_NB)) != -EWOULDBLOCK)
            return rc;
    }
}

int ed_flock_acquire(const char *path, int mode, const ed_flock_options *opt, ed_flock **lock)
{
    static const ed_flock_options defaults;
    const ed_flock_options *o = opt ? opt : &defaults;
    if (lock)
        *lock = NULL;
    if (!lock || !path || !*path || ((mode & ~LOCK_NB) != LOCK_SH && (mode & ~LOCK_NB) != LOCK_EX) ||
        isnan(o->poll_interval) || isinf(o->poll_interval) || isnan(o->timeout))
        return -EINVAL;
    double interval = o->poll_interval > 0 ? o->poll_interval : DEFAULT_INTERVAL;
    int rc;
    if (!ed__io_enter(&rc))
        return rc;
    ed_flock *l = ed__alloc(sizeof *l);
    if (!l)
        return -ENOMEM;
    /* O_RDONLY is enough for flock(2) and lets a reader lock a file it may
     * not write; O_NONBLOCK keeps a FIFO at path from blocking the open. */
    int fd = open(path, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOCTTY | O_NONBLOCK, 0666);
    if (fd < 0) {
        rc = -errno;
        ed__free(l);
        return rc;
    }
    if ((rc = poll_lock(fd, path, mode, o, interval)) < 0) {
        ed__close(fd);
        ed__free(l);
        return rc;
    }
    l->fd = fd;
    *lock = l;
    return 0;
}

void ed_flock_release(ed_flock *lock)
{
    if (!lock)
        return;
    /* Closing alone would unlock only if no fork shares the description:
     * unlock first, so the lock ends here whoever else holds the fd. */
    (void)flock(lock->fd, LOCK_UN);
    ed__close(lock->fd);
    ed__free(lock);
}
