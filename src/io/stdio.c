/* ed_readline and ed_echo: the seed's readLine and echo, on stdin and
 * stdout as the program was given them.
 *
 * Neither fd is ever left non-blocking (see nonblock.c): the calls wait
 * for readiness with the fd as it is, and hold O_NONBLOCK only around the
 * read(2) or write(2) that follows, which then cannot stall the loop even
 * if another reader took the data first. Regular files are read and
 * written directly: they are always ready.
 *
 * stdin's buffer is process-wide, as the seed's is: stdin is one stream
 * per process, and a per-thread buffer would strand lines read ahead in
 * whichever thread happened to read them. Order among callers is kept per
 * loop, by two turns (turn.c): one for writers, one for readers. The
 * returned line is malloc'd, for free(), like ed_file_get's data. */
#include "io/helpers.h"
#include "io/io.h"
#include <eddy/util.h>

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "platform/alloc.h"

#define STATE_KEY "eddy.stdio"
#define CHUNK ((size_t)64 << 10)
#define FOLLOW 0.05 /* seconds: see read_line */

/* ---- order per loop ------------------------------------------------------ */

struct turns {
    struct ed__turn out, in;
};

static void reader_gone(void);

/* Freed with the loop; fibers still waiting in a turn are freed with it and
 * never look at it again. */
static void turns_free(void *T)
{
    reader_gone();
    ed__free(T);
}

static struct turns *turns_get(void)
{
    struct turns *T = ed_state_get(STATE_KEY);
    if (T)
        return T;
    if (!(T = ed__calloc(1, sizeof *T)))
        return NULL;
    if (ed_state_set(STATE_KEY, T, turns_free) < 0) {
        ed__free(T);
        return NULL;
    }
    return T;
}

/* ---- writing ------------------------------------------------------------- */

static bool is_regular(int fd, int *rc)
{
    struct stat st;
    if (fstat(fd, &st) < 0) {
        *rc = -errno;
        return false;
    }
    *rc = 0;
    return S_ISREG(st.st_mode);
}

static int write_all(int fd, const char *p, size_t n)
{
    int rc;
    bool plain = is_regular(fd, &rc);
    if (rc < 0)
        return rc;
    while (n > 0) {
        if (!plain && (rc = ed__nonblock_hold(fd)) < 0)
            return rc;
        ssize_t put;
        while ((put = write(fd, p, n)) < 0 && errno == EINTR) {
        }
        int err = errno;
        if (!plain)
            ed__nonblock_drop();
        if (put >= 0) {
            p += put;
            n -= (size_t)put;
        } else if (err != EAGAIN && err != EWOULDBLOCK) {
            return -err;
        } else if ((rc = ed_wait_writable(fd, -1)) < 0) {
            return rc;
        }
    }
    return 0;
}

/* The turn makes a text that takes several writes one piece on the
 * output: no other ed_echo of this loop can write between them. */
static int echo_in_turn(const char *text)
{
    size_t n = strlen(text);
    if (n == 0)
        return 0;
    struct turns *T = turns_get();
    if (!T)
        return -ENOMEM;
    int rc = ed__turn_take(&T->out);
    if (rc < 0)
        return rc;
    rc = write_all(STDOUT_FILENO, text, n);
    ed__turn_give(&T->out);
    return rc;
}

int ed_echo(const char *text)
{
    if (!text)
        return -EINVAL;
    int rc;
    if (!ed__io_enter(&rc))
        return rc;
    return echo_in_turn(text);
}

/* ---- reading ------------------------------------------------------------- */

/* buf[start, len) is input not yet returned; the first `scanned` bytes of
 * it hold no '\n', so a long line is searched once, not once per read. The
 * buffer is freed whenever it empties: between lines it costs nothing. */
static struct {
    pthread_mutex_t lock;
    char *buf;
    size_t start, len, cap, scanned;
    bool skipping;      /* dropping the rest of an over-long line */
    const char *reader; /* the thread reading stdin: its thread_token */
} in = {.lock = PTHREAD_MUTEX_INITIALIZER};

static _Thread_local char thread_token;

/* The loop of a thread that was reading stdin is being freed, its reader
 * with it: the role must not outlive it. */
static void reader_gone(void)
{
    pthread_mutex_lock(&in.lock);
    if (in.reader == &thread_token)
        in.reader = NULL;
    pthread_mutex_unlock(&in.lock);
}

static void consume(size_t n)
{
    in.start += n;
    in.scanned = 0;
    if (in.start == in.len) {
        ed__free(in.buf);
        in.buf = NULL;
        in.start = in.len = in.cap = 0;
    }
}

static int copy_line(size_t n, char **line)
{
    char *s = malloc(n + 1); /* the caller's, for free() */
    if (!s)
        return -ENOMEM; /* the line stays buffered for the next call */
    memcpy(s, in.buf + in.start, n);
    s[n] = 0;
    *line = s;
    return 1;
}

