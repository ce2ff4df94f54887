/* The HTTP client (eddy_http): requests against in-process servers written
 * with eddy (http_support.h) on the same loop: responses and headers,
 * every method, keep-alive, 200 requests at once, redirects, timeouts,
 * cancellation, refused and cut connections, cookies, body limits, whole
 * contents of URLs and files, where the calls may be made from, bad input,
 * and no watcher, fd or byte left behind. Proxies: test_http_proxy.c;
 * downloads: test_http_download.c; TLS, HTTP/2, DoH: test_http_tls.c. */
#include <netinet/in.h>
#include <sys/stat.h>

#include "http_fixture.h"

static ed_http_response *request_ok(const char *method, const char *url,
                                    const char *const *headers, const void *body, size_t len,
                                    const ed_http_options *opt)
{
    ed_http_response *r = NULL;
    int rc = ed_http_request(method, url, headers, body, len, opt, &r);
    ck_assert_msg(rc == 0, "%s %s: %s (%s)", method ? method : "(default)", url, ed_strerror(rc),
                  ed_http_last_error());
    ck_assert_ptr_ne(r, NULL);
    ck_assert_ptr_ne(r->body, NULL);
    return r;
}

static bool body_is(const ed_http_response *r, const char *text)
{
    return r->body_len == strlen(text) && memcmp(r->body, text, r->body_len) == 0;
}

/* ---- responses ---------------------------------------------------------------- */

