/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Safe logout: is a block device of a SCSI host (disk, partition, holder) mounted? */
#pragma once

#include <stddef.h>

/* 1 with a message naming the device and mount point, 0 when nothing is mounted, -errno. */
int logout_guard_check(int host_no, char *ret_message, size_t size);
