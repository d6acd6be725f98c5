/* SPDX-License-Identifier: GPL-2.0-or-later */
/* open-iscsi 2.1's text formats. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "iscsi-node/ipc.h"
#include "iscsi-util/macro.h"
#include "output.h"
#include "iscsiadm.h"
#include "iscsi-proto/defaults.h"

const OutputOps *out = &output_classic;

/* open-iscsi brackets every address without a '.': IPv6, but also a host name such as
 * "localhost" (and not an IPv4-mapped IPv6 address). Scripts split on that, so we do too. */
static bool bracketed(const char *address) {
        return address && !strchr(address, '.');
}

void format_portal(char *buf, size_t size, const char *address, int port, int tpgt, bool tree) {
        bool v6 = bracketed(address);
        if (tree)
                snprintf(buf, size, "%s%s%s:%d,%d", v6 ? "[" : "", address ?: "", v6 ? "]" : "", port, tpgt);
        else
                snprintf(buf, size, "%s%s%s:%d,%u", v6 ? "[" : "", address ?: "", v6 ? "]" : "", port,
                         (unsigned) tpgt);
}

static void entry_portal(const Record *r, char *buf, size_t size, bool tree) {
        int port = ISCSI_DEFAULT_PORT, tpgt = -1;
        (void) node_record_get_int(r, NODE_KEY_CONN_PORT, &port);
        (void) node_record_get_int(r, NODE_KEY_TPGT, &tpgt);
        format_portal(buf, size, node_record_get(r, NODE_KEY_CONN_ADDRESS), port, tpgt, tree);
}

static void classic_node_list(const NodeEntry *e, size_t n) {
        for (size_t i = 0; i < n; i++) {
                char portal[320];
                entry_portal(e[i].rec, portal, sizeof(portal), false);
                printf("%s %s\n", portal, node_record_get(e[i].rec, NODE_KEY_NAME));
        }
}

/* Target once per run of records; Portal for every record, as open-iscsi prints them. */
static void classic_node_tree(const NodeEntry *e, size_t n) {
        const char *last_target = NULL;

        for (size_t i = 0; i < n; i++) {
                const char *t = node_record_get(e[i].rec, NODE_KEY_NAME);
                char portal[320];

                entry_portal(e[i].rec, portal, sizeof(portal), true);
                if (!last_target || !streq(last_target, t))
                        printf("Target: %s\n", t);
                last_target = t;
                printf("\tPortal: %s\n", portal);
                printf("\t\tIface Name: %s\n", node_record_get(e[i].rec, NODE_KEY_IFACE_NAME) ?: "default");
        }
}

static void classic_records(Record *const *r, size_t n, unsigned flags) {
        for (size_t i = 0; i < n; i++)
                (void) node_record_write(r[i], flags, stdout);
}

static void classic_discovered(const DiscoveredPortal *p, size_t n) {
        for (size_t i = 0; i < n; i++) {
                char portal[320];
                format_portal(portal, sizeof(portal), p[i].address, p[i].port, p[i].tpgt, false);
                printf("%s %s\n", portal, p[i].target);
        }
}

static void st_portal(const Record *st, char *buf, size_t size, char sep) {
        const char *a = node_record_get(st, ST_KEY_ADDRESS);
        int port = ISCSI_DEFAULT_PORT;
        bool v6 = bracketed(a);
        (void) node_record_get_int(st, ST_KEY_PORT, &port);
        if (sep == ':')
                snprintf(buf, size, "%s%s%s:%d", v6 ? "[" : "", a, v6 ? "]" : "", port);
        else
                snprintf(buf, size, "%s,%d", a, port);
}

static void classic_st_list(Record *const *st, size_t n) {
        for (size_t i = 0; i < n; i++) {
                char p[320];
                st_portal(st[i], p, sizeof(p), ':');
                printf("%s via %s\n", p, discovery_record_kind(st[i])->name);
        }
}

