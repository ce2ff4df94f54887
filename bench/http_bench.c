/*
 * http_bench: eddy's HTTP client (tasks calling ed_http_get) against a plain
 * libcurl multi program making the same GETs, both against one local nginx.
 * The benchmark: 10,000 GETs of a small file with 100 in flight;
 * the target is eddy's requests per second at 0.95 or more of libcurl's,
 * within one run (the integration adds almost nothing).
 *
 * The contenders are programs of their own (bench/http/client_*.c; command
 * line and result line in bench/http/client.h), run as child processes:
 *
 *   eddy        http_client_eddy (http/client_eddy.c): 100 tasks
 *               (ed_async), each making 100 GETs in sequence with
 *               ed_http_get, main waiting in ed_all;
 *   curl        http_client_curl --mode poll (http/client_curl.c): one
 *               multi handle, 100 reused easy handles, curl_multi_perform
 *               + curl_multi_poll (the peer, and the target's);
 *   curl-epoll  http_client_curl --mode epoll: the same driven by
 *               curl_multi_socket_action on epoll (the API eddy drives:
 *               what eddy adds on top of libcurl).
 *
 * Each client checks every response (status 200, exactly the file's length)
 * and exits on the first that is not; it makes one GET per transfer slot
 * first (the warm-up: connections opened, libcurl and its TLS library
 * initialised), then times the counted GETs and reports their wall-clock
 * time and its own CPU time over them.
 *
 * nginx (Debian's; the first `nginx` on PATH, else /usr/sbin/nginx) runs for
 * the whole benchmark from a generated configuration in a temporary
 * directory (nginx -p DIR -c DIR/nginx.conf -g 'daemon off;'): one worker,
 * 127.0.0.1 on a free port, access log off, keepalive_requests 100000 so
 * that every client keeps its connections for the whole run, and a file of
 * --size bytes (1 KiB) served from DIR. nginx is pinned to the second CPU,
 * the clients to the first. Its worker's CPU time over each client's run
 * (/proc/PID/schedstat) gives the server's CPU time per request (counted
 * and warm-up GETs together), which shows whether nginx or the client is
 * the bottleneck. nginx is stopped, and DIR removed, at the end, on a
 * failed check, and on SIGINT, SIGTERM or SIGHUP.
 *
 * Each round runs every client once, the order rotating from round to
 * round; eddy's ratio to each peer is taken within the round and its median
 * (min-max) over the rounds reported. A register-only probe before and
 * after each round flags rounds run in a slow phase; a measurement in which
 * other work kept the client or nginx waiting for its CPU for more than 5%
 * of the time is run again (--retries).
 *
 *   http_bench [--rounds N] [--csv FILE] [--only LIST] [--requests N]
 *              [--inflight K] [--size BYTES] [--verbose] [--retries N]
 *              [--dir PATH] [--nginx PATH]
 *   http_bench --serve [--size BYTES] [--nginx PATH]
 *              (only nginx, until interrupted: prints the URL, for strace
 *              or perf on one client; see bench/http_syscalls.sh)
 *
 * Environment: EDDY_BENCH_ROUNDS sets the default number of rounds.
 */
#include "child.h"
#include "driver.h"
#include "harness.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

const char bench_prog[] = "http_bench";
const int bench_check_status = 1;

#define CHECK BENCH_CHECK

#define TARGET 0.95               /* eddy's requests/s over curl's */
#define CLIENT_LIMIT_NS 300000000000ull /* a client still running after 5 min is stuck */

/* ------------------------------------------------------------------------
 * Contenders
 * --------------------------------------------------------------------- */

enum { C_EDDY, C_CURL, C_CURL_EPOLL, C_COUNT };

static const char *const contender_name[C_COUNT] = {"eddy", "curl", "curl-epoll"};
static const char *const contender_label[C_COUNT] = {
    "eddy: tasks, ed_http_get", "libcurl: perform+poll", "libcurl: socket_action+epoll"};
static const char *const client_file[C_COUNT] = {"http_client_eddy", "http_client_curl",
                                                 "http_client_curl"};
static const char *const client_mode[C_COUNT] = {NULL, "poll", "epoll"};

/* ------------------------------------------------------------------------
 * CPUs (child.h): the clients on the first CPU this process may use, nginx
 * on the second.
 * --------------------------------------------------------------------- */

static bench_cpus cpus;

