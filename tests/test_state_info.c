/* Loop-bound state and introspection: behaviour.md §1.12, §1.1; api.md §1, §6. */
#include "support.h"

#include <ctype.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* ---- state ---------------------------------------------------------------- */

#define NVALS 8
static int vals[NVALS];
static int destroyed[NVALS];

static void destroy_val(void *v)
{
    int *p = v;
    ck_assert(p >= vals && p < vals + NVALS);
    destroyed[p - vals]++;
}

static void free_destroy(void *v)
{
    destroyed[NVALS - 1]++;
    free(v);
}

/* §1.12, api.md §6: set/get round trip; missing keys give NULL; the key is
 * copied. */
START_TEST(test_state_set_get_round_trip)
{
    char key[16] = "app.key";
    ck_assert_ptr_eq(ed_state_get("app.key"), NULL);
    ck_assert_int_eq(ed_state_set(key, &vals[0], NULL), 0);
    strcpy(key, "clobbered");
    ck_assert_ptr_eq(ed_state_get("app.key"), &vals[0]);
    ck_assert_ptr_eq(ed_state_get("clobbered"), NULL);
    ck_assert_int_eq(ed_state_set("other", &vals[1], NULL), 0);
    ck_assert_ptr_eq(ed_state_get("other"), &vals[1]);
    ck_assert_ptr_eq(ed_state_get("app.key"), &vals[0]);
    ck_assert_ptr_eq(ed_state_get(""), NULL);
    ck_assert_int_eq(ed_state_set("", &vals[2], NULL), 0);
    ck_assert_ptr_eq(ed_state_get(""), &vals[2]);
    /* ed_run does not touch state (A2t testRegistry). */
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_ptr_eq(ed_state_get("app.key"), &vals[0]);
    ED_TEST_END();
}
END_TEST

/* §1.12, header: a NULL value deletes the key and calls the old destroy once;
 * deleting a missing key is fine. */
START_TEST(test_state_null_value_deletes_and_destroys)
{
    ck_assert_int_eq(ed_state_set("k", &vals[0], destroy_val), 0);
    ck_assert_int_eq(ed_state_set("k", NULL, NULL), 0);
    ck_assert_int_eq(destroyed[0], 1);
    ck_assert_ptr_eq(ed_state_get("k"), NULL);
    ck_assert_int_eq(ed_state_set("k", NULL, NULL), 0);
    ck_assert_int_eq(ed_state_set("never-set", NULL, NULL), 0);
    ck_assert_int_eq(destroyed[0], 1);
    ED_TEST_END();
    ck_assert_int_eq(destroyed[0], 1);
}
END_TEST

/* Header: replacing a value calls the old value's destroy (only that one);
 * the new value is destroyed by ed_shutdown. */
START_TEST(test_state_replace_calls_old_destroy)
{
    ck_assert_int_eq(ed_state_set("k", &vals[0], destroy_val), 0);
    ck_assert_int_eq(ed_state_set("k", &vals[1], destroy_val), 0);
    ck_assert_int_eq(destroyed[0], 1);
    ck_assert_int_eq(destroyed[1], 0);
    ck_assert_ptr_eq(ed_state_get("k"), &vals[1]);
    ED_TEST_END();
    ck_assert_int_eq(destroyed[0], 1);
    ck_assert_int_eq(destroyed[1], 1);
}
END_TEST

/* Header (ed_shutdown): every remaining value is destroyed exactly once; the
 * next loop starts with no state. */
