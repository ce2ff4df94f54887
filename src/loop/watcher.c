/* The watcher registry: slots, ids, and the state changes every watcher type
 * shares (enable, disable, cancel, reference). */
#include "loop/loop.h"
#include "platform/alloc.h"

#include <errno.h>
#include <string.h>

uint32_t ed__watcher_slot_fresh(struct ed__loop *L)
{
    if (L->w_used == UINT32_MAX ||
        ed__grow((void **)&L->w, &L->w_cap, (size_t)L->w_used + 1, sizeof *L->w))
        return UINT32_MAX;
    L->w[L->w_used].gen = 1;
    return L->w_used++;
}

void ed__watcher_drop_enabled(struct ed__loop *L, struct ed__watcher *W)
{
    if (!(W->flags & W_ENABLED))
        return;
    if (W->flags & W_REFERENCED)
        L->alive--;
    W->flags &= (uint8_t) ~(W_ENABLED | W_ACTIVE);
    W->epoch++;
}

int ed__reserve_pending(struct ed__loop *L)
{
    return ed__grow((void **)&L->pending, &L->pending_cap, L->pending_len + 1, sizeof *L->pending);
}

static void activate(struct ed__loop *L, uint32_t slot)
{
    struct ed__watcher *W = &L->w[slot];
    W->flags |= W_ACTIVE;
    switch (W->type) {
    case ED_WATCHER_DELAY:
    case ED_WATCHER_REPEAT:
        ed__heap_push(&L->heap, L->w, slot, L->next_seq++);
        break;
    case ED_WATCHER_READABLE:
    case ED_WATCHER_WRITABLE:
        ed__io_update(L, W->u.link.fd);
        break;
    case ED_WATCHER_SIGNAL:
        ed__signal_activate(L, slot);
        break;
    }
}

void ed__watcher_arm(struct ed__loop *L, struct ed__watcher *W)
{
    /* Even outside a tick: a timer created and cancelled before the next
     * tick then never touches the heap (measured: row 1 of loop_bench). */
    L->pending[L->pending_len++] = ed__entry_of(L, W);
}

void ed__activate_pending(struct ed__loop *L)
{
    /* Only what was queued before this tick: anything an error handler
     * enables while we activate waits for the next one. Queue order is
     * enabling order, which gives timers their FIFO sequence numbers. */
    size_t n = L->pending_len;
    if (n == 0)
        return;
    for (size_t i = 0; i < n; i++) {
        struct ed__watcher *W = ed__entry_watcher(L, L->pending[i]);
        if (W && (W->flags & (W_ENABLED | W_ACTIVE)) == W_ENABLED)
            activate(L, (uint32_t)(W - L->w));
    }
    memmove(L->pending, L->pending + n, (L->pending_len - n) * sizeof *L->pending);
    L->pending_len -= n;
}

int ed_enable(ed_id id)
{
    struct ed__loop *L = ed__loop_peek();
    struct ed__watcher *W = L ? ed__watcher_lookup(L, id) : NULL;
    if (!W)
        return -ENOENT;
    if (W->flags & W_ENABLED)
        return 0;
    if (W->type == ED_WATCHER_DEFER) {
        if (ed__grow((void **)&L->defers_next, &L->defers_next_cap, L->defers_next_len + 1,
                     sizeof *L->defers_next))
            return -ENOMEM;
        L->defers_next[L->defers_next_len++] = ed__entry_of(L, W);
    } else if (ed__reserve_pending(L)) {
        return -ENOMEM;
    }
    W->flags |= W_ENABLED;
    if (W->flags & W_REFERENCED)
        L->alive++;
    if (ed__is_timer(W->type))
        W->u.timer.deadline = ed__loop_now(L) + W->u.timer.interval;
    if (W->type != ED_WATCHER_DEFER)
        ed__watcher_arm(L, W);
    return 0;
}

/* Undoes activation after the flags are already cleared. Last, because it
 * may report through the error path, which runs user code. */
static void deactivate(struct ed__loop *L, int type, uint32_t slot, int fd)
{
    switch (type) {
    case ED_WATCHER_DELAY:
    case ED_WATCHER_REPEAT:
        ed__heap_remove(&L->heap, L->w, L->w[slot].u.timer.heap_index);
        break;
    case ED_WATCHER_READABLE:
    case ED_WATCHER_WRITABLE:
        ed__io_update(L, fd);
        break;
    case ED_WATCHER_SIGNAL:
        ed__signal_deactivate(L, fd);
        break;
    }
}

int ed_disable(ed_id id)
{
    struct ed__loop *L = ed__loop_peek();
    struct ed__watcher *W = L ? ed__watcher_lookup(L, id) : NULL;
    if (!W || !(W->flags & W_ENABLED))
        return 0;
    bool was_active = W->flags & W_ACTIVE;
    ed__watcher_drop_enabled(L, W);
    if (was_active)
        deactivate(L, W->type, (uint32_t)(W - L->w), W->u.link.fd);
    return 0;
}

void ed_cancel(ed_id id)
{
    struct ed__loop *L = ed__loop_peek();
    struct ed__watcher *W = L ? ed__watcher_lookup(L, id) : NULL;
    if (!W)
        return;
    uint32_t slot = (uint32_t)(W - L->w);
    int type = W->type;
    int fd = W->u.link.fd;
    bool was_active = W->flags & W_ACTIVE;
    switch (type) {
    case ED_WATCHER_DELAY:
    case ED_WATCHER_REPEAT:
        if (was_active)
            ed__heap_remove(&L->heap, L->w, W->u.timer.heap_index);
        L->timers--;
        break;
    case ED_WATCHER_READABLE:
    case ED_WATCHER_WRITABLE:
        ed__list_remove(L, &L->fds[fd].watchers, slot);
        break;
    case ED_WATCHER_SIGNAL:
        ed__list_remove(L, &L->sig_watchers[fd], slot);
        break;
    }
    ed__watcher_free(L, slot);
    /* The slot is gone before anything can call back into eddy. */
    if (was_active && (type == ED_WATCHER_READABLE || type == ED_WATCHER_WRITABLE))
        ed__io_update(L, fd);
    else if (was_active && type == ED_WATCHER_SIGNAL)
        ed__signal_deactivate(L, fd);
}

int ed_reference(ed_id id)
{
    struct ed__loop *L = ed__loop_peek();
    struct ed__watcher *W = L ? ed__watcher_lookup(L, id) : NULL;
    if (!W)
        return -ENOENT;
    if (!(W->flags & W_REFERENCED)) {
        W->flags |= W_REFERENCED;
        if (W->flags & W_ENABLED)
            L->alive++;
    }
    return 0;
}

int ed_unreference(ed_id id)
{
    struct ed__loop *L = ed__loop_peek();
    struct ed__watcher *W = L ? ed__watcher_lookup(L, id) : NULL;
    if (W && (W->flags & W_REFERENCED)) {
        W->flags &= (uint8_t)~W_REFERENCED;
        if (W->flags & W_ENABLED)
            L->alive--;
    }
    return 0;
}

void ed__free_watchers(struct ed__loop *L)
{
    ed__free(L->w);
    L->w = NULL;
    L->w_cap = L->w_used = 0;
}
