/*
 * The libev echo server of bench/echo_bench.c, on libev's epoll backend: an
 * ev_io read watcher per connection; each read is written back at once, and
 * only when the socket cannot take it all does a write watcher finish the
 * job (reading paused meanwhile). See server.h.
 */
#include "server.h"

#include <ev.h>
#include <stddef.h>
#include <unistd.h>

static const char prog[] = "echo_server_ev";

struct conn {
    ev_io rd, wr;
    unsigned char data[ECHO_CHUNK]; /* what a short write left over */
    size_t off, len;
};

static void close_conn(struct ev_loop *loop, struct conn *c)
{
    ev_io_stop(loop, &c->rd);
    ev_io_stop(loop, &c->wr);
    close(c->rd.fd);
    free(c);
}

static void on_writable(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    struct conn *c = (struct conn *)((char *)w - offsetof(struct conn, wr));
    while (c->off < c->len) {
        ssize_t put = send(w->fd, c->data + c->off, c->len - c->off, MSG_NOSIGNAL);
        if (put < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return;
            close_conn(loop, c);
            return;
        }
        c->off += (size_t)put;
    }
    c->off = c->len = 0;
    ev_io_stop(loop, &c->wr);
    ev_io_start(loop, &c->rd);
}

static void on_readable(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    struct conn *c = (struct conn *)w; /* rd is the first member */
    unsigned char buf[ECHO_CHUNK];
    ssize_t got = read(w->fd, buf, sizeof buf);
    if (got < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (got <= 0) {
        close_conn(loop, c);
        return;
    }
    ssize_t put = send(w->fd, buf, (size_t)got, MSG_NOSIGNAL);
    if (put == got)
        return;
    if (put < 0 && errno != EAGAIN && errno != EINTR) {
        close_conn(loop, c);
        return;
    }
    if (put < 0)
        put = 0;
    memcpy(c->data, buf + put, (size_t)(got - put));
    c->off = 0;
    c->len = (size_t)(got - put);
    ev_io_stop(loop, &c->rd);
    ev_io_start(loop, &c->wr);
}

static void on_accept(struct ev_loop *loop, ev_io *w, int revents)
{
    (void)revents;
    for (;;) {
        int fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EAGAIN)
                return;
            echo_die(prog, "accept4", errno);
        }
        echo_nodelay(fd);
        struct conn *c = calloc(1, sizeof *c);
        if (!c)
            echo_die(prog, "calloc", ENOMEM);
        ev_io_init(&c->rd, on_readable, fd, EV_READ);
        ev_io_init(&c->wr, on_writable, fd, EV_WRITE);
        ev_io_start(loop, &c->rd);
    }
}

int main(int argc, char **argv)
{
    const char *port = echo_port_arg(argc, argv);
    echo_raise_nofile();
    struct ev_loop *loop = ev_default_loop(EVBACKEND_EPOLL);
    if (!loop)
        echo_die(prog, "ev_default_loop (epoll)", ENOSYS);
    int lfd = echo_listen(prog, port);
    ev_io acceptor;
    ev_io_init(&acceptor, on_accept, lfd, EV_READ);
    ev_io_start(loop, &acceptor);
    echo_announce(echo_local_port(prog, lfd));
    ev_run(loop, 0);
    return 0;
}
