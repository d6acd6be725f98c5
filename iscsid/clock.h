/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Time units of the daemon's timers (sd-event counts microseconds) and the monotonic clock. */
#pragma once

#include <stdint.h>
#include <time.h>

#define USEC_PER_SEC 1000000ULL
#define USEC_PER_MSEC 1000ULL

/* CLOCK_MONOTONIC now; unlike sd_event_now() it moves within one dispatch. */
static inline uint64_t clock_now_usec(void) {
        struct timespec ts;
        if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
                return 0;
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}
