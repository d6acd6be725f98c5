/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Whole PDUs: lengths, padding, digests, AHS, assembly into buffers and iovecs, bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "iscsi-proto/digest.h"
#include "iscsi-proto/pdu.h"

static void test_total_length(void **state) {
        struct iscsi_bhs h = { .opcode = ISCSI_OP_DATA_IN };

        assert_int_equal(iscsi_pdu_total_length(&h, 0), 48);
        /* Data digest only exists with data; the header digest always. */
        assert_int_equal(iscsi_pdu_total_length(&h, ISCSI_DIGEST_DATA), 48);
        assert_int_equal(iscsi_pdu_total_length(&h, ISCSI_DIGEST_HEADER | ISCSI_DIGEST_DATA), 52);
        h.dlength = 1;
        assert_int_equal(iscsi_pdu_total_length(&h, 0), 52);
        assert_int_equal(iscsi_pdu_total_length(&h, ISCSI_DIGEST_HEADER | ISCSI_DIGEST_DATA), 60);
        h.dlength = 8;
        h.totalahslen = 2;
        assert_int_equal(iscsi_pdu_total_length(&h, ISCSI_DIGEST_HEADER), 48 + 8 + 4 + 8);
        h.dlength = ISCSI_MAX_DLENGTH;
        h.totalahslen = 255;
        assert_int_equal(iscsi_pdu_total_length(&h, 3), 48 + 1020 + 4 + 0x1000000 + 4);

        assert_int_equal(iscsi_pad_len(0), 0);
        assert_int_equal(iscsi_pad_len(1), 3);
        assert_int_equal(iscsi_pad_len(3), 1);
        assert_int_equal(iscsi_pad_len(4), 0);
}

static void test_build_parse_no_digest(void **state) {
        const char text[] = "SendTargets=All"; /* send 15 bytes (no NUL) to force 1 byte of padding */
        struct iscsi_bhs h = {
                .opcode = ISCSI_OP_TEXT_REQ, .immediate = true, .final = true, .dlength = 15,
                .itt = 1, .ttt = ISCSI_RESERVED_TAG, .cmdsn = 1, .expstatsn = 1,
        };
        uint8_t buf[128];
        struct iscsi_pdu_view v;
        size_t total;
        ssize_t n;

        memset(buf, 0xee, sizeof(buf));
        n = iscsi_pdu_build(&h, NULL, 0, text, 0, buf, sizeof(buf));
        assert_int_equal(n, 48 + 16);
        assert_int_equal(buf[5], 0);
        assert_int_equal(buf[7], 15);
        assert_memory_equal(buf + 48, text, 15);
        assert_int_equal(buf[63], 0); /* padding is zero, not 0xee */
        assert_int_equal(buf[64], 0xee); /* nothing written past the PDU */

        assert_int_equal(iscsi_pdu_peek_length(buf, 48, 0, &total), 0);
        assert_int_equal(total, 64);
        assert_int_equal(iscsi_pdu_parse(buf, (size_t) n, 0, 8192, &v), 0);
        assert_int_equal(v.total_len, 64);
        assert_int_equal(v.data_len, 15);
        assert_ptr_equal(v.data, buf + 48);
        assert_null(v.ahs);
        assert_int_equal(v.bhs.ttt, ISCSI_RESERVED_TAG);
}