/* ------------------------------------------------------------------------
 * Cleaning up: nginx, the client running, the temporary directory. The
 * same async-signal-safe code runs at exit (also after a failed check) and
 * from the handler of SIGINT, SIGTERM and SIGHUP.
 * --------------------------------------------------------------------- */

static volatile pid_t nginx_pid, client_pid;
static char tmp_dir[PATH_MAX];
/* What is left in tmp_dir, removed in this order (files, then dirs). */
#define MAX_REMOVE 16
static char remove_path[MAX_REMOVE][PATH_MAX + 64];
static int n_remove;

static void add_remove(const char *name)
{
    CHECK(n_remove < MAX_REMOVE, "too many files");
    snprintf(remove_path[n_remove++], sizeof remove_path[0], "%s/%s", tmp_dir, name);
}

static void stop_nginx(void)
{
    pid_t p = nginx_pid;
    if (p <= 0)
        return;
    nginx_pid = 0;
    kill(p, SIGTERM); /* fast shutdown: the master stops its worker, then itself */
    int status;
    while (waitpid(p, &status, 0) < 0 && errno == EINTR) {
    }
}

static void cleanup(void)
{
    pid_t c = client_pid;
    if (c > 0) {
        client_pid = 0;
        kill(c, SIGKILL);
        while (waitpid(c, NULL, 0) < 0 && errno == EINTR) {
        }
    }
    stop_nginx();
    for (int i = n_remove - 1; i >= 0; i--)
        if (unlink(remove_path[i]) != 0)
            rmdir(remove_path[i]);
    if (tmp_dir[0])
        rmdir(tmp_dir);
    n_remove = 0;
    tmp_dir[0] = 0;
}

static void on_signal(int sig)
{
    cleanup();
    signal(sig, SIG_DFL);
    raise(sig);
}

/* ------------------------------------------------------------------------
 * nginx
 * --------------------------------------------------------------------- */

typedef struct server {
    const char *nginx; /* the program */
    size_t size;       /* bytes of the file served */
    int port;
    pid_t worker;
    char url[128];
} server;

static void write_file(const char *name, const void *data, size_t len)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", tmp_dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    CHECK(fd >= 0, "%s: %s", path, strerror(errno));
    const char *p = data;
    while (len > 0) {
        ssize_t w = write(fd, p, len);
        CHECK(w > 0, "writing %s: %s", path, strerror(errno));
        p += w;
        len -= (size_t)w;
    }
    CHECK(close(fd) == 0, "closing %s: %s", path, strerror(errno));
}

/* A port nobody listens on now (nginx binds it a moment later). */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0, "socket: %s", strerror(errno));
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CHECK(bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0, "bind: %s", strerror(errno));
    socklen_t len = sizeof sa;
    CHECK(getsockname(fd, (struct sockaddr *)&sa, &len) == 0, "getsockname: %s",
          strerror(errno));
    close(fd);
    return ntohs(sa.sin_port);
}

static bool port_open(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    CHECK(fd >= 0, "socket: %s", strerror(errno));
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_port = htons((uint16_t)port);
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bool ok = connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
    close(fd);
    return ok;
}

/* The child of the nginx master: its worker. */
static pid_t find_worker(pid_t master)
{
    DIR *d = opendir("/proc");
    CHECK(d != NULL, "/proc: %s", strerror(errno));
    pid_t found = 0;
    struct dirent *e;
    while (!found && (e = readdir(d))) {
        if (e->d_name[0] < '1' || e->d_name[0] > '9')
            continue;
        char path[300], buf[512];
        snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = 0;
        char *rp = strrchr(buf, ')'); /* after the command's name */
        int ppid;
        char state;
        if (rp && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 && ppid == master)
            found = (pid_t)atoi(e->d_name);
    }
    closedir(d);
    return found;
}

/* Whether nginx's error log holds what. */
static bool error_log_says(const char *what)
{
    char path[PATH_MAX + 64], line[512];
    snprintf(path, sizeof path, "%s/error.log", tmp_dir);
    FILE *f = fopen(path, "r");
    bool found = false;
    while (f && !found && fgets(line, sizeof line, f))
        found = strstr(line, what) != NULL;
    if (f)
        fclose(f);
    return found;
}

