/* Suspending for a time or a tick: a watcher whose callback wakes the
 * fiber, cancelled if the fiber is woken otherwise (cancellation, main's
 * deadlock or error). */
#include "task/task.h"

#include <errno.h>

static int wake(ed_id id, void *fiber)
{
    (void)id;
    struct ed__sched *S = ed__sched_peek();
    if (S)
        ed__wake(S, fiber, 0);
    return 0;
}

/* The scheduler, if the caller may suspend now; else NULL and *rc why. */
static struct ed__sched *may_suspend(int *rc)
{
    struct ed__sched *S = ed__sched_get();
    *rc = S ? ed__can_suspend(S) : -ENOMEM;
    return *rc < 0 ? NULL : S;
}

static int wait_for(ed_id id, struct ed__sched *S, const char *what)
{
    if (!id)
        return -errno;
    int rc = ed__suspend(S, what);
    if (rc < 0)
        ed_cancel(id);
    return rc;
}

int ed_sleep(double seconds)
{
    int rc;
    struct ed__sched *S = seconds >= 0 ? may_suspend(&rc) : (rc = -EINVAL, NULL);
    return S ? wait_for(ed_delay(seconds, wake, S->current), S, "sleep") : rc;
}

int ed_yield(void)
{
    int rc;
    struct ed__sched *S = may_suspend(&rc);
    return S ? wait_for(ed_defer(wake, S->current), S, "the next tick") : rc;
}
