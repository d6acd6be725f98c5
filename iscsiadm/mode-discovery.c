/* SPDX-License-Identifier: GPL-2.0-or-later */
/* -m discovery / -m discoverydb: SendTargets records and discovery done by iscsiadm itself. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "discovery-isns.h"
#include "iscsi-node/discovery.h"
#include "iscsi-node/initiatorname.h"
#include "iscsiadm.h"
#include "output.h"
#include "iscsi-node/paths.h"
#include "mode-session.h"
#include "iscsi-proto/defaults.h"

static int check_type(const char *t) {
        if (!t || streq(t, "sendtargets") || streq(t, "st"))
                return 0;
        if (streq(t, "slp")) {
                log_error("%s discovery is not supported", t);
                return ISCSI_ERR_OP_NOT_SUPP;
        }
        log_error("Unsupported discovery type '%s'.", t);
        return ISCSI_ERR_UNKNOWN_DISCOVERY_TYPE;
}

/* Every discovery record: SendTargets first, then iSNS, as open-iscsi lists them. */
static int list_discovery_records(Context *c, Record ***ret, size_t *ret_n) {
        Record **st = NULL, **isns = NULL, **v;
        size_t n_st = 0, n_isns = 0;
        int k;

        k = node_db_list_st(c->db, &st, &n_st);
        if (k >= 0)
                k = node_db_list_isns(c->db, &isns, &n_isns);
        v = k < 0 ? NULL : realloc(st, (n_st + n_isns + 1) * sizeof(Record *));
        if (!v) {
                node_records_free(st, n_st);
                node_records_free(isns, n_isns);
                return k < 0 ? k : -ENOMEM;
        }
        if (n_isns > 0) /* isns is NULL when there are none: memcpy must not see it */
                memcpy(v + n_st, isns, n_isns * sizeof(Record *));
        free(isns);
        *ret = v;
        *ret_n = n_st + n_isns;
        return 0;
}

static int list_records(Context *c) {
        Record **st = NULL;
        size_t n = 0;
        int k = list_discovery_records(c, &st, &n);
        size_t found = n;

        if (k < 0) {
                log_error("Could not read discovery records: %s", strerror(-k));
                return ISCSI_ERR_IDBM;
        }
        if (c->o->print_level >= 1) {
                NodeEntry *e = NULL;
                size_t ne = 0;
                NodeFilter f = NODE_FILTER_ALL;
                (void) node_db_find_nodes(c->db, &f, &e, &ne);
                out->discovery_tree(st, n, e, ne);
                node_entries_free(e, ne);
                /* open-iscsi draws the (empty) tree and then reports that nothing was found */
                found += ne;
        } else if (n > 0)
                out->st_list(st, n);
        node_records_free(st, n);
        return found == 0 ? ISCSI_ERR_NO_OBJS_FOUND : 0;
}

/* The st record for the portal: stored one, else iscsid.conf's defaults. */
static int st_record(Context *c, bool *ret_exists, Record **ret) {
        Portal *p = &c->o->portal;
        Record *r = NULL;
        char buf[16];
        int k;

        k = node_db_read_st(c->db, p->address, p->port, &r);
        if (k == 0) {
                *ret_exists = true;
                *ret = r;
                return 0;
        }
        if (k != -ENOENT)
                return k;
        if (!ctx_conf(c))
                return -ENOMEM;
        r = node_record_copy(ctx_conf(c)->st);
        if (!r)
                return -ENOMEM;
        snprintf(buf, sizeof(buf), "%d", p->port);
        (void) node_record_set_index(r, ST_KEY_ADDRESS, p->address);
        (void) node_record_set_index(r, ST_KEY_PORT, buf);
        *ret_exists = false;
        *ret = r;
        return 0;
}

