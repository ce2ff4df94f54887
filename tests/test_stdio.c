/* ed_readline and ed_echo (the seed's readLine and echo, behaviour.md §5.3,
 * §5.4): through a terminal, pipes and regular files; order between
 * callers; the fds' flags as they were. Each test puts what it needs on
 * fds 0 and 1 and restores them at the end. */
#include "support.h"

#include <eddy/util.h>
#include <pthread.h>
#include <sys/wait.h>
#include <termios.h>

/* ---- helpers ------------------------------------------------------------ */

/* fds 0 and 1 as they were before the test, and the count of open fds. */
static int saved_in = -1, saved_out = -1, fds_before;

static void std_save(void)
{
    fds_before = open_fd_count();
    saved_in = dup(STDIN_FILENO);
    saved_out = dup(STDOUT_FILENO);
    ck_assert_int_ge(saved_in, 0);
    ck_assert_int_ge(saved_out, 0);
}

static void std_restore(void)
{
    ck_assert_int_eq(dup2(saved_in, STDIN_FILENO), STDIN_FILENO);
    ck_assert_int_eq(dup2(saved_out, STDOUT_FILENO), STDOUT_FILENO);
    close(saved_in);
    close(saved_out);
}

/* The end of every test: fds 0 and 1 back, the loop freed, no fd left. */
static void std_finish(void)
{
    std_restore();
    ED_TEST_END();
    ck_assert_int_eq(open_fd_count(), fds_before);
}

static void put_on(int fd, int target)
{
    ck_assert_int_eq(dup2(fd, target), target);
    close(fd);
}

/* A pipe whose read end becomes stdin, blocking as a shell makes it; the
 * write end (returned) is non-blocking, for ed_write. */
static int stdin_pipe(void)
{
    int p[2];
    ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
    put_on(p[0], STDIN_FILENO);
    ck_assert_int_eq(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
    return p[1];
}

/* A pipe whose blocking write end becomes stdout; the read end (returned)
 * is non-blocking. */
static int stdout_pipe(void)
{
    int p[2];
    ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
    put_on(p[1], STDOUT_FILENO);
    ck_assert_int_eq(fcntl(p[0], F_SETFL, O_NONBLOCK), 0);
    return p[0];
}

static void write_str(int fd, const char *s)
{
    size_t n = strlen(s);
    ck_assert_int_eq(write(fd, s, n), (ssize_t)n);
}

/* Everything fd (non-blocking) holds now, as a string the caller frees. */
static char *drain(int fd)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    ck_assert_ptr_ne(buf, NULL);
    for (;;) {
        if (cap - len < 4096) {
            buf = realloc(buf, cap *= 2);
            ck_assert_ptr_ne(buf, NULL);
        }
        ssize_t n = read(fd, buf + len, cap - len - 1);
        if (n <= 0)
            break;
        len += (size_t)n;
    }
    buf[len] = 0;
    return buf;
}

static void expect_line(const char *want)
{
    char *line = ed_readline(NULL);
    ck_assert_msg(line != NULL, "ed_readline failed: %s", strerror(errno));
    ck_assert_str_eq(line, want);
    free(line);
}

static void expect_eof(void)
{
    errno = EINVAL;
    ck_assert_ptr_eq(ed_readline(NULL), NULL);
    ck_assert_int_eq(errno, 0);
}

static int flags_of(int fd)
{
    int flags = fcntl(fd, F_GETFL);
    ck_assert_int_ge(flags, 0);
    return flags;
}

/* ---- reading: pipes ----------------------------------------------------- */

/* §5.3: several lines in one write come out one per call, "\r\n" stripped;
 * at end of input NULL with errno 0, every time. */
START_TEST(test_readline_pipe_lines_then_eof)
{
    std_save();
    int w = stdin_pipe();
    int flags = flags_of(STDIN_FILENO);
    write_str(w, "one\ntwo\r\n\nthree\n");
    close(w);
    expect_line("one");
    expect_line("two");
    expect_line("");
    expect_line("three");
    expect_eof();
    expect_eof();
    ck_assert_int_eq(flags_of(STDIN_FILENO), flags);
    std_finish();
}
END_TEST

