/* eddy: buffered streams over an fd (included by <eddy.h>).
 *
 * A stream owns its fd and buffers both ways. Writes from any number of
 * tasks are copied whole into one output buffer, in call order, and the
 * stream's write loop sends everything queued by the time the running
 * callback or task hands control back: many calls, one network write (the
 * seed's "multiple async"). A message given to one ed_stream_write call is
 * never interleaved with another's. Reads are for one task at a time. A
 * stream belongs to the thread that made it. */
#ifndef EDDY_STREAM_H
#define EDDY_STREAM_H

#include <eddy.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A stream: opaque; ed_stream_new() makes one, ed_stream_close() ends it. */
typedef struct ed_stream ed_stream;

/* A stream over fd, which it takes over (made non-blocking; closed by
 * ed_stream_close). NULL with errno EBADF (fd not open), ENOMEM. Does not
 * suspend. */
ED_API ed_stream *ed_stream_new(int fd);

/* Sets the timeout (seconds; < 0: none, the default) of each later wait of
 * a read, a flush or a write held back by a full buffer: past it the call
 * returns -ETIMEDOUT. -EINVAL (s NULL, NaN). Does not suspend. */
ED_API int ed_stream_set_timeout(ed_stream *s, double seconds);

/* Reads up to n bytes: what is buffered, else what one read(2) brings.
 * Returns the count (> 0), 0 at end of stream, or -EINVAL (s or buf NULL, n
 * 0), -EBUSY (another task is reading), -EBADF (closed meanwhile),
 * -ETIMEDOUT, -ECANCELED, read(2) errors. Suspends. */
ED_API ssize_t ed_stream_read(ed_stream *s, void *buf, size_t n);

/* Reads exactly n bytes. 0, or -ENODATA when the stream ends first (the
 * bytes read so far are lost), or ed_stream_read's errors. Suspends. */
ED_API int ed_stream_read_exact(ed_stream *s, void *buf, size_t n);

/* Reads one line of at most max bytes (0: 64 KiB) and sets *line to it,
 * malloc'd (free() it), NUL-terminated, without its "\n" or "\r\n".
 * Returns its length; 0 with *line NULL at end of stream (a last line
 * without "\n" is returned as a line first). -EMSGSIZE when no "\n" comes
 * within max bytes (they stay buffered for ed_stream_read), -ENOMEM, and
 * ed_stream_read's errors; *line is NULL on every error. Suspends. */
ED_API ssize_t ed_stream_read_line(ed_stream *s, char **line, size_t max);

/* Queues a copy of n bytes for writing and returns 0 at once, unless more
 * than 1 MiB is waiting to go: then it waits until the buffer drains below
 * that. A write error is sticky and returned by every later write or flush
 * (-EPIPE, -ECONNRESET, ...); -EBADF once closed, -EINVAL (s NULL, buf NULL
 * with n > 0), -ENOMEM, and while waiting -ETIMEDOUT, -ECANCELED (the data
 * stays queued). Suspends only while the buffer is full. */
ED_API int ed_stream_write(ed_stream *s, const void *buf, size_t n);

/* Waits until everything queued so far has been handed to the kernel. 0,
 * the sticky write error, -EBADF, -ETIMEDOUT, -ECANCELED, -EINVAL (s NULL).
 * Suspends. */
ED_API int ed_stream_flush(ed_stream *s);

/* Counters, for tests and monitoring. */
typedef struct ed_stream_stats {
    size_t read_calls, write_calls; /* syscalls made */
    size_t bytes_in, bytes_out;
    size_t buffered_out; /* queued, not yet written */
} ed_stream_stats;

/* Fills *out. 0, -EINVAL (s or out NULL). Does not suspend. */
ED_API int ed_stream_stats_get(const ed_stream *s, ed_stream_stats *out);

/* Closes the fd and gives up the stream: unsent data is dropped (flush
 * first), and tasks blocked in it return -EBADF. The stream's memory goes
 * once the last of them has left; s must not be used again. NULL is a
 * no-op. Callable anywhere, raw callbacks included, and after ed_shutdown()
 * (then it only closes and frees). Does not suspend. */
ED_API void ed_stream_close(ed_stream *s);

#ifdef __cplusplus
}
#endif

#endif /* EDDY_STREAM_H */
