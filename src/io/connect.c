/* Outgoing connections. TCP tries the resolved addresses happy-eyeballs
 * style (RFC 8305, simplified): families interleaved, a new attempt every
 * ATTEMPT_DELAY while earlier ones are pending, the next one at once when
 * one fails, the first to connect wins. The caller parks on its own
 * suspension; writability watchers and a timer resume it. */
#include "io/net.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "io/io.h"
#include "platform/alloc.h"

#define ATTEMPT_DELAY 0.25 /* seconds before racing the next address */

struct race;

struct attempt {
    struct race *race;
    int fd; /* -1: not started, or over */
    ed_id watcher;
    bool ready; /* its watcher fired: connect finished, one way or the other */
};

struct race {
    ed_suspension *self;
    struct attempt *at;
    size_t pending;
};

static int wake_on_writable(ed_id id, int fd, void *data)
{
    struct attempt *a = data;
    (void)fd;
    ed_disable(id);
    a->ready = true;
    ed_resume(a->race->self, NULL); /* -EALREADY: already woken this tick */
    return 0;
}

static int wake_on_timer(ed_id id, void *data)
{
    struct race *r = data;
    (void)id;
    ed_resume(r->self, NULL);
    return 0;
}

static void attempt_end(struct race *r, struct attempt *a)
{
    if (a->watcher) {
        ed_cancel(a->watcher);
        a->watcher = 0;
    }
    if (a->fd >= 0) {
        close(a->fd);
        a->fd = -1;
        r->pending--;
    }
}

/* The connect's outcome once its fd turned writable: 0 or -errno. */
static int connect_result(int fd)
{
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        return -errno;
    return -err;
}

/* Starts a connect to ai. 1: connected at once; 0: in progress (watched);
 * negative: failed. */
static int attempt_start(struct race *r, struct attempt *a, const struct addrinfo *ai)
{
    int fd = ed__socket_for(ai->ai_family, ai->ai_socktype);
    if (fd < 0)
        return fd;
    a->race = r;
    a->fd = fd;
    a->ready = false;
    r->pending++;
    int rc;
    do
        rc = connect(fd, ai->ai_addr, ai->ai_addrlen);
    while (rc < 0 && errno == EINTR);
    if (rc == 0)
        return 1;
    if (errno != EINPROGRESS) {
        rc = -errno;
        attempt_end(r, a);
        return rc;
    }
    if (!(a->watcher = ed_on_writable(fd, wake_on_writable, a))) {
        rc = -errno;
        attempt_end(r, a);
        return rc;
    }
    return 0;
}

/* The addresses in the order to try: families alternating, starting with
 * the first address's. */
static size_t interleave(struct addrinfo *res, const struct addrinfo **out, size_t n)
{
    size_t k = 0;
    int first = res->ai_family;
    const struct addrinfo *same = res, *other = res;
    bool turn_same = true;
    while (k < n) {
        const struct addrinfo **cur = turn_same ? &same : &other;
        while (*cur && (((*cur)->ai_family == first) != turn_same))
            *cur = (*cur)->ai_next;
        if (*cur) {
            out[k++] = *cur;
            *cur = (*cur)->ai_next;
        }
        turn_same = !turn_same;
    }
    return k;
}

