/* Handling timeouts, from MadelineProto's async page (seed 000):
 *
 *     // Waits for the result for 2 seconds and then throws an \Amp\TimeoutException
 *     $result = yield $MadelineProto->timeout($promise, 2);
 *
 *     // Waits for the result for 2 seconds, returns the result or null
 *     // (which is the result of sleep())
 *     $result = yield $MadelineProto->first([$promise, $MadelineProto->sleep(2)]);
 *
 * In C, ed_timeout(f, 2, &value) returns -ETIMEDOUT instead of throwing.
 * It only stops the waiting: the operation goes on, and it is the
 * caller's to cancel (ed_cancel_future) if it should stop too. The second
 * form is ed_first over the operation and a sleeping task: the index says
 * which one won. (MadelineProto's timeout() took milliseconds; eddy's
 * durations are seconds.)
 *
 * The operation is a question that someone answers after a while: 1
 * second for the quick one, 3 for the slow one, so that a 2 second
 * timeout lets one through and not the other. `timeouts [seconds]`
 * scales the unit (the tests run it with 0.1). */
#include <eddy.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static double unit = 1.0;

static int answer_after(void *arg, void **result)
{
    int seconds = (int)(intptr_t)arg;
    int rc = ed_sleep(seconds * unit);
    if (rc < 0) {
        printf("  the %d-second question was cancelled\n", seconds);
        return rc;
    }
    *result = seconds == 1 ? "the quick answer" : "the slow answer";
    return 0;
}

static int sleep_task(void *arg, void **result)
{
    (void)result;
    return ed_sleep((int)(intptr_t)arg * unit); /* its value is NULL, as sleep()'s */
}

static void with_timeout(int seconds)
{
    ed_future *f = ed_async(answer_after, (void *)(intptr_t)seconds);
    void *value;
    int rc = ed_timeout(f, 2 * unit, &value);
    if (rc == 0) {
        printf("timeout: %s\n", (const char *)value);
    } else {
        /* the TimeoutException; the question goes on: stop it too */
        printf("timeout: %s after 2 seconds, cancelling the question\n", ed_strerror(rc));
        ed_cancel_future(f);
        ed_await(f, NULL);
    }
    ed_future_release(f);
}

static void with_first(int seconds)
{
    ed_future *fs[] = {ed_async(answer_after, (void *)(intptr_t)seconds),
                       ed_async(sleep_task, (void *)2)};
    size_t index;
    void *value;
    int rc = ed_first(fs, 2, &index, &value);
    if (rc == 0 && index == 0)
        printf("first: %s\n", (const char *)value);
    else if (rc == 0)
        printf("first: the sleep won, no answer (the seed's null)\n");
    for (int i = 0; i < 2; i++) {
        ed_cancel_future(fs[i]); /* the loser goes on otherwise */
        ed_await(fs[i], NULL);
        ed_future_release(fs[i]);
    }
}

static int app(void *arg, void **result)
{
    (void)arg, (void)result;
    with_timeout(1);
    with_timeout(3);
    with_first(1);
    with_first(3);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (unit = strtod(argv[1], NULL)) <= 0) {
        fprintf(stderr, "usage: timeouts [seconds > 0]\n");
        return 2;
    }
    int rc = ed_main(app, NULL, NULL);
    if (rc < 0) {
        fprintf(stderr, "timeouts: %s\n", ed_strerror(rc));
        return 1;
    }
    return ed_shutdown() < 0;
}
