/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Command dispatch: the opcode table, generic checks in SPC order (opcode, LU, unit
 * attention, CDB fields, reservations, write protection, data transfer), and the glue
 * between handlers and the io_uring engine. */
#include <errno.h>
#include <stdlib.h>

#include "scsi-ops.h"

#define RW10_USAGE(op) { op, 0xfa, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07 }
#define RW12_USAGE(op) { op, 0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07 }
#define RW16_USAGE(op) { op, 0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07 }

#define MEDIUM_RD (OP_MEDIUM_READ | OP_DATA_IN)
#define MEDIUM_WR (OP_MEDIUM_WRITE | OP_DATA_OUT | OP_WRITE_PROTECT)
#define INFO (OP_PR_ALLOWED | OP_DATA_IN)

const struct scsi_op scsi_ops[] = {
        { SCSI_OP_TEST_UNIT_READY, SCSI_SA_NONE, OP_PR_ALLOWED, 6, { 0x00, 0, 0, 0, 0, 0x07 }, parse_no_data, exec_good, NULL },
        { SCSI_OP_REQUEST_SENSE, SCSI_SA_NONE, OP_NO_LU | OP_NO_UA | INFO | OP_RES6_ALLOWED | OP_ALUA_ANY, 6, { 0x03, 0x01, 0, 0, 0xff, 0x07 },
          parse_request_sense, exec_request_sense, NULL },
        { SCSI_OP_READ_6, SCSI_SA_NONE, MEDIUM_RD, 6, { 0x08, 0x1f, 0xff, 0xff, 0xff, 0x07 }, parse_rw, exec_read, io_done_read },
        { SCSI_OP_WRITE_6, SCSI_SA_NONE, MEDIUM_WR, 6, { 0x0a, 0x1f, 0xff, 0xff, 0xff, 0x07 }, parse_rw, exec_write, io_done_write },
        { SCSI_OP_INQUIRY, SCSI_SA_NONE, OP_NO_LU | OP_NO_UA | INFO | OP_RES6_ALLOWED | OP_ALUA_ANY, 6, { 0x12, 0x01, 0xff, 0xff, 0xff, 0x07 },
          parse_inquiry, exec_inquiry, NULL },
        { SCSI_OP_MODE_SELECT_6, SCSI_SA_NONE, OP_MEDIUM_WRITE | OP_DATA_OUT | OP_ALUA_STANDBY, 6, { 0x15, 0x11, 0, 0, 0xff, 0x07 },
          parse_mode_select, exec_mode_select, NULL },
        { SCSI_OP_RESERVE_6, SCSI_SA_NONE, OP_MEDIUM_WRITE, 6, { 0x16, 0, 0, 0, 0, 0x07 }, parse_reserve, exec_reserve, NULL },
        { SCSI_OP_RELEASE_6, SCSI_SA_NONE, OP_MEDIUM_WRITE | OP_RES6_ALLOWED, 6, { 0x17, 0, 0, 0, 0, 0x07 }, parse_reserve, exec_release, NULL },
        { SCSI_OP_MODE_SENSE_6, SCSI_SA_NONE, OP_MEDIUM_READ | OP_DATA_IN | OP_ALUA_STANDBY, 6, { 0x1a, 0x08, 0xff, 0xff, 0xff, 0x07 },
          parse_mode_sense, exec_mode_sense, NULL },
        { SCSI_OP_START_STOP_UNIT, SCSI_SA_NONE, OP_MEDIUM_WRITE, 6, { 0x1b, 0x01, 0, 0x0f, 0xf7, 0x07 }, parse_start_stop, exec_good, NULL },
        { SCSI_OP_PREVENT_ALLOW_MEDIUM_REMOVAL, SCSI_SA_NONE, OP_MEDIUM_WRITE, 6, { 0x1e, 0, 0, 0, 0x03, 0x07 }, parse_prevent_allow, exec_good, NULL },
        { SCSI_OP_READ_CAPACITY_10, SCSI_SA_NONE, OP_PR_ALLOWED | OP_DATA_IN, 10, { 0x25, 0, 0xff, 0xff, 0xff, 0xff, 0, 0, 0x01, 0x07 },
          parse_read_capacity10, exec_read_capacity10, NULL },
        { SCSI_OP_READ_10, SCSI_SA_NONE, MEDIUM_RD, 10, RW10_USAGE(0x28), parse_rw, exec_read, io_done_read },
        { SCSI_OP_WRITE_10, SCSI_SA_NONE, MEDIUM_WR, 10, RW10_USAGE(0x2a), parse_rw, exec_write, io_done_write },
        { SCSI_OP_WRITE_AND_VERIFY_10, SCSI_SA_NONE, MEDIUM_WR, 10, { 0x2e, 0xf6, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07 },
          parse_rw, exec_write, io_done_write },
        { SCSI_OP_VERIFY_10, SCSI_SA_NONE, OP_MEDIUM_READ | OP_DATA_OUT, 10, { 0x2f, 0xf6, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07 },
          parse_verify, exec_verify, io_done_verify },
        { SCSI_OP_PRE_FETCH_10, SCSI_SA_NONE, OP_MEDIUM_READ, 10, { 0x34, 0x02, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07 },
          parse_prefetch, exec_prefetch, NULL },
        { SCSI_OP_SYNCHRONIZE_CACHE_10, SCSI_SA_NONE, OP_MEDIUM_WRITE, 10, { 0x35, 0x02, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07 },
          parse_sync_cache, exec_sync_cache, io_done_simple },
        { SCSI_OP_READ_DEFECT_DATA_10, SCSI_SA_NONE, OP_MEDIUM_READ | OP_DATA_IN, 10, { 0x37, 0, 0x1f, 0, 0, 0, 0, 0xff, 0xff, 0x07 },
          parse_read_defect, exec_read_defect, NULL },
        { SCSI_OP_WRITE_SAME_10, SCSI_SA_NONE, MEDIUM_WR, 10, { 0x41, 0x08, 0xff, 0xff, 0xff, 0xff, 0x1f, 0xff, 0xff, 0x07 },
          parse_write_same, exec_write_same, io_done_simple },
        { SCSI_OP_UNMAP, SCSI_SA_NONE, OP_MEDIUM_WRITE | OP_DATA_OUT | OP_WRITE_PROTECT, 10,
          { 0x42, 0, 0, 0, 0, 0, 0x1f, 0xff, 0xff, 0x07 }, parse_unmap, exec_unmap, io_done_simple },
        { SCSI_OP_MODE_SELECT_10, SCSI_SA_NONE, OP_MEDIUM_WRITE | OP_DATA_OUT | OP_ALUA_STANDBY, 10, { 0x55, 0x11, 0, 0, 0, 0, 0, 0xff, 0xff, 0x07 },
          parse_mode_select, exec_mode_select, NULL },
        { SCSI_OP_RESERVE_10, SCSI_SA_NONE, OP_MEDIUM_WRITE, 10, { 0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0x07 }, parse_reserve, exec_reserve, NULL },
        { SCSI_OP_RELEASE_10, SCSI_SA_NONE, OP_MEDIUM_WRITE | OP_RES6_ALLOWED, 10, { 0x57, 0, 0, 0, 0, 0, 0, 0, 0, 0x07 },
          parse_reserve, exec_release, NULL },
        { SCSI_OP_MODE_SENSE_10, SCSI_SA_NONE, OP_MEDIUM_READ | OP_DATA_IN | OP_ALUA_STANDBY, 10, { 0x5a, 0x18, 0xff, 0xff, 0, 0, 0, 0xff, 0xff, 0x07 },
          parse_mode_sense, exec_mode_sense, NULL },
        { SCSI_OP_PERSISTENT_RESERVE_IN, SCSI_SA_PR_IN_READ_KEYS, INFO | OP_ALUA_STANDBY, 10, { 0x5e, 0x00, 0, 0, 0, 0, 0, 0xff, 0xff, 0x07 }, parse_pr_in, exec_pr_in, NULL },
        { SCSI_OP_PERSISTENT_RESERVE_IN, SCSI_SA_PR_IN_READ_RESERVATION, INFO | OP_ALUA_STANDBY, 10, { 0x5e, 0x01, 0, 0, 0, 0, 0, 0xff, 0xff, 0x07 }, parse_pr_in, exec_pr_in, NULL },
        { SCSI_OP_PERSISTENT_RESERVE_IN, SCSI_SA_PR_IN_REPORT_CAPABILITIES, INFO | OP_ALUA_STANDBY, 10, { 0x5e, 0x02, 0, 0, 0, 0, 0, 0xff, 0xff, 0x07 }, parse_pr_in, exec_pr_in, NULL },
        { SCSI_OP_PERSISTENT_RESERVE_IN, SCSI_SA_PR_IN_READ_FULL_STATUS, INFO | OP_ALUA_STANDBY, 10, { 0x5e, 0x03, 0, 0, 0, 0, 0, 0xff, 0xff, 0x07 }, parse_pr_in, exec_pr_in, NULL },
#define PR_OUT(sa) { SCSI_OP_PERSISTENT_RESERVE_OUT, sa, OP_PR_ALLOWED | OP_DATA_OUT | OP_ALUA_STANDBY, 10, \
          { 0x5f, sa, 0xff, 0, 0, 0xff, 0xff, 0xff, 0xff, 0x07 }, parse_pr_out, exec_pr_out, NULL }
        PR_OUT(0), PR_OUT(1), PR_OUT(2), PR_OUT(3), PR_OUT(4), PR_OUT(5), PR_OUT(6),
        { SCSI_OP_EXTENDED_COPY, SCSI_SA_EXTENDED_COPY_LID1, OP_MEDIUM_WRITE | OP_DATA_OUT | OP_WRITE_PROTECT, 16,
          { 0x83, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07 }, parse_xcopy, exec_xcopy, NULL },
        { SCSI_OP_RECEIVE_COPY_RESULTS, SCSI_SA_RECEIVE_COPY_STATUS_LID1, OP_MEDIUM_READ | OP_DATA_IN, 16,
          { 0x84, 0x00, 0xff, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07 }, parse_rcr, exec_rcr, NULL },
        { SCSI_OP_RECEIVE_COPY_RESULTS, SCSI_SA_RECEIVE_COPY_OPERATING_PARAMS, OP_PR_ALLOWED | OP_DATA_IN, 16,
          { 0x84, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07 }, parse_rcr, exec_rcr, NULL },
        { SCSI_OP_READ_16, SCSI_SA_NONE, MEDIUM_RD, 16, RW16_USAGE(0x88), parse_rw, exec_read, io_done_read },
        { SCSI_OP_COMPARE_AND_WRITE, SCSI_SA_NONE, MEDIUM_WR, 16, { 0x89, 0xfa, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0xff, 0x1f, 0x07 },
          parse_caw, exec_caw, NULL },
        { SCSI_OP_WRITE_16, SCSI_SA_NONE, MEDIUM_WR, 16, RW16_USAGE(0x8a), parse_rw, exec_write, io_done_write },
        { SCSI_OP_ORWRITE_16, SCSI_SA_NONE, MEDIUM_WR, 16, RW16_USAGE(0x8b), parse_orwrite, exec_orwrite, NULL },
        { SCSI_OP_WRITE_AND_VERIFY_16, SCSI_SA_NONE, MEDIUM_WR, 16, { 0x8e, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07 },
          parse_rw, exec_write, io_done_write },
        { SCSI_OP_VERIFY_16, SCSI_SA_NONE, OP_MEDIUM_READ | OP_DATA_OUT, 16, { 0x8f, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07 },
          parse_verify, exec_verify, io_done_verify },
        { SCSI_OP_PRE_FETCH_16, SCSI_SA_NONE, OP_MEDIUM_READ, 16, { 0x90, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07 },
          parse_prefetch, exec_prefetch, NULL },
        { SCSI_OP_SYNCHRONIZE_CACHE_16, SCSI_SA_NONE, OP_MEDIUM_WRITE, 16, { 0x91, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07 },
          parse_sync_cache, exec_sync_cache, io_done_simple },
        { SCSI_OP_WRITE_SAME_16, SCSI_SA_NONE, MEDIUM_WR, 16, { 0x93, 0x09, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07 },
          parse_write_same, exec_write_same, io_done_simple },
        { SCSI_OP_SERVICE_ACTION_IN_16, SCSI_SA_READ_CAPACITY_16, OP_PR_ALLOWED | OP_DATA_IN, 16, { 0x9e, 0x10, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07 },
          parse_read_capacity16, exec_read_capacity16, NULL },
        { SCSI_OP_SERVICE_ACTION_IN_16, SCSI_SA_GET_LBA_STATUS, OP_MEDIUM_READ | OP_DATA_IN, 16, { 0x9e, 0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x07 },
          parse_get_lba_status, exec_get_lba_status, NULL },
        { SCSI_OP_REPORT_LUNS, SCSI_SA_NONE, OP_NO_LU | OP_NO_UA | INFO | OP_RES6_ALLOWED | OP_ALUA_ANY, 12, { 0xa0, 0, 0xff, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07 },
          parse_report_luns, exec_report_luns, NULL },
        { SCSI_OP_MAINTENANCE_IN, SCSI_SA_REPORT_TARGET_PORT_GROUPS, INFO | OP_ALUA_ANY, 12,
          { 0xa3, 0xea, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07 }, parse_report_tpg, exec_report_tpg, NULL },
        { SCSI_OP_MAINTENANCE_IN, SCSI_SA_REPORT_SUPPORTED_OPCODES, INFO | OP_ALUA_ANY, 12, { 0xa3, 0x0c, 0x87, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0, 0x07 },
          parse_rsoc, exec_rsoc, NULL },
        { SCSI_OP_MAINTENANCE_OUT, SCSI_SA_SET_TARGET_PORT_GROUPS, OP_PR_ALLOWED | OP_DATA_OUT | OP_ALUA_ANY, 12,
          { 0xa4, 0x0a, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07 }, parse_set_tpg, exec_set_tpg, NULL },
        { SCSI_OP_READ_12, SCSI_SA_NONE, MEDIUM_RD, 12, RW12_USAGE(0xa8), parse_rw, exec_read, io_done_read },
        { SCSI_OP_WRITE_12, SCSI_SA_NONE, MEDIUM_WR, 12, RW12_USAGE(0xaa), parse_rw, exec_write, io_done_write },
        { SCSI_OP_WRITE_AND_VERIFY_12, SCSI_SA_NONE, MEDIUM_WR, 12, { 0xae, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07 },
          parse_rw, exec_write, io_done_write },
        { SCSI_OP_VERIFY_12, SCSI_SA_NONE, OP_MEDIUM_READ | OP_DATA_OUT, 12, { 0xaf, 0xf6, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x1f, 0x07 },
          parse_verify, exec_verify, io_done_verify },
        { SCSI_OP_READ_DEFECT_DATA_12, SCSI_SA_NONE, OP_MEDIUM_READ | OP_DATA_IN, 12, { 0xb7, 0x1f, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0, 0x07 },
          parse_read_defect, exec_read_defect, NULL },
};
const size_t scsi_ops_count = ELEMENTSOF(scsi_ops);

