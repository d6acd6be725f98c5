/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * -m discovery -t isns / -m discoverydb -t isns: iSNS discovery records (isns/ in the DB) and
 * discovery through an iSNS server, as open-iscsi 2.1.8 does them: the node records found get
 * node.discovery_type = isns and the server's address and port.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discovery-isns.h"
#include "iscsi-node/initiatorname.h"
#include "iscsi-node/isns-client.h"
#include "iscsi-node/paths.h"
#include "output.h"

#define ISNS_NODE_TYPE "isns"

static int server_port(const Options *o) {
        return o->portal.port_given ? o->portal.port : (int) ISNS_DEFAULT_PORT;
}

/* The stored record for the server, else the defaults (open-iscsi 2.1.8 does not apply
 * iscsid.conf's discovery.isns.* to new records: iscsid reads them, see iscsid/isns-watch.c). */
static int isns_record(Context *c, bool *ret_exists, Record **ret) {
        const Options *o = c->o;
        Record *r = NULL;
        char buf[16];
        int k;

        k = node_db_read_isns(c->db, o->portal.address, server_port(o), &r);
        if (k == 0 || k != -ENOENT) {
                *ret_exists = k == 0;
                *ret = r;
                return k;
        }
        r = node_record_new(&node_record_schema_isns);
        if (!r)
                return -ENOMEM;
        snprintf(buf, sizeof(buf), "%d", server_port(o));
        (void) node_record_set_index(r, ISNS_KEY_ADDRESS, o->portal.address);
        (void) node_record_set_index(r, ISNS_KEY_PORT, buf);
        *ret_exists = false;
        *ret = r;
        return 0;
}

static int apply_updates(Context *c, Record *r) {
        for (size_t i = 0; i < c->o->n_nv; i++) {
                const char *n = c->o->nv[i].name, *v = c->o->nv[i].value;
                int idx = node_record_key_index(&node_record_schema_isns, n);

                if (idx >= 0 && (node_record_schema_isns.keys[idx].flags & KEY_IDENTITY)) {
                        log_error("Cannot modify %s. It is used to look up the record and cannot be changed.", n);
                        return ISCSI_ERR_INVAL;
                }
                if (idx < 0 || !v) {
                        log_error("Cannot modify %s. Invalid param name.", n);
                        return ISCSI_ERR_INVAL;
                }
                if (node_record_set_index(r, idx, v) < 0) {
                        log_error("unknown value format '%s' for parameter name '%s'", v, n);
                        return ISCSI_ERR_INVAL;
                }
        }
        return 0;
}

static bool in_list(const DiscoveredPortal *p, size_t n, const Record *r) {
        int port = 0, tpgt = -1;

        (void) node_record_get_int(r, NODE_KEY_CONN_PORT, &port);
        (void) node_record_get_int(r, NODE_KEY_TPGT, &tpgt);
        for (size_t i = 0; i < n; i++)
                if (streq_ptr(p[i].target, node_record_get(r, NODE_KEY_NAME)) &&
                    streq_ptr(p[i].address, node_record_get(r, NODE_KEY_CONN_ADDRESS)) && p[i].port == port &&
                    p[i].tpgt == tpgt)
                        return true;
        return false;
}

/* Delete the node records this server found before and that it does not list any more. */
static void delete_stale(Context *c, const Record *srv, const DiscoveredPortal *p, size_t n) {
        NodeFilter all = NODE_FILTER_ALL;
        NodeEntry *e = NULL;
        size_t ne = 0;

        (void) node_db_find_nodes(c->db, &all, &e, &ne);
        for (size_t i = 0; i < ne; i++)
                if (discovery_record_found(srv, e[i].rec) && !in_list(p, n, e[i].rec))
                        (void) node_db_delete_node(c->db, &e[i]);
        node_entries_free(e, ne);
}

static bool node_exists(Context *c, const DiscoveredPortal *p, const char *iface) {
        NodeFilter f = { .target = p->target, .address = p->address, .port = p->port, .tpgt = p->tpgt,
                         .iface = iface };
        NodeEntry *e = NULL;
        size_t ne = 0;

        (void) node_db_find_nodes(c->db, &f, &e, &ne);
        node_entries_free(e, ne);
        return ne > 0;
}