static void print_error_log(void)
{
    char path[PATH_MAX + 64], line[512];
    snprintf(path, sizeof path, "%s/error.log", tmp_dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    fprintf(stderr, "http_bench: nginx's error log:\n");
    while (fgets(line, sizeof line, f))
        fprintf(stderr, "  %s", line);
    fclose(f);
}

/* Writes DIR/nginx.conf for port; true when nginx then serves it. */
static bool nginx_try(server *s)
{
    char conf[4096];
    int n = snprintf(
        conf, sizeof conf,
        "# Generated by http_bench for one run; removed at its end.\n"
        "%s"
        "worker_processes 1;\n"
        "pid %s/nginx.pid;\n"
        "error_log %s/error.log warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n"
        "    access_log off;\n"
        "    default_type application/octet-stream;\n"
        "    sendfile on;\n"
        "    tcp_nodelay on;\n"
        "    keepalive_requests 100000;\n"
        "    keepalive_timeout 300s;\n"
        "    open_file_cache max=16 inactive=3600s;\n"
        "    open_file_cache_valid 3600s;\n"
        "    client_body_temp_path %s/client_body_temp;\n"
        "    proxy_temp_path %s/proxy_temp;\n"
        "    fastcgi_temp_path %s/fastcgi_temp;\n"
        "    uwsgi_temp_path %s/uwsgi_temp;\n"
        "    scgi_temp_path %s/scgi_temp;\n"
        "    server {\n"
        "        listen 127.0.0.1:%d backlog=1024;\n"
        "        root %s/www;\n"
        "    }\n"
        "}\n",
        geteuid() == 0 ? "user root;\n" : "", tmp_dir, tmp_dir, tmp_dir, tmp_dir, tmp_dir,
        tmp_dir, tmp_dir, s->port, tmp_dir);
    CHECK(n > 0 && (size_t)n < sizeof conf, "nginx.conf too long");
    write_file("nginx.conf", conf, (size_t)n);

    char conf_path[PATH_MAX + 64], err_path[PATH_MAX + 64];
    snprintf(conf_path, sizeof conf_path, "%s/nginx.conf", tmp_dir);
    snprintf(err_path, sizeof err_path, "%s/error.log", tmp_dir);
    /* -e: the log of what happens before the configuration is read */
    char *argv[] = {(char *)s->nginx, "-p", tmp_dir, "-e", err_path, "-c", conf_path,
                    "-g", "daemon off;", NULL};
    pid_t pid = bench_spawn(argv, cpus.server, BENCH_CHILD_QUIET | BENCH_CHILD_SEARCH).pid;
    nginx_pid = pid;

    uint64_t deadline = bench_now_ns() + 10000000000ull;
    while (bench_now_ns() < deadline) {
        int status;
        if (waitpid(pid, &status, WNOHANG) == pid) {
            nginx_pid = 0;
            return false;
        }
        if (port_open(s->port) && (s->worker = find_worker(pid)) > 0)
            return true;
        usleep(10000);
    }
    print_error_log();
    CHECK(false, "nginx did not serve 127.0.0.1:%d within 10 s", s->port);
    return false;
}

static void nginx_start(server *s)
{
    char tmpl[] = "/tmp/http_bench.XXXXXX";
    CHECK(mkdtemp(tmpl) != NULL, "mkdtemp: %s", strerror(errno));
    snprintf(tmp_dir, sizeof tmp_dir, "%s", tmpl);
    /* removed in reverse: nginx's files, its temp dirs, the file, www */
    add_remove("www");
    char www[PATH_MAX + 8];
    snprintf(www, sizeof www, "%s/www", tmp_dir);
    CHECK(mkdir(www, 0755) == 0, "mkdir %s: %s", www, strerror(errno));
    add_remove("www/file");
    char *body = malloc(s->size ? s->size : 1);
    CHECK(body != NULL, "out of memory");
    for (size_t i = 0; i < s->size; i++)
        body[i] = (char)('a' + i % 26);
    write_file("www/file", body, s->size);
    free(body);
    const char *made[] = {"client_body_temp", "proxy_temp", "fastcgi_temp", "uwsgi_temp",
                          "scgi_temp", "nginx.conf", "error.log", "nginx.pid"};
    for (size_t i = 0; i < sizeof made / sizeof made[0]; i++)
        add_remove(made[i]);

    for (int attempt = 0; attempt < 5; attempt++) {
        s->port = free_port();
        if (nginx_try(s)) {
            snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d/file", s->port);
            return;
        }
        if (!error_log_says("in use")) /* another cause than the port taken meanwhile */
            break;
    }
    print_error_log();
    CHECK(false, "nginx (%s) did not start; see its error log above", s->nginx);
}

/* What the scheduler says of a process so far: ns on a CPU, and ns runnable
 * but waiting for one. */
typedef struct sched_ns {
    uint64_t run, wait;
} sched_ns;

static sched_ns proc_sched(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/schedstat", (int)pid);
    sched_ns s = {0, 0};
    FILE *f = fopen(path, "r");
    CHECK(f != NULL, "%s: %s (did nginx's worker end?)", path, strerror(errno));
    unsigned long long run, wait;
    if (fscanf(f, "%llu %llu", &run, &wait) == 2) {
        s.run = run;
        s.wait = wait;
    }
    fclose(f);
    return s;
}

/* ------------------------------------------------------------------------
 * One measurement: a client run against nginx.
 * --------------------------------------------------------------------- */

typedef struct options {
    bench_args args; /* --rounds, --csv, --only, --verbose, --retries, --dir */
    size_t requests, inflight, size;
    const char *nginx;
    bool serve;
} options;

static char client_dir[PATH_MAX];

typedef struct result {
    double rps;         /* counted GETs per second */
    double client_us;   /* client CPU per counted GET, us */
    double client_util; /* client CPU time / wall-clock time */
    double client_wait; /* client waiting for its CPU / wall-clock time */
    double server_us;   /* nginx worker CPU per GET (all of the run's), us */
    double server_util; /* its CPU time / the client's lifetime */
    double server_wait; /* its wait for a CPU / the client's lifetime */
    double warmup_s;    /* the warm-up's wall-clock time */
} result;

/* The number after " key=" in line, or exits. */
static double field(const char *line, const char *key, const char *who)
{
    char pat[64];
    snprintf(pat, sizeof pat, " %s=", key);
    const char *p = strstr(line, pat);
    CHECK(p != NULL, "%s printed no %s: '%s'", who, key, line);
    return strtod(p + strlen(pat), NULL);
}

/* What a measurement needs (driver.h's ctx). */
typedef struct run_ctx {
    const options *o;
    const server *s;
} run_ctx;

/* Client c, against nginx (http_bench has one point). */
static void run_one(void *ctx, int p, int c, void *res)
{
    const options *o = ((const run_ctx *)ctx)->o;
    const server *s = ((const run_ctx *)ctx)->s;
    (void)p;
    char path[PATH_MAX + 32], req[32], infl[32], len[32];
    snprintf(path, sizeof path, "%s/%s", client_dir, client_file[c]);
    snprintf(req, sizeof req, "%zu", o->requests);
    snprintf(infl, sizeof infl, "%zu", o->inflight);
    snprintf(len, sizeof len, "%zu", o->size);
    char *argv[16];
    int a = 0;
    argv[a++] = path;
    if (client_mode[c]) {
        argv[a++] = "--mode";
        argv[a++] = (char *)client_mode[c];
    }
    argv[a++] = "--requests";
    argv[a++] = req;
    argv[a++] = "--inflight";
    argv[a++] = infl;
    argv[a++] = "--length";
    argv[a++] = len;
    argv[a++] = (char *)s->url;
    argv[a] = NULL;

    sched_ns s0 = proc_sched(s->worker);
    uint64_t t0 = bench_now_ns();
    bench_child ch = bench_spawn(argv, cpus.client, BENCH_CHILD_OUT);
    client_pid = ch.pid;

    char out[4096];
    size_t got;
    CHECK(bench_read_output(ch.out, out, sizeof out, t0 + CLIENT_LIMIT_NS, false, &got),
          "%s still running after %.0f s", contender_name[c], (double)CLIENT_LIMIT_NS / 1e9);
    CHECK(got < sizeof out - 1, "%s printed too much", contender_name[c]);
    close(ch.out);
    int status = bench_wait(ch.pid);
    client_pid = 0;
    uint64_t t1 = bench_now_ns();
    sched_ns s1 = proc_sched(s->worker);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
          "the %s client failed (status %d; its stderr is above)", contender_name[c], status);

    const char *line = strstr(out, "http_client ");
    CHECK(line != NULL, "the %s client printed no result line: '%s'", contender_name[c], out);
    double secs = field(line, "seconds", contender_name[c]);
    double life = (double)(t1 - t0) / 1e9;
    double all = (double)o->requests + field(line, "warmup", contender_name[c]);
    CHECK(field(line, "requests", contender_name[c]) == (double)o->requests &&
              field(line, "bytes", contender_name[c]) == (double)o->requests * (double)o->size,
          "the %s client did not make %zu GETs of %zu bytes: '%s'", contender_name[c],
          o->requests, o->size, line);
    result *r = res;
    r->rps = field(line, "rps", contender_name[c]);
    r->client_us = field(line, "cpu_seconds", contender_name[c]) * 1e6 / (double)o->requests;
    r->client_util = field(line, "cpu_seconds", contender_name[c]) / secs;
    r->client_wait = field(line, "wait_seconds", contender_name[c]) / secs;
    r->warmup_s = field(line, "warmup_seconds", contender_name[c]);
    r->server_us = (double)(s1.run - s0.run) / 1e3 / all;
    r->server_util = (double)(s1.run - s0.run) / 1e9 / life;
    r->server_wait = (double)(s1.wait - s0.wait) / 1e9 / life;
}

