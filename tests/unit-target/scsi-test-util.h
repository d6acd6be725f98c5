/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers for driving the SCSI layer with raw CDBs: a fixture with one engine, one LU
 * (ramdisk or fileio in a temporary directory) and two I_T nexuses. */
#pragma once

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "scsi.h"

struct fx {
        struct scsi_engine *e;
        struct scsi_lu *lu;
        struct scsi_nexus *n1, *n2;
        char dir[64];
        char path[128];
        uint32_t bs;
        uint64_t blocks;
        uint64_t luns[3];
};

#define FX_SIZE (8u * 1024u * 1024u)

static inline int fx_setup(void **state, enum backstore_type type, uint32_t block_size) {
        static const uint8_t isid1[6] = { 0x40, 0, 0, 1, 0, 0 }, isid2[6] = { 0x40, 0, 0, 2, 0, 0 };
        struct fx *f = calloc(1, sizeof(*f));
        struct backstore *b = NULL;
        struct scsi_lu_params p;

        assert_non_null(f);
        assert_int_equal(scsi_engine_new(64, &f->e), 0);
        if (type == BACKSTORE_FILEIO || (int) type == BACKSTORE_FILEIO + 100 || (int) type == BACKSTORE_FILEIO + 200) {
                snprintf(f->dir, sizeof(f->dir), "%s/unit-target-XXXXXX",
                         (int) type == BACKSTORE_FILEIO + 100 ? "/dev/shm" : "/tmp");
                assert_non_null(mkdtemp(f->dir));
                snprintf(f->path, sizeof(f->path), "%s/disk.img", f->dir);
                /* +200: write_back off, i.e. O_DIRECT|O_DSYNC where the filesystem allows. */
                assert_int_equal(backstore_open_fileio(f->path, FX_SIZE, (int) type != BACKSTORE_FILEIO + 200,
                                                       false, &b), 0);
        } else
                assert_int_equal(backstore_open_ramdisk(FX_SIZE, false, &b), 0);
        scsi_lu_params_init(&p);
        p.name = "disk01";
        p.wwn = "1c2d3e4f-5a6b-4c7d-8e9f-a0b1c2d3e4f5";
        p.block_size = block_size;
        assert_int_equal(scsi_lu_new(&p, b, &f->lu), 0);
        assert_int_equal(scsi_nexus_new("iqn.2026-01.org.example:init1", isid1,
                                        "iqn.2026-01.org.example:target", 1, &f->n1), 0);
        assert_int_equal(scsi_nexus_new("iqn.2026-01.org.example:init2", isid2,
                                        "iqn.2026-01.org.example:target", 1, &f->n2), 0);
        f->bs = block_size;
        f->blocks = FX_SIZE / block_size;
        f->luns[0] = 0;
        f->luns[1] = 3;
        f->luns[2] = 300;
        *state = f;
        return 0;
}

static inline int fx_setup_ram(void **state) {
        return fx_setup(state, BACKSTORE_RAMDISK, 512);
}
static inline int fx_setup_file(void **state) {
        return fx_setup(state, BACKSTORE_FILEIO, 512);
}
/* fileio without write-back cache: O_DIRECT through io_uring. */
static inline int fx_setup_direct(void **state) {
        return fx_setup(state, BACKSTORE_FILEIO + 200, 512);
}
/* fileio on tmpfs: inline I/O and zero-copy reads instead of io_uring. */
static inline int fx_setup_shm(void **state) {
        return fx_setup(state, BACKSTORE_FILEIO + 100, 512);
}
static inline int fx_setup_file4k(void **state) {
        return fx_setup(state, BACKSTORE_FILEIO, 4096);
}
static inline int fx_setup_ram4k(void **state) {
        return fx_setup(state, BACKSTORE_RAMDISK, 4096);
}

static inline int fx_teardown(void **state) {
        struct fx *f = *state;

        scsi_nexus_unref(f->n1);
        scsi_nexus_unref(f->n2);
        scsi_lu_unref(f->lu);
        scsi_engine_free(f->e);
        if (f->path[0])
                unlink(f->path);
        if (f->dir[0])
                rmdir(f->dir);
        free(f);
        return 0;
}

static inline void fx_done(struct scsi_cmd *cmd) {
        *(int *) cmd->userdata = 1;
}

/* Run one command to completion. out: Data-Out bytes (edtl of them) when write. The command
 * must be released by the caller (scsi_cmd_release). Returns the SCSI status. */
static inline int fx_run_full(struct fx *f, struct scsi_lu *lu, struct scsi_nexus *n, const uint8_t *cdb,
                              size_t cdb_len, bool read, bool write, uint32_t edtl, const void *out,
                              bool wp, struct scsi_cmd *cmd) {
        int done = 0, r;

        scsi_cmd_init(cmd);
        memcpy(cmd->cdb, cdb, cdb_len);
        cmd->nexus = n;
        cmd->read = read;
        cmd->write = write;
        cmd->expected_len = edtl;
        cmd->write_protect = wp;
        cmd->luns = f->luns;
        cmd->n_luns = 3;
        cmd->done = fx_done;
        cmd->userdata = &done;
        r = scsi_cmd_prepare(lu, cmd);
        if (r == SCSI_PREP_COMPLETE)
                return cmd->status;
        if (r == SCSI_PREP_DATA_OUT) {
                assert_int_equal(cmd->data_out_len, edtl);
                assert_true(cmd->buf_len >= edtl);
                if (out && edtl)
                        memcpy(cmd->buf, out, edtl);
        }
        if (scsi_cmd_submit(f->e, cmd) == SCSI_SUBMIT_IN_FLIGHT) {
                assert_true(scsi_cmd_in_flight(cmd));
                while (!done)
                        assert_true(scsi_engine_wait(f->e) >= 0);
        }
        assert_false(scsi_cmd_in_flight(cmd));
        return cmd->status;
}

