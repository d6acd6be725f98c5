/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Time units and the monotonic clock the daemon measures timeouts with. */
#pragma once

#include <stdint.h>

#define USEC_PER_SEC 1000000ULL
#define NSEC_PER_USEC 1000ULL
#define USEC_PER_MSEC 1000ULL

/* CLOCK_MONOTONIC in microseconds. */
uint64_t now_usec(void);
