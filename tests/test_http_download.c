/* ed_http_download: streaming a body into a file in a directory, against
 * the in-process servers (http_support.h): 100 MiB with flat memory and a
 * checksum, progress reports, file names from hostile servers and URLs
 * kept inside the directory, and no file left by a failed, timed-out or
 * cancelled download. */
#include <sys/stat.h>

#include "http_fixture.h"

#if defined(__SANITIZE_ADDRESS__)
#define ED_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ED_ASAN 1
#endif
#endif

#ifdef ED_ASAN
/* AddressSanitizer keeps freed blocks in a quarantine (256 MiB by default)
 * before reusing them: a download that allocates and frees its buffers
 * would look like it grows by that much. A small quarantine keeps the
 * memory measurement about the module (ASAN_OPTIONS still overrides). */
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
    return "quarantine_size_mb=8";
}
#endif

/* ---- files ------------------------------------------------------------------------ */

/* Whether path is a regular file directly in dir with a plain name: not
 * empty, no '/', not "." or "..", not hidden, no control character, short
 * enough for any file system; and the only file in dir. Sets *name to the
 * name (a pointer into path); returns NULL, or what is wrong (a static
 * buffer). */
static const char *plain_file_problem(const char *dir, const char *path, const char **name)
{
    static char why[4 * PATH_MAX];
    size_t dl = strlen(dir);
    *name = path;
    if (strncmp(path, dir, dl) != 0 || path[dl] != '/') {
        snprintf(why, sizeof why, "%s is not in %s", path, dir);
        return why;
    }
    const char *n = *name = path + dl + 1;
    if (!*n || strchr(n, '/') || strcmp(n, ".") == 0 || strcmp(n, "..") == 0 || n[0] == '.' ||
        strlen(n) > NAME_MAX) {
        snprintf(why, sizeof why, "\"%s\" is no plain name", n);
        return why;
    }
    for (const char *p = n; *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            snprintf(why, sizeof why, "control character %#x in \"%s\"",
                     (unsigned)(unsigned char)*p, n);
            return why;
        }
    }
    struct stat st;
    char real_dir[PATH_MAX], real_file[PATH_MAX];
    if (lstat(path, &st) != 0 || !S_ISREG(st.st_mode) || !realpath(dir, real_dir) ||
        !realpath(path, real_file)) {
        snprintf(why, sizeof why, "%s is no regular file", path);
        return why;
    }
    size_t rl = strlen(real_dir);
    if (strncmp(real_file, real_dir, rl) != 0 || real_file[rl] != '/' ||
        strchr(real_file + rl + 1, '/')) {
        snprintf(why, sizeof why, "%s is really %s, outside %s", path, real_file, real_dir);
        return why;
    }
    char names[4][NAME_MAX + 1];
    int count = list_dir(dir, names, 4);
    if (count != 1 || strcmp(names[0], n) != 0) {
        snprintf(why, sizeof why, "%d files in %s (\"%s\", \"%s\")", count, dir,
                 count ? names[0] : "", count > 1 ? names[1] : "");
        return why;
    }
    return NULL;
}

static const char *assert_plain_file(const char *dir, const char *path)
{
    const char *name;
    const char *why = plain_file_problem(dir, path, &name);
    ck_assert_msg(why == NULL, "%s", why);
    return name;
}

/* ---- progress -------------------------------------------------------------------- */

typedef struct progress {
    size_t calls;
    size_t done, total;
    bool backwards;      /* done ever went down */
    bool total_changed;  /* total changed between calls */
    bool suspend;        /* yield in every call */
    int yield_rc;
    ed_deferred *first;  /* resolved at the first call */
} progress;

static void on_progress(size_t done, size_t total, void *data)
{
    progress *p = data;
    if (p->calls && done < p->done)
        p->backwards = true;
    if (p->calls && total != p->total)
        p->total_changed = true;
    p->done = done;
    p->total = total;
    p->calls++;
    if (p->first)
        ed_resolve(p->first, NULL);
    if (p->suspend) {
        int rc = ed_yield();
        if (rc < 0)
            p->yield_rc = rc;
    }
}

/* ---- downloads --------------------------------------------------------------------- */

