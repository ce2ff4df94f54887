/*
 * eddy: asynchronous programming for C.
 *
 * One event loop per thread, created on first use; no function takes a loop
 * argument. Results are 0 (or a non-negative count) on success and a negative
 * errno code on failure; ed_strerror() names every code. Durations are double
 * seconds. Calls that return an ed_id return 0 on failure and set errno.
 *
 * This header is the whole public API. Functions whose name ends in _at are
 * the real entry points behind macros that record the caller's file and line,
 * so that every report about a watcher can say where it was made.
 */
#ifndef EDDY_H
#define EDDY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The version of these headers; eddy follows semantic versioning. */
#define EDDY_VERSION_MAJOR 0
#define EDDY_VERSION_MINOR 1
#define EDDY_VERSION_PATCH 0
#define EDDY_VERSION_STRING "0.1.0"

#if defined(__GNUC__) || defined(__clang__)
#define ED_API __attribute__((visibility("default")))
#else
#define ED_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * Watchers
 *
 * A watcher is a callback the loop calls when something happens: the next
 * tick (defer), a time (delay, repeat), an fd becoming readable or writable,
 * a signal. Its id is 64-bit and never reused, so a stale id can never reach
 * a newer watcher. A watcher is enabled and referenced when created; it can
 * first fire in the tick after the one that created (or enabled) it.
 *
 * A callback returns 0, or a negative errno code to raise an error: the error
 * handler gets it; without one, ed_run() stops at the end of that tick and
 * returns it.
 * --------------------------------------------------------------------- */

typedef uint64_t ed_id; /* 0 is never a valid id */

/* Callbacks: of defers, delays and repeats; of fd watchers (with the fd);
 * of signal watchers (with the signal). */
typedef int (*ed_callback)(ed_id id, void *data);
typedef int (*ed_io_callback)(ed_id id, int fd, void *data);
typedef int (*ed_signal_callback)(ed_id id, int signo, void *data);

/* What a watcher waits for; ED_WATCHER_TYPES counts them. */
typedef enum ed_watcher_type {
    ED_WATCHER_DEFER = 0,
    ED_WATCHER_DELAY,
    ED_WATCHER_REPEAT,
    ED_WATCHER_READABLE,
    ED_WATCHER_WRITABLE,
    ED_WATCHER_SIGNAL
} ed_watcher_type;
#define ED_WATCHER_TYPES 6

/* Calls cb once, in the next tick, before any other watcher of that tick, in
 * creation order. The watcher is freed just before cb runs (its id is already
 * invalid inside cb). A defer disabled before it runs stays registered until
 * it is enabled and runs, or is cancelled. Errors: EINVAL (cb NULL), ENOMEM. */
ED_API ed_id ed_defer_at(ed_callback cb, void *data, const char *file, int line);
#define ed_defer(cb, data) ed_defer_at((cb), (data), __FILE__, __LINE__)

/* Calls cb once, `seconds` after now (counted from creation, not from the
 * next tick). Freed just before cb runs. Disabling and enabling it restarts
 * the delay from the enable. Equal deadlines fire in creation order.
 * Errors: EINVAL (cb NULL, seconds negative or NaN), ENOMEM. */
ED_API ed_id ed_delay_at(double seconds, ed_callback cb, void *data, const char *file,
                         int line);
#define ed_delay(seconds, cb, data) ed_delay_at((seconds), (cb), (data), __FILE__, __LINE__)

/* Calls cb every `interval` seconds until cancelled; the first call comes one
 * interval after creation. The next deadline is the previous one plus the
 * interval (no drift); periods missed while the loop was busy are skipped,
 * never bursted; it fires at most once per tick, also with interval 0.
 * Disabling does not free it: cancel it. Errors: EINVAL, ENOMEM. */
ED_API ed_id ed_repeat_at(double interval, ed_callback cb, void *data, const char *file,
                          int line);
#define ed_repeat(interval, cb, data) ed_repeat_at((interval), (cb), (data), __FILE__, __LINE__)

