/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SET_PARAM after BIND_CONN: every negotiated value and every node setting the kernel keeps
 * (timeouts, names, portal, iface, CHAP credentials for sysfs), as strings the way
 * scsi_transport_iscsi / libiscsi parse them.
 */

#include <errno.h>
#include <stdio.h>

#include "log.h"
#include "manager.h"

static int set_param(struct session *s, enum kiscsi_param p, const char *value) {
        struct kernel_transport *t = s->manager->transport;
        int r = t->ops->set_param(t, s->sid, s->cid, p, value);
        if (r == -ENOSYS || r == -EOPNOTSUPP) /* not every transport knows every parameter */
                return 0;
        if (r < 0)
                log_errno(LOG_ERR, r, "session %u: SET_PARAM %d failed", s->sid, (int) p);
        return r;
}

static int set_param_u(struct session *s, enum kiscsi_param p, unsigned long long v) {
        char buf[32];
        snprintf(buf, sizeof buf, "%llu", v);
        return set_param(s, p, buf);
}

int session_set_kernel_params(struct session *s, const struct iscsi_login_result *res) {
        const struct iscsi_params *p = &res->params;
        const struct session_config *c = &s->cfg;
        uint32_t xmit = iscsi_params_max_xmit_dsl(p, ISCSI_ROLE_INITIATOR);
        if (c->max_xmit_dlength > 0 && c->max_xmit_dlength < xmit)
                xmit = c->max_xmit_dlength;
        int tpgt = p->tpgt >= 0 ? p->tpgt : c->tpgt;
        char isid[13];
        snprintf(isid, sizeof isid, "%02x%02x%02x%02x%02x%02x", s->isid[0], s->isid[1], s->isid[2], s->isid[3],
                 s->isid[4], s->isid[5]);
        int r = 0;
#define SET(x)                  \
        do {                    \
                r = (x);        \
                if (r < 0)      \
                        return r; \
        } while (0)
        SET(set_param_u(s, KISCSI_PARAM_MAX_RECV_DLENGTH, iscsi_params_max_recv_dsl(p, ISCSI_ROLE_INITIATOR)));
        SET(set_param_u(s, KISCSI_PARAM_MAX_XMIT_DLENGTH, xmit));
        SET(set_param_u(s, KISCSI_PARAM_HDRDGST_EN, p->header_digest));
        SET(set_param_u(s, KISCSI_PARAM_DATADGST_EN, p->data_digest));
        SET(set_param_u(s, KISCSI_PARAM_INITIAL_R2T_EN, p->initial_r2t));
        SET(set_param_u(s, KISCSI_PARAM_MAX_R2T, p->max_outstanding_r2t));
        SET(set_param_u(s, KISCSI_PARAM_IMM_DATA_EN, p->immediate_data));
        SET(set_param_u(s, KISCSI_PARAM_FIRST_BURST, p->first_burst_length));
        SET(set_param_u(s, KISCSI_PARAM_MAX_BURST, p->max_burst_length));
        SET(set_param_u(s, KISCSI_PARAM_PDU_INORDER_EN, p->data_pdu_in_order));
        SET(set_param_u(s, KISCSI_PARAM_DATASEQ_INORDER_EN, p->data_sequence_in_order));
        SET(set_param_u(s, KISCSI_PARAM_ERL, p->error_recovery_level));
        SET(set_param_u(s, KISCSI_PARAM_IFMARKER_EN, 0));
        SET(set_param_u(s, KISCSI_PARAM_OFMARKER_EN, 0));
        SET(set_param_u(s, KISCSI_PARAM_EXP_STATSN, res->exp_statsn));
        SET(set_param(s, KISCSI_PARAM_TARGET_NAME, c->target_name));
        if (tpgt >= 0)
                SET(set_param_u(s, KISCSI_PARAM_TPGT, (unsigned) tpgt));
        SET(set_param(s, KISCSI_PARAM_PERSISTENT_ADDRESS, c->address));
        SET(set_param_u(s, KISCSI_PARAM_PERSISTENT_PORT, (unsigned) c->port));
        SET(set_param_u(s, KISCSI_PARAM_SESS_RECOVERY_TMO, (unsigned) c->replacement_timeout));
        if (c->username)
                SET(set_param(s, KISCSI_PARAM_USERNAME, c->username));
        if (c->password)
                SET(set_param(s, KISCSI_PARAM_PASSWORD, c->password));
        if (c->username_in)
                SET(set_param(s, KISCSI_PARAM_USERNAME_IN, c->username_in));
        if (c->password_in)
                SET(set_param(s, KISCSI_PARAM_PASSWORD_IN, c->password_in));
        SET(set_param_u(s, KISCSI_PARAM_FAST_ABORT, 1));
        SET(set_param_u(s, KISCSI_PARAM_ABORT_TMO, (unsigned) c->abort_timeout));
        SET(set_param_u(s, KISCSI_PARAM_LU_RESET_TMO, (unsigned) c->lu_reset_timeout));
        SET(set_param_u(s, KISCSI_PARAM_TGT_RESET_TMO, (unsigned) c->tgt_reset_timeout));
        SET(set_param_u(s, KISCSI_PARAM_HOST_RESET_TMO, (unsigned) c->host_reset_timeout));
        SET(set_param_u(s, KISCSI_PARAM_PING_TMO, (unsigned) c->noop_out_timeout));
        SET(set_param_u(s, KISCSI_PARAM_RECV_TMO, (unsigned) c->noop_out_interval));
        SET(set_param(s, KISCSI_PARAM_IFACE_NAME, c->iface));
        SET(set_param(s, KISCSI_PARAM_ISID, isid));
        SET(set_param(s, KISCSI_PARAM_INITIATOR_NAME, c->initiator_name));
        if (p->target_alias[0])
                SET(set_param(s, KISCSI_PARAM_TARGET_ALIAS, p->target_alias));
        SET(set_param_u(s, KISCSI_PARAM_DEF_TIME2WAIT, p->default_time2wait));
        SET(set_param_u(s, KISCSI_PARAM_DEF_TIME2RETAIN, p->default_time2retain));
#undef SET
        return 0;
}
