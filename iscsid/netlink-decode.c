/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Decoding of the kernel's NETLINK_ISCSI messages (see kernel-abi.h for the layout). The
 * kernel answers a request with a unicast copy of the request's uevent (nlmsg_type = request
 * type, nlmsg_pid 0; uevent type IF_ERROR and a negative errno in iferror on failure), and
 * multicasts events and GET_STATS answers with nlmsg_type 0.
 */

#include <errno.h>
#include <linux/netlink.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "iscsi-proto/pdu.h"
#include "iscsi-util/macro.h"
#include "netlink-decode.h"

#define ERRNO_MAX 4095

/* The kernel stores a negative errno in the unsigned iferror field; anything that is not an
 * errno (0, or beyond the errno range) is reported as -EIO. */
static int iferror_to_errno(uint32_t iferror) {
        int64_t e = (int32_t) iferror;
        if (e < 0)
                e = -e;
        if (e == 0 || e > ERRNO_MAX)
                return -EIO;
        return (int) -e;
}

/* Where the fields of each event iscsid acts on live in the uevent (offsets; 0 = not carried,
 * offset 0 being the type), and whether a PDU follows. */
#define R_FIELD(f) offsetof(struct kiscsi_uevent, r.f)
static const struct event_layout {
        uint32_t type;
        size_t sid, cid, error;
        bool pdu;
} event_layouts[] = {
        { KISCSI_KEVENT_CONN_ERROR, R_FIELD(connerror.sid), R_FIELD(connerror.cid), R_FIELD(connerror.error), false },
        { KISCSI_KEVENT_RECV_PDU, R_FIELD(recv_req.sid), R_FIELD(recv_req.cid), 0, true },
        { KISCSI_KEVENT_DESTROY_SESSION, R_FIELD(d_session.sid), 0, 0, false },
        /* conn_login {sid, cid, state} has connerror's layout; the new state goes in .error */
        { KISCSI_KEVENT_CONN_LOGIN_STATE, R_FIELD(connerror.sid), R_FIELD(connerror.cid), R_FIELD(connerror.error),
          false },
};

static uint32_t uevent_u32(const struct kiscsi_uevent *ev, size_t offset) {
        uint32_t v = 0;
        if (offset > 0)
                memcpy(&v, (const uint8_t *) ev + offset, sizeof v);
        return v;
}

static const struct event_layout *event_layout_find(uint32_t type) {
        for (size_t i = 0; i < ELEMENTSOF(event_layouts); i++)
                if (event_layouts[i].type == type)
                        return &event_layouts[i];
        return NULL;
}

static int decode_event(struct netlink_msg *m) {
        const struct event_layout *l = event_layout_find(m->uevent.type);
        if (!l) {
                m->kind = NETLINK_MSG_OTHER;
                return 0;
        }
        if (l->pdu && m->payload_len < ISCSI_BHS_SIZE)
                return -EBADMSG;
        m->kind = NETLINK_MSG_EVENT;
        m->event = (struct kernel_event) {
                .type = l->type,
                .sid = uevent_u32(&m->uevent, l->sid),
                .cid = uevent_u32(&m->uevent, l->cid),
                .error = uevent_u32(&m->uevent, l->error),
                .pdu = l->pdu ? m->payload : NULL,
                .pdu_len = l->pdu ? m->payload_len : 0,
        };
        return 0;
}

static int decode_message(const struct nlmsghdr *h, const uint8_t *data, size_t len, struct netlink_msg *ret) {
        struct netlink_msg m = {};
        if (len < sizeof m.uevent)
                return -EBADMSG;
        memcpy(&m.uevent, data, sizeof m.uevent);
        m.payload = data + sizeof m.uevent;
        m.payload_len = len - sizeof m.uevent;
        if (h->nlmsg_type != 0 && h->nlmsg_pid == 0) {
                m.kind = NETLINK_MSG_REPLY;
                m.request = h->nlmsg_type;
                m.error = m.uevent.type == KISCSI_KEVENT_IF_ERROR ? iferror_to_errno(m.uevent.iferror) : 0;
        } else if (m.uevent.type == KISCSI_UEVENT_GET_STATS)
                m.kind = NETLINK_MSG_STATS;
        else {
                int r = decode_event(&m);
                if (r < 0)
                        return r;
        }
        *ret = m;
        return 1;
}