int scsi_op_sa(const uint8_t *cdb) {
        switch (cdb[0]) {
        case SCSI_OP_PERSISTENT_RESERVE_IN:
        case SCSI_OP_PERSISTENT_RESERVE_OUT:
        case SCSI_OP_EXTENDED_COPY:
        case SCSI_OP_RECEIVE_COPY_RESULTS:
        case SCSI_OP_SERVICE_ACTION_IN_16:
        case SCSI_OP_MAINTENANCE_IN:
        case SCSI_OP_MAINTENANCE_OUT:
                return cdb[1] & 0x1f;
        default:
                return SCSI_SA_NONE;
        }
}

const struct scsi_op *scsi_op_find(uint8_t opcode, int sa, bool *ret_opcode_known) {
        bool known = false;

        for (size_t i = 0; i < scsi_ops_count; i++) {
                if (scsi_ops[i].opcode != opcode)
                        continue;
                known = true;
                if (scsi_ops[i].sa == sa) {
                        if (ret_opcode_known)
                                *ret_opcode_known = true;
                        return &scsi_ops[i];
                }
        }
        if (ret_opcode_known)
                *ret_opcode_known = known;
        return NULL;
}

void scsi_cmd_init(struct scsi_cmd *cmd) {
        memset(cmd, 0, sizeof(*cmd));
        cmd->cdb_len = 16;
        cmd->task_attr = SCSI_TASK_SIMPLE;
}

