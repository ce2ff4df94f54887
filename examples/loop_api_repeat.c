/* Loop::repeat(), from amphp's event loop API (seed 004):
 *
 *     Loop::repeat($msDelay = 50, function ($watcherId) use (&$increment) {
 *         echo "tick\n";
 *         if (++$increment >= 3) {
 *             Loop::cancel($watcherId); // <-- cancel myself!
 *         }
 *     });
 *
 * A repeat runs until cancelled: disabling it does not free it. "It is
 * also always safe to cancel a watcher from multiple places. A
 * double-cancel will simply be ignored." The seed's @TODO on drift: each
 * deadline is the previous one plus the interval, so the ticks do not
 * drift, and periods missed while the loop was busy are skipped rather
 * than run in a burst.
 *
 * In C the interval is in seconds: 50 ms is 0.05. `loop_api_repeat
 * [seconds]` changes it. */
#include <eddy.h>

#include <stdio.h>
#include <stdlib.h>

static int on_tick(ed_id id, void *data)
{
    int *increment = data;
    printf("tick\n");
    if (++*increment >= 3) {
        ed_cancel(id); /* cancel myself */
        ed_cancel(id); /* and again: ignored */
        printf("cancelled after %d ticks (twice: the second cancel is ignored)\n", *increment);
    }
    return 0;
}

int main(int argc, char **argv)
{
    double interval = 0.05;
    if (argc > 1 && (interval = strtod(argv[1], NULL)) <= 0) {
        fprintf(stderr, "usage: loop_api_repeat [seconds > 0]\n");
        return 2;
    }
    int increment = 0;
    ed_id id = ed_repeat(interval, on_tick, &increment);
    int rc = ed_run(); /* returns once the repeat is cancelled */
    ed_cancel(id);     /* a stale id: ignored too */

    ed_info info;
    ed_get_info(&info);
    printf("ed_run() returned; repeats left: %zu\n",
           info.enabled[ED_WATCHER_REPEAT] + info.disabled[ED_WATCHER_REPEAT]);
    if (rc < 0) {
        fprintf(stderr, "loop_api_repeat: %s\n", ed_error_message());
        return 1;
    }
    return ed_shutdown() < 0;
}
