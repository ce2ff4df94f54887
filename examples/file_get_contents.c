/* file_get_contents, from MadelineProto's async page (seed 000):
 *
 *     $result = yield $MadelineProto->file_get_contents('https://myurl');
 *
 * "MadelineProto also provides a simplified async version of
 * file_get_contents": the whole body at a URL, as a string. As in the seed,
 * the HTTP status is not checked (use ed_http_get to see it). Like PHP's
 * file_get_contents, it also reads local files.
 *
 * In C, ed_file_get_contents(url_or_path, &data, &len): an http(s):// URL
 * is fetched by the HTTP module, a path or file:// URL is read on the
 * thread pool; either way only the calling task waits. data is
 * NUL-terminated, and the caller's to free().
 *
 * `file_get_contents URL-OR-PATH...` prints the size and first line of
 * each. With none it needs no network: it starts a small HTTP server of
 * its own on 127.0.0.1 (common/local_http.c) and reads a page from it, a
 * page that does not exist (its 404 text is still the contents), and this
 * program's own executable. */
#include <eddy.h>
#include <eddy/http.h>

#include "common/local_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int show(const char *what)
{
    char *data;
    size_t len;
    int rc = ed_file_get_contents(what, &data, &len); /* yield file_get_contents(...) */
    if (rc < 0) {
        printf("%s: %s %s\n", what, ed_strerror(rc), ed_http_last_error());
        return rc;
    }
    size_t first = strcspn(data, "\n");
    bool text = first < 80 && strlen(data) == len; /* no NUL byte: text */
    printf("%s: %zu bytes", what, len);
    if (text)
        printf(", first line \"%.*s\"\n", (int)first, data);
    else
        printf(" of binary data\n");
    free(data);
    return 0;
}

static int app(void *arg, void **result)
{
    (void)result;
    char **what = arg;
    int rc = 0;
    for (int i = 0; what[i]; i++) /* one after the other; ed_all would run them at once */
        if ((rc = show(what[i])) < 0)
            break;
    return rc;
}

/* The local server's one page; anything else is a 404 with a text. */
static void page(const local_http_request *req, local_http_response *res)
{
    res->type = "text/html";
    if (strcmp(req->path, "/index.html") == 0) {
        snprintf(res->text, sizeof res->text,
                 "<h1>hello from file_get_contents.c</h1>\n<p>A page.</p>\n");
    } else {
        res->status = 404;
        snprintf(res->text, sizeof res->text, "404: there is nothing at %s\n", req->path);
    }
}

int main(int argc, char **argv)
{
    char index[96], missing[96], self[32], *offline[] = {index, missing, self, NULL};
    char **what = argv + 1;
    int rc = 0;
    if (argc < 2) {
        int port = local_http_start(page, 0);
        if (port < 0) {
            fprintf(stderr, "file_get_contents: %s\n", ed_strerror(port));
            return 1;
        }
        /* Our server is on this machine: a proxy set in the environment
         * must not be asked for it (file_get_contents takes no options). */
        setenv("no_proxy", "127.0.0.1", 1);
        snprintf(index, sizeof index, "http://127.0.0.1:%d/index.html", port);
        snprintf(missing, sizeof missing, "http://127.0.0.1:%d/no/such/page", port);
        snprintf(self, sizeof self, "/proc/%d/exe", (int)getpid());
        what = offline;
    }
    rc = ed_main(app, what, NULL);
    local_http_stop();
    if (rc < 0) {
        fprintf(stderr, "file_get_contents: %s\n", ed_strerror(rc));
        return 1;
    }
    return ed_shutdown() < 0;
}
