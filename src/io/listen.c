/* Listening sockets and accepting connections. */
#include "io/net.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "io/io.h"

#define BACKOFF_FIRST 0.005 /* seconds: the first wait when out of fds */
#define BACKOFF_MAX 1.0

static int setopt(int fd, int level, int name, int value)
{
    return setsockopt(fd, level, name, &value, sizeof value) < 0 ? -errno : 0;
}

/* A listening socket on ai. fd or a negative errno code. */
static int listen_on(const struct addrinfo *ai, const ed_listen_options *o)
{
    int fd = ed__socket_for(ai->ai_family, SOCK_STREAM);
    if (fd < 0)
        return fd;
    int rc = setopt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    if (rc == 0 && o->reuse_port)
        rc = setopt(fd, SOL_SOCKET, SO_REUSEPORT, 1);
    if (rc == 0 && ai->ai_family == AF_INET6)
        rc = setopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, o->v6_only);
    /* Accepted sockets inherit it from the listener: no call per accept. */
    if (rc == 0)
        rc = setopt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
    if (rc == 0 && bind(fd, ai->ai_addr, ai->ai_addrlen) < 0)
        rc = -errno;
    if (rc == 0 && listen(fd, o->backlog > 0 ? o->backlog : SOMAXCONN) < 0)
        rc = -errno;
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return fd;
}

int ed_tcp_listen_with(const char *host, const char *port, const ed_listen_options *opt)
{
    ed_listen_options o = {0, false, false};
    if (opt)
        o = *opt;
    if (!port || !*port)
        return -EINVAL;
    bool any = !host || !*host || strcmp(host, "*") == 0;
    struct addrinfo *res = NULL;
    int rc = ed__resolve(any ? "::" : host, port, AI_PASSIVE, -1, &res);
    if (rc == 0 && any) {
        rc = listen_on(res, &o);
        freeaddrinfo(res);
        if (rc != -EAFNOSUPPORT)
            return rc;
        /* No IPv6 here: every IPv4 address instead. */
        if ((rc = ed__resolve("0.0.0.0", port, AI_PASSIVE, -1, &res)) < 0)
            return rc;
    }
    if (rc < 0)
        return rc;
    rc = -EADDRNOTAVAIL;
    for (const struct addrinfo *ai = res; ai; ai = ai->ai_next)
        if ((rc = listen_on(ai, &o)) >= 0)
            break;
    freeaddrinfo(res);
    return rc;
}

int ed_tcp_listen(const char *host, const char *port, int backlog)
{
    ed_listen_options o = {backlog, false, false};
    return ed_tcp_listen_with(host, port, &o);
}

/* Whether the socket file at sun is stale: a socket nobody listens on. */
static bool stale_socket(const struct sockaddr_un *sun)
{
    struct stat st;
    if (lstat(sun->sun_path, &st) < 0 || !S_ISSOCK(st.st_mode))
        return false;
    int probe = ed__socket_for(AF_UNIX, SOCK_STREAM);
    if (probe < 0)
        return false;
    bool stale = connect(probe, (const struct sockaddr *)sun, sizeof *sun) < 0 &&
                 errno == ECONNREFUSED;
    close(probe);
    return stale;
}

int ed_unix_listen(const char *path, int backlog)
{
    struct sockaddr_un sun;
    if (!path || !*path || strlen(path) >= sizeof sun.sun_path)
        return -EINVAL;
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, path, strlen(path) + 1);
    int fd = ed__socket_for(AF_UNIX, SOCK_STREAM);
    if (fd < 0)
        return fd;
    int rc = bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0 ? -errno : 0;
    if (rc == -EADDRINUSE && stale_socket(&sun) && unlink(path) == 0)
        rc = bind(fd, (struct sockaddr *)&sun, sizeof sun) < 0 ? -errno : 0;
    if (rc == 0 && listen(fd, backlog > 0 ? backlog : SOMAXCONN) < 0)
        rc = -errno;
    if (rc < 0) {
        close(fd);
        return rc;
    }
    return fd;
}

int ed_accept(int listen_fd, double timeout)
{
    if (listen_fd < 0)
        return -EBADF;
    if (timeout != timeout)
        return -EINVAL;
    int rc;
    if (!ed__io_enter(&rc))
        return rc;
    double deadline = ed__deadline(timeout), backoff = BACKOFF_FIRST;
    for (;;) {
        int fd = accept4(listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0)
            return fd;
        int err = errno;
        switch (err) {
        case EINTR:
        case ECONNABORTED: /* the peer gave up while queued: take the next */
        /* Linux hands the pending connection's network errors to accept;
         * the listener itself is fine. */
        case EPROTO:
        case ENOPROTOOPT:
        case EHOSTDOWN:
        case ENONET:
        case EHOSTUNREACH:
        case ENETDOWN:
        case ENETUNREACH:
            continue;
        case EAGAIN:
            if ((rc = ed_wait_readable(listen_fd, ed__remaining(deadline))) < 0)
                return rc;
            continue;
        case EMFILE:
        case ENFILE:
        case ENOBUFS:
        case ENOMEM: {
            /* The connection stays queued and the listener readable: waiting
             * for readability would spin. Wait for fds to be closed. */
            double left = ed__remaining(deadline);
            if (deadline >= 0 && left <= 0)
                return -err;
            if ((rc = ed_sleep(left >= 0 && left < backoff ? left : backoff)) < 0)
                return rc;
            backoff = backoff * 2 < BACKOFF_MAX ? backoff * 2 : BACKOFF_MAX;
            continue;
        }
        default:
            return -err;
        }
    }
}

int ed_socket_port(int fd)
{
    if (fd < 0)
        return -EBADF;
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
        return -errno;
    if (ss.ss_family == AF_INET)
        return ntohs(((struct sockaddr_in *)&ss)->sin_port);
    if (ss.ss_family == AF_INET6)
        return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
    return -EAFNOSUPPORT;
}
