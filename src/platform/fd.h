/* Small fd helpers shared by the drivers and the loop. */
#ifndef EDDY_PLATFORM_FD_H
#define EDDY_PLATFORM_FD_H

/* A pipe whose ends are non-blocking and close-on-exec. 0 or -errno. */
int ed__pipe(int fds[2]);

/* Closes fd, retrying nothing: EINTR on close leaves the fd closed on Linux
 * and unspecified elsewhere, and retrying could close a reused number. */
void ed__close(int fd);

#endif
