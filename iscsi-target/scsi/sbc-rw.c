/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SBC data path: READ/WRITE 6/10/12/16, WRITE AND VERIFY, VERIFY, SYNCHRONIZE CACHE,
 * PRE-FETCH. fileio and block go through the engine (io_uring); ramdisk is memcpy. */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "scsi-ops.h"

/* Decode LBA / length of the 6/10/12/16-byte CDB layouts. */
static void cdb_lba_len(const uint8_t *cdb, uint64_t *lba, uint32_t *n) {
        switch (cdb[0] >> 5) {
        case 0:         /* 6-byte */
                *lba = get_be24(cdb + 1) & 0x1fffff;
                *n = cdb[4];
                break;
        case 1:         /* 10-byte */
        case 2:
                *lba = get_be32(cdb + 2);
                *n = get_be16(cdb + 7);
                break;
        case 5:         /* 12-byte */
                *lba = get_be32(cdb + 2);
                *n = get_be32(cdb + 6);
                break;
        default:        /* 16-byte */
                *lba = get_be64(cdb + 2);
                *n = get_be32(cdb + 10);
                break;
        }
}

/* Common range / size checks; sets lba, nblocks, xfer_len (= nblocks * block size). */
static ScsiStep check_range(struct scsi_cmd *cmd, uint64_t lba, uint64_t n, bool moves_blocks) {
        struct scsi_lu *lu = cmd_lu(cmd);

        if (!lba_range_ok(lu, lba, n))
                return cmd_fail_info(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, lba);
        if (moves_blocks && (n << lu->block_shift) > SCSI_MAX_XFER_BYTES)
                return cmd_fail_field(cmd, true, cmd->cdb[0] >= 0xa0 ? 6 : cmd->cdb[0] >= 0x80 ? 10 : 7, -1);
        cmd->priv.lba = lba;
        cmd->priv.nblocks = (uint32_t) n;
        cmd->priv.xfer_len = moves_blocks ? (uint32_t) (n << lu->block_shift) : 0;
        return SCSI_STEP_CONTINUE;
}

ScsiStep parse_rw(struct scsi_cmd *cmd) {
        const uint8_t *cdb = cmd->cdb;
        uint64_t lba;
        uint32_t n;
        uint8_t op = cdb[0];
        bool six = (op >> 5) == 0;
        bool wv = op == 0x2e || op == 0xae || op == 0x8e;

        cdb_lba_len(cdb, &lba, &n);
        if (six && n == 0)
                n = 256;                /* READ(6)/WRITE(6): 0 means 256 blocks */
        if (!six && (cdb[1] & 0xe0))
                /* RDPROTECT/WRPROTECT: no protection information on this LU. */
                return cmd_fail_field(cmd, true, 1, 7);
        if (check_range(cmd, lba, n, true) == SCSI_STEP_COMPLETE)
                return SCSI_STEP_COMPLETE;
        /* WRITE AND VERIFY must reach the medium before it is verified: treat as FUA. */
        cmd->priv.fua = wv || (!six && (cdb[1] & 0x08));
        return SCSI_STEP_CONTINUE;
}

int ramdisk_rw(struct scsi_cmd *cmd, bool write, uint8_t *buf, uint32_t len, uint64_t off) {
        struct backstore *bs = cmd_lu(cmd)->bs;

        if (bs->nullio) {
                if (!write)
                        memset(buf, 0, len);
                return 0;
        }
        if (write) {
                memcpy(bs->mem + off, buf, len);
                ramdisk_map_range(bs, off, len, true);
        } else
                memcpy(buf, bs->mem + off, len);
        return 0;
}

/* Drop whole pages (they read back as zeroes) and zero the partial edges. */
int ramdisk_punch(struct scsi_lu *lu, uint64_t off, uint64_t len) {
        struct backstore *bs = lu->bs;
        uint64_t page = 4096, start, end;

        if (bs->nullio || len == 0)
                return 0;

        ramdisk_map_range(bs, off, len, false);
        start = (off + page - 1) & ~(page - 1);
        end = (off + len) & ~(page - 1);
        if (start < end) {
                memset(bs->mem + off, 0, start - off);
                if (madvise(bs->mem + start, end - start, MADV_DONTNEED) < 0)
                        memset(bs->mem + start, 0, end - start);
                memset(bs->mem + end, 0, off + len - end);
        } else
                memset(bs->mem + off, 0, len);
        return 0;
}

/* All pages of [off, off+len) of the rmap in the page cache (so sending from them allocates
 * nothing)? Asks the cache of pages seen before, then mincore(). */
