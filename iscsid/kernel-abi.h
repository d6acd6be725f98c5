/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The facts of the kernel's NETLINK_ISCSI ABI that iscsid needs, written from the layout of
 * include/scsi/iscsi_if.h in Linux 6.1 (scsi_transport_iscsi). That header is not shipped in
 * Debian's userspace headers, so the numbers and the message layout are restated here; names
 * carry a KISCSI_ prefix so they never clash with a system copy.
 *
 * Message: struct nlmsghdr | struct kiscsi_uevent (56 bytes) | payload (SET_PARAM value,
 * SEND_PDU header+data, RECV_PDU header+data, GET_STATS struct kiscsi_stats...).
 * Requests: nlmsg_type == uevent.type. Unicast replies come back with the request's
 * nlmsg_type; on failure the kernel rewrites uevent.type to KISCSI_KEVENT_IF_ERROR and puts the
 * negative errno in iferror. Events and GET_STATS replies are multicast to group 1
 * (ISCSI_NL_GRP_ISCSID) with nlmsg_type 0.
 */
#pragma once

#include <assert.h>
#include <stdint.h>

#ifndef NETLINK_ISCSI
#define NETLINK_ISCSI 8
#endif

#define KISCSI_NL_GRP_ISCSID 1

enum kiscsi_uevent_type {
        KISCSI_UEVENT_CREATE_SESSION = 11,
        KISCSI_UEVENT_DESTROY_SESSION = 12,
        KISCSI_UEVENT_CREATE_CONN = 13,
        KISCSI_UEVENT_DESTROY_CONN = 14,
        KISCSI_UEVENT_BIND_CONN = 15,
        KISCSI_UEVENT_SET_PARAM = 16,
        KISCSI_UEVENT_START_CONN = 17,
        KISCSI_UEVENT_STOP_CONN = 18,
        KISCSI_UEVENT_SEND_PDU = 19,
        KISCSI_UEVENT_GET_STATS = 20,
        KISCSI_UEVENT_GET_PARAM = 21,
        KISCSI_UEVENT_UNBIND_SESSION = 27,

        KISCSI_KEVENT_RECV_PDU = 101,
        KISCSI_KEVENT_CONN_ERROR = 102,
        KISCSI_KEVENT_IF_ERROR = 103,
        KISCSI_KEVENT_DESTROY_SESSION = 104,
        KISCSI_KEVENT_UNBIND_SESSION = 105,
        KISCSI_KEVENT_CREATE_SESSION = 106,
        KISCSI_KEVENT_CONN_LOGIN_STATE = 109,
};

/* STOP_CONN flags. */
#define KISCSI_STOP_CONN_TERM 1
#define KISCSI_STOP_CONN_SUSPEND 2
#define KISCSI_STOP_CONN_RECOVER 3

/* Connection error codes carried by CONN_ERROR (enum iscsi_err, base 1000). */
#define KISCSI_ERR_BASE 1000
#define KISCSI_ERR_CONN_FAILED (KISCSI_ERR_BASE + 11)
#define KISCSI_ERR_TCP_CONN_CLOSE (KISCSI_ERR_BASE + 20)
#define KISCSI_ERR_NOP_TIMEDOUT (KISCSI_ERR_BASE + 22)

/* enum iscsi_param: the order is ABI. */
enum kiscsi_param {
        KISCSI_PARAM_MAX_RECV_DLENGTH = 0,
        KISCSI_PARAM_MAX_XMIT_DLENGTH = 1,
        KISCSI_PARAM_HDRDGST_EN = 2,
        KISCSI_PARAM_DATADGST_EN = 3,
        KISCSI_PARAM_INITIAL_R2T_EN = 4,
        KISCSI_PARAM_MAX_R2T = 5,
        KISCSI_PARAM_IMM_DATA_EN = 6,
        KISCSI_PARAM_FIRST_BURST = 7,
        KISCSI_PARAM_MAX_BURST = 8,
        KISCSI_PARAM_PDU_INORDER_EN = 9,
        KISCSI_PARAM_DATASEQ_INORDER_EN = 10,
        KISCSI_PARAM_ERL = 11,
        KISCSI_PARAM_IFMARKER_EN = 12,
        KISCSI_PARAM_OFMARKER_EN = 13,
        KISCSI_PARAM_EXP_STATSN = 14,
        KISCSI_PARAM_TARGET_NAME = 15,
        KISCSI_PARAM_TPGT = 16,
        KISCSI_PARAM_PERSISTENT_ADDRESS = 17,
        KISCSI_PARAM_PERSISTENT_PORT = 18,
        KISCSI_PARAM_SESS_RECOVERY_TMO = 19,
        KISCSI_PARAM_CONN_PORT = 20,
        KISCSI_PARAM_CONN_ADDRESS = 21,
        KISCSI_PARAM_USERNAME = 22,
        KISCSI_PARAM_USERNAME_IN = 23,
        KISCSI_PARAM_PASSWORD = 24,
        KISCSI_PARAM_PASSWORD_IN = 25,
        KISCSI_PARAM_FAST_ABORT = 26,
        KISCSI_PARAM_ABORT_TMO = 27,
        KISCSI_PARAM_LU_RESET_TMO = 28,
        KISCSI_PARAM_HOST_RESET_TMO = 29,
        KISCSI_PARAM_PING_TMO = 30,
        KISCSI_PARAM_RECV_TMO = 31,
        KISCSI_PARAM_IFACE_NAME = 32,
        KISCSI_PARAM_ISID = 33,
        KISCSI_PARAM_INITIATOR_NAME = 34,
        KISCSI_PARAM_TGT_RESET_TMO = 35,
        KISCSI_PARAM_TARGET_ALIAS = 36,
        /* 37..48: CHAP index, boot, flash-node parameters (unused) */
        KISCSI_PARAM_DEF_TIME2WAIT = 49,
        KISCSI_PARAM_DEF_TIME2RETAIN = 50,
};

