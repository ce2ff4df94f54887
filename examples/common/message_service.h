/* The stand-in for Telegram's servers, as the seed's API calls reach them:
 * a local message service, and the calls that talk to it.
 *
 * A task of the example's own program serves 127.0.0.1, one connection at
 * a time, a request a line: "send @peer text" delivers a message (printed
 * as "service: to @peer: text") and answers "ok ID"; "info @peer" answers
 * "ok BOT_API_ID". @danogentili and @apony exist; any other peer gets
 * "error PEER_ID_INVALID", as from Telegram. The calls that talk to it
 * suspend, like eddy's own: from main they run the loop meanwhile. */
#ifndef EXAMPLES_MESSAGE_SERVICE_H
#define EXAMPLES_MESSAGE_SERVICE_H

#include <eddy.h>

/* Starts the service: it serves `requests` requests, then ends (0: until
 * message_service_stop). Returns 0 or a negative errno code. */
int message_service_start(int requests);

/* Waits until the service has served the requests it was started for:
 * how a program learns that calls nobody awaits are done. 0, or its
 * error. Suspends. */
int message_service_wait(void);

/* Ends the service (cancels its task, waits until it has ended) and
 * closes it. Suspends. */
void message_service_stop(void);

/* messages->sendMessage: delivers text to peer; *id is the new message's
 * id. 0, or -EINVAL with the service's error as the failure text (ed_fail:
 * a task's future reports "PEER_ID_INVALID"), or a connection's error. */
int send_message(const char *peer, const char *text, long *id);

/* get_info: *bot_api_id is peer's id. Errors as send_message. */
int get_info(const char *peer, long *bot_api_id);

/* A connection of one's own to the service, to speak its protocol
 * directly: a stream (ed_stream_close it), or NULL with errno set.
 * Suspends. */
ed_stream *message_service_connect(void);

#endif
