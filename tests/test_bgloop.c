/* Background loops (api.md §4, behaviour.md §6 and §8.12): the seed's loop
 * examples rewritten in C, pauses and resumes from everywhere, signals kept
 * for the next wait, stops, failures that name the loop, freeing, and many
 * loops at once. Nothing here waits for time to pass: main parks on its
 * suspension until a loop tells it the step is done, and counts runs. */
#include "support.h"

#include <math.h>

/* ---- helpers ----------------------------------------------------------------- */

/* main parks here until a loop (or a task) says the step it waits for is
 * done. Wake-ups are counted, so one given while main still runs (a body
 * runs inside ed_loop_start until its first suspension) is not lost. */
static ed_suspension *main_s;
static int main_wakes;

static void main_setup(void)
{
    main_s = ed_suspension_get();
    ck_assert_ptr_ne(main_s, NULL);
    main_wakes = 0;
}

static void main_wait(void)
{
    while (main_wakes == 0)
        ck_assert_int_eq(ed_suspend(main_s, NULL), 0);
    main_wakes--;
}

static void main_wake(void)
{
    main_wakes++;
    (void)ed_resume(main_s, NULL); /* -EALREADY: main is not parked in main_wait */
}

/* stderr, captured into a temporary file, to read the loops' log lines. */
static int saved_stderr = -1;
static FILE *captured;

static void capture_stderr(void)
{
    fflush(stderr);
    captured = tmpfile();
    ck_assert_ptr_ne(captured, NULL);
    saved_stderr = dup(2);
    ck_assert_int_ge(saved_stderr, 0);
    ck_assert_int_eq(dup2(fileno(captured), 2), 2);
}

/* What was written to stderr since capture_stderr, as a string to free. */
static char *captured_text(void)
{
    fflush(stderr);
    ck_assert_int_eq(dup2(saved_stderr, 2), 2);
    close(saved_stderr);
    long len = ftell(captured);
    ck_assert_int_ge(len, 0);
    char *text = calloc(1, (size_t)len + 1);
    ck_assert_ptr_ne(text, NULL);
    rewind(captured);
    ck_assert_uint_eq(fread(text, 1, (size_t)len, captured), (size_t)len);
    fclose(captured);
    return text;
}

static int pause_forever(ed_loop *loop, void *arg)
{
    int *rc = arg;
    *rc = ed_loop_pause(loop, -1);
    return *rc < 0 ? *rc : 0;
}

/* ---- Loop: the seed's MyLoop ---------------------------------------------------- */

/* The seed's custom loop: forever, params = callable(result), then result =
 * sendMessage(params). Here the call is a task suspension that answers
 * params * 10, and the loop checks ed_loop_stopping between two calls
 * (the seed's loop has no way to end). */
typedef struct my_loop {
    int calls, sent;
    intptr_t results[16];
} my_loop;

static intptr_t my_callable(my_loop *m, intptr_t result)
{
    if (++m->calls == 5)
        main_wake();
    return result + 1;
}

static int send_message(intptr_t params, intptr_t *result)
{
    int rc = ed_yield(); /* the network round trip */
    if (rc < 0)
        return rc;
    *result = params * 10;
    return 0;
}

static int my_loop_body(ed_loop *loop, void *arg)
{
    my_loop *m = arg;
    intptr_t result = 0;
    while (!ed_loop_stopping(loop)) {
        intptr_t params = my_callable(m, result);
        int rc = send_message(params, &result);
        if (rc < 0)
            return rc;
        CHECK(m->sent < 16);
        m->results[m->sent++] = result;
    }
    return 0;
}

START_TEST(test_seed_custom_loop)
{
    main_setup();
    my_loop m = {0};
    ed_loop *loop = ed_loop_new("my custom loop", my_loop_body, &m);
    ck_assert_ptr_ne(loop, NULL);
    ck_assert_str_eq(ed_loop_name(loop), "my custom loop");
    ck_assert(!ed_loop_running(loop));
    ed_future *f = ed_loop_start(loop);
    ck_assert_ptr_ne(f, NULL);
    ck_assert(ed_loop_running(loop));
    ck_assert_int_eq(m.calls, 1); /* started at once, until its first suspension */
    main_wait();                  /* the fifth call */
    ck_assert_int_eq(ed_loop_stop(loop), 0);
    ck_assert(ed_loop_stopping(loop));
    ck_assert_int_eq(ed_await(f, NULL), 0);
    /* The fifth message was still sent: a stop never cuts an iteration. */
    ck_assert_int_eq(m.calls, 5);
    ck_assert_int_eq(m.sent, 5);
    intptr_t want = 0;
    for (int i = 0; i < 5; i++) {
        want = (want + 1) * 10; /* each call got the previous result */
        ck_assert_int_eq(m.results[i], want);
    }
    ck_assert(!ed_loop_running(loop));
    ck_assert(!ed_loop_stopping(loop));
    ed_future_release(f);
    ed_loop_free(loop);
    ED_TEST_END();
}
END_TEST

/* ---- ResumableSignalLoop: the seed's MySuperLoop ---------------------------------- */

/* Pauses `timeout` or until resumed or signalled; a signal <= 0 ends it, a
 * positive one (here in milliseconds) becomes the new timeout; after every
 * pause it "sends a message" saying how it woke. The seed's PHP version
 * ends at its first timeout (null <= 0 is true in PHP); this one does what
 * the seed says it does. */
