/* ed_blocking: a job on the pool, and the port through which the pool hands
 * finished jobs back to the loop that submitted them. Each loop has one
 * port, made at its first job: an eventfd (a pipe elsewhere) and a readable
 * watcher on it, referenced only while somebody waits for a job, so an idle
 * port never keeps ed_run() going. */
#include "io/io.h"

#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/eventfd.h>
#endif

#include "platform/alloc.h"
#include "platform/fd.h"

#define PORT_KEY "eddy.pool"

static void port_list_remove(struct ed__port *p, struct ed__job *j)
{
    if (j->lprev)
        j->lprev->lnext = j->lnext;
    else
        p->jobs = j->lnext;
    if (j->lnext)
        j->lnext->lprev = j->lprev;
}

static void waiting_done(struct ed__port *p)
{
    if (--p->waiting == 0)
        ed_unreference(p->watcher);
}

static int deliver(ed_id id, int fd, void *data)
{
    (void)id;
    struct ed__port *p = data;
    /* Read the wake-up before taking the list: a job finished after this
     * read writes again, so none is ever left without one. */
#ifdef __linux__
    uint64_t count;
    while (read(fd, &count, sizeof count) < 0 && errno == EINTR) {
    }
#else
    char buf[64];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0 && !(n < 0 && errno == EINTR))
            break;
    }
#endif
    struct ed__sched *S = ed__sched_peek();
    for (struct ed__job *j = ed__pool_take_done(p), *next; j; j = next) {
        next = j->next;
        j->delivered = true;
        waiting_done(p);
        if (S)
            ed__wake(S, j->fiber, 0);
    }
    return 0;
}

static void port_destroy(void *data)
{
    struct ed__port *p = data;
    /* The loop is going: its jobs are nobody's any more. Their fibers are
     * being freed too, and are never looked at again. */
    while (p->jobs) {
        struct ed__job *j = p->jobs;
        port_list_remove(p, j);
        if (ed__pool_abandon(j))
            ed__job_discard(j, j->rc, j->result);
    }
    ed_cancel(p->watcher);
    ed__close(p->read_fd);
    if (p->wake_fd != p->read_fd)
        ed__close(p->wake_fd);
    ed__free(p);
    ed__pool_detach();
}

static struct ed__port *port_get(void)
{
    struct ed__port *p = ed_state_get(PORT_KEY);
    if (p)
        return p;
    if (!(p = ed__calloc(1, sizeof *p))) {
        errno = ENOMEM;
        return NULL;
    }
#ifdef __linux__
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (fd < 0)
        goto fail;
    p->read_fd = p->wake_fd = fd;
#else
    int fds[2];
    int rc = ed__pipe(fds);
    if (rc < 0) {
        errno = -rc;
        goto fail;
    }
    p->read_fd = fds[0];
    p->wake_fd = fds[1];
#endif
    p->watcher = ed_on_readable(p->read_fd, deliver, p);
    if (!p->watcher)
        goto fail_fds;
    ed_unreference(p->watcher);
    int rc2 = ed_state_set(PORT_KEY, p, port_destroy);
    if (rc2 < 0) {
        ed_cancel(p->watcher);
        errno = -rc2;
        goto fail_fds;
    }
    ed__pool_attach();
    return p;

fail_fds:
    ed__close(p->read_fd);
    if (p->wake_fd != p->read_fd)
        ed__close(p->wake_fd);
fail:
    ed__free(p);
    return NULL;
}

int ed_blocking_with(ed_fn fn, void *arg, ed_drop_fn drop, void **result)
{
    int rc = -EINVAL;
    struct ed__sched *S = fn ? ed__io_enter(&rc) : NULL;
    struct ed__port *p = S ? port_get() : NULL;
    struct ed__job *j = p ? ed__calloc(1, sizeof *j) : NULL;
    if (!j) {
        if (S)
            rc = p ? -ENOMEM : -errno;
        if (drop)
            drop(arg, NULL, rc);
        return rc;
    }
    j->fn = fn;
    j->arg = arg;
    j->drop = drop;
    j->port = p;
    j->fiber = S->current;
    if ((rc = ed__pool_submit(j)) < 0) {
        ed__job_discard(j, rc, NULL);
        return rc;
    }
    j->lnext = p->jobs;
    if (p->jobs)
        p->jobs->lprev = j;
    p->jobs = j;
    if (p->waiting++ == 0)
        ed_reference(p->watcher);

    rc = ed__suspend(S, "a job on the thread pool");

    /* The port outlives every wait on it: it goes only with the loop, and
     * a fiber suspended then never returns here. */
    port_list_remove(p, j);
    if (rc == 0 && j->delivered) {
        if (j->rc >= 0) {
            if (result)
                *result = j->result;
            ed__free(j);
            return 0;
        }
        rc = j->rc;
        ed__job_discard(j, rc, j->result);
        return rc;
    }
    /* Cut short (cancelled, or main's loop failed), maybe while its
     * delivery was on its way. */
    if (!j->delivered)
        waiting_done(p);
    if (ed__pool_abandon(j))
        ed__job_discard(j, j->rc, j->result);
    return rc < 0 ? rc : -ECANCELED;
}

int ed_blocking(ed_fn fn, void *arg, void **result)
{
    return ed_blocking_with(fn, arg, NULL, result);
}
