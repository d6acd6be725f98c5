/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reservations: SPC-2 RESERVE/RELEASE (6)/(10) and SPC-4 persistent reservations
 * (PERSISTENT RESERVE IN/OUT), with the access rules per reservation type. Registrations are
 * kept in memory only (PTPL_C=0: APTPL is refused). */
#include <errno.h>
#include <stdlib.h>

#include "scsi-ops.h"

#define PR_MAX_REGISTRATIONS 1024

enum {
        PR_WE = 1, PR_EA = 3, PR_WERO = 5, PR_EARO = 6, PR_WEAR = 7, PR_EAAR = 8,
};

enum {
        PRO_REGISTER, PRO_RESERVE, PRO_RELEASE, PRO_CLEAR, PRO_PREEMPT, PRO_PREEMPT_ABORT,
        PRO_REGISTER_IGNORE,
};

static bool type_valid(uint8_t t) {
        return t == PR_WE || t == PR_EA || t == PR_WERO || t == PR_EARO || t == PR_WEAR || t == PR_EAAR;
}

static bool type_all_registrants(uint8_t t) {
        return t == PR_WEAR || t == PR_EAAR;
}

static bool same_port(const char *a_i, const char *a_t, const struct scsi_nexus *n) {
        return a_i && a_t && streq(a_i, n->initiator_port) && streq(a_t, n->target_port);
}

static struct pr_reg *find_reg(struct scsi_lu *lu, const struct scsi_nexus *n) {
        for (size_t i = 0; i < lu->n_regs; i++) {
                struct pr_reg *r = &lu->regs[i];
                if (streq(r->iport, n->initiator_port) && (r->all_tg_pt || streq(r->tport, n->target_port)))
                        return r;
        }
        return NULL;
}

static bool is_holder(struct scsi_lu *lu, const struct scsi_nexus *n) {
        if (!lu->pr_held)
                return false;
        if (type_all_registrants(lu->pr_type))
                return find_reg(lu, n) != NULL;
        return same_port(lu->pr_holder.iport, lu->pr_holder.tport, n);
}

static bool is_res6_cmd(uint8_t op) {
        return op == 0x16 || op == 0x17 || op == 0x56 || op == 0x57;
}

bool pr_conflict(struct scsi_lu *lu, const struct scsi_cmd *cmd, const struct scsi_op *op) {
        const struct scsi_nexus *n = cmd->nexus;
        bool registered;

        if (!n)
                return false;
        if (lu->res6_holder && !same_port(lu->res6_holder, lu->res6_tport, n) && !(op->flags & OP_RES6_ALLOWED))
                return true;
        if (is_res6_cmd(op->opcode))
                /* RESERVE/RELEASE conflict with any persistent reservation state. */
                return lu->pr_held || (lu->n_regs > 0 && op->opcode != 0x17 && op->opcode != 0x57);
        if (!lu->pr_held || (op->flags & OP_PR_ALLOWED) || is_holder(lu, n))
                return false;

        registered = find_reg(lu, n) != NULL;
        switch (lu->pr_type) {
        case PR_WE:
                return op->flags & OP_MEDIUM_WRITE;
        case PR_EA:
                return op->flags & (OP_MEDIUM_WRITE | OP_MEDIUM_READ);
        case PR_WERO:
        case PR_WEAR:
                return !registered && (op->flags & OP_MEDIUM_WRITE);
        default: /* EARO, EAAR */
                return !registered && (op->flags & (OP_MEDIUM_WRITE | OP_MEDIUM_READ));
        }
}

static void res6_clear(struct scsi_lu *lu) {
        free(lu->res6_holder);
        free(lu->res6_tport);
        lu->res6_holder = lu->res6_tport = NULL;
}

void pr_nexus_loss(struct scsi_lu *lu, const struct scsi_nexus *n) {
        if (lu->res6_holder && same_port(lu->res6_holder, lu->res6_tport, n))
                res6_clear(lu);
}