/* Other work on the machine kept the client, or nginx, waiting for its CPU
 * for more than 5% of the time. */
static bool disturbed(int c, const void *res)
{
    const result *r = res;
    (void)c;
    return r->client_wait > BENCH_DISTURBED_WAIT || r->server_wait > BENCH_DISTURBED_WAIT;
}

static void print_measurement(void *ctx, int p, int c, const void *res, bool again)
{
    const result *r = res;
    (void)ctx;
    (void)p;
    printf("  %-10s %8.0f req/s  client %6.2f us/req, CPU %3.0f%% (waiting %2.0f%%)  "
           "nginx %5.2f us/req, CPU %3.0f%% (waiting %2.0f%%)  warm-up %.3f s%s\n",
           contender_name[c], r->rps, r->client_us, 100 * r->client_util, 100 * r->client_wait,
           r->server_us, 100 * r->server_util, 100 * r->server_wait, r->warmup_s,
           again ? "  disturbed: again" : "");
}

/* ------------------------------------------------------------------------
 * Options
 * --------------------------------------------------------------------- */

static void usage(FILE *out)
{
    fprintf(out,
            "usage: http_bench [--rounds N] [--csv FILE] [--only LIST] [--requests N]\n"
            "                  [--inflight K] [--size BYTES] [--verbose] [--retries N]\n"
            "                  [--dir PATH] [--nginx PATH]\n"
            "       http_bench --serve [--size BYTES] [--nginx PATH]\n"
            "  --rounds N      interleaved rounds (default 5, or $EDDY_BENCH_ROUNDS)\n"
            "  --csv FILE      also write contender,rps_median,rps_min,rps_max,\n"
            "                  client_us_per_req_median,server_us_per_req_median,\n"
            "                  client_cpu_share_median,server_cpu_share_median,\n"
            "                  eddy_rps_ratio_median,eddy_rps_ratio_min,eddy_rps_ratio_max,\n"
            "                  eddy_cpu_ratio_median\n"
            "  --only LIST     clients, comma-separated: eddy,curl,curl-epoll\n"
            "  --requests N    counted GETs per client run (default 10000)\n"
            "  --inflight K    transfers in flight (default 100)\n"
            "  --size BYTES    the file's size (default 1024)\n"
            "  --verbose       print every measurement\n"
            "  --retries N     measure again, up to N times (default 2), when other work\n"
            "                  kept the client or nginx waiting for its CPU > 5%%\n"
            "  --dir PATH      where the clients are (default: next to this program)\n"
            "  --nginx PATH    the nginx program (default: nginx on PATH, else\n"
            "                  /usr/sbin/nginx)\n"
            "  --serve         only start nginx, print its URL and wait for a signal\n");
}

