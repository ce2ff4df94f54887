/* One tick, and the ways to run ticks: ed_run(), ed_run_once() and the
 * embedding queries. A tick, in order (behaviour.md §1.2):
 *   1. read the clock;
 *   2. activate what was enabled before this tick;
 *   3. run the defers queued before this tick, FIFO;
 *   4. poll: blocking only when nothing is queued for the next tick and the
 *      loop is not stopping, until the earliest timer;
 *   5. read the clock; call readable watchers, then writable ones;
 *   6. call due timers in (deadline, creation) order;
 *   7. call signal watchers for the signals that arrived. */
#include "loop/loop.h"

#include <errno.h>

static bool work_queued(const struct ed__loop *L)
{
    return L->defers_next_len > 0 || L->pending_len > 0 || L->micro_len > 0;
}

void ed__tick(struct ed__loop *L, bool may_block)
{
    L->in_tick = true;
    L->now = ed__clock_ns();
    if (L->micro_len)
        ed__microtasks_drain(L);
    ed__activate_pending(L);
    ed__run_defers(L);

    int64_t timeout = 0;
    if (may_block && !work_queued(L) && !L->stopping && L->alive > 0) {
        timeout = -1;
        if (L->heap.len) {
            timeout = L->heap.nodes[0].deadline - ed__clock_ns();
            if (timeout < 0)
                timeout = 0;
        }
    }
    int n = L->drv->poll(L->drv_state, timeout, L->events, ED__EVENTS);
    L->now = ed__clock_ns();
    if (n < 0)
        ed__report(L, n, "the %s driver failed to poll: %s", L->drv->name, ed_strerror(n));
    else if (n > 0)
        ed__io_dispatch(L, n);
    ed__run_timers(L);
    if (L->sig_ready)
        ed__signal_dispatch(L);
    if (L->micro_len) /* queued by something that was not a callback */
        ed__microtasks_drain(L);
    L->in_tick = false;
}

/* Ends a run: clears the running state and hands over its error, if any. */
static int finish(struct ed__loop *L)
{
    L->running = false;
    L->stopping = false;
    int err = L->error;
    L->error = 0;
    return err;
}

int ed_run(void)
{
    struct ed__loop *L = ed__loop_get();
    if (!L)
        return -ENOMEM;
    if (L->task_hook)
        return L->task_hook(L, ED__HOOK_RUN);
    if (L->running)
        return -EBUSY;
    L->running = true;
    L->stopping = false;
    while (!L->stopping && ed__loop_busy(L))
        ed__tick(L, true);
    return finish(L);
}

int ed_run_once(bool block)
{
    struct ed__loop *L = ed__loop_get();
    if (!L)
        return -ENOMEM;
    if (L->task_hook)
        return L->task_hook(L, block ? ED__HOOK_ONCE_BLOCK : ED__HOOK_ONCE);
    if (L->running)
        return -EBUSY;
    L->running = true;
    L->stopping = false;
    ed__tick(L, block);
    int err = finish(L);
    return err < 0 ? err : ed__loop_busy(L);
}

int ed_backend_fd(void)
{
    struct ed__loop *L = ed__loop_get();
    if (!L)
        return -ENOMEM;
    return L->drv->backend_fd(L->drv_state);
}

double ed_backend_timeout(void)
{
    struct ed__loop *L = ed__loop_get();
    if (!L)
        return -1;
    if (work_queued(L))
        return 0;
    if (!L->heap.len)
        return -1;
    int64_t left = L->heap.nodes[0].deadline - ed__clock_ns();
    return left > 0 ? ed__ns_to_seconds(left) : 0;
}
