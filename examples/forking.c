/* Async forking, from MadelineProto's async page (seed 000, "Async forking
 * (does async green-thread forking)"):
 *
 *     // Exceptions will surface out of the event loop()
 *     $MadelineProto->callFork($MadelineProto->messages->sendMessage([...]));
 *     // Exceptions will be ignored
 *     $MadelineProto->messages->sendMessage([...]);
 *     // Like the first one, but the call will be deferred to the next event loop tick
 *     $MadelineProto->callForkDefer($MadelineProto->messages->sendMessage([...]));
 *
 *     $MadelineProto->callFork((function () use ($MadelineProto) {
 *         try {
 *             $MadelineProto->messages->sendMessage([...]);
 *         } catch (\Exception $e) {
 *             // Handle by logging and stuff
 *         }
 *     })());
 *
 * "These exceptions will exit the event loop, turning off the script
 * unless you wrap $MadelineProto->loop() with a try-catch."
 *
 * In C: callFork is ed_go(fn, arg), callForkDefer is ed_go_defer(fn, arg).
 * A forked task's failure goes to the loop's error path: with no handler
 * set, it comes out of whatever blocking call main is in (here an
 * ed_sleep), as the seed's exception comes out of loop(). An error handler
 * (ed_set_error_handler) is the try-catch around loop(): it gets every
 * report, and the loop goes on. The ignored call is a task whose future is
 * released with ed_future_ignore(). And the closure with its own try-catch
 * is a task that checks its own errors.
 *
 * Telegram is replaced by a message service that this program runs on
 * 127.0.0.1 (common/message_service.c): send_message() is a real round
 * trip to it; it answers PEER_ID_INVALID for @nobody. */
#include <eddy.h>

#include "common/message_service.h"

#include <stdio.h>

struct message {
    const char *peer, *text;
};

static const struct message good = {"@danogentili", "hi"};
static const struct message deferred = {"@danogentili", "hi, one tick later"};
static const struct message bad = {"@nobody", "hi"};

/* messages->sendMessage as a task: its failure is the task's. */
static int send_task(void *arg, void **result)
{
    (void)result;
    const struct message *m = arg;
    ed_set_name("sendMessage");
    printf("sendMessage to %s starts: \"%s\"\n", m->peer, m->text);
    long id;
    return send_message(m->peer, m->text, &id);
}

/* The closure with its own try-catch. */
static int careful_send(void *arg, void **result)
{
    (void)result;
    const struct message *m = arg;
    long id;
    int rc = send_message(m->peer, m->text, &id);
    if (rc < 0) /* catch: handle by logging and stuff */
        printf("careful task: sending to %s failed (%s); handled here\n", m->peer, ed_strerror(rc));
    return 0;
}

static void log_error(int err, const char *report, void *data)
{
    (void)err, (void)data;
    printf("error handler: %s\n", report);
}

int main(void)
{
    int rc = message_service_start(6); /* the six requests below */

    /* 1. No handler: the failure surfaces out of main's blocking call. */
    if (rc == 0) {
        ed_go(send_task, (void *)&bad);
        int err = ed_sleep(60); /* main goes on with the loop... */
        printf("main's ed_sleep(60) ended early: %s\n", ed_strerror(err));
        printf("  report: %s\n", ed_error_message());
    }

    /* 2. With a handler, the seed's try-catch around loop(). */
    ed_set_error_handler(log_error, NULL);
    if (rc == 0) {
        ed_go(send_task, (void *)&bad); /* reported to the handler */
        ed_future *f = ed_async(send_task, (void *)&bad);
        ed_future_ignore(f); /* the seed's call without yield */
        ed_future_release(f);
        ed_go_defer(send_task, (void *)&deferred);
        printf("main: forked; the deferred task has not started yet\n");
        ed_go(careful_send, (void *)&bad);
        ed_go(send_task, (void *)&good);
        rc = message_service_wait(); /* until the service has served them all */
    }

    message_service_stop();
    if (rc < 0) {
        fprintf(stderr, "forking: %s\n", ed_strerror(rc));
        return 1;
    }
    printf("done: every forked task has ended\n");
    return ed_shutdown() < 0;
}
