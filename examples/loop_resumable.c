/* ResumableLoop, from MadelineProto's async loop APIs (seed 000):
 *
 *     interface ResumableLoopInterface extends LoopInterface
 *     {
 *         // Pause the loop: for $time seconds, or if null forever (until
 *         // resume is called from outside of the loop)
 *         public function pause($time = null): Promise;
 *         // Resume the loop.
 *         public function resume();
 *     }
 *
 * "A way more useful loop that exposes APIs to pause and resume the
 * execution of the loop, both from outside of the loop, and in a
 * cron-like manner from inside of the loop." (From LoopInterface: start()
 * returns a promise; a second start() while it runs is refused, logging
 * an error; isRunning() tells.)
 *
 * In C every ed_loop can pause: ed_loop_pause(loop, seconds) returns 0
 * when the time ran out and 1 when resumed; a negative time is the seed's
 * null. ed_loop_resume(loop) wakes it from anywhere in its thread. Unlike
 * MadelineProto, a resume that comes while the loop is busy is not lost:
 * the next pause returns at once. ed_loop_stop() ends it at its next wait.
 *
 * Here a cron loop runs its job every interval, and on demand when main
 * resumes it; once while it is busy. `loop_resumable [seconds]` sets the
 * interval (the tests run it with 0.3). */
#include <eddy.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static double interval = 2.0;

static int cron(ed_loop *loop, void *arg)
{
    (void)arg;
    for (int run = 1;; run++) {
        int rc = ed_loop_pause(loop, interval); /* yield $this->pause($interval) */
        if (rc < 0)
            return rc; /* -ECANCELED: stopped */
        printf("%s: run %d, %s\n", ed_loop_name(loop), run,
               rc == 1 ? "on demand (resumed)" : "on schedule");
        if ((rc = ed_sleep(interval / 4)) < 0) /* the job takes a while */
            return rc;
    }
}

int main(int argc, char **argv)
{
    if (argc > 1 && (interval = strtod(argv[1], NULL)) <= 0) {
        fprintf(stderr, "usage: loop_resumable [seconds > 0]\n");
        return 2;
    }
    ed_loop *loop = ed_loop_new("cron", cron, NULL);
    ed_future *f = ed_loop_start(loop);

    /* From main, ed_sleep runs the loop; the cron loop works meanwhile. */
    ed_sleep(interval * 1.5); /* run 1 on schedule, at 1 interval */
    printf("main: resuming it\n");
    ed_loop_resume(loop);   /* run 2 at once */
    ed_sleep(interval / 8); /* run 2's job is half done */
    printf("main: resuming it while it works\n");
    ed_loop_resume(loop); /* kept: run 3 as soon as run 2 is done */

    if (!ed_loop_start(loop) && errno == EALREADY) /* the seed's start() === false */
        printf("main: a second start is refused; running: %s\n",
               ed_loop_running(loop) ? "yes" : "no");

    ed_sleep(interval * 5 / 8); /* run 3 is done, the loop pauses again */
    ed_loop_stop(loop);         /* its pause returns -ECANCELED */
    int rc = ed_await(f, NULL);
    printf("main: stopped; the loop's future settled with %d\n", rc);
    ed_future_release(f);
    ed_loop_free(loop);
    return rc < 0 || ed_shutdown() < 0;
}
