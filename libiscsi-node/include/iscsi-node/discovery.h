/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * SendTargets discovery over TCP, done by the caller itself (no iscsid, no kernel module):
 * connect, discovery-session login (CHAP one-way or mutual), "SendTargets=All" text
 * exchange, logout. The protocol work is the pure code of login.h and sendtargets.h; this
 * file only moves bytes.
 */
#pragma once

#include "iscsi-proto/sendtargets.h"

struct discovery_config {
        const char *address;        /* numeric IPv4/IPv6 or a host name given by the user */
        int port;
        const char *initiator_name;
        /* CHAP: auth_method "CHAP" needs username/password; *_in set = mutual */
        const char *auth_method;
        const char *username, *password, *username_in, *password_in;
        const char *chap_algs;      /* NULL = MD5 */
        int login_timeout;          /* seconds for connect + login; <= 0 = 15 */
        int active_timeout;         /* seconds for the text exchange; <= 0 = 30 */
        int max_recv_dlength;       /* MaxRecvDataSegmentLength we declare; <= 0 = 32768 */
};

struct discovery_status {
        int exit_code;              /* iscsiadm exit code (enum iscsi_err) when failing */
        char reason[200];           /* one line: what went wrong */
};

/* 0 with *ret filled (zeroed by caller), or negative errno with *status describing it. */
int node_discovery_sendtargets(const struct discovery_config *cfg, struct iscsi_st_list *ret,
                          struct discovery_status *status);