/* Calls cb on every tick while fd is readable (level-triggered; end of file
 * and errors count as readable). Several watchers may share an fd. eddy does
 * not own fd: cancel the watcher before closing it (a watcher left on a
 * closed fd is reported through the error path and disabled). Regular files
 * are always readable. Errors: EINVAL (fd < 0, cb NULL), ENOMEM. */
ED_API ed_id ed_on_readable_at(int fd, ed_io_callback cb, void *data, const char *file,
                               int line);
#define ed_on_readable(fd, cb, data) ed_on_readable_at((fd), (cb), (data), __FILE__, __LINE__)

/* As ed_on_readable, for writability. Sockets are nearly always writable:
 * keep such a watcher disabled unless output is pending, or it fires on
 * every tick. */
ED_API ed_id ed_on_writable_at(int fd, ed_io_callback cb, void *data, const char *file,
                               int line);
#define ed_on_writable(fd, cb, data) ed_on_writable_at((fd), (cb), (data), __FILE__, __LINE__)

/* Calls cb from the loop (never in signal context) after signo arrives.
 * Signals that arrive together are delivered once. The first enabled watcher
 * of a signal installs eddy's handler; when the last one is disabled or
 * cancelled the previous disposition is restored. Each thread's loop watching
 * a signal gets it. Usually unreferenced, so it does not keep the loop alive.
 * Errors: EINVAL (signo outside 1..64, SIGKILL, SIGSTOP; cb NULL), ENOMEM,
 * EMFILE (no fd left for the wake-up pipe). */
ED_API ed_id ed_on_signal_at(int signo, ed_signal_callback cb, void *data, const char *file,
                             int line);
#define ed_on_signal(signo, cb, data) ed_on_signal_at((signo), (cb), (data), __FILE__, __LINE__)

/* Enables a disabled watcher; it can fire from the next tick on. A delay or
 * repeat restarts its countdown now; a defer is queued for the next tick.
 * Returns 0 (also when already enabled), -ENOENT (unknown, fired or cancelled
 * id: nothing changes), -ENOMEM. */
ED_API int ed_enable(ed_id id);

/* Disables a watcher at once: it does not fire, even later in this tick, and
 * does not keep the loop alive. Unknown ids are ignored. Returns 0. */
ED_API int ed_disable(ed_id id);

/* Disables and frees a watcher; its id becomes invalid. Idempotent; unknown
 * ids are ignored. Safe from any callback, including the watcher's own. */
ED_API void ed_cancel(ed_id id);

/* Makes a watcher keep ed_run() going while enabled (the default).
 * Returns 0, or -ENOENT for an unknown id. */
ED_API int ed_reference(ed_id id);

/* Lets ed_run() return even while this watcher is enabled. Unknown ids are
 * ignored. Returns 0. */
ED_API int ed_unreference(ed_id id);

/* ------------------------------------------------------------------------
 * Running the loop
 * --------------------------------------------------------------------- */

/* Runs ticks until no watcher is both enabled and referenced, or ed_stop()
 * is called. Returns 0, or the first error that no error handler took (its
 * report is in ed_error_message()). Watchers survive a return: a later
 * ed_run() continues with them. Returns -EBUSY when called from a callback
 * (eddy loops never nest) and -ENOMEM if the loop cannot be created. */
ED_API int ed_run(void);

/* Makes ed_run() return at the end of the current tick; that tick's polling
 * does not block, so what is already due still fires. Harmless when the loop
 * is not running: a later ed_run() is not affected. */
ED_API void ed_stop(void);

/* Monotonic time in seconds. Inside a tick it is read once when the tick
 * starts and again after polling, and cached in between; outside ed_run() it
 * reads the clock. */
ED_API double ed_now(void);

/* Runs one tick, for embedding eddy in another event loop. With block true it
 * may wait in the poll for the next event or timer (not when work is already
 * due). Returns 1 if enabled referenced watchers remain, 0 if none, or a
 * negative error as ed_run() does (-EBUSY from a callback). */
ED_API int ed_run_once(bool block);

/* An fd that becomes readable when the loop has events to process: poll it
 * from the host loop, together with ed_backend_timeout(), then call
 * ed_run_once(false). Returns -ENOTSUP for drivers that have no such fd
 * (poll), -ENOMEM if the loop cannot be created. eddy owns the fd. */
