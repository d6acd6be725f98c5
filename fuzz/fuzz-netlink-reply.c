/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * libFuzzer harness: iscsid's decoder of NETLINK_ISCSI replies and events (iscsid/netlink-
 * decode.h). The first input byte picks a misalignment (0..7) for the rest, which is one
 * recv() buffer: any number of nlmsghdr messages, as the kernel sends them or not. The buffer
 * is a heap block of exactly its size, so ASan sees any read past it.
 * Invariants: the reader ends within size / NLMSG_HDRLEN + 1 steps; every message, payload and
 * PDU lies inside the buffer; a REPLY's error is 0 or an errno; a decoded GET_STATS answer has
 * the 21 fixed counters plus custom_length named ones.
 */
#include <errno.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netlink-decode.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_FIXED_STATS 21

static bool inside(const uint8_t *buf, size_t len, const void *p, size_t n) {
        const uint8_t *q = p;
        return q >= buf && n <= len && (size_t) (q - buf) <= len - n;
}

static void check_stats(const struct netlink_msg *m) {
        struct iscsid_stat *s = NULL;
        size_t n = 0;
        if (netlink_stats_decode(m->payload, m->payload_len, &s, &n) < 0)
                return;
        struct kiscsi_stats st;
        memcpy(&st, m->payload, sizeof st);
        if (n != N_FIXED_STATS + st.custom_length || st.custom_length > KISCSI_STATS_CUSTOM_MAX)
                abort();
        for (size_t i = 0; i < n; i++)
                if (strnlen(s[i].name, sizeof s[i].name) >= sizeof s[i].name)
                        abort();
        free(s);
}

static void check_message(const uint8_t *buf, size_t len, const struct netlink_msg *m) {
        if (!inside(buf, len, m->payload, m->payload_len))
                abort();
        switch (m->kind) {
        case NETLINK_MSG_REPLY:
                if (m->error > 0 || m->error < -4095 || (m->error == 0) != (m->uevent.type != KISCSI_KEVENT_IF_ERROR))
                        abort();
                break;
        case NETLINK_MSG_STATS:
                check_stats(m);
                break;
        case NETLINK_MSG_EVENT:
                if (m->event.type != m->uevent.type || (m->event.pdu && !inside(buf, len, m->event.pdu, m->event.pdu_len)))
                        abort();
                if (m->event.type == KISCSI_KEVENT_RECV_PDU && m->event.pdu_len < 48)
                        abort();
                break;
        case NETLINK_MSG_OTHER:
                break;
        default:
                abort();
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        if (size < 1 || size > 65536)
                return 0;
        size_t shift = data[0] & 7, len = size - 1;
        uint8_t *block = malloc(shift + len ?: 1);
        if (!block)
                return 0;
        uint8_t *buf = block + shift;
        memcpy(buf, data + 1, len);

        struct netlink_reader r = netlink_reader_make(buf, len);
        struct netlink_msg m;
        size_t steps = 0, last = 0;
        int k;
        while ((k = netlink_reader_next(&r, &m)) != 0) {
                if (++steps > len / NLMSG_HDRLEN + 1 || r.offset <= last || r.offset > len)
                        abort();
                last = r.offset;
                if (k == 1)
                        check_message(buf, len, &m);
                else if (k != -EBADMSG)
                        abort();
        }
        free(block);
        return 0;
}
