/* The HTTP module's insides: one libcurl multi handle per thread's loop,
 * and transfers that park the calling fiber until libcurl is done with
 * them. Built only on eddy's public API. */
#ifndef EDDY_HTTP_INTERNAL_H
#define EDDY_HTTP_INTERNAL_H

#include <curl/curl.h>
#include <eddy.h>
#include <eddy/http.h>
#include <stdint.h>

/* The loop's multi handle and what drives it (multi.c). */
struct http_multi;

/* The kinds of transfer, whose handles differ in more than the options:
 * max_body applies to requests only, a download's body goes to a file. */
enum { HTTP_KIND_REQUEST = 1, HTTP_KIND_DOWNLOAD = 2 };

/* One transfer, from add to removal. Heap-allocated and listed by the multi
 * handle, which frees whatever is left when the loop goes. */
struct http_xfer {
    struct http_multi *M;
    CURL *easy;
    struct curl_slist *headers;
    ed_suspension *waiter; /* the fiber running the transfer */
    bool parked;           /* waiter is inside ed_suspend for this transfer */
    bool added;            /* easy is in the multi handle */
    bool queued;           /* waits to be added, with the tick's others */
    struct http_xfer *next_add;
    bool done;             /* libcurl finished it: result is set */
    CURLcode result;
    char errbuf[CURL_ERROR_SIZE];
    int write_error;       /* a negative code a callback failed with */
    /* Frees the transfer and whatever owns it when the loop goes while it
     * is still listed (its fiber is gone with the loop); x->easy is still
     * set and is the release's to clean up. */
    void (*release)(struct http_xfer *x);
    struct http_xfer *prev, *next;
};

/* The calling loop's multi handle, created on first use. NULL with errno
 * ENOMEM, or EPERM when libcurl could not be initialised. */
struct http_multi *http_multi_get(void);

/* What every request call needs first: the calling fiber's suspension
 * and the loop's multi handle. 0, -EPERM (a raw loop callback: no fiber
 * to park), -ENOMEM. */
int http_call_begin(ed_suspension **waiter, struct http_multi **M);

/* Lists x with the multi handle, which from now on frees it (through
 * x->release) if the loop goes before x is untracked. */
void http_xfer_track(struct http_multi *M, struct http_xfer *x);

/* Stops x if it runs and unlists it: x is the caller's alone again. */
void http_xfer_untrack(struct http_xfer *x);

/* Adds x->easy (configured, x tracked) to the multi handle. 0 or a
 * negative code. */
int http_xfer_start(struct http_xfer *x);

/* Parks the calling fiber until the transfer is done or something calls
 * http_xfer_wake. 0, or the suspension's error (-ECANCELED, ...). */
int http_xfer_park(struct http_xfer *x);

/* Wakes the transfer's fiber if it is parked. */
void http_xfer_wake(struct http_xfer *x);

/* Removes x->easy from the multi handle if it is there; x stays tracked
 * and keeps its easy handle. Idempotent. */
void http_xfer_stop(struct http_xfer *x);

/* An easy handle from the loop's cache (or a new one; NULL when out of
 * memory). *ready says it was last set up with the same `setup` key (see
 * http_easy_setup), so only the per-request options need setting. */
CURL *http_easy_take(struct http_multi *M, uint64_t setup, bool *ready);
/* Every option back to libcurl's default. */
void http_easy_reset(CURL *easy);
/* Gives the handle back to the cache, tagged with the key it is set up
 * with; 0 (options changed by hand) resets it first. */
void http_easy_put(struct http_multi *M, CURL *easy, uint64_t setup);

/* Sets easy up to close its sockets through the multi handle, which then
 * drops their watchers. 0 or -EINVAL. */
int http_set_close(CURL *easy, struct http_multi *M);

/* A handle for a transfer of `kind` with opt applied: from the cache as
 * it is when one was set up alike, else reset and set up. *key is what to
 * give http_easy_put. 0, -EINVAL (bad options), -ENOMEM. */
int http_easy_setup(struct http_multi *M, const ed_http_options *opt, int kind, CURL **easy,
                    uint64_t *key);

