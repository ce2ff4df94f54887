/* The seed's background loops, rewritten in C: its custom Loop (MyLoop),
 * its ResumableSignalLoop (MySuperLoop), its GenericLoop that says hi
 * every two seconds, and a periodic loop.
 *
 * Sending a message is printing it after a short suspension, standing in
 * for the network. `loops [seconds]` sets the seed's two seconds (the
 * tests run it with 0.01). */
#include <eddy.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

static double unit = 2.0; /* the seed's "every 2 seconds" */
static double t0;

static void say(const char *who, const char *what)
{
    printf("[%7.3fs] %-22s %s\n", ed_now() - t0, who, what);
    fflush(stdout);
}

/* messages->sendMessage: suspends for the round trip, answers an id. */
static int send_message(const char *who, const char *text, intptr_t *id)
{
    static intptr_t next_id = 100;
    int rc = ed_sleep(unit / 20);
    if (rc < 0)
        return rc;
    say(who, text);
    *id = next_id++;
    return 0;
}

/* ---- Loop: MyLoop ----------------------------------------------------------
 *
 * Forever: params = callable(result); result = sendMessage(params). The
 * callable here returns NULL when it has nothing more to say (the seed's
 * loop has no end; ed_loop_stop would end this one between two messages,
 * through ed_loop_stopping). */
static const char *my_callable(intptr_t result)
{
    static char text[64];
    static int n;
    if (++n > 3)
        return NULL;
    snprintf(text, sizeof text, "message %d (the previous one got id %ld)", n, (long)result);
    return text;
}

static int my_loop(ed_loop *loop, void *arg)
{
    (void)arg;
    intptr_t result = 0;
    while (!ed_loop_stopping(loop)) {
        const char *params = my_callable(result);
        if (!params)
            return 0;
        int rc = send_message(ed_loop_name(loop), params, &result);
        if (rc < 0)
            return rc;
    }
    return 0;
}

/* ---- ResumableSignalLoop: MySuperLoop ---------------------------------------
 *
 * Pauses `timeout`, or until resumed or signalled. A signal <= 0 ends the
 * loop, a positive one becomes the new timeout (in milliseconds here: a
 * signal is a pointer-sized integer). After every pause it reports how
 * long it waited. Unlike the PHP original (null <= 0 is true there, so it
 * ends at its first timeout), a timeout or a resume is not a signal. */
static int super_loop(ed_loop *loop, void *arg)
{
    double *timeout = arg;
    for (;;) {
        double t = ed_now();
        void *sig;
        int rc = ed_loop_pause_signal(loop, *timeout, &sig);
        if (rc < 0)
            return rc; /* stopped, or an error signal */
        if (rc == 1) {
            intptr_t v = (intptr_t)sig;
            if (v <= 0)
                return 0;
            *timeout = (double)v / 1000;
        }
        char text[96];
        snprintf(text, sizeof text, "Resumed after %.2f seconds of timeout (%s)", ed_now() - t,
                 rc == 1 ? "a signal" : sig ? "resumed" : "timed out");
        intptr_t id;
        if ((rc = send_message(ed_loop_name(loop), text, &id)) < 0)
            return rc;
    }
}

/* ---- GenericLoop: hi every two seconds ---------------------------------------- */

static double hi_every(ed_loop *loop, void *arg)
{
    int *sent = arg;
    intptr_t id;
    if (send_message(ed_loop_name(loop), "Hi every 2 seconds", &id) < 0)
        return ED_LOOP_STOP;
    if (++*sent == 3)
        ed_loop_stop(loop); /* as main would: the loop ends at its pause */
    return unit;
}

/* ---- A periodic loop ------------------------------------------------------------ */

static bool check_mail(ed_loop *loop, void *arg)
{
    int *checks = arg;
    char text[48];
    snprintf(text, sizeof text, "checking mail, time %d of 3", ++*checks);
    say(ed_loop_name(loop), text);
    return *checks == 3; /* true: done */
}

/* ---- main ----------------------------------------------------------------------- */

static int app(void *arg, void **result)
{
    (void)arg;
    (void)result;
    int rc;

    ed_loop *my = ed_loop_new("my custom loop", my_loop, NULL);
    ed_future *f = ed_loop_start(my);
    rc = ed_await(f, NULL); /* the seed's $MadelineProto->loop($loop->start()) */
    ed_future_release(f);
    ed_loop_free(my);
    if (rc < 0)
        return rc;

    double timeout = unit;
    ed_loop *cron = ed_loop_new("my cron signal loop", super_loop, &timeout);
    f = ed_loop_start(cron);
    ed_sleep(unit * 1.5); /* one timeout goes by */
    ed_loop_resume(cron); /* half-way through the second one */
    ed_sleep(unit / 4);
    ed_loop_signal(cron, (void *)(intptr_t)(unit * 250)); /* a new timeout: a quarter */
    ed_sleep(unit / 10);
    ed_loop_signal(cron, (void *)(intptr_t)0); /* <= 0: it returns */
    rc = ed_await(f, NULL);
    ed_future_release(f);
    ed_loop_free(cron);
    if (rc < 0)
        return rc;

    int sent = 0;
    ed_loop *hi = ed_loop_generic("My super loop", hi_every, &sent);
    f = ed_loop_start(hi);
    rc = ed_await(f, NULL);
    ed_future_release(f);
    ed_loop_free(hi);
    if (rc < 0)
        return rc;

    int checks = 0;
    ed_loop *mail = ed_loop_periodic("mail checker", check_mail, &checks, unit / 4);
    f = ed_loop_start(mail);
    rc = ed_await(f, NULL);
    ed_future_release(f);
    ed_loop_free(mail);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc > 1 && (unit = strtod(argv[1], NULL)) <= 0) {
        fprintf(stderr, "usage: loops [seconds > 0]\n");
        return 2;
    }
    t0 = ed_now();
    int rc = ed_main(app, NULL, NULL);
    if (rc < 0) {
        fprintf(stderr, "loops: %s\n", ed_strerror(rc));
        return 1;
    }
    printf("all loops done\n");
    return ed_shutdown() < 0;
}
