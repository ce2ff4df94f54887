/* In-process HTTP servers and proxies for the HTTP client's tests: see
 * http_support.h. Everything here runs as eddy tasks on the caller's loop. */
#include "http_support.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- small things ----------------------------------------------------------- */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "http_support: out of memory\n");
        abort();
    }
    return p;
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        fprintf(stderr, "http_support: out of memory\n");
        abort();
    }
    return p;
}

static char *xstrdup(const char *s)
{
    size_t n = strlen(s);
    char *d = xmalloc(n + 1);
    memcpy(d, s, n + 1);
    return d;
}

/* A growing byte buffer. */
typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_add(sbuf *b, const void *data, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) {
            fprintf(stderr, "http_support: out of memory\n");
            abort();
        }
        b->p = p;
        b->cap = cap;
    }
    if (n)
        memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        abort();
    char *tmp = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(tmp, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sb_add(b, tmp, (size_t)n);
    free(tmp);
}

void hs_fill(void *buf, uint64_t offset, size_t n)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < n; i++)
        p[i] = hs_pattern(offset + i);
}

bool hs_check(const void *buf, uint64_t offset, size_t n)
{
    const uint8_t *p = buf;
    for (size_t i = 0; i < n; i++)
        if (p[i] != hs_pattern(offset + i))
            return false;
    return true;
}

uint64_t hs_fnv(uint64_t h, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t hs_pattern_fnv(uint64_t n)
{
    uint8_t buf[65536];
    uint64_t h = HS_FNV_INIT;
    for (uint64_t off = 0; off < n;) {
        size_t k = n - off < sizeof buf ? (size_t)(n - off) : sizeof buf;
        hs_fill(buf, off, k);
        h = hs_fnv(h, buf, k);
        off += k;
    }
    return h;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Decodes %XX in s[0..n), a malloc'd NUL-terminated string. */
static char *percent_decode(const char *s, size_t n)
{
    char *d = xmalloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval((unsigned char)s[i + 1])) >= 0 &&
            (lo = hexval((unsigned char)s[i + 2])) >= 0) {
            d[k++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            d[k++] = s[i];
        }
    }
    d[k] = '\0';
    return d;
}

char *hs_percent_encode(const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = strlen(s);
    char *d = xmalloc(3 * n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '.' || c == '_' || c == '~' || c == '-') {
            d[k++] = (char)c;
        } else {
            d[k++] = '%';
            d[k++] = hex[c >> 4];
            d[k++] = hex[c & 15];
        }
    }
    d[k] = '\0';
    return d;
}

static char *base64(const char *s)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(s);
    const unsigned char *p = (const unsigned char *)s;
    char *d = xmalloc(4 * ((n + 2) / 3) + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        d[k++] = tab[(v >> 18) & 63];
        d[k++] = tab[(v >> 12) & 63];
        d[k++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        d[k++] = i + 2 < n ? tab[v & 63] : '=';
    }
    d[k] = '\0';
    return d;
}

int hs_refused_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 1) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd); /* nobody listens there now */
    return port;
}

/* ---- waiting for counters ------------------------------------------------- */

static void notify(hs_waiter *w)
{
    if (w->d)
        ed_resolve(w->d, NULL); /* -EALREADY if already woken: fine */
}

static int wait_counter(hs_waiter *w, const int *counter, int target, double timeout)
{
    double end = ed_now() + timeout;
    while (*counter < target) {
        if (w->d)
            return -EBUSY;
        double left = end - ed_now();
        if (left <= 0)
            return -ETIMEDOUT;
        ed_deferred *d = ed_deferred_new();
        if (!d)
            return -ENOMEM;
        ed_future *f = ed_deferred_future(d);
        w->d = d;
        int rc = ed_timeout(f, left, NULL);
        w->d = NULL;
        ed_future_release(f);
        ed_deferred_free(d);
        if (rc < 0)
            return *counter >= target ? 0 : rc;
    }
    return 0;
}

int hs_wait(hs_server *s, const int *counter, int target, double timeout)
{
    return wait_counter(&s->waiter, counter, target, timeout);
}

/* ---- listeners: what the server and the proxies share ------------------------ */

/* Cancels a task, waits for it to end and releases it. */
static void end_task(ed_future *f)
{
    ed_cancel_future(f);
    ed_await(f, NULL);
    ed_future_release(f);
}

/* Accepts on l->lfd until cancelled: each connection goes to l->take with
 * a stream over it. */
static int accept_task(void *arg, void **result)
{
    hs_listener *l = arg;
    (void)result;
    for (;;) {
        int fd = ed_accept(l->lfd, -1);
        if (fd == -ECANCELED)
            return 0;
        if (fd < 0)
            return ed_fail(fd, "%s: accept: %s", l->who, ed_strerror(fd));
        ed_stream *st = ed_stream_new(fd);
        if (!st) {
            close(fd);
            continue;
        }
        l->take(l->owner, fd, st);
    }
}

/* Listens on 127.0.0.1 (a free port, in *port) and starts accepting, for
 * take(owner, ...). 0, or a negative error. */
