/* Background loops: making, starting, stopping and freeing them, the task
 * each run of the body lives in, and their log lines. */
#include "modules/bgloop.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include "platform/alloc.h"

/* The running loops of one event loop, kept as its state: freeing the
 * event loop frees their tasks without running them, so the loops must let
 * go of those tasks then (registry_destroy). */
struct ed__bgloop_registry {
    ed_loop *head;
};

#define REGISTRY_KEY "eddy.bgloops"

void ed__bgloop_log(const ed_loop *loop, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    /* One call, so that the line reaches stderr in one piece. */
    fprintf(stderr, "eddy: loop '%s' %s\n", loop->name, what);
}

static bool debug_on(void)
{
    struct ed__sched *S = ed__sched_peek();
    return S && S->debug;
}

ed_loop *ed__bgloop_alloc(const char *name, ed_loop_fn body, void *arg)
{
    if (!name || !body) {
        errno = EINVAL;
        return NULL;
    }
    ed_loop *loop = ed__calloc(1, sizeof *loop);
    char *copy = loop ? ed__strdup(name) : NULL;
    if (!copy) {
        ed__free(loop);
        errno = ENOMEM;
        return NULL;
    }
    loop->name = copy;
    loop->body = body;
    loop->arg = arg;
    loop->refs = 1;
    return loop;
}

ed_loop *ed_loop_new(const char *name, ed_loop_fn body, void *arg)
{
    return ed__bgloop_alloc(name, body, arg);
}

void ed__bgloop_unref(ed_loop *loop)
{
    if (--loop->refs > 0)
        return;
    ed__free(loop->name);
    ed__free(loop);
}

/* ---- the registry ---------------------------------------------------------- */

static void forget(ed_loop *loop)
{
    struct ed__bgloop_registry *r = loop->reg;
    if (!r)
        return;
    if (loop->prev)
        loop->prev->next = loop->next;
    else
        r->head = loop->next;
    if (loop->next)
        loop->next->prev = loop->prev;
    loop->prev = loop->next = NULL;
    loop->reg = NULL;
}

static void registry_destroy(void *p)
{
    struct ed__bgloop_registry *r = p;
    while (r->head) {
        ed_loop *loop = r->head;
        forget(loop);
        /* Nothing runs again: every body and wait is gone with its task,
         * and what they held goes with them. The watchers and the tasks
         * are freed after this (the scheduler's state is older). */
        loop->pauser = loop->listener = NULL;
        loop->running = loop->stopping = false;
        loop->resume_kept = loop->signal_kept = false;
        ed_future_release(loop->task);
        loop->task = NULL;
        loop->refs = 1; /* the owner's, if the owner has not freed it yet */
        if (loop->freed)
            ed__bgloop_unref(loop);
    }
    ed__free(r);
}

static struct ed__bgloop_registry *registry(void)
{
    struct ed__bgloop_registry *r = ed_state_get(REGISTRY_KEY);
    if (r)
        return r;
    r = ed__calloc(1, sizeof *r);
    if (!r || ed_state_set(REGISTRY_KEY, r, registry_destroy) < 0) {
        ed__free(r);
        return NULL;
    }
    return r;
}

static void remember(ed_loop *loop, struct ed__bgloop_registry *r)
{
    loop->reg = r;
    loop->prev = NULL;
    loop->next = r->head;
    if (r->head)
        r->head->prev = loop;
    r->head = loop;
}

/* ---- running ---------------------------------------------------------------- */

static void end_waits(ed_loop *loop)
{
    if (loop->pauser)
        ed__bgloop_wake(loop->pauser, BG_STOPPED, NULL, 0);
    if (loop->listener)
        ed__bgloop_wake(loop->listener, BG_STOPPED, NULL, 0);
}

/* The task of one run: the body, then the outcome as the loop's owner
 * should see it. */
static int run_body(void *arg, void **result)
{
    ed_loop *loop = arg;
    (void)result;
    struct ed__task *self = ed__current_task(ed__sched_peek());
    loop->task = ed_future_ref(&self->f);
    if (debug_on())
        ed__bgloop_log(loop, "started");

    int rc = loop->body(loop, loop->arg);

    /* A stop asks the body to end: the -ECANCELED its waits return then
     * is a clean end. Being freed cancels the run, whatever it returned,
     * and nobody need look at that. */
    bool cancelled = self->fiber.cancelled && !loop->freed; /* by the future's owner */
    if (rc == -ECANCELED && loop->stopping && !loop->freed && !cancelled)
        rc = 0;
    if (loop->freed && rc >= 0)
        rc = -ECANCELED;
    if (loop->freed && rc == -ECANCELED)
        ed_future_ignore(&self->f);
    if (rc < 0 && !(rc == -ECANCELED && (loop->freed || cancelled)))
        ed__bgloop_log(loop, "failed: %s (%d)", self->fail_msg ? self->fail_msg : ed_strerror(rc),
                       rc);
    else if (debug_on())
        ed__bgloop_log(loop, rc < 0 ? "exited: cancelled" : "exited");

    /* Whatever was kept for this run is dropped, and helper tasks still
     * waiting on the loop are let go. */
    end_waits(loop);
    loop->running = loop->stopping = false;
    loop->resume_kept = loop->signal_kept = false;
    loop->signal_value = NULL;
    loop->signal_err = 0;
    forget(loop);
    ed_future_release(loop->task); /* the task keeps its own until it ends */
    loop->task = NULL;
    ed__bgloop_unref(loop);
    return rc;
}

ed_future *ed_loop_start_at(ed_loop *loop, const char *file, int line)
{
    if (!loop) {
        errno = EINVAL;
        return NULL;
    }
    if (loop->running) {
        ed__bgloop_log(loop, "could not start: it is already running%s",
                       loop->stopping ? " (stopping)" : "");
        errno = EALREADY;
        return NULL;
    }
    /* The scheduler first, so that its state is older than the registry
     * and outlives it. */
    struct ed__bgloop_registry *r = ed__sched_get() ? registry() : NULL;
    if (!r) {
        ed__bgloop_log(loop, "could not start: out of memory");
        errno = ENOMEM;
        return NULL;
    }
    loop->running = true;
    loop->refs++; /* the run's, dropped by run_body */
    remember(loop, r);
    ed_task_options opt = {0, loop->name};
    ed_future *f = ed_async_with_at(run_body, loop, &opt, file, line);
    if (!f) {
        forget(loop);
        loop->running = false;
        loop->refs--;
        ed__bgloop_log(loop, "could not start: out of memory");
        errno = ENOMEM;
    }
    return f;
}

bool ed_loop_running(const ed_loop *loop)
{
    return loop && loop->running;
}

bool ed_loop_stopping(const ed_loop *loop)
{
    return loop && loop->running && (loop->stopping || loop->freed);
}

const char *ed_loop_name(const ed_loop *loop)
{
    return loop ? loop->name : NULL;
}

int ed_loop_stop(ed_loop *loop)
{
    if (!loop)
        return -EINVAL;
    if (!loop->running)
        return -EALREADY;
    loop->stopping = true;
    end_waits(loop);
    return 0;
}

void ed_loop_free(ed_loop *loop)
{
    if (!loop)
        return;
    loop->freed = true;
    end_waits(loop);
    if (loop->running) {
        loop->stopping = true;
        (void)ed_cancel_future(loop->task);
    }
    ed__bgloop_unref(loop);
}
