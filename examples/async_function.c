/* Enabling and using the async API, from MadelineProto's async page
 * (seed 000):
 *
 *     $MadelineProto->async(true);      // every method returns a promise
 *     yield $MadelineProto->messages->sendMessage(...);
 *     yield $MadelineProto->messages->sendMessage(..., ['async' => true]); // one call
 *
 *     // This will not work:
 *     $sm = function ($chatID, $message) use ($MadelineProto) {
 *         $id = (yield $MadelineProto->get_info($chatID, ['async' => true]))['bot_api_id'];
 *         $res = yield $MadelineProto->messages->sendMesssage(['peer' => $chatID,
 *             'message' => "Message from: $id\n$message"], ['async' => true]);
 *         return $res;
 *     };
 *     $result = $sm('@danogentili', 'hi');
 *
 * In PHP, $sm() returns a generator that nobody runs, so sendMessage is
 * never called. In C there is no async mode to enable and nothing to
 * forget: a function that makes suspending calls is an ordinary function.
 * Called from main it blocks (main's suspending calls run the loop); called
 * from tasks, several run at once. Your own async functions compose with
 * eddy's, as the seed says MadelineProto's do.
 *
 * Telegram is replaced by a message service that this program runs on
 * 127.0.0.1 (common/message_service.c): get_info() and send_message() are
 * real round trips to it. */
#include <eddy.h>

#include "common/message_service.h"

#include <stdio.h>

/* The seed's $sm: two suspending calls, one after the other. */
static int sm(const char *chat, const char *message, long *res)
{
    long id;
    int rc = get_info(chat, &id);
    if (rc < 0)
        return rc;
    char text[256];
    snprintf(text, sizeof text, "Message from: %ld: %s", id, message);
    return send_message(chat, text, res);
}

/* The same function as a task body, to run several at once. */
struct sm_call {
    const char *chat, *message;
    long res;
};

static int sm_task(void *arg, void **result)
{
    (void)result;
    struct sm_call *c = arg;
    return sm(c->chat, c->message, &c->res);
}

int main(void)
{
    int rc = message_service_start(0);

    /* $result = $sm('@danogentili', 'hi'); works, and blocks until done. */
    long result;
    if (rc == 0 && (rc = sm("@danogentili", "hi", &result)) == 0)
        printf("from main: sm() returned message %ld\n", result);

    /* Two calls at once, each in a task of its own. */
    struct sm_call a = {.chat = "@danogentili", .message = "hi again"};
    struct sm_call b = {.chat = "@apony", .message = "hi"};
    if (rc == 0) {
        ed_future *f[] = {ed_async(sm_task, &a), ed_async(sm_task, &b)};
        if ((rc = ed_all(f, 2, NULL)) == 0)
            printf("from two tasks at once: messages %ld and %ld\n", a.res, b.res);
        ed_future_release(f[0]);
        ed_future_release(f[1]);
    }

    message_service_stop();
    if (rc < 0) {
        fprintf(stderr, "async_function: %s\n", ed_strerror(rc));
        return 1;
    }
    return ed_shutdown() < 0;
}