ED_API int ed_backend_fd(void);

/* Seconds until the loop has something to do: 0 when work is already due,
 * the time to the earliest timer, or a negative value when only fd or signal
 * events could wake it. */
ED_API double ed_backend_timeout(void);

/* Frees the calling thread's loop: cancels every watcher without calling it,
 * destroys every state value, restores signal dispositions and closes the
 * loop's own fds. The next eddy call creates a fresh loop. A thread's loop
 * is also freed when the thread exits. Returns 0, or -EBUSY while the loop
 * is running (from a callback). */
ED_API int ed_shutdown(void);

/* ------------------------------------------------------------------------
 * Errors
 * --------------------------------------------------------------------- */

/* Receives every error raised by callbacks: the negative code and a complete
 * report (what failed, its id and type, where it was created as file:line).
 * The message is valid only during the call. */
typedef void (*ed_error_handler)(int err, const char *message, void *data);

/* Sets this thread's error handler (NULL: none, errors end ed_run()). An
 * error raised while the handler runs is never given back to it: it ends
 * ed_run(). */
ED_API void ed_set_error_handler(ed_error_handler handler, void *data);

/* The report of the last error ed_run() or ed_run_once() returned, or "" if
 * none. Valid until the next error on this thread. */
ED_API const char *ed_error_message(void);

/* A short description of any code eddy returns (negative or positive errno).
 * Always a valid static string. */
ED_API const char *ed_strerror(int err);

/* ------------------------------------------------------------------------
 * Loop-bound state (the seed's getState/setState)
 * --------------------------------------------------------------------- */

/* The value stored under key on this thread's loop, or NULL. */
ED_API void *ed_state_get(const char *key);

/* Stores value under key (the key is copied); value NULL deletes the key.
 * Replacing or deleting calls the old value's destroy (if any); so does
 * ed_shutdown(). Keys starting with "eddy." are eddy's own: leave them be.
 * Returns 0, -EINVAL (key NULL), -ENOMEM. */
ED_API int ed_state_set(const char *key, void *value, void (*destroy)(void *value));

/* ------------------------------------------------------------------------
 * Drivers
 * --------------------------------------------------------------------- */

/* The name of this thread's loop driver: "epoll" or "poll". The environment
 * variable EDDY_DRIVER selects one when a loop is created (an unknown name is
 * reported once on stderr and the default is used). NULL if the loop cannot
 * be created. */
ED_API const char *ed_driver(void);

/* Selects the driver for loops created after this call, on any thread
 * (overrides EDDY_DRIVER); NULL returns to the default. Returns 0, -ENOENT
 * (no such driver on this system), -EBUSY (this thread's loop already
 * exists: call ed_shutdown() first). */
ED_API int ed_use_driver(const char *name);

/* ------------------------------------------------------------------------
 * Introspection: why does my program not exit, what spins the CPU?
 * --------------------------------------------------------------------- */

/* Counts of the loop's watchers, from ed_get_info(). */
typedef struct ed_info {
    size_t enabled[ED_WATCHER_TYPES];  /* indexed by ed_watcher_type */
    size_t disabled[ED_WATCHER_TYPES];
    size_t referenced;   /* enabled and referenced: these keep ed_run() going */
    size_t unreferenced; /* enabled but unreferenced */
    bool running;        /* inside ed_run() or ed_run_once() */
} ed_info;

/* Fills *out with counts of this thread's watchers by type and state.
 * Returns 0, -EINVAL (out NULL), -ENOMEM (no loop could be created). */
ED_API int ed_get_info(ed_info *out);

/* One watcher, from ed_watcher_get(). */
typedef struct ed_watcher_info {
    ed_watcher_type type;
    bool enabled;
    bool referenced;
    int fd;          /* readable/writable: the fd; signal: the signal; else -1 */
    double interval; /* delay/repeat: the duration given; else 0 */
    double deadline; /* enabled delay/repeat: the ed_now() of its next run;
                        else -1 */
    const char *file; /* creation site */
    int line;
} ed_watcher_info;

/* Describes one watcher. Returns 0, -EINVAL (out NULL), -ENOENT. */
ED_API int ed_watcher_get(ed_id id, ed_watcher_info *out);

