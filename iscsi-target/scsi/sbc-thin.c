/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* WRITE SAME, UNMAP (thin provisioning: fallocate PUNCH_HOLE), and the read-modify-write
 * commands COMPARE AND WRITE and ORWRITE. The latter two run synchronously under the LU's
 * CAW lock: atomicity against each other is the point of the command, and holding a lock
 * across asynchronous completions would stall other commands of the same thread. */
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>
#include <stdlib.h>
#include <sys/uio.h>

#include "scsi-ops.h"

#define WRITE_SAME_CHUNK (1024u * 1024u)

ScsiStep parse_write_same(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        const uint8_t *cdb = cmd->cdb;
        bool ws16 = cdb[0] == SCSI_OP_WRITE_SAME_16;
        uint64_t lba = ws16 ? get_be64(cdb + 2) : get_be32(cdb + 2);
        uint32_t n = ws16 ? get_be32(cdb + 10) : get_be16(cdb + 7);
        bool ndob = ws16 && (cdb[1] & 0x01);

        if (cdb[1] & 0xe0)
                return cmd_fail_field(cmd, true, 1, 7);         /* WRPROTECT */
        if (cdb[1] & 0x10)
                return cmd_fail_field(cmd, true, 1, 4);         /* ANCHOR: ANC_SUP=0 */
        if (cdb[1] & 0x06)
                return cmd_fail_field(cmd, true, 1, 2);         /* PBDATA/LBDATA */
        if ((cdb[1] & 0x08) && !lu->tpws)
                return cmd_fail_field(cmd, true, 1, 3);
        if (!lba_range_ok(lu, lba, n))
                return cmd_fail_info(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, lba);
        if (n == 0)
                /* WSNZ=0: zero blocks means "up to the last LBA" (bounded below). */
                n = (uint32_t) MIN(lu->nblocks - lba, (uint64_t) MAX_WRITE_SAME_BLOCKS + 1);
        if (n > MAX_WRITE_SAME_BLOCKS)
                return cmd_fail_field(cmd, true, ws16 ? 10 : 7, -1);
        cmd->priv.lba = lba;
        cmd->priv.nblocks = n;
        cmd->priv.xfer_len = ndob ? 0 : lu->block_size;
        /* Exactly one block of Data-Out; more is as wrong as less for this command. */
        if (!ndob && cmd->write && cmd->expected_len > lu->block_size)
                return cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_INFORMATION_UNIT);
        return SCSI_STEP_CONTINUE;
}

static int punch(struct scsi_cmd *cmd, uint64_t lba, uint64_t n) {
        struct scsi_lu *lu = cmd_lu(cmd);
        uint64_t off = lba << lu->block_shift, len = n << lu->block_shift;

        if (n == 0)
                return 0;
        if (bs_mem(lu->bs))
                return ramdisk_punch(lu, off, len);
        return engine_queue_fallocate(cmd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
}

ScsiStep exec_write_same(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        bool ndob = cmd->cdb[0] == SCSI_OP_WRITE_SAME_16 && (cmd->cdb[1] & 0x01);
        bool unmap = cmd->cdb[1] & 0x08;
        uint32_t bsz = lu->block_size;
        uint64_t total = (uint64_t) cmd->priv.nblocks << lu->block_shift;
        uint64_t off = cmd->priv.lba << lu->block_shift;
        uint32_t chunk = (uint32_t) MIN(total, (uint64_t) WRITE_SAME_CHUNK);
        uint8_t *pat;
        void *p;

        if (total == 0) {
                cmd_good(cmd);
                return SCSI_STEP_COMPLETE;
        }
        if (unmap) {
                /* UNMAP=1 deallocates the range, as Linux LIO does; with LBPRZ=1 it then
                 * reads back as zeroes whatever the Data-Out held (initiators send zeroes). */
                punch(cmd, cmd->priv.lba, cmd->priv.nblocks);
                if (bs_mem(lu->bs)) {
                        cmd_good(cmd);
                        return SCSI_STEP_COMPLETE;
                }
                return cmd_io_go(cmd);
        }
        if (posix_memalign(&p, 4096, chunk) != 0) {
                cmd_status(cmd, SCSI_STATUS_BUSY);
                return SCSI_STEP_COMPLETE;
        }
        free(cmd->priv.aux);
        cmd->priv.aux = pat = p;
        for (uint32_t i = 0; i < chunk; i += bsz) {
                if (ndob)
                        memset(pat + i, 0, bsz);
                else
                        memcpy(pat + i, cmd->buf, bsz);
        }
        for (uint64_t done = 0; done < total; done += chunk) {
                uint32_t len = (uint32_t) MIN((uint64_t) chunk, total - done);
                if (bs_mem(lu->bs))
                        ramdisk_rw(cmd, true, pat, len, off + done);
                else if (engine_queue_rw(cmd, true, pat, len, off + done, lu->bs->write_back &&
                                         !__atomic_load_n(&lu->wce, __ATOMIC_RELAXED) ? RWF_DSYNC : 0) < 0)
                        break;
        }
        if (bs_mem(lu->bs)) {
                cmd_good(cmd);
                return SCSI_STEP_COMPLETE;
        }
        return cmd_io_go(cmd);
}

/* ---- UNMAP ---- */


ScsiStep parse_unmap(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);

        if (!lu->tpu)
                return cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
        if (cmd->cdb[1] & 0x01)
                return cmd_fail_field(cmd, true, 1, 0);         /* ANCHOR */
        cmd->priv.xfer_len = get_be16(cmd->cdb + 7);
        return SCSI_STEP_CONTINUE;
}

