/* Async sleep, from MadelineProto's async page (seed 000, "Async sleep
 * (does not block the main thread)"):
 *
 *     yield $MadelineProto->sleep(3);
 *
 * In C, ed_sleep(3) where the seed writes `yield sleep(3)`: in a task it
 * suspends that task only, and the other tasks run meanwhile; called from
 * main it runs the loop until the time is up. Here three tasks sleep 3, 1
 * and 2 seconds at the same time: they wake in that order, and all three
 * are done after 3 seconds, not 6. `sleep [seconds]` scales the unit (the
 * tests run it with 0.1). */
#include <eddy.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static double unit = 1.0;
static double t0;

static int sleeper(void *arg, void **result)
{
    (void)result;
    int seconds = (int)(intptr_t)arg;
    printf("task %d: going to sleep for %d\n", seconds, seconds);
    int rc = ed_sleep(seconds * unit); /* yield $MadelineProto->sleep(3); */
    if (rc < 0)
        return rc;
    printf("task %d: woke up after %.1f\n", seconds, (ed_now() - t0) / unit);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (unit = strtod(argv[1], NULL)) <= 0) {
        fprintf(stderr, "usage: sleep [seconds > 0]\n");
        return 2;
    }
    t0 = ed_now();
    ed_future *f[] = {ed_async(sleeper, (void *)3), ed_async(sleeper, (void *)1),
                      ed_async(sleeper, (void *)2)};
    int rc = ed_all(f, 3, NULL); /* from main: runs the loop until all are done */
    for (int i = 0; i < 3; i++)
        ed_future_release(f[i]);
    if (rc < 0) {
        fprintf(stderr, "sleep: %s\n", ed_strerror(rc));
        return 1;
    }
    printf("all three slept at once: done after %.1f, not 6\n", (ed_now() - t0) / unit);

    /* From main, a suspending call is a blocking one. */
    ed_sleep(unit);
    printf("main slept 1 more: %.1f\n", (ed_now() - t0) / unit);
    return ed_shutdown() < 0;
}
