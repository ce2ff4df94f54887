/* O_NONBLOCK for fds eddy borrows (stdin, stdout), for one syscall at a
 * time. The flag lives on the open file description, shared with every
 * process on the same terminal and with every fd dup'd from it (fds 0 and
 * 1 of a terminal are usually one description), so per-fd bookkeeping
 * would go wrong: the holds are counted process-wide instead, and the last
 * drop clears the flag on each fd that had to be changed. An fd found
 * non-blocking is left alone: the program (or an alias already changed)
 * set it. */
#include "io/helpers.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>

#define CHANGED_MAX 8

static struct {
    pthread_mutex_t lock;
    size_t holds;
    int changed[CHANGED_MAX];
    int nchanged;
} nb = {.lock = PTHREAD_MUTEX_INITIALIZER};

static bool was_changed(int fd)
{
    for (int i = 0; i < nb.nchanged; i++)
        if (nb.changed[i] == fd)
            return true;
    return false;
}

int ed__nonblock_hold(int fd)
{
    pthread_mutex_lock(&nb.lock);
    /* The flags are read at every hold, not trusted from the last one:
     * another process may have cleared O_NONBLOCK meanwhile. */
    int rc = 0;
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0) {
        rc = -errno;
    } else if (!(flags & O_NONBLOCK)) {
        bool known = was_changed(fd);
        if (!known && nb.nchanged == CHANGED_MAX)
            rc = -EMFILE;
        else if (fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
            rc = -errno;
        else if (!known)
            nb.changed[nb.nchanged++] = fd;
    }
    if (rc == 0)
        nb.holds++;
    pthread_mutex_unlock(&nb.lock);
    return rc;
}

void ed__nonblock_drop(void)
{
    pthread_mutex_lock(&nb.lock);
    if (nb.holds > 0 && --nb.holds == 0) {
        /* Only the one flag: anything else changed meanwhile stays. */
        while (nb.nchanged > 0) {
            int fd = nb.changed[--nb.nchanged];
            int flags = fcntl(fd, F_GETFL);
            if (flags >= 0 && (flags & O_NONBLOCK))
                (void)fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
        }
    }
    pthread_mutex_unlock(&nb.lock);
}
