/* Sockets: TCP over IPv4 and IPv6, Unix domain sockets, listening options,
 * accept under fd exhaustion, happy-eyeballs fallback, timeouts,
 * cancellation, and no fd or watcher left behind. */
#include "support.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>

static int fds_at_start;

static void fds_setup(void)
{
    fds_at_start = open_fd_count();
}

/* Every test ends with no referenced watcher and no fd watcher of its own
 * (the pool's idle completion watcher may remain, unreferenced), and, once
 * the loop is freed, with the fds it started with. */
static void assert_clean(void)
{
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_int_eq(info.referenced, 0);
    /* At most the thread pool's completion port, if a name was looked up. */
    ck_assert_int_le(info.enabled[ED_WATCHER_READABLE] + info.disabled[ED_WATCHER_READABLE], 1);
    ck_assert_int_eq(info.enabled[ED_WATCHER_WRITABLE] + info.disabled[ED_WATCHER_WRITABLE], 0);
    ED_TEST_END();
    ck_assert_int_eq(open_fd_count(), fds_at_start);
}

static char port_buf[16];

static const char *port_of(int fd)
{
    int port = ed_socket_port(fd);
    ck_assert_int_gt(port, 0);
    snprintf(port_buf, sizeof port_buf, "%d", port);
    return port_buf;
}

static bool have_ipv6(void)
{
    int fd = socket(AF_INET6, SOCK_STREAM, 0);
    if (fd < 0)
        return false;
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_loopback;
    bool ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* ---- echo: a server task per connection, many clients at once ------------ */

#define MSG 64
#define ROUNDS 4

typedef struct server {
    int lfd;
    int expect; /* connections to serve */
    int served;
    int conn_errors;
} server;

static int serve_conn(void *arg, void **result)
{
    int fd = (int)(intptr_t)arg;
    (void)result;
    char buf[MSG];
    for (;;) {
        ssize_t n = ed_read(fd, buf, sizeof buf, 30);
        if (n <= 0) {
            close(fd);
            return n == 0 ? 0 : (int)n;
        }
        ssize_t w = ed_write(fd, buf, (size_t)n, 30);
        if (w != n) {
            close(fd);
            return w < 0 ? (int)w : -EIO;
        }
    }
}

static int serve(void *arg, void **result)
{
    server *s = arg;
    (void)result;
    ed_future **conns = calloc((size_t)s->expect, sizeof *conns);
    CHECK(conns != NULL);
    for (int i = 0; i < s->expect; i++) {
        int fd = ed_accept(s->lfd, 30);
        CHECK(fd >= 0);
        conns[i] = ed_async(serve_conn, (void *)(intptr_t)fd);
        CHECK(conns[i] != NULL);
    }
    for (int i = 0; i < s->expect; i++) {
        if (ed_await(conns[i], NULL) == 0)
            s->served++;
        else
            s->conn_errors++;
        ed_future_release(conns[i]);
    }
    free(conns);
    return 0;
}

typedef struct client_set {
    const char *host, *port, *path; /* path: Unix */
    int ok;
} client_set;

static int client(void *arg, void **result)
{
    client_set *c = arg;
    (void)result;
    int fd = c->path ? ed_unix_connect(c->path, 30) : ed_tcp_connect(c->host, c->port, 30);
    CHECK(fd >= 0);
    char out[MSG], in[MSG];
    for (int r = 0; r < ROUNDS; r++) {
        memset(out, 'a' + r, sizeof out);
        snprintf(out, sizeof out, "%p/%d", (void *)&fd, r);
        CHECK(ed_write(fd, out, sizeof out, 30) == MSG);
        size_t got = 0;
        while (got < MSG) {
            ssize_t n = ed_read(fd, in + got, MSG - got, 30);
            CHECK(n > 0);
            got += (size_t)n;
        }
        CHECK(memcmp(in, out, MSG) == 0);
    }
    close(fd);
    c->ok++;
    return 0;
}

static void raise_fd_limit(int need)
{
    struct rlimit rl;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur < (rlim_t)need && rl.rlim_max >= (rlim_t)need) {
        rl.rlim_cur = (rlim_t)need;
        ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    }
}

