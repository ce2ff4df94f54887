/* Loop::onReadable(), from amphp's event loop API (seed 004):
 *
 *     Loop::onReadable($socket, function ($watcherId, $socket) {
 *         $socketId = (int) $socket;
 *         $newData = @fread($socket, IO_GRANULARITY);
 *         if ($newData != "") {
 *             // There was actually data and not an EOF notification.
 *             parseIncrementalData($socketId, $newData);
 *         } elseif (isStreamDead($socket)) {
 *             Loop::cancel($watcherId);
 *         }
 *     });
 *
 * The same in C, on one end of a socket pair; a repeat timer is the peer,
 * sending "key=value" lines cut at awkward places, then hanging up. The
 * parser keeps the unfinished line between two reads. At end of stream
 * the watcher is cancelled before the fd is closed: eddy does not own
 * the fd. `loop_api_readable [seconds]` sets the peer's pace. */
#include <eddy.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define IO_GRANULARITY 8192

/* A stateful parser: prints every complete line, keeps the rest. */
struct parser {
    char partial[256];
    size_t len;
};

static void parse_incremental_data(int socket_id, struct parser *p, const char *data, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (data[i] != '\n') {
            if (p->len < sizeof p->partial - 1)
                p->partial[p->len++] = data[i];
            continue;
        }
        p->partial[p->len] = '\0';
        printf("socket %d: parsed \"%s\"\n", socket_id, p->partial);
        p->len = 0;
    }
}

static int on_readable(ed_id id, int fd, void *data)
{
    char buf[IO_GRANULARITY];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n > 0) {
        parse_incremental_data(fd, data, buf, (size_t)n);
    } else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
        printf("socket %d: the stream is dead, cancelling its watcher\n", fd);
        ed_cancel(id); /* first the watcher, */
        close(fd);     /* then the fd */
    }
    return 0;
}

/* The peer: one fragment per tick of the repeat, then it hangs up. */
static int send_fragment(ed_id id, void *data)
{
    static const char *fragments[] = {"temp=21\nhumi", "dity=40\ntemp=2", "2\n"};
    static size_t next;
    int fd = *(int *)data;
    if (next == sizeof fragments / sizeof *fragments) {
        ed_cancel(id);
        close(fd);
        return 0;
    }
    const char *f = fragments[next++];
    if (write(fd, f, strlen(f)) < 0)
        return -errno;
    return 0;
}

int main(int argc, char **argv)
{
    double pace = 0.1;
    if (argc > 1 && (pace = strtod(argv[1], NULL)) <= 0) {
        fprintf(stderr, "usage: loop_api_readable [seconds > 0]\n");
        return 2;
    }
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) < 0)
        return 1;
    struct parser parser = {0};
    ed_on_readable(sv[0], on_readable, &parser);
    ed_repeat(pace, send_fragment, &sv[1]);
    int rc = ed_run();
    if (rc < 0) {
        fprintf(stderr, "loop_api_readable: %s\n", ed_error_message());
        return 1;
    }
    printf("ed_run() returned: nothing left to watch\n");
    return ed_shutdown() < 0;
}
