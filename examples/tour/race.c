/* Act 4: combinators. Three "mirrors" answer the same question: one fails
 * at once, one is slow, one is quick; ed_first takes the first success and
 * the others go on (they are cancelled here, as nobody needs them). Then
 * the slow one alone, under ed_timeout, which gives up first. */
#include "tour.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>

struct mirror {
    const char *name;
    double delay;
    int fails; /* the error it answers with, or 0 */
};

static int ask(void *arg, void **result)
{
    struct mirror *m = arg;
    int rc = ed_sleep(m->delay);
    if (rc < 0)
        return rc;
    if (m->fails)
        return ed_fail(m->fails, "%s is down", m->name);
    *result = (void *)m->name;
    return 0;
}

int act_race(void)
{
    double unit = tour_quick ? 0.05 : 0.5;
    struct mirror mirrors[] = {
        {"mirror-a (down)", 0, -ECONNREFUSED},
        {"mirror-b (slow)", 3 * unit, 0},
        {"mirror-c (quick)", unit, 0},
    };
    ed_future *fs[3];
    for (int i = 0; i < 3; i++) {
        fs[i] = ed_async(ask, &mirrors[i]);
        say("asking %s", mirrors[i].name);
    }
    size_t winner;
    void *answer;
    int rc = ed_first(fs, 3, &winner, &answer);
    if (rc == 0)
        say("ed_first: %s answered first; %s failed (%s), ignored", (const char *)answer,
            mirrors[0].name, ed_future_message(fs[0]));
    for (int i = 0; i < 3; i++) {
        ed_cancel_future(fs[i]); /* the slow one is still at it: stop it */
        ed_future_ignore(fs[i]);
        ed_future_release(fs[i]);
    }
    if (rc < 0)
        return rc;

    ed_future *slow = ed_async(ask, &mirrors[1]);
    rc = ed_timeout(slow, 1.5 * unit, NULL);
    say("ed_timeout(%s, %g s): %s", mirrors[1].name, 1.5 * unit,
        rc == -ETIMEDOUT ? "timed out, as it should" : ed_strerror(rc));
    ed_cancel_future(slow);
    ed_future_ignore(slow);
    ed_future_release(slow);
    return rc == -ETIMEDOUT ? 0 : -EPROTO;
}