/* A last line without "\n" is returned at end of input, then EOF. */
START_TEST(test_readline_last_line_without_newline)
{
    std_save();
    int w = stdin_pipe();
    write_str(w, "a\nb");
    close(w);
    expect_line("a");
    expect_line("b");
    expect_eof();
    std_finish();
}
END_TEST

static int g_w;
static bool g_wrote;
static int g_flags_seen = -1;

static int read_one(void *arg, void **result)
{
    (void)arg;
    *result = ed_readline(NULL);
    return *result ? 0 : -errno;
}

static int write_late(void *arg, void **result)
{
    (void)result;
    g_flags_seen = fcntl(STDIN_FILENO, F_GETFL); /* while the reader waits */
    g_wrote = true;
    return ed_write(g_w, arg, strlen(arg), -1) < 0 ? -EIO : 0;
}

/* The reader waits without blocking the loop: a second task runs, sees
 * stdin still blocking (the flag is never held across a wait), and writes
 * the line the first one then gets. */
START_TEST(test_readline_waits_without_blocking_the_loop)
{
    std_save();
    g_w = stdin_pipe();
    ed_future *r = ed_async(read_one, NULL);
    ck_assert(!ed_future_done(r));
    ed_future *w = ed_async(write_late, "late\n");
    void *line;
    ck_assert_int_eq(ed_await(r, &line), 0);
    ck_assert(g_wrote);
    ck_assert_int_ge(g_flags_seen, 0);
    ck_assert_int_eq(g_flags_seen & O_NONBLOCK, 0);
    ck_assert_str_eq(line, "late");
    free(line);
    ck_assert_int_eq(ed_await(w, NULL), 0);
    ed_future_release(r);
    ed_future_release(w);
    close(g_w);
    std_finish();
}
END_TEST

/* A 100 KiB line, longer than any read, written meanwhile by another task
 * (the pipe holds less than it): returned whole, and the next line too. */
#define LONG_LINE (100 * 1024)

static int write_big(void *arg, void **result)
{
    (void)result;
    const char *s = arg;
    return ed_write(g_w, s, strlen(s), -1) < 0 ? -EIO : 0;
}

START_TEST(test_readline_long_line)
{
    std_save();
    g_w = stdin_pipe();
    char *text = malloc(LONG_LINE + 16);
    ck_assert_ptr_ne(text, NULL);
    for (int i = 0; i < LONG_LINE; i++)
        text[i] = (char)('a' + i % 26);
    strcpy(text + LONG_LINE, "\nshort\n");
    ed_future *w = ed_async(write_big, text);
    char *line = ed_readline(NULL);
    ck_assert_ptr_ne(line, NULL);
    ck_assert_uint_eq(strlen(line), LONG_LINE);
    ck_assert(memcmp(line, text, LONG_LINE) == 0);
    free(line);
    expect_line("short");
    ck_assert_int_eq(ed_await(w, NULL), 0);
    ed_future_release(w);
    free(text);
    close(g_w);
    std_finish();
}
END_TEST

/* A line over ED_READLINE_MAX fails with EMSGSIZE and is skipped up to its
 * "\n"; the next call returns the next line. */
START_TEST(test_readline_too_long_is_skipped)
{
    std_save();
    g_w = stdin_pipe();
    size_t n = ED_READLINE_MAX + 10;
    char *text = malloc(n + 16);
    ck_assert_ptr_ne(text, NULL);
    memset(text, 'x', n);
    strcpy(text + n, "\nnext\n");
    ed_future *w = ed_async(write_big, text);
    errno = 0;
    ck_assert_ptr_eq(ed_readline(NULL), NULL);
    ck_assert_int_eq(errno, EMSGSIZE);
    expect_line("next");
    ck_assert_int_eq(ed_await(w, NULL), 0);
    ed_future_release(w);
    free(text);
    close(g_w);
    std_finish();
}
END_TEST

