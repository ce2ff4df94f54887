/* The C half of the context backends: building a fresh context's first
 * frame, and telling the sanitizers about each switch. */
#include "task/context.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "platform/alloc.h"

#ifdef ED__ASAN
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef ED__TSAN
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
#endif

/* A fresh context starts in context_boot(c), which then calls c's entry.
 * With the inline switch, context_boot returns once the entry has ended the
 * context, and the first frame enters exit_sp (ed__context_exit). */
struct boot {
    void (*entry)(void *);
    void *arg;
    void *exit_sp;
};

#ifdef ED__ASAN
/* The context being left, so the one being entered can learn the bounds of
 * a thread stack (ASan reports them only after the switch). */
static _Thread_local struct ed__context *leaving;
#endif

static inline void after_switch(struct ed__context *self)
{
#ifdef ED__ASAN
    const void *lo = NULL;
    size_t size = 0;
    __sanitizer_finish_switch_fiber(self ? self->asan_fake_stack : NULL, &lo, &size);
    if (leaving && leaving->is_thread && !leaving->stack_lo) {
        leaving->stack_lo = (void *)lo;
        leaving->stack_size = size;
    }
    leaving = NULL;
#else
    (void)self;
#endif
}

static void context_boot(struct boot *b)
{
    after_switch(NULL);
    b->entry(b->arg);
}

#ifdef EDDY_CONTEXT_UCONTEXT
#include <ucontext.h>

static void boot_from_ints(unsigned hi, unsigned lo)
{
    context_boot((struct boot *)(((uintptr_t)hi << 16 << 16) | lo));
}
#elif defined(ED__CONTEXT_INLINE)
void ed__context_start_inline(void);
#else
void ed__context_swap(void **save_sp, void *new_sp);
void ed__context_start(void);
#endif

int ed__context_make(struct ed__context *c, void *stack_lo, size_t stack_size,
                     void (*entry)(void *), void *arg)
{
    memset(c, 0, sizeof *c);
    c->stack_lo = stack_lo;
    c->stack_size = stack_size;
    /* The boot record sits at the top of the new stack itself. */
    uintptr_t top = ((uintptr_t)stack_lo + stack_size - sizeof(struct boot)) & ~(uintptr_t)15;
    struct boot *b = (struct boot *)top;
    b->entry = entry;
    b->arg = arg;
    b->exit_sp = NULL;
    c->exit_sp = &b->exit_sp;

#if defined(EDDY_CONTEXT_UCONTEXT)
    ucontext_t *uc = ed__calloc(1, sizeof *uc);
    if (!uc)
        return -ENOMEM;
    getcontext(uc);
    uc->uc_stack.ss_sp = stack_lo;
    uc->uc_stack.ss_size = top - (uintptr_t)stack_lo;
    uc->uc_link = NULL;
    makecontext(uc, (void (*)(void))boot_from_ints, 2, (unsigned)((uintptr_t)b >> 16 >> 16),
                (unsigned)(uintptr_t)b);
    c->uc = uc;
#elif defined(ED__CONTEXT_INLINE)
    /* Taken by the inline switch: the FP control words (defaults), then the
     * address it jumps to, ed__context_start_inline, which pops the entry
     * and its argument and calls it with rsp 16-aligned, as at any call. */
    uint64_t *sp = (uint64_t *)top;
    *--sp = (uint64_t)(uintptr_t)b;
    *--sp = (uint64_t)(uintptr_t)context_boot;
    *--sp = (uint64_t)(uintptr_t)ed__context_start_inline;
    *--sp = (uint64_t)0x037F << 32 | 0x1F80; /* x87 control word, MXCSR: defaults */
    c->sp = sp;
#elif defined(__x86_64__)
    /* Popped by ed__context_swap, lowest first: MXCSR and x87 control word,
     * r15, r14, r13 (the boot record), r12 (context_boot), rbx, rbp, and
     * the return address. After `ret` rsp is 16-aligned, as it must be
     * before the `call` in ed__context_start. */
    uint64_t *sp = (uint64_t *)top;
    *--sp = (uint64_t)(uintptr_t)ed__context_start;
    *--sp = 0;                              /* rbp */
    *--sp = 0;                              /* rbx */
    *--sp = (uint64_t)(uintptr_t)context_boot; /* r12 */
    *--sp = (uint64_t)(uintptr_t)b;         /* r13 */
    *--sp = 0;                              /* r14 */
    *--sp = 0;                              /* r15 */
    *--sp = (uint64_t)0x037F << 32 | 0x1F80; /* x87 control word, MXCSR: defaults */
    c->sp = sp;
#elif defined(__aarch64__)
    /* The 176-byte frame ed__context_swap restores: x19 = context_boot,
     * x20 = the boot record, x30 = ed__context_start, FPCR = 0. */
    uint64_t *frame = (uint64_t *)(top - 176);
    memset(frame, 0, 176);
    frame[0] = (uint64_t)(uintptr_t)context_boot;
    frame[1] = (uint64_t)(uintptr_t)b;
    frame[11] = (uint64_t)(uintptr_t)ed__context_start;
    c->sp = frame;
#else
#error "no context switch for this CPU: build with -DEDDY_CONTEXT=ucontext"
#endif

#ifdef ED__TSAN
    c->tsan_fiber = __tsan_create_fiber(0);
#endif
    return 0;
}

int ed__context_of_thread(struct ed__context *c)
{
    memset(c, 0, sizeof *c);
    c->is_thread = 1;
#ifdef EDDY_CONTEXT_UCONTEXT
    if (!(c->uc = ed__calloc(1, sizeof(ucontext_t))))
        return -ENOMEM;
#endif
#ifdef ED__TSAN
    c->tsan_fiber = __tsan_get_current_fiber();
#endif
    return 0;
}

void ed__context_free(struct ed__context *c)
{
#ifdef EDDY_CONTEXT_UCONTEXT
    ed__free(c->uc);
    c->uc = NULL;
#endif
#ifdef ED__TSAN
    if (!c->is_thread && c->tsan_fiber)
        __tsan_destroy_fiber(c->tsan_fiber);
    c->tsan_fiber = NULL;
#endif
    (void)c;
}

#ifndef ED__CONTEXT_INLINE
void ed__context_exit(struct ed__context *self, struct ed__context *to)
{
    ed__context_switch(self, to, 1);
}

void ed__context_switch(struct ed__context *from, struct ed__context *to, int from_exits)
{
#ifdef ED__ASAN
    leaving = from;
    __sanitizer_start_switch_fiber(from_exits ? NULL : &from->asan_fake_stack, to->stack_lo,
                                   to->stack_size);
#else
    (void)from_exits;
#endif
#ifdef ED__TSAN
    __tsan_switch_to_fiber(to->tsan_fiber, 0);
#endif
#ifdef EDDY_CONTEXT_UCONTEXT
    swapcontext(from->uc, to->uc);
#else
    ed__context_swap(&from->sp, to->sp);
#endif
    after_switch(from);
}
#endif
