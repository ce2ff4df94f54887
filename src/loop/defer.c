/* Defers: run once, in the next tick, before anything else of that tick. */
#include "loop/loop.h"
#include "platform/alloc.h"

#include <errno.h>

ed_id ed_defer_at(ed_callback cb, void *data, const char *file, int line)
{
    struct ed__loop *L = ed__loop_get();
    if (!L)
        return 0;
    if (!cb) {
        errno = EINVAL;
        return 0;
    }
    struct ed__watcher *W = NULL;
    if (ed__grow((void **)&L->defers_next, &L->defers_next_cap, L->defers_next_len + 1,
                 sizeof *L->defers_next) ||
        !(W = ed__watcher_new(L, ED_WATCHER_DEFER, data, file, line))) {
        errno = ENOMEM;
        return 0;
    }
    W->cb.plain = cb;
    L->defers_next[L->defers_next_len++] = ed__entry_of(L, W);
    return ed__watcher_id(L, W);
}

void ed__run_defers(struct ed__loop *L)
{
    /* This tick runs what was queued before it; what its callbacks queue
     * lands in the other buffer, for the next tick. */
    struct ed__queue_entry *q = L->defers;
    size_t cap = L->defers_cap;
    L->defers = L->defers_next;
    L->defers_cap = L->defers_next_cap;
    L->defers_len = L->defers_next_len;
    L->defers_next = q;
    L->defers_next_cap = cap;
    L->defers_next_len = 0;

    for (size_t i = 0; i < L->defers_len; i++) {
        struct ed__queue_entry e = L->defers[i];
        /* Stale entries: cancelled, or disabled (and maybe re-enabled, which
         * queued a fresh entry for a later tick) since this one was queued. */
        struct ed__watcher *W = ed__entry_watcher(L, e);
        if (!W || !(W->flags & W_ENABLED))
            continue;
        ed_callback cb = W->cb.plain;
        void *data = W->data;
        const char *file = W->file;
        int line = W->line;
        ed_id id = ed__watcher_id(L, W);
        ed__watcher_free(L, e.slot);
        ed__callback_done(L, cb(id, data), id, ED_WATCHER_DEFER, file, line);
    }
    L->defers_len = 0;
}