static int listener_start(hs_listener *l, const char *who,
                          void (*take)(void *owner, int fd, ed_stream *st), void *owner,
                          int *port)
{
    l->who = who;
    l->take = take;
    l->owner = owner;
    l->lfd = ed_tcp_listen("127.0.0.1", "0", 0);
    if (l->lfd < 0)
        return l->lfd;
    *port = ed_socket_port(l->lfd);
    int rc = *port < 0 ? *port : 0;
    if (rc == 0) {
        l->acceptor = ed_async(accept_task, l);
        if (!l->acceptor)
            rc = -ENOMEM;
    }
    if (rc < 0) {
        close(l->lfd);
        l->lfd = -1;
    }
    return rc;
}

/* Stops accepting and closes the listening socket. */
static void listener_stop(hs_listener *l)
{
    if (l->acceptor) {
        end_task(l->acceptor);
        l->acceptor = NULL;
    }
    if (l->lfd >= 0)
        close(l->lfd);
    l->lfd = -1;
}

/* ---- requests ------------------------------------------------------------------ */

#define MAX_HEADERS 128
#define MAX_BODY ((size_t)64 << 20)

typedef struct request {
    char method[16];
    char *target;  /* as received */
    char *path;    /* decoded? no: raw, without the query */
    char *query;   /* raw, without '?', or NULL */
    char version[16];
    char *headers[MAX_HEADERS];
    int nheaders;
    char *body;
    size_t body_len;
    bool close; /* the client wants the connection closed after this */
    bool head;
} request;

static void request_free(request *rq)
{
    free(rq->target);
    free(rq->path);
    free(rq->query);
    for (int i = 0; i < rq->nheaders; i++)
        free(rq->headers[i]);
    free(rq->body);
    memset(rq, 0, sizeof *rq);
}

/* The value of header `name` (leading blanks skipped), or NULL. */
static const char *header_get(char *const *headers, int n, const char *name)
{
    size_t len = strlen(name);
    for (int i = 0; i < n; i++) {
        if (strncasecmp(headers[i], name, len) == 0 && headers[i][len] == ':') {
            const char *v = headers[i] + len + 1;
            while (*v == ' ' || *v == '\t')
                v++;
            return v;
        }
    }
    return NULL;
}

/* The decoded value of query parameter `name`, malloc'd, or NULL. */
static char *query_get(const char *query, const char *name)
{
    if (!query)
        return NULL;
    size_t len = strlen(name);
    const char *p = query;
    while (*p) {
        const char *end = strchr(p, '&');
        if (!end)
            end = p + strlen(p);
        if ((size_t)(end - p) > len && strncmp(p, name, len) == 0 && p[len] == '=')
            return percent_decode(p + len + 1, (size_t)(end - p) - len - 1);
        p = *end ? end + 1 : end;
    }
    return NULL;
}

static double query_num(const char *query, const char *name, double dflt)
{
    char *v = query_get(query, name);
    if (!v)
        return dflt;
    double d = strtod(v, NULL);
    free(v);
    return d;
}

/* Reads the header block (request line and headers) of one request from st.
 * 1 with *rq filled, 0 at a clean end of stream, negative on error. */
static int read_head(ed_stream *st, request *rq)
{
    char *line = NULL;
    ssize_t n;
    do { /* RFC 9112: ignore empty lines before the request line */
        free(line);
        n = ed_stream_read_line(st, &line, 0);
        if (n < 0)
            return (int)n;
        if (!line)
            return 0;
    } while (n == 0);
    char *sp1 = strchr(line, ' ');
    char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
    if (!sp1 || !sp2 || (size_t)(sp1 - line) >= sizeof rq->method ||
        strlen(sp2 + 1) >= sizeof rq->version) {
        free(line);
        return -EPROTO;
    }
    memcpy(rq->method, line, (size_t)(sp1 - line));
    rq->method[sp1 - line] = '\0';
    *sp2 = '\0';
    rq->target = xstrdup(sp1 + 1);
    snprintf(rq->version, sizeof rq->version, "%s", sp2 + 1);
    free(line);
    for (;;) {
        n = ed_stream_read_line(st, &line, 0);
        if (n < 0)
            return (int)n;
        if (!line)
            return -EPROTO; /* the stream ended inside the header block */
        if (n == 0) {
            free(line);
            break;
        }
        if (rq->nheaders == MAX_HEADERS) {
            free(line);
            return -EPROTO;
        }
        rq->headers[rq->nheaders++] = line;
    }
    return 1;
}

/* Reads a body as the headers announce it (Content-Length or chunked). */
static int read_body(ed_stream *st, request *rq)
{
    const char *te = header_get(rq->headers, rq->nheaders, "Transfer-Encoding");
    const char *cl = header_get(rq->headers, rq->nheaders, "Content-Length");
    if (te && strcasestr(te, "chunked")) {
        sbuf b = {0};
        for (;;) {
            char *line = NULL;
            ssize_t n = ed_stream_read_line(st, &line, 0);
            if (n < 0 || !line) {
                free(b.p);
                return n < 0 ? (int)n : -EPROTO;
            }
            size_t size = strtoul(line, NULL, 16);
            free(line);
            if (size == 0)
                break;
            if (b.len + size > MAX_BODY) {
                free(b.p);
                return -EFBIG;
            }
            char *chunk = xmalloc(size);
            int rc = ed_stream_read_exact(st, chunk, size);
            if (rc == 0)
                sb_add(&b, chunk, size);
            free(chunk);
            if (rc == 0) {
                n = ed_stream_read_line(st, &line, 0); /* the CRLF after the data */
                free(line);
                if (n != 0)
                    rc = n < 0 ? (int)n : -EPROTO;
            }
            if (rc < 0) {
                free(b.p);
                return rc;
            }
        }
        for (;;) { /* trailers, up to the empty line */
            char *line = NULL;
            ssize_t n = ed_stream_read_line(st, &line, 0);
            bool end = n <= 0;
            free(line);
            if (n < 0) {
                free(b.p);
                return (int)n;
            }
            if (end)
                break;
        }
        rq->body = b.p ? b.p : xcalloc(1, 1);
        rq->body_len = b.len;
        return 0;
    }
    size_t len = cl ? strtoul(cl, NULL, 10) : 0;
    if (len > MAX_BODY)
        return -EFBIG;
    rq->body = xmalloc(len + 1);
    rq->body[len] = '\0';
    rq->body_len = len;
    return len ? ed_stream_read_exact(st, rq->body, len) : 0;
}