START_TEST(test_shutdown_destroys_remaining_values)
{
    char key[8];
    for (int i = 0; i < 5; i++) {
        snprintf(key, sizeof key, "k%d", i);
        ck_assert_int_eq(ed_state_set(key, &vals[i], destroy_val), 0);
    }
    ck_assert_int_eq(ed_state_set("heap", strdup("owned"), free_destroy), 0);
    ck_assert_int_eq(ed_state_set("nodestroy", &vals[5], NULL), 0);
    ck_assert_int_eq(ed_shutdown(), 0);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(destroyed[i], 1);
    ck_assert_int_eq(destroyed[5], 0);
    ck_assert_int_eq(destroyed[NVALS - 1], 1);
    ck_assert_ptr_eq(ed_state_get("k0"), NULL);
    ck_assert_ptr_eq(ed_state_get("heap"), NULL);
    ED_TEST_END();
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(destroyed[i], 1);
}
END_TEST

/* Header: a NULL key is -EINVAL and stores nothing. */
START_TEST(test_state_null_key_einval)
{
    ck_assert_int_eq(ed_state_set(NULL, &vals[0], destroy_val), -EINVAL);
    ck_assert_int_eq(ed_state_set(NULL, NULL, NULL), -EINVAL);
    ED_TEST_END();
    ck_assert_int_eq(destroyed[0], 0);
}
END_TEST

/* ---- ed_get_info ----------------------------------------------------------- */

static int noop_io_cb(ed_id id, int fd, void *data)
{
    (void)id;
    (void)fd;
    (void)data;
    return 0;
}

static int noop_sig_cb(ed_id id, int signo, void *data)
{
    (void)id;
    (void)signo;
    (void)data;
    return 0;
}

static int running_checks;

static int running_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    ed_info info;
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert(info.running);
    running_checks++;
    return 0;
}

/* §1.12, header (ed_info): counts per type of enabled and disabled watchers,
 * of enabled referenced and enabled unreferenced ones; running is true only
 * inside the loop. */