/* "defer", "delay", "repeat", "readable", "writable", "signal", or "?". */
ED_API const char *ed_watcher_type_name(ed_watcher_type type);

/* Writes one line per live watcher of this thread's loop to out: id, type,
 * enabled, referenced, fd/signal or deadline, creation site. */
ED_API void ed_dump_watchers(FILE *out);

/* ------------------------------------------------------------------------
 * Coroutines and futures (the seed's "just add yield")
 *
 * A task is a function running on a stack of its own. Where PHP writes
 * `yield`, a task calls a function that suspends (ed_await, ed_sleep, ...):
 * the task parks, the loop runs others, and the call returns when its result
 * is there. main is a coroutine too: a suspending call made from main, outside
 * every task, runs the loop until its result is there, so every suspending
 * function is also a blocking one. Suspending inside a raw loop callback
 * returns -EPERM.
 *
 * A future is the eventual result of a task or a deferred: pending, then
 * settled once with a value or an error. Futures are reference counted; every
 * function that returns one gives the caller a reference to release. A failed
 * future released without anyone having observed its error (awaited it, or
 * called ed_future_ignore) is reported to the loop's error path: errors are
 * never lost. Tasks are resumed through microtasks, never inside the call
 * that woke them.
 * --------------------------------------------------------------------- */

/* A future: opaque, reference counted (see above). */
typedef struct ed_future ed_future;

/* A task body: returns 0 and may set *result, or returns a negative errno
 * code (optionally described first with ed_fail). */
typedef int (*ed_fn)(void *arg, void **result);

/* Starts fn(arg) as a task now: it runs until its first suspension, then
 * ed_async returns. Returns the task's future (the caller's reference), or
 * NULL with errno ENOMEM. The task is named after fn's call site until
 * ed_set_name renames it. */
ED_API ed_future *ed_async_at(ed_fn fn, void *arg, const char *file, int line);
#define ed_async(fn, arg) ed_async_at((fn), (arg), __FILE__, __LINE__)

/* Options for ed_async_with. Zeroed fields take the defaults. */
typedef struct ed_task_options {
    size_t stack_size; /* bytes; 0: ed_stack_size() */
    const char *name;  /* copied; NULL: the call site */
} ed_task_options;

/* ed_async with options (opt may be NULL). */
ED_API ed_future *ed_async_with_at(ed_fn fn, void *arg, const ed_task_options *opt,
                                   const char *file, int line);
#define ed_async_with(fn, arg, opt) ed_async_with_at((fn), (arg), (opt), __FILE__, __LINE__)

/* callFork: starts fn(arg) as a task now and forgets it; if it fails, its
 * error goes to the loop's error path with the task's name and creation
 * site. Returns 0, -EINVAL (fn NULL), -ENOMEM. */
ED_API int ed_go_at(ed_fn fn, void *arg, const char *file, int line);
#define ed_go(fn, arg) ed_go_at((fn), (arg), __FILE__, __LINE__)

/* callForkDefer: as ed_go, but the task starts in the next tick. */
ED_API int ed_go_defer_at(ed_fn fn, void *arg, const char *file, int line);
#define ed_go_defer(fn, arg) ed_go_defer_at((fn), (arg), __FILE__, __LINE__)

/* The seed's loop(fn): runs fn(arg) as a task and the loop until fn is done,
 * then returns fn's result (its code, and *result if result is not NULL).
 * Suspends (from main: runs the loop). */
ED_API int ed_main_at(ed_fn fn, void *arg, void **result, const char *file, int line);
#define ed_main(fn, arg, result) ed_main_at((fn), (arg), (result), __FILE__, __LINE__)

/* Waits until f settles; returns 0 and sets *result (if not NULL) to its
 * value, or returns its error. Suspends. Also returns -ECANCELED when the
 * calling task is cancelled, -EPERM in a raw loop callback, -EINVAL for f
 * NULL; from main, -EDEADLK when nothing left could settle f, or an error
 * that reached the loop's error path with no handler set. Awaiting counts
 * as observing f's error. */
ED_API int ed_await(ed_future *f, void **result);

