/* Whole files on the thread pool: read one into memory, or replace one
 * atomically. Each call hands its job one block (the path, and for a put
 * a copy of the data), which the job's drop frees if the caller is
 * cancelled: nothing of the caller's is touched after it returns. */
#include "io/io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "platform/alloc.h"
#include "platform/clock.h"

/* ---- ed_file_get --------------------------------------------------------- */

struct get_job {
    char *data; /* malloc'd: the caller frees it with free() */
    size_t len;
    char path[];
};

static int get_run(void *arg, void **result)
{
    (void)result;
    struct get_job *g = arg;
    int fd = open(g->path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    /* The size is a hint (files grow, /proc says 0): read to end of file,
     * with room for that end to show without growing the buffer. */
    struct stat st;
    size_t cap = 4096;
    if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
        (uintmax_t)st.st_size < SIZE_MAX - 2)
        cap = (size_t)st.st_size + 2;
    char *buf = malloc(cap);
    size_t len = 0;
    int rc = buf ? 0 : -ENOMEM;
    while (rc == 0) {
        if (cap - len < 2) {
            char *bigger = cap < SIZE_MAX / 2 ? realloc(buf, cap * 2) : NULL;
            if (!bigger) {
                rc = -ENOMEM;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n > 0)
            len += (size_t)n;
        else if (n == 0)
            break;
        else if (errno != EINTR)
            rc = -errno;
    }
    close(fd);
    if (rc < 0) {
        free(buf);
        return rc;
    }
    buf[len] = '\0';
    g->data = buf;
    g->len = len;
    return 0;
}

static void get_drop(void *arg, void *result, int rc)
{
    (void)result;
    (void)rc;
    struct get_job *g = arg;
    free(g->data);
    ed__free(g);
}

int ed_file_get(const char *path, char **data, size_t *len)
{
    if (!path || !*path || !data)
        return -EINVAL;
    size_t plen = strlen(path) + 1;
    struct get_job *g = ed__alloc(sizeof *g + plen);
    if (!g)
        return -ENOMEM;
    g->data = NULL;
    g->len = 0;
    memcpy(g->path, path, plen);
    int rc = ed_blocking_with(get_run, g, get_drop, NULL);
    if (rc < 0)
        return rc; /* get_drop has g */
    *data = g->data;
    if (len)
        *len = g->len;
    ed__free(g);
    return 0;
}

/* ---- ed_file_put --------------------------------------------------------- */

struct put_job {
    size_t len;
    char *path; /* these three point into data[], after the bytes */
    char *tmp;
    char *dir;
    char data[];
};

#define TMP_SUFFIX_MAX 16 /* ".tmp-" and 8 hex digits, and the NUL */

/* Unique enough to make O_EXCL collisions rare, and every collision is
 * retried: the pid keeps processes apart, the counter calls, and the clock
 * runs of the same pid. */
static unsigned tmp_token(void)
{
    static atomic_uint counter;
    uint64_t x = (uint64_t)ed__clock_ns() ^ ((uint64_t)getpid() << 32) ^
                 (uint64_t)atomic_fetch_add(&counter, 1) * 0x9E3779B97F4A7C15u;
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9u;
    return (unsigned)(x ^ (x >> 29));
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t put = write(fd, p, n);
        if (put < 0) {
            if (errno == EINTR)
                continue;
            return -errno;
        }
        p += put;
        n -= (size_t)put;
    }
    return 0;
}

/* The directory entry must reach the disk too, or a crash can bring back
 * the old file (or none) after rename said it was done. Filesystems that
 * cannot fsync a directory say EINVAL: nothing more can be done there. */
static int sync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = fsync(fd) == 0 || errno == EINVAL ? 0 : -errno;
    close(fd);
    return rc;
}

static int put_run(void *arg, void **result)
{
    (void)result;
    struct put_job *p = arg;
    struct stat st;
    bool keep_mode = stat(p->path, &st) == 0;
    if (keep_mode && S_ISDIR(st.st_mode))
        return -EISDIR;
    keep_mode = keep_mode && S_ISREG(st.st_mode);
    size_t plen = strlen(p->path);
    int fd = -1;
    for (int attempt = 0; fd < 0; attempt++) {
        snprintf(p->tmp + plen, TMP_SUFFIX_MAX, ".tmp-%08x", tmp_token());
        fd = open(p->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd < 0 && (errno != EEXIST || attempt == 100))
            return -errno;
    }
    int rc = 0;
    if (keep_mode && fchmod(fd, st.st_mode & 07777) < 0)
        rc = -errno;
    if (rc == 0)
        rc = write_all(fd, p->data, p->len);
    if (rc == 0 && fsync(fd) < 0)
        rc = -errno;
    /* close reports the write errors some filesystems (NFS) keep till then. */
    if (close(fd) < 0 && rc == 0 && errno != EINTR)
        rc = -errno;
    if (rc == 0 && rename(p->tmp, p->path) < 0)
        rc = -errno;
    if (rc < 0) {
        unlink(p->tmp);
        return rc;
    }
    return sync_dir(p->dir);
}

static void put_drop(void *arg, void *result, int rc)
{
    (void)result;
    (void)rc;
    ed__free(arg);
}

int ed_file_put(const char *path, const void *data, size_t len)
{
    if (!path || !*path || (!data && len > 0))
        return -EINVAL;
    size_t plen = strlen(path);
    size_t extra = (plen + 1) + (plen + TMP_SUFFIX_MAX) + (plen + 2);
    if (len > SIZE_MAX - sizeof(struct put_job) - extra)
        return -ENOMEM;
    struct put_job *p = ed__alloc(sizeof *p + len + extra);
    if (!p)
        return -ENOMEM;
    p->len = len;
    if (len)
        memcpy(p->data, data, len);
    p->path = p->data + len;
    memcpy(p->path, path, plen + 1);
    p->tmp = p->path + plen + 1;
    memcpy(p->tmp, path, plen);
    p->dir = p->tmp + plen + TMP_SUFFIX_MAX;
    /* The directory of path: "." for a bare name, "/" for one in /. */
    const char *slash = strrchr(path, '/');
    if (!slash)
        strcpy(p->dir, ".");
    else if (slash == path)
        strcpy(p->dir, "/");
    else {
        memcpy(p->dir, path, (size_t)(slash - path));
        p->dir[slash - path] = '\0';
    }
    int rc = ed_blocking_with(put_run, p, put_drop, NULL);
    if (rc == 0)
        ed__free(p);
    return rc;
}
