/* Turns: a FIFO lock for the fibers of one loop, built on suspensions, so
 * that waiting allocates nothing. A turn is handed over, never freed and
 * grabbed: a cancelled waiter that was granted the turn on its way out
 * passes it on, so the turn is never lost and order always holds. */
#include "io/helpers.h"

#include <errno.h>

static void unlink_waiter(struct ed__turn *t, struct ed__turn_waiter *w)
{
    struct ed__turn_waiter **at = &t->head, *prev = NULL;
    while (*at && *at != w) {
        prev = *at;
        at = &(*at)->next;
    }
    if (!*at)
        return;
    *at = w->next;
    if (t->tail == w)
        t->tail = prev;
}

int ed__turn_take(struct ed__turn *t)
{
    if (!t->busy) {
        t->busy = true;
        return 0;
    }
    struct ed__turn_waiter w = {NULL, ed_suspension_get(), false};
    if (!w.s)
        return -errno;
    if (t->tail)
        t->tail->next = &w;
    else
        t->head = &w;
    t->tail = &w;
    for (;;) {
        int rc = ed_suspend(w.s, NULL);
        if (w.granted) {
            if (rc < 0)
                ed__turn_give(t); /* granted, but too late to use it */
            return rc;
        }
        if (rc < 0) {
            unlink_waiter(t, &w);
            return rc;
        }
        /* Resumed by someone else's ed_resume: not our turn yet. */
    }
}

void ed__turn_give(struct ed__turn *t)
{
    struct ed__turn_waiter *w = t->head;
    if (!w) {
        t->busy = false;
        return;
    }
    t->head = w->next;
    if (!t->head)
        t->tail = NULL;
    w->granted = true;
    /* -EALREADY: w's fiber was already woken (cancelled); it sees granted
     * and passes the turn on itself. */
    (void)ed_resume(w->s, NULL);
}
