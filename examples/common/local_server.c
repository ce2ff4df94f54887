/* A server task on 127.0.0.1, and connecting to it (local_server.h). */
#include "local_server.h"

#include <errno.h>
#include <stdio.h>
#include <unistd.h>

int local_server_start(local_server *srv, ed_fn serve, void *arg)
{
    *srv = (local_server){.fd = ed_tcp_listen("127.0.0.1", "0", 0)}; /* port "0": any free one */
    if (srv->fd < 0)
        return srv->fd;
    srv->port = ed_socket_port(srv->fd);
    if (!(srv->task = ed_async(serve, arg))) {
        close(srv->fd);
        srv->fd = -1;
        return -ENOMEM;
    }
    return 0;
}

void local_server_stop(local_server *srv)
{
    if (!srv->task) /* not started, or stopped already */
        return;
    ed_cancel_future(srv->task); /* -EALREADY if it has ended: fine */
    ed_await(srv->task, NULL);
    ed_future_release(srv->task);
    srv->task = NULL;
    close(srv->fd);
    srv->fd = -1;
}

ed_stream *local_connect(int port)
{
    char service[8];
    snprintf(service, sizeof service, "%d", port);
    int fd = ed_tcp_connect("127.0.0.1", service, 5);
    if (fd < 0) {
        errno = -fd;
        return NULL;
    }
    ed_stream *s = ed_stream_new(fd); /* which owns fd from now on */
    if (!s) {
        close(fd);
        errno = ENOMEM;
    }
    return s;
}
