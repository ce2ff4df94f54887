/* The per-thread scheduler: tasks, suspension and wake-up, and main as a
 * coroutine (the Revolt model). See task.h for the model. */
#include "task/task.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform/alloc.h"

static _Thread_local struct ed__sched *sched __attribute__((tls_model("initial-exec")));

struct ed__sched *ed__sched_peek(void)
{
    return sched;
}

/* S->current is NULL while loop code runs. Loop code that is not running
 * (ed_run returned, or never called) means main has control: a scheduler
 * created inside an inline ed_run() learns it here, once that run ends. */
static void sync_current(struct ed__sched *S)
{
    if (!S->current && !S->L->running)
        S->current = &S->main;
}

struct ed__fiber *ed__current_fiber(struct ed__sched *S)
{
    sync_current(S);
    return S->current;
}

struct ed__task *ed__current_task(struct ed__sched *S)
{
    sync_current(S);
    return S->current && S->current != &S->main ? ed__task_of(S->current) : NULL;
}

static void debug_log(struct ed__sched *S, struct ed__task *t, const char *what)
{
    char name[ED__NAME_MAX];
    if (S->debug)
        fprintf(stderr, "eddy: task '%s' (created at %s:%d) %s%s%s\n", ed__task_name(t, name),
                t->f.file, t->f.line, what, t->f.err ? ": " : "",
                t->f.err ? ed_future_message(&t->f) : "");
}

/* Gives back what a finished task no longer needs: its stack, its context,
 * and its own reference to its future. Runs on another stack than the
 * task's, right after the task switched away for good. */
static __attribute__((noinline)) void reap(struct ed__sched *S)
{
    struct ed__task *t = S->zombie;
    S->zombie = NULL;
    ed__stack_put(&t->stack);
    ed__context_free(&t->fiber.ctx);
    if (t->prev)
        t->prev->next = t->next;
    else
        S->tasks = t->next;
    if (t->next)
        t->next->prev = t->prev;
    S->ntasks--;
    ed_future_release(&t->f);
}

static void resume_fiber(void *arg);

/* Direct hand-off: a fiber that the microtask drain resumed would return
 * to the drain, which would pop the next microtask; when that one resumes
 * another task, take it here and switch straight to that task. The order is
 * the same, with one switch instead of two. */
static struct ed__fiber *hand_off(struct ed__sched *S, struct ed__fiber *from)
{
    struct ed__loop *L = S->L;
    if (!from->from_drain || !L->micro_len)
        return NULL;
    struct ed__microtask *m = &L->micro[L->micro_head];
    struct ed__fiber *next = m->arg;
    if (m->fn != resume_fiber || next == &S->main)
        return NULL;
    L->micro_head = (L->micro_head + 1) & (L->micro_cap - 1);
    L->micro_len--;
    next->resumer = NULL;
    next->from_drain = true;
    return next;
}

/* Switches from whatever runs now to `to` (NULL: loop code). Returns when
 * something switches back. */
static inline __attribute__((always_inline)) void transfer(struct ed__sched *S,
                                                           struct ed__fiber *to, int exiting)
{
    struct ed__fiber *from = S->current;
    struct ed__context *from_ctx = from ? &from->ctx : S->tick_ctx;
    struct ed__context *to_ctx = to ? &to->ctx : S->tick_ctx;
    if (from && from != &S->main)
        ed__stack_check(ed__task_of(from));
    else if (!from && from_ctx == &S->loop_ctx && !ed__stack_intact(&S->loop_stack))
        ed__loop_stack_overflowed(S);
    S->current = to;
    ed__context_switch(from_ctx, to_ctx, exiting);
    if (S->zombie)
        reap(S);
}

int ed__can_suspend(struct ed__sched *S)
{
    sync_current(S);
    struct ed__fiber *f = S->current;
    if (!f)
        return -EPERM; /* a raw loop callback: its stack is the loop's */
    if (f != &S->main) {
        struct ed__task *t = ed__task_of(f);
        if (t->finished)
            return -EPERM; /* an error handler called as the task ends */
        if (f->cancelled)
            return -ECANCELED;
    }
    return 0;
}

/* ---- main as a coroutine ------------------------------------------------ */

static void wake_main_now(struct ed__sched *S, int rc)
{
    S->main.waiting = false;
    S->main.wake_rc = rc;
    ed__microtask_unreserve(S->L); /* main's wake-up needs no microtask here */
    S->L->running = false;
    transfer(S, &S->main, 0);
}

