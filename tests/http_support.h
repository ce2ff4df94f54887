/* In-process servers for the HTTP client's tests, written with eddy itself.
 *
 * They are eddy tasks on the calling thread's loop, the loop the client
 * under test runs on: a client call made from main runs the loop until its
 * response is there, and the server tasks progress meanwhile. Start them
 * from main (or a task), stop them before ed_shutdown(): hs_*_stop cancels
 * every task they started, waits for each, closes every fd and frees every
 * byte, so that a test ends with no watcher, fd or allocation left.
 *
 * The origin server (hs_server) speaks HTTP/1.1 with keep-alive and counts
 * what it sees. Its routes:
 *   /bytes/N         N bytes of the pattern (hs_pattern), Content-Length,
 *                    generated in 64 KiB chunks while it is sent (the
 *                    server's memory stays flat whatever N is); Range
 *                    requests get 206 (or 416 past the end). Query: cut=K
 *                    closes the connection at byte K, norange=1 ignores
 *                    Range, badrange=1 answers a range from byte 0
 *   /big/N           the same
 *   /flaky/N?fails=K the first K requests to any /flaky/ URL get 503 (the
 *                    server counts them in flaky_failed), later ones are
 *                    /bytes/N
 *   /chunked/N       N bytes of the pattern, Transfer-Encoding: chunked, in
 *                    chunks of growing sizes, each flushed on its own
 *   /slow?parts=P&size=S&delay=D
 *                    headers (Content-Length P*S) at once, then P parts of S
 *                    bytes of the pattern, D seconds apart; it notices a
 *                    client that goes away between parts (slow_started,
 *                    client_gone)
 *   /delay/MS        waits MS milliseconds, then answers "delayed MS"
 *                    (in_delay, max_in_delay count the requests waiting)
 *   /reset           announces 1,000,000 bytes, sends 64 KiB, then resets
 *                    the connection (SO_LINGER 0)
 *   /close           announces 1,000,000 bytes, sends 1,000, then closes
 *   /redirect/N      302 to /redirect/N-1; /redirect/0 answers "done"
 *   /status/N        status N, body "status N"
 *   /disposition?name=X   Content-Disposition: attachment; filename="X"
 *   /disposition?raw=X    Content-Disposition: X (X percent-decoded)
 *   /files/ANY       200, body "file" (for names taken from the URL)
 *   /goto?url=X      302 to X
 *   /hdr             a set of awkward response headers (see the .c)
 *   /cookie/set?v=X  Set-Cookie: eddy=X
 *   /echo            the request as received: "METHOD TARGET\n", each
 *                    header line and "\n", an empty line, then the body
 *   /dns-query       DNS over HTTPS (RFC 8484, POST): an A record
 *                    127.0.0.1 for any name, no AAAA record; NXDOMAIN
 *                    for names that start with "nx." (libcurl asks DoH
 *                    servers only over https://: see tls/nginx.h)
 *   anything else    404
 *
 * The proxies (hs_proxy) relay TCP connections and count them:
 *   HS_PROXY_HTTP    an HTTP proxy: CONNECT host:port (a tunnel), and
 *                    absolute-form requests (GET http://host:port/path),
 *                    forwarded with Connection: close
 *   HS_PROXY_SOCKS5  SOCKS5 (RFC 1928) CONNECT to an IPv4 address or a
 *                    domain name, with no authentication or with user and
 *                    password (RFC 1929)
 * With a user set, the proxy requires those credentials (the HTTP proxy
 * answers 407 without a matching Proxy-Authorization: Basic). */
#ifndef EDDY_HTTP_TEST_SUPPORT_H
#define EDDY_HTTP_TEST_SUPPORT_H

#include <eddy.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- the pattern every body route sends ---------------------------------- */

/* Byte `offset` of the pattern: not periodic at any chunk size the client or
 * the server uses, so a lost, doubled or reordered chunk shows. */
static inline uint8_t hs_pattern(uint64_t offset)
{
    return (uint8_t)((offset % 251) ^ ((offset >> 12) & 0xff));
}

/* Fills buf with n bytes of the pattern from offset on. */
void hs_fill(void *buf, uint64_t offset, size_t n);

/* Whether buf holds n bytes of the pattern from offset on. */
bool hs_check(const void *buf, uint64_t offset, size_t n);

/* FNV-1a, 64 bits: a checksum to continue over successive blocks (start
 * with HS_FNV_INIT). */
