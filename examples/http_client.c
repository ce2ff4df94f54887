/* MadelineProto's artax HTTP client, from MadelineProto's async page (seed
 * 000):
 *
 *     // instead of creating artax's default client:
 *     $client = new Amp\Artax\DefaultClient;
 *     // simply get MadelineProto's artax client:
 *     $client = $MadelineProto->getHTTPClient();
 *     // from here it's like in the artax docs:
 *     $response = yield $client->request('https://example.com/');
 *     $body = yield $response->getBody();
 *
 * "It automatically supports the socks/HTTP proxies specified in
 * MadelineProto's settings, and soon DoH for greater security."
 *
 * In C there is no client to get: every ed_http_* call of a thread shares
 * that thread's client (libcurl connections, DNS cache, cookie jar).
 * ed_http_get(url, &opt, &r), or ed_http_request(method, url, headers,
 * body, len, &opt, &r) for the seed's `new Request($url, 'POST')`,
 * suspends the calling task until the whole response is there; any
 * status is a success, only a failed transfer is an error. Proxies and
 * DoH are options (opt.proxy, opt.doh_url; by default the usual http_proxy
 * variables decide). Here one task per request: they run at once, on one
 * thread, and main prints their reports in order.
 *
 * `http_client URL...` fetches those URLs. With no URL it needs no
 * network: it starts a small HTTP server of its own on 127.0.0.1
 * (common/local_http.c, written with eddy's sockets and streams) and
 * fetches from it, including a POST and a page that does not exist. */
#include <eddy.h>
#include <eddy/http.h>

#include "common/local_http.h"

#include <stdio.h>
#include <string.h>

static ed_http_options options = {.timeout = 30};

/* One request, and what came of it: the tasks run at once, and main prints
 * their reports in order once all are done. */
struct fetch {
    const char *method, *url;
    char report[256];
};

static int fetch(void *arg, void **result)
{
    (void)result;
    struct fetch *f = arg;
    const char *headers[] = {"Content-Type: text/plain", "X-Seed: 000", NULL};
    const char *body = strcmp(f->method, "POST") == 0 ? "hello from eddy" : NULL;
    ed_http_response *r;
    /* yield $client->request($url), and $response->getBody() */
    int rc = ed_http_request(f->method, f->url, body ? headers : NULL, body,
                             body ? strlen(body) : 0, &options, &r);
    if (rc < 0) {
        /* libcurl's message, which names the URL */
        snprintf(f->report, sizeof f->report, "%s %s\n", f->method, ed_http_last_error());
        return rc;
    }
    size_t type_len;
    const char *type = ed_http_header(r, "Content-Type", &type_len);
    int n = snprintf(f->report, sizeof f->report, "%s %s: %ld, %.*s, %zu bytes\n", f->method,
                     f->url, r->status, type ? (int)type_len : 1, type ? type : "-", r->body_len);
    if (r->body_len < 80 && n > 0 && (size_t)n < sizeof f->report) /* a short text: show it */
        snprintf(f->report + n, sizeof f->report - (size_t)n, "  body: %s", r->body);
    ed_http_response_free(r);
    return 0;
}

/* The local server: GET /hello answers a greeting, POST /echo sends the
 * request's body back, anything else is a 404. */
static void routes(const local_http_request *req, local_http_response *res)
{
    if (strcmp(req->method, "GET") == 0 && strcmp(req->path, "/hello") == 0) {
        snprintf(res->text, sizeof res->text, "hello from the server of http_client.c\n");
    } else if (strcmp(req->method, "POST") == 0 && strcmp(req->path, "/echo") == 0) {
        snprintf(res->text, sizeof res->text, "you sent \"%s\"\n", req->body);
    } else {
        res->status = 404;
        snprintf(res->text, sizeof res->text, "no page at %s\n", req->path);
    }
}

int main(int argc, char **argv)
{
    struct fetch f[16];
    ed_future *tasks[16];
    char urls[3][96];
    int rc = 0, n = 0;

    for (; n < argc - 1 && n < 16; n++)
        f[n] = (struct fetch){.method = "GET", .url = argv[n + 1]};
    if (n == 0) { /* no URL: our own server */
        int port = local_http_start(routes, 0);
        if (port < 0) {
            fprintf(stderr, "http_client: %s\n", ed_strerror(port));
            return 1;
        }
        options.proxy = ""; /* our own server, on this machine: never through a proxy */
        snprintf(urls[0], sizeof urls[0], "http://127.0.0.1:%d/hello", port);
        snprintf(urls[1], sizeof urls[1], "http://127.0.0.1:%d/no/such/page", port); /* a 404 */
        snprintf(urls[2], sizeof urls[2], "http://127.0.0.1:%d/echo", port);
        f[0] = (struct fetch){.method = "GET", .url = urls[0]};
        f[1] = (struct fetch){.method = "GET", .url = urls[1]};
        f[2] = (struct fetch){.method = "POST", .url = urls[2]};
        n = 3;
    }
    for (int i = 0; i < n; i++)
        tasks[i] = ed_async(fetch, &f[i]);
    int errs[16] = {0};
    if (n > 0) /* from main: runs the loop until every request is done */
        rc = ed_any(tasks, (size_t)n, NULL, errs);
    for (int i = 0; i < n; i++) {
        printf("%s", f[i].report);
        rc = rc < 0 ? rc : errs[i];
        ed_future_release(tasks[i]);
    }
    local_http_stop();
    if (rc < 0) {
        fprintf(stderr, "http_client: %s\n", ed_strerror(rc));
        return 1;
    }
    return ed_shutdown() < 0;
}
