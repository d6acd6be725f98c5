/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* RFC 1982 serial number arithmetic edge cases. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "iscsi-proto/serial.h"

static void test_basic(void **state) {
        assert_true(sn_lt(1, 2));
        assert_false(sn_lt(2, 1));
        assert_false(sn_lt(5, 5));
        assert_true(sn_le(5, 5));
        assert_true(sn_ge(5, 5));
        assert_true(sn_gt(100, 7));
        assert_false(sn_gt(7, 7));
}

static void test_wrap(void **state) {
        /* 0xffffffff + 1 wraps to 0, which is "greater". */
        assert_true(sn_lt(0xffffffffu, 0));
        assert_true(sn_gt(0, 0xffffffffu));
        assert_true(sn_lt(0xfffffff0u, 0x10));
        assert_int_equal(sn_diff(0x10, 0xfffffff0u), 0x20);
        assert_int_equal(sn_diff(0xfffffff0u, 0x10), -0x20);
        assert_int_equal(sn_add(0xffffffffu, 2), 1u);
}

static void test_half_range(void **state) {
        /* Distance 2^31 - 1: still defined. */
        assert_true(sn_lt(0, 0x7fffffffu));
        assert_true(sn_gt(0x7fffffffu, 0));
        /* Distance exactly 2^31: undefined, neither lt nor gt (nor le/ge). */
        assert_false(sn_lt(0, 0x80000000u));
        assert_false(sn_gt(0, 0x80000000u));
        assert_false(sn_lt(0x80000000u, 0));
        assert_false(sn_gt(0x80000000u, 0));
        assert_false(sn_le(0, 0x80000000u));
        assert_false(sn_ge(0, 0x80000000u));
        /* Distance 2^31 + 1: wraps, so the numerically larger one is "less". */
        assert_true(sn_gt(0, 0x80000001u));
        assert_true(sn_lt(0x80000001u, 0));
}

static void test_window(void **state) {
        assert_true(sn_in_window(5, 5, 10));
        assert_true(sn_in_window(10, 5, 10));
        assert_false(sn_in_window(11, 5, 10));
        assert_false(sn_in_window(4, 5, 10));
        /* Across the wrap. */
        assert_true(sn_in_window(0, 0xfffffffeu, 3));
        assert_false(sn_in_window(4, 0xfffffffeu, 3));
        /* MaxCmdSN = ExpCmdSN - 1 is a closed but valid window; less is invalid. */
        assert_true(sn_window_valid(10, 9));
        assert_true(sn_window_valid(10, 30));
        assert_false(sn_window_valid(10, 8));
        assert_true(sn_window_valid(0, 0xffffffffu));
        assert_false(sn_window_valid(0, 0xfffffffeu));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_basic),
                cmocka_unit_test(test_wrap),
                cmocka_unit_test(test_half_range),
                cmocka_unit_test(test_window),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
