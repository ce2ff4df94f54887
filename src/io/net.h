/* Sockets' internal interface: name lookup and socket set-up shared by
 * connect.c and listen.c. */
#ifndef EDDY_IO_NET_H
#define EDDY_IO_NET_H

#include <eddy.h>
#include <netdb.h>
#include <stdbool.h>

#include "platform/clock.h"

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

/* The monotonic time (seconds) of a deadline `timeout` seconds from now
 * (< 0: none, returned as a negative number), and the seconds left until
 * it (< 0 when there is none; 0 once passed). */
static inline double ed__deadline(double timeout)
{
    return timeout < 0 ? -1 : ed__ns_to_seconds(ed__clock_ns()) + timeout;
}

static inline double ed__remaining(double deadline)
{
    if (deadline < 0)
        return -1;
    double left = deadline - ed__ns_to_seconds(ed__clock_ns());
    return left > 0 ? left : 0;
}

#endif