static bool resident(struct backstore *bs, uint64_t off, uint32_t len) {
        uint64_t first = off / 4096, last = (off + len + 4095) / 4096;
        uint64_t wfirst = first, wlast = last;
        unsigned char vec[2048 + 128];  /* up to 8 MiB, plus the window's rounding */
        bool seen = bs->rmap_seen, all = true;

        for (uint64_t p = first; seen && p < last; p++)
                seen = __atomic_load_n(&bs->rmap_seen[p / 64], __ATOMIC_RELAXED) & (UINT64_C(1) << (p % 64));
        if (seen)
                return true;
        if (!bs->rmap_seen) {
                /* Without the cache, below 64 KiB the mincore() call costs more than the copy
                 * it saves (measured). */
                if (len < 65536)
                        return false;
        } else {
                /* Learn the whole 64-page words around the range in the same call: the cache
                 * then warms up 64 times faster under random reads. */
                wfirst = first & ~UINT64_C(63);
                wlast = MIN((last + 63) & ~UINT64_C(63), (bs->size + 4095) / 4096);
        }
        if (wlast - wfirst > sizeof(vec) ||
            mincore(bs->rmap + wfirst * 4096, (wlast - wfirst) * 4096, vec) < 0)
                return false;
        for (uint64_t p = wfirst; p < wlast; p++) {
                bool in = vec[p - wfirst] & 1;
                if (in && bs->rmap_seen)
                        rmap_mark_range(bs, p * 4096, 4096, true);
                else if (!in && p >= first && p < last)
                        all = false;
        }
        return all;
}

ScsiStep exec_read(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        uint64_t off = cmd->priv.lba << lu->block_shift;

        if (cmd->priv.xfer_len == 0) {
                cmd_good(cmd);
                return SCSI_STEP_COMPLETE;
        }
        if (lu->bs->mem && !cmd->buf) {
                /* Zero copy: Data-In is sent straight from the backstore's memory. */
                cmd->buf = lu->bs->mem + off;
                cmd->buf_len = cmd->priv.xfer_len;
                cmd->priv.borrowed = true;
                cmd_good(cmd);
                return SCSI_STEP_COMPLETE;
        }
        if (lu->bs->rmap && !cmd->buf && resident(lu->bs, off, cmd->priv.xfer_len)) {
                cmd->buf = lu->bs->rmap + off;
                cmd->buf_len = cmd->priv.xfer_len;
                cmd->priv.borrowed = true;
                cmd_good(cmd);
                return SCSI_STEP_COMPLETE;
        }
        if (cmd_alloc_buf(cmd, cmd->priv.xfer_len) < 0) {
                cmd_status(cmd, SCSI_STATUS_BUSY);
                return SCSI_STEP_COMPLETE;
        }
        if (bs_mem(lu->bs)) {
                ramdisk_rw(cmd, false, cmd->buf, cmd->priv.xfer_len, off);
                cmd_good(cmd);
                return SCSI_STEP_COMPLETE;
        }
        engine_queue_rw(cmd, false, cmd->buf, cmd->priv.xfer_len, off, 0);
        return cmd_io_go(cmd);
}

ScsiStep io_done_read(struct scsi_cmd *cmd) {
        if (cmd->priv.error < 0)
                cmd_fail_errno(cmd, cmd->priv.error, false);
        else
                cmd_good(cmd);
        return SCSI_STEP_COMPLETE;
}

static int write_flags(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);

        /* With a volatile cache (write_back) FUA, or WCE=0 set by MODE SELECT, need the data
         * on stable storage before GOOD. */
        if (lu->bs->write_back && (cmd->priv.fua || !__atomic_load_n(&lu->wce, __ATOMIC_RELAXED)))
                return RWF_DSYNC;
        return 0;
}

ScsiStep exec_write(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        uint64_t off = cmd->priv.lba << lu->block_shift;
        /* nblocks may be less than the CDB asked for: see write_truncate(). */
        uint32_t len = cmd->priv.nblocks << lu->block_shift;

        if (len == 0) {
                cmd_good(cmd);
                return SCSI_STEP_COMPLETE;
        }
        if (bs_mem(lu->bs)) {
                ramdisk_rw(cmd, true, cmd->buf, len, off);
                cmd_good(cmd);
                return SCSI_STEP_COMPLETE;
        }
        engine_queue_rw(cmd, true, cmd->buf, len, off, write_flags(cmd));
        return cmd_io_go(cmd);
}

/* iSCSI EDTL shorter than the CDB's transfer (overflow): as FCP-4 allows, write only the
 * whole blocks the initiator sends and report the overflow in the residual. */
void write_truncate(struct scsi_cmd *cmd) {
        uint32_t have = cmd->write ? cmd->expected_len : 0;

        cmd->priv.nblocks = MIN(cmd->priv.nblocks, have >> cmd_lu(cmd)->block_shift);
}

