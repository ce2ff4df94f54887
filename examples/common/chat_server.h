/* The stand-in for Telegram's servers, as a bot sees them: a local chat
 * server whose users join and talk, every line of theirs an update.
 *
 * A task of the example's program serves 127.0.0.1. A user (a task too)
 * joins with chat_join(name) and writes lines: the server hands each to
 * the bot's callback as an update from that user. The bot answers a user
 * by writing lines to chat_connection(name), where the user reads them. */
#ifndef EXAMPLES_CHAT_SERVER_H
#define EXAMPLES_CHAT_SERVER_H

#include <eddy.h>

/* The most users a chat can have. */
#define CHAT_MAX_USERS 8

/* Gets a line a user sent (without its "\n"), in the user's connection
 * task; line is valid only during the call. */
typedef void (*chat_line_fn)(const char *user, const char *line);

/* Starts the server for `users` users; on_line gets every line they
 * send. 0, or a negative errno code (EINVAL: more than CHAT_MAX_USERS). */
int chat_server_start(int users, chat_line_fn on_line);

/* Waits until every user has joined and left (-ETIMEDOUT if one has not
 * joined 5 s after the one before), then stops the server. 0, or the
 * server's error. Suspends. */
int chat_server_wait(void);

/* The bot's side of a user's connection, or NULL if that user is not in
 * the chat (never joined, or left). */
ed_stream *chat_connection(const char *user);

/* A user's side: joins the chat as name. A stream to write lines to and
 * read the bot's answers from (ed_stream_close it to leave), or NULL with
 * errno set. Suspends. */
ed_stream *chat_join(const char *name);

#endif
