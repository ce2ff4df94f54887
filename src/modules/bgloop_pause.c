/* Pauses and resumes of background loops, and the wait record every wait
 * of a loop is built on (see bgloop.h). A resume that finds no pause is
 * kept for the next one: the reference drops it, and a loop that is woken
 * while it works, rather than while it pauses, would sleep through it
 * (behaviour.md §8.12). */
#include "modules/bgloop.h"

#include <errno.h>
#include <math.h>

int ed__bgloop_wait_begin(struct ed__bgloop_wait *w, ed_loop *loop)
{
    if (!loop)
        return -EINVAL;
    struct ed__sched *S = ed__sched_get();
    if (!S)
        return -ENOMEM;
    int rc = ed__can_suspend(S);
    if (rc < 0)
        return rc;
    if (loop->stopping || loop->freed)
        return -ECANCELED;
    *w = (struct ed__bgloop_wait){.loop = loop, .s = ed_suspension_get()};
    return 0;
}

void ed__bgloop_wake(struct ed__bgloop_wait *w, enum ed__bgloop_outcome outcome, void *value,
                     int err)
{
    if (w->outcome != BG_NONE)
        return; /* the first outcome wins; its wake-up is on its way */
    w->outcome = outcome;
    w->value = value;
    w->err = err;
    if (w->timer) {
        ed_cancel(w->timer);
        w->timer = 0;
    }
    /* -EALREADY: the fiber was already woken otherwise (its task was
     * cancelled); ed__bgloop_wait_run sees that and keeps the outcome. */
    (void)ed_resume(w->s, NULL);
}

static int pause_over(ed_id id, void *data)
{
    (void)id;
    struct ed__bgloop_wait *w = data;
    w->timer = 0; /* a delay is freed as it fires */
    ed__bgloop_wake(w, BG_ELAPSED, NULL, 0);
    return 0;
}

int ed__bgloop_wait_pause(struct ed__bgloop_wait *w, double seconds)
{
    ed_loop *loop = w->loop;
    if (seconds >= 0 && !isinf(seconds)) {
        w->timer = ed_delay(seconds, pause_over, w);
        if (!w->timer)
            return -errno;
    }
    /* One pause per loop: as in the seed, the newest one is the loop's,
     * and an older one (a helper task's, orphaned by a signal) ends. */
    if (loop->pauser)
        ed__bgloop_wake(loop->pauser, BG_STOPPED, NULL, 0);
    loop->pauser = w;
    return 0;
}

/* A wake-up that reached a fiber already woken by a cancellation is given
 * back to the loop, for whoever waits next. */
static void keep_unused(struct ed__bgloop_wait *w)
{
    ed_loop *loop = w->loop;
    if (w->outcome == BG_RESUMED) {
        loop->resume_kept = true;
    } else if (w->outcome == BG_SIGNAL && !loop->signal_kept) {
        loop->signal_kept = true;
        loop->signal_value = w->value;
        loop->signal_err = w->err;
    }
}

int ed__bgloop_wait_run(struct ed__bgloop_wait *w)
{
    ed_loop *loop = w->loop;
    loop->refs++; /* the loop may be freed while we wait */
    int rc;
    do
        rc = ed_suspend(w->s, NULL);
    while (rc == 0 && w->outcome == BG_NONE); /* someone else's ed_resume: not ours */
    if (loop->pauser == w)
        loop->pauser = NULL;
    if (loop->listener == w)
        loop->listener = NULL;
    if (w->timer) {
        ed_cancel(w->timer);
        w->timer = 0;
    }
    ed__waiter_unlink(&w->fw);
    if (rc < 0)
        keep_unused(w);
    else if (loop->stopping || loop->freed || w->outcome == BG_STOPPED)
        rc = -ECANCELED;
    ed__bgloop_unref(loop);
    return rc;
}

int ed_loop_pause(ed_loop *loop, double seconds)
{
    if (isnan(seconds))
        return -EINVAL;
    struct ed__bgloop_wait w;
    int rc = ed__bgloop_wait_begin(&w, loop);
    if (rc < 0)
        return rc;
    if (loop->resume_kept) {
        loop->resume_kept = false;
        return 1;
    }
    rc = ed__bgloop_wait_pause(&w, seconds);
    if (rc < 0)
        return rc;
    rc = ed__bgloop_wait_run(&w);
    return rc < 0 ? rc : w.outcome == BG_RESUMED;
}

void ed_loop_resume(ed_loop *loop)
{
    if (!loop)
        return;
    if (loop->pauser)
        ed__bgloop_wake(loop->pauser, BG_RESUMED, NULL, 0); /* joins a wake-up on its way */
    else
        loop->resume_kept = true;
}
