/* Async in an event handler, from MadelineProto's async page (seed 000):
 *
 *     class EventHandler extends \danog\MadelineProto\EventHandler
 *     {
 *         public function onAny($update)
 *         {
 *             if (isset($update['message']['out']) && $update['message']['out']) {
 *                 return;
 *             }
 *             if (isset($update['message']['media']) && ...) {
 *                 yield $this->download_to_dir($update, '/tmp');
 *                 yield $this->messages->sendMedia(['peer' => $update,
 *                     'message' => $update['message']['message'], 'media' => $update]);
 *             }
 *             $res = json_encode($update, JSON_PRETTY_PRINT);
 *             yield $this->sleep(3);
 *             try {
 *                 yield $this->sm($update, "<code>$res</code>\nAsynchronously, after 3 seconds");
 *             } catch (\danog\MadelineProto\RPCErrorException $e) {
 *                 \danog\MadelineProto\Logger::log((string) $e,
 *                                                 \danog\MadelineProto\Logger::FATAL_ERROR);
 *             }
 *         }
 *         public function sm($peer, $message) { yield $this->messages->sendMessage(...); }
 *     }
 *
 * In C the event handler is a struct of state and its on_any() function;
 * every update runs it in a task of its own, so one handler downloading or
 * sleeping never holds up another. Where PHP writes `yield`, the C code
 * simply calls: ed_file_get, ed_file_put and ed_sleep suspend the task.
 * The catch is a check of sm()'s result: the failure is logged, and the
 * bot goes on. (The seed's sm() reads $update, which is not in its scope,
 * so its reply_to_msg_id is always null; here the id is passed.)
 *
 * Telegram is replaced by a small chat server on 127.0.0.1 that this
 * program runs, with three users (tasks of this program too): alice says
 * hello; bob shares a photo, a local file, which the bot "downloads"
 * (copies, on the thread pool) into a directory of its own and sends back;
 * carol says hello and leaves at once, so that the answer to her fails and
 * is logged. The bot's own messages come back to it as outgoing updates.
 * `async_event_handler [seconds]` sets the seed's 3 seconds. */
#include <eddy.h>

#include "common/chat_server.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define USERS 3

static double three_seconds = 3;
static int failures_logged;

/* ---- Updates, and the bot's API: sendMessage, sendMedia, download_to_dir --- */

struct update {
    long id;
    char peer[32];   /* who it is from, or to if out */
    bool out;        /* sent by the bot itself */
    char media[256]; /* a file path, or "" */
    char message[256];
};

static void dispatch(const char *peer, bool out, const char *media, const char *message);

static int send_line(const char *peer, const char *line, const char *media, const char *text)
{
    ed_stream *s = chat_connection(peer);
    if (!s)
        return -ENOTCONN; /* the user left the chat */
    int rc = ed_stream_write(s, line, strlen(line));
    if (rc == 0)
        dispatch(peer, true, media, text); /* our own message comes back as an update */
    return rc;
}

static int send_message(const char *peer, const char *message, long reply_to)
{
    char line[700];
    snprintf(line, sizeof line, "(reply to #%ld) %s\n", reply_to, message);
    return send_line(peer, line, "", message);
}

static int send_media(const char *peer, const char *message, const char *path)
{
    char line[600];
    snprintf(line, sizeof line, "[media %s] %s\n", strrchr(path, '/') + 1, message);
    return send_line(peer, line, path, message);
}

/* download_to_dir: here the media is a local file; copying it is real I/O,
 * on eddy's thread pool so that the disk never stalls the loop. */
static int download_to_dir(const struct update *u, const char *dir, char *path, size_t size)
{
    char *data;
    size_t len;
    int rc = ed_file_get(u->media, &data, &len);
    if (rc < 0)
        return rc;
    snprintf(path, size, "%s/%s", dir, strrchr(u->media, '/') + 1);
    rc = ed_file_put(path, data, len);
    free(data);
    return rc;
}

/* ---- The seed's event handler ----------------------------------------------- */

struct event_handler {
    const char *download_dir; /* the seed's '/tmp' */
};

static int sm(const char *peer, const char *message, long reply_to)
{
    return send_message(peer, message, reply_to);
}

static int on_any(struct event_handler *self, const struct update *update)
{
    if (update->out)
        return 0;
    if (update->media[0]) {
        char path[512];
        int rc = download_to_dir(update, self->download_dir, path, sizeof path);
        if (rc == 0)
            rc = send_media(update->peer, update->message, path);
        if (rc < 0)
            return rc;
    }
    char res[512];
    snprintf(res, sizeof res, "{\"id\": %ld, \"from\": \"%s\", \"message\": \"%s\"}", update->id,
             update->peer, update->message);

    int rc = ed_sleep(three_seconds); /* yield $this->sleep(3); */
    if (rc < 0)
        return rc;

    char text[600];
    snprintf(text, sizeof text, "<code>%s</code> Asynchronously, after 3 seconds", res);
    if ((rc = sm(update->peer, text, update->id)) < 0) { /* try ... catch */
        printf("FATAL_ERROR: could not answer %s's #%ld: %s\n", update->peer, update->id,
               ed_strerror(rc));
        failures_logged++;
    }
    return 0;
}

