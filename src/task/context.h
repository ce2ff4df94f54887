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
    void *sp;       /* saved stack pointer (asm backends) */
    void **exit_sp; /* where ed__context_exit leaves the next context's sp */
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
 * given stack. entry ends the context with ed__context_exit, and returns
 * only if that returns. 0 or -ENOMEM (ucontext, sanitizer state). */
int ed__context_make(struct ed__context *c, void *stack_lo, size_t stack_size,
                     void (*entry)(void *), void *arg);

/* Describes the calling thread's own stack as a context, so others can
 * switch back to it. 0 or -ENOMEM. */
int ed__context_of_thread(struct ed__context *c);

/* Frees what ed__context_make allocated (not the stack). */
void ed__context_free(struct ed__context *c);

/* On x86-64 without sanitizers the switch is inline assembly; elsewhere
 * it calls ed__context_swap (context_*.S, with the sanitizer annotations
 * in context.c) or swapcontext. */
#if defined(__x86_64__) && !defined(EDDY_CONTEXT_UCONTEXT) && !defined(ED__ASAN) && \
    !defined(ED__TSAN)
#define ED__CONTEXT_INLINE 1
#endif

/* Ends the running context `self` for good in favour of `to`. With the
 * inline switch it only records `to` and returns: the caller then returns
 * from the entry function, and the context's first frame, once its calls
 * have unwound, enters `to`. Every call made on the dying stack has then
 * been matched by its return, so the return-stack predictor holds what
 * `to` will return through. Elsewhere it switches and never returns. */
#ifdef ED__CONTEXT_INLINE
static inline void ed__context_exit(struct ed__context *self, struct ed__context *to)
{
    *self->exit_sp = to->sp;
}
#else
void ed__context_exit(struct ed__context *self, struct ed__context *to);
#endif

#ifndef ED__CONTEXT_INLINE
/* Saves the current state into `from` and resumes `to`; returns when
 * something switches back to `from`. With `from_exits`, `from` is never
 * resumed again (its sanitizer state can go). */
void ed__context_switch(struct ed__context *from, struct ed__context *to, int from_exits);
#else
/* The same, inline. A switch that is a call would end with a `ret` into
 * the other context, which the return-stack predictor always gets wrong
 * (the call it matches was the other side's); here the other context is
 * entered with an indirect jump, predicted per jump site, and the return
 * stack is left alone. The frame left on the stack being left holds rbp,
 * the resume address and the FP control words (MXCSR, x87 control word),
 * 128 bytes below the red zone the compiler may use; every other register
 * is declared clobbered, so the compiler saves only what it needs, as
 * around a call. Each context keeps its own MXCSR, sticky exception flags
 * included, as a thread would: it is stored and loaded at every switch,
 * because reading back what stmxcsr stored costs more here (~3 ns) than
 * ldmxcsr does. The x87 control word is loaded only when the two contexts'
 * differ. ed__context_make builds the
 * matching first frame. */
static inline __attribute__((always_inline)) void
ed__context_switch(struct ed__context *from, struct ed__context *to, int from_exits)
{
    void **save = &from->sp;
    void *next = to->sp;
    (void)from_exits;
    __asm__ volatile("leaq -128(%%rsp), %%rsp\n\t"
                     "pushq %%rbp\n\t"
                     "leaq 1f(%%rip), %%rax\n\t"
                     "pushq %%rax\n\t"
                     "subq $8, %%rsp\n\t"
                     "stmxcsr (%%rsp)\n\t"
                     "fnstcw 4(%%rsp)\n\t"
                     "movzwl 4(%%rsp), %%ecx\n\t"
                     "movq %%rsp, (%0)\n\t"
                     "movq %1, %%rsp\n\t"
                     "ldmxcsr (%%rsp)\n\t"
                     "cmpw 4(%%rsp), %%cx\n\t"
                     "je 2f\n\t"
                     "fldcw 4(%%rsp)\n"
                     "2:\n\t"
                     "addq $8, %%rsp\n\t"
                     "popq %%rax\n\t"
                     "jmp *%%rax\n"
                     "1:\n\t"
                     "popq %%rbp\n\t"
                     "leaq 128(%%rsp), %%rsp"
                     : "+D"(save), "+S"(next)
                     :
                     : "rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "r12", "r13", "r14",
                       "r15", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4", "xmm5", "xmm6", "xmm7",
                       "xmm8", "xmm9", "xmm10", "xmm11", "xmm12", "xmm13", "xmm14", "xmm15",
#ifdef __AVX512F__
                       "xmm16", "xmm17", "xmm18", "xmm19", "xmm20", "xmm21", "xmm22", "xmm23",
                       "xmm24", "xmm25", "xmm26", "xmm27", "xmm28", "xmm29", "xmm30", "xmm31",
                       "k0", "k1", "k2", "k3", "k4", "k5", "k6", "k7",
#endif
                       "st", "st(1)", "st(2)", "st(3)", "st(4)", "st(5)", "st(6)", "st(7)",
                       "mm0", "mm1", "mm2", "mm3", "mm4", "mm5", "mm6", "mm7", "memory", "cc",
                       "fpsr");
}
#endif

#endif
