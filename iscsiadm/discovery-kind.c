/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The two kinds of discovery record (SendTargets, iSNS) and which node records each found. */
#include "iscsi-proto/isns.h"
#include "iscsi-proto/sendtargets.h"
#include "output.h"

const DiscoveryKind discovery_kind_sendtargets = { "sendtargets", "send_targets" };
const DiscoveryKind discovery_kind_isns = { "isns", "isns" };

const DiscoveryKind *discovery_record_kind(const Record *r) {
        return r->schema == &node_record_schema_isns ? &discovery_kind_isns : &discovery_kind_sendtargets;
}

bool discovery_record_found(const Record *d, const Record *node) {
        const DiscoveryKind *kind = discovery_record_kind(d);
        int port = kind == &discovery_kind_isns ? (int) ISNS_DEFAULT_PORT : (int) ISCSI_DEFAULT_PORT, dp = 0;

        (void) node_record_get_int(d, ST_KEY_PORT, &port);
        (void) node_record_get_int(node, NODE_KEY_DISCOVERY_PORT, &dp);
        return streq_ptr(node_record_get(node, NODE_KEY_DISCOVERY_TYPE), kind->node_type) &&
               streq_ptr(node_record_get(node, NODE_KEY_DISCOVERY_ADDRESS), node_record_get(d, ST_KEY_ADDRESS)) &&
               dp == port;
}
