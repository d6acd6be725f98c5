/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPC commands against the SCSI layer: INQUIRY/VPD, REPORT LUNS, MODE SENSE/SELECT,
 * REPORT SUPPORTED OPERATION CODES, REQUEST SENSE, unit attentions, bad CDBs. */
#include "scsi-test-util.h"

static void test_tur(void **state) {
        struct fx *f = *state;
        uint8_t cdb[6] = { 0x00 };
        assert_int_equal(fx_status(f, f->n1, cdb, 6, 0, NULL, 0), SCSI_STATUS_GOOD);
}

static void test_invalid_opcode(void **state) {
        struct fx *f = *state;
        uint8_t cdb[16] = { 0xff };
        uint8_t pri[10] = { 0x5e, 0x05, 0, 0, 0, 0, 0, 0, 64, 0 };

        fx_expect_sense(f, f->n1, cdb, 16, 0, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x20, 0x00);
        /* A known opcode with an unknown service action is a bad field, not a bad opcode. */
        fx_expect_sense(f, f->n1, pri, 10, 64, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
}

static void test_inquiry_standard(void **state) {
        struct fx *f = *state;
        uint8_t cdb[6] = { 0x12, 0, 0, 0, 255, 0 };
        struct scsi_cmd cmd;

        assert_int_equal(fx_run(f, f->n1, cdb, 6, 255, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_true(cmd.data_in_len >= 36);
        assert_int_equal(cmd.buf[0], 0x00);
        assert_int_equal(cmd.buf[2], 0x06);
        assert_int_equal(cmd.buf[3] & 0x0f, 0x02);
        assert_int_equal(cmd.buf[4] + 5, cmd.data_in_len);
        assert_memory_equal(cmd.buf + 8, "ISCSITLS", 8);
        assert_int_equal(cmd.resid_kind, SCSI_RESID_UNDERFLOW);
        assert_int_equal(cmd.resid, 255 - cmd.data_in_len);
        scsi_cmd_release(&cmd);

        /* Allocation length smaller than the data: truncated, no residual with EDTL == 10. */
        cdb[4] = 10;
        assert_int_equal(fx_run(f, f->n1, cdb, 6, 10, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.data_in_len, 10);
        assert_int_equal(cmd.resid_kind, SCSI_RESID_NONE);
        scsi_cmd_release(&cmd);

        /* Page code without EVPD is invalid. */
        uint8_t bad[6] = { 0x12, 0, 0x80, 0, 255, 0 };
        fx_expect_sense(f, f->n1, bad, 6, 255, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
}

static void test_inquiry_no_lu(void **state) {
        struct fx *f = *state;
        uint8_t inq[6] = { 0x12, 0, 0, 0, 96, 0 };
        uint8_t tur[6] = { 0 };
        struct scsi_cmd cmd;

        assert_int_equal(fx_run_full(f, NULL, f->n1, inq, 6, true, false, 96, NULL, false, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.buf[0], 0x7f);
        scsi_cmd_release(&cmd);
        fx_run_full(f, NULL, f->n1, tur, 6, false, false, 0, NULL, false, &cmd);
        assert_sense(&cmd, SCSI_SENSE_ILLEGAL_REQUEST, 0x25, 0x00);
        scsi_cmd_release(&cmd);
}

static uint8_t *vpd(struct fx *f, uint8_t page, struct scsi_cmd *cmd) {
        uint8_t cdb[6] = { 0x12, 0x01, page, 0x04, 0x00, 0 };
        assert_int_equal(fx_run(f, f->n1, cdb, 6, 1024, NULL, 0, cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd->buf[1], page);
        return cmd->buf;
}

static void test_inquiry_vpd(void **state) {
        struct fx *f = *state;
        struct scsi_cmd cmd;
        uint8_t *p;
        bool seen_naa = false, seen_rtpi = false, seen_name = false;

        p = vpd(f, 0x00, &cmd);
        assert_int_equal(get16(p + 2), 7);
        assert_memory_equal(p + 4, ((uint8_t[]) { 0x00, 0x80, 0x83, 0x8f, 0xb0, 0xb1, 0xb2 }), 7);
        scsi_cmd_release(&cmd);

        p = vpd(f, 0x80, &cmd);
        assert_int_equal(get16(p + 2), strlen("1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5"));
        assert_memory_equal(p + 4, "1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5", get16(p + 2));
        scsi_cmd_release(&cmd);

        p = vpd(f, 0x83, &cmd);
        for (uint32_t off = 4; off < 4u + get16(p + 2); off += 4u + p[off + 3]) {
                uint8_t *d = p + off;
                if ((d[1] & 0x0f) == 3 && (d[1] & 0x30) == 0) {
                        seen_naa = true;
                        assert_int_equal(d[3], 16);
                        /* NAA 6, IEEE OUI 00-14-05, then the wwn's hex digits. */
                        assert_memory_equal(d + 4, ((uint8_t[]) { 0x60, 0x01, 0x40, 0x51, 0xc2, 0xd3, 0xe4, 0xf5 }), 8);
                }
                if ((d[1] & 0x0f) == 4) {
                        seen_rtpi = true;
                        assert_int_equal(d[1] & 0x30, 0x10);
                        assert_int_equal(get16(d + 6), 1);
                }
                if ((d[1] & 0x0f) == 8 && (d[1] & 0x30) == 0x10) {
                        seen_name = true;
                        assert_string_equal((char *) d + 4, "iqn.2026-01.org.example:target,t,0x0001");
                }
        }
        assert_true(seen_naa && seen_rtpi && seen_name);
        scsi_cmd_release(&cmd);

        p = vpd(f, 0xb0, &cmd);
        assert_int_equal(get16(p + 2), 0x3c);
        assert_int_equal(get32(p + 12) * f->bs, 1024 * 1024);          /* optimal transfer */
        assert_int_equal(get16(p + 6) * f->bs, 4096);                   /* granularity */
        assert_true(get32(p + 8) * f->bs >= 1024 * 1024);              /* max transfer */
        assert_true(get32(p + 20) > 0);                                 /* max unmap LBAs */
        assert_true(get32(p + 24) > 0);                                 /* unmap descriptors */
        assert_true(p[5] > 0);                                          /* CAW length */
        scsi_cmd_release(&cmd);

        p = vpd(f, 0xb1, &cmd);
        assert_int_equal(get16(p + 4), 1);
        scsi_cmd_release(&cmd);

        p = vpd(f, 0xb2, &cmd);
        assert_int_equal(p[5] & 0xe4, 0xe4);                            /* LBPU LBPWS LBPWS10 LBPRZ */
        scsi_cmd_release(&cmd);

        uint8_t bad[6] = { 0x12, 0x01, 0x55, 0, 255, 0 };
        fx_expect_sense(f, f->n1, bad, 6, 255, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
}

static void test_read_capacity(void **state) {
        struct fx *f = *state;
        uint8_t rc10[10] = { 0x25 };
        uint8_t rc16[16] = { 0x9e, 0x10, [13] = 32 };
        struct scsi_cmd cmd;

        assert_int_equal(fx_run(f, f->n1, rc10, 10, 8, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.data_in_len, 8);
        assert_int_equal(get32(cmd.buf), f->blocks - 1);
        assert_int_equal(get32(cmd.buf + 4), f->bs);
        scsi_cmd_release(&cmd);

        assert_int_equal(fx_run(f, f->n1, rc16, 16, 32, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(get64(cmd.buf), f->blocks - 1);
        assert_int_equal(get32(cmd.buf + 8), f->bs);
        assert_int_equal(cmd.buf[14] & 0xc0, 0xc0);                     /* LBPME, LBPRZ */
        scsi_cmd_release(&cmd);

        /* LBA without PMI is an invalid field. */
        rc10[5] = 1;
        fx_expect_sense(f, f->n1, rc10, 10, 8, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
}

static void test_report_luns(void **state) {
        struct fx *f = *state;
        uint8_t cdb[12] = { 0xa0, [9] = 0xff };
        struct scsi_cmd cmd;

        assert_int_equal(fx_run(f, f->n1, cdb, 12, 255, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(get32(cmd.buf), 24);
        assert_int_equal(cmd.data_in_len, 32);
        assert_memory_equal(cmd.buf + 8, ((uint8_t[8]) { 0, 0 }), 8);
        assert_memory_equal(cmd.buf + 16, ((uint8_t[8]) { 0, 3 }), 8);
        assert_memory_equal(cmd.buf + 24, ((uint8_t[8]) { 0x41, 0x2c }), 8);   /* flat 300 */
        assert_int_equal(scsi_lun_decode(cmd.buf + 24), 300);
        scsi_cmd_release(&cmd);

        cdb[9] = 8;
        fx_expect_sense(f, f->n1, cdb, 12, 8, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
        cdb[9] = 64;
        cdb[2] = 0x07;
        fx_expect_sense(f, f->n1, cdb, 12, 64, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
}

static uint8_t *find_page(uint8_t *p, uint32_t len, uint32_t off, uint8_t code) {
        while (off + 2 <= len) {
                if ((p[off] & 0x3f) == code)
                        return p + off;
                off += 2u + p[off + 1];
        }
        return NULL;
}

static void test_mode_sense(void **state) {
        struct fx *f = *state;
        uint8_t ms6[6] = { 0x1a, 0, 0x3f, 0, 255, 0 };
        uint8_t ms10[10] = { 0x5a, 0x08, 0x08, 0, 0, 0, 0, 0, 255, 0 };
        struct scsi_cmd cmd;
        uint8_t *pg;

        assert_int_equal(fx_run(f, f->n1, ms6, 6, 255, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.buf[0] + 1, cmd.data_in_len);
        assert_int_equal(cmd.buf[3], 8);                                /* block descriptor */
        assert_int_equal(get32(cmd.buf + 8) & 0xffffff, f->bs);
        pg = find_page(cmd.buf, cmd.data_in_len, 12, 0x08);
        assert_non_null(pg);
        assert_int_equal(pg[1], 0x12);
        assert_int_equal(pg[2] & 0x04, 0);                             /* ramdisk: no volatile cache */
        assert_non_null(find_page(cmd.buf, cmd.data_in_len, 12, 0x0a));
        assert_non_null(find_page(cmd.buf, cmd.data_in_len, 12, 0x1c));
        scsi_cmd_release(&cmd);

        /* Changeable values of the caching page: WCE. */
        ms10[2] = 0x48;
        assert_int_equal(fx_run(f, f->n1, ms10, 10, 255, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(get16(cmd.buf + 6), 0);                        /* DBD */
        assert_int_equal(cmd.buf[8], 0x08);
        assert_int_equal(cmd.buf[10], 0x04);
        scsi_cmd_release(&cmd);

        ms6[2] = 0xc8;                                                  /* saved values */
        fx_expect_sense(f, f->n1, ms6, 6, 255, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x39, 0x00);
        ms6[2] = 0x05;                                                  /* unknown page */
        fx_expect_sense(f, f->n1, ms6, 6, 255, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
}

static void test_mode_select(void **state) {
        struct fx *f = *state;
        uint8_t ms6[6] = { 0x1a, 0x08, 0x08, 0, 255, 0 };
        uint8_t sel6[6] = { 0x15, 0x10, 0, 0, 24, 0 };
        uint8_t data[24] = { 0 };
        uint8_t wr[16];
        uint8_t blk[512] = { 0 };
        struct scsi_cmd cmd;

        /* Flip WCE, read it back; another nexus gets MODE PARAMETERS CHANGED. */
        uint8_t wce;
        assert_int_equal(fx_run(f, f->n2, ms6, 6, 255, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        wce = cmd.buf[6] & 0x04;
        assert_int_equal(wce, f->path[0] ? 0x04 : 0);                   /* write_back fileio */
        scsi_cmd_release(&cmd);
        data[4] = 0x08;
        data[5] = 0x12;
        data[6] = wce ^ 0x04;
        assert_int_equal(fx_status(f, f->n1, sel6, 6, 0, data, 24), SCSI_STATUS_GOOD);
        assert_int_equal(fx_run(f, f->n1, ms6, 6, 255, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.buf[6] & 0x04, wce ^ 0x04);
        scsi_cmd_release(&cmd);
        fx_expect_sense(f, f->n2, ms6, 6, 255, NULL, 0, SCSI_SENSE_UNIT_ATTENTION, 0x2a, 0x01);

        /* A non-changeable bit (RCD) is refused with INVALID FIELD IN PARAMETER LIST. */
        data[6] = (wce ^ 0x04) | 0x01;
        fx_expect_sense(f, f->n1, sel6, 6, 0, data, 24, SCSI_SENSE_ILLEGAL_REQUEST, 0x26, 0x00);
        /* Wrong page length. */
        data[6] = 0x04;
        data[5] = 0x10;
        fx_expect_sense(f, f->n1, sel6, 6, 0, data, 24, SCSI_SENSE_ILLEGAL_REQUEST, 0x26, 0x00);
        /* SP=1: nothing can be saved. */
        data[5] = 0x12;
        sel6[1] = 0x11;
        fx_expect_sense(f, f->n1, sel6, 6, 0, data, 24, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);

        /* SWP in the control page write-protects the LU. */
        uint8_t ctl[16] = { 0 };
        sel6[1] = 0x10;
        sel6[4] = 16;
        ctl[4] = 0x0a;
        ctl[5] = 0x0a;
        ctl[7] = 0x10;
        ctl[8] = 0x08;
        ctl[12] = 0xff;
        ctl[13] = 0xff;
        assert_int_equal(fx_status(f, f->n1, sel6, 6, 0, ctl, 16), SCSI_STATUS_GOOD);
        cdb_rw16(wr, 0x8a, 0, 1);
        fx_expect_sense(f, f->n1, wr, 16, 0, blk, 512, SCSI_SENSE_DATA_PROTECT, 0x27, 0x00);
        ms6[2] = 0x0a;
        assert_int_equal(fx_run(f, f->n1, ms6, 6, 255, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.buf[2] & 0x80, 0x80);                      /* WP in header */
        scsi_cmd_release(&cmd);
        ctl[8] = 0;
        assert_int_equal(fx_status(f, f->n1, sel6, 6, 0, ctl, 16), SCSI_STATUS_GOOD);
        assert_int_equal(fx_status(f, f->n1, wr, 16, 0, blk, 512), SCSI_STATUS_GOOD);
}

static void test_rsoc(void **state) {
        struct fx *f = *state;
        uint8_t all[12] = { 0xa3, 0x0c, 0x00, 0, 0, 0, 0, 0, 0x10, 0 };
        uint8_t one[12] = { 0xa3, 0x0c, 0x01, 0x28, 0, 0, 0, 0, 1, 0 };
        struct scsi_cmd cmd;
        bool read10 = false, rc16 = false;

        assert_int_equal(fx_run(f, f->n1, all, 12, 4096, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(get32(cmd.buf) + 4, cmd.data_in_len);
        for (uint32_t off = 4; off < cmd.data_in_len; off += 8) {
                const uint8_t *d = cmd.buf + off;
                if (d[0] == 0x28) {
                        read10 = true;
                        assert_int_equal(get16(d + 6), 10);
                }
                if (d[0] == 0x9e && get16(d + 2) == 0x10) {
                        rc16 = true;
                        assert_int_equal(d[5] & 0x01, 0x01);            /* SERVACTV */
                }
        }
        assert_true(read10 && rc16);
        scsi_cmd_release(&cmd);

        assert_int_equal(fx_run(f, f->n1, one, 12, 256, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.buf[1] & 0x07, 0x03);
        assert_int_equal(get16(cmd.buf + 2), 10);
        assert_int_equal(cmd.buf[4], 0x28);
        scsi_cmd_release(&cmd);

        one[3] = 0xfe;                                                  /* unsupported */
        assert_int_equal(fx_run(f, f->n1, one, 12, 256, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.buf[1] & 0x07, 0x01);
        scsi_cmd_release(&cmd);

        one[3] = 0x9e;                                                  /* has service actions */
        fx_expect_sense(f, f->n1, one, 12, 256, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
        one[2] = 0x02;
        one[5] = 0x10;
        assert_int_equal(fx_run(f, f->n1, one, 12, 256, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.buf[1] & 0x07, 0x03);
        assert_int_equal(get16(cmd.buf + 2), 16);
        scsi_cmd_release(&cmd);
}

static void test_unit_attention_reset(void **state) {
        struct fx *f = *state;
        uint8_t tur[6] = { 0 };
        uint8_t rs[6] = { 0x03, 0, 0, 0, 18, 0 };
        uint8_t inq[6] = { 0x12, 0, 0, 0, 36, 0 };
        struct scsi_cmd cmd;

        assert_int_equal(fx_status(f, f->n1, tur, 6, 0, NULL, 0), SCSI_STATUS_GOOD);
        assert_int_equal(fx_status(f, f->n2, tur, 6, 0, NULL, 0), SCSI_STATUS_GOOD);
        scsi_lu_reset(f->lu, SCSI_RESET_LUN);

        /* INQUIRY is not blocked by the UA and does not clear it. */
        assert_int_equal(fx_status(f, f->n1, inq, 6, 36, NULL, 0), SCSI_STATUS_GOOD);
        fx_expect_sense(f, f->n1, tur, 6, 0, NULL, 0, SCSI_SENSE_UNIT_ATTENTION, 0x29, 0x03);
        assert_int_equal(fx_status(f, f->n1, tur, 6, 0, NULL, 0), SCSI_STATUS_GOOD);

        /* REQUEST SENSE reports (and clears) the other nexus' UA as data. */
        assert_int_equal(fx_run(f, f->n2, rs, 6, 18, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.data_in_len, 18);
        assert_int_equal(cmd.buf[2] & 0x0f, SCSI_SENSE_UNIT_ATTENTION);
        assert_int_equal(cmd.buf[12], 0x29);
        assert_int_equal(cmd.buf[13], 0x03);
        scsi_cmd_release(&cmd);
        assert_int_equal(fx_run(f, f->n2, rs, 6, 18, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.buf[2] & 0x0f, SCSI_SENSE_NO_SENSE);
        assert_int_equal(cmd.buf[12], 0);
        scsi_cmd_release(&cmd);
        assert_int_equal(fx_status(f, f->n2, tur, 6, 0, NULL, 0), SCSI_STATUS_GOOD);
}

static void test_start_stop_prevent(void **state) {
        struct fx *f = *state;
        uint8_t ssu[6] = { 0x1b, 0, 0, 0, 0x01, 0 };
        uint8_t pa[6] = { 0x1e, 0, 0, 0, 0x01, 0 };

        assert_int_equal(fx_status(f, f->n1, ssu, 6, 0, NULL, 0), SCSI_STATUS_GOOD);
        ssu[4] = 0x40;                                                  /* reserved power condition */
        fx_expect_sense(f, f->n1, ssu, 6, 0, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
        assert_int_equal(fx_status(f, f->n1, pa, 6, 0, NULL, 0), SCSI_STATUS_GOOD);
        pa[4] = 0;
        assert_int_equal(fx_status(f, f->n1, pa, 6, 0, NULL, 0), SCSI_STATUS_GOOD);
}

static void test_misc_formats(void **state) {
        struct fx *f = *state;
        struct scsi_cmd cmd;

        /* MODE SENSE(10) with LLBAA: 16-byte block descriptor with the 64-bit block count. */
        uint8_t ms10[10] = { 0x5a, 0x10, 0x08, 0, 0, 0, 0, 0, 255, 0 };
        assert_int_equal(fx_run(f, f->n1, ms10, 10, 255, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.buf[4] & 0x01, 0x01);
        assert_int_equal(get16(cmd.buf + 6), 16);
        assert_int_equal(get64(cmd.buf + 8), f->blocks);
        assert_int_equal(get32(cmd.buf + 20), f->bs);
        assert_int_equal(get16(cmd.buf) + 2, cmd.data_in_len);
        scsi_cmd_release(&cmd);

        /* REQUEST SENSE in descriptor format. */
        uint8_t rs[6] = { 0x03, 0x01, 0, 0, 252, 0 };
        assert_int_equal(fx_run(f, f->n1, rs, 6, 252, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.buf[0], 0x72);
        assert_int_equal(cmd.data_in_len, 8);
        scsi_cmd_release(&cmd);

        /* RSOC with RCTD: 20-byte descriptors carrying a timeouts descriptor. */
        uint8_t all[12] = { 0xa3, 0x0c, 0x80, 0, 0, 0, 0, 0, 0x20, 0 };
        assert_int_equal(fx_run(f, f->n1, all, 12, 8192, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal((get32(cmd.buf)) % 20, 0);
        assert_int_equal(cmd.buf[4 + 5] & 0x02, 0x02);                  /* CTDP */
        assert_int_equal(get16(cmd.buf + 4 + 8), 0x0a);
        scsi_cmd_release(&cmd);

        /* READ DEFECT DATA(10): an empty list in the requested format. */
        uint8_t rdd[10] = { 0x37, 0, 0x1d, 0, 0, 0, 0, 0, 4, 0 };
        assert_int_equal(fx_run(f, f->n1, rdd, 10, 4, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.buf[1], 0x1d);
        assert_int_equal(get16(cmd.buf + 2), 0);
        scsi_cmd_release(&cmd);

        /* Third-party Copy VPD page: Supported Commands lists EXTENDED COPY. */
        uint8_t tpc[6] = { 0x12, 0x01, 0x8f, 0x01, 0x00, 0 };
        assert_int_equal(fx_run(f, f->n1, tpc, 6, 256, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(get16(cmd.buf + 4), 0x0001);
        assert_int_equal(cmd.buf[9], 0x83);
        assert_int_equal(get16(cmd.buf + 2) + 4, cmd.data_in_len);
        scsi_cmd_release(&cmd);
}

static void test_lun_codec(void **state) {
        uint8_t b[8];
        (void) state;
        scsi_lun_encode(5, b);
        assert_memory_equal(b, ((uint8_t[8]) { 0, 5 }), 8);
        assert_int_equal(scsi_lun_decode(b), 5);
        scsi_lun_encode(16383, b);
        assert_memory_equal(b, ((uint8_t[8]) { 0x7f, 0xff }), 8);
        assert_int_equal(scsi_lun_decode(b), 16383);
        b[0] = 0x01;    /* peripheral addressing with a bus number: not ours */
        assert_int_equal(scsi_lun_decode(b), UINT64_MAX);
        assert_string_equal(scsi_opcode_name(0x28), "READ(10)");
        assert_null(scsi_opcode_name(0xff));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup_ram, fx_teardown), \
              cmocka_unit_test_setup_teardown(fn, fx_setup_file, fx_teardown), \
              cmocka_unit_test_setup_teardown(fn, fx_setup_shm, fx_teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_tur),
                T(test_invalid_opcode),
                T(test_inquiry_standard),
                T(test_inquiry_no_lu),
                T(test_inquiry_vpd),
                T(test_read_capacity),
                cmocka_unit_test_setup_teardown(test_read_capacity, fx_setup_file4k, fx_teardown),
                T(test_report_luns),
                cmocka_unit_test_setup_teardown(test_mode_sense, fx_setup_ram, fx_teardown),
                T(test_mode_select),
                T(test_rsoc),
                T(test_unit_attention_reset),
                T(test_start_stop_prevent),
                T(test_misc_formats),
                cmocka_unit_test(test_lun_codec),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
