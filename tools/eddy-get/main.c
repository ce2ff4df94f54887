/* eddy-get: downloads many URLs into a directory at once, with retries and
 * resumable partial files. A worker task per parallel slot takes the next
 * URL until none is left; the display and the signal handling are tasks
 * and watchers on the same loop. */
#include "get.h"

#include <curl/curl.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_RETRY_DELAY 30.0
#define EXIT_FAILED 1
#define EXIT_USAGE 2
#define EXIT_INTERRUPTED 130

static const char usage[] =
    "Usage: eddy-get [OPTION]... URL...\n"
    "Downloads every URL into a directory, several at once.\n"
    "\n"
    "  -d, --dir DIR            where the files go (default: .)\n"
    "  -i, --input FILE         read URLs from FILE, one per line ('-': stdin);\n"
    "                           a URL argument '-' reads stdin too\n"
    "  -j, --parallel N         transfers at once (default: 4)\n"
    "      --proxy URL          socks5h://, socks5:// or http:// proxy, with\n"
    "                           user:password@ if needed ('' for none; default:\n"
    "                           the *_proxy environment variables)\n"
    "      --doh URL            resolve names with DNS over HTTPS at URL\n"
    "  -t, --timeout SECONDS    give up one attempt after this long (default: none)\n"
    "      --connect-timeout S  per connection (default: 30)\n"
    "  -r, --retries N          retry a failed download N times (default: 3),\n"
    "                           waiting 1, 2, 4... s (see --retry-delay)\n"
    "      --retry-delay S      the first wait between attempts (default: 1)\n"
    "      --no-resume          keep no partial files: download into a hidden\n"
    "                           temporary file (an old NAME.part stays as it is)\n"
    "  -f, --force              download again files that are already there\n"
    "  -k, --insecure           do not verify TLS certificates\n"
    "  -q, --quiet              print nothing but errors\n"
    "  -h, --help               this text\n"
    "  -V, --version            the version\n"
    "\n"
    "Names come from each URL's last path segment (made safe; duplicates get\n"
    "\" (1)\", \" (2)\", ...). A download in progress is NAME.part, kept when it\n"
    "fails or is interrupted and resumed by the next run. A file already\n"
    "there is skipped unless --force. Exit status: 0 when every file is\n"
    "there, 1 when some failed, 2 for bad usage, 130 when interrupted.\n";

static void progress(size_t done, size_t total, void *data)
{
    struct item *it = data;
    if (done > it->done)
        it->fetched += done - it->done;
    it->done = done;
    it->total = total;
}

/* Whether trying again could help: the network or the server's state,
 * not the request. */
static bool retryable(int rc, long status)
{
    switch (rc) {
    case -ETIMEDOUT:
    case -ECONNRESET:
    case -ECONNREFUSED:
    case -ECONNABORTED:
    case -EPIPE:
    case -ENETUNREACH:
    case -EHOSTUNREACH:
    case -EPROTO:
        return true;
    case -EREMOTEIO:
        return status >= 500 || status == 408 || status == 429;
    default:
        return false;
    }
}

/* The size of a file, or -1 if it is not there. */
struct probe {
    char *path;
    long long size;
};

static int probe_job(void *arg, void **result)
{
    (void)result;
    struct probe *p = arg;
    struct stat st;
    p->size = stat(p->path, &st) == 0 ? (long long)st.st_size : -1;
    return 0;
}

static void probe_drop(void *arg, void *result, int rc)
{
    (void)result, (void)rc;
    struct probe *p = arg;
    free(p->path);
    free(p);
}

/* The size of dir/name + suffix, -1 if absent, on the pool. The probe is
 * handed over: a cancelled caller leaves the worker its own copy. */
static long long file_size(struct run *r, struct item *it, const char *suffix)
{
    struct probe *p = calloc(1, sizeof *p);
    size_t n = strlen(r->dir) + strlen(it->name) + strlen(suffix) + 2;
    if (!p || !(p->path = malloc(n))) {
        free(p);
        return -1;
    }
    snprintf(p->path, n, "%s/%s%s", r->dir, it->name, suffix);
    if (ed_blocking_with(probe_job, p, probe_drop, NULL) < 0)
        return -1; /* the drop has it */
    long long size = p->size;
    probe_drop(p, NULL, 0);
    return size;
}

