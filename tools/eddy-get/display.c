/* What the user sees. On a terminal: one line per active transfer and a
 * total, redrawn ten times a second by a task of its own. Elsewhere (a
 * pipe, a file, a CI log): one plain line per event. Every write goes
 * through ed_echo, so the loop never waits for the terminal. */
#include "get.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define FRAME 0.1

static bool on_tty;
static bool drawing;
static int drawn;          /* lines of the last frame, to go back over */
static ed_future *painter;

void human_bytes(char *buf, size_t size, double bytes)
{
    static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, size, u ? "%.1f %s" : "%.0f %s", bytes, unit[u]);
}

/* The terminal's size (80x24 when it will not say). */
static void term_size(int *cols, int *rows)
{
    struct winsize ws;
    bool known = ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0;
    *cols = known && ws.ws_col >= 40 ? ws.ws_col : 80;
    *rows = known && ws.ws_row >= 4 ? ws.ws_row : 24;
}

/* Appends to a growing frame; the frame is small, failure only truncates. */
struct frame {
    char *text;
    size_t len, cap;
};

static void put(struct frame *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct frame *f, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(f->text ? f->text + f->len : NULL, f->text ? f->cap - f->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if (f->text && f->len + (size_t)n < f->cap) {
            f->len += (size_t)n;
            return;
        }
        size_t cap = (f->cap ? f->cap : 1024) * 2 + (size_t)n;
        char *text = realloc(f->text, cap);
        if (!text)
            return;
        f->text = text;
        f->cap = cap;
    }
}

static void bar_line(struct frame *f, const struct item *it, int cols, double now)
{
    char done[16], total[16], rate[16];
    human_bytes(done, sizeof done, (double)it->done);
    human_bytes(total, sizeof total, (double)it->total);
    double secs = now - it->started;
    human_bytes(rate, sizeof rate, secs > 0 ? (double)it->fetched / secs : 0);
    /* Everything but the name and the bar takes 44 columns; the line must
     * stay one column short of the width, or the terminal wraps it. */
    int name_w = cols > 100 ? 32 : cols >= 80 ? 20 : 12;
    int bar_w = cols - 1 - name_w - 44;
    if (bar_w < 0)
        bar_w = 0;
    double share = it->total ? (double)it->done / (double)it->total : 0;
    if (share > 1)
        share = 1;
    int full = (int)(share * bar_w);
    put(f, "  %-*.*s [", name_w, name_w, it->name);
    for (int i = 0; i < bar_w; i++)
        put(f, "%c", i < full ? '#' : '.');
    if (it->total)
        put(f, "] %3d%% %9s/%-9s %9s/s\x1b[K\n", (int)(share * 100), done, total, rate);
    else
        put(f, "] ---- %9s/%-9s %9s/s\x1b[K\n", done, "?", rate);
}

static void total_line(struct frame *f, const struct run *r, double now)
{
    size_t ok = 0, failed = 0, skipped = 0;
    double bytes = 0;
    for (size_t i = 0; i < r->count; i++) {
        const struct item *it = &r->items[i];
        ok += it->state == ITEM_DONE;
        failed += it->state == ITEM_FAILED;
        skipped += it->state == ITEM_SKIPPED;
        bytes += (double)it->fetched;
    }
    char got[16], rate[16];
    human_bytes(got, sizeof got, bytes);
    double secs = now - r->started;
    human_bytes(rate, sizeof rate, secs > 0 ? bytes / secs : 0);
    put(f, "  total: %zu/%zu files", ok + skipped, r->count);
    if (failed)
        put(f, ", %zu failed", failed);
    put(f, ", %s at %s/s\x1b[K\n", got, rate);
}

static void paint(struct run *r)
{
    struct frame f = {0};
    if (drawn)
        put(&f, "\x1b[%dA", drawn); /* back to the first line of the last frame */
    double now = ed_now();
    int cols, rows, lines = 0, hidden = 0;
    term_size(&cols, &rows);
    for (size_t i = 0; i < r->count; i++) {
        if (r->items[i].state != ITEM_ACTIVE)
            continue;
        if (lines < rows - 3) { /* a frame taller than the screen cannot be redrawn */
            bar_line(&f, &r->items[i], cols, now);
            lines++;
        } else {
            hidden++;
        }
    }
    if (hidden) {
        put(&f, "  ... and %d more\x1b[K\n", hidden);
        lines++;
    }
    total_line(&f, r, now);
    lines++;
    for (int i = lines; i < drawn; i++) /* lines the last frame had more */
        put(&f, "\x1b[K\n");
    if (drawn > lines)
        put(&f, "\x1b[%dA", drawn - lines);
    drawn = lines;
    if (f.text)
        ed_echo(f.text);
    free(f.text);
}

static int painter_task(void *arg, void **result)
{
    (void)result;
    struct run *r = arg;
    while (drawing) {
        paint(r);
        if (ed_sleep(FRAME) < 0)
            break;
    }
    return 0;
}

void display_start(struct run *r)
{
    on_tty = isatty(STDOUT_FILENO) && !r->quiet;
    if (!on_tty)
        return;
    drawing = true;
    painter = ed_async(painter_task, r);
}

void display_event(struct run *r, const char *fmt, ...)
{
    if (on_tty || r->quiet)
        return; /* the frame shows it */
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    strncat(line, "\n", sizeof line - strlen(line) - 1);
    ed_echo(line);
}

void display_stop(struct run *r)
{
    if (!painter)
        return;
    /* Not cancelled: cut short in the middle of a frame, it would leave
     * the cursor where the next frame does not expect it. It sees drawing
     * false within one frame. */
    drawing = false;
    ed_await(painter, NULL);
    ed_future_release(painter);
    painter = NULL;
    paint(r); /* the last state, left on the screen */
}

void display_summary(struct run *r)
{
    size_t ok = 0, failed = 0, skipped = 0;
    double bytes = 0;
    for (size_t i = 0; i < r->count; i++) {
        ok += r->items[i].state == ITEM_DONE;
        failed += r->items[i].state == ITEM_FAILED;
        skipped += r->items[i].state == ITEM_SKIPPED;
        bytes += (double)r->items[i].fetched;
    }
    double secs = ed_now() - r->started;
    char got[16], rate[16], line[512];
    human_bytes(got, sizeof got, bytes);
    human_bytes(rate, sizeof rate, secs > 0 ? bytes / secs : 0);
    for (size_t i = 0; i < r->count; i++)
        if (r->items[i].state == ITEM_FAILED) {
            fprintf(stderr, "eddy-get: failed: %s\n", r->items[i].error);
        }
    snprintf(line, sizeof line,
             "%zu downloaded, %zu already there, %zu failed%s; %s in %.2f s (%s/s)\n", ok,
             skipped, failed + (r->count - ok - skipped - failed),
             r->interrupted ? " (interrupted)" : "", got, secs, rate);
    if (!r->quiet || failed)
        ed_echo(line);
}