ScsiStep exec_unmap(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        const uint8_t *p = cmd->buf;
        uint32_t len = cmd->priv.xfer_len;
        uint32_t nd;

        if (len == 0) {
                cmd_good(cmd);
                return SCSI_STEP_COMPLETE;
        }
        if (len < 8) {
                cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_PARAMETER_LIST_LENGTH_ERROR);
                return SCSI_STEP_COMPLETE;
        }
        nd = MIN((uint32_t) get_be16(p + 2), len - 8) / 16;
        if (nd > MAX_UNMAP_DESCRIPTORS) {
                cmd_fail_field(cmd, false, 2, -1);
                return SCSI_STEP_COMPLETE;
        }
        /* Check every descriptor before touching anything. */
        for (uint32_t i = 0; i < nd; i++) {
                const uint8_t *d = p + 8 + 16 * i;
                uint64_t lba = get_be64(d);
                uint32_t n = get_be32(d + 8);
                if (!lba_range_ok(lu, lba, n)) {
                        cmd_fail_info(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, lba);
                        return SCSI_STEP_COMPLETE;
                }
        }
        for (uint32_t i = 0; i < nd; i++) {
                const uint8_t *d = p + 8 + 16 * i;
                if (punch(cmd, get_be64(d), get_be32(d + 8)) < 0)
                        break;
        }
        if (bs_mem(lu->bs)) {
                cmd_good(cmd);
                return SCSI_STEP_COMPLETE;
        }
        return cmd_io_go(cmd);
}

/* ---- COMPARE AND WRITE, ORWRITE ---- */