/* Takes another reference to f; returns f. */
ED_API ed_future *ed_future_ref(ed_future *f);

/* Drops a reference. The last one frees f; if f failed and its error was
 * never observed, the error is reported to the loop's error path first. */
ED_API void ed_future_release(ed_future *f);

/* Marks f's failure as deliberately unobserved (the caller still releases
 * its reference). */
ED_API void ed_future_ignore(ed_future *f);

/* Whether f has settled. */
ED_API bool ed_future_done(const ed_future *f);

/* A settled future's error code (0 on success); -EINPROGRESS if pending.
 * Reading it counts as observing the error. */
ED_API int ed_future_error(ed_future *f);

/* A failed future's error text (ed_fail's, or ed_strerror's), or NULL. Valid
 * while the caller holds its reference. */
ED_API const char *ed_future_message(const ed_future *f);

/* Cancels a task: its current suspension and every later one return
 * -ECANCELED until it returns; its own code decides how to unwind. Returns
 * 0, -EINVAL (not a task), -EALREADY (already finished). */
ED_API int ed_cancel_future(ed_future *f);

/* Sets the error text of the current task's failure (or, in a raw callback,
 * of the callback's error report) and returns err, so that a body can
 * `return ed_fail(-EIO, "reading %s", path);`. */
ED_API int ed_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Suspends for `seconds` (a referenced timer keeps the loop alive meanwhile).
 * 0, -ECANCELED, -EPERM, -EINVAL (negative or NaN), -ENOMEM. */
ED_API int ed_sleep(double seconds);

/* Suspends until the next tick, letting every other ready task run.
 * 0, -ECANCELED, -EPERM, -ENOMEM. */
ED_API int ed_yield(void);

/* The running task's future (the same pointer ed_async returned; not a new
 * reference), or NULL in main or a raw callback. */
ED_API ed_future *ed_self(void);

/* Names the running task for reports and dumps (copied, up to 63 bytes);
 * does nothing outside a task. */
ED_API void ed_set_name(const char *name);

/* Writes every live task (name, state, what it waits for, creation site)
 * and every watcher of this thread's loop to out. */
ED_API void ed_dump(FILE *out);

/* The default stack size of new tasks, in bytes (rounded up to pages, at
 * least 16 KiB; the default default is 256 KiB, committed only as touched).
 * 0 leaves it as it is. Returns the size in force. */
ED_API size_t ed_stack_size(size_t bytes);

/* Combinators (the seed's all, any, some, first, timeout). They suspend,
 * borrow their inputs (never release or cancel them) and count as observing
 * every input's error. Output arrays have n entries, indexed like fs. */

/* Waits until every input succeeded (values[i] = each value; 0), or returns
 * the first error by completion time. An empty list succeeds at once. */
ED_API int ed_all(ed_future **fs, size_t n, void **values);

/* Waits until every input settled; never fails on their account: values[i]
 * and errs[i] (0 where it succeeded). Returns 0, or -ECANCELED, -EPERM... */
ED_API int ed_any(ed_future **fs, size_t n, void **values, int *errs);

/* As ed_any, but fails if every input failed, with the error of the
 * lowest-index input. An empty list succeeds at once. */
ED_API int ed_some(ed_future **fs, size_t n, void **values, int *errs);

/* Waits for the first success: its index and value. If every input fails,
 * returns the error of the lowest-index input. -EINVAL for an empty list. */
ED_API int ed_first(ed_future **fs, size_t n, size_t *index, void **value);

/* Waits for f at most `seconds`: its result as ed_await gives it, or
 * -ETIMEDOUT. f goes on (cancel it yourself if it should stop); the timer
 * does not keep the loop alive. */
ED_API int ed_timeout(ed_future *f, double seconds, void **value);

/* A serial call queue (the seed's call queues): tasks submitted to it run
 * one at a time, each starting when the previous one has settled. */
typedef struct ed_queue ed_queue;

/* A new queue, or NULL with errno ENOMEM. */
ED_API ed_queue *ed_queue_new(void);

/* Starts fn(arg) as a task that first waits for the previous submission to
 * settle (whatever its outcome). Returns its future (the caller's
 * reference), or NULL with errno (EINVAL, ENOMEM). */