static void fetch(struct run *r, struct item *it)
{
    it->state = ITEM_ACTIVE;
    it->started = ed_now();
    if (!r->force && file_size(r, it, "") >= 0) {
        it->state = ITEM_SKIPPED;
        display_event(r, "already there: %s", it->name);
        return;
    }
    ed_http_download_options dl = {
        .name = it->name,
        .overwrite = r->force,
        .resume = r->resume,
        .progress = progress,
        .progress_data = it,
    };
    double delay = r->retry_delay;
    for (;;) {
        ed_http_download_result res;
        it->attempts++;
        /* What a resumed attempt starts from is not this run's download. */
        long long part = r->resume ? file_size(r, it, ".part") : -1;
        it->done = part > 0 ? (size_t)part : 0;
        int rc = ed_http_download_with(it->url, r->dir, &r->http, &dl, &res);
        free(res.path);
        if (rc == 0) {
            char size[16];
            human_bytes(size, sizeof size, (double)res.size);
            it->state = ITEM_DONE;
            it->ended = ed_now();
            display_event(r, "done: %s (%s%s in %.2f s)", it->name, size,
                          res.resumed ? ", resumed" : "", it->ended - it->started);
            return;
        }
        const char *why = *ed_http_last_error() ? ed_http_last_error() : ed_strerror(rc);
        snprintf(it->error, sizeof it->error, "%s", why);
        if (rc == -ECANCELED || r->interrupted) {
            snprintf(it->error, sizeof it->error, "%s: interrupted", it->url);
            it->state = ITEM_FAILED;
            return;
        }
        if (!retryable(rc, res.status) || it->attempts > r->retries) {
            it->state = ITEM_FAILED;
            display_event(r, "failed: %s", it->error);
            return;
        }
        display_event(r, "retry %d/%d in %.3g s: %s", it->attempts, r->retries, delay, why);
        if (ed_sleep(delay) < 0) {
            snprintf(it->error, sizeof it->error, "%s: interrupted", it->url);
            it->state = ITEM_FAILED;
            return;
        }
        delay = delay * 2 > MAX_RETRY_DELAY ? MAX_RETRY_DELAY : delay * 2;
    }
}

static int worker(void *arg, void **result)
{
    (void)result;
    struct run *r = arg;
    while (!r->interrupted && r->next < r->count)
        fetch(r, &r->items[r->next++]);
    return 0;
}

/* The first SIGINT or SIGTERM stops every transfer (their partial files
 * stay, to resume); the watchers then go, so a second one kills. */
static ed_id on_int, on_term;

static int on_signal(ed_id id, int signo, void *data)
{
    (void)id, (void)signo;
    struct run *r = data;
    r->interrupted = true;
    for (int i = 0; i < r->parallel; i++)
        if (r->workers[i])
            ed_cancel_future(r->workers[i]);
    ed_cancel(on_int);
    ed_cancel(on_term);
    on_int = on_term = 0;
    return 0;
}

static int run_all(void *arg, void **result)
{
    (void)result;
    struct run *r = arg;
    if (mkdir(r->dir, 0777) < 0 && errno != EEXIST) {
        fprintf(stderr, "eddy-get: cannot make %s: %s\n", r->dir, strerror(errno));
        return -errno;
    }
    on_int = ed_on_signal(SIGINT, on_signal, r);
    on_term = ed_on_signal(SIGTERM, on_signal, r);
    ed_unreference(on_int);
    ed_unreference(on_term);
    r->started = ed_now();
    display_start(r);
    size_t n = (size_t)r->parallel < r->count ? (size_t)r->parallel : r->count;
    for (size_t i = 0; i < n; i++)
        r->workers[i] = ed_async(worker, r);
    for (size_t i = 0; i < n; i++) {
        if (r->workers[i]) {
            ed_await(r->workers[i], NULL);
            ed_future_release(r->workers[i]);
            r->workers[i] = NULL;
        }
    }
    ed_cancel(on_int);
    ed_cancel(on_term);
    display_stop(r);
    display_summary(r);
    return 0;
}

static bool parse_number(const char *s, double min, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= min) || v > 1e9)
        return false;
    *out = v;
    return true;
}