typedef struct super_loop {
    double timeout;
    int messages;
    char how[16]; /* 'T' timed out, 'R' resumed, 'S' signalled */
} super_loop;

static int super_loop_body(ed_loop *loop, void *arg)
{
    super_loop *s = arg;
    for (;;) {
        void *sig = NULL;
        int rc = ed_loop_pause_signal(loop, s->timeout, &sig);
        if (rc < 0)
            return rc;
        if (rc == 1) {
            intptr_t v = (intptr_t)sig;
            if (v <= 0)
                return 0;
            s->timeout = (double)v / 1000;
        }
        CHECK(s->messages < 16);
        s->how[s->messages++] = rc == 1 ? 'S' : sig ? 'R' : 'T';
        main_wake();
    }
}

START_TEST(test_seed_resumable_signal_loop)
{
    main_setup();
    super_loop s = {.timeout = 0.001};
    ed_loop *loop = ed_loop_new("my cron signal loop", super_loop_body, &s);
    ck_assert_ptr_ne(loop, NULL);
    ed_future *f = ed_loop_start(loop);
    ck_assert_ptr_ne(f, NULL);

    main_wait(); /* a timeout does not end it */
    ck_assert_int_eq(s.messages, 1);
    ck_assert_int_eq(s.how[0], 'T');

    ck_assert_int_eq(ed_loop_signal(loop, P(1000000)), 0); /* 1000 s from now on */
    main_wait();
    ck_assert_int_eq(s.messages, 2);
    ck_assert_int_eq(s.how[1], 'S');
    ck_assert(s.timeout == 1000.0);

    ed_loop_resume(loop); /* long before the new timeout */
    main_wait();
    ck_assert_int_eq(s.messages, 3);
    ck_assert_int_eq(s.how[2], 'R');

    ck_assert_int_eq(ed_loop_signal(loop, P(0)), 0); /* <= 0: it returns */
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(s.messages, 3);
    ck_assert(!ed_loop_running(loop));
    ed_future_release(f);

    /* Started again, a negative signal ends it too. */
    f = ed_loop_start(loop);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(ed_loop_signal(loop, (void *)(intptr_t)-5), 0);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(s.messages, 3);
    ed_future_release(f);
    ed_loop_free(loop);
    ED_TEST_END();
}
END_TEST

/* ---- GenericLoop: the seed's message every two seconds ------------------------------ */

typedef struct every {
    int sent;
    double interval;
} every;

static double send_every(ed_loop *loop, void *arg)
{
    every *e = arg;
    (void)loop;
    if (++e->sent == 5)
        main_wake();
    return e->interval; /* "Hi every 2 seconds" */
}

START_TEST(test_seed_generic_loop)
{
    main_setup();
    every e = {0, 0.001}; /* two seconds, shortened */
    ed_loop *loop = ed_loop_generic("My super loop", send_every, &e);
    ck_assert_ptr_ne(loop, NULL);
    ed_future *f = ed_loop_start(loop);
    ck_assert_ptr_ne(f, NULL);
    ck_assert_int_eq(e.sent, 1); /* runs first, then pauses */
    main_wait();
    ck_assert_int_eq(e.sent, 5);
    ck_assert_int_eq(ed_loop_stop(loop), 0); /* paused: it ends at once */
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(e.sent, 5);
    ed_future_release(f);
    ed_loop_free(loop);
    ED_TEST_END();
}
END_TEST

/* ---- generic loops: every return code ---------------------------------------------- */

typedef struct script {
    int step;
} script;

static double scripted(ed_loop *loop, void *arg)
{
    script *s = arg;
    (void)loop;
    switch (++s->step) {
    case 1:
    case 2:
        return ED_LOOP_CONTINUE;
    case 3:
        main_wake();
        return ED_LOOP_PAUSE; /* until resumed */
    case 4:
        return 0.001;
    default:
        return ED_LOOP_STOP;
    }
}

START_TEST(test_generic_return_codes)
{
    main_setup();
    script s = {0};
    ed_loop *loop = ed_loop_generic("scripted", scripted, &s);
    ed_future *f = ed_loop_start(loop);
    main_wait();
    ck_assert_int_eq(s.step, 3);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(ed_yield(), 0); /* ticks go by: it stays paused */
    ck_assert_int_eq(s.step, 3);
    ck_assert(ed_loop_running(loop));
    ed_loop_resume(loop);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(s.step, 5);
    ck_assert(!ed_loop_running(loop));
    ed_future_release(f);
    ed_loop_free(loop);
    ED_TEST_END();
}
END_TEST

/* ED_LOOP_CONTINUE runs again only after the other tasks had their turn. */
typedef struct turns {
    int other;
    int seen[10];
    int runs;
    bool done;
} turns;

static double continue_fn(ed_loop *loop, void *arg)
{
    turns *t = arg;
    (void)loop;
    t->seen[t->runs++] = t->other;
    if (t->runs < 10)
        return ED_LOOP_CONTINUE;
    t->done = true;
    return ED_LOOP_STOP;
}

static int other_task(void *arg, void **result)
{
    turns *t = arg;
    (void)result;
    while (!t->done) {
        t->other++;
        if (ed_yield() < 0)
            return -ECANCELED;
    }
    return 0;
}

