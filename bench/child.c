/* The child processes of the benchmark drivers: see child.h. */
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* ------------------------------------------------------------------------
 * CPUs
 * --------------------------------------------------------------------- */

bench_cpus bench_choose_cpus(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    BENCH_CHECK(sched_getaffinity(0, sizeof set, &set) == 0, "sched_getaffinity: %s",
                strerror(errno));
    bench_cpus c = {false, -1, -1};
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (!CPU_ISSET(cpu, &set))
            continue;
        if (c.client < 0)
            c.client = cpu;
        else if (c.server < 0)
            c.server = cpu;
    }
    c.pin = c.server >= 0;
    if (!c.pin)
        c.client = -1;
    return c;
}

static int pin_to(int cpu)
{
    if (cpu < 0)
        return 0;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    return sched_setaffinity(0, sizeof set, &set);
}

void bench_pin_self(int cpu)
{
    BENCH_CHECK(pin_to(cpu) == 0, "sched_setaffinity: %s", strerror(errno));
}

/* ------------------------------------------------------------------------
 * Where the programs are
 * --------------------------------------------------------------------- */

void bench_self_path(char *buf, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", buf, len - 1);
    BENCH_CHECK(n > 0, "readlink /proc/self/exe: %s", strerror(errno));
    buf[n] = 0;
}

void bench_program_dir(char *dir, size_t len, const char *given)
{
    if (given) {
        snprintf(dir, len, "%s", given);
        return;
    }
    bench_self_path(dir, len);
    char *slash = strrchr(dir, '/');
    if (slash)
        *slash = 0;
}

void bench_find_programs(const char *dir, int n, const bool *use, const char *const *file,
                         const char *const *name, const char *kind, const char *hint)
{
    bool missing = false;
    for (int c = 0; c < n; c++) {
        if (!use[c])
            continue;
        char path[PATH_MAX + 32];
        snprintf(path, sizeof path, "%s/%s", dir, file[c]);
        if (access(path, X_OK) != 0) {
            fprintf(stderr, "%s: the %s %s %s is missing (%s)\n", bench_prog, name[c], kind,
                    path, strerror(errno));
            missing = true;
        }
    }
    if (missing) {
        fprintf(stderr, "%s: %s\n", bench_prog, hint);
        exit(1);
    }
}

/* ------------------------------------------------------------------------
 * Starting one, and its output
 * --------------------------------------------------------------------- */

bench_child bench_spawn(char *const argv[], int cpu, int flags)
{
    bench_child c = {0, -1, NULL};
    int fds[2] = {-1, -1};
    if (flags & BENCH_CHILD_OUT)
        BENCH_CHECK(pipe2(fds, O_CLOEXEC) == 0, "pipe2: %s", strerror(errno));
    if (flags & BENCH_CHILD_ERR) {
        c.err = tmpfile();
        BENCH_CHECK(c.err != NULL, "tmpfile: %s", strerror(errno));
    }
    c.pid = fork();
    BENCH_CHECK(c.pid >= 0, "fork: %s", strerror(errno));
    if (c.pid == 0) {
        if (pin_to(cpu) != 0)
            _exit(126);
        if (flags & BENCH_CHILD_QUIET) {
            int null = open("/dev/null", O_RDWR);
            if (null >= 0) {
                dup2(null, STDIN_FILENO);
                dup2(null, STDOUT_FILENO);
            }
        }
        if ((flags & BENCH_CHILD_OUT) && dup2(fds[1], STDOUT_FILENO) < 0)
            _exit(126);
        if ((flags & BENCH_CHILD_ERR) && dup2(fileno(c.err), STDERR_FILENO) < 0)
            _exit(126);
        if (flags & BENCH_CHILD_SEARCH)
            execvp(argv[0], argv);
        else
            execv(argv[0], argv);
        if (flags & BENCH_CHILD_ERR)
            fprintf(stderr, "cannot run %s: %s\n", argv[0], strerror(errno));
        else
            fprintf(stderr, "%s: cannot run %s: %s\n", bench_prog, argv[0], strerror(errno));
        _exit(127);
    }
    if (flags & BENCH_CHILD_OUT) {
        close(fds[1]);
        c.out = fds[0];
    }
    return c;
}

bool bench_read_output(int fd, char *buf, size_t len, uint64_t deadline, bool line, size_t *got)
{
    size_t n = 0;
    bool in_time = true;
    while (n < len - 1 && !(line && memchr(buf, '\n', n))) {
        uint64_t now = bench_now_ns();
        if (now >= deadline) {
            in_time = false;
            break;
        }
        uint64_t ms = (deadline - now) / 1000000 + 1;
        struct pollfd p = {fd, POLLIN, 0};
        int ready = poll(&p, 1, ms < 1000 ? (int)ms : 1000);
        if (ready < 0 && errno == EINTR)
            continue;
        BENCH_CHECK(ready >= 0, "poll: %s", strerror(errno));
        if (ready == 0)
            continue;
        ssize_t r = read(fd, buf + n, len - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        BENCH_CHECK(r >= 0, "read: %s", strerror(errno));
        if (r == 0)
            break;
        n += (size_t)r;
    }
    buf[n] = 0;
    if (got)
        *got = n;
    return in_time;
}

void bench_said(FILE *err, char *buf, size_t len)
{
    rewind(err);
    size_t n = fread(buf, 1, len - 1, err);
    buf[n] = 0;
}

int bench_wait(pid_t pid)
{
    int status;
    while (waitpid(pid, &status, 0) < 0)
        BENCH_CHECK(errno == EINTR, "waitpid: %s", strerror(errno));
    return status;
}
