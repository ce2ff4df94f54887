/* A transfer's life on the fiber that asked for it: the options every
 * request shares, then add, park until libcurl is done, remove. */
#include "internal.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_CONNECT_TIMEOUT_MS 30000L
#define DEFAULT_MAX_REDIRECTS 20L

static bool bad_seconds(double s)
{
    return isnan(s) || s > 1e9;
}

/* Rounded up, so that a timeout never ends early. */
static long to_ms(double s)
{
    double ms = s * 1000.0;
    long whole = (long)ms;
    if ((double)whole < ms)
        whole++;
    return whole < 1 ? 1 : whole;
}

int http_apply_options(CURL *easy, struct http_multi *M, const ed_http_options *opt, int kind)
{
    static const ed_http_options defaults;
    if (!opt)
        opt = &defaults;
    if (bad_seconds(opt->timeout) || bad_seconds(opt->connect_timeout))
        return -EINVAL;
    if (opt->user_agent && strpbrk(opt->user_agent, "\r\n"))
        return -EINVAL; /* it would smuggle in another header */
    CURLcode rc = CURLE_OK;
#define SET(option, value)                                      \
    do {                                                        \
        if (rc == CURLE_OK)                                     \
            rc = curl_easy_setopt(easy, option, value);         \
    } while (0)
    SET(CURLOPT_NOSIGNAL, 1L);
    /* Only HTTP, also after a redirect: a URL from elsewhere must not make
     * the client read file:// or speak another protocol. */
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
    SET(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    if (opt->max_redirects < 0) {
        SET(CURLOPT_FOLLOWLOCATION, 0L);
    } else {
        SET(CURLOPT_FOLLOWLOCATION, 1L);
        SET(CURLOPT_MAXREDIRS, opt->max_redirects ? (long)opt->max_redirects
                                                  : DEFAULT_MAX_REDIRECTS);
    }
    if (opt->timeout > 0)
        SET(CURLOPT_TIMEOUT_MS, to_ms(opt->timeout));
    SET(CURLOPT_CONNECTTIMEOUT_MS,
        opt->connect_timeout > 0 ? to_ms(opt->connect_timeout) : DEFAULT_CONNECT_TIMEOUT_MS);
    if (opt->proxy)
        SET(CURLOPT_PROXY, opt->proxy);
    if (opt->doh_url)
        SET(CURLOPT_DOH_URL, opt->doh_url);
    if (opt->insecure) {
        SET(CURLOPT_SSL_VERIFYPEER, 0L);
        SET(CURLOPT_SSL_VERIFYHOST, 0L);
        SET(CURLOPT_PROXY_SSL_VERIFYPEER, 0L);
        SET(CURLOPT_PROXY_SSL_VERIFYHOST, 0L);
        SET(CURLOPT_DOH_SSL_VERIFYPEER, 0L);
        SET(CURLOPT_DOH_SSL_VERIFYHOST, 0L);
    }
    SET(CURLOPT_USERAGENT, opt->user_agent ? opt->user_agent : "eddy/" EDDY_VERSION_STRING);
    if (opt->max_body && kind == HTTP_KIND_REQUEST)
        SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)opt->max_body);
    SET(CURLOPT_SHARE, http_multi_share(M, !opt->no_cookies));
    if (rc == CURLE_OK && http_set_close(easy, M) < 0)
        rc = CURLE_BAD_FUNCTION_ARGUMENT;
    if (!opt->no_cookies)
        SET(CURLOPT_COOKIEFILE, ""); /* the engine on, with no file to read */
#undef SET
    if (rc == CURLE_OUT_OF_MEMORY)
        return -ENOMEM;
    return rc == CURLE_OK ? 0 : -EINVAL;
}

static uint64_t mix(uint64_t h, const void *p, size_t n)
{
    for (const unsigned char *b = p; n--; b++)
        h = (h ^ *b) * 1099511628211u;
    return h;
}

static uint64_t mix_str(uint64_t h, const char *s)
{
    return s ? mix(h, s, strlen(s) + 1) : mix(h, "\xff", 1);
}

/* What http_apply_options makes of opt, as a key (never 0). */
static uint64_t setup_key(const ed_http_options *opt, int kind)
{
    uint64_t h = mix(14695981039346656037u, &kind, sizeof kind);
    h = mix_str(h, opt->proxy);
    h = mix(h, &opt->timeout, sizeof opt->timeout);
    h = mix(h, &opt->connect_timeout, sizeof opt->connect_timeout);
    h = mix(h, &opt->max_redirects, sizeof opt->max_redirects);
    h = mix_str(h, opt->doh_url);
    h = mix(h, &opt->insecure, sizeof opt->insecure);
    h = mix(h, &opt->no_cookies, sizeof opt->no_cookies);
    h = mix_str(h, opt->user_agent);
    h = mix(h, &opt->max_body, sizeof opt->max_body);
    return h ? h : 1;
}

int http_easy_setup(struct http_multi *M, const ed_http_options *opt, int kind, CURL **easy,
                    uint64_t *key)
{
    static const ed_http_options defaults;
    if (!opt)
        opt = &defaults;
    *key = setup_key(opt, kind);
    bool ready;
    if (!(*easy = http_easy_take(M, *key, &ready)))
        return -ENOMEM;
    if (ready)
        return 0; /* set up alike: only the request's own options change */
    http_easy_reset(*easy);
    int rc = http_apply_options(*easy, M, opt, kind);
    if (rc < 0)
        *key = 0;
    return rc;
}

int http_set_url(CURL *easy, const char *url)
{
    /* Requests to an https server that is still being connected to wait to
     * learn whether it multiplexes (HTTP/2, offered through ALPN) rather
     * than open a connection each. Not for http://: libcurl would hold
     * them until the first response is over, as HTTP/1.1 cannot share. */
    curl_easy_setopt(easy, CURLOPT_PIPEWAIT, strncasecmp(url, "https://", 8) == 0 ? 1L : 0L);
    CURLcode rc = curl_easy_setopt(easy, CURLOPT_URL, url);
    return rc == CURLE_OK ? 0 : rc == CURLE_OUT_OF_MEMORY ? -ENOMEM : -EINVAL;
}

int http_xfer_park(struct http_xfer *x)
{
    x->parked = true;
    int rc = ed_suspend(x->waiter, NULL);
    x->parked = false;
    return rc;
}

void http_xfer_wake(struct http_xfer *x)
{
    if (x->parked) {
        x->parked = false;
        ed_resume(x->waiter, NULL);
    }
}

int http_xfer_outcome(struct http_xfer *x, const char *url)
{
    if (x->write_error)
        return http_fail(x->write_error, "%s: %s", url, ed_strerror(x->write_error));
    if (x->result != CURLE_OK) {
        long os_errno = 0;
        curl_easy_getinfo(x->easy, CURLINFO_OS_ERRNO, &os_errno);
        return http_fail(http_error_code(x->result, os_errno), "%s: %s", url,
                         x->errbuf[0] ? x->errbuf : curl_easy_strerror(x->result));
    }
    return 0;
}

int http_xfer_run(struct http_xfer *x, const char *url)
{
    int rc = http_xfer_start(x);
    if (rc < 0)
        return http_fail(rc, "%s: could not start the transfer", url);
    while (!x->done && rc == 0)
        rc = http_xfer_park(x);
    http_xfer_stop(x);
    return rc < 0 ? rc : http_xfer_outcome(x, url);
}