static int apply_st_updates(Context *c, Record *st) {
        for (size_t i = 0; i < c->o->n_nv; i++) {
                const char *n = c->o->nv[i].name, *v = c->o->nv[i].value;
                int idx = node_record_key_index(&node_record_schema_st, n);
                if (idx < 0 || (node_record_schema_st.keys[idx].flags & KEY_IDENTITY) || !v) {
                        log_error("Cannot modify %s. Invalid param name.", n);
                        return ISCSI_ERR_INVAL;
                }
                if (node_record_set_index(st, idx, v) < 0) {
                        log_error("unknown value format '%s' for parameter name '%s'", v, n);
                        return ISCSI_ERR_INVAL;
                }
        }
        return 0;
}

static bool found_in(const struct iscsi_st_list *l, const Record *r, const char *st_address, int st_port) {
        int port = 0, tpgt = -1;
        (void) node_record_get_int(r, NODE_KEY_CONN_PORT, &port);
        (void) node_record_get_int(r, NODE_KEY_TPGT, &tpgt);
        for (size_t i = 0; i < l->n_targets; i++) {
                const struct iscsi_st_target *t = &l->targets[i];
                if (!streq_ptr(t->name, node_record_get(r, NODE_KEY_NAME)))
                        continue;
                if (t->n_portals == 0 && streq_ptr(st_address, node_record_get(r, NODE_KEY_CONN_ADDRESS)) &&
                    port == st_port)
                        return true;
                for (size_t j = 0; j < t->n_portals; j++)
                        if (streq_ptr(t->portals[j].host, node_record_get(r, NODE_KEY_CONN_ADDRESS)) &&
                            t->portals[j].port == port && t->portals[j].tpgt == tpgt)
                                return true;
        }
        return false;
}

/* Flatten the SendTargets answer into one portal per line, as open-iscsi prints them. */
static DiscoveredPortal *flatten(const struct iscsi_st_list *l, const char *st_address, int st_port, size_t *ret_n) {
        size_t n = 0, k = 0;
        DiscoveredPortal *v;

        for (size_t i = 0; i < l->n_targets; i++)
                n += l->targets[i].n_portals ?: 1;
        v = calloc(n ?: 1, sizeof(*v));
        if (!v)
                return NULL;
        for (size_t i = 0; i < l->n_targets; i++) {
                const struct iscsi_st_target *t = &l->targets[i];
                if (t->n_portals == 0)
                        v[k++] = (DiscoveredPortal) { t->name, st_address, st_port, -1 };
                for (size_t j = 0; j < t->n_portals; j++)
                        v[k++] = (DiscoveredPortal) { t->name, t->portals[j].host, t->portals[j].port,
                                                      t->portals[j].tpgt };
        }
        *ret_n = k;
        return v;
}

/* -P 1: the discovered portals as a Target/Portal/Iface tree, like -m node -P 1. */
static void discovered_tree(Context *c, const DiscoveredPortal *p, size_t n) {
        size_t n_if = c->o->n_ifaces ?: 1, k = 0;
        NodeEntry *e = calloc(n * n_if + 1, sizeof(*e));

        if (!e)
                return;
        for (size_t i = 0; i < n; i++)
                for (size_t f = 0; f < n_if; f++) {
                        Record *r = NULL;
                        if (node_from_conf(c, p[i].target, p[i].address, p[i].port, p[i].tpgt,
                                           c->o->n_ifaces ? c->o->ifaces[f] : "default", &r) < 0)
                                continue;
                        e[k++].rec = r;
                }
        out->node_tree(e, k);
        node_entries_free(e, k);
}

static bool iface_in_use(const Options *o, const char *iface) {
        if (o->n_ifaces == 0)
                return streq(iface, "default");
        for (size_t i = 0; i < o->n_ifaces; i++)
                if (streq(o->ifaces[i], iface))
                        return true;
        return false;
}

/* Records this portal found before that this discovery did not return, as open-iscsi sees
 * them: a record of an iface this discovery did not use was not returned either. */