START_TEST(test_download_basic)
{
    start();
    char *dir = make_dir();
    progress pr = {0};
    char *path = NULL;
    int rc = ed_http_download(hs_url(&srv, "/bytes/1000"), dir, NULL, on_progress, &pr, &path);
    ck_assert_msg(rc == 0, "%s (%s)", ed_strerror(rc), ed_http_last_error());
    ck_assert_ptr_ne(path, NULL);
    ck_assert_str_eq(assert_plain_file(dir, path), "1000");
    assert_pattern_file(path, 1000);
    ck_assert_uint_ge(pr.calls, 1);
    ck_assert(!pr.backwards);
    ck_assert_uint_eq(pr.done, 1000);
    ck_assert_uint_eq(pr.total, 1000);
    ck_assert_int_eq(unlink(path), 0);
    free(path);

    /* No progress function, no path wanted; an empty body is an empty file. */
    ck_assert_int_eq(ed_http_download(hs_url(&srv, "/bytes/0"), dir, NULL, NULL, NULL, NULL), 0);
    char full[PATH_MAX];
    snprintf(full, sizeof full, "%s/0", dir);
    assert_plain_file(dir, full);
    assert_pattern_file(full, 0);
    unlink(full);

    /* A chunked body: no total announced. */
    pr = (progress){0};
    path = NULL;
    ck_assert_int_eq(
        ed_http_download(hs_url(&srv, "/chunked/300000"), dir, NULL, on_progress, &pr, &path), 0);
    assert_plain_file(dir, path);
    assert_pattern_file(path, 300000);
    ck_assert(!pr.backwards);
    ck_assert_uint_eq(pr.done, 300000);
    ck_assert_uint_eq(pr.total, 0);
    unlink(path);
    free(path);

    /* The options apply: through a proxy, after redirects. */
    hs_proxy p;
    ck_assert_int_eq(hs_proxy_start(&p, HS_PROXY_HTTP, NULL, NULL), 0);
    char proxy[96];
    snprintf(proxy, sizeof proxy, "http://%s", p.addr);
    ed_http_options opt = {0};
    opt.proxy = proxy;
    path = NULL;
    ck_assert_int_eq(ed_http_download(hs_url(&srv, "/redirect/2"), dir, &opt, NULL, NULL, &path),
                     0);
    assert_plain_file(dir, path);
    size_t len;
    char *data = slurp(path, &len);
    ck_assert_str_eq(data, "done");
    free(data);
    ck_assert_int_eq(p.relayed, 3);
    unlink(path);
    free(path);
    hs_proxy_stop(&p);

    remove_dir(dir);
    stop();
}
END_TEST

/* A second download to the same name: both complete, the second file has
 * the second body, and no temporary file is left. */
START_TEST(test_download_same_name_twice)
{
    start();
    char *dir = make_dir();
    char *a = NULL, *b = NULL;
    ck_assert_int_eq(
        ed_http_download(hs_url(&srv, "/disposition?name=same.txt"), dir, NULL, NULL, NULL, &a), 0);
    ck_assert_int_eq(ed_http_download(hs_url(&srv, "/disposition?raw=attachment%%3B%%20filename%%3D"
                                                   "same.txt%%3B%%20x%%3D2"),
                                      dir, NULL, NULL, NULL, &b),
                     0);
    size_t la, lb;
    char *da = slurp(b, &lb);
    ck_assert_str_eq(da, "disposition body");
    free(da);
    char names[4][NAME_MAX + 1];
    int n = list_dir(dir, names, 4);
    ck_assert_int_ge(n, 1);
    ck_assert_int_le(n, 2); /* replaced, or kept beside it: nothing else */
    for (int i = 0; i < n && i < 4; i++)
        ck_assert_msg(names[i][0] != '.', "temporary file left: %s", names[i]);
    if (strcmp(a, b) != 0) {
        da = slurp(a, &la);
        ck_assert_str_eq(da, "disposition body");
        free(da);
    }
    free(a);
    free(b);
    remove_dir(dir);
    stop();
}
END_TEST

static long status_kb(const char *field)
{
    FILE *f = fopen("/proc/self/status", "r");
    ck_assert_ptr_ne(f, NULL);
    char line[256];
    long kb = -1;
    size_t n = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, n) == 0 && line[n] == ':')
            kb = strtol(line + n + 1, NULL, 10);
    fclose(f);
    ck_assert_int_ge(kb, 0);
    return kb;
}