/* The options of http_bench's own (bench_args: the common ones). */
static int own_option(void *ctx, const char *a, const char *value)
{
    options *o = ctx;
    if (!strcmp(a, "--serve")) {
        o->serve = true;
        return 1;
    }
    if (!value)
        return 0;
    if (!strcmp(a, "--requests"))
        o->requests = (size_t)bench_parse_long(a, value, 1);
    else if (!strcmp(a, "--inflight"))
        o->inflight = (size_t)bench_parse_long(a, value, 1);
    else if (!strcmp(a, "--size"))
        o->size = (size_t)bench_parse_long(a, value, 0);
    else if (!strcmp(a, "--nginx"))
        o->nginx = value;
    else
        return 0;
    return 2;
}

static void parse_options(int argc, char **argv, options *o)
{
    memset(o, 0, sizeof *o);
    o->requests = 10000;
    o->inflight = 100;
    o->size = 1024;
    o->args = (bench_args){.contenders = C_COUNT,
                           .name = contender_name,
                           .only_what = "client",
                           .retries_dir = true,
                           .usage = usage,
                           .own = own_option,
                           .ctx = o};
    bench_parse_args(&o->args, argc, argv);
    CHECK(o->inflight <= 1000, "--inflight: at most 1000 (nginx has 1024 connections)");
}

