/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SBC commands against ramdisk and fileio LUs: read/write of every CDB size, boundaries,
 * residuals, VERIFY, WRITE SAME, UNMAP holes, GET LBA STATUS, COMPARE AND WRITE, ORWRITE,
 * SYNCHRONIZE CACHE, write protection and concurrent asynchronous I/O. */
#include <sys/stat.h>

#include "scsi-test-util.h"

static void test_rw_all_sizes(void **state) {
        struct fx *f = *state;
        uint8_t cdb[16], *buf = malloc(4 * f->bs), *rd;
        struct scsi_cmd cmd;

        for (uint32_t i = 0; i < 4 * f->bs; i++)
                buf[i] = (uint8_t) (i * 7 + 3);

        /* WRITE(6) at LBA 5, READ(10) back. */
        memset(cdb, 0, 16);
        cdb[0] = 0x0a;
        cdb[3] = 5;
        cdb[4] = 2;
        assert_int_equal(fx_status(f, f->n1, cdb, 6, 0, buf, 2 * f->bs), SCSI_STATUS_GOOD);
        cdb_rw10(cdb, 0x28, 5, 2);
        assert_int_equal(fx_run(f, f->n1, cdb, 10, 2 * f->bs, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_memory_equal(cmd.buf, buf, 2 * f->bs);
        assert_int_equal(cmd.resid_kind, SCSI_RESID_NONE);
        scsi_cmd_release(&cmd);

        /* WRITE(10) with FUA, READ(6). */
        cdb_rw10(cdb, 0x2a, 100, 4);
        cdb[1] = 0x08;
        assert_int_equal(fx_status(f, f->n1, cdb, 10, 0, buf, 4 * f->bs), SCSI_STATUS_GOOD);
        memset(cdb, 0, 16);
        cdb[0] = 0x08;
        cdb[3] = 100;
        cdb[4] = 4;
        assert_int_equal(fx_run(f, f->n1, cdb, 6, 4 * f->bs, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_memory_equal(cmd.buf, buf, 4 * f->bs);
        scsi_cmd_release(&cmd);

        /* WRITE(12), READ(12). */
        memset(cdb, 0, 16);
        cdb[0] = 0xaa;
        put32(cdb + 2, 200);
        put32(cdb + 6, 3);
        assert_int_equal(fx_status(f, f->n1, cdb, 12, 0, buf + f->bs, 3 * f->bs), SCSI_STATUS_GOOD);
        cdb[0] = 0xa8;
        assert_int_equal(fx_run(f, f->n1, cdb, 12, 3 * f->bs, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_memory_equal(cmd.buf, buf + f->bs, 3 * f->bs);
        scsi_cmd_release(&cmd);

        /* WRITE AND VERIFY(16) to the last block, READ(16). */
        cdb_rw16(cdb, 0x8e, f->blocks - 1, 1);
        assert_int_equal(fx_status(f, f->n1, cdb, 16, 0, buf, f->bs), SCSI_STATUS_GOOD);
        rd = fx_read(f, f->blocks - 1, 1);
        assert_memory_equal(rd, buf, f->bs);
        free(rd);

        /* Zero-length transfers succeed and move nothing. */
        cdb_rw10(cdb, 0x28, 0, 0);
        assert_int_equal(fx_run(f, f->n1, cdb, 10, 0, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.data_in_len, 0);
        scsi_cmd_release(&cmd);
        free(buf);
}

static void test_rw_boundaries(void **state) {
        struct fx *f = *state;
        uint8_t cdb[16];
        uint8_t *blk = calloc(2, f->bs);

        cdb_rw16(cdb, 0x88, f->blocks - 1, 1);
        assert_int_equal(fx_status(f, f->n1, cdb, 16, f->bs, NULL, 0), SCSI_STATUS_GOOD);
        cdb_rw16(cdb, 0x88, f->blocks - 1, 2);
        fx_expect_sense(f, f->n1, cdb, 16, 2 * f->bs, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00);
        cdb_rw16(cdb, 0x88, f->blocks, 1);
        fx_expect_sense(f, f->n1, cdb, 16, f->bs, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00);
        cdb_rw16(cdb, 0x88, UINT64_MAX, 1);                             /* wraps around */
        fx_expect_sense(f, f->n1, cdb, 16, f->bs, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00);
        cdb_rw16(cdb, 0x88, UINT64_C(1) << 32, 1);
        fx_expect_sense(f, f->n1, cdb, 16, f->bs, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00);
        cdb_rw10(cdb, 0x28, 0xffffffff, 1);
        fx_expect_sense(f, f->n1, cdb, 10, f->bs, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00);
        cdb_rw10(cdb, 0x2a, (uint32_t) f->blocks - 1, 2);
        fx_expect_sense(f, f->n1, cdb, 10, 0, blk, 2 * f->bs, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00);

        /* Protection fields on a LU without protection information. */
        cdb_rw10(cdb, 0x28, 0, 1);
        cdb[1] = 0x20;
        fx_expect_sense(f, f->n1, cdb, 10, f->bs, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
        cdb_rw16(cdb, 0x8a, 0, 1);
        cdb[1] = 0xe0;
        fx_expect_sense(f, f->n1, cdb, 16, 0, blk, f->bs, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);

        /* Larger than MAXIMUM TRANSFER LENGTH. */
        cdb_rw16(cdb, 0x88, 0, SCSI_MAX_XFER_BYTES / f->bs + 1);
        if ((uint64_t) SCSI_MAX_XFER_BYTES / f->bs + 1 <= f->blocks)
                fx_expect_sense(f, f->n1, cdb, 16, 0, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
        free(blk);
}

static void test_residuals(void **state) {
        struct fx *f = *state;
        uint8_t cdb[16], *buf = malloc(4 * f->bs), *rd;
        struct scsi_cmd cmd;

        fx_write(f, 0, 2, 'a');
        cdb_rw10(cdb, 0x28, 0, 1);
        /* EDTL 200 < one block: 200 bytes, overflow. */
        assert_int_equal(fx_run(f, f->n1, cdb, 10, 200, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.data_in_len, 200);
        assert_int_equal(cmd.resid_kind, SCSI_RESID_OVERFLOW);
        assert_int_equal(cmd.resid, f->bs - 200);
        scsi_cmd_release(&cmd);
        /* EDTL 10000 > one block: underflow. */
        assert_int_equal(fx_run(f, f->n1, cdb, 10, 10000, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.data_in_len, f->bs);
        assert_int_equal(cmd.resid_kind, SCSI_RESID_UNDERFLOW);
        assert_int_equal(cmd.resid, 10000 - f->bs);
        scsi_cmd_release(&cmd);
        /* EDTL 0. */
        assert_int_equal(fx_run(f, f->n1, cdb, 10, 0, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.data_in_len, 0);
        assert_int_equal(cmd.resid_kind, SCSI_RESID_OVERFLOW);
        assert_int_equal(cmd.resid, f->bs);
        scsi_cmd_release(&cmd);

        /* WRITE of 2 blocks with EDTL of 1: the block sent is written, overflow reported. */
        memset(buf, 'b', 4 * f->bs);
        cdb_rw10(cdb, 0x2a, 0, 2);
        assert_int_equal(fx_run(f, f->n1, cdb, 10, 0, buf, f->bs, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.resid_kind, SCSI_RESID_OVERFLOW);
        assert_int_equal(cmd.resid, f->bs);
        scsi_cmd_release(&cmd);
        rd = fx_read(f, 0, 2);
        assert_true(all_bytes(rd, f->bs, 'b'));
        assert_true(all_bytes(rd + f->bs, f->bs, 'a'));
        free(rd);
        fx_write(f, 0, 2, 'a');
        /* EDTL 200 for one block: nothing whole to write; overflow 312 (for 512). */
        cdb_rw10(cdb, 0x2a, 0, 1);
        assert_int_equal(fx_run(f, f->n1, cdb, 10, 0, buf, 200, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.resid_kind, SCSI_RESID_OVERFLOW);
        assert_int_equal(cmd.resid, f->bs - 200);
        scsi_cmd_release(&cmd);
        rd = fx_read(f, 0, 1);
        assert_true(all_bytes(rd, f->bs, 'a'));
        free(rd);
        /* Parameter data shorter than its length field is refused (MODE SELECT). */
        {
                uint8_t sel[6] = { 0x15, 0x10, 0, 0, 24, 0 };
                fx_run(f, f->n1, sel, 6, 0, buf, 12, &cmd);
                assert_sense(&cmd, SCSI_SENSE_ILLEGAL_REQUEST, 0x0e, 0x03);
                assert_int_equal(cmd.resid_kind, SCSI_RESID_OVERFLOW);
                assert_int_equal(cmd.resid, 12);
                scsi_cmd_release(&cmd);
        }
        /* WRITE of 1 block with EDTL of 2 blocks: one block written, underflow. */
        cdb_rw10(cdb, 0x2a, 0, 1);
        assert_int_equal(fx_run(f, f->n1, cdb, 10, 0, buf, 2 * f->bs, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.resid_kind, SCSI_RESID_UNDERFLOW);
        assert_int_equal(cmd.resid, f->bs);
        scsi_cmd_release(&cmd);
        rd = fx_read(f, 0, 2);
        assert_true(all_bytes(rd, f->bs, 'b'));
        assert_true(all_bytes(rd + f->bs, f->bs, 'a'));
        free(rd);

        /* READ flagged as a write by the initiator: data collected and ignored, GOOD. */
        cdb_rw10(cdb, 0x28, 0, 1);
        assert_int_equal(fx_run_full(f, f->lu, f->n1, cdb, 10, false, true, f->bs, buf, false, &cmd),
                         SCSI_STATUS_GOOD);
        assert_int_equal(cmd.data_in_len, 0);
        scsi_cmd_release(&cmd);
        free(buf);
}

static void test_verify(void **state) {
        struct fx *f = *state;
        uint8_t cdb[16], *buf = malloc(3 * f->bs);
        struct scsi_cmd cmd;

        fx_write(f, 10, 3, 0x5a);
        memset(buf, 0x5a, 3 * f->bs);
        cdb_rw10(cdb, 0x2f, 10, 3);
        cdb[1] = 0x02;                                                  /* BYTCHK=1 */
        assert_int_equal(fx_status(f, f->n1, cdb, 10, 0, buf, 3 * f->bs), SCSI_STATUS_GOOD);
        buf[f->bs + 7] = 0;
        fx_run(f, f->n1, cdb, 10, 0, buf, 3 * f->bs, &cmd);
        assert_sense(&cmd, SCSI_SENSE_MISCOMPARE, 0x1d, 0x00);
        assert_int_equal(cmd.sense[0] & 0x80, 0x80);
        assert_int_equal(get32(cmd.sense + 3), f->bs + 7);             /* offset of the miscompare */
        scsi_cmd_release(&cmd);
        /* BYTCHK=3: one block compared with each. */
        cdb_rw16(cdb, 0x8f, 10, 3);
        cdb[1] = 0x06;
        assert_int_equal(fx_status(f, f->n1, cdb, 16, 0, buf, f->bs), SCSI_STATUS_GOOD);
        /* BYTCHK=0: medium check only, no data. */
        cdb[1] = 0;
        assert_int_equal(fx_status(f, f->n1, cdb, 16, 0, NULL, 0), SCSI_STATUS_GOOD);
        cdb[1] = 0x04;                                                  /* BYTCHK=2 reserved */
        fx_expect_sense(f, f->n1, cdb, 16, 0, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
        cdb_rw16(cdb, 0x8f, f->blocks - 1, 2);
        fx_expect_sense(f, f->n1, cdb, 16, 0, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00);
        free(buf);
}

static bool is_hole(struct fx *f, uint64_t off, uint64_t len) {
        int fd = open(f->path, O_RDONLY);
        off_t d;
        assert_true(fd >= 0);
        d = lseek(fd, (off_t) off, SEEK_DATA);
        close(fd);
        return d < 0 || (uint64_t) d >= off + len;
}

static void test_write_same(void **state) {
        struct fx *f = *state;
        uint8_t cdb[16], *blk = calloc(2, f->bs), *rd;
        uint32_t n = 64 * 1024 / f->bs;                                 /* 64 KiB */

        for (uint32_t i = 0; i < f->bs; i++)
                blk[i] = (uint8_t) i;
        memset(cdb, 0, 16);
        cdb[0] = 0x41;
        put32(cdb + 2, 32);
        put16(cdb + 7, (uint16_t) n);
        assert_int_equal(fx_status(f, f->n1, cdb, 10, 0, blk, f->bs), SCSI_STATUS_GOOD);
        rd = fx_read(f, 32, n);
        for (uint32_t i = 0; i < n; i++)
                assert_memory_equal(rd + (size_t) i * f->bs, blk, f->bs);
        free(rd);

        /* WRITE SAME(16) with UNMAP and a zero block punches a hole (fileio) and reads back 0. */
        memset(blk, 0, f->bs);
        cdb_rw16(cdb, 0x93, 32, n);
        cdb[1] = 0x08;
        assert_int_equal(fx_status(f, f->n1, cdb, 16, 0, blk, f->bs), SCSI_STATUS_GOOD);
        rd = fx_read(f, 32, n);
        assert_true(all_bytes(rd, (size_t) n * f->bs, 0));
        free(rd);
        if (f->path[0])
                assert_true(is_hole(f, 32 * f->bs, (uint64_t) n * f->bs));
        /* UNMAP=1 deallocates even when the block sent is not zero (LBPRZ: reads zero). */
        fx_write(f, 40, 2, 0x33);
        memset(blk, 0x44, f->bs);
        cdb_rw16(cdb, 0x93, 40, 2);
        cdb[1] = 0x08;
        assert_int_equal(fx_status(f, f->n1, cdb, 16, 0, blk, f->bs), SCSI_STATUS_GOOD);
        rd = fx_read(f, 40, 2);
        assert_true(all_bytes(rd, 2 * f->bs, 0));
        free(rd);
        memset(blk, 0, f->bs);

        /* 0 blocks (WSNZ=0): up to the end of the medium. */
        fx_write(f, f->blocks - 3, 3, 0x11);
        memset(blk, 0x22, f->bs);
        cdb_rw16(cdb, 0x93, f->blocks - 2, 0);
        assert_int_equal(fx_status(f, f->n1, cdb, 16, 0, blk, f->bs), SCSI_STATUS_GOOD);
        rd = fx_read(f, f->blocks - 3, 3);
        assert_true(all_bytes(rd, f->bs, 0x11));
        assert_true(all_bytes(rd + f->bs, 2 * f->bs, 0x22));
        free(rd);
        cdb_rw16(cdb, 0x93, f->blocks, 0);
        assert_int_equal(fx_status(f, f->n1, cdb, 16, 0, blk, f->bs), SCSI_STATUS_GOOD);
        cdb_rw16(cdb, 0x93, f->blocks + 1, 0);
        fx_expect_sense(f, f->n1, cdb, 16, 0, blk, f->bs, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00);
        memset(blk, 0, f->bs);
        /* Out of range, wrong Data-Out sizes, LBDATA. */
        cdb_rw16(cdb, 0x93, f->blocks - 1, 2);
        fx_expect_sense(f, f->n1, cdb, 16, 0, blk, f->bs, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00);
        cdb_rw16(cdb, 0x93, 0, 1);
        fx_expect_sense(f, f->n1, cdb, 16, 0, blk, 2 * f->bs, SCSI_SENSE_ILLEGAL_REQUEST, 0x0e, 0x03);
        fx_expect_sense(f, f->n1, cdb, 16, 0, blk, f->bs / 2, SCSI_SENSE_ILLEGAL_REQUEST, 0x0e, 0x03);
        cdb[1] = 0x02;
        fx_expect_sense(f, f->n1, cdb, 16, 0, blk, f->bs, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
        /* NDOB: zeroes without Data-Out. */
        fx_write(f, 7, 1, 0xee);
        cdb_rw16(cdb, 0x93, 7, 1);
        cdb[1] = 0x01;
        assert_int_equal(fx_status(f, f->n1, cdb, 16, 0, NULL, 0), SCSI_STATUS_GOOD);
        rd = fx_read(f, 7, 1);
        assert_true(all_bytes(rd, f->bs, 0));
        free(rd);
        free(blk);
}

static void unmap_range(struct fx *f, uint64_t lba, uint32_t n, uint8_t expect_status) {
        uint8_t cdb[10] = { 0x42, [8] = 24 };
        uint8_t p[24] = { 0 };

        put16(p, 22);
        put16(p + 2, 16);
        put64(p + 8, lba);
        put32(p + 16, n);
        assert_int_equal(fx_status(f, f->n1, cdb, 10, 0, p, 24), expect_status);
}

static void lba_status(struct fx *f, uint64_t lba, uint64_t *ret_lba, uint32_t *ret_n, uint8_t *ret_st) {
        uint8_t cdb[16] = { 0x9e, 0x12 };
        struct scsi_cmd cmd;

        put64(cdb + 2, lba);
        put32(cdb + 10, 24);
        assert_int_equal(fx_run(f, f->n1, cdb, 16, 24, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.data_in_len, 24);
        assert_int_equal(get32(cmd.buf), 20);
        *ret_lba = get64(cmd.buf + 8);
        *ret_n = get32(cmd.buf + 16);
        *ret_st = cmd.buf[20] & 0x0f;
        scsi_cmd_release(&cmd);
}

static void test_unmap_get_lba_status(void **state) {
        struct fx *f = *state;
        uint32_t per4k = 4096 / f->bs, n = 64 * per4k;                  /* 256 KiB */
        uint64_t l;
        uint32_t cnt;
        uint8_t st, *rd;

        fx_write(f, 0, n + per4k, 'A');
        lba_status(f, 0, &l, &cnt, &st);
        assert_int_equal(l, 0);
        assert_int_equal(st, 0);
        assert_true(cnt >= n);

        unmap_range(f, 0, n, SCSI_STATUS_GOOD);
        rd = fx_read(f, 0, n + per4k);
        assert_true(all_bytes(rd, (size_t) n * f->bs, 0));
        assert_true(all_bytes(rd + (size_t) n * f->bs, (size_t) per4k * f->bs, 'A'));
        free(rd);
        if (f->path[0])
                assert_true(is_hole(f, 0, (uint64_t) n * f->bs));

        lba_status(f, 0, &l, &cnt, &st);
        assert_int_equal(l, 0);
        assert_int_equal(st, 1);                                        /* deallocated */
        assert_int_equal(cnt, n);
        lba_status(f, n, &l, &cnt, &st);
        assert_int_equal(l, n);
        assert_int_equal(st, 0);

        /* Errors: beyond the end, short parameter list, GET LBA STATUS past the end. */
        unmap_range(f, f->blocks - 1, 2, SCSI_STATUS_CHECK_CONDITION);
        {
                uint8_t cdb[10] = { 0x42, [8] = 4 };
                uint8_t p[4] = { 0 };
                fx_expect_sense(f, f->n1, cdb, 10, 0, p, 4, SCSI_SENSE_ILLEGAL_REQUEST, 0x1a, 0x00);
                uint8_t gls[16] = { 0x9e, 0x12 };
                put64(gls + 2, f->blocks);
                put32(gls + 10, 24);
                fx_expect_sense(f, f->n1, gls, 16, 24, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00);
        }
        /* A zero-length parameter list is not an error. */
        {
                uint8_t cdb[10] = { 0x42 };
                assert_int_equal(fx_status(f, f->n1, cdb, 10, 0, NULL, 0), SCSI_STATUS_GOOD);
        }
}

static void test_compare_and_write(void **state) {
        struct fx *f = *state;
        uint8_t cdb[16] = { 0x89 };
        uint8_t *buf = malloc(4 * f->bs), *rd;
        struct scsi_cmd cmd;

        fx_write(f, 20, 2, 'x');
        put64(cdb + 2, 20);
        cdb[13] = 2;
        memset(buf, 'x', 2 * f->bs);
        memset(buf + 2 * f->bs, 'y', 2 * f->bs);
        assert_int_equal(fx_status(f, f->n1, cdb, 16, 0, buf, 4 * f->bs), SCSI_STATUS_GOOD);
        rd = fx_read(f, 20, 2);
        assert_true(all_bytes(rd, 2 * f->bs, 'y'));
        free(rd);

        /* Compare data no longer matches: MISCOMPARE at offset 0, medium unchanged. */
        memset(buf + 2 * f->bs, 'z', 2 * f->bs);
        fx_run(f, f->n1, cdb, 16, 0, buf, 4 * f->bs, &cmd);
        assert_sense(&cmd, SCSI_SENSE_MISCOMPARE, 0x1d, 0x00);
        assert_int_equal(get32(cmd.sense + 3), 0);
        scsi_cmd_release(&cmd);
        rd = fx_read(f, 20, 2);
        assert_true(all_bytes(rd, 2 * f->bs, 'y'));
        free(rd);

        /* Miscompare in the second block reports its byte offset. */
        memset(buf, 'y', 2 * f->bs);
        buf[f->bs + 3] = 'q';
        fx_run(f, f->n1, cdb, 16, 0, buf, 4 * f->bs, &cmd);
        assert_sense(&cmd, SCSI_SENSE_MISCOMPARE, 0x1d, 0x00);
        assert_int_equal(get32(cmd.sense + 3), f->bs + 3);
        scsi_cmd_release(&cmd);

        /* Data-Out must be exactly 2 x NUMBER OF BLOCKS. */
        cdb[13] = 1;
        fx_run(f, f->n1, cdb, 16, 0, buf, 4 * f->bs, &cmd);
        assert_int_equal(cmd.status, SCSI_STATUS_CHECK_CONDITION);
        scsi_cmd_release(&cmd);
        cdb[13] = 3;
        fx_run(f, f->n1, cdb, 16, 0, buf, 4 * f->bs, &cmd);
        assert_int_equal(cmd.status, SCSI_STATUS_CHECK_CONDITION);
        scsi_cmd_release(&cmd);
        /* 0 blocks: GOOD without data, refused with data (a wrapped 256-block count). */
        cdb[13] = 0;
        assert_int_equal(fx_status(f, f->n1, cdb, 16, 0, NULL, 0), SCSI_STATUS_GOOD);
        fx_expect_sense(f, f->n1, cdb, 16, 0, buf, 2 * f->bs, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
        /* Beyond the end, more blocks than advertised. */
        cdb[13] = 1;
        put64(cdb + 2, f->blocks);
        fx_expect_sense(f, f->n1, cdb, 16, 0, buf, 2 * f->bs, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00);
        put64(cdb + 2, 0);
        cdb[13] = 255;
        fx_expect_sense(f, f->n1, cdb, 16, 0, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
        free(buf);
}

static void test_orwrite(void **state) {
        struct fx *f = *state;
        uint8_t cdb[16], *buf = malloc(f->bs), *rd;

        fx_write(f, 3, 1, 0x0f);
        memset(buf, 0xf0, f->bs);
        cdb_rw16(cdb, 0x8b, 3, 1);
        assert_int_equal(fx_status(f, f->n1, cdb, 16, 0, buf, f->bs), SCSI_STATUS_GOOD);
        rd = fx_read(f, 3, 1);
        assert_true(all_bytes(rd, f->bs, 0xff));
        free(rd);
        cdb_rw16(cdb, 0x8b, f->blocks, 1);
        fx_expect_sense(f, f->n1, cdb, 16, 0, buf, f->bs, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00);
        free(buf);
}

static void test_sync_cache_prefetch(void **state) {
        struct fx *f = *state;
        uint8_t cdb[16];

        cdb_rw10(cdb, 0x35, 0, 0);
        assert_int_equal(fx_status(f, f->n1, cdb, 10, 0, NULL, 0), SCSI_STATUS_GOOD);
        cdb_rw16(cdb, 0x91, 0, (uint32_t) f->blocks);
        assert_int_equal(fx_status(f, f->n1, cdb, 16, 0, NULL, 0), SCSI_STATUS_GOOD);
        cdb_rw16(cdb, 0x91, f->blocks, 1);
        fx_expect_sense(f, f->n1, cdb, 16, 0, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00);
        cdb_rw10(cdb, 0x34, 0, 8);
        assert_int_equal(fx_status(f, f->n1, cdb, 10, 0, NULL, 0), SCSI_STATUS_GOOD);
        cdb_rw16(cdb, 0x90, f->blocks - 1, 2);
        fx_expect_sense(f, f->n1, cdb, 16, 0, NULL, 0, SCSI_SENSE_ILLEGAL_REQUEST, 0x21, 0x00);
}

static void test_write_protect(void **state) {
        struct fx *f = *state;
        uint8_t cdb[16], *blk = calloc(1, f->bs);
        uint8_t um[10] = { 0x42, [8] = 24 }, p[24] = { 0 };
        struct scsi_cmd cmd;

        cdb_rw10(cdb, 0x2a, 0, 1);
        fx_run_full(f, f->lu, f->n1, cdb, 10, false, true, f->bs, blk, true, &cmd);
        assert_sense(&cmd, SCSI_SENSE_DATA_PROTECT, 0x27, 0x00);
        scsi_cmd_release(&cmd);
        put16(p, 22);
        put16(p + 2, 16);
        put32(p + 16, 1);
        fx_run_full(f, f->lu, f->n1, um, 10, false, true, 24, p, true, &cmd);
        assert_sense(&cmd, SCSI_SENSE_DATA_PROTECT, 0x27, 0x00);
        scsi_cmd_release(&cmd);
        cdb_rw10(cdb, 0x28, 0, 1);
        assert_int_equal(fx_run_full(f, f->lu, f->n1, cdb, 10, true, false, f->bs, NULL, true, &cmd),
                         SCSI_STATUS_GOOD);
        scsi_cmd_release(&cmd);
        /* MODE SENSE shows WP for that mapping. */
        uint8_t ms[6] = { 0x1a, 0x08, 0x3f, 0, 255, 0 };
        assert_int_equal(fx_run_full(f, f->lu, f->n1, ms, 6, true, false, 255, NULL, true, &cmd),
                         SCSI_STATUS_GOOD);
        assert_int_equal(cmd.buf[2] & 0x80, 0x80);
        scsi_cmd_release(&cmd);
        free(blk);
}

/* Many commands in flight on one engine at once, completing out of order. */
static void test_async_many(void **state) {
        struct fx *f = *state;
        enum { N = 16 };
        struct scsi_cmd cmds[N];
        int done[N] = { 0 };
        uint8_t *blk = malloc(8 * f->bs);
        unsigned inflight = 0;

        for (int i = 0; i < N; i++) {
                uint8_t cdb[16];
                memset(blk, 'a' + i, 8 * f->bs);
                cdb_rw16(cdb, 0x8a, (uint64_t) i * 8, 8);
                scsi_cmd_init(&cmds[i]);
                memcpy(cmds[i].cdb, cdb, 16);
                cmds[i].nexus = f->n1;
                cmds[i].write = true;
                cmds[i].expected_len = 8 * f->bs;
                cmds[i].done = fx_done;
                cmds[i].userdata = &done[i];
                assert_int_equal(scsi_cmd_prepare(f->lu, &cmds[i]), SCSI_PREP_DATA_OUT);
                memcpy(cmds[i].buf, blk, 8 * f->bs);
        }
        scsi_engine_set_batching(f->e, true);
        for (int i = 0; i < N; i++) {
                if (scsi_cmd_submit(f->e, &cmds[i]) == SCSI_SUBMIT_COMPLETED)
                        done[i] = 1;
                else
                        inflight++;
        }
        assert_int_equal(scsi_engine_flush(f->e), 0);
        if (f->path[0] && strncmp(f->path, "/dev/shm/", 9) != 0)
                assert_int_equal(inflight, N);                          /* fileio on disk is asynchronous */
        for (int i = 0; i < N; i++)
                while (!done[i])
                        assert_true(scsi_engine_wait(f->e) >= 0);
        assert_int_equal(scsi_engine_in_flight(f->e), 0);
        scsi_engine_set_batching(f->e, false);
        for (int i = 0; i < N; i++) {
                uint8_t *rd;
                assert_int_equal(cmds[i].status, SCSI_STATUS_GOOD);
                scsi_cmd_release(&cmds[i]);
                rd = fx_read(f, (uint64_t) i * 8, 8);
                assert_true(all_bytes(rd, 8 * f->bs, 'a' + i));
                free(rd);
        }
        /* The eventfd is how an event loop learns about completions. */
        assert_true(scsi_engine_get_fd(f->e) >= 0);
        free(blk);
}

static void test_backstore_open(void **state) {
        struct backstore *b = NULL;
        char dir[] = "/tmp/unit-target-bs-XXXXXX", path[128];
        struct stat st;
        (void) state;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/new.img", dir);
        /* Created sparse at the requested size, like targetcli. */
        assert_int_equal(backstore_open_fileio(path, 3 * 1024 * 1024, false, false, &b), 0);
        assert_int_equal(backstore_get_size(b), 3 * 1024 * 1024);
        assert_false(backstore_is_write_back(b));
        assert_int_equal(stat(path, &st), 0);
        assert_int_equal(st.st_size, 3 * 1024 * 1024);
        backstore_free(b);
        /* Reopen with size 0 keeps the file's size. */
        assert_int_equal(backstore_open_fileio(path, 0, true, true, &b), 0);
        assert_int_equal(backstore_get_size(b), 3 * 1024 * 1024);
        assert_true(backstore_is_readonly(b));
        backstore_free(b);
        assert_int_equal(backstore_open_fileio("/nonexistent-dir/x.img", 1 << 20, true, false, &b), -ENOENT);
        assert_int_equal(backstore_open_block(path, false, &b), -ENOTBLK);
        assert_int_equal(backstore_open_ramdisk(100, false, &b), -EINVAL);
        assert_int_equal(backstore_open_ramdisk(1 << 20, true, &b), 0);
        assert_true(backstore_supports_unmap(b));
        backstore_free(b);
        unlink(path);
        rmdir(dir);
}

static void test_nullio(void **state) {
        struct backstore *b = NULL;
        struct scsi_lu_params p;
        struct fx f = { 0 };
        uint8_t *rd;
        (void) state;

        assert_int_equal(scsi_engine_new(0, &f.e), 0);
        assert_int_equal(backstore_open_ramdisk(1 << 20, true, &b), 0);
        scsi_lu_params_init(&p);
        p.name = "null";
        assert_int_equal(scsi_lu_new(&p, b, &f.lu), 0);
        assert_int_equal(scsi_nexus_new("iqn.x:i", NULL, "iqn.x:t", 1, &f.n1), 0);
        f.bs = 512;
        f.blocks = (1 << 20) / 512;
        fx_write(&f, 0, 1, 0x77);
        rd = fx_read(&f, 0, 1);
        assert_true(all_bytes(rd, 512, 0));                             /* writes are discarded */
        free(rd);
        assert_int_equal(strlen(scsi_lu_get_serial(f.lu)), 32);        /* derived from the name */
        scsi_nexus_unref(f.n1);
        scsi_lu_unref(f.lu);
        scsi_engine_free(f.e);
}

/* Reads of memory-resident data are sent from the backstore's memory; holes are not
 * faulted in (reading a sparse tmpfs file must not allocate it). */
static void test_zero_copy_read(void **state) {
        struct fx *f = *state;
        uint8_t cdb[16];
        struct scsi_cmd cmd;

        uint32_t n = 128 * 1024 / f->bs;                                /* large read */

        fx_write(f, 64, n, 0x7e);
        cdb_rw16(cdb, 0x88, 64, n);
        assert_int_equal(fx_run(f, f->n1, cdb, 16, n * f->bs, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_true(cmd.priv.borrowed);
        assert_true(all_bytes(cmd.buf, (size_t) n * f->bs, 0x7e));
        scsi_cmd_release(&cmd);
        assert_null(cmd.buf);

        unmap_range(f, 64, n, SCSI_STATUS_GOOD);
        assert_int_equal(fx_run(f, f->n1, cdb, 16, n * f->bs, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_true(all_bytes(cmd.buf, (size_t) n * f->bs, 0));
        if (f->path[0])
                assert_false(cmd.priv.borrowed);
        scsi_cmd_release(&cmd);
        if (f->path[0])
                assert_true(is_hole(f, 64 * f->bs, (uint64_t) n * f->bs));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, fx_setup_ram, fx_teardown), \
              cmocka_unit_test_setup_teardown(fn, fx_setup_file, fx_teardown), \
              cmocka_unit_test_setup_teardown(fn, fx_setup_shm, fx_teardown), \
              cmocka_unit_test_setup_teardown(fn, fx_setup_file4k, fx_teardown), \
              cmocka_unit_test_setup_teardown(fn, fx_setup_direct, fx_teardown)

int main(void) {
        const struct CMUnitTest tests[] = {
                T(test_rw_all_sizes),
                T(test_rw_boundaries),
                T(test_residuals),
                T(test_verify),
                T(test_write_same),
                T(test_unmap_get_lba_status),
                cmocka_unit_test_setup_teardown(test_unmap_get_lba_status, fx_setup_ram4k, fx_teardown),
                T(test_compare_and_write),
                T(test_orwrite),
                T(test_sync_cache_prefetch),
                T(test_write_protect),
                T(test_async_many),
                cmocka_unit_test_setup_teardown(test_zero_copy_read, fx_setup_ram, fx_teardown),
                cmocka_unit_test_setup_teardown(test_zero_copy_read, fx_setup_shm, fx_teardown),
                cmocka_unit_test(test_backstore_open),
                cmocka_unit_test(test_nullio),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