/* ---- the origin server ------------------------------------------------------ */

struct hs_conn {
    hs_server *s;
    int fd;
    ed_stream *st;
    ed_future *task;
    hs_conn *next;
};

static const char *reason(int status)
{
    switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 500: return "Internal Server Error";
    default: return "Whatever";
    }
}

/* Queues the status line and headers. length < 0: chunked. */
static int send_head(hs_conn *c, const request *rq, int status, const char *extra, long long length)
{
    sbuf b = {0};
    sb_printf(&b, "HTTP/1.1 %d %s\r\n", status, reason(status));
    if (length >= 0)
        sb_printf(&b, "Content-Length: %lld\r\n", length);
    else
        sb_str(&b, "Transfer-Encoding: chunked\r\n");
    sb_str(&b, "Server: eddy-test\r\n");
    if (extra)
        sb_str(&b, extra);
    sb_str(&b, rq->close ? "Connection: close\r\n\r\n" : "Connection: keep-alive\r\n\r\n");
    int rc = ed_stream_write(c->st, b.p, b.len);
    free(b.p);
    return rc;
}

/* A whole response with a body in memory (none for HEAD). */
static int respond(hs_conn *c, const request *rq, int status, const char *extra, const void *body,
                   size_t len)
{
    int rc = send_head(c, rq, status, extra, (long long)len);
    if (rc == 0 && len && !rq->head)
        rc = ed_stream_write(c->st, body, len);
    return rc;
}

static int respond_text(hs_conn *c, const request *rq, int status, const char *text)
{
    return respond(c, rq, status, "Content-Type: text/plain\r\n", text, strlen(text));
}

/* Waits up to `seconds` for the client to go away, without reading a
 * request: 1 when it went away, 0 when the time ran out, or -ECANCELED. */
static int client_left_within(hs_conn *c, double seconds)
{
    char b;
    ed_stream_set_timeout(c->st, seconds);
    ssize_t n = ed_stream_read(c->st, &b, 1);
    ed_stream_set_timeout(c->st, -1);
    if (n == -ETIMEDOUT || n > 0)
        return 0;
    if (n == -ECANCELED)
        return (int)n;
    return 1; /* end of stream or an error: gone */
}

static void client_gone(hs_conn *c)
{
    c->s->client_gone++;
    notify(&c->s->waiter);
}

/* Sends bytes [from, to) of the pattern in chunks of 64 KiB made as they
 * go. */
static int send_pattern_range(hs_conn *c, uint64_t from, uint64_t to)
{
    size_t cap = 65536;
    char *buf = xmalloc(cap);
    int rc = 0;
    for (uint64_t off = from; off < to && rc == 0;) {
        size_t k = to - off < cap ? (size_t)(to - off) : cap;
        hs_fill(buf, off, k);
        rc = ed_stream_write(c->st, buf, k);
        off += k;
    }
    free(buf);
    return rc;
}

static int send_pattern(hs_conn *c, uint64_t n)
{
    return send_pattern_range(c, 0, n);
}

/* n bytes of the pattern, with Range requests ("bytes=S-" or "bytes=S-E")
 * answered by 206 or 416. Query: cut=K closes the connection once byte K
 * is reached; norange=1 ignores Range (200, all of it); badrange=1
 * answers a range with 206 from byte 0. */
static int route_bytes(hs_conn *c, const request *rq, uint64_t n)
{
    hs_server *s = c->s;
    double cut_at = query_num(rq->query, "cut", -1);
    uint64_t cut = cut_at < 0 ? UINT64_MAX : (uint64_t)cut_at;
    bool norange = query_num(rq->query, "norange", 0) != 0;
    bool badrange = query_num(rq->query, "badrange", 0) != 0;
    const char *range = header_get(rq->headers, rq->nheaders, "Range");
    uint64_t from = 0, to = n;
    int status = 200;
    char extra[256] = "Content-Type: application/octet-stream\r\nAccept-Ranges: bytes\r\n";
    if (range && !norange && strncmp(range, "bytes=", 6) == 0) {
        s->range_requests++;
        char *end;
        from = strtoull(range + 6, &end, 10);
        s->last_range_start = (long long)from;
        if (*end == '-' && end[1] >= '0' && end[1] <= '9') {
            uint64_t last = strtoull(end + 1, NULL, 10);
            if (last + 1 < to)
                to = last + 1;
        }
        if (from >= n) {
            char h[128];
            snprintf(h, sizeof h, "Content-Range: bytes */%llu\r\n", (unsigned long long)n);
            return respond(c, rq, 416, h, "", 0);
        }
        if (badrange)
            from = 0;
        status = 206;
        size_t len = strlen(extra);
        snprintf(extra + len, sizeof extra - len, "Content-Range: bytes %llu-%llu/%llu\r\n",
                 (unsigned long long)from, (unsigned long long)(to - 1), (unsigned long long)n);
    }
    int rc = send_head(c, rq, status, extra, (long long)(to - from));
    if (rc < 0 || rq->head)
        return rc;
    if (cut < to && cut > from) {
        rc = send_pattern_range(c, from, cut);
        if (rc == 0)
            rc = ed_stream_flush(c->st);
        return rc < 0 ? rc : -ECONNABORTED; /* close the connection there */
    }
    rc = send_pattern_range(c, from, to);
    if (rc < 0 && rc != -ECANCELED)
        client_gone(c);
    return rc;
}

