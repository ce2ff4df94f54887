/* A download's file, written by the thread pool: created in its directory
 * under a temporary name, filled batch by batch, then renamed to its name.
 *
 * The sink belongs to one party at a time: the downloading fiber, or the
 * pool job it is handed to. Each job "succeeds" as far as ed_blocking_with
 * is concerned and keeps its own outcome in err, so its drop function runs
 * only when the caller did not take the job back (cancelled, gone with its
 * loop, or the job never started), and then owns, and disposes of,
 * everything the job held. A failed or cancelled download thus never
 * leaves a temporary file behind, even while the disk is busy with its
 * last write. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_DUPLICATES 1000

struct http_sink {
    int fd;
    char *dir;
    char *tmp;  /* the file's path while it is being written */
    bool keep;  /* a partial file to resume later: never removed */
    int err;    /* the last job's outcome */
    size_t size; /* bytes in the file */
};

void http_sink_dispose(struct http_sink *s)
{
    if (s->fd >= 0)
        close(s->fd);
    if (s->tmp && (!s->keep || s->size == 0)) /* an empty part: nothing to resume */
        unlink(s->tmp);
    free(s->tmp);
    free(s->dir);
    free(s);
}

size_t http_sink_size(const struct http_sink *s)
{
    return s->size;
}

const char *http_sink_path(const struct http_sink *s)
{
    return s->tmp;
}

static void sink_drop(void *arg, void *result, int rc)
{
    (void)result;
    (void)rc;
    http_sink_dispose(arg);
}

/* ---- opening ----------------------------------------------------------- */

static int open_job(void *arg, void **result)
{
    (void)result;
    struct http_sink *s = arg;
    if (s->keep) {
        /* tmp is "<name>.part": resume what an earlier attempt left. Not
         * through a symbolic link, which someone else may have planted in
         * a shared directory. */
        s->fd = open(s->tmp, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0666);
        struct stat st;
        if (s->fd < 0 || fstat(s->fd, &st) < 0 || lseek(s->fd, 0, SEEK_END) < 0) {
            /* A part that cannot be opened or measured stays as it is:
             * never removed for a failure to reach it. */
            s->err = -errno;
            free(s->tmp);
            s->tmp = NULL;
        } else {
            s->size = (size_t)st.st_size;
        }
        return 0;
    }
    s->fd = mkostemps(s->tmp, 5, O_CLOEXEC);
    if (s->fd < 0) {
        s->err = -errno;
        free(s->tmp); /* nothing made: nothing to remove */
        s->tmp = NULL;
    }
    return 0;
}

int http_sink_open(const char *dir, const char *part_name, struct http_sink **out)
{
    struct http_sink *s = calloc(1, sizeof *s);
    size_t n = strlen(dir) + (part_name ? strlen(part_name) : 0) + sizeof "/.eddy-XXXXXX.part";
    if (!s || !(s->dir = strdup(dir)) || !(s->tmp = malloc(n))) {
        if (s)
            free(s->dir);
        free(s);
        return -ENOMEM;
    }
    s->fd = -1;
    s->keep = part_name != NULL;
    if (part_name)
        snprintf(s->tmp, n, "%s/%s.part", dir, part_name);
    else
        snprintf(s->tmp, n, "%s/.eddy-XXXXXX.part", dir);
    int rc = ed_blocking_with(open_job, s, sink_drop, NULL);
    if (rc == 0 && (rc = s->err) < 0)
        http_sink_dispose(s); /* closes: tmp is NULL, nothing is removed */
    if (rc < 0)
        return rc;
    *out = s;
    return 0;
}

/* ---- writing ------------------------------------------------------------ */

static int write_job(void *arg, void **result)
{
    (void)result;
    struct http_write *w = arg;
    struct http_sink *s = w->sink;
    s->err = 0;
    if (w->restart) {
        if (ftruncate(s->fd, 0) < 0 || lseek(s->fd, 0, SEEK_SET) < 0) {
            s->err = -errno;
            return 0;
        }
        s->size = 0;
    }
    for (size_t off = 0; off < w->len;) {
        ssize_t n = write(s->fd, w->buf + off, w->len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            s->err = -errno;
            break;
        }
        off += (size_t)n;
        s->size += (size_t)n;
    }
    return 0;
}

static void write_drop(void *arg, void *result, int rc)
{
    (void)result;
    (void)rc;
    struct http_write *w = arg;
    http_sink_dispose(w->sink);
    free(w->buf);
    free(w);
}

