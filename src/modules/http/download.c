/* ed_http_download: a response body streamed into a file (sink.c).
 *
 * libcurl's write callback only copies into a buffer and wakes the
 * downloading fiber; the fiber hands what has gathered to the thread pool
 * (the disk may stall, the loop must not) and meanwhile the next bytes
 * gather in a second buffer. Past HIGH_WATER bytes waiting, the transfer
 * pauses until the disk catches up: memory stays bounded by two buffers
 * whatever the file's size, and the batches grow with the disk's lag. */
#include "internal.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HIGH_WATER (1u << 20)

struct download {
    struct http_xfer x;
    struct http_sink *sink; /* NULL while a pool job holds it */
    struct http_write *batch; /* its buffer is the one not being filled */
    char *fill;               /* libcurl's bytes, waiting for the disk */
    size_t fill_len, fill_cap;
    bool paused;
    bool restart;  /* the server sent the whole body: start the file over */
    size_t offset; /* bytes asked to skip (a resumed download) */
    size_t total, written;
    long status;       /* of the last response whose headers ended */
    char *disposition; /* of the last response */
    size_t disposition_len;
    char content_range[96]; /* of the last response; "" if none */
    char *name;             /* the file's, once known */
};

static size_t on_data(char *p, size_t size, size_t n, void *data)
{
    struct download *d = data;
    size_t len = size * n;
    if (d->status / 100 != 2)
        return len; /* a redirect not followed, say: its page is not the file */
    if (d->fill_len && d->fill_len + len > HIGH_WATER) {
        d->paused = true;
        http_xfer_wake(&d->x);
        return CURL_WRITEFUNC_PAUSE;
    }
    if (d->fill_len + len > d->fill_cap) {
        size_t cap = d->fill_cap ? d->fill_cap : 64 * 1024;
        while (cap < d->fill_len + len)
            cap *= 2;
        char *fill = realloc(d->fill, cap);
        if (!fill) {
            d->x.write_error = -ENOMEM;
            return 0;
        }
        d->fill = fill;
        d->fill_cap = cap;
    }
    memcpy(d->fill + d->fill_len, p, len);
    d->fill_len += len;
    http_xfer_wake(&d->x);
    return len;
}

static bool header_is(const char *p, size_t len, const char *name, size_t name_len)
{
    return len > name_len && strncasecmp(p, name, name_len) == 0;
}

/* The end of a 2xx response's headers: where the body goes in the file,
 * and how big the whole file will be. */
static bool headers_done(struct download *d, const char *content_range)
{
    curl_off_t length = -1;
    curl_easy_getinfo(d->x.easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
    if (d->offset && d->status == 206) {
        uintmax_t first = 0, whole = 0;
        int got = content_range
                      ? sscanf(content_range, " bytes %ju-%*u/%ju", &first, &whole)
                      : 0;
        if (got < 1 || first != d->offset) {
            d->x.write_error = -EPROTO; /* not the rest of our file */
            return false;
        }
        d->total = got == 2 ? (size_t)whole : length > 0 ? d->offset + (size_t)length : 0;
        return true;
    }
    if (d->offset) { /* the whole body after all */
        d->restart = true;
        d->written = d->offset = 0;
    }
    d->total = length > 0 ? (size_t)length : 0;
    return true;
}

static size_t on_header(char *p, size_t size, size_t n, void *data)
{
    struct download *d = data;
    size_t len = size * n;
    static const char disposition[] = "content-disposition:";
    static const char range[] = "content-range:";
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        /* A new response: a redirect's headers are not the file's. */
        free(d->disposition);
        d->disposition = NULL;
        d->content_range[0] = '\0';
    } else if (header_is(p, len, disposition, sizeof disposition - 1)) {
        free(d->disposition);
        d->disposition_len = len - (sizeof disposition - 1);
        if (!(d->disposition = malloc(d->disposition_len + 1))) {
            d->x.write_error = -ENOMEM;
            return 0;
        }
        memcpy(d->disposition, p + sizeof disposition - 1, d->disposition_len);
        d->disposition[d->disposition_len] = '\0';
    } else if (header_is(p, len, range, sizeof range - 1)) {
        size_t vlen = len - (sizeof range - 1);
        if (vlen >= sizeof d->content_range)
            vlen = sizeof d->content_range - 1;
        memcpy(d->content_range, p + sizeof range - 1, vlen);
        d->content_range[vlen] = '\0';
    } else if (len <= 2 && (p[0] == '\r' || p[0] == '\n')) {
        curl_easy_getinfo(d->x.easy, CURLINFO_RESPONSE_CODE, &d->status);
        if (d->status / 100 == 2 && !headers_done(d, d->content_range[0] ? d->content_range : NULL))
            return 0;
    }
    return len;
}

