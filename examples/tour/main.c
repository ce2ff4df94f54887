/* A tour of eddy: `make demo`. It needs no network: it starts its own
 * servers on 127.0.0.1. Acts:
 *
 *   1. the event loop: watchers on one thread;
 *   2. 10,000 tasks each sleeping one second finish in about one second;
 *   3. 50 files downloaded at once with a progress bar each, while a
 *      background loop ticks, against the same downloads one after
 *      another;
 *   4. a race: the first of three mirrors wins, and a timeout;
 *   5. the seed's event handler: a chat service where each message is
 *      handled by its own task, which waits three seconds and replies,
 *      while the other messages keep flowing.
 *
 * EDDY_TOUR_QUICK=1 shortens the waits (the test suite runs it so). */
#include "tour.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

bool tour_quick, tour_tty;
static double start;

void say(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    printf("[%6.2fs] %s\n", ed_now() - start, line);
    fflush(stdout);
}

void act(const char *title)
{
    printf("\n== %s\n", title);
    fflush(stdout);
}

#define TASKS 10000

static int nap(void *arg, void **result)
{
    (void)result;
    int *done = arg;
    int rc = ed_sleep(tour_quick ? 0.2 : 1.0); /* suspends this task only */
    if (rc == 0)
        ++*done;
    return rc;
}

int act_tasks(void)
{
    static ed_future *tasks[TASKS];
    int done = 0;
    double t0 = ed_now();
    for (int i = 0; i < TASKS; i++)
        if (!(tasks[i] = ed_async(nap, &done)))
            return -ENOMEM;
    double t1 = ed_now();
    say("main: %d tasks started in %.3f s, each now sleeping %g s", TASKS, t1 - t0,
        tour_quick ? 0.2 : 1.0);
    int rc = ed_all(tasks, TASKS, NULL); /* from main: runs the loop meanwhile */
    say("main: all %d tasks done %.2f s later (one after another: %.0f s)", done, ed_now() - t1,
        TASKS * (tour_quick ? 0.2 : 1.0));
    for (int i = 0; i < TASKS; i++)
        ed_future_release(tasks[i]);
    return rc;
}

static int fail(const char *what, int rc)
{
    fprintf(stderr, "tour: %s failed: %s (%d) %s\n", what, ed_strerror(rc), rc,
            ed_error_message());
    return 1;
}

int main(void)
{
    const char *quick = getenv("EDDY_TOUR_QUICK");
    tour_quick = quick && strcmp(quick, "0") != 0;
    tour_tty = isatty(STDOUT_FILENO);
    start = ed_now();
    printf("eddy %s tour, driver: %s\n", EDDY_VERSION_STRING, ed_driver());

    int rc;
    act("1. The event loop: watchers on one thread");
    if ((rc = act_loop()) < 0)
        return fail("the event loop", rc);
    act("2. Tasks: code that reads like blocking code");
    if ((rc = act_tasks()) < 0)
        return fail("the tasks", rc);
    act("3. Downloads: 50 files at once, then one after another");
    if ((rc = act_downloads()) < 0)
        return fail("the downloads", rc);
    act("4. Combinators: a race of mirrors, and a timeout");
    if ((rc = act_race()) < 0)
        return fail("the race", rc);
    act("5. The seed's event handler: a task per message");
    if ((rc = act_chat()) < 0)
        return fail("the chat", rc);
    printf("\ntour done in %.1f s\n", ed_now() - start);
    return ed_shutdown() == 0 ? 0 : 1;
}