START_TEST(test_generic_continue_lets_others_run)
{
    turns t = {0};
    ed_future *other = ed_async(other_task, &t);
    ed_loop *loop = ed_loop_generic("continues", continue_fn, &t);
    ed_future *f = ed_loop_start(loop);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(t.runs, 10);
    for (int i = 1; i < 10; i++)
        ck_assert_int_gt(t.seen[i], t.seen[i - 1]);
    ck_assert_int_eq(ed_await(other, NULL), 0);
    ed_future_release(other);
    ed_future_release(f);
    ed_loop_free(loop);
    ED_TEST_END();
}
END_TEST

static double count_and_pause(ed_loop *loop, void *arg)
{
    (void)loop;
    ++*(int *)arg;
    main_wake();
    return ED_LOOP_PAUSE;
}

/* A NULL signal wakes it early, a non-NULL one ends it, an error fails it. */
START_TEST(test_generic_signals)
{
    main_setup();
    int runs_n = 0;
    ed_loop *loop = ed_loop_generic("signalled", count_and_pause, &runs_n);
    ed_future *f = ed_loop_start(loop);
    ck_assert_int_eq(runs_n, 1);
    main_wait(); /* the wake-up of the first run */
    ck_assert_int_eq(ed_loop_signal(loop, NULL), 0);
    main_wait();
    ck_assert_int_eq(runs_n, 2);
    ck_assert_int_eq(ed_loop_signal(loop, P(1)), 0);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(runs_n, 2);
    ed_future_release(f);

    capture_stderr();
    f = ed_loop_start(loop);
    main_wait();
    ck_assert_int_eq(ed_loop_signal_error(loop, -ECONNRESET), 0);
    ck_assert_int_eq(ed_await(f, NULL), -ECONNRESET);
    char *log = captured_text();
    assert_contains(log, "eddy: loop 'signalled' failed");
    free(log);
    ck_assert_int_eq(runs_n, 3);
    ed_future_release(f);
    ed_loop_free(loop);
    ED_TEST_END();
}
END_TEST

static double bad_value(ed_loop *loop, void *arg)
{
    (void)loop;
    return *(double *)arg;
}

START_TEST(test_generic_bad_value_fails)
{
    double values[] = {-3.0, NAN, -0.5};
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        capture_stderr();
        ed_loop *loop = ed_loop_generic("confused", bad_value, &values[i]);
        ed_future *f = ed_loop_start(loop);
        ck_assert(ed_future_done(f));
        ck_assert_int_eq(ed_await(f, NULL), -EINVAL);
        assert_contains(ed_future_message(f), "its function returned");
        char *log = captured_text();
        assert_contains(log, "eddy: loop 'confused' failed: its function returned");
        free(log);
        ed_future_release(f);
        ed_loop_free(loop);
    }
    ED_TEST_END();
}
END_TEST

/* ---- the periodic loop ------------------------------------------------------------ */

static bool until_three(ed_loop *loop, void *arg)
{
    (void)loop;
    return ++*(int *)arg == 3;
}

static bool count_and_wake(ed_loop *loop, void *arg)
{
    (void)loop;
    ++*(int *)arg;
    main_wake();
    return false;
}

START_TEST(test_periodic)
{
    main_setup();
    int n = 0;
    ed_loop *loop = ed_loop_periodic("every tick", until_three, &n, 0.001);
    ck_assert_ptr_ne(loop, NULL);
    ed_future *f = ed_loop_start(loop);
    ck_assert_int_eq(n, 1); /* run first, then wait */
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(n, 3); /* true stopped it */
    ed_future_release(f);
    ed_loop_free(loop);

    /* A long interval, cut short by resumes; a stop ends it at once. */
    n = 0;
    loop = ed_loop_periodic("hourly", count_and_wake, &n, 3600);
    f = ed_loop_start(loop);
    ck_assert_int_eq(n, 1);
    main_wait();
    ed_loop_resume(loop);
    main_wait();
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(ed_loop_signal(loop, NULL), 0); /* wakes it early too */
    main_wait();
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(ed_loop_stop(loop), 0);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(n, 3);
    ed_future_release(f);
    ed_loop_free(loop);

    /* A negative interval: only resumes run it again. */
    n = 0;
    loop = ed_loop_periodic("on demand", count_and_wake, &n, -1);
    f = ed_loop_start(loop);
    main_wait();
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(ed_yield(), 0);
    ck_assert_int_eq(n, 1);
    ed_loop_resume(loop);
    main_wait();
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(ed_loop_signal(loop, P(1)), 0); /* non-NULL: the end */
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ed_future_release(f);
    ed_loop_free(loop);
    ED_TEST_END();
}
END_TEST

/* ---- starting ---------------------------------------------------------------------- */

