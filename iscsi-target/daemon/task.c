/* SPDX-License-Identifier: GPL-2.0-or-later */
#include <inttypes.h>

#include "iscsi-proto/serial.h"
#include "log.h"
#include "reply.h"
#include "task.h"

struct PendingTmf {
        Session *s;
        uint32_t itt;
        uint8_t response;
        unsigned waiting;       /* aborted tasks still in the engine */
};

static unsigned itt_hash(uint32_t itt) {
        return (itt ^ (itt >> 8) ^ (itt >> 16)) % TASK_HASH_SIZE;
}

static Task *task_find(Session *s, uint32_t itt) {
        for (Task *t = s->tasks[itt_hash(itt)]; t; t = t->hnext)
                if (t->itt == itt)
                        return t;
        return NULL;
}

static void task_insert(Session *s, Task *t) {
        unsigned h = itt_hash(t->itt);

        t->hnext = s->tasks[h];
        s->tasks[h] = t;
        t->next = s->all_tasks;
        if (s->all_tasks)
                s->all_tasks->prev = t;
        s->all_tasks = t;
        t->in_table = true;
        s->n_tasks++;
}

/* Take the task out of the table: its ITT is free again, its window slot returns. */
static void task_remove(Task *t) {
        Session *s = t->s;

        if (!t->in_table)
                return;
        for (Task **p = &s->tasks[itt_hash(t->itt)]; *p; p = &(*p)->hnext)
                if (*p == t) {
                        *p = t->hnext;
                        break;
                }
        if (t->prev)
                t->prev->next = t->next;
        else
                s->all_tasks = t->next;
        if (t->next)
                t->next->prev = t->prev;
        t->next = t->prev = t->hnext = NULL;
        t->in_table = false;
        s->n_tasks--;
        task_unref(t);
}

static Task *task_ref(Task *t) {
        t->refs++;
        return t;
}

void task_unref(Task *t) {
        Session *s;

        if (!t || --t->refs > 0)
                return;
        s = t->s;
        scsi_cmd_release(&t->cmd);
        free(t);
        session_unref(s);
}

/* ---- sending ---- */

static void txpdu_task_release(TxPdu *p) {
        Task *t = p->owner;
        free(p);
        task_unref(t);
}

static TxPdu *txpdu_for(const struct iscsi_bhs *h, Task *t, const void *data, uint32_t len) {
        TxPdu *p = calloc(1, sizeof(*p));

        if (!p)
                return NULL;
        if (iscsi_bhs_encode(h, p->hdr) < 0) {
                free(p);
                return NULL;
        }
        p->data = data;
        p->data_len = len;
        p->owner = task_ref(t);
        p->release = txpdu_task_release;
        return p;
}

static void queue_or_drop(Session *s, TxPdu *p) {
        if (!p) {
                log_error("%s: out of memory building a response, dropping connection", s->initiator);
                if (s->conn)
                        conn_close(s->conn);
                return;
        }
        if (s->conn)
                conn_queue(s->conn, p);
        else
                p->release(p);
}

static void send_r2ts(Session *s, Task *t) {
        unsigned max = MIN(s->params.max_outstanding_r2t ?: 1, TASK_MAX_R2T);
        unsigned active = 0;

        for (unsigned i = 0; i < TASK_MAX_R2T; i++)
                active += t->r2t[i].active;

        while (t->next_r2t_offset < t->xfer_len && active < max) {
                struct iscsi_bhs h = {
                        .opcode = ISCSI_OP_R2T,
                        .final = true,
                        .lun = 0,
                        .itt = t->itt,
                };
                R2tSlot *slot = NULL;

                for (unsigned i = 0; i < TASK_MAX_R2T; i++)
                        if (!t->r2t[i].active) {
                                slot = &t->r2t[i];
                                break;
                        }
                if (!slot)
                        break;
                *slot = (R2tSlot) {
                        .ttt = session_next_ttt(s),
                        .offset = t->next_r2t_offset,
                        .length = MIN(s->params.max_burst_length, t->xfer_len - t->next_r2t_offset),
                        .active = true,
                };
                t->next_r2t_offset += slot->length;
                active++;

                h.lun = t->lun;
                h.ttt = slot->ttt;
                h.r2tsn = t->r2tsn++;
                h.buffer_offset = slot->offset;
                h.desired_length = slot->length;
                session_fill_sn(s, &h, false);
                queue_or_drop(s, txpdu_for(&h, t, NULL, 0));
        }
}