/* 1 and *line: the next whole line; 0: none buffered yet; -EMSGSIZE: an
 * over-long line was dropped (or its head, the rest to be skipped). */
static int take_line(char **line)
{
    for (;;) {
        size_t avail = in.len - in.start;
        if (avail == 0)
            return 0;
        const char *base = in.buf + in.start;
        const char *nl =
            avail > in.scanned ? memchr(base + in.scanned, '\n', avail - in.scanned) : NULL;
        if (!nl) {
            in.scanned = avail;
            if (in.skipping)
                consume(avail);
            else if (avail > ED_READLINE_MAX + 1) { /* + 1: a '\r' may come before its '\n' */
                in.skipping = true;
                consume(avail);
                return -EMSGSIZE;
            }
            return 0;
        }
        size_t n = (size_t)(nl - base);
        if (in.skipping) {
            in.skipping = false;
            consume(n + 1);
            continue;
        }
        size_t text = n > 0 && base[n - 1] == '\r' ? n - 1 : n;
        if (text > ED_READLINE_MAX) {
            consume(n + 1);
            return -EMSGSIZE;
        }
        int rc = copy_line(text, line);
        if (rc > 0)
            consume(n + 1);
        return rc;
    }
}

/* At end of input: what is left is the last line, without a '\n'. */
static int take_rest(char **line)
{
    size_t avail = in.len - in.start;
    if (in.skipping || avail == 0) {
        in.skipping = false;
        if (avail > 0)
            consume(avail);
        return 0;
    }
    if (avail > ED_READLINE_MAX) {
        consume(avail);
        return -EMSGSIZE;
    }
    int rc = copy_line(avail, line);
    if (rc > 0)
        consume(avail);
    return rc;
}

/* Reads what stdin has: the count, 0 at end of input, -EAGAIN when there
 * is nothing yet, or an error. */
static ssize_t fill(bool plain)
{
    if (in.start > 0) {
        memmove(in.buf, in.buf + in.start, in.len - in.start);
        in.len -= in.start;
        in.start = 0;
    }
    if (in.cap - in.len < CHUNK) {
        size_t cap = in.cap * 2 > in.len + CHUNK ? in.cap * 2 : in.len + CHUNK;
        char *buf = ed__realloc(in.buf, cap);
        if (!buf)
            return -ENOMEM;
        in.buf = buf;
        in.cap = cap;
    }
    int rc;
    if (!plain && (rc = ed__nonblock_hold(STDIN_FILENO)) < 0)
        return rc;
    ssize_t got;
    while ((got = read(STDIN_FILENO, in.buf + in.len, in.cap - in.len)) < 0 && errno == EINTR) {
    }
    int err = errno;
    if (!plain)
        ed__nonblock_drop();
    if (got < 0)
        return err == EWOULDBLOCK ? -EAGAIN : -err;
    in.len += (size_t)got;
    if (in.len == 0) { /* nothing came: give the buffer back at once */
        ed__free(in.buf);
        in.buf = NULL;
        in.cap = 0;
    }
    return got;
}

/* 0 and *line (NULL at end of input), or an error. One thread at a time
 * reads stdin and waits for it: a thread waiting there could not tell that
 * another one read its line into the buffer. The others look at the buffer
 * every FOLLOW seconds until they get a line or the reader role. */
static int read_line(char **line)
{
    int rc;
    bool plain = is_regular(STDIN_FILENO, &rc);
    if (rc < 0)
        return rc;
    pthread_mutex_lock(&in.lock);
    for (;;) {
        if ((rc = take_line(line)) != 0)
            break;
        if (in.reader && in.reader != &thread_token) {
            pthread_mutex_unlock(&in.lock);
            rc = ed_sleep(FOLLOW);
            pthread_mutex_lock(&in.lock);
            if (rc < 0)
                break;
            continue;
        }
        in.reader = &thread_token;
        ssize_t got = fill(plain);
        if (got > 0)
            continue;
        if (got == 0) {
            rc = take_rest(line);
            break;
        }
        if ((rc = (int)got) != -EAGAIN)
            break;
        /* Without the lock: the other threads may look at the buffer. */
        pthread_mutex_unlock(&in.lock);
        rc = ed_wait_readable(STDIN_FILENO, -1);
        pthread_mutex_lock(&in.lock);
        if (rc < 0)
            break;
    }
    if (in.reader == &thread_token)
        in.reader = NULL;
    pthread_mutex_unlock(&in.lock);
    return rc < 0 ? rc : 0;
}

char *ed_readline(const char *prompt)
{
    int rc;
    struct turns *T = NULL;
    char *line = NULL;
    if (ed__io_enter(&rc) && !(T = turns_get()))
        rc = -ENOMEM;
    if (T && (rc = ed__turn_take(&T->in)) == 0) {
        /* In the readers' turn: a prompt appears when its line is next. */
        if (prompt)
            rc = echo_in_turn(prompt);
        if (rc == 0)
            rc = read_line(&line);
        ed__turn_give(&T->in);
    }
    if (!line)
        errno = -rc;
    return line;
}
