/* SPDX-License-Identifier: GPL-2.0-or-later */
#include "log.h"
#include "reply.h"

void reply_queue(Conn *c, const struct iscsi_bhs *h, const void *data, uint32_t len) {
        TxPdu *p = txpdu_new_copy(data, len);

        if (!p || iscsi_bhs_encode(h, p->hdr) < 0) {
                if (p)
                        txpdu_free(p);
                log_error("%s: cannot build a response, dropping connection", c->peer);
                conn_close(c);
                return;
        }
        conn_queue(c, p);
}

void reply_reject(Conn *c, Session *s, uint8_t reason, const uint8_t *hdr) {
        struct iscsi_bhs h = {
                .opcode = ISCSI_OP_REJECT,
                .final = true,
                .reject_reason = reason,
                .itt = ISCSI_RESERVED_TAG,
                .dlength = ISCSI_BHS_SIZE,
        };

        if (s)
                session_fill_sn(s, &h, true);
        reply_queue(c, &h, hdr, ISCSI_BHS_SIZE);
}
