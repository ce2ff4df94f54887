/* POSIX poll(2): the portable fallback. A dense pollfd array plus an
 * fd -> position map, so modify() is O(1); reserve() grows both ahead of
 * time so that modify() never allocates. Each poll() walks the whole array,
 * which is what makes epoll preferable for many fds. */
#include "driver/driver.h"
#include "platform/alloc.h"

#include <errno.h>
#include <poll.h>
#include <string.h>

struct poll_driver {
    struct pollfd *pfds;
    size_t len, cap;
    int *pos; /* pos[fd]: index in pfds + 1, or 0 */
    size_t pos_cap;
    size_t next_scan; /* where the last poll() stopped reporting, for fairness */
};

static int pl_init(void *self)
{
    (void)self;
    return 0;
}

static void pl_destroy(void *self)
{
    struct poll_driver *d = self;
    ed__free(d->pfds);
    ed__free(d->pos);
}

static int pl_reserve(void *self, int fd)
{
    struct poll_driver *d = self;
    size_t old = d->pos_cap;
    if (ed__grow((void **)&d->pos, &d->pos_cap, (size_t)fd + 1, sizeof *d->pos))
        return -ENOMEM;
    memset(d->pos + old, 0, (d->pos_cap - old) * sizeof *d->pos);
    /* At most one pollfd per fd below pos_cap, so this is always enough. */
    if (ed__grow((void **)&d->pfds, &d->cap, d->pos_cap, sizeof *d->pfds))
        return -ENOMEM;
    return 0;
}

static short to_poll(unsigned mask)
{
    return (short)((mask & ED__IO_READ ? POLLIN : 0) | (mask & ED__IO_WRITE ? POLLOUT : 0));
}

static int pl_modify(void *self, int fd, unsigned old_mask, unsigned new_mask)
{
    struct poll_driver *d = self;
    (void)old_mask;
    if ((size_t)fd >= d->pos_cap)
        return -ENOMEM; /* reserve() was not called: a loop bug */
    int p = d->pos[fd];
    if (new_mask == 0) {
        if (p) {
            d->pfds[p - 1] = d->pfds[--d->len];
            if ((size_t)(p - 1) < d->len)
                d->pos[d->pfds[p - 1].fd] = p;
            d->pos[fd] = 0;
        }
        return 0;
    }
    if (!p) {
        if (d->len == d->cap)
            return -ENOMEM; /* reserve() was not called: a loop bug */
        d->pfds[d->len] = (struct pollfd){.fd = fd};
        p = d->pos[fd] = (int)++d->len;
    }
    d->pfds[p - 1].events = to_poll(new_mask);
    return 0;
}

static int pl_poll(void *self, int64_t timeout_ns, struct ed__io_event *out, int max)
{
    struct poll_driver *d = self;
    int ready = poll(d->pfds, (nfds_t)d->len, ed__timeout_ms(timeout_ns));
    if (ready < 0)
        return errno == EINTR ? 0 : -errno;
    int n = 0;
    size_t start = d->next_scan < d->len ? d->next_scan : 0;
    for (size_t k = 0; k < d->len && n < max && n < ready; k++) {
        size_t i = (start + k) % d->len;
        short re = d->pfds[i].revents;
        if (!re)
            continue;
        unsigned m = (re & POLLIN ? ED__IO_READ : 0) | (re & POLLOUT ? ED__IO_WRITE : 0) |
                     (re & (POLLERR | POLLHUP) ? ED__IO_HUP : 0) |
                     (re & POLLNVAL ? ED__IO_INVALID : 0);
        out[n++] = (struct ed__io_event){d->pfds[i].fd, m};
        d->next_scan = i + 1;
    }
    return n;
}

static int pl_backend_fd(const void *self)
{
    (void)self;
    return -ENOTSUP;
}

const struct ed__driver_ops ed__driver_poll = {
    .name = "poll",
    .size = sizeof(struct poll_driver),
    .init = pl_init,
    .destroy = pl_destroy,
    .reserve = pl_reserve,
    .modify = pl_modify,
    .poll = pl_poll,
    .backend_fd = pl_backend_fd,
};
