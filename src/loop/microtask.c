/* Microtasks (Revolt's EventLoop::queue): (fn, arg) pairs run in FIFO order
 * as soon as the loop has control, after every callback and before the loop
 * polls or returns. They are how the task layer resumes coroutines: never
 * synchronously inside whatever woke them, always on a clean stack between
 * two callbacks. They are not watchers: they cannot be cancelled, and they
 * keep the loop busy only until the queue is empty. */
#include "loop/loop.h"
#include "platform/alloc.h"

#include <errno.h>

int ed__microtask_grow(struct ed__loop *L, size_t need)
{
    /* Grow the ring and unwrap it, so that head is 0 again. */
    size_t cap = L->micro_cap ? L->micro_cap : 64;
    while (cap < need)
        cap *= 2;
    struct ed__microtask *q = ed__alloc(cap * sizeof *q);
    if (!q)
        return -ENOMEM;
    for (size_t i = 0; i < L->micro_len; i++)
        q[i] = L->micro[(L->micro_head + i) & (L->micro_cap - 1)];
    ed__free(L->micro);
    L->micro = q;
    L->micro_cap = cap;
    L->micro_head = 0;
    return 0;
}

void ed__microtasks_drain(struct ed__loop *L)
{
    /* Also runs what the microtasks queue: a chain of them finishes here. */
    while (L->micro_len) {
        struct ed__microtask m = L->micro[L->micro_head];
        L->micro_head = (L->micro_head + 1) & (L->micro_cap - 1);
        L->micro_len--;
        m.fn(m.arg);
    }
}

void ed__microtasks_free(struct ed__loop *L)
{
    ed__free(L->micro);
    L->micro = NULL;
    L->micro_cap = L->micro_len = L->micro_head = L->micro_promised = 0;
}
