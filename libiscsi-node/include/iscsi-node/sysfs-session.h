/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * iSCSI sessions as the kernel shows them in sysfs (scsi_transport_iscsi):
 *   /sys/class/iscsi_session/sessionN/        session attributes (targetname, tpgt, ...)
 *   /sys/class/iscsi_connection/connectionN:0/ connection attributes (persistent_address, ...)
 *   /sys/class/iscsi_host/hostH/               host attributes (ipaddress, netdev, ...)
 *   /sys/class/scsi_host/hostH/scan            LUN rescan
 *   /sys/class/iscsi_session/sessionN/device/targetH:C:T/H:C:T:L/block/sdX   attached disks
 *
 * Both iscsiadm (-m session) and iscsid (resync after restart) read sessions from here, so
 * they survive a daemon restart. The root is $ISCSI_SYSFS_ROOT when set (tests point it at a
 * fake tree), else "/sys". Library code: no logging, negative errno on failure.
 */
#pragma once

#include <stddef.h>

#include "iscsi-util/macro.h"

#define ISCSI_SYSFS_ROOT_ENV "ISCSI_SYSFS_ROOT"

struct sysfs_lun {
        int host, channel, id, lun;
        char *state;            /* scsi_device state: "running", "offline", ... (may be NULL) */
        char *disk;             /* block device name ("sda"), NULL when none is attached */
        char *vendor, *model, *rev; /* may be NULL */
};

struct sysfs_session {
        int sid;
        int host_no;            /* -1 if unknown */
        char *target_name;
        char *persistent_address; /* the portal the node record names */
        int persistent_port;
        char *address;          /* the connected address (may differ after a redirect) */
        int port;
        int tpgt;               /* -1 if not set */
        char *iface_name;       /* "default" when the kernel has none */
        char *initiator_name;
        char *transport;        /* "tcp" */
        char *isid;             /* 12 hex digits, may be NULL */
        char *state;            /* session state: "LOGGED_IN", "FAILED", "FREE" */
        char *conn_state;       /* connection state ("up", "down", ...) or NULL on old kernels */
        char *local_address;    /* iscsi_host ipaddress, may be NULL */
        char *netdev;           /* iscsi_host netdev, may be NULL */
        char *hwaddress;        /* iscsi_host hwaddress, may be NULL */
        struct sysfs_lun *luns;
        size_t n_luns;
};

/* "/sys" or $ISCSI_SYSFS_ROOT. */
const char *node_sysfs_root(void);

struct sysfs_session *node_sysfs_session_free(struct sysfs_session *s);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct sysfs_session *, node_sysfs_session_free)
void node_sysfs_session_list_free(struct sysfs_session **list, size_t n);

/* Read one session; -ENOENT if there is none with that sid. */
int node_sysfs_session_read(int sid, struct sysfs_session **ret);

/* All sessions sorted by sid; *ret_n may be 0 (then *ret is NULL). */
int node_sysfs_session_list(struct sysfs_session ***ret, size_t *ret_n);

/* Any attribute, value trimmed of the trailing newline; kind is "session", "connection" or "host".
 * -ENOENT when the attribute does not exist, -ENODATA when it is empty or "(null)". */
int node_sysfs_session_attr(const struct sysfs_session *s, const char *kind, const char *name, char **ret);

/* Sid of the first session to target_name at address:port (iface NULL → any); -ENOENT if none. */
int node_sysfs_session_find(const char *target_name, const char *address, int port, const char *iface,
                       int *ret_sid);

/* Ask the SCSI midlayer to scan all channels/targets/LUNs of the session's host. */
int node_sysfs_session_rescan(const struct sysfs_session *s);
