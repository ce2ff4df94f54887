/* One libcurl multi handle per thread's loop, driven by the loop through
 * libcurl's multi-socket interface: each socket libcurl wants watched is a
 * pair of eddy fd watchers, libcurl's single timeout one eddy delay, and
 * every event becomes one curl_multi_socket_action() call.
 *
 * The watchers keep the loop alive only while a transfer is in flight:
 * idle keep-alive connections stay in libcurl's cache without holding
 * ed_run() open. When libcurl stops watching a socket because its
 * connection goes back to the cache, the socket's watchers stay ("parked"):
 * the next request on that connection then costs no epoll_ctl. They go
 * when libcurl closes the socket (CURLOPT_CLOSESOCKETFUNCTION); only
 * sockets opened through CURLOPT_OPENSOCKETFUNCTION, whose close eddy
 * sees, are parked. The
 * callbacks libcurl calls never fail (libcurl would abandon every
 * transfer); a watcher eddy cannot make fails the transfers instead,
 * through their own fibers.
 *
 * New transfers are added to libcurl together, once per tick, followed by
 * one curl_multi_socket_action: their requests leave in one burst rather
 * than one after each response, which keeps a busy server from going to
 * sleep (and being woken) between them. */
#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define STATE_KEY "eddy.http"
/* Easy handles kept for reuse: a new one costs several allocations and a
 * first touch of its buffers; 64 covers the usual number in flight. */
#define SPARE_MAX 64
/* Idle connections libcurl may keep. Its default, 4 per transfer added,
 * shrinks while requests wait to be added, and closes connections that
 * the next burst needs again. */
#define MAX_CACHED_CONNECTIONS 512

struct http_sock {
    struct http_multi *M;
    curl_socket_t fd;
    ed_id readable, writable; /* 0 until libcurl first wants that direction */
    bool parked;              /* libcurl stopped watching; the socket is open */
    struct http_sock *prev, *next;
};

/* A cached easy handle, and the options it was last set up with. */
struct spare {
    CURL *easy;
    uint64_t setup;
};

struct http_multi {
    CURLM *multi;
    CURLSH *share;        /* cookies and TLS sessions */
    CURLSH *share_plain;  /* TLS sessions only, for no_cookies requests */
    ed_id timer;         /* libcurl's timeout, 0 when it has none */
    size_t in_flight;    /* transfers added and not yet removed */
    bool closing;        /* the loop is being freed */
    struct http_sock *socks;
    struct http_sock **by_fd; /* socks indexed by fd, for parked ones */
    bool *ours;               /* by fd: opened by on_open, so on_close sees its end */
    size_t by_fd_len;
    struct http_xfer *xfers;
    struct http_xfer *to_add, **to_add_tail; /* started, not yet added */
    ed_id adder;                             /* the defer that adds them */
    struct spare spare[SPARE_MAX];
    size_t spares;
};

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_rc;

static void global_init(void)
{
    global_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- keeping the loop alive while transfers run ---------------------- */

static void set_referenced(struct http_multi *M, bool on)
{
    int (*set)(ed_id) = on ? ed_reference : ed_unreference;
    for (struct http_sock *k = M->socks; k; k = k->next) {
        if (k->parked)
            continue; /* waits for nothing: never keeps the loop */
        if (k->readable)
            set(k->readable);
        if (k->writable)
            set(k->writable);
    }
    if (M->timer)
        set(M->timer);
}

/* A watcher that could not be made leaves transfers that would never hear
 * from their sockets: each one ends with err, woken in its own fiber. */
static void fail_all(struct http_multi *M, int err)
{
    for (struct http_xfer *x = M->xfers; x; x = x->next) {
        if (!x->done) {
            x->done = true;
            x->result = CURLE_OK;
            x->write_error = err;
            http_xfer_wake(x);
        }
    }
}

/* ---- driving libcurl ------------------------------------------------- */

static void collect_done(struct http_multi *M)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(M->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        struct http_xfer *x = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        if (x && !x->done) {
            x->done = true;
            x->result = msg->data.result;
            http_xfer_wake(x);
        }
    }
}

static void drive(struct http_multi *M, curl_socket_t fd, int events)
{
    int running;
    curl_multi_socket_action(M->multi, fd, events, &running);
    collect_done(M);
}

static int on_readable(ed_id id, int fd, void *data)
{
    struct http_sock *k = data;
    if (k->parked) {
        /* An idle connection the server closed, or data nobody asked for:
         * libcurl finds out when it reuses the connection. Until then the
         * watcher must not fire on every tick. */
        ed_disable(id);
        return 0;
    }
    drive(k->M, fd, CURL_CSELECT_IN);
    return 0;
}