/* Frees the record and its buffers; its easy handle and sink are gone. */
static void download_free(struct download *d)
{
    if (d->batch) {
        free(d->batch->buf);
        free(d->batch);
    }
    free(d->fill);
    free(d->disposition);
    free(d->name);
    free(d);
}

static void download_release(struct http_xfer *x)
{
    struct download *d = (struct download *)x;
    curl_easy_cleanup(x->easy);
    if (d->sink)
        http_sink_dispose(d->sink);
    download_free(d);
}

/* Writes what has gathered, while libcurl fills the other buffer. */
static int write_batch(struct download *d, ed_http_progress_fn progress, void *data)
{
    struct http_write *w = d->batch;
    char *spare = w->buf;
    size_t spare_cap = w->cap;
    w->buf = d->fill;
    w->cap = d->fill_cap;
    w->len = d->fill_len;
    w->sink = d->sink;
    w->restart = d->restart;
    d->restart = false;
    d->fill = spare;
    d->fill_cap = spare_cap;
    d->fill_len = 0;
    if (d->paused) { /* there is room again: the held bytes may come */
        d->paused = false;
        curl_easy_pause(d->x.easy, CURLPAUSE_CONT);
    }
    /* The job holds the file and the batch until it is back: if the loop
     * goes meanwhile, the pool disposes of them, not the transfer. */
    d->batch = NULL;
    d->sink = NULL;
    int rc = http_sink_write(&w);
    if (!w)
        return rc;
    d->batch = w;
    d->sink = w->sink;
    if (rc < 0)
        return rc;
    d->written = http_sink_size(d->sink);
    if (progress)
        progress(d->written, d->total, data);
    return 0;
}

static int set_transfer(struct download *d, const char *url, const ed_http_options *opt,
                        const char *proxy_override)
{
    CURL *e = d->x.easy;
    int rc = http_apply_options(e, d->x.M, opt, HTTP_KIND_DOWNLOAD);
    if (rc < 0)
        return rc;
    if (proxy_override)
        curl_easy_setopt(e, CURLOPT_PROXY, proxy_override);
    /* An error page is not the file: 4xx and 5xx fail the transfer. */
    curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, d);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, d);
    if (d->offset) {
        /* CURLOPT_RANGE, not RESUME_FROM: a 200 must restart the file,
         * not fail the transfer. */
        char range[32];
        snprintf(range, sizeof range, "%zu-", d->offset);
        curl_easy_setopt(e, CURLOPT_RANGE, range);
    }
    return http_set_url(e, url);
}

/* One attempt: the transfer, writing as bytes come; from_scratch ignores
 * what the file already holds (and truncates it). */
static int transfer(struct download *d, const char *url, const ed_http_options *opt,
                    const char *proxy_override, bool from_scratch,
                    ed_http_progress_fn progress, void *data)
{
    http_easy_reset(d->x.easy);
    d->status = 0;
    d->written = d->offset = from_scratch ? 0 : http_sink_size(d->sink);
    d->restart = from_scratch && http_sink_size(d->sink) > 0;
    int rc = set_transfer(d, url, opt, proxy_override);
    if (rc < 0)
        return http_fail(rc, "%s: %s", url, ed_strerror(rc));
    if ((rc = http_xfer_start(&d->x)) < 0)
        return http_fail(rc, "%s: could not start the transfer", url);
    for (;;) {
        if (d->fill_len)
            rc = write_batch(d, progress, data);
        else if (d->x.done)
            break;
        else
            rc = http_xfer_park(&d->x);
        if (rc < 0)
            break;
    }
    http_xfer_stop(&d->x);
    if (rc == 0 && d->restart && d->x.done && d->x.result == CURLE_OK && !d->x.write_error)
        rc = write_batch(d, progress, data); /* an empty body: truncate all the same */
    if (rc == -ECANCELED)
        return rc;
    if (rc < 0)
        return http_fail(rc, "%s: writing the file: %s", url, ed_strerror(rc));
    if (d->x.write_error == -EPROTO)
        return http_fail(-EPROTO, "%s: the server sent another range than asked (%s)", url,
                         d->content_range);
    if ((rc = http_xfer_outcome(&d->x, url)) < 0)
        return rc;
    if (d->status / 100 != 2)
        return http_fail(-EREMOTEIO, "%s: the server answered %ld, not the file", url, d->status);
    return 0;
}

/* The attempts: through the proxy, directly if that one could not be
 * reached and the caller allows it, and over again from the start when a
 * server cannot serve the rest of a partial file (416). */