START_TEST(test_double_start)
{
    unsetenv("EDDY_DEBUG");
    int rc = 99;
    ed_loop *loop = ed_loop_new("twice", pause_forever, &rc);
    capture_stderr();
    ed_future *f = ed_loop_start(loop);
    ck_assert_ptr_ne(f, NULL);
    errno = 0;
    ck_assert_ptr_eq(ed_loop_start(loop), NULL);
    ck_assert_int_eq(errno, EALREADY);
    char *log = captured_text();
    assert_contains(log, "eddy: loop 'twice' could not start: it is already running");
    ck_assert_ptr_eq(strstr(log, "started"), NULL); /* only with EDDY_DEBUG=1 */
    free(log);
    ck_assert(ed_loop_running(loop));

    /* Stopped, it can start again; while stopping, it cannot. */
    ck_assert_int_eq(ed_loop_stop(loop), 0);
    ck_assert(ed_loop_running(loop)); /* until the body has returned */
    capture_stderr();
    ck_assert_ptr_eq(ed_loop_start(loop), NULL);
    log = captured_text();
    assert_contains(log, "eddy: loop 'twice' could not start: it is already running (stopping)");
    free(log);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(rc, -ECANCELED);
    ed_future_release(f);
    f = ed_loop_start(loop);
    ck_assert_ptr_ne(f, NULL);
    ck_assert(ed_loop_running(loop));
    ed_loop_resume(loop);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(rc, 1);
    ck_assert_int_eq(ed_loop_stop(loop), -EALREADY); /* not running */
    ed_future_release(f);
    ed_loop_free(loop);
    ED_TEST_END();
}
END_TEST

static int quick(ed_loop *loop, void *arg)
{
    (void)loop;
    (void)arg;
    return 0;
}

START_TEST(test_debug_lines)
{
    setenv("EDDY_DEBUG", "1", 1);
    capture_stderr();
    ed_loop *loop = ed_loop_new("chatty", quick, NULL);
    ed_future *f = ed_loop_start(loop);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    char *log = captured_text();
    assert_contains(log, "eddy: loop 'chatty' started");
    assert_contains(log, "eddy: loop 'chatty' exited");
    free(log);
    ed_future_release(f);
    ed_loop_free(loop);
    unsetenv("EDDY_DEBUG");
    ED_TEST_END();
}
END_TEST

/* ---- pause and resume ------------------------------------------------------------- */

typedef struct two_pauses {
    int first, second;
    bool resume_first;      /* resume itself before the first pause */
    double second_seconds;
} two_pauses;

static int two_pauses_body(ed_loop *loop, void *arg)
{
    two_pauses *p = arg;
    if (p->resume_first) {
        ed_loop_resume(loop);
        ed_loop_resume(loop); /* remembered once, not twice */
    }
    p->first = ed_loop_pause(loop, -1);
    p->second = ed_loop_pause(loop, p->second_seconds);
    return 0;
}

START_TEST(test_pause_forever_resume_from_main)
{
    two_pauses p = {99, 99, false, 0.001};
    ed_loop *loop = ed_loop_new("sleeper", two_pauses_body, &p);
    ed_future *f = ed_loop_start(loop);
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(ed_yield(), 0);
    ck_assert_int_eq(p.first, 99); /* still paused */
    ed_loop_resume(loop);
    ck_assert_int_eq(p.first, 99); /* resumed through a microtask, not inside the call */
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(p.first, 1);  /* resumed */
    ck_assert_int_eq(p.second, 0); /* its time ran out */
    ed_future_release(f);
    ed_loop_free(loop);
    ED_TEST_END();
}
END_TEST

START_TEST(test_resume_inside_body_before_pause)
{
    two_pauses p = {99, 99, true, 0.001};
    ed_loop *loop = ed_loop_new("early", two_pauses_body, &p);
    ed_future *f = ed_loop_start(loop);
    ck_assert_int_eq(p.first, 1); /* returned at once: no suspension */
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(p.second, 0); /* two resumes made one */
    ed_future_release(f);
    ed_loop_free(loop);
    ED_TEST_END();
}
END_TEST

/* Two resumes before the paused loop runs again are one wake-up. */
START_TEST(test_resumes_while_waking_count_once)
{
    two_pauses p = {99, 99, false, 0.001};
    ed_loop *loop = ed_loop_new("collapsed", two_pauses_body, &p);
    ed_future *f = ed_loop_start(loop);
    ed_loop_resume(loop);
    ed_loop_resume(loop);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(p.first, 1);
    ck_assert_int_eq(p.second, 0);
    ed_future_release(f);
    ed_loop_free(loop);
    ED_TEST_END();
}
END_TEST

/* §8.12: a resume while the loop works (not paused) is not lost. */
static int works_between_pauses(ed_loop *loop, void *arg)
{
    two_pauses *p = arg;
    p->first = ed_loop_pause(loop, -1);
    main_wake();
    if (ed_yield() < 0) /* working: main resumes it now */
        return -ECANCELED;
    p->second = ed_loop_pause(loop, -1);
    return 0;
}

START_TEST(test_resume_while_working_is_kept)
{
    main_setup();
    two_pauses p = {99, 99, false, 0};
    ed_loop *loop = ed_loop_new("busy", works_between_pauses, &p);
    ed_future *f = ed_loop_start(loop);
    ed_loop_resume(loop);
    main_wait();
    ed_loop_resume(loop); /* not paused: kept */
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(p.first, 1);
    ck_assert_int_eq(p.second, 1);
    ed_future_release(f);
    ed_loop_free(loop);
    ED_TEST_END();
}
END_TEST

static int resume_cb(ed_id id, void *data)
{
    (void)id;
    ed_loop_resume(data);
    return 0;
}

static int resume_task(void *arg, void **result)
{
    (void)result;
    ed_loop_resume(arg);
    return 0;
}

