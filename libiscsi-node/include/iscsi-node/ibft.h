/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The iSCSI Boot Firmware Table as the kernel's iscsi_ibft module shows it in sysfs:
 *   <sysfs>/firmware/ibft/initiator/   initiator-name, isid, flags, ...
 *   <sysfs>/firmware/ibft/ethernetN/   flags, index, ip-addr, prefix-len, subnet-mask, gateway,
 *                                      primary-dns, secondary-dns, dhcp, vlan, mac, origin,
 *                                      device -> the NIC's PCI function
 *   <sysfs>/firmware/ibft/targetN/     flags, index, ip-addr, port, lun, nic-assoc, target-name,
 *                                      chap-name, chap-secret, rev-chap-name, rev-chap-name-secret
 * Offload drivers publish the same layout under <sysfs>/firmware/iscsi_boot*; both are read.
 *
 * One entry per usable target, joined with its NIC (nic-assoc = the NIC's index) and the
 * initiator, as open-iscsi's fw_get_targets() returns them: a target or NIC whose flags are 0 is
 * skipped, and so is a NIC whose PCI function has no netdev and whose MAC matches none.
 * Pure file reading under a root prefix (tests point it at recorded trees); no logging.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "iscsi-util/macro.h"

/* iBFT NIC "origin" (IP prefix origin, RFC 4293 IpAddressPrefixOriginTC). */
enum {
        NODE_IBFT_ORIGIN_OTHER = 0,
        NODE_IBFT_ORIGIN_MANUAL = 1,
        NODE_IBFT_ORIGIN_WELLKNOWN = 2,
        NODE_IBFT_ORIGIN_DHCP = 3,
        NODE_IBFT_ORIGIN_RA = 4,
        NODE_IBFT_ORIGIN_UNKNOWN = -1, /* attribute absent */
};

typedef struct NodeIbftTarget {
        char *boot_root;        /* "ibft" or "iscsi_bootN": the sysfs folder it came from */

        /* initiator/ */
        char *initiator_name;
        char *isid;

        /* the ethernetN/ that nic-assoc names */
        char *nic;              /* "ethernet0" */
        int nic_index;
        int nic_flags;
        char *mac;              /* "52:54:00:12:34:56" */
        char *netdev;           /* "eth0" (device/net or MAC match); NULL when the NIC has no
                                 * PCI function link */
        char *ip_addr, *subnet_mask, *gateway, *primary_dns, *secondary_dns, *dhcp, *vlan;
        int prefix_len;         /* 0 when absent */
        int origin;             /* NODE_IBFT_ORIGIN_* */

        /* targetN/ */
        char *target;           /* "target0" */
        int target_index;
        int target_flags;
        char *target_name;
        char *target_ip;
        int target_port;        /* ISCSI_DEFAULT_PORT when absent */
        char *lun;
        char *chap_name, *chap_secret, *rev_chap_name, *rev_chap_secret;
} NodeIbftTarget;

NodeIbftTarget *node_ibft_target_free(NodeIbftTarget *t);
DEFINE_TRIVIAL_CLEANUP_FUNC(NodeIbftTarget *, node_ibft_target_free)
void node_ibft_list_free(NodeIbftTarget **list, size_t n);

/* Every usable boot target under <sysfs_root>/firmware, sorted by folder then target index.
 * -ENOENT when no firmware table is published (no initiator/ folder), -ENODEV when one is but
 * no target is usable, -ENOMEM. */
int node_ibft_read(const char *sysfs_root, NodeIbftTarget ***ret, size_t *ret_n);

/* Whether the NIC got its address by DHCP (origin 3, or a dhcp server other than 0.0.0.0). */
bool node_ibft_uses_dhcp(const NodeIbftTarget *t);

/* open-iscsi's firmware record ("iscsiadm -m fw", "iscsistart -f"): "# BEGIN RECORD 2.1.8",
 * the iface.* keys of the initiator and NIC, the node.* keys of the target, "# END RECORD",
 * each line "key = value", keys with no value left out. Secrets are printed. */
int node_ibft_format(const NodeIbftTarget *t, char **ret);

/* The iBFT names no portal group: open-iscsi's firmware records use tag 1. */
#define NODE_IBFT_TPGT "1"

struct Record;
/* Set the node record's target, portal, initiator name and CHAP from the firmware, with
 * node.startup = onboot and node.discovery_type = fw; -EINVAL when a value does not fit. */
int node_ibft_apply_to_record(const NodeIbftTarget *t, struct Record *r);
