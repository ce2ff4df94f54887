/* download_to_dir, from the opening of MadelineProto's async page (seed
 * 000, "Async", in Persian there): instead of
 *
 *     $file = $MadelineProto->download_to_dir($bigfile, '/tmp/');
 *
 * you write
 *
 *     $file = yield $MadelineProto->download_to_dir($bigfile, '/tmp/');
 *
 * "yield suspends the function, so that the program can do other things
 * while the file downloads; once it is done, execution resumes at exactly
 * that point."
 *
 * In C, ed_http_download(url, dir, &opt, progress, data, &path): the task
 * that calls it waits, the rest of the program does not. The body streams
 * into a hidden file in dir (written by the thread pool, memory bounded
 * whatever the size), renamed to its name once complete; the name comes
 * from the server or the URL, made safe. Here a clock task ticks while
 * the file downloads, and a progress callback reports each quarter.
 *
 * Telegram's media is replaced by an HTTP URL: `download URL [DIR]` (DIR
 * is /tmp by default). With no URL it needs no network: it starts a small
 * HTTP server of its own on 127.0.0.1 (common/local_http.c), which sends a
 * 4 MiB file in pieces, and downloads it into a new temporary directory,
 * which it removes afterwards. */
#include <eddy.h>
#include <eddy/http.h>

#include "common/local_http.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BIGFILE_SIZE (4 << 20)

/* Called after each write to the file: prints each quarter once. */
static void progress(size_t done, size_t total, void *data)
{
    int *quarters = data;
    while (total && *quarters < 4 && done >= total / 4 * (size_t)(*quarters + 1))
        printf("  %d%%\n", 25 * ++*quarters);
}

static int clock_task(void *arg, void **result)
{
    (void)result;
    int *ticks = arg;
    while (ed_sleep(0.01) == 0)
        ++*ticks;
    return 0;
}

struct job {
    const char *url, *dir;
    ed_http_options opt;
    char *path;
};

static int app(void *arg, void **result)
{
    (void)result;
    struct job *j = arg;
    int ticks = 0, quarters = 0;
    ed_future *clock = ed_async(clock_task, &ticks);

    printf("downloading %s into %s\n", j->url, j->dir);
    /* $file = yield $MadelineProto->download_to_dir($bigfile, '/tmp/'); */
    int rc = ed_http_download(j->url, j->dir, &j->opt, progress, &quarters, &j->path);

    ed_cancel_future(clock);
    ed_await(clock, NULL);
    ed_future_release(clock);
    if (rc < 0) {
        printf("download failed: %s (%s)\n", ed_strerror(rc), ed_http_last_error());
        return rc;
    }
    struct stat st;
    if (stat(j->path, &st) == 0)
        printf("saved %s, %lld bytes\n", j->path, (long long)st.st_size);
    printf("meanwhile the clock ticked %d times\n", ticks);
    return 0;
}

/* The local server's one file (anything else is a 404). */
static void bigfile(const local_http_request *req, local_http_response *res)
{
    if (strcmp(req->path, "/files/bigfile.bin") == 0) {
        res->type = "application/octet-stream";
        res->bytes = BIGFILE_SIZE;
    } else {
        res->status = 404;
    }
}

int main(int argc, char **argv)
{
    char url[96], dir[] = "/tmp/eddy-download-XXXXXX";
    struct job j = {.url = argv[1], .dir = argc > 2 ? argv[2] : "/tmp"};
    if (argc < 2) {
        int port = local_http_start(bigfile, 25 << 20); /* 25 MiB/s, as a network would */
        if (port < 0 || !mkdtemp(dir)) {
            fprintf(stderr, "download: %s\n", port < 0 ? ed_strerror(port) : strerror(errno));
            local_http_stop();
            return 1;
        }
        snprintf(url, sizeof url, "http://127.0.0.1:%d/files/bigfile.bin", port);
        j.url = url;
        j.dir = dir;
        j.opt.proxy = ""; /* our own server, on this machine: never through a proxy */
    }
    int rc = ed_main(app, &j, NULL);
    local_http_stop();
    if (argc < 2) {
        if (j.path)
            unlink(j.path);
        rmdir(dir);
    }
    free(j.path);
    if (rc < 0) {
        fprintf(stderr, "download: %s\n", ed_strerror(rc));
        return 1;
    }
    return ed_shutdown() < 0;
}
