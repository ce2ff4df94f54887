/* eddy: background loops, the seed's Loop, ResumableLoop, SignalLoop,
 * ResumableSignalLoop, GenericLoop and PeriodicLoop as one type (included
 * by <eddy.h>).
 *
 * A loop is a named body that runs in a task of its own each time the loop
 * is started. While it runs it can pause (for a time, or until resumed),
 * be resumed from anywhere in its thread, wait for signals (values sent to
 * it), and be stopped. A resume or a signal that finds the loop not waiting
 * is kept for its next wait, never lost; what a run leaves untaken is
 * dropped when its body returns. The name is in every log line and
 * error report about the loop. A loop belongs to the thread that starts it:
 * every call about it must come from that thread.
 *
 * Log lines go to stderr as "eddy: loop 'NAME' ...": "could not start" and
 * "failed" always, "started" and "exited" only with EDDY_DEBUG=1. */
#ifndef EDDY_BGLOOP_H
#define EDDY_BGLOOP_H

#include <eddy.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A background loop: opaque; ed_loop_new() makes one, ed_loop_free() frees it. */
typedef struct ed_loop ed_loop;

/* A loop's body: runs once per ed_loop_start, in the loop's task, and
 * returns 0 or a negative errno code (which fails the start's future). */
typedef int (*ed_loop_fn)(ed_loop *loop, void *arg);

/* A new loop, not started, that runs body(loop, arg) on each start; the
 * caller owns it (ed_loop_free). name is copied. Returns NULL with errno
 * EINVAL (name or body NULL) or ENOMEM. */
ED_API ed_loop *ed_loop_new(const char *name, ed_loop_fn body, void *arg);

/* Starts the body in a new task named after the loop; the task runs until
 * its first suspension before this returns. Returns a future (the caller's
 * reference) that settles when the body returns: 0, or its error. If the
 * loop is already running: NULL, errno EALREADY, and a "could not start"
 * line on stderr; NULL with errno EINVAL (loop NULL) or ENOMEM otherwise.
 * A failure nobody observes reaches the error path, naming the loop.
 * Does not suspend the caller. */
ED_API ed_future *ed_loop_start_at(ed_loop *loop, const char *file, int line);
#define ed_loop_start(loop) ed_loop_start_at((loop), __FILE__, __LINE__)

/* Whether the body is running: from its start until it returns. */
ED_API bool ed_loop_running(const ed_loop *loop);

/* Whether ed_loop_stop (or ed_loop_free) asked the running body to end:
 * for bodies that work a long time between two waits. */
ED_API bool ed_loop_stopping(const ed_loop *loop);

/* The loop's name, owned by the loop; NULL for loop NULL. */
ED_API const char *ed_loop_name(const ed_loop *loop);

/* Asks a running loop to end: a wait in progress (pause, signal wait)
 * returns -ECANCELED at once, and so does every later one, until the body
 * returns. Code between waits is never interrupted. The future then
 * settles with 0 even if the body returns -ECANCELED. Returns 0, -EINVAL,
 * -EALREADY (not running). Does not suspend. */
ED_API int ed_loop_stop(ed_loop *loop);

/* Stops the loop, cancels its task (every suspension in it returns
 * -ECANCELED), and frees it once the body has returned; the future of a
 * running loop settles with -ECANCELED, which needs no observing. The
 * caller must not use loop afterwards. NULL is ignored. Does not
 * suspend. */
ED_API void ed_loop_free(ed_loop *loop);

/* Pauses the calling fiber (normally the loop's body) for `seconds`, or,
 * when seconds is negative, until resumed. Returns 0 when the time ran
 * out, 1 when resumed (at once if a resume is pending), -ECANCELED (the
 * loop is stopping or freed, the task is cancelled, or another fiber
 * started pausing on this loop), -EINVAL (loop NULL, seconds NaN), -EPERM
 * (raw loop callback), -ENOMEM; from main, -EDEADLK if nothing could
 * resume it. Signals do not end a pause; they are kept. Suspends. */