static int route_chunked(hs_conn *c, const request *rq, uint64_t n)
{
    int rc = send_head(c, rq, 200, "Content-Type: application/octet-stream\r\n", -1);
    if (rc < 0 || rq->head)
        return rc;
    char *buf = xmalloc(65536);
    size_t size = 1;
    for (uint64_t off = 0; off < n && rc == 0;) {
        size_t k = n - off < size ? (size_t)(n - off) : size;
        char line[32];
        int ln = snprintf(line, sizeof line, "%zx\r\n", k);
        hs_fill(buf, off, k);
        rc = ed_stream_write(c->st, line, (size_t)ln);
        if (rc == 0)
            rc = ed_stream_write(c->st, buf, k);
        if (rc == 0)
            rc = ed_stream_write(c->st, "\r\n", 2);
        if (rc == 0)
            rc = ed_stream_flush(c->st); /* each chunk in a segment of its own */
        off += k;
        size = size >= 65536 ? 1 : size * 4;
    }
    free(buf);
    if (rc == 0)
        rc = ed_stream_write(c->st, "0\r\n\r\n", 5);
    return rc;
}

static int route_slow(hs_conn *c, const request *rq)
{
    int parts = (int)query_num(rq->query, "parts", 20);
    size_t size = (size_t)query_num(rq->query, "size", 1000);
    double delay = query_num(rq->query, "delay", 0.1);
    int rc = send_head(c, rq, 200, "Content-Type: application/octet-stream\r\n",
                       (long long)parts * (long long)size);
    if (rc == 0)
        rc = ed_stream_flush(c->st);
    if (rc < 0 || rq->head)
        return rc;
    c->s->slow_started++;
    notify(&c->s->waiter);
    char *buf = xmalloc(size);
    for (int i = 0; i < parts && rc == 0; i++) {
        if (i > 0) {
            rc = client_left_within(c, delay);
            if (rc == 1) {
                client_gone(c);
                rc = -EPIPE;
                break;
            }
        }
        if (rc == 0) {
            hs_fill(buf, (uint64_t)i * size, size);
            rc = ed_stream_write(c->st, buf, size);
            if (rc == 0)
                rc = ed_stream_flush(c->st);
            if (rc < 0 && rc != -ECANCELED)
                client_gone(c);
        }
    }
    free(buf);
    return rc;
}

static int route_delay(hs_conn *c, const request *rq, long ms)
{
    hs_server *s = c->s;
    s->in_delay++;
    if (s->in_delay > s->max_in_delay)
        s->max_in_delay = s->in_delay;
    int rc = ed_sleep((double)ms / 1000.0);
    s->in_delay--;
    if (rc < 0)
        return rc;
    char text[64];
    snprintf(text, sizeof text, "delayed %ld", ms);
    return respond_text(c, rq, 200, text);
}

static int route_cut(hs_conn *c, const request *rq, bool reset)
{
    int rc = send_head(c, rq, 200, "Content-Type: application/octet-stream\r\n", 1000000);
    if (rc == 0 && !rq->head)
        rc = send_pattern(c, reset ? 65536 : 1000);
    if (rc == 0)
        rc = ed_stream_flush(c->st);
    if (rc < 0)
        return rc;
    if (reset) {
        struct linger lg = {1, 0};
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    }
    return -ECONNABORTED; /* close the connection now */
}

static int route_echo(hs_conn *c, const request *rq)
{
    sbuf b = {0};
    sb_printf(&b, "%s %s\n", rq->method, rq->target);
    for (int i = 0; i < rq->nheaders; i++)
        sb_printf(&b, "%s\n", rq->headers[i]);
    sb_str(&b, "\n");
    if (rq->body_len)
        sb_add(&b, rq->body, rq->body_len);
    char extra[64];
    snprintf(extra, sizeof extra, "Content-Type: text/plain\r\nX-Echo-Method: %s\r\n",
             rq->method);
    int rc = respond(c, rq, 200, extra, b.p, b.len);
    free(b.p);
    return rc;
}

static int route_disposition(hs_conn *c, const request *rq)
{
    char *name = query_get(rq->query, "name");
    char *raw = query_get(rq->query, "raw");
    sbuf h = {0};
    if (name)
        sb_printf(&h, "Content-Disposition: attachment; filename=\"%s\"\r\n", name);
    else if (raw)
        sb_printf(&h, "Content-Disposition: %s\r\n", raw);
    sb_str(&h, "Content-Type: application/octet-stream\r\n");
    int rc = respond(c, rq, 200, h.p, "disposition body", 16);
    free(h.p);
    free(name);
    free(raw);
    return rc;
}

