#include "driver/driver.h"

#include <limits.h>
#include <string.h>

extern const struct ed__driver_ops ed__driver_poll;
#ifdef __linux__
extern const struct ed__driver_ops ed__driver_epoll;
#endif

/* In order of preference: the first is the default. */
static const struct ed__driver_ops *const drivers[] = {
#ifdef __linux__
    &ed__driver_epoll,
#endif
    &ed__driver_poll,
};

const struct ed__driver_ops *ed__driver_find(const char *name)
{
    if (!name)
        return drivers[0];
    for (size_t i = 0; i < sizeof drivers / sizeof drivers[0]; i++)
        if (strcmp(drivers[i]->name, name) == 0)
            return drivers[i];
    return NULL;
}

int ed__timeout_ms(int64_t timeout_ns)
{
    if (timeout_ns < 0)
        return -1;
    int64_t ms = (timeout_ns + 999999) / 1000000;
    return ms > INT_MAX ? INT_MAX : (int)ms;
}