ED_API int ed_loop_pause(ed_loop *loop, double seconds);

/* Ends the loop's pause: the paused fiber resumes through a microtask. If
 * the loop is not paused, the resume is remembered, once, and the next
 * pause returns 1 at once; several resumes before the paused fiber runs
 * again count as one. Callable from any task, raw callback or main of the
 * loop's thread. NULL is ignored. Does not suspend. */
ED_API void ed_loop_resume(ed_loop *loop);

/* Waits until f settles or a signal arrives, whichever is first: 0 and
 * *value = f's value, or f's error (observing it); 1 and *value = the
 * signal's value; or ed_loop_signal_error's code. A signal kept from
 * before is returned at once. f is borrowed (not released, not
 * cancelled). Also -ECANCELED, -EPERM, -ENOMEM and main's -EDEADLK as
 * ed_loop_pause; -EINVAL (loop or f NULL); -EBUSY (another fiber waits for
 * this loop's signals). value may be NULL. Suspends. */
ED_API int ed_loop_wait_signal(ed_loop *loop, ed_future *f, void **value);

/* The seed's waitSignal(pause(seconds)): pauses as ed_loop_pause, but a
 * signal also ends the pause. Returns 0 when the pause ended, with *value
 * (void *)0 if its time ran out or (void *)1 if it was resumed; 1 and
 * *value = the signal's value; the error of ed_loop_signal_error; or the
 * errors of ed_loop_pause and ed_loop_wait_signal. A kept signal comes
 * before a kept resume. value may be NULL. Suspends. */
ED_API int ed_loop_pause_signal(ed_loop *loop, double seconds, void **value);

/* Sends value to the loop: a fiber in ed_loop_wait_signal or
 * ed_loop_pause_signal gets it; otherwise it is kept, replacing any kept
 * before, for the next such wait. Returns 0, -EINVAL (loop NULL). Does
 * not suspend. */
ED_API int ed_loop_signal(ed_loop *loop, void *value);

/* As ed_loop_signal, but the wait returns err (negative). Returns 0,
 * -EINVAL (loop NULL, err >= 0). */
ED_API int ed_loop_signal_error(ed_loop *loop, int err);

/* Generic loops: fn runs again and again; what it returns says what
 * follows. */
#define ED_LOOP_STOP (-1.0)     /* the loop ends */
#define ED_LOOP_PAUSE (-2.0)    /* pause until resumed or signalled */
#define ED_LOOP_CONTINUE (0.0)  /* run again once other tasks have run */
/* (any other value > 0: pause that many seconds) */

/* fn(loop, arg) for a generic loop: ED_LOOP_STOP, ED_LOOP_PAUSE,
 * ED_LOOP_CONTINUE, or seconds to pause. */
typedef double (*ed_generic_fn)(ed_loop *loop, void *arg);

/* A loop (start it with ed_loop_start) whose body calls fn, then pauses as
 * fn's value says, as ed_loop_pause_signal: a resume or a NULL signal ends
 * the pause early, a non-NULL signal or ed_loop_stop ends the loop with 0,
 * an error signal ends it with that error. Any other negative value or NaN
 * ends it with -EINVAL. Returns NULL with errno as ed_loop_new. */
ED_API ed_loop *ed_loop_generic(const char *name, ed_generic_fn fn, void *arg);

/* fn(loop, arg) for a periodic loop: true stops the loop. */
typedef bool (*ed_periodic_fn)(ed_loop *loop, void *arg);

/* A loop whose body calls fn, then pauses `interval` seconds (negative:
 * until resumed), and again, until fn returns true; resumes, signals and
 * stops act as for ed_loop_generic. Returns NULL with errno EINVAL (name
 * or fn NULL, interval NaN) or ENOMEM. */
ED_API ed_loop *ed_loop_periodic(const char *name, ed_periodic_fn fn, void *arg,
                                 double interval);

#ifdef __cplusplus
}
#endif

#endif /* EDDY_BGLOOP_H */