/* "SENDTARGETS:" / "iSNS:": each record of that kind with the nodes it found. */
static void discovery_section(const char *title, const DiscoveryKind *kind, Record *const *d, size_t n_d,
                              const NodeEntry *nodes, size_t n_nodes) {
        NodeEntry sub[n_nodes ?: 1];
        size_t shown = 0;

        printf("%s:\n", title);
        for (size_t i = 0; i < n_d; i++) {
                size_t k = 0;
                char p[320];

                if (discovery_record_kind(d[i]) != kind)
                        continue;
                shown++;
                st_portal(d[i], p, sizeof(p), ',');
                printf("DiscoveryAddress: %s\n", p);
                for (size_t j = 0; j < n_nodes; j++)
                        if (discovery_record_found(d[i], nodes[j].rec))
                                sub[k++] = nodes[j];
                classic_node_tree(sub, k);
        }
        if (shown == 0)
                printf("No targets found.\n");
}

static void classic_discovery_tree(Record *const *st, size_t n_st, const NodeEntry *nodes, size_t n_nodes) {
        NodeEntry sub[n_nodes ?: 1];
        size_t k = 0;

        discovery_section("SENDTARGETS", &discovery_kind_sendtargets, st, n_st, nodes, n_nodes);
        discovery_section("iSNS", &discovery_kind_isns, st, n_st, nodes, n_nodes);
        printf("STATIC:\n");
        for (size_t j = 0; j < n_nodes; j++)
                if (streq_ptr(node_record_get(nodes[j].rec, NODE_KEY_DISCOVERY_TYPE), "static"))
                        sub[k++] = nodes[j];
        if (k == 0)
                printf("No targets found.\n");
        classic_node_tree(sub, k);
        printf("FIRMWARE:\nNo targets found.\n");
}

static const char *or_empty(const char *s) {
        return s && *s ? s : "<empty>";
}

static void classic_iface_list(Record *const *r, size_t n) {
        for (size_t i = 0; i < n; i++)
                printf("%s %s,%s,%s,%s,%s\n", node_record_get(r[i], IFACE_KEY_IFACE_NAME),
                       or_empty(node_record_get(r[i], IFACE_KEY_IFACE_TRANSPORT_NAME)),
                       or_empty(node_record_get(r[i], IFACE_KEY_IFACE_HWADDRESS)),
                       or_empty(node_record_get(r[i], IFACE_KEY_IFACE_IPADDRESS)),
                       or_empty(node_record_get(r[i], IFACE_KEY_IFACE_NET_IFACENAME)),
                       or_empty(node_record_get(r[i], IFACE_KEY_IFACE_INITIATORNAME)));
}

static void classic_iface_tree(Record *const *ifaces, size_t n, const NodeEntry *nodes, size_t n_nodes) {
        for (size_t i = 0; i < n; i++) {
                const char *name = node_record_get(ifaces[i], IFACE_KEY_IFACE_NAME), *last_target = NULL;

                printf("Iface: %s\n", name);
                for (size_t j = 0; j < n_nodes; j++) {
                        const char *t = node_record_get(nodes[j].rec, NODE_KEY_NAME);
                        char portal[320];

                        if (!streq_ptr(node_record_get(nodes[j].rec, NODE_KEY_IFACE_NAME) ?: "default", name))
                                continue;
                        if (!last_target || !streq(last_target, t))
                                printf("\tTarget: %s\n", t);
                        last_target = t;
                        entry_portal(nodes[j].rec, portal, sizeof(portal), true);
                        printf("\t\tPortal: %s\n", portal);
                }
        }
}

/* The portal as open-iscsi prints it: the flat list and "Persistent Portal" show the portal
 * the record names; "Current Portal" the connected one, which the kernel cannot report while
 * the connection is down (then open-iscsi shows the persistent address and port 0). */
static void session_portal(const struct sysfs_session *s, bool persistent, bool tree, char *buf, size_t size) {
        if (persistent)
                format_portal(buf, size, s->persistent_address, s->persistent_port, s->tpgt, tree);
        else
                format_portal(buf, size, s->address && *s->address ? s->address : s->persistent_address,
                              s->port > 0 ? s->port : 0, s->tpgt, tree);
}

