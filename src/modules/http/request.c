/* ed_http_request and ed_http_get: a whole response in memory. */
#include "internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct buffer {
    char *data;
    size_t len, cap;
};

static bool buffer_reserve(struct buffer *b, size_t cap)
{
    char *data = realloc(b->data, cap);
    if (!data)
        return false;
    b->data = data;
    b->cap = cap;
    return true;
}

static bool buffer_add(struct buffer *b, const char *p, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + n + 1)
            cap *= 2;
        if (!buffer_reserve(b, cap))
            return false;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return true;
}

struct request {
    struct http_xfer x;
    struct buffer body, head;
    size_t max_body;
    uint64_t setup; /* the handle's setup key, for the cache */
};

static size_t on_body(char *p, size_t size, size_t n, void *data)
{
    struct request *r = data;
    size_t len = size * n;
    if (r->max_body && r->body.len + len > r->max_body) {
        r->x.write_error = -EFBIG;
        return 0;
    }
    if (!r->body.cap) { /* the announced size at once: no growing */
        curl_off_t announced = -1;
        curl_easy_getinfo(r->x.easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &announced);
        if (announced > 0 && announced < (curl_off_t)1 << 30 &&
            !buffer_reserve(&r->body, (size_t)announced + 1)) {
            r->x.write_error = -ENOMEM;
            return 0;
        }
    }
    if (!buffer_add(&r->body, p, len)) {
        r->x.write_error = -ENOMEM;
        return 0;
    }
    return len;
}

static size_t on_header(char *p, size_t size, size_t n, void *data)
{
    struct request *r = data;
    size_t len = size * n;
    /* Each response (a redirect, a 100 Continue, the last one) starts with
     * its status line: keep only the last one's block. */
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0)
        r->head.len = 0;
    if (!buffer_add(&r->head, p, len)) {
        r->x.write_error = -ENOMEM;
        return 0;
    }
    return len;
}

static void request_release(struct http_xfer *x)
{
    struct request *r = (struct request *)x;
    curl_easy_cleanup(x->easy);
    curl_slist_free_all(x->headers);
    free(r->body.data);
    free(r->head.data);
    free(r);
}

static bool is_token(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s <= ' ' || *s >= 127 || strchr("()<>@,;:\\\"/[]?={}", *s))
            return false;
    return true;
}

static bool has_header(const char *const *headers, const char *name)
{
    size_t n = strlen(name);
    for (; headers && *headers; headers++)
        if (strncasecmp(*headers, name, n) == 0 && (*headers)[n] == ':')
            return true;
    return false;
}

/* The request line and headers: libcurl's defaults unless the caller's
 * replace them. A CR or LF inside a header would smuggle in another. */
static int set_request(struct request *r, const char *method, const char *const *headers,
                       const void *body, size_t body_len)
{
    CURL *e = r->x.easy;
    if (!method)
        method = body_len ? "POST" : "GET";
    if (!is_token(method))
        return -EINVAL;
    /* A handle from the cache still has its last request's method and
     * body: back to a plain GET first. */
    curl_easy_setopt(e, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, NULL);
    bool post = strcmp(method, "POST") == 0;
    if (strcmp(method, "HEAD") == 0) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (post || body_len) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, body_len ? (const char *)body : "");
        if (!post)
            curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "GET") != 0) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, method);
    }
    struct curl_slist *list = NULL, *grown;
    /* A body is sent at once: waiting a second for a 100 Continue that
     * small servers never send buys nothing. */
    if (body_len && !has_header(headers, "Expect")) {
        if (!(list = curl_slist_append(NULL, "Expect:")))
            return -ENOMEM;
    }
    for (; headers && *headers; headers++) {
        if (strpbrk(*headers, "\r\n") || !strchr(*headers, ':')) {
            curl_slist_free_all(list);
            return -EINVAL;
        }
        if (!(grown = curl_slist_append(list, *headers))) {
            curl_slist_free_all(list);
            return -ENOMEM;
        }
        list = grown;
    }
    r->x.headers = list;
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, list);
    return 0;
}

static int http_version_of(CURL *easy)
{
    long v = 0;
    curl_easy_getinfo(easy, CURLINFO_HTTP_VERSION, &v);
    switch (v) {
    case CURL_HTTP_VERSION_1_0:
        return 10;
    case CURL_HTTP_VERSION_2_0:
        return 20;
    case CURL_HTTP_VERSION_3:
        return 30;
    default:
        return 11;
    }
}

