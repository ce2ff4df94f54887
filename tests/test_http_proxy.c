/* The HTTP client through proxies, all of them in-process (http_support.h):
 * an HTTP proxy (absolute-form requests, credentials, its 407), SOCKS5 with
 * the client or the proxy resolving names and with user and password, the
 * proxy environment variables and "" to ignore them, and the fallback to a
 * direct connection when a proxy cannot be reached. HTTPS through proxies
 * (CONNECT tunnels): test_http_tls.c. */
#include "http_fixture.h"

/* ---- proxies --------------------------------------------------------------------- */

START_TEST(test_http_proxy)
{
    start();
    hs_proxy p, pa;
    ck_assert_int_eq(hs_proxy_start(&p, HS_PROXY_HTTP, NULL, NULL), 0);
    ck_assert_int_eq(hs_proxy_start(&pa, HS_PROXY_HTTP, "alice", "s3cret"), 0);
    char proxy[128];
    snprintf(proxy, sizeof proxy, "http://%s", p.addr);
    ed_http_options opt = {0};
    opt.proxy = proxy;
    /* A plain http:// URL goes to the proxy in absolute form. */
    ed_http_response *r = get_ok(hs_url(&srv, "/bytes/777"), &opt);
    ck_assert_int_eq(r->status, 200);
    ck_assert_uint_eq(r->body_len, 777);
    ck_assert(hs_check(r->body, 0, 777));
    ed_http_response_free(r);
    ck_assert_int_eq(p.relayed, 1);
    ck_assert_int_eq(p.absolute, 1);
    char target[64];
    snprintf(target, sizeof target, "127.0.0.1:%d", srv.port);
    ck_assert_str_eq(p.last_target, target);
    ck_assert_int_eq(srv.requests, 1);

    /* A body goes through too. */
    r = NULL;
    ck_assert_int_eq(
        ed_http_request("POST", hs_url(&srv, "/echo"), NULL, "via proxy", 9, &opt, &r), 0);
    assert_echo(r, "POST", "via proxy", 9);
    ed_http_response_free(r);
    ck_assert_int_eq(p.relayed, 2);

    /* Credentials in the proxy URL. */
    snprintf(proxy, sizeof proxy, "http://alice:s3cret@%s", pa.addr);
    ck_assert_int_eq(get_status(hs_url(&srv, "/bytes/5"), &opt), 200);
    ck_assert_int_eq(pa.auth_ok, 1);
    ck_assert_int_eq(pa.relayed, 1);
    /* Wrong ones: the proxy's 407 is the response. */
    snprintf(proxy, sizeof proxy, "http://alice:wrong@%s", pa.addr);
    ck_assert_int_eq(get_status(hs_url(&srv, "/bytes/5"), &opt), 407);
    ck_assert_int_eq(pa.relayed, 1);
    ck_assert_int_ge(pa.auth_failed, 1);
    ck_assert_int_eq(srv.requests, 3);

    hs_proxy_stop(&p);
    hs_proxy_stop(&pa);
    stop();
}
END_TEST

START_TEST(test_socks5_proxy)
{
    start();
    hs_proxy p, pa;
    ck_assert_int_eq(hs_proxy_start(&p, HS_PROXY_SOCKS5, NULL, NULL), 0);
    ck_assert_int_eq(hs_proxy_start(&pa, HS_PROXY_SOCKS5, "bob", "pa:ss"), 0);
    char proxy[128], target[64];
    ed_http_options opt = {0};
    opt.proxy = proxy;

    /* socks5: the client resolves, the proxy gets an IPv4 address. */
    snprintf(proxy, sizeof proxy, "socks5://%s", p.addr);
    ed_http_response *r = get_ok(hs_url(&srv, "/bytes/321"), &opt);
    ck_assert_int_eq(r->status, 200);
    ck_assert(hs_check(r->body, 0, 321) && r->body_len == 321);
    ed_http_response_free(r);
    ck_assert_int_eq(p.relayed, 1);
    ck_assert_int_eq(p.socks_ipv4, 1);
    ck_assert_int_eq(p.socks_domain, 0);
    snprintf(target, sizeof target, "127.0.0.1:%d", srv.port);
    ck_assert_str_eq(p.last_target, target);

    /* socks5h: the proxy gets the name and resolves it. */
    snprintf(proxy, sizeof proxy, "socks5h://%s", p.addr);
    char url[128];
    snprintf(url, sizeof url, "http://localhost:%d/bytes/123", srv.port);
    r = get_ok(url, &opt);
    ck_assert_int_eq(r->status, 200);
    ck_assert_uint_eq(r->body_len, 123);
    ed_http_response_free(r);
    ck_assert_int_eq(p.relayed, 2);
    ck_assert_int_eq(p.socks_domain, 1);
    snprintf(target, sizeof target, "localhost:%d", srv.port);
    ck_assert_str_eq(p.last_target, target);

    /* User and password (RFC 1929), percent-encoded in the URL. */
    snprintf(proxy, sizeof proxy, "socks5h://bob:pa%%3Ass@%s", pa.addr);
    ck_assert_int_eq(get_status(url, &opt), 200);
    ck_assert_int_eq(pa.auth_ok, 1);
    ck_assert_int_eq(pa.relayed, 1);
    /* Wrong ones fail the call. */
    snprintf(proxy, sizeof proxy, "socks5h://bob:nope@%s", pa.addr);
    r = NULL;
    int rc = ed_http_get(url, &opt, &r);
    ck_assert_msg(rc < 0, "a SOCKS5 proxy that refused the password: %s", ed_strerror(rc));
    ck_assert_ptr_eq(r, NULL);
    ck_assert_str_ne(ed_http_last_error(), "");
    ck_assert_int_eq(pa.auth_failed, 1);
    ck_assert_int_eq(pa.relayed, 1);
    ck_assert_int_eq(srv.requests, 3);

    hs_proxy_stop(&p);
    hs_proxy_stop(&pa);
    stop();
}
END_TEST