static inline int fx_run(struct fx *f, struct scsi_nexus *n, const uint8_t *cdb, size_t cdb_len,
                         uint32_t edtl_in, const void *out, uint32_t edtl_out, struct scsi_cmd *cmd) {
        if (out)
                return fx_run_full(f, f->lu, n, cdb, cdb_len, false, true, edtl_out, out, false, cmd);
        return fx_run_full(f, f->lu, n, cdb, cdb_len, edtl_in > 0, false, edtl_in, NULL, false, cmd);
}

/* Run and release; return status. */
static inline int fx_status(struct fx *f, struct scsi_nexus *n, const uint8_t *cdb, size_t cdb_len,
                            uint32_t edtl_in, const void *out, uint32_t edtl_out) {
        struct scsi_cmd cmd;
        int s = fx_run(f, n, cdb, cdb_len, edtl_in, out, edtl_out, &cmd);
        scsi_cmd_release(&cmd);
        return s;
}

#define assert_sense(cmd, key, asc, ascq)                              \
        do {                                                            \
                assert_int_equal((cmd)->status, SCSI_STATUS_CHECK_CONDITION); \
                assert_true((cmd)->sense_len >= 18);                    \
                assert_int_equal((cmd)->sense[0] & 0x7f, 0x70);         \
                assert_int_equal((cmd)->sense[2] & 0x0f, (key));        \
                assert_int_equal((cmd)->sense[12], (asc));              \
                assert_int_equal((cmd)->sense[13], (ascq));             \
        } while (0)

/* Run a command expecting CHECK CONDITION with the given sense; reports the caller's line. */
static inline void fx_expect_sense_at(struct fx *f, struct scsi_nexus *n, const uint8_t *cdb, size_t len,
                                      uint32_t edtl_in, const void *out, uint32_t edtl_out,
                                      uint8_t key, uint8_t asc, uint8_t ascq, const char *file, int line) {
        struct scsi_cmd cmd;
        fx_run(f, n, cdb, len, edtl_in, out, edtl_out, &cmd);
        if (cmd.status != SCSI_STATUS_CHECK_CONDITION || cmd.sense_len < 18 ||
            (cmd.sense[2] & 0x0f) != key || cmd.sense[12] != asc || cmd.sense[13] != ascq) {
                print_error("%s:%d: CDB %02x: status %02x sense %x/%02x/%02x, expected %x/%02x/%02x\n",
                            file, line, cdb[0], cmd.status, cmd.sense[2] & 0x0f, cmd.sense[12],
                            cmd.sense[13], key, asc, ascq);
                scsi_cmd_release(&cmd);
                fail();
        }
        scsi_cmd_release(&cmd);
}
#define fx_expect_sense(f, n, cdb, len, ei, out, eo, key, asc, ascq) \
        fx_expect_sense_at(f, n, cdb, len, ei, out, eo, key, asc, ascq, __FILE__, __LINE__)

static inline void put16(uint8_t *p, uint16_t v) { p[0] = v >> 8; p[1] = v & 0xff; }
static inline void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v & 0xffff); }
static inline void put64(uint8_t *p, uint64_t v) { put32(p, v >> 32); put32(p + 4, (uint32_t) v); }
static inline uint16_t get16(const uint8_t *p) { return (uint16_t) (p[0] << 8 | p[1]); }
static inline uint32_t get32(const uint8_t *p) { return (uint32_t) get16(p) << 16 | get16(p + 2); }
static inline uint64_t get64(const uint8_t *p) { return (uint64_t) get32(p) << 32 | get32(p + 4); }

static inline void cdb_rw10(uint8_t *cdb, uint8_t op, uint32_t lba, uint16_t n) {
        memset(cdb, 0, 16);
        cdb[0] = op;
        put32(cdb + 2, lba);
        put16(cdb + 7, n);
}
static inline void cdb_rw16(uint8_t *cdb, uint8_t op, uint64_t lba, uint32_t n) {
        memset(cdb, 0, 16);
        cdb[0] = op;
        put64(cdb + 2, lba);
        put32(cdb + 10, n);
}

/* Write n blocks filled with `fill` at lba (WRITE(16)); asserts GOOD. */
static inline void fx_write(struct fx *f, uint64_t lba, uint32_t n, uint8_t fill) {
        uint8_t cdb[16];
        uint8_t *buf = malloc((size_t) n * f->bs);
        assert_non_null(buf);
        memset(buf, fill, (size_t) n * f->bs);
        cdb_rw16(cdb, 0x8a, lba, n);
        assert_int_equal(fx_status(f, f->n1, cdb, 16, 0, buf, n * f->bs), SCSI_STATUS_GOOD);
        free(buf);
}

/* Read n blocks at lba into a fresh buffer (caller frees). */
static inline uint8_t *fx_read(struct fx *f, uint64_t lba, uint32_t n) {
        struct scsi_cmd cmd;
        uint8_t cdb[16];
        uint8_t *buf = malloc((size_t) n * f->bs + 1);
        assert_non_null(buf);
        cdb_rw16(cdb, 0x88, lba, n);
        assert_int_equal(fx_run(f, f->n1, cdb, 16, n * f->bs, NULL, 0, &cmd), SCSI_STATUS_GOOD);
        assert_int_equal(cmd.data_in_len, n * f->bs);
        memcpy(buf, cmd.buf, (size_t) n * f->bs);
        scsi_cmd_release(&cmd);
        return buf;
}

static inline bool all_bytes(const uint8_t *p, size_t n, uint8_t v) {
        for (size_t i = 0; i < n; i++)
                if (p[i] != v)
                        return false;
        return true;
}
