/* Readable and writable watchers: the fd table, the interest each fd has with
 * the driver, and the I/O phase of a tick. The driver hears about an fd only
 * when the union of its active watchers' interest changes, so a watcher that
 * stays enabled costs no syscall per tick. */
#include "loop/loop.h"
#include "platform/alloc.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int ed__io_prepare(struct ed__loop *L, int fd)
{
    if ((size_t)fd >= L->fd_cap) {
        size_t old = L->fd_cap;
        if (ed__grow((void **)&L->fds, &L->fd_cap, (size_t)fd + 1, sizeof *L->fds))
            return -ENOMEM;
        memset(L->fds + old, 0, (L->fd_cap - old) * sizeof *L->fds);
    }
    return L->drv->reserve ? L->drv->reserve(L->drv_state, fd) : 0;
}

void ed__list_append(struct ed__loop *L, struct ed__list *list, uint32_t slot)
{
    struct ed__watcher *W = &L->w[slot];
    W->u.link.prev = list->tail;
    W->u.link.next = 0;
    if (list->tail)
        L->w[list->tail - 1].u.link.next = slot + 1;
    else
        list->head = slot + 1;
    list->tail = slot + 1;
}

void ed__list_remove(struct ed__loop *L, struct ed__list *list, uint32_t slot)
{
    uint32_t prev = L->w[slot].u.link.prev, next = L->w[slot].u.link.next;
    if (prev)
        L->w[prev - 1].u.link.next = next;
    else
        list->head = next;
    if (next)
        L->w[next - 1].u.link.prev = prev;
    else
        list->tail = prev;
    /* A dispatch walking this list resumes after the removed watcher. */
    if (L->cursor == slot + 1)
        L->cursor = next;
}

static ed_id io_new(int type, int fd, ed_io_callback cb, void *data, const char *file, int line)
{
    struct ed__loop *L = ed__loop_get();
    if (!L)
        return 0;
    if (!cb || fd < 0) {
        errno = EINVAL;
        return 0;
    }
    int rc = ed__io_prepare(L, fd);
    struct ed__watcher *W = NULL;
    if (rc == 0 && (ed__reserve_pending(L) || !(W = ed__watcher_new(L, type, data, file, line))))
        rc = -ENOMEM;
    if (rc < 0) {
        errno = -rc;
        return 0;
    }
    W->cb.io = cb;
    W->u.link.fd = fd;
    ed__list_append(L, &L->fds[fd].watchers, (uint32_t)(W - L->w));
    ed__watcher_arm(L, W);
    return ed__watcher_id(L, W);
}

ed_id ed_on_readable_at(int fd, ed_io_callback cb, void *data, const char *file, int line)
{
    return io_new(ED_WATCHER_READABLE, fd, cb, data, file, line);
}

ed_id ed_on_writable_at(int fd, ed_io_callback cb, void *data, const char *file, int line)
{
    return io_new(ED_WATCHER_WRITABLE, fd, cb, data, file, line);
}

/* The kernel refused fd (closed, or not pollable): disable every enabled
 * watcher on it, so that they neither hang the loop nor spin it, and say so
 * through the error path. */
static void io_fail(struct ed__loop *L, int fd, int err)
{
    char msg[ED__MSG_MAX];
    size_t len = (size_t)snprintf(msg, sizeof msg, "fd %d cannot be watched (%s); disabled", fd,
                                  ed_strerror(err));
    int disabled = 0;
    for (uint32_t s = L->fds[fd].watchers.head; s; s = L->w[s - 1].u.link.next) {
        struct ed__watcher *W = &L->w[s - 1];
        if (!(W->flags & W_ENABLED))
            continue;
        ed__watcher_drop_enabled(L, W);
        if (len < sizeof msg)
            len += (size_t)snprintf(msg + len, sizeof msg - len,
                                    "%s %s watcher %" PRIu64 " (created at %s:%d)",
                                    disabled ? "," : "", ed_watcher_type_name(W->type),
                                    ed__watcher_id(L, W), W->file, W->line);
        disabled++;
    }
    if (len < sizeof msg)
        snprintf(msg + len, sizeof msg - len, "; cancel watchers before closing their fd");
    if (disabled)
        ed__report(L, err, "%s", msg);
}

