/* eddy: an HTTP client on libcurl, driven by the calling thread's loop.
 *
 * An optional module: built when libcurl is found, as the library eddy_http
 * (link -leddy_http -leddy -lcurl; pkg-config eddy-http; CMake
 * eddy::http). It uses only eddy's public API.
 *
 * Each thread's loop gets one libcurl multi handle at its first request,
 * freed with the loop. Every transfer of the thread shares it, and with it
 * the connection cache (keep-alive, HTTP/2 multiplexing when the server
 * offers it over TLS), the DNS cache and, unless a request opts out, one
 * cookie jar. libcurl's sockets and timer are eddy watchers: no call here
 * blocks the thread, and any number of transfers run at once.
 *
 * Every request call suspends the calling fiber (a task, or main, which
 * runs the loop meanwhile) and follows the rules of the other suspending
 * calls: -ECANCELED once the calling task is cancelled (the transfer is
 * removed and freed at once), -EPERM in a raw loop callback, and from main
 * -EDEADLK or an unhandled loop error.
 *
 * Any HTTP status is a successful call; only a transfer that failed
 * returns an error. libcurl's failures map to errno codes: -ETIMEDOUT,
 * -ECONNREFUSED (and the socket's own errno where libcurl kept one),
 * -EHOSTUNREACH (a name that did not resolve), -ELOOP (too many
 * redirects), -EKEYREJECTED (a TLS peer that failed verification), -EPROTO
 * (TLS or protocol failures), -EINVAL (a malformed URL or unsupported
 * scheme), -ECONNRESET, -EFBIG (max_body exceeded), -ENOMEM; -EIO for the
 * rest. libcurl's own message stays available: ed_http_last_error(), and
 * inside a task it is also the failure text (ed_fail) that a returned
 * error carries to the task's future. */
#ifndef EDDY_HTTP_H
#define EDDY_HTTP_H

#include <eddy.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Passed as max_redirects: follow no redirect (a 3xx is the response). */
#define ED_HTTP_NO_REDIRECTS (-1)

/* Options of one request. NULL, or a zeroed struct, takes every default;
 * each zero field takes its own. Strings are copied by the call. */
typedef struct ed_http_options {
    /* "socks5h://[user:pass@]host:port" (names resolved by the proxy),
     * "socks5://...", "http://..." or "https://...". NULL: the usual
     * environment variables (http_proxy, https_proxy, all_proxy, no_proxy)
     * decide; "" forces a direct connection even when they are set. */
    const char *proxy;
    /* When the proxy cannot be reached or refuses the connection, try
     * again directly. Off by default: it bypasses a proxy you may rely on. */
    bool proxy_fallback;
    double timeout;         /* whole transfer in seconds; 0 or less: none */
    double connect_timeout; /* each connection; 0: 30 s */
    int max_redirects;      /* 0: 20; ED_HTTP_NO_REDIRECTS: none */
    /* DNS over HTTPS: resolve host names by asking this https:// URL.
     * NULL: the system resolver. */
    const char *doh_url;
    /* Skips TLS verification (peer certificate and host name). Off by
     * default: TLS is always verified. */
    bool insecure;
    bool no_cookies;        /* keep this request out of the loop's jar */
    const char *user_agent; /* NULL: "eddy/<version>" */
    /* The largest body ed_http_get/ed_http_request keeps in memory; a
     * larger one fails the call with -EFBIG. 0: no limit. */
    size_t max_body;
} ed_http_options;

/* A complete response, owned by the caller: ed_http_response_free(). */
typedef struct ed_http_response {
    long status;         /* 200, 404, ...; of the last response after redirects */
    int http_version;    /* 10, 11, 20 or 30 */
    char *body;          /* body_len bytes and a NUL after them (never NULL) */
    size_t body_len;
    char *headers;       /* the last response's header block, as received */
    size_t headers_len;
    char *effective_url; /* the URL that answered, after redirects */
} ed_http_response;

/* GETs url and waits for the whole response: *out gets it (the caller's,
 * free with ed_http_response_free). opt may be NULL. Errors: -EINVAL (url
 * or out NULL, a NaN timeout, a user_agent with a line break), the
 * transfer errors above. Suspends. */
ED_API int ed_http_get(const char *url, const ed_http_options *opt, ed_http_response **out);

/* Sends any request and waits for the whole response. method: "GET",
 * "HEAD", "POST", "PUT", "DELETE", ... (NULL: GET, or POST when there is a
 * body). headers: NULL or a NULL-terminated array of "Name: value" lines,
 * which replace libcurl's own of the same name ("Name:" removes one). body
 * is sent as is, body_len bytes (NULL with 0: none); it must stay valid
 * until the call returns. Errors as ed_http_get. Suspends. */
