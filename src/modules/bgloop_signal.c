/* Signals to background loops: values (or errors) sent to a loop, taken by
 * the fiber waiting for them, or kept, the latest one winning, until the
 * next wait. The reference drops a signal that finds nobody waiting; a
 * loop told to stop while it works would then never hear it (behaviour.md
 * §8.12). */
#include "modules/bgloop.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>

static int deliver(ed_loop *loop, void *value, int err)
{
    struct ed__bgloop_wait *w = loop->listener;
    if (w && w->outcome == BG_NONE) {
        ed__bgloop_wake(w, BG_SIGNAL, value, err);
        return 0;
    }
    loop->signal_kept = true;
    loop->signal_value = value;
    loop->signal_err = err;
    return 0;
}

int ed_loop_signal(ed_loop *loop, void *value)
{
    return loop ? deliver(loop, value, 0) : -EINVAL;
}

int ed_loop_signal_error(ed_loop *loop, int err)
{
    return loop && err < 0 ? deliver(loop, NULL, err) : -EINVAL;
}

/* What a wait returns for a signal: 1 and its value, or its error. */
static int signal_result(void *value, int err, void **out)
{
    if (err)
        return err;
    if (out)
        *out = value;
    return 1;
}

static bool take_kept(ed_loop *loop, void **out, int *rc)
{
    if (!loop->signal_kept)
        return false;
    loop->signal_kept = false;
    *rc = signal_result(loop->signal_value, loop->signal_err, out);
    loop->signal_value = NULL;
    loop->signal_err = 0;
    return true;
}

static void future_settled(struct ed__waiter *fw, ed_future *f)
{
    (void)f;
    struct ed__bgloop_wait *w =
        (struct ed__bgloop_wait *)((char *)fw - offsetof(struct ed__bgloop_wait, fw));
    ed__bgloop_wake(w, BG_SETTLED, NULL, 0);
}

int ed_loop_wait_signal(ed_loop *loop, ed_future *f, void **value)
{
    if (!f)
        return -EINVAL;
    struct ed__bgloop_wait w;
    int rc = ed__bgloop_wait_begin(&w, loop);
    if (rc < 0)
        return rc;
    if (take_kept(loop, value, &rc))
        return rc;
    if (!ed_future_done(f)) {
        if (loop->listener)
            return -EBUSY;
        loop->listener = &w;
        /* A suspension is its fiber (sched.c): the waiter belongs to it. */
        ed__waiter_link(f, &w.fw, (struct ed__fiber *)w.s, future_settled);
        rc = ed__bgloop_wait_run(&w);
        if (rc < 0)
            return rc;
        if (w.outcome == BG_SIGNAL)
            return signal_result(w.value, w.err, value);
    }
    return ed_await(f, value); /* settled: returns at once, observing it */
}

int ed_loop_pause_signal(ed_loop *loop, double seconds, void **value)
{
    if (isnan(seconds))
        return -EINVAL;
    struct ed__bgloop_wait w;
    int rc = ed__bgloop_wait_begin(&w, loop);
    if (rc < 0)
        return rc;
    if (take_kept(loop, value, &rc))
        return rc;
    if (loop->resume_kept) {
        loop->resume_kept = false;
        if (value)
            *value = (void *)(uintptr_t)1;
        return 0;
    }
    if (loop->listener)
        return -EBUSY;
    rc = ed__bgloop_wait_pause(&w, seconds);
    if (rc < 0)
        return rc;
    loop->listener = &w;
    rc = ed__bgloop_wait_run(&w);
    if (rc < 0)
        return rc;
    if (w.outcome == BG_SIGNAL)
        return signal_result(w.value, w.err, value);
    if (value)
        *value = (void *)(uintptr_t)(w.outcome == BG_RESUMED);
    return 0;
}