void scsi_cmd_set_sense(struct scsi_cmd *cmd, uint8_t key, uint8_t asc, uint8_t ascq) {
        cmd_fail(cmd, key, (uint16_t) (asc << 8 | ascq));
        cmd->priv.stage = CMD_STAGE_DONE; /* decided: scsi_cmd_submit() will not execute it */
}

static enum scsi_prep_result prep_complete(struct scsi_cmd *cmd) {
        cmd->priv.stage = CMD_STAGE_DONE; /* scsi_cmd_submit() returns SCSI_SUBMIT_COMPLETED at once */
        cmd->data_out_len = 0;
        return SCSI_PREP_COMPLETE;
}

/* The initiator announced Data-Out (W bit) the command does not take: collect it anyway so
 * the connection stays in sync, then ignore it. */
static enum scsi_prep_result prep_collect(struct scsi_cmd *cmd) {
        if (cmd->write && cmd->expected_len > 0) {
                if (cmd->expected_len > SCSI_MAX_XFER_BYTES) {
                        cmd_fail_field(cmd, true, 0, -1);
                        return prep_complete(cmd);
                }
                if (cmd_alloc_buf(cmd, cmd->expected_len) < 0) {
                        cmd_status(cmd, SCSI_STATUS_BUSY);
                        return prep_complete(cmd);
                }
                cmd->data_out_len = cmd->expected_len;
                return SCSI_PREP_DATA_OUT;
        }
        return SCSI_PREP_EXEC;
}

