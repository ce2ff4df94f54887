/* Where the stand-ins of common/ live: a server task listening on
 * 127.0.0.1, on a port the system picked, and how a client connects.
 *
 * The message service, the chat server and the HTTP server are each one
 * of these; the example's program runs it, so that it needs no network. */
#ifndef EXAMPLES_LOCAL_SERVER_H
#define EXAMPLES_LOCAL_SERVER_H

#include <eddy.h>

/* A listening socket and the task that accepts on it. */
typedef struct local_server {
    int fd;          /* the listening socket */
    int port;        /* its port */
    ed_future *task; /* serve(arg); NULL: not running */
} local_server;

/* Listens on 127.0.0.1 (any free port) and starts serve(arg) as a task,
 * which accepts on srv->fd. 0, or a negative errno code (nothing is left
 * open then). */
int local_server_start(local_server *srv, ed_fn serve, void *arg);

/* Cancels the task, waits until it has ended, and closes the socket.
 * Does nothing for a server that did not start, or was stopped already.
 * Suspends. */
void local_server_stop(local_server *srv);

/* Connects to 127.0.0.1:port: a stream over the connection (the caller's:
 * ed_stream_close it), or NULL with errno set (ECONNREFUSED, ETIMEDOUT
 * after 5 s, ENOMEM, ...). Suspends. */
ed_stream *local_connect(int port);

#endif
