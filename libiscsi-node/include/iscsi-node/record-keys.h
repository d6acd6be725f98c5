/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The one table of record keys. Every key of an open-iscsi 2.1 node record, interface record
 * and SendTargets discovery record is listed once here, in the order open-iscsi prints them,
 * with its type, its default (NULL = empty) and flags. record.c derives parsing, validation,
 * printing, the on-disk form, defaults and JSON from it; enums below give each key an index.
 *
 * X(id, "name", type, default, flags)
 */
#pragma once

#include "iscsi-proto/defaults.h"

#define IFACE_KEYS(X)                                                                  \
        X(IFACE_NAME, "iface.iscsi_ifacename", T_STR, "default", KEY_IDENTITY)         \
        X(IFACE_NET_IFACENAME, "iface.net_ifacename", T_STR, NULL, 0)                   \
        X(IFACE_IPADDRESS, "iface.ipaddress", T_STR, NULL, 0)                           \
        X(IFACE_PREFIX_LEN, "iface.prefix_len", T_INT, "0", 0)                          \
        X(IFACE_HWADDRESS, "iface.hwaddress", T_STR, NULL, 0)                           \
        X(IFACE_TRANSPORT_NAME, "iface.transport_name", T_STR, "tcp", 0)                \
        X(IFACE_INITIATORNAME, "iface.initiatorname", T_STR, NULL, 0)                   \
        X(IFACE_STATE, "iface.state", T_STR, NULL, 0)                                   \
        X(IFACE_VLAN_ID, "iface.vlan_id", T_INT, "0", 0)                                \
        X(IFACE_VLAN_PRIORITY, "iface.vlan_priority", T_INT, "0", 0)                    \
        X(IFACE_VLAN_STATE, "iface.vlan_state", T_STR, NULL, 0)                         \
        X(IFACE_IFACE_NUM, "iface.iface_num", T_INT, "0", 0)                            \
        X(IFACE_MTU, "iface.mtu", T_INT, "0", 0)                                        \
        X(IFACE_PORT, "iface.port", T_INT, "0", 0)                                      \
        X(IFACE_BOOTPROTO, "iface.bootproto", T_STR, NULL, 0)                           \
        X(IFACE_SUBNET_MASK, "iface.subnet_mask", T_STR, NULL, 0)                       \
        X(IFACE_GATEWAY, "iface.gateway", T_STR, NULL, 0)                               \
        X(IFACE_DHCP_ALT_CLIENT_ID_STATE, "iface.dhcp_alt_client_id_state", T_STR, NULL, 0) \
        X(IFACE_DHCP_ALT_CLIENT_ID, "iface.dhcp_alt_client_id", T_STR, NULL, 0)         \
        X(IFACE_DHCP_DNS, "iface.dhcp_dns", T_STR, NULL, 0)                             \
        X(IFACE_DHCP_LEARN_IQN, "iface.dhcp_learn_iqn", T_STR, NULL, 0)                 \
        X(IFACE_DHCP_REQ_VENDOR_ID_STATE, "iface.dhcp_req_vendor_id_state", T_STR, NULL, 0) \
        X(IFACE_DHCP_VENDOR_ID_STATE, "iface.dhcp_vendor_id_state", T_STR, NULL, 0)     \
        X(IFACE_DHCP_VENDOR_ID, "iface.dhcp_vendor_id", T_STR, NULL, 0)                 \
        X(IFACE_DHCP_SLP_DA, "iface.dhcp_slp_da", T_STR, NULL, 0)                       \
        X(IFACE_FRAGMENTATION, "iface.fragmentation", T_STR, NULL, 0)                   \
        X(IFACE_GRATUITOUS_ARP, "iface.gratuitous_arp", T_STR, NULL, 0)                 \
        X(IFACE_INCOMING_FORWARDING, "iface.incoming_forwarding", T_STR, NULL, 0)       \
        X(IFACE_TOS_STATE, "iface.tos_state", T_STR, NULL, 0)                           \
        X(IFACE_TOS, "iface.tos", T_INT, "0", 0)                                        \
        X(IFACE_TTL, "iface.ttl", T_INT, "0", 0)                                        \
        X(IFACE_DELAYED_ACK, "iface.delayed_ack", T_STR, NULL, 0)                       \
        X(IFACE_TCP_NAGLE, "iface.tcp_nagle", T_STR, NULL, 0)                           \
        X(IFACE_TCP_WSF_STATE, "iface.tcp_wsf_state", T_STR, NULL, 0)                   \
        X(IFACE_TCP_WSF, "iface.tcp_wsf", T_INT, "0", 0)                                \
        X(IFACE_TCP_TIMER_SCALE, "iface.tcp_timer_scale", T_INT, "0", 0)                \
        X(IFACE_TCP_TIMESTAMP, "iface.tcp_timestamp", T_STR, NULL, 0)                   \
        X(IFACE_REDIRECT, "iface.redirect", T_STR, NULL, 0)                             \
        X(IFACE_DEF_TASK_MGMT_TIMEOUT, "iface.def_task_mgmt_timeout", T_INT, "0", 0)    \
        X(IFACE_HEADER_DIGEST, "iface.header_digest", T_STR, NULL, 0)                   \
        X(IFACE_DATA_DIGEST, "iface.data_digest", T_STR, NULL, 0)                       \
        X(IFACE_IMMEDIATE_DATA, "iface.immediate_data", T_STR, NULL, 0)                 \
        X(IFACE_INITIAL_R2T, "iface.initial_r2t", T_STR, NULL, 0)                       \
        X(IFACE_DATA_SEQ_INORDER, "iface.data_seq_inorder", T_STR, NULL, 0)             \
        X(IFACE_DATA_PDU_INORDER, "iface.data_pdu_inorder", T_STR, NULL, 0)             \
        X(IFACE_ERL, "iface.erl", T_INT, "0", 0)                                        \
        X(IFACE_MAX_RECEIVE_DATA_LEN, "iface.max_receive_data_len", T_INT, "0", 0)      \
        X(IFACE_FIRST_BURST_LEN, "iface.first_burst_len", T_INT, "0", 0)                \
        X(IFACE_MAX_OUTSTANDING_R2T, "iface.max_outstanding_r2t", T_INT, "0", 0)        \
        X(IFACE_MAX_BURST_LEN, "iface.max_burst_len", T_INT, "0", 0)                    \
        X(IFACE_CHAP_AUTH, "iface.chap_auth", T_STR, NULL, 0)                           \
        X(IFACE_BIDI_CHAP, "iface.bidi_chap", T_STR, NULL, 0)                           \
        X(IFACE_STRICT_LOGIN_COMPLIANCE, "iface.strict_login_compliance", T_STR, NULL, 0) \
        X(IFACE_DISCOVERY_AUTH, "iface.discovery_auth", T_STR, NULL, 0)                 \
        X(IFACE_DISCOVERY_LOGOUT, "iface.discovery_logout", T_STR, NULL, 0)

