/* Sockets' internal interface: name lookup and socket set-up shared by
 * connect.c and listen.c. */
#ifndef EDDY_IO_NET_H
#define EDDY_IO_NET_H

#include <eddy.h>
#include <netdb.h>
#include <stdbool.h>

/* getaddrinfo(host, port) for stream sockets of `family` (AF_UNSPEC: any),
 * on the thread pool unless both are numeric, bounded by timeout (< 0:
 * none). 0 and *res (free with freeaddrinfo), or a negative errno code:
 * lookup failures mapped as <eddy/net.h> says, -ETIMEDOUT, -ECANCELED,
 * -EPERM. Suspends unless numeric. */
int ed__resolve(const char *host, const char *port, int flags, double timeout,
                struct addrinfo **res);

/* A socket of ai's family and type, non-blocking and close-on-exec. fd, or
 * a negative errno code. */
int ed__socket_for(int family, int type);

/* The monotonic time of a deadline `timeout` seconds from now (< 0:
 * none, returned as a negative number), and the seconds left until it
 * (< 0 when there is none; 0 once passed). */
double ed__deadline(double timeout);
double ed__remaining(double deadline);

#endif