/* Callers on one loop get lines in call order, and each prompt appears
 * only when its caller's line is next. */
static int read_prompted(void *arg, void **result)
{
    *result = ed_readline(arg);
    return *result ? 0 : -errno;
}

START_TEST(test_readline_callers_in_call_order)
{
    std_save();
    g_w = stdin_pipe();
    int out = stdout_pipe();
    ed_future *a = ed_async(read_prompted, "A> ");
    ed_future *b = ed_async(read_prompted, "B> ");
    char *shown = drain(out);
    ck_assert_str_eq(shown, "A> "); /* B waits for its turn */
    free(shown);
    write_str(g_w, "1\n2\n");
    void *la, *lb;
    ck_assert_int_eq(ed_await(a, &la), 0);
    ck_assert_int_eq(ed_await(b, &lb), 0);
    ck_assert_str_eq(la, "1");
    ck_assert_str_eq(lb, "2");
    free(la);
    free(lb);
    shown = drain(out);
    ck_assert_str_eq(shown, "B> ");
    free(shown);
    ed_future_release(a);
    ed_future_release(b);
    close(g_w);
    close(out);
    std_finish();
}
END_TEST

/* Cancelling a waiting reader: NULL with ECANCELED, nothing lost; the next
 * caller gets the line. */
START_TEST(test_readline_cancelled)
{
    std_save();
    g_w = stdin_pipe();
    int flags = flags_of(STDIN_FILENO);
    ed_future *r = ed_async(read_one, NULL);
    ed_future *next = ed_async(read_one, NULL); /* waits for r's turn */
    ck_assert_int_eq(ed_cancel_future(r), 0);
    ck_assert_int_eq(ed_await(r, NULL), -ECANCELED);
    write_str(g_w, "kept\n");
    void *line;
    ck_assert_int_eq(ed_await(next, &line), 0);
    ck_assert_str_eq(line, "kept");
    free(line);
    ck_assert_int_eq(flags_of(STDIN_FILENO), flags);
    ed_future_release(r);
    ed_future_release(next);
    close(g_w);
    std_finish();
}
END_TEST

/* stdin is one stream per process: two threads reading it share one
 * buffer, and each line goes to exactly one of them. */
static void *thread_read(void *arg)
{
    (void)arg;
    char *line = ed_readline(NULL);
    ed_shutdown();
    return line;
}

START_TEST(test_readline_two_threads_share_the_input)
{
    std_save();
    g_w = stdin_pipe();
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, thread_read, NULL), 0);
    write_str(g_w, "x\ny\n");
    char *mine = ed_readline(NULL);
    void *theirs;
    ck_assert_int_eq(pthread_join(t, &theirs), 0);
    ck_assert_ptr_ne(mine, NULL);
    ck_assert_ptr_ne(theirs, NULL);
    ck_assert_msg((!strcmp(mine, "x") && !strcmp(theirs, "y")) ||
                      (!strcmp(mine, "y") && !strcmp(theirs, "x")),
                  "got \"%s\" and \"%s\"", mine, (char *)theirs);
    free(mine);
    free(theirs);
    close(g_w);
    std_finish();
}
END_TEST

/* ---- reading and writing: regular files --------------------------------- */

static int temp_file(const char *content)
{
    char path[] = "/tmp/eddy-stdio-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    unlink(path);
    if (content) {
        write_str(fd, content);
        ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    }
    return fd;
}

START_TEST(test_readline_regular_file)
{
    std_save();
    put_on(temp_file("r1\nr2\r\nr3"), STDIN_FILENO);
    int flags = flags_of(STDIN_FILENO);
    expect_line("r1");
    expect_line("r2");
    expect_line("r3");
    expect_eof();
    ck_assert_int_eq(flags_of(STDIN_FILENO), flags);
    std_finish();
}
END_TEST