static void classic_session_list(struct sysfs_session *const *s, size_t n) {
        for (size_t i = 0; i < n; i++) {
                char p[320];
                session_portal(s[i], true, false, p, sizeof(p));
                printf("%s: [%d] %s %s (non-flash)\n", s[i]->transport ?: "tcp", s[i]->sid, p,
                       s[i]->target_name ?: "");
        }
}

/* The kernel's connection state ("up", "down", "failed", "bound") as open-iscsi names the
 * connection state and the internal (recovery) stage iscsid reports for it. */
static const struct {
        const char *kernel, *connection, *internal;
} conn_states[] = {
        { "up", "LOGGED IN", "NO CHANGE" },
        { "down", "TRANSPORT WAIT", "REOPEN" },
        { "failed", "TRANSPORT WAIT", "REOPEN" },
        { "bound", "IN LOGIN", "NO CHANGE" },
};

static void conn_state_names(const char *kernel, const char **ret_conn, const char **ret_internal) {
        for (size_t i = 0; i < ELEMENTSOF(conn_states); i++)
                if (streq_ptr(kernel ?: "up", conn_states[i].kernel)) {
                        *ret_conn = conn_states[i].connection;
                        *ret_internal = conn_states[i].internal;
                        return;
                }
        *ret_conn = *ret_internal = "Unknown";
}

/* How a -P 2 value is shown: as read, masked, "Yes"/"No" for 1/0, or the digest's name. */
typedef enum AttrStyle {
        ATTR_PLAIN,
        ATTR_SECRET,
        ATTR_YES_NO,
        ATTR_DIGEST,
} AttrStyle;

static const struct {
        const char *kind, *attr, *label; /* a banner row: kind NULL, attr its stars, label its title */
        AttrStyle style;
} detail_attrs[] = {
        { NULL, "*********", "Timeouts", ATTR_PLAIN },
        { "session", "recovery_tmo", "Recovery Timeout", ATTR_PLAIN },
        { "session", "tgt_reset_tmo", "Target Reset Timeout", ATTR_PLAIN },
        { "session", "lu_reset_tmo", "LUN Reset Timeout", ATTR_PLAIN },
        { "session", "abort_tmo", "Abort Timeout", ATTR_PLAIN },
        { NULL, "*****", "CHAP", ATTR_PLAIN },
        { "session", "username", "username", ATTR_PLAIN },
        { "session", "password", "password", ATTR_SECRET },
        { "session", "username_in", "username_in", ATTR_PLAIN },
        { "session", "password_in", "password_in", ATTR_SECRET },
        { NULL, "************************", "Negotiated iSCSI params", ATTR_PLAIN },
        { "connection", "header_digest", "HeaderDigest", ATTR_DIGEST },
        { "connection", "data_digest", "DataDigest", ATTR_DIGEST },
        { "connection", "max_recv_dlength", "MaxRecvDataSegmentLength", ATTR_PLAIN },
        { "connection", "max_xmit_dlength", "MaxXmitDataSegmentLength", ATTR_PLAIN },
        { "session", "first_burst_len", "FirstBurstLength", ATTR_PLAIN },
        { "session", "max_burst_len", "MaxBurstLength", ATTR_PLAIN },
        { "session", "immediate_data", "ImmediateData", ATTR_YES_NO },
        { "session", "initial_r2t", "InitialR2T", ATTR_YES_NO },
        { "session", "max_outstanding_r2t", "MaxOutstandingR2T", ATTR_PLAIN },
};

/* One -P 2 line. open-iscsi masks both passwords even when unset; shown with -S, it labels
 * password_in "password" (2.1.8 does). A negotiated value the kernel lacks is left out. */
