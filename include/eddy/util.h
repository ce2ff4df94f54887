/* eddy: the seed's helpers: console lines (readLine, echo), file locks
 * (flock) and a graceful shutdown on SIGINT and SIGTERM (included by
 * <eddy/io.h>, and so by <eddy.h>).
 *
 * The calls that suspend follow the rules of every suspending call: from
 * main they run the loop until done, in a raw loop callback they return
 * -EPERM, and once the calling task is cancelled they return -ECANCELED
 * (even if they could have completed at once). Bad arguments are checked
 * first. */
#ifndef EDDY_UTIL_H
#define EDDY_UTIL_H

#include <eddy.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * The console: stdin and stdout as they are (a terminal, a pipe, a file)
 *
 * eddy never leaves fds 0 and 1 non-blocking: O_NONBLOCK belongs to the
 * open file description, which a terminal shares with the shell and every
 * other process on it, so it is set only around each read(2) or write(2)
 * and cleared again at once; waits are for readiness, with the fd as it
 * was. Both calls bypass stdio's FILE buffers: fflush(stdout) before
 * mixing ed_echo with printf.
 * --------------------------------------------------------------------- */

/* The longest line ed_readline returns, in bytes (its terminator aside). */
#define ED_READLINE_MAX ((size_t)16 << 20)

/* Writes prompt (if not NULL or empty) as ed_echo does, then returns the
 * next line of stdin without its "\n" or "\r\n": a malloc'd string the
 * caller frees with free(). Input is buffered process-wide, so bytes after
 * the line are kept for the next call, from any thread. Callers on one
 * loop get lines in call order, and each writes its prompt only once the
 * earlier ones have their line. At end of input, returns what is left of
 * a last line without "\n", and after that NULL with errno 0. On error
 * NULL with errno: EMSGSIZE (the line exceeds ED_READLINE_MAX: it is
 * skipped, up to its "\n"), ECANCELED, EPERM, ENOMEM, EBADF, any error of
 * read(2). A NUL byte in the line ends the string early. Suspends. */
ED_API char *ed_readline(const char *prompt);

/* Writes text, all of it, to stdout. Calls from the tasks of one loop are
 * written one after the other in call order, never interleaved, however
 * many waits each takes. Returns 0, -EINVAL (text NULL), -ECANCELED (part
 * of text may have been written), -EPERM, -EBADF, any error of write(2).
 * Like printf, a write to a closed pipe raises SIGPIPE (-EPIPE only if the
 * program ignores or blocks it). Suspends. */
ED_API int ed_echo(const char *text);

/* ------------------------------------------------------------------------
 * File locks (the seed's flock)
 *
 * flock(2) locks: they belong to the open file description, so two
 * acquisitions in one process exclude each other just as two processes
 * do, and a child forked while the lock is held shares it. They are
 * advisory, and not reliable on NFS.
 * --------------------------------------------------------------------- */

/* A held file lock: opaque; ed_flock_release() lets it go. */
typedef struct ed_flock ed_flock;

/* Options for ed_flock_acquire; a zeroed struct takes the defaults. */
typedef struct ed_flock_options {
    double poll_interval; /* seconds between attempts; <= 0: 0.1 */
    /* Seconds; 0 or less: wait forever (a zeroed struct takes the
     * defaults). For a single attempt, add LOCK_NB to the mode. */
    double timeout;
    /* Called once, in the caller's fiber, when the first attempt fails. */
    void (*contended)(const char *path, void *data);
    void *data;
} ed_flock_options;

/* Opens path (creating it with mode 0666 & ~umask if missing, never
 * truncating it) and locks it with mode LOCK_SH or LOCK_EX, trying again
 * every poll_interval seconds while someone else holds a conflicting lock;
 * the loop runs meanwhile. With LOCK_NB added to mode it tries once and
 * returns -EWOULDBLOCK if the lock is held. On success *lock is the
 * caller's until ed_flock_release. Returns 0, -EINVAL (path or lock NULL, path empty,
 * another mode, an interval or timeout that is NaN or an interval that is
 * infinite), -ETIMEDOUT, -ECANCELED, -EPERM, -ENOMEM, any error of open(2)
 * or flock(2); on error *lock is NULL and nothing stays open. Suspends. */
ED_API int ed_flock_acquire(const char *path, int mode, const ed_flock_options *opt,
                            ed_flock **lock);

/* Unlocks, closes and frees lock, which is invalid afterwards; NULL does
 * nothing. May be called from any thread, and from a raw callback. Does
 * not suspend. */
ED_API void ed_flock_release(ed_flock *lock);

/* ------------------------------------------------------------------------
 * Graceful shutdown
 * --------------------------------------------------------------------- */

/* Cancels task (ed_cancel_future) when SIGINT or SIGTERM arrives, so that
 * its own code unwinds and the program ends normally. The signal watchers
 * are unreferenced: they never keep ed_run() going. After that first
 * signal the helper removes itself, so the previous handling is back: by
 * default a second Ctrl-C kills a program whose cleanup hangs. One per
 * loop: a later call replaces the earlier one. The helper holds its own
 * reference to task until it fires, is stopped, or the loop is freed.
 * Returns 0, -EINVAL (task NULL or not a task), -EALREADY (task has
 * finished), -ENOMEM, -EMFILE. Does not suspend. */
ED_API int ed_cancel_on_signals(ed_future *task);

/* Removes this loop's ed_cancel_on_signals, if any, and releases its
 * reference to the task. Does not suspend. */
ED_API void ed_cancel_on_signals_stop(void);

#ifdef __cplusplus
}
#endif

#endif /* EDDY_UTIL_H */
