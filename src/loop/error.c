/* The one error path: a callback's failure goes to the error handler if
 * there is one, else it ends ed_run() at the end of the tick. Nothing is
 * dropped: a second unhandled error in the same tick is printed on stderr,
 * since ed_run() can return only one. */
#include "loop/loop.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void ed__report(struct ed__loop *L, int err, const char *fmt, ...)
{
    char msg[ED__MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);

    if (L->handler && !L->in_handler) {
        L->in_handler = true;
        L->handler(err, msg, L->handler_data);
        L->in_handler = false;
        return;
    }
    if (L->error == 0) {
        L->error = err;
        memcpy(L->error_msg, msg, sizeof msg);
        L->stopping = true;
    } else {
        fprintf(stderr, "eddy: unhandled error (ed_run() returns an earlier one): %s\n", msg);
    }
}

void ed__callback_failed(struct ed__loop *L, int err, ed_id id, int type, const char *file,
                         int line)
{
    char note[sizeof L->fail_note];
    memcpy(note, L->fail_note, sizeof note);
    L->fail_note[0] = 0;
    ed__report(L, err, "%s watcher %" PRIu64 " (created at %s:%d) failed: %s (%d)",
               ed_watcher_type_name((ed_watcher_type)type), id, file, line,
               note[0] ? note : ed_strerror(err), err);
}

void ed_set_error_handler(ed_error_handler handler, void *data)
{
    struct ed__loop *L = ed__loop_get();
    if (!L)
        return;
    L->handler = handler;
    L->handler_data = handler ? data : NULL;
}

const char *ed_error_message(void)
{
    struct ed__loop *L = ed__loop_peek();
    return L ? L->error_msg : "";
}

const char *ed_strerror(int err)
{
    if (err == INT_MIN)
        return "unknown error";
    switch (err < 0 ? -err : err) {
    case 0: return "success";
    case ETIMEDOUT: return "timed out";
    case ECANCELED: return "cancelled";
    case EDEADLK: return "deadlock: awaited, but nothing left could resume it";
    case EPERM: return "operation not permitted (cannot suspend here)";
    case EALREADY: return "already settled";
    case EINVAL: return "invalid argument";
    case ENOENT: return "not found (no such watcher, key or file)";
    case ENOMEM: return "out of memory";
    case EBUSY: return "busy (the loop is running)";
    case ENOTSUP: return "not supported";
    case EBADF: return "bad file descriptor (closed?)";
    case EMFILE: return "too many open files";
    case EIO: return "input/output error";
    }
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
    const char *text = strerrordesc_np(err < 0 ? -err : err);
    return text ? text : "unknown error";
#else
    return "unknown error";
#endif
}
