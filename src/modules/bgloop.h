/* Background loops: the state shared by the lifecycle (bgloop.c), pauses
 * and resumes (bgloop_pause.c), signals (bgloop_signal.c) and the generic
 * and periodic bodies (bgloop_generic.c).
 *
 * Every wait of a loop (pause, signal wait, or both at once) is a record in
 * the waiting fiber's frame, parked on the fiber's suspension. Whoever ends
 * the wait (a timer, a resume, a signal, the awaited future, a stop) writes
 * the outcome into the record and resumes the fiber; the first outcome
 * wins, so a wake-up can never be counted twice. The loop points at the one
 * record that pauses and the one that listens for signals; what arrives
 * while there is none is kept in the loop for the next wait.
 *
 * An ed_loop is freed when its owner has freed it and nothing uses it any
 * more: its running body and every wait in progress hold a reference, so a
 * loop freed from inside its own body, or while paused, stays valid until
 * they are done. */
#ifndef EDDY_MODULES_BGLOOP_H
#define EDDY_MODULES_BGLOOP_H

#include <eddy.h>

#include "task/task.h"

enum ed__bgloop_outcome {
    BG_NONE = 0, /* still waiting */
    BG_ELAPSED,  /* the pause's time ran out */
    BG_RESUMED,
    BG_SETTLED, /* the future of ed_loop_wait_signal settled */
    BG_SIGNAL,  /* value, or err from ed_loop_signal_error */
    BG_STOPPED, /* stopped, freed, or another fiber took over the pause */
};

struct ed__bgloop_wait {
    ed_loop *loop;
    ed_suspension *s;
    enum ed__bgloop_outcome outcome;
    void *value;
    int err;
    ed_id timer;          /* the pause's deadline, or 0 */
    struct ed__waiter fw; /* on the future a signal wait waits for */
};

struct ed__bgloop_registry;

struct ed_loop {
    char *name;
    ed_loop_fn body;
    void *arg;
    /* Generic and periodic loops: the body is eddy's, calling these. */
    ed_generic_fn generic;
    ed_periodic_fn periodic;
    void *fn_arg;
    double interval;

    unsigned refs; /* the owner's, the running body's, one per wait */
    bool freed;    /* the owner let go (ed_loop_free) */
    bool running;
    bool stopping;
    ed_future *task; /* the running body's task (a reference), or NULL */

    struct ed__bgloop_wait *pauser;   /* the fiber in a pause */
    struct ed__bgloop_wait *listener; /* the fiber waiting for a signal */
    bool resume_kept;
    bool signal_kept;
    void *signal_value;
    int signal_err;

    /* The running loops of the thread, so that freeing the thread's event
     * loop (which frees their tasks without running them) lets go of them. */
    struct ed__bgloop_registry *reg;
    ed_loop *prev, *next;
};

/* bgloop.c */
ed_loop *ed__bgloop_alloc(const char *name, ed_loop_fn body, void *arg);
void ed__bgloop_unref(ed_loop *loop);
void ed__bgloop_log(const ed_loop *loop, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* bgloop_pause.c */
/* Checks that the caller may wait on loop and readies w: 0, or -EINVAL
 * (loop NULL), -EPERM (raw loop callback), -ECANCELED (the calling task
 * is cancelled, or the loop is stopping), -ENOMEM. Nothing to undo. */
int ed__bgloop_wait_begin(struct ed__bgloop_wait *w, ed_loop *loop);
/* Arms w's timer (seconds < 0: none) and makes w the loop's pauser,
 * ending any other fiber's pause. 0, or -ENOMEM (nothing changed). */
int ed__bgloop_wait_pause(struct ed__bgloop_wait *w, double seconds);
/* Parks until w, registered as pauser and/or listener, has an outcome;
 * then takes it off the loop. 0 (w->outcome says why); -ECANCELED if the
 * loop is stopping or w was ended by a stop; or why the suspension ended
 * early (cancellation, main's -EDEADLK or loop error). The loop may be
 * freed when this returns: use only w afterwards. */
int ed__bgloop_wait_run(struct ed__bgloop_wait *w);
/* Gives w its outcome and resumes its fiber, unless it already has one. */
void ed__bgloop_wake(struct ed__bgloop_wait *w, enum ed__bgloop_outcome outcome, void *value,
                     int err);

#endif