static void test_digests(void **state) {
        uint8_t data[10] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
        struct iscsi_bhs h = { .opcode = ISCSI_OP_DATA_OUT, .final = true, .dlength = sizeof(data), .itt = 9 };
        uint8_t buf[128], padded[12] = {};
        struct iscsi_pdu_view v;
        ssize_t n;

        n = iscsi_pdu_build(&h, NULL, 0, data, ISCSI_DIGEST_HEADER | ISCSI_DIGEST_DATA, buf, sizeof(buf));
        assert_int_equal(n, 48 + 4 + 12 + 4);
        /* Header digest covers the BHS; data digest covers data plus padding. */
        assert_int_equal(iscsi_digest_get(buf + 48), iscsi_crc32c(buf, 48));
        memcpy(padded, data, sizeof(data));
        assert_int_equal(iscsi_digest_get(buf + 64), iscsi_crc32c(padded, sizeof(padded)));
        assert_int_equal(iscsi_pdu_parse(buf, (size_t) n, ISCSI_DIGEST_HEADER | ISCSI_DIGEST_DATA, 0, &v), 0);
        assert_memory_equal(v.data, data, sizeof(data));

        /* Corrupt a header byte: -EPROTO; a data byte: -EILSEQ; a pad byte: -EILSEQ too. */
        buf[20] ^= 1;
        assert_int_equal(iscsi_pdu_parse(buf, (size_t) n, ISCSI_DIGEST_HEADER | ISCSI_DIGEST_DATA, 0, &v), -EPROTO);
        buf[20] ^= 1;
        /* A corrupted opcode is a digest error first, not an unknown opcode. */
        buf[0] ^= 0x02; /* Data-Out 0x05 -> unassigned 0x07 */
        assert_int_equal(iscsi_pdu_parse(buf, (size_t) n, ISCSI_DIGEST_HEADER | ISCSI_DIGEST_DATA, 0, &v), -EPROTO);
        assert_int_equal(iscsi_pdu_parse(buf, (size_t) n, 0, 0, &v), -EOPNOTSUPP);
        buf[0] ^= 0x02; /* Data-Out 0x05 -> unassigned 0x07 */
        buf[52] ^= 0x80;
        assert_int_equal(iscsi_pdu_parse(buf, (size_t) n, ISCSI_DIGEST_HEADER | ISCSI_DIGEST_DATA, 0, &v), -EILSEQ);
        buf[52] ^= 0x80;
        buf[63] = 1;
        assert_int_equal(iscsi_pdu_parse(buf, (size_t) n, ISCSI_DIGEST_HEADER | ISCSI_DIGEST_DATA, 0, &v), -EILSEQ);
        buf[63] = 0;
        /* Header-digest-only parsing of the same bytes must see the data digest as extra bytes. */
        assert_int_equal(iscsi_pdu_parse(buf, (size_t) n, ISCSI_DIGEST_HEADER, 0, &v), 0);
        assert_int_equal(v.total_len, (size_t) n - 4);
}

static void test_iovec_zero_copy(void **state) {
        static uint8_t data[4097];
        struct iscsi_bhs h = { .opcode = ISCSI_OP_DATA_IN, .final = true, .dlength = sizeof(data) };
        struct iscsi_pdu_out p;
        struct iovec iov[3];
        uint8_t flat[48 + 4 + 4100 + 4];
        int n;

        for (size_t i = 0; i < sizeof(data); i++)
                data[i] = (uint8_t) (i * 7);
        assert_int_equal(iscsi_pdu_out_init(&p, &h, NULL, 0, data, ISCSI_DIGEST_HEADER | ISCSI_DIGEST_DATA), 0);
        n = iscsi_pdu_out_iovec(&p, iov);
        assert_int_equal(n, 3);
        assert_int_equal(iov[0].iov_len, 52);
        assert_ptr_equal(iov[1].iov_base, data); /* not copied */
        assert_int_equal(iov[1].iov_len, 4097);
        assert_int_equal(iov[2].iov_len, 3 + 4);
        assert_int_equal(iscsi_pdu_out_size(&p), sizeof(flat));

        assert_int_equal(iscsi_pdu_out_copy(&p, flat, sizeof(flat) - 1), -ENOBUFS);
        assert_int_equal(iscsi_pdu_out_copy(&p, flat, sizeof(flat)), sizeof(flat));
        {
                struct iscsi_pdu_view v;
                assert_int_equal(iscsi_pdu_parse(flat, sizeof(flat), ISCSI_DIGEST_HEADER | ISCSI_DIGEST_DATA, 0, &v), 0);
                assert_memory_equal(v.data, data, sizeof(data));
        }

        /* No data: a single iovec. */
        h.dlength = 0;
        assert_int_equal(iscsi_pdu_out_init(&p, &h, NULL, 0, NULL, ISCSI_DIGEST_DATA), 0);
        assert_int_equal(iscsi_pdu_out_iovec(&p, iov), 1);
        assert_int_equal(iscsi_pdu_out_size(&p), 48);
        /* Data length without data pointer. */
        h.dlength = 4;
        assert_int_equal(iscsi_pdu_out_init(&p, &h, NULL, 0, NULL, 0), -EINVAL);
}

