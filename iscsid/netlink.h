/* SPDX-License-Identifier: GPL-2.0-or-later */
/* NETLINK_ISCSI transport (libnl-3): requests to scsi_transport_iscsi, events back. */
#pragma once

#include <systemd/sd-event.h>

#include "transport.h"

/*
 * Open the netlink socket, read the iscsi_tcp transport handle from sysfs and attach the
 * socket to the event loop for kernel events.
 * -EPROTONOSUPPORT: the kernel has no iSCSI (CONFIG_SCSI_ISCSI_ATTRS); -ENOENT: no tcp
 * transport registered (iscsi_tcp not loaded).
 */
int netlink_transport_new(sd_event *e, kernel_event_handler_t on_event, void *userdata,
                          struct kernel_transport **ret);

/* The handle of a transport class ("tcp") from <sysfs>/class/iscsi_transport/NAME/handle. */
int netlink_read_transport_handle(const char *name, uint64_t *ret);