static void set_resid(struct iscsi_bhs *h, const struct scsi_cmd *cmd) {
        if (cmd->resid_kind == SCSI_RESID_UNDERFLOW) {
                h->flags |= ISCSI_FLAG_RSP_UNDERFLOW;
                h->residual_count = cmd->resid;
        } else if (cmd->resid_kind == SCSI_RESID_OVERFLOW) {
                h->flags |= ISCSI_FLAG_RSP_OVERFLOW;
                h->residual_count = cmd->resid;
        }
}

static void send_status(Session *s, Task *t) {
        const struct scsi_cmd *cmd = &t->cmd;
        uint32_t len = cmd->data_in_len;
        uint32_t mrdsl = s->params.initiator_max_recv_dsl ?: 8192;
        uint32_t mbl = s->params.max_burst_length ?: 262144;
        bool collapse = cmd->sense_len == 0;
        uint32_t off = 0, burst = 0;

        /* Data-In, straight from the command buffer. */
        while (off < len) {
                uint32_t n = MIN(mrdsl, len - off);
                struct iscsi_bhs h = {
                        .opcode = ISCSI_OP_DATA_IN,
                        .lun = t->lun,
                        .itt = t->itt,
                        .ttt = ISCSI_RESERVED_TAG,
                        .datasn = t->datasn++,
                        .buffer_offset = off,
                };
                bool last;

                n = MIN(n, mbl - burst);
                h.dlength = n;
                last = off + n == len;
                burst += n;
                if (last || burst == mbl) {
                        h.final = true;
                        burst = 0;
                }
                if (last && collapse) {
                        h.flags |= ISCSI_FLAG_DATA_STATUS;
                        h.status = cmd->status;
                        set_resid(&h, cmd);
                        session_fill_sn(s, &h, true);
                } else
                        session_fill_sn(s, &h, false);
                queue_or_drop(s, txpdu_for(&h, t, cmd->buf + off, n));
                off += n;
        }
        if (len > 0 && collapse)
                return;

        struct iscsi_bhs h = {
                .opcode = ISCSI_OP_SCSI_RSP,
                .final = true,
                .itt = t->itt,
                .response = ISCSI_RSP_COMPLETED,
                .status = cmd->status,
                .expdatasn = t->datasn,
        };
        uint8_t sense[2 + SCSI_SENSE_BUFFER];
        TxPdu *p;

        set_resid(&h, cmd);
        session_fill_sn(s, &h, true);
        if (cmd->sense_len > 0) {
                iscsi_put_be16(sense, cmd->sense_len);
                memcpy(sense + 2, cmd->sense, cmd->sense_len);
                h.dlength = 2 + cmd->sense_len;
                p = txpdu_new_copy(sense, h.dlength);
                if (p && iscsi_bhs_encode(&h, p->hdr) < 0) {
                        txpdu_free(p);
                        p = NULL;
                }
        } else {
                p = txpdu_new_copy(NULL, 0);
                if (p && iscsi_bhs_encode(&h, p->hdr) < 0) {
                        txpdu_free(p);
                        p = NULL;
                }
        }
        queue_or_drop(s, p);
}

static void tmf_task_ended(PendingTmf *tmf);

/* The task is over: answer (unless aborted) and drop it from the table. */
static void task_finish(Task *t) {
        Session *s = t->s;

        if (t->tmf) {
                PendingTmf *tmf = t->tmf;
                t->tmf = NULL;
                tmf_task_ended(tmf);
        }
        if (!t->aborted && !s->closed)
                send_status(s, t);
        task_remove(t);
}

void task_engine_done(struct scsi_cmd *cmd) {
        Task *t = cmd->userdata;

        t->executing = false;
        task_finish(t);
        task_unref(t);          /* the engine's reference */
}