START_TEST(test_get_info_counts_and_running)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ed_info info;
    ck_assert_int_eq(ed_get_info(NULL), -EINVAL);
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert(!info.running);

    ed_id d1 = ed_defer(noop_cb, NULL);
    ed_id d2 = ed_defer(noop_cb, NULL);
    ed_id d3 = ed_defer(noop_cb, NULL);
    ed_id dl = ed_delay(10, noop_cb, NULL);
    ed_id rp = ed_repeat(10, noop_cb, NULL);
    ed_id rd = ed_on_readable(p[0], noop_io_cb, NULL);
    ed_id wr = ed_on_writable(p[1], noop_io_cb, NULL);
    ed_id sg = ed_on_signal(SIGUSR1, noop_sig_cb, NULL);
    ed_id ids[] = {d1, d2, d3, dl, rp, rd, wr, sg};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        ck_assert_uint_ne(ids[i], 0);
    ck_assert_int_eq(ed_disable(d3), 0);
    ck_assert_int_eq(ed_unreference(dl), 0);
    ck_assert_int_eq(ed_disable(rp), 0);
    ck_assert_int_eq(ed_unreference(rp), 0); /* disabled: counted in neither */
    ck_assert_int_eq(ed_disable(wr), 0);
    ck_assert_int_eq(ed_unreference(sg), 0);

    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_DEFER], 2);
    ck_assert_uint_eq(info.disabled[ED_WATCHER_DEFER], 1);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_DELAY], 1);
    ck_assert_uint_eq(info.disabled[ED_WATCHER_DELAY], 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_REPEAT], 0);
    ck_assert_uint_eq(info.disabled[ED_WATCHER_REPEAT], 1);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_READABLE], 1);
    ck_assert_uint_eq(info.disabled[ED_WATCHER_READABLE], 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_WRITABLE], 0);
    ck_assert_uint_eq(info.disabled[ED_WATCHER_WRITABLE], 1);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_SIGNAL], 1);
    ck_assert_uint_eq(info.disabled[ED_WATCHER_SIGNAL], 0);
    ck_assert_uint_eq(info.referenced, 3);   /* d1 d2 rd */
    ck_assert_uint_eq(info.unreferenced, 2); /* dl sg */
    ck_assert(!info.running);

    /* Re-referencing and enabling move them between the counts. */
    ck_assert_int_eq(ed_reference(dl), 0);
    ck_assert_int_eq(ed_enable(rp), 0);
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert_uint_eq(info.enabled[ED_WATCHER_REPEAT], 1);
    ck_assert_uint_eq(info.disabled[ED_WATCHER_REPEAT], 0);
    ck_assert_uint_eq(info.referenced, 4);
    ck_assert_uint_eq(info.unreferenced, 2);

    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++)
        ed_cancel(ids[i]);
    ck_assert_int_eq(ed_get_info(&info), 0);
    for (int t = 0; t < ED_WATCHER_TYPES; t++) {
        ck_assert_uint_eq(info.enabled[t], 0);
        ck_assert_uint_eq(info.disabled[t], 0);
    }
    ck_assert_uint_eq(info.referenced + info.unreferenced, 0);

    ck_assert_uint_ne(ed_defer(running_cb, NULL), 0);
    ck_assert_uint_ne(ed_delay(0.001, running_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(running_checks, 2);
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert(!info.running);

    ck_assert_uint_ne(ed_defer(running_cb, NULL), 0);
    ck_assert_int_eq(ed_run_once(false), 0);
    ck_assert_int_eq(running_checks, 3);
    ck_assert_int_eq(ed_get_info(&info), 0);
    ck_assert(!info.running);
    close_pair(p);
    ED_TEST_END();
}
END_TEST

/* ---- ed_watcher_get -------------------------------------------------------- */

static bool ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static void check_watcher(ed_id id, ed_watcher_type type, int fd, double interval, int line)
{
    ed_watcher_info wi;
    memset(&wi, 0x5a, sizeof wi);
    ck_assert_int_eq(ed_watcher_get(id, &wi), 0);
    ck_assert_int_eq(wi.type, type);
    ck_assert(wi.enabled);
    ck_assert(wi.referenced);
    ck_assert_int_eq(wi.fd, fd);
    ck_assert_double_eq(wi.interval, interval);
    ck_assert_int_eq(wi.line, line);
    ck_assert_ptr_ne(wi.file, NULL);
    ck_assert_msg(ends_with(wi.file, "test_state_info.c"), "file is \"%s\"", wi.file);
    if (type != ED_WATCHER_DELAY && type != ED_WATCHER_REPEAT)
        ck_assert_double_eq(wi.deadline, -1);
}

static ed_id probe_delay;
static double probe_created_now;
static double probe_deadline;
static double probe_check_now;

static int probe_read_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    ed_watcher_info wi;
    ck_assert_int_eq(ed_watcher_get(probe_delay, &wi), 0);
    probe_deadline = wi.deadline;
    probe_check_now = ed_now();
    ed_cancel(probe_delay);
    return 0;
}

static int probe_make_cb(ed_id id, void *data)
{
    (void)id;
    (void)data;
    probe_created_now = ed_now();
    probe_delay = ed_delay(5.0, noop_cb, NULL);
    ck_assert_uint_ne(probe_delay, 0);
    /* Fires in the next tick, when the 5 s delay is certainly active. */
    ck_assert_uint_ne(ed_delay(0, probe_read_cb, NULL), 0);
    return 0;
}

/* §1.1, header (ed_watcher_info): type, fd (or signal), interval, creation
 * file and line; enabled/referenced follow disable/unreference; an active
 * delay's deadline is its creation time + delay. */
