/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small SPC commands: TEST UNIT READY, REQUEST SENSE, REPORT LUNS, START STOP UNIT,
 * PREVENT ALLOW MEDIUM REMOVAL, REPORT SUPPORTED OPERATION CODES, READ DEFECT DATA. */
#include <errno.h>
#include <stdlib.h>

#include "scsi-ops.h"

ScsiStep parse_no_data(struct scsi_cmd *cmd) {
        cmd->priv.xfer_len = 0;
        return SCSI_STEP_CONTINUE;
}

ScsiStep exec_good(struct scsi_cmd *cmd) {
        cmd_good(cmd);
        return SCSI_STEP_COMPLETE;
}

static ScsiStep alloc_or_busy(struct scsi_cmd *cmd, uint32_t len) {
        if (cmd_alloc_buf(cmd, len) < 0)
                return cmd_status(cmd, SCSI_STATUS_BUSY);
        memset(cmd->buf, 0, len);
        return SCSI_STEP_CONTINUE;
}

/* ---- REQUEST SENSE ---- */

ScsiStep parse_request_sense(struct scsi_cmd *cmd) {
        cmd->priv.xfer_len = cmd->cdb[4];
        return SCSI_STEP_CONTINUE;
}

ScsiStep exec_request_sense(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        bool desc = cmd->cdb[1] & 0x01;
        uint8_t key = SCSI_SENSE_NO_SENSE;
        uint16_t asc = ASC_NO_ADDITIONAL_SENSE;
        uint8_t *p;

        if (!lu) {
                key = SCSI_SENSE_ILLEGAL_REQUEST;
                asc = ASC_LU_NOT_SUPPORTED;
        } else if (cmd->nexus && atomic_load(&lu->n_ua) > 0) {
                pthread_mutex_lock(&lu->lock);
                if (lu_ua_take(lu, cmd->nexus->initiator_port, &asc))
                        key = SCSI_SENSE_UNIT_ATTENTION;
                pthread_mutex_unlock(&lu->lock);
        }
        if (alloc_or_busy(cmd, SCSI_FIXED_SENSE_LEN) == SCSI_STEP_COMPLETE)
                return SCSI_STEP_COMPLETE;
        p = cmd->buf;
        if (desc) {
                p[0] = 0x72;
                p[1] = key;
                p[2] = asc >> 8;
                p[3] = asc & 0xff;
                cmd_data_in(cmd, 8);
        } else {
                p[0] = 0x70;
                p[2] = key;
                p[7] = SCSI_FIXED_SENSE_LEN - 8;
                p[12] = asc >> 8;
                p[13] = asc & 0xff;
                cmd_data_in(cmd, SCSI_FIXED_SENSE_LEN);
        }
        return SCSI_STEP_COMPLETE;
}

/* ---- REPORT LUNS ---- */

ScsiStep parse_report_luns(struct scsi_cmd *cmd) {
        uint8_t sel = cmd->cdb[2];

        if (sel > 0x02 && !(sel >= 0x10 && sel <= 0x12))
                return cmd_fail_field(cmd, true, 2, -1);
        cmd->priv.xfer_len = get_be32(cmd->cdb + 6);
        if (cmd->priv.xfer_len < 16)
                return cmd_fail_field(cmd, true, 6, -1);
        return SCSI_STEP_CONTINUE;
}

ScsiStep exec_report_luns(struct scsi_cmd *cmd) {
        uint64_t lun0 = 0;
        const uint64_t *luns = cmd->luns;
        size_t n = cmd->n_luns;
        uint32_t len;

        if (cmd->cdb[2] == 0x01 || cmd->cdb[2] == 0x11)
                n = 0;                  /* well known LUNs only: we have none */
        else if (!luns || n == 0) {
                /* SPC-4: with no LUNs to report, LUN 0 is listed. */
                luns = &lun0;
                n = 1;
        }
        n = MIN(n, (size_t) (SCSI_MAX_XFER_BYTES / 8 - 1));
        len = (uint32_t) (8 + 8 * n);
        if (alloc_or_busy(cmd, len) == SCSI_STEP_COMPLETE)
                return SCSI_STEP_COMPLETE;
        put_be32(cmd->buf, (uint32_t) (8 * n));
        for (size_t i = 0; i < n; i++)
                scsi_lun_encode(luns[i], cmd->buf + 8 + 8 * i);
        cmd_data_in(cmd, len);
        return SCSI_STEP_COMPLETE;
}

/* ---- START STOP UNIT, PREVENT ALLOW ---- */

ScsiStep parse_start_stop(struct scsi_cmd *cmd) {
        /* Not removable and always spinning: any power condition is accepted as a no-op,
         * but reserved values are still refused. */
        uint8_t pc = cmd->cdb[4] >> 4;

        if (pc != 0 && pc != 1 && pc != 2 && pc != 3 && pc != 5 && pc != 7 && pc != 0xa && pc != 0xb)
                return cmd_fail_field(cmd, true, 4, 7);
        cmd->priv.xfer_len = 0;
        return SCSI_STEP_CONTINUE;
}