static int take_error(struct ed__loop *L)
{
    int err = L->error;
    L->error = 0;
    L->stopping = false;
    return err;
}

/* The loop context: ticks run here whenever main waits. It hands control
 * back to main when main's wait is over: through a microtask when what main
 * awaits happens (possibly mid-tick), or from here when the loop is done,
 * stopped, fails, or can no longer wake main (deadlock). */
static void loop_body(void *arg)
{
    struct ed__sched *S = arg;
    struct ed__loop *L = S->L;
    for (;;) {
        if (L->micro_len)
            ed__microtasks_drain(L);
        if (L->error) {
            wake_main_now(S, take_error(L));
            continue;
        }
        enum ed__main_wait why = S->main_wait;
        if (why == MAIN_ONCE || why == MAIN_ONCE_BLOCK) {
            L->stopping = false;
            ed__tick(L, why == MAIN_ONCE_BLOCK);
            wake_main_now(S, L->error ? take_error(L) : ed__loop_busy(L));
            continue;
        }
        if (why == MAIN_RUN && (L->stopping || !ed__loop_busy(L))) {
            L->stopping = false;
            wake_main_now(S, 0);
            continue;
        }
        if (why == MAIN_AWAIT) {
            L->stopping = false; /* ed_stop() ends ed_run(), not an await */
            if (!ed__loop_busy(L)) {
                if (S->debug) {
                    fprintf(stderr, "eddy: main waits for %s, but nothing left can wake it:\n",
                            S->main.waiting_on ? S->main.waiting_on : "something");
                    ed_dump(stderr);
                }
                wake_main_now(S, -EDEADLK);
                continue;
            }
        }
        ed__tick(L, true);
    }
}

static int main_wait(struct ed__sched *S, enum ed__main_wait why)
{
    struct ed__loop *L = S->L;
    if (!S->loop_made) {
        /* Callbacks run on this stack: give it the default task size at
         * least; it is committed only as it is used. */
        if (ed__stack_get(0, &S->loop_stack) < 0)
            goto nomem;
        if (ed__context_make(&S->loop_ctx, S->loop_stack.lo, S->loop_stack.size, loop_body, S) <
            0) {
            ed__stack_put(&S->loop_stack);
            goto nomem;
        }
        S->loop_made = true;
    }
    S->main_wait = why;
    S->main.waiting = true;
    S->tick_ctx = &S->loop_ctx;
    L->running = true;
    transfer(S, NULL, 0);
    S->main.waiting_on = NULL;
    return S->main.wake_rc;

nomem:
    S->main.waiting = false;
    ed__microtask_unreserve(L);
    return -ENOMEM;
}

/* ed_run(), ed_run_once() and ed_shutdown() come here once the scheduler
 * exists: from main they run the loop on its own context; from a task or a
 * callback they are refused. */
static int task_hook(struct ed__loop *L, int op)
{
    struct ed__sched *S = sched;
    (void)L;
    sync_current(S);
    if (S->current != &S->main)
        return -EBUSY;
    if (op == ED__HOOK_SHUTDOWN)
        return 0;
    if (ed__microtask_reserve(S->L) < 0)
        return -ENOMEM;
    return main_wait(S, op == ED__HOOK_RUN          ? MAIN_RUN
                        : op == ED__HOOK_ONCE_BLOCK ? MAIN_ONCE_BLOCK
                                                    : MAIN_ONCE);
}

/* ---- suspension and wake-up -------------------------------------------- */

int ed__suspend(struct ed__sched *S, const char *what)
{
    int rc = ed__can_suspend(S);
    if (rc < 0)
        return rc;
    /* The wake-up's microtask is reserved now, so waking can never fail.
     * A hand-off pops a microtask: its slot is the reservation. */
    struct ed__fiber *f = S->current;
    struct ed__fiber *next = f == &S->main ? NULL : hand_off(S, f);
    if (next)
        S->L->micro_promised++;
    else if (ed__microtask_reserve(S->L) < 0)
        return -ENOMEM;
    f->waiting = true;
    f->waiting_on = what;
    if (f == &S->main)
        return main_wait(S, MAIN_AWAIT);
    transfer(S, next ? next : f->resumer, 0);
    f->waiting_on = NULL;
    return f->wake_rc;
}

