/* SPDX-License-Identifier: GPL-2.0-or-later */
/* open-iscsi 2.1's text formats. */
#include <stdio.h>
#include <string.h>

#include "iscsi-node/ipc.h"
#include "iscsi-util/macro.h"
#include "output.h"
#include "iscsi-proto/sendtargets.h" /* ISCSI_DEFAULT_PORT */

const OutputOps *out = &output_classic;

void format_portal(char *buf, size_t size, const char *address, int port, int tpgt, bool tree) {
        bool v6 = address && strchr(address, ':');
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

static void classic_node_tree(const NodeEntry *e, size_t n) {
        const char *last_target = NULL;
        char last_portal[320] = "";

        for (size_t i = 0; i < n; i++) {
                const char *t = node_record_get(e[i].rec, NODE_KEY_NAME);
                char portal[320];

                entry_portal(e[i].rec, portal, sizeof(portal), true);
                if (!last_target || !streq(last_target, t)) {
                        printf("Target: %s\n", t);
                        last_target = t;
                        last_portal[0] = 0;
                }
                if (!streq(last_portal, portal)) {
                        printf("\tPortal: %s\n", portal);
                        snprintf(last_portal, sizeof(last_portal), "%s", portal);
                }
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
        bool v6 = a && strchr(a, ':');
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

static void session_portal(const struct sysfs_session *s, bool persistent, char *buf, size_t size) {
        format_portal(buf, size, persistent ? s->persistent_address : s->address,
                      persistent ? s->persistent_port : s->port, s->tpgt, false);
}

static void classic_session_list(struct sysfs_session *const *s, size_t n) {
        for (size_t i = 0; i < n; i++) {
                char p[320];
                session_portal(s[i], false, p, sizeof(p));
                printf("%s: [%d] %s %s (non-flash)\n", s[i]->transport ?: "tcp", s[i]->sid, p,
                       s[i]->target_name ?: "");
        }
}

static const char *conn_state_text(const char *s) {
        /* the kernel says "up"; open-iscsi prints its own connection state names */
        if (!s || streq(s, "up"))
                return "LOGGED IN";
        if (streq(s, "down"))
                return "TRANSPORT WAIT";
        return s;
}

/* A sysfs attribute for the -P 2 blocks; "<empty>" when missing, like open-iscsi. */
static void print_attr(const struct sysfs_session *s, const char *kind, const char *attr, const char *label,
                       bool secret) {
        _cleanup_free_ char *v = NULL;
        const char *shown = "<empty>";

        if (node_sysfs_session_attr(s, kind, attr, &v) == 0 && v && *v)
                shown = secret ? "********" : v;
        printf("\t\t%s: %s\n", label, shown);
}

static void print_yes_no_attr(const struct sysfs_session *s, const char *attr, const char *label) {
        _cleanup_free_ char *v = NULL;
        const char *shown = "<empty>";

        if (node_sysfs_session_attr(s, "session", attr, &v) == 0 && v)
                shown = streq(v, "1") ? "Yes" : streq(v, "0") ? "No" : v;
        printf("\t\t%s: %s\n", label, shown);
}

static void print_session_details(const struct sysfs_session *s) {
        printf("\t\t*********\n\t\tTimeouts:\n\t\t*********\n");
        print_attr(s, "session", "recovery_tmo", "Recovery Timeout", false);
        print_attr(s, "session", "tgt_reset_tmo", "Target Reset Timeout", false);
        print_attr(s, "session", "lu_reset_tmo", "LUN Reset Timeout", false);
        print_attr(s, "session", "abort_tmo", "Abort Timeout", false);
        printf("\t\t*****\n\t\tCHAP:\n\t\t*****\n");
        print_attr(s, "session", "username", "username", false);
        print_attr(s, "session", "password", "password", true);
        print_attr(s, "session", "username_in", "username_in", false);
        print_attr(s, "session", "password_in", "password_in", true);
        printf("\t\t************************\n\t\tNegotiated iSCSI params:\n\t\t************************\n");
        print_attr(s, "connection", "header_digest", "HeaderDigest", false);
        print_attr(s, "connection", "data_digest", "DataDigest", false);
        print_attr(s, "connection", "max_recv_dlength", "MaxRecvDataSegmentLength", false);
        print_attr(s, "connection", "max_xmit_dlength", "MaxXmitDataSegmentLength", false);
        print_attr(s, "session", "first_burst_len", "FirstBurstLength", false);
        print_attr(s, "session", "max_burst_len", "MaxBurstLength", false);
        print_yes_no_attr(s, "immediate_data", "ImmediateData");
        print_yes_no_attr(s, "initial_r2t", "InitialR2T");
        print_attr(s, "session", "max_outstanding_r2t", "MaxOutstandingR2T", false);
}

static void classic_session_tree(struct sysfs_session *const *s, size_t n, int level) {
        const char *last = NULL;

        for (size_t i = 0; i < n; i++) {
                char cur[320], per[320];

                session_portal(s[i], false, cur, sizeof(cur));
                session_portal(s[i], true, per, sizeof(per));
                if (!last || !streq(last, s[i]->target_name)) {
                        printf("Target: %s (non-flash)\n", s[i]->target_name);
                        last = s[i]->target_name;
                }
                printf("\tCurrent Portal: %s\n", cur);
                printf("\tPersistent Portal: %s\n", per);
                printf("\t\t**********\n\t\tInterface:\n\t\t**********\n");
                printf("\t\tIface Name: %s\n", s[i]->iface_name ?: "default");
                printf("\t\tIface Transport: %s\n", s[i]->transport ?: "tcp");
                printf("\t\tIface Initiatorname: %s\n", or_empty(s[i]->initiator_name));
                printf("\t\tIface IPaddress: %s\n", or_empty(s[i]->local_address));
                printf("\t\tIface HWaddress: %s\n", s[i]->hwaddress ?: "default");
                printf("\t\tIface Netdev: %s\n", s[i]->netdev ?: "default");
                printf("\t\tSID: %d\n", s[i]->sid);
                printf("\t\tiSCSI Connection State: %s\n", conn_state_text(s[i]->conn_state));
                printf("\t\tiSCSI Session State: %s\n", s[i]->state ?: "UNKNOWN");
                printf("\t\tInternal iscsid Session State: NO CHANGE\n");
                if (level >= 2)
                        print_session_details(s[i]);
                if (level < 3)
                        continue;
                printf("\t\t************************\n\t\tAttached SCSI devices:\n\t\t************************\n");
                printf("\t\tHost Number: %d\tState: running\n", s[i]->host_no);
                for (size_t l = 0; l < s[i]->n_luns; l++) {
                        const struct sysfs_lun *u = &s[i]->luns[l];
                        printf("\t\tscsi%d Channel %02d Id %d Lun: %d\n", u->host, u->channel, u->id, u->lun);
                        if (u->disk)
                                printf("\t\t\tAttached scsi disk %s\t\tState: %s\n", u->disk, u->state ?: "running");
                }
        }
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

static void classic_session_stats(const struct sysfs_session *s, const struct iscsid_stat *st, size_t n) {
        bool extended = false;

        printf("Stats for session [sid: %d, target: %s, portal: %s,%d]\n", s->sid, s->target_name,
               s->persistent_address, s->persistent_port);
        printf("iSCSI SNMP:\n");
        for (size_t i = 0; i < n; i++)
                if (stat_is_standard(st[i].name))
                        printf("\t%s: %llu\n", st[i].name, (unsigned long long) st[i].value);
        for (size_t i = 0; i < n; i++)
                if (!stat_is_standard(st[i].name)) {
                        if (!extended)
                                printf("iSCSI Extended:\n");
                        extended = true;
                        printf("\t%s: %llu\n", st[i].name, (unsigned long long) st[i].value);
                }
}

static void classic_host_list(const HostInfo *h, size_t n) {
        for (size_t i = 0; i < n; i++)
                printf("%s: [%d] %s,[%s],%s %s\n", h[i].transport ?: "tcp", h[i].host_no, or_empty(h[i].ipaddress),
                       or_empty(h[i].hwaddress), or_empty(h[i].netdev), or_empty(h[i].initiatorname));
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
        .session_list = classic_session_list,
        .session_tree = classic_session_tree,
        .session_stats = classic_session_stats,
        .host_list = classic_host_list,
        .flush = classic_flush,
};
