/* The task layer's internal state: futures, waiters, fibers, tasks and the
 * per-thread scheduler.
 *
 * A fiber is anything that can suspend: a task, or main (the thread's own
 * stack). Loop code (callbacks and microtasks) is not a fiber and cannot
 * suspend. Tasks are resumed by microtasks; a suspended fiber returns
 * control to whoever resumed it last: loop code, main, or the task that
 * started it with ed_async.
 *
 * main suspends by switching to the loop context, a stack of its own on
 * which ticks run from then on; a microtask switches back to main when its
 * wait is over, even in the middle of a tick, which is why ticks cannot run
 * on main's stack once main has suspended.
 *
 * A waiter is a continuation linked to a pending future. It lives in the
 * frame of the fiber that waits (on its stack, which cannot move while it is
 * suspended), is called when the future settles, and must never run user
 * code: it only records and wakes. A future is freed only when both its
 * references and its linked waiters are gone. Every linked waiter is also
 * on its fiber's list, so a fiber freed while suspended (ed_shutdown)
 * unlinks its waiters first. */
#ifndef EDDY_TASK_TASK_H
#define EDDY_TASK_TASK_H

#include <eddy.h>

#include "loop/loop.h"
#include "task/context.h"
#include "task/stack.h"

struct ed__fiber;

/* Freed task and deferred blocks kept for reuse: spawning a task or making
 * a deferred then costs no trip to the allocator. Blocks still count as
 * live to the allocator hook until the scheduler is destroyed. */
struct ed__block_cache {
    void *head; /* linked through each block's first word */
    size_t len;
};

#define ED__BLOCK_CACHE_MAX 256

static inline void *ed__block_take(struct ed__block_cache *c)
{
    void *b = c->head;
    if (b) {
        c->head = *(void **)b;
        c->len--;
    }
    return b;
}

/* false: the cache is full, the caller frees the block. */
static inline bool ed__block_keep(struct ed__block_cache *c, void *b)
{
#ifdef ED__ASAN
    (void)c;
    (void)b;
    return false; /* every block freed at once, so ASan sees a use after free */
#endif
    if (c->len >= ED__BLOCK_CACHE_MAX)
        return false;
    *(void **)b = c->head;
    c->head = b;
    c->len++;
    return true;
}

struct ed__waiter {
    struct ed__waiter *prev, *next; /* on the future's list */
    struct ed__waiter *fprev, *fnext; /* on the owning fiber's list */
    ed_future *on;                  /* linked to this future, or NULL */
    struct ed__fiber *owner;
    void (*fn)(struct ed__waiter *w, ed_future *f);
};

enum {
    F_SETTLED = 1,
    F_OBSERVED = 2, /* its error was seen: awaited, read, or ignored */
    F_TASK = 4,
    F_GO = 8, /* ed_go: its failure goes to the error path when it happens */
};

struct ed_future {
    uint32_t refs;
    uint8_t flags;
    int err; /* 0, or the negative code it failed with */
    void *value;
    char *message; /* owned; NULL: ed_strerror(err) */
    struct ed__waiter *head, *tail;
    const char *file;
    int line;
};

struct ed__fiber {
    struct ed__context ctx;
    struct ed__fiber *resumer; /* whom a suspension returns to; NULL: loop code */
    struct ed__waiter *waiters; /* linked waiters this fiber owns */
    const char *waiting_on;     /* what it waits for, for dumps */
    void *wake_value;           /* ed_resume's value */
    int wake_rc;
    bool waiting;
    bool in_suspend; /* parked in ed_suspend: ed_resume may wake it */
    bool cancelled;
    bool from_drain; /* its resumer is the microtask drain, not a callback */
};

struct ed__task {
    ed_future f; /* first: the task's future is the task */
    struct ed__fiber fiber;
    struct ed__stack stack;
    ed_fn fn;
    void *arg;
    char *fail_msg; /* ed_fail's text, for its failure */
    struct ed__task *prev, *next; /* the scheduler's live tasks */
    bool finished;
    char name[64]; /* ed_set_name's; empty: named after its creation site */
};

#define ED__NAME_MAX 64

