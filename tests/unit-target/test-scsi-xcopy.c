/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* EXTENDED COPY (LID1) inside one LU and RECEIVE COPY RESULTS. */
#include "scsi-test-util.h"

/* Build a parameter list: one identification CSCD naming the fixture's LU (NAA from VPD
 * 0x83) and one block-to-block segment. Returns its length. */
static uint32_t xcopy_list(struct fx *f, uint8_t *p, uint8_t list_id, uint8_t usage, uint16_t si,
                           uint16_t di, uint16_t n, uint64_t src, uint64_t dst) {
        uint8_t inq[6] = { 0x12, 0x01, 0x83, 0x01, 0x00, 0 };
        struct scsi_cmd cmd;
        uint8_t *naa = NULL;

        assert_int_equal(fx_run(f, f->n1, inq, 6, 256, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        for (uint32_t off = 4; off < 4u + get16(cmd.buf + 2); off += 4u + cmd.buf[off + 3])
                if ((cmd.buf[off + 1] & 0x3f) == 0x03)
                        naa = cmd.buf + off;
        assert_non_null(naa);
        memset(p, 0, 16 + 32 + 28);
        p[0] = list_id;
        p[1] = (uint8_t) (usage << 3);
        put16(p + 2, 32);
        put32(p + 8, 28);
        p[16] = 0xe4;
        memcpy(p + 20, naa, 20);                /* designation descriptor */
        p[16 + 29] = (uint8_t) (f->bs >> 16);
        p[16 + 30] = (uint8_t) (f->bs >> 8);
        p[16 + 31] = (uint8_t) f->bs;
        scsi_cmd_release(&cmd);
        p[48] = 0x02;
        put16(p + 48 + 2, 0x18);
        put16(p + 48 + 4, si);
        put16(p + 48 + 6, di);
        put16(p + 48 + 10, n);
        put64(p + 48 + 12, src);
        put64(p + 48 + 20, dst);
        return 16 + 32 + 28;
}

static void xcopy_cdb(uint8_t *cdb, uint32_t len) {
        memset(cdb, 0, 16);
        cdb[0] = 0x83;
        put32(cdb + 10, len);
}

static void test_xcopy_copies(void **state) {
        struct fx *f = *state;
        uint8_t cdb[16], p[128], *rd;
        uint32_t len;

        fx_write(f, 0, 32, 0x31);
        fx_write(f, 100, 32, 0x00);
        len = xcopy_list(f, p, 7, 0, 0, 0, 32, 0, 100);
        xcopy_cdb(cdb, len);
        assert_int_equal(fx_status(f, f->n1, cdb, 16, 0, p, len), SCSI_STATUS_GOOD);
        rd = fx_read(f, 100, 32);
        assert_true(all_bytes(rd, 32 * f->bs, 0x31));
        free(rd);

        /* Overlapping forward copy keeps the source pattern intact. */
        for (int i = 0; i < 8; i++)
                fx_write(f, 200 + i, 1, (uint8_t) (0x40 + i));
        len = xcopy_list(f, p, 8, 2, 0, 0, 6, 200, 202);
        xcopy_cdb(cdb, len);
        assert_int_equal(fx_status(f, f->n1, cdb, 16, 0, p, len), SCSI_STATUS_GOOD);
        rd = fx_read(f, 202, 6);
        for (int i = 0; i < 6; i++)
                assert_true(all_bytes(rd + (size_t) i * f->bs, f->bs, (uint8_t) (0x40 + i)));
        free(rd);

        /* RECEIVE COPY RESULTS: list 7 was held (usage 00b), list 8 was not. */
        uint8_t rcr[16] = { 0x84, 0x00, 7, [13] = 64 };
        struct scsi_cmd cmd;
        assert_int_equal(fx_run(f, f->n1, rcr, 16, 64, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.data_in_len, 12);
        assert_int_equal(cmd.buf[4], 0x01);                             /* completed */
        assert_int_equal(get16(cmd.buf + 5), 1);
        assert_int_equal(get32(cmd.buf + 8), 32 * f->bs / 1024);
        scsi_cmd_release(&cmd);
        fx_expect_sense(f, f->n1, rcr, 16, 64, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
        rcr[2] = 8;
        fx_expect_sense(f, f->n1, rcr, 16, 64, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);

        /* OPERATING PARAMETERS. */
        rcr[1] = 0x03;
        rcr[2] = 0;
        assert_int_equal(fx_run(f, f->n1, rcr, 16, 64, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_true(get16(cmd.buf + 8) >= 2);
        assert_true(get16(cmd.buf + 10) >= 1);
        assert_true(get32(cmd.buf + 16) >= 65535u * f->bs);
        scsi_cmd_release(&cmd);
}

static void test_xcopy_errors(void **state) {
        struct fx *f = *state;
        uint8_t cdb[16], p[128];
        uint32_t len;

        /* Empty list is a no-op; short header a length error. */
        xcopy_cdb(cdb, 0);
        assert_int_equal(fx_status(f, f->n1, cdb, 16, 0, NULL, 0), SCSI_STATUS_GOOD);
        len = xcopy_list(f, p, 1, 2, 0, 0, 8, 0, 64);
        xcopy_cdb(cdb, 16 + 31);
        fx_expect_sense(f, f->n1, cdb, 16, 0, p, 16 + 31, SCSI_SENSE_ILLEGAL_REQUEST, 0x1a, 0x00);
        /* Destination index without a CSCD: COPY ABORTED. */
        len = xcopy_list(f, p, 1, 2, 0, 1, 8, 0, 64);
        xcopy_cdb(cdb, len);
        fx_expect_sense(f, f->n1, cdb, 16, 0, p, len, SCSI_SENSE_COPY_ABORTED, 0x0d, 0x02);
        /* Beyond the end. */
        len = xcopy_list(f, p, 1, 2, 0, 0, 8, 0, f->blocks - 4);
        xcopy_cdb(cdb, len);
        fx_expect_sense(f, f->n1, cdb, 16, 0, p, len, SCSI_SENSE_COPY_ABORTED, 0x00, 0x00);
        /* Another LU's designator is not reachable. */
        len = xcopy_list(f, p, 1, 2, 0, 0, 8, 0, 64);
        p[16 + 23] ^= 0xff;
        xcopy_cdb(cdb, len);
        fx_expect_sense(f, f->n1, cdb, 16, 0, p, len, SCSI_SENSE_COPY_ABORTED, 0x0d, 0x02);
        /* NUL CSCD. */
        len = xcopy_list(f, p, 1, 2, 0, 0, 8, 0, 64);
        p[17] |= 0x20;
        fx_expect_sense(f, f->n1, cdb, 16, 0, p, len, SCSI_SENSE_COPY_ABORTED, 0x0d, 0x02);
        /* Unsupported CSCD and segment types. */
        len = xcopy_list(f, p, 1, 2, 0, 0, 8, 0, 64);
        p[16] = 0xe0;
        fx_expect_sense(f, f->n1, cdb, 16, 0, p, len, SCSI_SENSE_ILLEGAL_REQUEST, 0x26, 0x07);
        len = xcopy_list(f, p, 1, 2, 0, 0, 8, 0, 64);
        p[48] = 0x09;
        fx_expect_sense(f, f->n1, cdb, 16, 0, p, len, SCSI_SENSE_ILLEGAL_REQUEST, 0x26, 0x09);
        /* Write-protected mapping. */
        {
                struct scsi_cmd cmd;
                len = xcopy_list(f, p, 1, 2, 0, 0, 8, 0, 64);
                fx_run_full(f, f->lu, f->n1, cdb, 16, false, true, len, p, true, &cmd);
                assert_sense(&cmd, SCSI_SENSE_DATA_PROTECT, 0x27, 0x00);
                scsi_cmd_release(&cmd);
        }
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup_ram, fx_teardown), \
              cmocka_unit_test_setup_teardown(fn, fx_setup_file, fx_teardown), \
              cmocka_unit_test_setup_teardown(fn, fx_setup_file4k, fx_teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_xcopy_copies),
                T(test_xcopy_errors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