START_TEST(test_watcher_get_fields)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ed_watcher_info wi;
    double before = ed_now();
    ed_id df = ed_defer(noop_cb, NULL); const int df_line = __LINE__;
    ed_id dl = ed_delay(2.5, noop_cb, NULL); const int dl_line = __LINE__;
    ed_id rp = ed_repeat(0.75, noop_cb, NULL); const int rp_line = __LINE__;
    double after = ed_now();
    ed_id rd = ed_on_readable(p[0], noop_io_cb, NULL); const int rd_line = __LINE__;
    ed_id wr = ed_on_writable(p[1], noop_io_cb, NULL); const int wr_line = __LINE__;
    ed_id sg = ed_on_signal(SIGUSR2, noop_sig_cb, NULL); const int sg_line = __LINE__;
    check_watcher(df, ED_WATCHER_DEFER, -1, 0, df_line);
    check_watcher(dl, ED_WATCHER_DELAY, -1, 2.5, dl_line);
    check_watcher(rp, ED_WATCHER_REPEAT, -1, 0.75, rp_line);
    check_watcher(rd, ED_WATCHER_READABLE, p[0], 0, rd_line);
    check_watcher(wr, ED_WATCHER_WRITABLE, p[1], 0, wr_line);
    check_watcher(sg, ED_WATCHER_SIGNAL, SIGUSR2, 0, sg_line);
    /* Timers know their deadline from creation: creation time + duration. */
    ck_assert_int_eq(ed_watcher_get(dl, &wi), 0);
    ck_assert_double_ge(wi.deadline, before + 2.5 - 1e-9);
    ck_assert_double_le(wi.deadline, after + 2.5 + 1e-9);
    ck_assert_int_eq(ed_watcher_get(rp, &wi), 0);
    ck_assert_double_ge(wi.deadline, before + 0.75 - 1e-9);
    ck_assert_double_le(wi.deadline, after + 0.75 + 1e-9);

    ck_assert_int_eq(ed_disable(rd), 0);
    ck_assert_int_eq(ed_unreference(wr), 0);
    ck_assert_int_eq(ed_watcher_get(rd, &wi), 0);
    ck_assert(!wi.enabled);
    ck_assert(wi.referenced);
    ck_assert_int_eq(ed_watcher_get(wr, &wi), 0);
    ck_assert(wi.enabled);
    ck_assert(!wi.referenced);
    ck_assert_int_eq(ed_disable(dl), 0);
    ck_assert_int_eq(ed_watcher_get(dl, &wi), 0);
    ck_assert(!wi.enabled);
    ck_assert_double_eq(wi.deadline, -1); /* only enabled timers have one */

    ck_assert_int_eq(ed_watcher_get(df, NULL), -EINVAL);
    ck_assert_int_eq(ed_watcher_get(0, &wi), -ENOENT);
    ck_assert_int_eq(ed_watcher_get(sg + 1000, &wi), -ENOENT);
    ed_id all[] = {df, dl, rp, rd, wr, sg};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        ed_cancel(all[i]);
        ck_assert_int_eq(ed_watcher_get(all[i], &wi), -ENOENT);
    }

    /* Deadline of an active delay: created at ed_now() c, read later at n. */
    ck_assert_uint_ne(ed_defer(probe_make_cb, NULL), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_double_ge(probe_deadline, probe_created_now + 5.0 - 1e-9);
    ck_assert_double_le(probe_deadline, probe_check_now + 5.0 + 1e-9);
    close_pair(p);
    ED_TEST_END();
}
END_TEST

/* ---- ed_dump_watchers ------------------------------------------------------- */

/* True if `line_text` holds `num` as a whole number (not inside a longer one). */
static bool has_number(const char *line_text, const char *num)
{
    size_t n = strlen(num);
    for (const char *s = strstr(line_text, num); s; s = strstr(s + 1, num)) {
        bool left = s == line_text || !isdigit((unsigned char)s[-1]);
        bool right = !isdigit((unsigned char)s[n]);
        if (left && right)
            return true;
    }
    return false;
}

/* Finds the dump line naming creation site `line`; checks it shows `id`. */
static void assert_dumped(const char *dump, ed_id id, int line)
{
    char site[64], num[32];
    snprintf(site, sizeof site, "test_state_info.c:%d", line);
    snprintf(num, sizeof num, "%llu", (unsigned long long)id);
    const char *at = strstr(dump, site);
    ck_assert_msg(at != NULL, "dump does not show creation site %s:\n%s", site, dump);
    const char *start = at;
    while (start > dump && start[-1] != '\n')
        start--;
    const char *end = strchr(at, '\n');
    size_t len = end ? (size_t)(end - start) : strlen(start);
    char buf[1024];
    snprintf(buf, sizeof buf, "%.*s", (int)len, start);
    ck_assert_msg(has_number(buf, num), "dump line \"%s\" does not show id %s", buf, num);
}