static void delete_stale_records(Context *c, const char *st_addr, int st_port, const struct iscsi_st_list *list) {
        NodeFilter all = NODE_FILTER_ALL;
        NodeEntry *e = NULL;
        size_t ne = 0;

        (void) node_db_find_nodes(c->db, &all, &e, &ne);
        for (size_t i = 0; i < ne; i++) {
                int dp = 0;
                (void) node_record_get_int(e[i].rec, NODE_KEY_DISCOVERY_PORT, &dp);
                if (!streq_ptr(node_record_get(e[i].rec, NODE_KEY_DISCOVERY_TYPE), "send_targets") ||
                    !streq_ptr(node_record_get(e[i].rec, NODE_KEY_DISCOVERY_ADDRESS), st_addr) || dp != st_port)
                        continue;
                if (found_in(list, e[i].rec, st_addr, st_port) &&
                    iface_in_use(c->o, node_record_get(e[i].rec, NODE_KEY_IFACE_NAME) ?: "default"))
                        continue;
                (void) node_db_delete_node(c->db, &e[i]);
        }
        node_entries_free(e, ne);
}

static int update_node_db(Context *c, const Record *st, const DiscoveredPortal *p, size_t n, unsigned op,
                          const struct iscsi_st_list *list) {
        const char *st_addr = node_record_get(st, ST_KEY_ADDRESS);
        size_t n_if = c->o->n_ifaces ?: 1;
        int st_port = ISCSI_DEFAULT_PORT, rc = 0;
        char pbuf[16];

        (void) node_record_get_int(st, ST_KEY_PORT, &st_port);
        snprintf(pbuf, sizeof(pbuf), "%d", st_port);
        node_db_batch_begin(c->db);
        for (size_t f = 0; f < n_if; f++) {
                const char *iface = c->o->n_ifaces ? c->o->ifaces[f] : "default";

                for (size_t i = 0; i < n; i++) {
                        _cleanup_(node_record_freep) Record *rec = NULL;
                        NodeFilter nf = { .target = p[i].target, .address = p[i].address, .port = p[i].port,
                                          .tpgt = p[i].tpgt, .iface = iface };
                        NodeEntry *e = NULL;
                        size_t ne = 0;
                        bool exists;
                        int k;

                        (void) node_db_find_nodes(c->db, &nf, &e, &ne);
                        exists = ne > 0;
                        node_entries_free(e, ne);
                        if (exists ? !(op & OP_UPDATE) : !(op & OP_NEW))
                                continue;
                        k = node_from_conf(c, p[i].target, p[i].address, p[i].port, p[i].tpgt, iface, &rec);
                        if (k < 0) {
                                log_error("Could not add new record for %s: %s", p[i].target, strerror(-k));
                                rc = rc ?: ISCSI_ERR_IDBM;
                                continue;
                        }
                        (void) node_record_set_index(rec, NODE_KEY_DISCOVERY_ADDRESS, st_addr);
                        (void) node_record_set_index(rec, NODE_KEY_DISCOVERY_PORT, pbuf);
                        (void) node_record_set_index(rec, NODE_KEY_DISCOVERY_TYPE, "send_targets");
                        k = node_db_write_node(c->db, rec);
                        if (k == 0 && p[i].tpgt != -1)
                                k = node_db_link_node(c->db, rec, st_addr, st_port);
                        if (k < 0) {
                                log_error("Could not write record for %s: %s", p[i].target, strerror(-k));
                                rc = rc ?: ISCSI_ERR_IDBM;
                        }
                }
        }
        if (op & OP_DELETE)
                delete_stale_records(c, st_addr, st_port, list);
        int k = node_db_batch_commit(c->db);
        if (k < 0) {
                log_error("Could not write the discovered records: %s", strerror(-k));
                rc = rc ?: ISCSI_ERR_IDBM;
        }
        return rc;
}

/* -l after discovery: log in to the records this discovery returned. */
static int login_discovered(Context *c, const struct iscsi_st_list *list, const char *st_address, int st_port) {
        NodeEntry *e = NULL, *sel = NULL;
        size_t ne = 0, ns = 0;
        NodeFilter f = NODE_FILTER_ALL;
        int rc;

        (void) node_db_find_nodes(c->db, &f, &e, &ne);
        sel = calloc(ne ?: 1, sizeof(*sel));
        for (size_t i = 0; sel && i < ne; i++)
                if (found_in(list, e[i].rec, st_address, st_port))
                        sel[ns++] = e[i];
        rc = !sel ? ISCSI_ERR_NOMEM : ns > 0 ? nodes_login(c, sel, ns) : ISCSI_ERR_NO_OBJS_FOUND;
        free(sel);
        node_entries_free(e, ne);
        return rc;
}

