/* Readable and writable watchers: behaviour.md §1.8, §1.2, §1.10, §7.1, §8.14, §8.15. */
#include "support.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------ */

/* Raises the soft RLIMIT_NOFILE towards want; returns the resulting soft limit. */
static rlim_t raise_nofile(rlim_t want)
{
    struct rlimit rl;
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want) {
        rl.rlim_cur = (rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want) ? want : rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
    }
    return rl.rlim_cur;
}

/* ---- readable ------------------------------------------------------------ */

static int rd_pipe[2];
static int rd_calls;
static int rd_fire_tick;
static int rd_marker;

static void rd_write_hook(int tick)
{
    if (tick == 3)
        ck_assert_int_eq(write(rd_pipe[1], "a", 1), 1);
}

static int rd_cb(ed_id id, int fd, void *data)
{
    char c = 0;
    ck_assert_ptr_eq(data, &rd_marker);
    ck_assert_int_eq(fd, rd_pipe[0]);
    rd_calls++;
    rd_fire_tick = g_tick;
    ck_assert_int_eq(read(fd, &c, 1), 1);
    ck_assert_int_eq(c, 'a');
    ed_cancel(id);
    return 0;
}

/* §1.8: a readable watcher does not fire while the pipe is empty and fires in
 * the tick the data is there. */