static void print_detail(const struct sysfs_session *s, size_t i, unsigned flags, const char *ind) {
        _cleanup_free_ char *v = NULL;
        const char *label = detail_attrs[i].label, *shown;
        bool show = flags & RECORD_SHOW_SECRETS;
        int k = node_sysfs_session_attr(s, detail_attrs[i].kind, detail_attrs[i].attr, &v);

        if (k == -ENOENT && streq(detail_attrs[i].kind, "connection"))
                return;
        if (k == -ENOENT && detail_attrs[i].style != ATTR_PLAIN)
                return;
        shown = k == 0 && v && *v ? v : "<empty>";
        switch (detail_attrs[i].style) {
        case ATTR_SECRET:
                if (!show)
                        shown = "********";
                else if (streq(detail_attrs[i].attr, "password_in"))
                        label = "password";
                break;
        case ATTR_YES_NO:
                shown = streq(shown, "1") ? "Yes" : streq(shown, "0") ? "No" : shown;
                break;
        case ATTR_DIGEST:
                shown = streq(shown, "1") ? "CRC32C" : streq(shown, "0") ? "None" : shown;
                break;
        case ATTR_PLAIN:
                break;
        }
        printf("%s\t\t%s: %s\n", ind, label, shown);
}

static void print_session_details(const struct sysfs_session *s, unsigned flags, const char *ind) {
        for (size_t i = 0; i < ELEMENTSOF(detail_attrs); i++) {
                if (!detail_attrs[i].kind)
                        printf("%s\t\t%s\n%s\t\t%s:\n%s\t\t%s\n", ind, detail_attrs[i].attr, ind,
                               detail_attrs[i].label, ind, detail_attrs[i].attr);
                else
                        print_detail(s, i, flags, ind);
        }
}

static void print_session_devices(const struct sysfs_session *s, const char *ind) {
        printf("%s\t\t************************\n%s\t\tAttached SCSI devices:\n%s\t\t************************\n", ind,
               ind, ind);
        printf("%s\t\tHost Number: %d\tState: running\n", ind, s->host_no);
        for (size_t l = 0; l < s->n_luns; l++) {
                const struct sysfs_lun *u = &s->luns[l];
                printf("%s\t\tscsi%d Channel %02d Id %d Lun: %d\n", ind, u->host, u->channel, u->id, u->lun);
                if (u->disk)
                        printf("%s\t\t\tAttached scsi disk %s\t\tState: %s\n", ind, u->disk, u->state ?: "running");
        }
}

static void print_session_interface(const struct sysfs_session *s, const char *ind) {
        const char *conn, *internal;

        conn_state_names(s->conn_state, &conn, &internal);
        printf("%s\t\t**********\n%s\t\tInterface:\n%s\t\t**********\n", ind, ind, ind);
        printf("%s\t\tIface Name: %s\n", ind, s->iface_name ?: "default");
        printf("%s\t\tIface Transport: %s\n", ind, s->transport ?: "tcp");
        printf("%s\t\tIface Initiatorname: %s\n", ind, or_empty(s->initiator_name));
        printf("%s\t\tIface IPaddress: %s\n", ind, or_empty(s->local_address));
        printf("%s\t\tIface HWaddress: %s\n", ind, s->hwaddress ?: "default");
        printf("%s\t\tIface Netdev: %s\n", ind, s->netdev ?: "default");
        printf("%s\t\tSID: %d\n", ind, s->sid);
        printf("%s\t\tiSCSI Connection State: %s\n", ind, conn);
        printf("%s\t\tiSCSI Session State: %s\n", ind, s->state ?: "UNKNOWN");
        printf("%s\t\tInternal iscsid Session State: %s\n", ind, internal);
}

/* The -P 1..3 tree; `ind` prefixes every line (the host tree nests it one tab deeper). */
static void print_session_tree(struct sysfs_session *const *s, size_t n, int level, unsigned flags, const char *ind) {
        const char *last = NULL;

        for (size_t i = 0; i < n; i++) {
                char cur[320], per[320];

                session_portal(s[i], false, true, cur, sizeof(cur));
                session_portal(s[i], true, true, per, sizeof(per));
                if (!last || !streq(last, s[i]->target_name))
                        printf("%sTarget: %s (non-flash)\n", ind, s[i]->target_name);
                last = s[i]->target_name;
                printf("%s\tCurrent Portal: %s\n", ind, cur);
                printf("%s\tPersistent Portal: %s\n", ind, per);
                print_session_interface(s[i], ind);
                if (level >= 2)
                        print_session_details(s[i], flags, ind);
                if (level >= 3)
                        print_session_devices(s[i], ind);
        }
}

