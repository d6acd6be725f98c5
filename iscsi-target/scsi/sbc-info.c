/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* READ CAPACITY (10)/(16) and GET LBA STATUS (SEEK_DATA/SEEK_HOLE on fileio). */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "scsi-ops.h"

ScsiStep parse_read_capacity10(struct scsi_cmd *cmd) {
        /* PMI is obsolete; a non-zero LBA without PMI is invalid (SBC-3). */
        if (!(cmd->cdb[8] & 0x01) && get_be32(cmd->cdb + 2) != 0)
                return cmd_fail_field(cmd, true, 2, -1);
        cmd->priv.xfer_len = 8;
        return SCSI_STEP_CONTINUE;
}

ScsiStep exec_read_capacity10(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        uint64_t last = lu->nblocks - 1;

        if (cmd_alloc_buf(cmd, 8) < 0) {
                cmd_status(cmd, SCSI_STATUS_BUSY);
                return SCSI_STEP_COMPLETE;
        }
        put_be32(cmd->buf, last > UINT32_MAX ? UINT32_MAX : (uint32_t) last);
        put_be32(cmd->buf + 4, lu->block_size);
        cmd_data_in(cmd, 8);
        return SCSI_STEP_COMPLETE;
}

ScsiStep parse_read_capacity16(struct scsi_cmd *cmd) {
        cmd->priv.xfer_len = get_be32(cmd->cdb + 10);
        return SCSI_STEP_CONTINUE;
}

ScsiStep exec_read_capacity16(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        uint8_t *p;

        if (cmd_alloc_buf(cmd, 32) < 0) {
                cmd_status(cmd, SCSI_STATUS_BUSY);
                return SCSI_STEP_COMPLETE;
        }
        p = cmd->buf;
        memset(p, 0, 32);
        put_be64(p, lu->nblocks - 1);
        put_be32(p + 8, lu->block_size);
        if (lu->tpu || lu->tpws)
                p[14] = 0x80 | 0x40;    /* LBPME, LBPRZ: unmapped blocks read as zeroes */
        cmd_data_in(cmd, 32);
        return SCSI_STEP_COMPLETE;
}

ScsiStep parse_get_lba_status(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        uint64_t lba = get_be64(cmd->cdb + 2);

        if (lba >= lu->nblocks)
                return cmd_fail_info(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_LBA_OUT_OF_RANGE, lba);
        cmd->priv.lba = lba;
        cmd->priv.xfer_len = get_be32(cmd->cdb + 10);
        return SCSI_STEP_CONTINUE;
}

/* Provisioning status of the extent starting at lba: 0 mapped, 1 deallocated. Returns the
 * number of blocks with that status (>= 1). */
static uint64_t extent_at(struct scsi_lu *lu, uint64_t lba, uint8_t *ret_status) {
        struct backstore *bs = lu->bs;
        uint64_t bsz = lu->block_size, end = lu->nblocks;

        if (bs->type == BACKSTORE_FILEIO) {
                off_t off = (off_t) (lba * bsz);
                off_t data = lseek(bs->fd, off, SEEK_DATA);
                if (data < 0 && errno == ENXIO)
                        data = (off_t) bs->size;        /* hole until EOF */
                if (data < 0) {
                        *ret_status = 0;
                        return end - lba;
                }
                if (data > off) {
                        /* Hole: only blocks entirely inside it count as deallocated. */
                        uint64_t hole_end = MIN((uint64_t) data / bsz, end);
                        if (hole_end > lba) {
                                *ret_status = 1;
                                return hole_end - lba;
                        }
                }
                off_t hole = lseek(bs->fd, off, SEEK_HOLE);
                uint64_t data_end = hole < 0 ? end : MIN(((uint64_t) hole + bsz - 1) / bsz, end);
                *ret_status = 0;
                return MAX(data_end, lba + 1) - lba;
        }
        if (bs->type == BACKSTORE_RAMDISK) {
                uint64_t off = lba * bsz, p = off / RAMDISK_PAGE;
                uint64_t npages = (bs->size + RAMDISK_PAGE - 1) / RAMDISK_PAGE, q;
                bool mapped;

                if (bs->nullio) {
                        *ret_status = 1;
                        return end - lba;
                }
                mapped = ramdisk_page_mapped(bs, p);
                for (q = p + 1; q < npages && ramdisk_page_mapped(bs, q) == mapped; q++)
                        ;
                *ret_status = mapped ? 0 : 1;
                return MAX(MIN(q * RAMDISK_PAGE / bsz, end), lba + 1) - lba;
        }
        *ret_status = 0;
        return end - lba;
}

ScsiStep exec_get_lba_status(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        uint32_t alloc = cmd->priv.xfer_len;
        uint32_t ndesc = alloc > 8 ? MIN((alloc - 8) / 16, 64u) : 0;
        uint32_t len = 8 + 16 * MAX(ndesc, 1u);
        uint64_t lba = cmd->priv.lba;
        uint32_t i;

        if (cmd_alloc_buf(cmd, len) < 0) {
                cmd_status(cmd, SCSI_STATUS_BUSY);
                return SCSI_STEP_COMPLETE;
        }
        memset(cmd->buf, 0, len);
        for (i = 0; i < MAX(ndesc, 1u) && lba < lu->nblocks; i++) {
                uint8_t *d = cmd->buf + 8 + 16 * i;
                uint8_t st;
                uint64_t n = extent_at(lu, lba, &st);
                n = MIN(n, (uint64_t) UINT32_MAX);
                put_be64(d, lba);
                put_be32(d + 8, (uint32_t) n);
                d[12] = st;
                lba += n;
        }
        put_be32(cmd->buf, 4 + 16 * i);
        cmd_data_in(cmd, 8 + 16 * i);
        return SCSI_STEP_COMPLETE;
}