/* The task's name: its own, or "file:line" of its creation formatted into
 * buf (only when a report or a dump needs it: spawning stays cheap). */
const char *ed__task_name(const struct ed__task *t, char buf[ED__NAME_MAX]);

enum ed__main_wait {
    MAIN_AWAIT,      /* a suspending call from main */
    MAIN_RUN,        /* ed_run(): until nothing is left */
    MAIN_ONCE,       /* ed_run_once(false) */
    MAIN_ONCE_BLOCK, /* ed_run_once(true) */
};

struct ed__sched {
    struct ed__loop *L;
    struct ed__fiber main;
    struct ed__fiber *current;     /* NULL: loop code */
    struct ed__context *tick_ctx;  /* where loop code runs: main's (inline ed_run) or loop_ctx */
    struct ed__context loop_ctx;
    struct ed__stack loop_stack;
    bool loop_made;
    enum ed__main_wait main_wait;
    struct ed__task *zombie; /* finished, its stack to be given back */
    struct ed__task *tasks;  /* live tasks */
    size_t ntasks;
    void *altstack; /* for the stack overflow handler */
    bool debug;     /* EDDY_DEBUG=1: log task starts, ends and failures */
    struct ed__block_cache tasks_free, futures_free;
};

static inline struct ed__task *ed__task_of(struct ed__fiber *f)
{
    return (struct ed__task *)((char *)f - offsetof(struct ed__task, fiber));
}

/* sched.c */
struct ed__sched *ed__sched_get(void); /* creates; NULL + errno */
struct ed__sched *ed__sched_peek(void);
struct ed__task *ed__current_task(struct ed__sched *S);
/* The running fiber, or NULL while loop code runs. */
struct ed__fiber *ed__current_fiber(struct ed__sched *S);
/* Suspends the running fiber until ed__wake; returns the wake code, or
 * -EPERM (loop code), -ECANCELED (its task is cancelled), -ENOMEM. */
int ed__suspend(struct ed__sched *S, const char *what);
/* 0, or the error a suspension attempt would return right now. */
int ed__can_suspend(struct ed__sched *S);
/* Ends a suspension with rc, through a microtask. Ignored if f is not
 * waiting (already woken). */
void ed__wake(struct ed__sched *S, struct ed__fiber *f, int rc);
/* A delay callback whose data is a fiber: wakes it with -ETIMEDOUT. */
int ed__wake_timed_out(ed_id id, void *fiber);
void ed__report_failure(struct ed__sched *S, ed_future *f, const char *why);

/* future.c */
void ed__future_init(ed_future *f, uint8_t flags, const char *file, int line);
/* Settles f (message owned) and calls its waiters. */
void ed__future_settle(ed_future *f, int err, void *value, char *message);
void ed__waiter_link(ed_future *f, struct ed__waiter *w, struct ed__fiber *owner,
                     void (*fn)(struct ed__waiter *, ed_future *));
/* Takes w off its future (and its fiber's list); frees the future if it
 * was kept only by its waiters. detach: the same, never freeing. */
void ed__waiter_unlink(struct ed__waiter *w);
void ed__waiter_detach(struct ed__waiter *w);
void ed__future_free(ed_future *f);
/* Suspends until f settles, without observing its outcome: 0, or why the
 * wait ended early (-ECANCELED, -EPERM, main's -EDEADLK or loop error). */
int ed__wait_future(struct ed__sched *S, ed_future *f, const char *what);

/* overflow.c */
int ed__overflow_guard_install(struct ed__sched *S);
void ed__overflow_guard_remove(struct ed__sched *S);
/* Reports an overflowed unguarded stack and aborts. */
void ed__stack_overflowed(const struct ed__task *t) __attribute__((noreturn));
/* The same for the loop's own stack, where callbacks run while main waits. */
void ed__loop_stack_overflowed(const struct ed__sched *S) __attribute__((noreturn));

/* Runs at every switch away from a task: one flag test for guarded stacks. */
static inline void ed__stack_check(const struct ed__task *t)
{
    if (!ed__stack_intact(&t->stack))
        ed__stack_overflowed(t);
}

#endif