static void resume_fiber(void *arg)
{
    struct ed__fiber *f = arg;
    struct ed__sched *S = sched;
    if (f == &S->main) {
        S->L->running = false;
        transfer(S, f, 0);
        return;
    }
    f->resumer = S->current;
    f->from_drain = true;
    transfer(S, f, 0);
}

void ed__wake(struct ed__sched *S, struct ed__fiber *f, int rc)
{
    if (!f->waiting)
        return;
    f->waiting = false;
    f->wake_rc = rc;
    ed__microtask_push_reserved(S->L, resume_fiber, f);
}

int ed__wake_timed_out(ed_id id, void *fiber)
{
    (void)id;
    if (sched)
        ed__wake(sched, fiber, -ETIMEDOUT);
    return 0;
}

/* ---- suspensions: the public face of ed__suspend and ed__wake ---------- */

ed_suspension *ed_suspension_get(void)
{
    struct ed__sched *S = ed__sched_get();
    if (!S)
        return NULL; /* errno is set */
    struct ed__fiber *f = ed__current_fiber(S);
    if (!f)
        errno = EPERM;
    return (ed_suspension *)f;
}

int ed_suspend(ed_suspension *s, void **value)
{
    struct ed__sched *S = sched;
    struct ed__fiber *f = (struct ed__fiber *)s;
    if (!s)
        return -EINVAL;
    if (!S || ed__current_fiber(S) != f)
        return -EPERM; /* only a fiber can park itself */
    f->in_suspend = true;
    f->wake_value = NULL;
    int rc = ed__suspend(S, "a suspension");
    f->in_suspend = false;
    if (rc == 0 && value)
        *value = f->wake_value;
    return rc;
}

static int resume(ed_suspension *s, int rc, void *value)
{
    struct ed__fiber *f = (struct ed__fiber *)s;
    if (!f->in_suspend || !f->waiting || !sched)
        return -EALREADY;
    f->wake_value = value;
    ed__wake(sched, f, rc);
    return 0;
}

int ed_resume(ed_suspension *s, void *value)
{
    return s ? resume(s, 0, value) : -EINVAL;
}

int ed_resume_error(ed_suspension *s, int err)
{
    return s && err < 0 ? resume(s, err, NULL) : -EINVAL;
}

/* ---- tasks -------------------------------------------------------------- */

static void finish(struct ed__sched *S, struct ed__task *t, int rc, void *result)
{
    t->finished = true;
    char *msg = rc < 0 ? t->fail_msg : NULL;
    if (!msg)
        ed__free(t->fail_msg);
    t->fail_msg = NULL;
    ed__future_settle(&t->f, rc < 0 ? rc : 0, result, msg);
    debug_log(S, t, rc < 0 ? "failed" : "finished");
    if (rc < 0 && (t->f.flags & F_GO)) {
        t->f.flags |= F_OBSERVED;
        ed__report_failure(S, &t->f, NULL);
    }
    S->zombie = t;
    struct ed__fiber *next = hand_off(S, &t->fiber);
    struct ed__fiber *to = next ? next : t->fiber.resumer;
    ed__stack_check(t);
    S->current = to;
    /* Returns only with the inline switch, which then enters `to` from
     * the context's first frame (see ed__context_exit); whoever runs next
     * reaps this task. */
    ed__context_exit(&t->fiber.ctx, to ? &to->ctx : S->tick_ctx);
}

static void task_entry(void *arg)
{
    struct ed__task *t = arg;
    void *result = NULL;
    int rc = t->fn(t->arg, &result);
    finish(sched, t, rc, result);
}

static void sched_destroy(void *p);

struct ed__sched *ed__sched_get(void)
{
    if (sched)
        return sched;
    struct ed__loop *L = ed__loop_get();
    if (!L)
        return NULL;
    struct ed__sched *S = ed__calloc(1, sizeof *S);
    if (!S || ed__context_of_thread(&S->main.ctx) < 0) {
        if (S)
            ed__context_free(&S->main.ctx);
        ed__free(S);
        errno = ENOMEM;
        return NULL;
    }
    S->L = L;
    S->current = L->running ? NULL : &S->main;
    S->tick_ctx = &S->main.ctx;
    const char *debug = getenv("EDDY_DEBUG");
    S->debug = debug && strcmp(debug, "1") == 0;
    if (ed_state_set("eddy.scheduler", S, sched_destroy) < 0) {
        ed__context_free(&S->main.ctx);
        ed__free(S);
        errno = ENOMEM;
        return NULL;
    }
    L->task_hook = task_hook;
    sched = S;
    return S;
}

