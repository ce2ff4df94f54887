/* Generic and periodic loops: bodies of eddy's own that call a function
 * again and again and pause between the calls as it (or the interval)
 * says; a resume or a NULL signal ends a pause early, a non-NULL signal
 * ends the loop (the seed's truthy signal), an error signal fails it. */
#include "modules/bgloop.h"

#include <errno.h>
#include <math.h>

/* Pauses between two calls: 1 to call again, 0 to end, or an error. A
 * stop's -ECANCELED becomes a clean end in run_body. */
static int between(ed_loop *loop, double seconds)
{
    void *signal = NULL;
    int rc = ed_loop_pause_signal(loop, seconds, &signal);
    if (rc < 0)
        return rc;
    return rc == 1 && signal ? 0 : 1;
}

static int generic_body(ed_loop *loop, void *arg)
{
    (void)arg;
    for (;;) {
        double t = loop->generic(loop, loop->fn_arg);
        if (t == ED_LOOP_STOP || loop->stopping)
            return 0;
        if (!(t >= 0) && t != ED_LOOP_PAUSE)
            return ed_fail(-EINVAL, "its function returned %g: not seconds, nor an ED_LOOP_ code",
                           t);
        int rc = between(loop, t == ED_LOOP_PAUSE ? -1 : t);
        if (rc <= 0)
            return rc;
    }
}

static int periodic_body(ed_loop *loop, void *arg)
{
    (void)arg;
    for (;;) {
        if (loop->periodic(loop, loop->fn_arg) || loop->stopping)
            return 0;
        int rc = between(loop, loop->interval);
        if (rc <= 0)
            return rc;
    }
}

ed_loop *ed_loop_generic(const char *name, ed_generic_fn fn, void *arg)
{
    if (!fn) {
        errno = EINVAL;
        return NULL;
    }
    ed_loop *loop = ed__bgloop_alloc(name, generic_body, NULL);
    if (loop) {
        loop->generic = fn;
        loop->fn_arg = arg;
    }
    return loop;
}

ed_loop *ed_loop_periodic(const char *name, ed_periodic_fn fn, void *arg, double interval)
{
    if (!fn || isnan(interval)) {
        errno = EINVAL;
        return NULL;
    }
    ed_loop *loop = ed__bgloop_alloc(name, periodic_body, NULL);
    if (loop) {
        loop->periodic = fn;
        loop->fn_arg = arg;
        loop->interval = interval;
    }
    return loop;
}
