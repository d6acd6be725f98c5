/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SCSI tasks of a session: SCSI Command → (immediate data, unsolicited Data-Out, R2T-solicited
 * Data-Out, all received straight into the command's buffer) → SCSI engine → Data-In sent
 * from the same buffer by scatter-gather → SCSI Response (or status collapsed into the last
 * Data-In). Plus task management. All on the session's worker thread. */
#pragma once

#include "iscsi-session.h"

typedef struct R2tSlot {
        uint32_t ttt;
        uint32_t offset, length;
        uint32_t received;
        uint32_t next_datasn;
        bool active;
} R2tSlot;

#define TASK_MAX_R2T 8u

struct Task {
        struct scsi_cmd cmd;
        Session *s;                     /* a reference */
        Task *hnext;                    /* hash chain by ITT */
        Task *next, *prev;              /* session list */
        unsigned refs;                  /* session table + queued TxPdus */
        uint32_t itt, cmdsn;
        uint64_t lun;
        bool in_table;
        bool executing;                 /* in the SCSI engine */
        bool aborted;                   /* no response will be sent */
        bool early_status;              /* failed before its Data-Out arrived */
        PendingTmf *tmf;                /* a TMF waiting for this task to end */

        /* Data-Out bookkeeping */
        uint32_t xfer_len;              /* bytes of Data-Out expected in total */
        uint32_t received;
        uint32_t unsol_len;             /* immediate + unsolicited Data-Out bytes allowed */
        uint32_t unsol_received;
        uint32_t unsol_next_datasn;
        uint32_t next_r2t_offset;
        uint32_t r2tsn;
        R2tSlot r2t[TASK_MAX_R2T];

        uint32_t datasn;                /* next Data-In DataSN */
};

/* SCSI Command header received: set up the task and say where immediate data goes. */
enum rx_verdict task_cmd_header(Session *s, Conn *c, const struct iscsi_bhs *h,
                                const uint8_t *ahs, size_t ahs_len, Task **ret_rx_task);
/* Command PDU complete (immediate data, if any, in the task buffer). */
int task_cmd_received(Session *s, Conn *c, Task *t, const struct iscsi_bhs *h, uint32_t imm_len, bool data_ok);
/* Data-Out header: find the task and its buffer offset. */
enum rx_verdict task_data_out_header(Session *s, Conn *c, const struct iscsi_bhs *h, Task **ret_rx_task);
int task_data_out_received(Session *s, Conn *c, Task *t, const struct iscsi_bhs *h, bool data_ok);

/* Task Management Function Request. */
int task_tmf(Session *s, Conn *c, const struct iscsi_bhs *h);

/* Session closed: abort every task. Tasks still in the SCSI engine end there; each Task holds a
 * reference to its session, so the session outlives them. */
void task_abort_all(Session *s);

/* Engine completion callback. */
void task_engine_done(struct scsi_cmd *cmd);
/* Submit tasks whose data is complete (also used by the engine-completion path). */
void task_unref(Task *t);