/* §1.12 (TracingDriver dump), header: ed_dump_watchers writes one line per live
 * watcher with its id and creation site; cancelled watchers are not listed. */
START_TEST(test_dump_watchers_lists_id_and_site)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    ed_id a = ed_defer(noop_cb, NULL); const int a_line = __LINE__;
    ed_id b = ed_delay(3.0, noop_cb, NULL); const int b_line = __LINE__;
    ed_id c = ed_on_readable(p[0], noop_io_cb, NULL); const int c_line = __LINE__;
    ed_id d = ed_repeat(1.0, noop_cb, NULL); const int d_line = __LINE__;
    ed_id gone = ed_defer(noop_cb, NULL); const int gone_line = __LINE__;
    ck_assert_uint_ne(a, 0);
    ck_assert_uint_ne(b, 0);
    ck_assert_uint_ne(c, 0);
    ck_assert_uint_ne(d, 0);
    ck_assert_uint_ne(gone, 0);
    ck_assert_int_eq(ed_disable(d), 0);
    ed_cancel(gone);

    char *buf = dump_to_string(ed_dump_watchers);
    assert_dumped(buf, a, a_line);
    assert_dumped(buf, b, b_line);
    assert_dumped(buf, c, c_line);
    assert_dumped(buf, d, d_line);
    char site[64];
    snprintf(site, sizeof site, "test_state_info.c:%d", gone_line);
    ck_assert_msg(strstr(buf, site) == NULL, "cancelled watcher still dumped:\n%s", buf);
    free(buf);

    ed_cancel(a);
    ed_cancel(b);
    ed_cancel(c);
    ed_cancel(d);
    close_pair(p);
    ED_TEST_END();
}
END_TEST

/* Header (ed_watcher_type_name): every type's name, "?" for others. */
START_TEST(test_watcher_type_name)
{
    ck_assert_str_eq(ed_watcher_type_name(ED_WATCHER_DEFER), "defer");
    ck_assert_str_eq(ed_watcher_type_name(ED_WATCHER_DELAY), "delay");
    ck_assert_str_eq(ed_watcher_type_name(ED_WATCHER_REPEAT), "repeat");
    ck_assert_str_eq(ed_watcher_type_name(ED_WATCHER_READABLE), "readable");
    ck_assert_str_eq(ed_watcher_type_name(ED_WATCHER_WRITABLE), "writable");
    ck_assert_str_eq(ed_watcher_type_name(ED_WATCHER_SIGNAL), "signal");
    ck_assert_str_eq(ed_watcher_type_name((ed_watcher_type)ED_WATCHER_TYPES), "?");
    ck_assert_str_eq(ed_watcher_type_name((ed_watcher_type)-1), "?");
    ED_TEST_END();
}
END_TEST

static Suite *state_info_suite(void)
{
    Suite *s = suite_create("state_info");
    TCase *tc = tcase_create("state_info");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_state_set_get_round_trip);
    tcase_add_test(tc, test_state_null_value_deletes_and_destroys);
    tcase_add_test(tc, test_state_replace_calls_old_destroy);
    tcase_add_test(tc, test_shutdown_destroys_remaining_values);
    tcase_add_test(tc, test_state_null_key_einval);
    tcase_add_test(tc, test_get_info_counts_and_running);
    tcase_add_test(tc, test_watcher_get_fields);
    tcase_add_test(tc, test_dump_watchers_lists_id_and_site);
    tcase_add_test(tc, test_watcher_type_name);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(state_info_suite)
