/* Pausing, resuming and cancelling watchers, from amphp's event loop API
 * (seed 004):
 *
 *     $myWatcherId = Loop::repeat(1000, function () { echo "tick\n"; });
 *     Loop::disable($myWatcherId);
 *     // Remember, nothing happens until the event loop runs, so it doesn't
 *     // matter that we previously created and disabled $myWatcherId
 *     Loop::run(function () use ($myWatcherId) {
 *         // Immediately enable the watcher when the reactor starts
 *         Loop::enable($myWatcherId);
 *         // Now that it's enabled we'll see tick output every 1000ms.
 *     });
 *
 * Then, as the seed goes on: a watcher can be disabled and enabled again
 * at will (cheaper than cancelling and re-creating it), and a persistent
 * watcher must be cancelled once done with, or it leaks.
 *
 * In C, Loop::run($cb) is ed_defer(cb) then ed_run(); the period is in
 * seconds, 1 by default; `loop_api_enable_disable [seconds]` sets it. */
#include <eddy.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static double period = 1.0;
static ed_id my_watcher;

static int enable_again(ed_id id, void *data)
{
    (void)id, (void)data;
    printf("enabling the ticker again\n");
    return ed_enable(my_watcher); /* it counts a whole period from now */
}

static int on_tick(ed_id id, void *data)
{
    int *ticks = data;
    printf("tick %d\n", ++*ticks);
    if (*ticks == 2) {
        printf("disabling the ticker for three periods\n");
        ed_disable(id); /* paused, not freed */
        if (!ed_delay(3 * period, enable_again, NULL))
            return -errno;
    } else if (*ticks == 4) {
        printf("cancelling the ticker: its memory goes with it\n");
        ed_cancel(id);
    }
    return 0;
}

static int start(ed_id id, void *data)
{
    (void)id, (void)data;
    printf("the loop runs: enabling the ticker\n");
    return ed_enable(my_watcher);
}

int main(int argc, char **argv)
{
    if (argc > 1 && (period = strtod(argv[1], NULL)) <= 0) {
        fprintf(stderr, "usage: loop_api_enable_disable [seconds > 0]\n");
        return 2;
    }
    int ticks = 0;
    my_watcher = ed_repeat(period, on_tick, &ticks);
    ed_disable(my_watcher);

    /* A disabled watcher does not keep the loop alive: this returns at once. */
    ed_run();
    printf("ed_run() with only a disabled watcher returned at once, %d ticks\n", ticks);

    ed_defer(start, NULL); /* Loop::run(function () { Loop::enable(...); }) */
    int rc = ed_run();

    ed_info info;
    ed_get_info(&info);
    printf("ed_run() returned after %d ticks; watchers left: %zu\n", ticks,
           info.referenced + info.unreferenced + info.disabled[ED_WATCHER_REPEAT]);
    if (rc < 0) {
        fprintf(stderr, "loop_api_enable_disable: %s\n", ed_error_message());
        return 1;
    }
    return ed_shutdown() < 0;
}
