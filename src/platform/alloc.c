#include "platform/alloc.h"

#include <eddy.h>
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void *libc_realloc(void *ud, void *ptr, size_t size)
{
    (void)ud;
    if (size == 0) {
        free(ptr);
        return NULL;
    }
    return ptr ? realloc(ptr, size) : malloc(size);
}

static ed_realloc_fn hook = libc_realloc;
static void *hook_ud;

/* The allocator may only change while no block is live, or frees would
 * reach the wrong one. Counting blocks in one atomic costs a locked
 * instruction per allocation, so each thread counts its own (blocks it
 * allocated minus blocks it freed), and only a thread's count moving off
 * or back to zero touches the shared count of threads holding blocks. A
 * block freed by another thread than its allocator's keeps both counted:
 * the allocator stays locked, which errs on the safe side. */
static _Thread_local long thread_blocks __attribute__((tls_model("initial-exec")));
static atomic_long threads_with_blocks;

static inline void count_block(long delta)
{
    long before = thread_blocks;
    thread_blocks = before + delta;
    if (before == 0)
        atomic_fetch_add_explicit(&threads_with_blocks, 1, memory_order_relaxed);
    else if (before + delta == 0)
        atomic_fetch_sub_explicit(&threads_with_blocks, 1, memory_order_relaxed);
}

int ed_set_allocator(ed_realloc_fn fn, void *ud)
{
    if (atomic_load(&threads_with_blocks) != 0)
        return -EBUSY;
    hook = fn ? fn : libc_realloc;
    hook_ud = fn ? ud : NULL;
    return 0;
}

void *ed__alloc(size_t size)
{
    void *p = hook(hook_ud, NULL, size ? size : 1);
    if (p)
        count_block(1);
    return p;
}

void *ed__calloc(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size)
        return NULL;
    void *p = ed__alloc(count * size);
    if (p)
        memset(p, 0, count * size);
    return p;
}

void *ed__realloc(void *ptr, size_t size)
{
    if (!ptr)
        return ed__alloc(size);
    return hook(hook_ud, ptr, size ? size : 1);
}

void ed__free(void *ptr)
{
    if (!ptr)
        return;
    hook(hook_ud, ptr, 0);
    count_block(-1);
}

char *ed__strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = ed__alloc(n);
    if (copy)
        memcpy(copy, s, n);
    return copy;
}

int ed__grow_slow(void **items, size_t *capacity, size_t need, size_t item_size)
{
    size_t cap = *capacity ? *capacity : 16;
    while (cap < need) {
        if (cap > SIZE_MAX / 2 / item_size)
            return -ENOMEM;
        cap *= 2;
    }
    void *p = ed__realloc(*items, cap * item_size);
    if (!p)
        return -ENOMEM;
    *items = p;
    *capacity = cap;
    return 0;
}