void pr_reset(struct scsi_lu *lu) {
        /* Resets end SPC-2 reservations; persistent ones survive them. */
        res6_clear(lu);
}

/* ---- RESERVE / RELEASE (6)/(10) ---- */

ScsiStep parse_reserve(struct scsi_cmd *cmd) {
        if ((cmd->cdb[0] == SCSI_OP_RESERVE_10 || cmd->cdb[0] == SCSI_OP_RELEASE_10) && (cmd->cdb[1] & 0x12))
                return cmd_fail_field(cmd, true, 1, 4);         /* third party / long id */
        cmd->priv.xfer_len = 0;
        return SCSI_STEP_CONTINUE;
}

ScsiStep exec_reserve(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        const struct scsi_nexus *n = cmd->nexus;

        if (!n) {
                cmd_good(cmd);
                return SCSI_STEP_COMPLETE;
        }
        pthread_mutex_lock(&lu->lock);
        if (lu->res6_holder && !same_port(lu->res6_holder, lu->res6_tport, n))
                cmd_status(cmd, SCSI_STATUS_RESERVATION_CONFLICT);
        else if (!lu->res6_holder) {
                lu->res6_holder = strdup(n->initiator_port);
                lu->res6_tport = strdup(n->target_port);
                if (!lu->res6_holder || !lu->res6_tport) {
                        res6_clear(lu);
                        cmd_status(cmd, SCSI_STATUS_BUSY);
                } else
                        cmd_good(cmd);
        } else
                cmd_good(cmd);
        pthread_mutex_unlock(&lu->lock);
        return SCSI_STEP_COMPLETE;
}

ScsiStep exec_release(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);

        pthread_mutex_lock(&lu->lock);
        /* Releasing someone else's (or no) reservation is a no-op that succeeds. */
        if (cmd->nexus && lu->res6_holder && same_port(lu->res6_holder, lu->res6_tport, cmd->nexus))
                res6_clear(lu);
        pthread_mutex_unlock(&lu->lock);
        cmd_good(cmd);
        return SCSI_STEP_COMPLETE;
}

/* ---- PERSISTENT RESERVE IN ---- */

ScsiStep parse_pr_in(struct scsi_cmd *cmd) {
        cmd->priv.xfer_len = get_be16(cmd->cdb + 7);
        return SCSI_STEP_CONTINUE;
}

/* iSCSI TransportID, format 01b: "<name>,i,0x<isid>", NUL terminated, padded to 4 bytes. */
static uint32_t put_transport_id(uint8_t *p, const char *iport) {
        size_t l = strlen(iport) + 1;
        size_t padded = MAX((l + 3) & ~(size_t) 3, (size_t) 20);

        p[0] = 0x40 | 0x05;
        put_be16(p + 2, (uint16_t) padded);
        memset(p + 4, 0, padded);
        memcpy(p + 4, iport, l - 1);
        return (uint32_t) (4 + padded);
}

