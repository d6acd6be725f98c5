/* SPDX-License-Identifier: GPL-2.0-or-later */
/* JSON renderer: one document per run, {"version": 1, "<kind>": [...]}, printed by flush. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "iscsi-node/ipc.h"
#include "output.h"
#include "iscsi-proto/defaults.h"

static struct json_object *doc;

static struct json_object *array_for(const char *kind) {
        struct json_object *a;

        if (!doc) {
                doc = json_object_new_object();
                json_object_object_add(doc, "version", json_object_new_int(OUTPUT_JSON_VERSION));
        }
        if (json_object_object_get_ex(doc, kind, &a))
                return a;
        a = json_object_new_array();
        json_object_object_add(doc, kind, a);
        return a;
}

static struct json_object *jstr(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

static struct json_object *node_summary(const Record *r) {
        struct json_object *o = json_object_new_object();
        int port = ISCSI_DEFAULT_PORT, tpgt = -1;

        (void) node_record_get_int(r, NODE_KEY_CONN_PORT, &port);
        (void) node_record_get_int(r, NODE_KEY_TPGT, &tpgt);
        json_object_object_add(o, "target", jstr(node_record_get(r, NODE_KEY_NAME)));
        json_object_object_add(o, "address", jstr(node_record_get(r, NODE_KEY_CONN_ADDRESS)));
        json_object_object_add(o, "port", json_object_new_int(port));
        json_object_object_add(o, "tpgt", json_object_new_int(tpgt));
        json_object_object_add(o, "iface", jstr(node_record_get(r, NODE_KEY_IFACE_NAME) ?: "default"));
        return o;
}

static void json_node_list(const NodeEntry *e, size_t n) {
        struct json_object *a = array_for("nodes");
        for (size_t i = 0; i < n; i++)
                json_object_array_add(a, node_summary(e[i].rec));
}

static void json_records(Record *const *r, size_t n, unsigned flags) {
        for (size_t i = 0; i < n; i++) {
                struct json_object *o = NULL;
                if (node_record_to_json(r[i], flags, &o) < 0)
                        continue;
                json_object_array_add(array_for(r[i]->schema == &node_record_schema_node    ? "node_records"
                                                 : r[i]->schema == &node_record_schema_iface ? "iface_records"
                                                                                        : "discovery_records"),
                                      o);
        }
}

static void json_discovered(const DiscoveredPortal *p, size_t n) {
        struct json_object *a = array_for("discovered");
        for (size_t i = 0; i < n; i++) {
                struct json_object *o = json_object_new_object();
                json_object_object_add(o, "target", jstr(p[i].target));
                json_object_object_add(o, "address", jstr(p[i].address));
                json_object_object_add(o, "port", json_object_new_int(p[i].port));
                json_object_object_add(o, "tpgt", json_object_new_int(p[i].tpgt));
                json_object_array_add(a, o);
        }
}

static struct json_object *st_summary(const Record *st) {
        struct json_object *o = json_object_new_object();
        int port = ISCSI_DEFAULT_PORT;
        (void) node_record_get_int(st, ST_KEY_PORT, &port);
        json_object_object_add(o, "address", jstr(node_record_get(st, ST_KEY_ADDRESS)));
        json_object_object_add(o, "port", json_object_new_int(port));
        json_object_object_add(o, "type", jstr(node_record_get(st, ST_KEY_TYPE)));
        return o;
}

static void json_st_list(Record *const *st, size_t n) {
        struct json_object *a = array_for("discovery");
        for (size_t i = 0; i < n; i++)
                json_object_array_add(a, st_summary(st[i]));
}

static void json_discovery_tree(Record *const *st, size_t n_st, const NodeEntry *nodes, size_t n_nodes) {
        struct json_object *a = array_for("discovery");
        for (size_t i = 0; i < n_st; i++) {
                struct json_object *o = st_summary(st[i]), *na = json_object_new_array();
                for (size_t j = 0; j < n_nodes; j++)
                        if (discovery_record_found(st[i], nodes[j].rec))
                                json_object_array_add(na, node_summary(nodes[j].rec));
                json_object_object_add(o, "nodes", na);
                json_object_array_add(a, o);
        }
        a = array_for("static");
        for (size_t j = 0; j < n_nodes; j++)
                if (streq_ptr(node_record_get(nodes[j].rec, NODE_KEY_DISCOVERY_TYPE), "static"))
                        json_object_array_add(a, node_summary(nodes[j].rec));
}

static void json_iface_list(Record *const *r, size_t n) {
        struct json_object *a = array_for("ifaces");
        for (size_t i = 0; i < n; i++) {
                struct json_object *o = json_object_new_object();
                json_object_object_add(o, "name", jstr(node_record_get(r[i], IFACE_KEY_IFACE_NAME)));
                json_object_object_add(o, "transport", jstr(node_record_get(r[i], IFACE_KEY_IFACE_TRANSPORT_NAME)));
                json_object_object_add(o, "hwaddress", jstr(node_record_get(r[i], IFACE_KEY_IFACE_HWADDRESS)));
                json_object_object_add(o, "ipaddress", jstr(node_record_get(r[i], IFACE_KEY_IFACE_IPADDRESS)));
                json_object_object_add(o, "net_ifacename", jstr(node_record_get(r[i], IFACE_KEY_IFACE_NET_IFACENAME)));
                json_object_object_add(o, "initiatorname", jstr(node_record_get(r[i], IFACE_KEY_IFACE_INITIATORNAME)));
                json_object_array_add(a, o);
        }
}

static void json_iface_tree(Record *const *ifaces, size_t n, const NodeEntry *nodes, size_t n_nodes) {
        struct json_object *a = array_for("iface_tree");
        for (size_t i = 0; i < n; i++) {
                const char *name = node_record_get(ifaces[i], IFACE_KEY_IFACE_NAME);
                struct json_object *o = json_object_new_object(), *bound = json_object_new_array();

                json_object_object_add(o, "name", jstr(name));
                for (size_t j = 0; j < n_nodes; j++)
                        if (streq_ptr(node_record_get(nodes[j].rec, NODE_KEY_IFACE_NAME) ?: "default", name))
                                json_object_array_add(bound, node_summary(nodes[j].rec));
                json_object_object_add(o, "nodes", bound);
                json_object_array_add(a, o);
        }
}

static struct json_object *session_obj(const struct sysfs_session *s, int level) {
        struct json_object *o = json_object_new_object();

        json_object_object_add(o, "sid", json_object_new_int(s->sid));
        json_object_object_add(o, "transport", jstr(s->transport ?: "tcp"));
        json_object_object_add(o, "target", jstr(s->target_name));
        json_object_object_add(o, "address", jstr(s->address));
        json_object_object_add(o, "port", json_object_new_int(s->port));
        json_object_object_add(o, "tpgt", json_object_new_int(s->tpgt));
        json_object_object_add(o, "persistent_address", jstr(s->persistent_address));
        json_object_object_add(o, "persistent_port", json_object_new_int(s->persistent_port));
        json_object_object_add(o, "iface", jstr(s->iface_name ?: "default"));
        json_object_object_add(o, "initiator_name", jstr(s->initiator_name));
        json_object_object_add(o, "state", jstr(s->state));
        json_object_object_add(o, "connection_state", jstr(s->conn_state));
        json_object_object_add(o, "host", json_object_new_int(s->host_no));
        if (level >= 3) {
                struct json_object *la = json_object_new_array();
                for (size_t l = 0; l < s->n_luns; l++) {
                        struct json_object *lo = json_object_new_object();
                        json_object_object_add(lo, "lun", json_object_new_int(s->luns[l].lun));
                        json_object_object_add(lo, "disk", jstr(s->luns[l].disk));
                        json_object_object_add(lo, "state", jstr(s->luns[l].state));
                        json_object_array_add(la, lo);
                }
                json_object_object_add(o, "luns", la);
        }
        return o;
}

static void json_session_list(struct sysfs_session *const *s, size_t n) {
        struct json_object *a = array_for("sessions");
        for (size_t i = 0; i < n; i++)
                json_object_array_add(a, session_obj(s[i], 0));
}

static void json_session_tree(struct sysfs_session *const *s, size_t n, const SessionTree *t) {
        struct json_object *a = array_for("sessions");
        for (size_t i = 0; i < n; i++)
                json_object_array_add(a, session_obj(s[i], t->level));
}

static void json_session_stats(const struct sysfs_session *s, const struct iscsid_stat *stats, size_t n) {
        struct json_object *o = json_object_new_object(), *so = json_object_new_object();
        json_object_object_add(o, "sid", json_object_new_int(s->sid));
        for (size_t i = 0; i < n; i++)
                json_object_object_add(so, stats[i].name, json_object_new_uint64(stats[i].value));
        json_object_object_add(o, "stats", so);
        json_object_array_add(array_for("stats"), o);
}

static void json_host_list(const HostInfo *h, size_t n) {
        struct json_object *a = array_for("hosts");
        for (size_t i = 0; i < n; i++) {
                struct json_object *o = json_object_new_object();
                json_object_object_add(o, "host", json_object_new_int(h[i].host_no));
                json_object_object_add(o, "transport", jstr(h[i].transport ?: "tcp"));
                json_object_object_add(o, "ipaddress", jstr(h[i].ipaddress));
                json_object_object_add(o, "hwaddress", jstr(h[i].hwaddress));
                json_object_object_add(o, "netdev", jstr(h[i].netdev));
                json_object_object_add(o, "initiatorname", jstr(h[i].initiatorname));
                json_object_array_add(a, o);
        }
}

static void json_host_tree(const HostInfo *h, size_t n, struct sysfs_session *const *s, size_t n_s,
                           const SessionTree *t) {
        json_host_list(h, n);
        if (t->level >= 2)
                json_session_tree(s, n_s, t);
}

static void json_flush(void) {
        if (!doc)
                return;
        puts(json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
        json_object_put(doc);
        doc = NULL;
        fflush(stdout);
}

const OutputOps output_json = {
        .node_list = json_node_list,
        .node_tree = json_node_list,
        .records = json_records,
        .discovered = json_discovered,
        .st_list = json_st_list,
        .discovery_tree = json_discovery_tree,
        .iface_list = json_iface_list,
        .iface_tree = json_iface_tree,
        .session_list = json_session_list,
        .session_tree = json_session_tree,
        .session_stats = json_session_stats,
        .host_list = json_host_list,
        .host_tree = json_host_tree,
        .flush = json_flush,
};