/* n clients at once against one server; returns how many fds it could use. */
static void echo_run(int lfd, const char *host, const char *path, int n)
{
    server s = {lfd, n, 0, 0};
    client_set c = {host, path ? NULL : port_of(lfd), path, 0};
    ed_future *srv = ed_async(serve, &s);
    ck_assert_ptr_ne(srv, NULL);
    ed_future **cl = calloc((size_t)n, sizeof *cl);
    ck_assert_ptr_ne(cl, NULL);
    for (int i = 0; i < n; i++)
        ck_assert_ptr_ne(cl[i] = ed_async(client, &c), NULL);
    ck_assert_int_eq(ed_await(srv, NULL), 0);
    for (int i = 0; i < n; i++) {
        ck_assert_int_eq(ed_await(cl[i], NULL), 0);
        ed_future_release(cl[i]);
    }
    ed_future_release(srv);
    free(cl);
    ck_assert_int_eq(c.ok, n);
    ck_assert_int_eq(s.served, n);
    ck_assert_int_eq(s.conn_errors, 0);
}

#define CONNS 1000

/* CONNS at once (two tasks and two fds each), unless the hard fd limit
 * forbids it. */
static int conns(void)
{
    raise_fd_limit(2 * CONNS + 64);
    struct rlimit rl;
    getrlimit(RLIMIT_NOFILE, &rl);
    int room = ((int)rl.rlim_cur - open_fd_count() - 16) / 2;
    int n = ED_TEST_TASKS(2 * CONNS) / 2;
    if (room < n) {
        fprintf(stderr, "test_net: the fd limit allows %d connections at once, not %d\n", room,
                n);
        n = room;
    }
    return n;
}

START_TEST(test_echo_tcp4)
{
    int n = conns();
    int lfd = ed_tcp_listen("127.0.0.1", "0", 0);
    ck_assert_int_ge(lfd, 0);
    echo_run(lfd, "127.0.0.1", NULL, n);
    close(lfd);
    assert_clean();
}
END_TEST

START_TEST(test_echo_tcp6)
{
    if (!have_ipv6())
        return; /* no IPv6 loopback on this machine */
    int n = conns();
    int lfd = ed_tcp_listen("::1", "0", 0);
    ck_assert_int_ge(lfd, 0);
    echo_run(lfd, "::1", NULL, n);
    close(lfd);
    assert_clean();
}
END_TEST

START_TEST(test_echo_unix)
{
    int n = conns();
    char path[64];
    snprintf(path, sizeof path, "/tmp/eddy-net-%d.sock", (int)getpid());
    int lfd = ed_unix_listen(path, 0);
    ck_assert_int_ge(lfd, 0);
    echo_run(lfd, NULL, path, n);
    close(lfd);
    unlink(path);
    assert_clean();
}
END_TEST

START_TEST(test_wildcard_listen_takes_ipv4)
{
    int lfd = ed_tcp_listen(NULL, "0", 16);
    ck_assert_int_ge(lfd, 0);
    echo_run(lfd, "127.0.0.1", NULL, 3);
    if (have_ipv6())
        echo_run(lfd, "::1", NULL, 3); /* dual-stack */
    close(lfd);
    assert_clean();
}
END_TEST

/* "localhost" resolves (on the pool) to ::1 and 127.0.0.1; with only the
 * IPv4 one listening, a refused IPv6 attempt moves on to IPv4 at once. */
START_TEST(test_connect_by_name_falls_back)
{
    int lfd = ed_tcp_listen("127.0.0.1", "0", 16);
    ck_assert_int_ge(lfd, 0);
    echo_run(lfd, "localhost", NULL, 2);
    close(lfd);
    assert_clean();
}
END_TEST