/* RFC 8484: a DNS query in, an A record 127.0.0.1 out (no AAAA record). */
static int route_dns(hs_conn *c, const request *rq)
{
    const uint8_t *q = (const uint8_t *)rq->body;
    size_t n = rq->body_len;
    if (strcmp(rq->method, "POST") != 0 || n < 12 + 5)
        return respond_text(c, rq, 400, "not a DNS query");
    size_t i = 12;
    char name[256];
    size_t nl = 0;
    while (i < n && q[i] != 0) {
        size_t l = q[i];
        if (l > 63 || i + 1 + l > n || nl + l + 2 > sizeof name)
            return respond_text(c, rq, 400, "bad name");
        if (nl)
            name[nl++] = '.';
        memcpy(name + nl, q + i + 1, l);
        nl += l;
        i += 1 + l;
    }
    name[nl] = '\0';
    if (i + 5 > n)
        return respond_text(c, rq, 400, "short question");
    size_t qname_end = i + 1; /* past the root label */
    unsigned qtype = (unsigned)q[qname_end] << 8 | q[qname_end + 1];
    size_t qend = qname_end + 4;
    bool nx = strncmp(name, "nx.", 3) == 0;
    bool answer = qtype == 1 && !nx;
    sbuf r = {0};
    uint8_t hdr[12] = {q[0], q[1], 0x81, nx ? 0x83 : 0x80, 0, 1, 0, answer ? 1 : 0, 0, 0, 0, 0};
    sb_add(&r, hdr, sizeof hdr);
    sb_add(&r, q + 12, qend - 12); /* the question */
    if (answer) {
        sb_add(&r, q + 12, qname_end - 12); /* the name, uncompressed */
        const uint8_t rr[] = {0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1};
        sb_add(&r, rr, sizeof rr);
    }
    hs_server *s = c->s;
    snprintf(s->last_dns_name, sizeof s->last_dns_name, "%s", name);
    s->dns_queries++;
    int rc = respond(c, rq, 200, "Content-Type: application/dns-message\r\n", r.p, r.len);
    free(r.p);
    notify(&s->waiter);
    return rc;
}

static bool path_num(const char *path, const char *prefix, unsigned long long *out)
{
    size_t len = strlen(prefix);
    if (strncmp(path, prefix, len) != 0 || !path[len])
        return false;
    char *end;
    errno = 0;
    *out = strtoull(path + len, &end, 10);
    return errno == 0 && *end == '\0';
}

/* Answers one request. 0: the connection may serve another; < 0: close it. */
static int route(hs_conn *c, request *rq)
{
    const char *p = rq->path;
    unsigned long long n;
    if (path_num(p, "/bytes/", &n))
        return route_bytes(c, rq, n);
    if (path_num(p, "/big/", &n))
        return route_bytes(c, rq, n); /* made in 64 KiB chunks as it goes */
    if (path_num(p, "/chunked/", &n))
        return route_chunked(c, rq, n);
    if (path_num(p, "/flaky/", &n)) {
        /* The first `fails` requests (over the server's life) get 503. */
        if (c->s->flaky_failed < (int)query_num(rq->query, "fails", 2)) {
            c->s->flaky_failed++;
            return respond_text(c, rq, 503, "try again");
        }
        return route_bytes(c, rq, n);
    }
    if (strcmp(p, "/slow") == 0)
        return route_slow(c, rq);
    if (path_num(p, "/delay/", &n))
        return route_delay(c, rq, (long)n);
    if (strcmp(p, "/reset") == 0)
        return route_cut(c, rq, true);
    if (strcmp(p, "/close") == 0)
        return route_cut(c, rq, false);
    if (path_num(p, "/redirect/", &n)) {
        if (n == 0)
            return respond_text(c, rq, 200, "done");
        char extra[96];
        snprintf(extra, sizeof extra, "Location: /redirect/%llu\r\n", n - 1);
        return respond(c, rq, 302, extra, "moved", 5);
    }
    if (path_num(p, "/status/", &n)) {
        char text[32];
        snprintf(text, sizeof text, "status %llu", n);
        return respond_text(c, rq, (int)n, text);
    }
    if (strcmp(p, "/disposition") == 0)
        return route_disposition(c, rq);
    if (strncmp(p, "/files/", 7) == 0)
        return respond_text(c, rq, 200, "file");
    if (strcmp(p, "/hdr") == 0)
        return respond(c, rq, 200,
                       "X-Spacesuit: wrong\r\n"
                       "X-Decoy: X-Spaces: decoy\r\n"
                       "X-Spaces:    padded value   \r\n"
                       "x-multi: one\r\n"
                       "X-Multi: two\r\n"
                       "X-Empty:\r\n"
                       "Content-Type: text/plain; charset=utf-8\r\n",
                       "hdr", 3);
    if (strcmp(p, "/cookie/set") == 0) {
        char *v = query_get(rq->query, "v");
        char extra[256];
        snprintf(extra, sizeof extra, "Set-Cookie: eddy=%s; Path=/\r\n", v ? v : "");
        free(v);
        return respond(c, rq, 200, extra, "cookie", 6);
    }
    if (strcmp(p, "/goto") == 0) {
        char *to = query_get(rq->query, "url");
        sbuf h = {0};
        sb_printf(&h, "Location: %s\r\n", to ? to : "/");
        int rc = respond(c, rq, 302, h.p, "moved", 5);
        free(h.p);
        free(to);
        return rc;
    }
    if (strcmp(p, "/echo") == 0)
        return route_echo(c, rq);
    if (strcmp(p, "/dns-query") == 0)
        return route_dns(c, rq);
    return respond_text(c, rq, 404, "no such thing");
}