START_TEST(test_echo_regular_file)
{
    std_save();
    int fd = temp_file(NULL);
    int copy = dup(fd);
    put_on(fd, STDOUT_FILENO);
    ck_assert_int_eq(ed_echo("x"), 0);
    ck_assert_int_eq(ed_echo(""), 0);
    ck_assert_int_eq(ed_echo("y\n"), 0);
    char buf[16] = {0};
    ck_assert_int_eq(pread(copy, buf, sizeof buf - 1, 0), 3);
    ck_assert_str_eq(buf, "xy\n");
    close(copy);
    std_finish();
}
END_TEST

/* ---- a terminal --------------------------------------------------------- */

/* A pseudo-terminal whose slave is fds 0 and 1 at once, one open file
 * description as a login shell leaves them: canonical mode, no echo, no
 * output processing. Returns the master, non-blocking. */
static int terminal(void)
{
    int m = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    ck_assert_int_ge(m, 0);
    ck_assert_int_eq(grantpt(m), 0);
    ck_assert_int_eq(unlockpt(m), 0);
    const char *name = ptsname(m);
    ck_assert_ptr_ne(name, NULL);
    int s = open(name, O_RDWR | O_NOCTTY);
    ck_assert_int_ge(s, 0);
    struct termios t;
    ck_assert_int_eq(tcgetattr(s, &t), 0);
    t.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
    t.c_lflag |= ICANON;
    t.c_oflag &= ~(tcflag_t)OPOST;
    ck_assert_int_eq(tcsetattr(s, TCSANOW, &t), 0);
    ck_assert_int_eq(dup2(s, STDOUT_FILENO), STDOUT_FILENO);
    put_on(s, STDIN_FILENO);
    ck_assert_int_eq(fcntl(m, F_SETFL, O_NONBLOCK), 0);
    return m;
}

/* Reads n bytes from the master, waiting as long as it takes. */
static void expect_output(int m, const char *want)
{
    size_t n = strlen(want), got = 0;
    char buf[256];
    ck_assert_uint_lt(n, sizeof buf);
    while (got < n) {
        ssize_t r = ed_read(m, buf + got, n - got, 30);
        ck_assert_int_gt(r, 0);
        got += (size_t)r;
    }
    buf[got] = 0;
    ck_assert_str_eq(buf, want);
}

START_TEST(test_readline_and_echo_on_a_terminal)
{
    std_save();
    int m = terminal();
    int flags = flags_of(STDIN_FILENO);
    ck_assert_int_eq(flags & O_NONBLOCK, 0);
    write_str(m, "hello\nworld\n");
    char *line = ed_readline("> ");
    ck_assert_ptr_ne(line, NULL);
    ck_assert_str_eq(line, "hello");
    free(line);
    expect_output(m, "> ");
    expect_line("world");
    ck_assert_int_eq(ed_echo("bye\n"), 0);
    expect_output(m, "bye\n");
    ck_assert_int_eq(flags_of(STDIN_FILENO), flags);
    ck_assert_int_eq(flags_of(STDOUT_FILENO), flags);
    close(m);
    std_finish();
}
END_TEST

/* The reader waits on the terminal while another task writes to it. */
static int type_later(void *arg, void **result)
{
    (void)result;
    g_flags_seen = fcntl(STDOUT_FILENO, F_GETFL);
    int m = *(int *)arg;
    return ed_write(m, "typed\n", 6, -1) == 6 ? 0 : -EIO;
}

START_TEST(test_readline_terminal_waits_without_blocking)
{
    std_save();
    int m = terminal();
    ed_future *r = ed_async(read_one, NULL);
    ed_future *w = ed_async(type_later, &m);
    void *line;
    ck_assert_int_eq(ed_await(r, &line), 0);
    ck_assert_str_eq(line, "typed");
    free(line);
    ck_assert_int_eq(ed_await(w, NULL), 0);
    ck_assert_int_eq(g_flags_seen & O_NONBLOCK, 0);
    ed_future_release(r);
    ed_future_release(w);
    close(m);
    std_finish();
}
END_TEST

/* ---- writing: order and partial writes ---------------------------------- */

#define ECHOERS 4
#define BIG (96 * 1024) /* more than a pipe holds by default */

static char g_text[ECHOERS][BIG + 1];

