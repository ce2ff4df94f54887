/* The tour's first act: the event loop alone. Defers, timers, a readable
 * watcher and a signal watcher working together on one thread. A repeat
 * timer writes a line into a pipe every 100 ms; a readable watcher on the
 * other end prints what arrives; after five lines the writer is cancelled
 * and a delay lets the reader drain before everything is cancelled and
 * ed_run() returns. */
#include "tour.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int fds[2];
static ed_id writer, reader, on_int;
static int sent;

static int second_defer(ed_id id, void *data)
{
    (void)id, (void)data;
    say("defer 2: defers run in the order they were made, one tick later");
    return 0;
}

static int first_defer(ed_id id, void *data)
{
    (void)id, (void)data;
    say("defer 1: the loop is running");
    return 0;
}

static int finish(ed_id id, void *data)
{
    (void)id, (void)data;
    say("done: cancelling the reader and the signal watcher, ed_run() returns");
    ed_cancel(reader);
    ed_cancel(on_int);
    return 0;
}

static int write_line(ed_id id, void *data)
{
    (void)data;
    char line[64];
    int n = snprintf(line, sizeof line, "message %d\n", ++sent);
    if (write(fds[1], line, (size_t)n) != n)
        return -EIO;
    if (sent == 5) {
        ed_cancel(id);
        say("writer: sent 5 messages, cancelling myself");
        ed_delay(0.05, finish, NULL);
    }
    return 0;
}

static int read_lines(ed_id id, int fd, void *data)
{
    (void)id, (void)data;
    char buf[256];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n <= 0)
        return 0;
    buf[n] = 0;
    buf[strcspn(buf, "\n")] = 0;
    char what[300];
    snprintf(what, sizeof what, "reader: got \"%s\"", buf);
    say("%s", what);
    return 0;
}

static int interrupted(ed_id id, int signo, void *data)
{
    (void)id, (void)data, (void)signo;
    say("SIGINT: stopping early");
    ed_stop();
    return 0;
}

int act_loop(void)
{
    if (pipe(fds) != 0)
        return -errno;
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    ed_defer(first_defer, NULL);
    ed_defer(second_defer, NULL);
    writer = ed_repeat(tour_quick ? 0.02 : 0.1, write_line, NULL);
    reader = ed_on_readable(fds[0], read_lines, NULL);
    /* Unreferenced: waiting for Ctrl-C alone must not keep the program up. */
    on_int = ed_on_signal(SIGINT, interrupted, NULL);
    ed_unreference(on_int);
    say("main: watchers created, nothing has run yet; calling ed_run()");
    int rc = ed_run();
    if (rc == 0)
        say("main: ed_run() returned: no enabled, referenced watcher is left");
    ed_cancel(writer);
    close(fds[0]);
    close(fds[1]);
    return rc;
}