static void test_truncated_and_oversize(void **state) {
        uint8_t data[100] = {};
        struct iscsi_bhs h = { .opcode = ISCSI_OP_SCSI_RSP, .dlength = sizeof(data) };
        uint8_t buf[256];
        struct iscsi_pdu_view v;
        size_t total;
        ssize_t n;

        n = iscsi_pdu_build(&h, NULL, 0, data, ISCSI_DIGEST_DATA, buf, sizeof(buf));
        assert_int_equal(n, 48 + 100 + 4);
        /* Every shorter length is "truncated". */
        for (size_t len = 0; len < (size_t) n; len++)
                assert_int_equal(iscsi_pdu_parse(buf, len, ISCSI_DIGEST_DATA, 0, &v), -ENODATA);
        assert_int_equal(iscsi_pdu_peek_length(buf, 47, 0, &total), -ENODATA);
        /* dlength claiming more than the buffer holds. */
        iscsi_put_be24(buf + 5, 0xffffff);
        assert_int_equal(iscsi_pdu_parse(buf, (size_t) n, 0, 0, &v), -ENODATA);
        /* ... or more than the negotiated limit. */
        assert_int_equal(iscsi_pdu_parse(buf, (size_t) n, 0, 8192, &v), -E2BIG);
        /* The output buffer is too small. */
        assert_int_equal(iscsi_pdu_build(&h, NULL, 0, data, 0, buf, 100), -ENOBUFS);
}

static void test_ahs_build_and_find(void **state) {
        uint8_t cdb[32], ahs[64];
        size_t len = 0;
        const uint8_t *extra;
        size_t extra_len;
        uint32_t rl;

        for (unsigned i = 0; i < sizeof(cdb); i++)
                cdb[i] = (uint8_t) (0x40 + i);
        assert_int_equal(iscsi_ahs_append_ext_cdb(ahs, sizeof(ahs), &len, cdb, 32), 0);
        /* AHSLength = 17 (reserved byte + 16 CDB bytes), type 1, 3 + 17 = 20 bytes. */
        assert_int_equal(len, 20);
        assert_int_equal(iscsi_get_be16(ahs), 17);
        assert_int_equal(ahs[2], ISCSI_AHS_EXTENDED_CDB);
        assert_int_equal(ahs[3], 0);
        assert_memory_equal(ahs + 4, cdb + 16, 16);
        assert_int_equal(iscsi_ahs_append_bidi_read_len(ahs, sizeof(ahs), &len, 0x12345678), 0);
        assert_int_equal(len, 28);
        assert_memory_equal(ahs + 20, "\x00\x05\x02\x00\x12\x34\x56\x78", 8);

        assert_int_equal(iscsi_ahs_validate(ahs, len), 0);
        assert_int_equal(iscsi_ahs_find_ext_cdb(ahs, len, &extra, &extra_len), 0);
        assert_int_equal(extra_len, 16);
        assert_memory_equal(extra, cdb + 16, 16);
        assert_int_equal(iscsi_ahs_find_bidi_read_len(ahs, len, &rl), 0);
        assert_int_equal(rl, 0x12345678);
        assert_int_equal(iscsi_ahs_find_bidi_read_len(ahs, 20, &rl), -ENOENT);

        /* Capacity checks. */
        len = 0;
        assert_int_equal(iscsi_ahs_append_bidi_read_len(ahs, 4, &len, 1), -ENOBUFS);
        assert_int_equal(iscsi_ahs_append_ext_cdb(ahs, sizeof(ahs), &len, cdb, 16), -EINVAL);
}

