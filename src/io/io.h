/* Layer 4's internal interface: waiting for an fd from a fiber, and the
 * jobs that the thread pool (pool.c) runs for the per-loop completion
 * ports (blocking.c).
 *
 * A job is shared by two threads: the loop thread that submitted it and the
 * worker that runs it. Every field a worker reads or writes after the
 * submission (next, state, abandoned, rc, result) is guarded by the pool's
 * one mutex; the rest belongs to the loop thread. */
#ifndef EDDY_IO_IO_H
#define EDDY_IO_IO_H

#include <eddy.h>

#include "task/task.h"

/* ---- fdwait.c ------------------------------------------------------------ */

/* The scheduler, if the caller may suspend now (the I/O calls refuse to run
 * at all where they could not wait); else NULL and *rc says why. */
struct ed__sched *ed__io_enter(int *rc);

/* One call's wait for an fd: its watchers are made at the first wait and
 * kept until ed__fdwait_end, so a call that waits several times (a long
 * write) registers once, and the timer measures the whole call. */
struct ed__fdwait {
    struct ed__sched *S;
    ed_id io, timer;
    int fd;
    bool writable;
    double timeout; /* seconds; < 0: none */
};

static inline void ed__fdwait_init(struct ed__fdwait *w, struct ed__sched *S, int fd,
                                   bool writable, double timeout)
{
    *w = (struct ed__fdwait){S, 0, 0, fd, writable, timeout};
}

/* Suspends until the fd is ready (0), the timeout expires (-ETIMEDOUT), or
 * the wait is cut short (-ECANCELED, main's -EDEADLK or loop error, -ENOMEM). */
int ed__fdwait(struct ed__fdwait *w);
void ed__fdwait_end(struct ed__fdwait *w);

/* Whether a timeout is well formed: NaN is not. */
static inline bool ed__timeout_valid(double timeout)
{
    return timeout == timeout;
}

/* ---- rw.c ---------------------------------------------------------------- */

/* One non-blocking write of up to n bytes that never raises SIGPIPE: send
 * with MSG_NOSIGNAL on a socket (learnt in *not_socket, false at first),
 * write with SIGPIPE held back on anything else. Like write(2): the count,
 * or -1 and errno. */
ssize_t ed__put_some(int fd, const void *buf, size_t n, bool *not_socket);

/* ---- pool.c and blocking.c ----------------------------------------------- */

enum ed__job_state {
    JOB_QUEUED,
    JOB_RUNNING,
    JOB_DONE,      /* on its port's done list */
    JOB_DELIVERED, /* taken by its loop, its fiber woken */
};

struct ed__port;

struct ed__job {
    struct ed__job *next; /* the pool's queue, or its port's done list */
    int state;
    bool abandoned; /* nobody waits: its worker drops and frees it */
    int rc;
    void *result;
    ed_fn fn;
    void *arg;
    ed_drop_fn drop;
    /* The loop thread's own: */
    struct ed__port *port;
    struct ed__fiber *fiber;
    struct ed__job *lprev, *lnext; /* the port's list of its jobs */
    bool delivered; /* state's JOB_DELIVERED, readable without the lock */
};

/* The completion side of one loop. Workers touch only done_head/done_tail
 * and write to wake_fd, under the pool's mutex. */
struct ed__port {
    struct ed__job *done_head, *done_tail;
    int wake_fd; /* workers write here... */
    int read_fd; /* ...the loop watches this (the same eventfd on Linux) */
    /* The loop thread's own: */
    ed_id watcher;
    size_t waiting; /* jobs someone waits for: the watcher is referenced while > 0 */
    struct ed__job *jobs;
};

/* A loop starts or stops using the pool. The last one to stop joins the
 * workers, after they finished what they were running. */
void ed__pool_attach(void);
void ed__pool_detach(void);
/* Queues a job; starts a worker if none is free. 0, or -EAGAIN when no
 * worker thread could be started at all. */
int ed__pool_submit(struct ed__job *j);
/* Takes the port's finished jobs (now JOB_DELIVERED), oldest first. */
struct ed__job *ed__pool_take_done(struct ed__port *p);
/* Gives up on a job nobody will wait for. false: the pool drops it (fn's
 * result, or fn itself if it has not started) and frees it; true: it had
 * finished, and the caller must ed__job_discard it. */
bool ed__pool_abandon(struct ed__job *j);
/* Calls the job's drop, if any, and frees it. Without the pool's lock:
 * drop may take its time. */
void ed__job_discard(struct ed__job *j, int rc, void *result);

#endif
