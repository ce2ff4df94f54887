/* eddy-get, the tool, as a user runs it: a child process against the
 * in-process servers of http_support.h. The test's loop serves while the
 * child runs (its exit is awaited on the thread pool), so every request
 * the tool makes is answered by this process. Output goes to files, read
 * once the child is done. */
#include "http_fixture.h"

#include <fcntl.h>
#include <pty.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>

#ifndef EDDY_GET
#error "EDDY_GET must name the eddy-get binary"
#endif

extern char **environ;

struct run {
    int status;  /* the exit status, or -1 if it did not exit */
    char *out;   /* its standard output */
    char *err;   /* its standard error */
};

static int wait_job(void *arg, void **result)
{
    int status;
    pid_t pid = *(pid_t *)arg;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return -errno;
    *result = (void *)(intptr_t)(WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return 0;
}

/* Runs eddy-get with args (NULL-terminated) in dir's parent, stdin from
 * `input` (NULL: /dev/null), and waits for it while the loop serves. */
static struct run run_tool(const char *dir, const char *input, const char *const *args)
{
    char out_path[PATH_MAX], err_path[PATH_MAX], in_path[PATH_MAX];
    snprintf(out_path, sizeof out_path, "%s.out", dir);
    snprintf(err_path, sizeof err_path, "%s.err", dir);
    snprintf(in_path, sizeof in_path, "%s.in", dir);
    int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (input) {
        FILE *f = fopen(in_path, "w");
        ck_assert_ptr_ne(f, NULL);
        fputs(input, f);
        fclose(f);
        close(in);
        in = open(in_path, O_RDONLY | O_CLOEXEC);
    }
    int out = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int err = open(err_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ck_assert(in >= 0 && out >= 0 && err >= 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in, 0);
    posix_spawn_file_actions_adddup2(&fa, out, 1);
    posix_spawn_file_actions_adddup2(&fa, err, 2);
    const char *argv[32] = {EDDY_GET};
    int n = 1;
    for (; args[n - 1]; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    pid_t pid;
    ck_assert_int_eq(posix_spawn(&pid, EDDY_GET, &fa, NULL, (char **)argv, environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    close(in);
    close(out);
    close(err);
    void *status = NULL;
    ck_assert_int_eq(ed_blocking(wait_job, &pid, &status), 0);
    struct run r = {(int)(intptr_t)status, slurp(out_path, NULL), slurp(err_path, NULL)};
    unlink(out_path);
    unlink(err_path);
    unlink(in_path);
    return r;
}

static void run_free(struct run *r)
{
    free(r->out);
    free(r->err);
}

static bool file_is(const char *dir, const char *name, const char *text)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    size_t len;
    char *data = slurp(path, &len);
    bool same = data && len == strlen(text) && memcmp(data, text, len) == 0;
    free(data);
    return same;
}

static void assert_pattern_in(const char *dir, const char *name, size_t n)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    assert_pattern_file(path, n);
}

/* ---- the tests ------------------------------------------------------------------ */

/* Eight URLs, four at a time: every file arrives, under its own name, and
 * the server never sees more than four requests at once. */
START_TEST(test_parallel)
{
    start();
    char *dir = make_dir();
    const char *args[16] = {"-q", "-j", "4", "-d", dir};
    int n = 5;
    for (int i = 0; i < 8; i++)
        args[n++] = strdup(hs_url(&srv, "/delay/200?i=%d", i));
    args[n] = NULL;
    struct run r = run_tool(dir, NULL, args);
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    ck_assert_int_eq(srv.requests, 8);
    ck_assert_int_le(srv.max_in_delay, 4);
    ck_assert_int_ge(srv.max_in_delay, 2);
    ck_assert(file_is(dir, "200", "delayed 200"));
    ck_assert(file_is(dir, "200 (7)", "delayed 200"));
    ck_assert_str_eq(r.out, ""); /* -q */
    for (int i = 5; i < n; i++)
        free((char *)args[i]);
    run_free(&r);
    remove_dir(dir);
    stop();
}
END_TEST

/* A server that fails the first attempts: retried with backoff, then
 * there; with too few retries, a failure and exit status 1. */
START_TEST(test_retries)
{
    start();
    char *dir = make_dir();
    char *url = strdup(hs_url(&srv, "/flaky/5000?fails=2"));
    const char *args[] = {"-r", "3", "--retry-delay", "0.01", "-d", dir, url, NULL};
    struct run r = run_tool(dir, NULL, args);
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    ck_assert_int_eq(srv.flaky_failed, 2);
    ck_assert_ptr_ne(strstr(r.out, "retry 1/3"), NULL);
    ck_assert_ptr_ne(strstr(r.out, "retry 2/3"), NULL);
    ck_assert_ptr_ne(strstr(r.out, "done: 5000"), NULL);
    assert_pattern_in(dir, "5000", 5000);
    run_free(&r);

    srv.flaky_failed = 0;
    const char *once[] = {"-r", "1", "--retry-delay", "0.01", "-f", "-d", dir, url, NULL};
    r = run_tool(dir, NULL, once);
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_ne(strstr(r.err, "503"), NULL);
    ck_assert_ptr_ne(strstr(r.out, "1 failed"), NULL);
    run_free(&r);
    free(url);
    remove_dir(dir);
    stop();
}
END_TEST

/* A transfer cut in the middle: the retry asks for the rest only. */
START_TEST(test_resume_in_one_run)
{
    start();
    char *dir = make_dir();
    char *url = strdup(hs_url(&srv, "/bytes/300000?cut=120000"));
    const char *args[] = {"-r", "2", "--retry-delay", "0.01", "-d", dir, url, NULL};
    struct run r = run_tool(dir, NULL, args);
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    ck_assert_int_eq(srv.range_requests, 1);
    ck_assert_int_eq(srv.last_range_start, 120000);
    ck_assert_ptr_ne(strstr(r.out, "resumed"), NULL);
    assert_pattern_in(dir, "300000", 300000);
    run_free(&r);
    free(url);
    remove_dir(dir);
    stop();
}
END_TEST

/* A run that fails leaves NAME.part; the next run resumes it. */
START_TEST(test_resume_next_run)
{
    start();
    char *dir = make_dir();
    char *cut = strdup(hs_url(&srv, "/bytes/300000?cut=100000"));
    const char *first[] = {"-r", "0", "-d", dir, cut, NULL};
    struct run r = run_tool(dir, NULL, first);
    ck_assert_int_eq(r.status, 1);
    char part[PATH_MAX];
    snprintf(part, sizeof part, "%s/300000.part", dir);
    struct stat st;
    ck_assert_int_eq(stat(part, &st), 0);
    ck_assert_int_eq(st.st_size, 100000);
    run_free(&r);

    char *whole = strdup(hs_url(&srv, "/bytes/300000"));
    const char *second[] = {"-d", dir, whole, NULL};
    r = run_tool(dir, NULL, second);
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    ck_assert_int_eq(srv.last_range_start, 100000);
    ck_assert_int_eq(stat(part, &st), -1);
    assert_pattern_in(dir, "300000", 300000);
    run_free(&r);
    free(cut);
    free(whole);
    remove_dir(dir);
    stop();
}
END_TEST

/* --proxy: every request goes through the proxy. */
START_TEST(test_proxy)
{
    start();
    hs_proxy proxy;
    ck_assert_int_eq(hs_proxy_start(&proxy, HS_PROXY_HTTP, NULL, NULL), 0);
    char *dir = make_dir();
    char proxy_url[96];
    snprintf(proxy_url, sizeof proxy_url, "http://%s", proxy.addr);
    char *a = strdup(hs_url(&srv, "/bytes/1000")), *b = strdup(hs_url(&srv, "/bytes/2000"));
    const char *args[] = {"--proxy", proxy_url, "-d", dir, a, b, NULL};
    struct run r = run_tool(dir, NULL, args);
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    ck_assert_int_ge(proxy.absolute, 2);
    assert_pattern_in(dir, "1000", 1000);
    assert_pattern_in(dir, "2000", 2000);
    run_free(&r);
    free(a);
    free(b);
    remove_dir(dir);
    hs_proxy_stop(&proxy);
    stop();
}
END_TEST

/* Bad URLs fail clearly (status 1); bad usage is status 2. */
START_TEST(test_bad_input)
{
    start();
    char *dir = make_dir();
    char *good = strdup(hs_url(&srv, "/bytes/10"));
    const char *args[] = {"-r", "3", "-d", dir, "htp://example", "http://", good, NULL};
    struct run r = run_tool(dir, NULL, args);
    ck_assert_int_eq(r.status, 1);
    ck_assert_ptr_ne(strstr(r.err, "htp://example"), NULL);
    ck_assert_ptr_ne(strstr(r.err, "not supported"), NULL);
    ck_assert_ptr_eq(strstr(r.out, "retry"), NULL); /* a bad URL is not retried */
    ck_assert_ptr_ne(strstr(r.out, "1 downloaded"), NULL);
    assert_pattern_in(dir, "10", 10);
    run_free(&r);

    const char *none[] = {"-d", dir, NULL};
    r = run_tool(dir, NULL, none);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_ne(strstr(r.err, "no URL"), NULL);
    run_free(&r);
    const char *zero[] = {"-j", "0", good, NULL};
    r = run_tool(dir, NULL, zero);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_ne(strstr(r.err, "--parallel"), NULL);
    run_free(&r);
    const char *help[] = {"--help", NULL};
    r = run_tool(dir, NULL, help);
    ck_assert_int_eq(r.status, 0);
    ck_assert_ptr_ne(strstr(r.out, "Usage: eddy-get"), NULL);
    run_free(&r);
    free(good);
    remove_dir(dir);
    stop();
}
END_TEST

/* URLs from standard input ('-'), with comments and blank lines; a second
 * run finds the files there and downloads nothing. */
START_TEST(test_stdin_and_skip)
{
    start();
    char *dir = make_dir();
    char input[512];
    snprintf(input, sizeof input, "# a list\n\n  %s  \n%s\r\n", hs_url(&srv, "/bytes/100"),
             hs_url(&srv, "/bytes/200"));
    const char *args[] = {"-d", dir, "-", NULL};
    struct run r = run_tool(dir, input, args);
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    assert_pattern_in(dir, "100", 100);
    assert_pattern_in(dir, "200", 200);
    run_free(&r);
    int before = srv.requests;
    r = run_tool(dir, input, args);
    ck_assert_int_eq(r.status, 0);
    ck_assert_int_eq(srv.requests, before);
    ck_assert_ptr_ne(strstr(r.out, "already there: 100"), NULL);
    ck_assert_ptr_ne(strstr(r.out, "2 already there"), NULL);
    run_free(&r);
    remove_dir(dir);
    stop();
}
END_TEST

/* ---- on a terminal -------------------------------------------------------------- */

struct pty_reader {
    int fd;
    char buf[65536];
    size_t len;
};

/* Reads the terminal's output until the child closes it (EIO on Linux). */
static int read_pty(void *arg, void **result)
{
    (void)result;
    struct pty_reader *p = arg;
    for (;;) {
        ssize_t n = ed_read(p->fd, p->buf + p->len, sizeof p->buf - 1 - p->len, 30);
        if (n <= 0)
            break;
        p->len += (size_t)n;
        if (p->len == sizeof p->buf - 1)
            p->len = 0; /* only the end matters */
    }
    p->buf[p->len] = '\0';
    return 0;
}

/* A tty gets a frame per transfer and a total, redrawn in place. */
START_TEST(test_tty_display)
{
    start();
    char *dir = make_dir();
    char *url = strdup(hs_url(&srv, "/slow?parts=6&size=1000&delay=0.1"));
    int master;
    pid_t pid = forkpty(&master, NULL, NULL, NULL);
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        execl(EDDY_GET, EDDY_GET, "-d", dir, url, (char *)NULL);
        _exit(127);
    }
    fcntl(master, F_SETFL, O_NONBLOCK);
    struct pty_reader *p = calloc(1, sizeof *p);
    p->fd = master;
    ed_future *reader = ed_async(read_pty, p);
    void *status = NULL;
    ck_assert_int_eq(ed_blocking(wait_job, &pid, &status), 0);
    ck_assert_int_eq(ed_await(reader, NULL), 0);
    ed_future_release(reader);
    close(master);
    ck_assert_int_eq((int)(intptr_t)status, 0);
    ck_assert_ptr_ne(strstr(p->buf, "\x1b["), NULL);    /* drawn in place */
    ck_assert_ptr_ne(strstr(p->buf, "total: 1/1"), NULL); /* the total line */
    ck_assert_ptr_ne(strstr(p->buf, "1 downloaded"), NULL);
    free(p);
    free(url);
    remove_dir(dir);
    stop();
}
END_TEST

static Suite *suite(void)
{
    TCase *tc;
    Suite *s = http_suite_new("eddy-get", 120, HTTP_END_IDLE, &tc);
    tcase_add_test(tc, test_parallel);
    tcase_add_test(tc, test_retries);
    tcase_add_test(tc, test_resume_in_one_run);
    tcase_add_test(tc, test_resume_next_run);
    tcase_add_test(tc, test_proxy);
    tcase_add_test(tc, test_bad_input);
    tcase_add_test(tc, test_stdin_and_skip);
    tcase_add_test(tc, test_tty_display);
    return s;
}

ED_TEST_MAIN(suite)
