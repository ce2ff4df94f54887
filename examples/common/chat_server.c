/* The chat server that stands in for Telegram's servers, as a bot sees
 * them, and joining it (chat_server.h says what each call does). */
#include "chat_server.h"
#include "local_server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static local_server server;
static int expected; /* how many users will join */
static chat_line_fn on_line;

/* Who is connected: a user's name and connection. */
static struct user {
    char name[32];
    ed_stream *s; /* NULL once the user has left */
} users[CHAT_MAX_USERS];

ed_stream *chat_connection(const char *name)
{
    for (int i = 0; i < expected; i++)
        if (users[i].s && strcmp(users[i].name, name) == 0)
            return users[i].s;
    return NULL;
}

/* One user's connection: the first line is the name, the others updates. */
static int serve_user(void *arg, void **result)
{
    (void)result;
    struct user *u = arg;
    ed_stream *s = u->s;
    char *line;
    if (ed_stream_read_line(s, &line, 0) >= 0 && line) {
        snprintf(u->name, sizeof u->name, "%s", line);
        free(line);
        while (ed_stream_read_line(s, &line, 0) >= 0 && line) { /* NULL: the user left */
            on_line(u->name, line);
            free(line);
        }
    }
    u->s = NULL;
    ed_stream_close(s);
    return 0;
}

/* Accepts the users, a task each, and waits until they have all left. */
static int serve(void *arg, void **result)
{
    (void)arg, (void)result;
    ed_future *tasks[CHAT_MAX_USERS];
    int n = 0, rc = 0;
    for (; n < expected; n++) {
        int fd = ed_accept(server.fd, 5);
        if (fd < 0) {
            rc = fd;
            break;
        }
        if (!(users[n].s = ed_stream_new(fd))) {
            close(fd);
            rc = -ENOMEM;
            break;
        }
        tasks[n] = ed_async(serve_user, &users[n]);
    }
    for (int i = 0; i < n; i++) {
        ed_await(tasks[i], NULL);
        ed_future_release(tasks[i]);
    }
    return rc;
}

int chat_server_start(int n, chat_line_fn fn)
{
    if (n < 1 || n > CHAT_MAX_USERS || !fn)
        return -EINVAL;
    expected = n;
    on_line = fn;
    return local_server_start(&server, serve, NULL);
}

int chat_server_wait(void)
{
    int rc = ed_await(server.task, NULL);
    local_server_stop(&server);
    return rc;
}

ed_stream *chat_join(const char *name)
{
    ed_stream *s = local_connect(server.port);
    char hello[40];
    snprintf(hello, sizeof hello, "%s\n", name);
    int rc = s ? ed_stream_write(s, hello, strlen(hello)) : 0; /* sent with the next line */
    if (rc < 0) {
        ed_stream_close(s);
        errno = -rc;
        return NULL;
    }
    return s;
}
