/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SET_PARAM after BIND_CONN, as strings the way scsi_transport_iscsi / libiscsi parse them:
 * first the values the login negotiated (a protocol fact list, below), then every login
 * parameter whose schema row names a kernel parameter (login-params.h), then the ISID and the
 * target's alias.
 */

#include <errno.h>
#include <stddef.h>
#include <stdio.h>

#include "log.h"
#include "session-params.h"

/* The negotiated values the kernel keeps, each a field of struct iscsi_params. */
enum negotiated_kind {
        NEG_BOOL,
        NEG_U32,
};

#define NEG(param, field, kind) { KISCSI_PARAM_##param, offsetof(struct iscsi_params, field), kind }
static const struct {
        enum kiscsi_param param;
        size_t offset;
        enum negotiated_kind kind;
} negotiated[] = {
        NEG(HDRDGST_EN, header_digest, NEG_BOOL),
        NEG(DATADGST_EN, data_digest, NEG_BOOL),
        NEG(INITIAL_R2T_EN, initial_r2t, NEG_BOOL),
        NEG(MAX_R2T, max_outstanding_r2t, NEG_U32),
        NEG(IMM_DATA_EN, immediate_data, NEG_BOOL),
        NEG(FIRST_BURST, first_burst_length, NEG_U32),
        NEG(MAX_BURST, max_burst_length, NEG_U32),
        NEG(PDU_INORDER_EN, data_pdu_in_order, NEG_BOOL),
        NEG(DATASEQ_INORDER_EN, data_sequence_in_order, NEG_BOOL),
        NEG(ERL, error_recovery_level, NEG_U32),
        NEG(IFMARKER_EN, if_marker, NEG_BOOL),
        NEG(OFMARKER_EN, of_marker, NEG_BOOL),
        NEG(DEF_TIME2WAIT, default_time2wait, NEG_U32),
        NEG(DEF_TIME2RETAIN, default_time2retain, NEG_U32),
};

static unsigned long negotiated_value(const struct iscsi_params *p, size_t i) {
        const uint8_t *field = (const uint8_t *) p + negotiated[i].offset;
        return negotiated[i].kind == NEG_BOOL ? *(const bool *) field : *(const uint32_t *) field;
}

static int set_param_u(struct kernel_transport *t, uint32_t sid, uint32_t cid, enum kiscsi_param p,
                       unsigned long v);

/* The data segment lengths (one per direction, the sending one capped by
 * node.conn[0].iscsi.MaxXmitDataSegmentLength), the StatSN to expect, then the table above. */
static int set_negotiated(struct kernel_transport *t, uint32_t sid, uint32_t cid, const struct node_login_req *cfg,
                          const struct iscsi_login_result *res) {
        const struct iscsi_params *p = &res->params;
        uint32_t xmit = iscsi_params_max_xmit_dsl(p, ISCSI_ROLE_INITIATOR);
        if (cfg->max_xmit_dlength > 0)
                xmit = MIN(xmit, (uint32_t) cfg->max_xmit_dlength);
        int r = set_param_u(t, sid, cid, KISCSI_PARAM_MAX_RECV_DLENGTH,
                            iscsi_params_max_recv_dsl(p, ISCSI_ROLE_INITIATOR));
        if (r >= 0)
                r = set_param_u(t, sid, cid, KISCSI_PARAM_MAX_XMIT_DLENGTH, xmit);
        for (size_t i = 0; r >= 0 && i < ELEMENTSOF(negotiated); i++)
                r = set_param_u(t, sid, cid, negotiated[i].param, negotiated_value(p, i));
        if (r >= 0)
                r = set_param_u(t, sid, cid, KISCSI_PARAM_EXP_STATSN, res->exp_statsn);
        return r;
}

/* The kernel parameter of each login parameter (login-params.h column "kernel param"). */
#define KISCSI_PARAM_NONE (-1)
#define KERNEL_PARAM_OF(field, type, rk, min, max, lk, kp, flags) [NODE_LOGIN_PARAM_##field] = KISCSI_PARAM_##kp,
static const int login_param_kernel[_NODE_LOGIN_PARAM_MAX] = { NODE_LOGIN_PARAMS(KERNEL_PARAM_OF) };

