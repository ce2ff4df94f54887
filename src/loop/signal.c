/* Signal watchers. The process-wide half is a table of "sinks", one per loop
 * that watches signals: each has a pipe, the mask of signals its loop
 * watches, and the mask of those that arrived. eddy's handler only sets bits
 * and writes a byte to the pipe (both async-signal-safe); the loop sees the
 * pipe readable through its driver and runs the callbacks from the loop, in
 * the tick's signal phase. A self-pipe rather than signalfd, because
 * signalfd needs the signal blocked in every thread of the process, which a
 * library cannot promise.
 *
 * Sinks and their pipes are never freed, only handed to the next loop that
 * needs one: a handler running on another thread may still hold a sink's fd,
 * and closing it could make that write land in an unrelated file that
 * reused the number. */
#include "loop/loop.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

#include "platform/fd.h"

#define MAX_SINKS 64

struct sink {
    atomic_int write_fd1; /* the pipe's write end + 1; 0 until first used */
    int read_fd;
    bool used;
    atomic_uint_least64_t watched;
    atomic_uint_least64_t arrived;
};

static struct sink sinks[MAX_SINKS];
static pthread_mutex_t sinks_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned watchers_of[ED__NSIG + 1]; /* sinks watching each signal */
static struct sigaction previous[ED__NSIG + 1];

static inline uint64_t bit(int signo)
{
    return UINT64_C(1) << (signo - 1);
}

static void on_signal(int signo)
{
    int saved = errno;
    for (int i = 0; i < MAX_SINKS; i++) {
        struct sink *s = &sinks[i];
        if (!(atomic_load_explicit(&s->watched, memory_order_relaxed) & bit(signo)))
            continue;
        atomic_fetch_or(&s->arrived, bit(signo));
        int fd = atomic_load(&s->write_fd1) - 1;
        if (fd >= 0) {
            char byte = (char)signo;
            ssize_t r = write(fd, &byte, 1); /* a full pipe already wakes the loop */
            (void)r;
        }
    }
    errno = saved;
}

int ed__signal_valid(int signo)
{
    if (signo < 1 || signo > ED__NSIG || signo >= NSIG || signo == SIGKILL || signo == SIGSTOP)
        return 0;
    struct sigaction current;
    return sigaction(signo, NULL, &current) == 0; /* rejects the C library's own */
}

/* Takes a sink for L and watches its pipe through L's driver. */
int ed__signal_prepare(struct ed__loop *L)
{
    if (L->sig_sink >= 0)
        return 0;
    pthread_mutex_lock(&sinks_lock);
    int idx = 0, rc = 0;
    while (idx < MAX_SINKS && sinks[idx].used)
        idx++;
    if (idx == MAX_SINKS) {
        rc = -EMFILE; /* more threads watch signals than eddy has sinks for */
    } else if (atomic_load(&sinks[idx].write_fd1) == 0) {
        int fds[2];
        rc = ed__pipe(fds);
        if (rc == 0) {
            sinks[idx].read_fd = fds[0];
            atomic_store(&sinks[idx].write_fd1, fds[1] + 1);
        }
    }
    if (rc == 0)
        sinks[idx].used = true;
    pthread_mutex_unlock(&sinks_lock);
    if (rc < 0)
        return rc;

    int fd = sinks[idx].read_fd;
    if (L->drv->reserve)
        rc = L->drv->reserve(L->drv_state, fd);
    if (rc == 0)
        rc = L->drv->modify(L->drv_state, fd, 0, ED__IO_READ);
    if (rc < 0) {
        pthread_mutex_lock(&sinks_lock);
        sinks[idx].used = false;
        pthread_mutex_unlock(&sinks_lock);
        return rc;
    }
    L->sig_sink = idx;
    L->sig_fd = fd;
    return 0;
}

static int sink_watch(int idx, int signo)
{
    int rc = 0;
    pthread_mutex_lock(&sinks_lock);
    if (watchers_of[signo] == 0) {
        struct sigaction sa = {0};
        sa.sa_handler = on_signal;
        sa.sa_flags = SA_RESTART;
        sigfillset(&sa.sa_mask);
        if (sigaction(signo, &sa, &previous[signo]) != 0)
            rc = -errno;
    }
    if (rc == 0) {
        watchers_of[signo]++;
        atomic_fetch_or(&sinks[idx].watched, bit(signo));
    }
    pthread_mutex_unlock(&sinks_lock);
    return rc;
}