/* nginx on PATH, else Debian's /usr/sbin/nginx (PATH may lack /usr/sbin). */
static const char *find_nginx(const char *given)
{
    if (given)
        return given;
    const char *path = getenv("PATH");
    char buf[PATH_MAX];
    for (const char *p = path ? path : ""; *p;) {
        size_t n = strcspn(p, ":");
        snprintf(buf, sizeof buf, "%.*s/nginx", (int)n, p);
        if (n && access(buf, X_OK) == 0)
            return "nginx";
        p += n + (p[n] == ':');
    }
    if (access("/usr/sbin/nginx", X_OK) == 0)
        return "/usr/sbin/nginx";
    fprintf(stderr, "http_bench: nginx not found (Debian: apt-get install nginx; or give "
                    "--nginx PATH)\n");
    exit(1);
}

static void find_clients(const options *o)
{
    bench_program_dir(client_dir, sizeof client_dir, o->args.dir);
    bench_find_programs(client_dir, C_COUNT, o->args.use, client_file, contender_name, "client",
                        "build the http_bench target (http_client_eddy needs eddy's HTTP "
                        "module, hence libcurl), give --dir PATH, or leave clients out with "
                        "--only");
}

/* The first line a command prints (stdout and stderr), or "?". */
static void first_line(const char *cmd, char *buf, size_t len)
{
    snprintf(buf, len, "?");
    FILE *f = popen(cmd, "r");
    if (!f)
        return;
    if (fgets(buf, (int)len, f))
        buf[strcspn(buf, "\n")] = 0;
    pclose(f);
}

/* ------------------------------------------------------------------------
 * Main, and the report
 * --------------------------------------------------------------------- */

#define FIG(member) offsetof(result, member)

int main(int argc, char **argv)
{
    options o;
    parse_options(argc, argv, &o);
    setvbuf(stdout, NULL, _IOLBF, 0);
    signal(SIGPIPE, SIG_IGN);
    cpus = bench_choose_cpus();

    server s;
    memset(&s, 0, sizeof s);
    s.nginx = find_nginx(o.nginx);
    s.size = o.size;
    if (!o.serve)
        find_clients(&o);

    atexit(cleanup);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);

    nginx_start(&s);
    if (o.serve) {
        printf("url %s\nnginx master %d, worker %d, in %s%s; interrupt to stop\n", s.url,
               (int)nginx_pid, (int)s.worker, tmp_dir,
               cpus.pin ? " (pinned to the second CPU)" : "");
        for (;;)
            pause();
    }

    char nginx_v[128], curl_v[256], cmd[PATH_MAX + 64], load[128];
    snprintf(cmd, sizeof cmd, "%s -v 2>&1", s.nginx);
    first_line(cmd, nginx_v, sizeof nginx_v);
    snprintf(cmd, sizeof cmd, "'%s/http_client_curl' --version 2>&1", client_dir);
    first_line(cmd, curl_v, sizeof curl_v);
    bench_print_host(o.args.rounds);
    if (cpus.pin)
        printf("  clients on CPU %d, nginx (one worker) on CPU %d\n", cpus.client, cpus.server);
    else
        printf("  only one CPU: clients and nginx share it (not pinned)\n");
    printf("  %s; %s\n", nginx_v, curl_v);
    printf("  %zu counted GETs of a %zu-byte file (%s) per client run, %zu in flight,\n"
           "  after %zu warm-up GETs; clients in %s\n",
           o.requests, o.size, s.url, o.inflight, o.inflight, client_dir);
    printf("  the load average at start: %s\n", bench_loadavg(load, sizeof load));

    int rounds = o.args.rounds;
    run_ctx ctx = {&o, &s};
    bench_driver d = {.args = &o.args,
                      .points = 1,
                      .result_size = sizeof(result),
                      .ctx = &ctx,
                      .run = run_one,
                      .disturbed = disturbed,
                      .print = print_measurement};
    bench_driver_run(&d);