static void task_submit(Session *s, Task *t) {
        if (t->early_status) {
                task_finish(t);
                return;
        }
        t->executing = true;
        task_ref(t);
        if (scsi_cmd_submit(s->engine, &t->cmd) == SCSI_SUBMIT_COMPLETED)
                task_engine_done(&t->cmd);
}

/* ---- SCSI Command ---- */

/* A task for SCSI Command h, its CDB and flags filled in, not yet in the table. */
static Task *task_new(Session *s, const struct iscsi_bhs *h, const uint8_t *ahs, size_t ahs_len) {
        uint8_t lunbuf[8];
        Task *t;

        t = calloc(1, sizeof(*t));
        if (!t)
                return NULL;
        t->s = session_ref(s);
        t->refs = 1;
        t->itt = h->itt;
        t->cmdsn = h->cmdsn;
        t->lun = h->lun;
        scsi_cmd_init(&t->cmd);

        memcpy(t->cmd.cdb, h->cdb, ISCSI_CDB_SIZE);
        t->cmd.cdb_len = ISCSI_CDB_SIZE;
        if (ahs_len > 0) {
                const uint8_t *extra;
                size_t n;
                if (iscsi_ahs_find_ext_cdb(ahs, ahs_len, &extra, &n) == 0 &&
                    n <= SCSI_MAX_CDB - ISCSI_CDB_SIZE) {
                        memcpy(t->cmd.cdb + ISCSI_CDB_SIZE, extra, n);
                        t->cmd.cdb_len += n;
                }
        }
        iscsi_put_be64(lunbuf, h->lun);
        t->cmd.lun = scsi_lun_decode(lunbuf);
        t->cmd.nexus = s->nexus;
        t->cmd.task_attr = h->flags & ISCSI_FLAG_CMD_ATTR_MASK;
        t->cmd.read = h->flags & ISCSI_FLAG_CMD_READ;
        t->cmd.write = h->flags & ISCSI_FLAG_CMD_WRITE;
        t->cmd.expected_len = h->edtl;
        t->cmd.luns = s->map ? s->map->luns : NULL;
        t->cmd.n_luns = s->map ? s->map->n : 0;
        t->cmd.done = task_engine_done;
        t->cmd.userdata = t;
        return t;
}

/* Immediate data of a command whose preparation said r: where it goes, or why not. */
static enum rx_verdict accept_immediate_data(Session *s, Conn *c, const struct iscsi_bhs *h, Task *t,
                                             enum scsi_prep_result r, Task **ret_rx_task) {
        uint32_t max_imm = MIN(s->params.first_burst_length, t->xfer_len);

        if (!s->params.immediate_data) {
                session_log_bad_input(s, "immediate data sent although ImmediateData=No, rejected");
                reply_reject(c, s, ISCSI_REJECT_PROTOCOL_ERROR, c->rx_hdr);
                *ret_rx_task = NULL;
                task_remove(t);
                return RX_DISCARD;
        }
        if (r != SCSI_PREP_DATA_OUT)
                return RX_DISCARD;
        if (h->dlength > max_imm) {
                /* More immediate data than FirstBurstLength or the transfer. */
                scsi_cmd_set_sense(&t->cmd, SCSI_SENSE_ILLEGAL_REQUEST, 0x24, 0x00);
                t->early_status = true;
                return RX_DISCARD;
        }
        c->rx_dst = t->cmd.buf;
        t->unsol_len = MAX(t->unsol_len, h->dlength);
        return RX_ACCEPT;
}

