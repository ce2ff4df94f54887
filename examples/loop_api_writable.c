/* Loop::onWritable(), from amphp's event loop API (seed 004):
 *
 *     $watcherId = Loop::onWritable(STDOUT, function () {});
 *     Loop::disable($watcherId);
 *     // ...
 *     Loop::enable($watcherId);
 *     // ...
 *     Loop::disable($watcherId);
 *
 * "Streams are essentially always writable": a writable watcher left
 * enabled fires on every tick and maxes out the CPU. The seed's pattern,
 * for a server: create the watcher disabled when the client connects;
 * when a write is incomplete, enable it until everything is sent; then
 * disable it again.
 *
 * Here the "server" sends 1 MiB to a "client" on the other end of a
 * socket pair, far more than the socket buffer holds; the client reads it
 * with a readable watcher. The program counts the writable callbacks that
 * found nothing to send: 0, because the watcher is only ever enabled
 * while output is pending. (eddy's own ed_write and streams do this for
 * you; this is the raw loop underneath.) */
#include <eddy.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define TOTAL (1 << 20)

struct server {
    int fd;
    ed_id writable;
    char *out;
    size_t sent;
    int wakeups, idle_wakeups, enables;
};

/* Writes what the socket takes now; enables the watcher for the rest. */
static int send_some(struct server *s)
{
    while (s->sent < TOTAL) {
        ssize_t n = write(s->fd, s->out + s->sent, TOTAL - s->sent);
        if (n < 0 && errno == EAGAIN) {
            if (s->enables++ == 0)
                printf("server: incomplete write, enabling the writable watcher\n");
            return ed_enable(s->writable); /* already enabled: harmless */
        }
        if (n < 0)
            return -errno;
        s->sent += (size_t)n;
    }
    printf("server: all %d bytes sent, disabling the writable watcher\n", TOTAL);
    ed_disable(s->writable);
    ed_cancel(s->writable); /* done with it: cancel it before closing the fd */
    close(s->fd);
    return 0;
}

static int on_writable(ed_id id, int fd, void *data)
{
    (void)id, (void)fd;
    struct server *s = data;
    s->wakeups++;
    if (s->sent == TOTAL)
        s->idle_wakeups++; /* a wasted wake-up: the CPU spin of the seed */
    return send_some(s);
}

static int on_readable(ed_id id, int fd, void *data)
{
    size_t *received = data;
    char buf[16384];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0)
        return errno == EAGAIN ? 0 : -errno;
    *received += (size_t)n;
    if (n == 0) {
        printf("client: received %zu bytes, then end of stream\n", *received);
        ed_cancel(id);
        close(fd);
    }
    return 0;
}

int main(void)
{
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
        return 1;
    struct server s = {.fd = sv[0], .out = malloc(TOTAL)};
    if (!s.out)
        return 1;
    for (size_t i = 0; i < TOTAL; i++)
        s.out[i] = (char)('a' + i % 26);

    /* On connect: the watcher exists, disabled, until a write is incomplete. */
    s.writable = ed_on_writable(s.fd, on_writable, &s);
    ed_disable(s.writable);
    size_t received = 0;
    ed_on_readable(sv[1], on_readable, &received);

    int rc = send_some(&s); /* the first attempt, straight away */
    if (rc == 0)
        rc = ed_run();
    printf("server: %d writable callbacks, %d of them with nothing to send\n", s.wakeups,
           s.idle_wakeups);
    free(s.out);
    if (rc < 0) {
        fprintf(stderr, "loop_api_writable: %s\n", ed_strerror(rc));
        return 1;
    }
    return ed_shutdown() < 0 || received != TOTAL;
}
