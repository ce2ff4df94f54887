/* The thread pool: one process-wide FIFO of jobs and the workers that run
 * them. Workers start one at a time, when a job finds none free, up to the
 * pool's size; they are joined when the last loop using the pool detaches,
 * so a program (or a test) that frees its loops leaves no thread behind.
 *
 * One mutex guards the queue, every job's shared fields and every port's
 * done list. Its critical sections are a few pointer moves: a lock per port
 * would buy nothing measurable and cost an ordering rule. */
#include "io/io.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>

#include "platform/alloc.h"

#define POOL_MAX 1024

static struct {
    pthread_mutex_t lock;
    pthread_cond_t work;    /* a job was queued, or the workers must stop */
    pthread_cond_t stopped; /* a stop finished: the pool may start again */
    struct ed__job *head, *tail;
    size_t queued;
    size_t idle;    /* workers waiting for a job */
    size_t started; /* workers running */
    size_t size;    /* the most workers; 0 until first needed */
    size_t users;   /* loops attached */
    bool stopping;
    pthread_t threads[POOL_MAX];
} pool = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .work = PTHREAD_COND_INITIALIZER,
    .stopped = PTHREAD_COND_INITIALIZER,
};

/* A worker's own loop (fn may use eddy) must not stop the pool it runs in:
 * it would wait for itself. */
static _Thread_local bool in_worker;

static size_t default_size(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 4)
        return 4;
    return cpus > POOL_MAX ? POOL_MAX : (size_t)cpus;
}

int ed_pool_size(size_t threads)
{
    if (threads > POOL_MAX)
        return -EINVAL;
    pthread_mutex_lock(&pool.lock);
    if (!pool.size)
        pool.size = default_size();
    int rc;
    if (threads && threads < pool.started) {
        rc = -EBUSY;
    } else {
        if (threads)
            pool.size = threads;
        rc = (int)pool.size;
    }
    pthread_mutex_unlock(&pool.lock);
    return rc;
}

static void push(struct ed__job *j)
{
    j->next = NULL;
    if (pool.tail)
        pool.tail->next = j;
    else
        pool.head = j;
    pool.tail = j;
    pool.queued++;
}

void ed__job_discard(struct ed__job *j, int rc, void *result)
{
    if (j->drop)
        j->drop(j->arg, result, rc);
    ed__free(j);
}

static void *worker(void *unused)
{
    (void)unused;
    in_worker = true;
#ifdef __linux__
    pthread_setname_np(pthread_self(), "eddy-pool"); /* for top -H, gdb, tests */
#endif
    pthread_mutex_lock(&pool.lock);
    for (;;) {
        while (!pool.head && !pool.stopping) {
            pool.idle++;
            pthread_cond_wait(&pool.work, &pool.lock);
            pool.idle--;
        }
        struct ed__job *j = pool.head;
        if (!j)
            break; /* stopping, and the queue is empty */
        pool.head = j->next;
        if (!pool.head)
            pool.tail = NULL;
        pool.queued--;
        if (j->abandoned) {
            pthread_mutex_unlock(&pool.lock);
            ed__job_discard(j, -ECANCELED, NULL); /* never started */
            pthread_mutex_lock(&pool.lock);
            continue;
        }
        j->state = JOB_RUNNING;
        pthread_mutex_unlock(&pool.lock);

        void *result = NULL;
        int rc = j->fn(j->arg, &result);

        pthread_mutex_lock(&pool.lock);
        if (j->abandoned) {
            pthread_mutex_unlock(&pool.lock);
            ed__job_discard(j, rc, result);
            pthread_mutex_lock(&pool.lock);
            continue;
        }
        j->rc = rc;
        j->result = result;
        j->state = JOB_DONE;
        j->next = NULL;
        struct ed__port *p = j->port;
        bool was_empty = !p->done_head;
        if (p->done_tail)
            p->done_tail->next = j;
        else
            p->done_head = j;
        p->done_tail = j;
        /* One wake-up per batch: the loop reads the fd before it takes the
         * list, so a job added after that read still finds a wake-up. The
         * write is under the lock: a port is closed only once none of its
         * jobs can reach a worker any more, and the lock proves it. */
        if (was_empty) {
#ifdef __linux__
            uint64_t one = 1;
#else
            char one = 1;
#endif
            ssize_t n;
            while ((n = write(p->wake_fd, &one, sizeof one)) < 0 && errno == EINTR) {
            }
            /* EAGAIN: the pipe is full, so a wake-up is already pending. */
            (void)n;
        }
    }
    pthread_mutex_unlock(&pool.lock);
    return NULL;
}