static int write_node(Context *c, const DiscoveredPortal *p, const char *iface, const char *address,
                      const char *port) {
        _cleanup_(node_record_freep) Record *rec = NULL;
        int k;

        k = node_from_conf(c, p->target, p->address, p->port, p->tpgt, iface, &rec);
        if (k >= 0) {
                (void) node_record_set_index(rec, NODE_KEY_DISCOVERY_ADDRESS, address);
                (void) node_record_set_index(rec, NODE_KEY_DISCOVERY_PORT, port);
                (void) node_record_set_index(rec, NODE_KEY_DISCOVERY_TYPE, ISNS_NODE_TYPE);
                k = node_db_write_node(c->db, rec);
        }
        if (k < 0)
                log_error("Could not add new record for %s: %s", p->target, strerror(-k));
        return k;
}

static int update_node_db(Context *c, const Record *srv, const DiscoveredPortal *p, size_t n, unsigned op) {
        const char *address = node_record_get(srv, ISNS_KEY_ADDRESS), *port_s = node_record_get(srv, ISNS_KEY_PORT);
        size_t n_if = c->o->n_ifaces ?: 1;
        int rc = 0;

        node_db_batch_begin(c->db);
        for (size_t f = 0; f < n_if; f++) {
                const char *iface = c->o->n_ifaces ? c->o->ifaces[f] : "default";
                for (size_t i = 0; i < n; i++) {
                        bool exists = node_exists(c, &p[i], iface);
                        if ((exists ? (op & OP_UPDATE) : (op & OP_NEW)) &&
                            write_node(c, &p[i], iface, address, port_s) < 0)
                                rc = ISCSI_ERR_IDBM;
                }
        }
        if (op & OP_DELETE)
                delete_stale(c, srv, p, n);
        if (node_db_batch_commit(c->db) < 0) {
                log_error("Could not write the discovered records");
                rc = rc ?: ISCSI_ERR_IDBM;
        }
        return rc;
}

static DiscoveredPortal *flatten(const struct iscsi_st_list *l, size_t *ret_n) {
        size_t n = 0, k = 0;
        DiscoveredPortal *v;

        for (size_t i = 0; i < l->n_targets; i++)
                n += l->targets[i].n_portals;
        v = calloc(n ?: 1, sizeof(*v));
        if (!v)
                return NULL;
        for (size_t i = 0; i < l->n_targets; i++)
                for (size_t j = 0; j < l->targets[i].n_portals; j++) {
                        const struct iscsi_portal *pt = &l->targets[i].portals[j];
                        v[k++] = (DiscoveredPortal) { l->targets[i].name, pt->host, pt->port, pt->tpgt };
                }
        *ret_n = k;
        return v;
}

/* Ask the server; prints why on failure and returns an exit code. */
static int query_server(const Record *srv, struct iscsi_st_list *ret) {
        _cleanup_free_ char *ipath = node_path_config("initiatorname.iscsi"), *iname = NULL;
        const char *address = node_record_get(srv, ISNS_KEY_ADDRESS);
        uint32_t status = 0;
        int port = ISNS_DEFAULT_PORT, k;

        if (!ipath)
                return ISCSI_ERR_NOMEM;
        k = node_initiatorname_read(ipath, &iname, NULL);
        if (k < 0) {
                log_error("Could not read the initiator name from %s (%s).", ipath, strerror(-k));
                log_error("Cannot perform discovery. Initiatorname required.");
                return ISCSI_ERR_INVAL;
        }
        (void) node_record_get_int(srv, ISNS_KEY_PORT, &port);
        k = node_isns_discover_targets(address, port, iname, ret, &status);
        if (k < 0) {
                /* open-iscsi 2.1.8 (libisns) reports any failure as a failed query, exit 25; a
                 * server that cannot be reached is libisns's "Internal error" */
                if (k != -ENOMSG)
                        log_error("cannot make connection to iSNS server %s:%d: %s", address, port, strerror(-k));
                log_error("iSNS discovery failed: %s",
                          k == -ENOMSG ? iscsi_isns_status_name(status) : "Internal error");
                log_error("Could not perform iSNS discovery: %s", node_exit_code_text(ISCSI_ERR_ISNS_QUERY));
                return ISCSI_ERR_ISNS_QUERY;
        }
        return 0;
}