#define MED(c, member) bench_driver_median(&d, 0, c, FIG(member))
    printf("\n%-29s %8s %15s %9s %8s %8s %20s %9s\n", "client", "req/s", "min-max",
           "client us", "nginx us", "CPU c/s", "eddy/this req/s", "this/eddy");
    for (int j = 0; j < d.n; j++) {
        int c = d.list[j];
        bench_rate_text rate = bench_driver_rate(&d, 0, c, FIG(rps));
        char rr[48] = "-", cr[16] = "-", util[16];
        snprintf(util, sizeof util, "%.0f/%.0f%%", 100 * MED(c, client_util),
                 100 * MED(c, server_util));
        if (bench_driver_has_ratios(&d, c)) {
            bench_summary q = bench_eddy_over(&d, 0, c, FIG(rps));
            snprintf(rr, sizeof rr, "%.3f (%.3f-%.3f)", q.median, q.min, q.max);
            snprintf(cr, sizeof cr, "%.3f", bench_over_eddy(&d, 0, c, FIG(client_us)).median);
        }
        printf("%-29s %8s %15s %9.2f %8.2f %8s %20s %9s\n", contender_label[c], rate.median,
               rate.range, MED(c, client_us), MED(c, server_us), util, rr, cr);
    }
    printf("(medians over %d rounds. req/s: counted GETs per second, min-max over the\n"
           " rounds; client us: the client's CPU time per counted GET; nginx us: nginx's\n"
           " worker's CPU time per GET; CPU c/s: the client's CPU time over its counted\n"
           " GETs' wall-clock time, and nginx's over the client's run; eddy/this req/s:\n"
           " eddy's requests per second over this client's, within each round, median\n"
           " (min-max); this/eddy: this client's CPU time per GET over eddy's, within\n"
           " each round, median. Above 1, eddy is ahead)\n",
           rounds);

    if (o.args.use[C_EDDY] && (o.args.use[C_CURL] || o.args.use[C_CURL_EPOLL])) {
        printf("\ntarget (eddy's requests per second >= %.2fx the plain libcurl program's, "
               "median of the per-round ratios):\n",
               TARGET);
        for (int c = C_CURL; c <= C_CURL_EPOLL; c++) {
            if (!o.args.use[c])
                continue;
            bench_summary q = bench_eddy_over(&d, 0, c, FIG(rps));
            double qc = bench_over_eddy(&d, 0, c, FIG(client_us)).median;
            printf("  eddy / %-10s %.3f (%.3f-%.3f), %s%s  (by client CPU per GET: %.3f, "
                   "%s)\n",
                   contender_name[c], q.median, q.min, q.max, q.median >= TARGET ? "met" : "MISSED",
                   c == C_CURL ? " [the issue's peer]" : " [the same API eddy drives]", qc,
                   qc >= TARGET ? "met" : "MISSED");
        }
    }
    bench_driver_report(&d, "client or nginx waiting", "time");

    if (o.args.csv) {
        FILE *f = bench_csv_open(o.args.csv,
                                 "contender,rps_median,rps_min,rps_max,"
                                 "client_us_per_req_median,server_us_per_req_median,"
                                 "client_cpu_share_median,server_cpu_share_median,"
                                 "eddy_rps_ratio_median,eddy_rps_ratio_min,"
                                 "eddy_rps_ratio_max,eddy_cpu_ratio_median");
        for (int j = 0; j < d.n; j++) {
            int c = d.list[j];
            bench_summary sm = bench_driver_summary(&d, 0, c, FIG(rps));
            fprintf(f, "%s,%.1f,%.1f,%.1f,%.3f,%.3f,%.4f,%.4f,", contender_name[c], sm.median,
                    sm.min, sm.max, MED(c, client_us), MED(c, server_us), MED(c, client_util),
                    MED(c, server_util));
            bench_driver_csv_ratios(f, &d, 0, c, FIG(rps), FIG(client_us));
        }
        bench_csv_close(f, o.args.csv);
    }

    bench_driver_free(&d);
    return 0; /* atexit: nginx stopped, its directory removed */
}