static int race_connect(const struct addrinfo **addrs, size_t n, double deadline)
{
    struct race r = {ed_suspension_get(), NULL, 0};
    if (!r.self)
        return -errno;
    if (!(r.at = ed__calloc(n, sizeof *r.at)))
        return -ENOMEM;
    for (size_t i = 0; i < n; i++)
        r.at[i].fd = -1;

    int last_err = -ECONNREFUSED, winner = -1;
    size_t next = 0;
    double next_at = 0; /* when to race the next address (monotonic seconds) */
    bool start = true;
    for (;;) {
        while (start && next < n) {
            struct attempt *a = &r.at[next];
            int rc = attempt_start(&r, a, addrs[next++]);
            if (rc == 1) {
                winner = (int)(a - r.at);
                break;
            }
            if (rc == 0) {
                next_at = ed__deadline(ATTEMPT_DELAY);
                break;
            }
            last_err = rc; /* failed at once: try the next address now */
        }
        if (winner >= 0 || r.pending == 0)
            break;

        double wait = ed__remaining(deadline);
        if (deadline >= 0 && wait <= 0) {
            last_err = -ETIMEDOUT;
            break;
        }
        if (next < n) {
            double until_next = ed__remaining(next_at);
            if (wait < 0 || until_next < wait)
                wait = until_next;
        }
        ed_id timer = 0;
        if (wait >= 0 && !(timer = ed_delay(wait, wake_on_timer, &r))) {
            last_err = -errno;
            break;
        }
        int rc = ed_suspend(r.self, NULL);
        ed_cancel(timer);
        if (rc < 0) {
            last_err = rc;
            break;
        }
        start = false;
        for (size_t i = 0; i < next && winner < 0; i++) {
            struct attempt *a = &r.at[i];
            if (a->fd < 0 || !a->ready)
                continue;
            int err = connect_result(a->fd);
            if (err == 0) {
                winner = (int)i;
            } else {
                last_err = err;
                attempt_end(&r, a);
                start = true; /* a failure races the next address at once */
            }
        }
        if (winner >= 0)
            break;
        if (next < n && ed__remaining(next_at) <= 0)
            start = true;
        if (r.pending == 0 && next >= n)
            break;
    }

    int fd = -1;
    if (winner >= 0) {
        struct attempt *a = &r.at[winner];
        fd = a->fd;
        if (a->watcher)
            ed_cancel(a->watcher);
        a->watcher = 0;
        a->fd = -1;
        r.pending--;
    }
    for (size_t i = 0; i < n; i++)
        attempt_end(&r, &r.at[i]);
    ed__free(r.at);
    return fd >= 0 ? fd : last_err;
}

/* Refuses up front what could never wait (a raw callback) or must not
 * (a cancelled task), even where the connect would finish at once. */
static int can_wait(void)
{
    int rc;
    ed__io_enter(&rc);
    return rc;
}

int ed_tcp_connect(const char *host, const char *port, double timeout)
{
    if (!host || !*host || !port || !*port || timeout != timeout)
        return -EINVAL;
    int rc = can_wait();
    if (rc < 0)
        return rc;
    double deadline = ed__deadline(timeout);
    struct addrinfo *res = NULL;
    if ((rc = ed__resolve(host, port, 0, timeout, &res)) < 0)
        return rc;
    size_t n = 0;
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next)
        n++;
    const struct addrinfo **addrs = ed__calloc(n ? n : 1, sizeof *addrs);
    if (!addrs) {
        freeaddrinfo(res);
        return -ENOMEM;
    }
    n = n ? interleave(res, addrs, n) : 0;
    rc = n ? race_connect(addrs, n, deadline) : -ENOENT;
    ed__free(addrs);
    freeaddrinfo(res);
    if (rc >= 0) {
        int one = 1;
        setsockopt(rc, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    }
    return rc;
}

int ed_unix_connect(const char *path, double timeout)
{
    struct sockaddr_un sun;
    if (!path || !*path || strlen(path) >= sizeof sun.sun_path || timeout != timeout)
        return -EINVAL;
    int rc = can_wait();
    if (rc < 0)
        return rc;
    memset(&sun, 0, sizeof sun);
    sun.sun_family = AF_UNIX;
    memcpy(sun.sun_path, path, strlen(path) + 1);
    struct addrinfo ai;
    memset(&ai, 0, sizeof ai);
    ai.ai_family = AF_UNIX;
    ai.ai_socktype = SOCK_STREAM;
    ai.ai_addr = (struct sockaddr *)&sun;
    ai.ai_addrlen = sizeof sun;
    const struct addrinfo *addrs[1] = {&ai};
    return race_connect(addrs, 1, ed__deadline(timeout));
}