static unsigned io_want(const struct ed__loop *L, const struct ed__fd *F)
{
    unsigned want = 0;
    for (uint32_t s = F->watchers.head; s; s = L->w[s - 1].u.link.next) {
        const struct ed__watcher *W = &L->w[s - 1];
        if (W->flags & W_ACTIVE)
            want |= W->type == ED_WATCHER_READABLE ? ED__IO_READ : ED__IO_WRITE;
    }
    return want;
}

static void io_apply(struct ed__loop *L, int fd, unsigned want)
{
    struct ed__fd *F = &L->fds[fd];
    int rc = L->drv->modify(L->drv_state, fd, F->mask, want);
    if (rc == 0) {
        F->mask = (uint8_t)want;
        return;
    }
    L->drv->modify(L->drv_state, fd, F->mask, 0);
    F->mask = 0;
    F->lazy = false;
    io_fail(L, fd, rc);
}

void ed__io_update(struct ed__loop *L, int fd)
{
    struct ed__fd *F = &L->fds[fd];
    unsigned want = io_want(L, F);
    if (want == F->mask && !F->lazy)
        return;
    if (!(want & ~F->mask)) {
        if (want != F->mask) {
            F->lazy = true; /* dropping interest: later (ed__io_own) */
            return;
        }
        if (F->owned) {
            F->lazy = false; /* wanted again, and surely still registered */
            return;
        }
    }
    F->lazy = false;
    io_apply(L, fd, want);
}

void ed__io_own(struct ed__loop *L, int fd, bool owned)
{
    struct ed__fd *F = &L->fds[fd];
    F->owned = owned;
    if (!owned && F->lazy) {
        F->lazy = false;
        io_apply(L, fd, io_want(L, F));
    }
}

static void invalid_fd(struct ed__loop *L, int fd)
{
    if ((size_t)fd >= L->fd_cap)
        return;
    L->drv->modify(L->drv_state, fd, L->fds[fd].mask, 0);
    L->fds[fd].mask = 0;
    L->fds[fd].lazy = false;
    io_fail(L, fd, -EBADF);
}

/* Calls the active watchers of `type` on every fd whose events match. */
static void io_pass(struct ed__loop *L, int n, int type, unsigned events)
{
    for (int i = 0; i < n; i++) {
        int fd = L->events[i].fd;
        if (!(L->events[i].events & events) || fd == L->sig_fd || (size_t)fd >= L->fd_cap)
            continue;
        for (uint32_t s = L->fds[fd].watchers.head; s; s = L->cursor) {
            struct ed__watcher *W = &L->w[s - 1];
            L->cursor = W->u.link.next;
            if (W->type != type || !(W->flags & W_ACTIVE))
                continue;
            ed_io_callback cb = W->cb.io;
            ed_id id = ed__watcher_id(L, W);
            const char *file = W->file;
            int line = W->line;
            ed__callback_done(L, cb(id, fd, W->data), id, type, file, line);
        }
        L->cursor = 0;
    }
}

/* Readiness reported only for interest kept lazily, that no watcher wants
 * now: drop that interest, or level-triggered polling would report it on
 * every tick. Checked before the callbacks run, which may want it again. */
static void drop_unwanted(struct ed__loop *L, int fd, unsigned events)
{
    struct ed__fd *F = &L->fds[fd];
    unsigned want = io_want(L, F), unwanted = F->mask & ~want;
    if ((events & unwanted) || (!want && (events & ED__IO_HUP))) {
        F->lazy = false;
        io_apply(L, fd, want);
    }
}

void ed__io_dispatch(struct ed__loop *L, int n)
{
    for (int i = 0; i < n; i++) {
        int fd = L->events[i].fd;
        if (fd == L->sig_fd)
            L->sig_ready = true;
        else if (L->events[i].events & ED__IO_INVALID)
            invalid_fd(L, fd);
        else if ((size_t)fd < L->fd_cap && L->fds[fd].lazy)
            drop_unwanted(L, fd, L->events[i].events);
    }
    io_pass(L, n, ED_WATCHER_READABLE, ED__IO_READ | ED__IO_HUP);
    io_pass(L, n, ED_WATCHER_WRITABLE, ED__IO_WRITE | ED__IO_HUP);
}

void ed__io_free(struct ed__loop *L)
{
    ed__free(L->fds);
    L->fds = NULL;
    L->fd_cap = 0;
}
