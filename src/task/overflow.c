/* Stack overflow must end the process with a message naming the task,
 * never corrupt memory silently. A guarded stack overflows into its guard
 * page: the SIGSEGV that follows is caught on an alternate signal stack
 * (the task's own is exhausted), and if the faulting address is in the
 * running task's guard page, eddy says which task it was and aborts. Any
 * other SIGSEGV goes to the disposition that was there before. Unguarded
 * stacks (past the mapping budget) are checked by their canary at every
 * switch instead, and at a SIGSEGV in their task: an overflow that runs on
 * without switching ends in one sooner or later. */
#include "task/task.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "platform/alloc.h"

#define ALTSTACK_SIZE (64 * 1024)

static struct sigaction previous;
static pthread_once_t installed = PTHREAD_ONCE_INIT;

static __attribute__((noreturn)) void die(const char *msg)
{
    ssize_t r = write(STDERR_FILENO, msg, strlen(msg));
    (void)r;
    abort();
}

/* A stack's size as the program asked for it: pooled stacks keep a few
 * bytes at their top for their neighbour's canary. */
static size_t kib(size_t size)
{
    return (size + 1023) / 1024;
}

static void on_segv(int signo, siginfo_t *info, void *uctx)
{
    (void)signo;
    (void)uctx;
    struct ed__sched *S = ed__sched_peek();
    if (S) {
        char msg[256];
        struct ed__fiber *f = S->current;
        if (f && f != &S->main) {
            struct ed__task *t = ed__task_of(f);
            if (ed__stack_guard_hit(&t->stack, info->si_addr)) {
                char name[ED__NAME_MAX];
                snprintf(msg, sizeof msg,
                         "eddy: stack overflow in task '%s' (created at %s:%d): its %zu KiB "
                         "stack is too small (see ed_stack_size)\n",
                         ed__task_name(t, name), t->f.file, t->f.line, kib(t->stack.size));
                die(msg);
            }
            if (!ed__stack_intact(&t->stack))
                ed__stack_overflowed(t);
        } else if (!f && S->loop_made && ed__stack_guard_hit(&S->loop_stack, info->si_addr)) {
            snprintf(msg, sizeof msg,
                     "eddy: stack overflow in an event loop callback: the loop's %zu KiB "
                     "stack is too small (see ed_stack_size)\n",
                     kib(S->loop_stack.size));
            die(msg);
        } else if (!f && S->loop_made && !ed__stack_intact(&S->loop_stack)) {
            ed__loop_stack_overflowed(S);
        }
    }
    /* Not a guard page: let whatever handled SIGSEGV before take it; the
     * faulting instruction runs again when we return. */
    sigaction(SIGSEGV, &previous, NULL);
}

static void install_handler(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &previous);
}

int ed__overflow_guard_install(struct ed__sched *S)
{
    if (S->altstack)
        return 0;
    pthread_once(&installed, install_handler);
    stack_t current;
    if (sigaltstack(NULL, &current) == 0 && !(current.ss_flags & SS_DISABLE))
        return 0; /* the thread has one already (a sanitizer's, the program's) */
    void *mem = ed__alloc(ALTSTACK_SIZE);
    if (!mem)
        return -1;
    stack_t ss = {.ss_sp = mem, .ss_size = ALTSTACK_SIZE, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        ed__free(mem);
        return 0; /* not fatal: overflows are then caught only as plain crashes */
    }
    S->altstack = mem;
    return 0;
}

void ed__overflow_guard_remove(struct ed__sched *S)
{
    if (!S->altstack)
        return;
    stack_t ss = {.ss_flags = SS_DISABLE};
    sigaltstack(&ss, NULL);
    ed__free(S->altstack);
    S->altstack = NULL;
}

void ed__stack_overflowed(const struct ed__task *t)
{
    char msg[256], name[ED__NAME_MAX];
    snprintf(msg, sizeof msg,
             "eddy: stack overflow in task '%s' (created at %s:%d): its unguarded %zu KiB "
             "stack's canary was overwritten (see ed_stack_size)\n",
             ed__task_name(t, name), t->f.file, t->f.line, kib(t->stack.size));
    die(msg);
}

void ed__loop_stack_overflowed(const struct ed__sched *S)
{
    char msg[256];
    snprintf(msg, sizeof msg,
             "eddy: stack overflow in an event loop callback: the loop's unguarded %zu KiB "
             "stack's canary was overwritten (see ed_stack_size)\n",
             kib(S->loop_stack.size));
    die(msg);
}
