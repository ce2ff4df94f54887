/* Execution contexts: a stack and the registers to resume it with. A switch
 * saves only what the C ABI says a callee must preserve (and the FP control
 * state), so it costs a few nanoseconds and no syscall. Backends:
 * context_x86_64.S, context_aarch64.S (the default on those CPUs) and
 * context_ucontext.c (anywhere else, or with -DEDDY_CONTEXT=ucontext).
 *
 * Sanitizers must be told about every switch: AddressSanitizer tracks the
 * current stack's bounds and its fake stack, ThreadSanitizer keeps one
 * shadow state per fiber. ed__context_switch does both. */
#ifndef EDDY_TASK_CONTEXT_H
#define EDDY_TASK_CONTEXT_H

#include <stddef.h>

#if defined(__SANITIZE_ADDRESS__)
#define ED__ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ED__ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define ED__TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define ED__TSAN 1
#endif
#endif

struct ed__context {
    void *sp; /* saved stack pointer (asm backends) */
#ifdef EDDY_CONTEXT_UCONTEXT
    void *uc; /* a ucontext_t */
#endif
    void *stack_lo; /* bounds, for the sanitizers (a thread's: learnt on leaving it) */
    size_t stack_size;
    int is_thread;  /* the thread's own stack, not made by ed__context_make */
#ifdef ED__ASAN
    void *asan_fake_stack;
#endif
#ifdef ED__TSAN
    void *tsan_fiber;
#endif
};

/* Makes `c` a context that, when first switched to, calls entry(arg) on the
 * given stack. entry must never return: it switches away for good instead.
 * 0 or -ENOMEM (ucontext, sanitizer state). */
int ed__context_make(struct ed__context *c, void *stack_lo, size_t stack_size,
                     void (*entry)(void *), void *arg);

/* Describes the calling thread's own stack as a context, so others can
 * switch back to it. 0 or -ENOMEM. */
int ed__context_of_thread(struct ed__context *c);

/* Frees what ed__context_make allocated (not the stack). */
void ed__context_free(struct ed__context *c);

/* Saves the current state into `from` and resumes `to`; returns when
 * something switches back to `from`. With `from_exits`, `from` is never
 * resumed again (its sanitizer state can go). */
void ed__context_switch(struct ed__context *from, struct ed__context *to, int from_exits);

#endif
