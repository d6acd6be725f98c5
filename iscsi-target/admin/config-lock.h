/* SPDX-License-Identifier: GPL-2.0-or-later */
/* One iscsi-target invocation's hold on the configuration: the exclusive lock on
 * saveconfig.json (flock on "PATH.lock", so two admins never interleave edits), the model
 * loaded from it, and the SIGHUP to the daemon once something was saved. */
#pragma once

#include <stdbool.h>

#include "config/saveconfig.h"

typedef struct ConfigLock {
        char *config_path;
        char *pidfile;
        bool reload;          /* signal the daemon after a change */
        bool interactive_cd;  /* scripts may "cd"; a one-shot command may not need it */
        int lock_fd;
        TargetConfig *cfg;
        char *cwd;            /* current node path, "/" initially */
        bool saved_any;       /* something was written by this invocation */
        bool exit_requested;
} ConfigLock;

int config_lock_open(ConfigLock *cl);   /* lock, load (missing file = empty config) */
void config_lock_close(ConfigLock *cl); /* signal the daemon if anything was saved; unlock */
int config_lock_save(ConfigLock *cl);   /* atomic save to config_path */
int config_lock_revert(ConfigLock *cl); /* drop in-memory changes: reload the last saved state */
void config_lock_signal_daemon(ConfigLock *cl);
