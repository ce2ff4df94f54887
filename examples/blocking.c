/* Blocking calls, from MadelineProto's async page (seed 000, "Blocking
 * async"):
 *
 *     $result = blocking_function();
 *
 * "Sometimes you need to call a non-async (blocking) function: this is
 * allowed, but you should not do it, because it makes async completely
 * useless": the whole loop, every other task with it, waits for the call.
 * The seed's answer is async versions of everything; eddy's are its
 * suspending calls, and for whatever has none (a library with a blocking
 * API, a slow disk, a long computation) ed_blocking(fn, arg, &result): fn
 * runs on a thread of eddy's pool while the loop goes on.
 *
 * Here blocking_function() sleeps in nanosleep(2), standing for any such
 * call. A ticker task counts the loop's ticks: none while the call blocks
 * the thread, many while it runs on the pool. `blocking [seconds]` sets
 * the ticker's period (the call takes 10 periods). */
#include <eddy.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double period = 0.1;
static int ticks;

/* A function that blocks the thread it runs on; the result is its answer. */
static int blocking_function(void *arg, void **result)
{
    (void)arg;
    double s = 10 * period;
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
    }
    *result = (void *)(intptr_t)42;
    return 0;
}

static int ticker(void *arg, void **result)
{
    (void)arg, (void)result;
    while (ed_sleep(period) == 0)
        ticks++;
    return 0; /* cancelled */
}

static int app(void *arg, void **result)
{
    (void)arg, (void)result;
    ed_future *t = ed_async(ticker, NULL);
    void *answer;

    int before = ticks;
    blocking_function(NULL, &answer); /* called directly: everything waits */
    printf("called directly: answer %d, the ticker ticked %d times meanwhile\n",
           (int)(intptr_t)answer, ticks - before);

    before = ticks;
    int rc = ed_blocking(blocking_function, NULL, &answer); /* on the pool */
    if (rc == 0)
        printf("through ed_blocking: answer %d, the ticker ticked %d times meanwhile\n",
               (int)(intptr_t)answer, ticks - before);

    ed_cancel_future(t);
    ed_await(t, NULL);
    ed_future_release(t);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (period = strtod(argv[1], NULL)) <= 0) {
        fprintf(stderr, "usage: blocking [seconds > 0]\n");
        return 2;
    }
    int rc = ed_main(app, NULL, NULL);
    if (rc < 0) {
        fprintf(stderr, "blocking: %s\n", ed_strerror(rc));
        return 1;
    }
    return ed_shutdown() < 0;
}
