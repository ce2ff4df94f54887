/* Act 3: the seed's first example, `yield $api->download_to_dir($file,
 * '/tmp/')`, fifty times at once. A local server (common/local_http.c)
 * sends each file at a limited rate, as a real network would; every
 * download is a task, with a progress bar of its own, while a background
 * loop ticks on the same thread. Then the same downloads one after
 * another, for the difference. */
#include "tour.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef EDDY_TOUR_HTTP
#include <eddy/http.h>

#include "common/local_http.h"

#define FILES 50
#define COLUMNS 5

struct file {
    char url[96];
    char name[32];
    size_t done, total;
    int rc;
};

static struct file files[FILES];
static char dir[] = "/tmp/eddy-tour-XXXXXX";
static size_t file_size;
static int ticks;
static bool drawing;

static void progress(size_t done, size_t total, void *data)
{
    struct file *f = data;
    f->done = done;
    f->total = total;
}

static int fetch(void *arg, void **result)
{
    (void)result;
    struct file *f = arg;
    ed_http_download_options dl = {
        .name = f->name, .overwrite = true, .progress = progress, .progress_data = f};
    ed_http_download_result res;
    f->rc = ed_http_download_with(f->url, dir, NULL, &dl, &res);
    free(res.path);
    if (f->rc == 0 && res.size != file_size)
        f->rc = -EIO;
    return f->rc;
}

/* The background loop: the seed's GenericLoop, ticking at its own pace
 * whatever the downloads do. */
static double tick(ed_loop *loop, void *arg)
{
    (void)loop, (void)arg;
    ticks++;
    if (!tour_tty && ticks % 4 == 0)
        say("background loop: tick %d", ticks);
    return tour_quick ? 0.05 : 0.1;
}

static size_t finished(void)
{
    size_t n = 0;
    for (int i = 0; i < FILES; i++)
        n += files[i].total && files[i].done == files[i].total;
    return n;
}

/* On a terminal: a frame of fifty small bars, a total and the ticks,
 * redrawn in place ten times a second. */
static void draw(bool first)
{
    char frame[8192];
    size_t len = 0;
    int rows = FILES / COLUMNS + 2;
    if (!first)
        len += (size_t)snprintf(frame + len, sizeof frame - len, "\x1b[%dA", rows);
    for (int r = 0; r < FILES / COLUMNS; r++) {
        for (int c = 0; c < COLUMNS; c++) {
            struct file *f = &files[r + c * (FILES / COLUMNS)];
            int full = f->total ? (int)(10 * f->done / f->total) : 0;
            len += (size_t)snprintf(frame + len, sizeof frame - len, " %.7s [%.*s%.*s]",
                                    f->name, full, "##########", 10 - full, "          ");
        }
        len += (size_t)snprintf(frame + len, sizeof frame - len, "\x1b[K\n");
    }
    size_t done = 0, total = 0;
    for (int i = 0; i < FILES; i++) {
        done += files[i].done;
        total += files[i].total ? files[i].total : file_size;
    }
    int full = (int)(40 * done / (total ? total : 1));
    len += (size_t)snprintf(frame + len, sizeof frame - len,
                            " total   [%.*s%.*s] %zu/%d files, %zu KiB\x1b[K\n", full,
                            "########################################", 40 - full,
                            "                                        ", finished(), FILES,
                            done / 1024);
    snprintf(frame + len, sizeof frame - len, " background loop: tick %d\x1b[K\n", ticks);
    ed_echo(frame);
}

static int painter(void *arg, void **result)
{
    (void)arg, (void)result;
    draw(true);
    while (drawing && ed_sleep(0.1) == 0)
        draw(false);
    return 0;
}

static int all_at_once(double *seconds)
{
    ed_future *tasks[FILES], *paint = NULL;
    drawing = true;
    if (tour_tty)
        paint = ed_async(painter, NULL);
    double t0 = ed_now();
    for (int i = 0; i < FILES; i++)
        tasks[i] = ed_async(fetch, &files[i]);
    int rc = ed_all(tasks, FILES, NULL);
    *seconds = ed_now() - t0;
    for (int i = 0; i < FILES; i++)
        ed_future_release(tasks[i]);
    drawing = false;
    if (paint) {
        ed_cancel_future(paint);
        ed_await(paint, NULL);
        ed_future_release(paint);
        draw(false);
    }
    return rc;
}

static int one_after_another(double *seconds)
{
    double t0 = ed_now();
    for (int i = 0; i < FILES; i++) {
        files[i].done = files[i].total = 0;
        int rc = fetch(&files[i], NULL);
        if (rc < 0)
            return rc;
        if (tour_tty) {
            char line[128];
            snprintf(line, sizeof line, "\r one after another: %d/%d files, %.1f s", i + 1, FILES,
                     ed_now() - t0);
            ed_echo(line);
        } else if ((i + 1) % 10 == 0) {
            say("one after another: %d/%d files", i + 1, FILES);
        }
    }
    if (tour_tty)
        ed_echo("\n");
    *seconds = ed_now() - t0;
    return 0;
}

static void clean_up(void)
{
    char path[128];
    for (int i = 0; i < FILES; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        unlink(path);
    }
    rmdir(dir);
}

int act_downloads(void)
{
    double rate = 2 * 1024 * 1024;
    file_size = tour_quick ? 32 * 1024 : 256 * 1024;
    int port = local_http_start(NULL, rate); /* GET /file/N: N bytes */
    if (port < 0)
        return port;
    if (!mkdtemp(dir)) {
        int err = errno;
        local_http_stop();
        return -err;
    }
    for (int i = 0; i < FILES; i++) {
        snprintf(files[i].url, sizeof files[i].url, "http://127.0.0.1:%d/file/%zu", port,
                 file_size);
        snprintf(files[i].name, sizeof files[i].name, "file%02d", i + 1);
    }
    say("a local server sends each %zu KiB file at %.0f MiB/s; downloading %d at once into %s",
        file_size / 1024, rate / (1024 * 1024), FILES, dir);

    ed_loop *ticker = ed_loop_generic("ticker", tick, NULL);
    ed_future *ticking = ticker ? ed_loop_start(ticker) : NULL;
    double together = 0, apart = 0;
    int rc = all_at_once(&together);
    int started = ticks;
    if (rc == 0)
        say("all %d files at once: %.2f s, while the background loop ticked %d times", FILES,
            together, started);
    ed_loop_stop(ticker);
    if (ticking) {
        ed_await(ticking, NULL);
        ed_future_release(ticking);
    }
    ed_loop_free(ticker);
    if (rc == 0 && (rc = one_after_another(&apart)) == 0)
        say("one after another: %.2f s; at once was %.0fx faster", apart, apart / together);
    clean_up();
    local_http_stop();
    return rc;
}

#else

int act_downloads(void)
{
    say("skipped: eddy was built without libcurl (apt-get install libcurl4-openssl-dev)");
    return 0;
}

#endif
