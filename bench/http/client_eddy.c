/*
 * The eddy contender of bench/http_bench.c: the same GETs as client_curl.c
 * (command line and result line: client.h), written as eddy code is: K tasks
 * (ed_async), each making its share of the N GETs one after another with
 * ed_http_get and the default options, checking each response's status and
 * body length and freeing it; main waits for all of them with ed_all (which
 * runs the loop meanwhile). Everything else (the multi handle, its
 * connection cache, easy handles, the watchers on libcurl's sockets and
 * timer, keeping the body) is the HTTP module's.
 */
#include <eddy.h>
#include <eddy/http.h>

#include "client.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static const char prog[] = "client_eddy";

typedef struct worker {
    const client_options *o;
    size_t gets;    /* GETs to make */
    uint64_t bytes; /* body bytes received */
} worker;

static int get_loop(void *arg, void **result)
{
    (void)result;
    worker *w = arg;
    for (size_t i = 0; i < w->gets; i++) {
        ed_http_response *res;
        int rc = ed_http_get(w->o->url, NULL, &res);
        if (rc < 0)
            return ed_fail(rc, "GET %s: %s (%s)", w->o->url, ed_strerror(rc),
                           ed_http_last_error());
        long status = res->status;
        size_t len = res->body_len;
        ed_http_response_free(res);
        if (status != 200)
            return ed_fail(-EPROTO, "GET %s: status %ld", w->o->url, status);
        if (w->o->length >= 0 && len != (size_t)w->o->length)
            return ed_fail(-EPROTO, "GET %s: %zu body bytes, not %ld", w->o->url, len,
                           w->o->length);
        w->bytes += len;
    }
    return 0;
}

/* n GETs from K tasks (fewer when n < K), each making n / K of them (one
 * more for the first n % K); returns the body bytes. arg: the options. */
static uint64_t get_n(void *arg, size_t n)
{
    const client_options *o = arg;
    size_t k = o->inflight < n ? o->inflight : n;
    worker *w = calloc(k, sizeof *w);
    ed_future **fs = calloc(k, sizeof *fs);
    if (!w || !fs) {
        fprintf(stderr, "%s: out of memory\n", prog);
        exit(1);
    }
    for (size_t i = 0; i < k; i++) {
        w[i].o = o;
        w[i].gets = n / k + (i < n % k);
        fs[i] = ed_async(get_loop, &w[i]);
        if (!fs[i]) {
            fprintf(stderr, "%s: ed_async: %s\n", prog, ed_strerror(-errno));
            exit(1);
        }
    }
    int rc = ed_all(fs, k, NULL);
    if (rc < 0) {
        const char *why = ed_strerror(rc);
        for (size_t i = 0; i < k; i++)
            if (ed_future_done(fs[i]) && ed_future_error(fs[i]) < 0) {
                why = ed_future_message(fs[i]);
                break;
            }
        fprintf(stderr, "%s: %s\n", prog, why);
        exit(1);
    }
    uint64_t bytes = 0;
    for (size_t i = 0; i < k; i++) {
        bytes += w[i].bytes;
        ed_future_release(fs[i]);
    }
    free(fs);
    free(w);
    return bytes;
}

int main(int argc, char **argv)
{
    client_options o = client_parse(prog, argc, argv, false);

    client_run("eddy", &o, get_n, &o);

    ed_shutdown();
    return 0;
}