static void prep_reset(struct scsi_lu *lu, struct scsi_cmd *cmd) {
        cmd->status = SCSI_STATUS_GOOD;
        cmd->sense_len = 0;
        cmd->data_in_len = 0;
        cmd->data_out_len = 0;
        cmd->resid_kind = SCSI_RESID_NONE;
        cmd->resid = 0;
        cmd->priv.prepared = true;
        cmd->priv.stage = 0;
        cmd->priv.error = 0;
        cmd->priv.pending = 0;
        if (lu && !cmd->priv.lu)
                cmd->priv.lu = scsi_lu_ref(lu);
}

/* A pending unit attention for this I_T nexus ends the command (SAM-5 5.14). */
static ScsiStep prep_unit_attention(struct scsi_lu *lu, struct scsi_cmd *cmd, const struct scsi_op *op) {
        bool ua = false;
        uint16_t asc;

        lu_nexus_seen(lu, cmd->nexus);
        if (!(op->flags & OP_NO_UA) && atomic_load(&lu->n_ua) > 0) {
                pthread_mutex_lock(&lu->lock);
                ua = lu_ua_take(lu, cmd->nexus->initiator_port, &asc);
                pthread_mutex_unlock(&lu->lock);
        }
        return ua ? cmd_fail(cmd, SCSI_SENSE_UNIT_ATTENTION, asc) : SCSI_STEP_CONTINUE;
}

