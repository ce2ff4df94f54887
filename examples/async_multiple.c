/* Multiple async, from MadelineProto's async page (seed 000):
 *
 *     yield $MadelineProto->messages->sendMessage([
 *         'multiple' => true,
 *         ['peer' => '@danogentili', 'message' => 'hi'],
 *         ['peer' => '@apony', 'message' => 'hi']
 *     ]);
 *
 * "This is the preferred method of combining multiple method calls: this
 * way, the MadelineProto async WriteLoop will combine all method calls in
 * one container, making everything WAY faster. The result of this will be
 * an array of results." Like all(), the whole call fails if one of them
 * does, though every call is still made.
 *
 * In C the batching comes from eddy's streams: ed_stream_write() only
 * queues its bytes, and the stream sends everything queued by the time
 * the task suspends in one write(2). send_multiple() below queues every
 * request, then reads the answers, in order, into an array. The stream's
 * counters show the difference: one write for the whole batch, against
 * one per message when each waits for its answer before the next.
 *
 * Telegram is replaced by a message service that this program runs on
 * 127.0.0.1 (common/message_service.c); it answers PEER_ID_INVALID for
 * @nobody. */
#include <eddy.h>

#include "common/message_service.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct message {
    const char *peer, *text;
};

/* Sends n messages over one connection: ids[i] for each, and 0, or the
 * first failure (the others are still sent). With batch false, each
 * message waits for its answer before the next is written. */
static int send_multiple(const struct message *m, size_t n, long *ids, bool batch)
{
    ed_stream *s = message_service_connect();
    if (!s)
        return -errno;
    int rc = 0, failed = 0;
    size_t written = 0, answered = 0;
    while (answered < n && rc == 0) {
        /* Queue one request, or all of them: nothing is sent yet. */
        for (; written < n && (batch || written == answered); written++) {
            char line[256];
            snprintf(line, sizeof line, "send %s %s\n", m[written].peer, m[written].text);
            rc = ed_stream_write(s, line, strlen(line));
        }
        /* Reading suspends the task: the queued bytes go out, in one write. */
        char *reply = NULL;
        ssize_t got = rc < 0 ? rc : ed_stream_read_line(s, &reply, 0);
        if (got <= 0) {
            rc = got == 0 ? -ECONNRESET : (int)got;
        } else if (strncmp(reply, "ok ", 3) == 0) {
            ids[answered++] = atol(reply + 3);
        } else {
            ids[answered++] = 0;
            printf("  message %zu failed: %s\n", answered, reply + 6);
            failed = failed ? failed : -EINVAL; /* the first failure */
        }
        free(reply);
    }
    ed_stream_stats st;
    ed_stream_stats_get(s, &st);
    printf("  %zu messages went out in %zu write(2) call%s\n", n, st.write_calls,
           st.write_calls == 1 ? "" : "s");
    ed_stream_close(s);
    return rc < 0 ? rc : failed;
}

static int app(void *arg, void **result)
{
    (void)arg, (void)result;
    static const struct message two[] = {{"@danogentili", "hi"}, {"@apony", "hi"}};
    static const struct message five[] = {{"@danogentili", "1"},
                                          {"@apony", "2"},
                                          {"@danogentili", "3"},
                                          {"@apony", "4"},
                                          {"@danogentili", "5"}};
    static const struct message bad[] = {
        {"@danogentili", "one"}, {"@nobody", "two"}, {"@apony", "three"}};
    long ids[5];

    printf("multiple, as in the seed:\n");
    int rc = send_multiple(two, 2, ids, true);
    if (rc < 0)
        return rc;
    printf("  results: [%ld, %ld]\n", ids[0], ids[1]);

    printf("five at once:\n");
    if ((rc = send_multiple(five, 5, ids, true)) < 0)
        return rc;
    printf("five one by one:\n");
    if ((rc = send_multiple(five, 5, ids, false)) < 0)
        return rc;

    printf("multiple, one of which fails:\n");
    rc = send_multiple(bad, 3, ids, true);
    printf("  the call failed: %s; the other two were delivered\n", ed_strerror(rc));
    return rc == -EINVAL ? 0 : -EPROTO;
}

int main(void)
{
    int rc = message_service_start(0);
    if (rc == 0)
        rc = ed_main(app, NULL, NULL);
    message_service_stop();
    if (rc < 0) {
        fprintf(stderr, "async_multiple: %s\n", ed_strerror(rc));
        return 1;
    }
    return ed_shutdown() < 0;
}
