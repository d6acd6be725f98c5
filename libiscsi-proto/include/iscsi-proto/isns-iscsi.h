/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The iSNS messages an iSCSI initiator and target exchange with a server (RFC 4171 §5.6.5),
 * built and interpreted on top of isns.h's codec:
 *   initiator discovery: DevAttrReg of the initiator node, DevAttrQry for target nodes and
 *     their portal groups, DevDereg; SCNReg, and the SCN the server sends back;
 *   target: DevAttrReg of an entity with its portals, target nodes and portal groups
 *     (refreshed before the registration period ends), DevDereg at shutdown; ESI replies.
 * Pure code: builds and reads messages; never connects to anything.
 */
#pragma once

#include <stdint.h>

#include "iscsi-proto/isns.h"
#include "iscsi-proto/sendtargets.h"

/* DevAttrReg of one initiator node (its own entity is assigned by the server). */
int iscsi_isns_build_initiator_reg(uint16_t xid, const char *initiator, struct iscsi_isns_msg *ret);

/*
 * DevAttrReg of an initiator that wants State Change Notifications: its node and one portal
 * (address, and scn_port as both its port and its SCN port: the server connects there to
 * deliver SCNs, RFC 4171 §5.6.5.8), in an entity named after the initiator (open-isns wants
 * an entity key before the other operating attributes).
 */
int iscsi_isns_build_initiator_scn_reg(uint16_t xid, const char *initiator, const char *address, uint16_t scn_port,
                                       struct iscsi_isns_msg *ret);

/* DevDereg of the node named name (the source). */
int iscsi_isns_build_node_dereg(uint16_t xid, const char *name, struct iscsi_isns_msg *ret);

/* DevAttrQry for every target node visible to source, with their portal groups. */
int iscsi_isns_build_target_query(uint16_t xid, const char *source, struct iscsi_isns_msg *ret);

/*
 * The targets of a DevAttrQry response (status must be success; -ENOMSG otherwise with the
 * status left to the caller): each target node with the portals of its portal groups (address,
 * port, PGT). Portal groups without a PGT (RFC 4171: no access through that portal) and UDP
 * portals are left out, as are nodes that are not targets. *ret zeroed by the caller; untouched
 * on failure. -EBADMSG for a malformed attribute.
 */
int iscsi_isns_query_targets(const struct iscsi_isns_msg *rsp, struct iscsi_st_list *ret);

/* SCNReg for node name with the given ISNS_SCN_* bitmap. */
int iscsi_isns_build_scn_reg(uint16_t xid, const char *name, uint32_t bitmap, struct iscsi_isns_msg *ret);

/*
 * Read an SCN (function ISNS_SCN): the destination node name, the bitmap of the first event
 * and the iSCSI name the event is about (NULL if it is not about a node, e.g. a portal).
 * Strings point into msg. -EBADMSG if the destination or bitmap is missing or malformed.
 */
struct iscsi_isns_scn {
        const char *destination;
        uint32_t bitmap;
        const char *node;
};
int iscsi_isns_parse_scn(const struct iscsi_isns_msg *msg, struct iscsi_isns_scn *ret);

/* The response to a server message (SCN, ESI): same xid, status success, the attributes the
 * RFC says to echo (SCN: the destination; ESI: all of them). */
int iscsi_isns_build_reply(const struct iscsi_isns_msg *req, struct iscsi_isns_msg *ret);

/* What a target registers: an entity with portals, target nodes, and portal groups. */
struct iscsi_isns_pg {
        const char *target;   /* iSCSI name of one of the nodes */
        const char *address;  /* numeric IPv4/IPv6 */
        uint16_t port;
        uint32_t tag;         /* the target portal group tag */
};

struct iscsi_isns_entity {
        const char *entity_id;
        uint32_t period;                 /* registration period in seconds, 0 = server's */
        const char *const *targets;      /* node names */
        size_t n_targets;
        const struct iscsi_isns_pg *pgs; /* each distinct (address, port) is registered as a portal */
        size_t n_pgs;
};

/*
 * DevAttrReg of the whole entity, with the REPLACE flag so a refresh drops what is gone.
 * The source is the first target. -EINVAL without targets or with an unparsable address.
 */
int iscsi_isns_build_entity_reg(uint16_t xid, const struct iscsi_isns_entity *e, struct iscsi_isns_msg *ret);
/* DevDereg of the entity, source the first target. */
int iscsi_isns_build_entity_dereg(uint16_t xid, const struct iscsi_isns_entity *e, struct iscsi_isns_msg *ret);

/* The registration period granted in a DevAttrReg response, or -ENOENT. */
int iscsi_isns_granted_period(const struct iscsi_isns_msg *rsp, uint32_t *ret);
