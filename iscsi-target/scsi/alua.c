/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Asymmetric logical unit access (SPC-5 5.16): target port groups and their access states,
 * REPORT TARGET PORT GROUPS, SET TARGET PORT GROUPS (explicit ALUA), and the commands a port
 * in standby, unavailable, offline or transitioning state refuses. */
#include <errno.h>
#include <stdlib.h>

#include "scsi-ops.h"

#define ALUA_SUPPORT_ALL (SCSI_ALUA_SUP_ACTIVE_OPTIMIZED | SCSI_ALUA_SUP_ACTIVE_NON_OPTIMIZED | \
                          SCSI_ALUA_SUP_STANDBY | SCSI_ALUA_SUP_UNAVAILABLE | SCSI_ALUA_SUP_OFFLINE | \
                          SCSI_ALUA_SUP_TRANSITIONING)
#define RTPG_STATUS_NONE 0x00
#define RTPG_STATUS_SET_BY_STPG 0x01
#define RTPG_STATUS_IMPLICIT_CHANGE 0x02
#define RTPG_FORMAT_EXTENDED 0x1
#define RTPG_HEADER_EXTENDED_TYPE 0x10
#define STPG_DESCRIPTOR_LEN 4u
#define RTPG_DESCRIPTOR_LEN 8u
#define RTPG_PORT_LEN 4u

/* LIO's default_tg_pt_gp: every port, active/optimized, both kinds of transition. */
static const struct scsi_alua_group default_group = {
        .id = 0,
        .state = SCSI_ALUA_ACTIVE_OPTIMIZED,
        .supported = ALUA_SUPPORT_ALL,
        .access = SCSI_ALUA_IMPLICIT | SCSI_ALUA_EXPLICIT,
};

static bool state_is_active(uint8_t state) {
        return state == SCSI_ALUA_ACTIVE_OPTIMIZED || state == SCSI_ALUA_ACTIVE_NON_OPTIMIZED;
}

/* Lock held. */
static void update_all_active(struct scsi_lu *lu) {
        bool all = true;

        for (size_t i = 0; i < lu->n_alua; i++)
                all &= state_is_active(lu->alua[i].state);
        atomic_store(&lu->alua_all_active, all);
}

void alua_init(struct scsi_lu *lu) {
        lu->alua[0] = default_group;
        lu->alua_configured[0] = default_group.state;
        lu->n_alua = 1;
        atomic_init(&lu->alua_all_active, true);
}

/* The group of `port`: the one that lists it, else one without a port list (the default
 * group holds every port no other group names). Lock held. */
static struct scsi_alua_group *group_of_port(struct scsi_lu *lu, uint16_t port) {
        struct scsi_alua_group *fallback = NULL;

        for (size_t i = 0; i < lu->n_alua; i++) {
                for (size_t j = 0; j < lu->alua[i].n_ports; j++)
                        if (lu->alua[i].ports[j] == port)
                                return &lu->alua[i];
                if (lu->alua[i].n_ports == 0 && !fallback)
                        fallback = &lu->alua[i];
        }
        return fallback;
}

static struct scsi_alua_group *group_by_id(struct scsi_lu *lu, uint16_t id, size_t *ret_idx) {
        for (size_t i = 0; i < lu->n_alua; i++)
                if (lu->alua[i].id == id) {
                        if (ret_idx)
                                *ret_idx = i;
                        return &lu->alua[i];
                }
        return NULL;
}

int scsi_lu_set_alua_groups(struct scsi_lu *lu, const struct scsi_alua_group *groups, size_t n) {
        struct scsi_alua_group g[SCSI_ALUA_MAX_GROUPS];
        uint8_t configured[SCSI_ALUA_MAX_GROUPS], status[SCSI_ALUA_MAX_GROUPS];
        bool changed = false;

        if (n > SCSI_ALUA_MAX_GROUPS)
                return -EINVAL;
        if (n == 0) {
                groups = &default_group;
                n = 1;
        }
        pthread_mutex_lock(&lu->lock);
        for (size_t i = 0; i < n; i++) {
                size_t k;
                const struct scsi_alua_group *old = group_by_id(lu, groups[i].id, &k);

                g[i] = groups[i];
                configured[i] = groups[i].state;
                status[i] = RTPG_STATUS_NONE;
                if (old && lu->alua_configured[k] == groups[i].state) {
                        /* Configuration unchanged for this group: keep what STPG set. */
                        g[i].state = old->state;
                        status[i] = lu->alua_status[k];
                } else if (old && old->state != groups[i].state) {
                        status[i] = RTPG_STATUS_IMPLICIT_CHANGE;
                        changed = true;
                }
        }
        memcpy(lu->alua, g, n * sizeof(g[0]));
        memcpy(lu->alua_configured, configured, n);
        memcpy(lu->alua_status, status, n);
        lu->n_alua = n;
        update_all_active(lu);
        if (changed)
                lu_ua_add_all(lu, ASC_ASYMMETRIC_ACCESS_STATE_CHANGED, NULL);
        pthread_mutex_unlock(&lu->lock);
        return 0;
}

