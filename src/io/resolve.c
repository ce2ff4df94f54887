/* Name lookup: getaddrinfo blocks (DNS, /etc/hosts, NSS modules), so it runs
 * on the thread pool, in a task of its own that the caller can stop waiting
 * for at its deadline; a lookup that outlives its caller is freed by the
 * pool when it ends. Numeric hosts and ports need no pool. */
#include "io/net.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "platform/alloc.h"

int ed__socket_for(int family, int type)
{
    int fd = socket(family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    return fd < 0 ? -errno : fd;
}

static int lookup_error(int eai, int sys_errno)
{
    switch (eai) {
    case EAI_NONAME:
#ifdef EAI_NODATA
    case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
    case EAI_ADDRFAMILY:
#endif
        return -ENOENT;
    case EAI_AGAIN:
        return -EAGAIN;
    case EAI_MEMORY:
        return -ENOMEM;
    case EAI_SERVICE:
        return -ENOENT;
    case EAI_FAMILY:
    case EAI_SOCKTYPE:
    case EAI_BADFLAGS:
        return -EINVAL;
    case EAI_SYSTEM:
        return sys_errno ? -sys_errno : -EIO;
    default:
        return -EIO;
    }
}

struct lookup {
    struct addrinfo hints;
    struct addrinfo *res;
    char *host, *port; /* copies: the caller may be gone when it runs */
};

static void lookup_free(struct lookup *l)
{
    if (l->res)
        freeaddrinfo(l->res);
    ed__free(l->host);
    ed__free(l->port);
    ed__free(l);
}

/* On a worker. */
static int lookup_run(void *arg, void **result)
{
    struct lookup *l = arg;
    int eai = getaddrinfo(l->host, l->port, &l->hints, &l->res);
    if (eai != 0) {
        l->res = NULL;
        return lookup_error(eai, errno);
    }
    *result = l;
    return 0;
}

static void lookup_drop(void *arg, void *result, int rc)
{
    (void)result;
    (void)rc;
    lookup_free(arg);
}

/* The task that waits for the pool, so that its caller can give up at a
 * deadline (ed_timeout) and cancel it. */
static int lookup_task(void *arg, void **result)
{
    return ed_blocking_with(lookup_run, arg, lookup_drop, result);
}

int ed__resolve(const char *host, const char *port, int flags, double timeout,
                struct addrinfo **res)
{
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = flags | AI_NUMERICHOST | AI_NUMERICSERV;
    int eai = getaddrinfo(host, port, &hints, res);
    if (eai == 0)
        return 0;
    if (eai != EAI_NONAME && eai != EAI_SERVICE)
        return lookup_error(eai, errno); /* numeric, and wrong */

    struct lookup *l = ed__alloc(sizeof *l);
    if (!l)
        return -ENOMEM;
    memset(l, 0, sizeof *l);
    l->hints = hints;
    l->hints.ai_flags = flags | AI_ADDRCONFIG;
    l->host = host ? ed__strdup(host) : NULL;
    l->port = ed__strdup(port);
    if ((host && !l->host) || !l->port) {
        lookup_free(l);
        return -ENOMEM;
    }
    ed_future *f = ed_async(lookup_task, l); /* l is the task's from here */
    if (!f) {
        int rc = -errno;
        lookup_free(l); /* the task never started */
        return rc;
    }
    void *done = NULL;
    int rc = timeout < 0 ? ed_await(f, &done) : ed_timeout(f, timeout, &done);
    if (rc == -ETIMEDOUT || rc == -ECANCELED) {
        ed_cancel_future(f); /* the pool drops the lookup when it ends */
        ed_future_ignore(f);
    }
    ed_future_release(f);
    if (rc < 0)
        return rc;
    l = done;
    *res = l->res;
    l->res = NULL;
    lookup_free(l);
    return 0;
}