static int on_writable(ed_id id, int fd, void *data)
{
    struct http_sock *k = data;
    if (k->parked) {
        ed_disable(id);
        return 0;
    }
    drive(k->M, fd, CURL_CSELECT_OUT);
    return 0;
}

static int on_timeout(ed_id id, void *data)
{
    (void)id;
    struct http_multi *M = data;
    M->timer = 0; /* a delay is freed before its callback runs */
    drive(M, CURL_SOCKET_TIMEOUT, 0);
    return 0;
}

/* ---- libcurl's callbacks --------------------------------------------- */

static void sock_free(struct http_multi *M, struct http_sock *k)
{
    ed_cancel(k->readable);
    ed_cancel(k->writable);
    if ((size_t)k->fd < M->by_fd_len && M->by_fd[k->fd] == k)
        M->by_fd[k->fd] = NULL;
    if (k->prev)
        k->prev->next = k->next;
    else
        M->socks = k->next;
    if (k->next)
        k->next->prev = k->prev;
    free(k);
}

/* Enables or disables one direction's watcher, making it the first time
 * it is wanted. false when it could not be made. */
static bool watch(struct http_multi *M, struct http_sock *k, ed_id *id, bool want, bool readable)
{
    if (!want) {
        if (*id)
            ed_disable(*id);
        return true;
    }
    if (*id)
        return ed_enable(*id) == 0;
    *id = readable ? ed_on_readable(k->fd, on_readable, k) : ed_on_writable(k->fd, on_writable, k);
    if (!*id)
        return false;
    if (!M->in_flight)
        ed_unreference(*id);
    return true;
}

/* The sock of fd, made (or found parked) when libcurl first wants it
 * watched; NULL when out of memory. */
/* Makes the fd-indexed tables long enough for fd. false: out of memory. */
static bool fd_tables_fit(struct http_multi *M, curl_socket_t fd)
{
    if (fd < 0)
        return false;
    if ((size_t)fd < M->by_fd_len)
        return true;
    size_t len = M->by_fd_len ? M->by_fd_len : 64;
    while (len <= (size_t)fd)
        len *= 2;
    struct http_sock **socks = realloc(M->by_fd, len * sizeof *socks);
    if (!socks)
        return false;
    M->by_fd = socks;
    bool *ours = realloc(M->ours, len * sizeof *ours);
    if (!ours)
        return false; /* by_fd is longer, harmlessly: by_fd_len still rules */
    M->ours = ours;
    memset(socks + M->by_fd_len, 0, (len - M->by_fd_len) * sizeof *socks);
    memset(ours + M->by_fd_len, 0, (len - M->by_fd_len) * sizeof *ours);
    M->by_fd_len = len;
    return true;
}

static struct http_sock *sock_for(struct http_multi *M, curl_socket_t fd)
{
    if (!fd_tables_fit(M, fd))
        return NULL;
    struct http_sock *k = M->by_fd[fd];
    if (k) {
        /* Parked: its connection is back in use. Its watchers keep their
         * registration; they only need the loop's references again. */
        k->parked = false;
        if (M->in_flight) {
            if (k->readable)
                ed_reference(k->readable);
            if (k->writable)
                ed_reference(k->writable);
        }
        return k;
    }
    if (!(k = calloc(1, sizeof *k)))
        return NULL;
    k->M = M;
    k->fd = fd;
    k->next = M->socks;
    if (M->socks)
        M->socks->prev = k;
    M->socks = k;
    M->by_fd[fd] = k;
    return k;
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)easy;
    struct http_multi *M = userp;
    struct http_sock *k = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (k) {
            curl_multi_assign(M->multi, fd, NULL);
            /* Only a socket eddy opened tells eddy when it closes: any
             * other (libcurl's resolver pipe, its DoH connections) goes
             * now, before its number can come back for another file. */
            if (!M->ours[fd]) {
                sock_free(M, k);
                return 0;
            }
            /* Parked, not freed: the connection may serve the next request.
             * A read watcher stays enabled (an idle connection is not
             * readable, and disabling then enabling again would cost two
             * epoll_ctl); a write watcher would fire at once: off. */
            k->parked = true;
            if (k->writable)
                ed_disable(k->writable);
            if (k->readable)
                ed_unreference(k->readable);
        }
        return 0;
    }
    if (M->closing)
        return 0;
    if (!k) {
        if (!(k = sock_for(M, fd))) {
            fail_all(M, -ENOMEM);
            return 0;
        }
        curl_multi_assign(M->multi, fd, k);
    }
    if (!watch(M, k, &k->readable, what & CURL_POLL_IN, true) ||
        !watch(M, k, &k->writable, what & CURL_POLL_OUT, false))
        fail_all(M, -ENOMEM);
    return 0;
}

