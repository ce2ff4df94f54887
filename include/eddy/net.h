/* eddy: TCP and Unix domain sockets (included by <eddy.h>).
 *
 * Every fd these functions return is non-blocking and close-on-exec, ready
 * for ed_read and ed_write, and owned by the caller (close it with close()).
 * TCP sockets get TCP_NODELAY: small writes go out at once, as request and
 * reply protocols want. Names are resolved with getaddrinfo on the thread
 * pool, never on the loop thread; numeric addresses skip the pool. Name
 * lookup errors map to: -ENOENT (no such host or service), -EAGAIN
 * (temporary failure), -EINVAL (bad port or flags), -ENOMEM, -EIO. */
#ifndef EDDY_NET_H
#define EDDY_NET_H

#include <eddy.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Connects to host:port over TCP, IPv6 or IPv4, and returns the fd. With
 * several addresses it tries them happy-eyeballs style: families
 * interleaved, a new attempt every 250 ms while earlier ones are still
 * pending, and at once when one fails; the first to connect wins, the
 * others are closed. timeout (seconds, < 0: none) bounds the whole call,
 * name lookup included. -EINVAL (host or port NULL or empty, timeout NaN),
 * -ETIMEDOUT, -ECONNREFUSED and the like (the last attempt's error), lookup
 * errors, -ECANCELED, -EPERM (raw callback). Suspends. */
ED_API int ed_tcp_connect(const char *host, const char *port, double timeout);

/* Options for ed_tcp_listen_with; zero them for the defaults. */
typedef struct ed_listen_options {
    int backlog;     /* <= 0: SOMAXCONN */
    bool reuse_port; /* SO_REUSEPORT: several sockets (threads, processes) share the port */
    bool v6_only;    /* an IPv6 socket refuses IPv4 (default: dual-stack) */
} ed_listen_options;

/* Listens on host:port over TCP with SO_REUSEADDR and returns the fd. host
 * NULL, "" or "*" listens on every address: one dual-stack IPv6 socket, or
 * IPv4 where IPv6 is missing. Port "0" picks a free port (ed_socket_port
 * tells which). Binds the first resolved address that works. -EINVAL,
 * -EADDRINUSE, -EACCES, lookup errors. Suspends only to resolve a name. */
ED_API int ed_tcp_listen(const char *host, const char *port, int backlog);
ED_API int ed_tcp_listen_with(const char *host, const char *port, const ed_listen_options *opt);

/* Connects to the Unix domain socket at path and returns the fd.
 * -EINVAL (path NULL, empty, or too long for sockaddr_un), -ENOENT,
 * -ECONNREFUSED, -ETIMEDOUT, -ECANCELED, -EPERM (raw callback). Suspends. */
ED_API int ed_unix_connect(const char *path, double timeout);

/* Listens on a Unix domain socket at path and returns the fd. A stale
 * socket file (nobody accepting on it) is replaced; a live one gives
 * -EADDRINUSE, and any other file at path is left alone (-EADDRINUSE).
 * -EINVAL (path NULL, empty or too long). Does not suspend. */
ED_API int ed_unix_listen(const char *path, int backlog);

/* Accepts one connection on a listening socket and returns its fd, waiting
 * for one if none is pending. When the process or system is out of fds
 * (EMFILE, ENFILE) or memory, it waits (5 ms, doubling up to 1 s) and
 * retries instead of spinning, the listener untouched; if the timeout
 * expires meanwhile it returns that error instead of -ETIMEDOUT. -EBADF,
 * -EINVAL (not listening, timeout NaN), -ETIMEDOUT, -ECANCELED, -EPERM.
 * Suspends. */
ED_API int ed_accept(int listen_fd, double timeout);

/* The local port a TCP socket is bound to (after ed_tcp_listen on port
 * "0", say). -EBADF, -ENOTSOCK, -EAFNOSUPPORT (not TCP/IP). Does not
 * suspend. */
ED_API int ed_socket_port(int fd);

#ifdef __cplusplus
}
#endif

#endif /* EDDY_NET_H */
