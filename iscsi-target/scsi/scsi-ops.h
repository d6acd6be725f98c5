/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Command handlers referenced by the opcode table in cmd.c. */
#pragma once

#include "scsi-internal.h"

/* spc-misc.c */
int parse_no_data(struct scsi_cmd *cmd);
int exec_good(struct scsi_cmd *cmd);
int parse_request_sense(struct scsi_cmd *cmd);
int exec_request_sense(struct scsi_cmd *cmd);
int parse_report_luns(struct scsi_cmd *cmd);
int exec_report_luns(struct scsi_cmd *cmd);
int parse_start_stop(struct scsi_cmd *cmd);
int parse_prevent_allow(struct scsi_cmd *cmd);
int parse_rsoc(struct scsi_cmd *cmd);
int exec_rsoc(struct scsi_cmd *cmd);
int parse_read_defect(struct scsi_cmd *cmd);
int exec_read_defect(struct scsi_cmd *cmd);

/* spc-inquiry.c */
int parse_inquiry(struct scsi_cmd *cmd);
int exec_inquiry(struct scsi_cmd *cmd);

/* spc-mode.c */
int parse_mode_sense(struct scsi_cmd *cmd);
int exec_mode_sense(struct scsi_cmd *cmd);
int parse_mode_select(struct scsi_cmd *cmd);
int exec_mode_select(struct scsi_cmd *cmd);

/* pr.c */
int parse_pr_in(struct scsi_cmd *cmd);
int exec_pr_in(struct scsi_cmd *cmd);
int parse_pr_out(struct scsi_cmd *cmd);
int exec_pr_out(struct scsi_cmd *cmd);
int parse_reserve(struct scsi_cmd *cmd);
int exec_reserve(struct scsi_cmd *cmd);
int exec_release(struct scsi_cmd *cmd);

/* sbc-info.c */
int parse_read_capacity10(struct scsi_cmd *cmd);
int exec_read_capacity10(struct scsi_cmd *cmd);
int parse_read_capacity16(struct scsi_cmd *cmd);
int exec_read_capacity16(struct scsi_cmd *cmd);
int parse_get_lba_status(struct scsi_cmd *cmd);
int exec_get_lba_status(struct scsi_cmd *cmd);

/* sbc-rw.c */
int parse_rw(struct scsi_cmd *cmd);
int exec_read(struct scsi_cmd *cmd);
int exec_write(struct scsi_cmd *cmd);
int io_done_read(struct scsi_cmd *cmd);
int io_done_write(struct scsi_cmd *cmd);
void write_truncate(struct scsi_cmd *cmd);
int parse_verify(struct scsi_cmd *cmd);
int exec_verify(struct scsi_cmd *cmd);
int io_done_verify(struct scsi_cmd *cmd);
int parse_sync_cache(struct scsi_cmd *cmd);
int exec_sync_cache(struct scsi_cmd *cmd);
int io_done_simple(struct scsi_cmd *cmd);
int parse_prefetch(struct scsi_cmd *cmd);
int exec_prefetch(struct scsi_cmd *cmd);

/* sbc-thin.c */
int parse_write_same(struct scsi_cmd *cmd);
int exec_write_same(struct scsi_cmd *cmd);
int parse_unmap(struct scsi_cmd *cmd);
int exec_unmap(struct scsi_cmd *cmd);
int parse_caw(struct scsi_cmd *cmd);
int exec_caw(struct scsi_cmd *cmd);
int parse_orwrite(struct scsi_cmd *cmd);
int exec_orwrite(struct scsi_cmd *cmd);

/* xcopy.c */
int parse_xcopy(struct scsi_cmd *cmd);
int exec_xcopy(struct scsi_cmd *cmd);
int parse_rcr(struct scsi_cmd *cmd);
int exec_rcr(struct scsi_cmd *cmd);
uint32_t vpd_third_party_copy(struct scsi_lu *lu, uint8_t *p);

/* shared by sbc-*.c */
int cmd_io_go(struct scsi_cmd *cmd);
int ramdisk_rw(struct scsi_cmd *cmd, bool write, uint8_t *buf, uint32_t len, uint64_t off);
int ramdisk_punch(struct scsi_lu *lu, uint64_t off, uint64_t len);
