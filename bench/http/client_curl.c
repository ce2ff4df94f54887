/*
 * The plain libcurl peer of bench/http_bench.c: the same GETs as
 * client_eddy.c, from one multi handle (command line and result line:
 * client.h).
 *
 * K easy handles are made once and reused: when one finishes, its status
 * (CURLINFO_RESPONSE_CODE) and body length are checked, it is removed from
 * the multi handle and added again for the next GET, so K transfers stay in
 * flight until N are done. Bodies are not kept: the write callback only
 * counts their bytes. Reused handles and reused connections (one multi
 * handle, hence one connection cache) are what a libcurl program written
 * for speed does; allocation per GET is left to the contender.
 *
 * Two loops, both the plain ones libcurl documents:
 *
 *   --mode poll  (the default; the peer of the issue) curl_multi_perform,
 *                then curl_multi_poll until something happens. It is the
 *                loop of libcurl's own examples and of most programs that
 *                drive a multi handle themselves: no callbacks, no event
 *                library, libcurl waits on its own fds. It is also the
 *                faster of the two here (libcurl 7.88, 100 transfers): each
 *                curl_multi_perform restarts every handle re-added since
 *                the last one, so requests leave in bursts, and no epoll_ctl
 *                is made per transfer. Being the fastest plain program is
 *                what makes it the fair peer: the target asks what eddy
 *                costs over libcurl used well without it.
 *   --mode epoll curl_multi_socket_action driven by an epoll set and a
 *                timer, through CURLMOPT_SOCKETFUNCTION and
 *                CURLMOPT_TIMERFUNCTION (libcurl's "event-driven" API, as
 *                in its hiperfifo/ephiperfifo examples). It is the API an
 *                event loop such as eddy's drives, so it is the peer that
 *                isolates what eddy adds on top of libcurl; http_bench runs
 *                both and reports eddy against each.
 */
#include "client.h"

#include <curl/curl.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

static const char prog[] = "client_curl";

static void die(const char *fmt, const char *detail)
{
    fprintf(stderr, "%s: ", prog);
    fprintf(stderr, fmt, detail);
    fputc('\n', stderr);
    exit(1);
}

#define CHECK_CODE(call)                                                       \
    do {                                                                       \
        CURLcode rc_ = (call);                                                 \
        if (rc_ != CURLE_OK)                                                   \
            die(#call ": %s", curl_easy_strerror(rc_));                        \
    } while (0)

#define CHECK_MCODE(call)                                                      \
    do {                                                                       \
        CURLMcode rc_ = (call);                                                \
        if (rc_ != CURLM_OK)                                                   \
            die(#call ": %s", curl_multi_strerror(rc_));                       \
    } while (0)

typedef struct slot {
    CURL *easy;
    size_t got; /* body bytes of the transfer in flight */
} slot;

typedef struct run {
    const client_options *o;
    CURLM *multi;
    slot *slots;
    size_t target;  /* GETs to make in this pass */
    size_t started; /* GETs added */
    size_t done;    /* GETs finished and checked */
    uint64_t bytes;
    /* --mode epoll */
    int ep;
    long timeout_ms;  /* libcurl's timer: -1 none */
    double deadline;  /* when it expires (client_now) */
} run;

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
    (void)data;
    ((slot *)user)->got += size * n;
    return size * n;
}

static void start(run *r, slot *s)
{
    s->got = 0;
    CHECK_MCODE(curl_multi_add_handle(r->multi, s->easy));
    r->started++;
}

/* Checks every finished transfer and puts its handle back to work. */
static void harvest(run *r)
{
    CURLMsg *m;
    int left;
    while ((m = curl_multi_info_read(r->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        CURL *easy = m->easy_handle;
        CURLcode res = m->data.result;
        slot *s;
        char *url;
        long status = 0;
        CHECK_CODE(curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&s));
        CHECK_CODE(curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url));
        if (res != CURLE_OK)
            die("GET failed: %s", curl_easy_strerror(res));
        CHECK_CODE(curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status));
        if (status != 200) {
            fprintf(stderr, "%s: GET %s: status %ld\n", prog, url, status);
            exit(1);
        }
        if (r->o->length >= 0 && s->got != (size_t)r->o->length) {
            fprintf(stderr, "%s: GET %s: %zu body bytes, not %ld\n", prog, url, s->got,
                    r->o->length);
            exit(1);
        }
        r->bytes += s->got;
        r->done++;
        CHECK_MCODE(curl_multi_remove_handle(r->multi, easy));
        if (r->started < r->target)
            start(r, s);
    }
}

/* --mode poll: perform, then wait in libcurl's own poll. */
static void loop_poll(run *r)
{
    while (r->done < r->target) {
        int running;
        CHECK_MCODE(curl_multi_perform(r->multi, &running));
        harvest(r);
        if (r->done < r->target)
            CHECK_MCODE(curl_multi_poll(r->multi, NULL, 0, 1000, NULL));
    }
}

