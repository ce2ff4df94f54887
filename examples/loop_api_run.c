/* Loop::run() and Loop::stop(), from amphp's event loop API (seed 004):
 *
 *     Loop::run(function () {              // = Loop::defer($cb); Loop::run();
 *         Loop::repeat(1000, function ($watcherId) { ... Loop::stop(); });
 *     });
 *
 * "Once Loop::run() is invoked the event loop will run indefinitely until
 * there are no watchable timer events, IO streams or signals remaining to
 * watch." "When Loop::stop() is invoked the event loop will return control
 * to the userland script at the end of the current tick", even with
 * watchers still pending.
 *
 * In C, ed_run() takes no callback: ed_defer(cb, data) then ed_run() is the
 * same thing. Watchers survive ed_stop(): a later ed_run() carries on with
 * them. Durations are seconds, not amp v2's milliseconds; `loop_api_run
 * [seconds]` sets the repeat's period (the tests run it with 0.01). */
#include <eddy.h>

#include <stdio.h>
#include <stdlib.h>

static double period = 1.0;

static void say(const char *what)
{
    printf("%s\n", what);
    fflush(stdout);
}

static void show_alive(void)
{
    ed_info info;
    ed_get_info(&info);
    printf("  watchers keeping ed_run() going: %zu\n", info.referenced);
}

static int on_tick(ed_id id, void *data)
{
    int *ticks = data;
    printf("tick %d\n", ++*ticks);
    if (*ticks == 3) {
        say("tick 3: ed_stop(), although the repeat is still enabled");
        ed_stop(); /* ed_run() returns once this tick is over */
    } else if (*ticks == 5) {
        say("tick 5: cancelling the repeat, nothing is left to watch");
        ed_cancel(id);
    }
    return 0;
}

/* What the seed passes to Loop::run(): the first thing the loop does. */
static int start(ed_id id, void *data)
{
    (void)id;
    say("the loop is running: starting a repeat");
    if (!ed_repeat(period, on_tick, data))
        return -1; /* cannot happen with valid arguments, bar ENOMEM */
    return 0;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (period = strtod(argv[1], NULL)) <= 0) {
        fprintf(stderr, "usage: loop_api_run [seconds > 0]\n");
        return 2;
    }

    int ticks = 0;
    ed_defer(start, &ticks); /* Loop::run($start) */
    int rc = ed_run();
    say("ed_run() returned: stopped at the end of tick 3");
    show_alive();

    rc = rc < 0 ? rc : ed_run(); /* the same repeat goes on */
    say("ed_run() returned again: nothing left to watch");
    show_alive();

    if (rc < 0) {
        fprintf(stderr, "loop_api_run: %s\n", ed_error_message());
        return 1;
    }
    return ed_shutdown() < 0;
}