static int bad_usage(const char *what, const char *value)
{
    fprintf(stderr, "eddy-get: %s: '%s'\nTry 'eddy-get --help'.\n", what, value);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"dir", required_argument, NULL, 'd'},
        {"input", required_argument, NULL, 'i'},
        {"parallel", required_argument, NULL, 'j'},
        {"proxy", required_argument, NULL, 'P'},
        {"doh", required_argument, NULL, 'D'},
        {"timeout", required_argument, NULL, 't'},
        {"connect-timeout", required_argument, NULL, 'C'},
        {"retries", required_argument, NULL, 'r'},
        {"retry-delay", required_argument, NULL, 'R'},
        {"no-resume", no_argument, NULL, 'N'},
        {"force", no_argument, NULL, 'f'},
        {"insecure", no_argument, NULL, 'k'},
        {"quiet", no_argument, NULL, 'q'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct run r = {.dir = ".", .parallel = 4, .retries = 3, .retry_delay = 1, .resume = true};
    const char *inputs[64];
    int n_inputs = 0;
    double v;
    for (int c; (c = getopt_long(argc, argv, "d:i:j:t:r:fkqhV", longopts, NULL)) != -1;) {
        switch (c) {
        case 'd':
            r.dir = optarg;
            break;
        case 'i':
            if (n_inputs == 64)
                return bad_usage("too many input files", optarg);
            inputs[n_inputs++] = optarg;
            break;
        case 'j':
            if (!parse_number(optarg, 1, &v) || v > 10000)
                return bad_usage("--parallel wants a number from 1 to 10000", optarg);
            r.parallel = (int)v;
            break;
        case 'P':
            r.http.proxy = optarg;
            break;
        case 'D':
            r.http.doh_url = optarg;
            break;
        case 't':
            if (!parse_number(optarg, 0, &r.http.timeout))
                return bad_usage("--timeout wants seconds", optarg);
            break;
        case 'C':
            if (!parse_number(optarg, 0, &r.http.connect_timeout))
                return bad_usage("--connect-timeout wants seconds", optarg);
            break;
        case 'r':
            if (!parse_number(optarg, 0, &v) || v > 1000)
                return bad_usage("--retries wants a number from 0 to 1000", optarg);
            r.retries = (int)v;
            break;
        case 'R':
            if (!parse_number(optarg, 0, &r.retry_delay))
                return bad_usage("--retry-delay wants seconds", optarg);
            break;
        case 'N':
            r.resume = false;
            break;
        case 'f':
            r.force = true;
            break;
        case 'k':
            r.http.insecure = true;
            break;
        case 'q':
            r.quiet = true;
            break;
        case 'h':
            fputs(usage, stdout);
            return 0;
        case 'V':
            printf("eddy-get %s (%s)\n", EDDY_VERSION_STRING, curl_version());
            return 0;
        default:
            fputs("Try 'eddy-get --help'.\n", stderr);
            return EXIT_USAGE;
        }
    }
    int rc = 0;
    for (int i = optind; i < argc && rc == 0; i++)
        rc = strcmp(argv[i], "-") == 0 ? list_read(&r, "-") : list_add(&r, argv[i]);
    for (int i = 0; i < n_inputs && rc == 0; i++)
        if ((rc = list_read(&r, inputs[i])) < 0) {
            fprintf(stderr, "eddy-get: %s: %s\n", inputs[i], ed_strerror(rc));
            rc = 1; /* said: not again below */
        }
    if (rc == 1) {
        list_free(&r);
        return EXIT_USAGE;
    }
    if (rc == 0 && r.count == 0) {
        fputs("eddy-get: no URL given\nTry 'eddy-get --help'.\n", stderr);
        return EXIT_USAGE;
    }
    if (rc == 0)
        rc = list_name(&r);
    if (rc == 0 && !(r.workers = calloc((size_t)r.parallel, sizeof *r.workers)))
        rc = -ENOMEM;
    if (rc < 0)
        fprintf(stderr, "eddy-get: reading the URLs: %s\n", ed_strerror(rc));
    if (rc == 0 && (rc = ed_main(run_all, &r, NULL)) < 0)
        fprintf(stderr, "eddy-get: %s\n", *ed_error_message() ? ed_error_message() : ed_strerror(rc));
    int status = rc < 0 ? EXIT_FAILED : 0;
    for (size_t i = 0; i < r.count && status == 0; i++)
        if (r.items[i].state != ITEM_DONE && r.items[i].state != ITEM_SKIPPED)
            status = EXIT_FAILED;
    if (r.interrupted)
        status = EXIT_INTERRUPTED;
    free(r.workers);
    list_free(&r);
    ed_shutdown();
    return status;
}
