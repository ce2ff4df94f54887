/* Loop::delay(), from amphp's event loop API (seed 004):
 *
 *     $watcherId = Loop::delay($msDelay = 1000, function ($watcherId) { ... });
 *
 * - it "schedules a callback to execute after a delay", once, and is then
 *   freed by the loop;
 * - "a delay watcher that is disabled has its delay time reset so that the
 *   original delay time starts again from zero once re-enabled";
 * - one that never runs because it stays disabled must be cancelled to be
 *   freed.
 *
 * In C the delay is in seconds (amp v2 took milliseconds). `loop_api_delay
 * [seconds]` sets it (the tests run it with 0.02). */
#include <eddy.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static double delay = 1.0;
static double t0, enabled_at;
static ed_id restarted;

static int on_delay(ed_id id, void *data)
{
    (void)data;
    ed_watcher_info w;
    printf("delay fired after %.2f delays; its id is already gone: %s\n", (ed_now() - t0) / delay,
           ed_strerror(ed_watcher_get(id, &w)));
    return 0;
}

static int on_restarted(ed_id id, void *data)
{
    (void)id, (void)data;
    /* Never early: it counts its whole delay again from the enable. */
    double since_enable = ed_now() - enabled_at;
    printf("re-enabled delay fired %s its enable\n",
           since_enable >= delay * 0.999 ? "a whole delay after" : "too soon after");
    return 0;
}

static int enable_again(ed_id id, void *data)
{
    (void)id, (void)data;
    enabled_at = ed_now();
    printf("enabling the disabled delay again: its countdown starts from zero\n");
    return ed_enable(restarted);
}

static int disable_half_way(ed_id id, void *data)
{
    (void)id, (void)data;
    printf("half a delay went by: disabling the second delay\n");
    ed_disable(restarted);
    if (!ed_delay(delay, enable_again, NULL)) /* at 1.5 delays */
        return -errno;
    return 0;
}

static int never(ed_id id, void *data)
{
    (void)id, (void)data;
    printf("this delay must not run\n");
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (delay = strtod(argv[1], NULL)) <= 0) {
        fprintf(stderr, "usage: loop_api_delay [seconds > 0]\n");
        return 2;
    }
    t0 = ed_now();
    ed_delay(delay / 2, disable_half_way, NULL); /* made first: surely due first */
    ed_delay(delay, on_delay, NULL);
    restarted = ed_delay(delay, on_restarted, NULL);
    ed_id parked = ed_delay(delay, never, NULL);
    ed_disable(parked);

    int rc = ed_run();

    ed_info info;
    ed_get_info(&info);
    printf("after ed_run(): %zu disabled delay still registered; cancelling it\n",
           info.disabled[ED_WATCHER_DELAY]);
    ed_cancel(parked);

    if (rc < 0) {
        fprintf(stderr, "loop_api_delay: %s\n", ed_error_message());
        return 1;
    }
    return ed_shutdown() < 0;
}