static int conn_task(void *arg, void **result)
{
    hs_conn *c = arg;
    hs_server *s = c->s;
    (void)result;
    for (;;) {
        request rq;
        memset(&rq, 0, sizeof rq);
        int rc = read_head(c->st, &rq);
        if (rc <= 0) {
            request_free(&rq);
            break;
        }
        s->requests++;
        snprintf(s->last_method, sizeof s->last_method, "%s", rq.method);
        const char *conn = header_get(rq.headers, rq.nheaders, "Connection");
        rq.close = (conn && strcasecmp(conn, "close") == 0) || strcmp(rq.version, "HTTP/1.0") == 0;
        rq.head = strcmp(rq.method, "HEAD") == 0;
        const char *expect = header_get(rq.headers, rq.nheaders, "Expect");
        if (expect && strcasecmp(expect, "100-continue") == 0) {
            const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
            rc = ed_stream_write(c->st, cont, sizeof cont - 1);
            if (rc == 0)
                rc = ed_stream_flush(c->st);
        }
        if (rc >= 0)
            rc = read_body(c->st, &rq);
        if (rc == 0) {
            /* origin-form from absolute-form (a request meant for a proxy) */
            const char *t = rq.target;
            if (strncmp(t, "http://", 7) == 0) {
                const char *slash = strchr(t + 7, '/');
                t = slash ? slash : "/";
            }
            const char *qm = strchr(t, '?');
            rq.path = qm ? strndup(t, (size_t)(qm - t)) : xstrdup(t);
            rq.query = qm ? xstrdup(qm + 1) : NULL;
            if (!rq.path)
                abort();
            rc = route(c, &rq);
        }
        if (rc == 0)
            rc = ed_stream_flush(c->st);
        bool close_it = rq.close;
        request_free(&rq);
        if (rc < 0 || close_it)
            break;
    }
    ed_stream_close(c->st);
    c->st = NULL;
    s->open_conns--;
    notify(&s->waiter);
    return 0;
}

/* Takes a connection the server accepted. */
static void take_conn(void *owner, int fd, ed_stream *st)
{
    hs_server *s = owner;
    hs_conn *c = xcalloc(1, sizeof *c);
    c->s = s;
    c->fd = fd;
    c->st = st;
    s->accepted++;
    s->open_conns++;
    c->next = s->conns;
    s->conns = c;
    c->task = ed_async(conn_task, c);
    if (!c->task)
        abort();
    notify(&s->waiter);
}

int hs_start(hs_server *s)
{
    memset(s, 0, sizeof *s);
    int rc = listener_start(&s->listener, "test server", take_conn, s, &s->port);
    if (rc == 0)
        snprintf(s->base, sizeof s->base, "http://127.0.0.1:%d", s->port);
    return rc;
}

void hs_stop(hs_server *s)
{
    listener_stop(&s->listener);
    while (s->conns) {
        hs_conn *c = s->conns;
        s->conns = c->next;
        end_task(c->task);
        if (c->st) /* never started: closed here */
            ed_stream_close(c->st);
        free(c);
    }
}

const char *hs_vurl(const char *base, const char *fmt, va_list ap)
{
    static char bufs[8][2048];
    static int next;
    char *b = bufs[next];
    next = (next + 1) % 8;
    int n = snprintf(b, sizeof bufs[0], "%s", base);
    vsnprintf(b + n, sizeof bufs[0] - (size_t)n, fmt, ap);
    return b;
}

const char *hs_url(const hs_server *s, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const char *url = hs_vurl(s->base, fmt, ap);
    va_end(ap);
    return url;
}

/* ---- proxies ------------------------------------------------------------------- */

struct hs_relay {
    hs_proxy *p;
    int cfd; /* the client's, owned by cst */
    ed_stream *cst;
    int ufd; /* the target's */
    ed_future *task, *back;
    hs_relay *next;
};

/* The target to the client, as long as it sends. */
static int pump_back(void *arg, void **result)
{
    hs_relay *r = arg;
    (void)result;
    char *buf = xmalloc(16384);
    for (;;) {
        ssize_t n = ed_read(r->ufd, buf, 16384, -1);
        if (n <= 0)
            break;
        if (ed_stream_write(r->cst, buf, (size_t)n) < 0 || ed_stream_flush(r->cst) < 0)
            break;
    }
    free(buf);
    shutdown(r->cfd, SHUT_WR);
    return 0;
}

/* The client to the target, then waits for the other direction. */
static int pump_forth(hs_relay *r)
{
    r->back = ed_async(pump_back, r);
    if (!r->back)
        abort();
    char *buf = xmalloc(16384);
    int rc = 0;
    for (;;) {
        ssize_t n = ed_stream_read(r->cst, buf, 16384);
        if (n <= 0) {
            rc = n == -ECANCELED ? -ECANCELED : 0;
            break;
        }
        ssize_t w = ed_write(r->ufd, buf, (size_t)n, -1);
        if (w < 0) {
            rc = w == -ECANCELED ? -ECANCELED : 0;
            break;
        }
    }
    free(buf);
    if (rc == -ECANCELED)
        return rc; /* hs_proxy_stop takes it from here */
    shutdown(r->ufd, SHUT_WR);
    return ed_await(r->back, NULL);
}