enum scsi_alua_state scsi_lu_get_alua_state(struct scsi_lu *lu, uint16_t port) {
        const struct scsi_alua_group *g;
        uint8_t state;

        pthread_mutex_lock(&lu->lock);
        g = group_of_port(lu, port);
        state = g ? g->state : SCSI_ALUA_ACTIVE_OPTIMIZED;
        pthread_mutex_unlock(&lu->lock);
        return (enum scsi_alua_state) state;
}

void alua_port_info(struct scsi_lu *lu, uint16_t port, uint16_t *ret_group, uint8_t *ret_access) {
        const struct scsi_alua_group *g;

        pthread_mutex_lock(&lu->lock);
        g = group_of_port(lu, port);
        *ret_group = g ? g->id : 0;
        *ret_access = g ? g->access : 0;
        pthread_mutex_unlock(&lu->lock);
}

/* Sense for a command refused in `state` (SPC-5 5.16.2.4, table "ALUA state sense"). */
static uint16_t refusal_asc(uint8_t state) {
        switch (state) {
        case SCSI_ALUA_STANDBY:
                return ASC_NOT_READY_ALUA_STANDBY;
        case SCSI_ALUA_UNAVAILABLE:
                return ASC_NOT_READY_ALUA_UNAVAILABLE;
        case SCSI_ALUA_OFFLINE:
                return ASC_NOT_READY_OFFLINE;
        default:
                return ASC_NOT_READY_ALUA_TRANSITION;
        }
}

ScsiStep alua_check(struct scsi_lu *lu, struct scsi_cmd *cmd, const struct scsi_op *op) {
        const struct scsi_alua_group *g;
        uint8_t state;

        if (atomic_load(&lu->alua_all_active) || (op->flags & OP_ALUA_ANY) || !cmd->nexus)
                return SCSI_STEP_CONTINUE;
        pthread_mutex_lock(&lu->lock);
        g = group_of_port(lu, cmd->nexus->tpgt);
        state = g ? g->state : SCSI_ALUA_ACTIVE_OPTIMIZED;
        pthread_mutex_unlock(&lu->lock);

        if (state_is_active(state) || (state == SCSI_ALUA_STANDBY && (op->flags & OP_ALUA_STANDBY)))
                return SCSI_STEP_CONTINUE;
        return cmd_fail(cmd, SCSI_SENSE_NOT_READY, refusal_asc(state));
}

/* ---- REPORT TARGET PORT GROUPS ---- */

ScsiStep parse_report_tpg(struct scsi_cmd *cmd) {
        uint8_t format = cmd->cdb[1] >> 5;

        if (format > RTPG_FORMAT_EXTENDED)
                return cmd_fail_field(cmd, true, 1, 7);
        cmd->priv.xfer_len = get_be32(cmd->cdb + 6);
        return SCSI_STEP_CONTINUE;
}

/* One descriptor and its port list at p; returns its length. Lock held. */
static uint32_t put_group(struct scsi_lu *lu, size_t i, uint8_t *p) {
        const struct scsi_alua_group *g = &lu->alua[i];
        uint32_t n_ports = g->n_ports;

        p[0] = (uint8_t) ((g->preferred ? 0x80 : 0) | (g->state & 0x0f));
        p[1] = g->supported;
        put_be16(p + 2, g->id);
        p[5] = lu->alua_status[i];
        p[7] = (uint8_t) n_ports;
        for (uint32_t j = 0; j < n_ports; j++)
                put_be16(p + RTPG_DESCRIPTOR_LEN + j * RTPG_PORT_LEN + 2, g->ports[j]);
        return RTPG_DESCRIPTOR_LEN + n_ports * RTPG_PORT_LEN;
}