START_TEST(test_resume_from_callback_and_task)
{
    two_pauses p = {99, 99, false, -1};
    ed_loop *loop = ed_loop_new("woken", two_pauses_body, &p);
    ed_future *f = ed_loop_start(loop);
    ck_assert_uint_ne(ed_delay(0.001, resume_cb, loop), 0); /* a raw callback */
    while (p.first == 99)
        ck_assert_int_eq(ed_yield(), 0);
    ck_assert_int_eq(p.first, 1);
    ck_assert_int_eq(ed_go(resume_task, loop), 0); /* another task */
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(p.second, 1);
    ed_future_release(f);
    ed_loop_free(loop);
    ED_TEST_END();
}
END_TEST

/* ---- signals ------------------------------------------------------------------------ */

typedef struct signals {
    ed_future *never; /* settles only at the end */
    int pause_rc, wait_rc, both_rc;
    void *wait_value, *both_value;
} signals;

static int signals_body(ed_loop *loop, void *arg)
{
    signals *s = arg;
    s->pause_rc = ed_loop_pause(loop, -1); /* signals do not end a pause */
    s->wait_rc = ed_loop_wait_signal(loop, s->never, &s->wait_value);
    main_wake();
    s->both_rc = ed_loop_pause_signal(loop, -1, &s->both_value);
    return 0;
}

START_TEST(test_signal_while_paused_is_kept)
{
    main_setup();
    ed_deferred *d = ed_deferred_new();
    signals s = {.never = ed_deferred_future(d), .pause_rc = 99};
    ed_loop *loop = ed_loop_new("listener", signals_body, &s);
    ed_future *f = ed_loop_start(loop);
    ck_assert_int_eq(ed_loop_signal(loop, P(7)), 0);
    ck_assert_int_eq(ed_loop_signal(loop, P(8)), 0); /* the latest wins */
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(ed_yield(), 0);
    ck_assert_int_eq(s.pause_rc, 99); /* still paused */
    ed_loop_resume(loop);
    main_wait();
    ck_assert_int_eq(s.pause_rc, 1);
    ck_assert_int_eq(s.wait_rc, 1); /* the kept signal, at once */
    ck_assert_int_eq(N(s.wait_value), 8);
    ck_assert_int_eq(ed_loop_signal(loop, P(9)), 0); /* ends the pause_signal */
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(s.both_rc, 1);
    ck_assert_int_eq(N(s.both_value), 9);
    ck_assert(!ed_future_done(s.never));
    ed_future_release(s.never);
    ed_deferred_free(d);
    ed_future_release(f);
    ed_loop_free(loop);
    ED_TEST_END();
}
END_TEST

typedef struct waits {
    ed_future *input;
    int rc;
    void *value;
} waits;

static int wait_once(ed_loop *loop, void *arg)
{
    waits *w = arg;
    w->rc = ed_loop_wait_signal(loop, w->input, &w->value);
    return 0;
}

static int answer_later(void *arg, void **result)
{
    if (ed_yield() < 0)
        return -ECANCELED;
    int code = N(arg);
    if (code < 0)
        return ed_fail(code, "no answer");
    *result = P(42);
    return 0;
}

START_TEST(test_wait_signal_future_first)
{
    handler_install();
    /* The future settles first: its value, or its error (observed). */
    waits w = {ed_async(answer_later, P(0)), 99, NULL};
    ed_loop *loop = ed_loop_new("waiter", wait_once, &w);
    ed_future *f = ed_loop_start(loop);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(w.rc, 0);
    ck_assert_int_eq(N(w.value), 42);
    ed_future_release(w.input);
    ed_future_release(f);

    w = (waits){ed_async(answer_later, P(-EPROTO)), 99, NULL};
    f = ed_loop_start(loop);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(w.rc, -EPROTO);
    ed_future_release(w.input); /* its error was observed: no report */
    ed_future_release(f);

    /* The signal comes first: the future goes on, unobserved. */
    w = (waits){ed_async(answer_later, P(0)), 99, NULL};
    f = ed_loop_start(loop);
    ck_assert_int_eq(ed_loop_signal(loop, P(5)), 0);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(w.rc, 1);
    ck_assert_int_eq(N(w.value), 5);
    ck_assert_int_eq(ed_await(w.input, NULL), 0);
    ed_future_release(w.input);
    ed_future_release(f);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(h_calls, 0);
    ed_loop_free(loop);
    ED_TEST_END();
}
END_TEST

static int pause_signal_once(ed_loop *loop, void *arg)
{
    int rc = ed_loop_pause_signal(loop, -1, NULL);
    *(int *)arg = rc;
    return rc < 0 ? rc : 0;
}

START_TEST(test_error_signal)
{
    int rc = 99;
    ed_loop *loop = ed_loop_new("errs", pause_signal_once, &rc);
    ck_assert_int_eq(ed_loop_signal_error(loop, 0), -EINVAL);
    ck_assert_int_eq(ed_loop_signal_error(loop, 5), -EINVAL);
    ck_assert_int_eq(ed_loop_signal_error(NULL, -EIO), -EINVAL);
    capture_stderr();
    ed_future *f = ed_loop_start(loop);
    ck_assert_int_eq(ed_loop_signal_error(loop, -EIO), 0);
    ck_assert_int_eq(ed_await(f, NULL), -EIO);
    char *log = captured_text();
    assert_contains(log, "eddy: loop 'errs' failed: ");
    assert_contains(log, "(-5)");
    free(log);
    ck_assert_int_eq(rc, -EIO);
    ed_future_release(f);

    /* Kept while not waiting, like any signal. */
    ck_assert_int_eq(ed_loop_signal_error(loop, -EPIPE), 0);
    capture_stderr();
    f = ed_loop_start(loop);
    ck_assert(ed_future_done(f));
    ck_assert_int_eq(ed_await(f, NULL), -EPIPE);
    free(captured_text());
    ed_future_release(f);
    ed_loop_free(loop);
    ED_TEST_END();
}
END_TEST