static int take_response(struct request *r, ed_http_response **out)
{
    ed_http_response *resp = calloc(1, sizeof *resp);
    const char *url = NULL;
    curl_easy_getinfo(r->x.easy, CURLINFO_EFFECTIVE_URL, &url);
    if (!resp || !(resp->effective_url = strdup(url ? url : "")))
        goto nomem;
    if (!r->body.data && !buffer_add(&r->body, "", 0))
        goto nomem;
    if (!r->head.data && !buffer_add(&r->head, "", 0))
        goto nomem;
    curl_easy_getinfo(r->x.easy, CURLINFO_RESPONSE_CODE, &resp->status);
    resp->http_version = http_version_of(r->x.easy);
    resp->body = r->body.data;
    resp->body_len = r->body.len;
    resp->headers = r->head.data;
    resp->headers_len = r->head.len;
    r->body.data = r->head.data = NULL;
    *out = resp;
    return 0;

nomem:
    if (resp)
        free(resp->effective_url);
    free(resp);
    return -ENOMEM;
}

/* Once: the request as configured, through opt's proxy. */
static int attempt(struct request *r, const char *method, const char *url,
                   const char *const *headers, const void *body, size_t body_len,
                   const ed_http_options *opt, const char *proxy_override)
{
    int rc = http_easy_setup(r->x.M, opt, HTTP_KIND_REQUEST, &r->x.easy, &r->setup);
    if (rc == 0 && proxy_override) {
        curl_easy_setopt(r->x.easy, CURLOPT_PROXY, proxy_override);
        r->setup = 0; /* not what its key says any more */
    }
    if (rc == 0)
        rc = set_request(r, method, headers, body, body_len);
    if (rc == 0)
        rc = http_set_url(r->x.easy, url);
    if (rc < 0)
        return http_fail(rc, "%s: %s", url, rc == -EINVAL ? "bad request" : ed_strerror(rc));
    curl_easy_setopt(r->x.easy, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(r->x.easy, CURLOPT_WRITEDATA, r);
    curl_easy_setopt(r->x.easy, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(r->x.easy, CURLOPT_HEADERDATA, r);
    return http_xfer_run(&r->x, url);
}

/* Gives the easy handle back and forgets what one attempt gathered. */
static void attempt_end(struct request *r, struct http_multi *M)
{
    http_easy_put(M, r->x.easy, r->setup);
    r->x.easy = NULL;
    curl_slist_free_all(r->x.headers);
    r->x.headers = NULL;
    r->body.len = r->head.len = 0;
}

int ed_http_request(const char *method, const char *url, const char *const *headers,
                    const void *body, size_t body_len, const ed_http_options *opt,
                    ed_http_response **out)
{
    http_clear_error();
    if (!url || !out || (!body && body_len))
        return -EINVAL;
    ed_suspension *waiter;
    struct http_multi *M;
    int rc = http_call_begin(&waiter, &M);
    if (rc < 0)
        return rc;
    struct request *r = calloc(1, sizeof *r);
    if (!r)
        return -ENOMEM;
    r->x.waiter = waiter;
    r->x.release = request_release;
    r->max_body = opt ? opt->max_body : 0;
    http_xfer_track(M, &r->x);
    rc = attempt(r, method, url, headers, body, body_len, opt, NULL);
    if (rc < 0 && rc != -ECANCELED && opt && opt->proxy_fallback &&
        http_proxy_unreachable(r->x.result)) {
        attempt_end(r, M);
        rc = attempt(r, method, url, headers, body, body_len, opt, "");
    }
    if (rc == 0)
        rc = take_response(r, out);
    if (rc == 0)
        http_clear_error(); /* a first attempt through the proxy is no failure */
    http_xfer_untrack(&r->x);
    attempt_end(r, M);
    free(r->body.data);
    free(r->head.data);
    free(r);
    return rc;
}

int ed_http_get(const char *url, const ed_http_options *opt, ed_http_response **out)
{
    return ed_http_request("GET", url, NULL, NULL, 0, opt, out);
}

void ed_http_response_free(ed_http_response *r)
{
    if (!r)
        return;
    free(r->body);
    free(r->headers);
    free(r->effective_url);
    free(r);
}

const char *ed_http_header(const ed_http_response *r, const char *name, size_t *len)
{
    if (!r || !name || !r->headers)
        return NULL;
    size_t n = strlen(name);
    const char *p = r->headers, *end = r->headers + r->headers_len;
    /* Skip the status line; then one "Name: value" per line. */
    const char *eol = memchr(p, '\n', (size_t)(end - p));
    p = eol ? eol + 1 : end;
    for (; p < end; p = eol ? eol + 1 : end) {
        eol = memchr(p, '\n', (size_t)(end - p));
        const char *line_end = eol ? eol : end;
        if ((size_t)(line_end - p) > n && p[n] == ':' && strncasecmp(p, name, n) == 0) {
            const char *v = p + n + 1, *e = line_end;
            while (v < e && (*v == ' ' || *v == '\t'))
                v++;
            while (e > v && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
                e--;
            if (len)
                *len = (size_t)(e - v);
            return v;
        }
    }
    return NULL;
}
