/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The hostile-initiator test cases. Each returns 0 when the target behaved as RFC 7143 says,
 * or a negative errno with hfail_reason set. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef struct HCtx {
        uint16_t port;
        const char *target, *initiator;           /* ACL without CHAP */
        const char *chap_target, *chap_initiator; /* ACL that requires CHAP */
        FILE *peers;            /* "CASE PEER IQN" per incident the daemon should log, or NULL */
        bool quick;             /* shorter "nothing came back" waits (repeat loop) */
} HCtx;

typedef struct HCase {
        const char *name;
        const char *description;
        int (*run)(HCtx *ctx);
        bool in_loop;           /* part of the repeated hostile loop (leak check) */
} HCase;

extern const HCase hostile_cases[];
const HCase *hostile_case_find(const char *name);