/* The seed's own idiom, waitSignal(pause(t)), with the pause in a helper
 * task: a newer pause ends an older, orphaned one. */
static int pause_helper(void *arg, void **result)
{
    int rc = ed_loop_pause(arg, -1);
    *result = P(rc);
    return rc < 0 ? rc : 0;
}

typedef struct idiom {
    int rc[3];
    void *value[3];
    int orphan;
} idiom;

static int idiom_body(ed_loop *loop, void *arg)
{
    idiom *s = arg;
    ed_future *p[3];
    for (int i = 0; i < 3; i++) {
        p[i] = ed_async(pause_helper, loop);
        s->rc[i] = ed_loop_wait_signal(loop, p[i], &s->value[i]);
        main_wake();
    }
    s->orphan = ed_await(p[1], NULL);
    for (int i = 0; i < 3; i++)
        ed_future_release(p[i]);
    return 0;
}

START_TEST(test_seed_idiom_with_helper_task)
{
    main_setup();
    idiom s = {{99, 99, 99}, {NULL, NULL, NULL}, 99};
    ed_loop *loop = ed_loop_new("idiom", idiom_body, &s);
    ed_future *f = ed_loop_start(loop);
    ed_loop_resume(loop); /* ends the first helper's pause */
    main_wait();
    ck_assert_int_eq(s.rc[0], 0);
    ck_assert_int_eq(N(s.value[0]), 1);
    ck_assert_int_eq(ed_loop_signal(loop, P(5)), 0);
    main_wait();
    ck_assert_int_eq(s.rc[1], 1);
    ck_assert_int_eq(N(s.value[1]), 5);
    ed_loop_resume(loop); /* the third helper's */
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(s.rc[2], 0);
    ck_assert_int_eq(s.orphan, -ECANCELED); /* the second, ended by the third */
    ed_future_release(f);
    ed_loop_free(loop);
    ED_TEST_END();
}
END_TEST

/* ---- failures ----------------------------------------------------------------------- */

static int failing(ed_loop *loop, void *arg)
{
    (void)loop;
    if (arg && ed_yield() < 0)
        return -ECANCELED;
    return ed_fail(-EIO, "disk %s gone", "sda");
}

START_TEST(test_body_failure_names_the_loop)
{
    handler_install();
    capture_stderr();
    /* Released unobserved: the report names the loop, as the log does. */
    ed_loop *loop = ed_loop_new("failing loop", failing, P(1));
    ed_future *f = ed_loop_start(loop);
    ed_future_release(f);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(h_calls, 1);
    ck_assert_int_eq(h_err[0], -EIO);
    assert_contains(h_msg[0], "task 'failing loop'");
    assert_contains(h_msg[0], "disk sda gone");
    assert_contains(h_msg[0], "released without its error being observed");
    char *log = captured_text();
    assert_contains(log, "eddy: loop 'failing loop' failed: disk sda gone (-5)");
    free(log);

    /* Awaited: the owner has the error, nothing reaches the error path. */
    capture_stderr();
    f = ed_loop_start(loop);
    ck_assert_int_eq(ed_await(f, NULL), -EIO);
    assert_contains(ed_future_message(f), "disk sda gone");
    ed_future_release(f);
    free(captured_text());
    ck_assert_int_eq(h_calls, 1);
    ed_loop_free(loop);
    ED_TEST_END();
}
END_TEST

/* Without a handler, an unobserved failure ends ed_run() with the error. */
START_TEST(test_body_failure_without_handler)
{
    capture_stderr();
    ed_loop *loop = ed_loop_new("loud", failing, P(1));
    ed_future *f = ed_loop_start(loop);
    ed_future_release(f);
    ck_assert_int_eq(ed_run(), -EIO);
    assert_contains(ed_error_message(), "task 'loud'");
    free(captured_text());
    ed_loop_free(loop);
    ED_TEST_END();
}
END_TEST

/* ---- stopping and freeing -------------------------------------------------------------- */

START_TEST(test_free_while_paused)
{
    handler_install();
    int rc = 99;
    ed_loop *loop = ed_loop_new("doomed", pause_forever, &rc);
    ed_future *f = ed_loop_start(loop);
    ed_loop_free(loop);
    ck_assert_int_eq(ed_await(f, NULL), -ECANCELED);
    ck_assert_int_eq(rc, -ECANCELED);
    ed_future_release(f);

    /* Released unawaited, the cancellation is not reported. */
    loop = ed_loop_new("doomed too", pause_forever, &rc);
    f = ed_loop_start(loop);
    ed_future_release(f);
    ed_loop_free(loop);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(h_calls, 0);
    ED_TEST_END();
}
END_TEST

static int frees_itself(ed_loop *loop, void *arg)
{
    int *rc = arg;
    ed_loop_free(loop);
    ck_assert_str_eq(ed_loop_name(loop), "self"); /* still valid until the body returns */
    *rc = ed_loop_pause(loop, -1);
    return 0;
}