ScsiStep io_done_write(struct scsi_cmd *cmd) {
        if (cmd->priv.error < 0)
                cmd_fail_errno(cmd, cmd->priv.error, true);
        else
                cmd_good(cmd);
        return SCSI_STEP_COMPLETE;
}

ScsiStep io_done_simple(struct scsi_cmd *cmd) {
        return io_done_write(cmd);
}

/* ---- VERIFY ---- */

ScsiStep parse_verify(struct scsi_cmd *cmd) {
        const uint8_t *cdb = cmd->cdb;
        struct scsi_lu *lu = cmd_lu(cmd);
        uint64_t lba;
        uint32_t n;
        uint8_t bytchk = (cdb[1] >> 1) & 3;

        cdb_lba_len(cdb, &lba, &n);
        if (cdb[1] & 0xe0)
                return cmd_fail_field(cmd, true, 1, 7);  /* VRPROTECT */
        if (bytchk == 2)
                return cmd_fail_field(cmd, true, 1, 2);
        if (check_range(cmd, lba, n, bytchk != 0) == SCSI_STEP_COMPLETE)
                return SCSI_STEP_COMPLETE;
        cmd->priv.stage = bytchk;
        if (bytchk == 3)
                cmd->priv.xfer_len = n ? lu->block_size : 0;
        return SCSI_STEP_CONTINUE;
}

static ScsiStep verify_compare(struct scsi_cmd *cmd, const uint8_t *medium) {
        struct scsi_lu *lu = cmd_lu(cmd);
        uint64_t total = (uint64_t) cmd->priv.nblocks << lu->block_shift;

        for (uint64_t i = 0; i < total; i++) {
                uint8_t want = cmd->priv.stage == 3 ? cmd->buf[i & (lu->block_size - 1)] : cmd->buf[i];
                if (medium[i] != want) {
                        cmd_fail_info(cmd, SCSI_SENSE_MISCOMPARE, ASC_MISCOMPARE_DURING_VERIFY, i);
                        return SCSI_STEP_COMPLETE;
                }
        }
        cmd->priv.xfer_len = cmd->priv.stage == 3 ? lu->block_size : (uint32_t) total;
        cmd_good(cmd);
        return SCSI_STEP_COMPLETE;
}

ScsiStep exec_verify(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        uint64_t off = cmd->priv.lba << lu->block_shift;
        uint32_t total = cmd->priv.nblocks << lu->block_shift;
        void *p;

        if (cmd->priv.stage == 0 || cmd->priv.nblocks == 0) {
                cmd_good(cmd);
                return SCSI_STEP_COMPLETE;
        }
        if (lu->bs->mem)
                return verify_compare(cmd, lu->bs->mem + off);
        if (posix_memalign(&p, 4096, total) != 0) {
                cmd_status(cmd, SCSI_STATUS_BUSY);
                return SCSI_STEP_COMPLETE;
        }
        free(cmd->priv.aux);
        cmd->priv.aux = p;
        if (bs_mem(lu->bs)) {
                memset(p, 0, total);
                return verify_compare(cmd, p);
        }
        engine_queue_rw(cmd, false, p, total, off, 0);
        return cmd_io_go(cmd);
}

ScsiStep io_done_verify(struct scsi_cmd *cmd) {
        if (cmd->priv.error < 0) {
                cmd_fail_errno(cmd, cmd->priv.error, false);
                return SCSI_STEP_COMPLETE;
        }
        return verify_compare(cmd, cmd->priv.aux);
}

/* ---- SYNCHRONIZE CACHE, PRE-FETCH ---- */

static ScsiStep parse_range_only(struct scsi_cmd *cmd) {
        uint64_t lba;
        uint32_t n;

        cdb_lba_len(cmd->cdb, &lba, &n);
        return check_range(cmd, lba, n, false);
}

ScsiStep parse_sync_cache(struct scsi_cmd *cmd) {
        return parse_range_only(cmd);
}

ScsiStep exec_sync_cache(struct scsi_cmd *cmd) {
        struct backstore *bs = cmd_lu(cmd)->bs;

        if (bs_mem(bs) || (bs->type == BACKSTORE_FILEIO && !bs->write_back)) {
                cmd_good(cmd);
                return SCSI_STEP_COMPLETE;
        }
        engine_queue_fsync(cmd);
        return cmd_io_go(cmd);
}

ScsiStep parse_prefetch(struct scsi_cmd *cmd) {
        return parse_range_only(cmd);
}

ScsiStep exec_prefetch(struct scsi_cmd *cmd) {
        /* Data is served from the page cache or memory anyway; nothing to stage. */
        cmd_good(cmd);
        return SCSI_STEP_COMPLETE;
}
