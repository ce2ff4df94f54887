/* Array access on promises, from MadelineProto's async page (seed 000,
 * "ArrayAccess async"):
 *
 *     $id = (yield $MadelineProto->getPwrChat('danogentili'))['bot_api_id'];
 *     $id = yield $MadelineProto->getPwrChat('danogentili')['bot_api_id']; // sugar
 *     $set = isset((yield $MadelineProto->getPwrChat('danogentili'))['bot_api_id']);
 *
 *     // raw generators must be wrapped with call() first
 *     $set = (yield $this->ponyAsync())['id'];
 *
 * The sugar is PHP's: indexing a promise gives a promise of the indexed
 * value. In C you await, then read the field, which is the first line
 * above. A "future of a field", for a caller that wants one, is a small
 * task that awaits the future and returns the field (eddy has no
 * then/map helper). isset becomes "did the call succeed". And there is
 * nothing to wrap: a task is always a running future.
 *
 * Telegram is replaced by a message service that this program runs on
 * 127.0.0.1 (common/message_service.c): get_info() is a real round trip
 * to it. */
#include <eddy.h>

#include "common/message_service.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* What getPwrChat returns: the caller provides it, the task fills it in. */
struct chat {
    const char *peer;
    long bot_api_id;
};

static int get_pwr_chat(void *arg, void **result)
{
    struct chat *c = arg;
    int rc = get_info(c->peer, &c->bot_api_id);
    if (rc < 0)
        return rc;
    *result = c;
    return 0;
}

/* The sugar: a future of one field of another future's struct chat. */
static int bot_api_id_of(void *arg, void **result)
{
    void *value;
    int rc = ed_await(arg, &value);
    if (rc < 0)
        return rc;
    *result = (void *)(intptr_t)((struct chat *)value)->bot_api_id;
    return 0;
}

static int app(void *arg, void **result)
{
    (void)arg, (void)result;

    /* $id = (yield getPwrChat('danogentili'))['bot_api_id']; */
    struct chat dano = {.peer = "@danogentili"};
    ed_future *f = ed_async(get_pwr_chat, &dano);
    void *value;
    int rc = ed_await(f, &value);
    if (rc == 0)
        printf("awaited, then indexed: bot_api_id %ld\n", ((struct chat *)value)->bot_api_id);
    ed_future_release(f);
    if (rc < 0)
        return rc;

    /* $id = yield getPwrChat('apony')['bot_api_id']; */
    struct chat apony = {.peer = "@apony"};
    f = ed_async(get_pwr_chat, &apony);
    ed_future *id = ed_async(bot_api_id_of, f); /* a future of the field */
    rc = ed_await(id, &value);
    if (rc == 0)
        printf("a future of the field: bot_api_id %ld\n", (long)(intptr_t)value);
    ed_future_release(id);
    ed_future_release(f);
    if (rc < 0)
        return rc;

    /* $set = isset((yield getPwrChat('nobody'))['bot_api_id']); */
    struct chat nobody = {.peer = "@nobody"};
    f = ed_async(get_pwr_chat, &nobody);
    rc = ed_await(f, NULL);
    printf("isset for @nobody: %s (%s)\n", rc == 0 ? "true" : "false",
           rc == 0 ? "found" : ed_future_message(f));
    ed_future_release(f);
    return 0;
}

int main(void)
{
    int rc = message_service_start(0);
    if (rc == 0)
        rc = ed_main(app, NULL, NULL);
    message_service_stop();
    if (rc < 0) {
        fprintf(stderr, "async_array_access: %s\n", ed_strerror(rc));
        return 1;
    }
    return ed_shutdown() < 0;
}
