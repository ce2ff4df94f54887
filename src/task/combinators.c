/* all, any, some, first and timeout: one waiter per input, in the waiting
 * fiber's frame (or on the heap for long lists); each settlement updates a
 * small state and wakes the fiber once the combinator is decided. Inputs
 * that are already settled are counted before suspending, in index order. */
#include "task/task.h"

#include <errno.h>

#include "platform/alloc.h"

enum mode { ALL, ANY, FIRST };

struct combo {
    struct ed__sched *S;
    struct ed__fiber *fiber;
    enum mode mode;
    size_t pending; /* inputs not settled yet */
    int first_err;  /* ALL: the first failure */
    size_t winner;  /* FIRST: the first success */
    bool decided;
};

struct combo_waiter {
    struct ed__waiter w;
    struct combo *c;
    size_t index;
};

#define STACK_WAITERS 8

/* Counts one settled input; true once the combinator is decided. */
static bool count(struct combo *c, ed_future *f, size_t index)
{
    c->pending--;
    if (c->mode == ALL && f->err) {
        c->first_err = f->err;
        return c->decided = true;
    }
    if (c->mode == FIRST && !f->err) {
        c->winner = index;
        return c->decided = true;
    }
    return c->decided = c->pending == 0;
}

static void settled(struct ed__waiter *w, ed_future *f)
{
    struct combo_waiter *cw = (struct combo_waiter *)w;
    struct combo *c = cw->c;
    if (!c->decided && count(c, f, cw->index))
        ed__wake(c->S, c->fiber, 0);
}

/* Waits until the combinator is decided: 0, or why waiting stopped. */
static int wait_combo(ed_future **fs, size_t n, struct combo *c)
{
    c->pending = n;
    c->winner = n;
    for (size_t i = 0; i < n; i++)
        fs[i]->flags |= F_OBSERVED;
    for (size_t i = 0; i < n && !c->decided; i++)
        if (fs[i]->flags & F_SETTLED)
            count(c, fs[i], i);
    if (c->decided || n == 0)
        return 0;

    int rc = ed__can_suspend(c->S);
    if (rc < 0)
        return rc;
    struct combo_waiter local[STACK_WAITERS];
    struct combo_waiter *ws = n <= STACK_WAITERS ? local : ed__alloc(n * sizeof *ws);
    if (!ws)
        return -ENOMEM;
    c->fiber = c->S->current;
    for (size_t i = 0; i < n; i++) {
        ws[i].c = c;
        ws[i].index = i;
        ws[i].w.on = NULL;
        if (!(fs[i]->flags & F_SETTLED))
            ed__waiter_link(fs[i], &ws[i].w, c->fiber, settled);
    }
    rc = ed__suspend(c->S, "a combinator");
    for (size_t i = 0; i < n; i++)
        ed__waiter_unlink(&ws[i].w);
    if (ws != local)
        ed__free(ws);
    return rc < 0 ? rc : c->decided ? 0 : -EDEADLK;
}

static int start(ed_future **fs, size_t n, struct combo *c, enum mode mode)
{
    if (n && !fs)
        return -EINVAL;
    for (size_t i = 0; i < n; i++)
        if (!fs[i])
            return -EINVAL;
    *c = (struct combo){.mode = mode};
    if (!(c->S = ed__sched_get()))
        return -ENOMEM;
    if (ed__current_task(c->S) && c->S->current->cancelled)
        return -ECANCELED;
    return wait_combo(fs, n, c);
}

int ed_all(ed_future **fs, size_t n, void **values)
{
    struct combo c;
    int rc = start(fs, n, &c, ALL);
    if (rc < 0)
        return rc;
    if (c.first_err)
        return c.first_err;
    for (size_t i = 0; values && i < n; i++)
        values[i] = fs[i]->value;
    return 0;
}

/* any and some: every input settled; fills the outputs. */
static int gather(ed_future **fs, size_t n, void **values, int *errs, bool fail_if_all_fail)
{
    struct combo c;
    int rc = start(fs, n, &c, ANY);
    if (rc < 0)
        return rc;
    size_t failed = 0;
    int lowest = 0;
    for (size_t i = 0; i < n; i++) {
        if (values)
            values[i] = fs[i]->err ? NULL : fs[i]->value;
        if (errs)
            errs[i] = fs[i]->err;
        if (fs[i]->err && failed++ == 0)
            lowest = fs[i]->err;
    }
    return fail_if_all_fail && n > 0 && failed == n ? lowest : 0;
}

int ed_any(ed_future **fs, size_t n, void **values, int *errs)
{
    return gather(fs, n, values, errs, false);
}

int ed_some(ed_future **fs, size_t n, void **values, int *errs)
{
    return gather(fs, n, values, errs, true);
}

int ed_first(ed_future **fs, size_t n, size_t *index, void **value)
{
    if (n == 0)
        return -EINVAL;
    struct combo c;
    int rc = start(fs, n, &c, FIRST);
    if (rc < 0)
        return rc;
    if (c.winner == n)
        return fs[0]->err; /* every input failed: the lowest index's error */
    if (index)
        *index = c.winner;
    if (value)
        *value = fs[c.winner]->value;
    return 0;
}

int ed_timeout(ed_future *f, double seconds, void **value)
{
    if (!f || !(seconds >= 0))
        return -EINVAL;
    struct ed__sched *S = ed__sched_get();
    if (!S)
        return -ENOMEM;
    if (ed__current_task(S) && S->current->cancelled)
        return -ECANCELED;
    if (!(f->flags & F_SETTLED)) {
        int rc = ed__can_suspend(S);
        if (rc < 0)
            return rc;
        ed_id timer = ed_delay(seconds, ed__wake_timed_out, S->current);
        if (!timer)
            return -errno;
        ed_unreference(timer); /* a timeout alone never keeps the loop alive */
        rc = ed__wait_future(S, f, "a future, with a timeout");
        ed_cancel(timer);
        if (rc < 0)
            return rc;
    }
    f->flags |= F_OBSERVED;
    if (value && !f->err)
        *value = f->value;
    return f->err;
}