static int attempts(struct download *d, const char *url, const ed_http_options *opt,
                    ed_http_progress_fn progress, void *data)
{
    const char *proxy = NULL;
    bool from_scratch = false;
    for (int tries = 0;; tries++) {
        int rc = transfer(d, url, opt, proxy, from_scratch, progress, data);
        if (rc >= 0 || rc == -ECANCELED || !d->sink || d->fill_len || tries > 1)
            return rc;
        if (opt && opt->proxy_fallback && !proxy && d->x.result != CURLE_OK &&
            http_proxy_unreachable(d->x.result))
            proxy = "";
        else if (rc == -EREMOTEIO && d->status == 416 && d->offset && !from_scratch)
            from_scratch = true;
        else
            return rc;
    }
}

static void fill_result(struct download *d, ed_http_download_result *out)
{
    if (!out)
        return;
    out->status = d->status;
    if (!out->status && d->x.easy)
        curl_easy_getinfo(d->x.easy, CURLINFO_RESPONSE_CODE, &out->status);
    out->size = d->written;
    out->resumed = d->offset;
}

int ed_http_download_with(const char *url, const char *dir, const ed_http_options *opt,
                          const ed_http_download_options *dl, ed_http_download_result *out)
{
    static const ed_http_download_options defaults;
    if (!dl)
        dl = &defaults;
    if (out)
        memset(out, 0, sizeof *out);
    http_clear_error();
    if (!url || !dir || !*dir)
        return -EINVAL;
    ed_suspension *waiter;
    struct http_multi *M;
    int rc = http_call_begin(&waiter, &M);
    if (rc < 0)
        return rc;
    struct download *d = calloc(1, sizeof *d);
    if (!d || !(d->batch = calloc(1, sizeof *d->batch)) ||
        !(d->x.easy = http_easy_take(M, 0, &(bool){false}))) {
        if (d)
            free(d->batch);
        free(d);
        return -ENOMEM;
    }
    d->x.waiter = waiter;
    d->x.release = download_release;
    /* From here on the multi handle frees d (and what it holds) if the loop
     * goes first, at any of the suspensions below. */
    http_xfer_track(M, &d->x);

    /* A resumable file's name must be known before any response. */
    if (dl->name || dl->resume) {
        d->name = dl->name ? http_safe_name(dl->name) : http_download_name(NULL, 0, url);
        if (!d->name)
            rc = http_fail(-ENOMEM, "%s: %s", url, ed_strerror(-ENOMEM));
    }
    /* The file first: a directory that cannot take it fails before
     * anything goes over the network. */
    if (rc == 0 && (rc = http_sink_open(dir, dl->resume ? d->name : NULL, &d->sink)) < 0)
        http_fail(rc, "%s: cannot create a file in %s: %s", url, dir, ed_strerror(rc));
    if (rc == 0) {
        rc = attempts(d, url, opt, dl->progress, dl->progress_data);
        if (rc == 0 && dl->progress && d->written == d->offset)
            dl->progress(d->written, d->total, dl->progress_data); /* at least once */
    }
    fill_result(d, out);
    if (rc == 0 && !d->name) {
        const char *effective = NULL;
        curl_easy_getinfo(d->x.easy, CURLINFO_EFFECTIVE_URL, &effective);
        d->name = http_download_name(d->disposition, d->disposition_len,
                                     effective ? effective : url);
        if (!d->name)
            rc = http_fail(-ENOMEM, "%s: %s", url, ed_strerror(-ENOMEM));
    }
    if (rc == 0) {
        struct http_sink *s = d->sink;
        d->sink = NULL; /* the finish's, whatever happens */
        char *path = NULL;
        if ((rc = http_sink_finish(s, d->name, dl->overwrite, &path)) < 0)
            http_fail(rc, "%s: cannot put the file in %s: %s", url, dir, ed_strerror(rc));
        if (out)
            out->path = path;
        else
            free(path);
    }
    if (rc == 0)
        http_clear_error(); /* an attempt that failed on the way is no failure */
    if (d->sink) {
        struct http_sink *s = d->sink;
        d->sink = NULL; /* the pool job's now */
        char failure[HTTP_ERROR_MAX];
        http_error_keep(failure);
        http_sink_abandon(s); /* suspends: others may fail meanwhile */
        http_error_put(failure);
    }
    http_xfer_untrack(&d->x);
    http_easy_put(M, d->x.easy, 0); /* set up by hand: reset before reuse */
    download_free(d);
    return rc;
}

int ed_http_download(const char *url, const char *dir, const ed_http_options *opt,
                     ed_http_progress_fn progress, void *data, char **path_out)
{
    ed_http_download_options dl = {.progress = progress, .progress_data = data};
    ed_http_download_result res;
    int rc = ed_http_download_with(url, dir, opt, &dl, &res);
    if (rc == 0 && path_out)
        *path_out = res.path;
    else
        free(res.path);
    return rc;
}
