#include "task/stack.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "platform/alloc.h"

/* Bytes kept free at the top of every pooled stack: the canary of the
 * stack above it in the slab, if that one is unguarded. */
#define CANARY_ROOM 16
#define SLAB_STACKS 16           /* stacks carved from one mmap */
#define SLAB_STACKS_UNGUARDED 256 /* past the guard budget: fewer, larger mappings */
#define WARM_STACKS 64 /* pooled stacks always kept with their pages */
#define TRIM_BATCH 1024 /* cold stacks that make a trim worth its syscalls */
#define MAPPINGS_LEFT 8192 /* of vm.max_map_count, never spent on guard pages */

static atomic_size_t default_size = ED__STACK_DEFAULT;
static atomic_long guard_budget = -1; /* guarded stacks still allowed; -1: not read yet */
static atomic_flag said_unguarded = ATOMIC_FLAG_INIT;

struct slab {
    void *base;
    size_t len;
    struct slab *next;
};

/* Per thread: tasks never move between threads, nor do their stacks. */
static _Thread_local struct {
    struct ed__stack *free; /* LIFO: the last released is the warmest */
    size_t len, cap;
    size_t stack_size; /* the size of the pooled stacks */
    size_t cold;       /* stacks given back beyond the warm set since the last trim */
    size_t trimmed;    /* free[0, trimmed) have had their pages given back */
    struct slab *slabs;
} pool;

static size_t page_size(void)
{
    /* Threads may race to fill it; they all store the same value. */
    static atomic_size_t cached;
    size_t page = atomic_load_explicit(&cached, memory_order_relaxed);
    if (!page) {
        page = (size_t)sysconf(_SC_PAGESIZE);
        atomic_store_explicit(&cached, page, memory_order_relaxed);
    }
    return page;
}

static size_t round_pages(size_t n)
{
    size_t p = page_size();
    return (n + p - 1) / p * p;
}

size_t ed__stack_default(size_t size)
{
    if (size) {
        size = round_pages(size < ED__STACK_MIN ? ED__STACK_MIN : size);
        atomic_store(&default_size, size);
    }
    return atomic_load(&default_size);
}

/* A guard page for one more stack, if the mapping budget allows. */
static bool take_guard(void)
{
    long budget = atomic_load(&guard_budget);
    if (budget < 0) {
        long max = 65530;
        FILE *f = fopen("/proc/sys/vm/max_map_count", "r");
        if (f) {
            if (fscanf(f, "%ld", &max) != 1)
                max = 65530;
            fclose(f);
        }
        /* Each guarded stack splits its slab: two mappings. */
        long budget_now = max / 2 - MAPPINGS_LEFT / 2;
        /* A program that needs the mappings for itself (or a test that
         * needs unguarded stacks) can ask for fewer. */
        const char *env = getenv("EDDY_STACK_GUARDS");
        if (env && *env) {
            char *end;
            long cap = strtol(env, &end, 10);
            if (!*end && cap >= 0 && cap < budget_now)
                budget_now = cap;
        }
        long expected = -1;
        atomic_compare_exchange_strong(&guard_budget, &expected, budget_now > 0 ? budget_now : 0);
    }
    for (budget = atomic_load(&guard_budget); budget > 0;)
        if (atomic_compare_exchange_weak(&guard_budget, &budget, budget - 1))
            return true;
    if (!atomic_flag_test_and_set(&said_unguarded))
        fprintf(stderr, "eddy: the mapping budget for guarded coroutine stacks is spent "
                        "(vm.max_map_count, or EDDY_STACK_GUARDS); new stacks have no guard "
                        "page, and overflow is detected by a canary checked at every switch\n");
    return false;
}

static void give_back_guard(void)
{
    atomic_fetch_add(&guard_budget, 1);
}

/* Lays out one stack at `region` (its first page is the guard, if any).
 * An unguarded stack's canary goes where its overflow lands first: in a
 * slab (`below_in_slab`), the top bytes of the stack below, which that
 * stack's frames keep resident; otherwise its own lowest word, a page of
 * its own. Pooled stacks get their canary written when handed out. */
static void carve(void *region, size_t stack_size, bool pooled, bool below_in_slab,
                  struct ed__stack *out)
{
    size_t page = page_size();
    out->lo = (char *)region + page;
    out->size = pooled ? stack_size - CANARY_ROOM : stack_size;
    out->pooled = pooled;
    out->guarded = take_guard() && mprotect(region, page, PROT_NONE) == 0;
    out->canary = NULL;
    if (!out->guarded)
        out->canary = below_in_slab ? (uint64_t *)((char *)region - CANARY_ROOM) : out->lo;
    if (!out->guarded && !pooled)
        *out->canary = ED__STACK_CANARY;
}

/* The end of a pooled stack's region: the next region's start. */
static char *region_end(const struct ed__stack *s)
{
    return (char *)s->lo + s->size + CANARY_ROOM;
}

