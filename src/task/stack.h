/* Coroutine stacks: reserved with mmap (pages are committed only when
 * touched), carved from slabs, and reused from a per-thread pool, because a
 * first touch of a page costs ~10 us here while a warm stack costs nothing.
 *
 * Each stack has a guard page below it while the process's mapping budget
 * lasts: a guard page splits its slab's mapping, and Linux allows
 * vm.max_map_count (65530) mappings in all, so guarded stacks stop at
 * max_map_count/2 - 4096 (28,669 by default), leaving 8,192 mappings to the
 * program (EDDY_STACK_GUARDS=N in the environment lowers the count to N).
 * Later stacks have a canary word below them instead, checked at every
 * switch away from them, and come in larger slabs (fewer mappings);
 * eddy says so once on stderr. A pooled stack's canary lies in the top
 * bytes of the stack below it in the slab, a page that stack's own frames
 * keep resident anyway: a parked task then costs one page, not two. */
#ifndef EDDY_TASK_STACK_H
#define EDDY_TASK_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ED__STACK_DEFAULT (256 * 1024)
#define ED__STACK_MIN (16 * 1024)

struct ed__stack {
    void *lo;         /* lowest usable address */
    size_t size;      /* usable bytes from lo */
    uint64_t *canary; /* unguarded stacks: the word overflow reaches first */
    bool guarded;     /* a PROT_NONE page lies just below lo */
    bool pooled;      /* from a slab; else its own mapping */
};

#define ED__STACK_CANARY UINT64_C(0xED57AC4CA9A12E5D)

/* A stack of at least `size` bytes (0: the current default). 0 or -ENOMEM. */
int ed__stack_get(size_t size, struct ed__stack *out);

/* Gives a stack back: to the pool, or unmapped. */
void ed__stack_put(struct ed__stack *s);

/* false if an unguarded stack's canary was overwritten: it overflowed. */
static inline bool ed__stack_intact(const struct ed__stack *s)
{
    return s->guarded || *s->canary == ED__STACK_CANARY;
}

/* Whether addr lies in the guard page of s. */
bool ed__stack_guard_hit(const struct ed__stack *s, const void *addr);

/* The default size of new stacks, rounded up to whole pages, at least
 * ED__STACK_MIN. Returns the size now in force. */
size_t ed__stack_default(size_t size);

/* Unmaps this thread's pooled stacks; none may be in use. */
void ed__stack_pool_free(void);

#endif
