/* Act 5: the seed's event handler, whose onAny() does `yield
 * $this->sleep(3)` and then replies, "asynchronously, after 3 seconds".
 * Telegram becomes a local line-based chat service: the bot reads
 * messages from its connection and hands each to a task of its own, which
 * waits three seconds and replies. A user sends five messages a fifth of a
 * second apart; every reply comes three seconds after its message, so the
 * five take about four seconds, not fifteen: no message waits for another. */
#include "tour.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MESSAGES 5

static double wait_s, gap_s;

struct update {
    ed_stream *chat;
    char *text;
};

/* onAny($update): one task per message. */
static int on_update(void *arg, void **result)
{
    (void)result;
    struct update *u = arg;
    char reply[256];
    int rc = ed_sleep(wait_s); /* yield $this->sleep(3): this task only */
    if (rc == 0) {
        snprintf(reply, sizeof reply, "re: %s (asynchronously, after %g seconds)\n", u->text,
                 wait_s);
        rc = ed_stream_write(u->chat, reply, strlen(reply));
    }
    free(u->text);
    free(u);
    return rc;
}

/* The bot: reads updates and dispatches each without waiting for it. */
static int bot(void *arg, void **result)
{
    (void)result;
    ed_stream *chat = arg;
    ed_future *handlers[MESSAGES];
    int n = 0, rc = 0;
    while (n < MESSAGES) {
        char *line;
        if ((rc = (int)ed_stream_read_line(chat, &line, 0)) < 0 || !line)
            break;
        struct update *u = malloc(sizeof *u);
        if (!u) {
            free(line);
            rc = -ENOMEM;
            break;
        }
        u->chat = chat;
        u->text = line;
        say("bot: got \"%s\", handing it to a task of its own", line);
        if (!(handlers[n] = ed_async(on_update, u))) {
            free(line);
            free(u);
            rc = -ENOMEM;
            break;
        }
        n++;
    }
    int handled = ed_all(handlers, (size_t)n, NULL);
    for (int i = 0; i < n; i++)
        ed_future_release(handlers[i]);
    ed_stream_flush(chat);
    ed_stream_close(chat);
    return rc < 0 ? rc : handled;
}

/* The user: sends messages at their own pace, reads replies as they come. */
static int reader(void *arg, void **result)
{
    (void)result;
    ed_stream *s = arg;
    for (int i = 0; i < MESSAGES; i++) {
        char *line;
        ssize_t n = ed_stream_read_line(s, &line, 0);
        if (n < 0 || !line)
            return n < 0 ? (int)n : -ECONNRESET;
        say("user: %s", line);
        free(line);
    }
    return 0;
}

int act_chat(void)
{
    wait_s = tour_quick ? 0.3 : 3;
    gap_s = tour_quick ? 0.02 : 0.2;
    int listener = ed_tcp_listen("127.0.0.1", "0", 16);
    if (listener < 0)
        return listener;
    char port[16];
    snprintf(port, sizeof port, "%d", ed_socket_port(listener));
    int rc, user_fd = ed_tcp_connect("127.0.0.1", port, 5);
    int bot_fd = user_fd < 0 ? user_fd : ed_accept(listener, 5);
    close(listener);
    if (user_fd < 0 || bot_fd < 0) {
        if (user_fd >= 0)
            close(user_fd);
        return user_fd < 0 ? user_fd : bot_fd;
    }
    ed_stream *user = ed_stream_new(user_fd), *chat = ed_stream_new(bot_fd);
    if (!user || !chat) {
        ed_stream_close(user);
        ed_stream_close(chat);
        return -ENOMEM;
    }
    ed_future *b = ed_async(bot, chat), *r = ed_async(reader, user);
    double t0 = ed_now();
    for (int i = 1; i <= MESSAGES; i++) {
        char msg[64];
        snprintf(msg, sizeof msg, "message %d\n", i);
        say("user: sends \"message %d\"", i);
        if ((rc = ed_stream_write(user, msg, strlen(msg))) < 0 || (rc = ed_stream_flush(user)) < 0)
            break;
        ed_sleep(gap_s);
    }
    int got = ed_await(r, NULL), handled = ed_await(b, NULL);
    say("%d replies in %.1f s, each %g s after its message (one after another: %g s)", MESSAGES,
        ed_now() - t0, wait_s, MESSAGES * wait_s);
    ed_future_release(r);
    ed_future_release(b);
    ed_stream_close(user);
    return got < 0 ? got : handled;
}