ScsiStep exec_pr_in(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        uint8_t sa = cmd->cdb[1] & 0x1f;
        uint32_t len = 8, size;
        uint8_t *p;

        pthread_mutex_lock(&lu->lock);
        size = (uint32_t) (8 + lu->n_regs * (24 + 4 + 256 + 8) + 16);
        if (cmd_alloc_buf(cmd, size) < 0) {
                pthread_mutex_unlock(&lu->lock);
                cmd_status(cmd, SCSI_STATUS_BUSY);
                return SCSI_STEP_COMPLETE;
        }
        p = cmd->buf;
        memset(p, 0, size);
        switch (sa) {
        case 0: /* READ KEYS */
                put_be32(p, lu->pr_generation);
                for (size_t i = 0; i < lu->n_regs; i++, len += 8)
                        put_be64(p + len, lu->regs[i].key);
                put_be32(p + 4, len - 8);
                break;
        case 1: /* READ RESERVATION */
                put_be32(p, lu->pr_generation);
                if (lu->pr_held) {
                        uint64_t key = 0;
                        if (!type_all_registrants(lu->pr_type))
                                for (size_t i = 0; i < lu->n_regs; i++)
                                        if (streq(lu->regs[i].iport, lu->pr_holder.iport) &&
                                            (lu->regs[i].all_tg_pt || streq(lu->regs[i].tport, lu->pr_holder.tport)))
                                                key = lu->regs[i].key;
                        put_be64(p + 8, key);
                        p[21] = lu->pr_type;            /* scope 0: logical unit */
                        len += 16;
                }
                put_be32(p + 4, len - 8);
                break;
        case 2: /* REPORT CAPABILITIES */
                put_be16(p, 8);
                p[2] = 0x04;                            /* ATP_C */
                p[3] = 0x80;                            /* TMV */
                p[4] = 0x80 | 0x40 | 0x20 | 0x08 | 0x02;
                p[5] = 0x01;
                len = 8;
                break;
        default: /* READ FULL STATUS */
                put_be32(p, lu->pr_generation);
                for (size_t i = 0; i < lu->n_regs; i++) {
                        const struct pr_reg *r = &lu->regs[i];
                        uint8_t *d = p + len;
                        uint32_t tl;
                        bool holder = lu->pr_held &&
                                (type_all_registrants(lu->pr_type) ||
                                 (streq(r->iport, lu->pr_holder.iport) &&
                                  (r->all_tg_pt || streq(r->tport, lu->pr_holder.tport))));
                        put_be64(d, r->key);
                        d[12] = (r->all_tg_pt ? 0x02 : 0) | (holder ? 0x01 : 0);
                        d[13] = holder ? lu->pr_type : 0;
                        put_be16(d + 18, r->rtpi);
                        tl = put_transport_id(d + 24, r->iport);
                        put_be32(d + 20, tl);
                        len += 24 + tl;
                }
                put_be32(p + 4, len - 8);
                break;
        }
        pthread_mutex_unlock(&lu->lock);
        cmd_data_in(cmd, len);
        return SCSI_STEP_COMPLETE;
}

/* ---- PERSISTENT RESERVE OUT ---- */

ScsiStep parse_pr_out(struct scsi_cmd *cmd) {
        uint32_t len = get_be32(cmd->cdb + 5);

        if (len != 24)
                return cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_PARAMETER_LIST_LENGTH_ERROR);
        if (!cmd->nexus)
                return cmd_fail_field(cmd, true, 1, 4);
        cmd->priv.xfer_len = len;
        return SCSI_STEP_CONTINUE;
}

static void holder_set(struct scsi_lu *lu, const struct scsi_nexus *n, uint8_t type) {
        free(lu->pr_holder.iport);
        free(lu->pr_holder.tport);
        lu->pr_holder.iport = strdup(n->initiator_port);
        lu->pr_holder.tport = strdup(n->target_port);
        lu->pr_held = true;
        lu->pr_type = type;
}

static void reservation_drop(struct scsi_lu *lu) {
        free(lu->pr_holder.iport);
        free(lu->pr_holder.tport);
        lu->pr_holder.iport = lu->pr_holder.tport = NULL;
        lu->pr_held = false;
        lu->pr_type = 0;
}

static void reg_remove(struct scsi_lu *lu, size_t i) {
        free(lu->regs[i].iport);
        free(lu->regs[i].tport);
        lu->regs[i] = lu->regs[--lu->n_regs];
}

static bool reg_is(const struct pr_reg *r, const struct scsi_nexus *n) {
        return streq(r->iport, n->initiator_port) && (r->all_tg_pt || streq(r->tport, n->target_port));
}

/* Release by the holder: for the RO/AR types the other registrants learn it by UA. */
static void release_notify(struct scsi_lu *lu, const struct scsi_nexus *n) {
        uint8_t t = lu->pr_type;

        reservation_drop(lu);
        if (t == PR_WERO || t == PR_EARO || t == PR_WEAR || t == PR_EAAR)
                for (size_t i = 0; i < lu->n_regs; i++)
                        if (!reg_is(&lu->regs[i], n))
                                lu_ua_add_port(lu, lu->regs[i].iport, ASC_RESERVATIONS_RELEASED);
}

