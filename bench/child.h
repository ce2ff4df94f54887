/*
 * The child processes of the benchmark drivers (echo_bench's servers,
 * http_bench's nginx and clients, task_bench's Go peer and RSS child):
 * the two CPUs a load and its server are pinned to, where the programs
 * are, starting one with its output captured, reading that output, and
 * waiting for its end. Failed checks and messages as in harness.h.
 */
#ifndef EDDY_BENCH_CHILD_H
#define EDDY_BENCH_CHILD_H

#include "harness.h"

#include <sys/types.h>

/* ------------------------------------------------------------------------
 * CPUs: the load (client) on the first CPU this process may use, the
 * server on the second.
 * --------------------------------------------------------------------- */

typedef struct bench_cpus {
    bool pin;   /* there are two: the children are pinned */
    int client; /* the first CPU; -1 when there is only one (nothing pinned) */
    int server; /* the second; -1 likewise */
} bench_cpus;

bench_cpus bench_choose_cpus(void);

/* Pins this process to cpu (nothing when it is -1; exits on failure). */
void bench_pin_self(int cpu);

/* ------------------------------------------------------------------------
 * Where the programs are
 * --------------------------------------------------------------------- */

/* This program's path (/proc/self/exe). */
void bench_self_path(char *buf, size_t len);

/* given when it is not NULL, else the directory this program is in. */
void bench_program_dir(char *dir, size_t len, const char *given);

/* Whether DIR/file[c] can be run, for every contender c < n in use; for
 * each that cannot, "PROG: the NAME[c] KIND PATH is missing (ERROR)", then
 * "PROG: HINT" and exit 1. */
void bench_find_programs(const char *dir, int n, const bool *use, const char *const *file,
                         const char *const *name, const char *kind, const char *hint);

/* ------------------------------------------------------------------------
 * Starting one (fork and exec), and its output
 * --------------------------------------------------------------------- */

enum {
    BENCH_CHILD_OUT = 1,    /* its stdout into a pipe: bench_child.out */
    BENCH_CHILD_ERR = 2,    /* its stderr into a temporary file: bench_child.err */
    BENCH_CHILD_QUIET = 4,  /* its stdin and stdout on /dev/null */
    BENCH_CHILD_SEARCH = 8, /* argv[0] looked for on PATH (execvp) */
};

typedef struct bench_child {
    pid_t pid;
    int out;   /* the read end of its stdout, or -1 */
    FILE *err; /* its stderr (read with bench_said), or NULL */
} bench_child;

/* Starts argv, pinned to cpu (-1: not pinned); flags as above. When the
 * program cannot be run, the child says "cannot run ARGV0: ERROR" on its
 * stderr ("PROG: " before it, unless that stderr is captured: its reader
 * names the program) and exits 127; when it cannot be pinned or its output
 * redirected, it exits 126. */
bench_child bench_spawn(char *const argv[], int cpu, int flags);

/* Reads what a child prints on fd into buf (NUL-terminated), until end of
 * file, until a whole line when line is true, or until buf is full (len -
 * 1 bytes); *got (when not NULL) is the count. False when the deadline
 * (bench_now_ns) came first. */
bool bench_read_output(int fd, char *buf, size_t len, uint64_t deadline, bool line, size_t *got);

/* What a captured stderr holds, into buf (NUL-terminated). */
void bench_said(FILE *err, char *buf, size_t len);

/* Waits for the child's end (again after EINTR); its status. */
int bench_wait(pid_t pid);

#endif
