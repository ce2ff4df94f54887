/* Delay and repeat watchers, and the timer phase of a tick. */
#include "loop/loop.h"

#include <errno.h>

static ed_id timer_new(int type, double seconds, ed_callback cb, void *data, const char *file,
                       int line)
{
    struct ed__loop *L = ed__loop_get();
    if (!L)
        return 0;
    int64_t ns = ed__seconds_to_ns(seconds);
    if (!cb || ns < 0) {
        errno = EINVAL;
        return 0;
    }
    /* The heap is sized for every timer up front, so activating one at the
     * start of a tick can never fail. */
    struct ed__watcher *W = NULL;
    if (ed__heap_reserve(&L->heap, L->timers + 1) || ed__reserve_pending(L) ||
        !(W = ed__watcher_new(L, type, data, file, line))) {
        errno = ENOMEM;
        return 0;
    }
    W->cb.plain = cb;
    W->u.timer.interval = ns;
    W->u.timer.deadline = ed__loop_now(L) + ns;
    L->timers++;
    ed__watcher_arm(L, W);
    return ed__watcher_id(L, W);
}

ed_id ed_delay_at(double seconds, ed_callback cb, void *data, const char *file, int line)
{
    return timer_new(ED_WATCHER_DELAY, seconds, cb, data, file, line);
}

ed_id ed_repeat_at(double interval, ed_callback cb, void *data, const char *file, int line)
{
    return timer_new(ED_WATCHER_REPEAT, interval, cb, data, file, line);
}

void ed__run_timers(struct ed__loop *L)
{
    while (L->heap.len) {
        struct ed__heap_node *top = &L->heap.nodes[0];
        if (top->deadline > L->now)
            break;
        uint32_t slot = top->slot;
        struct ed__watcher *W = &L->w[slot];
        ed_callback cb = W->cb.plain;
        void *data = W->data;
        const char *file = W->file;
        int line = W->line;
        int type = W->type;
        ed_id id = ed__watcher_id(L, W);
        if (type == ED_WATCHER_REPEAT) {
            /* Previous deadline plus the interval keeps the rhythm; when that
             * is already due the loop fell behind, and the missed periods
             * are skipped rather than fired in a burst. The new deadline is
             * always past now, so even a zero interval fires at most once
             * per tick. */
            int64_t next = W->u.timer.deadline + W->u.timer.interval;
            if (next <= L->now)
                next = L->now + W->u.timer.interval;
            if (next <= L->now)
                next = L->now + 1;
            W->u.timer.deadline = top->deadline = next;
            top->seq = L->next_seq++;
            ed__heap_sift_down(&L->heap, L->w, 0);
        } else {
            ed__heap_remove(&L->heap, L->w, 0);
            L->timers--;
            ed__watcher_free(L, slot);
        }
        ed__callback_done(L, cb(id, data), id, type, file, line);
    }
}
