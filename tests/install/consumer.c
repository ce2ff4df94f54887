/* A program built against an installed eddy, as a user would build it. */
#include <eddy.h>
#include <stdio.h>

static int done(ed_id id, void *data)
{
    (void)id;
    *(int *)data = 1;
    return 0;
}

int main(void)
{
    int ran = 0;
    if (!ed_delay(0.001, done, &ran) || ed_run() != 0 || !ran)
        return 1;
    printf("consumer ok: eddy %s on %s\n", EDDY_VERSION_STRING, ed_driver());
    return ed_shutdown();
}