static int sync_rw(struct backstore *bs, bool write, uint8_t *buf, size_t len, uint64_t off) {
        while (len > 0) {
                ssize_t r = write ? pwrite(bs->fd, buf, len, (off_t) off) : pread(bs->fd, buf, len, (off_t) off);
                if (r < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (r == 0) {
                        if (write)
                                return -EIO;
                        memset(buf, 0, len);
                        return 0;
                }
                buf += r;
                len -= (size_t) r;
                off += (uint64_t) r;
        }
        return 0;
}

ScsiStep parse_caw(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        const uint8_t *cdb = cmd->cdb;
        uint64_t lba = get_be64(cdb + 2);
        uint32_t n = cdb[13];

        if (!lu->caw)
                return cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
        if (cdb[1] & 0xe0)
                return cmd_fail_field(cmd, true, 1, 7);
        if (n > MAX_CAW_BLOCKS)
                return cmd_fail_field(cmd, true, 13, -1);
        if (!lba_range_ok(lu, lba, n))
                return cmd_fail_info(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, lba);
        cmd->priv.lba = lba;
        cmd->priv.nblocks = n;
        cmd->priv.xfer_len = 2 * (n << lu->block_shift);
        cmd->priv.fua = cdb[1] & 0x08;
        /* The Data-Out must be exactly the verify and write data (2 x NUMBER OF LOGICAL
         * BLOCKS); more, e.g. a 256-block request whose count wrapped to 0, is refused. */
        if (cmd->write && cmd->expected_len > cmd->priv.xfer_len)
                return cmd_fail_field(cmd, true, 13, -1);
        return SCSI_STEP_CONTINUE;
}

ScsiStep parse_orwrite(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        const uint8_t *cdb = cmd->cdb;
        uint64_t lba = get_be64(cdb + 2);
        uint32_t n = get_be32(cdb + 10);

        if (cdb[1] & 0xe0)
                return cmd_fail_field(cmd, true, 1, 7);         /* ORPROTECT */
        if (!lba_range_ok(lu, lba, n))
                return cmd_fail_info(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, lba);
        if ((n << lu->block_shift) > SCSI_MAX_XFER_BYTES)
                return cmd_fail_field(cmd, true, 10, -1);
        cmd->priv.lba = lba;
        cmd->priv.nblocks = n;
        cmd->priv.xfer_len = n << lu->block_shift;
        cmd->priv.fua = cdb[1] & 0x08;
        return SCSI_STEP_CONTINUE;
}

/* Read the current blocks into aux (or point at ramdisk memory), under caw_lock. */
static int rmw_read(struct scsi_cmd *cmd, uint8_t **ret, uint32_t len, uint64_t off) {
        struct backstore *bs = cmd_lu(cmd)->bs;
        void *p;
        int r;

        if (bs->mem) {
                *ret = bs->mem + off;
                return 0;
        }
        if (posix_memalign(&p, 4096, len) != 0)
                return -ENOMEM;
        free(cmd->priv.aux);
        cmd->priv.aux = p;
        if (bs_mem(bs)) {
                memset(p, 0, len);
                r = 0;
        } else
                r = sync_rw(bs, false, p, len, off);
        if (r < 0)
                return r;
        *ret = p;
        return 0;
}

static int rmw_write(struct scsi_cmd *cmd, uint8_t *data, uint32_t len, uint64_t off) {
        struct scsi_lu *lu = cmd_lu(cmd);
        struct backstore *bs = lu->bs;
        int r;

        if (bs_mem(bs))
                return ramdisk_rw(cmd, true, data, len, off);
        r = sync_rw(bs, true, data, len, off);
        if (r >= 0 && bs->write_back && (cmd->priv.fua || !__atomic_load_n(&lu->wce, __ATOMIC_RELAXED)) &&
            fdatasync(bs->fd) < 0)
                r = -errno;
        return r;
}

/* COMPARE AND WRITE and ORWRITE are the same read-modify-write under caw_lock: read the
 * blocks, let @modify check or combine them with the Data-Out buffer and name the bytes to
 * write back (NULL: it has already failed the command), write those. */
typedef uint8_t *(*rmw_modify_fn)(struct scsi_cmd *cmd, const uint8_t *cur, uint32_t len);

static ScsiStep exec_rmw(struct scsi_cmd *cmd, uint32_t len, rmw_modify_fn modify) {
        struct scsi_lu *lu = cmd_lu(cmd);
        uint64_t off = cmd->priv.lba << lu->block_shift;
        uint8_t *cur, *data;
        int r;

        if (len == 0) {
                cmd_good(cmd);
                return SCSI_STEP_COMPLETE;
        }
        pthread_mutex_lock(&lu->caw_lock);
        r = rmw_read(cmd, &cur, len, off);
        if (r < 0) {
                cmd_fail_errno(cmd, r, false);
                goto out;
        }
        data = modify(cmd, cur, len);
        if (!data)
                goto out;
        r = rmw_write(cmd, data, len, off);
        if (r < 0)
                cmd_fail_errno(cmd, r, true);
        else
                cmd_good(cmd);
out:
        pthread_mutex_unlock(&lu->caw_lock);
        return SCSI_STEP_COMPLETE;
}

/* Data-Out holds the verify blocks, then the write blocks. */
static uint8_t *caw_compare(struct scsi_cmd *cmd, const uint8_t *cur, uint32_t len) {
        for (uint32_t i = 0; i < len; i++)
                if (cur[i] != cmd->buf[i]) {
                        cmd_fail_info(cmd, SCSI_SENSE_MISCOMPARE, ASC_MISCOMPARE_DURING_VERIFY, i);
                        return NULL;
                }
        return cmd->buf + len;
}

ScsiStep exec_caw(struct scsi_cmd *cmd) {
        return exec_rmw(cmd, cmd->priv.nblocks << cmd_lu(cmd)->block_shift, caw_compare);
}

static uint8_t *orwrite_merge(struct scsi_cmd *cmd, const uint8_t *cur, uint32_t len) {
        for (uint32_t i = 0; i < len; i++)
                cmd->buf[i] |= cur[i];
        return cmd->buf;
}

ScsiStep exec_orwrite(struct scsi_cmd *cmd) {
        return exec_rmw(cmd, cmd->priv.xfer_len, orwrite_merge);
}
