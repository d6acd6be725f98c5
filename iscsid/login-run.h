/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Logins without IPC, waited for: what iscsistart needs from the daemon core. Every request is
 * started at once on the manager's event loop (so they proceed in parallel), and the call
 * returns when each has ended. The sessions stay in the kernel when the manager is freed, with
 * their state files for iscsid to adopt.
 *
 *      _cleanup_(manager_freep) struct manager *m = NULL;
 *      r = manager_new(&m);
 *      (void) manager_open_transport(m);   // logins answer ISCSI_ERR_TRANS_NOT_FOUND without it
 *      (void) manager_resync(m);           // sessions already in the kernel: "session exists"
 *      r = login_run(m, reqs, n, results);
 */
#pragma once

#include <stddef.h>

#include "iscsi-node/ipc.h"
#include "manager.h"

/* results[i] answers reqs[i]: status (iscsiadm exit code), message, sid, host_no. Returns 0, or
 * a negative errno when the event loop failed (results of unfinished logins then say so, and
 * the manager must be freed without running its loop again). */
int login_run(struct manager *m, const struct node_login_req *reqs, size_t n, struct login_result *results);