enum rx_verdict task_cmd_header(Session *s, Conn *c, const struct iscsi_bhs *h, const uint8_t *ahs,
                                size_t ahs_len, Task **ret_rx_task) {
        const LunMapEntry *e;
        enum scsi_prep_result r;
        Task *t;

        *ret_rx_task = NULL;
        if (session_check_cmdsn(s, h->cmdsn, h->immediate) == CMDSN_IGNORE) {
                log_debug("%s: CmdSN %u outside window [%u, %u], ignored", c->peer, h->cmdsn,
                          s->exp_cmdsn, s->max_cmdsn);
                return RX_DISCARD;
        }
        if (session_refresh_map(s) < 0) {
                log_info("%s: %s no longer allowed on %s after reload, closing session", c->peer,
                         s->initiator, s->target);
                return RX_CLOSE;
        }
        if (task_find(s, h->itt)) {
                session_log_bad_input(s, "SCSI command with ITT 0x%x already in use, rejected", h->itt);
                reply_reject(c, s, ISCSI_REJECT_TASK_IN_PROGRESS, c->rx_hdr);
                return RX_DISCARD;
        }

        t = task_new(s, h, ahs, ahs_len);
        if (!t)
                return RX_CLOSE;
        e = lunmap_find(s->map, t->cmd.lun);
        t->cmd.write_protect = e && e->write_protect;
        task_insert(s, t);

        r = scsi_cmd_prepare(e ? e->lu : NULL, &t->cmd);
        if (r == SCSI_PREP_DATA_OUT) {
                t->xfer_len = t->cmd.data_out_len;
                t->unsol_len = s->params.initial_r2t ? 0 : MIN(s->params.first_burst_length, t->xfer_len);
        } else if (r == SCSI_PREP_COMPLETE)
                t->early_status = true;

        *ret_rx_task = t;
        if (h->dlength > 0)
                return accept_immediate_data(s, c, h, t, r, ret_rx_task);
        return RX_ACCEPT;
}

int task_cmd_received(Session *s, Conn *c, Task *t, const struct iscsi_bhs *h, uint32_t imm_len, bool data_ok) {
        bool more_unsolicited = (h->flags & ISCSI_FLAG_CMD_WRITE) && !h->final;

        if (!data_ok) {
                session_log_bad_input(s, "data digest error in immediate data (ITT 0x%x), rejected", t->itt);
                reply_reject(c, s, ISCSI_REJECT_DATA_DIGEST, c->rx_hdr);
                if (!t->early_status) {
                        scsi_cmd_set_sense(&t->cmd, SCSI_SENSE_ABORTED_COMMAND, 0x47, 0x05);
                        t->early_status = true;
                }
        }
        if (c->rx_dst)
                t->received = t->unsol_received = imm_len;
        t->unsol_next_datasn = 0;

        if (t->early_status) {
                /* Answer now; unsolicited Data-Out still on its way finds no task and is
                 * discarded. */
                task_finish(t);
                return 0;
        }
        if (t->xfer_len > 0) {
                if (!more_unsolicited)
                        t->unsol_len = t->unsol_received;
                t->next_r2t_offset = t->unsol_len;
                if (t->received >= t->xfer_len) {
                        task_submit(s, t);
                        return 0;
                }
                send_r2ts(s, t);
                return 0;
        }
        task_submit(s, t);
        return 0;
}

/* ---- Data-Out ---- */

enum rx_verdict task_data_out_header(Session *s, Conn *c, const struct iscsi_bhs *h, Task **ret_rx_task) {
        Task *t = task_find(s, h->itt);
        uint32_t end = h->buffer_offset + h->dlength;

        *ret_rx_task = NULL;
        if (!t) {
                /* Possibly a task we aborted: its remaining data is dropped. */
                log_debug("%s: Data-Out for unknown ITT 0x%x discarded", c->peer, h->itt);
                return RX_DISCARD;
        }
        if (h->dlength > s->params.target_max_recv_dsl || end < h->buffer_offset) {
                log_warning("%s: Data-Out of %u bytes exceeds MaxRecvDataSegmentLength %u, dropping connection",
                            c->peer, h->dlength, s->params.target_max_recv_dsl);
                return RX_CLOSE;
        }
        if (!t->early_status) {
                bool ok;

                if (h->ttt == ISCSI_RESERVED_TAG)
                        ok = end <= t->unsol_len && h->datasn == t->unsol_next_datasn;
                else {
                        R2tSlot *slot = NULL;
                        for (unsigned i = 0; i < TASK_MAX_R2T; i++)
                                if (t->r2t[i].active && t->r2t[i].ttt == h->ttt)
                                        slot = &t->r2t[i];
                        ok = slot && h->buffer_offset >= slot->offset && end <= slot->offset + slot->length &&
                             h->datasn == slot->next_datasn;
                }
                if (!ok) {
                        /* ERL 0 cannot recover the sequence: fail the command (DATA PHASE
                         * ERROR) and drop the rest of its data, keeping the session. */
                        session_log_bad_input(s, "Data-Out out of sequence (ITT 0x%x, TTT 0x%x, DataSN %u, offset %u), command failed",
                                              h->itt, h->ttt, h->datasn, h->buffer_offset);
                        scsi_cmd_set_sense(&t->cmd, SCSI_SENSE_ABORTED_COMMAND, 0x4b, 0x00);
                        t->early_status = true;
                }
        }
        if (t->cmd.buf && end <= t->cmd.buf_len && !t->early_status)
                c->rx_dst = t->cmd.buf + h->buffer_offset;
        else if (h->dlength > 0) {
                *ret_rx_task = t;
                return RX_DISCARD;
        }
        *ret_rx_task = t;
        return RX_ACCEPT;
}