int http_sink_write(struct http_write **wp)
{
    struct http_write *w = *wp;
    int rc = ed_blocking_with(write_job, w, write_drop, NULL);
    if (rc < 0) {
        *wp = NULL; /* the job's drop has it, and its sink */
        return rc;
    }
    w->restart = false;
    return w->sink->err;
}

/* ---- finishing ---------------------------------------------------------- */

struct finish {
    struct http_sink *sink;
    const char *name;
    bool overwrite;
    char *path; /* the final file's */
};

/* name, or "stem (i).ext" for the i-th duplicate. */
static char *candidate(const char *dir, const char *name, int i)
{
    const char *dot = strrchr(name, '.');
    if (!dot || dot == name)
        dot = name + strlen(name);
    size_t n = strlen(dir) + strlen(name) + 16;
    char *p = malloc(n);
    if (p && i == 0)
        snprintf(p, n, "%s/%s", dir, name);
    else if (p)
        snprintf(p, n, "%s/%.*s (%d)%s", dir, (int)(dot - name), name, i, dot);
    return p;
}

/* Claims path with a placeholder made with O_EXCL, which also tells the
 * permissions a new file gets under the umask; the rename replaces it.
 * With overwrite, an existing file is fine, and its permissions stay.
 * *claimed says whether a placeholder was made (to remove on failure). */
static int claim(const char *path, bool overwrite, mode_t *mode, bool *claimed)
{
    struct stat st;
    *claimed = false;
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        int err = -errno;
        if (err != -EEXIST || !overwrite)
            return err;
        if (stat(path, &st) < 0)
            return -errno;
        *mode = st.st_mode & 0777; /* never another file's setuid bits */
        return 0;
    }
    *claimed = true;
    int rc = fstat(fd, &st) == 0 ? 0 : -errno;
    close(fd);
    *mode = st.st_mode & 0777;
    return rc;
}

/* Takes the first free name (or the name itself, with overwrite), gives
 * the file the permissions a new file gets, and renames it there. */
static int finish_job(void *arg, void **result)
{
    (void)result;
    struct finish *f = arg;
    struct http_sink *s = f->sink;
    mode_t mode = 0644;
    bool claimed = false;
    s->err = -EEXIST;
    for (int i = 0; i < MAX_DUPLICATES && s->err == -EEXIST; i++) {
        free(f->path);
        if (!(f->path = candidate(s->dir, f->name, i)))
            s->err = -ENOMEM;
        else
            s->err = claim(f->path, f->overwrite, &mode, &claimed);
    }
    if (s->err == 0 && (fchmod(s->fd, mode) < 0 || rename(s->tmp, f->path) < 0))
        s->err = -errno;
    if (s->err < 0) {
        if (claimed)
            unlink(f->path);
        free(f->path);
        f->path = NULL;
        return 0;
    }
    free(s->tmp); /* renamed: nothing left to remove or keep */
    s->tmp = NULL;
    return 0;
}

static void finish_drop(void *arg, void *result, int rc)
{
    (void)result;
    (void)rc;
    struct finish *f = arg;
    /* A file renamed into place after its caller left stays: it is
     * complete, and with overwrite it has already replaced the old one. */
    free(f->path);
    http_sink_dispose(f->sink);
    free(f);
}

int http_sink_finish(struct http_sink *s, const char *name, bool overwrite, char **path)
{
    struct finish *f = calloc(1, sizeof *f);
    if (!f) {
        http_sink_abandon(s);
        return -ENOMEM;
    }
    f->sink = s;
    f->name = name;
    f->overwrite = overwrite;
    int rc = ed_blocking_with(finish_job, f, finish_drop, NULL);
    if (rc < 0)
        return rc;
    if ((rc = s->err) < 0)
        http_sink_abandon(s);
    else
        http_sink_dispose(s); /* closes; the file is in place */
    *path = f->path;
    free(f);
    return rc;
}

/* ---- abandoning ---------------------------------------------------------- */

static int dispose_job(void *arg, void **result)
{
    (void)result;
    http_sink_dispose(arg);
    return 0;
}

/* Only when dispose_job never ran (rc is then the call's own error: the
 * caller was cancelled, or the pool could not take the job): a job that
 * ran, even for a caller gone since, has done it all. */
static void dispose_drop(void *arg, void *result, int rc)
{
    (void)result;
    if (rc < 0)
        http_sink_dispose(arg);
}

void http_sink_abandon(struct http_sink *s)
{
    /* On the pool, and waited for: a failed download leaves nothing behind
     * once the call returns. A cancelled caller's trip returns at once
     * without running the job; its drop then disposes of s right here. */
    ed_blocking_with(dispose_job, s, dispose_drop, NULL);
}
