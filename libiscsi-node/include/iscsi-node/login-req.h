/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One source for turning a node record into a login request: iscsiadm (node/fw logins through
 * iscsid) and iscsistart (its own one-shot login) both use it.
 */
#pragma once

#include "iscsi-node/ipc.h"
#include "iscsi-node/record.h"

/* Fill *ret from the record's node.* and iface.* values; strings are borrowed from r (keep it
 * alive while *ret is used), unset values get the request's "daemon default" markers. */
void node_login_req_from_record(const Record *r, struct node_login_req *ret);