static void classic_session_tree(struct sysfs_session *const *s, size_t n, const SessionTree *t) {
        if (t->level >= 3 && t->transport_version)
                printf("iSCSI Transport Class version %s\nversion %s\n", t->transport_version, ISCSIADM_COMPAT_VERSION);
        print_session_tree(s, n, t->level, t->flags, "");
}

/* The kernel's standard iSCSI counters; anything else is transport-specific ("Extended"). */
static bool stat_is_standard(const char *name) {
        static const char *const std[] = {
                "txdata_octets", "rxdata_octets", "noptx_pdus", "scsicmd_pdus", "tmfcmd_pdus",
                "login_pdus", "text_pdus", "dataout_pdus", "logout_pdus", "snack_pdus", "noprx_pdus",
                "scsirsp_pdus", "tmfrsp_pdus", "textrsp_pdus", "datain_pdus", "logoutrsp_pdus",
                "r2t_pdus", "async_pdus", "rjt_pdus", "digest_err", "timeout_err",
        };
        for (size_t i = 0; i < ELEMENTSOF(std); i++)
                if (streq(std[i], name))
                        return true;
        return false;
}

static void classic_session_stats(const struct sysfs_session *s, const struct iscsid_stat *stats, size_t n) {
        bool extended = false;

        printf("Stats for session [sid: %d, target: %s, portal: %s,%d]\n", s->sid, s->target_name,
               s->persistent_address, s->persistent_port);
        printf("iSCSI SNMP:\n");
        for (size_t i = 0; i < n; i++)
                if (stat_is_standard(stats[i].name))
                        printf("\t%s: %llu\n", stats[i].name, (unsigned long long) stats[i].value);
        for (size_t i = 0; i < n; i++)
                if (!stat_is_standard(stats[i].name)) {
                        if (!extended)
                                printf("iSCSI Extended:\n");
                        extended = true;
                        printf("\t%s: %llu\n", stats[i].name, (unsigned long long) stats[i].value);
                }
}

static void classic_host_list(const HostInfo *h, size_t n) {
        for (size_t i = 0; i < n; i++)
                printf("%s: [%d] %s,[%s],%s %s\n", h[i].transport ?: "tcp", h[i].host_no, or_empty(h[i].ipaddress),
                       or_empty(h[i].hwaddress), or_empty(h[i].netdev), or_empty(h[i].initiatorname));
}

static void classic_host_tree(const HostInfo *h, size_t n, struct sysfs_session *const *s, size_t n_s,
                              const SessionTree *t) {
        for (size_t i = 0; i < n; i++) {
                struct sysfs_session *mine[n_s ?: 1];
                size_t k = 0;

                printf("Host Number: %d\n\tState: %s\n\tTransport: %s\n\tInitiatorname: %s\n", h[i].host_no,
                       h[i].state ?: "Unknown", h[i].transport ?: "tcp", or_empty(h[i].initiatorname));
                printf("\tIPaddress: %s\n\tHWaddress: %s\n\tNetdev: %s\n", or_empty(h[i].ipaddress),
                       or_empty(h[i].hwaddress), or_empty(h[i].netdev));
                if (t->level < 2)
                        continue;
                printf("\t*********\n\tSessions:\n\t*********\n");
                for (size_t j = 0; j < n_s; j++)
                        if (s[j]->host_no == h[i].host_no)
                                mine[k++] = s[j];
                /* the sessions one level less detailed, without the attached devices */
                print_session_tree(mine, k, MIN(t->level - 1, 2), t->flags, "\t");
        }
}

static void classic_flush(void) {
        fflush(stdout);
}

const OutputOps output_classic = {
        .node_list = classic_node_list,
        .node_tree = classic_node_tree,
        .records = classic_records,
        .discovered = classic_discovered,
        .st_list = classic_st_list,
        .discovery_tree = classic_discovery_tree,
        .iface_list = classic_iface_list,
        .iface_tree = classic_iface_tree,
        .session_list = classic_session_list,
        .session_tree = classic_session_tree,
        .session_stats = classic_session_stats,
        .host_list = classic_host_list,
        .host_tree = classic_host_tree,
        .flush = classic_flush,
};
