/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A fake sysfs tree under a temporary directory, laid out like scsi_transport_iscsi's. */
#pragma once

/* Creates a root dir and points $ISCSI_SYSFS_ROOT at it; returns the path (static buffer). */
const char *fake_sysfs_setup(void);
void fake_sysfs_teardown(void);
/* session<sid> on host<host> with connection attributes and one LUN per disk name (may be NULL). */
void fake_sysfs_add_session(int sid, int host, const char *target, const char *address, int port,
                            const char *disk, unsigned disk_minor);
/* A partition /sys/class/block/<disk>/<part> with dev major:minor, and a holder of <dev>. */
void fake_sysfs_add_partition(const char *disk, const char *part, unsigned minor);
void fake_sysfs_add_holder(const char *dev, const char *holder, unsigned major, unsigned minor);
/* Write a file relative to the root (parents created). */
void fake_sysfs_write(const char *rel, const char *content);
