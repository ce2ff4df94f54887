/* Ignored async, from MadelineProto's async page (seed 000):
 *
 *     $MadelineProto->messages->sendMessage(['peer' => '@danogentili', 'message' => 'a'],
 *                                           ['async' => true]);
 *     $MadelineProto->messages->sendMessage(['peer' => '@danogentili', 'message' => 'b'],
 *                                           ['async' => true]);
 *
 * "You can use the async version of MadelineProto functions without yield
 * if you don't want the request to block, and you don't need the result
 * of the function. This is allowed, but the order of the function calls
 * will not be guaranteed: if you need to make sure the calls are made in
 * order, use call queues."
 *
 * In C: start the call as a task and let go of its future. The seed
 * silently drops the failures of ignored calls; eddy never loses an error
 * unless told to, so a deliberately ignored call says so with
 * ed_future_ignore(). A future released without that, whose task then
 * fails, is reported to the loop's error path (here a handler that prints
 * it). For order, ed_queue_submit() runs the calls one after the other,
 * each when the previous one has settled (MadelineProto's queues are
 * enforced by Telegram's servers; eddy's by the client).
 *
 * Telegram is replaced by a message service that this program runs on
 * 127.0.0.1 (common/message_service.c): send_message() is a real round
 * trip to it. The service ends after the seven requests this program
 * makes, so that main can wait for it: the ignored calls tell nobody when
 * they are done. */
#include <eddy.h>

#include "common/message_service.h"

#include <stdio.h>

struct message {
    const char *peer, *text;
};

static int send_task(void *arg, void **result)
{
    (void)result;
    const struct message *m = arg;
    ed_set_name("sendMessage"); /* for reports; the default is the call site */
    long id;
    return send_message(m->peer, m->text, &id);
}

/* Without yield: starts the call and forgets it, failures included. */
static void send_ignored(const struct message *m)
{
    ed_future *f = ed_async(send_task, (void *)m);
    ed_future_ignore(f);  /* its failure, if any, is of no interest */
    ed_future_release(f); /* it runs on without us */
}

static void print_error(int err, const char *report, void *data)
{
    (void)err, (void)data;
    printf("error path: %s\n", report);
}

int main(void)
{
    static const struct message ignored[] = {
        {"@danogentili", "a"}, {"@danogentili", "b"}, {"@nobody", "lost, silently"}};
    static const struct message queued[] = {{"@danogentili", "queued 1"},
                                            {"@nobody", "queued 2, fails"},
                                            {"@danogentili", "queued 3"},
                                            {"@danogentili", "queued 4"}};
    ed_set_error_handler(print_error, NULL);
    int rc = message_service_start(7);

    /* Order not guaranteed. */
    for (int i = 0; rc == 0 && i < 3; i++)
        send_ignored(&ignored[i]);

    /* In order, through a call queue; their results are not wanted either,
     * but the failing one was not marked ignored: it is reported. */
    ed_queue *q = ed_queue_new();
    for (int i = 0; rc == 0 && q && i < 4; i++)
        ed_future_release(ed_queue_submit(q, send_task, (void *)&queued[i]));
    if (q)
        ed_queue_free(q); /* the calls already submitted still run, in order */

    if (rc == 0)
        rc = message_service_wait(); /* until the service has served all seven */
    message_service_stop();
    if (rc < 0) {
        fprintf(stderr, "async_ignored: %s\n", ed_strerror(rc));
        return 1;
    }
    printf("the service served all seven requests\n");
    return ed_shutdown() < 0;
}