/* Reservations and write protection, once the CDB is known to be valid. */
static ScsiStep prep_access(struct scsi_lu *lu, struct scsi_cmd *cmd, const struct scsi_op *op) {
        bool conflict;

        pthread_mutex_lock(&lu->lock);
        conflict = pr_conflict(lu, cmd, op);
        pthread_mutex_unlock(&lu->lock);
        if (conflict)
                return cmd_status(cmd, SCSI_STATUS_RESERVATION_CONFLICT);
        if ((op->flags & OP_WRITE_PROTECT) &&
            (cmd->write_protect || lu->readonly || __atomic_load_n(&lu->swp, __ATOMIC_RELAXED)))
                return cmd_fail(cmd, SCSI_SENSE_DATA_PROTECT, ASC_WRITE_PROTECTED);
        return SCSI_STEP_CONTINUE;
}

/* EDTL against the Data-Out the command needs. */
static enum scsi_prep_result prep_data_out(struct scsi_cmd *cmd, const struct scsi_op *op) {
        if (!(op->flags & OP_DATA_OUT) || cmd->priv.xfer_len == 0)
                return prep_collect(cmd);
        if ((!cmd->write || cmd->expected_len < cmd->priv.xfer_len) && op->exec == exec_write)
                write_truncate(cmd);
        else if (!cmd->write || cmd->expected_len < cmd->priv.xfer_len) {
                /* EDTL shorter than the parameter data or blocks the command needs (iSCSI
                 * overflow): move nothing, as FCP-4 allows, report the overflow. */
                cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_INVALID_FIELD_IN_INFORMATION_UNIT);
                cmd->resid_kind = SCSI_RESID_OVERFLOW;
                cmd->resid = cmd->priv.xfer_len - (cmd->write ? cmd->expected_len : 0);
                return prep_complete(cmd);
        }
        return prep_collect(cmd);
}