START_TEST(test_get_basic)
{
    ck_assert_str_eq(ed_http_last_error(), ""); /* nothing failed yet */
    start();
    const char *url = hs_url(&srv, "/bytes/1000");
    ed_http_response *r = get_ok(url, NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_int_eq(r->http_version, 11);
    ck_assert_uint_eq(r->body_len, 1000);
    ck_assert(hs_check(r->body, 0, 1000));
    ck_assert_int_eq(r->body[1000], '\0');
    ck_assert_str_eq(r->effective_url, url);
    ck_assert_uint_eq(r->headers_len, strlen(r->headers));
    ck_assert_msg(strncmp(r->headers, "HTTP/1.1 200", 12) == 0, "headers: %s", r->headers);
    ck_assert_str_eq(header(r, "Content-Length"), "1000");
    ck_assert_str_eq(header(r, "content-length"), "1000");
    ck_assert_str_eq(header(r, "SERVER"), "eddy-test");
    ck_assert_ptr_eq(ed_http_header(r, "X-Nowhere", NULL), NULL);
    size_t len;
    const char *v = ed_http_header(r, "Content-Type", NULL); /* len may be NULL */
    ck_assert_ptr_ne(v, NULL);
    ck_assert(ed_http_header(r, "Content-Type", &len) == v);
    ck_assert_int_eq(strncmp(v, "application/octet-stream", len), 0);
    ed_http_response_free(r);

    /* Any status is a successful call. */
    r = get_ok(hs_url(&srv, "/status/404"), NULL);
    ck_assert_int_eq(r->status, 404);
    ck_assert(body_is(r, "status 404"));
    ed_http_response_free(r);
    ck_assert_int_eq(get_status(hs_url(&srv, "/status/500"), NULL), 500);
    ck_assert_int_eq(get_status(hs_url(&srv, "/nowhere"), NULL), 404);

    /* An empty body is "" and a chunked one comes whole, de-chunked. */
    r = get_ok(hs_url(&srv, "/bytes/0"), NULL);
    ck_assert_uint_eq(r->body_len, 0);
    ck_assert_str_eq(r->body, "");
    ed_http_response_free(r);
    r = get_ok(hs_url(&srv, "/chunked/300000"), NULL);
    ck_assert_uint_eq(r->body_len, 300000);
    ck_assert(hs_check(r->body, 0, 300000));
    ck_assert_ptr_eq(ed_http_header(r, "Content-Length", NULL), NULL);
    ed_http_response_free(r);
    ed_http_response_free(NULL);

    ck_assert_str_eq(ed_http_last_error(), "");
    stop();
}
END_TEST

START_TEST(test_header_lookup)
{
    start();
    ed_http_response *r = get_ok(hs_url(&srv, "/hdr"), NULL);
    ck_assert_int_eq(r->status, 200);
    /* Trimmed both sides; a longer name with the same start is another
     * header; a name inside a value is no header. */
    size_t len = 99;
    const char *v = ed_http_header(r, "x-spaces", &len);
    ck_assert_ptr_ne(v, NULL);
    ck_assert_uint_eq(len, strlen("padded value"));
    ck_assert_int_eq(memcmp(v, "padded value", len), 0);
    ck_assert(v >= r->headers && v < r->headers + r->headers_len); /* points into the block */
    ck_assert_str_eq(header(r, "X-Spacesuit"), "wrong");
    ck_assert_str_eq(header(r, "X-Decoy"), "X-Spaces: decoy");
    ck_assert_str_eq(header(r, "X-MULTI"), "one"); /* the first of two */
    ck_assert_str_eq(header(r, "X-Empty"), "");    /* present, empty */
    ck_assert_str_eq(header(r, "content-type"), "text/plain; charset=utf-8");
    ck_assert_ptr_eq(ed_http_header(r, "X-Spa", NULL), NULL);
    ck_assert_ptr_eq(ed_http_header(r, "Spaces", NULL), NULL);
    ck_assert_ptr_eq(ed_http_header(r, "", NULL), NULL);
    ed_http_response_free(r);
    stop();
}
END_TEST

/* ---- methods, headers, bodies ------------------------------------------------- */

/* The echo's header lines (between the request line and the empty line)
 * contain `line` exactly. */
static bool echo_has_header(const ed_http_response *r, const char *line)
{
    const char *end = strstr(r->body, "\n\n");
    ck_assert_ptr_ne(end, NULL);
    size_t n = strlen(line);
    for (const char *p = strchr(r->body, '\n'); p && p < end; p = strchr(p + 1, '\n'))
        if (strncasecmp(p + 1, line, n) == 0 && p[1 + n] == '\n')
            return true;
    return false;
}

static bool echo_has_header_named(const ed_http_response *r, const char *name)
{
    const char *end = strstr(r->body, "\n\n");
    size_t n = strlen(name);
    for (const char *p = strchr(r->body, '\n'); p && p < end; p = strchr(p + 1, '\n'))
        if (strncasecmp(p + 1, name, n) == 0 && p[1 + n] == ':')
            return true;
    return false;
}

START_TEST(test_request_methods)
{
    start();
    const char *url = hs_url(&srv, "/echo");

    const char *const hdrs[] = {"X-Custom: 42", "Content-Type: text/x-eddy", NULL};
    ed_http_response *r = request_ok("POST", url, hdrs, "hello=world", 11, NULL);
    ck_assert_int_eq(r->status, 200);
    assert_echo(r, "POST", "hello=world", 11);
    ck_assert(echo_has_header(r, "X-Custom: 42"));
    ck_assert(echo_has_header(r, "Content-Type: text/x-eddy"));
    ck_assert(echo_has_header(r, "Content-Length: 11"));
    ed_http_response_free(r);

    /* A binary body is sent as is, NULs included. */
    const char bin[] = {'a', '\0', 'b', '\r', '\n', '\0', 'c'};
    r = request_ok("PUT", url, NULL, bin, sizeof bin, NULL);
    assert_echo(r, "PUT", bin, sizeof bin);
    ed_http_response_free(r);

    r = request_ok("DELETE", url, NULL, NULL, 0, NULL);
    assert_echo(r, "DELETE", "", 0);
    ed_http_response_free(r);

    r = request_ok("PATCH", url, NULL, "p", 1, NULL);
    assert_echo(r, "PATCH", "p", 1);
    ed_http_response_free(r);

    /* No method: GET without a body, POST with one. */
    r = request_ok(NULL, url, NULL, NULL, 0, NULL);
    assert_echo(r, "GET", "", 0);
    ed_http_response_free(r);
    r = request_ok(NULL, url, NULL, "x=1", 3, NULL);
    assert_echo(r, "POST", "x=1", 3);
    ed_http_response_free(r);

    /* POST with an empty body. */
    r = request_ok("POST", url, NULL, NULL, 0, NULL);
    assert_echo(r, "POST", "", 0);
    ed_http_response_free(r);

    /* HEAD: the headers of the GET, no body. */
    r = request_ok("HEAD", hs_url(&srv, "/bytes/1000"), NULL, NULL, 0, NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert_uint_eq(r->body_len, 0);
    ck_assert_str_eq(r->body, "");
    ck_assert_str_eq(header(r, "Content-Length"), "1000");
    ck_assert_str_eq(srv.last_method, "HEAD");
    ed_http_response_free(r);

    /* A GET after the HEAD on the same connection still gets its body. */
    r = get_ok(hs_url(&srv, "/bytes/1000"), NULL);
    ck_assert_uint_eq(r->body_len, 1000);
    ed_http_response_free(r);

    /* A 3 MiB body (libcurl may ask for 100-continue first). */
    size_t big = 3u << 20;
    char *data = malloc(big);
    ck_assert_ptr_ne(data, NULL);
    hs_fill(data, 7, big);
    r = request_ok("POST", url, NULL, data, big, NULL);
    assert_echo(r, "POST", data, big);
    ed_http_response_free(r);
    free(data);
    stop();
}
END_TEST

START_TEST(test_request_headers_replace_and_remove)
{
    start();
    const char *url = hs_url(&srv, "/echo");
    /* The default User-Agent, and libcurl's Accept. */
    ed_http_response *r = get_ok(url, NULL);
    ck_assert(echo_has_header(r, "User-Agent: eddy/" EDDY_VERSION_STRING));
    ck_assert(echo_has_header_named(r, "Accept"));
    ed_http_response_free(r);

    ed_http_options opt = {0};
    opt.user_agent = "mine/1.0";
    r = get_ok(url, &opt);
    ck_assert(echo_has_header(r, "User-Agent: mine/1.0"));
    ed_http_response_free(r);

    /* "Name: value" replaces libcurl's own, "Name:" removes it. */
    const char *const hdrs[] = {"User-Agent: custom-agent", "Accept:", "X-Two: 2", NULL};
    r = request_ok("GET", url, hdrs, NULL, 0, NULL);
    ck_assert(echo_has_header(r, "User-Agent: custom-agent"));
    ck_assert(!echo_has_header(r, "User-Agent: eddy/" EDDY_VERSION_STRING));
    ck_assert(!echo_has_header_named(r, "Accept"));
    ck_assert(echo_has_header(r, "X-Two: 2"));
    ed_http_response_free(r);

    /* The headers of one request do not stick to the next. */
    r = get_ok(url, NULL);
    ck_assert(!echo_has_header_named(r, "X-Two"));
    ck_assert(echo_has_header_named(r, "Accept"));
    ed_http_response_free(r);
    stop();
}
END_TEST

/* ---- connections ------------------------------------------------------------ */

START_TEST(test_keep_alive)
{
    start();
    for (int i = 0; i < 10; i++) {
        ed_http_response *r = get_ok(hs_url(&srv, "/bytes/%d", 100 + i), NULL);
        ck_assert_int_eq(r->status, 200);
        ck_assert_uint_eq(r->body_len, (size_t)(100 + i));
        ck_assert(hs_check(r->body, 0, r->body_len));
        ed_http_response_free(r);
    }
    ck_assert_int_eq(srv.requests, 10);
    ck_assert_int_eq(srv.accepted, 1); /* one connection, reused nine times */
    stop();
}
END_TEST

/* An idle keep-alive connection the server closes: the client does not
 * spin on it (its socket's watcher stays while the connection is cached),
 * does not keep the loop alive, and the next request connects afresh. */
START_TEST(test_idle_connection_closed_by_server)
{
    start();
    ed_http_response *r = get_ok(hs_url(&srv, "/bytes/100"), NULL);
    ed_http_response_free(r);
    hs_stop(&srv); /* closes the cached connection from the server's side */
    double cpu0 = cpu_seconds();
    ck_assert_int_eq(ed_sleep(0.3), 0); /* the loop runs: the EOF arrives */
    ck_assert(cpu_seconds() - cpu0 < 0.15);
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.referenced, 0);
    start();
    r = get_ok(hs_url(&srv, "/bytes/200"), NULL);
    ck_assert_uint_eq(r->body_len, 200);
    ed_http_response_free(r);
    stop();
}
END_TEST

#define MANY 200

/* MANY GETs at once, each with its own URL from fmt (with %d); returns the
 * getters once all are done, and how long they took in *elapsed. */
static getter *run_many(const char *fmt, int base, double *elapsed)
{
    getter *g = calloc(MANY, sizeof *g);
    ck_assert_ptr_ne(g, NULL);
    for (int i = 0; i < MANY; i++) {
        char path[128];
        snprintf(path, sizeof path, fmt, base + i);
        g[i].url = strdup(hs_url(&srv, "%s", path));
        ck_assert_ptr_ne(g[i].url, NULL);
    }
    *elapsed = run_gets(g, MANY);
    return g;
}

static void free_many(getter *g)
{
    free_gets(g, MANY);
    free(g);
}

START_TEST(test_concurrent_gets)
{
    start();
    double elapsed;
    getter *g = run_many("/bytes/%d", 1000, &elapsed);
    for (int i = 0; i < MANY; i++) {
        CHECK(g[i].rc == 0);
        CHECK(g[i].r->status == 200);
        CHECK(g[i].r->body_len == (size_t)(1000 + i));
        CHECK(hs_check(g[i].r->body, 0, g[i].r->body_len));
        CHECK(strcmp(g[i].r->effective_url, g[i].url) == 0);
    }
    ck_assert_int_eq(srv.requests, MANY);
    free_many(g);
    stop();
}
END_TEST

/* Every request waits 0.2 s on the server: one after the other they would
 * take 40 s; at once, about 0.2 s plus the work. A quarter of the serial
 * time is a generous bound for a loaded machine. */
START_TEST(test_concurrency_is_real)
{
    start();
    double elapsed;
    getter *g = run_many("/delay/200?n=%d", 0, &elapsed);
    for (int i = 0; i < MANY; i++) {
        CHECK(g[i].rc == 0);
        CHECK(g[i].r->status == 200);
        CHECK(strcmp(g[i].r->body, "delayed 200") == 0);
    }
    double serial = MANY * 0.2;
    ck_assert_msg(elapsed < serial / 4, "%d requests of 0.2 s took %.2f s (serially: %.0f s)",
                  MANY, elapsed, serial);
    ck_assert_msg(srv.max_in_delay > 1, "the server never had two requests at once");
    free_many(g);
    stop();
}
END_TEST

/* ---- redirects ------------------------------------------------------------------ */

START_TEST(test_redirects)
{
    start();
    /* Followed by default, to the end of the chain. */
    ed_http_response *r = get_ok(hs_url(&srv, "/redirect/5"), NULL);
    ck_assert_int_eq(r->status, 200);
    ck_assert(body_is(r, "done"));
    ck_assert_str_eq(r->effective_url, hs_url(&srv, "/redirect/0"));
    /* The last response's headers only. */
    ck_assert_ptr_eq(ed_http_header(r, "Location", NULL), NULL);
    ck_assert_ptr_eq(strstr(r->headers, "302"), NULL);
    ed_http_response_free(r);
    ck_assert_int_eq(srv.requests, 6);

    /* max_redirects hops are allowed, one more is too many. */
    ed_http_options opt = {0};
    opt.max_redirects = 5;
    ck_assert_int_eq(get_status(hs_url(&srv, "/redirect/5"), &opt), 200);
    opt.max_redirects = 2;
    r = NULL;
    ck_assert_int_eq(ed_http_get(hs_url(&srv, "/redirect/5"), &opt, &r), -ELOOP);
    ck_assert_ptr_eq(r, NULL);
    ck_assert_str_ne(ed_http_last_error(), "");

    /* No redirects: the 302 is the response. */
    opt.max_redirects = ED_HTTP_NO_REDIRECTS;
    r = get_ok(hs_url(&srv, "/redirect/3"), &opt);
    ck_assert_int_eq(r->status, 302);
    ck_assert_str_eq(header(r, "Location"), "/redirect/2");
    ck_assert(body_is(r, "moved"));
    ck_assert_str_eq(r->effective_url, hs_url(&srv, "/redirect/3"));
    ed_http_response_free(r);

    /* A redirect never leaves http(s): no local file is read. */
    r = NULL;
    int rc = ed_http_get(hs_url(&srv, "/goto?url=file:///etc/hostname"), NULL, &r);
    ck_assert_msg(rc < 0, "a redirect to file:// was followed (status %ld)", r ? r->status : 0L);
    stop();
}
END_TEST

/* ---- failures --------------------------------------------------------------- */

START_TEST(test_refused)
{
    int port = hs_refused_port();
    ck_assert_int_gt(port, 0);
    char url[64], hostport[32];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/x", port);
    snprintf(hostport, sizeof hostport, "%d", port);
    ed_http_response *r = NULL;
    ck_assert_int_eq(ed_http_get(url, NULL, &r), -ECONNREFUSED);
    ck_assert_ptr_eq(r, NULL);
    const char *msg = ed_http_last_error();
    ck_assert_str_ne(msg, "");
    assert_contains(msg, hostport); /* names the URL */

    /* In a task, the message is also the task's failure text. */
    getter g = {url, NULL, 0, NULL};
    ed_future *f = ed_async(get_task, &g);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(ed_await(f, NULL), -ECONNREFUSED);
    const char *fm = ed_future_message(f);
    ck_assert_ptr_ne(fm, NULL);
    assert_contains(fm, hostport);
    ed_future_release(f);
    finish();
}
END_TEST

START_TEST(test_timeouts)
{
    start();
    /* The whole transfer: the body trickles for 10 s. */
    ed_http_options opt = {0};
    opt.timeout = 0.3;
    ed_http_response *r = NULL;
    double t0 = mono();
    int rc = ed_http_get(hs_url(&srv, "/slow?parts=100&delay=0.1"), &opt, &r);
    double took = mono() - t0;
    ck_assert_int_eq(rc, -ETIMEDOUT);
    ck_assert_ptr_eq(r, NULL);
    ck_assert_str_ne(ed_http_last_error(), "");
    ck_assert_msg(took >= 0.25 && took < 5, "a 0.3 s timeout took %.2f s", took);
    ck_assert_int_eq(srv.slow_started, 1);

    /* A fast response well within the timeout is not affected. */
    ck_assert_int_eq(get_status(hs_url(&srv, "/bytes/10"), &opt), 200);

    /* The connection alone. */
    int held[8];
    int lfd = full_listener(held, 8);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", ed_socket_port(lfd));
    ed_http_options copt = {0};
    copt.connect_timeout = 0.3;
    t0 = mono();
    ck_assert_int_eq(ed_http_get(url, &copt, &r), -ETIMEDOUT);
    took = mono() - t0;
    ck_assert_msg(took < 10, "a 0.3 s connect timeout took %.2f s", took);
    for (int i = 0; i < 8; i++)
        close(held[i]);
    close(lfd);
    stop();
}
END_TEST

/* A task blocked in a transfer that has started to arrive is cancelled: it
 * returns -ECANCELED at once, and the server sees the connection go. */
START_TEST(test_cancel_mid_transfer)
{
    start();
    getter g = {strdup(hs_url(&srv, "/slow?parts=100&delay=0.1")), NULL, 1, NULL};
    ed_future *f = ed_async(get_task, &g);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(hs_wait(&srv, &srv.slow_started, 1, 30), 0); /* the body is on its way */
    /* It returns at once, and the server's next write or wait finds the
     * connection closed, long before its 10 s response would have ended. */
    cancel_transfer(f, -ECANCELED);
    ck_assert_int_eq(g.rc, -ECANCELED);
    ck_assert_ptr_eq(g.r, NULL);
    ed_future_release(f);

    /* The module is still fine for the next request. */
    ck_assert_int_eq(get_status(hs_url(&srv, "/bytes/5"), NULL), 200);
    free(g.url);
    stop();
}
END_TEST

static int cancelled_first(void *arg, void **result)
{
    getter *g = arg;
    (void)result;
    ed_cancel_future(ed_self());
    g->rc = ed_http_get(g->url, NULL, &g->r);
    return 0;
}

/* A task cancelled before it asks gets -ECANCELED, and nothing is sent. */
START_TEST(test_cancelled_task_sends_nothing)
{
    start();
    getter g = {strdup(hs_url(&srv, "/bytes/10")), NULL, 1, NULL};
    ed_future *f = ed_async(cancelled_first, &g);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(g.rc, -ECANCELED);
    ck_assert_ptr_eq(g.r, NULL);
    ed_future_release(f);
    ed_http_response *r = get_ok(hs_url(&srv, "/bytes/10"), NULL);
    ed_http_response_free(r);
    ck_assert_int_eq(srv.requests, 1); /* only the second one */
    free(g.url);
    stop();
}
END_TEST

START_TEST(test_connection_cut)
{
    start();
    ed_http_response *r = NULL;
    int rc = ed_http_get(hs_url(&srv, "/reset"), NULL, &r);
    ck_assert_msg(rc == -ECONNRESET || rc == -EIO, "/reset: %s", ed_strerror(rc));
    ck_assert_ptr_eq(r, NULL);
    ck_assert_str_ne(ed_http_last_error(), "");
    rc = ed_http_get(hs_url(&srv, "/close"), NULL, &r);
    ck_assert_msg(rc == -EIO || rc == -ECONNRESET, "/close: %s", ed_strerror(rc));
    ck_assert_ptr_eq(r, NULL);
    r = get_ok(hs_url(&srv, "/bytes/10"), NULL); /* still fine */
    ed_http_response_free(r);
    stop();
}
END_TEST

START_TEST(test_max_body)
{
    start();
    ed_http_options opt = {0};
    opt.max_body = 1000;
    ed_http_response *r = NULL;
    /* Announced by Content-Length... */
    ck_assert_int_eq(ed_http_get(hs_url(&srv, "/bytes/100000"), &opt, &r), -EFBIG);
    ck_assert_ptr_eq(r, NULL);
    ck_assert_str_ne(ed_http_last_error(), "");
    /* ... or only found out while it arrives. */
    ck_assert_int_eq(ed_http_get(hs_url(&srv, "/chunked/100000"), &opt, &r), -EFBIG);
    ck_assert_ptr_eq(r, NULL);
    /* Up to the limit is fine. */
    r = get_ok(hs_url(&srv, "/bytes/1000"), &opt);
    ck_assert_uint_eq(r->body_len, 1000);
    ed_http_response_free(r);
    r = get_ok(hs_url(&srv, "/chunked/1000"), &opt);
    ck_assert_uint_eq(r->body_len, 1000);
    ck_assert(hs_check(r->body, 0, 1000));
    ed_http_response_free(r);
    ck_assert_int_eq(ed_http_request("POST", hs_url(&srv, "/echo"), NULL, "x", 1, &opt, &r), 0);
    ed_http_response_free(r);
    stop();
}
END_TEST

/* ---- where it may be called from, bad input ------------------------------------- */

static int perm_rc[6];
static bool perm_ran;

static int try_in_callback(ed_id id, void *data)
{
    (void)id;
    const char *url = data;
    ed_http_response *r = NULL;
    char *path = NULL, *contents = NULL;
    perm_rc[0] = ed_http_get(url, NULL, &r);
    perm_rc[1] = ed_http_request("POST", url, NULL, "x", 1, NULL, &r);
    perm_rc[2] = ed_http_download(url, "/tmp", NULL, NULL, NULL, &path);
    perm_rc[3] = ed_file_get_contents(url, &contents, NULL);
    perm_rc[4] = ed_file_get_contents("/etc/hostname", &contents, NULL);
    perm_rc[5] = r == NULL && path == NULL && contents == NULL;
    perm_ran = true;
    return 0;
}

START_TEST(test_raw_callback_eperm)
{
    start();
    ck_assert(ed_defer(try_in_callback, (void *)hs_url(&srv, "/bytes/10")) != 0);
    for (int i = 0; i < 10 && !perm_ran; i++)
        ck_assert_int_eq(ed_run_once(false), 1); /* the server's acceptor stays */
    ck_assert(perm_ran);
    for (int i = 0; i < 5; i++)
        ck_assert_msg(perm_rc[i] == -EPERM, "call %d: %s", i, ed_strerror(perm_rc[i]));
    ck_assert_int_eq(perm_rc[5], 1);
    ck_assert_int_eq(srv.accepted, 0);
    stop();
}
END_TEST

START_TEST(test_bad_input)
{
    ed_http_response *r = NULL;
    ck_assert_int_eq(ed_http_get(NULL, NULL, &r), -EINVAL);
    ck_assert_int_eq(ed_http_get("http://127.0.0.1:1/", NULL, NULL), -EINVAL);
    ck_assert_int_eq(ed_http_request("GET", NULL, NULL, NULL, 0, NULL, &r), -EINVAL);
    ck_assert_int_eq(ed_http_request("GET", "http://127.0.0.1:1/", NULL, NULL, 0, NULL, NULL),
                     -EINVAL);
    ck_assert_ptr_eq(r, NULL);
    /* Malformed, and schemes other than http and https. */
    ck_assert_int_eq(ed_http_get("http://", NULL, &r), -EINVAL);
    ck_assert_str_ne(ed_http_last_error(), "");
    ck_assert_int_eq(ed_http_get("gopher2://x", NULL, &r), -EINVAL);
    ck_assert_int_eq(ed_http_get("file:///etc/hostname", NULL, &r), -EINVAL);
    ck_assert_int_eq(ed_http_get("ftp://127.0.0.1:1/x", NULL, &r), -EINVAL);
    ck_assert_ptr_eq(r, NULL);
    char *data = NULL, *path = NULL;
    ck_assert_int_eq(ed_http_download(NULL, "/tmp", NULL, NULL, NULL, &path), -EINVAL);
    ck_assert_int_eq(ed_http_download("http://127.0.0.1:1/", NULL, NULL, NULL, NULL, &path),
                     -EINVAL);
    ck_assert_int_eq(ed_file_get_contents(NULL, &data, NULL), -EINVAL);
    ck_assert_int_eq(ed_file_get_contents("/etc/hostname", NULL, NULL), -EINVAL);
    ck_assert_ptr_eq(data, NULL);
    ck_assert_ptr_eq(path, NULL);
    finish();
}
END_TEST

/* ---- cookies ----------------------------------------------------------------------- */

START_TEST(test_cookies)
{
    start();
    ed_http_options nc = {0};
    nc.no_cookies = true;
    /* A cookie set on a request kept out of the jar is not stored. */
    ed_http_response *r = get_ok(hs_url(&srv, "/cookie/set?v=one"), &nc);
    ed_http_response_free(r);
    r = get_ok(hs_url(&srv, "/echo"), NULL);
    ck_assert(!echo_has_header_named(r, "Cookie"));
    ed_http_response_free(r);
    /* The loop's jar keeps it for every later request... */
    r = get_ok(hs_url(&srv, "/cookie/set?v=two"), NULL);
    ed_http_response_free(r);
    r = get_ok(hs_url(&srv, "/echo"), NULL);
    ck_assert(echo_has_header(r, "Cookie: eddy=two"));
    ed_http_response_free(r);
    /* ... but those that opt out. */
    r = get_ok(hs_url(&srv, "/echo"), &nc);
    ck_assert(!echo_has_header_named(r, "Cookie"));
    ed_http_response_free(r);
    hs_stop(&srv);

    /* The jar goes with the loop. */
    ck_assert_int_eq(ed_shutdown(), 0);
    start();
    r = get_ok(hs_url(&srv, "/echo"), NULL);
    ck_assert(!echo_has_header_named(r, "Cookie"));
    ed_http_response_free(r);
    stop();
}
END_TEST

/* ---- whole contents ------------------------------------------------------------------ */

START_TEST(test_file_get_contents)
{
    start();
    char *data = NULL;
    size_t len = 0;
    ck_assert_int_eq(ed_file_get_contents(hs_url(&srv, "/bytes/5000"), &data, &len), 0);
    ck_assert_uint_eq(len, 5000);
    ck_assert(hs_check(data, 0, 5000));
    ck_assert_int_eq(data[5000], '\0');
    free(data);
    /* The status is not checked: a 404's body is the contents. */
    data = NULL;
    ck_assert_int_eq(ed_file_get_contents(hs_url(&srv, "/status/404"), &data, NULL), 0);
    ck_assert_str_eq(data, "status 404");
    free(data);

    /* A local file, by path and by file:// URL. */
    char *dir = make_dir();
    char path[128], url[160];
    snprintf(path, sizeof path, "%s/local.txt", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_ne(f, NULL);
    fputs("local data\n", f);
    fclose(f);
    data = NULL;
    ck_assert_int_eq(ed_file_get_contents(path, &data, &len), 0);
    ck_assert_uint_eq(len, 11);
    ck_assert_str_eq(data, "local data\n");
    free(data);
    snprintf(url, sizeof url, "file://%s", path);
    data = NULL;
    ck_assert_int_eq(ed_file_get_contents(url, &data, &len), 0);
    ck_assert_uint_eq(len, 11);
    ck_assert_str_eq(data, "local data\n");
    free(data);

    /* Errors are ed_file_get's. */
    snprintf(path, sizeof path, "%s/missing", dir);
    data = NULL;
    ck_assert_int_eq(ed_file_get_contents(path, &data, &len), -ENOENT);
    snprintf(url, sizeof url, "file://%s/missing", dir);
    ck_assert_int_eq(ed_file_get_contents(url, &data, &len), -ENOENT);
    ck_assert_int_eq(ed_file_get_contents(dir, &data, &len), -EISDIR);
    ck_assert_ptr_eq(data, NULL);
    /* And the transfer's. */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", hs_refused_port());
    ck_assert_int_eq(ed_file_get_contents(url, &data, &len), -ECONNREFUSED);
    ck_assert_ptr_eq(data, NULL);

    remove_dir(dir); /* local.txt and the directory */
    stop();
}
END_TEST

/* ---- suite ------------------------------------------------------------------------ */

static int write_byte(ed_id id, void *data)
{
    (void)id;
    return write(*(int *)data, "x", 1) == 1 ? 0 : -EIO;
}

/* A name looked up by libcurl's resolver thread: it watches a pipe of its
 * own and closes it without telling eddy. No watcher may stay on that fd
 * number: the next file to get it (here a pipe) must be watched afresh.
 * Also: a User-Agent with a line break is refused. */
START_TEST(test_resolver_fds_not_kept)
{
    start();
    char url[128];
    snprintf(url, sizeof url, "http://localhost.:%d/bytes/10", srv.port);
    ed_http_response *r = NULL;
    int rc = ed_http_get(url, NULL, &r); /* resolved or not: either way */
    ed_http_response_free(r);
    (void)rc;
    int p[2];
    ck_assert_int_eq(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
    ck_assert_uint_ne(ed_delay(0.05, write_byte, &p[1]), 0);
    char c;
    ck_assert_int_eq(ed_read(p[0], &c, 1, 10), 1);
    close(p[0]);
    close(p[1]);

    ed_http_options bad = {.user_agent = "eddy\r\nX-Injected: 1"};
    ck_assert_int_eq(ed_http_get(hs_url(&srv, "/echo"), &bad, &r), -EINVAL);
    stop();
}
END_TEST

static Suite *http_suite(void)
{
    TCase *tc;
    Suite *s = http_suite_new("http", 120, HTTP_END_IDLE, &tc);
    tcase_add_test(tc, test_get_basic);
    tcase_add_test(tc, test_header_lookup);
    tcase_add_test(tc, test_request_methods);
    tcase_add_test(tc, test_request_headers_replace_and_remove);
    tcase_add_test(tc, test_keep_alive);
    tcase_add_test(tc, test_idle_connection_closed_by_server);
    tcase_add_test(tc, test_resolver_fds_not_kept);
    tcase_add_test(tc, test_concurrent_gets);
    tcase_add_test(tc, test_concurrency_is_real);
    tcase_add_test(tc, test_redirects);
    tcase_add_test(tc, test_refused);
    tcase_add_test(tc, test_timeouts);
    tcase_add_test(tc, test_cancel_mid_transfer);
    tcase_add_test(tc, test_cancelled_task_sends_nothing);
    tcase_add_test(tc, test_connection_cut);
    tcase_add_test(tc, test_max_body);
    tcase_add_test(tc, test_raw_callback_eperm);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_cookies);
    tcase_add_test(tc, test_file_get_contents);
    return s;
}

ED_TEST_MAIN(http_suite)
