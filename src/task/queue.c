/* Serial call queues: each submission is a task that first waits for the
 * previous one to settle, so they run one at a time in submission order.
 * Waiting for the previous task does not observe its error: that stays with
 * whoever holds its future. */
#include "task/task.h"

#include <errno.h>

#include "platform/alloc.h"

struct ed_queue {
    ed_future *last; /* the latest submission, or NULL */
};

struct job {
    ed_future *after;
    ed_fn fn;
    void *arg;
};

static int run_job(void *arg, void **result)
{
    struct job job = *(struct job *)arg;
    ed__free(arg);
    int rc = 0;
    if (job.after) {
        rc = ed__wait_future(ed__sched_peek(), job.after, "its turn in a queue");
        ed_future_release(job.after);
    }
    return rc < 0 ? rc : job.fn(job.arg, result);
}

ed_queue *ed_queue_new(void)
{
    ed_queue *q = ed__calloc(1, sizeof *q);
    if (!q)
        errno = ENOMEM;
    return q;
}

ed_future *ed_queue_submit_at(ed_queue *q, ed_fn fn, void *arg, const char *file, int line)
{
    if (!q || !fn) {
        errno = EINVAL;
        return NULL;
    }
    struct job *job = ed__alloc(sizeof *job);
    if (!job) {
        errno = ENOMEM;
        return NULL;
    }
    *job = (struct job){ed_future_ref(q->last), fn, arg};
    ed_future *f = ed_async_at(run_job, job, file, line);
    if (!f) {
        ed_future_release(job->after);
        ed__free(job);
        return NULL;
    }
    ed_future_release(q->last);
    q->last = ed_future_ref(f);
    return f;
}

void ed_queue_free(ed_queue *q)
{
    if (!q)
        return;
    ed_future_release(q->last);
    ed__free(q);
}