static struct ed__task *spawn(struct ed__sched *S, ed_fn fn, void *arg,
                              const ed_task_options *opt, const char *file, int line)
{
    if (!fn) {
        errno = EINVAL;
        return NULL;
    }
    struct ed__task *t = ed__block_take(&S->tasks_free);
    if (!t && !(t = ed__alloc(sizeof *t)))
        goto nomem;
    /* Field by field: a memset of the whole block costs more (rep stos)
     * than the rest of a spawn. The context and the stack are set below. */
    t->fiber.resumer = NULL;
    t->fiber.waiters = NULL;
    t->fiber.waiting_on = NULL;
    t->fiber.wake_value = NULL;
    t->fiber.wake_rc = 0;
    t->fiber.waiting = t->fiber.in_suspend = t->fiber.cancelled = t->fiber.from_drain = false;
    t->fail_msg = NULL;
    t->prev = NULL;
    t->finished = false;
    t->name[0] = '\0';
    if (ed__stack_get(opt ? opt->stack_size : 0, &t->stack) < 0) {
        ed__free(t);
        goto nomem;
    }
    if (ed__context_make(&t->fiber.ctx, t->stack.lo, t->stack.size, task_entry, t) < 0 ||
        ed__overflow_guard_install(S) < 0) {
        ed__context_free(&t->fiber.ctx);
        ed__stack_put(&t->stack);
        ed__free(t);
        goto nomem;
    }
    ed__future_init(&t->f, F_TASK, file, line);
    t->f.refs = 2; /* the caller's, and the running task's own */
    t->fn = fn;
    t->arg = arg;
    if (opt && opt->name)
        snprintf(t->name, sizeof t->name, "%s", opt->name);
    t->next = S->tasks;
    if (S->tasks)
        S->tasks->prev = t;
    S->tasks = t;
    S->ntasks++;
    return t;

nomem:
    errno = ENOMEM;
    return NULL;
}

static void start(struct ed__sched *S, struct ed__task *t)
{
    sync_current(S);
    debug_log(S, t, "started");
    t->fiber.resumer = S->current;
    t->fiber.from_drain = false;
    transfer(S, &t->fiber, 0);
}

ed_future *ed_async_with_at(ed_fn fn, void *arg, const ed_task_options *opt, const char *file,
                            int line)
{
    struct ed__sched *S = ed__sched_get();
    struct ed__task *t = S ? spawn(S, fn, arg, opt, file, line) : NULL;
    if (!t)
        return NULL;
    start(S, t);
    return &t->f;
}

ed_future *ed_async_at(ed_fn fn, void *arg, const char *file, int line)
{
    return ed_async_with_at(fn, arg, NULL, file, line);
}

int ed_go_at(ed_fn fn, void *arg, const char *file, int line)
{
    struct ed__sched *S = ed__sched_get();
    struct ed__task *t = S ? spawn(S, fn, arg, NULL, file, line) : NULL;
    if (!t)
        return -errno;
    t->f.flags |= F_GO;
    ed_future_release(&t->f); /* fire and forget: only the task's own is left */
    start(S, t);
    return 0;
}

static int start_deferred(ed_id id, void *data)
{
    (void)id;
    start(sched, data);
    return 0;
}

int ed_go_defer_at(ed_fn fn, void *arg, const char *file, int line)
{
    struct ed__sched *S = ed__sched_get();
    struct ed__task *t = S ? spawn(S, fn, arg, NULL, file, line) : NULL;
    if (!t)
        return -errno;
    t->f.flags |= F_GO;
    if (!ed_defer_at(start_deferred, t, file, line)) {
        /* Never started: undo the spawn as a finished task would be. */
        t->finished = true;
        t->f.refs = 1;
        ed__future_settle(&t->f, -ENOMEM, NULL, NULL);
        t->f.flags |= F_OBSERVED;
        S->zombie = t;
        reap(S);
        return -ENOMEM;
    }
    ed_future_release(&t->f);
    return 0;
}

int ed_main_at(ed_fn fn, void *arg, void **result, const char *file, int line)
{
    ed_future *f = ed_async_at(fn, arg, file, line);
    if (!f)
        return -errno;
    int rc = ed_await(f, result);
    ed_future_release(f);
    return rc;
}

ed_future *ed_self(void)
{
    struct ed__sched *S = sched;
    struct ed__task *t = S ? ed__current_task(S) : NULL;
    return t ? &t->f : NULL;
}

