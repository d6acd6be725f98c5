/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* BHS encode/decode for every RFC 7143 opcode; see pdu.h for the contract. */
#include <string.h>

#include "iscsi-proto/digest.h"
#include "iscsi-proto/pdu.h"

/* Per-opcode byte-1 layout: which single-bit flags the caller may set, and which bits are fixed 1. */
struct opcode_info {
        const char *name;
        uint8_t flag_mask;
        uint8_t fixed;
};

static const struct opcode_info *opcode_info(uint8_t opcode) {
        static const struct opcode_info nop_out = { "NOP-Out", 0, ISCSI_FLAG_FINAL },
                scsi_cmd = { "SCSI Command", ISCSI_FLAG_FINAL | ISCSI_FLAG_CMD_READ | ISCSI_FLAG_CMD_WRITE, 0 },
                tmf_req = { "Task Management Request", 0, ISCSI_FLAG_FINAL },
                login_req = { "Login Request", ISCSI_FLAG_LOGIN_TRANSIT | ISCSI_FLAG_CONTINUE, 0 },
                text_req = { "Text Request", ISCSI_FLAG_FINAL | ISCSI_FLAG_CONTINUE, 0 },
                data_out = { "SCSI Data-Out", ISCSI_FLAG_FINAL, 0 },
                logout_req = { "Logout Request", 0, ISCSI_FLAG_FINAL },
                snack = { "SNACK Request", 0, ISCSI_FLAG_FINAL },
                nop_in = { "NOP-In", 0, ISCSI_FLAG_FINAL },
                scsi_rsp = { "SCSI Response",
                             ISCSI_FLAG_RSP_BIDI_OVERFLOW | ISCSI_FLAG_RSP_BIDI_UNDERFLOW |
                                     ISCSI_FLAG_RSP_OVERFLOW | ISCSI_FLAG_RSP_UNDERFLOW,
                             ISCSI_FLAG_FINAL },
                tmf_rsp = { "Task Management Response", 0, ISCSI_FLAG_FINAL },
                login_rsp = { "Login Response", ISCSI_FLAG_LOGIN_TRANSIT | ISCSI_FLAG_CONTINUE, 0 },
                text_rsp = { "Text Response", ISCSI_FLAG_FINAL | ISCSI_FLAG_CONTINUE, 0 },
                data_in = { "SCSI Data-In",
                            ISCSI_FLAG_FINAL | ISCSI_FLAG_DATA_ACK | ISCSI_FLAG_DATA_OVERFLOW |
                                    ISCSI_FLAG_DATA_UNDERFLOW | ISCSI_FLAG_DATA_STATUS,
                            0 },
                logout_rsp = { "Logout Response", 0, ISCSI_FLAG_FINAL },
                r2t = { "Ready To Transfer", 0, ISCSI_FLAG_FINAL },
                async = { "Asynchronous Message", 0, ISCSI_FLAG_FINAL },
                reject = { "Reject", 0, ISCSI_FLAG_FINAL };

        switch (opcode) {
        case ISCSI_OP_NOP_OUT: return &nop_out;
        case ISCSI_OP_SCSI_CMD: return &scsi_cmd;
        case ISCSI_OP_TMF_REQ: return &tmf_req;
        case ISCSI_OP_LOGIN_REQ: return &login_req;
        case ISCSI_OP_TEXT_REQ: return &text_req;
        case ISCSI_OP_DATA_OUT: return &data_out;
        case ISCSI_OP_LOGOUT_REQ: return &logout_req;
        case ISCSI_OP_SNACK_REQ: return &snack;
        case ISCSI_OP_NOP_IN: return &nop_in;
        case ISCSI_OP_SCSI_RSP: return &scsi_rsp;
        case ISCSI_OP_TMF_RSP: return &tmf_rsp;
        case ISCSI_OP_LOGIN_RSP: return &login_rsp;
        case ISCSI_OP_TEXT_RSP: return &text_rsp;
        case ISCSI_OP_DATA_IN: return &data_in;
        case ISCSI_OP_LOGOUT_RSP: return &logout_rsp;
        case ISCSI_OP_R2T: return &r2t;
        case ISCSI_OP_ASYNC_MSG: return &async;
        case ISCSI_OP_REJECT: return &reject;
        default: return NULL;
        }
}

