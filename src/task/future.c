/* Futures and deferreds: settle once, awaited by any number of fibers,
 * reference counted, and never losing an error: a failure released without
 * having been observed goes to the loop's error path. */
#include "task/task.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "platform/alloc.h"

/* A deferred is its future: one allocation, freed with the last reference
 * (the deferred's own counts as one). */
struct ed_deferred {
    ed_future f;
};

void ed__future_init(ed_future *f, uint8_t flags, const char *file, int line)
{
    memset(f, 0, sizeof *f);
    f->refs = 1;
    f->flags = flags;
    f->file = file ? file : "?";
    f->line = line;
}

void ed__waiter_link(ed_future *f, struct ed__waiter *w, struct ed__fiber *owner,
                     void (*fn)(struct ed__waiter *, ed_future *))
{
    w->on = f;
    w->fn = fn;
    w->owner = owner;
    w->next = NULL;
    w->prev = f->tail;
    if (f->tail)
        f->tail->next = w;
    else
        f->head = w;
    f->tail = w;
    w->fprev = NULL;
    w->fnext = owner ? owner->waiters : NULL;
    if (owner) {
        if (owner->waiters)
            owner->waiters->fprev = w;
        owner->waiters = w;
    }
}

static void finalize(ed_future *f);

void ed__waiter_unlink(struct ed__waiter *w)
{
    ed_future *f = w->on;
    if (!f)
        return;
    ed__waiter_detach(w);
    /* Linked waiters keep a future alive: the last one out frees it. */
    if (f->refs == 0 && !f->head)
        finalize(f);
}

void ed__waiter_detach(struct ed__waiter *w)
{
    ed_future *f = w->on;
    if (!f)
        return;
    if (w->prev)
        w->prev->next = w->next;
    else
        f->head = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        f->tail = w->prev;
    if (w->owner) {
        if (w->fprev)
            w->fprev->fnext = w->fnext;
        else
            w->owner->waiters = w->fnext;
        if (w->fnext)
            w->fnext->fprev = w->fprev;
    }
    w->on = NULL;
}

void ed__future_settle(ed_future *f, int err, void *value, char *message)
{
    f->flags |= F_SETTLED;
    f->err = err;
    f->value = err ? NULL : value;
    f->message = message;
    /* Waiters only record and wake (through microtasks): nothing here runs
     * user code, so the list cannot change under us except by the detach. */
    while (f->head) {
        struct ed__waiter *w = f->head;
        ed__waiter_detach(w);
        w->fn(w, f);
    }
    if (f->refs == 0)
        finalize(f); /* only waiters held it */
}

const char *ed__task_name(const struct ed__task *t, char buf[ED__NAME_MAX])
{
    if (t->name[0])
        return t->name;
    const char *base = strrchr(t->f.file, '/');
    snprintf(buf, ED__NAME_MAX, "%s:%d", base ? base + 1 : t->f.file, t->f.line);
    return buf;
}

void ed__future_free(ed_future *f)
{
    ed__free(f->message);
    struct ed__sched *S = ed__sched_peek();
    if (S && ed__block_keep(f->flags & F_TASK ? &S->tasks_free : &S->futures_free, f))
        return;
    ed__free(f);
}

ed_future *ed_future_ref(ed_future *f)
{
    if (f)
        f->refs++;
    return f;
}

/* The last reference and the last waiter are gone. */
static void finalize(ed_future *f)
{
    if ((f->flags & (F_SETTLED | F_OBSERVED)) == F_SETTLED && f->err) {
        struct ed__sched *S = ed__sched_get();
        if (S)
            ed__report_failure(S, f, "released without its error being observed");
    }
    ed__future_free(f);
}

void ed_future_release(ed_future *f)
{
    if (!f || --f->refs > 0 || f->head)
        return;
    finalize(f);
}

void ed_future_ignore(ed_future *f)
{
    if (f)
        f->flags |= F_OBSERVED;
}

bool ed_future_done(const ed_future *f)
{
    return f && (f->flags & F_SETTLED);
}

int ed_future_error(ed_future *f)
{
    if (!f)
        return -EINVAL;
    if (!(f->flags & F_SETTLED))
        return -EINPROGRESS;
    f->flags |= F_OBSERVED;
    return f->err;
}

const char *ed_future_message(const ed_future *f)
{
    if (!f || !(f->flags & F_SETTLED) || !f->err)
        return NULL;
    return f->message ? f->message : ed_strerror(f->err);
}

static void wake_owner(struct ed__waiter *w, ed_future *f)
{
    (void)f;
    struct ed__sched *S = ed__sched_peek();
    if (S)
        ed__wake(S, w->owner, 0);
}

int ed__wait_future(struct ed__sched *S, ed_future *f, const char *what)
{
    if (f->flags & F_SETTLED)
        return 0;
    int rc = ed__can_suspend(S);
    if (rc < 0)
        return rc;
    if (S->current != &S->main && (ed_future *)ed__current_task(S) == f)
        return -EDEADLK; /* a task waiting for itself */
    struct ed__waiter w;
    ed__waiter_link(f, &w, S->current, wake_owner);
    rc = ed__suspend(S, what);
    /* The caller holds a reference to f (it may not wait otherwise), so f
     * is still there. */
    ed__waiter_unlink(&w);
    return rc < 0 ? rc : (f->flags & F_SETTLED) ? 0 : -EDEADLK;
}

int ed_await(ed_future *f, void **result)
{
    if (!f)
        return -EINVAL;
    struct ed__sched *S = ed__sched_get();
    if (!S)
        return -ENOMEM;
    /* A cancelled task gets -ECANCELED from every await, settled or not,
     * so that a loop of awaits always ends. */
    if (S->current && S->current->cancelled)
        return -ECANCELED;
    int rc = ed__wait_future(S, f, "a future");
    if (rc < 0)
        return rc;
    f->flags |= F_OBSERVED;
    if (result && !f->err)
        *result = f->value;
    return f->err;
}

ed_deferred *ed_deferred_new_at(const char *file, int line)
{
    struct ed__sched *S = ed__sched_peek();
    ed_deferred *d = S ? ed__block_take(&S->futures_free) : NULL;
    if (!d)
        d = ed__alloc(sizeof *d);
    if (!d) {
        errno = ENOMEM;
        return NULL;
    }
    ed__future_init(&d->f, 0, file, line);
    return d;
}

ed_future *ed_deferred_future(ed_deferred *d)
{
    return d ? ed_future_ref(&d->f) : NULL;
}

int ed_resolve(ed_deferred *d, void *value)
{
    if (!d)
        return -EINVAL;
    if (d->f.flags & F_SETTLED)
        return -EALREADY;
    ed__future_settle(&d->f, 0, value, NULL);
    return 0;
}

int ed_reject(ed_deferred *d, int err, const char *message)
{
    if (!d || err >= 0)
        return -EINVAL;
    if (d->f.flags & F_SETTLED)
        return -EALREADY;
    char *copy = NULL;
    if (message && !(copy = ed__strdup(message)))
        return -ENOMEM;
    ed__future_settle(&d->f, err, NULL, copy);
    return 0;
}

void ed_deferred_free(ed_deferred *d)
{
    if (d)
        ed_future_release(&d->f);
}