int task_data_out_received(Session *s, Conn *c, Task *t, const struct iscsi_bhs *h, bool data_ok) {
        bool sequence_done = h->final;

        if (!data_ok) {
                session_log_bad_input(s, "data digest error in Data-Out (ITT 0x%x), rejected", t->itt);
                reply_reject(c, s, ISCSI_REJECT_DATA_DIGEST, c->rx_hdr);
                if (!t->early_status) {
                        scsi_cmd_set_sense(&t->cmd, SCSI_SENSE_ABORTED_COMMAND, 0x47, 0x05);
                        t->early_status = true;
                }
        }
        t->received += h->dlength;
        if (h->ttt == ISCSI_RESERVED_TAG) {
                t->unsol_received += h->dlength;
                t->unsol_next_datasn++;
                if (sequence_done)
                        t->unsol_len = t->unsol_received;
        } else {
                for (unsigned i = 0; i < TASK_MAX_R2T; i++) {
                        R2tSlot *slot = &t->r2t[i];
                        if (!slot->active || slot->ttt != h->ttt)
                                continue;
                        slot->received += h->dlength;
                        slot->next_datasn++;
                        if (sequence_done || slot->received >= slot->length)
                                slot->active = false;
                }
        }

        if (t->early_status) {
                task_finish(t);
                return 0;
        }
        if (t->received >= t->xfer_len) {
                task_submit(s, t);
                return 0;
        }
        if (sequence_done)
                send_r2ts(s, t);
        return 0;
}

/* ---- task management ---- */

static void send_tmf_response(Session *s, uint32_t itt, uint8_t response) {
        struct iscsi_bhs h = {
                .opcode = ISCSI_OP_TMF_RSP,
                .final = true,
                .itt = itt,
                .response = response,
        };
        TxPdu *p = txpdu_new_copy(NULL, 0);

        session_fill_sn(s, &h, true);
        if (p && iscsi_bhs_encode(&h, p->hdr) < 0) {
                txpdu_free(p);
                p = NULL;
        }
        queue_or_drop(s, p);
}

static void tmf_task_ended(PendingTmf *tmf) {
        if (--tmf->waiting > 0)
                return;
        if (!tmf->s->closed)
                send_tmf_response(tmf->s, tmf->itt, tmf->response);
        free(tmf);
}

/* Abort t: no response will be sent. If it is in the engine, tmf (if any) waits for it. */
static void task_abort(Task *t, PendingTmf *tmf) {
        t->aborted = true;
        if (t->executing) {
                if (tmf && !t->tmf) {
                        t->tmf = tmf;
                        tmf->waiting++;
                }
                task_remove(t);
                return;
        }
        task_remove(t);
}

static unsigned abort_matching(Session *s, PendingTmf *tmf, bool all_luns, uint64_t lun) {
        unsigned n = 0;

        for (Task *t = s->all_tasks, *next; t; t = next) {
                next = t->next;
                if (!all_luns && t->lun != lun)
                        continue;
                task_abort(t, tmf);
                n++;
        }
        return n;
}