/* What the loop's transfers share (CURLOPT_SHARE): TLS sessions, and with
 * cookies the cookie jar. Every request gets one of the two: a handle
 * reused from the cache must never keep the jar of its last request. */
CURLSH *http_multi_share(struct http_multi *M, bool cookies);

/* Applies opt (NULL: defaults) to easy. Copies every string. 0, -EINVAL
 * (a bad value: negative or NaN timeouts), -ENOMEM. */
int http_apply_options(CURL *easy, struct http_multi *M, const ed_http_options *opt, int kind);

/* Sets the URL, and what depends on its scheme. 0, -ENOMEM, -EINVAL. */
int http_set_url(CURL *easy, const char *url);

/* Runs a configured, tracked transfer to its end: starts it, parks until
 * done, and stops it (also when the wait is cancelled). 0 or a negative code; on a
 * libcurl failure the message is recorded (http_fail). */
int http_xfer_run(struct http_xfer *x, const char *url);

/* A finished transfer's result: 0, or its error recorded (http_fail). */
int http_xfer_outcome(struct http_xfer *x, const char *url);

/* A libcurl result as a negative errno code; os_errno is the socket's own
 * error where libcurl kept one (CURLINFO_OS_ERRNO), or 0. */
int http_error_code(CURLcode rc, long os_errno);

/* Records a failure of this thread's HTTP call: the text for
 * ed_http_last_error() and, in a task, ed_fail's. Returns err. */
int http_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Forgets the last failure (a new call begins). */
void http_clear_error(void);

/* The last failure's text, copied out (to HTTP_ERROR_MAX bytes) and back:
 * a call that suspends after failing lets other fibers fail meanwhile, and
 * puts its own text back before it returns. */
#define HTTP_ERROR_MAX (CURL_ERROR_SIZE + 2048)
void http_error_keep(char *text);
void http_error_put(const char *text);

/* Whether a proxy failure happened before anything reached the server, so
 * that trying again directly is safe. */
bool http_proxy_unreachable(CURLcode rc);

/* A download's file (sink.c). Every call that takes one to the pool may
 * lose it: see each. */
struct http_sink;

/* Makes the file in dir: a hidden temporary one, or with part_name the
 * resumable "<part_name>.part", opened at its end and kept on failure.
 * 0 and *out, or a negative code. Suspends. */
int http_sink_open(const char *dir, const char *part_name, struct http_sink **out);

/* Bytes in the file; the path it is being written at. */
size_t http_sink_size(const struct http_sink *s);
const char *http_sink_path(const struct http_sink *s);

/* A batch for the pool to write; with restart, the file starts over. */
struct http_write {
    struct http_sink *sink;
    char *buf;
    size_t len, cap;
    bool restart;
};

/* Writes (*w)->len bytes. 0, or a negative code: a write error (w and its
 * sink still the caller's), or the trip to the pool failed or was
 * cancelled, and then *w is NULL: w and its sink are the pool's to
 * dispose of. Suspends. */
int http_sink_write(struct http_write **w);

/* Moves the file to name in its directory (taking "name (1).ext", ...
 * while taken, unless overwrite) and gives it a new file's permissions.
 * s is gone afterwards, whatever happens. 0 and *path (the caller frees
 * it), or a negative code. Suspends. */
int http_sink_finish(struct http_sink *s, const char *name, bool overwrite, char **path);

/* Closes s and removes its file (unless it is a partial file to resume)
 * on the pool, and waits for it; in a cancelled fiber, at once on the
 * calling thread. Suspends. */
void http_sink_abandon(struct http_sink *s);

/* The same, at once, on the calling thread. */
void http_sink_dispose(struct http_sink *s);

/* The file name a download gets: from the Content-Disposition value (may
 * be NULL), else from the URL's last path segment; always a plain name
 * that stays inside its directory. Returns a new string, NULL when out of
 * memory. */
char *http_download_name(const char *disposition, size_t disposition_len, const char *url);

/* name made a plain file name the same way ("download" if nothing is
 * left). A new string, NULL when out of memory. */
char *http_safe_name(const char *name);

#endif
