/* ed_http_download: a response body streamed into a file.
 *
 * libcurl's write callback only copies into a buffer and wakes the
 * downloading fiber; the fiber hands what has gathered to the thread pool
 * (the disk may stall, the loop must not) and meanwhile the next bytes
 * gather in a second buffer. Past HIGH_WATER bytes waiting, the transfer
 * pauses until the disk catches up: memory stays bounded by two buffers
 * whatever the file's size, and the batches grow with the disk's lag.
 *
 * The file (the "sink") belongs to one party at a time: the fiber, or the
 * pool job it is handed to. A job that fails or whose caller is cancelled
 * disposes of the sink itself (closes and removes the temporary file), so
 * a cancelled download never leaves a file behind, even while the disk is
 * still busy with its last write. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define HIGH_WATER (1u << 20)
#define MAX_DUPLICATES 1000

struct sink {
    int fd;
    char *tmp; /* the temporary file's path, once it exists */
    char *dir;
};

static void sink_dispose(struct sink *s)
{
    if (s->fd >= 0)
        close(s->fd);
    if (s->tmp)
        unlink(s->tmp);
    free(s->tmp);
    free(s->dir);
    free(s);
}

static void sink_drop(void *arg, void *result, int rc)
{
    (void)result;
    (void)rc;
    sink_dispose(arg);
}

/* ---- pool jobs: each always "succeeds", its outcome in err, so that
 * only cancellation and submission failures reach the drop functions,
 * which then own everything the job held. -------------------------------- */

static int open_job(void *arg, void **result)
{
    (void)result;
    struct sink *s = arg;
    size_t n = strlen(s->dir) + sizeof "/.eddy-XXXXXX.part";
    if (!(s->tmp = malloc(n)))
        return -ENOMEM;
    snprintf(s->tmp, n, "%s/.eddy-XXXXXX.part", s->dir);
    s->fd = mkostemps(s->tmp, 5, O_CLOEXEC);
    if (s->fd < 0) {
        int err = -errno;
        free(s->tmp);
        s->tmp = NULL;
        return err;
    }
    return 0;
}

struct write_job {
    struct sink *sink;
    char *buf;
    size_t len, cap;
    int err;
};

static int write_job(void *arg, void **result)
{
    (void)result;
    struct write_job *j = arg;
    j->err = 0;
    for (size_t off = 0; off < j->len;) {
        ssize_t n = write(j->sink->fd, j->buf + off, j->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            j->err = -errno;
            break;
        }
        off += (size_t)n;
    }
    return 0;
}

static void write_drop(void *arg, void *result, int rc)
{
    (void)result;
    (void)rc;
    struct write_job *j = arg;
    sink_dispose(j->sink);
    free(j->buf);
    free(j);
}

struct finish_job {
    struct sink *sink;
    const char *name;
    char *path; /* the final file's */
    int err;
};

/* name, or "stem (i).ext" for the i-th duplicate. */
static char *candidate(const char *dir, const char *name, int i)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name)
        dot = name + strlen(name);
    size_t n = strlen(dir) + strlen(name) + 16;
    char *p = malloc(n);
    if (p && i == 0)
        snprintf(p, n, "%s/%s", dir, name);
    else if (p)
        snprintf(p, n, "%s/%.*s (%d)%s", dir, (int)(dot - name), name, i, dot);
    return p;
}

/* Takes the first free name (an existing file is never replaced), gives
 * the file the permissions a new file gets, and renames it there. */
static int finish_job(void *arg, void **result)
{
    (void)result;
    struct finish_job *j = arg;
    struct sink *s = j->sink;
    j->err = -EEXIST;
    for (int i = 0; i < MAX_DUPLICATES && j->err == -EEXIST; i++) {
        if (!(j->path = candidate(s->dir, j->name, i))) {
            j->err = -ENOMEM;
            break;
        }
        /* The placeholder claims the name and tells which mode umask
         * leaves to new files; the rename then replaces it. */
        int fd = open(j->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0) {
            j->err = -errno;
            free(j->path);
            j->path = NULL;
            continue;
        }
        struct stat st;
        j->err = fstat(fd, &st) == 0 && fchmod(s->fd, st.st_mode & 07777) == 0 ? 0 : -errno;
        close(fd);
        if (j->err == 0 && rename(s->tmp, j->path) != 0)
            j->err = -errno;
        if (j->err < 0) {
            unlink(j->path);
            free(j->path);
            j->path = NULL;
            break;
        }
    }
    if (j->err == 0) {
        free(s->tmp); /* renamed: nothing left to remove */
        s->tmp = NULL;
    }
    return 0;
}

