/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A blocking iSNS client over TCP (RFC 4171 §5: one message exchange at a time, the client
 * opens the connection). The messages are built and read by libiscsi-proto's isns*.h; this
 * file only connects and moves bytes, with a deadline for every call.
 */
#pragma once

#include <stdint.h>

#include "iscsi-proto/isns-iscsi.h"
#include "iscsi-proto/isns.h"

#define NODE_ISNS_TIMEOUT_MS 10000

/* Connect to host (numeric or a name) and port; *ret_fd is a non-blocking TCP socket. */
int node_isns_connect(const char *host, int port, int timeout_ms, int *ret_fd);
/* The local address of connected socket fd as text (what an entity registers as its portal). */
int node_isns_local_address(int fd, char *buf, size_t size);

/* Send one message (split into PDUs as needed). */
int node_isns_send(int fd, const struct iscsi_isns_msg *m, int timeout_ms);

/* Receive the next whole message. -ETIMEDOUT, -ECONNRESET, or the codec's errors. */
int node_isns_recv(int fd, int timeout_ms, struct iscsi_isns_msg *ret);

/* Send req and wait for the response with the same xid (other messages are dropped).
 * The response's status is the caller's to look at. */
int node_isns_call(int fd, const struct iscsi_isns_msg *req, int timeout_ms, struct iscsi_isns_msg *ret);

/*
 * Discovery as open-iscsi does it: ask the server for the targets visible to initiator;
 * if the server does not know the initiator (Source Unknown), register it, ask again, and
 * deregister it afterwards. *ret zeroed by caller. -ENOMSG when the server answered with an
 * error status (in *ret_status), else negative errno.
 */
int node_isns_discover_targets(const char *host, int port, const char *initiator, struct iscsi_st_list *ret,
                               uint32_t *ret_status);
