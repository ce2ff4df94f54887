/* The fixture the HTTP suites (test_http*.c) share, on top of support.h:
 * each test gets a clean proxy environment and the in-process origin
 * server `srv` (http_support.h), and ends proving that nothing was left
 * behind: no watcher keeping the loop, no fd, no byte (ED_TEST_END under
 * LeakSanitizer). Also what two or more of those suites use besides:
 * checked requests, a request as a task, the echo route's answer, and
 * temporary directories.
 *
 * As in support.h, everything here is `static`: each suite is its own
 * program. */
#ifndef EDDY_HTTP_FIXTURE_H
#define EDDY_HTTP_FIXTURE_H

#include "support.h"

#include <eddy/http.h>
#include <limits.h>

#include "http_support.h"

/* ---- the suite and its tests ------------------------------------------------ */

/* How a test ends once its servers are stopped (finish()). */
typedef enum http_end {
    /* Nothing may keep the loop going any more: a program that made
     * requests can still end its ed_run(). */
    HTTP_END_IDLE,
    /* The module may still work in the background (removing a failed or
     * cancelled download's file): the loop runs until that work ends by
     * itself, 10 s at the most. */
    HTTP_END_BACKGROUND,
} http_end;

static hs_server srv;
static int fds_at_start;
static http_end end_mode; /* set by http_suite_new, before Check forks a test */
static bool stuck;

/* Every test starts with no proxy in the environment (the machine's own
 * settings must not decide where the test's requests go), and counts the
 * fds open then. */
static inline void http_setup(void)
{
    static const char *vars[] = {"http_proxy", "HTTP_PROXY",  "https_proxy", "HTTPS_PROXY",
                                 "all_proxy",  "ALL_PROXY",   "no_proxy",    "NO_PROXY"};
    for (size_t i = 0; i < sizeof vars / sizeof vars[0]; i++)
        unsetenv(vars[i]);
    fds_at_start = open_fd_count();
}

/* The suite `name` of one test case, also `name`, whose tests start with
 * http_setup and end as `end` says; the caller adds its tests to *tc. */
static inline Suite *http_suite_new(const char *name, double timeout, http_end end, TCase **tc)
{
    end_mode = end;
    Suite *s = suite_create(name);
    *tc = tcase_create(name);
    tcase_set_timeout(*tc, timeout);
    tcase_add_checked_fixture(*tc, http_setup, NULL);
    suite_add_tcase(s, *tc);
    return s;
}

static inline int unstick(ed_id id, void *data)
{
    (void)id;
    (void)data;
    stuck = true;
    ed_stop();
    return 0;
}

/* Once the servers are stopped: the loop ends as the suite's http_end
 * says, frees cleanly, and every fd is closed. */
static inline void finish(void)
{
    if (end_mode == HTTP_END_BACKGROUND) {
        ed_id guard = ed_delay(10, unstick, NULL);
        ck_assert_uint_ne(guard, 0);
        ck_assert_int_eq(ed_unreference(guard), 0);
        ck_assert_int_eq(ed_run(), 0);
        if (stuck) {
            char *dump = dump_to_string(ed_dump);
            ck_abort_msg("the loop still runs 10 s after the last transfer:\n%s", dump);
        }
        ed_cancel(guard);
    } else {
        ed_info info;
        ck_assert_int_eq(ed_get_info(&info), 0);
        ck_assert_msg(info.referenced == 0, "%zu referenced watchers left after the requests",
                      info.referenced);
    }
    ED_TEST_END();
    ck_assert_int_eq(open_fd_count(), fds_at_start);
}

/* The origin server for the test. */
static inline void start(void)
{
    ck_assert_int_eq(hs_start(&srv), 0);
}

/* Stops the origin server and ends the test. */
static inline void stop(void)
{
    hs_stop(&srv);
    finish();
}

/* ---- requests ------------------------------------------------------------------ */

/* A GET that must succeed: the response, complete. */
static inline ed_http_response *get_ok(const char *url, const ed_http_options *opt)
{
    ed_http_response *r = NULL;
    int rc = ed_http_get(url, opt, &r);
    ck_assert_msg(rc == 0, "GET %s: %s (%s)", url, ed_strerror(rc), ed_http_last_error());
    ck_assert_ptr_ne(r, NULL);
    ck_assert_ptr_ne(r->body, NULL);
    ck_assert_ptr_ne(r->headers, NULL);
    ck_assert_ptr_ne(r->effective_url, NULL);
    return r;
}

/* A GET that must succeed, for its status alone. */
static inline long get_status(const char *url, const ed_http_options *opt)
{
    ed_http_response *r = get_ok(url, opt);
    long status = r->status;
    ed_http_response_free(r);
    return status;
}

/* A GET in a task of its own (get_task with a getter). */
typedef struct getter {
    char *url;
    const ed_http_options *opt;
    int rc;
    ed_http_response *r;
} getter;

static inline int get_task(void *arg, void **result)
{
    getter *g = arg;
    (void)result;
    g->rc = ed_http_get(g->url, g->opt, &g->r);
    return g->rc;
}

