/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A node record as the login request iscsid takes (see login-req.h). */

#include "iscsi-node/login-req.h"

void node_login_req_from_record(const Record *r, struct node_login_req *q) {
        int v;

        *q = (struct node_login_req) { .tpgt = -1, .max_r2t = -1, .initial_r2t = -1, .immediate_data = -1,
                                       .erl = -1, .default_time2wait = -1, .default_time2retain = -1,
                                       .login_timeout = -1, .logout_timeout = -1, .replacement_timeout = -1,
                                       .noop_out_interval = -1, .noop_out_timeout = -1, .abort_timeout = -1,
                                       .lu_reset_timeout = -1, .tgt_reset_timeout = -1, .host_reset_timeout = -1,
                                       .initial_login_retry_max = -1, .cmds_max = -1, .queue_depth = -1 };
        q->target_name = node_record_get(r, NODE_KEY_NAME);
        q->address = node_record_get(r, NODE_KEY_CONN_ADDRESS);
        (void) node_record_get_int(r, NODE_KEY_CONN_PORT, &q->port);
        (void) node_record_get_int(r, NODE_KEY_TPGT, &q->tpgt);
        q->iface = node_record_get(r, NODE_KEY_IFACE_NAME);
        q->initiator_name = node_record_get(r, NODE_KEY_IFACE_INITIATORNAME);
        q->netdev = node_record_get(r, NODE_KEY_IFACE_NET_IFACENAME);
        q->hwaddress = node_record_get(r, NODE_KEY_IFACE_HWADDRESS);
        q->scan_manual = streq_ptr(node_record_get(r, NODE_KEY_SCAN), "manual");
        q->auth_method = node_record_get(r, NODE_KEY_AUTHMETHOD);
        q->username = node_record_get(r, NODE_KEY_USERNAME);
        q->password = node_record_get(r, NODE_KEY_PASSWORD);
        q->username_in = node_record_get(r, NODE_KEY_USERNAME_IN);
        q->password_in = node_record_get(r, NODE_KEY_PASSWORD_IN);
        q->chap_algs = node_record_get(r, NODE_KEY_CHAP_ALGS);
#define U32(key, field) if (node_record_get_int(r, key, &v) == 0 && v > 0) q->field = (uint32_t) v
        U32(NODE_KEY_MAXRECVDATASEGMENTLENGTH, max_recv_dlength);
        U32(NODE_KEY_MAXXMITDATASEGMENTLENGTH, max_xmit_dlength);
        U32(NODE_KEY_FIRSTBURSTLENGTH, first_burst);
        U32(NODE_KEY_MAXBURSTLENGTH, max_burst);
#undef U32
#define INT(key, field) (void) node_record_get_int(r, key, &q->field)
        INT(NODE_KEY_MAXOUTSTANDINGR2T, max_r2t);
        INT(NODE_KEY_ERL, erl);
        INT(NODE_KEY_DEFAULTTIME2WAIT, default_time2wait);
        INT(NODE_KEY_DEFAULTTIME2RETAIN, default_time2retain);
        INT(NODE_KEY_LOGIN_TIMEOUT, login_timeout);
        INT(NODE_KEY_LOGOUT_TIMEOUT, logout_timeout);
        INT(NODE_KEY_REPLACEMENT_TIMEOUT, replacement_timeout);
        INT(NODE_KEY_NOOP_OUT_INTERVAL, noop_out_interval);
        INT(NODE_KEY_NOOP_OUT_TIMEOUT, noop_out_timeout);
        INT(NODE_KEY_ABORT_TIMEOUT, abort_timeout);
        INT(NODE_KEY_LU_RESET_TIMEOUT, lu_reset_timeout);
        INT(NODE_KEY_TGT_RESET_TIMEOUT, tgt_reset_timeout);
        INT(NODE_KEY_HOST_RESET_TIMEOUT, host_reset_timeout);
        INT(NODE_KEY_INITIAL_LOGIN_RETRY_MAX, initial_login_retry_max);
        INT(NODE_KEY_CMDS_MAX, cmds_max);
        INT(NODE_KEY_QUEUE_DEPTH, queue_depth);
#undef INT
        q->initial_r2t = node_record_get_bool(r, NODE_KEY_INITIALR2T);
        q->immediate_data = node_record_get_bool(r, NODE_KEY_IMMEDIATEDATA);
        q->header_digest = node_record_get(r, NODE_KEY_HEADERDIGEST);
        q->data_digest = node_record_get(r, NODE_KEY_DATADIGEST);
}