int session_kernel_param_of(enum node_login_param_id id) {
        return login_param_kernel[id];
}

/* The kernel's text for a login parameter: BOOLs are 1/0 there, the rest as in the record. */
const char *session_kernel_param_text(const struct node_login_req *cfg, enum node_login_param_id id, char *buf,
                                      size_t size) {
        const struct node_login_param *p = &node_login_params[id];
        if (p->type == NODE_LOGIN_BOOL) {
                int v = *node_login_req_int(cfg, p);
                return v == NODE_LOGIN_UNSET ? NULL : v ? "1" : "0";
        }
        return node_login_req_value_text(cfg, p, buf, size);
}

static int set_param(struct kernel_transport *t, uint32_t sid, uint32_t cid, enum kiscsi_param p, const char *value) {
        int r = t->ops->set_param(t, sid, cid, p, value);
        if (r == -ENOSYS || r == -EOPNOTSUPP) /* not every transport knows every parameter */
                return 0;
        if (r < 0)
                log_errno(LOG_ERR, r, "session %u: SET_PARAM %d failed", sid, (int) p);
        return r;
}

static int set_param_u(struct kernel_transport *t, uint32_t sid, uint32_t cid, enum kiscsi_param p,
                       unsigned long v) {
        char buf[24];
        snprintf(buf, sizeof buf, "%lu", v);
        return set_param(t, sid, cid, p, buf);
}

int session_set_kernel_params(struct kernel_transport *t, uint32_t sid, uint32_t cid,
                              const struct node_login_req *cfg, const struct iscsi_login_result *res) {
        char buf[32];
        int r = set_negotiated(t, sid, cid, cfg, res);
        if (r < 0)
                return r;
        for (enum node_login_param_id id = 0; id < _NODE_LOGIN_PARAM_MAX; id++) {
                const char *v = session_kernel_param_text(cfg, id, buf, sizeof buf);
                if (login_param_kernel[id] == KISCSI_PARAM_NONE || !v)
                        continue;
                /* a tpgt of -1 means "not known": the kernel keeps none */
                if (id == NODE_LOGIN_PARAM_tpgt && cfg->tpgt < 0)
                        continue;
                r = set_param(t, sid, cid, (enum kiscsi_param) login_param_kernel[id], v);
                if (r < 0)
                        return r;
        }
        snprintf(buf, sizeof buf, "%02x%02x%02x%02x%02x%02x", cfg->isid[0], cfg->isid[1], cfg->isid[2],
                 cfg->isid[3], cfg->isid[4], cfg->isid[5]);
        r = set_param(t, sid, cid, KISCSI_PARAM_ISID, buf);
        if (r >= 0 && res->params.target_alias[0])
                r = set_param(t, sid, cid, KISCSI_PARAM_TARGET_ALIAS, res->params.target_alias);
        return r;
}

int session_set_host_params(struct kernel_transport *t, uint32_t host_no, const struct node_login_req *cfg) {
        const struct {
                enum kiscsi_host_param param;
                const char *value;
        } binding[] = {
                { KISCSI_HOST_PARAM_NETDEV_NAME, cfg->netdev },
                { KISCSI_HOST_PARAM_HWADDRESS, cfg->hwaddress },
        };
        if (!t->ops->set_host_param)
                return 0;
        for (size_t i = 0; i < ELEMENTSOF(binding); i++) {
                if (!binding[i].value)
                        continue;
                int r = t->ops->set_host_param(t, host_no, binding[i].param, binding[i].value);
                if (r == -ENOSYS) /* a transport without this attribute */
                        continue;
                if (r < 0)
                        return log_errno(LOG_ERR, r, "host %u: SET_HOST_PARAM %d failed", host_no, (int) binding[i].param);
        }
        return 0;
}