enum scsi_prep_result scsi_cmd_prepare(struct scsi_lu *lu, struct scsi_cmd *cmd) {
        const struct scsi_op *op;
        bool known;

        prep_reset(lu, cmd);
        op = scsi_op_find(cmd->cdb[0], scsi_op_sa(cmd->cdb), &known);
        if (!op) {
                if (known)
                        cmd_fail_field(cmd, true, 1, 4);
                else
                        cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_INVALID_OPCODE);
                return prep_complete(cmd);
        }
        cmd->priv.handler = op;

        if (!lu && !(op->flags & OP_NO_LU)) {
                cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_LU_NOT_SUPPORTED);
                return prep_complete(cmd);
        }
        if (lu && cmd->nexus && prep_unit_attention(lu, cmd, op) == SCSI_STEP_COMPLETE)
                return prep_complete(cmd);
        if (lu && alua_check(lu, cmd, op) == SCSI_STEP_COMPLETE)
                return prep_complete(cmd);
        if (op->parse && op->parse(cmd) == SCSI_STEP_COMPLETE)
                return prep_complete(cmd);
        if (lu && prep_access(lu, cmd, op) == SCSI_STEP_COMPLETE)
                return prep_complete(cmd);
        return prep_data_out(cmd, op);
}

bool scsi_cmd_in_flight(const struct scsi_cmd *cmd) {
        return cmd->priv.in_flight;
}

enum scsi_submit_result scsi_cmd_submit(struct scsi_engine *engine, struct scsi_cmd *cmd) {
        const struct scsi_op *op = cmd->priv.handler;

        if (!cmd->priv.prepared || cmd->priv.stage == CMD_STAGE_DONE || !op)
                return SCSI_SUBMIT_COMPLETED;
        cmd->priv.engine = engine;
        if (!engine && cmd->priv.lu && !bs_mem(cmd->priv.lu->bs) && !cmd->priv.lu->bs->sync_io &&
            (op->flags & (OP_MEDIUM_READ | OP_MEDIUM_WRITE))) {
                cmd_fail(cmd, SCSI_SENSE_HARDWARE_ERROR, ASC_INTERNAL_TARGET_FAILURE);
                cmd->priv.stage = CMD_STAGE_DONE;
                return SCSI_SUBMIT_COMPLETED;
        }
        if (op->exec(cmd) == SCSI_STEP_CONTINUE) {
                cmd->priv.in_flight = true;
                return SCSI_SUBMIT_IN_FLIGHT;
        }
        cmd->priv.stage = CMD_STAGE_DONE;
        return SCSI_SUBMIT_COMPLETED;
}

/* A handler queued its requests: go asynchronous, or finish now if nothing is in flight. */
ScsiStep cmd_io_go(struct scsi_cmd *cmd) {
        const struct scsi_op *op = cmd->priv.handler;

        if (engine_started(cmd) == 0)
                return SCSI_STEP_CONTINUE;
        return op->io_done(cmd);
}

void cmd_io_finished(struct scsi_cmd *cmd) {
        const struct scsi_op *op = cmd->priv.handler;

        if (op->io_done(cmd) == SCSI_STEP_CONTINUE)
                return;                 /* next stage in flight */
        cmd->priv.stage = CMD_STAGE_DONE;
        cmd->priv.in_flight = false;
        if (cmd->done)
                cmd->done(cmd);
}

void scsi_cmd_release(struct scsi_cmd *cmd) {
        if (!cmd->priv.borrowed)
                buf_pool_free(cmd->buf, cmd->buf_len);
        cmd->priv.borrowed = false;
        cmd->buf = NULL;
        cmd->buf_len = 0;
        free(cmd->priv.aux);
        cmd->priv.aux = NULL;
        cmd->priv.lu = scsi_lu_unref(cmd->priv.lu);
        cmd->priv.prepared = false;
        cmd->priv.handler = NULL;
}
