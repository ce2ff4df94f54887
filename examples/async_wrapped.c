/* Wrapped async, from MadelineProto's async page (seed 000):
 *
 *     $MadelineProto->async(true);
 *     $MadelineProto->loop(function () use ($MadelineProto) {
 *         yield $MadelineProto->messages->sendMessage(['peer' => '@danogentili',
 *                                                      'message' => 'hi']);
 *     });
 *
 * "You can pass a promise or an async function to loop(), and it will
 * block until it resolves."
 *
 * In C, loop(fn) is ed_main(fn, arg, &result): it runs fn as a task, and
 * the event loop, until fn returns, then gives back fn's result. A
 * promise is a future: from main, ed_await(f, &value) blocks the same
 * way. And since main is a coroutine too, a suspending call made straight
 * from main needs no wrapping at all.
 *
 * Telegram is replaced by a message service that this program runs on
 * 127.0.0.1, in a task of its own (common/message_service.c):
 * send_message() is a real round trip to it, and gets back the new
 * message's id. */
#include <eddy.h>

#include "common/message_service.h"

#include <stdint.h>
#include <stdio.h>

/* The seed's function passed to loop(). */
static int say_hi(void *arg, void **result)
{
    long id;
    int rc = send_message("@danogentili", arg, &id); /* suspends this task */
    if (rc < 0)
        return rc;
    *result = (void *)(intptr_t)id;
    return 0;
}

int main(void)
{
    int rc = message_service_start(0);
    void *id = NULL;

    /* $MadelineProto->loop(function () { ... }); */
    if (rc == 0 && (rc = ed_main(say_hi, "hi", &id)) == 0)
        printf("ed_main() returned once the function was done: message %ld\n", (long)(intptr_t)id);

    /* $MadelineProto->loop($promise); */
    if (rc == 0) {
        ed_future *f = ed_async(say_hi, "hi again");
        if ((rc = ed_await(f, &id)) == 0)
            printf("ed_await() returned once the future was settled: message %ld\n",
                   (long)(intptr_t)id);
        ed_future_release(f);
    }

    /* No wrapping: main is a coroutine, its suspending calls run the loop. */
    long n;
    if (rc == 0 && (rc = send_message("@danogentili", "hi from main", &n)) == 0)
        printf("a call straight from main blocked until done: message %ld\n", n);

    message_service_stop();
    if (rc < 0) {
        fprintf(stderr, "async_wrapped: %s\n", ed_strerror(rc));
        return 1;
    }
    return ed_shutdown() < 0;
}