/* Every update gets a task of its own; the bot keeps their futures, so
 * that it can wait for them all before it exits. */
static struct event_handler handler;
static ed_future *handlers[4 * USERS];
static int nhandlers;

static int run_handler(void *arg, void **result)
{
    (void)result;
    int rc = on_any(&handler, arg);
    free(arg);
    return rc;
}

static void dispatch(const char *peer, bool out, const char *media, const char *message)
{
    static long next_id = 1;
    struct update *u = calloc(1, sizeof *u);
    if (!u || nhandlers == sizeof handlers / sizeof *handlers) {
        free(u);
        return;
    }
    u->id = next_id++;
    u->out = out;
    snprintf(u->peer, sizeof u->peer, "%s", peer);
    snprintf(u->media, sizeof u->media, "%s", media);
    snprintf(u->message, sizeof u->message, "%s", message);
    if (!out)
        printf("bot: update #%ld from %s: \"%s\"%s\n", u->id, peer, message,
               media[0] ? " with media" : "");
    handlers[nhandlers++] = ed_async(run_handler, u);
}

/* A line from a user, through the chat server: an update, which is a
 * photo if it reads "media PATH caption". */
static void on_line(const char *from, const char *line)
{
    char path[256];
    int caption;
    if (sscanf(line, "media %255s %n", path, &caption) == 1)
        dispatch(from, false, path, line + caption);
    else
        dispatch(from, false, "", line);
}

/* ---- The users, on the stand-in for Telegram (common/chat_server.c) --------- */

struct user {
    const char *name, *says;
    int answers; /* to wait for before leaving */
    int got;
};

static int user(void *arg, void **result)
{
    (void)result;
    struct user *u = arg;
    ed_stream *s = chat_join(u->name);
    if (!s)
        return -errno;
    char hello[400], *answer;
    snprintf(hello, sizeof hello, "%s\n", u->says);
    int rc = ed_stream_write(s, hello, strlen(hello));
    for (int i = 0; rc == 0 && i < u->answers; i++) {
        ssize_t n = ed_stream_read_line(s, &answer, 0);
        if (n <= 0) {
            rc = n == 0 ? -ECONNRESET : (int)n;
            break;
        }
        printf("%s got: %s\n", u->name, answer);
        free(answer);
        u->got++;
    }
    if (rc == 0)
        rc = ed_stream_flush(s); /* carol leaves as soon as she has said it */
    ed_stream_close(s);
    return rc;
}

static int app(void *arg, void **result)
{
    (void)result;
    const char *photo = arg;
    char bob_says[300];
    snprintf(bob_says, sizeof bob_says, "media %s look at this", photo);
    struct user users[USERS] = {
        {"alice", "hello", 1, 0}, {"bob", bob_says, 2, 0}, {"carol", "hello and goodbye", 0, 0}};
    ed_future *f[USERS];
    for (int i = 0; i < USERS; i++)
        f[i] = ed_async(user, &users[i]);
    int rc = ed_all(f, USERS, NULL);
    for (int i = 0; i < USERS; i++)
        ed_future_release(f[i]);
    int rc2 = chat_server_wait();
    for (int i = 0; i < nhandlers; i++) { /* the bot waits for its handlers */
        int hrc = ed_await(handlers[i], NULL);
        if (hrc < 0)
            printf("bot: a handler failed: %s\n", ed_strerror(hrc));
        ed_future_release(handlers[i]);
    }
    printf("answers: alice %d, bob %d, carol %d; failures logged: %d\n", users[0].got, users[1].got,
           users[2].got, failures_logged);
    return rc < 0 ? rc : rc2;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (three_seconds = strtod(argv[1], NULL)) <= 0) {
        fprintf(stderr, "usage: async_event_handler [seconds > 0]\n");
        return 2;
    }
    /* Bob's photo, and the bot's download directory. */
    char shared[] = "/tmp/eddy-shared-XXXXXX", downloads[] = "/tmp/eddy-downloads-XXXXXX";
    char photo[64], copy[64];
    if (!mkdtemp(shared) || !mkdtemp(downloads)) {
        perror("mkdtemp");
        return 1;
    }
    snprintf(photo, sizeof photo, "%s/photo.txt", shared);
    snprintf(copy, sizeof copy, "%s/photo.txt", downloads);
    handler.download_dir = downloads;

    int rc = ed_file_put(photo, "a picture of the sea\n", 21);
    if (rc == 0)
        rc = chat_server_start(USERS, on_line);
    if (rc == 0)
        rc = ed_main(app, photo, NULL);
    if (rc == 0)
        printf("the bot's copy of the photo: %s\n", access(copy, R_OK) == 0 ? "there" : "missing");

    unlink(photo);
    unlink(copy);
    rmdir(shared);
    rmdir(downloads);
    if (rc < 0) {
        fprintf(stderr, "async_event_handler: %s\n", ed_strerror(rc));
        return 1;
    }
    return ed_shutdown() < 0;
}
