/* Debian's nginx as an HTTPS (and HTTP/2) server for the HTTP client's
 * tests, with a self-signed certificate made at test time by openssl.
 *
 * tls_nginx_start makes a directory under /tmp with the key, the
 * certificate (CN=localhost, subjectAltName localhost and 127.0.0.1), a
 * document root and nginx.conf, and runs nginx in the foreground (no
 * daemon) as a child process listening on 127.0.0.1 with `ssl http2`:
 *   /index.html     "hello tls\n"
 *   /o/...          proxied to the in-process origin at upstream_port
 *                   (over HTTP/1.1), so that every route of http_support
 *                   is also reachable over TLS and HTTP/2
 *   /dns-query      proxied to the origin's DNS-over-HTTPS route: libcurl
 *                   asks DoH servers only over https://
 * It returns once nginx listens (its pid file, written after its sockets
 * are open). tls_nginx_stop ends nginx, waits for it and removes the
 * directory. They block the thread: call them outside ed_run(), from main.
 *
 * Missing nginx or openssl skips: tls_nginx_start returns false and says
 * so on stderr. Any other failure aborts the test with nginx's error log. */
#ifndef EDDY_TEST_TLS_NGINX_H
#define EDDY_TEST_TLS_NGINX_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct tls_nginx {
    char dir[64];
    int port;
    pid_t pid;
    char base[64]; /* "https://127.0.0.1:PORT" */
} tls_nginx;

/* true when nginx runs; false (skip the test) when nginx or openssl is not
 * installed. */
bool tls_nginx_start(tls_nginx *t, int upstream_port);

void tls_nginx_stop(tls_nginx *t);

#endif