void ed_set_name(const char *name)
{
    struct ed__sched *S = sched;
    struct ed__task *t = S ? ed__current_task(S) : NULL;
    if (t && name)
        snprintf(t->name, sizeof t->name, "%s", name);
}

int ed_cancel_future(ed_future *f)
{
    if (!f || !(f->flags & F_TASK))
        return -EINVAL;
    struct ed__task *t = (struct ed__task *)f;
    if (t->finished)
        return -EALREADY;
    t->fiber.cancelled = true;
    if (t->fiber.waiting && sched)
        ed__wake(sched, &t->fiber, -ECANCELED);
    return 0;
}

int ed_fail(int err, const char *fmt, ...)
{
    char buf[ED__MSG_MAX / 2] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(buf, sizeof buf, fmt, ap);
        va_end(ap);
    }
    struct ed__sched *S = sched;
    struct ed__task *t = S ? ed__current_task(S) : NULL;
    if (t) {
        char *copy = ed__strdup(buf);
        if (copy) {
            ed__free(t->fail_msg);
            t->fail_msg = copy;
        }
        return err;
    }
    struct ed__loop *L = ed__loop_peek();
    if (L)
        snprintf(L->fail_note, sizeof L->fail_note, "%s", buf);
    return err;
}

size_t ed_stack_size(size_t bytes)
{
    return ed__stack_default(bytes);
}

void ed__report_failure(struct ed__sched *S, ed_future *f, const char *why)
{
    const char *msg = ed_future_message(f);
    char name[ED__NAME_MAX];
    if (f->flags & F_TASK)
        ed__report(S->L, f->err, "task '%s' (created at %s:%d) failed: %s (%d)%s%s",
                   ed__task_name((struct ed__task *)f, name), f->file, f->line, msg, f->err,
                   why ? "; " : "", why ? why : "");
    else
        ed__report(S->L, f->err, "future (created at %s:%d) failed: %s (%d)%s%s", f->file,
                   f->line, msg, f->err, why ? "; " : "", why ? why : "");
}

void ed_dump(FILE *out)
{
    struct ed__sched *S = sched;
    if (!out)
        return;
    if (S) {
        fprintf(out, "eddy tasks: %zu\n", S->ntasks);
        char name[ED__NAME_MAX];
        for (struct ed__task *t = S->tasks; t; t = t->next)
            fprintf(out, "  task '%s' %s%s%s created at %s:%d\n", ed__task_name(t, name),
                    t->fiber.waiting   ? "waiting for "
                    : &t->fiber == S->current ? "running"
                                              : "ready",
                    t->fiber.waiting && t->fiber.waiting_on ? t->fiber.waiting_on : "",
                    t->fiber.cancelled ? " (cancelled)" : "", t->f.file, t->f.line);
        if (S->main.waiting)
            fprintf(out, "  main waiting for %s\n",
                    S->main.waiting_on ? S->main.waiting_on : "the loop");
    }
    ed_dump_watchers(out);
}

/* ---- teardown ----------------------------------------------------------- */

static void sched_destroy(void *p)
{
    struct ed__sched *S = p;
    /* Tasks still suspended are freed: they can never run again. Their
     * futures settle as cancelled (deliberately unobserved), and stay valid
     * for whoever holds a reference. */
    while (S->tasks) {
        struct ed__task *t = S->tasks;
        while (t->fiber.waiters)
            ed__waiter_unlink(t->fiber.waiters);
        t->fiber.waiting = false;
        t->finished = true;
        if (!(t->f.flags & F_SETTLED)) {
            t->f.flags |= F_OBSERVED;
            ed__future_settle(&t->f, -ECANCELED, NULL, NULL);
        }
        ed__free(t->fail_msg);
        t->fail_msg = NULL;
        S->zombie = t;
        reap(S);
    }
    while (S->main.waiters)
        ed__waiter_unlink(S->main.waiters);
    if (S->loop_made) {
        ed__context_free(&S->loop_ctx);
        ed__stack_put(&S->loop_stack);
    }
    ed__context_free(&S->main.ctx);
    ed__overflow_guard_remove(S);
    ed__stack_pool_free();
    S->L->task_hook = NULL;
    sched = NULL; /* from here on, freed blocks go straight back */
    for (void *b; (b = ed__block_take(&S->tasks_free)) || (b = ed__block_take(&S->futures_free));)
        ed__free(b);
    ed__free(S);
}