static int do_discovery(Context *c, Record *st, unsigned op) {
        _cleanup_free_ char *ipath = node_path_config("initiatorname.iscsi"), *iname = NULL;
        _cleanup_free_ DiscoveredPortal *flat = NULL;
        struct iscsi_st_list list = { 0 };
        struct discovery_config cfg = { 0 };
        struct discovery_status status;
        size_t n = 0;
        int k, rc = 0;

        if (!ipath)
                return ISCSI_ERR_NOMEM;
        k = node_initiatorname_read(ipath, &iname, NULL);
        if (k < 0) {
                log_error("Could not read the initiator name from %s (%s).", ipath, strerror(-k));
                log_error("Create it with: echo \"InitiatorName=$(iscsi-iname)\" > %s", ipath);
                log_error("(or: iscsi-iname --write)");
                return ISCSI_ERR_INVAL;
        }
        if (op == 0)
                op = OP_NEW | OP_DELETE | OP_UPDATE;
        cfg.address = node_record_get(st, ST_KEY_ADDRESS);
        (void) node_record_get_int(st, ST_KEY_PORT, &cfg.port);
        cfg.initiator_name = iname;
        cfg.auth_method = node_record_get(st, ST_KEY_AUTHMETHOD);
        cfg.username = node_record_get(st, ST_KEY_USERNAME);
        cfg.password = node_record_get(st, ST_KEY_PASSWORD);
        cfg.username_in = node_record_get(st, ST_KEY_USERNAME_IN);
        cfg.password_in = node_record_get(st, ST_KEY_PASSWORD_IN);
        cfg.chap_algs = node_record_get(st, ST_KEY_CHAP_ALGS);
        (void) node_record_get_int(st, ST_KEY_LOGIN_TIMEOUT, &cfg.login_timeout);
        (void) node_record_get_int(st, ST_KEY_ACTIVE_TIMEOUT, &cfg.active_timeout);
        (void) node_record_get_int(st, ST_KEY_MAXRECVDATASEGMENTLENGTH, &cfg.max_recv_dlength);

        k = node_discovery_sendtargets(&cfg, &list, &status);
        if (k < 0) {
                if (status.reason[0])
                        log_error("%s", status.reason);
                rc = status.exit_code ?: ISCSI_ERR;
                log_error("Could not perform SendTargets discovery: %s", node_exit_code_text(rc));
                return rc;
        }
        /* link-local portals in the answer are on the link the discovery went through */
        const char *zone = cfg.address ? strchr(cfg.address, '%') : NULL;
        if (zone && iscsi_st_list_scope_link_local(&list, zone + 1) < 0)
                log_warn("cannot add the zone %s to the link-local portals found", zone + 1);
        flat = flatten(&list, cfg.address, cfg.port, &n);
        if (!flat) {
                iscsi_st_list_clear(&list);
                return ISCSI_ERR_NOMEM;
        }
        if (!(op & OP_NONPERSISTENT)) {
                k = ctx_lock(c);
                if (k) {
                        iscsi_st_list_clear(&list);
                        return k;
                }
                k = node_db_write_st(c->db, st);
                if (k < 0) {
                        log_error("Could not add new discovery record: %s", strerror(-k));
                        rc = ISCSI_ERR_IDBM;
                } else
                        rc = update_node_db(c, st, flat, n, op, &list);
        }
        if (c->o->print_level >= 1)
                discovered_tree(c, flat, n);
        else
                /* open-iscsi prints what it found once per iface it was asked to use */
                for (size_t f = 0; f < (c->o->n_ifaces ?: 1); f++)
                        out->discovered(flat, n);
        if (rc == 0 && n == 0)
                log_error("No portals found");
        if (rc == 0 && n > 0 && c->o->login)
                rc = login_discovered(c, &list, cfg.address, cfg.port);
        iscsi_st_list_clear(&list);
        return n == 0 && rc == 0 ? ISCSI_ERR_NO_OBJS_FOUND : rc;
}