/* Remove the registrations holding `key` except the caller's; returns how many. */
static size_t remove_key(struct scsi_lu *lu, uint64_t key, const struct scsi_nexus *self) {
        size_t removed = 0;

        for (size_t i = 0; i < lu->n_regs;) {
                if (lu->regs[i].key == key && !reg_is(&lu->regs[i], self)) {
                        lu_ua_add_port(lu, lu->regs[i].iport, ASC_REGISTRATIONS_PREEMPTED);
                        reg_remove(lu, i);
                        removed++;
                } else
                        i++;
        }
        return removed;
}

static ScsiStep pr_register(struct scsi_cmd *cmd, struct scsi_lu *lu, struct pr_reg *reg, bool ignore,
                       uint64_t key, uint64_t sakey, bool all_tg_pt) {
        const struct scsi_nexus *n = cmd->nexus;

        if (!reg) {
                struct pr_reg *nr;

                if (!ignore && key != 0)
                        return cmd_status(cmd, SCSI_STATUS_RESERVATION_CONFLICT);
                if (sakey == 0)
                        return SCSI_STEP_CONTINUE;
                if (lu->n_regs >= PR_MAX_REGISTRATIONS)
                        /* Every new I_T nexus may register: bound the memory it can take. */
                        return cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_INSUFFICIENT_REGISTRATION_RESOURCES);
                nr = realloc(lu->regs, (lu->n_regs + 1) * sizeof(*nr));
                if (!nr)
                        return cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_INSUFFICIENT_REGISTRATION_RESOURCES);
                lu->regs = nr;
                nr = &lu->regs[lu->n_regs];
                *nr = (struct pr_reg) {
                        .key = sakey,
                        .iport = strdup(n->initiator_port),
                        .tport = strdup(n->target_port),
                        .rtpi = n->tpgt,
                        .all_tg_pt = all_tg_pt,
                };
                if (!nr->iport || !nr->tport) {
                        free(nr->iport);
                        free(nr->tport);
                        return cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_INSUFFICIENT_REGISTRATION_RESOURCES);
                }
                lu->n_regs++;
                lu->pr_generation++;
                return SCSI_STEP_CONTINUE;
        }
        if (!ignore && key != reg->key)
                return cmd_status(cmd, SCSI_STATUS_RESERVATION_CONFLICT);
        if (sakey != 0) {
                reg->key = sakey;
                lu->pr_generation++;
                return SCSI_STEP_CONTINUE;
        }
        /* Unregister. A single holder loses its reservation; an all-registrants reservation
         * ends with its last registrant. */
        if (lu->pr_held && !type_all_registrants(lu->pr_type) && is_holder(lu, n))
                release_notify(lu, n);
        reg_remove(lu, (size_t) (reg - lu->regs));
        if (lu->pr_held && type_all_registrants(lu->pr_type) && lu->n_regs == 0)
                reservation_drop(lu);
        lu->pr_generation++;
        return SCSI_STEP_CONTINUE;
}

