/* Async readline, from MadelineProto's async page (seed 000, "Async
 * readline (does not block the main thread)"):
 *
 *     $res = yield $MadelineProto->readLine('Optional prompt');
 *
 * In C, ed_readline(prompt): it writes the prompt, then suspends the
 * calling task until a whole line is there, and returns it (malloc'd,
 * without its "\n") or NULL at end of input (errno 0). The loop runs
 * meanwhile: here a clock task keeps ticking while the program waits for
 * you to type. stdin and stdout stay as they are (never left
 * non-blocking), whether a terminal, a pipe or a file.
 *
 * Try it in a terminal, or: printf 'Ada\nhello\nbye\n' | ./readline
 * `readline [seconds]` sets the clock's period. */
#include <eddy.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static double period = 0.5;
static int ticks;

static int clock_task(void *arg, void **result)
{
    (void)arg, (void)result;
    while (ed_sleep(period) == 0)
        ticks++;
    return 0;
}

/* printf into a buffer, then ed_echo (which bypasses stdio's buffers). */
static int say(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return ed_echo(buf);
}

static int app(void *arg, void **result)
{
    (void)arg, (void)result;
    ed_future *clock = ed_async(clock_task, NULL);

    int rc = 0, lines = 0;
    char *name = ed_readline("What is your name? "); /* yield readLine(...) */
    if (name) {
        say("Hello, %s! Type lines; end with Ctrl-D.\n", name);
        free(name);
        char *line;
        while ((line = ed_readline("> ")) != NULL) {
            lines++;
            say("you said \"%s\"\n", line);
            free(line);
        }
    }
    if (errno != 0) /* NULL with errno 0 is the end of input */
        rc = -errno;
    else
        say("\nend of input after %d lines\n", lines);

    ed_cancel_future(clock);
    ed_await(clock, NULL);
    ed_future_release(clock);
    say("the clock ticked %d times while we waited for input\n", ticks);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (period = strtod(argv[1], NULL)) <= 0) {
        fprintf(stderr, "usage: readline [seconds > 0]\n");
        return 2;
    }
    int rc = ed_main(app, NULL, NULL);
    if (rc < 0) {
        fprintf(stderr, "readline: %s\n", ed_strerror(rc));
        return 1;
    }
    return ed_shutdown() < 0;
}
