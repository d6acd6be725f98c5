/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* MODE SENSE / MODE SELECT (6)/(10) with the caching (0x08), control (0x0a) and
 * informational exceptions (0x1c) pages. Changeable: WCE and SWP. Nothing can be saved. */
#include <errno.h>
#include <stdlib.h>

#include "scsi-ops.h"

enum { PC_CURRENT, PC_CHANGEABLE, PC_DEFAULT, PC_SAVED };

struct mode_page {
        uint8_t code;
        uint8_t len;    /* whole page, header included */
};

static const struct mode_page pages[] = {
        { 0x08, 20 },
        { 0x0a, 12 },
        { 0x1c, 12 },
};

/* Build page `code` for page control pc into p; returns its length. Caller holds lu->lock. */
static uint32_t build_page(struct scsi_lu *lu, uint8_t code, int pc, uint8_t *p) {
        switch (code) {
        case 0x08:
                memset(p, 0, 20);
                p[0] = 0x08;
                p[1] = 0x12;
                if (pc == PC_CHANGEABLE)
                        p[2] = 0x04;
                else if (pc == PC_DEFAULT)
                        p[2] = lu->bs->write_back ? 0x04 : 0;
                else
                        p[2] = lu->wce ? 0x04 : 0;
                return 20;
        case 0x0a:
                memset(p, 0, 12);
                p[0] = 0x0a;
                p[1] = 0x0a;
                if (pc == PC_CHANGEABLE) {
                        p[4] = 0x08;                    /* SWP */
                        return 12;
                }
                p[3] = 0x10;                            /* unrestricted reordering */
                p[4] = (pc == PC_CURRENT && lu->swp) ? 0x08 : 0;
                put_be16(p + 8, 0xffff);                /* busy timeout: unlimited */
                return 12;
        default: /* 0x1c */
                memset(p, 0, 12);
                p[0] = 0x1c;
                p[1] = 0x0a;
                return 12;
        }
}

ScsiStep parse_mode_sense(struct scsi_cmd *cmd) {
        const uint8_t *cdb = cmd->cdb;
        uint8_t code = cdb[2] & 0x3f, sub = cdb[3];
        int pc = cdb[2] >> 6;
        bool known = code == 0x3f;

        for (size_t i = 0; i < ELEMENTSOF(pages); i++)
                known |= pages[i].code == code;
        if (pc == PC_SAVED)
                return cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_SAVING_PARAMETERS_NOT_SUPPORTED);
        if (!known)
                return cmd_fail_field(cmd, true, 2, 5);
        if (sub != 0 && sub != 0xff)
                return cmd_fail_field(cmd, true, 3, -1);
        cmd->priv.xfer_len = cdb[0] == SCSI_OP_MODE_SENSE_6 ? cdb[4] : get_be16(cdb + 7);
        return SCSI_STEP_CONTINUE;
}

ScsiStep exec_mode_sense(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        const uint8_t *cdb = cmd->cdb;
        bool ten = cdb[0] == SCSI_OP_MODE_SENSE_10;
        bool dbd = cdb[1] & 0x08, llbaa = ten && (cdb[1] & 0x10);
        uint8_t code = cdb[2] & 0x3f;
        int pc = cdb[2] >> 6;
        uint32_t hdr = ten ? 8 : 4, bdl = dbd ? 0 : (llbaa ? 16 : 8), len;
        uint8_t *p;
        bool wp = cmd->write_protect || lu->readonly;

        if (cmd_alloc_buf(cmd, 256) < 0) {
                cmd_status(cmd, SCSI_STATUS_BUSY);
                return SCSI_STEP_COMPLETE;
        }
        p = cmd->buf;
        memset(p, 0, 256);
        len = hdr + bdl;

        pthread_mutex_lock(&lu->lock);
        wp |= lu->swp;
        for (size_t i = 0; i < ELEMENTSOF(pages); i++)
                if (code == 0x3f || code == pages[i].code)
                        len += build_page(lu, pages[i].code, pc, p + len);
        pthread_mutex_unlock(&lu->lock);

        /* Device-specific parameter: WP, DPOFUA. */
        if (ten) {
                put_be16(p, (uint16_t) (len - 2));
                p[3] = (wp ? 0x80 : 0) | 0x10;
                if (llbaa)
                        p[4] = 0x01;
                put_be16(p + 6, (uint16_t) bdl);
        } else {
                p[0] = (uint8_t) (len - 1);
                p[2] = (wp ? 0x80 : 0) | 0x10;
                p[3] = (uint8_t) bdl;
        }
        if (bdl == 8) {
                put_be32(p + hdr, lu->nblocks > UINT32_MAX ? UINT32_MAX : (uint32_t) lu->nblocks);
                put_be32(p + hdr + 4, lu->block_size & 0xffffff);
        } else if (bdl == 16) {
                put_be64(p + hdr, lu->nblocks);
                put_be32(p + hdr + 12, lu->block_size);
        }
        cmd_data_in(cmd, len);
        return SCSI_STEP_COMPLETE;
}

