/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* iSNSP message reassembly from a byte stream of PDUs; see isns.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-proto/isns.h"
#include "iscsi-util/macro.h"

void iscsi_isns_reasm_init(struct iscsi_isns_reasm *r, size_t max) {
        *r = (struct iscsi_isns_reasm) { .max = max ?: ISNS_MSG_DEFAULT_MAX };
}

void iscsi_isns_reasm_clear(struct iscsi_isns_reasm *r) {
        if (!r)
                return;
        free(r->data);
        r->data = NULL;
        r->len = 0;
}

size_t iscsi_isns_reasm_want(const struct iscsi_isns_reasm *r) {
        if (r->error || r->complete)
                return 0;
        return r->in_payload ? r->payload_left : ISNS_HDR_LEN - r->hbuf_len;
}

/* A PDU header is complete: check it continues the message and get ready for its payload. */
static int header_done(struct iscsi_isns_reasm *r) {
        struct iscsi_isns_hdr h;
        int k;

        k = iscsi_isns_hdr_parse(r->hbuf, &h);
        if (k < 0)
                return k;
        if (!r->started) {
                if (!(h.flags & ISNS_F_FIRST) || h.seq != 0)
                        return -EBADMSG;
                r->hdr = h;
                r->started = true;
        } else if (h.function != r->hdr.function || h.xid != r->hdr.xid || h.seq != r->next_seq ||
                   (h.flags & ISNS_F_FIRST))
                return -EBADMSG;
        if (h.length > r->max - r->len)
                return -EMSGSIZE;
        r->cur = h;
        r->next_seq = h.seq + 1;
        r->hbuf_len = 0;
        r->payload_left = h.length;
        r->in_payload = true;
        if (h.length > 0) {
                uint8_t *d = realloc(r->data, r->len + h.length);
                if (!d)
                        return -ENOMEM;
                r->data = d;
        }
        return 0;
}

/* Payload bytes of the current PDU; marks the message complete after the LAST PDU. */
static void payload_bytes(struct iscsi_isns_reasm *r, const uint8_t *p, size_t n) {
        memcpy(r->data + r->len, p, n);
        r->len += n;
        r->payload_left -= n;
}

static void pdu_done(struct iscsi_isns_reasm *r) {
        r->in_payload = false;
        if (r->cur.flags & ISNS_F_LAST)
                r->complete = true;
        else if (r->next_seq == 0) /* wrapped: 65536 PDUs without LAST */
                r->error = -EMSGSIZE;
}

int iscsi_isns_reasm_feed(struct iscsi_isns_reasm *r, const void *data, size_t len) {
        const uint8_t *p = data;

        if (r->error)
                return r->error;
        if (len > iscsi_isns_reasm_want(r))
                return r->error = -EINVAL;
        if (!r->in_payload) {
                memcpy(r->hbuf + r->hbuf_len, p, len);
                r->hbuf_len += len;
                if (r->hbuf_len < ISNS_HDR_LEN)
                        return 0;
                r->error = header_done(r);
                if (r->error)
                        return r->error;
        } else
                payload_bytes(r, p, len);
        if (r->in_payload && r->payload_left == 0)
                pdu_done(r);
        if (r->error)
                return r->error;
        return r->complete ? 1 : 0;
}

int iscsi_isns_reasm_take(struct iscsi_isns_reasm *r, struct iscsi_isns_msg *ret) {
        size_t max = r->max;
        int k;

        if (r->error)
                return r->error;
        if (!r->complete)
                return -EAGAIN;
        k = iscsi_isns_msg_decode(r->hdr.function, r->hdr.flags, r->hdr.xid, r->data, r->len, ret);
        iscsi_isns_reasm_clear(r);
        iscsi_isns_reasm_init(r, max);
        return k;
}