START_TEST(test_sockets_are_nonblocking_cloexec_nodelay)
{
    int lfd = ed_tcp_listen("127.0.0.1", "0", 16);
    ck_assert_int_ge(lfd, 0);
    int c = ed_tcp_connect("127.0.0.1", port_of(lfd), 5);
    ck_assert_int_ge(c, 0);
    int a = ed_accept(lfd, 5);
    ck_assert_int_ge(a, 0);
    int fds[3] = {lfd, c, a};
    for (int i = 0; i < 3; i++) {
        ck_assert(fcntl(fds[i], F_GETFL) & O_NONBLOCK);
        ck_assert(fcntl(fds[i], F_GETFD) & FD_CLOEXEC);
        int v = 0;
        socklen_t len = sizeof v;
        ck_assert_int_eq(getsockopt(fds[i], IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
        ck_assert_int_ne(v, 0);
    }
    close(a);
    close(c);
    close(lfd);
    assert_clean();
}
END_TEST

/* ---- errors --------------------------------------------------------------- */

START_TEST(test_connect_refused)
{
    int lfd = ed_tcp_listen("127.0.0.1", "0", 16);
    ck_assert_int_ge(lfd, 0);
    char port[16];
    snprintf(port, sizeof port, "%s", port_of(lfd));
    close(lfd); /* nobody listens there now */
    ck_assert_int_eq(ed_tcp_connect("127.0.0.1", port, 5), -ECONNREFUSED);
    char path[64];
    snprintf(path, sizeof path, "/tmp/eddy-net-none-%d.sock", (int)getpid());
    ck_assert_int_eq(ed_unix_connect(path, 5), -ENOENT);
    assert_clean();
}
END_TEST

START_TEST(test_bad_arguments)
{
    ck_assert_int_eq(ed_tcp_connect(NULL, "80", 1), -EINVAL);
    ck_assert_int_eq(ed_tcp_connect("127.0.0.1", NULL, 1), -EINVAL);
    ck_assert_int_eq(ed_tcp_connect("", "80", 1), -EINVAL);
    ck_assert_int_eq(ed_tcp_connect("127.0.0.1", "80", 0.0 / 0.0), -EINVAL);
    ck_assert_int_eq(ed_tcp_listen("127.0.0.1", NULL, 1), -EINVAL);
    ck_assert_int_eq(ed_tcp_listen("127.0.0.1", "no-such-service-x", 1), -ENOENT);
    char longpath[200];
    memset(longpath, 'x', sizeof longpath - 1);
    longpath[sizeof longpath - 1] = '\0';
    ck_assert_int_eq(ed_unix_listen(longpath, 1), -EINVAL);
    ck_assert_int_eq(ed_unix_listen(NULL, 1), -EINVAL);
    ck_assert_int_eq(ed_unix_connect(longpath, 1), -EINVAL);
    ck_assert_int_eq(ed_unix_connect("", 1), -EINVAL);
    ck_assert_int_eq(ed_accept(-1, 1), -EBADF);
    ck_assert_int_eq(ed_socket_port(-1), -EBADF);
    int sv[2];
    make_socketpair(sv);
    ck_assert_int_eq(ed_socket_port(sv[0]), -EAFNOSUPPORT);
    fcntl(sv[0], F_SETFL, O_NONBLOCK);
    ck_assert_int_eq(ed_accept(sv[0], 1), -EINVAL); /* not listening */
    close_pair(sv);
    assert_clean();
}
END_TEST

START_TEST(test_unknown_host)
{
    int rc = ed_tcp_connect("no-such-host.invalid", "80", 10);
    ck_assert_msg(rc == -ENOENT || rc == -EAGAIN, "rc %d", rc);
    assert_clean();
}
END_TEST

START_TEST(test_listen_in_use)
{
    int a = ed_tcp_listen("127.0.0.1", "0", 16);
    ck_assert_int_ge(a, 0);
    char port[16];
    snprintf(port, sizeof port, "%s", port_of(a));
    ck_assert_int_eq(ed_tcp_listen("127.0.0.1", port, 16), -EADDRINUSE);
    close(a);

    ed_listen_options o = {16, true, false};
    a = ed_tcp_listen_with("127.0.0.1", "0", &o);
    ck_assert_int_ge(a, 0);
    snprintf(port, sizeof port, "%s", port_of(a));
    int b = ed_tcp_listen_with("127.0.0.1", port, &o); /* SO_REUSEPORT: shared */
    ck_assert_int_ge(b, 0);
    close(b);
    close(a);
    assert_clean();
}
END_TEST

START_TEST(test_unix_listen_stale_live_and_other_files)
{
    char path[64];
    snprintf(path, sizeof path, "/tmp/eddy-net-stale-%d.sock", (int)getpid());
    int a = ed_unix_listen(path, 4);
    ck_assert_int_ge(a, 0);
    ck_assert_int_eq(ed_unix_listen(path, 4), -EADDRINUSE); /* live */
    close(a); /* the file stays: stale now */
    a = ed_unix_listen(path, 4);
    ck_assert_int_ge(a, 0);
    close(a);
    unlink(path);
    FILE *f = fopen(path, "w"); /* not a socket: never removed */
    ck_assert_ptr_ne(f, NULL);
    fclose(f);
    ck_assert_int_eq(ed_unix_listen(path, 4), -EADDRINUSE);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    unlink(path);
    assert_clean();
}
END_TEST

/* ---- timeouts and cancellation -------------------------------------------- */

START_TEST(test_accept_timeout)
{
    int lfd = ed_tcp_listen("127.0.0.1", "0", 16);
    ck_assert_int_ge(lfd, 0);
    ck_assert_int_eq(ed_accept(lfd, 0), -ETIMEDOUT);
    ck_assert_int_eq(ed_accept(lfd, 0.05), -ETIMEDOUT);
    close(lfd);
    assert_clean();
}
END_TEST

START_TEST(test_connect_timeout)
{
    int held[8], n = 8;
    int lfd = full_listener(held, n);
    int rc = ed_tcp_connect("127.0.0.1", port_of(lfd), 0.3);
    ck_assert_int_eq(rc, -ETIMEDOUT);
    for (int i = 0; i < n; i++)
        close(held[i]);
    close(lfd);
    assert_clean();
}
END_TEST

typedef struct blocked {
    int lfd;
    const char *port;
    int rc;
} blocked;

static int accept_forever(void *arg, void **result)
{
    blocked *b = arg;
    (void)result;
    b->rc = ed_accept(b->lfd, -1);
    return 0;
}

static int connect_forever(void *arg, void **result)
{
    blocked *b = arg;
    (void)result;
    b->rc = ed_tcp_connect("127.0.0.1", b->port, -1);
    return 0;
}

static int cancel_later(ed_id id, void *data)
{
    (void)id;
    ck_assert_int_eq(ed_cancel_future(data), 0);
    return 0;
}

START_TEST(test_cancel_accept_and_connect)
{
    int held[8], n = 8;
    int lfd = full_listener(held, n);
    char port[16];
    snprintf(port, sizeof port, "%s", port_of(lfd));
    int idle = ed_tcp_listen("127.0.0.1", "0", 16);
    ck_assert_int_ge(idle, 0);

    blocked acc = {idle, NULL, 1}, con = {-1, port, 1};
    ed_future *fa = ed_async(accept_forever, &acc);
    ed_future *fc = ed_async(connect_forever, &con);
    ck_assert(!ed_future_done(fa));
    ck_assert(!ed_future_done(fc));
    ck_assert(ed_delay(0.05, cancel_later, fa) != 0);
    ck_assert(ed_delay(0.05, cancel_later, fc) != 0);
    ck_assert_int_eq(ed_await(fa, NULL), 0);
    ck_assert_int_eq(ed_await(fc, NULL), 0);
    ck_assert_int_eq(acc.rc, -ECANCELED);
    ck_assert_int_eq(con.rc, -ECANCELED);
    ed_future_release(fa);
    ed_future_release(fc);
    for (int i = 0; i < n; i++)
        close(held[i]);
    close(lfd);
    close(idle);
    assert_clean();
}
END_TEST

static int refused_in_callback;

static int callback_tries(ed_id id, void *data)
{
    (void)id;
    int lfd = (int)(intptr_t)data;
    refused_in_callback = ed_accept(lfd, 0) == -EPERM &&
                          ed_tcp_connect("127.0.0.1", "1", 1) == -EPERM &&
                          ed_unix_connect("/nonexistent", 1) == -EPERM;
    return 0;
}

START_TEST(test_raw_callback_refused)
{
    int lfd = ed_tcp_listen("127.0.0.1", "0", 16);
    ck_assert_int_ge(lfd, 0);
    ck_assert(ed_defer(callback_tries, (void *)(intptr_t)lfd) != 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert(refused_in_callback);
    close(lfd);
    assert_clean();
}
END_TEST

/* ---- accept when out of fds ------------------------------------------------ */

typedef struct freer {
    int fd;
} freer;

static int free_one_fd(ed_id id, void *data)
{
    (void)id;
    freer *f = data;
    close(f->fd);
    f->fd = -1;
    return 0;
}

START_TEST(test_accept_emfile_waits_without_spinning)
{
    int lfd = ed_tcp_listen("127.0.0.1", "0", 16);
    ck_assert_int_ge(lfd, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)ed_socket_port(lfd));
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int c = socket(AF_INET, SOCK_STREAM, 0);
    ck_assert_int_ge(c, 0);
    ck_assert_int_eq(connect(c, (struct sockaddr *)&a, sizeof a), 0); /* queued */

    /* The loop (and its epoll fd) must exist before the fds run out. */
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    /* Use up every fd the limit allows. */
    struct rlimit old, rl;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &old), 0);
    rl = old;
    rl.rlim_cur = (rlim_t)open_fd_count() + 8;
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
    int spare[32], ns = 0;
    while (ns < 32 && (spare[ns] = dup(0)) >= 0)
        ns++;
    ck_assert_int_lt(ns, 32);
    ck_assert_int_eq(errno, EMFILE);

    double cpu0 = cpu_seconds();
    ck_assert_int_eq(ed_accept(lfd, 0.5), -EMFILE);
    double cpu = cpu_seconds() - cpu0;
    /* Half a second of waiting is a handful of retries, not a spin. */
    ck_assert_msg(cpu < 0.25, "accept used %.3f s of CPU while out of fds", cpu);

    /* An fd freed later lets the waiting accept through: the listener and
     * the queued connection are still there. */
    freer f = {spare[--ns]};
    ck_assert(ed_delay(0.05, free_one_fd, &f) != 0);
    int fd = ed_accept(lfd, 10);
    ck_assert_int_ge(fd, 0);
    close(fd);
    while (ns > 0)
        close(spare[--ns]);
    ck_assert_int_eq(setrlimit(RLIMIT_NOFILE, &old), 0);
    close(c);
    close(lfd);
    assert_clean();
}
END_TEST