ED_API ed_future *ed_queue_submit_at(ed_queue *q, ed_fn fn, void *arg, const char *file,
                                     int line);
#define ed_queue_submit(q, fn, arg) ed_queue_submit_at((q), (fn), (arg), __FILE__, __LINE__)

/* Frees the queue; tasks already submitted still run, in order. */
ED_API void ed_queue_free(ed_queue *q);

/* The resolving side of a future. */
typedef struct ed_deferred ed_deferred;

/* A new pending deferred, or NULL with errno ENOMEM. */
ED_API ed_deferred *ed_deferred_new_at(const char *file, int line);
#define ed_deferred_new() ed_deferred_new_at(__FILE__, __LINE__)

/* A new reference to the deferred's future. */
ED_API ed_future *ed_deferred_future(ed_deferred *d);

/* Settles the future with value; its waiters resume through microtasks.
 * 0, -EALREADY once settled. */
ED_API int ed_resolve(ed_deferred *d, void *value);

/* Settles the future with an error (negative) and a message (copied; NULL:
 * ed_strerror(err)). 0, -EALREADY, -EINVAL (err >= 0). */
ED_API int ed_reject(ed_deferred *d, int err, const char *message);

/* Frees the deferred; its future lives on while referenced (a deferred freed
 * unsettled leaves it pending forever). */
ED_API void ed_deferred_free(ed_deferred *d);

/* A suspension is the lowest-level way to park: the calling fiber (a task,
 * or main) stops until somebody resumes it with a value or an error, and
 * nothing is allocated on either side (Revolt's Suspension). Each fiber has
 * exactly one, reused by every ed_suspend; futures are built from the same
 * mechanism. Resumption goes through a microtask, like every wake-up. */
typedef struct ed_suspension ed_suspension;

/* The calling fiber's suspension, borrowed: a task's lives as long as the
 * task's memory (until it has finished and every reference to its future is
 * released), main's until ed_shutdown(). NULL with errno EPERM in a raw
 * loop callback (no fiber to park), ENOMEM if the scheduler cannot start. */
ED_API ed_suspension *ed_suspension_get(void);

/* Suspends the calling fiber until s is resumed. 0 and *value (if value is
 * not NULL) from ed_resume; the code given to ed_resume_error; -ECANCELED
 * (its task is cancelled); -EPERM (s is not the caller's own suspension,
 * or called from a raw loop callback); from main, -EDEADLK if nothing left
 * could resume it, or the loop's error. Suspends. */
ED_API int ed_suspend(ed_suspension *s, void **value);

/* Resumes s's fiber with value at the next microtask drain (never inside
 * this call). 0; -EINVAL (s NULL); -EALREADY if s is not suspended in
 * ed_suspend (not yet suspended, or already resumed: a resume is never
 * remembered for a later suspend). Same thread only. Does not suspend. */
ED_API int ed_resume(ed_suspension *s, void *value);

/* Resumes s's fiber with err (negative) as ed_suspend's result. 0,
 * -EINVAL (s NULL, err >= 0), -EALREADY as for ed_resume. */
ED_API int ed_resume_error(ed_suspension *s, int err);

/* ------------------------------------------------------------------------
 * Memory
 * --------------------------------------------------------------------- */

/* Allocates (ptr NULL), resizes, or frees (size 0, returns NULL) like
 * realloc; returns NULL on failure, leaving ptr untouched. */
typedef void *(*ed_realloc_fn)(void *ud, void *ptr, size_t size);

/* Routes every allocation eddy makes, in every thread, through fn (NULL: the
 * C library's). Returns 0, or -EBUSY while memory from the current allocator
 * is still in use (set it before first use, or after ed_shutdown() in every
 * thread that used eddy). Not thread-safe against concurrent eddy calls. */
ED_API int ed_set_allocator(ed_realloc_fn fn, void *ud);

#ifdef __cplusplus
}
#endif

/* Layer 4: awaitable I/O on top of tasks. */
#include <eddy/io.h>
#include <eddy/net.h>
#include <eddy/stream.h>
#include <eddy/bgloop.h> /* layer 5: background loops */

#endif /* EDDY_H */
