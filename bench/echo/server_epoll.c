/*
 * The ceiling of bench/echo_bench.c: a hand-written echo server on
 * level-triggered epoll, with the fewest syscalls an echo can make. Each
 * connection is registered once for EPOLLIN; when it is readable, one read
 * and the write back, directly. Only a short write (never seen with 64-byte
 * messages) switches the fd to EPOLLOUT until the rest is out. See server.h.
 */
#include "server.h"

#include <stdint.h>
#include <sys/epoll.h>
#include <unistd.h>

static const char prog[] = "echo_server_epoll";

/* Bytes a short write left over, per fd. */
struct pending {
    unsigned char data[ECHO_CHUNK];
    uint8_t off, len;
};

static struct pending out[ECHO_MAX_FDS];
static int ep;

static void set_interest(int fd, uint32_t events)
{
    struct epoll_event ev = {.events = events, .data.fd = fd};
    if (epoll_ctl(ep, EPOLL_CTL_MOD, fd, &ev) != 0)
        echo_die(prog, "epoll_ctl", errno);
}

static void drop(int fd)
{
    out[fd].len = out[fd].off = 0;
    close(fd); /* leaves the epoll set with its last reference */
}

/* Writes what is pending on fd; false when the connection is gone. */
static int flush(int fd)
{
    struct pending *p = &out[fd];
    while (p->off < p->len) {
        ssize_t put = send(fd, p->data + p->off, (size_t)(p->len - p->off), MSG_NOSIGNAL);
        if (put < 0) {
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN)
                return 1;
            return 0;
        }
        p->off = (uint8_t)(p->off + put);
    }
    p->off = p->len = 0;
    return 1;
}

static void on_readable(int fd)
{
    unsigned char buf[ECHO_CHUNK];
    ssize_t got = read(fd, buf, sizeof buf);
    if (got < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (got <= 0) {
        drop(fd);
        return;
    }
    ssize_t put = send(fd, buf, (size_t)got, MSG_NOSIGNAL);
    if (put == got)
        return;
    if (put < 0 && errno != EAGAIN && errno != EINTR) {
        drop(fd);
        return;
    }
    if (put < 0)
        put = 0;
    memcpy(out[fd].data, buf + put, (size_t)(got - put));
    out[fd].off = 0;
    out[fd].len = (uint8_t)(got - put);
    set_interest(fd, EPOLLOUT); /* stop reading until the echo is out */
}

static void on_writable(int fd)
{
    if (!flush(fd))
        drop(fd);
    else if (out[fd].len == 0)
        set_interest(fd, EPOLLIN);
}

static void accept_all(int lfd)
{
    for (;;) {
        int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EAGAIN)
                return;
            echo_die(prog, "accept4", errno);
        }
        if (fd >= ECHO_MAX_FDS) {
            close(fd);
            continue;
        }
        echo_nodelay(fd);
        struct epoll_event ev = {.events = EPOLLIN, .data.fd = fd};
        if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
            echo_die(prog, "epoll_ctl", errno);
    }
}

int main(int argc, char **argv)
{
    const char *port = echo_port_arg(argc, argv);
    echo_raise_nofile();
    int lfd = echo_listen(prog, port);
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0)
        echo_die(prog, "epoll_create1", errno);
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = lfd};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) != 0)
        echo_die(prog, "epoll_ctl", errno);
    echo_announce(echo_local_port(prog, lfd));

    struct epoll_event events[256];
    for (;;) {
        int n = epoll_wait(ep, events, 256, -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            echo_die(prog, "epoll_wait", errno);
        }
        for (int i = 0; i < n; i++) {
            int fd = events[i].data.fd;
            if (fd == lfd)
                accept_all(lfd);
            else if (out[fd].len)
                on_writable(fd);
            else
                on_readable(fd);
        }
    }
}
