/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Command handlers referenced by the opcode table in cmd.c. */
#pragma once

#include "scsi-internal.h"

/* spc-misc.c */
ScsiStep parse_no_data(struct scsi_cmd *cmd);
ScsiStep exec_good(struct scsi_cmd *cmd);
ScsiStep parse_request_sense(struct scsi_cmd *cmd);
ScsiStep exec_request_sense(struct scsi_cmd *cmd);
ScsiStep parse_report_luns(struct scsi_cmd *cmd);
ScsiStep exec_report_luns(struct scsi_cmd *cmd);
ScsiStep parse_start_stop(struct scsi_cmd *cmd);
ScsiStep parse_prevent_allow(struct scsi_cmd *cmd);
ScsiStep parse_rsoc(struct scsi_cmd *cmd);
ScsiStep exec_rsoc(struct scsi_cmd *cmd);
ScsiStep parse_read_defect(struct scsi_cmd *cmd);
ScsiStep exec_read_defect(struct scsi_cmd *cmd);

/* spc-inquiry.c */
ScsiStep parse_inquiry(struct scsi_cmd *cmd);
ScsiStep exec_inquiry(struct scsi_cmd *cmd);

/* spc-mode.c */
ScsiStep parse_mode_sense(struct scsi_cmd *cmd);
ScsiStep exec_mode_sense(struct scsi_cmd *cmd);
ScsiStep parse_mode_select(struct scsi_cmd *cmd);
ScsiStep exec_mode_select(struct scsi_cmd *cmd);

/* pr.c */
ScsiStep parse_pr_in(struct scsi_cmd *cmd);
ScsiStep exec_pr_in(struct scsi_cmd *cmd);
ScsiStep parse_pr_out(struct scsi_cmd *cmd);
ScsiStep exec_pr_out(struct scsi_cmd *cmd);
ScsiStep parse_reserve(struct scsi_cmd *cmd);
ScsiStep exec_reserve(struct scsi_cmd *cmd);
ScsiStep exec_release(struct scsi_cmd *cmd);

/* sbc-info.c */
ScsiStep parse_read_capacity10(struct scsi_cmd *cmd);
ScsiStep exec_read_capacity10(struct scsi_cmd *cmd);
ScsiStep parse_read_capacity16(struct scsi_cmd *cmd);
ScsiStep exec_read_capacity16(struct scsi_cmd *cmd);
ScsiStep parse_get_lba_status(struct scsi_cmd *cmd);
ScsiStep exec_get_lba_status(struct scsi_cmd *cmd);

/* sbc-rw.c */
ScsiStep parse_rw(struct scsi_cmd *cmd);
ScsiStep exec_read(struct scsi_cmd *cmd);
ScsiStep exec_write(struct scsi_cmd *cmd);
ScsiStep io_done_read(struct scsi_cmd *cmd);
ScsiStep io_done_write(struct scsi_cmd *cmd);
void write_truncate(struct scsi_cmd *cmd);
ScsiStep parse_verify(struct scsi_cmd *cmd);
ScsiStep exec_verify(struct scsi_cmd *cmd);
ScsiStep io_done_verify(struct scsi_cmd *cmd);
ScsiStep parse_sync_cache(struct scsi_cmd *cmd);
ScsiStep exec_sync_cache(struct scsi_cmd *cmd);
ScsiStep io_done_simple(struct scsi_cmd *cmd);
ScsiStep parse_prefetch(struct scsi_cmd *cmd);
ScsiStep exec_prefetch(struct scsi_cmd *cmd);

/* sbc-thin.c */
ScsiStep parse_write_same(struct scsi_cmd *cmd);
ScsiStep exec_write_same(struct scsi_cmd *cmd);
ScsiStep parse_unmap(struct scsi_cmd *cmd);
ScsiStep exec_unmap(struct scsi_cmd *cmd);
ScsiStep parse_caw(struct scsi_cmd *cmd);
ScsiStep exec_caw(struct scsi_cmd *cmd);
ScsiStep parse_orwrite(struct scsi_cmd *cmd);
ScsiStep exec_orwrite(struct scsi_cmd *cmd);

/* alua.c */
ScsiStep parse_report_tpg(struct scsi_cmd *cmd);
ScsiStep exec_report_tpg(struct scsi_cmd *cmd);
ScsiStep parse_set_tpg(struct scsi_cmd *cmd);
ScsiStep exec_set_tpg(struct scsi_cmd *cmd);

/* xcopy.c */
ScsiStep parse_xcopy(struct scsi_cmd *cmd);
ScsiStep exec_xcopy(struct scsi_cmd *cmd);
ScsiStep parse_rcr(struct scsi_cmd *cmd);
ScsiStep exec_rcr(struct scsi_cmd *cmd);
uint32_t vpd_third_party_copy(struct scsi_lu *lu, uint8_t *p);

/* shared by sbc-*.c */
ScsiStep cmd_io_go(struct scsi_cmd *cmd);
int ramdisk_rw(struct scsi_cmd *cmd, bool write, uint8_t *buf, uint32_t len, uint64_t off);
int ramdisk_punch(struct scsi_lu *lu, uint64_t off, uint64_t len);
