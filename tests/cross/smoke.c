/* A self-contained check of the context switch and the task layer, for
 * CPUs this machine can only emulate (run under qemu-user by
 * tests/cross/run.sh). Exits 0 when every check holds. */
#include <eddy.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

static int failures;

#define CHECK(cond)                                                              \
    do {                                                                         \
        if (!(cond)) {                                                           \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            failures++;                                                          \
        }                                                                        \
    } while (0)

/* Keeps a double live across many switches: it sits in a callee-saved FP
 * register (d8-d15 on AArch64), which the switch must preserve. */
struct fp_job {
    long seed;
    double out;
};

static int fp_worker(void *arg, void **result)
{
    (void)result;
    struct fp_job *job = arg;
    double x = 1.0 + (double)job->seed / 8.0;
    for (int i = 0; i < 1000; i++) {
        x = x * 1.0001 + 0.5;
        if (ed_yield() < 0)
            return -EIO;
        x -= 0.5;
    }
    job->out = x;
    return 0;
}

static double expected_fp(long arg)
{
    double x = 1.0 + (double)arg / 8.0;
    for (int i = 0; i < 1000; i++)
        x = x * 1.0001 + 0.5 - 0.5;
    return x;
}

static int sleeper(void *arg, void **result)
{
    long ms = (long)arg;
    if (ed_sleep(ms / 1000.0) < 0)
        return -EIO;
    *result = arg;
    return 0;
}

static int body(void *arg, void **result)
{
    (void)arg;
    (void)result;
    ed_future *f[4];
    struct fp_job jobs[4];
    for (long i = 0; i < 4; i++) {
        jobs[i].seed = i;
        f[i] = ed_async(fp_worker, &jobs[i]);
    }
    for (int i = 0; i < 4; i++) {
        CHECK(ed_await(f[i], NULL) == 0);
        CHECK(jobs[i].out == expected_fp(i));
        ed_future_release(f[i]);
    }
    ed_future *s[3] = {ed_async(sleeper, (void *)30L), ed_async(sleeper, (void *)10L),
                       ed_async(sleeper, (void *)20L)};
    size_t first = 9;
    CHECK(ed_first(s, 3, &first, NULL) == 0 && first == 1);
    void *vals[3];
    CHECK(ed_all(s, 3, vals) == 0 && (long)vals[0] == 30 && (long)vals[2] == 20);
    for (int i = 0; i < 3; i++)
        ed_future_release(s[i]);
    return 0;
}

int main(void)
{
    CHECK(ed_main(body, NULL, NULL) == 0);
    CHECK(ed_sleep(0.001) == 0);
    CHECK(ed_shutdown() == 0);
    if (failures)
        return 1;
    printf("cross smoke: context switch and tasks work\n");
    return 0;
}
