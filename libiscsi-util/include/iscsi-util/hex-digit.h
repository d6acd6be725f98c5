/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The value of one hexadecimal digit, shared by the key/CHAP value parsers and the target's
 * NAA designator. Header-only. */
#pragma once

/* 0..15 for '0'-'9', 'a'-'f', 'A'-'F'; -1 for anything else. */
static inline int util_hex_digit_value(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}