#define NODE_KEYS(X)                                                                   \
        X(NAME, "node.name", T_STR, NULL, KEY_IDENTITY)                                 \
        X(TPGT, "node.tpgt", T_INT, "-1", KEY_IDENTITY)                                 \
        X(STARTUP, "node.startup", T_STARTUP, "manual", 0)                              \
        X(LEADING_LOGIN, "node.leading_login", T_BOOL, "No", 0)                         \
        IFACE_KEYS(X)                                                                  \
        X(DISCOVERY_ADDRESS, "node.discovery_address", T_STR, NULL, 0)                  \
        X(DISCOVERY_PORT, "node.discovery_port", T_INT, "0", 0)                         \
        X(DISCOVERY_TYPE, "node.discovery_type", T_DISCTYPE, "static", 0)               \
        X(INITIAL_CMDSN, "node.session.initial_cmdsn", T_INT, "0", 0)                   \
        X(INITIAL_LOGIN_RETRY_MAX, "node.session.initial_login_retry_max", T_INT, "4", 0) \
        X(XMIT_THREAD_PRIORITY, "node.session.xmit_thread_priority", T_INT, "-20", 0)   \
        X(CMDS_MAX, "node.session.cmds_max", T_INT, "128", 0)                           \
        X(QUEUE_DEPTH, "node.session.queue_depth", T_INT, "32", 0)                      \
        X(NR_SESSIONS, "node.session.nr_sessions", T_INT, "1", 0)                       \
        X(AUTHMETHOD, "node.session.auth.authmethod", T_AUTHMETHOD, "None", 0)          \
        X(USERNAME, "node.session.auth.username", T_STR, NULL, 0)                       \
        X(PASSWORD, "node.session.auth.password", T_STR, NULL, KEY_SECRET)              \
        X(USERNAME_IN, "node.session.auth.username_in", T_STR, NULL, 0)                 \
        X(PASSWORD_IN, "node.session.auth.password_in", T_STR, NULL, KEY_SECRET)        \
        X(CHAP_ALGS, "node.session.auth.chap_algs", T_CHAP_ALGS, "MD5", 0)              \
        X(REPLACEMENT_TIMEOUT, "node.session.timeo.replacement_timeout", T_INT, "120", 0) \
        X(ABORT_TIMEOUT, "node.session.err_timeo.abort_timeout", T_INT, "15", 0)        \
        X(LU_RESET_TIMEOUT, "node.session.err_timeo.lu_reset_timeout", T_INT, "30", 0)  \
        X(TGT_RESET_TIMEOUT, "node.session.err_timeo.tgt_reset_timeout", T_INT, "30", 0) \
        X(HOST_RESET_TIMEOUT, "node.session.err_timeo.host_reset_timeout", T_INT, "60", 0) \
        X(FASTABORT, "node.session.iscsi.FastAbort", T_BOOL, "Yes", 0)                  \
        X(INITIALR2T, "node.session.iscsi.InitialR2T", T_BOOL, "No", 0)                 \
        X(IMMEDIATEDATA, "node.session.iscsi.ImmediateData", T_BOOL, "Yes", 0)          \
        X(FIRSTBURSTLENGTH, "node.session.iscsi.FirstBurstLength", T_INT, "262144", 0)  \
        X(MAXBURSTLENGTH, "node.session.iscsi.MaxBurstLength", T_INT, "16776192", 0)    \
        X(DEFAULTTIME2RETAIN, "node.session.iscsi.DefaultTime2Retain", T_INT, "0", 0)   \
        X(DEFAULTTIME2WAIT, "node.session.iscsi.DefaultTime2Wait", T_INT, "2", 0)       \
        X(MAXCONNECTIONS, "node.session.iscsi.MaxConnections", T_INT, "1", 0)           \
        X(MAXOUTSTANDINGR2T, "node.session.iscsi.MaxOutstandingR2T", T_INT, "1", 0)     \
        X(ERL, "node.session.iscsi.ERL", T_INT, "0", 0)                                 \
        X(SCAN, "node.session.scan", T_SCAN, "auto", 0)                                 \
        X(REOPEN_MAX, "node.session.reopen_max", T_INT, "0", 0)                         \
        X(CONN_ADDRESS, "node.conn[0].address", T_STR, NULL, KEY_IDENTITY)              \
        X(CONN_PORT, "node.conn[0].port", T_INT, ISCSI_DEFAULT_PORT_STR, KEY_IDENTITY)    \
        X(CONN_STARTUP, "node.conn[0].startup", T_STARTUP, "manual", 0)                 \
        X(WINDOW_SIZE, "node.conn[0].tcp.window_size", T_INT, "524288", 0)              \
        X(TYPE_OF_SERVICE, "node.conn[0].tcp.type_of_service", T_INT, "0", 0)           \
        X(LOGOUT_TIMEOUT, "node.conn[0].timeo.logout_timeout", T_INT, "15", 0)          \
        X(LOGIN_TIMEOUT, "node.conn[0].timeo.login_timeout", T_INT, "30", 0)            \
        X(AUTH_TIMEOUT, "node.conn[0].timeo.auth_timeout", T_INT, "45", 0)              \
        X(NOOP_OUT_INTERVAL, "node.conn[0].timeo.noop_out_interval", T_INT, "5", 0)     \
        X(NOOP_OUT_TIMEOUT, "node.conn[0].timeo.noop_out_timeout", T_INT, "5", 0)       \
        X(MAXXMITDATASEGMENTLENGTH, "node.conn[0].iscsi.MaxXmitDataSegmentLength", T_INT, "0", 0) \
        X(MAXRECVDATASEGMENTLENGTH, "node.conn[0].iscsi.MaxRecvDataSegmentLength", T_INT, "262144", 0) \
        X(HEADERDIGEST, "node.conn[0].iscsi.HeaderDigest", T_DIGEST, "None", 0)         \
        X(DATADIGEST, "node.conn[0].iscsi.DataDigest", T_DIGEST, "None", 0)             \
        X(IFMARKER, "node.conn[0].iscsi.IFMarker", T_BOOL, "No", 0)                     \
        X(OFMARKER, "node.conn[0].iscsi.OFMarker", T_BOOL, "No", 0)

