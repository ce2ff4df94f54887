/* Loop::defer(), from amphp's event loop API (seed 004):
 *
 *     Loop::defer(function ($watcherId, $data) { ... });
 *
 * - it "schedules a callback to execute in the next iteration of the event
 *   loop", and a callback deferred from a deferred callback runs one tick
 *   later: "a clean call stack to avoid starvation of other events";
 * - it is freed once it has run, with no cancel needed;
 * - a defer disabled before it runs stays registered until it is enabled
 *   and runs, or is cancelled.
 *
 * Here a chain of three defers, each deferring the next, runs beside a
 * readable watcher on a pipe: the watcher gets its turn in the first tick,
 * between two links of the chain, which could not starve it. */
#include <eddy.h>

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

static int fds[2];

static int link_of_chain(ed_id id, void *data)
{
    (void)id;
    int *link = data;
    printf("defer: link %d of the chain\n", ++*link);
    if (*link < 3 && !ed_defer(link_of_chain, link)) /* runs in the next tick */
        return -errno;
    return 0;
}

static int on_pipe(ed_id id, int fd, void *data)
{
    (void)data;
    char buf[64];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n < 0)
        return -errno;
    buf[n] = '\0';
    printf("readable: the pipe says \"%s\", between two links\n", buf);
    ed_cancel(id);
    return 0;
}

static int first(ed_id id, void *data)
{
    (void)id, (void)data;
    printf("defer: first, in creation order\n");
    return 0;
}

static int second(ed_id id, void *data)
{
    (void)id, (void)data;
    printf("defer: second\n");
    return 0;
}

static int never(ed_id id, void *data)
{
    (void)id, (void)data;
    printf("defer: this one must not run\n");
    return 0;
}

int main(void)
{
    if (pipe(fds) < 0 || write(fds[1], "data", 4) != 4)
        return 1;

    int link = 0;
    ed_defer(first, NULL);
    ed_defer(second, NULL);
    ed_id chain = ed_defer(link_of_chain, &link);
    ed_on_readable(fds[0], on_pipe, NULL);
    ed_id parked = ed_defer(never, NULL);
    ed_disable(parked); /* a disabled watcher does not keep ed_run() going */

    int rc = ed_run();

    /* Defers that ran are gone: their ids are no longer known. */
    printf("after ed_run(): enabling the chain's first defer again gives %s\n",
           ed_strerror(ed_enable(chain)));

    ed_info info;
    ed_get_info(&info);
    printf("the disabled defer is still registered: %zu\n", info.disabled[ED_WATCHER_DEFER]);
    ed_cancel(parked); /* it would never run: free it */
    ed_get_info(&info);
    printf("after ed_cancel(): %zu\n", info.disabled[ED_WATCHER_DEFER]);

    close(fds[0]);
    close(fds[1]);
    if (rc < 0) {
        fprintf(stderr, "loop_api_defer: %s\n", ed_error_message());
        return 1;
    }
    return ed_shutdown() < 0;
}