static void test_ahs_malformed(void **state) {
        uint8_t ahs[8] = { 0x00, 0x09, 0x01, 0x00 }; /* claims 3 + 9 = 12 bytes, has 8 */
        struct iscsi_ahs a;
        size_t off = 0;
        uint32_t rl;
        const uint8_t *x;
        size_t xl;

        assert_int_equal(iscsi_ahs_validate(ahs, 8), -EBADMSG);
        assert_int_equal(iscsi_ahs_next(ahs, 8, &off, &a), -EBADMSG);
        assert_int_equal(iscsi_ahs_validate(ahs, 6), -EBADMSG); /* not a multiple of 4 */
        assert_int_equal(iscsi_ahs_find_ext_cdb(ahs, 8, &x, &xl), -EBADMSG);
        /* A bidi AHS with the wrong AHSLength. */
        memcpy(ahs, "\x00\x04\x02\x00\x00\x00\x00\x01", 8);
        assert_int_equal(iscsi_ahs_validate(ahs, 8), 0);
        assert_int_equal(iscsi_ahs_find_bidi_read_len(ahs, 8, &rl), -EBADMSG);
        /* Zero-length AHS entries are 4 bytes each and iterate. */
        memset(ahs, 0, sizeof(ahs));
        off = 0;
        assert_int_equal(iscsi_ahs_next(ahs, 8, &off, &a), 1);
        assert_int_equal(off, 4);
        assert_int_equal(iscsi_ahs_next(ahs, 8, &off, &a), 1);
        assert_int_equal(iscsi_ahs_next(ahs, 8, &off, &a), 0);
}

/* A whole PDU whose TotalAHSLength covers a broken AHS is rejected by parse. */
static void test_parse_bad_ahs(void **state) {
        uint8_t ahs[8] = { 0x00, 0x05, 0x02, 0x00, 0, 0, 0x10, 0 };
        struct iscsi_bhs h = { .opcode = ISCSI_OP_SCSI_CMD, .final = true, .edtl = 512 };
        uint8_t buf[128];
        struct iscsi_pdu_view v;
        uint32_t rl;
        ssize_t n;

        n = iscsi_pdu_build(&h, ahs, sizeof(ahs), NULL, ISCSI_DIGEST_HEADER, buf, sizeof(buf));
        assert_int_equal(n, 48 + 8 + 4);
        assert_int_equal(buf[4], 2);
        assert_int_equal(iscsi_pdu_parse(buf, (size_t) n, ISCSI_DIGEST_HEADER, 0, &v), 0);
        assert_int_equal(v.ahs_len, 8);
        assert_int_equal(iscsi_ahs_find_bidi_read_len(v.ahs, v.ahs_len, &rl), 0);
        assert_int_equal(rl, 0x1000);

        ahs[1] = 0x40; /* AHSLength past the AHS area */
        n = iscsi_pdu_build(&h, ahs, sizeof(ahs), NULL, ISCSI_DIGEST_HEADER, buf, sizeof(buf));
        assert_int_equal(iscsi_pdu_parse(buf, (size_t) n, ISCSI_DIGEST_HEADER, 0, &v), -EBADMSG);
        /* An AHS that is not a multiple of 4 cannot be sent. */
        assert_int_equal(iscsi_pdu_build(&h, ahs, 6, NULL, 0, buf, sizeof(buf)), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_total_length),
                cmocka_unit_test(test_build_parse_no_digest),
                cmocka_unit_test(test_digests),
                cmocka_unit_test(test_iovec_zero_copy),
                cmocka_unit_test(test_truncated_and_oversize),
                cmocka_unit_test(test_ahs_build_and_find),
                cmocka_unit_test(test_ahs_malformed),
                cmocka_unit_test(test_parse_bad_ahs),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
