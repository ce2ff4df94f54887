/* eddy: asynchronous I/O on top of tasks (included by <eddy.h>).
 *
 * Every call here suspends the calling fiber (a task, or main: from main it
 * runs the loop meanwhile) and follows the rules of the other suspending
 * calls: -ECANCELED once the calling task is cancelled (even if the call
 * could have completed at once), -EPERM in a raw loop callback, and from
 * main -EDEADLK or an unhandled loop error. Bad arguments are checked first.
 *
 * Timeouts are seconds: negative means none, 0 means "only what is possible
 * without waiting", and an expired timeout returns -ETIMEDOUT. A timeout
 * bounds the whole call, however many waits it takes. NaN is -EINVAL. */
#ifndef EDDY_IO_H
#define EDDY_IO_H

#include <eddy.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------
 * File descriptors
 *
 * fd must be non-blocking (O_NONBLOCK, SOCK_NONBLOCK): a blocking one would
 * stall the whole loop in the syscall, and eddy does not pay a syscall per
 * call to check. The syscall is tried first, so data already there costs no
 * trip through the loop. eddy does not own fd; do not close it while a task
 * waits on it. Regular files are always "ready": use ed_file_get or
 * ed_blocking for them, so the disk never stalls the loop.
 * --------------------------------------------------------------------- */

/* Reads up to n bytes into buf, waiting until some are there. Returns the
 * count (> 0), 0 at end of file, or -EBADF (fd < 0 or not open), -EINVAL
 * (buf NULL, n 0, timeout NaN), -ETIMEDOUT, any read(2) error. Suspends. */
ED_API ssize_t ed_read(int fd, void *buf, size_t n, double timeout);

/* Writes all n bytes of buf, waiting whenever the fd is full, and returns
 * n; 0 for n 0. On a socket it uses send(MSG_NOSIGNAL), on anything else
 * write(2) with SIGPIPE held back for the call, so a closed peer gives
 * -EPIPE and never kills the process. On an error (-EPIPE, -ETIMEDOUT,
 * -ECANCELED, ...) part of buf may already have been written: treat the
 * stream as broken. -EBADF, -EINVAL (buf NULL with n > 0). Suspends. */
ED_API ssize_t ed_write(int fd, const void *buf, size_t n, double timeout);

/* Waits until fd is readable (data, end of file, or an error to read).
 * 0, -ETIMEDOUT, -EBADF (fd < 0 or not open), -EINVAL (timeout NaN).
 * Suspends, unless fd is ready now. */
ED_API int ed_wait_readable(int fd, double timeout);

/* As ed_wait_readable, until fd is writable (or has an error to report). */
ED_API int ed_wait_writable(int fd, double timeout);

/* ------------------------------------------------------------------------
 * The thread pool: blocking work off the loop
 *
 * A process-wide set of worker threads, started as jobs need them (up to
 * ed_pool_size()) and joined when the last loop that used the pool is freed
 * (ed_shutdown() or thread exit), which then waits for the jobs still
 * running. Any thread's loop may use it; each job completes on the loop that
 * submitted it. fn runs on a worker, outside every task and loop: it may
 * block, and must not touch the caller's loop, tasks or futures.
 * --------------------------------------------------------------------- */

/* Cleans up after a job whose outcome its caller did not take: frees arg
 * and result, typically. rc is fn's code, or the call's own error if fn
 * never ran (result NULL then). May run on a worker: must not call eddy. */
typedef void (*ed_drop_fn)(void *arg, void *result, int rc);

/* Runs fn(arg, &value) on the pool and waits for it: returns fn's code and,
 * when it is 0, sets *result (if not NULL) to value. Returns -ECANCELED at
 * once when the calling task is cancelled: a job not yet started never
 * runs, a running one finishes on its worker and its result is dropped;
 * so arg must stay valid until fn returns (ed_blocking_with hands it over).
 * -EINVAL (fn NULL), -ENOMEM, -EAGAIN (no thread could be started), -EMFILE
 * (no fd for the loop's completion port). Suspends. */
ED_API int ed_blocking(ed_fn fn, void *arg, void **result);

/* ed_blocking, with arg handed over to the job: when the call returns 0,
 * arg and *result are the caller's; on any error, drop (if not NULL) gets
 * them exactly once: before the call returns, or on a worker when fn ends
 * after its caller was cancelled. */
ED_API int ed_blocking_with(ed_fn fn, void *arg, ed_drop_fn drop, void **result);

/* Sets the most worker threads the pool may run (default: the number of
 * online CPUs, at least 4); 0 only asks. Raising it works at any time;
 * lowering it below the threads already running returns -EBUSY (set it
 * before the first job, or after every loop using the pool is freed).
 * Returns the size in force, or -EINVAL (over 1024), -EBUSY. Does not
 * suspend. */
ED_API int ed_pool_size(size_t threads);

/* ------------------------------------------------------------------------
 * Whole files, on the pool (the loop thread never waits for the disk)
 * --------------------------------------------------------------------- */

/* Reads the whole file at path. On success *data is a malloc'd buffer the
 * caller frees with free(), NUL-terminated (not counted in *len; len may be
 * NULL). -EINVAL (path or data NULL, path empty), -ENOENT, -EACCES, -EISDIR,
 * -ENOMEM, any open(2)/read(2) error; *data is untouched on error. Suspends. */
ED_API int ed_file_get(const char *path, char **data, size_t *len);

/* Replaces the file at path with len bytes of data, atomically: they go to
 * a new file in the same directory, which is fsync'd and renamed over path,
 * and the directory is fsync'd. Readers see the old file or the new one,
 * never a mix. A new file gets mode 0666 & ~umask; an existing one keeps
 * its permission bits. data is copied first, so a cancelled call never reads
 * it after returning. On any error the temporary file is removed and path is
 * untouched (except when only the final directory fsync fails: path is
 * replaced, its durability unknown). -EINVAL (path NULL or empty, data NULL
 * with len > 0), -ENOENT, -EACCES, -EISDIR, -ENOSPC, ... Suspends. */
ED_API int ed_file_put(const char *path, const void *data, size_t len);

#ifdef __cplusplus
}
#endif

/* The seed's helpers: readline, echo, flock, graceful shutdown. */
#include <eddy/util.h>

#endif /* EDDY_IO_H */