static int write_all(hs_relay *r, const void *buf, size_t n)
{
    int rc = ed_stream_write(r->cst, buf, n);
    return rc ? rc : ed_stream_flush(r->cst);
}

static int http_refuse(hs_relay *r, const char *status)
{
    char b[256];
    int n = snprintf(b, sizeof b,
                     "HTTP/1.1 %s\r\nProxy-Authenticate: Basic realm=\"eddy\"\r\n"
                     "Content-Length: 0\r\nConnection: close\r\n\r\n",
                     status);
    write_all(r, b, (size_t)n);
    return -EPERM;
}

static bool http_auth_ok(hs_proxy *p, const request *rq)
{
    if (!p->user)
        return true;
    const char *v = header_get(rq->headers, rq->nheaders, "Proxy-Authorization");
    sbuf up = {0};
    sb_printf(&up, "%s:%s", p->user, p->pass ? p->pass : "");
    char *b64 = base64(up.p);
    sbuf want = {0};
    sb_printf(&want, "Basic %s", b64);
    bool ok = v && strcmp(v, want.p) == 0;
    free(up.p);
    free(b64);
    free(want.p);
    if (ok)
        p->auth_ok++;
    else
        p->auth_failed++;
    return ok;
}

/* Splits "host:port" or "[v6]:port" (dflt when there is no port). */
static void split_hostport(const char *s, size_t len, char *host, size_t hostcap, char *port,
                           size_t portcap, const char *dflt)
{
    const char *end = s + len;
    const char *colon = NULL;
    if (len && s[0] == '[') {
        const char *rb = memchr(s, ']', len);
        if (rb) {
            snprintf(host, hostcap, "%.*s", (int)(rb - s - 1), s + 1);
            if (rb + 1 < end && rb[1] == ':')
                snprintf(port, portcap, "%.*s", (int)(end - rb - 2), rb + 2);
            else
                snprintf(port, portcap, "%s", dflt);
            return;
        }
    }
    for (const char *q = s; q < end; q++)
        if (*q == ':')
            colon = q;
    if (colon) {
        snprintf(host, hostcap, "%.*s", (int)(colon - s), s);
        snprintf(port, portcap, "%.*s", (int)(end - colon - 1), colon + 1);
    } else {
        snprintf(host, hostcap, "%.*s", (int)len, s);
        snprintf(port, portcap, "%s", dflt);
    }
}

static int http_handshake(hs_relay *r)
{
    hs_proxy *p = r->p;
    request rq;
    memset(&rq, 0, sizeof rq);
    int rc = read_head(r->cst, &rq);
    if (rc <= 0) {
        request_free(&rq);
        return rc < 0 ? rc : -ENODATA;
    }
    /* CONNECT host:port (a tunnel), or GET http://host:port/path. */
    bool tunnel = strcmp(rq.method, "CONNECT") == 0;
    if (!tunnel && strncmp(rq.target, "http://", 7) != 0) {
        request_free(&rq);
        return http_refuse(r, "400 Bad Request");
    }
    char host[256], port[16];
    const char *path = NULL;
    if (tunnel) {
        p->connects++;
        split_hostport(rq.target, strlen(rq.target), host, sizeof host, port, sizeof port, "443");
    } else {
        p->absolute++;
        const char *auth = rq.target + 7;
        path = strchr(auth, '/');
        size_t alen = path ? (size_t)(path - auth) : strlen(auth);
        split_hostport(auth, alen, host, sizeof host, port, sizeof port, "80");
    }
    snprintf(p->last_target, sizeof p->last_target, "%s:%s", host, port);
    const char *refused = NULL;
    if (!http_auth_ok(p, &rq))
        refused = "407 Proxy Authentication Required";
    else if ((r->ufd = ed_tcp_connect(host, port, 10)) < 0)
        refused = "502 Bad Gateway";
    if (refused) {
        request_free(&rq);
        return http_refuse(r, refused);
    }
    if (tunnel) {
        request_free(&rq);
        const char ok[] = "HTTP/1.1 200 Connection established\r\n\r\n";
        p->relayed++;
        return write_all(r, ok, sizeof ok - 1);
    }
    sbuf b = {0};
    sb_printf(&b, "%s %s %s\r\n", rq.method, path ? path : "/", rq.version);
    for (int i = 0; i < rq.nheaders; i++) {
        const char *h = rq.headers[i];
        if (strncasecmp(h, "Proxy-", 6) == 0 || strncasecmp(h, "Connection:", 11) == 0 ||
            strncasecmp(h, "Keep-Alive:", 11) == 0)
            continue;
        sb_printf(&b, "%s\r\n", h);
    }
    sb_str(&b, "Connection: close\r\n\r\n");
    request_free(&rq);
    p->relayed++;
    ssize_t w = ed_write(r->ufd, b.p, b.len, 10);
    rc = w == (ssize_t)b.len ? 0 : (w < 0 ? (int)w : -EIO);
    free(b.p);
    return rc; /* the body, if any, follows through the pump */
}

