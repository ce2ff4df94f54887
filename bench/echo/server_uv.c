/*
 * The libuv echo server of bench/echo_bench.c, as a libuv program writes it:
 * uv_tcp_t handles, uv_read_start with a 64-byte buffer per connection, and
 * a uv_write of every read (its request and a copy of the bytes in one
 * allocation, freed in the write callback). uv_write tries the socket at
 * once, so a write that fits costs no extra loop iteration. See server.h.
 */
#include "server.h"

#include <uv.h>

static const char prog[] = "echo_server_uv";

struct conn {
    uv_tcp_t tcp;
    char buf[ECHO_CHUNK];
};

struct write_req {
    uv_write_t req;
    char data[ECHO_CHUNK];
};

static void uv_die(const char *what, int rc)
{
    fprintf(stderr, "%s: %s: %s\n", prog, what, uv_strerror(rc));
    exit(1);
}

static void on_closed(uv_handle_t *h)
{
    free(h); /* the uv_tcp_t is the first member of its conn */
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    struct conn *c = (struct conn *)h;
    *buf = uv_buf_init(c->buf, sizeof c->buf);
}

static void on_written(uv_write_t *req, int status)
{
    if (status < 0 && !uv_is_closing((uv_handle_t *)req->handle))
        uv_close((uv_handle_t *)req->handle, on_closed);
    free(req);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    if (nread == 0)
        return; /* EAGAIN */
    if (nread < 0) {
        if (!uv_is_closing((uv_handle_t *)s))
            uv_close((uv_handle_t *)s, on_closed);
        return;
    }
    struct write_req *w = malloc(sizeof *w);
    if (!w)
        echo_die(prog, "malloc", ENOMEM);
    memcpy(w->data, buf->base, (size_t)nread);
    uv_buf_t out = uv_buf_init(w->data, (unsigned)nread);
    int rc = uv_write(&w->req, s, &out, 1, on_written);
    if (rc < 0) {
        free(w);
        if (!uv_is_closing((uv_handle_t *)s))
            uv_close((uv_handle_t *)s, on_closed);
    }
}

static void on_connection(uv_stream_t *server, int status)
{
    if (status < 0)
        uv_die("listen", status);
    struct conn *c = malloc(sizeof *c);
    if (!c)
        echo_die(prog, "malloc", ENOMEM);
    uv_tcp_init(server->loop, &c->tcp);
    int rc = uv_accept(server, (uv_stream_t *)&c->tcp);
    if (rc < 0) {
        uv_close((uv_handle_t *)&c->tcp, on_closed);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
    if (rc < 0)
        uv_die("uv_read_start", rc);
}

int main(int argc, char **argv)
{
    const char *port = echo_port_arg(argc, argv);
    echo_raise_nofile();
    uv_loop_t *loop = uv_default_loop();
    uv_tcp_t server;
    uv_tcp_init(loop, &server);
    struct sockaddr_in sa;
    int rc = uv_ip4_addr("127.0.0.1", atoi(port), &sa);
    if (rc == 0)
        rc = uv_tcp_bind(&server, (const struct sockaddr *)&sa, 0);
    if (rc < 0)
        uv_die("bind", rc);
    rc = uv_listen((uv_stream_t *)&server, SOMAXCONN, on_connection);
    if (rc < 0)
        uv_die("uv_listen", rc);
    struct sockaddr_in bound;
    int len = sizeof bound;
    rc = uv_tcp_getsockname(&server, (struct sockaddr *)&bound, &len);
    if (rc < 0)
        uv_die("uv_tcp_getsockname", rc);
    echo_announce(ntohs(bound.sin_port));
    return uv_run(loop, UV_RUN_DEFAULT);
}