/* SendTargets discovery record (send_targets/<ip>,<port>/st_config). open-iscsi stores its
 * CHAP algorithm list under the node key name, so this record does too. */
/* iSNS discovery records (isns/<address>,<port>/isns_config). open-iscsi stores the server's
 * address under the sendtargets key names; the first four keys line up with ST_KEYS so
 * ST_KEY_ADDRESS/ST_KEY_PORT read both kinds of discovery record. */
#define ISNS_KEYS(X)                                                                    \
        X(STARTUP, "discovery.startup", T_DSTARTUP, "manual", 0)                        \
        X(TYPE, "discovery.type", T_DTYPE, "isns", 0)                                   \
        X(ADDRESS, "discovery.sendtargets.address", T_STR, NULL, KEY_IDENTITY)          \
        X(PORT, "discovery.sendtargets.port", T_INT, "3205", KEY_IDENTITY)              \
        X(USE_DISCOVERYD, "discovery.isns.use_discoveryd", T_BOOL, "No", 0)             \
        X(DISCOVERYD_POLL_INVAL, "discovery.isns.discoveryd_poll_inval", T_INT, "-1", 0)

#define ST_KEYS(X)                                                                     \
        X(STARTUP, "discovery.startup", T_DSTARTUP, "manual", 0)                        \
        X(TYPE, "discovery.type", T_DTYPE, "sendtargets", 0)                            \
        X(ADDRESS, "discovery.sendtargets.address", T_STR, NULL, KEY_IDENTITY)          \
        X(PORT, "discovery.sendtargets.port", T_INT, ISCSI_DEFAULT_PORT_STR, KEY_IDENTITY) \
        X(AUTHMETHOD, "discovery.sendtargets.auth.authmethod", T_AUTHMETHOD, "None", 0) \
        X(USERNAME, "discovery.sendtargets.auth.username", T_STR, NULL, 0)              \
        X(PASSWORD, "discovery.sendtargets.auth.password", T_STR, NULL, KEY_SECRET)     \
        X(USERNAME_IN, "discovery.sendtargets.auth.username_in", T_STR, NULL, 0)        \
        X(PASSWORD_IN, "discovery.sendtargets.auth.password_in", T_STR, NULL, KEY_SECRET) \
        X(CHAP_ALGS, "node.session.auth.chap_algs", T_CHAP_ALGS, "MD5", 0)              \
        X(LOGIN_TIMEOUT, "discovery.sendtargets.timeo.login_timeout", T_INT, "15", 0)   \
        X(USE_DISCOVERYD, "discovery.sendtargets.use_discoveryd", T_BOOL, "No", 0)      \
        X(DISCOVERYD_POLL_INVAL, "discovery.sendtargets.discoveryd_poll_inval", T_INT, "30", 0) \
        X(REOPEN_MAX, "discovery.sendtargets.reopen_max", T_INT, "5", 0)                \
        X(AUTH_TIMEOUT, "discovery.sendtargets.timeo.auth_timeout", T_INT, "45", 0)     \
        X(ACTIVE_TIMEOUT, "discovery.sendtargets.timeo.active_timeout", T_INT, "30", 0) \
        X(MAXRECVDATASEGMENTLENGTH, "discovery.sendtargets.iscsi.MaxRecvDataSegmentLength", T_INT, "32768", 0)