#define HS_FNV_INIT 0xcbf29ce484222325ULL
uint64_t hs_fnv(uint64_t h, const void *buf, size_t n);

/* The checksum of the first n bytes of the pattern. */
uint64_t hs_pattern_fnv(uint64_t n);

/* ---- waiting for a counter -------------------------------------------------- */

/* One fiber at a time may wait for something a server counts. */
typedef struct hs_waiter {
    ed_deferred *d;
} hs_waiter;

/* ---- listening (private) ------------------------------------------------- */

/* The server's and the proxies' listening socket and the task accepting
 * on it, which hands each connection to take(owner, fd, stream). */
typedef struct hs_listener {
    int lfd;
    ed_future *acceptor;
    const char *who; /* for the accept error's text */
    void (*take)(void *owner, int fd, ed_stream *st);
    void *owner;
} hs_listener;

/* ---- the origin server -------------------------------------------------- */

typedef struct hs_conn hs_conn;

typedef struct hs_server {
    int port;
    char base[64]; /* "http://127.0.0.1:PORT" */
    /* Counters, read by the tests. */
    int accepted;     /* connections accepted */
    int requests;     /* requests read */
    int open_conns;   /* connections open now */
    int slow_started; /* /slow responses whose headers went out */
    int client_gone;  /* responses cut short because the client went away */
    int in_delay;     /* /delay requests waiting now */
    int max_in_delay; /* the most of them at once */
    int dns_queries;  /* /dns-query requests answered */
    int flaky_failed; /* /flaky/ requests answered 503 */
    int range_requests;          /* requests with a Range header (/bytes, /big) */
    long long last_range_start;  /* the first byte the last one asked for */
    char last_dns_name[256];
    char last_method[16];
    /* Private. */
    hs_listener listener;
    hs_conn *conns;
    hs_waiter waiter;
} hs_server;

/* Listens on 127.0.0.1 (a free port) and starts accepting. 0, or a negative
 * error. */
int hs_start(hs_server *s);

/* Stops accepting, cancels and waits for every connection, frees all.
 * Suspends. */
void hs_stop(hs_server *s);

/* s->base + path, in a static buffer (one of 8, used round-robin). */
const char *hs_url(const hs_server *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* base + the formatted rest, in the same static buffers as hs_url's: the
 * URL of another server (nginx's, in tls/nginx.h). */
const char *hs_vurl(const char *base, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

/* Waits until *counter >= target, at most timeout seconds. 0 or
 * -ETIMEDOUT (or -ECANCELED...). Suspends. */
int hs_wait(hs_server *s, const int *counter, int target, double timeout);

/* ---- proxies -------------------------------------------------------------------- */

typedef enum hs_proxy_kind { HS_PROXY_HTTP, HS_PROXY_SOCKS5 } hs_proxy_kind;

typedef struct hs_relay hs_relay;

typedef struct hs_proxy {
    hs_proxy_kind kind;
    const char *user, *pass; /* NULL: no authentication required */
    int port;
    char addr[64]; /* "127.0.0.1:PORT" */
    /* Counters, read by the tests. */
    int accepted;      /* client connections accepted */
    int relayed;       /* connections relayed to a target */
    int connects;      /* HTTP: CONNECT requests */
    int absolute;      /* HTTP: absolute-form requests */
    int socks_ipv4;    /* SOCKS5: requests naming an IPv4 address */
    int socks_domain;  /* SOCKS5: requests naming a domain */
    int auth_ok;       /* credentials checked and accepted */
    int auth_failed;   /* credentials missing or wrong */
    char last_target[300]; /* "host:port" of the last request */
    /* Private. */
    hs_listener listener;
    hs_relay *relays;
} hs_proxy;

/* Listens on 127.0.0.1 (a free port) and starts accepting, as an HTTP or a
 * SOCKS5 proxy; user and pass (both or neither; borrowed, must outlive
 * the proxy) make it require credentials. 0 or a negative error. */
int hs_proxy_start(hs_proxy *p, hs_proxy_kind kind, const char *user, const char *pass);

/* Stops accepting, cancels and waits for every relay, frees all. Suspends. */
void hs_proxy_stop(hs_proxy *p);

/* ---- helpers -------------------------------------------------------------------- */

/* A port nobody listens on (a socket is bound, read and closed): connecting
 * to it is refused. Returns the port. */
int hs_refused_port(void);

/* "%XX" for every byte of s outside [A-Za-z0-9._~-]: a malloc'd string. */
char *hs_percent_encode(const char *s);

#endif
