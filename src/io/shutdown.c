/* ed_cancel_on_signals: a graceful shutdown. SIGINT or SIGTERM cancels one
 * task, whose own code then unwinds (closing, flushing, saving) and lets
 * the program end normally, instead of the default disposition killing it
 * halfway through a write.
 *
 * The first signal also removes the helper, which gives the signals back
 * to whatever handled them before (the default, usually). So a second
 * Ctrl-C kills a program whose cleanup hangs, as users expect; ignoring it
 * would leave them kill -9, and exiting from the loop would skip the very
 * cleanup the first signal asked for. */
#include "task/task.h"
#include <eddy/util.h>

#include <errno.h>
#include <signal.h>

#include "platform/alloc.h"

#define STATE_KEY "eddy.cancel_on_signals"

struct guard {
    ed_future *task; /* our own reference */
    ed_id sigint, sigterm;
};

/* Through the loop state: ed_shutdown() frees it too. */
static void guard_free(void *p)
{
    struct guard *g = p;
    ed_cancel(g->sigint);
    ed_cancel(g->sigterm);
    ed_future_release(g->task);
    ed__free(g);
}

static int on_signal(ed_id id, int signo, void *data)
{
    (void)id;
    (void)signo;
    struct guard *g = data;
    (void)ed_cancel_future(g->task); /* -EALREADY: it ended meanwhile */
    /* Cancels both watchers, this one too: safe from its own callback. */
    return ed_state_set(STATE_KEY, NULL, NULL);
}

int ed_cancel_on_signals(ed_future *task)
{
    if (!task || !(task->flags & F_TASK))
        return -EINVAL;
    if (ed_future_done(task))
        return -EALREADY;
    struct guard *g = ed__calloc(1, sizeof *g);
    if (!g)
        return -ENOMEM;
    int rc = 0;
    if (!(g->sigint = ed_on_signal(SIGINT, on_signal, g)) ||
        !(g->sigterm = ed_on_signal(SIGTERM, on_signal, g)))
        rc = -errno;
    else if ((rc = ed_unreference(g->sigint)) == 0)
        rc = ed_unreference(g->sigterm);
    g->task = ed_future_ref(task);
    /* A helper being replaced goes only after this one is installed, so the
     * signals are never left to their default in between. */
    if (rc == 0 && (rc = ed_state_set(STATE_KEY, g, guard_free)) == 0)
        return 0;
    guard_free(g);
    return rc;
}

void ed_cancel_on_signals_stop(void)
{
    if (ed_state_get(STATE_KEY))
        (void)ed_state_set(STATE_KEY, NULL, NULL);
}
