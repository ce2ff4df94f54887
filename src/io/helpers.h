/* The internals of the seed's helpers (include/eddy/util.h): a first come,
 * first served lock between the fibers of one loop, and brief O_NONBLOCK
 * on fds that eddy borrows. */
#ifndef EDDY_IO_HELPERS_H
#define EDDY_IO_HELPERS_H

#include <eddy.h>
#include <stdbool.h>

/* ---- turn.c -------------------------------------------------------------- */

/* A waiter lives in the frame of the fiber that waits. */
struct ed__turn_waiter {
    struct ed__turn_waiter *next;
    ed_suspension *s;
    bool granted;
};

/* Fibers take turns in the order they asked. While anyone waits the turn is
 * busy: a release hands it straight to the first waiter, so a newcomer can
 * never overtake. A zeroed struct is a free turn. */
struct ed__turn {
    bool busy;
    struct ed__turn_waiter *head, *tail;
};

/* Waits for the turn: 0, or why the wait ended (-ECANCELED, -EPERM, main's
 * -EDEADLK or loop error), and then the turn is not the caller's. */
int ed__turn_take(struct ed__turn *t);
void ed__turn_give(struct ed__turn *t);

/* ---- nonblock.c ---------------------------------------------------------- */

/* Makes fd non-blocking until the matching ed__nonblock_drop; holds nest,
 * from any thread, and the last drop clears O_NONBLOCK again on every fd
 * that had to be changed. Never hold across a suspension: others sharing
 * the open file description would see it. 0 or -errno (nothing held). */
int ed__nonblock_hold(int fd);
void ed__nonblock_drop(void);

#endif
