/* The HTTP client over TLS, against Debian's nginx with a certificate made
 * at test time (tls/nginx.h): verification on by default, `insecure`,
 * HTTP/2, HTTPS through an HTTP proxy's CONNECT tunnel and through
 * SOCKS5, downloads, many streams at once, and DNS over HTTPS answered by
 * the in-process server behind nginx. Each test passes with a note on
 * stderr when nginx or openssl is not installed. */
#include "http_fixture.h"

#include <stdarg.h>

#include "tls/nginx.h"

static tls_nginx ngx;

/* The origin, and nginx in front of it; false: skip. */
static bool start_tls(void)
{
    start();
    if (tls_nginx_start(&ngx, srv.port))
        return true;
    stop();
    return false;
}

static void stop_tls(void)
{
    tls_nginx_stop(&ngx);
    stop();
}

/* nginx's URL for the path fmt (hs_url's buffers). */
static const char *tls_url(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static const char *tls_url(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *url = hs_vurl(ngx.base, fmt, ap);
    va_end(ap);
    return url;
}

START_TEST(test_https_verified_by_default)
{
    if (!start_tls())
        return;
    ed_http_response *r = NULL;
    /* A self-signed certificate fails verification... */
    ck_assert_int_eq(ed_http_get(tls_url("/index.html"), NULL, &r), -EKEYREJECTED);
    ck_assert_ptr_eq(r, NULL);
    ck_assert_str_ne(ed_http_last_error(), "");
    ed_http_options opt = {0};
    ck_assert_int_eq(ed_http_get(tls_url("/index.html"), &opt, &r), -EKEYREJECTED);
    char *data = NULL;
    ck_assert_int_eq(ed_file_get_contents(tls_url("/index.html"), &data, NULL), -EKEYREJECTED);
    ck_assert_ptr_eq(data, NULL);
    /* ... and `insecure` lets it through, over HTTP/2. */
    opt.insecure = true;
    r = get_ok(tls_url("/index.html"), &opt);
    ck_assert_int_eq(r->status, 200);
    ck_assert_int_eq(r->http_version, 20);
    ck_assert_str_eq(r->body, "hello tls\n");
    ck_assert_str_eq(r->effective_url, tls_url("/index.html"));
    ed_http_response_free(r);
    /* insecure is per request: the next default one is verified again. */
    ck_assert_int_eq(ed_http_get(tls_url("/index.html"), NULL, &r), -EKEYREJECTED);
    /* A download fails the same way, and leaves nothing in its directory
     * by the time it returns. */
    char dir[] = "/tmp/eddy-tls-dl-XXXXXX";
    ck_assert_ptr_ne(mkdtemp(dir), NULL);
    char *path = NULL;
    ck_assert_int_eq(ed_http_download(tls_url("/index.html"), dir, NULL, NULL, NULL, &path),
                     -EKEYREJECTED);
    ck_assert_ptr_eq(path, NULL);
    int removed = rmdir(dir) == 0 ? 0 : -errno;
    stop_tls();
    if (removed < 0) {
        rmdir(dir); /* once the loop is freed, its background work is done */
        ck_abort_msg("the directory of a failed download is not empty when it returns: %s",
                     ed_strerror(removed));
    }
}
END_TEST

START_TEST(test_https_http2_through_nginx)
{
    if (!start_tls())
        return;
    ed_http_options opt = {0};
    opt.insecure = true;
    /* The origin's routes, over TLS and HTTP/2. */
    ed_http_response *r = get_ok(tls_url("/o/bytes/100000"), &opt);
    ck_assert_int_eq(r->status, 200);
    ck_assert_int_eq(r->http_version, 20);
    ck_assert_uint_eq(r->body_len, 100000);
    ck_assert(hs_check(r->body, 0, 100000));
    ed_http_response_free(r);
    const char *const hdrs[] = {"X-Over: h2", NULL};
    r = NULL;
    ck_assert_int_eq(
        ed_http_request("PUT", tls_url("/o/echo"), hdrs, "h2 body", 7, &opt, &r), 0);
    ck_assert_int_eq(r->http_version, 20);
    ck_assert_msg(strncmp(r->body, "PUT /echo\n", 10) == 0, "%s", r->body);
    ck_assert_ptr_ne(strcasestr(r->body, "\nX-Over: h2\n"), NULL); /* h2 names are lowercase */
    ck_assert_uint_ge(r->body_len, 7);
    ck_assert_int_eq(memcmp(r->body + r->body_len - 7, "h2 body", 7), 0);
    ed_http_response_free(r);

    /* A download over HTTP/2. */
    char *dir = make_dir();
    char *path = NULL;
    size_t size = 8u << 20;
    int rc = ed_http_download(tls_url("/o/big/%zu", size), dir, &opt, NULL, NULL, &path);
    ck_assert_msg(rc == 0, "%s (%s)", ed_strerror(rc), ed_http_last_error());
    assert_pattern_file(path, size);
    unlink(path);
    free(path);
    ck_assert_int_eq(rmdir(dir), 0); /* nothing else was left there */
    free(dir);
    stop_tls();
}
END_TEST

/* 50 requests of 0.2 s each at once over HTTP/2 (nginx multiplexes them
 * and makes one upstream request each). */
START_TEST(test_https_many_streams)
{
    if (!start_tls())
        return;
    enum { N = 50 };
    ed_http_options opt = {0};
    opt.insecure = true;
    getter g[N];
    for (int i = 0; i < N; i++) {
        g[i] = (getter){strdup(tls_url("/o/delay/200?n=%d", i)), &opt, 1, NULL};
        ck_assert_ptr_ne(g[i].url, NULL);
    }
    double took = run_gets(g, N);
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(g[i].r->status, 200);
        ck_assert_int_eq(g[i].r->http_version, 20);
        ck_assert_str_eq(g[i].r->body, "delayed 200");
    }
    free_gets(g, N);
    ck_assert_msg(took < N * 0.2 / 4, "%d requests of 0.2 s took %.2f s", N, took);
    ck_assert_int_gt(srv.max_in_delay, 1);
    stop_tls();
}
END_TEST

