/* The one clock eddy uses: CLOCK_MONOTONIC in nanoseconds. */
#ifndef EDDY_PLATFORM_CLOCK_H
#define EDDY_PLATFORM_CLOCK_H

#include <stdint.h>
#include <time.h>

#define ED__NS_PER_S INT64_C(1000000000)
/* Durations are clamped here (about 146 years) so deadlines never overflow. */
#define ED__MAX_DURATION_NS (INT64_C(1) << 62)

static inline int64_t ed__clock_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * ED__NS_PER_S + ts.tv_nsec;
}

/* Seconds to nanoseconds; -1 for a negative or NaN duration. */
static inline int64_t ed__seconds_to_ns(double seconds)
{
    if (!(seconds >= 0))
        return -1;
    if (seconds >= (double)ED__MAX_DURATION_NS / 1e9)
        return ED__MAX_DURATION_NS;
    return (int64_t)(seconds * 1e9 + 0.5);
}

static inline double ed__ns_to_seconds(int64_t ns)
{
    return (double)ns / 1e9;
}

#endif