ED_API int ed_http_request(const char *method, const char *url, const char *const *headers,
                           const void *body, size_t body_len, const ed_http_options *opt,
                           ed_http_response **out);

/* Frees a response (NULL is ignored). */
ED_API void ed_http_response_free(ed_http_response *r);

/* The value of the first header called name (case-insensitive) in r's
 * header block, trimmed, with its length in *len (if len is not NULL); not
 * NUL-terminated: it points into r->headers. NULL when there is none. */
ED_API const char *ed_http_header(const ed_http_response *r, const char *name, size_t *len);

/* Reports a download's advance: bytes in the file so far (a resumed
 * download's earlier bytes included), and the whole size the server
 * announced (0 when it did not). Called from the downloading fiber after
 * each write, and at least once; it may suspend. */
typedef void (*ed_http_progress_fn)(size_t done, size_t total, void *data);

/* The seed's download_to_dir: GETs url into a new file in dir, streaming:
 * memory stays bounded whatever the size, and the disk is written by the
 * thread pool. The file's name comes from the response's
 * Content-Disposition, else from the URL's last path segment, reduced to a
 * plain name that cannot leave dir ("download" when nothing usable is
 * left). The body goes to a hidden temporary file in dir, renamed over
 * the final name only once complete; on any failure it is removed. On
 * success *path_out (if not NULL) gets the file's path (the caller frees
 * it). A status of 400 or more, or a redirect not followed, keeps no file
 * and returns -EREMOTEIO, with the status in ed_http_last_error(). max_body
 * does not apply. Errors as ed_http_get, plus -EINVAL
 * (url or dir NULL), the errors of creating and writing the file
 * (-ENOENT, -EACCES, -ENOSPC, ...). Suspends. */
ED_API int ed_http_download(const char *url, const char *dir, const ed_http_options *opt,
                            ed_http_progress_fn progress, void *data, char **path_out);

/* What a download does beyond ed_http_download's defaults. Zeroed fields
 * take them. */
typedef struct ed_http_download_options {
    /* The file's name in dir (made safe like a server's: only its last
     * path component, no leading dots). NULL: from the response, else the
     * URL. */
    const char *name;
    /* Replace a file of that name instead of taking "name (1).ext". */
    bool overwrite;
    /* Resumable: the body goes to "<name>.part" in dir, which a failed or
     * cancelled download keeps; a later one finds it and asks only for
     * the rest (a Range request). A server that answers with the whole
     * body (200), or cannot serve the range (416), starts the file over.
     * The name comes from `name`, else the URL (the response cannot name
     * a file that must exist before it). */
    bool resume;
    ed_http_progress_fn progress;
    void *progress_data;
} ed_http_download_options;

/* What a download did; the caller frees path (free()). */
typedef struct ed_http_download_result {
    char *path;     /* the file's path on success, else NULL */
    long status;    /* the last response's status; 0 if none came */
    size_t size;    /* bytes in the file (on failure: in the partial file) */
    size_t resumed; /* of which an earlier attempt had written */
} ed_http_download_result;

/* ed_http_download with options (dl may be NULL) and a fuller result
 * (out may be NULL; it is filled on failure too). Errors as
 * ed_http_download, plus -EPROTO when a range answer starts elsewhere
 * than asked. Suspends. */
ED_API int ed_http_download_with(const char *url, const char *dir, const ed_http_options *opt,
                                 const ed_http_download_options *dl,
                                 ed_http_download_result *out);

/* The name ed_http_download gives url's file when the response does not
 * name it: the URL's last path segment, decoded and made safe (no path,
 * no leading dots, no control characters; "download" if nothing is
 * left). A new string (free()), or NULL with errno EINVAL (url NULL) or
 * ENOMEM. Does not suspend. */
ED_API char *ed_http_file_name(const char *url);

/* The seed's file_get_contents: the body at an http:// or https:// URL
 * (GET with the default options; the status is not checked), or the
 * contents of a local file (a path, or a file:// URL) read on the thread
 * pool. *data gets a NUL-terminated buffer (the caller frees it) and *len
 * its length (if len is not NULL). Errors as ed_http_get or ed_file_get.
 * Suspends. */
ED_API int ed_file_get_contents(const char *url_or_path, char **data, size_t *len);

/* libcurl's message for the last HTTP call of this thread that failed
 * (with the URL), or "" if none did. Valid until the next HTTP call on
 * this thread; read it before suspending again. */
ED_API const char *ed_http_last_error(void);

#ifdef __cplusplus
}
#endif

#endif /* EDDY_HTTP_H */
