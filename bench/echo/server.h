/*
 * What the C echo servers of bench/echo_bench.c share (server_eddy.c,
 * server_uv.c, server_ev.c, server_epoll.c; the Go one, bench/go/echo.go,
 * does the same):
 *
 *   echo_server_NAME [PORT]
 *
 * listens on 127.0.0.1:PORT (default 0: a free port), prints "port N" on
 * stdout once it listens, and echoes back whatever each connection sends,
 * reading at most ECHO_CHUNK bytes at a time, until it is killed. Accepted
 * sockets get TCP_NODELAY. The soft fd limit is raised first, so that a
 * thousand connections fit.
 */
#ifndef EDDY_BENCH_ECHO_SERVER_H
#define EDDY_BENCH_ECHO_SERVER_H

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

/* The message size of the benchmark, and the most a server reads at once. */
#define ECHO_CHUNK 64

/* The fds a server may need: the connections plus a margin. */
#define ECHO_MAX_FDS 4096

static inline void echo_die(const char *prog, const char *what, int err)
{
    fprintf(stderr, "%s: %s: %s\n", prog, what, strerror(err));
    exit(1);
}

/* Raises the soft RLIMIT_NOFILE to ECHO_MAX_FDS (or the hard limit). */
static inline void echo_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0 || rl.rlim_cur >= ECHO_MAX_FDS)
        return;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max > ECHO_MAX_FDS ? ECHO_MAX_FDS
                                                                              : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
}

/* PORT from the command line: "0" when there is none. */
static inline const char *echo_port_arg(int argc, char **argv)
{
    if (argc > 2 || (argc == 2 && strspn(argv[1], "0123456789") != strlen(argv[1]))) {
        fprintf(stderr, "usage: %s [PORT]\n", argv[0]);
        exit(64);
    }
    return argc == 2 ? argv[1] : "0";
}

/* The announcement echo_bench waits for. */
static inline void echo_announce(int port)
{
    printf("port %d\n", port);
    fflush(stdout);
}

static inline int echo_nodelay(int fd)
{
    int one = 1;
    return setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

/* A non-blocking listening socket on 127.0.0.1:port (servers that do not
 * have their library make one). Returns the fd; dies on failure. */
static inline int echo_listen(const char *prog, const char *port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        echo_die(prog, "socket", errno);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)atoi(port));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0)
        echo_die(prog, "bind", errno);
    if (listen(fd, SOMAXCONN) != 0)
        echo_die(prog, "listen", errno);
    return fd;
}

/* The port a socket is bound to. */
static inline int echo_local_port(const char *prog, int fd)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &len) != 0)
        echo_die(prog, "getsockname", errno);
    return ntohs(sa.sin_port);
}

#endif