ScsiStep parse_mode_select(struct scsi_cmd *cmd) {
        const uint8_t *cdb = cmd->cdb;

        if (cdb[1] & 0x01)
                return cmd_fail_field(cmd, true, 1, 0);         /* SP: nothing is saveable */
        cmd->priv.xfer_len = cdb[0] == SCSI_OP_MODE_SELECT_6 ? cdb[4] : get_be16(cdb + 7);
        return SCSI_STEP_CONTINUE;
}

ScsiStep exec_mode_select(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        bool ten = cmd->cdb[0] == SCSI_OP_MODE_SELECT_10;
        uint32_t len = cmd->priv.xfer_len, hdr = ten ? 8 : 4, off;
        const uint8_t *p = cmd->buf;
        bool wce, swp;

        if (len == 0) {
                cmd_good(cmd);
                return SCSI_STEP_COMPLETE;
        }
        if (len < hdr) {
                cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_PARAMETER_LIST_LENGTH_ERROR);
                return SCSI_STEP_COMPLETE;
        }
        off = hdr + (ten ? get_be16(p + 6) : p[3]);
        if (off > len) {
                cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_PARAMETER_LIST_LENGTH_ERROR);
                return SCSI_STEP_COMPLETE;
        }

        pthread_mutex_lock(&lu->lock);
        wce = lu->wce;
        swp = lu->swp;
        while (off < len) {
                uint8_t cur[32], chg[32];
                uint8_t code = p[off] & 0x3f;
                uint32_t plen;
                bool known = false;

                if (len - off < 2 || (p[off] & 0x40)) {
                        cmd_fail_field(cmd, false, (uint16_t) off, -1);
                        goto out;
                }
                plen = (uint32_t) p[off + 1] + 2;
                for (size_t i = 0; i < ELEMENTSOF(pages); i++)
                        known |= pages[i].code == code && pages[i].len == plen;
                if (!known) {
                        cmd_fail_field(cmd, false, (uint16_t) off, -1);
                        goto out;
                }
                if (off + plen > len) {
                        cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_PARAMETER_LIST_LENGTH_ERROR);
                        goto out;
                }
                build_page(lu, code, PC_CURRENT, cur);
                build_page(lu, code, PC_CHANGEABLE, chg);
                /* Only changeable bits may differ (PS bit of byte 0 ignored). */
                for (uint32_t i = 2; i < plen; i++)
                        if ((p[off + i] ^ cur[i]) & ~chg[i]) {
                                cmd_fail_field(cmd, false, (uint16_t) (off + i), -1);
                                goto out;
                        }
                if (code == 0x08)
                        wce = p[off + 2] & 0x04;
                else if (code == 0x0a)
                        swp = p[off + 4] & 0x08;
                off += plen;
        }
        if (wce != lu->wce || swp != lu->swp) {
                __atomic_store_n(&lu->wce, wce, __ATOMIC_RELAXED);
                __atomic_store_n(&lu->swp, swp, __ATOMIC_RELAXED);
                lu_ua_add_all(lu, ASC_MODE_PARAMETERS_CHANGED, cmd->nexus ? cmd->nexus->initiator_port : NULL);
        }
        cmd_good(cmd);
out:
        pthread_mutex_unlock(&lu->lock);
        return SCSI_STEP_COMPLETE;
}
