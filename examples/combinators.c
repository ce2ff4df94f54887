/* Combining async operations, from MadelineProto's async page (seed 000):
 *
 *     $promise1 = $MadelineProto->messages->sendMessage(...);
 *     $promise2 = $MadelineProto->messages->sendMessage(...);
 *     // Equivalent to Amp\Promise\all(), but works with generators, too
 *     $results = yield $MadelineProto->all([$promise1, $promise2, $generator3]);
 *     $results = yield $MadelineProto->first([$promise1, $promise2, $generator3]);
 *     $results = yield $MadelineProto->any([$promise1, $promise2, $generator3]);
 *     $results = yield $MadelineProto->some([$promise1, $promise2, $generator3]);
 *
 * In C the promises and generators are futures of tasks (ed_async), and
 * the combinators are ed_all, ed_first, ed_any and ed_some. They borrow
 * their inputs, never cancel them, and count as observing their errors.
 * Each "error handling technique" of amphp:
 *   all   every input's value, or the first error (by completion time);
 *   first the first success, with its index;
 *   any   every outcome, and never fails;
 *   some  every outcome, failing only if every input failed.
 *
 * The three operations here are jobs that take 3, 1 and 2 seconds, the
 * last of which fails: the seed's sendMessage calls need Telegram, and
 * these show the semantics without it. `combinators [seconds]` scales
 * the unit (the tests run it with 0.1). */
#include <eddy.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static double unit = 1.0;

struct job {
    const char *name;
    int seconds;
    bool fails;
};

static const struct job jobs[] = {{"job A", 3, false}, {"job B", 1, false}, {"job C", 2, true}};

static int run_job(void *arg, void **result)
{
    const struct job *j = arg;
    int rc = ed_sleep(j->seconds * unit);
    if (rc < 0)
        return rc;
    if (j->fails)
        return ed_fail(-EIO, "%s broke after %d seconds", j->name, j->seconds);
    *result = (void *)j->name;
    return 0;
}

/* Starts the three jobs: the seed's $promise1, $promise2, $generator3. */
static void start_jobs(ed_future *fs[3])
{
    for (int i = 0; i < 3; i++)
        fs[i] = ed_async(run_job, (void *)&jobs[i]);
}

/* Drops the jobs. A combinator may return while some still run: it never
 * cancels them, so that is done here. */
static void drop_jobs(ed_future *fs[3])
{
    for (int i = 0; i < 3; i++) {
        ed_cancel_future(fs[i]); /* -EALREADY if it has finished: fine */
        ed_await(fs[i], NULL);
        ed_future_release(fs[i]);
    }
}

static void show_outcomes(void **values, int *errs, ed_future **fs)
{
    for (int i = 0; i < 3; i++) {
        if (errs[i] == 0)
            printf("  [%d] %s\n", i, (const char *)values[i]);
        else
            printf("  [%d] failed: %s\n", i, ed_future_message(fs[i]));
    }
}

static int app(void *arg, void **result)
{
    (void)arg, (void)result;
    ed_future *fs[3];
    void *values[3];
    int errs[3];

    start_jobs(fs);
    int rc = ed_all(fs, 3, values);
    for (int i = 0; i < 3; i++)
        if (rc < 0 && ed_future_done(fs[i]) && ed_future_error(fs[i]) < 0)
            printf("all:   failed at once: [%d] %s; job A is still running\n", i,
                   ed_future_message(fs[i]));
    drop_jobs(fs);

    start_jobs(fs);
    size_t index;
    void *value;
    rc = ed_first(fs, 3, &index, &value);
    if (rc == 0)
        printf("first: [%zu] %s, the first to succeed\n", index, (const char *)value);
    drop_jobs(fs);

    start_jobs(fs);
    rc = ed_any(fs, 3, values, errs); /* never fails on the jobs' account */
    printf("any:   %s\n", rc == 0 ? "every outcome:" : ed_strerror(rc));
    show_outcomes(values, errs, fs);
    drop_jobs(fs);

    start_jobs(fs);
    rc = ed_some(fs, 3, values, errs); /* fails only if all three fail */
    printf("some:  %s\n", rc == 0 ? "at least one succeeded:" : ed_strerror(rc));
    show_outcomes(values, errs, fs);
    drop_jobs(fs);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (unit = strtod(argv[1], NULL)) <= 0) {
        fprintf(stderr, "usage: combinators [seconds > 0]\n");
        return 2;
    }
    int rc = ed_main(app, NULL, NULL);
    if (rc < 0) {
        fprintf(stderr, "combinators: %s\n", ed_strerror(rc));
        return 1;
    }
    return ed_shutdown() < 0;
}
