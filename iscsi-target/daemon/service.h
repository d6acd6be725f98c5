/* SPDX-License-Identifier: GPL-2.0-or-later */
/* iscsi-targetd as a process: the daemon core (daemon.c) with iSCSI connections on its
 * workers (iscsi-conn.c), listeners on the main thread's sd-event loop, signals (SIGHUP
 * reloads, SIGTERM/SIGINT stop), sd_notify and the pid file. */
#pragma once

#include "daemon.h"

/* Runs until SIGTERM/SIGINT. Returns 0 or -errno (logged). */
int service_run(const DaemonOptions *opts);