START_TEST(test_readable_fires_when_data_written)
{
    make_pipe(rd_pipe);
    ticks_start(1000000, false);
    g_tick_hook = rd_write_hook;
    ck_assert_uint_ne(ed_on_readable(rd_pipe[0], rd_cb, &rd_marker), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(rd_calls, 1);
    ck_assert_int_eq(rd_fire_tick, 3);
    close_pair(rd_pipe);
    ED_TEST_END();
}
END_TEST

static int lt_pipe[2];
static int lt_ticks[64];
static int lt_calls;
static ed_id lt_id;

static int lt_cb(ed_id id, int fd, void *data)
{
    (void)id;
    (void)data;
    ck_assert_int_lt(lt_calls, 64);
    lt_ticks[lt_calls++] = g_tick;
    if (lt_calls == 5) {
        char c;
        ck_assert_int_eq(read(fd, &c, 1), 1); /* drained */
    }
    return 0;
}

static void lt_hook(int tick)
{
    if (tick == 12)
        ed_cancel(lt_id);
}

/* §1.8: level-triggered: fires on every tick while data is unread, then never
 * again once drained. */
START_TEST(test_readable_level_triggered_until_drained)
{
    make_pipe(lt_pipe);
    ck_assert_int_eq(write(lt_pipe[1], "z", 1), 1);
    ticks_start(1000000, false);
    g_tick_hook = lt_hook;
    lt_id = ed_on_readable(lt_pipe[0], lt_cb, NULL);
    ck_assert_uint_ne(lt_id, 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(g_tick, 12);
    ck_assert_int_eq(lt_calls, 5);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(lt_ticks[i], i + 1);
    close_pair(lt_pipe);
    ED_TEST_END();
}
END_TEST

/* ---- writable ------------------------------------------------------------ */

static int wr_sv[2];
static int wr_calls;

static int wr_cb(ed_id id, int fd, void *data)
{
    ck_assert_ptr_eq(data, &wr_calls);
    ck_assert_int_eq(fd, wr_sv[0]);
    ck_assert_int_eq(write(fd, "w", 1), 1);
    wr_calls++;
    ed_cancel(id);
    return 0;
}

/* §1.8: a writable watcher on a socket with room in its buffer fires. */
START_TEST(test_writable_socketpair_fires)
{
    make_socketpair(wr_sv);
    ck_assert_uint_ne(ed_on_writable(wr_sv[0], wr_cb, &wr_calls), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(wr_calls, 1);
    char c = 0;
    ck_assert_int_eq(read(wr_sv[1], &c, 1), 1);
    ck_assert_int_eq(c, 'w');
    close_pair(wr_sv);
    ED_TEST_END();
}
END_TEST

/* ---- several watchers on one fd ------------------------------------------ */

static int multi_calls[8];
static int multi_fd;

static int multi_cb(ed_id id, int fd, void *data)
{
    int k = (int)(intptr_t)data;
    ck_assert_int_eq(fd, multi_fd);
    multi_calls[k]++;
    ed_cancel(id);
    return 0;
}

/* §1.8: several watchers may share an fd; all of them fire (two readables on a
 * pipe; a readable and a writable on a socket). */
START_TEST(test_io_multiple_watchers_same_fd_all_fire)
{
    int p[2];
    make_pipe(p);
    ck_assert_int_eq(write(p[1], "x", 1), 1);
    multi_fd = p[0];
    ck_assert_uint_ne(ed_on_readable(p[0], multi_cb, (void *)0), 0);
    ck_assert_uint_ne(ed_on_readable(p[0], multi_cb, (void *)1), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(multi_calls[0], 1);
    ck_assert_int_eq(multi_calls[1], 1);
    close_pair(p);

    int sv[2];
    make_socketpair(sv);
    ck_assert_int_eq(write(sv[1], "y", 1), 1);
    multi_fd = sv[0];
    ck_assert_uint_ne(ed_on_readable(sv[0], multi_cb, (void *)2), 0);
    ck_assert_uint_ne(ed_on_writable(sv[0], multi_cb, (void *)3), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(multi_calls[2], 1);
    ck_assert_int_eq(multi_calls[3], 1);
    close_pair(sv);
    ED_TEST_END();
}
END_TEST

static int share_calls;

static int share_cb(ed_id id, int fd, void *data)
{
    (void)fd;
    (void)data;
    if (++share_calls == 3)
        ed_cancel(id);
    return 0;
}

/* §1.8, §1.10: disabling one of two watchers on an fd leaves the other firing;
 * the disabled one never fires and stays registered. */
START_TEST(test_io_disable_one_of_two_on_same_fd)
{
    int p[2];
    make_pipe(p);
    ck_assert_int_eq(write(p[1], "x", 1), 1);
    multi_fd = p[0];
    ed_id a = ed_on_readable(p[0], multi_cb, (void *)0);
    ck_assert_uint_ne(a, 0);
    ck_assert_uint_ne(ed_on_readable(p[0], share_cb, NULL), 0);
    ck_assert_int_eq(ed_disable(a), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(share_calls, 3);
    ck_assert_int_eq(multi_calls[0], 0);
    ed_watcher_info wi;
    ck_assert_int_eq(ed_watcher_get(a, &wi), 0);
    ck_assert(!wi.enabled);
    ck_assert_int_eq(wi.fd, p[0]);
    ed_cancel(a);
    close_pair(p);
    ED_TEST_END();
}
END_TEST

/* ---- end of file ---------------------------------------------------------- */

static int eof_calls;

static int eof_cb(ed_id id, int fd, void *data)
{
    (void)data;
    char buf[8];
    ck_assert_int_eq(read(fd, buf, sizeof buf), 0);
    eof_calls++;
    ed_cancel(id);
    return 0;
}

/* §1.8: a peer that closes makes the fd readable (read returns 0): socket and
 * pipe. */
START_TEST(test_readable_fires_on_peer_close)
{
    int sv[2];
    make_socketpair(sv);
    ck_assert_uint_ne(ed_on_readable(sv[0], eof_cb, NULL), 0);
    close(sv[1]);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(eof_calls, 1);
    close(sv[0]);

    int p[2];
    make_pipe(p);
    ck_assert_uint_ne(ed_on_readable(p[0], eof_cb, NULL), 0);
    close(p[1]);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(eof_calls, 2);
    close(p[0]);
    ED_TEST_END();
}
END_TEST

/* ---- created disabled ----------------------------------------------------- */

static ed_id dis_w;
static int dis_fire_tick;
static int dis_calls;

static void dis_hook(int tick)
{
    if (tick == 3)
        ck_assert_int_eq(ed_enable(dis_w), 0);
}

static int dis_cb(ed_id id, int fd, void *data)
{
    (void)fd;
    (void)data;
    dis_calls++;
    dis_fire_tick = g_tick;
    ed_cancel(id);
    ticks_stop();
    return 0;
}

/* §1.8, §1.1: a writable watcher created disabled does not fire; enabled in
 * tick 3 it fires from tick 4 on. */
START_TEST(test_writable_created_disabled_then_enabled)
{
    int sv[2];
    make_socketpair(sv);
    ticks_start(1000000, true);
    g_tick_hook = dis_hook;
    dis_w = ed_on_writable(sv[0], dis_cb, NULL);
    ck_assert_uint_ne(dis_w, 0);
    ck_assert_int_eq(ed_disable(dis_w), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(dis_calls, 1);
    ck_assert_int_eq(dis_fire_tick, 4);
    close_pair(sv);
    ED_TEST_END();
}
END_TEST

/* ---- cancelling from callbacks -------------------------------------------- */

static ed_id sib_ids[3];
static int sib_calls;

static int sib_cancel_cb(ed_id id, int fd, void *data)
{
    (void)fd;
    (void)data;
    (void)id;
    sib_calls++;
    for (int i = 0; i < 3; i++)
        ed_cancel(sib_ids[i]); /* itself and its siblings */
    return 0;
}

static int sib_disable_cb(ed_id id, int fd, void *data)
{
    (void)fd;
    (void)data;
    sib_calls++;
    for (int i = 0; i < 3; i++)
        if (sib_ids[i] != id)
            ck_assert_int_eq(ed_disable(sib_ids[i]), 0);
    ed_cancel(id);
    return 0;
}

/* §1.2, §1.10: a watcher cancelling itself and its siblings on the same fd
 * (all ready in this tick): the siblings do not fire afterwards. */
START_TEST(test_io_cancel_self_and_sibling_same_fd)
{
    int sv[2];
    make_socketpair(sv);
    ck_assert_int_eq(write(sv[1], "d", 1), 1); /* sv[0]: readable and writable */
    ticks_start(5, true);
    sib_ids[0] = ed_on_readable(sv[0], sib_cancel_cb, NULL);
    sib_ids[1] = ed_on_readable(sv[0], sib_cancel_cb, NULL);
    sib_ids[2] = ed_on_writable(sv[0], sib_cancel_cb, NULL);
    for (int i = 0; i < 3; i++)
        ck_assert_uint_ne(sib_ids[i], 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(g_tick, 5);
    ck_assert_int_eq(sib_calls, 1);
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_READABLE] + info.disabled[ED_WATCHER_READABLE], 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_WRITABLE] + info.disabled[ED_WATCHER_WRITABLE], 0);
    close_pair(sv);
    ED_TEST_END();
}
END_TEST

/* §1.2, §1.10: a watcher disabling its siblings on the same fd: they do not
 * fire, in this tick or later, and stay registered. */
START_TEST(test_io_disable_sibling_same_fd)
{
    int sv[2];
    make_socketpair(sv);
    ck_assert_int_eq(write(sv[1], "d", 1), 1);
    ticks_start(5, true);
    sib_ids[0] = ed_on_readable(sv[0], sib_disable_cb, NULL);
    sib_ids[1] = ed_on_writable(sv[0], sib_disable_cb, NULL);
    sib_ids[2] = ed_on_readable(sv[0], sib_disable_cb, NULL);
    for (int i = 0; i < 3; i++)
        ck_assert_uint_ne(sib_ids[i], 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(sib_calls, 1);
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.disabled[ED_WATCHER_READABLE] + info.disabled[ED_WATCHER_WRITABLE], 2);
    for (int i = 0; i < 3; i++)
        ed_cancel(sib_ids[i]);
    close_pair(sv);
    ED_TEST_END();
}
END_TEST

/* ---- arguments ------------------------------------------------------------ */

/* §1.8, api.md §6: fd < 0 or a NULL callback give a 0 id and errno EINVAL. */
START_TEST(test_io_invalid_arguments_einval)
{
    errno = 0;
    ck_assert_uint_eq(ed_on_readable(-1, never_io_cb, NULL), 0);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_uint_eq(ed_on_writable(-5, never_io_cb, NULL), 0);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_uint_eq(ed_on_readable(0, NULL, NULL), 0);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_uint_eq(ed_on_writable(1, NULL, NULL), 0);
    ck_assert_int_eq(errno, EINVAL);
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_READABLE] + info.enabled[ED_WATCHER_WRITABLE], 0);
    ED_TEST_END();
}
END_TEST

/* ---- a watcher left on a closed fd ---------------------------------------- */

static int closed_errs;
static int closed_err;
static char closed_msg[1024];
static ed_id closed_safety;
static ed_id closed_watcher;
static bool closed_safety_fired;

/* After a report, once the watcher is disabled (or gone), the safety net is
 * no longer needed; if it stays enabled, the safety net ends the run. */
static int closed_after_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    ed_watcher_info wi;
    if (ed_watcher_get(closed_watcher, &wi) != 0 || !wi.enabled)
        ed_cancel(closed_safety);
    return 0;
}

static void closed_handler(int err, const char *message, void *data)
{
    (void)data;
    ck_assert_ptr_ne(message, NULL);
    if (closed_errs++ == 0) {
        closed_err = err;
        snprintf(closed_msg, sizeof closed_msg, "%s", message);
    }
    ck_assert_uint_ne(ed_defer(closed_after_cb, NULL), 0);
}

static int closed_safety_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    closed_safety_fired = true;
    ed_cancel(closed_watcher);
    ed_stop();
    return 0;
}

/* Moves the read end of a new pipe to a distinctive fd number (so that the
 * number can be looked for in a message); returns it, write end in *wr. */
static int distinctive_fd(int *wr)
{
    int p[2];
    int target = 4321;
    rlim_t lim = raise_nofile(4400);
    if (lim <= 4400)
        target = (int)lim - 17;
    make_pipe(p);
    ck_assert_int_eq(dup2(p[0], target), target);
    close(p[0]);
    *wr = p[1];
    return target;
}

static void closed_check_report(int fd)
{
    char num[32];
    snprintf(num, sizeof num, "%d", fd);
    ck_assert_int_ge(closed_errs, 1);
    ck_assert_int_lt(closed_err, 0);
    ck_assert_msg(strstr(closed_msg, num) != NULL, "error message \"%s\" does not name fd %d", closed_msg,
                  fd);
    ck_assert(!closed_safety_fired);
    ed_watcher_info wi;
    int r = ed_watcher_get(closed_watcher, &wi);
    if (r == 0)
        ck_assert_msg(!wi.enabled, "the watcher on the closed fd is still enabled");
    else
        ck_assert_int_eq(r, -ENOENT);
}

/* §8.15, header: a watcher left on an fd closed after it was registered (then
 * disabled and enabled) is reported to the error handler with a negative code
 * and a message naming the fd, and disabled; ed_run returns. */
START_TEST(test_io_closed_fd_after_registration_reported)
{
    int wr;
    int fd = distinctive_fd(&wr);
    ed_set_error_handler(closed_handler, NULL);
    closed_watcher = ed_on_readable(fd, never_io_cb, NULL);
    ck_assert_uint_ne(closed_watcher, 0);
    ck_assert_int_eq(ed_run_once(false), 1); /* registered, nothing to read */
    close(fd);
    ck_assert_int_eq(ed_disable(closed_watcher), 0);
    ck_assert_int_eq(ed_enable(closed_watcher), 0);
    closed_safety = ed_delay(2.0, closed_safety_cb, NULL);
    ck_assert_uint_ne(closed_safety, 0);
    ck_assert_int_eq(ed_run(), 0);
    closed_check_report(fd);
    ed_cancel(closed_watcher);
    close(wr);
    ED_TEST_END();
}
END_TEST

/* §8.15: the same when the fd is closed before the watcher's first tick. */
START_TEST(test_io_closed_fd_before_first_tick_reported)
{
    int wr;
    int fd = distinctive_fd(&wr);
    ed_set_error_handler(closed_handler, NULL);
    closed_watcher = ed_on_readable(fd, never_io_cb, NULL);
    ck_assert_uint_ne(closed_watcher, 0);
    close(fd);
    closed_safety = ed_delay(2.0, closed_safety_cb, NULL);
    ck_assert_uint_ne(closed_safety, 0);
    ck_assert_int_eq(ed_run(), 0);
    closed_check_report(fd);
    ed_cancel(closed_watcher);
    close(wr);
    ED_TEST_END();
}
END_TEST

/* §8.15, §7.7: without an error handler, the closed-fd error ends ed_run with a
 * negative code and ed_error_message() names the fd. */
START_TEST(test_io_closed_fd_no_handler_run_returns_error)
{
    int wr;
    int fd = distinctive_fd(&wr);
    closed_watcher = ed_on_readable(fd, never_io_cb, NULL);
    ck_assert_uint_ne(closed_watcher, 0);
    ck_assert_int_eq(ed_run_once(false), 1); /* registered, nothing to read */
    close(fd);
    ck_assert_int_eq(ed_disable(closed_watcher), 0);
    ck_assert_int_eq(ed_enable(closed_watcher), 0);
    closed_safety = ed_delay(2.0, closed_safety_cb, NULL);
    ck_assert_uint_ne(closed_safety, 0);
    int r = ed_run();
    ck_assert_int_lt(r, 0);
    ck_assert(!closed_safety_fired);
    char num[32];
    snprintf(num, sizeof num, "%d", fd);
    const char *msg = ed_error_message();
    ck_assert_ptr_ne(msg, NULL);
    ck_assert_msg(strstr(msg, num) != NULL, "ed_error_message() \"%s\" does not name fd %d", msg, fd);
    ed_cancel(closed_safety);
    ed_cancel(closed_watcher);
    close(wr);
    ED_TEST_END();
}
END_TEST

/* ---- regular files --------------------------------------------------------- */

static int file_calls;

static int file_cb(ed_id id, int fd, void *data)
{
    (void)data;
    char buf[16] = {0};
    ck_assert_int_eq(read(fd, buf, sizeof buf), 5);
    ck_assert_str_eq(buf, "hello");
    file_calls++;
    ed_cancel(id);
    return 0;
}

/* Header (ed_on_readable): a regular file is always readable. */
START_TEST(test_regular_file_is_readable)
{
    FILE *f = tmpfile();
    ck_assert_ptr_ne(f, NULL);
    int fd = fileno(f);
    ck_assert_int_eq(write(fd, "hello", 5), 5);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    ck_assert_uint_ne(ed_on_readable(fd, file_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(file_calls, 1);
    fclose(f);
    ED_TEST_END();
}
END_TEST

/* ---- fd numbers reused behind the loop's back ------------------------------ */

/* The loop keeps dropped interest registered until an event says otherwise
 * (lazy). The user may meanwhile close the fd and get its number for
 * another file; a new watcher on that number must work whatever the file. */

static int reuse_calls;

static int reuse_cb(ed_id id, int fd, void *data)
{
    (void)fd;
    (void)data;
    reuse_calls++;
    ed_cancel(id);
    return 0;
}

/* Registers a readable watcher on fd for a tick, then cancels it: the
 * interest stays registered with the driver. */
static void watch_once_then_cancel(int fd)
{
    ed_id w = ed_on_readable(fd, never_io_cb, NULL);
    ck_assert_uint_ne(w, 0);
    ck_assert_int_eq(ed_run_once(false), 1); /* registered; nothing to read */
    ed_cancel(w);
}

static int cancel_self_cb(ed_id id, int fd, void *data)
{
    (void)fd;
    (void)data;
    ed_cancel(id);
    return 0;
}

START_TEST(test_io_reused_number_socket_to_socket)
{
    int a[2], b[2];
    make_socketpair(a);
    make_socketpair(b);
    watch_once_then_cancel(a[0]);
    ck_assert_int_eq(dup2(b[0], a[0]), a[0]); /* a[0]'s number, b's socket */
    ck_assert_int_eq(write(b[1], "x", 1), 1);
    ck_assert_uint_ne(ed_on_readable(a[0], reuse_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(reuse_calls, 1);
    close_pair(a);
    close_pair(b);
    ED_TEST_END();
}
END_TEST

START_TEST(test_io_reused_number_socket_to_file)
{
    int a[2];
    make_socketpair(a);
    watch_once_then_cancel(a[0]);
    FILE *f = tmpfile();
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(dup2(fileno(f), a[0]), a[0]); /* a file: epoll refuses it */
    ck_assert_uint_ne(ed_on_readable(a[0], reuse_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(reuse_calls, 1); /* always readable, no error reported */
    fclose(f);
    close_pair(a);
    ED_TEST_END();
}
END_TEST

START_TEST(test_io_reused_number_file_to_socket)
{
    int a[2];
    make_socketpair(a);
    FILE *f = tmpfile();
    ck_assert_ptr_ne(f, NULL);
    int fd = fileno(f);
    ck_assert_uint_ne(ed_on_readable(fd, cancel_self_cb, NULL), 0);
    ck_assert_int_eq(ed_run_once(false), 0); /* fired (always readable), cancelled */
    ck_assert_int_eq(dup2(a[0], fd), fd); /* the file's number, a socket now */
    ck_assert_uint_ne(ed_on_readable(fd, reuse_cb, NULL), 0);
    /* No data yet: the socket is not readable, whatever the file was. */
    ck_assert_int_eq(ed_run_once(false), 1);
    ck_assert_int_eq(reuse_calls, 0);
    ck_assert_int_eq(write(a[1], "x", 1), 1);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(reuse_calls, 1);
    fclose(f);
    close_pair(a);
    ED_TEST_END();
}
END_TEST

/* ---- scale ----------------------------------------------------------------- */

#define PAIRS 10000
static int pair_fd[PAIRS];
static unsigned char pair_fired[PAIRS];
static int pair_total;

static int pair_cb(ed_id id, int fd, void *data)
{
    int i = (int)(intptr_t)data;
    char c = 0;
    CHECK(fd == pair_fd[i]);
    CHECK(read(fd, &c, 1) == 1);
    CHECK(c == (char)('a' + i % 26));
    CHECK(pair_fired[i] == 0);
    pair_fired[i] = 1;
    pair_total++;
    ed_cancel(id);
    return 0;
}

/* §1.8 at scale: 10,000 sockets with readable watchers all fire, each once,
 * with its own fd and data. */
START_TEST(test_io_10000_socketpairs_all_fire)
{
    rlim_t lim = raise_nofile(PAIRS + 256);
    if (lim < PAIRS + 64) {
        fprintf(stderr, "test_io_10000_socketpairs_all_fire: skipped, RLIMIT_NOFILE is %lu\n",
                (unsigned long)lim);
        ED_TEST_END();
        return;
    }
    for (int i = 0; i < PAIRS; i++) {
        int sv[2];
        CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0);
        char c = (char)('a' + i % 26);
        CHECK(write(sv[1], &c, 1) == 1);
        close(sv[1]); /* the byte stays readable; one fd per pair */
        pair_fd[i] = sv[0];
        CHECK(ed_on_readable(sv[0], pair_cb, (void *)(intptr_t)i) != 0);
    }
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(pair_total, PAIRS);
    for (int i = 0; i < PAIRS; i++) {
        CHECK(pair_fired[i] == 1);
        close(pair_fd[i]);
    }
    ED_TEST_END();
}
END_TEST

#define MIX_PER_TYPE 20000
#define MIX_FDS 100
static unsigned char mix_fired[5][MIX_PER_TYPE];
static int mix_total;

static void mix_mark(int type, int i)
{
    CHECK(mix_fired[type][i] == 0);
    mix_fired[type][i] = 1;
    mix_total++;
}

static int mix_cb(ed_id id, void *data)
{
    uintptr_t v = (uintptr_t)data;
    int type = (int)(v >> 24), i = (int)(v & 0xffffff);
    mix_mark(type, i);
    if (type == ED_WATCHER_REPEAT)
        ed_cancel(id);
    return 0;
}

static int mix_io_cb(ed_id id, int fd, void *data)
{
    (void)fd;
    uintptr_t v = (uintptr_t)data;
    mix_mark((int)(v >> 24), (int)(v & 0xffffff));
    ed_cancel(id);
    return 0;
}

#define MIX_DATA(type, i) ((void *)(((uintptr_t)(type) << 24) | (uintptr_t)(i)))

/* §1 at scale: 100,000 watchers of five types at once (200 per fd for I/O) all
 * fire exactly once. */
START_TEST(test_io_100000_watchers_mixed)
{
    int pipes[MIX_FDS][2], socks[MIX_FDS][2];
    raise_nofile(4 * MIX_FDS + 256);
    for (int f = 0; f < MIX_FDS; f++) {
        make_pipe(pipes[f]);
        ck_assert_int_eq(write(pipes[f][1], "r", 1), 1);
        make_socketpair(socks[f]);
    }
    for (int i = 0; i < MIX_PER_TYPE; i++) {
        CHECK(ed_defer(mix_cb, MIX_DATA(ED_WATCHER_DEFER, i)) != 0);
        CHECK(ed_delay((i % 100) * 1e-4, mix_cb, MIX_DATA(ED_WATCHER_DELAY, i)) != 0);
        CHECK(ed_repeat((i % 10) * 1e-4, mix_cb, MIX_DATA(ED_WATCHER_REPEAT, i)) != 0);
        CHECK(ed_on_readable(pipes[i % MIX_FDS][0], mix_io_cb, MIX_DATA(ED_WATCHER_READABLE, i)) != 0);
        CHECK(ed_on_writable(socks[i % MIX_FDS][0], mix_io_cb, MIX_DATA(ED_WATCHER_WRITABLE, i)) != 0);
    }
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    for (int t = ED_WATCHER_DEFER; t <= ED_WATCHER_WRITABLE; t++)
        ck_assert_uint_eq(info.enabled[t], MIX_PER_TYPE);
    ck_assert_uint_eq(info.referenced, 5 * MIX_PER_TYPE);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(mix_total, 5 * MIX_PER_TYPE);
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.referenced, 0);
    for (int f = 0; f < MIX_FDS; f++) {
        close_pair(pipes[f]);
        close_pair(socks[f]);
    }
    ED_TEST_END();
}
END_TEST

static Suite *io_suite(void)
{
    Suite *s = suite_create("io");
    TCase *tc = tcase_create("io");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_readable_fires_when_data_written);
    tcase_add_test(tc, test_readable_level_triggered_until_drained);
    tcase_add_test(tc, test_writable_socketpair_fires);
    tcase_add_test(tc, test_io_multiple_watchers_same_fd_all_fire);
    tcase_add_test(tc, test_io_disable_one_of_two_on_same_fd);
    tcase_add_test(tc, test_readable_fires_on_peer_close);
    tcase_add_test(tc, test_writable_created_disabled_then_enabled);
    tcase_add_test(tc, test_io_cancel_self_and_sibling_same_fd);
    tcase_add_test(tc, test_io_disable_sibling_same_fd);
    tcase_add_test(tc, test_io_invalid_arguments_einval);
    tcase_add_test(tc, test_io_closed_fd_after_registration_reported);
    tcase_add_test(tc, test_io_closed_fd_before_first_tick_reported);
    tcase_add_test(tc, test_io_closed_fd_no_handler_run_returns_error);
    tcase_add_test(tc, test_regular_file_is_readable);
    tcase_add_test(tc, test_io_reused_number_socket_to_socket);
    tcase_add_test(tc, test_io_reused_number_socket_to_file);
    tcase_add_test(tc, test_io_reused_number_file_to_socket);
    tcase_add_test(tc, test_io_10000_socketpairs_all_fire);
    tcase_add_test(tc, test_io_100000_watchers_mixed);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(io_suite)