/* Resets VmHWM to the current RSS (Linux 4.0+); false if not allowed. */
static bool reset_peak(void)
{
    int fd = open("/proc/self/clear_refs", O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return false;
    bool ok = write(fd, "5", 1) == 1;
    close(fd);
    return ok;
}

#define BIG ((size_t)100 << 20)

/* 100 MiB, generated by the server as it goes, land in the file intact
 * while the process grows by a fraction of that. */
START_TEST(test_download_100mib_flat_memory)
{
    start();
    char *dir = make_dir();
    /* A small download first: libcurl, the pool and the buffers are set up
     * before the measurement. */
    char *path = NULL;
    ck_assert_int_eq(ed_http_download(hs_url(&srv, "/big/1000000"), dir, NULL, NULL, NULL, &path),
                     0);
    unlink(path);
    free(path);
    path = NULL;

    bool reset = reset_peak();
    long rss0 = status_kb("VmRSS"), hwm0 = status_kb("VmHWM");
    progress pr = {0};
    int rc = ed_http_download(hs_url(&srv, "/big/%zu", BIG), dir, NULL, on_progress, &pr, &path);
    long hwm = status_kb("VmHWM");
    ck_assert_msg(rc == 0, "%s (%s)", ed_strerror(rc), ed_http_last_error());
    long grew_kb = hwm - (reset ? rss0 : (hwm0 > rss0 ? rss0 : hwm0));
    ck_assert_msg(grew_kb < 32 * 1024,
                  "downloading %zu MiB grew the peak RSS by %ld KiB (from %ld to %ld KiB%s)",
                  BIG >> 20, grew_kb, rss0, hwm, reset ? "" : "; the peak was not reset");

    ck_assert_str_eq(assert_plain_file(dir, path), "104857600");
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq((size_t)st.st_size, BIG);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(fd, 0);
    size_t cap = 1 << 20;
    char *buf = malloc(cap);
    ck_assert_ptr_ne(buf, NULL);
    uint64_t h = HS_FNV_INIT;
    for (ssize_t n; (n = read(fd, buf, cap)) > 0;)
        h = hs_fnv(h, buf, (size_t)n);
    close(fd);
    free(buf);
    ck_assert_msg(h == hs_pattern_fnv(BIG), "the file's checksum differs from the body's");

    ck_assert_uint_ge(pr.calls, 2);
    ck_assert(!pr.backwards);
    ck_assert(!pr.total_changed);
    ck_assert_uint_eq(pr.done, BIG);
    ck_assert_uint_eq(pr.total, BIG);
    unlink(path);
    free(path);
    remove_dir(dir);
    stop();
}
END_TEST

/* The progress function may suspend. */
START_TEST(test_download_progress_may_suspend)
{
    start();
    char *dir = make_dir();
    progress pr = {0};
    pr.suspend = true;
    char *path = NULL;
    size_t size = 4u << 20;
    ck_assert_int_eq(
        ed_http_download(hs_url(&srv, "/big/%zu", size), dir, NULL, on_progress, &pr, &path), 0);
    ck_assert_int_eq(pr.yield_rc, 0);
    ck_assert(!pr.backwards);
    ck_assert_uint_eq(pr.done, size);
    assert_pattern_file(path, size);
    unlink(path);
    free(path);
    remove_dir(dir);
    stop();
}
END_TEST

/* ---- names ------------------------------------------------------------------------ */

typedef struct name_case {
    const char *route; /* "name", "raw" (a Content-Disposition value) or "url" */
    const char *value;
    const char *expect; /* the exact name, or NULL: any plain name */
} name_case;

static const name_case name_cases[] = {
    {"name", "report.pdf", "report.pdf"},
    {"name", "../../etc/passwd", NULL},
    {"name", "/etc/passwd", NULL},
    {"name", "a/b", NULL},
    {"name", "..", NULL},
    {"name", ".", NULL},
    {"name", "...", NULL},
    {"name", ".hidden", NULL},
    {"name", "./.bashrc", NULL},
    {"name", "", NULL},
    {"name", "dir/", NULL},
    {"name", "a\x01" "b\x1f" "c\x7f.txt", NULL},
    {"name", "\x1b[31mred", NULL},
    {"name", "   spaced.txt", NULL},
    {"name", "..\\..\\windows\\win.ini", NULL},
    {"name", "%2e%2e%2fescape", NULL},
    {"name", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
             "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.txt",
     NULL},
    {"raw", "attachment; filename*=UTF-8''na%C3%AFve%20file.txt", "na\xc3\xafve file.txt"},
    {"raw", "attachment; filename=\"fallback.txt\"; filename*=UTF-8''pr%C3%A9f%C3%A9r%C3%A9.txt",
     "pr\xc3\xa9" "f\xc3\xa9r\xc3\xa9.txt"},
    {"raw", "attachment; filename*=UTF-8''..%2F..%2Fescape.txt", NULL},
    {"raw", "attachment; filename*=UTF-8''%2Fetc%2Fshadow", NULL},
    {"raw", "attachment; filename*=UTF-8''%00evil", NULL},
    {"raw", "attachment; filename*=UTF-8''%0A%0D", NULL},
    {"raw", "inline; filename=plain.txt", "plain.txt"},
    {"raw", "attachment; filename=\"quoted \\\"name\\\".txt\"", NULL},
    {"raw", "attachment", "disposition"},
    {"url", "report.pdf?x=1&y=../../z", "report.pdf"},
    {"url", "na%20me.txt", "na me.txt"},
    {"url", "", "download"},
    {"url", "%2e%2e", NULL},
    {"url", "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd", NULL},
    {"url", "a%2Fb", NULL},
    {"url", ".profile", NULL},
    {"url", "%00", NULL},
    {"url", "%0A", NULL},
};

START_TEST(test_download_names)
{
    start();
    /* Every case is tried; the failures are reported together. */
    char *failures = NULL;
    size_t failures_len = 0;
    FILE *report = open_memstream(&failures, &failures_len);
    ck_assert_ptr_ne(report, NULL);
    int failed = 0;
    for (size_t i = 0; i < sizeof name_cases / sizeof name_cases[0]; i++) {
        const name_case *c = &name_cases[i];
        char *url;
        if (strcmp(c->route, "url") == 0) {
            url = strdup(hs_url(&srv, "/files/%s", c->value));
        } else {
            char *enc = hs_percent_encode(c->value);
            url = strdup(hs_url(&srv, "/disposition?%s=%s", c->route, enc));
            free(enc);
        }
        ck_assert_ptr_ne(url, NULL);
        char *dir = make_dir();
        char *path = NULL;
        int rc = ed_http_download(url, dir, NULL, NULL, NULL, &path);
        ck_assert_msg(rc == 0, "case %zu (%s): %s (%s)", i, url, ed_strerror(rc),
                      ed_http_last_error());
        ck_assert_ptr_ne(path, NULL);
        const char *name;
        const char *why = plain_file_problem(dir, path, &name);
        if (!why && c->expect && strcmp(name, c->expect) != 0) {
            fprintf(report, "\n  case %zu (%s=%s): \"%s\", expected \"%s\"", i, c->route,
                    url + strlen(srv.base), name, c->expect);
            failed++;
        } else if (why) {
            fprintf(report, "\n  case %zu (%s): %s", i, url + strlen(srv.base), why);
            failed++;
        }
        if (!why) {
            size_t len;
            char *data = slurp(path, &len);
            ck_assert_str_eq(data, strcmp(c->route, "url") == 0 ? "file" : "disposition body");
            free(data);
        }
        free(path);
        free(url);
        remove_dir(dir);
    }
    ck_assert_int_eq(fclose(report), 0);
    ck_assert_msg(failed == 0, "%d of %zu names:%s", failed,
                  sizeof name_cases / sizeof name_cases[0], failures);
    free(failures);
    stop();
}
END_TEST

/* ---- failures ------------------------------------------------------------------------ */

START_TEST(test_download_failures_leave_nothing)
{
    start();
    char *dir = make_dir();
    char *path = NULL;
    /* An error status keeps no file. */
    ck_assert_int_eq(ed_http_download(hs_url(&srv, "/status/404"), dir, NULL, NULL, NULL, &path),
                     -EREMOTEIO);
    assert_contains(ed_http_last_error(), "404");
    ck_assert_ptr_eq(path, NULL);
    assert_empty(dir, "404");
    ck_assert_int_eq(ed_http_download(hs_url(&srv, "/status/500"), dir, NULL, NULL, NULL, &path),
                     -EREMOTEIO);
    assert_contains(ed_http_last_error(), "500");
    assert_empty(dir, "500");
    /* A connection reset or closed mid-body. */
    int rc = ed_http_download(hs_url(&srv, "/reset"), dir, NULL, NULL, NULL, &path);
    ck_assert_msg(rc == -ECONNRESET || rc == -EIO, "/reset: %s", ed_strerror(rc));
    ck_assert_str_ne(ed_http_last_error(), "");
    assert_empty(dir, "/reset");
    rc = ed_http_download(hs_url(&srv, "/close"), dir, NULL, NULL, NULL, &path);
    ck_assert_msg(rc == -EIO || rc == -ECONNRESET, "/close: %s", ed_strerror(rc));
    assert_empty(dir, "/close");
    /* The whole-transfer timeout. */
    ed_http_options opt = {0};
    opt.timeout = 0.3;
    ck_assert_int_eq(ed_http_download(hs_url(&srv, "/slow?parts=100&delay=0.1&size=10000"), dir,
                                      &opt, NULL, NULL, &path),
                     -ETIMEDOUT);
    assert_empty(dir, "the timeout");
    /* Nobody listening. */
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/x", hs_refused_port());
    ck_assert_int_eq(ed_http_download(url, dir, NULL, NULL, NULL, &path), -ECONNREFUSED);
    assert_empty(dir, "the refused connection");
    ck_assert_ptr_eq(path, NULL);

    /* No such directory, or not a directory. */
    char missing[PATH_MAX];
    snprintf(missing, sizeof missing, "%s/missing", dir);
    ck_assert_int_eq(ed_http_download(hs_url(&srv, "/bytes/10"), missing, NULL, NULL, NULL, &path),
                     -ENOENT);
    char file[PATH_MAX];
    snprintf(file, sizeof file, "%s/file", dir);
    FILE *f = fopen(file, "w");
    ck_assert_ptr_ne(f, NULL);
    fclose(f);
    ck_assert_int_eq(ed_http_download(hs_url(&srv, "/bytes/10"), file, NULL, NULL, NULL, &path),
                     -ENOTDIR);
    ck_assert_ptr_eq(path, NULL);
    unlink(file);
    assert_empty(dir, "ENOTDIR");
    remove_dir(dir);
    stop();
}
END_TEST

typedef struct downloader {
    const char *url, *dir;
    progress *pr;
    int rc;
    char *path;
} downloader;

static int download_task(void *arg, void **result)
{
    downloader *d = arg;
    (void)result;
    d->rc = ed_http_download(d->url, d->dir, NULL, on_progress, d->pr, &d->path);
    return 0;
}

/* Cancelled while the body arrives (a part is written already): the call
 * returns -ECANCELED at once, the server sees the connection go, and the
 * temporary file is gone by the time the loop is freed (a write still on
 * the pool may finish first). */
START_TEST(test_download_cancel_mid_transfer)
{
    start();
    char *dir = make_dir();
    progress pr = {0};
    pr.first = ed_deferred_new();
    ck_assert_ptr_ne(pr.first, NULL);
    ed_future *first = ed_deferred_future(pr.first);
    downloader d = {strdup(hs_url(&srv, "/slow?parts=100&delay=0.1&size=100000")), dir, &pr, 1,
                    NULL};
    ed_future *f = ed_async(download_task, &d);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(ed_timeout(first, 30, NULL), 0); /* some of it is in the file */
    cancel_transfer(f, 0); /* download_task returns 0 */
    ck_assert_int_eq(d.rc, -ECANCELED);
    ck_assert_ptr_eq(d.path, NULL);
    ed_future_release(f);
    ed_future_release(first);
    ed_deferred_free(pr.first);
    free((char *)d.url);
    stop(); /* joins the pool */
    assert_empty(dir, "the cancel");
    remove_dir(dir);
}
END_TEST

/* ---- ed_http_file_name ------------------------------------------------------------ */

START_TEST(test_file_name)
{
    static const struct {
        const char *url, *expect; /* expect NULL: any plain name */
    } cases[] = {
        {"http://h/a/b/report.pdf?x=1#y", "report.pdf"},
        {"http://h/na%20me.txt", "na me.txt"},
        {"https://h:8443/dir/file.tar.gz", "file.tar.gz"},
        {"http://h/", "download"},
        {"http://h", "download"},
        {"http://h/%2e%2e", "download"},
        {"http://h/..", "download"},
        {"http://h/.bashrc", "bashrc"},
        {"http://h/a%2Fb", NULL},
        {"http://h/a%0Ab%7F", NULL},
        {"http://h/%00", NULL},
        {"http://h/x?y=/etc/passwd", "x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *name = ed_http_file_name(cases[i].url);
        ck_assert_msg(name != NULL, "%s: NULL", cases[i].url);
        ck_assert_msg(*name && !strchr(name, '/') && name[0] != '.', "%s: \"%s\"", cases[i].url,
                      name);
        for (const char *p = name; *p; p++)
            ck_assert_msg((unsigned char)*p >= 0x20 && *p != 0x7f, "%s: control character",
                          cases[i].url);
        if (cases[i].expect)
            ck_assert_msg(strcmp(name, cases[i].expect) == 0, "%s: \"%s\", expected \"%s\"",
                          cases[i].url, name, cases[i].expect);
        free(name);
    }
    errno = 0;
    ck_assert_ptr_eq(ed_http_file_name(NULL), NULL);
    ck_assert_int_eq(errno, EINVAL);
    finish();
}
END_TEST

/* ---- ed_http_download_with ---------------------------------------------------------- */

static size_t file_size(const char *path)
{
    struct stat st;
    ck_assert_msg(stat(path, &st) == 0, "%s: %s", path, strerror(errno));
    return (size_t)st.st_size;
}

static bool dir_has(const char *dir, const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    return lstat(path, &st) == 0;
}

START_TEST(test_download_with_name_and_overwrite)
{
    start();
    char *dir = make_dir();
    ed_http_download_options dl = {0};
    ed_http_download_result res;
    memset(&res, 0x55, sizeof res);
    /* The caller's name wins over the server's. */
    dl.name = "chosen.bin";
    int rc = ed_http_download_with(hs_url(&srv, "/disposition?name=server.txt"), dir, NULL, &dl,
                                   &res);
    ck_assert_msg(rc == 0, "%s (%s)", ed_strerror(rc), ed_http_last_error());
    ck_assert_str_eq(assert_plain_file(dir, res.path), "chosen.bin");
    ck_assert_int_eq(res.status, 200);
    ck_assert_uint_eq(res.size, 16);
    ck_assert_uint_eq(res.resumed, 0);
    free(res.path);

    /* No file is replaced unless asked: "stem (i).ext". */
    ck_assert_int_eq(ed_http_download_with(hs_url(&srv, "/bytes/10"), dir, NULL, &dl, &res), 0);
    ck_assert_msg(strstr(res.path, "/chosen (1).bin") != NULL, "%s", res.path);
    ck_assert_uint_eq(file_size(res.path), 10);
    free(res.path);
    ck_assert_int_eq(ed_http_download_with(hs_url(&srv, "/bytes/11"), dir, NULL, &dl, &res), 0);
    ck_assert_msg(strstr(res.path, "/chosen (2).bin") != NULL, "%s", res.path);
    free(res.path);
    /* overwrite replaces it. */
    dl.overwrite = true;
    ck_assert_int_eq(ed_http_download_with(hs_url(&srv, "/bytes/20"), dir, NULL, &dl, &res), 0);
    ck_assert_msg(strstr(res.path, "/chosen.bin") != NULL, "%s", res.path);
    ck_assert_uint_eq(res.size, 20);
    assert_pattern_file(res.path, 20);
    free(res.path);
    char names[8][NAME_MAX + 1];
    ck_assert_int_eq(list_dir(dir, names, 8), 3);
    ck_assert(dir_has(dir, "chosen.bin") && dir_has(dir, "chosen (1).bin") &&
              dir_has(dir, "chosen (2).bin"));

    /* The caller's name is made safe too. */
    char *sub = make_dir();
    dl.name = "../../escape.txt";
    dl.overwrite = false;
    ck_assert_int_eq(ed_http_download_with(hs_url(&srv, "/bytes/5"), sub, NULL, &dl, &res), 0);
    ck_assert_str_eq(assert_plain_file(sub, res.path), "escape.txt");
    free(res.path);
    remove_dir(sub);

    /* dl and out may be NULL. */
    sub = make_dir();
    ck_assert_int_eq(ed_http_download_with(hs_url(&srv, "/bytes/7"), sub, NULL, NULL, NULL), 0);
    char full[PATH_MAX];
    snprintf(full, sizeof full, "%s/7", sub);
    assert_plain_file(sub, full);
    remove_dir(sub);
    remove_dir(dir);
    stop();
}
END_TEST

START_TEST(test_download_with_failure_result)
{
    start();
    char *dir = make_dir();
    ed_http_download_result res;
    memset(&res, 0x55, sizeof res);
    ck_assert_int_eq(ed_http_download_with(hs_url(&srv, "/status/404"), dir, NULL, NULL, &res),
                     -EREMOTEIO);
    ck_assert_ptr_eq(res.path, NULL);
    ck_assert_int_eq(res.status, 404);
    ck_assert_uint_eq(res.resumed, 0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/x", hs_refused_port());
    memset(&res, 0x55, sizeof res);
    ck_assert_int_eq(ed_http_download_with(url, dir, NULL, NULL, &res), -ECONNREFUSED);
    ck_assert_ptr_eq(res.path, NULL);
    ck_assert_int_eq(res.status, 0);
    ck_assert_uint_eq(res.size, 0);
    stop(); /* background clean-up done */
    assert_empty(dir, "the failed downloads");
    remove_dir(dir);
}
END_TEST

/* Downloads that fail together: each call's ed_http_last_error() is its
 * own, though each suspends again (to remove its file) after failing. */
static int failing_download(void *arg, void **result)
{
    (void)result;
    const char *url = arg;
    char *dir = make_dir();
    int rc = ed_http_download(url, dir, NULL, NULL, NULL, NULL);
    bool own = strncmp(ed_http_last_error(), url, strlen(url)) == 0;
    remove_dir(dir);
    if (rc != -EREMOTEIO)
        return -EIO;
    return own ? 0 : -EPROTO;
}

START_TEST(test_download_failures_keep_their_own_text)
{
    start();
    enum { N = 6 };
    char *urls[N];
    ed_future *fs[N];
    for (int i = 0; i < N; i++) {
        urls[i] = strdup(hs_url(&srv, "/status/%d", 500 + i));
        fs[i] = ed_async(failing_download, urls[i]);
    }
    for (int i = 0; i < N; i++) {
        ck_assert_int_eq(ed_await(fs[i], NULL), 0);
        ed_future_release(fs[i]);
        free(urls[i]);
    }
    stop();
}
END_TEST

#define RSIZE 200000
#define RCUT 70000

/* A resumable download cut short keeps "<name>.part"; the next one asks
 * for the rest only and completes the file. */
START_TEST(test_download_resume)
{
    start();
    char *dir = make_dir();
    ed_http_download_options dl = {0};
    dl.resume = true;
    dl.name = "r.bin";
    progress pr = {0};
    dl.progress = on_progress;
    dl.progress_data = &pr;
    ed_http_download_result res;
    const char *url = hs_url(&srv, "/bytes/%d?cut=%d", RSIZE, RCUT);
    char *saved = strdup(url);
    int rc = ed_http_download_with(saved, dir, NULL, &dl, &res);
    ck_assert_msg(rc == -ECONNRESET || rc == -EIO, "cut short: %s", ed_strerror(rc));
    ck_assert_ptr_eq(res.path, NULL);
    ck_assert_uint_eq(res.size, RCUT);
    char part[PATH_MAX];
    snprintf(part, sizeof part, "%s/r.bin.part", dir);
    assert_pattern_file(part, RCUT);
    ck_assert_uint_eq(pr.done, RCUT);
    ck_assert_int_eq(srv.range_requests, 0);

    pr = (progress){0};
    rc = ed_http_download_with(saved, dir, NULL, &dl, &res);
    ck_assert_msg(rc == 0, "resumed: %s (%s)", ed_strerror(rc), ed_http_last_error());
    ck_assert_int_eq(srv.range_requests, 1);
    ck_assert_int_eq(srv.last_range_start, RCUT);
    ck_assert_int_eq(res.status, 206);
    ck_assert_uint_eq(res.resumed, RCUT);
    ck_assert_uint_eq(res.size, RSIZE);
    ck_assert_str_eq(assert_plain_file(dir, res.path), "r.bin"); /* no .part left */
    assert_pattern_file(res.path, RSIZE);
    /* Progress counts the earlier bytes, and the whole size. */
    ck_assert(!pr.backwards);
    ck_assert_uint_eq(pr.done, RSIZE);
    ck_assert_uint_eq(pr.total, RSIZE);
    free(res.path);
    free(saved);
    remove_dir(dir);
    stop();
}
END_TEST

static void write_part(const char *dir, const char *name, size_t n)
{
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_ne(f, NULL);
    char *buf = malloc(n ? n : 1);
    ck_assert_ptr_ne(buf, NULL);
    hs_fill(buf, 0, n);
    ck_assert_uint_eq(fwrite(buf, 1, n, f), n);
    free(buf);
    ck_assert_int_eq(fclose(f), 0);
}

/* A server that ignores the range (200), or cannot serve it (416): the
 * file starts over. One that answers another range: -EPROTO. */
START_TEST(test_download_resume_start_over)
{
    start();
    char *dir = make_dir();
    ed_http_download_options dl = {0};
    dl.resume = true;
    ed_http_download_result res;

    dl.name = "ignored.bin";
    write_part(dir, "ignored.bin.part", 5000);
    int rc = ed_http_download_with(hs_url(&srv, "/bytes/30000?norange=1"), dir, NULL, &dl, &res);
    ck_assert_msg(rc == 0, "%s (%s)", ed_strerror(rc), ed_http_last_error());
    ck_assert_int_eq(res.status, 200);
    ck_assert_uint_eq(res.resumed, 0);
    ck_assert_uint_eq(res.size, 30000);
    assert_pattern_file(res.path, 30000);
    ck_assert(!dir_has(dir, "ignored.bin.part"));
    free(res.path);

    /* A partial file longer than the body: 416, then the whole. */
    dl.name = "long.bin";
    write_part(dir, "long.bin.part", 30100);
    rc = ed_http_download_with(hs_url(&srv, "/bytes/30000"), dir, NULL, &dl, &res);
    ck_assert_msg(rc == 0, "%s (%s)", ed_strerror(rc), ed_http_last_error());
    ck_assert_uint_eq(res.resumed, 0);
    ck_assert_uint_eq(res.size, 30000);
    ck_assert_uint_eq(file_size(res.path), 30000);
    ck_assert(!dir_has(dir, "long.bin.part"));
    free(res.path);

    /* A 206 that starts elsewhere than asked. */
    dl.name = "bad.bin";
    write_part(dir, "bad.bin.part", 5000);
    rc = ed_http_download_with(hs_url(&srv, "/bytes/30000?badrange=1"), dir, NULL, &dl, &res);
    ck_assert_int_eq(rc, -EPROTO);
    ck_assert_ptr_eq(res.path, NULL);
    ck_assert(!dir_has(dir, "bad.bin"));

    /* Without a name, the URL's. */
    char *sub = make_dir();
    dl.name = NULL;
    rc = ed_http_download_with(hs_url(&srv, "/bytes/30000?cut=10000"), sub, NULL, &dl, &res);
    ck_assert_int_lt(rc, 0);
    ck_assert(dir_has(sub, "30000.part"));
    rc = ed_http_download_with(hs_url(&srv, "/bytes/30000?cut=10000"), sub, NULL, &dl, &res);
    ck_assert_int_eq(rc, 0);
    ck_assert_uint_eq(res.resumed, 10000);
    ck_assert_str_eq(assert_plain_file(sub, res.path), "30000");
    free(res.path);
    remove_dir(sub);

    remove_dir(dir);
    stop();
}
END_TEST

/* ---- suite ------------------------------------------------------------------------ */

/* What a download must not do with the options and files it is given:
 * max_body is for bodies kept in memory; a redirect that is not followed
 * is no file; a <name>.part it cannot open (here a planted symbolic link)
 * is left alone, and so is what it points to. */
START_TEST(test_download_edges)
{
    start();
    char *dir = make_dir();
    ed_http_options small = {.max_body = 100};
    char *path = NULL;
    ck_assert_int_eq(ed_http_download(hs_url(&srv, "/bytes/1000"), dir, &small, NULL, NULL, &path),
                     0);
    assert_pattern_file(path, 1000);
    unlink(path);
    free(path);

    ed_http_options stay = {.max_redirects = ED_HTTP_NO_REDIRECTS};
    ck_assert_int_eq(ed_http_download(hs_url(&srv, "/redirect/1"), dir, &stay, NULL, NULL, NULL),
                     -EREMOTEIO);
    assert_empty(dir, "a redirect not followed");

    char target[PATH_MAX], link_path[PATH_MAX];
    snprintf(target, sizeof target, "%s.target", dir);
    snprintf(link_path, sizeof link_path, "%s/2000.part", dir);
    FILE *f = fopen(target, "w");
    ck_assert_ptr_ne(f, NULL);
    fputs("keep me", f);
    fclose(f);
    ck_assert_int_eq(symlink(target, link_path), 0);
    ed_http_download_options dl = {.resume = true};
    ck_assert_int_eq(ed_http_download_with(hs_url(&srv, "/bytes/2000"), dir, NULL, &dl, NULL),
                     -ELOOP);
    char got[16] = "";
    ck_assert_int_eq(readlink(link_path, got, sizeof got - 1) > 0, 1);
    char *kept = slurp(target, NULL);
    ck_assert_str_eq(kept, "keep me");
    free(kept);
    unlink(link_path);
    unlink(target);
    remove_dir(dir);
    stop();
}
END_TEST

static Suite *http_download_suite(void)
{
    TCase *tc;
    Suite *s = http_suite_new("http_download", 180, HTTP_END_BACKGROUND, &tc);
    tcase_add_test(tc, test_download_basic);
    tcase_add_test(tc, test_download_same_name_twice);
    tcase_add_test(tc, test_download_100mib_flat_memory);
    tcase_add_test(tc, test_download_progress_may_suspend);
    tcase_add_test(tc, test_download_names);
    tcase_add_test(tc, test_download_failures_leave_nothing);
    tcase_add_test(tc, test_download_cancel_mid_transfer);
    tcase_add_test(tc, test_file_name);
    tcase_add_test(tc, test_download_with_name_and_overwrite);
    tcase_add_test(tc, test_download_with_failure_result);
    tcase_add_test(tc, test_download_failures_keep_their_own_text);
    tcase_add_test(tc, test_download_resume);
    tcase_add_test(tc, test_download_resume_start_over);
    tcase_add_test(tc, test_download_edges);
    return s;
}

ED_TEST_MAIN(http_download_suite)