static int login_found(Context *c, const DiscoveredPortal *p, size_t n) {
        NodeFilter f = NODE_FILTER_ALL;
        NodeEntry *e = NULL, *sel;
        size_t ne = 0, ns = 0;
        int rc;

        (void) node_db_find_nodes(c->db, &f, &e, &ne);
        sel = calloc(ne ?: 1, sizeof(*sel));
        for (size_t i = 0; sel && i < ne; i++)
                if (in_list(p, n, e[i].rec))
                        sel[ns++] = e[i];
        rc = !sel ? ISCSI_ERR_NOMEM : ns > 0 ? nodes_login(c, sel, ns) : ISCSI_ERR_NO_OBJS_FOUND;
        free(sel);
        node_entries_free(e, ne);
        return rc;
}

static int discover(Context *c, Record *srv, unsigned op) {
        _cleanup_st_list_ struct iscsi_st_list list = {};
        _cleanup_free_ DiscoveredPortal *flat = NULL;
        size_t n = 0;
        int rc = 0;

        rc = query_server(srv, &list);
        if (rc)
                return rc;
        flat = flatten(&list, &n);
        if (!flat)
                return ISCSI_ERR_NOMEM;
        op = op ?: OP_NEW | OP_DELETE | OP_UPDATE;
        /* open-iscsi 2.1.8 writes the node records only: the isns/ record is -o new's */
        if (!(op & OP_NONPERSISTENT)) {
                rc = ctx_lock(c);
                if (rc)
                        return rc;
                rc = update_node_db(c, srv, flat, n, op);
        }
        out->discovered(flat, n);
        if (rc == 0 && n > 0 && c->o->login)
                rc = login_found(c, flat, n);
        return n == 0 && rc == 0 ? ISCSI_ERR_NO_OBJS_FOUND : rc;
}

static int record_new(Context *c, const Record *r) {
        int k = ctx_lock(c);

        if (k)
                return k;
        k = node_db_write_isns(c->db, r);
        if (k < 0) {
                log_error("Could not add new discovery record: %s", strerror(-k));
                return ISCSI_ERR_IDBM;
        }
        printf("New discovery record for [%s,%d] added.\n", c->o->portal.address, server_port(c->o));
        return 0;
}

/* The record only: open-iscsi 2.1.8 keeps the node records an iSNS server found. */
static int record_delete(Context *c) {
        int k = ctx_lock(c);

        if (k)
                return k;
        k = node_db_delete_isns(c->db, c->o->portal.address, server_port(c->o));
        if (k < 0) {
                log_error("Could not delete discovery record: %s", strerror(-k));
                return ISCSI_ERR_IDBM;
        }
        return 0;
}

static int record_update(Context *c, Record *r) {
        int k;

        if (c->o->n_nv == 0) {
                log_error("update requires name and value");
                return ISCSI_ERR_INVAL;
        }
        k = apply_updates(c, r) ?: ctx_lock(c);
        if (k)
                return k;
        k = node_db_write_isns(c->db, r);
        if (k < 0) {
                log_error("Could not update discovery record: %s", strerror(-k));
                return ISCSI_ERR_IDBM;
        }
        return 0;
}

int mode_discovery_isns(Context *c, bool db_mode) {
        const Options *o = c->o;
        _cleanup_(node_record_freep) Record *r = NULL;
        bool exists = false;
        int k;

        if (!o->has_portal) {
                log_error("Please specify portal as <ipaddr>[:<ipport>]");
                return ISCSI_ERR_INVAL;
        }
        k = isns_record(c, &exists, &r);
        if (k < 0) {
                log_error("Could not read discovery record: %s", strerror(-k));
                return ISCSI_ERR_IDBM;
        }
        if (!db_mode)
                return discover(c, r, o->op);
        if (o->discover)
                return apply_updates(c, r) ?: discover(c, r, o->op & ~OP_SHOW);
        if (o->op & OP_NEW)
                return record_new(c, r);
        if (!exists) {
                log_error("Discovery record [%s,%d] not found.", o->portal.address, server_port(o));
                return ISCSI_ERR_IDBM;
        }
        if (o->op & OP_DELETE)
                return record_delete(c);
        if (o->op & OP_UPDATE)
                return record_update(c, r);
        out->records(&r, 1, o->show_secrets ? RECORD_SHOW_SECRETS : 0);
        return 0;
}