/* libcurl closes a socket eddy opened (on_open): its watchers go first,
 * so that a later file with the same number starts afresh. Set on every
 * easy handle eddy configures; sockets libcurl opens itself (its resolver
 * pipe, its DoH connections) close without it and are never parked. */
static int on_close(void *clientp, curl_socket_t fd)
{
    struct http_multi *M = clientp;
    if ((size_t)fd < M->by_fd_len) {
        if (M->by_fd[fd])
            sock_free(M, M->by_fd[fd]);
        M->ours[fd] = false;
    }
    return close(fd);
}

/* libcurl's sockets for eddy's transfers are made here, so that eddy knows
 * which ones on_close will see closed: only those may keep parked
 * watchers. libcurl makes them non-blocking itself. */
static curl_socket_t on_open(void *clientp, curlsocktype purpose, struct curl_sockaddr *addr)
{
    (void)purpose;
    struct http_multi *M = clientp;
    curl_socket_t fd = socket(addr->family, addr->socktype | SOCK_CLOEXEC, addr->protocol);
    if (fd >= 0 && fd_tables_fit(M, fd))
        M->ours[fd] = true;
    return fd;
}

int http_set_close(CURL *easy, struct http_multi *M)
{
    if (curl_easy_setopt(easy, CURLOPT_OPENSOCKETFUNCTION, on_open) != CURLE_OK ||
        curl_easy_setopt(easy, CURLOPT_OPENSOCKETDATA, M) != CURLE_OK ||
        curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, on_close) != CURLE_OK ||
        curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, M) != CURLE_OK)
        return -EINVAL;
    return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *userp)
{
    (void)multi;
    struct http_multi *M = userp;
    if (M->timer) {
        ed_cancel(M->timer);
        M->timer = 0;
    }
    if (timeout_ms < 0 || M->closing)
        return 0;
    /* Not driven from here: libcurl must not be re-entered from its own
     * callback, so even a zero timeout waits for the next tick. */
    M->timer = ed_delay((double)timeout_ms / 1000.0, on_timeout, M);
    if (!M->timer)
        fail_all(M, -ENOMEM);
    else if (!M->in_flight)
        ed_unreference(M->timer);
    return 0;
}

/* ---- the loop's multi handle ----------------------------------------- */

static void multi_destroy(void *data)
{
    struct http_multi *M = data;
    M->closing = true;
    /* Transfers whose fibers go with the loop: nobody else will free
     * them. */
    while (M->xfers) {
        struct http_xfer *x = M->xfers;
        http_xfer_untrack(x);
        x->release(x);
    }
    ed_cancel(M->adder);
    curl_multi_cleanup(M->multi);
    while (M->socks)
        sock_free(M, M->socks);
    free(M->by_fd);
    free(M->ours);
    ed_cancel(M->timer);
    while (M->spares)
        curl_easy_cleanup(M->spare[--M->spares].easy);
    curl_share_cleanup(M->share);
    curl_share_cleanup(M->share_plain);
    free(M);
}

