#include "platform/fd.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

int ed__pipe(int fds[2])
{
#if defined(__linux__) || defined(__FreeBSD__) || defined(__NetBSD__) || defined(__OpenBSD__)
    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == 0)
        return 0;
    return -errno;
#else
    if (pipe(fds) != 0)
        return -errno;
    for (int i = 0; i < 2; i++) {
        int fl = fcntl(fds[i], F_GETFL);
        if (fl < 0 || fcntl(fds[i], F_SETFL, fl | O_NONBLOCK) < 0 ||
            fcntl(fds[i], F_SETFD, FD_CLOEXEC) < 0) {
            int err = -errno;
            close(fds[0]);
            close(fds[1]);
            return err;
        }
    }
    return 0;
#endif
}

void ed__close(int fd)
{
    if (fd >= 0)
        close(fd);
}
