/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What the kernel sends iscsid on NETLINK_ISCSI, decoded from the bytes of one recv(): the
 * nlmsghdr framing (several messages per buffer, any of them short or lying about its length),
 * the struct kiscsi_uevent each one carries, and the GET_STATS payload. No I/O, no logging:
 * netlink.c reads the socket and dispatches, the unit tests and fuzz/fuzz-netlink-reply.c feed
 * bytes. The buffer may have any alignment; everything is copied out with memcpy.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "transport.h"

enum netlink_msg_kind {
        NETLINK_MSG_REPLY,      /* unicast answer to a request: .request, .error, .uevent */
        NETLINK_MSG_STATS,      /* GET_STATS answer (multicast): .uevent.u.get_stats, .payload */
        NETLINK_MSG_EVENT,      /* a kernel event iscsid acts on: .event */
        NETLINK_MSG_OTHER,      /* well formed, nothing for iscsid (session create/unbind notes) */
};

struct netlink_msg {
        enum netlink_msg_kind kind;
        uint32_t request;               /* REPLY: the request type answered (its nlmsg_type) */
        int error;                      /* REPLY: 0, or the kernel's negative errno (IF_ERROR) */
        struct kiscsi_uevent uevent;    /* aligned copy of the message's uevent */
        struct kernel_event event;      /* EVENT: .pdu points into the buffer */
        const uint8_t *payload;         /* the bytes after the uevent, up to nlmsg_len */
        size_t payload_len;
};

/* A cursor over one received buffer; the buffer must outlive the messages read from it. */
struct netlink_reader {
        const uint8_t *buf;
        size_t len;
        size_t offset;
};

static inline struct netlink_reader netlink_reader_make(const void *buf, size_t len) {
        return (struct netlink_reader) { .buf = buf, .len = len };
}

/*
 * The next message: 1 with *ret filled, 0 at the end of the buffer. -EBADMSG: a message too
 * short for its uevent, or an event too short for what it announces (a RECV_PDU without a full
 * BHS); the reader moves on to the next message. -EBADMSG also when the framing is broken
 * (nlmsg_len below a header or past the end of the buffer): nothing after it can be trusted, so
 * the reader ends there. *ret is untouched on failure.
 */
int netlink_reader_next(struct netlink_reader *r, struct netlink_msg *ret);

/*
 * A GET_STATS payload (struct kiscsi_stats, then custom_length struct kiscsi_stats_custom) as
 * named counters in the kernel's order, *ret malloc()ed. -EBADMSG when the payload is shorter
 * than the header or than the custom entries it announces, or announces more than the kernel
 * ever sends (KISCSI_STATS_CUSTOM_MAX).
 */
int netlink_stats_decode(const uint8_t *payload, size_t len, struct iscsid_stat **ret, size_t *ret_n);
