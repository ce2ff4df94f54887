/*
 * The eddy echo server of bench/echo_bench.c: main accepts with ed_accept,
 * and every connection gets a task of its own (ed_go) that echoes as plain
 * sequential code: through a buffered stream (ed_stream_read and
 * ed_stream_write), or, with EDDY_ECHO_MODE=fd, with ed_read and ed_write
 * on the bare fd. See server.h.
 */
#include <eddy.h>

#include "server.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char prog[] = "echo_server_eddy";

static int connection_stream(void *arg, void **result)
{
    (void)result;
    ed_stream *s = ed_stream_new((int)(intptr_t)arg);
    if (!s)
        return -errno;
    char buf[ECHO_CHUNK];
    for (;;) {
        ssize_t got = ed_stream_read(s, buf, sizeof buf);
        if (got <= 0 || ed_stream_write(s, buf, (size_t)got) < 0)
            break; /* end of stream, or an error: the client is gone */
    }
    ed_stream_close(s);
    return 0;
}

static int connection(void *arg, void **result)
{
    (void)result;
    int fd = (int)(intptr_t)arg;
    char buf[ECHO_CHUNK];
    for (;;) {
        ssize_t got = ed_read(fd, buf, sizeof buf, -1);
        if (got <= 0)
            break; /* end of file, or an error: the client is gone */
        if (ed_write(fd, buf, (size_t)got, -1) < 0)
            break;
    }
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    const char *port = echo_port_arg(argc, argv);
    echo_raise_nofile();
    int lfd = ed_tcp_listen("127.0.0.1", port, 0);
    if (lfd < 0)
        echo_die(prog, "ed_tcp_listen", -lfd);
    const char *mode = getenv("EDDY_ECHO_MODE");
    ed_fn serve = mode && strcmp(mode, "fd") == 0 ? connection : connection_stream;
    echo_announce(ed_socket_port(lfd));
    for (;;) {
        int fd = ed_accept(lfd, -1); /* from main: runs the loop meanwhile */
        if (fd < 0)
            echo_die(prog, "ed_accept", -fd);
        echo_nodelay(fd); /* inherited from the listener already; as the others do */
        int rc = ed_go(serve, (void *)(intptr_t)fd);
        if (rc < 0)
            echo_die(prog, "ed_go", -rc);
    }
}