/* Gives back the pages of pooled regions [start, end), but the last page:
 * it may hold the canary of the stack above, in use or not. */
static void give_back_pages(char *start, char *end)
{
    size_t page = page_size();
    if (end - start > (ptrdiff_t)page)
        madvise(start, (size_t)(end - start) - page, MADV_DONTNEED);
}

static void *map(size_t len)
{
    void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
                   -1, 0);
    return p == MAP_FAILED ? NULL : p;
}

static int pool_refill(size_t stack_size)
{
    size_t region = stack_size + page_size();
    size_t count = atomic_load(&guard_budget) == 0 ? SLAB_STACKS_UNGUARDED : SLAB_STACKS;
    if (ed__grow((void **)&pool.free, &pool.cap, pool.len + count, sizeof *pool.free))
        return -ENOMEM;
    struct slab *slab = ed__alloc(sizeof *slab);
    void *base = slab ? map(region * count) : NULL;
    if (!base) {
        ed__free(slab);
        return -ENOMEM;
    }
    *slab = (struct slab){base, region * count, pool.slabs};
    pool.slabs = slab;
    /* Pushed in reverse, so stacks are handed out in address order. */
    for (size_t i = count; i-- > 0;)
        carve((char *)base + i * region, stack_size, true, i > 0, &pool.free[pool.len++]);
    return 0;
}

int ed__stack_get(size_t size, struct ed__stack *out)
{
    size_t def = atomic_load(&default_size);
    size = size ? round_pages(size < ED__STACK_MIN ? ED__STACK_MIN : size) : def;
    if (size == def) {
        if (pool.stack_size != def) {
            /* The default changed: stacks of the old size are not reused. */
            for (size_t i = 0; i < pool.len; i++)
                give_back_pages((char *)pool.free[i].lo - page_size(), region_end(&pool.free[i]));
            pool.len = pool.trimmed = 0;
            pool.stack_size = def;
        }
        if (pool.len == 0) {
            int rc = pool_refill(size);
            if (rc < 0)
                return rc;
        }
        *out = pool.free[--pool.len];
        if (pool.trimmed > pool.len)
            pool.trimmed = pool.len;
        if (!out->guarded)
            *out->canary = ED__STACK_CANARY;
        return 0;
    }
    void *region = map(size + page_size());
    if (!region)
        return -ENOMEM;
    carve(region, size, false, false, out);
    return 0;
}

static int by_address(const void *a, const void *b)
{
    const char *x = ((const struct ed__stack *)a)->lo, *y = ((const struct ed__stack *)b)->lo;
    return x < y ? -1 : x > y;
}

/* Gives the pages of every pooled stack but the warmest back to the
 * kernel: sorted by address, adjacent stacks of a slab go in one madvise
 * (guard pages included: they have no pages to give), which keeps the
 * run's top page for the canary above it. */
static void trim(void)
{
    /* The coldest are at the bottom, and the bottom-most were trimmed
     * before: only those in between have pages to give. */
    size_t from = pool.trimmed, n = pool.len - WARM_STACKS;
    qsort(pool.free + from, n - from, sizeof *pool.free, by_address);
    size_t page = page_size();
    for (size_t i = from; i < n;) {
        char *start = (char *)pool.free[i].lo - page;
        char *end = region_end(&pool.free[i]);
        while (++i < n && (char *)pool.free[i].lo - page == end)
            end = region_end(&pool.free[i]);
        give_back_pages(start, end);
    }
    pool.trimmed = n;
    pool.cold = 0;
}

void ed__stack_put(struct ed__stack *s)
{
    if (s->pooled && s->size + CANARY_ROOM == pool.stack_size &&
        ed__grow((void **)&pool.free, &pool.cap, pool.len + 1, sizeof *pool.free) == 0) {
        pool.free[pool.len++] = *s;
        if (pool.len > WARM_STACKS && ++pool.cold >= TRIM_BATCH)
            trim();
        return;
    }
    if (s->pooled)
        return; /* its slab is unmapped with the pool */
    if (s->guarded)
        give_back_guard();
    munmap((char *)s->lo - page_size(), s->size + page_size());
}

bool ed__stack_guard_hit(const struct ed__stack *s, const void *addr)
{
    return s->guarded && (const char *)addr < (const char *)s->lo &&
           (const char *)addr >= (const char *)s->lo - page_size();
}

void ed__stack_pool_free(void)
{
    for (size_t i = 0; i < pool.len; i++)
        if (pool.free[i].guarded)
            give_back_guard();
    while (pool.slabs) {
        struct slab *s = pool.slabs;
        pool.slabs = s->next;
        munmap(s->base, s->len);
        ed__free(s);
    }
    ed__free(pool.free);
    memset(&pool, 0, sizeof pool);
}