/* struct iscsi_uevent: 8-byte aligned, 56 bytes (u: 24-byte union, r: 16-byte union). */
struct kiscsi_uevent {
        uint32_t type;
        uint32_t iferror;
        uint64_t transport_handle;
        union {
                struct {
                        uint32_t initial_cmdsn;
                        uint16_t cmds_max;
                        uint16_t queue_depth;
                } c_session;
                struct {
                        uint32_t sid;
                } d_session;
                struct {
                        uint32_t sid;
                        uint32_t cid;
                } c_conn, d_conn, start_conn, get_stats;
                struct {
                        uint32_t sid;
                        uint32_t cid;
                        uint64_t transport_eph;
                        uint32_t is_leading;
                } b_conn;
                struct {
                        uint32_t sid;
                        uint32_t cid;
                        uint32_t hdr_size;
                        uint32_t data_size;
                } send_pdu;
                struct {
                        uint32_t sid;
                        uint32_t cid;
                        uint32_t param;
                        uint32_t len;
                } set_param;
                struct {
                        uint32_t sid;
                        uint32_t cid;
                        uint64_t conn_handle;
                        uint32_t flag;
                } stop_conn;
                uint8_t _size[24];
        } __attribute__((aligned(8))) u;
        union {
                int32_t retcode;
                struct {
                        uint32_t sid;
                        uint32_t host_no;
                } c_session_ret;
                struct {
                        uint32_t sid;
                        uint32_t cid;
                } c_conn_ret;
                struct {
                        uint32_t sid;
                        uint32_t cid;
                        uint64_t recv_handle;
                } recv_req;
                struct {
                        uint32_t sid;
                        uint32_t cid;
                        uint32_t error;
                } connerror;
                struct {
                        uint32_t host_no;
                        uint32_t sid;
                } d_session;            /* KEVENT_DESTROY_SESSION */
                struct {
                        uint32_t sid;
                        uint32_t host_no;
                } unbind_session;       /* KEVENT_UNBIND_SESSION / KEVENT_CREATE_SESSION */
                uint8_t _size[16];
        } __attribute__((aligned(8))) r;
} __attribute__((aligned(8)));

static_assert(sizeof(struct kiscsi_uevent) == 56, "struct iscsi_uevent is 56 bytes in Linux 6.1");

/* struct iscsi_stats, followed by custom_length struct kiscsi_stats_custom. */
struct kiscsi_stats {
        uint64_t txdata_octets;
        uint64_t rxdata_octets;
        uint32_t noptx_pdus;
        uint32_t scsicmd_pdus;
        uint32_t tmfcmd_pdus;
        uint32_t login_pdus;
        uint32_t text_pdus;
        uint32_t dataout_pdus;
        uint32_t logout_pdus;
        uint32_t snack_pdus;
        uint32_t noprx_pdus;
        uint32_t scsirsp_pdus;
        uint32_t tmfrsp_pdus;
        uint32_t textrsp_pdus;
        uint32_t datain_pdus;
        uint32_t logoutrsp_pdus;
        uint32_t r2t_pdus;
        uint32_t async_pdus;
        uint32_t rjt_pdus;
        uint32_t digest_err;
        uint32_t timeout_err;
        uint32_t custom_length;
} __attribute__((aligned(8)));

/* At most this many custom entries (ISCSI_STATS_CUSTOM_MAX): the kernel sizes its reply for it. */
#define KISCSI_STATS_CUSTOM_MAX 32u

struct kiscsi_stats_custom {
        char desc[64];
        uint64_t value;
};

static_assert(sizeof(struct kiscsi_stats) == 96, "struct iscsi_stats header is 96 bytes");
static_assert(sizeof(struct kiscsi_stats_custom) == 72, "struct iscsi_stats_custom is 72 bytes");
