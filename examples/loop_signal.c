/* SignalLoop, from MadelineProto's async loop APIs (seed 000):
 *
 *     interface SignalLoopInterface extends LoopInterface
 *     {
 *         // Resolve the promise or return|throw the signal.
 *         public function waitSignal($promise): Promise;
 *         // Send a signal to the the loop (Exception|any $data).
 *         public function signal($data);
 *     }
 *
 * "Yet another loop interface that exposes APIs to send signals to the
 * loop, useful to force the termination of a loop from the outside, or
 * to send data into it."
 *
 * In C: ed_loop_wait_signal(loop, f, &value) returns 0 and f's value when
 * f settles first, 1 and the signal's value when a signal comes first (f
 * goes on, and stays the caller's), or the error of an error signal.
 * ed_loop_signal(loop, value) sends data; ed_loop_signal_error(loop, err)
 * is the seed's signalled exception. A signal that finds the loop busy is
 * kept for its next wait, not dropped as in MadelineProto.
 *
 * Here a worker loop runs jobs of 2 seconds, one after the other, and
 * waits for each job or a signal. main sends it a message during the
 * first job, then an error during the second, which ends it. `loop_signal
 * [seconds]` scales the unit (the tests run it with 0.1). */
#include <eddy.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static double unit = 1.0;

static int do_job(void *arg, void **result)
{
    int rc = ed_sleep(2 * unit);
    if (rc < 0)
        return rc;
    *result = arg;
    return 0;
}

static int worker(ed_loop *loop, void *arg)
{
    (void)arg;
    static const char *names[] = {"job 1", "job 2", "job 3"};
    for (int n = 0; n < 3; n++) {
        ed_future *job = ed_async(do_job, (void *)names[n]);
        void *value;
        int rc;
        /* yield $this->waitSignal($job): a signal may come first, several times */
        while ((rc = ed_loop_wait_signal(loop, job, &value)) == 1)
            printf("worker: a signal during %s: \"%s\"\n", names[n], (const char *)value);
        if (rc < 0) {
            printf("worker: %s during %s: cancelling it and ending\n", ed_strerror(rc), names[n]);
            ed_cancel_future(job);
            ed_await(job, NULL);
            ed_future_release(job);
            return rc;
        }
        printf("worker: %s done\n", (const char *)value);
        ed_future_release(job);
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (unit = strtod(argv[1], NULL)) <= 0) {
        fprintf(stderr, "usage: loop_signal [seconds > 0]\n");
        return 2;
    }
    ed_loop *loop = ed_loop_new("worker", worker, NULL);
    ed_future *f = ed_loop_start(loop);

    ed_sleep(unit / 2); /* during job 1 */
    printf("main: sending data\n");
    ed_loop_signal(loop, "hello from main"); /* $loop->signal('hello from main') */

    ed_sleep(2 * unit); /* during job 2 */
    printf("main: sending an error\n");
    ed_loop_signal_error(loop, -EINTR); /* $loop->signal(new Exception) */

    int rc = ed_await(f, NULL);
    printf("main: the loop ended with: %s\n", ed_strerror(rc));
    ed_future_release(f);
    ed_loop_free(loop);
    return rc != -EINTR || ed_shutdown() < 0;
}
