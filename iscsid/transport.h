/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The kernel side of a session as iscsid drives it. netlink.c implements it with
 * NETLINK_ISCSI; unit tests plug in a fake that records the calls. Every operation returns 0
 * or a negative errno (the kernel's error as it reported it).
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "iscsi-node/ipc.h"
#include "kernel-abi.h"

struct kernel_transport;

struct kernel_transport_ops {
        int (*create_session)(struct kernel_transport *t, uint32_t initial_cmdsn, uint16_t cmds_max,
                              uint16_t queue_depth, uint32_t *ret_sid, uint32_t *ret_host_no);
        int (*destroy_session)(struct kernel_transport *t, uint32_t sid);
        int (*create_conn)(struct kernel_transport *t, uint32_t sid, uint32_t *ret_cid);
        int (*destroy_conn)(struct kernel_transport *t, uint32_t sid, uint32_t cid);
        /* Hand a connected TCP socket to the kernel (iscsi_tcp takes its own reference). */
        int (*bind_conn)(struct kernel_transport *t, uint32_t sid, uint32_t cid, int fd);
        int (*set_param)(struct kernel_transport *t, uint32_t sid, uint32_t cid, enum kiscsi_param param,
                         const char *value);
        /* Optional (NULL: the transport keeps no host attributes). */
        int (*set_host_param)(struct kernel_transport *t, uint32_t host_no, enum kiscsi_host_param param,
                              const char *value);
        int (*start_conn)(struct kernel_transport *t, uint32_t sid, uint32_t cid);
        int (*stop_conn)(struct kernel_transport *t, uint32_t sid, uint32_t cid, int flag);
        /* Queue a PDU (48-byte BHS + data) on a started connection; the kernel fills ITT/CmdSN. */
        int (*send_pdu)(struct kernel_transport *t, uint32_t sid, uint32_t cid, const void *hdr, size_t hdr_len,
                        const void *data, size_t data_len);
        /* Connection statistics; *ret is malloc()ed. */
        int (*get_stats)(struct kernel_transport *t, uint32_t sid, uint32_t cid, struct iscsid_stat **ret,
                         size_t *ret_n);
        void (*free)(struct kernel_transport *t);
};

/* Kernel events the transport reports to its owner. */
struct kernel_event {
        uint32_t type;          /* KISCSI_KEVENT_* */
        uint32_t sid, cid;
        uint32_t error;         /* CONN_ERROR: KISCSI_ERR_* */
        const void *pdu;        /* RECV_PDU: BHS + data */
        size_t pdu_len;
};

typedef void (*kernel_event_handler_t)(const struct kernel_event *ev, void *userdata);

struct kernel_transport {
        const struct kernel_transport_ops *ops;
        kernel_event_handler_t on_event;
        void *userdata;
};

static inline struct kernel_transport *kernel_transport_free(struct kernel_transport *t) {
        if (t)
                t->ops->free(t);
        return NULL;
}