START_TEST(test_free_from_inside)
{
    int rc = 99;
    ed_loop *loop = ed_loop_new("self", frees_itself, &rc);
    ed_future *f = ed_loop_start(loop);
    ck_assert(ed_future_done(f));
    ck_assert_int_eq(rc, -ECANCELED);
    ck_assert_int_eq(ed_await(f, NULL), -ECANCELED);
    ed_future_release(f);
    ED_TEST_END();
}
END_TEST

typedef struct stopper {
    int iterations;
    int pause_rc;
} stopper;

/* Works, then pauses, forever; says each pause's result. */
static int works_and_pauses(ed_loop *loop, void *arg)
{
    stopper *s = arg;
    for (;;) {
        s->iterations++;
        main_wake();
        if (ed_yield() < 0) /* work that a stop does not cut */
            return -ECANCELED;
        s->iterations++;
        s->pause_rc = ed_loop_pause(loop, -1);
        if (s->pause_rc < 0)
            return s->pause_rc; /* a stop's -ECANCELED: a clean end */
    }
}

START_TEST(test_stop_after_current_iteration)
{
    main_setup();
    stopper s = {0, 99};
    ed_loop *loop = ed_loop_new("worker", works_and_pauses, &s);
    ck_assert_int_eq(ed_loop_stop(loop), -EALREADY);
    ck_assert_int_eq(ed_loop_stop(NULL), -EINVAL);
    ed_future *f = ed_loop_start(loop);
    main_wait(); /* in the middle of its work */
    ck_assert_int_eq(s.iterations, 1);
    ck_assert_int_eq(ed_loop_stop(loop), 0);
    ck_assert_int_eq(ed_loop_stop(loop), 0); /* twice is harmless */
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(s.iterations, 2); /* the work was finished */
    ck_assert_int_eq(s.pause_rc, -ECANCELED);
    ed_future_release(f);

    /* Paused: the stop ends it at once. */
    s = (stopper){0, 99};
    f = ed_loop_start(loop);
    ck_assert_ptr_ne(f, NULL);
    while (s.pause_rc == 99 && s.iterations < 2)
        ck_assert_int_eq(ed_yield(), 0);
    ck_assert_int_eq(ed_loop_stop(loop), 0);
    ck_assert_int_eq(ed_await(f, NULL), 0);
    ck_assert_int_eq(s.iterations, 2);
    ck_assert_int_eq(s.pause_rc, -ECANCELED);
    ed_future_release(f);
    ed_loop_free(loop);
    ED_TEST_END();
}
END_TEST

/* The event loop freed under running loops: no leak, and the loops can
 * still be freed (LeakSanitizer checks this test's exit). */
START_TEST(test_shutdown_with_running_loops)
{
    int rc1 = 99, rc2 = 99;
    ed_loop *paused = ed_loop_new("paused at shutdown", pause_forever, &rc1);
    ed_loop *listening = ed_loop_new("listening at shutdown", pause_signal_once, &rc2);
    ed_loop *freed = ed_loop_new("freed at shutdown", pause_forever, &rc1);
    ed_future *f1 = ed_loop_start(paused);
    ed_future *f2 = ed_loop_start(listening);
    ed_future_release(ed_loop_start(freed));
    ed_loop_free(freed); /* its body never gets to unwind */
    ED_TEST_END();
    ck_assert(!ed_loop_running(paused));
    ck_assert(ed_future_done(f1));
    ed_future_release(f1);
    ed_future_release(f2);
    ed_loop_free(paused);
    ed_loop_free(listening);
}
END_TEST

/* ---- many at once ----------------------------------------------------------------------- */

#define MANY ED_TEST_TASKS(10000)

static int resumed_n, elapsed_n;

static int pause_twice(ed_loop *loop, void *arg)
{
    (void)arg;
    if (ed_loop_pause(loop, -1) == 1)
        resumed_n++;
    if (ed_loop_pause(loop, 0) == 0)
        elapsed_n++;
    return 0;
}

START_TEST(test_many_loops_pause_and_resume)
{
    ed_loop **loops = calloc(MANY, sizeof *loops);
    ed_future **fs = calloc(MANY, sizeof *fs);
    ck_assert(loops && fs);
    for (int i = 0; i < MANY; i++) {
        char name[32];
        snprintf(name, sizeof name, "loop %d", i);
        loops[i] = ed_loop_new(name, pause_twice, NULL);
        CHECK(loops[i] != NULL);
        fs[i] = ed_loop_start(loops[i]);
        CHECK(fs[i] != NULL);
    }
    for (int i = 0; i < MANY; i++)
        CHECK(ed_loop_running(loops[i]));
    ck_assert_int_eq(resumed_n, 0);
    for (int i = 0; i < MANY; i++)
        ed_loop_resume(loops[i]);
    ck_assert_int_eq(ed_all(fs, MANY, NULL), 0);
    ck_assert_int_eq(resumed_n, MANY);
    ck_assert_int_eq(elapsed_n, MANY);
    for (int i = 0; i < MANY; i++) {
        CHECK(!ed_loop_running(loops[i]));
        ed_future_release(fs[i]);
        ed_loop_free(loops[i]);
    }
    free(loops);
    free(fs);
    ED_TEST_END();
}
END_TEST

/* ---- bad input and where waits are refused ---------------------------------------------- */