static int st_new(Context *c, const Record *st) {
        int k = node_db_write_st(c->db, st);
        if (k < 0) {
                log_error("Could not add new discovery record: %s", strerror(-k));
                return ISCSI_ERR_IDBM;
        }
        printf("New discovery record for [%s,%d] added.\n", c->o->portal.address, c->o->portal.port);
        return 0;
}

/* The record and the node records it found, as open-iscsi does. */
static int st_delete(Context *c) {
        const Portal *p = &c->o->portal;
        NodeFilter all = NODE_FILTER_ALL;
        NodeEntry *e = NULL;
        size_t ne = 0;
        int k;

        k = node_db_delete_st(c->db, p->address, p->port);
        if (k < 0) {
                log_error("Could not delete discovery record: %s", strerror(-k));
                return ISCSI_ERR_IDBM;
        }
        (void) node_db_find_nodes(c->db, &all, &e, &ne);
        for (size_t i = 0; i < ne; i++) {
                int dp = 0;
                (void) node_record_get_int(e[i].rec, NODE_KEY_DISCOVERY_PORT, &dp);
                if (streq_ptr(node_record_get(e[i].rec, NODE_KEY_DISCOVERY_TYPE), "send_targets") &&
                    streq_ptr(node_record_get(e[i].rec, NODE_KEY_DISCOVERY_ADDRESS), p->address) && dp == p->port)
                        (void) node_db_delete_node(c->db, &e[i]);
        }
        node_entries_free(e, ne);
        return 0;
}

static int st_update(Context *c, Record *st) {
        int k;

        if (c->o->n_nv == 0) {
                log_error("update requires name and value");
                return ISCSI_ERR_INVAL;
        }
        k = apply_st_updates(c, st);
        if (k)
                return k;
        k = node_db_write_st(c->db, st);
        if (k < 0) {
                log_error("Could not update discovery record: %s", strerror(-k));
                return ISCSI_ERR_IDBM;
        }
        return 0;
}

int mode_discovery(Context *c, bool db_mode) {
        Options *o = c->o;
        _cleanup_(node_record_freep) Record *st = NULL;
        bool exists = false;
        int k;

        if (!o->type && !o->has_portal)
                return list_records(c);
        if (streq_ptr(o->type, "isns"))
                return mode_discovery_isns(c, db_mode);
        if (streq_ptr(o->type, "fw"))
                return mode_fw_discovery(c);
        k = check_type(o->type);
        if (k)
                return k;
        if (!o->has_portal) {
                log_error("Please specify portal as <ipaddr>[:<ipport>]");
                return ISCSI_ERR_INVAL;
        }
        if (!o->type && !db_mode) {
                log_error("discovery type required (-t sendtargets)");
                return ISCSI_ERR_INVAL;
        }
        k = st_record(c, &exists, &st);
        if (k < 0) {
                log_error("Could not read discovery record: %s", strerror(-k));
                return ISCSI_ERR_IDBM;
        }

        if (!db_mode) {
                /* -m discovery -t st -p X: iscsid.conf settings apply unless a record exists */
                return do_discovery(c, st, o->op);
        }
        if (o->discover) {
                unsigned op = o->op & ~(OP_SHOW);
                k = apply_st_updates(c, st);
                if (k)
                        return k;
                return do_discovery(c, st, op);
        }
        if (o->op & (OP_NEW | OP_DELETE | OP_UPDATE)) {
                k = ctx_lock(c);
                if (k)
                        return k;
        }
        if (o->op & OP_NEW)
                return st_new(c, st);
        if (!exists) {
                log_error("Discovery record [%s,%d] not found.", o->portal.address, o->portal.port);
                return ISCSI_ERR_IDBM;
        }
        if (o->op & OP_DELETE)
                return st_delete(c);
        if (o->op & OP_UPDATE)
                return st_update(c, st);
        out->records(&st, 1, o->show_secrets ? RECORD_SHOW_SECRETS : 0);
        return 0;
}
