/* nginx with a certificate made at test time: see nginx.h. */
#include "nginx.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../http_support.h"

/* The tool's path in PATH or the sbin directories (Debian's nginx lives in
 * /usr/sbin, which a user's PATH may lack). */
static bool find_tool(const char *name, char *out, size_t cap)
{
    const char *env = getenv("PATH");
    char dirs[4096];
    snprintf(dirs, sizeof dirs, "%s:/usr/local/sbin:/usr/sbin:/sbin:/usr/bin:/bin",
             env ? env : "");
    for (char *save = NULL, *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        if (!*d)
            continue;
        snprintf(out, cap, "%s/%s", d, name);
        if (access(out, X_OK) == 0)
            return true;
    }
    return false;
}

static void print_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        fprintf(stderr, "  %s", line);
    fclose(f);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot create %s: %s", path, strerror(errno));
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool pid_file_ready(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_size > 0;
}

bool tls_nginx_start(tls_nginx *t, int upstream_port)
{
    memset(t, 0, sizeof *t);
    t->pid = -1;
    char nginx[512], openssl[512];
    if (!find_tool("nginx", nginx, sizeof nginx) || !find_tool("openssl", openssl, sizeof openssl)) {
        fprintf(stderr, "NOTE: nginx or openssl is not installed: the TLS test is skipped "
                        "(apt-get install nginx openssl)\n");
        return false;
    }
    snprintf(t->dir, sizeof t->dir, "/tmp/eddy-tls-XXXXXX");
    ck_assert_ptr_ne(mkdtemp(t->dir), NULL);
    char path[256], cmd[2048];

    /* The key and a self-signed certificate, good for two days. */
    snprintf(cmd, sizeof cmd,
             "'%s' req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
             "-subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 -days 2 "
             "-keyout '%s/key.pem' -out '%s/cert.pem' >'%s/openssl.log' 2>&1",
             openssl, t->dir, t->dir, t->dir);
    if (system(cmd) != 0) {
        snprintf(path, sizeof path, "%s/openssl.log", t->dir);
        print_file(path);
        ck_abort_msg("openssl could not make a certificate");
    }

    snprintf(path, sizeof path, "%s/www", t->dir);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    snprintf(path, sizeof path, "%s/www/index.html", t->dir);
    write_file(path, "hello tls\n");

    t->port = hs_refused_port();
    ck_assert_int_gt(t->port, 0);
    snprintf(t->base, sizeof t->base, "https://127.0.0.1:%d", t->port);
    char proxied[1024] = "";
    if (upstream_port > 0)
        snprintf(proxied, sizeof proxied,
                 "    location /o/ {\n"
                 "      proxy_pass http://127.0.0.1:%d/;\n"
                 "      proxy_http_version 1.1;\n"
                 "      proxy_buffering off;\n"
                 "      proxy_request_buffering off;\n"
                 "    }\n"
                 "    location = /dns-query {\n"
                 "      proxy_pass http://127.0.0.1:%d;\n"
                 "      proxy_http_version 1.1;\n"
                 "    }\n",
                 upstream_port, upstream_port);
    char conf[4096];
    snprintf(conf, sizeof conf,
             "%s"
             "worker_processes 1;\n"
             "events { worker_connections 512; }\n"
             "http {\n"
             "  access_log off;\n"
             "  default_type application/octet-stream;\n"
             "  client_body_temp_path %s/tmp-body;\n"
             "  proxy_temp_path %s/tmp-proxy;\n"
             "  fastcgi_temp_path %s/tmp-fastcgi;\n"
             "  uwsgi_temp_path %s/tmp-uwsgi;\n"
             "  scgi_temp_path %s/tmp-scgi;\n"
             "  server {\n"
             "    listen 127.0.0.1:%d ssl http2;\n"
             "    server_name localhost;\n"
             "    ssl_certificate %s/cert.pem;\n"
             "    ssl_certificate_key %s/key.pem;\n"
             "    root %s/www;\n"
             "%s"
             "  }\n"
             "}\n",
             geteuid() == 0 ? "user root;\n" : "", t->dir, t->dir, t->dir, t->dir, t->dir,
             t->port, t->dir, t->dir, t->dir, proxied);
    char conf_path[128], err_log[128], out_log[128], pid_path[128], globals[512];
    snprintf(conf_path, sizeof conf_path, "%s/nginx.conf", t->dir);
    write_file(conf_path, conf);
    snprintf(err_log, sizeof err_log, "%s/error.log", t->dir);
    snprintf(out_log, sizeof out_log, "%s/stderr.log", t->dir);
    snprintf(pid_path, sizeof pid_path, "%s/nginx.pid", t->dir);
    snprintf(globals, sizeof globals, "daemon off; pid %s; error_log %s info;", pid_path, err_log);
    char prefix[128];
    snprintf(prefix, sizeof prefix, "%s/", t->dir);
    char *argv[] = {nginx, "-p", prefix, "-c", conf_path, "-e", err_log, "-g", globals, NULL};

    /* The pid file appears once nginx's sockets listen. */
    int ino = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    ck_assert_int_ge(ino, 0);
    ck_assert_int_ge(inotify_add_watch(ino, t->dir, IN_CLOSE_WRITE | IN_MOVED_TO), 0);

    pid_t parent = getpid();
    t->pid = fork();
    ck_assert_int_ge(t->pid, 0);
    if (t->pid == 0) {
        /* Only async-signal-safe calls here. nginx ends with the test. */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(127);
        int fd = open(out_log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (fd >= 0) {
            dup2(fd, 1);
            dup2(fd, 2);
        }
        execv(nginx, argv);
        _exit(127);
    }

    double deadline = now_mono() + 30;
    bool ready = false;
    while (!ready) {
        ready = pid_file_ready(pid_path);
        if (ready)
            break;
        int status;
        if (waitpid(t->pid, &status, WNOHANG) == t->pid) {
            t->pid = -1;
            fprintf(stderr, "nginx exited (status %d):\n", status);
            print_file(out_log);
            print_file(err_log);
            close(ino);
            ck_abort_msg("nginx did not start");
        }
        ck_assert_msg(now_mono() < deadline, "nginx did not start within 30 s");
        /* A wake-up on every file nginx closes in its directory; the slice
         * only bounds how late an early exit is noticed. */
        struct pollfd pfd = {ino, POLLIN, 0};
        if (poll(&pfd, 1, 100) > 0) {
            char ev[4096];
            while (read(ino, ev, sizeof ev) > 0) {
            }
        }
    }
    close(ino);
    return true;
}

void tls_nginx_stop(tls_nginx *t)
{
    if (t->pid > 0) {
        kill(t->pid, SIGTERM);
        int status;
        while (waitpid(t->pid, &status, 0) < 0 && errno == EINTR) {
        }
        t->pid = -1;
    }
    if (t->dir[0])
        nftw(t->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
    t->dir[0] = '\0';
}
