/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Completion helpers: status, fixed-format sense data, residuals. */
#include <errno.h>
#include <stdlib.h>

#include "scsi-internal.h"

static void sense_fill(struct scsi_cmd *cmd, uint8_t key, uint16_t asc) {
        memset(cmd->sense, 0, SCSI_FIXED_SENSE_LEN);
        cmd->sense[0] = 0x70;                   /* current error, fixed format */
        cmd->sense[2] = key & 0x0f;
        cmd->sense[7] = SCSI_FIXED_SENSE_LEN - 8;
        cmd->sense[12] = asc >> 8;
        cmd->sense[13] = asc & 0xff;
        cmd->sense_len = SCSI_FIXED_SENSE_LEN;
        cmd->status = SCSI_STATUS_CHECK_CONDITION;
        cmd->data_in_len = 0;
        cmd->resid_kind = SCSI_RESID_NONE;
        cmd->resid = 0;
}

ScsiStep cmd_fail(struct scsi_cmd *cmd, uint8_t key, uint16_t asc) {
        sense_fill(cmd, key, asc);
        return SCSI_STEP_COMPLETE;
}

ScsiStep cmd_fail_info(struct scsi_cmd *cmd, uint8_t key, uint16_t asc, uint64_t info) {
        sense_fill(cmd, key, asc);
        if (info <= UINT32_MAX) {
                cmd->sense[0] |= 0x80;          /* VALID: INFORMATION holds `info` */
                put_be32(cmd->sense + 3, (uint32_t) info);
        }
        return SCSI_STEP_COMPLETE;
}

/* Sense-key specific field pointer, so an initiator can tell which field was refused. */
ScsiStep cmd_fail_field(struct scsi_cmd *cmd, bool in_cdb, uint16_t byte, int bit) {
        sense_fill(cmd, SCSI_SENSE_ILLEGAL_REQUEST,
                   in_cdb ? ASC_INVALID_FIELD_IN_CDB : ASC_INVALID_FIELD_IN_PARAMETER_LIST);
        cmd->sense[15] = 0x80 | (in_cdb ? 0x40 : 0) | (bit >= 0 ? 0x08 | (bit & 7) : 0);
        put_be16(cmd->sense + 16, byte);
        return SCSI_STEP_COMPLETE;
}

ScsiStep cmd_status(struct scsi_cmd *cmd, uint8_t status) {
        cmd->status = status;
        cmd->sense_len = 0;
        cmd->data_in_len = 0;
        cmd->resid_kind = SCSI_RESID_NONE;
        cmd->resid = 0;
        return SCSI_STEP_COMPLETE;
}

ScsiStep cmd_fail_errno(struct scsi_cmd *cmd, int error, bool write) {
        switch (error) {
        case -ENOSPC:
        case -EDQUOT:
                return cmd_fail(cmd, SCSI_SENSE_DATA_PROTECT, ASC_SPACE_ALLOCATION_FAILED);
        case -EROFS:
        case -EPERM:
                return cmd_fail(cmd, SCSI_SENSE_DATA_PROTECT, ASC_WRITE_PROTECTED);
        case -ENOMEM:
        case -EAGAIN:
                return cmd_status(cmd, SCSI_STATUS_BUSY);
        default:
                return cmd_fail(cmd, SCSI_SENSE_MEDIUM_ERROR,
                                write ? ASC_WRITE_ERROR : ASC_UNRECOVERED_READ_ERROR);
        }
}

/* iSCSI residuals compare the Expected Data Transfer Length with what the command itself
 * would move (SPDTL). */
static void set_resid(struct scsi_cmd *cmd, uint32_t spdtl) {
        if (cmd->expected_len > spdtl) {
                cmd->resid_kind = SCSI_RESID_UNDERFLOW;
                cmd->resid = cmd->expected_len - spdtl;
        } else if (cmd->expected_len < spdtl) {
                cmd->resid_kind = SCSI_RESID_OVERFLOW;
                cmd->resid = spdtl - cmd->expected_len;
        } else {
                cmd->resid_kind = SCSI_RESID_NONE;
                cmd->resid = 0;
        }
}

void cmd_good(struct scsi_cmd *cmd) {
        cmd->status = SCSI_STATUS_GOOD;
        cmd->sense_len = 0;
        if (cmd->priv.handler && (((const struct scsi_op *) cmd->priv.handler)->flags & OP_DATA_IN)) {
                uint32_t n = cmd->priv.xfer_len;
                set_resid(cmd, n);
                cmd->data_in_len = cmd->read ? MIN(n, cmd->expected_len) : 0;
        } else {
                set_resid(cmd, cmd->priv.xfer_len);
                cmd->data_in_len = 0;
        }
}

void cmd_data_in(struct scsi_cmd *cmd, uint32_t len) {
        /* xfer_len holds the allocation length here; the command moves the smaller. */
        cmd->priv.xfer_len = MIN(cmd->priv.xfer_len, len);
        cmd_good(cmd);
}

int cmd_alloc_buf(struct scsi_cmd *cmd, uint32_t len) {
        void *p;

        if (cmd->buf && cmd->buf_len >= len && !cmd->priv.borrowed)
                return 0;
        p = buf_pool_alloc(MAX(len, 1u));
        if (!p)
                return -ENOMEM;
        if (!cmd->priv.borrowed)
                buf_pool_free(cmd->buf, cmd->buf_len);
        cmd->priv.borrowed = false;
        cmd->buf = p;
        cmd->buf_len = len;
        return 0;
}
