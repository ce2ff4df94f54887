/* The local message service that stands in for Telegram's servers, and
 * the calls that reach it (message_service.h says what each does). */
#include "message_service.h"
#include "local_server.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *peers[] = {"@danogentili", "@apony"};
static local_server service;

/* ---- The service ------------------------------------------------------------ */

static void answer(const char *request, char *reply, size_t size)
{
    static long next_id = 1;
    char verb[8], peer[64];
    int text = 0;
    if (sscanf(request, "%7s %63s %n", verb, peer, &text) < 2) {
        snprintf(reply, size, "error BAD_REQUEST\n");
        return;
    }
    for (int i = 0; i < 2; i++) {
        if (strcmp(peer, peers[i]) != 0)
            continue;
        if (strcmp(verb, "info") == 0) {
            snprintf(reply, size, "ok %d\n", 1001 + i);
        } else {
            printf("service: to %s: %s\n", peer, request + text);
            snprintf(reply, size, "ok %ld\n", next_id++);
        }
        return;
    }
    snprintf(reply, size, "error PEER_ID_INVALID\n");
}

/* One connection at a time, one answer per line. */
static int serve(void *arg, void **result)
{
    (void)result;
    int left = (int)(intptr_t)arg; /* requests still to serve; -1: no limit */
    int fd = 0;
    while (left != 0 && (fd = ed_accept(service.fd, -1)) >= 0) {
        ed_stream *s = ed_stream_new(fd);
        char *line, reply[64];
        while (s && ed_stream_read_line(s, &line, 0) >= 0 && line) { /* NULL: the end */
            answer(line, reply, sizeof reply);
            ed_stream_write(s, reply, strlen(reply));
            free(line);
            left -= left > 0;
        }
        ed_stream_close(s); /* and its fd */
    }
    return fd < 0 && fd != -ECANCELED ? fd : 0; /* message_service_stop() cancels it */
}

int message_service_start(int requests)
{
    return local_server_start(&service, serve, (void *)(intptr_t)(requests > 0 ? requests : -1));
}

int message_service_wait(void)
{
    return ed_await(service.task, NULL);
}

void message_service_stop(void)
{
    local_server_stop(&service);
}

/* ---- Its clients ------------------------------------------------------------ */

ed_stream *message_service_connect(void)
{
    return local_connect(service.port);
}

/* One request, one answer: 0 and the number after "ok", or an error whose
 * text is the service's. */
static int request(const char *line, long *value)
{
    ed_stream *s = message_service_connect();
    if (!s)
        return -errno;
    char *reply = NULL;
    int rc = ed_stream_write(s, line, strlen(line));
    ssize_t n = rc < 0 ? rc : ed_stream_read_line(s, &reply, 0);
    if (n > 0 && strncmp(reply, "ok ", 3) == 0) {
        *value = atol(reply + 3);
        rc = 0;
    } else {
        rc = n == 0 ? -ECONNRESET : n < 0 ? (int)n : ed_fail(-EINVAL, "%s", reply + 6);
    }
    free(reply);
    ed_stream_close(s);
    return rc;
}

int send_message(const char *peer, const char *text, long *id)
{
    char line[512];
    snprintf(line, sizeof line, "send %s %s\n", peer, text);
    return request(line, id);
}

int get_info(const char *peer, long *bot_api_id)
{
    char line[96];
    snprintf(line, sizeof line, "info %s\n", peer);
    return request(line, bot_api_id);
}