static ScsiStep pr_preempt(struct scsi_cmd *cmd, struct scsi_lu *lu, uint64_t sakey, uint8_t scope, uint8_t type) {
        const struct scsi_nexus *n = cmd->nexus;

        if (lu->pr_held && type_all_registrants(lu->pr_type) && sakey == 0) {
                if (scope != 0 || !type_valid(type))
                        return cmd_fail_field(cmd, true, 2, -1);
                for (size_t i = 0; i < lu->n_regs;) {
                        if (!reg_is(&lu->regs[i], n)) {
                                lu_ua_add_port(lu, lu->regs[i].iport, ASC_REGISTRATIONS_PREEMPTED);
                                reg_remove(lu, i);
                        } else
                                i++;
                }
                holder_set(lu, n, type);
                lu->pr_generation++;
                return SCSI_STEP_CONTINUE;
        }
        if (lu->pr_held && !type_all_registrants(lu->pr_type)) {
                uint64_t holder_key = 0;
                bool found = false;

                for (size_t i = 0; i < lu->n_regs; i++)
                        if (streq(lu->regs[i].iport, lu->pr_holder.iport) &&
                            (lu->regs[i].all_tg_pt || streq(lu->regs[i].tport, lu->pr_holder.tport))) {
                                holder_key = lu->regs[i].key;
                                found = true;
                        }
                if (found && sakey == holder_key) {
                        if (scope != 0 || !type_valid(type))
                                return cmd_fail_field(cmd, true, 2, -1);
                        remove_key(lu, sakey, n);
                        holder_set(lu, n, type);
                        lu->pr_generation++;
                        return SCSI_STEP_CONTINUE;
                }
        }
        if (sakey == 0)
                return cmd_fail_field(cmd, false, 8, -1);
        if (remove_key(lu, sakey, n) == 0)
                return cmd_status(cmd, SCSI_STATUS_RESERVATION_CONFLICT);
        lu->pr_generation++;
        return SCSI_STEP_CONTINUE;
}

ScsiStep exec_pr_out(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        const struct scsi_nexus *n = cmd->nexus;
        const uint8_t *p = cmd->buf;
        uint8_t sa = cmd->cdb[1] & 0x1f, scope = cmd->cdb[2] >> 4, type = cmd->cdb[2] & 0x0f;
        uint64_t key = get_be64(p), sakey = get_be64(p + 8);
        uint8_t flags = p[20];
        struct pr_reg *reg;
        ScsiStep r = SCSI_STEP_CONTINUE;

        if (flags & 0x01) {
                cmd_fail_field(cmd, false, 20, 0);              /* APTPL: not persistent */
                return SCSI_STEP_COMPLETE;
        }
        if (flags & 0x08) {
                cmd_fail_field(cmd, false, 20, 3);              /* SPEC_I_PT: SIP_C=0 */
                return SCSI_STEP_COMPLETE;
        }

        pthread_mutex_lock(&lu->lock);
        reg = find_reg(lu, n);
        if (sa != PRO_REGISTER && sa != PRO_REGISTER_IGNORE && (!reg || reg->key != key)) {
                r = cmd_status(cmd, SCSI_STATUS_RESERVATION_CONFLICT);
                goto out;
        }
        switch (sa) {
        case PRO_REGISTER:
        case PRO_REGISTER_IGNORE:
                r = pr_register(cmd, lu, reg, sa == PRO_REGISTER_IGNORE, key, sakey, flags & 0x04);
                break;
        case PRO_RESERVE:
                if (scope != 0 || !type_valid(type)) {
                        r = cmd_fail_field(cmd, true, 2, -1);
                        break;
                }
                if (lu->pr_held) {
                        if (!is_holder(lu, n) || lu->pr_type != type)
                                r = cmd_status(cmd, SCSI_STATUS_RESERVATION_CONFLICT);
                        break;
                }
                holder_set(lu, n, type);
                break;
        case PRO_RELEASE:
                if (!lu->pr_held || !is_holder(lu, n))
                        break;
                if (scope != 0 || type != lu->pr_type) {
                        r = cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_INVALID_RELEASE_OF_PR);
                        break;
                }
                release_notify(lu, n);
                break;
        case PRO_CLEAR:
                while (lu->n_regs > 0) {
                        if (!reg_is(&lu->regs[0], n))
                                lu_ua_add_port(lu, lu->regs[0].iport, ASC_RESERVATIONS_PREEMPTED);
                        reg_remove(lu, 0);
                }
                reservation_drop(lu);
                lu->pr_generation++;
                break;
        default: /* PREEMPT, PREEMPT AND ABORT (tasks of the preempted are the caller's to abort) */
                r = pr_preempt(cmd, lu, sakey, scope, type);
                break;
        }
out:
        pthread_mutex_unlock(&lu->lock);
        if (r == SCSI_STEP_CONTINUE)       /* no sense set on the way */
                cmd_good(cmd);
        return SCSI_STEP_COMPLETE;
}