typedef struct from_cb {
    ed_loop *loop;
    ed_future *f;
    int pause_rc, wait_rc, both_rc;
} from_cb;

static int waits_in_callback(ed_id id, void *data)
{
    from_cb *c = data;
    (void)id;
    c->pause_rc = ed_loop_pause(c->loop, 1);
    c->wait_rc = ed_loop_wait_signal(c->loop, c->f, NULL);
    c->both_rc = ed_loop_pause_signal(c->loop, 1, NULL);
    return 0;
}

START_TEST(test_bad_input)
{
    errno = 0;
    ck_assert_ptr_eq(ed_loop_new(NULL, quick, NULL), NULL);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_eq(ed_loop_new("x", NULL, NULL), NULL);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_eq(ed_loop_generic("x", NULL, NULL), NULL);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_eq(ed_loop_generic(NULL, bad_value, NULL), NULL);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_eq(ed_loop_periodic("x", until_three, NULL, NAN), NULL);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_eq(ed_loop_periodic("x", NULL, NULL, 1), NULL);
    ck_assert_int_eq(errno, EINVAL);
    errno = 0;
    ck_assert_ptr_eq(ed_loop_start(NULL), NULL);
    ck_assert_int_eq(errno, EINVAL);
    ck_assert(!ed_loop_running(NULL));
    ck_assert(!ed_loop_stopping(NULL));
    ck_assert_ptr_eq(ed_loop_name(NULL), NULL);
    ck_assert_int_eq(ed_loop_pause(NULL, 1), -EINVAL);
    ck_assert_int_eq(ed_loop_pause_signal(NULL, 1, NULL), -EINVAL);
    ed_deferred *d = ed_deferred_new();
    ed_future *never = ed_deferred_future(d);
    ck_assert_int_eq(ed_loop_wait_signal(NULL, never, NULL), -EINVAL);
    ck_assert_int_eq(ed_loop_signal(NULL, P(1)), -EINVAL);
    ed_loop_resume(NULL);
    ed_loop_free(NULL);

    ed_loop *loop = ed_loop_new("x", quick, NULL);
    ck_assert_int_eq(ed_loop_pause(loop, NAN), -EINVAL);
    ck_assert_int_eq(ed_loop_pause_signal(loop, NAN, NULL), -EINVAL);
    ck_assert_int_eq(ed_loop_wait_signal(loop, NULL, NULL), -EINVAL);

    /* A raw callback cannot wait. */
    from_cb c = {loop, never, 99, 99, 99};
    ck_assert_uint_ne(ed_defer(waits_in_callback, &c), 0);
    ck_assert_int_eq(ed_run(), 0);
    ck_assert_int_eq(c.pause_rc, -EPERM);
    ck_assert_int_eq(c.wait_rc, -EPERM);
    ck_assert_int_eq(c.both_rc, -EPERM);

    /* main may pause on a loop: a timer resumes it; nothing left to
     * resume it is a deadlock, not a hang. */
    ck_assert_uint_ne(ed_delay(0.001, resume_cb, loop), 0);
    ck_assert_int_eq(ed_loop_pause(loop, -1), 1);
    ck_assert_int_eq(ed_loop_pause(loop, 0.001), 0);
    ck_assert_int_eq(ed_loop_pause(loop, -1), -EDEADLK);
    ed_loop_free(loop);
    ed_future_release(never);
    ed_deferred_free(d);
    ED_TEST_END();
}
END_TEST

/* ---- suite ----------------------------------------------------------------------------- */

static Suite *bgloop_suite(void)
{
    Suite *s = suite_create("bgloop");
    TCase *tc = tcase_create("bgloop");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_seed_custom_loop);
    tcase_add_test(tc, test_seed_resumable_signal_loop);
    tcase_add_test(tc, test_seed_generic_loop);
    tcase_add_test(tc, test_generic_return_codes);
    tcase_add_test(tc, test_generic_continue_lets_others_run);
    tcase_add_test(tc, test_generic_signals);
    tcase_add_test(tc, test_generic_bad_value_fails);
    tcase_add_test(tc, test_periodic);
    tcase_add_test(tc, test_double_start);
    tcase_add_test(tc, test_debug_lines);
    tcase_add_test(tc, test_pause_forever_resume_from_main);
    tcase_add_test(tc, test_resume_inside_body_before_pause);
    tcase_add_test(tc, test_resumes_while_waking_count_once);
    tcase_add_test(tc, test_resume_while_working_is_kept);
    tcase_add_test(tc, test_resume_from_callback_and_task);
    tcase_add_test(tc, test_signal_while_paused_is_kept);
    tcase_add_test(tc, test_wait_signal_future_first);
    tcase_add_test(tc, test_error_signal);
    tcase_add_test(tc, test_seed_idiom_with_helper_task);
    tcase_add_test(tc, test_body_failure_names_the_loop);
    tcase_add_test(tc, test_body_failure_without_handler);
    tcase_add_test(tc, test_free_while_paused);
    tcase_add_test(tc, test_free_from_inside);
    tcase_add_test(tc, test_stop_after_current_iteration);
    tcase_add_test(tc, test_shutdown_with_running_loops);
    tcase_add_test(tc, test_many_loops_pause_and_resume);
    tcase_add_test(tc, test_bad_input);
    suite_add_tcase(s, tc);
    return s;
}

ED_TEST_MAIN(bgloop_suite)