/* --mode epoll: libcurl tells which fds to watch and when its timer is due. */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *user, void *socketp)
{
    (void)easy;
    run *r = user;
    struct epoll_event ev = {0};
    ev.data.fd = fd;
    if (what == CURL_POLL_REMOVE) {
        epoll_ctl(r->ep, EPOLL_CTL_DEL, fd, NULL); /* libcurl may have closed it */
        curl_multi_assign(r->multi, fd, NULL);
        return 0;
    }
    ev.events = (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
    if (epoll_ctl(r->ep, socketp ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev) != 0)
        die("epoll_ctl: %s", strerror(errno));
    if (!socketp)
        curl_multi_assign(r->multi, fd, r); /* any non-NULL: "in the set" */
    return 0;
}

static int on_timer(CURLM *multi, long timeout_ms, void *user)
{
    (void)multi;
    run *r = user;
    r->timeout_ms = timeout_ms;
    if (timeout_ms >= 0)
        r->deadline = client_now() + (double)timeout_ms / 1000;
    return 0;
}

static void loop_epoll(run *r)
{
    int running;
    struct epoll_event ev[256];
    while (r->done < r->target) {
        int wait_ms = 1000;
        if (r->timeout_ms >= 0) {
            double left = r->deadline - client_now();
            wait_ms = left <= 0 ? 0 : (int)(left * 1000) + 1;
            if (wait_ms > 1000)
                wait_ms = 1000;
        }
        int n = epoll_wait(r->ep, ev, 256, wait_ms);
        if (n < 0 && errno != EINTR)
            die("epoll_wait: %s", strerror(errno));
        for (int i = 0; i < n; i++) {
            int flags = (ev[i].events & EPOLLIN ? CURL_CSELECT_IN : 0) |
                        (ev[i].events & EPOLLOUT ? CURL_CSELECT_OUT : 0) |
                        (ev[i].events & (EPOLLERR | EPOLLHUP) ? CURL_CSELECT_ERR : 0);
            CHECK_MCODE(curl_multi_socket_action(r->multi, ev[i].data.fd, flags, &running));
        }
        if (r->timeout_ms >= 0 && client_now() >= r->deadline) {
            r->timeout_ms = -1;
            CHECK_MCODE(curl_multi_socket_action(r->multi, CURL_SOCKET_TIMEOUT, 0, &running));
        }
        harvest(r);
    }
}

/* Makes n GETs with the handles in flight (r: the run), and waits for all
 * of them. */
static uint64_t get_n(void *arg, size_t n)
{
    run *r = arg;
    r->target = n;
    r->started = r->done = 0;
    r->bytes = 0;
    size_t k = r->o->inflight < n ? r->o->inflight : n;
    for (size_t i = 0; i < k; i++)
        start(r, &r->slots[i]);
    if (!strcmp(r->o->mode, "epoll"))
        loop_epoll(r);
    else
        loop_poll(r);
    return r->bytes;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--version")) {
        printf("%s\n", curl_version());
        return 0;
    }
    client_options o = client_parse(prog, argc, argv, true);
    if (strcmp(o.mode, "poll") && strcmp(o.mode, "epoll"))
        client_usage(prog, true);
    CHECK_CODE(curl_global_init(CURL_GLOBAL_DEFAULT));

    run r;
    memset(&r, 0, sizeof r);
    r.o = &o;
    r.timeout_ms = -1;
    r.multi = curl_multi_init();
    if (!r.multi)
        die("%s", "curl_multi_init failed");
    if (!strcmp(o.mode, "epoll")) {
        r.ep = epoll_create1(EPOLL_CLOEXEC);
        if (r.ep < 0)
            die("epoll_create1: %s", strerror(errno));
        CHECK_MCODE(curl_multi_setopt(r.multi, CURLMOPT_SOCKETFUNCTION, on_socket));
        CHECK_MCODE(curl_multi_setopt(r.multi, CURLMOPT_SOCKETDATA, &r));
        CHECK_MCODE(curl_multi_setopt(r.multi, CURLMOPT_TIMERFUNCTION, on_timer));
        CHECK_MCODE(curl_multi_setopt(r.multi, CURLMOPT_TIMERDATA, &r));
    }
    r.slots = calloc(o.inflight, sizeof *r.slots);
    if (!r.slots)
        die("%s", "out of memory");
    for (size_t i = 0; i < o.inflight; i++) {
        slot *s = &r.slots[i];
        s->easy = curl_easy_init();
        if (!s->easy)
            die("%s", "curl_easy_init failed");
        CHECK_CODE(curl_easy_setopt(s->easy, CURLOPT_URL, o.url));
        CHECK_CODE(curl_easy_setopt(s->easy, CURLOPT_WRITEFUNCTION, on_body));
        CHECK_CODE(curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, s));
        CHECK_CODE(curl_easy_setopt(s->easy, CURLOPT_PRIVATE, s));
        CHECK_CODE(curl_easy_setopt(s->easy, CURLOPT_NOSIGNAL, 1L));
    }

    client_run(!strcmp(o.mode, "epoll") ? "curl-epoll" : "curl", &o, get_n, &r);

    for (size_t i = 0; i < o.inflight; i++)
        curl_easy_cleanup(r.slots[i].easy);
    curl_multi_cleanup(r.multi);
    if (r.ep > 0)
        close(r.ep);
    free(r.slots);
    curl_global_cleanup();
    return 0;
}