static int socks_handshake(hs_relay *r)
{
    hs_proxy *p = r->p;
    uint8_t b[512];
    int rc = ed_stream_read_exact(r->cst, b, 2);
    if (rc < 0)
        return rc;
    if (b[0] != 5 || b[1] == 0)
        return -EPROTO;
    uint8_t nmethods = b[1];
    rc = ed_stream_read_exact(r->cst, b, nmethods);
    if (rc < 0)
        return rc;
    uint8_t want = p->user ? 2 : 0;
    bool offered = memchr(b, want, nmethods) != NULL;
    uint8_t reply[2] = {5, offered ? want : 0xff};
    rc = write_all(r, reply, 2);
    if (rc < 0 || !offered) {
        if (!offered)
            p->auth_failed++;
        return rc < 0 ? rc : -EPERM;
    }
    if (want == 2) { /* RFC 1929 */
        char user[256], pass[256];
        rc = ed_stream_read_exact(r->cst, b, 2);
        if (rc == 0)
            rc = ed_stream_read_exact(r->cst, user, b[1]);
        user[rc == 0 ? b[1] : 0] = '\0';
        uint8_t plen = 0;
        if (rc == 0)
            rc = ed_stream_read_exact(r->cst, &plen, 1);
        if (rc == 0)
            rc = ed_stream_read_exact(r->cst, pass, plen);
        pass[rc == 0 ? plen : 0] = '\0';
        if (rc < 0)
            return rc;
        bool ok = b[0] == 1 && strcmp(user, p->user) == 0 &&
                  strcmp(pass, p->pass ? p->pass : "") == 0;
        if (ok)
            p->auth_ok++;
        else
            p->auth_failed++;
        uint8_t ar[2] = {1, ok ? 0 : 1};
        rc = write_all(r, ar, 2);
        if (rc < 0 || !ok)
            return rc < 0 ? rc : -EPERM;
    }
    rc = ed_stream_read_exact(r->cst, b, 4);
    if (rc < 0)
        return rc;
    if (b[0] != 5 || b[1] != 1)
        return -EPROTO;
    char host[256], port[16];
    uint8_t atyp = b[3];
    if (atyp == 1) {
        rc = ed_stream_read_exact(r->cst, b, 4);
        if (rc < 0)
            return rc;
        inet_ntop(AF_INET, b, host, sizeof host);
        p->socks_ipv4++;
    } else if (atyp == 3) {
        uint8_t len;
        rc = ed_stream_read_exact(r->cst, &len, 1);
        if (rc == 0 && len)
            rc = ed_stream_read_exact(r->cst, host, len);
        if (rc < 0)
            return rc;
        host[len] = '\0';
        p->socks_domain++;
    } else if (atyp == 4) {
        rc = ed_stream_read_exact(r->cst, b, 16);
        if (rc < 0)
            return rc;
        inet_ntop(AF_INET6, b, host, sizeof host);
    } else {
        return -EPROTO;
    }
    rc = ed_stream_read_exact(r->cst, b, 2);
    if (rc < 0)
        return rc;
    snprintf(port, sizeof port, "%u", (unsigned)b[0] << 8 | b[1]);
    snprintf(p->last_target, sizeof p->last_target, "%s:%s", host, port);
    r->ufd = ed_tcp_connect(host, port, 10);
    uint8_t rep[10] = {5, r->ufd >= 0 ? 0 : 5, 0, 1, 0, 0, 0, 0, 0, 0};
    rc = write_all(r, rep, sizeof rep);
    if (r->ufd < 0)
        return r->ufd;
    if (rc == 0)
        p->relayed++;
    return rc;
}

static int relay_task(void *arg, void **result)
{
    hs_relay *r = arg;
    (void)result;
    int rc = r->p->kind == HS_PROXY_HTTP ? http_handshake(r) : socks_handshake(r);
    if (rc == 0)
        rc = pump_forth(r);
    if (rc == -ECANCELED)
        return 0; /* hs_proxy_stop closes what is left */
    if (r->back) {
        ed_await(r->back, NULL);
        ed_future_release(r->back);
        r->back = NULL;
    }
    ed_stream_close(r->cst);
    r->cst = NULL;
    if (r->ufd >= 0)
        close(r->ufd);
    r->ufd = -1;
    return 0;
}

/* Takes a connection the proxy accepted. */
static void take_relay(void *owner, int fd, ed_stream *st)
{
    hs_proxy *p = owner;
    hs_relay *r = xcalloc(1, sizeof *r);
    r->p = p;
    r->cfd = fd;
    r->ufd = -1;
    r->cst = st;
    p->accepted++;
    r->next = p->relays;
    p->relays = r;
    r->task = ed_async(relay_task, r);
    if (!r->task)
        abort();
}

int hs_proxy_start(hs_proxy *p, hs_proxy_kind kind, const char *user, const char *pass)
{
    memset(p, 0, sizeof *p);
    p->kind = kind;
    p->user = user;
    p->pass = pass;
    int rc = listener_start(&p->listener, "test proxy", take_relay, p, &p->port);
    if (rc == 0)
        snprintf(p->addr, sizeof p->addr, "127.0.0.1:%d", p->port);
    return rc;
}

void hs_proxy_stop(hs_proxy *p)
{
    listener_stop(&p->listener);
    while (p->relays) {
        hs_relay *r = p->relays;
        p->relays = r->next;
        end_task(r->task);
        if (r->back)
            end_task(r->back);
        if (r->cst)
            ed_stream_close(r->cst);
        if (r->ufd >= 0)
            close(r->ufd);
        free(r);
    }
}