static void sink_unwatch(int idx, int signo)
{
    pthread_mutex_lock(&sinks_lock);
    atomic_fetch_and(&sinks[idx].watched, ~bit(signo));
    if (--watchers_of[signo] == 0)
        sigaction(signo, &previous[signo], NULL);
    pthread_mutex_unlock(&sinks_lock);
}

static ed_id signal_new(int signo, ed_signal_callback cb, void *data, const char *file, int line)
{
    struct ed__loop *L = ed__loop_get();
    if (!L)
        return 0;
    if (!cb || !ed__signal_valid(signo)) {
        errno = EINVAL;
        return 0;
    }
    int rc = ed__signal_prepare(L);
    struct ed__watcher *W = NULL;
    if (rc == 0 && (ed__reserve_pending(L) ||
                    !(W = ed__watcher_new(L, ED_WATCHER_SIGNAL, data, file, line))))
        rc = -ENOMEM;
    if (rc < 0) {
        errno = -rc;
        return 0;
    }
    W->cb.sig = cb;
    W->u.link.fd = signo;
    ed__list_append(L, &L->sig_watchers[signo], (uint32_t)(W - L->w));
    ed__watcher_arm(L, W);
    return ed__watcher_id(L, W);
}

ed_id ed_on_signal_at(int signo, ed_signal_callback cb, void *data, const char *file, int line)
{
    return signal_new(signo, cb, data, file, line);
}

void ed__signal_activate(struct ed__loop *L, uint32_t slot)
{
    int signo = L->w[slot].u.link.fd;
    if (L->sig_active[signo]++ > 0)
        return;
    int rc = sink_watch(L->sig_sink, signo);
    if (rc == 0)
        return;
    L->sig_active[signo]--;
    struct ed__watcher *W = &L->w[slot];
    ed__watcher_drop_enabled(L, W);
    ed__report(L, rc, "signal watcher %llu (created at %s:%d) for signal %d disabled: "
               "its handler could not be installed (%s)",
               (unsigned long long)ed__watcher_id(L, W), W->file, W->line, signo, ed_strerror(rc));
}

void ed__signal_deactivate(struct ed__loop *L, int signo)
{
    if (--L->sig_active[signo] == 0)
        sink_unwatch(L->sig_sink, signo);
}

void ed__signal_dispatch(struct ed__loop *L)
{
    L->sig_ready = false;
    char buf[64];
    while (read(L->sig_fd, buf, sizeof buf) > 0)
        ;
    uint64_t arrived = atomic_exchange(&sinks[L->sig_sink].arrived, 0);
    for (int signo = 1; arrived && signo <= ED__NSIG; signo++) {
        if (!(arrived & bit(signo)))
            continue;
        arrived &= ~bit(signo);
        for (uint32_t s = L->sig_watchers[signo].head; s; s = L->cursor) {
            struct ed__watcher *W = &L->w[s - 1];
            L->cursor = W->u.link.next;
            if (!(W->flags & W_ACTIVE))
                continue;
            ed_signal_callback cb = W->cb.sig;
            ed_id id = ed__watcher_id(L, W);
            const char *file = W->file;
            int line = W->line;
            ed__callback_done(L, cb(id, signo, W->data), id, ED_WATCHER_SIGNAL, file, line);
        }
        L->cursor = 0;
    }
}

void ed__signal_close(struct ed__loop *L)
{
    if (L->sig_sink < 0)
        return;
    for (int signo = 1; signo <= ED__NSIG; signo++)
        if (L->sig_active[signo]) {
            L->sig_active[signo] = 1;
            ed__signal_deactivate(L, signo);
        }
    L->drv->modify(L->drv_state, L->sig_fd, ED__IO_READ, 0);
    char buf[64];
    while (read(L->sig_fd, buf, sizeof buf) > 0)
        ;
    pthread_mutex_lock(&sinks_lock);
    atomic_store(&sinks[L->sig_sink].arrived, 0);
    sinks[L->sig_sink].used = false;
    pthread_mutex_unlock(&sinks_lock);
    L->sig_sink = -1;
    L->sig_fd = -1;
}