static void finish_drop(void *arg, void *result, int rc)
{
    (void)result;
    (void)rc;
    struct finish_job *j = arg;
    if (j->path && j->err == 0)
        unlink(j->path); /* finished after its caller left: not wanted */
    free(j->path);
    sink_dispose(j->sink);
    free(j);
}

static int dispose_job(void *arg, void **result)
{
    (void)result;
    sink_dispose(arg);
    return 0;
}

/* Only when dispose_job never ran (rc is then the call's own error): a
 * job that ran, even for a caller gone since, has done it all. */
static void dispose_drop(void *arg, void *result, int rc)
{
    (void)result;
    if (rc < 0)
        sink_dispose(arg);
}

static int dispose_task(void *arg, void **result)
{
    (void)result;
    ed_blocking_with(dispose_job, arg, dispose_drop, NULL);
    return 0;
}

/* Disposes of a sink the fiber still holds, from a task of its own: the
 * fiber may be cancelled, and then its own trips to the pool return at
 * once. */
static void sink_abandon(struct sink *s)
{
    if (ed_go(dispose_task, s) < 0)
        sink_dispose(s);
}

/* ---- the transfer ------------------------------------------------------ */

struct download {
    struct http_xfer x;
    struct sink *sink;
    struct write_job *job; /* its buffer is the one not being filled */
    char *fill;            /* libcurl's bytes, waiting for the disk */
    size_t fill_len, fill_cap;
    bool paused;
    size_t total, written;
    char *disposition; /* of the last response */
    size_t disposition_len;
};