bool iscsi_opcode_is_known(uint8_t opcode) {
        return opcode_info(opcode) != NULL;
}

bool iscsi_opcode_is_initiator(uint8_t opcode) {
        return (opcode & ISCSI_OPCODE_MASK) < 0x20;
}

const char *iscsi_opcode_to_string(uint8_t opcode) {
        const struct opcode_info *i = opcode_info(opcode);
        return i ? i->name : NULL;
}

int iscsi_bhs_encode(const struct iscsi_bhs *h, uint8_t out[static ISCSI_BHS_SIZE]) {
        const struct opcode_info *info = opcode_info(h->opcode);
        uint8_t b[ISCSI_BHS_SIZE] = {};
        uint8_t byte1;

        if (!info)
                return -EINVAL;
        if (h->dlength > ISCSI_MAX_DLENGTH)
                return -EINVAL;

        byte1 = (uint8_t) ((h->flags & info->flag_mask) | info->fixed);
        if (h->final && (info->flag_mask & ISCSI_FLAG_FINAL))
                byte1 |= ISCSI_FLAG_FINAL;

        b[0] = h->opcode;
        if (h->opcode == ISCSI_OP_LOGIN_REQ || (h->immediate && iscsi_opcode_is_initiator(h->opcode)))
                b[0] |= ISCSI_OP_IMMEDIATE;
        b[4] = h->totalahslen;
        iscsi_put_be24(b + 5, h->dlength);
        iscsi_put_be32(b + 16, h->itt);

        switch (h->opcode) {
        case ISCSI_OP_NOP_OUT:
                iscsi_put_be64(b + 8, h->lun);
                iscsi_put_be32(b + 20, h->ttt);
                iscsi_put_be32(b + 24, h->cmdsn);
                iscsi_put_be32(b + 28, h->expstatsn);
                break;
        case ISCSI_OP_SCSI_CMD:
                if (h->task_attr > ISCSI_FLAG_CMD_ATTR_MASK)
                        return -EINVAL;
                byte1 |= h->task_attr;
                iscsi_put_be64(b + 8, h->lun);
                iscsi_put_be32(b + 20, h->edtl);
                iscsi_put_be32(b + 24, h->cmdsn);
                iscsi_put_be32(b + 28, h->expstatsn);
                memcpy(b + 32, h->cdb, ISCSI_CDB_SIZE);
                break;
        case ISCSI_OP_TMF_REQ:
                if (h->tmf_function > 0x7f)
                        return -EINVAL;
                byte1 |= h->tmf_function;
                iscsi_put_be64(b + 8, h->lun);
                iscsi_put_be32(b + 20, h->rtt);
                iscsi_put_be32(b + 24, h->cmdsn);
                iscsi_put_be32(b + 28, h->expstatsn);
                iscsi_put_be32(b + 32, h->refcmdsn);
                iscsi_put_be32(b + 36, h->expdatasn);
                break;
        case ISCSI_OP_LOGIN_REQ:
        case ISCSI_OP_LOGIN_RSP:
                if (h->csg > 3 || h->nsg > 3)
                        return -EINVAL;
                byte1 |= (uint8_t) ((h->csg << ISCSI_FLAG_LOGIN_CSG_SHIFT) | h->nsg);
                b[2] = h->version_max;
                memcpy(b + 8, h->isid, sizeof(h->isid));
                iscsi_put_be16(b + 14, h->tsih);
                if (h->opcode == ISCSI_OP_LOGIN_REQ) {
                        b[3] = h->version_min;
                        iscsi_put_be16(b + 20, h->cid);
                        iscsi_put_be32(b + 24, h->cmdsn);
                        iscsi_put_be32(b + 28, h->expstatsn);
                } else {
                        b[3] = h->version_active;
                        iscsi_put_be32(b + 24, h->statsn);
                        iscsi_put_be32(b + 28, h->expcmdsn);
                        iscsi_put_be32(b + 32, h->maxcmdsn);
                        b[36] = h->status_class;
                        b[37] = h->status_detail;
                }
                break;
        case ISCSI_OP_TEXT_REQ:
                iscsi_put_be64(b + 8, h->lun);
                iscsi_put_be32(b + 20, h->ttt);
                iscsi_put_be32(b + 24, h->cmdsn);
                iscsi_put_be32(b + 28, h->expstatsn);
                break;
        case ISCSI_OP_DATA_OUT:
                iscsi_put_be64(b + 8, h->lun);
                iscsi_put_be32(b + 20, h->ttt);
                iscsi_put_be32(b + 28, h->expstatsn);
                iscsi_put_be32(b + 36, h->datasn);
                iscsi_put_be32(b + 40, h->buffer_offset);
                break;
        case ISCSI_OP_LOGOUT_REQ:
                if (h->logout_reason > 0x7f)
                        return -EINVAL;
                byte1 |= h->logout_reason;
                iscsi_put_be16(b + 20, h->cid);
                iscsi_put_be32(b + 24, h->cmdsn);
                iscsi_put_be32(b + 28, h->expstatsn);
                break;
        case ISCSI_OP_SNACK_REQ:
                if (h->snack_type > 0x0f)
                        return -EINVAL;
                byte1 |= h->snack_type;
                iscsi_put_be64(b + 8, h->lun);
                iscsi_put_be32(b + 20, h->ttt);
                iscsi_put_be32(b + 28, h->expstatsn);
                iscsi_put_be32(b + 40, h->begrun);
                iscsi_put_be32(b + 44, h->runlength);
                break;
        case ISCSI_OP_NOP_IN:
                iscsi_put_be64(b + 8, h->lun);
                iscsi_put_be32(b + 20, h->ttt);
                iscsi_put_be32(b + 24, h->statsn);
                iscsi_put_be32(b + 28, h->expcmdsn);
                iscsi_put_be32(b + 32, h->maxcmdsn);
                break;
        case ISCSI_OP_SCSI_RSP:
                b[2] = h->response;
                b[3] = h->status;
                iscsi_put_be32(b + 20, h->snack_tag);
                iscsi_put_be32(b + 24, h->statsn);
                iscsi_put_be32(b + 28, h->expcmdsn);
                iscsi_put_be32(b + 32, h->maxcmdsn);
                iscsi_put_be32(b + 36, h->expdatasn);
                iscsi_put_be32(b + 40, h->bidi_residual_count);
                iscsi_put_be32(b + 44, h->residual_count);
                break;
        case ISCSI_OP_TMF_RSP:
                b[2] = h->response;
                iscsi_put_be32(b + 24, h->statsn);
                iscsi_put_be32(b + 28, h->expcmdsn);
                iscsi_put_be32(b + 32, h->maxcmdsn);
                break;
        case ISCSI_OP_TEXT_RSP:
                iscsi_put_be64(b + 8, h->lun);
                iscsi_put_be32(b + 20, h->ttt);
                iscsi_put_be32(b + 24, h->statsn);
                iscsi_put_be32(b + 28, h->expcmdsn);
                iscsi_put_be32(b + 32, h->maxcmdsn);
                break;
        case ISCSI_OP_DATA_IN:
                b[3] = h->status;
                iscsi_put_be64(b + 8, h->lun);
                iscsi_put_be32(b + 20, h->ttt);
                iscsi_put_be32(b + 24, h->statsn);
                iscsi_put_be32(b + 28, h->expcmdsn);
                iscsi_put_be32(b + 32, h->maxcmdsn);
                iscsi_put_be32(b + 36, h->datasn);
                iscsi_put_be32(b + 40, h->buffer_offset);
                iscsi_put_be32(b + 44, h->residual_count);
                break;
        case ISCSI_OP_LOGOUT_RSP:
                b[2] = h->response;
                iscsi_put_be32(b + 24, h->statsn);
                iscsi_put_be32(b + 28, h->expcmdsn);
                iscsi_put_be32(b + 32, h->maxcmdsn);
                iscsi_put_be16(b + 40, h->time2wait);
                iscsi_put_be16(b + 42, h->time2retain);
                break;
        case ISCSI_OP_R2T:
                iscsi_put_be64(b + 8, h->lun);
                iscsi_put_be32(b + 20, h->ttt);
                iscsi_put_be32(b + 24, h->statsn);
                iscsi_put_be32(b + 28, h->expcmdsn);
                iscsi_put_be32(b + 32, h->maxcmdsn);
                iscsi_put_be32(b + 36, h->r2tsn);
                iscsi_put_be32(b + 40, h->buffer_offset);
                iscsi_put_be32(b + 44, h->desired_length);
                break;
        case ISCSI_OP_ASYNC_MSG:
                iscsi_put_be64(b + 8, h->lun);
                iscsi_put_be32(b + 24, h->statsn);
                iscsi_put_be32(b + 28, h->expcmdsn);
                iscsi_put_be32(b + 32, h->maxcmdsn);
                b[36] = h->async_event;
                b[37] = h->async_vcode;
                iscsi_put_be16(b + 38, h->async_param1);
                iscsi_put_be16(b + 40, h->async_param2);
                iscsi_put_be16(b + 42, h->async_param3);
                break;
        case ISCSI_OP_REJECT:
                b[2] = h->reject_reason;
                iscsi_put_be32(b + 24, h->statsn);
                iscsi_put_be32(b + 28, h->expcmdsn);
                iscsi_put_be32(b + 32, h->maxcmdsn);
                iscsi_put_be32(b + 36, h->datasn);
                break;
        default:
                return -EINVAL;
        }

        b[1] = byte1;
        memcpy(out, b, sizeof(b));
        return 0;
}