/* Workers block every signal a program may want to handle: a SIGINT meant
 * for the loop's signal watchers must not interrupt a worker's fn instead.
 * Faults stay deliverable, so a crash in fn is still a crash. */
static int start_worker(void)
{
    sigset_t all, old;
    sigfillset(&all);
    sigdelset(&all, SIGSEGV);
    sigdelset(&all, SIGBUS);
    sigdelset(&all, SIGFPE);
    sigdelset(&all, SIGILL);
    sigdelset(&all, SIGTRAP);
    sigdelset(&all, SIGABRT);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    int rc = pthread_create(&pool.threads[pool.started], NULL, worker, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0)
        return -rc;
    pool.started++;
    return 0;
}

int ed__pool_submit(struct ed__job *j)
{
    pthread_mutex_lock(&pool.lock);
    if (!pool.size)
        pool.size = default_size();
    j->state = JOB_QUEUED;
    j->abandoned = false;
    push(j);
    int rc = 0;
    if (pool.queued > pool.idle && pool.started < pool.size) {
        rc = start_worker();
        if (rc < 0 && pool.started > 0)
            rc = 0; /* the running workers will get to it */
    }
    if (rc < 0) {
        /* No worker at all: then nothing else is queued either. */
        pool.head = pool.tail = NULL;
        pool.queued = 0;
    } else {
        pthread_cond_signal(&pool.work);
    }
    pthread_mutex_unlock(&pool.lock);
    return rc;
}

struct ed__job *ed__pool_take_done(struct ed__port *p)
{
    pthread_mutex_lock(&pool.lock);
    struct ed__job *list = p->done_head;
    p->done_head = p->done_tail = NULL;
    for (struct ed__job *j = list; j; j = j->next)
        j->state = JOB_DELIVERED;
    pthread_mutex_unlock(&pool.lock);
    return list;
}

bool ed__pool_abandon(struct ed__job *j)
{
    pthread_mutex_lock(&pool.lock);
    bool finished = j->state == JOB_DONE || j->state == JOB_DELIVERED;
    if (!finished) {
        j->abandoned = true; /* its worker drops it */
    } else if (j->state == JOB_DONE) {
        struct ed__port *p = j->port;
        struct ed__job **at = &p->done_head, *prev = NULL;
        while (*at != j) {
            prev = *at;
            at = &(*at)->next;
        }
        *at = j->next;
        if (p->done_tail == j)
            p->done_tail = prev;
    }
    pthread_mutex_unlock(&pool.lock);
    return finished;
}

void ed__pool_attach(void)
{
    pthread_mutex_lock(&pool.lock);
    while (pool.stopping)
        pthread_cond_wait(&pool.stopped, &pool.lock);
    pool.users++;
    pthread_mutex_unlock(&pool.lock);
}

void ed__pool_detach(void)
{
    pthread_mutex_lock(&pool.lock);
    if (--pool.users > 0 || pool.started == 0 || in_worker) {
        pthread_mutex_unlock(&pool.lock);
        return;
    }
    /* The workers finish the queue (only drops are left: every loop has
     * abandoned its jobs) and exit; new users wait until they are gone. */
    pool.stopping = true;
    pthread_cond_broadcast(&pool.work);
    size_t n = pool.started;
    pthread_mutex_unlock(&pool.lock);
    for (size_t i = 0; i < n; i++)
        pthread_join(pool.threads[i], NULL);
    pthread_mutex_lock(&pool.lock);
    pool.started = 0;
    pool.stopping = false;
    pthread_cond_broadcast(&pool.stopped);
    pthread_mutex_unlock(&pool.lock);
}