int task_tmf(Session *s, Conn *c, const struct iscsi_bhs *h) {
        PendingTmf *tmf;
        const LunMapEntry *e;
        uint8_t lunbuf[8];

        if (s->discovery) {
                send_tmf_response(s, h->itt, ISCSI_TMF_RSP_REJECTED);
                return 0;
        }
        (void) session_refresh_map(s);
        iscsi_put_be64(lunbuf, h->lun);
        e = lunmap_find(s->map, scsi_lun_decode(lunbuf));

        tmf = calloc(1, sizeof(*tmf));
        if (!tmf)
                return -ENOMEM;
        *tmf = (PendingTmf) { .s = s, .itt = h->itt, .response = ISCSI_TMF_RSP_COMPLETE, .waiting = 1 };

        switch (h->tmf_function) {
        case ISCSI_TMF_ABORT_TASK: {
                Task *t = task_find(s, h->rtt);
                if (!t) {
                        /* Not received yet (RefCmdSN still ahead of us) counts as done. */
                        if (!sn_ge(h->refcmdsn, s->exp_cmdsn))
                                tmf->response = ISCSI_TMF_RSP_NO_TASK;
                } else if (t->lun != h->lun)
                        tmf->response = ISCSI_TMF_RSP_NO_TASK;
                else
                        task_abort(t, tmf);
                log_debug("%s: ABORT TASK ITT 0x%x: %s", c->peer, h->rtt, t ? "aborted" : "no such task");
                break;
        }
        case ISCSI_TMF_ABORT_TASK_SET:
        case ISCSI_TMF_CLEAR_TASK_SET:
                if (!e) {
                        tmf->response = ISCSI_TMF_RSP_NO_LUN;
                        break;
                }
                abort_matching(s, tmf, false, h->lun);
                break;
        case ISCSI_TMF_LOGICAL_UNIT_RESET:
                if (!e) {
                        tmf->response = ISCSI_TMF_RSP_NO_LUN;
                        break;
                }
                abort_matching(s, tmf, false, h->lun);
                scsi_lu_reset(e->lu, SCSI_RESET_LUN);
                log_info("%s: LUN RESET of LUN %" PRIu64 " by %s", c->peer, e->lun, s->initiator);
                break;
        case ISCSI_TMF_TARGET_WARM_RESET:
                abort_matching(s, tmf, true, 0);
                for (size_t i = 0; s->map && i < s->map->n; i++)
                        scsi_lu_reset(s->map->entries[i].lu, SCSI_RESET_TARGET_WARM);
                log_info("%s: TARGET WARM RESET by %s", c->peer, s->initiator);
                break;
        case ISCSI_TMF_TARGET_COLD_RESET:
                /* Warm reset plus the end of every session to the target (RFC 7143 §11.5.1):
                 * the others now, ours once the response is on the wire. */
                abort_matching(s, tmf, true, 0);
                for (size_t i = 0; s->map && i < s->map->n; i++)
                        scsi_lu_reset(s->map->entries[i].lu, SCSI_RESET_TARGET_COLD);
                log_info("%s: TARGET COLD RESET by %s", c->peer, s->initiator);
                session_close_target_sessions(s, "target cold reset");
                tmf_task_ended(tmf);
                conn_close_after_flush(c);
                return 0;
        case ISCSI_TMF_TASK_REASSIGN:
                /* ERL 0: no connection recovery, so no allegiance to reassign. */
                tmf->response = ISCSI_TMF_RSP_NO_FAILOVER;
                break;
        default:
                tmf->response = ISCSI_TMF_RSP_NOT_SUPPORTED;
                break;
        }
        tmf_task_ended(tmf);
        return 0;
}

void task_abort_all(Session *s) {
        /* Hold the session while tearing down: the last task_unref() may drop the last
         * reference but one. */
        session_ref(s);
        for (Task *t = s->all_tasks, *next; t; t = next) {
                next = t->next;
                if (t->tmf) {
                        PendingTmf *tmf = t->tmf;
                        t->tmf = NULL;
                        tmf_task_ended(tmf);
                }
                /* Tasks in the engine keep their own reference and end there. */
                t->aborted = true;
                task_remove(t);
        }
        session_unref(s);
}