START_TEST(test_env_proxy)
{
    start();
    hs_proxy p;
    ck_assert_int_eq(hs_proxy_start(&p, HS_PROXY_HTTP, NULL, NULL), 0);
    char proxy[128];
    snprintf(proxy, sizeof proxy, "http://%s", p.addr);
    ck_assert_int_eq(setenv("http_proxy", proxy, 1), 0);

    /* No options, or a zeroed proxy: the environment decides. */
    ck_assert_int_eq(get_status(hs_url(&srv, "/bytes/10"), NULL), 200);
    ck_assert_int_eq(p.relayed, 1);
    ed_http_options opt = {0};
    ed_http_response *r = get_ok(hs_url(&srv, "/bytes/11"), &opt);
    ed_http_response_free(r);
    ck_assert_int_eq(p.relayed, 2);

    /* "": direct, whatever the environment says. */
    opt.proxy = "";
    r = get_ok(hs_url(&srv, "/bytes/12"), &opt);
    ck_assert_uint_eq(r->body_len, 12);
    ed_http_response_free(r);
    ck_assert_int_eq(p.relayed, 2);
    ck_assert_int_eq(srv.requests, 3);

    /* ed_file_get_contents takes the defaults, the environment included. */
    char *data = NULL;
    size_t len = 0;
    ck_assert_int_eq(ed_file_get_contents(hs_url(&srv, "/bytes/13"), &data, &len), 0);
    ck_assert_uint_eq(len, 13);
    free(data);
    ck_assert_int_eq(p.relayed, 3);

    unsetenv("http_proxy");
    hs_proxy_stop(&p);
    stop();
}
END_TEST

START_TEST(test_proxy_fallback)
{
    start();
    int dead = hs_refused_port();
    char proxy[128];
    ed_http_options opt = {0};
    opt.proxy = proxy;
    const char *schemes[] = {"http", "socks5", "socks5h"};
    for (int i = 0; i < 3; i++) {
        snprintf(proxy, sizeof proxy, "%s://127.0.0.1:%d", schemes[i], dead);
        opt.proxy_fallback = false;
        ed_http_response *r = NULL;
        int rc = ed_http_get(hs_url(&srv, "/bytes/10"), &opt, &r);
        ck_assert_msg(rc == -ECONNREFUSED, "%s proxy refused, no fallback: %s", schemes[i],
                      ed_strerror(rc));
        ck_assert_ptr_eq(r, NULL);
        ck_assert_int_eq(srv.requests, i);
        /* With the fallback, the request goes directly. */
        opt.proxy_fallback = true;
        r = get_ok(hs_url(&srv, "/bytes/10"), &opt);
        ck_assert_int_eq(r->status, 200);
        ck_assert_uint_eq(r->body_len, 10);
        ed_http_response_free(r);
        ck_assert_int_eq(srv.requests, i + 1);
    }

    /* A proxy that answers, even with an error, is no reason to bypass it. */
    hs_proxy pa;
    ck_assert_int_eq(hs_proxy_start(&pa, HS_PROXY_HTTP, "u", "p"), 0);
    snprintf(proxy, sizeof proxy, "http://u:wrong@%s", pa.addr);
    opt.proxy_fallback = true;
    ck_assert_int_eq(get_status(hs_url(&srv, "/bytes/10"), &opt), 407);
    ck_assert_int_eq(srv.requests, 3);
    hs_proxy_stop(&pa);
    stop();
}
END_TEST

static Suite *http_proxy_suite(void)
{
    TCase *tc;
    Suite *s = http_suite_new("http_proxy", 120, HTTP_END_IDLE, &tc);
    tcase_add_test(tc, test_http_proxy);
    tcase_add_test(tc, test_socks5_proxy);
    tcase_add_test(tc, test_env_proxy);
    tcase_add_test(tc, test_proxy_fallback);
    return s;
}

ED_TEST_MAIN(http_proxy_suite)
