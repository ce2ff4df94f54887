/* Async in a callback handler, from MadelineProto's async page (seed 000):
 *
 *     $MadelineProto->async(true);
 *     $MadelineProto->setCallback(function ($update) use ($MadelineProto) {
 *         if (isset($update['message']['out']) && $update['message']['out']) {
 *             return;
 *         }
 *         yield $MadelineProto->sleep(3);
 *         yield $MadelineProto->messages->sendMessage(['peer' => $update,
 *                                                      'message' => 'Hi after 3 seconds']);
 *     });
 *
 * MadelineProto runs the callback in a coroutine of its own for every
 * update, so that one handler sleeping does not hold up the others. In C
 * the callback is a function pointer, and each update gets a task of its
 * own (ed_go): the three updates below are answered together, after 3
 * seconds, not after 9.
 *
 * Telegram is replaced by a small chat server on 127.0.0.1 that this
 * program runs, and three users (tasks of this program too) who connect,
 * say hello and wait for the bot's answer. Every line a user sends is an
 * update; and, as on Telegram, every message the bot sends comes back to
 * it as an outgoing update, which the callback must skip.
 * `async_callback_handler [seconds]` sets the seed's 3 seconds. */
#include <eddy.h>

#include "common/chat_server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USERS 3

static double three_seconds = 3;

/* ---- The bot's side: updates, a callback, sendMessage ---------------------- */

struct update {
    char peer[32]; /* who it is from, or to if out */
    bool out;      /* sent by the bot itself */
    char text[256];
};

typedef int (*update_callback)(const struct update *update);
static update_callback callback;
static int skipped;

static void set_callback(update_callback cb)
{
    callback = cb;
}

static int run_callback(void *arg, void **result)
{
    (void)result;
    struct update *u = arg;
    int rc = callback(u);
    free(u);
    return rc;
}

/* Every update runs the callback in a task of its own. */
static void dispatch(const char *peer, const char *text, bool out)
{
    struct update *u = calloc(1, sizeof *u);
    if (!u)
        return;
    snprintf(u->peer, sizeof u->peer, "%s", peer);
    snprintf(u->text, sizeof u->text, "%s", text);
    u->out = out;
    ed_go(run_callback, u); /* a failure goes to the loop's error path */
}

/* A line from a user, through the chat server: an incoming update. */
static void on_line(const char *from, const char *line)
{
    dispatch(from, line, false);
}

static int send_message(const char *peer, const char *text)
{
    ed_stream *s = chat_connection(peer);
    if (!s)
        return ed_fail(-ENOTCONN, "%s has left the chat", peer);
    char line[300];
    snprintf(line, sizeof line, "%s\n", text);
    int rc = ed_stream_write(s, line, strlen(line));
    if (rc == 0)
        dispatch(peer, text, true); /* our own message comes back as an update */
    return rc;
}

/* ---- The seed's callback ---------------------------------------------------- */

static int on_update(const struct update *update)
{
    if (update->out) {
        skipped++;
        return 0;
    }
    printf("bot: update from %s: \"%s\"\n", update->peer, update->text);
    int rc = ed_sleep(three_seconds); /* yield $MadelineProto->sleep(3); */
    if (rc == 0)
        rc = send_message(update->peer, "Hi after 3 seconds");
    return rc;
}

/* ---- The users, on the stand-in for Telegram (common/chat_server.c) --------- */

static int user(void *arg, void **result)
{
    (void)result;
    const char *name = arg;
    ed_stream *s = chat_join(name);
    if (!s)
        return -errno;
    char hello[64], *answer = NULL;
    snprintf(hello, sizeof hello, "hello, I am %s\n", name);
    int rc = ed_stream_write(s, hello, strlen(hello));
    ssize_t n = rc < 0 ? rc : ed_stream_read_line(s, &answer, 0);
    if (n > 0)
        printf("%s got: \"%s\"\n", name, answer);
    free(answer);
    ed_stream_close(s); /* and leaves */
    return n > 0 ? 0 : n == 0 ? -ECONNRESET : (int)n;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (three_seconds = strtod(argv[1], NULL)) <= 0) {
        fprintf(stderr, "usage: async_callback_handler [seconds > 0]\n");
        return 2;
    }
    set_callback(on_update); /* $MadelineProto->setCallback(function ($update) {...}) */

    int rc = chat_server_start(USERS, on_line);
    if (rc < 0) {
        fprintf(stderr, "async_callback_handler: %s\n", ed_strerror(rc));
        return 1;
    }
    double t0 = ed_now();
    ed_future *users[] = {ed_async(user, "alice"), ed_async(user, "bob"), ed_async(user, "carol")};
    rc = ed_all(users, USERS, NULL); /* from main: runs the loop */
    int rc2 = chat_server_wait();
    for (int i = 0; i < USERS; i++)
        ed_future_release(users[i]);
    if (rc < 0 || rc2 < 0) {
        fprintf(stderr, "async_callback_handler: %s\n", ed_strerror(rc < 0 ? rc : rc2));
        return 1;
    }
    printf("all %d users answered after %.1f \"seconds\", not %d; %d outgoing updates skipped\n",
           USERS, (ed_now() - t0) / three_seconds * 3, 3 * USERS, skipped);
    return ed_shutdown() < 0;
}
