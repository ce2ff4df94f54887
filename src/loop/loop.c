/* The per-thread loop: created on first use, freed by ed_shutdown() or when
 * its thread exits; and the driver choice. */
#include "loop/loop.h"
#include "platform/alloc.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

_Thread_local struct ed__loop *ed__current __attribute__((tls_model("initial-exec")));
static pthread_key_t exit_key;
static pthread_once_t exit_key_once = PTHREAD_ONCE_INIT;
static _Atomic(const struct ed__driver_ops *) chosen_driver;

static void loop_destroy(struct ed__loop *L)
{
    /* Values' destructors may still use eddy, so the loop stays whole (and
     * current) until they have run; marking it running makes ed_run() and
     * ed_shutdown() from a destructor fail with -EBUSY instead of recursing. */
    L->running = true;
    ed__state_free(L);
    /* An error raised outside any run (a task started from main failed)
     * that no ed_run() was left to return: errors are never lost. */
    if (L->error)
        fprintf(stderr, "eddy: an unhandled error was never returned by ed_run(): %s\n",
                L->error_msg);
    ed__signal_close(L);
    ed__free_watchers(L);
    ed__heap_free(&L->heap);
    ed__io_free(L);
    ed__free(L->defers);
    ed__free(L->defers_next);
    ed__free(L->pending);
    ed__microtasks_free(L);
    L->drv->destroy(L->drv_state);
    ed__free(L->drv_state);
    ed__free(L);
}

static void on_thread_exit(void *p)
{
    ed__current = p;
    loop_destroy(p);
    ed__current = NULL;
}

static void make_exit_key(void)
{
    if (pthread_key_create(&exit_key, on_thread_exit) != 0) {
        fprintf(stderr, "eddy: pthread_key_create failed: loops of exiting threads will leak\n");
        abort();
    }
}

static const struct ed__driver_ops *pick_driver(void)
{
    const struct ed__driver_ops *drv = atomic_load(&chosen_driver);
    if (drv)
        return drv;
    const char *name = getenv("EDDY_DRIVER");
    if (name && *name) {
        drv = ed__driver_find(name);
        if (drv)
            return drv;
        static atomic_flag warned = ATOMIC_FLAG_INIT;
        if (!atomic_flag_test_and_set(&warned))
            fprintf(stderr, "eddy: EDDY_DRIVER=%s names no driver of this build; using %s\n",
                    name, ed__driver_find(NULL)->name);
    }
    return ed__driver_find(NULL);
}

struct ed__loop *ed__loop_create(void)
{
    const struct ed__driver_ops *drv = pick_driver();
    struct ed__loop *L = ed__calloc(1, sizeof *L);
    if (!L)
        goto nomem;
    L->drv = drv;
    L->drv_state = ed__calloc(1, drv->size);
    if (!L->drv_state)
        goto nomem;
    int rc = drv->init(L->drv_state);
    if (rc < 0) {
        ed__free(L->drv_state);
        ed__free(L);
        errno = -rc;
        return NULL;
    }
    L->sig_sink = -1;
    L->sig_fd = -1;
    L->now = ed__clock_ns();
    pthread_once(&exit_key_once, make_exit_key);
    if (pthread_setspecific(exit_key, L) != 0) {
        loop_destroy(L);
        errno = ENOMEM;
        return NULL;
    }
    ed__current = L;
    return L;

nomem:
    if (L)
        ed__free(L);
    errno = ENOMEM;
    return NULL;
}

int ed_shutdown(void)
{
    struct ed__loop *L = ed__current;
    if (!L)
        return 0;
    if (L->task_hook) {
        int rc = L->task_hook(L, ED__HOOK_SHUTDOWN);
        if (rc < 0)
            return rc;
    } else if (L->running) {
        return -EBUSY;
    }
    pthread_setspecific(exit_key, NULL);
    loop_destroy(L);
    ed__current = NULL;
    return 0;
}

const char *ed_driver(void)
{
    struct ed__loop *L = ed__loop_get();
    return L ? L->drv->name : NULL;
}

int ed_use_driver(const char *name)
{
    const struct ed__driver_ops *drv = NULL;
    if (name && !(drv = ed__driver_find(name)))
        return -ENOENT;
    if (ed__current)
        return -EBUSY;
    atomic_store(&chosen_driver, drv);
    return 0;
}

double ed_now(void)
{
    struct ed__loop *L = ed__current;
    return ed__ns_to_seconds(L ? ed__loop_now(L) : ed__clock_ns());
}

void ed_stop(void)
{
    struct ed__loop *L = ed__current;
    if (L && L->running)
        L->stopping = true;
}