START_TEST(test_https_through_proxies)
{
    if (!start_tls())
        return;
    hs_proxy hp, sp;
    ck_assert_int_eq(hs_proxy_start(&hp, HS_PROXY_HTTP, "tls", "user"), 0);
    ck_assert_int_eq(hs_proxy_start(&sp, HS_PROXY_SOCKS5, NULL, NULL), 0);
    char proxy[128], target[128];
    ed_http_options opt = {0};
    opt.insecure = true;
    opt.proxy = proxy;
    /* https:// through an HTTP proxy: a CONNECT tunnel, TLS inside. */
    snprintf(proxy, sizeof proxy, "http://tls:user@%s", hp.addr);
    ed_http_response *r = get_ok(tls_url("/index.html"), &opt);
    ck_assert_int_eq(r->status, 200);
    ck_assert_int_eq(r->http_version, 20);
    ck_assert_str_eq(r->body, "hello tls\n");
    ed_http_response_free(r);
    ck_assert_int_eq(hp.connects, 1);
    ck_assert_int_eq(hp.absolute, 0);
    ck_assert_int_eq(hp.relayed, 1);
    ck_assert_int_eq(hp.auth_ok, 1);
    snprintf(target, sizeof target, "127.0.0.1:%d", ngx.port);
    ck_assert_str_eq(hp.last_target, target);
    /* Verification still applies inside the tunnel. */
    opt.insecure = false;
    ck_assert_int_eq(ed_http_get(tls_url("/index.html"), &opt, &r), -EKEYREJECTED);
    opt.insecure = true;

    /* https:// through SOCKS5 with the name resolved by the proxy. */
    snprintf(proxy, sizeof proxy, "socks5h://%s", sp.addr);
    char url[128];
    snprintf(url, sizeof url, "https://localhost:%d/index.html", ngx.port);
    r = get_ok(url, &opt);
    ck_assert_int_eq(r->status, 200);
    ck_assert_str_eq(r->body, "hello tls\n");
    ed_http_response_free(r);
    ck_assert_int_eq(sp.socks_domain, 1);
    ck_assert_int_eq(sp.relayed, 1);
    snprintf(target, sizeof target, "localhost:%d", ngx.port);
    ck_assert_str_eq(sp.last_target, target);

    /* https_proxy from the environment (a proxy of its own, so that no
     * connection cached from above can answer instead). */
    hs_proxy ep;
    ck_assert_int_eq(hs_proxy_start(&ep, HS_PROXY_HTTP, NULL, NULL), 0);
    snprintf(target, sizeof target, "http://%s", ep.addr);
    ck_assert_int_eq(setenv("https_proxy", target, 1), 0);
    ed_http_options env = {0};
    env.insecure = true;
    ck_assert_int_eq(get_status(tls_url("/index.html"), &env), 200);
    ck_assert_int_eq(ep.connects, 1);
    ck_assert_int_eq(ep.relayed, 1);
    unsetenv("https_proxy");

    hs_proxy_stop(&ep);
    hs_proxy_stop(&hp);
    hs_proxy_stop(&sp);
    stop_tls();
}
END_TEST

/* A name no resolver knows, answered only by the in-process DoH server
 * (behind nginx: libcurl asks DoH servers only over https://). */
START_TEST(test_doh)
{
    if (!start_tls())
        return;
    char doh[128], url[128];
    snprintf(doh, sizeof doh, "%s/dns-query", ngx.base);
    ed_http_options opt = {0};
    opt.doh_url = doh;
    opt.insecure = true; /* nginx's certificate, for the DoH requests too */
    snprintf(url, sizeof url, "http://eddy-test.invalid:%d/bytes/4321", srv.port);
    ed_http_response *r = get_ok(url, &opt);
    ck_assert_int_eq(r->status, 200);
    ck_assert_uint_eq(r->body_len, 4321);
    ck_assert(hs_check(r->body, 0, 4321));
    ck_assert_str_eq(r->effective_url, url);
    ed_http_response_free(r);
    ck_assert_int_ge(srv.dns_queries, 1);
    ck_assert_str_eq(srv.last_dns_name, "eddy-test.invalid");

    /* A name the DoH server does not know: not resolved. */
    snprintf(url, sizeof url, "http://nx.eddy-test.invalid:%d/bytes/1", srv.port);
    int before = srv.dns_queries;
    ck_assert_int_eq(ed_http_get(url, &opt, &r), -EHOSTUNREACH);
    ck_assert_str_ne(ed_http_last_error(), "");
    ck_assert_int_gt(srv.dns_queries, before);
    stop_tls();
}
END_TEST

static Suite *http_tls_suite(void)
{
    TCase *tc;
    Suite *s = http_suite_new("http_tls", 120, HTTP_END_BACKGROUND, &tc);
    tcase_add_test(tc, test_https_verified_by_default);
    tcase_add_test(tc, test_https_http2_through_nginx);
    tcase_add_test(tc, test_https_many_streams);
    tcase_add_test(tc, test_https_through_proxies);
    tcase_add_test(tc, test_doh);
    return s;
}

ED_TEST_MAIN(http_tls_suite)