/* ---- suite ------------------------------------------------------------------ */

static Suite *net_suite(void)
{
    Suite *s = suite_create("net");
    TCase *tc = tcase_create("net");
    tcase_set_timeout(tc, 120);
    tcase_add_checked_fixture(tc, fds_setup, NULL);
    tcase_add_test(tc, test_echo_tcp4);
    tcase_add_test(tc, test_echo_tcp6);
    tcase_add_test(tc, test_echo_unix);
    tcase_add_test(tc, test_wildcard_listen_takes_ipv4);
    tcase_add_test(tc, test_connect_by_name_falls_back);
    tcase_add_test(tc, test_sockets_are_nonblocking_cloexec_nodelay);
    tcase_add_test(tc, test_connect_refused);
    tcase_add_test(tc, test_bad_arguments);
    tcase_add_test(tc, test_unknown_host);
    tcase_add_test(tc, test_listen_in_use);
    tcase_add_test(tc, test_unix_listen_stale_live_and_other_files);
    tcase_add_test(tc, test_accept_timeout);
    tcase_add_test(tc, test_connect_timeout);
    tcase_add_test(tc, test_cancel_accept_and_connect);
    tcase_add_test(tc, test_raw_callback_refused);
    tcase_add_test(tc, test_accept_emfile_waits_without_spinning);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(net_suite)
