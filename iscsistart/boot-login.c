/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The login engine of iscsistart: iscsid's own manager (libiscsid-core) in this process, no IPC,
 * no daemon. login_run() starts every login at once on the manager's loop and returns when each
 * has ended; freeing the manager never logs out, so the sessions stay in the kernel with their
 * state files in the run directory, and the real iscsid adopts them (manager_resync) after
 * switch_root, as after a daemon restart.
 */
#include "boot-login.h"
#include "log.h"
#include "login-run.h"
#include "manager.h"

int boot_login(const struct node_login_req *reqs, size_t n, bool debug, struct login_result *results) {
        _cleanup_(manager_freep) struct manager *m = NULL;
        log_setup(true, debug);
        int r = manager_new(&m);
        if (r < 0)
                return r;
        (void) manager_open_transport(m); /* failure: each login answers "transport not found" */
        /* know the kernel's sessions, as iscsid after a restart: a second boot login to the same
         * target is answered "session exists" instead of opening a duplicate session */
        (void) manager_resync(m);
        return login_run(m, reqs, n, results);
}