int iscsi_bhs_decode(const void *buf, size_t len, struct iscsi_bhs *ret) {
        const uint8_t *b = buf;
        struct iscsi_bhs h = {};
        uint8_t f;

        if (!buf || len < ISCSI_BHS_SIZE)
                return -ENODATA;

        h.opcode = b[0] & ISCSI_OPCODE_MASK;
        if (!opcode_info(h.opcode))
                return -EOPNOTSUPP;

        f = h.flags = b[1];
        h.final = f & ISCSI_FLAG_FINAL;
        h.immediate = iscsi_opcode_is_initiator(h.opcode) && (b[0] & ISCSI_OP_IMMEDIATE);
        h.totalahslen = b[4];
        h.dlength = iscsi_get_be24(b + 5);
        h.itt = iscsi_get_be32(b + 16);

        switch (h.opcode) {
        case ISCSI_OP_NOP_OUT:
                h.lun = iscsi_get_be64(b + 8);
                h.ttt = iscsi_get_be32(b + 20);
                h.cmdsn = iscsi_get_be32(b + 24);
                h.expstatsn = iscsi_get_be32(b + 28);
                break;
        case ISCSI_OP_SCSI_CMD:
                h.task_attr = f & ISCSI_FLAG_CMD_ATTR_MASK;
                h.lun = iscsi_get_be64(b + 8);
                h.edtl = iscsi_get_be32(b + 20);
                h.cmdsn = iscsi_get_be32(b + 24);
                h.expstatsn = iscsi_get_be32(b + 28);
                memcpy(h.cdb, b + 32, ISCSI_CDB_SIZE);
                break;
        case ISCSI_OP_TMF_REQ:
                h.tmf_function = f & 0x7f;
                h.lun = iscsi_get_be64(b + 8);
                h.rtt = iscsi_get_be32(b + 20);
                h.cmdsn = iscsi_get_be32(b + 24);
                h.expstatsn = iscsi_get_be32(b + 28);
                h.refcmdsn = iscsi_get_be32(b + 32);
                h.expdatasn = iscsi_get_be32(b + 36);
                break;
        case ISCSI_OP_LOGIN_REQ:
        case ISCSI_OP_LOGIN_RSP:
                h.csg = (f & ISCSI_FLAG_LOGIN_CSG_MASK) >> ISCSI_FLAG_LOGIN_CSG_SHIFT;
                h.nsg = f & ISCSI_FLAG_LOGIN_NSG_MASK;
                /* RFC 7143 §11.12.2: C=1 requires T=0; stage value 2 is reserved. */
                if ((f & ISCSI_FLAG_LOGIN_TRANSIT) && (f & ISCSI_FLAG_CONTINUE))
                        return -EBADMSG;
                if (h.csg == 2 || ((f & ISCSI_FLAG_LOGIN_TRANSIT) && h.nsg == 2))
                        return -EBADMSG;
                h.version_max = b[2];
                memcpy(h.isid, b + 8, sizeof(h.isid));
                h.tsih = iscsi_get_be16(b + 14);
                if (h.opcode == ISCSI_OP_LOGIN_REQ) {
                        h.version_min = b[3];
                        h.cid = iscsi_get_be16(b + 20);
                        h.cmdsn = iscsi_get_be32(b + 24);
                        h.expstatsn = iscsi_get_be32(b + 28);
                } else {
                        h.version_active = b[3];
                        h.statsn = iscsi_get_be32(b + 24);
                        h.expcmdsn = iscsi_get_be32(b + 28);
                        h.maxcmdsn = iscsi_get_be32(b + 32);
                        h.status_class = b[36];
                        h.status_detail = b[37];
                }
                break;
        case ISCSI_OP_TEXT_REQ:
        case ISCSI_OP_TEXT_RSP:
                /* RFC 7143 §11.10.2: F and C must not both be 1. */
                if ((f & ISCSI_FLAG_FINAL) && (f & ISCSI_FLAG_CONTINUE))
                        return -EBADMSG;
                h.lun = iscsi_get_be64(b + 8);
                h.ttt = iscsi_get_be32(b + 20);
                if (h.opcode == ISCSI_OP_TEXT_REQ) {
                        h.cmdsn = iscsi_get_be32(b + 24);
                        h.expstatsn = iscsi_get_be32(b + 28);
                } else {
                        h.statsn = iscsi_get_be32(b + 24);
                        h.expcmdsn = iscsi_get_be32(b + 28);
                        h.maxcmdsn = iscsi_get_be32(b + 32);
                }
                break;
        case ISCSI_OP_DATA_OUT:
                h.lun = iscsi_get_be64(b + 8);
                h.ttt = iscsi_get_be32(b + 20);
                h.expstatsn = iscsi_get_be32(b + 28);
                h.datasn = iscsi_get_be32(b + 36);
                h.buffer_offset = iscsi_get_be32(b + 40);
                break;
        case ISCSI_OP_LOGOUT_REQ:
                h.logout_reason = f & 0x7f;
                h.cid = iscsi_get_be16(b + 20);
                h.cmdsn = iscsi_get_be32(b + 24);
                h.expstatsn = iscsi_get_be32(b + 28);
                break;
        case ISCSI_OP_SNACK_REQ:
                h.snack_type = f & 0x0f;
                h.lun = iscsi_get_be64(b + 8);
                h.ttt = iscsi_get_be32(b + 20);
                h.expstatsn = iscsi_get_be32(b + 28);
                h.begrun = iscsi_get_be32(b + 40);
                h.runlength = iscsi_get_be32(b + 44);
                break;
        case ISCSI_OP_NOP_IN:
                h.lun = iscsi_get_be64(b + 8);
                h.ttt = iscsi_get_be32(b + 20);
                h.statsn = iscsi_get_be32(b + 24);
                h.expcmdsn = iscsi_get_be32(b + 28);
                h.maxcmdsn = iscsi_get_be32(b + 32);
                break;
        case ISCSI_OP_SCSI_RSP:
                /* RFC 7143 §11.4.5.1: O and U (and o and u) are mutually exclusive. */
                if ((f & ISCSI_FLAG_RSP_OVERFLOW) && (f & ISCSI_FLAG_RSP_UNDERFLOW))
                        return -EBADMSG;
                if ((f & ISCSI_FLAG_RSP_BIDI_OVERFLOW) && (f & ISCSI_FLAG_RSP_BIDI_UNDERFLOW))
                        return -EBADMSG;
                h.response = b[2];
                h.status = b[3];
                h.snack_tag = iscsi_get_be32(b + 20);
                h.statsn = iscsi_get_be32(b + 24);
                h.expcmdsn = iscsi_get_be32(b + 28);
                h.maxcmdsn = iscsi_get_be32(b + 32);
                h.expdatasn = iscsi_get_be32(b + 36);
                h.bidi_residual_count = iscsi_get_be32(b + 40);
                h.residual_count = iscsi_get_be32(b + 44);
                break;
        case ISCSI_OP_TMF_RSP:
                h.response = b[2];
                h.statsn = iscsi_get_be32(b + 24);
                h.expcmdsn = iscsi_get_be32(b + 28);
                h.maxcmdsn = iscsi_get_be32(b + 32);
                break;
        case ISCSI_OP_DATA_IN:
                /* RFC 7143 §11.7.4: S may only be set together with F; O/U exclusive. */
                if ((f & ISCSI_FLAG_DATA_STATUS) && !(f & ISCSI_FLAG_FINAL))
                        return -EBADMSG;
                if ((f & ISCSI_FLAG_DATA_OVERFLOW) && (f & ISCSI_FLAG_DATA_UNDERFLOW))
                        return -EBADMSG;
                h.status = b[3];
                h.lun = iscsi_get_be64(b + 8);
                h.ttt = iscsi_get_be32(b + 20);
                h.statsn = iscsi_get_be32(b + 24);
                h.expcmdsn = iscsi_get_be32(b + 28);
                h.maxcmdsn = iscsi_get_be32(b + 32);
                h.datasn = iscsi_get_be32(b + 36);
                h.buffer_offset = iscsi_get_be32(b + 40);
                h.residual_count = iscsi_get_be32(b + 44);
                break;
        case ISCSI_OP_LOGOUT_RSP:
                h.response = b[2];
                h.statsn = iscsi_get_be32(b + 24);
                h.expcmdsn = iscsi_get_be32(b + 28);
                h.maxcmdsn = iscsi_get_be32(b + 32);
                h.time2wait = iscsi_get_be16(b + 40);
                h.time2retain = iscsi_get_be16(b + 42);
                break;
        case ISCSI_OP_R2T:
                h.lun = iscsi_get_be64(b + 8);
                h.ttt = iscsi_get_be32(b + 20);
                h.statsn = iscsi_get_be32(b + 24);
                h.expcmdsn = iscsi_get_be32(b + 28);
                h.maxcmdsn = iscsi_get_be32(b + 32);
                h.r2tsn = iscsi_get_be32(b + 36);
                h.buffer_offset = iscsi_get_be32(b + 40);
                h.desired_length = iscsi_get_be32(b + 44);
                break;
        case ISCSI_OP_ASYNC_MSG:
                h.lun = iscsi_get_be64(b + 8);
                h.statsn = iscsi_get_be32(b + 24);
                h.expcmdsn = iscsi_get_be32(b + 28);
                h.maxcmdsn = iscsi_get_be32(b + 32);
                h.async_event = b[36];
                h.async_vcode = b[37];
                h.async_param1 = iscsi_get_be16(b + 38);
                h.async_param2 = iscsi_get_be16(b + 40);
                h.async_param3 = iscsi_get_be16(b + 42);
                break;
        case ISCSI_OP_REJECT:
                h.reject_reason = b[2];
                h.statsn = iscsi_get_be32(b + 24);
                h.expcmdsn = iscsi_get_be32(b + 28);
                h.maxcmdsn = iscsi_get_be32(b + 32);
                h.datasn = iscsi_get_be32(b + 36);
                break;
        }

        *ret = h;
        return 0;
}