static size_t on_data(char *p, size_t size, size_t n, void *data)
{
    struct download *d = data;
    size_t len = size * n;
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

static size_t on_header(char *p, size_t size, size_t n, void *data)
{
    struct download *d = data;
    size_t len = size * n;
    static const char key[] = "content-disposition:";
    if (len >= 5 && memcmp(p, "HTTP/", 5) == 0) {
        free(d->disposition); /* a new response: a redirect's is not ours */
        d->disposition = NULL;
    } else if (len > sizeof key - 1 && strncasecmp(p, key, sizeof key - 1) == 0) {
        free(d->disposition);
        d->disposition_len = len - (sizeof key - 1);
        if (!(d->disposition = malloc(d->disposition_len + 1))) {
            d->x.write_error = -ENOMEM;
            return 0;
        }
        memcpy(d->disposition, p + sizeof key - 1, d->disposition_len);
        d->disposition[d->disposition_len] = '\0';
    } else if (len <= 2 && (p[0] == '\r' || p[0] == '\n')) {
        curl_off_t cl = -1;
        curl_easy_getinfo(d->x.easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &cl);
        d->total = cl > 0 ? (size_t)cl : 0;
    }
    return len;
}

/* Frees the record and its buffers; its easy handle and sink are gone. */
static void download_free(struct download *d)
{
    if (d->job) {
        free(d->job->buf);
        free(d->job);
    }
    free(d->fill);
    free(d->disposition);
    free(d);
}

static void download_release(struct http_xfer *x)
{
    struct download *d = (struct download *)x;
    curl_easy_cleanup(x->easy);
    if (d->sink)
        sink_dispose(d->sink);
    download_free(d);
}

/* Writes what has gathered, while libcurl fills the other buffer. On an
 * error the sink may be gone (a job that fails disposes of it). */
static int write_batch(struct download *d, ed_http_progress_fn progress, void *data)
{
    struct write_job *j = d->job;
    char *spare = j->buf;
    size_t spare_cap = j->cap;
    j->buf = d->fill;
    j->cap = d->fill_cap;
    j->len = d->fill_len;
    j->sink = d->sink;
    d->fill = spare;
    d->fill_cap = spare_cap;
    d->fill_len = 0;
    if (d->paused) { /* there is room again: the held bytes may come */
        d->paused = false;
        curl_easy_pause(d->x.easy, CURLPAUSE_CONT);
    }
    /* The job holds the file and the buffer until it is back: if the loop
     * goes meanwhile, the pool disposes of them, not the transfer. */
    d->job = NULL;
    d->sink = NULL;
    int rc = ed_blocking_with(write_job, j, write_drop, NULL);
    if (rc < 0)
        return rc;
    d->job = j;
    d->sink = j->sink;
    if (j->err < 0)
        return j->err;
    d->written += j->len;
    if (progress)
        progress(d->written, d->total, data);
    return 0;
}

static int set_transfer(struct download *d, struct http_multi *M, const char *url,
                        const ed_http_options *opt, const char *proxy_override)
{
    CURL *e = d->x.easy;
    int rc = http_apply_options(e, M, opt);
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
    return curl_easy_setopt(e, CURLOPT_URL, url) == CURLE_OK ? 0 : -ENOMEM;
}

/* One attempt: the transfer, writing as bytes come. */
static int transfer(struct download *d, const char *url, const ed_http_options *opt,
                    const char *proxy_override, ed_http_progress_fn progress, void *data)
{
    int rc = set_transfer(d, d->x.M, url, opt, proxy_override);
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
    if (rc < 0)
        return rc == -ECANCELED ? rc : http_fail(rc, "%s: writing %s: %s", url,
                                                  d->sink ? d->sink->tmp : "the file",
                                                  ed_strerror(rc));
    return http_xfer_outcome(&d->x, url);
}

static int finish(struct download *d, const char *url, char **path_out)
{
    const char *effective = NULL;
    curl_easy_getinfo(d->x.easy, CURLINFO_EFFECTIVE_URL, &effective);
    char *name = http_download_name(d->disposition, d->disposition_len,
                                    effective ? effective : url);
    struct finish_job *j = name ? calloc(1, sizeof *j) : NULL;
    if (!j) {
        free(name);
        return -ENOMEM;
    }
    j->sink = d->sink;
    j->name = name;
    d->sink = NULL; /* the job's now, whatever happens */
    int rc = ed_blocking_with(finish_job, j, finish_drop, NULL);
    free(name);
    if (rc < 0)
        return rc;
    rc = j->err;
    if (rc == 0 && path_out)
        *path_out = j->path;
    else
        free(j->path);
    if (rc < 0)
        sink_abandon(j->sink);
    else
        sink_dispose(j->sink); /* only frees: the file was renamed and closed */
    free(j);
    if (rc < 0)
        http_fail(rc, "%s: cannot create the file in the directory: %s", url, ed_strerror(rc));
    return rc;
}

int ed_http_download(const char *url, const char *dir, const ed_http_options *opt,
                     ed_http_progress_fn progress, void *data, char **path_out)
{
    http_clear_error();
    if (!url || !dir || !*dir)
        return -EINVAL;
    ed_suspension *waiter;
    struct http_multi *M;
    int rc = http_call_begin(&waiter, &M);
    if (rc < 0)
        return rc;
    struct download *d = calloc(1, sizeof *d);
    struct sink *s = calloc(1, sizeof *s);
    if (!d || !s || !(s->dir = strdup(dir)) || !(d->job = calloc(1, sizeof *d->job)) ||
        !(d->x.easy = http_easy_take(M))) {
        if (s)
            free(s->dir);
        free(s);
        if (d)
            free(d->job);
        free(d);
        return -ENOMEM;
    }
    s->fd = -1;
    d->x.waiter = waiter;
    d->x.release = download_release;
    /* From here on the multi handle frees d if the loop goes first. */
    http_xfer_track(M, &d->x);

    /* The temporary file first: a directory that cannot take it fails
     * before anything goes over the network. Until it returns, s is the
     * job's. */
    rc = ed_blocking_with(open_job, s, sink_drop, NULL);
    if (rc < 0) {
        http_fail(rc, "%s: cannot create a file in %s: %s", url, dir, ed_strerror(rc));
    } else {
        d->sink = s;
        rc = transfer(d, url, opt, NULL, progress, data);
        if (rc < 0 && rc != -ECANCELED && opt && opt->proxy_fallback && d->sink &&
            !d->written && !d->fill_len && http_proxy_unreachable(d->x.result)) {
            curl_easy_reset(d->x.easy);
            rc = transfer(d, url, opt, "", progress, data);
        }
        if (rc == 0) {
            if (progress && !d->written)
                progress(0, d->total, data);
            rc = finish(d, url, path_out);
        }
    }
    http_xfer_untrack(&d->x);
    if (d->sink)
        sink_abandon(d->sink);
    http_easy_put(M, d->x.easy);
    download_free(d);
    return rc;
}
