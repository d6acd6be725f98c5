/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The output layer: every list and show goes through one of two renderers. "classic"
 * reproduces open-iscsi 2.1's text byte for byte; "json" (--format=json / -j) builds one
 * document {"version": 1, "<kind>": [...]} printed at exit. Errors always go to stderr.
 */
#pragma once

#include <stddef.h>

#include "iscsi-node/nodedb.h"
#include "iscsi-node/record.h"
#include "iscsi-node/ipc.h"
#include "iscsi-node/sysfs-session.h"

#define OUTPUT_JSON_VERSION 1

typedef struct DiscoveredPortal {
        const char *target, *address;
        int port, tpgt;
} DiscoveredPortal;

typedef struct HostInfo {
        int host_no;
        const char *transport, *ipaddress, *hwaddress, *netdev, *initiatorname;
        const char *state; /* the SCSI host's state ("running") */
} HostInfo;

/* How a session tree is drawn. */
typedef struct SessionTree {
        int level;                     /* -P 1..3 */
        unsigned flags;                /* RECORD_SHOW_SECRETS with -S */
        const char *transport_version; /* the kernel's scsi_transport_iscsi version (-P 3 header), or NULL */
} SessionTree;

typedef struct OutputOps {
        void (*node_list)(const NodeEntry *e, size_t n);
        void (*node_tree)(const NodeEntry *e, size_t n);
        void (*records)(Record *const *r, size_t n, unsigned flags);
        void (*discovered)(const DiscoveredPortal *p, size_t n);
        /* discovery records (st: SendTargets and iSNS, told apart by discovery_record_kind()) */
        void (*st_list)(Record *const *st, size_t n);
        /* discoverydb -P 1: SendTargets and iSNS records with their nodes, then static nodes */
        void (*discovery_tree)(Record *const *st, size_t n_st, const NodeEntry *nodes, size_t n_nodes);
        void (*iface_list)(Record *const *r, size_t n);
        /* iface -P 1: each iface with the targets and portals bound to it */
        void (*iface_tree)(Record *const *ifaces, size_t n, const NodeEntry *nodes, size_t n_nodes);
        void (*session_list)(struct sysfs_session *const *s, size_t n);
        void (*session_tree)(struct sysfs_session *const *s, size_t n, const SessionTree *t);
        void (*session_stats)(const struct sysfs_session *s, const struct iscsid_stat *stats, size_t n);
        void (*host_list)(const HostInfo *h, size_t n);
        /* host -P 1: each host's attributes; -P 2 and more: with its sessions */
        void (*host_tree)(const HostInfo *h, size_t n, struct sysfs_session *const *s, size_t n_s, const SessionTree *t);
        void (*flush)(void);
} OutputOps;

extern const OutputOps output_classic;
extern const OutputOps output_json;
extern const OutputOps *out;

/* What a discovery record is: its name in "-m discovery" lists and the node.discovery_type of
 * the node records it found. */
typedef struct DiscoveryKind {
        const char *name;      /* "sendtargets", "isns" */
        const char *node_type; /* "send_targets", "isns" */
} DiscoveryKind;
extern const DiscoveryKind discovery_kind_sendtargets, discovery_kind_isns;
const DiscoveryKind *discovery_record_kind(const Record *r);
/* Was node record node found through discovery record d? */
bool discovery_record_found(const Record *d, const Record *node);

/* "a.b.c.d:port,tpgt" / "[v6]:port,tpgt" (brackets around any address without a '.'). open-iscsi prints an unknown tpgt (-1) as
 * 4294967295 in lists and as -1 in -P trees; `tree` selects which. */
void format_portal(char *buf, size_t size, const char *address, int port, int tpgt, bool tree);