/* The n GETs of g, each in its own task, all at once; returns once every
 * one is done (each has its rc and r), with how long they took. */
static inline double run_gets(getter *g, int n)
{
    ed_future **fs = calloc((size_t)n, sizeof *fs);
    ck_assert_ptr_ne(fs, NULL);
    double t0 = mono();
    for (int i = 0; i < n; i++) {
        fs[i] = ed_async(get_task, &g[i]);
        ck_assert_ptr_ne(fs[i], NULL);
    }
    int rc = ed_all(fs, (size_t)n, NULL);
    double elapsed = mono() - t0;
    ck_assert_msg(rc == 0, "ed_all: %s (%s)", ed_strerror(rc), ed_http_last_error());
    for (int i = 0; i < n; i++)
        ed_future_release(fs[i]);
    free(fs);
    return elapsed;
}

/* Frees the responses and the (malloc'd) URLs of n getters. */
static inline void free_gets(getter *g, int n)
{
    for (int i = 0; i < n; i++) {
        ed_http_response_free(g[i].r);
        free(g[i].url);
    }
}

/* Cancels f, a task in the middle of a transfer from srv: ed_await(f)
 * gives await_rc at once (within 2 s), and the server sees the client go. */
static inline void cancel_transfer(ed_future *f, int await_rc)
{
    ck_assert(!ed_future_done(f));
    double t0 = mono();
    ck_assert_int_eq(ed_cancel_future(f), 0);
    ck_assert_int_eq(ed_await(f, NULL), await_rc);
    double took = mono() - t0;
    ck_assert_msg(took < 2, "the cancelled transfer took %.2f s to return", took);
    ck_assert_int_eq(hs_wait(&srv, &srv.client_gone, 1, 5), 0);
}

/* The header's value as a string (a static buffer), or NULL. */
static inline const char *header(const ed_http_response *r, const char *name)
{
    static char buf[1024];
    size_t len = 12345;
    const char *v = ed_http_header(r, name, &len);
    if (!v)
        return NULL;
    ck_assert_uint_lt(len, sizeof buf);
    memcpy(buf, v, len);
    buf[len] = '\0';
    return buf;
}

/* ---- the echo route -------------------------------------------------------------- */

/* The body the echo got: what follows its empty line. */
static inline const char *echo_body(const ed_http_response *r, size_t *len)
{
    const char *end = strstr(r->body, "\n\n");
    ck_assert_ptr_ne(end, NULL);
    *len = r->body_len - (size_t)(end + 2 - r->body);
    return end + 2;
}

/* The echo got a `method` request for /echo with len bytes of body. */
static inline void assert_echo(const ed_http_response *r, const char *method, const void *body,
                               size_t len)
{
    char first[64];
    snprintf(first, sizeof first, "%s /echo\n", method);
    ck_assert_msg(strncmp(r->body, first, strlen(first)) == 0, "echo: %.200s", r->body);
    ck_assert_str_eq(header(r, "X-Echo-Method"), method);
    size_t got;
    const char *b = echo_body(r, &got);
    ck_assert_uint_eq(got, len);
    ck_assert(len == 0 || memcmp(b, body, len) == 0);
}

/* ---- temporary directories and files ---------------------------------------------- */

/* A new empty directory under /tmp (malloc'd). */
static inline char *make_dir(void)
{
    char *dir = strdup("/tmp/eddy-dl-XXXXXX");
    ck_assert_ptr_ne(dir, NULL);
    ck_assert_ptr_ne(mkdtemp(dir), NULL);
    return dir;
}

/* The names in dir (hidden ones included), up to max; returns the count. */
static inline int list_dir(const char *dir, char names[][NAME_MAX + 1], int max)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_ne(d, NULL);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (n < max)
            snprintf(names[n], NAME_MAX + 1, "%s", e->d_name);
        n++;
    }
    closedir(d);
    return n;
}

static inline void assert_empty(const char *dir, const char *after)
{
    char names[4][NAME_MAX + 1];
    int n = list_dir(dir, names, 4);
    ck_assert_msg(n == 0, "after %s: %d files left in %s, the first \"%s\"", after, n, dir,
                  n ? names[0] : "");
}

/* Removes dir and the files in it; frees dir. */
static inline void remove_dir(char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_ne(d, NULL);
    for (struct dirent *e; (e = readdir(d));) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        char path[PATH_MAX];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ck_assert_int_eq(unlink(path), 0);
    }
    closedir(d);
    ck_assert_int_eq(rmdir(dir), 0);
    free(dir);
}

/* The whole file (malloc'd, with a NUL after it), its size in *len (if len
 * is not NULL). */
static inline char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    ck_assert_int_ge(n, 0);
    rewind(f);
    char *buf = malloc((size_t)n + 1);
    ck_assert_ptr_ne(buf, NULL);
    ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    if (len)
        *len = (size_t)n;
    return buf;
}

/* path holds exactly n bytes: the first n of the pattern. */
static inline void assert_pattern_file(const char *path, size_t n)
{
    size_t len;
    char *data = slurp(path, &len);
    ck_assert_uint_eq(len, n);
    ck_assert(hs_check(data, 0, len));
    free(data);
}

#endif
