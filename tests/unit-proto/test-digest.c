/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* CRC32C against RFC 3720 appendix B.4 and the digest byte order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "iscsi-proto/digest.h"

/* Expected digests exactly as the RFC lists the transmitted bytes. */
static void check_vector(const uint8_t *buf, size_t len, const uint8_t expect[4]) {
        uint8_t out[4];

        iscsi_digest_put(out, iscsi_crc32c(buf, len));
        assert_memory_equal(out, expect, 4);
}

static void test_zeros(void **state) {
        uint8_t b[32] = {};
        check_vector(b, sizeof(b), (const uint8_t[]) { 0xaa, 0x36, 0x91, 0x8a });
        assert_int_equal(iscsi_crc32c(b, sizeof(b)), 0x8a9136aau);
}

static void test_ones(void **state) {
        uint8_t b[32];
        memset(b, 0xff, sizeof(b));
        check_vector(b, sizeof(b), (const uint8_t[]) { 0x43, 0xab, 0xa8, 0x62 });
}

static void test_incrementing(void **state) {
        uint8_t b[32];
        for (unsigned i = 0; i < sizeof(b); i++)
                b[i] = (uint8_t) i;
        check_vector(b, sizeof(b), (const uint8_t[]) { 0x4e, 0x79, 0xdd, 0x46 });
}

static void test_decrementing(void **state) {
        uint8_t b[32];
        for (unsigned i = 0; i < sizeof(b); i++)
                b[i] = (uint8_t) (31 - i);
        check_vector(b, sizeof(b), (const uint8_t[]) { 0x5c, 0xdb, 0x3f, 0x11 });
}

static const uint8_t scsi_read_pdu[48] = {
        0x01, 0xc0, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x14, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x14, 0x00, 0x00, 0x00, 0x18,
        0x28, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
};

static void test_scsi_read(void **state) {
        check_vector(scsi_read_pdu, sizeof(scsi_read_pdu), (const uint8_t[]) { 0x56, 0x3a, 0x96, 0xd9 });
}

/* Feeding the data in pieces must give the same CRC as one call (ISA-L seed chaining). */
static void test_incremental(void **state) {
        for (size_t split = 0; split <= sizeof(scsi_read_pdu); split++) {
                uint32_t s = ISCSI_CRC32C_INIT;

                s = iscsi_crc32c_update(s, scsi_read_pdu, split);
                s = iscsi_crc32c_update(s, scsi_read_pdu + split, sizeof(scsi_read_pdu) - split);
                assert_int_equal(iscsi_crc32c_final(s), 0xd9963a56u);
        }
}

static void test_byte_order(void **state) {
        uint8_t b[4];

        iscsi_digest_put(b, 0x11223344u);
        assert_int_equal(b[0], 0x44);
        assert_int_equal(b[3], 0x11);
        assert_int_equal(iscsi_digest_get(b), 0x11223344u);
}

/* A well-known check value: CRC32C("123456789") = 0xe3069283. */
static void test_check_value(void **state) {
        assert_int_equal(iscsi_crc32c("123456789", 9), 0xe3069283u);
        assert_int_equal(iscsi_crc32c("", 0), 0u);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_zeros),
                cmocka_unit_test(test_ones),
                cmocka_unit_test(test_incrementing),
                cmocka_unit_test(test_decrementing),
                cmocka_unit_test(test_scsi_read),
                cmocka_unit_test(test_incremental),
                cmocka_unit_test(test_byte_order),
                cmocka_unit_test(test_check_value),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
