/* Async echo, from MadelineProto's async page (seed 000, "Async echo (does
 * not block the main thread)"):
 *
 *     yield $MadelineProto->echo('Hello'.PHP_EOL);
 *
 * In C, ed_echo(text): it writes all of text to stdout, suspending the
 * calling task while stdout is full (a slow pipe, a paused terminal), so
 * the loop goes on meanwhile. Texts echoed by several tasks come out whole
 * and in call order, never interleaved, however many pieces each takes.
 * ed_echo bypasses stdio's buffers: fflush(stdout) before mixing it with
 * printf.
 *
 * Here three tasks echo a long text each (N lines of "from task X", 20000
 * by default, more than a pipe holds) while a fourth counts the loop's
 * ticks. Try: ./echo | (sleep 1; uniq -c) */
#include <eddy.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int lines = 20000;

static int writer(void *arg, void **result)
{
    (void)result;
    const char *line = arg;
    size_t len = strlen(line);
    char *text = malloc(len * (size_t)lines + 1);
    if (!text)
        return -ENOMEM;
    for (int i = 0; i < lines; i++)
        memcpy(text + len * (size_t)i, line, len);
    text[len * (size_t)lines] = '\0';
    int rc = ed_echo(text); /* one text: never interleaved with another */
    free(text);
    return rc;
}

static int ticker(void *arg, void **result)
{
    (void)result;
    int *ticks = arg;
    while (ed_sleep(0.001) == 0)
        ++*ticks;
    return 0;
}

static int app(void *arg, void **result)
{
    (void)arg, (void)result;
    int rc = ed_echo("Hello\n"); /* the seed's line */
    if (rc < 0)
        return rc;

    int ticks = 0;
    ed_future *t = ed_async(ticker, &ticks);
    ed_future *w[] = {ed_async(writer, "from task A\n"), ed_async(writer, "from task B\n"),
                      ed_async(writer, "from task C\n")};
    rc = ed_all(w, 3, NULL);
    for (int i = 0; i < 3; i++)
        ed_future_release(w[i]);
    ed_cancel_future(t);
    ed_await(t, NULL);
    ed_future_release(t);
    if (rc < 0)
        return rc;

    char done[96];
    snprintf(done, sizeof done, "echo done; the loop %s while stdout was full\n",
             ticks > 0 ? "ticked on" : "did not need to wait");
    return ed_echo(done);
}

int main(int argc, char **argv)
{
    if (argc > 1 && (lines = atoi(argv[1])) <= 0) {
        fprintf(stderr, "usage: echo [lines per task > 0]\n");
        return 2;
    }
    int rc = ed_main(app, NULL, NULL);
    if (rc < 0) {
        fprintf(stderr, "echo: %s\n", ed_strerror(rc));
        return 1;
    }
    return ed_shutdown() < 0;
}
