/* Loop::onSignal(), Loop::reference() and Loop::unreference(), from amphp's
 * event loop API (seed 004):
 *
 *     $signalWatcher = Loop::onSignal(SIGUSR1, function ($watcherId, $signo) { ... });
 *     Loop::unreference($signalWatcher);
 *
 * "An unreferenced watcher doesn't keep the loop alive. All watchers are
 * referenced by default. One example to use unreferenced watchers is when
 * using signal watchers. Generally, if all watchers are gone and only the
 * signal watcher still exists, you want to exit the loop as you're not
 * actively waiting for that event to happen."
 *
 * Signal numbers come from <signal.h> (the seed's "process signal number
 * availability" section is about PHP extensions). eddy calls the
 * callback from the loop, never in signal context, so it may call
 * anything.
 *
 * Part 1: a worker ticks until SIGUSR1 asks it to stop; the signal watcher
 * is unreferenced, so ed_run() returns as soon as the worker is gone.
 * Part 2: a referenced signal watcher alone keeps ed_run() waiting for its
 * signal. The program sends both signals to itself with kill(). */
#include <eddy.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static double period = 0.1;
static ed_id worker;

static int on_usr1(ed_id id, int signo, void *data)
{
    (void)id, (void)data;
    printf("signal %d (SIGUSR1), handled in the loop: stopping the worker\n", signo);
    ed_cancel(worker);
    return 0;
}

static int work(ed_id id, void *data)
{
    (void)id;
    int *ticks = data;
    printf("worker: tick %d\n", ++*ticks);
    if (*ticks == 2) {
        printf("worker: sending SIGUSR1 to this process\n");
        if (kill(getpid(), SIGUSR1) < 0)
            return -errno;
    }
    return 0;
}

static int on_usr2(ed_id id, int signo, void *data)
{
    (void)data;
    printf("signal %d (SIGUSR2) arrived: cancelling its watcher\n", signo);
    ed_cancel(id);
    return 0;
}

static int send_usr2(ed_id id, void *data)
{
    (void)id, (void)data;
    printf("a delay sends SIGUSR2\n");
    return kill(getpid(), SIGUSR2) < 0 ? -errno : 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (period = strtod(argv[1], NULL)) <= 0) {
        fprintf(stderr, "usage: loop_api_signal [seconds > 0]\n");
        return 2;
    }

    /* Part 1 */
    int ticks = 0;
    ed_id on_sig = ed_on_signal(SIGUSR1, on_usr1, NULL);
    ed_unreference(on_sig);
    worker = ed_repeat(period, work, &ticks);
    int rc = ed_run();
    ed_info info;
    ed_get_info(&info);
    printf("ed_run() returned with %zu unreferenced signal watcher still enabled\n",
           info.unreferenced);
    ed_cancel(on_sig); /* the last SIGUSR1 watcher: the old disposition is back */

    /* Part 2: a referenced signal watcher (the default) waits for its signal. */
    if (rc == 0) {
        ed_on_signal(SIGUSR2, on_usr2, NULL);
        ed_id sender = ed_delay(period, send_usr2, NULL);
        ed_unreference(sender); /* only the signal watcher keeps the loop alive */
        rc = ed_run();
        printf("ed_run() returned once the referenced signal watcher was cancelled\n");
    }

    if (rc < 0) {
        fprintf(stderr, "loop_api_signal: %s\n", ed_error_message());
        return 1;
    }
    return ed_shutdown() < 0;
}
