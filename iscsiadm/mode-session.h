/* SPDX-License-Identifier: GPL-2.0-or-later */
/* What needs a session: login/logout through iscsid's IPC, session listing from sysfs. */
#pragma once

#include "iscsiadm.h"
#include "iscsi-node/sysfs-session.h"

int sessions_logoutall(Context *c, const char *which);
/* -m node with -u / -R / -s: act on the sessions of the matching records. */
int sessions_for_nodes(Context *c, const NodeFilter *f);
/* Sessions from sysfs, or from iscsid when sysfs has none (e.g. a userspace data path). */
int sessions_collect(struct sysfs_session ***ret, size_t *ret_n);
/* "[iface: default, target: T, portal: A,P]", as open-iscsi names a record in messages. */
void node_desc(const Record *r, char *buf, size_t size);
/* Whether one of these sessions (from sessions_collect()) is of this node record. */
bool record_has_session(const Record *r, struct sysfs_session *const *sessions, size_t n);