ScsiStep parse_prevent_allow(struct scsi_cmd *cmd) {
        cmd->priv.xfer_len = 0;
        return SCSI_STEP_CONTINUE;
}

/* ---- REPORT SUPPORTED OPERATION CODES ---- */

ScsiStep parse_rsoc(struct scsi_cmd *cmd) {
        uint8_t opts = cmd->cdb[2] & 0x07;

        if (opts > 3)
                return cmd_fail_field(cmd, true, 2, 2);
        cmd->priv.xfer_len = get_be32(cmd->cdb + 6);
        return SCSI_STEP_CONTINUE;
}

static bool opcode_has_sa(uint8_t opcode) {
        uint8_t cdb[2] = { opcode, 0 };
        return scsi_op_sa(cdb) >= 0;
}

static void put_timeouts(uint8_t *p) {
        put_be16(p, 0x0a);
        /* Nominal and recommended timeouts (seconds) left at 0: not specified. */
}

ScsiStep exec_rsoc(struct scsi_cmd *cmd) {
        bool rctd = cmd->cdb[2] & 0x80;
        uint8_t opts = cmd->cdb[2] & 0x07;
        uint8_t req_op = cmd->cdb[3];
        uint16_t req_sa = get_be16(cmd->cdb + 4);
        uint32_t len = 0;
        uint8_t *p;

        if (opts == 0) {
                uint32_t dlen = rctd ? 20 : 8;
                if (alloc_or_busy(cmd, (uint32_t) (4 + scsi_ops_count * dlen)) == SCSI_STEP_COMPLETE)
                        return SCSI_STEP_COMPLETE;
                p = cmd->buf + 4;
                for (size_t i = 0; i < scsi_ops_count; i++, p += dlen) {
                        const struct scsi_op *op = &scsi_ops[i];
                        p[0] = op->opcode;
                        if (op->sa >= 0) {
                                put_be16(p + 2, (uint16_t) op->sa);
                                p[5] |= 0x01;   /* SERVACTV */
                        }
                        if (rctd) {
                                p[5] |= 0x02;   /* CTDP */
                                put_timeouts(p + 8);
                        }
                        put_be16(p + 6, op->cdb_len);
                }
                len = (uint32_t) (4 + scsi_ops_count * dlen);
                put_be32(cmd->buf, len - 4);
                cmd_data_in(cmd, len);
                return SCSI_STEP_COMPLETE;
        }

        /* One command. */
        {
                const struct scsi_op *op;
                bool has_sa = opcode_has_sa(req_op);
                uint8_t support;

                if (opts == 1 && has_sa) {
                        cmd_fail_field(cmd, true, 2, 2);
                        return SCSI_STEP_COMPLETE;
                }
                if (opts == 2 && !has_sa) {
                        cmd_fail_field(cmd, true, 2, 2);
                        return SCSI_STEP_COMPLETE;
                }
                op = scsi_op_find(req_op, has_sa ? req_sa : -1, NULL);
                if (alloc_or_busy(cmd, 4 + 16 + 12) == SCSI_STEP_COMPLETE)
                        return SCSI_STEP_COMPLETE;
                p = cmd->buf;
                support = op ? 0x03 : 0x01;     /* supported per standard / not supported */
                p[1] = support | (rctd && op ? 0x80 : 0);
                if (op) {
                        put_be16(p + 2, op->cdb_len);
                        memcpy(p + 4, op->usage, op->cdb_len);
                        len = 4u + op->cdb_len;
                        if (rctd) {
                                put_timeouts(p + len);
                                len += 12;
                        }
                } else
                        len = 4;
                cmd_data_in(cmd, len);
                return SCSI_STEP_COMPLETE;
        }
}

/* ---- READ DEFECT DATA (10)/(12): no defects, in whatever format was asked ---- */

ScsiStep parse_read_defect(struct scsi_cmd *cmd) {
        cmd->priv.xfer_len = cmd->cdb[0] == SCSI_OP_READ_DEFECT_DATA_10 ? get_be16(cmd->cdb + 7) : get_be32(cmd->cdb + 6);
        return SCSI_STEP_CONTINUE;
}

ScsiStep exec_read_defect(struct scsi_cmd *cmd) {
        bool ten = cmd->cdb[0] == SCSI_OP_READ_DEFECT_DATA_10;
        uint8_t req = ten ? cmd->cdb[2] : cmd->cdb[1];
        uint32_t len = ten ? 4 : 8;

        if (alloc_or_busy(cmd, len) == SCSI_STEP_COMPLETE)
                return SCSI_STEP_COMPLETE;
        cmd->buf[1] = req & 0x1f;       /* PLISTV/GLISTV as requested, same list format */
        cmd_data_in(cmd, len);
        return SCSI_STEP_COMPLETE;
}