int netlink_reader_next(struct netlink_reader *r, struct netlink_msg *ret) {
        size_t left = r->len - r->offset;
        struct nlmsghdr h;
        if (left == 0)
                return 0;
        if (left < sizeof h) {
                r->offset = r->len;
                return -EBADMSG;
        }
        memcpy(&h, r->buf + r->offset, sizeof h);
        if (h.nlmsg_len < NLMSG_HDRLEN || h.nlmsg_len > left) {
                r->offset = r->len;
                return -EBADMSG;
        }
        const uint8_t *data = r->buf + r->offset + NLMSG_HDRLEN;
        /* The last message may end without its alignment padding. */
        r->offset += MIN((size_t) NLMSG_ALIGN(h.nlmsg_len), left);
        return decode_message(&h, data, h.nlmsg_len - NLMSG_HDRLEN, ret);
}

/* The fixed counters of struct kiscsi_stats, in the kernel's order. */
#define STAT(f) { #f, offsetof(struct kiscsi_stats, f), sizeof(((struct kiscsi_stats *) 0)->f) }
static const struct stat_field {
        const char *name;
        size_t offset, size;
} stat_fields[] = {
        STAT(txdata_octets), STAT(rxdata_octets), STAT(noptx_pdus), STAT(scsicmd_pdus), STAT(tmfcmd_pdus),
        STAT(login_pdus), STAT(text_pdus), STAT(dataout_pdus), STAT(logout_pdus), STAT(snack_pdus),
        STAT(noprx_pdus), STAT(scsirsp_pdus), STAT(tmfrsp_pdus), STAT(textrsp_pdus), STAT(datain_pdus),
        STAT(logoutrsp_pdus), STAT(r2t_pdus), STAT(async_pdus), STAT(rjt_pdus), STAT(digest_err),
        STAT(timeout_err),
};

static uint64_t stat_field_value(const struct kiscsi_stats *s, const struct stat_field *f) {
        const uint8_t *p = (const uint8_t *) s + f->offset;
        if (f->size == sizeof(uint64_t)) {
                uint64_t v;
                memcpy(&v, p, sizeof v);
                return v;
        }
        uint32_t v;
        memcpy(&v, p, sizeof v);
        return v;
}

int netlink_stats_decode(const uint8_t *payload, size_t len, struct iscsid_stat **ret, size_t *ret_n) {
        struct kiscsi_stats stats;
        if (len < sizeof stats)
                return -EBADMSG;
        memcpy(&stats, payload, sizeof stats);
        size_t ncustom = stats.custom_length;
        if (ncustom > KISCSI_STATS_CUSTOM_MAX || (len - sizeof stats) / sizeof(struct kiscsi_stats_custom) < ncustom)
                return -EBADMSG;

        size_t n = ELEMENTSOF(stat_fields) + ncustom, i = 0;
        struct iscsid_stat *s = calloc(n, sizeof *s);
        if (!s)
                return -ENOMEM;
        for (size_t k = 0; k < ELEMENTSOF(stat_fields); k++, i++) {
                snprintf(s[i].name, sizeof s[i].name, "%s", stat_fields[k].name);
                s[i].value = stat_field_value(&stats, &stat_fields[k]);
        }
        for (size_t k = 0; k < ncustom; k++, i++) {
                struct kiscsi_stats_custom c;
                memcpy(&c, payload + sizeof stats + k * sizeof c, sizeof c);
                c.desc[sizeof c.desc - 1] = 0;
                snprintf(s[i].name, sizeof s[i].name, "%.*s", (int) sizeof s[i].name - 1, c.desc);
                s[i].value = c.value;
        }
        *ret = s;
        *ret_n = n;
        return 0;
}
