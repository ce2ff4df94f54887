/* Linux epoll, level-triggered. The loop calls modify() only when an fd's
 * interest really changes, so a steady watcher costs no epoll_ctl at all.
 * epoll refuses regular files (EPERM); those are always ready, so they are
 * kept in a side list and reported on every poll, as poll(2) would. */
#ifdef __linux__

#include "driver/driver.h"
#include "platform/alloc.h"
#include "platform/fd.h"

#include <errno.h>
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <unistd.h>

#define EPOLL_BATCH 256

struct always_ready {
    int fd;
    unsigned mask;
};

struct epoll_driver {
    int epfd;
    struct always_ready *ready;
    size_t ready_len, ready_cap;
    struct epoll_event events[EPOLL_BATCH];
};

static int ep_init(void *self)
{
    struct epoll_driver *d = self;
    d->epfd = epoll_create1(EPOLL_CLOEXEC);
    return d->epfd < 0 ? -errno : 0;
}

static void ep_destroy(void *self)
{
    struct epoll_driver *d = self;
    ed__close(d->epfd);
    ed__free(d->ready);
}

static uint32_t to_epoll(unsigned mask)
{
    return (mask & ED__IO_READ ? EPOLLIN : 0) | (mask & ED__IO_WRITE ? EPOLLOUT : 0);
}

static struct always_ready *find_ready(struct epoll_driver *d, int fd)
{
    for (size_t i = 0; i < d->ready_len; i++)
        if (d->ready[i].fd == fd)
            return &d->ready[i];
    return NULL;
}

static int set_always_ready(struct epoll_driver *d, int fd, unsigned mask)
{
    struct always_ready *r = find_ready(d, fd);
    if (mask == 0) {
        if (r)
            *r = d->ready[--d->ready_len];
        return 0;
    }
    if (!r) {
        if (ed__grow((void **)&d->ready, &d->ready_cap, d->ready_len + 1, sizeof *d->ready))
            return -ENOMEM;
        r = &d->ready[d->ready_len++];
        r->fd = fd;
    }
    r->mask = mask;
    return 0;
}

/* Whether fd still names a file epoll refuses (its number may have been
 * closed and given to a socket since it was put on the always-ready list). */
static bool still_unpollable(int fd)
{
    struct stat st;
    return fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) || S_ISDIR(st.st_mode));
}

static int ep_modify(void *self, int fd, unsigned old_mask, unsigned new_mask)
{
    struct epoll_driver *d = self;
    if (d->ready_len && find_ready(d, fd)) {
        /* The loop asks again for the interest it has (old == new) when it
         * cannot be sure fd is still the same file. */
        if (old_mask != new_mask || still_unpollable(fd))
            return set_always_ready(d, fd, new_mask);
        set_always_ready(d, fd, 0);
        old_mask = 0;
    }

    struct epoll_event ev = {.events = to_epoll(new_mask), .data.fd = fd};
    int op = old_mask == 0 ? EPOLL_CTL_ADD : new_mask == 0 ? EPOLL_CTL_DEL : EPOLL_CTL_MOD;
    if (epoll_ctl(d->epfd, op, fd, &ev) == 0)
        return 0;
    int err = errno;
    /* The kernel drops an fd from the set when its last reference closes, and
     * a new file may then get the same number: resynchronise instead of
     * failing on a registration the kernel already forgot or still keeps. */
    if (op == EPOLL_CTL_MOD && err == ENOENT) {
        if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, fd, &ev) == 0)
            return 0;
        err = errno;
        op = EPOLL_CTL_ADD; /* the number now names a file epoll may refuse */
    }
    if (op == EPOLL_CTL_ADD && err == EEXIST && epoll_ctl(d->epfd, EPOLL_CTL_MOD, fd, &ev) == 0)
        return 0;
    if (op == EPOLL_CTL_DEL && (err == ENOENT || err == EBADF))
        return 0; /* already gone: the goal is reached */
    if (err == EPERM) /* a file epoll refuses (its number may once have been a socket's) */
        return op == EPOLL_CTL_DEL ? 0 : set_always_ready(d, fd, new_mask);
    return -err;
}

static int ep_poll(void *self, int64_t timeout_ns, struct ed__io_event *out, int max)
{
    struct epoll_driver *d = self;
    int n = 0;
    for (size_t i = 0; i < d->ready_len && n < max; i++)
        out[n++] = (struct ed__io_event){d->ready[i].fd, d->ready[i].mask};
    if (n)
        timeout_ns = 0;
    int room = max - n < EPOLL_BATCH ? max - n : EPOLL_BATCH;
    if (room <= 0)
        return n;

    int got = epoll_wait(d->epfd, d->events, room, ed__timeout_ms(timeout_ns));
    if (got < 0)
        return errno == EINTR ? n : -errno;
    for (int i = 0; i < got; i++) {
        uint32_t e = d->events[i].events;
        unsigned m = (e & EPOLLIN ? ED__IO_READ : 0) | (e & EPOLLOUT ? ED__IO_WRITE : 0) |
                     (e & (EPOLLERR | EPOLLHUP) ? ED__IO_HUP : 0);
        out[n++] = (struct ed__io_event){d->events[i].data.fd, m};
    }
    return n;
}

static int ep_backend_fd(const void *self)
{
    const struct epoll_driver *d = self;
    return d->epfd;
}

const struct ed__driver_ops ed__driver_epoll = {
    .name = "epoll",
    .size = sizeof(struct epoll_driver),
    .init = ep_init,
    .destroy = ep_destroy,
    .reserve = NULL,
    .modify = ep_modify,
    .poll = ep_poll,
    .backend_fd = ep_backend_fd,
};

#endif /* __linux__ */
