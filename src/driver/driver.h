/* The driver interface: the only place eddy talks to the kernel's readiness
 * API. A driver knows fds and interest masks, nothing about watchers. The loop
 * tells it when the union of interest on an fd changes (modify) and asks it
 * what is ready (poll). To add a backend (io_uring, kqueue), implement these
 * operations in one file and list it in driver.c; the loop does not change.
 *
 * Contract:
 * - init/destroy own the driver's state; `self` points to `size` bytes the
 *   loop allocated, zeroed.
 * - reserve(fd) is called before the loop first shows an fd to modify(); it
 *   may allocate, so that modify() itself never needs to (may be NULL).
 * - modify(fd, old, new) moves fd's interest from `old` to `new` (ED__IO_READ
 *   | ED__IO_WRITE); old 0 means "not registered", new 0 "unregister". It
 *   returns 0 or -errno; -EBADF means the fd is closed.
 * - poll() waits up to timeout_ns (negative: forever, 0: do not wait), fills
 *   `out` with at most `max` ready fds and returns their count, or -errno.
 *   EINTR is not an error: it returns 0. Readiness is level-triggered.
 * - backend_fd() is an fd that polls readable when poll() would report
 *   something, or -ENOTSUP.
 */
#ifndef EDDY_DRIVER_H
#define EDDY_DRIVER_H

#include <stddef.h>
#include <stdint.h>

enum {
    ED__IO_READ = 1,
    ED__IO_WRITE = 2,
    ED__IO_HUP = 4,     /* hang-up or error: wakes readers and writers */
    ED__IO_INVALID = 8, /* the fd is not open */
};

struct ed__io_event {
    int fd;
    unsigned events;
};

struct ed__driver_ops {
    const char *name;
    size_t size;
    int (*init)(void *self);
    void (*destroy)(void *self);
    int (*reserve)(void *self, int fd);
    int (*modify)(void *self, int fd, unsigned old_mask, unsigned new_mask);
    int (*poll)(void *self, int64_t timeout_ns, struct ed__io_event *out, int max);
    int (*backend_fd)(const void *self);
};

/* The driver called `name`, or the platform's default for NULL; NULL if this
 * build has no such driver. */
const struct ed__driver_ops *ed__driver_find(const char *name);

/* Milliseconds for a poll timeout, rounded up so a wait never ends before
 * the deadline it was computed from; -1 for "forever". */
int ed__timeout_ms(int64_t timeout_ns);

#endif
