/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * SCSI host operations through sysfs: LUN scan and LUN removal, each in a thread (the sysfs
 * writes block: a scan until every LUN is probed, a delete until sd has flushed its cache); the
 * thread writes a struct host_job_done to notify_fd when it is over.
 */
#pragma once

#include <stdint.h>

enum host_job_kind {
        HOST_JOB_SCAN,
        HOST_JOB_DELETE,
};

struct host_job_done {
        uint32_t token;         /* the session's token (sids are reused by the kernel) */
        uint32_t kind;          /* enum host_job_kind */
};

int host_job_async(int host_no, enum host_job_kind kind, uint32_t token, int notify_fd);
/* Remove every LUN of host_no now, in this thread. */
int host_delete_devices(int host_no);
/* Calls fn with the device directory (the one holding "delete" and "block/") of each SCSI device
 * H:C:T:L of host host_no, found below <sysfs>/class/scsi_host/hostH/device, or through
 * <sysfs>/class/scsi_device when that finds none; -errno if neither can be read.
 * Shared by LUN removal and the logout guard. */
int host_foreach_scsi_device(int host_no, void (*fn)(const char *dev_dir, void *userdata), void *userdata);