static int echo_task(void *arg, void **result)
{
    (void)result;
    return ed_echo(arg);
}

/* Reads the pipe in small bites until `want` bytes came: the writers meet
 * a full pipe (EAGAIN) and partial writes many times. */
static int slow_reader(void *arg, void **result)
{
    size_t want = (size_t)(uintptr_t)arg, got = 0;
    char *buf = malloc(want + 1);
    if (!buf)
        return -ENOMEM;
    while (got < want) {
        ssize_t n = ed_read(g_w, buf + got, want - got < 1000 ? want - got : 1000, -1);
        if (n <= 0) {
            free(buf);
            return n < 0 ? (int)n : -EIO;
        }
        got += (size_t)n;
        if (ed_yield() < 0) {
            free(buf);
            return -ECANCELED;
        }
    }
    buf[got] = 0;
    *result = buf;
    return 0;
}

/* Four tasks echo 96 KiB each into a pipe that holds 4 KiB: the output is
 * the four texts whole, in call order; stdout is blocking again after.
 * Each task after the first starts just after the pipe was emptied, when
 * it could write at once: only its turn keeps it from overtaking. */
START_TEST(test_echo_concurrent_callers_keep_order)
{
    std_save();
    g_w = stdout_pipe();
    (void)fcntl(STDOUT_FILENO, F_SETPIPE_SZ, 4096);
    int flags = flags_of(STDOUT_FILENO);
    char *out = malloc(ECHOERS * BIG + 1);
    ck_assert_ptr_ne(out, NULL);
    size_t got = 0;
    ed_future *f[ECHOERS];
    for (int i = 0; i < ECHOERS; i++) {
        memset(g_text[i], 'a' + i, BIG);
        g_text[i][BIG] = 0;
        char *some = drain(g_w);
        memcpy(out + got, some, strlen(some));
        got += strlen(some);
        free(some);
        f[i] = ed_async(echo_task, g_text[i]);
        ck_assert(!ed_future_done(f[i]));
    }
    ed_future *r = ed_async(slow_reader, P(ECHOERS * BIG - got));
    void *rest;
    ck_assert_int_eq(ed_await(r, &rest), 0);
    memcpy(out + got, rest, ECHOERS * BIG - got);
    free(rest);
    for (int i = 0; i < ECHOERS; i++) {
        ck_assert_int_eq(ed_await(f[i], NULL), 0);
        ed_future_release(f[i]);
        ck_assert_msg(memcmp(out + i * BIG, g_text[i], BIG) == 0,
                      "text %d is not whole and in place", i);
    }
    free(out);
    ed_future_release(r);
    ck_assert_int_eq(flags_of(STDOUT_FILENO), flags);
    ck_assert_int_eq(flags & O_NONBLOCK, 0);
    close(g_w);
    std_finish();
}
END_TEST

/* A writer cancelled while it waits for a full pipe, and one cancelled
 * while it waits for its turn: both -ECANCELED; the turn goes on to the
 * next caller, whose text comes out after what the first one wrote. */
START_TEST(test_echo_cancelled_passes_the_turn_on)
{
    std_save();
    g_w = stdout_pipe();
    (void)fcntl(STDOUT_FILENO, F_SETPIPE_SZ, 4096);
    memset(g_text[0], 'a', BIG);
    g_text[0][BIG] = 0;
    ed_future *first = ed_async(echo_task, g_text[0]);   /* fills the pipe, waits */
    ed_future *second = ed_async(echo_task, "second");   /* waits for its turn */
    ed_future *third = ed_async(echo_task, "third");
    ck_assert(!ed_future_done(first));
    ck_assert_int_eq(ed_cancel_future(second), 0);
    ck_assert_int_eq(ed_await(second, NULL), -ECANCELED);
    ck_assert_int_eq(ed_cancel_future(first), 0);
    ck_assert_int_eq(ed_await(first, NULL), -ECANCELED);
    char *head = drain(g_w); /* what `first` wrote before it was cancelled */
    size_t n = strlen(head);
    ck_assert_uint_gt(n, 0);
    ck_assert_uint_lt(n, BIG);
    ck_assert_int_eq(ed_await(third, NULL), 0);
    char *tail = drain(g_w);
    ck_assert_str_eq(tail, "third");
    free(head);
    free(tail);
    ed_future_release(first);
    ed_future_release(second);
    ed_future_release(third);
    close(g_w);
    std_finish();
}
END_TEST

