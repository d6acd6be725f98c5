/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * iscsistart's logins, done by iscsid's own core (libiscsid-core: the same session, login and
 * kernel hand-over code as the daemon), without a running iscsid: the sessions stay in the
 * kernel when iscsistart exits, for the real iscsid to adopt after switch_root.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "iscsi-node/ipc.h"

/* Log in to each request (all at once); results[i] gets the outcome of reqs[i] (status 0 =
 * logged in). Returns 0 when every request was attempted, a negative errno when the login
 * engine itself could not run (then no result is meaningful). */
int boot_login(const struct node_login_req *reqs, size_t n, bool debug, struct login_result *results);
