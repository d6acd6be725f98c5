/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * RFC 1982 serial number arithmetic with SERIAL_BITS = 32, as RFC 7143 §4.2.2.1 requires for
 * CmdSN, StatSN, DataSN, R2TSN, ExpCmdSN/MaxCmdSN.
 *
 * s1 < s2 iff (i1 < i2 and i2 - i1 < 2^31) or (i1 > i2 and i1 - i2 > 2^31). When the distance
 * is exactly 2^31 the comparison is undefined by the RFC: here both sn_lt() and sn_gt() are
 * false (and sn_le()/sn_ge() too, since the numbers differ), so callers never act on it.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define ISCSI_SN_HALF 0x80000000u

static inline bool sn_lt(uint32_t a, uint32_t b) {
        uint32_t d = b - a;
        return d != 0 && d < ISCSI_SN_HALF;
}
static inline bool sn_gt(uint32_t a, uint32_t b) {
        return sn_lt(b, a);
}
static inline bool sn_le(uint32_t a, uint32_t b) {
        return a == b || sn_lt(a, b);
}
static inline bool sn_ge(uint32_t a, uint32_t b) {
        return a == b || sn_gt(a, b);
}
/* Signed distance a - b, meaningful when |distance| < 2^31 (INT32_MIN for the undefined case). */
static inline int32_t sn_diff(uint32_t a, uint32_t b) {
        return (int32_t) (a - b);
}
/* Serial addition: n must be < 2^31 (RFC 1982 §3.1). */
static inline uint32_t sn_add(uint32_t a, uint32_t n) {
        return a + n;
}
/* lo <= sn <= hi in serial order (e.g. ExpCmdSN <= CmdSN <= MaxCmdSN). */
static inline bool sn_in_window(uint32_t sn, uint32_t lo, uint32_t hi) {
        return sn_le(lo, sn) && sn_le(sn, hi);
}
/*
 * RFC 7143 §4.2.2.1: MaxCmdSN = ExpCmdSN - 1 means the window is closed (no new non-immediate
 * commands); a MaxCmdSN < ExpCmdSN - 1 is invalid and must be ignored by the initiator.
 * Returns true if the (expcmdsn, maxcmdsn) pair a target sent is acceptable.
 */
static inline bool sn_window_valid(uint32_t expcmdsn, uint32_t maxcmdsn) {
        return sn_ge(maxcmdsn, expcmdsn - 1);
}