/* ---- the rules of suspending calls -------------------------------------- */

static int in_callback(ed_id id, void *data)
{
    (void)id;
    (void)data;
    ck_assert_int_eq(ed_echo("x"), -EPERM);
    errno = 0;
    ck_assert_ptr_eq(ed_readline(NULL), NULL);
    ck_assert_int_eq(errno, EPERM);
    runs[0]++;
    return 0;
}

START_TEST(test_raw_callback_eperm_and_bad_input)
{
    std_save();
    int w = stdin_pipe();
    int r = stdout_pipe();
    ck_assert_int_eq(ed_echo(NULL), -EINVAL);
    ck_assert_uint_ne(ed_defer(in_callback, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(runs[0], 1);
    char *out = drain(r);
    ck_assert_str_eq(out, "");
    free(out);
    close(w);
    close(r);
    std_finish();
}
END_TEST

static int cancelled_first(void *arg, void **result)
{
    (void)arg;
    (void)result;
    ed_cancel_future(ed_self());
    int rc = ed_echo("never");
    errno = 0;
    char *line = ed_readline(NULL);
    return rc == -ECANCELED && !line && errno == ECANCELED ? 0 : -EIO;
}

/* A cancelled task gets -ECANCELED even where the call could complete at
 * once: stdin holds a line, stdout has room. */
START_TEST(test_cancelled_task_does_nothing)
{
    std_save();
    int w = stdin_pipe();
    int r = stdout_pipe();
    write_str(w, "line\n");
    ed_future *f = ed_async(cancelled_first, NULL);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ed_future_release(f);
    char *out = drain(r);
    ck_assert_str_eq(out, "");
    free(out);
    expect_line("line");
    close(w);
    close(r);
    std_finish();
}
END_TEST

/* A closed stdin is an error, not end of input. */
START_TEST(test_closed_fds_ebadf)
{
    std_save();
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0); /* the loop's fds are not 0 or 1 */
    close(STDIN_FILENO);
    close(STDOUT_FILENO);
    errno = 0;
    ck_assert_ptr_eq(ed_readline(NULL), NULL);
    ck_assert_int_eq(errno, EBADF);
    ck_assert_int_eq(ed_echo("x"), -EBADF);
    std_finish();
}
END_TEST

static Suite *stdio_suite(void)
{
    Suite *s = suite_create("stdio");
    TCase *tc = tcase_create("stdio");
    tcase_add_test(tc, test_readline_pipe_lines_then_eof);
    tcase_add_test(tc, test_readline_last_line_without_newline);
    tcase_add_test(tc, test_readline_waits_without_blocking_the_loop);
    tcase_add_test(tc, test_readline_long_line);
    tcase_add_test(tc, test_readline_too_long_is_skipped);
    tcase_add_test(tc, test_readline_callers_in_call_order);
    tcase_add_test(tc, test_readline_cancelled);
    tcase_add_test(tc, test_readline_two_threads_share_the_input);
    tcase_add_test(tc, test_readline_regular_file);
    tcase_add_test(tc, test_echo_regular_file);
    tcase_add_test(tc, test_readline_and_echo_on_a_terminal);
    tcase_add_test(tc, test_readline_terminal_waits_without_blocking);
    tcase_add_test(tc, test_echo_concurrent_callers_keep_order);
    tcase_add_test(tc, test_echo_cancelled_passes_the_turn_on);
    tcase_add_test(tc, test_raw_callback_eperm_and_bad_input);
    tcase_add_test(tc, test_cancelled_task_does_nothing);
    tcase_add_test(tc, test_closed_fds_ebadf);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(stdio_suite)
