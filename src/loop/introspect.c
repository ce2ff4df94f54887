/* What is in the loop: counts, one watcher, or all of them. These walk the
 * slab, which is fine for a question asked when something looks wrong, and
 * keeps the hot paths free of bookkeeping. */
#include "loop/loop.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

const char *ed_watcher_type_name(ed_watcher_type type)
{
    static const char *const names[ED_WATCHER_TYPES] = {
        "defer", "delay", "repeat", "readable", "writable", "signal",
    };
    return (unsigned)type < ED_WATCHER_TYPES ? names[type] : "?";
}

int ed_get_info(ed_info *out)
{
    if (!out)
        return -EINVAL;
    struct ed__loop *L = ed__loop_get();
    if (!L)
        return -ENOMEM;
    memset(out, 0, sizeof *out);
    for (uint32_t i = 0; i < L->w_used; i++) {
        const struct ed__watcher *W = &L->w[i];
        if (W->type == W_FREE)
            continue;
        if (W->flags & W_ENABLED) {
            out->enabled[W->type]++;
            if (W->flags & W_REFERENCED)
                out->referenced++;
            else
                out->unreferenced++;
        } else {
            out->disabled[W->type]++;
        }
    }
    out->running = L->running;
    return 0;
}

int ed_watcher_get(ed_id id, ed_watcher_info *out)
{
    if (!out)
        return -EINVAL;
    struct ed__loop *L = ed__loop_peek();
    const struct ed__watcher *W = L ? ed__watcher_lookup(L, id) : NULL;
    if (!W)
        return -ENOENT;
    *out = (ed_watcher_info){
        .type = (ed_watcher_type)W->type,
        .enabled = W->flags & W_ENABLED,
        .referenced = W->flags & W_REFERENCED,
        .fd = -1,
        .deadline = -1,
        .file = W->file,
        .line = W->line,
    };
    if (ed__is_timer(W->type)) {
        out->interval = ed__ns_to_seconds(W->u.timer.interval);
        if (W->flags & W_ENABLED)
            out->deadline = ed__ns_to_seconds(W->u.timer.deadline);
    } else if (W->type != ED_WATCHER_DEFER) {
        out->fd = W->u.link.fd;
    }
    return 0;
}

void ed_dump_watchers(FILE *out)
{
    struct ed__loop *L = ed__loop_get();
    if (!L || !out)
        return;
    double now = ed__ns_to_seconds(ed__loop_now(L));
    size_t live = 0;
    for (uint32_t i = 0; i < L->w_used; i++)
        live += L->w[i].type != W_FREE;
    fprintf(out, "eddy loop (%s): %zu watchers, %zu keeping it alive%s\n", L->drv->name, live,
            L->alive, L->running ? ", running" : "");
    for (uint32_t i = 0; i < L->w_used; i++) {
        const struct ed__watcher *W = &L->w[i];
        if (W->type == W_FREE)
            continue;
        fprintf(out, "  %" PRIu64 " %-8s %-8s %-12s", ed__watcher_id(L, W),
                ed_watcher_type_name(W->type), W->flags & W_ENABLED ? "enabled" : "disabled",
                W->flags & W_REFERENCED ? "referenced" : "unreferenced");
        if (ed__is_timer(W->type)) {
            if (W->flags & W_ENABLED)
                fprintf(out, " due in %.3fs", ed__ns_to_seconds(W->u.timer.deadline) - now);
            fprintf(out, " every %.3fs", ed__ns_to_seconds(W->u.timer.interval));
        } else if (W->type == ED_WATCHER_SIGNAL) {
            fprintf(out, " signal %d", W->u.link.fd);
        } else if (W->type != ED_WATCHER_DEFER) {
            fprintf(out, " fd %d", W->u.link.fd);
        }
        fprintf(out, " created at %s:%d\n", W->file, W->line);
    }
}