struct http_multi *http_multi_get(void)
{
    struct http_multi *M = ed_state_get(STATE_KEY);
    if (M)
        return M;
    pthread_once(&global_once, global_init);
    if (global_rc != CURLE_OK) {
        errno = EPERM;
        return NULL;
    }
    if (!(M = calloc(1, sizeof *M)))
        goto nomem;
    if (!(M->multi = curl_multi_init()) || !(M->share = curl_share_init()) ||
        !(M->share_plain = curl_share_init()))
        goto nomem;
    curl_multi_setopt(M->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(M->multi, CURLMOPT_SOCKETDATA, M);
    curl_multi_setopt(M->multi, CURLMOPT_TIMERFUNCTION, on_timer);
    curl_multi_setopt(M->multi, CURLMOPT_TIMERDATA, M);
    curl_multi_setopt(M->multi, CURLMOPT_MAXCONNECTS, (long)MAX_CACHED_CONNECTIONS);
    M->to_add_tail = &M->to_add;
    /* One thread uses them: no locks. */
    curl_share_setopt(M->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_COOKIE);
    curl_share_setopt(M->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(M->share_plain, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    if (ed_state_set(STATE_KEY, M, multi_destroy) < 0)
        goto nomem;
    return M;

nomem:
    if (M) {
        if (M->multi)
            curl_multi_cleanup(M->multi);
        if (M->share)
            curl_share_cleanup(M->share);
        if (M->share_plain)
            curl_share_cleanup(M->share_plain);
        free(M);
    }
    errno = ENOMEM;
    return NULL;
}

int http_call_begin(ed_suspension **waiter, struct http_multi **M)
{
    if (!(*waiter = ed_suspension_get()) || !(*M = http_multi_get()))
        return -errno;
    return 0;
}

CURLSH *http_multi_share(struct http_multi *M, bool cookies)
{
    return cookies ? M->share : M->share_plain;
}

void http_easy_reset(CURL *easy)
{
    /* curl_easy_reset loses the cookie file list without freeing it
     * (libcurl 7.88); clearing it first frees it, and leaves the shared
     * jar alone. */
    curl_easy_setopt(easy, CURLOPT_COOKIEFILE, NULL);
    curl_easy_reset(easy);
}

CURL *http_easy_take(struct http_multi *M, uint64_t setup, bool *ready)
{
    *ready = false;
    if (!M->spares)
        return curl_easy_init();
    /* The most recent handle set up the same way, else the most recent. */
    size_t i = M->spares;
    while (i > 0 && M->spare[i - 1].setup != setup)
        i--;
    if (i == 0)
        i = M->spares;
    else
        *ready = setup != 0;
    CURL *easy = M->spare[i - 1].easy;
    M->spare[i - 1] = M->spare[--M->spares];
    return easy;
}

void http_easy_put(struct http_multi *M, CURL *easy, uint64_t setup)
{
    if (!easy)
        return;
    if (M->spares < SPARE_MAX && !M->closing) {
        if (!setup)
            http_easy_reset(easy);
        M->spare[M->spares++] = (struct spare){easy, setup};
    } else {
        curl_easy_cleanup(easy);
    }
}

/* ---- transfers -------------------------------------------------------- */

void http_xfer_track(struct http_multi *M, struct http_xfer *x)
{
    x->M = M;
    x->prev = NULL;
    x->next = M->xfers;
    if (M->xfers)
        M->xfers->prev = x;
    M->xfers = x;
}

void http_xfer_untrack(struct http_xfer *x)
{
    struct http_multi *M = x->M;
    if (!M)
        return;
    http_xfer_stop(x);
    if (x->prev)
        x->prev->next = x->next;
    else
        M->xfers = x->next;
    if (x->next)
        x->next->prev = x->prev;
    x->prev = x->next = NULL;
    x->M = NULL;
}

/* Adds the tick's new transfers together, and starts them with one pass:
 * their requests leave in one burst. */
static int add_pending(ed_id id, void *data)
{
    (void)id;
    struct http_multi *M = data;
    M->adder = 0;
    struct http_xfer *x = M->to_add;
    M->to_add = NULL;
    M->to_add_tail = &M->to_add;
    for (struct http_xfer *next; x; x = next) {
        next = x->next_add;
        x->next_add = NULL;
        x->queued = false;
        CURLMcode rc = curl_multi_add_handle(M->multi, x->easy);
        if (rc == CURLM_OK) {
            x->added = true;
        } else {
            x->done = true;
            x->write_error = rc == CURLM_OUT_OF_MEMORY ? -ENOMEM : -EIO;
            if (--M->in_flight == 0) /* http_xfer_stop will not count it */
                set_referenced(M, false);
            http_xfer_wake(x);
        }
    }
    drive(M, CURL_SOCKET_TIMEOUT, 0);
    return 0;
}

int http_xfer_start(struct http_xfer *x)
{
    struct http_multi *M = x->M;
    x->done = false;
    x->result = CURLE_OK;
    x->write_error = 0;
    x->errbuf[0] = '\0';
    curl_easy_setopt(x->easy, CURLOPT_PRIVATE, (char *)x);
    curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->errbuf);
    if (!M->adder && !(M->adder = ed_defer(add_pending, M)))
        return -ENOMEM;
    x->queued = true;
    x->next_add = NULL;
    *M->to_add_tail = x;
    M->to_add_tail = &x->next_add;
    if (M->in_flight++ == 0)
        set_referenced(M, true);
    return 0;
}

void http_xfer_stop(struct http_xfer *x)
{
    struct http_multi *M = x->M;
    if (!M || (!x->added && !x->queued))
        return;
    if (x->queued) { /* stopped before it was added */
        struct http_xfer **p = &M->to_add;
        while (*p != x)
            p = &(*p)->next_add;
        *p = x->next_add;
        if (!*p)
            M->to_add_tail = p;
        x->queued = false;
    } else {
        curl_multi_remove_handle(M->multi, x->easy);
        x->added = false;
    }
    if (--M->in_flight == 0)
        set_referenced(M, false);
}