ScsiStep exec_report_tpg(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        bool extended = (cmd->cdb[1] >> 5) == RTPG_FORMAT_EXTENDED;
        uint32_t hdr = extended ? 8 : 4, len = hdr;
        uint32_t max = hdr + SCSI_ALUA_MAX_GROUPS * (RTPG_DESCRIPTOR_LEN + SCSI_ALUA_MAX_PORTS * RTPG_PORT_LEN);

        if (cmd_alloc_buf(cmd, max) < 0)
                return cmd_status(cmd, SCSI_STATUS_BUSY);
        memset(cmd->buf, 0, max);
        pthread_mutex_lock(&lu->lock);
        for (size_t i = 0; i < lu->n_alua; i++)
                len += put_group(lu, i, cmd->buf + len);
        pthread_mutex_unlock(&lu->lock);
        put_be32(cmd->buf, len - 4);
        if (extended)
                cmd->buf[4] = RTPG_HEADER_EXTENDED_TYPE;        /* implicit transition time 0 */
        cmd_data_in(cmd, len);
        return SCSI_STEP_COMPLETE;
}

/* ---- SET TARGET PORT GROUPS ---- */

ScsiStep parse_set_tpg(struct scsi_cmd *cmd) {
        cmd->priv.xfer_len = get_be32(cmd->cdb + 6);
        return SCSI_STEP_CONTINUE;
}

static bool settable(const struct scsi_alua_group *g, uint8_t state) {
        static const struct {
                uint8_t state, support;
        } map[] = {
                { SCSI_ALUA_ACTIVE_OPTIMIZED, SCSI_ALUA_SUP_ACTIVE_OPTIMIZED },
                { SCSI_ALUA_ACTIVE_NON_OPTIMIZED, SCSI_ALUA_SUP_ACTIVE_NON_OPTIMIZED },
                { SCSI_ALUA_STANDBY, SCSI_ALUA_SUP_STANDBY },
                { SCSI_ALUA_UNAVAILABLE, SCSI_ALUA_SUP_UNAVAILABLE },
                { SCSI_ALUA_OFFLINE, SCSI_ALUA_SUP_OFFLINE },
        };

        for (size_t i = 0; i < ELEMENTSOF(map); i++)
                if (map[i].state == state)
                        return g->supported & map[i].support;
        return false;       /* transitioning cannot be requested */
}

/* Validate every descriptor before changing anything. Lock held. */
static ScsiStep check_set_tpg(struct scsi_cmd *cmd, struct scsi_lu *lu, uint32_t len) {
        for (uint32_t off = 4; off + STPG_DESCRIPTOR_LEN <= len; off += STPG_DESCRIPTOR_LEN) {
                const struct scsi_alua_group *g = group_by_id(lu, get_be16(cmd->buf + off + 2), NULL);
                if (!g || !(g->access & SCSI_ALUA_EXPLICIT))
                        return cmd_fail_field(cmd, false, (uint16_t) (off + 2), -1);
                if (!settable(g, cmd->buf[off] & 0x0f))
                        return cmd_fail_field(cmd, false, (uint16_t) off, 3);
        }
        return SCSI_STEP_CONTINUE;
}

ScsiStep exec_set_tpg(struct scsi_cmd *cmd) {
        struct scsi_lu *lu = cmd_lu(cmd);
        uint32_t len = cmd->priv.xfer_len;
        bool changed = false;

        if (len < 4 || (len - 4) % STPG_DESCRIPTOR_LEN != 0)
                return cmd_fail(cmd, SCSI_SENSE_ILLEGAL_REQUEST, ASC_PARAMETER_LIST_LENGTH_ERROR);
        pthread_mutex_lock(&lu->lock);
        if (check_set_tpg(cmd, lu, len) == SCSI_STEP_COMPLETE) {
                pthread_mutex_unlock(&lu->lock);
                return SCSI_STEP_COMPLETE;
        }
        for (uint32_t off = 4; off + STPG_DESCRIPTOR_LEN <= len; off += STPG_DESCRIPTOR_LEN) {
                size_t k;
                struct scsi_alua_group *g = group_by_id(lu, get_be16(cmd->buf + off + 2), &k);
                uint8_t state = cmd->buf[off] & 0x0f;

                changed |= g->state != state;
                g->state = state;
                lu->alua_status[k] = RTPG_STATUS_SET_BY_STPG;
        }
        update_all_active(lu);
        /* Every other I_T nexus learns of the change (SPC-5 5.16.2.5). */
        if (changed)
                lu_ua_add_all(lu, ASC_ASYMMETRIC_ACCESS_STATE_CHANGED,
                              cmd->nexus ? cmd->nexus->initiator_port : NULL);
        pthread_mutex_unlock(&lu->lock);
        cmd_good(cmd);
        return SCSI_STEP_COMPLETE;
}
